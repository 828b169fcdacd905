/* Neighbor Discovery messages and options (RFC 4861, 4191, 8106). */
#include <arpa/inet.h>
#include "../lib/t.h"
#include "wire/bytes.h"
#include "wire/icmp6.h"
#include "wire/ip6.h"
#include "wire/nd6.h"

static struct in6_addr A(const char *s)
{
  struct in6_addr a;
  if (inet_pton(AF_INET6, s, &a) != 1) abort();
  return a;
}

static const uint8_t mac[6] = { 0x02, 0x11, 0x22, 0x33, 0x44, 0x55 };

TEST(ns_na_rs_roundtrip)
{
  uint8_t b[128];
  struct in6_addr t = A("2001:db8::42");
  struct nd_ns ns;
  T_EQ(nd_ns_emit(b, 31, &t, mac, 6), 0);
  T_EQ(nd_ns_emit(b, sizeof b, &t, NULL, 0), 24);     /* DAD: no SLLA */
  T_EQ(nd_ns_parse(b, 24, &ns), WR_OK);
  T_CHECK(in6_eq(&ns.target, &t));
  T_CHECK(ns.opts.slla == NULL);
  T_EQ(nd_ns_emit(b, sizeof b, &t, mac, 6), 32);
  T_EQ(nd_ns_parse(b, 32, &ns), WR_OK);
  T_MEMEQ(ns.opts.slla, mac, 6);
  T_EQ(ns.opts.slla_len, 6);

  struct nd_na na;
  T_EQ(nd_na_emit(b, sizeof b, true, true, false, &t, mac, 6), 32);
  T_EQ(b[4], 0xc0);
  T_EQ(nd_na_parse(b, 32, &na), WR_OK);
  T_CHECK(na.router && na.solicited && !na.override);
  T_CHECK(in6_eq(&na.target, &t));
  T_MEMEQ(na.opts.tlla, mac, 6);
  T_EQ(nd_na_emit(b, sizeof b, false, false, true, &t, NULL, 0), 24);
  T_EQ(nd_na_parse(b, 24, &na), WR_OK);
  T_CHECK(!na.router && !na.solicited && na.override && !na.opts.tlla);

  /* An IPv4 link-layer address (4 bytes, tunnels) still pads to 8. */
  struct nd_rs rs;
  const uint8_t v4[4] = { 192, 0, 2, 1 };
  T_EQ(nd_rs_emit(b, sizeof b, v4, 4), 16);
  T_EQ(nd_rs_parse(b, 16, &rs), WR_OK);
  T_EQ(rs.opts.slla_len, 6);
  T_MEMEQ(rs.opts.slla, v4, 4);
  T_EQ(b[14], 0);   /* zero padding */
  T_EQ(b[15], 0);
  T_EQ(nd_rs_emit(b, sizeof b, NULL, 0), 8);
  T_EQ(nd_rs_parse(b, 8, &rs), WR_OK);
}

TEST(msg_rejects)
{
  uint8_t b[128];
  struct in6_addr t = A("fe80::1"), m = A("ff02::1");
  struct nd_ns ns;
  struct nd_na na;
  struct nd_rs rs;
  struct nd_ra ra;
  nd_ns_emit(b, sizeof b, &t, mac, 6);
  T_EQ(nd_ns_parse(b, 23, &ns), WR_TRUNCATED);
  T_EQ(nd_na_parse(b, 32, &na), WR_BAD_TYPE);
  b[1] = 1; T_EQ(nd_ns_parse(b, 32, &ns), WR_BAD_CODE);
  nd_ns_emit(b, sizeof b, &m, mac, 6);
  T_EQ(nd_ns_parse(b, 32, &ns), WR_TARGET_MULTICAST);
  nd_na_emit(b, sizeof b, 0, 0, 1, &m, NULL, 0);
  T_EQ(nd_na_parse(b, 24, &na), WR_TARGET_MULTICAST);
  T_EQ(nd_na_parse(b, 23, &na), WR_TRUNCATED);
  nd_rs_emit(b, sizeof b, NULL, 0);
  T_EQ(nd_rs_parse(b, 7, &rs), WR_TRUNCATED);
  b[1] = 9; T_EQ(nd_rs_parse(b, 8, &rs), WR_BAD_CODE);
  struct nd_ra_out ro = { .cur_hlim = 64 };
  T_EQ(nd_ra_emit(b, sizeof b, &ro), 16);
  T_EQ(nd_ra_parse(b, 15, &ra), WR_TRUNCATED);
  T_EQ(nd_ra_parse(b, 16, &ra), WR_OK);
  /* Options area not a multiple of 8 -> the tail is a truncated option. */
  nd_ns_emit(b, sizeof b, &t, mac, 6);
  T_EQ(nd_ns_parse(b, 33, &ns), WR_OPT_TRUNCATED);
  T_EQ(nd_ns_parse(b, 31, &ns), WR_OPT_TRUNCATED);
}

