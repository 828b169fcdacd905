/* IPv6 on the simulator: SLAAC and DAD, NUD timers, forwarding, hop-limit
 * expiry, fragmentation and reassembly, Packet Too Big and PMTU. */
#include <string.h>
#include <arpa/inet.h>
#include "../lib/t.h"
#include "../lib/simstack.h"
#include "ctl/scene.h"
#include "link/sim.h"
#include "net/stack.h"
#include "net/ip6_var.h"

#define MS (1000000ull)
#define SEC (1000000000ull)

struct net {
    struct sim_world *w;
    struct six_stack *a, *r, *b;
    struct sim_link *l1, *l2;
};

/* a —l1— r —l2— b, r routes and advertises 2001:db8:1::/64 and 2001:db8:2::/64 */
static void net_up(struct net *n, uint32_t mtu2)
{
    struct sim_link_params p1 = { .delay_ns = 1 * MS }, p2 = { .delay_ns = 1 * MS, .mtu = mtu2 };

    n->w = sim_world_create(42);
    n->a = sim_stack(n->w, "a", 1, 2048);
    n->r = sim_stack(n->w, "r", 2, 2048);
    n->b = sim_stack(n->w, "b", 3, 2048);
    n->l1 = sim_link_create(n->w, "l1", &p1);
    n->l2 = sim_link_create(n->w, "l2", &p2);
    sim_attach(n->l1, n->a, "eth0", NULL);
    sim_attach(n->l1, n->r, "eth0", NULL);
    sim_attach(n->l2, n->r, "eth1", NULL);
    sim_attach(n->l2, n->b, "eth0", NULL);
    T_EQ(scene_cmd(n->r, NULL, "set forwarding on"), 0);
    T_EQ(scene_cmd(n->r, NULL, "addr add 2001:db8:1::1/64 dev eth0"), 0);
    T_EQ(scene_cmd(n->r, NULL, "addr add 2001:db8:2::1/64 dev eth1"), 0);
    T_EQ(scene_cmd(n->r, NULL, "ra dev eth0 prefix 2001:db8:1::/64 interval 3 10"), 0);
    T_EQ(scene_cmd(n->r, NULL, "ra dev eth1 prefix 2001:db8:2::/64 interval 3 10"), 0);
    for (struct six_stack **s = (struct six_stack *[]){ n->a, n->r, n->b, NULL }; *s; s++)
        for (unsigned i = 0; i < SIX_MAX_IFS; i++)
            if ((*s)->ifs[i])
                T_EQ(scene_cmd(*s, NULL, "link set %s up", (*s)->ifs[i]->name), 0);
    sim_run_for(n->w, 8 * SEC);
}

static void net_down(struct net *n)
{
    six_stack_destroy(n->a);
    six_stack_destroy(n->r);
    six_stack_destroy(n->b);
    sim_world_destroy(n->w);
}

/* The stack's SLAAC address in prefix p (or NULL). */
static const struct in6_ifaddr *slaac_addr(struct six_stack *st, const char *ifname, const char *prefix)
{
    struct in6_addr p;
    struct ifnet *ifp = if_find(st, ifname);

    inet_pton(AF_INET6, prefix, &p);
    for (int i = 0; ifp && i < IN6_MAX_ADDRS_PER_IF; i++) {
        const struct in6_ifaddr *ia = &ifp->in6->addrs[i];
        if (ia->in_use && (ia->flags & IN6_IFF_AUTOCONF) && in6_prefix_eq(&ia->addr, &p, 64))
            return ia;
    }
    return NULL;
}

static const char *s6(const struct in6_addr *a)
{
    static char b[4][INET6_ADDRSTRLEN];
    static int k;
    k = (k + 1) % 4;
    return inet_ntop(AF_INET6, a, b[k], sizeof b[k]);
}

