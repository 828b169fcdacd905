/* DHCPv6 relay agent (RFC 9915 §19): client messages and Relay-forw from
 * relays below, received on a relay interface, go up wrapped in a
 * Relay-forw to each configured server (or to ff05::1:3 on the upstream
 * interface when none is configured); Relay-repl from those servers is
 * unwrapped and its inner message delivered to the peer-address on the
 * interface its INTERFACE_ID (or link-address) names.
 *
 * One UDP socket on port 547 per stack for every relay interface (the
 * server uses the same port: a stack runs one or the other, never both —
 * struct dhcp6's srv / relay pointers say which). Docs: docs/DHCPV6.md,
 * "Relay agent"; counters dhcp6r.* (man/sixctl.8). */
#ifndef SIX_DHCP6_RELAY_H
#define SIX_DHCP6_RELAY_H
#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>
#include <netinet/in.h>
#include <net/if.h>

struct six_stack;

#define D6R_MAX_IFS      16   /* relay interfaces per stack */
#define D6R_MAX_SERVERS  8    /* server addresses per relay interface */
#define D6R_RX_BURST     64   /* datagrams handled per pass before yielding */
#define D6R_HOP_LIMIT    8    /* HOP_COUNT_LIMIT, RFC 9915 §7.6 */
#define D6R_MCAST_HOPS   32   /* hop limit of Relay-forw to ff05::1:3 */
/* ff05::1:3 All_DHCP_Servers (site scope) */
#define D6R_ALL_SERVERS_INIT { { { 0xff,5,0,0,0,0,0,0,0,0,0,0,0,1,0,3 } } }

/* What `dhcp6 relay dev IF ...` asks for. */
struct d6r_cfg {
    struct in6_addr server[D6R_MAX_SERVERS];
    unsigned server_scope[D6R_MAX_SERVERS];   /* ifindex of a link-local server, else 0 */
    int n_server;                             /* 0: multicast to ff05::1:3 on upstream */
    char upstream[IFNAMSIZ];                  /* "" : none (routing decides) */
    bool interface_id;                        /* send INTERFACE_ID even with a global link-address */
};

/* Per relay interface counters (`dhcp6 relay show`). */
struct d6r_if_stats {
    uint64_t from_clients;      /* client messages relayed up */
    uint64_t from_relays;       /* Relay-forw from relays below relayed up */
    uint64_t to_clients;        /* server messages delivered to clients (546) */
    uint64_t to_relays;         /* Relay-repl delivered to relays below (547) */
    uint64_t dropped;           /* any counted drop that could be tied to this interface */
};

struct d6r_if_info {
    char name[IFNAMSIZ];
    struct d6r_cfg cfg;
    struct in6_addr link_addr;  /* what goes in link-address now (:: when no global address) */
    struct d6r_if_stats stats;
};

/* Start relaying on ifname (or change its configuration). 0, or -errno
 * with why: -EADDRINUSE when the stack runs a DHCPv6 server, -ENODEV for
 * an unknown interface, -ENOSPC past D6R_MAX_IFS, -EINVAL (bad upstream,
 * multicast mode without upstream). */
int d6_relay_set(struct six_stack *st, const char *ifname, const struct d6r_cfg *cfg, char *why, size_t whyn);
/* Stop relaying on ifname; the socket goes with the last interface. 0 or -ENOENT. */
int d6_relay_off(struct six_stack *st, const char *ifname);
/* The i-th relay interface (0..): false past the last. */
bool d6_relay_info(struct six_stack *st, int i, struct d6r_if_info *out);

#endif
