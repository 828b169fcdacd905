/* Neighbor cache and Neighbor Solicitation / Advertisement (RFC 4861 §7).
 *
 * The cache is a fixed array of ND_CACHE_MAX entries hashed by (interface,
 * address). When it is full, a new entry evicts the oldest INCOMPLETE entry
 * (or, failing that, the least recently used one); each eviction counts
 * nd6.cache_evicted. Packets awaiting resolution are queued,
 * ND_QUEUE_PER_ENTRY per neighbor (the oldest is dropped) and ND_QUEUE_TOTAL in
 * all. NUD: INCOMPLETE → REACHABLE → STALE → DELAY → PROBE → (gone), on the
 * RFC's timers, per interface parameters (ReachableTime, RetransTimer). */
#include <errno.h>
#include <string.h>
#include <arpa/inet.h>
#include "net/ip6_var.h"
#include "net/gif.h"
#include "net/ether.h"
#include "wire/icmp6.h"
#include "wire/ether.h"
#include "wire/ip6ext.h"
#include "core/log.h"

static const struct in6_addr all_nodes = { .s6_addr = { 0xff, 0x02, [15] = 1 } };

static void nd_timer_fn(struct timer *t, void *arg);

const char *nd6_state_name(int s)
{
    static const char *n[] = { "NOSTATE", "INCOMPLETE", "REACHABLE", "STALE", "DELAY", "PROBE", "PERMANENT" };
    return s >= 0 && s <= ND_PERMANENT ? n[s] : "?";
}

uint32_t nd6_random_reachable(struct six_stack *st, uint32_t base_ms)
{
    uint32_t lo = base_ms * ND_MIN_RANDOM_FACTOR_PCT / 100, hi = base_ms * ND_MAX_RANDOM_FACTOR_PCT / 100;
    return lo + six_random_jitter_below(st, hi - lo + 1);
}

int nd6_if_lladdr(struct ifnet *ifp, const uint8_t **lla, size_t *len)
{
    if (gif_lladdr(ifp, lla, len))   /* hometun: an IPv4 tunnel end's link-layer address is its IPv4 address */
        return 0;
    if (ifp->type != IFT_ETHER) {
        *lla = NULL;
        *len = 0;
        return -1;
    }
    *lla = ifp->hwaddr.b;
    *len = 6;
    return 0;
}

static unsigned nd_hash(const struct ifnet *ifp, const struct in6_addr *a)
{
    return in6_hash(a, ifp->index) % ND_CACHE_MAX;
}

struct nd_entry *nd6_lookup(struct six_stack *st, struct ifnet *ifp, const struct in6_addr *a)
{
    struct net6 *n = st->net6;

    for (int32_t i = n->nd_hash[nd_hash(ifp, a)]; i >= 0; i = n->nd[i].hnext)
        if (n->nd[i].ifp == ifp && in6_eq(&n->nd[i].addr, a))
            return &n->nd[i];
    return NULL;
}

static void nd_unlink(struct net6 *n, struct nd_entry *e)
{
    int32_t idx = (int32_t)(e - n->nd);
    int32_t *pp = &n->nd_hash[nd_hash(e->ifp, &e->addr)];

    while (*pp >= 0 && *pp != idx)
        pp = &n->nd[*pp].hnext;
    if (*pp == idx)
        *pp = e->hnext;
}

static void nd_free(struct six_stack *st, struct nd_entry *e)
{
    struct net6 *n = st->net6;

    timer_cancel(&e->timer);
    n->nd_queued -= e->q.n;
    pktq_purge(&e->q);
    nd_unlink(n, e);
    e->in_use = false;
    n->nd_count--;
}

/* The entry a new one replaces when the cache is full: the oldest INCOMPLETE
 * entry first — a flood of packets to unused addresses (RFC 6583) then only
 * churns through unresolved entries and never pushes out the neighbors in
 * use — else the least recently used one. */
static struct nd_entry *nd_victim(struct net6 *n)
{
    struct nd_entry *best = NULL;

    for (unsigned i = 0; i < ND_CACHE_MAX; i++) {
        struct nd_entry *e = &n->nd[i];
        bool e_inc = e->state == ND_INCOMPLETE;
        if (e->state == ND_PERMANENT)
            continue;
        if (!best || (e_inc && best->state != ND_INCOMPLETE) ||
            ((best->state == ND_INCOMPLETE) == e_inc && e->last_used_ns < best->last_used_ns))
            best = e;
    }
    return best;
}

