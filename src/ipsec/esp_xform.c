/* ESP and AH transforms over OpenSSL 3.0 EVP (see esp_xform.h).
 *
 * Every OpenSSL object is created at SA set-up.  Per packet:
 *   cipher: EVP_CipherInit_ex(ctx, NULL, NULL, key-or-NULL, iv, enc), then
 *           Update/Final on the same context (no allocation);
 *   HMAC:   EVP_MD_CTX_copy_ex of the precomputed inner/outer states (two
 *           allocations in OpenSSL 3.0, see the header). */
#include "ipsec/esp_xform.h"

#include <string.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include "wire/bytes.h"

#define HMAC_BLOCK 64              /* SHA-1 and SHA-256 block size */
#define AEAD_NONCE_LEN 12          /* salt(4) | IV(8) */
#define AEAD_IV_LEN 8
#define AEAD_ICV_LEN 16
#define ESP_MAX_PACKET (1u << 20)  /* keeps every length well inside int */

/* ---- set-up ---- */

static bool ealg_combined(enum ipsec_ealg e)
{
  return e == IPSEC_EALG_AES_GCM16 || e == IPSEC_EALG_AES_GMAC || e == IPSEC_EALG_CHACHA20_POLY1305;
}

static bool aes_keylen_ok(size_t n) { return n == 16 || n == 24 || n == 32; }

/* The cipher key length (salt removed), or 0 when ekeylen is wrong. */
static size_t cipher_keylen(enum ipsec_ealg e, size_t ekeylen)
{
  switch (e) {
  case IPSEC_EALG_AES_CBC:
    return aes_keylen_ok(ekeylen) ? ekeylen : 0;
  case IPSEC_EALG_AES_GCM16:
  case IPSEC_EALG_AES_GMAC:
    return ekeylen > IPSEC_XFORM_SALT_LEN && aes_keylen_ok(ekeylen - IPSEC_XFORM_SALT_LEN)
               ? ekeylen - IPSEC_XFORM_SALT_LEN : 0;
  case IPSEC_EALG_CHACHA20_POLY1305:
    return ekeylen == 32 + IPSEC_XFORM_SALT_LEN ? 32 : 0;
  default:
    return 0;
  }
}

static const char *cipher_name(enum ipsec_ealg e, size_t keylen)
{
  static const char *const gcm[] = { "AES-128-GCM", "AES-192-GCM", "AES-256-GCM" };
  static const char *const cbc[] = { "AES-128-CBC", "AES-192-CBC", "AES-256-CBC" };
  size_t i = (keylen - 16) / 8;    /* 16, 24, 32 -> 0, 1, 2 */
  if (e == IPSEC_EALG_CHACHA20_POLY1305)
    return "ChaCha20-Poly1305";
  return e == IPSEC_EALG_AES_CBC ? cbc[i] : gcm[i];   /* GMAC is GCM with AAD only */
}

static size_t aalg_keylen(enum ipsec_aalg a)
{
  return a == IPSEC_AALG_HMAC_SHA1_96 ? 20 : a == IPSEC_AALG_HMAC_SHA256_128 ? 32 : 0;
}

static const char *check_algs(enum ipsec_ealg e, size_t ekeylen, enum ipsec_aalg a, size_t akeylen)
{
  if ((unsigned)e >= IPSEC_EALG__MAX || (unsigned)a >= IPSEC_AALG__MAX)
    return "unknown algorithm";
  if (ealg_combined(e) && a != IPSEC_AALG_NONE)
    return "combined-mode encryption takes no separate integrity algorithm";
  if (!ealg_combined(e) && a == IPSEC_AALG_NONE)
    return "an integrity algorithm is required (no confidentiality-only ESP, no empty AH)";
  if (e != IPSEC_EALG_NONE && e != IPSEC_EALG_NULL && cipher_keylen(e, ekeylen) == 0)
    return "wrong encryption key length";
  if ((e == IPSEC_EALG_NONE || e == IPSEC_EALG_NULL) && ekeylen != 0)
    return "NULL encryption takes no key";
  if (akeylen != aalg_keylen(a))
    return "wrong authentication key length";
  return NULL;
}

static void set_lengths(struct ipsec_xform *x)
{
  x->align = x->ealg == IPSEC_EALG_AES_CBC ? 16 : 4;
  x->ivlen = x->ealg == IPSEC_EALG_AES_CBC ? 16 : ealg_combined(x->ealg) ? AEAD_IV_LEN : 0;
  x->icvlen = x->aalg == IPSEC_AALG_HMAC_SHA1_96 ? 12 : 16;
}

