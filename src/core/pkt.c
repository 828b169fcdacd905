/* Packet pools: two size classes, every buffer allocated when the pool is
 * created (one array of struct pkt and one big storage block per class), free
 * lists threaded through pkt->next. The data path never calls malloc.
 *
 * A freed packet is marked with off == PKT_OFF_FREE so that a double free is
 * caught at once instead of corrupting the free list. */
#include <stdlib.h>
#include <string.h>
#include "core/pkt.h"

#define PKT_OFF_FREE UINT32_MAX

struct pkt_class {
    struct pkt *pkts;      /* n descriptors */
    uint8_t *store;        /* n * size bytes */
    struct pkt *free;      /* free list */
    uint32_t n, n_free, size;
};

struct pkt_pool {
    struct pkt_class small, big;
    uint64_t alloc_fail;
};

uint8_t *pkt_push(struct pkt *p, size_t n)
{
    if (n > p->off)
        return NULL;
    p->off -= (uint32_t)n;
    p->len += (uint32_t)n;
    return pkt_data(p);
}

uint8_t *pkt_pull(struct pkt *p, size_t n)
{
    if (n > p->len)
        return NULL;
    p->off += (uint32_t)n;
    p->len -= (uint32_t)n;
    return pkt_data(p);
}

uint8_t *pkt_put(struct pkt *p, size_t n)
{
    if (n > pkt_tailroom(p))
        return NULL;
    uint8_t *tail = pkt_data(p) + p->len;
    p->len += (uint32_t)n;
    return tail;
}

void pkt_trim(struct pkt *p, size_t len)
{
    if (len < p->len)
        p->len = (uint32_t)len;
}

static int class_init(struct pkt_pool *pp, struct pkt_class *c, uint32_t n, uint32_t size, bool big)
{
    c->n = c->n_free = n;
    c->size = size;
    c->free = NULL;
    if (n == 0)
        return 0;
    c->pkts = calloc(n, sizeof(*c->pkts));
    c->store = malloc((size_t)n * size);
    if (!c->pkts || !c->store)
        return -1;
    /* Thread the free list backwards so that the first allocation gets pkts[0]. */
    for (uint32_t i = n; i-- > 0;) {
        struct pkt *p = &c->pkts[i];
        p->buf = c->store + (size_t)i * size;
        p->cap = size;
        p->pool = pp;
        p->big = big;
        p->off = PKT_OFF_FREE;
        p->next = c->free;
        c->free = p;
    }
    return 0;
}

static void class_fini(struct pkt_class *c)
{
    free(c->pkts);
    free(c->store);
}

struct pkt_pool *pkt_pool_create(uint32_t n_small, uint32_t n_big)
{
    struct pkt_pool *pp = calloc(1, sizeof(*pp));
    if (!pp)
        return NULL;
    if (class_init(pp, &pp->small, n_small, PKT_SMALL_SIZE, false) < 0 ||
        class_init(pp, &pp->big, n_big, PKT_BIG_SIZE, true) < 0) {
        pkt_pool_destroy(pp);
        return NULL;
    }
    return pp;
}

void pkt_pool_destroy(struct pkt_pool *pp)
{
    if (!pp)
        return;
    class_fini(&pp->small);
    class_fini(&pp->big);
    free(pp);
}

static struct pkt *class_get(struct pkt_class *c)
{
    struct pkt *p = c->free;
    if (!p)
        return NULL;
    c->free = p->next;
    c->n_free--;
    return p;
}

struct pkt *pkt_alloc(struct pkt_pool *pp, size_t size)
{
    struct pkt *p = NULL;
    if (size <= PKT_SMALL_SIZE - PKT_HEADROOM)
        p = class_get(&pp->small);
    else if (size <= PKT_BIG_SIZE - PKT_HEADROOM)
        p = class_get(&pp->big);
    /* No fallback from small to big: the few big buffers are kept for
     * reassembly and jumbo-ish loopback traffic. */
    if (!p) {
        pp->alloc_fail++;
        return NULL;
    }
    p->next = NULL;
    p->off = PKT_HEADROOM;
    p->len = 0;
    p->flags = 0;
    p->ipsec_n = 0;
    p->encap = 0;
    p->rcvif = NULL;
    p->ts_ns = 0;
    p->l3off = 0;
    return p;
}

void pkt_free(struct pkt *p)
{
    if (!p)
        return;
    if (p->off == PKT_OFF_FREE)
        abort();   /* double free: fail loudly, a corrupt free list is far worse */
    struct pkt_class *c = p->big ? &p->pool->big : &p->pool->small;
    p->off = PKT_OFF_FREE;
    p->next = c->free;
    c->free = p;
    c->n_free++;
}

void pkt_prov_get(const struct pkt *p, struct pkt_prov *out)
{
    memset(out, 0, sizeof *out);
    out->flags = p->flags & PKT_F_IPSEC_MASK;
    out->ipsec_n = p->ipsec_n < PKT_IPSEC_MAX ? p->ipsec_n : PKT_IPSEC_MAX;
    memcpy(out->ipsec_said, p->ipsec_said, out->ipsec_n * sizeof out->ipsec_said[0]);
}

bool pkt_prov_eq(const struct pkt_prov *a, const struct pkt_prov *b)
{
    return a->flags == b->flags && a->ipsec_n == b->ipsec_n &&
           !memcmp(a->ipsec_said, b->ipsec_said, sizeof a->ipsec_said);
}

void pkt_prov_set(struct pkt *p, const struct pkt_prov *pv)
{
    p->flags = (p->flags & ~(uint32_t)PKT_F_IPSEC_MASK) | pv->flags;
    p->ipsec_n = pv->ipsec_n;
    memcpy(p->ipsec_said, pv->ipsec_said, sizeof p->ipsec_said);
}

struct pkt *pkt_copy(struct pkt_pool *pp, const struct pkt *p)
{
    struct pkt *q = pkt_alloc(pp, p->len);
    if (!q)
        return NULL;
    memcpy(pkt_put(q, p->len), pkt_data(p), p->len);
    q->flags = p->flags;
    q->ipsec_n = p->ipsec_n;
    memcpy(q->ipsec_said, p->ipsec_said, sizeof q->ipsec_said);
    q->encap = p->encap;
    q->rcvif = p->rcvif;
    q->ts_ns = p->ts_ns;
    /* l3off is relative to buf: shift it by the move of the data start. */
    int64_t l3 = (int64_t)p->l3off + (int64_t)q->off - (int64_t)p->off;
    q->l3off = (l3 >= 0 && l3 <= UINT16_MAX) ? (uint16_t)l3 : 0;
    return q;
}

void pkt_pool_get_stats(const struct pkt_pool *pp, struct pkt_pool_stats *s)
{
    s->small_total = pp->small.n;
    s->small_free = pp->small.n_free;
    s->big_total = pp->big.n;
    s->big_free = pp->big.n_free;
    s->alloc_fail = pp->alloc_fail;
}

void pktq_purge(struct pkt_queue *q)
{
    struct pkt *p;
    while ((p = pktq_pop(q)))
        pkt_free(p);
}
