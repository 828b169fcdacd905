/* gif and its outer path: ICMP errors from a router between the tunnel
 * ends relayed to the inner source (RFC 4213 §3.4, RFC 2473 §8), the
 * outer path MTU followed (never below 1280), the outer hop limit and
 * traffic class, RFC 6040 ECN on decapsulation.
 *
 * Topology (outer IPv4, or IPv6 with outer6):
 *   H --lan-- A ==gif0== (o1) R (o2) ==gif0== B
 * H is an inner host behind A (2001:db8:a::2, default via A); A and B are
 * the tunnel ends (inner 2001:db8:ff::1 / ::2), R a plain router on the
 * outer path. What H receives is captured on its interface. */
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include "../lib/t.h"
#include "../lib/simstack.h"
#include "../lib/inject.h"
#include "ctl/scene.h"
#include "link/sim.h"
#include "net/stack.h"
#include "net/gif.h"
#include "net/ip6_var.h"
#include "wire/icmp4.h"
#include "wire/icmp6.h"

#define MS 1000000ull
#define SEC 1000000000ull

static struct sim_world *W;
static struct six_stack *H, *A, *R, *B;
static struct sim_link *O2;
static struct inj_capture HC;   /* what H receives */

static struct six_stack *node(const char *name, uint64_t seed)
{
    return sim_stack(W, name, seed, 4096);
}

static void up(struct six_stack *st, const char *ifn, const char *addr)
{
    T_EQ(scene_cmd(st, NULL, "link set %s up", ifn), 0);
    T_EQ(scene_cmd(st, NULL, "addr add %s dev %s", addr, ifn), 0);
}

/* The four stacks; o2_mtu: the R-B link's MTU. */
static void topo(uint64_t seed, bool outer6, uint32_t o2_mtu)
{
    struct sim_link_params lp = { .delay_ns = 1 * MS }, lp2 = { .delay_ns = 1 * MS, .mtu = o2_mtu };
    W = sim_world_create(seed);
    H = node("h", seed + 1), A = node("a", seed + 2), R = node("r", seed + 3), B = node("b", seed + 4);
    struct sim_link *lan = sim_link_create(W, "lan", &lp), *o1 = sim_link_create(W, "o1", &lp);
    O2 = sim_link_create(W, "o2", &lp2);
    sim_attach(lan, H, "eth0", NULL);
    sim_attach(lan, A, "lan", NULL);
    sim_attach(o1, A, "o1", NULL);
    sim_attach(o1, R, "o1", NULL);
    sim_attach(O2, R, "o2", NULL);
    sim_attach(O2, B, "o2", NULL);
    up(H, "eth0", "2001:db8:a::2/64");
    up(A, "lan", "2001:db8:a::1/64");
    T_EQ(scene_cmd(H, NULL, "route add default via 2001:db8:a::1"), 0);
    const char *la = outer6 ? "2001:db8:1::1" : "192.0.2.1", *lb = outer6 ? "2001:db8:2::2" : "198.51.100.2";
    up(A, "o1", outer6 ? "2001:db8:1::1/64" : "192.0.2.1/24");
    up(R, "o1", outer6 ? "2001:db8:1::fe/64" : "192.0.2.254/24");
    up(R, "o2", outer6 ? "2001:db8:2::fe/64" : "198.51.100.254/24");
    up(B, "o2", outer6 ? "2001:db8:2::2/64" : "198.51.100.2/24");
    T_EQ(scene_cmd(A, NULL, outer6 ? "route add 2001:db8:2::/64 via 2001:db8:1::fe"
                                   : "route add 198.51.100.0/24 via 192.0.2.254"), 0);
    T_EQ(scene_cmd(B, NULL, outer6 ? "route add 2001:db8:1::/64 via 2001:db8:2::fe"
                                   : "route add 192.0.2.0/24 via 198.51.100.254"), 0);
    T_EQ(scene_cmd(A, NULL, "link add gif0 type gif local %s remote %s", la, lb), 0);
    T_EQ(scene_cmd(B, NULL, "link add gif0 type gif local %s remote %s", lb, la), 0);
    up(A, "gif0", "2001:db8:ff::1/64");
    up(B, "gif0", "2001:db8:ff::2/64");
    T_EQ(scene_cmd(B, NULL, "route add 2001:db8:a::/64 dev gif0"), 0);
    T_EQ(scene_cmd(A, NULL, "set forwarding on"), 0);
    T_EQ(scene_cmd(R, NULL, "set forwarding on"), 0);
    sim_run_for(W, 3 * SEC);
    inj_capture_start(&HC, if_find(H, "eth0"), true);
}

