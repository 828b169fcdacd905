#include <stddef.h>
#include <string.h>
#include "wire/bytes.h"
#include "wire/pfkey.h"

#define EXT_HLEN 4                 /* sadb_ext: len, type */
#define ADDR_HLEN 8
#define KEY_HLEN 8
#define IDENT_HLEN 16
#define PROP_HLEN 8
#define SUPP_HLEN 8
#define KMPRIV_HLEN 8
#define POLICY_HLEN 16
#define SA_LEN 16
#define LIFETIME_LEN 32
#define SPIRANGE_LEN 16
#define SA2_LEN 16
#define SMALL_LEN 8                /* NAT-T type/port/frag, SA replay */

/* PF_KEY is a host interface: integers are native-endian, at any
 * alignment (the buffer carries none). */
static uint16_t ld16(const uint8_t *p) { uint16_t v; memcpy(&v, p, sizeof v); return v; }
static uint32_t ld32(const uint8_t *p) { uint32_t v; memcpy(&v, p, sizeof v); return v; }
static uint64_t ld64(const uint8_t *p) { uint64_t v; memcpy(&v, p, sizeof v); return v; }
static void st16(uint8_t *p, uint16_t v) { memcpy(p, &v, sizeof v); }
static void st32(uint8_t *p, uint32_t v) { memcpy(p, &v, sizeof v); }
static void st64(uint8_t *p, uint64_t v) { memcpy(p, &v, sizeof v); }

static size_t align8(size_t n) { return (n + PFKEY_UNIT - 1) & ~(size_t)(PFKEY_UNIT - 1); }

static bool all_zero(const uint8_t *p, size_t n)
{
  for (size_t i = 0; i < n; i++)
    if (p[i]) return false;
  return true;
}

size_t pfkey_sockaddr_len(int family)
{
  if (family == AF_INET) return sizeof(struct sockaddr_in);
  if (family == AF_INET6) return sizeof(struct sockaddr_in6);
  return 0;
}

/* The host's sockaddr layout decides where the family sits. */
static int sockaddr_family(const uint8_t *p)
{
  sa_family_t f;
  memcpy(&f, p + offsetof(struct sockaddr, sa_family), sizeof f);
  return f;
}

/* Smallest sockaddr we accept: enough to read the family. */
#define SA_MIN_LEN (sizeof(struct sockaddr_in))

/* ---- typed accessors (one switch per kind, shared by parser and users) */

const struct pfkey_lifetime *pfkey_msg_lifetime(const struct pfkey_msg *m, unsigned type)
{
  switch (type) {
  case SADB_EXT_LIFETIME_CURRENT: return &m->lft_current;
  case SADB_EXT_LIFETIME_HARD: return &m->lft_hard;
  case SADB_EXT_LIFETIME_SOFT: return &m->lft_soft;
  default: return NULL;
  }
}

const struct pfkey_address *pfkey_msg_address(const struct pfkey_msg *m, unsigned type)
{
  switch (type) {
  case SADB_EXT_ADDRESS_SRC: return &m->src;
  case SADB_EXT_ADDRESS_DST: return &m->dst;
  case SADB_EXT_ADDRESS_PROXY: return &m->proxy;
  case SADB_X_EXT_NAT_T_OAI: return &m->natt_oai;
  case SADB_X_EXT_NAT_T_OAR: return &m->natt_oar;
  case SADB_X_EXT_NEW_ADDRESS_SRC: return &m->new_src;
  case SADB_X_EXT_NEW_ADDRESS_DST: return &m->new_dst;
  default: return NULL;
  }
}

const struct pfkey_key *pfkey_msg_key(const struct pfkey_msg *m, unsigned type)
{
  if (type == SADB_EXT_KEY_AUTH) return &m->key_auth;
  if (type == SADB_EXT_KEY_ENCRYPT) return &m->key_encrypt;
  return NULL;
}

const struct pfkey_ident *pfkey_msg_ident(const struct pfkey_msg *m, unsigned type)
{
  if (type == SADB_EXT_IDENTITY_SRC) return &m->ident_src;
  if (type == SADB_EXT_IDENTITY_DST) return &m->ident_dst;
  return NULL;
}

const struct pfkey_supported *pfkey_msg_supported(const struct pfkey_msg *m, unsigned type)
{
  if (type == SADB_EXT_SUPPORTED_AUTH) return &m->sup_auth;
  if (type == SADB_EXT_SUPPORTED_ENCRYPT) return &m->sup_encrypt;
  return NULL;
}