static const char *setup_cipher(struct ipsec_xform *x, const uint8_t *ekey, size_t ekeylen)
{
  size_t klen = cipher_keylen(x->ealg, ekeylen);
  EVP_CIPHER *c = EVP_CIPHER_fetch(NULL, cipher_name(x->ealg, klen), NULL);
  const char *err = NULL;

  memcpy(x->ckey, ekey, klen);
  memcpy(x->salt, ekey + klen, ekeylen - klen);      /* 0 or 4 bytes */
  x->ckeylen = (uint8_t)klen;
  x->cctx = EVP_CIPHER_CTX_new();
  if (c == NULL || x->cctx == NULL)
    err = "OpenSSL cannot provide the cipher";
  else if (!EVP_CipherInit_ex(x->cctx, c, NULL, x->ckey, NULL, 1))
    err = "OpenSSL refused the key";
  else if (x->ealg == IPSEC_EALG_AES_CBC && !EVP_CIPHER_CTX_set_padding(x->cctx, 0))
    err = "OpenSSL refused to disable padding";
  x->cdir = 1;
  EVP_CIPHER_free(c);               /* the context keeps its own reference */
  return err;
}

/* Absorb key ^ pad (RFC 2104: the key, zero-filled to the block size). */
static int absorb_pad(EVP_MD_CTX *ctx, const EVP_MD *md, const uint8_t *key, size_t klen, uint8_t pad)
{
  uint8_t blk[HMAC_BLOCK];
  for (size_t i = 0; i < sizeof blk; i++)
    blk[i] = (uint8_t)((i < klen ? key[i] : 0) ^ pad);
  int ok = EVP_DigestInit_ex(ctx, md, NULL) && EVP_DigestUpdate(ctx, blk, sizeof blk);
  OPENSSL_cleanse(blk, sizeof blk);
  return ok;
}

/* Precompute the HMAC inner and outer states once per SA (RFC 2104
 * composed from EVP digest calls, so per packet only the message and the
 * inner hash are hashed; tests compare every length with OpenSSL's HMAC()).
 * Keys are never longer than the block (20 or 32 bytes): no key hashing. */
static const char *setup_hmac(struct ipsec_xform *x, const uint8_t *akey, size_t akeylen)
{
  EVP_MD *md = EVP_MD_fetch(NULL, x->aalg == IPSEC_AALG_HMAC_SHA1_96 ? "SHA1" : "SHA256", NULL);
  const char *err = NULL;

  x->hin = EVP_MD_CTX_new();
  x->hout = EVP_MD_CTX_new();
  x->hwork = EVP_MD_CTX_new();
  if (md == NULL || x->hin == NULL || x->hout == NULL || x->hwork == NULL)
    err = "OpenSSL cannot provide the digest";
  else if (!absorb_pad(x->hin, md, akey, akeylen, 0x36) || !absorb_pad(x->hout, md, akey, akeylen, 0x5c))
    err = "OpenSSL digest failed";
  EVP_MD_free(md);                  /* the contexts keep their own reference */
  return err;
}

int ipsec_xform_init(struct ipsec_xform *x, enum ipsec_ealg e, const uint8_t *ekey, size_t ekeylen,
                     enum ipsec_aalg a, const uint8_t *akey, size_t akeylen, const char **err)
{
  const char *why = check_algs(e, ekeylen, a, akeylen);

  memset(x, 0, sizeof *x);
  x->ivpool_used = sizeof x->ivpool;   /* empty: filled on first use */
  x->ealg = e;
  x->aalg = a;
  set_lengths(x);
  if (why == NULL && e != IPSEC_EALG_NONE && e != IPSEC_EALG_NULL)
    why = setup_cipher(x, ekey, ekeylen);
  if (why == NULL && a != IPSEC_AALG_NONE)
    why = setup_hmac(x, akey, akeylen);
  if (why != NULL) {
    ipsec_xform_free(x);
    if (err != NULL)
      *err = why;
    return -1;
  }
  return 0;
}

void ipsec_xform_free(struct ipsec_xform *x)
{
  EVP_CIPHER_CTX_free(x->cctx);     /* cleanses the key schedule */
  EVP_MD_CTX_free(x->hin);
  EVP_MD_CTX_free(x->hout);
  EVP_MD_CTX_free(x->hwork);
  x->cctx = NULL;
  x->hin = x->hout = x->hwork = NULL;
  OPENSSL_cleanse(x->ckey, sizeof x->ckey);
  OPENSSL_cleanse(x->salt, sizeof x->salt);
  OPENSSL_cleanse(x->ivpool, sizeof x->ivpool);
  x->ivpool_used = sizeof x->ivpool;
}

