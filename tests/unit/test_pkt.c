#include "../lib/t.h"
#include "core/pkt.h"

TEST(push_pull_put_trim_bounds)
{
    struct pkt_pool *pp = pkt_pool_create(4, 1);
    struct pkt *p = pkt_alloc(pp, 100);
    T_CHECK(p != NULL);
    T_EQ(pkt_headroom(p), PKT_HEADROOM);
    T_EQ(p->len, 0);
    T_EQ(pkt_tailroom(p), PKT_SMALL_SIZE - PKT_HEADROOM);
    uint8_t *d = pkt_put(p, 10);
    T_CHECK(d == p->buf + PKT_HEADROOM);
    for (int i = 0; i < 10; i++) d[i] = (uint8_t)i;
    T_EQ(p->len, 10);
    T_CHECK(pkt_put(p, pkt_tailroom(p) + 1) == NULL);
    T_EQ(p->len, 10);
    uint8_t *h = pkt_push(p, 14);
    T_CHECK(h == p->buf + PKT_HEADROOM - 14);
    T_EQ(p->len, 24);
    T_CHECK(pkt_push(p, PKT_HEADROOM) == NULL);      /* only 242 left */
    T_CHECK(pkt_push(p, PKT_HEADROOM - 14) != NULL); /* exactly all of it */
    T_EQ(pkt_headroom(p), 0);
    T_CHECK(pkt_push(p, 1) == NULL);
    T_CHECK(pkt_pull(p, PKT_HEADROOM) != NULL);
    T_EQ(p->len, 10);
    T_EQ(pkt_data(p)[3], 3);
    T_CHECK(pkt_pull(p, 11) == NULL);
    T_EQ(p->len, 10);
    pkt_trim(p, 20);
    T_EQ(p->len, 10);
    pkt_trim(p, 4);
    T_EQ(p->len, 4);
    T_CHECK(pkt_pull(p, 4) != NULL);
    T_EQ(p->len, 0);
    T_CHECK(pkt_put(p, pkt_tailroom(p)) != NULL);
    T_EQ(pkt_tailroom(p), 0);
    pkt_free(p);
    pkt_pool_destroy(pp);
}

TEST(exhaustion_and_reuse)
{
    struct pkt_pool *pp = pkt_pool_create(3, 2);
    struct pkt_pool_stats s;
    struct pkt *a[3];
    for (int i = 0; i < 3; i++) {
        a[i] = pkt_alloc(pp, 1500);
        T_CHECK(a[i] && !a[i]->big && a[i]->pool == pp);
    }
    T_CHECK(pkt_alloc(pp, 10) == NULL);   /* small class empty: no fallback */
    pkt_pool_get_stats(pp, &s);
    T_EQ(s.small_total, 3);
    T_EQ(s.small_free, 0);
    T_EQ(s.big_free, 2);
    T_EQ(s.alloc_fail, 1);

    struct pkt *b = pkt_alloc(pp, PKT_SMALL_SIZE - PKT_HEADROOM + 1);
    T_CHECK(b && b->big);
    T_CHECK(pkt_tailroom(b) >= 65536);
    struct pkt *b2 = pkt_alloc(pp, 65535);
    T_CHECK(b2 && b2->big);
    T_CHECK(pkt_alloc(pp, 3000) == NULL);
    T_CHECK(pkt_alloc(pp, PKT_BIG_SIZE) == NULL);   /* larger than any class */

    uint8_t *old = a[1]->buf;
    pkt_free(a[1]);
    struct pkt *c = pkt_alloc(pp, 1);
    T_CHECK(c && c->buf == old);
    T_EQ(c->len, 0);
    T_EQ(c->off, PKT_HEADROOM);
    T_EQ(c->flags, 0);
    pkt_free(c); pkt_free(a[0]); pkt_free(a[2]); pkt_free(b); pkt_free(b2);
    pkt_pool_get_stats(pp, &s);
    T_EQ(s.small_free, 3);
    T_EQ(s.big_free, 2);
    pkt_pool_destroy(pp);
}

TEST(copy)
{
    struct pkt_pool *p1 = pkt_pool_create(2, 0), *p2 = pkt_pool_create(2, 0);
    struct pkt *p = pkt_alloc(p1, 64);
    uint8_t *d = pkt_put(p, 64);
    for (int i = 0; i < 64; i++) d[i] = (uint8_t)(i * 7);
    pkt_pull(p, 14);          /* as if the link header was stripped */
    p->l3off = (uint16_t)p->off;
    p->flags = PKT_F_MCAST;
    p->ts_ns = 12345;
    struct pkt *q = pkt_copy(p2, p);
    T_CHECK(q != NULL);
    T_CHECK(q->pool == p2);
    T_EQ(q->len, 50);
    T_EQ(pkt_headroom(q), PKT_HEADROOM);
    T_MEMEQ(pkt_data(q), pkt_data(p), 50);
    T_EQ(q->flags, PKT_F_MCAST);
    T_EQ(q->ts_ns, 12345);
    T_EQ(q->l3off, q->off);
    pkt_free(p);
    pkt_free(q);
    pkt_pool_destroy(p1);
    pkt_pool_destroy(p2);
}

TEST(queue_purge)
{
    struct pkt_pool *pp = pkt_pool_create(8, 0);
    struct pkt_queue q;
    pktq_init(&q);
    for (int i = 0; i < 8; i++)
        pktq_push(&q, pkt_alloc(pp, 10));
    T_EQ(q.n, 8);
    struct pkt *first = pktq_pop(&q);
    T_CHECK(first && first->next == NULL);
    T_EQ(q.n, 7);
    pkt_free(first);
    pktq_purge(&q);
    T_EQ(q.n, 0);
    T_CHECK(q.head == NULL && q.tail == NULL);
    struct pkt_pool_stats s;
    pkt_pool_get_stats(pp, &s);
    T_EQ(s.small_free, 8);
    pkt_pool_destroy(pp);
}

int main(void)
{
    RUN(push_pull_put_trim_bounds);
    RUN(exhaustion_and_reuse);
    RUN(copy);
    RUN(queue_purge);
    return t_done();
}
