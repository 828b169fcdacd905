/* TCP.  Input = flags(1) src(16) dst(16) segment; flag bit 0 selects the
 * IPv4 pseudo-header.  Parse as is, then with a repaired checksum (so the
 * option walk is reached); on success re-emit from the parsed fields with
 * the same payload, re-parse and compare. */
#include <string.h>
#include "wire/bytes.h"
#include "wire/cksum.h"
#include "wire/tcp.h"

#define CHECK(c) do { if (!(c)) __builtin_trap(); } while (0)
int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

static struct in6_addr s6, d6;
static struct in_addr s4, d4;
static bool v4;
static uint8_t seg[65536], out[65536 + 64];

static uint32_t pseudo(size_t len)
{
  return v4 ? cksum_pseudo4(s4, d4, (uint16_t)len, 6) : cksum_pseudo6(&s6, &d6, (uint32_t)len, 6);
}

static void same_opts(const struct tcp_opts *a, const struct tcp_opts *b)
{
  CHECK(a->has_mss == b->has_mss && a->has_ws == b->has_ws && a->sack_ok == b->sack_ok
        && a->has_ts == b->has_ts);
  if (a->has_mss) CHECK(a->mss == b->mss);
  if (a->has_ws) CHECK(a->ws == b->ws && b->ws <= TCP_MAX_WS);
  if (a->has_ts) CHECK(a->tsval == b->tsval && a->tsecr == b->tsecr);
  /* Emission may drop trailing SACK blocks to fit 40 bytes. */
  CHECK(b->n_sack <= a->n_sack && (a->n_sack == 0 || b->n_sack > 0 || a->has_mss || a->has_ts));
  for (unsigned i = 0; i < b->n_sack; i++)
    CHECK(a->sack[i].left == b->sack[i].left && a->sack[i].right == b->sack[i].right);
}

static void one(const uint8_t *p, size_t len)
{
  struct tcp_seg a, b;
  if (tcp_parse(p, len, pseudo(len), &a) != WR_OK) return;
  CHECK(a.hlen >= 20 && a.hlen <= 60 && a.hlen <= len && a.payload == p + a.hlen
        && a.payload_len == len - a.hlen && a.opts.n_sack <= 4);
  size_t hl = tcp_hdr_len(&a.opts);
  CHECK(hl >= 20 && hl <= 60 && hl % 4 == 0);
  if (hl + a.payload_len > sizeof out) return;
  memcpy(out + hl, a.payload, a.payload_len);
  CHECK(tcp_emit(out, sizeof out, &a, a.payload_len, pseudo(hl + a.payload_len)) == hl);
  CHECK(tcp_parse(out, hl + a.payload_len, pseudo(hl + a.payload_len), &b) == WR_OK);
  CHECK(a.sport == b.sport && a.dport == b.dport && a.seq == b.seq && a.ack == b.ack);
  CHECK(a.flags == b.flags && a.win == b.win && a.urp == b.urp && b.hlen == hl);
  CHECK(b.payload_len == a.payload_len && !memcmp(b.payload, a.payload, a.payload_len));
  same_opts(&a.opts, &b.opts);
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
  if (n < 33 || n - 33 > 65535) return 0;
  v4 = d[0] & 1;
  memcpy(&s6, d + 1, 16);
  memcpy(&d6, d + 17, 16);
  memcpy(&s4, d + 1, 4);
  memcpy(&d4, d + 17, 4);
  size_t len = n - 33;
  one(d + 33, len);
  if (len < 20) return 0;
  memcpy(seg, d + 33, len);
  wr16(seg + 16, 0);
  wr16(seg + 16, cksum_fold(cksum_add(pseudo(len), seg, len)));
  one(seg, len);
  return 0;
}
