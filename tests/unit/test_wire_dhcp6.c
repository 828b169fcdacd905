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

/* A message of one type whose options are the given bytes, parsed. */
static enum wire_reason parse_raw(uint8_t type, const void *opts, size_t n, struct dhcp6_msg *m)
{
  buf[0] = type;
  buf[1] = 1, buf[2] = 2, buf[3] = 3;
  memcpy(buf + 4, opts, n);
  return dhcp6_parse(buf, 4 + n, m);
}

/* One option (header + body) into o; its total length. */
static size_t opt(uint8_t *o, uint16_t code, const void *body, size_t n)
{
  wr16(o, code);
  wr16(o + 2, (uint16_t)n);
  if (n) memcpy(o + 4, body, n);
  return 4 + n;
}

TEST(header_rejects)
{
  struct dhcp6_msg m;
  uint8_t b[40] = { DHCP6_SOLICIT, 1, 2, 3 };
  for (size_t n = 0; n < 4; n++) T_EQ(dhcp6_parse(b, n, &m), WR_TRUNCATED);
  T_EQ(dhcp6_parse(b, 4, &m), WR_OK);
  const uint8_t bad_types[] = { 0, 16, 19, 22, 255 };
  for (size_t i = 0; i < sizeof bad_types; i++) {
    b[0] = bad_types[i];
    T_EQ(dhcp6_parse(b, 4, &m), WR_BAD_TYPE);
  }
  b[0] = DHCP6_RELAY_FORW;
  T_EQ(dhcp6_parse(b, 33, &m), WR_TRUNCATED);
  T_EQ(dhcp6_parse(b, 34, &m), WR_DHCP6_NO_RELAY_MSG);
  static uint8_t big[DHCP6_MSG_MAX + 1];
  big[0] = DHCP6_REPLY;
  /* one unknown option fills the rest exactly */
  wr16(big + 4, 999);
  wr16(big + 6, (uint16_t)(DHCP6_MSG_MAX - 8));
  T_EQ(dhcp6_parse(big, DHCP6_MSG_MAX, &m), WR_OK);
  T_EQ(m.n_unknown, 1);
  T_EQ(dhcp6_parse(big, DHCP6_MSG_MAX + 1, &m), WR_BAD_LENGTH);
}

TEST(framing_rejects)
{
  struct dhcp6_msg m;
  uint8_t o[256];
  /* a header cut short, a length one byte longer than what is there */
  T_EQ(parse_raw(DHCP6_SOLICIT, "\0\1\0", 3, &m), WR_OPT_TRUNCATED);
  size_t n = opt(o, D6O_ELAPSED_TIME, "\0\1", 2);
  T_EQ(parse_raw(DHCP6_SOLICIT, o, n, &m), WR_OK);
  wr16(o + 2, 3);
  T_EQ(parse_raw(DHCP6_SOLICIT, o, n, &m), WR_OPT_TRUNCATED);
  /* an IAADDR overrunning its IA_NA by one byte (the message has room) */
  uint8_t ia[64], addr[24] = { 0x20, 1, 0xd, 0xb8 };
  memset(ia, 0, 12);
  size_t in = opt(ia + 12, D6O_IAADDR, addr, sizeof addr);
  n = opt(o, D6O_IA_NA, ia, 12 + in);
  o[n++] = 0;   /* a spare byte after the IA_NA */
  T_EQ(parse_raw(DHCP6_SOLICIT, o, n - 1, &m), WR_OK);
  wr16(o + 4 + 12 + 2, 25);
  T_EQ(parse_raw(DHCP6_SOLICIT, o, n, &m), WR_OPT_TRUNCATED);
  /* an IA_PD one byte too long for the message */
  n = opt(o, D6O_IA_PD, ia, 12);
  wr16(o + 2, 13);
  T_EQ(parse_raw(DHCP6_SOLICIT, o, n, &m), WR_OPT_TRUNCATED);
}

/* Options whose length disagrees with their fixed format. */
TEST(opt_len_rejects)
{
  struct dhcp6_msg m;
  uint8_t o[256], z[64] = { 0 };
  const struct { uint16_t code; size_t len; } bad[] = {
    { D6O_ELAPSED_TIME, 1 }, { D6O_ELAPSED_TIME, 3 }, { D6O_PREFERENCE, 0 }, { D6O_PREFERENCE, 2 },
    { D6O_IA_NA, 11 }, { D6O_IA_PD, 0 }, { D6O_IA_TA, 3 }, { D6O_ORO, 3 }, { D6O_DNS_SERVERS, 0 },
    { D6O_DNS_SERVERS, 17 }, { D6O_STATUS_CODE, 1 }, { D6O_RAPID_COMMIT, 1 }, { D6O_RECONF_ACCEPT, 2 },
    { D6O_UNICAST, 15 }, { D6O_AUTH, 10 }, { D6O_RECONF_MSG, 0 }, { D6O_INFORMATION_REFRESH_TIME, 3 },
    { D6O_SOL_MAX_RT, 5 }, { D6O_INF_MAX_RT, 0 }, { D6O_VENDOR_CLASS, 3 }, { D6O_VENDOR_OPTS, 2 },
    { D6O_DHCP4_O_DHCP6_SERVER, 8 },
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    size_t n = opt(o, bad[i].code, z, bad[i].len);
    if (parse_raw(DHCP6_REPLY, o, n, &m) != WR_BAD_OPT_LEN)
      fprintf(stderr, "  option %u length %zu accepted\n", bad[i].code, bad[i].len), t_case_failed = 1;
  }
  /* user class / vendor class / vendor opts: an inner length that lies */
  uint8_t uc[] = { 0, 3, 'a', 'b', 'c', 0, 2, 'x' };
  T_EQ(parse_raw(DHCP6_SOLICIT, o, opt(o, D6O_USER_CLASS, uc, 5), &m), WR_OK);
  T_EQ(m.user_class.len, 5);
  T_EQ(parse_raw(DHCP6_SOLICIT, o, opt(o, D6O_USER_CLASS, uc, 4), &m), WR_BAD_OPT_LEN);
  T_EQ(parse_raw(DHCP6_SOLICIT, o, opt(o, D6O_USER_CLASS, uc, sizeof uc), &m), WR_BAD_OPT_LEN);
  uint8_t vc[] = { 0, 0, 0x7f, 0x30, 0, 2, 'h', 'i' };
  T_EQ(parse_raw(DHCP6_SOLICIT, o, opt(o, D6O_VENDOR_CLASS, vc, sizeof vc), &m), WR_OK);
  T_EQ(parse_raw(DHCP6_SOLICIT, o, opt(o, D6O_VENDOR_CLASS, vc, 7), &m), WR_BAD_OPT_LEN);
  uint8_t vo[] = { 0, 0, 0x7f, 0x30, 0, 1, 0, 2, 'h', 'i' };
  T_EQ(parse_raw(DHCP6_REPLY, o, opt(o, D6O_VENDOR_OPTS, vo, sizeof vo), &m), WR_OK);
  T_EQ(m.vendor_opts.len, sizeof vo);
  T_EQ(parse_raw(DHCP6_REPLY, o, opt(o, D6O_VENDOR_OPTS, vo, 7), &m), WR_BAD_OPT_LEN);
  /* nested: IAADDR 23, IAPREFIX 24, STATUS 1 in an IA */
  uint8_t ia[64] = { 0 };
  size_t k = 12 + opt(ia + 12, D6O_IAADDR, z, 23);
  T_EQ(parse_raw(DHCP6_REPLY, o, opt(o, D6O_IA_NA, ia, k), &m), WR_BAD_OPT_LEN);
  k = 12 + opt(ia + 12, D6O_IAPREFIX, z, 24);
  T_EQ(parse_raw(DHCP6_REPLY, o, opt(o, D6O_IA_PD, ia, k), &m), WR_BAD_OPT_LEN);
  k = 12 + opt(ia + 12, D6O_STATUS_CODE, z, 1);
  T_EQ(parse_raw(DHCP6_REPLY, o, opt(o, D6O_IA_PD, ia, k), &m), WR_BAD_OPT_LEN);
}

TEST(prefix_len_rejects)
{
  struct dhcp6_msg m;
  uint8_t o[256], ia[64] = { 0 }, pfx[25] = { 0 };
  pfx[8] = 128;
  size_t k = 12 + opt(ia + 12, D6O_IAPREFIX, pfx, sizeof pfx);
  T_EQ(parse_raw(DHCP6_REPLY, o, opt(o, D6O_IA_PD, ia, k), &m), WR_OK);
  T_EQ(m.ia[0].item[0].plen, 128);
  pfx[8] = 129;
  k = 12 + opt(ia + 12, D6O_IAPREFIX, pfx, sizeof pfx);
  T_EQ(parse_raw(DHCP6_REPLY, o, opt(o, D6O_IA_PD, ia, k), &m), WR_BAD_PREFIX_LEN);
  /* bits past the prefix length are cleared */
  pfx[8] = 60;
  memset(pfx + 9, 0xff, 16);
  k = 12 + opt(ia + 12, D6O_IAPREFIX, pfx, sizeof pfx);
  T_EQ(parse_raw(DHCP6_REPLY, o, opt(o, D6O_IA_PD, ia, k), &m), WR_OK);
  struct in6_addr want = A("ffff:ffff:ffff:fff0::");
  T_CHECK(in6_eq(&m.ia[0].item[0].addr, &want));
  /* the builder refuses 129 */
  struct dhcp6_builder b;
  dhcp6_build_init(&b, buf, sizeof buf);
  dhcp6_build_hdr(&b, DHCP6_REPLY, 1);
  dhcp6_begin_ia(&b, D6O_IA_PD, 1, 0, 0);
  dhcp6_begin_iaprefix(&b, &want, 129, 0, 0);
  dhcp6_end(&b);
  dhcp6_end(&b);
  T_EQ(dhcp6_build_done(&b), 0);
}

