/* The DSTM border router / lw4o6 AFTR (draft-ietf-ngtrans-dstm §4, §6.2.2;
 * RFC 7596 §6): the Tunnel End Point where hosts' 4in6 leaves the IPv6-only
 * domain for IPv4, and where IPv4 for a bound address comes back in.
 *
 * The BR is an interface (default name "dstm0", IFT_RAWIP, no ARP): IPv4
 * routed into it (the pools' routes, added by `dstm br`) is encapsulated to
 * the IPv6 address that holds the destination (and, for a shared address,
 * the destination port's PSID); 4in6 arriving for `local` is checked and
 * enters IPv4 on dstm0, to be forwarded.
 *
 * Binding table (br_table.c): open addressing keyed by (IPv4, PSID), up to
 * `max-bindings` (default BR_MAX_BINDINGS_DEFAULT, tested at 10^6) with a
 * lookup of one or two cache lines at that size. Entries come from the AIIH
 * (events when in the same sixd, else Leasequery, RFC 5007, when a binding
 * is unknown) or from configuration (`dstm br binding ...`); each expires
 * with its lease. Past the cap the oldest-expiring learned entry goes;
 * static ones are never evicted (a full table of them refuses the add).
 *
 * Decapsulation, in this order, each refusal counted (br.drop_*):
 *   inner not a valid IPv4 header, or its total length not what the outer
 *   payload carries (truncated / bad_inner); outer fragments are reassembled
 *   by ip6 first, fragments of the inner IPv4 pass (its first fragment is
 *   checked by port, later ones by address and IP ID follow the first:
 *   frag_no_first when none was seen);
 *   a shared address: the PSID comes from the source port (ICMP: the echo
 *   identifier, or the port an error's quoted packet was sent to); no port
 *   to read: no_port; a port in no port set (the low ports the offset
 *   excludes): spoof_port;
 *   no binding for (inner source, that PSID), or a source outside the
 *   pools: unknown_binding (a Leasequery is started, rate-limited; the
 *   packet is dropped);
 *   the binding's IPv6 address is not the outer source: spoof (WireGuard's
 *   cryptokey routing: the inner source must be one the peer may send) --
 *   for a shared address this is also a port in another host's set, since
 *   the lookup by that port's PSID finds the other host's binding.
 * Encapsulation: no binding for the destination → Leasequery (packets kept:
 * BR_PENDING_MAX per binding, BR_PENDING_TOTAL in all, then dropped) and on
 * failure ICMPv4 host unreachable (§6.2.2, rate-limited); packet bigger than
 * `mtu` - 40: DF clear → fragmented (IPv4) before encapsulation, DF set →
 * ICMPv4 fragmentation needed with next-hop MTU (RFC 2473 §7, RFC 7596 §8);
 * the outer hop limit is `hlim`, traffic class copied from the TOS. */
#ifndef SIX_DSTM_BR_H
#define SIX_DSTM_BR_H
#include <stdbool.h>
#include <stdint.h>
#include <net/if.h>
#include <netinet/in.h>
#include "dstm/dstm.h"

#define BR_MAX_BINDINGS_DEFAULT (1u << 20)
#define BR_MAX_POOLS     8
#define BR_PENDING_MAX   4        /* packets waiting for one Leasequery */
#define BR_PENDING_TOTAL 256
#define BR_LQ_RATE       200      /* Leasequeries started per second */
#define BR_MTU_DEFAULT   1500     /* IPv6 MTU inside the domain */

struct br_pool {                  /* IPv4 space the BR serves (a route into dstm0 each) */
    struct in_addr prefix;
    uint8_t plen;
    uint8_t psid_len, offset;     /* shared addresses: the PSID comes from the port */
};

/* `dstm br dev NAME local ADDR6 pool P/L [share K [offset A]] ... [aiih ADDR6] [mtu N] [max-bindings N]` */
struct br_config {
    char ifname[IFNAMSIZ];        /* "" : "dstm0" */
    struct in6_addr local;        /* the TEP address (one of the stack's) */
    struct br_pool pools[BR_MAX_POOLS];
    int n_pools;
    bool has_aiih;
    struct in6_addr aiih;         /* Leasequery to it; without: events (same sixd) and static bindings only */
    uint32_t mtu, hlim, max_bindings;
};

int  br_configure(struct six_stack *st, const struct br_config *cfg, char *why, size_t whyn);
int  br_disable(struct six_stack *st);
bool br_running(struct six_stack *st);

/* Static or learned bindings (expires 0: never). 0, -ENOSPC (full of static
 * ones), -EINVAL (outside the pools, bad port set). */
int  br_binding_add(struct six_stack *st, const struct dstm_binding *b, bool is_static);
int  br_binding_del(struct six_stack *st, struct in_addr v4, const struct dstm_portset *ps);
/* The binding serving (v4, port): port picks the PSID of a shared address. */
bool br_lookup(struct six_stack *st, struct in_addr v4, uint16_t port, struct dstm_binding *out);
typedef void (*br_binding_fn)(void *arg, const struct dstm_binding *b, bool is_static);
void br_foreach(struct six_stack *st, br_binding_fn fn, void *arg);

struct br_info {
    bool running;
    struct br_config cfg;
    uint64_t bindings, static_bindings, pending, lq_inflight;
};
void br_info(struct six_stack *st, struct br_info *out);

/* ---- the binding table alone (br_table.c), for the unit test and bench ---- */
struct br_table;
struct br_table *br_table_new(uint32_t max);
void br_table_free(struct br_table *t);
/* Insert or replace; false when full (after evicting what may go). */
bool br_table_put(struct br_table *t, const struct dstm_binding *b, bool is_static, int64_t now);
bool br_table_del(struct br_table *t, struct in_addr v4, uint16_t psid);
/* NULL when absent or expired at now. */
const struct dstm_binding *br_table_get(const struct br_table *t, struct in_addr v4, uint16_t psid, int64_t now);
/* Whether b (from br_table_get) was configured rather than learned. */
bool br_table_is_static(const struct br_table *t, const struct dstm_binding *b);
/* Look up n keys at once, prefetching (the data path's batch form). */
void br_table_get_batch(const struct br_table *t, const struct in_addr *v4, const uint16_t *psid, unsigned n,
                        int64_t now, const struct dstm_binding **out);
uint32_t br_table_count(const struct br_table *t);
uint32_t br_table_static_count(const struct br_table *t);
/* Remove every entry expired at now (fn, if not NULL, told of each as it
 * goes); how many went. The next expiry (INT64_MAX: none). */
unsigned br_table_expire(struct br_table *t, int64_t now, br_binding_fn fn, void *arg);
int64_t  br_table_next_expiry(const struct br_table *t);
void br_table_foreach(const struct br_table *t, br_binding_fn fn, void *arg);

#endif
