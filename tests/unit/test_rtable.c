/* Routing table LPM: fixed cases plus randomized comparison against a naive
 * linear-scan reference, for both families and both direct-array sizes
 * (small tables use 12 bits, tables with max_routes >= 16384 use 18). */
#include "net/rtable.h"
#include "../lib/t.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint64_t rnd(void)                     /* xorshift64*, fixed seed */
{
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return rng * 0x2545f4914f6cdd1dULL;
}

static struct in6_addr a6(const char *s)
{
    struct in6_addr a;
    if (inet_pton(AF_INET6, s, &a) != 1)
        abort();
    return a;
}

static struct in_addr a4(const char *s)
{
    struct in_addr a;
    if (inet_pton(AF_INET, s, &a) != 1)
        abort();
    return a;
}

/* ---- 128-bit keys for the reference ---- */

struct k128 { uint64_t hi, lo; };

static struct k128 k_of(const struct in6_addr *a)
{
    struct k128 k = { 0, 0 };
    for (int i = 0; i < 8; i++) {
        k.hi = k.hi << 8 | a->s6_addr[i];
        k.lo = k.lo << 8 | a->s6_addr[8 + i];
    }
    return k;
}

static struct in6_addr addr_of(struct k128 k)
{
    struct in6_addr a;
    for (int i = 7; i >= 0; i--) {
        a.s6_addr[i] = (uint8_t)k.hi;
        a.s6_addr[8 + i] = (uint8_t)k.lo;
        k.hi >>= 8;
        k.lo >>= 8;
    }
    return a;
}

static struct k128 k_mask(unsigned plen)
{
    struct k128 m;
    m.hi = plen == 0 ? 0 : plen >= 64 ? ~0ULL : ~0ULL << (64 - plen);
    m.lo = plen <= 64 ? 0 : plen >= 128 ? ~0ULL : ~0ULL << (128 - plen);
    return m;
}

static struct k128 k_and(struct k128 a, struct k128 m)
{
    struct k128 r = { a.hi & m.hi, a.lo & m.lo };
    return r;
}

/* ---- naive reference: array kept sorted by plen, longest first, so the
 * first match of a linear scan is the longest ---- */

struct ref_ent { struct k128 key, mask; unsigned plen; uint32_t nh; };
struct ref { struct ref_ent *e; size_t n, cap; };

static long ref_find(const struct ref *r, struct k128 k, unsigned plen)
{
    for (size_t i = 0; i < r->n; i++)
        if (r->e[i].plen == plen && r->e[i].key.hi == k.hi && r->e[i].key.lo == k.lo)
            return (long)i;
    return -1;
}

static uint32_t ref_lookup(const struct ref *r, struct k128 d)
{
    for (size_t i = 0; i < r->n; i++) {
        const struct ref_ent *e = &r->e[i];
        if (!((d.hi ^ e->key.hi) & e->mask.hi) && !((d.lo ^ e->key.lo) & e->mask.lo))
            return e->nh;
    }
    return RT_NH_NONE;
}

/* Reference insert/delete returning the codes the table must return. */
static int ref_insert(struct ref *r, struct k128 k, unsigned plen, uint32_t nh)
{
    k = k_and(k, k_mask(plen));
    long i = ref_find(r, k, plen);
    if (i >= 0) {
        r->e[i].nh = nh;
        return 0;
    }
    if (r->n == r->cap)
        return -ENOSPC;
    size_t at = 0;
    while (at < r->n && r->e[at].plen > plen)
        at++;
    memmove(&r->e[at + 1], &r->e[at], (r->n - at) * sizeof(r->e[0]));
    r->e[at] = (struct ref_ent){ k, k_mask(plen), plen, nh };
    r->n++;
    return 0;
}

static int ref_delete(struct ref *r, struct k128 k, unsigned plen)
{
    long i = ref_find(r, k_and(k, k_mask(plen)), plen);
    if (i < 0)
        return -ENOENT;
    r->n--;
    memmove(&r->e[i], &r->e[i + 1], (r->n - (size_t)i) * sizeof(r->e[0]));
    return 0;
}

