/* IPv6 longest-prefix match: poptrie fast path over a Patricia-trie
 * authoritative set.  rtable4.c reuses this engine with IPv4 addresses
 * placed in the top 32 bits of the 128-bit key.  Design: docs/ROUTING.md.
 *
 * Keys are unsigned __int128 in host order, bit 127 = first address bit.
 *
 * Fast path (read by lookup):
 *   dir[2^dbits]      first dbits key bits index it directly; entry is a
 *                     node index, or 0 meaning "leaf", value in dirleaf[].
 *   nodes[]           poptrie nodes, 6-bit stride (64 slots each).  vec bit
 *                     j = slot j is an inner node; inner children are stored
 *                     contiguously from base1, leaves from base0.  leafvec
 *                     marks the slots where a new run of equal leaf values
 *                     starts, so runs of identical leaves share one entry.
 *   leaves[]          next hops (leaf-pushed: every leaf holds the final
 *                     answer, no backtracking).
 * Updates rebuild the smallest fast-path subtree that covers the changed
 * prefix from the Patricia trie, building the new subtree before freeing
 * the old one so that ENOMEM leaves the table unchanged. */
#include "net/rtable.h"

#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

__extension__ typedef unsigned __int128 u128;

#define STRIDE 6
#define MAX_DEPTH 24            /* node levels: (128 - 12) / 6 + 1 < 24 */
#define POOL_MAX (UINT32_C(1) << 31)

struct ptnode {                 /* 24 bytes */
    uint64_t vec;               /* slot is an inner node */
    uint64_t leafvec;           /* slot starts a new run of leaf values */
    uint32_t base0;             /* first leaf */
    uint32_t base1;             /* first inner child */
};

struct pnode {                  /* Patricia node, 32 bytes */
    u128 key;                   /* masked to plen */
    uint32_t nh;
    uint32_t child[2];          /* 0 = none */
    uint8_t plen;
    uint8_t isp;                /* real prefix (else glue with 2 children) */
};

/* Block allocator for node and leaf arrays: blocks of 1..64 elements, exact
 * size free lists (next link kept in the block's first 4 bytes).  Index 0 is
 * reserved so that 0 can mean "none". */
struct pool {
    unsigned char *a;
    size_t esz;
    uint32_t cap, top, used;
    uint32_t fl[65];
};

struct rtable6 {
    uint32_t *dir, *dirleaf;    /* 2^dbits each */
    unsigned dbits;
    struct pool np, lp;         /* nodes, leaves */
    /* control plane */
    struct pnode *pn;
    uint32_t pcap, ptop, pfree, proot;
    uint32_t count, max;
};

/* ---- key helpers ---- */

static u128 key_load(const struct in6_addr *a)
{
    uint64_t hi, lo;
    memcpy(&hi, a->s6_addr, 8);
    memcpy(&lo, a->s6_addr + 8, 8);
    return ((u128)be64toh(hi) << 64) | be64toh(lo);
}

static void key_store(u128 k, struct in6_addr *a)
{
    uint64_t hi = htobe64((uint64_t)(k >> 64)), lo = htobe64((uint64_t)k);
    memcpy(a->s6_addr, &hi, 8);
    memcpy(a->s6_addr + 8, &lo, 8);
}

static u128 pmask(unsigned plen)
{
    return plen ? ~(u128)0 << (128 - plen) : 0;
}

static unsigned bit_at(u128 k, unsigned i)      /* i < 128 */
{
    return (unsigned)(k >> (127 - i)) & 1;
}

static unsigned clz128(u128 x)
{
    uint64_t hi = (uint64_t)(x >> 64), lo = (uint64_t)x;
    if (hi)
        return (unsigned)__builtin_clzll(hi);
    return lo ? 64 + (unsigned)__builtin_clzll(lo) : 128;
}

/* w bits of k starting at bit pos; bits past 127 read as 0. */
static uint32_t chunk(u128 k, unsigned pos, unsigned w)
{
    if (w == 0)
        return 0;
    return (uint32_t)((k << pos) >> (128 - w));
}

static unsigned popc(uint64_t x)
{
    return (unsigned)__builtin_popcountll(x);
}

/* ---- block pools ---- */

