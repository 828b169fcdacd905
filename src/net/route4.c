/* IPv4 routing table: the longest-prefix match lives in rtable4 (see
 * net/rtable.h, docs/ROUTING.md); it maps a prefix to an index into an
 * array of route entries kept here (gateway, interface, flags). Entries are
 * recycled through a free list; the array doubles when full, up to
 * ROUTE4_MAX, so pointers returned by route4_lookup() are valid only until
 * the next route4_add().
 *
 * Rules: a gateway must be on a connected network (its longest match is a
 * connected route), else -ENETUNREACH; when that network goes away (address
 * deleted, interface detached) the routes through it go too, as in Linux. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "net/ip4_priv.h"

int route4_init(struct net4 *n)
{
    n->rt = rtable4_create(ROUTE4_MAX);
    n->rte = calloc(ROUTE4_ENTRIES_INIT, sizeof *n->rte);
    if (!n->rt || !n->rte)
        return -ENOMEM;
    n->rte_cap = ROUTE4_ENTRIES_INIT;
    n->rte_free = RT_NH_NONE;
    for (uint32_t i = n->rte_cap; i-- > 0;) {
        n->rte[i].next_free = n->rte_free;
        n->rte_free = i;
    }
    return 0;
}

void route4_destroy(struct net4 *n)
{
    if (n->rt)
        rtable4_destroy(n->rt);
    free(n->rte);
    n->rt = NULL;
    n->rte = NULL;
}

static int rte_grow(struct net4 *n)
{
    uint32_t ncap = n->rte_cap * 2;
    struct rt4_entry *r;

    if (n->rte_cap >= ROUTE4_MAX)
        return -ENOSPC;
    if (ncap > ROUTE4_MAX)
        ncap = ROUTE4_MAX;
    r = realloc(n->rte, (size_t)ncap * sizeof *r);
    if (!r)
        return -ENOMEM;
    memset(r + n->rte_cap, 0, (size_t)(ncap - n->rte_cap) * sizeof *r);
    for (uint32_t i = ncap; i-- > n->rte_cap;) {
        r[i].next_free = n->rte_free;
        n->rte_free = i;
    }
    n->rte = r;
    n->rte_cap = ncap;
    return 0;
}

static int rte_alloc(struct net4 *n, uint32_t *idx)
{
    int rc;

    if (n->rte_free == RT_NH_NONE && (rc = rte_grow(n)))
        return rc;
    *idx = n->rte_free;
    n->rte_free = n->rte[*idx].next_free;
    memset(&n->rte[*idx], 0, sizeof n->rte[0]);
    n->rte[*idx].used = true;
    return 0;
}

static void rte_release(struct net4 *n, uint32_t idx)
{
    n->rte[idx].used = false;
    n->rte[idx].next_free = n->rte_free;
    n->rte_free = idx;
}

struct ifnet *route4_onlink_if(struct six_stack *st, struct in_addr a)
{
    const struct rt4_entry *rt = route4_lookup(st, a);
    return rt && !rt->has_gw ? rt->ifp : NULL;
}

struct ifnet *route4_out_if(struct six_stack *st, struct in_addr a)
{
    const struct rt4_entry *rt = route4_lookup(st, a);
    return rt ? rt->ifp : NULL;
}

uint32_t route4_if_mtu(struct six_stack *st, struct in_addr dst)
{
    const struct rt4_entry *rt = route4_lookup(st, dst);
    return rt && rt->ifp ? ip4_if_mtu(rt->ifp) : 1500;
}

const struct rt4_entry *route4_lookup(struct six_stack *st, struct in_addr dst)
{
    struct net4 *n = st->net4;
    uint32_t nh = rtable4_lookup(n->rt, &dst);

    return nh < n->rte_cap && n->rte[nh].used ? &n->rte[nh] : NULL;
}

/* The gateway must be a neighbour: its longest match is a connected route. */
static int route4_gw_check(struct six_stack *st, struct in_addr gw, struct ifnet **ifpp)
{
    const struct rt4_entry *rt = route4_lookup(st, gw);

    if (in4_is_any(gw) || in4_is_multicast(gw) || in4_is_broadcast(gw) || in4_is_local(st, gw))
        return -EINVAL;
    if (!rt || !(rt->flags & RT4_CONNECTED) || (*ifpp && *ifpp != rt->ifp))
        return -ENETUNREACH;
    *ifpp = rt->ifp;
    return 0;
}

int route4_add(struct six_stack *st, struct in_addr prefix, unsigned plen, const struct in_addr *gw,
               struct ifnet *ifp, uint32_t flags)
{
    struct net4 *n = st->net4;
    uint32_t idx;
    int rc;

