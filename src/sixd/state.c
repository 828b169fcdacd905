/* sixd -S DIR: the state directory (src/ipsec/sa_persist.h says what it
 * keeps and why). Default: $STATE_DIRECTORY (what systemd's
 * StateDirectory= sets; its first path when it lists several), else
 * /var/lib/sixstack. "-S -" keeps no state: a restart then starts every
 * SA afresh and its peer refuses the repeated sequence numbers. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "sixd/sixd.h"
#include "core/log.h"
#include "ipsec/sa_persist.h"
#include "dhcp6/dhcp6.h"

#define SIXD_STATE_DIR_DEFAULT "/var/lib/sixstack"

static const char *default_dir(char *buf, size_t n)
{
    const char *env = getenv("STATE_DIRECTORY");
    if (!env || !*env)
        return SIXD_STATE_DIR_DEFAULT;
    size_t len = strcspn(env, ":");
    if (len >= n)
        return SIXD_STATE_DIR_DEFAULT;
    memcpy(buf, env, len);
    buf[len] = 0;
    return buf;
}

int sixd_state_open(struct sixd *d, const char *arg)
{
    char env[PATH_MAX], abs[PATH_MAX], err[PATH_MAX + 128];
    const char *dir = arg ? arg : default_dir(env, sizeof env);
    if (!strcmp(dir, "-")) {
        LOGI("state: no state directory (-S -): SAs start afresh at every start");
        return 0;
    }
    if (dir[0] != '/') {   /* daemonizing changes the working directory: keep the one meant */
        char cwd[PATH_MAX];
        if (!getcwd(cwd, sizeof cwd) || snprintf(abs, sizeof abs, "%s/%s", cwd, dir) >= (int)sizeof abs) {
            fprintf(stderr, "sixd: -S %s: cannot resolve the path\n", dir);
            return -1;
        }
        dir = abs;
    }
    int rc = ipsec_persist_open(d->st, dir, err, sizeof err);
    if (rc == -EBADMSG) {   /* the file's numbers are unknown: no way around it but new keys */
        fprintf(stderr, "sixd: %s\n", err);
        return -1;
    }
    if (rc < 0) {
        fprintf(stderr, "sixd: %s (-S DIR chooses another; -S - keeps no state)\n", err);
        return -1;
    }
    d->state_dir = strdup(dir);
    if (!d->state_dir || dhcp6_set_state_dir(d->st, dir) < 0)   /* the DHCPv6 client's DUID lives there too */
        return -1;
    return 0;
}

int sixd_state_check_writable(const struct sixd *d, const char *user)
{
    if (!d->state_dir || access(d->state_dir, W_OK | X_OK) == 0)
        return 0;
    fprintf(stderr, "sixd: -u %s: state directory %s is not writable by %s: %s (chown it to %s; "
            "systemd's StateDirectory= does; -S - keeps no state)\n", user, d->state_dir, user,
            strerror(errno), user);
    LOGE("-u %s: state directory %s is not writable", user, d->state_dir);
    return -1;
}

void sixd_state_started(struct sixd *d)
{
    ipsec_persist_restore(d->st);
}
