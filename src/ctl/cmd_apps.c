/* Application verbs: serve (echo / http services), http get (the stack's
 * HTTP client), nc (TCP/UDP probe). See man/sixctl.8, "Applications".
 *
 * Pending commands (http get, nc) are app_objs of the stack: six_cmd_cancel()
 * finds them by their cmd_ctx, six_stack_destroy() frees them without
 * calling done(). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "ctl/cmd.h"
#include "ctl/cmd_apps.h"
#include "apps/apps_int.h"
#include "net/stack.h"

#define PENDING_APP (-2)              /* ctx->pending of an app command (ping ids are > 0) */
#define BODY_OUT_MAX (16u << 20)      /* http get without -o: at most this much to the client */

static void out_append(struct cmd_out *o, const void *d, size_t n)
{
    if (o->len + n + 1 > o->cap) {
        size_t cap = o->cap ? o->cap : 256;
        while (cap < o->len + n + 1)
            cap *= 2;
        char *b = realloc(o->buf, cap);
        if (!b)
            return;
        o->buf = b;
        o->cap = cap;
    }
    memcpy(o->buf + o->len, d, n);
    o->len += n;
    o->buf[o->len] = '\0';
}

/* ------------------------------------------------------------ pending */

struct pend {
    struct app_obj obj;
    struct cmd_ctx *c;
    struct http_get *get;
    struct nc_op *nc;
    int fd;                           /* http get -o */
    char file[256];
    bool too_big;
};

static void pend_destroy(struct app_obj *o)
{
    struct pend *p = APPS_CONTAINER(o, struct pend, obj);
    if (p->get)
        http_get_cancel(p->get);
    if (p->nc)
        nc_cancel(p->nc);
    if (p->fd >= 0)
        close(p->fd);
    free(p);
}

static struct pend *pend_new(struct cmd_ctx *c)
{
    struct pend *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->c = c;
    p->fd = -1;
    return p;   /* joins the stack's objects after its op (see pend_start) */
}

/* The op started: the pend goes on the list after it, so that apps_destroy()
 * (newest first) cancels the op through the pend before reaching it. */
static int pend_start(struct cmd_ctx *c, struct pend *p)
{
    apps_obj_add(c->st, &p->obj, pend_destroy);
    c->pending = PENDING_APP;
    return CMD_PENDING;
}

/* Completion: report and free (the op itself is already gone). */
static void pend_done(struct pend *p, int status)
{
    struct cmd_ctx *c = p->c;
    p->get = NULL;
    p->nc = NULL;
    apps_obj_del(&p->obj);
    pend_destroy(&p->obj);
    c->pending = 0;
    if (c->done)
        c->done(c->done_arg, status);
}

void cmd_apps_cancel(struct cmd_ctx *c)
{
    struct apps *A = c->st ? c->st->apps : NULL;
    if (!A)
        return;
    for (struct app_obj *o = A->objs.next; o != &A->objs; o = o->next)
        if (o->destroy == pend_destroy && APPS_CONTAINER(o, struct pend, obj)->c == c) {
            apps_obj_del(o);
            pend_destroy(o);
            break;
        }
    if (c->pending == PENDING_APP)
        c->pending = 0;
}

static const char *errstr(int rc)
{
    return strerror(rc < 0 ? -rc : rc);
}

/* ------------------------------------------------------------ serve */

static void show_svc(struct cmd_ctx *c, const char *name, const struct svc_info *i, bool first)
{
    if (c->json) {
        cmd_printf(c->out, "%s{\"service\":\"%s\",\"running\":%s", first ? "" : ",", name,
                   i->running ? "true" : "false");
        if (i->running) {
            cmd_printf(c->out, ",\"port\":%u,\"connections\":%u,\"accepted\":%u,\"bytes\":%llu", i->port, i->conns,
                       i->total, i->bytes);
            if (!strcmp(name, "http")) {
                cmd_printf(c->out, ",\"requests\":%llu,\"root\":", i->requests);
                cmd_json_str(c->out, i->root);
            } else {
                cmd_printf(c->out, ",\"udp_datagrams\":%u", i->udp_datagrams);
            }
        }
        cmd_printf(c->out, "}");
        return;
    }
    if (!i->running) {
        cmd_printf(c->out, "%s: stopped\n", name);
        return;
    }
    cmd_printf(c->out, "%s: port %u (tcp%s, IPv6 and IPv4) connections %u accepted %u bytes %llu", name, i->port,
               strcmp(name, "echo") ? "" : "+udp", i->conns, i->total, i->bytes);
    if (!strcmp(name, "http"))
        cmd_printf(c->out, " requests %llu root %s\n", i->requests, i->root);
    else
        cmd_printf(c->out, " udp datagrams %u\n", i->udp_datagrams);
}

