/* Drives the PostgreSQL lease store (src/dhcp6/lease_pg.c) through its ops,
 * for tests/interop/test_dhcp6_pg.sh, which runs a throw-away cluster.
 *
 *   lease_pg_driver cas CONN           CAS rules, batch, load() round trip
 *   lease_pg_driver v4 CONN            the same rules for DSTM IPv4 leases (LEASE_V4, whole and port-set keys)
 *   lease_pg_driver stress CONN ID N POOL LOG
 *                                      4 stores (4 connections) in one event
 *                                      loop, N commits each of random
 *                                      addresses of a POOL-address pool for
 *                                      random DUIDs; one line per result in LOG
 *   lease_pg_driver check CONN LOG...  the logs against the table
 *   lease_pg_driver kill CONN ADMIN ROLE
 *                                      pg_terminate_backend, then the store's
 *                                      ROLE refused for 2 s (ADMIN: a
 *                                      superuser's connection string):
 *                                      LEASE_FAILED, then recovery
 *   lease_pg_driver stall CONN         the database stops answering: the cap,
 *                                      the answer timeout, then recovery
 *   lease_pg_driver open CONN          open (migrates) and load; prints the count
 *
 * Prints "ok - NAME" / "not ok - NAME" lines; exit status 1 if any failed. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <libpq-fe.h>
#include "dhcp6/lease.h"
#include "dstm/dstm.h"
#include "core/log.h"
#include "net/stack.h"

static int failed;
static const char *conninfo;

static void check(bool cond, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void check(bool cond, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    printf("%s - ", cond ? "ok" : "not ok");
    vprintf(fmt, ap);
    printf("\n");
    fflush(stdout);
    va_end(ap);
    failed |= !cond;
}

/* ---------------------------------------------------------------- set-up */

static struct six_stack *st;

static struct lease_store *store_open(void)
{
    struct lease_store *s = lease_pg_create(st);
    char why[256] = "";
    if (!s || s->ops->open(s, conninfo, why, sizeof why) < 0) {
        fprintf(stderr, "# open: %s\n", why);
        if (s)
            s->ops->close(s);
        return NULL;
    }
    return s;
}

/* One turn of an event loop: timers, then the owner's flush of each store. */
static void turn(struct lease_store **s, int n)
{
    uint64_t next = timer_wheel_next(st->tw), now = six_now(st);
    if (next > now) {
        uint64_t wait = next - now;
        usleep((useconds_t)((wait > 10 * NS_PER_MS ? 10 * NS_PER_MS : wait) / 1000));
    }
    six_stack_poll(st);
    for (int i = 0; i < n; i++)
        s[i]->ops->flush(s[i]);
}

static struct lease mk(unsigned kind, const char *addr, unsigned plen, unsigned duid, uint32_t iaid, unsigned state,
                       int64_t cltt, uint32_t valid)
{
    struct lease l;
    memset(&l, 0, sizeof l);
    inet_pton(AF_INET6, addr, &l.addr);
    l.plen = (uint8_t)plen;
    l.kind = (uint8_t)kind;
    l.state = (uint8_t)state;
    l.duid_len = 14;   /* DUID-LLT-shaped: type 1, hw 1, time, a MAC ending in duid */
    l.duid[1] = 1, l.duid[3] = 1;
    l.duid[12] = (uint8_t)(duid >> 8), l.duid[13] = (uint8_t)duid;
    l.iaid = iaid;
    l.preferred = valid / 2;
    l.valid = valid;
    l.cltt = cltt;
    l.expires = cltt + valid;
    l.pool_id = 7;
    return l;
}

static unsigned duid_of(const struct lease *l) { return (unsigned)l->duid[12] << 8 | l->duid[13]; }

/* ---------------------------------------------------------------- one commit */

struct result {
    bool called;
    int calls;
    enum lease_result r;
    struct lease l;
};

static bool in_commit;

static void on_done(void *arg, enum lease_result r, const struct lease *l)
{
    struct result *res = arg;
    if (in_commit)
        check(false, "callback ran from inside commit");
    res->called = true;
    res->calls++;
    res->r = r;
    res->l = *l;
}

static void commit(struct lease_store *s, const struct lease *l, struct result *res)
{
    memset(res, 0, sizeof *res);
    in_commit = true;
    s->ops->commit(s, l, on_done, res);
    in_commit = false;
}

