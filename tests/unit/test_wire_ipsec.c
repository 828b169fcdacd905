/* ESP, ESP in UDP, AH parse/emit and AH mutable-field normalization. */
#include <arpa/inet.h>
#include <sys/socket.h>
#include "../lib/t.h"
#include "wire/ah.h"
#include "wire/bytes.h"
#include "wire/esp.h"
#include "wire/ip6ext.h"

/* ---- ESP */

/* SPI 0x12345678, seq 7, 16 bytes of "ciphertext" */
static const uint8_t esp_pkt[24] =
  "\x12\x34\x56\x78\x00\x00\x00\x07" "ABCDEFGHIJKLMNOP";

TEST(esp_vector)
{
  struct esp_info e;
  T_EQ(esp_parse(esp_pkt, sizeof esp_pkt, &e), WR_OK);
  T_EQ(e.spi, 0x12345678u);
  T_EQ(e.seq, 7);
  T_CHECK(e.payload == esp_pkt + 8);
  T_EQ(e.payload_len, 16);
  uint8_t b[8];
  T_EQ(esp_emit(b, 7, 0x12345678u, 7), 0);
  T_EQ(esp_emit(b, sizeof b, 0x12345678u, 7), 8);
  T_MEMEQ(b, esp_pkt, 8);
}

TEST(esp_rejects)
{
  uint8_t b[16];
  memcpy(b, esp_pkt, sizeof b);
  struct esp_info e;
  T_EQ(esp_parse(b, 11, &e), WR_TRUNCATED);   /* header + one 4-byte word is the minimum */
  T_EQ(esp_parse(b, 12, &e), WR_OK);
  T_EQ(e.payload_len, 4);
  wr32(b, 0);
  T_EQ(esp_parse(b, 16, &e), WR_ZERO_SPI);
  wr32(b, 1);
  T_EQ(esp_parse(b, 16, &e), WR_RESERVED_SPI);
  wr32(b, 255);
  T_EQ(esp_parse(b, 16, &e), WR_RESERVED_SPI);
  wr32(b, 256);
  T_EQ(esp_parse(b, 16, &e), WR_OK);
  T_EQ(ipsec_spi_check(0xffffffffu), WR_OK);
}

TEST(espinudp_classify_cases)
{
  enum espinudp_kind k = ESPINUDP_ESP;
  uint8_t ka = 0xff;
  T_EQ(espinudp_classify(&ka, 1, &k), WR_OK);
  T_EQ(k, ESPINUDP_KEEPALIVE);
  uint8_t one = 0xfe;
  T_EQ(espinudp_classify(&one, 1, &k), WR_TRUNCATED);
  T_EQ(espinudp_classify(&ka, 0, &k), WR_TRUNCATED);
  uint8_t ike[4 + 28] = { 0 };
  ike[4] = 0xaa;   /* IKE SPI starts here */
  T_EQ(espinudp_classify(ike, sizeof ike, &k), WR_OK);
  T_EQ(k, ESPINUDP_IKE);
  T_EQ(espinudp_classify(ike, sizeof ike - 1, &k), WR_TRUNCATED);   /* marker + short IKE header */
  T_EQ(espinudp_classify(ike, 8, &k), WR_TRUNCATED);                /* all-zero 8 bytes: a marker, not SPI 0 */
  T_EQ(espinudp_classify(ike, 3, &k), WR_TRUNCATED);
  T_EQ(espinudp_classify(esp_pkt, sizeof esp_pkt, &k), WR_OK);
  T_EQ(k, ESPINUDP_ESP);
  T_EQ(espinudp_classify(esp_pkt, 11, &k), WR_TRUNCATED);
  uint8_t ff2[12] = { 0xff, 0xff, 0xff, 0xff };   /* 0xff first but not a lone byte: ESP */
  T_EQ(espinudp_classify(ff2, sizeof ff2, &k), WR_OK);
  T_EQ(k, ESPINUDP_ESP);
  uint8_t low[12] = { 0, 0, 0, 5 };
  T_EQ(espinudp_classify(low, sizeof low, &k), WR_RESERVED_SPI);
}

