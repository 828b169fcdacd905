/* Pools and allocation.  An address pool A-B lies within one /64 (the
 * upper 64 bits of A and B equal), so it may hold up to 2^64 addresses; a
 * PD pool P/L delegate N holds 2^(N-L) prefixes (at most 2^64 are used).
 * Nothing is kept per free address: a candidate for (DUID, IAID) is found
 * by a keyed hash, then a short linear probe, checking the lease table
 * (which holds only the USED ones) and the reservations.  The same client
 * gets the same candidate again (Advertise, then Request) unless it was
 * taken in between.  Small pools that hashing cannot fill are scanned. */
#include <string.h>
#include "dhcp6/server_int.h"

static uint64_t ld64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | p[i];
    return v;
}

static void st64(uint8_t *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--, v >>= 8)
        p[i] = (uint8_t)v;
}

bool d6s_in_prefix(const struct in6_addr *a, const struct in6_addr *p, uint8_t plen)
{
    unsigned full = plen / 8, rest = plen % 8;
    if (memcmp(a->s6_addr, p->s6_addr, full))
        return false;
    if (!rest)
        return true;
    uint8_t m = (uint8_t)(0xff << (8 - rest));
    return (a->s6_addr[full] & m) == (p->s6_addr[full] & m);
}

bool d6s_in_na_pool(const struct d6s_link *lk, const struct in6_addr *a)
{
    if (!lk->cfg.has_pool || memcmp(a->s6_addr, lk->cfg.pool_lo.s6_addr, 8))
        return false;
    uint64_t v = ld64(a->s6_addr + 8);
    return v >= ld64(lk->cfg.pool_lo.s6_addr + 8) && v <= ld64(lk->cfg.pool_hi.s6_addr + 8);
}

bool d6s_in_pd_pool(const struct d6s_link *lk, const struct in6_addr *p, uint8_t plen)
{
    return lk->cfg.has_pd && plen == lk->cfg.pd_delegate && d6s_in_prefix(p, &lk->cfg.pd, lk->cfg.pd_len);
}

/* The link prefix: `link P/L`, else the address pool's /64. A relayed
 * client's link-address and a Confirm's addresses are checked against it. */
bool d6s_on_link(const struct d6s_link *lk, const struct in6_addr *a)
{
    if (lk->cfg.has_link)
        return d6s_in_prefix(a, &lk->cfg.link, lk->cfg.link_len);
    if (lk->cfg.has_pool)
        return d6s_in_prefix(a, &lk->cfg.pool_lo, 64);
    return false;
}

void d6s_link_sizes(struct d6s_link *lk)
{
    lk->na_span = 0;
    if (lk->cfg.has_pool)
        lk->na_span = ld64(lk->cfg.pool_hi.s6_addr + 8) - ld64(lk->cfg.pool_lo.s6_addr + 8);
    lk->pd_span = 0;
    if (lk->cfg.has_pd) {
        unsigned bits = (unsigned)lk->cfg.pd_delegate - lk->cfg.pd_len;
        lk->pd_span = bits >= 64 ? UINT64_MAX : (1ull << bits) - 1;
    }
}

/* idx-th member of the pool. */
static struct in6_addr pool_at(const struct d6s_link *lk, uint8_t kind, uint64_t idx)
{
    struct in6_addr a;
    if (kind == LEASE_NA) {
        a = lk->cfg.pool_lo;
        st64(a.s6_addr + 8, ld64(lk->cfg.pool_lo.s6_addr + 8) + idx);
        return a;
    }
    /* PD: P + idx << (128 - N), as two 64-bit halves */
    a = lk->cfg.pd;
    unsigned shift = 128u - lk->cfg.pd_delegate;
    uint64_t hi = ld64(a.s6_addr), lo = ld64(a.s6_addr + 8), add_hi, add_lo;
    if (shift >= 64) {
        add_hi = shift >= 128 ? 0 : idx << (shift - 64);
        add_lo = 0;
    } else {
        add_lo = idx << shift;
        add_hi = shift ? idx >> (64 - shift) : 0;
    }
    uint64_t nlo = lo + add_lo;
    hi += add_hi + (nlo < lo);
    st64(a.s6_addr, hi);
    st64(a.s6_addr + 8, nlo);
    return a;
}

const struct d6s_reservation *d6s_res_for(const struct d6s_link *lk, const uint8_t *duid, uint8_t len)
{
    for (int i = 0; i < lk->cfg.n_res; i++)
        if (lk->cfg.res[i].duid_len == len && !memcmp(lk->cfg.res[i].duid, duid, len))
            return &lk->cfg.res[i];
    return NULL;
}