TEST(slaac_and_ping_across_router)
{
    struct net n;
    net_up(&n, 0);
    const struct in6_ifaddr *aa = slaac_addr(n.a, "eth0", "2001:db8:1::");
    const struct in6_ifaddr *ba = slaac_addr(n.b, "eth0", "2001:db8:2::");
    T_CHECK(aa && ba);
    if (aa && ba) {
        T_CHECK(!(aa->flags & IN6_IFF_TENTATIVE));
        T_CHECK(in6_linklocal(if_find(n.a, "eth0")) != NULL);
        T_EQ(scene_cmd_wait(n.w, n.a, NULL, 10 * SEC, "ping %s -c 3 -i 100", s6(&ba->addr)), 0);
        T_CHECK(CTR_GET(n.r, ip6, forwarded) >= 6);
        T_CHECK(nd6_defrouter_select(n.a) != NULL);
    }
    T_CHECK(CTR_GET(n.a, nd6, dad_ok) >= 2);
    T_CHECK(CTR_GET(n.a, mld6, out_report) >= 1);
    net_down(&n);
}

TEST(dad_conflict_detected)
{
    struct net n;
    net_up(&n, 0);
    /* r already owns 2001:db8:1::1; a tries to take it */
    T_EQ(scene_cmd(n.a, NULL, "addr add 2001:db8:1::1/64 dev eth0"), 0);
    sim_run_for(n.w, 3 * SEC);
    struct in6_addr x;
    inet_pton(AF_INET6, "2001:db8:1::1", &x);
    const struct in6_ifaddr *ia = in6_ifaddr_find(if_find(n.a, "eth0"), &x);
    T_CHECK(ia && (ia->flags & IN6_IFF_DUPLICATED));
    T_EQ(CTR_GET(n.a, nd6, dad_conflict), 1);
    net_down(&n);
}

TEST(nud_walks_states_on_rfc_timers)
{
    struct net n;
    net_up(&n, 0);
    struct in6_addr rl1;
    inet_pton(AF_INET6, "2001:db8:1::1", &rl1);
    struct ifnet *a0 = if_find(n.a, "eth0");
    T_EQ(scene_cmd_wait(n.w, n.a, NULL, 5 * SEC, "ping 2001:db8:1::1 -c 1"), 0);
    struct nd_entry *e = nd6_lookup(n.a, a0, &rl1);
    T_CHECK(e != NULL);
    if (!e) { net_down(&n); return; }
    T_EQ(e->state, ND_REACHABLE);
    /* ReachableTime is 15..45 s: after 46 s the entry is STALE */
    sim_run_for(n.w, 46 * SEC);
    T_EQ(e->state, ND_STALE);
    /* traffic → DELAY; 5 s later PROBE; r answers the unicast NS → REACHABLE */
    T_EQ(scene_cmd_wait(n.w, n.a, NULL, 2 * SEC, "ping 2001:db8:1::1 -c 1 -W 1"), 0);
    /* the echo reply does not confirm reachability (no upper-layer hint yet) */
    T_EQ(e->state, ND_DELAY);
    uint64_t ns_before = CTR_GET(n.a, nd6, out_ns);
    sim_run_for(n.w, 4900 * MS);
    T_EQ(e->state, ND_DELAY);
    sim_run_for(n.w, 200 * MS);   /* PROBE: one unicast NS, answered at once */
    T_EQ(e->state, ND_REACHABLE);
    T_EQ(CTR_GET(n.a, nd6, out_ns), ns_before + 1);
    /* now r goes away: STALE → DELAY → PROBE ×3 → gone */
    T_EQ(scene_cmd(n.r, NULL, "link set eth0 down"), 0);
    sim_run_for(n.w, 46 * SEC);
    T_EQ(e->state, ND_STALE);
    scene_cmd_wait(n.w, n.a, NULL, 2 * SEC, "ping 2001:db8:1::1 -c 1 -W 1");
    T_EQ(e->state, ND_DELAY);
    sim_run_for(n.w, 5 * SEC + 10 * MS);
    T_EQ(e->state, ND_PROBE);
    sim_run_for(n.w, 3 * SEC + 10 * MS);
    T_CHECK(nd6_lookup(n.a, a0, &rl1) == NULL);
    T_CHECK(CTR_GET(n.a, nd6, out_ns) >= 4);
    net_down(&n);
}

TEST(hop_limit_expiry_time_exceeded)
{
    struct net n;
    net_up(&n, 0);
    const struct in6_ifaddr *ba = slaac_addr(n.b, "eth0", "2001:db8:2::");
    T_CHECK(ba != NULL);
    if (ba) {
        T_CHECK(scene_cmd_wait(n.w, n.a, NULL, 5 * SEC, "ping %s -c 1 -t 1", s6(&ba->addr)) != 0);
        T_EQ(CTR_GET(n.r, ip6, drop_hlim_exceeded), 1);
        T_EQ(CTR_GET(n.a, icmp6, in_time_exceeded), 1);
        T_EQ(scene_cmd_wait(n.w, n.a, NULL, 5 * SEC, "ping %s -c 1 -t 2", s6(&ba->addr)), 0);
    }
    net_down(&n);
}

