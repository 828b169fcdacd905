/* Internals of the authoritative server (dnsd.h), shared by its files:
 *   dnsd.c         configuration, provider, pending queries, the tick, info
 *   dnsd_zone.c    the host table: names ↔ IPv6 addresses, empty non-terminals
 *   dnsd_answer.c  one query in, one answer out (parse, decide, build)
 *   dnsd_io.c      the UDP socket and the TCP connections (RFC 7766)
 * Not for users of dnsd.h, except dnsd_udp_answer (the fuzz target). */
#ifndef SIX_DNS_DNSD_INT_H
#define SIX_DNS_DNSD_INT_H
#include <stdbool.h>
#include <stdint.h>
#include <netinet/in.h>
#include "apps/apps.h"
#include "core/timer.h"
#include "dns/dnsd.h"

#define DNSD_TICK_MS        1000
#define DNSD_PENDING_MS     5000      /* a provider that has not called back by then: cancelled, exhausted answer */
#define DNSD_TCP_MAX_QUERY  4096      /* longest query taken over TCP (ours are < 300 octets; EDNS padding fits) */
#define DNSD_TCP_ANSWER_MAX 4096      /* longest answer over TCP: the zone's answers are a few hundred octets */
#define DNSD_TCP_CONN_PENDING 16      /* queries of one connection waiting for the provider */
#define DNSD_TCP_TXBUF      ((DNSD_TCP_CONN_PENDING + 2) * (DNSD_TCP_ANSWER_MAX + 2))
#define DNSD_HASH_BUCKETS   16384     /* per table; chains stay short up to DNSD_MAX_HOSTS */
#define DNSD_NO_HOST        UINT32_MAX
#define DNSD_ZONE_REV6      DNSD_MAX_ZONES        /* zones[] index of ip6.arpa */
#define DNSD_ZONE_REV4      (DNSD_MAX_ZONES + 1)  /* and of in-addr.arpa */

/* A name in the host table: a host (its AAAA), or an empty non-terminal
 * between a host and its zone (RFC 8020: NODATA there, not NXDOMAIN). */
struct dnsd_node {
    uint8_t name[DNS_MAX_NAME];
    uint8_t name_len;                 /* <= 255 */
    uint8_t apex_len;                 /* host: its zone's apex when added (its ENTs lie between) */
    bool host;                        /* has an AAAA; else only an ENT */
    uint32_t ent_refs;                /* hosts below this name (ENT while > 0) */
    struct in6_addr v6;               /* host only */
    uint32_t next_name, next_v6;      /* hash chains (DNSD_NO_HOST ends) */
    uint32_t next_free;
    bool used;
};

struct dnsd_zone {
    uint8_t apex[DNS_MAX_NAME];
    size_t apex_len;
};

/* Where an answer goes. */
struct dnsd_tcp;
struct dnsd_client {
    struct sockaddr_in6 from;         /* source (IPv4 as mapped) */
    struct in6_addr to;               /* our address it was sent to (UDP: the source of the answer) */
    bool has_to;
    bool is_tcp;
    struct dnsd_tcp *tcp;             /* NULL: UDP, or the connection is gone */
};

/* A query waiting for the provider; its slot is tok and stays taken until
 * done() or cancel(). */
struct dnsd_pending {
    struct dnsd *s;
    bool used, in_lookup, done_early;
    int early_rcode;
    struct in_addr early_a4;
    uint32_t early_ttl;
    struct dnsd_client cl;
    uint16_t id, flags;               /* query's id and flags (RD, CD copied) */
    uint8_t qname[DNS_MAX_NAME];
    size_t qname_len;
    uint16_t qtype, qclass;
    bool edns, do_bit;
    uint16_t udp_size;                /* the client's, capped */
    uint64_t started_ns;
    uint16_t pos;                     /* in used_idx */
    unsigned zone;                    /* index of the zone that answers (SOA) */
};

struct dnsd_tcp {
    struct app_sock as;
    struct dnsd *s;
    struct dnsd_tcp *next, *prev;
    uint64_t last_ns;
    unsigned pending;                 /* queries of this connection waiting for the provider */
    bool eof;
    uint8_t rx[2 + DNSD_TCP_MAX_QUERY];
    size_t rx_len;
    uint8_t *tx;                      /* DNSD_TCP_TXBUF */
    size_t tx_off, tx_len;
};

