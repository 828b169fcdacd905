/* TSIG on the wire (wire/dns_tsig.c) and its HMAC (dns/dnsu_tsig.c):
 * known answers from BIND's nsupdate, sign/verify round trips, and every
 * misplaced or malformed TSIG RR refused with BAD_TSIG. */
#include <arpa/inet.h>
#include "../lib/t.h"
#include "dns/dnsu_tsig.h"
#include "wire/bytes.h"
#include "wire/dns.h"

/* Requests nsupdate 9.18 sent (captured on a UDP socket) with
 *   -y hmac-sha256:key.example.test:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=
 * (the secret is the octets 0..31), zone example.test, "update delete
 * host1.example.test A" + "update add host1.example.test 60 A 192.0.2.10"
 * (sha256) or "update delete host1.example.test A 192.0.2.10" (the
 * others). The string literals carry one extra NUL. */
static const uint8_t nsupdate_sha256[] =
  "\x8f\xed\x28\x00\x00\x01\x00\x00\x00\x02\x00\x01\x07\x65\x78\x61\x6d\x70\x6c\x65\x04\x74\x65\x73"
  "\x74\x00\x00\x06\x00\x01\x05\x68\x6f\x73\x74\x31\xc0\x0c\x00\x01\x00\xff\x00\x00\x00\x00\x00\x00"
  "\xc0\x1e\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\xc0\x00\x02\x0a\x03\x6b\x65\x79\x07\x65\x78\x61"
  "\x6d\x70\x6c\x65\x04\x74\x65\x73\x74\x00\x00\xfa\x00\xff\x00\x00\x00\x00\x00\x3d\x0b\x68\x6d\x61"
  "\x63\x2d\x73\x68\x61\x32\x35\x36\x00\x00\x00\x6b\x17\x3b\xa5\x01\x2c\x00\x20\x2d\xcd\xae\x64\x72"
  "\xc4\x01\x0f\xc4\x78\x2c\x96\x9c\x0a\xb3\xe8\x06\xf4\x60\x97\xf2\x05\xc0\x51\xaf\x3b\x88\xb2\xa4"
  "\xc2\xa9\x64\x8f\xed\x00\x00\x00\x00"
  ;
static const uint8_t nsupdate_sha512[] =
  "\x96\x82\x28\x00\x00\x01\x00\x00\x00\x01\x00\x01\x07\x65\x78\x61\x6d\x70\x6c\x65\x04\x74\x65\x73"
  "\x74\x00\x00\x06\x00\x01\x05\x68\x6f\x73\x74\x31\xc0\x0c\x00\x01\x00\xfe\x00\x00\x00\x00\x00\x04"
  "\xc0\x00\x02\x0a\x03\x6b\x65\x79\x07\x65\x78\x61\x6d\x70\x6c\x65\x04\x74\x65\x73\x74\x00\x00\xfa"
  "\x00\xff\x00\x00\x00\x00\x00\x5d\x0b\x68\x6d\x61\x63\x2d\x73\x68\x61\x35\x31\x32\x00\x00\x00\x6b"
  "\x17\x3b\x96\x01\x2c\x00\x40\x4e\x91\x87\x53\xce\xa8\x40\x61\xd3\x80\xa3\x28\x4c\xed\x53\x0b\x32"
  "\x7e\x4d\x24\x41\xe4\x31\xea\x96\x1d\x2b\xae\x0e\x29\xd6\x07\x58\x33\x2a\x66\x12\xc3\x5e\x33\xc6"
  "\x77\x91\xbe\xa9\x1b\x47\xe3\xfa\x6e\x26\x02\xc0\xdd\x07\x62\xeb\x14\xe3\x17\x87\xf6\xa6\x6d\x96"
  "\x82\x00\x00\x00\x00"
  ;
