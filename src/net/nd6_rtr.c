/* Routers and prefixes (RFC 4861 §6, RFC 4191, RFC 8106): hosts solicit and
 * process Router Advertisements (router list, on-link prefixes, SLAAC, MTU,
 * RDNSS, Route Information), routers send them and answer solicitations;
 * Redirect in both directions (§8).
 *
 * Caps: ND_ROUTERS_MAX routers and ND_PREFIXES_MAX on-link prefixes; when
 * full, new ones are ignored and counted (nd6.router_list_full,
 * nd6.prefix_list_full) — existing state is never evicted by an unsolicited
 * advertisement, which would let an attacker flush it. */
#include <errno.h>
#include <string.h>
#include <arpa/inet.h>
#include "net/ip6_var.h"
#include "wire/icmp6.h"
#include "wire/ip6ext.h"

static const struct in6_addr all_nodes = { .s6_addr = { 0xff, 0x02, [15] = 1 } };
static const struct in6_addr all_routers = { .s6_addr = { 0xff, 0x02, [15] = 2 } };

static void rs_timer_fn(struct timer *t, void *arg);
static void ra_timer_fn(struct timer *t, void *arg);

static uint64_t deadline_s(struct six_stack *st, uint32_t s)
{
    return s == UINT32_MAX ? UINT64_MAX : six_now(st) + (uint64_t)s * NS_PER_SEC;
}

/* --- router list --- */

static struct nd_router *router_find(struct six_stack *st, const struct in6_addr *a, struct ifnet *ifp)
{
    for (int i = 0; i < ND_ROUTERS_MAX; i++) {
        struct nd_router *r = &st->net6->routers[i];
        if (r->in_use && r->ifp == ifp && in6_eq(&r->addr, a))
            return r;
    }
    return NULL;
}

static void router_update(struct ifnet *ifp, const struct in6_addr *a, uint16_t lifetime, int8_t prf)
{
    struct six_stack *st = ifp->st;
    struct nd_router *r = router_find(st, a, ifp);

    if (lifetime == 0) {
        if (r && r->in_use) {
            char b[INET6_ADDRSTRLEN];
            six_event(st, LOG_INFO, "%s: default router %s withdrawn (lifetime 0)", ifp->name,
                      inet_ntop(AF_INET6, a, b, sizeof b));
        }
        if (r)
            r->in_use = false;
        return;
    }
    for (int i = 0; i < ND_ROUTERS_MAX && !r; i++)
        if (!st->net6->routers[i].in_use)
            r = &st->net6->routers[i];
    if (!r) {
        CTR_INC(st, nd6, router_list_full);
        return;
    }
    if (!r->in_use) {
        char b[INET6_ADDRSTRLEN];
        six_event(st, LOG_INFO, "%s: default router %s (lifetime %us)", ifp->name, inet_ntop(AF_INET6, a, b, sizeof b), lifetime);
    }
    r->in_use = true;
    r->addr = *a;
    r->ifp = ifp;
    r->prf = prf;
    r->expires_ns = deadline_s(st, lifetime);
}

void nd6_router_unreachable(struct six_stack *st, const struct in6_addr *a, struct ifnet *ifp)
{
    struct nd_router *r = router_find(st, a, ifp);
    if (r)
        r->in_use = false;
}

/* RFC 4861 §6.3.6 with RFC 4191 preferences: reachable (or probably
 * reachable) routers first, then by preference. */
struct nd_router *nd6_defrouter_select(struct six_stack *st)
{
    struct nd_router *best = NULL;
    int best_score = -100;

    for (int i = 0; i < ND_ROUTERS_MAX; i++) {
        struct nd_router *r = &st->net6->routers[i];
        if (!r->in_use || !(r->ifp->flags & IFF6_UP))
            continue;
        struct nd_entry *e = nd6_lookup(st, r->ifp, &r->addr);
        bool reachable = e && e->state != ND_INCOMPLETE;
        int score = (reachable ? 10 : 0) + r->prf;
        if (score > best_score) {
            best = r;
            best_score = score;
        }
    }
    return best;
}

/* --- on-link prefixes (kept as connected routes flagged RT6_RA) --- */

