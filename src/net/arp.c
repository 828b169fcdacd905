/* ARP (RFC 826) with a small neighbour state machine and RFC 5227 sanity.
 *
 * States:
 *   INCOMPLETE  broadcast requests every ARP_RETRANS_MS, at most ARP_MAX_TRIES;
 *               packets wait (ARP_QUEUE_PER_ENTRY each, oldest dropped;
 *               ARP_QUEUE_TOTAL in all). No answer: the queue is dropped
 *               (arp.drop_unreachable), each sender gets ICMP host unreachable,
 *               the entry goes.
 *   REACHABLE   confirmed by a reply (or an ARP from it) less than
 *               ARP_REACHABLE_MS ago; used as is. Older: STALE (computed lazily).
 *   STALE       still used, but the first use sends a unicast request (the
 *               RFC 1122 §2.3.2.1 "unicast poll") and moves to
 *   PROBE       up to ARP_MAX_TRIES unicast requests; a reply → REACHABLE,
 *               silence → the entry goes (the next use starts over).
 *
 * Learning (RFC 826 "merge"): any valid ARP whose sender is already cached
 * updates it; a new entry is created only for a request aimed at one of our
 * addresses on this interface from a sender on one of its subnets (we are
 * about to talk to it), or through resolution (our own INCOMPLETE entry).
 * An ARP claiming one of our addresses from another MAC is a conflict
 * (counted, traced, ignored); a sender address that is 0 (except RFC 5227
 * probes for our address, which we answer), broadcast, multicast or
 * loopback, or a multicast/zero sender MAC, is dropped.
 *
 * Bound: ARP_CACHE_MAX entries; when full the least recently used entry that
 * is not INCOMPLETE is evicted (arp.cache_evicted), else the new one is
 * refused (arp.drop_cache_full). Entries live in a keyed hash + an LRU list. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "net/ip4_priv.h"
#include "net/ether.h"
#include "wire/arp.h"
#include "wire/ether.h"
#include "wire/icmp4.h"

static const char *const arp_state_name[] = { "INCOMPLETE", "REACHABLE", "STALE", "PROBE", "PERMANENT" };

void arp_init(struct net4 *n)
{
    memset(n->arp_hash, 0, sizeof n->arp_hash);
    n->lru_head = n->lru_tail = NULL;
}

static unsigned arp_hash(const struct net4 *n, const struct ifnet *ifp, struct in_addr a)
{
    uint32_t x = ntohl(a.s_addr) ^ (ifp->index * 0x9e3779b1u) ^ n->arp_salt;

    x ^= x >> 16;
    x *= 0x45d9f3bu;
    x ^= x >> 16;
    x *= 0x45d9f3bu;
    x ^= x >> 16;
    return x & (ARP_HASH_SIZE - 1);
}

static struct arp_entry *arp_lookup(struct net4 *n, const struct ifnet *ifp, struct in_addr a)
{
    for (struct arp_entry *e = n->arp_hash[arp_hash(n, ifp, a)]; e; e = e->hnext)
        if (e->ifp == ifp && e->ip.s_addr == a.s_addr)
            return e;
    return NULL;
}

static void lru_unlink(struct net4 *n, struct arp_entry *e)
{
    if (e->lru_prev) e->lru_prev->lru_next = e->lru_next; else n->lru_head = e->lru_next;
    if (e->lru_next) e->lru_next->lru_prev = e->lru_prev; else n->lru_tail = e->lru_prev;
    e->lru_prev = e->lru_next = NULL;
}

static void lru_push_head(struct net4 *n, struct arp_entry *e)
{
    e->lru_prev = NULL;
    e->lru_next = n->lru_head;
    if (n->lru_head) n->lru_head->lru_prev = e; else n->lru_tail = e;
    n->lru_head = e;
}

static void lru_touch(struct net4 *n, struct arp_entry *e)
{
    if (n->lru_head != e) {
        lru_unlink(n, e);
        lru_push_head(n, e);
    }
}

/* Take e out of every list; its queue is handed to the caller (may be NULL
 * to free it here). The entry itself is freed. */