TEST(duid_rejects)
{
  struct dhcp6_msg m;
  uint8_t o[300], d[210] = { 0, 2, 0, 0, 0, 9 };
  T_EQ(parse_raw(DHCP6_SOLICIT, o, opt(o, D6O_CLIENTID, d, 200), &m), WR_DHCP6_BAD_DUID);
  T_EQ(parse_raw(DHCP6_SOLICIT, o, opt(o, D6O_CLIENTID, d, 131), &m), WR_DHCP6_BAD_DUID);
  T_EQ(parse_raw(DHCP6_SOLICIT, o, opt(o, D6O_CLIENTID, d, 130), &m), WR_OK);
  T_EQ(m.clientid.len, 130);
  T_EQ(parse_raw(DHCP6_SOLICIT, o, opt(o, D6O_SERVERID, d, 2), &m), WR_DHCP6_BAD_DUID);
  /* each known type one octet short of its minimum; then at it */
  const struct { uint16_t type; size_t min; } t[] = {
    { DUID_LLT, 9 }, { DUID_EN, 7 }, { DUID_LL, 5 }, { DUID_UUID, 18 }, { 77, 3 },
  };
  for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
    wr16(d, t[i].type);
    T_EQ(parse_raw(DHCP6_SOLICIT, o, opt(o, D6O_CLIENTID, d, t[i].min - 1), &m), WR_DHCP6_BAD_DUID);
    T_EQ(parse_raw(DHCP6_SOLICIT, o, opt(o, D6O_CLIENTID, d, t[i].min), &m), WR_OK);
    T_EQ(m.clientid.type, t[i].type);
  }
  wr16(d, DUID_UUID);
  T_EQ(parse_raw(DHCP6_SOLICIT, o, opt(o, D6O_CLIENTID, d, 19), &m), WR_DHCP6_BAD_DUID);
  wr16(d, 0);   /* type 0 is reserved (and would read as "absent") */
  T_EQ(parse_raw(DHCP6_SOLICIT, o, opt(o, D6O_CLIENTID, d, 10), &m), WR_DHCP6_BAD_DUID);
}

TEST(dup_rejects)
{
  struct dhcp6_msg m;
  uint8_t o[256], z[32] = { 0 };
  const struct { uint16_t code; size_t len; } once[] = {
    { D6O_CLIENTID, sizeof duid_ll }, { D6O_SERVERID, sizeof duid_ll }, { D6O_ORO, 2 },
    { D6O_PREFERENCE, 1 }, { D6O_ELAPSED_TIME, 2 }, { D6O_AUTH, 11 }, { D6O_UNICAST, 16 },
    { D6O_STATUS_CODE, 2 }, { D6O_RAPID_COMMIT, 0 }, { D6O_RECONF_MSG, 1 }, { D6O_RECONF_ACCEPT, 0 },
    { D6O_DNS_SERVERS, 16 }, { D6O_INFORMATION_REFRESH_TIME, 4 }, { D6O_SOL_MAX_RT, 4 },
    { D6O_INF_MAX_RT, 4 }, { D6O_INTERFACE_ID, 3 }, { D6O_USER_CLASS, 0 }, { D6O_DHCPV4_MSG, 1 },
  };
  for (size_t i = 0; i < sizeof once / sizeof once[0]; i++) {
    const void *body = once[i].code <= D6O_SERVERID ? (const void *)duid_ll : z;
    size_t n = opt(o, once[i].code, body, once[i].len);
    T_EQ(parse_raw(DHCP6_REPLY, o, n, &m), WR_OK);
    n += opt(o + n, once[i].code, body, once[i].len);
    if (parse_raw(DHCP6_REPLY, o, n, &m) != WR_DUP_OPT)
      fprintf(stderr, "  option %u twice accepted\n", once[i].code), t_case_failed = 1;
  }
  /* two IAs, two vendor classes: fine */
  size_t n = opt(o, D6O_IA_NA, z, 12);
  n += opt(o + n, D6O_IA_NA, z, 12);
  T_EQ(parse_raw(DHCP6_REPLY, o, n, &m), WR_OK);
  T_EQ(m.n_ia, 2);
  /* two STATUS_CODEs in one IA, in one IAADDR */
  uint8_t ia[128] = { 0 };
  size_t k = 12 + opt(ia + 12, D6O_STATUS_CODE, z, 2);
  k += opt(ia + k, D6O_STATUS_CODE, z, 2);
  T_EQ(parse_raw(DHCP6_REPLY, o, opt(o, D6O_IA_NA, ia, k), &m), WR_DUP_OPT);
  uint8_t ad[64] = { 0 };
  size_t a = 24 + opt(ad + 24, D6O_STATUS_CODE, z, 2);
  a += opt(ad + a, D6O_STATUS_CODE, z, 2);
  k = 12 + opt(ia + 12, D6O_IAADDR, ad, a);
  T_EQ(parse_raw(DHCP6_REPLY, o, opt(o, D6O_IA_NA, ia, k), &m), WR_DUP_OPT);
  /* two RELAY_MSGs */
  struct dhcp6_builder b;
  struct in6_addr l = A("2001:db8::1"), p = A("fe80::2");
  dhcp6_build_init(&b, buf, sizeof buf);
  dhcp6_build_relay_hdr(&b, DHCP6_RELAY_FORW, 0, &l, &p);
  dhcp6_put_opt(&b, D6O_RELAY_MSG, "\1\0\0\1", 4);
  dhcp6_put_opt(&b, D6O_RELAY_MSG, "\1\0\0\1", 4);
  T_EQ(dhcp6_parse(buf, dhcp6_build_done(&b), &m), WR_DUP_OPT);
}

/* A relay chain of n Relay-forw levels built by hand (no builder limit). */
static size_t raw_relays(uint8_t *out, size_t cap, int n, uint8_t hops)
{
  size_t inner = 4, total = inner + (size_t)n * (34 + 4);
  if (total > cap) abort();
  uint8_t *p = out;
  for (int i = 0; i < n; i++) {
    memset(p, 0, 34);
    p[0] = DHCP6_RELAY_FORW;
    p[1] = i == 0 ? hops : 0;
    size_t rest = total - (size_t)(p - out) - 34 - 4;
    wr16(p + 34, D6O_RELAY_MSG);
    wr16(p + 36, (uint16_t)rest);
    p += 38;
  }
  p[0] = DHCP6_SOLICIT, p[1] = p[2] = p[3] = 0;
  return total;
}

TEST(relay_rejects)
{
  static uint8_t r[4096];
  struct dhcp6_msg m, lv[DHCP6_RELAY_DEPTH_MAX + 1];
  int n;
  size_t len = raw_relays(r, sizeof r, DHCP6_RELAY_DEPTH_MAX, 7);
  T_EQ(dhcp6_parse(r, len, &m), WR_OK);
  T_EQ(dhcp6_parse_chain(r, len, lv, &n), WR_OK);
  T_EQ(n, DHCP6_RELAY_DEPTH_MAX + 1);
  len = raw_relays(r, sizeof r, DHCP6_RELAY_DEPTH_MAX + 1, 0);
  T_EQ(dhcp6_parse(r, len, &m), WR_DHCP6_RELAY_TOO_DEEP);
  T_EQ(dhcp6_parse_chain(r, len, lv, &n), WR_DHCP6_RELAY_TOO_DEEP);
  T_EQ(n, 0);
  len = raw_relays(r, sizeof r, 33, 0);
  T_EQ(dhcp6_parse(r, len, &m), WR_DHCP6_RELAY_TOO_DEEP);
  T_EQ(dhcp6_parse_chain(r, len, lv, &n), WR_DHCP6_RELAY_TOO_DEEP);
  /* the innermost 8 of those 33 are a valid chain */
  T_EQ(dhcp6_parse_chain(r + 25 * 38, len - 25 * 38, lv, &n), WR_OK);
  T_EQ(n, 9);
  len = raw_relays(r, sizeof r, 1, DHCP6_RELAY_DEPTH_MAX + 1);
  T_EQ(dhcp6_parse(r, len, &m), WR_DHCP6_RELAY_TOO_DEEP);
  /* a Relay-forw carrying a Relay-repl */
  len = raw_relays(r, sizeof r, 2, 1);
  r[38] = DHCP6_RELAY_REPL;
  T_EQ(dhcp6_parse(r, len, &m), WR_OK);
  T_EQ(dhcp6_parse_chain(r, len, lv, &n), WR_BAD_TYPE);
  T_EQ(n, 1);
  /* an inner client message that is broken: the chain stops at it */
  len = raw_relays(r, sizeof r, 2, 1);
  r[len - 4] = 99;
  T_EQ(dhcp6_parse_chain(r, len, lv, &n), WR_BAD_TYPE);
  T_EQ(n, 2);
  /* an inner message too short for a relay header */
  len = raw_relays(r, sizeof r, 1, 0);
  r[38] = DHCP6_RELAY_FORW;
  T_EQ(dhcp6_parse_chain(r, len, lv, &n), WR_TRUNCATED);
  T_EQ(n, 1);
  /* a RELAY_MSG one byte longer than the relay message */
  len = raw_relays(r, sizeof r, 1, 0);
  T_EQ(dhcp6_parse(r, len, &m), WR_OK);
  wr16(r + 36, (uint16_t)(rd16(r + 36) + 1));
  T_EQ(dhcp6_parse(r, len, &m), WR_OPT_TRUNCATED);
  T_EQ(dhcp6_parse_chain(r, len, lv, &n), WR_OPT_TRUNCATED);
  T_EQ(n, 0);
  /* the builder: hop count past the limit */
  struct dhcp6_builder b;
  struct in6_addr l = A("2001:db8::1");
  dhcp6_build_init(&b, buf, sizeof buf);
  dhcp6_build_relay_hdr(&b, DHCP6_RELAY_REPL, DHCP6_RELAY_DEPTH_MAX + 1, &l, &l);
  dhcp6_put_opt(&b, D6O_RELAY_MSG, "\7\0\0\1", 4);
  T_EQ(dhcp6_build_done(&b), 0);
}