static const uint8_t nsupdate_sha1[] =
  "\xde\x76\x28\x00\x00\x01\x00\x00\x00\x01\x00\x01\x07\x65\x78\x61\x6d\x70\x6c\x65\x04\x74\x65\x73"
  "\x74\x00\x00\x06\x00\x01\x05\x68\x6f\x73\x74\x31\xc0\x0c\x00\x01\x00\xfe\x00\x00\x00\x00\x00\x04"
  "\xc0\x00\x02\x0a\x03\x6b\x65\x79\x07\x65\x78\x61\x6d\x70\x6c\x65\x04\x74\x65\x73\x74\x00\x00\xfa"
  "\x00\xff\x00\x00\x00\x00\x00\x2f\x09\x68\x6d\x61\x63\x2d\x73\x68\x61\x31\x00\x00\x00\x6b\x17\x3b"
  "\x98\x01\x2c\x00\x14\xec\xde\x3a\xa1\x61\xae\x81\x5f\x93\xd9\x97\x50\x3c\x79\xe5\xd2\x4d\x4e\x4e"
  "\x39\xde\x76\x00\x00\x00\x00"
  ;

static size_t wname(const char *text, uint8_t out[DNS_MAX_NAME])
{
  size_t n;
  if (dns_name_from_text(text, out, &n) != DNS_OK) abort();
  return n;
}

static void test_key(struct dnsu_key *k, enum dnsu_alg alg, const char *name)
{
  memset(k, 0, sizeof *k);
  k->name_len = wname(name, k->name);
  k->alg = alg;
  for (int i = 0; i < 32; i++) k->secret[i] = (uint8_t)i;
  k->secret_len = 32;
}

static uint8_t scratch[DNS_MAX_MSG + 1024];

TEST(known_answer_nsupdate)
{
  const struct { const uint8_t *m; size_t len; enum dnsu_alg alg; size_t mac_len; } caps[] = {
    { nsupdate_sha256, sizeof nsupdate_sha256 - 1, DNSU_HMAC_SHA256, 32 },
    { nsupdate_sha512, sizeof nsupdate_sha512 - 1, DNSU_HMAC_SHA512, 64 },
    { nsupdate_sha1, sizeof nsupdate_sha1 - 1, DNSU_HMAC_SHA1, 20 },
  };
  for (size_t i = 0; i < 3; i++) {
    struct dns_tsig t;
    bool found;
    T_EQ(dns_tsig_find(caps[i].m, caps[i].len, &t, &found), DNS_OK);
    T_CHECK(found);
    struct dnsu_key k;
    test_key(&k, caps[i].alg, "key.example.test");
    size_t alen;
    const uint8_t *aw = dnsu_alg_wire(caps[i].alg, &alen);
    T_CHECK(dns_name_equal(t.key_name, t.key_name_len, k.name, k.name_len));
    T_CHECK(dns_name_equal(t.alg_name, t.alg_name_len, aw, alen));
    T_EQ(t.fudge, 300);
    T_EQ(t.mac_len, caps[i].mac_len);
    T_EQ(t.error, 0);
    T_EQ(t.other_len, 0);
    T_EQ(t.orig_id, rd16(caps[i].m));
    T_EQ(caps[i].m[t.rr_off], 3);            /* "\3key..." starts the RR */
    size_t n = dns_tsig_digest_input(scratch, sizeof scratch, caps[i].m, caps[i].len, &t, NULL, 0);
    T_CHECK(n > 0);
    uint8_t mac[DNSU_MAC_MAX];
    size_t macl;
    T_CHECK(dnsu_hmac(&k, scratch, n, mac, &macl));
    T_EQ(macl, caps[i].mac_len);
    T_MEMEQ(mac, t.mac, macl);
    /* the same through the verifier (a request: no request MAC) */
    uint16_t err;
    T_EQ(dnsu_tsig_verify(&k, caps[i].m, caps[i].len, NULL, 0, t.time_signed, &err, scratch, sizeof scratch),
         DNSU_TSIG_OK);
    T_EQ(dnsu_tsig_verify(&k, caps[i].m, caps[i].len, NULL, 0, t.time_signed + 301, &err, scratch, sizeof scratch),
         DNSU_TSIG_BADTIME);
    T_EQ(dnsu_tsig_verify(&k, caps[i].m, caps[i].len, NULL, 0, t.time_signed - 300, &err, scratch, sizeof scratch),
         DNSU_TSIG_OK);
    k.secret[0] ^= 1;
    T_EQ(dnsu_tsig_verify(&k, caps[i].m, caps[i].len, NULL, 0, t.time_signed, &err, scratch, sizeof scratch),
         DNSU_TSIG_BADSIG);
    k.secret[0] ^= 1;
    /* with a request MAC prepended the same octets no longer verify */
    T_EQ(dnsu_tsig_verify(&k, caps[i].m, caps[i].len, mac, 0, t.time_signed, &err, scratch, sizeof scratch),
         DNSU_TSIG_BADSIG);
    /* another key name or algorithm */
    struct dnsu_key k2;
    test_key(&k2, caps[i].alg, "other.example.test");
    T_EQ(dnsu_tsig_verify(&k2, caps[i].m, caps[i].len, NULL, 0, t.time_signed, &err, scratch, sizeof scratch),
         DNSU_TSIG_BADKEY);
    test_key(&k2, caps[(i + 1) % 3].alg, "key.example.test");
    T_EQ(dnsu_tsig_verify(&k2, caps[i].m, caps[i].len, NULL, 0, t.time_signed, &err, scratch, sizeof scratch),
         DNSU_TSIG_BADKEY);
  }
}

