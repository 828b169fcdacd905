#include "wire/bytes.h"
#include "wire/cksum.h"
#include "wire/ip4.h"
#include "wire/udp.h"

/* One's-complement subtraction of the length the caller put in the
 * pseudo-header (as the two 16-bit halves cksum_pseudo6 adds), then the
 * UDP length instead. */
static uint32_t swap_len(uint32_t s, size_t have, uint16_t want)
{
  uint32_t h = (uint32_t)have;
  return s + (~(h >> 16) & 0xffff) + (~h & 0xffff) + want;
}

enum wire_reason udp_parse(const uint8_t *p, size_t len, uint32_t pseudo, bool zero_cksum_ok,
                           struct udp_info *out)
{
  if (len < UDP_HLEN) return WR_TRUNCATED;
  uint16_t ulen = rd16(p + 4);
  if (ulen < UDP_HLEN || ulen > len) return WR_BAD_LENGTH;
  if (rd16(p + 6) == 0) {
    if (!zero_cksum_ok) return WR_ZERO_CKSUM;
  } else {
    uint32_t s = ulen == len ? pseudo : swap_len(pseudo, len, ulen);
    if (cksum_fold(cksum_add(s, p, ulen)) != 0) return WR_BAD_CKSUM;
  }
  out->sport = rd16(p);
  out->dport = rd16(p + 2);
  out->len = ulen;
  return WR_OK;
}

size_t udp_emit(uint8_t *p, size_t cap, uint16_t sport, uint16_t dport, size_t payload_len,
                uint32_t pseudo)
{
  size_t total = UDP_HLEN + payload_len;
  if (total > cap || total > 0xffff) return 0;
  wr16(p, sport);
  wr16(p + 2, dport);
  wr16(p + 4, (uint16_t)total);
  wr16(p + 6, 0);
  uint16_t ck = cksum_fold(cksum_add(pseudo, p, total));
  wr16(p + 6, ck ? ck : 0xffff);
  return UDP_HLEN;
}

enum wire_reason udp_ports(const uint8_t *p, size_t len, uint16_t *sport, uint16_t *dport)
{
  if (len < 4)
    return WR_TRUNCATED;
  *sport = rd16(p);
  *dport = rd16(p + 2);
  return WR_OK;
}

size_t udp4_datagram_emit(uint8_t *p, size_t cap, const struct ip4_info *h, uint16_t sport,
                          uint16_t dport, size_t payload_len, bool cksum)
{
  const size_t hl = IP4_HLEN + UDP_HLEN;
  if (cap < hl || payload_len > cap - hl || payload_len > 0xffff - hl) return 0;
  struct ip4_info ih = *h;
  ih.proto = IP4_PROTO_UDP;
  ih.tot_len = (uint16_t)(hl + payload_len);
  ih.mf = false;
  ih.frag_off = 0;
  uint8_t *u = p + IP4_HLEN;
  if (cksum) {
    uint32_t pseudo = cksum_pseudo4(ih.src, ih.dst, (uint16_t)(UDP_HLEN + payload_len), IP4_PROTO_UDP);
    udp_emit(u, cap - IP4_HLEN, sport, dport, payload_len, pseudo);
  } else {   /* no pass over the payload */
    wr16(u, sport);
    wr16(u + 2, dport);
    wr16(u + 4, (uint16_t)(UDP_HLEN + payload_len));
    udp_hdr_zero_cksum(u);
  }
  ip4_emit(p, IP4_HLEN, &ih);
  return hl;
}
