/* The DHCPv6 lease store's journal backend (src/dhcp6/lease_journal*.c,
 * lease_store.c) and its records (src/wire/leaserec.c): round trip, group
 * commit, reopen, torn tails, damage in the middle, caps, compaction with a
 * crash at each step, and kill -9 of a process committing leases.
 *
 * A stack on a virtual clock gives the wall time (lease_wall_now); the
 * kill -9 test's child runs on the real clock. Files live in
 * /tmp/d6lj-PID-N directories, removed at the end. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "../lib/t.h"
#include "../lib/logcap.h"
#include "dhcp6/lease.h"
#include "dhcp6/lease_journal.h"
#include "dhcp6/lease_journal_priv.h"
#include "net/stack.h"
#include "wire/leaserec.h"

/* Until the PostgreSQL backend (lease_pg.c) is in libsix: this binary
 * never opens a postgresql:// store, and a definition here keeps the
 * archive's one (if any) out of the link. */
struct lease_store *lease_pg_create(struct six_stack *st)
{
    (void)st;
    return NULL;
}

#define T0 1700000000ll            /* virtual wall clock at the start (s) */

static uint64_t vnow = (uint64_t)T0 * NS_PER_SEC;
static uint64_t vclock_now(void *ctx) { (void)ctx; return vnow; }
static const struct six_clock vclock = { vclock_now, NULL };

static struct six_stack *vstack(void)
{
    struct six_stack_opts o = { .name = "lj", .clock = &vclock, .seed = 7 };
    return six_stack_create(&o);
}

/* One turn of the event loop: the store's zero-delay timer fires. */
static void turn(struct six_stack *st)
{
    vnow += NS_PER_MS;
    six_stack_poll(st);
}

static char scratch_root[64];
static unsigned scratch_n;

static void scratch_dir(char *out, size_t n)
{
    snprintf(out, n, "%s/%u", scratch_root, ++scratch_n);
    mkdir(out, 0700);
}

static void rm_tree(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    char p[512];
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        struct stat sb;
        if (lstat(p, &sb) == 0 && S_ISDIR(sb.st_mode))
            rm_tree(p);
        else
            unlink(p);
    }
    closedir(d);
    rmdir(dir);
}

static void copy_file(const char *from, const char *to)
{
    int in = open(from, O_RDONLY), out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    char buf[65536];
    ssize_t k;
    while (in >= 0 && out >= 0 && (k = read(in, buf, sizeof buf)) > 0)
        if (write(out, buf, (size_t)k) != k)
            break;
    if (in >= 0)
        close(in);
    if (out >= 0)
        close(out);
}

/* Every regular file of dir (what a crash would leave) into a new dir. */
static void copy_dir(const char *from, const char *to)
{
    mkdir(to, 0700);
    DIR *d = opendir(from);
    struct dirent *e;
    char a[512], b[512];
    while (d && (e = readdir(d))) {
        if (e->d_name[0] == '.' && (!e->d_name[1] || e->d_name[1] == '.'))
            continue;
        snprintf(a, sizeof a, "%s/%s", from, e->d_name);
        snprintf(b, sizeof b, "%s/%s", to, e->d_name);
        copy_file(a, b);
    }
    if (d)
        closedir(d);
}

static long file_size(const char *p)
{
    struct stat sb;
    return stat(p, &sb) == 0 ? (long)sb.st_size : -1;
}

static bool exists(const char *dir, const char *name)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    return access(p, F_OK) == 0;
}

/* --- leases and a reference model --- */

static struct lease mk_lease(unsigned addr_ix, unsigned duid_ix, enum lease_state state, int64_t expires)
{
    struct lease l;
    memset(&l, 0, sizeof l);
    l.addr.s6_addr[0] = 0x20, l.addr.s6_addr[1] = 0x01, l.addr.s6_addr[2] = 0x0d, l.addr.s6_addr[3] = 0xb8;
    l.addr.s6_addr[14] = (uint8_t)(addr_ix >> 8), l.addr.s6_addr[15] = (uint8_t)addr_ix;
    l.plen = 128;
    l.kind = LEASE_NA;
    l.state = (uint8_t)state;
    l.duid_len = (uint8_t)(10 + duid_ix % 7);
    for (unsigned i = 0; i < l.duid_len; i++)
        l.duid[i] = (uint8_t)(duid_ix * 31 + i);
    l.duid[0] = (uint8_t)(duid_ix >> 8), l.duid[1] = (uint8_t)duid_ix, l.duid[2] = (uint8_t)(duid_ix >> 16);
    l.iaid = duid_ix * 3;
    l.preferred = 1800, l.valid = 3600;
    l.cltt = expires - 3600;
    l.expires = expires;
    l.has_rkey = duid_ix % 2;
    if (l.has_rkey)
        memset(l.rkey, 0x5a ^ (int)duid_ix, 16);
    l.pool_id = 1 + duid_ix % 3;
    return l;
}

#define MODEL_MAX 4096
struct model {
    struct lease l[MODEL_MAX];
    bool live[MODEL_MAX];        /* by addr_ix */
};

static unsigned addr_ix(const struct lease *l) { return (unsigned)l->addr.s6_addr[14] << 8 | l->addr.s6_addr[15]; }

static void model_apply(struct model *m, const struct lease *l)
{
    m->l[addr_ix(l)] = *l;
    m->live[addr_ix(l)] = l->state != LEASE_FREE;
}

struct loaded {
    struct lease l[MODEL_MAX];
    bool seen[MODEL_MAX];
    unsigned n, dups;
};

static void load_fn(void *arg, const struct lease *l)
{
    struct loaded *ld = arg;
    unsigned ix = addr_ix(l);
    if (ix >= MODEL_MAX || ld->seen[ix])
        ld->dups++;
    else
        ld->l[ix] = *l, ld->seen[ix] = true;
    ld->n++;
}

