/* sixkey: a setkey(8) work-alike for sixd.  It parses setkey files with
 * the stack's own parser (the whole file before anything is sent), turns
 * each command into a PF_KEY message and sends them to sixd over the
 * control socket as one batch, which sixd applies all or nothing.  See
 * man/sixkey.8. */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "sixkey.h"
#include "ctl/cmd.h"
#include "ctl/ctlproto.h"
#include "ipsec/pfkey_srv.h"

#define DEFAULT_SOCKET "/run/sixd.sock"

static const char *prog = "sixkey";

static void usage(FILE *f)
{
    fprintf(f,
            "usage: sixkey [-s SOCKET] [-v] -f FILE\n"
            "       sixkey [-s SOCKET] [-v] -c\n"
            "       sixkey [-s SOCKET] [-v] -D [-P]\n"
            "       sixkey [-s SOCKET] [-v] -F [-P]\n"
            "       sixkey [-s SOCKET] -x\n"
            "  -s SOCKET  sixd's control socket (default $SIXD_SOCKET or " DEFAULT_SOCKET ")\n"
            "  -f FILE    apply the setkey commands of FILE, all or nothing\n"
            "  -c         the same, reading standard input\n"
            "  -D         dump the SAD (with -P: the SPD)\n"
            "  -F         flush the SAD (with -P: the SPD)\n"
            "  -x         print ACQUIRE and EXPIRE messages as they come (REGISTER esp)\n"
            "  -v         show every PF_KEY message sent and received\n");
}

/* What one exchange with sixd brought back. */
struct answer {
    bool verbose;
    FILE *out;
    unsigned errors;          /* replies with sadb_msg_errno */
    uint8_t err;              /* the first one's errno, type and seq */
    uint8_t err_type;
    uint32_t err_seq;
    char text[512];           /* CTL_ERR text from sixd (the reason) */
    size_t text_len;
    unsigned printed;
    bool empty;               /* a dump said ENOENT (printed as setkey does) */
};

static void on_msg(void *arg, const uint8_t *msg, size_t len)
{
    struct answer *a = arg;
    struct pfkey_msg m;
    if (a->verbose)
        sixkey_print_brief(stderr, "<", msg, len);
    if (pfkey_parse(msg, len, &m) != WR_OK) {
        if (len >= PFKEY_MSG_LEN && msg[2] && !a->errors++) {   /* an error reply we cannot parse: keep its errno */
            a->err = msg[2];
            a->err_type = msg[1];
            memcpy(&a->err_seq, msg + 8, sizeof a->err_seq);
        }
        return;
    }
    if (m.hdr.err == ENOENT && (m.hdr.type == SADB_DUMP || m.hdr.type == SADB_X_SPDDUMP)) {
        fprintf(a->out, m.hdr.type == SADB_DUMP ? "No SAD entries.\n" : "No SPD entries.\n");
        a->empty = true;
        return;
    }
    if (m.hdr.err) {
        if (!a->errors++) {
            a->err = m.hdr.err;
            a->err_type = m.hdr.type;
            a->err_seq = m.hdr.seq;
        }
        return;
    }
    if (m.hdr.pid == 0 && (m.hdr.type == SADB_ACQUIRE || m.hdr.type == SADB_EXPIRE))
        return;   /* not ours (we do not register; a key manager on our connection would) */
    if (m.hdr.type == SADB_DUMP || m.hdr.type == SADB_GET) {
        sixkey_print_sa(a->out, &m);
        a->printed++;
    } else if (m.hdr.type == SADB_X_SPDDUMP || m.hdr.type == SADB_X_SPDGET) {
        sixkey_print_sp(a->out, &m);
        a->printed++;
    }
}

static void on_text(void *arg, const char *text, size_t len)
{
    struct answer *a = arg;
    size_t room = sizeof a->text - 1 - a->text_len;
    if (len > room)
        len = room;
    memcpy(a->text + a->text_len, text, len);
    a->text_len += len;
    a->text[a->text_len] = '\0';
    while (a->text_len && a->text[a->text_len - 1] == '\n')
        a->text[--a->text_len] = '\0';
}