/* ---- random prefixes that overlap a lot: variations of a few bases ---- */

static struct k128 bases[8];

static struct k128 randomize_from(struct k128 k, unsigned q)  /* new bits q.. */
{
    struct k128 m = k_mask(q), r = { rnd(), rnd() };
    k.hi = (k.hi & m.hi) | (r.hi & ~m.hi);
    k.lo = (k.lo & m.lo) | (r.lo & ~m.lo);
    return k;
}

static unsigned rand_plen(unsigned maxlen)
{
    unsigned c = (unsigned)(rnd() % 100);
    if (c < 1)
        return (unsigned)(rnd() % 9);                   /* very short */
    if (c < 6)
        return maxlen;                                  /* host route */
    return 9 + (unsigned)(rnd() % (maxlen - 8));
}

/* family-neutral key: IPv4 keys live in the top 32 bits of hi */
static struct k128 rand_key(unsigned maxlen, unsigned plen)
{
    struct k128 k = bases[rnd() % 8];
    k = randomize_from(k, (unsigned)(rnd() % (plen + 1)));
    if (maxlen == 32) {
        k.hi &= 0xffffffff00000000ULL;
        k.lo = 0;
    }
    return k;
}

/* ---- family adapters so one random driver tests both ---- */

struct fam {
    unsigned maxlen;
    void *t;
    int (*ins)(void *t, struct k128 k, unsigned plen, uint32_t nh);
    int (*del)(void *t, struct k128 k, unsigned plen);
    uint32_t (*look)(void *t, struct k128 k);
    uint32_t (*get)(void *t, struct k128 k, unsigned plen);
    size_t (*count)(void *t);
};

static struct in_addr v4_of(struct k128 k)
{
    struct in_addr a = { htonl((uint32_t)(k.hi >> 32)) };
    return a;
}

static int ins6(void *t, struct k128 k, unsigned p, uint32_t nh)
{ struct in6_addr a = addr_of(k); return rtable6_insert(t, &a, p, nh); }
static int del6(void *t, struct k128 k, unsigned p)
{ struct in6_addr a = addr_of(k); return rtable6_delete(t, &a, p); }
static uint32_t look6(void *t, struct k128 k)
{ struct in6_addr a = addr_of(k); return rtable6_lookup(t, &a); }
static uint32_t get6(void *t, struct k128 k, unsigned p)
{ struct in6_addr a = addr_of(k); return rtable6_get(t, &a, p); }
static size_t count6(void *t) { return rtable6_count(t); }
static int ins4(void *t, struct k128 k, unsigned p, uint32_t nh)
{ struct in_addr a = v4_of(k); return rtable4_insert(t, &a, p, nh); }
static int del4(void *t, struct k128 k, unsigned p)
{ struct in_addr a = v4_of(k); return rtable4_delete(t, &a, p); }
static uint32_t look4(void *t, struct k128 k)
{ struct in_addr a = v4_of(k); return rtable4_lookup(t, &a); }
static uint32_t get4(void *t, struct k128 k, unsigned p)
{ struct in_addr a = v4_of(k); return rtable4_get(t, &a, p); }
static size_t count4(void *t) { return rtable4_count(t); }

static struct k128 rand_dst(const struct fam *f, const struct ref *r)
{
    if (r->n && rnd() % 2) {                            /* inside a prefix */
        const struct ref_ent *e = &r->e[rnd() % r->n];
        struct k128 k = randomize_from(e->key, e->plen);
        if (f->maxlen == 32) {
            k.hi &= 0xffffffff00000000ULL;
            k.lo = 0;
        }
        return k;
    }
    return rand_key(f->maxlen, f->maxlen);
}

static int check_lookups(const struct fam *f, const struct ref *r, unsigned n)
{
    int bad = 0;
    for (unsigned i = 0; i < n; i++) {
        struct k128 d = rand_dst(f, r);
        uint32_t want = ref_lookup(r, d), got = f->look(f->t, d);
        if (want != got && bad++ < 5)
            fprintf(stderr, "  lookup %016llx%016llx: want %u got %u\n",
                    (unsigned long long)d.hi, (unsigned long long)d.lo, want, got);
    }
    return bad;
}