const struct pfkey_natt_port *pfkey_msg_natt_port(const struct pfkey_msg *m, unsigned type)
{
  if (type == SADB_X_EXT_NAT_T_SPORT) return &m->natt_sport;
  if (type == SADB_X_EXT_NAT_T_DPORT) return &m->natt_dport;
  return NULL;
}

void pfkey_comb_get(const struct pfkey_prop *p, size_t i, struct pfkey_comb *c)
{
  const uint8_t *q = p->combs + i * PFKEY_COMB_LEN;
  c->auth = q[0];
  c->encrypt = q[1];
  c->flags = ld16(q + 2);
  c->auth_minbits = ld16(q + 4);
  c->auth_maxbits = ld16(q + 6);
  c->encrypt_minbits = ld16(q + 8);
  c->encrypt_maxbits = ld16(q + 10);
  c->reserved = ld32(q + 12);
  c->soft_allocations = ld32(q + 16);
  c->hard_allocations = ld32(q + 20);
  c->soft_bytes = ld64(q + 24);
  c->hard_bytes = ld64(q + 32);
  c->soft_addtime = ld64(q + 40);
  c->hard_addtime = ld64(q + 48);
  c->soft_usetime = ld64(q + 56);
  c->hard_usetime = ld64(q + 64);
}

void pfkey_alg_get(const struct pfkey_supported *s, size_t i, struct pfkey_alg *a)
{
  const uint8_t *q = s->algs + i * PFKEY_ALG_LEN;
  a->id = q[0];
  a->ivlen = q[1];
  a->minbits = ld16(q + 2);
  a->maxbits = ld16(q + 4);
  a->reserved = ld16(q + 6);
}

/* ---- parser: one function per extension kind; e/el is the whole ext */

static enum wire_reason parse_sa(const uint8_t *e, size_t el, struct pfkey_sa *s)
{
  if (el != SA_LEN) return WR_BAD_EXT_LEN;
  s->spi = rd32(e + 4);            /* network order on the wire */
  s->replay = e[8];
  s->state = e[9];
  s->auth = e[10];
  s->encrypt = e[11];
  s->flags = ld32(e + 12);
  return WR_OK;
}

static enum wire_reason parse_lifetime(const uint8_t *e, size_t el, struct pfkey_lifetime *l)
{
  if (el != LIFETIME_LEN) return WR_BAD_EXT_LEN;
  l->allocations = ld32(e + 4);
  l->bytes = ld64(e + 8);
  l->addtime = ld64(e + 16);
  l->usetime = ld64(e + 24);
  return WR_OK;
}

static enum wire_reason parse_address(const uint8_t *e, size_t el, struct pfkey_address *a)
{
  if (el < ADDR_HLEN + SA_MIN_LEN) return WR_BAD_EXT_LEN;
  int fam = sockaddr_family(e + ADDR_HLEN);
  size_t salen = pfkey_sockaddr_len(fam);
  if (salen == 0) return WR_BAD_FAMILY;
  if (el != align8(ADDR_HLEN + salen)) return WR_BAD_EXT_LEN;
  if (!all_zero(e + ADDR_HLEN + salen, el - ADDR_HLEN - salen)) return WR_PAD_NONZERO;
  if (e[5] > (fam == AF_INET ? 32 : 128)) return WR_BAD_PREFIX_LEN;
  a->proto = e[4];
  a->prefixlen = e[5];
  a->reserved = ld16(e + 6);
  memset(&a->addr, 0, sizeof a->addr);
  memcpy(&a->addr, e + ADDR_HLEN, salen);
  return WR_OK;
}

static enum wire_reason parse_key(const uint8_t *e, size_t el, struct pfkey_key *k)
{
  k->bits = ld16(e + 4);
  k->reserved = ld16(e + 6);
  k->data = e + KEY_HLEN;
  k->data_len = el - KEY_HLEN;
  if (k->bits > k->data_len * 8) return WR_BAD_KEY_BITS;
  return WR_OK;
}

static enum wire_reason parse_ident(const uint8_t *e, size_t el, struct pfkey_ident *i)
{
  if (el < IDENT_HLEN) return WR_BAD_EXT_LEN;
  i->type = ld16(e + 4);
  i->reserved = ld16(e + 6);
  i->id = ld64(e + 8);
  i->data = e + IDENT_HLEN;
  i->data_len = el - IDENT_HLEN;
  return WR_OK;
}

