/* DNS wire format: names, iterator, typed rdata, queries, answer
 * matching, and every RFC 9267 anti-pattern rejected with its reason. */
#include <arpa/inet.h>
#include "../lib/t.h"
#include "wire/bytes.h"
#include "wire/dns.h"

/* ---- message builder ---- */

struct mb { uint8_t b[8192]; size_t n; };

static void put8(struct mb *m, unsigned v) { m->b[m->n++] = (uint8_t)v; }
static void put16(struct mb *m, unsigned v) { wr16(m->b + m->n, (uint16_t)v); m->n += 2; }
static void put32(struct mb *m, uint32_t v) { wr32(m->b + m->n, v); m->n += 4; }
static void putraw(struct mb *m, const void *p, size_t n) { memcpy(m->b + m->n, p, n); m->n += n; }
static void putptr(struct mb *m, size_t off) { put16(m, 0xc000 | (unsigned)off); }
static void set16(struct mb *m, size_t off, unsigned v) { wr16(m->b + off, (uint16_t)v); }

/* Labels of a dotted name, no root (so a pointer or root can follow). */
static void putlabels(struct mb *m, const char *s)
{
  while (*s) {
    const char *d = strchr(s, '.');
    size_t l = d ? (size_t)(d - s) : strlen(s);
    put8(m, (unsigned)l);
    putraw(m, s, l);
    s += l;
    if (*s == '.') s++;
  }
}
/* Whole uncompressed name; returns its offset. */
static size_t putname(struct mb *m, const char *s)
{
  size_t o = m->n;
  putlabels(m, s);
  put8(m, 0);
  return o;
}
static void hdr(struct mb *m, unsigned id, unsigned flags, unsigned qd, unsigned an, unsigned ns, unsigned ar)
{
  m->n = 0;
  put16(m, id); put16(m, flags); put16(m, qd); put16(m, an); put16(m, ns); put16(m, ar);
}
static void rrhdr(struct mb *m, unsigned type, unsigned cls, uint32_t ttl, unsigned rdlen)
{
  put16(m, type); put16(m, cls); put32(m, ttl); put16(m, rdlen);
}

static size_t wname(const char *text, uint8_t out[DNS_MAX_NAME])
{
  size_t n;
  if (dns_name_from_text(text, out, &n) != DNS_OK) abort();
  return n;
}

/* Walk the whole message; returns the final reason. */
static enum dns_reason walk(const uint8_t *msg, size_t len, unsigned flags, unsigned *nrr)
{
  struct dns_iter it;
  enum dns_reason r = dns_iter_init(&it, msg, len, flags);
  if (nrr) *nrr = 0;
  if (r != DNS_OK) return r;
  struct dns_rr rr;
  bool done = false;
  while (!done) {
    r = dns_iter_rr(&it, &rr, &done);
    if (r != DNS_OK) return r;
    if (!done && nrr) (*nrr)++;
  }
  return DNS_OK;
}

/* Name-parse on a message of a zero header followed by bytes. */
static enum dns_reason np(const uint8_t *bytes, size_t n, size_t off_in_body, size_t *out_len)
{
  uint8_t msg[600] = { 0 };
  memcpy(msg + DNS_HDR_LEN, bytes, n);
  uint8_t out[DNS_MAX_NAME];
  size_t ol = 0, next;
  enum dns_reason r = dns_name_parse(msg, DNS_HDR_LEN + n, DNS_HDR_LEN + off_in_body, out, &ol, &next);
  if (out_len) *out_len = ol;
  return r;
}

/* ---- the real-looking answer ---- */

/* Response to "WWW.Example.TEST AAAA" (id 0xbeef): www CNAME web.example.test,
 * web CNAME cdn.example.net, cdn AAAA 2001:db8::80, cdn A 192.0.2.80 in
 * additional, an OPT; every later name compressed. */
static size_t build_answer(struct mb *m)
{
  hdr(m, 0xbeef, 0x8180, 1, 3, 0, 2);
  size_t qn = putname(m, "WWW.Example.TEST");             /* 12 */
  put16(m, DNS_TYPE_AAAA); put16(m, DNS_CLASS_IN);
  /* www CNAME web.<example.test> */
  putptr(m, qn);
  rrhdr(m, DNS_TYPE_CNAME, DNS_CLASS_IN, 300, 6);
  size_t web = m->n;
  put8(m, 3); putraw(m, "web", 3); putptr(m, qn + 4);     /* web + ptr to Example.TEST */
  /* web CNAME cdn.example.net */
  putptr(m, web);
  rrhdr(m, DNS_TYPE_CNAME, DNS_CLASS_IN, 300, 17);
  size_t cdn = putname(m, "cdn.example.net");
  /* cdn AAAA */
  putptr(m, cdn);
  rrhdr(m, DNS_TYPE_AAAA, DNS_CLASS_IN, 60, 16);
  struct in6_addr a6;
  inet_pton(AF_INET6, "2001:db8::80", &a6);
  putraw(m, &a6, 16);
  /* additional: cdn A, OPT */
  putptr(m, cdn);
  rrhdr(m, DNS_TYPE_A, DNS_CLASS_IN, 60, 4);
  put8(m, 192); put8(m, 0); put8(m, 2); put8(m, 80);
  put8(m, 0);
  rrhdr(m, DNS_TYPE_OPT, 1232, 0x00008000, 0);
  return m->n;
}

TEST(reason_strings)
{
  for (int r = 0; r < DNS__MAX; r++) {
    const char *s = dns_reason_str((enum dns_reason)r);
    T_CHECK(s && *s);
    for (const char *c = s; *c; c++) T_CHECK((*c >= 'a' && *c <= 'z') || *c == '_');
  }
  T_STREQ(dns_reason_str(DNS_OK), "ok");
  T_STREQ(dns_reason_str(DNS_COMPRESSION_LOOP), "compression_loop");
  T_STREQ(dns_reason_str(DNS_POINTER_FORWARD), "pointer_forward");
  T_STREQ(dns_reason_str(DNS__MAX), "unknown");
  T_STREQ(dns_reason_str((enum dns_reason)-1), "unknown");
}