static struct nd_entry *nd_alloc(struct six_stack *st, struct ifnet *ifp, const struct in6_addr *a)
{
    struct net6 *n = st->net6;
    struct nd_entry *e = NULL;

    if (n->nd_count >= ND_CACHE_MAX) {
        if (!(e = nd_victim(n)))
            return NULL;
        nd_free(st, e);
        CTR_INC(st, nd6, cache_evicted);
    } else {
        for (unsigned i = 0; i < ND_CACHE_MAX && !e; i++)
            if (!n->nd[i].in_use)
                e = &n->nd[i];
    }
    if (!e)
        return NULL;
    memset(e, 0, sizeof *e);
    e->in_use = true;
    e->ifp = ifp;
    e->addr = *a;
    e->last_used_ns = e->updated_ns = six_now(st);
    timer_init(&e->timer, nd_timer_fn, e);
    pktq_init(&e->q);
    unsigned h = nd_hash(ifp, a);
    e->hnext = n->nd_hash[h];
    n->nd_hash[h] = (int32_t)(e - n->nd);
    n->nd_count++;
    return e;
}

void nd6_purge_if(struct ifnet *ifp)
{
    struct net6 *n = ifp->st->net6;

    for (unsigned i = 0; i < ND_CACHE_MAX; i++)
        if (n->nd[i].in_use && n->nd[i].ifp == ifp)
            nd_free(ifp->st, &n->nd[i]);
}

static void nd_set_state(struct nd_entry *e, int state)
{
    struct six_stack *st = e->ifp->st;
    struct in6_ifinfo *ii = e->ifp->in6;

    e->state = (uint8_t)state;
    e->probes = 0;
    e->updated_ns = six_now(st);
    timer_cancel(&e->timer);
    if (state == ND_REACHABLE)
        timer_arm(st->tw, &e->timer, (uint64_t)ii->reachable_ms * NS_PER_MS);
    else if (state == ND_DELAY)
        timer_arm(st->tw, &e->timer, (uint64_t)ND_DELAY_FIRST_PROBE_TIME * NS_PER_MS);
}

static void nd_transmit(struct nd_entry *e, struct pkt *p)
{
    ether_output(e->ifp, p, &e->lladdr, ETHERTYPE_IP6);
}

static void nd_flush_queue(struct nd_entry *e)
{
    struct pkt *p;

    while ((p = pktq_pop(&e->q))) {
        e->ifp->st->net6->nd_queued--;
        nd_transmit(e, p);
    }
}

static void nd_set_lladdr(struct nd_entry *e, const uint8_t *lla)
{
    memcpy(e->lladdr.b, lla, 6);
}

/* Solicit e's address: multicast while INCOMPLETE, unicast while PROBE. */
static void nd_solicit(struct nd_entry *e)
{
    struct ifnet *ifp = e->ifp;
    struct in6_addr src, dst;

    if (in6_selectsrc(ifp->st, &e->addr, ifp, &src))
        return;
    if (e->state == ND_INCOMPLETE)
        in6_solicited_node(&e->addr, &dst);
    else
        dst = e->addr;
    nd6_ns_output(ifp, &src, &dst, &e->addr, true);
    e->probes++;
    timer_arm(ifp->st->tw, &e->timer, (uint64_t)ifp->in6->retrans_ms * NS_PER_MS);
}

/* Resolution failed: RFC 4861 §7.2.2, ICMPv6 address unreachable for each queued packet. */
static void nd_unreachable(struct nd_entry *e)
{
    struct six_stack *st = e->ifp->st;
    struct pkt *p;
    char b[INET6_ADDRSTRLEN];

    inet_ntop(AF_INET6, &e->addr, b, sizeof b);
    if (e->is_router)   /* the operator wants to know a default router went away; other neighbors are noise */
        six_event(st, LOG_WARNING, "%s: router %s unreachable", e->ifp->name, b);
    else
        six_trace(st, "%s: neighbor %s unreachable", e->ifp->name, b);
    while ((p = pktq_pop(&e->q))) {
        st->net6->nd_queued--;
        CTR_INC(st, nd6, drop_unreachable);
        icmp6_error(st, p, NULL, ICMP6_DST_UNREACH, ICMP6_DST_UNREACH_ADDR, 0);
        pkt_free(p);
    }
    if (e->is_router)
        nd6_router_unreachable(st, &e->addr, e->ifp);
    nd_free(st, e);
}

