/* DHCPv6 messages and options: parse (strict, see dhcp6.h) and emit. */
#include <string.h>
#include "wire/bytes.h"
#include "wire/dhcp6.h"

/* ------------------------------------------------------------ helpers */

struct opt {
  uint16_t code;
  uint16_t len;
  const uint8_t *p;
};

/* The option at *off of an area, framing checked: header and body inside. */
static enum wire_reason opt_take(const uint8_t *area, size_t len, size_t *off, struct opt *o)
{
  if (len - *off < 4) return WR_OPT_TRUNCATED;
  uint16_t l = rd16(area + *off + 2);
  if (l > len - *off - 4) return WR_OPT_TRUNCATED;
  o->code = rd16(area + *off);
  o->len = l;
  o->p = area + *off + 4;
  *off += 4 + (size_t)l;
  return WR_OK;
}

/* Options that may appear once per container: a small bitmap of codes seen. */
struct seen { uint32_t bits[4]; };

static bool seen_twice(struct seen *s, uint16_t code)
{
  if (code >= 128) return false;
  uint32_t bit = 1u << (code % 32);
  if (s->bits[code / 32] & bit) return true;
  s->bits[code / 32] |= bit;
  return false;
}

static void mask_prefix(uint8_t *a, size_t n, unsigned plen)
{
  for (size_t i = 0; i < n; i++) {
    unsigned bits = i * 8 >= plen ? 0 : plen - i * 8 >= 8 ? 8 : plen - i * 8;
    a[i] &= (uint8_t)(0xff00u >> bits);
  }
}

static size_t plen_octets(unsigned plen) { return (plen + 7) / 8; }

static bool msg_type_known(uint8_t t)
{
  return (t >= DHCP6_SOLICIT && t <= DHCP6_LEASEQUERY_REPLY) || t == DHCP6_DHCPV4_QUERY
         || t == DHCP6_DHCPV4_RESPONSE;
}

static bool is_relay(uint8_t t) { return t == DHCP6_RELAY_FORW || t == DHCP6_RELAY_REPL; }

/* ------------------------------------------------------------ option bodies */

static enum wire_reason parse_duid(const struct opt *o, struct dhcp6_duid *d)
{
  if (o->len < 3 || o->len > DHCP6_DUID_MAX) return WR_DHCP6_BAD_DUID;
  uint16_t t = rd16(o->p);
  size_t min = t == DUID_LLT ? 2 + 2 + 4 + 1 : t == DUID_EN ? 2 + 4 + 1 : t == DUID_LL ? 2 + 2 + 1 : 3;
  if (t == 0 || o->len < min || (t == DUID_UUID && o->len != 18)) return WR_DHCP6_BAD_DUID;
  d->type = t;
  d->p = o->p;
  d->len = o->len;
  return WR_OK;
}

static enum wire_reason parse_status(const struct opt *o, struct dhcp6_status *s)
{
  if (o->len < 2) return WR_BAD_OPT_LEN;
  s->present = true;
  s->code = rd16(o->p);
  s->text.p = o->p + 2;
  s->text.len = (uint16_t)(o->len - 2);
  return WR_OK;
}

/* Options inside IAADDR / IAPREFIX: STATUS_CODE once, the rest unknown. */
static enum wire_reason parse_item_opts(const uint8_t *p, size_t len, struct dhcp6_ia_item *it, int *n_unknown)
{
  struct seen seen = { { 0 } };
  for (size_t off = 0; off < len;) {
    struct opt o;
    enum wire_reason r = opt_take(p, len, &off, &o);
    if (r != WR_OK) return r;
    if (o.code == D6O_STATUS_CODE) {
      if (seen_twice(&seen, o.code)) return WR_DUP_OPT;
      if ((r = parse_status(&o, &it->status)) != WR_OK) return r;
    } else {
      (*n_unknown)++;
    }
  }
  return WR_OK;
}

static enum wire_reason parse_iaaddr(const struct opt *o, struct dhcp6_ia_item *it, int *n_unknown)
{
  if (o->len < 24) return WR_BAD_OPT_LEN;
  memset(it, 0, sizeof *it);
  memcpy(&it->addr, o->p, 16);
  it->plen = 128;
  it->preferred = rd32(o->p + 16);
  it->valid = rd32(o->p + 20);
  return parse_item_opts(o->p + 24, o->len - 24u, it, n_unknown);
}

static enum wire_reason parse_iaprefix(const struct opt *o, struct dhcp6_ia_item *it, int *n_unknown)
{
  if (o->len < 25) return WR_BAD_OPT_LEN;
  memset(it, 0, sizeof *it);
  it->preferred = rd32(o->p);
  it->valid = rd32(o->p + 4);
  it->plen = o->p[8];
  if (it->plen > 128) return WR_BAD_PREFIX_LEN;
  memcpy(&it->addr, o->p + 9, 16);
  mask_prefix(it->addr.s6_addr, 16, it->plen);
  return parse_item_opts(o->p + 25, o->len - 25u, it, n_unknown);
}

/* IA_NA / IA_TA / IA_PD with their addresses or prefixes. */
static enum wire_reason parse_ia(const struct opt *o, struct dhcp6_ia *ia, int *n_unknown, int *n_ignored)
{
  size_t fixed = o->code == D6O_IA_TA ? 4 : 12;
  if (o->len < fixed) return WR_BAD_OPT_LEN;
  memset(ia, 0, sizeof *ia);
  ia->type = o->code;
  ia->iaid = rd32(o->p);
  if (fixed == 12) {
    ia->t1 = rd32(o->p + 4);
    ia->t2 = rd32(o->p + 8);
  }
  uint16_t item_code = o->code == D6O_IA_PD ? D6O_IAPREFIX : D6O_IAADDR;
  struct seen seen = { { 0 } };
  const uint8_t *area = o->p + fixed;
  size_t len = o->len - fixed;
  for (size_t off = 0; off < len;) {
    struct opt in;
    enum wire_reason r = opt_take(area, len, &off, &in);
    if (r != WR_OK) return r;
    if (in.code == D6O_STATUS_CODE) {
      if (seen_twice(&seen, in.code)) return WR_DUP_OPT;
      if ((r = parse_status(&in, &ia->status)) != WR_OK) return r;
    } else if (in.code == item_code) {
      struct dhcp6_ia_item scratch;
      bool keep = ia->n_item < DHCP6_MAX_IA_ITEMS;
      struct dhcp6_ia_item *it = keep ? &ia->item[ia->n_item] : &scratch;
      r = item_code == D6O_IAPREFIX ? parse_iaprefix(&in, it, n_unknown) : parse_iaaddr(&in, it, n_unknown);
      if (r != WR_OK) return r;
      if (keep) ia->n_item++;
      else (*n_ignored)++;
    } else {
      (*n_unknown)++;   /* includes an IAPREFIX in an IA_NA and the reverse */
    }
  }
  return WR_OK;
}