/* The store at dir/leases holds exactly the model's live leases. */
static int matches_model(struct six_stack *st, const char *dir, const struct model *m, char *why, size_t whyn)
{
    char path[512];
    snprintf(path, sizeof path, "%s/leases", dir);
    struct lease_store *s = lease_store_open(st, path, why, whyn);
    if (!s)
        return -1;
    static struct loaded ld;
    memset(&ld, 0, sizeof ld);
    lease_store_load(s, load_fn, &ld);
    lease_store_close(s);
    int bad = ld.dups ? -2 : 0;
    for (unsigned i = 0; i < MODEL_MAX && !bad; i++) {
        bool want = m->live[i] && m->l[i].expires > lease_wall_now(st);
        if (want != ld.seen[i] || (want && memcmp(&ld.l[i], &m->l[i], sizeof m->l[i])))
            bad = -3 - (int)i;
    }
    if (bad)
        snprintf(why, whyn, "%s: loaded %u leases (%u dups), mismatch %d", dir, ld.n, ld.dups, bad);
    return bad;
}

/* --- commit callbacks --- */

struct done_log {
    unsigned ok, failed, conflict, calls;
    bool in_commit;              /* set around lease_store_commit: a callback then is a bug */
    unsigned called_inside;
};

static void done_fn(void *arg, enum lease_result r, const struct lease *l)
{
    struct done_log *d = arg;
    (void)l;
    d->calls++;
    d->called_inside += d->in_commit;
    if (r == LEASE_OK)
        d->ok++;
    else if (r == LEASE_FAILED)
        d->failed++;
    else
        d->conflict++;
}

static void commit(struct lease_store *s, const struct lease *l, struct done_log *d)
{
    d->in_commit = true;
    lease_store_commit(s, l, done_fn, d);
    d->in_commit = false;
}

static struct lease_store *open_in(struct six_stack *st, const char *dir)
{
    char path[512], why[512];
    snprintf(path, sizeof path, "%s/leases", dir);
    struct lease_store *s = lease_store_open(st, path, why, sizeof why);
    if (!s)
        fprintf(stderr, "  open %s: %s\n", path, why);
    return s;
}

/* --- records --- */

TEST(crc32c_check_value)
{
    T_EQ(leaserec_crc32c("123456789", 9), 0xe3069283u);
    T_EQ(leaserec_crc32c("", 0), 0);
}

TEST(record_round_trip_and_every_cut)
{
    struct lease l = mk_lease(7, 9, LEASE_BOUND, T0 + 100);
    struct leaserec_lease r, back;
    lj_to_rec(&l, &r);
    uint8_t buf[LEASEREC_MAX];
    size_t n = leaserec_emit_lease(&r, buf, sizeof buf);
    T_EQ(n, leaserec_lease_len(l.duid_len));
    struct leaserec p;
    size_t rl = 0;
    const char *why;
    T_EQ(leaserec_parse(buf, n, &p, &rl, &why), LEASEREC_OK);
    T_EQ(rl, n);
    T_EQ(p.type, LEASEREC_LEASE);
    struct lease l2;
    lj_from_rec(&p.u.lease, &l2);
    T_MEMEQ(&l2, &l, sizeof l);
    back = p.u.lease;
    T_MEMEQ(&back, &r, sizeof r);
    for (size_t k = 0; k < n; k++)
        T_EQ(leaserec_parse(buf, k, &p, &rl, &why), LEASEREC_SHORT);
    /* Every single-bit flip is refused (CRC, or the field checks before it). */
    unsigned refused = 0;
    for (size_t k = 0; k < n * 8; k++) {
        buf[k / 8] ^= (uint8_t)(1u << (k % 8));
        enum leaserec_status s = leaserec_parse(buf, n, &p, &rl, &why);
        refused += s != LEASEREC_OK;
        buf[k / 8] ^= (uint8_t)(1u << (k % 8));
    }
    T_EQ(refused, n * 8);
    /* Fields no record may hold are not emitted. */
    r.kind = 9;
    T_EQ(leaserec_emit_lease(&r, buf, sizeof buf), 0);
    r.kind = LEASE_PD, r.plen = 129;
    T_EQ(leaserec_emit_lease(&r, buf, sizeof buf), 0);
    r.plen = 56;
    T_EQ(leaserec_emit_lease(&r, buf, n - 1), 0);
    /* A newer version is named as such. */
    n = leaserec_emit_lease(&r, buf, sizeof buf);
    buf[1] = LEASEREC_VERSION + 1;
    T_EQ(leaserec_parse(buf, n, &p, &rl, &why), LEASEREC_NEWER);
}

/* The live table (dense array + open addressing with backward-shift
 * deletion) against a plain array, through growth, deletes that move the
 * last entry, and expiry sweeps. */
TEST(live_table_matches_a_model_under_random_updates)
{
    static struct ltable t;
    static struct model m;
    memset(&t, 0, sizeof t);
    memset(&m, 0, sizeof m);
    srand(12345);
    unsigned bad = 0;
    for (unsigned i = 0; i < 60000 && !bad; i++) {
        unsigned a = (unsigned)rand() % 3000;
        struct lease l = mk_lease(a, i, rand() % 3 ? LEASE_BOUND : LEASE_FREE, T0 + rand() % 1000);
        lt_apply(&t, &l);
        model_apply(&m, &l);
        if (i % 10000 == 9999) {
            int64_t now = T0 + rand() % 1000;
            lt_drop_expired(&t, now);
            for (unsigned k = 0; k < 3000; k++)
                m.live[k] = m.live[k] && m.l[k].expires > now;
        }
        if (i % 997 == 0 || i == 59999) {
            unsigned live = 0;
            for (unsigned k = 0; k < 3000; k++) {
                struct lease probe = mk_lease(k, 0, LEASE_BOUND, 0);
                const struct lease *f = lt_find(&t, LEASE_NA, &probe.addr);
                live += m.live[k];
                if (m.live[k] != (f != NULL) || (f && memcmp(f, &m.l[k], sizeof *f)))
                    bad++;
            }
            if (live != t.n)
                bad++;
            uint64_t bytes = 0;
            for (unsigned k = 0; k < t.n; k++)
                bytes += leaserec_lease_len(t.v[k].duid_len);
            if (bytes != t.rec_bytes)
                bad++;
        }
    }
    T_EQ(bad, 0);
    free(t.v);
    free(t.idx);
}