static void prefix_update(struct ifnet *ifp, const struct nd_prefix *pi)
{
    struct six_stack *st = ifp->st;
    struct nd_prefix_entry *pe = NULL, *free_pe = NULL;

    for (int i = 0; i < ND_PREFIXES_MAX; i++) {
        struct nd_prefix_entry *e = &st->net6->prefixes[i];
        if (e->in_use && e->ifp == ifp && e->plen == pi->plen && in6_prefix_eq(&e->prefix, &pi->prefix, pi->plen))
            pe = e;
        else if (!e->in_use && !free_pe)
            free_pe = e;
    }
    if (pi->valid == 0) {
        if (pe) {
            pe->in_use = false;
            struct route6 *r = route6_get(st, &pi->prefix, pi->plen);
            if (r && (r->flags & RT6_RA))
                route6_del(st, &pi->prefix, pi->plen);
        }
        return;
    }
    if (!pe && !(pe = free_pe)) {
        CTR_INC(st, nd6, prefix_list_full);
        return;
    }
    pe->in_use = true;
    in6_mask(&pi->prefix, pi->plen, &pe->prefix);
    pe->plen = pi->plen;
    pe->ifp = ifp;
    pe->expires_ns = deadline_s(st, pi->valid);
    struct route6 *r = route6_get(st, &pe->prefix, pe->plen);
    if (!r || (r->flags & RT6_RA))
        route6_add(st, &pe->prefix, pe->plen, NULL, ifp, RT6_RA, pe->expires_ns == UINT64_MAX ? 0 : pe->expires_ns);
}

bool nd6_is_onlink(struct six_stack *st, const struct in6_addr *a, struct ifnet **ifp)
{
    for (int i = 0; i < ND_PREFIXES_MAX; i++) {
        struct nd_prefix_entry *e = &st->net6->prefixes[i];
        if (e->in_use && in6_prefix_eq(&e->prefix, a, e->plen)) {
            *ifp = e->ifp;
            return true;
        }
    }
    return false;
}

void nd6_rtr_purge_if(struct ifnet *ifp)
{
    struct net6 *n = ifp->st->net6;

    for (int i = 0; i < ND_ROUTERS_MAX; i++)
        if (n->routers[i].ifp == ifp)
            n->routers[i].in_use = false;
    for (int i = 0; i < ND_PREFIXES_MAX; i++)
        if (n->prefixes[i].ifp == ifp)
            n->prefixes[i].in_use = false;
}

void nd6_rtr_expire(struct six_stack *st)
{
    struct net6 *n = st->net6;
    uint64_t now = six_now(st);

    for (int i = 0; i < ND_ROUTERS_MAX; i++)
        if (n->routers[i].in_use && n->routers[i].expires_ns <= now) {
            char b[INET6_ADDRSTRLEN];
            n->routers[i].in_use = false;
            six_event(st, LOG_INFO, "%s: default router %s expired", n->routers[i].ifp->name,
                      inet_ntop(AF_INET6, &n->routers[i].addr, b, sizeof b));
        }
    for (int i = 0; i < ND_PREFIXES_MAX; i++)
        if (n->prefixes[i].in_use && n->prefixes[i].expires_ns <= now)
            n->prefixes[i].in_use = false;   /* its route expires by itself */
    if (n->n_rdnss && n->rdnss_expires_ns <= now)
        n->n_rdnss = 0;
}

/* --- Router Solicitation (host) --- */

void nd6_rs_start(struct ifnet *ifp)
{
    struct in6_ifinfo *ii = ifp->in6;

    if (!ii->accept_ra || ifp->st->fwd6 || ifp->type == IFT_LOOP)
        return;
    ii->rs_left = ND_MAX_RTR_SOLICITATIONS;
    timer_init(&ii->rs_timer, rs_timer_fn, ifp);
    timer_arm(ifp->st->tw, &ii->rs_timer,
              (uint64_t)six_random_jitter_below(ifp->st, ND_MAX_RTR_SOLICITATION_DELAY) * NS_PER_MS);
}