TEST(domain_rejects)
{
  struct dhcp6_msg m;
  uint8_t o[600];
  const struct { const char *w; size_t n; enum wire_reason r; } c[] = {
    { "\7example\3com\0", 13, WR_OK },
    { "\7example\3com\0\3lab\0", 18, WR_OK },
    { "", 0, WR_OK },                                  /* an empty list */
    { "\7example\3com", 12, WR_DHCP6_BAD_DOMAIN },      /* unterminated */
    { "\7example\xc0\x0c", 10, WR_DHCP6_BAD_DOMAIN },   /* compression */
    { "\0", 1, WR_DHCP6_BAD_DOMAIN },                  /* the root alone */
    { "\7exa mpl\0", 9, WR_DHCP6_BAD_DOMAIN },          /* a space */
    { "\7exa\nmpl\0", 9, WR_DHCP6_BAD_DOMAIN },         /* a newline (resolv.conf injection) */
    { "\7exa.mpl\0", 9, WR_DHCP6_BAD_DOMAIN },          /* a dot inside a label */
    { "\10example\0", 10, WR_DHCP6_BAD_DOMAIN },        /* the label runs past the option */
  };
  for (size_t i = 0; i < sizeof c / sizeof c[0]; i++)
    T_EQ(parse_raw(DHCP6_REPLY, o, opt(o, D6O_DOMAIN_LIST, c[i].w, c[i].n), &m), c[i].r);
  /* label 63 ok, 64 not; name 255 ok, 256 not */
  uint8_t w[300];
  memset(w, 'a', sizeof w);
  w[0] = 63, w[64] = 0;
  T_EQ(parse_raw(DHCP6_REPLY, o, opt(o, D6O_DOMAIN_LIST, w, 65), &m), WR_OK);
  w[0] = 64, w[64] = 'a', w[65] = 0;
  T_EQ(parse_raw(DHCP6_REPLY, o, opt(o, D6O_DOMAIN_LIST, w, 66), &m), WR_DHCP6_BAD_DOMAIN);
  /* 4 labels of 63 = 256 octets, with the root 257: too long; 3x63 + 61: 255 */
  memset(w, 'a', sizeof w);
  for (int i = 0; i < 4; i++) w[i * 64] = 63;
  w[256] = 0;
  T_EQ(parse_raw(DHCP6_REPLY, o, opt(o, D6O_DOMAIN_LIST, w, 257), &m), WR_DHCP6_BAD_DOMAIN);
  w[192] = 61, w[254] = 0;
  T_EQ(parse_raw(DHCP6_REPLY, o, opt(o, D6O_DOMAIN_LIST, w, 255), &m), WR_OK);
  char name[300];
  size_t off = 0;
  T_CHECK(dhcp6_domain_next(m.domain_list, &off, name, 254));
  T_EQ(strlen(name), 253);
  off = 0;
  T_CHECK(!dhcp6_domain_next(m.domain_list, &off, name, 253));   /* no room: refused, not cut */
  T_EQ(off, 0);
  T_EQ(name[0], 0);
  /* the builder refuses what the parser refuses */
  struct dhcp6_builder b;
  const char *const bad[] = { "", ".", "a..b", "exa mple.com", "-ok-.x_y", NULL };
  for (int i = 0; i < 5; i++) {
    dhcp6_build_init(&b, buf, sizeof buf);
    dhcp6_build_hdr(&b, DHCP6_REPLY, 1);
    bool ok = dhcp6_put_domains(&b, &bad[i], 1);
    T_EQ(ok, i == 4);
    T_EQ(dhcp6_build_done(&b) != 0, i == 4);
  }
  char label64[80];
  memset(label64, 'x', 64);
  label64[64] = 0;
  const char *const l64[] = { label64 };
  dhcp6_build_init(&b, buf, sizeof buf);
  T_CHECK(!dhcp6_put_domains(&b, l64, 1));
}

TEST(s46_rejects)
{
  struct dhcp6_msg m;
  uint8_t o[256], c[128], rule[64] = { 0, 16, 24, 192, 0, 2, 0, 40, 0x20, 0x01, 0x0d, 0xb8, 0xab };
  size_t rl = 13;
  T_EQ(parse_raw(DHCP6_REPLY, o, opt(o, D6O_S46_CONT_MAPE, c, opt(c, D6O_S46_RULE, rule, rl)), &m), WR_OK);
  T_EQ(m.s46.n_rule, 1);
  T_EQ(parse_raw(DHCP6_REPLY, o, opt(o, D6O_S46_CONT_MAPE, c, opt(c, D6O_S46_RULE, rule, rl - 1)), &m),
       WR_BAD_OPT_LEN);
  T_EQ(parse_raw(DHCP6_REPLY, o, opt(o, D6O_S46_CONT_MAPE, c, opt(c, D6O_S46_RULE, rule, 7)), &m),
       WR_BAD_OPT_LEN);
  const struct { int at; uint8_t v; } bad[] = { { 1, 49 }, { 2, 33 }, { 7, 129 } };
  for (int i = 0; i < 3; i++) {
    uint8_t r2[64];
    memcpy(r2, rule, sizeof r2);
    r2[bad[i].at] = bad[i].v;
    T_EQ(parse_raw(DHCP6_REPLY, o, opt(o, D6O_S46_CONT_MAPT, c, opt(c, D6O_S46_RULE, r2, 40)), &m),
         WR_BAD_PREFIX_LEN);
  }
  /* PORTPARAMS: length 4 exactly, once */
  size_t k = rl + opt(rule + rl, D6O_S46_PORTPARAMS, "\0\6\0\1", 4);
  T_EQ(parse_raw(DHCP6_REPLY, o, opt(o, D6O_S46_CONT_MAPE, c, opt(c, D6O_S46_RULE, rule, k)), &m), WR_OK);
  T_CHECK(m.s46.rule[0].pp.present && m.s46.rule[0].pp.psid_len == 6);
  size_t k2 = k + opt(rule + k, D6O_S46_PORTPARAMS, "\0\6\0\1", 4);
  T_EQ(parse_raw(DHCP6_REPLY, o, opt(o, D6O_S46_CONT_MAPE, c, opt(c, D6O_S46_RULE, rule, k2)), &m), WR_DUP_OPT);
  k = rl + opt(rule + rl, D6O_S46_PORTPARAMS, "\0\6\0", 3);
  T_EQ(parse_raw(DHCP6_REPLY, o, opt(o, D6O_S46_CONT_MAPE, c, opt(c, D6O_S46_RULE, rule, k)), &m), WR_BAD_OPT_LEN);
  /* BR 16 exactly; DMR len + ceil(len/8); V4V6BIND */
  uint8_t z[40] = { 0 };
  T_EQ(parse_raw(DHCP6_REPLY, o, opt(o, D6O_S46_CONT_LW, c, opt(c, D6O_S46_BR, z, 15)), &m), WR_BAD_OPT_LEN);
  uint8_t dmr[17] = { 64 };
  T_EQ(parse_raw(DHCP6_REPLY, o, opt(o, D6O_S46_CONT_MAPT, c, opt(c, D6O_S46_DMR, dmr, 9)), &m), WR_OK);
  T_EQ(parse_raw(DHCP6_REPLY, o, opt(o, D6O_S46_CONT_MAPT, c, opt(c, D6O_S46_DMR, dmr, 10)), &m), WR_BAD_OPT_LEN);
  T_EQ(parse_raw(DHCP6_REPLY, o, opt(o, D6O_S46_CONT_MAPT, c, opt(c, D6O_S46_DMR, dmr, 0)), &m), WR_BAD_OPT_LEN);
  dmr[0] = 129;
  T_EQ(parse_raw(DHCP6_REPLY, o, opt(o, D6O_S46_CONT_MAPT, c, opt(c, D6O_S46_DMR, dmr, 17)), &m), WR_BAD_PREFIX_LEN);
  dmr[0] = 64;
  size_t d2 = opt(c, D6O_S46_DMR, dmr, 9);
  d2 += opt(c + d2, D6O_S46_DMR, dmr, 9);
  T_EQ(parse_raw(DHCP6_REPLY, o, opt(o, D6O_S46_CONT_MAPT, c, d2), &m), WR_DUP_OPT);
  uint8_t bind[32] = { 198, 51, 100, 1, 56, 0x20, 1, 0xd, 0xb8, 0, 0, 0x12 };
  T_EQ(parse_raw(DHCP6_REPLY, o, opt(o, D6O_S46_CONT_LW, c, opt(c, D6O_S46_V4V6BIND, bind, 12)), &m), WR_OK);
  T_EQ(m.s46.bind6_len, 56);
  T_EQ(parse_raw(DHCP6_REPLY, o, opt(o, D6O_S46_CONT_LW, c, opt(c, D6O_S46_V4V6BIND, bind, 11)), &m), WR_BAD_OPT_LEN);
  T_EQ(parse_raw(DHCP6_REPLY, o, opt(o, D6O_S46_CONT_LW, c, opt(c, D6O_S46_V4V6BIND, bind, 4)), &m), WR_BAD_OPT_LEN);
  bind[4] = 129;
  T_EQ(parse_raw(DHCP6_REPLY, o, opt(o, D6O_S46_CONT_LW, c, opt(c, D6O_S46_V4V6BIND, bind, 32)), &m), WR_BAD_PREFIX_LEN);
  /* a nested option overrunning its container by one byte */
  size_t cl = opt(c, D6O_S46_BR, z, 16);
  wr16(c + 2, 17);
  c[cl] = 0;
  T_EQ(parse_raw(DHCP6_REPLY, o, opt(o, D6O_S46_CONT_LW, c, cl), &m), WR_OPT_TRUNCATED);
  /* S46 options outside a container: ignored */
  T_EQ(parse_raw(DHCP6_REPLY, o, opt(o, D6O_S46_BR, z, 3), &m), WR_OK);
  T_EQ(m.n_ignored, 1);
  T_EQ(m.s46.type, 0);
}

