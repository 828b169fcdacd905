/* Ethernet: parse; on success re-emit must reproduce the header bytes. */
#include <string.h>
#include "wire/ether.h"

#define CHECK(c) do { if (!(c)) __builtin_trap(); } while (0)
int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
  struct eth_info e;
  enum wire_reason r = eth_parse(d, n, &e);
  CHECK(r == WR_OK || r == WR_TRUNCATED);
  CHECK((r == WR_OK) == (n >= ETH_HLEN));
  if (r != WR_OK) return 0;
  uint8_t b[ETH_HLEN];
  CHECK(eth_emit(b, sizeof b, &e.dst, &e.src, e.type) == ETH_HLEN);
  CHECK(memcmp(b, d, ETH_HLEN) == 0);
  CHECK(eth_is_broadcast(&e.dst) ? eth_is_multicast(&e.dst) : 1);
  return 0;
}
