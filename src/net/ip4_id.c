/* IPv4 Identification: hashed per-destination counters.
 *
 * One global counter told anyone who got two packets from us how many we
 * sent to others in between (the idle scan) and let an off-path attacker
 * guess the ID of our next fragmented datagram to a third party (fragment
 * injection). Here, as RFC 7739 §5.3's hash-based algorithm (written for
 * IPv6, RFC 6864 §4 asks the same of IPv4) and Linux's ip_idents:
 *
 *   h      = SipHash_k(src, dst, protocol)       k: secret, per stack
 *   bucket = h mod IP4_ID_BUCKETS                counters start random
 *   ID     = counter[bucket] + (h >> 32)         per-flow offset in the bucket
 *   counter[bucket] += 1 + random below the milliseconds since its last use
 *
 * IDs toward one destination advance by one per packet, so they do not
 * repeat within the reassembly timeout unless 64 Ki datagrams were sent.
 * Another destination falls, unless it collides, in another bucket: what an
 * observer sees of its own IDs says nothing of those. Two flows sharing a
 * bucket still see each other's increments, so a bucket's idle time adds a
 * random step (up to one per elapsed millisecond, which keeps the ID
 * budget of a busy flow) to blur that count.
 *
 * Memory: IP4_ID_BUCKETS × 6 bytes (12 KiB) per stack, fixed. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>
#include <openssl/core_names.h>
#include <openssl/params.h>
#include "net/ip4_priv.h"
#include "core/log.h"

#define IP4_ID_BUCKETS 2048

struct ip4_ids {
    EVP_MAC_CTX *mac;                     /* SipHash-2-4, keyed once */
    uint16_t ctr[IP4_ID_BUCKETS];
    uint32_t last_ms[IP4_ID_BUCKETS];     /* the clock in ms (wraps: only differences count) */
};

static EVP_MAC_CTX *siphash_new(struct six_stack *st)
{
    uint8_t key[16];
    size_t out_len = 8;
    OSSL_PARAM params[] = { OSSL_PARAM_construct_size_t(OSSL_MAC_PARAM_SIZE, &out_len), OSSL_PARAM_END };
    EVP_MAC *alg = EVP_MAC_fetch(NULL, "SIPHASH", NULL);
    EVP_MAC_CTX *c = alg ? EVP_MAC_CTX_new(alg) : NULL;

    EVP_MAC_free(alg);   /* the context holds its own reference */
    six_random_bytes(st, key, sizeof key);
    if (c && EVP_MAC_init(c, key, sizeof key, params) != 1) {
        EVP_MAC_CTX_free(c);
        c = NULL;
    }
    memset(key, 0, sizeof key);
    return c;
}

int ip4_id_init(struct six_stack *st)
{
    struct ip4_ids *t = calloc(1, sizeof *t);

    if (!t || !(t->mac = siphash_new(st))) {
        LOGE("%s: SipHash from libcrypto unavailable (IPv4 IDs)", st->name);
        free(t);
        return -ENOMEM;
    }
    six_random_bytes(st, t->ctr, sizeof t->ctr);
    uint32_t now_ms = (uint32_t)(six_now(st) / 1000000u);
    for (unsigned i = 0; i < IP4_ID_BUCKETS; i++)
        t->last_ms[i] = now_ms;
    st->net4->ids = t;
    return 0;
}

void ip4_id_destroy(struct six_stack *st)
{
    struct ip4_ids *t = st->net4->ids;

    if (!t)
        return;
    EVP_MAC_CTX_free(t->mac);
    free(t);
    st->net4->ids = NULL;
}

static uint64_t flow_hash(struct ip4_ids *t, struct in_addr src, struct in_addr dst, uint8_t proto)
{
    uint8_t in[9], out[8];
    size_t n = 0;
    uint64_t h = 0;

    memcpy(in, &src, 4);
    memcpy(in + 4, &dst, 4);
    in[8] = proto;
    /* init with no key restarts with the key already set: no allocation per packet */
    if (EVP_MAC_init(t->mac, NULL, 0, NULL) == 1 && EVP_MAC_update(t->mac, in, sizeof in) == 1 &&
        EVP_MAC_final(t->mac, out, &n, sizeof out) == 1 && n == sizeof out)
        memcpy(&h, out, sizeof h);
    return h;   /* 0 only if libcrypto failed: IDs stay per-bucket counters */
}

uint16_t ip4_select_id(struct six_stack *st, struct in_addr src, struct in_addr dst, uint8_t proto)
{
    struct ip4_ids *t = st->net4->ids;
    uint64_t h = flow_hash(t, src, dst, proto);
    unsigned b = (unsigned)(h % IP4_ID_BUCKETS);
    uint32_t now_ms = (uint32_t)(six_now(st) / 1000000u), idle = now_ms - t->last_ms[b];
    uint16_t step = 1;

    if (idle) {
        t->last_ms[b] = now_ms;
        step = (uint16_t)(1 + six_random_secure_below(st, idle < 0xffff ? idle : 0xffff));
    }
    t->ctr[b] = (uint16_t)(t->ctr[b] + step);
    return (uint16_t)(t->ctr[b] + (uint16_t)(h >> 32));
}