static enum lease_result commit_wait(struct lease_store *s, const struct lease *l)
{
    struct result res;
    commit(s, l, &res);
    for (int i = 0; i < 5000 && !res.called; i++)
        turn(&s, 1);
    return res.called ? res.r : (enum lease_result)-1;
}

static const char *rname(int r)
{
    return r == LEASE_OK ? "OK" : r == LEASE_CONFLICT ? "CONFLICT" : r == LEASE_FAILED ? "FAILED" : "none";
}

#define EXPECT(s, l, want, what)                                                                                \
    do {                                                                                                        \
        struct lease l_ = (l);                                                                                  \
        enum lease_result r_ = commit_wait((s), &l_);                                                           \
        check(r_ == (want), "cas %s: %s (want %s)", (what), rname(r_), rname(want));                           \
    } while (0)

static uint64_t ctr(const char *name)
{
    uint64_t v = 0;
    six_counter_by_name(&st->ctr, name, &v);
    return v;
}

/* ---------------------------------------------------------------- cas */

struct loaded {
    int n;
    struct lease l[16];
};

static void on_load(void *arg, const struct lease *l)
{
    struct loaded *ld = arg;
    if (ld->n < 16)
        ld->l[ld->n] = *l;
    ld->n++;
}

static const struct lease *find_loaded(const struct loaded *ld, unsigned kind, const char *addr)
{
    struct in6_addr a;
    inet_pton(AF_INET6, addr, &a);
    for (int i = 0; i < ld->n && i < 16; i++)
        if (ld->l[i].kind == kind && !memcmp(&ld->l[i].addr, &a, sizeof a))
            return &ld->l[i];
    return NULL;
}