/* Our signing reproduces nsupdate's request octet for octet. */
TEST(sign_like_nsupdate)
{
  const uint8_t *m = nsupdate_sha256;
  size_t len = sizeof nsupdate_sha256 - 1;
  struct dns_tsig t;
  bool found;
  T_EQ(dns_tsig_find(m, len, &t, &found), DNS_OK);
  uint8_t buf[512];
  memcpy(buf, m, t.rr_off);
  wr16(buf + 10, (uint16_t)(rd16(buf + 10) - 1));
  struct dnsu_key k;
  test_key(&k, DNSU_HMAC_SHA256, "key.example.test");
  uint8_t mac[DNSU_MAC_MAX];
  size_t macl;
  size_t n = dnsu_tsig_sign(&k, buf, t.rr_off, sizeof buf, t.time_signed, mac, &macl, scratch, sizeof scratch);
  T_EQ(n, len);
  T_MEMEQ(buf, m, len);
  T_MEMEQ(mac, t.mac, 32);
  /* too little room: 0, at every cap */
  unsigned bad = 0;
  for (size_t cap = t.rr_off; cap < len; cap++) {
    memcpy(buf, m, t.rr_off);
    wr16(buf + 10, (uint16_t)(rd16(buf + 10) - 1));
    if (dnsu_tsig_sign(&k, buf, t.rr_off, cap, t.time_signed, mac, &macl, scratch, sizeof scratch) != 0) bad++;
  }
  T_EQ(bad, 0);
}

/* An UPDATE request signed by us, a response signed over the request's
 * MAC (RFC 8945 §4.3.1), each verified; tampering fails. */