TEST(header)
{
  struct dns_header h;
  uint8_t z[1] = { 0 };
  T_EQ(dns_header_parse(z, 0, &h), DNS_TRUNCATED);
  struct mb m;
  hdr(&m, 0x1234, 0x8583, 1, 2, 3, 4);
  T_EQ(dns_header_parse(m.b, 11, &h), DNS_TRUNCATED);
  T_EQ(dns_header_parse(m.b, 12, &h), DNS_OK);
  T_EQ(h.id, 0x1234);
  T_CHECK(dns_qr(&h) && dns_aa(&h) && !dns_tc(&h) && dns_rd(&h) && dns_ra(&h) && !dns_ad(&h) && !dns_cd(&h));
  T_EQ(dns_opcode(&h), 0);
  T_EQ(dns_rcode(&h), DNS_RCODE_NXDOMAIN);
  T_EQ(h.qdcount, 1); T_EQ(h.ancount, 2); T_EQ(h.nscount, 3); T_EQ(h.arcount, 4);
  T_EQ(dns_header_parse(m.b, 65536, &h), DNS_MSG_TOO_LONG);
  struct dns_iter it;
  T_EQ(dns_iter_init(&it, z, 0, 0), DNS_TRUNCATED);
  T_EQ(dns_iter_init(&it, m.b, 11, 0), DNS_TRUNCATED);
  bool done;
  struct dns_rr rr;
  T_EQ(dns_iter_rr(&it, &rr, &done), DNS_TRUNCATED);   /* sticky */
  T_CHECK(!done);
}

TEST(name_text)
{
  uint8_t w[DNS_MAX_NAME];
  size_t n;
  char t[DNS_TEXT_MAX];
  T_EQ(dns_name_from_text("www.example.test", w, &n), DNS_OK);
  T_EQ(n, 18);
  T_MEMEQ(w, "\3www\7example\4test\0", 18);
  T_EQ(dns_name_to_text(w, n, t, sizeof t), 16);
  T_STREQ(t, "www.example.test");
  T_EQ(dns_name_from_text("www.example.test.", w, &n), DNS_OK);
  T_EQ(n, 18);
  T_EQ(dns_name_from_text(".", w, &n), DNS_OK);
  T_EQ(n, 1); T_EQ(w[0], 0);
  T_EQ(dns_name_to_text(w, n, t, sizeof t), 1);
  T_STREQ(t, ".");
  T_EQ(dns_name_from_text("", w, &n), DNS_EMPTY_LABEL);
  T_EQ(dns_name_from_text("a..b", w, &n), DNS_EMPTY_LABEL);
  T_EQ(dns_name_from_text(".a", w, &n), DNS_EMPTY_LABEL);
  T_EQ(dns_name_from_text("a..", w, &n), DNS_EMPTY_LABEL);
  T_EQ(dns_name_from_text("a\\", w, &n), DNS_BAD_ESCAPE);
  T_EQ(dns_name_from_text("a\\25", w, &n), DNS_BAD_ESCAPE);
  T_EQ(dns_name_from_text("a\\256", w, &n), DNS_BAD_ESCAPE);
  /* escapes both ways */
  T_EQ(dns_name_from_text("a\\.b\\092\\000 c.d", w, &n), DNS_OK);
  T_EQ(n, 1 + 7 + 2 + 1);
  T_MEMEQ(w, "\7a.b\\\0 c\1d\0", 11);
  T_EQ(dns_name_to_text(w, n, t, sizeof t), 21);
  T_STREQ(t, "a\\046b\\092\\000\\032c.d");
  uint8_t w2[DNS_MAX_NAME];
  size_t n2;
  T_EQ(dns_name_from_text(t, w2, &n2), DNS_OK);
  T_EQ(n2, n);
  T_MEMEQ(w2, w, n);
  /* cap */
  T_EQ(dns_name_to_text(w, n, t, 21), -1);
  T_EQ(t[0], 0);
  T_EQ(dns_name_to_text(w, n, t, 22), 21);
  T_EQ(dns_name_to_text(w, n, t, 0), -1);
  /* 63 / 64 octet labels */
  char l[80];
  memset(l, 'x', 63); l[63] = 0;
  T_EQ(dns_name_from_text(l, w, &n), DNS_OK);
  T_EQ(n, 65);
  memset(l, 'x', 64); l[64] = 0;
  T_EQ(dns_name_from_text(l, w, &n), DNS_LABEL_TOO_LONG);
  /* 255 / 256 octets: 127 one-octet labels + root = 255 */
  char big[600];
  size_t o = 0;
  for (int i = 0; i < 127; i++) { big[o++] = 'a'; big[o++] = '.'; }
  big[o] = 0;
  T_EQ(dns_name_from_text(big, w, &n), DNS_OK);
  T_EQ(n, 255);
  T_EQ(dns_name_check(w, n), DNS_OK);
  T_EQ(dns_name_to_text(w, n, t, sizeof t), 253);
  big[o - 1] = 0;                                   /* no trailing dot: same name */
  T_EQ(dns_name_from_text(big, w, &n), DNS_OK);
  T_EQ(n, 255);
  big[o - 1] = '.'; big[o] = 'b'; big[o + 1] = 0;   /* 128 labels */
  T_EQ(dns_name_from_text(big, w, &n), DNS_NAME_TOO_LONG);
  big[o] = 0;
  memcpy(big + o, "b.", 3);
  T_EQ(dns_name_from_text(big, w, &n), DNS_NAME_TOO_LONG);
  /* worst case text fits DNS_TEXT_MAX */
  uint8_t ww[DNS_MAX_NAME];
  size_t k = 0;
  for (int i = 0; i < 3; i++) { ww[k++] = 63; memset(ww + k, 0xff, 63); k += 63; }
  ww[k++] = 61; memset(ww + k, 0xff, 61); k += 61;
  ww[k++] = 0;
  T_EQ(k, 255);
  T_EQ(dns_name_to_text(ww, k, t, sizeof t), 250 * 4 + 3);
  /* invalid wire */
  T_EQ(dns_name_to_text((const uint8_t *)"\3ab", 3, t, sizeof t), -1);
  T_EQ(dns_name_check((const uint8_t *)"\1a\0x", 4), DNS_TRAILING_DATA);
  T_EQ(dns_name_check((const uint8_t *)"\1a", 2), DNS_TRUNCATED);
  T_EQ(dns_name_check((const uint8_t *)"\x40", 1), DNS_LABEL_TOO_LONG);
  T_EQ(dns_name_check((const uint8_t *)"\xc0\x0c", 2), DNS_LABEL_TOO_LONG);
}