static enum wire_reason parse_prop(const uint8_t *e, size_t el, struct pfkey_prop *p)
{
  if ((el - PROP_HLEN) % PFKEY_COMB_LEN) return WR_BAD_EXT_LEN;
  p->replay = e[4];
  memcpy(p->reserved, e + 5, 3);
  p->combs = e + PROP_HLEN;
  p->ncomb = (el - PROP_HLEN) / PFKEY_COMB_LEN;
  return WR_OK;
}

static enum wire_reason parse_supported(const uint8_t *e, size_t el, struct pfkey_supported *s)
{
  /* el is a multiple of 8 >= 8: always a whole number of 8-byte algs */
  s->reserved = ld32(e + 4);
  s->algs = e + SUPP_HLEN;
  s->nalg = (el - SUPP_HLEN) / PFKEY_ALG_LEN;
  return WR_OK;
}

static enum wire_reason parse_spirange(const uint8_t *e, size_t el, struct pfkey_spirange *r)
{
  if (el != SPIRANGE_LEN) return WR_BAD_EXT_LEN;
  r->min = ld32(e + 4);
  r->max = ld32(e + 8);
  r->reserved = ld32(e + 12);
  return WR_OK;
}

static enum wire_reason parse_kmprivate(const uint8_t *e, size_t el, struct pfkey_kmprivate *k)
{
  k->reserved = ld32(e + 4);
  k->data = e + KMPRIV_HLEN;
  k->data_len = el - KMPRIV_HLEN;
  return WR_OK;
}

/* The src/dst sockaddr pair of a request: q/avail = the bytes after the
 * 8-byte request header. */
static enum wire_reason parse_req_addrs(const uint8_t *q, size_t rlen, struct pfkey_ipsecreq *r)
{
  size_t avail = rlen - PFKEY_IPSECREQ_LEN;
  if (avail < SA_MIN_LEN) return WR_BAD_REQ_LEN;
  int fam = sockaddr_family(q);
  size_t salen = pfkey_sockaddr_len(fam);
  if (salen == 0) return WR_BAD_FAMILY;
  if (avail < 2 * salen) return WR_BAD_REQ_LEN;
  if (sockaddr_family(q + salen) != fam) return WR_BAD_FAMILY;
  if (rlen != align8(PFKEY_IPSECREQ_LEN + 2 * salen)) return WR_BAD_REQ_LEN;
  memset(&r->src, 0, sizeof r->src);
  memset(&r->dst, 0, sizeof r->dst);
  memcpy(&r->src, q, salen);
  memcpy(&r->dst, q + salen, salen);
  r->has_addrs = true;
  return WR_OK;
}

static bool req_proto_ok(uint16_t proto)
{
  return proto == IPPROTO_ESP || proto == IPPROTO_AH || proto == PFKEY_PROTO_IPCOMP;
}

/* One sadb_x_ipsecrequest at q, rest (> 0, multiple of 8) bytes left. */
static enum wire_reason parse_req(const uint8_t *q, size_t rest, struct pfkey_ipsecreq *r,
                                  size_t *rlen_out)
{
  size_t rlen = ld16(q);
  if (rlen < PFKEY_IPSECREQ_LEN || rlen % PFKEY_UNIT || rlen > rest) return WR_BAD_REQ_LEN;
  r->proto = ld16(q + 2);
  r->mode = q[4];
  r->level = q[5];
  r->reqid = ld16(q + 6);
  if (!req_proto_ok(r->proto)) return WR_BAD_REQ;
  if (r->mode != 1 && r->mode != 2) return WR_BAD_REQ;     /* transport, tunnel */
  if (r->level > PFKEY_LEVEL_MAX) return WR_BAD_REQ;
  *rlen_out = rlen;
  r->has_addrs = false;
  memset(&r->src, 0, sizeof r->src);
  memset(&r->dst, 0, sizeof r->dst);
  if (rlen == PFKEY_IPSECREQ_LEN)
    return r->mode == 2 ? WR_BAD_REQ : WR_OK;              /* a tunnel needs endpoints */
  return parse_req_addrs(q + PFKEY_IPSECREQ_LEN, rlen, r);
}

#define PFKEY_POLICY_IPSEC 2

