/* reload: see cmd_reload.h. */
#include <errno.h>
#include <string.h>
#include "ctl/cmd_reload.h"

static struct { struct six_stack *st; cmd_reload_fn fn; void *arg; } handlers[CMD_RELOAD_MAX];

int cmd_reload_register(struct six_stack *st, cmd_reload_fn fn, void *arg)
{
    int free_slot = -1;
    for (int i = 0; i < CMD_RELOAD_MAX; i++) {
        if (handlers[i].st == st) {
            handlers[i].fn = fn;
            handlers[i].arg = arg;
            if (!fn)
                handlers[i].st = NULL;
            return 0;
        }
        if (!handlers[i].st && free_slot < 0)
            free_slot = i;
    }
    if (!fn)
        return 0;
    if (free_slot < 0)
        return -ENOSPC;
    handlers[free_slot].st = st;
    handlers[free_slot].fn = fn;
    handlers[free_slot].arg = arg;
    return 0;
}

int cmd_reload(struct cmd_ctx *c, int argc, char **argv)
{
    if (argc != 1)
        return cmd_usage(c, "usage: reload   (re-read the configuration file, apply what changed)");
    for (int i = 0; i < CMD_RELOAD_MAX; i++)
        if (handlers[i].st == c->st && handlers[i].fn)
            return handlers[i].fn(handlers[i].arg, c);
    return cmd_fail(c, "reload: this stack has no configuration file");
}
