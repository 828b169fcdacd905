#include <string.h>
#include <sys/socket.h>
#include "wire/ah.h"
#include "wire/bytes.h"
#include "wire/esp.h"
#include "wire/ip6ext.h"

#define IP4_MIN_HLEN 20
#define IP6_FIXED_HLEN 40
#define IP6_OPT_MUTABLE 0x20   /* RFC 8200 §4.2: option data may change en route */

/* IPv4 option types (full type byte: copy, class, number) */
#define IPOPT_EOL 0
#define IPOPT_NOP 1
#define IPOPT_LSRR 0x83
#define IPOPT_SSRR 0x89
#define IPOPT_SRR_MIN 3        /* type, length, pointer; then 4-byte addresses */

enum wire_reason ah_parse(const uint8_t *p, size_t len, int af, struct ah_info *out)
{
  if (len < AH_HLEN) return WR_TRUNCATED;
  size_t hl = ((size_t)p[1] + 2) * 4;
  if (hl < AH_HLEN || hl > len) return WR_BAD_LENGTH;
  if (af == AF_INET6 && hl % 8) return WR_BAD_ALIGN;
  uint32_t spi = rd32(p + 4);
  enum wire_reason r = ipsec_spi_check(spi);
  if (r != WR_OK) return r;
  out->nxt = p[0];
  out->plen = p[1];
  out->len = hl;
  out->reserved = rd16(p + 2);
  out->spi = spi;
  out->seq = rd32(p + 8);
  out->icv = p + AH_HLEN;
  out->icv_len = hl - AH_HLEN;
  return WR_OK;
}

size_t ah_emit(uint8_t *p, size_t cap, int af, uint8_t nxt, uint32_t spi, uint32_t seq,
               size_t icv_len)
{
  size_t align = af == AF_INET6 ? 8 : 4;
  if (icv_len > AH_MAX_LEN) return 0;
  size_t hl = (AH_HLEN + icv_len + align - 1) / align * align;
  if (hl > AH_MAX_LEN || hl > cap) return 0;
  p[0] = nxt;
  p[1] = (uint8_t)(hl / 4 - 2);
  wr16(p + 2, 0);
  wr32(p + 4, spi);
  wr32(p + 8, seq);
  memset(p + AH_HLEN, 0, hl - AH_HLEN);
  return hl;
}

/* Parses the AH header at buf + off and zeroes its ICV field. */
static enum wire_reason zero_icv(uint8_t *buf, size_t len, size_t off, int af, size_t *ah_off,
                                 struct ah_info *ah)
{
  enum wire_reason r = ah_parse(buf + off, len - off, af, ah);
  if (r != WR_OK) return r;
  memset(buf + off + AH_HLEN, 0, ah->icv_len);
  *ah_off = off;
  return WR_OK;
}

/* ---- IPv4 */

/* RFC 4302 Appendix A.1: the options included in the ICV as they are. */
static bool ip4_opt_immutable(uint8_t type)
{
  switch (type) {
  case IPOPT_EOL:
  case IPOPT_NOP:
  case 130:   /* Security */
  case 133:   /* Extended Security */
  case 134:   /* Commercial Security */
  case 148:   /* Router Alert */
  case 149:   /* Sender Directed Multi-Destination Delivery */
    return true;
  default:
    return false;
  }
}

/* One non-immutable option at o (ol bytes, already bounds-checked). */
static enum wire_reason ip4_opt_zero(uint8_t *h, uint8_t *o, size_t ol, bool outbound)
{
  if (o[0] == IPOPT_LSRR || o[0] == IPOPT_SSRR) {
    if (ol < IPOPT_SRR_MIN || (ol - IPOPT_SRR_MIN) % 4) return WR_BAD_OPT_LEN;
    /* The ICV covers the final destination, the route's last entry. */
    if (outbound && ol > IPOPT_SRR_MIN) memcpy(h + 16, o + ol - 4, 4);
  }
  memset(o, 0, ol);
  return WR_OK;
}

static enum wire_reason ip4_opts_normalize(uint8_t *h, size_t hl, bool outbound)
{
  size_t off = IP4_MIN_HLEN;
  while (off < hl) {
    uint8_t t = h[off];
    if (t == IPOPT_EOL) break;
    if (t == IPOPT_NOP) { off++; continue; }
    if (hl - off < 2) return WR_BAD_OPT_LEN;
    size_t ol = h[off + 1];
    if (ol < 2 || ol > hl - off) return WR_BAD_OPT_LEN;
    if (!ip4_opt_immutable(t)) {
      enum wire_reason r = ip4_opt_zero(h, h + off, ol, outbound);
      if (r != WR_OK) return r;
    }
    off += ol;
  }
  return WR_OK;
}

