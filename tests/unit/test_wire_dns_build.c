/* DNS message builder (wire/dns_build.c) and dns_rr_opt: every message
 * built parses back with the iterator to the records put in, compression
 * really shrinks and only points backwards below 0x4000, and a builder
 * that runs out of room fails cleanly at every cap. */
#include <arpa/inet.h>
#include "../lib/t.h"
#include "wire/bytes.h"
#include "wire/dns.h"

static size_t wname(const char *text, uint8_t out[DNS_MAX_NAME])
{
  size_t n;
  if (dns_name_from_text(text, out, &n) != DNS_OK) abort();
  return n;
}

/* One record as the test put it in. */
struct want {
  uint8_t name[DNS_MAX_NAME];
  size_t name_len;
  uint16_t type, class;
  uint32_t ttl;
  enum dns_section sec;
  uint8_t rdata[512];     /* uncompressed form (names expanded) */
  const uint8_t *big;     /* raw rdata too long for rdata[], kept by the caller */
  size_t rdlen;
};

struct model {
  struct want q[4];
  unsigned nq;
  struct want rr[400];
  unsigned nrr;
};

static void m_question(struct model *m, struct dns_builder *b, const char *name, uint16_t type)
{
  struct want *w = &m->q[m->nq++];
  w->name_len = wname(name, w->name);
  w->type = type;
  w->class = DNS_CLASS_IN;
  dns_build_question(b, w->name, w->name_len, type, DNS_CLASS_IN);
}

static struct want *m_rr(struct model *m, enum dns_section sec, const char *name, uint16_t type, uint32_t ttl)
{
  struct want *w = &m->rr[m->nrr++];
  memset(w, 0, sizeof *w);
  w->name_len = wname(name, w->name);
  w->type = type;
  w->class = DNS_CLASS_IN;
  w->ttl = ttl;
  w->sec = sec;
  return w;
}

static void m_raw(struct model *m, struct dns_builder *b, enum dns_section sec, const char *name, uint16_t type,
                  uint32_t ttl, const void *rd, size_t rdlen)
{
  struct want *w = m_rr(m, sec, name, type, ttl);
  if (rdlen > sizeof w->rdata)
    w->big = rd;
  else
    memcpy(w->rdata, rd, rdlen);
  w->rdlen = rdlen;
  dns_build_section(b, sec);
  dns_build_rr(b, w->name, w->name_len, type, DNS_CLASS_IN, ttl, rd, (uint16_t)rdlen);
}

static void m_named(struct model *m, struct dns_builder *b, enum dns_section sec, const char *name, uint16_t type,
                    uint32_t ttl, const char *target)
{
  struct want *w = m_rr(m, sec, name, type, ttl);
  w->rdlen = wname(target, w->rdata);
  dns_build_section(b, sec);
  dns_build_rr_name(b, w->name, w->name_len, type, ttl, w->rdata, w->rdlen);
}

static void m_soa(struct model *m, struct dns_builder *b, enum dns_section sec, const char *zone, const char *mname,
                  const char *rname, uint32_t serial)
{
  struct want *w = m_rr(m, sec, zone, DNS_TYPE_SOA, 3600);
  uint8_t mn[DNS_MAX_NAME], rn[DNS_MAX_NAME];
  size_t ml = wname(mname, mn), rl = wname(rname, rn);
  memcpy(w->rdata, mn, ml);
  memcpy(w->rdata + ml, rn, rl);
  const uint32_t v[5] = { serial, 7200, 900, 1209600, 60 };
  for (int i = 0; i < 5; i++) wr32(w->rdata + ml + rl + 4 * i, v[i]);
  w->rdlen = ml + rl + 20;
  dns_build_section(b, sec);
  dns_build_soa(b, w->name, w->name_len, 3600, mn, ml, rn, rl, serial, 7200, 900, 1209600, 60);
}

