/* DNS: input = one message.  Walk it with the iterator (questions, then
 * every RR), decode every name and every typed rdata; every name handed
 * out must be a valid uncompressed name (<= 255 octets, labels <= 63, root
 * last) that survives a text round trip; every offset must lie inside the
 * message; the answer matcher must agree with the iterator; a query
 * emitted for each question must parse back to it; and a name parse at
 * every offset obeys the same bounds. */
#include <string.h>
#include "wire/bytes.h"
#include "wire/dns.h"

#define CHECK(c) do { if (!(c)) __builtin_trap(); } while (0)
int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

static void check_name(const uint8_t *nm, size_t l)
{
  CHECK(l >= 1 && l <= DNS_MAX_NAME);
  size_t i = 0;
  for (;;) {
    CHECK(i < l);
    CHECK(nm[i] <= DNS_MAX_LABEL);
    if (nm[i] == 0) break;
    i += 1 + (size_t)nm[i];
  }
  CHECK(i + 1 == l);
  CHECK(dns_name_check(nm, l) == DNS_OK);
  char t[DNS_TEXT_MAX];
  int tl = dns_name_to_text(nm, l, t, sizeof t);
  CHECK(tl > 0 && (size_t)tl < sizeof t && strlen(t) == (size_t)tl);
  uint8_t back[DNS_MAX_NAME];
  size_t bl = 0;
  CHECK(dns_name_from_text(t, back, &bl) == DNS_OK);
  CHECK(bl == l && memcmp(back, nm, l) == 0);
  CHECK(dns_name_equal(back, bl, nm, l));
}

static void check_query(const struct dns_question *q, uint16_t id)
{
  uint8_t p[DNS_HDR_LEN + DNS_MAX_NAME + 4 + 11];
  size_t len = dns_query_emit(p, sizeof p, id, q->name, q->name_len, q->qtype, 1232);
  CHECK(len == DNS_HDR_LEN + q->name_len + 4 + 11);
  struct dns_iter it;
  CHECK(dns_iter_init(&it, p, len, 0) == DNS_OK);
  struct dns_question q2;
  bool done;
  CHECK(dns_iter_question(&it, &q2, &done) == DNS_OK && !done);
  CHECK(q2.name_len == q->name_len && memcmp(q2.name, q->name, q->name_len) == 0);
  CHECK(q2.qtype == q->qtype && q2.qclass == DNS_CLASS_IN);
  struct dns_rr rr;
  CHECK(dns_iter_rr(&it, &rr, &done) == DNS_OK && !done && rr.type == DNS_TYPE_OPT);
  CHECK(dns_iter_rr(&it, &rr, &done) == DNS_OK && done);
  /* our own query is not an answer; with QR set it is */
  CHECK(dns_answer_check(p, len, id, q->name, q->name_len, q->qtype) == DNS_NOT_RESPONSE);
  p[2] |= 0x80;
  CHECK(dns_answer_matches(p, len, id, q->name, q->name_len, q->qtype));
}

