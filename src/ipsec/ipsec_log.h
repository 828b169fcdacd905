/* What IPsec tells the operator: SA changes at info level ("SA esp
 * 0x00001001 192.0.2.1>192.0.2.2: added"), replay/ICV/policy drops as
 * rate-limited warnings naming the SA and the peer (net/oplog.h). */
#ifndef SIX_IPSEC_IPSEC_LOG_H
#define SIX_IPSEC_IPSEC_LOG_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "ipsec/ipsec.h"
#include "net/oplog.h"

struct six_stack;
struct pkt;

/* IPv4-mapped addresses print as IPv4. */
const char *ipsec_addr_str(const struct in6_addr *a, char *buf, size_t n);
/* "SA esp 0x00001001 192.0.2.1>192.0.2.2" */
void ipsec_sa_label(const struct ipsec_sa *sa, char *buf, size_t n);
void ipsec_log_sa(struct six_stack *st, int level, const struct ipsec_sa *sa, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* A replayed (kind SIX_WARN_REPLAY) or forged (SIX_WARN_ICV) packet p
 * (outer header at the front; sport: its NAT-T UDP source port, 0 if none)
 * dropped on sa. Costs nothing beyond the rate limit when suppressed. */
void ipsec_warn_drop(struct six_stack *st, enum six_warn_kind kind, const struct ipsec_sa *sa, const struct pkt *p,
                     bool v4, uint16_t sport, uint64_t seq);
/* Plaintext (or the wrong SA) where the policy requires IPsec. */
void ipsec_warn_policy(struct six_stack *st, const struct ipsec_sel *k);

#endif
