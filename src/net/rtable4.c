/* IPv4 longest-prefix match.  The IPv6 engine (rtable6.c) is key-width
 * agnostic up to 128 bits, so an IPv4 table is an rtable6 whose keys carry
 * the IPv4 address in their first 32 bits (a.b.c.d::/plen).  With the 18-bit
 * direct-pointing array a /24 resolves in one node level, exactly as a
 * dedicated IPv4 poptrie would.  See docs/ROUTING.md. */
#include "net/rtable.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct rtable4 {
    struct rtable6 *t6;
};

static void to6(const struct in_addr *a, struct in6_addr *a6)
{
    memset(a6, 0, sizeof(*a6));
    memcpy(a6->s6_addr, &a->s_addr, 4);
}

struct rtable4 *rtable4_create(uint32_t max_routes)
{
    struct rtable4 *t = malloc(sizeof(*t));
    if (!t)
        return NULL;
    t->t6 = rtable6_create(max_routes);
    if (!t->t6) {
        free(t);
        return NULL;
    }
    return t;
}

void rtable4_destroy(struct rtable4 *t)
{
    if (!t)
        return;
    rtable6_destroy(t->t6);
    free(t);
}

int rtable4_insert(struct rtable4 *t, const struct in_addr *prefix, unsigned plen, uint32_t nh)
{
    struct in6_addr a6;
    if (plen > 32)
        return -EINVAL;
    to6(prefix, &a6);
    return rtable6_insert(t->t6, &a6, plen, nh);
}

int rtable4_delete(struct rtable4 *t, const struct in_addr *prefix, unsigned plen)
{
    struct in6_addr a6;
    if (plen > 32)
        return -EINVAL;
    to6(prefix, &a6);
    return rtable6_delete(t->t6, &a6, plen);
}

uint32_t rtable4_lookup(const struct rtable4 *t, const struct in_addr *dst)
{
    struct in6_addr a6;
    to6(dst, &a6);
    return rtable6_lookup(t->t6, &a6);
}

uint32_t rtable4_get(const struct rtable4 *t, const struct in_addr *prefix, unsigned plen)
{
    struct in6_addr a6;
    if (plen > 32)
        return RT_NH_NONE;
    to6(prefix, &a6);
    return rtable6_get(t->t6, &a6, plen);
}

size_t rtable4_count(const struct rtable4 *t)
{
    return rtable6_count(t->t6);
}

size_t rtable4_mem_bytes(const struct rtable4 *t)
{
    return sizeof(*t) + rtable6_mem_bytes(t->t6);
}

struct walk4 {
    int (*cb)(void *ctx, const struct in_addr *prefix, unsigned plen, uint32_t nh);
    void *ctx;
};

static int walk4_adapt(void *ctx, const struct in6_addr *p6, unsigned plen, uint32_t nh)
{
    const struct walk4 *w = ctx;
    struct in_addr a;
    memcpy(&a.s_addr, p6->s6_addr, 4);
    return w->cb(w->ctx, &a, plen, nh);
}

int rtable4_walk(const struct rtable4 *t,
                 int (*cb)(void *ctx, const struct in_addr *prefix, unsigned plen, uint32_t nh),
                 void *ctx)
{
    struct walk4 w = { cb, ctx };
    return rtable6_walk(t->t6, walk4_adapt, &w);
}
