/* The PostgreSQL lease store (lease.h): several sixd servers share one pool.
 *
 * Allocation safety comes from the table's primary key (kind, addr) and a
 * compare-and-swap commit, one statement per lease:
 *
 *   INSERT ... ON CONFLICT (kind, addr) DO UPDATE SET ...
 *   WHERE the row is this client's (duid, iaid), or FREE, or expired
 *   RETURNING 1
 *
 * One row back: the lease is ours (LEASE_OK); none: another client holds it
 * (LEASE_CONFLICT, the server picks another address).  No SELECT ... FOR
 * UPDATE SKIP LOCKED: that needs a transaction open across the server's
 * choice (two round trips, row locks held meanwhile), while the CAS is one
 * statement, one round trip, and the server's own in-memory index already
 * makes a conflict the rare case (docs/DHCPV6.md "PostgreSQL lease store").
 *
 * Never blocking the event loop: libpq's asynchronous API in non-blocking
 * mode, in pipeline mode.  Every commit of one loop turn is queued; flush()
 * (called by the owner after each turn, and by our own 1 ms timer while
 * anything is outstanding) sends the queue as one pipeline batch ending in a
 * Sync, i.e. one implicit transaction and one WAL flush for the batch, and
 * reads whatever results have come.  A batch's callbacks run only when its
 * Sync is back (the transaction committed); an error anywhere in the batch
 * rolls all of it back, so all of it is LEASE_FAILED.  The batch is sorted
 * by (kind, addr): two servers' batches then take their row locks in the
 * same order and cannot deadlock.
 *
 * The connection: opened (and the schema created or migrated) blocking in
 * open(), which runs at start; a lost connection fails everything sent or
 * queued (LEASE_FAILED: no Reply, the client retries), is logged at error
 * once per outage and re-opened with PQconnectStart/PQconnectPoll in the
 * background (backoff 100 ms .. 5 s), logged at info when back. */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <libpq-fe.h>
#include "dhcp6/lease.h"
#include "core/clock.h"
#include "core/counters.h"
#include "core/log.h"
#include "core/timer.h"
#include "net/stack.h"

#define PG_SCHEMA_VERSION 2
#define PG_MIGRATE_LOCK   0x5157ACC0DE6L  /* pg_advisory_xact_lock key: "sixstack schema" */
#define PG_BATCH_MAX      256             /* statements per Sync (one transaction) */
#define PG_POLL_NS        (1 * NS_PER_MS) /* while anything is outstanding */
#define PG_PROBE_NS       (1 * NS_PER_SEC) /* idle: is the connection still there? */
#define PG_RETRY_MIN_NS   (100 * NS_PER_MS)
#define PG_RETRY_MAX_NS   (5 * NS_PER_SEC)
#define PG_CLOSE_WAIT_MS  5000            /* close(): how long in-flight batches may take */
#define PG_ANSWER_NS      (5 * NS_PER_SEC) /* a batch with no answer by then: the connection is dead */
#define PG_MAX_OUTSTANDING 16384          /* commits queued + in flight; more fail at once */
#define PG_CAS_NAME       "six_lease_cas"
#define PG_NPARAMS        13

/* Version N → N+1; each runs in the transaction that holds the advisory lock. */
static const char *const pg_migrations[PG_SCHEMA_VERSION] = {
    /* 0 → 1: the leases table */
    "CREATE TABLE sixstack_leases ("
    " kind smallint NOT NULL, addr inet NOT NULL, plen smallint NOT NULL,"
    " duid bytea NOT NULL, iaid bigint NOT NULL, state smallint NOT NULL,"
    " preferred bigint NOT NULL, valid bigint NOT NULL,"
    " cltt bigint NOT NULL, expires bigint NOT NULL,"
    " pool_id bigint NOT NULL DEFAULT 0,"
    " PRIMARY KEY (kind, addr))",
    /* 1 → 2: reconfigure key and the server that wrote the row; live-lease index for load() */
    "ALTER TABLE sixstack_leases ADD COLUMN rkey bytea,"
    " ADD COLUMN server text NOT NULL DEFAULT '';"
    "CREATE INDEX sixstack_leases_live ON sixstack_leases (expires) WHERE state <> 2",
};