/* USER_CLASS: (len16, data)*; VENDOR_CLASS: enterprise + (len16, data)*;
 * VENDOR_OPTS: enterprise + (code16, len16, data)*. */
static enum wire_reason check_len_items(const uint8_t *p, size_t len, size_t hdr)
{
  for (size_t off = 0; off < len;) {
    if (len - off < hdr) return WR_BAD_OPT_LEN;
    size_t l = rd16(p + off + hdr - 2);
    if (l > len - off - hdr) return WR_BAD_OPT_LEN;
    off += hdr + l;
  }
  return WR_OK;
}

static bool domain_char_ok(uint8_t c)
{
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-'
         || c == '_';
}

/* One uncompressed wire name at *off: labels 1..63 of letters, digits,
 * '-' and '_' (what can safely become a search-list line), <= 255 octets,
 * at least one label.  Advances *off past the root label. */
static bool domain_name_ok(const uint8_t *p, size_t len, size_t *off)
{
  size_t start = *off, o = *off;
  for (;;) {
    if (o >= len || o - start >= 255) return false;
    uint8_t l = p[o];
    if (l == 0) break;
    if (l > 63 || l > len - o - 1) return false;
    for (size_t i = 1; i <= l; i++)
      if (!domain_char_ok(p[o + i])) return false;
    o += 1 + (size_t)l;
  }
  if (o == start) return false;   /* the root alone is no search domain */
  *off = o + 1;
  return *off - start <= 255;
}

static enum wire_reason check_domain_list(const uint8_t *p, size_t len)
{
  for (size_t off = 0; off < len;)
    if (!domain_name_ok(p, len, &off)) return WR_DHCP6_BAD_DOMAIN;
  return WR_OK;
}

/* ------------------------------------------------------------ softwire (RFC 7598) */

static enum wire_reason parse_portparams(const struct opt *o, struct dhcp6_portparams *pp)
{
  if (o->len != 4) return WR_BAD_OPT_LEN;
  pp->offset = o->p[0];
  pp->psid_len = o->p[1];
  pp->psid = rd16(o->p + 2);
  pp->present = true;
  return WR_OK;
}

/* Options nested in S46_RULE / S46_V4V6BIND: one PORTPARAMS, the rest unknown. */
static enum wire_reason parse_pp_area(const uint8_t *p, size_t len, struct dhcp6_portparams *pp, int *n_unknown)
{
  for (size_t off = 0; off < len;) {
    struct opt o;
    enum wire_reason r = opt_take(p, len, &off, &o);
    if (r != WR_OK) return r;
    if (o.code != D6O_S46_PORTPARAMS) {
      (*n_unknown)++;
      continue;
    }
    if (pp->present) return WR_DUP_OPT;
    if ((r = parse_portparams(&o, pp)) != WR_OK) return r;
  }
  return WR_OK;
}

static enum wire_reason parse_s46_rule(const struct opt *o, struct dhcp6_s46_rule *ru, int *n_unknown)
{
  if (o->len < 8) return WR_BAD_OPT_LEN;
  memset(ru, 0, sizeof *ru);
  ru->flags = o->p[0];
  ru->ea_len = o->p[1];
  ru->prefix4_len = o->p[2];
  memcpy(&ru->prefix4, o->p + 3, 4);
  ru->prefix6_len = o->p[7];
  if (ru->ea_len > 48 || ru->prefix4_len > 32 || ru->prefix6_len > 128) return WR_BAD_PREFIX_LEN;
  mask_prefix((uint8_t *)&ru->prefix4, 4, ru->prefix4_len);
  size_t n6 = plen_octets(ru->prefix6_len);
  if (o->len < 8 + n6) return WR_BAD_OPT_LEN;
  memcpy(ru->prefix6.s6_addr, o->p + 8, n6);
  mask_prefix(ru->prefix6.s6_addr, 16, ru->prefix6_len);
  return parse_pp_area(o->p + 8 + n6, o->len - 8 - n6, &ru->pp, n_unknown);
}

static enum wire_reason parse_s46_dmr(const struct opt *o, struct dhcp6_s46 *s)
{
  if (o->len < 1) return WR_BAD_OPT_LEN;
  uint8_t plen = o->p[0];
  if (plen > 128) return WR_BAD_PREFIX_LEN;
  if (o->len != 1 + plen_octets(plen)) return WR_BAD_OPT_LEN;
  s->has_dmr = true;
  s->dmr_len = plen;
  memset(&s->dmr, 0, sizeof s->dmr);
  memcpy(s->dmr.s6_addr, o->p + 1, plen_octets(plen));
  mask_prefix(s->dmr.s6_addr, 16, plen);
  return WR_OK;
}

static enum wire_reason parse_s46_bind(const struct opt *o, struct dhcp6_s46 *s, int *n_unknown)
{
  if (o->len < 5) return WR_BAD_OPT_LEN;
  uint8_t plen = o->p[4];
  if (plen > 128) return WR_BAD_PREFIX_LEN;
  size_t n6 = plen_octets(plen);
  if (o->len < 5 + n6) return WR_BAD_OPT_LEN;
  s->has_bind = true;
  memcpy(&s->bind4, o->p, 4);
  s->bind6_len = plen;
  memset(&s->bind6, 0, sizeof s->bind6);
  memcpy(s->bind6.s6_addr, o->p + 5, n6);
  mask_prefix(s->bind6.s6_addr, 16, plen);
  return parse_pp_area(o->p + 5 + n6, o->len - 5 - n6, &s->bind_pp, n_unknown);
}

