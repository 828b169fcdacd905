/* The update client's response check (dns/dnsu_check.c) on arbitrary
 * messages: the id expected is the message's own (so the checks after it
 * are reached), the zone example.test, a fixed key and request MAC. The
 * verdict is one of the known ones; only a TSIG that verifies under the
 * key (which the fuzzer cannot forge) gives ANSWER. */
#include <string.h>
#include "dns/dnsu_check.h"
#include "wire/bytes.h"

#define CHECK(c) do { if (!(c)) __builtin_trap(); } while (0)
int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

static uint8_t scratch[DNS_MAX_MSG + 1024];

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
  static struct dnsu_key k;
  static uint8_t zone[DNS_MAX_NAME];
  static size_t zl;
  static const uint8_t req_mac[32] = { 1, 2, 3 };
  if (!zl) {
    dns_name_from_text("key.example.test", k.name, &k.name_len);
    k.alg = DNSU_HMAC_SHA256;
    k.secret_len = 32;
    dns_name_from_text("example.test", zone, &zl);
  }
  struct dnsu_expect e = { .key = &k, .zone = zone, .zone_len = zl, .id = n >= 2 ? rd16(d) : 0,
                           .req_mac = req_mac, .req_mac_len = sizeof req_mac, .now = 1765000000 };
  unsigned rcode;
  uint16_t terr;
  enum dnsu_check c = dnsu_check_response(&e, d, n, &rcode, &terr, scratch, sizeof scratch);
  CHECK((unsigned)c < DNSU__CHECK_MAX);
  CHECK(rcode <= 15);
  CHECK(c != DNSU_ANSWER);   /* no forged MAC verifies */
  return 0;
}
