/* Compaction of the lease journal, in the background (a thread).
 *
 * The order of the steps, and what a kill -9 between two of them leaves
 * (the state at open is FILE.snap, then every record of FILE over it):
 *
 *   0. (event loop) drop expired leases from the table and note the
 *      journal's length O: the table is exactly FILE.snap + FILE[0, O).
 *      Start the thread; until it is done the event loop does not touch
 *      the table (leases written meanwhile wait in the delta).
 *   1. (thread) encode the table and write FILE.snap atomically
 *      (.FILE.snap.tmp, fsync, rename, fsync the directory).
 *        crash before the rename: the old FILE.snap + the whole FILE.
 *        after it: the new FILE.snap + the whole FILE. Replaying FILE[0, O)
 *        over a snapshot that already holds its result changes nothing
 *        (the last record of an address wins, and the snapshot holds each
 *        address's last state in FILE[0, O), or nothing when that state
 *        is FREE or expired); FILE[O, end) is newer and wins as it should.
 *   2. (event loop, once the thread is done) apply the delta, write
 *      FILE.new = header + FILE[O, end), fdatasync. No commit is written
 *      meanwhile (one thread). Crash: FILE.new is removed at open; the
 *      state is as after step 1.
 *   3. rename FILE.new over FILE, fsync the directory.
 *        crash after: the new FILE.snap + the tail: everything.
 *
 * The event loop's share: step 0 (one pass over the table, no copy) and
 * steps 2-3 (the tail, written since O, and two fsyncs: the new journal's
 * and the directory's). The thread does the encoding and the big write.
 * A failed step leaves the old files in use (a warning,
 * lease.compact_failed); it is retried once the journal has grown by the
 * minimum again. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "dhcp6/lease_journal_priv.h"
#include "core/atomic_file.h"
#include "core/log.h"
#include "net/stack.h"

#define POLL_NS   (10 * NS_PER_MS)
#define DELTA_MAX (1u << 16)   /* leases written during one compaction; past that the event loop waits */

static void hook(struct journal *j, enum lease_journal_step step)
{
    if (j->c.hook)
        j->c.hook(j->c.hook_arg, step);
}

/* The snapshot's bytes: header, every lease, end with the count. */
static uint8_t *encode_snapshot(const struct lease *v, uint32_t n, size_t *len)
{
    size_t cap = LEASEREC_HEADER_LEN + (size_t)n * LEASEREC_MAX + LEASEREC_END_LEN, off = 0;
    uint8_t *buf = malloc(cap);
    if (!buf)
        return NULL;
    struct leaserec h = { .type = LEASEREC_HEADER, .u.file = LEASEREC_FILE_SNAPSHOT };
    off += leaserec_emit(&h, buf, cap);
    uint32_t written = 0;
    for (uint32_t k = 0; k < n; k++) {
        struct leaserec_lease r;
        lj_to_rec(&v[k], &r);
        size_t rl = leaserec_emit_lease(&r, buf + off, cap - off);
        off += rl;
        written += rl != 0;
    }
    struct leaserec e = { .type = LEASEREC_END, .u.count = written };
    off += leaserec_emit(&e, buf + off, cap - off);
    *len = off;
    return buf;
}

static void *compact_thread(void *arg)
{
    struct journal *j = arg;
    size_t len = 0;
    uint8_t *buf = encode_snapshot(j->t.v, j->c.n, &len);
    int rc = buf ? atomic_file_write(j->dirfd, j->snap_name, buf, len, 0600) : -ENOMEM;
    free(buf);
    if (rc == 0)
        hook(j, LJ_STEP_SNAP_WRITTEN);
    j->c.rc = rc;
    __atomic_store_n(&j->c.done, 1, __ATOMIC_RELEASE);
    return NULL;
}

static void poll_fn(struct timer *t, void *arg)
{
    struct journal *j = arg;
    lj_compact_finish(j, false);
    if (j->c.running)
        timer_arm(j->base.st->tw, t, POLL_NS);
}

void lj_compact_init(struct journal *j)
{
    timer_init(&j->c.poll, poll_fn, j);
}

void lj_compact_free(struct journal *j)
{
    free(j->c.delta);
    j->c.delta = NULL;
}

int lj_apply(struct journal *j, const struct lease *l)
{
    if (!j->c.running)
        return lt_apply(&j->t, l);
    if (j->c.n_delta == j->c.delta_cap) {
        uint32_t cap = j->c.delta_cap ? 2 * j->c.delta_cap : 256;
        struct lease *d = cap <= DELTA_MAX ? realloc(j->c.delta, cap * sizeof *d) : NULL;
        if (!d) {
            /* A compaction that long (or no memory): wait for the thread. */
            lj_compact_finish(j, true);
            return lt_apply(&j->t, l);
        }
        j->c.delta = d;
        j->c.delta_cap = cap;
    }
    j->c.delta[j->c.n_delta++] = *l;
    return 0;
}

static void apply_delta(struct journal *j)
{
    for (uint32_t k = 0; k < j->c.n_delta; k++)
        if (lt_apply(&j->t, &j->c.delta[k]) < 0 && !j->failed) {
            j->failed = true;   /* on disk, not in the table: no compaction may drop it */
            six_event(j->base.st, LOG_ERR, "lease store %s: out of memory; the store is read-only until sixd "
                      "restarts", j->path);
        }
    j->c.n_delta = 0;
}

