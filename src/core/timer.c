/* Hierarchical timer wheel, 1 ms ticks, exact (cascading) placement.
 *
 * Design. Time is counted in ticks of 1 ms. A timer due at `expires` ns gets
 * the tick E = ceil(expires / 1 ms): it fires when run() is called with
 * now >= E ms, so it never fires early and at most 1 ms late (timers within
 * the same ms fire in any order). `cur` is the tick the wheel has processed
 * up to. Ticks are split into 6-bit digits; there are LEVELS levels of 64
 * slots. A timer sits at level L = the highest digit in which E differs from
 * cur, in slot = digit L of E. So level 0 holds the timers of the current
 * 64-tick block, level 1 those of the current 4096-tick block, and so on
 * (6 levels = 2^36 ms, ~2 years; later ones wait on an overflow list that is
 * re-sorted every 2^36 ms). Invariants that follow:
 *   - every timer at a lower level is due before every timer at a higher one;
 *   - within a level, the slot number orders the timers.
 * Each level has a 64-bit occupancy bitmap, so finding the earliest slot is
 * a few ctz instructions. When cur reaches the first tick of a slot at a
 * level > 0, that slot is "cascaded": its timers are re-inserted relative to
 * the new cur and land in lower levels, digit by digit, until they reach
 * level 0 and fire on their exact tick. Unlike Linux's current wheel there
 * is no granularity loss at high levels: the cost is one re-insertion per
 * level crossed, paid only by long timers.
 *
 * run(now) never walks empty ticks: it jumps straight to the next occupied
 * slot, so a simulator may advance virtual time by hours in one call.
 * next() is O(1) when the earliest timer is in level 0; otherwise it scans
 * the one slot that holds it, and the answer is cached until the wheel changes.
 *
 * Callbacks may arm or cancel any timer, themselves included: a slot is
 * drained by popping its head one timer at a time, so nothing holds a stale
 * pointer across a callback. */
#include <stdlib.h>
#include "core/timer.h"

#define LVL_BITS  6u
#define LVL_SIZE  (1u << LVL_BITS)
#define LVL_MASK  (LVL_SIZE - 1u)
#define LEVELS    6u
#define OVF_SLOT  (LEVELS * LVL_SIZE)           /* index of the overflow list */
#define N_SLOTS   (OVF_SLOT + 1u)
#define OVF_SHIFT (LEVELS * LVL_BITS)           /* 36 */

struct timer_wheel {
    const struct six_clock *clock;
    uint64_t cur;                    /* last processed tick */
    uint64_t bitmap[LEVELS];         /* bit s of level L: slot L*64+s not empty */
    struct timer *slots[N_SLOTS];
    unsigned count;
    uint64_t next_cache;             /* next() answer, valid if next_valid */
    bool next_valid;
};

static uint64_t tick_of(uint64_t ns)
{
    return ns / NS_PER_MS + (ns % NS_PER_MS != 0);
}

static uint64_t ns_of(uint64_t tick)
{
    return tick > UINT64_MAX / NS_PER_MS ? UINT64_MAX : tick * NS_PER_MS;
}

/* The tick a timer will fire on: never before the wheel's current tick. */
static uint64_t timer_tick(const struct timer_wheel *w, const struct timer *t)
{
    uint64_t e = tick_of(t->expires);
    return e < w->cur ? w->cur : e;
}

static uint32_t slot_for(const struct timer_wheel *w, uint64_t e)
{
    uint64_t diff = e ^ w->cur;
    if (diff < LVL_SIZE)
        return (uint32_t)(e & LVL_MASK);
    unsigned lvl = (unsigned)(63 - __builtin_clzll(diff)) / LVL_BITS;
    if (lvl >= LEVELS)
        return OVF_SLOT;
    return lvl * LVL_SIZE + (uint32_t)((e >> (lvl * LVL_BITS)) & LVL_MASK);
}

static void slot_link(struct timer_wheel *w, struct timer *t)
{
    uint32_t s = slot_for(w, timer_tick(w, t));
    t->slot = s;
    t->prev = NULL;
    t->next = w->slots[s];
    if (t->next)
        t->next->prev = t;
    w->slots[s] = t;
    if (s != OVF_SLOT)
        w->bitmap[s / LVL_SIZE] |= 1ull << (s % LVL_SIZE);
}

static void slot_unlink(struct timer_wheel *w, struct timer *t)
{
    uint32_t s = t->slot;
    if (t->prev)
        t->prev->next = t->next;
    else
        w->slots[s] = t->next;
    if (t->next)
        t->next->prev = t->prev;
    t->next = t->prev = NULL;
    if (!w->slots[s] && s != OVF_SLOT)
        w->bitmap[s / LVL_SIZE] &= ~(1ull << (s % LVL_SIZE));
}

struct timer_wheel *timer_wheel_create(const struct six_clock *clock)
{
    struct timer_wheel *w = calloc(1, sizeof(*w));
    if (!w)
        return NULL;
    w->clock = clock ? clock : &six_clock_mono;
    w->cur = clock_now(w->clock) / NS_PER_MS;
    return w;
}

void timer_wheel_destroy(struct timer_wheel *w)
{
    if (!w)
        return;
    /* Leave the owners' timers in a sane "not armed" state. */
    for (uint32_t s = 0; s < N_SLOTS; s++) {
        struct timer *t;
        while ((t = w->slots[s])) {
            slot_unlink(w, t);
            t->wheel = NULL;
        }
    }
    free(w);
}

