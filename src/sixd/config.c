/* sixd's configuration file: one sixctl command per line (cmd_split syntax:
 * blanks separate words, "quotes" group, # comments). At start the lines run
 * in order and the first bad line stops sixd with "FILE:LINE: reason". SIGHUP
 * and `sixctl reload` re-read the file and apply only what changed, all or
 * nothing (src/ctl/cfgdiff.h). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "sixd/sixd.h"
#include "sixd/service.h"
#include "ctl/cfgdiff.h"
#include "ctl/cmd.h"
#include "ctl/cmd_reload.h"
#include "core/evloop.h"
#include "core/log.h"

/* A pending command at start (ping): run the loop until it completes. */
static int wait_loop(void *arg, const bool *done)
{
    struct sixd *d = arg;
    while (!*done && !evloop_stopped(d->ev)) {
        int r = evloop_run_once(d->ev, sixd_timeout_ms(d));
        if (r < 0 && r != -EINTR) {
            fprintf(stderr, "sixd: event loop failed: %s\n", strerror(-r));
            return -1;
        }
    }
    return 0;
}

static struct cfg_env env_of(struct sixd *d, bool first)
{
    return (struct cfg_env){ .st = d->st, .ev = d->ev, .wait = first ? wait_loop : NULL, .wait_arg = d,
                             .out = first ? stdout : NULL, .host = d->host };
}

int sixd_reload(struct sixd *d, struct cmd_out *report, char *err, size_t errlen)
{
    if (!d->cfg) {
        snprintf(err, errlen, "reload: sixd runs without a configuration file (-c FILE)");
        LOGW("%s", err);
        return -1;
    }
    LOGI("reload: reading %s", cfg_state_path(d->cfg));
    sixd_notify("RELOADING=1\nSTATUS=reloading the configuration");
    struct cfg_env env = env_of(d, false);
    int rc = cfg_reload(d->cfg, &env, report, err, errlen, NULL);
    sixd_notify(rc == 0 ? "READY=1\nSTATUS=ready (configuration reloaded)"
                        : "READY=1\nSTATUS=ready (reload refused: the configuration is unchanged)");
    return rc;
}

static int reload_verb(void *arg, struct cmd_ctx *c)
{
    char err[1024];
    if (sixd_reload(arg, c->out, err, sizeof err) < 0)
        return cmd_fail(c, "%s", err);
    return 0;
}

int sixd_config_init(struct sixd *d, const char *path)
{
    cmd_reload_register(d->st, reload_verb, d);
    if (!path)
        return 0;
    /* sixd works in / once daemonized: the file and the files it names
     * relative to the directory sixd started in are found there again */
    char cwd[PATH_MAX] = "";
    if (!getcwd(cwd, sizeof cwd))
        cwd[0] = '\0';
    d->cfg = cfg_state_new(path, cwd[0] ? cwd : NULL);
    if (!d->cfg) {
        fprintf(stderr, "sixd: %s: out of memory\n", path);
        return -1;
    }
    char err[1024];
    struct cfg_env env = env_of(d, true);
    if (cfg_load(d->cfg, &env, err, sizeof err) < 0) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    return 0;
}

void sixd_config_fini(struct sixd *d)
{
    if (d->st)
        cmd_reload_register(d->st, NULL, NULL);
    cfg_state_free(d->cfg);
    d->cfg = NULL;
}
