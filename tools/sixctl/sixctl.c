/* sixctl: send one command (or a file of commands) to sixd over its control
 * socket, print what it answers, exit with its status. See man/sixctl.8. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "ctl/cmd.h"
#include "ctl/ctlproto.h"
#include "six/six.h"
#include "paths.h"

#define DEFAULT_SOCKET "/run/sixd.sock"
#define SERVICE_SOCKET "/run/sixstack/sixd.sock"   /* contrib/systemd/sixd.service */

/* The verb list comes from the command table sixd dispatches with
 * (src/ctl/cmd.c), so -h and `help` cannot drift from the parser. */
static void usage(FILE *f)
{
    fprintf(f,
            "usage: sixctl [-s SOCKET] [-j] VERB [ARGS...]\n"
            "       sixctl [-s SOCKET] [-j] -f FILE\n"
            "  -s SOCKET  sixd's control socket (default $SIXD_SOCKET or " DEFAULT_SOCKET ")\n"
            "  -j         JSON output\n"
            "  -f FILE    run every command of FILE, stop at the first failure\n"
            "  -V         sixctl's version (\"sixctl version\": sixd's too)\n"
            "verbs (\"sixctl help VERB\" for one; see sixctl(8)):\n");
    struct cmd_out o;
    cmd_out_init(&o);
    cmd_help_write(&o, NULL);
    fputs(o.buf ? o.buf : "", f);
    cmd_out_free(&o);
}

/* sixctl help [VERB]: answered here from the same table, sixd or not. */
static int local_help(int argc, char **argv)
{
    struct cmd_out o;
    cmd_out_init(&o);
    int rc = argc > 2 ? -1 : cmd_help_write(&o, argc == 2 ? argv[1] : NULL);
    if (rc == 0)
        fputs(o.buf, stdout);
    else if (argc > 2)
        fprintf(stderr, "sixctl: usage: help [VERB]\n");
    else
        fprintf(stderr, "sixctl: help: unknown verb '%s' (sixctl help lists them)\n", argv[1]);
    cmd_out_free(&o);
    return rc == 0 ? 0 : 2;
}

/* Error text from sixd: each line goes to stderr as "sixctl: [FILE:LINE: ]text". */
struct errctx { const char *where; bool at_line_start; int out_errno; };

static void print_out(void *arg, const char *text, size_t len)
{
    fwrite(text, 1, len, stdout);
}

static void print_err(void *arg, const char *text, size_t len)
{
    struct errctx *e = arg;
    fflush(stdout);
    for (size_t i = 0; i < len; i++) {
        if (e->at_line_start) {
            fputs("sixctl: ", stderr);
            if (e->where)
                fprintf(stderr, "%s: ", e->where);
            e->at_line_start = false;
        }
        fputc(text[i], stderr);
        if (text[i] == '\n')
            e->at_line_start = true;
    }
}

/* A stream's bytes (sixctl nc): straight to standard output, after any text. */
static bool write_data(void *arg, const uint8_t *data, size_t len)
{
    struct errctx *e = arg;
    fflush(stdout);
    while (len > 0) {
        ssize_t n = write(STDOUT_FILENO, data, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            e->out_errno = n < 0 ? errno : EIO;
            return false;
        }
        data += n;
        len -= (size_t)n;
    }
    return true;
}

/* One command. A single command from the command line may stream (sixctl
 * nc: standard input and output joined to a connection); the lines of -f
 * may not (standard input may be the file). */
