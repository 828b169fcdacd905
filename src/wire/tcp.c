#include <string.h>
#include "wire/bytes.h"
#include "wire/cksum.h"
#include "wire/tcp.h"

#define TCP_OPT_MAX 40

static enum wire_reason opt_one(const uint8_t *o, uint8_t kind, uint8_t l, struct tcp_opts *t)
{
  switch (kind) {
  case TCPOPT_MSS:
    if (l != 4) return WR_BAD_TCP_OPT;
    t->has_mss = true;
    t->mss = rd16(o + 2);
    break;
  case TCPOPT_WS:
    if (l != 3) return WR_BAD_TCP_OPT;
    t->has_ws = true;
    t->ws = o[2] > TCP_MAX_WS ? TCP_MAX_WS : o[2];
    break;
  case TCPOPT_SACK_PERM:
    if (l != 2) return WR_BAD_TCP_OPT;
    t->sack_ok = true;
    break;
  case TCPOPT_TS:
    if (l != 10) return WR_BAD_TCP_OPT;
    t->has_ts = true;
    t->tsval = rd32(o + 2);
    t->tsecr = rd32(o + 6);
    break;
  case TCPOPT_SACK:
    if (l < 10 || (l - 2) % 8 || (l - 2) / 8 > 4) return WR_BAD_TCP_OPT;
    t->n_sack = (uint8_t)((l - 2) / 8);
    for (unsigned i = 0; i < t->n_sack; i++) {
      t->sack[i].left = rd32(o + 2 + 8 * i);
      t->sack[i].right = rd32(o + 6 + 8 * i);
    }
    break;
  default:
    break;
  }
  return WR_OK;
}

static enum wire_reason opts_parse(const uint8_t *p, size_t hl, struct tcp_opts *t)
{
  size_t off = TCP_HLEN;
  while (off < hl) {
    uint8_t kind = p[off];
    if (kind == TCPOPT_EOL) break;
    if (kind == TCPOPT_NOP) { off++; continue; }
    if (off + 1 >= hl) return WR_BAD_TCP_OPT;
    uint8_t l = p[off + 1];
    if (l < 2 || off + l > hl) return WR_BAD_TCP_OPT;
    enum wire_reason r = opt_one(p + off, kind, l, t);
    if (r != WR_OK) return r;
    off += l;
  }
  return WR_OK;
}

enum wire_reason tcp_parse(const uint8_t *p, size_t len, uint32_t pseudo, struct tcp_seg *out)
{
  if (len < TCP_HLEN) return WR_TRUNCATED;
  size_t hl = (size_t)(p[12] >> 4) * 4;
  if (hl < TCP_HLEN || hl > len) return WR_BAD_TCP_DOFF;
  if (cksum_fold(cksum_add(pseudo, p, len)) != 0) return WR_BAD_CKSUM;
  memset(&out->opts, 0, sizeof out->opts);
  enum wire_reason r = opts_parse(p, hl, &out->opts);
  if (r != WR_OK) return r;
  out->sport = rd16(p);
  out->dport = rd16(p + 2);
  out->seq = rd32(p + 4);
  out->ack = rd32(p + 8);
  out->hlen = (uint8_t)hl;
  out->flags = p[13];
  out->win = rd16(p + 14);
  out->urp = rd16(p + 18);
  out->payload = p + hl;
  out->payload_len = len - hl;
  return WR_OK;
}

/* Linux's layout: every option starts 4-aligned, NOPs in front where the
 * option is shorter.  Writes into o (TCP_OPT_MAX bytes), returns length. */
static size_t opts_write(const struct tcp_opts *t, uint8_t *o)
{
  size_t n = 0;
  if (t->has_mss) {
    o[n++] = TCPOPT_MSS; o[n++] = 4; wr16(o + n, t->mss); n += 2;
  }
  if (t->has_ts) {
    if (t->sack_ok) { o[n++] = TCPOPT_SACK_PERM; o[n++] = 2; }
    else { o[n++] = TCPOPT_NOP; o[n++] = TCPOPT_NOP; }
    o[n++] = TCPOPT_TS; o[n++] = 10;
    wr32(o + n, t->tsval); wr32(o + n + 4, t->tsecr); n += 8;
  } else if (t->sack_ok) {
    o[n++] = TCPOPT_NOP; o[n++] = TCPOPT_NOP; o[n++] = TCPOPT_SACK_PERM; o[n++] = 2;
  }
  if (t->has_ws) {
    o[n++] = TCPOPT_NOP; o[n++] = TCPOPT_WS; o[n++] = 3; o[n++] = t->ws;
  }
  size_t ns = t->n_sack > 4 ? 4 : t->n_sack;
  if (ns && n + 4 + 8 * ns > TCP_OPT_MAX) ns = (TCP_OPT_MAX - n - 4) / 8;
  if (ns) {
    o[n++] = TCPOPT_NOP; o[n++] = TCPOPT_NOP; o[n++] = TCPOPT_SACK; o[n++] = (uint8_t)(2 + 8 * ns);
    for (size_t i = 0; i < ns; i++, n += 8) {
      wr32(o + n, t->sack[i].left);
      wr32(o + n + 4, t->sack[i].right);
    }
  }
  return n;
}

size_t tcp_hdr_len(const struct tcp_opts *o)
{
  uint8_t tmp[TCP_OPT_MAX];
  return TCP_HLEN + opts_write(o, tmp);
}

size_t tcp_emit(uint8_t *p, size_t cap, const struct tcp_seg *t, size_t payload_len, uint32_t pseudo)
{
  uint8_t opt[TCP_OPT_MAX];
  size_t ol = opts_write(&t->opts, opt);
  size_t hl = TCP_HLEN + ol;
  if (hl + payload_len > cap) return 0;
  wr16(p, t->sport);
  wr16(p + 2, t->dport);
  wr32(p + 4, t->seq);
  wr32(p + 8, t->ack);
  p[12] = (uint8_t)((hl / 4) << 4);
  p[13] = t->flags;
  wr16(p + 14, t->win);
  wr16(p + 16, 0);
  wr16(p + 18, t->urp);
  memcpy(p + TCP_HLEN, opt, ol);
  wr16(p + 16, cksum_fold(cksum_add(pseudo, p, hl + payload_len)));
  return hl;
}

enum wire_reason tcp_parse_quoted(const uint8_t *p, size_t len, struct tcp_quote *out)
{
  if (len < TCP_QUOTE_LEN) return WR_TRUNCATED;
  out->sport = rd16(p);
  out->dport = rd16(p + 2);
  out->seq = rd32(p + 4);
  return WR_OK;
}
