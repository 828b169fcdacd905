/* sixd: runs one sixstack network stack on real TAP/TUN devices and serves
 * sixctl on a UNIX control socket. See man/sixd.8. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include "sixd/sixd.h"
#include "sixd/sixd_pfkey.h"
#include "sixd/service.h"
#include "core/evloop.h"
#include "core/log.h"
#include "core/timer.h"
#include "net/stack.h"

#define DEFAULT_SOCKET "/run/sixd.sock"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: sixd [-f] [-c FILE] [-s SOCKET] [-p PIDFILE] [-n NAME] [-u USER] [-S DIR] [-t SECS] [-i SECS] [-d] [-l]\n"
            "            [-L text|json] [-F FACILITY]\n"
            "  -f          stay in the foreground (default: daemonize)\n"
            "  -c FILE     configuration: one sixctl command per line\n"
            "  -s SOCKET   control socket (default " DEFAULT_SOCKET ")\n"
            "  -p PIDFILE  write the daemon's pid there\n"
            "  -n NAME     stack name for logs and the state file (default sixd)\n"
            "  -u USER     run as USER once devices and sockets are open (keeps CAP_NET_ADMIN, CAP_NET_RAW)\n"
            "  -S DIR      state directory: SA numbers, replay windows, tunnel ends across restarts\n"
            "              (default $STATE_DIRECTORY or /var/lib/sixstack; - for none)\n"
            "  -t SECS     a control connection must send a request within SECS (default 10)\n"
            "  -i SECS     close a control connection idle for SECS (default 60; 0: never)\n"
            "  -d          debug logging\n"
            "  -l          log to syslog (always when daemonized)\n"
            "  -V, --version  print the version\n"
            "  -L FORMAT   stderr log lines: text (default) or json (one object a line)\n"
            "  -F FACILITY syslog facility: daemon (default), user, local0 .. local7\n"
            "  -h          this help\n");
}

int sixd_timeout_ms(const struct sixd *d)
{
    uint64_t next = timer_wheel_next(d->st->tw);
    if (next == UINT64_MAX)
        return -1;
    uint64_t now = six_now(d->st);
    if (next <= now)
        return 0;
    uint64_t ms = (next - now + NS_PER_MS - 1) / NS_PER_MS;
    return ms > INT_MAX ? INT_MAX : (int)ms;
}

/* Strict decimal seconds in [min, 86400] as milliseconds; false if not. */
static bool parse_secs(const char *s, unsigned min, unsigned *ms)
{
    unsigned long v = 0;
    if (!*s)
        return false;
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || v > 86400)
            return false;
        v = v * 10 + (unsigned long)(*s - '0');
    }
    if (v < min || v > 86400)
        return false;
    *ms = (unsigned)v * 1000u;
    return true;
}

static void on_idle(void *arg)
{
    struct sixd *d = arg;
    six_stack_poll(d->st);
    control_idle(d);
}

static void on_signal(int fd, unsigned events, void *arg)
{
    struct sixd *d = arg;
    struct signalfd_siginfo si;
    while (read(fd, &si, sizeof si) == (ssize_t)sizeof si) {
        if (si.ssi_signo == SIGHUP) {
            char err[1024];
            (void)sixd_reload(d, NULL, err, sizeof err);   /* logged there */
            continue;
        }
        LOGI("signal %u: shutting down", si.ssi_signo);
        d->stopping = true;
        evloop_stop(d->ev);
    }
}

/* Absolute form of path (relative to the current directory), malloc'd. */
static char *abspath(const char *path)
{
    if (path[0] == '/')
        return strdup(path);
    char cwd[PATH_MAX];
    if (!getcwd(cwd, sizeof cwd))
        return NULL;
    size_t n = strlen(cwd) + 1 + strlen(path) + 1;
    char *s = malloc(n);
    if (s)
        snprintf(s, n, "%s/%s", cwd, path);
    return s;
}

/* A new file, never through a link: the pidfile's directory may belong to
 * the user sixd runs as (-u), who could leave a symlink there for root to
 * follow at the next start. */
