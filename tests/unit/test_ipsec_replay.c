/* Anti-replay window and sequence counter (src/ipsec/replay.c). */
#include "../lib/t.h"
#include "ipsec/replay.h"

#define P32 (1ull << 32)

/* check + (simulated ICV ok) + update, as the ESP input path does */
static enum replay_result rx(struct replay_window *w, uint64_t seq, bool esn)
{
    uint64_t s64 = 0;
    enum replay_result r = replay_check(w, (uint32_t)seq, esn, &s64);
    if (r != REPLAY_OK)
        return r;
    if (s64 != seq)         /* wrong high half: the ICV would fail */
        return REPLAY_TOO_OLD;
    return replay_update(w, s64);
}

TEST(init_sizes)
{
    struct replay_window w;
    T_EQ(replay_init(&w, 0), 0);
    T_EQ(w.size, 0);
    T_CHECK(w.ring == NULL);
    replay_free(&w);
    T_EQ(replay_init(&w, 1), 0);
    T_EQ(w.size, 64);
    T_EQ(w.nblocks, 2);
    replay_free(&w);
    T_EQ(replay_init(&w, 100), 0);
    T_EQ(w.size, 128);
    replay_free(&w);
    T_EQ(replay_init(&w, 4096), 0);
    T_EQ(w.size, 4096);
    T_EQ(w.nblocks, 65);
    replay_free(&w);
    T_EQ(replay_init(&w, REPLAY_WINDOW_MAX), 0);
    T_EQ(w.size, REPLAY_WINDOW_MAX);
    replay_free(&w);
    T_EQ(replay_init(&w, REPLAY_WINDOW_MAX + 1), -1);
    T_EQ(w.size, 0);
    T_CHECK(w.ring == NULL);
    replay_free(&w);   /* harmless on a failed init */
}

TEST(window_edges)
{
    struct replay_window w;
    T_EQ(replay_init(&w, 64), 0);
    T_EQ(rx(&w, 1000, false), REPLAY_OK);
    /* oldest in-window number: top - size + 1 */
    T_EQ(rx(&w, 1000 - 63, false), REPLAY_OK);
    T_EQ(rx(&w, 1000 - 63, false), REPLAY_REPLAYED);
    T_EQ(rx(&w, 1000 - 64, false), REPLAY_TOO_OLD);
    T_EQ(rx(&w, 1, false), REPLAY_TOO_OLD);
    T_EQ(rx(&w, 1000, false), REPLAY_REPLAYED);
    T_EQ(rx(&w, 999, false), REPLAY_OK);
    T_EQ(rx(&w, 1001, false), REPLAY_OK);
    /* the window moved by one: 937 is now out, 938 is the oldest */
    T_EQ(rx(&w, 937, false), REPLAY_TOO_OLD);
    T_EQ(rx(&w, 938, false), REPLAY_OK);
    replay_free(&w);
}

TEST(start_and_zero)
{
    struct replay_window w;
    T_EQ(replay_init(&w, 128), 0);
    uint64_t s = 77;
    T_EQ(replay_check(&w, 0, false, &s), REPLAY_SEQ_ZERO);
    T_EQ(replay_update(&w, 0), REPLAY_SEQ_ZERO);
    /* ESN: 64-bit 0 is never valid either (low half 0 at the start) */
    T_EQ(replay_check(&w, 0, true, &s), REPLAY_SEQ_ZERO);
    T_EQ(s, 0);
    T_EQ(rx(&w, 1, false), REPLAY_OK);
    T_EQ(rx(&w, 1, false), REPLAY_REPLAYED);
    T_EQ(rx(&w, 3, false), REPLAY_OK);
    T_EQ(rx(&w, 2, false), REPLAY_OK);
    T_EQ(replay_check(&w, 0, false, NULL), REPLAY_SEQ_ZERO);
    replay_free(&w);
}

