/* ESP and AH transforms: known-answer tests from the RFCs, every error
 * code of ipsec_esp_open(), ESN, round trips over every algorithm and key
 * size, and a count of OpenSSL heap allocations per packet.
 *
 * Vector sources (bytes copied from the documents, never computed here):
 *   draft-mcgrew-gcm-test-01 §4  AES-GCM ESP packets (the test cases for
 *       RFC 4106, 128/192/256-bit keys, with and without 64-bit ESN) and an
 *       AES-GMAC ESP packet (RFC 4543);
 *   RFC 7634 Appendix A           ChaCha20-Poly1305 ESP packet;
 *   RFC 3602 §4 cases 5-8         AES-CBC ESP packets (encryption only: we
 *       seal them with an integrity algorithm added and compare header, IV
 *       and ciphertext; the ICV is checked against OpenSSL's HMAC());
 *   RFC 2202 §3 (the vectors RFC 2404 uses) HMAC-SHA1-96, RFC 4868 §2.7.2.1
 *       HMAC-SHA256-128: through the AH ICV function.
 *
 * The allocation counter is installed with CRYPTO_set_mem_functions()
 * before any other OpenSSL call, so it sees every libcrypto allocation. */
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/params.h>
#include <stdint.h>
#include "../lib/t.h"
#include "ipsec/esp_xform.h"
#include "wire/bytes.h"

/* ---- allocation counter ---- */

static long n_allocs;

static void *count_malloc(size_t n, const char *file, int line)
{
  n_allocs++;
  return malloc(n);
}

static void *count_realloc(void *p, size_t n, const char *file, int line)
{
  n_allocs++;
  return realloc(p, n);
}

static void count_free(void *p, const char *file, int line) { free(p); }

/* ---- helpers ---- */

/* Hex with any whitespace in between, as the RFCs print it. */
static size_t unhex(const char *s, uint8_t *out, size_t cap)
{
  size_t n = 0;
  int hi = -1;
  for (; *s; s++) {
    int v = *s >= '0' && *s <= '9' ? *s - '0' : *s >= 'a' && *s <= 'f' ? *s - 'a' + 10
            : *s >= 'A' && *s <= 'F' ? *s - 'A' + 10 : -1;
    if (v < 0)
      continue;
    if (hi < 0) {
      hi = v;
      continue;
    }
    if (n == cap)
      abort();
    out[n++] = (uint8_t)(hi << 4 | v);
    hi = -1;
  }
  return n;
}

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint8_t rnd8(void)
{
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return (uint8_t)(rng >> 24);
}

static void fill(uint8_t *p, size_t n)
{
  for (size_t i = 0; i < n; i++)
    p[i] = rnd8();
}

/* Name the vector or algorithm a failed check came from. */
static int vec_begin(void)
{
  int saved = t_case_failed;
  t_case_failed = 0;
  return saved;
}

static void vec_end(int saved, const char *name)
{
  if (t_case_failed)
    fprintf(stderr, "  ^ in %s\n", name);
  t_case_failed |= saved;
}

static int xinit(struct ipsec_xform *x, enum ipsec_ealg e, const uint8_t *ek, size_t ekl,
                 enum ipsec_aalg a, const uint8_t *ak, size_t akl)
{
  const char *err = NULL;
  int rc = ipsec_xform_init(x, e, ek, ekl, a, ak, akl, &err);
  if (rc != 0)
    fprintf(stderr, "  init: %s\n", err);
  return rc;
}

/* ---- AEAD known answers ---- */

struct aead_kat {
  const char *name;
  enum ipsec_ealg e;
  const char *keymat;    /* key | salt */
  uint32_t spi;
  uint64_t seq;
  bool esn;
  const char *iv;
  const char *plain;     /* ESP plaintext: payload | padding | pad length | next header */
  const char *sealed;    /* ciphertext | ICV, following SPI | seq | IV on the wire */
};

