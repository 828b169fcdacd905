/* Operator log lines: events and rate-limited warnings (oplog.h). */
#include <stdarg.h>
#include <stdio.h>
#include "net/oplog.h"
#include "net/stack.h"
#include "core/log.h"

static const char *const kind_name[SIX_WARN_KINDS] = {
    [SIX_WARN_REPLAY] = "replay", [SIX_WARN_ICV] = "ICV", [SIX_WARN_POLICY] = "policy", [SIX_WARN_SPOOF] = "spoof",
    [SIX_WARN_DUPADDR] = "duplicate address",
    [SIX_WARN_DHCP6] = "DHCPv6",
};

static void vemit(struct six_stack *st, int level, const char *fmt, va_list ap, uint32_t missed)
{
    char msg[512];
    int n = vsnprintf(msg, sizeof msg, fmt, ap);
    if (missed && n >= 0 && (size_t)n < sizeof msg)
        snprintf(msg + n, sizeof msg - (size_t)n, " (%u more suppressed)", missed);
    if (st->trace)
        st->trace(st->trace_ctx, st, msg);
    else
        six_log_named(level, st->name, "%s", msg);
}

void six_event(struct six_stack *st, int level, const char *fmt, ...)
{
    if (!st->trace && level > six_log_level())
        return;
    va_list ap;
    va_start(ap, fmt);
    vemit(st, level, fmt, ap, 0);
    va_end(ap);
}

static void emit(struct six_stack *st, int level, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void emit(struct six_stack *st, int level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vemit(st, level, fmt, ap, 0);
    va_end(ap);
}

/* A window ended with lines suppressed: say how many, once. */
static void summary(struct timer *t, void *arg)
{
    struct six_stack *st = arg;
    struct six_oplog *ol = &st->oplog;
    uint64_t now = six_now(st), next = UINT64_MAX;
    (void)t;
    for (unsigned k = 0; k < SIX_WARN_KINDS; k++) {
        uint32_t n = six_ratelimit_flush(&ol->rl[k], now);
        if (n)
            emit(st, LOG_WARNING, "%u more %s warnings suppressed", n, kind_name[k]);
        else if (ol->rl[k].suppressed && six_ratelimit_window_end(&ol->rl[k]) < next)
            next = six_ratelimit_window_end(&ol->rl[k]);
    }
    if (next != UINT64_MAX)
        timer_arm_at(st->tw, &ol->summary, next);
}

static void ready(struct six_stack *st)
{
    struct six_oplog *ol = &st->oplog;
    for (unsigned k = 0; k < SIX_WARN_KINDS; k++)
        ol->rl[k] = (struct six_ratelimit)SIX_RATELIMIT_INIT(SIX_WARN_INTERVAL_NS, SIX_WARN_BURST);
    timer_init(&ol->summary, summary, st);
    ol->ready = true;
}

bool six_warn_begin(struct six_stack *st, enum six_warn_kind kind, uint32_t *missed)
{
    struct six_oplog *ol = &st->oplog;
    if (!st->trace && six_log_level() < LOG_WARNING)
        return false;
    if (!ol->ready)
        ready(st);
    if (six_ratelimit_take(&ol->rl[kind], six_now(st), missed))
        return true;
    if (!timer_pending(&ol->summary))
        timer_arm_at(st->tw, &ol->summary, six_ratelimit_window_end(&ol->rl[kind]));
    return false;
}

void six_warn_emit(struct six_stack *st, uint32_t missed, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vemit(st, LOG_WARNING, fmt, ap, missed);
    va_end(ap);
}

void six_oplog_destroy(struct six_stack *st)
{
    if (st->oplog.ready)
        timer_cancel(&st->oplog.summary);
}