/* The rdata of rr expanded to uncompressed form (names of NS, CNAME, PTR,
 * SOA expanded from the message). */
static size_t expand_rdata(const uint8_t *msg, size_t len, const struct dns_rr *rr, uint8_t *out)
{
  size_t n = 0, next, l;
  switch (rr->type) {
  case DNS_TYPE_NS:
  case DNS_TYPE_CNAME:
  case DNS_TYPE_PTR:
    if (dns_name_parse(msg, len, rr->rdata_off, out, &l, &next) != DNS_OK) return (size_t)-1;
    return next == rr->rdata_off + rr->rdlen ? l : (size_t)-1;
  case DNS_TYPE_SOA: {
    size_t off = rr->rdata_off;
    for (int k = 0; k < 2; k++) {
      if (dns_name_parse(msg, len, off, out + n, &l, &next) != DNS_OK) return (size_t)-1;
      n += l;
      off = next;
    }
    if (off + 20 != rr->rdata_off + rr->rdlen) return (size_t)-1;
    memcpy(out + n, msg + off, 20);
    return n + 20;
  }
  default:
    memcpy(out, msg + rr->rdata_off, rr->rdlen);
    return rr->rdlen;
  }
}

/* Names: equal with case folded (a compressed suffix takes the case of
 * the name it points to). Rdata compared with case folded too. */
static bool folded_equal(const uint8_t *a, const uint8_t *b, size_t n)
{
  for (size_t i = 0; i < n; i++) {
    uint8_t x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x += 32;
    if (y >= 'A' && y <= 'Z') y += 32;
    if (x != y) return false;
  }
  return true;
}

/* Parse msg with the iterator and compare with the model. */
static bool matches_model(const uint8_t *msg, size_t len, const struct model *m)
{
  struct dns_iter it;
  if (dns_iter_init(&it, msg, len, 0) != DNS_OK) return false;
  if (it.h.qdcount != m->nq) return false;
  struct dns_question q;
  bool done;
  for (unsigned i = 0; i < m->nq; i++) {
    if (dns_iter_question(&it, &q, &done) != DNS_OK || done) return false;
    if (!dns_name_equal(q.name, q.name_len, m->q[i].name, m->q[i].name_len) || q.qtype != m->q[i].type ||
        q.qclass != DNS_CLASS_IN)
      return false;
  }
  struct dns_rr rr;
  static uint8_t rd[DNS_MAX_MSG];
  for (unsigned i = 0; i < m->nrr; i++) {
    const struct want *w = &m->rr[i];
    if (dns_iter_rr(&it, &rr, &done) != DNS_OK || done) return false;
    if (!dns_name_equal(rr.name, rr.name_len, w->name, w->name_len)) return false;
    if (rr.type != w->type || rr.class != w->class || rr.ttl != w->ttl || rr.section != w->sec) return false;
    size_t n = expand_rdata(msg, len, &rr, rd);
    if (n != w->rdlen || !folded_equal(rd, w->big ? w->big : w->rdata, n)) return false;
  }
  return dns_iter_rr(&it, &rr, &done) == DNS_OK && done;
}

/* A full response: question, answers of every typed kind, authority SOA
 * and NS, additional A/AAAA and OPT. */
