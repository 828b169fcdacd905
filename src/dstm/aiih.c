/* The AIIH server (aiih.h): configuration, the IPv4 pools and their
 * allocation units (whole addresses, or lw4o6 port sets), TEPs per prefix,
 * holds, the views.  The leases themselves are LEASE_V4
 * entries of the DHCPv6 server's table (src/dhcp6/server_dstm.c answers
 * the clients); DNS-triggered allocation is aiih_assign.c. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include "dhcp6/server_int.h"
#include "dstm/aiih_int.h"
#include "dstm/aiih_dns.h"
#include "link/ifnet.h"
#include "net/oplog.h"
#include "net/stack.h"

struct aiih *aiih_get(struct six_stack *st)
{
    return st->dstm ? st->dstm->aiih : NULL;
}

bool aiih_running(struct six_stack *st)
{
    return aiih_get(st) != NULL;
}

uint16_t aiih_opt_code(const struct aiih *a)
{
    return a->cfg.opt_code ? a->cfg.opt_code : DSTM_OPT_CODE_DEFAULT;
}

static uint32_t v4h(struct in_addr a) { return ntohl(a.s_addr); }

/* ------------------------------------------------------------ pools */

static uint64_t pool_units(const struct aiih_pool *p)
{
    return ((uint64_t)v4h(p->hi) - v4h(p->lo) + 1) << p->psid_len;
}

/* Unit u of pool p as a lease key. */
static void unit_key(const struct aiih_pool *p, uint64_t u, struct in6_addr *key)
{
    struct in_addr v4 = { htonl(v4h(p->lo) + (uint32_t)(u >> p->psid_len)) };
    struct dstm_portset ps = { .offset = p->offset, .psid_len = p->psid_len,
                               .psid = (uint16_t)(u & ((1u << p->psid_len) - 1)) };
    dstm_lease_key(key, v4, p->psid_len ? &ps : NULL);
}

bool aiih_key_in_pools(const struct aiih *a, const struct in6_addr *key)
{
    struct in_addr v4;
    struct dstm_portset ps;
    if (!dstm_lease_key_parse(key, &v4, &ps))
        return false;
    for (int i = 0; i < a->cfg.n_pools; i++) {
        const struct aiih_pool *p = &a->cfg.pools[i];
        if (v4h(v4) >= v4h(p->lo) && v4h(v4) <= v4h(p->hi) && ps.psid_len == p->psid_len &&
            (!p->psid_len || ps.offset == p->offset))
            return true;
    }
    return false;
}

bool aiih_held(const struct aiih *a, const struct in6_addr *key)
{
    for (int i = 0; i < a->n_holds; i++)
        if (!memcmp(&a->holds[i].key, key, sizeof *key))
            return true;
    return false;
}

bool aiih_pick(struct aiih *a, bool lw, const uint8_t *duid, uint8_t duid_len, uint32_t iaid, unsigned attempt,
               struct in6_addr *key)
{
    struct d6_server *s = d6s_get(a->st);
    if (!s || !a->size)
        return false;
    /* start where the client's hash points (the same client tends to get
     * the same unit back), then walk every unit once */
    uint8_t k[DHCP6_DUID_MAX + 8];
    memcpy(k, duid, duid_len);
    memcpy(k + duid_len, &iaid, 4);
    memcpy(k + duid_len + 4, &attempt, 4);
    uint64_t start = d6s_hash(k, duid_len + 8u, 0x41494948u) % a->size;
    for (uint64_t n = 0; n < a->size; n++) {
        uint64_t u = (start + n) % a->size;
        int i = 0;
        while (u >= a->units[i])
            u -= a->units[i++];
        const struct aiih_pool *p = &a->cfg.pools[i];
        if (!lw && p->psid_len)
            continue;   /* the draft's extension names whole addresses only */
        unit_key(p, u, key);
        if (!d6s_table_find_addr(&s->tab, key, 128) && !aiih_held(a, key))
            return true;
    }
    return false;
}

bool aiih_tep_for(const struct aiih *a, const struct in6_addr *v6, struct in6_addr *tep)
{
    int best = -1;
    for (int i = 0; i < a->cfg.n_teps; i++)
        if (d6s_in_prefix(v6, &a->cfg.teps[i].prefix, a->cfg.teps[i].plen) &&
            (best < 0 || a->cfg.teps[i].plen > a->cfg.teps[best].plen))
            best = i;
    if (best < 0)
        return false;
    *tep = a->cfg.teps[best].tep;
    return true;
}

