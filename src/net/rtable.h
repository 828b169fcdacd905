/* Longest-prefix-match routing tables for IPv6 and IPv4.
 *
 * Fast path: a poptrie (direct-pointing array + 64-ary popcount-compressed
 * nodes, leaf-pushed), see docs/ROUTING.md.  Authoritative prefix set: a
 * path-compressed binary (Patricia) trie from which the fast path is rebuilt
 * incrementally, one subtree at a time.
 *
 * Concurrency: none.  Lookups may run concurrently with each other; any
 * insert/delete must exclude lookups on the same table (the owner serialises).
 * nh is an opaque 32-bit next-hop index owned by the caller. */
#ifndef SIX_NET_RTABLE_H
#define SIX_NET_RTABLE_H

#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

#define RT_NH_NONE UINT32_MAX

struct rtable6;
struct rtable4;

/* max_routes caps the number of prefixes (and hence memory).  NULL on ENOMEM
 * or max_routes == 0. */
struct rtable6 *rtable6_create(uint32_t max_routes);
void rtable6_destroy(struct rtable6 *t);
/* 0, -EINVAL (plen > 128 or nh == RT_NH_NONE), -ENOSPC (cap reached),
 * -ENOMEM (table unchanged).  An existing prefix has its nh replaced.  Host
 * bits of prefix beyond plen are ignored. */
int rtable6_insert(struct rtable6 *t, const struct in6_addr *prefix,
                   unsigned plen, uint32_t nh);
/* 0 or -ENOENT (-EINVAL for plen > 128; -ENOMEM only if the fast path could
 * not be rebuilt, in which case the table is unchanged). */
int rtable6_delete(struct rtable6 *t, const struct in6_addr *prefix, unsigned plen);
/* nh of the longest matching prefix, or RT_NH_NONE. */
uint32_t rtable6_lookup(const struct rtable6 *t, const struct in6_addr *dst);
/* nh of exactly this prefix, or RT_NH_NONE. */
uint32_t rtable6_get(const struct rtable6 *t, const struct in6_addr *prefix, unsigned plen);
size_t rtable6_count(const struct rtable6 *t);
size_t rtable6_mem_bytes(const struct rtable6 *t);
/* Visits every prefix once, sorted by address then length; stops and
 * returns cb's value as soon as cb returns nonzero, else returns 0.  The
 * table must not be modified from cb. */
int rtable6_walk(const struct rtable6 *t,
                 int (*cb)(void *ctx, const struct in6_addr *prefix, unsigned plen, uint32_t nh),
                 void *ctx);

/* IPv4: same contract, plen <= 32. */
struct rtable4 *rtable4_create(uint32_t max_routes);
void rtable4_destroy(struct rtable4 *t);
int rtable4_insert(struct rtable4 *t, const struct in_addr *prefix, unsigned plen, uint32_t nh);
int rtable4_delete(struct rtable4 *t, const struct in_addr *prefix, unsigned plen);
uint32_t rtable4_lookup(const struct rtable4 *t, const struct in_addr *dst);
uint32_t rtable4_get(const struct rtable4 *t, const struct in_addr *prefix, unsigned plen);
size_t rtable4_count(const struct rtable4 *t);
size_t rtable4_mem_bytes(const struct rtable4 *t);
int rtable4_walk(const struct rtable4 *t,
                 int (*cb)(void *ctx, const struct in_addr *prefix, unsigned plen, uint32_t nh),
                 void *ctx);

#endif
