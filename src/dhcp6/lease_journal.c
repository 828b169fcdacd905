/* The embedded lease store: an append-only journal with group commit and
 * compaction into a snapshot (lease.h, lease_journal.h, docs/DHCPV6.md
 * "## Lease store").
 *
 * Durability rule: a commit's callback runs only after the record is on
 * disk (write + fdatasync of its batch); once a write or an fsync has
 * failed, the store is read-only until it is reopened (a failed fsync may
 * have dropped dirty pages: nothing written after it can be trusted). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/stat.h>
#include "dhcp6/lease_journal_priv.h"
#include "core/atomic_file.h"
#include "core/log.h"
#include "net/stack.h"
#include "wire/bytes.h"

static const struct lease_store_ops journal_ops;

static struct journal *J(struct lease_store *s) { return (struct journal *)s; }

/* --- record conversion --- */

void lj_to_rec(const struct lease *l, struct leaserec_lease *r)
{
    memset(r, 0, sizeof *r);
    r->addr = l->addr;
    r->plen = l->plen, r->kind = l->kind, r->state = l->state;
    /* A DUID too long for a record stays too long: the emitter refuses it. */
    r->duid_len = l->duid_len;
    memcpy(r->duid, l->duid, l->duid_len <= LEASEREC_DUID_MAX ? l->duid_len : LEASEREC_DUID_MAX);
    r->iaid = l->iaid, r->preferred = l->preferred, r->valid = l->valid, r->pool_id = l->pool_id;
    r->cltt = l->cltt, r->expires = l->expires;
    r->has_rkey = l->has_rkey;
    if (l->has_rkey)
        memcpy(r->rkey, l->rkey, 16);
}

void lj_from_rec(const struct leaserec_lease *r, struct lease *l)
{
    memset(l, 0, sizeof *l);
    l->addr = r->addr;
    l->plen = r->plen, l->kind = r->kind, l->state = r->state;
    l->duid_len = r->duid_len;
    memcpy(l->duid, r->duid, r->duid_len);
    l->iaid = r->iaid, l->preferred = r->preferred, l->valid = r->valid, l->pool_id = r->pool_id;
    l->cltt = r->cltt, l->expires = r->expires;
    l->has_rkey = r->has_rkey;
    if (r->has_rkey)
        memcpy(l->rkey, r->rkey, 16);
}

/* --- the live set: a dense array of leases with an open-addressing index
 * keyed by (kind, addr); dense so that a compaction copies it with one
 * memcpy --- */

static uint32_t key_hash(uint8_t kind, const struct in6_addr *a)
{
    uint32_t h = 2166136261u ^ kind;
    for (int i = 0; i < 16; i++)
        h = (h ^ a->s6_addr[i]) * 16777619u;
    return h ^ (h >> 15);
}

static bool same_key(const struct lease *l, uint8_t kind, const struct in6_addr *a)
{
    return l->kind == kind && !memcmp(&l->addr, a, sizeof *a);
}

/* Index slot holding (kind, a), or the empty slot where it would go. */
static uint32_t slot_of(const struct ltable *t, uint8_t kind, const struct in6_addr *a)
{
    uint32_t i = key_hash(kind, a) & t->mask;
    while (t->idx[i] && !same_key(&t->v[t->idx[i] - 1], kind, a))
        i = (i + 1) & t->mask;
    return i;
}

struct lease *lt_find(const struct ltable *t, uint8_t kind, const struct in6_addr *a)
{
    if (!t->idx)
        return NULL;
    uint32_t i = slot_of(t, kind, a);
    return t->idx[i] ? &t->v[t->idx[i] - 1] : NULL;
}

static int lt_grow(struct ltable *t)
{
    uint32_t nslots = t->idx ? 2 * (t->mask + 1) : 1024;
    uint32_t *idx = calloc(nslots, sizeof *idx);
    struct lease *v = realloc(t->v, (size_t)nslots / 2 * sizeof *v);
    if (!idx || !v) {
        free(idx);
        if (v)
            t->v = v;
        return -ENOMEM;
    }
    t->v = v;
    t->vcap = nslots / 2;
    free(t->idx);
    t->idx = idx;
    t->mask = nslots - 1;
    for (uint32_t k = 0; k < t->n; k++)
        t->idx[slot_of(t, t->v[k].kind, &t->v[k].addr)] = k + 1;
    return 0;
}

