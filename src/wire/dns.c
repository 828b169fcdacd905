#include <string.h>
#include "wire/bytes.h"
#include "wire/dns.h"

static const char *const reason_names[DNS__MAX] = {
#define DNS_REASON_STR(n, s) [DNS_##n] = s,
  DNS_REASONS(DNS_REASON_STR)
#undef DNS_REASON_STR
};

const char *dns_reason_str(enum dns_reason r)
{
  if ((unsigned)r >= DNS__MAX) return "unknown";
  return reason_names[r];
}

enum dns_reason dns_header_parse(const uint8_t *msg, size_t len, struct dns_header *h)
{
  if (len > DNS_MAX_MSG) return DNS_MSG_TOO_LONG;
  if (len < DNS_HDR_LEN) return DNS_TRUNCATED;
  h->id = rd16(msg);
  h->flags = rd16(msg + 2);
  h->qdcount = rd16(msg + 4);
  h->ancount = rd16(msg + 6);
  h->nscount = rd16(msg + 8);
  h->arcount = rd16(msg + 10);
  return DNS_OK;
}

/* ---- names ---- */

enum dns_reason dns_name_parse(const uint8_t *msg, size_t len, size_t off,
                               uint8_t out[DNS_MAX_NAME], size_t *out_len, size_t *next)
{
  size_t pos = off;     /* read position */
  size_t base = off;    /* start of the stretch being read: pointers must go below it */
  size_t hi = off;      /* one past the furthest octet read for this name */
  size_t n = 0;         /* octets written to out */
  size_t end = 0;       /* *next, fixed at the first pointer */
  bool jumped = false;
  unsigned hops = 0;

  for (;;) {
    if (pos >= len) return DNS_TRUNCATED;
    uint8_t c = msg[pos];
    if ((c & 0xc0) == 0xc0) {
      if (len - pos < 2) return DNS_TRUNCATED;
      size_t t = (size_t)(rd16(msg + pos) & 0x3fff);
      if (pos + 2 > hi) hi = pos + 2;
      if (!jumped) { end = pos + 2; jumped = true; }
      if (t >= len) return DNS_POINTER_BEYOND;
      if (t < DNS_HDR_LEN) return DNS_POINTER_INTO_HEADER;
      if (t >= base) return t < hi ? DNS_COMPRESSION_LOOP : DNS_POINTER_FORWARD;
      if (++hops > DNS_MAX_PTR_HOPS) return DNS_TOO_MANY_POINTERS;
      pos = base = t;
      continue;
    }
    if (c > DNS_MAX_LABEL) return DNS_LABEL_TOO_LONG;   /* 0x40..0xbf */
    if (n + 1 + c > DNS_MAX_NAME) return DNS_NAME_TOO_LONG;
    if (len - pos - 1 < c) return DNS_TRUNCATED;
    out[n] = c;
    memcpy(out + n + 1, msg + pos + 1, c);
    n += 1 + (size_t)c;
    pos += 1 + (size_t)c;
    if (pos > hi) hi = pos;
    if (c == 0) break;
  }
  *out_len = n;
  *next = jumped ? end : pos;
  return DNS_OK;
}

enum dns_reason dns_name_check(const uint8_t *name, size_t len)
{
  size_t i = 0;
  for (;;) {
    if (i >= len) return len > DNS_MAX_NAME ? DNS_NAME_TOO_LONG : DNS_TRUNCATED;
    uint8_t c = name[i];
    if (c > DNS_MAX_LABEL) return DNS_LABEL_TOO_LONG;
    if (i + 1 + c > DNS_MAX_NAME) return DNS_NAME_TOO_LONG;
    if (len - i - 1 < c) return DNS_TRUNCATED;
    i += 1 + (size_t)c;
    if (c == 0) return i == len ? DNS_OK : DNS_TRAILING_DATA;
  }
}

