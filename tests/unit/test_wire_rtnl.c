/* rtnetlink address messages (wire/rtnl.c) and the IPv4+UDP header a host
 * link puts back in front of a datagram (udp4_datagram_emit). Messages are
 * built by hand here, in the kernel's layout, independently of the parser. */
#include <string.h>
#include <arpa/inet.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/if_addr.h>
#include "../lib/t.h"
#include "wire/bytes.h"
#include "wire/cksum.h"
#include "wire/ip4.h"
#include "wire/rtnl.h"
#include "wire/udp.h"

struct mb { uint8_t b[512]; size_t n, start; };

static void put(struct mb *m, const void *p, size_t n)
{
  memcpy(m->b + m->n, p, n);
  m->n += n;
}

static void pad4(struct mb *m)
{
  while (m->n & 3) m->b[m->n++] = 0;
}

static void msg_begin(struct mb *m, uint16_t type, uint32_t seq)
{
  struct nlmsghdr h = { .nlmsg_len = 0, .nlmsg_type = type, .nlmsg_seq = seq };
  m->start = m->n;
  put(m, &h, sizeof h);
}

static void msg_end(struct mb *m)
{
  uint32_t len = (uint32_t)(m->n - m->start);
  memcpy(m->b + m->start, &len, 4);
  pad4(m);
}

static void ifa(struct mb *m, uint8_t family, uint8_t plen, uint8_t scope, uint32_t index)
{
  struct ifaddrmsg a = { .ifa_family = family, .ifa_prefixlen = plen, .ifa_scope = scope, .ifa_index = index };
  put(m, &a, sizeof a);
}

static void attr(struct mb *m, uint16_t type, const void *v, uint16_t n)
{
  struct rtattr a = { .rta_len = (unsigned short)(RTA_LENGTH(n)), .rta_type = type };
  put(m, &a, sizeof a);
  put(m, v, n);
  pad4(m);
}

static struct in_addr A4(const char *s)
{
  struct in_addr a;
  inet_pton(AF_INET, s, &a);
  return a;
}

/* A dump as the kernel sends it: two addresses, then DONE. */
TEST(rtnl_newaddr_dump)
{
  struct mb m = { .n = 0 };
  struct in_addr peer = A4("192.0.2.99"), local = A4("192.0.2.2"), other = A4("198.51.100.7");
  msg_begin(&m, RTM_NEWADDR, 7);
  ifa(&m, AF_INET, 24, RT_SCOPE_UNIVERSE, 3);
  attr(&m, IFA_ADDRESS, &peer, 4);   /* IFA_LOCAL wins whatever the order */
  attr(&m, IFA_LOCAL, &local, 4);
  attr(&m, IFA_LABEL, "eth0", 5);
  uint32_t fl = IFA_F_PERMANENT | IFA_F_NOPREFIXROUTE;
  attr(&m, IFA_FLAGS, &fl, 4);
  msg_end(&m);
  msg_begin(&m, RTM_NEWADDR, 7);
  ifa(&m, AF_INET, 32, RT_SCOPE_UNIVERSE, 4);
  attr(&m, IFA_ADDRESS, &other, 4);   /* no IFA_LOCAL: IFA_ADDRESS is the address */
  msg_end(&m);
  msg_begin(&m, NLMSG_DONE, 7);
  uint32_t zero = 0;
  put(&m, &zero, 4);
  msg_end(&m);

  size_t off = 0;
  struct rtnl_msg r;
  T_EQ(rtnl_next(m.b, m.n, &off, &r), WR_OK);
  T_EQ(r.kind, RTNL_NEWADDR);
  T_EQ(r.seq, 7);
  T_EQ(r.addr.family, AF_INET);
  T_EQ(r.addr.plen, 24);
  T_EQ(r.addr.ifindex, 3);
  T_CHECK(r.addr.has_addr);
  T_EQ(r.addr.addr.s_addr, local.s_addr);
  T_STREQ(r.addr.label, "eth0");
  T_EQ(r.addr.flags, fl);
  T_EQ(rtnl_next(m.b, m.n, &off, &r), WR_OK);
  T_EQ(r.kind, RTNL_NEWADDR);
  T_EQ(r.addr.addr.s_addr, other.s_addr);
  T_EQ(r.addr.ifindex, 4);
  T_STREQ(r.addr.label, "");
  T_EQ(rtnl_next(m.b, m.n, &off, &r), WR_OK);
  T_EQ(r.kind, RTNL_DONE);
  T_EQ(off, m.n);
  T_EQ(rtnl_next(m.b, m.n, &off, &r), WR_TRUNCATED);   /* nothing left */
}