static size_t build_full(uint8_t *buf, size_t cap, struct model *m, struct dns_builder *b)
{
  memset(m, 0, sizeof *m);
  dns_build_init(b, buf, cap, 0xbeef, DNS_FLAG_QR | DNS_FLAG_AA);
  m_question(m, b, "WWW.Example.TEST", DNS_TYPE_AAAA);
  uint8_t a6[16], a4[4] = { 192, 0, 2, 80 };
  inet_pton(AF_INET6, "2001:db8::80", a6);
  m_named(m, b, DNS_SEC_ANSWER, "www.example.test", DNS_TYPE_CNAME, 300, "web.EXAMPLE.test");
  m_raw(m, b, DNS_SEC_ANSWER, "web.example.test", DNS_TYPE_AAAA, 60, a6, 16);
  m_named(m, b, DNS_SEC_ANSWER, "80.2.0.192.in-addr.arpa", DNS_TYPE_PTR, 60, "web.example.test");
  m_soa(m, b, DNS_SEC_AUTHORITY, "example.test", "ns1.example.test", "hostmaster.example.test", 2026120701);
  m_named(m, b, DNS_SEC_AUTHORITY, "example.test", DNS_TYPE_NS, 3600, "ns1.example.test");
  m_raw(m, b, DNS_SEC_ADDITIONAL, "ns1.example.test", DNS_TYPE_A, 3600, a4, 4);
  m_raw(m, b, DNS_SEC_ADDITIONAL, "ns1.example.test", DNS_TYPE_AAAA, 3600, a6, 16);
  dns_build_opt(b, 1232, 0, true);
  struct want *o = m_rr(m, DNS_SEC_ADDITIONAL, ".", DNS_TYPE_OPT, 0x8000);
  o->class = 1232;
  return dns_build_done(b);
}

/* Sum of the uncompressed sizes of the model's message. */
static size_t uncompressed_size(const struct model *m)
{
  size_t n = DNS_HDR_LEN;
  for (unsigned i = 0; i < m->nq; i++) n += m->q[i].name_len + 4;
  for (unsigned i = 0; i < m->nrr; i++) n += m->rr[i].name_len + 10 + m->rr[i].rdlen;
  return n;
}

TEST(full_roundtrip)
{
  uint8_t buf[1500];
  struct model m;
  struct dns_builder b;
  size_t n = build_full(buf, sizeof buf, &m, &b);
  T_CHECK(n > 0);
  T_CHECK(matches_model(buf, n, &m));
  struct dns_header h;
  T_EQ(dns_header_parse(buf, n, &h), DNS_OK);
  T_EQ(h.id, 0xbeef);
  T_EQ(h.flags, DNS_FLAG_QR | DNS_FLAG_AA);
  T_EQ(h.qdcount, 1);
  T_EQ(h.ancount, 3);
  T_EQ(h.nscount, 2);
  T_EQ(h.arcount, 3);
  /* compression really shrinks: the whole message, and the second
   * www.example.test (the CNAME's owner) is one pointer to the question */
  T_CHECK(n + 60 < uncompressed_size(&m));
  size_t q_end = DNS_HDR_LEN + 18 + 4;
  T_EQ(rd16(buf + q_end), 0xc000 | DNS_HDR_LEN);
  /* the question keeps its case exactly */
  T_MEMEQ(buf + DNS_HDR_LEN, "\3WWW\7Example\4TEST", 17);
}

TEST(flags_after_the_fact)
{
  uint8_t buf[512];
  struct model m;
  struct dns_builder b;
  build_full(buf, sizeof buf, &m, &b);
  dns_build_set_flags(&b, DNS_FLAG_QR | DNS_RCODE_NXDOMAIN);
  size_t n = dns_build_done(&b);
  struct dns_header h;
  T_EQ(dns_header_parse(buf, n, &h), DNS_OK);
  T_EQ(dns_rcode(&h), DNS_RCODE_NXDOMAIN);
  T_CHECK(dns_qr(&h) && !dns_aa(&h));
}

