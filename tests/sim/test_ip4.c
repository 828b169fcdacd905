/* IPv4 in the simulator: ARP, ping, forwarding with its ICMP errors,
 * fragmentation and strict reassembly, ARP failure, gratuitous ARP and
 * address conflicts. Hand-made fragments come from a third station
 * ("x") that writes raw Ethernet frames with the wire emitters. */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include "../lib/t.h"
#include "net/stack.h"
#include "net/ip4_var.h"
#include "net/netif.h"
#include "net/ping.h"
#include "link/sim.h"
#include "link/loop.h"
#include "wire/arp.h"
#include "wire/bytes.h"
#include "wire/ether.h"
#include "wire/ip4.h"
#include "wire/icmp4.h"
#include "wire/udp.h"
#include "wire/cksum.h"

#define MS NS_PER_MS
#define SEC NS_PER_SEC

static struct sim_world *W;
static struct six_stack *S[4];
static unsigned NS;

static struct in_addr A(const char *s)
{
    struct in_addr a;
    inet_pton(AF_INET, s, &a);
    return a;
}

static struct six_stack *mk(const char *name)
{
    struct six_stack *st = six_stack_create(&(struct six_stack_opts){
        .name = name, .clock = sim_clock(W), .tw = sim_wheel(W), .seed = 100 + NS });
    sim_register_stack(W, st);
    S[NS++] = st;
    return st;
}

static struct ifnet *att(struct sim_link *l, struct six_stack *st, const char *ifn, const char *addr, unsigned plen)
{
    struct ifnet *ifp = sim_attach(l, st, ifn, NULL);
    if_set_up(ifp, true);
    if (addr)
        T_EQ(in4_addr_add(ifp, A(addr), plen), 0);
    return ifp;
}

static void world(uint64_t seed)
{
    W = sim_world_create(seed);
    NS = 0;
}

static void teardown(void)
{
    for (unsigned i = 0; i < NS; i++) {
        sim_unregister_stack(W, S[i]);
        six_stack_destroy(S[i]);
    }
    sim_world_destroy(W);
    W = NULL;
}

static struct sim_link *hub(const char *name, uint32_t mtu)
{
    return sim_link_create(W, name, &(struct sim_link_params){ .delay_ns = MS, .mtu = mtu });
}

/* --- ping through the ping module --- */

struct pres { bool done; struct ping_result r; unsigned last_ttl; };

static void ping_done(void *arg, bool final, unsigned seq, uint64_t rtt, unsigned ttl, const struct ping_result *r)
{
    struct pres *pr = arg;
    (void)seq; (void)rtt;
    if (!final)
        pr->last_ttl = ttl;
    pr->r = *r;
    pr->done |= final;
}

static bool is_done(void *arg) { return ((struct pres *)arg)->done; }

static struct pres ping4(struct six_stack *st, const char *dst, unsigned count, uint32_t size, uint32_t timeout_ms)
{
    struct pres pr = { 0 };
    struct ping_params pp = { .family = AF_INET, .dst4 = A(dst), .count = count, .interval_ms = 200,
                              .timeout_ms = timeout_ms, .size = size };
    T_CHECK(ping_start(st, &pp, ping_done, &pr) > 0);
    sim_run_while_not(W, is_done, &pr, 60 * SEC);
    return pr;
}

/* --- ARP cache view --- */

struct arp_find { struct in_addr a; bool found; struct eth_addr lla; char state[16]; };

static int arp_find_cb(void *ctx, struct ifnet *ifp, struct in_addr a, const struct eth_addr *lla, const char *state)
{
    struct arp_find *f = ctx;
    (void)ifp;
    if (a.s_addr != f->a.s_addr)
        return 0;
    f->found = true;
    if (lla)
        f->lla = *lla;
    snprintf(f->state, sizeof f->state, "%s", state);
    return 1;
}

static struct arp_find arp_get(struct six_stack *st, const char *a)
{
    struct arp_find f = { .a = A(a) };
    arp_walk(st, arp_find_cb, &f);
    return f;
}

/* --- raw frames from station x --- */

static const struct eth_addr ether_bcast_addr = { { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff } };

static void raw_ip4(struct ifnet *xif, const struct eth_addr *dmac, const struct ip4_info *ih,
                    const uint8_t *payload, size_t len)
{
    struct pkt *p = pkt_alloc(xif->pool, ETH_HLEN + IP4_HLEN + len);
    uint8_t *d = pkt_put(p, ETH_HLEN + IP4_HLEN + len);
    struct ip4_info h = *ih;

    h.tot_len = (uint16_t)(IP4_HLEN + len);
    eth_emit(d, ETH_HLEN, dmac, &xif->hwaddr, ETHERTYPE_IP4);
    ip4_emit(d + ETH_HLEN, IP4_HLEN, &h);
    memcpy(d + ETH_HLEN + IP4_HLEN, payload, len);
    if_output(xif, p);
}

