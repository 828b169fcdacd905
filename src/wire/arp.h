/* ARP (RFC 826) for Ethernet/IPv4 only.  Validated: len >= 28 (TRUNCATED),
 * htype 1 (BAD_HTYPE), ptype 0x0800 (BAD_PTYPE), hlen 6 and plen 4
 * (BAD_ADDR_LEN), op request(1) or reply(2) (BAD_OP).  Trailing bytes
 * (Ethernet padding) are ignored. */
#ifndef SIX_WIRE_ARP_H
#define SIX_WIRE_ARP_H
#include "wire/wire.h"

#define ARP_LEN 28
#define ARP_OP_REQUEST 1
#define ARP_OP_REPLY 2

struct arp_info { uint16_t op; struct eth_addr sha, tha; struct in_addr spa, tpa; };

enum wire_reason arp_parse(const uint8_t *p, size_t len, struct arp_info *out);
size_t arp_emit(uint8_t *p, size_t cap, const struct arp_info *in);   /* 28 bytes */

#endif