TEST(case_insensitive_suffix)
{
  uint8_t buf[512], n1[DNS_MAX_NAME], n2[DNS_MAX_NAME];
  size_t l1 = wname("a.example.test", n1), l2 = wname("B.EXAMPLE.TEST", n2);
  struct dns_builder b;
  dns_build_init(&b, buf, sizeof buf, 1, 0);
  dns_build_question(&b, n1, l1, DNS_TYPE_A, DNS_CLASS_IN);
  dns_build_question(&b, n2, l2, DNS_TYPE_A, DNS_CLASS_IN);
  size_t n = dns_build_done(&b);
  /* second name: "\1B" + pointer to "example.test" of the first (offset 14) */
  T_EQ(n, DNS_HDR_LEN + l1 + 4 + 2 + 2 + 4);
  size_t second = DNS_HDR_LEN + l1 + 4;
  T_EQ(buf[second], 1);
  T_EQ(buf[second + 1], 'B');
  T_EQ(rd16(buf + second + 2), 0xc000 | (DNS_HDR_LEN + 2));
  struct dns_iter it;
  struct dns_question q;
  bool done;
  T_EQ(dns_iter_init(&it, buf, n, 0), DNS_OK);
  T_EQ(dns_iter_question(&it, &q, &done), DNS_OK);
  T_EQ(dns_iter_question(&it, &q, &done), DNS_OK);
  T_CHECK(dns_name_equal(q.name, q.name_len, n2, l2));
  /* a different label is not matched: "example.tesu" shares only the root */
  uint8_t n3[DNS_MAX_NAME];
  size_t l3 = wname("example.tesu", n3);
  dns_build_init(&b, buf, sizeof buf, 1, 0);
  dns_build_question(&b, n1, l1, DNS_TYPE_A, DNS_CLASS_IN);
  dns_build_question(&b, n3, l3, DNS_TYPE_A, DNS_CLASS_IN);
  T_EQ(dns_build_done(&b), DNS_HDR_LEN + l1 + 4 + l3 + 4);
  /* the root alone is never a pointer */
  static const uint8_t root[1] = { 0 };
  dns_build_init(&b, buf, sizeof buf, 1, 0);
  dns_build_question(&b, root, 1, DNS_TYPE_A, DNS_CLASS_IN);
  dns_build_question(&b, root, 1, DNS_TYPE_A, DNS_CLASS_IN);
  T_EQ(dns_build_done(&b), DNS_HDR_LEN + 10);
}

/* Every cap below the full size fails (done 0, nothing written past the
 * cap); the full size gives the same message as a roomy buffer. */
TEST(overflow_every_cap)
{
  uint8_t ref[1500], buf[1500 + 64];
  struct model m;
  struct dns_builder b;
  size_t full = build_full(ref, sizeof ref, &m, &b);
  T_CHECK(full > DNS_HDR_LEN);
  unsigned bad = 0;
  for (size_t cap = 0; cap <= full; cap++) {
    memset(buf, 0xa5, sizeof buf);
    size_t n = build_full(buf, cap, &m, &b);
    for (size_t i = cap; i < sizeof buf; i++)
      if (buf[i] != 0xa5) bad++;
    if (cap < full) {
      if (n != 0 || !b.err) bad++;
    } else if (n != full || memcmp(buf, ref, full) != 0) {
      bad++;
    }
  }
  T_EQ(bad, 0);
  /* after a failure, later calls are no-ops */
  memset(buf, 0xa5, sizeof buf);
  build_full(buf, full - 1, &m, &b);
  size_t len = b.len;
  uint8_t a4[4] = { 1, 2, 3, 4 };
  dns_build_rr(&b, (const uint8_t *)"\0", 1, DNS_TYPE_A, DNS_CLASS_IN, 1, a4, 4);
  dns_build_set_flags(&b, 0xffff);
  T_EQ(b.len, len);
  T_EQ(dns_build_done(&b), 0);
}

