/* Internals shared by the server's files (not for users of server.h). */
#ifndef SIX_DHCP6_SERVER_INT_H
#define SIX_DHCP6_SERVER_INT_H
#include <openssl/evp.h>
#include "dhcp6/server.h"
#include "apps/apps.h"
#include "core/timer.h"
#include "wire/dhcp6.h"

/* Caps (every table has one). */
#define D6S_MAX_PENDING     1024   /* transactions waiting for their commits */
#define D6S_PKT_MAX         2048   /* a client message kept while its commits run (bigger: answered
                                    * only when it binds nothing) */
#define D6S_DUID_RATE       10     /* messages per DUID per second (hashed slots) */
#define D6S_RATE_SLOTS      4096
#define D6S_SOLICIT_RATE    2000   /* Solicits per second in all */
#define D6S_SOLICIT_SHARE   (D6S_SOLICIT_RATE / 2)   /* of them, from one source (the datagram's sender) */
#define D6S_SOURCE_SHARE    D6S_SOLICIT_SHARE        /* Requests, Rebinds, Information-requests per source */
#define D6S_DECLINE_S       3600   /* quarantine of a declined address */
#define D6S_DECLINED_MAX    4096   /* quarantined addresses per link (and at most 1/8 of its pool) */
#define D6S_BIND_SRC_RATE   D6S_SOURCE_SHARE   /* new bindings per second per client source (not a relay) */
#define D6S_MAX_RECONF      64     /* Reconfigures being retransmitted */
#define D6S_REC_TIMEOUT_MS  2000   /* RFC 9915 §7.6 REC_TIMEOUT */
#define D6S_REC_MAX_RC      8      /* REC_MAX_RC */
#define D6S_CONFLICT_RETRY  4      /* LEASE_CONFLICT: other addresses tried per IA */
#define D6S_PROBE           64     /* linear probe length after each hash */
#define D6S_HASH_TRIES      16     /* hashes tried before a full scan (small pools) */
#define D6S_SCAN_MAX        65536  /* a pool this small is scanned whole when hashing fails */
#define D6S_OVERLAP_PROBE_BITS 10   /* sub-prefixes probed one by one up to 2^10, else a table walk */
#define D6S_TABLE_BITS      16     /* lease_table buckets: 2^16 per index */
#define D6S_SIM_EPOCH       1767225600   /* 2026-01-01: the simulator's replay values start here */

/* ------------------------------------------------------------ lease table */

struct d6s_lease {
    struct lease l;
    struct d6s_lease *anext;       /* by address chain */
    struct d6s_lease *bnext;       /* by (duid, iaid, kind) chain, when in_bind */
    bool in_bind;                  /* BOUND and ours: found by binding */
    uint16_t pending;              /* commits outstanding */
    bool durable;                  /* the store has it (at least once) */
    bool foreign;                  /* LEASE_CONFLICT: another server's, kept out of allocation */
    unsigned ifindex;              /* where the client was last heard (Reconfigure) */
    struct in6_addr peer;          /* its source address then (link-local, or the relay's) */
    bool relayed;
    /* DSTM (LEASE_V4 entries): */
    bool offered;                  /* a DNS-triggered offer (§5.1.3) not yet taken (iaid 0) */
    struct in6_addr v6;            /* the holder's IA_NA address (not in the store: found again at load) */
};

struct d6s_table {
    struct d6s_lease **by_addr, **by_bind;
    struct d6s_lease *free_list;
    void **slabs;
    unsigned n_slabs, cap_slabs;
    unsigned count, max;
    unsigned scan_pos;             /* incremental expiry scan */
    uint32_t pd_plens[129];        /* prefixes in the table per length: the lengths to probe for overlaps */
};