/* An ICMP echo request of n data bytes, whole, in buf. */
static size_t build_echo(uint8_t *buf, uint16_t id, uint16_t seq, size_t n)
{
    icmp4_emit_hdr(buf, ICMP4_HLEN, ICMP4_ECHO, 0, (uint32_t)id << 16 | seq);
    for (size_t i = 0; i < n; i++)
        buf[ICMP4_HLEN + i] = (uint8_t)(i * 7);
    icmp4_set_cksum(buf, ICMP4_HLEN + n);
    return ICMP4_HLEN + n;
}

static void send_frag(struct ifnet *xif, struct ifnet *dif, const char *src, const char *dst, uint16_t id,
                      const uint8_t *msg, uint32_t off, uint32_t len, bool mf)
{
    struct ip4_info h = { .ttl = 64, .proto = IP4_PROTO_ICMP, .id = id, .mf = mf, .frag_off = (uint16_t)off,
                          .src = A(src), .dst = A(dst) };
    raw_ip4(xif, &dif->hwaddr, &h, msg + off, len);
}

/* Two hosts b (victim) and x (forger, also a real stack) on one hub. */
struct pair { struct ifnet *bif, *xif; struct six_stack *b, *x; };

static struct pair pair_setup(uint64_t seed)
{
    struct pair P;
    world(seed);
    struct sim_link *l = hub("lan", 0);
    P.b = mk("b");
    P.x = mk("x");
    P.bif = att(l, P.b, "eth0", "192.0.2.2", 24);
    P.xif = att(l, P.x, "eth0", "192.0.2.9", 24);
    sim_run_for(W, 100 * MS);
    return P;
}

/* ------------------------------------------------------------------ */

TEST(arp_and_ping)
{
    world(1);
    struct sim_link *l = hub("lan", 0);
    struct six_stack *a = mk("a"), *b = mk("b");
    struct ifnet *aif = att(l, a, "eth0", "192.0.2.1", 24);
    struct ifnet *bif = att(l, b, "eth0", "192.0.2.2", 24);
    (void)aif;
    sim_run_for(W, 100 * MS);

    struct pres pr = ping4(a, "192.0.2.2", 3, 56, 1000);
    T_EQ(pr.r.sent, 3);
    T_EQ(pr.r.received, 3);
    T_EQ(pr.last_ttl, 64);
    T_EQ(CTR_GET(a, arp, out_request), 1);       /* one resolution, then cached */
    T_EQ(CTR_GET(b, arp, out_reply), 1);
    struct arp_find f = arp_get(a, "192.0.2.2");
    T_CHECK(f.found);
    T_MEMEQ(&f.lla, &bif->hwaddr, 6);
    T_STREQ(f.state, "REACHABLE");
    /* b learned a from the request aimed at it */
    T_CHECK(arp_get(b, "192.0.2.1").found);
    T_EQ(CTR_GET(b, icmp4, out_echo_reply), 3);

    /* after 30 s unused the entry is STALE; the next use re-confirms it */
    sim_run_for(W, 31 * SEC);
    T_STREQ(arp_get(a, "192.0.2.2").state, "STALE");
    pr = ping4(a, "192.0.2.2", 1, 56, 1000);
    T_EQ(pr.r.received, 1);
    T_STREQ(arp_get(a, "192.0.2.2").state, "REACHABLE");
    T_EQ(CTR_GET(a, arp, out_request), 2);       /* the unicast poll */
    teardown();
}

/* a — r — b with default routes on the hosts. */
struct tri { struct six_stack *a, *r, *b; struct ifnet *aif, *r1, *r2, *bif; };

static struct tri tri_setup(uint64_t seed, uint32_t mtu2)
{
    struct tri T;
    world(seed);
    struct sim_link *l1 = hub("net1", 0), *l2 = hub("net2", mtu2);
    T.a = mk("a");
    T.r = mk("r");
    T.b = mk("b");
    T.aif = att(l1, T.a, "eth0", "10.0.1.2", 24);
    T.r1 = att(l1, T.r, "eth0", "10.0.1.1", 24);
    T.r2 = att(l2, T.r, "eth1", "10.0.2.1", 24);
    T.bif = att(l2, T.b, "eth0", "10.0.2.2", 24);
    struct in_addr gw1 = A("10.0.1.1"), gw2 = A("10.0.2.1");
    T_EQ(route4_add(T.a, A("0.0.0.0"), 0, &gw1, NULL, RT4_STATIC), 0);
    T_EQ(route4_add(T.b, A("0.0.0.0"), 0, &gw2, NULL, RT4_STATIC), 0);
    six_set_forwarding(T.r, false, true);
    sim_run_for(W, 100 * MS);
    return T;
}

TEST(ping_across_router)
{
    struct tri T = tri_setup(2, 0);
    struct pres pr = ping4(T.a, "10.0.2.2", 3, 56, 1000);
    T_EQ(pr.r.received, 3);
    T_EQ(pr.last_ttl, 63);
    T_EQ(CTR_GET(T.r, ip4, forwarded), 6);
    /* a host does not forward */
    T_EQ(CTR_GET(T.a, ip4, drop_fwd_disabled), 0);
    teardown();
}

