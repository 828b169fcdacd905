/* Quotes in ICMP errors (what net/gif_icmp.c reads): ip4_parse_quoted,
 * ip6_parse_quoted + ip6_quoted_skip_ext, icmp4_parse_quoted, tcp_parse_quoted
 * (what transport/tcp_icmp.c reads after them), and the
 * in-place edits ip4_hdr_set_tos / ip6_hdr_set_tclass. Invariants: a quoted
 * IPv4 header lies inside the input and agrees with ip4_parse where that
 * accepts the bytes too; the extension walk stops inside the input, on a
 * non-extension header, after at most max headers; a TOS edit keeps the
 * header valid (checksum) and changes only that byte; a tclass edit only
 * the traffic class. */
#include <string.h>
#include "wire/ip4.h"
#include "wire/ip6.h"
#include "wire/ip6ext.h"
#include "wire/ip6edit.h"
#include "wire/icmp4.h"
#include "wire/tcp.h"

#define CHECK(c) do { if (!(c)) __builtin_trap(); } while (0)
int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

static uint8_t buf[65536 + 64];

static void v4(const uint8_t *d, size_t n, uint8_t tos)
{
  struct ip4_info q, f, g;
  if (ip4_parse_quoted(d, n, &q) != WR_OK) return;
  CHECK(q.hl >= 20 && q.hl <= 60 && q.hl <= n);
  struct icmp4_info ic;
  if (icmp4_parse_quoted(d + q.hl, n - q.hl, &ic) == WR_OK)
    CHECK(ic.body == d + q.hl + 8 && ic.body_len == n - q.hl - 8);
  struct tcp_quote tq;
  CHECK((tcp_parse_quoted(d + q.hl, n - q.hl, &tq) == WR_OK) == (n - q.hl >= TCP_QUOTE_LEN));
  if (ip4_parse(d, n, &f) != WR_OK) return;
  CHECK(f.hl == q.hl && f.tot_len == q.tot_len && f.proto == q.proto && f.tos == q.tos && f.df == q.df);
  CHECK(f.src.s_addr == q.src.s_addr && f.dst.s_addr == q.dst.s_addr && f.frag_off == q.frag_off);
  memcpy(buf, d, n);
  ip4_hdr_set_tos(buf, tos);
  CHECK(ip4_parse(buf, n, &g) == WR_OK && g.tos == tos);
  CHECK(buf[0] == d[0] && memcmp(buf + 2, d + 2, 8) == 0 && memcmp(buf + 12, d + 12, n - 12) == 0);
}

static void v6(const uint8_t *d, size_t n, uint8_t tc, uint8_t max)
{
  struct ip6_info q, e;
  if (ip6_parse_quoted(d, n, &q) != WR_OK) return;
  size_t off = 0;
  uint8_t up = 0;
  if (ip6_quoted_skip_ext(d, n, q.nxt, max % 12, &off, &up) == WR_OK) {
    CHECK(off >= 40 && off <= n);
    CHECK(up != IP6_NXT_HOPOPTS && up != IP6_NXT_ROUTING && up != IP6_NXT_DSTOPTS && up != IP6_NXT_FRAGMENT);
  }
  memcpy(buf, d, n);
  ip6_hdr_set_tclass(buf, tc);
  CHECK(ip6_parse_quoted(buf, n, &e) == WR_OK && e.tclass == tc && e.flow == q.flow && e.plen == q.plen);
  CHECK(memcmp(buf + 4, d + 4, n - 4) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
  if (n < 2 || n > 65536) return 0;
  uint8_t a = d[0], b = d[1];
  v4(d + 2, n - 2, a);
  v6(d + 2, n - 2, a, b);
  return 0;
}
