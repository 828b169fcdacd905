/* The Leasequery requestor (RFC 5007) the border router and the DTI share
 * (dynamic TEP, draft-ietf-ngtrans-dstm §6.2.2.1): "who holds this IPv4
 * address (and port)?" asked of the AIIH server over UDP to port 547 from
 * an ephemeral port (RFC 5007 §4.1: a requestor is no client; it sends
 * unicast to the server).
 *
 * One UDP socket per stack, a table of outstanding queries (LQ_MAX_INFLIGHT,
 * then -EBUSY), RFC 5007 §5 retransmission (LQ_TIMEOUT 1 s doubling, LQ_MAX_RC
 * 5 tries), answers matched by transaction id AND source address AND the
 * query's address (anything else counted: lq.drop_unmatched), a reply's
 * client data checked before use (the IPv4 key is the one asked, the IPv6
 * address is global unicast, lifetimes sane: lq.drop_bad_reply). */
#ifndef SIX_DSTM_LQ_H
#define SIX_DSTM_LQ_H
#include <stdbool.h>
#include <stdint.h>
#include <netinet/in.h>
#include "dstm/dstm.h"

#define LQ_MAX_INFLIGHT 1024
#define LQ_TIMEOUT_MS   1000
#define LQ_MAX_RC       5

enum lq_result {
    LQ_FOUND = 0,        /* *b is the binding (expires = now + the remaining valid lifetime) */
    LQ_NOT_FOUND,        /* the server knows no holder (STATUS NotConfigured / no client data) */
    LQ_TIMEOUT,          /* no answer after LQ_MAX_RC tries */
    LQ_REFUSED,          /* the server refused (status other than Success/NotConfigured) */
};
typedef void (*lq_done_fn)(void *arg, enum lq_result r, const struct dstm_binding *b);

/* Ask server who holds v4 (ps: the port set for a shared address, as the
 * caller's configuration computes it from the port; NULL or psid_len 0 for
 * a whole address). The query is QUERY_BY_ADDRESS with an IAADDR holding
 * the lease key (dstm_lease_key); the answer's OPTION_CLIENT_DATA carries
 * an IAADDR with that same key and an IAADDR with the holder's IPv6
 * address, plus S46_BR as the TEP when there is one (aiih.h). done runs
 * exactly once, from the event loop. A second query for the same (server,
 * key) while one is running joins it. 0, -EBUSY, -errno. */
int  lq_query(struct six_stack *st, const struct in6_addr *server, struct in_addr v4,
              const struct dstm_portset *ps, lq_done_fn done, void *arg);
/* Forget every query of (done, arg) (their owner goes): done is not called. */
void lq_cancel_all(struct six_stack *st, lq_done_fn done, void *arg);
unsigned lq_inflight(struct six_stack *st);

#endif
