/* IPv6 header, address helpers, extension headers. */
#include <arpa/inet.h>
#include "../lib/t.h"
#include "wire/bytes.h"
#include "wire/ip6.h"
#include "wire/ip6ext.h"

static struct in6_addr A(const char *s)
{
  struct in6_addr a;
  if (inet_pton(AF_INET6, s, &a) != 1) abort();
  return a;
}

static struct ip6_info hdr(void)
{
  struct ip6_info h = { .tclass = 0xb8, .flow = 0xabcde, .plen = 8, .nxt = IP6_NXT_UDP, .hlim = 64,
                        .src = A("2001:db8::1"), .dst = A("ff02::1:ff00:2") };
  return h;
}

TEST(ip6_roundtrip)
{
  uint8_t b[64] = { 0 };
  struct ip6_info h = hdr(), g;
  T_EQ(ip6_emit(b, 39, &h), 0);
  T_EQ(ip6_emit(b, sizeof b, &h), IP6_HLEN);
  T_EQ(b[0], 0x6b);
  T_EQ(b[1], 0x8a);
  T_EQ(ip6_parse(b, 48, &g), WR_OK);
  T_EQ(g.tclass, 0xb8);
  T_EQ(g.flow, 0xabcde);
  T_EQ(g.plen, 8);
  T_EQ(g.nxt, IP6_NXT_UDP);
  T_EQ(g.hlim, 64);
  T_CHECK(in6_eq(&g.src, &h.src) && in6_eq(&g.dst, &h.dst));
  T_EQ(ip6_parse(b, 64, &g), WR_OK);   /* trailing bytes allowed */
}

TEST(ip6_rejects)
{
  uint8_t b[64] = { 0 };
  struct ip6_info h = hdr(), g;
  ip6_emit(b, 64, &h);
  T_EQ(ip6_parse(b, 39, &g), WR_TRUNCATED);
  T_EQ(ip6_parse(b, 47, &g), WR_BAD_LENGTH);
  b[0] = 0x4b;                 T_EQ(ip6_parse(b, 48, &g), WR_BAD_VERSION);
  ip6_emit(b, 64, &h);
  b[8] = 0xff;                 T_EQ(ip6_parse(b, 48, &g), WR_SRC_MULTICAST);
  h.plen = 0; h.nxt = IP6_NXT_HOPOPTS;
  ip6_emit(b, 64, &h);         T_EQ(ip6_parse(b, 64, &g), WR_JUMBO);
  h.nxt = IP6_NXT_NONE;
  ip6_emit(b, 64, &h);         T_EQ(ip6_parse(b, 40, &g), WR_OK);
}

TEST(addr_helpers)
{
  struct in6_addr a = A("::"), lo = A("::1"), ll = A("fe80::1"), ll2 = A("febf::1"),
                  nl = A("fec0::1"), m = A("ff05::2"), v4 = A("::ffff:192.0.2.1"), o;
  T_CHECK(in6_is_unspecified(&a) && !in6_is_unspecified(&lo));
  T_CHECK(in6_is_loopback(&lo) && !in6_is_loopback(&a));
  T_CHECK(in6_is_linklocal(&ll) && in6_is_linklocal(&ll2) && !in6_is_linklocal(&nl));
  T_CHECK(in6_is_multicast(&m) && !in6_is_multicast(&ll));
  T_EQ(in6_mc_scope(&m), 5);
  T_CHECK(in6_is_v4mapped(&v4) && !in6_is_v4mapped(&lo));
  struct in6_addr x = A("2001:db8::1234:5678");
  in6_solicited_node(&x, &o);
  struct in6_addr want = A("ff02::1:ff34:5678");
  T_CHECK(in6_eq(&o, &want));
  in6_solicited_node(&x, &x);   /* aliasing */
  T_CHECK(in6_eq(&x, &want));
}

