/* See scene.h. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "ctl/scene.h"
#include "net/stack.h"
#include "link/sim.h"

struct waiter { bool done; int status; };

static void waiter_done(void *arg, int status)
{
    struct waiter *w = arg;
    w->done = true;
    w->status = status;
}

static bool waiter_finished(void *arg)
{
    return ((struct waiter *)arg)->done;
}

static int run(struct sim_world *world, struct six_stack *st, struct cmd_out *out, uint64_t max_ns,
               const char *fmt, va_list ap)
{
    char line[1024];
    char *argv[CMD_MAX_ARGS];
    const char *why = NULL;
    struct cmd_out sink, err;
    struct waiter wt = { 0 };

    vsnprintf(line, sizeof line, fmt, ap);
    char copy[sizeof line];
    strcpy(copy, line);
    int argc = cmd_split(copy, argv, CMD_MAX_ARGS, &why);
    if (argc <= 0) {
        fprintf(stderr, "%s: '%s': %s\n", st->name, line, why ? why : "empty command");
        return 2;
    }
    cmd_out_init(&sink);
    cmd_out_init(&err);
    struct cmd_ctx c = { .st = st, .out = out ? out : &sink, .err = &err,
                         .done = world ? waiter_done : NULL, .done_arg = &wt };
    int rc = six_cmd_exec(&c, argc, argv);
    if (rc == CMD_PENDING) {
        if (!sim_run_while_not(world, waiter_finished, &wt, max_ns)) {
            six_cmd_cancel(&c);
            rc = -1;
        } else {
            rc = wt.status;
        }
    }
    if (rc && err.len)
        fprintf(stderr, "%s: '%s': %.*s\n", st->name, line, (int)err.len, err.buf);
    cmd_out_free(&sink);
    cmd_out_free(&err);
    return rc;
}

int scene_cmd(struct six_stack *st, struct cmd_out *out, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = run(NULL, st, out, 0, fmt, ap);
    va_end(ap);
    return rc;
}

int scene_cmd_wait(struct sim_world *w, struct six_stack *st, struct cmd_out *out, uint64_t max_ns,
                   const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = run(w, st, out, max_ns, fmt, ap);
    va_end(ap);
    return rc;
}