TEST(rtnl_deladdr_error_other)
{
  struct mb m = { .n = 0 };
  struct in_addr a = A4("10.0.0.2");
  msg_begin(&m, RTM_DELADDR, 0);
  ifa(&m, AF_INET, 24, RT_SCOPE_UNIVERSE, 2);
  attr(&m, IFA_LOCAL, &a, 4);
  msg_end(&m);
  msg_begin(&m, NLMSG_ERROR, 9);
  int32_t e = -1;
  put(&m, &e, 4);
  msg_end(&m);
  msg_begin(&m, RTM_NEWLINK, 0);   /* not an address message: header only */
  put(&m, "abcdef", 6);
  msg_end(&m);
  uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8 };
  msg_begin(&m, RTM_NEWADDR, 0);   /* IPv6: parsed, no IPv4 address taken */
  ifa(&m, AF_INET6, 64, RT_SCOPE_UNIVERSE, 2);
  attr(&m, IFA_ADDRESS, v6, 16);
  msg_end(&m);

  size_t off = 0;
  struct rtnl_msg r;
  T_EQ(rtnl_next(m.b, m.n, &off, &r), WR_OK);
  T_EQ(r.kind, RTNL_DELADDR);
  T_EQ(r.addr.addr.s_addr, a.s_addr);
  T_EQ(rtnl_next(m.b, m.n, &off, &r), WR_OK);
  T_EQ(r.kind, RTNL_ERROR);
  T_EQ(r.error, -1);
  T_EQ(r.seq, 9);
  T_EQ(rtnl_next(m.b, m.n, &off, &r), WR_OK);
  T_EQ(r.kind, RTNL_OTHER);
  T_EQ(r.type, RTM_NEWLINK);
  T_EQ(rtnl_next(m.b, m.n, &off, &r), WR_OK);
  T_EQ(r.kind, RTNL_NEWADDR);
  T_EQ(r.addr.family, AF_INET6);
  T_CHECK(!r.addr.has_addr);
  T_EQ(off, m.n);
}

/* Every distrusted length, each with its reason; *off never moves on a rejection. */
TEST(rtnl_bad_lengths)
{
  struct mb m = { .n = 0 };
  struct in_addr a = A4("192.0.2.2");
  msg_begin(&m, RTM_NEWADDR, 0);
  ifa(&m, AF_INET, 24, 0, 1);
  attr(&m, IFA_LOCAL, &a, 4);
  msg_end(&m);
  struct rtnl_msg r;
  size_t off = 0;
  uint8_t b[512];

  T_EQ(rtnl_next(m.b, 15, &off, &r), WR_TRUNCATED);   /* less than a header */
  memcpy(b, m.b, m.n);
  uint32_t v = 12;
  memcpy(b, &v, 4);
  T_EQ(rtnl_next(b, m.n, &off, &r), WR_BAD_HDR_LEN);
  v = (uint32_t)m.n + 4;
  memcpy(b, &v, 4);
  T_EQ(rtnl_next(b, m.n, &off, &r), WR_BAD_LENGTH);
  v = 16 + 7;   /* the ifaddrmsg cut short */
  memcpy(b, &v, 4);
  T_EQ(rtnl_next(b, m.n, &off, &r), WR_TRUNCATED);
  memcpy(b, m.b, m.n);
  uint16_t al = 3;   /* attribute shorter than its own header */
  memcpy(b + 24, &al, 2);
  T_EQ(rtnl_next(b, m.n, &off, &r), WR_BAD_OPT_LEN);
  al = 200;          /* attribute past the message */
  memcpy(b + 24, &al, 2);
  T_EQ(rtnl_next(b, m.n, &off, &r), WR_BAD_OPT_LEN);
  al = 7;            /* a 3-byte IPv4 address */
  memcpy(b + 24, &al, 2);
  T_EQ(rtnl_next(b, m.n, &off, &r), WR_BAD_ADDR_LEN);
  memcpy(b, m.b, m.n);
  v = 16 + 8 + 2;    /* a 2-byte tail: not even an attribute header */
  memcpy(b, &v, 4);
  T_EQ(rtnl_next(b, m.n, &off, &r), WR_BAD_OPT_LEN);
  T_EQ(off, 0);

  struct mb e = { .n = 0 };
  msg_begin(&e, NLMSG_ERROR, 0);
  put(&e, "\x01\x02", 2);   /* error code cut short */
  msg_end(&e);
  T_EQ(rtnl_next(e.b, e.n, &off, &r), WR_TRUNCATED);
  off = e.n + 1;            /* an offset past the end is refused, not read */
  T_EQ(rtnl_next(e.b, e.n, &off, &r), WR_TRUNCATED);

  /* an unpadded last message: off stops at the end */
  off = 0;
  T_EQ(rtnl_next(m.b, m.n - 0, &off, &r), WR_OK);
  T_EQ(off, m.n);
}

