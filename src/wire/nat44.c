/* NAT44 header facts and in-place rewriting; the rules are in nat44.h. */
#include <string.h>
#include "wire/bytes.h"
#include "wire/icmp4.h"
#include "wire/ip4.h"
#include "wire/nat44.h"
#include "wire/tcp.h"
#include "wire/udp.h"

#define IP4_OFF_CKSUM 10
#define IP4_OFF_SRC 12
#define IP4_OFF_DST 16
#define TCP_OFF_FLAGS 13
#define TCP_OFF_CKSUM 16
#define UDP_OFF_CKSUM 6
#define ICMP4_OFF_CKSUM 2
#define ICMP4_OFF_ID 4

static bool icmp4_is_echo(uint8_t type) { return type == ICMP4_ECHO || type == ICMP4_ECHO_REPLY; }

/* The quoted datagram of an ICMP error at p[off], qlen bytes. */
static enum wire_reason parse_quote(const uint8_t *p, size_t off, size_t qlen, struct nat44_info *o)
{
  struct ip4_info q;
  enum wire_reason r = ip4_parse_quoted(p + off, qlen, &q);
  if (r != WR_OK)
    return r;
  if (q.frag_off)
    return WR_FRAGMENTED;                 /* a later fragment quotes no ports */
  o->in_ip = (uint16_t)off;
  o->in_l4 = (uint16_t)(off + q.hl);
  o->in_l4_len = (uint16_t)(qlen - q.hl);
  o->inner = (struct nat44_flow){ .proto = q.proto, .src = q.src, .dst = q.dst };
  const uint8_t *l4 = p + o->in_l4;
  if (q.proto == IP4_PROTO_TCP || q.proto == IP4_PROTO_UDP) {
    if (o->in_l4_len < 4)
      return WR_TRUNCATED;
    o->inner.sport = rd16(l4);
    o->inner.dport = rd16(l4 + 2);
    return WR_OK;
  }
  if (q.proto != IP4_PROTO_ICMP)
    return WR_BAD_TYPE;
  struct icmp4_info ic;
  r = icmp4_parse_quoted(l4, o->in_l4_len, &ic);
  if (r != WR_OK)
    return r;
  if (!icmp4_is_echo(ic.type))
    return WR_BAD_TYPE;                   /* RFC 5508 §4.1: never an error about an error */
  o->inner.sport = o->inner.dport = rd16(l4 + ICMP4_OFF_ID);
  return WR_OK;
}

static enum wire_reason parse_icmp(const uint8_t *p, const uint8_t *l4, size_t l4len, struct nat44_info *o)
{
  struct icmp4_info ic;
  enum wire_reason r = icmp4_parse(l4, l4len, &ic);
  if (r != WR_OK)
    return r;
  o->icmp_type = ic.type;
  if (icmp4_is_echo(ic.type)) {
    o->kind = NAT44_ICMP_QUERY;
    o->f.sport = o->f.dport = rd16(l4 + ICMP4_OFF_ID);
    return WR_OK;
  }
  if (!icmp4_is_error(ic.type))
    return WR_OK;                         /* NAT44_OTHER */
  o->kind = NAT44_ICMP_ERROR;
  return parse_quote(p, o->l4 + ICMP4_HLEN, l4len - ICMP4_HLEN, o);
}

