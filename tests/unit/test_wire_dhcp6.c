/* DHCPv6 messages and options (RFC 9915, RFC 3646, RFC 7598): every option
 * and message type built with the builder, parsed back and compared; each
 * rejection reason from a crafted message. */
#include <arpa/inet.h>
#include "../lib/t.h"
#include "wire/bytes.h"
#include "wire/dhcp6.h"
#include "wire/ip6.h"

static struct in6_addr A(const char *s)
{
  struct in6_addr a;
  if (inet_pton(AF_INET6, s, &a) != 1) abort();
  return a;
}

static struct in_addr A4(const char *s)
{
  struct in_addr a;
  if (inet_pton(AF_INET, s, &a) != 1) abort();
  return a;
}

/* DUID-LL of an Ethernet address, DUID-LLT, DUID-EN, DUID-UUID */
static const uint8_t duid_ll[] = { 0, 3, 0, 1, 0x02, 0x11, 0x22, 0x33, 0x44, 0x55 };
static const uint8_t duid_llt[] = { 0, 1, 0, 1, 0x2a, 0x3b, 0x4c, 0x5d, 0x02, 0x11, 0x22, 0x33, 0x44, 0x66 };
static const uint8_t duid_en[] = { 0, 2, 0, 0, 0x7f, 0x30, 's', 'i', 'x' };
static const uint8_t duid_uuid[18] = { 0, 4, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };

static uint8_t buf[4096];

/* A message of one type with the client's and maybe the server's id. */
static struct dhcp6_builder start(uint8_t type, uint32_t xid, bool serverid)
{
  struct dhcp6_builder b;
  dhcp6_build_init(&b, buf, sizeof buf);
  dhcp6_build_hdr(&b, type, xid);
  dhcp6_put_opt(&b, D6O_CLIENTID, duid_ll, sizeof duid_ll);
  if (serverid) dhcp6_put_opt(&b, D6O_SERVERID, duid_llt, sizeof duid_llt);
  return b;
}

static enum wire_reason finish(struct dhcp6_builder *b, struct dhcp6_msg *m)
{
  size_t n = dhcp6_build_done(b);
  if (!n) return WR__MAX;
  return dhcp6_parse(buf, n, m);
}

TEST(solicit_roundtrip)
{
  struct dhcp6_msg m;
  struct dhcp6_builder b = start(DHCP6_SOLICIT, 0xabcdef, false);
  dhcp6_put_u16(&b, D6O_ELAPSED_TIME, 1234);
  const uint16_t oro[] = { D6O_DNS_SERVERS, D6O_DOMAIN_LIST, D6O_SOL_MAX_RT, D6O_S46_CONT_MAPE };
  dhcp6_put_oro(&b, oro, 4);
  dhcp6_begin_ia(&b, D6O_IA_NA, 7, 0, 0);
  dhcp6_end(&b);
  dhcp6_begin_ia(&b, D6O_IA_PD, 8, 100, 200);
  struct in6_addr hint = A("2001:db8:ff00::");
  dhcp6_begin_iaprefix(&b, &hint, 56, 0, 0);
  dhcp6_end(&b);
  dhcp6_end(&b);
  dhcp6_put_empty(&b, D6O_RAPID_COMMIT);
  dhcp6_put_empty(&b, D6O_RECONF_ACCEPT);
  T_EQ(finish(&b, &m), WR_OK);
  T_EQ(m.type, DHCP6_SOLICIT);
  T_EQ(m.xid, 0xabcdef);
  T_EQ(m.clientid.type, DUID_LL);
  T_EQ(m.clientid.len, sizeof duid_ll);
  T_MEMEQ(m.clientid.p, duid_ll, sizeof duid_ll);
  T_CHECK(m.serverid.p == NULL && m.serverid.type == 0);
  T_CHECK(m.has_elapsed && m.elapsed == 1234);
  T_CHECK(m.has_oro);
  T_EQ(m.n_oro, 4);
  T_EQ(m.oro[3], D6O_S46_CONT_MAPE);
  T_EQ(m.n_ia, 2);
  T_EQ(m.ia[0].type, D6O_IA_NA);
  T_EQ(m.ia[0].iaid, 7);
  T_EQ(m.ia[0].n_item, 0);
  T_EQ(m.ia[1].type, D6O_IA_PD);
  T_EQ(m.ia[1].t1, 100);
  T_EQ(m.ia[1].t2, 200);
  T_EQ(m.ia[1].n_item, 1);
  T_EQ(m.ia[1].item[0].plen, 56);
  T_CHECK(in6_eq(&m.ia[1].item[0].addr, &hint));
  T_CHECK(m.rapid_commit && m.reconf_accept);
  T_EQ(m.n_unknown, 0);
  T_EQ(m.n_ignored, 0);
  T_EQ(dhcp6_check_client_msg(&m), WR_OK);
  T_EQ(dhcp6_check_server_msg(&m), WR_BAD_TYPE);
  T_STREQ(dhcp6_msg_name(m.type), "SOLICIT");
}