static void rs_timer_fn(struct timer *t, void *arg)
{
    struct ifnet *ifp = arg;
    struct in6_ifinfo *ii = ifp->in6;
    uint8_t msg[32];
    const uint8_t *lla = NULL;
    size_t lla_len = 0;
    const struct in6_addr *ll = in6_linklocal(ifp);
    struct ip6_out o = { .dst = all_routers, .nxt = IP6_NXT_ICMPV6, .hlim = 255, .ifp = ifp };

    if (!ii->rs_left || ifp->st->fwd6)
        return;
    if (ll) {
        o.src = *ll;
        nd6_if_lladdr(ifp, &lla, &lla_len);
    } else {
        o.flags |= IP6_OUT_SRC_UNSPEC;   /* §6.3.7: no SLLA from :: */
    }
    size_t len = nd_rs_emit(msg, sizeof msg, lla, lla_len);
    CTR_INC(ifp->st, nd6, out_rs);
    icmp6_send_raw(ifp->st, &o, msg, len);
    if (--ii->rs_left)
        timer_arm(ifp->st->tw, t, (uint64_t)ND_RTR_SOLICITATION_INTERVAL * NS_PER_MS);
}

/* --- Router Advertisement input (host) --- */

static void ra_apply_params(struct ifnet *ifp, const struct nd_ra *ra)
{
    struct in6_ifinfo *ii = ifp->in6;

    if (ra->cur_hlim)
        ii->cur_hlim = ra->cur_hlim;
    if (ra->reachable && ra->reachable != ii->base_reachable_ms && ra->reachable <= 3600000) {
        ii->base_reachable_ms = ra->reachable;
        ii->reachable_ms = nd6_random_reachable(ifp->st, ra->reachable);
    }
    if (ra->retrans)
        ii->retrans_ms = ra->retrans;
    if (ra->opts.has_mtu && ra->opts.mtu >= IP6_MIN_MTU && ra->opts.mtu <= ifp->mtu)
        ii->linkmtu = ra->opts.mtu;
}

static void ra_apply_options(struct ifnet *ifp, const struct ip6_info *ip, const struct nd_ra *ra)
{
    struct six_stack *st = ifp->st;

    for (int i = 0; i < ra->opts.n_pi; i++) {
        const struct nd_prefix *pi = &ra->opts.pi[i];
        if (in6_is_linklocal(&pi->prefix))
            continue;   /* §6.3.4: silently ignore */
        if (pi->onlink)
            prefix_update(ifp, pi);
        if (pi->autonomous)
            in6_slaac_prefix(ifp, pi);
    }
    if (ra->opts.n_rdnss) {
        struct net6 *n = st->net6;
        n->n_rdnss = ra->opts.rdnss_lifetime ? ra->opts.n_rdnss : 0;
        memcpy(n->rdnss, ra->opts.rdnss, sizeof n->rdnss);
        n->rdnss_expires_ns = deadline_s(st, ra->opts.rdnss_lifetime);
    }
    for (int i = 0; i < ra->opts.n_rio; i++) {
        const struct nd_rio *rio = &ra->opts.rio[i];
        struct route6 *r = route6_get(st, &rio->prefix, rio->plen);
        if (rio->lifetime == 0) {
            if (r && (r->flags & RT6_RA))
                route6_del(st, &rio->prefix, rio->plen);
        } else if (!r || (r->flags & RT6_RA)) {
            route6_add(st, &rio->prefix, rio->plen, &ip->src, ifp, RT6_RA,
                       rio->lifetime == UINT32_MAX ? 0 : deadline_s(st, rio->lifetime));
        }
    }
}

void nd6_ra_input(struct ifnet *ifp, struct pkt *p, const struct ip6_info *ip, const uint8_t *icmp, size_t len)
{
    struct six_stack *st = ifp->st;
    struct nd_ra ra;
    enum wire_reason r;

    CTR_INC(st, nd6, in_ra);
    if (!nd6_msg_valid(ifp, p, ip))
        return;
    if (!in6_is_linklocal(&ip->src)) {
        CTR_INC(st, nd6, drop_ra_not_linklocal);
        return;
    }
    if ((r = nd_ra_parse(icmp, len, &ra)) != WR_OK) {
        WIRE_DROP(st, nd6, r);
        return;
    }
    if (st->fwd6 || !ifp->in6->accept_ra) {
        CTR_INC(st, nd6, drop_ignored_ra_router);
        return;
    }
    nd6_cache_lladdr(ifp, &ip->src, ra.opts.slla, ra.opts.slla_len, true, ND_ROUTER_ADVERT);
    router_update(ifp, &ip->src, ra.router_lifetime, ra.prf);
    ra_apply_params(ifp, &ra);
    ra_apply_options(ifp, ip, &ra);
    ifp->in6->rs_left = 0;   /* got one: stop soliciting */
}