void aiih_times(const struct aiih *a, uint32_t link_pref, uint32_t link_valid, uint32_t *pref, uint32_t *valid)
{
    *valid = a->cfg.valid ? a->cfg.valid : link_valid;
    *pref = a->cfg.preferred ? a->cfg.preferred : link_pref;
    if (*pref > *valid)
        *pref = *valid;
}

void aiih_binding_of(const struct aiih *a, const struct in6_addr *key, const struct in6_addr *v6, int64_t expires,
                     struct dstm_binding *b)
{
    memset(b, 0, sizeof *b);
    dstm_lease_key_parse(key, &b->v4, &b->ps);
    b->v6 = *v6;
    if (!aiih_tep_for(a, v6, &b->tep))
        memset(&b->tep, 0, sizeof b->tep);
    b->expires = expires;
}

/* ------------------------------------------------------------ configuration */

static bool pools_overlap(const struct aiih_pool *x, const struct aiih_pool *y)
{
    return v4h(x->lo) <= v4h(y->hi) && v4h(y->lo) <= v4h(x->hi);
}

static int check_cfg(struct six_stack *st, const struct aiih_config *c, unsigned *ifindex, char *why, size_t whyn)
{
    struct ifnet *ifp = if_find(st, c->ifname);
    if (!ifp)
        return snprintf(why, whyn, "no interface %s", c->ifname), -ENODEV;
    struct d6_server *s = d6s_get(st);
    if (!s || !d6s_link_by_ifindex(s, ifp->index))
        return snprintf(why, whyn, "no DHCPv6 server on %s (a `dhcp6 server dev %s ...` line comes first)",
                        c->ifname, c->ifname), -ESRCH;
    *ifindex = ifp->index;
    if (c->n_pools < 1 || c->n_pools > AIIH_MAX_POOLS)
        return snprintf(why, whyn, "1 to %d pool4 ranges", AIIH_MAX_POOLS), -EINVAL;
    uint64_t total = 0;
    for (int i = 0; i < c->n_pools; i++) {
        const struct aiih_pool *p = &c->pools[i];
        if (v4h(p->lo) > v4h(p->hi))
            return snprintf(why, whyn, "pool4 A-B: A <= B"), -EINVAL;
        struct dstm_portset ps = { .offset = p->offset, .psid_len = p->psid_len };
        if (p->psid_len && !dstm_portset_valid(&ps))
            return snprintf(why, whyn, "share %u offset %u: offset + PSID length <= 16", 1u << p->psid_len,
                            p->offset), -EINVAL;
        for (int k = 0; k < i; k++)
            if (pools_overlap(p, &c->pools[k]))
                return snprintf(why, whyn, "pool4 ranges overlap"), -EINVAL;
        total += pool_units(p);
    }
    if (total > AIIH_SCAN_MAX)
        return snprintf(why, whyn, "the pools hold %llu addresses or port sets (at most %u)",
                        (unsigned long long)total, AIIH_SCAN_MAX), -EINVAL;
    if (c->n_teps < 0 || c->n_teps > AIIH_MAX_TEPS || c->n_lq_from < 0 || c->n_lq_from > AIIH_MAX_LQ_FROM)
        return snprintf(why, whyn, "too many tep / leasequery-from"), -EINVAL;
    for (int i = 0; i < c->n_teps; i++)
        if (c->teps[i].plen > 128)
            return snprintf(why, whyn, "tep P/L: L <= 128"), -EINVAL;
    if (c->opt_code && c->opt_code < 100)
        return snprintf(why, whyn, "opt-code %u: a code DHCPv6 already uses (take an unassigned one)",
                        c->opt_code), -EINVAL;
    if (c->preferred > c->valid && c->valid)
        return snprintf(why, whyn, "preferred %u > valid %u", c->preferred, c->valid), -EINVAL;
    return 0;
}

static void aiih_free_hook(struct dstm *d)
{
    struct aiih *a = d->aiih;
    if (!a)
        return;
    aiih_assigns_stop(a);
    free(a->holds);
    free(a->assigns);
    free(a);
    d->aiih = NULL;
    d->aiih_free = NULL;
}

/* After a restart the IPv4 leases come back from the store without the
 * IPv6 address they were bound to (the record has no room for it): it is
 * the address of the client's IA_NA binding, found again here. */
struct v6_ctx { struct d6_server *s; bool v4_pass; struct d6s_lease **na; size_t n, cap; };

static void collect_na(void *arg, struct d6s_lease *e)
{
    struct v6_ctx *c = arg;
    if (e->l.kind == LEASE_NA && e->l.state == LEASE_BOUND && !e->foreign && c->n < c->cap)
        c->na[c->n++] = e;
}