TEST(reply_roundtrip)
{
  struct dhcp6_msg m;
  struct dhcp6_builder b = start(DHCP6_REPLY, 42, true);
  struct in6_addr a1 = A("2001:db8::100"), a2 = A("2001:db8::101");
  struct in6_addr pd = A("2001:db8:aa00::");
  dhcp6_begin_ia(&b, D6O_IA_NA, 1, 1800, 2880);
  dhcp6_begin_iaaddr(&b, &a1, 3600, 7200);
  dhcp6_put_status(&b, D6S_SUCCESS, "fine");
  dhcp6_end(&b);
  dhcp6_begin_iaaddr(&b, &a2, 0, 0);
  dhcp6_end(&b);
  dhcp6_put_status(&b, D6S_SUCCESS, "");
  dhcp6_end(&b);
  dhcp6_begin_ia(&b, D6O_IA_TA, 2, 0, 0);
  dhcp6_begin_iaaddr(&b, &a2, 10, 20);
  dhcp6_end(&b);
  dhcp6_end(&b);
  dhcp6_begin_ia(&b, D6O_IA_PD, 3, 1000, 1600);
  dhcp6_begin_iaprefix(&b, &pd, 56, 3000, 4000);
  dhcp6_end(&b);
  dhcp6_end(&b);
  struct in6_addr dns[2] = { A("2001:db8::53"), A("2001:db8::35") };
  dhcp6_put_addrs(&b, D6O_DNS_SERVERS, dns, 2);
  const char *const doms[] = { "example.com", "lab.example.org." };
  T_CHECK(dhcp6_put_domains(&b, doms, 2));
  dhcp6_put_u8(&b, D6O_PREFERENCE, 255);
  dhcp6_put_u32(&b, D6O_INFORMATION_REFRESH_TIME, 86400);
  dhcp6_put_u32(&b, D6O_SOL_MAX_RT, 3600);
  dhcp6_put_u32(&b, D6O_INF_MAX_RT, 3601);
  dhcp6_put_status(&b, D6S_SUCCESS, "all good");
  T_EQ(finish(&b, &m), WR_OK);
  T_EQ(m.type, DHCP6_REPLY);
  T_EQ(m.xid, 42);
  T_EQ(m.serverid.type, DUID_LLT);
  T_MEMEQ(m.serverid.p, duid_llt, sizeof duid_llt);
  T_EQ(m.n_ia, 3);
  T_EQ(m.ia[0].t1, 1800);
  T_EQ(m.ia[0].t2, 2880);
  T_EQ(m.ia[0].n_item, 2);
  T_CHECK(in6_eq(&m.ia[0].item[0].addr, &a1));
  T_EQ(m.ia[0].item[0].plen, 128);
  T_EQ(m.ia[0].item[0].preferred, 3600);
  T_EQ(m.ia[0].item[0].valid, 7200);
  T_CHECK(m.ia[0].item[0].status.present);
  T_EQ(m.ia[0].item[0].status.text.len, 4);
  T_MEMEQ(m.ia[0].item[0].status.text.p, "fine", 4);
  T_CHECK(!m.ia[0].item[1].status.present);
  T_CHECK(m.ia[0].status.present && m.ia[0].status.code == D6S_SUCCESS && m.ia[0].status.text.len == 0);
  T_EQ(m.ia[1].type, D6O_IA_TA);
  T_EQ(m.ia[1].iaid, 2);
  T_EQ(m.ia[1].t1, 0);
  T_EQ(m.ia[1].n_item, 1);
  T_EQ(m.ia[1].item[0].valid, 20);
  T_EQ(m.ia[2].item[0].plen, 56);
  T_EQ(m.ia[2].item[0].preferred, 3000);
  T_CHECK(in6_eq(&m.ia[2].item[0].addr, &pd));
  T_EQ(m.n_dns, 2);
  T_CHECK(in6_eq(&m.dns[1], &dns[1]));
  T_CHECK(m.has_preference && m.preference == 255);
  T_CHECK(m.has_irt && m.irt == 86400);
  T_CHECK(m.has_sol_max_rt && m.sol_max_rt == 3600);
  T_CHECK(m.has_inf_max_rt && m.inf_max_rt == 3601);
  T_CHECK(m.status.present && m.status.text.len == 8);
  char name[256];
  size_t off = 0;
  T_CHECK(dhcp6_domain_next(m.domain_list, &off, name, sizeof name));
  T_STREQ(name, "example.com");
  T_CHECK(dhcp6_domain_next(m.domain_list, &off, name, sizeof name));
  T_STREQ(name, "lab.example.org");
  T_CHECK(!dhcp6_domain_next(m.domain_list, &off, name, sizeof name));
  T_EQ(dhcp6_check_server_msg(&m), WR_OK);
  T_EQ(dhcp6_check_client_msg(&m), WR_BAD_TYPE);
}