static void pool_init(struct pool *p, size_t esz)
{
    memset(p, 0, sizeof(*p));
    p->esz = esz;
    p->top = 1;
}

static int pool_grow(struct pool *p, uint32_t need)
{
    uint64_t ncap = p->cap ? p->cap : 1024;
    while (ncap < need)
        ncap *= 2;
    if (ncap > POOL_MAX)
        return -ENOMEM;
    unsigned char *na = realloc(p->a, (size_t)ncap * p->esz);
    if (!na)
        return -ENOMEM;
    p->a = na;
    p->cap = (uint32_t)ncap;
    return 0;
}

/* Returns the index of a block of k elements, 0 on ENOMEM.  May move p->a. */
static uint32_t pool_alloc(struct pool *p, unsigned k)
{
    uint32_t b = p->fl[k];
    if (b) {
        memcpy(&p->fl[k], p->a + (size_t)b * p->esz, 4);
    } else {
        if ((uint64_t)p->top + k > p->cap && pool_grow(p, p->top + k))
            return 0;
        b = p->top;
        p->top += k;
    }
    p->used += k;
    return b;
}

static void pool_free(struct pool *p, uint32_t b, unsigned k)
{
    memcpy(p->a + (size_t)b * p->esz, &p->fl[k], 4);
    p->fl[k] = b;
    p->used -= k;
}

static struct ptnode *nodes(const struct rtable6 *t)
{
    return (struct ptnode *)(void *)t->np.a;
}

static uint32_t *leaves(const struct rtable6 *t)
{
    return (uint32_t *)(void *)t->lp.a;
}

/* ---- Patricia trie (authoritative prefix set) ---- */

static int pn_reserve(struct rtable6 *t, uint32_t k)
{
    if (t->ptop + k <= t->pcap)
        return 0;
    uint32_t ncap = t->pcap ? t->pcap * 2 : 256;
    while (ncap < t->ptop + k)
        ncap *= 2;
    struct pnode *np = realloc(t->pn, (size_t)ncap * sizeof(*np));
    if (!np)
        return -ENOMEM;
    t->pn = np;
    t->pcap = ncap;
    return 0;
}

/* Caller has reserved space; never fails. */
static uint32_t pn_new(struct rtable6 *t, u128 key, unsigned plen, int isp, uint32_t nh)
{
    uint32_t i = t->pfree;
    if (i)
        t->pfree = t->pn[i].child[0];
    else
        i = t->ptop++;
    struct pnode *n = &t->pn[i];
    memset(n, 0, sizeof(*n));
    n->key = key & pmask(plen);
    n->plen = (uint8_t)plen;
    n->isp = (uint8_t)isp;
    n->nh = nh;
    return i;
}

static void pn_free(struct rtable6 *t, uint32_t i)
{
    t->pn[i].child[0] = t->pfree;
    t->pfree = i;
}

/* Node holding exactly (k, plen) as a real prefix, or 0. */
static uint32_t pt_find(const struct rtable6 *t, u128 k, unsigned plen)
{
    uint32_t ni = t->proot;
    while (ni) {
        const struct pnode *n = &t->pn[ni];
        if (n->plen > plen || ((n->key ^ k) & pmask(n->plen)))
            return 0;
        if (n->plen == plen)
            return n->isp ? ni : 0;
        ni = n->child[bit_at(k, n->plen)];
    }
    return 0;
}

/* Longest prefix of length <= maxlen covering k: the value a fast-path slot
 * at depth maxlen inherits from above. */
static uint32_t pt_lpm_upto(const struct rtable6 *t, u128 k, unsigned maxlen)
{
    uint32_t ni = t->proot, best = RT_NH_NONE;
    while (ni) {
        const struct pnode *n = &t->pn[ni];
        if (n->plen > maxlen || ((n->key ^ k) & pmask(n->plen)))
            break;
        if (n->isp)
            best = n->nh;
        if (n->plen == 128)
            break;
        ni = n->child[bit_at(k, n->plen)];
    }
    return best;
}

/* Does the region (k, pos) contain a prefix longer than pos?  That is the
 * condition for a fast-path inner node to exist at that region. */