TEST(name_equal)
{
  uint8_t a[DNS_MAX_NAME], b[DNS_MAX_NAME];
  size_t an = wname("WWW.Example.TEST", a), bn = wname("www.example.test", b);
  T_CHECK(dns_name_equal(a, an, b, bn));
  bn = wname("www.example.tesu", b);
  T_CHECK(!dns_name_equal(a, an, b, bn));
  bn = wname("www.example.test.x", b);
  T_CHECK(!dns_name_equal(a, an, b, bn));
  /* '@' (0x40) and '`' (0x60) are not letters: no folding */
  an = wname("a@", a); bn = wname("a`", b);
  T_CHECK(!dns_name_equal(a, an, b, bn));
}

TEST(query_roundtrip)
{
  uint8_t name[DNS_MAX_NAME], p[600];
  size_t nl = wname("host.example.test", name);
  size_t len = dns_query_emit(p, sizeof p, 0x4242, name, nl, DNS_TYPE_AAAA, 0);
  T_EQ(len, 12 + nl + 4);
  struct dns_iter it;
  T_EQ(dns_iter_init(&it, p, len, 0), DNS_OK);
  T_EQ(it.h.id, 0x4242);
  T_CHECK(dns_rd(&it.h) && !dns_qr(&it.h));
  T_EQ(it.h.qdcount, 1); T_EQ(it.h.arcount, 0);
  struct dns_question q;
  bool done;
  T_EQ(dns_iter_question(&it, &q, &done), DNS_OK);
  T_CHECK(!done);
  T_EQ(q.qtype, DNS_TYPE_AAAA); T_EQ(q.qclass, DNS_CLASS_IN);
  T_EQ(q.name_len, nl);
  T_MEMEQ(q.name, name, nl);
  T_EQ(dns_iter_question(&it, &q, &done), DNS_OK);
  T_CHECK(done);
  struct dns_rr rr;
  T_EQ(dns_iter_rr(&it, &rr, &done), DNS_OK);
  T_CHECK(done);
  T_EQ(dns_answer_check(p, len, 0x4242, name, nl, DNS_TYPE_AAAA), DNS_NOT_RESPONSE);

  /* with EDNS0 */
  len = dns_query_emit(p, sizeof p, 7, name, nl, DNS_TYPE_A, 1232);
  T_EQ(len, 12 + nl + 4 + 11);
  unsigned n;
  T_EQ(walk(p, len, 0, &n), DNS_OK);
  T_EQ(n, 1);
  T_EQ(dns_iter_init(&it, p, len, 0), DNS_OK);
  T_EQ(dns_iter_rr(&it, &rr, &done), DNS_OK);
  T_CHECK(!done);
  T_EQ(rr.section, DNS_SEC_ADDITIONAL);
  T_EQ(rr.type, DNS_TYPE_OPT); T_EQ(rr.class, 1232); T_EQ(rr.ttl, 0); T_EQ(rr.rdlen, 0);
  T_EQ(rr.name_len, 1);
  len = dns_query_emit(p, sizeof p, 7, name, nl, DNS_TYPE_A, 100);
  T_EQ(rd16(p + len - 8), 512);
  /* caps and bad names */
  T_EQ(dns_query_emit(p, 12 + nl + 4 - 1, 7, name, nl, DNS_TYPE_A, 0), 0);
  T_EQ(dns_query_emit(p, 12 + nl + 4, 7, name, nl, DNS_TYPE_A, 0), 12 + nl + 4);
  T_EQ(dns_query_emit(p, 12 + nl + 4 + 10, 7, name, nl, DNS_TYPE_A, 512), 0);
  T_EQ(dns_query_emit(p, sizeof p, 7, name, nl - 1, DNS_TYPE_A, 0), 0);
  T_EQ(dns_query_emit(p, sizeof p, 7, (const uint8_t *)"\xc0\x0c", 2, DNS_TYPE_A, 0), 0);
  /* the root */
  T_EQ(dns_query_emit(p, sizeof p, 7, (const uint8_t *)"", 1, DNS_TYPE_SOA, 0), 17);
  T_EQ(walk(p, 17, 0, NULL), DNS_OK);
}