/* draft-mcgrew-gcm-test-01 §4, in the draft's order. */
static const struct aead_kat gcm_kats[] = {
  { "gcm-test-01 #1 (AES-128, ESN)", IPSEC_EALG_AES_GCM16,
    "4c80cdefbb5d10da906ac73c3613a634 2e443b68", 0x00004321, 0x8765432100000000ULL, true,
    "4956ed7e3b244cfe",
    "45000048699a000080114db7c0a80102 c0a801010a9bf15638d3010000010000"
    "00000000045f736970045f7564700373 69700963796265726369747902646b00 0021000101020201",
    "fecf537e729d5b07dc30df528dd22b76 8d1b98736696a6fd348509fa13ceac34"
    "cfa2436f14a3f3cf65925bf1f4a13c5d 15b21e1884f5ff6247aeabb786b93bce"
    "61bc17d768fd9732459018148f6cbe72 2fd04796562dfdb4" },
  { "gcm-test-01 #2 (AES-128)", IPSEC_EALG_AES_GCM16,
    "feffe9928665731c6d6a8f9467308308 cafebabe", 0x0000a5f8, 0x0000000a, false,
    "facedbaddecaf888",
    "4500003e698f000080114dccc0a80102 c0a801010a980035002a2343b2d00100"
    "00010000000000000373697009637962 65726369747902646b00000100010001",
    "deb22cd9b07c72c16e3a65beeb8df304 a5a5897d33ae530f1ba76d5d114d2a5c"
    "3de81827c10e9a4f51330d0eec416642 cfbb85a5b47e48a4ec3b9ba95d918bd1"
    "83b70d3aa8bc6ee4c309e9d85a41ad4a" },
  { "gcm-test-01 #3 (AES-256)", IPSEC_EALG_AES_GCM16,
    "abbccddef00112233445566778899aab abbccddef00112233445566778899aab 11223344",
    0x4a2cbfe3, 0x00000002, false, "0102030405060708",
    "4500003069a6400080062690c0a80102 9389155e0a9e008b2dc57ee000000000"
    "7002400020bf0000020405b401010402 01020201",
    "ff425c9b724599df7a3bcd510194e00d 6a78107f1b0b1cbf06efae9d65a5d763"
    "748a637985771d347f0545659f14e99d ef842d8eb335f4eecfdbf831824b4c49 15956c96" },
  { "gcm-test-01 #4 (AES-128, zero key)", IPSEC_EALG_AES_GCM16,
    "00000000000000000000000000000000 00000000", 0x00000000, 0x00000001, false,
    "0000000000000000",
    "4500003c99c500008001cb7a40679318 010101010800075c0200440061626364"
    "65666768696a6b6c6d6e6f7071727374 75767761626364656667686901020201",
    "4688daf2f973a392732909c331d56d60 f694abaa414b5e7ff5fdcdfff5e9a284"
    "456476492719ffb64de7d9dca1e1d894 bc3bd57873ed4d181d19d4d5c8c18af3"
    "f821d496eeb096e98ad2b69e4799c71d" },
  { "gcm-test-01 #5 (AES-128, ESN)", IPSEC_EALG_AES_GCM16,
    "3de09874b388e6491988d0c3607eae1f 57690e43", 0x42f67e3f, 0x1010101010101010ULL, true,
    "4e280000a2fca1a3",
    "4500003c99c300008001cb7c40679318 010101010800085c0200430061626364"
    "65666768696a6b6c6d6e6f7071727374 75767761626364656667686901020201",
    "fba2caa4853cf9f0f22cb10d86dd83b0 fec75691cf1a04b00d1138ec9c357917"
    "65acbd8701ad79845bf9fe3fba487bc9 1755e6662b4c8d0d1f5e22739530320a"
    "e0d731cc978ecafaeae88f00e80d6e48" },
  { "gcm-test-01 #6 (AES-128, ESN)", IPSEC_EALG_AES_GCM16,
    "3de09874b388e6491988d0c3607eae1f 57690e43", 0x42f67e3f, 0x1010101010101010ULL, true,
    "4e280000a2fca1a3",
    "4500001c42a200008001441f406793b6 e00000020a00f5ff01020201",
    "fba2ca845e5df9f0f22c3e6e86dd831e 1fc65792cd1af9130e1379ed369f071f"
    "35e034be95f112e4e7d05d35" },
  { "gcm-test-01 #7 (AES-192)", IPSEC_EALG_AES_GCM16,
    "feffe9928665731c6d6a8f9467308308 feffe9928665731c cafebabe", 0x0000a5f8, 0x0000000a, false,
    "facedbaddecaf888",
    "45000028a4ad4000400678800a01038f 0a010612802306b8cb712602dd6bb03e 501016d075680001",
    "a5b1f8066029aea40e598b8122de0242 0938b3ab33f828e687b8858b5bfbdbd0"
    "315b27452144cc7795457b9652037f53 18027b5b4cd7a636" },
  { "gcm-test-01 #8 (AES-128, ESN)", IPSEC_EALG_AES_GCM16,
    "abbccddef00112233445566778899aab decaf888", 0x00000100, 0x0000000000000001ULL, true,
    "cafedebaceface74",
    "4500004933ba00007f119106c3fb1d10 c2b1d326c02831ce0035dd7b800302d5"
    "00004e20001e8c18d75b81dc91baa047 6b91b924b280389d92c963bac046ec95"
    "9b6266c04722b14923010101",
    "18a6fd42f72cbf4ab2a2ea901f73d814 e3e7f243d95412e1c349c1d2fbec168f"
    "9190feebaf2cb01984e65863965d7472 b79da345e0e780191f0d2f0e0f496c22"
    "6f2127b27db35724e7845d68651f57e6 5f354f75ff17015769623436" },
  { "gcm-test-01 #9 (AES-256, ESN)", IPSEC_EALG_AES_GCM16,
    "abbccddef00112233445566778899aab abbccddef00112233445566778899aab 73616c74",
    0x17405e67, 0x156f3126dd0db99bULL, true, "616e640169766563",
    "45080028732c00004006e9f90a010612 0a01038f06b88023dd6bafbecb712602 50101f646d540001",
    "f2d69ecdbd5a0d5b8d5ef38bad4da58d 1f278fde98ef67549d524a3018d9a57f"
    "f4d3a31ce673119e451626c2415771e3 b7eebca614c89b35" },
  { "gcm-test-01 #10 (AES-128, ESN)", IPSEC_EALG_AES_GCM16,
    "3de09874b388e6491988d0c3607eae1f 57690e43", 0x42f67e3f, 0x1010101010101010ULL, true,
    "4e280000a2fca1a3",
    "45000049333e00007f119182c3fb1d10 c2b1d326c02831ce0035cb458003025b"
    "000001e0001e8c18d65759d52284a035 2c71475c8880391c764d6e5ee0496b32"
    "5ae270c03899493915010101",
    "fba2cad12fc1f9f00d3cebf305410db8 3d7784b607323d220f24b0a97d541828"
    "00cadb0f68d99ef0e0c0c89ae9bea888 4e52d65bc1afd0740f742444747b5b39"
    "ab533163aad4550ee5160975cdb608c5 769189609763b8e18caa81e2" },
  { "gcm-test-01 #11 (AES-256, ESN)", IPSEC_EALG_AES_GCM16,
    "abbccddef00112233445566778899aab abbccddef00112233445566778899aab 73616c74",
    0x17405e67, 0x156f3126dd0db99bULL, true, "616e640169766563",
    "636973636f0172756c65730174686501 6e6574776501646566696e6501746865"
    "746563686e6f6c6f6769657301746861 7477696c6c01646566696e65746f6d6f 72726f7701020201",
    "d4b7ed86a1777f2ea13d6973d324c69e 7b43f826fb56831226508bebd2dceb18"
    "d0a6df10e5487df074113e14c641024e 3e6773d91a62ee429b043a10e3efe6b0"
    "12a49363412364f8c0cac587f249e56b 11e24f30e44ccc76" },
  { "gcm-test-01 #12 (AES-128, empty payload)", IPSEC_EALG_AES_GCM16,
    "7d773d00c144c525ac619d18c84a3f47 d9664267", 0x335467ae, 0xffffffff, false,
    "43457e9182443bc6", "01020201",
    "437f866bcb3f699fe9b0822bac961c45 04bef270" },
  { "gcm-test-01 #13 (AES-128, ESN)", IPSEC_EALG_AES_GCM16,
    "abbccddef00112233445566778899aab decaf888", 0x00000100, 0x0000000000000001ULL, true,
    "cafedebaceface74", "746f016265016f72016e6f7401746f01 62650001",
    "29c9fc69a197d038ccdd14e2ddfcaa05 43332164412503524303ed3c6c5f2838 43af8c3e" },
  { "gcm-test-01 #14 (AES-256, ESN all ones)", IPSEC_EALG_AES_GCM16,
    "6c6567616c697a656d6172696a75616e 61616e64646f69746265666f72656961 7475726e",
    0x796b6963, 0xffffffffffffffffULL, true, "333021696765746d",
    "45000030da3a00008001df3bc0a80005 c0a800010800c6cd0200070061626364"
    "65666768696a6b6c6d6e6f7071727374 01020201",
    "f97ab2aa356d8edce17644ac8c78e25d d24dedbb29ebf1b64a274b39b49c3a86"
    "4cd3d78ca4ae68a32b42458fb57dbe82 1dcc63b9d0937ba2945f669368661a32 9fb4c053" },
};

/* draft-mcgrew-gcm-test-01 §4, AES-GMAC-ESP (RFC 4543): the payload is
 * sent in clear, so "sealed" is the plaintext followed by the ICV. */
static const struct aead_kat gmac_kat = {
  "gcm-test-01 AES-GMAC (RFC 4543)", IPSEC_EALG_AES_GMAC,
  "4c80cdefbb5d10da906ac73c3613a634 22433c64", 0x00004321, 0x00000007, false,
  "0000000000000000",
  "45000030da3a00008001df3bc0a80005 c0a800010800c6cd0200070061626364"
  "65666768696a6b6c6d6e6f7071727374 01020201",
  "45000030da3a00008001df3bc0a80005 c0a800010800c6cd0200070061626364"
  "65666768696a6b6c6d6e6f7071727374 01020201 f2a9a836e155106aa8dcd618e4099aaa",
};

/* RFC 7634 Appendix A. */
static const struct aead_kat chacha_kat = {
  "RFC 7634 App. A", IPSEC_EALG_CHACHA20_POLY1305,
  "808182838485868788898a8b8c8d8e8f 909192939495969798999a9b9c9d9e9f a0a1a2a3",
  0x01020304, 0x00000005, false, "1011121314151617",
  "45 00 00 54 a6 f2 00 00 40 01 e7 78 c6 33 64 05 c0 00 02 05 08 00 5b 7a 3a 08 00 00 55 3b ec 10"
  "00 07 36 27 08 09 0a 0b 0c 0d 0e 0f 10 11 12 13 14 15 16 17 18 19 1a 1b 1c 1d 1e 1f 20 21 22 23"
  "24 25 26 27 28 29 2a 2b 2c 2d 2e 2f 30 31 32 33 34 35 36 37 01 02 02 04",
  "24 03 94 28 b9 7f 41 7e 3c 13 75 3a 4f 05 08 7b 67 c3 52 e6 a7 fa b1 b9 82 d4 66 ef 40 7a e5 c6"
  "14 ee 80 99 d5 28 44 eb 61 aa 95 df ab 4c 02 f7 2a a7 1e 7c 4c 4f 64 c9 be fe 2f ac c6 38 e8 f3"
  "cb ec 16 3f ac 46 9b 50 27 73 f6 fb 94 e6 64 da 91 65 b8 28 29 f6 41 e0"
  "76 aa a8 26 6b 7f b0 f7 b1 1b 36 99 07 e1 ad 43",
};