TEST(ttl_expiry_time_exceeded)
{
    struct tri T = tri_setup(3, 0);
    uint8_t d[16] = { 0 };
    T_EQ(icmp4_echo_send(T.a, A("10.0.2.2"), 7, 1, d, sizeof d, 1), 0);
    sim_run_for(W, 2 * SEC);
    T_EQ(CTR_GET(T.r, ip4, drop_ttl_exceeded), 1);
    T_EQ(CTR_GET(T.r, icmp4, out_errors), 1);
    T_EQ(CTR_GET(T.a, icmp4, in_time_exceeded), 1);
    T_EQ(CTR_GET(T.b, icmp4, in_echo), 0);
    /* TTL 2 makes it */
    T_EQ(icmp4_echo_send(T.a, A("10.0.2.2"), 7, 2, d, sizeof d, 2), 0);
    sim_run_for(W, 2 * SEC);
    T_EQ(CTR_GET(T.b, icmp4, in_echo), 1);
    T_EQ(CTR_GET(T.a, icmp4, in_echo_reply), 1);
    teardown();
}

TEST(no_route_net_unreachable)
{
    struct tri T = tri_setup(4, 0);
    uint8_t d[8] = { 0 };
    T_EQ(icmp4_echo_send(T.a, A("198.51.100.7"), 7, 1, d, sizeof d, -1), 0);
    sim_run_for(W, 2 * SEC);
    T_EQ(CTR_GET(T.r, ip4, drop_no_route), 1);
    T_EQ(CTR_GET(T.a, icmp4, in_unreach), 1);
    /* the host itself has no route without its default */
    T_EQ(route4_del(T.a, A("0.0.0.0"), 0), 0);
    T_EQ(icmp4_echo_send(T.a, A("198.51.100.7"), 7, 2, d, sizeof d, -1), -ENETUNREACH);
    T_EQ(CTR_GET(T.a, ip4, out_no_route), 1);
    teardown();
}

TEST(fragmented_ping_whole_reply)
{
    world(5);
    struct sim_link *l = hub("lan", 1500);
    struct six_stack *a = mk("a"), *b = mk("b");
    att(l, a, "eth0", "192.0.2.1", 24);
    att(l, b, "eth0", "192.0.2.2", 24);
    sim_run_for(W, 100 * MS);
    static uint8_t d[3000];
    for (unsigned i = 0; i < sizeof d; i++)
        d[i] = (uint8_t)i;
    T_EQ(icmp4_echo_send(a, A("192.0.2.2"), 9, 1, d, sizeof d, -1), 0);
    sim_run_for(W, 1 * SEC);
    T_EQ(CTR_GET(a, ip4, out_fragmented), 1);
    T_EQ(CTR_GET(a, ip4, out_frag_created), 3);
    T_EQ(CTR_GET(b, frag4, reassembled), 1);
    T_EQ(CTR_GET(b, icmp4, out_echo_reply), 1);
    T_EQ(CTR_GET(a, frag4, reassembled), 1);
    T_EQ(CTR_GET(a, icmp4, in_echo_reply), 1);
    teardown();
}

TEST(fragments_out_of_order_and_duplicated)
{
    struct pair P = pair_setup(6);
    static uint8_t msg[3008];
    size_t n = build_echo(msg, 0x4242, 1, 3000);
    T_EQ(n, 3008);
    /* pieces 1480 + 1480 + 48: last first, the middle twice, first last */
    send_frag(P.xif, P.bif, "192.0.2.9", "192.0.2.2", 77, msg, 2960, 48, false);
    send_frag(P.xif, P.bif, "192.0.2.9", "192.0.2.2", 77, msg, 1480, 1480, true);
    send_frag(P.xif, P.bif, "192.0.2.9", "192.0.2.2", 77, msg, 1480, 1480, true);
    send_frag(P.xif, P.bif, "192.0.2.9", "192.0.2.2", 77, msg, 0, 1480, true);
    sim_run_for(W, 1 * SEC);
    T_EQ(CTR_GET(P.b, frag4, in_fragments), 4);
    T_EQ(CTR_GET(P.b, frag4, reassembled), 1);
    T_EQ(CTR_GET(P.b, icmp4, out_echo_reply), 1);
    T_EQ(CTR_GET(P.x, frag4, reassembled), 1);
    T_EQ(CTR_GET(P.x, icmp4, in_echo_reply), 1);
    /* the duplicate after completion opens a context that times out quietly
     * (it is not the first piece: no ICMP) */
    send_frag(P.xif, P.bif, "192.0.2.9", "192.0.2.2", 77, msg, 1480, 1480, true);
    sim_run_for(W, 31 * SEC);
    T_EQ(CTR_GET(P.b, frag4, drop_timeout), 1);
    T_EQ(CTR_GET(P.b, icmp4, out_errors), 0);
    teardown();
}