static int lt_put(struct ltable *t, const struct lease *l)
{
    struct lease *old = lt_find(t, l->kind, &l->addr);
    if (old) {
        t->rec_bytes -= leaserec_lease_len(old->duid_len);
        *old = *l;
        t->rec_bytes += leaserec_lease_len(l->duid_len);
        return 0;
    }
    if (t->n >= t->vcap && lt_grow(t) < 0)
        return -ENOMEM;
    t->v[t->n] = *l;
    t->idx[slot_of(t, l->kind, &l->addr)] = ++t->n;
    t->rec_bytes += leaserec_lease_len(l->duid_len);
    return 0;
}

static void lt_del(struct ltable *t, uint8_t kind, const struct in6_addr *a)
{
    if (!t->idx)
        return;
    uint32_t i = slot_of(t, kind, a);
    if (!t->idx[i])
        return;
    uint32_t k = t->idx[i] - 1;
    t->rec_bytes -= leaserec_lease_len(t->v[k].duid_len);
    /* Backward-shift deletion: entries after the hole that would be found
     * earlier move into it (no tombstones). */
    t->idx[i] = 0;
    for (uint32_t j = (i + 1) & t->mask; t->idx[j]; j = (j + 1) & t->mask) {
        const struct lease *e = &t->v[t->idx[j] - 1];
        uint32_t home = key_hash(e->kind, &e->addr) & t->mask;
        if (((j - home) & t->mask) >= ((j - i) & t->mask)) {
            t->idx[i] = t->idx[j];
            t->idx[j] = 0;
            i = j;
        }
    }
    /* The last lease of the array fills the hole in it. */
    uint32_t last = t->n - 1;
    if (k != last) {
        t->v[k] = t->v[last];
        t->idx[slot_of(t, t->v[k].kind, &t->v[k].addr)] = k + 1;
    }
    t->n--;
}

/* The last state of an address wins: BOUND and DECLINED stay, FREE leaves. */
int lt_apply(struct ltable *t, const struct lease *l)
{
    if (l->state == LEASE_FREE) {
        lt_del(t, l->kind, &l->addr);
        return 0;
    }
    return lt_put(t, l);
}

void lt_drop_expired(struct ltable *t, int64_t now)
{
    for (uint32_t k = 0; k < t->n;) {
        if (t->v[k].expires <= now)
            lt_del(t, t->v[k].kind, &t->v[k].addr);   /* moves the last one to k */
        else
            k++;
    }
}

static void lt_free(struct ltable *t)
{
    free(t->v);
    free(t->idx);
    memset(t, 0, sizeof *t);
}

/* --- files --- */

/* A new journal under tmpname holding header + extra, fsynced, renamed to
 * the journal's name, directory fsynced. The open descriptor, or -errno. */
int lj_new_journal(struct journal *j, const void *extra, size_t extra_len, void (*before_rename)(struct journal *))
{
    uint8_t hdr[LEASEREC_HEADER_LEN];
    struct leaserec h = { .type = LEASEREC_HEADER, .u.file = LEASEREC_FILE_JOURNAL };
    leaserec_emit(&h, hdr, sizeof hdr);
    if (unlinkat(j->dirfd, j->new_name, 0) < 0 && errno != ENOENT)
        return -errno;
    int fd = openat(j->dirfd, j->new_name, O_RDWR | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0)
        return -errno;
    int rc = fd_write_all(fd, hdr, sizeof hdr);
    if (!rc && extra_len)
        rc = fd_write_all(fd, extra, extra_len);
    if (!rc && fdatasync(fd) < 0)
        rc = -errno;
    if (!rc && before_rename)
        before_rename(j);
    if (!rc && renameat(j->dirfd, j->new_name, j->dirfd, j->name) < 0)
        rc = -errno;
    if (!rc && fsync(j->dirfd) < 0)
        rc = -errno;
    if (rc) {
        close(fd);
        unlinkat(j->dirfd, j->new_name, 0);
        return rc;
    }
    return fd;
}

