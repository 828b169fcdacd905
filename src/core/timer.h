/* Timer wheel on a pluggable clock.
 *
 * Timers are intrusive (embedded in the owner's struct): no allocation.
 * Resolution 1 ms. The wheel never reads the clock itself: timer_wheel_run(now)
 * fires what has expired, timer_wheel_next() says when the next one is due
 * (for epoll timeouts and for the simulator's virtual clock). */
#ifndef SIX_CORE_TIMER_H
#define SIX_CORE_TIMER_H
#include <stdint.h>
#include <stdbool.h>
#include "core/clock.h"

struct timer;
typedef void (*timer_fn)(struct timer *t, void *arg);

struct timer {
    struct timer *next, *prev;   /* slot list; NULL when not armed */
    uint64_t expires;            /* absolute ns */
    timer_fn fn;
    void *arg;
    struct timer_wheel *wheel;   /* set while armed */
    uint32_t slot;               /* wheel-private: which slot list holds it */
};

struct timer_wheel;

struct timer_wheel *timer_wheel_create(const struct six_clock *clock);
void timer_wheel_destroy(struct timer_wheel *w);
const struct six_clock *timer_wheel_clock(const struct timer_wheel *w);

void timer_init(struct timer *t, timer_fn fn, void *arg);
/* (Re)arm to fire delay_ns from the wheel clock's now. */
void timer_arm(struct timer_wheel *w, struct timer *t, uint64_t delay_ns);
void timer_arm_at(struct timer_wheel *w, struct timer *t, uint64_t at_ns);
void timer_cancel(struct timer *t);
static inline bool timer_pending(const struct timer *t) { return t->wheel != 0; }

/* Fire every timer with expires <= now, in expiry order; timers armed by
 * callbacks for <= now fire in the same call. Returns how many fired. */
unsigned timer_wheel_run(struct timer_wheel *w, uint64_t now);
/* Earliest expiry among armed timers, UINT64_MAX if none. Expiries are kept
 * at 1 ms resolution, rounded up: the value is the first `now` at which
 * timer_wheel_run() fires that timer (so a virtual clock can jump to it). */
uint64_t timer_wheel_next(const struct timer_wheel *w);
unsigned timer_wheel_count(const struct timer_wheel *w);

#endif
