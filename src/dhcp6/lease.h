/* The DHCPv6 server's lease store: one interface, two backends.
 *
 *   lease_journal.c  (embedded default, "store FILE"): an append-only
 *       journal of lease records with a CRC per record, fsync with group
 *       commit (every lease committed during one turn of the event loop
 *       waits for one write + fsync; only then do their callbacks run and
 *       their Replies go out), compacted in the background into a snapshot
 *       written atomically.  After kill -9 at any point, every lease whose
 *       commit callback ran is there at the next open; a torn last record is
 *       dropped (counted), never misread.
 *   lease_pg.c       ("store postgresql://..."): libpq; the schema is
 *       created and migrated by sixd; several servers share one pool.  The
 *       address (or prefix) is the primary key: a commit is a compare-and-
 *       swap (INSERT ... ON CONFLICT (addr) DO UPDATE ... WHERE the row is
 *       this client's or has expired), so two servers can never hand one
 *       address to two clients: the loser gets LEASE_CONFLICT and picks
 *       another address.
 *
 * The server keeps its own in-memory index of leases (lease_table, capped);
 * the store is what makes it durable and, for PostgreSQL, shared.
 *
 * Times are wall-clock seconds (time(NULL) in sixd, the virtual clock's
 * epoch in the simulator): leases must mean the same after a restart. */
#ifndef SIX_DHCP6_LEASE_H
#define SIX_DHCP6_LEASE_H
#include <stdbool.h>
#include <stdint.h>
#include <netinet/in.h>
#include "wire/dhcp6.h"

enum lease_kind { LEASE_NA = 1, LEASE_PD = 2, LEASE_V4 = 3 /* DSTM: IPv4 as ::ffff:a.b.c.d */ };
enum lease_state {
    LEASE_BOUND = 1,          /* given to duid/iaid until expires */
    LEASE_FREE = 2,           /* released or expired: the record frees the address */
    LEASE_DECLINED = 3,       /* quarantined until expires (RFC 9915 §18.4.8) */
};

struct lease {
    struct in6_addr addr;     /* address, or prefix masked to plen */
    uint8_t plen;             /* 128 for NA */
    uint8_t kind, state;
    uint8_t duid_len;
    uint8_t duid[DHCP6_DUID_MAX];
    uint32_t iaid;
    uint32_t preferred, valid;    /* lifetimes given in the last Reply (s) */
    int64_t cltt;             /* client's last transaction time (wall s) */
    int64_t expires;          /* wall s: cltt + valid (DECLINED: end of quarantine) */
    bool has_rkey;
    uint8_t rkey[16];         /* reconfigure key given to this client (RFC 9915 §20.4) */
    uint32_t pool_id;         /* which pool of the server (config order), for sharing and stats */
};

enum lease_result {
    LEASE_OK = 0,
    LEASE_CONFLICT = 1,       /* the address is another client's (shared store): pick another */
    LEASE_FAILED = 2,         /* I/O or database error: send no Reply (the client retries) */
};

struct lease_store;

/* Called exactly once per commit, from the event loop (never from inside
 * lease_store_commit itself), after the lease is durable (or refused). */
typedef void (*lease_done_fn)(void *arg, enum lease_result r, const struct lease *l);
/* Called once per live lease (BOUND or DECLINED, not yet expired) at open. */
typedef void (*lease_load_fn)(void *arg, const struct lease *l);

struct lease_store_stats {
    uint64_t commits, batches, fsyncs, conflicts, failures;
    uint64_t records, bytes;          /* journal: live records, file size */
    uint64_t torn_records;            /* journal: dropped at open (bad CRC / short) */
    uint64_t compactions;
};

struct lease_store_ops {
    const char *name;         /* "journal", "postgresql" */
    int  (*open)(struct lease_store *s, const char *where, char *why, size_t whyn);
    int  (*load)(struct lease_store *s, lease_load_fn fn, void *arg);
    void (*commit)(struct lease_store *s, const struct lease *l, lease_done_fn done, void *arg);
    /* Run pending work: journal: write + fsync the batch, run callbacks;
     * postgresql: read results.  Called by the owner after each turn of the
     * event loop (and from a zero-delay timer the store arms itself). */
    void (*flush)(struct lease_store *s);
    void (*close)(struct lease_store *s);   /* flushes first; frees s */
    void (*stats)(const struct lease_store *s, struct lease_store_stats *out);
};

/* Every backend embeds this first. */
struct lease_store {
    const struct lease_store_ops *ops;
    struct six_stack *st;
};
struct six_stack;
struct lease_store *lease_journal_create(struct six_stack *st);   /* lease_journal.c */
struct lease_store *lease_pg_create(struct six_stack *st);        /* lease_pg.c */

/* Open the store named by where: "postgresql://..." or "postgres://..." →
 * PostgreSQL, anything else a journal file path.  NULL with why on failure
 * (a journal that cannot be read back is a failure: the server refuses to
 * start rather than hand out leases twice). */
struct lease_store *lease_store_open(struct six_stack *st, const char *where, char *why, size_t whyn);
int  lease_store_load(struct lease_store *s, lease_load_fn fn, void *arg);
void lease_store_commit(struct lease_store *s, const struct lease *l, lease_done_fn done, void *arg);
void lease_store_flush(struct lease_store *s);
void lease_store_close(struct lease_store *s);
void lease_store_stats(const struct lease_store *s, struct lease_store_stats *out);
const char *lease_store_kind(const struct lease_store *s);

/* Wall-clock seconds for lease times: time(NULL) when st runs on the
 * monotonic clock (sixd), the virtual clock's seconds in the simulator
 * (lease_store.c). */
int64_t lease_wall_now(const struct six_stack *st);

#endif