TEST(espinudp_emitters)
{
  uint8_t b[4] = { 1, 2, 3, 4 };
  T_EQ(espinudp_keepalive_emit(b, 0), 0);
  T_EQ(espinudp_keepalive_emit(b, 1), 1);
  T_EQ(b[0], 0xff);
  enum espinudp_kind k;
  T_EQ(espinudp_classify(b, 1, &k), WR_OK);
  T_EQ(k, ESPINUDP_KEEPALIVE);
  T_EQ(espinudp_marker_emit(b, 3), 0);
  T_EQ(espinudp_marker_emit(b, 4), 4);
  T_EQ(rd32(b), 0);
}

/* ---- AH */

/* next header TCP, HMAC-SHA1-96 (12-byte ICV): payload length 4 = 24 bytes */
static const uint8_t ah_sha1[24] =
  "\x06\x04\x00\x00\x00\x00\x10\x00\x00\x00\x00\x2a" "ICV-ICV-ICV!";

TEST(ah_vector)
{
  struct ah_info a;
  T_EQ(ah_parse(ah_sha1, sizeof ah_sha1, AF_INET6, &a), WR_OK);
  T_EQ(a.nxt, 6);
  T_EQ(a.plen, 4);
  T_EQ(a.len, 24);
  T_EQ(a.reserved, 0);
  T_EQ(a.spi, 0x1000);
  T_EQ(a.seq, 42);
  T_CHECK(a.icv == ah_sha1 + 12);
  T_EQ(a.icv_len, 12);
  T_EQ(ah_parse(ah_sha1, sizeof ah_sha1, AF_INET, &a), WR_OK);
  uint8_t b[64];
  T_EQ(ah_emit(b, 23, AF_INET6, 6, 0x1000, 42, 12), 0);
  T_EQ(ah_emit(b, sizeof b, AF_INET6, 6, 0x1000, 42, 12), 24);
  T_MEMEQ(b, ah_sha1, 12);
  for (int i = 12; i < 24; i++) T_EQ(b[i], 0);
}

TEST(ah_emit_alignment)
{
  uint8_t b[2048];
  struct ah_info a;
  /* 16-byte ICV (HMAC-SHA256-128): 28 bytes for IPv4, 32 (4 padding) for IPv6 */
  T_EQ(ah_emit(b, sizeof b, AF_INET, 50, 0x2000, 1, 16), 28);
  T_EQ(b[1], 5);
  T_EQ(ah_parse(b, 28, AF_INET, &a), WR_OK);
  T_EQ(a.icv_len, 16);
  T_EQ(ah_emit(b, sizeof b, AF_INET6, 50, 0x2000, 1, 16), 32);
  T_EQ(b[1], 6);
  T_EQ(ah_parse(b, 32, AF_INET6, &a), WR_OK);
  T_EQ(a.icv_len, 20);
  /* no ICV at all: the 12-byte minimum (IPv6 pads to 16) */
  T_EQ(ah_emit(b, sizeof b, AF_INET, 59, 0x2000, 1, 0), 12);
  T_EQ(b[1], 1);
  T_EQ(ah_emit(b, sizeof b, AF_INET6, 59, 0x2000, 1, 0), 16);
  /* the 8-bit length field ends at (255 + 2) * 4 = 1028 bytes */
  T_EQ(ah_emit(b, sizeof b, AF_INET, 59, 0x2000, 1, 1016), 1028);
  T_EQ(ah_emit(b, sizeof b, AF_INET, 59, 0x2000, 1, 1017), 0);
  T_EQ(ah_emit(b, sizeof b, AF_INET6, 59, 0x2000, 1, 1012), 1024);
  T_EQ(ah_emit(b, sizeof b, AF_INET6, 59, 0x2000, 1, 1013), 0);
  T_EQ(ah_emit(b, sizeof b, AF_INET, 59, 0x2000, 1, (size_t)-1), 0);
}