static int write_pidfile(const char *path)
{
    if (unlink(path) < 0 && errno != ENOENT)
        return -1;
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0)
        return -1;
    char buf[32];
    int n = snprintf(buf, sizeof buf, "%ld\n", (long)getpid());
    int r = write(fd, buf, (size_t)n) == n ? 0 : -1;
    close(fd);
    return r;
}

/* Fork into the background. The parent exits once the child has written its
 * pidfile (so a script can read it right after sixd returns). */
static int daemonize(const char *pidfile)
{
    int pfd[2];
    if (pipe2(pfd, O_CLOEXEC) < 0)
        return -1;
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid > 0) {
        close(pfd[1]);
        char ok = 0;
        ssize_t n;
        do
            n = read(pfd[0], &ok, 1);
        while (n < 0 && errno == EINTR);
        _exit(n == 1 && ok == 1 ? 0 : 1);
    }
    close(pfd[0]);
    if (setsid() < 0)
        return -1;
    if (pidfile && write_pidfile(pidfile) < 0) {
        fprintf(stderr, "sixd: pidfile %s: %s\n", pidfile, strerror(errno));
        return -1;
    }
    int nul = open("/dev/null", O_RDWR);
    if (nul >= 0) {
        dup2(nul, 0);
        dup2(nul, 1);
        dup2(nul, 2);
        if (nul > 2)
            close(nul);
    }
    if (chdir("/") < 0)
        return -1;
    char ok = 1;
    (void)!write(pfd[1], &ok, 1);
    close(pfd[1]);
    return 0;
}

