/* IPv4 header (RFC 791, RFC 1122 §3.2.1).  Validated: version 4
 * (BAD_VERSION); ihl >= 5 and header within len (BAD_HDR_LEN); hl <=
 * tot_len <= len (BAD_LENGTH; trailing bytes such as Ethernet padding are
 * allowed, the caller trims to tot_len); header checksum (BAD_CKSUM); the
 * reserved flag bit (RFC 3514 "evil bit") must be clear (RESERVED_FLAG);
 * frag_off + payload must not exceed 65535 (BAD_FRAG_OFF, the "ping of
 * death"); options are walked (EOL, NOP, others with length >= 2 inside the
 * header, else BAD_OPT_LEN) but otherwise ignored. */
#ifndef SIX_WIRE_IP4_H
#define SIX_WIRE_IP4_H
#include "wire/wire.h"

#define IP4_HLEN 20
#define IP4_PROTO_ICMP 1
#define IP4_PROTO_TCP 6
#define IP4_PROTO_UDP 17
#define IP4_PROTO_IPV6 41

struct ip4_info {
  uint8_t hl;          /* header bytes */
  uint8_t tos;
  uint16_t tot_len, id;
  bool df, mf;
  uint16_t frag_off;   /* bytes (multiple of 8) */
  uint8_t ttl, proto;
  struct in_addr src, dst;
};

enum wire_reason ip4_parse(const uint8_t *p, size_t len, struct ip4_info *out);
/* Always a 20-byte header (h->hl ignored); frag_off is rounded down to 8;
 * computes the header checksum. */
size_t ip4_emit(uint8_t *p, size_t cap, const struct ip4_info *h);
/* The header of a datagram quoted in an ICMP error (RFC 792: the header
 * and the first 8 bytes of data; RFC 1812 §4.3.2.3: more if it fits):
 * the quote is cut short, so only the version (BAD_VERSION) and the header
 * length (BAD_HDR_LEN: < 20 or past len; TRUNCATED: len < 20) are checked;
 * tot_len is as stated, not checked against len, nor the checksum. */
enum wire_reason ip4_parse_quoted(const uint8_t *p, size_t len, struct ip4_info *out);
/* In-place edit of a header ip4_parse accepted: the TOS byte, checksum
 * updated incrementally (RFC 1624 eqn. 3). */
void ip4_hdr_set_tos(uint8_t *p, uint8_t tos);

static inline bool in4_is_multicast(struct in_addr a) { return (ntohl(a.s_addr) >> 28) == 0xe; }
static inline bool in4_is_broadcast(struct in_addr a) { return a.s_addr == 0xffffffffu; }
static inline bool in4_is_any(struct in_addr a) { return a.s_addr == 0; }
static inline bool in4_is_loopback(struct in_addr a) { return (ntohl(a.s_addr) >> 24) == 127; }

#endif
