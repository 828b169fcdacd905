/* dstm/napt44: the NAPT44 table of an lw4o6 DTI (RFC 7596 §5.1): mappings
 * only inside the port set, the set's size as the limit, timeouts by
 * RFC 4787 / 5382 / 5508, ICMP identifiers and errors, inbound filtering. */
#include <arpa/inet.h>
#include "../lib/t.h"
#include "../lib/pkt4.h"
#include "core/clock.h"
#include "dstm/napt44.h"
#include "wire/bytes.h"

static uint64_t rs = 0x2545f4914f6cdd1dull;
static uint32_t test_rand(void *arg, uint32_t below)
{
    (void)arg;
    rs ^= rs << 13; rs ^= rs >> 7; rs ^= rs << 17;
    return below ? (uint32_t)((rs >> 11) % below) : 0;
}

static struct in_addr A4(const char *s)
{
    struct in_addr a;
    if (inet_pton(AF_INET, s, &a) != 1) abort();
    return a;
}

#define S(x) ((uint64_t)(x) * NS_PER_SEC)
static struct in_addr X, HOST, HOST2, PEER;
static const struct dstm_portset PS = { .offset = 6, .psid_len = 6, .psid = 0x2a };   /* 1008 ports */

static struct napt44 *mk(uint32_t max)
{
    X = A4("192.0.2.1");
    HOST = A4("10.0.0.2");
    HOST2 = A4("10.0.0.3");
    PEER = A4("198.51.100.7");
    struct napt44_config c = { .max = max, .x = X, .ps = PS, .rand = test_rand };
    struct napt44 *n = napt44_new(&c);
    T_CHECK(n != NULL);
    return n;
}

static struct pkt4 udp(struct in_addr src, uint16_t sport, struct in_addr dst, uint16_t dport)
{
    return (struct pkt4){ .proto = 17, .src = src, .dst = dst, .sport = sport, .dport = dport, .plen = 12, .pseed = 5 };
}
static struct pkt4 tcp(struct in_addr src, uint16_t sport, struct in_addr dst, uint16_t dport, uint8_t fl)
{
    return (struct pkt4){ .proto = 6, .src = src, .dst = dst, .sport = sport, .dport = dport, .tcp_flags = fl };
}
static struct pkt4 echo(struct in_addr src, struct in_addr dst, uint8_t type, uint16_t id)
{
    return (struct pkt4){ .proto = 1, .icmp_type = type, .src = src, .dst = dst, .sport = id, .dport = id, .plen = 16 };
}

static uint8_t buf[PKT4_MAX];
static size_t blen;

/* Sends s through out/in; on OK, checks every checksum of the result. */
static enum napt44_verdict go(struct napt44 *n, bool out, const struct pkt4 *s, uint64_t now)
{
    blen = pkt4_build(s, buf, sizeof buf);
    enum napt44_verdict v = out ? napt44_out(n, buf, blen, now) : napt44_in(n, buf, blen, now);
    if (v == NAPT44_OK)
        T_CHECK(pkt4_cksums_ok(buf, blen));
    return v;
}
static uint16_t sport_of(void) { return rd16(buf + 20); }
static uint16_t dport_of(void) { return rd16(buf + 22); }
static uint16_t echo_id(void) { return rd16(buf + 24); }
static bool src_is(struct in_addr a) { return !memcmp(buf + 12, &a.s_addr, 4); }
static bool dst_is(struct in_addr a) { return !memcmp(buf + 16, &a.s_addr, 4); }