TEST(rtnl_label_is_bounded)
{
  struct mb m = { .n = 0 };
  msg_begin(&m, RTM_NEWADDR, 0);
  ifa(&m, AF_INET, 24, 0, 1);
  attr(&m, IFA_LABEL, "a-label-longer-than-sixteen", 27);   /* no NUL either */
  msg_end(&m);
  size_t off = 0;
  struct rtnl_msg r;
  T_EQ(rtnl_next(m.b, m.n, &off, &r), WR_OK);
  T_EQ(strlen(r.addr.label), RTNL_LABEL_MAX - 1);
  T_CHECK(!r.addr.has_addr);
}

TEST(rtnl_getaddr_request)
{
  uint8_t b[64];
  T_EQ(rtnl_getaddr_emit(b, 23, 1, AF_INET), 0);
  T_EQ(rtnl_getaddr_emit(b, sizeof b, 42, AF_INET), 24);
  struct nlmsghdr h;
  memcpy(&h, b, sizeof h);
  T_EQ(h.nlmsg_len, 24);
  T_EQ(h.nlmsg_type, RTM_GETADDR);
  T_EQ(h.nlmsg_flags, NLM_F_REQUEST | NLM_F_DUMP);
  T_EQ(h.nlmsg_seq, 42);
  T_EQ(b[16], AF_INET);
}

/* The header a host link's UDP socket took off, put back: parses as the
 * datagram it was, with or without a checksum. */
TEST(udp4_datagram_rebuild)
{
  uint8_t b[128];
  memset(b, 0xee, sizeof b);
  memcpy(b + 28, "\xff", 1);   /* a NAT keepalive */
  struct ip4_info h = { .src = A4("198.51.100.1"), .dst = A4("192.0.2.2"), .ttl = 64, .tos = 0x02, .id = 7 };
  for (int ck = 0; ck < 2; ck++) {
    T_EQ(udp4_datagram_emit(b, 29, &h, 40123, 4500, 1, ck), 28);
    struct ip4_info ih;
    T_EQ(ip4_parse(b, 29, &ih), WR_OK);
    T_EQ(ih.proto, IP4_PROTO_UDP);
    T_EQ(ih.tot_len, 29);
    T_EQ(ih.tos, 0x02);
    T_EQ(ih.src.s_addr, h.src.s_addr);
    T_EQ(ih.dst.s_addr, h.dst.s_addr);
    struct udp_info u;
    uint32_t ps = cksum_pseudo4(ih.src, ih.dst, 9, IP4_PROTO_UDP);
    T_EQ(udp_parse(b + 20, 9, ps, ck == 0, &u), WR_OK);   /* zero checksum allowed only without */
    T_EQ(u.sport, 40123);
    T_EQ(u.dport, 4500);
    T_EQ(u.len, 9);
    T_EQ(rd16(b + 26) != 0, ck);
    T_EQ(b[28], 0xff);   /* the payload untouched */
  }
  T_EQ(udp4_datagram_emit(b, 28, &h, 1, 2, 1, false), 0);           /* no room for the payload */
  T_EQ(udp4_datagram_emit(b, 27, &h, 1, 2, 0, false), 0);           /* nor for the headers */
  static uint8_t big[70000];
  T_EQ(udp4_datagram_emit(big, sizeof big, &h, 1, 2, 65535 - 28, false), 28);
  T_EQ(udp4_datagram_emit(big, sizeof big, &h, 1, 2, 65535 - 27, false), 0);   /* over 65535 */
}

int main(void)
{
  RUN(rtnl_newaddr_dump);
  RUN(rtnl_deladdr_error_other);
  RUN(rtnl_bad_lengths);
  RUN(rtnl_label_is_bounded);
  RUN(rtnl_getaddr_request);
  RUN(udp4_datagram_rebuild);
  return t_done();
}