enum wire_reason nat44_parse(const uint8_t *p, size_t len, struct nat44_info *o)
{
  memset(o, 0, sizeof *o);
  struct ip4_info ip;
  enum wire_reason r = ip4_parse(p, len, &ip);
  if (r != WR_OK)
    return r;
  if (ip.mf || ip.frag_off)
    return WR_FRAGMENTED;
  o->len = ip.tot_len;
  o->l4 = ip.hl;
  o->f = (struct nat44_flow){ .proto = ip.proto, .src = ip.src, .dst = ip.dst };
  const uint8_t *l4 = p + ip.hl;
  size_t l4len = (size_t)ip.tot_len - ip.hl;
  switch (ip.proto) {
  case IP4_PROTO_TCP:
    if (l4len < TCP_HLEN)
      return WR_TRUNCATED;
    o->tcp_flags = l4[TCP_OFF_FLAGS];
    break;
  case IP4_PROTO_UDP:
    if (l4len < UDP_HLEN)
      return WR_TRUNCATED;
    break;
  case IP4_PROTO_ICMP:
    return parse_icmp(p, l4, l4len, o);
  default:
    return WR_OK;                         /* NAT44_OTHER */
  }
  o->kind = NAT44_L4;
  o->f.sport = rd16(l4);
  o->f.dport = rd16(l4 + 2);
  return WR_OK;
}

/* RFC 1624 eqn. 3, HC' = ~(~HC + ~m + m'), in pieces: each replaced 16-bit
 * word adds ~m + m' to a delta that is applied once to every checksum
 * covering that word. A handful of words cannot overflow 32 bits. */
static void put16(uint8_t *w, uint16_t v, uint32_t *delta)
{
  *delta += (uint16_t)~rd16(w) + (uint32_t)v;
  wr16(w, v);
}

static void put_addr(uint8_t *w, struct in_addr a, uint32_t *delta)
{
  uint8_t b[4];
  memcpy(b, &a.s_addr, 4);
  put16(w, rd16(b), delta);
  put16(w + 2, rd16(b + 2), delta);
}

static uint16_t cksum_adjust(uint16_t ck, uint32_t delta)
{
  uint32_t s = (uint16_t)~ck + delta;
  s = (s & 0xffff) + (s >> 16);
  s = (s & 0xffff) + (s >> 16);
  return (uint16_t)~s;
}

/* UDP: 0 means "no checksum" and stays; a computed 0 is sent as 0xffff. */
static uint16_t udp_cksum_adjust(uint16_t ck, uint32_t delta)
{
  if (ck == 0)
    return 0;
  ck = cksum_adjust(ck, delta);
  return ck ? ck : 0xffff;
}

static void rewrite_flow(uint8_t *p, const struct nat44_info *in, enum nat44_side side,
                         struct in_addr addr, uint16_t port)
{
  uint8_t *l4 = p + in->l4;
  uint32_t d_addr = 0, d_port = 0;
  put_addr(p + (side == NAT44_SRC ? IP4_OFF_SRC : IP4_OFF_DST), addr, &d_addr);
  wr16(p + IP4_OFF_CKSUM, cksum_adjust(rd16(p + IP4_OFF_CKSUM), d_addr));
  if (in->kind == NAT44_ICMP_QUERY) {       /* no pseudo-header: only the identifier */
    put16(l4 + ICMP4_OFF_ID, port, &d_port);
    wr16(l4 + ICMP4_OFF_CKSUM, cksum_adjust(rd16(l4 + ICMP4_OFF_CKSUM), d_port));
    return;
  }
  put16(l4 + (side == NAT44_SRC ? 0 : 2), port, &d_port);
  if (in->f.proto == IP4_PROTO_TCP)
    wr16(l4 + TCP_OFF_CKSUM, cksum_adjust(rd16(l4 + TCP_OFF_CKSUM), d_addr + d_port));
  else
    wr16(l4 + UDP_OFF_CKSUM, udp_cksum_adjust(rd16(l4 + UDP_OFF_CKSUM), d_addr + d_port));
}

/* The quoted datagram travelled the other way: rewriting the outer source
 * means its destination, and the other way round. Every word changed inside
 * the ICMP message goes into d_icmp for the outer ICMP checksum. */