TEST(overlapping_fragments_dropped)
{
    struct pair P = pair_setup(7);
    static uint8_t msg[3008];
    build_echo(msg, 0x4343, 1, 3000);
    send_frag(P.xif, P.bif, "192.0.2.9", "192.0.2.2", 78, msg, 0, 1480, true);
    send_frag(P.xif, P.bif, "192.0.2.9", "192.0.2.2", 78, msg, 1000, 1480, true);   /* overlaps */
    send_frag(P.xif, P.bif, "192.0.2.9", "192.0.2.2", 78, msg, 1480, 1480, true);   /* too late */
    send_frag(P.xif, P.bif, "192.0.2.9", "192.0.2.2", 78, msg, 2960, 48, false);
    sim_run_for(W, 1 * SEC);
    T_EQ(CTR_GET(P.b, frag4, drop_overlap), 3);
    T_EQ(CTR_GET(P.b, frag4, reassembled), 0);
    T_EQ(CTR_GET(P.b, icmp4, in_echo), 0);
    /* the dead context expires without ICMP; the datagram can then come whole */
    sim_run_for(W, 31 * SEC);
    T_EQ(CTR_GET(P.b, icmp4, out_errors), 0);
    send_frag(P.xif, P.bif, "192.0.2.9", "192.0.2.2", 78, msg, 0, 1480, true);
    send_frag(P.xif, P.bif, "192.0.2.9", "192.0.2.2", 78, msg, 1480, 1480, true);
    send_frag(P.xif, P.bif, "192.0.2.9", "192.0.2.2", 78, msg, 2960, 48, false);
    sim_run_for(W, 1 * SEC);
    T_EQ(CTR_GET(P.b, frag4, reassembled), 1);
    teardown();
}

TEST(bad_fragments)
{
    struct pair P = pair_setup(8);
    static uint8_t msg[3008];
    build_echo(msg, 0x4444, 1, 3000);
    /* not a multiple of 8 with MF */
    send_frag(P.xif, P.bif, "192.0.2.9", "192.0.2.2", 80, msg, 0, 1001, true);
    /* two different ends */
    send_frag(P.xif, P.bif, "192.0.2.9", "192.0.2.2", 81, msg, 1480, 100, false);
    send_frag(P.xif, P.bif, "192.0.2.9", "192.0.2.2", 81, msg, 1480, 200, false);
    /* beyond 65535 once rebuilt with its header (ip4_parse checks offset + len only) */
    struct ip4_info h = { .ttl = 64, .proto = IP4_PROTO_ICMP, .id = 82, .frag_off = 65512,
                          .src = A("192.0.2.9"), .dst = A("192.0.2.2") };
    raw_ip4(P.xif, &P.bif->hwaddr, &h, msg, 8);
    sim_run_for(W, 1 * SEC);
    T_EQ(CTR_GET(P.b, frag4, drop_bad_len), 2);
    T_EQ(CTR_GET(P.b, frag4, drop_too_big), 1);
    teardown();
}

TEST(reassembly_timeout)
{
    struct pair P = pair_setup(9);
    static uint8_t msg[3008];
    build_echo(msg, 0x4545, 1, 3000);
    send_frag(P.xif, P.bif, "192.0.2.9", "192.0.2.2", 79, msg, 0, 1480, true);
    sim_run_for(W, 29 * SEC);
    T_EQ(CTR_GET(P.b, frag4, drop_timeout), 0);
    sim_run_for(W, 2 * SEC);
    T_EQ(CTR_GET(P.b, frag4, drop_timeout), 1);
    T_EQ(CTR_GET(P.b, icmp4, out_errors), 1);
    T_EQ(CTR_GET(P.x, icmp4, in_time_exceeded), 1);
    teardown();
}

TEST(reassembly_table_cap)
{
    struct pair P = pair_setup(10);
    static uint8_t msg[3008];
    build_echo(msg, 0x4646, 1, 3000);
    for (unsigned id = 0; id < 70; id++)
        send_frag(P.xif, P.bif, "192.0.2.9", "192.0.2.2", (uint16_t)(1000 + id), msg, 0, 8, true);
    sim_run_for(W, 1 * SEC);
    T_EQ(CTR_GET(P.b, frag4, drop_table_full), 6);
    teardown();
}

/* Sniff ICMP "fragmentation needed" arriving at a (then pass it on). */
static unsigned needfrag_mtu;
static void sniff_hook(struct ifnet *ifp, struct pkt *p)
{
    const uint8_t *d = pkt_data(p);
    struct eth_info e;
    struct ip4_info ih;
    struct icmp4_info ic;
    if (eth_parse(d, p->len, &e) == WR_OK && e.type == ETHERTYPE_IP4 &&
        ip4_parse(d + ETH_HLEN, p->len - ETH_HLEN, &ih) == WR_OK && ih.proto == IP4_PROTO_ICMP &&
        icmp4_parse(d + ETH_HLEN + ih.hl, ih.tot_len - ih.hl, &ic) == WR_OK &&
        ic.type == ICMP4_UNREACH && ic.code == ICMP4_UNREACH_NEEDFRAG)
        needfrag_mtu = ic.data32 & 0xffff;
    net_input(ifp, p);
}