static int pt_has_longer(const struct rtable6 *t, u128 k, unsigned pos)
{
    uint32_t ni = t->proot;
    while (ni) {
        const struct pnode *n = &t->pn[ni];
        unsigned m = n->plen < pos ? n->plen : pos;
        if ((n->key ^ k) & pmask(m))
            return 0;
        if (n->plen >= pos)     /* children (if any) are all longer */
            return n->plen > pos || n->child[0] || n->child[1];
        ni = n->child[bit_at(k, n->plen)];
    }
    return 0;
}

/* Insert a new prefix (caller checked it is absent and reserved 2 nodes). */
static void pt_insert(struct rtable6 *t, u128 k, unsigned plen, uint32_t nh)
{
    uint32_t *link = &t->proot;
    k &= pmask(plen);
    for (;;) {
        uint32_t ni = *link;
        if (!ni) {
            *link = pn_new(t, k, plen, 1, nh);
            return;
        }
        struct pnode *n = &t->pn[ni];
        unsigned c = clz128(n->key ^ k);
        c = c < plen ? c : plen;
        c = c < n->plen ? c : n->plen;
        if (c == n->plen && c == plen) {        /* glue node becomes real */
            n->isp = 1;
            n->nh = nh;
            return;
        }
        if (c == n->plen) {
            link = &n->child[bit_at(k, c)];
            continue;
        }
        /* n diverges from k at bit c (< n->plen): n goes below a new node */
        u128 nkey = n->key;
        uint32_t up = pn_new(t, k, c, c == plen, nh);
        if (c != plen)
            t->pn[up].child[bit_at(k, c)] = pn_new(t, k, plen, 1, nh);
        t->pn[up].child[bit_at(nkey, c)] = ni;
        *link = up;
        return;
    }
}

/* Remove a real prefix; returns 0 or -ENOENT.  Never allocates. */
static int pt_delete(struct rtable6 *t, u128 k, unsigned plen)
{
    uint32_t *link = &t->proot, *plink = NULL;
    while (*link) {
        struct pnode *n = &t->pn[*link];
        if (n->plen > plen || ((n->key ^ k) & pmask(n->plen)))
            return -ENOENT;
        if (n->plen == plen)
            break;
        plink = link;
        link = &n->child[bit_at(k, n->plen)];
    }
    uint32_t ni = *link;
    if (!ni || !t->pn[ni].isp)
        return -ENOENT;
    struct pnode *n = &t->pn[ni];
    n->isp = 0;
    if (n->child[0] && n->child[1])
        return 0;                               /* stays as glue */
    *link = n->child[0] | n->child[1];
    pn_free(t, ni);
    if (*link || !plink)
        return 0;
    /* a leaf went away: its glue parent is left with one child; splice it */
    struct pnode *p = &t->pn[*plink];
    if (!p->isp) {
        uint32_t pi = *plink;
        *plink = p->child[0] | p->child[1];
        pn_free(t, pi);
    }
    return 0;
}

/* ---- fast path construction ---- */

/* Painting: for the region (key, pos) split into 2^w slots, write into vals
 * the leaf-pushed value of each slot from prefixes of length pos+1..pos+w
 * (pre-order walk, so more specific prefixes overwrite), and set the inner
 * bit of every slot that holds a prefix longer than pos+w. */
struct paint {
    u128 key;
    unsigned pos, w;
    uint32_t *vals;
    uint64_t *inner;
};

static void paint(const struct rtable6 *t, uint32_t ni, const struct paint *pc)
{
    while (ni) {
        const struct pnode *n = &t->pn[ni];
        unsigned m = n->plen < pc->pos ? n->plen : pc->pos;
        if ((n->key ^ pc->key) & pmask(m))
            return;                             /* disjoint from region */
        if (n->plen > pc->pos + pc->w) {
            uint32_t j = chunk(n->key, pc->pos, pc->w);
            pc->inner[j / 64] |= UINT64_C(1) << (j % 64);
            return;
        }
        if (n->isp && n->plen > pc->pos) {
            uint32_t j = chunk(n->key, pc->pos, pc->w);
            uint32_t cnt = UINT32_C(1) << (pc->pos + pc->w - n->plen);
            for (uint32_t i = 0; i < cnt; i++)
                pc->vals[j + i] = n->nh;
        }
        if (n->plen == 128)
            return;
        paint(t, n->child[0], pc);
        ni = n->child[1];                       /* tail call by hand */
    }
}

