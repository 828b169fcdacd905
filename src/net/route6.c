/* IPv6 routing: route entries (an array indexed by the LPM table's next-hop
 * index), next-hop resolution with the default router list as fallback, and
 * the path MTU cache (RFC 8201).
 *
 * Caps: ROUTE6_MAX routes (the LPM table refuses more); PMTU6_MAX cached
 * destinations in an open-addressed table probed 8 deep, where a new entry
 * replaces the one of its probe run that expires first. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "net/ip6_var.h"
#include <arpa/inet.h>
#include "core/log.h"

#define PMTU_PROBE 8

static void route6_timer_fn(struct timer *t, void *arg);

int net6_init(struct six_stack *st)
{
    struct net6 *n = calloc(1, sizeof *n);

    if (!n)
        return -ENOMEM;
    st->net6 = n;
    n->rt = rtable6_create(ROUTE6_MAX);
    n->routes = calloc(ROUTE6_ENTRIES_INIT, sizeof *n->routes);
    n->n_routes_alloc = ROUTE6_ENTRIES_INIT;
    for (unsigned i = 0; i < ND_CACHE_MAX; i++)
        n->nd_hash[i] = -1;
    addrsel_default_table(&n->policy);
    n->err_rate_per_s = 100;
    n->err_burst = 20;
    n->err_tokens_ms = (uint64_t)n->err_burst * 1000;
    timer_init(&n->route_timer, route6_timer_fn, st);
    if (!n->rt || !n->routes || frag6_init(st))
        return -ENOMEM;
    timer_arm(st->tw, &n->route_timer, NS_PER_SEC);
    return 0;
}

void net6_destroy(struct six_stack *st)
{
    struct net6 *n = st->net6;

    if (!n)
        return;
    timer_cancel(&n->route_timer);
    for (unsigned i = 0; i < ND_CACHE_MAX; i++) {
        timer_cancel(&n->nd[i].timer);
        pktq_purge(&n->nd[i].q);
    }
    frag6_destroy(st);
    if (n->rt)
        rtable6_destroy(n->rt);
    free(n->routes);
    free(n);
    st->net6 = NULL;
}

/* Once a second: expire routers, prefixes, RA routes, RDNSS, PMTU entries. */
static void route6_timer_fn(struct timer *t, void *arg)
{
    struct six_stack *st = arg;

    nd6_rtr_expire(st);
    route6_expire(st);
    timer_arm(st->tw, t, NS_PER_SEC);
}

static int route_slot(struct net6 *n)
{
    for (uint32_t i = 0; i < n->n_routes_alloc; i++)
        if (!n->routes[i].in_use)
            return (int)i;
    if (n->n_routes_alloc >= ROUTE6_MAX)
        return -ENOSPC;
    uint32_t na = n->n_routes_alloc * 2;
    if (na > ROUTE6_MAX)
        na = ROUTE6_MAX;
    struct route6 *r = realloc(n->routes, na * sizeof *r);
    if (!r)
        return -ENOMEM;
    memset(r + n->n_routes_alloc, 0, (na - n->n_routes_alloc) * sizeof *r);
    int slot = (int)n->n_routes_alloc;
    n->routes = r;
    n->n_routes_alloc = na;
    return slot;
}

struct route6 *route6_get(struct six_stack *st, const struct in6_addr *prefix, unsigned plen)
{
    uint32_t nh = rtable6_get(st->net6->rt, prefix, plen);

    return nh == RT_NH_NONE ? NULL : &st->net6->routes[nh];
}

int route6_add(struct six_stack *st, const struct in6_addr *prefix, unsigned plen, const struct in6_addr *gw,
               struct ifnet *ifp, uint32_t flags, uint64_t expires_ns)
{
    struct net6 *n = st->net6;
    struct in6_addr masked;

    if (plen > 128 || (!gw && !ifp))
        return -EINVAL;
    if (gw && (in6_is_multicast(gw) || in6_is_unspecified(gw) || (in6_is_linklocal(gw) && !ifp)))
        return -EINVAL;
    in6_mask(prefix, plen, &masked);
    struct route6 *r = route6_get(st, &masked, plen);
    if (!r) {
        int slot = route_slot(n);
        if (slot < 0)
            return slot;
        r = &n->routes[slot];
        int rc = rtable6_insert(n->rt, &masked, plen, (uint32_t)slot);
        if (rc)
            return rc;
        n->n_routes++;
    }
    r->in_use = true;
    r->prefix = masked;
    r->plen = (uint8_t)plen;
    r->flags = flags | (gw ? 0 : RT6_CONNECTED);
    memset(&r->gw, 0, sizeof r->gw);
    if (gw)
        r->gw = *gw;
    r->ifp = ifp;
    r->expires_ns = expires_ns;
    return 0;
}

int route6_del(struct six_stack *st, const struct in6_addr *prefix, unsigned plen)
{
    struct in6_addr masked;

    if (plen > 128)
        return -EINVAL;
    in6_mask(prefix, plen, &masked);
    struct route6 *r = route6_get(st, &masked, plen);
    if (!r)
        return -ENOENT;
    rtable6_delete(st->net6->rt, &masked, plen);
    memset(r, 0, sizeof *r);
    st->net6->n_routes--;
    return 0;
}

/* A gateway's interface: the connected route that covers it. */
static struct ifnet *gw_ifp(struct six_stack *st, const struct in6_addr *gw)
{
    uint32_t nh = rtable6_lookup(st->net6->rt, gw);