/* ---- sizes ---- */

size_t ipsec_xform_ivlen(const struct ipsec_xform *x) { return x->ivlen; }
size_t ipsec_xform_icvlen(const struct ipsec_xform *x) { return x->icvlen; }
size_t ipsec_xform_align(const struct ipsec_xform *x) { return x->align; }
size_t ipsec_xform_esp_hdrlen(const struct ipsec_xform *x) { return ESP_HDR_LEN + x->ivlen; }

/* Padding after payload + TFC so that, with the 2 trailer bytes, the
 * ciphertext is a multiple of the alignment (RFC 4303 §2.4). */
static size_t pad_len(const struct ipsec_xform *x, size_t body)
{
  return (x->align - (body + 2) % x->align) % x->align;
}

size_t ipsec_xform_esp_len(const struct ipsec_xform *x, size_t plen, size_t tfc)
{
  size_t body = plen + tfc;
  return ipsec_xform_esp_hdrlen(x) + body + pad_len(x, body) + 2 + x->icvlen;
}

size_t ipsec_xform_overhead(const struct ipsec_xform *x)
{
  return ipsec_xform_esp_hdrlen(x) + (x->align - 1u) + 2 + x->icvlen;
}

const char *esp_status_str(enum esp_status s)
{
  static const char *const names[] = {
    "ok", "dummy packet", "truncated", "not a multiple of the block size", "ICV mismatch",
    "bad padding", "pad length beyond payload", "no space", "not an ESP transform", "crypto failure",
  };
  _Static_assert(sizeof names / sizeof names[0] == ESP_E_CRYPTO + 1, "one name per status");
  return (unsigned)s < sizeof names / sizeof names[0] ? names[s] : "?";
}

/* ---- per-packet primitives ---- */

/* Re-initialise the cipher for one packet.  The key is passed again only
 * when the direction changes (CBC keeps separate encrypt and decrypt key
 * schedules); otherwise OpenSSL keeps the schedule and only takes the IV. */
static int cipher_start(struct ipsec_xform *x, const uint8_t *iv, int enc)
{
  const uint8_t *key = x->cdir == enc ? NULL : x->ckey;
  if (!EVP_CipherInit_ex(x->cctx, NULL, NULL, key, iv, enc))
    return 0;
  x->cdir = (int8_t)enc;
  return x->ealg != IPSEC_EALG_AES_CBC || EVP_CIPHER_CTX_set_padding(x->cctx, 0);
}

static void nonce_of(const struct ipsec_xform *x, const uint8_t *iv, uint8_t nonce[AEAD_NONCE_LEN])
{
  memcpy(nonce, x->salt, IPSEC_XFORM_SALT_LEN);
  memcpy(nonce + IPSEC_XFORM_SALT_LEN, iv, AEAD_IV_LEN);
}

/* Run the cipher over len bytes (in == out allowed) and finish. */
static int cipher_run(struct ipsec_xform *x, uint8_t *out, const uint8_t *in, size_t len)
{
  int n1 = 0, n2 = 0;
  if (len > 0 && !EVP_CipherUpdate(x->cctx, out, &n1, in, (int)len))
    return 0;
  return EVP_CipherFinal_ex(x->cctx, out + n1, &n2) && (size_t)(n1 + n2) == len;
}

static int aad_add(struct ipsec_xform *x, const uint8_t *p, size_t len)
{
  int n;
  return len == 0 || EVP_CipherUpdate(x->cctx, NULL, &n, p, (int)len);
}

/* RFC 4106 §5 / RFC 7634 §2.1: AAD is SPI | seq (32 bits), or with ESN
 * SPI | seq high | seq low. */
static int aead_aad(struct ipsec_xform *x, const uint8_t *hdr, uint64_t seq, bool esn)
{
  uint8_t aad[12];
  memcpy(aad, hdr, 4);
  wr32(aad + 4, (uint32_t)(seq >> 32));
  memcpy(aad + 8, hdr + 4, 4);
  return esn ? aad_add(x, aad, 12) : aad_add(x, hdr, 8);
}

/* RFC 4543 §3.3: for GMAC the whole packet up to the ICV is AAD, with the
 * ESN high half between the SPI and the sequence number. */
