#include "wire/bytes.h"
#include "wire/cksum.h"
#include "wire/icmp4.h"

enum wire_reason icmp4_parse(const uint8_t *p, size_t len, struct icmp4_info *out)
{
  if (len < ICMP4_HLEN) return WR_TRUNCATED;
  if (cksum_fold(cksum_add(0, p, len)) != 0) return WR_BAD_CKSUM;
  out->type = p[0];
  out->code = p[1];
  out->data32 = rd32(p + 4);
  out->body = p + ICMP4_HLEN;
  out->body_len = len - ICMP4_HLEN;
  return WR_OK;
}

enum wire_reason icmp4_parse_quoted(const uint8_t *p, size_t len, struct icmp4_info *out)
{
  if (len < ICMP4_HLEN) return WR_TRUNCATED;
  out->type = p[0];
  out->code = p[1];
  out->data32 = rd32(p + 4);
  out->body = p + ICMP4_HLEN;
  out->body_len = len - ICMP4_HLEN;
  return WR_OK;
}

void icmp4_set_cksum(uint8_t *p, size_t len)
{
  if (len < ICMP4_HLEN) return;
  wr16(p + 2, 0);
  wr16(p + 2, cksum_fold(cksum_add(0, p, len)));
}

size_t icmp4_emit_hdr(uint8_t *p, size_t cap, uint8_t type, uint8_t code, uint32_t data32)
{
  if (cap < ICMP4_HLEN) return 0;
  p[0] = type;
  p[1] = code;
  wr16(p + 2, 0);
  wr32(p + 4, data32);
  return ICMP4_HLEN;
}