static int call(int fd, const char *sock, uint32_t flags, int argc, char **argv,
                const char *where)
{
    struct errctx e = { where, true, 0 };
    int status = 1;
    char *owned[CMD_MAX_ARGS];
    if (sixctl_abs_paths(argc, argv, owned) < 0) {
        fprintf(stderr, "sixctl: %s%scannot make a file name absolute: %s\n", where ? where : "",
                where ? ": " : "", strerror(errno));
        sixctl_free_paths(argc, owned);
        return 1;
    }
    int r = where ? ctl_io_call(fd, flags, argc, argv, print_out, print_err, &e, &status)
                  : ctl_io_call_stream(fd, flags, argc, argv, STDIN_FILENO, write_data, print_out,
                                       print_err, &e, &status);
    int r_errno = errno;
    sixctl_free_paths(argc, owned);
    errno = r_errno;
    fflush(stdout);
    if (!e.at_line_start)
        fputc('\n', stderr);
    if (r < 0) {
        if (e.out_errno)     /* closing the connection aborts the command */
            fprintf(stderr, "sixctl: standard output: %s\n", strerror(e.out_errno));
        else if (r == CTL_E_IO || r == CTL_E_EOF)
            fprintf(stderr, "sixctl: %s%s%s: %s\n", where ? where : "", where ? ": " : "", sock,
                    r == CTL_E_EOF || errno == 0 ? "sixd closed the connection" : strerror(errno));
        else
            fprintf(stderr, "sixctl: %s%s%s\n", where ? where : "", where ? ": " : "",
                    r == CTL_E_ARGC || r == CTL_E_STRING || r == CTL_E_TOOBIG
                        ? "command too long" : ctl_strerror(r));
        return 1;
    }
    return status;
}

static int run_file(int fd, const char *sock, uint32_t flags, const char *path)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
    if (!f) {
        fprintf(stderr, "sixctl: %s: %s\n", path, strerror(errno));
        return 1;
    }
    char *line = NULL;
    size_t cap = 0;
    unsigned lineno = 0;
    int status = 0;
    while (getline(&line, &cap, f) >= 0) {
        lineno++;
        char where[512];
        snprintf(where, sizeof where, "%s:%u", path, lineno);
        char *argv[CMD_MAX_ARGS + 1];
        const char *why;
        int argc = cmd_split(line, argv, CMD_MAX_ARGS, &why);
        if (argc < 0) {
            fprintf(stderr, "sixctl: %s: %s\n", where, why);
            status = 2;
            break;
        }
        if (argc == 0)
            continue;
        status = call(fd, sock, flags, argc, argv, where);
        if (status != 0)
            break;
    }
    free(line);
    if (f != stdin)
        fclose(f);
    return status;
}

int main(int argc, char **argv)
{
    const char *sock = getenv("SIXD_SOCKET");
    const char *file = NULL;
    uint32_t flags = 0;
    if (!sock || !*sock)   /* sixd's default, else the systemd unit's */
        sock = access(DEFAULT_SOCKET, F_OK) && !access(SERVICE_SOCKET, F_OK) ? SERVICE_SOCKET : DEFAULT_SOCKET;
    int opt;
    /* '+': stop at the first non-option, so "ping ADDR -c 3" reaches sixd intact */
    while ((opt = getopt(argc, argv, "+s:jf:hV")) != -1) {
        switch (opt) {
        case 's': sock = optarg; break;
        case 'j': flags |= CTL_F_JSON; break;
        case 'f': file = optarg; break;
        case 'h': usage(stdout); return 0;
        case 'V': printf("sixctl %s\n", six_version()); return 0;
        default: usage(stderr); return 2;
        }
    }
    int nargs = argc - optind;
    /* "version": sixd prints both, so that -j gives one object; if sixd
     * cannot be reached, sixctl's own still shows. */
    char *version_argv[] = { "version", "client", (char *)six_version(), NULL };
    bool version = !file && nargs == 1 && !strcmp(argv[optind], "version");
    if (version)
        argv = version_argv, argc = 3, optind = 0, nargs = 3;
    if ((file && nargs > 0) || (!file && nargs == 0)) {
        usage(stderr);
        return 2;
    }
    if (nargs > CMD_MAX_ARGS) {
        fprintf(stderr, "sixctl: too many arguments (at most %d)\n", CMD_MAX_ARGS);
        return 2;
    }
    if (!file && strcmp(argv[optind], "help") == 0)
        return local_help(nargs, argv + optind);
    int fd = ctl_io_connect(sock);
    if (fd < 0 && version) {
        int e = errno;
        printf(flags & CTL_F_JSON ? "{\"client\":\"%s\"}\n" : "sixctl %s\n", six_version());
        fflush(stdout);
        errno = e;
    }
    if (fd < 0) {
        fprintf(stderr, "sixctl: cannot connect to %s: %s\n", sock, strerror(errno));
        return 1;
    }
    int status = file ? run_file(fd, sock, flags, file)
                      : call(fd, sock, flags, nargs, argv + optind, NULL);
    close(fd);
    return status;
}