static enum dns_reason walk(const uint8_t *d, size_t n, unsigned flags, unsigned *nrr)
{
  struct dns_iter it;
  *nrr = 0;
  enum dns_reason r = dns_iter_init(&it, d, n, flags);
  if (r != DNS_OK) return r;
  struct dns_question q;
  bool done = false;
  unsigned nq = 0;
  while ((r = dns_iter_question(&it, &q, &done)) == DNS_OK && !done) {
    nq++;
    CHECK(nq <= it.h.qdcount);
    CHECK(it.off <= n);
    check_name(q.name, q.name_len);
    if (nq == 1 && flags == 0) {
      check_query(&q, it.h.id);
      enum dns_reason m = dns_answer_check(d, n, it.h.id, q.name, q.name_len, q.qtype);
      bool want = it.h.qdcount == 1 && dns_qr(&it.h) && dns_opcode(&it.h) == DNS_OPCODE_QUERY
                  && q.qclass == DNS_CLASS_IN;
      CHECK((m == DNS_OK) == want);
    }
  }
  if (r != DNS_OK) return r;
  struct dns_rr rr;
  enum dns_section last = DNS_SEC_ANSWER;
  unsigned total = (unsigned)it.h.ancount + it.h.nscount + it.h.arcount;
  while ((r = dns_iter_rr(&it, &rr, &done)) == DNS_OK && !done) {
    (*nrr)++;
    CHECK(*nrr <= total);
    CHECK(rr.section >= last && rr.section <= DNS_SEC_ADDITIONAL);
    last = rr.section;
    CHECK(rr.rdata_off <= n && rr.rdlen <= n - rr.rdata_off);
    CHECK(it.off == rr.rdata_off + rr.rdlen);
    check_name(rr.name, rr.name_len);
    if (rr.type != DNS_TYPE_OPT) CHECK(rr.ttl <= 0x7fffffffu);
    else CHECK(rr.section == DNS_SEC_ADDITIONAL && rr.name_len == 1);
    struct in_addr a4;
    struct in6_addr a6;
    uint8_t nm[DNS_MAX_NAME];
    size_t nml = 0;
    enum dns_reason t = dns_rr_a(d, n, &rr, &a4);
    CHECK((t == DNS_OK) == (rr.type == DNS_TYPE_A && rr.class == DNS_CLASS_IN));
    CHECK(t != DNS_OK || memcmp(&a4, d + rr.rdata_off, 4) == 0);
    t = dns_rr_aaaa(d, n, &rr, &a6);
    CHECK((t == DNS_OK) == (rr.type == DNS_TYPE_AAAA && rr.class == DNS_CLASS_IN));
    CHECK(t != DNS_OK || memcmp(&a6, d + rr.rdata_off, 16) == 0);
    /* RFC 2136 "delete an RRset": class ANY with empty rdata passes the
     * iterator but holds no name */
    bool delete_rrset = rr.class == DNS_CLASS_ANY && rr.rdlen == 0;
    t = dns_rr_cname(d, n, &rr, nm, &nml);
    CHECK((t == DNS_OK) == (rr.type == DNS_TYPE_CNAME && !delete_rrset));   /* the iterator validated it */
    if (t == DNS_OK) check_name(nm, nml);
    t = dns_rr_ptr(d, n, &rr, nm, &nml);
    CHECK((t == DNS_OK) == (rr.type == DNS_TYPE_PTR && !delete_rrset));
    if (t == DNS_OK) check_name(nm, nml);
  }
  if (r == DNS_OK) {
    CHECK(*nrr == total);
    CHECK(flags || it.off == n);
    CHECK(it.off <= n);
  }
  return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
  if (n > DNS_MAX_MSG) return 0;
  unsigned c1, c2;
  enum dns_reason r1 = walk(d, n, 0, &c1);
  enum dns_reason r2 = walk(d, n, DNS_ITER_ALLOW_TRAILING, &c2);
  CHECK((unsigned)r1 < DNS__MAX && strcmp(dns_reason_str(r1), "unknown") != 0);
  CHECK(r1 == r2 || (r1 == DNS_TRAILING_DATA && r2 == DNS_OK));
  /* a name at every offset (bounded, so large inputs stay fast) */
  size_t lim = n < 2048 ? n : 2048;
  for (size_t off = 0; off < lim; off++) {
    uint8_t nm[DNS_MAX_NAME];
    size_t l = 0, next = 0;
    enum dns_reason r = dns_name_parse(d, n, off, nm, &l, &next);
    CHECK((unsigned)r < DNS__MAX);
    if (r != DNS_OK) continue;
    CHECK(next > off && next <= n);
    check_name(nm, l);
  }
  /* the same bytes as presentation text */
  char t[300];
  size_t tl = n < sizeof t - 1 ? n : sizeof t - 1;
  memcpy(t, d, tl);
  t[tl] = 0;
  uint8_t w[DNS_MAX_NAME];
  size_t wl = 0;
  if (dns_name_from_text(t, w, &wl) == DNS_OK) check_name(w, wl);
  return 0;
}
