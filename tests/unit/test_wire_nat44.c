/* wire/nat44: facts read from IPv4 packets, and rewrites whose incremental
 * checksums (RFC 1624) must equal a full recomputation — checked by
 * building the rewritten packet from scratch (tests/lib/pkt4.c) and
 * comparing every byte, on random packets of every shape. */
#include <arpa/inet.h>
#include "../lib/t.h"
#include "../lib/pkt4.h"
#include "wire/nat44.h"

static uint64_t rs = 0x9e3779b97f4a7c15ull;
static uint32_t rnd(void)
{
    rs ^= rs << 13; rs ^= rs >> 7; rs ^= rs << 17;
    return (uint32_t)(rs >> 16);
}
static struct in_addr rnd_addr(void) { return (struct in_addr){ .s_addr = rnd() ^ (rnd() << 16) }; }

static struct in_addr A4(const char *s)
{
    struct in_addr a;
    if (inet_pton(AF_INET, s, &a) != 1) abort();
    return a;
}

/* A random TCP, UDP or ICMP Echo datagram. */
static void rnd_flow(struct pkt4 *s)
{
    static const uint8_t protos[3] = { 6, 17, 1 };
    *s = (struct pkt4){ .proto = protos[rnd() % 3], .src = rnd_addr(), .dst = rnd_addr(),
                        .sport = (uint16_t)rnd(), .dport = (uint16_t)rnd(), .tcp_flags = (uint8_t)rnd(),
                        .opt_words = (uint8_t)(rnd() % 4 == 0 ? rnd() % 11 : 0),
                        .udp_no_cksum = rnd() % 5 == 0, .id = (uint16_t)rnd(), .ttl = (uint8_t)(1 + rnd() % 255),
                        .plen = (uint16_t)(rnd() % 4 ? rnd() % 200 : rnd() % 1300), .pseed = rnd() };
    if (s->proto == 1) {
        s->icmp_type = rnd() % 2 ? 8 : 0;
        s->dport = s->sport;
    }
}

/* What the rewrite must give: the description with the end replaced. */
static void expect(struct pkt4 *s, struct pkt4 *inner, enum nat44_side side, struct in_addr a, uint16_t port)
{
    if (s->inner) {                       /* the quote travelled the other way */
        if (side == NAT44_SRC) { s->src = a; inner->dst = a; inner->dport = port; }
        else { s->dst = a; inner->src = a; inner->sport = port; }
        if (inner->proto == 1) inner->sport = inner->dport = port;
        s->inner = inner;
        return;
    }
    if (side == NAT44_SRC) { s->src = a; s->sport = port; }
    else { s->dst = a; s->dport = port; }
    if (s->proto == 1) s->sport = s->dport = port;
}

static int n_l4, n_echo, n_err, n_err_short;