TEST(order_and_bad_input)
{
  uint8_t buf[512], n1[DNS_MAX_NAME], a4[4] = { 192, 0, 2, 1 };
  size_t l1 = wname("h.example.test", n1);
  struct dns_builder b;
  /* a question after an answer */
  dns_build_init(&b, buf, sizeof buf, 1, 0);
  dns_build_rr(&b, n1, l1, DNS_TYPE_A, DNS_CLASS_IN, 1, a4, 4);
  dns_build_question(&b, n1, l1, DNS_TYPE_A, DNS_CLASS_IN);
  T_EQ(dns_build_done(&b), 0);
  /* a section backwards, or END */
  dns_build_init(&b, buf, sizeof buf, 1, 0);
  dns_build_section(&b, DNS_SEC_AUTHORITY);
  dns_build_section(&b, DNS_SEC_ANSWER);
  T_EQ(dns_build_done(&b), 0);
  dns_build_init(&b, buf, sizeof buf, 1, 0);
  dns_build_section(&b, DNS_SEC_END);
  T_EQ(dns_build_done(&b), 0);
  /* an invalid name: label over 63, no root, trailing octets */
  static const uint8_t bad1[] = { 0x40, 'a', 0 }, bad2[] = { 1, 'a' }, bad3[] = { 1, 'a', 0, 0 };
  const struct { const uint8_t *n; size_t l; } bads[] = { { bad1, 3 }, { bad2, 2 }, { bad3, 4 } };
  for (size_t i = 0; i < 3; i++) {
    dns_build_init(&b, buf, sizeof buf, 1, 0);
    dns_build_rr(&b, bads[i].n, bads[i].l, DNS_TYPE_A, DNS_CLASS_IN, 1, a4, 4);
    T_EQ(dns_build_done(&b), 0);
    dns_build_init(&b, buf, sizeof buf, 1, 0);
    dns_build_rr_name(&b, n1, l1, DNS_TYPE_PTR, 1, bads[i].n, bads[i].l);
    T_EQ(dns_build_done(&b), 0);
  }
  /* an RR while in the question section lands in the answer section */
  dns_build_init(&b, buf, sizeof buf, 1, 0);
  dns_build_rr(&b, n1, l1, DNS_TYPE_A, DNS_CLASS_IN, 1, a4, 4);
  size_t n = dns_build_done(&b);
  struct dns_header h;
  T_EQ(dns_header_parse(buf, n, &h), DNS_OK);
  T_EQ(h.ancount, 1);
  T_EQ(h.qdcount, 0);
  /* an empty zone-like message: header only */
  dns_build_init(&b, buf, sizeof buf, 7, 0);
  T_EQ(dns_build_done(&b), DNS_HDR_LEN);
}

/* Names written past 0x4000 are not pointer targets; names before it
 * still are, from anywhere. Every pointer in the message is < 0x4000. */
TEST(pointer_limit)
{
  static uint8_t buf[DNS_MAX_MSG], big[17000];
  memset(big, 'x', sizeof big);
  struct model m;
  memset(&m, 0, sizeof m);
  struct dns_builder b;
  dns_build_init(&b, buf, sizeof buf, 1, DNS_FLAG_QR);
  m_question(&m, &b, "early.example.test", DNS_TYPE_TXT);
  m_raw(&m, &b, DNS_SEC_ANSWER, "early.example.test", DNS_TYPE_TXT, 1, big, 255);
  m_raw(&m, &b, DNS_SEC_ANSWER, "filler.test", 999, 1, big, sizeof big);
  T_CHECK(b.len > 0x4000);
  size_t late = b.len;
  m_raw(&m, &b, DNS_SEC_ANSWER, "late.other.test", DNS_TYPE_TXT, 1, big, 10);
  size_t again = b.len;
  m_raw(&m, &b, DNS_SEC_ANSWER, "late.other.test", DNS_TYPE_TXT, 1, big, 10);
  size_t third = b.len;
  m_raw(&m, &b, DNS_SEC_ANSWER, "early.example.test", DNS_TYPE_TXT, 1, big, 10);
  size_t n = dns_build_done(&b);
  T_CHECK(n > 0);
  T_CHECK(matches_model(buf, n, &m));
  /* "late.other" literal, then a pointer to the "test" of the question
   * (offset 12 + 6 + 8); the second time the same, not a pointer to the
   * first late name, which is past 0x3fff */
  static const uint8_t late_wire[] = { 4, 'l', 'a', 't', 'e', 5, 'o', 't', 'h', 'e', 'r', 0xc0, 26 };
  T_MEMEQ(buf + late, late_wire, sizeof late_wire);
  T_MEMEQ(buf + again, late_wire, sizeof late_wire);
  T_CHECK(again > 0x4000);
  T_EQ(rd16(buf + third), 0xc000 | DNS_HDR_LEN);   /* early name: pointer back to offset 12 */
}

