/* In-place edits of an already validated IPv6 packet: the few fields that
 * forwarding, fragmentation and reassembly rewrite. Offsets are those of
 * RFC 8200 §3; nxt_field is the offset of a Next Header byte (6 for the
 * fixed header, 0 within an extension header, i.e. the header's offset). */
#ifndef SIX_WIRE_IP6EDIT_H
#define SIX_WIRE_IP6EDIT_H
#include <stdint.h>
#include <stddef.h>
#include "wire/bytes.h"

static inline void ip6_hdr_set_plen(uint8_t *ip6, uint16_t plen) { wr16(ip6 + 4, plen); }
static inline void ip6_hdr_set_hlim(uint8_t *ip6, uint8_t hlim) { ip6[7] = hlim; }
/* Traffic class (RFC 8200 §7: DSCP and ECN), the flow label kept. */
static inline void ip6_hdr_set_tclass(uint8_t *ip6, uint8_t tc)
{
    ip6[0] = (uint8_t)(0x60 | tc >> 4);
    ip6[1] = (uint8_t)((tc & 0x0f) << 4 | (ip6[1] & 0x0f));
}
static inline void ip6_hdr_set_nxt_at(uint8_t *ip6, size_t nxt_field, uint8_t nxt) { ip6[nxt_field] = nxt; }
static inline uint8_t ip6_hdr_nxt_at(const uint8_t *ip6, size_t nxt_field) { return ip6[nxt_field]; }
/* The first bytes of an upper-layer or ICMPv6 header, for quick peeks by
 * code that already validated the packet's length up to off + 1. */
static inline uint8_t ip6_byte_at(const uint8_t *ip6, size_t off) { return ip6[off]; }

#endif
