/* Driving simulated stacks with the command language: what the demo and the
 * sim tests use to set up and exercise a network, exactly as sixd's config
 * file and sixctl would. */
#ifndef SIX_CTL_SCENE_H
#define SIX_CTL_SCENE_H
#include <stdbool.h>
#include <stdint.h>
#include "ctl/cmd.h"

struct six_stack;
struct sim_world;

/* Run one command line on st. Output goes to out (may be NULL: discarded);
 * an error is printed to stderr with the stack's name. Returns the exit status. */
int scene_cmd(struct six_stack *st, struct cmd_out *out, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Run a command that may complete later (ping): advances the simulator until it
 * does (at most max_ns). Returns the exit status, or -1 on timeout. */
int scene_cmd_wait(struct sim_world *w, struct six_stack *st, struct cmd_out *out, uint64_t max_ns,
                   const char *fmt, ...) __attribute__((format(printf, 5, 6)));

#endif