int dns_name_to_text(const uint8_t *wire, size_t wlen, char *buf, size_t cap)
{
  if (cap > 0) buf[0] = '\0';
  if (dns_name_check(wire, wlen) != DNS_OK) return -1;
  size_t o = 0;
#define PUT(ch) do { if (o + 1 >= cap) { if (cap) buf[0] = '\0'; return -1; } buf[o++] = (char)(ch); } while (0)
  if (wlen == 1) PUT('.');
  for (size_t i = 0; wire[i] != 0; i += 1 + (size_t)wire[i]) {
    if (i > 0) PUT('.');
    for (size_t k = 1; k <= wire[i]; k++) {
      uint8_t b = wire[i + k];
      if (b < 0x21 || b > 0x7e || b == '.' || b == '\\') {
        PUT('\\');
        PUT('0' + b / 100);
        PUT('0' + b / 10 % 10);
        PUT('0' + b % 10);
      } else {
        PUT(b);
      }
    }
  }
#undef PUT
  buf[o] = '\0';
  return (int)o;
}

enum dns_reason dns_name_from_text(const char *text, uint8_t out[DNS_MAX_NAME], size_t *out_len)
{
  const unsigned char *s = (const unsigned char *)text;
  if (s[0] == '.' && s[1] == '\0') {
    out[0] = 0;
    *out_len = 1;
    return DNS_OK;
  }
  if (s[0] == '\0') return DNS_EMPTY_LABEL;
  size_t lab = 0;       /* offset of the current label's length octet */
  size_t n = 1;         /* octets written, incl. that length octet */
  size_t ll = 0;        /* current label length */
  out[0] = 0;
  for (;;) {
    unsigned c = *s;
    if (c == '\0' || c == '.') {
      if (ll == 0) {
        if (c == '\0' && lab > 0) break;   /* trailing dot: root follows */
        return DNS_EMPTY_LABEL;
      }
      out[lab] = (uint8_t)ll;
      if (c == '\0') break;
      s++;
      if (n >= DNS_MAX_NAME) return DNS_NAME_TOO_LONG;
      lab = n++;
      out[lab] = 0;
      ll = 0;
      continue;
    }
    if (c == '\\') {
      s++;
      if (s[0] >= '0' && s[0] <= '9') {
        if (!(s[1] >= '0' && s[1] <= '9' && s[2] >= '0' && s[2] <= '9')) return DNS_BAD_ESCAPE;
        c = (unsigned)(s[0] - '0') * 100 + (unsigned)(s[1] - '0') * 10 + (unsigned)(s[2] - '0');
        if (c > 255) return DNS_BAD_ESCAPE;
        s += 3;
      } else if (s[0] == '\0') {
        return DNS_BAD_ESCAPE;
      } else {
        c = *s++;
      }
    } else {
      s++;
    }
    if (ll == DNS_MAX_LABEL) return DNS_LABEL_TOO_LONG;
    if (n >= DNS_MAX_NAME) return DNS_NAME_TOO_LONG;
    out[n++] = (uint8_t)c;
    ll++;
  }
  /* root label */
  if (ll != 0) {
    if (n >= DNS_MAX_NAME) return DNS_NAME_TOO_LONG;
    out[n++] = 0;
  } else {
    /* trailing dot: the label opened after it is the root itself */
    out[lab] = 0;
  }
  *out_len = n;
  return DNS_OK;
}

static uint8_t fold(uint8_t c) { return (c >= 'A' && c <= 'Z') ? (uint8_t)(c + 32) : c; }

bool dns_name_equal(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
  if (alen != blen) return false;
  for (size_t i = 0; i < alen; i++)
    if (fold(a[i]) != fold(b[i])) return false;
  return true;
}

/* ---- iterator ---- */

static uint16_t section_count(const struct dns_header *h, enum dns_section s)
{
  switch (s) {
  case DNS_SEC_QUESTION: return h->qdcount;
  case DNS_SEC_ANSWER: return h->ancount;
  case DNS_SEC_AUTHORITY: return h->nscount;
  case DNS_SEC_ADDITIONAL: return h->arcount;
  default: return 0;
  }
}