TEST(answer_with_compression)
{
  struct mb m;
  size_t len = build_answer(&m);
  uint8_t qname[DNS_MAX_NAME];
  size_t qnl = wname("www.example.test", qname);
  T_EQ(dns_answer_check(m.b, len, 0xbeef, qname, qnl, DNS_TYPE_AAAA), DNS_OK);
  T_CHECK(dns_answer_matches(m.b, len, 0xbeef, qname, qnl, DNS_TYPE_AAAA));
  T_EQ(dns_answer_check(m.b, len, 0xbeee, qname, qnl, DNS_TYPE_AAAA), DNS_ID_MISMATCH);
  T_EQ(dns_answer_check(m.b, len, 0xbeef, qname, qnl, DNS_TYPE_A), DNS_QUESTION_MISMATCH);
  uint8_t other[DNS_MAX_NAME];
  size_t onl = wname("ww.example.test", other);
  T_EQ(dns_answer_check(m.b, len, 0xbeef, other, onl, DNS_TYPE_AAAA), DNS_QUESTION_MISMATCH);
  T_CHECK(!dns_answer_matches(m.b, 11, 0xbeef, qname, qnl, DNS_TYPE_AAAA));

  struct dns_iter it;
  T_EQ(dns_iter_init(&it, m.b, len, 0), DNS_OK);
  struct dns_rr rr;
  bool done;
  uint8_t nm[DNS_MAX_NAME];
  size_t nml;
  char t[DNS_TEXT_MAX];
  /* 1: www CNAME web.example.test */
  T_EQ(dns_iter_rr(&it, &rr, &done), DNS_OK);
  T_EQ(rr.section, DNS_SEC_ANSWER);
  T_EQ(rr.type, DNS_TYPE_CNAME);
  T_EQ(rr.ttl, 300);
  dns_name_to_text(rr.name, rr.name_len, t, sizeof t);
  T_STREQ(t, "WWW.Example.TEST");
  T_CHECK(dns_name_equal(rr.name, rr.name_len, qname, qnl));
  T_EQ(dns_rr_cname(m.b, len, &rr, nm, &nml), DNS_OK);
  dns_name_to_text(nm, nml, t, sizeof t);
  T_STREQ(t, "web.Example.TEST");
  struct in_addr a4;
  struct in6_addr a6;
  T_EQ(dns_rr_a(m.b, len, &rr, &a4), DNS_WRONG_TYPE);
  T_EQ(dns_rr_ptr(m.b, len, &rr, nm, &nml), DNS_WRONG_TYPE);
  /* 2: web CNAME cdn.example.net */
  T_EQ(dns_iter_rr(&it, &rr, &done), DNS_OK);
  dns_name_to_text(rr.name, rr.name_len, t, sizeof t);
  T_STREQ(t, "web.Example.TEST");
  T_EQ(dns_rr_cname(m.b, len, &rr, nm, &nml), DNS_OK);
  dns_name_to_text(nm, nml, t, sizeof t);
  T_STREQ(t, "cdn.example.net");
  /* 3: cdn AAAA */
  T_EQ(dns_iter_rr(&it, &rr, &done), DNS_OK);
  T_EQ(rr.type, DNS_TYPE_AAAA);
  T_EQ(rr.section, DNS_SEC_ANSWER);
  T_EQ(dns_rr_aaaa(m.b, len, &rr, &a6), DNS_OK);
  inet_ntop(AF_INET6, &a6, t, sizeof t);
  T_STREQ(t, "2001:db8::80");
  T_EQ(dns_rr_cname(m.b, len, &rr, nm, &nml), DNS_WRONG_TYPE);
  T_EQ(dns_rr_a(m.b, len, &rr, &a4), DNS_WRONG_TYPE);
  /* 4: cdn A in additional */
  T_EQ(dns_iter_rr(&it, &rr, &done), DNS_OK);
  T_EQ(rr.section, DNS_SEC_ADDITIONAL);
  T_EQ(dns_rr_a(m.b, len, &rr, &a4), DNS_OK);
  T_STREQ(inet_ntoa(a4), "192.0.2.80");
  T_EQ(dns_rr_aaaa(m.b, len, &rr, &a6), DNS_WRONG_TYPE);
  /* 5: OPT, DO bit in the TTL kept */
  T_EQ(dns_iter_rr(&it, &rr, &done), DNS_OK);
  T_EQ(rr.type, DNS_TYPE_OPT); T_EQ(rr.ttl, 0x8000); T_EQ(rr.class, 1232);
  T_EQ(dns_iter_rr(&it, &rr, &done), DNS_OK);
  T_CHECK(done);
  T_EQ(it.off, len);
  /* done stays done */
  T_EQ(dns_iter_rr(&it, &rr, &done), DNS_OK);
  T_CHECK(done);
  /* the accessors re-check bounds of a forged rr */
  struct dns_rr bad = rr;
  bad.type = DNS_TYPE_A; bad.class = DNS_CLASS_IN; bad.rdlen = 4; bad.rdata_off = len - 3;
  T_EQ(dns_rr_a(m.b, len, &bad, &a4), DNS_RDATA_OVERRUN);
  bad.rdata_off = (size_t)-1;
  T_EQ(dns_rr_a(m.b, len, &bad, &a4), DNS_RDATA_OVERRUN);
  bad.type = DNS_TYPE_CNAME;
  T_EQ(dns_rr_cname(m.b, len, &bad, nm, &nml), DNS_RDATA_OVERRUN);

  /* trailing octets */
  m.b[len] = 0;
  T_EQ(walk(m.b, len + 1, 0, NULL), DNS_TRAILING_DATA);
  T_EQ(walk(m.b, len + 1, DNS_ITER_ALLOW_TRAILING, NULL), DNS_OK);
  /* questions may be read first, then RRs */
  T_EQ(dns_iter_init(&it, m.b, len, 0), DNS_OK);
  struct dns_question q;
  T_EQ(dns_iter_question(&it, &q, &done), DNS_OK);
  T_EQ(q.qtype, DNS_TYPE_AAAA);
  T_EQ(dns_iter_question(&it, &q, &done), DNS_OK);
  T_CHECK(done);
  unsigned n = 0;
  for (;;) {
    T_EQ(dns_iter_rr(&it, &rr, &done), DNS_OK);
    if (done) break;
    n++;
  }
  T_EQ(n, 5);
  T_EQ(dns_iter_question(&it, &q, &done), DNS_OK);
  T_CHECK(done);
}

TEST(ttl_top_bit)
{
  struct mb m;
  hdr(&m, 1, 0x8180, 1, 1, 0, 0);
  putname(&m, "a.test");
  put16(&m, DNS_TYPE_A); put16(&m, DNS_CLASS_IN);
  putptr(&m, 12);
  rrhdr(&m, DNS_TYPE_A, DNS_CLASS_IN, 0x80000001u, 4);
  put32(&m, 0x0a000001);
  struct dns_iter it;
  struct dns_rr rr;
  bool done;
  T_EQ(dns_iter_init(&it, m.b, m.n, 0), DNS_OK);
  T_EQ(dns_iter_rr(&it, &rr, &done), DNS_OK);
  T_EQ(rr.ttl, 0);
  /* A in class CH is not an IPv4 address: not checked, not decoded */
  set16(&m, m.n - 12, 3);
  set16(&m, m.n - 6, 5);
  m.b[m.n] = 0;
  T_EQ(walk(m.b, m.n + 1, 0, NULL), DNS_OK);
}

/* ---- RFC 9267 ---- */

TEST(pointer_loops)
{
  size_t l;
  /* self-pointer */
  T_EQ(np((const uint8_t *)"\xc0\x0c", 2, 0, &l), DNS_COMPRESSION_LOOP);
  /* label then a pointer back to its own label */
  T_EQ(np((const uint8_t *)"\1a\xc0\x0c", 4, 0, &l), DNS_COMPRESSION_LOOP);
  /* two-pointer cycle: 12 -> 14 -> 12 */
  const uint8_t two[] = { 0xc0, 14, 0xc0, 12 };
  T_EQ(np(two, 4, 2, &l), DNS_COMPRESSION_LOOP);   /* entered from the later one */
  T_EQ(np(two, 4, 0, &l), DNS_POINTER_FORWARD);    /* entered from the earlier one */
  /* cycle through a label: 12 "x" ptr 16; 16 ptr 12 */
  const uint8_t lab[] = { 1, 'x', 0xc0, 16, 0xc0, 12 };
  T_EQ(np(lab, 6, 4, &l), DNS_COMPRESSION_LOOP);
  T_EQ(np(lab, 6, 0, &l), DNS_POINTER_FORWARD);
  /* pointer into the middle of a previously read stretch */
  const uint8_t mid[] = { 1, 'a', 1, 'b', 0xc0, 14 };
  T_EQ(np(mid, 6, 0, &l), DNS_COMPRESSION_LOOP);

  /* in a whole message: answer owner is a two-pointer cycle */
  struct mb m;
  hdr(&m, 1, 0x8180, 1, 1, 0, 0);
  putname(&m, "a.test");                 /* 12..19 */
  put16(&m, DNS_TYPE_A); put16(&m, DNS_CLASS_IN);
  size_t ans = m.n;                      /* 24 */
  putptr(&m, ans);                       /* self */
  rrhdr(&m, DNS_TYPE_A, DNS_CLASS_IN, 1, 4);
  put32(&m, 0);
  T_EQ(walk(m.b, m.n, 0, NULL), DNS_COMPRESSION_LOOP);
  /* question name pointing forward into the answer, answer pointing back */
  hdr(&m, 1, 0x8180, 1, 1, 0, 0);
  putptr(&m, 18);                        /* 12: -> 18 */
  put16(&m, DNS_TYPE_A); put16(&m, DNS_CLASS_IN);
  putptr(&m, 12);                        /* 18: -> 12 */
  rrhdr(&m, DNS_TYPE_A, DNS_CLASS_IN, 1, 4);
  put32(&m, 0);
  T_EQ(walk(m.b, m.n, 0, NULL), DNS_POINTER_FORWARD);
  /* sticky through questions and RRs */
  struct dns_iter it;
  struct dns_question q;
  struct dns_rr rr;
  bool done;
  T_EQ(dns_iter_init(&it, m.b, m.n, 0), DNS_OK);
  T_EQ(dns_iter_question(&it, &q, &done), DNS_POINTER_FORWARD);
  T_EQ(dns_iter_question(&it, &q, &done), DNS_POINTER_FORWARD);
  T_EQ(dns_iter_rr(&it, &rr, &done), DNS_POINTER_FORWARD);
  T_EQ(it.err, DNS_POINTER_FORWARD);
}