/* Random inserts (new and replacing), deletes (present and absent) with
 * return codes checked against the reference, periodic lookup checks, and a
 * final 100k-lookup comparison plus exact-get of every prefix. */
static void random_run(struct fam *f, uint32_t cap, unsigned nops, unsigned nlook)
{
    struct ref r = { calloc(cap, sizeof(struct ref_ent)), 0, cap };
    int bad = 0;
    for (int i = 0; i < 8; i++)
        bases[i] = (struct k128){ rnd(), rnd() };
    for (unsigned op = 0; op < nops && bad < 5; op++) {
        unsigned plen = rand_plen(f->maxlen);
        struct k128 k = rand_key(f->maxlen, plen);
        int want, got;
        if (r.n && rnd() % 100 < (op < nops / 2 ? 15 : 45)) {
            if (rnd() % 4) {                            /* existing prefix */
                size_t i = rnd() % r.n;
                k = r.e[i].key;
                plen = r.e[i].plen;
            }
            want = ref_delete(&r, k, plen);
            got = f->del(f->t, k, plen);
        } else {
            uint32_t nh = (uint32_t)(rnd() % 1000);
            want = ref_insert(&r, k, plen, nh);
            got = f->ins(f->t, k, plen, nh);
        }
        if (want != got)
            fprintf(stderr, "  op %u plen %u: want %d got %d\n", op, plen, want, got), bad++;
        if (op % 1000 == 999)
            bad += check_lookups(f, &r, 300);
    }
    T_EQ(bad, 0);
    T_EQ(f->count(f->t), r.n);
    T_EQ(check_lookups(f, &r, nlook), 0);
    for (size_t i = 0; i < r.n; i++)
        if (f->get(f->t, r.e[i].key, r.e[i].plen) != r.e[i].nh)
            bad++;
    T_EQ(bad, 0);
    free(r.e);
}

static void random6(uint32_t cap, unsigned nops, unsigned nlook)
{
    struct fam f = { 128, rtable6_create(cap), ins6, del6, look6, get6, count6 };
    T_CHECK(f.t);
    random_run(&f, cap, nops, nlook);
    rtable6_destroy(f.t);
}

static void random4(uint32_t cap, unsigned nops, unsigned nlook)
{
    struct fam f = { 32, rtable4_create(cap), ins4, del4, look4, get4, count4 };
    T_CHECK(f.t);
    random_run(&f, cap, nops, nlook);
    rtable4_destroy(f.t);
}

/* 5000-prefix cap (ENOSPC is hit and checked) with 100k lookups, then a
 * table large enough to use the 18-bit direct array. */
TEST(random6_small) { random6(5000, 12000, 100000); }
TEST(random6_large) { random6(20000, 12000, 20000); }
TEST(random4_small) { random4(5000, 12000, 100000); }
TEST(random4_large) { random4(20000, 12000, 20000); }

/* ---- fixed cases ---- */

static uint32_t L6(struct rtable6 *t, const char *s)
{
    struct in6_addr a = a6(s);
    return rtable6_lookup(t, &a);
}

static uint32_t L4(struct rtable4 *t, const char *s)
{
    struct in_addr a = a4(s);
    return rtable4_lookup(t, &a);
}

static int I6(struct rtable6 *t, const char *s, unsigned plen, uint32_t nh)
{
    struct in6_addr a = a6(s);
    return rtable6_insert(t, &a, plen, nh);
}

static int D6(struct rtable6 *t, const char *s, unsigned plen)
{
    struct in6_addr a = a6(s);
    return rtable6_delete(t, &a, plen);
}

static int I4(struct rtable4 *t, const char *s, unsigned plen, uint32_t nh)
{
    struct in_addr a = a4(s);
    return rtable4_insert(t, &a, plen, nh);
}

static int D4(struct rtable4 *t, const char *s, unsigned plen)
{
    struct in_addr a = a4(s);
    return rtable4_delete(t, &a, plen);
}

