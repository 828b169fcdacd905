/* IPv4: parse; on success re-emit a 20-byte header (options dropped) in
 * front of the same payload, re-parse, compare every field.  A second pass
 * repairs the checksum first so the deeper checks get exercised. */
#include <string.h>
#include "wire/bytes.h"
#include "wire/cksum.h"
#include "wire/ip4.h"

#define CHECK(c) do { if (!(c)) __builtin_trap(); } while (0)
int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

static uint8_t buf[65536 + 64];

static void one(const uint8_t *d, size_t n)
{
  struct ip4_info a, b;
  if (ip4_parse(d, n, &a) != WR_OK) return;
  CHECK(a.hl >= 20 && a.hl <= 60 && a.hl <= a.tot_len && a.tot_len <= n);
  CHECK(a.frag_off % 8 == 0);
  size_t pl = a.tot_len - a.hl;
  struct ip4_info e = a;
  e.tot_len = (uint16_t)(20 + pl);
  CHECK(ip4_emit(buf, sizeof buf, &e) == 20);
  memcpy(buf + 20, d + a.hl, pl);
  CHECK(ip4_parse(buf, 20 + pl, &b) == WR_OK);
  CHECK(b.hl == 20 && b.tot_len == e.tot_len && b.tos == a.tos && b.id == a.id);
  CHECK(b.df == a.df && b.mf == a.mf && b.frag_off == a.frag_off);
  CHECK(b.ttl == a.ttl && b.proto == a.proto);
  CHECK(b.src.s_addr == a.src.s_addr && b.dst.s_addr == a.dst.s_addr);
  /* Without options the header bytes match, checksum aside (0 vs 0xffff). */
  if (a.hl == 20) {
    CHECK(memcmp(buf, d, 10) == 0 && memcmp(buf + 12, d + 12, 8) == 0);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
  if (n > 65536) return 0;
  one(d, n);
  if (n < 20) return 0;
  static uint8_t fix[65536];
  memcpy(fix, d, n);
  size_t hl = (size_t)(fix[0] & 15) * 4;
  if (hl < 20 || hl > n) return 0;
  wr16(fix + 10, 0);
  wr16(fix + 10, cksum_fold(cksum_add(0, fix, hl)));
  one(fix, n);
  return 0;
}
