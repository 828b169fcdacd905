/* The AIIH server (draft-ietf-ngtrans-dstm §5, §7): IPv4 global addresses
 * (or lw4o6 port sets of shared ones) leased to IPv6 hosts by the stack's
 * DHCPv6 server (src/dhcp6/server*.c), kept in its lease store as
 * LEASE_V4 (dstm.h: dstm_lease_key), so a journal makes them durable and
 * PostgreSQL lets several AIIH servers share one pool.
 *
 * A client asks in one of two encodings, answered in the same one:
 *   - the draft's IPv4 Global Address Extension (§7.1; code `opt-code`,
 *     default DSTM_OPT_CODE_DEFAULT) immediately followed by an IA_NA whose
 *     IAADDR (if any) is an IPv4-mapped address; the server's copy of the
 *     extension carries the TEP (16 octets) when the client's prefix has one;
 *   - RFC 7598: OPTION_S46_CONT_LW in the ORO; the Reply carries
 *     S46_CONT_LW { S46_V4V6BIND (address, the client's /128 bind prefix,
 *     S46_PORTPARAMS) , S46_BR (the TEP) }; its lifetime is the IA_NA's.
 *   RFC 7341 (DHCPv4 over DHCPv6) is not served (a DHCPV4-QUERY is counted
 *   and dropped: aiih.drop_dhcpv4_query).
 *
 * Allocation on a DNS A query (§5.1.3): aiih_assign_for() picks an address
 * for the DHCPv6 client that holds the queried IPv6 address (an IA_NA lease
 * of the server, so it has a DUID and usually a reconfigure key), commits it
 * as "offered", sends that client a Reconfigure (msg Renew); the client's
 * Renew carries its empty DSTM IA and the Reply binds the offered address.
 * The DNS answers at once with a short TTL; the lease's TTL follows the
 * BOUND event. An offer nobody takes within `offer-timeout` is quarantined
 * for `quarantine` seconds and freed (§5.1.3 "deprecated for some period").
 *
 * Release, expiry and Decline free the address, but only after every
 * subscriber that published it outside (the DNS updater, RFC 2136) has
 * withdrawn it (§5.1.4): see aiih_hold / aiih_unhold.
 *
 * A binding's IPv6 address (dstm_binding.v6) is the client's IA_NA address
 * from this server: the DTI sends its 4in6 from it (§6.2.1); a client with
 * no IA_NA binding gets no IPv4 address (NoAddrsAvail, "IPv4 needs an IPv6
 * binding"). lw4o6 uses it as the /128 bind-ipv6-prefix.
 *
 * Leasequery (RFC 5007) answers border routers and DTI clients asking who
 * holds an IPv4 address: QUERY_BY_ADDRESS with an IAADDR holding the lease
 * key (dstm_lease_key: IPv4-mapped, or the port-set form) →
 * OPTION_CLIENT_DATA { CLIENTID, IAADDR = that key (lifetimes left),
 * IAADDR = the holder's IPv6 address, CLT_TIME, S46_BR = its TEP if any };
 * no holder: STATUS NotConfigured and no client data. Only requestors in
 * `leasequery-from` prefixes are answered (STATUS NotAllowed and
 * aiih.drop_lq_refused otherwise). */
#ifndef SIX_DSTM_AIIH_H
#define SIX_DSTM_AIIH_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <net/if.h>
#include <netinet/in.h>
#include "dstm/dstm.h"

#define AIIH_MAX_POOLS     8
#define AIIH_MAX_TEPS      16
#define AIIH_MAX_LQ_FROM   8
#define AIIH_MAX_ASSIGNS   1024     /* DNS-triggered allocations in flight (cap; SERVFAIL past it) */
#define AIIH_SHORT_TTL_DEFAULT   10     /* s: DNS TTL of an address not yet acknowledged */
#define AIIH_OFFER_TIMEOUT_DEFAULT 30   /* s: an offer not taken by then is withdrawn */
#define AIIH_QUARANTINE_DEFAULT  300    /* s: an address offered and not taken stays out this long */