/* Parses opts (n bytes) standalone. */
static enum wire_reason P(const uint8_t *o, size_t n, struct nd_opts *out)
{
  return nd_opts_parse(o, n, out);
}

TEST(opt_generic_rules)
{
  struct nd_opts o;
  T_EQ(P(NULL, 0, &o), WR_OK);
  uint8_t z[8] = { ND_OPT_SLLA, 0 };
  T_EQ(P(z, 8, &o), WR_ZERO_LEN_OPT);
  uint8_t unk0[8] = { 200, 0 };
  T_EQ(P(unk0, 8, &o), WR_ZERO_LEN_OPT);          /* even unknown ones */
  uint8_t tr[8] = { ND_OPT_SLLA, 2, 1, 2, 3, 4, 5, 6 };
  T_EQ(P(tr, 8, &o), WR_OPT_TRUNCATED);
  T_EQ(P(tr, 1, &o), WR_OPT_TRUNCATED);
  uint8_t two[16] = { ND_OPT_SLLA, 1, 1, 2, 3, 4, 5, 6, ND_OPT_SLLA, 1, 7, 7, 7, 7, 7, 7 };
  T_EQ(P(two, 16, &o), WR_DUP_OPT);
  two[8] = ND_OPT_TLLA;
  T_EQ(P(two, 16, &o), WR_OK);
  T_EQ(o.slla[0], 1);
  T_EQ(o.tlla[0], 7);
  uint8_t tt[16] = { ND_OPT_TLLA, 1, 1, 2, 3, 4, 5, 6, ND_OPT_TLLA, 1, 7, 7, 7, 7, 7, 7 };
  T_EQ(P(tt, 16, &o), WR_DUP_OPT);
  /* Unknown options (e.g. DNSSL 31) are skipped and counted; a long SLLA is fine. */
  uint8_t unk[24] = { 31, 2, [16] = ND_OPT_SLLA, 1 };
  T_EQ(P(unk, 24, &o), WR_OK);
  T_EQ(o.n_unknown, 1);
  T_EQ(o.slla_len, 6);
  uint8_t nonce[8] = { ND_OPT_NONCE, 1, 1, 2, 3, 4, 5, 6 };
  T_EQ(P(nonce, 8, &o), WR_OK);
  T_EQ(o.nonce_len, 6);
  T_EQ(o.nonce[5], 6);
}

static void put_pi(uint8_t *o, uint8_t plen, const char *pfx)
{
  memset(o, 0, 32);
  o[0] = ND_OPT_PI; o[1] = 4; o[2] = plen; o[3] = 0xc0;
  wr32(o + 4, 2592000); wr32(o + 8, 604800);
  struct in6_addr a = A(pfx);
  memcpy(o + 16, &a, 16);
}

TEST(opt_prefix_info)
{
  struct nd_opts o;
  uint8_t b[32 * 10];
  put_pi(b, 64, "2001:db8:1:2::ffff");
  T_EQ(P(b, 32, &o), WR_OK);
  T_EQ(o.n_pi, 1);
  T_EQ(o.pi[0].plen, 64);
  T_CHECK(o.pi[0].onlink && o.pi[0].autonomous);
  T_EQ(o.pi[0].valid, 2592000);
  T_EQ(o.pi[0].preferred, 604800);
  struct in6_addr want = A("2001:db8:1:2::");     /* reserved bits masked */
  T_CHECK(in6_eq(&o.pi[0].prefix, &want));
  b[1] = 3;  T_EQ(P(b, 32, &o), WR_BAD_ND_OPT_LEN);
  b[1] = 5;  T_EQ(P(b, 32, &o), WR_OPT_TRUNCATED);
  memset(b + 32, 0, 8);
  T_EQ(P(b, 40, &o), WR_BAD_ND_OPT_LEN);
  b[1] = 4; b[2] = 129;  T_EQ(P(b, 32, &o), WR_BAD_PREFIX_LEN);
  b[2] = 128;            T_EQ(P(b, 32, &o), WR_OK);
  /* 10 PIs: first 8 kept, 2 ignored but validated. */
  for (int i = 0; i < 10; i++) { put_pi(b + 32 * i, 64, "2001:db8::"); b[32 * i + 23] = (uint8_t)i; }
  T_EQ(P(b, 320, &o), WR_OK);
  T_EQ(o.n_pi, ND_MAX_PI);
  T_EQ(o.n_ignored, 2);
  T_EQ(o.pi[7].prefix.s6_addr[7], 7);
  b[32 * 9 + 2] = 200;
  T_EQ(P(b, 320, &o), WR_BAD_PREFIX_LEN);
}

