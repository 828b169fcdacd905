#include <stdint.h>
#include "../lib/t.h"
#include "core/timer.h"

static uint64_t fake_now;
static uint64_t fake_clock_now(void *ctx) { (void)ctx; return fake_now; }
static const struct six_clock fake_clock = { fake_clock_now, NULL };

/* Record of fired timers */
static int order[64], n_order;
static void rec_fn(struct timer *t, void *arg) { (void)t; order[n_order++] = (int)(intptr_t)arg; }

TEST(order_and_next)
{
    fake_now = 0;
    n_order = 0;
    struct timer_wheel *w = timer_wheel_create(&fake_clock);
    struct timer t[4];
    T_EQ(timer_wheel_next(w), UINT64_MAX);
    for (int i = 0; i < 4; i++) timer_init(&t[i], rec_fn, (void *)(intptr_t)i);
    timer_arm(w, &t[0], 30 * NS_PER_MS);
    timer_arm(w, &t[1], 10 * NS_PER_MS);
    timer_arm(w, &t[2], 5000 * NS_PER_MS);    /* level 2 */
    timer_arm(w, &t[3], 20 * NS_PER_MS + 1);  /* rounds up to 21 ms */
    T_EQ(timer_wheel_count(w), 4);
    T_CHECK(timer_pending(&t[0]));
    T_EQ(timer_wheel_next(w), 10 * NS_PER_MS);
    T_EQ(timer_wheel_run(w, 10 * NS_PER_MS - 1), 0);   /* never early */
    T_EQ(timer_wheel_run(w, 10 * NS_PER_MS), 1);
    T_EQ(order[0], 1);
    T_CHECK(!timer_pending(&t[1]));
    T_EQ(timer_wheel_next(w), 21 * NS_PER_MS);
    T_EQ(timer_wheel_run(w, 20 * NS_PER_MS + 1), 0);  /* due at 20ms+1ns: fires at the 21 ms tick */
    T_EQ(timer_wheel_run(w, 21 * NS_PER_MS), 1);
    T_EQ(timer_wheel_run(w, 1000 * NS_PER_MS), 1);
    T_EQ(timer_wheel_next(w), 5000 * NS_PER_MS);
    T_EQ(timer_wheel_run(w, 4999 * NS_PER_MS + 999999), 0);
    T_EQ(timer_wheel_run(w, 5000 * NS_PER_MS), 1);
    T_EQ(n_order, 4);
    T_EQ(order[1], 3); T_EQ(order[2], 0); T_EQ(order[3], 2);
    T_EQ(timer_wheel_count(w), 0);
    T_EQ(timer_wheel_next(w), UINT64_MAX);
    timer_wheel_destroy(w);
}

TEST(cancel)
{
    fake_now = 1000 * NS_PER_MS;
    n_order = 0;
    struct timer_wheel *w = timer_wheel_create(&fake_clock);
    struct timer a, b;
    timer_init(&a, rec_fn, (void *)1);
    timer_init(&b, rec_fn, (void *)2);
    timer_arm(w, &a, 5 * NS_PER_MS);
    timer_arm(w, &b, 7 * NS_PER_MS);
    T_EQ(timer_wheel_next(w), 1005 * NS_PER_MS);
    timer_cancel(&a);
    timer_cancel(&a);   /* idempotent */
    T_CHECK(!timer_pending(&a));
    T_EQ(timer_wheel_next(w), 1007 * NS_PER_MS);
    timer_arm(w, &b, 3 * NS_PER_MS);   /* re-arm moves it */
    T_EQ(timer_wheel_count(w), 1);
    T_EQ(timer_wheel_next(w), 1003 * NS_PER_MS);
    T_EQ(timer_wheel_run(w, 2000 * NS_PER_MS), 1);
    T_EQ(order[0], 2);
    timer_arm(w, &a, 10 * NS_PER_MS);
    timer_wheel_destroy(w);               /* leaves a disarmed */
    T_CHECK(!timer_pending(&a));
}