enum dns_reason dns_iter_init(struct dns_iter *it, const uint8_t *msg, size_t len, unsigned flags)
{
  memset(it, 0, sizeof *it);
  it->msg = msg;
  it->len = len;
  it->flags = flags;
  it->section = DNS_SEC_QUESTION;
  enum dns_reason r = dns_header_parse(msg, len, &it->h);
  if (r == DNS_OK) {
    size_t need = DNS_HDR_LEN + 5 * (size_t)it->h.qdcount
                  + 11 * ((size_t)it->h.ancount + it->h.nscount + it->h.arcount);
    if (need > len || (it->h.qdcount == 0 && it->h.ancount > 0)) r = DNS_BAD_COUNT;
  }
  it->off = DNS_HDR_LEN;
  it->left = it->h.qdcount;
  it->err = r;
  return r;
}

static enum dns_reason fail(struct dns_iter *it, enum dns_reason r)
{
  it->err = r;
  return r;
}

static enum dns_reason read_question(struct dns_iter *it, struct dns_question *q)
{
  size_t next;
  if (it->off >= it->len) return fail(it, DNS_BAD_COUNT);
  enum dns_reason r = dns_name_parse(it->msg, it->len, it->off, q->name, &q->name_len, &next);
  if (r != DNS_OK) return fail(it, r);
  if (it->len - next < 4) return fail(it, DNS_TRUNCATED);
  q->qtype = rd16(it->msg + next);
  q->qclass = rd16(it->msg + next + 2);
  it->off = next + 4;
  it->left--;
  return DNS_OK;
}

enum dns_reason dns_iter_question(struct dns_iter *it, struct dns_question *q, bool *done)
{
  *done = false;
  if (it->err != DNS_OK) return it->err;
  if (it->section != DNS_SEC_QUESTION || it->left == 0) {
    *done = true;
    return DNS_OK;
  }
  return read_question(it, q);
}

/* Rdata whose whole content is one (compressible) name. */
static enum dns_reason rdata_name(const uint8_t *msg, size_t len, const struct dns_rr *rr,
                                  uint8_t out[DNS_MAX_NAME], size_t *out_len)
{
  size_t next;
  if (rr->rdata_off > len || len - rr->rdata_off < rr->rdlen) return DNS_RDATA_OVERRUN;
  if (rr->rdlen == 0) return DNS_BAD_RDLEN;
  enum dns_reason r = dns_name_parse(msg, rr->rdata_off + rr->rdlen, rr->rdata_off, out, out_len, &next);
  if (r == DNS_TRUNCATED) return DNS_BAD_RDLEN;   /* ran out of the rdata */
  if (r != DNS_OK) return r;
  return next == rr->rdata_off + rr->rdlen ? DNS_OK : DNS_BAD_RDLEN;
}

/* Shape checks for the types this module knows. */
static enum dns_reason check_rdata(const uint8_t *msg, size_t len, const struct dns_rr *rr)
{
  uint8_t tmp[DNS_MAX_NAME];
  size_t tlen;
  switch (rr->type) {
  case DNS_TYPE_A:
    return rr->class != DNS_CLASS_IN || rr->rdlen == 4 ? DNS_OK : DNS_BAD_RDLEN;
  case DNS_TYPE_AAAA:
    return rr->class != DNS_CLASS_IN || rr->rdlen == 16 ? DNS_OK : DNS_BAD_RDLEN;
  case DNS_TYPE_CNAME:
  case DNS_TYPE_NS:
  case DNS_TYPE_PTR:
    return rdata_name(msg, len, rr, tmp, &tlen);
  case DNS_TYPE_OPT:
    return DNS_OK;
  default:
    return DNS_OK;
  }
}

