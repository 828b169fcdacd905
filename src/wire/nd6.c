#include <string.h>
#include "wire/bytes.h"
#include "wire/icmp6.h"
#include "wire/ip6.h"
#include "wire/nd6.h"

#define ND_PI_LEN 32
#define ND_OPT_MAX_BYTES (255 * 8)

/* RFC 4191 §2.1 preference encoding: 01 high, 00 medium, 11 low, 10 reserved. */
static int8_t prf_decode(uint8_t bits) { return bits == 1 ? 1 : bits == 3 ? -1 : 0; }
static uint8_t prf_encode(int8_t prf) { return prf > 0 ? 1 : prf < 0 ? 3 : 0; }

static enum wire_reason opt_lla(const uint8_t *o, size_t olen, const uint8_t **d, size_t *dlen)
{
  if (*d) return WR_DUP_OPT;
  *d = o + 2;
  *dlen = olen - 2;
  return WR_OK;
}

static enum wire_reason opt_pi(const uint8_t *o, size_t olen, struct nd_opts *out)
{
  if (olen != ND_PI_LEN) return WR_BAD_ND_OPT_LEN;
  if (o[2] > 128) return WR_BAD_PREFIX_LEN;
  if (out->n_pi >= ND_MAX_PI) { out->n_ignored++; return WR_OK; }
  struct nd_prefix *pi = &out->pi[out->n_pi++];
  pi->plen = o[2];
  pi->onlink = o[3] & 0x80;
  pi->autonomous = o[3] & 0x40;
  pi->valid = rd32(o + 4);
  pi->preferred = rd32(o + 8);
  memcpy(pi->prefix.s6_addr, o + 16, 16);
  /* Bits past the prefix length are reserved: ignored by the receiver. */
  in6_mask(&pi->prefix, pi->plen, &pi->prefix);
  return WR_OK;
}

static enum wire_reason opt_rdnss(const uint8_t *o, size_t olen, struct nd_opts *out)
{
  size_t units = olen / 8;
  if (units < 3 || units % 2 == 0) return WR_BAD_ND_OPT_LEN;
  size_t n = (units - 1) / 2;
  if (out->n_rdnss == 0) out->rdnss_lifetime = rd32(o + 4);
  for (size_t i = 0; i < n; i++) {
    if (out->n_rdnss >= ND_MAX_RDNSS) { out->n_ignored++; continue; }
    memcpy(out->rdnss[out->n_rdnss++].s6_addr, o + 8 + 16 * i, 16);
  }
  return WR_OK;
}

/* RFC 4191 §2.3/§3.1: an inconsistent RIO is ignored, not the message. */
static void opt_rio(const uint8_t *o, size_t olen, struct nd_opts *out)
{
  size_t units = olen / 8;
  uint8_t plen = o[2], prf = (o[3] >> 3) & 3;
  bool ok = units <= 3 && plen <= 128 && prf != 2
            && !(plen > 64 && units < 3) && !(plen > 0 && units < 2);
  if (!ok || out->n_rio >= ND_MAX_RIO) { out->n_ignored++; return; }
  struct nd_rio *r = &out->rio[out->n_rio++];
  r->plen = plen;
  r->pref = prf_decode(prf);
  r->lifetime = rd32(o + 4);
  memset(&r->prefix, 0, sizeof r->prefix);
  memcpy(r->prefix.s6_addr, o + 8, olen - 8);
  in6_mask(&r->prefix, plen, &r->prefix);
}

static enum wire_reason opt_one(const uint8_t *o, size_t olen, struct nd_opts *out)
{
  switch (o[0]) {
  case ND_OPT_SLLA: return opt_lla(o, olen, &out->slla, &out->slla_len);
  case ND_OPT_TLLA: return opt_lla(o, olen, &out->tlla, &out->tlla_len);
  case ND_OPT_PI: return opt_pi(o, olen, out);
  case ND_OPT_RDNSS: return opt_rdnss(o, olen, out);
  case ND_OPT_RIO: opt_rio(o, olen, out); return WR_OK;
  case ND_OPT_MTU:
    if (olen != 8) return WR_BAD_ND_OPT_LEN;
    if (out->has_mtu) { out->n_ignored++; return WR_OK; }
    out->has_mtu = true;
    out->mtu = rd32(o + 4);
    return WR_OK;
  case ND_OPT_REDIR:
    if (out->redir) { out->n_ignored++; return WR_OK; }
    out->redir = o + 8;
    out->redir_len = olen - 8;
    return WR_OK;
  case ND_OPT_NONCE:
    if (out->nonce) { out->n_ignored++; return WR_OK; }
    out->nonce = o + 2;
    out->nonce_len = olen - 2;
    return WR_OK;
  default:
    out->n_unknown++;
    return WR_OK;
  }
}

