/* The authoritative server against hostile queries (RFC 9267 and friends),
 * each sent over UDP from another stack: compression loops, forward
 * pointers, a pointer into the header or past the end, labels over 63,
 * names over 255, counts that lie, trailing octets, a response (QR set),
 * another opcode, two questions, a short header. Each refusal moves its
 * own counter and no other dnsd.drop_* one; the answer is FORMERR (header
 * only, never longer than the query), NOTIMP, or none. Then the caps: 1000
 * queries from one source waiting on a slow provider hold at most
 * DNSD_SRC_SHARE slots (the rest SERVFAIL at once), another source is still
 * served, and every waiting one is answered when the provider is done; a
 * TCP query longer than the cap closes its connection; past DNSD_MAX_TCP
 * connections the one idle longest is closed. */
#include <arpa/inet.h>
#include <string.h>
#include "../lib/t.h"
#include "../lib/dnsd_sim.h"
#include "core/counters.h"
#include "dns/dnsd.h"
#include "link/sim.h"
#include "net/stack.h"
#include "six/socket.h"

#define MS (1000000ull)
#define SEC (1000000000ull)

static struct dnsd_world D;

struct mb { uint8_t b[1024]; size_t n; };
static void put8(struct mb *m, unsigned v) { m->b[m->n++] = (uint8_t)v; }
static void put16(struct mb *m, unsigned v) { put8(m, v >> 8); put8(m, v & 0xff); }
static void hdr(struct mb *m, unsigned flags, unsigned qd, unsigned an, unsigned ns, unsigned ar)
{
    m->n = 0;
    put16(m, 0x4242); put16(m, flags); put16(m, qd); put16(m, an); put16(m, ns); put16(m, ar);
}
static void label(struct mb *m, unsigned len, char c)
{
    put8(m, len);
    for (unsigned i = 0; i < len; i++)
        put8(m, (uint8_t)c);
}
static void qtail(struct mb *m) { put16(m, DNS_TYPE_AAAA); put16(m, DNS_CLASS_IN); }

/* The dnsd.drop_* counters that moved since snap, as one string. */
static uint64_t SNAP[CTR__MAX];
static void snap(void) { memcpy(SNAP, D.a->ctr.v, sizeof SNAP); }
static void moved(char *out, size_t n)
{
    out[0] = 0;
    for (int c = 0; c < CTR__MAX; c++) {
        const char *name = six_ctr_name((enum six_ctr)c);
        if (D.a->ctr.v[c] != SNAP[c] && !strncmp(name, "dnsd.drop_", 10)) {
            size_t l = strlen(out);
            snprintf(out + l, n - l, "%s%s+%llu", l ? " " : "", name,
                     (unsigned long long)(D.a->ctr.v[c] - SNAP[c]));
        }
    }
}

/* Send m; expect exactly counter +1 (and nothing else among the drops), and
 * the answer's rcode (-1: no answer). */
static void expect(const char *what, const struct mb *m, const char *counter, int rcode)
{
    struct dq_ans r;
    char got[512], want[128];
    snap();
    bool answered = dq_udp_raw(&D, "2001:db8:1::a", m->b, m->n, 50 * MS, &r);
    moved(got, sizeof got);
    snprintf(want, sizeof want, "%s+1", counter);
    if (strcmp(got, want)) {
        fprintf(stderr, "  %s: counters moved: '%s', wanted '%s'\n", what, got, want);
        t_case_failed = 1;
    }
    if (rcode < 0) {
        T_CHECK(!answered);
    } else {
        T_CHECK(answered);
        if (answered) {
            T_EQ(dns_rcode(&r.h), rcode);
            T_CHECK(dns_qr(&r.h));
            T_EQ(r.h.id, 0x4242);
            T_CHECK(r.len <= m->n);   /* no amplification */
        }
    }
}