    if (plen > 32 || (!gw && !ifp))
        return -EINVAL;
    prefix.s_addr &= in4_mask(plen);
    if (gw && (rc = route4_gw_check(st, *gw, &ifp)))
        return rc;
    if (rtable4_get(n->rt, &prefix, plen) != RT_NH_NONE)
        return -EEXIST;
    if ((rc = rte_alloc(n, &idx)))
        return rc;
    struct rt4_entry *r = &n->rte[idx];
    r->prefix = prefix;
    r->plen = (uint8_t)plen;
    r->has_gw = gw != NULL;
    if (gw)
        r->gw = *gw;
    r->ifp = ifp;
    r->flags = flags ? flags : RT4_STATIC;
    if ((rc = rtable4_insert(n->rt, &prefix, plen, idx))) {
        rte_release(n, idx);
        return rc;
    }
    return 0;
}

/* route add's sibling for `route replace`: the entry changes in place
 * (created when absent), so a refused gateway leaves the old route. */
int route4_replace(struct six_stack *st, struct in_addr prefix, unsigned plen, const struct in_addr *gw,
                   struct ifnet *ifp, uint32_t flags)
{
    struct net4 *n = st->net4;
    int rc;

    if (plen > 32 || (!gw && !ifp))
        return -EINVAL;
    prefix.s_addr &= in4_mask(plen);
    if (gw && (rc = route4_gw_check(st, *gw, &ifp)))
        return rc;
    uint32_t idx = rtable4_get(n->rt, &prefix, plen);
    if (idx == RT_NH_NONE || idx >= n->rte_cap)
        return route4_add(st, prefix, plen, gw, ifp, flags);
    struct rt4_entry *r = &n->rte[idx];
    r->has_gw = gw != NULL;
    memset(&r->gw, 0, sizeof r->gw);
    if (gw)
        r->gw = *gw;
    r->ifp = ifp;
    r->flags = flags ? flags : RT4_STATIC;
    return 0;
}

int route4_del(struct six_stack *st, struct in_addr prefix, unsigned plen)
{
    struct net4 *n = st->net4;
    uint32_t idx;
    int rc;

    if (plen > 32)
        return -EINVAL;
    prefix.s_addr &= in4_mask(plen);
    idx = rtable4_get(n->rt, &prefix, plen);
    if (idx == RT_NH_NONE || idx >= n->rte_cap)
        return -ENOENT;
    if ((rc = rtable4_delete(n->rt, &prefix, plen)))
        return rc;
    rte_release(n, idx);
    return 0;
}

struct route4_walk_ctx {
    struct net4 *n;
    int (*cb)(void *ctx, struct in_addr prefix, unsigned plen, const struct in_addr *gw,
              struct ifnet *ifp, uint32_t flags);
    void *ctx;
};

static int route4_walk_one(void *vctx, const struct in_addr *prefix, unsigned plen, uint32_t nh)
{
    struct route4_walk_ctx *w = vctx;
    const struct rt4_entry *r;

    if (nh >= w->n->rte_cap || !w->n->rte[nh].used)
        return 0;
    r = &w->n->rte[nh];
    return w->cb(w->ctx, *prefix, plen, r->has_gw ? &r->gw : NULL, r->ifp, r->flags);
}

int route4_walk(struct six_stack *st, int (*cb)(void *ctx, struct in_addr prefix, unsigned plen,
                const struct in_addr *gw, struct ifnet *ifp, uint32_t flags), void *ctx)
{
    struct route4_walk_ctx w = { st->net4, cb, ctx };

    return rtable4_walk(st->net4->rt, route4_walk_one, &w);
}

/* Remove every route using ifp (the interface is going away). */
void route4_purge_if(struct six_stack *st, struct ifnet *ifp)
{
    struct net4 *n = st->net4;

    for (uint32_t i = 0; i < n->rte_cap; i++)
        if (n->rte[i].used && n->rte[i].ifp == ifp)
            route4_del(st, n->rte[i].prefix, n->rte[i].plen);
}

/* After a connected network disappeared from ifp: drop the routes whose
 * gateway is no longer reachable on it. */
void route4_prune_gw(struct six_stack *st, struct ifnet *ifp)
{
    struct net4 *n = st->net4;

    for (uint32_t i = 0; i < n->rte_cap; i++) {
        struct rt4_entry *r = &n->rte[i];
        const struct rt4_entry *c;

        if (!r->used || !r->has_gw || r->ifp != ifp)
            continue;
        c = route4_lookup(st, r->gw);
        if (!c || !(c->flags & RT4_CONNECTED) || c->ifp != ifp)
            route4_del(st, r->prefix, r->plen);
    }
}
