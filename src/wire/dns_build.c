/* The DNS message builder of wire/dns.h: header, sections in order, name
 * compression (RFC 1035 §4.1.4).
 *
 * Compression.  b->names remembers the offsets of label starts the builder
 * wrote itself (every suffix of every literal name written, owner or
 * rdata), up to DNS_BUILD_NAMES of them and only below 0x4000 (a pointer
 * has 14 bits).  A new name is written as its longest prefix that no
 * remembered suffix equals (ASCII case folded, RFC 4343) followed by a
 * pointer to the equal suffix, or whole with its root label.  Every
 * pointer therefore goes backwards to octets this builder wrote, so what
 * it makes passes the iterator's loop rules.  The search is bounded: at
 * most DNS_BUILD_WORK label comparisons per name, after which the rest of
 * the name is written uncompressed (correct, only longer).
 *
 * Failure is sticky: once b->err is set nothing more is written and
 * dns_build_done() returns 0. */
#include <string.h>
#include "wire/bytes.h"
#include "wire/dns.h"

#define DNS_BUILD_WORK 4096      /* label comparisons per name */
#define PTR_MAX_OFF 0x3fff

static void fail(struct dns_builder *b) { b->err = true; }

static bool room(struct dns_builder *b, size_t n)
{
  if (b->err) return false;
  if (b->cap - b->len < n || b->len + n > DNS_MAX_MSG) {
    fail(b);
    return false;
  }
  return true;
}

/* The header count field of a section. */
static size_t count_off(enum dns_section s)
{
  switch (s) {
  case DNS_SEC_QUESTION: return 4;
  case DNS_SEC_ANSWER: return 6;
  case DNS_SEC_AUTHORITY: return 8;
  default: return 10;
  }
}

static void bump_count(struct dns_builder *b)
{
  uint8_t *c = b->p + count_off(b->sec);
  uint16_t v = rd16(c);
  if (v == 0xffff) {
    fail(b);
    return;
  }
  wr16(c, (uint16_t)(v + 1));
}

void dns_build_init(struct dns_builder *b, uint8_t *buf, size_t cap, uint16_t id, uint16_t flags)
{
  memset(b, 0, sizeof *b);
  b->p = buf;
  b->cap = cap;
  b->sec = DNS_SEC_QUESTION;
  if (!room(b, DNS_HDR_LEN)) return;
  wr16(buf, id);
  wr16(buf + 2, flags);
  memset(buf + 4, 0, 8);
  b->len = DNS_HDR_LEN;
}

static uint8_t fold(uint8_t c) { return (c >= 'A' && c <= 'Z') ? (uint8_t)(c + 32) : c; }

/* Does the name written at offset off (possibly ending in pointers of
 * ours) equal the uncompressed name s?  *work counts label comparisons. */
static bool suffix_equal(const struct dns_builder *b, size_t off, const uint8_t *s, unsigned *work)
{
  unsigned hops = 0;
  for (;;) {
    if (off >= b->len) return false;
    uint8_t c = b->p[off];
    if ((c & 0xc0) == 0xc0) {
      if (b->len - off < 2 || ++hops > DNS_MAX_PTR_HOPS) return false;
      size_t t = rd16(b->p + off) & PTR_MAX_OFF;
      if (t >= off) return false;            /* ours only go backwards */
      off = t;
      continue;
    }
    if (++*work > DNS_BUILD_WORK) return false;
    if (c != s[0] || c > DNS_MAX_LABEL || b->len - off - 1 < c) return false;
    if (c == 0) return true;
    for (unsigned k = 1; k <= c; k++)
      if (fold(b->p[off + k]) != fold(s[k])) return false;
    off += 1 + (size_t)c;
    s += 1 + (size_t)c;
  }
}

/* The offset of a remembered suffix equal to s, or 0 (never a valid
 * target: the header is there). */
static size_t find_suffix(const struct dns_builder *b, const uint8_t *s, unsigned *work)
{
  for (unsigned i = 0; i < b->n_names; i++) {
    if (*work > DNS_BUILD_WORK) return 0;
    if (suffix_equal(b, b->names[i].off, s, work)) return b->names[i].off;
  }
  return 0;
}

static void remember(struct dns_builder *b, size_t off)
{
  if (off > PTR_MAX_OFF || b->n_names >= DNS_BUILD_NAMES) return;
  b->names[b->n_names++].off = (uint16_t)off;
}

/* Write a name (uncompressed wire form in, compressed out). */
static void put_name(struct dns_builder *b, const uint8_t *name, size_t name_len)
{
  if (b->err) return;
  if (dns_name_check(name, name_len) != DNS_OK) {
    fail(b);
    return;
  }
  unsigned work = 0;
  size_t cut = name_len - 1, target = 0;   /* default: whole name, root label included */
  for (size_t i = 0; name[i] != 0; i += 1 + (size_t)name[i]) {
    target = find_suffix(b, name + i, &work);
    if (target) {
      cut = i;
      break;
    }
  }
  if (!room(b, target ? cut + 2 : name_len)) return;
  size_t start = b->len;
  for (size_t i = 0; i < cut; i += 1 + (size_t)name[i]) remember(b, start + i);
  if (target) {
    memcpy(b->p + start, name, cut);
    wr16(b->p + start + cut, (uint16_t)(0xc000 | target));
    b->len += cut + 2;
  } else {
    memcpy(b->p + start, name, name_len);
    b->len += name_len;
  }
}