/* S46_CONT_MAPE / MAPT / LW: rules, BRs, a DMR, a V4V6BIND. */
static enum wire_reason parse_s46_cont(const struct opt *o, struct dhcp6_s46 *s, int *n_unknown, int *n_ignored)
{
  memset(s, 0, sizeof *s);
  s->type = o->code;
  for (size_t off = 0; off < o->len;) {
    struct opt in;
    enum wire_reason r = opt_take(o->p, o->len, &off, &in);
    if (r != WR_OK) return r;
    switch (in.code) {
    case D6O_S46_RULE: {
      struct dhcp6_s46_rule scratch;
      bool keep = s->n_rule < DHCP6_MAX_S46_RULES;
      if ((r = parse_s46_rule(&in, keep ? &s->rule[s->n_rule] : &scratch, n_unknown)) != WR_OK) return r;
      if (keep) s->n_rule++;
      else (*n_ignored)++;
      break;
    }
    case D6O_S46_BR:
      if (in.len != 16) return WR_BAD_OPT_LEN;
      if (s->n_br < DHCP6_MAX_DNS) memcpy(&s->br[s->n_br++], in.p, 16);
      else (*n_ignored)++;
      break;
    case D6O_S46_DMR:
      if (s->has_dmr) return WR_DUP_OPT;
      if ((r = parse_s46_dmr(&in, s)) != WR_OK) return r;
      break;
    case D6O_S46_V4V6BIND:
      if (s->has_bind) return WR_DUP_OPT;
      if ((r = parse_s46_bind(&in, s, n_unknown)) != WR_OK) return r;
      break;
    default:
      (*n_unknown)++;
    }
  }
  return WR_OK;
}

static enum wire_reason want_len(const struct opt *o, size_t n);
static enum wire_reason parse_u32_opt(const struct opt *o, bool *has, uint32_t *v);
static struct dhcp6_bytes bytes_of(const struct opt *o);

/* ------------------------------------------------------------ Leasequery (RFC 5007), FQDN (RFC 4704) */

/* OPTION_LQ_QUERY: query-type, link-address, query options (IAADDR for
 * BY_ADDRESS, CLIENTID for BY_CLIENTID, once each; ORO and others
 * unknown).  An unknown query-type is kept: answering UnknownQueryType is
 * the server's job. */
static enum wire_reason parse_lq_query(const struct opt *o, struct dhcp6_lq_query *q, int *n_unknown)
{
  if (o->len < 17) return WR_DHCP6_BAD_LQ;
  memset(q, 0, sizeof *q);
  q->present = true;
  q->type = o->p[0];
  memcpy(&q->link_addr, o->p + 1, 16);
  const uint8_t *area = o->p + 17;
  size_t len = o->len - 17u;
  for (size_t off = 0; off < len;) {
    struct opt in;
    enum wire_reason r = opt_take(area, len, &off, &in);
    if (r != WR_OK) return r;
    if (in.code == D6O_IAADDR) {
      if (q->has_addr) return WR_DUP_OPT;
      struct dhcp6_ia_item it;
      if ((r = parse_iaaddr(&in, &it, n_unknown)) != WR_OK) return r;
      q->has_addr = true;
      q->addr = it.addr;
    } else if (in.code == D6O_CLIENTID) {
      if (q->clientid.p) return WR_DUP_OPT;
      if ((r = parse_duid(&in, &q->clientid)) != WR_OK) return r;
    } else {
      (*n_unknown)++;
    }
  }
  return WR_OK;
}

/* One item of a CLIENT_DATA: IAADDR / IAPREFIX kept up to the cap. */
static enum wire_reason cdata_item(const struct opt *in, struct dhcp6_client_data *cd, int *n_unknown,
                                   int *n_ignored)
{
  struct dhcp6_ia_item scratch;
  bool keep = cd->n_item < DHCP6_MAX_IA_ITEMS;
  struct dhcp6_ia_item *it = keep ? &cd->item[cd->n_item] : &scratch;
  enum wire_reason r = in->code == D6O_IAPREFIX ? parse_iaprefix(in, it, n_unknown) : parse_iaaddr(in, it, n_unknown);
  if (r != WR_OK) return r;
  if (keep) cd->n_item++;
  else (*n_ignored)++;
  return WR_OK;
}

/* OPTION_CLIENT_DATA: CLIENTID and CLT_TIME once, IAADDR / IAPREFIX, the
 * softwire options a DSTM server adds (validated here, read through body). */
static enum wire_reason parse_client_data(const struct opt *o, struct dhcp6_client_data *cd, int *n_unknown,
                                          int *n_ignored)
{
  memset(cd, 0, sizeof *cd);
  cd->present = true;
  cd->body = bytes_of(o);
  for (size_t off = 0; off < o->len;) {
    struct opt in;
    enum wire_reason r = opt_take(o->p, o->len, &off, &in);
    if (r != WR_OK) return r;
    switch (in.code) {
    case D6O_CLIENTID:
      if (cd->clientid.p) return WR_DUP_OPT;
      r = parse_duid(&in, &cd->clientid);
      break;
    case D6O_IAADDR: case D6O_IAPREFIX:
      r = cdata_item(&in, cd, n_unknown, n_ignored);
      break;
    case D6O_CLT_TIME:
      if (cd->has_clt_time) return WR_DUP_OPT;
      r = parse_u32_opt(&in, &cd->has_clt_time, &cd->clt_time);
      break;
    case D6O_S46_BR:
      r = want_len(&in, 16);
      break;
    case D6O_S46_CONT_MAPE: case D6O_S46_CONT_MAPT: case D6O_S46_CONT_LW: {
      struct dhcp6_s46 scratch;
      r = parse_s46_cont(&in, &scratch, n_unknown, n_ignored);
      break;
    }
    default:
      (*n_unknown)++;
    }
    if (r != WR_OK) return r;
  }
  return WR_OK;
}

/* RFC 4704 §4.1: flags (only S, O, N defined; the rest MBZ; N with S is
 * invalid) then a DNS wire name, fully qualified (ends in the root label)
 * or partial (ends with the option), maybe empty.  Labels: the same
 * characters as a search domain (the name may end up in DNS). */
static enum wire_reason check_fqdn(const struct opt *o)
{
  if (o->len < 1) return WR_BAD_OPT_LEN;
  uint8_t flags = o->p[0];
  if ((flags & 0xf8) || ((flags & 0x04) && (flags & 0x01))) return WR_DHCP6_BAD_DOMAIN;
  const uint8_t *p = o->p + 1;
  size_t len = o->len - 1u;
  if (len > 255) return WR_DHCP6_BAD_DOMAIN;
  for (size_t off = 0; off < len;) {
    uint8_t l = p[off];
    if (l == 0) return off + 1 == len && off > 0 ? WR_OK : WR_DHCP6_BAD_DOMAIN;
    if (l > 63 || l > len - off - 1) return WR_DHCP6_BAD_DOMAIN;
    for (size_t i = 1; i <= l; i++)
      if (!domain_char_ok(p[off + i])) return WR_DHCP6_BAD_DOMAIN;
    off += 1 + (size_t)l;
  }
  return WR_OK;
}