static void teardown(void)
{
    inj_capture_stop(&HC);
    six_stack_destroy(H);
    six_stack_destroy(A);
    six_stack_destroy(R);
    six_stack_destroy(B);
    sim_world_destroy(W);
}

/* ping from st; 0 when a reply came. out (may be NULL) gets what it printed. */
static int ping(struct six_stack *st, struct cmd_out *out, const char *dst, unsigned size)
{
    return scene_cmd_wait(W, st, out, 5 * SEC, "ping %s -c 1 -s %u -W 2", dst, size);
}

static bool link_show_has(struct six_stack *st, const char *ifn, const char *what)
{
    struct cmd_out o;
    cmd_out_init(&o);
    T_EQ(scene_cmd(st, &o, "link show %s", ifn), 0);
    bool has = o.buf && strstr(o.buf, what);
    if (!has)
        fprintf(stderr, "  link show %s: no '%s' in:\n%s", ifn, what, o.buf ? o.buf : "");
    cmd_out_free(&o);
    return has;
}

static uint32_t gif_mtu(struct six_stack *st)
{
    return if_find(st, "gif0")->mtu;
}

/* 6in4, pmtud on: R's frag-needed lowers the tunnel MTU, H gets a Packet
 * Too Big with it and its next big ping goes through; a packet forwarded
 * into the tunnel bigger than its MTU gets a Packet Too Big from A. */
TEST(frag_needed_lowers_mtu_ptb_to_inner_host)
{
    topo(71, false, 1400);
    struct in6_addr h = inj_a6("2001:db8:a::2");
    T_EQ(scene_cmd(A, NULL, "link set gif0 mtu 1480 pmtud on"), 0);
    T_EQ(gif_mtu(A), 1480);   /* 1500 outer link - 20 */
    T_CHECK(link_show_has(A, "gif0", "pmtud on"));
    T_CHECK(ping(H, NULL, "2001:db8:ff::2", 16) == 0);
    T_EQ(CTR_GET(A, gif, pmtu_lowered), 0);

    /* inner 1448 fits the tunnel (1480), the outer 1468 with DF does not fit o2 */
    T_CHECK(ping(H, NULL, "2001:db8:ff::2", 1400) != 0);
    T_EQ(CTR_GET(R, icmp4, out_errors), 1);
    T_EQ(CTR_GET(A, gif, pmtu_lowered), 1);
    T_EQ(gif_mtu(A), 1380);   /* 1400 - 20 */
    T_CHECK(link_show_has(A, "gif0", "mtu 1380"));
    T_CHECK(link_show_has(A, "gif0", "configured-mtu 1480"));
    struct inj_icmp6 last;
    T_EQ(inj_count_icmp6(&HC, ICMP6_PACKET_TOO_BIG, 0, NULL, &h, &last), 1);
    T_EQ(last.data32, 1380);
    T_EQ(CTR_GET(A, gif, icmp_relayed), 1);
    /* H now fragments to 1380: the same ping gets its reply */
    T_CHECK(ping(H, NULL, "2001:db8:ff::2", 1400) == 0);

    /* a packet of 1448 forwarded into the tunnel: too big, A says so itself */
    uint8_t icmp[1500], pkt[1600];
    struct in6_addr d = inj_a6("2001:db8:ff::2");
    size_t n = inj_echo6(icmp, sizeof icmp, &h, &d, 9, 1, 1400);
    n = inj_ip6(pkt, sizeof pkt, &h, &d, 64, 58, icmp, n);
    struct ifnet *al = if_find(A, "lan"), *he = if_find(H, "eth0");
    uint64_t tb = CTR_GET(A, ip6, drop_too_big);
    T_CHECK(inj_input_eth(al, &al->hwaddr, &he->hwaddr, pkt, n));
    sim_run_for(W, 100 * MS);
    T_EQ(CTR_GET(A, ip6, drop_too_big), tb + 1);
    T_EQ(inj_count_icmp6(&HC, ICMP6_PACKET_TOO_BIG, 0, NULL, &h, &last), 2);
    T_EQ(last.data32, 1380);
    /* the lowered path MTU ages out (10 min): the tunnel MTU rises again */
    sim_run_for(W, 11 * 60 * SEC);
    T_EQ(gif_mtu(A), 1480);
    teardown();
}