TEST(v6_overlap_and_restore)
{
    struct rtable6 *t = rtable6_create(100);
    T_EQ(L6(t, "2001:db8::1"), RT_NH_NONE);
    T_EQ(I6(t, "::", 0, 1), 0);
    T_EQ(I6(t, "2001:db8::", 32, 2), 0);
    T_EQ(I6(t, "2001:db8:1::", 48, 3), 0);
    T_EQ(I6(t, "2001:db8:1:2::", 64, 4), 0);
    T_EQ(I6(t, "2001:db8:1:2::5", 128, 5), 0);
    T_EQ(L6(t, "fe80::1"), 1);
    T_EQ(L6(t, "2001:db8:ffff::1"), 2);
    T_EQ(L6(t, "2001:db8:1:ffff::1"), 3);
    T_EQ(L6(t, "2001:db8:1:2::6"), 4);
    T_EQ(L6(t, "2001:db8:1:2::5"), 5);
    T_EQ(L6(t, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"), 1);
    T_EQ(D6(t, "2001:db8:1:2::", 64), 0);               /* restores /48 */
    T_EQ(L6(t, "2001:db8:1:2::6"), 3);
    T_EQ(L6(t, "2001:db8:1:2::5"), 5);
    T_EQ(D6(t, "2001:db8:1:2::5", 128), 0);
    T_EQ(L6(t, "2001:db8:1:2::5"), 3);
    T_EQ(D6(t, "2001:db8::", 32), 0);                   /* under an existing /48 */
    T_EQ(L6(t, "2001:db8:1::9"), 3);
    T_EQ(L6(t, "2001:db8:2::9"), 1);
    T_EQ(D6(t, "::", 0), 0);
    T_EQ(L6(t, "2001:db8:2::9"), RT_NH_NONE);
    T_EQ(D6(t, "::", 0), -ENOENT);
    T_EQ(rtable6_count(t), 1);
    T_EQ(I6(t, "2001:db8:1::", 48, 7), 0);              /* replace */
    T_EQ(rtable6_count(t), 1);
    T_EQ(L6(t, "2001:db8:1::9"), 7);
    T_EQ(D6(t, "2001:db8:1::", 48), 0);
    T_EQ(L6(t, "2001:db8:1::9"), RT_NH_NONE);
    T_EQ(rtable6_count(t), 0);
    rtable6_destroy(t);
}

TEST(v6_host_bits_ignored_and_get)
{
    struct rtable6 *t = rtable6_create(100);
    struct in6_addr p = a6("2001:db8::"), q = a6("2001:db8:0:1::");
    T_EQ(I6(t, "2001:db8:ffff::1", 32, 9), 0);
    T_EQ(rtable6_get(t, &p, 32), 9);
    T_EQ(rtable6_get(t, &p, 31), RT_NH_NONE);
    T_EQ(rtable6_get(t, &q, 64), RT_NH_NONE);
    T_EQ(I6(t, "2001:db8::", 32, 10), 0);               /* same prefix */
    T_EQ(rtable6_count(t), 1);
    T_EQ(rtable6_get(t, &p, 32), 10);
    T_EQ(D6(t, "2001:db8:1234::", 32), 0);
    T_EQ(rtable6_count(t), 0);
    rtable6_destroy(t);
}

TEST(v4_overlap_and_restore)
{
    struct rtable4 *t = rtable4_create(100);
    T_EQ(I4(t, "0.0.0.0", 0, 1), 0);
    T_EQ(I4(t, "10.0.0.0", 8, 2), 0);
    T_EQ(I4(t, "10.1.0.0", 16, 3), 0);
    T_EQ(I4(t, "10.1.2.0", 24, 4), 0);
    T_EQ(I4(t, "10.1.2.128", 25, 5), 0);
    T_EQ(I4(t, "10.1.2.3", 32, 6), 0);
    T_EQ(L4(t, "192.0.2.1"), 1);
    T_EQ(L4(t, "10.9.9.9"), 2);
    T_EQ(L4(t, "10.1.9.9"), 3);
    T_EQ(L4(t, "10.1.2.9"), 4);
    T_EQ(L4(t, "10.1.2.200"), 5);
    T_EQ(L4(t, "10.1.2.3"), 6);
    T_EQ(L4(t, "10.1.2.4"), 4);
    T_EQ(D4(t, "10.1.2.0", 24), 0);
    T_EQ(L4(t, "10.1.2.9"), 3);
    T_EQ(L4(t, "10.1.2.3"), 6);
    T_EQ(D4(t, "10.1.2.3", 32), 0);
    T_EQ(L4(t, "10.1.2.3"), 3);
    T_EQ(D4(t, "10.0.0.0", 8), 0);
    T_EQ(L4(t, "10.9.9.9"), 1);
    T_EQ(L4(t, "10.1.2.200"), 5);
    T_EQ(D4(t, "0.0.0.0", 0), 0);
    T_EQ(L4(t, "10.9.9.9"), RT_NH_NONE);
    T_EQ(L4(t, "255.255.255.255"), RT_NH_NONE);
    T_EQ(I4(t, "255.255.255.255", 32, 8), 0);
    T_EQ(L4(t, "255.255.255.255"), 8);
    T_EQ(L4(t, "255.255.255.254"), RT_NH_NONE);
    T_EQ(rtable4_count(t), 3);
    rtable4_destroy(t);
}

TEST(einval_enoent)
{
    struct rtable6 *t = rtable6_create(10);
    struct rtable4 *u = rtable4_create(10);
    struct in6_addr p = a6("::");
    struct in_addr q = a4("0.0.0.0");
    T_EQ(rtable6_insert(t, &p, 129, 1), -EINVAL);
    T_EQ(rtable6_insert(t, &p, 64, RT_NH_NONE), -EINVAL);
    T_EQ(rtable6_delete(t, &p, 129), -EINVAL);
    T_EQ(rtable6_delete(t, &p, 0), -ENOENT);
    T_EQ(rtable6_get(t, &p, 129), RT_NH_NONE);
    T_EQ(rtable4_insert(u, &q, 33, 1), -EINVAL);
    T_EQ(rtable4_insert(u, &q, 8, RT_NH_NONE), -EINVAL);
    T_EQ(rtable4_delete(u, &q, 33), -EINVAL);
    T_EQ(rtable4_delete(u, &q, 8), -ENOENT);
    T_EQ(I4(u, "10.0.0.0", 8, 1), 0);
    T_EQ(D4(u, "10.0.0.0", 16), -ENOENT);               /* only the /8 exists */
    T_EQ(D4(u, "10.0.0.0", 7), -ENOENT);
    T_EQ(rtable6_count(t) + rtable4_count(u), 1);
    T_CHECK(rtable6_create(0) == NULL);
    rtable6_destroy(t);
    rtable4_destroy(u);
}

TEST(cap_enospc)
{
    struct rtable6 *t = rtable6_create(3);
    struct rtable4 *u = rtable4_create(3);
    T_EQ(I6(t, "2001:db8::", 32, 1), 0);
    T_EQ(I6(t, "2001:db8::", 48, 2), 0);
    T_EQ(I6(t, "2001:db8::", 64, 3), 0);
    T_EQ(I6(t, "2001:db8::", 80, 4), -ENOSPC);
    T_EQ(I6(t, "2001:db8::", 64, 5), 0);                /* replace at cap */
    T_EQ(L6(t, "2001:db8::1"), 5);
    T_EQ(L6(t, "2001:db8:0:1::1"), 2);
    T_EQ(D6(t, "2001:db8::", 32), 0);
    T_EQ(I6(t, "2001:db8::", 80, 4), 0);
    T_EQ(L6(t, "2001:db8::1"), 4);
    for (unsigned i = 0; i < 3; i++) {
        char s[32];
        snprintf(s, sizeof(s), "10.%u.0.0", i);
        T_EQ(I4(u, s, 16, i), 0);
    }
    T_EQ(I4(u, "10.9.0.0", 16, 9), -ENOSPC);
    T_EQ(rtable4_count(u), 3);
    T_CHECK(rtable4_mem_bytes(u) > 0 && rtable6_mem_bytes(t) > 0);
    rtable6_destroy(t);
    rtable4_destroy(u);
}

/* ---- walk ---- */

struct wctx { unsigned n, stop_at; struct k128 last; unsigned last_plen; int sorted, seen[8]; };

static int walk6_cb(void *ctx, const struct in6_addr *p, unsigned plen, uint32_t nh)
{
    struct wctx *w = ctx;
    struct k128 k = k_of(p);
    if (w->n && (k.hi < w->last.hi || (k.hi == w->last.hi && (k.lo < w->last.lo
                 || (k.lo == w->last.lo && plen <= w->last_plen)))))
        w->sorted = 0;
    w->last = k;
    w->last_plen = plen;
    if (nh < 8)
        w->seen[nh]++;
    return ++w->n == w->stop_at ? 42 : 0;
}

static int walk4_cb(void *ctx, const struct in_addr *p, unsigned plen, uint32_t nh)
{
    struct in6_addr a = { 0 };
    memcpy(a.s6_addr, &p->s_addr, 4);
    return walk6_cb(ctx, &a, plen, nh);
}

TEST(walk_every_prefix_once)
{
    struct rtable6 *t = rtable6_create(100);
    struct rtable4 *u = rtable4_create(100);
    const char *p6[] = { "::", "2001:db8::", "2001:db8::", "2001:db8:1::", "fe80::",
                         "2001:db8::1", "2000::", "::1" };
    unsigned l6[] = { 0, 32, 48, 48, 10, 128, 3, 128 };
    for (uint32_t i = 0; i < 8; i++)
        T_EQ(I6(t, p6[i], l6[i], i), 0);
    struct wctx w = { .sorted = 1 };
    T_EQ(rtable6_walk(t, walk6_cb, &w), 0);
    T_EQ(w.n, 8);
    T_CHECK(w.sorted);
    for (int i = 0; i < 8; i++)
        T_EQ(w.seen[i], 1);
    struct wctx s = { .stop_at = 3, .sorted = 1 };
    T_EQ(rtable6_walk(t, walk6_cb, &s), 42);
    T_EQ(s.n, 3);

    const char *p4[] = { "0.0.0.0", "10.0.0.0", "10.0.0.0", "10.1.0.0", "192.168.1.1" };
    unsigned l4[] = { 0, 8, 16, 16, 32 };
    for (uint32_t i = 0; i < 5; i++)
        T_EQ(I4(u, p4[i], l4[i], i), 0);
    struct wctx w4 = { .sorted = 1 };
    T_EQ(rtable4_walk(u, walk4_cb, &w4), 0);
    T_EQ(w4.n, 5);
    T_CHECK(w4.sorted);
    for (int i = 0; i < 5; i++)
        T_EQ(w4.seen[i], 1);
    rtable6_destroy(t);
    rtable4_destroy(u);
}

/* Walking a random table yields exactly the inserted set. */
TEST(walk_random_matches)
{
    struct rtable6 *t = rtable6_create(2000);
    struct ref r = { calloc(2000, sizeof(struct ref_ent)), 0, 2000 };
    for (int i = 0; i < 8; i++)
        bases[i] = (struct k128){ rnd(), rnd() };
    for (unsigned i = 0; i < 2000; i++) {
        unsigned plen = rand_plen(128);
        struct k128 k = rand_key(128, plen);
        uint32_t nh = (uint32_t)i;
        T_EQ(ins6(t, k, plen, nh), ref_insert(&r, k, plen, nh));
    }
    struct wctx w = { .sorted = 1 };
    T_EQ(rtable6_walk(t, walk6_cb, &w), 0);
    T_EQ(w.n, r.n);
    T_CHECK(w.sorted);
    rtable6_destroy(t);
    free(r.e);
}

int main(void)
{
    RUN(v6_overlap_and_restore);
    RUN(v6_host_bits_ignored_and_get);
    RUN(v4_overlap_and_restore);
    RUN(einval_enoent);
    RUN(cap_enospc);
    RUN(walk_every_prefix_once);
    RUN(walk_random_matches);
    RUN(random6_small);
    RUN(random6_large);
    RUN(random4_small);
    RUN(random4_large);
    return t_done();
}