/* 64 remembered suffixes that all nearly match, then a long name: still
 * correct (bounded search, uncompressed where it gives up). */
TEST(bounded_search)
{
  static uint8_t buf[8192];
  struct model m;
  memset(&m, 0, sizeof m);
  struct dns_builder b;
  dns_build_init(&b, buf, sizeof buf, 1, DNS_FLAG_QR);
  m_question(&m, &b, "q.test", DNS_TYPE_A);
  char name[300];
  uint8_t a4[4] = { 192, 0, 2, 9 };
  for (int i = 0; i < 40; i++) {
    snprintf(name, sizeof name, "a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.%c%d", 'b' + i % 20, i);
    m_raw(&m, &b, DNS_SEC_ANSWER, name, DNS_TYPE_A, 1, a4, 4);
  }
  T_EQ(b.n_names, DNS_BUILD_NAMES);
  /* 127 labels "a" then root: the longest name there is */
  char deep[300] = "";
  for (int i = 0; i < 127; i++) strcat(deep, i ? ".a" : "a");
  m_raw(&m, &b, DNS_SEC_ANSWER, deep, DNS_TYPE_A, 1, a4, 4);
  m_raw(&m, &b, DNS_SEC_ANSWER, deep, DNS_TYPE_A, 1, a4, 4);
  size_t n = dns_build_done(&b);
  T_CHECK(n > 0);
  T_CHECK(matches_model(buf, n, &m));
}

/* Seeded random messages: names from a small alphabet with random case
 * so that suffixes repeat; every one parses back to the model. */
static uint32_t rnd_state = 12345;
static uint32_t rnd(void)
{
  rnd_state ^= rnd_state << 13;
  rnd_state ^= rnd_state >> 17;
  rnd_state ^= rnd_state << 5;
  return rnd_state;
}
static void rnd_name(char *s)
{
  static const char *labels[] = { "a", "B", "host1", "Example", "example", "TEST", "test", "in-addr", "arpa", "2" };
  unsigned n = 1 + rnd() % 5;
  s[0] = '\0';
  for (unsigned i = 0; i < n; i++) {
    if (i) strcat(s, ".");
    strcat(s, labels[rnd() % 10]);
  }
}

TEST(random_roundtrip)
{
  static uint8_t buf[4096];
  static struct model m;
  unsigned bad = 0, shrunk = 0;
  for (int iter = 0; iter < 2000; iter++) {
    memset(&m, 0, sizeof m);
    struct dns_builder b;
    dns_build_init(&b, buf, sizeof buf, (uint16_t)iter, DNS_FLAG_QR);
    char n1[300], n2[300];
    rnd_name(n1);
    m_question(&m, &b, n1, DNS_TYPE_A);
    unsigned nrr = rnd() % 30;
    enum dns_section sec = DNS_SEC_ANSWER;
    for (unsigned i = 0; i < nrr; i++) {
      if (rnd() % 8 == 0 && sec < DNS_SEC_ADDITIONAL) sec++;
      rnd_name(n1);
      rnd_name(n2);
      uint8_t a4[4] = { 192, 0, 2, (uint8_t)i };
      switch (rnd() % 4) {
      case 0: m_raw(&m, &b, sec, n1, DNS_TYPE_A, i, a4, 4); break;
      case 1: m_named(&m, &b, sec, n1, DNS_TYPE_PTR, i, n2); break;
      case 2: m_named(&m, &b, sec, n1, DNS_TYPE_NS, i, n2); break;
      default: m_soa(&m, &b, sec, n1, n2, n1, i); break;
      }
    }
    size_t n = dns_build_done(&b);
    if (n == 0 || !matches_model(buf, n, &m)) bad++;
    if (nrr > 3 && n < uncompressed_size(&m)) shrunk++;
  }
  T_EQ(bad, 0);
  T_CHECK(shrunk > 1000);
}