TEST(duplicates_between_check_and_update)
{
    struct replay_window w;
    T_EQ(replay_init(&w, 64), 0);
    T_EQ(rx(&w, 10, false), REPLAY_OK);
    uint64_t a, b;
    /* two copies of 12 pass the check before either is verified */
    T_EQ(replay_check(&w, 12, false, &a), REPLAY_OK);
    T_EQ(replay_check(&w, 12, false, &b), REPLAY_OK);
    T_EQ(replay_update(&w, a), REPLAY_OK);
    T_EQ(replay_update(&w, b), REPLAY_REPLAYED);
    /* same for a number below the top */
    T_EQ(replay_check(&w, 11, false, &a), REPLAY_OK);
    T_EQ(replay_check(&w, 11, false, &b), REPLAY_OK);
    T_EQ(replay_update(&w, a), REPLAY_OK);
    T_EQ(replay_update(&w, b), REPLAY_REPLAYED);
    /* checked in window, but the window moved before the update */
    T_EQ(replay_check(&w, 5, false, &a), REPLAY_OK);
    T_EQ(rx(&w, 200, false), REPLAY_OK);
    T_EQ(replay_update(&w, a), REPLAY_TOO_OLD);
    replay_free(&w);
}

TEST(far_jumps)
{
    struct replay_window w;
    T_EQ(replay_init(&w, 256), 0);
    for (uint64_t s = 1; s <= 300; s++)
        T_EQ(rx(&w, s, false), REPLAY_OK);
    /* jump by exactly the window: old top stays the oldest in-window */
    T_EQ(rx(&w, 300 + 256 - 1, false), REPLAY_OK);
    T_EQ(rx(&w, 300, false), REPLAY_REPLAYED);
    T_EQ(rx(&w, 299, false), REPLAY_TOO_OLD);
    /* jump by exactly the window size: the old top falls out */
    T_EQ(rx(&w, 555 + 256, false), REPLAY_OK);
    T_EQ(rx(&w, 555, false), REPLAY_TOO_OLD);
    /* every in-window number is fresh after the jump (the ring was cleared) */
    for (uint64_t s = 811 - 255; s < 811; s++)
        T_EQ(rx(&w, s, false), REPLAY_OK);
    /* jump by far more than the window: nothing stale survives in the ring */
    T_EQ(rx(&w, 811 + 100000, false), REPLAY_OK);
    for (uint64_t s = 811 + 100000 - 255; s < 811 + 100000; s++)
        T_EQ(rx(&w, s, false), REPLAY_OK);
    T_EQ(rx(&w, 811 + 100000 - 256, false), REPLAY_TOO_OLD);
    /* jumps by every distance around block boundaries */
    uint64_t top = 811 + 100000;
    for (uint64_t d = 1; d < 300; d += 7) {
        top += d;
        T_EQ(rx(&w, top, false), REPLAY_OK);
        T_CHECK(rx(&w, top - 255, false) != REPLAY_TOO_OLD);
        T_EQ(rx(&w, top - 255, false), REPLAY_REPLAYED);
        T_EQ(rx(&w, top - 256, false), REPLAY_TOO_OLD);
        if (d > 1 && d < 255)                /* entered, never delivered */
            T_EQ(replay_check(&w, (uint32_t)(top - 1), false, NULL), REPLAY_OK);
    }
    replay_free(&w);
}

TEST(no_esn_last_number)
{
    struct replay_window w;
    T_EQ(replay_init(&w, 64), 0);
    T_EQ(rx(&w, UINT32_MAX - 1, false), REPLAY_OK);
    T_EQ(rx(&w, UINT32_MAX, false), REPLAY_OK);
    T_EQ(rx(&w, UINT32_MAX, false), REPLAY_REPLAYED);
    /* without ESN there is no wrap: a small number is just too old */
    T_EQ(rx(&w, 1, false), REPLAY_TOO_OLD);
    T_EQ(replay_check(&w, 0, false, NULL), REPLAY_SEQ_ZERO);
    replay_free(&w);

    struct replay_sender s = { .last = UINT32_MAX - 2 };
    uint64_t q = 0;
    T_EQ(replay_next_seq(&s, false, &q), REPLAY_OK);
    T_EQ(q, UINT32_MAX - 1);
    T_EQ(replay_next_seq(&s, false, &q), REPLAY_OK);
    T_EQ(q, UINT32_MAX);
    q = 5;
    T_EQ(replay_next_seq(&s, false, &q), REPLAY_EXHAUSTED);
    T_EQ(q, 5);
    T_EQ(replay_next_seq(&s, false, &q), REPLAY_EXHAUSTED);
}