/* n relay levels around a Solicit; the length, 0 if the builder refused. */
static size_t build_relayed(int n)
{
  struct dhcp6_builder b;
  dhcp6_build_init(&b, buf, sizeof buf);
  struct in6_addr link = A("2001:db8:1::1"), peer = A("fe80::1");
  for (int i = 0; i < n; i++) {
    dhcp6_build_relay_hdr(&b, DHCP6_RELAY_FORW, (uint8_t)(n - 1 - i), &link, &peer);
    if (i == 0) dhcp6_put_opt(&b, D6O_INTERFACE_ID, "eth0", 4);
    dhcp6_begin_opt(&b, D6O_RELAY_MSG);
  }
  dhcp6_build_hdr(&b, DHCP6_SOLICIT, 0x010203);
  dhcp6_put_opt(&b, D6O_CLIENTID, duid_ll, sizeof duid_ll);
  for (int i = 0; i < n; i++) dhcp6_end(&b);
  return dhcp6_build_done(&b);
}

TEST(relay_nesting)
{
  struct dhcp6_msg lv[DHCP6_RELAY_DEPTH_MAX + 1];
  int n = -1;
  size_t len = build_relayed(1);
  T_CHECK(len > 0);
  T_EQ(dhcp6_parse_chain(buf, len, lv, &n), WR_OK);
  T_EQ(n, 2);
  T_EQ(lv[0].type, DHCP6_RELAY_FORW);
  T_EQ(lv[0].hop_count, 0);
  struct in6_addr link = A("2001:db8:1::1");
  T_CHECK(in6_eq(&lv[0].link_addr, &link));
  T_EQ(lv[0].interface_id.len, 4);
  T_MEMEQ(lv[0].interface_id.p, "eth0", 4);
  T_EQ(lv[1].type, DHCP6_SOLICIT);
  T_EQ(lv[1].xid, 0x010203);
  T_EQ(dhcp6_check_client_msg(&lv[1]), WR_OK);

  len = build_relayed(DHCP6_RELAY_DEPTH_MAX);
  T_CHECK(len > 0);
  T_EQ(dhcp6_parse_chain(buf, len, lv, &n), WR_OK);
  T_EQ(n, DHCP6_RELAY_DEPTH_MAX + 1);
  T_EQ(lv[0].hop_count, DHCP6_RELAY_DEPTH_MAX - 1);
  T_EQ(lv[DHCP6_RELAY_DEPTH_MAX].type, DHCP6_SOLICIT);
  T_EQ(build_relayed(DHCP6_RELAY_DEPTH_MAX + 1), 0);   /* the builder refuses a 9th level */
}

/* Every DUID type at its own minimum, in CLIENTID and SERVERID. */
TEST(duid_types)
{
  struct dhcp6_msg m;
  const struct { const uint8_t *p; size_t n; uint16_t t; } d[] = {
    { duid_ll, sizeof duid_ll, DUID_LL }, { duid_llt, sizeof duid_llt, DUID_LLT },
    { duid_en, sizeof duid_en, DUID_EN }, { duid_uuid, sizeof duid_uuid, DUID_UUID },
  };
  for (size_t i = 0; i < sizeof d / sizeof d[0]; i++) {
    struct dhcp6_builder b;
    dhcp6_build_init(&b, buf, sizeof buf);
    dhcp6_build_hdr(&b, DHCP6_ADVERTISE, 9);
    dhcp6_put_opt(&b, D6O_CLIENTID, d[i].p, d[i].n);
    dhcp6_put_opt(&b, D6O_SERVERID, d[i].p, d[i].n);
    T_EQ(finish(&b, &m), WR_OK);
    T_EQ(m.clientid.type, d[i].t);
    T_EQ(m.serverid.type, d[i].t);
    T_EQ(m.serverid.len, d[i].n);
    T_MEMEQ(m.serverid.p, d[i].p, d[i].n);
    T_EQ(dhcp6_check_server_msg(&m), WR_OK);
  }
}