/* A callback re-arming itself, cancelling a peer and arming one for "now". */
static struct timer_wheel *g_w;
static struct timer g_self, g_victim, g_now;
static int self_runs, now_runs, victim_runs;
static void victim_fn(struct timer *t, void *arg) { (void)t; (void)arg; victim_runs++; }
static void now_fn(struct timer *t, void *arg) { (void)t; (void)arg; now_runs++; }
static void self_fn(struct timer *t, void *arg)
{
    (void)arg;
    self_runs++;
    timer_cancel(&g_victim);
    if (self_runs < 5)
        timer_arm(g_w, t, 100 * NS_PER_MS);
    if (self_runs == 1)
        timer_arm(g_w, &g_now, 0);
}

TEST(rearm_from_callback)
{
    fake_now = 0;
    g_w = timer_wheel_create(&fake_clock);
    self_runs = now_runs = victim_runs = 0;
    timer_init(&g_self, self_fn, NULL);
    timer_init(&g_victim, victim_fn, NULL);
    timer_init(&g_now, now_fn, NULL);
    timer_arm(g_w, &g_self, 50 * NS_PER_MS);
    timer_arm(g_w, &g_victim, 50 * NS_PER_MS);   /* same tick: may or may not run first */
    fake_now = 50 * NS_PER_MS;
    timer_wheel_run(g_w, fake_now);
    T_EQ(self_runs, 1);
    T_EQ(now_runs, 1);                  /* armed for now by a callback: same call */
    T_CHECK(victim_runs <= 1);
    T_CHECK(!timer_pending(&g_victim));
    /* The self timer was re-armed relative to the clock (50ms) → 150ms. */
    T_EQ(timer_wheel_next(g_w), 150 * NS_PER_MS);
    for (int i = 0; i < 10; i++) {
        fake_now = timer_wheel_next(g_w);
        if (fake_now == UINT64_MAX) break;
        timer_wheel_run(g_w, fake_now);
    }
    T_EQ(self_runs, 5);
    T_EQ(timer_wheel_count(g_w), 0);
    timer_wheel_destroy(g_w);
}

TEST(far_timers)
{
    fake_now = 123456789;
    n_order = 0;
    struct timer_wheel *w = timer_wheel_create(&fake_clock);
    struct timer t[4];
    uint64_t at[4] = {
        fake_now + (1ull << 32) * NS_PER_MS,        /* 2^32 ms ahead */
        fake_now + (1ull << 37) * NS_PER_MS + 5,    /* beyond the levels: overflow list */
        fake_now + 30ull * 24 * 3600 * NS_PER_SEC,   /* 30 days (< 2^32 ms) */
        UINT64_MAX,                                 /* "never" must not break anything */
    };
    for (int i = 0; i < 4; i++) {
        timer_init(&t[i], rec_fn, (void *)(intptr_t)i);
        timer_arm_at(w, &t[i], at[i]);
    }
    uint64_t first = (at[2] + NS_PER_MS - 1) / NS_PER_MS * NS_PER_MS;
    T_EQ(timer_wheel_next(w), first);
    T_EQ(timer_wheel_run(w, first - 1), 0);
    T_EQ(timer_wheel_run(w, first), 1);
    uint64_t second = (at[0] + NS_PER_MS - 1) / NS_PER_MS * NS_PER_MS;
    T_EQ(timer_wheel_next(w), second);
    T_EQ(timer_wheel_run(w, second), 1);
    uint64_t third = (at[1] + NS_PER_MS - 1) / NS_PER_MS * NS_PER_MS;
    T_EQ(timer_wheel_next(w), third);
    T_EQ(timer_wheel_run(w, third - 1), 0);
    T_EQ(timer_wheel_run(w, third), 1);
    T_EQ(order[0], 2); T_EQ(order[1], 0); T_EQ(order[2], 1);
    T_EQ(timer_wheel_count(w), 1);
    timer_cancel(&t[3]);
    T_EQ(timer_wheel_next(w), UINT64_MAX);
    timer_wheel_destroy(w);
}

/* 100k random timers: each fires exactly once, never before its time, no
 * later than 1 ms after it, and in non-decreasing tick order. Half the time
 * the clock jumps to next(), half it crawls in random steps. */
