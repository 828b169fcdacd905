/* ARP: parse; on success re-emit must reproduce the 28 bytes exactly
 * (every field is either fixed by validation or carried in arp_info). */
#include <string.h>
#include "wire/arp.h"

#define CHECK(c) do { if (!(c)) __builtin_trap(); } while (0)
int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
  struct arp_info a, b;
  memset(&a, 0, sizeof a);   /* the struct has padding: compare like with like */
  memset(&b, 0, sizeof b);
  if (arp_parse(d, n, &a) != WR_OK) return 0;
  CHECK(n >= ARP_LEN);
  CHECK(a.op == ARP_OP_REQUEST || a.op == ARP_OP_REPLY);
  uint8_t buf[ARP_LEN];
  CHECK(arp_emit(buf, sizeof buf, &a) == ARP_LEN);
  CHECK(memcmp(buf, d, ARP_LEN) == 0);
  CHECK(arp_parse(buf, ARP_LEN, &b) == WR_OK);
  CHECK(memcmp(&a, &b, sizeof a) == 0);
  return 0;
}