int  d6s_table_init(struct d6s_table *t, unsigned max);
void d6s_table_fini(struct d6s_table *t);
/* A new entry (zeroed) not yet indexed; NULL at the cap. */
struct d6s_lease *d6s_table_new(struct d6s_table *t);
void d6s_table_insert(struct d6s_table *t, struct d6s_lease *e);   /* by address; by binding if BOUND, not foreign */
void d6s_table_remove(struct d6s_table *t, struct d6s_lease *e);   /* unindex and free */
void d6s_table_unbind(struct d6s_table *t, struct d6s_lease *e);   /* out of the binding index only */
void d6s_table_rebind(struct d6s_table *t, struct d6s_lease *e);   /* back in it if BOUND and not foreign */
struct d6s_lease *d6s_table_find_addr(const struct d6s_table *t, const struct in6_addr *a, uint8_t plen);
/* A prefix (LEASE_PD) of another length than plen that holds p/plen or
 * lies inside it (a delegate length changed, a journal of another config):
 * NULL if none.  Probes each length in use; longer ones by their
 * 2^D6S_OVERLAP_PROBE_BITS sub-prefixes at most, else a full walk. */
struct d6s_lease *d6s_table_find_overlap(const struct d6s_table *t, const struct in6_addr *p, uint8_t plen);
/* The first entry after prev (NULL: the first) of binding (duid, iaid, kind). */
struct d6s_lease *d6s_table_find_bind(const struct d6s_table *t, const uint8_t *duid, uint8_t duid_len,
                                      uint32_t iaid, uint8_t kind, struct d6s_lease *prev);
/* The IPv4 lease (LEASE_V4, bound, ours) of this DUID under any IAID. */
struct d6s_lease *d6s_table_find_duid(const struct d6s_table *t, const uint8_t *duid, uint8_t duid_len);
/* Visit every entry (fn may remove the one it is given). */
void d6s_table_foreach(struct d6s_table *t, void (*fn)(void *arg, struct d6s_lease *e), void *arg);
/* Visit the entries of n buckets from the scan position on. */
void d6s_table_scan(struct d6s_table *t, unsigned n, void (*fn)(void *arg, struct d6s_lease *e), void *arg);
uint32_t d6s_hash(const void *p, size_t n, uint32_t seed);

/* ------------------------------------------------------------ links */

struct d6s_link {
    struct d6s_config cfg;
    unsigned ifindex;
    uint32_t pool_id;
    uint64_t na_span;              /* addresses in the pool - 1 */
    uint64_t pd_span;              /* prefixes in the PD pool - 1 */
    uint64_t na_used, pd_used;
    uint64_t na_declined;          /* of na_used, in quarantine (DECLINED) */
};

/* ------------------------------------------------------------ transactions */

enum d6s_mode { M_ADVERTISE, M_REQUEST, M_RENEW, M_REBIND, M_RELEASE, M_DECLINE };

/* What an exchange changes of a lease it extends, releases or declines
 * (the rest — address, client, kind — it never changes): kept to undo it
 * when the store fails. */
struct d6s_saved {
    uint8_t state;
    bool has_rkey;
    uint32_t preferred, valid;
    int64_t cltt, expires;
    uint8_t rkey[16];
};

struct d6s_txn;
struct d6s_item {
    struct d6s_txn *txn;
    struct d6s_lease *e;           /* NULL: not bound (lifetimes as given, e.g. 0) */
    struct in6_addr addr;
    uint8_t plen;
    uint32_t pref, valid;
    struct d6s_saved saved;        /* e's lease before this transaction (rollback) */
    bool was_new;                  /* e created by this transaction */
    bool committing;
    bool omit;                     /* not in the Reply (its commit conflicted past the retries) */
    uint8_t result;                /* enum lease_result of its commit */
};

struct d6s_ans_ia {
    uint16_t type;
    uint8_t v4;                    /* DSTM: AIIH_ENC_DRAFT / AIIH_ENC_LW (aiih_int.h), 0: IPv6 */
    bool has_tep;
    struct in6_addr v6, tep;       /* DSTM: the binding's IPv6 address, its TEP */
    uint32_t iaid, t1, t2;
    uint16_t status;               /* D6S_SUCCESS: no status option */
    int n;
    struct d6s_item it[DHCP6_MAX_IA_ITEMS];
};

