/* Internet checksum (RFC 1071) and the reason table. */
#include <arpa/inet.h>
#include <ctype.h>
#include "../lib/t.h"
#include "wire/bytes.h"
#include "wire/cksum.h"
#include "wire/wire.h"

/* Straightforward reference: big-endian 16-bit words, odd byte padded. */
static uint16_t ref_cksum(const uint8_t *p, size_t len)
{
  uint32_t s = 0;
  for (size_t i = 0; i + 1 < len; i += 2) s += (uint32_t)(p[i] << 8 | p[i + 1]);
  if (len & 1) s += (uint32_t)p[len - 1] << 8;
  while (s >> 16) s = (s & 0xffff) + (s >> 16);
  return (uint16_t)~s;
}

TEST(rfc1071_example)
{
  /* RFC 1071 §3: the sum of these words is ddf2 (after carries). */
  const uint8_t d[8] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };
  T_EQ(cksum_fold(cksum_add(0, d, 8)), (uint16_t)~0xddf2);
  T_EQ(cksum_fold(cksum_add(0, d, 8)), 0x220d);
  /* Split into even chunks gives the same result. */
  T_EQ(cksum_fold(cksum_add(cksum_add(0, d, 2), d + 2, 6)), 0x220d);
  T_EQ(cksum_fold(cksum_add(cksum_add(cksum_add(0, d, 4), d + 4, 2), d + 6, 2)), 0x220d);
}

TEST(ipv4_header_example)
{
  /* Well-known IPv4 header (Wikipedia "IPv4 header checksum"): b861. */
  uint8_t h[20] = { 0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
                    0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7 };
  T_EQ(cksum_fold(cksum_add(0, h, 20)), 0);
  wr16(h + 10, 0);
  T_EQ(cksum_fold(cksum_add(0, h, 20)), 0xb861);
}

TEST(odd_lengths_and_alignment)
{
  uint8_t buf[300];
  uint32_t x = 12345;
  for (size_t i = 0; i < sizeof buf; i++) { x = x * 1103515245u + 12345u; buf[i] = (uint8_t)(x >> 16); }
  for (size_t off = 0; off < 9; off++)
    for (size_t len = 0; len + off <= sizeof buf; len += (len < 80 ? 1 : 37))
      T_EQ(cksum_fold(cksum_add(0, buf + off, len)), ref_cksum(buf + off, len));
  /* Chained even chunks and a final odd chunk. */
  uint32_t s = cksum_add(0, buf + 1, 64);
  s = cksum_add(s, buf + 65, 100);
  s = cksum_add(s, buf + 165, 33);
  T_EQ(cksum_fold(s), ref_cksum(buf + 1, 197));
  /* All 0xff: one's-complement sum is 0xffff, checksum 0. */
  memset(buf, 0xff, 64);
  T_EQ(cksum_fold(cksum_add(0, buf, 64)), 0);
  memset(buf, 0, 64);
  T_EQ(cksum_fold(cksum_add(0, buf, 64)), 0xffff);
}

TEST(long_chain_no_overflow)
{
  uint8_t ff[64];
  memset(ff, 0xff, sizeof ff);
  memset(ff + 62, 0xfe, 2);
  uint32_t s = 0;
  for (int i = 0; i < 200000; i++) s = cksum_add(s, ff, sizeof ff);
  T_CHECK(s < 0x40000);
}

TEST(pseudo_headers)
{
  struct in6_addr a, b;
  inet_pton(AF_INET6, "2001:db8::1", &a);
  inet_pton(AF_INET6, "2001:db8::2", &b);
  uint8_t ph[40] = { 0 };
  memcpy(ph, &a, 16);
  memcpy(ph + 16, &b, 16);
  wr32(ph + 32, 70000);
  ph[39] = 17;
  T_EQ(cksum_fold(cksum_pseudo6(&a, &b, 70000, 17)), ref_cksum(ph, 40));

  struct in_addr s4, d4;
  inet_pton(AF_INET, "192.168.0.1", &s4);
  inet_pton(AF_INET, "10.1.2.3", &d4);
  uint8_t p4[12] = { 0 };
  memcpy(p4, &s4, 4);
  memcpy(p4 + 4, &d4, 4);
  p4[9] = 6;
  wr16(p4 + 10, 1234);
  T_EQ(cksum_fold(cksum_pseudo4(s4, d4, 1234, 6)), ref_cksum(p4, 12));
}

TEST(reason_strings)
{
  T_STREQ(wire_reason_str(WR_OK), "ok");
  T_STREQ(wire_reason_str(WR_TRUNCATED), "truncated");
  T_STREQ(wire_reason_str(WR_BAD_CKSUM), "bad_cksum");
  T_STREQ(wire_reason_str(WR__MAX), "unknown");
  T_STREQ(wire_reason_str((enum wire_reason)-1), "unknown");
  for (int r = 0; r < WR__MAX; r++) {
    const char *s = wire_reason_str((enum wire_reason)r);
    T_CHECK(s && *s);
    for (const char *c = s; *c; c++) T_CHECK(islower((unsigned char)*c) || isdigit((unsigned char)*c) || *c == '_');
    for (int q = 0; q < r; q++) T_CHECK(strcmp(s, wire_reason_str((enum wire_reason)q)) != 0);
  }
}

int main(void)
{
  RUN(rfc1071_example);
  RUN(ipv4_header_example);
  RUN(odd_lengths_and_alignment);
  RUN(long_chain_no_overflow);
  RUN(pseudo_headers);
  RUN(reason_strings);
  return t_done();
}