static void arp_unlink_free(struct net4 *n, struct arp_entry *e, struct pkt_queue *q)
{
    struct arp_entry **pp = &n->arp_hash[arp_hash(n, e->ifp, e->ip)];

    while (*pp && *pp != e)
        pp = &(*pp)->hnext;
    if (*pp)
        *pp = e->hnext;
    lru_unlink(n, e);
    timer_cancel(&e->timer);
    n->arp_queued -= e->q.n;
    if (q)
        *q = e->q;
    else
        pktq_purge(&e->q);
    n->arp_count--;
    free(e);
}

/* --- sending --- */

static void arp_send(struct ifnet *ifp, const struct arp_info *a, const struct eth_addr *dst)
{
    struct pkt *p = pkt_alloc(ifp->st->pool, ARP_LEN);

    if (!p) {
        CTR_INC(ifp->st, if, drop_no_buffer);
        return;
    }
    arp_emit(pkt_put(p, ARP_LEN), ARP_LEN, a);
    ether_output(ifp, p, dst, ETHERTYPE_ARP);
}

/* dst NULL: broadcast. The sender address is ifp's address on tip's subnet;
 * with none we ask as a prober would (0.0.0.0). */
static void arp_request(struct ifnet *ifp, struct in_addr tip, const struct eth_addr *dst)
{
    struct arp_info a = { .op = ARP_OP_REQUEST, .sha = ifp->hwaddr, .tpa = tip };

    in4_ifaddr_for(ifp, tip, &a.spa);
    CTR_INC(ifp->st, arp, out_request);
    arp_send(ifp, &a, dst ? dst : &ether_broadcast);
}

static void arp_reply(struct ifnet *ifp, const struct arp_info *req)
{
    struct arp_info a = { .op = ARP_OP_REPLY, .sha = ifp->hwaddr, .spa = req->tpa,
                          .tha = req->sha, .tpa = req->spa };

    CTR_INC(ifp->st, arp, out_reply);
    arp_send(ifp, &a, &req->sha);
}

/* A request for our own address with spa == tpa: announces the mapping. */
void arp_gratuitous(struct ifnet *ifp, struct in_addr a)
{
    struct arp_info g = { .op = ARP_OP_REQUEST, .sha = ifp->hwaddr, .spa = a, .tpa = a };

    if (ifp->type != IFT_ETHER)
        return;
    CTR_INC(ifp->st, arp, out_gratuitous);
    arp_send(ifp, &g, &ether_broadcast);
}

/* --- the state machine --- */

static void arp_flush_queue(struct arp_entry *e)
{
    struct net4 *n = e->st->net4;
    struct pkt *p;

    while ((p = pktq_pop(&e->q))) {
        n->arp_queued--;
        ether_output(e->ifp, p, &e->lla, ETHERTYPE_IP4);
    }
}

/* Resolution failed: the waiting packets' senders hear it (RFC 1122
 * §2.3.2.2 / RFC 1812 §4.3.3.1: host unreachable). A locally sent packet's
 * error loops back to us and reaches ping. */
static void arp_fail(struct six_stack *st, struct arp_entry *e)
{
    struct pkt_queue q;
    struct pkt *p;

    six_trace(st, "%s: arp %s unreachable", e->ifp->name, in4_ntop(e->ip, (char[IN4_STRLEN]){0}));
    arp_unlink_free(st->net4, e, &q);
    while ((p = pktq_pop(&q))) {
        CTR_INC(st, arp, drop_unreachable);
        icmp4_error(st, p, ICMP4_UNREACH, ICMP4_UNREACH_HOST, 0);
    }
}

static void arp_timer(struct timer *t, void *arg)
{
    struct arp_entry *e = arg;
    struct six_stack *st = e->st;

    (void)t;
    if (e->tries >= ARP_MAX_TRIES) {
        if (e->state == ARP_INCOMPLETE)
            arp_fail(st, e);
        else
            arp_unlink_free(st->net4, e, NULL);   /* PROBE unanswered: forget it */
        return;
    }
    e->tries++;
    arp_request(e->ifp, e->ip, e->state == ARP_PROBE ? &e->lla : NULL);
    timer_arm(st->tw, &e->timer, ARP_RETRANS_MS * NS_PER_MS);
}

