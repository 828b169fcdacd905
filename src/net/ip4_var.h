/* IPv4 state and the functions the rest of the stack calls into IPv4 with.
 * Implemented in src/net/{in4,ip4_input,ip4_output,frag4,icmp4,arp,route4}.c. */
#ifndef SIX_NET_IP4_VAR_H
#define SIX_NET_IP4_VAR_H
#include <stdint.h>
#include <stdbool.h>
#include <netinet/in.h>
#include "core/pkt.h"
#include "wire/wire.h"
#include "net/stack.h"

/* --- life cycle (called from net/netif.c and net/stack.c) --- */
int  net4_init(struct six_stack *st);
void net4_destroy(struct six_stack *st);
int  in4_if_attach(struct ifnet *ifp);      /* allocates ifp->in4 */
void in4_if_detach(struct ifnet *ifp);
void in4_if_up(struct ifnet *ifp);          /* gratuitous ARP for its addresses */
void in4_if_down(struct ifnet *ifp);

/* --- input (network header at pkt data; ownership passes) --- */
void ip4_input(struct ifnet *ifp, struct pkt *p);
void arp_input(struct ifnet *ifp, struct pkt *p);

/* --- addresses --- */
int  in4_addr_add(struct ifnet *ifp, struct in_addr a, unsigned plen);   /* 0, -EEXIST, -ENOSPC, -EINVAL */
int  in4_addr_del(struct ifnet *ifp, struct in_addr a);                  /* 0, -ENOENT */
int  in4_addr_walk(struct six_stack *st, int (*cb)(void *ctx, struct ifnet *ifp, struct in_addr a, unsigned plen), void *ctx);
bool in4_is_local(struct six_stack *st, struct in_addr a);
int  in4_selectsrc(struct six_stack *st, struct in_addr dst, struct ifnet *ifp, struct in_addr *src);

/* --- routes --- */
#define RT4_CONNECTED 1u
#define RT4_STATIC    2u
int  route4_add(struct six_stack *st, struct in_addr prefix, unsigned plen, const struct in_addr *gw,
                struct ifnet *ifp, uint32_t flags);                       /* gw or ifp may be NULL, not both */
int  route4_del(struct six_stack *st, struct in_addr prefix, unsigned plen);
/* Change the route to prefix/plen in place, or add it: 0 or route4_add's errors. */
int  route4_replace(struct six_stack *st, struct in_addr prefix, unsigned plen, const struct in_addr *gw,
                    struct ifnet *ifp, uint32_t flags);
/* The interface on which a is on-link (its longest match is a connected route), or NULL. */
struct ifnet *route4_onlink_if(struct six_stack *st, struct in_addr a);
/* The interface the route to a leaves by (connected or through a gateway), or NULL: no route. */
struct ifnet *route4_out_if(struct six_stack *st, struct in_addr a);
/* MTU of the interface the route to dst leaves by; 1500 without a route. */
uint32_t route4_if_mtu(struct six_stack *st, struct in_addr dst);
int  route4_walk(struct six_stack *st, int (*cb)(void *ctx, struct in_addr prefix, unsigned plen,
                 const struct in_addr *gw /* NULL if connected */, struct ifnet *ifp, uint32_t flags), void *ctx);

/* --- ARP cache view --- */
int  arp_walk(struct six_stack *st, int (*cb)(void *ctx, struct ifnet *ifp, struct in_addr a,
              const struct eth_addr *lla /* NULL while incomplete */, const char *state), void *ctx);

/* By hand (sixctl neigh): state "permanent", "reachable" or "stale" (0,
 * -EINVAL, -ENOSPC); delete (0, -ENOENT); flush ifp's entries (permanent
 * ones too if all; returns how many went). */
int  arp_neigh_set(struct ifnet *ifp, struct in_addr a, const struct eth_addr *lla, const char *state);
int  arp_neigh_del(struct ifnet *ifp, struct in_addr a);
unsigned arp_neigh_flush(struct ifnet *ifp, bool all);

/* --- output --- */
struct ipsec_sockpol;
struct ip4_out {
    struct in_addr src, dst;      /* src 0.0.0.0: select */
    uint8_t proto;
    int ttl;                      /* -1: default 64 */
    uint8_t tos;
    bool df;
    struct ifnet *ifp;            /* forced interface (broadcast, link scope) or NULL */
    uint32_t flags;               /* IP4_OUT_* */
    struct ipsec_sockpol *ipsec;  /* the sending socket's IPsec policy; NULL: the SPD alone */
};
#define IP4_OUT_IPSEC_DONE 1u     /* the outer packet of an IPsec tunnel: the SPD is not asked again */
#define IP4_OUT_IPSEC_AH   2u     /* AH tunnel: ipsec_ah_finish() once the header covered by the ICV exists */
/* p holds the upper-layer packet (checksum done). Takes ownership. 0 or -errno. */
int  ip4_output(struct six_stack *st, struct pkt *p, const struct ip4_out *o);
/* An ICMPv4 error about p (IP header at data; always consumed), under the
 * stack's rules and token bucket: for tunnel ends outside src/net (DSTM's
 * border router: host unreachable). Also declared in ip4_priv.h. */
void icmp4_error(struct six_stack *st, struct pkt *p, uint8_t type, uint8_t code, uint32_t data32);
/* ICMP echo request for ping (ping.c); 0 or -errno. */
int  icmp4_echo_send(struct six_stack *st, struct in_addr dst, uint16_t id, uint16_t seq,
                     const uint8_t *data, size_t len, int ttl);
/* The same from source address src (0.0.0.0: selected), for ping -I ADDR. */
int  icmp4_echo_send_from(struct six_stack *st, struct in_addr src, struct in_addr dst, uint16_t id, uint16_t seq,
                          const uint8_t *data, size_t len, int ttl);

#endif