/* --- the store --- */

TEST(round_trip_reopen_and_callbacks_after_fsync)
{
    char dir[256];
    scratch_dir(dir, sizeof dir);
    struct six_stack *st = vstack();
    struct lease_store *s = open_in(st, dir);
    T_CHECK(s);
    if (!s)
        return;
    T_STREQ(lease_store_kind(s), "journal");
    struct done_log d = { 0 };
    static struct model m;
    memset(&m, 0, sizeof m);
    for (unsigned i = 0; i < 5; i++) {
        struct lease l = mk_lease(i, 100 + i, i == 4 ? LEASE_DECLINED : LEASE_BOUND, T0 + 3600);
        l.kind = i == 3 ? LEASE_PD : LEASE_NA;
        l.plen = i == 3 ? 56 : 128;
        commit(s, &l, &d);
        model_apply(&m, &l);
    }
    T_EQ(d.calls, 0);                  /* nothing before the batch is on disk */
    struct lease_store_stats ss;
    lease_store_stats(s, &ss);
    T_EQ(ss.fsyncs, 0);
    turn(st);                          /* the store's zero-delay timer */
    T_EQ(d.ok, 5);
    T_EQ(d.called_inside, 0);
    lease_store_stats(s, &ss);
    T_EQ(ss.fsyncs, 1);
    T_EQ(ss.records, 5);
    T_EQ(CTR_GET(st, lease, commits), 5);
    /* Free one, rebind another to a new client. */
    struct lease f = m.l[1];
    f.state = LEASE_FREE;
    commit(s, &f, &d);
    model_apply(&m, &f);
    struct lease g = mk_lease(2, 777, LEASE_BOUND, T0 + 7200);
    commit(s, &g, &d);
    model_apply(&m, &g);
    lease_store_close(s);              /* flushes: the two callbacks ran */
    T_EQ(d.ok, 7);
    char why[512];
    int rc = matches_model(st, dir, &m, why, sizeof why);
    if (rc)
        fprintf(stderr, "  %s\n", why);
    T_EQ(rc, 0);
    six_stack_destroy(st);
}

TEST(group_commit_100_commits_one_fsync)
{
    char dir[256];
    scratch_dir(dir, sizeof dir);
    struct six_stack *st = vstack();
    struct lease_store *s = open_in(st, dir);
    if (!s) {
        T_CHECK(s);
        return;
    }
    struct done_log d = { 0 };
    for (unsigned i = 0; i < 100; i++) {
        struct lease l = mk_lease(i, i, LEASE_BOUND, T0 + 3600);
        commit(s, &l, &d);
    }
    turn(st);
    struct lease_store_stats ss;
    lease_store_stats(s, &ss);
    T_EQ(d.ok, 100);
    T_EQ(ss.fsyncs, 1);
    T_EQ(ss.batches, 1);
    T_EQ(CTR_GET(st, lease, fsyncs), 1);
    /* A callback that commits again: its commit waits for the next batch. */
    lease_store_close(s);
    six_stack_destroy(st);
}

struct recommit {
    struct lease_store *s;
    struct done_log d;
    unsigned again;
};

static void recommit_fn(void *arg, enum lease_result r, const struct lease *l)
{
    struct recommit *rc = arg;
    done_fn(&rc->d, r, l);
    if (rc->again) {
        rc->again--;
        struct lease n = *l;
        n.addr.s6_addr[13] = 1;
        rc->d.in_commit = true;
        lease_store_commit(rc->s, &n, recommit_fn, rc);
        rc->d.in_commit = false;
    }
}

TEST(commit_from_a_callback_goes_to_the_next_batch)
{
    char dir[256];
    scratch_dir(dir, sizeof dir);
    struct six_stack *st = vstack();
    struct lease_store *s = open_in(st, dir);
    if (!s) {
        T_CHECK(s);
        return;
    }
    struct recommit rc = { .s = s, .again = 1 };
    struct lease l = mk_lease(1, 1, LEASE_BOUND, T0 + 3600);
    lease_store_commit(s, &l, recommit_fn, &rc);
    turn(st);
    /* The new commit's zero-delay timer fires in the same turn, after the
     * first batch was finished: two batches, two fsyncs. */
    T_EQ(rc.d.ok, 2);
    T_EQ(rc.d.called_inside, 0);
    struct lease_store_stats ss;
    lease_store_stats(s, &ss);
    T_EQ(ss.fsyncs, 2);
    lease_store_close(s);
    six_stack_destroy(st);
}

TEST(expired_leases_are_not_loaded)
{
    char dir[256];
    scratch_dir(dir, sizeof dir);
    struct six_stack *st = vstack();
    struct lease_store *s = open_in(st, dir);
    if (!s) {
        T_CHECK(s);
        return;
    }
    struct done_log d = { 0 };
    int64_t now = lease_wall_now(st);
    struct lease a = mk_lease(1, 1, LEASE_BOUND, now + 10), b = mk_lease(2, 2, LEASE_BOUND, now + 1000),
                 c = mk_lease(3, 3, LEASE_DECLINED, now + 10);
    commit(s, &a, &d), commit(s, &b, &d), commit(s, &c, &d);
    lease_store_close(s);
    vnow += 60 * NS_PER_SEC;
    s = open_in(st, dir);
    if (!s) {
        T_CHECK(s);
        return;
    }
    static struct loaded ld;
    memset(&ld, 0, sizeof ld);
    T_EQ(lease_store_load(s, load_fn, &ld), 1);
    T_CHECK(ld.seen[2] && !ld.seen[1] && !ld.seen[3]);
    lease_store_close(s);
    six_stack_destroy(st);
}