TEST(ah_rejects)
{
  uint8_t b[32];
  memcpy(b, ah_sha1, 24);
  memset(b + 24, 0, 8);
  struct ah_info a;
  T_EQ(ah_parse(b, 11, AF_INET, &a), WR_TRUNCATED);
  T_EQ(ah_parse(b, 23, AF_INET, &a), WR_BAD_LENGTH);   /* header longer than the input */
  b[1] = 0;                                             /* 8 bytes: shorter than 12 */
  T_EQ(ah_parse(b, 24, AF_INET, &a), WR_BAD_LENGTH);
  b[1] = 1;                                             /* 12 bytes: fine for IPv4 */
  T_EQ(ah_parse(b, 24, AF_INET, &a), WR_OK);
  T_EQ(a.icv_len, 0);
  T_EQ(ah_parse(b, 24, AF_INET6, &a), WR_BAD_ALIGN);
  b[1] = 5;                                             /* 28 bytes */
  T_EQ(ah_parse(b, 32, AF_INET, &a), WR_OK);
  T_EQ(ah_parse(b, 32, AF_INET6, &a), WR_BAD_ALIGN);
  b[1] = 4;
  wr32(b + 4, 0);
  T_EQ(ah_parse(b, 24, AF_INET, &a), WR_ZERO_SPI);
  wr32(b + 4, 200);
  T_EQ(ah_parse(b, 24, AF_INET, &a), WR_RESERVED_SPI);
  wr32(b + 4, 0x1000);
  wr16(b + 2, 0xbeef);                                  /* reserved: reported, not refused */
  T_EQ(ah_parse(b, 24, AF_INET, &a), WR_OK);
  T_EQ(a.reserved, 0xbeef);
}

/* ---- AH normalization, IPv4 */

static size_t put_ip4(uint8_t *p, const uint8_t *opts, size_t optlen, size_t total)
{
  size_t hl = 20 + optlen;
  p[0] = (uint8_t)(0x40 | hl / 4);
  p[1] = 0xb8;                       /* DSCP EF + ECN 0 */
  wr16(p + 2, (uint16_t)total);
  wr16(p + 4, 0x1c46);
  wr16(p + 6, 0x4000 | 0x10);        /* DF + some fragment offset bits */
  p[8] = 64;
  p[9] = IP4_PROTO_AH;
  wr16(p + 10, 0xabcd);
  memcpy(p + 12, "\xc0\x00\x02\x01", 4);   /* 192.0.2.1 */
  memcpy(p + 16, "\xc6\x33\x64\x07", 4);   /* 198.51.100.7 */
  memcpy(p + 20, opts, optlen);
  return hl;
}

/* IPv4 header with options, AH (SHA1-96), 8 bytes of payload. */
static size_t ip4_ah_pkt(uint8_t *p, const uint8_t *opts, size_t optlen)
{
  size_t hl = 20 + optlen;
  size_t total = hl + sizeof ah_sha1 + 8;
  put_ip4(p, opts, optlen, total);
  memcpy(p + hl, ah_sha1, sizeof ah_sha1);
  memcpy(p + hl + sizeof ah_sha1, "payload!", 8);
  return total;
}

/* The fields RFC 4302 §3.3.3.1.1.1 calls mutable, zeroed by hand. */
static void ip4_zero_mutable(uint8_t *p, size_t hl)
{
  p[1] = 0;
  wr16(p + 6, 0);
  p[8] = 0;
  wr16(p + 10, 0);
  memset(p + hl + 12, 0, 12);   /* ICV */
}