TEST(prefix_helpers)
{
  struct in6_addr a = A("2001:db8:abcd:12ff::1"), b = A("2001:db8:abcd:1200::"), o;
  T_CHECK(in6_prefix_eq(&a, &b, 0));
  T_CHECK(in6_prefix_eq(&a, &b, 48));
  T_CHECK(in6_prefix_eq(&a, &b, 56));
  T_CHECK(!in6_prefix_eq(&a, &b, 57));
  T_CHECK(!in6_prefix_eq(&a, &b, 64));
  T_CHECK(in6_prefix_eq(&a, &a, 128));
  T_CHECK(in6_prefix_eq(&a, &a, 200));
  in6_mask(&a, 56, &o);
  T_CHECK(in6_eq(&o, &b));
  in6_mask(&a, 60, &o);
  struct in6_addr w = A("2001:db8:abcd:12f0::");
  T_CHECK(in6_eq(&o, &w));
  in6_mask(&a, 0, &o);
  struct in6_addr z = A("::");
  T_CHECK(in6_eq(&o, &z));
  in6_mask(&a, 128, &o);
  T_CHECK(in6_eq(&o, &a));
  in6_mask(&a, 3, &a);
  w = A("2000::");
  T_CHECK(in6_eq(&a, &w));
}

/* Runs the option iterator over hdr; returns the first error or WR_OK
 * with the count of non-padding options. */
static enum wire_reason walk(const uint8_t *h, size_t hl, int *n, struct ip6_opt *last)
{
  struct ip6_opt_iter it;
  bool done = false;
  *n = 0;
  ip6_opt_iter_init(&it, h, hl);
  for (;;) {
    enum wire_reason r = ip6_opt_next(&it, last, &done);
    if (r != WR_OK || done) return r;
    (*n)++;
  }
}

TEST(opthdr_roundtrip)
{
  uint8_t ra[2] = { 0, 0 }, buf[64];
  uint8_t odd[3] = { 1, 2, 3 };
  struct ip6_opt o[2] = { { .type = IP6OPT_ROUTER_ALERT, .len = 2, .data = ra },
                          { .type = 0x3e, .len = 3, .data = odd } };
  /* RA alone: 2 + 4 = 6, padded with PadN(0) to 8 */
  T_EQ(ip6_opthdr_emit(buf, 7, IP6_NXT_ICMPV6, o, 1), 0);
  T_EQ(ip6_opthdr_emit(buf, sizeof buf, IP6_NXT_ICMPV6, o, 1), 8);
  static const uint8_t want[8] = { 58, 0, 5, 2, 0, 0, 1, 0 };
  T_MEMEQ(buf, want, 8);
  struct ip6_opthdr_info hi;
  T_EQ(ip6_opthdr_parse(buf, 8, &hi), WR_OK);
  T_EQ(hi.nxt, IP6_NXT_ICMPV6);
  T_EQ(hi.len, 8);
  int n;
  struct ip6_opt got;
  T_EQ(walk(buf, hi.len, &n, &got), WR_OK);
  T_EQ(n, 1);
  /* Two options: 2 + 4 + 5 = 11 -> 16 with PadN(3) */
  size_t l = ip6_opthdr_emit(buf, sizeof buf, IP6_NXT_NONE, o, 2);
  T_EQ(l, 16);
  T_EQ(buf[1], 1);
  T_EQ(ip6_opthdr_parse(buf, l, &hi), WR_OK);
  T_EQ(walk(buf, hi.len, &n, &got), WR_OK);
  T_EQ(n, 2);
  T_EQ(got.type, 0x3e);
  T_EQ(got.len, 3);
  T_EQ(got.off, 6);
  T_MEMEQ(got.data, odd, 3);
  /* Pad1 case: 2 + 5 = 7 -> one Pad1 */
  l = ip6_opthdr_emit(buf, sizeof buf, 6, o + 1, 1);
  T_EQ(l, 8);
  T_EQ(buf[7], IP6OPT_PAD1);
  T_EQ(walk(buf, l, &n, &got), WR_OK);
  T_EQ(n, 1);
  /* No options: PadN(4) */
  l = ip6_opthdr_emit(buf, sizeof buf, 6, NULL, 0);
  T_EQ(l, 8);
  T_EQ(walk(buf, l, &n, &got), WR_OK);
  T_EQ(n, 0);
  T_EQ(ip6_opt_action(0x3e), 0);
  T_EQ(ip6_opt_action(IP6OPT_JUMBO), 3);
  T_EQ(ip6_opt_action(0x80), 2);
}