/* A journal of n leases (n-1 of them followed by the last one); returns
 * the offset where the last record starts. */
static long journal_of(struct six_stack *st, const char *dir, unsigned n, struct model *m)
{
    struct lease_store *s = open_in(st, dir);
    if (!s)
        return -1;
    struct done_log d = { 0 };
    char path[512];
    snprintf(path, sizeof path, "%s/leases", dir);
    long before_last = 0;
    for (unsigned i = 0; i < n; i++) {
        if (i == n - 1) {
            lease_store_flush(s);
            before_last = file_size(path);
        }
        struct lease l = mk_lease(i, i, LEASE_BOUND, T0 + 86400);
        commit(s, &l, &d);
        if (m)
            model_apply(m, &l);
    }
    lease_store_close(s);
    return before_last;
}

TEST(torn_tail_at_every_offset_of_the_last_record)
{
    char dir[256], cut[256], path[512], cpath[512];
    scratch_dir(dir, sizeof dir);
    struct six_stack *st = vstack();
    static struct model all, but_last;
    memset(&all, 0, sizeof all);
    long last = journal_of(st, dir, 4, &all);
    but_last = all;
    but_last.live[3] = false;
    snprintf(path, sizeof path, "%s/leases", dir);
    long size = file_size(path);
    T_CHECK(last > 0 && size > last);
    unsigned bad = 0;
    logcap_start(LOG_WARNING);
    for (long k = last; k < size; k++) {
        scratch_dir(cut, sizeof cut);
        snprintf(cpath, sizeof cpath, "%s/leases", cut);
        copy_file(path, cpath);
        if (truncate(cpath, k) < 0)
            bad++;
        uint64_t torn0 = CTR_GET(st, lease, torn_records);
        char why[512];
        if (matches_model(st, cut, &but_last, why, sizeof why)) {
            fprintf(stderr, "  cut at %ld: %s\n", k, why);
            bad++;
        }
        /* Counted when something was cut off; the file is cut back to the
         * last whole record, so a second open finds nothing torn. */
        if (CTR_GET(st, lease, torn_records) != torn0 + (k > last) || file_size(cpath) != last)
            bad++;
        rm_tree(cut);
    }
    T_EQ(bad, 0);
    T_EQ(logcap_count("warn", "dropped a record cut by a crash at offset", NULL), (unsigned)(size - last - 1));
    /* A flipped byte in the last record: dropped too (its length reaches the end). */
    scratch_dir(cut, sizeof cut);
    snprintf(cpath, sizeof cpath, "%s/leases", cut);
    copy_file(path, cpath);
    int fd = open(cpath, O_RDWR);
    uint8_t byte;
    T_EQ(pread(fd, &byte, 1, size - 10), 1);
    byte ^= 0x40;
    T_EQ(pwrite(fd, &byte, 1, size - 10), 1);
    close(fd);
    char why[512];
    T_EQ(matches_model(st, cut, &but_last, why, sizeof why), 0);
    /* Zeros after the last whole record (a file extended, data never written). */
    scratch_dir(cut, sizeof cut);
    snprintf(cpath, sizeof cpath, "%s/leases", cut);
    copy_file(path, cpath);
    T_EQ(truncate(cpath, size + 300), 0);
    T_EQ(matches_model(st, cut, &all, why, sizeof why), 0);
    /* A last record whose CRC is right but whose state no record holds
     * was written so: refused, not dropped as torn. */
    scratch_dir(cut, sizeof cut);
    snprintf(cpath, sizeof cpath, "%s/leases", cut);
    copy_file(path, cpath);
    uint8_t rec[LEASEREC_MAX];
    fd = open(cpath, O_RDWR);
    T_EQ(pread(fd, rec, (size_t)(size - last), last), size - last);
    rec[LEASEREC_HDR_LEN + 18] = 9;   /* state */
    size_t rl = (size_t)(size - last);
    rec[rl - 4] = (uint8_t)(leaserec_crc32c(rec, rl - 4) >> 24), rec[rl - 3] = (uint8_t)(leaserec_crc32c(rec, rl - 4) >> 16);
    rec[rl - 2] = (uint8_t)(leaserec_crc32c(rec, rl - 4) >> 8), rec[rl - 1] = (uint8_t)leaserec_crc32c(rec, rl - 4);
    T_EQ(pwrite(fd, rec, rl, last), (ssize_t)rl);
    close(fd);
    T_CHECK(matches_model(st, cut, &all, why, sizeof why) == -1 && strstr(why, "unknown lease state"));
    T_EQ(file_size(cpath), size);
    logcap_stop();
    six_stack_destroy(st);
}

TEST(damage_in_the_middle_refuses_to_open)
{
    char dir[256], path[512], why[512];
    scratch_dir(dir, sizeof dir);
    struct six_stack *st = vstack();
    journal_of(st, dir, 3, NULL);
    snprintf(path, sizeof path, "%s/leases", dir);
    long size = file_size(path);
    int fd = open(path, O_RDWR);
    uint8_t byte;
    T_EQ(pread(fd, &byte, 1, LEASEREC_HEADER_LEN + 20), 1);   /* inside the first lease record */
    byte ^= 1;
    T_EQ(pwrite(fd, &byte, 1, LEASEREC_HEADER_LEN + 20), 1);
    close(fd);
    struct lease_store *s = lease_store_open(st, path, why, sizeof why);
    T_CHECK(!s);
    lease_store_close(s);
    T_CHECK(strstr(why, path) && strstr(why, "offset 17") && strstr(why, "refusing"));
    T_EQ(file_size(path), size);       /* nothing cut away */
    /* Not a journal at all: refused, untouched. */
    scratch_dir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/leases", dir);
    fd = open(path, O_WRONLY | O_CREAT, 0600);
    T_EQ(write(fd, "hello, world\n", 13), 13);
    close(fd);
    s = lease_store_open(st, path, why, sizeof why);
    T_CHECK(!s && strstr(why, "not a lease journal"));
    lease_store_close(s);
    T_EQ(file_size(path), 13);
    six_stack_destroy(st);
}