TEST(opt_mtu)
{
  struct nd_opts o;
  uint8_t b[24] = { ND_OPT_MTU, 1, 0, 0, 0, 0, 0x05, 0xdc, ND_OPT_MTU, 1, 0, 0, 0, 0, 0x05, 0x00 };
  T_EQ(P(b, 16, &o), WR_OK);
  T_CHECK(o.has_mtu);
  T_EQ(o.mtu, 1500);
  T_EQ(o.n_ignored, 1);
  b[1] = 2;
  T_EQ(P(b, 24, &o), WR_BAD_ND_OPT_LEN);
}

TEST(opt_rdnss)
{
  struct nd_opts o;
  uint8_t b[8 + 16 * 4] = { ND_OPT_RDNSS, 3, 0, 0, 0, 0, 0x0e, 0x10 };
  struct in6_addr d1 = A("2001:db8::53"), d2 = A("2001:db8::54");
  memcpy(b + 8, &d1, 16);
  memcpy(b + 24, &d2, 16);
  T_EQ(P(b, 24, &o), WR_OK);
  T_EQ(o.n_rdnss, 1);
  T_EQ(o.rdnss_lifetime, 3600);
  T_CHECK(in6_eq(&o.rdnss[0], &d1));
  b[1] = 2;  T_EQ(P(b, 16, &o), WR_BAD_ND_OPT_LEN);   /* < 3 */
  b[1] = 1;  T_EQ(P(b, 8, &o), WR_BAD_ND_OPT_LEN);
  b[1] = 4;  T_EQ(P(b, 32, &o), WR_BAD_ND_OPT_LEN);   /* even */
  b[1] = 9;  T_EQ(P(b, 72, &o), WR_OK);               /* 4 addresses, 3 kept */
  T_EQ(o.n_rdnss, ND_MAX_RDNSS);
  T_EQ(o.n_ignored, 1);
  T_CHECK(in6_eq(&o.rdnss[1], &d2));
  b[1] = 11; T_EQ(P(b, 72, &o), WR_OPT_TRUNCATED);
}

/* RIO with units (length), prefix length plen, prf bits. */
static size_t put_rio(uint8_t *o, uint8_t units, uint8_t plen, uint8_t prf)
{
  memset(o, 0, 24);
  o[0] = ND_OPT_RIO; o[1] = units; o[2] = plen; o[3] = (uint8_t)(prf << 3);
  wr32(o + 4, 1800);
  memset(o + 8, 0xab, 16);
  return 8u * units;
}

