/* UDP and TCP headers, checksums and TCP options. */
#include <arpa/inet.h>
#include "../lib/t.h"
#include "wire/bytes.h"
#include "wire/cksum.h"
#include "wire/ip6.h"
#include "wire/ip6ext.h"
#include "wire/ip4.h"
#include "wire/tcp.h"
#include "wire/udp.h"

/* 2001:db8::1 -> 2001:db8::2 UDP 5353 -> 53 "hello" (python-computed checksum) */
static const uint8_t udp6_pkt[53] =
  "\x60\x00\x00\x00\x00\x0d\x11\x40\x20\x01\x0d\xb8\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01"
  "\x20\x01\x0d\xb8\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x14\xe9\x00\x35\x00\x0d\x4b\x6f"
  "\x68\x65\x6c\x6c\x6f";
/* 192.168.0.1:40000 -> 192.168.0.2:80 SYN, MSS 1460, SACK-perm, TS 0x01020304/0, WS 7 */
static const uint8_t tcp4_syn[40] =
  "\x9c\x40\x00\x50\x00\x00\x00\x01\x00\x00\x00\x00\xa0\x02\xfa\xf0\x2b\x24\x00\x00\x02\x04\x05\xb4"
  "\x04\x02\x08\x0a\x01\x02\x03\x04\x00\x00\x00\x00\x01\x03\x03\x07";

static struct in_addr A4(const char *s)
{
  struct in_addr a;
  if (inet_pton(AF_INET, s, &a) != 1) abort();
  return a;
}

TEST(udp_vector)
{
  struct ip6_info ip;
  T_EQ(ip6_parse(udp6_pkt, sizeof udp6_pkt, &ip), WR_OK);
  uint32_t ps = cksum_pseudo6(&ip.src, &ip.dst, ip.plen, IP6_NXT_UDP);
  struct udp_info u;
  T_EQ(udp_parse(udp6_pkt + 40, ip.plen, ps, false, &u), WR_OK);
  T_EQ(u.sport, 5353);
  T_EQ(u.dport, 53);
  T_EQ(u.len, 13);
  uint8_t b[64];
  memcpy(b + 8, "hello", 5);
  T_EQ(udp_emit(b, 12, 5353, 53, 5, ps), 0);
  T_EQ(udp_emit(b, sizeof b, 5353, 53, 5, ps), 8);
  T_MEMEQ(b, udp6_pkt + 40, 13);
}

TEST(udp_rejects)
{
  struct ip6_info ip;
  ip6_parse(udp6_pkt, sizeof udp6_pkt, &ip);
  uint8_t b[64];
  memcpy(b, udp6_pkt + 40, 13);
  uint32_t ps = cksum_pseudo6(&ip.src, &ip.dst, 13, IP6_NXT_UDP);
  struct udp_info u;
  T_EQ(udp_parse(b, 7, ps, false, &u), WR_TRUNCATED);
  T_EQ(udp_parse(b, 12, cksum_pseudo6(&ip.src, &ip.dst, 12, IP6_NXT_UDP), false, &u), WR_BAD_LENGTH);
  b[12] ^= 1;
  T_EQ(udp_parse(b, 13, ps, false, &u), WR_BAD_CKSUM);
  b[12] ^= 1;
  wr16(b + 4, 7);
  T_EQ(udp_parse(b, 13, ps, false, &u), WR_BAD_LENGTH);
  memcpy(b, udp6_pkt + 40, 13);
  wr16(b + 6, 0);
  T_EQ(udp_parse(b, 13, ps, false, &u), WR_ZERO_CKSUM);
  T_EQ(udp_parse(b, 13, ps, true, &u), WR_OK);
}