enum dns_reason dns_iter_rr(struct dns_iter *it, struct dns_rr *rr, bool *done)
{
  *done = false;
  if (it->err != DNS_OK) return it->err;
  if (it->section == DNS_SEC_QUESTION) {
    struct dns_question q;
    while (it->left > 0) {
      enum dns_reason r = read_question(it, &q);
      if (r != DNS_OK) return r;
    }
  }
  while (it->left == 0 && it->section != DNS_SEC_END) {
    it->section++;
    it->left = section_count(&it->h, it->section);
  }
  if (it->section == DNS_SEC_END) {
    if (it->off != it->len && !(it->flags & DNS_ITER_ALLOW_TRAILING)) return fail(it, DNS_TRAILING_DATA);
    *done = true;
    return DNS_OK;
  }
  if (it->off >= it->len) return fail(it, DNS_BAD_COUNT);
  size_t next;
  enum dns_reason r = dns_name_parse(it->msg, it->len, it->off, rr->name, &rr->name_len, &next);
  if (r != DNS_OK) return fail(it, r);
  if (it->len - next < 10) return fail(it, DNS_TRUNCATED);
  const uint8_t *p = it->msg + next;
  rr->type = rd16(p);
  rr->class = rd16(p + 2);
  rr->ttl = rd32(p + 4);
  if (rr->ttl > 0x7fffffffu && rr->type != DNS_TYPE_OPT) rr->ttl = 0;   /* OPT: ext rcode/flags */
  rr->rdlen = rd16(p + 8);
  rr->rdata_off = next + 10;
  rr->section = it->section;
  if (it->len - rr->rdata_off < rr->rdlen) return fail(it, DNS_RDATA_OVERRUN);
  if (rr->type == DNS_TYPE_OPT) {
    if (it->section != DNS_SEC_ADDITIONAL || it->opt_seen || rr->name_len != 1) return fail(it, DNS_BAD_OPT);
    it->opt_seen++;
  }
  r = check_rdata(it->msg, it->len, rr);
  if (r != DNS_OK) return fail(it, r);
  it->off = rr->rdata_off + rr->rdlen;
  it->left--;
  return DNS_OK;
}

/* ---- typed rdata ---- */

static enum dns_reason fixed_rdata(size_t len, const struct dns_rr *rr, uint16_t type, uint16_t want)
{
  if (rr->type != type || rr->class != DNS_CLASS_IN) return DNS_WRONG_TYPE;
  if (rr->rdata_off > len || len - rr->rdata_off < rr->rdlen) return DNS_RDATA_OVERRUN;
  return rr->rdlen == want ? DNS_OK : DNS_BAD_RDLEN;
}

enum dns_reason dns_rr_a(const uint8_t *msg, size_t len, const struct dns_rr *rr, struct in_addr *a)
{
  enum dns_reason r = fixed_rdata(len, rr, DNS_TYPE_A, 4);
  if (r == DNS_OK) memcpy(a, msg + rr->rdata_off, 4);
  return r;
}

enum dns_reason dns_rr_aaaa(const uint8_t *msg, size_t len, const struct dns_rr *rr, struct in6_addr *a)
{
  enum dns_reason r = fixed_rdata(len, rr, DNS_TYPE_AAAA, 16);
  if (r == DNS_OK) memcpy(a, msg + rr->rdata_off, 16);
  return r;
}

enum dns_reason dns_rr_cname(const uint8_t *msg, size_t len, const struct dns_rr *rr,
                             uint8_t out[DNS_MAX_NAME], size_t *out_len)
{
  if (rr->type != DNS_TYPE_CNAME) return DNS_WRONG_TYPE;
  return rdata_name(msg, len, rr, out, out_len);
}

enum dns_reason dns_rr_ptr(const uint8_t *msg, size_t len, const struct dns_rr *rr,
                           uint8_t out[DNS_MAX_NAME], size_t *out_len)
{
  if (rr->type != DNS_TYPE_PTR) return DNS_WRONG_TYPE;
  return rdata_name(msg, len, rr, out, out_len);
}

