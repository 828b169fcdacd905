#include "simstack.h"
#include "net/stack.h"
#include "link/sim.h"
#include "ctl/scene.h"
#include "t.h"

struct six_stack *sim_stack(struct sim_world *w, const char *name, uint64_t seed, uint32_t n_small)
{
    struct six_stack_opts o = { .name = name, .clock = sim_clock(w), .tw = sim_wheel(w), .seed = seed,
                                .n_small = n_small, .n_big = 16 };
    struct six_stack *st = six_stack_create(&o);
    if (st)
        sim_register_stack(w, st);
    return st;
}

struct sim_link *sim_pair_dual(struct sim_world *w, uint64_t seed, uint32_t n_small,
                               const struct sim_link_params *p, struct six_stack **a, struct six_stack **b)
{
    *a = sim_stack(w, "a", seed + 1, n_small);
    *b = sim_stack(w, "b", seed + 2, n_small);
    struct sim_link *l = sim_link_create(w, "l", p);
    T_CHECK(*a && *b && l);
    if (!*a || !*b || !l)
        return NULL;
    sim_attach(l, *a, "eth0", NULL);
    sim_attach(l, *b, "eth0", NULL);
    T_EQ(scene_cmd(*a, NULL, "link set eth0 up"), 0);
    T_EQ(scene_cmd(*b, NULL, "link set eth0 up"), 0);
    T_EQ(scene_cmd(*a, NULL, "addr add 2001:db8:1::a/64 dev eth0"), 0);
    T_EQ(scene_cmd(*b, NULL, "addr add 2001:db8:1::b/64 dev eth0"), 0);
    T_EQ(scene_cmd(*a, NULL, "addr add 192.0.2.1/24 dev eth0"), 0);
    T_EQ(scene_cmd(*b, NULL, "addr add 192.0.2.2/24 dev eth0"), 0);
    sim_run_for(w, 3 * 1000000000ull);
    return l;
}
