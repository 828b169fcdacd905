/* IPv6 extension headers (RFC 8200 §4).
 *
 * Hop-by-Hop / Destination Options: header length within len (TRUNCATED);
 * the option iterator validates each TLV: an option running past the
 * header (OPT_TRUNCATED), a run of Pad1/PadN longer than 7 bytes
 * (PAD_TOO_LONG) or PadN with non-zero payload (PAD_NONZERO), both per
 * RFC 4942 §2.1.9.5 (Linux applies the same checks).  Routing header:
 * length only; type 0 is parsed and left to the caller to refuse (RFC 5095).
 * Fragment header: len >= 8. */
#ifndef SIX_WIRE_IP6EXT_H
#define SIX_WIRE_IP6EXT_H
#include "wire/wire.h"

#define IP6_NXT_HOPOPTS 0
#define IP6_NXT_IPIP 4
#define IP6_NXT_TCP 6
#define IP6_NXT_UDP 17
#define IP6_NXT_IPV6 41
#define IP6_NXT_ROUTING 43
#define IP6_NXT_FRAGMENT 44
#define IP6_NXT_ESP 50
#define IP6_NXT_AH 51
#define IP6_NXT_ICMPV6 58
#define IP6_NXT_NONE 59
#define IP6_NXT_DSTOPTS 60

#define IP6OPT_PAD1 0
#define IP6OPT_PADN 1
#define IP6OPT_ROUTER_ALERT 5
#define IP6OPT_JUMBO 0xc2

/* Hop-by-Hop and Destination Options headers */
struct ip6_opthdr_info { uint8_t nxt; size_t len; /* total header bytes = (hdrlen+1)*8 */ };
enum wire_reason ip6_opthdr_parse(const uint8_t *p, size_t len, struct ip6_opthdr_info *out);

struct ip6_opt {
  uint8_t type;
  uint8_t len;
  const uint8_t *data;
  size_t off;   /* offset of the type byte from the start of the ext header, for ICMP pointers */
};
struct ip6_opt_iter { const uint8_t *hdr; size_t hdrlen; size_t off; size_t pad_run; };

/* hdrlen is ip6_opthdr_info.len; iteration starts at offset 2. */
void ip6_opt_iter_init(struct ip6_opt_iter *it, const uint8_t *hdr, size_t hdrlen);
/* WR_OK with *done false: *opt is the next non-padding option.
 * WR_OK with *done true: end of header (*opt untouched).
 * Anything else: the header is malformed; it->off is the offending byte. */
enum wire_reason ip6_opt_next(struct ip6_opt_iter *it, struct ip6_opt *opt, bool *done);
/* Unknown-option action, the two high bits of the type: 0 skip, 1 discard,
 * 2 discard + ICMP Parameter Problem, 3 same unless dst is multicast. */
static inline unsigned ip6_opt_action(uint8_t type) { return type >> 6; }
/* Lays the options out in order (opts[i].off ignored; no xn+y alignment
 * beyond what the order gives) and pads to a multiple of 8 with
 * Pad1/PadN.  Returns 0 if cap is too small or the header would exceed
 * 2048 bytes. */
size_t ip6_opthdr_emit(uint8_t *p, size_t cap, uint8_t nxt, const struct ip6_opt *opts, int n);

/* Routing header: data = the type-specific bytes after the first 4. */
struct ip6_rthdr_info {
  uint8_t nxt;
  size_t len;
  uint8_t type;
  uint8_t segleft;
  const uint8_t *data;
  size_t data_len;
};
enum wire_reason ip6_rthdr_parse(const uint8_t *p, size_t len, struct ip6_rthdr_info *out);

/* Fragment header (8 bytes) */
#define IP6_FRAG_HLEN 8
struct ip6_frag_info { uint8_t nxt; uint16_t off; /* bytes */ bool more; uint32_t id; };
enum wire_reason ip6_frag_parse(const uint8_t *p, size_t len, struct ip6_frag_info *out);
/* off is rounded down to a multiple of 8. */
size_t ip6_frag_emit(uint8_t *p, size_t cap, const struct ip6_frag_info *f);

/* Past the extension headers of a packet quoted in an ICMPv6 error, whose
 * fixed header (40 bytes, next header nxt) was read with ip6_parse_quoted:
 * at most max_hdrs Hop-by-Hop, Routing, Destination Options and
 * first-fragment headers.  *off / *upper: where the first other header
 * starts and its number.  TRUNCATED: the quote ends inside the chain;
 * FRAGMENTED: a fragment with a non-zero offset (no upper header in it);
 * BAD_EXT_LEN: more than max_hdrs headers. */
enum wire_reason ip6_quoted_skip_ext(const uint8_t *p, size_t len, uint8_t nxt, unsigned max_hdrs,
                                     size_t *off, uint8_t *upper);

#endif