TEST(response_roundtrip)
{
  struct dnsu_key k;
  test_key(&k, DNSU_HMAC_SHA512, "Key.Example.TEST");
  uint8_t zone[DNS_MAX_NAME], host[DNS_MAX_NAME], req[512], rsp[512];
  size_t zl = wname("example.test", zone), hl = wname("host1.example.test", host);
  uint8_t a4[4] = { 192, 0, 2, 10 };
  struct dns_builder b;
  dns_build_init(&b, req, sizeof req, 0x4242, DNS_OPCODE_UPDATE << 11);
  dns_build_question(&b, zone, zl, DNS_TYPE_SOA, DNS_CLASS_IN);
  dns_build_section(&b, DNS_SEC_AUTHORITY);
  dns_build_rr(&b, host, hl, DNS_TYPE_A, DNS_CLASS_IN, 60, a4, 4);
  size_t rl = dns_build_done(&b);
  uint8_t rmac[DNSU_MAC_MAX];
  size_t rmacl;
  uint64_t now = 1765000000;
  rl = dnsu_tsig_sign(&k, req, rl, sizeof req, now, rmac, &rmacl, scratch, sizeof scratch);
  T_CHECK(rl > 0);
  T_EQ(rmacl, 64);

  /* the response: header + zone, TSIG over request MAC + message */
  dns_build_init(&b, rsp, sizeof rsp, 0x4242, DNS_FLAG_QR | DNS_OPCODE_UPDATE << 11);
  dns_build_question(&b, zone, zl, DNS_TYPE_SOA, DNS_CLASS_IN);
  size_t sl = dns_build_done(&b);
  struct dns_tsig t;
  memset(&t, 0, sizeof t);
  t.key_name_len = wname("KEY.example.test", t.key_name);   /* case does not matter */
  size_t alen;
  const uint8_t *aw = dnsu_alg_wire(DNSU_HMAC_SHA512, &alen);
  memcpy(t.alg_name, aw, alen);
  t.alg_name_len = alen;
  t.time_signed = now + 2;
  t.fudge = 300;
  t.orig_id = 0x4242;
  t.rr_off = sl;
  size_t n = dns_tsig_digest_input(scratch, sizeof scratch, rsp, sl, &t, rmac, rmacl);
  T_EQ(n, 2 + 64 + sl + t.key_name_len + 6 + alen + 12);
  uint8_t smac[DNSU_MAC_MAX];
  size_t smacl;
  T_CHECK(dnsu_hmac(&k, scratch, n, smac, &smacl));
  t.mac = smac;
  t.mac_len = (uint16_t)smacl;
  size_t full = dns_tsig_append(rsp, sl, sizeof rsp, &t);
  T_CHECK(full > sl);
  uint16_t err;
  T_EQ(dnsu_tsig_verify(&k, rsp, full, rmac, rmacl, now, &err, scratch, sizeof scratch), DNSU_TSIG_OK);
  /* a different request MAC, a flipped octet anywhere in the message */
  rmac[5] ^= 0x80;
  T_EQ(dnsu_tsig_verify(&k, rsp, full, rmac, rmacl, now, &err, scratch, sizeof scratch), DNSU_TSIG_BADSIG);
  rmac[5] ^= 0x80;
  unsigned bad = 0;
  for (size_t i = 2; i < sl; i++) {                     /* the id is not covered: see below */
    if (i == 10 || i == 11) continue;                    /* arcount: then it is malformed */
    rsp[i] ^= 0x01;
    enum dnsu_tsig_result r = dnsu_tsig_verify(&k, rsp, full, rmac, rmacl, now, &err, scratch, sizeof scratch);
    if (r == DNSU_TSIG_OK) bad++;
    rsp[i] ^= 0x01;
  }
  T_EQ(bad, 0);
  /* the id may change (forwarded): the original id is what counts */
  wr16(rsp, 0x9999);
  T_EQ(dnsu_tsig_verify(&k, rsp, full, rmac, rmacl, now, &err, scratch, sizeof scratch), DNSU_TSIG_OK);
  wr16(rsp, 0x4242);
  /* truncated MAC (§5.2.2.1) refused */
  t.mac_len = 32;
  wr16(rsp + 10, 0);
  full = dns_tsig_append(rsp, sl, sizeof rsp, &t);
  T_CHECK(full > 0);
  T_EQ(dnsu_tsig_verify(&k, rsp, full, rmac, rmacl, now, &err, scratch, sizeof scratch), DNSU_TSIG_BADSIG);
  /* an unsigned BADSIG answer: a TSIG with error 16 and no MAC */
  t.mac_len = 0;
  t.error = DNS_TSIG_BADSIG;
  wr16(rsp + 10, 0);
  full = dns_tsig_append(rsp, sl, sizeof rsp, &t);
  T_EQ(dnsu_tsig_verify(&k, rsp, full, rmac, rmacl, now, &err, scratch, sizeof scratch), DNSU_TSIG_ERROR_UNSIGNED);
  T_EQ(err, DNS_TSIG_BADSIG);
  /* none at all */
  wr16(rsp + 10, 0);
  T_EQ(dnsu_tsig_verify(&k, rsp, sl, rmac, rmacl, now, &err, scratch, sizeof scratch), DNSU_TSIG_MISSING);
}

/* ---- misplaced and malformed TSIG RRs ---- */

static size_t tsig_rdata(uint8_t *o, uint16_t mac_len, uint16_t other_len)
{
  memcpy(o, DNS_ALG_HMAC_SHA256, DNS_ALG_HMAC_SHA256_LEN);
  size_t n = DNS_ALG_HMAC_SHA256_LEN;
  memset(o + n, 0, 10);
  wr16(o + n + 6, 300);
  wr16(o + n + 8, mac_len);
  n += 10;
  memset(o + n, 0xab, mac_len);
  n += mac_len;
  wr16(o + n, 0x1234);
  wr16(o + n + 2, 0);
  wr16(o + n + 4, other_len);
  n += 6;
  memset(o + n, 0xcd, other_len);
  return n + other_len;
}