TEST(an_empty_file_is_a_new_journal)
{
    char dir[256], path[512];
    scratch_dir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/leases", dir);
    close(open(path, O_WRONLY | O_CREAT, 0600));
    struct six_stack *st = vstack();
    struct lease_store *s = open_in(st, dir);
    T_CHECK(s);
    struct done_log d = { 0 };
    static struct model m;
    memset(&m, 0, sizeof m);
    struct lease l = mk_lease(1, 1, LEASE_BOUND, T0 + 3600);
    if (s)
        commit(s, &l, &d);
    model_apply(&m, &l);
    lease_store_close(s);
    T_EQ(d.ok, 1);
    char why[512];
    int rc = matches_model(st, dir, &m, why, sizeof why);
    if (rc)
        fprintf(stderr, "  %s\n", why);
    T_EQ(rc, 0);
    six_stack_destroy(st);
}

TEST(second_store_on_the_same_file_is_refused)
{
    char dir[256], path[512], why[512];
    scratch_dir(dir, sizeof dir);
    struct six_stack *st = vstack();
    struct lease_store *a = open_in(st, dir);
    snprintf(path, sizeof path, "%s/leases", dir);
    struct lease_store *b = lease_store_open(st, path, why, sizeof why);
    T_CHECK(a && !b && strstr(why, "in use"));
    lease_store_close(a);
    lease_store_close(b);
    six_stack_destroy(st);
}

TEST(pending_cap_refuses_at_once_without_writing)
{
    char dir[256];
    scratch_dir(dir, sizeof dir);
    struct six_stack *st = vstack();
    struct lease_store *s = open_in(st, dir);
    if (!s) {
        T_CHECK(s);
        return;
    }
    lease_journal_set_max_pending(s, 10);
    struct done_log d = { 0 };
    for (unsigned i = 0; i < 15; i++) {
        struct lease l = mk_lease(i, i, LEASE_BOUND, T0 + 3600);
        commit(s, &l, &d);
    }
    T_EQ(d.calls, 0);
    turn(st);
    T_EQ(d.ok, 10);
    T_EQ(d.failed, 5);
    T_EQ(d.called_inside, 0);
    T_EQ(CTR_GET(st, lease, drop_pending_full), 5);
    /* A lease no record can hold: refused, counted, nothing written. */
    struct lease bad = mk_lease(20, 20, LEASE_BOUND, T0 + 3600);
    bad.duid_len = DHCP6_DUID_MAX + 1;
    commit(s, &bad, &d);
    bad.duid_len = 10, bad.state = 7;
    commit(s, &bad, &d);
    turn(st);
    T_EQ(d.failed, 7);
    T_EQ(CTR_GET(st, lease, drop_bad_lease), 2);
    struct lease_store_stats ss;
    lease_store_stats(s, &ss);
    T_EQ(ss.records, 10);
    lease_store_close(s);
    six_stack_destroy(st);
}

TEST(failed_write_makes_the_store_read_only)
{
    char dir[256];
    scratch_dir(dir, sizeof dir);
    struct six_stack *st = vstack();
    struct lease_store *s = open_in(st, dir);
    if (!s) {
        T_CHECK(s);
        return;
    }
    struct done_log d = { 0 };
    struct lease a = mk_lease(1, 1, LEASE_BOUND, T0 + 3600);
    commit(s, &a, &d);
    turn(st);
    T_EQ(d.ok, 1);
    /* The disk is full from now on. */
    int full = open("/dev/full", O_WRONLY);
    T_CHECK(full >= 0 && dup2(full, ((struct journal *)s)->fd) >= 0);
    close(full);
    struct lease b = mk_lease(2, 2, LEASE_BOUND, T0 + 3600), c = mk_lease(3, 3, LEASE_BOUND, T0 + 3600);
    commit(s, &b, &d), commit(s, &c, &d);
    logcap_start(LOG_WARNING);
    turn(st);
    T_EQ(logcap_count("err", "write failed", "No space left", "read-only", NULL), 1);
    logcap_stop();
    T_EQ(d.failed, 2);
    T_EQ(CTR_GET(st, lease, write_errors), 1);
    /* Later commits fail too, without trying the disk. */
    struct lease e = mk_lease(4, 4, LEASE_BOUND, T0 + 3600);
    commit(s, &e, &d);
    turn(st);
    T_EQ(d.failed, 3);
    T_EQ(d.ok, 1);
    T_EQ(CTR_GET(st, lease, drop_read_only), 1);
    T_EQ(CTR_GET(st, lease, write_errors), 1);
    T_EQ(d.called_inside, 0);
    struct lease_store_stats ss;
    lease_store_stats(s, &ss);
    T_EQ(ss.failures, 3);
    T_EQ(ss.records, 1);
    lease_store_close(s);
    six_stack_destroy(st);
}


/* --- compaction --- */

struct crash_points {
    char dir[256];               /* the live store's directory */
    char at[4][256];             /* a copy of it at each step */
    bool seen[4];
    int release;                 /* the thread waits in step 1 until the test has committed more */
};

static void crash_hook(void *arg, enum lease_journal_step step)
{
    struct crash_points *cp = arg;
    copy_dir(cp->dir, cp->at[step]);
    __atomic_store_n(&cp->seen[step], true, __ATOMIC_RELEASE);
    if (step == LJ_STEP_SNAP_WRITTEN)
        for (int i = 0; i < 5000 && !__atomic_load_n(&cp->release, __ATOMIC_ACQUIRE); i++)
            usleep(1000);
}

