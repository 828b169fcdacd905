/* ICMPv4: parse as is, then with the checksum repaired. */
#include <string.h>
#include "wire/bytes.h"
#include "wire/icmp4.h"

#define CHECK(c) do { if (!(c)) __builtin_trap(); } while (0)
int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
  if (n > 65535) return 0;
  struct icmp4_info a, b;
  enum wire_reason r = icmp4_parse(d, n, &a);
  CHECK(r == WR_OK || r == WR_BAD_CKSUM || r == WR_TRUNCATED);
  if (n < 8) { CHECK(r == WR_TRUNCATED); return 0; }
  static uint8_t c[65536];
  memcpy(c, d, n);
  icmp4_set_cksum(c, n);
  CHECK(icmp4_parse(c, n, &b) == WR_OK);
  CHECK(b.type == d[0] && b.code == d[1] && b.data32 == rd32(d + 4) && b.body_len == n - 8);
  if (r == WR_OK) CHECK(a.type == b.type && a.data32 == b.data32);
  return 0;
}
