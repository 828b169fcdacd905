/* TSIG (RFC 8945) on the wire: find and parse the TSIG RR of a message,
 * lay out the octets its MAC covers, append one to a message.  The HMAC
 * itself is the caller's (src/dns/, OpenSSL EVP): wire/ stays pure.
 *
 * The TSIG RR (RFC 8945 §4.2): owner = key name, type 250, class ANY,
 * TTL 0, rdata = algorithm name (never compressed), time signed (48 bits),
 * fudge, MAC size, MAC, original id, error, other length, other data. */
#include <string.h>
#include "wire/bytes.h"
#include "wire/dns.h"

const uint8_t DNS_ALG_HMAC_SHA256[] = "\x0bhmac-sha256";
const uint8_t DNS_ALG_HMAC_SHA512[] = "\x0bhmac-sha512";
const uint8_t DNS_ALG_HMAC_SHA1[] = "\x09hmac-sha1";
/* The string literals end with their NUL: that is the root label. */
const size_t DNS_ALG_HMAC_SHA256_LEN = sizeof DNS_ALG_HMAC_SHA256;
const size_t DNS_ALG_HMAC_SHA512_LEN = sizeof DNS_ALG_HMAC_SHA512;
const size_t DNS_ALG_HMAC_SHA1_LEN = sizeof DNS_ALG_HMAC_SHA1;

/* The rdata of a TSIG RR into t (names, fixed fields, MAC and other data
 * pointing into msg).  BAD_TSIG unless every field is there and the rdata
 * ends exactly after the other data; the algorithm name must not be
 * compressed (§4.2). */
static enum dns_reason parse_rdata(const uint8_t *msg, const struct dns_rr *rr, struct dns_tsig *t)
{
  size_t end = rr->rdata_off + rr->rdlen, next;
  /* the name may not run past the rdata: parse within it */
  if (dns_name_parse(msg, end, rr->rdata_off, t->alg_name, &t->alg_name_len, &next) != DNS_OK)
    return DNS_BAD_TSIG;
  if (next - rr->rdata_off != t->alg_name_len) return DNS_BAD_TSIG;   /* compressed */
  const uint8_t *p = msg + next;
  size_t left = end - next;
  if (left < 10) return DNS_BAD_TSIG;
  t->time_signed = (uint64_t)rd16(p) << 32 | rd32(p + 2);
  t->fudge = rd16(p + 6);
  t->mac_len = rd16(p + 8);
  p += 10;
  left -= 10;
  if (left < (size_t)t->mac_len + 6) return DNS_BAD_TSIG;
  t->mac = p;
  p += t->mac_len;
  left -= t->mac_len;
  t->orig_id = rd16(p);
  t->error = rd16(p + 2);
  t->other_len = rd16(p + 4);
  p += 6;
  left -= 6;
  if (left != t->other_len) return DNS_BAD_TSIG;
  t->other = p;
  return DNS_OK;
}

enum dns_reason dns_tsig_find(const uint8_t *msg, size_t len, struct dns_tsig *t, bool *found)
{
  *found = false;
  struct dns_iter it;
  enum dns_reason r = dns_iter_init(&it, msg, len, 0);
  if (r != DNS_OK) return r;
  struct dns_question q;
  bool done = false;
  while (!done) {
    r = dns_iter_question(&it, &q, &done);
    if (r != DNS_OK) return r;
  }
  size_t start = it.off;   /* where the next RR begins */
  struct dns_rr rr;
  bool seen = false;       /* *found only once the whole message is valid */
  for (;;) {
    r = dns_iter_rr(&it, &rr, &done);
    if (r != DNS_OK) return r;
    if (done) {
      *found = seen;
      return DNS_OK;
    }
    size_t rr_start = start;
    start = rr.rdata_off + rr.rdlen;
    if (rr.type != DNS_TYPE_TSIG) continue;
    /* one, last of the additional section: nothing may follow it */
    if (seen || rr.section != DNS_SEC_ADDITIONAL || it.left != 0) return DNS_BAD_TSIG;
    /* the iterator shows a TTL with its top bit set as 0: read it raw */
    if (rr.class != DNS_CLASS_ANY || rd32(msg + rr.rdata_off - 6) != 0) return DNS_BAD_TSIG;
    memcpy(t->key_name, rr.name, rr.name_len);
    t->key_name_len = rr.name_len;
    r = parse_rdata(msg, &rr, t);
    if (r != DNS_OK) return r;
    t->rr_off = rr_start;
    seen = true;
  }
}

