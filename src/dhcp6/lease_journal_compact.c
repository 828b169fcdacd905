/* Compaction of the lease journal, in the background.
 *
 * The order of the steps, and what a kill -9 between two of them leaves
 * (the state at open is FILE.snap, then every record of FILE over it):
 *
 *   0. (event loop) copy the live leases (one memcpy of the dense array)
 *      and note the journal's length O: the copy is exactly FILE.snap +
 *      FILE[0, O). Start the thread.
 *   1. (thread) write FILE.snap with the copy, atomically (.FILE.snap.tmp,
 *      fsync, rename, fsync the directory).
 *        crash before the rename: the old FILE.snap + the whole FILE.
 *        after: the new FILE.snap + the whole FILE. Replaying FILE[0, O)
 *        over a snapshot that already holds its result changes nothing
 *        (the last record of an address wins, and the snapshot holds
 *        each address's last state in FILE[0, O)); FILE[O, end) is newer
 *        and wins as it should.
 *   2. (event loop, when the thread is done) write FILE.new = header +
 *      FILE[O, end), fdatasync.  No commit is written meanwhile (one
 *      thread).  Crash: FILE.new is removed at open; as after step 1.
 *   3. rename FILE.new over FILE, fsync the directory.
 *        crash after: the new FILE.snap + the tail: everything.
 *
 * The event loop's share is the copy (step 0) and step 2-3 (a tail of the
 * commits made while the thread ran): the thread does the encoding and
 * the big write.  A failed step leaves the old files in use (a warning,
 * lease.compact_failed) and is retried when the journal has grown by the
 * minimum again. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "dhcp6/lease_journal_priv.h"
#include "core/atomic_file.h"
#include "core/log.h"
#include "net/stack.h"

#define POLL_NS (10 * NS_PER_MS)

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
    uint8_t *buf = encode_snapshot(j->c.copy, j->c.n, &len);
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

static int start(struct journal *j)
{
    if (j->c.running || j->failed || j->fd < 0)
        return -1;
    struct six_stack *st = j->base.st;
    uint64_t t0 = six_now(st);
    lt_drop_expired(&j->t, lease_wall_now(st));
    j->c.n = j->t.n;
    j->c.copy = malloc((size_t)(j->c.n ? j->c.n : 1) * sizeof *j->c.copy);
    if (!j->c.copy)
        return -1;
    memcpy(j->c.copy, j->t.v, (size_t)j->c.n * sizeof *j->c.copy);
    j->c.off = j->jbytes;
    j->c.done = 0;
    j->c.rc = 0;
    j->c.started_ns = t0;
    j->c.copy_ns = six_now(st) - t0;
    hook(j, LJ_STEP_START);
    if (pthread_create(&j->c.th, NULL, compact_thread, j) != 0) {
        free(j->c.copy);
        j->c.copy = NULL;
        return -1;
    }
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
    free(j->c.copy);
    j->c.copy = NULL;
    struct six_stack *st = j->base.st;
    uint64_t before = j->jbytes;
    /* After a failed fsync the tail may hold records never acknowledged:
     * the old files stay (the snapshot written is consistent with them). */
    int rc = j->c.rc ? j->c.rc : j->failed ? -EIO : switch_journal(j);
    if (rc < 0) {
        j->c.retry_at = j->jbytes + j->compact_min;
        CTR_INC(st, lease, compact_failed);
        six_event(st, LOG_WARNING, "lease store %s: compaction failed: %s (the journal stays as it is; retried later)",
                  j->path, strerror(-rc));
        return;
    }
    j->stats.compactions++;
    CTR_INC(st, lease, compactions);
    six_event(st, LOG_INFO, "lease store %s: compacted: %u leases in the snapshot, journal %llu -> %llu bytes "
              "(copy %llu us, %llu ms in all)", j->path, j->c.n, (unsigned long long)before,
              (unsigned long long)j->jbytes, (unsigned long long)(j->c.copy_ns / 1000),
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