TEST(df_too_big_frag_needed)
{
    struct tri T = tri_setup(11, 1280);
    T.aif->input_hook = sniff_hook;
    needfrag_mtu = 0;
    /* DF set, 1428 bytes: does not fit the 1280 link */
    static uint8_t msg[1408];
    size_t n = build_echo(msg, 0x4747, 1, 1400);
    struct pkt *p = pkt_alloc(T.a->pool, n);
    memcpy(pkt_put(p, n), msg, n);
    T_EQ(ip4_output(T.a, p, &(struct ip4_out){ .dst = A("10.0.2.2"), .proto = IP4_PROTO_ICMP, .ttl = -1,
                                                .df = true }), 0);
    sim_run_for(W, 2 * SEC);
    T_EQ(CTR_GET(T.r, ip4, drop_df_too_big), 1);
    T_EQ(CTR_GET(T.a, icmp4, in_needfrag), 1);
    T_EQ(needfrag_mtu, 1280);
    T_EQ(CTR_GET(T.b, icmp4, in_echo), 0);
    /* without DF the router fragments, b reassembles and answers (b fragments too) */
    T_EQ(icmp4_echo_send(T.a, A("10.0.2.2"), 0x4747, 2, msg + 8, 1400, -1), 0);
    sim_run_for(W, 2 * SEC);
    T_EQ(CTR_GET(T.r, ip4, out_fragmented), 1);
    T_EQ(CTR_GET(T.b, frag4, reassembled), 1);
    T_EQ(CTR_GET(T.b, ip4, out_fragmented), 1);
    T_EQ(CTR_GET(T.a, frag4, reassembled), 1);
    T_EQ(CTR_GET(T.a, icmp4, in_echo_reply), 1);
    /* a local DF send larger than the link fails at once */
    p = pkt_alloc(T.a->pool, 1600);
    memset(pkt_put(p, 1600), 0, 1600);
    T_EQ(ip4_output(T.a, p, &(struct ip4_out){ .dst = A("10.0.2.2"), .proto = 253, .ttl = -1, .df = true }),
         -EMSGSIZE);
    teardown();
}

TEST(arp_unreachable)
{
    world(12);
    struct sim_link *l = hub("lan", 0);
    struct six_stack *a = mk("a");
    att(l, a, "eth0", "192.0.2.1", 24);
    sim_run_for(W, 100 * MS);
    struct pres pr = ping4(a, "192.0.2.77", 1, 56, 5000);
    T_EQ(CTR_GET(a, arp, out_request), 3);
    T_EQ(CTR_GET(a, arp, drop_unreachable), 1);
    T_EQ(pr.r.received, 0);
    T_EQ(pr.r.errors, 1);
    T_CHECK(strstr(pr.r.last_error, "host unreachable") != NULL);
    T_CHECK(!arp_get(a, "192.0.2.77").found);
    teardown();
}

TEST(arp_queue_bounded)
{
    world(13);
    struct sim_link *l = hub("lan", 0);
    struct six_stack *a = mk("a");
    att(l, a, "eth0", "192.0.2.1", 24);
    sim_run_for(W, 100 * MS);
    uint8_t d[8] = { 0 };
    for (unsigned i = 0; i < 5; i++)
        icmp4_echo_send(a, A("192.0.2.77"), 1, (uint16_t)i, d, sizeof d, -1);
    T_EQ(CTR_GET(a, arp, drop_queue_full), 2);
    sim_run_for(W, 5 * SEC);
    T_EQ(CTR_GET(a, arp, drop_unreachable), 3);
    teardown();
}

TEST(gratuitous_arp_updates_neighbor)
{
    world(14);
    struct sim_link *l = hub("lan", 0);
    struct six_stack *a = mk("a"), *b = mk("b");
    att(l, a, "eth0", "192.0.2.1", 24);
    struct ifnet *bif = att(l, b, "eth0", "192.0.2.2", 24);
    sim_run_for(W, 100 * MS);
    T_EQ(ping4(a, "192.0.2.2", 1, 56, 1000).r.received, 1);
    struct arp_find f0 = arp_get(a, "192.0.2.2");
    T_MEMEQ(&f0.lla, &bif->hwaddr, 6);
    /* b's card is swapped: it announces its address from the new MAC */
    static const struct eth_addr nmac = { { 0x02, 0x00, 0x00, 0xbb, 0xbb, 0xbb } };
    if_set_up(bif, false);
    bif->hwaddr = nmac;
    if_set_up(bif, true);
    sim_run_for(W, 100 * MS);
    T_CHECK(CTR_GET(b, arp, out_gratuitous) >= 2);
    struct arp_find f = arp_get(a, "192.0.2.2");
    T_MEMEQ(&f.lla, &nmac, 6);
    T_EQ(ping4(a, "192.0.2.2", 1, 56, 1000).r.received, 1);
    /* a new address on an up interface is announced too */
    uint64_t g = CTR_GET(b, arp, out_gratuitous);
    T_EQ(in4_addr_add(bif, A("192.0.2.3"), 24), 0);
    T_EQ(CTR_GET(b, arp, out_gratuitous), g + 1);
    teardown();
}

