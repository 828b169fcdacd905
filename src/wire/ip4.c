#include <string.h>
#include "wire/bytes.h"
#include "wire/cksum.h"
#include "wire/ip4.h"

#define IP4_RF 0x8000
#define IP4_DF 0x4000
#define IP4_MF 0x2000

/* RFC 791 §3.1: EOL ends the list, NOP is one byte, the rest are TLVs
 * whose length counts type and length bytes. */
static enum wire_reason ip4_opts_check(const uint8_t *p, size_t hl)
{
  size_t off = IP4_HLEN;
  while (off < hl) {
    uint8_t t = p[off];
    if (t == 0) break;
    if (t == 1) { off++; continue; }
    if (off + 1 >= hl) return WR_BAD_OPT_LEN;
    uint8_t l = p[off + 1];
    if (l < 2 || off + l > hl) return WR_BAD_OPT_LEN;
    off += l;
  }
  return WR_OK;
}

enum wire_reason ip4_parse(const uint8_t *p, size_t len, struct ip4_info *out)
{
  if (len < IP4_HLEN) return WR_TRUNCATED;
  if (p[0] >> 4 != 4) return WR_BAD_VERSION;
  size_t hl = (size_t)(p[0] & 0x0f) * 4;
  if (hl < IP4_HLEN || hl > len) return WR_BAD_HDR_LEN;
  uint16_t tot = rd16(p + 2);
  if (tot < hl || tot > len) return WR_BAD_LENGTH;
  if (cksum_fold(cksum_add(0, p, hl)) != 0) return WR_BAD_CKSUM;
  uint16_t fo = rd16(p + 6);
  if (fo & IP4_RF) return WR_RESERVED_FLAG;
  uint32_t off = (uint32_t)(fo & 0x1fff) * 8;
  if (off + (tot - hl) > 65535) return WR_BAD_FRAG_OFF;
  enum wire_reason r = ip4_opts_check(p, hl);
  if (r != WR_OK) return r;
  out->hl = (uint8_t)hl;
  out->tos = p[1];
  out->tot_len = tot;
  out->id = rd16(p + 4);
  out->df = fo & IP4_DF;
  out->mf = fo & IP4_MF;
  out->frag_off = (uint16_t)off;
  out->ttl = p[8];
  out->proto = p[9];
  memcpy(&out->src.s_addr, p + 12, 4);
  memcpy(&out->dst.s_addr, p + 16, 4);
  return WR_OK;
}

size_t ip4_emit(uint8_t *p, size_t cap, const struct ip4_info *h)
{
  if (cap < IP4_HLEN) return 0;
  p[0] = 0x45;
  p[1] = h->tos;
  wr16(p + 2, h->tot_len);
  wr16(p + 4, h->id);
  wr16(p + 6, (uint16_t)((h->df ? IP4_DF : 0) | (h->mf ? IP4_MF : 0) | ((h->frag_off >> 3) & 0x1fff)));
  p[8] = h->ttl;
  p[9] = h->proto;
  wr16(p + 10, 0);
  memcpy(p + 12, &h->src.s_addr, 4);
  memcpy(p + 16, &h->dst.s_addr, 4);
  wr16(p + 10, cksum_fold(cksum_add(0, p, IP4_HLEN)));
  return IP4_HLEN;
}

enum wire_reason ip4_parse_quoted(const uint8_t *p, size_t len, struct ip4_info *out)
{
  if (len < IP4_HLEN) return WR_TRUNCATED;
  if (p[0] >> 4 != 4) return WR_BAD_VERSION;
  size_t hl = (size_t)(p[0] & 0x0f) * 4;
  if (hl < IP4_HLEN || hl > len) return WR_BAD_HDR_LEN;
  uint16_t fo = rd16(p + 6);
  out->hl = (uint8_t)hl;
  out->tos = p[1];
  out->tot_len = rd16(p + 2);
  out->id = rd16(p + 4);
  out->df = fo & IP4_DF;
  out->mf = fo & IP4_MF;
  out->frag_off = (uint16_t)((fo & 0x1fff) * 8);
  out->ttl = p[8];
  out->proto = p[9];
  memcpy(&out->src.s_addr, p + 12, 4);
  memcpy(&out->dst.s_addr, p + 16, 4);
  return WR_OK;
}

void ip4_hdr_set_tos(uint8_t *p, uint8_t tos)
{
  uint16_t m = rd16(p), m2 = (uint16_t)((m & 0xff00) | tos);
  uint32_t sum = (uint32_t)(uint16_t)~rd16(p + 10) + (uint16_t)~m + m2;
  sum = (sum & 0xffff) + (sum >> 16);
  sum = (sum & 0xffff) + (sum >> 16);
  wr16(p, m2);
  wr16(p + 10, (uint16_t)~sum);
}
