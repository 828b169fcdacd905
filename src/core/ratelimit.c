/* Fixed-window rate limit: see ratelimit.h. */
#include "core/ratelimit.h"

static void roll(struct six_ratelimit *rl, uint64_t now)
{
    if (!rl->started || now - rl->window_start >= rl->interval_ns) {
        rl->started = true;
        rl->window_start = now;
        rl->used = 0;
    }
}

bool six_ratelimit_take(struct six_ratelimit *rl, uint64_t now, uint32_t *missed)
{
    roll(rl, now);
    if (rl->used >= rl->burst) {
        if (rl->suppressed < UINT32_MAX)
            rl->suppressed++;
        return false;
    }
    rl->used++;
    *missed = rl->suppressed;
    rl->suppressed = 0;
    return true;
}

uint32_t six_ratelimit_flush(struct six_ratelimit *rl, uint64_t now)
{
    if (!rl->suppressed || now - rl->window_start < rl->interval_ns)
        return 0;
    uint32_t n = rl->suppressed;
    rl->suppressed = 0;
    return n;
}