static enum wire_reason parse_policy(const uint8_t *e, size_t el, struct pfkey_policy *pol)
{
  if (el < POLICY_HLEN) return WR_BAD_EXT_LEN;
  pol->type = ld16(e + 4);
  pol->dir = e[6];
  pol->scope = e[7];
  pol->id = ld32(e + 8);
  pol->priority = ld32(e + 12);
  pol->nreq = 0;
  if (pol->type > PFKEY_POLICY_MAX || pol->dir > PFKEY_DIR_MAX) return WR_BAD_POLICY;
  size_t rest = el - POLICY_HLEN;
  if (pol->type != PFKEY_POLICY_IPSEC) return rest ? WR_BAD_REQ_LEN : WR_OK;
  if (rest == 0) return WR_BAD_POLICY;
  const uint8_t *q = e + POLICY_HLEN;
  while (rest > 0) {         /* every request takes >= 8 bytes */
    if (pol->nreq == PFKEY_MAX_REQ) return WR_TOO_MANY_REQ;
    size_t rlen = 0;
    enum wire_reason r = parse_req(q, rest, &pol->req[pol->nreq], &rlen);
    if (r != WR_OK) return r;
    pol->nreq++;
    q += rlen;
    rest -= rlen;
  }
  return WR_OK;
}

static enum wire_reason parse_sa2(const uint8_t *e, size_t el, struct pfkey_sa2 *s)
{
  if (el != SA2_LEN) return WR_BAD_EXT_LEN;
  s->mode = e[4];
  s->reserved1 = e[5];
  s->reserved2 = ld16(e + 6);
  s->sequence = ld32(e + 8);
  s->reqid = ld32(e + 12);
  return WR_OK;
}

/* The 8-byte NAT-T and replay extensions. */
static enum wire_reason parse_small(struct pfkey_msg *m, unsigned type, const uint8_t *e, size_t el)
{
  if (el != SMALL_LEN) return WR_BAD_EXT_LEN;
  switch (type) {
  case SADB_X_EXT_NAT_T_TYPE:
    m->natt_type.type = e[4];
    memcpy(m->natt_type.reserved, e + 5, 3);
    break;
  case SADB_X_EXT_NAT_T_FRAG:
    m->natt_frag.fraglen = ld16(e + 4);
    m->natt_frag.reserved = ld16(e + 6);
    break;
  case SADB_X_EXT_SA_REPLAY:
    m->sa_replay = ld32(e + 4);
    break;
  default: {   /* SPORT / DPORT */
    struct pfkey_natt_port *np = (struct pfkey_natt_port *)pfkey_msg_natt_port(m, type);
    np->port = rd16(e + 4);      /* network order, like a sockaddr port */
    np->reserved = ld16(e + 6);
  }
  }
  return WR_OK;
}

static enum wire_reason parse_ext(struct pfkey_msg *m, unsigned type, const uint8_t *e, size_t el)
{
  switch (type) {
  case SADB_EXT_SA: return parse_sa(e, el, &m->sa);
  case SADB_EXT_LIFETIME_CURRENT:
  case SADB_EXT_LIFETIME_HARD:
  case SADB_EXT_LIFETIME_SOFT:
    return parse_lifetime(e, el, (struct pfkey_lifetime *)pfkey_msg_lifetime(m, type));
  case SADB_EXT_KEY_AUTH:
  case SADB_EXT_KEY_ENCRYPT:
    return parse_key(e, el, (struct pfkey_key *)pfkey_msg_key(m, type));
  case SADB_EXT_IDENTITY_SRC:
  case SADB_EXT_IDENTITY_DST:
    return parse_ident(e, el, (struct pfkey_ident *)pfkey_msg_ident(m, type));
  case SADB_EXT_SENSITIVITY: return WR_UNSUPPORTED_EXT;
  case SADB_EXT_PROPOSAL: return parse_prop(e, el, &m->prop);
  case SADB_EXT_SUPPORTED_AUTH:
  case SADB_EXT_SUPPORTED_ENCRYPT:
    return parse_supported(e, el, (struct pfkey_supported *)pfkey_msg_supported(m, type));
  case SADB_EXT_SPIRANGE: return parse_spirange(e, el, &m->spirange);
  case SADB_X_EXT_KMPRIVATE: return parse_kmprivate(e, el, &m->kmprivate);
  case SADB_X_EXT_POLICY: return parse_policy(e, el, &m->policy);
  case SADB_X_EXT_SA2: return parse_sa2(e, el, &m->sa2);
  case SADB_X_EXT_NAT_T_TYPE:
  case SADB_X_EXT_NAT_T_SPORT:
  case SADB_X_EXT_NAT_T_DPORT:
  case SADB_X_EXT_NAT_T_FRAG:
  case SADB_X_EXT_SA_REPLAY:
    return parse_small(m, type, e, el);
  default: {   /* the seven address kinds; the caller checked 1..SADB_EXT_MAX */
    struct pfkey_address *a = (struct pfkey_address *)pfkey_msg_address(m, type);
    return a ? parse_address(e, el, a) : WR_UNKNOWN_EXT;
  }
  }
}

