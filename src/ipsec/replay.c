/* Anti-replay window (RFC 4303 §3.4.3, Appendix A; bitmap of RFC 6479) and
 * the sender's sequence counter.  See replay.h for the protocol. */
#include <stdlib.h>
#include <string.h>
#include "ipsec/replay.h"

/* Inference width when the replay check is off: the nearest number. */
#define REPLAY_INFER_NOWINDOW (1u << 31)

int replay_init(struct replay_window *w, uint32_t size)
{
    memset(w, 0, sizeof *w);
    if (size > REPLAY_WINDOW_MAX)
        return -1;
    if (size == 0)
        return 0;
    uint32_t rounded = (size + 63u) & ~63u;   /* no overflow: size <= 65536 */
    uint32_t nblocks = rounded / 64 + 1;
    w->ring = calloc(nblocks, sizeof *w->ring);
    if (!w->ring)
        return -1;
    w->size = rounded;
    w->nblocks = nblocks;
    return 0;
}

void replay_free(struct replay_window *w)
{
    free(w->ring);
    memset(w, 0, sizeof *w);
}

int replay_copy(struct replay_window *dst, const struct replay_window *src)
{
    if (replay_init(dst, src->size))
        return -1;
    dst->top = src->top;
    if (src->size)
        memcpy(dst->ring, src->ring, (size_t)src->nblocks * sizeof *dst->ring);
    return 0;
}

void replay_restore_top(struct replay_window *w, uint64_t top)
{
    if (top <= w->top)
        return;
    w->top = top;
    if (!w->size)
        return;
    memset(w->ring, 0xff, (size_t)w->nblocks * sizeof *w->ring);
    /* numbers above top in its own block are not seen yet */
    unsigned b = (unsigned)(top & 63);
    w->ring[(top >> 6) % w->nblocks] = b == 63 ? ~0ull : (1ull << (b + 1)) - 1;
}

void replay_reset(struct replay_window *w)
{
    w->top = 0;
    if (w->size)
        memset(w->ring, 0, (size_t)w->nblocks * sizeof *w->ring);
}

/* RFC 4303 A2.2 with T = w->top: choose the high half of the number whose
 * low half is seq_lo.  Returns false when the rule asks for the subspace
 * after 2^64 - 2^32, which does not exist. */
static bool infer_esn(const struct replay_window *w, uint32_t seq_lo, uint64_t *out)
{
    uint32_t th = (uint32_t)(w->top >> 32), tl = (uint32_t)w->top;
    uint32_t wm1 = (w->size ? w->size : REPLAY_INFER_NOWINDOW) - 1;   /* W - 1 */
    uint32_t bl = tl - wm1;              /* bottom of the window, mod 2^32 */
    uint32_t hi;

    if (tl >= wm1) {
        /* Case A: the window lies within one subspace.  Below it means the
         * next subspace (an old packet there fails its ICV). */
        if (seq_lo >= bl)
            hi = th;
        else if (th == UINT32_MAX)
            return false;
        else
            hi = th + 1;
    } else {
        /* Case B: the window straddles a subspace boundary; its upper part
         * is in subspace th, its lower part (seq_lo >= bl) in th - 1.  Before
         * the first wrap there is no th - 1: such a seq_lo can only be far
         * ahead in subspace 0. */
        if (seq_lo >= bl)
            hi = th ? th - 1 : 0;
        else
            hi = th;
    }
    *out = (uint64_t)hi << 32 | seq_lo;
    return true;
}

static uint64_t *block_of(const struct replay_window *w, uint64_t seq)
{
    return &w->ring[(seq >> 6) % w->nblocks];
}

static uint64_t bit_of(uint64_t seq)
{
    return 1ull << (seq & 63);
}

/* Classify a number against the window without touching it. */
static enum replay_result lookup(const struct replay_window *w, uint64_t seq)
{
    if (seq == 0)
        return REPLAY_SEQ_ZERO;
    if (seq > w->top || w->size == 0)
        return REPLAY_OK;
    if (w->top - seq >= w->size)
        return REPLAY_TOO_OLD;
    return (*block_of(w, seq) & bit_of(seq)) ? REPLAY_REPLAYED : REPLAY_OK;
}

enum replay_result replay_check(const struct replay_window *w, uint32_t seq_lo,
                                bool esn, uint64_t *seq64)
{
    uint64_t seq = seq_lo;

    if (esn && !infer_esn(w, seq_lo, &seq))
        return REPLAY_TOO_OLD;
    if (seq64)
        *seq64 = seq;
    return lookup(w, seq);
}

/* Move the top to seq (> top): clear every block the window enters, at most
 * the whole ring; blocks it leaves are stale but outside the window. */
static void advance(struct replay_window *w, uint64_t seq)
{
    uint64_t from = w->top >> 6, to = seq >> 6;
    uint64_t n = to - from;

    if (n > w->nblocks)
        n = w->nblocks;
    for (uint64_t i = 1; i <= n; i++)
        w->ring[(from + i) % w->nblocks] = 0;
    w->top = seq;
}

enum replay_result replay_update(struct replay_window *w, uint64_t seq64)
{
    enum replay_result r = lookup(w, seq64);

    if (r != REPLAY_OK)
        return r;
    if (w->size == 0) {
        if (seq64 > w->top)
            w->top = seq64;
        return REPLAY_OK;
    }
    if (seq64 > w->top)
        advance(w, seq64);
    *block_of(w, seq64) |= bit_of(seq64);
    return REPLAY_OK;
}

enum replay_result replay_next_seq(struct replay_sender *s, bool esn, uint64_t *seq)
{
    uint64_t last_allowed = esn ? UINT64_MAX : UINT32_MAX;

    if (s->last >= last_allowed)
        return REPLAY_EXHAUSTED;
    *seq = ++s->last;
    return REPLAY_OK;
}

const char *replay_result_str(enum replay_result r)
{
    switch (r) {
    case REPLAY_OK:        return "ok";
    case REPLAY_REPLAYED:  return "replayed";
    case REPLAY_TOO_OLD:   return "too old";
    case REPLAY_SEQ_ZERO:  return "sequence number 0";
    case REPLAY_EXHAUSTED: return "sequence numbers exhausted";
    }
    return "?";
}