/* Seal the vector's payload with its SPI, seq and IV, compare with the
 * document's packet byte for byte, then open it again. */
static void check_aead_kat(const struct aead_kat *k)
{
  uint8_t key[64], iv[8], plain[256], want[512], got[512], open_buf[512];
  size_t klen = unhex(k->keymat, key, sizeof key), ptlen = unhex(k->plain, plain, sizeof plain);
  struct ipsec_xform x;
  T_EQ(unhex(k->iv, iv, sizeof iv), 8);
  if (xinit(&x, k->e, key, klen, IPSEC_AALG_NONE, NULL, 0) != 0) {
    T_CHECK(0);
    return;
  }
  /* the expected packet: SPI | seq low | IV | document's bytes */
  wr32(want, k->spi);
  wr32(want + 4, (uint32_t)k->seq);
  memcpy(want + 8, iv, 8);
  size_t wlen = 16 + unhex(k->sealed, want + 16, sizeof want - 16);

  uint8_t pad = plain[ptlen - 2];
  size_t plen = ptlen - 2 - pad, outlen = 0;
  struct esp_seal_args a = { .spi = k->spi, .seq = k->seq, .esn = k->esn,
                             .next_header = plain[ptlen - 1], .iv = iv };
  T_EQ(ipsec_esp_seal(&x, &a, plain, plen, got, sizeof got, &outlen), ESP_OK);
  T_EQ(outlen, wlen);
  T_MEMEQ(got, want, wlen);

  struct esp_opened r;
  memcpy(open_buf, want, wlen);
  T_EQ(ipsec_esp_open(&x, open_buf, wlen, k->seq, k->esn, NULL, 0, &r), ESP_OK);
  T_EQ(r.len, plen);
  T_MEMEQ(r.payload, plain, plen);
  T_EQ(r.next_header, plain[ptlen - 1]);
  T_EQ(r.pad_len, pad);
  ipsec_xform_free(&x);
}

TEST(kat_gcm_draft_mcgrew)
{
  for (size_t i = 0; i < sizeof gcm_kats / sizeof gcm_kats[0]; i++) {
    int saved = vec_begin();
    check_aead_kat(&gcm_kats[i]);
    vec_end(saved, gcm_kats[i].name);
  }
}

TEST(kat_gmac_draft_mcgrew) { check_aead_kat(&gmac_kat); }

TEST(kat_chacha_rfc7634) { check_aead_kat(&chacha_kat); }

/* ---- AES-CBC known answers (RFC 3602 §4) ---- */

struct cbc_kat {
  const char *name, *key;
  uint32_t spi, seq;
  uint8_t nxt;
  const char *iv, *payload, *packet;   /* packet: SPI | seq | IV | ciphertext */
};

static const struct cbc_kat cbc_kats[] = {
  { "RFC 3602 case #5", "90d382b410eeba7ad938c46cec1a82bf", 0x4321, 1, 1,
    "e96e8c08ab465763fd098d45dd3ff893",
    "08000ebda70a00008e9c083db95b0700 08090a0b0c0d0e0f1011121314151617"
    "18191a1b1c1d1e1f2021222324252627 28292a2b2c2d2e2f3031323334353637",
    "0000432100000001 e96e8c08ab465763fd098d45dd3ff893"
    "f663c25d325c18c6a9453e194e120849 a4870b66cc6b9965330013b4898dc856"
    "a4699e523a55db080b59ec3a8e4b7e52 775b07d1db34ed9c538ab50c551b874a"
    "a269add047ad2d5913ac19b7cfbad4a6" },
  { "RFC 3602 case #6", "90d382b410eeba7ad938c46cec1a82bf", 0x4321, 8, 1,
    "69d08df7d203329db093fc4924e5bd80",
    "0800b5e8a80a0500a69c083d0b660e00 777777777777777777777777",
    "0000432100000008 69d08df7d203329db093fc4924e5bd80"
    "f51995881ec4e0c4488987ce742e8109 689bb379d2d750c0d915dca346a89f75" },
  { "RFC 3602 case #7", "0123456789abcdef0123456789abcdef", 0x8765, 2, 4,
    "f4e765244f6407adf13dc1380f673f37",
    "45000054090400004001f988c0a87b03 c0a87bc808009f76a90a0100b49c083d"
    "02a2040008090a0b0c0d0e0f10111213 1415161718191a1b1c1d1e1f20212223"
    "2425262728292a2b2c2d2e2f30313233 34353637",
    "0000876500000002 f4e765244f6407adf13dc1380f673f37"
    "773b5241a4c449225e4f3ce5ed611b0c 237ca96cf74a93013c1b0ea1a0cf70f8"
    "e4ecaec78ac53aad7a0f022b859243c6 47752e94a859352b8a4d4d2decd136e5"
    "c177f132ad3fbfb2201ac9904c74ee0a 109e0ca1e4dfe9d5a100b842f1c22f0d" },
  { "RFC 3602 case #8", "0123456789abcdef0123456789abcdef", 0x8765, 5, 4,
    "85d47224b5f3dd5d2101d4ea8dffab22",
    "45000044090c00004001f990c0a87b03 c0a87bc80800d63caa0a0200c69c083d"
    "a3de0300ffffffffffffffffffffffff ffffffffffffffffffffffffffffffff ffffffff",
    "0000876500000005 85d47224b5f3dd5d2101d4ea8dffab22"
    "15b92683819596a8047232cc00f7048f e45318e11f8a0f62ede3c3fc61203bb5"
    "0f980a08c9843fd3a1b06d5c07ff9639 b7eb7dfb3512e5de435e7207ed971ef3"
    "d2726d9b5ef6affc6d17a0decbb13892" },
};

/* HMAC() one-shot over data | (seq high when esn), truncated: the ICV as an
 * independent implementation computes it. */
static void ref_icv(enum ipsec_aalg a, const uint8_t *key, const uint8_t *data, size_t len,
                    uint64_t seq, bool esn, uint8_t *icv)
{
  static uint8_t buf[2048];
  uint8_t md[EVP_MAX_MD_SIZE];
  unsigned int mdlen = 0;
  bool sha1 = a == IPSEC_AALG_HMAC_SHA1_96;
  memcpy(buf, data, len);
  if (esn)
    wr32(buf + len, (uint32_t)(seq >> 32));
  HMAC(sha1 ? EVP_sha1() : EVP_sha256(), key, sha1 ? 20 : 32, buf, len + (esn ? 4 : 0), md, &mdlen);
  memcpy(icv, md, sha1 ? 12 : 16);
}