struct dnsd {
    struct six_stack *st;
    struct dnsd_config cfg;           /* of zone 0; port, ttl and exhausted apply to all */
    struct dnsd_zone zones[DNSD_MAX_ZONES + 2];   /* the configured ones, then ip6.arpa, in-addr.arpa */
    unsigned n_zones;                 /* configured */
    uint8_t ns[DNSD_MAX_ZONES][DNS_MAX_NAME], rname[DNSD_MAX_ZONES][DNS_MAX_NAME];
    size_t ns_len[DNSD_MAX_ZONES], rname_len[DNSD_MAX_ZONES];
    uint32_t serial;
    struct dnsd_provider prov;
    bool has_prov;

    /* host table */
    struct dnsd_node *nodes;
    uint32_t n_nodes, cap_nodes, free_head;
    unsigned hosts;
    uint32_t *by_name, *by_v6;        /* DNSD_HASH_BUCKETS heads */
    uint64_t salt;

    /* transport */
    struct app_sock udp, tcp_l;
    struct dnsd_tcp *conns;
    unsigned n_conns;
    struct timer tick;

    struct dnsd_pending *pend;        /* DNSD_MAX_PENDING slots */
    unsigned n_pend;
    uint16_t used_idx[DNSD_MAX_PENDING], free_idx[DNSD_MAX_PENDING];   /* free: a stack, top at MAX-1-n_pend */
    uint64_t queries, answers;
    uint8_t out[DNS_MAX_MSG];         /* the answer being built */
};

struct dnsd *dnsd_get(struct six_stack *st);

/* dnsd_zone.c */
int  dnsd_hosts_init(struct dnsd *s);
void dnsd_hosts_free(struct dnsd *s);
uint32_t dnsd_node_by_name(const struct dnsd *s, const uint8_t *name, size_t len);
uint32_t dnsd_host_by_v6(const struct dnsd *s, const struct in6_addr *v6);
/* Is name at or below apex (wire forms)? */
bool dnsd_name_under(const uint8_t *name, size_t len, const uint8_t *apex, size_t apex_len);
/* The configured zone that holds name (longest apex), -1 if none. */
int dnsd_zone_of(const struct dnsd *s, const uint8_t *name, size_t len);

/* dnsd_answer.c */
/* Handle one query; writes the answer to s->out and returns its length, 0
 * when nothing goes back now (dropped, or waiting for the provider).
 * max: the transport's limit (UDP: worked out from EDNS; TCP: its cap). */
size_t dnsd_query(struct dnsd *s, const uint8_t *msg, size_t len, const struct dnsd_client *cl);
/* The answer to a pending query now that the provider has spoken. */
size_t dnsd_pending_answer(struct dnsd *s, const struct dnsd_pending *p, int rcode, const struct in_addr *a4,
                           uint32_t ttl);

/* dnsd.c */
/* Keep the query for the provider; NULL (counted) when past a cap. */
struct dnsd_pending *dnsd_pending_new(struct dnsd *s, const struct dnsd_client *cl);
void dnsd_pending_free(struct dnsd *s, struct dnsd_pending *p);
void dnsd_changed(struct dnsd *s);    /* the zone's data changed: serial + 1 */
dnsd_a_done_fn dnsd_done_fn(void);    /* what the provider's lookup_a gets as done */

/* dnsd_io.c */
int  dnsd_io_start(struct dnsd *s, char *why, size_t whyn);
void dnsd_io_stop(struct dnsd *s);
/* Send an answer built in s->out to cl. */
void dnsd_send(struct dnsd *s, const struct dnsd_client *cl, size_t len);
void dnsd_tcp_idle_scan(struct dnsd *s, uint64_t now);
/* A connection's pending query was answered (or dropped): it may read again. */
void dnsd_tcp_pending_done(struct dnsd *s, struct dnsd_tcp *c);

/* For the fuzz target and tests: one UDP datagram from `from` to the
 * server, as if received; the answer's length (in *out), 0 if none. */
size_t dnsd_udp_answer(struct six_stack *st, const uint8_t *msg, size_t len, const struct sockaddr_in6 *from,
                       const uint8_t **out);

#endif