static void resolve_v6(void *arg, struct d6s_lease *e)
{
    struct v6_ctx *c = arg;
    static const struct in6_addr zero;
    if (e->l.kind != LEASE_V4 || memcmp(&e->v6, &zero, sizeof zero))
        return;
    for (size_t i = 0; i < c->n; i++)
        if (c->na[i]->l.duid_len == e->l.duid_len && !memcmp(c->na[i]->l.duid, e->l.duid, e->l.duid_len)) {
            e->v6 = c->na[i]->l.addr;
            return;
        }
}

void aiih_resolve_v6(struct six_stack *st)
{
    struct d6_server *s = d6s_get(st);
    if (!s || !s->tab.count)
        return;
    struct v6_ctx c = { .s = s, .cap = s->tab.count };
    c.na = calloc(c.cap, sizeof *c.na);   /* once per configuration, not per packet */
    if (!c.na)
        return;
    d6s_table_foreach(&s->tab, collect_na, &c);
    d6s_table_foreach(&s->tab, resolve_v6, &c);
    free(c.na);
}

int aiih_configure(struct six_stack *st, const struct aiih_config *cfg, char *why, size_t whyn)
{
    unsigned ifindex = 0;
    int rc = check_cfg(st, cfg, &ifindex, why, whyn);
    if (rc < 0)
        return rc;
    struct dstm *d = dstm_get(st);
    if (!d)
        return snprintf(why, whyn, "out of memory"), -ENOMEM;
    struct aiih *a = d->aiih;
    if (!a) {
        a = calloc(1, sizeof *a);
        if (!a || !(a->holds = calloc(AIIH_MAX_HOLDS, sizeof *a->holds))) {
            free(a);
            return snprintf(why, whyn, "out of memory"), -ENOMEM;
        }
        a->st = st;
        d->aiih = a;
        d->aiih_free = aiih_free_hook;
    }
    a->cfg = *cfg;
    if (!a->cfg.short_ttl)
        a->cfg.short_ttl = AIIH_SHORT_TTL_DEFAULT;
    if (!a->cfg.offer_timeout)
        a->cfg.offer_timeout = AIIH_OFFER_TIMEOUT_DEFAULT;
    if (!a->cfg.quarantine)
        a->cfg.quarantine = AIIH_QUARANTINE_DEFAULT;
    a->ifindex = ifindex;
    a->size = 0;
    for (int i = 0; i < cfg->n_pools; i++)
        a->size += a->units[i] = pool_units(&cfg->pools[i]);
    aiih_resolve_v6(st);
    /* the DNS half: A answers and RFC 2136 publication (aiih_dns.c) */
    if ((rc = aiih_dns_start(st)) < 0)
        return snprintf(why, whyn, "cannot join the DNS half: %s", strerror(-rc)), rc;
    six_event(st, LOG_INFO, "dstm aiih: serving %s, %llu IPv4 addresses or port sets", cfg->ifname,
              (unsigned long long)a->size);
    return 0;
}

int aiih_disable(struct six_stack *st, char *why, size_t whyn)
{
    struct dstm *d = st->dstm;
    if (!d || !d->aiih)
        return snprintf(why, whyn, "the AIIH is not running"), -ESRCH;
    aiih_dns_stop(st);
    aiih_free_hook(d);
    six_event(st, LOG_INFO, "dstm aiih: stopped (IPv4 leases stay in the store)");
    return 0;
}

/* ------------------------------------------------------------ holds */

bool aiih_hold(struct six_stack *st, const struct dstm_binding *b)
{
    struct aiih *a = aiih_get(st);
    if (!a)
        return false;
    struct in6_addr key;
    dstm_lease_key(&key, b->v4, &b->ps);
    for (int i = 0; i < a->n_holds; i++)
        if (!memcmp(&a->holds[i].key, &key, sizeof key)) {
            a->holds[i].n++;
            return true;
        }
    if (a->n_holds >= AIIH_MAX_HOLDS) {
        CTR_INC(st, aiih, drop_hold_full);
        return false;
    }
    a->holds[a->n_holds++] = (struct aiih_hold){ key, 1 };
    return true;
}

void aiih_unhold(struct six_stack *st, const struct dstm_binding *b)
{
    struct aiih *a = aiih_get(st);
    if (!a)
        return;
    struct in6_addr key;
    dstm_lease_key(&key, b->v4, &b->ps);
    for (int i = 0; i < a->n_holds; i++)
        if (!memcmp(&a->holds[i].key, &key, sizeof key)) {
            if (--a->holds[i].n == 0)
                a->holds[i] = a->holds[--a->n_holds];
            return;
        }
}

/* ------------------------------------------------------------ views */

