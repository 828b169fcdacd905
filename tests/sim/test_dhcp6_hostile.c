/* Hostile input at sixd's DHCPv6 server, end to end on the simulator (issue
 * 12, acceptance "Bad input, each dropped and counted under its own
 * reason"): stack A runs the server (`dhcp6 server ...` as an operator
 * types it), stack B sends what a broken or hostile client or relay would
 * from UDP sockets on 546/547, stack C is a legitimate sixd client.
 *
 * Each message: no answer, exactly its own counter (`sixctl stats` name
 * dhcp6s.drop.REASON) up by one and no other drop counter, nothing leased:
 * option lengths that lie (opt_truncated: past the datagram, an IAADDR past
 * its IA_NA, a RELAY_MSG past its relay message; bad_opt_len: ELAPSED_TIME
 * of 3), 33 nested relays (relay_too_deep, with true hop counts and with
 * zeros), IA_PD prefix length 129 (bad_prefix_len), a 200-octet DUID as
 * client or server id (bad_duid), a Solicit with a server id
 * (unexpected_server_id), Request / Renew / Release without one
 * (missing_server_id), unknown types and server-only types (bad_type).
 * Afterwards a sixd client is still served. Then a Solicit storm: 10^5
 * DUIDs (IA_NA + IA_PD) from one host in 5 s with a sixd client started in
 * the middle of it: nothing committed, memory flat, every message answered
 * or counted, the pool whole after it. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/resource.h>
#include <malloc.h>
#include "../lib/t.h"
#include "../lib/simstack.h"
#include "ctl/cmd.h"
#include "dhcp6/server.h"
#include "link/ifnet.h"
#include "link/sim.h"
#include "net/stack.h"
#include "six/socket.h"
#include "wire/dhcp6.h"

#define MS (1000000ull)
#define SEC (1000000000ull)
#define D6S_SOLICIT_RATE_TEST 2000   /* server_int.h D6S_SOLICIT_RATE: Advertises a second at most */

static struct sim_world *W;
static struct sim_link *L;
static struct six_stack *A, *B;
static int CS = -1, RS = -1;            /* B's client (546) and relay (547) sockets */
static char DIR_[64], JOURNAL[128];
static struct cmd_out OUT, ERR;