TEST(mappings_stay_in_the_set_and_the_set_is_the_limit)
{
    struct napt44 *n = mk(10000);
    struct napt44_stats st;
    napt44_stats(n, &st);
    T_EQ(st.ports, 1008);
    T_EQ(st.max, 3 * 1008);               /* clamped: no more mappings than ports */
    static uint8_t used[65536];
    memset(used, 0, sizeof used);
    int ok = 0, no_port = 0, other = 0;
    for (int i = 0; i < 10000; i++) {
        struct pkt4 s = udp(i % 2 ? HOST : HOST2, (uint16_t)(20000 + i), PEER, 53);
        enum napt44_verdict v = go(n, true, &s, S(1));
        if (v == NAPT44_OK) {
            ok++;
            T_CHECK(src_is(X));
            T_CHECK(dstm_port_in_set(&PS, sport_of()));
            T_CHECK(!used[sport_of()]);
            used[sport_of()] = 1;
        } else if (v == NAPT44_NO_PORT) {
            no_port++;
        } else {
            other++;
        }
    }
    T_EQ(ok, 1008);
    T_EQ(no_port, 10000 - 1008);
    T_EQ(other, 0);
    /* the existing flows keep working, both ways */
    struct pkt4 s = udp(HOST2, 20000, PEER, 53);
    T_EQ(go(n, true, &s, S(2)), NAPT44_OK);
    uint16_t p0 = sport_of();
    struct pkt4 r = udp(PEER, 53, X, p0);
    T_EQ(go(n, false, &r, S(2)), NAPT44_OK);
    T_CHECK(dst_is(HOST2));
    T_EQ(dport_of(), 20000);
    /* TCP and ICMP have their own port spaces */
    s = tcp(HOST, 30000, PEER, 80, 0x02);
    T_EQ(go(n, true, &s, S(2)), NAPT44_OK);
    T_CHECK(dstm_port_in_set(&PS, sport_of()));
    napt44_stats(n, &st);
    T_EQ(st.mappings, 1009);
    napt44_free(n);
}

TEST(endpoint_independent_mapping)
{
    struct napt44 *n = mk(0);
    struct pkt4 s = udp(HOST, 5000, PEER, 53);
    T_EQ(go(n, true, &s, S(1)), NAPT44_OK);
    uint16_t p = sport_of();
    s = udp(HOST, 5000, A4("203.0.113.50"), 123);       /* another destination: same mapping */
    T_EQ(go(n, true, &s, S(1)), NAPT44_OK);
    T_EQ(sport_of(), p);
    /* and anyone may answer on it (endpoint-independent filtering) */
    struct pkt4 r = udp(A4("203.0.113.99"), 999, X, p);
    T_EQ(go(n, false, &r, S(1)), NAPT44_OK);
    T_CHECK(dst_is(HOST));
    napt44_free(n);
}

TEST(table_cap_refuses_new_flows_only)
{
    struct napt44 *n = mk(16);
    for (int i = 0; i < 16; i++) {
        struct pkt4 s = udp(HOST, (uint16_t)(1000 + i), PEER, 53);
        T_EQ(go(n, true, &s, S(1)), NAPT44_OK);
    }
    struct pkt4 s = udp(HOST, 2000, PEER, 53);
    T_EQ(go(n, true, &s, S(1)), NAPT44_TABLE_FULL);
    s = udp(HOST, 1003, PEER, 53);
    T_EQ(go(n, true, &s, S(100)), NAPT44_OK);           /* existing: fine, and refreshed */
    /* 300 s after their last packet the others are gone: room again */
    s = udp(HOST, 2000, PEER, 53);
    T_EQ(go(n, true, &s, S(301) - 1), NAPT44_TABLE_FULL);
    T_EQ(go(n, true, &s, S(301)), NAPT44_OK);
    struct napt44_stats st;
    napt44_stats(n, &st);
    T_EQ(st.mappings, 2);                 /* 1003 (refreshed at 100 s) and 2000 */
    T_EQ(st.expired, 15);
    napt44_free(n);
}

struct find { uint16_t out_port; const char *state; bool found; };
static void find_cb(void *arg, const struct napt44_mapping *m)
{
    struct find *f = arg;
    if (m->out_port == f->out_port) { f->state = m->state; f->found = true; }
}
static const char *state_of(struct napt44 *n, uint16_t out_port)
{
    struct find f = { .out_port = out_port };
    napt44_foreach(n, find_cb, &f);
    return f.found ? f.state : "gone";
}

/* A mapping past its timeout lets nothing in, whether or not anything
 * swept the table since: the sweep runs at most once a second, the
 * lookup checks the time itself. */
