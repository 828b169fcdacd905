/* TSIG on arbitrary messages: dns_tsig_find must either refuse or hand out
 * a TSIG whose every pointer and offset lies inside the message, whose
 * names are valid; the digest input has exactly the RFC 8945 §4.3 length
 * at any cap (or 0 when it does not fit), with and without a request MAC;
 * appending the same TSIG to the message without it gives a message in
 * which dns_tsig_find finds the same fields again. */
#include <string.h>
#include "wire/bytes.h"
#include "wire/dns.h"

#define CHECK(c) do { if (!(c)) __builtin_trap(); } while (0)
int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

static uint8_t out[DNS_MAX_MSG + 1024];
static uint8_t again[DNS_MAX_MSG + 1024];

static bool inside(const uint8_t *p, size_t l, const uint8_t *m, size_t n)
{
  return l == 0 || (p >= m && p + l <= m + n);
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
  struct dns_tsig t;
  bool found;
  enum dns_reason r = dns_tsig_find(d, n, &t, &found);
  CHECK((unsigned)r < DNS__MAX);
  if (r != DNS_OK || !found) {
    CHECK(!found);
    return 0;
  }
  CHECK(t.rr_off >= DNS_HDR_LEN && t.rr_off < n);
  CHECK(dns_name_check(t.key_name, t.key_name_len) == DNS_OK);
  CHECK(dns_name_check(t.alg_name, t.alg_name_len) == DNS_OK);
  CHECK(inside(t.mac, t.mac_len, d, n) && inside(t.other, t.other_len, d, n));
  CHECK(t.time_signed < (1ull << 48));
  CHECK(rd16(d + 10) >= 1);

  size_t want = t.rr_off + t.key_name_len + 6 + t.alg_name_len + 12 + t.other_len;
  size_t got = dns_tsig_digest_input(out, sizeof out, d, n, &t, NULL, 0);
  CHECK(got == want);
  CHECK(rd16(out) == t.orig_id && rd16(out + 10) == rd16(d + 10) - 1);
  size_t cap = d[n - 1] % (want + 1);   /* some cap below or at the size */
  got = dns_tsig_digest_input(out, cap, d, n, &t, NULL, 0);
  CHECK(got == (cap >= want ? want : 0));
  got = dns_tsig_digest_input(out, sizeof out, d, n, &t, d, n > 64 ? 64 : n);
  CHECK(got == want + 2 + (n > 64 ? 64 : n));

  /* the message without its TSIG, then the same TSIG appended */
  memcpy(again, d, t.rr_off);
  wr16(again + 10, (uint16_t)(rd16(d + 10) - 1));
  size_t al = dns_tsig_append(again, t.rr_off, sizeof again, &t);
  if (al == 0)
    return 0;   /* over 65535 once the owner name is written uncompressed */
  struct dns_tsig u;
  bool f2;
  CHECK(dns_tsig_find(again, al, &u, &f2) == DNS_OK && f2);
  CHECK(u.rr_off == t.rr_off && u.mac_len == t.mac_len && u.other_len == t.other_len);
  CHECK(u.time_signed == t.time_signed && u.fudge == t.fudge && u.orig_id == t.orig_id && u.error == t.error);
  CHECK(u.key_name_len == t.key_name_len && !memcmp(u.key_name, t.key_name, t.key_name_len));
  CHECK(u.alg_name_len == t.alg_name_len && !memcmp(u.alg_name, t.alg_name, t.alg_name_len));
  CHECK(!memcmp(u.mac, t.mac, t.mac_len) && !memcmp(u.other, t.other, t.other_len));
  return 0;
}
