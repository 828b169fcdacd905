/* The server's in-memory lease index: every lease it holds (bound, being
 * committed, declined, or another server's after a conflict), found by
 * address/prefix and by binding (DUID, IAID, kind).  Two chained hash
 * tables of fixed size; entries come from slabs and a free list, so a busy
 * server allocates memory only while the table grows, and never past
 * t->max entries.  Only USED addresses are here: a /64 pool costs nothing
 * until it is handed out. */
#include <stdlib.h>
#include <string.h>
#include "dhcp6/server_int.h"

#define NBUCKETS (1u << D6S_TABLE_BITS)
#define SLAB_N   256u

uint32_t d6s_hash(const void *p, size_t n, uint32_t seed)
{
    /* FNV-1a with a final mix: a spread, not a defence (the seed is random,
     * and a chain's length only costs time, never memory) */
    const uint8_t *b = p;
    uint32_t h = 2166136261u ^ seed;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 16777619u;
    h ^= h >> 16;
    h *= 0x7feb352du;
    h ^= h >> 15;
    return h;
}

static unsigned addr_bucket(const struct in6_addr *a, uint8_t plen)
{
    return (d6s_hash(a, sizeof *a, plen) & (NBUCKETS - 1));
}

/* IPv4 leases (at most one per DUID) hash without their IAID, so that
 * d6s_table_find_duid finds a client's lease whatever IA holds it. */
static unsigned bind_bucket(const uint8_t *duid, uint8_t len, uint32_t iaid, uint8_t kind)
{
    if (kind == LEASE_V4)
        iaid = 0;
    return (d6s_hash(duid, len, iaid * 31u + kind) & (NBUCKETS - 1));
}

int d6s_table_init(struct d6s_table *t, unsigned max)
{
    memset(t, 0, sizeof *t);
    t->by_addr = calloc(NBUCKETS, sizeof *t->by_addr);
    t->by_bind = calloc(NBUCKETS, sizeof *t->by_bind);
    if (!t->by_addr || !t->by_bind) {
        d6s_table_fini(t);
        return -1;
    }
    t->max = max;
    return 0;
}

void d6s_table_fini(struct d6s_table *t)
{
    for (unsigned i = 0; i < t->n_slabs; i++)
        free(t->slabs[i]);
    free(t->slabs);
    free(t->by_addr);
    free(t->by_bind);
    memset(t, 0, sizeof *t);
}

static int grow(struct d6s_table *t)
{
    if (t->n_slabs == t->cap_slabs) {
        unsigned nc = t->cap_slabs ? t->cap_slabs * 2 : 16;
        void **ns = realloc(t->slabs, nc * sizeof *ns);
        if (!ns)
            return -1;
        t->slabs = ns;
        t->cap_slabs = nc;
    }
    struct d6s_lease *slab = calloc(SLAB_N, sizeof *slab);
    if (!slab)
        return -1;
    t->slabs[t->n_slabs++] = slab;
    for (unsigned i = 0; i < SLAB_N; i++) {
        slab[i].anext = t->free_list;
        t->free_list = &slab[i];
    }
    return 0;
}

struct d6s_lease *d6s_table_new(struct d6s_table *t)
{
    if (t->count >= t->max)
        return NULL;
    if (!t->free_list && grow(t) < 0)
        return NULL;
    struct d6s_lease *e = t->free_list;
    t->free_list = e->anext;
    memset(e, 0, sizeof *e);
    t->count++;
    return e;
}

void d6s_table_insert(struct d6s_table *t, struct d6s_lease *e)
{
    unsigned a = addr_bucket(&e->l.addr, e->l.plen);
    e->anext = t->by_addr[a];
    t->by_addr[a] = e;
    if (e->l.kind == LEASE_PD)
        t->pd_plens[e->l.plen > 128 ? 0 : e->l.plen]++;
    e->bnext = NULL;
    e->in_bind = false;
    if (!e->foreign && e->l.state == LEASE_BOUND) {
        e->in_bind = true;
        unsigned b = bind_bucket(e->l.duid, e->l.duid_len, e->l.iaid, e->l.kind);
        e->bnext = t->by_bind[b];
        t->by_bind[b] = e;
    }
}

static bool unlink_chain(struct d6s_lease **head, struct d6s_lease *e, bool addr_chain)
{
    for (struct d6s_lease **pp = head; *pp; pp = addr_chain ? &(*pp)->anext : &(*pp)->bnext) {
        if (*pp == e) {
            *pp = addr_chain ? e->anext : e->bnext;
            return true;
        }
    }
    return false;
}

void d6s_table_unbind(struct d6s_table *t, struct d6s_lease *e)
{
    if (e->in_bind)
        unlink_chain(&t->by_bind[bind_bucket(e->l.duid, e->l.duid_len, e->l.iaid, e->l.kind)], e, false);
    e->in_bind = false;
    e->bnext = NULL;
}

void d6s_table_rebind(struct d6s_table *t, struct d6s_lease *e)
{
    if (e->in_bind || e->foreign || e->l.state != LEASE_BOUND)
        return;
    unsigned b = bind_bucket(e->l.duid, e->l.duid_len, e->l.iaid, e->l.kind);
    e->bnext = t->by_bind[b];
    t->by_bind[b] = e;
    e->in_bind = true;
}