static void check_cbc_kat(const struct cbc_kat *k, enum ipsec_aalg aa, bool esn)
{
  uint8_t key[32], akey[32], iv[16], payload[128], want[256], got[256], icv[16];
  size_t klen = unhex(k->key, key, sizeof key), plen = unhex(k->payload, payload, sizeof payload);
  size_t wlen = unhex(k->packet, want, sizeof want), alen = aa == IPSEC_AALG_HMAC_SHA1_96 ? 20 : 32;
  uint64_t seq = (esn ? 0x0000000700000000ULL : 0) | k->seq;
  struct ipsec_xform x;
  unhex(k->iv, iv, sizeof iv);
  fill(akey, alen);
  if (xinit(&x, IPSEC_EALG_AES_CBC, key, klen, aa, akey, alen) != 0) {
    T_CHECK(0);
    return;
  }
  size_t outlen = 0, icvlen = ipsec_xform_icvlen(&x);
  struct esp_seal_args a = { .spi = k->spi, .seq = seq, .esn = esn, .next_header = k->nxt, .iv = iv };
  T_EQ(ipsec_esp_seal(&x, &a, payload, plen, got, sizeof got, &outlen), ESP_OK);
  T_EQ(outlen, wlen + icvlen);
  T_MEMEQ(got, want, wlen);                     /* header, IV, ciphertext: RFC bytes */
  ref_icv(aa, akey, got, wlen, seq, esn, icv);
  T_MEMEQ(got + wlen, icv, icvlen);             /* ICV: OpenSSL's HMAC() */

  struct esp_opened r;
  T_EQ(ipsec_esp_open(&x, got, outlen, seq, esn, NULL, 0, &r), ESP_OK);
  T_EQ(r.len, plen);
  T_MEMEQ(r.payload, payload, plen);
  T_EQ(r.next_header, k->nxt);
  ipsec_xform_free(&x);
}

TEST(kat_cbc_rfc3602)
{
  for (size_t i = 0; i < sizeof cbc_kats / sizeof cbc_kats[0]; i++) {
    int saved = vec_begin();
    check_cbc_kat(&cbc_kats[i], IPSEC_AALG_HMAC_SHA1_96, false);
    check_cbc_kat(&cbc_kats[i], IPSEC_AALG_HMAC_SHA256_128, true);
    vec_end(saved, cbc_kats[i].name);
  }
}

/* ---- HMAC known answers through the AH ICV ---- */

struct hmac_kat {
  const char *name;
  enum ipsec_aalg a;
  const char *key, *data, *icv;    /* data as hex */
};

static const struct hmac_kat hmac_kats[] = {
  { "RFC 2202 §3 test 1", IPSEC_AALG_HMAC_SHA1_96, "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b",
    "4869205468657265", "b617318655057264e28bc0b6" },
  { "RFC 2202 §3 test 3", IPSEC_AALG_HMAC_SHA1_96, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd",
    "125d7342b9ac11cd91a39af4" },
  { "RFC 2202 §3 test 5 (digest-96)", IPSEC_AALG_HMAC_SHA1_96,
    "0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c", "546573742057697468205472756e636174696f6e",
    "4c1a03424b55e07fe7f27be1" },
  { "RFC 4868 §2.7.2.1 test 1", IPSEC_AALG_HMAC_SHA256_128,
    "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "4869205468657265",
    "198a607eb44bfbc69903a0f1cf2bbdc5" },
  { "RFC 4868 §2.7.2.1 test 2", IPSEC_AALG_HMAC_SHA256_128,
    "4a6566654a6566654a6566654a6566654a6566654a6566654a6566654a656665",
    "7768617420646f2079612077616e7420666f72206e6f7468696e673f", "167f928588c5cc2eef8e3093caa0e87c" },
  { "RFC 4868 §2.7.2.1 test 3", IPSEC_AALG_HMAC_SHA256_128,
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd",
    "cdcb1220d1ecccea91e53aba3092f962" },
  { "RFC 4868 §2.7.2.1 test 4", IPSEC_AALG_HMAC_SHA256_128,
    "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20",
    "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd",
    "372efcf9b40b35c2115b1346903d2ef4" },
};

TEST(kat_hmac_via_ah)
{
  for (size_t i = 0; i < sizeof hmac_kats / sizeof hmac_kats[0]; i++) {
    const struct hmac_kat *k = &hmac_kats[i];
    uint8_t key[32], data[64], want[16], got[16];
    size_t klen = unhex(k->key, key, sizeof key), dlen = unhex(k->data, data, sizeof data);
    size_t ilen = unhex(k->icv, want, sizeof want);
    struct ipsec_xform x;
    int saved = vec_begin();
    if (xinit(&x, IPSEC_EALG_NONE, NULL, 0, k->a, key, klen) != 0) {
      T_CHECK(0);
      continue;
    }
    /* split the data in two parts: the iovec path must not matter */
    struct iovec v[2] = { { data, dlen / 3 }, { data + dlen / 3, dlen - dlen / 3 } };
    T_EQ(ipsec_xform_icvlen(&x), ilen);
    T_EQ(ipsec_xform_ah_icv(&x, v, 2, 1, false, got), 0);
    T_MEMEQ(got, want, ilen);
    T_EQ(ipsec_xform_ah_verify(&x, v, 2, 1, false, want), 0);
    want[ilen - 1] ^= 1;
    T_EQ(ipsec_xform_ah_verify(&x, v, 2, 1, false, want), -1);
    ipsec_xform_free(&x);
    vec_end(saved, k->name);
  }
}

/* ---- algorithm table for the generic tests ---- */

struct alg {
  const char *name;
  enum ipsec_ealg e;
  size_t eklen;
  enum ipsec_aalg a;
  size_t aklen;
};

static const struct alg algs[] = {
  { "aes128-gcm16", IPSEC_EALG_AES_GCM16, 20, IPSEC_AALG_NONE, 0 },
  { "aes192-gcm16", IPSEC_EALG_AES_GCM16, 28, IPSEC_AALG_NONE, 0 },
  { "aes256-gcm16", IPSEC_EALG_AES_GCM16, 36, IPSEC_AALG_NONE, 0 },
  { "aes128-gmac", IPSEC_EALG_AES_GMAC, 20, IPSEC_AALG_NONE, 0 },
  { "aes192-gmac", IPSEC_EALG_AES_GMAC, 28, IPSEC_AALG_NONE, 0 },
  { "aes256-gmac", IPSEC_EALG_AES_GMAC, 36, IPSEC_AALG_NONE, 0 },
  { "chacha20-poly1305", IPSEC_EALG_CHACHA20_POLY1305, 36, IPSEC_AALG_NONE, 0 },
  { "aes128-cbc/sha1", IPSEC_EALG_AES_CBC, 16, IPSEC_AALG_HMAC_SHA1_96, 20 },
  { "aes192-cbc/sha1", IPSEC_EALG_AES_CBC, 24, IPSEC_AALG_HMAC_SHA1_96, 20 },
  { "aes256-cbc/sha1", IPSEC_EALG_AES_CBC, 32, IPSEC_AALG_HMAC_SHA1_96, 20 },
  { "aes128-cbc/sha256", IPSEC_EALG_AES_CBC, 16, IPSEC_AALG_HMAC_SHA256_128, 32 },
  { "aes192-cbc/sha256", IPSEC_EALG_AES_CBC, 24, IPSEC_AALG_HMAC_SHA256_128, 32 },
  { "aes256-cbc/sha256", IPSEC_EALG_AES_CBC, 32, IPSEC_AALG_HMAC_SHA256_128, 32 },
  { "null/sha1", IPSEC_EALG_NULL, 0, IPSEC_AALG_HMAC_SHA1_96, 20 },
  { "null/sha256", IPSEC_EALG_NULL, 0, IPSEC_AALG_HMAC_SHA256_128, 32 },
};
#define NALGS (sizeof algs / sizeof algs[0])

static uint8_t ekey[64], akey[64];