/* The compare-and-swap (see the top of the file).  state 2 = LEASE_FREE. */
static const char pg_cas_sql[] =
    "INSERT INTO sixstack_leases AS cur"
    " (kind, addr, plen, duid, iaid, state, preferred, valid, cltt, expires, rkey, pool_id, server)"
    " VALUES ($1::smallint, $2::inet, $3::smallint, $4::bytea, $5::bigint, $6::smallint,"
    " $7::bigint, $8::bigint, $9::bigint, $10::bigint, $11::bytea, $12::bigint, $13::text)"
    " ON CONFLICT (kind, addr) DO UPDATE SET plen = EXCLUDED.plen, duid = EXCLUDED.duid,"
    " iaid = EXCLUDED.iaid, state = EXCLUDED.state, preferred = EXCLUDED.preferred,"
    " valid = EXCLUDED.valid, cltt = EXCLUDED.cltt, expires = EXCLUDED.expires,"
    " rkey = EXCLUDED.rkey, pool_id = EXCLUDED.pool_id, server = EXCLUDED.server"
    " WHERE (cur.duid = EXCLUDED.duid AND cur.iaid = EXCLUDED.iaid)"
    " OR cur.state = 2 OR cur.expires < extract(epoch from now())::bigint"
    " RETURNING 1";

static const char pg_load_sql[] =
    "SELECT kind, host(addr), plen, duid, iaid, state, preferred, valid, cltt, expires, rkey, pool_id"
    " FROM sixstack_leases WHERE state <> 2 AND expires > $1::bigint";

struct pg_op {
    struct pg_op *next;
    struct lease l;
    lease_done_fn done;       /* NULL: our own PREPARE of the CAS statement */
    void *arg;
    uint8_t r;                /* enum lease_result, once its result is in */
    bool batch_end;           /* the last statement before a Sync */
    uint64_t sent_at;         /* pg_now() when its batch went out */
};

struct op_list {
    struct pg_op *head, *tail;
    unsigned n;
};

enum pg_conn_state { PG_DOWN, PG_CONNECTING, PG_UP };

struct pg_store {
    struct lease_store base;
    PGconn *conn;
    enum pg_conn_state cs;
    PostgresPollingStatusType connect_wait;   /* PQconnectPoll's last word */
    char *where;
    char server[128];         /* written into each row: host/stack */
    bool prepared;            /* the CAS is prepared (or its PREPARE is in flight) */
    bool in_outage;           /* error logged, "back" not yet */
    bool ever_up;
    bool in_flush;
    bool full_logged;         /* PG_MAX_OUTSTANDING reached: warned once */
    uint64_t retry_at, retry_delay;
    uint64_t probe_at;        /* idle: next look at the socket */
    struct op_list queued;    /* committed, not sent */
    struct op_list sent;      /* sent, in order; batches end at batch_end */
    struct pg_op *reading;    /* the op in `sent` whose result comes next */
    bool result_seen;         /* reading's result is in; its NULL is next */
    bool batch_failed;        /* the oldest batch in flight is rolled back */
    struct op_list done;      /* result known; callbacks to run */
    struct pg_op *free;       /* recycled ops: no malloc once warm */
    struct timer tick;
    struct lease_store_stats stats;
};

/* ------------------------------------------------------------ helpers */

static struct pg_store *pg_of(struct lease_store *ls) { return (struct pg_store *)ls; }

static uint64_t pg_now(const struct pg_store *s)
{
    return s->base.st ? six_now(s->base.st) : six_clock_mono_now(NULL);
}