TEST(ah_norm_ip4_options)
{
  /* NOP, Record Route (7 bytes, mutable), Router Alert (immutable) = 12 bytes */
  static const uint8_t opts[12] = { 1, 7, 7, 4, 10, 0, 0, 1, 0x94, 4, 0, 0 };
  uint8_t pkt[128], want[128];
  size_t n = ip4_ah_pkt(pkt, opts, sizeof opts);
  ip4_ah_pkt(want, opts, sizeof opts);
  ip4_zero_mutable(want, 32);
  memset(want + 21, 0, 7);      /* Record Route zeroed whole, type and length included */
  size_t off = 0;
  struct ah_info a;
  T_EQ(ah_normalize_ip4(pkt, n, false, &off, &a), WR_OK);
  T_EQ(off, 32);
  T_EQ(a.spi, 0x1000);
  T_EQ(a.icv_len, 12);
  T_MEMEQ(pkt, want, n);
  /* Immutable options: Security 130, Extended Security 133, Commercial
   * Security 134, SDMDD 149 stay; then EOL and trailing bytes stay too. */
  static const uint8_t imm[20] = { 130, 4, 1, 2, 133, 3, 9, 134, 4, 7, 8, 149, 4, 0, 5, 0, 0x44, 3, 0, 0 };
  n = ip4_ah_pkt(pkt, imm, sizeof imm);
  ip4_ah_pkt(want, imm, sizeof imm);
  ip4_zero_mutable(want, 40);   /* the options area stays exactly as it was */
  T_EQ(ah_normalize_ip4(pkt, n, false, &off, &a), WR_OK);
  T_EQ(off, 40);
  T_MEMEQ(pkt, want, n);
}

TEST(ah_norm_ip4_eol_stops)
{
  /* EOL, then bytes that would be a bad option: never looked at */
  static const uint8_t opts[4] = { 0, 0x44, 1, 0xff };
  uint8_t pkt[128], want[128];
  size_t n = ip4_ah_pkt(pkt, opts, sizeof opts);
  ip4_ah_pkt(want, opts, sizeof opts);
  ip4_zero_mutable(want, 24);
  size_t off;
  struct ah_info a;
  T_EQ(ah_normalize_ip4(pkt, n, false, &off, &a), WR_OK);
  T_MEMEQ(pkt, want, n);
}

TEST(ah_norm_ip4_source_route)
{
  /* LSRR: pointer 4, 203.0.113.1 then final destination 203.0.113.9; EOL pad */
  static const uint8_t opts[12] = { 0x83, 11, 4, 203, 0, 113, 1, 203, 0, 113, 9, 0 };
  uint8_t pkt[128], want[128];
  size_t n = ip4_ah_pkt(pkt, opts, sizeof opts);
  ip4_ah_pkt(want, opts, sizeof opts);
  ip4_zero_mutable(want, 32);
  memset(want + 20, 0, 11);
  size_t off;
  struct ah_info a;
  /* inbound: the destination field is already the final one */
  T_EQ(ah_normalize_ip4(pkt, n, false, &off, &a), WR_OK);
  T_MEMEQ(pkt, want, n);
  /* outbound: the ICV covers the predicted final destination */
  ip4_ah_pkt(pkt, opts, sizeof opts);
  memcpy(want + 16, "\xcb\x00\x71\x09", 4);
  T_EQ(ah_normalize_ip4(pkt, n, true, &off, &a), WR_OK);
  T_MEMEQ(pkt, want, n);
  /* SSRR with a length that is not 3 + 4n */
  static const uint8_t bad[8] = { 0x89, 5, 4, 1, 2, 0, 0, 0 };
  n = ip4_ah_pkt(pkt, bad, sizeof bad);
  T_EQ(ah_normalize_ip4(pkt, n, false, &off, &a), WR_BAD_OPT_LEN);
}