TEST(arp_conflict_counted)
{
    world(15);
    struct sim_link *l = hub("lan", 0);
    struct six_stack *a = mk("a"), *c = mk("c");
    struct ifnet *aif = att(l, a, "eth0", "192.0.2.1", 24);
    struct ifnet *cif = att(l, c, "eth0", "192.0.2.5", 24);
    sim_run_for(W, 100 * MS);
    /* c configures a's address: its gratuitous ARP claims it */
    T_EQ(in4_addr_add(cif, A("192.0.2.1"), 24), 0);
    sim_run_for(W, 100 * MS);
    T_EQ(CTR_GET(a, arp, conflict), 1);
    T_CHECK(!arp_get(a, "192.0.2.1").found);
    /* a keeps its address and keeps answering for it */
    T_CHECK(in4_is_local(a, A("192.0.2.1")));
    (void)aif;
    teardown();
}

TEST(udp_port_unreachable_and_ratelimit)
{
    world(16);
    struct sim_link *l = hub("lan", 0);
    struct six_stack *a = mk("a"), *b = mk("b");
    att(l, a, "eth0", "192.0.2.1", 24);
    att(l, b, "eth0", "192.0.2.2", 24);
    sim_run_for(W, 100 * MS);
    T_EQ(ping4(a, "192.0.2.2", 1, 56, 1000).r.received, 1);   /* resolve first */
    for (unsigned i = 0; i < 50; i++) {
        struct pkt *p = pkt_alloc(a->pool, 12);
        uint8_t *u = pkt_put(p, 12);
        memcpy(u + 8, "ping", 4);
        udp_emit(u, 12, 4000, 9, 4, cksum_pseudo4(A("192.0.2.1"), A("192.0.2.2"), 12, IP4_PROTO_UDP));
        T_EQ(ip4_output(a, p, &(struct ip4_out){ .src = A("192.0.2.1"), .dst = A("192.0.2.2"),
                                                  .proto = IP4_PROTO_UDP, .ttl = -1 }), 0);
    }
    sim_run_for(W, 100 * MS);
    T_EQ(CTR_GET(b, udp, drop_no_port), 50);
    T_EQ(CTR_GET(b, icmp4, out_errors), 20);          /* the burst */
    T_EQ(CTR_GET(b, icmp4, err_ratelimited), 30);
    T_EQ(CTR_GET(a, icmp4, in_unreach), 20);
    /* other protocols: protocol unreachable */
    sim_run_for(W, 1 * SEC);
    struct pkt *p = pkt_alloc(a->pool, 4);
    memset(pkt_put(p, 4), 0, 4);
    T_EQ(ip4_output(a, p, &(struct ip4_out){ .dst = A("192.0.2.2"), .proto = 253, .ttl = -1 }), 0);
    sim_run_for(W, 100 * MS);
    T_EQ(CTR_GET(b, ip4, drop_unknown_proto), 1);
    T_EQ(CTR_GET(a, icmp4, in_unreach), 21);
    teardown();
}

TEST(ping_self_loopback)
{
    world(17);
    struct sim_link *l = hub("lan", 0);
    struct six_stack *a = mk("a");
    att(l, a, "eth0", "192.0.2.1", 24);
    struct pres pr = ping4(a, "192.0.2.1", 2, 56, 1000);
    T_EQ(pr.r.received, 2);
    T_EQ(CTR_GET(a, arp, out_request), 0);
    teardown();
}

/* route and address rules, no traffic */
TEST(routes_and_addresses)
{
    world(18);
    struct sim_link *l = hub("lan", 0);
    struct six_stack *a = mk("a");
    struct ifnet *ifp = att(l, a, "eth0", "192.0.2.1", 24);
    struct in_addr gw = A("198.51.100.1"), gw2 = A("192.0.2.254"), src;
    T_EQ(route4_add(a, A("0.0.0.0"), 0, &gw, NULL, 0), -ENETUNREACH);
    T_EQ(route4_add(a, A("0.0.0.0"), 0, &gw2, NULL, 0), 0);
    T_EQ(route4_add(a, A("0.0.0.0"), 0, &gw2, NULL, 0), -EEXIST);
    T_EQ(in4_addr_add(ifp, A("192.0.2.1"), 24), -EEXIST);
    T_EQ(in4_addr_add(ifp, A("192.0.2.255"), 24), -EINVAL);
    T_EQ(in4_addr_add(ifp, A("224.0.0.5"), 24), -EINVAL);
    T_EQ(in4_addr_add(ifp, A("127.0.0.2"), 8), -EINVAL);
    T_EQ(in4_addr_add(ifp, A("198.51.100.9"), 24), 0);
    T_EQ(in4_selectsrc(a, A("198.51.100.77"), NULL, &src), 0);
    T_EQ(src.s_addr, A("198.51.100.9").s_addr);
    T_EQ(in4_selectsrc(a, A("203.0.113.1"), NULL, &src), 0);
    T_EQ(src.s_addr, A("192.0.2.1").s_addr);             /* via the default: primary */
    T_CHECK(in4_is_local(a, A("198.51.100.9")));
    /* deleting the address removes its connected route and the routes through it */
    T_EQ(in4_addr_del(ifp, A("192.0.2.1")), 0);
    T_EQ(in4_addr_del(ifp, A("192.0.2.1")), -ENOENT);
    T_EQ(route4_del(a, A("192.0.2.0"), 24), -ENOENT);
    T_EQ(route4_del(a, A("0.0.0.0"), 0), -ENOENT);
    T_EQ(route4_del(a, A("198.51.100.0"), 24), 0);
    teardown();
}