TEST(pointer_bounds)
{
  size_t l;
  /* forward pointer to a valid name after it */
  const uint8_t fwd[] = { 0xc0, 14, 1, 'a', 0 };
  T_EQ(np(fwd, 5, 0, &l), DNS_POINTER_FORWARD);
  T_EQ(np(fwd, 5, 2, &l), DNS_OK);
  T_EQ(l, 3);
  /* beyond the message: target == len, and far away */
  T_EQ(np((const uint8_t *)"\1a\0\xc0\x0c", 5, 3, &l), DNS_OK);
  T_EQ(l, 3);
  T_EQ(np((const uint8_t *)"\1a\0\xc0\x11", 5, 3, &l), DNS_POINTER_BEYOND);
  T_EQ(np((const uint8_t *)"\1a\0\xff\xff", 5, 3, &l), DNS_POINTER_BEYOND);
  /* into the header */
  T_EQ(np((const uint8_t *)"\1a\0\xc0\x00", 5, 3, &l), DNS_POINTER_INTO_HEADER);
  T_EQ(np((const uint8_t *)"\1a\0\xc0\x0b", 5, 3, &l), DNS_POINTER_INTO_HEADER);
  /* pointer cut in half */
  T_EQ(np((const uint8_t *)"\1a\xc0", 3, 0, &l), DNS_TRUNCATED);
  /* the header's 12 octets as name target with a message of exactly 12 */
  uint8_t h12[12] = { 0 };
  uint8_t out[DNS_MAX_NAME];
  size_t next;
  T_EQ(dns_name_parse(h12, 12, 12, out, &l, &next), DNS_TRUNCATED);
  T_EQ(dns_name_parse(h12, 12, 1000, out, &l, &next), DNS_TRUNCATED);
  /* next: after the first pointer, not after what it points to */
  const uint8_t two[] = { 3, 'f', 'o', 'o', 0, 1, 'x', 0xc0, 12, 0xee };
  uint8_t msg[64] = { 0 };
  memcpy(msg + 12, two, sizeof two);
  T_EQ(dns_name_parse(msg, 12 + sizeof two, 17, out, &l, &next), DNS_OK);
  T_EQ(next, 21);
  T_EQ(l, 7);
  T_MEMEQ(out, "\1x\3foo\0", 7);
}

TEST(pointer_hops)
{
  /* root at 12, then k pointers each to the previous one; parsing at the
   * last walks k hops */
  uint8_t msg[12 + 1 + 2 * 200] = { 0 };
  size_t o = 12;
  msg[o++] = 0;
  for (int k = 1; k <= 200; k++) {
    wr16(msg + o, (uint16_t)(0xc000 | (o - (k == 1 ? 1 : 2))));
    o += 2;
  }
  uint8_t out[DNS_MAX_NAME];
  size_t l, next;
  T_EQ(dns_name_parse(msg, o, 13 + 2 * (DNS_MAX_PTR_HOPS - 1), out, &l, &next), DNS_OK);
  T_EQ(l, 1);
  T_EQ(dns_name_parse(msg, o, 13 + 2 * DNS_MAX_PTR_HOPS, out, &l, &next), DNS_TOO_MANY_POINTERS);
  T_EQ(dns_name_parse(msg, o, 13 + 2 * 199, out, &l, &next), DNS_TOO_MANY_POINTERS);
}

TEST(label_types)
{
  size_t l;
  for (unsigned b = 64; b <= 191; b++) {
    uint8_t body[80] = { 0 };
    body[0] = (uint8_t)b;
    T_EQ(np(body, 80, 0, &l), DNS_LABEL_TOO_LONG);
    /* also after a good label, and reached through a pointer */
    uint8_t b2[8] = { (uint8_t)b, 0, 1, 'a', 0xc0, 12 };
    T_EQ(np(b2, 6, 2, &l), DNS_LABEL_TOO_LONG);
  }
  /* 63 is fine, runs past the end is truncated */
  uint8_t body[70] = { 0 };
  body[0] = 63;
  T_EQ(np(body, 65, 0, &l), DNS_OK);
  T_EQ(l, 65);
  T_EQ(np(body, 64, 0, &l), DNS_TRUNCATED);
  /* in a message */
  struct mb m;
  hdr(&m, 1, 0x8180, 1, 0, 0, 0);
  put8(&m, 64);
  for (int i = 0; i < 64; i++) put8(&m, 'a');
  put8(&m, 0);
  put16(&m, 1); put16(&m, 1);
  T_EQ(walk(m.b, m.n, 0, NULL), DNS_LABEL_TOO_LONG);
}

