#include <string.h>
#include "wire/cksum.h"

/* Adds with end-around carry; valid in 64 bits because 2^64 = 1 (mod 2^16-1). */
static inline uint64_t add64(uint64_t acc, uint64_t v)
{
  acc += v;
  return acc + (acc < v);
}

/* Sums in native byte order (RFC 1071 §2(B): the one's-complement sum is
 * byte-order independent) and swaps the folded 16-bit result once, so the
 * returned running sum is in big-endian word terms and can be combined with
 * the pseudo-header arithmetic below. */
uint32_t cksum_add(uint32_t sum, const void *vp, size_t len)
{
  const uint8_t *p = vp;
  uint64_t acc = 0, a, b, c, d;
  while (len >= 32) {
    memcpy(&a, p, 8); memcpy(&b, p + 8, 8); memcpy(&c, p + 16, 8); memcpy(&d, p + 24, 8);
    acc = add64(add64(add64(add64(acc, a), b), c), d);
    p += 32; len -= 32;
  }
  while (len >= 8) {
    memcpy(&a, p, 8);
    acc = add64(acc, a);
    p += 8; len -= 8;
  }
  if (len) {
    /* The tail starts at an even offset, so zero-filling keeps word parity. */
    a = 0;
    memcpy(&a, p, len);
    acc = add64(acc, a);
  }
  acc = (acc & 0xffffffffu) + (acc >> 32);
  acc = (acc & 0xffffffffu) + (acc >> 32);
  uint32_t s = (uint32_t)acc;
  s = (s & 0xffff) + (s >> 16);
  s = (s & 0xffff) + (s >> 16);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  s = ((s & 0xff) << 8) | (s >> 8);
#endif
  /* Pre-fold the incoming sum so chains of any length cannot overflow. */
  return (sum & 0xffff) + (sum >> 16) + s;
}

uint16_t cksum_fold(uint32_t sum)
{
  sum = (sum & 0xffff) + (sum >> 16);
  sum = (sum & 0xffff) + (sum >> 16);
  return (uint16_t)~sum;
}

uint32_t cksum_pseudo6(const struct in6_addr *src, const struct in6_addr *dst,
                       uint32_t upper_len, uint8_t nxt)
{
  uint32_t s = cksum_add(0, src->s6_addr, 16);
  s = cksum_add(s, dst->s6_addr, 16);
  return s + (upper_len >> 16) + (upper_len & 0xffff) + nxt;
}

uint32_t cksum_pseudo4(struct in_addr src, struct in_addr dst, uint16_t upper_len, uint8_t proto)
{
  uint32_t s = cksum_add(0, &src.s_addr, 4);
  s = cksum_add(s, &dst.s_addr, 4);
  return s + upper_len + proto;
}