/* A path MTU below 1280 + 20: the tunnel stays at 1280 and what does not
 * fit the path leaves with DF clear (RFC 4213 §3.2.2), R fragments it. */
TEST(small_path_mtu_keeps_1280)
{
    topo(72, false, 1200);
    T_EQ(scene_cmd(A, NULL, "link set gif0 mtu 1480 pmtud on"), 0);
    T_CHECK(ping(H, NULL, "2001:db8:ff::2", 1300) != 0);
    T_EQ(CTR_GET(A, gif, pmtu_lowered), 1);
    T_EQ(gif_mtu(A), 1280);
    T_CHECK(ping(H, NULL, "2001:db8:ff::2", 1232) == 0);   /* inner 1280, outer 1300 > 1200 */
    T_CHECK(CTR_GET(R, ip4, out_fragmented) >= 1);
    /* pmtud off again: back to the static configured MTU */
    T_EQ(scene_cmd(A, NULL, "link set gif0 pmtud off"), 0);
    T_EQ(gif_mtu(A), 1480);
    teardown();
}

/* hlim 1: the outer TTL expires at R; H learns that the destination is
 * unreachable (RFC 4213 §3.4 / RFC 2473 §8.1: code 3). */
TEST(outer_ttl_expiry_relayed_to_inner_source)
{
    topo(73, false, 0);
    struct in6_addr h = inj_a6("2001:db8:a::2");
    T_CHECK(ping(H, NULL, "2001:db8:ff::2", 16) == 0);
    /* numbers: decimal (a leading 0 is not octal) or 0x hex; no sign, no blanks */
    T_EQ(scene_cmd(A, NULL, "link set gif0 tclass 010"), 0);
    T_CHECK(link_show_has(A, "gif0", "tclass 10"));
    T_EQ(scene_cmd(A, NULL, "link set gif0 tclass 0x20"), 0);
    T_CHECK(link_show_has(A, "gif0", "tclass 32"));
    T_CHECK(scene_cmd(A, NULL, "link set gif0 hlim +5") != 0);
    T_CHECK(scene_cmd(A, NULL, "link set gif0 hlim \" 5\"") != 0);
    T_CHECK(scene_cmd(A, NULL, "link set gif0 tclass 0x") != 0);
    T_CHECK(scene_cmd(A, NULL, "link set gif0 tclass 0x0x5") != 0);   /* strtol base 16 takes a second 0x */
    T_CHECK(link_show_has(A, "gif0", "tclass 32"));
    T_EQ(scene_cmd(A, NULL, "link set gif0 hlim 1 tclass 32"), 0);
    T_CHECK(link_show_has(A, "gif0", "hlim 1 tclass 32"));
    struct cmd_out o;
    cmd_out_init(&o);
    T_CHECK(ping(H, &o, "2001:db8:ff::2", 16) != 0);
    T_CHECK(o.buf && strstr(o.buf, "destination unreachable"));
    cmd_out_free(&o);
    T_EQ(CTR_GET(R, ip4, drop_ttl_exceeded), 1);
    T_EQ(CTR_GET(A, gif, icmp_in), 1);
    T_EQ(CTR_GET(A, gif, icmp_relayed), 1);
    T_EQ(inj_count_icmp6(&HC, ICMP6_DST_UNREACH, ICMP6_DST_UNREACH_ADDR, NULL, &h, NULL), 1);
    T_EQ(CTR_GET(H, icmp6, in_dst_unreach), 1);
    /* back to 64: through again */
    T_EQ(scene_cmd(A, NULL, "link set gif0 hlim 64"), 0);
    T_CHECK(ping(H, NULL, "2001:db8:ff::2", 16) == 0);
    teardown();
}

