/* ESP (RFC 4303) and AH (RFC 4302) cryptographic transforms.
 *
 * One struct ipsec_xform holds the preallocated OpenSSL contexts of one SA
 * direction.  Every context is created in ipsec_xform_init(); per packet
 * the cipher context is only re-initialised with
 * EVP_CipherInit_ex(ctx, NULL, NULL, key-or-NULL, iv, enc), so the AEAD
 * algorithms (AES-GCM, AES-GMAC, ChaCha20-Poly1305) allocate nothing per
 * packet.
 *
 * Exception, measured by tests/unit/test_ipsec_xform.c: HMAC (AES-CBC and
 * NULL encryption with HMAC-SHA1-96 / HMAC-SHA256-128, and AH) costs two
 * heap allocations per packet with OpenSSL 3.0.  OpenSSL 3.0 frees and
 * re-creates the provider's digest context on every EVP_DigestInit_ex,
 * EVP_MD_CTX_copy_ex and EVP_MAC_init, so no EVP path computes a digest
 * without allocating; we copy precomputed inner/outer HMAC states, which
 * is one allocation per state and the fastest of the three.
 *
 * An xform is not thread-safe: one thread at a time per SA direction.
 *
 * Wire layout produced by ipsec_esp_seal() and read by ipsec_esp_open():
 *
 *   SPI(4) | Seq low 32(4) | IV | ciphertext of
 *       (payload | TFC zeros | padding 1,2,3,.. | pad length | next header)
 *   | ICV
 *
 * The AEAD IV (GCM, GMAC, ChaCha20-Poly1305) is the 64-bit sequence number,
 * big-endian: the sender never reuses a sequence number under one key (the
 * SA is rekeyed before the counter wraps), so the nonce salt|IV is unique
 * per key as RFC 4106 §3.1 and RFC 7634 §2 require.  The AES-CBC IV comes
 * from RAND_bytes() (RFC 3602 §2.1: unpredictable), drawn 16 IVs at a time
 * because one RAND_bytes() call costs about a microsecond in OpenSSL 3.0
 * whatever its length; unused IVs never leave the xform. */
#ifndef SIX_IPSEC_ESP_XFORM_H
#define SIX_IPSEC_ESP_XFORM_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>
#include "ipsec/ipsec_alg.h"

struct evp_cipher_ctx_st;
struct evp_md_ctx_st;

#define IPSEC_XFORM_MAX_IV 16
#define IPSEC_XFORM_MAX_ICV 16
#define IPSEC_XFORM_SALT_LEN 4
#define ESP_HDR_LEN 8              /* SPI + sequence number */
#define ESP_NXT_DUMMY 59           /* "no next header": dummy packet, RFC 4303 §2.6 */

struct ipsec_xform {
  enum ipsec_ealg ealg;
  enum ipsec_aalg aalg;
  struct evp_cipher_ctx_st *cctx; /* NULL for NULL encryption and AH */
  struct evp_md_ctx_st *hin;      /* HMAC: digest state after (K ^ ipad) */
  struct evp_md_ctx_st *hout;     /* HMAC: digest state after (K ^ opad) */
  struct evp_md_ctx_st *hwork;    /* HMAC: scratch, a copy of hin or hout */
  uint8_t ckey[32];               /* cipher key, to re-key on a direction change */
  uint8_t ivpool[256];            /* AES-CBC: 16 random IVs from one RAND_bytes() */
  uint16_t ivpool_used;           /* bytes of ivpool already handed out */
  uint8_t salt[IPSEC_XFORM_SALT_LEN];
  uint8_t ckeylen, ivlen, icvlen, align;
  int8_t cdir;                    /* direction cctx is keyed for: 1 enc, 0 dec */
};

/* Set up one SA direction.  Key lengths: AES-CBC 16/24/32; AES-GCM and
 * AES-GMAC 16/24/32 + 4 salt bytes at the end (setkey's aes-gcm-16
 * spelling); ChaCha20-Poly1305 32 + 4 salt; HMAC-SHA1-96 20;
 * HMAC-SHA256-128 32.  Combined-mode algorithms refuse an extra integrity
 * algorithm; NULL and AES-CBC encryption require one (integrity always);
 * IPSEC_EALG_NONE with an integrity algorithm is an AH transform.  Returns
 * 0, or -1 with *err set to a static string (err may be NULL).  On error
 * nothing is left allocated. */
int ipsec_xform_init(struct ipsec_xform *x, enum ipsec_ealg e, const uint8_t *ekey, size_t ekeylen,
                     enum ipsec_aalg a, const uint8_t *akey, size_t akeylen, const char **err);
/* Frees the contexts and wipes the key material; safe on a zeroed or
 * already freed struct. */
void ipsec_xform_free(struct ipsec_xform *x);