/* A name in canonical form (RFC 4034 §6.2: ASCII letters lower-cased). */
static void put_lower_name(uint8_t *o, const uint8_t *name, size_t n)
{
  for (size_t i = 0; i < n; i++) o[i] = name[i];
  for (size_t i = 0; name[i] != 0; i += 1 + (size_t)name[i])
    for (size_t k = 1; k <= name[i]; k++)
      if (o[i + k] >= 'A' && o[i + k] <= 'Z') o[i + k] = (uint8_t)(o[i + k] + 32);
}

size_t dns_tsig_digest_input(uint8_t *out, size_t cap, const uint8_t *msg, size_t len, const struct dns_tsig *t,
                             const uint8_t *req_mac, size_t req_mac_len)
{
  if (t->rr_off < DNS_HDR_LEN || t->rr_off > len) return 0;
  if (dns_name_check(t->key_name, t->key_name_len) != DNS_OK) return 0;
  if (dns_name_check(t->alg_name, t->alg_name_len) != DNS_OK) return 0;
  if (req_mac && req_mac_len > 0xffff) return 0;
  size_t need = (req_mac ? 2 + req_mac_len : 0) + t->rr_off + t->key_name_len + 6 + t->alg_name_len + 16 +
                (size_t)t->other_len;
  if (need > cap) return 0;
  uint8_t *o = out;
  if (req_mac) {                                 /* §4.3.2: request MAC, length first */
    wr16(o, (uint16_t)req_mac_len);
    memcpy(o + 2, req_mac, req_mac_len);
    o += 2 + req_mac_len;
  }
  memcpy(o, msg, t->rr_off);                     /* §4.3.1: the message as before the TSIG */
  wr16(o, t->orig_id);
  if (t->rr_off < len) {                         /* the TSIG RR follows: it is not counted */
    uint16_t ar = rd16(msg + 10);
    if (ar == 0) return 0;
    wr16(o + 10, (uint16_t)(ar - 1));
  }
  o += t->rr_off;
  put_lower_name(o, t->key_name, t->key_name_len);   /* §4.3.3: TSIG variables */
  o += t->key_name_len;
  wr16(o, DNS_CLASS_ANY);
  wr32(o + 2, 0);
  o += 6;
  put_lower_name(o, t->alg_name, t->alg_name_len);
  o += t->alg_name_len;
  wr16(o, (uint16_t)(t->time_signed >> 32));
  wr32(o + 2, (uint32_t)t->time_signed);
  wr16(o + 6, t->fudge);
  wr16(o + 8, t->error);
  wr16(o + 10, t->other_len);
  o += 12;
  if (t->other_len) memcpy(o, t->other, t->other_len);
  o += t->other_len;
  return (size_t)(o - out);
}

size_t dns_tsig_append(uint8_t *buf, size_t len, size_t cap, const struct dns_tsig *t)
{
  if (len < DNS_HDR_LEN || len > cap) return 0;
  if (dns_name_check(t->key_name, t->key_name_len) != DNS_OK) return 0;
  if (dns_name_check(t->alg_name, t->alg_name_len) != DNS_OK) return 0;
  if (t->time_signed >> 48) return 0;
  size_t rdlen = t->alg_name_len + 10 + (size_t)t->mac_len + 6 + t->other_len;
  size_t total = len + t->key_name_len + 10 + rdlen;
  uint16_t ar = rd16(buf + 10);
  if (total > cap || total > DNS_MAX_MSG || ar == 0xffff) return 0;
  uint8_t *o = buf + len;
  memcpy(o, t->key_name, t->key_name_len);
  o += t->key_name_len;
  wr16(o, DNS_TYPE_TSIG);
  wr16(o + 2, DNS_CLASS_ANY);
  wr32(o + 4, 0);
  wr16(o + 8, (uint16_t)rdlen);
  o += 10;
  memcpy(o, t->alg_name, t->alg_name_len);
  o += t->alg_name_len;
  wr16(o, (uint16_t)(t->time_signed >> 32));
  wr32(o + 2, (uint32_t)t->time_signed);
  wr16(o + 6, t->fudge);
  wr16(o + 8, t->mac_len);
  o += 10;
  if (t->mac_len) memcpy(o, t->mac, t->mac_len);
  o += t->mac_len;
  wr16(o, t->orig_id);
  wr16(o + 2, t->error);
  wr16(o + 4, t->other_len);
  o += 6;
  if (t->other_len) memcpy(o, t->other, t->other_len);
  wr16(buf + 10, (uint16_t)(ar + 1));
  return total;
}
