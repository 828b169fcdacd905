/* Pluggable clock: monotonic for real devices, virtual for the simulator. ns. */
#ifndef SIX_CORE_CLOCK_H
#define SIX_CORE_CLOCK_H
#include <stdint.h>

#define NS_PER_MS  1000000ull
#define NS_PER_SEC 1000000000ull

struct six_clock {
    uint64_t (*now)(void *ctx);
    void *ctx;
};

uint64_t six_clock_mono_now(void *ctx);          /* CLOCK_MONOTONIC */
extern const struct six_clock six_clock_mono;    /* { six_clock_mono_now, NULL } */

static inline uint64_t clock_now(const struct six_clock *c) { return c->now(c->ctx); }

#endif
