/* Larval SAs for PF_KEY GETSPI, built on the SAD's own add so that they
 * share its hashing, its caps (a full SAD evicts larval SAs first) and its
 * transactions: the reservation is added as an ordinary SA with a
 * throw-away NULL + HMAC-SHA1 transform, then its transform is freed and it
 * is marked larval in the same call, before any packet could see it.
 * ipsec_sa_out() and esp_input() skip larval SAs, and the UPDATE that
 * matures it builds a fresh SA (ipsec_sa_add with update). */
#include <errno.h>
#include <string.h>
#include "ipsec/ipsec_priv.h"
#include "ipsec/sad_larval.h"
#include "net/stack.h"

#define RANDOM_TRIES 8u

static bool spi_free(struct six_stack *st, uint8_t proto, const struct in6_addr *dst, uint32_t spi)
{
    return ipsec_sa_find(st, proto, dst, spi) == NULL;
}

/* A free SPI in [lo, hi], or 0.  Random picks first (an SPI should not be
 * guessable from the previous one); then a walk from a random start, which
 * needs at most IPSEC_MAX_SA + 1 steps to pass every SA there can be. */
static uint32_t pick_spi(struct six_stack *st, uint8_t proto, const struct in6_addr *dst, uint32_t lo,
                         uint32_t hi)
{
    uint32_t range = hi - lo + 1u;   /* lo >= 256: no wrap to 0 */
    for (unsigned i = 0; i < RANDOM_TRIES; i++) {
        uint32_t spi = lo + six_random_secure_below(st, range);
        if (spi_free(st, proto, dst, spi))
            return spi;
    }
    uint32_t start = six_random_secure_below(st, range);
    uint32_t steps = range < IPSEC_MAX_SA + 1u ? range : IPSEC_MAX_SA + 1u;
    for (uint32_t i = 0; i < steps; i++) {
        uint32_t spi = lo + (uint32_t)(((uint64_t)start + i) % range);
        if (spi_free(st, proto, dst, spi))
            return spi;
    }
    return 0;
}

static void make_larval(struct ipsec_sa *sa)
{
    ipsec_xform_free(&sa->x);
    sa->x.ealg = IPSEC_EALG_NONE;
    sa->x.aalg = IPSEC_AALG_NONE;
    memset(sa->akey, 0, sizeof sa->akey);
    sa->akeylen = 0;
    sa->state = IPSEC_SA_LARVAL;
    sa->persist = NULL;           /* the placeholder keys' record carries nothing */
    sa->seq_mark = UINT64_MAX;
}

int ipsec_sa_add_larval(struct six_stack *st, uint8_t proto, uint8_t mode, const struct in6_addr *src,
                        const struct in6_addr *dst, uint32_t reqid, uint32_t spi_min, uint32_t spi_max,
                        uint32_t *spi, const char **err)
{
    static const uint8_t zero_key[20];
    *err = "";
    if (spi_min < 256)
        spi_min = 256;   /* 0..255 are reserved (RFC 4303 §2.1) */
    if (spi_min > spi_max) {
        *err = "empty SPI range (SPIs 0 to 255 are reserved)";
        return -EINVAL;
    }
    uint32_t pick = pick_spi(st, proto, dst, spi_min, spi_max);
    if (!pick) {
        *err = "every SPI of the range is in use";
        return -EEXIST;
    }
    struct ipsec_sa_params p = {
        .spi = pick, .proto = proto, .mode = mode, .src = *src, .dst = *dst, .reqid = reqid,
        .ealg = IPSEC_EALG_NULL, .aalg = IPSEC_AALG_HMAC_SHA1_96, .akey = zero_key, .akeylen = sizeof zero_key,
    };
    int rc = ipsec_sa_add(st, &p, false, err);
    if (rc)
        return rc;
    struct ipsec_sa *sa = ipsec_sa_find(st, proto, dst, pick);
    if (!sa) {   /* cannot happen: it was just added */
        *err = "larval SA vanished";
        return -EIO;
    }
    make_larval(sa);
    *spi = pick;
    return 0;
}

unsigned ipsec_sa_larval_sweep(struct six_stack *st, uint64_t max_age_s)
{
    struct ipsec_state *is = st->ipsec;
    unsigned left = 0;
    if (!is)
        return 0;
    uint64_t now = six_now(st);
    for (struct ipsec_sa *sa = is->sa_head, *nx; sa; sa = nx) {
        nx = sa->next;
        if (sa->state != IPSEC_SA_LARVAL)
            continue;
        if ((now - sa->add_ns) / 1000000000ull >= max_age_s)
            ipsec_sa_delete(st, sa->proto, NULL, &sa->dst, sa->spi);
        else
            left++;
    }
    return left;
}