/* An outer destination R has no route to: net unreachable, relayed. */
TEST(outer_unreachable_relayed)
{
    topo(74, false, 0);
    struct in6_addr h = inj_a6("2001:db8:a::2");
    T_EQ(scene_cmd(A, NULL, "link add gif1 type gif local 192.0.2.1 remote 203.0.113.9"), 0);
    up(A, "gif1", "2001:db8:fd::1/64");
    T_EQ(scene_cmd(A, NULL, "route add 203.0.113.0/24 via 192.0.2.254"), 0);
    sim_run_for(W, 2 * SEC);
    T_CHECK(ping(H, NULL, "2001:db8:fd::2", 16) != 0);
    /* A's own multicast on gif1 (DAD, MLD) met the same fate: no error for those */
    T_CHECK(CTR_GET(R, ip4, drop_no_route) >= 1);
    T_EQ(CTR_GET(A, gif, icmp_relayed), 1);
    T_EQ(inj_count_icmp6(&HC, ICMP6_DST_UNREACH, ICMP6_DST_UNREACH_ADDR, NULL, &h, NULL), 1);
    teardown();
}

/* An ICMPv4 error from R about an outer packet of A's gif0, injected on A's o1. */
static void inject_err4(uint8_t type, uint8_t code, const uint8_t *quote, size_t qlen)
{
    uint8_t icmp[1600], pkt[1700];
    size_t n = inj_icmp4(icmp, sizeof icmp, type, code, 0, quote, qlen);
    n = inj_ip4(pkt, sizeof pkt, inj_a4("192.0.2.254"), inj_a4("192.0.2.1"), 64, 1, 77, 0, NULL, 0, icmp, n);
    struct ifnet *ao = if_find(A, "o1"), *ro = if_find(R, "o1");
    T_CHECK(inj_input_eth(ao, &ao->hwaddr, &ro->hwaddr, pkt, n));
    sim_run_for(W, 100 * MS);
}

/* The outer packet A would send for an inner packet (inner, n bytes). */
static size_t outer4(uint8_t *out, size_t cap, const uint8_t *inner, size_t n)
{
    return inj_ip4(out, cap, inj_a4("192.0.2.1"), inj_a4("198.51.100.2"), 0, 41, 5, 0, NULL, 0, inner, n);
}

/* Quotes that do not reach the inner header are counted, never answered;
 * an inner packet that is an ICMPv6 error gets no error either. */