TEST(opt_parse)
{
  uint8_t buf[512];
  struct dns_builder b;
  uint8_t n1[DNS_MAX_NAME];
  size_t l1 = wname("q.example.test", n1);
  dns_build_init(&b, buf, sizeof buf, 9, 0);
  dns_build_question(&b, n1, l1, DNS_TYPE_A, DNS_CLASS_IN);
  dns_build_opt(&b, 100, 0x12, true);        /* below 512: sent as 512 */
  size_t n = dns_build_done(&b);
  struct dns_iter it;
  struct dns_rr rr;
  bool done;
  struct dns_opt o;
  T_EQ(dns_iter_init(&it, buf, n, 0), DNS_OK);
  T_EQ(dns_iter_rr(&it, &rr, &done), DNS_OK);
  T_EQ(rr.section, DNS_SEC_ADDITIONAL);
  T_EQ(dns_rr_opt(buf, n, &rr, &o), DNS_OK);
  T_EQ(o.udp_size, 512);
  T_EQ(o.ext_rcode, 0x12);
  T_EQ(o.version, 0);
  T_CHECK(o.do_bit);
  T_EQ(dns_iter_rr(&it, &rr, &done), DNS_OK);
  T_CHECK(done);

  /* options: well framed, then one running past the rdata */
  static const uint8_t opts_ok[] = { 0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8, 0, 12, 0, 0 };
  static const uint8_t opts_bad[] = { 0, 10, 0, 9, 1, 2, 3, 4, 5, 6, 7, 8 };
  static const uint8_t opts_short[] = { 0, 10, 0 };
  static const uint8_t root[1] = { 0 };
  const struct { const uint8_t *d; size_t l; enum dns_reason r; } cases[] = {
    { opts_ok, sizeof opts_ok, DNS_OK }, { opts_bad, sizeof opts_bad, DNS_BAD_OPT },
    { opts_short, sizeof opts_short, DNS_BAD_OPT },
  };
  for (size_t i = 0; i < 3; i++) {
    dns_build_init(&b, buf, sizeof buf, 9, 0);
    dns_build_section(&b, DNS_SEC_ADDITIONAL);
    dns_build_rr(&b, root, 1, DNS_TYPE_OPT, 4096, 0x00010000, cases[i].d, (uint16_t)cases[i].l);
    n = dns_build_done(&b);
    T_EQ(dns_iter_init(&it, buf, n, 0), DNS_OK);
    T_EQ(dns_iter_rr(&it, &rr, &done), DNS_OK);
    T_EQ(dns_rr_opt(buf, n, &rr, &o), cases[i].r);
    if (cases[i].r == DNS_OK) {
      T_EQ(o.udp_size, 4096);
      T_EQ(o.version, 1);
      T_CHECK(!o.do_bit);
    }
  }
  /* not an OPT; rdata outside the message */
  rr.type = DNS_TYPE_A;
  T_EQ(dns_rr_opt(buf, n, &rr, &o), DNS_WRONG_TYPE);
  rr.type = DNS_TYPE_OPT;
  rr.rdata_off = n;
  rr.rdlen = 1;
  T_EQ(dns_rr_opt(buf, n, &rr, &o), DNS_RDATA_OVERRUN);
}

int main(void)
{
  RUN(full_roundtrip);
  RUN(flags_after_the_fact);
  RUN(case_insensitive_suffix);
  RUN(overflow_every_cap);
  RUN(order_and_bad_input);
  RUN(pointer_limit);
  RUN(bounded_search);
  RUN(random_roundtrip);
  RUN(opt_parse);
  return t_done();
}