/* RFC 9915 §16: what a server accepts from a client. */
TEST(role_client_msgs)
{
  struct dhcp6_msg m;
  const struct { uint8_t type; bool cid, sid, ia; enum wire_reason r; } c[] = {
    { DHCP6_SOLICIT, 1, 0, 1, WR_OK },
    { DHCP6_SOLICIT, 0, 0, 1, WR_DHCP6_MISSING_CLIENTID },
    { DHCP6_SOLICIT, 1, 1, 1, WR_DHCP6_UNEXPECTED_SERVERID },
    { DHCP6_REQUEST, 1, 1, 1, WR_OK },
    { DHCP6_REQUEST, 1, 0, 1, WR_DHCP6_MISSING_SERVERID },
    { DHCP6_REQUEST, 0, 1, 1, WR_DHCP6_MISSING_CLIENTID },
    { DHCP6_CONFIRM, 1, 0, 1, WR_OK },
    { DHCP6_CONFIRM, 1, 1, 1, WR_DHCP6_UNEXPECTED_SERVERID },
    { DHCP6_CONFIRM, 0, 0, 1, WR_DHCP6_MISSING_CLIENTID },
    { DHCP6_RENEW, 1, 1, 1, WR_OK },
    { DHCP6_RENEW, 1, 0, 1, WR_DHCP6_MISSING_SERVERID },
    { DHCP6_RENEW, 0, 1, 1, WR_DHCP6_MISSING_CLIENTID },
    { DHCP6_REBIND, 1, 0, 1, WR_OK },
    { DHCP6_REBIND, 1, 1, 1, WR_DHCP6_UNEXPECTED_SERVERID },
    { DHCP6_REBIND, 0, 0, 1, WR_DHCP6_MISSING_CLIENTID },
    { DHCP6_RELEASE, 1, 1, 1, WR_OK },
    { DHCP6_RELEASE, 1, 0, 1, WR_DHCP6_MISSING_SERVERID },
    { DHCP6_RELEASE, 0, 1, 1, WR_DHCP6_MISSING_CLIENTID },
    { DHCP6_DECLINE, 1, 1, 1, WR_OK },
    { DHCP6_DECLINE, 1, 0, 1, WR_DHCP6_MISSING_SERVERID },
    { DHCP6_DECLINE, 0, 1, 1, WR_DHCP6_MISSING_CLIENTID },
    { DHCP6_INFORMATION_REQUEST, 1, 0, 0, WR_OK },
    { DHCP6_INFORMATION_REQUEST, 0, 0, 0, WR_OK },
    { DHCP6_INFORMATION_REQUEST, 1, 1, 0, WR_OK },   /* the server compares the DUID */
    { DHCP6_INFORMATION_REQUEST, 1, 0, 1, WR_DHCP6_UNEXPECTED_IA },
    { DHCP6_ADVERTISE, 1, 1, 0, WR_BAD_TYPE },
    { DHCP6_REPLY, 1, 1, 0, WR_BAD_TYPE },
    { DHCP6_RECONFIGURE, 1, 1, 0, WR_BAD_TYPE },
    { DHCP6_RELAY_REPL, 0, 0, 0, WR_BAD_TYPE },
    { DHCP6_DHCPV4_RESPONSE, 0, 0, 0, WR_BAD_TYPE },
  };
  for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
    struct dhcp6_builder b;
    dhcp6_build_init(&b, buf, sizeof buf);
    if (c[i].type == DHCP6_RELAY_REPL) {
      struct in6_addr a = A("fe80::1");
      dhcp6_build_relay_hdr(&b, c[i].type, 0, &a, &a);
      dhcp6_put_opt(&b, D6O_RELAY_MSG, "\7\0\0\1", 4);
    } else {
      dhcp6_build_hdr(&b, c[i].type, 77);
    }
    if (c[i].cid) dhcp6_put_opt(&b, D6O_CLIENTID, duid_ll, sizeof duid_ll);
    if (c[i].sid) dhcp6_put_opt(&b, D6O_SERVERID, duid_en, sizeof duid_en);
    if (c[i].ia) {
      dhcp6_begin_ia(&b, i % 2 ? D6O_IA_PD : D6O_IA_NA, 1, 0, 0);
      dhcp6_end(&b);
    }
    T_EQ(finish(&b, &m), WR_OK);
    if (dhcp6_check_client_msg(&m) != c[i].r) {
      fprintf(stderr, "  case %zu (%s): %s\n", i, dhcp6_msg_name(c[i].type),
              wire_reason_str(dhcp6_check_client_msg(&m)));
      t_case_failed = 1;
    }
  }
}

/* RFC 9915 §16.3, §16.10, §16.11: what a client accepts from a server. */
TEST(role_server_msgs)
{
  struct dhcp6_msg m;
  const struct { uint8_t type; bool cid, sid; int reconf; bool auth; enum wire_reason r; } c[] = {
    { DHCP6_ADVERTISE, 1, 1, 0, 0, WR_OK },
    { DHCP6_ADVERTISE, 1, 0, 0, 0, WR_DHCP6_MISSING_SERVERID },
    { DHCP6_ADVERTISE, 0, 1, 0, 0, WR_DHCP6_MISSING_CLIENTID },
    { DHCP6_REPLY, 1, 1, 0, 0, WR_OK },
    { DHCP6_REPLY, 1, 0, 0, 0, WR_DHCP6_MISSING_SERVERID },
    { DHCP6_REPLY, 0, 1, 0, 0, WR_DHCP6_MISSING_CLIENTID },
    { DHCP6_RECONFIGURE, 1, 1, DHCP6_RENEW, 1, WR_OK },
    { DHCP6_RECONFIGURE, 1, 1, DHCP6_REBIND, 1, WR_OK },
    { DHCP6_RECONFIGURE, 1, 1, DHCP6_INFORMATION_REQUEST, 1, WR_OK },
    { DHCP6_RECONFIGURE, 1, 1, DHCP6_REQUEST, 1, WR_DHCP6_BAD_RECONF_MSG },
    { DHCP6_RECONFIGURE, 1, 1, 0, 1, WR_DHCP6_BAD_RECONF_MSG },      /* no RECONF_MSG */
    { DHCP6_RECONFIGURE, 1, 1, DHCP6_RENEW, 0, WR_DHCP6_MISSING_AUTH },
    { DHCP6_RECONFIGURE, 0, 1, DHCP6_RENEW, 1, WR_DHCP6_MISSING_CLIENTID },
    { DHCP6_RECONFIGURE, 1, 0, DHCP6_RENEW, 1, WR_DHCP6_MISSING_SERVERID },
    { DHCP6_SOLICIT, 1, 1, 0, 0, WR_BAD_TYPE },
    { DHCP6_REQUEST, 1, 1, 0, 0, WR_BAD_TYPE },
    { DHCP6_RELAY_FORW, 0, 0, 0, 0, WR_BAD_TYPE },
    { DHCP6_DHCPV4_QUERY, 0, 0, 0, 0, WR_BAD_TYPE },
  };
  for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
    struct dhcp6_builder b;
    dhcp6_build_init(&b, buf, sizeof buf);
    if (c[i].type == DHCP6_RELAY_FORW) {
      struct in6_addr a = A("fe80::1");
      dhcp6_build_relay_hdr(&b, c[i].type, 0, &a, &a);
      dhcp6_put_opt(&b, D6O_RELAY_MSG, "\1\0\0\1", 4);
    } else {
      dhcp6_build_hdr(&b, c[i].type, 0);
    }
    if (c[i].cid) dhcp6_put_opt(&b, D6O_CLIENTID, duid_ll, sizeof duid_ll);
    if (c[i].sid) dhcp6_put_opt(&b, D6O_SERVERID, duid_en, sizeof duid_en);
    if (c[i].reconf) dhcp6_put_u8(&b, D6O_RECONF_MSG, (uint8_t)c[i].reconf);
    if (c[i].auth) {
      uint8_t info[DHCP6_RKAP_INFO_LEN] = { DHCP6_RKAP_HMAC };
      dhcp6_put_auth(&b, DHCP6_AUTH_PROTO_RKAP, DHCP6_AUTH_ALG_HMAC_MD5, DHCP6_AUTH_RDM_MONOTONIC, 1,
                     info, sizeof info, NULL);
    }
    T_EQ(finish(&b, &m), WR_OK);
    if (dhcp6_check_server_msg(&m) != c[i].r) {
      fprintf(stderr, "  case %zu (%s): %s\n", i, dhcp6_msg_name(c[i].type),
              wire_reason_str(dhcp6_check_server_msg(&m)));
      t_case_failed = 1;
    }
  }
}

