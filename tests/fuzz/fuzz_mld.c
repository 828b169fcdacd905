/* MLD.  The type byte is forced (query or v2 report) from its own value.
 * Queries: bounds of the source list.  Reports: iterate every record,
 * re-emit them (without aux data), re-parse and compare. */
#include <string.h>
#include "wire/icmp6.h"
#include "wire/ip6.h"
#include "wire/mld.h"

#define CHECK(c) do { if (!(c)) __builtin_trap(); } while (0)
int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

#define MAXR 4096
static uint8_t msg[70000], out[70000 * 2];
static struct mld2_rec recs[MAXR];

static void query(size_t n)
{
  struct mld_query q;
  if (mld_query_parse(msg, n, &q) != WR_OK) return;
  CHECK(n == 24 || n >= 28);
  CHECK(q.v2 == (n >= 28));
  if (q.v2) CHECK(q.srcs == msg + 28 && 28 + 16 * (size_t)q.nsrc <= n && q.qrv <= 7);
  else CHECK(q.nsrc == 0);
  (void)mld2_mrd_ms(q.max_resp_code);
  (void)mld2_qqi_s(q.qqic);
}

static void report(size_t n)
{
  struct mld2_report_iter it, it2;
  if (mld2_report_parse(msg, n, &it) != WR_OK) return;
  int k = 0;
  struct mld2_rec r;
  while (mld2_report_next(&it, &r)) {
    CHECK(k < 65536);
    CHECK(r.srcs >= msg + 28 && r.srcs + 16 * (size_t)r.nsrc <= msg + n);
    if (k < MAXR) recs[k] = r;
    k++;
  }
  CHECK(k == (msg[6] << 8 | msg[7]));
  if (k > MAXR) return;
  size_t l = mld2_report_emit(out, sizeof out, recs, k);
  CHECK(l > 0 && l <= n);   /* aux data dropped: never longer */
  CHECK(mld2_report_parse(out, l, &it2) == WR_OK);
  for (int i = 0; i < k; i++) {
    CHECK(mld2_report_next(&it2, &r));
    CHECK(r.type == recs[i].type && r.nsrc == recs[i].nsrc && in6_eq(&r.group, &recs[i].group));
    CHECK(!memcmp(r.srcs, recs[i].srcs, 16 * (size_t)r.nsrc));
  }
  CHECK(!mld2_report_next(&it2, &r));
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
  if (n < 1 || n > sizeof msg) return 0;
  memcpy(msg, d, n);
  if (d[0] != MLD_LISTENER_QUERY && d[0] != MLDV2_LISTENER_REPORT)
    msg[0] = (d[0] & 1) ? MLD_LISTENER_QUERY : MLDV2_LISTENER_REPORT;
  query(n);
  report(n);
  return 0;
}