/* --- Router mode: RS input and RA output --- */

void nd6_rs_input(struct ifnet *ifp, struct pkt *p, const struct ip6_info *ip, const uint8_t *icmp, size_t len)
{
    struct six_stack *st = ifp->st;
    struct in6_ifinfo *ii = ifp->in6;
    struct nd_rs rs;
    enum wire_reason r;

    CTR_INC(st, nd6, in_rs);
    if (!nd6_msg_valid(ifp, p, ip))
        return;
    if ((r = nd_rs_parse(icmp, len, &rs)) != WR_OK) {
        WIRE_DROP(st, nd6, r);
        return;
    }
    if (in6_is_unspecified(&ip->src) && rs.opts.slla) {
        CTR_INC(st, nd6, drop_bad_src);
        return;
    }
    if (!st->fwd6 || !ii->ra.enabled) {
        CTR_INC(st, nd6, drop_rs_router_only);
        return;
    }
    nd6_cache_lladdr(ifp, &ip->src, rs.opts.slla, rs.opts.slla_len, false, ND_ROUTER_SOLICIT);
    /* §6.2.6: answer after a random delay, at most one multicast RA per MIN_DELAY_BETWEEN_RAS */
    uint64_t now = six_now(st);
    uint64_t delay = (uint64_t)six_random_jitter_below(st, ND_MAX_RA_DELAY_TIME) * NS_PER_MS;
    uint64_t earliest = ii->last_ra_ns + (uint64_t)ND_MIN_DELAY_BETWEEN_RAS * NS_PER_MS;
    uint64_t at = now + delay < earliest && ii->last_ra_ns ? earliest : now + delay;
    if (!timer_pending(&ii->ra_timer) || ii->ra_timer.expires > at)
        timer_arm_at(st->tw, &ii->ra_timer, at);
}

static uint32_t secs_left(uint64_t until, uint64_t now)
{
    if (until == UINT64_MAX)
        return UINT32_MAX;
    uint64_t s = (until - now) / NS_PER_SEC;
    return s >= UINT32_MAX ? UINT32_MAX - 1 : (uint32_t)s;
}

static size_t build_ra(struct ifnet *ifp, uint8_t *msg, size_t cap)
{
    struct in6_ifinfo *ii = ifp->in6;
    struct nd_prefix pi[ND_RA_PREFIXES_MAX];
    struct nd_ra_out o = { .cur_hlim = IP6_DEFAULT_HLIM, .managed = ii->ra.managed, .other = ii->ra.other,
                           .prf = ii->ra.prf, .router_lifetime = ii->ra.router_lifetime, .mtu = ii->ra.mtu,
                           .rdnss = ii->ra.rdnss, .n_rdnss = ii->ra.n_rdnss,
                           .rdnss_lifetime = ii->ra.rdnss_lifetime };

    uint64_t now = six_now(ifp->st);
    int n = 0;
    for (int i = 0; i < ii->ra.n_pfx; i++) {
        const struct ra_prefix_cfg *c = &ii->ra.pfx[i];
        uint32_t valid = c->valid, preferred = c->preferred;
        if (c->valid_until) {
            if (c->valid_until <= now)
                continue;   /* its time ran out: no longer announced */
            valid = secs_left(c->valid_until, now);
            preferred = c->preferred_until > now ? secs_left(c->preferred_until, now) : 0;
        }
        pi[n++] = (struct nd_prefix){ .plen = c->plen, .onlink = c->onlink, .autonomous = c->autonomous,
                                      .valid = valid, .preferred = preferred, .prefix = c->prefix };
    }
    o.pi = pi;
    o.n_pi = n;
    nd6_if_lladdr(ifp, &o.slla, &o.slla_len);
    return nd_ra_emit(msg, cap, &o);
}

