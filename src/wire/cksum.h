/* Internet checksum (RFC 1071) and the IPv6/IPv4 pseudo-headers
 * (RFC 8200 §8.1, RFC 768/9293).
 *
 * A running sum is a uint32_t holding an unfolded one's-complement sum of
 * big-endian 16-bit words; any number of cksum_add() calls may be chained,
 * but only the LAST chunk may have an odd length (an odd chunk pads its
 * final byte as the high half of a word, which shifts every later byte).
 * A received packet verifies iff cksum_fold(cksum_add(pseudo, p, len)) == 0.
 * To emit: store wr16(field, cksum_fold(cksum_add(pseudo, p, len))) with
 * the checksum field zero during the sum. */
#ifndef SIX_WIRE_CKSUM_H
#define SIX_WIRE_CKSUM_H
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

uint32_t cksum_add(uint32_t sum, const void *p, size_t len);
/* Folds carries and complements: the value to store (host order). */
uint16_t cksum_fold(uint32_t sum);
uint32_t cksum_pseudo6(const struct in6_addr *src, const struct in6_addr *dst,
                       uint32_t upper_len, uint8_t nxt);
uint32_t cksum_pseudo4(struct in_addr src, struct in_addr dst, uint16_t upper_len, uint8_t proto);

#endif
