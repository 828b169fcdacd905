/* ICMPv6 (RFC 4443).  Validated: len >= 8 (TRUNCATED) and the checksum
 * over the pseudo-header and the whole message (BAD_CKSUM).  Type/code
 * semantics are the caller's (or nd6.h/mld.h). */
#ifndef SIX_WIRE_ICMP6_H
#define SIX_WIRE_ICMP6_H
#include "wire/wire.h"

#define ICMP6_HLEN 8
#define ICMP6_DST_UNREACH 1
#define ICMP6_PACKET_TOO_BIG 2
#define ICMP6_TIME_EXCEEDED 3
#define ICMP6_PARAM_PROB 4
#define ICMP6_ECHO_REQUEST 128
#define ICMP6_ECHO_REPLY 129
#define MLD_LISTENER_QUERY 130
#define MLD_LISTENER_REPORT 131
#define MLD_LISTENER_DONE 132
#define ND_ROUTER_SOLICIT 133
#define ND_ROUTER_ADVERT 134
#define ND_NEIGHBOR_SOLICIT 135
#define ND_NEIGHBOR_ADVERT 136
#define ND_REDIRECT 137
#define MLDV2_LISTENER_REPORT 143

/* Destination Unreachable codes */
#define ICMP6_DST_UNREACH_NOROUTE 0
#define ICMP6_DST_UNREACH_ADMIN 1
#define ICMP6_DST_UNREACH_BEYONDSCOPE 2
#define ICMP6_DST_UNREACH_ADDR 3
#define ICMP6_DST_UNREACH_NOPORT 4
#define ICMP6_DST_UNREACH_POLICY 5    /* source address failed ingress/egress policy */
#define ICMP6_DST_UNREACH_REJECT 6    /* reject route to destination */
/* Time Exceeded codes */
#define ICMP6_TIME_EXCEED_TRANSIT 0
#define ICMP6_TIME_EXCEED_REASSEMBLY 1
/* Parameter Problem codes */
#define ICMP6_PARAMPROB_HEADER 0
#define ICMP6_PARAMPROB_NEXTHEADER 1
#define ICMP6_PARAMPROB_OPTION 2

struct icmp6_info {
  uint8_t type, code;
  uint32_t data32;         /* bytes 4..7, host order */
  const uint8_t *body;     /* bytes after the first 8 */
  size_t body_len;
};

enum wire_reason icmp6_parse(const uint8_t *p, size_t len, const struct in6_addr *src,
                             const struct in6_addr *dst, struct icmp6_info *out);
/* Message fully laid out at p (len bytes); writes the checksum at p+2. */
/* The first 8 bytes of an ICMPv6 message quoted in an error: no checksum
 * (the quote may be cut short), len >= 8. */
enum wire_reason icmp6_parse_quoted(const uint8_t *p, size_t len, struct icmp6_info *out);
void icmp6_set_cksum(uint8_t *p, size_t len, const struct in6_addr *src, const struct in6_addr *dst);
/* 8 bytes, checksum zero; the caller then calls icmp6_set_cksum. */
size_t icmp6_emit_hdr(uint8_t *p, size_t cap, uint8_t type, uint8_t code, uint32_t data32);

static inline bool icmp6_is_error(uint8_t type) { return type < 128; }

#endif
