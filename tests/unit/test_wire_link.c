/* Ethernet and ARP. */
#include <arpa/inet.h>
#include "../lib/t.h"
#include "wire/arp.h"
#include "wire/bytes.h"
#include "wire/ether.h"

static const struct eth_addr mac_a = { { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 } };
static const struct eth_addr mac_b = { { 0x33, 0x33, 0x00, 0x00, 0x00, 0x01 } };

TEST(eth_roundtrip)
{
  uint8_t buf[64];
  T_EQ(eth_emit(buf, 13, &mac_b, &mac_a, ETHERTYPE_IP6), 0);
  T_EQ(eth_emit(buf, sizeof buf, &mac_b, &mac_a, ETHERTYPE_IP6), ETH_HLEN);
  T_MEMEQ(buf, mac_b.b, 6);
  T_MEMEQ(buf + 6, mac_a.b, 6);
  T_EQ(buf[12], 0x86);
  T_EQ(buf[13], 0xdd);
  struct eth_info e;
  T_EQ(eth_parse(buf, ETH_HLEN, &e), WR_OK);
  T_MEMEQ(e.dst.b, mac_b.b, 6);
  T_MEMEQ(e.src.b, mac_a.b, 6);
  T_EQ(e.type, ETHERTYPE_IP6);
}

TEST(eth_runt)
{
  uint8_t buf[14] = { 0 };
  struct eth_info e;
  for (size_t n = 0; n < ETH_HLEN; n++) T_EQ(eth_parse(buf, n, &e), WR_TRUNCATED);
}

TEST(eth_addr_classes)
{
  struct eth_addr bc = { { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff } }, z = { { 0 } };
  T_CHECK(eth_is_multicast(&mac_b));
  T_CHECK(!eth_is_multicast(&mac_a));
  T_CHECK(eth_is_multicast(&bc));
  T_CHECK(eth_is_broadcast(&bc));
  T_CHECK(!eth_is_broadcast(&mac_b));
  T_CHECK(eth_is_zero(&z));
  T_CHECK(!eth_is_zero(&mac_a));
}

static size_t mk_arp(uint8_t *buf)
{
  struct arp_info a = { .op = ARP_OP_REQUEST, .sha = mac_a };
  inet_pton(AF_INET, "192.0.2.1", &a.spa);
  inet_pton(AF_INET, "192.0.2.2", &a.tpa);
  return arp_emit(buf, 64, &a);
}

TEST(arp_roundtrip)
{
  /* A real Linux who-has 192.0.2.2 tell 192.0.2.1. */
  static const uint8_t want[28] = {
    0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
    0xc0, 0x00, 0x02, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xc0, 0x00, 0x02, 0x02 };
  uint8_t buf[64];
  T_EQ(mk_arp(buf), 28);
  T_MEMEQ(buf, want, 28);
  struct arp_info a;
  /* Ethernet minimum-frame padding after the 28 bytes is fine. */
  memset(buf + 28, 0, 18);
  T_EQ(arp_parse(buf, 46, &a), WR_OK);
  T_EQ(a.op, ARP_OP_REQUEST);
  T_MEMEQ(a.sha.b, mac_a.b, 6);
  T_EQ(ntohl(a.spa.s_addr), 0xc0000201);
  T_EQ(ntohl(a.tpa.s_addr), 0xc0000202);
  T_CHECK(eth_is_zero(&a.tha));
  struct arp_info r = a;
  r.op = ARP_OP_REPLY;
  T_EQ(arp_emit(buf, 27, &r), 0);
  T_EQ(arp_emit(buf, 28, &r), 28);
  T_EQ(arp_parse(buf, 28, &a), WR_OK);
  T_EQ(a.op, ARP_OP_REPLY);
}

TEST(arp_rejects)
{
  uint8_t buf[64];
  struct arp_info a;
  mk_arp(buf);
  T_EQ(arp_parse(buf, 27, &a), WR_TRUNCATED);
  mk_arp(buf); wr16(buf, 6);          T_EQ(arp_parse(buf, 28, &a), WR_BAD_HTYPE);
  mk_arp(buf); wr16(buf + 2, 0x86dd); T_EQ(arp_parse(buf, 28, &a), WR_BAD_PTYPE);
  mk_arp(buf); buf[4] = 8;            T_EQ(arp_parse(buf, 28, &a), WR_BAD_ADDR_LEN);
  mk_arp(buf); buf[5] = 16;           T_EQ(arp_parse(buf, 28, &a), WR_BAD_ADDR_LEN);
  mk_arp(buf); wr16(buf + 6, 3);      T_EQ(arp_parse(buf, 28, &a), WR_BAD_OP);
  mk_arp(buf); wr16(buf + 6, 0);      T_EQ(arp_parse(buf, 28, &a), WR_BAD_OP);
}

int main(void)
{
  RUN(eth_roundtrip);
  RUN(eth_runt);
  RUN(eth_addr_classes);
  RUN(arp_roundtrip);
  RUN(arp_rejects);
  return t_done();
}
