/* Larval SAs: PF_KEY GETSPI reserves an SPI before the key manager has keys
 * (RFC 2367 §3.1.1).  The SA sits in the SAD in state IPSEC_SA_LARVAL, is
 * never used for input or output, and becomes mature when an UPDATE
 * (ipsec_sa_add with update) replaces it.  A larval SA that nobody updates
 * is removed after a while without an EXPIRE (KAME's key_larval_lifetime). */
#ifndef SIX_IPSEC_SAD_LARVAL_H
#define SIX_IPSEC_SAD_LARVAL_H
#include <stdint.h>
#include <netinet/in.h>

struct six_stack;

#define IPSEC_LARVAL_LIFETIME_S 30u    /* KAME / FreeBSD default */

/* Reserve an unused SPI in [spi_min, spi_max] (clamped to >= 256) for an
 * SA of proto from src to dst (IPv4 mapped).  The SPI is drawn at random
 * from the range; a range that is nearly full is searched.  0 with *spi
 * set; -EINVAL (empty range, bad parameters: *err says), -EEXIST (every
 * SPI of the range is taken), -ENOBUFS (SAD full of mature SAs), -ENOMEM.
 * Inside a transaction the reservation is undone by an abort. */
int ipsec_sa_add_larval(struct six_stack *st, uint8_t proto, uint8_t mode, const struct in6_addr *src,
                        const struct in6_addr *dst, uint32_t reqid, uint32_t spi_min, uint32_t spi_max,
                        uint32_t *spi, const char **err);

/* Delete the larval SAs older than max_age_s seconds; returns how many
 * larval SAs remain. */
unsigned ipsec_sa_larval_sweep(struct six_stack *st, uint64_t max_age_s);

#endif
