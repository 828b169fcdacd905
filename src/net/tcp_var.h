/* TCP as far as the network layer needs it before the transport work:
 * segments for which no connection exists. */
#ifndef SIX_NET_TCP_VAR_H
#define SIX_NET_TCP_VAR_H
#include "link/ifnet.h"
#include "wire/ip6.h"
#include "wire/ip4.h"

/* Validate (checksum, header, options), count, and answer with a RST
 * (RFC 9293 §3.10.7.1). p is not consumed. */
void tcp6_input_closed(struct ifnet *ifp, struct pkt *p, const struct ip6_info *ip, size_t off);
void tcp4_input_closed(struct ifnet *ifp, struct pkt *p, const struct ip4_info *ih);

#endif