TEST(short_quote_and_inner_error_not_answered)
{
    topo(75, false, 0);
    struct in6_addr h = inj_a6("2001:db8:a::2"), d = inj_a6("2001:db8:ff::2");
    uint8_t in[256], out[512];
    size_t n = inj_echo6(in, sizeof in, &h, &d, 1, 1, 8);
    uint8_t inner[256];
    n = inj_ip6(inner, sizeof inner, &h, &d, 64, 58, in, n);
    size_t on = outer4(out, sizeof out, inner, n);
    /* RFC 792: the header and 8 bytes */
    inject_err4(ICMP4_TIME_EXCEEDED, 0, out, 28);
    T_EQ(CTR_GET(A, gif, icmp_in), 1);
    T_EQ(CTR_GET(A, gif, icmp_quote_short), 1);
    T_EQ(CTR_GET(A, gif, icmp_relayed), 0);
    /* the whole quote: relayed (the check that the short one could have been) */
    inject_err4(ICMP4_TIME_EXCEEDED, 0, out, on);
    T_EQ(CTR_GET(A, gif, icmp_relayed), 1);
    T_EQ(inj_count_icmp6(&HC, ICMP6_DST_UNREACH, ICMP6_DST_UNREACH_ADDR, NULL, &h, NULL), 1);
    /* the inner packet is itself an ICMPv6 error */
    n = inj_icmp6(in, sizeof in, &h, &d, ICMP6_DST_UNREACH, 4, 0, inner, 48);
    n = inj_ip6(inner, sizeof inner, &h, &d, 64, 58, in, n);
    on = outer4(out, sizeof out, inner, n);
    inject_err4(ICMP4_UNREACH, ICMP4_UNREACH_HOST, out, on);
    T_EQ(CTR_GET(A, gif, icmp_inner_error), 1);
    T_EQ(CTR_GET(A, gif, icmp_relayed), 1);
    /* frag-needed while pmtud is off: our DF was clear, so it is not believed */
    inject_err4(ICMP4_UNREACH, ICMP4_UNREACH_NEEDFRAG, out, on);
    T_EQ(CTR_GET(A, gif, drop_pmtu_invalid), 1);
    T_EQ(gif_mtu(A), 1280);
    /* redirect-like types are not relayed */
    inject_err4(5, 1, out, on);
    T_EQ(CTR_GET(A, gif, icmp_ignored), 1);
    /* H got the one relayed error, nothing for the others */
    T_EQ(inj_count_icmp6(&HC, ICMP6_DST_UNREACH, -1, NULL, &h, NULL), 1);
    T_EQ(inj_count_icmp6(&HC, ICMP6_PACKET_TOO_BIG, -1, NULL, &h, NULL), 0);
    T_EQ(inj_count_icmp6(&HC, ICMP6_TIME_EXCEEDED, -1, NULL, &h, NULL), 0);
    teardown();
}

/* RFC 2473: IPv6 outer. Hop limit exceeded relayed; Packet Too Big from
 * R lowers the tunnel MTU through the PMTU cache; at 1280 the outer packet
 * is fragmented by A (RFC 2473 §7.1). */
TEST(six_in_six_hlim_and_ptb)
{
    topo(76, true, 1400);
    struct in6_addr h = inj_a6("2001:db8:a::2");
    T_CHECK(ping(H, NULL, "2001:db8:ff::2", 16) == 0);
    T_EQ(scene_cmd(A, NULL, "link set gif0 hlim 1"), 0);
    T_CHECK(ping(H, NULL, "2001:db8:ff::2", 16) != 0);
    T_EQ(CTR_GET(R, ip6, drop_hlim_exceeded), 1);
    T_EQ(inj_count_icmp6(&HC, ICMP6_DST_UNREACH, ICMP6_DST_UNREACH_ADDR, NULL, &h, NULL), 1);
    T_EQ(CTR_GET(A, gif, icmp_relayed), 1);
    T_EQ(scene_cmd(A, NULL, "link set gif0 hlim 64 mtu 1460"), 0);
    T_EQ(gif_mtu(A), 1460);
    /* inner 1398 fits 1460; outer 1438 does not fit o2 (1400) */
    T_CHECK(ping(H, NULL, "2001:db8:ff::2", 1350) != 0);
    T_EQ(CTR_GET(R, ip6, drop_too_big), 1);
    T_EQ(gif_mtu(A), 1360);
    struct inj_icmp6 last;
    T_EQ(inj_count_icmp6(&HC, ICMP6_PACKET_TOO_BIG, 0, NULL, &h, &last), 1);
    T_EQ(last.data32, 1360);
    T_CHECK(ping(H, NULL, "2001:db8:ff::2", 1350) == 0);
    /* pmtud is an IPv4-outer word */
    T_CHECK(scene_cmd(A, NULL, "link set gif0 pmtud on") != 0);
    teardown();
}