/* Make room: the least recently used entry not waiting for resolution. */
static bool arp_evict(struct six_stack *st)
{
    struct net4 *n = st->net4;

    for (struct arp_entry *e = n->lru_tail; e; e = e->lru_prev)
        if (e->state != ARP_INCOMPLETE && e->state != ARP_PERMANENT) {
            CTR_INC(st, arp, cache_evicted);
            arp_unlink_free(n, e, NULL);
            return true;
        }
    return false;
}

static struct arp_entry *arp_create(struct ifnet *ifp, struct in_addr a, uint8_t state)
{
    struct six_stack *st = ifp->st;
    struct net4 *n = st->net4;
    struct arp_entry *e;

    if (n->arp_count >= ARP_CACHE_MAX && !arp_evict(st)) {
        CTR_INC(st, arp, drop_cache_full);
        return NULL;
    }
    if (!(e = calloc(1, sizeof *e))) {
        CTR_INC(st, arp, drop_cache_full);
        return NULL;
    }
    e->st = st;
    e->ifp = ifp;
    e->ip = a;
    e->state = state;
    pktq_init(&e->q);
    timer_init(&e->timer, arp_timer, e);
    unsigned h = arp_hash(n, ifp, a);
    e->hnext = n->arp_hash[h];
    n->arp_hash[h] = e;
    lru_push_head(n, e);
    n->arp_count++;
    return e;
}

static uint8_t arp_state_now(const struct arp_entry *e, uint64_t now)
{
    if (e->state == ARP_REACHABLE && now - e->confirmed > ARP_REACHABLE_MS * NS_PER_MS)
        return ARP_STALE;
    return e->state;
}

static void arp_enqueue(struct six_stack *st, struct arp_entry *e, struct pkt *p)
{
    struct net4 *n = st->net4;

    if (e->q.n >= ARP_QUEUE_PER_ENTRY) {
        CTR_INC(st, arp, drop_queue_full);   /* oldest first: the newest is the most useful */
        pkt_free(pktq_pop(&e->q));
        n->arp_queued--;
    }
    if (n->arp_queued >= ARP_QUEUE_TOTAL) {
        CTR_INC(st, arp, drop_queue_full);
        pkt_free(p);
        return;
    }
    pktq_push(&e->q, p);
    n->arp_queued++;
}

int arp_output(struct ifnet *ifp, struct pkt *p, struct in_addr nh)
{
    struct six_stack *st = ifp->st;
    struct net4 *n = st->net4;
    struct arp_entry *e = arp_lookup(n, ifp, nh);

    if (!e) {
        if (!(e = arp_create(ifp, nh, ARP_INCOMPLETE))) {
            pkt_free(p);
            return -ENOBUFS;
        }
        e->tries = 1;
        arp_request(ifp, nh, NULL);
        timer_arm(st->tw, &e->timer, ARP_RETRANS_MS * NS_PER_MS);
    }
    lru_touch(n, e);
    switch (arp_state_now(e, six_now(st))) {
    case ARP_INCOMPLETE:
        arp_enqueue(st, e, p);
        return 0;
    case ARP_STALE:
        e->state = ARP_PROBE;
        e->tries = 1;
        arp_request(ifp, nh, &e->lla);
        timer_arm(st->tw, &e->timer, ARP_RETRANS_MS * NS_PER_MS);
        break;
    default:
        break;
    }
    return ether_output(ifp, p, &e->lla, ETHERTYPE_IP4) ? -ENOBUFS : 0;
}

/* RFC 826 merge. A reply confirms reachability; any other news of a new
 * address only makes the entry STALE (to be confirmed on use). */
static void arp_update(struct arp_entry *e, const struct arp_info *a)
{
    bool changed = memcmp(&e->lla, &a->sha, sizeof e->lla) != 0;
    uint64_t now = six_now(e->st);

    if (e->state == ARP_PERMANENT)
        return;                                   /* set by hand: not learned over */
    if (e->state == ARP_INCOMPLETE || a->op == ARP_OP_REPLY) {
        e->lla = a->sha;
        e->state = ARP_REACHABLE;
        e->confirmed = now;
        e->tries = 0;
        timer_cancel(&e->timer);
        arp_flush_queue(e);
        return;
    }
    if (changed) {
        six_trace(e->st, "%s: arp %s moved to %02x:%02x:%02x:%02x:%02x:%02x", e->ifp->name,
                  in4_ntop(e->ip, (char[IN4_STRLEN]){0}), a->sha.b[0], a->sha.b[1], a->sha.b[2],
                  a->sha.b[3], a->sha.b[4], a->sha.b[5]);
        e->lla = a->sha;
        e->state = ARP_STALE;
        e->tries = 0;
        timer_cancel(&e->timer);
    }
}

