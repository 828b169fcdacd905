/* The journal backend's knobs and test hooks (the interface is lease.h).
 *
 * Files, for a store "FILE" (FILE's directory must exist):
 *   FILE        the journal: a header record, then lease records appended
 *               in commit order (src/wire/leaserec.h)
 *   FILE.snap   the snapshot of the live leases at the last compaction,
 *               written atomically (core/atomic_file.h)
 *   FILE.lock   flock()ed while a store has the files open: a second
 *               server on the same files is refused
 *   FILE.new    the next journal during a compaction (a stale one is
 *               removed at open)
 * The state is FILE.snap, then every record of FILE over it (the last
 * record of an address wins). See docs/DHCPV6.md "## Lease store". */
#ifndef SIX_DHCP6_LEASE_JOURNAL_H
#define SIX_DHCP6_LEASE_JOURNAL_H
#include <stdint.h>

struct lease_store;

/* Records waiting for one fsync; a commit past that is refused (its
 * callback gets LEASE_FAILED at the next flush). Refused commits wait for
 * their callback too, up to MAX_INFLIGHT in all: a caller with more
 * transactions in flight than that (or a failed allocation of a few KiB)
 * gets its LEASE_FAILED inside lease_store_commit, logged at error — the
 * one exception to lease.h's rule, for a caller that does not bound its
 * transactions. */
#define LEASE_JOURNAL_MAX_PENDING   4096u
#define LEASE_JOURNAL_MAX_INFLIGHT  (16u * LEASE_JOURNAL_MAX_PENDING)
#define LEASE_JOURNAL_MAX_LEASES    (1u << 20)    /* live leases in one store */
#define LEASE_JOURNAL_COMPACT_MIN   (1u << 20)    /* bytes: never compact a smaller journal */

/* Compact when the journal is larger than max(factor × the bytes of the
 * live records, min_bytes) (defaults 4 and LEASE_JOURNAL_COMPACT_MIN). */
void lease_journal_set_compaction(struct lease_store *s, unsigned factor, uint64_t min_bytes);
void lease_journal_set_max_pending(struct lease_store *s, unsigned n);

/* Tests: start a compaction now / wait until the running one is finished
 * (0 when it completed, -1 when it failed or none ran). */
int  lease_journal_compact(struct lease_store *s);
int  lease_journal_compact_wait(struct lease_store *s);

/* Tests: called after each step of a compaction, with the files on disk
 * exactly as a crash at that point would leave them. */
enum lease_journal_step {
    LJ_STEP_START = 0,          /* nothing written yet */
    LJ_STEP_SNAP_WRITTEN = 1,   /* FILE.snap replaced (in the compaction thread) */
    LJ_STEP_NEW_WRITTEN = 2,    /* FILE.new holds the header and the tail, fsynced */
    LJ_STEP_RENAMED = 3,        /* FILE.new renamed over FILE, directory fsynced */
};
void lease_journal_set_test_hook(struct lease_store *s, void (*fn)(void *arg, enum lease_journal_step step),
                                 void *arg);

#endif
