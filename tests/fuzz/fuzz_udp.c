/* UDP.  Input = flags(1) src(16) dst(16) datagram; flag bit 0 selects the
 * IPv4 pseudo-header (first 4 bytes of each address), bit 1 allows a zero
 * checksum.  Parse as is; then with a repaired checksum (must succeed);
 * then re-emit and compare. */
#include <string.h>
#include "wire/bytes.h"
#include "wire/cksum.h"
#include "wire/udp.h"

#define CHECK(c) do { if (!(c)) __builtin_trap(); } while (0)
int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

static struct in6_addr s6, d6;
static struct in_addr s4, d4;
static bool v4;

static uint32_t pseudo(size_t len)
{
  return v4 ? cksum_pseudo4(s4, d4, (uint16_t)len, 17) : cksum_pseudo6(&s6, &d6, (uint32_t)len, 17);
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
  if (n < 33 || n - 33 > 65535) return 0;
  v4 = d[0] & 1;
  bool zok = d[0] & 2;
  memcpy(&s6, d + 1, 16);
  memcpy(&d6, d + 17, 16);
  memcpy(&s4, d + 1, 4);
  memcpy(&d4, d + 17, 4);
  const uint8_t *u = d + 33;
  size_t len = n - 33;
  struct udp_info a, b;
  enum wire_reason r = udp_parse(u, len, pseudo(len), zok, &a);
  if (r == WR_OK) CHECK(a.len >= 8 && a.len <= len);
  if (len < 8) { CHECK(r == WR_TRUNCATED); return 0; }
  uint16_t ul = rd16(u + 4);
  if (ul < 8 || ul > len) { CHECK(r == WR_BAD_LENGTH); return 0; }
  /* Rebuild: same ports and payload, fresh checksum over ul bytes. */
  static uint8_t c[65536];
  memcpy(c, u, len);
  CHECK(udp_emit(c, sizeof c, rd16(u), rd16(u + 2), ul - 8u, pseudo(ul)) == 8);
  CHECK(rd16(c + 6) != 0);
  /* Parse with the pseudo-header of the full length: trailer handling. */
  CHECK(udp_parse(c, len, pseudo(len), false, &b) == WR_OK);
  CHECK(b.sport == rd16(u) && b.dport == rd16(u + 2) && b.len == ul);
  if (r == WR_OK) {
    CHECK(a.sport == b.sport && a.dport == b.dport && a.len == b.len);
    if (rd16(u + 6) != 0 && rd16(u + 6) != 0xffff && rd16(c + 6) != 0xffff) CHECK(rd16(u + 6) == rd16(c + 6));
  }
  return 0;
}
