/* rtnetlink address messages: see rtnl.h.  Fields are read with memcpy
 * (host order, no alignment assumed of the caller's buffer). */
#include <string.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/if_addr.h>
#include "wire/rtnl.h"

#define ALIGN4(n) (((n) + 3u) & ~(size_t)3u)
#define IFADDRMSG_LEN 8u
#define RTA_HDRLEN 4u

static uint16_t h16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return v; }
static uint32_t h32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }

/* One attribute of an address message. */
static enum wire_reason addr_attr(struct rtnl_addr *a, uint16_t type, const uint8_t *v, size_t n,
                                  bool *have_local)
{
  switch (type) {
  case IFA_LOCAL:
  case IFA_ADDRESS:
    if (a->family != AF_INET)
      return WR_OK;                 /* only IPv4 is extracted */
    if (n != 4)
      return WR_BAD_ADDR_LEN;
    if (type == IFA_LOCAL || !*have_local) {   /* IFA_LOCAL wins: IFA_ADDRESS is the peer on p2p links */
      memcpy(&a->addr, v, 4);
      a->has_addr = true;
      *have_local |= type == IFA_LOCAL;
    }
    return WR_OK;
  case IFA_FLAGS:
    if (n != 4)
      return WR_BAD_OPT_LEN;
    a->flags = h32(v);
    return WR_OK;
  case IFA_LABEL: {
    size_t k = 0;
    while (k < n && k + 1 < RTNL_LABEL_MAX && v[k])
      k++;
    memcpy(a->label, v, k);
    a->label[k] = '\0';
    return WR_OK;
  }
  default:
    return WR_OK;
  }
}

static enum wire_reason parse_addr(const uint8_t *p, size_t n, struct rtnl_addr *a)
{
  memset(a, 0, sizeof *a);
  if (n < IFADDRMSG_LEN)
    return WR_TRUNCATED;
  a->family = p[0];
  a->plen = p[1];
  a->flags = p[2];
  a->scope = p[3];
  a->ifindex = h32(p + 4);
  bool have_local = false;
  for (size_t off = IFADDRMSG_LEN; off < n;) {
    if (n - off < RTA_HDRLEN)
      return WR_BAD_OPT_LEN;
    uint16_t alen = h16(p + off), type = h16(p + off + 2) & NLA_TYPE_MASK;
    if (alen < RTA_HDRLEN || alen > n - off)
      return WR_BAD_OPT_LEN;
    enum wire_reason r = addr_attr(a, type, p + off + RTA_HDRLEN, alen - RTA_HDRLEN, &have_local);
    if (r != WR_OK)
      return r;
    off += ALIGN4(alen) < n - off ? ALIGN4(alen) : n - off;
  }
  return WR_OK;
}

enum wire_reason rtnl_next(const uint8_t *buf, size_t len, size_t *off, struct rtnl_msg *out)
{
  memset(out, 0, sizeof *out);
  if (*off > len || len - *off < RTNL_HDRLEN)
    return WR_TRUNCATED;
  const uint8_t *h = buf + *off;
  uint32_t mlen = h32(h);
  if (mlen < RTNL_HDRLEN)
    return WR_BAD_HDR_LEN;
  if (mlen > len - *off)
    return WR_BAD_LENGTH;
  out->type = h16(h + 4);
  out->flags = h16(h + 6);
  out->seq = h32(h + 8);
  out->pid = h32(h + 12);
  const uint8_t *pl = h + RTNL_HDRLEN;
  size_t plen = mlen - RTNL_HDRLEN;
  enum wire_reason r = WR_OK;
  switch (out->type) {
  case RTM_NEWADDR:
  case RTM_DELADDR:
    out->kind = out->type == RTM_NEWADDR ? RTNL_NEWADDR : RTNL_DELADDR;
    r = parse_addr(pl, plen, &out->addr);
    break;
  case NLMSG_DONE:
    out->kind = RTNL_DONE;
    break;
  case NLMSG_ERROR:
    out->kind = RTNL_ERROR;
    if (plen < 4)
      r = WR_TRUNCATED;
    else
      out->error = (int32_t)h32(pl);
    break;
  default:
    out->kind = RTNL_OTHER;
    break;
  }
  if (r != WR_OK)
    return r;
  size_t adv = ALIGN4((size_t)mlen);
  *off += adv < len - *off ? adv : len - *off;
  return WR_OK;
}

size_t rtnl_getaddr_emit(uint8_t *p, size_t cap, uint32_t seq, uint8_t family)
{
  const size_t n = RTNL_HDRLEN + IFADDRMSG_LEN;
  if (cap < n)
    return 0;
  uint32_t v32 = (uint32_t)n;
  uint16_t v16 = RTM_GETADDR;
  memset(p, 0, n);
  memcpy(p, &v32, 4);
  memcpy(p + 4, &v16, 2);
  v16 = NLM_F_REQUEST | NLM_F_DUMP;
  memcpy(p + 6, &v16, 2);
  memcpy(p + 8, &seq, 4);
  p[RTNL_HDRLEN] = family;
  return n;
}
