/* An authoritative DNS server inside the stack (RFC 1034/1035, EDNS0 RFC
 * 6891, TCP RFC 7766), for the DSTM zone of the AIIH (draft-ietf-ngtrans-
 * dstm §5.1, §5.2): the zone's SOA and NS, AAAA of named hosts, PTR in
 * ip6.arpa for them and in in-addr.arpa for IPv4 addresses they hold, and
 * A records that come from a provider (the AIIH) — possibly only after an
 * allocation the query itself started (§5.1.3).
 *
 * Served over UDP and TCP on port `port` (53) of the stack's addresses,
 * both families. Every message is parsed with wire/dns.h (RFC 9267's rules,
 * each refusal a counter dnsd.drop_<reason>); answers: AA set, RD copied,
 * no recursion (RA clear, REFUSED outside the zones), NXDOMAIN for unknown
 * names inside a zone with the SOA in authority, NODATA likewise, FORMERR
 * for queries that are not one question, NOTIMP for opcodes other than
 * QUERY, EDNS0 echoed (our UDP size DNSD_EDNS_SIZE; BADVERS for version >
 * 0), TC and a minimal answer when the UDP answer does not fit.
 *
 * A query waiting for the provider (an allocation) is kept (DNSD_MAX_PENDING
 * in all, a per-source share of them; past either: SERVFAIL at once) and
 * answered when the provider calls back, or with the configured
 * `exhausted` answer (SERVFAIL by default, or NXDOMAIN / REFUSED) when it
 * fails. Nothing the query started is left half-made: an allocation the
 * provider refuses leaves no record. */
#ifndef SIX_DNS_DNSD_H
#define SIX_DNS_DNSD_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include "wire/dns.h"

#define DNSD_MAX_ZONES     4
#define DNSD_MAX_PENDING   1024      /* queries waiting for the provider */
#define DNSD_SRC_SHARE     64        /* of them, from one source address */
#define DNSD_MAX_TCP       128       /* TCP connections (oldest idle closed past it) */
#define DNSD_TCP_IDLE_MS   10000     /* RFC 7766 §6.2.3 */
#define DNSD_EDNS_SIZE     1232      /* our advertised UDP payload (DNS flag day 2020) */
#define DNSD_MAX_HOSTS     65536     /* static records (AAAA, A) per server */

/* A provider of A records and IPv4 reverse data (the AIIH). */
typedef void (*dnsd_a_done_fn)(void *tok, int rcode, const struct in_addr *a4, uint32_t ttl);
struct dnsd_provider {
    void *ctx;
    /* The A record of the host whose AAAA is v6: DNS_RCODE_NOERROR with
     * *a4 and *ttl filled (answered now), -1 when the provider started work and
     * will call done(tok, ...) exactly once later (from the event loop), or
     * another rcode (SERVFAIL: exhausted/busy; the server maps it to the
     * configured answer). */
    int (*lookup_a)(void *ctx, const struct in6_addr *v6, struct in_addr *a4, uint32_t *ttl,
                    dnsd_a_done_fn done, void *tok);
    /* The IPv6 address of the host that holds a4 now (for in-addr.arpa PTR),
     * false: none. */
    bool (*lookup_ptr4)(void *ctx, struct in_addr a4, struct in6_addr *v6, uint32_t *ttl);
    /* done will not be wanted any more (the server is stopping): the provider
     * forgets tok. */
    void (*cancel)(void *ctx, void *tok);
};

/* `dstm aiih dns zone NAME [ns NAME] [listen ADDR ...] [port N] [ttl N] [exhausted servfail|nxdomain|refused]` */
struct dnsd_config {
    char zone[DNS_TEXT_MAX];         /* origin, e.g. "aiih.example.test" */
    char ns[DNS_TEXT_MAX];           /* primary NS name ("": ns1.ZONE) */
    uint16_t port;                   /* 0: 53 */
    uint32_t ttl;                    /* of static records and the SOA minimum (0: 300) */
    int exhausted_rcode;             /* DNS_RCODE_SERVFAIL (default), _NXDOMAIN or _REFUSED */
};

int  dnsd_configure(struct six_stack *st, const struct dnsd_config *cfg, char *why, size_t whyn);
int  dnsd_stop(struct six_stack *st);
bool dnsd_running(struct six_stack *st);
void dnsd_set_provider(struct six_stack *st, const struct dnsd_provider *p);   /* NULL: none */

/* Static records of the zone (names in text, relative to nothing: full). */
int  dnsd_host_add(struct six_stack *st, const char *name, const struct in6_addr *v6, char *why, size_t whyn);
int  dnsd_host_del(struct six_stack *st, const char *name);
/* The name (text, full) of the static host whose AAAA is v6: the AIIH glue
 * names the A record it sends to the primary (dnsu) with it. false: none. */
bool dnsd_host_name(struct six_stack *st, const struct in6_addr *v6, char *name, size_t n);

struct dnsd_info {
    bool running;
    struct dnsd_config cfg;
    uint32_t serial;
    unsigned hosts, pending, tcp_conns;
    uint64_t queries, answers;
};
void dnsd_info(struct six_stack *st, struct dnsd_info *out);

#endif
