/* NAT44 header facts and rewriting (RFC 3022 §4.2, RFC 1624, RFC 5508 §4):
 * what a port-translating NAT (src/dstm/napt44.c) needs to read from an
 * IPv4 packet and to change in it, with the checksums kept right.
 *
 * nat44_parse() reads one IPv4 datagram (ip4_parse rules, trimmed to its
 * total length) and says what it is:
 *   NAT44_L4          TCP (header >= 20 bytes) or UDP (>= 8): ports;
 *   NAT44_ICMP_QUERY  ICMP Echo / Echo Reply: the identifier (in sport and
 *                     dport both, it is one field), ICMP checksum verified;
 *   NAT44_ICMP_ERROR  Destination Unreachable, Time Exceeded, Parameter
 *                     Problem, Source Quench, Redirect: ICMP checksum
 *                     verified, and the quoted datagram's facts in `inner`
 *                     (its IPv4 header, then ports or an Echo identifier:
 *                     at least 4 bytes of TCP/UDP, 8 of ICMP);
 *   NAT44_OTHER       anything else (other protocols, other ICMP types).
 * Refusals: ip4_parse's reasons; a fragment of the outer datagram (any
 * nonzero offset or MF) is WR_FRAGMENTED — NAPT cannot see its ports;
 * TRUNCATED for a transport header cut short; BAD_CKSUM for an ICMP
 * message whose checksum fails. For an ICMP error whose quote is unusable
 * the reason is returned with out->kind already NAT44_ICMP_ERROR, so the
 * caller can tell "bad quote" from "bad packet": the quote is cut before
 * the ports (TRUNCATED), quotes a fragment with nonzero offset
 * (FRAGMENTED), or quotes an ICMP error or a protocol other than TCP, UDP,
 * ICMP Echo (BAD_TYPE, RFC 5508 §4.1: no error about an error).
 *
 * nat44_rewrite() changes one end of the flow in place, updating every
 * checksum incrementally (RFC 1624 eqn. 3), never recomputing:
 *   NAT44_SRC  an outgoing packet: source address and source port / Echo
 *              identifier; for an ICMP error, the outer source and the
 *              quoted datagram's destination address and port (it
 *              travelled the other way);
 *   NAT44_DST  an incoming packet: destination address and destination
 *              port / identifier; for an ICMP error, the outer destination
 *              and the quoted datagram's source address and port.
 * Checksums updated: the IPv4 header's; TCP's and UDP's (their pseudo-
 * header covers the addresses; a UDP checksum 0 — none — stays 0, a result
 * 0 becomes 0xffff, RFC 768); for an ICMP error the quoted IPv4 header's,
 * the quoted TCP/UDP/ICMP checksum where the quote holds it, and the outer
 * ICMP checksum over all of those changes (a quote cut through its
 * TCP/UDP checksum field leaves that lone byte as it was).
 * p/len must be the bytes nat44_parse accepted with the info it filled. */
#ifndef SIX_WIRE_NAT44_H
#define SIX_WIRE_NAT44_H
#include "wire/wire.h"

enum nat44_kind { NAT44_OTHER, NAT44_L4, NAT44_ICMP_QUERY, NAT44_ICMP_ERROR };
enum nat44_side { NAT44_SRC, NAT44_DST };

/* One end-pair of a flow: addresses and ports (ICMP Echo: the identifier
 * in both ports). */
struct nat44_flow {
  uint8_t proto;
  struct in_addr src, dst;
  uint16_t sport, dport;
};

struct nat44_info {
  enum nat44_kind kind;
  struct nat44_flow f;      /* the datagram itself (ports 0 for NAT44_OTHER / errors) */
  uint8_t tcp_flags;        /* NAT44_L4 TCP */
  uint8_t icmp_type;        /* ICMP */
  struct nat44_flow inner;  /* NAT44_ICMP_ERROR: the quoted datagram */
  /* where things are, for nat44_rewrite */
  uint16_t len;             /* the datagram's total length (<= the buffer's) */
  uint16_t l4;              /* offset of the transport / ICMP header */
  uint16_t in_ip;           /* the quoted IPv4 header */
  uint16_t in_l4;           /* the quoted transport header */
  uint16_t in_l4_len;       /* quoted transport bytes present */
};

enum wire_reason nat44_parse(const uint8_t *p, size_t len, struct nat44_info *out);
/* false (nothing changed) when info does not describe a translatable
 * packet that fits in len. */
bool nat44_rewrite(uint8_t *p, size_t len, const struct nat44_info *info, enum nat44_side side,
                   struct in_addr addr, uint16_t port);

#endif
