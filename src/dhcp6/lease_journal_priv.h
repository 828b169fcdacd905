/* The journal backend's insides, shared by lease_journal.c (open, replay,
 * group commit) and lease_journal_compact.c (snapshot and fresh journal). */
#ifndef SIX_DHCP6_LEASE_JOURNAL_PRIV_H
#define SIX_DHCP6_LEASE_JOURNAL_PRIV_H
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include "dhcp6/lease.h"
#include "dhcp6/lease_journal.h"
#include "core/timer.h"
#include "wire/leaserec.h"

/* The live leases (BOUND, DECLINED) by (kind, addr): a dense array (a
 * compaction copies it with one memcpy) and an open-addressing index of
 * array positions + 1 (0: empty slot), at most half full. */
struct ltable {
    struct lease *v;
    uint32_t n, vcap;
    uint32_t *idx;
    uint32_t mask;
    uint64_t rec_bytes;           /* what the live leases take as records */
};

/* One commit waiting for its batch's fsync. */
struct jentry {
    struct lease l;
    lease_done_fn done;
    void *arg;
    enum lease_result result;     /* not LEASE_OK: refused at commit, nothing written */
};

struct batch {
    struct jentry *e;
    unsigned n, cap, n_records;   /* entries; those with a record in buf */
    uint8_t *buf;                 /* the records, in commit order */
    size_t len, buf_cap;
};

struct lj_compact {
    pthread_t th;
    bool running;
    int done;                     /* set by the thread (atomic) */
    int rc;                       /* the thread's result: 0 or -errno */
    /* While the thread reads the table, the event loop leaves it alone:
     * leases written meanwhile wait here (in journal order) and are
     * applied when the thread is done. */
    struct lease *delta;
    uint32_t n_delta, delta_cap;
    uint32_t n;                   /* leases in the snapshot */
    uint64_t off;                 /* journal bytes the snapshot covers */
    uint64_t retry_at;            /* after a failure: not before the journal is this long */
    uint64_t started_ns, start_ns; /* six_now at the start; time the start took */
    uint64_t switch_ns;           /* time steps 2-3 took in the event loop (last compaction) */
    struct timer poll;
    void (*hook)(void *arg, enum lease_journal_step step);
    void *hook_arg;
};

struct journal {
    struct lease_store base;
    char path[4096], snap_path[4096 + 8];
    char name[256], snap_name[256 + 8], new_name[256 + 8];
    int dirfd, fd, lockfd;
    uint64_t jbytes;              /* the journal's length: every record written */
    struct ltable t;              /* what is on disk: updated after each fsync */
    struct batch pend, run;       /* commits waiting; the batch being written */
    struct timer flush_timer;
    bool in_flush, failed, closing;
    unsigned max_pending, compact_factor;
    uint64_t compact_min;
    int64_t open_now;
    struct lease_store_stats stats;
    struct lj_compact c;
};

void lj_to_rec(const struct lease *l, struct leaserec_lease *r);
void lj_from_rec(const struct leaserec_lease *r, struct lease *l);
struct lease *lt_find(const struct ltable *t, uint8_t kind, const struct in6_addr *a);
int lt_apply(struct ltable *t, const struct lease *l);
void lt_drop_expired(struct ltable *t, int64_t now);
int lj_new_journal(struct journal *j, const void *extra, size_t extra_len, void (*before_rename)(struct journal *));

/* lease_journal_compact.c */
void lj_compact_init(struct journal *j);
/* A lease now on disk into the table (or the delta while a compaction
 * thread reads the table). 0 or -ENOMEM. */
int lj_apply(struct journal *j, const struct lease *l);
void lj_maybe_compact(struct journal *j);
void lj_compact_free(struct journal *j);
/* Complete a compaction whose thread is done (wait: join it first). */
void lj_compact_finish(struct journal *j, bool wait);

#endif