TEST(six_in_six_path_below_1320_fragments_outer)
{
    topo(77, true, 1280);
    T_EQ(scene_cmd(A, NULL, "link set gif0 mtu 1460"), 0);
    T_CHECK(ping(H, NULL, "2001:db8:ff::2", 1300) != 0);
    T_EQ(gif_mtu(A), 1280);
    uint64_t f = CTR_GET(A, ip6, out_fragmented);
    T_CHECK(ping(H, NULL, "2001:db8:ff::2", 1232) == 0);   /* inner 1280, outer 1320 */
    T_CHECK(CTR_GET(A, ip6, out_fragmented) > f);
    teardown();
}

/* --- ECN and the outer traffic class, two stacks on one link (test_gif's set-up) --- */

static struct ifnet *AE, *BE;

static void two_hosts(uint64_t seed)
{
    struct sim_link_params lp = { .delay_ns = 1 * MS };
    W = sim_world_create(seed);
    A = node("a", seed + 1);
    B = node("b", seed + 2);
    struct sim_link *l = sim_link_create(W, "l", &lp);
    AE = sim_attach(l, A, "eth0", NULL);
    BE = sim_attach(l, B, "eth0", NULL);
    up(A, "eth0", "192.0.2.1/24");
    up(B, "eth0", "192.0.2.2/24");
    T_EQ(scene_cmd(A, NULL, "addr add 2001:db8:1::a/64 dev eth0"), 0);
    T_EQ(scene_cmd(A, NULL, "link add gif0 type gif local 192.0.2.1 remote 192.0.2.2"), 0);
    T_EQ(scene_cmd(B, NULL, "link add gif0 type gif local 192.0.2.2 remote 192.0.2.1"), 0);
    up(A, "gif0", "2001:db8:ff::1/64");
    up(B, "gif0", "2001:db8:ff::2/64");
    T_EQ(scene_cmd(B, NULL, "route add 2001:db8:1::/64 dev gif0"), 0);
    T_EQ(scene_cmd(A, NULL, "set forwarding on"), 0);
    sim_run_for(W, 3 * SEC);
}

/* Into B as from A: an outer packet with TOS tos around an echo request with traffic class tc. */
static void inject_ecn(uint8_t tos, uint8_t tc)
{
    struct in6_addr s = inj_a6("2001:db8:ff::1"), d = inj_a6("2001:db8:ff::2");
    uint8_t icmp[64], in[128], pkt[256];
    size_t n = inj_echo6(icmp, sizeof icmp, &s, &d, 3, 1, 8);
    n = inj_ip6(in, sizeof in, &s, &d, 64, 58, icmp, n);
    in[0] = (uint8_t)(0x60 | tc >> 4), in[1] = (uint8_t)(tc << 4);
    n = inj_ip4(pkt, sizeof pkt, inj_a4("192.0.2.1"), inj_a4("192.0.2.2"), 64, 41, 7, 0, NULL, 0, in, n);
    pkt[1] = tos;
    inj_ip4_fix_cksum(pkt);
    T_CHECK(inj_input_eth(BE, &BE->hwaddr, &AE->hwaddr, pkt, n));
    sim_run_for(W, 100 * MS);
}

static uint8_t captured_tclass(const struct inj_capture *c, unsigned i)
{
    struct ip6_info ip;
    T_EQ(ip6_parse(c->f[i].d, c->f[i].len, &ip), WR_OK);
    return ip.tclass;
}

TEST(ecn_decapsulation_rfc6040)
{
    two_hosts(78);
    struct inj_capture gc;
    inj_capture_start(&gc, if_find(B, "gif0"), true);
    inject_ecn(0x03, 0xb8 | 0x02);   /* outer CE, inner ECT(0): inner CE, DSCP kept */
    T_EQ(gc.n, 1);
    if (gc.n == 1)
        T_EQ(captured_tclass(&gc, 0), 0xb8 | 0x03);
    T_EQ(CTR_GET(B, gif, ecn_ce_set), 1);
    inject_ecn(0x02, 0x00);          /* outer ECT(0), inner Not-ECT: unchanged */
    T_EQ(gc.n, 2);
    if (gc.n == 2)
        T_EQ(captured_tclass(&gc, 1), 0);
    uint64_t in = CTR_GET(B, gif, in_packets);
    inject_ecn(0x03, 0x00);          /* outer CE, inner Not-ECT: dropped */
    T_EQ(CTR_GET(B, gif, drop_ecn_not_ect), 1);
    T_EQ(CTR_GET(B, gif, in_packets), in);
    T_EQ(gc.n, 2);
    inj_capture_stop(&gc);
    six_stack_destroy(A);
    six_stack_destroy(B);
    sim_world_destroy(W);
}

