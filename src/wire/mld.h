/* Multicast Listener Discovery: MLDv1 (RFC 2710) and MLDv2 (RFC 3810).
 * Parsers take the checksum-verified ICMPv6 message (p at the type byte).
 * Query: type 130 (BAD_TYPE); length 24 is v1, >= 28 is v2 and the source
 * list must fit (TRUNCATED); < 24 is TRUNCATED, 25..27 BAD_MLD_LEN
 * (RFC 3810 §8.1: other lengths are not queries of either version).
 * Report: type 143 (BAD_TYPE), every record including aux data must fit
 * (TRUNCATED).  Unknown record types are returned: RFC 3810 §5.2.12 says
 * the receiver ignores them. */
#ifndef SIX_WIRE_MLD_H
#define SIX_WIRE_MLD_H
#include "wire/wire.h"

#define MLD_V1_LEN 24
#define MLD_V2_QUERY_MIN 28

#define MLD2_MODE_IS_INCLUDE 1
#define MLD2_MODE_IS_EXCLUDE 2
#define MLD2_CHANGE_TO_INCLUDE 3
#define MLD2_CHANGE_TO_EXCLUDE 4
#define MLD2_ALLOW_NEW_SOURCES 5
#define MLD2_BLOCK_OLD_SOURCES 6

struct mld_query {
  uint16_t max_resp_code;
  struct in6_addr group;
  bool v2;
  bool s;
  uint8_t qrv, qqic;
  uint16_t nsrc;
  const uint8_t *srcs;   /* nsrc * 16 bytes */
};
enum wire_reason mld_query_parse(const uint8_t *p, size_t len, struct mld_query *out);

struct mld2_rec { uint8_t type; struct in6_addr group; uint16_t nsrc; const uint8_t *srcs; };
struct mld2_report_iter { const uint8_t *p; size_t len, off; uint16_t left; };
enum wire_reason mld2_report_parse(const uint8_t *p, size_t len, struct mld2_report_iter *it);
bool mld2_report_next(struct mld2_report_iter *it, struct mld2_rec *rec);
/* Type 143, checksum 0 (the caller sets it); no aux data.  recs[i].srcs
 * holds nsrc * 16 bytes. */
size_t mld2_report_emit(uint8_t *p, size_t cap, const struct mld2_rec *recs, int n);

/* RFC 3810 §5.1.3: Maximum Response Delay in ms from the 16-bit code. */
static inline uint32_t mld2_mrd_ms(uint16_t mrc)
{
  if (mrc < 0x8000) return mrc;
  return (uint32_t)((mrc & 0x0fff) | 0x1000) << (((mrc >> 12) & 7) + 3);
}
/* RFC 3810 §5.1.9: Querier's Query Interval in seconds from QQIC. */
static inline uint32_t mld2_qqi_s(uint8_t qqic)
{
  if (qqic < 0x80) return qqic;
  return (uint32_t)((qqic & 0x0f) | 0x10) << (((qqic >> 4) & 7) + 3);
}

#endif
