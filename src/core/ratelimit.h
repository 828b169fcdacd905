/* A rate limit for log lines an attacker can provoke (replay, ICV, spoof
 * drops): at most `burst` lines per `interval_ns` window, the rest counted
 * as suppressed so the next line (or a summary) can say how many. Driven by
 * the caller's clock (virtual in tests); no allocation; a refused call costs
 * a compare and an increment, so callers test it before formatting. */
#ifndef SIX_CORE_RATELIMIT_H
#define SIX_CORE_RATELIMIT_H
#include <stdbool.h>
#include <stdint.h>

struct six_ratelimit {
    uint64_t interval_ns;
    uint32_t burst;
    bool started;
    uint64_t window_start;
    uint32_t used;         /* lines in this window */
    uint32_t suppressed;   /* refused since the last line or summary */
};

#define SIX_RATELIMIT_INIT(interval, burst_) { .interval_ns = (interval), .burst = (burst_) }

/* true: the caller logs now; *missed receives how many were suppressed
 * before (to say "(N more suppressed)") and is reset. */
bool six_ratelimit_take(struct six_ratelimit *rl, uint64_t now, uint32_t *missed);
/* Once the window that suppressed lines is over: how many, reset to 0 (for
 * a summary line). 0 if nothing was suppressed or the window still runs. */
uint32_t six_ratelimit_flush(struct six_ratelimit *rl, uint64_t now);
/* When the current window ends (for arming a summary timer). */
static inline uint64_t six_ratelimit_window_end(const struct six_ratelimit *rl)
{
    return rl->window_start + rl->interval_ns;
}

#endif