struct d6s_txn {
    struct d6_server *s;
    struct d6s_txn *next;          /* free list */
    bool live;
    uint8_t pkt[D6S_PKT_MAX];
    size_t len;
    struct sockaddr_in6 from;
    unsigned ifindex;
    bool relayed;
    struct d6s_link *lk;           /* valid while handling; after a wait, found again by pool_id */
    uint32_t pool_id;
    uint8_t reply_type;            /* DHCP6_ADVERTISE or DHCP6_REPLY */
    bool rapid;                    /* Reply to a rapid-commit Solicit */
    uint16_t top_status;
    bool has_top_status;
    bool give_rkey;
    struct d6s_ans_ia ia[DHCP6_MAX_IA];
    int n_ia;
    int outstanding;
    bool failed;
    int retries;
    bool has_rkey;                 /* the client's reconfigure key, copied once: an item's entry may be */
    uint8_t rkey[16];              /* released and reused by another client while a retry runs */
};

/* ------------------------------------------------------------ reconfigure */

struct d6s_reconf {
    struct d6_server *s;
    bool live;
    struct timer t;
    uint8_t duid_len, duid[DHCP6_DUID_MAX];
    uint8_t rkey[16];
    uint8_t type;                  /* RECONF_MSG: DHCP6_RENEW, _REBIND, _INFORMATION_REQUEST */
    struct sockaddr_in6 to;
    unsigned tries;
    uint64_t rt_ms;
};

/* ------------------------------------------------------------ the server */

struct d6s_rate { uint32_t key, sec; uint16_t n; };

struct d6_server {
    struct six_stack *st;
    struct app_sock as;
    struct lease_store *store;
    char store_where[D6S_STORE_MAX];
    struct d6s_link links[D6S_MAX_LINKS];
    unsigned n_links;
    uint32_t next_pool_id;
    uint8_t duid[DHCP6_DUID_MAX];
    uint8_t duid_len;
    struct d6s_table tab;
    struct d6s_txn *txns;          /* D6S_MAX_PENDING, allocated on first need */
    struct d6s_txn *txn_free;
    unsigned pending;
    struct d6s_rate rate[D6S_RATE_SLOTS];
    uint32_t rate_seed;
    uint64_t solicit_sec, solicits;
    struct d6s_reconf reconf[D6S_MAX_RECONF];
    uint64_t replay;               /* last replay detection value sent (RDM 0) */
    struct timer tick;             /* expiry scan */
    EVP_MAC *hmac;
    struct dhcp6_msg lv[DHCP6_RELAY_DEPTH_MAX + 1];   /* parse scratch */
    int n_lv;
    uint8_t out[4096];             /* build scratch */
    struct in6_addr rx_dst;        /* the datagram being handled was sent to (Leasequery: unicast only) */
    bool loading;
};

struct d6_server *d6s_get(struct six_stack *st);   /* NULL: not running */

/* server.c */
void d6s_send(struct d6_server *s, const void *buf, size_t len, const struct sockaddr_in6 *to);
struct d6s_link *d6s_link_by_ifindex(struct d6_server *s, unsigned ifindex);
/* The link of a relayed client: among those served through ifindex (where
 * the relay's message came in), the one whose prefix holds a. */
struct d6s_link *d6s_link_by_addr(struct d6_server *s, const struct in6_addr *a, unsigned ifindex);
bool d6s_if_served(struct d6_server *s, unsigned ifindex);
struct d6s_link *d6s_link_by_pool(struct d6_server *s, uint32_t pool_id);   /* NULL: since removed */

/* server_alloc.c */
bool d6s_in_prefix(const struct in6_addr *a, const struct in6_addr *p, uint8_t plen);
bool d6s_in_na_pool(const struct d6s_link *lk, const struct in6_addr *a);
bool d6s_in_pd_pool(const struct d6s_link *lk, const struct in6_addr *p, uint8_t plen);
bool d6s_on_link(const struct d6s_link *lk, const struct in6_addr *a);
void d6s_link_sizes(struct d6s_link *lk);
const struct d6s_reservation *d6s_res_for(const struct d6s_link *lk, const uint8_t *duid, uint8_t len);
/* A free address (kind LEASE_NA) or prefix (LEASE_PD) for (duid, iaid) in
 * lk's pool, skipping what the table holds and other clients' reservations;
 * attempt varies the choice (conflict retries). false: the pool is full. */