TEST(name_length)
{
  size_t l;
  uint8_t body[600];
  /* many small labels: 127 x "a" + root = 255 ok, 128 = 257 rejected */
  size_t o = 0;
  for (int i = 0; i < 128; i++) { body[o++] = 1; body[o++] = 'a'; }
  body[o++] = 0;
  T_EQ(np(body, o, 2, &l), DNS_OK);
  T_EQ(l, 255);
  T_EQ(np(body, o, 0, &l), DNS_NAME_TOO_LONG);
  /* 254 octets of labels + root: 3x63 + 62 = 4*64 - 2: exactly 255 */
  o = 0;
  for (int i = 0; i < 3; i++) { body[o++] = 63; memset(body + o, 'b', 63); o += 63; }
  body[o++] = 61; memset(body + o, 'b', 61); o += 61; body[o++] = 0;
  T_EQ(o, 255);
  T_EQ(np(body, o, 0, &l), DNS_OK);
  T_EQ(l, 255);
  /* one more octet in the last label: 256 */
  o = 0;
  for (int i = 0; i < 3; i++) { body[o++] = 63; memset(body + o, 'b', 63); o += 63; }
  body[o++] = 62; memset(body + o, 'b', 62); o += 62; body[o++] = 0;
  T_EQ(np(body, o, 0, &l), DNS_NAME_TOO_LONG);

  /* through pointers: each stretch a 63-octet label + pointer to the previous */
  struct mb m;
  m.n = 0;
  for (int i = 0; i < 12; i++) put8(&m, 0);
  size_t s0 = putname(&m, "");           /* 12: root */
  size_t prev = s0, starts[5];
  for (int i = 0; i < 5; i++) {
    starts[i] = m.n;
    put8(&m, 63);
    for (int k = 0; k < 63; k++) put8(&m, 'c' + i);
    putptr(&m, prev);
    prev = starts[i];
  }
  uint8_t out[DNS_MAX_NAME];
  size_t next;
  T_EQ(dns_name_parse(m.b, m.n, starts[2], out, &l, &next), DNS_OK);
  T_EQ(l, 3 * 64 + 1);
  T_EQ(dns_name_parse(m.b, m.n, starts[3], out, &l, &next), DNS_NAME_TOO_LONG);   /* 257 */
  T_EQ(dns_name_parse(m.b, m.n, starts[4], out, &l, &next), DNS_NAME_TOO_LONG);
  /* many one-octet labels each in its own stretch, chained through pointers */
  m.n = 12;
  prev = putname(&m, "");
  size_t last = 0;
  for (int i = 0; i < 130; i++) {
    last = m.n;
    put8(&m, 1); put8(&m, 'x');
    putptr(&m, prev);
    prev = last;
  }
  size_t s127 = 13 + 4 * 126;            /* 127 labels: 255 octets */
  T_EQ(dns_name_parse(m.b, m.n, s127, out, &l, &next), DNS_OK);
  T_EQ(l, 255);
  T_EQ(dns_name_parse(m.b, m.n, s127 + 4, out, &l, &next), DNS_NAME_TOO_LONG);
  T_EQ(dns_name_parse(m.b, m.n, last, out, &l, &next), DNS_NAME_TOO_LONG);
}

TEST(no_root_label)
{
  size_t l;
  T_EQ(np((const uint8_t *)"\3www\7example", 12, 0, &l), DNS_TRUNCATED);
  T_EQ(np((const uint8_t *)"\3www", 4, 0, &l), DNS_TRUNCATED);
  T_EQ(np((const uint8_t *)"\3ww", 3, 0, &l), DNS_TRUNCATED);
  /* through a pointer to a name that runs off the end */
  T_EQ(np((const uint8_t *)"\5a\xc0\x0c", 4, 2, &l), DNS_TRUNCATED);
  struct mb m;
  hdr(&m, 1, 0x8180, 1, 0, 0, 0);
  putlabels(&m, "www.example.test");
  T_EQ(walk(m.b, m.n, 0, NULL), DNS_TRUNCATED);
  put16(&m, 1);                                   /* now a root label, but qtype/qclass cut */
  T_EQ(walk(m.b, m.n, 0, NULL), DNS_TRUNCATED);
}

TEST(lying_counts)
{
  struct mb m;
  /* ancount larger than present */
  hdr(&m, 1, 0x8180, 1, 2, 0, 0);
  putname(&m, "host.test");
  put16(&m, DNS_TYPE_A); put16(&m, DNS_CLASS_IN);
  putptr(&m, 12);
  rrhdr(&m, DNS_TYPE_A, DNS_CLASS_IN, 60, 4);
  put32(&m, 0xc0000201);
  /* pad so the minimum-size check passes: 12 + 5 + 22 <= len */
  size_t good = m.n;
  T_EQ(walk(m.b, good, 0, NULL), DNS_BAD_COUNT);
  unsigned n;
  set16(&m, 6, 1);
  T_EQ(walk(m.b, good, 0, &n), DNS_OK);
  T_EQ(n, 1);
  /* the second "answer" is only partly there */
  set16(&m, 6, 2);
  putptr(&m, 12);
  put16(&m, DNS_TYPE_A);
  T_EQ(walk(m.b, m.n, 0, NULL), DNS_TRUNCATED);
  /* nscount / arcount lying */
  set16(&m, 6, 1); set16(&m, 8, 1);
  T_EQ(walk(m.b, good, 0, NULL), DNS_BAD_COUNT);
  set16(&m, 8, 0); set16(&m, 10, 1);
  T_EQ(walk(m.b, good, 0, NULL), DNS_BAD_COUNT);
  set16(&m, 10, 0);
  /* qdcount larger than present */
  set16(&m, 4, 2);
  T_EQ(walk(m.b, good, 0, NULL), DNS_TRUNCATED);   /* answer read as a question, then the rest cut */
  /* qdcount 0 with an answer claimed (the question octets would be read as an RR) */
  set16(&m, 4, 0);
  T_EQ(walk(m.b, good, 0, NULL), DNS_BAD_COUNT);
  struct dns_iter it;
  T_EQ(dns_iter_init(&it, m.b, good, 0), DNS_BAD_COUNT);
  /* counts that would read past the end, caught before reading anything */
  set16(&m, 4, 1);
  set16(&m, 6, 0xffff);
  T_EQ(dns_iter_init(&it, m.b, good, 0), DNS_BAD_COUNT);
  set16(&m, 6, 0); set16(&m, 4, 0xffff);
  T_EQ(dns_iter_init(&it, m.b, good, 0), DNS_BAD_COUNT);
  hdr(&m, 1, 0x8180, 0xffff, 0xffff, 0xffff, 0xffff);
  T_EQ(dns_iter_init(&it, m.b, 12, 0), DNS_BAD_COUNT);
  hdr(&m, 1, 0x8180, 0, 0, 1, 0);
  T_EQ(dns_iter_init(&it, m.b, 22, 0), DNS_BAD_COUNT);   /* 11 octets needed, 10 there */
  /* an empty response with qdcount 0 (e.g. FORMERR) is fine */
  hdr(&m, 1, 0x8181, 0, 0, 0, 0);
  T_EQ(walk(m.b, 12, 0, NULL), DNS_OK);
}