TEST(expired_mapping_unused_without_a_sweep)
{
    struct napt44 *n = mk(0);
    struct pkt4 s = udp(HOST, 6000, PEER, 53);
    T_EQ(go(n, true, &s, S(1)), NAPT44_OK);
    uint16_t p = sport_of();
    struct pkt4 other = udp(HOST, 6001, PEER, 53);
    T_EQ(go(n, true, &other, S(301) - NS_PER_SEC / 2), NAPT44_OK);   /* a sweep, 0.5 s early */
    struct pkt4 r = udp(PEER, 53, X, p);
    T_EQ(go(n, false, &r, S(301)), NAPT44_NO_MAPPING);  /* 300 s idle; next sweep at 301.5 s */
    struct napt44_stats st;
    napt44_stats(n, &st);
    T_EQ(st.mappings, 1);
    napt44_free(n);
}

TEST(tcp_lifecycle_and_transitory_timeout)
{
    struct napt44 *n = mk(0);
    struct pkt4 s = tcp(HOST, 40000, PEER, 80, 0x10);    /* ACK without a mapping */
    T_EQ(go(n, true, &s, S(1)), NAPT44_TCP_NOT_SYN);
    s.tcp_flags = 0x02;
    T_EQ(go(n, true, &s, S(1)), NAPT44_OK);
    uint16_t p = sport_of();
    T_STREQ(state_of(n, p), "tcp-transitory");
    struct pkt4 r = tcp(PEER, 80, X, p, 0x12);           /* SYN-ACK */
    T_EQ(go(n, false, &r, S(1)), NAPT44_OK);
    T_EQ(dport_of(), 40000);
    s.tcp_flags = 0x10;
    T_EQ(go(n, true, &s, S(1)), NAPT44_OK);
    T_STREQ(state_of(n, p), "tcp-established");
    /* established: idle for an hour is fine, 2 h 4 min is not */
    napt44_expire(n, S(1 + 3600));
    T_STREQ(state_of(n, p), "tcp-established");
    T_EQ(go(n, true, &s, S(3601)), NAPT44_OK);
    /* close: FIN each way, then the last ACK */
    s.tcp_flags = 0x11;
    T_EQ(go(n, true, &s, S(3602)), NAPT44_OK);
    T_STREQ(state_of(n, p), "tcp-established");         /* a half-close stays established */
    r.tcp_flags = 0x11;
    T_EQ(go(n, false, &r, S(3602)), NAPT44_OK);
    s.tcp_flags = 0x10;
    T_EQ(go(n, true, &s, S(3602)), NAPT44_OK);
    T_STREQ(state_of(n, p), "tcp-transitory");
    T_EQ(napt44_expire(n, S(3602 + 240) - 1), 0);
    T_STREQ(state_of(n, p), "tcp-transitory");
    T_EQ(napt44_expire(n, S(3602 + 240)), 1);
    T_STREQ(state_of(n, p), "gone");
    r.tcp_flags = 0x10;
    T_EQ(go(n, false, &r, S(3603 + 240)), NAPT44_NO_MAPPING);
    napt44_free(n);
}

TEST(tcp_established_timeout_and_rst)
{
    struct napt44 *n = mk(0);
    struct pkt4 s = tcp(HOST, 40001, PEER, 80, 0x02);
    T_EQ(go(n, true, &s, S(0)), NAPT44_OK);
    uint16_t p = sport_of();
    struct pkt4 r = tcp(PEER, 80, X, p, 0x12);
    T_EQ(go(n, false, &r, S(0)), NAPT44_OK);
    T_EQ(napt44_expire(n, S(7440) - 1), 0);
    T_EQ(napt44_expire(n, S(7440)), 1);                  /* 2 h 4 min idle */
    /* RST makes it transitory at once */
    s.tcp_flags = 0x02;
    T_EQ(go(n, true, &s, S(8000)), NAPT44_OK);
    p = sport_of();
    r.dport = p;
    T_EQ(go(n, false, &r, S(8000)), NAPT44_OK);
    T_STREQ(state_of(n, p), "tcp-established");
    r.tcp_flags = 0x04;
    T_EQ(go(n, false, &r, S(8000)), NAPT44_OK);
    T_STREQ(state_of(n, p), "tcp-transitory");
    T_EQ(napt44_expire(n, S(8240)), 1);
    napt44_free(n);
}