static void test_cas(void)
{
    struct lease_store *s = store_open();
    check(s != NULL, "cas open");
    if (!s)
        return;
    int64_t now = time(NULL);
    const char *X = "2001:db8:cafe::1";
    const unsigned A = 1, B = 2, C = 3;
    EXPECT(s, mk(LEASE_NA, X, 128, A, 1, LEASE_BOUND, now, 3600), LEASE_OK, "A takes a free address");
    EXPECT(s, mk(LEASE_NA, X, 128, B, 1, LEASE_BOUND, now, 3600), LEASE_CONFLICT, "B cannot take A's address");
    EXPECT(s, mk(LEASE_NA, X, 128, A, 2, LEASE_BOUND, now, 3600), LEASE_CONFLICT, "A's other IA cannot take it");
    EXPECT(s, mk(LEASE_NA, X, 128, A, 1, LEASE_BOUND, now + 5, 3600), LEASE_OK, "A renews");
    EXPECT(s, mk(LEASE_NA, X, 128, A, 1, LEASE_FREE, now + 6, 0), LEASE_OK, "A releases");
    EXPECT(s, mk(LEASE_NA, X, 128, B, 1, LEASE_BOUND, now, 3600), LEASE_OK, "B takes the released address");
    EXPECT(s, mk(LEASE_NA, X, 128, A, 1, LEASE_BOUND, now, 3600), LEASE_CONFLICT, "A cannot take B's live lease");
    EXPECT(s, mk(LEASE_NA, X, 128, B, 1, LEASE_BOUND, now - 7200, 10), LEASE_OK, "B's lease is written as run out");
    EXPECT(s, mk(LEASE_NA, X, 128, C, 1, LEASE_BOUND, now, 3600), LEASE_OK, "C takes B's expired lease");
    EXPECT(s, mk(LEASE_NA, X, 128, C, 1, LEASE_DECLINED, now, 3600), LEASE_OK, "C declines");
    EXPECT(s, mk(LEASE_NA, X, 128, A, 1, LEASE_BOUND, now + 10, 3600), LEASE_CONFLICT, "a declined address is quarantined");
    struct lease pd = mk(LEASE_PD, "2001:db8:100::", 56, A, 9, LEASE_BOUND, now, 7200);
    pd.has_rkey = true;
    for (unsigned i = 0; i < sizeof pd.rkey; i++)
        pd.rkey[i] = (uint8_t)(0xa0 + i);
    EXPECT(s, pd, LEASE_OK, "A gets a prefix");
    EXPECT(s, mk(LEASE_NA, "2001:db8:100::", 128, B, 1, LEASE_BOUND, now, 3600), LEASE_OK,
           "an address equal to a prefix is another kind's row");
    EXPECT(s, mk(LEASE_NA, "2001:db8:cafe::2", 128, B, 1, LEASE_BOUND, now - 7200, 60), LEASE_OK,
           "an expired lease is written");
    EXPECT(s, mk(LEASE_NA, "2001:db8:cafe::3", 128, B, 1, LEASE_FREE, now, 0), LEASE_OK, "a free row is written");
    /* expiry is judged by the database's clock, not by the committing server's */
    EXPECT(s, mk(LEASE_NA, "2001:db8:cafe::4", 128, A, 1, LEASE_BOUND, now, 3600), LEASE_OK, "A takes ::4");
    EXPECT(s, mk(LEASE_NA, "2001:db8:cafe::4", 128, B, 1, LEASE_BOUND, now + 7200, 3600), LEASE_CONFLICT,
           "a server whose clock runs 2 h ahead cannot take A's live lease");

    /* One turn's commits go as one batch (one transaction); two clients
     * racing for one address inside it: exactly one wins. */
    struct lease_store_stats before, after;
    s->ops->stats(s, &before);
    struct result res[41];
    struct lease first;
    for (int i = 0; i < 40; i++) {
        char a[64];
        snprintf(a, sizeof a, "2001:db8:ba7c::%x", 40 - i);
        struct lease l = mk(LEASE_NA, a, 128, 100 + (unsigned)i, 1, LEASE_BOUND, now, 3600);
        if (i == 0)
            first = l;
        commit(s, &l, &res[i]);
    }
    struct lease race = mk(LEASE_NA, "2001:db8:ba7c::1", 128, 999, 1, LEASE_BOUND, now, 3600);
    commit(s, &race, &res[40]);
    for (int t = 0; t < 5000; t++) {
        bool all = true;
        for (int i = 0; i < 41; i++)
            all &= res[i].called;
        if (all)
            break;
        turn(&s, 1);
    }
    s->ops->stats(s, &after);
    int ok = 0, conflict = 0, once = 1;
    for (int i = 0; i < 41; i++) {
        ok += res[i].called && res[i].r == LEASE_OK;
        conflict += res[i].called && res[i].r == LEASE_CONFLICT;
        once &= res[i].calls == 1;
    }
    check(ok == 40 && conflict == 1 && once, "batch: 41 commits, 40 OK, 1 conflict (got %d, %d), each called once", ok,
          conflict);
    check(after.batches - before.batches == 1, "batch: one turn's commits are one batch (got %llu)",
          (unsigned long long)(after.batches - before.batches));
    check(!memcmp(&res[0].l, &first, sizeof first),
          "batch: the callback gets the committed lease");

    struct loaded ld = {0};
    int n = s->ops->load(s, on_load, &ld);
    const struct lease *lx = find_loaded(&ld, LEASE_NA, X), *lp = find_loaded(&ld, LEASE_PD, "2001:db8:100::");
    check(n == ld.n && n == 44, "load: the 44 live leases (got %d, returned %d)", ld.n, n);
    check(lx && duid_of(lx) == C && lx->state == LEASE_DECLINED, "load: the declined address is C's");
    check(lp && duid_of(lp) == A && lp->plen == 56 && lp->iaid == 9 && lp->valid == 7200 && lp->preferred == 3600 &&
              lp->cltt == now && lp->expires == now + 7200 && lp->pool_id == 7 && lp->duid_len == 14 &&
              lp->has_rkey && !memcmp(lp->rkey, pd.rkey, sizeof pd.rkey),
          "load: a prefix lease round-trips every field");
    check(!find_loaded(&ld, LEASE_NA, "2001:db8:cafe::2") && !find_loaded(&ld, LEASE_NA, "2001:db8:cafe::3"),
          "load: expired and free rows are not live");
    check(ctr("lease.pg_conflicts") == 6 && after.conflicts == 6, "counters: lease.pg_conflicts %llu",
          (unsigned long long)ctr("lease.pg_conflicts"));
    check(ctr("lease.pg_queries") == after.commits && after.commits == 58, "counters: lease.pg_queries %llu of %llu",
          (unsigned long long)ctr("lease.pg_queries"), (unsigned long long)after.commits);
    /* Commits after load() go on in pipeline mode. */
    EXPECT(s, mk(LEASE_NA, X, 128, C, 1, LEASE_DECLINED, now + 1, 3600), LEASE_OK, "commits go on after load");
    s->ops->close(s);
}