static void pg_log(const struct pg_store *s, int level, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void pg_log(const struct pg_store *s, int level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    six_vlog_named(level, s->base.st ? s->base.st->name : NULL, fmt, ap);
    va_end(ap);
}

#define PG_CTR_ADD(s, name, k)                                                                                  \
    do {                                                                                                        \
        if ((s)->base.st)                                                                                       \
            CTR_ADD((s)->base.st, lease, name, (k));                                                            \
    } while (0)

/* libpq's messages end in a newline (sometimes two lines): one line for logs. */
static const char *pg_errmsg(PGconn *c, char *buf, size_t n)
{
    snprintf(buf, n, "%s", c ? PQerrorMessage(c) : "out of memory");
    for (char *p = buf; *p; p++)
        if (*p == '\n')
            *p = (p[1] ? ' ' : '\0');
    return buf[0] ? buf : "unknown error";
}

static void list_push(struct op_list *q, struct pg_op *op)
{
    op->next = NULL;
    if (q->tail)
        q->tail->next = op;
    else
        q->head = op;
    q->tail = op;
    q->n++;
}

static struct pg_op *list_pop(struct op_list *q)
{
    struct pg_op *op = q->head;
    if (!op)
        return NULL;
    q->head = op->next;
    if (!q->head)
        q->tail = NULL;
    q->n--;
    op->next = NULL;
    return op;
}

static struct pg_op *op_get(struct pg_store *s)
{
    struct pg_op *op = s->free;
    if (op) {
        s->free = op->next;
        memset(op, 0, sizeof *op);
        return op;
    }
    return calloc(1, sizeof *op);
}

static void op_put(struct pg_store *s, struct pg_op *op)
{
    op->next = s->free;
    s->free = op;
}

/* An op's result is known: to the callback list (our PREPARE has none). */
static void op_finish(struct pg_store *s, struct pg_op *op, enum lease_result r)
{
    if (!op->done) {
        op_put(s, op);
        return;
    }
    op->r = (uint8_t)r;
    if (r == LEASE_CONFLICT) {
        s->stats.conflicts++;
        PG_CTR_ADD(s, pg_conflicts, 1);
    } else if (r == LEASE_FAILED) {
        s->stats.failures++;
        PG_CTR_ADD(s, pg_errors, 1);
    }
    list_push(&s->done, op);
}

static void fail_list(struct pg_store *s, struct op_list *q)
{
    struct pg_op *op;
    while ((op = list_pop(q)))
        op_finish(s, op, LEASE_FAILED);
}

static void pg_run_callbacks(struct pg_store *s)
{
    /* Detach first: a callback may commit again (that goes to `queued`). */
    struct op_list q = s->done;
    memset(&s->done, 0, sizeof s->done);
    struct pg_op *op;
    while ((op = list_pop(&q))) {
        op->done(op->arg, (enum lease_result)op->r, &op->l);
        op_put(s, op);
    }
}

static bool pg_work_pending(const struct pg_store *s)
{
    return s->queued.n || s->sent.n || s->done.n || s->cs == PG_CONNECTING;
}

static void pg_arm(struct pg_store *s)
{
    struct six_stack *st = s->base.st;
    if (!st || !st->tw || !s->where)
        return;   /* no clock to arm, or never opened */
    if (pg_work_pending(s)) {
        if (!timer_pending(&s->tick) || s->tick.expires > pg_now(s) + PG_POLL_NS)
            timer_arm(st->tw, &s->tick, PG_POLL_NS);
        return;
    }
    uint64_t now = pg_now(s), at = s->cs == PG_DOWN ? s->retry_at : s->probe_at;
    timer_arm(st->tw, &s->tick, at > now ? at - now : 0);
}

/* ------------------------------------------------------------ connection */

static PGconn *pg_connect_params(const char *where, bool async)
{
    /* The URI's own settings win over these (expand_dbname: later overrides earlier). */
    const char *const kw[] = {"connect_timeout", "fallback_application_name", "dbname", NULL};
    const char *const val[] = {"10", "sixd", where, NULL};
    return async ? PQconnectStartParams(kw, val, 1) : PQconnectdbParams(kw, val, 1);
}

/* NOTICEs ("relation already exists, skipping") are not for the operator. */
static void pg_notice(void *arg, const char *msg)
{
    LOGD("lease store postgresql: %.*s", (int)strcspn(msg, "\n"), msg);
}

static void pg_outage_begins(struct pg_store *s, const char *what, const char *why)
{
    if (!s->in_outage)
        pg_log(s, LOG_ERR, "lease store postgresql: %s: %s; commits fail until it is back", what, why);
    s->in_outage = true;
}

/* The connection is gone (why: libpq's message if NULL): everything sent or
 * queued fails; reconnect later. */
static void pg_lost_why(struct pg_store *s, const char *what, const char *why)
{
    char buf[256];
    pg_outage_begins(s, what, why ? why : pg_errmsg(s->conn, buf, sizeof buf));
    fail_list(s, &s->sent);
    fail_list(s, &s->queued);
    s->reading = NULL;
    s->result_seen = s->batch_failed = false;
    PQfinish(s->conn);
    s->conn = NULL;
    s->cs = PG_DOWN;
    s->prepared = false;
    s->retry_at = pg_now(s) + s->retry_delay;
}

static void pg_lost(struct pg_store *s, const char *what)
{
    pg_lost_why(s, what, NULL);
}

static void pg_connect_failed(struct pg_store *s)
{
    if (s->in_outage && six_log_level() >= LOG_DEBUG) {
        char buf[256];
        pg_log(s, LOG_DEBUG, "lease store postgresql: reconnect failed: %s", pg_errmsg(s->conn, buf, sizeof buf));
    }
    pg_lost(s, "cannot reconnect");
    s->retry_delay = s->retry_delay * 2 > PG_RETRY_MAX_NS ? PG_RETRY_MAX_NS : s->retry_delay * 2;
}

static void pg_up(struct pg_store *s)
{
    PQsetNoticeProcessor(s->conn, pg_notice, NULL);
    PQsetnonblocking(s->conn, 1);
    s->cs = PG_UP;
    s->prepared = false;
    s->retry_delay = PG_RETRY_MIN_NS;
    if (s->ever_up) {
        PG_CTR_ADD(s, pg_reconnects, 1);
    }
    if (s->in_outage)
        pg_log(s, LOG_INFO, "lease store postgresql: connection back (%s@%s/%s)", PQuser(s->conn),
               PQhost(s->conn), PQdb(s->conn));
    s->in_outage = false;
    s->ever_up = true;
    s->probe_at = pg_now(s) + PG_PROBE_NS;
}

static bool pg_socket_ready(PGconn *c, PostgresPollingStatusType want)
{
    struct pollfd p = {.fd = PQsocket(c), .events = want == PGRES_POLLING_READING ? POLLIN : POLLOUT};
    if (p.fd < 0)
        return true;   /* let PQconnectPoll report it */
    return poll(&p, 1, 0) > 0;
}

/* Down: start a new connection when the backoff allows; connecting: go on. */
static void pg_drive_connection(struct pg_store *s)
{
    if (s->cs == PG_DOWN) {
        if (!s->where || pg_now(s) < s->retry_at)
            return;
        s->conn = pg_connect_params(s->where, true);
        if (!s->conn || PQstatus(s->conn) == CONNECTION_BAD) {
            pg_connect_failed(s);
            return;
        }
        s->cs = PG_CONNECTING;
        s->connect_wait = PGRES_POLLING_WRITING;   /* libpq: start as if it said WRITING */
    }
    while (s->cs == PG_CONNECTING && pg_socket_ready(s->conn, s->connect_wait)) {
        s->connect_wait = PQconnectPoll(s->conn);
        if (s->connect_wait == PGRES_POLLING_OK)
            pg_up(s);
        else if (s->connect_wait == PGRES_POLLING_FAILED)
            pg_connect_failed(s);
    }
}

/* ------------------------------------------------------------ sending */

static int op_cmp(const void *a, const void *b)
{
    const struct pg_op *x = *(const struct pg_op *const *)a, *y = *(const struct pg_op *const *)b;
    if (x->l.kind != y->l.kind)
        return x->l.kind < y->l.kind ? -1 : 1;
    return memcmp(&x->l.addr, &y->l.addr, sizeof x->l.addr);
}

static void hex_param(char *out, size_t n, const uint8_t *p, size_t len)
{
    size_t o = (size_t)snprintf(out, n, "\\x");
    for (size_t i = 0; i < len && o + 2 < n; i++)
        o += (size_t)snprintf(out + o, n - o, "%02x", p[i]);
}

static int pg_send_cas(struct pg_store *s, const struct lease *l)
{
    char kind[8], addr[INET6_ADDRSTRLEN], plen[8], duid[2 * DHCP6_DUID_MAX + 4], iaid[16], state[8];
    char pref[16], valid[16], cltt[24], exp[24], rkey[2 * sizeof l->rkey + 4], pool[16];
    snprintf(kind, sizeof kind, "%u", l->kind);
    inet_ntop(AF_INET6, &l->addr, addr, sizeof addr);
    snprintf(plen, sizeof plen, "%u", l->plen);
    hex_param(duid, sizeof duid, l->duid, l->duid_len < DHCP6_DUID_MAX ? l->duid_len : DHCP6_DUID_MAX);
    snprintf(iaid, sizeof iaid, "%" PRIu32, l->iaid);
    snprintf(state, sizeof state, "%u", l->state);
    snprintf(pref, sizeof pref, "%" PRIu32, l->preferred);
    snprintf(valid, sizeof valid, "%" PRIu32, l->valid);
    snprintf(cltt, sizeof cltt, "%" PRId64, l->cltt);
    snprintf(exp, sizeof exp, "%" PRId64, l->expires);
    hex_param(rkey, sizeof rkey, l->rkey, sizeof l->rkey);
    snprintf(pool, sizeof pool, "%" PRIu32, l->pool_id);
    const char *const v[PG_NPARAMS] = {kind, addr, plen,  duid, iaid, state,    pref,
                                       valid, cltt, exp, l->has_rkey ? rkey : NULL, pool, s->server};
    return PQsendQueryPrepared(s->conn, PG_CAS_NAME, PG_NPARAMS, v, NULL, NULL, 0) ? 0 : -1;
}

/* Our PREPARE rides in the first batch after a (re)connection. */
static int pg_send_prepare(struct pg_store *s)
{
    struct pg_op *op = op_get(s);
    if (!op)
        return -1;
    if (!PQsendPrepare(s->conn, PG_CAS_NAME, pg_cas_sql, PG_NPARAMS, NULL)) {
        op_put(s, op);
        return -1;
    }
    list_push(&s->sent, op);
    s->prepared = true;
    return 0;
}

/* Up to PG_BATCH_MAX queued commits, sorted, then a Sync. */
static int pg_send_batch(struct pg_store *s)
{
    struct pg_op *batch[PG_BATCH_MAX];
    unsigned n = 0;
    while (n < PG_BATCH_MAX && s->queued.head)
        batch[n++] = list_pop(&s->queued);
    qsort(batch, n, sizeof batch[0], op_cmp);
    int rc = 0;
    uint64_t now = pg_now(s);
    if (!s->prepared && (rc = pg_send_prepare(s)) == 0)
        s->sent.tail->sent_at = now;
    for (unsigned i = 0; i < n; i++) {
        if (rc == 0)
            rc = pg_send_cas(s, &batch[i]->l);
        batch[i]->sent_at = now;
        list_push(&s->sent, batch[i]);   /* failed sends fail with the connection */
    }
    s->sent.tail->batch_end = true;
    PG_CTR_ADD(s, pg_queries, n);
    s->stats.batches++;
    if (rc == 0 && !PQpipelineSync(s->conn))
        rc = -1;
    if (!s->reading)
        s->reading = s->sent.head;
    return rc;
}

static void pg_send(struct pg_store *s)
{
    if (s->queued.n && PQpipelineStatus(s->conn) == PQ_PIPELINE_OFF && !PQenterPipelineMode(s->conn)) {
        pg_lost(s, "cannot enter pipeline mode");
        return;
    }
    while (s->queued.n)
        if (pg_send_batch(s) < 0) {
            pg_lost(s, "send failed");
            return;
        }
    if (PQflush(s->conn) < 0)
        pg_lost(s, "send failed");
}

/* ------------------------------------------------------------ results */

/* The Sync of the oldest batch is back: its transaction committed (or was
 * rolled back if anything in it failed). */
static void pg_batch_done(struct pg_store *s)
{
    struct pg_op *op;
    bool end = false;
    while (!end && (op = list_pop(&s->sent))) {
        end = op->batch_end;
        op_finish(s, op, s->batch_failed ? LEASE_FAILED : (enum lease_result)op->r);
    }
    s->reading = s->sent.head;
    s->result_seen = s->batch_failed = false;
}

static void pg_statement_failed(struct pg_store *s, const PGresult *res)
{
    if (!s->batch_failed && !s->in_outage) {
        const char *m = PQresultErrorMessage(res);
        pg_log(s, LOG_WARNING, "lease store postgresql: batch rolled back: %s %.*s", PQresStatus(PQresultStatus(res)),
               (int)strcspn(m, "\n"), m);
    }
    s->batch_failed = true;
    if (s->reading && !s->reading->done)
        s->prepared = false;   /* prepare again on the next batch */
}

/* One result (not NULL) for the statement being read.  -1: out of step. */
static int pg_result(struct pg_store *s, PGresult *res)
{
    ExecStatusType st = PQresultStatus(res);
    if (st == PGRES_PIPELINE_SYNC) {
        if (!s->sent.n)
            return -1;
        pg_batch_done(s);
        return 0;
    }
    if (!s->reading || s->result_seen)
        return -1;
    s->result_seen = true;
    switch (st) {
    case PGRES_TUPLES_OK:
        s->reading->r = PQntuples(res) == 1 ? LEASE_OK : LEASE_CONFLICT;
        break;
    case PGRES_COMMAND_OK:   /* our PREPARE */
        s->reading->r = LEASE_OK;
        break;
    case PGRES_PIPELINE_ABORTED:
        s->reading->r = LEASE_FAILED;
        s->batch_failed = true;
        break;
    default:
        s->reading->r = LEASE_FAILED;
        pg_statement_failed(s, res);
        break;
    }
    return 0;
}

static void pg_read(struct pg_store *s)
{
    if (!s->sent.n)
        return;
    if (!PQconsumeInput(s->conn)) {
        pg_lost(s, "connection lost");
        return;
    }
    while (s->sent.n && !PQisBusy(s->conn)) {
        PGresult *res = PQgetResult(s->conn);
        if (!res) {
            if (!s->result_seen)
                break;   /* nothing more for now */
            s->result_seen = false;
            s->reading = s->reading->next;
            continue;
        }
        int rc = pg_result(s, res);
        PQclear(res);
        if (rc < 0 || PQstatus(s->conn) == CONNECTION_BAD) {
            pg_lost(s, rc < 0 ? "results out of step" : "connection lost");
            return;
        }
    }
    if (PQstatus(s->conn) == CONNECTION_BAD)
        pg_lost(s, "connection lost");
    else if (PQflush(s->conn) < 0)
        pg_lost(s, "send failed");
}

/* ------------------------------------------------------------ ops */

/* Idle, once a second: a connection the server closed (restart,
 * pg_terminate_backend) is noticed and re-opened before a client needs it.
 * Readable while nothing is in flight means a notice or the end. */
static void pg_probe(struct pg_store *s)
{
    uint64_t now = pg_now(s);
    if (s->sent.n || now < s->probe_at)
        return;
    s->probe_at = now + PG_PROBE_NS;
    /* A terminated backend sends its FATAL message, then closes: one read
     * takes the message, the next finds the end (a few reads at most). */
    for (int i = 0; i < 4; i++) {
        struct pollfd p = {.fd = PQsocket(s->conn), .events = POLLIN};
        if (poll(&p, 1, 0) <= 0)
            return;
        if (!PQconsumeInput(s->conn) || PQstatus(s->conn) == CONNECTION_BAD) {
            pg_lost(s, "connection lost");
            return;
        }
    }
}

static void pg_flush(struct lease_store *ls)
{
    struct pg_store *s = pg_of(ls);
    if (s->in_flush)
        return;
    s->in_flush = true;
    pg_drive_connection(s);
    if (s->cs == PG_UP)
        pg_probe(s);
    if (s->cs == PG_UP)
        pg_send(s);
    if (s->cs == PG_UP)
        pg_read(s);
    /* A database that stopped answering (a partition, a stuck server) looks
     * like one that answers slowly: past PG_ANSWER_NS, give up on it. */
    if (s->cs == PG_UP && s->sent.head && pg_now(s) - s->sent.head->sent_at > PG_ANSWER_NS)
        pg_lost_why(s, "connection lost", "no answer for 5 s");
    if (s->cs != PG_UP)
        fail_list(s, &s->queued);   /* no queue across an outage: the clients retry */
    pg_run_callbacks(s);
    s->in_flush = false;
    pg_arm(s);
}

static void pg_tick(struct timer *t, void *arg)
{
    pg_flush(arg);
}

static void pg_commit(struct lease_store *ls, const struct lease *l, lease_done_fn done, void *arg)
{
    struct pg_store *s = pg_of(ls);
    struct pg_op *op = op_get(s);
    if (!op) {
        /* No memory for even the op: nothing to call back later with.  The
         * callback must not run from here, so the commit is lost; the
         * client's retransmission brings it back. Counted as a failure. */
        s->stats.failures++;
        PG_CTR_ADD(s, pg_errors, 1);
        pg_log(s, LOG_ERR, "lease store postgresql: out of memory, commit dropped");
        return;
    }
    op->l = *l;
    op->done = done;
    op->arg = arg;
    s->stats.commits++;
    bool full = s->queued.n + s->sent.n >= PG_MAX_OUTSTANDING;
    if (full && !s->full_logged)
        pg_log(s, LOG_WARNING, "lease store postgresql: %d commits waiting for the database; more fail",
               PG_MAX_OUTSTANDING);
    s->full_logged = full || (s->full_logged && s->sent.n);
    if (s->cs == PG_UP && !full)
        list_push(&s->queued, op);
    else
        op_finish(s, op, LEASE_FAILED);
    pg_arm(s);
}

static int pg_exec_ok(PGconn *c, const char *sql, char *why, size_t whyn)
{
    PGresult *r = PQexec(c, sql);
    ExecStatusType st = PQresultStatus(r);
    bool ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
    if (!ok) {
        const char *m = PQresultErrorMessage(r);
        snprintf(why, whyn, "postgresql: %.*s", (int)strcspn(m, "\n"), m);
    }
    PQclear(r);
    return ok ? 0 : -1;
}

/* The schema's version under the advisory lock; creates the version table.
 * -1 on error (why set). Must run inside the locking transaction. */
static int pg_schema_version(PGconn *c, char *why, size_t whyn)
{
    if (pg_exec_ok(c, "CREATE TABLE IF NOT EXISTS sixstack_schema (version integer NOT NULL)", why, whyn) < 0)
        return -1;
    PGresult *r = PQexec(c, "SELECT version FROM sixstack_schema");
    int v = -1;
    if (PQresultStatus(r) != PGRES_TUPLES_OK)
        snprintf(why, whyn, "postgresql: cannot read sixstack_schema");
    else if (PQntuples(r) > 1)
        snprintf(why, whyn, "postgresql: sixstack_schema has %d rows, expected one", PQntuples(r));
    else if (PQntuples(r) == 0)
        v = pg_exec_ok(c, "INSERT INTO sixstack_schema (version) VALUES (0)", why, whyn) < 0 ? -1 : 0;
    else
        v = atoi(PQgetvalue(r, 0, 0));
    PQclear(r);
    return v;
}

/* One step N → N+1 per transaction, each under the advisory lock, so two
 * servers starting together migrate once: the second waits, then sees the
 * new version.  Returns the version found at the start, or -1. */
static int pg_migrate(struct pg_store *s, PGconn *c, char *why, size_t whyn)
{
    char lock[80];
    snprintf(lock, sizeof lock, "SELECT pg_advisory_xact_lock(%lld)", (long long)PG_MIGRATE_LOCK);
    for (;;) {
        if (pg_exec_ok(c, "BEGIN", why, whyn) < 0)
            return -1;
        int v = pg_exec_ok(c, lock, why, whyn) < 0 ? -1 : pg_schema_version(c, why, whyn);
        if (v < 0 || v > PG_SCHEMA_VERSION) {
            if (v > PG_SCHEMA_VERSION)
                snprintf(why, whyn, "postgresql: the schema is version %d, newer than this sixd's %d", v,
                         PG_SCHEMA_VERSION);
            PQclear(PQexec(c, "ROLLBACK"));
            return -1;
        }
        if (v == PG_SCHEMA_VERSION)
            return pg_exec_ok(c, "COMMIT", why, whyn);
        char bump[80];
        snprintf(bump, sizeof bump, "UPDATE sixstack_schema SET version = %d", v + 1);
        if (pg_exec_ok(c, pg_migrations[v], why, whyn) < 0 || pg_exec_ok(c, bump, why, whyn) < 0 ||
            pg_exec_ok(c, "COMMIT", why, whyn) < 0) {
            PQclear(PQexec(c, "ROLLBACK"));
            return -1;
        }
        pg_log(s, LOG_INFO, "lease store postgresql: schema migrated from version %d to %d", v, v + 1);
    }
}

static int pg_open(struct lease_store *ls, const char *where, char *why, size_t whyn)
{
    struct pg_store *s = pg_of(ls);
    free(s->where);
    s->where = strdup(where);
    if (!s->where) {
        snprintf(why, whyn, "out of memory");
        return -1;
    }
    PGconn *c = pg_connect_params(where, false);
    if (!c || PQstatus(c) != CONNECTION_OK) {
        char buf[256];
        snprintf(why, whyn, "postgresql: %s", pg_errmsg(c, buf, sizeof buf));
        PQfinish(c);
        return -1;
    }
    PQsetNoticeProcessor(c, pg_notice, NULL);
    if (pg_migrate(s, c, why, whyn) < 0) {
        PQfinish(c);
        return -1;
    }
    s->conn = c;
    pg_up(s);
    pg_log(s, LOG_INFO, "lease store postgresql: %s@%s/%s, schema version %d", PQuser(c), PQhost(c), PQdb(c),
           PG_SCHEMA_VERSION);
    return 0;
}

static int unhex_param(const char *text, uint8_t *out, size_t max)
{
    if (strncmp(text, "\\x", 2))
        return -1;
    text += 2;
    size_t n = strlen(text);
    if (n % 2 || n / 2 > max)
        return -1;
    for (size_t i = 0; i < n / 2; i++) {
        unsigned b;
        if (sscanf(text + 2 * i, "%2x", &b) != 1)
            return -1;
        out[i] = (uint8_t)b;
    }
    return (int)(n / 2);
}

/* One row of pg_load_sql into a lease; -1 if it does not make one. */
static int pg_row_lease(const PGresult *r, int i, struct lease *l)
{
    memset(l, 0, sizeof *l);
    l->kind = (uint8_t)atoi(PQgetvalue(r, i, 0));
    if (inet_pton(AF_INET6, PQgetvalue(r, i, 1), &l->addr) != 1)
        return -1;
    int plen = atoi(PQgetvalue(r, i, 2));
    int dl = unhex_param(PQgetvalue(r, i, 3), l->duid, sizeof l->duid);
    if (plen < 0 || plen > 128 || dl < 0)
        return -1;
    l->plen = (uint8_t)plen;
    l->duid_len = (uint8_t)dl;
    l->iaid = (uint32_t)strtoul(PQgetvalue(r, i, 4), NULL, 10);
    l->state = (uint8_t)atoi(PQgetvalue(r, i, 5));
    l->preferred = (uint32_t)strtoul(PQgetvalue(r, i, 6), NULL, 10);
    l->valid = (uint32_t)strtoul(PQgetvalue(r, i, 7), NULL, 10);
    l->cltt = strtoll(PQgetvalue(r, i, 8), NULL, 10);
    l->expires = strtoll(PQgetvalue(r, i, 9), NULL, 10);
    if (!PQgetisnull(r, i, 10))
        l->has_rkey = unhex_param(PQgetvalue(r, i, 10), l->rkey, sizeof l->rkey) == (int)sizeof l->rkey;
    l->pool_id = (uint32_t)strtoul(PQgetvalue(r, i, 11), NULL, 10);
    return 0;
}

/* Blocking, at start (before the server answers anyone), on a connection
 * of its own: rows stream in single-row mode, so a large table is never all
 * in memory at once, and the commit connection stays in pipeline mode
 * (libpq 15 carries single-row mode over into the next pipeline's results).
 * Returns the number of leases handed to fn, or -EIO. */
static int pg_load(struct lease_store *ls, lease_load_fn fn, void *arg)
{
    struct pg_store *s = pg_of(ls);
    char buf[256];
    PGconn *c = s->where ? pg_connect_params(s->where, false) : NULL;
    if (!c || PQstatus(c) != CONNECTION_OK) {
        pg_log(s, LOG_ERR, "lease store postgresql: load: %s", pg_errmsg(c, buf, sizeof buf));
        PQfinish(c);
        return -EIO;
    }
    PQsetNoticeProcessor(c, pg_notice, NULL);
    char now[24];
    snprintf(now, sizeof now, "%lld", (long long)lease_wall_now(s->base.st));
    const char *const v[1] = {now};
    int n = 0, bad = 0, rc = 0;
    if (!PQsendQueryParams(c, pg_load_sql, 1, NULL, v, NULL, NULL, 0) || !PQsetSingleRowMode(c)) {
        pg_log(s, LOG_ERR, "lease store postgresql: load: %s", pg_errmsg(c, buf, sizeof buf));
        rc = -EIO;
    }
    PGresult *r;
    while ((r = PQgetResult(c))) {
        ExecStatusType st = PQresultStatus(r);
        if (st == PGRES_SINGLE_TUPLE) {
            struct lease l;
            if (pg_row_lease(r, 0, &l) == 0) {
                fn(arg, &l);
                n++;
            } else
                bad++;
        } else if (st != PGRES_TUPLES_OK) {
            const char *m = PQresultErrorMessage(r);
            pg_log(s, LOG_ERR, "lease store postgresql: load: %.*s", (int)strcspn(m, "\n"), m);
            rc = -EIO;
        }
        PQclear(r);
    }
    PQfinish(c);
    if (bad)
        pg_log(s, LOG_WARNING, "lease store postgresql: load: %d rows that are not leases skipped", bad);
    return rc < 0 ? rc : n;
}

/* Wait (blocking, bounded) for what is in flight, then fail the rest. */
static void pg_close(struct lease_store *ls)
{
    struct pg_store *s = pg_of(ls);
    uint64_t until = six_clock_mono_now(NULL) + (uint64_t)PG_CLOSE_WAIT_MS * NS_PER_MS;
    while (s->cs == PG_UP && (s->queued.n || s->sent.n) && six_clock_mono_now(NULL) < until) {
        pg_flush(ls);
        if (s->cs == PG_UP && s->sent.n) {
            struct pollfd p = {.fd = PQsocket(s->conn), .events = POLLIN};
            poll(&p, 1, 10);
        }
    }
    fail_list(s, &s->sent);
    fail_list(s, &s->queued);
    pg_run_callbacks(s);
    timer_cancel(&s->tick);
    PQfinish(s->conn);
    struct pg_op *op;
    while ((op = s->free)) {
        s->free = op->next;
        free(op);
    }
    free(s->where);
    free(s);
}

static void pg_stats(const struct lease_store *ls, struct lease_store_stats *out)
{
    *out = ((const struct pg_store *)ls)->stats;
}

static const struct lease_store_ops pg_ops = {
    .name = "postgresql",
    .open = pg_open,
    .load = pg_load,
    .commit = pg_commit,
    .flush = pg_flush,
    .close = pg_close,
    .stats = pg_stats,
};

struct lease_store *lease_pg_create(struct six_stack *st)
{
    struct pg_store *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->base.ops = &pg_ops;
    s->base.st = st;
    s->cs = PG_DOWN;
    s->retry_delay = PG_RETRY_MIN_NS;
    timer_init(&s->tick, pg_tick, &s->base);
    char host[64] = "";
    gethostname(host, sizeof host - 1);
    snprintf(s->server, sizeof s->server, "%s%s%s", host, st && st->name[0] ? "/" : "", st ? st->name : "");
    return &s->base;
}