    if (nh == RT_NH_NONE)
        return NULL;
    struct route6 *r = &st->net6->routes[nh];
    return (r->flags & RT6_CONNECTED) ? r->ifp : NULL;
}

struct ifnet *route6_onlink_if(struct six_stack *st, const struct in6_addr *a)
{
    struct ifnet *ifp = gw_ifp(st, a);
    if (!ifp && !nd6_is_onlink(st, a, &ifp))
        ifp = NULL;
    return ifp;
}

static bool if_usable(const struct ifnet *ifp)
{
    return ifp && (ifp->flags & IFF6_UP);
}

int route6_resolve(struct six_stack *st, const struct in6_addr *dst, struct ifnet *scope_ifp,
                   struct ifnet **ifp, struct in6_addr *nexthop)
{
    if (in6_is_multicast(dst) || in6_is_linklocal(dst)) {
        if (!if_usable(scope_ifp))
            return -EHOSTUNREACH;
        *ifp = scope_ifp;
        *nexthop = *dst;
        return 0;
    }
    uint32_t nh = rtable6_lookup(st->net6->rt, dst);
    if (nh != RT_NH_NONE) {
        struct route6 *r = &st->net6->routes[nh];
        if (r->flags & RT6_REJECT)
            return -EHOSTUNREACH;
        *nexthop = (r->flags & RT6_CONNECTED) ? *dst : r->gw;
        *ifp = r->ifp ? r->ifp : gw_ifp(st, &r->gw);
        return if_usable(*ifp) ? 0 : -ENETUNREACH;
    }
    struct nd_router *dr = nd6_defrouter_select(st);
    if (!dr)
        return -ENETUNREACH;
    *ifp = dr->ifp;
    *nexthop = dr->addr;
    return if_usable(*ifp) ? 0 : -ENETUNREACH;
}

void route6_purge_if(struct ifnet *ifp)
{
    struct net6 *n = ifp->st->net6;

    for (uint32_t i = 0; i < n->n_routes_alloc; i++)
        if (n->routes[i].in_use && n->routes[i].ifp == ifp)
            route6_del(ifp->st, &n->routes[i].prefix, n->routes[i].plen);
}

struct walk6_ctx { struct six_stack *st; int (*cb)(void *, const struct route6 *); void *ctx; };

static int walk6_cb(void *c, const struct in6_addr *prefix, unsigned plen, uint32_t nh)
{
    struct walk6_ctx *w = c;
    (void)prefix; (void)plen;
    return w->cb(w->ctx, &w->st->net6->routes[nh]);
}

int route6_walk(struct six_stack *st, int (*cb)(void *ctx, const struct route6 *r), void *ctx)
{
    struct walk6_ctx w = { st, cb, ctx };
    return rtable6_walk(st->net6->rt, walk6_cb, &w);
}

void route6_expire(struct six_stack *st)
{
    struct net6 *n = st->net6;
    uint64_t now = six_now(st);

    for (uint32_t i = 0; i < n->n_routes_alloc; i++) {
        struct route6 *r = &n->routes[i];
        if (r->in_use && r->expires_ns && r->expires_ns <= now)
            route6_del(st, &r->prefix, r->plen);
    }
    for (unsigned i = 0; i < PMTU6_MAX; i++)
        if (n->pmtu[i].in_use && n->pmtu[i].expires_ns <= now)
            n->pmtu[i].in_use = false;
}

/* --- path MTU cache --- */

static unsigned pmtu_hash(const struct in6_addr *a)
{
    uint32_t h = 2166136261u;
    for (int i = 0; i < 16; i++)
        h = (h ^ a->s6_addr[i]) * 16777619u;
    return h % PMTU6_MAX;
}

uint32_t pmtu6_get(struct six_stack *st, const struct in6_addr *dst, uint32_t link_mtu)
{
    struct net6 *n = st->net6;
    unsigned h = pmtu_hash(dst);

    for (unsigned i = 0; i < PMTU_PROBE; i++) {
        struct pmtu6 *e = &n->pmtu[(h + i) % PMTU6_MAX];
        if (e->in_use && in6_eq(&e->dst, dst))
            return e->mtu < link_mtu ? e->mtu : link_mtu;
    }
    return link_mtu;
}

void pmtu6_update(struct six_stack *st, const struct in6_addr *dst, uint32_t mtu)
{
    struct net6 *n = st->net6;
    unsigned h = pmtu_hash(dst);
    struct pmtu6 *victim = NULL;

    if (mtu < IP6_MIN_MTU)
        mtu = IP6_MIN_MTU;   /* RFC 8201 §4: never below the IPv6 minimum */
    for (unsigned i = 0; i < PMTU_PROBE; i++) {
        struct pmtu6 *e = &n->pmtu[(h + i) % PMTU6_MAX];
        if (e->in_use && in6_eq(&e->dst, dst)) {
            victim = e;
            break;
        }
        if (!e->in_use && (!victim || victim->in_use))
            victim = e;
        else if (victim && victim->in_use && e->in_use && e->expires_ns < victim->expires_ns)
            victim = e;
    }
    if (victim->in_use && in6_eq(&victim->dst, dst) && victim->mtu <= mtu)
        return;   /* PTB may only lower the estimate */
    victim->in_use = true;
    victim->dst = *dst;
    victim->mtu = mtu;
    victim->expires_ns = six_now(st) + PMTU_EXPIRE_MS * NS_PER_MS;
    char b[INET6_ADDRSTRLEN];
    six_trace(st, "path MTU to %s is now %u", inet_ntop(AF_INET6, dst, b, sizeof b), mtu);
}
