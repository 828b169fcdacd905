/* The lease store's dispatcher: lease_store_open picks the backend by the
 * `where` string, the rest calls through the backend's ops (lease.h). */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "dhcp6/lease.h"
#include "net/stack.h"

static bool is_postgresql(const char *where)
{
    return !strncmp(where, "postgresql://", 13) || !strncmp(where, "postgres://", 11);
}

struct lease_store *lease_store_open(struct six_stack *st, const char *where, char *why, size_t whyn)
{
    if (!where || !*where) {
        snprintf(why, whyn, "lease store: no file or postgresql:// URI given");
        return NULL;
    }
    bool pg = is_postgresql(where);
    struct lease_store *s = pg ? lease_pg_create(st) : lease_journal_create(st);
    if (!s) {
        snprintf(why, whyn, "lease store %s: %s", pg ? "postgresql" : where,
                 pg ? "this sixd was built without PostgreSQL support, or out of memory" : "out of memory");
        return NULL;
    }
    *why = 0;
    if (s->ops->open(s, where, why, whyn) < 0) {
        if (!*why)
            snprintf(why, whyn, "lease store %s: cannot open", s->ops->name);
        s->ops->close(s);
        return NULL;
    }
    return s;
}

int lease_store_load(struct lease_store *s, lease_load_fn fn, void *arg) { return s->ops->load(s, fn, arg); }

void lease_store_commit(struct lease_store *s, const struct lease *l, lease_done_fn done, void *arg)
{
    s->ops->commit(s, l, done, arg);
}

void lease_store_flush(struct lease_store *s) { s->ops->flush(s); }

void lease_store_close(struct lease_store *s)
{
    if (s)
        s->ops->close(s);
}

void lease_store_stats(const struct lease_store *s, struct lease_store_stats *out) { s->ops->stats(s, out); }

const char *lease_store_kind(const struct lease_store *s) { return s->ops->name; }

int64_t lease_wall_now(const struct six_stack *st)
{
    /* sixd runs on the monotonic clock: its wall time is the system's.
     * The simulator's virtual clock is the wall clock of its world. */
    if (!st || st->clock == &six_clock_mono || st->clock->now == six_clock_mono_now)
        return (int64_t)time(NULL);
    return (int64_t)(six_now(st) / NS_PER_SEC);
}
