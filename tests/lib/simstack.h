/* A stack on a simulator world, registered with it: what every sim test starts from. */
#ifndef SIX_TEST_SIMSTACK_H
#define SIX_TEST_SIMSTACK_H
#include <stdint.h>

struct six_stack;
struct sim_world;

/* n_small: packet buffers (0: the stack's default). */
struct six_stack *sim_stack(struct sim_world *w, const char *name, uint64_t seed, uint32_t n_small);

struct sim_link;
struct sim_link_params;

/* The usual two hosts: stacks "a" and "b" (seeds seed+1, seed+2) on one
 * Ethernet link "l" (params p), eth0 up with 2001:db8:1::a|b/64 and
 * 192.0.2.1|2/24, 3 s of virtual time run (DAD done). Returns the link,
 * NULL (a test check failed) when something could not be made. */
struct sim_link *sim_pair_dual(struct sim_world *w, uint64_t seed, uint32_t n_small,
                               const struct sim_link_params *p, struct six_stack **a, struct six_stack **b);

#endif