TEST(rdata_checks)
{
  struct mb m;
  hdr(&m, 1, 0x8180, 1, 1, 0, 0);
  putname(&m, "host.test");
  put16(&m, DNS_TYPE_A); put16(&m, DNS_CLASS_IN);
  putptr(&m, 12);
  size_t rh = m.n;
  rrhdr(&m, DNS_TYPE_A, DNS_CLASS_IN, 60, 4);
  put32(&m, 0xc0000201);
  size_t good = m.n;
  T_EQ(walk(m.b, good, 0, NULL), DNS_OK);
  /* rdlength past the end */
  set16(&m, rh + 8, 5);
  T_EQ(walk(m.b, good, 0, NULL), DNS_RDATA_OVERRUN);
  set16(&m, rh + 8, 0xffff);
  T_EQ(walk(m.b, good, 0, NULL), DNS_RDATA_OVERRUN);
  /* A with rdlen != 4 (the octets are there) */
  set16(&m, rh + 8, 5);
  m.b[good] = 0;
  T_EQ(walk(m.b, good + 1, 0, NULL), DNS_BAD_RDLEN);
  set16(&m, rh + 8, 3);
  T_EQ(walk(m.b, good - 1, 0, NULL), DNS_BAD_RDLEN);
  set16(&m, rh + 8, 0);
  T_EQ(walk(m.b, good - 4, 0, NULL), DNS_BAD_RDLEN);
  /* the accessor on its own */
  struct dns_rr rr;
  memset(&rr, 0, sizeof rr);
  rr.type = DNS_TYPE_A; rr.class = DNS_CLASS_IN; rr.rdata_off = rh + 10; rr.rdlen = 5;
  struct in_addr a4;
  struct in6_addr a6;
  T_EQ(dns_rr_a(m.b, good + 1, &rr, &a4), DNS_BAD_RDLEN);
  rr.rdlen = 4;
  T_EQ(dns_rr_a(m.b, good, &rr, &a4), DNS_OK);
  T_EQ(a4.s_addr, htonl(0xc0000201));
  /* AAAA with rdlen != 16 */
  set16(&m, rh, DNS_TYPE_AAAA);
  set16(&m, rh + 8, 4);
  T_EQ(walk(m.b, good, 0, NULL), DNS_BAD_RDLEN);
  rr.type = DNS_TYPE_AAAA;
  T_EQ(dns_rr_aaaa(m.b, good, &rr, &a6), DNS_BAD_RDLEN);
  rr.class = 3;
  T_EQ(dns_rr_aaaa(m.b, good, &rr, &a6), DNS_WRONG_TYPE);
  /* RR fixed part cut */
  set16(&m, rh, DNS_TYPE_A);
  T_EQ(walk(m.b, rh + 9, 0, NULL), DNS_TRUNCATED);
  /* question type/class cut */
  set16(&m, 6, 0);
  T_EQ(walk(m.b, 12 + 11 + 3, 0, NULL), DNS_TRUNCATED);

  /* CNAME rdata: exactly one name */
  hdr(&m, 1, 0x8180, 1, 1, 0, 0);
  putname(&m, "a.test");
  put16(&m, DNS_TYPE_CNAME); put16(&m, DNS_CLASS_IN);
  putptr(&m, 12);
  rh = m.n;
  rrhdr(&m, DNS_TYPE_CNAME, DNS_CLASS_IN, 60, 4);
  put8(&m, 1); put8(&m, 'b'); putptr(&m, 14);    /* b.test */
  good = m.n;
  T_EQ(walk(m.b, good, 0, NULL), DNS_OK);
  set16(&m, rh + 8, 5);                           /* one octet of junk after the name */
  m.b[good] = 0;
  T_EQ(walk(m.b, good + 1, 0, NULL), DNS_BAD_RDLEN);
  set16(&m, rh + 8, 3);                           /* name runs past the rdata */
  T_EQ(walk(m.b, good, DNS_ITER_ALLOW_TRAILING, NULL), DNS_BAD_RDLEN);
  set16(&m, rh + 8, 0);
  T_EQ(walk(m.b, good, DNS_ITER_ALLOW_TRAILING, NULL), DNS_BAD_RDLEN);
  set16(&m, rh + 8, 4);
  m.b[good - 2] = 0xc0; m.b[good - 1] = (uint8_t)(good - 4);   /* pointer to its own rdata */
  T_EQ(walk(m.b, good, 0, NULL), DNS_COMPRESSION_LOOP);
  m.b[good - 2] = 0x80;                                        /* reserved label type */
  T_EQ(walk(m.b, good, 0, NULL), DNS_LABEL_TOO_LONG);
  /* PTR decodes the same way */
  m.b[good - 2] = 0xc0; m.b[good - 1] = 14;
  set16(&m, rh, DNS_TYPE_PTR);
  struct dns_iter it;
  bool done;
  T_EQ(dns_iter_init(&it, m.b, good, 0), DNS_OK);
  T_EQ(dns_iter_rr(&it, &rr, &done), DNS_OK);
  uint8_t nm[DNS_MAX_NAME];
  size_t nml;
  char t[DNS_TEXT_MAX];
  T_EQ(dns_rr_ptr(m.b, good, &rr, nm, &nml), DNS_OK);
  dns_name_to_text(nm, nml, t, sizeof t);
  T_STREQ(t, "b.test");
  T_EQ(dns_rr_cname(m.b, good, &rr, nm, &nml), DNS_WRONG_TYPE);
}

TEST(opt_rules)
{
  struct mb m;
  hdr(&m, 1, 0x8180, 1, 1, 0, 0);
  putname(&m, "a.test");
  put16(&m, 1); put16(&m, 1);
  put8(&m, 0);
  rrhdr(&m, DNS_TYPE_OPT, 1232, 0, 0);
  T_EQ(walk(m.b, m.n, 0, NULL), DNS_BAD_OPT);     /* in the answer section */
  set16(&m, 6, 0); set16(&m, 10, 1);
  T_EQ(walk(m.b, m.n, 0, NULL), DNS_OK);
  put8(&m, 0);
  rrhdr(&m, DNS_TYPE_OPT, 1232, 0, 0);
  set16(&m, 10, 2);
  T_EQ(walk(m.b, m.n, 0, NULL), DNS_BAD_OPT);     /* two of them */
  hdr(&m, 1, 0x8180, 1, 0, 0, 1);
  putname(&m, "a.test");
  put16(&m, 1); put16(&m, 1);
  putptr(&m, 12);
  rrhdr(&m, DNS_TYPE_OPT, 1232, 0, 0);
  T_EQ(walk(m.b, m.n, 0, NULL), DNS_BAD_OPT);     /* owner not the root */
}