/* ---------------------------------------------------------------- v4 */

/* The lease key of 192.0.2.10 (whole, or PSID psid of 4 hosts, offset 6), as text. */
static const char *v4key(int psid, char *buf, size_t n)
{
    struct in_addr a;
    struct in6_addr k;
    inet_pton(AF_INET, "192.0.2.10", &a);
    struct dstm_portset ps = { .offset = 6, .psid_len = 2, .psid = (uint16_t)(psid < 0 ? 0 : psid) };
    dstm_lease_key(&k, a, psid < 0 ? NULL : &ps);
    return inet_ntop(AF_INET6, &k, buf, (socklen_t)n);
}

static void test_v4(void)
{
    struct lease_store *s = store_open();
    check(s != NULL, "v4 open");
    if (!s)
        return;
    int64_t now = time(NULL);
    char w[64], p1[64], p2[64];
    v4key(-1, w, sizeof w);
    v4key(1, p1, sizeof p1);
    v4key(2, p2, sizeof p2);
    EXPECT(s, mk(LEASE_V4, w, 128, 1, 0x44, LEASE_BOUND, now, 3600), LEASE_OK, "v4: A takes 192.0.2.10");
    EXPECT(s, mk(LEASE_V4, w, 128, 2, 0x44, LEASE_BOUND, now, 3600), LEASE_CONFLICT, "v4: B cannot take A's address");
    EXPECT(s, mk(LEASE_NA, w, 128, 2, 1, LEASE_BOUND, now, 3600), LEASE_OK,
           "v4: an IPv6 lease at the same bits is another kind's row");
    EXPECT(s, mk(LEASE_V4, p1, 128, 2, 0x44, LEASE_BOUND, now, 3600), LEASE_OK, "v4: B takes port set 1");
    EXPECT(s, mk(LEASE_V4, p1, 128, 3, 0x44, LEASE_BOUND, now, 3600), LEASE_CONFLICT,
           "v4: C cannot take B's port set");
    EXPECT(s, mk(LEASE_V4, p2, 128, 3, 0x44, LEASE_BOUND, now, 3600), LEASE_OK, "v4: C takes port set 2");
    EXPECT(s, mk(LEASE_V4, w, 128, 1, 0x44, LEASE_FREE, now + 1, 0), LEASE_OK, "v4: A releases");
    EXPECT(s, mk(LEASE_V4, w, 128, 2, 0x44, LEASE_BOUND, now + 2, 3600), LEASE_OK, "v4: B takes it then");
    EXPECT(s, mk(LEASE_V4, w, 128, 2, 0x44, LEASE_DECLINED, now + 3, 300), LEASE_OK, "v4: an offer withdrawn");
    EXPECT(s, mk(LEASE_V4, w, 128, 3, 0x44, LEASE_BOUND, now + 4, 3600), LEASE_CONFLICT,
           "v4: a quarantined address is nobody's to take");
    struct loaded ld = {0};
    s->ops->load(s, on_load, &ld);
    const struct lease *lw = find_loaded(&ld, LEASE_V4, w), *l1 = find_loaded(&ld, LEASE_V4, p1);
    check(lw && lw->state == LEASE_DECLINED && duid_of(lw) == 2, "v4: load: the whole address quarantined, B's");
    check(l1 && duid_of(l1) == 2 && l1->iaid == 0x44 && l1->plen == 128, "v4: load: port set 1 round-trips");
    s->ops->close(s);
}

/* ---------------------------------------------------------------- stress */

#define STRESS_LOOPS 4
#define STRESS_DEPTH 8   /* commits outstanding per store */

struct pending {
    struct result res;
    struct lease l;
    bool busy;
};