static void free_subtree(struct rtable6 *t, struct ptnode r)
{
    unsigned nin = popc(r.vec), nl = popc(r.leafvec);
    for (unsigned c = 0; c < nin; c++)
        free_subtree(t, nodes(t)[r.base1 + c]);
    if (nin)
        pool_free(&t->np, r.base1, nin);
    if (nl)
        pool_free(&t->lp, r.base0, nl);
}

/* Run-length compress the leaf slots of one node into a new leaf block. */
static int build_leaves(struct rtable6 *t, const uint32_t *vals, uint64_t inner,
                        struct ptnode *out)
{
    uint32_t run[64];
    unsigned nl = 0;
    out->leafvec = 0;
    for (unsigned j = 0; j < 64; j++) {
        if ((inner >> j) & 1)
            continue;
        if (nl == 0 || run[nl - 1] != vals[j]) {
            out->leafvec |= UINT64_C(1) << j;
            run[nl++] = vals[j];
        }
    }
    out->base0 = 0;
    if (!nl)
        return 0;
    uint32_t b = pool_alloc(&t->lp, nl);
    if (!b)
        return -ENOMEM;
    memcpy(&leaves(t)[b], run, nl * sizeof(run[0]));
    out->base0 = b;
    return 0;
}

static int build_node(struct rtable6 *t, u128 key, unsigned pos, uint32_t dflt,
                      struct ptnode *out);

/* Inner children of a node being rebuilt that can be kept as they are:
 * records are moved into the new block by copying 24 bytes, the subtrees
 * below them stay where they are. */
struct reuse {
    uint64_t mask;              /* slots whose old child is kept */
    struct ptnode old;          /* the node's previous record */
};

static void free_children(struct rtable6 *t, uint32_t b, uint64_t inner,
                          uint64_t keep, unsigned built)
{
    unsigned c = 0;
    for (uint64_t m = inner; m && c < built; m &= m - 1, c++)
        if (!((keep >> __builtin_ctzll(m)) & 1))
            free_subtree(t, nodes(t)[b + c]);
}

/* Build the inner children of a node into a fresh contiguous block. */
static int build_children(struct rtable6 *t, u128 key, unsigned pos, const uint32_t *vals,
                          uint64_t inner, const struct reuse *ru, struct ptnode *out)
{
    unsigned nin = popc(inner), c = 0;
    uint64_t keep = ru ? ru->mask : 0;
    out->vec = inner;
    out->base1 = 0;
    if (!nin)
        return 0;
    uint32_t b = pool_alloc(&t->np, nin);
    if (!b)
        return -ENOMEM;
    for (uint64_t m = inner; m; m &= m - 1, c++) {
        unsigned j = (unsigned)__builtin_ctzll(m);
        struct ptnode ch;
        if ((keep >> j) & 1) {
            ch = nodes(t)[ru->old.base1 + popc(ru->old.vec & ((UINT64_C(1) << j) - 1))];
        } else if (build_node(t, key | ((u128)j << (128 - pos - STRIDE)), pos + STRIDE,
                              vals[j], &ch)) {
            free_children(t, b, inner, keep, c);
            pool_free(&t->np, b, nin);
            return -ENOMEM;
        }
        nodes(t)[b + c] = ch;                   /* pool may have moved */
    }
    out->base1 = b;
    return 0;
}

/* Paint a node's 64 slots and build it, reusing children per ru. */
static int build_node_ru(struct rtable6 *t, u128 key, unsigned pos, uint32_t dflt,
                         const struct reuse *ru, struct ptnode *out)
{
    uint32_t vals[64];
    uint64_t inner = 0;
    for (unsigned j = 0; j < 64; j++)
        vals[j] = dflt;
    struct paint pc = { key, pos, STRIDE, vals, &inner };
    paint(t, t->proot, &pc);
    if (build_leaves(t, vals, inner, out))
        return -ENOMEM;
    if (build_children(t, key, pos, vals, inner, ru, out)) {
        if (out->leafvec)
            pool_free(&t->lp, out->base0, popc(out->leafvec));
        return -ENOMEM;
    }
    return 0;
}

/* Build the node for region (key, pos) whose slots inherit dflt.  On
 * failure everything allocated here has been freed again. */