struct walk { struct aiih *a; aiih_binding_fn fn; void *arg; struct aiih_info *info; };

static bool live_v4(const struct d6s_lease *e)
{
    return e->l.kind == LEASE_V4 && e->l.state == LEASE_BOUND && !e->foreign && (e->durable || !e->pending);
}

static void walk_one(void *arg, struct d6s_lease *e)
{
    struct walk *w = arg;
    if (!live_v4(e))
        return;
    struct dstm_binding b;
    aiih_binding_of(w->a, &e->l.addr, &e->v6, e->l.expires, &b);
    w->fn(w->arg, &b, !e->offered);
}

void aiih_foreach(struct six_stack *st, aiih_binding_fn fn, void *arg)
{
    struct aiih *a = aiih_get(st);
    struct d6_server *s = d6s_get(st);
    if (!a || !s)
        return;
    struct walk w = { a, fn, arg, NULL };
    d6s_table_foreach(&s->tab, walk_one, &w);
}

static void count_one(void *arg, struct d6s_lease *e)
{
    struct walk *w = arg;
    if (e->l.kind != LEASE_V4 || e->foreign || !aiih_key_in_pools(w->a, &e->l.addr))
        return;
    if (e->offered)
        w->info->offered++;
    else
        w->info->used++;
}

void aiih_info(struct six_stack *st, struct aiih_info *out)
{
    memset(out, 0, sizeof *out);
    struct aiih *a = aiih_get(st);
    struct d6_server *s = d6s_get(st);
    if (!a)
        return;
    out->running = true;
    out->cfg = a->cfg;
    out->size = a->size;
    out->held = (uint64_t)a->n_holds;
    out->assigns = a->n_assigns;
    struct walk w = { a, NULL, NULL, out };
    if (s)
        d6s_table_foreach(&s->tab, count_one, &w);
}

/* ------------------------------------------------------------ lookups */

struct find { const struct in6_addr *v6; struct d6s_lease *hit; };

static void find_v6(void *arg, struct d6s_lease *e)
{
    struct find *f = arg;
    if (!f->hit && live_v4(e) && !memcmp(&e->v6, f->v6, sizeof *f->v6))
        f->hit = e;
}

struct d6s_lease *aiih_lease_of_v6(struct six_stack *st, const struct in6_addr *v6)
{
    struct d6_server *s = d6s_get(st);
    struct find f = { v6, NULL };
    if (s)
        d6s_table_foreach(&s->tab, find_v6, &f);   /* a walk: the table has no index by IPv6 holder */
    return f.hit;
}

bool aiih_lookup_v6(struct six_stack *st, const struct in6_addr *v6, struct dstm_binding *b, uint32_t *ttl)
{
    struct aiih *a = aiih_get(st);
    struct d6s_lease *e = a ? aiih_lease_of_v6(st, v6) : NULL;
    if (!e)
        return false;
    aiih_binding_of(a, &e->l.addr, &e->v6, e->l.expires, b);
    int64_t left = e->l.expires - d6s_wall(st);
    *ttl = e->offered ? a->cfg.short_ttl : left > 0 ? (uint32_t)left : 0;
    return true;
}

bool aiih_lookup_v4(struct six_stack *st, struct in_addr v4, uint16_t port, struct dstm_binding *b)
{
    struct aiih *a = aiih_get(st);
    struct d6_server *s = d6s_get(st);
    if (!a || !s)
        return false;
    struct in6_addr key;
    dstm_lease_key(&key, v4, NULL);
    struct d6s_lease *e = d6s_table_find_addr(&s->tab, &key, 128);
    for (int i = 0; (!e || !live_v4(e)) && i < a->cfg.n_pools; i++) {
        const struct aiih_pool *p = &a->cfg.pools[i];
        if (!p->psid_len || v4h(v4) < v4h(p->lo) || v4h(v4) > v4h(p->hi))
            continue;
        struct dstm_portset ps = { .offset = p->offset, .psid_len = p->psid_len };
        if (port) {
            if (!dstm_port_psid(p->offset, p->psid_len, port, &ps.psid))
                continue;
            dstm_lease_key(&key, v4, &ps);
            e = d6s_table_find_addr(&s->tab, &key, 128);
            continue;
        }
        for (uint32_t psid = 0; psid < (1u << p->psid_len) && (!e || !live_v4(e)); psid++) {
            ps.psid = (uint16_t)psid;
            dstm_lease_key(&key, v4, &ps);
            e = d6s_table_find_addr(&s->tab, &key, 128);
        }
    }
    if (!e || !live_v4(e))
        return false;
    aiih_binding_of(a, &e->l.addr, &e->v6, e->l.expires, b);
    return true;
}