/* --- replay at open --- */

static bool all_zero(const uint8_t *p, size_t n)
{
    while (n--)
        if (*p++)
            return false;
    return true;
}

/* Records of a snapshot: header, leases, end with their count, nothing
 * after. Any fault refuses the file (it was written atomically). */
static int replay_snapshot(struct journal *j, const uint8_t *buf, size_t len, char *why, size_t whyn)
{
    size_t off = 0, rl = 0;
    uint32_t leases = 0;
    bool end = false;
    for (bool first = true; off < len; first = false, off += rl) {
        struct leaserec r;
        const char *w = NULL;
        enum leaserec_status s = leaserec_parse(buf + off, len - off, &r, &rl, &w);
        if (s == LEASEREC_SHORT)
            w = "cut short";
        else if (s == LEASEREC_OK && end)
            w = "records after the end record";
        else if (s == LEASEREC_OK && first != (r.type == LEASEREC_HEADER))
            w = first ? "no header record" : "a second header record";
        else if (s == LEASEREC_OK && first && r.u.file != LEASEREC_FILE_SNAPSHOT)
            w = "not a snapshot (a journal header)";
        else if (s == LEASEREC_OK && r.type == LEASEREC_END && r.u.count != leases)
            w = "end record's count differs from the records";
        if (s != LEASEREC_OK || w) {
            snprintf(why, whyn, "%s: bad record at offset %zu (%s): refusing to start", j->snap_path, off, w);
            return -1;
        }
        if (r.type == LEASEREC_END)
            end = true;
        else if (r.type == LEASEREC_LEASE) {
            struct lease l;
            lj_from_rec(&r.u.lease, &l);
            if (lt_apply(&j->t, &l) < 0) {
                snprintf(why, whyn, "%s: out of memory", j->snap_path);
                return -1;
            }
            leases++;
        }
    }
    if (len && !end) {
        snprintf(why, whyn, "%s: no end record (cut short): refusing to start", j->snap_path);
        return -1;
    }
    return 0;
}

/* The journal: header, then lease records. What a crash in the middle of
 * a write leaves at the end — a record cut short, the last record with a
 * bad CRC, or zeros (a file extended whose data never reached the disk) —
 * is dropped and counted; anything else that does not parse is damage, and
 * the store refuses to open. *valid is the length to keep. */
static int replay_journal(struct journal *j, const uint8_t *buf, size_t len, size_t *valid, char *why, size_t whyn)
{
    size_t off = 0, rl = 0;
    for (; off < len; off += rl) {
        struct leaserec r;
        const char *w = NULL;
        enum leaserec_status s = leaserec_parse(buf + off, len - off, &r, &rl, &w);
        if (off == 0 && (s != LEASEREC_OK || r.type != LEASEREC_HEADER || r.u.file != LEASEREC_FILE_JOURNAL)) {
            snprintf(why, whyn, "%s: not a lease journal (%s at offset 0): refusing to start", j->path,
                     s == LEASEREC_OK ? "no journal header" : s == LEASEREC_SHORT ? "cut short" : w);
            return -1;
        }
        if (off == 0)
            continue;
        /* A record whose fields are wrong under a good CRC was written so:
         * never a cut write, never dropped. */
        bool torn = s == LEASEREC_SHORT || (s == LEASEREC_BAD_CRC && off + rd16(buf + off + 2) == len) ||
                    (s != LEASEREC_OK && all_zero(buf + off, len - off));
        if (torn) {
            j->stats.torn_records++;
            CTR_INC(j->base.st, lease, torn_records);
            six_event(j->base.st, LOG_WARNING, "lease journal %s: dropped a record cut by a crash at offset %zu (%zu bytes)",
                      j->path, off, len - off);
            break;
        }
        if (s == LEASEREC_OK && r.type != LEASEREC_LEASE)
            w = "a header or end record inside the journal";
        if (s != LEASEREC_OK || w) {
            snprintf(why, whyn, "%s: bad record at offset %zu of %zu (%s): refusing to start", j->path, off, len,
                     w ? w : "?");
            return -1;
        }
        struct lease l;
        lj_from_rec(&r.u.lease, &l);
        if (lt_apply(&j->t, &l) < 0) {
            snprintf(why, whyn, "%s: out of memory", j->path);
            return -1;
        }
    }
    *valid = off;
    return 0;
}

