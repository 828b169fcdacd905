/* ICMPv6 (RFC 4443) over byte strings checked by an independent checksum
 * implementation (python, see tests/fuzz/gen_corpus.py). */
#include <arpa/inet.h>
#include "../lib/t.h"
#include "wire/bytes.h"
#include "wire/icmp6.h"
#include "wire/ip6.h"
#include "wire/ip6ext.h"
#include "wire/nd6.h"

/* fe80::1 -> fe80::2 echo request id 0x1234 seq 1 "abcdefgh" */
static const uint8_t echo6_pkt[56] =
  "\x60\x00\x00\x00\x00\x10\x3a\x40\xfe\x80\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01"
  "\xfe\x80\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x80\x00\xde\xe5\x12\x34\x00\x01"
  "\x61\x62\x63\x64\x65\x66\x67\x68";
/* fe80::a8bb:ccff:fedd:eeff -> ff02::1:ff00:1, NS for fe80::1, SLLA aa:bb:cc:dd:ee:ff */
static const uint8_t ns_pkt[72] =
  "\x60\x00\x00\x00\x00\x20\x3a\xff\xfe\x80\x00\x00\x00\x00\x00\x00\xa8\xbb\xcc\xff\xfe\xdd\xee\xff"
  "\xff\x02\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01\xff\x00\x00\x01\x87\x00\xb2\x68\x00\x00\x00\x00"
  "\xfe\x80\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01\x01\x01\xaa\xbb\xcc\xdd\xee\xff";

TEST(echo_request_vector)
{
  struct ip6_info ip;
  T_EQ(ip6_parse(echo6_pkt, sizeof echo6_pkt, &ip), WR_OK);
  T_EQ(ip.nxt, IP6_NXT_ICMPV6);
  struct icmp6_info ic;
  T_EQ(icmp6_parse(echo6_pkt + 40, ip.plen, &ip.src, &ip.dst, &ic), WR_OK);
  T_EQ(ic.type, ICMP6_ECHO_REQUEST);
  T_EQ(ic.code, 0);
  T_EQ(ic.data32, 0x12340001);
  T_EQ(ic.body_len, 8);
  T_MEMEQ(ic.body, "abcdefgh", 8);
  T_CHECK(!icmp6_is_error(ic.type));
  /* Swapped addresses still verify (sum is symmetric) but a changed one does not. */
  struct in6_addr other = ip.dst;
  other.s6_addr[15] ^= 0x10;
  T_EQ(icmp6_parse(echo6_pkt + 40, ip.plen, &ip.src, &other, &ic), WR_BAD_CKSUM);
  T_EQ(icmp6_parse(echo6_pkt + 40, 7, &ip.src, &ip.dst, &ic), WR_TRUNCATED);
}

TEST(echo_reply_emit)
{
  struct ip6_info ip;
  ip6_parse(echo6_pkt, sizeof echo6_pkt, &ip);
  uint8_t b[64];
  T_EQ(icmp6_emit_hdr(b, 7, ICMP6_ECHO_REQUEST, 0, 0x12340001), 0);
  T_EQ(icmp6_emit_hdr(b, sizeof b, ICMP6_ECHO_REQUEST, 0, 0x12340001), 8);
  memcpy(b + 8, "abcdefgh", 8);
  icmp6_set_cksum(b, 16, &ip.src, &ip.dst);
  T_MEMEQ(b, echo6_pkt + 40, 16);   /* same bytes as the reference */
  /* Odd-length message. */
  b[0] = ICMP6_ECHO_REPLY;
  icmp6_set_cksum(b, 13, &ip.dst, &ip.src);
  struct icmp6_info ic;
  T_EQ(icmp6_parse(b, 13, &ip.dst, &ip.src, &ic), WR_OK);
  T_EQ(ic.body_len, 5);
  b[12] ^= 0x80;
  T_EQ(icmp6_parse(b, 13, &ip.dst, &ip.src, &ic), WR_BAD_CKSUM);
}

TEST(ns_vector)
{
  struct ip6_info ip;
  T_EQ(ip6_parse(ns_pkt, sizeof ns_pkt, &ip), WR_OK);
  T_EQ(ip.hlim, 255);
  struct icmp6_info ic;
  T_EQ(icmp6_parse(ns_pkt + 40, ip.plen, &ip.src, &ip.dst, &ic), WR_OK);
  struct nd_ns ns;
  T_EQ(nd_ns_parse(ns_pkt + 40, ip.plen, &ns), WR_OK);
  struct in6_addr t;
  inet_pton(AF_INET6, "fe80::1", &t);
  T_CHECK(in6_eq(&ns.target, &t));
  struct in6_addr sn;
  in6_solicited_node(&t, &sn);
  T_CHECK(in6_eq(&sn, &ip.dst));
  T_CHECK(ns.opts.slla != NULL);
  T_EQ(ns.opts.slla_len, 6);
  T_MEMEQ(ns.opts.slla, "\xaa\xbb\xcc\xdd\xee\xff", 6);
  /* Emitting the same NS reproduces the captured bytes. */
  uint8_t b[64];
  size_t n = nd_ns_emit(b, sizeof b, &t, ns.opts.slla, 6);
  T_EQ(n, 32);
  icmp6_set_cksum(b, n, &ip.src, &ip.dst);
  T_MEMEQ(b, ns_pkt + 40, 32);
}

int main(void)
{
  RUN(echo_request_vector);
  RUN(echo_reply_emit);
  RUN(ns_vector);
  return t_done();
}
