/* ICMP for IPv4 (RFC 792).  Validated: len >= 8 (TRUNCATED) and the
 * checksum over the whole message (BAD_CKSUM). */
#ifndef SIX_WIRE_ICMP4_H
#define SIX_WIRE_ICMP4_H
#include "wire/wire.h"

#define ICMP4_HLEN 8
#define ICMP4_ECHO_REPLY 0
#define ICMP4_UNREACH 3
#define ICMP4_ECHO 8
#define ICMP4_TIME_EXCEEDED 11
#define ICMP4_PARAM_PROB 12
#define ICMP4_UNREACH_NET 0
#define ICMP4_UNREACH_HOST 1
#define ICMP4_UNREACH_PROTO 2
#define ICMP4_UNREACH_PORT 3
#define ICMP4_UNREACH_NEEDFRAG 4
#define ICMP4_UNREACH_NET_PROHIB 9     /* RFC 1122 / 1812: administratively prohibited */
#define ICMP4_UNREACH_HOST_PROHIB 10
#define ICMP4_UNREACH_FILTER_PROHIB 13

struct icmp4_info { uint8_t type, code; uint32_t data32; const uint8_t *body; size_t body_len; };

enum wire_reason icmp4_parse(const uint8_t *p, size_t len, struct icmp4_info *out);
/* The first 8 bytes of an ICMP message quoted in an error: no checksum
 * (the quote may be cut short), len >= 8 (TRUNCATED). */
enum wire_reason icmp4_parse_quoted(const uint8_t *p, size_t len, struct icmp4_info *out);
void icmp4_set_cksum(uint8_t *p, size_t len);
size_t icmp4_emit_hdr(uint8_t *p, size_t cap, uint8_t type, uint8_t code, uint32_t data32);

static inline bool icmp4_is_error(uint8_t type)
{
  return type == ICMP4_UNREACH || type == ICMP4_TIME_EXCEEDED || type == ICMP4_PARAM_PROB
      || type == 4 /* source quench */ || type == 5 /* redirect */;
}

#endif