enum wire_reason nd_opts_parse(const uint8_t *p, size_t len, struct nd_opts *out)
{
  memset(out, 0, sizeof *out);
  size_t off = 0;
  while (off < len) {
    if (len - off < 2) return WR_OPT_TRUNCATED;
    size_t olen = (size_t)p[off + 1] * 8;
    if (olen == 0) return WR_ZERO_LEN_OPT;
    if (olen > len - off) return WR_OPT_TRUNCATED;
    enum wire_reason r = opt_one(p + off, olen, out);
    if (r != WR_OK) return r;
    off += olen;
  }
  return WR_OK;
}

static enum wire_reason nd_hdr(const uint8_t *p, size_t len, uint8_t type, size_t min)
{
  if (len < min) return WR_TRUNCATED;
  if (p[0] != type) return WR_BAD_TYPE;
  if (p[1] != 0) return WR_BAD_CODE;
  return WR_OK;
}

enum wire_reason nd_ns_parse(const uint8_t *p, size_t len, struct nd_ns *out)
{
  enum wire_reason r = nd_hdr(p, len, ND_NEIGHBOR_SOLICIT, ND_NS_LEN);
  if (r != WR_OK) return r;
  memcpy(out->target.s6_addr, p + 8, 16);
  if (in6_is_multicast(&out->target)) return WR_TARGET_MULTICAST;
  return nd_opts_parse(p + ND_NS_LEN, len - ND_NS_LEN, &out->opts);
}

enum wire_reason nd_na_parse(const uint8_t *p, size_t len, struct nd_na *out)
{
  enum wire_reason r = nd_hdr(p, len, ND_NEIGHBOR_ADVERT, ND_NA_LEN);
  if (r != WR_OK) return r;
  out->router = p[4] & 0x80;
  out->solicited = p[4] & 0x40;
  out->override = p[4] & 0x20;
  memcpy(out->target.s6_addr, p + 8, 16);
  if (in6_is_multicast(&out->target)) return WR_TARGET_MULTICAST;
  return nd_opts_parse(p + ND_NA_LEN, len - ND_NA_LEN, &out->opts);
}

enum wire_reason nd_rs_parse(const uint8_t *p, size_t len, struct nd_rs *out)
{
  enum wire_reason r = nd_hdr(p, len, ND_ROUTER_SOLICIT, ND_RS_LEN);
  if (r != WR_OK) return r;
  return nd_opts_parse(p + ND_RS_LEN, len - ND_RS_LEN, &out->opts);
}

enum wire_reason nd_ra_parse(const uint8_t *p, size_t len, struct nd_ra *out)
{
  enum wire_reason r = nd_hdr(p, len, ND_ROUTER_ADVERT, ND_RA_LEN);
  if (r != WR_OK) return r;
  out->cur_hlim = p[4];
  out->managed = p[5] & 0x80;
  out->other = p[5] & 0x40;
  out->prf = prf_decode((p[5] >> 3) & 3);
  out->router_lifetime = rd16(p + 6);
  out->reachable = rd32(p + 8);
  out->retrans = rd32(p + 12);
  return nd_opts_parse(p + ND_RA_LEN, len - ND_RA_LEN, &out->opts);
}

enum wire_reason nd_redirect_parse(const uint8_t *p, size_t len, struct nd_redirect *out)
{
  enum wire_reason r = nd_hdr(p, len, ND_REDIRECT, ND_REDIRECT_LEN);
  if (r != WR_OK) return r;
  memcpy(out->target.s6_addr, p + 8, 16);
  memcpy(out->dst.s6_addr, p + 24, 16);
  if (in6_is_multicast(&out->dst)) return WR_DST_MULTICAST;
  if (!in6_is_linklocal(&out->target) && !in6_eq(&out->target, &out->dst)) return WR_BAD_TARGET;
  return nd_opts_parse(p + ND_REDIRECT_LEN, len - ND_REDIRECT_LEN, &out->opts);
}