/* Outer TTL and TOS on the wire: hlim N, tclass N (DSCP; ECN still copied)
 * and inherit (the inner byte). An inner packet with traffic class 0xba is
 * forwarded by A into the tunnel; B's eth0 sees the outer header. */
static uint8_t outer_tos_seen(uint8_t inner_tc, uint8_t *ttl)
{
    struct inj_capture bc;
    inj_capture_start(&bc, BE, true);
    struct in6_addr s = inj_a6("2001:db8:1::99"), d = inj_a6("2001:db8:ff::2");
    uint8_t icmp[64], pkt[128];
    size_t n = inj_echo6(icmp, sizeof icmp, &s, &d, 4, 1, 8);
    n = inj_ip6(pkt, sizeof pkt, &s, &d, 64, 58, icmp, n);
    pkt[0] = (uint8_t)(0x60 | inner_tc >> 4), pkt[1] = (uint8_t)(inner_tc << 4);
    T_CHECK(inj_input_eth(AE, &AE->hwaddr, &BE->hwaddr, pkt, n));
    sim_run_for(W, 100 * MS);
    uint8_t tos = 0xff;
    for (unsigned i = 0; i < bc.n; i++) {
        struct ip4_info ih;
        if (bc.f[i].len > 14 && ip4_parse(bc.f[i].d + 14, bc.f[i].len - 14, &ih) == WR_OK && ih.proto == 41)
            tos = ih.tos, *ttl = ih.ttl;
    }
    inj_capture_stop(&bc);
    return tos;
}

TEST(outer_hlim_and_tclass_on_the_wire)
{
    two_hosts(79);
    uint8_t ttl = 0;
    T_CHECK(link_show_has(A, "gif0", "hlim 64 tclass inherit"));
    T_EQ(outer_tos_seen(0xba, &ttl), 0xba);   /* inherit: DSCP 46 and ECT(0) */
    T_EQ(ttl, 64);
    T_EQ(scene_cmd(A, NULL, "link set gif0 hlim 9 tclass 0x20"), 0);
    T_CHECK(link_show_has(A, "gif0", "hlim 9 tclass 32"));
    T_EQ(outer_tos_seen(0xba, &ttl), 0x22);   /* DSCP from the setting, ECN copied */
    T_EQ(ttl, 9);
    T_EQ(scene_cmd(A, NULL, "link set gif0 tclass inherit"), 0);
    T_EQ(outer_tos_seen(0x01, &ttl), 0x01);
    T_CHECK(scene_cmd(A, NULL, "link set gif0 hlim 0") != 0);
    T_CHECK(scene_cmd(A, NULL, "link set gif0 tclass 256") != 0);
    T_CHECK(scene_cmd(A, NULL, "link set gif0 hlim") != 0);
    six_stack_destroy(A);
    six_stack_destroy(B);
    sim_world_destroy(W);
}

int main(void)
{
    RUN(frag_needed_lowers_mtu_ptb_to_inner_host);
    RUN(small_path_mtu_keeps_1280);
    RUN(outer_ttl_expiry_relayed_to_inner_source);
    RUN(outer_unreachable_relayed);
    RUN(short_quote_and_inner_error_not_answered);
    RUN(six_in_six_hlim_and_ptb);
    RUN(six_in_six_path_below_1320_fragments_outer);
    RUN(ecn_decapsulation_rfc6040);
    RUN(outer_hlim_and_tclass_on_the_wire);
    return t_done();
}
