/* The border router's binding table (br.h): (IPv4, PSID) → binding.
 *
 * Layout, for a lookup of two cache lines at 10^6 entries:
 *   - slots[]: open addressing with linear probing, 16-byte slots (four to
 *     a cache line) holding the key and the entry's index; at most half
 *     full, so a probe sequence is short and usually stays in one line;
 *     deletion shifts the following run back (no tombstones, so lookups of
 *     absent keys never slow down with churn);
 *   - ents[]: the bindings, one cache line each, allocated once (max of
 *     them) with a free list. Nothing is allocated after creation.
 * The slot hash is keyed per table (a random seed): addresses come from
 * the pools, but which ones are bound is up to hosts, and an attacker who
 * knew the hash could line them up in one probe run.
 *
 * Eviction: learned entries sit in a min-heap by expiry (expires 0, never,
 * counts as last); when the table is full a put evicts the heap's root —
 * the oldest-expiring learned entry, expired or not. Static entries are
 * never evicted; those with an expiry sit in a heap of their own, for
 * br_table_expire only. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include "dstm/br.h"

#define SLOT_EMPTY UINT32_MAX
#define BR_TABLE_MAX_CAP (1u << 24)

struct br_slot {
    uint32_t v4;          /* network order, as in struct in_addr */
    uint16_t psid;
    uint16_t pad;
    uint32_t idx;         /* into ents[]; SLOT_EMPTY: free */
    uint32_t hash_hi;     /* the top bits of the hash: most mismatches rejected without a key compare */
};

struct br_heap {
    uint32_t *a;          /* entry indices */
    uint32_t n;
};

struct br_ent {
    struct dstm_binding b;
    uint32_t heap_pos;    /* position in its heap, or UINT32_MAX */
    uint32_t next_free;
    uint8_t used, is_static;
} __attribute__((aligned(64)));

struct br_table {
    struct br_slot *slots;
    uint32_t mask;        /* slots - 1 */
    struct br_ent *ents;
    uint32_t max, count, n_static;
    uint32_t free_head;
    struct br_heap learned, statics;
    uint64_t seed;
};

static uint64_t mix64(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
}

static inline uint64_t key_hash(const struct br_table *t, uint32_t v4, uint16_t psid)
{
    return mix64(((uint64_t)v4 << 16 | psid) ^ t->seed);
}

static inline int64_t heap_key(const struct br_ent *e)
{
    return e->b.expires ? e->b.expires : INT64_MAX;
}

/* --- heaps of entry indices by expiry --- */

static void heap_set(struct br_table *t, struct br_heap *h, uint32_t pos, uint32_t idx)
{
    h->a[pos] = idx;
    t->ents[idx].heap_pos = pos;
}

static void heap_up(struct br_table *t, struct br_heap *h, uint32_t pos)
{
    uint32_t idx = h->a[pos];
    int64_t k = heap_key(&t->ents[idx]);
    while (pos > 0) {
        uint32_t parent = (pos - 1) / 2;
        if (heap_key(&t->ents[h->a[parent]]) <= k)
            break;
        heap_set(t, h, pos, h->a[parent]);
        pos = parent;
    }
    heap_set(t, h, pos, idx);
}

static void heap_down(struct br_table *t, struct br_heap *h, uint32_t pos)
{
    uint32_t idx = h->a[pos];
    int64_t k = heap_key(&t->ents[idx]);
    for (;;) {
        uint32_t c = 2 * pos + 1;
        if (c >= h->n)
            break;
        if (c + 1 < h->n && heap_key(&t->ents[h->a[c + 1]]) < heap_key(&t->ents[h->a[c]]))
            c++;
        if (heap_key(&t->ents[h->a[c]]) >= k)
            break;
        heap_set(t, h, pos, h->a[c]);
        pos = c;
    }
    heap_set(t, h, pos, idx);
}

static void heap_push(struct br_table *t, struct br_heap *h, uint32_t idx)
{
    h->a[h->n] = idx;
    t->ents[idx].heap_pos = h->n;
    heap_up(t, h, h->n++);
}

static void heap_remove(struct br_table *t, struct br_heap *h, uint32_t idx)
{
    uint32_t pos = t->ents[idx].heap_pos;
    if (pos == UINT32_MAX)
        return;
    t->ents[idx].heap_pos = UINT32_MAX;
    uint32_t last = h->a[--h->n];
    if (pos == h->n)
        return;
    heap_set(t, h, pos, last);
    heap_up(t, h, pos);
    heap_down(t, h, t->ents[last].heap_pos);
}

/* The heap an entry belongs in (NULL: a static one that never expires). */
static struct br_heap *heap_of(struct br_table *t, const struct br_ent *e)
{
    if (!e->is_static)
        return &t->learned;
    return e->b.expires ? &t->statics : NULL;
}

/* --- creation --- */

