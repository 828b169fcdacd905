#include <string.h>
#include "wire/bytes.h"
#include "wire/icmp6.h"
#include "wire/mld.h"

#define MLD2_REC_HLEN 20
#define MLD2_REPORT_HLEN 8

enum wire_reason mld_query_parse(const uint8_t *p, size_t len, struct mld_query *out)
{
  if (len < MLD_V1_LEN) return WR_TRUNCATED;
  if (p[0] != MLD_LISTENER_QUERY) return WR_BAD_TYPE;
  if (len > MLD_V1_LEN && len < MLD_V2_QUERY_MIN) return WR_BAD_MLD_LEN;
  memset(out, 0, sizeof *out);
  out->max_resp_code = rd16(p + 4);
  memcpy(out->group.s6_addr, p + 8, 16);
  if (len == MLD_V1_LEN) return WR_OK;
  uint16_t nsrc = rd16(p + 26);
  if ((size_t)MLD_V2_QUERY_MIN + (size_t)nsrc * 16 > len) return WR_TRUNCATED;
  out->v2 = true;
  out->s = p[24] & 0x08;
  out->qrv = p[24] & 0x07;
  out->qqic = p[25];
  out->nsrc = nsrc;
  out->srcs = p + MLD_V2_QUERY_MIN;
  return WR_OK;
}

enum wire_reason mld2_report_parse(const uint8_t *p, size_t len, struct mld2_report_iter *it)
{
  if (len < MLD2_REPORT_HLEN) return WR_TRUNCATED;
  if (p[0] != MLDV2_LISTENER_REPORT) return WR_BAD_TYPE;
  uint16_t nrec = rd16(p + 6);
  size_t off = MLD2_REPORT_HLEN;
  for (unsigned i = 0; i < nrec; i++) {
    if (off + MLD2_REC_HLEN > len) return WR_TRUNCATED;
    size_t rl = MLD2_REC_HLEN + (size_t)rd16(p + off + 2) * 16 + (size_t)p[off + 1] * 4;
    if (rl > len - off) return WR_TRUNCATED;
    off += rl;
  }
  it->p = p;
  it->len = len;
  it->off = MLD2_REPORT_HLEN;
  it->left = nrec;
  return WR_OK;
}

bool mld2_report_next(struct mld2_report_iter *it, struct mld2_rec *rec)
{
  if (!it->left) return false;
  const uint8_t *r = it->p + it->off;
  size_t rl = MLD2_REC_HLEN + (size_t)rd16(r + 2) * 16 + (size_t)r[1] * 4;
  /* Defensive: mld2_report_parse has checked this already. */
  if (it->off + rl > it->len) { it->left = 0; return false; }
  rec->type = r[0];
  rec->nsrc = rd16(r + 2);
  memcpy(rec->group.s6_addr, r + 4, 16);
  rec->srcs = r + MLD2_REC_HLEN;
  it->off += rl;
  it->left--;
  return true;
}

size_t mld2_report_emit(uint8_t *p, size_t cap, const struct mld2_rec *recs, int n)
{
  if (n < 0 || n > 0xffff) return 0;
  size_t total = MLD2_REPORT_HLEN;
  for (int i = 0; i < n; i++) total += MLD2_REC_HLEN + (size_t)recs[i].nsrc * 16;
  if (total > cap) return 0;
  p[0] = MLDV2_LISTENER_REPORT;
  p[1] = 0;
  wr16(p + 2, 0);
  wr16(p + 4, 0);
  wr16(p + 6, (uint16_t)n);
  size_t off = MLD2_REPORT_HLEN;
  for (int i = 0; i < n; i++) {
    uint8_t *r = p + off;
    r[0] = recs[i].type;
    r[1] = 0;
    wr16(r + 2, recs[i].nsrc);
    memcpy(r + 4, recs[i].group.s6_addr, 16);
    if (recs[i].nsrc) memcpy(r + MLD2_REC_HLEN, recs[i].srcs, (size_t)recs[i].nsrc * 16);
    off += MLD2_REC_HLEN + (size_t)recs[i].nsrc * 16;
  }
  return total;
}