/* Two xforms (outbound and inbound) with the same keys. */
static int pair_init(const struct alg *g, struct ipsec_xform *out, struct ipsec_xform *in)
{
  fill(ekey, g->eklen);
  fill(akey, g->aklen);
  if (xinit(out, g->e, ekey, g->eklen, g->a, akey, g->aklen) != 0)
    return -1;
  if (xinit(in, g->e, ekey, g->eklen, g->a, akey, g->aklen) != 0) {
    ipsec_xform_free(out);
    return -1;
  }
  return 0;
}

static size_t seal_one(struct ipsec_xform *x, uint64_t seq, bool esn, uint8_t nxt, const uint8_t *p,
                       size_t plen, size_t tfc, uint8_t *out, size_t cap)
{
  struct esp_seal_args a = { .spi = 0x01020304, .seq = seq, .esn = esn, .next_header = nxt, .tfc_pad = tfc };
  size_t n = 0;
  T_EQ(ipsec_esp_seal(x, &a, p, plen, out, cap, &n), ESP_OK);
  return n;
}

/* ---- set-up rules and sizes ---- */

TEST(init_rules)
{
  static const uint8_t k[64];
  struct ipsec_xform x;
  const char *err = NULL;
  struct { enum ipsec_ealg e; size_t ek; enum ipsec_aalg a; size_t ak; int rc; } c[] = {
    { IPSEC_EALG_AES_GCM16, 20, IPSEC_AALG_NONE, 0, 0 },
    { IPSEC_EALG_AES_GCM16, 16, IPSEC_AALG_NONE, 0, -1 },       /* salt missing */
    { IPSEC_EALG_AES_GCM16, 21, IPSEC_AALG_NONE, 0, -1 },
    { IPSEC_EALG_AES_GCM16, 20, IPSEC_AALG_HMAC_SHA1_96, 20, -1 }, /* combined + auth */
    { IPSEC_EALG_AES_GMAC, 36, IPSEC_AALG_NONE, 0, 0 },
    { IPSEC_EALG_AES_GMAC, 36, IPSEC_AALG_HMAC_SHA256_128, 32, -1 },
    { IPSEC_EALG_CHACHA20_POLY1305, 36, IPSEC_AALG_NONE, 0, 0 },
    { IPSEC_EALG_CHACHA20_POLY1305, 32, IPSEC_AALG_NONE, 0, -1 },
    { IPSEC_EALG_CHACHA20_POLY1305, 20, IPSEC_AALG_NONE, 0, -1 },
    { IPSEC_EALG_AES_CBC, 24, IPSEC_AALG_HMAC_SHA256_128, 32, 0 },
    { IPSEC_EALG_AES_CBC, 20, IPSEC_AALG_HMAC_SHA256_128, 32, -1 },
    { IPSEC_EALG_AES_CBC, 16, IPSEC_AALG_NONE, 0, -1 },           /* no integrity */
    { IPSEC_EALG_AES_CBC, 16, IPSEC_AALG_HMAC_SHA1_96, 16, -1 },
    { IPSEC_EALG_AES_CBC, 16, IPSEC_AALG_HMAC_SHA256_128, 20, -1 },
    { IPSEC_EALG_NULL, 0, IPSEC_AALG_HMAC_SHA1_96, 20, 0 },
    { IPSEC_EALG_NULL, 0, IPSEC_AALG_NONE, 0, -1 },
    { IPSEC_EALG_NULL, 16, IPSEC_AALG_HMAC_SHA1_96, 20, -1 },
    { IPSEC_EALG_NONE, 0, IPSEC_AALG_HMAC_SHA256_128, 32, 0 },   /* AH */
    { IPSEC_EALG_NONE, 0, IPSEC_AALG_NONE, 0, -1 },
    { IPSEC_EALG_AES_GCM16, 20, IPSEC_AALG_NONE, 20, -1 },       /* auth key, no alg */
    { IPSEC_EALG__MAX, 0, IPSEC_AALG_HMAC_SHA1_96, 20, -1 },
  };
  for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
    err = NULL;
    int rc = ipsec_xform_init(&x, c[i].e, k, c[i].ek, c[i].a, k, c[i].ak, &err);
    if (rc != c[i].rc)
      fprintf(stderr, "  case %zu: rc %d (%s)\n", i, rc, err ? err : "-");
    T_EQ(rc, c[i].rc);
    T_CHECK(rc == 0 ? err == NULL : err != NULL && *err);
    ipsec_xform_free(&x);
    ipsec_xform_free(&x);           /* twice: must be harmless */
  }
}

TEST(sizes)
{
  struct { size_t g, iv, icv, align, over; } w[] = {
    { 0, 8, 16, 4, 8 + 8 + 3 + 2 + 16 },      /* GCM */
    { 3, 8, 16, 4, 37 },                      /* GMAC */
    { 6, 8, 16, 4, 37 },                      /* ChaCha */
    { 7, 16, 12, 16, 8 + 16 + 15 + 2 + 12 },  /* CBC / SHA1-96 */
    { 10, 16, 16, 16, 57 },                   /* CBC / SHA256-128 */
    { 13, 0, 12, 4, 8 + 3 + 2 + 12 },         /* NULL / SHA1-96 */
  };
  for (size_t i = 0; i < sizeof w / sizeof w[0]; i++) {
    struct ipsec_xform o, in;
    if (pair_init(&algs[w[i].g], &o, &in) != 0) {
      T_CHECK(0);
      continue;
    }
    T_EQ(ipsec_xform_ivlen(&o), w[i].iv);
    T_EQ(ipsec_xform_icvlen(&o), w[i].icv);
    T_EQ(ipsec_xform_align(&o), w[i].align);
    T_EQ(ipsec_xform_overhead(&o), w[i].over);
    T_EQ(ipsec_xform_esp_hdrlen(&o), 8 + w[i].iv);
    for (size_t p = 0; p < 64; p++) {
      size_t n = ipsec_xform_esp_len(&o, p, 0), ct = n - 8 - w[i].iv - w[i].icv;
      T_EQ(ct % w[i].align, 0);
      T_CHECK(ct >= p + 2 && ct < p + 2 + w[i].align);
      T_CHECK(n - p <= w[i].over);
    }
    ipsec_xform_free(&o);
    ipsec_xform_free(&in);
  }
}

/* ---- integrity: every byte matters ---- */

TEST(flip_any_byte_fails_icv)
{
  uint8_t p[100], pkt[256], tmp[256];
  fill(p, sizeof p);
  for (size_t g = 0; g < NALGS; g++) {
    struct ipsec_xform o, in;
    if (pair_init(&algs[g], &o, &in) != 0) {
      T_CHECK(0);
      continue;
    }
    size_t n = seal_one(&o, 42, false, 17, p, sizeof p, 0, pkt, sizeof pkt);
    struct esp_opened r;
    int bad = 0;
    for (size_t i = 0; i < n; i++)
      for (int bit = 0; bit < 8; bit += 7) {
        memcpy(tmp, pkt, n);
        tmp[i] ^= (uint8_t)(1u << bit);
        bad += ipsec_esp_open(&in, tmp, n, 42, false, NULL, 0, &r) != ESP_E_ICV;
      }
    if (bad)
      fprintf(stderr, "  %s: %d flips not caught\n", algs[g].name, bad);
    T_EQ(bad, 0);
    memcpy(tmp, pkt, n);
    T_EQ(ipsec_esp_open(&in, tmp, n, 42, false, NULL, 0, &r), ESP_OK);
    ipsec_xform_free(&o);
    ipsec_xform_free(&in);
  }
}

/* ---- ESN ---- */

