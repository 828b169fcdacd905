/* Ethernet II framing for IFT_ETHER interfaces. */
#ifndef SIX_NET_ETHER_H
#define SIX_NET_ETHER_H
#include "link/ifnet.h"

/* Classify and dispatch one received frame (ARP, IPv6, IPv4). */
void ether_input(struct ifnet *ifp, struct pkt *p);
/* Prepend an Ethernet header (src = ifp's address) and queue for transmit.
 * Takes ownership. 0 or -ENOBUFS (no headroom; counted, freed). */
int  ether_output(struct ifnet *ifp, struct pkt *p, const struct eth_addr *dst, uint16_t type);
/* 33:33:xx:xx:xx:xx for an IPv6 multicast address (RFC 2464 §7). */
void ether_map_ip6_mcast(const struct in6_addr *a, struct eth_addr *out);
extern const struct eth_addr ether_broadcast;

#endif