/* Every message type through the builder and back, with its name. */
TEST(every_msg_type)
{
  const struct { uint8_t t; const char *name; } c[] = {
    { DHCP6_SOLICIT, "SOLICIT" }, { DHCP6_ADVERTISE, "ADVERTISE" }, { DHCP6_REQUEST, "REQUEST" },
    { DHCP6_CONFIRM, "CONFIRM" }, { DHCP6_RENEW, "RENEW" }, { DHCP6_REBIND, "REBIND" },
    { DHCP6_REPLY, "REPLY" }, { DHCP6_RELEASE, "RELEASE" }, { DHCP6_DECLINE, "DECLINE" },
    { DHCP6_RECONFIGURE, "RECONFIGURE" }, { DHCP6_INFORMATION_REQUEST, "INFORMATION-REQUEST" },
    { DHCP6_RELAY_FORW, "RELAY-FORW" }, { DHCP6_RELAY_REPL, "RELAY-REPL" },
    { DHCP6_DHCPV4_QUERY, "DHCPV4-QUERY" }, { DHCP6_DHCPV4_RESPONSE, "DHCPV4-RESPONSE" },
  };
  struct dhcp6_msg m;
  struct in6_addr link = A("2001:db8:5::1"), peer = A("fe80::99");
  const uint8_t v4[] = { 1, 1, 6, 0, 0xde, 0xad };
  for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
    struct dhcp6_builder b;
    dhcp6_build_init(&b, buf, sizeof buf);
    bool relay = c[i].t == DHCP6_RELAY_FORW || c[i].t == DHCP6_RELAY_REPL;
    if (relay) {
      dhcp6_build_relay_hdr(&b, c[i].t, 3, &link, &peer);
      dhcp6_put_opt(&b, D6O_INTERFACE_ID, "ifid", 4);
      dhcp6_begin_opt(&b, D6O_RELAY_MSG);
      dhcp6_build_hdr(&b, c[i].t == DHCP6_RELAY_FORW ? DHCP6_RENEW : DHCP6_REPLY, 0x55aa55);
      dhcp6_end(&b);
    } else {
      dhcp6_build_hdr(&b, c[i].t, 0xfedcba);
      if (c[i].t >= DHCP6_DHCPV4_QUERY) dhcp6_put_opt(&b, D6O_DHCPV4_MSG, v4, sizeof v4);
    }
    T_EQ(finish(&b, &m), WR_OK);
    T_EQ(m.type, c[i].t);
    T_STREQ(dhcp6_msg_name(c[i].t), c[i].name);
    if (relay) {
      T_EQ(m.xid, 0);
      T_EQ(m.hop_count, 3);
      T_CHECK(in6_eq(&m.link_addr, &link) && in6_eq(&m.peer_addr, &peer));
      T_EQ(m.relay_msg.len, 4);
      T_EQ(m.relay_msg.p[2], 0xaa);
      T_EQ(m.interface_id.len, 4);
      T_EQ(m.n_unknown, 0);
    } else {
      T_EQ(m.xid, 0xfedcba);
    }
    if (c[i].t >= DHCP6_DHCPV4_QUERY) {
      T_EQ(m.dhcpv4_msg.len, sizeof v4);
      T_MEMEQ(m.dhcpv4_msg.p, v4, sizeof v4);
    }
  }
  T_STREQ(dhcp6_msg_name(0), "unknown");
  T_STREQ(dhcp6_msg_name(16), "unknown");
  T_STREQ(dhcp6_msg_name(255), "unknown");
  T_STREQ(dhcp6_status_name(D6S_SUCCESS), "Success");
  T_STREQ(dhcp6_status_name(D6S_NO_PREFIX_AVAIL), "NoPrefixAvail");
  T_STREQ(dhcp6_status_name(D6S_NOT_ON_LINK), "NotOnLink");
  T_STREQ(dhcp6_status_name(11), "unknown");
  T_STREQ(dhcp6_status_name(65535), "unknown");
  T_STREQ(wire_reason_str(WR_DHCP6_BAD_DUID), "bad_duid");
  T_STREQ(wire_reason_str(WR_DHCP6_MISSING_SERVERID), "missing_server_id");
}

/* The options not covered above: AUTH (with info_off), UNICAST, classes,
 * RECONF_MSG, DHCP4_O_DHCP6_SERVER, unknown ones and the generic walker. */
TEST(other_opts_and_walker)
{
  struct dhcp6_msg m;
  struct dhcp6_builder b = start(DHCP6_REPLY, 3, true);
  uint8_t key[DHCP6_RKAP_INFO_LEN] = { DHCP6_RKAP_KEY, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };
  size_t info_off = 0;
  dhcp6_put_auth(&b, DHCP6_AUTH_PROTO_RKAP, DHCP6_AUTH_ALG_HMAC_MD5, DHCP6_AUTH_RDM_MONOTONIC,
                 0x0102030405060708ull, key, sizeof key, &info_off);
  struct in6_addr u = A("2001:db8::547");
  dhcp6_put_opt(&b, D6O_UNICAST, &u, 16);
  dhcp6_put_opt(&b, D6O_USER_CLASS, "\0\2ab", 4);
  dhcp6_put_opt(&b, D6O_VENDOR_CLASS, "\0\0\0\11\0\1x", 7);
  dhcp6_put_opt(&b, D6O_VENDOR_CLASS, "\0\0\0\12", 4);   /* a second enterprise: ignored */
  dhcp6_put_opt(&b, D6O_VENDOR_OPTS, "\0\0\0\11", 4);
  dhcp6_put_u8(&b, D6O_RECONF_MSG, DHCP6_RENEW);
  struct in6_addr s4 = A("2001:db8::4");
  dhcp6_put_addrs(&b, D6O_DHCP4_O_DHCP6_SERVER, &s4, 1);
  dhcp6_put_opt(&b, 4242, "xyz", 3);
  dhcp6_put_opt(&b, 37, "", 0);   /* remote-id, unknown here */
  size_t n = dhcp6_build_done(&b);
  T_EQ(dhcp6_parse(buf, n, &m), WR_OK);
  T_CHECK(m.auth.present);
  T_EQ(m.auth.protocol, DHCP6_AUTH_PROTO_RKAP);
  T_EQ(m.auth.algorithm, DHCP6_AUTH_ALG_HMAC_MD5);
  T_EQ(m.auth.rdm, 0);
  T_CHECK(m.auth.replay == 0x0102030405060708ull);
  T_EQ(m.auth.info.len, sizeof key);
  T_MEMEQ(m.auth.info.p, key, sizeof key);
  T_EQ(m.auth.info_off, info_off);
  T_CHECK(buf + info_off == m.auth.info.p);
  T_CHECK(m.has_unicast && in6_eq(&m.unicast, &u));
  T_EQ(m.user_class.len, 4);
  T_EQ(m.vendor_class.len, 7);
  T_EQ(m.vendor_opts.len, 4);
  T_CHECK(m.has_reconf_msg && m.reconf_msg == DHCP6_RENEW);
  T_EQ(m.n_unknown, 2);
  T_EQ(m.n_ignored, 1);
  /* the walker sees every option, in order, the unknown ones included */
  size_t off = 0;
  uint16_t code;
  struct dhcp6_bytes body;
  int count = 0;
  bool saw4242 = false;
  while (dhcp6_opt_next(m.opts, m.opts_len, &off, &code, &body)) {
    count++;
    if (code == 4242) saw4242 = body.len == 3 && !memcmp(body.p, "xyz", 3);
  }
  T_EQ(count, 12);
  T_CHECK(saw4242);
  T_EQ(off, m.opts_len);
  off = 0;
  T_CHECK(!dhcp6_opt_next(m.opts, 3, &off, &code, &body));   /* a cut header: the end */
  T_CHECK(!dhcp6_opt_next(NULL, 0, &off, &code, &body));
}