struct aiih_pool {
    struct in_addr lo, hi;           /* inclusive */
    uint8_t psid_len, offset;        /* lw4o6 sharing: 2^psid_len hosts per address; 0: whole addresses */
};

struct aiih_tep {                    /* hosts whose address is in prefix get tep */
    struct in6_addr prefix;
    uint8_t plen;
    struct in6_addr tep;
};

/* `dstm aiih dev IF pool4 A-B [share K [offset A]] tep P/L T ... ` */
struct aiih_config {
    char ifname[IFNAMSIZ];           /* the DHCPv6 server link (its `dhcp6 server dev IF` line) */
    struct aiih_pool pools[AIIH_MAX_POOLS];
    int n_pools;
    struct aiih_tep teps[AIIH_MAX_TEPS];
    int n_teps;
    uint16_t opt_code;               /* the draft's extension; 0: the default */
    uint32_t valid, preferred;       /* of an IPv4 lease (0: the DHCPv6 link's) */
    uint32_t short_ttl, offer_timeout, quarantine;
    struct { struct in6_addr prefix; uint8_t plen; } lq_from[AIIH_MAX_LQ_FROM];
    int n_lq_from;                   /* 0: leasequery refused from everyone */
};

int  aiih_configure(struct six_stack *st, const struct aiih_config *cfg, char *why, size_t whyn);
int  aiih_disable(struct six_stack *st, char *why, size_t whyn);
bool aiih_running(struct six_stack *st);

/* The DNS half's view (src/dns/ reaches the AIIH only through these, set
 * up by the glue in aiih_dns.c). */
enum aiih_status {
    AIIH_OK = 0,                     /* *b holds the binding; ttl: what the DNS may say */
    AIIH_UNKNOWN_HOST,               /* no DHCPv6 client holds that IPv6 address */
    AIIH_EXHAUSTED,                  /* the pool is full */
    AIIH_BUSY,                       /* AIIH_MAX_ASSIGNS in flight, or the store failed */
    AIIH_NO_RECONF,                  /* the client cannot be reconfigured (no key) */
};
typedef void (*aiih_assign_fn)(void *arg, enum aiih_status s, const struct dstm_binding *b, uint32_t ttl);
/* The binding the host with IPv6 address v6 holds now (also an offer not
 * yet taken: *ttl short_ttl then), or false. */
bool aiih_lookup_v6(struct six_stack *st, const struct in6_addr *v6, struct dstm_binding *b, uint32_t *ttl);
/* Who holds v4 (and port, for a shared address; port 0: any holder). */
bool aiih_lookup_v4(struct six_stack *st, struct in_addr v4, uint16_t port, struct dstm_binding *b);
/* Start an allocation for v6's host (§5.1.3). done runs exactly once, from
 * the event loop, never inside this call. 0, or -errno (done not called). */
int  aiih_assign_for(struct six_stack *st, const struct in6_addr *v6, aiih_assign_fn done, void *arg);

/* A subscriber that published a binding outside (DNS) holds its address:
 * the address is not handed out again until every hold is released.
 * false (no AIIH, or AIIH_MAX_HOLDS addresses held): not held, so the
 * subscriber must not publish it. */
bool aiih_hold(struct six_stack *st, const struct dstm_binding *b);
void aiih_unhold(struct six_stack *st, const struct dstm_binding *b);

/* `sixctl dstm bindings`: every IPv4 lease the server holds. */
typedef void (*aiih_binding_fn)(void *arg, const struct dstm_binding *b, bool acknowledged);
void aiih_foreach(struct six_stack *st, aiih_binding_fn fn, void *arg);

struct aiih_info {
    bool running;
    struct aiih_config cfg;
    uint64_t size, used, offered, held;   /* addresses (or port sets) */
    unsigned assigns;                      /* in flight */
};
void aiih_info(struct six_stack *st, struct aiih_info *out);

#endif