TEST(icmp_echo_identifiers)
{
    struct napt44 *n = mk(0);
    struct pkt4 s = echo(HOST, PEER, 8, 1234);
    T_EQ(go(n, true, &s, S(10)), NAPT44_OK);
    uint16_t id = echo_id();
    T_CHECK(src_is(X));
    T_CHECK(dstm_port_in_set(&PS, id));
    struct pkt4 r = echo(PEER, X, 0, id);
    T_EQ(go(n, false, &r, S(11)), NAPT44_OK);
    T_CHECK(dst_is(HOST));
    T_EQ(echo_id(), 1234);
    /* a second host using the same identifier gets another one */
    s = echo(HOST2, PEER, 8, 1234);
    T_EQ(go(n, true, &s, S(11)), NAPT44_OK);
    T_CHECK(echo_id() != id);
    /* an Echo Reply from inside opens nothing */
    s = echo(HOST, PEER, 0, 777);
    T_EQ(go(n, true, &s, S(11)), NAPT44_NO_MAPPING);
    /* 60 s idle */
    T_EQ(napt44_expire(n, S(11 + 60) - 1), 0);
    T_EQ(napt44_expire(n, S(11 + 60)), 2);
    T_EQ(go(n, false, &r, S(72)), NAPT44_NO_MAPPING);
    napt44_free(n);
}

/* The remote answers a translated datagram with an ICMP error: it must come
 * back to the inside host as the error about what the host really sent —
 * byte for byte the error built from scratch about the untranslated
 * datagram, so every checksum (outer, quoted header, quoted transport) is
 * the full recomputation's. */
static void error_comes_back(uint8_t proto, uint16_t qlen)
{
    struct napt44 *n = mk(0);
    struct pkt4 s = proto == 6 ? tcp(HOST, 41000, PEER, 80, 0x02)
                  : proto == 17 ? udp(HOST, 41000, PEER, 53) : echo(HOST, PEER, 8, 41000);
    s.id = 0x1111;
    T_EQ(go(n, true, &s, S(1)), NAPT44_OK);
    uint16_t p = proto == 1 ? echo_id() : sport_of();
    struct pkt4 sent = s;                 /* what left, as the peer saw it */
    sent.src = X;
    sent.sport = p;
    if (proto == 1) sent.dport = p;
    struct pkt4 err = { .proto = 1, .icmp_type = 3, .icmp_code = 3, .src = PEER, .dst = X, .inner = &sent,
                        .qlen = qlen, .id = 7 };
    T_EQ(go(n, false, &err, S(2)), NAPT44_OK);
    struct pkt4 want = err;
    want.dst = HOST;
    want.inner = &s;
    uint8_t w[PKT4_MAX];
    T_EQ(pkt4_build(&want, w, sizeof w), blen);
    T_MEMEQ(buf, w, blen);
    /* an error about a port nobody holds is dropped */
    sent.sport = sent.dport = (uint16_t)(p ^ 1);
    T_EQ(go(n, false, &err, S(2)), NAPT44_NO_MAPPING);
    /* ... and one about a datagram that was not ours */
    sent.sport = sent.dport = p;
    sent.src = A4("192.0.2.2");
    T_EQ(go(n, false, &err, S(2)), NAPT44_NOT_OURS);
    napt44_free(n);
}

TEST(icmp_error_comes_back_translated)
{
    error_comes_back(17, 0);              /* whole quote */
    error_comes_back(17, 28);             /* RFC 792's 8 bytes */
    error_comes_back(6, 0);
    error_comes_back(6, 28);              /* TCP checksum not quoted */
    error_comes_back(1, 0);
    error_comes_back(1, 28);
}

/* The host's own error about a packet that came in (port unreachable):
 * leaves as an error from X about the datagram as the peer sent it. */
