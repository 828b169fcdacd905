/* IPv4 addresses and the IPv4 side of an interface's life; the stack's
 * IPv4 state (struct net4) is created and torn down here.
 *
 * Addresses: at most IN4_MAX_ADDRS_PER_IF per interface, the first added is
 * the primary. An address is unique in the stack (weak host model: a packet
 * to any of our addresses is ours, whatever interface it came in on).
 * Adding an address installs its connected route; deleting it removes the
 * route unless another address on the interface covers the same prefix. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "net/ip4_priv.h"
#include "net/gif.h"

int net4_init(struct six_stack *st)
{
    struct net4 *n = calloc(1, sizeof *n);

    if (!n)
        return -ENOMEM;
    n->st = st;
    st->net4 = n;
    n->icmp_tokens = ICMP4_ERR_BURST;
    n->arp_salt = six_random_secure(st);
    pktq_init(&n->loq);
    arp_init(n);
    if (route4_init(n) || frag4_init(n) || ip4_id_init(st)) {
        net4_destroy(st);
        return -ENOMEM;
    }
    return 0;
}

void net4_destroy(struct six_stack *st)
{
    struct net4 *n = st->net4;

    if (!n)
        return;
    timer_cancel(&n->lo_timer);
    pktq_purge(&n->loq);
    arp_destroy(n);
    frag4_destroy(n);
    route4_destroy(n);
    ip4_id_destroy(st);
    free(n);
    st->net4 = NULL;
}

int in4_if_attach(struct ifnet *ifp)
{
    struct in_ifinfo *ii = calloc(1, sizeof *ii);

    if (!ii)
        return -ENOMEM;
    ii->ifp = ifp;
    ifp->in4 = ii;
    return 0;
}

void in4_if_detach(struct ifnet *ifp)
{
    struct six_stack *st = ifp->st;

    if (!ifp->in4)
        return;
    if (st->net4) {
        route4_purge_if(st, ifp);
        arp_purge_if(st->net4, ifp);
        frag4_purge_if(st->net4, ifp);
        ip4_loop_purge_if(st, ifp);
    }
    free(ifp->in4);
    ifp->in4 = NULL;
}

/* Loopback gets 127.0.0.1/8 as Linux does. On Ethernet, announce our
 * addresses so that neighbours holding an old mapping (we may
 * have a new MAC, or the address moved here) update it (RFC 5227 §3). */
void in4_if_up(struct ifnet *ifp)
{
    struct in_ifinfo *ii = ifp->in4;

    if (ii && ifp->type == IFT_LOOP && !ii->naddrs) {
        in4_addr_add(ifp, (struct in_addr){ htonl(INADDR_LOOPBACK) }, 8);
        return;
    }
    if (!ii || ifp->type != IFT_ETHER)
        return;
    for (unsigned i = 0; i < ii->naddrs; i++)
        arp_gratuitous(ifp, ii->addrs[i].addr);
}

/* Neighbours learned on a link that went down may be gone when it returns. */
void in4_if_down(struct ifnet *ifp)
{
    if (ifp->st->net4)
        arp_purge_if(ifp->st->net4, ifp);
}

struct in4_ifaddr *in4_ifa_find(struct six_stack *st, struct in_addr a, struct ifnet **ifpp)
{
    for (unsigned i = 0; i < SIX_MAX_IFS; i++) {
        struct ifnet *ifp = st->ifs[i];
        struct in_ifinfo *ii = ifp ? ifp->in4 : NULL;

        if (!ii)
            continue;
        for (unsigned k = 0; k < ii->naddrs; k++)
            if (ii->addrs[k].addr.s_addr == a.s_addr) {
                if (ifpp)
                    *ifpp = ifp;
                return &ii->addrs[k];
            }
    }
    return NULL;
}

bool in4_is_local(struct six_stack *st, struct in_addr a)
{
    return in4_ifa_find(st, a, NULL) != NULL;
}