enum tsig_case { GOOD, NOT_LAST, TWO, IN_ANSWER, CLASS_IN, TTL_1, TTL_TOP, SHORT_RDATA, LONG_RDATA, NONE };

static size_t build_case(uint8_t *buf, size_t cap, enum tsig_case c)
{
  uint8_t zone[DNS_MAX_NAME], key[DNS_MAX_NAME], rd[128];
  size_t zl = wname("example.test", zone), kl = wname("key.example.test", key);
  size_t rl = tsig_rdata(rd, 32, 0);
  uint8_t a4[4] = { 192, 0, 2, 1 };
  struct dns_builder b;
  dns_build_init(&b, buf, cap, 7, DNS_OPCODE_UPDATE << 11);
  dns_build_question(&b, zone, zl, DNS_TYPE_SOA, DNS_CLASS_IN);
  if (c == IN_ANSWER) dns_build_rr(&b, key, kl, DNS_TYPE_TSIG, DNS_CLASS_ANY, 0, rd, (uint16_t)rl);
  dns_build_section(&b, DNS_SEC_AUTHORITY);
  dns_build_rr(&b, zone, zl, DNS_TYPE_A, DNS_CLASS_IN, 60, a4, 4);
  dns_build_section(&b, DNS_SEC_ADDITIONAL);
  if (c == TWO) dns_build_rr(&b, key, kl, DNS_TYPE_TSIG, DNS_CLASS_ANY, 0, rd, (uint16_t)rl);
  uint16_t cls = c == CLASS_IN ? DNS_CLASS_IN : DNS_CLASS_ANY;
  uint32_t ttl = c == TTL_1 ? 1 : c == TTL_TOP ? 0x80000000u : 0;
  size_t rdl = c == SHORT_RDATA ? rl - 1 : rl;
  if (c == LONG_RDATA) rd[rdl++] = 0;
  if (c != NONE && c != IN_ANSWER) dns_build_rr(&b, key, kl, DNS_TYPE_TSIG, cls, ttl, rd, (uint16_t)rdl);
  if (c == NOT_LAST) dns_build_rr(&b, zone, zl, DNS_TYPE_A, DNS_CLASS_IN, 60, a4, 4);
  return dns_build_done(&b);
}

TEST(bad_tsig)
{
  uint8_t buf[512];
  struct dns_tsig t;
  bool found;
  size_t n = build_case(buf, sizeof buf, GOOD);
  T_EQ(dns_tsig_find(buf, n, &t, &found), DNS_OK);
  T_CHECK(found);
  T_EQ(t.mac_len, 32);
  T_EQ(t.orig_id, 0x1234);
  n = build_case(buf, sizeof buf, NONE);
  T_EQ(dns_tsig_find(buf, n, &t, &found), DNS_OK);
  T_CHECK(!found);
  const enum tsig_case bads[] = { NOT_LAST, TWO, IN_ANSWER, CLASS_IN, TTL_1, TTL_TOP, SHORT_RDATA, LONG_RDATA };
  for (size_t i = 0; i < sizeof bads / sizeof bads[0]; i++) {
    n = build_case(buf, sizeof buf, bads[i]);
    T_CHECK(n > 0);
    enum dns_reason r = dns_tsig_find(buf, n, &t, &found);
    if (r != DNS_BAD_TSIG) fprintf(stderr, "  case %zu: %s\n", i, dns_reason_str(r));
    T_EQ(r, DNS_BAD_TSIG);
    T_CHECK(!found);
  }
  /* a compressed algorithm name */
  n = build_case(buf, sizeof buf, GOOD);
  T_EQ(dns_tsig_find(buf, n, &t, &found), DNS_OK);
  uint8_t c[512];
  size_t alg_off = (size_t)(t.mac - buf) - 10 - DNS_ALG_HMAC_SHA256_LEN;   /* the rdata */
  memcpy(c, buf, alg_off);
  c[alg_off] = 0xc0;
  c[alg_off + 1] = 12;                                   /* -> "example.test" */
  memcpy(c + alg_off + 2, buf + alg_off + DNS_ALG_HMAC_SHA256_LEN, n - alg_off - DNS_ALG_HMAC_SHA256_LEN);
  size_t cn = n - DNS_ALG_HMAC_SHA256_LEN + 2;
  wr16(c + alg_off - 2, (uint16_t)(rd16(buf + alg_off - 2) - DNS_ALG_HMAC_SHA256_LEN + 2));
  T_EQ(dns_tsig_find(c, cn, &t, &found), DNS_BAD_TSIG);
  /* the message's own faults come first */
  n = build_case(buf, sizeof buf, GOOD);
  T_EQ(dns_tsig_find(buf, n - 1, &t, &found), DNS_RDATA_OVERRUN);
  T_EQ(dns_tsig_find(buf, 5, &t, &found), DNS_TRUNCATED);
  /* a good TSIG followed by octets after the last record: refused, and not
   * "found" either (fuzz_dns_tsig: found was left true with the error) */
  n = build_case(buf, sizeof buf, GOOD);
  buf[n] = 0;
  found = true;
  T_EQ(dns_tsig_find(buf, n + 1, &t, &found), DNS_TRAILING_DATA);
  T_CHECK(!found);
  /* every truncation of a good message is refused, never found */
  unsigned bad = 0;
  for (size_t k = 0; k < n; k++)
    if (dns_tsig_find(buf, k, &t, &found) == DNS_OK && found) bad++;
  T_EQ(bad, 0);
}