bool d6s_pick(struct d6_server *s, struct d6s_link *lk, uint8_t kind, const uint8_t *duid, uint8_t duid_len,
              uint32_t iaid, unsigned attempt, struct in6_addr *out);
bool d6s_usable(struct d6_server *s, const struct d6s_link *lk, uint8_t kind, const struct in6_addr *a,
                const uint8_t *duid, uint8_t len);
void d6s_count_used(struct d6_server *s, const struct lease *l, int delta);
bool d6s_decline_room(const struct d6s_link *lk);

/* server_reply.c */
void d6s_handle(struct d6_server *s, const uint8_t *pkt, size_t len, const struct sockaddr_in6 *from,
                unsigned ifindex);
void d6s_txns_free(struct d6_server *s);
void d6s_expire_entry(struct d6_server *s, struct d6s_lease *e, int64_t now);
void d6s_lease_loaded(void *arg, const struct lease *l);

void d6s_add_item(struct d6s_ans_ia *a, struct d6s_lease *e, const struct in6_addr *addr, uint8_t plen,
                  uint32_t pref, uint32_t valid);
bool d6s_source_ok(struct d6_server *s, char tag, const struct in6_addr *src, unsigned limit);
void d6s_publish_gone(struct d6_server *s, const struct d6s_lease *e);

/* server_dstm.c: the AIIH's half of the exchanges (src/dstm/aiih.h) */
struct d6s_dstm_req {
    uint8_t enc;                   /* AIIH_ENC_* */
    uint32_t iaid;                 /* draft: the extension's IA_NA; lw: the IPv6 IA_NA */
    bool asks;                     /* draft: the IA names an address (::ffff:0.0.0.0 or one held);
                                      empty, it only takes what a Reconfigure offered (dti.h) */
    bool asks_any;                 /* draft: ::ffff:0.0.0.0, "one, please": a Renew may bind it */
};
/* false: drop the message (counted; nothing changed). */
bool d6s_dstm_detect(struct d6_server *s, struct d6s_txn *t, const struct dhcp6_msg *m, struct d6s_dstm_req *rq);
/* The IPv4 part of the answer, after the IPv6 IAs (mode: enum mode of server_reply.c). */
void d6s_dstm_answer(struct d6_server *s, struct d6s_txn *t, const struct dhcp6_msg *m, enum d6s_mode mode,
                     const struct d6s_dstm_req *rq);
/* A Release / Decline of IPv6 IA_NAs also ends their lw4o6 bindings. */
void d6s_dstm_release_lw(struct d6_server *s, struct d6s_txn *t, const struct dhcp6_msg *m, bool decline);
bool d6s_dstm_retry(struct d6_server *s, struct d6s_txn *t, struct d6s_ans_ia *a, struct d6s_item *it,
                    const struct dhcp6_msg *m);
void d6s_dstm_put(struct d6_server *s, struct dhcp6_builder *b, const struct d6s_ans_ia *a);   /* before an IA */
void d6s_dstm_put_lw(struct d6_server *s, struct dhcp6_builder *b, const struct d6s_txn *t);
void d6s_dstm_replied(struct d6_server *s, const struct d6s_txn *t);   /* BOUND events */
/* An IPv4 lease's time is up: true when it was kept (an offer turned into quarantine). */
bool d6s_dstm_expired(struct d6_server *s, struct d6s_lease *e, int64_t now);
/* RFC 5007 LEASEQUERY, RFC 7341 DHCPV4-QUERY: true when m was one (handled). */
bool d6s_dstm_special(struct d6_server *s, const uint8_t *pkt, size_t len, const struct sockaddr_in6 *from,
                      unsigned ifindex);

/* server_reconf.c */
int  d6s_reconf_send(struct d6_server *s, struct d6s_lease *e, uint8_t msg, char *why, size_t whyn);
void d6s_reconf_heard(struct d6_server *s, const uint8_t *duid, uint8_t len);
void d6s_reconf_stop_all(struct d6_server *s);
/* A fresh replay detection value (RDM 0): strictly above every one sent
 * before, by this run or a previous one (derived from the wall clock in ns). */
uint64_t d6s_next_replay(struct d6_server *s);

#endif