TEST(compaction_crash_at_each_step_loses_nothing)
{
    static struct crash_points cp;
    static struct model before, after;
    memset(&cp, 0, sizeof cp);
    memset(&before, 0, sizeof before);
    scratch_dir(cp.dir, sizeof cp.dir);
    for (int i = 0; i < 4; i++)
        scratch_dir(cp.at[i], sizeof cp.at[i]);
    struct six_stack *st = vstack();
    struct lease_store *s = open_in(st, cp.dir);
    if (!s) {
        T_CHECK(s);
        return;
    }
    lease_journal_set_test_hook(s, crash_hook, &cp);
    struct done_log d = { 0 };
    /* 300 leases, each rewritten twice, 60 freed, 5 expired: what the snapshot holds. */
    for (unsigned round = 0; round < 3; round++)
        for (unsigned i = 0; i < 300; i++) {
            struct lease l = mk_lease(i, i + round * 1000, LEASE_BOUND, T0 + (i < 5 ? 30 : 86400));
            commit(s, &l, &d);
            model_apply(&before, &l);
        }
    for (unsigned i = 100; i < 160; i++) {
        struct lease f = before.l[i];
        f.state = LEASE_FREE;
        commit(s, &f, &d);
        model_apply(&before, &f);
    }
    turn(st);
    vnow += 60 * NS_PER_SEC;           /* the first 5 expire */
    T_EQ(lease_journal_compact(s), 0);
    /* Commits after the thread wrote the snapshot (it waits in step 1 until
     * they are on disk): the journal's tail. */
    for (int i = 0; i < 5000 && !__atomic_load_n(&cp.seen[LJ_STEP_SNAP_WRITTEN], __ATOMIC_ACQUIRE); i++)
        usleep(1000);
    after = before;
    for (unsigned i = 150; i < 170; i++) {
        struct lease l = mk_lease(i, i + 5000, LEASE_BOUND, T0 + 86400);
        commit(s, &l, &d);
        model_apply(&after, &l);
    }
    struct lease f = after.l[200];
    f.state = LEASE_FREE;
    commit(s, &f, &d);
    model_apply(&after, &f);
    lease_store_flush(s);
    __atomic_store_n(&cp.release, 1, __ATOMIC_RELEASE);
    T_EQ(lease_journal_compact_wait(s), 0);
    T_EQ(d.ok, 900 + 60 + 21);
    struct lease_store_stats ss;
    lease_store_stats(s, &ss);
    T_EQ(ss.compactions, 1);
    T_EQ(CTR_GET(st, lease, compactions), 1);
    /* The new journal is the header and the tail's 21 records. */
    T_CHECK(ss.bytes < LEASEREC_HEADER_LEN + 21 * LEASEREC_MAX);
    T_CHECK(ss.bytes > LEASEREC_HEADER_LEN + 20 * LEASEREC_LEASE_FIXED);
    lease_store_close(s);
    for (int i = 0; i < 4; i++)
        T_CHECK(cp.seen[i]);
    /* What each step left on disk. */
    T_CHECK(!exists(cp.at[LJ_STEP_START], "leases.snap"));
    T_CHECK(exists(cp.at[LJ_STEP_SNAP_WRITTEN], "leases.snap"));
    T_CHECK(exists(cp.at[LJ_STEP_NEW_WRITTEN], "leases.new"));
    T_CHECK(!exists(cp.at[LJ_STEP_RENAMED], "leases.new"));
    /* A crash at each step, the store reopened: everything is there.
     * Steps 0 and 1 were copied before the tail's commits. */
    const struct model *want[4] = { &before, &before, &after, &after };
    for (int i = 0; i < 4; i++) {
        char why[512];
        int rc = matches_model(st, cp.at[i], want[i], why, sizeof why);
        if (rc)
            fprintf(stderr, "  crash at step %d: %s\n", i, why);
        T_EQ(rc, 0);
    }
    char why[512];
    T_EQ(matches_model(st, cp.dir, &after, why, sizeof why), 0);
    /* A stale temporary of the snapshot's atomic write changes nothing. */
    char p[512];
    snprintf(p, sizeof p, "%s/.leases.snap.tmp", cp.at[LJ_STEP_RENAMED]);
    int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    T_EQ(write(fd, "junk", 4), 4);
    close(fd);
    T_EQ(matches_model(st, cp.at[LJ_STEP_RENAMED], &after, why, sizeof why), 0);
    six_stack_destroy(st);
}

TEST(compaction_starts_by_itself_past_the_threshold)
{
    char dir[256];
    scratch_dir(dir, sizeof dir);
    struct six_stack *st = vstack();
    struct lease_store *s = open_in(st, dir);
    if (!s) {
        T_CHECK(s);
        return;
    }
    lease_journal_set_compaction(s, 4, 16384);
    static struct model m;
    memset(&m, 0, sizeof m);
    struct done_log d = { 0 };
    /* 20 leases rewritten 200 times: ~370 KB of journal for ~1.9 KB live. */
    for (unsigned round = 0; round < 200; round++) {
        for (unsigned i = 0; i < 20; i++) {
            struct lease l = mk_lease(i, round * 20 + i, LEASE_BOUND, T0 + 86400);
            commit(s, &l, &d);
            model_apply(&m, &l);
        }
        turn(st);
    }
    lease_journal_compact_wait(s);
    struct lease_store_stats ss;
    lease_store_stats(s, &ss);
    T_CHECK(ss.compactions >= 1);
    T_CHECK(ss.bytes < 4 * 16384);
    T_EQ(d.ok, 4000);
    lease_store_close(s);
    char why[512];
    int rc = matches_model(st, dir, &m, why, sizeof why);
    if (rc)
        fprintf(stderr, "  %s\n", why);
    T_EQ(rc, 0);
    six_stack_destroy(st);
}