TEST(sender)
{
    struct replay_sender s = { 0 };
    uint64_t q = 0;
    T_EQ(replay_next_seq(&s, true, &q), REPLAY_OK);
    T_EQ(q, 1);
    T_EQ(replay_next_seq(&s, false, &q), REPLAY_OK);
    T_EQ(q, 2);
    /* with ESN the counter goes on past 2^32 - 1 */
    s.last = UINT32_MAX - 1;
    T_EQ(replay_next_seq(&s, true, &q), REPLAY_OK);
    T_EQ(q, UINT32_MAX);
    T_EQ(replay_next_seq(&s, true, &q), REPLAY_OK);
    T_EQ(q, P32);
    /* ... until 2^64 - 1 */
    s.last = UINT64_MAX - 1;
    T_EQ(replay_next_seq(&s, true, &q), REPLAY_OK);
    T_EQ(q, UINT64_MAX);
    T_EQ(replay_next_seq(&s, true, &q), REPLAY_EXHAUSTED);
    T_EQ(q, UINT64_MAX);
    T_STREQ(replay_result_str(REPLAY_EXHAUSTED), "sequence numbers exhausted");
}

TEST(esn_window_in_one_subspace)
{
    /* Case A: top = 5·2^32 + 1000, window 256 */
    struct replay_window w;
    T_EQ(replay_init(&w, 256), 0);
    uint64_t top = 5 * P32 + 1000, s;
    T_EQ(replay_update(&w, top), REPLAY_OK);
    T_EQ(replay_check(&w, 1000 - 255, true, &s), REPLAY_OK);
    T_EQ(s, top - 255);
    T_EQ(replay_check(&w, 1000, true, &s), REPLAY_REPLAYED);
    T_EQ(s, top);
    T_EQ(replay_check(&w, 5000, true, &s), REPLAY_OK);
    T_EQ(s, 5 * P32 + 5000);
    T_EQ(replay_check(&w, UINT32_MAX, true, &s), REPLAY_OK);
    T_EQ(s, 5 * P32 + UINT32_MAX);
    /* left of the window: taken for the next subspace (the ICV decides) */
    T_EQ(replay_check(&w, 1000 - 256, true, &s), REPLAY_OK);
    T_EQ(s, 6 * P32 + 1000 - 256);
    T_EQ(replay_check(&w, 0, true, &s), REPLAY_OK);
    T_EQ(s, 6 * P32);
    /* so the old packet fails and changes nothing */
    T_EQ(rx(&w, top - 256, true), REPLAY_TOO_OLD);
    T_EQ(w.top, top);
    replay_free(&w);
}

TEST(esn_wrap)
{
    struct replay_window w;
    T_EQ(replay_init(&w, 1024), 0);
    uint64_t s;
    T_EQ(rx(&w, P32 - 10, true), REPLAY_OK);
    T_EQ(rx(&w, P32 - 20, true), REPLAY_OK);
    /* seq_lo small after the wrap maps to the next subspace */
    T_EQ(replay_check(&w, 5, true, &s), REPLAY_OK);
    T_EQ(s, P32 + 5);
    T_EQ(replay_check(&w, 0, true, &s), REPLAY_OK);
    T_EQ(s, P32);                      /* low half 0 is fine with ESN */
    T_EQ(rx(&w, P32 + 5, true), REPLAY_OK);
    T_EQ(w.top, P32 + 5);
    /* Case B: window [2^32 - 1018, 2^32 + 5] straddles the boundary */
    T_EQ(replay_check(&w, (uint32_t)(P32 - 10), true, &s), REPLAY_REPLAYED);
    T_EQ(s, P32 - 10);
    T_EQ(replay_check(&w, (uint32_t)(P32 - 11), true, &s), REPLAY_OK);
    T_EQ(s, P32 - 11);                 /* still inside: maps back */
    T_EQ(rx(&w, P32 - 11, true), REPLAY_OK);
    T_EQ(rx(&w, P32 + 5 - 1023, true), REPLAY_OK);   /* oldest in window */
    T_EQ(rx(&w, P32 + 5 - 1023, true), REPLAY_REPLAYED);
    /* just left of the window: A2.2 takes it for subspace 1, ICV fails */
    T_EQ(replay_check(&w, (uint32_t)(P32 + 5 - 1024), true, &s), REPLAY_OK);
    T_EQ(s, P32 + 5 - 1024 + P32);
    T_EQ(rx(&w, P32 + 5 - 1024, true), REPLAY_TOO_OLD);
    T_EQ(rx(&w, P32 + 4, true), REPLAY_OK);
    T_EQ(rx(&w, P32 + 4, true), REPLAY_REPLAYED);
    T_EQ(rx(&w, P32, true), REPLAY_OK);
    T_EQ(rx(&w, P32 + 2000, true), REPLAY_OK);      /* back to case A */
    T_EQ(replay_check(&w, 5, true, &s), REPLAY_OK);
    T_EQ(s, 2 * P32 + 5);
    replay_free(&w);
}