static void rewrite_quote(uint8_t *p, const struct nat44_info *in, enum nat44_side side,
                          struct in_addr addr, uint16_t port, uint32_t *d_icmp)
{
  uint8_t *q = p + in->in_ip, *ql4 = p + in->in_l4;
  uint32_t d_addr = 0, d_port = 0;
  put_addr(q + (side == NAT44_SRC ? IP4_OFF_DST : IP4_OFF_SRC), addr, &d_addr);
  put16(q + IP4_OFF_CKSUM, cksum_adjust(rd16(q + IP4_OFF_CKSUM), d_addr), d_icmp);
  if (in->inner.proto == IP4_PROTO_ICMP) {
    put16(ql4 + ICMP4_OFF_ID, port, &d_port);
    put16(ql4 + ICMP4_OFF_CKSUM, cksum_adjust(rd16(ql4 + ICMP4_OFF_CKSUM), d_port), d_icmp);
  } else {
    put16(ql4 + (side == NAT44_SRC ? 2 : 0), port, &d_port);
    if (in->inner.proto == IP4_PROTO_TCP && in->in_l4_len >= TCP_OFF_CKSUM + 2)
      put16(ql4 + TCP_OFF_CKSUM, cksum_adjust(rd16(ql4 + TCP_OFF_CKSUM), d_addr + d_port), d_icmp);
    else if (in->inner.proto == IP4_PROTO_UDP && in->in_l4_len >= UDP_OFF_CKSUM + 2)
      put16(ql4 + UDP_OFF_CKSUM, udp_cksum_adjust(rd16(ql4 + UDP_OFF_CKSUM), d_addr + d_port), d_icmp);
  }
  *d_icmp += d_addr + d_port;
}

static void rewrite_error(uint8_t *p, const struct nat44_info *in, enum nat44_side side,
                          struct in_addr addr, uint16_t port)
{
  uint32_t d_outer = 0, d_icmp = 0;
  put_addr(p + (side == NAT44_SRC ? IP4_OFF_SRC : IP4_OFF_DST), addr, &d_outer);
  wr16(p + IP4_OFF_CKSUM, cksum_adjust(rd16(p + IP4_OFF_CKSUM), d_outer));
  rewrite_quote(p, in, side, addr, port, &d_icmp);
  uint8_t *l4 = p + in->l4;
  wr16(l4 + ICMP4_OFF_CKSUM, cksum_adjust(rd16(l4 + ICMP4_OFF_CKSUM), d_icmp));
}

/* The offsets nat44_parse recorded, checked again against len so that a
 * caller's mistake cannot write outside the buffer. */
static bool info_fits(const struct nat44_info *in, size_t len)
{
  if (in->len > len || in->l4 < IP4_HLEN)
    return false;
  size_t l4len = in->len >= in->l4 ? (size_t)in->len - in->l4 : 0;
  switch (in->kind) {
  case NAT44_L4:
    return l4len >= (in->f.proto == IP4_PROTO_TCP ? TCP_HLEN : UDP_HLEN)
        && (in->f.proto == IP4_PROTO_TCP || in->f.proto == IP4_PROTO_UDP);
  case NAT44_ICMP_QUERY:
    return l4len >= ICMP4_HLEN;
  case NAT44_ICMP_ERROR:
    return l4len >= ICMP4_HLEN && in->in_ip >= in->l4 + ICMP4_HLEN && in->in_l4 >= in->in_ip + IP4_HLEN
        && (size_t)in->in_l4 + in->in_l4_len <= in->len
        && in->in_l4_len >= (in->inner.proto == IP4_PROTO_ICMP ? ICMP4_HLEN : 4);
  case NAT44_OTHER:
    break;
  }
  return false;
}

bool nat44_rewrite(uint8_t *p, size_t len, const struct nat44_info *info, enum nat44_side side,
                   struct in_addr addr, uint16_t port)
{
  if (!info_fits(info, len))
    return false;
  if (info->kind == NAT44_ICMP_ERROR)
    rewrite_error(p, info, side, addr, port);
  else
    rewrite_flow(p, info, side, addr, port);
  return true;
}