/* More than the caps hold: validated, then counted in n_ignored. */
TEST(caps)
{
  struct dhcp6_msg m;
  struct dhcp6_builder b = start(DHCP6_REPLY, 3, true);
  struct in6_addr a = A("2001:db8::1");
  for (int i = 0; i < DHCP6_MAX_IA + 2; i++) {
    dhcp6_begin_ia(&b, D6O_IA_NA, (uint32_t)i, 0, 0);
    for (int k = 0; k < DHCP6_MAX_IA_ITEMS + 1; k++) {
      a.s6_addr[15] = (uint8_t)k;
      dhcp6_begin_iaaddr(&b, &a, 1, 2);
      dhcp6_end(&b);
    }
    dhcp6_end(&b);
  }
  uint16_t oro[DHCP6_MAX_ORO + 3];
  for (int i = 0; i < DHCP6_MAX_ORO + 3; i++) oro[i] = (uint16_t)(100 + i);
  dhcp6_put_oro(&b, oro, DHCP6_MAX_ORO + 3);
  struct in6_addr dns[DHCP6_MAX_DNS + 1];
  for (int i = 0; i <= DHCP6_MAX_DNS; i++) dns[i] = a;
  dhcp6_put_addrs(&b, D6O_DNS_SERVERS, dns, DHCP6_MAX_DNS + 1);
  struct dhcp6_s46_rule r = { .prefix4_len = 8, .prefix6_len = 32 };
  dhcp6_begin_opt(&b, D6O_S46_CONT_MAPE);
  for (int i = 0; i < DHCP6_MAX_S46_RULES + 1; i++) dhcp6_put_s46_rule(&b, &r);
  dhcp6_put_addrs(&b, D6O_S46_BR, &a, 1);
  dhcp6_end(&b);
  dhcp6_begin_opt(&b, D6O_S46_CONT_LW);   /* a second container: validated, ignored */
  dhcp6_put_addrs(&b, D6O_S46_BR, &a, 1);
  dhcp6_end(&b);
  T_EQ(finish(&b, &m), WR_OK);
  T_EQ(m.n_ia, DHCP6_MAX_IA);
  T_EQ(m.ia[DHCP6_MAX_IA - 1].iaid, DHCP6_MAX_IA - 1);
  T_EQ(m.ia[0].n_item, DHCP6_MAX_IA_ITEMS);
  T_EQ(m.n_oro, DHCP6_MAX_ORO);
  T_EQ(m.oro[DHCP6_MAX_ORO - 1], 100 + DHCP6_MAX_ORO - 1);
  T_EQ(m.n_dns, DHCP6_MAX_DNS);
  T_EQ(m.s46.type, D6O_S46_CONT_MAPE);
  T_EQ(m.s46.n_rule, DHCP6_MAX_S46_RULES);
  /* ignored: 2 IAs, 1 item in each of the 8 kept IAs (and in the 2 dropped ones), 3 ORO codes,
   * 1 DNS server, 1 rule, 1 container */
  T_EQ(m.n_ignored, 2 + (DHCP6_MAX_IA + 2) + 3 + 1 + 1 + 1);
  /* a broken item in an IA past the cap still rejects the message */
  b = start(DHCP6_REPLY, 3, true);
  for (int i = 0; i < DHCP6_MAX_IA + 1; i++) {
    dhcp6_begin_ia(&b, D6O_IA_PD, (uint32_t)i, 0, 0);
    dhcp6_end(&b);
  }
  size_t n = dhcp6_build_done(&b);
  uint8_t bad[] = { 0, D6O_IA_PD, 0, 12 + 4 + 25, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0, 0,
                    0, D6O_IAPREFIX, 0, 25, 0, 0, 0, 0, 0, 0, 0, 0, 200 };
  memcpy(buf + n, bad, sizeof bad);
  memset(buf + n + sizeof bad, 0, 16);
  T_EQ(dhcp6_parse(buf, n + sizeof bad + 16, &m), WR_BAD_PREFIX_LEN);
}

/* The builder: overflow and nesting errors make the result unusable. */
TEST(builder_errors)
{
  uint8_t small[16];
  struct dhcp6_builder b;
  dhcp6_build_init(&b, small, sizeof small);
  dhcp6_build_hdr(&b, DHCP6_SOLICIT, 1);
  dhcp6_put_opt(&b, D6O_CLIENTID, duid_ll, sizeof duid_ll);   /* 4 + 14 > 16 */
  T_CHECK(b.err);
  T_EQ(dhcp6_build_done(&b), 0);
  size_t at_err = b.len;
  dhcp6_put_u16(&b, D6O_ELAPSED_TIME, 0);   /* a no-op after the error */
  T_EQ(b.len, at_err);
  /* exactly full is fine */
  dhcp6_build_init(&b, small, 10);
  dhcp6_build_hdr(&b, DHCP6_SOLICIT, 1);
  dhcp6_put_u16(&b, D6O_ELAPSED_TIME, 7);
  T_EQ(dhcp6_build_done(&b), 10);
  /* an end without a begin, a begin without an end */
  dhcp6_build_init(&b, buf, sizeof buf);
  dhcp6_build_hdr(&b, DHCP6_SOLICIT, 1);
  dhcp6_end(&b);
  T_EQ(dhcp6_build_done(&b), 0);
  dhcp6_build_init(&b, buf, sizeof buf);
  dhcp6_build_hdr(&b, DHCP6_SOLICIT, 1);
  dhcp6_begin_ia(&b, D6O_IA_NA, 1, 0, 0);
  T_EQ(dhcp6_build_done(&b), 0);
  T_CHECK(!b.err);
  dhcp6_end(&b);
  T_EQ(dhcp6_build_done(&b), 4 + 16);
  /* deeper than DHCP6_BUILDER_DEPTH */
  dhcp6_build_init(&b, buf, sizeof buf);
  dhcp6_build_hdr(&b, DHCP6_REPLY, 1);
  for (int i = 0; i <= DHCP6_BUILDER_DEPTH; i++) dhcp6_begin_opt(&b, D6O_S46_CONT_LW);
  T_CHECK(b.err);
  /* an option body over 65535 */
  static uint8_t huge[70000], body[65536];
  dhcp6_build_init(&b, huge, sizeof huge);
  dhcp6_build_hdr(&b, DHCP6_REPLY, 1);
  dhcp6_put_opt(&b, 999, body, 65536);
  T_EQ(dhcp6_build_done(&b), 0);
  dhcp6_build_init(&b, huge, sizeof huge);
  dhcp6_begin_opt(&b, D6O_RELAY_MSG);
  dhcp6_put_opt(&b, 999, body, 65532);
  dhcp6_end(&b);
  T_EQ(dhcp6_build_done(&b), 0);
  /* NULL buffer */
  dhcp6_build_init(&b, NULL, 100);
  dhcp6_build_hdr(&b, DHCP6_REPLY, 1);
  T_EQ(dhcp6_build_done(&b), 0);
  /* a status with a counted text (NUL inside) */
  dhcp6_build_init(&b, buf, sizeof buf);
  dhcp6_build_hdr(&b, DHCP6_REPLY, 1);
  dhcp6_put_status_len(&b, D6S_NO_BINDING, "a\0b", 3);
  struct dhcp6_msg m;
  T_EQ(finish(&b, &m), WR_OK);
  T_EQ(m.status.code, D6S_NO_BINDING);
  T_EQ(m.status.text.len, 3);
  T_MEMEQ(m.status.text.p, "a\0b", 3);
}


/* ------------------------------------------------------------ RFC 5007, RFC 4704, DSTM */