TEST(esn_top_of_the_space)
{
    struct replay_window w;
    T_EQ(replay_init(&w, 64), 0);
    uint64_t top = UINT64_MAX - 5, s;
    T_EQ(replay_update(&w, top), REPLAY_OK);
    T_EQ(replay_check(&w, (uint32_t)UINT64_MAX, true, &s), REPLAY_OK);
    T_EQ(s, UINT64_MAX);
    /* left of the window with no next subspace: plainly too old */
    T_EQ(replay_check(&w, 1, true, &s), REPLAY_TOO_OLD);
    replay_free(&w);
}

TEST(window_zero)
{
    struct replay_window w;
    T_EQ(replay_init(&w, 0), 0);
    /* no replay check: everything but 0 passes, only the top is kept */
    T_EQ(rx(&w, 5, false), REPLAY_OK);
    T_EQ(rx(&w, 5, false), REPLAY_OK);
    T_EQ(rx(&w, 2, false), REPLAY_OK);
    T_EQ(w.top, 5);
    T_EQ(rx(&w, 0, false), REPLAY_SEQ_ZERO);
    /* ESN infers the nearest number to the top */
    uint64_t s;
    T_EQ(replay_update(&w, P32 - 3), REPLAY_OK);
    T_EQ(replay_check(&w, 2, true, &s), REPLAY_OK);
    T_EQ(s, P32 + 2);
    T_EQ(replay_check(&w, (uint32_t)(P32 - 100), true, &s), REPLAY_OK);
    T_EQ(s, P32 - 100);
    T_EQ(replay_update(&w, P32 + 2), REPLAY_OK);
    T_EQ(replay_check(&w, (uint32_t)(P32 - 100), true, &s), REPLAY_OK);
    T_EQ(s, P32 - 100);
    replay_free(&w);
}

TEST(window_4096)
{
    struct replay_window w;
    T_EQ(replay_init(&w, 4096), 0);
    for (uint64_t s = 5000; s >= 5000 - 4095; s--)     /* in reverse */
        T_EQ(rx(&w, s, false), REPLAY_OK);
    T_EQ(rx(&w, 5000 - 4096, false), REPLAY_TOO_OLD);
    for (uint64_t s = 5000 - 4095; s <= 5000; s += 97)
        T_EQ(rx(&w, s, false), REPLAY_REPLAYED);
    T_EQ(rx(&w, 9096, false), REPLAY_OK);              /* exactly one window on */
    T_EQ(rx(&w, 5001, false), REPLAY_OK);
    T_EQ(rx(&w, 5000, false), REPLAY_TOO_OLD);
    replay_free(&w);
}