static void test_stress(int id, int per_store, int pool, const char *logpath)
{
    FILE *log = fopen(logpath, "w");
    struct lease_store *s[STRESS_LOOPS];
    int ns = 0;
    for (int i = 0; i < STRESS_LOOPS; i++)
        if ((s[ns] = store_open()))
            ns++;
    check(log && ns == STRESS_LOOPS, "stress %d: %d stores open", id, ns);
    if (!log || ns != STRESS_LOOPS)
        exit(1);
    unsigned seed = (unsigned)getpid() ^ (unsigned)time(NULL);
    struct pending p[STRESS_LOOPS][STRESS_DEPTH];
    memset(p, 0, sizeof p);
    int sent[STRESS_LOOPS] = {0}, got = 0, failed_n = 0, total = per_store * STRESS_LOOPS;
    int64_t now = time(NULL);
    while (got < total) {
        for (int i = 0; i < ns; i++)
            for (int k = 0; k < STRESS_DEPTH; k++) {
                struct pending *q = &p[i][k];
                if (q->busy && q->res.called) {
                    fprintf(log, "%s %u %u\n", rname(q->res.r), duid_of(&q->l), q->l.addr.s6_addr[15]);
                    failed_n += q->res.r == LEASE_FAILED;
                    q->busy = false;
                    got++;
                }
                if (!q->busy && sent[i] < per_store) {
                    char a[64];
                    snprintf(a, sizeof a, "2001:db8:5::%x", 1 + rand_r(&seed) % pool);
                    q->l = mk(LEASE_NA, a, 128, 1 + (unsigned)(rand_r(&seed) % 24), 1, LEASE_BOUND, now, 3600);
                    q->busy = true;
                    commit(s[i], &q->l, &q->res);
                    sent[i]++;
                }
            }
        turn(s, ns);
    }
    fclose(log);
    check(failed_n == 0, "stress %d: %d commits, %d failed", id, total, failed_n);
    for (int i = 0; i < ns; i++)
        s[i]->ops->close(s[i]);
}

/* Every OK was the address's owner's at the end, every conflict another's. */
static void test_check(int nlogs, char **logs)
{
    PGconn *c = PQconnectdb(conninfo);
    PGresult *r = PQexec(c, "SELECT host(addr), get_byte(duid, 12) * 256 + get_byte(duid, 13), state"
                            " FROM sixstack_leases WHERE host(addr) LIKE '2001:db8:5::%'");
    int owner[256];
    memset(owner, 0, sizeof owner);
    int rows = PQresultStatus(r) == PGRES_TUPLES_OK ? PQntuples(r) : -1;
    for (int i = 0; i < rows; i++) {
        struct in6_addr a;
        inet_pton(AF_INET6, PQgetvalue(r, i, 0), &a);
        owner[a.s6_addr[15]] = atoi(PQgetvalue(r, i, 1));
    }
    PQclear(r);
    PQfinish(c);
    check(rows > 0, "check: %d addresses in the table", rows);
    int ok = 0, conflicts = 0, bad_ok = 0, bad_conflict = 0, other = 0;
    int owner_ok[256] = {0};
    for (int f = 0; f < nlogs; f++) {
        FILE *in = fopen(logs[f], "r");
        char what[16];
        unsigned duid, a;
        while (in && fscanf(in, "%15s %u %u", what, &duid, &a) == 3) {
            a &= 0xff;
            if (!strcmp(what, "OK")) {
                ok++;
                bad_ok += owner[a] != (int)duid;
                owner_ok[a] += owner[a] == (int)duid;
            } else if (!strcmp(what, "CONFLICT")) {
                conflicts++;
                bad_conflict += owner[a] == (int)duid || !owner[a];
            } else
                other++;
        }
        if (in)
            fclose(in);
    }
    int unowned = 0;
    for (int a = 0; a < 256; a++)
        unowned += owner[a] && !owner_ok[a];
    check(ok > 0 && conflicts > 0 && other == 0, "check: %d OK, %d conflicts, %d other results", ok, conflicts, other);
    check(bad_ok == 0, "check: every OK commit is its address's owner at the end (%d are not)", bad_ok);
    check(bad_conflict == 0, "check: every conflict was against another DUID's lease (%d were not)", bad_conflict);
    check(unowned == 0, "check: every row's owner had an OK commit (%d had none)", unowned);
}

/* ---------------------------------------------------------------- kill */

static int n_err, n_back;

static void log_hook(void *ctx, int level, const char *name, const char *msg)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    fprintf(stderr, "# log %d %ld.%03ld: %s\n", level, (long)ts.tv_sec, ts.tv_nsec / 1000000, msg);
    if (!strstr(msg, "lease store postgresql"))
        return;
    n_err += level == LOG_ERR;
    n_back += level == LOG_INFO && strstr(msg, "connection back") != NULL;
}

