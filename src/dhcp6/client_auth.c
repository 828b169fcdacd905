/* Reconfigure Key Authentication (RFC 9915 §20.4) on the client side.
 *
 * The server gives the key in its Reply to a client that sent
 * RECONF_ACCEPT: AUTH protocol 3, algorithm 1 (HMAC-MD5), RDM 0, info type
 * 1 + 16 octets. A Reconfigure then carries AUTH protocol 3 / 1 / 0, type 2
 * + the HMAC-MD5 of the whole message with those 16 octets zeroed, under
 * that key. It is acted on only if it comes from the server we are bound to,
 * the HMAC matches (CRYPTO_memcmp) and its replay counter is STRICTLY above
 * every one seen from that server so far: equal is a replay (dhcpcd takes
 * an equal counter, see /work/shared/PEERS.md). Each refusal has its
 * counter (dhcp6c.drop_reconf_*) and a rate-limited warning. */
#include <string.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include "dhcp6/client.h"
#include "net/stack.h"

bool d6c_hmac_md5(const uint8_t key[16], const uint8_t *msg, size_t len, size_t hmac_off, uint8_t out[16])
{
    static const uint8_t zero[16];
    if (hmac_off + 16 > len)
        return false;
    EVP_MAC *alg = EVP_MAC_fetch(NULL, "HMAC", NULL);
    EVP_MAC_CTX *ctx = alg ? EVP_MAC_CTX_new(alg) : NULL;
    OSSL_PARAM params[] = { OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"MD5", 0),
                            OSSL_PARAM_construct_end() };
    size_t outl = 0;
    bool ok = ctx && EVP_MAC_init(ctx, key, 16, params) && EVP_MAC_update(ctx, msg, hmac_off) &&
              EVP_MAC_update(ctx, zero, 16) && EVP_MAC_update(ctx, msg + hmac_off + 16, len - hmac_off - 16) &&
              EVP_MAC_final(ctx, out, &outl, 16) && outl == 16;
    EVP_MAC_CTX_free(ctx);
    EVP_MAC_free(alg);
    return ok;
}

static bool is_rkap(const struct dhcp6_auth *a, uint8_t info_type)
{
    return a->present && a->protocol == DHCP6_AUTH_PROTO_RKAP && a->algorithm == DHCP6_AUTH_ALG_HMAC_MD5 &&
           a->rdm == DHCP6_AUTH_RDM_MONOTONIC && a->info.p && a->info.len == DHCP6_RKAP_INFO_LEN &&
           a->info.p[0] == info_type;
}

bool d6c_auth_take_key(struct d6c_if *c, const struct dhcp6_msg *m)
{
    if (!is_rkap(&m->auth, DHCP6_RKAP_KEY)) {
        CTR_INC(c->cli->st, dhcp6c, drop_bad_auth);
        return false;
    }
    memcpy(c->rkey, m->auth.info.p + 1, 16);
    c->have_rkey = true;
    /* the Reply's counter counts too: a Reconfigure must come after it */
    if (!c->have_replay || m->auth.replay > c->last_replay)
        c->last_replay = m->auth.replay;
    c->have_replay = true;
    return true;
}

static bool refuse(struct d6c_if *c, enum six_ctr ctr, const char *why)
{
    struct six_stack *st = c->cli->st;
    st->ctr.v[ctr]++;
    SIX_WARN(st, SIX_WARN_DHCP6, "%s: DHCPv6 Reconfigure refused: %s", c->ifname, why);
    return false;
}

bool d6c_auth_check_reconf(struct d6c_if *c, const struct dhcp6_msg *m, const uint8_t *buf, size_t len)
{
    if (!c->srv_duid_len || !m->serverid.p || m->serverid.len != c->srv_duid_len ||
        memcmp(m->serverid.p, c->srv_duid, c->srv_duid_len))
        return refuse(c, CTR_dhcp6c_drop_reconf_unknown_server, "not from the server we are bound to");
    if (!is_rkap(&m->auth, DHCP6_RKAP_HMAC))
        return refuse(c, CTR_dhcp6c_drop_reconf_bad_auth, "no reconfigure-key AUTH (protocol 3, HMAC-MD5, RDM 0)");
    if (!c->have_rkey)
        return refuse(c, CTR_dhcp6c_drop_reconf_no_key, "no reconfigure key from the server");
    uint8_t mac[16];
    size_t off = m->auth.info_off + 1;   /* after the type octet */
    if (!d6c_hmac_md5(c->rkey, buf, len, off, mac) || CRYPTO_memcmp(mac, buf + off, 16) != 0)
        return refuse(c, CTR_dhcp6c_drop_reconf_bad_hmac, "bad HMAC");
    if (c->have_replay && m->auth.replay <= c->last_replay)
        return refuse(c, CTR_dhcp6c_drop_reconf_replay, "replay counter not above the last one");
    c->last_replay = m->auth.replay;
    c->have_replay = true;
    return true;
}