TEST(rfc9267_each_its_own_counter)
{
    T_CHECK(dnsd_world_up(&D, 1000));
    struct mb m;
    /* a self-pointer */
    hdr(&m, 0, 1, 0, 0, 0); put16(&m, 0xc00c); qtail(&m);
    expect("self pointer", &m, "dnsd.drop_compression_loop", DNS_RCODE_FORMERR);
    /* a two-label loop: "a" then a pointer back to it */
    hdr(&m, 0, 1, 0, 0, 0); label(&m, 1, 'a'); put16(&m, 0xc00c); qtail(&m);
    expect("two-pointer loop", &m, "dnsd.drop_compression_loop", DNS_RCODE_FORMERR);
    /* a forward pointer to a name after the question */
    hdr(&m, 0, 1, 0, 0, 0); put16(&m, 0xc000 | 18); qtail(&m); label(&m, 1, 'a'); put8(&m, 0);
    expect("forward pointer", &m, "dnsd.drop_pointer_forward", DNS_RCODE_FORMERR);
    hdr(&m, 0, 1, 0, 0, 0); put16(&m, 0xc002); qtail(&m);
    expect("pointer into header", &m, "dnsd.drop_pointer_into_header", DNS_RCODE_FORMERR);
    hdr(&m, 0, 1, 0, 0, 0); put16(&m, 0xc3ff); qtail(&m);
    expect("pointer beyond", &m, "dnsd.drop_pointer_beyond", DNS_RCODE_FORMERR);
    hdr(&m, 0, 1, 0, 0, 0); label(&m, 64, 'x'); put8(&m, 0); qtail(&m);
    expect("label of 64", &m, "dnsd.drop_label_too_long", DNS_RCODE_FORMERR);
    hdr(&m, 0, 1, 0, 0, 0);
    for (int i = 0; i < 5; i++)
        label(&m, 60, 'y');
    put8(&m, 0); qtail(&m);
    expect("name of 306", &m, "dnsd.drop_name_too_long", DNS_RCODE_FORMERR);
    /* counts that lie: 3 answers claimed, none present */
    hdr(&m, 0, 1, 3, 0, 0); label(&m, 2, 'h'); put8(&m, 0); qtail(&m);
    expect("ancount lie", &m, "dnsd.drop_bad_count", DNS_RCODE_FORMERR);
    /* an additional record claimed that is cut short */
    hdr(&m, 0, 1, 0, 0, 1); label(&m, 2, 'h'); put8(&m, 0); qtail(&m); put8(&m, 0); put16(&m, 41); put16(&m, 512);
    put16(&m, 0); put16(&m, 0);   /* TTL, and no rdlength */
    expect("rdlength missing", &m, "dnsd.drop_truncated", DNS_RCODE_FORMERR);
    /* question without its root label */
    hdr(&m, 0, 1, 0, 0, 0); label(&m, 5, 'z');
    expect("no root label", &m, "dnsd.drop_truncated", DNS_RCODE_FORMERR);
    /* trailing octets after the one question */
    hdr(&m, 0, 1, 0, 0, 0); label(&m, 2, 'h'); put8(&m, 0); qtail(&m); put16(&m, 0xdead); put8(&m, 1);
    expect("trailing data", &m, "dnsd.drop_trailing_data", DNS_RCODE_FORMERR);
    /* two OPT records */
    hdr(&m, 0, 1, 0, 0, 2); label(&m, 2, 'h'); put8(&m, 0); qtail(&m);
    for (int i = 0; i < 2; i++) {
        put8(&m, 0); put16(&m, 41); put16(&m, 1232); put16(&m, 0); put16(&m, 0); put16(&m, 0);
    }
    expect("two OPT", &m, "dnsd.drop_bad_opt", DNS_RCODE_FORMERR);
    /* an answer (QR set): never answered, no loops between servers */
    hdr(&m, DNS_FLAG_QR, 1, 0, 0, 0); label(&m, 2, 'h'); put8(&m, 0); qtail(&m);
    expect("QR set", &m, "dnsd.drop_response", -1);
    /* opcode STATUS (2): NOTIMP */
    hdr(&m, 2u << 11, 1, 0, 0, 0); label(&m, 2, 'h'); put8(&m, 0); qtail(&m);
    expect("opcode 2", &m, "dnsd.drop_not_query", DNS_RCODE_NOTIMP);
    /* two questions, none */
    hdr(&m, 0, 2, 0, 0, 0); label(&m, 2, 'h'); put8(&m, 0); qtail(&m); label(&m, 2, 'i'); put8(&m, 0); qtail(&m);
    expect("two questions", &m, "dnsd.drop_qdcount", DNS_RCODE_FORMERR);
    hdr(&m, 0, 0, 0, 0, 0);
    expect("no question", &m, "dnsd.drop_qdcount", DNS_RCODE_FORMERR);
    /* 11 octets: not even a header, nothing to answer to */
    hdr(&m, 0, 1, 0, 0, 0); m.n = 11;
    expect("short header", &m, "dnsd.drop_truncated", -1);
    /* the server still answers */
    struct dq_ans r;
    T_CHECK(dq_udp(&D, "2001:db8:1::a", "h1.aiih.example.test", DNS_TYPE_AAAA, 0, 100 * MS, &r));
    T_EQ(r.an, 1);
    dnsd_world_down(&D);
}