static void parse_hdr(const uint8_t *p, struct pfkey_hdr *h)
{
  h->version = p[0];
  h->type = p[1];
  h->err = p[2];
  h->satype = p[3];
  h->len = ld16(p + 4);
  h->reserved = ld16(p + 6);
  h->seq = ld32(p + 8);
  h->pid = ld32(p + 12);
}

enum wire_reason pfkey_parse(const uint8_t *p, size_t len, struct pfkey_msg *out)
{
  if (len < PFKEY_MSG_LEN) return WR_TRUNCATED;
  if (p[0] != PF_KEY_V2) return WR_BAD_VERSION;
  if ((size_t)ld16(p + 4) * PFKEY_UNIT != len) return WR_BAD_LENGTH;
  if (p[1] == 0 || p[1] > SADB_MAX) return WR_BAD_TYPE;
  memset(out, 0, sizeof *out);
  parse_hdr(p, &out->hdr);
  /* len and off are multiples of 8, so >= 8 bytes remain at each step:
   * the 4-byte ext header is always inside. */
  for (size_t off = PFKEY_MSG_LEN; off < len;) {
    const uint8_t *e = p + off;
    size_t el = (size_t)ld16(e) * PFKEY_UNIT;
    unsigned type = ld16(e + 2);
    if (el == 0 || el > len - off) return WR_BAD_EXT_LEN;
    if (type == 0 || type > SADB_EXT_MAX) return WR_UNKNOWN_EXT;
    if (out->ext[type]) return WR_DUP_EXT;
    enum wire_reason r = parse_ext(out, type, e, el);
    if (r != WR_OK) return r;
    out->ext[type] = e;
    out->ext_len[type] = el;
    out->order[out->n_ext++] = (uint8_t)type;   /* <= SADB_EXT_MAX: no duplicates */
    off += el;
  }
  return WR_OK;
}

/* ---- builder */

void pfkey_build_init(struct pfkey_builder *b, uint8_t *buf, size_t cap, const struct pfkey_hdr *h)
{
  b->buf = buf;
  b->cap = cap;
  b->len = 0;
  b->failed = cap < PFKEY_MSG_LEN;
  if (b->failed) return;
  buf[0] = h->version;
  buf[1] = h->type;
  buf[2] = h->err;
  buf[3] = h->satype;
  st16(buf + 4, 0);                /* fixed by pfkey_build_finish */
  st16(buf + 6, h->reserved);
  st32(buf + 8, h->seq);
  st32(buf + 12, h->pid);
  b->len = PFKEY_MSG_LEN;
}

size_t pfkey_build_finish(struct pfkey_builder *b)
{
  if (b->failed || b->len > PFKEY_MAX_LEN) return 0;
  st16(b->buf + 4, (uint16_t)(b->len / PFKEY_UNIT));
  return b->len;
}

/* Reserves a zeroed extension of align8(body) bytes with its sadb_ext
 * header written; NULL (and the builder failed) if it does not fit. */
static uint8_t *ext_begin(struct pfkey_builder *b, unsigned type, size_t body)
{
  if (b->failed || body > PFKEY_MAX_LEN) { b->failed = true; return NULL; }
  size_t el = align8(body);
  if (el > b->cap - b->len || el / PFKEY_UNIT > 0xffff) { b->failed = true; return NULL; }
  uint8_t *e = b->buf + b->len;
  memset(e, 0, el);
  st16(e, (uint16_t)(el / PFKEY_UNIT));
  st16(e + 2, (uint16_t)type);
  b->len += el;
  return e;
}

static void fail(struct pfkey_builder *b) { b->failed = true; }

static bool address_type(unsigned type)
{
  switch (type) {
  case SADB_EXT_ADDRESS_SRC: case SADB_EXT_ADDRESS_DST: case SADB_EXT_ADDRESS_PROXY:
  case SADB_X_EXT_NAT_T_OAI: case SADB_X_EXT_NAT_T_OAR:
  case SADB_X_EXT_NEW_ADDRESS_SRC: case SADB_X_EXT_NEW_ADDRESS_DST:
    return true;
  default:
    return false;
  }
}

void pfkey_add_sa(struct pfkey_builder *b, const struct pfkey_sa *sa)
{
  uint8_t *e = ext_begin(b, SADB_EXT_SA, SA_LEN);
  if (!e) return;
  wr32(e + 4, sa->spi);
  e[8] = sa->replay;
  e[9] = sa->state;
  e[10] = sa->auth;
  e[11] = sa->encrypt;
  st32(e + 12, sa->flags);
}

