/* Randomness: two generators per stack, chosen by name at every call site.
 *
 * six_random_secure*() — every value an attacker must not guess: IPv6
 * fragment IDs, the IPv4 ID table and its key, DNS query IDs, ephemeral
 * ports, ping identifiers, SPIs, the TCP ISN and SYN-cookie secrets, hash
 * salts. A ChaCha20 keystream (OpenSSL EVP_chacha20) keyed from
 * getrandom(2), or, when the stack is created with a seed (the simulator,
 * the demo, fuzzing), from that seed so that a run can be replayed.
 * Keystream is made RNG_BUF bytes at a time into a buffer, so a draw is a
 * copy (a few ns: fragment IDs are drawn per packet), not a cipher call.
 * Each refill's first 32 bytes become the next key ("fast key erasure", as
 * OpenBSD's arc4random does) and bytes handed out are wiped, so memory read
 * later does not give values drawn earlier.
 *
 * six_random_jitter*() — xorshift128+, only where a guess gains nothing:
 * timer jitter and delays (MLD reports, ND reachable time and RS/RA delays,
 * DAD delay). Its low bit is linear in its state: a few hundred outputs
 * give the state away, which is why nothing secret may come from it. Its
 * state is drawn from the secure generator, so it tells nothing about it. */
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include "net/stack.h"
#include "core/log.h"

#define KEY_LEN 32

/* A fresh key: from the seed (reproducible) or from the kernel. */
static int initial_key(uint64_t seed, uint8_t key[KEY_LEN])
{
    if (seed) {
        static const char label[] = "sixstack rng seed";
        unsigned len = 0;
        EVP_MD_CTX *c = EVP_MD_CTX_new();
        int ok = c && EVP_DigestInit_ex(c, EVP_sha256(), NULL) && EVP_DigestUpdate(c, label, sizeof label) &&
                 EVP_DigestUpdate(c, &seed, sizeof seed) && EVP_DigestFinal_ex(c, key, &len) && len == KEY_LEN;
        EVP_MD_CTX_free(c);
        return ok ? 0 : -1;
    }
    if (getrandom(key, KEY_LEN, 0) == KEY_LEN)
        return 0;
    return RAND_bytes(key, KEY_LEN) == 1 ? 0 : -1;
}

/* Next RNG_BUF bytes of keystream; the first KEY_LEN rekey the cipher. */
static int refill(struct six_rng *r)
{
    static const uint8_t iv[16];
    int n = 0;

    memset(r->buf, 0, sizeof r->buf);
    if (EVP_EncryptUpdate(r->ctx, r->buf, &n, r->buf, (int)sizeof r->buf) != 1 || n != (int)sizeof r->buf ||
        EVP_EncryptInit_ex(r->ctx, NULL, NULL, r->buf, iv) != 1)
        return -1;
    memset(r->buf, 0, KEY_LEN);
    r->pos = KEY_LEN;
    return 0;
}

int six_random_init(struct six_stack *st, uint64_t seed)
{
    static const uint8_t iv[16];
    struct six_rng *r = &st->rng;
    uint8_t key[KEY_LEN];

    if (initial_key(seed, key)) {
        LOGE("%s: no random key (getrandom and RAND_bytes failed)", st->name);
        return -1;
    }
    r->ctx = EVP_CIPHER_CTX_new();
    int ok = r->ctx && EVP_EncryptInit_ex(r->ctx, EVP_chacha20(), NULL, key, iv) == 1 && refill(r) == 0;
    memset(key, 0, sizeof key);
    if (!ok) {
        LOGE("%s: ChaCha20 from libcrypto unavailable", st->name);
        return -1;
    }
    six_random_bytes(st, st->secret, sizeof st->secret);   /* RFC 7217 stable IIDs */
    six_random_bytes(st, r->jitter, sizeof r->jitter);
    r->jitter[0] |= 1;   /* xorshift's state must not be zero */
    return 0;
}

void six_random_destroy(struct six_stack *st)
{
    EVP_CIPHER_CTX_free(st->rng.ctx);
    st->rng.ctx = NULL;
    memset(st->rng.buf, 0, sizeof st->rng.buf);
}

/* The stack cannot work on without unpredictable values, and a failing
 * ChaCha20 over a buffer in memory means libcrypto itself is broken. */
static void refill_or_die(struct six_stack *st)
{
    if (refill(&st->rng) == 0)
        return;
    LOGE("%s: ChaCha20 keystream failed", st->name);
    abort();
}

void six_random_bytes(struct six_stack *st, void *out, size_t n)
{
    struct six_rng *r = &st->rng;
    uint8_t *o = out;

    while (n) {
        if (r->pos == sizeof r->buf)
            refill_or_die(st);
        size_t c = sizeof r->buf - r->pos < n ? sizeof r->buf - r->pos : n;
        memcpy(o, r->buf + r->pos, c);
        memset(r->buf + r->pos, 0, c);
        r->pos += (unsigned)c;
        o += c;
        n -= c;
    }
}

uint32_t six_random_secure(struct six_stack *st)
{
    struct six_rng *r = &st->rng;
    uint32_t v;

    if (r->pos > sizeof r->buf - sizeof v) {
        six_random_bytes(st, &v, sizeof v);
        return v;
    }
    memcpy(&v, r->buf + r->pos, sizeof v);
    memset(r->buf + r->pos, 0, sizeof v);
    r->pos += sizeof v;
    return v;
}

/* Uniform in [0, n) without modulo bias (Lemire's multiply-and-reject). */
uint32_t six_random_secure_below(struct six_stack *st, uint32_t n)
{
    if (!n)
        return 0;
    uint64_t m = (uint64_t)six_random_secure(st) * n;
    if ((uint32_t)m < n) {
        uint32_t floor = (uint32_t)-n % n;
        while ((uint32_t)m < floor)
            m = (uint64_t)six_random_secure(st) * n;
    }
    return (uint32_t)(m >> 32);
}

uint64_t six_random_jitter(struct six_stack *st)
{
    uint64_t *s = st->rng.jitter;
    uint64_t s1 = s[0];
    const uint64_t s0 = s[1];

    s[0] = s0;
    s1 ^= s1 << 23;
    s[1] = s1 ^ s0 ^ (s1 >> 17) ^ (s0 >> 26);
    return s[1] + s0;
}

uint32_t six_random_jitter_below(struct six_stack *st, uint32_t n)
{
    return n ? (uint32_t)(((six_random_jitter(st) >> 32) * (uint64_t)n) >> 32) : 0;
}
