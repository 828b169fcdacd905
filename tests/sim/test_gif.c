/* Configured tunnels (gif) between two simulated stacks, every family mix:
 * IPv6-in-IPv4 over an IPv4-only link (ping, UDP, TCP, a routed prefix,
 * the RFC 4213 §3.7 link-local), IPv4-in-IPv6, IPv6-in-IPv6, IPv4-in-IPv4;
 * then hostile input crafted with the wire emitters and injected on the
 * outer link: a wrong outer source, spoofed inner sources, nesting, a
 * truncated inner header, each dropped and counted. */
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include "../lib/t.h"
#include "../lib/simstack.h"
#include "../lib/ipsec_sim.h"
#include "../lib/inject.h"
#include "ctl/scene.h"
#include "link/sim.h"
#include "net/stack.h"
#include "net/gif.h"
#include "net/ip6_var.h"

#define MS 1000000ull
#define SEC 1000000000ull

static struct sim_world *W;
static struct six_stack *A, *B;

/* A and B on one Ethernet segment; IPv4 always, IPv6 global addresses only with v6. */
static void two_hosts(uint64_t seed, bool v6)
{
    struct sim_link_params lp = { .delay_ns = 1 * MS };
    W = sim_world_create(seed);
    A = sim_stack(W, "a", seed + 1, 4096);
    B = sim_stack(W, "b", seed + 2, 4096);
    struct sim_link *l = sim_link_create(W, "l", &lp);
    sim_attach(l, A, "eth0", NULL);
    sim_attach(l, B, "eth0", NULL);
    T_EQ(scene_cmd(A, NULL, "link set eth0 up"), 0);
    T_EQ(scene_cmd(B, NULL, "link set eth0 up"), 0);
    T_EQ(scene_cmd(A, NULL, "addr add 192.0.2.1/24 dev eth0"), 0);
    T_EQ(scene_cmd(B, NULL, "addr add 192.0.2.2/24 dev eth0"), 0);
    if (v6) {
        T_EQ(scene_cmd(A, NULL, "addr add 2001:db8:1::a/64 dev eth0"), 0);
        T_EQ(scene_cmd(B, NULL, "addr add 2001:db8:1::b/64 dev eth0"), 0);
    }
    sim_run_for(W, 3 * SEC);
}

static void teardown(void)
{
    six_stack_destroy(A);
    six_stack_destroy(B);
    sim_world_destroy(W);
}

/* gif0 on both ends, up, with the given inner addresses. */
static void tunnel(const char *outer_a, const char *outer_b, const char *in_a, const char *in_b)
{
    T_EQ(scene_cmd(A, NULL, "link add gif0 type gif local %s remote %s", outer_a, outer_b), 0);
    T_EQ(scene_cmd(B, NULL, "link add gif0 type gif local %s remote %s", outer_b, outer_a), 0);
    T_EQ(scene_cmd(A, NULL, "link set gif0 up"), 0);
    T_EQ(scene_cmd(B, NULL, "link set gif0 up"), 0);
    if (in_a) {
        T_EQ(scene_cmd(A, NULL, "addr add %s dev gif0", in_a), 0);
        T_EQ(scene_cmd(B, NULL, "addr add %s dev gif0", in_b), 0);
    }
    sim_run_for(W, 2 * SEC);
}

static bool ping(struct six_stack *st, const char *dst)
{
    return scene_cmd_wait(W, st, NULL, 5 * SEC, "ping %s -c 2 -i 100", dst) == 0;
}

