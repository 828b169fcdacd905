#include "wire/bytes.h"
#include "wire/cksum.h"
#include "wire/icmp6.h"
#include "wire/ip6ext.h"

enum wire_reason icmp6_parse(const uint8_t *p, size_t len, const struct in6_addr *src,
                             const struct in6_addr *dst, struct icmp6_info *out)
{
  if (len < ICMP6_HLEN) return WR_TRUNCATED;
  uint32_t s = cksum_pseudo6(src, dst, (uint32_t)len, IP6_NXT_ICMPV6);
  if (cksum_fold(cksum_add(s, p, len)) != 0) return WR_BAD_CKSUM;
  out->type = p[0];
  out->code = p[1];
  out->data32 = rd32(p + 4);
  out->body = p + ICMP6_HLEN;
  out->body_len = len - ICMP6_HLEN;
  return WR_OK;
}

void icmp6_set_cksum(uint8_t *p, size_t len, const struct in6_addr *src, const struct in6_addr *dst)
{
  if (len < ICMP6_HLEN) return;
  wr16(p + 2, 0);
  uint32_t s = cksum_pseudo6(src, dst, (uint32_t)len, IP6_NXT_ICMPV6);
  wr16(p + 2, cksum_fold(cksum_add(s, p, len)));
}

size_t icmp6_emit_hdr(uint8_t *p, size_t cap, uint8_t type, uint8_t code, uint32_t data32)
{
  if (cap < ICMP6_HLEN) return 0;
  p[0] = type;
  p[1] = code;
  wr16(p + 2, 0);
  wr32(p + 4, data32);
  return ICMP6_HLEN;
}

enum wire_reason icmp6_parse_quoted(const uint8_t *p, size_t len, struct icmp6_info *out)
{
  if (len < ICMP6_HLEN) return WR_TRUNCATED;
  out->type = p[0];
  out->code = p[1];
  out->data32 = rd32(p + 4);
  out->body = p + ICMP6_HLEN;
  out->body_len = len - ICMP6_HLEN;
  return WR_OK;
}