TEST(share_cap_holds_other_source_served)
{
    T_CHECK(dnsd_world_up(&D, 1100));
    tprov_install(D.a);
    TP.mode = TP_ASYNC;
    TP.delay_ns = 2 * SEC;
    struct dq_ans r;
    T_CHECK(dq_udp(&D, "2001:db8:1::a", "h1.aiih.example.test", DNS_TYPE_AAAA, 0, 100 * MS, &r));   /* ND done */
    int sd = six_socket(D.b, AF_INET6, SOCK_DGRAM, 0);
    struct sockaddr_in6 sa = { .sin6_family = AF_INET6, .sin6_port = htons(53) };
    inet_pton(AF_INET6, "2001:db8:1::a", &sa.sin6_addr);
    uint8_t q[300], in[600];
    unsigned servfail = 0, answered = 0;
    for (unsigned i = 0; i < 1000; i++) {
        size_t n = dq_build(q, sizeof q, (uint16_t)i, "h1.aiih.example.test", DNS_TYPE_A, 0);
        T_EQ(six_sendto(D.b, sd, q, n, 0, (struct sockaddr *)&sa, sizeof sa), (ssize_t)n);
        if (i % 16 == 15)   /* within b's receive buffer for the SERVFAILs */
            sim_run_for(D.w, 3 * MS);
        ssize_t k;
        while ((k = six_recv(D.b, sd, in, sizeof in, 0)) > 0) {
            struct dq_ans x = { .len = (size_t)k };
            memcpy(x.msg, in, (size_t)k);
            dq_parse(&x);
            servfail += dns_rcode(&x.h) == DNS_RCODE_SERVFAIL;
        }
    }
    sim_run_for(D.w, 50 * MS);
    ssize_t k;
    while ((k = six_recv(D.b, sd, in, sizeof in, 0)) > 0) {
        struct dq_ans x = { .len = (size_t)k };
        memcpy(x.msg, in, (size_t)k);
        dq_parse(&x);
        servfail += dns_rcode(&x.h) == DNS_RCODE_SERVFAIL;
    }
    T_EQ(dq_ctr(D.a, "udp.drop_rcvbuf_full") + dq_ctr(D.b, "udp.drop_rcvbuf_full"), 0);
    struct dnsd_info inf;
    dnsd_info(D.a, &inf);
    T_EQ(inf.pending, DNSD_SRC_SHARE);
    T_EQ(servfail, 1000 - DNSD_SRC_SHARE);
    T_EQ(dq_ctr(D.a, "dnsd.drop_pending_share"), 1000 - DNSD_SRC_SHARE);
    T_EQ(dq_ctr(D.a, "dnsd.drop_pending_full"), 0);
    T_EQ(TP.lookups, DNSD_SRC_SHARE);
    /* another source (b's IPv4 address) is still served, after the provider's time */
    T_CHECK(dq_udp(&D, "192.0.2.1", "h2.aiih.example.test", DNS_TYPE_A, 0, 3 * SEC, &r));
    T_EQ(dns_rcode(&r.h), DNS_RCODE_NOERROR);
    T_EQ(r.an, 1);
    /* and the 64 that waited got their A */
    while ((k = six_recv(D.b, sd, in, sizeof in, 0)) > 0) {
        struct dq_ans a = { .len = (size_t)k };
        memcpy(a.msg, in, (size_t)k);
        dq_parse(&a);
        answered += dns_rcode(&a.h) == DNS_RCODE_NOERROR && a.an == 1;
    }
    T_EQ(answered, DNSD_SRC_SHARE);
    dnsd_info(D.a, &inf);
    T_EQ(inf.pending, 0);
    T_EQ(TP.outstanding, 0);
    six_close(D.b, sd);
    dnsd_world_down(&D);
}