static int cmd(struct six_stack *st, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int cmd(struct six_stack *st, const char *fmt, ...)
{
    static char line[1024];
    char *argv[CMD_MAX_ARGS];
    const char *why = NULL;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    int argc = cmd_split(line, argv, CMD_MAX_ARGS, &why);
    cmd_out_reset(&OUT);
    cmd_out_reset(&ERR);
    cmd_printf(&OUT, "%s", "");
    cmd_printf(&ERR, "%s", "");
    bool json = argc > 0 && !strcmp(argv[0], "-j");
    struct cmd_ctx c = { .st = st, .out = &OUT, .err = &ERR, .json = json };
    int rc = six_cmd_exec(&c, argc - json, argv + json);
    if (rc)
        fprintf(stderr, "  '%s' -> %d: %s\n", line, rc, ERR.buf);
    return rc;
}

static uint64_t ctr(struct six_stack *st, const char *name)
{
    uint64_t v = 0;
    T_EQ(six_counter_by_name(&st->ctr, name, &v), 0);
    return v;
}

/* Every drop the server counts: its wire reasons and its dhcp6s.drop_* */
static uint64_t all_drops(struct six_stack *st)
{
    uint64_t n = 0;
    for (int r = 0; r < WR__MAX; r++)
        n += st->ctr.wire[WP_dhcp6s][r];
    return n + CTR_GET(st, dhcp6s, drop_no_link) + CTR_GET(st, dhcp6s, drop_serverid) +
           CTR_GET(st, dhcp6s, drop_duid_rate) + CTR_GET(st, dhcp6s, drop_solicit_rate) +
           CTR_GET(st, dhcp6s, drop_pending_full) + CTR_GET(st, dhcp6s, drop_busy) +
           CTR_GET(st, dhcp6s, drop_too_big) + CTR_GET(st, dhcp6s, drop_commit_failed) +
           CTR_GET(st, dhcp6s, drop_confirm_empty) + CTR_GET(st, dhcp6s, drop_unexpected) +
           CTR_GET(st, dhcp6s, drop_build) + CTR_GET(st, dhcp6s, drop_send);
}

static int udp_socket(struct six_stack *st, uint16_t port)
{
    int sd = six_socket(st, AF_INET6, SOCK_DGRAM, 0);
    struct sockaddr_in6 any = { .sin6_family = AF_INET6, .sin6_port = htons(port) };
    T_CHECK(sd >= 0);
    T_EQ(six_bind(st, sd, (struct sockaddr *)&any, sizeof any), 0);
    int v = (int)if_find(st, "eth0")->index;
    T_EQ(six_setsockopt(st, sd, IPPROTO_IPV6, IPV6_MULTICAST_IF, &v, sizeof v), 0);
    return sd;
}

static void setup(uint64_t seed)
{
    struct sim_link_params p = { .delay_ns = 1 * MS };
    W = sim_world_create(seed);
    L = sim_pair_dual(W, seed, 4096, &p, &A, &B);
    snprintf(DIR_, sizeof DIR_, "/tmp/d6e2e-hostile-XXXXXX");
    T_CHECK(mkdtemp(DIR_) != NULL);
    snprintf(JOURNAL, sizeof JOURNAL, "%s/leases", DIR_);
    CS = udp_socket(B, DHCP6_CLIENT_PORT);
    RS = udp_socket(B, DHCP6_SERVER_PORT);
    T_EQ(cmd(A, "dhcp6 server dev eth0 pool 2001:db8:1::1000-2001:db8:1::1fff pd-pool 2001:db8:100::/40 "
                "delegate 56 store %s", JOURNAL), 0);
}

static void teardown(void)
{
    six_stack_destroy(A);
    six_stack_destroy(B);
    sim_world_destroy(W);
    char rm[160];
    snprintf(rm, sizeof rm, "rm -rf %s", DIR_);
    T_EQ(system(rm), 0);
}

/* ------------------------------------------------------------ messages */

static void duid_ll(uint8_t d[10], uint32_t n)
{
    const uint8_t x[10] = { 0, 3, 0, 1, 0x02, 0x00, (uint8_t)(n >> 24), (uint8_t)(n >> 16), (uint8_t)(n >> 8),
                            (uint8_t)n };
    memcpy(d, x, 10);
}

struct msg { uint8_t b[4096]; size_t len; };

/* A well-formed client message: client id, elapsed time, IA_NA (+ IA_PD). */
static struct msg client_msg(uint8_t type, uint32_t n, bool pd, const uint8_t *sid, size_t sid_len)
{
    struct msg m;
    uint8_t d[10];
    duid_ll(d, n);
    struct dhcp6_builder b;
    dhcp6_build_init(&b, m.b, sizeof m.b);
    dhcp6_build_hdr(&b, type, 0x4000 + n);
    dhcp6_put_opt(&b, D6O_CLIENTID, d, sizeof d);
    if (sid)
        dhcp6_put_opt(&b, D6O_SERVERID, sid, sid_len);
    dhcp6_put_u16(&b, D6O_ELAPSED_TIME, 0);
    dhcp6_begin_ia(&b, D6O_IA_NA, 1, 0, 0);
    dhcp6_end(&b);
    if (pd) {
        dhcp6_begin_ia(&b, D6O_IA_PD, 2, 0, 0);
        dhcp6_end(&b);
    }
    m.len = dhcp6_build_done(&b);
    T_CHECK(m.len > 0);
    return m;
}

static void send_to(int sd, const struct msg *m, const char *to)
{
    struct sockaddr_in6 sa = { .sin6_family = AF_INET6, .sin6_port = htons(DHCP6_SERVER_PORT) };
    inet_pton(AF_INET6, to, &sa.sin6_addr);
    if (sa.sin6_addr.s6_addr[0] == 0xff)
        sa.sin6_scope_id = if_find(B, "eth0")->index;
    T_EQ(six_sendto(B, sd, m->b, m->len, 0, (struct sockaddr *)&sa, sizeof sa), (long long)m->len);
}

static size_t answers(int sd)
{
    uint8_t rx[4096];
    size_t n = 0;
    while (six_recvfrom(B, sd, rx, sizeof rx, 0, NULL, NULL) > 0)
        n++;
    return n;
}

/* Offset of the first option with this code at the top level of m (after
 * the 4-byte header), or 0. */
static size_t opt_at(const struct msg *m, uint16_t code)
{
    for (size_t o = 4; o + 4 <= m->len;) {
        uint16_t c = (uint16_t)(m->b[o] << 8 | m->b[o + 1]), l = (uint16_t)(m->b[o + 2] << 8 | m->b[o + 3]);
        if (c == code)
            return o;
        o += 4u + l;
    }
    return 0;
}

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

/* A message wrapped in depth Relay-forw levels (hop count = level). */
static struct msg relay_wrap(const struct msg *inner, int depth)
{
    struct msg cur = *inner, next;
    for (int d = 0; d < depth; d++) {
        struct dhcp6_builder b;
        struct in6_addr la = { 0 }, peer;
        if (d == 0)
            inet_pton(AF_INET6, "2001:db8:1::77", &la);
        inet_pton(AF_INET6, "fe80::1234", &peer);
        dhcp6_build_init(&b, next.b, sizeof next.b);
        dhcp6_build_relay_hdr(&b, DHCP6_RELAY_FORW, 0, &la, &peer);   /* the builder refuses hops > 8 */
        dhcp6_begin_opt(&b, D6O_RELAY_MSG);
        T_CHECK(b.len + cur.len <= b.cap);
        memcpy(b.buf + b.len, cur.b, cur.len);
        b.len += cur.len;
        dhcp6_end(&b);
        next.len = dhcp6_build_done(&b);
        T_CHECK(next.len > 0);
        next.b[1] = (uint8_t)d;                         /* the hop count a relay at this level sets */
        cur = next;
    }
    return cur;
}

/* ------------------------------------------------------------ each bad message */

/* Send m from sd; expect no answer, reason's counter +1, no other drop,
 * nothing leased, the counter listed by `sixctl stats`. */
static void refused(int sd, const struct msg *m, const char *reason)
{
    char name[96];
    snprintf(name, sizeof name, "dhcp6s.drop.%s", reason);
    uint64_t before = ctr(A, name), drops = all_drops(A);
    answers(CS);
    answers(RS);
    send_to(sd, m, "ff02::1:2");
    sim_run_for(W, 50 * MS);
    T_EQ(answers(sd), 0);
    uint64_t now = ctr(A, name);
    if (now != before + 1)
        fprintf(stderr, "  %s: %llu -> %llu\n", name, (unsigned long long)before, (unsigned long long)now);
    T_EQ(now, before + 1);
    T_EQ(all_drops(A), drops + 1);
    T_EQ(cmd(A, "stats"), 0);
    T_CHECK(strstr(OUT.buf, name) != NULL);
    T_EQ(cmd(A, "dhcp6 leases"), 0);
    T_STREQ(OUT.buf, "");
}

TEST(option_length_lies)
{
    setup(300);
    /* ELAPSED_TIME claiming more than the datagram holds */
    struct msg m = client_msg(DHCP6_SOLICIT, 1, false, NULL, 0);
    size_t et = opt_at(&m, D6O_ELAPSED_TIME);
    T_CHECK(et > 0);
    put16(m.b + et + 2, 200);
    refused(CS, &m, "opt_truncated");
    /* ELAPSED_TIME of 3 octets (its format is 2): the message stays whole */
    m = client_msg(DHCP6_SOLICIT, 2, false, NULL, 0);
    et = opt_at(&m, D6O_ELAPSED_TIME);
    memmove(m.b + et + 7, m.b + et + 6, m.len - et - 6);
    m.b[et + 6] = 0;
    m.len++;
    put16(m.b + et + 2, 3);
    refused(CS, &m, "bad_opt_len");
    /* an IAADDR running past the end of its IA_NA (the IA_NA's own length true) */
    struct dhcp6_builder b;
    uint8_t d[10];
    duid_ll(d, 3);
    struct in6_addr a;
    inet_pton(AF_INET6, "2001:db8:1::1234", &a);
    dhcp6_build_init(&b, m.b, sizeof m.b);
    dhcp6_build_hdr(&b, DHCP6_SOLICIT, 0x77);
    dhcp6_begin_ia(&b, D6O_IA_NA, 1, 0, 0);
    dhcp6_begin_iaaddr(&b, &a, 0, 0);
    dhcp6_end(&b);
    dhcp6_end(&b);
    dhcp6_put_opt(&b, D6O_CLIENTID, d, sizeof d);
    m.len = dhcp6_build_done(&b);
    size_t ia = opt_at(&m, D6O_IA_NA);
    T_CHECK(ia > 0);
    put16(m.b + ia + 16 + 2, 24 + 14);                /* IAADDR: 24 → into the CLIENTID after the IA */
    refused(CS, &m, "opt_truncated");
    /* a RELAY_MSG (right after the 34-octet relay header) one octet longer
     * than the relay message */
    struct msg in = client_msg(DHCP6_SOLICIT, 4, false, NULL, 0);
    m = relay_wrap(&in, 1);
    T_EQ(m.b[34] << 8 | m.b[35], D6O_RELAY_MSG);
    put16(m.b + 34 + 2, (uint16_t)(in.len + 1));
    refused(RS, &m, "opt_truncated");
    teardown();
}

TEST(relays_33_deep)
{
    setup(310);
    struct msg in = client_msg(DHCP6_SOLICIT, 5, false, NULL, 0);
    struct msg m = relay_wrap(&in, 33);
    refused(RS, &m, "relay_too_deep");
    /* hop counts kept under the limit, only the nesting deep */
    for (size_t o = 0; o + 34 <= m.len && m.b[o] == DHCP6_RELAY_FORW; o += 34 + 4)
        m.b[o + 1] = 0;
    refused(RS, &m, "relay_too_deep");
    teardown();
}

TEST(ia_pd_prefix_length_129)
{
    setup(320);
    struct msg m;
    struct dhcp6_builder b;
    uint8_t d[10];
    duid_ll(d, 6);
    struct in6_addr p;
    inet_pton(AF_INET6, "2001:db8:100::", &p);
    dhcp6_build_init(&b, m.b, sizeof m.b);
    dhcp6_build_hdr(&b, DHCP6_SOLICIT, 0x78);
    dhcp6_put_opt(&b, D6O_CLIENTID, d, sizeof d);
    dhcp6_begin_ia(&b, D6O_IA_PD, 2, 0, 0);
    dhcp6_begin_iaprefix(&b, &p, 56, 0, 0);
    dhcp6_end(&b);
    dhcp6_end(&b);
    m.len = dhcp6_build_done(&b);
    size_t pd = opt_at(&m, D6O_IA_PD);
    T_CHECK(pd > 0);
    /* IA_PD hdr 4 + 12, IAPREFIX hdr 4, preferred 4, valid 4, then the length */
    T_EQ(m.b[pd + 16 + 4 + 8], 56);
    m.b[pd + 16 + 4 + 8] = 129;
    refused(CS, &m, "bad_prefix_len");
    teardown();
}

TEST(duid_of_200_octets)
{
    setup(330);
    uint8_t d[200];
    memset(d, 0xab, sizeof d);
    d[0] = 0;
    d[1] = 2;                                         /* DUID-EN: no length of its own */
    struct msg m;
    struct dhcp6_builder b;
    dhcp6_build_init(&b, m.b, sizeof m.b);
    dhcp6_build_hdr(&b, DHCP6_SOLICIT, 0x79);
    dhcp6_put_opt(&b, D6O_CLIENTID, d, sizeof d);
    dhcp6_begin_ia(&b, D6O_IA_NA, 1, 0, 0);
    dhcp6_end(&b);
    m.len = dhcp6_build_done(&b);
    T_CHECK(m.len > 200);
    refused(CS, &m, "bad_duid");
    /* as a server id in a Request: refused just the same */
    m = client_msg(DHCP6_REQUEST, 7, false, d, sizeof d);
    refused(CS, &m, "bad_duid");
    teardown();
}

TEST(server_id_on_solicit_none_on_request)
{
    setup(340);
    static const uint8_t sid[] = { 0, 3, 0, 1, 2, 0, 0, 0, 0, 9 };
    struct msg m = client_msg(DHCP6_SOLICIT, 8, true, sid, sizeof sid);
    refused(CS, &m, "unexpected_server_id");
    m = client_msg(DHCP6_REQUEST, 8, true, NULL, 0);
    refused(CS, &m, "missing_server_id");
    m = client_msg(DHCP6_RENEW, 8, true, NULL, 0);
    refused(CS, &m, "missing_server_id");
    m = client_msg(DHCP6_RELEASE, 8, true, NULL, 0);
    refused(CS, &m, "missing_server_id");
    /* the same inside a relay */
    struct msg in = client_msg(DHCP6_SOLICIT, 9, false, sid, sizeof sid);
    m = relay_wrap(&in, 2);
    refused(RS, &m, "unexpected_server_id");
    teardown();
}

TEST(unknown_message_types)
{
    setup(350);
    static const uint8_t types[] = { 0, 15, 16, 17, 18, 19, 22, 35, 36, 100, 255 };
    for (size_t i = 0; i < sizeof types; i++) {
        struct msg m = client_msg(DHCP6_SOLICIT, 10, false, NULL, 0);
        m.b[0] = types[i];
        refused(CS, &m, "bad_type");
    }
    /* RFC 5007: a LEASEQUERY must carry its query (LEASEQUERY-REPLY is a server's: bad_type above) */
    struct msg m = client_msg(DHCP6_SOLICIT, 10, false, NULL, 0);
    m.b[0] = DHCP6_LEASEQUERY;
    refused(CS, &m, "bad_lq");
    teardown();
}

/* Messages only a server sends, and DHCPv4-over-DHCPv6 (not served), sent
 * to the server: bad_type, nothing answered. */
TEST(server_messages_at_the_server)
{
    setup(360);
    static const uint8_t sid[] = { 0, 3, 0, 1, 2, 0, 0, 0, 0, 9 };
    static const uint8_t types[] = { DHCP6_ADVERTISE, DHCP6_REPLY, DHCP6_RECONFIGURE, DHCP6_DHCPV4_QUERY,
                                     DHCP6_DHCPV4_RESPONSE };
    for (size_t i = 0; i < sizeof types; i++) {
        struct msg m = client_msg(types[i], 11, false, sid, sizeof sid);
        refused(CS, &m, "bad_type");
    }
    teardown();
}

/* A Relay-reply is what a server sends to a relay: at a server it is no
 * client's message, whatever it carries (was: the Solicit inside answered
 * in a Relay-reply chain). */
TEST(relay_reply_at_the_server)
{
    setup(365);
    struct msg in = client_msg(DHCP6_SOLICIT, 12, false, NULL, 0), m = relay_wrap(&in, 1);
    m.b[0] = DHCP6_RELAY_REPL;
    refused(RS, &m, "bad_type");
    m = relay_wrap(&in, 3);                         /* a Relay-reply inside Relay-forws */
    m.b[38 + 38] = DHCP6_RELAY_REPL;
    T_EQ(m.b[38] , DHCP6_RELAY_FORW);
    refused(RS, &m, "bad_type");
    T_EQ(CTR_GET(A, dhcp6s, out_advertise), 0);
    teardown();
}

/* After every kind of bad input the server still serves a good client. */
TEST(still_serving_after_the_bad_ones)
{
    setup(370);
    struct msg m = client_msg(DHCP6_SOLICIT, 20, true, NULL, 0);
    m.b[0] = 99;
    send_to(CS, &m, "ff02::1:2");
    struct msg in = client_msg(DHCP6_SOLICIT, 21, false, NULL, 0), r = relay_wrap(&in, 33);
    send_to(RS, &r, "ff02::1:2");
    sim_run_for(W, 50 * MS);
    struct six_stack *C = sim_stack(W, "c", 373, 0);
    T_CHECK(sim_attach(L, C, "eth0", NULL) != NULL);
    T_EQ(cmd(C, "link set eth0 up"), 0);
    T_EQ(cmd(C, "dhcp6 client dev eth0 ia-na ia-pd"), 0);
    sim_run_for(W, 6 * SEC);
    T_EQ(cmd(C, "-j dhcp6 client show"), 0);
    T_CHECK(strstr(OUT.buf, "\"state\":\"bound\"") != NULL);
    T_EQ(CTR_GET(A, dhcp6s, bound), 2);
    sim_unregister_stack(W, C);
    six_stack_destroy(C);
    teardown();
}

/* ------------------------------------------------------------ the storm */

static long rss_kb(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    long pages = 0, res = 0;
    if (f) {
        if (fscanf(f, "%ld %ld", &pages, &res) != 2)
            res = 0;
        fclose(f);
    }
    return res * (sysconf(_SC_PAGESIZE) / 1024);
}

/* Bytes allocated by malloc (in use, heap and mmap'd blocks). */
static long heap_kb(void)
{
    struct mallinfo2 mi = mallinfo2();
    return (long)((mi.uordblks + mi.hblkhd) / 1024);
}

/* 10^5 Solicits (IA_NA + IA_PD) from distinct DUIDs, all from B, over 5 s
 * of virtual time: 10x the server's Solicit budget. A sixd client on host
 * C is started 1 s into it. */
struct storm {
    struct six_stack *C;
    unsigned sent, max_leases, max_pending;
    long rss0, rss10k, rss1;
    long heap10k, heap1;             /* KiB allocated (malloc'd, not merely touched) */
    uint64_t start, end, bound_at;   /* bound_at: when C was first seen bound (0: not during the storm) */
};

static bool c_bound(struct six_stack *C)
{
    T_EQ(cmd(C, "-j dhcp6 client show"), 0);
    return strstr(OUT.buf, "\"state\":\"bound\"") != NULL;
}

static struct storm storm_with_a_client(uint64_t seed)
{
    struct storm r = { 0 };
    setup(seed);
    r.C = sim_stack(W, "c", seed + 3, 0);
    T_CHECK(sim_attach(L, r.C, "eth0", NULL) != NULL);
    T_EQ(cmd(r.C, "link set eth0 up"), 0);
    sim_run_for(W, 2 * SEC);
    r.rss0 = rss_kb();
    r.start = sim_now(W);
    struct d6s_info in;
    struct sockaddr_in6 sa = { .sin6_family = AF_INET6, .sin6_port = htons(DHCP6_SERVER_PORT),
                               .sin6_scope_id = if_find(B, "eth0")->index };
    inet_pton(AF_INET6, "ff02::1:2", &sa.sin6_addr);
    for (uint32_t n = 0; n < 100000; n++) {
        struct msg m = client_msg(DHCP6_SOLICIT, 1000000 + n, true, NULL, 0);
        if (six_sendto(B, CS, m.b, m.len, 0, (struct sockaddr *)&sa, sizeof sa) == (long long)m.len)
            r.sent++;
        if (n % 100 != 99)
            continue;
        sim_run_for(W, 5 * MS);                        /* 20 000 a second */
        answers(CS);
        d6s_info(A, &in);
        r.max_leases = in.leases > r.max_leases ? in.leases : r.max_leases;
        r.max_pending = in.pending > r.max_pending ? in.pending : r.max_pending;
        if (n == 9999) {
            r.rss10k = rss_kb();
            r.heap10k = heap_kb();
        }

        if (n == 19999)
            T_EQ(cmd(r.C, "dhcp6 client dev eth0 ia-na ia-pd"), 0);
        if (!r.bound_at && n > 19999 && c_bound(r.C))
            r.bound_at = sim_now(W);
    }
    r.end = sim_now(W);
    r.rss1 = rss_kb();
    r.heap1 = heap_kb();
    fprintf(stderr, "  storm: %u sent in %.1f s; advertised %llu, solicit-rate drops %llu, duid-rate %llu, rcvbuf %llu; "
                    "leases max %u pending max %u; RSS %ld, after 10^4 %ld, after 10^5 %ld KiB; allocated after 10^4 %ld, after 10^5 %ld KiB; the client bound %s%.2f s "
                    "into the storm\n",
            r.sent, (double)(r.end - r.start) / SEC, (unsigned long long)CTR_GET(A, dhcp6s, out_advertise),
            (unsigned long long)CTR_GET(A, dhcp6s, drop_solicit_rate),
            (unsigned long long)CTR_GET(A, dhcp6s, drop_duid_rate),
            (unsigned long long)CTR_GET(A, udp, drop_rcvbuf_full), r.max_leases, r.max_pending, r.rss0, r.rss10k,
            r.rss1, r.heap10k, r.heap1, r.bound_at ? "" : "NOT (", r.bound_at ? (double)(r.bound_at - r.start) / SEC : 0.0);
    return r;
}

static void storm_done(struct storm *r)
{
    sim_unregister_stack(W, r->C);
    six_stack_destroy(r->C);
    teardown();
}

/* Caps hold: nothing committed, memory flat, every message answered or
 * counted, the pool whole afterwards and the client served after it. */
TEST(solicit_storm_from_1e5_duids)
{
    struct storm r = storm_with_a_client(380);
    T_CHECK(r.sent >= 99000);
    T_CHECK(r.max_leases <= 2);                         /* the legitimate client's at most */
    T_CHECK(r.max_pending <= 1);
    T_EQ(CTR_GET(A, dhcp6s, out_advertise) + CTR_GET(A, dhcp6s, out_reply) + all_drops(A), CTR_GET(A, dhcp6s, in_msgs));
    T_CHECK(CTR_GET(A, dhcp6s, out_advertise) <= 6 * D6S_SOLICIT_RATE_TEST);
    /* nothing allocated per DUID: 9 x 10^4 more DUIDs cost less than 1 MiB
     * (12 bytes each would be more). RSS is shown, not checked: it grows
     * when preallocated tables are first touched (the client's binding);
     * under ASan mallinfo2 reports nothing and this holds trivially */
    T_CHECK(r.heap1 - r.heap10k < 1024);
    sim_run_for(W, 10 * SEC);
    T_CHECK(c_bound(r.C));
    /* the pool is not exhausted: a new DUID is offered an address and a prefix */
    struct msg s = client_msg(DHCP6_SOLICIT, 42, true, NULL, 0);
    answers(CS);
    send_to(CS, &s, "ff02::1:2");
    sim_run_for(W, 50 * MS);
    uint8_t rx[2048];
    ssize_t rn = six_recvfrom(B, CS, rx, sizeof rx, 0, NULL, NULL);
    struct dhcp6_msg adv;
    T_CHECK(rn > 0 && dhcp6_parse(rx, (size_t)rn, &adv) == WR_OK && adv.type == DHCP6_ADVERTISE);
    T_CHECK(rn > 0 && adv.n_ia == 2 && adv.ia[0].n_item == 1 && adv.ia[1].n_item == 1);
    struct d6s_info in;
    d6s_info(A, &in);
    T_CHECK(in.leases <= 2);
    storm_done(&r);
}

/* The client started during the storm is served during it. All 10^5
 * Solicits come from one host (B's link-local address), yet the server's
 * only Solicit budget is global (D6S_SOLICIT_RATE a second, first come
 * first served, src/dhcp6/server_reply.c solicit_ok): the storm spends it in
 * the first 0.1 s of every second and the client's Solicits, one every
 * 1, 2, 4 s, are dropped unless one happens to land there. FAILS until the
 * server budgets Solicits per source too (proposed: a per-source cap --
 * the datagram's source, or the innermost relay's peer-address -- hashed
 * like rate_ok, checked before the global budget, at a fraction of it). */
TEST(client_served_during_a_one_host_storm)
{
    struct storm r = storm_with_a_client(390);
    fprintf(stderr, "  the client sent %llu Solicits during the storm\n",
            (unsigned long long)CTR_GET(r.C, dhcp6c, out_solicit));
    T_CHECK(r.bound_at != 0 && r.bound_at < r.end);
    storm_done(&r);
}

int main(void)
{
    cmd_out_init(&OUT);
    cmd_out_init(&ERR);
    RUN(option_length_lies);
    RUN(relays_33_deep);
    RUN(ia_pd_prefix_length_129);
    RUN(duid_of_200_octets);
    RUN(server_id_on_solicit_none_on_request);
    RUN(unknown_message_types);
    RUN(server_messages_at_the_server);
    RUN(relay_reply_at_the_server);
    RUN(still_serving_after_the_bad_ones);
    RUN(solicit_storm_from_1e5_duids);
    RUN(client_served_during_a_one_host_storm);
    cmd_out_free(&OUT);
    cmd_out_free(&ERR);
    return t_done();
}
