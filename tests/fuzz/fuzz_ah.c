/* AH header and ICV normalization.  Input = flags(1) packet; flag bit 0
 * selects IPv6 for ah_parse, bit 1 "outbound" for the IPv4 normalizer.
 * ah_parse: bounds, re-emit and re-parse.  Normalizers run on an exactly
 * sized heap copy (ASan catches any write outside it); on success the AH
 * header lies inside, its ICV is zero, immutable bytes and everything
 * after AH are unchanged, and normalizing again changes nothing. */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "wire/ah.h"
#include "wire/bytes.h"

#define CHECK(c) do { if (!(c)) __builtin_trap(); } while (0)
int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

static bool all_zero(const uint8_t *p, size_t n)
{
  for (size_t i = 0; i < n; i++)
    if (p[i]) return false;
  return true;
}

static void header(const uint8_t *d, size_t n, int af)
{
  struct ah_info a, b;
  if (ah_parse(d, n, af, &a) != WR_OK) return;
  CHECK(a.len >= AH_HLEN && a.len <= n && a.len == ((size_t)d[1] + 2) * 4);
  CHECK(a.len % (af == AF_INET6 ? 8 : 4) == 0);
  CHECK(a.icv == d + AH_HLEN && a.icv_len == a.len - AH_HLEN);
  CHECK(a.spi >= 256);
  uint8_t e[AH_MAX_LEN];
  CHECK(ah_emit(e, sizeof e, af, a.nxt, a.spi, a.seq, a.icv_len) == a.len);
  CHECK(e[0] == d[0] && e[1] == d[1] && memcmp(e + 4, d + 4, 8) == 0);
  CHECK(all_zero(e + AH_HLEN, a.icv_len));
  CHECK(ah_parse(e, a.len, af, &b) == WR_OK);
  CHECK(b.nxt == a.nxt && b.len == a.len && b.spi == a.spi && b.seq == a.seq && b.reserved == 0);
  CHECK(ah_emit(e, a.len - 1, af, a.nxt, a.spi, a.seq, a.icv_len) == 0);
}

/* Bytes [from, to) of the copy equal the input. */
static bool same(const uint8_t *c, const uint8_t *d, size_t from, size_t to)
{
  return memcmp(c + from, d + from, to - from) == 0;
}

static void check_ah(const uint8_t *c, size_t n, size_t off, const struct ah_info *a)
{
  CHECK(off >= 20 && off + a->len <= n);
  CHECK(a->icv == c + off + AH_HLEN);
  CHECK(all_zero(c + off + AH_HLEN, a->icv_len));
}

static void norm4(const uint8_t *d, size_t n, bool outbound)
{
  uint8_t *c = malloc(n ? n : 1);
  memcpy(c, d, n);
  size_t off;
  struct ah_info a;
  if (ah_normalize_ip4(c, n, outbound, &off, &a) == WR_OK) {
    check_ah(c, n, off, &a);
    CHECK(c[0] == d[0] && same(c, d, 2, 6) && c[9] == d[9] && same(c, d, 12, outbound ? 16 : 20));
    CHECK(c[1] == 0 && rd16(c + 6) == 0 && c[8] == 0 && rd16(c + 10) == 0);
    CHECK(same(c, d, off, off + AH_HLEN) && same(c, d, off + a.len, n));
    uint8_t *c2 = malloc(n);
    memcpy(c2, c, n);
    size_t off2;
    struct ah_info a2;
    CHECK(ah_normalize_ip4(c2, n, outbound, &off2, &a2) == WR_OK);
    CHECK(off2 == off && memcmp(c2, c, n) == 0);
    free(c2);
  }
  free(c);
}

static void norm6(const uint8_t *d, size_t n)
{
  uint8_t *c = malloc(n ? n : 1);
  memcpy(c, d, n);
  size_t off;
  struct ah_info a;
  if (ah_normalize_ip6(c, n, &off, &a) == WR_OK) {
    check_ah(c, n, off, &a);
    CHECK(off >= 40 && (off - 40) % 8 == 0);
    CHECK(c[0] == (d[0] & 0xf0) && rd16(c) == (d[0] & 0xf0) << 8 && rd16(c + 2) == 0 && c[7] == 0);
    CHECK(same(c, d, 4, 7) && same(c, d, 8, 40));
    CHECK(same(c, d, off, off + AH_HLEN) && same(c, d, off + a.len, n));
    uint8_t *c2 = malloc(n);
    memcpy(c2, c, n);
    size_t off2;
    struct ah_info a2;
    CHECK(ah_normalize_ip6(c2, n, &off2, &a2) == WR_OK);
    CHECK(off2 == off && memcmp(c2, c, n) == 0);
    free(c2);
  }
  free(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
  if (n < 1) return 0;
  uint8_t flags = d[0];
  d++, n--;
  header(d, n, flags & 1 ? AF_INET6 : AF_INET);
  norm4(d, n, flags & 2);
  norm6(d, n);
  return 0;
}
