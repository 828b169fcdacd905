/* TSIG signing and verification (dnsu_tsig.h). */
#include <string.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include "dns/dnsu_tsig.h"

static const struct {
    enum dnsu_alg alg;
    const char *text, *digest;
    const uint8_t *wire;
    const size_t *wire_len;
    size_t mac_len;
} algs[] = {
    { DNSU_HMAC_SHA256, "hmac-sha256", "SHA256", DNS_ALG_HMAC_SHA256, &DNS_ALG_HMAC_SHA256_LEN, 32 },
    { DNSU_HMAC_SHA512, "hmac-sha512", "SHA512", DNS_ALG_HMAC_SHA512, &DNS_ALG_HMAC_SHA512_LEN, 64 },
    { DNSU_HMAC_SHA1, "hmac-sha1", "SHA1", DNS_ALG_HMAC_SHA1, &DNS_ALG_HMAC_SHA1_LEN, 20 },
};
#define N_ALGS (sizeof algs / sizeof algs[0])

static int alg_index(enum dnsu_alg alg)
{
    for (size_t i = 0; i < N_ALGS; i++)
        if (algs[i].alg == alg)
            return (int)i;
    return -1;
}

const uint8_t *dnsu_alg_wire(enum dnsu_alg alg, size_t *len)
{
    int i = alg_index(alg);
    if (i < 0)
        return NULL;
    *len = *algs[i].wire_len;
    return algs[i].wire;
}

size_t dnsu_alg_mac_len(enum dnsu_alg alg)
{
    int i = alg_index(alg);
    return i < 0 ? 0 : algs[i].mac_len;
}

const char *dnsu_alg_text(enum dnsu_alg alg)
{
    int i = alg_index(alg);
    return i < 0 ? NULL : algs[i].text;
}

enum dnsu_alg dnsu_alg_from_text(const char *s)
{
    for (size_t i = 0; i < N_ALGS; i++)
        if (strcmp(s, algs[i].text) == 0)
            return algs[i].alg;
    return 0;
}

bool dnsu_hmac(const struct dnsu_key *k, const uint8_t *data, size_t n, uint8_t out[DNSU_MAC_MAX], size_t *outl)
{
    int i = alg_index(k->alg);
    if (i < 0)
        return false;
    EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    EVP_MAC_CTX *ctx = mac ? EVP_MAC_CTX_new(mac) : NULL;
    OSSL_PARAM params[] = { OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)algs[i].digest, 0),
                            OSSL_PARAM_construct_end() };
    *outl = 0;
    bool ok = ctx && EVP_MAC_init(ctx, k->secret, k->secret_len, params) && EVP_MAC_update(ctx, data, n) &&
              EVP_MAC_final(ctx, out, outl, DNSU_MAC_MAX) && *outl == algs[i].mac_len;
    EVP_MAC_CTX_free(ctx);
    EVP_MAC_free(mac);
    return ok;
}

size_t dnsu_tsig_sign(const struct dnsu_key *k, uint8_t *msg, size_t len, size_t cap, uint64_t now,
                      uint8_t mac[DNSU_MAC_MAX], size_t *mac_len, uint8_t *scratch, size_t scratch_cap)
{
    struct dns_tsig t;
    memset(&t, 0, sizeof t);
    size_t alen;
    const uint8_t *aw = dnsu_alg_wire(k->alg, &alen);
    if (!aw || len < DNS_HDR_LEN || k->name_len > DNS_MAX_NAME)
        return 0;
    memcpy(t.key_name, k->name, k->name_len);
    t.key_name_len = k->name_len;
    memcpy(t.alg_name, aw, alen);
    t.alg_name_len = alen;
    t.time_signed = now & 0xffffffffffffull;
    t.fudge = DNSU_FUDGE;
    t.orig_id = (uint16_t)(msg[0] << 8 | msg[1]);
    t.rr_off = len;                                  /* no TSIG in it yet */
    size_t n = dns_tsig_digest_input(scratch, scratch_cap, msg, len, &t, NULL, 0);
    if (n == 0 || !dnsu_hmac(k, scratch, n, mac, mac_len))
        return 0;
    t.mac = mac;
    t.mac_len = (uint16_t)*mac_len;
    return dns_tsig_append(msg, len, cap, &t);
}

enum dnsu_tsig_result dnsu_tsig_verify(const struct dnsu_key *k, const uint8_t *msg, size_t len,
                                       const uint8_t *req_mac, size_t req_mac_len, uint64_t now,
                                       uint16_t *tsig_error, uint8_t *scratch, size_t scratch_cap)
{
    struct dns_tsig t;
    bool found;
    *tsig_error = 0;
    if (dns_tsig_find(msg, len, &t, &found) != DNS_OK)
        return DNSU_TSIG_MALFORMED;
    if (!found)
        return DNSU_TSIG_MISSING;
    *tsig_error = t.error;
    size_t alen;
    const uint8_t *aw = dnsu_alg_wire(k->alg, &alen);
    if (!aw || !dns_name_equal(t.key_name, t.key_name_len, k->name, k->name_len) ||
        !dns_name_equal(t.alg_name, t.alg_name_len, aw, alen))
        return DNSU_TSIG_BADKEY;
    /* BADSIG/BADKEY answers carry no MAC (§5.3.2): nothing to verify, so
     * nothing to act on either (the caller only remembers it) */
    if (t.mac_len == 0 && t.error != 0)
        return DNSU_TSIG_ERROR_UNSIGNED;
    size_t want = dnsu_alg_mac_len(k->alg), n = dns_tsig_digest_input(scratch, scratch_cap, msg, len, &t,
                                                                      req_mac, req_mac_len);
    uint8_t mac[DNSU_MAC_MAX];
    size_t macl;
    if (n == 0 || t.mac_len != want || !dnsu_hmac(k, scratch, n, mac, &macl) ||
        CRYPTO_memcmp(mac, t.mac, want) != 0)
        return DNSU_TSIG_BADSIG;
    if (t.error != 0)
        return DNSU_TSIG_ERROR;
    uint64_t lo = now > t.fudge ? now - t.fudge : 0;
    if (t.time_signed < lo || t.time_signed > now + t.fudge)
        return DNSU_TSIG_BADTIME;
    return DNSU_TSIG_OK;
}