bool in4_is_bcast_on(const struct ifnet *ifp, struct in_addr a)
{
    const struct in_ifinfo *ii = ifp ? ifp->in4 : NULL;

    if (in4_is_broadcast(a))
        return true;
    if (!ii)
        return false;
    for (unsigned k = 0; k < ii->naddrs; k++)
        if (ii->addrs[k].plen <= 30 && ii->addrs[k].bcast.s_addr == a.s_addr)
            return true;
    return false;
}

bool in4_is_bcast_any(struct six_stack *st, struct in_addr a)
{
    if (in4_is_broadcast(a))
        return true;
    for (unsigned i = 0; i < SIX_MAX_IFS; i++)
        if (st->ifs[i] && in4_is_bcast_on(st->ifs[i], a))
            return true;
    return false;
}

static int in4_addr_check(const struct ifnet *ifp, struct in_addr a, unsigned plen)
{
    uint32_t m = in4_mask(plen);

    if (plen > 32 || in4_is_any(a) || in4_is_multicast(a) || in4_is_broadcast(a))
        return -EINVAL;
    if ((ntohl(a.s_addr) >> 28) == 0xf)                     /* class E, reserved */
        return -EINVAL;
    if (in4_is_loopback(a) != (ifp->type == IFT_LOOP))     /* 127/8 lives on lo only */
        return -EINVAL;
    /* The network and broadcast addresses of a subnet are not host addresses
     * (RFC 1122 §3.2.1.3); /31 (RFC 3021) and /32 have neither. */
    if (plen <= 30 && ((a.s_addr & ~m) == 0 || (a.s_addr & ~m) == ~m))
        return -EINVAL;
    return 0;
}

int in4_addr_add(struct ifnet *ifp, struct in_addr a, unsigned plen)
{
    struct six_stack *st = ifp->st;
    struct in_ifinfo *ii = ifp->in4;
    int rc;

    if (!ii)
        return -EINVAL;
    if ((rc = in4_addr_check(ifp, a, plen)))
        return rc;
    if (in4_is_local(st, a))
        return -EEXIST;
    if (ii->naddrs >= IN4_MAX_ADDRS_PER_IF)
        return -ENOSPC;
    struct in4_ifaddr *ifa = &ii->addrs[ii->naddrs];
    ifa->addr = a;
    ifa->plen = (uint8_t)plen;
    ifa->mask.s_addr = in4_mask(plen);
    ifa->bcast.s_addr = plen <= 30 ? (a.s_addr | ~ifa->mask.s_addr) : 0;
    struct in_addr net = { a.s_addr & ifa->mask.s_addr };
    rc = route4_add(st, net, plen, NULL, ifp, RT4_CONNECTED);
    if (rc && rc != -EEXIST)
        return rc;
    ii->naddrs++;
    six_event(st, LOG_INFO, "%s: inet %s/%u added", ifp->name, in4_ntop(a, (char[IN4_STRLEN]){0}), plen);
    if ((ifp->flags & IFF6_UP) && ifp->type == IFT_ETHER)
        arp_gratuitous(ifp, a);
    gif_addr4_changed(st);
    return 0;
}

/* Another address on ifp covering the same prefix keeps the route alive. */
static bool in4_prefix_still_used(const struct in_ifinfo *ii, struct in_addr net, unsigned plen)
{
    for (unsigned k = 0; k < ii->naddrs; k++)
        if (ii->addrs[k].plen == plen && (ii->addrs[k].addr.s_addr & in4_mask(plen)) == net.s_addr)
            return true;
    return false;
}

static void in4_connected_del(struct six_stack *st, struct ifnet *ifp, struct in_addr net, unsigned plen)
{
    const struct rt4_entry *rt;
    struct in_addr probe = net;

    if (in4_prefix_still_used(ifp->in4, net, plen))
        return;
    rt = route4_lookup(st, probe);
    /* Only our own connected route: a static route of the same prefix stays. */
    if (rt && (rt->flags & RT4_CONNECTED) && rt->ifp == ifp && rt->plen == plen &&
        rt->prefix.s_addr == net.s_addr)
        route4_del(st, net, plen);
}