/* ------------------------------------------------------------ message level */

struct pctx {
  struct dhcp6_msg *m;
  const uint8_t *base;     /* the message start, for auth.info_off */
  struct seen seen;
};

/* Options that may appear at most once in a message. */
static bool once_only(uint16_t code)
{
  switch (code) {
  case D6O_CLIENTID: case D6O_SERVERID: case D6O_ORO: case D6O_PREFERENCE: case D6O_ELAPSED_TIME:
  case D6O_RELAY_MSG: case D6O_AUTH: case D6O_UNICAST: case D6O_STATUS_CODE: case D6O_RAPID_COMMIT:
  case D6O_USER_CLASS: case D6O_INTERFACE_ID: case D6O_RECONF_MSG: case D6O_RECONF_ACCEPT:
  case D6O_DNS_SERVERS: case D6O_DOMAIN_LIST: case D6O_INFORMATION_REFRESH_TIME: case D6O_SOL_MAX_RT:
  case D6O_INF_MAX_RT: case D6O_DHCPV4_MSG: case D6O_DHCP4_O_DHCP6_SERVER: case D6O_CLIENT_FQDN:
  case D6O_LQ_QUERY:
    return true;
  default:
    return false;
  }
}

static enum wire_reason want_len(const struct opt *o, size_t n) { return o->len == n ? WR_OK : WR_BAD_OPT_LEN; }

static enum wire_reason parse_u32_opt(const struct opt *o, bool *has, uint32_t *v)
{
  if (o->len != 4) return WR_BAD_OPT_LEN;
  *has = true;
  *v = rd32(o->p);
  return WR_OK;
}

static enum wire_reason parse_auth(struct pctx *c, const struct opt *o)
{
  if (o->len < 11) return WR_BAD_OPT_LEN;
  struct dhcp6_auth *a = &c->m->auth;
  a->present = true;
  a->protocol = o->p[0];
  a->algorithm = o->p[1];
  a->rdm = o->p[2];
  a->replay = ((uint64_t)rd32(o->p + 3) << 32) | rd32(o->p + 7);
  a->info.p = o->p + 11;
  a->info.len = (uint16_t)(o->len - 11);
  a->info_off = (size_t)(a->info.p - c->base);
  return WR_OK;
}

static enum wire_reason parse_oro(struct dhcp6_msg *m, const struct opt *o)
{
  if (o->len % 2) return WR_BAD_OPT_LEN;
  m->has_oro = true;
  for (size_t i = 0; i < o->len; i += 2) {
    if (m->n_oro < DHCP6_MAX_ORO) m->oro[m->n_oro++] = rd16(o->p + i);
    else m->n_ignored++;
  }
  return WR_OK;
}

static enum wire_reason parse_dns(struct dhcp6_msg *m, const struct opt *o)
{
  if (o->len == 0 || o->len % 16) return WR_BAD_OPT_LEN;
  for (size_t i = 0; i < o->len; i += 16) {
    if (m->n_dns < DHCP6_MAX_DNS) memcpy(&m->dns[m->n_dns++], o->p + i, 16);
    else m->n_ignored++;
  }
  return WR_OK;
}

static struct dhcp6_bytes bytes_of(const struct opt *o) { return (struct dhcp6_bytes){ o->p, o->len }; }

static enum wire_reason parse_ia_opt(struct dhcp6_msg *m, const struct opt *o)
{
  struct dhcp6_ia scratch;
  bool keep = m->n_ia < DHCP6_MAX_IA;
  enum wire_reason r = parse_ia(o, keep ? &m->ia[m->n_ia] : &scratch, &m->n_unknown, &m->n_ignored);
  if (r != WR_OK) return r;
  if (keep) m->n_ia++;
  else m->n_ignored++;
  return WR_OK;
}

static enum wire_reason parse_s46_opt(struct dhcp6_msg *m, const struct opt *o)
{
  struct dhcp6_s46 scratch;
  bool keep = m->s46.type == 0;
  enum wire_reason r = parse_s46_cont(o, keep ? &m->s46 : &scratch, &m->n_unknown, &m->n_ignored);
  if (r != WR_OK) return r;
  if (!keep) m->n_ignored++;
  return WR_OK;
}

static enum wire_reason parse_cdata_opt(struct dhcp6_msg *m, const struct opt *o)
{
  struct dhcp6_client_data scratch;
  bool keep = !m->cdata.present;
  enum wire_reason r = parse_client_data(o, keep ? &m->cdata : &scratch, &m->n_unknown, &m->n_ignored);
  if (r != WR_OK) return r;
  if (!keep) m->n_ignored++;
  return WR_OK;
}