/* One frame out, its answer in. 0: sixd said 0; 1: refused; -1: I/O. */
static int exchange(int fd, const char *sock, enum ctl_type type, const uint8_t *msg, size_t len,
                    struct answer *a)
{
    int status = 1;
    if (a->verbose && type == CTL_PFKEY)
        sixkey_print_brief(stderr, ">", msg, len);
    int r = ctl_io_pfkey(fd, type, msg, len, on_msg, on_text, a, &status);
    if (r < 0) {
        fprintf(stderr, "%s: %s: %s\n", prog, sock,
                r == CTL_E_EOF || (r == CTL_E_IO && errno == 0) ? "sixd closed the connection"
                : r == CTL_E_IO ? strerror(errno) : ctl_strerror(r));
        return -1;
    }
    return status ? 1 : 0;
}

static int connect_or_die(const char *sock)
{
    int fd = ctl_io_connect(sock);
    if (fd < 0)
        fprintf(stderr, "%s: cannot connect to %s: %s\n", prog, sock, strerror(errno));
    return fd;
}

/* -D, -DP, -F, -FP: one message. */
static int simple(const char *sock, bool verbose, uint8_t type)
{
    uint8_t buf[PFKEY_MSG_LEN];
    size_t n = sixkey_build_bare(type, SADB_SATYPE_UNSPEC, 1, (uint32_t)getpid(), buf, sizeof buf);
    struct answer a = { .verbose = verbose, .out = stdout };
    int fd = connect_or_die(sock);
    if (fd < 0)
        return 1;
    int rc = exchange(fd, sock, CTL_PFKEY, buf, n, &a);
    close(fd);
    if (rc < 0)
        return 1;
    if (a.empty && !a.errors)
        return 0;
    if (a.errors || rc) {
        fprintf(stderr, "%s: %s: %s\n", prog, pfkey_type_name(type),
                a.text_len ? a.text : a.errors ? strerror(a.err) : "refused");
        return 1;
    }
    return 0;
}

static char *read_all(const char *path, size_t *len)
{
    FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
    if (!f) {
        fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(errno));
        return NULL;
    }
    char *buf = malloc(SETKEY_MAX_INPUT + 1);
    size_t n = buf ? fread(buf, 1, SETKEY_MAX_INPUT + 1, f) : 0;
    bool bad = ferror(f);
    if (f != stdin)
        fclose(f);
    if (!buf || bad || n > SETKEY_MAX_INPUT) {
        fprintf(stderr, "%s: %s: %s\n", prog, path,
                !buf ? "out of memory" : bad ? "read error" : "larger than 1 MiB");
        free(buf);
        return NULL;
    }
    *len = n;
    return buf;
}

/* The batch: every message built first, then BEGIN, the messages, COMMIT. */
struct batch { uint8_t *buf; size_t *off, *len; size_t n; };

static int build_all(const struct setkey_cmds *cmds, const char *name, struct batch *b)
{
    b->buf = malloc(cmds->n * SIXKEY_MSG_MAX + 1);
    b->off = calloc(cmds->n + 1, sizeof *b->off);
    b->len = calloc(cmds->n + 1, sizeof *b->len);
    if (!b->buf || !b->off || !b->len) {
        fprintf(stderr, "%s: out of memory\n", prog);
        return -1;
    }
    for (size_t i = 0, off = 0; i < cmds->n; i++) {
        size_t n = sixkey_build(&cmds->v[i], (uint32_t)(i + 1), (uint32_t)getpid(), b->buf + off, SIXKEY_MSG_MAX);
        if (!n) {
            fprintf(stderr, "%s: %s:%u: %s: cannot be expressed in PF_KEY\n", prog, name, cmds->v[i].line,
                    setkey_op_name(cmds->v[i].op));
            return -1;
        }
        b->off[i] = off;
        b->len[i] = n;
        off += n;
        b->n++;
    }
    return 0;
}

static void batch_free(struct batch *b)
{
    free(b->buf);
    free(b->off);
    free(b->len);
}

static void report_refusal(const struct setkey_cmds *cmds, const char *name, const struct answer *a)
{
    if (a->errors && a->err_seq >= 1 && a->err_seq <= cmds->n) {
        const struct setkey_cmd *c = &cmds->v[a->err_seq - 1];
        fprintf(stderr, "%s: %s:%u: %s: %s (%s)\n", prog, name, c->line, setkey_op_name(c->op),
                a->text_len ? a->text : strerror(a->err), strerror(a->err));
    } else {
        fprintf(stderr, "%s: %s: %s\n", prog, name, a->text_len ? a->text : "refused by sixd");
    }
    fprintf(stderr, "%s: %s: nothing of it was applied\n", prog, name);
}

