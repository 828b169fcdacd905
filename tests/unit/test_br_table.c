/* src/dstm/br_table.c: the border router's binding table against a model,
 * eviction order, static entries, expiry, batch lookups. */
#include <arpa/inet.h>
#include "../lib/t.h"
#include "dstm/br.h"

static uint64_t rng = 88172645463325252ULL;
static uint64_t xr(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* Keys from a universe of 2^21: 2^18 addresses of 10.0.0.0/14-like space
 * (192.0.0.0 + n, any value will do for a table) times 8 PSIDs. */
#define U_BITS 21
#define U (1u << U_BITS)
static struct in_addr key_v4(uint32_t u) { return (struct in_addr){ htonl(0xc0000000u + (u >> 3)) }; }
static uint16_t key_psid(uint32_t u) { return (uint16_t)(u & 7); }

static struct dstm_binding mk(uint32_t u, uint32_t tag, int64_t expires)
{
    struct dstm_binding b = { .v4 = key_v4(u), .ps = { .offset = 6, .psid_len = 3, .psid = key_psid(u) },
                              .expires = expires };
    b.v6.s6_addr[0] = 0x20;
    b.v6.s6_addr[1] = 0x01;
    b.v6.s6_addr[2] = 0x0d;
    b.v6.s6_addr[3] = 0xb8;
    memcpy(&b.v6.s6_addr[12], &tag, 4);
    return b;
}

static uint32_t tag_of(const struct dstm_binding *b)
{
    uint32_t tag;
    memcpy(&tag, &b->v6.s6_addr[12], 4);
    return tag;
}

TEST(model_million_ops)
{
    struct br_table *t = br_table_new(1u << 20);
    uint32_t *model = calloc(U, sizeof *model);   /* 0: absent, else the tag */
    uint32_t count = 0, bad = 0;
    T_CHECK(t && model);
    if (!t || !model)
        return;
    for (uint32_t op = 0; op < 1000000; op++) {
        uint64_t r = xr();
        uint32_t u = (uint32_t)(r >> 20) & (U - 1);
        unsigned kind = (unsigned)(r & 15);
        if (kind < 8) {                                   /* put */
            uint32_t tag = op + 1;
            struct dstm_binding b = mk(u, tag, 0);
            if (!br_table_put(t, &b, false, 0))
                bad++;
            count += model[u] == 0;
            model[u] = tag;
        } else if (kind < 11) {                           /* del */
            bool had = br_table_del(t, key_v4(u), key_psid(u));
            if (had != (model[u] != 0))
                bad++;
            count -= model[u] != 0;
            model[u] = 0;
        } else {                                          /* get */
            const struct dstm_binding *b = br_table_get(t, key_v4(u), key_psid(u), 0);
            if ((b != NULL) != (model[u] != 0) || (b && (tag_of(b) != model[u] || b->v4.s_addr != key_v4(u).s_addr)))
                bad++;
        }
    }
    T_EQ(bad, 0);
    T_EQ(br_table_count(t), count);
    /* the whole universe agrees at the end */
    for (uint32_t u = 0; u < U; u++) {
        const struct dstm_binding *b = br_table_get(t, key_v4(u), key_psid(u), 0);
        if ((b != NULL) != (model[u] != 0) || (b && tag_of(b) != model[u]))
            bad++;
    }
    T_EQ(bad, 0);
    free(model);
    br_table_free(t);
}

TEST(eviction_oldest_expiring_learned)
{
    struct br_table *t = br_table_new(8);
    static const int64_t exp[8] = { 500, 300, 800, 100, 700, 200, 600, 0 };   /* 0: never, goes last */
    for (uint32_t i = 0; i < 8; i++) {
        struct dstm_binding b = mk(i, i + 1, exp[i]);
        T_CHECK(br_table_put(t, &b, false, 10));
    }
    T_EQ(br_table_count(t), 8);
    /* each new one pushes out the earliest expiry: 100 (u 3), 200 (u 5), 300 (u 1) ... 800 (u 2);
     * the new ones (10000 + k) go before the one that never expires (u 7) */
    static const uint32_t order[7] = { 3, 5, 1, 0, 6, 4, 2 };
    for (uint32_t k = 0; k < 7; k++) {
        struct dstm_binding b = mk(100 + k, 1000 + k, 10000 + k);
        T_CHECK(br_table_put(t, &b, false, 10));
        T_CHECK(br_table_get(t, key_v4(order[k]), key_psid(order[k]), 10) == NULL);
        for (uint32_t j = k + 1; j < 7; j++)
            T_CHECK(br_table_get(t, key_v4(order[j]), key_psid(order[j]), 10) != NULL);
        T_EQ(br_table_count(t), 8);
    }
    struct dstm_binding last = mk(200, 2000, 20000);
    T_CHECK(br_table_put(t, &last, false, 10));
    T_CHECK(br_table_get(t, key_v4(100), key_psid(100), 10) == NULL);
    T_CHECK(br_table_get(t, key_v4(7), key_psid(7), 10) != NULL);
    T_CHECK(br_table_get(t, key_v4(101), key_psid(101), 10) != NULL);
    br_table_free(t);
}

TEST(static_never_evicted)
{
    struct br_table *t = br_table_new(4);
    struct dstm_binding s0 = mk(0, 1, 20), s1 = mk(1, 2, 0);   /* static ones: even an early expiry */
    T_CHECK(br_table_put(t, &s0, true, 10));
    T_CHECK(br_table_put(t, &s1, true, 10));
    for (uint32_t i = 2; i < 40; i++) {
        struct dstm_binding b = mk(i, i, 1000 + i);
        T_CHECK(br_table_put(t, &b, false, 10));
        T_CHECK(br_table_get(t, key_v4(0), key_psid(0), 10) != NULL);
        T_CHECK(br_table_get(t, key_v4(1), key_psid(1), 10) != NULL);
    }
    T_EQ(br_table_count(t), 4);
    T_EQ(br_table_static_count(t), 2);
    /* a learned binding does not replace a static one */
    struct dstm_binding over = mk(1, 999, 5000);
    T_CHECK(br_table_put(t, &over, false, 10));
    T_EQ(tag_of(br_table_get(t, key_v4(1), key_psid(1), 10)), 2);
    /* full of static ones: refused */
    struct dstm_binding s2 = mk(50, 3, 0), s3 = mk(51, 4, 0), s4 = mk(52, 5, 0);
    T_CHECK(br_table_put(t, &s2, true, 10));
    T_CHECK(br_table_put(t, &s3, true, 10));
    T_EQ(br_table_static_count(t), 4);
    T_CHECK(!br_table_put(t, &s4, true, 10));
    struct dstm_binding l = mk(53, 6, 0);
    T_CHECK(!br_table_put(t, &l, false, 10));
    T_EQ(br_table_count(t), 4);
    /* deleting one makes room again */
    T_CHECK(br_table_del(t, key_v4(50), key_psid(50)));
    T_CHECK(br_table_put(t, &s4, true, 10));
    br_table_free(t);
}

static unsigned expired_seen;
static void on_expired(void *arg, const struct dstm_binding *b, bool is_static)
{
    (void)arg;
    (void)b;
    (void)is_static;
    expired_seen++;
}

TEST(expiry)
{
    struct br_table *t = br_table_new(16);
    struct dstm_binding a = mk(0, 1, 100), b = mk(1, 2, 200), s = mk(2, 3, 150), n = mk(3, 4, 0);
    br_table_put(t, &a, false, 0);
    br_table_put(t, &b, false, 0);
    br_table_put(t, &s, true, 0);
    br_table_put(t, &n, false, 0);
    T_EQ(br_table_next_expiry(t), 100);
    T_CHECK(br_table_get(t, key_v4(0), key_psid(0), 99) != NULL);
    T_CHECK(br_table_get(t, key_v4(0), key_psid(0), 100) == NULL);   /* expired: invisible at once */
    T_EQ(br_table_expire(t, 99, on_expired, NULL), 0);
    T_EQ(br_table_expire(t, 160, on_expired, NULL), 2);              /* a and the static s */
    T_EQ(expired_seen, 2);
    T_EQ(br_table_count(t), 2);
    T_EQ(br_table_next_expiry(t), 200);
    /* an extension moves it back */
    b.expires = 400;
    br_table_put(t, &b, false, 160);
    T_EQ(br_table_expire(t, 300, NULL, NULL), 0);
    T_CHECK(br_table_get(t, key_v4(1), key_psid(1), 300) != NULL);
    T_EQ(br_table_expire(t, 1000000, NULL, NULL), 1);
    T_CHECK(br_table_get(t, key_v4(3), key_psid(3), 1000000) != NULL);   /* never expires */
    T_EQ(br_table_next_expiry(t), INT64_MAX);
    br_table_free(t);
}

TEST(batch_equals_single)
{
    struct br_table *t = br_table_new(1u << 20);
    for (uint32_t i = 0; i < 1000000; i++) {
        uint32_t u = (uint32_t)(xr() >> 11) & (U - 1);
        struct dstm_binding b = mk(u, i + 1, (i % 5 == 0) ? 50 : 0);   /* some already expired at now */
        br_table_put(t, &b, false, 0);
    }
    enum { N = 1000000, CHUNK = 1000 };
    struct in_addr v4[CHUNK];
    uint16_t psid[CHUNK];
    const struct dstm_binding *out[CHUNK];
    uint32_t diff = 0, found = 0;
    for (uint32_t base = 0; base < N; base += CHUNK) {
        for (unsigned k = 0; k < CHUNK; k++) {
            uint32_t u = (uint32_t)(xr() >> 11) & (U - 1);
            v4[k] = key_v4(u);
            psid[k] = key_psid(u);
        }
        br_table_get_batch(t, v4, psid, CHUNK - (base / CHUNK) % 7, 100, out);   /* odd batch sizes too */
        for (unsigned k = 0; k < CHUNK - (base / CHUNK) % 7; k++) {
            const struct dstm_binding *one = br_table_get(t, v4[k], psid[k], 100);
            diff += one != out[k];
            found += one != NULL;
        }
    }
    T_EQ(diff, 0);
    T_CHECK(found > 100000);   /* the comparison saw hits as well as misses */
    br_table_free(t);
}

TEST(bad_sizes_refused)
{
    T_CHECK(br_table_new(0) == NULL);
    T_CHECK(br_table_new(UINT32_MAX) == NULL);
}

int main(void)
{
    RUN(model_million_ops);
    RUN(eviction_oldest_expiring_learned);
    RUN(static_never_evicted);
    RUN(expiry);
    RUN(batch_equals_single);
    RUN(bad_sizes_refused);
    return t_done();
}
