/* The `reload` verb: re-read the configuration file and apply the difference
 * (cfgdiff.h). Whoever owns the file (sixd) registers a handler per stack. */
#ifndef SIX_CTL_CMD_RELOAD_H
#define SIX_CTL_CMD_RELOAD_H
#include "ctl/cmd.h"

/* Returns the exit status; writes what changed to c->out, the reason to c->err. */
typedef int (*cmd_reload_fn)(void *arg, struct cmd_ctx *c);

/* fn NULL removes st's handler. At most CMD_RELOAD_MAX stacks at a time. */
#define CMD_RELOAD_MAX 16
int cmd_reload_register(struct six_stack *st, cmd_reload_fn fn, void *arg);

int cmd_reload(struct cmd_ctx *c, int argc, char **argv);

#endif