TEST(esn_high_bits_in_icv)
{
  uint8_t p[64], pkt[256], tmp[256];
  const uint64_t seq = 0x00000005fffffff0ULL;
  fill(p, sizeof p);
  for (size_t g = 0; g < NALGS; g++) {
    struct ipsec_xform o, in;
    struct esp_opened r;
    if (pair_init(&algs[g], &o, &in) != 0) {
      T_CHECK(0);
      continue;
    }
    size_t n = seal_one(&o, seq, true, 6, p, sizeof p, 0, pkt, sizeof pkt);
    T_EQ(rd32(pkt + 4), 0xfffffff0u);                  /* only the low half is sent */
    memcpy(tmp, pkt, n);
    T_EQ(ipsec_esp_open(&in, tmp, n, seq + (1ULL << 32), true, NULL, 0, &r), ESP_E_ICV);
    memcpy(tmp, pkt, n);
    T_EQ(ipsec_esp_open(&in, tmp, n, seq - (1ULL << 32), true, NULL, 0, &r), ESP_E_ICV);
    memcpy(tmp, pkt, n);
    T_EQ(ipsec_esp_open(&in, tmp, n, seq, false, NULL, 0, &r), ESP_E_ICV);  /* ESN off */
    memcpy(tmp, pkt, n);
    T_EQ(ipsec_esp_open(&in, tmp, n, seq, true, NULL, 0, &r), ESP_OK);
    T_EQ(r.len, sizeof p);
    T_MEMEQ(r.payload, p, sizeof p);
    ipsec_xform_free(&o);
    ipsec_xform_free(&in);
  }
}

/* The same draft packet with another seq_hi must fail. */
TEST(esn_kat_other_high_bits)
{
  const struct aead_kat *k = &gcm_kats[0];
  uint8_t key[64], pkt[256];
  size_t klen = unhex(k->keymat, key, sizeof key);
  struct ipsec_xform x;
  struct esp_opened r;
  if (xinit(&x, k->e, key, klen, IPSEC_AALG_NONE, NULL, 0) != 0) {
    T_CHECK(0);
    return;
  }
  wr32(pkt, k->spi);
  wr32(pkt + 4, (uint32_t)k->seq);
  unhex(k->iv, pkt + 8, 8);
  size_t n = 16 + unhex(k->sealed, pkt + 16, sizeof pkt - 16);
  T_EQ(ipsec_esp_open(&x, pkt, n, k->seq ^ (1ULL << 32), true, NULL, 0, &r), ESP_E_ICV);
  ipsec_xform_free(&x);
}

/* ---- round trips ---- */

static void roundtrip_alg(const struct alg *g)
{
  static uint8_t p[320], pkt[512], dst[512];
  struct ipsec_xform o, in;
  int fails = 0;
  if (pair_init(g, &o, &in) != 0) {
    T_CHECK(0);
    return;
  }
  size_t hdr = ipsec_xform_esp_hdrlen(&o);
  for (size_t plen = 0; plen <= 300; plen++)
    for (int v = 0; v < 4; v++) {
      bool esn = v & 1;
      size_t tfc = v & 2 ? plen % 23 : 0;
      uint64_t seq = ((uint64_t)v << 32) | (plen * 7919u + 1);
      fill(p, plen);
      size_t n = seal_one(&o, seq, esn, (uint8_t)plen, p, plen, tfc, pkt, sizeof pkt);
      struct esp_opened r = { 0 };
      /* alternate in place and a separate buffer */
      enum esp_status st = ipsec_esp_open(&in, pkt, n, seq, esn, plen & 1 ? dst : NULL, sizeof dst, &r);
      bool ok = n == ipsec_xform_esp_len(&o, plen, tfc)
                && (n - hdr - ipsec_xform_icvlen(&o)) % ipsec_xform_align(&o) == 0
                && st == (plen == ESP_NXT_DUMMY ? ESP_DUMMY : ESP_OK) && r.len == plen + tfc
                && memcmp(r.payload, p, plen) == 0 && r.next_header == (uint8_t)plen
                && r.payload == (plen & 1 ? dst : pkt + hdr);
      for (size_t i = 0; ok && i < tfc; i++)
        ok = r.payload[plen + i] == 0;
      fails += !ok;
    }
  if (fails)
    fprintf(stderr, "  %s: %d round trips failed\n", g->name, fails);
  T_EQ(fails, 0);
  ipsec_xform_free(&o);
  ipsec_xform_free(&in);
}

TEST(roundtrip_every_alg_keysize_0_to_300)
{
  for (size_t g = 0; g < NALGS; g++)
    roundtrip_alg(&algs[g]);
}

/* One xform used in both directions: the CBC key schedule must follow. */
TEST(one_xform_both_directions)
{
  uint8_t p[77], pkt[256];
  fill(p, sizeof p);
  for (size_t g = 0; g < NALGS; g++) {
    struct ipsec_xform o, in;
    struct esp_opened r;
    if (pair_init(&algs[g], &o, &in) != 0) {
      T_CHECK(0);
      continue;
    }
    for (int i = 0; i < 3; i++) {
      size_t n = seal_one(&o, (uint64_t)i + 1, false, 4, p, sizeof p, 0, pkt, sizeof pkt);
      T_EQ(ipsec_esp_open(&o, pkt, n, (uint64_t)i + 1, false, NULL, 0, &r), ESP_OK);
      T_MEMEQ(r.payload, p, sizeof p);
    }
    ipsec_xform_free(&o);
    ipsec_xform_free(&in);
  }
}

TEST(in_place_and_overlap)
{
  uint8_t buf[512], p[200];
  fill(p, sizeof p);
  for (size_t g = 0; g < NALGS; g++) {
    struct ipsec_xform o, in;
    struct esp_opened r;
    if (pair_init(&algs[g], &o, &in) != 0) {
      T_CHECK(0);
      continue;
    }
    size_t hdr = ipsec_xform_esp_hdrlen(&o), n = 0;
    struct esp_seal_args a = { .spi = 9, .seq = 1, .next_header = 41 };
    memcpy(buf + hdr, p, sizeof p);                     /* seal in place */
    T_EQ(ipsec_esp_seal(&o, &a, buf + hdr, sizeof p, buf, sizeof buf, &n), ESP_OK);
    T_EQ(ipsec_esp_seal(&o, &a, buf + hdr + 1, sizeof p, buf, sizeof buf, &n), ESP_E_SPACE);
    n = ipsec_xform_esp_len(&o, sizeof p, 0);
    T_EQ(ipsec_esp_seal(&o, &a, p, sizeof p, buf, n - 1, &n), ESP_E_SPACE);
    n = ipsec_xform_esp_len(&o, sizeof p, 0);
    T_EQ(ipsec_esp_seal(&o, &a, p, sizeof p, buf, sizeof buf, &n), ESP_OK);
    T_EQ(ipsec_esp_open(&in, buf, n, 1, false, buf + 1, sizeof buf, &r), ESP_E_SPACE);
    T_EQ(ipsec_esp_open(&in, buf, n, 1, false, buf + n, 10, &r), ESP_E_SPACE);
    T_EQ(ipsec_esp_open(&in, buf, n, 1, false, buf + hdr, n, &r), ESP_OK);  /* in place */
    T_CHECK(r.payload == buf + hdr);
    T_EQ(r.len, sizeof p);
    T_MEMEQ(r.payload, p, sizeof p);
    ipsec_xform_free(&o);
    ipsec_xform_free(&in);
  }
}

