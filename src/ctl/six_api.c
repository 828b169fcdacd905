/* The embedding API of include/six/six.h, on top of the internal one. */
#include <stdlib.h>
#include <string.h>
#include "six/six.h"
#include "ctl/cmd.h"
#include "net/stack.h"

struct six_stack *six_stack_new(const char *name)
{
    struct six_stack_opts o = { .name = name };
    return six_stack_create(&o);
}

void six_stack_free(struct six_stack *st)
{
    six_stack_destroy(st);
}

int six_stack_next_timeout_ms(const struct six_stack *st)
{
    uint64_t next = timer_wheel_next(st->tw), now = six_now(st);

    if (next == UINT64_MAX)
        return -1;
    if (next <= now)
        return 0;
    uint64_t ms = (next - now + NS_PER_MS - 1) / NS_PER_MS;
    return ms > 3600000 ? 3600000 : (int)ms;
}

static char *take(struct cmd_out *o)
{
    char *s = malloc(o->len + 1);
    if (s) {
        memcpy(s, o->buf ? o->buf : "", o->len);
        s[o->len] = '\0';
    }
    return s;
}

int six_command(struct six_stack *st, struct evloop *ev, const char *line, char **out, char **err)
{
    char *copy = strdup(line), *argv[CMD_MAX_ARGS];
    const char *why = NULL;
    struct cmd_out o, e;
    int rc;

    if (!copy)
        return 1;
    cmd_out_init(&o);
    cmd_out_init(&e);
    int argc = cmd_split(copy, argv, CMD_MAX_ARGS, &why);
    if (argc < 0) {
        cmd_printf(&e, "%s", why ? why : "syntax error");
        rc = 2;
    } else if (argc == 0) {
        rc = 0;
    } else {
        struct cmd_ctx c = { .st = st, .ev = ev, .out = &o, .err = &e };
        rc = six_cmd_exec(&c, argc, argv);   /* no done(): pending commands refuse to start */
    }
    if (out) *out = take(&o);
    if (err) *err = take(&e);
    cmd_out_free(&o);
    cmd_out_free(&e);
    free(copy);
    return rc;
}