void pfkey_add_lifetime(struct pfkey_builder *b, unsigned type, const struct pfkey_lifetime *l)
{
  if (type < SADB_EXT_LIFETIME_CURRENT || type > SADB_EXT_LIFETIME_SOFT) { fail(b); return; }
  uint8_t *e = ext_begin(b, type, LIFETIME_LEN);
  if (!e) return;
  st32(e + 4, l->allocations);
  st64(e + 8, l->bytes);
  st64(e + 16, l->addtime);
  st64(e + 24, l->usetime);
}

void pfkey_add_address(struct pfkey_builder *b, unsigned type, const struct pfkey_address *a)
{
  size_t salen = pfkey_sockaddr_len(a->addr.sa.sa_family);
  if (!address_type(type) || salen == 0) { fail(b); return; }
  uint8_t *e = ext_begin(b, type, ADDR_HLEN + salen);
  if (!e) return;
  e[4] = a->proto;
  e[5] = a->prefixlen;
  st16(e + 6, a->reserved);
  memcpy(e + ADDR_HLEN, &a->addr, salen);
}

void pfkey_add_key(struct pfkey_builder *b, unsigned type, uint16_t bits, uint16_t reserved,
                   const uint8_t *data, size_t data_len)
{
  if (type != SADB_EXT_KEY_AUTH && type != SADB_EXT_KEY_ENCRYPT) { fail(b); return; }
  if (data_len > PFKEY_MAX_LEN) { fail(b); return; }
  uint8_t *e = ext_begin(b, type, KEY_HLEN + data_len);
  if (!e) return;
  st16(e + 4, bits);
  st16(e + 6, reserved);
  if (data_len) memcpy(e + KEY_HLEN, data, data_len);
}

void pfkey_add_ident(struct pfkey_builder *b, unsigned type, const struct pfkey_ident *i)
{
  if (type != SADB_EXT_IDENTITY_SRC && type != SADB_EXT_IDENTITY_DST) { fail(b); return; }
  if (i->data_len > PFKEY_MAX_LEN) { fail(b); return; }
  uint8_t *e = ext_begin(b, type, IDENT_HLEN + i->data_len);
  if (!e) return;
  st16(e + 4, i->type);
  st16(e + 6, i->reserved);
  st64(e + 8, i->id);
  if (i->data_len) memcpy(e + IDENT_HLEN, i->data, i->data_len);
}

static void put_comb(uint8_t *q, const struct pfkey_comb *c)
{
  q[0] = c->auth;
  q[1] = c->encrypt;
  st16(q + 2, c->flags);
  st16(q + 4, c->auth_minbits);
  st16(q + 6, c->auth_maxbits);
  st16(q + 8, c->encrypt_minbits);
  st16(q + 10, c->encrypt_maxbits);
  st32(q + 12, c->reserved);
  st32(q + 16, c->soft_allocations);
  st32(q + 20, c->hard_allocations);
  st64(q + 24, c->soft_bytes);
  st64(q + 32, c->hard_bytes);
  st64(q + 40, c->soft_addtime);
  st64(q + 48, c->hard_addtime);
  st64(q + 56, c->soft_usetime);
  st64(q + 64, c->hard_usetime);
}

void pfkey_add_prop(struct pfkey_builder *b, uint8_t replay, const uint8_t reserved[3],
                    const struct pfkey_comb *c, size_t n)
{
  if (n > PFKEY_MAX_LEN / PFKEY_COMB_LEN) { fail(b); return; }
  uint8_t *e = ext_begin(b, SADB_EXT_PROPOSAL, PROP_HLEN + n * PFKEY_COMB_LEN);
  if (!e) return;
  e[4] = replay;
  if (reserved) memcpy(e + 5, reserved, 3);
  for (size_t i = 0; i < n; i++) put_comb(e + PROP_HLEN + i * PFKEY_COMB_LEN, &c[i]);
}

static void put_alg(uint8_t *q, const struct pfkey_alg *a)
{
  q[0] = a->id;
  q[1] = a->ivlen;
  st16(q + 2, a->minbits);
  st16(q + 4, a->maxbits);
  st16(q + 6, a->reserved);
}