TEST(provider_silent_times_out_and_stop_cancels)
{
    T_CHECK(dnsd_world_up(&D, 1200));
    tprov_install(D.a);
    TP.mode = TP_ASYNC;
    TP.delay_ns = 60 * SEC;   /* longer than DNSD_PENDING_MS */
    struct dq_ans r;
    T_CHECK(dq_udp(&D, "2001:db8:1::a", "h1.aiih.example.test", DNS_TYPE_A, 0, 8 * SEC, &r));
    T_EQ(dns_rcode(&r.h), DNS_RCODE_SERVFAIL);
    T_EQ(dq_ctr(D.a, "dnsd.pending_timeout"), 1);
    T_EQ(TP.cancels, 1);
    T_EQ(TP.outstanding, 0);
    /* stopping with queries waiting: the provider forgets them */
    T_CHECK(!dq_udp(&D, "2001:db8:1::a", "h2.aiih.example.test", DNS_TYPE_A, 0, 10 * MS, &r));
    T_EQ(TP.outstanding, 1);
    T_EQ(dnsd_stop(D.a), 0);
    T_EQ(TP.cancels, 2);
    T_EQ(TP.outstanding, 0);
    dnsd_world_down(&D);
}

TEST(tcp_query_too_long_closes)
{
    T_CHECK(dnsd_world_up(&D, 1300));
    int sd = six_socket(D.b, AF_INET6, SOCK_STREAM, 0);
    struct sockaddr_in6 sa = { .sin6_family = AF_INET6, .sin6_port = htons(53) };
    inet_pton(AF_INET6, "2001:db8:1::a", &sa.sin6_addr);
    six_connect(D.b, sd, (struct sockaddr *)&sa, sizeof sa);
    sim_run_for(D.w, 20 * MS);
    uint8_t len[2] = { 0xff, 0xff };
    T_EQ(six_send(D.b, sd, len, 2, 0), 2);
    sim_run_for(D.w, 50 * MS);
    T_EQ(dq_ctr(D.a, "dnsd.drop_tcp_too_long"), 1);
    struct dnsd_info inf;
    dnsd_info(D.a, &inf);
    T_EQ(inf.tcp_conns, 0);
    six_close(D.b, sd);
    dnsd_world_down(&D);
}

TEST(tcp_connection_cap_evicts_oldest)
{
    T_CHECK(dnsd_world_up(&D, 1400));
    struct sockaddr_in6 sa = { .sin6_family = AF_INET6, .sin6_port = htons(53) };
    inet_pton(AF_INET6, "2001:db8:1::a", &sa.sin6_addr);
    int sds[DNSD_MAX_TCP + 2];
    for (unsigned i = 0; i < DNSD_MAX_TCP + 2; i++) {
        sds[i] = six_socket(D.b, AF_INET6, SOCK_STREAM, 0);
        T_CHECK(sds[i] >= 0);
        six_connect(D.b, sds[i], (struct sockaddr *)&sa, sizeof sa);
        sim_run_for(D.w, 2 * MS);
    }
    sim_run_for(D.w, 50 * MS);
    struct dnsd_info inf;
    dnsd_info(D.a, &inf);
    T_EQ(inf.tcp_conns, DNSD_MAX_TCP);
    T_EQ(dq_ctr(D.a, "dnsd.tcp_evicted"), 2);
    /* the newest still answers */
    uint8_t q[300], in[600];
    size_t n = dq_build(q + 2, sizeof q - 2, 7, "h1.aiih.example.test", DNS_TYPE_AAAA, 0);
    q[0] = 0;
    q[1] = (uint8_t)n;
    T_EQ(six_send(D.b, sds[DNSD_MAX_TCP + 1], q, n + 2, 0), (ssize_t)(n + 2));
    sim_run_for(D.w, 20 * MS);
    T_CHECK(six_recv(D.b, sds[DNSD_MAX_TCP + 1], in, sizeof in, 0) > 2);
    for (unsigned i = 0; i < DNSD_MAX_TCP + 2; i++)
        six_close(D.b, sds[i]);
    dnsd_world_down(&D);
}

int main(void)
{
    RUN(rfc9267_each_its_own_counter);
    RUN(share_cap_holds_other_source_served);
    RUN(provider_silent_times_out_and_stop_cancels);
    RUN(tcp_query_too_long_closes);
    RUN(tcp_connection_cap_evicts_oldest);
    return t_done();
}