/* ---- queries ---- */

size_t dns_query_emit(uint8_t *p, size_t cap, uint16_t id, const uint8_t *name, size_t name_len,
                      uint16_t qtype, uint16_t edns_udp_size)
{
  if (dns_name_check(name, name_len) != DNS_OK) return 0;
  size_t total = DNS_HDR_LEN + name_len + 4 + (edns_udp_size ? 11 : 0);
  if (total > cap) return 0;
  wr16(p, id);
  wr16(p + 2, DNS_FLAG_RD);
  wr16(p + 4, 1);
  wr16(p + 6, 0);
  wr16(p + 8, 0);
  wr16(p + 10, edns_udp_size ? 1 : 0);
  size_t o = DNS_HDR_LEN;
  memcpy(p + o, name, name_len);
  o += name_len;
  wr16(p + o, qtype);
  wr16(p + o + 2, DNS_CLASS_IN);
  o += 4;
  if (edns_udp_size) {
    p[o] = 0;                                     /* root owner */
    wr16(p + o + 1, DNS_TYPE_OPT);
    wr16(p + o + 3, edns_udp_size < 512 ? 512 : edns_udp_size);
    wr32(p + o + 5, 0);                           /* ext rcode, version 0, no DO */
    wr16(p + o + 9, 0);                           /* no options */
    o += 11;
  }
  return o;
}

enum dns_reason dns_answer_check(const uint8_t *msg, size_t len, uint16_t id,
                                 const uint8_t *name, size_t name_len, uint16_t qtype)
{
  struct dns_header h;
  enum dns_reason r = dns_header_parse(msg, len, &h);
  if (r != DNS_OK) return r;
  if (!dns_qr(&h)) return DNS_NOT_RESPONSE;
  if (dns_opcode(&h) != DNS_OPCODE_QUERY) return DNS_BAD_OPCODE;
  if (h.id != id) return DNS_ID_MISMATCH;
  if (h.qdcount != 1) return DNS_QUESTION_MISMATCH;
  struct dns_question q;
  size_t next;
  r = dns_name_parse(msg, len, DNS_HDR_LEN, q.name, &q.name_len, &next);
  if (r != DNS_OK) return r;
  if (len - next < 4) return DNS_TRUNCATED;
  q.qtype = rd16(msg + next);
  q.qclass = rd16(msg + next + 2);
  if (q.qtype != qtype || q.qclass != DNS_CLASS_IN || !dns_name_equal(q.name, q.name_len, name, name_len))
    return DNS_QUESTION_MISMATCH;
  return DNS_OK;
}

bool dns_answer_matches(const uint8_t *msg, size_t len, uint16_t id,
                        const uint8_t *name, size_t name_len, uint16_t qtype)
{
  return dns_answer_check(msg, len, id, name, name_len, qtype) == DNS_OK;
}

/* ---- EDNS0 OPT ---- */

enum dns_reason dns_rr_opt(const uint8_t *msg, size_t len, const struct dns_rr *rr, struct dns_opt *o)
{
  if (rr->type != DNS_TYPE_OPT) return DNS_WRONG_TYPE;
  if (rr->rdata_off > len || len - rr->rdata_off < rr->rdlen) return DNS_RDATA_OVERRUN;
  const uint8_t *p = msg + rr->rdata_off;
  for (size_t i = 0; i < rr->rdlen;) {             /* options: code, length, data */
    if (rr->rdlen - i < 4 || rr->rdlen - i - 4 < rd16(p + i + 2)) return DNS_BAD_OPT;
    i += 4 + (size_t)rd16(p + i + 2);
  }
  o->udp_size = rr->class < 512 ? 512 : rr->class;
  o->ext_rcode = (uint8_t)(rr->ttl >> 24);
  o->version = (uint8_t)(rr->ttl >> 16);
  o->do_bit = (rr->ttl & 0x8000u) != 0;
  return DNS_OK;
}
