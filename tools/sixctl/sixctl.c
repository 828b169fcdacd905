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
#include "paths.h"

#define DEFAULT_SOCKET "/run/sixd.sock"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: sixctl [-s SOCKET] [-j] OBJECT [VERB ARGS...]\n"
            "       sixctl [-s SOCKET] [-j] -f FILE\n"
            "  -s SOCKET  sixd's control socket (default $SIXD_SOCKET or " DEFAULT_SOCKET ")\n"
            "  -j         JSON output\n"
            "  -f FILE    run every command of FILE, stop at the first failure\n"
            "objects: link addr route neigh ping ra set stats capture help\n"
            "(\"sixctl help\" lists every verb; see sixctl(8))\n");
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
    if (!sock || !*sock)
        sock = DEFAULT_SOCKET;
    int opt;
    /* '+': stop at the first non-option, so "ping ADDR -c 3" reaches sixd intact */
    while ((opt = getopt(argc, argv, "+s:jf:h")) != -1) {
        switch (opt) {
        case 's': sock = optarg; break;
        case 'j': flags |= CTL_F_JSON; break;
        case 'f': file = optarg; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    int nargs = argc - optind;
    if ((file && nargs > 0) || (!file && nargs == 0)) {
        usage(stderr);
        return 2;
    }
    if (nargs > CMD_MAX_ARGS) {
        fprintf(stderr, "sixctl: too many arguments (at most %d)\n", CMD_MAX_ARGS);
        return 2;
    }
    int fd = ctl_io_connect(sock);
    if (fd < 0) {
        fprintf(stderr, "sixctl: cannot connect to %s: %s\n", sock, strerror(errno));
        return 1;
    }
    int status = file ? run_file(fd, sock, flags, file)
                      : call(fd, sock, flags, nargs, argv + optind, NULL);
    close(fd);
    return status;
}