/* Is spa one of ifp's own neighbours (on a subnet of ifp)? */
static bool arp_on_link(const struct ifnet *ifp, struct in_addr spa)
{
    const struct in_ifinfo *ii = ifp->in4;

    for (unsigned k = 0; k < ii->naddrs; k++)
        if ((spa.s_addr & ii->addrs[k].mask.s_addr) == (ii->addrs[k].addr.s_addr & ii->addrs[k].mask.s_addr))
            return true;
    return false;
}

static bool arp_target_ours(const struct ifnet *ifp, struct in_addr tpa)
{
    struct ifnet *o = NULL;

    return in4_ifa_find(ifp->st, tpa, &o) && o == ifp;
}

/* Sender checks; false: dropped (counted). */
static bool arp_sender_ok(struct ifnet *ifp, const struct arp_info *a)
{
    struct six_stack *st = ifp->st;

    if (!memcmp(&a->sha, &ifp->hwaddr, sizeof a->sha)) {
        CTR_INC(st, arp, drop_not_for_us);   /* our own, reflected */
        return false;
    }
    if (eth_is_multicast(&a->sha) || eth_is_zero(&a->sha) || in4_is_multicast(a->spa) ||
        in4_is_bcast_any(st, a->spa) || in4_is_loopback(a->spa)) {
        CTR_INC(st, arp, drop_bad_src);
        return false;
    }
    if (in4_is_local(st, a->spa)) {
        CTR_INC(st, arp, conflict);
        SIX_WARN(st, SIX_WARN_DUPADDR, "%s: duplicate address %s detected: ARP from %02x:%02x:%02x:%02x:%02x:%02x claims it",
                 ifp->name, in4_ntop(a->spa, (char[IN4_STRLEN]){0}), a->sha.b[0], a->sha.b[1], a->sha.b[2],
                 a->sha.b[3], a->sha.b[4], a->sha.b[5]);
        return false;
    }
    return true;
}

/* RFC 5227 probe (sender 0.0.0.0): answered if it asks for our address, so
 * the prober sees the address is taken; never learned from. */
static void arp_probe_input(struct ifnet *ifp, const struct arp_info *a)
{
    if (a->op == ARP_OP_REQUEST && arp_target_ours(ifp, a->tpa))
        arp_reply(ifp, a);
    else
        CTR_INC(ifp->st, arp, drop_bad_src);
}

static void arp_in(struct ifnet *ifp, const struct arp_info *a)
{
    struct six_stack *st = ifp->st;
    struct arp_entry *e;

    if (in4_is_any(a->spa) && !eth_is_multicast(&a->sha) && !eth_is_zero(&a->sha)) {
        arp_probe_input(ifp, a);
        return;
    }
    if (!arp_sender_ok(ifp, a))
        return;
    if ((e = arp_lookup(st->net4, ifp, a->spa)))
        arp_update(e, a);
    if (!arp_target_ours(ifp, a->tpa)) {
        if (!e)
            CTR_INC(st, arp, drop_not_for_us);
        return;
    }
    if (a->op != ARP_OP_REQUEST) {
        if (!e)
            CTR_INC(st, arp, drop_not_for_us);   /* a reply we did not ask for */
        return;
    }
    if (!e && arp_on_link(ifp, a->spa) && (e = arp_create(ifp, a->spa, ARP_STALE)))
        e->lla = a->sha;
    arp_reply(ifp, a);
}

void arp_input(struct ifnet *ifp, struct pkt *p)
{
    struct six_stack *st = ifp->st;
    struct arp_info a;
    enum wire_reason r = arp_parse(pkt_data(p), p->len, &a);

    if (r != WR_OK) {
        WIRE_DROP(st, arp, r);
    } else {
        if (a.op == ARP_OP_REQUEST)
            CTR_INC(st, arp, in_request);
        else
            CTR_INC(st, arp, in_reply);
        if (ifp->type != IFT_ETHER || !ifp->in4 || !st->net4 || !ifp->in4->naddrs)
            CTR_INC(st, arp, drop_not_for_us);
        else
            arp_in(ifp, &a);
    }
    pkt_free(p);
}