static void one_random(void)
{
    struct pkt4 s, inner;
    rnd_flow(&s);
    bool err = rnd() % 3 == 0;
    if (err) {
        rnd_flow(&inner);
        inner.icmp_type = 8;
        s = (struct pkt4){ .proto = 1, .icmp_type = (uint8_t[]){ 3, 11, 12 }[rnd() % 3], .src = rnd_addr(),
                           .dst = rnd_addr(), .opt_words = (uint8_t)(rnd() % 3), .id = (uint16_t)rnd(),
                           .inner = &inner };
        size_t ihl = 20 + 4u * inner.opt_words;
        /* quote: whole, or cut anywhere from the ports on (8 bytes for an Echo) */
        s.qlen = rnd() % 2 ? 0 : (uint16_t)(ihl + (inner.proto == 1 ? 8 : 4) + rnd() % 24);
        /* a cut through the middle of the quoted checksum leaves its one
         * byte alone (nothing could compute it): not comparable here */
        if (s.qlen == ihl + (inner.proto == 6 ? 17 : 7))
            s.qlen++;
    }
    uint8_t p[PKT4_MAX], want[PKT4_MAX];
    size_t n = pkt4_build(&s, p, sizeof p);
    T_CHECK(n > 0);
    /* trailing garbage after the datagram must be left alone */
    size_t pad = rnd() % 4;
    for (size_t i = 0; i < pad; i++) p[n + i] = 0xa5;
    struct nat44_info in;
    T_EQ(nat44_parse(p, n + pad, &in), WR_OK);
    struct pkt4 before = s;
    if (err) {
        T_EQ(in.kind, NAT44_ICMP_ERROR);
        T_EQ(in.inner.proto, inner.proto);
        T_EQ(in.inner.src.s_addr, inner.src.s_addr);
        T_EQ(in.inner.dst.s_addr, inner.dst.s_addr);
        T_EQ(in.inner.sport, inner.sport);
        T_EQ(in.inner.dport, inner.proto == 1 ? inner.sport : inner.dport);
        n_err++;
        n_err_short += s.qlen != 0;
    } else {
        T_EQ(in.kind, s.proto == 1 ? NAT44_ICMP_QUERY : NAT44_L4);
        T_EQ(in.f.sport, s.sport);
        T_EQ(in.f.dport, s.dport);
        if (s.proto == 6) T_EQ(in.tcp_flags, s.tcp_flags);
        s.proto == 1 ? n_echo++ : n_l4++;
    }
    T_EQ(in.f.src.s_addr, s.src.s_addr);
    T_EQ(in.len, n);
    enum nat44_side side = rnd() % 2 ? NAT44_SRC : NAT44_DST;
    struct in_addr a = rnd_addr();
    uint16_t port = (uint16_t)rnd();
    T_CHECK(nat44_rewrite(p, n + pad, &in, side, a, port));
    struct pkt4 inner2 = inner;
    expect(&s, &inner2, side, a, port);
    T_EQ(pkt4_build(&s, want, sizeof want), n);
    if (memcmp(p, want, n) != 0) {
        fprintf(stderr, "  mismatch: proto %u err %d side %d qlen %u inner %u\n", before.proto, err, side,
                before.qlen, err ? inner.proto : 0);
        t_case_failed = 1;
    }
    for (size_t i = 0; i < pad; i++) T_EQ(p[n + i], 0xa5);
    T_CHECK(pkt4_cksums_ok(p, n));
}

TEST(random_rewrites_equal_full_recomputation)
{
    for (int i = 0; i < 20000 && !t_case_failed; i++)
        one_random();
    /* every shape was drawn */
    T_CHECK(n_l4 > 1000 && n_echo > 1000 && n_err > 1000 && n_err_short > 500);
}

/* Edge values of the one's-complement arithmetic: every checksum value the
 * rewrite could produce, including a UDP result of 0 (sent as 0xffff). */
TEST(udp_checksum_edges)
{
    int zero_seen = 0;
    for (uint32_t port = 0; port < 65536; port++) {
        struct pkt4 s = { .proto = 17, .src = A4("192.0.2.1"), .dst = A4("198.51.100.7"), .sport = 4000,
                          .dport = 53, .plen = 3, .pseed = 1 };
        uint8_t p[PKT4_MAX], want[PKT4_MAX];
        size_t n = pkt4_build(&s, p, sizeof p);
        struct nat44_info in;
        T_EQ(nat44_parse(p, n, &in), WR_OK);
        T_CHECK(nat44_rewrite(p, n, &in, NAT44_SRC, A4("203.0.113.9"), (uint16_t)port));
        s.src = A4("203.0.113.9");
        s.sport = (uint16_t)port;
        pkt4_build(&s, want, sizeof want);
        T_MEMEQ(p, want, n);
        zero_seen += p[26] == 0xff && p[27] == 0xff;
        if (t_case_failed) break;
    }
    T_EQ(zero_seen, 1);                   /* exactly one port sums to 0 → 0xffff */
}

TEST(udp_zero_checksum_stays_zero)
{
    struct pkt4 s = { .proto = 17, .src = A4("192.0.2.1"), .dst = A4("198.51.100.7"), .sport = 4000,
                      .dport = 53, .plen = 10, .udp_no_cksum = true };
    uint8_t p[PKT4_MAX];
    size_t n = pkt4_build(&s, p, sizeof p);
    struct nat44_info in;
    T_EQ(nat44_parse(p, n, &in), WR_OK);
    T_CHECK(nat44_rewrite(p, n, &in, NAT44_SRC, A4("203.0.113.9"), 2222));
    T_EQ(p[26], 0);
    T_EQ(p[27], 0);
    T_CHECK(pkt4_cksums_ok(p, n));
}