static int build_node(struct rtable6 *t, u128 key, unsigned pos, uint32_t dflt,
                      struct ptnode *out)
{
    return build_node_ru(t, key, pos, dflt, NULL, out);
}

static u128 dir_key(const struct rtable6 *t, uint32_t s)
{
    return (u128)s << (128 - t->dbits);
}

/* New subtree for dir slot s: 0 for a leaf slot, else a 1-node block. */
static int build_dir_slot(struct rtable6 *t, uint32_t s, uint32_t val, int inner,
                          uint32_t *idx)
{
    *idx = 0;
    if (!inner)
        return 0;
    uint32_t b = pool_alloc(&t->np, 1);
    if (!b)
        return -ENOMEM;
    struct ptnode n;
    if (build_node(t, dir_key(t, s), t->dbits, val, &n)) {
        pool_free(&t->np, b, 1);
        return -ENOMEM;
    }
    nodes(t)[b] = n;
    *idx = b;
    return 0;
}

static void free_dir_node(struct rtable6 *t, uint32_t idx)
{
    if (!idx)
        return;
    free_subtree(t, nodes(t)[idx]);
    pool_free(&t->np, idx, 1);
}

/* A prefix of length plen <= dbits changed: rebuild the 2^(dbits-plen) dir
 * slots it covers (and all subtrees below them: leaf pushing copied its old
 * value into them). */
static int update_dir_range(struct rtable6 *t, u128 k, unsigned plen)
{
    unsigned w = t->dbits - plen;
    size_t n = (size_t)1 << w;
    uint32_t *vals = malloc(n * sizeof(*vals)), *idx = malloc(n * sizeof(*idx));
    uint64_t *inner = calloc((n + 63) / 64, sizeof(*inner));
    int rc = -ENOMEM;
    if (!vals || !idx || !inner)
        goto out;
    k &= pmask(plen);
    uint32_t dflt = pt_lpm_upto(t, k, plen), s0 = chunk(k, 0, t->dbits);
    for (size_t i = 0; i < n; i++)
        vals[i] = dflt;
    struct paint pc = { k, plen, w, vals, inner };
    paint(t, t->proot, &pc);
    /* An inner slot whose inherited value is unchanged keeps its subtree
     * (idx = its current node); only value changes force a rebuild. */
    for (size_t i = 0; i < n; i++) {
        int in = (inner[i / 64] >> (i % 64)) & 1;
        uint32_t cur = t->dir[s0 + i];
        if (!in) {
            idx[i] = 0;
        } else if (cur && t->dirleaf[s0 + i] == vals[i]) {
            idx[i] = cur;
        } else if (build_dir_slot(t, s0 + (uint32_t)i, vals[i], in, &idx[i])) {
            while (i--)
                if (idx[i] != t->dir[s0 + i])
                    free_dir_node(t, idx[i]);
            goto out;
        }
    }
    for (size_t i = 0; i < n; i++) {
        uint32_t old = t->dir[s0 + i];
        t->dirleaf[s0 + i] = vals[i];
        t->dir[s0 + i] = idx[i];
        if (old != idx[i])
            free_dir_node(t, old);
    }
    rc = 0;
out:
    free(vals);
    free(idx);
    free(inner);
    return rc;
}

static int rebuild_dir_slot(struct rtable6 *t, uint32_t s)
{
    u128 k = dir_key(t, s);
    uint32_t val = pt_lpm_upto(t, k, t->dbits), idx;
    if (build_dir_slot(t, s, val, pt_has_longer(t, k, t->dbits), &idx))
        return -ENOMEM;
    uint32_t old = t->dir[s];
    t->dirleaf[s] = val;
    t->dir[s] = idx;
    free_dir_node(t, old);
    return 0;
}

/* Slots of the node at pos that the changed prefix (ck, cplen) touches. */
static uint64_t touched_slots(u128 ck, unsigned cplen, unsigned pos)
{
    unsigned first = chunk(ck, pos, STRIDE);
    if (cplen <= pos)
        return ~UINT64_C(0);
    if (cplen >= pos + STRIDE)
        return UINT64_C(1) << first;
    unsigned span = 1u << (pos + STRIDE - cplen);
    return (span == 64 ? ~UINT64_C(0) : ((UINT64_C(1) << span) - 1)) << first;
}

