/* Prefix delegation in router mode: each `pd-to IF sla N` takes the /64
 * with SLA ID N out of the delegated prefix, gives IF the address
 * PREFIX::1/64 and has IF send RAs for it, with the lease's lifetimes
 * counting down and the DHCPv6 DNS servers as RDNSS; forwarding goes on.
 *
 * When the delegated prefix changes or is lost, RFC 9096 §3: the old /64
 * is announced at once (an RA out of schedule) with preferred lifetime 0
 * and a valid lifetime of at most D6C_RFC9096_VALID (or what it had left,
 * if less); its ::1 address is deprecated the same way and leaves when its
 * valid lifetime runs out; the new /64 is announced in the same RA. */
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include "dhcp6/client.h"
#include "net/ip6_var.h"
#include "net/stack.h"

#define RA_MIN_MS   200000u   /* the stack's router-mode defaults (cmd_net.c `ra`) */
#define RA_MAX_MS   600000u
#define RA_ROUTER_LIFETIME 1800

bool d6c_pd_subnet(const struct in6_addr *prefix, uint8_t plen, uint32_t sla, struct in6_addr *out)
{
    if (plen > 64 || (plen < 64 && 64 - plen < 32 && sla >> (64 - plen)) || (plen == 64 && sla))
        return false;
    memset(out, 0, sizeof *out);
    memcpy(out->s6_addr, prefix->s6_addr, 8);
    uint64_t hi = 0;
    for (int i = 0; i < 8; i++)
        hi = hi << 8 | out->s6_addr[i];
    hi |= (uint64_t)sla;   /* the SLA bits sit just above the /64 boundary */
    for (int i = 7; i >= 0; i--, hi >>= 8)
        out->s6_addr[i] = (uint8_t)hi;
    return true;
}

/* Do p/pl and q/ql share an address? (the shorter prefix covers the other) */
static bool overlaps(const struct in6_addr *p, uint8_t pl, const struct in6_addr *q, uint8_t ql)
{
    return in6_prefix_eq(p, q, pl < ql ? pl : ql);
}

/* Ranges no delegated prefix may touch: ::/128, ::1/128, ::ffff:0:0/96,
 * fe80::/10, ff00::/8. */
static bool reserved_overlap(const struct in6_addr *p, uint8_t plen)
{
    static const struct { struct in6_addr a; uint8_t l; } r[] = {
        { { { { 0 } } }, 128 },
        { { { { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 } } }, 128 },
        { { { { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 0, 0 } } }, 96 },
        { { { { 0xfe, 0x80 } } }, 10 },
        { { { { 0xff } } }, 8 },
    };
    for (size_t i = 0; i < sizeof r / sizeof r[0]; i++)
        if (overlaps(p, plen, &r[i].a, r[i].l))
            return true;
    return false;
}

/* Is p/plen in use on the upstream link: one of its addresses (with its
 * prefix length), an on-link prefix an RA gave it, a connected route
 * through it, or an IA_NA address of the lease? */
static bool upstream_overlap(struct d6c_if *c, const struct in6_addr *p, uint8_t plen, const struct d6c_item *na,
                             int n_na)
{
    struct six_stack *st = c->cli->st;
    struct ifnet *up = if_find(st, c->ifname);
    for (int i = 0; i < n_na; i++)
        if (overlaps(p, plen, &na[i].addr, 128))
            return true;
    if (!up || !up->in6)
        return false;
    for (int i = 0; i < IN6_MAX_ADDRS_PER_IF; i++) {
        const struct in6_ifaddr *ia = &up->in6->addrs[i];
        if (ia->in_use && overlaps(p, plen, &ia->addr, ia->plen ? ia->plen : 128))
            return true;
    }
    for (int i = 0; st->net6 && i < ND_PREFIXES_MAX; i++) {
        const struct nd_prefix_entry *e = &st->net6->prefixes[i];
        if (e->in_use && e->ifp == up && overlaps(p, plen, &e->prefix, e->plen))
            return true;
    }
    return false;
}

const char *d6c_pd_refusal(struct d6c_if *c, const struct in6_addr *p, uint8_t plen, const struct d6c_item *na,
                           int n_na)
{
    if (plen < D6C_PD_PLEN_MIN || plen > D6C_PD_PLEN_MAX)
        return "prefix length outside /" D6C_STR(D6C_PD_PLEN_MIN) "../" D6C_STR(D6C_PD_PLEN_MAX);
    if (reserved_overlap(p, plen))
        return "unspecified, loopback, v4-mapped, link-local or multicast";
    if (upstream_overlap(c, p, plen, na, n_na))
        return "overlaps the upstream link";
    return NULL;
}