static void nd_timer_fn(struct timer *t, void *arg)
{
    struct nd_entry *e = arg;
    (void)t;

    switch (e->state) {
    case ND_INCOMPLETE:
        if (e->probes >= ND_MAX_MULTICAST_SOLICIT)
            nd_unreachable(e);
        else
            nd_solicit(e);
        break;
    case ND_REACHABLE:
        nd_set_state(e, ND_STALE);
        break;
    case ND_DELAY:
        nd_set_state(e, ND_PROBE);
        nd_solicit(e);
        break;
    case ND_PROBE:
        if (e->probes >= ND_MAX_UNICAST_SOLICIT)
            nd_unreachable(e);
        else
            nd_solicit(e);
        break;
    default:
        break;
    }
}

static void nd_enqueue(struct six_stack *st, struct nd_entry *e, struct pkt *p)
{
    struct net6 *n = st->net6;

    if (e->q.n >= ND_QUEUE_PER_ENTRY || n->nd_queued >= ND_QUEUE_TOTAL) {
        struct pkt *old = e->q.n ? pktq_pop(&e->q) : NULL;
        CTR_INC(st, nd6, drop_queue_full);
        if (!old) {
            pkt_free(p);
            return;
        }
        n->nd_queued--;
        pkt_free(old);
    }
    pktq_push(&e->q, p);
    n->nd_queued++;
}

void nd6_output(struct ifnet *ifp, const struct in6_addr *nh, struct pkt *p)
{
    struct six_stack *st = ifp->st;

    if (ifp->type != IFT_ETHER) {
        if_output(ifp, p);
        return;
    }
    if (in6_is_multicast(nh)) {
        struct eth_addr m;
        ether_map_ip6_mcast(nh, &m);
        ether_output(ifp, p, &m, ETHERTYPE_IP6);
        return;
    }
    struct nd_entry *e = nd6_lookup(st, ifp, nh);
    if (!e) {
        e = nd_alloc(st, ifp, nh);
        if (!e) {
            CTR_INC(st, nd6, drop_cache_full);
            pkt_free(p);
            return;
        }
        e->state = ND_INCOMPLETE;
        nd_enqueue(st, e, p);
        nd_solicit(e);
        return;
    }
    e->last_used_ns = p->ts_ns ? p->ts_ns : six_now(st);   /* rx time of forwarded packets: no clock read */
    if (e->state == ND_INCOMPLETE) {
        nd_enqueue(st, e, p);
        return;
    }
    if (e->state == ND_STALE)
        nd_set_state(e, ND_DELAY);
    nd_transmit(e, p);
}

/* Learn or update a link-layer address from an NS, RS, RA or Redirect
 * (RFC 4861 §7.2.3, §6.2.6, §6.3.4, §8.3): new entries start STALE; a changed
 * address makes the entry STALE; INCOMPLETE entries send their queue. */
struct nd_entry *nd6_cache_lladdr(struct ifnet *ifp, const struct in6_addr *a, const uint8_t *lla,
                                  size_t lla_len, bool is_router_msg, int msg_type)
{
    struct nd_entry *e;

    if (!lla || lla_len < 6 || ifp->type != IFT_ETHER || in6_is_unspecified(a) || in6_is_multicast(a))
        return NULL;
    e = nd6_lookup(ifp->st, ifp, a);
    if (!e) {
        e = nd_alloc(ifp->st, ifp, a);
        if (!e)
            return NULL;
        nd_set_lladdr(e, lla);
        nd_set_state(e, ND_STALE);
    } else if (e->state == ND_PERMANENT) {
        return e;                                 /* set by hand: not learned over */
    } else if (e->state == ND_INCOMPLETE || memcmp(e->lladdr.b, lla, 6)) {
        nd_set_lladdr(e, lla);
        nd_set_state(e, ND_STALE);
        nd_flush_queue(e);
    }
    /* §6.3.4: an RA sets IsRouter; an RS/NS from a host says nothing about it */
    if (is_router_msg)
        e->is_router = true;
    else if (msg_type == ND_REDIRECT)
        e->is_router = e->is_router;
    return e;
}

/* --- by hand (sixctl neigh add|del|flush) --- */

static unsigned nd_permanent_count(const struct net6 *n)
{
    unsigned k = 0;
    for (unsigned i = 0; i < ND_CACHE_MAX; i++)
        k += n->nd[i].in_use && n->nd[i].state == ND_PERMANENT;
    return k;
}