TEST(lq_roundtrip)
{
  struct dhcp6_msg m;
  struct in6_addr link = A("2001:db8:1::1"), key = A("::ffff:192.0.2.7");
  struct dhcp6_builder b;
  dhcp6_build_init(&b, buf, sizeof buf);
  dhcp6_build_hdr(&b, DHCP6_LEASEQUERY, 0x414243);
  dhcp6_put_opt(&b, D6O_CLIENTID, duid_ll, sizeof duid_ll);
  dhcp6_put_lq_by_addr(&b, &link, &key);
  T_EQ(finish(&b, &m), WR_OK);
  T_EQ(m.type, DHCP6_LEASEQUERY);
  T_STREQ(dhcp6_msg_name(m.type), "LEASEQUERY");
  T_CHECK(m.lq.present && m.lq.type == DHCP6_LQ_BY_ADDRESS && m.lq.has_addr);
  T_MEMEQ(&m.lq.link_addr, &link, 16);
  T_MEMEQ(&m.lq.addr, &key, 16);
  T_CHECK(m.lq.clientid.p == NULL);
  T_EQ(m.n_ia, 0);   /* the query's IAADDR is no IA of the message */

  /* the reply: client data with two addresses, the client-last-transaction time and an S46_BR */
  struct in6_addr v6 = A("2001:db8:1::100"), tep = A("2001:db8:ffff::1");
  dhcp6_build_init(&b, buf, sizeof buf);
  dhcp6_build_hdr(&b, DHCP6_LEASEQUERY_REPLY, 0x414243);
  dhcp6_put_opt(&b, D6O_SERVERID, duid_llt, sizeof duid_llt);
  dhcp6_put_opt(&b, D6O_CLIENTID, duid_ll, sizeof duid_ll);
  dhcp6_begin_opt(&b, D6O_CLIENT_DATA);
  dhcp6_put_opt(&b, D6O_CLIENTID, duid_en, sizeof duid_en);
  dhcp6_begin_iaaddr(&b, &key, 100, 200);
  dhcp6_end(&b);
  dhcp6_begin_iaaddr(&b, &v6, 300, 400);
  dhcp6_end(&b);
  dhcp6_put_u32(&b, D6O_CLT_TIME, 42);
  dhcp6_put_addrs(&b, D6O_S46_BR, &tep, 1);
  dhcp6_end(&b);
  T_EQ(finish(&b, &m), WR_OK);
  T_STREQ(dhcp6_msg_name(m.type), "LEASEQUERY-REPLY");
  T_CHECK(m.cdata.present && m.cdata.has_clt_time && m.cdata.clt_time == 42);
  T_EQ(m.cdata.clientid.type, DUID_EN);
  T_MEMEQ(m.cdata.clientid.p, duid_en, sizeof duid_en);
  T_EQ(m.cdata.n_item, 2);
  T_MEMEQ(&m.cdata.item[0].addr, &key, 16);
  T_EQ(m.cdata.item[0].valid, 200);
  T_MEMEQ(&m.cdata.item[1].addr, &v6, 16);
  T_EQ(m.n_ia, 0);
  /* the S46_BR through the body */
  size_t off = 0;
  uint16_t code;
  struct dhcp6_bytes body;
  bool br = false;
  while (dhcp6_opt_next(m.cdata.body.p, m.cdata.body.len, &off, &code, &body))
    if (code == D6O_S46_BR && body.len == 16 && !memcmp(body.p, &tep, 16)) br = true;
  T_CHECK(br);

  /* BY_CLIENTID, and a query type the parser does not know (the server's job) */
  uint8_t q[64] = { DHCP6_LQ_BY_CLIENTID }, o[128];
  size_t ql = 17 + opt(q + 17, D6O_CLIENTID, duid_llt, sizeof duid_llt);
  T_EQ(parse_raw(DHCP6_LEASEQUERY, o, opt(o, D6O_LQ_QUERY, q, ql), &m), WR_OK);
  T_CHECK(m.lq.type == DHCP6_LQ_BY_CLIENTID && !m.lq.has_addr && m.lq.clientid.type == DUID_LLT);
  q[0] = 77;
  T_EQ(parse_raw(DHCP6_LEASEQUERY, o, opt(o, D6O_LQ_QUERY, q, 17), &m), WR_OK);
  T_EQ(m.lq.type, 77);
  T_STREQ(dhcp6_status_name(D6S_NOT_CONFIGURED), "NotConfigured");
  T_STREQ(dhcp6_status_name(D6S_NOT_ALLOWED), "NotAllowed");
  T_STREQ(dhcp6_status_name(D6S_UNKNOWN_QUERY_TYPE), "UnknownQueryType");
  T_STREQ(dhcp6_status_name(D6S_MALFORMED_QUERY), "MalformedQuery");
}

TEST(lq_rejects)
{
  struct dhcp6_msg m;
  uint8_t q[128] = { DHCP6_LQ_BY_ADDRESS }, o[512], ia[24] = { 0x20, 1, 0xd, 0xb8 };
  /* a LEASEQUERY must carry the query; the query's fixed part is 17 octets */
  T_EQ(parse_raw(DHCP6_LEASEQUERY, duid_ll, 0, &m), WR_DHCP6_BAD_LQ);
  T_EQ(parse_raw(DHCP6_LEASEQUERY, o, opt(o, D6O_LQ_QUERY, q, 16), &m), WR_DHCP6_BAD_LQ);
  T_EQ(parse_raw(DHCP6_LEASEQUERY, o, opt(o, D6O_LQ_QUERY, q, 0), &m), WR_DHCP6_BAD_LQ);
  /* twice */
  size_t n = opt(o, D6O_LQ_QUERY, q, 17);
  n += opt(o + n, D6O_LQ_QUERY, q, 17);
  T_EQ(parse_raw(DHCP6_LEASEQUERY, o, n, &m), WR_DUP_OPT);
  /* the IAADDR: its own length rules; once */
  size_t ql = 17 + opt(q + 17, D6O_IAADDR, ia, 23);
  T_EQ(parse_raw(DHCP6_LEASEQUERY, o, opt(o, D6O_LQ_QUERY, q, ql), &m), WR_BAD_OPT_LEN);
  ql = 17 + opt(q + 17, D6O_IAADDR, ia, 24);
  T_EQ(parse_raw(DHCP6_LEASEQUERY, o, opt(o, D6O_LQ_QUERY, q, ql), &m), WR_OK);
  size_t ql2 = ql + opt(q + ql, D6O_IAADDR, ia, 24);
  T_EQ(parse_raw(DHCP6_LEASEQUERY, o, opt(o, D6O_LQ_QUERY, q, ql2), &m), WR_DUP_OPT);
  /* a nested option lying about its length (one byte past the query) */
  wr16(q + 17 + 2, 25);
  q[ql] = 0;
  T_EQ(parse_raw(DHCP6_LEASEQUERY, o, opt(o, D6O_LQ_QUERY, q, ql), &m), WR_OPT_TRUNCATED);
  /* a bad DUID in the query */
  ql = 17 + opt(q + 17, D6O_CLIENTID, "\0\0\1", 3);
  T_EQ(parse_raw(DHCP6_LEASEQUERY, o, opt(o, D6O_LQ_QUERY, q, ql), &m), WR_DHCP6_BAD_DUID);
  /* CLIENT_DATA: CLT_TIME 4 octets, once; CLIENTID once; S46_BR 16; nested containers walked */
  uint8_t c[400];
  T_EQ(parse_raw(DHCP6_LEASEQUERY_REPLY, o, opt(o, D6O_CLIENT_DATA, c, opt(c, D6O_CLT_TIME, "\0\0\1", 3)), &m),
       WR_BAD_OPT_LEN);
  size_t cl = opt(c, D6O_CLT_TIME, "\0\0\0\1", 4);
  cl += opt(c + cl, D6O_CLT_TIME, "\0\0\0\1", 4);
  T_EQ(parse_raw(DHCP6_LEASEQUERY_REPLY, o, opt(o, D6O_CLIENT_DATA, c, cl), &m), WR_DUP_OPT);
  cl = opt(c, D6O_CLIENTID, duid_ll, sizeof duid_ll);
  cl += opt(c + cl, D6O_CLIENTID, duid_ll, sizeof duid_ll);
  T_EQ(parse_raw(DHCP6_LEASEQUERY_REPLY, o, opt(o, D6O_CLIENT_DATA, c, cl), &m), WR_DUP_OPT);
  T_EQ(parse_raw(DHCP6_LEASEQUERY_REPLY, o, opt(o, D6O_CLIENT_DATA, c, opt(c, D6O_S46_BR, ia, 15)), &m),
       WR_BAD_OPT_LEN);
  uint8_t lw[64];
  size_t lwl = opt(lw, D6O_S46_BR, ia, 17);
  T_EQ(parse_raw(DHCP6_LEASEQUERY_REPLY, o, opt(o, D6O_CLIENT_DATA, c, opt(c, D6O_S46_CONT_LW, lw, lwl)), &m),
       WR_BAD_OPT_LEN);
  T_EQ(parse_raw(DHCP6_LEASEQUERY_REPLY, o, opt(o, D6O_CLIENT_DATA, c, opt(c, D6O_IAADDR, ia, 20)), &m),
       WR_BAD_OPT_LEN);
  cl = opt(c, D6O_IAADDR, ia, 24);
  wr16(c + 2, 25);
  c[cl] = 0;
  T_EQ(parse_raw(DHCP6_LEASEQUERY_REPLY, o, opt(o, D6O_CLIENT_DATA, c, cl), &m), WR_OPT_TRUNCATED);
  /* a second CLIENT_DATA: validated, then ignored; more items than the cap: ignored */
  cl = 0;
  for (int i = 0; i < DHCP6_MAX_IA_ITEMS + 2; i++) cl += opt(c + cl, D6O_IAADDR, ia, 24);
  n = opt(o, D6O_CLIENT_DATA, c, cl);
  size_t n1 = n;
  n += opt(o + n, D6O_CLIENT_DATA, c, 24 + 4);
  T_EQ(parse_raw(DHCP6_LEASEQUERY_REPLY, o, n, &m), WR_OK);
  T_EQ(m.cdata.n_item, DHCP6_MAX_IA_ITEMS);
  T_EQ(m.n_ignored, 2 + 1);
  T_EQ(m.cdata.body.len, n1 - 4);
  /* CLT_TIME outside client data: ignored */
  T_EQ(parse_raw(DHCP6_REPLY, o, opt(o, D6O_CLT_TIME, "\0\0\0\1", 4), &m), WR_OK);
  T_EQ(m.n_ignored, 1);
}