static int gmac_aad(struct ipsec_xform *x, const uint8_t *pkt, size_t len, uint64_t seq, bool esn)
{
  uint8_t hi[4];
  wr32(hi, (uint32_t)(seq >> 32));
  return aad_add(x, pkt, 4) && (!esn || aad_add(x, hi, 4)) && aad_add(x, pkt + 4, len - 4);
}

/* HMAC(K, parts | tail), truncated to icvlen; tail (4 bytes) may be NULL.
 * Each EVP_MD_CTX_copy_ex allocates in OpenSSL 3.0 (see the header). */
static int hmac_iov(struct ipsec_xform *x, const struct iovec *v, int n, const uint8_t *tail, uint8_t *icv)
{
  uint8_t inner[EVP_MAX_MD_SIZE], full[EVP_MAX_MD_SIZE];
  unsigned int ilen = 0, flen = 0;
  int ok = EVP_MD_CTX_copy_ex(x->hwork, x->hin);
  for (int i = 0; ok && i < n; i++)
    ok = EVP_DigestUpdate(x->hwork, v[i].iov_base, v[i].iov_len);
  ok = ok && (tail == NULL || EVP_DigestUpdate(x->hwork, tail, 4))
       && EVP_DigestFinal_ex(x->hwork, inner, &ilen)
       && EVP_MD_CTX_copy_ex(x->hwork, x->hout)
       && EVP_DigestUpdate(x->hwork, inner, ilen)
       && EVP_DigestFinal_ex(x->hwork, full, &flen) && flen >= x->icvlen;
  if (ok)
    memcpy(icv, full, x->icvlen);
  OPENSSL_cleanse(inner, sizeof inner);
  return ok;
}

/* ICV of an ESP packet with separate integrity: HMAC over header, IV and
 * ciphertext, seq high appended when ESN (RFC 4303 §2.2.1, App. A). */
static int esp_hmac(struct ipsec_xform *x, const uint8_t *pkt, size_t len, uint64_t seq, bool esn, uint8_t *icv)
{
  uint8_t hi[4];
  struct iovec v = { .iov_base = (void *)pkt, .iov_len = len };
  wr32(hi, (uint32_t)(seq >> 32));
  return hmac_iov(x, &v, 1, esn ? hi : NULL, icv);
}

/* ---- seal ---- */

static bool bad_overlap(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen, const uint8_t *same)
{
  if (a == same || alen == 0 || blen == 0)
    return false;
  return (uintptr_t)a < (uintptr_t)b + blen && (uintptr_t)b < (uintptr_t)a + alen;
}

/* Next random CBC IV from the per-SA pool, refilled when empty. */
static int cbc_iv(struct ipsec_xform *x, uint8_t *iv)
{
  if (x->ivpool_used + x->ivlen > sizeof x->ivpool) {
    if (RAND_bytes(x->ivpool, (int)sizeof x->ivpool) != 1)
      return 0;
    x->ivpool_used = 0;
  }
  memcpy(iv, x->ivpool + x->ivpool_used, x->ivlen);
  x->ivpool_used = (uint16_t)(x->ivpool_used + x->ivlen);
  return 1;
}

static int seal_iv(struct ipsec_xform *x, const struct esp_seal_args *a, uint8_t *iv)
{
  uint8_t be[8];
  if (a->iv != NULL) {
    memcpy(iv, a->iv, x->ivlen);
    return 1;
  }
  if (x->ealg == IPSEC_EALG_AES_CBC)
    return cbc_iv(x, iv);
  wr32(be, (uint32_t)(a->seq >> 32));
  wr32(be + 4, (uint32_t)a->seq);
  memcpy(iv, be, x->ivlen);          /* 0 bytes for NULL encryption */
  return 1;
}

/* payload | TFC zeros | 1, 2, 3, ... | pad length | next header; returns
 * the plaintext length. */
static size_t seal_trailer(const struct ipsec_xform *x, uint8_t *body, const uint8_t *in, size_t inlen,
                           const struct esp_seal_args *a)
{
  size_t at = inlen + a->tfc_pad, pad = pad_len(x, at);
  if (inlen > 0 && body != in)
    memmove(body, in, inlen);
  memset(body + inlen, 0, a->tfc_pad);
  for (size_t i = 1; i <= pad; i++)
    body[at++] = (uint8_t)i;
  body[at++] = (uint8_t)pad;
  body[at++] = a->next_header;
  return at;
}

/* Encrypt / authenticate pkt (header ready, plaintext at hdr) and write the
 * ICV after the ciphertext. */
