/* Ethernet II framing (IEEE 802.3 / RFC 894).  Validated: length only
 * (< 14 bytes is a runt).  No VLAN tags; the type is returned as found and
 * the caller dispatches (or drops) on it.  The FCS is not present. */
#ifndef SIX_WIRE_ETHER_H
#define SIX_WIRE_ETHER_H
#include "wire/wire.h"

#define ETHERTYPE_IP4 0x0800
#define ETHERTYPE_ARP 0x0806
#define ETHERTYPE_IP6 0x86dd
#define ETH_HLEN 14

struct eth_info { struct eth_addr dst, src; uint16_t type; };

enum wire_reason eth_parse(const uint8_t *p, size_t len, struct eth_info *out);
size_t eth_emit(uint8_t *p, size_t cap, const struct eth_addr *dst,
                const struct eth_addr *src, uint16_t type);

/* Group bit (I/G) of the first octet; broadcast is also multicast. */
static inline bool eth_is_multicast(const struct eth_addr *a) { return a->b[0] & 1; }
static inline bool eth_is_broadcast(const struct eth_addr *a)
{
  return (a->b[0] & a->b[1] & a->b[2] & a->b[3] & a->b[4] & a->b[5]) == 0xff;
}
static inline bool eth_is_zero(const struct eth_addr *a)
{
  return (a->b[0] | a->b[1] | a->b[2] | a->b[3] | a->b[4] | a->b[5]) == 0;
}

#endif