size_t ipsec_xform_ivlen(const struct ipsec_xform *x);   /* 16 CBC, 8 AEAD/GMAC, 0 NULL */
size_t ipsec_xform_icvlen(const struct ipsec_xform *x);  /* 16, or 12 for HMAC-SHA1-96 */
size_t ipsec_xform_align(const struct ipsec_xform *x);   /* 16 for CBC, else 4 */
size_t ipsec_xform_esp_hdrlen(const struct ipsec_xform *x); /* SPI + seq + IV */
/* Exact length of the ESP packet sealing plen payload bytes plus tfc zeros. */
size_t ipsec_xform_esp_len(const struct ipsec_xform *x, size_t plen, size_t tfc);
/* Largest ESP overhead of any payload (header, IV, padding, trailer, ICV),
 * not counting TFC padding. */
size_t ipsec_xform_overhead(const struct ipsec_xform *x);

enum esp_status {
  ESP_OK = 0,
  ESP_DUMMY,        /* authentic packet with next header 59: drop silently */
  ESP_E_TRUNCATED,  /* too short for header, IV, trailer and ICV */
  ESP_E_BLOCK,      /* ciphertext not a multiple of the block size (or of 4) */
  ESP_E_ICV,        /* integrity check failed */
  ESP_E_PAD,        /* padding bytes are not 1, 2, 3, ... (RFC 4303 §2.4) */
  ESP_E_PADLEN,     /* pad length beyond the decrypted payload */
  ESP_E_SPACE,      /* output buffer too small, overlapping wrongly, or too large */
  ESP_E_ALG,        /* this xform does not do ESP (an AH transform) */
  ESP_E_CRYPTO,     /* OpenSSL failed */
};
const char *esp_status_str(enum esp_status s);

struct esp_seal_args {
  uint32_t spi;        /* host order, written big-endian */
  uint64_t seq;        /* full 64-bit sequence number; the low 32 bits are sent */
  bool esn;            /* extended sequence numbers: high 32 bits in the ICV only */
  uint8_t next_header;
  size_t tfc_pad;      /* zero bytes after the payload (RFC 4303 §2.7), usually 0 */
  const uint8_t *iv;   /* NULL in normal use; known-answer tests pass ivlen bytes */
};

/* Build the ESP packet into out[0 .. ipsec_xform_esp_len()).  in may be a
 * separate buffer or exactly out + ipsec_xform_esp_hdrlen() (in place);
 * any other overlap is refused with ESP_E_SPACE.  Returns ESP_OK and the
 * length in *outlen, or ESP_E_SPACE / ESP_E_ALG / ESP_E_CRYPTO. */
enum esp_status ipsec_esp_seal(struct ipsec_xform *x, const struct esp_seal_args *a,
                               const uint8_t *in, size_t inlen,
                               uint8_t *out, size_t outcap, size_t *outlen);

struct esp_opened {
  uint8_t *payload;    /* decrypted payload (TFC padding, if any, included) */
  size_t len;
  uint8_t next_header;
  uint8_t pad_len;
};

/* Open pkt[0 .. len) (SPI to ICV).  seq is the full 64-bit sequence number
 * the replay window inferred (the caller checks replay first).  The ICV is
 * verified first: in constant time with CRYPTO_memcmp for HMAC before
 * anything is decrypted; for the AEADs OpenSSL decrypts and verifies the
 * tag (constant time) in one pass and the plaintext is wiped when the tag
 * is wrong.  Then the trailer is checked.  out == NULL decrypts in place
 * to pkt + ipsec_xform_esp_hdrlen(); otherwise out (outcap bytes) must not
 * overlap the ciphertext, or be exactly pkt + ipsec_xform_esp_hdrlen().
 * ESP_OK or ESP_DUMMY fill *r; every other status is a drop. */
enum esp_status ipsec_esp_open(struct ipsec_xform *x, uint8_t *pkt, size_t len, uint64_t seq,
                               bool esn, uint8_t *out, size_t outcap, struct esp_opened *r);

/* AH ICV (RFC 4302 §3.3.3): HMAC over the caller's parts, which already
 * hold the packet with the mutable fields and the ICV field zeroed, with
 * the high 32 bits of seq appended after the packet when esn (RFC 4302
 * §3.3.3.2.1).  Writes ipsec_xform_icvlen() bytes.  0, or -1 when the
 * xform has no HMAC or OpenSSL failed. */
int ipsec_xform_ah_icv(struct ipsec_xform *x, const struct iovec *parts, int nparts,
                       uint64_t seq, bool esn, uint8_t *icv_out);
/* Same computation compared with icv in constant time: 0 when equal. */
int ipsec_xform_ah_verify(struct ipsec_xform *x, const struct iovec *parts, int nparts,
                          uint64_t seq, bool esn, const uint8_t *icv);

#endif
