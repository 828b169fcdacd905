/* MLDv1/v2 (RFC 2710, RFC 3810). */
#include <arpa/inet.h>
#include "../lib/t.h"
#include "wire/bytes.h"
#include "wire/icmp6.h"
#include "wire/ip6.h"
#include "wire/mld.h"

static struct in6_addr A(const char *s)
{
  struct in6_addr a;
  if (inet_pton(AF_INET6, s, &a) != 1) abort();
  return a;
}

/* A v2 general/group query with nsrc sources. */
static size_t mk_query(uint8_t *b, size_t cap, const char *grp, uint16_t nsrc)
{
  size_t n = 28 + 16u * nsrc;
  if (n > cap) abort();
  memset(b, 0, n);
  b[0] = MLD_LISTENER_QUERY;
  wr16(b + 4, 10000);
  struct in6_addr g = A(grp);
  memcpy(b + 8, &g, 16);
  b[24] = 0x08 | 2;   /* S, QRV 2 */
  b[25] = 125;
  wr16(b + 26, nsrc);
  for (uint16_t i = 0; i < nsrc; i++) b[28 + 16 * i] = (uint8_t)(0x20 + i);
  return n;
}

TEST(query_versions)
{
  uint8_t b[256];
  struct mld_query q;
  size_t n = mk_query(b, sizeof b, "ff02::fb", 0);
  T_EQ(mld_query_parse(b, 24, &q), WR_OK);     /* v1: first 24 bytes */
  T_CHECK(!q.v2);
  T_EQ(q.max_resp_code, 10000);
  T_EQ(q.nsrc, 0);
  for (size_t l = 25; l < 28; l++) T_EQ(mld_query_parse(b, l, &q), WR_BAD_MLD_LEN);
  T_EQ(mld_query_parse(b, 23, &q), WR_TRUNCATED);
  T_EQ(mld_query_parse(b, n, &q), WR_OK);
  T_CHECK(q.v2 && q.s);
  T_EQ(q.qrv, 2);
  T_EQ(q.qqic, 125);
  struct in6_addr g = A("ff02::fb");
  T_CHECK(in6_eq(&q.group, &g));
  n = mk_query(b, sizeof b, "ff05::1:3", 3);
  T_EQ(mld_query_parse(b, n, &q), WR_OK);
  T_EQ(q.nsrc, 3);
  T_CHECK(q.srcs == b + 28);
  T_EQ(q.srcs[32], 0x22);
  T_EQ(mld_query_parse(b, n - 1, &q), WR_TRUNCATED);
  T_EQ(mld_query_parse(b, n + 5, &q), WR_OK);   /* trailing bytes */
  b[0] = MLD_LISTENER_REPORT;
  T_EQ(mld_query_parse(b, n, &q), WR_BAD_TYPE);
}

TEST(code_decoding)
{
  T_EQ(mld2_mrd_ms(1000), 1000);
  T_EQ(mld2_mrd_ms(0x7fff), 0x7fff);
  /* exp 0, mant 0: 0x1000 << 3 = 32768 */
  T_EQ(mld2_mrd_ms(0x8000), 32768);
  T_EQ(mld2_mrd_ms(0xffff), (uint32_t)0x1fff << 10);
  T_EQ(mld2_qqi_s(125), 125);
  T_EQ(mld2_qqi_s(0x80), 128);
  T_EQ(mld2_qqi_s(0xff), (uint32_t)0x1f << 10);
}

TEST(report_roundtrip)
{
  uint8_t srcs[2 * 16];
  struct in6_addr s1 = A("2001:db8::1"), s2 = A("2001:db8::2");
  memcpy(srcs, &s1, 16);
  memcpy(srcs + 16, &s2, 16);
  struct mld2_rec recs[3] = {
    { .type = MLD2_CHANGE_TO_EXCLUDE, .group = A("ff02::fb"), .nsrc = 0 },
    { .type = MLD2_MODE_IS_INCLUDE, .group = A("ff3e::8000:1"), .nsrc = 2, .srcs = srcs },
    { .type = MLD2_BLOCK_OLD_SOURCES, .group = A("ff05::2"), .nsrc = 1, .srcs = srcs + 16 },
  };
  uint8_t b[256];
  size_t want = 8 + 20 + 52 + 36;
  T_EQ(mld2_report_emit(b, want - 1, recs, 3), 0);
  T_EQ(mld2_report_emit(b, sizeof b, recs, 3), want);
  T_EQ(b[0], MLDV2_LISTENER_REPORT);
  T_EQ(rd16(b + 2), 0);
  T_EQ(rd16(b + 6), 3);
  struct in6_addr src = A("fe80::1"), dst = A("ff02::16");
  icmp6_set_cksum(b, want, &src, &dst);
  struct icmp6_info ic;
  T_EQ(icmp6_parse(b, want, &src, &dst, &ic), WR_OK);
  struct mld2_report_iter it;
  T_EQ(mld2_report_parse(b, want, &it), WR_OK);
  struct mld2_rec r;
  int n = 0;
  while (mld2_report_next(&it, &r)) {
    T_EQ(r.type, recs[n].type);
    T_CHECK(in6_eq(&r.group, &recs[n].group));
    T_EQ(r.nsrc, recs[n].nsrc);
    if (r.nsrc) T_MEMEQ(r.srcs, recs[n].srcs, 16u * r.nsrc);
    n++;
  }
  T_EQ(n, 3);
  T_CHECK(!mld2_report_next(&it, &r));
}

TEST(report_rejects)
{
  uint8_t b[128] = { 0 };
  struct mld2_rec rec = { .type = MLD2_MODE_IS_EXCLUDE, .group = A("ff02::1:3") };
  size_t n = mld2_report_emit(b, sizeof b, &rec, 1);
  T_EQ(n, 28);
  struct mld2_report_iter it;
  T_EQ(mld2_report_parse(b, 7, &it), WR_TRUNCATED);
  T_EQ(mld2_report_parse(b, 27, &it), WR_TRUNCATED);
  wr16(b + 6, 2);  T_EQ(mld2_report_parse(b, 28, &it), WR_TRUNCATED);   /* nrec too big */
  wr16(b + 6, 1);
  b[9] = 1;        T_EQ(mld2_report_parse(b, 28, &it), WR_TRUNCATED);   /* aux data 4 bytes missing */
  T_EQ(mld2_report_parse(b, 32, &it), WR_OK);
  struct mld2_rec r;
  T_CHECK(mld2_report_next(&it, &r));
  b[9] = 0;
  wr16(b + 10, 1); T_EQ(mld2_report_parse(b, 43, &it), WR_TRUNCATED);   /* 1 source missing bytes */
  T_EQ(mld2_report_parse(b, 44, &it), WR_OK);
  b[0] = MLD_LISTENER_REPORT;
  T_EQ(mld2_report_parse(b, 44, &it), WR_BAD_TYPE);
  /* Zero records is a valid (empty) report. */
  uint8_t e[8];
  T_EQ(mld2_report_emit(e, sizeof e, NULL, 0), 8);
  T_EQ(mld2_report_parse(e, 8, &it), WR_OK);
  T_CHECK(!mld2_report_next(&it, &r));
}

int main(void)
{
  RUN(query_versions);
  RUN(code_decoding);
  RUN(report_roundtrip);
  RUN(report_rejects);
  return t_done();
}