/* serve echo [port N] | serve http [port N] root DIR | serve stop echo|http | serve show */
int cmd_serve(struct cmd_ctx *c, int argc, char **argv)
{
    static const char usage[] = "usage: serve echo [port N] | serve http [port N] root DIR | "
                                "serve stop echo|http | serve show";
    unsigned long v;

    if (argc < 2)
        return cmd_usage(c, usage);
    if (!strcmp(argv[1], "show")) {
        if (argc != 2)
            return cmd_usage(c, usage);
        struct svc_info e, h;
        echo_info(c->st, &e);
        httpd_info(c->st, &h);
        if (c->json) cmd_printf(c->out, "[");
        show_svc(c, "echo", &e, true);
        show_svc(c, "http", &h, false);
        if (c->json) cmd_printf(c->out, "]\n");
        return 0;
    }
    if (!strcmp(argv[1], "stop")) {
        if (argc != 3 || (strcmp(argv[2], "echo") && strcmp(argv[2], "http")))
            return cmd_usage(c, usage);
        int rc = !strcmp(argv[2], "echo") ? echo_stop(c->st) : httpd_stop(c->st);
        if (rc)
            return cmd_fail(c, "serve stop %s: not running", argv[2]);
        return 0;
    }
    bool http = !strcmp(argv[1], "http");
    if (!http && strcmp(argv[1], "echo"))
        return cmd_usage(c, usage);
    uint16_t port = http ? HTTPD_DEFAULT_PORT : ECHO_DEFAULT_PORT;
    const char *root = NULL;
    for (int i = 2; i < argc; i += 2) {
        if (i + 1 >= argc)
            return cmd_usage(c, "'%s' needs a value", argv[i]);
        if (!strcmp(argv[i], "port") && cmd_parse_ulong(argv[i + 1], 1, 65535, &v))
            port = (uint16_t)v;
        else if (http && !strcmp(argv[i], "root"))
            root = argv[i + 1];
        else
            return cmd_usage(c, "bad serve option %s %s; %s", argv[i], argv[i + 1], usage);
    }
    if (http && !root)
        return cmd_usage(c, "serve http needs root DIR");
    int rc = http ? httpd_start(c->st, port, root) : echo_start(c->st, port);
    if (rc == -EALREADY)
        return cmd_fail(c, "serve %s: already running (serve stop %s first)", argv[1], argv[1]);
    if (rc)
        return cmd_fail(c, "serve %s%s%s: %s", argv[1], http ? " root " : "", http ? root : "", errstr(rc));
    return 0;
}

/* ------------------------------------------------------------ http get */

static void http_body(void *arg, const void *d, size_t n)
{
    struct pend *p = arg;
    if (p->too_big || p->c->out->len + n > BODY_OUT_MAX) {
        p->too_big = true;
        return;
    }
    out_append(p->c->out, d, n);
}

static void http_done(void *arg, const struct http_result *r)
{
    struct pend *p = arg;
    struct cmd_ctx *c = p->c;
    int status = 0;
    char hex[65];

    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", r->sha256[i]);
    if (r->err) {
        cmd_printf(c->err, "http get: %s", r->why);
        status = 1;
    } else if (r->status != 200) {
        cmd_printf(c->err, "http get: HTTP %d %s", r->status, r->reason);
        status = 1;
    } else if (p->too_big) {
        cmd_printf(c->err, "http get: body over %u bytes: use -o FILE", BODY_OUT_MAX);
        status = 1;
    } else if (p->fd >= 0) {
        if (c->json)
            cmd_printf(c->out, "{\"status\":%d,\"size\":%llu,\"sha256\":\"%s\",\"file\":", r->status, r->body_len, hex);
        else
            cmd_printf(c->out, "%llu bytes sha256 %s -> ", r->body_len, hex);
        if (c->json) {
            cmd_json_str(c->out, p->file);
            cmd_printf(c->out, "}\n");
        } else {
            cmd_printf(c->out, "%s\n", p->file);
        }
    }
    if (p->fd >= 0 && close(p->fd) < 0 && !status) {
        cmd_printf(c->err, "http get: closing %s: %s", p->file, strerror(errno));
        status = 1;
    }
    p->fd = -1;
    pend_done(p, status);
}

