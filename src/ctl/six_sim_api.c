/* include/six/sim.h on top of link/sim.c: the public simulator API. The
 * public types are the internal ones under other names. */
#include "six/sim.h"
#include "link/sim.h"
#include "net/stack.h"

struct six_sim *six_sim_new(uint64_t seed)
{
    return (struct six_sim *)sim_world_create(seed);
}

void six_sim_free(struct six_sim *w)
{
    sim_world_destroy((struct sim_world *)w);
}

struct six_stack *six_sim_stack_new(struct six_sim *w, const char *name)
{
    struct sim_world *sw = (struct sim_world *)w;
    struct six_stack_opts o = { .name = name, .clock = sim_clock(sw), .tw = sim_wheel(sw) };
    struct six_stack *st = six_stack_create(&o);
    if (st)
        sim_register_stack(sw, st);
    return st;
}

struct six_sim_link *six_sim_link_new(struct six_sim *w, const char *name, uint64_t delay_ns)
{
    struct sim_link_params p = { .delay_ns = delay_ns };
    return (struct six_sim_link *)sim_link_create((struct sim_world *)w, name, &p);
}

int six_sim_attach(struct six_sim_link *l, struct six_stack *st, const char *ifname)
{
    return sim_attach((struct sim_link *)l, st, ifname, NULL) ? 0 : -1;
}

void six_sim_run_for(struct six_sim *w, uint64_t ns)
{
    sim_run_for((struct sim_world *)w, ns);
}
