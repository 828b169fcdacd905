/* UDP (RFC 768; IPv6 rules RFC 8200 §8.1).  Validated: len >= 8
 * (TRUNCATED); 8 <= length field <= len (BAD_LENGTH: bytes after the UDP
 * length are a trailer and ignored); checksum over the UDP length
 * (BAD_CKSUM); a zero checksum means "none", allowed only when
 * zero_cksum_ok (IPv4), else ZERO_CKSUM (IPv6).
 *
 * Pseudo-header sums: for udp_parse, compute `pseudo` with upper_len =
 * len (the bytes passed in, normally the IP payload length); when the
 * UDP length field is shorter, udp_parse swaps in the UDP length itself,
 * as RFC 8200 §8.1 requires.  For udp_emit, upper_len = 8 + payload_len. */
#ifndef SIX_WIRE_UDP_H
#define SIX_WIRE_UDP_H
#include "wire/wire.h"

#define UDP_HLEN 8

struct udp_info { uint16_t sport, dport, len; };

enum wire_reason udp_parse(const uint8_t *p, size_t len, uint32_t pseudo, bool zero_cksum_ok,
                           struct udp_info *out);
/* Payload already at p+8; a computed checksum of 0 is sent as 0xffff.
 * Returns 8, or 0 if cap < 8 + payload_len or the datagram exceeds 65535. */
/* The ports of a (possibly truncated) UDP header quoted in an ICMP error:
 * only the first 4 bytes are needed; no checksum. */
enum wire_reason udp_ports(const uint8_t *p, size_t len, uint16_t *sport, uint16_t *dport);
/* RFC 3948 §2.1: ESP in UDP over IPv4 is sent with a zero checksum. */
static inline void udp_hdr_zero_cksum(uint8_t *udp) { udp[6] = udp[7] = 0; }
size_t udp_emit(uint8_t *p, size_t cap, uint16_t sport, uint16_t dport, size_t payload_len,
                uint32_t pseudo);

struct ip4_info;
/* A whole IPv4 + UDP datagram around a payload already at p + 28
 * (IP4_HLEN + UDP_HLEN): for a datagram whose headers someone else took
 * off (a host UDP socket, src/link/hostip.c).  h gives the addresses, TOS,
 * TTL, id and DF; proto and tot_len are set here, no options.  cksum false
 * sends a zero UDP checksum ("none", RFC 768; what RFC 3948 §2.1 uses for
 * ESP in UDP).  Returns 28, or 0 if cap < 28 + payload_len or the IPv4
 * datagram would exceed 65535 bytes. */
size_t udp4_datagram_emit(uint8_t *p, size_t cap, const struct ip4_info *h, uint16_t sport,
                          uint16_t dport, size_t payload_len, bool cksum);

#endif