TEST(fragmented_ping_and_pmtu)
{
    struct net n;
    net_up(&n, 1280);
    const struct in6_ifaddr *ba = slaac_addr(n.b, "eth0", "2001:db8:2::");
    T_CHECK(ba != NULL);
    if (ba) {
        /* 3000 bytes: fragmented by a to 1500, the router cannot forward 1500 into 1280 */
        int rc = scene_cmd_wait(n.w, n.a, NULL, 10 * SEC, "ping %s -c 3 -s 3000 -i 200", s6(&ba->addr));
        T_EQ(rc, 0);
        T_CHECK(CTR_GET(n.r, ip6, drop_too_big) >= 1);
        T_CHECK(CTR_GET(n.a, icmp6, in_ptb) >= 1);
        T_EQ(pmtu6_get(n.a, &ba->addr, 1500), 1280);
        T_CHECK(CTR_GET(n.b, frag6, reassembled) >= 2);
        T_CHECK(CTR_GET(n.a, frag6, reassembled) >= 2);
    }
    net_down(&n);
}

TEST(reassembly_survives_reorder_and_duplication)
{
    struct net n;
    net_up(&n, 0);
    struct sim_link_params lossy = { .delay_ns = 1 * MS, .jitter_ns = 3 * MS, .dup = 0.2, .reorder = 0.3 };
    sim_link_set_params(n.l1, &lossy);
    sim_link_set_params(n.l2, &lossy);
    const struct in6_ifaddr *ba = slaac_addr(n.b, "eth0", "2001:db8:2::");
    T_CHECK(ba != NULL);
    if (ba) {
        T_EQ(scene_cmd_wait(n.w, n.a, NULL, 20 * SEC, "ping %s -c 10 -s 6000 -i 50", s6(&ba->addr)), 0);
        T_CHECK(CTR_GET(n.b, frag6, reassembled) >= 8);
        T_CHECK(CTR_GET(n.b, frag6, drop_dup) + CTR_GET(n.a, frag6, drop_dup) >= 1);
        T_EQ(CTR_GET(n.b, frag6, drop_overlap), 0);
    }
    net_down(&n);
}

/* hometun depends on it: an unsolicited NA with the Override flag moves the
 * neighbor to the new link-layer address at once (RFC 4861 §7.2.5). */
TEST(unsolicited_override_na_moves_neighbor)
{
    struct net n;
    net_up(&n, 0);
    struct in6_addr rl1;
    inet_pton(AF_INET6, "2001:db8:1::1", &rl1);
    T_EQ(scene_cmd_wait(n.w, n.a, NULL, 5 * SEC, "ping 2001:db8:1::1 -c 1"), 0);
    struct nd_entry *e = nd6_lookup(n.a, if_find(n.a, "eth0"), &rl1);
    T_CHECK(e != NULL);
    if (e) {
        struct ifnet *r0 = if_find(n.r, "eth0");
        struct eth_addr nm = { { 0x02, 0x11, 0x22, 0x33, 0x44, 0x55 } };
        static const struct in6_addr all_nodes = { .s6_addr = { 0xff, 0x02, [15] = 1 } };
        r0->hwaddr = nm;
        nd6_na_output(r0, &all_nodes, &rl1, false, true, true);
        sim_run_for(n.w, 10 * MS);
        T_MEMEQ(e->lladdr.b, nm.b, 6);
        T_EQ(e->state, ND_STALE);
        T_EQ(CTR_GET(n.a, nd6, override_applied), 1);
        T_EQ(scene_cmd_wait(n.w, n.a, NULL, 5 * SEC, "ping 2001:db8:1::1 -c 1"), 0);
        /* without the Override flag a different address does not replace it */
        struct eth_addr om = { { 0x02, 0x66, 0x66, 0x66, 0x66, 0x66 } };
        r0->hwaddr = om;
        nd6_na_output(r0, &all_nodes, &rl1, false, false, true);
        sim_run_for(n.w, 10 * MS);
        T_MEMEQ(e->lladdr.b, nm.b, 6);
        r0->hwaddr = nm;
    }
    net_down(&n);
}