void d6s_table_remove(struct d6s_table *t, struct d6s_lease *e)
{
    if (unlink_chain(&t->by_addr[addr_bucket(&e->l.addr, e->l.plen)], e, true) && e->l.kind == LEASE_PD)
        t->pd_plens[e->l.plen > 128 ? 0 : e->l.plen]--;
    d6s_table_unbind(t, e);
    memset(e, 0, sizeof *e);
    e->anext = t->free_list;
    t->free_list = e;
    t->count--;
}

struct d6s_lease *d6s_table_find_addr(const struct d6s_table *t, const struct in6_addr *a, uint8_t plen)
{
    for (struct d6s_lease *e = t->by_addr[addr_bucket(a, plen)]; e; e = e->anext)
        if (e->l.plen == plen && !memcmp(&e->l.addr, a, sizeof *a))
            return e;
    return NULL;
}

static struct in6_addr prefix_mask(const struct in6_addr *a, unsigned plen)
{
    struct in6_addr m = *a;
    for (unsigned b = plen; b < 128; b++)
        m.s6_addr[b / 8] &= (uint8_t)~(0x80 >> (b % 8));
    return m;
}

/* The i-th /len sub-prefix of p/plen (len - plen <= 16). */
static struct in6_addr sub_prefix(const struct in6_addr *p, unsigned plen, unsigned len, unsigned i)
{
    struct in6_addr a = *p;
    for (unsigned k = 0; k < len - plen; k++) {
        unsigned b = len - 1 - k;
        if (i >> k & 1)
            a.s6_addr[b / 8] |= (uint8_t)(0x80 >> (b % 8));
    }
    return a;
}

static bool covers(const struct in6_addr *p, unsigned plen, const struct in6_addr *a)
{
    struct in6_addr x = prefix_mask(a, plen), y = prefix_mask(p, plen);
    return !memcmp(&x, &y, sizeof x);
}

struct d6s_lease *d6s_table_find_overlap(const struct d6s_table *t, const struct in6_addr *p, uint8_t plen)
{
    for (unsigned len = 1; len <= 128; len++) {
        if (!t->pd_plens[len] || len == plen)
            continue;
        if (len < plen) {            /* a shorter one holding p */
            struct in6_addr m = prefix_mask(p, len);
            struct d6s_lease *e = d6s_table_find_addr(t, &m, (uint8_t)len);
            if (e && e->l.kind == LEASE_PD)
                return e;
            continue;
        }
        /* longer ones inside p: probe each when few, else look at all */
        if (len - plen <= D6S_OVERLAP_PROBE_BITS) {
            for (unsigned i = 0; i < 1u << (len - plen); i++) {
                struct in6_addr m = sub_prefix(p, plen, len, i);
                struct d6s_lease *e = d6s_table_find_addr(t, &m, (uint8_t)len);
                if (e && e->l.kind == LEASE_PD)
                    return e;
            }
            continue;
        }
        for (unsigned b = 0; b < NBUCKETS; b++)
            for (struct d6s_lease *e = t->by_addr[b]; e; e = e->anext)
                if (e->l.kind == LEASE_PD && e->l.plen == len && covers(p, plen, &e->l.addr))
                    return e;
    }
    return NULL;
}

struct d6s_lease *d6s_table_find_duid(const struct d6s_table *t, const uint8_t *duid, uint8_t duid_len)
{
    for (struct d6s_lease *e = t->by_bind[bind_bucket(duid, duid_len, 0, LEASE_V4)]; e; e = e->bnext)
        if (e->l.kind == LEASE_V4 && e->l.duid_len == duid_len && !memcmp(e->l.duid, duid, duid_len))
            return e;
    return NULL;
}

struct d6s_lease *d6s_table_find_bind(const struct d6s_table *t, const uint8_t *duid, uint8_t duid_len,
                                      uint32_t iaid, uint8_t kind, struct d6s_lease *prev)
{
    struct d6s_lease *e = prev ? prev->bnext : t->by_bind[bind_bucket(duid, duid_len, iaid, kind)];
    for (; e; e = e->bnext)
        if (e->l.iaid == iaid && e->l.kind == kind && e->l.duid_len == duid_len &&
            !memcmp(e->l.duid, duid, duid_len))
            return e;
    return NULL;
}

static void visit_bucket(struct d6s_table *t, unsigned b, void (*fn)(void *arg, struct d6s_lease *e), void *arg)
{
    for (struct d6s_lease *e = t->by_addr[b], *nx; e; e = nx) {
        nx = e->anext;   /* fn may remove e */
        fn(arg, e);
    }
}

void d6s_table_foreach(struct d6s_table *t, void (*fn)(void *arg, struct d6s_lease *e), void *arg)
{
    for (unsigned b = 0; b < NBUCKETS; b++)
        visit_bucket(t, b, fn, arg);
}

void d6s_table_scan(struct d6s_table *t, unsigned n, void (*fn)(void *arg, struct d6s_lease *e), void *arg)
{
    for (unsigned i = 0; i < n && i < NBUCKETS; i++) {
        visit_bucket(t, t->scan_pos, fn, arg);
        t->scan_pos = (t->scan_pos + 1) & (NBUCKETS - 1);
    }
}
