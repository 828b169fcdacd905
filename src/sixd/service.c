/* sixd as a system service: systemd's notify protocol (no libsystemd: it
 * is one datagram) and dropping root for -u USER while keeping the two
 * capabilities a network stack on TUN/TAP and raw sockets needs.
 *
 * Why keep capabilities at all: a TUN/TAP or host link added at run time
 * (`sixctl link add ...`) needs CAP_NET_ADMIN (TUNSETIFF) and CAP_NET_RAW
 * (raw ESP/41/4 sockets); a daemon that dropped every capability could only
 * run the configuration it started with. Everything else -- CAP_SYS_ADMIN,
 * CAP_DAC_OVERRIDE, CAP_SETUID, ... -- goes, also from the bounding set, so
 * no later exec (there is none) could regain it. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stddef.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include "sixd/service.h"
#include "six/six.h"
#include "core/log.h"

int sixd_notify(const char *state)
{
    const char *path = getenv("NOTIFY_SOCKET");
    if (!path || !*path)
        return 0;
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    size_t n = strlen(path);
    if ((path[0] != '/' && path[0] != '@') || n >= sizeof sa.sun_path) {
        LOGD("NOTIFY_SOCKET '%s': not a socket path", path);
        errno = EINVAL;
        return -1;
    }
    memcpy(sa.sun_path, path, n);
    if (path[0] == '@')
        sa.sun_path[0] = '\0';          /* abstract namespace: no terminating NUL counted */
    socklen_t len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + (path[0] == '/'));
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    ssize_t r = sendto(fd, state, strlen(state), MSG_NOSIGNAL, (struct sockaddr *)&sa, len);
    int e = errno;
    close(fd);
    if (r < 0) {
        LOGD("sd_notify %s: %s", path, strerror(e));
        errno = e;
        return -1;
    }
    return 1;
}

void sixd_print_version(void)
{
    printf("sixd %s\n", six_version());
}

#define KEEP_CAPS ((1ull << CAP_NET_ADMIN) | (1ull << CAP_NET_RAW))

static int capset_keep(void)
{
    struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
    struct __user_cap_data_struct data[2];
    memset(data, 0, sizeof data);
    data[0].effective = data[0].permitted = (uint32_t)KEEP_CAPS;   /* both below 32 */
    return (int)syscall(SYS_capset, &h, data);
}

/* Every capability but the two leaves the bounding set (needs CAP_SETPCAP:
 * done while still root). */
static int bounding_drop_others(void)
{
    for (int cap = 0; cap <= 63; cap++) {
        if (KEEP_CAPS & (1ull << cap))
            continue;
        if (prctl(PR_CAPBSET_READ, cap, 0, 0, 0) < 0)
            break;                      /* past the kernel's last capability */
        if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0)
            return -1;
    }
    return 0;
}

static int fail(const char *user, const char *what)
{
    int e = errno;
    LOGE("-u %s: %s: %s", user, what, strerror(e));
    fprintf(stderr, "sixd: -u %s: %s: %s\n", user, what, strerror(e));
    errno = e;
    return -1;
}

int sixd_drop_privileges(const char *user, const char *const *chown_paths, int n_paths)
{
    errno = 0;
    struct passwd *pw = getpwnam(user);
    if (!pw) {
        if (errno == 0)
            errno = ENOENT;
        LOGE("-u %s: no such user", user);
        fprintf(stderr, "sixd: -u %s: no such user (create it, e.g. with systemd-sysusers or useradd -r)\n", user);
        return -1;
    }
    uid_t uid = pw->pw_uid;
    gid_t gid = pw->pw_gid;
    if (geteuid() != 0) {
        errno = EPERM;
        return fail(user, "only root can change to another user");
    }
    for (int i = 0; i < n_paths; i++)
        /* never through a link (the directory may be the user's own) */
        if (chown_paths[i] && fchownat(AT_FDCWD, chown_paths[i], uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
            LOGW("-u %s: chown %s: %s", user, chown_paths[i], strerror(errno));
    if (bounding_drop_others() < 0)
        return fail(user, "PR_CAPBSET_DROP");
    if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
        return fail(user, "PR_SET_KEEPCAPS");
    if (setgroups(1, &gid) < 0)
        return fail(user, "setgroups");
    if (setgid(gid) < 0)
        return fail(user, "setgid");
    if (setuid(uid) < 0)
        return fail(user, "setuid");
    /* setuid() away from 0 cleared the effective set; permitted was kept. */
    if (capset_keep() < 0)
        return fail(user, "capset CAP_NET_ADMIN CAP_NET_RAW");
    (void)prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
    if (uid != 0 && setuid(0) == 0) {   /* paranoia: root must be gone for good */
        errno = EPERM;
        return fail(user, "could regain root");
    }
    LOGI("running as %s (uid %u gid %u), capabilities cap_net_admin,cap_net_raw", user, (unsigned)uid,
         (unsigned)gid);
    return 0;
}