/* CBC IVs come from a pool refilled every 16 packets: all distinct. */
TEST(cbc_ivs_distinct)
{
  uint8_t p[32] = { 0 }, pkt[128], ivs[50][16];
  struct ipsec_xform o, in;
  struct esp_opened r;
  int dup = 0;
  if (pair_init(&algs[7], &o, &in) != 0) {
    T_CHECK(0);
    return;
  }
  for (int i = 0; i < 50; i++) {
    size_t n = seal_one(&o, (uint64_t)i + 1, false, 4, p, sizeof p, 0, pkt, sizeof pkt);
    memcpy(ivs[i], pkt + 8, 16);
    T_EQ(ipsec_esp_open(&in, pkt, n, (uint64_t)i + 1, false, NULL, 0, &r), ESP_OK);
    for (int j = 0; j < i; j++)
      dup += memcmp(ivs[i], ivs[j], 16) == 0;
  }
  T_EQ(dup, 0);
  ipsec_xform_free(&o);
  ipsec_xform_free(&in);
}

/* ---- open's error codes ---- */

/* An authentic ESP packet carrying an arbitrary plaintext (so a broken
 * trailer can be authenticated), built with EVP and HMAC() directly.  For
 * AES-GCM (aes128-gcm16) and NULL / AES-CBC with HMAC-SHA256-128. */
static size_t forge(const struct alg *g, const uint8_t *pt, size_t ptlen, uint8_t *pkt)
{
  uint8_t nonce[12];
  int n = 0;
  wr32(pkt, 0x01020304);
  wr32(pkt + 4, 1);
  size_t hdr = g->e == IPSEC_EALG_AES_CBC ? 24 : g->e == IPSEC_EALG_NULL ? 8 : 16;
  memset(pkt + 8, 0xab, hdr - 8);                       /* IV */
  EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
  if (g->e == IPSEC_EALG_AES_GCM16) {
    memcpy(nonce, ekey + 16, 4);
    memcpy(nonce + 4, pkt + 8, 8);
    EVP_EncryptInit_ex(c, EVP_aes_128_gcm(), NULL, ekey, nonce);
    EVP_EncryptUpdate(c, NULL, &n, pkt, 8);
    EVP_EncryptUpdate(c, pkt + hdr, &n, pt, (int)ptlen);
    EVP_EncryptFinal_ex(c, pkt + hdr + n, &n);
    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG, 16, pkt + hdr + ptlen);
  } else if (g->e == IPSEC_EALG_AES_CBC) {
    EVP_EncryptInit_ex(c, EVP_aes_128_cbc(), NULL, ekey, pkt + 8);
    EVP_CIPHER_CTX_set_padding(c, 0);
    EVP_EncryptUpdate(c, pkt + hdr, &n, pt, (int)ptlen);
    EVP_EncryptFinal_ex(c, pkt + hdr + n, &n);
  } else {
    memcpy(pkt + hdr, pt, ptlen);
  }
  EVP_CIPHER_CTX_free(c);
  if (g->a != IPSEC_AALG_NONE)
    ref_icv(g->a, akey, pkt, hdr + ptlen, 1, false, pkt + hdr + ptlen);
  return hdr + ptlen + 16;
}

TEST(open_error_codes)
{
  static const size_t which[] = { 0, 10, 14 };   /* GCM, CBC/SHA256, NULL/SHA256 */
  for (size_t w = 0; w < 3; w++) {
    const struct alg *g = &algs[which[w]];
    struct ipsec_xform o, in;
    struct esp_opened r;
    uint8_t pt[64], pkt[256], tmp[256];
    if (pair_init(g, &o, &in) != 0) {
      T_CHECK(0);
      continue;
    }
    int saved = vec_begin();
    size_t align = ipsec_xform_align(&o), ptlen = align == 16 ? 48 : 44;
    size_t min = ipsec_xform_esp_hdrlen(&o) + ipsec_xform_icvlen(&o) + 2;
    fill(pt, sizeof pt);

    /* the forger is right: a good trailer opens */
    for (size_t i = 0; i < 5; i++)
      pt[ptlen - 7 + i] = (uint8_t)(i + 1);
    pt[ptlen - 2] = 5;
    pt[ptlen - 1] = 17;
    size_t n = forge(g, pt, ptlen, pkt);
    memcpy(tmp, pkt, n);
    T_EQ(ipsec_esp_open(&in, tmp, n, 1, false, NULL, 0, &r), ESP_OK);
    T_EQ(r.len, ptlen - 7);
    T_EQ(r.next_header, 17);

    pt[ptlen - 4] = 9;                                  /* padding 1,2,3,9,5 */
    n = forge(g, pt, ptlen, pkt);
    T_EQ(ipsec_esp_open(&in, pkt, n, 1, false, NULL, 0, &r), ESP_E_PAD);
    pt[ptlen - 2] = (uint8_t)(ptlen - 1);               /* pad length beyond payload */
    n = forge(g, pt, ptlen, pkt);
    T_EQ(ipsec_esp_open(&in, pkt, n, 1, false, NULL, 0, &r), ESP_E_PADLEN);
    pt[ptlen - 2] = (uint8_t)(ptlen - 2);               /* exactly all padding: fine if 1,2,3.. */
    for (size_t i = 0; i < ptlen - 2; i++)
      pt[i] = (uint8_t)(i + 1);
    n = forge(g, pt, ptlen, pkt);
    T_EQ(ipsec_esp_open(&in, pkt, n, 1, false, NULL, 0, &r), ESP_OK);
    T_EQ(r.len, 0);

    /* lengths, checked before any crypto */
    T_EQ(ipsec_esp_open(&in, pkt, min - 1, 1, false, NULL, 0, &r), ESP_E_TRUNCATED);
    T_EQ(ipsec_esp_open(&in, pkt, 0, 1, false, NULL, 0, &r), ESP_E_TRUNCATED);
    T_EQ(ipsec_esp_open(&in, pkt, n - 1, 1, false, NULL, 0, &r), ESP_E_BLOCK);
    T_EQ(ipsec_esp_open(&in, pkt, n - 2, 1, false, NULL, 0, &r), ESP_E_BLOCK);
    T_EQ(ipsec_esp_open(&in, pkt, n - align, 1, false, NULL, 0, &r), ESP_E_ICV);
    vec_end(saved, g->name);
    ipsec_xform_free(&o);
    ipsec_xform_free(&in);
  }
}

TEST(dummy_packet_reported)
{
  uint8_t pkt[256];
  struct ipsec_xform o, in;
  struct esp_opened r;
  if (pair_init(&algs[6], &o, &in) != 0) {
    T_CHECK(0);
    return;
  }
  size_t n = seal_one(&o, 3, false, ESP_NXT_DUMMY, NULL, 0, 40, pkt, sizeof pkt);
  T_EQ(ipsec_esp_open(&in, pkt, n, 3, false, NULL, 0, &r), ESP_DUMMY);
  T_EQ(r.next_header, ESP_NXT_DUMMY);
  T_EQ(r.len, 40);
  T_STREQ(esp_status_str(ESP_DUMMY), "dummy packet");
  ipsec_xform_free(&o);
  ipsec_xform_free(&in);
}

TEST(ah_xform_is_not_esp)
{
  uint8_t k[32] = { 1 }, buf[128] = { 0 }, icv[16];
  struct ipsec_xform ah, gcm;
  struct esp_seal_args a = { .spi = 1, .seq = 1 };
  struct esp_opened r;
  size_t n;
  if (xinit(&ah, IPSEC_EALG_NONE, NULL, 0, IPSEC_AALG_HMAC_SHA256_128, k, 32) != 0
      || xinit(&gcm, IPSEC_EALG_AES_GCM16, k, 20, IPSEC_AALG_NONE, NULL, 0) != 0) {
    T_CHECK(0);
    return;
  }
  T_EQ(ipsec_esp_seal(&ah, &a, buf, 10, buf + 64, 64, &n), ESP_E_ALG);
  T_EQ(ipsec_esp_open(&ah, buf, 64, 1, false, NULL, 0, &r), ESP_E_ALG);
  struct iovec v = { buf, 20 };
  T_EQ(ipsec_xform_ah_icv(&gcm, &v, 1, 1, false, icv), -1);   /* no HMAC in a GCM xform */
  ipsec_xform_free(&ah);
  ipsec_xform_free(&gcm);
}