#define NR 100000
static struct timer rt[NR];
static uint64_t fired_at[NR];
static uint64_t last_tick;
static int order_bad, n_fired;
static uint64_t rng = 88172645463325252ull;
static uint64_t xs(void) { rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17; return rng; }

static void rand_fn(struct timer *t, void *arg)
{
    (void)arg;
    size_t i = (size_t)(t - rt);
    fired_at[i] = fake_now;
    uint64_t tick = (t->expires + NS_PER_MS - 1) / NS_PER_MS;
    if (tick < last_tick) order_bad++;
    last_tick = tick;
    n_fired++;
}

TEST(random_100k)
{
    fake_now = 5 * NS_PER_SEC;
    struct timer_wheel *w = timer_wheel_create(&fake_clock);
    last_tick = 0; order_bad = 0; n_fired = 0;
    for (size_t i = 0; i < NR; i++) {
        timer_init(&rt[i], rand_fn, NULL);
        uint64_t r = xs();
        uint64_t d;
        switch (r % 4) {       /* spread over every level */
        case 0: d = xs() % (64 * NS_PER_MS); break;
        case 1: d = xs() % (5 * NS_PER_SEC); break;
        case 2: d = xs() % (600 * NS_PER_SEC); break;
        default: d = xs() % (3 * 86400 * NS_PER_SEC); break;
        }
        timer_arm(w, &rt[i], d);
    }
    /* cancel and re-arm a few thousand */
    for (size_t i = 0; i < NR; i += 37) {
        timer_cancel(&rt[i]);
        if (i % 2) timer_arm(w, &rt[i], xs() % (100 * NS_PER_SEC));
    }
    unsigned expected = timer_wheel_count(w);
    int steps = 0;
    while (timer_wheel_count(w) && steps < 10000000) {
        uint64_t nx = timer_wheel_next(w);
        T_CHECK(nx >= fake_now);
        if (xs() % 2) fake_now = nx;
        else fake_now += xs() % (3 * NS_PER_MS);
        timer_wheel_run(w, fake_now);
        steps++;
    }
    T_EQ(n_fired, expected);
    T_EQ(order_bad, 0);
    int early = 0, late = 0, missing = 0;
    for (size_t i = 0; i < NR; i++) {
        if (i % 37 == 0 && i % 2 == 0) continue;   /* cancelled for good */
        if (!fired_at[i]) { missing++; continue; }
        if (fired_at[i] < rt[i].expires) early++;
        /* run() is called at most 3 ms after any due time in the crawl, so
         * lateness is bounded by the rounding (<1 ms) + the caller's step. */
        if (fired_at[i] > rt[i].expires + 4 * NS_PER_MS) late++;
    }
    T_EQ(missing, 0);
    T_EQ(early, 0);
    T_EQ(late, 0);
    timer_wheel_destroy(w);
}

/* When run() is called exactly at next(), every timer fires within 1 ms of its expiry. */
TEST(on_time_when_run_at_next)
{
    fake_now = 0;
    struct timer_wheel *w = timer_wheel_create(&fake_clock);
    memset(fired_at, 0, sizeof(fired_at));
    last_tick = 0; order_bad = 0; n_fired = 0;
    for (size_t i = 0; i < 20000; i++) {
        timer_init(&rt[i], rand_fn, NULL);
        timer_arm(w, &rt[i], xs() % (20000 * NS_PER_SEC));
    }
    while (timer_wheel_count(w)) {
        fake_now = timer_wheel_next(w);
        timer_wheel_run(w, fake_now);
    }
    int bad = 0;
    for (size_t i = 0; i < 20000; i++)
        if (fired_at[i] < rt[i].expires || fired_at[i] >= rt[i].expires + NS_PER_MS) bad++;
    T_EQ(bad, 0);
    T_EQ(order_bad, 0);
    T_EQ(n_fired, 20000);
    timer_wheel_destroy(w);
}

int main(void)
{
    RUN(order_and_next);
    RUN(cancel);
    RUN(rearm_from_callback);
    RUN(far_timers);
    RUN(random_100k);
    RUN(on_time_when_run_at_next);
    return t_done();
}
