/* The DHCPv6 server (RFC 9915 §18.3, §17, §20.4): address pools and dynamic
 * prefix-delegation pools per link, reservations by DUID, rapid commit,
 * relayed messages, Reconfigure with the reconfigure key, and a durable
 * lease store (src/dhcp6/lease.h): a Reply that binds anything leaves only
 * after the store said LEASE_OK.
 *
 * One UDP socket on port 547 per stack serves every configured interface
 * (IPV6_RECVPKTINFO gives the ingress interface, ff02::1:2 is joined on
 * each); one lease store per stack.  Files:
 *   server.c         configuration, socket, dispatch, caps, show
 *   server_alloc.c   pools, reservations, allocation (hash + probe)
 *   lease_table.c    the in-memory index of leases (by address, by binding)
 *   server_reply.c   the exchanges: Advertise / Reply, waiting for commits
 *   server_reconf.c  Reconfigure messages, their HMAC and retransmission */
#ifndef SIX_DHCP6_SERVER_H
#define SIX_DHCP6_SERVER_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <net/if.h>
#include <netinet/in.h>
#include "dhcp6/lease.h"

#define D6S_MAX_LINKS      16      /* pool sets (links) */
#define D6S_MAX_DNS        4
#define D6S_MAX_DOMAINS    4
#define D6S_MAX_RES        64      /* reservations per link */
#define D6S_STORE_MAX      512     /* store FILE / URL length */
#define D6S_MAX_LEASES_DEFAULT 200000u

/* Defaults of a config line (seconds). */
#define D6S_VALID_DEFAULT     7200u
#define D6S_PREFERRED_DEFAULT 3600u

struct d6s_reservation {
    uint8_t duid_len;
    uint8_t duid[DHCP6_DUID_MAX];
    bool has_addr, has_prefix;
    struct in6_addr addr, prefix;
    uint8_t plen;
};

/* One `dhcp6 server dev IF ...` line: the pool set of one link, reached
 * through IF (directly, or through relays when `link P/L` names it; a
 * line is identified by IF and its `link`). */
struct d6s_config {
    char ifname[IFNAMSIZ];
    bool has_pool;
    struct in6_addr pool_lo, pool_hi;       /* inclusive; the same upper 64 bits */
    bool has_link;                           /* `link P/L`; else the pool's /64 (or the PD pool's prefix) */
    struct in6_addr link;
    uint8_t link_len;
    bool has_pd;
    struct in6_addr pd;                      /* pd-pool P/L delegate N */
    uint8_t pd_len, pd_delegate;
    struct in6_addr dns[D6S_MAX_DNS];
    int n_dns;
    char domain[D6S_MAX_DOMAINS][254];
    int n_domain;
    bool rapid_commit, reconfigure;
    uint8_t preference;
    uint32_t valid, preferred, t1, t2;       /* t1/t2 0: 0.5 and 0.8 of preferred */
    struct d6s_reservation res[D6S_MAX_RES];
    int n_res;
    char store[D6S_STORE_MAX];               /* "" : the server's store (the first line must name one) */
};

/* Set (or replace) the pool set of cfg->ifname; the first one starts the
 * server (socket, store opened and loaded).  0, or -errno with why: nothing
 * changed. */
int d6s_configure(struct six_stack *st, const struct d6s_config *cfg, char *why, size_t whyn);
/* Stop serving ifname: its pool set of `link` P/L, or (link NULL) all of
 * them.  The last one stops the server and closes the store. */
int d6s_disable(struct six_stack *st, const char *ifname, const struct in6_addr *link, uint8_t link_len,
                char *why, size_t whyn);
bool d6s_running(struct six_stack *st);

/* Reconfigure the client named by its DUID (duid_len > 0) or one of its
 * addresses / delegated prefixes.  msg: DHCP6_RENEW, DHCP6_REBIND or
 * DHCP6_INFORMATION_REQUEST.  0 or -errno with why. */
int d6s_reconfigure(struct six_stack *st, const uint8_t *duid, size_t duid_len, const struct in6_addr *addr,
                    uint8_t msg, char *why, size_t whyn);

/* Read-only views for `dhcp6 server show` and `dhcp6 leases`. */
struct d6s_link_info {
    struct d6s_config cfg;
    unsigned ifindex;
    uint64_t na_size, na_used;               /* na_size saturates at UINT64_MAX */
    uint64_t pd_size, pd_used;
};
struct d6s_info {
    bool running;
    char store_kind[16];
    char store[D6S_STORE_MAX];
    uint8_t duid_len, duid[DHCP6_DUID_MAX];
    unsigned n_links;
    unsigned leases, max_leases, pending, reconf_pending;
    struct lease_store_stats store_stats;
};
void d6s_info(struct six_stack *st, struct d6s_info *out);
/* i-th link (0..n_links-1): false past the end. */
bool d6s_link_info(struct six_stack *st, unsigned i, struct d6s_link_info *out);
/* Every lease in memory; ifname: the link whose pool holds it ("" if none). */
typedef void (*d6s_lease_fn)(void *arg, const struct lease *l, const char *ifname, int64_t now);
void d6s_foreach_lease(struct six_stack *st, d6s_lease_fn fn, void *arg);

/* Wall-clock seconds (time(NULL) on a real clock; the simulator's virtual
 * seconds), what lease times are in (the same as lease_wall_now()). */
int64_t d6s_wall(const struct six_stack *st);

#endif