TEST(check_changes_nothing)
{
    struct replay_window w;
    T_EQ(replay_init(&w, 192), 0);
    for (uint64_t s = P32 - 100; s < P32 + 50; s += 3)
        T_EQ(rx(&w, s, true), REPLAY_OK);
    struct replay_window before = w;
    uint64_t ring[4];
    T_EQ(w.nblocks, 4);
    memcpy(ring, w.ring, sizeof ring);
    uint32_t probes[] = { 0, 1, 5, 49, 50, 51, 1000000, (uint32_t)(P32 - 100),
                          (uint32_t)(P32 - 99), (uint32_t)(P32 - 1), UINT32_MAX / 2 };
    for (size_t i = 0; i < sizeof probes / sizeof probes[0]; i++) {
        uint64_t s;
        replay_check(&w, probes[i], true, &s);
        replay_check(&w, probes[i], false, &s);
        replay_check(&w, probes[i], true, NULL);
    }
    T_MEMEQ(&before, &w, sizeof w);
    T_MEMEQ(ring, w.ring, sizeof ring);
    replay_free(&w);
}

/* ---- randomized comparison with a reference model ---- */

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

static uint64_t xorshift(void)
{
    uint64_t x = rng_state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return rng_state = x;
}

static uint32_t rnd(uint32_t n)
{
    return (uint32_t)(xorshift() % n);
}

struct event {
    uint64_t when;    /* delivery slot, x4 to order kinds within a slot */
    uint32_t idx;     /* packet index: number = first + idx */
};