/* ---- emit ---- */

static size_t lla_opt_len(const uint8_t *lla, size_t n)
{
  if (!lla || !n) return 0;
  return (n + 2 + 7) & ~(size_t)7;
}

static size_t put_lla(uint8_t *p, uint8_t type, const uint8_t *lla, size_t n)
{
  size_t olen = lla_opt_len(lla, n);
  if (!olen) return 0;
  memset(p, 0, olen);
  p[0] = type;
  p[1] = (uint8_t)(olen / 8);
  memcpy(p + 2, lla, n);
  return olen;
}

static void put_hdr(uint8_t *p, uint8_t type, size_t hlen)
{
  memset(p, 0, hlen);
  p[0] = type;
}

size_t nd_ns_emit(uint8_t *p, size_t cap, const struct in6_addr *target,
                  const uint8_t *slla, size_t slla_len)
{
  size_t ol = lla_opt_len(slla, slla_len);
  if (ol > ND_OPT_MAX_BYTES || ND_NS_LEN + ol > cap) return 0;
  put_hdr(p, ND_NEIGHBOR_SOLICIT, ND_NS_LEN);
  memcpy(p + 8, target->s6_addr, 16);
  return ND_NS_LEN + put_lla(p + ND_NS_LEN, ND_OPT_SLLA, slla, slla_len);
}

size_t nd_na_emit(uint8_t *p, size_t cap, bool router, bool solicited, bool override,
                  const struct in6_addr *target, const uint8_t *tlla, size_t tlla_len)
{
  size_t ol = lla_opt_len(tlla, tlla_len);
  if (ol > ND_OPT_MAX_BYTES || ND_NA_LEN + ol > cap) return 0;
  put_hdr(p, ND_NEIGHBOR_ADVERT, ND_NA_LEN);
  p[4] = (uint8_t)((router ? 0x80 : 0) | (solicited ? 0x40 : 0) | (override ? 0x20 : 0));
  memcpy(p + 8, target->s6_addr, 16);
  return ND_NA_LEN + put_lla(p + ND_NA_LEN, ND_OPT_TLLA, tlla, tlla_len);
}

size_t nd_rs_emit(uint8_t *p, size_t cap, const uint8_t *slla, size_t slla_len)
{
  size_t ol = lla_opt_len(slla, slla_len);
  if (ol > ND_OPT_MAX_BYTES || ND_RS_LEN + ol > cap) return 0;
  put_hdr(p, ND_ROUTER_SOLICIT, ND_RS_LEN);
  return ND_RS_LEN + put_lla(p + ND_RS_LEN, ND_OPT_SLLA, slla, slla_len);
}

static size_t rio_units(uint8_t plen) { return plen == 0 ? 1 : plen <= 64 ? 2 : 3; }

/* Total bytes of the RA, or 0 if the description cannot be encoded. */
static size_t ra_len(const struct nd_ra_out *ra)
{
  size_t n = ND_RA_LEN, ol = lla_opt_len(ra->slla, ra->slla_len);
  if (ol > ND_OPT_MAX_BYTES) return 0;
  n += ol + (ra->mtu ? 8 : 0);
  for (int i = 0; i < ra->n_pi; i++) {
    if (ra->pi[i].plen > 128) return 0;
    n += ND_PI_LEN;
  }
  if (ra->n_rdnss > 127) return 0;   /* one option: length field is 1 + 2n */
  if (ra->n_rdnss > 0) n += 8 + 16 * (size_t)ra->n_rdnss;
  for (int i = 0; i < ra->n_rio; i++) {
    if (ra->rio[i].plen > 128) return 0;
    n += 8 * rio_units(ra->rio[i].plen);
  }
  return n;
}

static size_t put_pi(uint8_t *o, const struct nd_prefix *pi)
{
  memset(o, 0, ND_PI_LEN);
  o[0] = ND_OPT_PI;
  o[1] = 4;
  o[2] = pi->plen;
  o[3] = (uint8_t)((pi->onlink ? 0x80 : 0) | (pi->autonomous ? 0x40 : 0));
  wr32(o + 4, pi->valid);
  wr32(o + 8, pi->preferred);
  memcpy(o + 16, pi->prefix.s6_addr, 16);
  return ND_PI_LEN;
}