TEST(fqdn)
{
  struct dhcp6_msg m;
  uint8_t o[512], f[300];
  const uint8_t full[] = { 0x01, 4, 'h', 'o', 's', 't', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 4, 't', 'e', 's', 't', 0 };
  T_EQ(parse_raw(DHCP6_SOLICIT, o, opt(o, D6O_CLIENT_FQDN, full, sizeof full), &m), WR_OK);
  T_EQ(m.fqdn.len, sizeof full);
  T_MEMEQ(m.fqdn.p, full, sizeof full);
  /* partial (no root label), empty (the server picks), flags only */
  T_EQ(parse_raw(DHCP6_SOLICIT, o, opt(o, D6O_CLIENT_FQDN, full, 6), &m), WR_OK);
  T_EQ(parse_raw(DHCP6_SOLICIT, o, opt(o, D6O_CLIENT_FQDN, full, 1), &m), WR_OK);
  T_EQ(parse_raw(DHCP6_SOLICIT, o, opt(o, D6O_CLIENT_FQDN, full, 0), &m), WR_BAD_OPT_LEN);
  /* MBZ flags, N with S */
  memcpy(f, full, sizeof full);
  f[0] = 0x08;
  T_EQ(parse_raw(DHCP6_SOLICIT, o, opt(o, D6O_CLIENT_FQDN, f, sizeof full), &m), WR_DHCP6_BAD_DOMAIN);
  f[0] = 0x05;
  T_EQ(parse_raw(DHCP6_SOLICIT, o, opt(o, D6O_CLIENT_FQDN, f, sizeof full), &m), WR_DHCP6_BAD_DOMAIN);
  f[0] = 0x04;
  T_EQ(parse_raw(DHCP6_SOLICIT, o, opt(o, D6O_CLIENT_FQDN, f, sizeof full), &m), WR_OK);
  /* a label running past the option; the root alone; bytes after the root; a compression pointer; a bad char */
  T_EQ(parse_raw(DHCP6_SOLICIT, o, opt(o, D6O_CLIENT_FQDN, full, 5), &m), WR_DHCP6_BAD_DOMAIN);
  T_EQ(parse_raw(DHCP6_SOLICIT, o, opt(o, D6O_CLIENT_FQDN, "\0\0", 2), &m), WR_DHCP6_BAD_DOMAIN);
  f[0] = 0;
  f[sizeof full] = 1;
  T_EQ(parse_raw(DHCP6_SOLICIT, o, opt(o, D6O_CLIENT_FQDN, f, sizeof full + 1), &m), WR_DHCP6_BAD_DOMAIN);
  T_EQ(parse_raw(DHCP6_SOLICIT, o, opt(o, D6O_CLIENT_FQDN, "\0\xc0\x0c", 3), &m), WR_DHCP6_BAD_DOMAIN);
  f[3] = ' ';
  T_EQ(parse_raw(DHCP6_SOLICIT, o, opt(o, D6O_CLIENT_FQDN, f, sizeof full), &m), WR_DHCP6_BAD_DOMAIN);
  /* 255 octets of name at most */
  f[0] = 0;
  size_t k = 1;
  while (k + 64 <= 1 + 256) { f[k] = 63; memset(f + k + 1, 'a', 63); k += 64; }
  T_EQ(k, 257);
  T_EQ(parse_raw(DHCP6_SOLICIT, o, opt(o, D6O_CLIENT_FQDN, f, k), &m), WR_DHCP6_BAD_DOMAIN);
  f[k - 64] = 62;   /* the last label one shorter, the name 255 octets, partial */
  T_EQ(parse_raw(DHCP6_SOLICIT, o, opt(o, D6O_CLIENT_FQDN, f, k - 1), &m), WR_OK);
  /* twice */
  size_t n = opt(o, D6O_CLIENT_FQDN, full, sizeof full);
  n += opt(o + n, D6O_CLIENT_FQDN, full, sizeof full);
  T_EQ(parse_raw(DHCP6_SOLICIT, o, n, &m), WR_DUP_OPT);
}

#define DSTM_CODE 65001
TEST(dstm_extension)
{
  struct dhcp6_msg m;
  bool found, has_tep;
  struct in6_addr tep = A("2001:db8:ffff::1"), got;
  uint32_t iaid;
  /* client: an IPv6 IA_NA, then the extension and its IA_NA (IAADDR IPv4-mapped) */
  struct dhcp6_builder b = start(DHCP6_REQUEST, 1, true);
  dhcp6_begin_ia(&b, D6O_IA_NA, 1, 0, 0);
  dhcp6_end(&b);
  dhcp6_put_dstm(&b, DSTM_CODE, NULL);
  dhcp6_begin_ia(&b, D6O_IA_NA, 0x44, 0, 0);
  struct in6_addr v4m = A("::ffff:192.0.2.9");
  dhcp6_begin_iaaddr(&b, &v4m, 0, 0);
  dhcp6_end(&b);
  dhcp6_end(&b);
  T_EQ(finish(&b, &m), WR_OK);
  T_EQ(m.n_ia, 2);
  T_EQ(m.n_unknown, 1);
  T_EQ(dhcp6_dstm_find(&m, DSTM_CODE, &found, &has_tep, &got, &iaid), WR_OK);
  T_CHECK(found && !has_tep);
  T_EQ(iaid, 0x44);
  T_EQ(m.ia[1].iaid, 0x44);
  T_MEMEQ(&m.ia[1].item[0].addr, &v4m, 16);
  /* not there: another code */
  T_EQ(dhcp6_dstm_find(&m, DSTM_CODE + 1, &found, &has_tep, &got, &iaid), WR_OK);
  T_CHECK(!found);
  /* server: with the TEP */
  b = start(DHCP6_REPLY, 1, true);
  dhcp6_put_dstm(&b, DSTM_CODE, &tep);
  dhcp6_begin_ia(&b, D6O_IA_NA, 7, 10, 20);
  dhcp6_end(&b);
  T_EQ(finish(&b, &m), WR_OK);
  T_EQ(dhcp6_dstm_find(&m, DSTM_CODE, &found, &has_tep, &got, &iaid), WR_OK);
  T_CHECK(found && has_tep);
  T_MEMEQ(&got, &tep, 16);
  T_EQ(iaid, 7);
}

TEST(dstm_rejects)
{
  struct dhcp6_msg m;
  bool found, has_tep;
  struct in6_addr tep;
  uint32_t iaid;
  uint8_t o[256], ia[12] = { 0, 0, 0, 9 }, z[16] = { 0 };
  /* body 7 octets (and 15, 17) */
  static const size_t bad[] = { 7, 15, 17, 1 };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    size_t n = opt(o, DSTM_CODE, z, bad[i] > 16 ? 16 : bad[i]);
    if (bad[i] > 16) { wr16(o + 2, 17); o[n++] = 0; }
    n += opt(o + n, D6O_IA_NA, ia, 12);
    T_EQ(parse_raw(DHCP6_SOLICIT, o, n, &m), WR_OK);
    T_EQ(dhcp6_dstm_find(&m, DSTM_CODE, &found, &has_tep, &tep, &iaid), WR_BAD_OPT_LEN);
  }
  /* nothing after it; an IA_PD after it; an IA_NA not right after it */
  size_t n = opt(o, D6O_IA_NA, ia, 12);
  n += opt(o + n, DSTM_CODE, z, 0);
  T_EQ(parse_raw(DHCP6_SOLICIT, o, n, &m), WR_OK);
  T_EQ(dhcp6_dstm_find(&m, DSTM_CODE, &found, &has_tep, &tep, &iaid), WR_DHCP6_DSTM_NO_IA);
  n = opt(o, DSTM_CODE, z, 0);
  n += opt(o + n, D6O_IA_PD, ia, 12);
  T_EQ(parse_raw(DHCP6_SOLICIT, o, n, &m), WR_OK);
  T_EQ(dhcp6_dstm_find(&m, DSTM_CODE, &found, &has_tep, &tep, &iaid), WR_DHCP6_DSTM_NO_IA);
  n = opt(o, DSTM_CODE, z, 0);
  n += opt(o + n, D6O_ELAPSED_TIME, "\0\0", 2);
  n += opt(o + n, D6O_IA_NA, ia, 12);
  T_EQ(parse_raw(DHCP6_SOLICIT, o, n, &m), WR_OK);
  T_EQ(dhcp6_dstm_find(&m, DSTM_CODE, &found, &has_tep, &tep, &iaid), WR_DHCP6_DSTM_NO_IA);
  /* twice */
  n = opt(o, DSTM_CODE, z, 0);
  n += opt(o + n, D6O_IA_NA, ia, 12);
  ia[3] = 10;
  n += opt(o + n, DSTM_CODE, z, 16);
  n += opt(o + n, D6O_IA_NA, ia, 12);
  T_EQ(parse_raw(DHCP6_SOLICIT, o, n, &m), WR_OK);
  T_EQ(dhcp6_dstm_find(&m, DSTM_CODE, &found, &has_tep, &tep, &iaid), WR_DHCP6_DSTM_TWICE);
}

int main(void)
{
  RUN(solicit_roundtrip);
  RUN(reply_roundtrip);
  RUN(relay_nesting);
  RUN(duid_types);
  RUN(s46_roundtrip);
  RUN(header_rejects);
  RUN(framing_rejects);
  RUN(opt_len_rejects);
  RUN(prefix_len_rejects);
  RUN(duid_rejects);
  RUN(dup_rejects);
  RUN(relay_rejects);
  RUN(domain_rejects);
  RUN(s46_rejects);
  RUN(role_client_msgs);
  RUN(role_server_msgs);
  RUN(every_msg_type);
  RUN(other_opts_and_walker);
  RUN(caps);
  RUN(builder_errors);
  RUN(lq_roundtrip);
  RUN(lq_rejects);
  RUN(fqdn);
  RUN(dstm_extension);
  RUN(dstm_rejects);
  return t_done();
}
