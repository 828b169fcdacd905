#include <string.h>
#include "wire/bytes.h"
#include "wire/ip6ext.h"

#define IP6_OPTHDR_MAX 2048   /* (255 + 1) * 8 */
#define IP6_MAX_PAD 7         /* RFC 4942 §2.1.9.5: padding only aligns to 8 */

enum wire_reason ip6_opthdr_parse(const uint8_t *p, size_t len, struct ip6_opthdr_info *out)
{
  if (len < 2) return WR_TRUNCATED;
  size_t hl = ((size_t)p[1] + 1) * 8;
  if (hl > len) return WR_TRUNCATED;
  out->nxt = p[0];
  out->len = hl;
  return WR_OK;
}

void ip6_opt_iter_init(struct ip6_opt_iter *it, const uint8_t *hdr, size_t hdrlen)
{
  it->hdr = hdr;
  it->hdrlen = hdrlen;
  it->off = 2;
  it->pad_run = 0;
}

static enum wire_reason padn_check(const uint8_t *d, size_t n)
{
  for (size_t i = 0; i < n; i++)
    if (d[i]) return WR_PAD_NONZERO;
  return WR_OK;
}

enum wire_reason ip6_opt_next(struct ip6_opt_iter *it, struct ip6_opt *opt, bool *done)
{
  *done = false;
  while (it->off < it->hdrlen) {
    const uint8_t *o = it->hdr + it->off;
    if (o[0] == IP6OPT_PAD1) {
      if (++it->pad_run > IP6_MAX_PAD) return WR_PAD_TOO_LONG;
      it->off++;
      continue;
    }
    if (it->off + 2 > it->hdrlen || it->off + 2 + (size_t)o[1] > it->hdrlen)
      return WR_OPT_TRUNCATED;
    if (o[0] == IP6OPT_PADN) {
      it->pad_run += 2 + (size_t)o[1];
      if (it->pad_run > IP6_MAX_PAD) return WR_PAD_TOO_LONG;
      enum wire_reason r = padn_check(o + 2, o[1]);
      if (r != WR_OK) return r;
      it->off += 2 + (size_t)o[1];
      continue;
    }
    it->pad_run = 0;
    opt->type = o[0];
    opt->len = o[1];
    opt->data = o + 2;
    opt->off = it->off;
    it->off += 2 + (size_t)o[1];
    return WR_OK;
  }
  *done = true;
  return WR_OK;
}

static void put_pad(uint8_t *p, size_t n)
{
  if (n == 0) return;
  if (n == 1) { p[0] = IP6OPT_PAD1; return; }
  p[0] = IP6OPT_PADN;
  p[1] = (uint8_t)(n - 2);
  memset(p + 2, 0, n - 2);
}

size_t ip6_opthdr_emit(uint8_t *p, size_t cap, uint8_t nxt, const struct ip6_opt *opts, int n)
{
  size_t used = 2;
  for (int i = 0; i < n; i++) used += 2 + (size_t)opts[i].len;
  size_t total = (used + 7) & ~(size_t)7;
  if (total > cap || total > IP6_OPTHDR_MAX) return 0;
  p[0] = nxt;
  p[1] = (uint8_t)(total / 8 - 1);
  size_t off = 2;
  for (int i = 0; i < n; i++) {
    p[off] = opts[i].type;
    p[off + 1] = opts[i].len;
    if (opts[i].len) memcpy(p + off + 2, opts[i].data, opts[i].len);
    off += 2 + (size_t)opts[i].len;
  }
  put_pad(p + off, total - off);
  return total;
}

enum wire_reason ip6_rthdr_parse(const uint8_t *p, size_t len, struct ip6_rthdr_info *out)
{
  if (len < 8) return WR_TRUNCATED;
  size_t hl = ((size_t)p[1] + 1) * 8;
  if (hl > len) return WR_TRUNCATED;
  out->nxt = p[0];
  out->len = hl;
  out->type = p[2];
  out->segleft = p[3];
  out->data = p + 4;
  out->data_len = hl - 4;
  return WR_OK;
}

enum wire_reason ip6_frag_parse(const uint8_t *p, size_t len, struct ip6_frag_info *out)
{
  if (len < IP6_FRAG_HLEN) return WR_TRUNCATED;
  uint16_t w = rd16(p + 2);
  out->nxt = p[0];
  out->off = w & 0xfff8;
  out->more = w & 1;
  out->id = rd32(p + 4);
  return WR_OK;
}

size_t ip6_frag_emit(uint8_t *p, size_t cap, const struct ip6_frag_info *f)
{
  if (cap < IP6_FRAG_HLEN) return 0;
  p[0] = f->nxt;
  p[1] = 0;
  wr16(p + 2, (uint16_t)((f->off & 0xfff8) | (f->more ? 1 : 0)));
  wr32(p + 4, f->id);
  return IP6_FRAG_HLEN;
}

enum wire_reason ip6_quoted_skip_ext(const uint8_t *p, size_t len, uint8_t nxt, unsigned max_hdrs,
                                     size_t *off, uint8_t *upper)
{
  size_t o = 40;
  if (len < o) return WR_TRUNCATED;
  for (unsigned i = 0; i <= max_hdrs; i++) {
    if (nxt != IP6_NXT_HOPOPTS && nxt != IP6_NXT_ROUTING && nxt != IP6_NXT_DSTOPTS && nxt != IP6_NXT_FRAGMENT) {
      *off = o;
      *upper = nxt;
      return WR_OK;
    }
    if (i == max_hdrs) break;
    if (nxt == IP6_NXT_FRAGMENT) {
      struct ip6_frag_info f;
      if (ip6_frag_parse(p + o, len - o, &f) != WR_OK) return WR_TRUNCATED;
      if (f.off) return WR_FRAGMENTED;
      nxt = f.nxt;
      o += IP6_FRAG_HLEN;
      continue;
    }
    struct ip6_opthdr_info h;   /* the same length encoding for all three */
    if (ip6_opthdr_parse(p + o, len - o, &h) != WR_OK) return WR_TRUNCATED;
    nxt = h.nxt;
    o += h.len;
  }
  return WR_BAD_EXT_LEN;
}