TEST(ah_norm_ip4_rejects)
{
  uint8_t pkt[128];
  size_t off;
  struct ah_info a;
  static const uint8_t len1[4] = { 7, 1, 0, 0 };          /* option length < 2 */
  size_t n = ip4_ah_pkt(pkt, len1, sizeof len1);
  T_EQ(ah_normalize_ip4(pkt, n, false, &off, &a), WR_BAD_OPT_LEN);
  static const uint8_t past[4] = { 1, 7, 4, 0 };          /* length 4 from offset 1: past the header */
  n = ip4_ah_pkt(pkt, past, sizeof past);
  T_EQ(ah_normalize_ip4(pkt, n, false, &off, &a), WR_BAD_OPT_LEN);
  static const uint8_t notype[4] = { 1, 1, 1, 0x44 };     /* type byte with no length byte */
  n = ip4_ah_pkt(pkt, notype, sizeof notype);
  T_EQ(ah_normalize_ip4(pkt, n, false, &off, &a), WR_BAD_OPT_LEN);
  static const uint8_t ok[4] = { 1, 1, 1, 0 };
  n = ip4_ah_pkt(pkt, ok, sizeof ok);
  T_EQ(ah_normalize_ip4(pkt, 19, false, &off, &a), WR_TRUNCATED);
  pkt[9] = 50;
  T_EQ(ah_normalize_ip4(pkt, n, false, &off, &a), WR_NO_AH);
  pkt[9] = IP4_PROTO_AH;
  pkt[0] = 0x66;
  T_EQ(ah_normalize_ip4(pkt, n, false, &off, &a), WR_BAD_VERSION);
  pkt[0] = 0x44;
  T_EQ(ah_normalize_ip4(pkt, n, false, &off, &a), WR_BAD_HDR_LEN);
  pkt[0] = 0x46;
  T_EQ(ah_normalize_ip4(pkt, 23, false, &off, &a), WR_BAD_HDR_LEN);
  T_EQ(ah_normalize_ip4(pkt, 30, false, &off, &a), WR_TRUNCATED);   /* AH cut short */
  T_EQ(ah_normalize_ip4(pkt, 40, false, &off, &a), WR_BAD_LENGTH);  /* AH longer than the input */
  wr32(pkt + 24 + 4, 0);
  T_EQ(ah_normalize_ip4(pkt, n, false, &off, &a), WR_ZERO_SPI);
}

/* ---- AH normalization, IPv6 */

#define HBH_OFF 40
#define DST_OFF 56
#define RT_OFF 64
#define AH6_OFF 88
#define PKT6_LEN (AH6_OFF + 24 + 8)

/* IPv6 (tc 0xb8, flow 0x12345, hlim 64) + HBH (16) + DST (8) + RH type 4
 * segleft 0 (24) + AH + 8 bytes.  In HBH, option 0x3e has the 0x20 bit
 * (data may change en route), option 0x1e has not; in DST option 0x22
 * has it. */