TEST(broadcasts_not_answered)
{
    world(19);
    struct sim_link *l = hub("lan", 0);
    struct six_stack *a = mk("a"), *b = mk("b");
    struct ifnet *aif = att(l, a, "eth0", "192.0.2.1", 24);
    att(l, b, "eth0", "192.0.2.2", 24);
    sim_run_for(W, 100 * MS);
    uint8_t d[8] = { 0 };
    /* subnet-directed broadcast: routed on-link, sent to ff:ff:ff:ff:ff:ff */
    T_EQ(icmp4_echo_send(a, A("192.0.2.255"), 3, 1, d, sizeof d, -1), 0);
    struct pkt *p = pkt_alloc(a->pool, 12);
    udp_emit(pkt_put(p, 12), 12, 4000, 9, 4, cksum_pseudo4(A("192.0.2.1"), A("255.255.255.255"), 12, IP4_PROTO_UDP));
    T_EQ(ip4_output(a, p, &(struct ip4_out){ .src = A("192.0.2.1"), .dst = A("255.255.255.255"),
                                              .proto = IP4_PROTO_UDP, .ttl = -1, .ifp = aif }), 0);
    sim_run_for(W, 100 * MS);
    T_EQ(CTR_GET(a, arp, out_request), 0);
    T_EQ(CTR_GET(b, icmp4, in_echo), 1);
    T_EQ(CTR_GET(b, icmp4, out_echo_reply), 0);    /* no smurf */
    T_EQ(CTR_GET(b, udp, drop_no_port), 1);
    T_EQ(CTR_GET(b, icmp4, out_errors), 0);        /* no error about a broadcast */
    T_EQ(CTR_GET(b, icmp4, err_suppressed), 1);
    T_EQ(CTR_GET(b, icmp4, drop_bcast_echo), 1);
    teardown();
}

TEST(ping_over_p2p_hop)
{
    world(20);
    struct sim_link *l1 = hub("net1", 0);
    struct sim_link *l2 = sim_link_create_p2p(W, "p2p", &(struct sim_link_params){ .delay_ns = MS });
    struct six_stack *a = mk("a"), *r = mk("r"), *b = mk("b");
    att(l1, a, "eth0", "10.0.1.2", 24);
    att(l1, r, "eth0", "10.0.1.1", 24);
    att(l2, r, "ppp0", "10.9.0.1", 30);
    att(l2, b, "ppp0", "10.9.0.2", 30);
    struct in_addr g1 = A("10.0.1.1"), g2 = A("10.9.0.1");
    T_EQ(route4_add(a, A("0.0.0.0"), 0, &g1, NULL, 0), 0);
    T_EQ(route4_add(b, A("0.0.0.0"), 0, &g2, NULL, 0), 0);
    six_set_forwarding(r, false, true);
    struct pres pr = ping4(a, "10.9.0.2", 2, 1000, 1000);
    T_EQ(pr.r.received, 2);
    T_EQ(pr.last_ttl, 63);
    teardown();
}

TEST(loopback_interface)
{
    world(21);
    struct six_stack *a = mk("a");
    struct ifnet *lo = loop_create(a);
    T_CHECK(lo != NULL);
    if_set_up(lo, true);
    T_CHECK(in4_is_local(a, A("127.0.0.1")));
    T_EQ(ping4(a, "127.0.0.1", 1, 56, 1000).r.received, 1);
    T_EQ(ping4(a, "127.0.0.5", 1, 56, 1000).r.received, 1);   /* all of 127/8 */
    teardown();
}

TEST(reassembly_memory_caps)
{
    struct pair P = pair_setup(22);
    static uint8_t msg[2048];
    char src[32];
    /* five forged sources, 480 tiny pieces each (never complete) */
    for (unsigned s = 0; s < 5; s++) {
        snprintf(src, sizeof src, "192.0.2.%u", 10 + s);
        for (unsigned k = 0; k < 480; k++) {
            struct ip4_info h = { .ttl = 64, .proto = 17, .id = (uint16_t)(s * 4 + k / 120), .mf = true,
                                  .frag_off = (uint16_t)(16 * (k % 120)), .src = A(src), .dst = A("192.0.2.2") };
            raw_ip4(P.xif, &P.bif->hwaddr, &h, msg, 8);
        }
        sim_run_for(W, 10 * MS);
    }
    /* a buffer costs PKT_SMALL_SIZE: 455 fit in 1 MiB, 1820 (4 x 455) in 4 MiB,
     * so the fourth source meets both caps at once (global is checked first) */
    T_EQ(CTR_GET(P.b, frag4, drop_mem_per_src), 75);
    T_EQ(CTR_GET(P.b, frag4, drop_mem_global), 505);
    /* memory comes back on timeout (the time-exceeded errors to the forged
     * sources wait for ARP, which fails 3 s later) */
    sim_run_for(W, 35 * SEC);
    T_EQ(CTR_GET(P.b, frag4, drop_timeout), 20);
    struct pkt_pool_stats ps;
    pkt_pool_get_stats(P.b->pool, &ps);
    T_EQ(ps.small_free, ps.small_total);
    teardown();
}