/* Rebuild, in place, node record ni covering region (k, pos) after prefix
 * (ck, cplen) changed.  Children in slots the prefix does not touch keep
 * their subtrees: neither their inherited value nor their contents changed. */
static int rebuild_node(struct rtable6 *t, uint32_t ni, u128 k, unsigned pos,
                        u128 ck, unsigned cplen)
{
    struct reuse ru = { 0, nodes(t)[ni] };
    struct ptnode n;
    k &= pmask(pos);
    ru.mask = ru.old.vec & ~touched_slots(ck, cplen, pos);
    if (build_node_ru(t, k, pos, pt_lpm_upto(t, k, pos), &ru, &n))
        return -ENOMEM;
    nodes(t)[ni] = n;
    /* an untouched inner slot stays inner, so "& n.vec" is belt and braces */
    free_children(t, ru.old.base1, ru.old.vec, ru.mask & n.vec, 64);
    if (ru.old.vec)
        pool_free(&t->np, ru.old.base1, popc(ru.old.vec));
    if (ru.old.leafvec)
        pool_free(&t->lp, ru.old.base0, popc(ru.old.leafvec));
    return 0;
}

/* A prefix longer than dbits changed: rebuild the deepest existing node
 * whose slots (or whose leaf slot on the path) it covers.  After a delete
 * that node may have become unnecessary; then its parent is rebuilt so the
 * parent slot turns back into a leaf. */
static int update_deep(struct rtable6 *t, u128 k, unsigned plen)
{
    uint32_t s = chunk(k, 0, t->dbits), path[MAX_DEPTH];
    unsigned depth = 0, pos = t->dbits;
    uint32_t ni = t->dir[s];
    if (ni) {
        path[depth++] = ni;
        while (plen > pos + STRIDE) {
            const struct ptnode *n = &nodes(t)[ni];
            unsigned j = chunk(k, pos, STRIDE);
            if (!((n->vec >> j) & 1))
                break;
            ni = n->base1 + popc(n->vec & ((UINT64_C(1) << j) - 1));
            path[depth++] = ni;
            pos += STRIDE;
        }
    }
    while (depth && !pt_has_longer(t, k, t->dbits + STRIDE * (depth - 1)))
        depth--;
    if (!depth)
        return rebuild_dir_slot(t, s);
    return rebuild_node(t, path[depth - 1], k, t->dbits + STRIDE * (depth - 1), k, plen);
}

static int fast_update(struct rtable6 *t, u128 k, unsigned plen)
{
    if (plen <= t->dbits)
        return update_dir_range(t, k, plen);
    return update_deep(t, k, plen);
}

/* ---- public API ---- */

struct rtable6 *rtable6_create(uint32_t max_routes)
{
    if (max_routes == 0 || max_routes > (UINT32_C(1) << 30))
        return NULL;
    struct rtable6 *t = calloc(1, sizeof(*t));
    if (!t)
        return NULL;
    /* 18 bits: /24 (IPv4) and /48 (IPv6) end exactly on a stride boundary.
     * Small tables use 12 bits (same alignment) to keep the fixed cost low. */
    t->dbits = max_routes >= 16384 ? 18 : 12;
    size_t nd = (size_t)1 << t->dbits;
    t->dir = calloc(nd, sizeof(uint32_t));
    t->dirleaf = malloc(nd * sizeof(uint32_t));
    pool_init(&t->np, sizeof(struct ptnode));
    pool_init(&t->lp, sizeof(uint32_t));
    t->ptop = 1;
    t->max = max_routes;
    if (!t->dir || !t->dirleaf) {
        rtable6_destroy(t);
        return NULL;
    }
    memset(t->dirleaf, 0xff, nd * sizeof(uint32_t));   /* RT_NH_NONE */
    return t;
}

void rtable6_destroy(struct rtable6 *t)
{
    if (!t)
        return;
    free(t->dir);
    free(t->dirleaf);
    free(t->np.a);
    free(t->lp.a);
    free(t->pn);
    free(t);
}