enum wire_reason ah_normalize_ip4(uint8_t *buf, size_t len, bool outbound, size_t *ah_off,
                                  struct ah_info *ah)
{
  if (len < IP4_MIN_HLEN) return WR_TRUNCATED;
  if (buf[0] >> 4 != 4) return WR_BAD_VERSION;
  size_t hl = (size_t)(buf[0] & 0x0f) * 4;
  if (hl < IP4_MIN_HLEN || hl > len) return WR_BAD_HDR_LEN;
  if (buf[9] != IP4_PROTO_AH) return WR_NO_AH;
  enum wire_reason r = zero_icv(buf, len, hl, AF_INET, ah_off, ah);
  if (r != WR_OK) return r;
  r = ip4_opts_normalize(buf, hl, outbound);
  if (r != WR_OK) return r;
  buf[1] = 0;                    /* DSCP + ECN */
  wr16(buf + 6, 0);              /* flags (DF may be set en route) + fragment offset */
  buf[8] = 0;                    /* TTL */
  wr16(buf + 10, 0);             /* header checksum */
  return WR_OK;
}

/* ---- IPv6 */

/* Hop-by-Hop / Destination Options header at h (hl bytes): zero the data
 * of options marked as changing en route. */
static enum wire_reason ip6_opts_normalize(uint8_t *h, size_t hl)
{
  struct ip6_opt_iter it;
  ip6_opt_iter_init(&it, h, hl);
  for (;;) {
    struct ip6_opt o;
    bool done;
    enum wire_reason r = ip6_opt_next(&it, &o, &done);
    if (r != WR_OK) return r;
    if (done) return WR_OK;
    if (o.type & IP6_OPT_MUTABLE) memset(h + o.off + 2, 0, o.len);
  }
}

/* One extension header before AH at buf + *off: validate, normalize, step. */
static enum wire_reason ip6_ext_step(uint8_t *buf, size_t len, size_t *off, uint8_t *nxt)
{
  uint8_t *h = buf + *off;
  size_t rest = len - *off;
  if (*nxt == IP6_NXT_HOPOPTS || *nxt == IP6_NXT_DSTOPTS) {
    struct ip6_opthdr_info oh;
    enum wire_reason r = ip6_opthdr_parse(h, rest, &oh);
    if (r == WR_OK) r = ip6_opts_normalize(h, oh.len);
    if (r != WR_OK) return r;
    *nxt = oh.nxt;
    *off += oh.len;
    return WR_OK;
  }
  if (*nxt == IP6_NXT_ROUTING) {
    struct ip6_rthdr_info rh;
    enum wire_reason r = ip6_rthdr_parse(h, rest, &rh);
    if (r != WR_OK) return r;
    if (rh.segleft != 0) return WR_SEGS_LEFT_NONZERO;
    *nxt = rh.nxt;
    *off += rh.len;
    return WR_OK;
  }
  if (*nxt == IP6_NXT_FRAGMENT) return WR_FRAGMENTED;
  return WR_NO_AH;
}

enum wire_reason ah_normalize_ip6(uint8_t *buf, size_t len, size_t *ah_off, struct ah_info *ah)
{
  if (len < IP6_FIXED_HLEN) return WR_TRUNCATED;
  if (buf[0] >> 4 != 6) return WR_BAD_VERSION;
  uint8_t nxt = buf[6];
  size_t off = IP6_FIXED_HLEN;
  /* Every step advances off by >= 8 bytes and stays within len. */
  while (nxt != IP6_NXT_AH) {
    enum wire_reason r = ip6_ext_step(buf, len, &off, &nxt);
    if (r != WR_OK) return r;
  }
  enum wire_reason r = zero_icv(buf, len, off, AF_INET6, ah_off, ah);
  if (r != WR_OK) return r;
  buf[0] &= 0xf0;                /* traffic class (high nibble) */
  buf[1] = 0;                    /* traffic class (low nibble) + flow label */
  wr16(buf + 2, 0);              /* flow label */
  buf[7] = 0;                    /* hop limit */
  return WR_OK;
}