static int send_batch(int fd, const char *sock, const struct setkey_cmds *cmds, const char *name,
                      const struct batch *b, bool verbose)
{
    struct answer a = { .verbose = verbose, .out = stdout };
    int rc = exchange(fd, sock, CTL_PFKEY_BEGIN, NULL, 0, &a);
    for (size_t i = 0; rc == 0 && i < b->n; i++)
        rc = exchange(fd, sock, CTL_PFKEY, b->buf + b->off[i], b->len[i], &a);
    if (rc == 0)
        rc = exchange(fd, sock, CTL_PFKEY_COMMIT, NULL, 0, &a);
    if (rc < 0)
        return 1;
    if (rc || a.errors) {
        report_refusal(cmds, name, &a);
        return 1;
    }
    return 0;
}

static int apply_file(const char *sock, const char *path, bool verbose)
{
    const char *name = strcmp(path, "-") ? path : "(stdin)";
    size_t len;
    char *text = read_all(path, &len);
    if (!text)
        return 1;
    struct setkey_cmds cmds = { 0 };
    struct setkey_error e;
    int rc = setkey_parse(text, len, &cmds, &e);
    free(text);
    if (rc) {
        char msg[512];
        setkey_error_format(&e, name, msg, sizeof msg);
        fprintf(stderr, "%s: %s (nothing sent)\n", prog, msg);
        return 1;
    }
    struct batch b = { 0 };
    int fd = -1;
    rc = 1;
    if (build_all(&cmds, name, &b) == 0 && (fd = connect_or_die(sock)) >= 0)
        rc = send_batch(fd, sock, &cmds, name, &b, verbose);
    if (fd >= 0)
        close(fd);
    batch_free(&b);
    setkey_cmds_free(&cmds);
    return rc;
}

/* -x: REGISTER for ESP, then print what sixd sends until it goes away. */
static int monitor(const char *sock)
{
    uint8_t buf[PFKEY_MSG_LEN];
    size_t n = sixkey_build_bare(SADB_REGISTER, SADB_SATYPE_ESP, 1, (uint32_t)getpid(), buf, sizeof buf);
    struct answer a = { .out = stdout };
    int fd = connect_or_die(sock);
    if (fd < 0)
        return 1;
    if (exchange(fd, sock, CTL_PFKEY, buf, n, &a) != 0 || a.errors) {
        fprintf(stderr, "%s: REGISTER: %s\n", prog, a.text_len ? a.text : "refused");
        close(fd);
        return 1;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    uint8_t *fb = malloc(CTL_HDR_LEN + CTL_MAX_PAYLOAD + 1);
    for (int r = fb ? 0 : -1; r == 0;) {
        uint8_t type;
        uint32_t plen;
        struct pfkey_msg m;
        r = ctl_io_read_frame(fd, fb, CTL_HDR_LEN + CTL_MAX_PAYLOAD + 1, &type, &plen);
        if (r == 0 && type == CTL_PFKEY && pfkey_parse(fb + CTL_HDR_LEN, plen, &m) == WR_OK) {
            sixkey_print_event(stdout, &m);
            fputc('\n', stdout);
        }
    }
    free(fb);
    close(fd);
    return 0;
}

int main(int argc, char **argv)
{
    const char *sock = getenv("SIXD_SOCKET"), *file = NULL;
    bool dump = false, flush = false, spd = false, stdin_cmds = false, verbose = false, mon = false;
    int opt;
    if (!sock || !*sock)
        sock = DEFAULT_SOCKET;
    signal(SIGPIPE, SIG_IGN);
    while ((opt = getopt(argc, argv, "s:f:cDFPvxh")) != -1) {
        switch (opt) {
        case 's': sock = optarg; break;
        case 'f': file = optarg; break;
        case 'c': stdin_cmds = true; break;
        case 'D': dump = true; break;
        case 'F': flush = true; break;
        case 'P': spd = true; break;
        case 'v': verbose = true; break;
        case 'x': mon = true; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    int modes = (file != NULL) + stdin_cmds + dump + flush + mon;
    if (optind != argc || modes != 1 || (spd && !dump && !flush)) {
        usage(stderr);
        return 2;
    }
    if (file || stdin_cmds)
        return apply_file(sock, file ? file : "-", verbose);
    if (mon)
        return monitor(sock);
    if (dump)
        return simple(sock, verbose, spd ? SADB_X_SPDDUMP : SADB_DUMP);
    return simple(sock, verbose, spd ? SADB_X_SPDFLUSH : SADB_FLUSH);
}