int rtable6_insert(struct rtable6 *t, const struct in6_addr *prefix, unsigned plen,
                   uint32_t nh)
{
    if (plen > 128 || nh == RT_NH_NONE)
        return -EINVAL;
    u128 k = key_load(prefix) & pmask(plen);
    uint32_t ni = pt_find(t, k, plen);
    if (ni) {
        uint32_t old = t->pn[ni].nh;
        if (old == nh)
            return 0;
        t->pn[ni].nh = nh;
        if (fast_update(t, k, plen)) {
            t->pn[ni].nh = old;
            return -ENOMEM;
        }
        return 0;
    }
    if (t->count >= t->max)
        return -ENOSPC;
    if (pn_reserve(t, 2))
        return -ENOMEM;
    pt_insert(t, k, plen, nh);
    if (fast_update(t, k, plen)) {
        pt_delete(t, k, plen);
        return -ENOMEM;
    }
    t->count++;
    return 0;
}

int rtable6_delete(struct rtable6 *t, const struct in6_addr *prefix, unsigned plen)
{
    if (plen > 128)
        return -EINVAL;
    u128 k = key_load(prefix) & pmask(plen);
    uint32_t ni = pt_find(t, k, plen);
    if (!ni)
        return -ENOENT;
    uint32_t nh = t->pn[ni].nh;
    if (pn_reserve(t, 2))               /* so that undo cannot fail */
        return -ENOMEM;
    pt_delete(t, k, plen);
    if (fast_update(t, k, plen)) {
        pt_insert(t, k, plen, nh);
        return -ENOMEM;
    }
    t->count--;
    return 0;
}

#if defined(__x86_64__) && defined(__linux__) && defined(__GNUC__) && !defined(__clang__)
/* The build flags target baseline x86-64 (no POPCNT instruction); popcount
 * is on the hot path, so let the loader pick a POPCNT clone when available. */
__attribute__((target_clones("popcnt", "default")))
#endif
uint32_t rtable6_lookup(const struct rtable6 *t, const struct in6_addr *dst)
{
    u128 k = key_load(dst);
    uint32_t s = (uint32_t)(k >> (128 - t->dbits));
    uint32_t ni = t->dir[s];
    if (!ni)
        return t->dirleaf[s];
    const struct ptnode *base = (const struct ptnode *)(const void *)t->np.a;
    const struct ptnode *n = &base[ni];
    k <<= t->dbits;
    for (;;) {
        uint64_t bit = UINT64_C(1) << (unsigned)(k >> (128 - STRIDE));
        if (!(n->vec & bit)) {
            /* count leaf runs up to and including this slot */
            unsigned li = n->base0 + (unsigned)__builtin_popcountll(n->leafvec & ((bit << 1) - 1)) - 1;
            return ((const uint32_t *)(const void *)t->lp.a)[li];
        }
        n = &base[n->base1 + (unsigned)__builtin_popcountll(n->vec & (bit - 1))];
        k <<= STRIDE;
    }
}

uint32_t rtable6_get(const struct rtable6 *t, const struct in6_addr *prefix, unsigned plen)
{
    if (plen > 128)
        return RT_NH_NONE;
    uint32_t ni = pt_find(t, key_load(prefix) & pmask(plen), plen);
    return ni ? t->pn[ni].nh : RT_NH_NONE;
}

size_t rtable6_count(const struct rtable6 *t)
{
    return t->count;
}

size_t rtable6_mem_bytes(const struct rtable6 *t)
{
    return sizeof(*t) + ((size_t)2 << t->dbits) * sizeof(uint32_t)
         + (size_t)t->np.cap * t->np.esz + (size_t)t->lp.cap * t->lp.esz
         + (size_t)t->pcap * sizeof(struct pnode);
}

typedef int (*walk6_cb)(void *, const struct in6_addr *, unsigned, uint32_t);

static int walk_rec(const struct rtable6 *t, uint32_t ni, walk6_cb cb, void *ctx)
{
    while (ni) {
        const struct pnode *n = &t->pn[ni];
        if (n->isp) {
            struct in6_addr a;
            key_store(n->key, &a);
            int r = cb(ctx, &a, n->plen, n->nh);
            if (r)
                return r;
        }
        int r = walk_rec(t, n->child[0], cb, ctx);
        if (r)
            return r;
        ni = n->child[1];
    }
    return 0;
}

int rtable6_walk(const struct rtable6 *t, walk6_cb cb, void *ctx)
{
    return walk_rec(t, t->proot, cb, ctx);
}
