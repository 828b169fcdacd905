#include <string.h>
#include "wire/bytes.h"
#include "wire/ether.h"

enum wire_reason eth_parse(const uint8_t *p, size_t len, struct eth_info *out)
{
  if (len < ETH_HLEN) return WR_TRUNCATED;
  memcpy(out->dst.b, p, 6);
  memcpy(out->src.b, p + 6, 6);
  out->type = rd16(p + 12);
  return WR_OK;
}

size_t eth_emit(uint8_t *p, size_t cap, const struct eth_addr *dst,
                const struct eth_addr *src, uint16_t type)
{
  if (cap < ETH_HLEN) return 0;
  memcpy(p, dst->b, 6);
  memcpy(p + 6, src->b, 6);
  wr16(p + 12, type);
  return ETH_HLEN;
}