static uint64_t table_seed(void)
{
    uint64_t s = 0;
    if (getrandom(&s, sizeof s, GRND_NONBLOCK) != (ssize_t)sizeof s) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        s = mix64((uint64_t)ts.tv_nsec ^ (uint64_t)ts.tv_sec << 32);
    }
    return s;
}

struct br_table *br_table_new(uint32_t max)
{
    if (max == 0 || max > BR_TABLE_MAX_CAP)
        return NULL;
    uint32_t nslots = 16;
    while (nslots < 2 * max)
        nslots <<= 1;
    struct br_table *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->slots = aligned_alloc(64, (size_t)nslots * sizeof *t->slots);
    t->ents = aligned_alloc(64, (size_t)max * sizeof *t->ents);
    t->learned.a = malloc((size_t)max * sizeof *t->learned.a);
    t->statics.a = malloc((size_t)max * sizeof *t->statics.a);
    if (!t->slots || !t->ents || !t->learned.a || !t->statics.a) {
        br_table_free(t);
        return NULL;
    }
    for (uint32_t i = 0; i < nslots; i++)
        t->slots[i] = (struct br_slot){ .idx = SLOT_EMPTY };
    memset(t->ents, 0, (size_t)max * sizeof *t->ents);
    for (uint32_t i = 0; i < max; i++)
        t->ents[i].next_free = i + 1 < max ? i + 1 : SLOT_EMPTY;
    t->mask = nslots - 1;
    t->max = max;
    t->free_head = 0;
    t->seed = table_seed();
    return t;
}

void br_table_free(struct br_table *t)
{
    if (!t)
        return;
    free(t->slots);
    free(t->ents);
    free(t->learned.a);
    free(t->statics.a);
    free(t);
}

uint32_t br_table_count(const struct br_table *t) { return t->count; }
uint32_t br_table_static_count(const struct br_table *t) { return t->n_static; }

/* --- slots --- */

/* The slot holding (v4, psid), or the empty slot ending its probe run. */
static uint32_t slot_find(const struct br_table *t, uint32_t v4, uint16_t psid, uint64_t h)
{
    uint32_t i = (uint32_t)h & t->mask, hi = (uint32_t)(h >> 32);
    for (;;) {
        const struct br_slot *s = &t->slots[i];
        if (s->idx == SLOT_EMPTY || (s->hash_hi == hi && s->v4 == v4 && s->psid == psid))
            return i;
        i = (i + 1) & t->mask;
    }
}

/* Backward-shift deletion (Knuth 6.4 algorithm R): later members of the run
 * move into the hole unless their home lies cyclically in (hole, j]. */
static void slot_clear(struct br_table *t, uint32_t hole)
{
    uint32_t j = hole;
    for (;;) {
        j = (j + 1) & t->mask;
        struct br_slot *s = &t->slots[j];
        if (s->idx == SLOT_EMPTY)
            break;
        uint32_t home = (uint32_t)key_hash(t, s->v4, s->psid) & t->mask;
        bool stays = hole <= j ? (hole < home && home <= j) : (hole < home || home <= j);
        if (stays)
            continue;
        t->slots[hole] = *s;
        hole = j;
    }
    t->slots[hole] = (struct br_slot){ .idx = SLOT_EMPTY };
}

static void ent_release(struct br_table *t, uint32_t idx)
{
    struct br_ent *e = &t->ents[idx];
    struct br_heap *h = heap_of(t, e);
    if (h)
        heap_remove(t, h, idx);
    if (e->is_static)
        t->n_static--;
    e->used = 0;
    e->next_free = t->free_head;
    t->free_head = idx;
    t->count--;
}

static bool del_key(struct br_table *t, uint32_t v4, uint16_t psid)
{
    uint32_t i = slot_find(t, v4, psid, key_hash(t, v4, psid));
    if (t->slots[i].idx == SLOT_EMPTY)
        return false;
    ent_release(t, t->slots[i].idx);
    slot_clear(t, i);
    return true;
}

bool br_table_del(struct br_table *t, struct in_addr v4, uint16_t psid)
{
    return del_key(t, v4.s_addr, psid);
}

/* Make room for one more: the oldest-expiring learned entry goes. */
static bool evict_one(struct br_table *t)
{
    if (!t->learned.n)
        return false;
    const struct br_ent *e = &t->ents[t->learned.a[0]];
    return del_key(t, e->b.v4.s_addr, e->b.ps.psid);
}