int main(int argc, char **argv)
{
    bool foreground = false, debug = false, use_syslog = false;
    const char *config = NULL, *sock = NULL, *pidfile_arg = NULL, *name = "sixd", *user = NULL,
               *state_dir = NULL;
    unsigned request_ms = SIXD_CTL_REQUEST_TIMEOUT_MS, idle_ms = SIXD_CTL_IDLE_TIMEOUT_MS;
    int opt;
    static const struct option longopts[] = { { "version", no_argument, NULL, 'V' },
                                               { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 } };
    while ((opt = getopt_long(argc, argv, "fc:s:p:n:u:S:t:i:dlL:F:hV", longopts, NULL)) != -1) {
        switch (opt) {
        case 'f': foreground = true; break;
        case 'c': config = optarg; break;
        case 's': sock = optarg; break;
        case 'p': pidfile_arg = optarg; break;
        case 'n': name = optarg; break;
        case 'u': user = optarg; break;
        case 'V': sixd_print_version(); return 0;
        case 'S': state_dir = optarg; break;
        case 't':
            if (!parse_secs(optarg, 1, &request_ms)) {
                fprintf(stderr, "sixd: -t %s: seconds from 1 to 86400\n", optarg);
                return 2;
            }
            break;
        case 'i':
            if (!parse_secs(optarg, 0, &idle_ms)) {
                fprintf(stderr, "sixd: -i %s: seconds from 0 (never) to 86400\n", optarg);
                return 2;
            }
            break;
        case 'd': debug = true; break;
        case 'l': use_syslog = true; break;
        case 'L': case 'F':
            if (sixd_log_option(opt, optarg) < 0)
                return 2;
            break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind != argc) {
        fprintf(stderr, "sixd: unexpected argument '%s'\n", argv[optind]);
        usage(stderr);
        return 2;
    }
    if (strlen(name) >= sizeof ((struct six_stack *)0)->name) {
        fprintf(stderr, "sixd: name too long: %s\n", name);
        return 2;
    }
    six_log_open("sixd", debug ? LOG_DEBUG : LOG_INFO, use_syslog);
    six_log_set_name(name);

    char *sock_path = abspath(sock ? sock : DEFAULT_SOCKET);
    char *pidfile = pidfile_arg ? abspath(pidfile_arg) : NULL;
    if (!sock_path || (pidfile_arg && !pidfile)) {
        fprintf(stderr, "sixd: cannot resolve paths: %s\n", strerror(errno));
        return 1;
    }

    signal(SIGPIPE, SIG_IGN);
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGHUP);    /* reload (config.c), never the default: death */
    /* Blocked from here on; they are read from a signalfd once sixd runs
     * its main loop (created after daemonizing: epoll wakeups of a signalfd
     * belong to the process that registered it). */
    sigprocmask(SIG_BLOCK, &sigs, NULL);
    int sfd = -1;
    bool pidfile_ours = false;   /* written by this process: removed at exit, whatever rc */

    struct sixd d = { .sock_path = sock_path, .listen_fd = -1, .ctl_request_timeout_ms = request_ms,
                      .ctl_idle_timeout_ms = idle_ms };
    int rc = 1;
    d.ev = evloop_create();
    if (!d.ev) {
        fprintf(stderr, "sixd: cannot create the event loop: %s\n", strerror(errno));
        goto out;
    }
    struct six_stack_opts so = { .name = name };
    d.st = six_stack_create(&so);
    if (!d.st) {
        fprintf(stderr, "sixd: cannot create the stack: %s\n", strerror(errno));
        goto out;
    }
    evloop_set_idle(d.ev, on_idle, &d);
    if (sixd_metrics_init(&d) < 0) {
        fprintf(stderr, "sixd: out of memory\n");
        goto out;
    }
    (void)sixd_pfkey_init(&d);   /* without it PF_KEY requests are refused, the rest works */

    if (sixd_state_open(&d, state_dir) < 0)
        goto out;
    if (sixd_config_init(&d, config) < 0)
        goto out;
    sixd_state_started(&d);
    if (control_open(&d) < 0) {
        fprintf(stderr, "sixd: cannot open control socket %s\n", sock_path);
        goto out;
    }
    if (!foreground) {
        if (daemonize(pidfile) < 0) {
            LOGE("cannot daemonize: %s", strerror(errno));
            goto out;
        }
        six_log_open("sixd", debug ? LOG_DEBUG : LOG_INFO, true);
    } else if (pidfile && write_pidfile(pidfile) < 0) {
        fprintf(stderr, "sixd: pidfile %s: %s\n", pidfile, strerror(errno));
        goto out;
    }
    pidfile_ours = pidfile != NULL;
    sfd = signalfd(-1, &sigs, SFD_NONBLOCK | SFD_CLOEXEC);
    if (sfd < 0 || evloop_add_fd(d.ev, sfd, EV_READ, on_signal, &d) < 0) {
        LOGE("signalfd: %s", strerror(errno));
        goto out;
    }
    if (user && (sixd_drop_privileges(user, (const char *const[]){ sock_path, pidfile }, 2) < 0 ||
                 sixd_state_check_writable(&d, user) < 0))
        goto out;
    LOGI("%s: ready, control socket %s", name, sock_path);
    sixd_notify("READY=1\nSTATUS=ready");

    while (!evloop_stopped(d.ev)) {
        int r = evloop_run_once(d.ev, sixd_timeout_ms(&d));
        if (r < 0 && r != -EINTR) {
            LOGE("event loop: %s", strerror(-r));
            goto out;
        }
    }
    rc = 0;
out:
    sixd_notify("STOPPING=1");
    control_close(&d);          /* no new commands; socket file removed */
    sixd_config_fini(&d);
    sixd_pfkey_fini(&d);        /* its timer and event hook live on the stack */
    sixd_metrics_fini(&d);      /* its timer lives on the stack's wheel */
    if (d.st)
        six_stack_destroy(d.st);   /* pending commands may complete (ignored) */
    d.st = NULL;
    control_shutdown(&d);
    if (d.ev) {
        if (sfd >= 0)
            evloop_del_fd(d.ev, sfd);
        evloop_destroy(d.ev);
    }
    if (sfd >= 0)
        close(sfd);
    if (pidfile_ours)
        unlink(pidfile);
    free(sock_path);
    free(d.state_dir);
    free(pidfile);
    LOGI("%s: exit %d", name, rc);
    return rc;
}
