/* A stack on a simulator world, registered with it: what every sim test starts from. */
#ifndef SIX_TEST_SIMSTACK_H
#define SIX_TEST_SIMSTACK_H
#include <stdint.h>

struct six_stack;
struct sim_world;

/* n_small: packet buffers (0: the stack's default). */
struct six_stack *sim_stack(struct sim_world *w, const char *name, uint64_t seed, uint32_t n_small);

#endif