static enum wire_reason parse_msg_opt(struct pctx *c, const struct opt *o)
{
  struct dhcp6_msg *m = c->m;
  if (once_only(o->code) && seen_twice(&c->seen, o->code)) return WR_DUP_OPT;
  switch (o->code) {
  case D6O_CLIENTID: return parse_duid(o, &m->clientid);
  case D6O_SERVERID: return parse_duid(o, &m->serverid);
  case D6O_IA_NA: case D6O_IA_TA: case D6O_IA_PD: return parse_ia_opt(m, o);
  case D6O_ORO: return parse_oro(m, o);
  case D6O_PREFERENCE:
    m->has_preference = o->len == 1;
    m->preference = o->len == 1 ? o->p[0] : 0;
    return want_len(o, 1);
  case D6O_ELAPSED_TIME:
    m->has_elapsed = o->len == 2;
    m->elapsed = o->len == 2 ? rd16(o->p) : 0;
    return want_len(o, 2);
  case D6O_RELAY_MSG:
    if (is_relay(m->type)) m->relay_msg = bytes_of(o);
    else m->n_ignored++;
    return WR_OK;
  case D6O_AUTH: return parse_auth(c, o);
  case D6O_UNICAST:
    if (o->len != 16) return WR_BAD_OPT_LEN;
    m->has_unicast = true;
    memcpy(&m->unicast, o->p, 16);
    return WR_OK;
  case D6O_STATUS_CODE: return parse_status(o, &m->status);
  case D6O_RAPID_COMMIT: m->rapid_commit = true; return want_len(o, 0);
  case D6O_USER_CLASS: m->user_class = bytes_of(o); return check_len_items(o->p, o->len, 2);
  case D6O_VENDOR_CLASS:
  case D6O_VENDOR_OPTS: {
    if (o->len < 4) return WR_BAD_OPT_LEN;
    enum wire_reason r = check_len_items(o->p + 4, o->len - 4u, o->code == D6O_VENDOR_CLASS ? 2 : 4);
    struct dhcp6_bytes *keep = o->code == D6O_VENDOR_CLASS ? &m->vendor_class : &m->vendor_opts;
    if (r == WR_OK && keep->p) m->n_ignored++;   /* another enterprise: the first one is kept */
    else if (r == WR_OK) *keep = bytes_of(o);
    return r;
  }
  case D6O_INTERFACE_ID: m->interface_id = bytes_of(o); return WR_OK;
  case D6O_RECONF_MSG:
    m->has_reconf_msg = o->len == 1;
    m->reconf_msg = o->len == 1 ? o->p[0] : 0;
    return want_len(o, 1);
  case D6O_RECONF_ACCEPT: m->reconf_accept = true; return want_len(o, 0);
  case D6O_DNS_SERVERS: return parse_dns(m, o);
  case D6O_DOMAIN_LIST: m->domain_list = bytes_of(o); return check_domain_list(o->p, o->len);
  case D6O_INFORMATION_REFRESH_TIME: return parse_u32_opt(o, &m->has_irt, &m->irt);
  case D6O_SOL_MAX_RT: return parse_u32_opt(o, &m->has_sol_max_rt, &m->sol_max_rt);
  case D6O_INF_MAX_RT: return parse_u32_opt(o, &m->has_inf_max_rt, &m->inf_max_rt);
  case D6O_DHCPV4_MSG: m->dhcpv4_msg = bytes_of(o); return WR_OK;
  case D6O_DHCP4_O_DHCP6_SERVER: return o->len % 16 ? WR_BAD_OPT_LEN : WR_OK;
  case D6O_S46_CONT_MAPE: case D6O_S46_CONT_MAPT: case D6O_S46_CONT_LW: return parse_s46_opt(m, o);
  case D6O_LQ_QUERY: return parse_lq_query(o, &m->lq, &m->n_unknown);
  case D6O_CLIENT_DATA: return parse_cdata_opt(m, o);
  case D6O_CLIENT_FQDN: m->fqdn = bytes_of(o); return check_fqdn(o);
  case D6O_CLT_TIME:
  case D6O_IAADDR: case D6O_IAPREFIX: case D6O_S46_RULE: case D6O_S46_BR: case D6O_S46_DMR:
  case D6O_S46_V4V6BIND: case D6O_S46_PORTPARAMS:
    m->n_ignored++;   /* only valid nested in their containers */
    return WR_OK;
  default:
    m->n_unknown++;
    return WR_OK;
  }
}

/* The RELAY_MSG body of a relay message, without validating the rest
 * (that is the job of the parse of that level); NULL if none found. */
static const uint8_t *inner_relay_msg(const uint8_t *p, size_t len, size_t *inner_len)
{
  if (len < DHCP6_RELAY_HDR_LEN) return NULL;
  const uint8_t *area = p + DHCP6_RELAY_HDR_LEN;
  size_t alen = len - DHCP6_RELAY_HDR_LEN;
  for (size_t off = 0; off < alen;) {
    struct opt o;
    if (opt_take(area, alen, &off, &o) != WR_OK) return NULL;
    if (o.code == D6O_RELAY_MSG) {
      *inner_len = o.len;
      return o.p;
    }
  }
  return NULL;
}

/* Relay levels nested in a relay message, this one included. */
static int relay_nesting(const uint8_t *p, size_t len)
{
  int depth = 0;
  while (len >= DHCP6_HDR_LEN && is_relay(p[0]) && depth <= DHCP6_RELAY_DEPTH_MAX) {
    depth++;
    size_t il = 0;
    p = inner_relay_msg(p, len, &il);
    if (!p) break;
    len = il;
  }
  return depth;
}

enum wire_reason dhcp6_parse(const uint8_t *p, size_t len, struct dhcp6_msg *m)
{
  memset(m, 0, sizeof *m);
  if (len < DHCP6_HDR_LEN) return WR_TRUNCATED;
  if (len > DHCP6_MSG_MAX) return WR_BAD_LENGTH;
  m->type = p[0];
  if (!msg_type_known(m->type)) return WR_BAD_TYPE;
  size_t hdr = DHCP6_HDR_LEN;
  if (is_relay(m->type)) {
    if (len < DHCP6_RELAY_HDR_LEN) return WR_TRUNCATED;
    m->hop_count = p[1];
    memcpy(&m->link_addr, p + 2, 16);
    memcpy(&m->peer_addr, p + 18, 16);
    if (m->hop_count > DHCP6_RELAY_DEPTH_MAX || relay_nesting(p, len) > DHCP6_RELAY_DEPTH_MAX)
      return WR_DHCP6_RELAY_TOO_DEEP;
    hdr = DHCP6_RELAY_HDR_LEN;
  } else {
    m->xid = ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
  }
  m->opts = p + hdr;
  m->opts_len = len - hdr;
  struct pctx c = { .m = m, .base = p };
  for (size_t off = 0; off < m->opts_len;) {
    struct opt o;
    enum wire_reason r = opt_take(m->opts, m->opts_len, &off, &o);
    if (r == WR_OK) r = parse_msg_opt(&c, &o);
    if (r != WR_OK) return r;
  }
  if (is_relay(m->type) && !m->relay_msg.p) return WR_DHCP6_NO_RELAY_MSG;
  if (m->type == DHCP6_LEASEQUERY && !m->lq.present) return WR_DHCP6_BAD_LQ;   /* RFC 5007 §4.1.2.1: MUST */
  return WR_OK;
}

enum wire_reason dhcp6_parse_chain(const uint8_t *p, size_t len, struct dhcp6_msg *levels, int *n)
{
  *n = 0;
  for (int i = 0; i <= DHCP6_RELAY_DEPTH_MAX; i++) {
    enum wire_reason r = dhcp6_parse(p, len, &levels[i]);
    if (r != WR_OK) return r;
    *n = i + 1;
    uint8_t t = levels[i].type;
    if (!is_relay(t)) return WR_OK;
    p = levels[i].relay_msg.p;
    len = levels[i].relay_msg.len;
    /* a Relay-forw carries a client message or another Relay-forw, never a Relay-repl */
    if (len >= 1 && is_relay(p[0]) && p[0] != t) return WR_BAD_TYPE;
  }
  return WR_DHCP6_RELAY_TOO_DEEP;
}