TEST(digest_input_caps)
{
  const uint8_t *m = nsupdate_sha256;
  size_t len = sizeof nsupdate_sha256 - 1;
  struct dns_tsig t;
  bool found;
  T_EQ(dns_tsig_find(m, len, &t, &found), DNS_OK);
  size_t full = dns_tsig_digest_input(scratch, sizeof scratch, m, len, &t, NULL, 0);
  /* message before the TSIG, arcount - 1, the TSIG variables */
  T_EQ(full, t.rr_off + t.key_name_len + 6 + t.alg_name_len + 12);
  T_EQ(rd16(scratch + 10), 0);
  unsigned bad = 0;
  for (size_t cap = 0; cap < full; cap++)
    if (dns_tsig_digest_input(scratch, cap, m, len, &t, NULL, 0) != 0) bad++;
  T_EQ(bad, 0);
  struct dns_tsig u = t;
  u.rr_off = 11;
  T_EQ(dns_tsig_digest_input(scratch, sizeof scratch, m, len, &u, NULL, 0), 0);
  u.rr_off = len + 1;
  T_EQ(dns_tsig_digest_input(scratch, sizeof scratch, m, len, &u, NULL, 0), 0);
  /* upper-case names are lower-cased in the variables */
  u = t;
  u.key_name_len = wname("KEY.EXAMPLE.TEST", u.key_name);
  uint8_t other[DNS_MAX_MSG + 1024];
  size_t n2 = dns_tsig_digest_input(other, sizeof other, m, len, &u, NULL, 0);
  T_EQ(n2, full);
  T_MEMEQ(other, scratch, full);
}

TEST(alg_names)
{
  T_EQ(DNS_ALG_HMAC_SHA256_LEN, 13);
  T_EQ(DNS_ALG_HMAC_SHA512_LEN, 13);
  T_EQ(DNS_ALG_HMAC_SHA1_LEN, 11);
  char txt[DNS_TEXT_MAX];
  T_CHECK(dns_name_to_text(DNS_ALG_HMAC_SHA256, DNS_ALG_HMAC_SHA256_LEN, txt, sizeof txt) > 0);
  T_STREQ(txt, "hmac-sha256");
  T_CHECK(dns_name_to_text(DNS_ALG_HMAC_SHA1, DNS_ALG_HMAC_SHA1_LEN, txt, sizeof txt) > 0);
  T_STREQ(txt, "hmac-sha1");
  T_EQ(dnsu_alg_from_text("hmac-sha512"), DNSU_HMAC_SHA512);
  T_EQ(dnsu_alg_from_text("hmac-md5"), 0);
  T_STREQ(dnsu_alg_text(DNSU_HMAC_SHA1), "hmac-sha1");
}

int main(void)
{
  RUN(known_answer_nsupdate);
  RUN(sign_like_nsupdate);
  RUN(response_roundtrip);
  RUN(bad_tsig);
  RUN(digest_input_caps);
  RUN(alg_names);
  return t_done();
}