TEST(host_icmp_error_goes_out_translated)
{
    struct napt44 *n = mk(0);
    struct pkt4 s = udp(HOST, 42000, PEER, 53);
    T_EQ(go(n, true, &s, S(1)), NAPT44_OK);
    uint16_t p = sport_of();
    struct pkt4 in_host = udp(PEER, 53, HOST, 42000);    /* as the host received it */
    struct pkt4 err = { .proto = 1, .icmp_type = 3, .icmp_code = 3, .src = HOST, .dst = PEER, .inner = &in_host };
    T_EQ(go(n, true, &err, S(2)), NAPT44_OK);
    struct pkt4 on_wire = udp(PEER, 53, X, p);
    struct pkt4 want = err;
    want.src = X;
    want.inner = &on_wire;
    uint8_t w[PKT4_MAX];
    T_EQ(pkt4_build(&want, w, sizeof w), blen);
    T_MEMEQ(buf, w, blen);
    in_host.dport = 1;                    /* about no mapping */
    T_EQ(go(n, true, &err, S(2)), NAPT44_NO_MAPPING);
    napt44_free(n);
}

TEST(inbound_unmapped_and_odd_packets_dropped)
{
    struct napt44 *n = mk(0);
    struct pkt4 s = udp(HOST, 5000, PEER, 53);
    T_EQ(go(n, true, &s, S(1)), NAPT44_OK);
    uint16_t p = sport_of();
    uint16_t other = dstm_portset_port(&PS, 0) == p ? dstm_portset_port(&PS, 1) : dstm_portset_port(&PS, 0);
    struct pkt4 r = udp(PEER, 53, X, other);             /* in the set, unmapped */
    T_EQ(go(n, false, &r, S(1)), NAPT44_NO_MAPPING);
    r.dport = 80;                                        /* outside the set */
    T_EQ(go(n, false, &r, S(1)), NAPT44_NO_MAPPING);
    r.dport = p;
    r.proto = 6;                                         /* mapped for UDP, not TCP */
    T_EQ(go(n, false, &r, S(1)), NAPT44_NO_MAPPING);
    r = udp(PEER, 53, A4("192.0.2.2"), p);               /* not to X */
    T_EQ(go(n, false, &r, S(1)), NAPT44_NOT_OURS);
    s.frag = 0x2000;
    T_EQ(go(n, true, &s, S(1)), NAPT44_FRAGMENT);
    s = (struct pkt4){ .proto = 47, .src = HOST, .dst = PEER, .plen = 20 };
    T_EQ(go(n, true, &s, S(1)), NAPT44_PROTO);
    blen = pkt4_build(&r, buf, sizeof buf);
    T_EQ(napt44_in(n, buf, 19, S(1)), NAPT44_MALFORMED);
    struct pkt4 q = udp(X, p, PEER, 53);
    struct pkt4 err = { .proto = 1, .icmp_type = 3, .src = PEER, .dst = X, .inner = &q, .qlen = 22 };
    T_EQ(go(n, false, &err, S(1)), NAPT44_ICMP_QUOTE);
    napt44_free(n);
}

TEST(config_refused)
{
    struct napt44_config c = { .x = A4("192.0.2.1"), .ps = { .offset = 6, .psid_len = 11 }, .rand = test_rand };
    T_CHECK(napt44_new(&c) == NULL);      /* a + k > 16 */
    c.ps = PS;
    c.rand = NULL;
    T_CHECK(napt44_new(&c) == NULL);
    T_STREQ(napt44_verdict_name(NAPT44_OK), "ok");
    T_STREQ(napt44_verdict_name(NAPT44_NO_MAPPING), "drop_no_mapping");
    T_STREQ(napt44_verdict_name(NAPT44__MAX), "unknown");
}

int main(void)
{
    RUN(mappings_stay_in_the_set_and_the_set_is_the_limit);
    RUN(endpoint_independent_mapping);
    RUN(table_cap_refuses_new_flows_only);
    RUN(expired_mapping_unused_without_a_sweep);
    RUN(tcp_lifecycle_and_transitory_timeout);
    RUN(tcp_established_timeout_and_rst);
    RUN(icmp_echo_identifiers);
    RUN(icmp_error_comes_back_translated);
    RUN(host_icmp_error_goes_out_translated);
    RUN(inbound_unmapped_and_odd_packets_dropped);
    RUN(config_refused);
    return t_done();
}