TEST(opt_rio)
{
  struct nd_opts o;
  uint8_t b[24];
  /* ::/0 default route in length 1 */
  T_EQ(P(b, put_rio(b, 1, 0, 1), &o), WR_OK);
  T_EQ(o.n_rio, 1);
  T_EQ(o.rio[0].pref, 1);
  T_EQ(o.rio[0].lifetime, 1800);
  T_CHECK(in6_is_unspecified(&o.rio[0].prefix));
  /* /48 in length 2; bits past 48 masked; low preference */
  T_EQ(P(b, put_rio(b, 2, 48, 3), &o), WR_OK);
  T_EQ(o.n_rio, 1);
  T_EQ(o.rio[0].plen, 48);
  T_EQ(o.rio[0].pref, -1);
  T_EQ(o.rio[0].prefix.s6_addr[5], 0xab);
  T_EQ(o.rio[0].prefix.s6_addr[6], 0);
  /* /64 in length 3 is allowed too */
  T_EQ(P(b, put_rio(b, 3, 64, 0), &o), WR_OK);
  T_EQ(o.n_rio, 1);
  T_EQ(o.rio[0].pref, 0);
  /* /96 in 3 is fine, in 2 inconsistent -> ignored (RFC 4191 §3.1) */
  T_EQ(P(b, put_rio(b, 3, 96, 0), &o), WR_OK);
  T_EQ(o.n_rio, 1);
  T_EQ(o.rio[0].prefix.s6_addr[11], 0xab);
  T_EQ(o.rio[0].prefix.s6_addr[12], 0);
  T_EQ(P(b, put_rio(b, 2, 96, 0), &o), WR_OK);
  T_EQ(o.n_rio, 0);
  T_EQ(o.n_ignored, 1);
  T_EQ(P(b, put_rio(b, 1, 1, 0), &o), WR_OK);        /* plen > 0 in length 1 */
  T_EQ(o.n_rio, 0);
  T_EQ(P(b, put_rio(b, 3, 129, 0), &o), WR_OK);      /* plen > 128 */
  T_EQ(o.n_rio, 0);
  T_EQ(P(b, put_rio(b, 2, 32, 2), &o), WR_OK);       /* reserved preference */
  T_EQ(o.n_rio, 0);
  T_EQ(o.n_ignored, 1);
  uint8_t big[32] = { ND_OPT_RIO, 4, 0 };            /* length 4: not defined */
  T_EQ(P(big, 32, &o), WR_OK);
  T_EQ(o.n_rio, 0);
  /* length 0 and truncation are still errors for the whole message */
  put_rio(b, 0, 0, 0);
  T_EQ(P(b, 8, &o), WR_ZERO_LEN_OPT);
  put_rio(b, 3, 64, 0);
  T_EQ(P(b, 16, &o), WR_OPT_TRUNCATED);
}

TEST(ra_roundtrip)
{
  struct nd_prefix pi[2] = {
    { .plen = 64, .onlink = true, .autonomous = true, .valid = 86400, .preferred = 14400,
      .prefix = A("2001:db8:1::") },
    { .plen = 48, .onlink = true, .valid = 0xffffffff, .preferred = 0xffffffff, .prefix = A("2001:db8:2::") },
  };
  struct in6_addr dns[2] = { A("2001:db8::53"), A("2001:db8::35") };
  struct nd_rio rio[3] = { { .plen = 0, .pref = 1, .lifetime = 100, .prefix = A("::") },
                           { .plen = 56, .pref = -1, .lifetime = 200, .prefix = A("2001:db8:ff::") },
                           { .plen = 128, .pref = 0, .lifetime = 300, .prefix = A("2001:db8::1") } };
  struct nd_ra_out ro = { .cur_hlim = 64, .managed = true, .other = false, .prf = -1,
                          .router_lifetime = 1800, .reachable = 30000, .retrans = 1000,
                          .slla = mac, .slla_len = 6, .mtu = 1480, .pi = pi, .n_pi = 2,
                          .rdnss = dns, .n_rdnss = 2, .rdnss_lifetime = 600, .rio = rio, .n_rio = 3 };
  uint8_t b[512];
  size_t want = 16 + 8 + 8 + 64 + 40 + 8 + 16 + 24;
  T_EQ(nd_ra_emit(b, want - 1, &ro), 0);
  T_EQ(nd_ra_emit(b, sizeof b, &ro), want);
  struct nd_ra ra;
  T_EQ(nd_ra_parse(b, want, &ra), WR_OK);
  T_EQ(ra.cur_hlim, 64);
  T_CHECK(ra.managed && !ra.other);
  T_EQ(ra.prf, -1);
  T_EQ(ra.router_lifetime, 1800);
  T_EQ(ra.reachable, 30000);
  T_EQ(ra.retrans, 1000);
  T_MEMEQ(ra.opts.slla, mac, 6);
  T_CHECK(ra.opts.has_mtu);
  T_EQ(ra.opts.mtu, 1480);
  T_EQ(ra.opts.n_pi, 2);
  T_EQ(ra.opts.pi[0].plen, 64);
  T_CHECK(ra.opts.pi[0].onlink && ra.opts.pi[0].autonomous);
  T_EQ(ra.opts.pi[0].valid, 86400);
  T_EQ(ra.opts.pi[0].preferred, 14400);
  T_CHECK(in6_eq(&ra.opts.pi[0].prefix, &pi[0].prefix));
  T_CHECK(in6_eq(&ra.opts.pi[1].prefix, &pi[1].prefix));
  T_CHECK(ra.opts.pi[1].onlink && !ra.opts.pi[1].autonomous);
  T_EQ(ra.opts.pi[1].valid, 0xffffffff);
  T_EQ(ra.opts.n_rdnss, 2);
  T_EQ(ra.opts.rdnss_lifetime, 600);
  T_CHECK(in6_eq(&ra.opts.rdnss[1], &dns[1]));
  T_EQ(ra.opts.n_rio, 3);
  for (int i = 0; i < 3; i++) {
    T_EQ(ra.opts.rio[i].plen, rio[i].plen);
    T_EQ(ra.opts.rio[i].pref, rio[i].pref);
    T_EQ(ra.opts.rio[i].lifetime, rio[i].lifetime);
    T_CHECK(in6_eq(&ra.opts.rio[i].prefix, &rio[i].prefix));
  }
  T_EQ(ra.opts.n_ignored, 0);
  T_EQ(ra.opts.n_unknown, 0);
  /* Reserved router preference 10b reads as medium (RFC 4191 §2.2). */
  b[5] = (uint8_t)((b[5] & ~0x18) | 0x10);
  T_EQ(nd_ra_parse(b, want, &ra), WR_OK);
  T_EQ(ra.prf, 0);
  /* Unencodable input */
  pi[0].plen = 129;
  T_EQ(nd_ra_emit(b, sizeof b, &ro), 0);
}