static int start(struct journal *j)
{
    if (j->c.running || j->failed || j->fd < 0)
        return -1;
    struct six_stack *st = j->base.st;
    uint64_t t0 = six_now(st);
    lt_drop_expired(&j->t, lease_wall_now(st));
    j->c.n = j->t.n;
    j->c.n_delta = 0;
    j->c.off = j->jbytes;
    j->c.done = 0;
    j->c.rc = 0;
    j->c.started_ns = t0;
    j->c.start_ns = six_now(st) - t0;
    hook(j, LJ_STEP_START);
    if (pthread_create(&j->c.th, NULL, compact_thread, j) != 0)
        return -1;
    j->c.running = true;
    timer_arm(st->tw, &j->c.poll, POLL_NS);
    return 0;
}

void lj_maybe_compact(struct journal *j)
{
    uint64_t live = j->compact_factor * j->t.rec_bytes;
    uint64_t limit = live > j->compact_min ? live : j->compact_min;
    if (!j->c.running && j->jbytes > limit && j->jbytes >= j->c.retry_at && start(j) < 0) {
        j->c.retry_at = j->jbytes + j->compact_min;
        CTR_INC(j->base.st, lease, compact_failed);
    }
}

static void new_written(struct journal *j)
{
    hook(j, LJ_STEP_NEW_WRITTEN);
}

/* Steps 2 and 3: FILE.new = header + the tail, renamed over FILE. */
static int switch_journal(struct journal *j)
{
    size_t tail = (size_t)(j->jbytes - j->c.off);
    uint8_t *buf = malloc(tail ? tail : 1);
    if (!buf)
        return -ENOMEM;
    for (size_t got = 0; got < tail;) {
        ssize_t k = pread(j->fd, buf + got, tail - got, (off_t)(j->c.off + got));
        if (k <= 0 && !(k < 0 && errno == EINTR)) {
            free(buf);
            return k < 0 ? -errno : -EIO;
        }
        got += k > 0 ? (size_t)k : 0;
    }
    int fd = lj_new_journal(j, buf, tail, new_written);
    free(buf);
    if (fd < 0)
        return fd;
    close(j->fd);
    j->fd = fd;
    j->jbytes = LEASEREC_HEADER_LEN + tail;
    hook(j, LJ_STEP_RENAMED);
    return 0;
}

void lj_compact_finish(struct journal *j, bool wait)
{
    if (!j->c.running || (!wait && !__atomic_load_n(&j->c.done, __ATOMIC_ACQUIRE)))
        return;
    pthread_join(j->c.th, NULL);
    j->c.running = false;
    timer_cancel(&j->c.poll);
    struct six_stack *st = j->base.st;
    apply_delta(j);
    uint64_t before = j->jbytes;
    /* After a failed fsync the tail may hold records never acknowledged:
     * the old files stay (the snapshot written is consistent with them). */
    uint64_t t0 = six_now(st);
    int rc = j->c.rc ? j->c.rc : j->failed ? -EIO : switch_journal(j);
    j->c.switch_ns = six_now(st) - t0;
    if (rc < 0) {
        j->c.retry_at = j->jbytes + j->compact_min;
        CTR_INC(st, lease, compact_failed);
        six_event(st, LOG_WARNING, "lease store %s: compaction failed: %s (the journal stays as it is; retried later)",
                  j->path, strerror(-rc));
        return;
    }
    j->stats.compactions++;
    CTR_INC(st, lease, compactions);
    /* Debug: a busy server with few leases compacts several times a
     * second; lease.compactions counts them. */
    six_event(st, LOG_DEBUG, "lease store %s: compacted: %u leases in the snapshot, journal %llu -> %llu bytes "
              "(event loop: start %llu us, switch %llu us; %llu ms in all)", j->path, j->c.n,
              (unsigned long long)before, (unsigned long long)j->jbytes, (unsigned long long)(j->c.start_ns / 1000),
              (unsigned long long)(j->c.switch_ns / 1000),
              (unsigned long long)((six_now(st) - j->c.started_ns) / NS_PER_MS));
}

/* --- knobs and test entry points --- */

void lease_journal_set_compaction(struct lease_store *s, unsigned factor, uint64_t min_bytes)
{
    struct journal *j = (struct journal *)s;
    j->compact_factor = factor ? factor : 1;
    j->compact_min = min_bytes;
}

void lease_journal_set_test_hook(struct lease_store *s, void (*fn)(void *arg, enum lease_journal_step step), void *arg)
{
    struct journal *j = (struct journal *)s;
    j->c.hook = fn;
    j->c.hook_arg = arg;
}

int lease_journal_compact(struct lease_store *s)
{
    return start((struct journal *)s);
}

int lease_journal_compact_wait(struct lease_store *s)
{
    struct journal *j = (struct journal *)s;
    if (!j->c.running)
        return -1;
    uint64_t before = j->stats.compactions;
    lj_compact_finish(j, true);
    return j->stats.compactions > before ? 0 : -1;
}
