/* sixd's configuration file: one sixctl command per line (cmd_split syntax:
 * blanks separate words, "quotes" group, # comments). Lines run in order;
 * the first bad line stops sixd at startup with "FILE:LINE: reason". */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sixd/sixd.h"
#include "ctl/cmd.h"
#include "core/evloop.h"
#include "core/log.h"
#include "net/stack.h"

struct pending { bool done; int status; };

static void config_done(void *arg, int status)
{
    struct pending *p = arg;
    p->done = true;
    p->status = status;
}

static void trim_newline(struct cmd_out *o)
{
    while (o->len && (o->buf[o->len - 1] == '\n' || o->buf[o->len - 1] == '\r'))
        o->buf[--o->len] = '\0';
}

int sixd_config_load(struct sixd *d, const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "sixd: %s: %s\n", path, strerror(errno));
        return -1;
    }
    struct cmd_out out, err;
    cmd_out_init(&out);
    cmd_out_init(&err);
    char *line = NULL;
    size_t cap = 0;
    unsigned lineno = 0;
    int rc = 0;
    while (getline(&line, &cap, f) >= 0) {
        lineno++;
        char *argv[CMD_MAX_ARGS + 1];
        const char *why = NULL;
        int argc = cmd_split(line, argv, CMD_MAX_ARGS, &why);
        if (argc < 0) {
            fprintf(stderr, "%s:%u: %s\n", path, lineno, why);
            rc = -1;
            break;
        }
        if (argc == 0)
            continue;
        struct pending p = { false, 0 };
        cmd_out_reset(&out);
        cmd_out_reset(&err);
        struct cmd_ctx ctx = {
            .st = d->st, .ev = d->ev, .json = false, .out = &out, .err = &err,
            .done = config_done, .done_arg = &p,
        };
        int status = six_cmd_exec(&ctx, argc, argv);
        if (status == CMD_PENDING) {
            while (!p.done && !evloop_stopped(d->ev)) {
                int r = evloop_run_once(d->ev, sixd_timeout_ms(d));
                if (r < 0 && r != -EINTR) {
                    fprintf(stderr, "%s:%u: event loop failed: %s\n", path, lineno, strerror(-r));
                    rc = -1;
                    break;
                }
            }
            if (rc < 0)
                break;
            status = p.done ? p.status : 1;
        }
        if (out.len)
            fwrite(out.buf, 1, out.len, stdout);
        fflush(stdout);
        if (status != 0) {
            trim_newline(&err);
            fprintf(stderr, "%s:%u: %s\n", path, lineno,
                    err.len ? err.buf : "command failed");
            rc = -1;
            break;
        }
        LOGD("%s:%u: ok", path, lineno);
    }
    if (rc == 0 && ferror(f)) {
        fprintf(stderr, "sixd: %s: read error\n", path);
        rc = -1;
    }
    free(line);
    fclose(f);
    cmd_out_free(&out);
    cmd_out_free(&err);
    return rc;
}