static int event_cmp(const void *a, const void *b)
{
    const struct event *x = a, *y = b;
    if (x->when != y->when)
        return x->when < y->when ? -1 : 1;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

#define RAND_N      1000000u
#define RAND_WIN    1024u
#define RAND_BLOCK  512u      /* shuffle span, smaller than the window */

/* Send order: numbers shuffled within blocks; ~5 % get a duplicate a little
 * later, ~0.3 % are held back far beyond the window. */
static struct event *make_schedule(size_t *n_out)
{
    uint32_t *order = malloc(RAND_N * sizeof *order);
    struct event *ev = malloc((RAND_N + RAND_N / 10) * sizeof *ev);
    if (!order || !ev) {
        free(order);
        free(ev);
        return NULL;
    }
    for (uint32_t i = 0; i < RAND_N; i++)
        order[i] = i;
    for (uint32_t b = 0; b < RAND_N; b += RAND_BLOCK) {
        uint32_t len = RAND_N - b < RAND_BLOCK ? RAND_N - b : RAND_BLOCK;
        for (uint32_t i = len - 1; i > 0; i--) {
            uint32_t j = rnd(i + 1), t = order[b + i];
            order[b + i] = order[b + j];
            order[b + j] = t;
        }
    }
    size_t n = 0;
    for (uint32_t pos = 0; pos < RAND_N; pos++) {
        uint64_t slot = pos;
        if (rnd(1000) < 3)
            slot += RAND_WIN + rnd(3 * RAND_WIN);        /* late */
        ev[n++] = (struct event){ slot * 4 + 1, order[pos] };
        if (rnd(100) < 5 && n < RAND_N + RAND_N / 10)  /* duplicate */
            ev[n++] = (struct event){ (slot + rnd(2 * RAND_WIN)) * 4 + 2, order[pos] };
    }
    free(order);
    qsort(ev, n, sizeof *ev, event_cmp);
    *n_out = n;
    return ev;
}

struct tally {
    unsigned long accepted, replayed, old, replay_accepted, valid_refused,
                  old_mismatch, wrong_number;
};

/* One delivery: the model (seen[] + highest) says what must happen; the
 * window must agree.  With ESN a number left of the window must be inferred
 * one subspace ahead (RFC 4303 A2.2) and so fail the ICV. */
static void deliver(struct replay_window *w, unsigned char *seen, uint64_t *hi,
                    uint64_t first, uint32_t idx, bool esn, struct tally *t)
{
    uint64_t seq = first + idx, s64 = 0;
    enum replay_result r = replay_check(w, (uint32_t)seq, esn, &s64);
    bool old = seq <= *hi && *hi - seq >= RAND_WIN;

    if (old) {
        t->old++;
        if (esn ? !(r == REPLAY_OK && s64 == seq + P32) : r != REPLAY_TOO_OLD)
            t->old_mismatch++;
        if (r == REPLAY_OK && s64 == seq)
            t->replay_accepted++;
        return;
    }
    if (r == REPLAY_OK && s64 != seq) {
        t->wrong_number++;
        return;
    }
    if (seen[idx]) {
        t->replayed++;
        if (r != REPLAY_REPLAYED)
            t->replay_accepted++;
        return;
    }
    if (r != REPLAY_OK || replay_update(w, s64) != REPLAY_OK) {
        t->valid_refused++;
        return;
    }
    t->accepted++;
    seen[idx] = 1;
    if (seq > *hi)
        *hi = seq;
}

static void random_run(uint64_t first, bool esn)
{
    size_t n = 0;
    struct event *ev = make_schedule(&n);
    unsigned char *seen = calloc(RAND_N, 1);
    struct replay_window w;
    T_CHECK(ev && seen);
    T_EQ(replay_init(&w, RAND_WIN), 0);
    if (!ev || !seen) {
        free(ev);
        free(seen);
        return;
    }
    struct tally t = { 0 };
    uint64_t hi = 0;
    for (size_t i = 0; i < n; i++)
        deliver(&w, seen, &hi, first, ev[i].idx, esn, &t);
    T_EQ(t.replay_accepted, 0);
    T_EQ(t.valid_refused, 0);
    T_EQ(t.old_mismatch, 0);
    T_EQ(t.wrong_number, 0);
    /* the run exercised every path */
    T_CHECK(t.replayed > RAND_N / 100);
    T_CHECK(t.old > 1000);
    T_CHECK(t.accepted > RAND_N - RAND_N / 50);
    T_EQ(w.top, first + RAND_N - 1);
    if (esn)
        T_CHECK(first < P32 && w.top > P32);
    fprintf(stderr, "  %s: %zu deliveries, %lu accepted, %lu replays, %lu old\n",
            esn ? "esn" : "no esn", n, t.accepted, t.replayed, t.old);
    replay_free(&w);
    free(seen);
    free(ev);
}

TEST(randomized_esn_across_wrap)
{
    rng_state = 0x9E3779B97F4A7C15ull;
    random_run(P32 - 500000, true);
}

TEST(randomized_no_esn)
{
    rng_state = 0xD1B54A32D192ED03ull;
    random_run(1, false);
}

/* An SA's replacement (UPDATE) takes a copy: the same numbers stay
 * replays, the two windows move on their own. */
TEST(copy_keeps_what_was_seen)
{
    struct replay_window a, b, z;
    T_EQ(replay_init(&a, 128), 0);
    for (uint64_t s = 1; s <= 300; s += 2)
        T_EQ(rx(&a, s, true), REPLAY_OK);
    T_EQ(replay_copy(&b, &a), 0);
    T_EQ(b.size, 128);
    T_EQ(b.top, 299);
    T_CHECK(b.ring != a.ring);
    for (uint64_t s = 173; s <= 299; s += 2)
        T_EQ(rx(&b, s, true), REPLAY_REPLAYED);
    T_EQ(rx(&b, 100, true), REPLAY_TOO_OLD);
    T_EQ(rx(&b, 298, true), REPLAY_OK);   /* a gap: still new */
    T_EQ(rx(&a, 298, true), REPLAY_OK);   /* a's own window did not see it */
    replay_free(&a);
    T_EQ(replay_copy(&z, &a), 0);         /* a freed window is empty: so is its copy */
    T_EQ(z.size, 0);
    T_CHECK(z.ring == NULL);
    replay_free(&b);
}

int main(void)
{
    RUN(init_sizes);
    RUN(copy_keeps_what_was_seen);
    RUN(window_edges);
    RUN(start_and_zero);
    RUN(duplicates_between_check_and_update);
    RUN(far_jumps);
    RUN(no_esn_last_number);
    RUN(sender);
    RUN(esn_window_in_one_subspace);
    RUN(esn_wrap);
    RUN(esn_top_of_the_space);
    RUN(window_zero);
    RUN(window_4096);
    RUN(check_changes_nothing);
    RUN(randomized_esn_across_wrap);
    RUN(randomized_no_esn);
    return t_done();
}