static void ra_send(struct ifnet *ifp)
{
    uint8_t msg[512];
    const struct in6_addr *ll = in6_linklocal(ifp);
    struct ip6_out o = { .dst = all_nodes, .nxt = IP6_NXT_ICMPV6, .hlim = 255, .ifp = ifp };

    if (!ll)
        return;   /* §6.2.2: RAs come from a link-local address */
    o.src = *ll;
    size_t len = build_ra(ifp, msg, sizeof msg);
    if (!len)
        return;
    CTR_INC(ifp->st, nd6, out_ra);
    ifp->in6->last_ra_ns = six_now(ifp->st);
    icmp6_send_raw(ifp->st, &o, msg, len);
}

static void ra_timer_fn(struct timer *t, void *arg)
{
    struct ifnet *ifp = arg;
    struct in6_ifinfo *ii = ifp->in6;
    struct six_stack *st = ifp->st;

    if (!ii->ra.enabled || !st->fwd6)
        return;
    ra_send(ifp);
    uint32_t lo = ii->ra.min_interval_ms, hi = ii->ra.max_interval_ms;
    uint64_t next = lo + six_random_jitter_below(st, hi - lo + 1);
    if (ii->ra_initial_left) {
        ii->ra_initial_left--;
        if (next > ND_MAX_INITIAL_RTR_ADVERT_INTERVAL)
            next = ND_MAX_INITIAL_RTR_ADVERT_INTERVAL;
    }
    /* the first RAs of a new router come quickly so hosts configure at once */
    if (ii->ra_initial_left + 1 >= ND_MAX_INITIAL_RTR_ADVERTS && next > 1000)
        next = 1000;
    timer_arm(st->tw, t, next * NS_PER_MS);
}

/* RFC 4861 §6.2.4/§6.2.6: at most one multicast RA per
 * MIN_DELAY_BETWEEN_RAS; the earliest instant the next may go. */
static uint64_t ra_earliest(struct in6_ifinfo *ii, uint64_t at)
{
    uint64_t e = ii->last_ra_ns + (uint64_t)ND_MIN_DELAY_BETWEEN_RAS * NS_PER_MS;
    return ii->last_ra_ns && at < e ? e : at;
}

void nd6_ra_start(struct ifnet *ifp)
{
    struct in6_ifinfo *ii = ifp->in6;

    if (!ii->ra.enabled || !(ifp->flags & IFF6_UP))
        return;
    ii->ra_initial_left = ND_MAX_INITIAL_RTR_ADVERTS;
    timer_init(&ii->ra_timer, ra_timer_fn, ifp);
    /* a configuration changed over and over (a flapping DHCPv6 prefix)
     * restarts the schedule each time: still one RA per 3 s at most */
    uint64_t now = six_now(ifp->st);
    timer_arm_at(ifp->st->tw, &ii->ra_timer,
                 ra_earliest(ii, now + (uint64_t)six_random_jitter_below(ifp->st, 500) * NS_PER_MS));
}

void nd6_ra_stop(struct ifnet *ifp)
{
    struct in6_ifinfo *ii = ifp->in6;

    if (ii->ra.enabled && (ifp->flags & IFF6_UP) && in6_linklocal(ifp)) {
        ii->ra.router_lifetime = 0;   /* §6.2.5: a final RA with lifetime 0 */
        ra_send(ifp);
    }
    ii->ra.enabled = false;
    timer_cancel(&ii->ra_timer);
}

void nd6_ra_send_now(struct ifnet *ifp)
{
    struct in6_ifinfo *ii = ifp->in6;
    if (!ii->ra.enabled || !(ifp->flags & IFF6_UP) || !ifp->st->fwd6)
        return;
    uint64_t now = six_now(ifp->st), at = ra_earliest(ii, now);
    if (at <= now) {
        ra_send(ifp);
        /* the scheduled one (a restart armed it within 500 ms) waits its 3 s too */
        uint64_t next = ra_earliest(ii, now);
        if (timer_pending(&ii->ra_timer) && ii->ra_timer.expires < next)
            timer_arm_at(ifp->st->tw, &ii->ra_timer, next);
        return;
    }
    /* too soon after the last one: it goes when MIN_DELAY_BETWEEN_RAS is
     * over, with whatever the configuration holds then */
    CTR_INC(ifp->st, nd6, ra_deferred);
    if (!timer_pending(&ii->ra_timer) || ii->ra_timer.expires > at)
        timer_arm_at(ifp->st->tw, &ii->ra_timer, at);
}

