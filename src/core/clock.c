/* The real clock: CLOCK_MONOTONIC in ns. The simulator supplies its own. */
#include <time.h>
#include "core/clock.h"

uint64_t six_clock_mono_now(void *ctx)
{
    (void)ctx;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * NS_PER_SEC + (uint64_t)ts.tv_nsec;
}

const struct six_clock six_clock_mono = { six_clock_mono_now, NULL };