static void ip6_ah_pkt(uint8_t *p)
{
  memset(p, 0, PKT6_LEN);
  wr32(p, 0x60000000u | 0xb8u << 20 | 0x12345u);
  wr16(p + 4, PKT6_LEN - 40);
  p[6] = IP6_NXT_HOPOPTS;
  p[7] = 64;
  memcpy(p + 8, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x01", 16);
  memcpy(p + 24, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x02", 16);
  static const uint8_t hbh[16] = { IP6_NXT_DSTOPTS, 1, 0x3e, 4, 1, 2, 3, 4, 0x1e, 3, 5, 6, 7, 1, 1, 0 };
  memcpy(p + HBH_OFF, hbh, 16);
  static const uint8_t dst[8] = { IP6_NXT_ROUTING, 0, 0x22, 4, 9, 10, 11, 12 };
  memcpy(p + DST_OFF, dst, 8);
  static const uint8_t rt[8] = { IP6_NXT_AH, 2, 4, 0, 0, 0, 0, 0 };
  memcpy(p + RT_OFF, rt, 8);
  memcpy(p + RT_OFF + 8, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x02", 16);
  memcpy(p + AH6_OFF, ah_sha1, 24);
  p[AH6_OFF] = IP6_NXT_NONE;
  memcpy(p + AH6_OFF + 24, "payload!", 8);
}

TEST(ah_norm_ip6_options)
{
  uint8_t pkt[PKT6_LEN], want[PKT6_LEN];
  ip6_ah_pkt(pkt);
  ip6_ah_pkt(want);
  wr32(want, 0x60000000u);                  /* traffic class, flow label */
  want[7] = 0;                              /* hop limit */
  memset(want + HBH_OFF + 4, 0, 4);         /* 0x3e data; 0x1e stays */
  memset(want + DST_OFF + 4, 0, 4);         /* 0x22 data */
  memset(want + AH6_OFF + 12, 0, 12);       /* ICV */
  size_t off = 0;
  struct ah_info a;
  T_EQ(ah_normalize_ip6(pkt, PKT6_LEN, &off, &a), WR_OK);
  T_EQ(off, AH6_OFF);
  T_EQ(a.nxt, IP6_NXT_NONE);
  T_EQ(rd16(pkt + 4), PKT6_LEN - 40);       /* payload length untouched */
  T_MEMEQ(pkt, want, PKT6_LEN);
}

TEST(ah_norm_ip6_direct)
{
  /* AH right after the fixed header */
  uint8_t pkt[72];
  memset(pkt, 0, sizeof pkt);
  wr32(pkt, 0x6fffffffu);
  pkt[6] = IP6_NXT_AH;
  pkt[7] = 255;
  memcpy(pkt + 40, ah_sha1, 24);
  size_t off;
  struct ah_info a;
  T_EQ(ah_normalize_ip6(pkt, sizeof pkt, &off, &a), WR_OK);
  T_EQ(off, 40);
  T_EQ(rd32(pkt), 0x60000000u);
  T_EQ(pkt[7], 0);
  for (int i = 52; i < 64; i++) T_EQ(pkt[i], 0);
}

TEST(ah_norm_ip6_rejects)
{
  uint8_t pkt[PKT6_LEN];
  size_t off;
  struct ah_info a;
  ip6_ah_pkt(pkt);
  pkt[RT_OFF + 3] = 1;                                  /* Segments Left 1: refused, see ah.h */
  T_EQ(ah_normalize_ip6(pkt, PKT6_LEN, &off, &a), WR_SEGS_LEFT_NONZERO);
  ip6_ah_pkt(pkt);
  pkt[DST_OFF] = IP6_NXT_FRAGMENT;                      /* a Fragment header before AH */
  memcpy(pkt + RT_OFF, "\x33\x00\x00\x01\x00\x00\x00\x01", 8);
  T_EQ(ah_normalize_ip6(pkt, PKT6_LEN, &off, &a), WR_FRAGMENTED);
  ip6_ah_pkt(pkt);
  pkt[RT_OFF] = IP6_NXT_TCP;                            /* chain never reaches AH */
  T_EQ(ah_normalize_ip6(pkt, PKT6_LEN, &off, &a), WR_NO_AH);
  ip6_ah_pkt(pkt);
  pkt[RT_OFF] = IP6_NXT_ESP;
  T_EQ(ah_normalize_ip6(pkt, PKT6_LEN, &off, &a), WR_NO_AH);
  ip6_ah_pkt(pkt);
  pkt[HBH_OFF + 15] = 1;                                /* PadN (bytes 13..15) with a non-zero byte */
  T_EQ(ah_normalize_ip6(pkt, PKT6_LEN, &off, &a), WR_PAD_NONZERO);
  ip6_ah_pkt(pkt);
  pkt[HBH_OFF + 9] = 9;                                 /* option 0x1e runs past its header */
  T_EQ(ah_normalize_ip6(pkt, PKT6_LEN, &off, &a), WR_OPT_TRUNCATED);
  ip6_ah_pkt(pkt);
  T_EQ(ah_normalize_ip6(pkt, HBH_OFF + 10, &off, &a), WR_TRUNCATED);
  T_EQ(ah_normalize_ip6(pkt, RT_OFF + 20, &off, &a), WR_TRUNCATED);
  T_EQ(ah_normalize_ip6(pkt, AH6_OFF, &off, &a), WR_TRUNCATED);
  T_EQ(ah_normalize_ip6(pkt, AH6_OFF + 20, &off, &a), WR_BAD_LENGTH);
  T_EQ(ah_normalize_ip6(pkt, 39, &off, &a), WR_TRUNCATED);
  pkt[AH6_OFF + 1] = 5;                                 /* 28-byte AH: not 8-aligned */
  T_EQ(ah_normalize_ip6(pkt, PKT6_LEN, &off, &a), WR_BAD_ALIGN);
  ip6_ah_pkt(pkt);
  wr32(pkt + AH6_OFF + 4, 3);
  T_EQ(ah_normalize_ip6(pkt, PKT6_LEN, &off, &a), WR_RESERVED_SPI);
  ip6_ah_pkt(pkt);
  pkt[0] = 0x40;
  T_EQ(ah_normalize_ip6(pkt, PKT6_LEN, &off, &a), WR_BAD_VERSION);
}

TEST(ah_norm_ip6_long_chain)
{
  /* 60 empty Destination Options headers before AH: a bounded walk that
   * still gets there, and a chain cut one byte short fails cleanly. */
  uint8_t pkt[40 + 60 * 8 + 24];
  memset(pkt, 0, sizeof pkt);
  pkt[0] = 0x60;
  pkt[6] = IP6_NXT_DSTOPTS;
  for (int i = 0; i < 60; i++) {
    uint8_t *h = pkt + 40 + i * 8;
    h[0] = i == 59 ? IP6_NXT_AH : IP6_NXT_DSTOPTS;
    h[2] = IP6OPT_PADN;
    h[3] = 4;
  }
  memcpy(pkt + 40 + 60 * 8, ah_sha1, 24);
  size_t off;
  struct ah_info a;
  T_EQ(ah_normalize_ip6(pkt, sizeof pkt, &off, &a), WR_OK);
  T_EQ(off, 40 + 60 * 8);
  T_EQ(ah_normalize_ip6(pkt, 40 + 60 * 8 - 1, &off, &a), WR_TRUNCATED);
}

TEST(new_reason_names)
{
  T_STREQ(wire_reason_str(WR_ZERO_SPI), "zero_spi");
  T_STREQ(wire_reason_str(WR_RESERVED_SPI), "reserved_spi");
  T_STREQ(wire_reason_str(WR_BAD_ALIGN), "bad_align");
  T_STREQ(wire_reason_str(WR_NO_AH), "no_ah");
  T_STREQ(wire_reason_str(WR_SEGS_LEFT_NONZERO), "segs_left_nonzero");
  T_STREQ(wire_reason_str(WR_FRAGMENTED), "fragmented");
}

int main(void)
{
  RUN(esp_vector);
  RUN(esp_rejects);
  RUN(espinudp_classify_cases);
  RUN(espinudp_emitters);
  RUN(ah_vector);
  RUN(ah_emit_alignment);
  RUN(ah_rejects);
  RUN(ah_norm_ip4_options);
  RUN(ah_norm_ip4_eol_stops);
  RUN(ah_norm_ip4_source_route);
  RUN(ah_norm_ip4_rejects);
  RUN(ah_norm_ip6_options);
  RUN(ah_norm_ip6_direct);
  RUN(ah_norm_ip6_rejects);
  RUN(ah_norm_ip6_long_chain);
  RUN(new_reason_names);
  return t_done();
}