int nd6_neigh_set(struct ifnet *ifp, const struct in6_addr *a, const struct eth_addr *lla, int state)
{
    struct six_stack *st = ifp->st;

    if (ifp->type != IFT_ETHER || in6_is_unspecified(a) || in6_is_multicast(a) ||
        (state != ND_PERMANENT && state != ND_REACHABLE && state != ND_STALE))
        return -EINVAL;
    struct nd_entry *e = nd6_lookup(st, ifp, a);
    bool was_perm = e && e->state == ND_PERMANENT;
    if (state == ND_PERMANENT && !was_perm && nd_permanent_count(st->net6) >= ND_PERMANENT_MAX)
        return -ENOSPC;
    if (!e && !(e = nd_alloc(st, ifp, a)))
        return -ENOSPC;
    nd_set_lladdr(e, lla->b);
    nd_set_state(e, state);
    nd_flush_queue(e);                            /* packets waiting for it leave now */
    return 0;
}

int nd6_neigh_del(struct ifnet *ifp, const struct in6_addr *a)
{
    struct nd_entry *e = nd6_lookup(ifp->st, ifp, a);
    if (!e)
        return -ENOENT;
    CTR_ADD(ifp->st, nd6, drop_flushed, e->q.n);   /* packets still waiting for it */
    nd_free(ifp->st, e);
    return 0;
}

unsigned nd6_neigh_flush(struct ifnet *ifp, bool all)
{
    struct net6 *n = ifp->st->net6;
    unsigned k = 0;

    for (unsigned i = 0; i < ND_CACHE_MAX; i++)
        if (n->nd[i].in_use && n->nd[i].ifp == ifp && (all || n->nd[i].state != ND_PERMANENT)) {
            CTR_ADD(ifp->st, nd6, drop_flushed, n->nd[i].q.n);
            nd_free(ifp->st, &n->nd[i]);
            k++;
        }
    return k;
}

/* --- NS/NA messages --- */

void nd6_ns_output(struct ifnet *ifp, const struct in6_addr *src, const struct in6_addr *dst,
                   const struct in6_addr *target, bool with_slla)
{
    uint8_t msg[64];
    const uint8_t *lla = NULL;
    size_t lla_len = 0, len;
    struct ip6_out o = { .dst = *dst, .nxt = IP6_NXT_ICMPV6, .hlim = 255, .ifp = ifp };

    if (with_slla && !in6_is_unspecified(src))
        nd6_if_lladdr(ifp, &lla, &lla_len);
    len = nd_ns_emit(msg, sizeof msg, target, lla, lla_len);
    if (in6_is_unspecified(src))
        o.flags |= IP6_OUT_SRC_UNSPEC;
    else
        o.src = *src;
    CTR_INC(ifp->st, nd6, out_ns);
    icmp6_send_raw(ifp->st, &o, msg, len);
}

void nd6_na_output(struct ifnet *ifp, const struct in6_addr *dst, const struct in6_addr *target,
                   bool solicited, bool override, bool router)
{
    uint8_t msg[64];
    const uint8_t *lla = NULL;
    size_t lla_len = 0;
    struct ip6_out o = { .src = *target, .dst = *dst, .nxt = IP6_NXT_ICMPV6, .hlim = 255, .ifp = ifp };

    nd6_if_lladdr(ifp, &lla, &lla_len);
    size_t len = nd_na_emit(msg, sizeof msg, router, solicited, override, target, lla, lla_len);
    CTR_INC(ifp->st, nd6, out_na);
    icmp6_send_raw(ifp->st, &o, msg, len);
}

/* Checks common to every ND message (RFC 4861 §6.1, §7.1, RFC 6980). */
bool nd6_msg_valid(struct ifnet *ifp, const struct pkt *p, const struct ip6_info *ip)
{
    if (ip->hlim != 255) {
        CTR_INC(ifp->st, nd6, drop_hlim);
        return false;
    }
    if (p->flags & PKT_F_FRAGMENT) {
        CTR_INC(ifp->st, nd6, drop_fragmented);
        return false;
    }
    return true;
}

