/* libsix's simulator for programs that embed sixstack: stacks joined by
 * simulated Ethernet links on a virtual clock, no root and no devices
 * needed (examples/sockets/hello_tcp.c). Deterministic: the same seed
 * gives the same run. Teardown: free the stacks, then the world. */
#ifndef SIX_SIM_H
#define SIX_SIM_H
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct six_stack;
struct six_sim;        /* virtual clock + shared timer wheel + seeded RNG */
struct six_sim_link;   /* a hub-like Ethernet segment */

struct six_sim *six_sim_new(uint64_t seed);
void six_sim_free(struct six_sim *w);
/* A stack on the world's clock (free it with six_stack_free()). NULL on failure. */
struct six_stack *six_sim_stack_new(struct six_sim *w, const char *name);
/* A segment with a one-way delay (rounded up to 1 ms). NULL on failure. */
struct six_sim_link *six_sim_link_new(struct six_sim *w, const char *name, uint64_t delay_ns);
/* Interface ifname of st on the link (down until "link set IF up"). 0 or -1 (errno). */
int six_sim_attach(struct six_sim_link *l, struct six_stack *st, const char *ifname);
/* Advance virtual time, delivering frames and firing timers in order. */
void six_sim_run_for(struct six_sim *w, uint64_t ns);

#ifdef __cplusplus
}
#endif
#endif