/* A router forwarding back out of the arrival link tells the host of the
 * better first hop (RFC 4861 §8); the host then goes direct. */
TEST(redirect_to_onlink_neighbor)
{
    struct net n;
    net_up(&n, 0);
    struct six_stack *c = sim_stack(n.w, "c", 4, 2048);
    sim_attach(n.l1, c, "eth0", NULL);
    T_EQ(scene_cmd(c, NULL, "set accept_ra off dev eth0"), 0);
    T_EQ(scene_cmd(c, NULL, "link set eth0 up"), 0);
    T_EQ(scene_cmd(c, NULL, "addr add 2001:db8:1::c/128 dev eth0"), 0);   /* knows no on-link prefix */
    char rll[INET6_ADDRSTRLEN];
    sim_run_for(n.w, 2 * SEC);
    inet_ntop(AF_INET6, in6_linklocal(if_find(n.r, "eth0")), rll, sizeof rll);
    T_EQ(scene_cmd(c, NULL, "route add default via %s%%eth0", rll), 0);
    const struct in6_ifaddr *aa = slaac_addr(n.a, "eth0", "2001:db8:1::");
    T_CHECK(aa != NULL);
    if (aa) {
        T_EQ(scene_cmd_wait(n.w, c, NULL, 5 * SEC, "ping %s -c 1", s6(&aa->addr)), 0);
        T_EQ(CTR_GET(n.r, nd6, out_redirect), 1);
        T_EQ(CTR_GET(c, nd6, in_redirect), 1);
        T_CHECK(route6_get(c, &aa->addr, 128) != NULL);
        uint64_t fwd = CTR_GET(n.r, ip6, forwarded);
        T_EQ(scene_cmd_wait(n.w, c, NULL, 5 * SEC, "ping %s -c 2 -i 100", s6(&aa->addr)), 0);
        T_EQ(CTR_GET(n.r, ip6, forwarded), fwd);   /* direct now */
    }
    six_stack_destroy(c);
    net_down(&n);
}

/* SLAAC addresses follow the advertised lifetimes: deprecated after the
 * preferred lifetime, removed after the valid one (RFC 4862 §5.5.4). */
TEST(slaac_lifetimes_deprecate_and_expire)
{
    struct net n;
    net_up(&n, 0);
    T_EQ(scene_cmd(n.r, NULL, "ra dev eth0 prefix 2001:db8:7::/64 valid 20 preferred 10 interval 3 4"), 0);
    sim_run_for(n.w, 5 * SEC);
    const struct in6_ifaddr *ia = slaac_addr(n.a, "eth0", "2001:db8:7::");
    T_CHECK(ia != NULL);
    T_EQ(scene_cmd(n.r, NULL, "ra dev eth0 off"), 0);   /* last RA: lifetimes restart from here */
    sim_run_for(n.w, 9 * SEC);
    T_CHECK(ia && ia->in_use && !(ia->flags & IN6_IFF_DEPRECATED));
    sim_run_for(n.w, 2 * SEC);
    T_CHECK(ia && ia->in_use && (ia->flags & IN6_IFF_DEPRECATED));
    sim_run_for(n.w, 10 * SEC);
    T_CHECK(slaac_addr(n.a, "eth0", "2001:db8:7::") == NULL);
    T_CHECK(CTR_GET(n.a, addrconf, expired) >= 1);
    /* the default router is gone too (router lifetime 0 in the last RA) */
    T_CHECK(nd6_defrouter_select(n.a) == NULL);
    net_down(&n);
}

int main(void)
{
    RUN(slaac_and_ping_across_router);
    RUN(dad_conflict_detected);
    RUN(nud_walks_states_on_rfc_timers);
    RUN(hop_limit_expiry_time_exceeded);
    RUN(fragmented_ping_and_pmtu);
    RUN(reassembly_survives_reorder_and_duplication);
    RUN(unsolicited_override_na_moves_neighbor);
    RUN(redirect_to_onlink_neighbor);
    RUN(slaac_lifetimes_deprecate_and_expire);
    return t_done();
}
