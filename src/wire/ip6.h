/* IPv6 fixed header (RFC 8200 §3) and address helpers (RFC 4291).
 * Validated: len >= 40 (TRUNCATED), version 6 (BAD_VERSION), plen <=
 * len - 40 (BAD_LENGTH; trailing bytes allowed, the caller trims),
 * plen 0 with next header Hop-by-Hop means a jumbogram (RFC 2675), which
 * is unsupported (JUMBO), source not multicast (SRC_MULTICAST, RFC 4291
 * §2.7). */
#ifndef SIX_WIRE_IP6_H
#define SIX_WIRE_IP6_H
#include <string.h>
#include "wire/wire.h"

#define IP6_HLEN 40

struct ip6_info {
  uint8_t tclass;
  uint32_t flow;       /* 20 bits */
  uint16_t plen;
  uint8_t nxt, hlim;
  struct in6_addr src, dst;
};

enum wire_reason ip6_parse(const uint8_t *p, size_t len, struct ip6_info *out);
size_t ip6_emit(uint8_t *p, size_t cap, const struct ip6_info *h);   /* 40 bytes */
/* The header of a packet quoted in an ICMPv6 error (RFC 4443 §2.4 c): the
 * quote is usually cut short, so plen may exceed what is there. Checks the
 * length (40) and the version only. */
enum wire_reason ip6_parse_quoted(const uint8_t *p, size_t len, struct ip6_info *out);

static inline bool in6_is_unspecified(const struct in6_addr *a)
{
  static const struct in6_addr z;
  return memcmp(a, &z, 16) == 0;
}
static inline bool in6_is_loopback(const struct in6_addr *a)
{
  static const struct in6_addr lo = { .s6_addr = { [15] = 1 } };
  return memcmp(a, &lo, 16) == 0;
}
static inline bool in6_is_multicast(const struct in6_addr *a) { return a->s6_addr[0] == 0xff; }
/* fe80::/10 */
static inline bool in6_is_linklocal(const struct in6_addr *a)
{
  return a->s6_addr[0] == 0xfe && (a->s6_addr[1] & 0xc0) == 0x80;
}
/* ::ffff:0:0/96 */
static inline bool in6_is_v4mapped(const struct in6_addr *a)
{
  static const uint8_t pfx[12] = { [10] = 0xff, [11] = 0xff };
  return memcmp(a->s6_addr, pfx, 12) == 0;
}
/* Address text as inet_pton takes it: IPv4 dotted quad (stored IPv4-mapped,
 * the stack's one form for both families) or IPv6; no prefix, no scope. */
bool in6_parse_addr46(const char *s, struct in6_addr *a);
/* Multicast scope nibble (1 interface, 2 link, 5 site, 0xe global). */
static inline unsigned in6_mc_scope(const struct in6_addr *a) { return a->s6_addr[1] & 0x0f; }
/* ff02::1:ffXX:XXXX from the low 24 bits of a (RFC 4291 §2.7.1). */
static inline void in6_solicited_node(const struct in6_addr *a, struct in6_addr *out)
{
  static const uint8_t pfx[13] = { 0xff, 0x02, [11] = 0x01, [12] = 0xff };
  uint8_t low[3] = { a->s6_addr[13], a->s6_addr[14], a->s6_addr[15] };
  memcpy(out->s6_addr, pfx, 13);
  memcpy(out->s6_addr + 13, low, 3);
}
static inline bool in6_eq(const struct in6_addr *a, const struct in6_addr *b)
{
  return memcmp(a, b, 16) == 0;
}
/* First plen bits equal; plen > 128 is treated as 128. */
static inline bool in6_prefix_eq(const struct in6_addr *a, const struct in6_addr *b, unsigned plen)
{
  if (plen > 128) plen = 128;
  unsigned n = plen / 8, r = plen % 8;
  if (memcmp(a->s6_addr, b->s6_addr, n)) return false;
  if (!r) return true;
  uint8_t m = (uint8_t)(0xff << (8 - r));
  return ((a->s6_addr[n] ^ b->s6_addr[n]) & m) == 0;
}
/* out = a with every bit after plen cleared (out may alias a). */
static inline void in6_mask(const struct in6_addr *a, unsigned plen, struct in6_addr *out)
{
  if (plen > 128) plen = 128;
  for (unsigned i = 0; i < 16; i++) {
    unsigned bits = plen > i * 8 ? plen - i * 8 : 0;
    uint8_t m = bits >= 8 ? 0xff : (uint8_t)(0xff << (8 - bits));
    out->s6_addr[i] = a->s6_addr[i] & m;
  }
}

#endif