/* --- on the real clock and disk --- */

static double mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static struct six_stack *real_stack(void)
{
    struct six_stack_opts o = { .name = "lj-real", .seed = 9 };
    return six_stack_create(&o);
}

/* Not a benchmark target: one figure for the report, in the verbose output. */
TEST(commits_per_second_with_fsync_batch_of_64)
{
    char dir[256];
    scratch_dir(dir, sizeof dir);
    struct six_stack *st = real_stack();
    struct lease_store *s = open_in(st, dir);
    if (!s) {
        T_CHECK(s);
        return;
    }
    struct done_log d = { 0 };
    int64_t far = (int64_t)time(NULL) + 86400;
    unsigned n = 0;
    double t0 = mono_s(), t;
    do {
        for (unsigned i = 0; i < 64; i++, n++) {
            struct lease l = mk_lease(n % 4096, n, LEASE_BOUND, far);
            commit(s, &l, &d);
        }
        lease_store_flush(s);
    } while ((t = mono_s() - t0) < 0.5);
    struct lease_store_stats ss;
    lease_store_stats(s, &ss);
    T_EQ(d.ok, n);
    T_EQ(ss.fsyncs, n / 64);
    printf("# %u commits in %.3f s in batches of 64: %.0f commits/s, %.0f fsyncs/s\n", n, t, n / t,
           (double)ss.fsyncs / t);
    lease_store_close(s);
    six_stack_destroy(st);
}

TEST(compaction_of_100k_leases_event_loop_share)
{
    char dir[256];
    scratch_dir(dir, sizeof dir);
    struct six_stack *st = real_stack();
    struct lease_store *s = open_in(st, dir);
    if (!s) {
        T_CHECK(s);
        return;
    }
    struct done_log d = { 0 };
    int64_t far = (int64_t)time(NULL) + 86400;
    for (unsigned i = 0; i < 100000; i++) {
        struct lease l = mk_lease(i % 60000, i, LEASE_BOUND, far);
        l.addr.s6_addr[13] = (uint8_t)(i / 60000 + 1);
        l.addr.s6_addr[12] = (uint8_t)(i >> 16);
        commit(s, &l, &d);
        if (i % 4096 == 4095)
            lease_store_flush(s);
    }
    lease_store_flush(s);
    T_EQ(d.ok, 100000);
    double t0 = mono_s();
    T_EQ(lease_journal_compact(s), 0);
    double t_start = mono_s() - t0;
    T_EQ(lease_journal_compact_wait(s), 0);
    double t_all = mono_s() - t0;
    struct journal *j = (struct journal *)s;
    T_EQ(j->c.n, 100000);
    printf("# compaction of %u leases: event loop %.1f ms to start + %.1f ms to switch journals; "
           "%.0f ms in all; sizeof(struct lease) %zu, the journal keeps %zu bytes per lease in memory "
           "(+ 2 index slots of 4)\n",
           j->c.n, t_start * 1e3, (double)j->c.switch_ns / 1e6, t_all * 1e3, sizeof(struct lease),
           sizeof(struct lease));
    lease_store_close(s);
    s = open_in(st, dir);
    struct lease_store_stats ss;
    if (s) {
        lease_store_stats(s, &ss);
        T_EQ(ss.records, 100000);
    }
    lease_store_close(s);
    six_stack_destroy(st);
}

/* kill -9: a child commits leases in batches of 64 and tells the parent,
 * through a pipe, every commit whose callback ran; the parent kills it at
 * a random moment, opens the store and checks that each address holds its
 * last acknowledged lease or a later one the child committed, never an
 * older one, and never two clients. Record j is for address j % KADDR,
 * bound to client j in even rounds of the addresses, freed in odd ones. */
#define KADDR 256
#define KBATCH 64
#define KROUNDS 50

static struct lease kill_rec(unsigned j, int64_t far)
{
    return mk_lease(j % KADDR, j, (j / KADDR) % 2 ? LEASE_FREE : LEASE_BOUND, far);
}

static int kill_wfd;

/* Told at once, from the callback: what a server would send a Reply for. */
static void kill_done(void *arg, enum lease_result r, const struct lease *l)
{
    unsigned j = (unsigned)(uintptr_t)arg;
    (void)l;
    if (r == LEASE_OK && write(kill_wfd, &j, sizeof j) != sizeof j)
        _exit(4);
}

static void kill_child(const char *dir, int wfd, unsigned j, int64_t far)
{
    struct six_stack *st = real_stack();
    struct lease_store *s = open_in(st, dir);
    if (!s)
        _exit(3);
    lease_journal_set_compaction(s, 4, 32768);   /* compactions every ~100 batches */
    kill_wfd = wfd;
    for (;;) {
        for (unsigned i = 0; i < KBATCH; i++, j++) {
            struct lease l = kill_rec(j, far);
            lease_store_commit(s, &l, kill_done, (void *)(uintptr_t)j);
        }
        lease_store_flush(s);
        six_stack_poll(st);
    }
}

struct kill_state {
    int last_ack[KADDR];             /* -1: never acknowledged */
    unsigned round_start[KROUNDS + 1], round_max[KROUNDS + 1];   /* possible j: [start, max] */
};

/* Could record j have reached the disk? */
static bool kill_possible(const struct kill_state *ks, unsigned rounds, unsigned j)
{
    for (unsigned r = 0; r < rounds; r++)
        if (j >= ks->round_start[r] && j <= ks->round_max[r])
            return true;
    return false;
}