static bool reserved_for_other(const struct d6s_link *lk, uint8_t kind, const struct in6_addr *a,
                               const uint8_t *duid, uint8_t len)
{
    for (int i = 0; i < lk->cfg.n_res; i++) {
        const struct d6s_reservation *r = &lk->cfg.res[i];
        bool hit = kind == LEASE_NA ? r->has_addr && !memcmp(&r->addr, a, sizeof *a)
                                    : r->has_prefix && !memcmp(&r->prefix, a, sizeof *a);
        if (hit && !(r->duid_len == len && !memcmp(r->duid, duid, len)))
            return true;
    }
    return false;
}

/* A member of lk's pool that (duid) may be given: not the anycast address,
 * not held, not another client's reservation.  Every path that gives a new
 * address (the pool's pick, an address a Rebind names) goes through it. */
bool d6s_usable(struct d6_server *s, const struct d6s_link *lk, uint8_t kind, const struct in6_addr *a,
                const uint8_t *duid, uint8_t len)
{
    uint8_t plen = kind == LEASE_NA ? 128 : lk->cfg.pd_delegate;
    if (kind == LEASE_NA && ld64(a->s6_addr + 8) == 0)
        return false;   /* the Subnet-Router anycast address (RFC 4291 §2.6.1) */
    return !d6s_table_find_addr(&s->tab, a, plen) && !reserved_for_other(lk, kind, a, duid, len) &&
           (kind != LEASE_PD || !d6s_table_find_overlap(&s->tab, a, plen));
}

static uint64_t hash64(struct d6_server *s, const uint8_t *duid, uint8_t len, uint32_t iaid, unsigned n)
{
    uint32_t h1 = d6s_hash(duid, len, s->rate_seed ^ iaid ^ n * 0x9e3779b9u);
    uint32_t h2 = d6s_hash(duid, len, h1 ^ 0x85ebca6bu);
    return (uint64_t)h1 << 32 | h2;
}

bool d6s_pick(struct d6_server *s, struct d6s_link *lk, uint8_t kind, const uint8_t *duid, uint8_t duid_len,
              uint32_t iaid, unsigned attempt, struct in6_addr *out)
{
    if (kind == LEASE_NA ? !lk->cfg.has_pool : !lk->cfg.has_pd)
        return false;
    uint64_t span = kind == LEASE_NA ? lk->na_span : lk->pd_span;
    uint64_t used = kind == LEASE_NA ? lk->na_used : lk->pd_used;
    if (span != UINT64_MAX && used > span)
        return false;   /* every member in use */
    for (unsigned n = attempt * D6S_HASH_TRIES; n < (attempt + 1) * D6S_HASH_TRIES; n++) {
        uint64_t h = hash64(s, duid, duid_len, iaid, n);
        uint64_t start = span == UINT64_MAX ? h : h % (span + 1);
        for (uint64_t k = 0; k < D6S_PROBE && k <= span; k++) {
            uint64_t idx = span == UINT64_MAX ? start + k : (start + k) % (span + 1);
            *out = pool_at(lk, kind, idx);
            if (d6s_usable(s, lk, kind, out, duid, duid_len))
                return true;
        }
    }
    if (span >= D6S_SCAN_MAX)
        return false;
    for (uint64_t idx = 0; idx <= span; idx++) {
        *out = pool_at(lk, kind, idx);
        if (d6s_usable(s, lk, kind, out, duid, duid_len))
            return true;
    }
    return false;
}

/* Pool occupancy: what the table holds inside each link's pools. */
void d6s_count_used(struct d6_server *s, const struct lease *l, int delta)
{
    for (unsigned i = 0; i < s->n_links; i++) {
        struct d6s_link *lk = &s->links[i];
        if (l->kind == LEASE_NA && d6s_in_na_pool(lk, &l->addr)) {
            lk->na_used += (uint64_t)(int64_t)delta;
            if (l->state == LEASE_DECLINED)
                lk->na_declined += (uint64_t)(int64_t)delta;
        }
        else if (l->kind == LEASE_PD && d6s_in_pd_pool(lk, &l->addr, l->plen))
            lk->pd_used += (uint64_t)(int64_t)delta;
    }
}

/* Quarantine is bounded: a host declining every address it is given must
 * not empty the pool.  Past the cap a Decline frees the address instead. */
bool d6s_decline_room(const struct d6s_link *lk)
{
    uint64_t cap = lk->na_span / 8;
    if (cap > D6S_DECLINED_MAX)
        cap = D6S_DECLINED_MAX;
    if (cap < 1)
        cap = 1;
    return lk->na_declined < cap;
}
