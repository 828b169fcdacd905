#include <string.h>
#include "wire/bytes.h"
#include "wire/socks5.h"

enum wire_reason socks5_greeting_parse(const uint8_t *p, size_t len, struct socks5_greeting *g)
{
  if (len < 2) return WR_TRUNCATED;
  if (p[0] != SOCKS5_VERSION) return WR_BAD_VERSION;
  if (p[1] == 0) return WR_BAD_LENGTH;
  if (len < 2u + p[1]) return WR_TRUNCATED;
  g->nmethods = p[1];
  memcpy(g->methods, p + 2, p[1]);
  g->len = 2u + p[1];
  return WR_OK;
}

enum wire_reason socks5_request_parse(const uint8_t *p, size_t len, struct socks5_request *r)
{
  size_t need;

  if (len < 5) return WR_TRUNCATED;
  if (p[0] != SOCKS5_VERSION) return WR_BAD_VERSION;
  if (p[2] != 0) return WR_RESERVED_FLAG;
  r->cmd = p[1];
  r->atyp = p[3];
  switch (r->atyp) {
  case SOCKS5_ATYP_IPV4: need = 4 + 4 + 2; break;
  case SOCKS5_ATYP_IPV6: need = 4 + 16 + 2; break;
  case SOCKS5_ATYP_DOMAIN:
    if (p[4] == 0) return WR_BAD_LENGTH;
    need = 4 + 1 + (size_t)p[4] + 2;
    break;
  default: return WR_BAD_TYPE;
  }
  if (len < need) return WR_TRUNCATED;
  if (r->atyp == SOCKS5_ATYP_IPV4) {
    memcpy(&r->a4, p + 4, 4);
  } else if (r->atyp == SOCKS5_ATYP_IPV6) {
    memcpy(&r->a6, p + 4, 16);
  } else {
    if (memchr(p + 5, 0, p[4])) return WR_BAD_LENGTH;
    memcpy(r->host, p + 5, p[4]);
    r->host[p[4]] = '\0';
  }
  r->port = rd16(p + need - 2);
  r->len = need;
  return WR_OK;
}

size_t socks5_method_emit(uint8_t *p, size_t cap, uint8_t method)
{
  if (cap < 2) return 0;
  p[0] = SOCKS5_VERSION;
  p[1] = method;
  return 2;
}

size_t socks5_reply_emit(uint8_t *p, size_t cap, uint8_t rep, const struct sockaddr *bound)
{
  size_t n = bound && bound->sa_family == AF_INET6 ? 4 + 16 + 2 : 4 + 4 + 2;
  if (cap < n) return 0;
  memset(p, 0, n);
  p[0] = SOCKS5_VERSION;
  p[1] = rep;
  if (bound && bound->sa_family == AF_INET6) {
    const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)bound;
    p[3] = SOCKS5_ATYP_IPV6;
    memcpy(p + 4, &s6->sin6_addr, 16);
    memcpy(p + 20, &s6->sin6_port, 2);
  } else {
    p[3] = SOCKS5_ATYP_IPV4;
    if (bound && bound->sa_family == AF_INET) {
      const struct sockaddr_in *s4 = (const struct sockaddr_in *)bound;
      memcpy(p + 4, &s4->sin_addr, 4);
      memcpy(p + 8, &s4->sin_port, 2);
    }
  }
  return n;
}