/* --- by hand (sixctl neigh add|del|flush) --- */

int arp_neigh_set(struct ifnet *ifp, struct in_addr a, const struct eth_addr *lla, const char *state)
{
    struct six_stack *st = ifp->st;
    struct net4 *n = st->net4;
    uint8_t s = !strcmp(state, "permanent") ? ARP_PERMANENT : !strcmp(state, "reachable") ? ARP_REACHABLE
              : !strcmp(state, "stale") ? ARP_STALE : 0xff;

    if (s == 0xff || ifp->type != IFT_ETHER || !n || in4_is_any(a) || in4_is_multicast(a) ||
        in4_is_bcast_any(st, a) || in4_is_loopback(a) || eth_is_multicast(lla) || eth_is_zero(lla))
        return -EINVAL;
    struct arp_entry *e = arp_lookup(n, ifp, a);
    if (s == ARP_PERMANENT && !(e && e->state == ARP_PERMANENT)) {
        unsigned perm = 0;
        for (struct arp_entry *x = n->lru_head; x; x = x->lru_next)
            perm += x->state == ARP_PERMANENT;
        if (perm >= ARP_PERMANENT_MAX)
            return -ENOSPC;
    }
    if (!e && !(e = arp_create(ifp, a, s)))
        return -ENOSPC;
    e->lla = *lla;
    e->state = s;
    e->tries = 0;
    e->confirmed = six_now(st);
    timer_cancel(&e->timer);
    lru_touch(n, e);
    arp_flush_queue(e);                           /* packets waiting for it leave now */
    return 0;
}

int arp_neigh_del(struct ifnet *ifp, struct in_addr a)
{
    struct net4 *n = ifp->st->net4;
    struct arp_entry *e = n ? arp_lookup(n, ifp, a) : NULL;

    if (!e)
        return -ENOENT;
    CTR_ADD(ifp->st, arp, drop_flushed, e->q.n);   /* packets still waiting for it */
    arp_unlink_free(n, e, NULL);
    return 0;
}

unsigned arp_neigh_flush(struct ifnet *ifp, bool all)
{
    struct net4 *n = ifp->st->net4;
    unsigned k = 0;

    for (unsigned h = 0; n && h < ARP_HASH_SIZE; h++) {
        struct arp_entry *e = n->arp_hash[h], *next;
        for (; e; e = next) {
            next = e->hnext;
            if (e->ifp == ifp && (all || e->state != ARP_PERMANENT)) {
                CTR_ADD(ifp->st, arp, drop_flushed, e->q.n);
                arp_unlink_free(n, e, NULL);
                k++;
            }
        }
    }
    return k;
}

/* --- cache maintenance and view --- */

void arp_purge_if(struct net4 *n, struct ifnet *ifp)
{
    for (unsigned h = 0; h < ARP_HASH_SIZE; h++) {
        struct arp_entry *e = n->arp_hash[h], *next;
        for (; e; e = next) {
            next = e->hnext;
            if (e->ifp != ifp)
                continue;
            CTR_ADD(n->st, ip4, drop_resolve_failed, e->q.n);
            arp_unlink_free(n, e, NULL);
        }
    }
}

void arp_destroy(struct net4 *n)
{
    while (n->lru_head)
        arp_unlink_free(n, n->lru_head, NULL);
}

int arp_walk(struct six_stack *st, int (*cb)(void *ctx, struct ifnet *ifp, struct in_addr a,
             const struct eth_addr *lla, const char *state), void *ctx)
{
    struct net4 *n = st->net4;
    uint64_t now = six_now(st);

    for (struct arp_entry *e = n->lru_head; e; e = e->lru_next) {
        uint8_t s = arp_state_now(e, now);
        int rc = cb(ctx, e->ifp, e->ip, s == ARP_INCOMPLETE ? NULL : &e->lla, arp_state_name[s]);
        if (rc)
            return rc;
    }
    return 0;
}