TEST(six_in_four_ping_udp_tcp_routes)
{
    two_hosts(51, false);
    tunnel("192.0.2.1", "192.0.2.2", "2001:db8:ff::1/64", "2001:db8:ff::2/64");
    struct ifnet *ga = if_find(A, "gif0");
    T_CHECK(ga && ga->mtu == GIF_DEFAULT_MTU);
    /* RFC 4213 §3.7: fe80::<IPv4 local> */
    struct in6_addr ll = inj_a6("fe80::c000:201");
    T_CHECK(in6_linklocal(ga) && in6_eq(in6_linklocal(ga), &ll));
    T_CHECK(ping(A, "2001:db8:ff::2"));
    T_CHECK(ping(A, "fe80::c000:202%gif0"));
    /* a prefix behind the tunnel, reached by a route into gif0 */
    T_EQ(scene_cmd(B, NULL, "addr add 2001:db8:9::b/64 dev gif0"), 0);
    T_EQ(scene_cmd(A, NULL, "route add 2001:db8:9::/64 dev gif0"), 0);
    sim_run_for(W, 1 * SEC);
    T_CHECK(ping(A, "2001:db8:9::b"));
    T_CHECK(sim_udp_once(W, A, B, NULL, "2001:db8:9::b", 5001));
    T_CHECK(sim_tcp_transfer(W, A, B, "2001:db8:9::b", 1 << 20));
    T_CHECK(CTR_GET(B, gif, in_packets) > 500);
    T_CHECK(CTR_GET(A, gif, out_packets) > 500);
    /* what crossed the wire was IPv4 only: protocol 41 */
    T_EQ(CTR_GET(B, gif, drop_unknown_src) + CTR_GET(B, gif, drop_spoof_prefix) + CTR_GET(B, gif, drop_nested), 0);
    /* bigger than the tunnel's 1280: the source fragments the inner packet */
    T_CHECK(scene_cmd_wait(W, A, NULL, 3 * SEC, "ping 2001:db8:9::b -c 1 -s 1300") == 0);
    teardown();
}

TEST(four_in_six_and_six_in_six)
{
    two_hosts(52, true);
    tunnel("2001:db8:1::a", "2001:db8:1::b", "10.9.0.1/30", "10.9.0.2/30");
    T_CHECK(ping(A, "10.9.0.2"));
    T_CHECK(sim_udp_once(W, A, B, NULL, "10.9.0.2", 5002));
    /* the same interface carries IPv6 inside (RFC 2473 next header 41) */
    T_EQ(scene_cmd(A, NULL, "addr add 2001:db8:ff::1/64 dev gif0"), 0);
    T_EQ(scene_cmd(B, NULL, "addr add 2001:db8:ff::2/64 dev gif0"), 0);
    sim_run_for(W, 1 * SEC);
    T_CHECK(ping(A, "2001:db8:ff::2"));
    T_CHECK(sim_tcp_transfer(W, A, B, "2001:db8:ff::2", 256 << 10));
    T_CHECK(CTR_GET(B, gif, in_packets) > 100);
    teardown();
}

TEST(four_in_four)
{
    two_hosts(53, false);
    tunnel("192.0.2.1", "192.0.2.2", "10.9.0.1/30", "10.9.0.2/30");
    T_CHECK(ping(A, "10.9.0.2"));
    T_CHECK(sim_tcp_transfer(W, A, B, "10.9.0.2", 256 << 10));
    T_CHECK(CTR_GET(B, gif, in_packets) > 100);
    teardown();
}

/* --- hostile input, injected on B's eth0 as if from A --- */

static struct ifnet *BE, *AE;

/* An IPv4 outer packet (src → 192.0.2.2, protocol proto) around inner, into B. */
static void inject4(const char *outer_src, uint8_t proto, const uint8_t *inner, size_t len)
{
    uint8_t pkt[INJ_MAX];
    size_t n = inj_ip4(pkt, sizeof pkt, inj_a4(outer_src), inj_a4("192.0.2.2"), 64, proto, 7, 0, NULL, 0,
                       inner, len);
    T_CHECK(n > 0);
    T_CHECK(inj_input_eth(BE, &BE->hwaddr, &AE->hwaddr, pkt, n));
    sim_run_for(W, 100 * MS);
}

/* An inner echo request from src to dst. */
static size_t echo6(uint8_t *out, const char *src, const char *dst)
{
    uint8_t icmp[256];
    struct in6_addr s = inj_a6(src), d = inj_a6(dst);
    size_t n = inj_echo6(icmp, sizeof icmp, &s, &d, 1, 1, 16);
    return inj_ip6(out, INJ_MAX, &s, &d, 64, 58, icmp, n);
}

