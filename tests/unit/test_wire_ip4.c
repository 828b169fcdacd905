/* IPv4 header and ICMPv4. */
#include <arpa/inet.h>
#include "../lib/t.h"
#include "wire/bytes.h"
#include "wire/cksum.h"
#include "wire/icmp4.h"
#include "wire/ip4.h"

static struct ip4_info hdr(void)
{
  struct ip4_info h = { .tos = 0x10, .tot_len = 28, .id = 0xbeef, .df = true, .ttl = 64,
                        .proto = IP4_PROTO_ICMP };
  inet_pton(AF_INET, "192.0.2.1", &h.src);
  inet_pton(AF_INET, "198.51.100.7", &h.dst);
  return h;
}

TEST(ip4_wikipedia_header)
{
  static const uint8_t h[20] = { 0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
                                 0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7 };
  uint8_t buf[0x73] = { 0 };
  memcpy(buf, h, 20);
  struct ip4_info i;
  T_EQ(ip4_parse(buf, sizeof buf, &i), WR_OK);
  T_EQ(i.hl, 20);
  T_EQ(i.tot_len, 0x73);
  T_CHECK(i.df && !i.mf);
  T_EQ(i.frag_off, 0);
  T_EQ(i.ttl, 64);
  T_EQ(i.proto, 17);
  T_EQ(ntohl(i.src.s_addr), 0xc0a80001);
  T_EQ(ntohl(i.dst.s_addr), 0xc0a800c7);
  uint8_t out[20];
  T_EQ(ip4_emit(out, sizeof out, &i), 20);
  T_MEMEQ(out, h, 20);
}

TEST(ip4_roundtrip)
{
  uint8_t buf[64] = { 0 };
  struct ip4_info h = hdr(), g;
  h.df = false;
  h.mf = true;
  h.frag_off = 1480;
  T_EQ(ip4_emit(buf, 19, &h), 0);
  T_EQ(ip4_emit(buf, sizeof buf, &h), 20);
  T_EQ(ip4_parse(buf, 28, &g), WR_OK);
  T_EQ(g.tos, 0x10);
  T_EQ(g.tot_len, 28);
  T_EQ(g.id, 0xbeef);
  T_CHECK(!g.df && g.mf);
  T_EQ(g.frag_off, 1480);
  T_EQ(g.ttl, 64);
  T_EQ(g.proto, IP4_PROTO_ICMP);
  T_EQ(g.src.s_addr, h.src.s_addr);
  T_EQ(g.dst.s_addr, h.dst.s_addr);
  /* Trailing bytes (Ethernet padding) are allowed. */
  T_EQ(ip4_parse(buf, 60, &g), WR_OK);
  T_EQ(g.tot_len, 28);
}

/* Rewrites the checksum after a field change so the intended check trips. */
static void fix(uint8_t *b)
{
  size_t hl = (size_t)(b[0] & 15) * 4;
  wr16(b + 10, 0);
  wr16(b + 10, cksum_fold(cksum_add(0, b, hl < 20 ? 20 : hl)));
}

TEST(ip4_rejects)
{
  uint8_t b[64] = { 0 };
  struct ip4_info h = hdr(), g;
  T_EQ(ip4_parse(b, 19, &g), WR_TRUNCATED);
  ip4_emit(b, 64, &h); b[0] = 0x65; fix(b);          T_EQ(ip4_parse(b, 28, &g), WR_BAD_VERSION);
  ip4_emit(b, 64, &h); b[0] = 0x44; fix(b);          T_EQ(ip4_parse(b, 28, &g), WR_BAD_HDR_LEN);
  ip4_emit(b, 64, &h); b[0] = 0x48;                  T_EQ(ip4_parse(b, 28, &g), WR_BAD_HDR_LEN);
  ip4_emit(b, 64, &h); wr16(b + 2, 19); fix(b);      T_EQ(ip4_parse(b, 28, &g), WR_BAD_LENGTH);
  ip4_emit(b, 64, &h);                               T_EQ(ip4_parse(b, 27, &g), WR_BAD_LENGTH);
  ip4_emit(b, 64, &h); b[8]--;                       T_EQ(ip4_parse(b, 28, &g), WR_BAD_CKSUM);
  ip4_emit(b, 64, &h); b[6] |= 0x80; fix(b);         T_EQ(ip4_parse(b, 28, &g), WR_RESERVED_FLAG);
  /* Ping of death: offset 65528 + 8 bytes of payload > 65535. */
  ip4_emit(b, 64, &h); wr16(b + 6, 0x1fff); fix(b);  T_EQ(ip4_parse(b, 28, &g), WR_BAD_FRAG_OFF);
  ip4_emit(b, 64, &h); wr16(b + 6, 0x1fff); wr16(b + 2, 27); fix(b);
  T_EQ(ip4_parse(b, 28, &g), WR_OK);
  T_EQ(g.frag_off, 65528);
}