static int seal_crypt(struct ipsec_xform *x, uint8_t *pkt, size_t hdr, size_t ptlen, const struct esp_seal_args *a)
{
  uint8_t nonce[AEAD_NONCE_LEN], *body = pkt + hdr, *icv = body + ptlen;
  switch (x->ealg) {
  case IPSEC_EALG_AES_GCM16:
  case IPSEC_EALG_CHACHA20_POLY1305:
    nonce_of(x, pkt + ESP_HDR_LEN, nonce);
    return cipher_start(x, nonce, 1) && aead_aad(x, pkt, a->seq, a->esn) && cipher_run(x, body, body, ptlen)
           && EVP_CIPHER_CTX_ctrl(x->cctx, EVP_CTRL_AEAD_GET_TAG, AEAD_ICV_LEN, icv) > 0;
  case IPSEC_EALG_AES_GMAC:
    nonce_of(x, pkt + ESP_HDR_LEN, nonce);
    return cipher_start(x, nonce, 1) && gmac_aad(x, pkt, hdr + ptlen, a->seq, a->esn)
           && cipher_run(x, nonce, nonce, 0)   /* no data: Final only */
           && EVP_CIPHER_CTX_ctrl(x->cctx, EVP_CTRL_AEAD_GET_TAG, AEAD_ICV_LEN, icv) > 0;
  case IPSEC_EALG_AES_CBC:
    if (!cipher_start(x, pkt + ESP_HDR_LEN, 1) || !cipher_run(x, body, body, ptlen))
      return 0;
    return esp_hmac(x, pkt, hdr + ptlen, a->seq, a->esn, icv);
  default:                           /* NULL encryption */
    return esp_hmac(x, pkt, hdr + ptlen, a->seq, a->esn, icv);
  }
}

enum esp_status ipsec_esp_seal(struct ipsec_xform *x, const struct esp_seal_args *a,
                               const uint8_t *in, size_t inlen,
                               uint8_t *out, size_t outcap, size_t *outlen)
{
  size_t hdr = ipsec_xform_esp_hdrlen(x);
  if (x->ealg == IPSEC_EALG_NONE)
    return ESP_E_ALG;
  if (inlen > ESP_MAX_PACKET || a->tfc_pad > ESP_MAX_PACKET)
    return ESP_E_SPACE;
  size_t need = ipsec_xform_esp_len(x, inlen, a->tfc_pad);
  if (need > outcap || bad_overlap(in, inlen, out, need, out + hdr))
    return ESP_E_SPACE;
  wr32(out, a->spi);
  wr32(out + 4, (uint32_t)a->seq);
  if (!seal_iv(x, a, out + ESP_HDR_LEN))
    return ESP_E_CRYPTO;
  size_t ptlen = seal_trailer(x, out + hdr, in, inlen, a);
  if (!seal_crypt(x, out, hdr, ptlen, a))
    return ESP_E_CRYPTO;
  *outlen = need;
  return ESP_OK;
}

/* ---- open ---- */

/* AEAD and GMAC: decrypt (or copy) into dst and check the tag; on a wrong
 * tag the unauthenticated plaintext is wiped. */
static enum esp_status open_aead(struct ipsec_xform *x, const uint8_t *pkt, size_t hdr, size_t ctlen,
                                 uint64_t seq, bool esn, uint8_t *dst)
{
  uint8_t nonce[AEAD_NONCE_LEN], tag[AEAD_ICV_LEN];
  const uint8_t *ct = pkt + hdr;
  bool gmac = x->ealg == IPSEC_EALG_AES_GMAC;
  int n = 0, fin = 0;

  memcpy(tag, ct + ctlen, AEAD_ICV_LEN);
  nonce_of(x, pkt + ESP_HDR_LEN, nonce);
  if (!cipher_start(x, nonce, 0))
    return ESP_E_CRYPTO;
  bool ok = gmac ? gmac_aad(x, pkt, hdr + ctlen, seq, esn)
                 : aead_aad(x, pkt, seq, esn) && (ctlen == 0 || EVP_CipherUpdate(x->cctx, dst, &n, ct, (int)ctlen));
  ok = ok && EVP_CIPHER_CTX_ctrl(x->cctx, EVP_CTRL_AEAD_SET_TAG, AEAD_ICV_LEN, tag) > 0
       && EVP_CipherFinal_ex(x->cctx, dst + n, &fin);
  if (!ok) {
    if (!gmac)
      OPENSSL_cleanse(dst, ctlen);
    return ESP_E_ICV;
  }
  if (gmac && dst != ct)
    memmove(dst, ct, ctlen);
  return ESP_OK;
}