const struct six_clock *timer_wheel_clock(const struct timer_wheel *w)
{
    return w->clock;
}

void timer_init(struct timer *t, timer_fn fn, void *arg)
{
    t->next = t->prev = NULL;
    t->expires = 0;
    t->fn = fn;
    t->arg = arg;
    t->wheel = NULL;
    t->slot = 0;
}

void timer_cancel(struct timer *t)
{
    struct timer_wheel *w = t->wheel;
    if (!w)
        return;
    if (w->next_valid && ns_of(timer_tick(w, t)) <= w->next_cache)
        w->next_valid = false;
    slot_unlink(w, t);
    t->wheel = NULL;
    w->count--;
}

void timer_arm_at(struct timer_wheel *w, struct timer *t, uint64_t at_ns)
{
    timer_cancel(t);
    t->expires = at_ns;
    t->wheel = w;
    slot_link(w, t);
    w->count++;
    uint64_t due = ns_of(timer_tick(w, t));
    if (w->next_valid && due < w->next_cache)
        w->next_cache = due;
}

void timer_arm(struct timer_wheel *w, struct timer *t, uint64_t delay_ns)
{
    uint64_t now = clock_now(w->clock);
    uint64_t at = delay_ns > UINT64_MAX - now ? UINT64_MAX : now + delay_ns;
    timer_arm_at(w, t, at);
}

/* Lowest level with a timer: 0..LEVELS-1, LEVELS for overflow only, -1 if empty. */
static int lowest_level(const struct timer_wheel *w)
{
    for (unsigned l = 0; l < LEVELS; l++)
        if (w->bitmap[l])
            return (int)l;
    return w->slots[OVF_SLOT] ? (int)LEVELS : -1;
}

/* First tick covered by the earliest occupied slot of level lvl (> 0). */
static uint64_t slot_start(const struct timer_wheel *w, unsigned lvl)
{
    if (lvl == LEVELS)
        return ((w->cur >> OVF_SHIFT) + 1) << OVF_SHIFT;
    unsigned shift = lvl * LVL_BITS;
    uint64_t s = (uint64_t)__builtin_ctzll(w->bitmap[lvl]);
    uint64_t high = (w->cur >> (shift + LVL_BITS)) << (shift + LVL_BITS);
    return high | (s << shift);
}

static uint32_t first_slot_index(const struct timer_wheel *w, unsigned lvl)
{
    if (lvl == LEVELS)
        return OVF_SLOT;
    return lvl * LVL_SIZE + (uint32_t)__builtin_ctzll(w->bitmap[lvl]);
}

/* cur has just reached the start of slot s: push its timers down. */
static void cascade(struct timer_wheel *w, uint32_t s)
{
    struct timer *list = w->slots[s];
    w->slots[s] = NULL;
    if (s != OVF_SLOT)
        w->bitmap[s / LVL_SIZE] &= ~(1ull << (s % LVL_SIZE));
    while (list) {
        struct timer *t = list;
        list = t->next;
        slot_link(w, t);
    }
}

/* Fire every timer of level-0 slot s (cur is its tick), including any that
 * callbacks arm for this same tick. */
static unsigned fire_slot(struct timer_wheel *w, uint32_t s)
{
    unsigned n = 0;
    struct timer *t;
    while ((t = w->slots[s])) {
        slot_unlink(w, t);
        t->wheel = NULL;
        w->count--;
        n++;
        t->fn(t, t->arg);
    }
    return n;
}

unsigned timer_wheel_run(struct timer_wheel *w, uint64_t now)
{
    uint64_t target = now / NS_PER_MS;   /* last tick allowed to fire */
    unsigned fired = 0;
    w->next_valid = false;
    for (;;) {
        int lvl = lowest_level(w);
        uint64_t start;
        if (lvl < 0)
            break;
        if (lvl == 0)
            start = (w->cur & ~(uint64_t)LVL_MASK) | (uint64_t)__builtin_ctzll(w->bitmap[0]);
        else
            start = slot_start(w, (unsigned)lvl);
        if (start > target)
            break;
        w->cur = start;
        if (lvl == 0)
            fired += fire_slot(w, (uint32_t)__builtin_ctzll(w->bitmap[0]));
        else
            cascade(w, first_slot_index(w, (unsigned)lvl));
        w->next_valid = false;   /* callbacks may have used the cache */
    }
    /* Nothing is due up to target: skipping the empty ticks keeps every
     * invariant (the next occupied slot lies beyond target). */
    if (target > w->cur)
        w->cur = target;
    w->next_valid = false;
    return fired;
}

uint64_t timer_wheel_next(const struct timer_wheel *cw)
{
    struct timer_wheel *w = (struct timer_wheel *)cw;   /* cache only */
    if (w->next_valid)
        return w->next_cache;
    int lvl = lowest_level(w);
    uint64_t tick = UINT64_MAX;
    if (lvl == 0) {
        tick = (w->cur & ~(uint64_t)LVL_MASK) | (uint64_t)__builtin_ctzll(w->bitmap[0]);
    } else if (lvl > 0) {
        for (struct timer *t = w->slots[first_slot_index(w, (unsigned)lvl)]; t; t = t->next) {
            uint64_t e = timer_tick(w, t);
            if (e < tick)
                tick = e;
        }
    }
    w->next_cache = lvl < 0 ? UINT64_MAX : ns_of(tick);
    w->next_valid = true;
    return w->next_cache;
}

unsigned timer_wheel_count(const struct timer_wheel *w)
{
    return w->count;
}