/* ------------------------------------------------------------ role rules (RFC 9915 §16) */

static enum wire_reason need_ids(const struct dhcp6_msg *m, bool serverid)
{
  if (!m->clientid.p) return WR_DHCP6_MISSING_CLIENTID;
  if (serverid && !m->serverid.p) return WR_DHCP6_MISSING_SERVERID;
  if (!serverid && m->serverid.p) return WR_DHCP6_UNEXPECTED_SERVERID;
  return WR_OK;
}

enum wire_reason dhcp6_check_client_msg(const struct dhcp6_msg *m)
{
  switch (m->type) {
  case DHCP6_SOLICIT:      /* §16.2 */
  case DHCP6_CONFIRM:      /* §16.5 */
  case DHCP6_REBIND:       /* §16.7 */
    return need_ids(m, false);
  case DHCP6_REQUEST:      /* §16.4 */
  case DHCP6_RENEW:        /* §16.6 */
  case DHCP6_RELEASE:      /* §16.9 */
  case DHCP6_DECLINE:      /* §16.8 */
    return need_ids(m, true);
  case DHCP6_INFORMATION_REQUEST:   /* §16.12: ids optional (a SERVERID must match: the server's job) */
    return m->n_ia ? WR_DHCP6_UNEXPECTED_IA : WR_OK;
  default:
    return WR_BAD_TYPE;
  }
}

enum wire_reason dhcp6_check_server_msg(const struct dhcp6_msg *m)
{
  if (m->type != DHCP6_ADVERTISE && m->type != DHCP6_REPLY && m->type != DHCP6_RECONFIGURE)
    return WR_BAD_TYPE;
  /* §16.3, §16.10, §16.11: both identifiers (matching them is the client's job) */
  if (!m->serverid.p) return WR_DHCP6_MISSING_SERVERID;
  if (!m->clientid.p) return WR_DHCP6_MISSING_CLIENTID;
  if (m->type == DHCP6_RECONFIGURE) {
    if (!m->has_reconf_msg
        || (m->reconf_msg != DHCP6_RENEW && m->reconf_msg != DHCP6_REBIND
            && m->reconf_msg != DHCP6_INFORMATION_REQUEST))
      return WR_DHCP6_BAD_RECONF_MSG;
    if (!m->auth.present) return WR_DHCP6_MISSING_AUTH;
  }
  return WR_OK;
}

/* ------------------------------------------------------------ walkers, names */

bool dhcp6_opt_next(const uint8_t *opts, size_t len, size_t *off, uint16_t *code, struct dhcp6_bytes *body)
{
  struct opt o;
  if (!opts || *off >= len || opt_take(opts, len, off, &o) != WR_OK) return false;
  *code = o.code;
  *body = bytes_of(&o);
  return true;
}

bool dhcp6_domain_next(struct dhcp6_bytes list, size_t *off, char *out, size_t outn)
{
  size_t start = *off, end = *off;
  if (outn) out[0] = 0;
  if (!list.p || start >= list.len || !domain_name_ok(list.p, list.len, &end)) return false;
  /* wire length - 1 is the dotted length plus its NUL (no trailing dot) */
  size_t text = end - start - 1;
  if (text > outn) return false;
  size_t w = 0;
  for (size_t o = start; list.p[o]; o += 1 + (size_t)list.p[o]) {
    if (w) out[w++] = '.';
    memcpy(out + w, list.p + o + 1, list.p[o]);
    w += list.p[o];
  }
  out[w] = 0;
  *off = end;
  return true;
}

const char *dhcp6_msg_name(uint8_t type)
{
  static const char *const names[] = {
    [DHCP6_SOLICIT] = "SOLICIT", [DHCP6_ADVERTISE] = "ADVERTISE", [DHCP6_REQUEST] = "REQUEST",
    [DHCP6_CONFIRM] = "CONFIRM", [DHCP6_RENEW] = "RENEW", [DHCP6_REBIND] = "REBIND",
    [DHCP6_REPLY] = "REPLY", [DHCP6_RELEASE] = "RELEASE", [DHCP6_DECLINE] = "DECLINE",
    [DHCP6_RECONFIGURE] = "RECONFIGURE", [DHCP6_INFORMATION_REQUEST] = "INFORMATION-REQUEST",
    [DHCP6_RELAY_FORW] = "RELAY-FORW", [DHCP6_RELAY_REPL] = "RELAY-REPL",
    [DHCP6_LEASEQUERY] = "LEASEQUERY", [DHCP6_LEASEQUERY_REPLY] = "LEASEQUERY-REPLY",
    [DHCP6_DHCPV4_QUERY] = "DHCPV4-QUERY", [DHCP6_DHCPV4_RESPONSE] = "DHCPV4-RESPONSE",
  };
  if (type >= sizeof names / sizeof names[0] || !names[type]) return "unknown";
  return names[type];
}

const char *dhcp6_status_name(uint16_t code)
{
  static const char *const names[] = {
    [D6S_SUCCESS] = "Success", [D6S_UNSPEC_FAIL] = "UnspecFail", [D6S_NO_ADDRS_AVAIL] = "NoAddrsAvail",
    [D6S_NO_BINDING] = "NoBinding", [D6S_NOT_ON_LINK] = "NotOnLink", [D6S_USE_MULTICAST] = "UseMulticast",
    [D6S_NO_PREFIX_AVAIL] = "NoPrefixAvail", [D6S_UNKNOWN_QUERY_TYPE] = "UnknownQueryType",
    [D6S_MALFORMED_QUERY] = "MalformedQuery", [D6S_NOT_CONFIGURED] = "NotConfigured",
    [D6S_NOT_ALLOWED] = "NotAllowed",
  };
  if (code >= sizeof names / sizeof names[0]) return "unknown";
  return names[code];
}

/* ------------------------------------------------------------ emit */

void dhcp6_build_init(struct dhcp6_builder *b, uint8_t *buf, size_t cap)
{
  memset(b, 0, sizeof *b);
  b->buf = buf;
  b->cap = cap;
  if (!buf) b->err = true;
}

