/* IPv6 extension headers.  Options header: iterate, check every option
 * lies inside the header, re-emit the non-padding options, re-iterate and
 * compare.  Routing and Fragment headers: bounds and round trip. */
#include <string.h>
#include "wire/ip6ext.h"

#define CHECK(c) do { if (!(c)) __builtin_trap(); } while (0)
int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

#define MAXO 1024

static int collect(const uint8_t *h, size_t hl, struct ip6_opt *o, enum wire_reason *why)
{
  struct ip6_opt_iter it;
  bool done = false;
  int k = 0;
  ip6_opt_iter_init(&it, h, hl);
  for (int guard = 0; guard < 4096; guard++) {
    struct ip6_opt x;
    enum wire_reason r = ip6_opt_next(&it, &x, &done);
    if (r != WR_OK) { *why = r; return k; }
    if (done) { *why = WR_OK; return k; }
    CHECK(x.type != IP6OPT_PAD1 && x.type != IP6OPT_PADN);
    CHECK(x.off >= 2 && x.off + 2 + x.len <= hl && x.data == h + x.off + 2);
    CHECK(k < MAXO);
    o[k++] = x;
  }
  __builtin_trap();   /* the iterator must always make progress */
}

static void opthdr(const uint8_t *d, size_t n)
{
  struct ip6_opthdr_info hi;
  if (ip6_opthdr_parse(d, n, &hi) != WR_OK) return;
  CHECK(hi.len >= 8 && hi.len % 8 == 0 && hi.len <= n && hi.len <= 2048);
  static struct ip6_opt o[MAXO], o2[MAXO];
  enum wire_reason why;
  int k = collect(d, hi.len, o, &why);
  if (why != WR_OK) return;
  static uint8_t b[4096];
  size_t l = ip6_opthdr_emit(b, sizeof b, hi.nxt, o, k);
  CHECK(l > 0 && l <= hi.len);   /* padding removed, never grows */
  struct ip6_opthdr_info h2;
  CHECK(ip6_opthdr_parse(b, l, &h2) == WR_OK && h2.len == l && h2.nxt == hi.nxt);
  int k2 = collect(b, l, o2, &why);
  CHECK(why == WR_OK && k2 == k);
  for (int i = 0; i < k; i++)
    CHECK(o2[i].type == o[i].type && o2[i].len == o[i].len && !memcmp(o2[i].data, o[i].data, o[i].len));
}

static void rthdr(const uint8_t *d, size_t n)
{
  struct ip6_rthdr_info r;
  if (ip6_rthdr_parse(d, n, &r) != WR_OK) return;
  CHECK(r.len >= 8 && r.len <= n && r.data == d + 4 && r.data_len + 4 == r.len);
}

static void frag(const uint8_t *d, size_t n)
{
  struct ip6_frag_info f, g;
  if (ip6_frag_parse(d, n, &f) != WR_OK) return;
  CHECK(f.off % 8 == 0);
  uint8_t b[8];
  CHECK(ip6_frag_emit(b, 8, &f) == 8);
  CHECK(ip6_frag_parse(b, 8, &g) == WR_OK);
  CHECK(g.nxt == f.nxt && g.off == f.off && g.more == f.more && g.id == f.id);
  CHECK(b[0] == d[0] && b[2] == d[2] && (b[3] & 0xf9) == (d[3] & 0xf9) && !memcmp(b + 4, d + 4, 4));
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
  opthdr(d, n);
  rthdr(d, n);
  frag(d, n);
  return 0;
}