bool br_table_put(struct br_table *t, const struct dstm_binding *b, bool is_static, int64_t now)
{
    (void)now;
    uint32_t v4 = b->v4.s_addr;
    uint16_t psid = b->ps.psid_len ? b->ps.psid : 0;
    uint64_t h = key_hash(t, v4, psid);
    uint32_t i = slot_find(t, v4, psid, h);
    if (t->slots[i].idx != SLOT_EMPTY) {          /* replace in place */
        uint32_t idx = t->slots[i].idx;
        struct br_ent *e = &t->ents[idx];
        if (e->is_static && !is_static)
            return true;                          /* configuration wins over what is learned */
        struct br_heap *old = heap_of(t, e);
        if (old)
            heap_remove(t, old, idx);
        t->n_static += (uint32_t)is_static - e->is_static;
        e->b = *b;
        e->b.ps.psid = psid;
        e->is_static = is_static;
        struct br_heap *nh = heap_of(t, e);
        if (nh)
            heap_push(t, nh, idx);
        return true;
    }
    if (t->count == t->max) {
        if (!evict_one(t))
            return false;                         /* full of static entries */
        i = slot_find(t, v4, psid, h);            /* the shift may have moved the run */
    }
    uint32_t idx = t->free_head;
    struct br_ent *e = &t->ents[idx];
    t->free_head = e->next_free;
    e->b = *b;
    e->b.ps.psid = psid;
    e->used = 1;
    e->is_static = is_static;
    e->heap_pos = UINT32_MAX;
    t->count++;
    t->n_static += is_static;
    struct br_heap *nh = heap_of(t, e);
    if (nh)
        heap_push(t, nh, idx);
    t->slots[i] = (struct br_slot){ .v4 = v4, .psid = psid, .idx = idx, .hash_hi = (uint32_t)(h >> 32) };
    return true;
}

static inline const struct dstm_binding *live(const struct br_ent *e, int64_t now)
{
    return e->b.expires && e->b.expires <= now ? NULL : &e->b;
}

const struct dstm_binding *br_table_get(const struct br_table *t, struct in_addr v4, uint16_t psid, int64_t now)
{
    uint32_t i = slot_find(t, v4.s_addr, psid, key_hash(t, v4.s_addr, psid));
    uint32_t idx = t->slots[i].idx;
    return idx == SLOT_EMPTY ? NULL : live(&t->ents[idx], now);
}

bool br_table_is_static(const struct br_table *t, const struct dstm_binding *b)
{
    (void)t;
    const struct br_ent *e = (const struct br_ent *)((const char *)b - offsetof(struct br_ent, b));
    return e->is_static;
}

#define BATCH_STEP 16u

/* Three passes over each group of BATCH_STEP keys: hash and prefetch the
 * home slots; probe and prefetch the entries; read them. The memory
 * latency of one key hides behind the work on the others. */
void br_table_get_batch(const struct br_table *t, const struct in_addr *v4, const uint16_t *psid, unsigned n,
                        int64_t now, const struct dstm_binding **out)
{
    uint64_t h[BATCH_STEP];
    uint32_t idx[BATCH_STEP];
    for (unsigned base = 0; base < n; base += BATCH_STEP) {
        unsigned m = n - base < BATCH_STEP ? n - base : BATCH_STEP;
        for (unsigned k = 0; k < m; k++) {
            h[k] = key_hash(t, v4[base + k].s_addr, psid[base + k]);
            __builtin_prefetch(&t->slots[(uint32_t)h[k] & t->mask]);
        }
        for (unsigned k = 0; k < m; k++) {
            uint32_t i = slot_find(t, v4[base + k].s_addr, psid[base + k], h[k]);
            idx[k] = t->slots[i].idx;
            if (idx[k] != SLOT_EMPTY)
                __builtin_prefetch(&t->ents[idx[k]]);
        }
        for (unsigned k = 0; k < m; k++)
            out[base + k] = idx[k] == SLOT_EMPTY ? NULL : live(&t->ents[idx[k]], now);
    }
}

/* Drop what expired at now from one heap; fn told of each before it goes. */
static unsigned expire_heap(struct br_table *t, struct br_heap *h, int64_t now, br_binding_fn fn, void *arg)
{
    unsigned n = 0;
    while (h->n) {
        const struct br_ent *e = &t->ents[h->a[0]];
        if (!e->b.expires || e->b.expires > now)
            break;
        struct dstm_binding b = e->b;
        bool st = e->is_static;
        del_key(t, b.v4.s_addr, b.ps.psid);
        if (fn)
            fn(arg, &b, st);
        n++;
    }
    return n;
}

unsigned br_table_expire(struct br_table *t, int64_t now, br_binding_fn fn, void *arg)
{
    return expire_heap(t, &t->learned, now, fn, arg) + expire_heap(t, &t->statics, now, fn, arg);
}

int64_t br_table_next_expiry(const struct br_table *t)
{
    int64_t a = t->learned.n ? heap_key(&t->ents[t->learned.a[0]]) : INT64_MAX;
    int64_t b = t->statics.n ? heap_key(&t->ents[t->statics.a[0]]) : INT64_MAX;
    return a < b ? a : b;
}

void br_table_foreach(const struct br_table *t, br_binding_fn fn, void *arg)
{
    for (uint32_t i = 0; i < t->max; i++)
        if (t->ents[i].used)
            fn(arg, &t->ents[i].b, t->ents[i].is_static);
}