/* Reserve n bytes at the end; NULL (and err) when they do not fit. */
static uint8_t *reserve(struct dhcp6_builder *b, size_t n)
{
  if (b->err) return NULL;
  if (b->cap - b->len < n) {
    b->err = true;
    return NULL;
  }
  uint8_t *p = b->buf + b->len;
  b->len += n;
  return p;
}

static void put_bytes(struct dhcp6_builder *b, const void *data, size_t n)
{
  uint8_t *p = reserve(b, n);
  if (p && n) memcpy(p, data, n);
}

static void put_be16(struct dhcp6_builder *b, uint16_t v)
{
  uint8_t *p = reserve(b, 2);
  if (p) wr16(p, v);
}

static void put_be32(struct dhcp6_builder *b, uint32_t v)
{
  uint8_t *p = reserve(b, 4);
  if (p) wr32(p, v);
}

static void put_byte(struct dhcp6_builder *b, uint8_t v) { put_bytes(b, &v, 1); }

static void opt_hdr(struct dhcp6_builder *b, uint16_t code, size_t len)
{
  if (len > 0xffff) b->err = true;
  put_be16(b, code);
  put_be16(b, (uint16_t)len);
}

/* A prefix in ceil(plen/8) octets, bits past plen zero. */
static void put_prefix_bytes(struct dhcp6_builder *b, const uint8_t *a, size_t n, unsigned plen)
{
  uint8_t tmp[16];
  if (plen > 128) {
    b->err = true;
    return;
  }
  size_t k = plen_octets(plen);
  memset(tmp, 0, sizeof tmp);
  memcpy(tmp, a, k < n ? k : n);
  mask_prefix(tmp, k, plen);
  put_bytes(b, tmp, k);
}

void dhcp6_build_hdr(struct dhcp6_builder *b, uint8_t type, uint32_t xid)
{
  uint8_t *p = reserve(b, DHCP6_HDR_LEN);
  if (!p) return;
  p[0] = type;
  p[1] = (uint8_t)(xid >> 16);
  p[2] = (uint8_t)(xid >> 8);
  p[3] = (uint8_t)xid;
}

void dhcp6_build_relay_hdr(struct dhcp6_builder *b, uint8_t type, uint8_t hops,
                           const struct in6_addr *link, const struct in6_addr *peer)
{
  if (hops > DHCP6_RELAY_DEPTH_MAX) b->err = true;   /* the parser would refuse it */
  uint8_t *p = reserve(b, DHCP6_RELAY_HDR_LEN);
  if (!p) return;
  p[0] = type;
  p[1] = hops;
  memcpy(p + 2, link, 16);
  memcpy(p + 18, peer, 16);
}

void dhcp6_put_opt(struct dhcp6_builder *b, uint16_t code, const void *data, size_t len)
{
  opt_hdr(b, code, len);
  put_bytes(b, data, len);
}

void dhcp6_put_u8(struct dhcp6_builder *b, uint16_t code, uint8_t v) { dhcp6_put_opt(b, code, &v, 1); }

void dhcp6_put_u16(struct dhcp6_builder *b, uint16_t code, uint16_t v)
{
  opt_hdr(b, code, 2);
  put_be16(b, v);
}

void dhcp6_put_u32(struct dhcp6_builder *b, uint16_t code, uint32_t v)
{
  opt_hdr(b, code, 4);
  put_be32(b, v);
}

void dhcp6_put_empty(struct dhcp6_builder *b, uint16_t code) { opt_hdr(b, code, 0); }

void dhcp6_put_status_len(struct dhcp6_builder *b, uint16_t code, const void *text, size_t len)
{
  opt_hdr(b, D6O_STATUS_CODE, 2 + len);
  put_be16(b, code);
  put_bytes(b, text, len);
}

void dhcp6_put_status(struct dhcp6_builder *b, uint16_t code, const char *text)
{
  dhcp6_put_status_len(b, code, text ? text : "", text ? strlen(text) : 0);
}

void dhcp6_put_addrs(struct dhcp6_builder *b, uint16_t code, const struct in6_addr *a, int n)
{
  if (n < 0) n = 0, b->err = true;
  opt_hdr(b, code, 16 * (size_t)n);
  for (int i = 0; i < n; i++) put_bytes(b, &a[i], 16);
}

void dhcp6_put_oro(struct dhcp6_builder *b, const uint16_t *codes, int n)
{
  if (n < 0) n = 0, b->err = true;
  opt_hdr(b, D6O_ORO, 2 * (size_t)n);
  for (int i = 0; i < n; i++) put_be16(b, codes[i]);
}

/* One dotted name as a wire name into w (>= 256 bytes); its length, 0 if invalid. */
static size_t domain_to_wire(const char *name, uint8_t *w)
{
  size_t n = strlen(name), o = 0, i = 0;
  if (n && name[n - 1] == '.') n--;   /* a trailing dot: the same name */
  if (n == 0) return 0;
  while (i <= n) {
    size_t l = 0;
    while (i + l < n && name[i + l] != '.') l++;
    if (l == 0 || l > 63 || o + 1 + l + 1 > 255) return 0;
    w[o++] = (uint8_t)l;
    for (size_t k = 0; k < l; k++) {
      if (!domain_char_ok((uint8_t)name[i + k])) return 0;
      w[o++] = (uint8_t)name[i + k];
    }
    i += l + 1;
  }
  w[o++] = 0;
  return o;
}

bool dhcp6_put_domains(struct dhcp6_builder *b, const char *const *names, int n)
{
  uint8_t w[256];
  size_t total = 0;
  for (int i = 0; i < n; i++) {
    size_t l = names[i] ? domain_to_wire(names[i], w) : 0;
    if (!l) {
      b->err = true;
      return false;
    }
    total += l;
  }
  opt_hdr(b, D6O_DOMAIN_LIST, total);
  for (int i = 0; i < n; i++) put_bytes(b, w, domain_to_wire(names[i], w));
  return !b->err;
}

void dhcp6_put_auth(struct dhcp6_builder *b, uint8_t proto, uint8_t alg, uint8_t rdm, uint64_t replay,
                    const void *info, size_t info_len, size_t *info_off)
{
  opt_hdr(b, D6O_AUTH, 11 + info_len);
  put_byte(b, proto);
  put_byte(b, alg);
  put_byte(b, rdm);
  put_be32(b, (uint32_t)(replay >> 32));
  put_be32(b, (uint32_t)replay);
  if (info_off) *info_off = b->len;
  put_bytes(b, info, info_len);
}