/* Separate integrity: constant-time ICV check first, then decrypt. */
static enum esp_status open_hmac(struct ipsec_xform *x, const uint8_t *pkt, size_t hdr, size_t ctlen,
                                 uint64_t seq, bool esn, uint8_t *dst)
{
  uint8_t icv[IPSEC_XFORM_MAX_ICV];
  const uint8_t *ct = pkt + hdr;
  if (!esp_hmac(x, pkt, hdr + ctlen, seq, esn, icv))
    return ESP_E_CRYPTO;
  if (CRYPTO_memcmp(icv, ct + ctlen, x->icvlen) != 0)
    return ESP_E_ICV;
  if (x->ealg == IPSEC_EALG_NULL) {
    if (dst != ct)
      memmove(dst, ct, ctlen);
    return ESP_OK;
  }
  if (!cipher_start(x, pkt + ESP_HDR_LEN, 0) || !cipher_run(x, dst, ct, ctlen))
    return ESP_E_CRYPTO;
  return ESP_OK;
}

/* RFC 4303 §2.4: pad length fits, padding is the default 1, 2, 3, ... */
static enum esp_status open_trailer(uint8_t *pt, size_t ptlen, struct esp_opened *r)
{
  size_t pad = pt[ptlen - 2];
  if (pad > ptlen - 2)
    return ESP_E_PADLEN;
  const uint8_t *p = pt + ptlen - 2 - pad;
  for (size_t i = 0; i < pad; i++)
    if (p[i] != (uint8_t)(i + 1))
      return ESP_E_PAD;
  r->payload = pt;
  r->len = ptlen - 2 - pad;
  r->pad_len = (uint8_t)pad;
  r->next_header = pt[ptlen - 1];
  return r->next_header == ESP_NXT_DUMMY ? ESP_DUMMY : ESP_OK;
}

/* Structural checks before any crypto: lengths and alignment. */
static enum esp_status open_check(const struct ipsec_xform *x, size_t len, size_t *ctlen)
{
  size_t fixed = ipsec_xform_esp_hdrlen(x) + x->icvlen;
  if (len > ESP_MAX_PACKET)
    return ESP_E_SPACE;
  if (len < fixed + 2)
    return ESP_E_TRUNCATED;
  *ctlen = len - fixed;
  return *ctlen % x->align ? ESP_E_BLOCK : ESP_OK;
}

enum esp_status ipsec_esp_open(struct ipsec_xform *x, uint8_t *pkt, size_t len, uint64_t seq,
                               bool esn, uint8_t *out, size_t outcap, struct esp_opened *r)
{
  size_t hdr = ipsec_xform_esp_hdrlen(x), ctlen = 0;
  enum esp_status st;

  if (x->ealg == IPSEC_EALG_NONE)
    return ESP_E_ALG;
  if ((st = open_check(x, len, &ctlen)) != ESP_OK)
    return st;
  if (out == NULL) {
    out = pkt + hdr;
    outcap = ctlen;
  }
  if (outcap < ctlen || bad_overlap(out, ctlen, pkt + hdr, ctlen, pkt + hdr))
    return ESP_E_SPACE;
  st = ealg_combined(x->ealg) ? open_aead(x, pkt, hdr, ctlen, seq, esn, out)
                              : open_hmac(x, pkt, hdr, ctlen, seq, esn, out);
  return st != ESP_OK ? st : open_trailer(out, ctlen, r);
}

/* ---- AH ---- */

int ipsec_xform_ah_icv(struct ipsec_xform *x, const struct iovec *parts, int nparts,
                       uint64_t seq, bool esn, uint8_t *icv_out)
{
  uint8_t hi[4];
  if (x->hin == NULL || nparts < 0)
    return -1;
  wr32(hi, (uint32_t)(seq >> 32));
  return hmac_iov(x, parts, nparts, esn ? hi : NULL, icv_out) ? 0 : -1;
}

int ipsec_xform_ah_verify(struct ipsec_xform *x, const struct iovec *parts, int nparts,
                          uint64_t seq, bool esn, const uint8_t *icv)
{
  uint8_t mine[IPSEC_XFORM_MAX_ICV];
  if (ipsec_xform_ah_icv(x, parts, nparts, seq, esn, mine) != 0)
    return -1;
  return CRYPTO_memcmp(mine, icv, x->icvlen) == 0 ? 0 : -1;
}