int in4_addr_del(struct ifnet *ifp, struct in_addr a)
{
    struct in_ifinfo *ii = ifp->in4;

    if (!ii)
        return -ENOENT;
    for (unsigned k = 0; k < ii->naddrs; k++) {
        if (ii->addrs[k].addr.s_addr != a.s_addr)
            continue;
        unsigned plen = ii->addrs[k].plen;
        struct in_addr net = { a.s_addr & ii->addrs[k].mask.s_addr };
        memmove(&ii->addrs[k], &ii->addrs[k + 1], (ii->naddrs - k - 1) * sizeof ii->addrs[0]);
        ii->naddrs--;
        in4_connected_del(ifp->st, ifp, net, plen);
        route4_prune_gw(ifp->st, ifp);
        six_event(ifp->st, LOG_INFO, "%s: inet %s/%u deleted", ifp->name, in4_ntop(a, (char[IN4_STRLEN]){0}), plen);
        gif_addr4_changed(ifp->st);   /* a hometun client moves off the address */
        return 0;
    }
    return -ENOENT;
}

int in4_addr_walk(struct six_stack *st, int (*cb)(void *ctx, struct ifnet *ifp, struct in_addr a, unsigned plen),
                  void *ctx)
{
    for (unsigned i = 0; i < SIX_MAX_IFS; i++) {
        struct ifnet *ifp = st->ifs[i];

        if (!ifp || !ifp->in4)
            continue;
        for (unsigned k = 0; k < ifp->in4->naddrs; k++) {
            int rc = cb(ctx, ifp, ifp->in4->addrs[k].addr, ifp->in4->addrs[k].plen);
            if (rc)
                return rc;
        }
    }
    return 0;
}

/* The address of ifp on dst's subnet (longest prefix first), else ifp's
 * primary address. NULL if ifp has none. */
static const struct in4_ifaddr *in4_ifa_for(const struct ifnet *ifp, struct in_addr dst)
{
    const struct in_ifinfo *ii = ifp->in4;
    const struct in4_ifaddr *best = NULL;

    if (!ii || !ii->naddrs)
        return NULL;
    for (unsigned k = 0; k < ii->naddrs; k++) {
        const struct in4_ifaddr *ifa = &ii->addrs[k];
        if ((dst.s_addr & ifa->mask.s_addr) == (ifa->addr.s_addr & ifa->mask.s_addr) &&
            (!best || ifa->plen > best->plen))
            best = ifa;
    }
    return best ? best : &ii->addrs[0];
}

bool in4_ifaddr_for(const struct ifnet *ifp, struct in_addr dst, struct in_addr *src)
{
    const struct in4_ifaddr *ifa = in4_ifa_for(ifp, dst);

    if (ifa)
        *src = ifa->addr;
    return ifa != NULL;
}

/* Source selection (RFC 1122 §3.3.4.3, "the address of the outgoing
 * interface"): ifp (or the route's interface), best prefix match there;
 * failing that any non-loopback address of the stack (weak host). */
int in4_selectsrc(struct six_stack *st, struct in_addr dst, struct ifnet *ifp, struct in_addr *src)
{
    const struct in4_ifaddr *ifa;

    if (!ifp) {
        const struct rt4_entry *rt = route4_lookup(st, dst);
        if (rt)
            ifp = rt->ifp;
    }
    if (ifp && (ifa = in4_ifa_for(ifp, dst))) {
        *src = ifa->addr;
        return 0;
    }
    if (ifp)   /* an interface that gets its address on demand (the DTI's dti0) hears of it */
        six_net_event(st, ifp, SIX_NE_V4_NOSRC, NULL);
    for (unsigned i = 0; i < SIX_MAX_IFS; i++) {
        struct ifnet *o = st->ifs[i];
        if (o && o->type != IFT_LOOP && o->in4 && o->in4->naddrs) {
            *src = o->in4->addrs[0].addr;
            return 0;
        }
    }
    return -EADDRNOTAVAIL;
}