static int kill_verify(struct six_stack *st, const char *dir, const struct kill_state *ks, unsigned rounds,
                       int64_t far, char *why, size_t whyn)
{
    char path[512];
    snprintf(path, sizeof path, "%s/leases", dir);
    struct lease_store *s = lease_store_open(st, path, why, whyn);
    if (!s)
        return -1;
    static struct loaded ld;
    memset(&ld, 0, sizeof ld);
    lease_store_load(s, load_fn, &ld);
    lease_store_close(s);
    if (ld.dups) {
        snprintf(why, whyn, "an address loaded twice");
        return -1;
    }
    for (unsigned a = 0; a < KADDR; a++) {
        int la = ks->last_ack[a];
        if (ld.seen[a]) {
            const struct lease *l = &ld.l[a];
            unsigned j = (unsigned)l->duid[2] << 16 | (unsigned)l->duid[0] << 8 | l->duid[1];
            struct lease want = kill_rec(j, far);
            if (j % KADDR != a || memcmp(&want, l, sizeof want) || (int)j < la || !kill_possible(ks, rounds, j)) {
                snprintf(why, whyn, "address %u holds record %u (last acknowledged %d)", a, j, la);
                return -1;
            }
            continue;
        }
        /* Free: the last acknowledged record, or a later possible one, frees it. */
        bool ok = la < 0 ? true : kill_rec((unsigned)la, far).state == LEASE_FREE;
        for (unsigned j = (unsigned)(la + 1); !ok && j <= ks->round_max[rounds - 1]; j++)
            ok = j % KADDR == a && kill_possible(ks, rounds, j) && kill_rec(j, far).state == LEASE_FREE;
        if (!ok) {
            snprintf(why, whyn, "address %u lost: last acknowledged record %d bound it", a, la);
            return -1;
        }
    }
    return 0;
}

TEST(kill_9_at_random_times_loses_no_acknowledged_lease)
{
    char dir[256];
    scratch_dir(dir, sizeof dir);
    static struct kill_state ks;
    for (unsigned a = 0; a < KADDR; a++)
        ks.last_ack[a] = -1;
    int64_t far = (int64_t)time(NULL) + 86400;
    unsigned seed = (unsigned)getpid();
    srand(seed);
    struct six_stack *st = real_stack();
    unsigned next = 0, acked_total = 0, bad = 0;
    for (unsigned r = 0; r < KROUNDS && !bad; r++) {
        int pfd[2];
        if (pipe(pfd) < 0)
            break;
        ks.round_start[r] = next;
        fflush(NULL);
        pid_t pid = fork();
        if (pid == 0) {
            close(pfd[0]);
            kill_child(dir, pfd[1], next, far);
        }
        close(pfd[1]);
        double deadline = mono_s() + (5 + rand() % 150) / 1000.0;
        unsigned maxj = next, got = 0;
        bool killed = false;
        for (;;) {
            double left = deadline - mono_s();
            if (!killed && left <= 0) {
                kill(pid, SIGKILL);
                killed = true;
            }
            struct pollfd p = { .fd = pfd[0], .events = POLLIN };
            if (poll(&p, 1, killed ? 1000 : (int)(left * 1000) + 1) < 0)
                break;
            unsigned buf[KBATCH];
            ssize_t k = p.revents ? read(pfd[0], buf, sizeof buf) : -1;
            if (k == 0)
                break;       /* the child is gone: everything it wrote is read */
            for (ssize_t i = 0; i < k / (ssize_t)sizeof buf[0]; i++) {
                unsigned j = buf[i];
                ks.last_ack[j % KADDR] = (int)j > ks.last_ack[j % KADDR] ? (int)j : ks.last_ack[j % KADDR];
                maxj = j > maxj ? j : maxj;
                got++;
            }
        }
        close(pfd[0]);
        int status;
        waitpid(pid, &status, 0);
        if (!WIFSIGNALED(status)) {
            fprintf(stderr, "  round %u: the child exited with %d\n", r, WEXITSTATUS(status));
            bad++;
        }
        /* At most one batch past the last acknowledged one reached the disk. */
        ks.round_max[r] = (got ? maxj : next) + KBATCH;
        next = ks.round_max[r] + 1;
        acked_total += got;
        char why[512];
        if (kill_verify(st, dir, &ks, r + 1, far, why, sizeof why)) {
            fprintf(stderr, "  round %u (seed %u): %s\n", r, seed, why);
            bad++;
        }
    }
    T_EQ(bad, 0);
    T_CHECK(acked_total > 0);
    T_CHECK(exists(dir, "leases.snap"));     /* compactions happened (and were cut) too */
    printf("# kill -9: %u rounds, %u acknowledged commits, seed %u\n", KROUNDS, acked_total, seed);
    six_stack_destroy(st);
}

int main(void)
{
    snprintf(scratch_root, sizeof scratch_root, "/tmp/d6lj-%d", (int)getpid());
    mkdir(scratch_root, 0700);
    RUN(crc32c_check_value);
    RUN(record_round_trip_and_every_cut);
    RUN(live_table_matches_a_model_under_random_updates);
    RUN(round_trip_reopen_and_callbacks_after_fsync);
    RUN(group_commit_100_commits_one_fsync);
    RUN(commit_from_a_callback_goes_to_the_next_batch);
    RUN(expired_leases_are_not_loaded);
    RUN(torn_tail_at_every_offset_of_the_last_record);
    RUN(damage_in_the_middle_refuses_to_open);
    RUN(an_empty_file_is_a_new_journal);
    RUN(second_store_on_the_same_file_is_refused);
    RUN(pending_cap_refuses_at_once_without_writing);
    RUN(failed_write_makes_the_store_read_only);
    RUN(compaction_crash_at_each_step_loses_nothing);
    RUN(compaction_starts_by_itself_past_the_threshold);
    RUN(commits_per_second_with_fsync_batch_of_64);
    RUN(compaction_of_100k_leases_event_loop_share);
    RUN(kill_9_at_random_times_loses_no_acknowledged_lease);
    rm_tree(scratch_root);
    return t_done();
}
