/* ICMPv6: input = src(16) dst(16) message.  Parse as is, then with the
 * checksum repaired (must then succeed for any len >= 8). */
#include <string.h>
#include "wire/bytes.h"
#include "wire/icmp6.h"

#define CHECK(c) do { if (!(c)) __builtin_trap(); } while (0)
int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
  if (n < 32 || n > 32 + 65535) return 0;
  struct in6_addr s, t;
  memcpy(&s, d, 16);
  memcpy(&t, d + 16, 16);
  const uint8_t *m = d + 32;
  size_t len = n - 32;
  struct icmp6_info a, b;
  enum wire_reason r = icmp6_parse(m, len, &s, &t, &a);
  CHECK(r == WR_OK || r == WR_BAD_CKSUM || r == WR_TRUNCATED);
  CHECK((r == WR_TRUNCATED) == (len < 8));
  if (len < 8) return 0;
  static uint8_t c[65536];
  memcpy(c, m, len);
  icmp6_set_cksum(c, len, &s, &t);
  CHECK(icmp6_parse(c, len, &s, &t, &b) == WR_OK);
  CHECK(b.type == m[0] && b.code == m[1] && b.data32 == rd32(m + 4));
  CHECK(b.body == c + 8 && b.body_len == len - 8);
  /* Rebuilding the header gives the same message. */
  uint8_t h[8];
  CHECK(icmp6_emit_hdr(h, 8, b.type, b.code, b.data32) == 8);
  CHECK(h[0] == c[0] && h[1] == c[1] && !memcmp(h + 4, c + 4, 4));
  return 0;
}