void nd6_ns_input(struct ifnet *ifp, struct pkt *p, const struct ip6_info *ip, const uint8_t *icmp, size_t len)
{
    struct six_stack *st = ifp->st;
    struct nd_ns ns;
    enum wire_reason r;
    bool dad = in6_is_unspecified(&ip->src);

    CTR_INC(st, nd6, in_ns);
    if (!nd6_msg_valid(ifp, p, ip))
        return;
    if ((r = nd_ns_parse(icmp, len, &ns)) != WR_OK) {
        WIRE_DROP(st, nd6, r);
        return;
    }
    if (dad) {
        struct in6_addr sn;
        in6_solicited_node(&ns.target, &sn);
        if (!in6_eq(&ip->dst, &sn)) {
            CTR_INC(st, nd6, drop_bad_dst);
            return;
        }
        if (ns.opts.slla) {
            CTR_INC(st, nd6, drop_dad_slla);
            return;
        }
    }
    struct in6_ifaddr *ia = in6_ifaddr_find(ifp, &ns.target);
    if (!ia || (ia->flags & IN6_IFF_DUPLICATED)) {
        CTR_INC(st, nd6, drop_target_not_ours);
        return;
    }
    if (ia->flags & IN6_IFF_TENTATIVE) {
        if (dad)
            in6_dad_ns_input(ifp, ia);   /* another node wants the same address */
        return;                          /* §7.2.3: never answer for a tentative address */
    }
    bool router = st->fwd6, anycast = ia->flags & IN6_IFF_ANYCAST;
    if (dad) {
        nd6_na_output(ifp, &all_nodes, &ns.target, false, !anycast, router);
        return;
    }
    nd6_cache_lladdr(ifp, &ip->src, ns.opts.slla, ns.opts.slla_len, false, ND_NEIGHBOR_SOLICIT);
    nd6_na_output(ifp, &ip->src, &ns.target, true, !anycast, router);
}

/* RFC 4861 §7.2.5: the state machine driven by an advertisement. */
static void na_update(struct ifnet *ifp, struct nd_entry *e, const struct nd_na *na)
{
    const uint8_t *tlla = na->opts.tlla;
    bool differs = tlla && memcmp(e->lladdr.b, tlla, 6) != 0;
    bool was_router = e->is_router;

    if (e->state == ND_PERMANENT)
        return;                                   /* set by hand: not learned over */
    if (e->state == ND_INCOMPLETE) {
        if (!tlla)
            return;
        nd_set_lladdr(e, tlla);
        nd_set_state(e, na->solicited ? ND_REACHABLE : ND_STALE);
        e->is_router = na->router;
        nd_flush_queue(e);
        return;
    }
    if (!na->override && differs) {
        if (e->state == ND_REACHABLE)
            nd_set_state(e, ND_STALE);
        return;
    }
    if (differs) {
        nd_set_lladdr(e, tlla);
        CTR_INC(ifp->st, nd6, override_applied);
        char b[INET6_ADDRSTRLEN];
        six_trace(ifp->st, "%s: NA with Override moved %s to %02x:%02x:%02x:%02x:%02x:%02x", ifp->name,
                  inet_ntop(AF_INET6, &e->addr, b, sizeof b), tlla[0], tlla[1], tlla[2], tlla[3], tlla[4], tlla[5]);
    }
    if (na->solicited)
        nd_set_state(e, ND_REACHABLE);
    else if (differs)
        nd_set_state(e, ND_STALE);
    e->is_router = na->router;
    if (was_router && !na->router)
        nd6_router_unreachable(ifp->st, &e->addr, ifp);
}

void nd6_na_input(struct ifnet *ifp, struct pkt *p, const struct ip6_info *ip, const uint8_t *icmp, size_t len)
{
    struct six_stack *st = ifp->st;
    struct nd_na na;
    enum wire_reason r;

    CTR_INC(st, nd6, in_na);
    if (!nd6_msg_valid(ifp, p, ip))
        return;
    if ((r = nd_na_parse(icmp, len, &na)) != WR_OK) {
        WIRE_DROP(st, nd6, r);
        return;
    }
    if (in6_is_multicast(&ip->dst) && na.solicited) {
        CTR_INC(st, nd6, drop_solicited_mcast);
        return;
    }
    struct in6_ifaddr *ia = in6_ifaddr_find(ifp, &na.target);
    if (ia) {
        in6_dad_na_input(ifp, ia);
        return;
    }
    if (gif_is(ifp)) {
        gif_na_input(ifp, p, ip, &na);
        return;
    }
    if (ifp->type != IFT_ETHER)
        return;
    struct nd_entry *e = nd6_lookup(st, ifp, &na.target);
    if (e)   /* §7.2.5: no entry, no new state */
        na_update(ifp, e, &na);
}