/* 24-byte header carrying opts (4 bytes), checksum fixed. */
static enum wire_reason with_opts(const uint8_t o[4])
{
  uint8_t b[64] = { 0 };
  struct ip4_info h = hdr(), g;
  h.tot_len = 32;
  ip4_emit(b, 64, &h);
  b[0] = 0x46;
  memcpy(b + 20, o, 4);
  fix(b);
  enum wire_reason r = ip4_parse(b, 32, &g);
  if (r == WR_OK && g.hl != 24) return WR__MAX;
  return r;
}

TEST(ip4_options)
{
  T_EQ(with_opts((const uint8_t[]){ 1, 1, 1, 0 }), WR_OK);            /* NOPs, EOL */
  T_EQ(with_opts((const uint8_t[]){ 0, 0xff, 0xff, 0xff }), WR_OK);   /* after EOL: ignored */
  T_EQ(with_opts((const uint8_t[]){ 0x94, 4, 0, 0 }), WR_OK);         /* router alert */
  T_EQ(with_opts((const uint8_t[]){ 1, 0x94, 2, 0 }), WR_OK);
  T_EQ(with_opts((const uint8_t[]){ 0x94, 5, 0, 0 }), WR_BAD_OPT_LEN);/* past header */
  T_EQ(with_opts((const uint8_t[]){ 0x94, 1, 0, 0 }), WR_BAD_OPT_LEN);/* len < 2 */
  T_EQ(with_opts((const uint8_t[]){ 0x94, 0, 0, 0 }), WR_BAD_OPT_LEN);
  T_EQ(with_opts((const uint8_t[]){ 1, 1, 1, 0x44 }), WR_BAD_OPT_LEN);/* no length byte */
}

TEST(icmp4_echo)
{
  uint8_t b[32];
  T_EQ(icmp4_emit_hdr(b, 7, ICMP4_ECHO, 0, 0), 0);
  T_EQ(icmp4_emit_hdr(b, sizeof b, ICMP4_ECHO, 0, 0x12340001), 8);
  memcpy(b + 8, "abcde", 5);            /* odd length */
  icmp4_set_cksum(b, 13);
  struct icmp4_info i;
  T_EQ(icmp4_parse(b, 13, &i), WR_OK);
  T_EQ(i.type, ICMP4_ECHO);
  T_EQ(i.code, 0);
  T_EQ(i.data32, 0x12340001);
  T_EQ(i.body_len, 5);
  T_CHECK(i.body == b + 8);
  T_EQ(icmp4_parse(b, 7, &i), WR_TRUNCATED);
  b[9] ^= 1;
  T_EQ(icmp4_parse(b, 13, &i), WR_BAD_CKSUM);
  T_CHECK(icmp4_is_error(ICMP4_UNREACH) && !icmp4_is_error(ICMP4_ECHO));
}

TEST(in4_helpers)
{
  struct in_addr a;
  inet_pton(AF_INET, "224.0.0.1", &a); T_CHECK(in4_is_multicast(a));
  inet_pton(AF_INET, "239.255.255.255", &a); T_CHECK(in4_is_multicast(a));
  inet_pton(AF_INET, "240.0.0.1", &a); T_CHECK(!in4_is_multicast(a));
  inet_pton(AF_INET, "255.255.255.255", &a); T_CHECK(in4_is_broadcast(a));
  inet_pton(AF_INET, "127.3.0.1", &a); T_CHECK(in4_is_loopback(a));
  a.s_addr = 0; T_CHECK(in4_is_any(a));
}

int main(void)
{
  RUN(ip4_wikipedia_header);
  RUN(ip4_roundtrip);
  RUN(ip4_rejects);
  RUN(ip4_options);
  RUN(icmp4_echo);
  RUN(in4_helpers);
  return t_done();
}
