#include "simstack.h"
#include "net/stack.h"
#include "link/sim.h"

struct six_stack *sim_stack(struct sim_world *w, const char *name, uint64_t seed, uint32_t n_small)
{
    struct six_stack_opts o = { .name = name, .clock = sim_clock(w), .tw = sim_wheel(w), .seed = seed,
                                .n_small = n_small, .n_big = 16 };
    struct six_stack *st = six_stack_create(&o);
    if (st)
        sim_register_stack(w, st);
    return st;
}
