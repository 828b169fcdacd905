/* Authentication Header (RFC 4302) and the mutable-field normalization
 * that precedes the ICV computation (§3.3.3.1, Appendix A).
 *
 * ah_parse validates: len >= 12 (TRUNCATED); the header length
 * (payload length + 2) * 4 is at least 12 (BAD_LENGTH: payload length 0
 * would end the header inside the sequence number) and within len
 * (BAD_LENGTH); for IPv6 a multiple of 8 (BAD_ALIGN, §2.2; for IPv4 the
 * 4-byte alignment holds by construction); the SPI is neither 0
 * (ZERO_SPI) nor 1..255 (RESERVED_SPI) (§2.4).  The reserved field is
 * reported, not checked: §2.3 says the receiver ignores it (it is still
 * covered by the ICV).
 *
 * Normalizers work on a COPY of the packet that the caller owns (buf, len:
 * the whole IP packet as the ICV covers it, trimmed to the IP length) and
 * never write outside it.  They find the AH header themselves, validate
 * what they walk, and zero, in place:
 *   - the AH ICV field (all of it, including any alignment padding);
 *   - IPv4: TOS (DSCP + ECN), flags + fragment offset, TTL, header
 *     checksum; every option except the immutable ones of App. A.1 (End of
 *     Option List, No Operation, Security 130, Extended Security 133,
 *     Commercial Security 134, Router Alert 148, Sender Directed
 *     Multi-Destination Delivery 149) is zeroed whole, type and length
 *     bytes included: "for IPv4, the entire option is viewed as a unit"
 *     (§3.3.3.1.1.1).  Bytes after End of Option List are left as they are.
 *     Options with a length below 2 or past the header: BAD_OPT_LEN; a
 *     Loose/Strict Source Route whose length is not 3 + 4n: BAD_OPT_LEN.
 *     The destination address is "mutable but predictable" under source
 *     routing: when `outbound` is set, it is replaced by the route's final
 *     destination (the last address of the LSRR/SSRR option) before the
 *     option is zeroed; a received packet already carries it.
 *   - IPv6: traffic class, flow label, hop limit; the extension headers
 *     before AH are walked (each at least 8 bytes, so at most len/8
 *     steps): in Hop-by-Hop and Destination Options headers the DATA of
 *     every option whose type has the 0x20 "may change en route" bit is
 *     zeroed (App. A.2; type and length stay); malformed options give the
 *     ip6ext iterator's reason.  Stricter than the RFC: a Routing header
 *     with Segments Left != 0 before AH is refused (SEGS_LEFT_NONZERO)
 *     instead of predicting its final form; with Segments Left 0 it is
 *     immutable.  A Fragment header before AH is refused (FRAGMENTED): the
 *     ICV is verified after reassembly.  Only headers before AH are
 *     touched (like Linux ah6), and the chain must reach AH (NO_AH).
 * Payload length / total length stay as they are.  On success *ah_off is
 * the offset of the AH header in buf and *ah its parse; on failure the
 * buffer contents are unspecified (it is scratch). */
#ifndef SIX_WIRE_AH_H
#define SIX_WIRE_AH_H
#include "wire/wire.h"

#define AH_HLEN 12             /* fixed part: nxt, plen, reserved, SPI, seq */
#define AH_MAX_LEN 1028        /* (255 + 2) * 4 */
#define IP4_PROTO_AH 51

struct ah_info {
  uint8_t nxt;
  uint8_t plen;                /* raw payload length field */
  size_t len;                  /* header bytes = (plen + 2) * 4 */
  uint16_t reserved;
  uint32_t spi;
  uint32_t seq;
  const uint8_t *icv;          /* p + 12, icv_len = len - 12 (incl. padding) */
  size_t icv_len;
};

/* af: AF_INET6 requires 8-byte alignment; anything else is IPv4 (4). */
enum wire_reason ah_parse(const uint8_t *p, size_t len, int af, struct ah_info *out);
/* Header with reserved = 0 and a zeroed ICV field of icv_len bytes rounded
 * up to the family's alignment (the padding is part of the ICV field,
 * §2.6); the caller computes the ICV and writes it at p + 12.  Returns the
 * header length, or 0 if it exceeds cap or AH_MAX_LEN. */
size_t ah_emit(uint8_t *p, size_t cap, int af, uint8_t nxt, uint32_t spi, uint32_t seq,
               size_t icv_len);

enum wire_reason ah_normalize_ip4(uint8_t *buf, size_t len, bool outbound, size_t *ah_off,
                                  struct ah_info *ah);
enum wire_reason ah_normalize_ip6(uint8_t *buf, size_t len, size_t *ah_off, struct ah_info *ah);

#endif
