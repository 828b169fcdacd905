/* rtnetlink datagram (host byte order), as a host link reads it from its
 * NETLINK_ROUTE socket.  Walk every message: a rejection leaves the offset
 * where it was, an accepted message moves it forward by at least a header
 * and never past the end; parsed addresses only for AF_INET, labels
 * NUL-terminated.  Every accepted address message is rebuilt from the
 * parsed fields (ifaddrmsg + IFA_LOCAL + IFA_FLAGS + IFA_LABEL), re-parsed
 * and compared. */
#include <string.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/if_addr.h>
#include "wire/rtnl.h"

#define CHECK(c) do { if (!(c)) __builtin_trap(); } while (0)
int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

static size_t add_attr(uint8_t *b, size_t at, uint16_t type, const void *v, uint16_t len)
{
  uint16_t al = (uint16_t)(4 + len);
  memcpy(b + at, &al, 2);
  memcpy(b + at + 2, &type, 2);
  memcpy(b + at + 4, v, len);
  return at + ((al + 3u) & ~3u);
}

static void rebuild_and_compare(const struct rtnl_msg *m)
{
  uint8_t b[128];
  memset(b, 0, sizeof b);
  size_t at = 16;
  b[at] = m->addr.family;
  b[at + 1] = m->addr.plen;
  b[at + 3] = m->addr.scope;
  memcpy(b + at + 4, &m->addr.ifindex, 4);
  at += 8;
  if (m->addr.has_addr)
    at = add_attr(b, at, IFA_LOCAL, &m->addr.addr, 4);
  at = add_attr(b, at, IFA_FLAGS, &m->addr.flags, 4);
  at = add_attr(b, at, IFA_LABEL, m->addr.label, (uint16_t)(strlen(m->addr.label) + 1));
  uint32_t len = (uint32_t)at;
  memcpy(b, &len, 4);
  memcpy(b + 4, &m->type, 2);
  size_t off = 0;
  struct rtnl_msg r;
  CHECK(rtnl_next(b, at, &off, &r) == WR_OK);
  CHECK(off == at && r.kind == m->kind && r.addr.family == m->addr.family && r.addr.plen == m->addr.plen &&
        r.addr.scope == m->addr.scope && r.addr.ifindex == m->addr.ifindex && r.addr.flags == m->addr.flags &&
        r.addr.has_addr == m->addr.has_addr && !strcmp(r.addr.label, m->addr.label));
  if (m->addr.has_addr)
    CHECK(r.addr.addr.s_addr == m->addr.addr.s_addr);
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
  size_t off = 0;
  for (unsigned k = 0; k < 4096; k++) {
    struct rtnl_msg m;
    size_t before = off;
    enum wire_reason r = rtnl_next(d, n, &off, &m);
    if (r != WR_OK) {
      CHECK(off == before);
      break;
    }
    CHECK(off > before && off <= n && (off - before >= RTNL_HDRLEN || off == n));
    CHECK(memchr(m.addr.label, 0, sizeof m.addr.label) != NULL);
    if (m.kind == RTNL_NEWADDR || m.kind == RTNL_DELADDR) {
      CHECK(!m.addr.has_addr || m.addr.family == AF_INET);
      rebuild_and_compare(&m);
    } else {
      CHECK(m.kind != RTNL_DONE || m.type == NLMSG_DONE);
      CHECK(m.kind != RTNL_ERROR || m.type == NLMSG_ERROR);
    }
    if (off == n)
      break;
  }
  return 0;
}