/* http get URL [-o FILE] [-w SECS] */
int cmd_http(struct cmd_ctx *c, int argc, char **argv)
{
    static const char usage[] = "usage: http get URL [-o FILE] [-w SECS]";
    const char *url = NULL, *file = NULL;
    unsigned long v, wait_s = 60;

    if (argc < 3 || strcmp(argv[1], "get"))
        return cmd_usage(c, usage);
    for (int i = 2; i < argc; i++) {
        if (argv[i][0] != '-') {
            if (url)
                return cmd_usage(c, usage);
            url = argv[i];
            continue;
        }
        if (i + 1 >= argc)
            return cmd_usage(c, "option %s needs a value", argv[i]);
        if (!strcmp(argv[i], "-o"))
            file = argv[++i];
        else if (!strcmp(argv[i], "-w") && cmd_parse_ulong(argv[i + 1], 1, 86400, &v))
            wait_s = v, i++;
        else
            return cmd_usage(c, "bad option %s %s; %s", argv[i], argv[i + 1], usage);
    }
    if (!url)
        return cmd_usage(c, usage);
    struct http_url u;
    char why[APPS_WHY_MAX];
    if (http_parse_url(c->st, url, &u, why, sizeof why) < 0)
        return cmd_usage(c, "http get %s: %s", url, why);
    if (!c->done)
        return cmd_fail(c, "http get needs an event loop to wait for the answer");
    if (file && strlen(file) >= sizeof ((struct pend *)0)->file)
        return cmd_usage(c, "file name too long");
    struct pend *p = pend_new(c);
    if (!p)
        return cmd_fail(c, "out of memory");
    if (file) {
        snprintf(p->file, sizeof p->file, "%s", file);
        p->fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (p->fd < 0) {
            int e = errno;
            apps_obj_del(&p->obj);
            pend_destroy(&p->obj);
            return cmd_fail(c, "http get: %s: %s", file, strerror(e));
        }
    }
    struct http_get_params gp = { .url = url, .out_fd = p->fd, .body_fn = file ? NULL : http_body,
                                  .timeout_ms = (unsigned)wait_s * 1000 };
    struct http_result r;
    p->get = http_get_start(c->st, &gp, http_done, p, &r);
    if (!p->get) {
        apps_obj_del(&p->obj);
        pend_destroy(&p->obj);
        return cmd_fail(c, "http get %s: %s", url, r.why);
    }
    snprintf(c->pending_what, sizeof c->pending_what, "http get %.80s", url);
    return pend_start(c, p);
}

/* ------------------------------------------------------------ nc */

/* TEXT with \n \r \t \0 \\ \xHH escapes. Returns length, -1 if malformed. */
static long unescape(const char *s, char *out, size_t outn)
{
    size_t o = 0;
    for (; *s; s++) {
        char ch = *s;
        if (ch == '\\') {
            s++;
            switch (*s) {
            case 'n': ch = '\n'; break;
            case 'r': ch = '\r'; break;
            case 't': ch = '\t'; break;
            case '0': ch = '\0'; break;
            case '\\': ch = '\\'; break;
            case 'x': {
                int v = 0;
                for (int k = 1; k <= 2; k++) {
                    char h = s[k];
                    int d = h >= '0' && h <= '9' ? h - '0' : h >= 'a' && h <= 'f' ? h - 'a' + 10
                          : h >= 'A' && h <= 'F' ? h - 'A' + 10 : -1;
                    if (d < 0)
                        return -1;
                    v = v * 16 + d;
                }
                ch = (char)v;
                s += 2;
                break;
            }
            default:
                return -1;
            }
        }
        if (o >= outn)
            return -1;
        out[o++] = ch;
    }
    return (long)o;
}

static void nc_data(void *arg, const void *d, size_t n)
{
    struct pend *p = arg;
    out_append(p->c->out, d, n);
}

static void nc_done(void *arg, const struct nc_result *r)
{
    struct pend *p = arg;
    struct cmd_ctx *c = p->c;
    int status = 0;

    if (r->anc[0])
        cmd_printf(c->err, "nc: from %s %s\n", r->peer, r->anc);
    if (r->err) {
        cmd_printf(c->err, "nc: %s", r->why);
        status = 1;
    } else if (!r->got_reply && c->pending_what[0] == 'u') {
        cmd_printf(c->err, "nc: no reply");
        status = 1;
    }
    pend_done(p, status);
}

/* nc [-u] [-N] [-w SECS] HOST PORT [TEXT] | nc -l [-u [-v]] [-w SECS] PORT
 *
 * With TEXT (or -u, or without a stream): the one-shot probe — send TEXT,
 * answer with what came back. Without TEXT, from a client that streams
 * (sixctl: ctx->stream), TCP: the client's standard input and output are
 * joined to the connection until the peer closes (nc.c, stream mode); -l
 * likewise for the first connection accepted. */