void pfkey_add_supported(struct pfkey_builder *b, unsigned type, uint32_t reserved,
                         const struct pfkey_alg *a, size_t n)
{
  if (type != SADB_EXT_SUPPORTED_AUTH && type != SADB_EXT_SUPPORTED_ENCRYPT) { fail(b); return; }
  if (n > PFKEY_MAX_LEN / PFKEY_ALG_LEN) { fail(b); return; }
  uint8_t *e = ext_begin(b, type, SUPP_HLEN + n * PFKEY_ALG_LEN);
  if (!e) return;
  st32(e + 4, reserved);
  for (size_t i = 0; i < n; i++) put_alg(e + SUPP_HLEN + i * PFKEY_ALG_LEN, &a[i]);
}

void pfkey_add_spirange(struct pfkey_builder *b, const struct pfkey_spirange *r)
{
  uint8_t *e = ext_begin(b, SADB_EXT_SPIRANGE, SPIRANGE_LEN);
  if (!e) return;
  st32(e + 4, r->min);
  st32(e + 8, r->max);
  st32(e + 12, r->reserved);
}

void pfkey_add_kmprivate(struct pfkey_builder *b, uint32_t reserved, const uint8_t *data,
                         size_t data_len)
{
  if (data_len > PFKEY_MAX_LEN) { fail(b); return; }
  uint8_t *e = ext_begin(b, SADB_X_EXT_KMPRIVATE, KMPRIV_HLEN + data_len);
  if (!e) return;
  st32(e + 4, reserved);
  if (data_len) memcpy(e + KMPRIV_HLEN, data, data_len);
}

/* Encoded length of one request, 0 if its addresses cannot be encoded. */
static size_t req_len(const struct pfkey_ipsecreq *r)
{
  if (!r->has_addrs) return PFKEY_IPSECREQ_LEN;
  size_t salen = pfkey_sockaddr_len(r->src.sa.sa_family);
  if (salen == 0 || r->dst.sa.sa_family != r->src.sa.sa_family) return 0;
  return align8(PFKEY_IPSECREQ_LEN + 2 * salen);
}

static void put_req(uint8_t *q, const struct pfkey_ipsecreq *r, size_t rlen)
{
  st16(q, (uint16_t)rlen);
  st16(q + 2, r->proto);
  q[4] = r->mode;
  q[5] = r->level;
  st16(q + 6, r->reqid);
  if (!r->has_addrs) return;
  size_t salen = pfkey_sockaddr_len(r->src.sa.sa_family);
  memcpy(q + PFKEY_IPSECREQ_LEN, &r->src, salen);
  memcpy(q + PFKEY_IPSECREQ_LEN + salen, &r->dst, salen);
}

void pfkey_add_policy(struct pfkey_builder *b, const struct pfkey_policy *pol)
{
  if (pol->nreq > PFKEY_MAX_REQ) { fail(b); return; }
  size_t total = POLICY_HLEN;
  for (size_t i = 0; i < pol->nreq; i++) {
    size_t rl = req_len(&pol->req[i]);
    if (rl == 0) { fail(b); return; }
    total += rl;
  }
  uint8_t *e = ext_begin(b, SADB_X_EXT_POLICY, total);
  if (!e) return;
  st16(e + 4, pol->type);
  e[6] = pol->dir;
  e[7] = pol->scope;
  st32(e + 8, pol->id);
  st32(e + 12, pol->priority);
  uint8_t *q = e + POLICY_HLEN;
  for (size_t i = 0; i < pol->nreq; i++) {
    size_t rl = req_len(&pol->req[i]);
    put_req(q, &pol->req[i], rl);
    q += rl;
  }
}

void pfkey_add_sa2(struct pfkey_builder *b, const struct pfkey_sa2 *s)
{
  uint8_t *e = ext_begin(b, SADB_X_EXT_SA2, SA2_LEN);
  if (!e) return;
  e[4] = s->mode;
  e[5] = s->reserved1;
  st16(e + 6, s->reserved2);
  st32(e + 8, s->sequence);
  st32(e + 12, s->reqid);
}

void pfkey_add_natt_type(struct pfkey_builder *b, const struct pfkey_natt_type *t)
{
  uint8_t *e = ext_begin(b, SADB_X_EXT_NAT_T_TYPE, SMALL_LEN);
  if (!e) return;
  e[4] = t->type;
  memcpy(e + 5, t->reserved, 3);
}

void pfkey_add_natt_port(struct pfkey_builder *b, unsigned type, const struct pfkey_natt_port *p)
{
  if (type != SADB_X_EXT_NAT_T_SPORT && type != SADB_X_EXT_NAT_T_DPORT) { fail(b); return; }
  uint8_t *e = ext_begin(b, type, SMALL_LEN);
  if (!e) return;
  wr16(e + 4, p->port);
  st16(e + 6, p->reserved);
}

