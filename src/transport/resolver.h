/* The stack's stub DNS resolver (resolver.c): servers, cache, queries.
 * The public calls are in include/six/resolver.h; this is what the command
 * language (src/ctl/cmd_dns.c) and stack.c use. */
#ifndef SIX_TRANSPORT_RESOLVER_H
#define SIX_TRANSPORT_RESOLVER_H
#include <stdbool.h>
#include <stdint.h>
#include <netinet/in.h>
#include "six/resolver.h"

#define RES_MAX_SERVERS    8      /* configured servers */
#define RES_CACHE_POS      256    /* positive cache entries (LRU) */
#define RES_CACHE_NEG      64     /* negative (NXDOMAIN / NODATA) entries (LRU) */
#define RES_MAX_ADDRS      64     /* addresses kept per name and type */
#define RES_MAX_REQS       64     /* lookups under way per stack */
#define RES_MAX_CNAME      8      /* CNAME hops followed inside one answer */
#define RES_TIMEOUT_MS     1000   /* per UDP attempt; TCP gets twice this */
#define RES_ATTEMPTS       2      /* per server */
#define RES_EDNS_SIZE      1232   /* advertised UDP payload size (EDNS0) */
#define RES_POS_TTL_MAX    86400
#define RES_NEG_TTL_MAX    10800  /* RFC 2308 §5: one to three hours */

struct six_stack;
struct resolver;

int  resolver_init(struct six_stack *st);
void resolver_destroy(struct six_stack *st);

/* Servers: addr is IPv6 or IPv4-mapped, port in host order (0: 53).
 * add: 0, -EEXIST, -ENOSPC, -EINVAL; del: 0, -ENOENT. */
int  resolver_server_add(struct six_stack *st, const struct in6_addr *addr, uint16_t port);
int  resolver_server_del(struct six_stack *st, const struct in6_addr *addr, uint16_t port);

struct resolver_server_info { struct in6_addr addr; uint16_t port; bool from_ra; bool from_dhcp6;
                              uint32_t scope; /* ifindex of a link-local server, else 0 */ };
/* The servers queries use now (configured ones, else those a DHCPv6 lease
 * gave, else RDNSS); returns how many (at most max) and where they came from. */
int  resolver_servers(struct six_stack *st, struct resolver_server_info *out, int max);
int  resolver_configured(struct six_stack *st, struct resolver_server_info *out, int max);

/* Learned from DHCPv6 (RFC 3646 DNS_SERVERS, DOMAIN_LIST), like RDNSS: not
 * configured. One source per client interface (ifindex; at most
 * RES_DHCP6_IFS), replaced by each of its leases and cleared (n 0, ndom 0)
 * when its lease goes, the others untouched. Queries use them merged in
 * `order` (the client's order of configuration; ties by ifindex), without
 * duplicates, at most RES_MAX_SERVERS servers and RES_MAX_DOMAINS names.
 * Unspecified, loopback, v4-mapped and multicast server addresses are
 * refused; a link-local one is kept with the interface as its scope. */
#define RES_MAX_DOMAINS 6
#define RES_DOMAIN_LEN  254
#define RES_DHCP6_IFS   8
void resolver_dhcp6_set(struct six_stack *st, unsigned ifindex, uint32_t order, const struct in6_addr *servers,
                        int n, const char *const *domains, int ndom);
/* The DHCPv6 domain list: how many names (at most max) were copied to out. */
int  resolver_domains(struct six_stack *st, char (*out)[RES_DOMAIN_LEN], int max);

struct resolver_stats { unsigned cache_pos, cache_neg, in_flight; };
void resolver_stats(struct six_stack *st, struct resolver_stats *s);
void resolver_cache_flush(struct six_stack *st);

/* Cancel every lookup whose callback and argument are cb / arg (the
 * command language's pending `resolve`). */
void resolver_cancel_arg(struct six_stack *st, six_gai_cb cb, void *arg);

#endif