int cmd_nc(struct cmd_ctx *c, int argc, char **argv)
{
    static const char usage[] = "usage: nc [-u] [-N] [-w SECS] HOST PORT [TEXT] | nc -l [-u [-v]] [-w SECS] PORT";
    struct nc_params np = { 0 };
    const char *pos[3];
    int npos = 0;
    unsigned long v, wait_s = 0;
    bool wait_set = false;

    for (int i = 1; i < argc; i++) {
        const char *o = argv[i];
        if (o[0] == '-' && o[1] && npos < 2) {
            if (!strcmp(o, "-u")) np.udp = true;
            else if (!strcmp(o, "-l")) np.listen = true;
            else if (!strcmp(o, "-N")) np.half_close = true;
            else if (!strcmp(o, "-v")) np.anc = true;
            else if (!strcmp(o, "-w") && i + 1 < argc && cmd_parse_ulong(argv[i + 1], 1, 86400, &v))
                wait_s = v, wait_set = true, i++;
            else
                return cmd_usage(c, "bad nc option %s; %s", o, usage);
            continue;
        }
        if (npos == 3)
            return cmd_usage(c, usage);
        pos[npos++] = o;
    }
    if (np.listen ? npos != 1 : npos < 2)
        return cmd_usage(c, usage);
    /* stream: TCP without TEXT, when the client can stream */
    bool stream = !np.udp && (np.listen || npos == 2);
    if (stream && !c->stream && !np.listen)
        return cmd_usage(c, "nc HOST PORT without TEXT streams standard input: only from sixctl; %s", usage);
    if (!np.listen && npos == 2 && np.udp)
        return cmd_usage(c, "nc -u needs TEXT (one datagram); %s", usage);
    if (stream && c->stream)
        np.pipe = c->stream;
    if (np.anc && !(np.listen && np.udp))
        return cmd_usage(c, "nc: -v (ancillary data) goes with -l -u; %s", usage);
    if (!cmd_parse_ulong(pos[np.listen ? 0 : 1], 1, 65535, &v))
        return cmd_usage(c, "bad port '%s'", pos[np.listen ? 0 : 1]);
    np.port = (uint16_t)v;
    char *text = NULL;
    if (!np.listen) {
        /* a literal is used as it is; a name goes to the resolver when the op starts */
        if (apps_parse_addr(c->st, pos[0], np.port, &np.to, &np.tolen) < 0) {
            if (!apps_host_name_ok(pos[0]))
                return cmd_usage(c, "nc: '%s' is neither an IPv6 or IPv4 address nor a host name", pos[0]);
            np.name = pos[0];
        }
    }
    if (!np.listen && !np.pipe) {
        size_t tl = strlen(pos[2]);
        text = malloc(tl + 1);
        if (!text)
            return cmd_fail(c, "out of memory");
        long n = unescape(pos[2], text, tl + 1);
        if (n < 0) {
            free(text);
            return cmd_usage(c, "nc: bad escape in TEXT (\\n \\r \\t \\0 \\\\ \\xHH)");
        }
        np.text = text;
        np.text_len = (size_t)n;
    }
    if (!c->done) {
        free(text);
        return cmd_fail(c, "nc needs an event loop to wait for the answer");
    }
    /* -w: UDP reply wait 2 s, TCP until the peer closes (10 s at most), listen 30 s;
     * a stream: the connect (10 s) or the listen (no limit), then idle time (no limit) */
    np.wait_ms = (unsigned)(wait_set ? wait_s : np.listen ? 30 : np.udp ? 2 : 10) * 1000;
    if (np.pipe) {
        np.wait_ms = (unsigned)(wait_set ? wait_s : np.listen ? 0 : 10) * 1000;
        np.idle_ms = (unsigned)(wait_set ? wait_s : 0) * 1000;
    }
    struct pend *p = pend_new(c);
    if (!p) {
        free(text);
        return cmd_fail(c, "out of memory");
    }
    struct nc_result r;
    p->nc = nc_start(c->st, &np, nc_data, nc_done, p, &r);
    free(text);
    if (!p->nc) {
        apps_obj_del(&p->obj);
        pend_destroy(&p->obj);
        return cmd_fail(c, "nc: %s", r.why);
    }
    /* 'u': a UDP send that wants its reply (exit 1 without one) */
    snprintf(c->pending_what, sizeof c->pending_what, "%s", np.udp && !np.listen ? "udp" : np.pipe ? "nc stream" : "nc");
    return pend_start(c, p);
}