int nd6_ra_configure(struct ifnet *ifp, const struct ra_cfg *cfg)
{
    struct in6_ifinfo *ii = ifp->in6;

    if (cfg->n_pfx > ND_RA_PREFIXES_MAX || cfg->min_interval_ms < 30 ||
        cfg->max_interval_ms < cfg->min_interval_ms || cfg->max_interval_ms > 1800000)
        return -EINVAL;
    timer_cancel(&ii->ra_timer);
    ii->ra = *cfg;
    ii->ra.enabled = true;
    nd6_ra_start(ifp);
    return 0;
}

/* --- Redirect (§8) --- */

void nd6_redirect_input(struct ifnet *ifp, struct pkt *p, const struct ip6_info *ip, const uint8_t *icmp, size_t len)
{
    struct six_stack *st = ifp->st;
    struct nd_redirect rd;
    enum wire_reason r;
    struct ifnet *oifp;
    struct in6_addr nh;

    CTR_INC(st, nd6, in_redirect);
    if (!nd6_msg_valid(ifp, p, ip))
        return;
    if ((r = nd_redirect_parse(icmp, len, &rd)) != WR_OK) {
        WIRE_DROP(st, nd6, r);
        return;
    }
    /* §8.1: from the current first hop for dst, link-local, sane target */
    if (st->fwd6 || !in6_is_linklocal(&ip->src) || in6_is_multicast(&rd.dst) ||
        !(in6_is_linklocal(&rd.target) || in6_eq(&rd.target, &rd.dst)) ||
        route6_resolve(st, &rd.dst, ifp, &oifp, &nh) || oifp != ifp || !in6_eq(&nh, &ip->src)) {
        CTR_INC(st, nd6, drop_redirect_invalid);
        return;
    }
    route6_add(st, &rd.dst, 128, in6_eq(&rd.target, &rd.dst) ? NULL : &rd.target, ifp, RT6_RA,
               six_now(st) + (uint64_t)PMTU_EXPIRE_MS * NS_PER_MS);
    nd6_cache_lladdr(ifp, &rd.target, rd.opts.tlla, rd.opts.tlla_len, false, ND_REDIRECT);
}

/* A router tells an on-link source of a better first hop (§8.2), at most
 * as often as the ICMPv6 error rate limit allows. */
void nd6_redirect_output(struct ifnet *ifp, struct pkt *orig, const struct ip6_info *ip, const struct in6_addr *target)
{
    struct six_stack *st = ifp->st;
    const struct in6_addr *ll = in6_linklocal(ifp);
    uint8_t msg[IP6_MIN_MTU];

    if (!ll || !st->fwd6 || in6_is_multicast(&ip->dst))
        return;
    /* the source must be a neighbor on this link */
    struct ifnet *sifp;
    struct in6_addr snh;
    if (route6_resolve(st, &ip->src, NULL, &sifp, &snh) || sifp != ifp || !in6_eq(&snh, &ip->src))
        return;
    if (!in6_is_linklocal(target) && !in6_eq(target, &ip->dst))
        return;   /* the target must be link-local unless it is the destination itself */
    struct nd_entry *e = nd6_lookup(st, ifp, target);
    const uint8_t *tlla = e && e->state != ND_INCOMPLETE ? e->lladdr.b : NULL;
    size_t len = nd_redirect_emit(msg, sizeof msg - IP6_HLEN, target, &ip->dst, tlla, tlla ? 6 : 0,
                                  pkt_data(orig), orig->len);
    struct ip6_out o = { .src = *ll, .dst = ip->src, .nxt = IP6_NXT_ICMPV6, .hlim = 255, .ifp = ifp };
    if (!len || !icmp6_ratelimit_ok(st))
        return;
    CTR_INC(st, nd6, out_redirect);
    icmp6_send_raw(st, &o, msg, len);
}