TEST(udp_trailer_and_v4)
{
  /* IPv4: UDP length shorter than the IP payload (trailer); the caller's
   * pseudo-header uses the IP payload length. */
  struct in_addr s = A4("10.0.0.1"), d = A4("10.0.0.2");
  uint8_t b[64] = { 0 };
  memcpy(b + 8, "xyz", 3);
  T_EQ(udp_emit(b, sizeof b, 1000, 2000, 3, cksum_pseudo4(s, d, 11, 17)), 8);
  memset(b + 11, 0xee, 9);   /* trailer garbage */
  struct udp_info u;
  T_EQ(udp_parse(b, 20, cksum_pseudo4(s, d, 20, 17), true, &u), WR_OK);
  T_EQ(u.len, 11);
  T_EQ(udp_parse(b, 11, cksum_pseudo4(s, d, 11, 17), true, &u), WR_OK);
  /* A computed checksum of 0 is sent as 0xffff: search a payload that sums to it. */
  int found = 0;
  for (uint32_t v = 0; v < 0x10000 && !found; v++) {
    wr16(b + 8, (uint16_t)v);
    udp_emit(b, sizeof b, 1000, 2000, 2, cksum_pseudo4(s, d, 10, 17));
    if (rd16(b + 6) == 0xffff) {
      found = 1;
      T_EQ(udp_parse(b, 10, cksum_pseudo4(s, d, 10, 17), false, &u), WR_OK);
    }
    T_CHECK(rd16(b + 6) != 0);
  }
  T_CHECK(found);
}

TEST(tcp_vector)
{
  struct in_addr s = A4("192.168.0.1"), d = A4("192.168.0.2");
  uint32_t ps = cksum_pseudo4(s, d, 40, 6);
  struct tcp_seg t;
  T_EQ(tcp_parse(tcp4_syn, 40, ps, &t), WR_OK);
  T_EQ(t.sport, 40000);
  T_EQ(t.dport, 80);
  T_EQ(t.seq, 1);
  T_EQ(t.hlen, 40);
  T_EQ(t.flags, TCP_SYN);
  T_EQ(t.win, 64240);
  T_CHECK(t.opts.has_mss && t.opts.sack_ok && t.opts.has_ts && t.opts.has_ws);
  T_EQ(t.opts.mss, 1460);
  T_EQ(t.opts.ws, 7);
  T_EQ(t.opts.tsval, 0x01020304);
  T_EQ(t.opts.tsecr, 0);
  T_EQ(t.payload_len, 0);
  /* Re-emit gives the same bytes (same option layout as Linux). */
  uint8_t b[64];
  T_EQ(tcp_hdr_len(&t.opts), 40);
  T_EQ(tcp_emit(b, 39, &t, 0, ps), 0);
  T_EQ(tcp_emit(b, sizeof b, &t, 0, ps), 40);
  T_MEMEQ(b, tcp4_syn, 40);
  b[5] ^= 1;
  T_EQ(tcp_parse(b, 40, ps, &t), WR_BAD_CKSUM);
}