TEST(redirect)
{
  uint8_t orig[1500], b[1500];
  for (size_t i = 0; i < sizeof orig; i++) orig[i] = (uint8_t)i;
  struct in6_addr t = A("fe80::1"), d = A("2001:db8::99");
  struct nd_redirect r;
  size_t n = nd_redirect_emit(b, sizeof b, &t, &d, mac, 6, orig, 100);
  T_EQ(n, 40 + 8 + 8 + 104);
  T_EQ(nd_redirect_parse(b, n, &r), WR_OK);
  T_CHECK(in6_eq(&r.target, &t) && in6_eq(&r.dst, &d));
  T_MEMEQ(r.opts.tlla, mac, 6);
  T_EQ(r.opts.redir_len, 104);
  T_MEMEQ(r.opts.redir, orig, 100);
  T_EQ(r.opts.redir[100], 0);
  /* Truncated to the minimum MTU. */
  n = nd_redirect_emit(b, sizeof b, &t, &d, mac, 6, orig, sizeof orig);
  T_EQ(n, 1280 - 40);
  T_EQ(nd_redirect_parse(b, n, &r), WR_OK);
  T_EQ(r.opts.redir_len, 1240 - 40 - 8 - 8);
  T_MEMEQ(r.opts.redir, orig, r.opts.redir_len);
  T_EQ(nd_redirect_emit(b, 1000, &t, &d, mac, 6, orig, sizeof orig), 0);
  /* No options at all; target == dst (on-link destination). */
  n = nd_redirect_emit(b, sizeof b, &d, &d, NULL, 0, NULL, 0);
  T_EQ(n, 40);
  T_EQ(nd_redirect_parse(b, n, &r), WR_OK);
  T_CHECK(r.opts.redir == NULL);
  /* Rejects */
  T_EQ(nd_redirect_parse(b, 39, &r), WR_TRUNCATED);
  struct in6_addr g = A("2001:db8::1"), m = A("ff0e::1");
  n = nd_redirect_emit(b, sizeof b, &g, &d, NULL, 0, NULL, 0);
  T_EQ(nd_redirect_parse(b, n, &r), WR_BAD_TARGET);
  n = nd_redirect_emit(b, sizeof b, &t, &m, NULL, 0, NULL, 0);
  T_EQ(nd_redirect_parse(b, n, &r), WR_DST_MULTICAST);
}

int main(void)
{
  RUN(ns_na_rs_roundtrip);
  RUN(msg_rejects);
  RUN(opt_generic_rules);
  RUN(opt_prefix_info);
  RUN(opt_mtu);
  RUN(opt_rdnss);
  RUN(opt_rio);
  RUN(ra_roundtrip);
  RUN(redirect);
  return t_done();
}