void pfkey_add_natt_frag(struct pfkey_builder *b, const struct pfkey_natt_frag *f)
{
  uint8_t *e = ext_begin(b, SADB_X_EXT_NAT_T_FRAG, SMALL_LEN);
  if (!e) return;
  st16(e + 4, f->fraglen);
  st16(e + 6, f->reserved);
}

void pfkey_add_sa_replay(struct pfkey_builder *b, uint32_t replay)
{
  uint8_t *e = ext_begin(b, SADB_X_EXT_SA_REPLAY, SMALL_LEN);
  if (!e) return;
  st32(e + 4, replay);
}

/* Proposal and supported lists straight from the parsed bytes: no array
 * of decoded entries is needed. */
static void add_parsed_prop(struct pfkey_builder *b, const struct pfkey_prop *p)
{
  uint8_t *e = ext_begin(b, SADB_EXT_PROPOSAL, PROP_HLEN + p->ncomb * PFKEY_COMB_LEN);
  if (!e) return;
  e[4] = p->replay;
  memcpy(e + 5, p->reserved, 3);
  for (size_t i = 0; i < p->ncomb; i++) {
    struct pfkey_comb c;
    pfkey_comb_get(p, i, &c);
    put_comb(e + PROP_HLEN + i * PFKEY_COMB_LEN, &c);
  }
}

static void add_parsed_supported(struct pfkey_builder *b, unsigned type,
                                 const struct pfkey_supported *s)
{
  uint8_t *e = ext_begin(b, type, SUPP_HLEN + s->nalg * PFKEY_ALG_LEN);
  if (!e) return;
  st32(e + 4, s->reserved);
  for (size_t i = 0; i < s->nalg; i++) {
    struct pfkey_alg a;
    pfkey_alg_get(s, i, &a);
    put_alg(e + SUPP_HLEN + i * PFKEY_ALG_LEN, &a);
  }
}

void pfkey_add_parsed(struct pfkey_builder *b, const struct pfkey_msg *m, unsigned type)
{
  if (type == 0 || type > SADB_EXT_MAX || !m->ext[type]) { fail(b); return; }
  switch (type) {
  case SADB_EXT_SA: pfkey_add_sa(b, &m->sa); return;
  case SADB_EXT_LIFETIME_CURRENT:
  case SADB_EXT_LIFETIME_HARD:
  case SADB_EXT_LIFETIME_SOFT:
    pfkey_add_lifetime(b, type, pfkey_msg_lifetime(m, type));
    return;
  case SADB_EXT_KEY_AUTH:
  case SADB_EXT_KEY_ENCRYPT: {
    const struct pfkey_key *k = pfkey_msg_key(m, type);
    pfkey_add_key(b, type, k->bits, k->reserved, k->data, k->data_len);
    return;
  }
  case SADB_EXT_IDENTITY_SRC:
  case SADB_EXT_IDENTITY_DST:
    pfkey_add_ident(b, type, pfkey_msg_ident(m, type));
    return;
  case SADB_EXT_PROPOSAL: add_parsed_prop(b, &m->prop); return;
  case SADB_EXT_SUPPORTED_AUTH:
  case SADB_EXT_SUPPORTED_ENCRYPT:
    add_parsed_supported(b, type, pfkey_msg_supported(m, type));
    return;
  case SADB_EXT_SPIRANGE: pfkey_add_spirange(b, &m->spirange); return;
  case SADB_X_EXT_KMPRIVATE:
    pfkey_add_kmprivate(b, m->kmprivate.reserved, m->kmprivate.data, m->kmprivate.data_len);
    return;
  case SADB_X_EXT_POLICY: pfkey_add_policy(b, &m->policy); return;
  case SADB_X_EXT_SA2: pfkey_add_sa2(b, &m->sa2); return;
  case SADB_X_EXT_NAT_T_TYPE: pfkey_add_natt_type(b, &m->natt_type); return;
  case SADB_X_EXT_NAT_T_SPORT:
  case SADB_X_EXT_NAT_T_DPORT:
    pfkey_add_natt_port(b, type, pfkey_msg_natt_port(m, type));
    return;
  case SADB_X_EXT_NAT_T_FRAG: pfkey_add_natt_frag(b, &m->natt_frag); return;
  case SADB_X_EXT_SA_REPLAY: pfkey_add_sa_replay(b, m->sa_replay); return;
  default: {
    const struct pfkey_address *a = pfkey_msg_address(m, type);
    if (a) pfkey_add_address(b, type, a);
    else fail(b);   /* SENSITIVITY never parses */
  }
  }
}