TEST(tcp_roundtrip_payload_sack)
{
  struct in6_addr s, d;
  inet_pton(AF_INET6, "2001:db8::a", &s);
  inet_pton(AF_INET6, "2001:db8::b", &d);
  struct tcp_seg t = { .sport = 443, .dport = 51000, .seq = 0xfffffff0, .ack = 7,
                        .flags = TCP_ACK | TCP_PSH | TCP_ECE, .win = 500, .urp = 0 };
  t.opts.has_ts = true; t.opts.tsval = 11; t.opts.tsecr = 22;
  t.opts.n_sack = 4;
  for (int i = 0; i < 4; i++) { t.opts.sack[i].left = 100u * i; t.opts.sack[i].right = 100u * i + 50; }
  /* TS (12) + 4 blocks (36) > 40: only 3 blocks fit */
  size_t hl = tcp_hdr_len(&t.opts);
  T_EQ(hl, 20 + 12 + 28);
  uint8_t b[128];
  memcpy(b + hl, "payload!", 9);
  uint32_t ps = cksum_pseudo6(&s, &d, (uint32_t)(hl + 9), IP6_NXT_TCP);
  T_EQ(tcp_emit(b, sizeof b, &t, 9, ps), hl);
  struct tcp_seg g;
  T_EQ(tcp_parse(b, hl + 9, ps, &g), WR_OK);
  T_EQ(g.seq, 0xfffffff0);
  T_EQ(g.ack, 7);
  T_EQ(g.flags, TCP_ACK | TCP_PSH | TCP_ECE);
  T_EQ(g.win, 500);
  T_CHECK(g.opts.has_ts && !g.opts.has_mss && !g.opts.sack_ok);
  T_EQ(g.opts.tsecr, 22);
  T_EQ(g.opts.n_sack, 3);
  T_EQ(g.opts.sack[2].right, 250);
  T_EQ(g.payload_len, 9);
  T_MEMEQ(g.payload, "payload!", 9);
  /* Without TS, all 4 blocks fit. */
  t.opts.has_ts = false;
  hl = tcp_hdr_len(&t.opts);
  T_EQ(hl, 20 + 36);
  ps = cksum_pseudo6(&s, &d, (uint32_t)hl, IP6_NXT_TCP);
  T_EQ(tcp_emit(b, sizeof b, &t, 0, ps), hl);
  T_EQ(tcp_parse(b, hl, ps, &g), WR_OK);
  T_EQ(g.opts.n_sack, 4);
  T_EQ(g.opts.sack[3].left, 300);
  /* Only SACK-permitted + WS (no TS): NOP NOP SACKOK, NOP WS */
  memset(&t.opts, 0, sizeof t.opts);
  t.opts.sack_ok = true; t.opts.has_ws = true; t.opts.ws = 14;
  T_EQ(tcp_hdr_len(&t.opts), 28);
  ps = cksum_pseudo6(&s, &d, 28, IP6_NXT_TCP);
  tcp_emit(b, sizeof b, &t, 0, ps);
  T_EQ(tcp_parse(b, 28, ps, &g), WR_OK);
  T_CHECK(g.opts.sack_ok && g.opts.has_ws && !g.opts.has_ts);
  T_EQ(g.opts.ws, 14);
}

/* A header of 20 + opts (padded to 4 with EOL), checksum fixed. */
static enum wire_reason with_opts(const uint8_t *o, size_t n, struct tcp_seg *g)
{
  uint8_t b[64] = { 0 };
  size_t hl = 20 + ((n + 3) & ~(size_t)3);
  memcpy(b + 20, o, n);
  b[12] = (uint8_t)((hl / 4) << 4);
  uint32_t ps = cksum_pseudo4(A4("1.1.1.1"), A4("2.2.2.2"), (uint16_t)hl, 6);
  wr16(b + 16, cksum_fold(cksum_add(ps, b, hl)));
  return tcp_parse(b, hl, ps, g);
}