TEST(answer_check_cases)
{
  uint8_t name[DNS_MAX_NAME], p[600];
  size_t nl = wname("x.test", name);
  size_t len = dns_query_emit(p, sizeof p, 9, name, nl, DNS_TYPE_A, 0);
  p[2] |= 0x80;                                   /* QR */
  T_EQ(dns_answer_check(p, len, 9, name, nl, DNS_TYPE_A), DNS_OK);
  p[2] |= 0x10;                                   /* opcode 2 */
  T_EQ(dns_answer_check(p, len, 9, name, nl, DNS_TYPE_A), DNS_BAD_OPCODE);
  p[2] &= (uint8_t)~0x10;
  wr16(p + 4, 0);
  T_EQ(dns_answer_check(p, len, 9, name, nl, DNS_TYPE_A), DNS_QUESTION_MISMATCH);
  wr16(p + 4, 2);
  T_EQ(dns_answer_check(p, len, 9, name, nl, DNS_TYPE_A), DNS_QUESTION_MISMATCH);
  wr16(p + 4, 1);
  wr16(p + len - 2, 3);                           /* class CH */
  T_EQ(dns_answer_check(p, len, 9, name, nl, DNS_TYPE_A), DNS_QUESTION_MISMATCH);
  wr16(p + len - 2, 1);
  T_EQ(dns_answer_check(p, len - 1, 9, name, nl, DNS_TYPE_A), DNS_TRUNCATED);
  p[12] = 0xc0; p[13] = 12;
  T_EQ(dns_answer_check(p, len, 9, name, nl, DNS_TYPE_A), DNS_COMPRESSION_LOOP);
  T_EQ(dns_answer_check(p, 0, 9, name, nl, DNS_TYPE_A), DNS_TRUNCATED);
}

/* ---- randomized ---- */

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint32_t rnd(void)
{
  rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17;
  return (uint32_t)(rng >> 32);
}

static bool name_ok(const uint8_t *nm, size_t l)
{
  if (l < 1 || l > DNS_MAX_NAME) return false;
  size_t i = 0;
  while (i < l) {
    if (nm[i] > DNS_MAX_LABEL) return false;
    if (nm[i] == 0) return i + 1 == l;
    i += 1 + (size_t)nm[i];
  }
  return false;
}

TEST(random_mutations)
{
  struct mb base;
  size_t blen = build_answer(&base);
  uint8_t msg[700];
  unsigned accepted = 0, names = 0, bad = 0;
  for (int iter = 0; iter < 100000; iter++) {
    size_t len = blen;
    memcpy(msg, base.b, blen);
    int nmut = 1 + (int)(rnd() % 6);
    for (int k = 0; k < nmut; k++) {
      uint32_t r = rnd();
      size_t at = len ? (r >> 8) % len : 0;
      switch (r % 6) {
      case 0: msg[at] = (uint8_t)rnd(); break;
      case 1: msg[at] ^= (uint8_t)(1u << (rnd() % 8)); break;
      case 2: if (len) len = (rnd() % len); break;
      case 3: if (len + 1 < sizeof msg) { memmove(msg + at + 1, msg + at, len - at); msg[at] = (uint8_t)rnd(); len++; } break;
      case 4: msg[at] = (uint8_t)(0xc0 | (rnd() & 1)); if (at + 1 < len) msg[at + 1] = (uint8_t)rnd(); break;
      case 5: if (at + 1 < len) { msg[at] = 0; msg[at + 1] = (uint8_t)(rnd() % 8); } break;
      }
    }
    struct dns_iter it;
    if (dns_iter_init(&it, msg, len, (unsigned)(iter & 1)) != DNS_OK) continue;
    struct dns_question q;
    bool done = false;
    while (dns_iter_question(&it, &q, &done) == DNS_OK && !done) {
      names++;
      if (!name_ok(q.name, q.name_len)) bad++;
    }
    struct dns_rr rr;
    enum dns_reason r;
    done = false;
    while ((r = dns_iter_rr(&it, &rr, &done)) == DNS_OK && !done) {
      names++;
      if (!name_ok(rr.name, rr.name_len)) bad++;
      if (rr.rdata_off > len || rr.rdata_off + rr.rdlen > len || it.off > len) bad++;
      uint8_t nm[DNS_MAX_NAME];
      size_t nml = 0;
      struct in_addr a4;
      struct in6_addr a6;
      if (dns_rr_cname(msg, len, &rr, nm, &nml) == DNS_OK || dns_rr_ptr(msg, len, &rr, nm, &nml) == DNS_OK) {
        names++;
        if (!name_ok(nm, nml)) bad++;
      }
      if (dns_rr_a(msg, len, &rr, &a4) == DNS_OK && rr.rdlen != 4) bad++;
      if (dns_rr_aaaa(msg, len, &rr, &a6) == DNS_OK && rr.rdlen != 16) bad++;
    }
    if (r == DNS_OK && done) accepted++;
    /* every offset as a name start */
    for (size_t off = 0; off < len; off += 1 + rnd() % 8) {
      uint8_t nm[DNS_MAX_NAME];
      size_t nml, next;
      if (dns_name_parse(msg, len, off, nm, &nml, &next) == DNS_OK) {
        names++;
        if (!name_ok(nm, nml) || next <= off || next > len) bad++;
      }
    }
  }
  T_EQ(bad, 0);
  T_CHECK(accepted > 100);      /* the mutations do not reject everything */
  T_CHECK(names > 100000);
  fprintf(stderr, "  random_mutations: %u accepted of 100000, %u names checked\n", accepted, names);
}

int main(void)
{
  RUN(reason_strings);
  RUN(header);
  RUN(name_text);
  RUN(name_equal);
  RUN(query_roundtrip);
  RUN(answer_with_compression);
  RUN(ttl_top_bit);
  RUN(pointer_loops);
  RUN(pointer_bounds);
  RUN(pointer_hops);
  RUN(label_types);
  RUN(name_length);
  RUN(no_root_label);
  RUN(lying_counts);
  RUN(rdata_checks);
  RUN(opt_rules);
  RUN(answer_check_cases);
  RUN(random_mutations);
  return t_done();
}