static int open_relay_msgs(const struct dhcp6_builder *b)
{
  int n = 0;
  for (int i = 0; i < b->depth; i++)
    if (rd16(b->buf + b->open[i]) == D6O_RELAY_MSG) n++;
  return n;
}

void dhcp6_begin_opt(struct dhcp6_builder *b, uint16_t code)
{
  if (b->err) return;
  if (b->depth >= DHCP6_BUILDER_DEPTH
      || (code == D6O_RELAY_MSG && open_relay_msgs(b) >= DHCP6_RELAY_DEPTH_MAX)) {
    b->err = true;
    return;
  }
  size_t at = b->len;
  opt_hdr(b, code, 0);
  if (!b->err) b->open[b->depth++] = at;
}

void dhcp6_end(struct dhcp6_builder *b)
{
  if (b->err) return;
  if (b->depth == 0) {
    b->err = true;
    return;
  }
  size_t at = b->open[--b->depth];
  size_t len = b->len - at - 4;
  if (len > 0xffff) {
    b->err = true;
    return;
  }
  wr16(b->buf + at + 2, (uint16_t)len);
}

void dhcp6_begin_ia(struct dhcp6_builder *b, uint16_t type, uint32_t iaid, uint32_t t1, uint32_t t2)
{
  dhcp6_begin_opt(b, type);
  put_be32(b, iaid);
  if (type != D6O_IA_TA) {
    put_be32(b, t1);
    put_be32(b, t2);
  }
}

void dhcp6_begin_iaaddr(struct dhcp6_builder *b, const struct in6_addr *a, uint32_t pref, uint32_t valid)
{
  dhcp6_begin_opt(b, D6O_IAADDR);
  put_bytes(b, a, 16);
  put_be32(b, pref);
  put_be32(b, valid);
}

void dhcp6_begin_iaprefix(struct dhcp6_builder *b, const struct in6_addr *p, uint8_t plen,
                          uint32_t pref, uint32_t valid)
{
  if (plen > 128) b->err = true;
  dhcp6_begin_opt(b, D6O_IAPREFIX);
  put_be32(b, pref);
  put_be32(b, valid);
  put_byte(b, plen);
  uint8_t a[16];
  memcpy(a, p, 16);
  mask_prefix(a, 16, plen);
  put_bytes(b, a, 16);
}

static void put_portparams(struct dhcp6_builder *b, const struct dhcp6_portparams *pp)
{
  if (!pp || !pp->present) return;
  opt_hdr(b, D6O_S46_PORTPARAMS, 4);
  put_byte(b, pp->offset);
  put_byte(b, pp->psid_len);
  put_be16(b, pp->psid);
}

void dhcp6_put_s46_rule(struct dhcp6_builder *b, const struct dhcp6_s46_rule *r)
{
  if (r->ea_len > 48 || r->prefix4_len > 32 || r->prefix6_len > 128) b->err = true;
  dhcp6_begin_opt(b, D6O_S46_RULE);
  put_byte(b, r->flags);
  put_byte(b, r->ea_len);
  put_byte(b, r->prefix4_len);
  uint8_t a4[4];
  memcpy(a4, &r->prefix4, 4);
  mask_prefix(a4, 4, r->prefix4_len);
  put_bytes(b, a4, 4);
  put_byte(b, r->prefix6_len);
  put_prefix_bytes(b, r->prefix6.s6_addr, 16, r->prefix6_len);
  put_portparams(b, &r->pp);
  dhcp6_end(b);
}

void dhcp6_put_s46_dmr(struct dhcp6_builder *b, uint8_t plen, const struct in6_addr *p)
{
  if (plen > 128) b->err = true;
  opt_hdr(b, D6O_S46_DMR, 1 + plen_octets(plen));
  put_byte(b, plen);
  put_prefix_bytes(b, p->s6_addr, 16, plen);
}

void dhcp6_put_s46_v4v6bind(struct dhcp6_builder *b, struct in_addr a4, uint8_t plen6,
                            const struct in6_addr *p6, const struct dhcp6_portparams *pp)
{
  if (plen6 > 128) b->err = true;
  dhcp6_begin_opt(b, D6O_S46_V4V6BIND);
  put_bytes(b, &a4, 4);
  put_byte(b, plen6);
  put_prefix_bytes(b, p6->s6_addr, 16, plen6);
  put_portparams(b, pp);
  dhcp6_end(b);
}

size_t dhcp6_build_done(struct dhcp6_builder *b)
{
  if (b->err || b->depth != 0) return 0;
  return b->len;
}

/* ------------------------------------------------------------ DSTM, Leasequery */

enum wire_reason dhcp6_dstm_find(const struct dhcp6_msg *m, uint16_t code, bool *found, bool *has_tep,
                                 struct in6_addr *tep, uint32_t *iaid)
{
  *found = *has_tep = false;
  *iaid = 0;
  size_t off = 0;
  uint16_t c;
  struct dhcp6_bytes body;
  while (dhcp6_opt_next(m->opts, m->opts_len, &off, &c, &body)) {
    if (c != code) continue;
    if (*found) return WR_DHCP6_DSTM_TWICE;
    if (body.len != 0 && body.len != 16) return WR_BAD_OPT_LEN;
    uint16_t next;
    struct dhcp6_bytes ia;
    size_t at = off;   /* the option right after the extension */
    if (!dhcp6_opt_next(m->opts, m->opts_len, &at, &next, &ia) || next != D6O_IA_NA || ia.len < 12)
      return WR_DHCP6_DSTM_NO_IA;
    *found = true;
    *has_tep = body.len == 16;
    if (*has_tep) memcpy(tep, body.p, 16);
    *iaid = rd32(ia.p);
  }
  return WR_OK;
}

void dhcp6_put_dstm(struct dhcp6_builder *b, uint16_t code, const struct in6_addr *tep)
{
  opt_hdr(b, code, tep ? 16 : 0);
  if (tep) put_bytes(b, tep, 16);
}

void dhcp6_put_lq_by_addr(struct dhcp6_builder *b, const struct in6_addr *link, const struct in6_addr *addr)
{
  dhcp6_begin_opt(b, D6O_LQ_QUERY);
  put_byte(b, DHCP6_LQ_BY_ADDRESS);
  put_bytes(b, link, 16);
  dhcp6_begin_iaaddr(b, addr, 0, 0);
  dhcp6_end(b);
  dhcp6_end(b);
}