/* AH ICV against HMAC() one-shot, for many lengths, splits and ESN. */
TEST(ah_icv_matches_openssl_hmac)
{
  static uint8_t buf[1600];
  for (int a = IPSEC_AALG_HMAC_SHA1_96; a <= IPSEC_AALG_HMAC_SHA256_128; a++) {
    size_t klen = a == IPSEC_AALG_HMAC_SHA1_96 ? 20 : 32;
    struct ipsec_xform x;
    int bad = 0;
    fill(akey, klen);
    if (xinit(&x, IPSEC_EALG_NONE, NULL, 0, (enum ipsec_aalg)a, akey, klen) != 0) {
      T_CHECK(0);
      continue;
    }
    for (size_t len = 0; len < sizeof buf - 4; len += 1 + len / 8) {
      uint8_t got[16], want[16];
      uint64_t seq = ((uint64_t)len << 32) | 77u;
      bool esn = len & 1;
      fill(buf, len);
      struct iovec v[3] = { { buf, len / 2 }, { buf + len / 2, 0 }, { buf + len / 2, len - len / 2 } };
      ref_icv((enum ipsec_aalg)a, akey, buf, len, seq, esn, want);
      bad += ipsec_xform_ah_icv(&x, v, 3, seq, esn, got) != 0
             || memcmp(got, want, ipsec_xform_icvlen(&x)) != 0
             || ipsec_xform_ah_verify(&x, v, 3, seq, esn, want) != 0
             || ipsec_xform_ah_verify(&x, v, 3, seq ^ (1ULL << 40), true, want) == 0;
    }
    T_EQ(bad, 0);
    ipsec_xform_free(&x);
  }
}

/* ---- allocations per packet ---- */

/* Allocations per packet for seal + open after a warm-up packet. */
static double allocs_per_packet(const struct alg *g)
{
  static uint8_t p[1400], pkt[1600];
  struct ipsec_xform o, in;
  struct esp_opened r;
  if (pair_init(g, &o, &in) != 0)
    return -1;
  fill(p, sizeof p);
  size_t n = seal_one(&o, 1, true, 4, p, sizeof p, 0, pkt, sizeof pkt);
  ipsec_esp_open(&in, pkt, n, 1, true, NULL, 0, &r);
  long before = n_allocs;
  for (uint64_t s = 2; s < 102; s++) {
    n = seal_one(&o, s, true, 4, p, 64 + s, 0, pkt, sizeof pkt);
    T_EQ(ipsec_esp_open(&in, pkt, n, s, true, NULL, 0, &r), ESP_OK);
  }
  double per = (double)(n_allocs - before) / 100.0;
  ipsec_xform_free(&o);
  ipsec_xform_free(&in);
  return per;
}

/* AEADs: none.  HMAC: OpenSSL 3.0 allocates a digest context on every
 * EVP_MD_CTX_copy_ex (two per ICV, so four per seal + open); asserted as
 * an upper bound so a newer OpenSSL that allocates less still passes. */
TEST(no_malloc_per_packet)
{
  for (size_t g = 0; g < NALGS; g++) {
    double per = allocs_per_packet(&algs[g]);
    bool hmac = algs[g].a != IPSEC_AALG_NONE;
    printf("# %-18s %.2f OpenSSL allocations per packet (seal + open)%s\n", algs[g].name, per,
           hmac ? ": HMAC, OpenSSL 3.0 digest contexts" : "");
    T_CHECK(per >= 0);
    T_CHECK(hmac ? per <= 4.0 : per == 0.0);
  }
}

/* What the alternatives cost, so the choice above stays checked. */
TEST(hmac_alternatives_allocate_in_openssl_3)
{
  static const uint8_t key[32] = { 7 }, data[256];
  uint8_t out[64];
  size_t outl;
  unsigned int ul;
  EVP_MD *md = EVP_MD_fetch(NULL, "SHA256", NULL);
  EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
  EVP_MAC_CTX *mc = EVP_MAC_CTX_new(mac);
  EVP_MD_CTX *a = EVP_MD_CTX_new(), *w = EVP_MD_CTX_new();
  OSSL_PARAM prm[] = { OSSL_PARAM_construct_utf8_string("digest", (char *)"SHA256", 0), OSSL_PARAM_construct_end() };
  T_CHECK(md && mac && mc && a && w);
  T_CHECK(EVP_MAC_init(mc, key, sizeof key, prm) && EVP_DigestInit_ex(a, md, NULL));
  long n0 = n_allocs;
  for (int i = 0; i < 10; i++)
    T_CHECK(EVP_MAC_init(mc, NULL, 0, NULL) && EVP_MAC_update(mc, data, sizeof data)
            && EVP_MAC_final(mc, out, &outl, sizeof out));
  long n1 = n_allocs;
  for (int i = 0; i < 10; i++)
    T_CHECK(EVP_MD_CTX_copy_ex(w, a) && EVP_DigestUpdate(w, data, sizeof data) && EVP_DigestFinal_ex(w, out, &ul));
  long n2 = n_allocs;
  for (int i = 0; i < 10; i++)
    T_CHECK(EVP_DigestInit_ex(w, md, NULL) && EVP_DigestUpdate(w, data, sizeof data) && EVP_DigestFinal_ex(w, out, &ul));
  long n3 = n_allocs;
  printf("# %s: EVP_MAC_init(ctx, NULL, 0, NULL) re-init: %.1f allocations per MAC\n", OpenSSL_version(OPENSSL_VERSION), (n1 - n0) / 10.0);
  printf("# EVP_MD_CTX_copy_ex into a preallocated context: %.1f per copy\n", (n2 - n1) / 10.0);
  printf("# EVP_DigestInit_ex on a used context, same EVP_MD: %.1f per init\n", (n3 - n2) / 10.0);
  EVP_MD_CTX_free(a);
  EVP_MD_CTX_free(w);
  EVP_MAC_CTX_free(mc);
  EVP_MAC_free(mac);
  EVP_MD_free(md);
}

int main(void)
{
  /* before any other OpenSSL call, or OpenSSL refuses */
  if (!CRYPTO_set_mem_functions(count_malloc, count_realloc, count_free)) {
    fprintf(stderr, "CRYPTO_set_mem_functions refused\n");
    return 1;
  }
  RUN(init_rules);
  RUN(sizes);
  RUN(kat_gcm_draft_mcgrew);
  RUN(kat_gmac_draft_mcgrew);
  RUN(kat_chacha_rfc7634);
  RUN(kat_cbc_rfc3602);
  RUN(kat_hmac_via_ah);
  RUN(flip_any_byte_fails_icv);
  RUN(esn_high_bits_in_icv);
  RUN(esn_kat_other_high_bits);
  RUN(roundtrip_every_alg_keysize_0_to_300);
  RUN(one_xform_both_directions);
  RUN(in_place_and_overlap);
  RUN(cbc_ivs_distinct);
  RUN(open_error_codes);
  RUN(dummy_packet_reported);
  RUN(ah_xform_is_not_esp);
  RUN(ah_icv_matches_openssl_hmac);
  RUN(no_malloc_per_packet);
  RUN(hmac_alternatives_allocate_in_openssl_3);
  return t_done();
}
