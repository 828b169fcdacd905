/* Inside src/ipsec: the per-stack state. */
#ifndef SIX_IPSEC_IPSEC_PRIV_H
#define SIX_IPSEC_IPSEC_PRIV_H
#include "ipsec/ipsec.h"
#include "core/timer.h"
#include "core/counters.h"

struct ipsec_state {
    struct ipsec_sa *in_hash[IPSEC_SA_HASH], *out_hash[IPSEC_SA_HASH];
    struct ipsec_sa *sa_head, *sa_tail;
    unsigned n_sa;
    uint32_t next_sa_id, next_sp_id;
    uint64_t next_sp_order;
    struct ipsec_sp *spd[4];          /* by direction (IPSEC_DIR_IN/OUT/FWD), priority order */
    unsigned n_sp;
    struct timer tick;                /* lifetimes in seconds */
    ipsec_event_fn event_fn;
    void *event_ctx;
    /* a transaction (setkey files, PF_KEY batches): what it removed is kept
     * whole, not freed, so that an abort puts it back with its sequence
     * counters and replay windows; what it added is listed to be undone */
    bool in_txn;
    struct ipsec_sa *sa_grave;            /* chained through next */
    struct ipsec_sa **sa_added;
    unsigned n_sa_added, cap_sa_added;
    struct ipsec_sp *sp_grave;            /* chained through next */
    struct ipsec_sp **sp_added;
    unsigned n_sp_added, cap_sp_added;
};

/* Transactions (sad.c / spd.c): begin, then commit or abort. */
void ipsec_txn_begin(struct six_stack *st);
void ipsec_txn_commit(struct six_stack *st);
void ipsec_txn_abort(struct six_stack *st);
void ipsec_sp_txn_end(struct six_stack *st, bool commit);

struct pkt;
/* Where the upper layer starts: after the IPv6 header and its Hop-by-Hop,
 * Destination Options and Routing headers (a bounded walk; a Fragment
 * header ends it with proto 44), or after the IPv4 header. */
bool ipsec_locate_upper(const struct pkt *p, bool v4, size_t *off, size_t *nxt_field, uint8_t *proto);

#endif
