/* Routing-table LPM benchmark (not a test).  Builds an IPv6 table of 200k
 * and an IPv4 table of 900k synthetic prefixes with realistic length mixes
 * (fixed seed), then measures single-core lookups/s on precomputed random
 * destinations that mostly fall inside table prefixes.  Same-run reference:
 * a naive one-bit-per-level binary trie over the same prefixes; the ratio
 * is printed.  Results are also cross-checked against that reference. */
#include "net/rtable.h"

#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifndef N6                      /* -DN6=... / -DN4=... for scaling runs */
#define N6 200000u
#endif
#ifndef N4
#define N4 900000u
#endif
#define NDST (1u << 20)

static uint64_t rng = 0x243f6a8885a308d3ULL;

static uint64_t rnd(void)                     /* xorshift64* */
{
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return rng * 0x2545f4914f6cdd1dULL;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* ---- prefixes as 128-bit big-endian byte strings ---- */

struct pfx { uint8_t a[16]; unsigned plen; };

static void mask_to(uint8_t *a, unsigned plen)
{
    for (unsigned i = 0; i < 16; i++) {
        unsigned keep = plen >= 8 * (i + 1) ? 8 : plen > 8 * i ? plen - 8 * i : 0;
        a[i] &= (uint8_t)(0xff00u >> keep);
    }
}

/* Copy parent's first parent->plen bits, random bits after, length plen. */
static struct pfx child_of(const struct pfx *parent, unsigned plen, unsigned maxlen)
{
    struct pfx p;
    for (unsigned i = 0; i < 16; i++)
        p.a[i] = (uint8_t)rnd();
    for (unsigned i = 0; i < parent->plen; i++) {
        uint8_t m = (uint8_t)(0x80u >> (i % 8));
        p.a[i / 8] = (uint8_t)((p.a[i / 8] & ~m) | (parent->a[i / 8] & m));
    }
    mask_to(p.a, maxlen);
    p.plen = plen;
    mask_to(p.a, plen);
    return p;
}

static struct pfx root(const uint8_t first, unsigned bits)
{
    struct pfx p = { { first }, bits };
    return p;
}

static unsigned range(unsigned lo, unsigned hi)
{
    return lo + (unsigned)(rnd() % (hi - lo + 1));
}

/* IPv6 mix: /29-/31 and /32 allocations in 2000::/3, /33-/47 and /48 and
 * /56-/64 inside allocations (so sites cluster as in real tables), a tail of
 * other lengths incl. /128. */
static size_t gen6(struct pfx *v)
{
    struct pfx g = root(0x20, 3);
    size_t n = 0;
    while (n < N6 * 15 / 100)
        v[n++] = child_of(&g, range(29, 31), 128);
    while (n < N6 * 28 / 100)
        v[n++] = child_of(&g, 32, 128);
    size_t nalloc = n;
    while (n < N6 * 40 / 100)
        v[n++] = child_of(&v[rnd() % nalloc], range(33, 47), 128);
    while (n < N6 * 85 / 100)
        v[n++] = child_of(&v[rnd() % nalloc], 48, 128);
    size_t n48 = n;
    while (n < N6 * 95 / 100)
        v[n++] = child_of(&v[nalloc + rnd() % (n48 - nalloc)], range(56, 64), 128);
    static const unsigned other[] = { 19, 20, 24, 28, 40, 52, 96, 112, 127, 128, 128, 128 };
    while (n < N6) {
        unsigned len = other[rnd() % 12];
        v[n++] = len > 32 ? child_of(&v[rnd() % nalloc], len, 128) : child_of(&g, len, 128);
    }
    return n;
}

/* IPv4 mix: ~60% /24, ~35% /16-/23, rest /8-/15 and /25-/32, in 1/8-223/8;
 * half of the /24s deaggregate an existing shorter block. */
static size_t gen4(struct pfx *v)
{
    size_t n = 0;
    while (n < N4 * 25 / 1000) {
        struct pfx g = root((uint8_t)range(1, 223), 8);
        v[n++] = child_of(&g, range(8, 15), 32);
    }
    while (n < N4 * 375 / 1000) {
        struct pfx g = root((uint8_t)range(1, 223), 8);
        v[n++] = child_of(&g, range(16, 23), 32);
    }
    size_t nshort = n;
    while (n < N4 * 975 / 1000) {
        struct pfx g = root((uint8_t)range(1, 223), 8);
        v[n++] = child_of(rnd() % 2 ? &g : &v[rnd() % nshort], 24, 32);
    }
    size_t n24 = n;
    while (n < N4)
        v[n++] = child_of(&v[nshort + rnd() % (n24 - nshort)], range(25, 32), 32);
    return n;
}

/* ---- reference: naive binary trie, one bit per level ---- */

struct btrie { uint32_t (*n)[3]; uint32_t cnt, cap; };   /* child0, child1, nh */

static uint32_t bt_new(struct btrie *b)
{
    if (b->cnt == b->cap) {
        b->cap = b->cap ? b->cap * 2 : 1024;
        b->n = realloc(b->n, (size_t)b->cap * sizeof(*b->n));
        if (!b->n)
            abort();
    }
    b->n[b->cnt][0] = b->n[b->cnt][1] = 0;
    b->n[b->cnt][2] = RT_NH_NONE;
    return b->cnt++;
}

static void bt_insert(struct btrie *b, const uint8_t *a, unsigned plen, uint32_t nh)
{
    uint32_t i = 0;
    for (unsigned d = 0; d < plen; d++) {
        unsigned bit = (a[d / 8] >> (7 - d % 8)) & 1;
        if (!b->n[i][bit]) {
            uint32_t c = bt_new(b);
            b->n[i][bit] = c;
        }
        i = b->n[i][bit];
    }
    b->n[i][2] = nh;
}

static uint32_t bt_lookup(const struct btrie *b, const uint8_t *a, unsigned maxlen)
{
    uint32_t i = 0, best = b->n[0][2];
    for (unsigned d = 0; d < maxlen; d++) {
        i = b->n[i][(a[d / 8] >> (7 - d % 8)) & 1];
        if (!i)
            break;
        if (b->n[i][2] != RT_NH_NONE)
            best = b->n[i][2];
    }
    return best;
}

/* ---- destinations: 90% inside a random table prefix, 10% anywhere ---- */

static void gen_dst(const struct pfx *v, size_t n, unsigned maxlen, uint8_t (*d)[16])
{
    for (size_t i = 0; i < NDST; i++) {
        struct pfx any = { { 0 }, 0 };
        const struct pfx *p = rnd() % 10 ? &v[rnd() % n] : &any;
        struct pfx x = child_of(p, maxlen, maxlen);
        memcpy(d[i], x.a, 16);
    }
}

/* ---- one family ---- */

struct fam {
    const char *name;
    unsigned maxlen;
    void *t;
    int (*ins)(void *t, const uint8_t *a, unsigned plen, uint32_t nh);
    uint32_t (*look)(const void *t, const uint8_t *a);
    size_t (*count)(const void *t);
    size_t (*mem)(const void *t);
};

static int ins6(void *t, const uint8_t *a, unsigned plen, uint32_t nh)
{
    struct in6_addr x;
    memcpy(&x, a, 16);
    return rtable6_insert(t, &x, plen, nh);
}

static uint32_t look6(const void *t, const uint8_t *a)
{
    return rtable6_lookup(t, (const struct in6_addr *)(const void *)a);
}

static size_t count6(const void *t) { return rtable6_count(t); }
static size_t mem6(const void *t) { return rtable6_mem_bytes(t); }

static int ins4(void *t, const uint8_t *a, unsigned plen, uint32_t nh)
{
    struct in_addr x;
    memcpy(&x, a, 4);
    return rtable4_insert(t, &x, plen, nh);
}

static uint32_t look4(const void *t, const uint8_t *a)
{
    return rtable4_lookup(t, (const struct in_addr *)(const void *)a);
}

static size_t count4(const void *t) { return rtable4_count(t); }
static size_t mem4(const void *t) { return rtable4_mem_bytes(t); }

/* Time `rounds` passes over all destinations; returns lookups/s. */
static double time_lookups(const struct fam *f, uint8_t (*d)[16], unsigned rounds,
                           uint64_t *sink)
{
    uint64_t sum = 0;
    double t0 = now();
    for (unsigned r = 0; r < rounds; r++)
        for (size_t i = 0; i < NDST; i++)
            sum += f->look(f->t, d[i]);
    double dt = now() - t0;
    *sink += sum;
    return (double)rounds * NDST / dt;
}

static double time_ref(const struct btrie *b, unsigned maxlen, uint8_t (*d)[16],
                       uint64_t *sink)
{
    uint64_t sum = 0;
    double t0 = now();
    for (size_t i = 0; i < NDST; i++)
        sum += bt_lookup(b, d[i], maxlen);
    double dt = now() - t0;
    *sink += sum;
    return NDST / dt;
}

static void run(struct fam *f, struct pfx *v, size_t n)
{
    struct btrie b = { 0 };
    uint8_t (*d)[16] = malloc((size_t)NDST * 16);
    uint64_t sink = 0;
    if (!d)
        abort();
    bt_new(&b);
    double t0 = now();
    for (size_t i = 0; i < n; i++)
        if (f->ins(f->t, v[i].a, v[i].plen, (uint32_t)(i % 1021)))
            abort();
    double build = now() - t0;
    for (size_t i = 0; i < n; i++)
        bt_insert(&b, v[i].a, v[i].plen, (uint32_t)(i % 1021));
    size_t cnt = f->count(f->t), mem = f->mem(f->t);
    printf("%s: %zu prefixes (%zu generated), build %.2f s (%.2f us/insert)\n",
           f->name, cnt, n, build, build * 1e6 / (double)n);
    printf("%s: memory %zu bytes total, %.1f bytes/route\n", f->name, mem,
           (double)mem / (double)cnt);
    gen_dst(v, n, f->maxlen, d);
    size_t bad = 0;
    for (size_t i = 0; i < NDST; i++)
        bad += f->look(f->t, d[i]) != bt_lookup(&b, d[i], f->maxlen);
    double rate = time_lookups(f, d, 20, &sink);
    double ref = time_ref(&b, f->maxlen, d, &sink);
    printf("%s: %.1f M lookups/s (1 core, %u random dst), reference binary trie "
           "%.1f M/s, ratio %.1fx, mismatches %zu (sink %llx)\n",
           f->name, rate / 1e6, NDST, ref / 1e6, rate / ref, bad,
           (unsigned long long)(sink & 0xffff));
    free(b.n);
    free(d);
}

int main(void)
{
    struct pfx *v = malloc(N4 * sizeof(*v));
    if (!v)
        return 1;
    struct fam f6 = { "ipv6", 128, rtable6_create(N6), ins6, look6, count6, mem6 };
    run(&f6, v, gen6(v));
    rtable6_destroy(f6.t);
    struct fam f4 = { "ipv4", 32, rtable4_create(N4), ins4, look4, count4, mem4 };
    run(&f4, v, gen4(v));
    rtable4_destroy(f4.t);
    free(v);
    return 0;
}