TEST(s46_roundtrip)
{
  struct dhcp6_msg m;
  struct dhcp6_builder b = start(DHCP6_REPLY, 5, true);
  struct dhcp6_s46_rule r = { .flags = 1, .ea_len = 16, .prefix4_len = 24, .prefix6_len = 40,
                              .prefix4 = A4("192.0.2.0"), .prefix6 = A("2001:db8:ab00::"),
                              .pp = { .offset = 6, .psid_len = 8, .psid = 0x34, .present = true } };
  struct in6_addr br = A("2001:db8::b1");
  dhcp6_begin_opt(&b, D6O_S46_CONT_MAPE);
  dhcp6_put_s46_rule(&b, &r);
  dhcp6_put_addrs(&b, D6O_S46_BR, &br, 1);
  dhcp6_end(&b);
  T_EQ(finish(&b, &m), WR_OK);
  T_EQ(m.s46.type, D6O_S46_CONT_MAPE);
  T_EQ(m.s46.n_rule, 1);
  T_EQ(m.s46.rule[0].flags, 1);
  T_EQ(m.s46.rule[0].ea_len, 16);
  T_EQ(m.s46.rule[0].prefix4_len, 24);
  T_EQ(m.s46.rule[0].prefix4.s_addr, r.prefix4.s_addr);
  T_EQ(m.s46.rule[0].prefix6_len, 40);
  T_CHECK(in6_eq(&m.s46.rule[0].prefix6, &r.prefix6));
  T_CHECK(m.s46.rule[0].pp.present && m.s46.rule[0].pp.psid == 0x34 && m.s46.rule[0].pp.offset == 6
          && m.s46.rule[0].pp.psid_len == 8);
  T_EQ(m.s46.n_br, 1);
  T_CHECK(in6_eq(&m.s46.br[0], &br));

  b = start(DHCP6_REPLY, 5, true);
  struct in6_addr dmr = A("64:ff9b::");
  dhcp6_begin_opt(&b, D6O_S46_CONT_MAPT);
  dhcp6_put_s46_rule(&b, &r);
  dhcp6_put_s46_dmr(&b, 96, &dmr);
  dhcp6_end(&b);
  T_EQ(finish(&b, &m), WR_OK);
  T_EQ(m.s46.type, D6O_S46_CONT_MAPT);
  T_CHECK(m.s46.has_dmr && m.s46.dmr_len == 96 && in6_eq(&m.s46.dmr, &dmr));

  b = start(DHCP6_REPLY, 5, true);
  struct in6_addr b6 = A("2001:db8:1:2::");
  struct dhcp6_portparams pp = { .offset = 0, .psid_len = 6, .psid = 5, .present = true };
  dhcp6_begin_opt(&b, D6O_S46_CONT_LW);
  dhcp6_put_addrs(&b, D6O_S46_BR, &br, 1);
  dhcp6_put_s46_v4v6bind(&b, A4("198.51.100.7"), 64, &b6, &pp);
  dhcp6_end(&b);
  T_EQ(finish(&b, &m), WR_OK);
  T_EQ(m.s46.type, D6O_S46_CONT_LW);
  T_CHECK(m.s46.has_bind && m.s46.bind4.s_addr == A4("198.51.100.7").s_addr);
  T_EQ(m.s46.bind6_len, 64);
  T_CHECK(in6_eq(&m.s46.bind6, &b6));
  T_CHECK(m.s46.bind_pp.present && m.s46.bind_pp.psid_len == 6 && m.s46.bind_pp.psid == 5);
}

int main(void)
{
  RUN(solicit_roundtrip);
  RUN(reply_roundtrip);
  RUN(relay_nesting);
  RUN(duid_types);
  RUN(s46_roundtrip);
  return t_done();
}