TEST(tcp_opt_rules)
{
  struct tcp_seg g;
  T_EQ(with_opts((const uint8_t[]){ 2, 4, 5, 0xb4 }, 4, &g), WR_OK);
  T_EQ(g.opts.mss, 1460);
  T_EQ(with_opts((const uint8_t[]){ 2, 3, 5 }, 3, &g), WR_BAD_TCP_OPT);
  T_EQ(with_opts((const uint8_t[]){ 2, 5, 5, 0xb4, 0 }, 5, &g), WR_BAD_TCP_OPT);
  T_EQ(with_opts((const uint8_t[]){ 3, 3, 20 }, 3, &g), WR_OK);
  T_EQ(g.opts.ws, 14);                                       /* clamped */
  T_EQ(with_opts((const uint8_t[]){ 3, 4, 2, 0 }, 4, &g), WR_BAD_TCP_OPT);
  T_EQ(with_opts((const uint8_t[]){ 4, 2 }, 2, &g), WR_OK);
  T_CHECK(g.opts.sack_ok);
  T_EQ(with_opts((const uint8_t[]){ 4, 3, 0 }, 3, &g), WR_BAD_TCP_OPT);
  T_EQ(with_opts((const uint8_t[]){ 8, 9, 0, 0, 0, 0, 0, 0, 0 }, 9, &g), WR_BAD_TCP_OPT);
  T_EQ(with_opts((const uint8_t[]){ 5, 2 }, 2, &g), WR_BAD_TCP_OPT);        /* SACK, 0 blocks */
  T_EQ(with_opts((const uint8_t[]){ 5, 11, 0, 0, 0, 0, 0, 0, 0, 0, 0 }, 11, &g), WR_BAD_TCP_OPT);
  uint8_t s5[42] = { 5, 42 };
  T_EQ(with_opts(s5, 40, &g), WR_BAD_TCP_OPT);                                /* past header */
  uint8_t s5b[34] = { 5, 34 };
  T_EQ(with_opts(s5b, 34, &g), WR_OK);                                        /* 4 blocks */
  T_EQ(g.opts.n_sack, 4);
  T_EQ(with_opts((const uint8_t[]){ 1, 1, 5, 34 }, 4, &g), WR_BAD_TCP_OPT);   /* runs past doff */
  uint8_t s6[36] = { 1, 1, 5, 34 };
  T_EQ(with_opts(s6, 36, &g), WR_OK);
  T_EQ(g.opts.n_sack, 4);
  uint8_t s7[44] = { 5, 42 };                                                  /* 5 blocks */
  T_EQ(with_opts(s7, 40, &g), WR_BAD_TCP_OPT);
  T_EQ(with_opts((const uint8_t[]){ 99, 0 }, 2, &g), WR_BAD_TCP_OPT);        /* len < 2 */
  T_EQ(with_opts((const uint8_t[]){ 99, 1 }, 2, &g), WR_BAD_TCP_OPT);
  T_EQ(with_opts((const uint8_t[]){ 99, 4, 0, 0 }, 4, &g), WR_OK);          /* unknown: skipped */
  T_EQ(with_opts((const uint8_t[]){ 1, 1, 1, 99 }, 4, &g), WR_BAD_TCP_OPT); /* no length byte */
  T_EQ(with_opts((const uint8_t[]){ 0, 99, 1, 1 }, 4, &g), WR_OK);          /* after EOL ignored */
}

TEST(tcp_rejects)
{
  uint8_t b[64] = { 0 };
  struct tcp_seg g;
  uint32_t ps = 0;
  T_EQ(tcp_parse(b, 19, ps, &g), WR_TRUNCATED);
  b[12] = 0x40;
  T_EQ(tcp_parse(b, 20, ps, &g), WR_BAD_TCP_DOFF);
  b[12] = 0x60;
  T_EQ(tcp_parse(b, 23, ps, &g), WR_BAD_TCP_DOFF);
  b[12] = 0x50;
  T_EQ(tcp_parse(b, 20, ps, &g), WR_BAD_CKSUM);
}

/* ICMP quotes: 8 bytes are enough, 7 are not; the rest is not looked at */
TEST(tcp_quoted)
{
  const uint8_t q[8] = { 0x1f, 0x90, 0xc0, 0x01, 0xde, 0xad, 0xbe, 0xef };
  struct tcp_quote g;
  T_EQ(tcp_parse_quoted(q, 7, &g), WR_TRUNCATED);
  T_EQ(tcp_parse_quoted(q, 8, &g), WR_OK);
  T_EQ(g.sport, 8080);
  T_EQ(g.dport, 0xc001);
  T_EQ(g.seq, 0xdeadbeefu);
}

int main(void)
{
  RUN(udp_vector);
  RUN(udp_rejects);
  RUN(udp_trailer_and_v4);
  RUN(tcp_vector);
  RUN(tcp_roundtrip_payload_sack);
  RUN(tcp_opt_rules);
  RUN(tcp_rejects);
  RUN(tcp_quoted);
  return t_done();
}
