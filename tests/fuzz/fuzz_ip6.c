/* IPv6 fixed header: parse; on success re-emit must give identical bytes
 * (every bit of the header is carried in ip6_info). */
#include <string.h>
#include "wire/ip6.h"

#define CHECK(c) do { if (!(c)) __builtin_trap(); } while (0)
int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
  struct ip6_info a;
  if (ip6_parse(d, n, &a) != WR_OK) return 0;
  CHECK(n >= IP6_HLEN && a.plen <= n - IP6_HLEN && a.flow <= 0xfffff);
  CHECK(!in6_is_multicast(&a.src));
  uint8_t b[IP6_HLEN];
  CHECK(ip6_emit(b, sizeof b, &a) == IP6_HLEN);
  CHECK(memcmp(b, d, IP6_HLEN) == 0);
  struct in6_addr m, sn;
  in6_mask(&a.dst, d[0] + d[1], &m);
  CHECK(in6_prefix_eq(&m, &a.dst, d[0] + d[1]));
  in6_solicited_node(&a.dst, &sn);
  CHECK(in6_is_multicast(&sn) && in6_mc_scope(&sn) == 2);
  return 0;
}