static uint32_t secs_until(uint64_t until, uint64_t now)
{
    if (until == UINT64_MAX)
        return UINT32_MAX;
    return until > now ? (uint32_t)((until - now) / NS_PER_SEC) : 0;
}

static uint64_t until_of(const struct d6c_item *it, uint32_t life)
{
    return life == UINT32_MAX ? UINT64_MAX : it->got_ns + (uint64_t)life * NS_PER_SEC;
}

static struct in6_addr host1(const struct in6_addr *p)
{
    struct in6_addr a = *p;
    a.s6_addr[15] = 1;
    return a;
}

/* The RA prefix entry for p/64 on ifp's configuration: found, or a new one
 * (the oldest expired or deprecated entry makes room when full). */
static struct ra_prefix_cfg *ra_slot(struct ra_cfg *cfg, const struct in6_addr *p, uint64_t now)
{
    for (int i = 0; i < cfg->n_pfx; i++)
        if (cfg->pfx[i].plen == 64 && in6_eq(&cfg->pfx[i].prefix, p))
            return &cfg->pfx[i];
    for (int i = 0; i < cfg->n_pfx;)   /* entries whose time ran out go */
        if (cfg->pfx[i].valid_until && cfg->pfx[i].valid_until <= now)
            cfg->pfx[i] = cfg->pfx[--cfg->n_pfx];
        else
            i++;
    if (cfg->n_pfx >= ND_RA_PREFIXES_MAX) {
        int victim = -1;
        for (int i = 0; i < cfg->n_pfx; i++)
            if (cfg->pfx[i].valid_until && cfg->pfx[i].preferred_until <= now &&
                (victim < 0 || cfg->pfx[i].valid_until < cfg->pfx[victim].valid_until))
                victim = i;
        if (victim < 0)
            return NULL;
        cfg->pfx[victim] = cfg->pfx[--cfg->n_pfx];
    }
    struct ra_prefix_cfg *e = &cfg->pfx[cfg->n_pfx++];
    *e = (struct ra_prefix_cfg){ .prefix = *p, .plen = 64, .onlink = true, .autonomous = true };
    return e;
}

static void deprecate(struct d6c_if *c, struct d6c_pd_to *d, struct ifnet *ifp, struct ra_cfg *cfg, uint64_t now)
{
    uint32_t left = secs_until(d->valid_until, now);
    uint32_t valid = left < D6C_RFC9096_VALID ? left : D6C_RFC9096_VALID;
    struct in6_addr a = host1(&d->cur);
    char b[INET6_ADDRSTRLEN];
    in6_addr_set_lifetimes(ifp, &a, valid, 0);
    struct ra_prefix_cfg *e = ra_slot(cfg, &d->cur, now);
    if (e) {
        e->preferred_until = now;
        e->valid_until = now + (uint64_t)valid * NS_PER_SEC;
        e->preferred = 0;
        e->valid = valid;
    }
    six_event(c->cli->st, LOG_INFO, "%s: DHCPv6 prefix %s/64 withdrawn from %s: deprecated, valid %us (RFC 9096)",
              c->ifname, inet_ntop(AF_INET6, &d->cur, b, sizeof b), d->ifname, valid);
    d->active = false;
}

static void announce(struct d6c_if *c, struct d6c_pd_to *d, struct ifnet *ifp, struct ra_cfg *cfg,
                     const struct in6_addr *sub, uint64_t now)
{
    const struct d6c_item *it = &c->deleg;
    uint64_t vu = until_of(it, it->valid), pu = until_of(it, it->preferred);
    struct in6_addr a = host1(sub);
    uint32_t valid = secs_until(vu, now), pref = secs_until(pu, now);
    if (in6_addr_set_lifetimes(ifp, &a, valid, pref) < 0)
        in6_addr_add(ifp, &a, 64, 0, valid, pref);
    struct ra_prefix_cfg *e = ra_slot(cfg, sub, now);
    if (e) {
        e->valid_until = vu;
        e->preferred_until = pu;
        e->valid = valid;
        e->preferred = pref;
    }
    d->cur = *sub;
    d->valid_until = vu;
    d->active = true;
}