TEST(refusals)
{
    uint8_t p[PKT4_MAX];
    struct nat44_info in;
    struct pkt4 s = { .proto = 17, .src = A4("192.0.2.1"), .dst = A4("198.51.100.7"), .sport = 1, .dport = 2,
                      .plen = 20, .frag = 0x2000 /* MF */ };
    size_t n = pkt4_build(&s, p, sizeof p);
    T_EQ(nat44_parse(p, n, &in), WR_FRAGMENTED);
    s.frag = 3;                           /* offset 24 */
    n = pkt4_build(&s, p, sizeof p);
    T_EQ(nat44_parse(p, n, &in), WR_FRAGMENTED);
    /* other protocols: reported, not refused */
    s = (struct pkt4){ .proto = 47, .src = A4("192.0.2.1"), .dst = A4("198.51.100.7"), .plen = 30 };
    n = pkt4_build(&s, p, sizeof p);
    T_EQ(nat44_parse(p, n, &in), WR_OK);
    T_EQ(in.kind, NAT44_OTHER);
    T_CHECK(!nat44_rewrite(p, n, &in, NAT44_SRC, A4("203.0.113.1"), 1));
    /* ICMP other than Echo and errors */
    s = (struct pkt4){ .proto = 1, .icmp_type = 13, .src = A4("192.0.2.1"), .dst = A4("198.51.100.7") };
    n = pkt4_build(&s, p, sizeof p);
    T_EQ(nat44_parse(p, n, &in), WR_OK);
    T_EQ(in.kind, NAT44_OTHER);
    /* TCP header cut short */
    s = (struct pkt4){ .proto = 6, .src = A4("192.0.2.1"), .dst = A4("198.51.100.7"), .sport = 1, .dport = 2 };
    n = pkt4_build(&s, p, sizeof p);
    p[3] -= 1;                            /* total length 39 */
    p[10] = p[11] = 0;
    uint16_t c = (uint16_t)~pkt4_sum(p, 20, 0);
    p[10] = (uint8_t)(c >> 8); p[11] = (uint8_t)c;
    T_EQ(nat44_parse(p, n - 1, &in), WR_TRUNCATED);
    /* bad ICMP checksum */
    s = (struct pkt4){ .proto = 1, .icmp_type = 8, .src = A4("192.0.2.1"), .dst = A4("198.51.100.7"), .plen = 8 };
    n = pkt4_build(&s, p, sizeof p);
    p[n - 1] ^= 1;
    T_EQ(nat44_parse(p, n, &in), WR_BAD_CKSUM);
    /* errors with unusable quotes: kind says so */
    struct pkt4 q = { .proto = 17, .src = A4("203.0.113.1"), .dst = A4("198.51.100.7"), .sport = 1, .dport = 2, .plen = 8 };
    s = (struct pkt4){ .proto = 1, .icmp_type = 3, .src = A4("198.51.100.7"), .dst = A4("203.0.113.1"), .inner = &q,
                       .qlen = 23 };      /* 3 bytes of UDP: no whole port pair */
    n = pkt4_build(&s, p, sizeof p);
    T_EQ(nat44_parse(p, n, &in), WR_TRUNCATED);
    T_EQ(in.kind, NAT44_ICMP_ERROR);
    q.frag = 1;                           /* quotes a later fragment */
    s.qlen = 0;
    n = pkt4_build(&s, p, sizeof p);
    T_EQ(nat44_parse(p, n, &in), WR_FRAGMENTED);
    T_EQ(in.kind, NAT44_ICMP_ERROR);
    struct pkt4 q2 = { .proto = 1, .icmp_type = 3, .src = A4("203.0.113.1"), .dst = A4("198.51.100.7"), .inner = &q };
    q.frag = 0;
    s.inner = &q2;                        /* an error about an error */
    n = pkt4_build(&s, p, sizeof p);
    T_EQ(nat44_parse(p, n, &in), WR_BAD_TYPE);
    T_EQ(in.kind, NAT44_ICMP_ERROR);
    /* rewrite refuses info that does not fit the buffer */
    s = (struct pkt4){ .proto = 17, .src = A4("192.0.2.1"), .dst = A4("198.51.100.7"), .plen = 4 };
    n = pkt4_build(&s, p, sizeof p);
    T_EQ(nat44_parse(p, n, &in), WR_OK);
    T_CHECK(!nat44_rewrite(p, n - 1, &in, NAT44_SRC, A4("203.0.113.1"), 1));
}

int main(void)
{
    RUN(random_rewrites_equal_full_recomputation);
    RUN(udp_checksum_edges);
    RUN(udp_zero_checksum_stays_zero);
    RUN(refusals);
    return t_done();
}
