/* The one table between PF_KEY algorithm numbers (FreeBSD's pfkeyv2.h)
 * and ours, with what REGISTER replies advertise and ACQUIRE proposes. */
#include "ipsec/pfkey_srv_priv.h"

struct alg_row {
    bool enc;                    /* sadb_sa_encrypt (else sadb_sa_auth) */
    uint8_t sadb;
    int ours;                    /* enum ipsec_ealg / enum ipsec_aalg */
    uint8_t ivlen;               /* for SUPPORTED */
    uint16_t minbits, maxbits;   /* key bits as PF_KEY carries them: AEAD salt included */
};

static const struct alg_row algs[] = {
    { true, SADB_EALG_NULL, IPSEC_EALG_NULL, 0, 0, 0 },
    { true, SADB_X_EALG_AESCBC, IPSEC_EALG_AES_CBC, 16, 128, 256 },
    { true, SADB_X_EALG_AESGCM16, IPSEC_EALG_AES_GCM16, 8, 160, 288 },
    { true, SADB_X_EALG_AESGMAC, IPSEC_EALG_AES_GMAC, 8, 160, 288 },
    { true, SADB_X_EALG_CHACHA20POLY1305, IPSEC_EALG_CHACHA20_POLY1305, 8, 288, 288 },
    { false, SADB_AALG_SHA1HMAC, IPSEC_AALG_HMAC_SHA1_96, 0, 160, 160 },
    { false, SADB_X_AALG_SHA2_256, IPSEC_AALG_HMAC_SHA256_128, 0, 256, 256 },
};
#define N_ALGS (sizeof algs / sizeof algs[0])

/* What an ACQUIRE proposes, best first (RFC 8221's MUSTs and SHOULDs that
 * we implement; no NULL encryption, no integrity-only GMAC). */
static const struct { enum ipsec_ealg e; enum ipsec_aalg a; } offers[] = {
    { IPSEC_EALG_AES_GCM16, IPSEC_AALG_NONE },
    { IPSEC_EALG_CHACHA20_POLY1305, IPSEC_AALG_NONE },
    { IPSEC_EALG_AES_CBC, IPSEC_AALG_HMAC_SHA256_128 },
    { IPSEC_EALG_AES_CBC, IPSEC_AALG_HMAC_SHA1_96 },
};

static const struct alg_row *by_sadb(bool enc, uint8_t id)
{
    for (size_t i = 0; i < N_ALGS; i++)
        if (algs[i].enc == enc && algs[i].sadb == id)
            return &algs[i];
    return NULL;
}

static const struct alg_row *by_ours(bool enc, int ours)
{
    for (size_t i = 0; i < N_ALGS; i++)
        if (algs[i].enc == enc && algs[i].ours == ours)
            return &algs[i];
    return NULL;
}

bool pfkey_ealg_from_sadb(uint8_t id, enum ipsec_ealg *out)
{
    const struct alg_row *a = by_sadb(true, id);
    if (id == SADB_EALG_NONE) {
        *out = IPSEC_EALG_NONE;
        return true;
    }
    if (!a)
        return false;
    *out = (enum ipsec_ealg)a->ours;
    return true;
}

bool pfkey_aalg_from_sadb(uint8_t id, enum ipsec_aalg *out)
{
    const struct alg_row *a = by_sadb(false, id);
    if (id == SADB_AALG_NONE) {
        *out = IPSEC_AALG_NONE;
        return true;
    }
    if (!a)
        return false;
    *out = (enum ipsec_aalg)a->ours;
    return true;
}

uint8_t pfkey_ealg_to_sadb(enum ipsec_ealg e)
{
    const struct alg_row *a = by_ours(true, (int)e);
    return a ? a->sadb : SADB_EALG_NONE;
}

uint8_t pfkey_aalg_to_sadb(enum ipsec_aalg x)
{
    const struct alg_row *a = by_ours(false, (int)x);
    return a ? a->sadb : SADB_AALG_NONE;
}

/* FreeBSD's kernel names the integrity half of its AEAD SAs itself and
 * reports it in dumps; a key manager may hand such a dump back. */
bool pfkey_auth_implied(enum ipsec_ealg e, uint8_t auth, size_t ekeylen)
{
    if (auth == SADB_AALG_NONE)
        return true;
    if (e == IPSEC_EALG_CHACHA20_POLY1305)
        return auth == SADB_X_AALG_CHACHA20POLY1305;
    if (e == IPSEC_EALG_AES_GCM16 || e == IPSEC_EALG_AES_GMAC)
        return (ekeylen == 20 && auth == SADB_X_AALG_AES128GMAC) ||
               (ekeylen == 28 && auth == SADB_X_AALG_AES192GMAC) ||
               (ekeylen == 36 && auth == SADB_X_AALG_AES256GMAC);
    return false;
}

void pk_add_supported(struct pfkey_builder *b)
{
    struct pfkey_alg enc[N_ALGS], auth[N_ALGS];
    size_t ne = 0, na = 0;
    for (size_t i = 0; i < N_ALGS; i++) {
        struct pfkey_alg a = { .id = algs[i].sadb, .ivlen = algs[i].ivlen, .minbits = algs[i].minbits,
                               .maxbits = algs[i].maxbits };
        if (algs[i].enc)
            enc[ne++] = a;
        else
            auth[na++] = a;
    }
    pfkey_add_supported(b, SADB_EXT_SUPPORTED_AUTH, 0, auth, na);
    pfkey_add_supported(b, SADB_EXT_SUPPORTED_ENCRYPT, 0, enc, ne);
}

void pk_add_proposal(struct pfkey_builder *b)
{
    struct pfkey_comb c[sizeof offers / sizeof offers[0]];
    size_t n = 0;
    for (size_t i = 0; i < sizeof offers / sizeof offers[0]; i++) {
        const struct alg_row *e = by_ours(true, (int)offers[i].e);
        const struct alg_row *a = offers[i].a ? by_ours(false, (int)offers[i].a) : NULL;
        if (!e)
            continue;
        c[n] = (struct pfkey_comb){ .encrypt = e->sadb, .encrypt_minbits = e->minbits,
                                    .encrypt_maxbits = e->maxbits };
        if (a) {
            c[n].auth = a->sadb;
            c[n].auth_minbits = a->minbits;
            c[n].auth_maxbits = a->maxbits;
        }
        n++;
    }
    pfkey_add_prop(b, (uint8_t)(IPSEC_REPLAY_DEF / 8), NULL, c, n);
}