static size_t put_rio(uint8_t *o, const struct nd_rio *r)
{
  size_t units = rio_units(r->plen);
  struct in6_addr m;
  in6_mask(&r->prefix, r->plen, &m);
  o[0] = ND_OPT_RIO;
  o[1] = (uint8_t)units;
  o[2] = r->plen;
  o[3] = (uint8_t)(prf_encode(r->pref) << 3);
  wr32(o + 4, r->lifetime);
  memcpy(o + 8, m.s6_addr, 8 * (units - 1));
  return 8 * units;
}

static size_t put_rdnss(uint8_t *o, const struct nd_ra_out *ra)
{
  size_t n = (size_t)ra->n_rdnss;
  o[0] = ND_OPT_RDNSS;
  o[1] = (uint8_t)(1 + 2 * n);
  wr16(o + 2, 0);
  wr32(o + 4, ra->rdnss_lifetime);
  for (size_t i = 0; i < n; i++) memcpy(o + 8 + 16 * i, ra->rdnss[i].s6_addr, 16);
  return 8 + 16 * n;
}

size_t nd_ra_emit(uint8_t *p, size_t cap, const struct nd_ra_out *ra)
{
  size_t total = ra_len(ra);
  if (!total || total > cap) return 0;
  put_hdr(p, ND_ROUTER_ADVERT, ND_RA_LEN);
  p[4] = ra->cur_hlim;
  p[5] = (uint8_t)((ra->managed ? 0x80 : 0) | (ra->other ? 0x40 : 0) | (prf_encode(ra->prf) << 3));
  wr16(p + 6, ra->router_lifetime);
  wr32(p + 8, ra->reachable);
  wr32(p + 12, ra->retrans);
  size_t off = ND_RA_LEN + put_lla(p + ND_RA_LEN, ND_OPT_SLLA, ra->slla, ra->slla_len);
  if (ra->mtu) {
    memset(p + off, 0, 8);
    p[off] = ND_OPT_MTU;
    p[off + 1] = 1;
    wr32(p + off + 4, ra->mtu);
    off += 8;
  }
  for (int i = 0; i < ra->n_pi; i++) off += put_pi(p + off, &ra->pi[i]);
  if (ra->n_rdnss > 0) off += put_rdnss(p + off, ra);
  for (int i = 0; i < ra->n_rio; i++) off += put_rio(p + off, &ra->rio[i]);
  return off;
}

size_t nd_redirect_emit(uint8_t *p, size_t cap, const struct in6_addr *target,
                        const struct in6_addr *dst, const uint8_t *tlla, size_t tlla_len,
                        const uint8_t *orig, size_t orig_len)
{
  const size_t limit = ND_MIN_MTU_MSG - 40;   /* minus the IPv6 header */
  size_t ol = lla_opt_len(tlla, tlla_len);
  if (ol > ND_OPT_MAX_BYTES || ND_REDIRECT_LEN + ol + (orig_len ? 8 : 0) > limit) return 0;
  size_t room = limit - ND_REDIRECT_LEN - ol - 8;   /* a multiple of 8 */
  size_t n = orig && orig_len ? (orig_len < room ? orig_len : room) : 0;
  size_t rl = n ? 8 + ((n + 7) & ~(size_t)7) : 0;
  size_t total = ND_REDIRECT_LEN + ol + rl;
  if (total > cap) return 0;
  put_hdr(p, ND_REDIRECT, ND_REDIRECT_LEN);
  memcpy(p + 8, target->s6_addr, 16);
  memcpy(p + 24, dst->s6_addr, 16);
  size_t off = ND_REDIRECT_LEN + put_lla(p + ND_REDIRECT_LEN, ND_OPT_TLLA, tlla, tlla_len);
  if (rl) {
    memset(p + off, 0, rl);
    p[off] = ND_OPT_REDIR;
    p[off + 1] = (uint8_t)(rl / 8);
    memcpy(p + off + 8, orig, n);
  }
  return total;
}