TEST(opthdr_rejects)
{
  struct ip6_opthdr_info hi;
  uint8_t b[24] = { 17, 1 };
  T_EQ(ip6_opthdr_parse(b, 1, &hi), WR_TRUNCATED);
  T_EQ(ip6_opthdr_parse(b, 15, &hi), WR_TRUNCATED);
  T_EQ(ip6_opthdr_parse(b, 16, &hi), WR_OK);
  T_EQ(hi.len, 16);
  int n;
  struct ip6_opt got;
  /* 6 x Pad1: ok (run of 6) */
  uint8_t p1[8] = { 17, 0, 0, 0, 0, 0, 0, 0 };
  T_EQ(walk(p1, 8, &n, &got), WR_OK);
  /* 8-byte padding run across 16 bytes: Pad1 x 6 then PadN(0) -> 8 */
  uint8_t p2[16] = { 17, 1, 0, 0, 0, 0, 0, 0, 1, 0, 5, 4, 1, 2, 3, 4 };
  T_EQ(walk(p2, 16, &n, &got), WR_PAD_TOO_LONG);
  /* PadN(6) alone after header start: run 8 */
  uint8_t p3[16] = { 17, 1, 1, 6, 0, 0, 0, 0, 0, 0, 1, 4, 0, 0, 0, 0 };
  T_EQ(walk(p3, 16, &n, &got), WR_PAD_TOO_LONG);
  /* PadN(4) payload must be zero */
  uint8_t p4[8] = { 17, 0, 1, 4, 0, 0, 9, 0 };
  T_EQ(walk(p4, 8, &n, &got), WR_PAD_NONZERO);
  /* Option running past the end */
  uint8_t p5[8] = { 17, 0, 0x3e, 5, 0, 0, 0, 0 };
  T_EQ(walk(p5, 8, &n, &got), WR_OPT_TRUNCATED);
  /* Type byte as the very last byte: no length */
  uint8_t p6[8] = { 17, 0, 1, 2, 0, 0, 0, 0x3e };
  T_EQ(walk(p6, 8, &n, &got), WR_OPT_TRUNCATED);
  /* Non-padding option resets the run */
  uint8_t p7[16] = { 17, 1, 1, 4, 0, 0, 0, 0, 0x3e, 0, 1, 4, 0, 0, 0, 0 };
  T_EQ(walk(p7, 16, &n, &got), WR_OK);
  T_EQ(n, 1);
  T_EQ(got.off, 8);
}

TEST(rthdr)
{
  uint8_t b[24] = { IP6_NXT_TCP, 2, 0, 1 };
  struct ip6_rthdr_info r;
  T_EQ(ip6_rthdr_parse(b, 7, &r), WR_TRUNCATED);
  T_EQ(ip6_rthdr_parse(b, 23, &r), WR_TRUNCATED);
  T_EQ(ip6_rthdr_parse(b, 24, &r), WR_OK);
  T_EQ(r.nxt, IP6_NXT_TCP);
  T_EQ(r.len, 24);
  T_EQ(r.type, 0);
  T_EQ(r.segleft, 1);
  T_CHECK(r.data == b + 4);
  T_EQ(r.data_len, 20);
}

TEST(frag)
{
  uint8_t b[8];
  struct ip6_frag_info f = { .nxt = IP6_NXT_UDP, .off = 1448, .more = true, .id = 0xdeadbeef }, g;
  T_EQ(ip6_frag_emit(b, 7, &f), 0);
  T_EQ(ip6_frag_emit(b, 8, &f), 8);
  T_EQ(rd16(b + 2), 1448 | 1);
  T_EQ(ip6_frag_parse(b, 7, &g), WR_TRUNCATED);
  T_EQ(ip6_frag_parse(b, 8, &g), WR_OK);
  T_EQ(g.nxt, IP6_NXT_UDP);
  T_EQ(g.off, 1448);
  T_CHECK(g.more);
  T_EQ(g.id, 0xdeadbeef);
  b[3] |= 6;   /* reserved bits ignored */
  T_EQ(ip6_frag_parse(b, 8, &g), WR_OK);
  T_EQ(g.off, 1448);
  f.off = 65528; f.more = false;
  ip6_frag_emit(b, 8, &f);
  T_EQ(ip6_frag_parse(b, 8, &g), WR_OK);
  T_EQ(g.off, 65528);
  T_CHECK(!g.more);
}

int main(void)
{
  RUN(ip6_roundtrip);
  RUN(ip6_rejects);
  RUN(addr_helpers);
  RUN(prefix_helpers);
  RUN(opthdr_roundtrip);
  RUN(opthdr_rejects);
  RUN(rthdr);
  RUN(frag);
  return t_done();
}