static void apply_one(struct d6c_if *c, struct d6c_pd_to *d, bool have, uint64_t now)
{
    struct six_stack *st = c->cli->st;
    struct ifnet *ifp = if_find(st, d->ifname);
    struct in6_addr sub;
    bool want = have && d6c_pd_subnet(&c->deleg.addr, c->deleg.plen, d->sla, &sub);
    if (!ifp || !ifp->in6)
        return;
    struct ra_cfg cfg = ifp->in6->ra;
    bool restart = !cfg.enabled, urgent = false;
    if (!cfg.enabled)
        cfg = (struct ra_cfg){ .router_lifetime = RA_ROUTER_LIFETIME, .min_interval_ms = RA_MIN_MS,
                               .max_interval_ms = RA_MAX_MS };
    if (d->active && (!want || !in6_eq(&d->cur, &sub))) {
        deprecate(c, d, ifp, &cfg, now);
        restart = urgent = true;
    }
    if (want) {
        restart |= !d->active;
        announce(c, d, ifp, &cfg, &sub, now);
    }
    /* RDNSS: the lease's DNS servers, as long as the prefix lives */
    cfg.n_rdnss = 0;
    for (int i = 0; want && i < c->n_dns && cfg.n_rdnss < ND_RDNSS_MAX; i++)
        if (!in6_is_linklocal(&c->dns[i]) && !reserved_overlap(&c->dns[i], 128))   /* upstream's link-local means nothing downstream */
            cfg.rdnss[cfg.n_rdnss++] = c->dns[i];
    uint32_t life = want ? secs_until(d->valid_until, now) : 0;
    cfg.rdnss_lifetime = life == UINT32_MAX ? UINT32_MAX : life;
    if (restart) {
        nd6_ra_configure(ifp, &cfg);   /* the first RAs of a change come quickly */
        if (urgent)
            nd6_ra_send_now(ifp);
    } else {
        bool en = ifp->in6->ra.enabled;
        ifp->in6->ra = cfg;            /* renewed lifetimes: the next scheduled RA tells them */
        ifp->in6->ra.enabled = en;
    }
}

void d6c_pd_apply(struct d6c_if *c)
{
    struct six_stack *st = c->cli->st;
    uint64_t now = six_now(st);
    const struct d6c_item *p = NULL;
    char b[INET6_ADDRSTRLEN];
    /* the newest prefix numbers the links (a Renew's Reply may add a new one
     * and leave the old one to run out: RFC 9915 §18.2.10.1) */
    for (int i = 0; i < c->n_pd; i++)
        if (c->pd[i].plen <= 64 && (!p || c->pd[i].got_ns > p->got_ns ||
                                    (c->pd[i].got_ns == p->got_ns && c->pd[i].preferred > p->preferred)))
            p = &c->pd[i];
    bool had = c->deleg.plen != 0;
    bool changed = had && (!p || p->plen != c->deleg.plen || !in6_eq(&p->addr, &c->deleg.addr));
    if (changed) {
        if (p) {
            CTR_INC(st, dhcp6c, prefix_changed);
        } else {
            CTR_INC(st, dhcp6c, prefix_lost);
        }
        six_event(st, LOG_INFO, "%s: DHCPv6 delegated prefix %s/%u %s", c->ifname,
                  inet_ntop(AF_INET6, &c->deleg.addr, b, sizeof b), c->deleg.plen, p ? "changed" : "lost");
    }
    if (p) {
        if (!had || changed)
            six_event(st, LOG_INFO, "%s: DHCPv6 prefix %s/%u delegated (valid %us)", c->ifname,
                      inet_ntop(AF_INET6, &p->addr, b, sizeof b), p->plen, p->valid);
        c->deleg = *p;
    } else {
        memset(&c->deleg, 0, sizeof c->deleg);
    }
    bool any = false;
    for (int i = 0; i < c->p.n_pd_to; i++) {
        apply_one(c, &c->pd_to[i], p != NULL, now);
        any |= c->pd_to[i].active;
    }
    if (any && !st->fwd6)
        six_set_forwarding(st, true, st->fwd4);   /* router mode: the downstream links are routed */
}

void d6c_pd_withdraw(struct d6c_if *c)
{
    c->n_pd = 0;
    d6c_pd_apply(c);
}
