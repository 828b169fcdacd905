/* In-process network simulator: stacks joined by simulated links on a
 * virtual clock. Deterministic: every random choice (loss, duplication,
 * reordering, jitter, default MACs) comes from the world's seeded RNG.
 *
 * Use: create a world, create stacks with opts.clock = sim_clock(w) and
 * opts.tw = sim_wheel(w), sim_register_stack() each, create links, attach
 * interfaces, then advance time with sim_run_*. Frames and timers are
 * handled in time order at 1 ms resolution (the timer wheel's tick): link
 * delays are rounded up to the next ms. After every step the world flushes
 * every registered stack, so output leaves at the virtual instant it was
 * produced.
 *
 * Teardown: destroy the stacks, then the world (the stacks use its clock and
 * wheel). A stack destroyed while the world keeps running must be
 * unregistered first. Destroying the world detaches any sim interface still
 * attached, so a stack left alive is at least consistent (but must not
 * touch its timers afterwards). */
#ifndef SIX_LINK_SIM_H
#define SIX_LINK_SIM_H
#include <stdbool.h>
#include <stdint.h>
#include "core/clock.h"
#include "core/timer.h"
#include "link/ifnet.h"

#define SIM_LINK_MAX_INFLIGHT 4096u   /* frames in flight per link; more are dropped */

struct six_stack;
struct sim_world;   /* virtual clock + shared timer wheel + seeded RNG */
struct sim_link;

struct sim_world *sim_world_create(uint64_t seed);
void sim_world_destroy(struct sim_world *w);
const struct six_clock *sim_clock(struct sim_world *w);   /* pass as six_stack_opts.clock */
struct timer_wheel *sim_wheel(struct sim_world *w);       /* pass as six_stack_opts.tw */
uint64_t sim_now(const struct sim_world *w);
/* uniform 64-bit value from the world's RNG (for tests that need reproducible randomness) */
uint64_t sim_random(struct sim_world *w);

struct sim_link_params {
    uint64_t delay_ns, jitter_ns;   /* one-way delay; jitter: extra uniform in [0, jitter) */
    double loss, dup, reorder;      /* probabilities per frame, 0..1 */
    uint32_t mtu;                   /* 0 → 1500; larger frames are dropped (too_big) */
    uint64_t bandwidth_bps;         /* 0 = infinite; else frames serialize on the medium */
};

/* An Ethernet segment (hub): a frame sent by one port reaches every other
 * port. A reordered frame is held back by an extra max(delay, 1 ms) so that
 * the frames sent after it overtake it. */
struct sim_link *sim_link_create(struct sim_world *w, const char *name, const struct sim_link_params *p);
/* A point-to-point raw-IP link (IFT_RAWIP, IFF6_NOARP), at most two ports. */
struct sim_link *sim_link_create_p2p(struct sim_world *w, const char *name, const struct sim_link_params *p);
void sim_link_set_params(struct sim_link *l, const struct sim_link_params *p);
/* Attach an interface of stack st (which must use the world's wheel) to the
 * link. mac NULL: derived from the world's RNG, locally administered
 * unicast. MTU = the link's; starts down, running. NULL with errno. */
struct ifnet *sim_attach(struct sim_link *l, struct six_stack *st, const char *ifname,
                         const struct eth_addr *mac);
void sim_detach(struct ifnet *ifp);

/* The world calls six_stack_flush(st) for every registered stack after each
 * step so that output leaves promptly. */
void sim_register_stack(struct sim_world *w, struct six_stack *st);
void sim_unregister_stack(struct sim_world *w, struct six_stack *st);

/* Advance virtual time, delivering frames and firing timers in time order. */
void sim_run_for(struct sim_world *w, uint64_t ns);
void sim_run_until(struct sim_world *w, uint64_t abs_ns);
/* Run until pred(arg) is true or the time budget is spent; returns pred's last value. */
bool sim_run_while_not(struct sim_world *w, bool (*pred)(void *arg), void *arg, uint64_t max_ns);

struct sim_link_stats {
    uint64_t sent;         /* frames handed to the link */
    uint64_t delivered;    /* copies handed to a receiving interface */
    uint64_t lost;         /* dropped by the loss probability */
    uint64_t duplicated;   /* extra copies created */
    uint64_t reordered;    /* frames held back */
    uint64_t too_big;      /* larger than the link MTU */
    uint64_t queue_full;   /* dropped: SIM_LINK_MAX_INFLIGHT reached */
    uint64_t no_buffer;    /* receiver's pool was empty */
};
void sim_link_get_stats(const struct sim_link *l, struct sim_link_stats *s);

#endif
