#include <string.h>
#include <arpa/inet.h>
#include "wire/bytes.h"
#include "wire/ip6.h"

enum wire_reason ip6_parse(const uint8_t *p, size_t len, struct ip6_info *out)
{
  if (len < IP6_HLEN) return WR_TRUNCATED;
  if (p[0] >> 4 != 6) return WR_BAD_VERSION;
  uint32_t w = rd32(p);
  uint16_t plen = rd16(p + 4);
  uint8_t nxt = p[6];
  /* RFC 2675: payload length 0 with a Hop-by-Hop header is a jumbogram. */
  if (plen == 0 && nxt == 0) return WR_JUMBO;
  if (plen > len - IP6_HLEN) return WR_BAD_LENGTH;
  if (p[8] == 0xff) return WR_SRC_MULTICAST;
  out->tclass = (uint8_t)(w >> 20);
  out->flow = w & 0xfffff;
  out->plen = plen;
  out->nxt = nxt;
  out->hlim = p[7];
  memcpy(out->src.s6_addr, p + 8, 16);
  memcpy(out->dst.s6_addr, p + 24, 16);
  return WR_OK;
}

enum wire_reason ip6_parse_quoted(const uint8_t *p, size_t len, struct ip6_info *out)
{
  if (len < IP6_HLEN) return WR_TRUNCATED;
  if (p[0] >> 4 != 6) return WR_BAD_VERSION;
  uint32_t w = rd32(p);
  out->tclass = (uint8_t)(w >> 20);
  out->flow = w & 0xfffff;
  out->plen = rd16(p + 4);
  out->nxt = p[6];
  out->hlim = p[7];
  memcpy(out->src.s6_addr, p + 8, 16);
  memcpy(out->dst.s6_addr, p + 24, 16);
  return WR_OK;
}

size_t ip6_emit(uint8_t *p, size_t cap, const struct ip6_info *h)
{
  if (cap < IP6_HLEN) return 0;
  wr32(p, (6u << 28) | ((uint32_t)h->tclass << 20) | (h->flow & 0xfffff));
  wr16(p + 4, h->plen);
  p[6] = h->nxt;
  p[7] = h->hlim;
  memcpy(p + 8, h->src.s6_addr, 16);
  memcpy(p + 24, h->dst.s6_addr, 16);
  return IP6_HLEN;
}

bool in6_parse_addr46(const char *s, struct in6_addr *a)
{
    struct in_addr v4;
    if (inet_pton(AF_INET, s, &v4) == 1) {
        memset(a, 0, sizeof *a);
        a->s6_addr[10] = a->s6_addr[11] = 0xff;
        memcpy(&a->s6_addr[12], &v4, 4);
        return true;
    }
    return inet_pton(AF_INET6, s, a) == 1;
}