TEST(hostile_input_dropped_and_counted)
{
    two_hosts(54, false);
    tunnel("192.0.2.1", "192.0.2.2", "2001:db8:ff::1/64", "2001:db8:ff::2/64");
    T_EQ(scene_cmd(B, NULL, "addr add 2001:db8:77::b/64 dev eth0"), 0);   /* a prefix on-link elsewhere */
    sim_run_for(W, 2 * SEC);
    BE = if_find(B, "eth0");
    AE = if_find(A, "eth0");
    uint8_t in[INJ_MAX];
    size_t n = echo6(in, "2001:db8:ff::1", "2001:db8:ff::2");

    /* the honest packet is delivered (baseline for the counters below) */
    uint64_t ok = CTR_GET(B, gif, in_packets);
    inject4("192.0.2.1", 41, in, n);
    T_EQ(CTR_GET(B, gif, in_packets), ok + 1);

    /* RFC 4213 §3.6: an outer source that is not the configured remote */
    inject4("192.0.2.99", 41, in, n);
    T_EQ(CTR_GET(B, gif, drop_unknown_src), 1);
    T_EQ(CTR_GET(B, gif, in_packets), ok + 1);
    /* ... accepted once the check is off */
    T_EQ(scene_cmd(B, NULL, "link set gif0 ingress-check off"), 0);
    inject4("192.0.2.99", 41, in, n);
    T_EQ(CTR_GET(B, gif, in_packets), ok + 2);
    T_EQ(scene_cmd(B, NULL, "link set gif0 ingress-check on"), 0);

    /* spoofed inner sources: B's own address, a prefix on-link on eth0, a
     * link-local source to a global destination, a multicast source */
    n = echo6(in, "2001:db8:ff::2", "2001:db8:ff::2");
    inject4("192.0.2.1", 41, in, n);
    T_EQ(CTR_GET(B, gif, drop_spoof_own), 1);
    n = echo6(in, "2001:db8:77::66", "2001:db8:ff::2");
    inject4("192.0.2.1", 41, in, n);
    T_EQ(CTR_GET(B, gif, drop_spoof_prefix), 1);
    n = echo6(in, "fe80::c000:201", "2001:db8:ff::2");
    inject4("192.0.2.1", 41, in, n);
    T_EQ(CTR_GET(B, gif, drop_spoof_linklocal), 1);
    n = echo6(in, "ff02::1", "2001:db8:ff::2");   /* ip6_parse refuses a multicast source */
    inject4("192.0.2.1", 41, in, n);
    T_EQ(CTR_GET(B, gif, drop_inner_bad), 1);
    /* IPv4 inside: loopback source, and a source on eth0's 192.0.2/24 */
    uint8_t e4[128], in4[256];
    size_t e = inj_echo4(e4, sizeof e4, 1, 1, 8);
    n = inj_ip4(in4, sizeof in4, inj_a4("127.0.0.1"), inj_a4("192.0.2.2"), 64, 1, 1, 0, NULL, 0, e4, e);
    inject4("192.0.2.1", 4, in4, n);
    T_EQ(CTR_GET(B, gif, drop_bad_src), 1);
    n = inj_ip4(in4, sizeof in4, inj_a4("192.0.2.50"), inj_a4("192.0.2.2"), 64, 1, 1, 0, NULL, 0, e4, e);
    inject4("192.0.2.1", 4, in4, n);
    T_EQ(CTR_GET(B, gif, drop_spoof_prefix), 2);

    /* truncated inner header, and an inner version that is not the protocol's */
    n = echo6(in, "2001:db8:ff::1", "2001:db8:ff::2");
    inject4("192.0.2.1", 41, in, 30);
    T_EQ(CTR_GET(B, gif, drop_inner_truncated), 1);
    inject4("192.0.2.1", 4, in, n);
    T_EQ(CTR_GET(B, gif, drop_inner_mismatch), 1);

    /* nesting: gif1 runs over gif0 (its ends are gif0's inner IPv4
     * addresses): two tunnel headers are allowed, a third is not */
    T_EQ(scene_cmd(A, NULL, "addr add 10.9.0.1/30 dev gif0"), 0);
    T_EQ(scene_cmd(B, NULL, "addr add 10.9.0.2/30 dev gif0"), 0);
    T_EQ(scene_cmd(A, NULL, "link add gif1 type gif local 10.9.0.1 remote 10.9.0.2"), 0);
    T_EQ(scene_cmd(B, NULL, "link add gif1 type gif local 10.9.0.2 remote 10.9.0.1"), 0);
    T_EQ(scene_cmd(A, NULL, "link set gif1 up"), 0);
    T_EQ(scene_cmd(B, NULL, "link set gif1 up"), 0);
    T_EQ(scene_cmd(A, NULL, "addr add 2001:db8:fe::1/64 dev gif1"), 0);
    T_EQ(scene_cmd(B, NULL, "addr add 2001:db8:fe::2/64 dev gif1"), 0);
    sim_run_for(W, 2 * SEC);
    T_CHECK(ping(A, "2001:db8:fe::2"));   /* IPv6 in IPv4 (gif1) in IPv4 (gif0) */
    T_EQ(CTR_GET(A, gif, drop_nested) + CTR_GET(B, gif, drop_nested), 0);
    uint8_t lvl1[INJ_MAX], lvl2[INJ_MAX];
    n = echo6(in, "2001:db8:fe::1", "2001:db8:fe::2");
    size_t n1 = inj_ip4(lvl1, sizeof lvl1, inj_a4("10.9.0.1"), inj_a4("10.9.0.2"), 64, 41, 2, 0, NULL, 0, in, n);
    ok = CTR_GET(B, gif, in_packets);
    inject4("192.0.2.1", 4, lvl1, n1);   /* two headers: delivered */
    T_EQ(CTR_GET(B, gif, in_packets), ok + 2);
    /* A third header inside gif1: its source must be on-link on gif1 to get
     * past the anti-spoofing check, and gif1 must accept it (check off). */
    T_EQ(scene_cmd(B, NULL, "addr add 10.8.0.2/30 dev gif1"), 0);
    T_EQ(scene_cmd(B, NULL, "link set gif1 ingress-check off"), 0);
    n1 = inj_ip4(lvl1, sizeof lvl1, inj_a4("10.8.0.1"), inj_a4("10.9.0.2"), 64, 41, 2, 0, NULL, 0, in, n);
    size_t n2 = inj_ip4(lvl2, sizeof lvl2, inj_a4("10.9.0.1"), inj_a4("10.9.0.2"), 64, 4, 3, 0, NULL, 0, lvl1, n1);
    inject4("192.0.2.1", 4, lvl2, n2);
    T_EQ(CTR_GET(B, gif, drop_nested), 1);
    teardown();
}

/* A tunnel whose remote is routed into the tunnel itself: bounded, counted. */
TEST(tunnel_routed_into_itself_is_bounded)
{
    two_hosts(55, false);
    tunnel("192.0.2.1", "192.0.2.2", "2001:db8:ff::1/64", "2001:db8:ff::2/64");
    T_EQ(scene_cmd(A, NULL, "route add 192.0.2.2/32 dev gif0"), 0);
    T_CHECK(scene_cmd_wait(W, A, NULL, 2 * SEC, "ping 2001:db8:ff::2 -c 1 -W 1") != 0);
    T_CHECK(CTR_GET(A, gif, drop_nested) >= 1);
    teardown();
}

int main(void)
{
    RUN(six_in_four_ping_udp_tcp_routes);
    RUN(four_in_six_and_six_in_six);
    RUN(four_in_four);
    RUN(hostile_input_dropped_and_counted);
    RUN(tunnel_routed_into_itself_is_bounded);
    return t_done();
}