static int sql(PGconn *c, const char *q)
{
    PGresult *r = PQexec(c, q);
    int ok = PQresultStatus(r) == PGRES_TUPLES_OK || PQresultStatus(r) == PGRES_COMMAND_OK;
    if (!ok)
        fprintf(stderr, "# %s: %s", q, PQresultErrorMessage(r));
    PQclear(r);
    return ok ? 0 : -1;
}

/* Terminate every connection of the store (application_name sixd) and wait until gone. */
static void kill_backends(PGconn *c)
{
    sql(c, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'sixd'");
    for (int i = 0; i < 200; i++) {
        PGresult *r = PQexec(c, "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'sixd'");
        int n = atoi(PQgetvalue(r, 0, 0));
        PQclear(r);
        if (!n)
            return;
        usleep(10000);
    }
}

/* Commit once per turn (the client's retransmissions) until OK; seconds it took, -1 if never. */
static double commit_until_ok(struct lease_store *s, const struct lease *l, int max_ms, int *fails)
{
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int ms = 0; ms < max_ms; ms += 20) {
        enum lease_result r = commit_wait(s, l);
        if (r == LEASE_OK) {
            clock_gettime(CLOCK_MONOTONIC, &t1);
            return (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
        }
        *fails += r == LEASE_FAILED;
        usleep(20000);
    }
    return -1;
}

static void test_kill(const char *admin, const char *role)
{
    six_log_set_hook(log_hook, NULL);
    struct lease_store *s = store_open();
    PGconn *c = PQconnectdb(admin);
    check(s && PQstatus(c) == CONNECTION_OK, "kill: open");
    if (!s || PQstatus(c) != CONNECTION_OK)
        return;
    int64_t now = time(NULL);
    struct lease l = mk(LEASE_NA, "2001:db8:dead::1", 128, 1, 1, LEASE_BOUND, now, 3600);
    EXPECT(s, l, LEASE_OK, "kill: a commit before");

    kill_backends(c);
    l.cltt++;
    EXPECT(s, l, LEASE_FAILED, "kill: the first commit after pg_terminate_backend");
    int fails = 0;
    double t = commit_until_ok(s, &l, 10000, &fails);
    check(t >= 0, "kill: commits succeed again %.2f s later", t);
    check(ctr("lease.pg_reconnects") == 1, "kill: lease.pg_reconnects %llu",
          (unsigned long long)ctr("lease.pg_reconnects"));
    check(n_err == 1 && n_back == 1, "kill: one error line, one 'back' line (%d, %d)", n_err, n_back);

    /* Idle: the loss is noticed and mended before the next commit. */
    kill_backends(c);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    do {
        turn(&s, 1);
        clock_gettime(CLOCK_MONOTONIC, &t1);
    } while (n_back < 2 && t1.tv_sec - t0.tv_sec < 5);
    double idle_s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    check(n_err == 2 && n_back == 2 && ctr("lease.pg_reconnects") == 2 && idle_s < 3.0,
          "idle: a connection killed while idle is re-opened in the background in %.2f s (%d, %d, %llu)", idle_s,
          n_err, n_back, (unsigned long long)ctr("lease.pg_reconnects"));
    l.cltt++;
    EXPECT(s, l, LEASE_OK, "idle: the next commit after an idle kill");

    /* A longer outage: the server refuses the store's role for two seconds. */
    char q[256];
    snprintf(q, sizeof q, "ALTER ROLE \"%s\" NOLOGIN", role);
    sql(c, q);
    kill_backends(c);
    fails = 0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    do {
        l.cltt++;
        fails += commit_wait(s, &l) == LEASE_FAILED;
        usleep(20000);
        clock_gettime(CLOCK_MONOTONIC, &t1);
    } while (t1.tv_sec - t0.tv_sec < 2);
    check(fails >= 20, "outage: every commit fails while the server refuses the role (%d failed)", fails);
    check(n_err == 3, "outage: logged at error once (%d error lines in all)", n_err);
    snprintf(q, sizeof q, "ALTER ROLE \"%s\" LOGIN", role);
    sql(c, q);
    int fails2 = 0;
    t = commit_until_ok(s, &l, 15000, &fails2);
    check(t >= 0, "outage: commits succeed again %.2f s after the database accepts", t);
    check(n_back == 3 && ctr("lease.pg_reconnects") == 3, "outage: 'back' logged once, reconnects %llu",
          (unsigned long long)ctr("lease.pg_reconnects"));
    struct lease_store_stats sst;
    s->ops->stats(s, &sst);
    check(ctr("lease.pg_errors") == sst.failures && sst.failures >= (uint64_t)(fails + 1),
          "counters: lease.pg_errors %llu = failures %llu", (unsigned long long)ctr("lease.pg_errors"),
          (unsigned long long)sst.failures);
    PQfinish(c);
    s->ops->close(s);
    six_log_set_hook(NULL, NULL);
}

/* ---------------------------------------------------------------- stall */

#define STALL_N (16384 + 10)   /* lease_pg.c PG_MAX_OUTSTANDING + 10 */

/* The database stops answering (a transaction holds the table locked):
 * past the cap commits fail at once, the batches in flight after 5 s; when
 * the lock goes, commits succeed again. */
static void test_stall(void)
{
    struct lease_store *s = store_open();
    PGconn *c = PQconnectdb(conninfo);
    check(s && PQstatus(c) == CONNECTION_OK, "stall: open");
    if (!s || PQstatus(c) != CONNECTION_OK)
        return;
    int64_t now = time(NULL);
    struct lease l = mk(LEASE_NA, "2001:db8:57::1", 128, 1, 1, LEASE_BOUND, now, 3600);
    EXPECT(s, l, LEASE_OK, "stall: a commit before");
    sql(c, "BEGIN");
    sql(c, "LOCK TABLE sixstack_leases IN ACCESS EXCLUSIVE MODE");
    static struct result res[STALL_N];
    for (int i = 0; i < STALL_N; i++) {
        char a[64];
        snprintf(a, sizeof a, "2001:db8:57:%x::1", i);
        struct lease li = mk(LEASE_NA, a, 128, 2, (uint32_t)i, LEASE_BOUND, now, 3600);
        commit(s, &li, &res[i]);
    }
    for (int i = 0; i < 200; i++)
        turn(&s, 1);
    int early = 0, pending = 0;
    for (int i = 0; i < STALL_N; i++) {
        early += res[i].called && res[i].r == LEASE_FAILED;
        pending += !res[i].called;
    }
    check(early == 10 && pending == STALL_N - 10, "stall: past the cap, commits fail at once (%d failed, %d wait)",
          early, pending);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    while (!res[STALL_N - 11].called) {
        turn(&s, 1);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        if (t1.tv_sec - t0.tv_sec > 15)
            break;
    }
    int late = 0;
    for (int i = 0; i < STALL_N; i++)
        late += res[i].called && res[i].r == LEASE_FAILED;
    check(late == STALL_N, "stall: the rest fail when the database gives no answer for 5 s (%d of %d)", late, STALL_N);
    sql(c, "ROLLBACK");
    int fails = 0;
    l.cltt++;
    double t = commit_until_ok(s, &l, 10000, &fails);
    check(t >= 0, "stall: commits succeed again %.2f s after the lock goes", t);
    PQfinish(c);
    s->ops->close(s);
}

/* ---------------------------------------------------------------- main */

static void on_count(void *arg, const struct lease *l) { ++*(int *)arg; }

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: lease_pg_driver cas|v4|stress|check|kill|open CONN ...\n");
        return 2;
    }
    conninfo = argv[2];
    six_log_open("lease_pg_driver", LOG_DEBUG, false);
    struct six_stack_opts o = {.name = "drv", .seed = 1};
    st = six_stack_create(&o);
    if (!st)
        return 2;
    const char *cmd = argv[1];
    if (!strcmp(cmd, "cas"))
        test_cas();
    else if (!strcmp(cmd, "v4"))
        test_v4();
    else if (!strcmp(cmd, "stress") && argc == 7)
        test_stress(atoi(argv[3]), atoi(argv[4]), atoi(argv[5]), argv[6]);
    else if (!strcmp(cmd, "check") && argc > 3)
        test_check(argc - 3, argv + 3);
    else if (!strcmp(cmd, "stall"))
        test_stall();
    else if (!strcmp(cmd, "kill") && argc == 5)
        test_kill(argv[3], argv[4]);
    else if (!strcmp(cmd, "open")) {
        struct lease_store *s = store_open();
        if (!s)
            return 1;
        int n = 0;
        int rc = s->ops->load(s, on_count, &n);
        printf("loaded %d %d\n", rc, n);
        s->ops->close(s);
    } else {
        fprintf(stderr, "lease_pg_driver: bad arguments\n");
        return 2;
    }
    six_stack_destroy(st);
    return failed;
}