static int split_path(struct journal *j, const char *where, char *why, size_t whyn)
{
    const char *slash = strrchr(where, '/');
    const char *base = slash ? slash + 1 : where;
    char dir[PATH_MAX];
    size_t dl = slash ? (size_t)(slash - where) : 0;
    if (!*base || strlen(base) + 6 > sizeof j->name || dl >= sizeof dir || strlen(where) + 6 > sizeof j->path) {
        snprintf(why, whyn, "lease store '%s': not a usable file name", where);
        return -1;
    }
    if (!slash)
        strcpy(dir, ".");
    else if (slash == where)
        strcpy(dir, "/");
    else
        memcpy(dir, where, dl), dir[dl] = 0;
    snprintf(j->path, sizeof j->path, "%s", where);
    snprintf(j->snap_path, sizeof j->snap_path, "%s.snap", where);
    snprintf(j->name, sizeof j->name, "%s", base);
    snprintf(j->snap_name, sizeof j->snap_name, "%s.snap", base);
    snprintf(j->new_name, sizeof j->new_name, "%s.new", base);
    char lock_name[sizeof j->name + 8];
    snprintf(lock_name, sizeof lock_name, "%s.lock", base);
    j->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (j->dirfd < 0) {
        snprintf(why, whyn, "lease store %s: directory %s: %s", where, dir, strerror(errno));
        return -1;
    }
    j->lockfd = openat(j->dirfd, lock_name, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (j->lockfd < 0 || flock(j->lockfd, LOCK_EX | LOCK_NB) < 0) {
        snprintf(why, whyn, "lease store %s: %s", where,
                 errno == EWOULDBLOCK ? "in use by another process (FILE.lock is locked)" : strerror(errno));
        return -1;
    }
    return 0;
}

static int journal_open(struct lease_store *s, const char *where, char *why, size_t whyn)
{
    struct journal *j = J(s);
    if (split_path(j, where, why, whyn) < 0)
        return -1;
    unlinkat(j->dirfd, j->new_name, 0);   /* a compaction's leftover: FILE is still whole */
    char *buf = NULL;
    size_t len = 0;
    int rc = atomic_file_read(j->dirfd, j->snap_name, LEASE_JOURNAL_MAX_LEASES * (size_t)LEASEREC_MAX, &buf, &len);
    if (rc < 0 && rc != -ENOENT) {
        snprintf(why, whyn, "%s: %s", j->snap_path, strerror(-rc));
        return -1;
    }
    if (rc == 0) {
        rc = replay_snapshot(j, (const uint8_t *)buf, len, why, whyn);
        free(buf);
        if (rc < 0)
            return -1;
    }
    rc = atomic_file_read(j->dirfd, j->name, SIZE_MAX / 2, &buf, &len);
    if (rc == 0 && len == 0) {
        /* An empty file (made by hand: ours always hold their header) is a
         * new journal; replaced by one with a header. */
        free(buf);
        rc = -ENOENT;
    }
    if (rc == -ENOENT) {
        j->fd = lj_new_journal(j, NULL, 0, NULL);
        if (j->fd < 0) {
            snprintf(why, whyn, "%s: cannot create: %s", j->path, strerror(-j->fd));
            return -1;
        }
        j->jbytes = LEASEREC_HEADER_LEN;
    } else if (rc < 0) {
        snprintf(why, whyn, "%s: %s", j->path, strerror(-rc));
        return -1;
    } else {
        size_t valid = 0;
        rc = replay_journal(j, (const uint8_t *)buf, len, &valid, why, whyn);
        free(buf);
        if (rc < 0)
            return -1;
        j->fd = openat(j->dirfd, j->name, O_RDWR | O_APPEND | O_CLOEXEC | O_NOFOLLOW);
        if (j->fd < 0 || (valid < len && (ftruncate(j->fd, (off_t)valid) < 0 || fdatasync(j->fd) < 0))) {
            snprintf(why, whyn, "%s: %s", j->path, strerror(errno));
            return -1;
        }
        j->jbytes = valid;
    }
    j->open_now = lease_wall_now(s->st);
    lt_drop_expired(&j->t, j->open_now);
    return 0;
}

static int journal_load(struct lease_store *s, lease_load_fn fn, void *arg)
{
    struct journal *j = J(s);
    int64_t now = lease_wall_now(s->st);
    int n = 0;
    for (uint32_t k = 0; k < j->t.n; k++)
        if (j->t.v[k].expires > now) {
            fn(arg, &j->t.v[k]);
            n++;
        }
    return n;
}

/* --- group commit --- */

static int batch_reserve(struct batch *b, unsigned entries, size_t bytes)
{
    if (entries > b->cap) {
        unsigned cap = b->cap ? 2 * b->cap : 64;
        struct jentry *e = realloc(b->e, cap * sizeof *e);
        if (!e)
            return -ENOMEM;
        b->e = e, b->cap = cap;
    }
    if (bytes > b->buf_cap) {
        size_t cap = b->buf_cap ? 2 * b->buf_cap : 16384;
        uint8_t *p = realloc(b->buf, cap);
        if (!p)
            return -ENOMEM;
        b->buf = p, b->buf_cap = cap;
    }
    return 0;
}

static void flush_timer_fn(struct timer *t, void *arg)
{
    (void)t;
    lease_store_flush(arg);
}

static void arm_flush(struct journal *j)
{
    if (!timer_pending(&j->flush_timer))
        timer_arm(j->base.st->tw, &j->flush_timer, 0);
}

static void journal_commit(struct lease_store *s, const struct lease *l, lease_done_fn done, void *arg)
{
    struct journal *j = J(s);
    struct batch *b = &j->pend;
    struct leaserec_lease r;
    lj_to_rec(l, &r);
    size_t rl = leaserec_lease_len(r.duid_len);
    if (b->n >= LEASE_JOURNAL_MAX_INFLIGHT || batch_reserve(b, b->n + 1, b->len + rl) < 0) {
        /* Past every cap (the caller must bound its transactions): the one
         * place a callback runs inside commit, logged as the bug it is. */
        six_event(s->st, LOG_ERR, "lease store %s: %u commits in flight: refused at once", j->path, b->n);
        CTR_INC(s->st, lease, drop_pending_full);
        done(arg, LEASE_FAILED, l);
        return;
    }
    struct jentry *e = &b->e[b->n++];
    e->l = *l;
    e->done = done;
    e->arg = arg;
    e->result = LEASE_OK;
    CTR_INC(s->st, lease, commits);
    j->stats.commits++;
    bool is_new = !lt_find(&j->t, l->kind, &l->addr);
    if (j->failed) {
        e->result = LEASE_FAILED;
        CTR_INC(s->st, lease, drop_read_only);
    } else if (b->n_records >= j->max_pending) {
        e->result = LEASE_FAILED;
        CTR_INC(s->st, lease, drop_pending_full);
    } else if (is_new && l->state != LEASE_FREE && j->t.n + b->n_records >= LEASE_JOURNAL_MAX_LEASES) {
        e->result = LEASE_FAILED;
        CTR_INC(s->st, lease, drop_table_full);
    } else if (leaserec_emit_lease(&r, b->buf + b->len, b->buf_cap - b->len) != rl) {
        e->result = LEASE_FAILED;   /* a field no record can hold (kind, state, plen) */
        CTR_INC(s->st, lease, drop_bad_lease);
    } else {
        b->len += rl;
        b->n_records++;
    }
    arm_flush(j);
}

/* Write and fsync the batch; 0 or -errno with *what the call that failed. */
static int write_batch(struct journal *j, const struct batch *b, const char **what)
{
    *what = "write";
    int rc = fd_write_all(j->fd, b->buf, b->len);
    if (rc == 0) {
        j->jbytes += b->len;
        *what = "fdatasync";
        if (fdatasync(j->fd) < 0)
            rc = -errno;
        j->stats.fsyncs++;
        CTR_INC(j->base.st, lease, fsyncs);
    }
    return rc;
}

static void journal_flush(struct lease_store *s)
{
    struct journal *j = J(s);
    if (j->in_flush || !j->pend.n)
        return;
    j->in_flush = true;
    timer_cancel(&j->flush_timer);
    /* Callbacks may commit again: those go to the (now empty) pending batch. */
    struct batch run = j->pend;
    j->pend = j->run;
    j->pend.n = j->pend.n_records = 0;
    j->pend.len = 0;
    enum lease_result failed_all = LEASE_OK;
    if (run.n_records) {
        const char *what;
        int rc = write_batch(j, &run, &what);
        j->stats.batches++;
        CTR_INC(s->st, lease, batches);
        if (rc < 0) {
            j->failed = true;
            failed_all = LEASE_FAILED;
            CTR_INC(s->st, lease, write_errors);
            six_event(s->st, LOG_ERR, "lease store %s: %s failed: %s; %u commits refused, and the store is "
                      "read-only until sixd restarts (no lease is given without being on disk)", j->path, what,
                      strerror(-rc), run.n_records);
        }
    }
    for (unsigned k = 0; k < run.n; k++) {
        struct jentry *e = &run.e[k];
        enum lease_result r = e->result != LEASE_OK ? e->result : failed_all;
        if (r == LEASE_OK && lj_apply(j, &e->l) < 0 && !j->failed) {
            /* On disk but not in memory: a compaction would lose it. */
            j->failed = true;
            six_event(s->st, LOG_ERR, "lease store %s: out of memory; the store is read-only until sixd restarts",
                      j->path);
        }
        j->stats.failures += r != LEASE_OK;
    }
    for (unsigned k = 0; k < run.n; k++) {
        struct jentry *e = &run.e[k];
        enum lease_result r = e->result != LEASE_OK ? e->result : failed_all;
        e->done(e->arg, r, &e->l);
    }
    run.n = run.n_records = 0;
    run.len = 0;
    j->run = run;
    j->in_flush = false;
    if (j->pend.n)
        arm_flush(j);
    if (!j->closing) {
        lj_compact_finish(j, false);
        lj_maybe_compact(j);
    }
}

static void journal_close(struct lease_store *s)
{
    struct journal *j = J(s);
    j->closing = true;
    journal_flush(s);
    lj_compact_finish(j, true);
    timer_cancel(&j->flush_timer);
    /* Commits made by the last callbacks: refused, never left without an answer. */
    j->failed = true;
    while (j->pend.n)
        journal_flush(s);
    if (j->fd >= 0)
        close(j->fd);
    if (j->lockfd >= 0)
        close(j->lockfd);
    if (j->dirfd >= 0)
        close(j->dirfd);
    lt_free(&j->t);
    lj_compact_free(j);
    free(j->pend.e), free(j->pend.buf), free(j->run.e), free(j->run.buf);
    free(j);
}

static void journal_stats(const struct lease_store *s, struct lease_store_stats *out)
{
    const struct journal *j = (const struct journal *)s;
    *out = j->stats;
    out->records = j->t.n;
    out->bytes = j->jbytes;
}

static const struct lease_store_ops journal_ops = {
    .name = "journal",
    .open = journal_open,
    .load = journal_load,
    .commit = journal_commit,
    .flush = journal_flush,
    .close = journal_close,
    .stats = journal_stats,
};

struct lease_store *lease_journal_create(struct six_stack *st)
{
    struct journal *j = calloc(1, sizeof *j);
    if (!j)
        return NULL;
    j->base.ops = &journal_ops;
    j->base.st = st;
    j->fd = j->dirfd = j->lockfd = -1;
    j->max_pending = LEASE_JOURNAL_MAX_PENDING;
    j->compact_factor = 4;
    j->compact_min = LEASE_JOURNAL_COMPACT_MIN;
    timer_init(&j->flush_timer, flush_timer_fn, &j->base);
    lj_compact_init(j);
    return &j->base;
}

void lease_journal_set_max_pending(struct lease_store *s, unsigned n)
{
    J(s)->max_pending = n ? n : 1;
}