static void dump_ctr(void *ctx, const char *name, uint64_t v)
{
    (void)ctx;
    fprintf(stderr, "  %s = %llu\n", name, (unsigned long long)v);
}

/* Random IPv4 and ARP from x at b: nothing crashes, every drop is counted
 * somewhere, and b still answers. */
TEST(garbage_input_survived)
{
    struct pair P = pair_setup(23);
    static const char *srcs[] = { "192.0.2.9", "0.0.0.0", "255.255.255.255", "192.0.2.2", "127.0.0.1",
                                  "224.0.0.5", "192.0.2.255", "203.0.113.5" };
    static const char *dsts[] = { "192.0.2.2", "192.0.2.255", "255.255.255.255", "224.0.0.1", "203.0.113.9",
                                  "127.0.0.1", "0.0.0.0" };
    static uint8_t buf[1500];
    for (unsigned i = 0; i < 5000; i++) {
        uint64_t r = sim_random(W);
        size_t len = (size_t)(sim_random(W) % 600);
        for (size_t k = 0; k < len; k++)
            buf[k] = (uint8_t)sim_random(W);
        if (r & 1) {
            /* a valid ICMP header over random body, quoting random stuff */
            icmp4_emit_hdr(buf, sizeof buf, (uint8_t)(r >> 8) % 20, (uint8_t)(r >> 16) % 6, (uint32_t)(r >> 24));
            len = len < 8 ? 8 : len;
            icmp4_set_cksum(buf, len);
        }
        struct ip4_info h = { .ttl = (uint8_t)(r >> 32), .id = (uint16_t)(r >> 40) % 8,
                              .proto = (r & 2) ? 1 : (uint8_t)(r >> 48),
                              .mf = (r >> 5) & 1, .df = (r >> 6) & 1,
                              .frag_off = (uint16_t)(((r >> 7) & 1) ? 8 * ((r >> 50) % 400) : 0),
                              .src = A(srcs[(r >> 56) % 8]), .dst = A(dsts[(r >> 59) % 7]) };
        if ((r & 0x1c) == 0x1c) {
            /* an ARP with random fields, half of them plausible */
            struct arp_info a = { .op = (uint16_t)(1 + ((r >> 8) & 1)), .spa = h.src, .tpa = h.dst };
            memcpy(a.sha.b, buf, 6);
            struct pkt *p = pkt_alloc(P.xif->pool, 64);
            uint8_t *d = pkt_put(p, ETH_HLEN + ARP_LEN);
            eth_emit(d, ETH_HLEN, &ether_bcast_addr, &P.xif->hwaddr, ETHERTYPE_ARP);
            arp_emit(d + ETH_HLEN, ARP_LEN, &a);
            if (r & 0x20)
                d[ETH_HLEN + (r >> 40) % ARP_LEN] ^= (uint8_t)(r >> 48);
            if_output(P.xif, p);
        } else {
            raw_ip4(P.xif, &P.bif->hwaddr, &h, buf, len);
        }
        if (i % 256 == 0)
            sim_run_for(W, 5 * MS);
    }
    sim_run_for(W, 40 * SEC);
    if (getenv("IP4_DEBUG"))
        six_counters_foreach(&P.b->ctr, 1, dump_ctr, NULL);
    T_CHECK(CTR_GET(P.b, ip4, in_receives) > 1000);
    /* b's entry for x may hold a forged MAC now (ARP cannot tell); x asking
     * for b puts the real one back, as RFC 826's merge intends */
    T_EQ(ping4(P.x, "192.0.2.2", 3, 56, 1000).r.received, 3);
    /* nothing left behind once the timers have run */
    struct pkt_pool_stats ps;
    pkt_pool_get_stats(P.b->pool, &ps);
    T_EQ(ps.small_free, ps.small_total);
    T_EQ(ps.big_free, ps.big_total);
    teardown();
}

int main(void)
{
    RUN(arp_and_ping);
    RUN(ping_across_router);
    RUN(ttl_expiry_time_exceeded);
    RUN(no_route_net_unreachable);
    RUN(fragmented_ping_whole_reply);
    RUN(fragments_out_of_order_and_duplicated);
    RUN(overlapping_fragments_dropped);
    RUN(bad_fragments);
    RUN(reassembly_timeout);
    RUN(reassembly_table_cap);
    RUN(df_too_big_frag_needed);
    RUN(arp_unreachable);
    RUN(arp_queue_bounded);
    RUN(gratuitous_arp_updates_neighbor);
    RUN(arp_conflict_counted);
    RUN(udp_port_unreachable_and_ratelimit);
    RUN(ping_self_loopback);
    RUN(routes_and_addresses);
    RUN(broadcasts_not_answered);
    RUN(ping_over_p2p_hop);
    RUN(loopback_interface);
    RUN(reassembly_memory_caps);
    RUN(garbage_input_survived);
    return t_done();
}