void dns_build_question(struct dns_builder *b, const uint8_t *name, size_t name_len, uint16_t qtype, uint16_t qclass)
{
  if (b->err) return;
  if (b->sec != DNS_SEC_QUESTION) {
    fail(b);
    return;
  }
  put_name(b, name, name_len);
  if (!room(b, 4)) return;
  wr16(b->p + b->len, qtype);
  wr16(b->p + b->len + 2, qclass);
  b->len += 4;
  bump_count(b);
}

void dns_build_section(struct dns_builder *b, enum dns_section sec)
{
  if (b->err) return;
  if (sec < b->sec || sec >= DNS_SEC_END) {
    fail(b);
    return;
  }
  b->sec = sec;
}

/* Owner, type, class, TTL and a zero rdlength; returns the rdlength's
 * offset (0 on failure).  An RR while still in the question section goes
 * to the answer section. */
static size_t rr_head(struct dns_builder *b, const uint8_t *name, size_t name_len, uint16_t type, uint16_t class,
                      uint32_t ttl)
{
  if (b->err) return 0;
  if (b->sec == DNS_SEC_QUESTION) b->sec = DNS_SEC_ANSWER;
  put_name(b, name, name_len);
  if (!room(b, 10)) return 0;
  uint8_t *q = b->p + b->len;
  wr16(q, type);
  wr16(q + 2, class);
  wr32(q + 4, ttl);
  wr16(q + 8, 0);
  b->len += 10;
  return b->len - 2;
}

/* Fill in the rdlength of the RR whose rdlength field is at rdl_off and
 * count the RR. */
static void rr_end(struct dns_builder *b, size_t rdl_off)
{
  if (b->err) return;
  size_t n = b->len - (rdl_off + 2);
  if (n > 0xffff) {
    fail(b);
    return;
  }
  wr16(b->p + rdl_off, (uint16_t)n);
  bump_count(b);
}

void dns_build_rr(struct dns_builder *b, const uint8_t *name, size_t name_len, uint16_t type, uint16_t class,
                  uint32_t ttl, const void *rdata, uint16_t rdlen)
{
  size_t rdl = rr_head(b, name, name_len, type, class, ttl);
  if (!rdl || !room(b, rdlen)) return;
  if (rdlen) memcpy(b->p + b->len, rdata, rdlen);
  b->len += rdlen;
  rr_end(b, rdl);
}

void dns_build_rr_name(struct dns_builder *b, const uint8_t *name, size_t name_len, uint16_t type, uint32_t ttl,
                       const uint8_t *target, size_t target_len)
{
  size_t rdl = rr_head(b, name, name_len, type, DNS_CLASS_IN, ttl);
  if (!rdl) return;
  put_name(b, target, target_len);
  rr_end(b, rdl);
}

void dns_build_soa(struct dns_builder *b, const uint8_t *zone, size_t zone_len, uint32_t ttl,
                   const uint8_t *mname, size_t mname_len, const uint8_t *rname, size_t rname_len,
                   uint32_t serial, uint32_t refresh, uint32_t retry, uint32_t expire, uint32_t minimum)
{
  size_t rdl = rr_head(b, zone, zone_len, DNS_TYPE_SOA, DNS_CLASS_IN, ttl);
  if (!rdl) return;
  put_name(b, mname, mname_len);
  put_name(b, rname, rname_len);
  if (!room(b, 20)) return;
  const uint32_t v[5] = { serial, refresh, retry, expire, minimum };
  for (int i = 0; i < 5; i++) wr32(b->p + b->len + 4 * (size_t)i, v[i]);
  b->len += 20;
  rr_end(b, rdl);
}

void dns_build_opt(struct dns_builder *b, uint16_t udp_size, uint8_t ext_rcode, bool do_bit)
{
  static const uint8_t root[1] = { 0 };
  if (b->err) return;
  if (b->sec < DNS_SEC_ADDITIONAL) b->sec = DNS_SEC_ADDITIONAL;
  uint32_t ttl = (uint32_t)ext_rcode << 24 | (do_bit ? 0x8000u : 0);   /* version 0 */
  dns_build_rr(b, root, 1, DNS_TYPE_OPT, udp_size < 512 ? 512 : udp_size, ttl, NULL, 0);
}

void dns_build_set_flags(struct dns_builder *b, uint16_t flags)
{
  if (b->err) return;
  wr16(b->p + 2, flags);
}

size_t dns_build_done(struct dns_builder *b)
{
  return b->err ? 0 : b->len;
}
