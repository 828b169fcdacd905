/* A small HTTP/1.1 static file server (RFC 9110, RFC 9112) on one
 * dual-stack listener ([::]:port, IPV6_V6ONLY off).
 *
 * GET and HEAD of regular files under the root directory; Content-Length
 * always (no chunked coding needed); persistent connections (HTTP/1.1 unless
 * "Connection: close", HTTP/1.0 only with "Connection: keep-alive"), and
 * pipelined requests are answered in order. Errors: 400 (bad request line,
 * header or target, missing Host in 1.1, a request body), 403 (resolves
 * outside the root, not a regular file), 404, 405 (+ Allow), 431 (request
 * head over HTTPD_MAX_HEADER bytes, then close).
 *
 * Paths: the target's path is percent-decoded; a NUL or a ".." segment is
 * refused (400); the result is resolved with realpath(3) and must lie inside
 * the root's real path, so symbolic links cannot lead out either.
 *
 * Files are streamed: read(2) in HTTPD_CHUNK pieces only when the socket
 * takes more, so a file of gigabytes costs one chunk of memory.
 *
 * Caps: HTTPD_MAX_CONNS connections (more are accepted and closed at once);
 * HTTPD_MAX_HEADER bytes of request head per connection; a connection with
 * no progress for HTTPD_IDLE_MS is closed; one closing after its response
 * gets HTTPD_LINGER_MS to send its FIN and drain. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include "apps/apps_int.h"
#include "net/stack.h"
#include "six/socket.h"

#define HTTPD_LINGER_MS 5000u

enum hstate { H_READ, H_RESPOND, H_LINGER };

struct hconn {
    struct app_sock as;
    struct httpd *h;
    struct hconn *next, *prev;
    enum hstate state;
    char req[HTTPD_MAX_HEADER];
    size_t req_len;
    bool peer_eof;
    /* the response in progress */
    char hdr[768];
    size_t hdr_off, hdr_len;
    int fd;
    unsigned long long body_left;
    uint8_t *chunk;
    size_t ch_off, ch_len;
    bool keep_alive;
    uint64_t last_ns;
};

struct httpd {
    struct app_obj obj;
    struct six_stack *st;
    struct app_sock ls;
    char root[PATH_MAX];
    struct hconn *conns;
    struct timer tick;
    struct svc_info info;
};

static void conn_free(struct hconn *c)
{
    struct httpd *h = c->h;
    app_sock_close(&c->as);
    if (c->fd >= 0)
        close(c->fd);
    if (c->prev) c->prev->next = c->next; else h->conns = c->next;
    if (c->next) c->next->prev = c->prev;
    h->info.conns--;
    free(c->chunk);
    free(c);
}

static const char *reason(int code)
{
    switch (code) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    default:  return "Error";
    }
}

static const char *ctype(const char *path)
{
    const char *dot = strrchr(path, '.');
    if (dot && !strchr(dot, '/')) {
        if (!strcasecmp(dot, ".html") || !strcasecmp(dot, ".htm")) return "text/html";
        if (!strcasecmp(dot, ".txt")) return "text/plain";
        if (!strcasecmp(dot, ".css")) return "text/css";
        if (!strcasecmp(dot, ".js")) return "text/javascript";
        if (!strcasecmp(dot, ".json")) return "application/json";
        if (!strcasecmp(dot, ".png")) return "image/png";
    }
    return "application/octet-stream";
}

/* Status line and headers into c->hdr; the body (file or error text) follows. */
static void start_response(struct hconn *c, int code, unsigned long long len, const char *type, const char *extra)
{
    char date[64];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    int n = snprintf(c->hdr, sizeof c->hdr,
                     "HTTP/1.1 %d %s\r\nServer: sixstack\r\nDate: %s\r\nContent-Type: %s\r\n"
                     "Content-Length: %llu\r\nConnection: %s\r\n%s\r\n",
                     code, reason(code), date, type, len, c->keep_alive ? "keep-alive" : "close",
                     extra ? extra : "");
    c->hdr_len = n > 0 && (size_t)n < sizeof c->hdr ? (size_t)n : 0;
    c->hdr_off = 0;
    c->state = H_RESPOND;
    c->h->info.requests++;
}

/* An error answer with a short text body (sent from hdr as well). */
static void error_response(struct hconn *c, int code, bool head, bool close_after)
{
    if (close_after)
        c->keep_alive = false;
    char body[96];
    int bl = snprintf(body, sizeof body, "%d %s\n", code, reason(code));
    start_response(c, code, (unsigned long long)bl, "text/plain",
                   code == 405 ? "Allow: GET, HEAD\r\n" : NULL);
    if (!head && c->hdr_len + (size_t)bl < sizeof c->hdr) {
        memcpy(c->hdr + c->hdr_len, body, (size_t)bl);
        c->hdr_len += (size_t)bl;
    }
}

static int hexval(char ch)
{
    if (ch >= '0' && ch <= '9') return ch - '0';
    if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
    return -1;
}

/* Target → decoded path; false on anything not allowed (400). */
static bool decode_target(const char *t, size_t tl, char *out, size_t outn)
{
    size_t o = 0;
    if (!tl || t[0] != '/')
        return false;
    for (size_t i = 0; i < tl; i++) {
        char ch = t[i];
        if (ch == '?' || ch == '#')
            break;
        if (ch == '%') {
            int hi, lo;
            if (i + 2 >= tl || (hi = hexval(t[i + 1])) < 0 || (lo = hexval(t[i + 2])) < 0)
                return false;
            ch = (char)(hi * 16 + lo);
            i += 2;
        }
        if (ch == '\0' || ch == '\\' || o + 1 >= outn)
            return false;
        out[o++] = ch;
    }
    out[o] = '\0';
    /* no ".." segment, whichever way it was written */
    for (const char *s = out; *s;) {
        const char *e = strchr(s, '/');
        size_t sl = e ? (size_t)(e - s) : strlen(s);
        if (sl == 2 && s[0] == '.' && s[1] == '.')
            return false;
        s += sl;
        if (*s == '/')
            s++;
    }
    return true;
}

/* Resolve path under the root; an open fd of a regular file or an HTTP error code. */
static int open_under_root(struct httpd *h, const char *path, int *fd, unsigned long long *size, char *rp)
{
    char full[PATH_MAX * 2];
    snprintf(full, sizeof full, "%s%s", h->root, path);
    if (!realpath(full, rp))
        return errno == ENOENT || errno == ENOTDIR ? 404 : 403;
    size_t rl = strlen(h->root);
    if (strncmp(rp, h->root, rl) || (rp[rl] != '/' && rp[rl] != '\0'))
        return 403;
    struct stat sb;
    if (stat(rp, &sb) < 0)
        return 404;
    if (S_ISDIR(sb.st_mode)) {
        size_t n = strlen(rp);
        if (n + sizeof "/index.html" > PATH_MAX)
            return 404;
        strcpy(rp + n, "/index.html");
        if (stat(rp, &sb) < 0)
            return 404;
    }
    if (!S_ISREG(sb.st_mode))
        return 403;
    *fd = open(rp, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (*fd < 0)
        return errno == ENOENT ? 404 : 403;
    if (fstat(*fd, &sb) < 0 || !S_ISREG(sb.st_mode)) {
        close(*fd);
        *fd = -1;
        return 403;
    }
    *size = (unsigned long long)sb.st_size;
    return 200;
}

static bool token_eq(const char *v, size_t vl, const char *tok)
{
    /* comma-separated list contains tok (case-insensitive) */
    size_t tl = strlen(tok);
    size_t i = 0;
    while (i < vl) {
        while (i < vl && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
            i++;
        size_t s = i;
        while (i < vl && v[i] != ',')
            i++;
        size_t e = i;
        while (e > s && (v[e - 1] == ' ' || v[e - 1] == '\t'))
            e--;
        if (e - s == tl && !strncasecmp(v + s, tok, tl))
            return true;
    }
    return false;
}

/* One request head req[0, hl) (ends with an empty line): set up the response. */
static void handle_request(struct hconn *c, size_t hl)
{
    char *r = c->req;
    char *eol = memchr(r, '\n', hl);
    size_t ll = (size_t)(eol - r);
    if (ll && r[ll - 1] == '\r')
        ll--;
    c->keep_alive = true;
    /* request line: METHOD SP TARGET SP HTTP/1.x */
    char *sp1 = memchr(r, ' ', ll);
    char *sp2 = sp1 ? memchr(sp1 + 1, ' ', (size_t)(r + ll - sp1 - 1)) : NULL;
    if (!sp1 || !sp2 || sp1 == r || sp2 == sp1 + 1) {
        error_response(c, 400, false, true);
        return;
    }
    size_t ml = (size_t)(sp1 - r);
    const char *tgt = sp1 + 1;
    size_t tl = (size_t)(sp2 - tgt);
    const char *ver = sp2 + 1;
    size_t vl = (size_t)(r + ll - ver);
    bool v11;
    if (vl == 8 && !memcmp(ver, "HTTP/1.1", 8)) v11 = true;
    else if (vl == 8 && !memcmp(ver, "HTTP/1.0", 8)) v11 = false;
    else {
        error_response(c, 400, false, true);
        return;
    }
    bool head = ml == 4 && !memcmp(r, "HEAD", 4);
    bool get = ml == 3 && !memcmp(r, "GET", 3);
    c->keep_alive = v11;
    /* header fields */
    int hosts = 0;
    bool body = false, bad = false;
    for (char *p = eol + 1; p < r + hl;) {
        char *e = memchr(p, '\n', (size_t)(r + hl - p));
        size_t l = (size_t)(e - p);
        if (l && p[l - 1] == '\r')
            l--;
        if (!l)
            break;
        char *colon = memchr(p, ':', l);
        if (!colon || colon == p || p[0] == ' ' || p[0] == '\t' || colon[-1] == ' ') {
            bad = true;
            break;
        }
        size_t nl = (size_t)(colon - p);
        const char *v = colon + 1;
        size_t vln = (size_t)(p + l - v);
        while (vln && (*v == ' ' || *v == '\t')) { v++; vln--; }
        while (vln && (v[vln - 1] == ' ' || v[vln - 1] == '\t')) vln--;
        if (nl == 4 && !strncasecmp(p, "Host", 4))
            hosts++;
        else if (nl == 10 && !strncasecmp(p, "Connection", 10)) {
            if (token_eq(v, vln, "close")) c->keep_alive = false;
            else if (token_eq(v, vln, "keep-alive")) c->keep_alive = true;
        } else if (nl == 14 && !strncasecmp(p, "Content-Length", 14)) {
            if (!(vln == 1 && v[0] == '0'))
                body = true;
        } else if (nl == 17 && !strncasecmp(p, "Transfer-Encoding", 17))
            body = true;
        p = e + 1;
    }
    if (bad || (v11 && hosts != 1) || hosts > 1 || body) {
        error_response(c, 400, head, true);   /* a body we would have to skip: close instead */
        return;
    }
    if (!get && !head) {
        error_response(c, 405, false, false);
        return;
    }
    char path[PATH_MAX], rp[PATH_MAX];
    if (!decode_target(tgt, tl, path, sizeof path)) {
        error_response(c, 400, head, false);
        return;
    }
    int fd = -1;
    unsigned long long size = 0;
    int code = open_under_root(c->h, path, &fd, &size, rp);
    if (code != 200) {
        error_response(c, code, head, false);
        return;
    }
    start_response(c, 200, size, ctype(rp), NULL);
    if (head) {
        close(fd);
    } else {
        c->fd = fd;
        c->body_left = size;
    }
}

/* Find the end of the request head in req: length through the empty line, 0 if not yet. */
static size_t head_len(const char *r, size_t n)
{
    for (size_t i = 0; i + 1 < n; i++) {
        if (r[i] != '\n')
            continue;
        if (r[i + 1] == '\n')
            return i + 2;
        if (i + 2 < n && r[i + 1] == '\r' && r[i + 2] == '\n')
            return i + 3;
    }
    return 0;
}

/* Push the response; true when it is all in the socket. false with *dead set if c was freed. */
static bool respond(struct hconn *c, bool *dead)
{
    struct six_stack *st = c->as.st;
    while (c->hdr_off < c->hdr_len) {
        ssize_t n = six_send(st, c->as.sd, c->hdr + c->hdr_off, c->hdr_len - c->hdr_off, 0);
        if (n < 0) {
            if (errno != EAGAIN)
                goto fail;
            return false;
        }
        c->hdr_off += (size_t)n;
        c->last_ns = six_now(st);
    }
    while (c->body_left || c->ch_len) {
        if (!c->ch_len) {
            if (!c->chunk && !(c->chunk = malloc(HTTPD_CHUNK)))
                goto fail;
            size_t want = c->body_left < HTTPD_CHUNK ? (size_t)c->body_left : HTTPD_CHUNK;
            ssize_t n = read(c->fd, c->chunk, want);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0)
                goto fail;          /* shrank under us: the length we promised cannot be kept */
            c->ch_off = 0;
            c->ch_len = (size_t)n;
            c->body_left -= (unsigned long long)n;
        }
        ssize_t n = six_send(st, c->as.sd, c->chunk + c->ch_off, c->ch_len, 0);
        if (n < 0) {
            if (errno != EAGAIN)
                goto fail;
            return false;
        }
        c->ch_off += (size_t)n;
        c->ch_len -= (size_t)n;
        c->h->info.bytes += (unsigned long long)n;
        c->last_ns = six_now(st);
    }
    if (c->fd >= 0) {
        close(c->fd);
        c->fd = -1;
    }
    if (c->chunk) {
        free(c->chunk);
        c->chunk = NULL;
    }
    return true;
fail:
    conn_free(c);
    *dead = true;
    return false;
}

static void conn_ev(struct app_sock *as, short rev)
{
    struct hconn *c = as->ctx;
    struct six_stack *st = as->st;
    bool dead = false;

    if (rev & (POLLERR | POLLNVAL)) {
        conn_free(c);
        return;
    }
    for (;;) {
        if (c->state == H_RESPOND) {
            if (!respond(c, &dead))
                return;
            if (!c->keep_alive) {
                six_shutdown(st, as->sd, SHUT_WR);
                c->state = H_LINGER;
                c->last_ns = six_now(st);
            } else {
                c->state = H_READ;
            }
            continue;
        }
        if (c->state == H_LINGER) {
            char sink[4096];
            ssize_t n;
            while ((n = six_recv(st, as->sd, sink, sizeof sink, 0)) > 0)
                ;
            if (n == 0 || errno != EAGAIN)
                conn_free(c);
            return;
        }
        /* H_READ: a whole head already buffered (pipelined)? */
        size_t hl = head_len(c->req, c->req_len);
        if (hl) {
            handle_request(c, hl);
            memmove(c->req, c->req + hl, c->req_len - hl);
            c->req_len -= hl;
            continue;
        }
        if (c->req_len == sizeof c->req) {
            error_response(c, 431, false, true);
            c->req_len = 0;
            continue;
        }
        if (c->peer_eof) {
            conn_free(c);           /* nothing (whole) more will come */
            return;
        }
        ssize_t n = six_recv(st, as->sd, c->req + c->req_len, sizeof c->req - c->req_len, 0);
        if (n > 0) {
            c->req_len += (size_t)n;
            c->last_ns = six_now(st);
            continue;
        }
        if (n == 0) {
            c->peer_eof = true;
            continue;
        }
        if (errno != EAGAIN)
            conn_free(c);
        return;
    }
}

static void listen_ev(struct app_sock *as, short rev)
{
    struct httpd *h = as->ctx;
    for (;;) {
        int sd = six_accept(h->st, as->sd, NULL, NULL);
        if (sd < 0)
            break;
        struct hconn *c;
        if (h->info.conns >= HTTPD_MAX_CONNS || !(c = calloc(1, sizeof *c))) {
            six_close(h->st, sd);
            continue;
        }
        c->h = h;
        c->fd = -1;
        c->last_ns = six_now(h->st);
        c->next = h->conns;
        if (h->conns)
            h->conns->prev = c;
        h->conns = c;
        h->info.conns++;
        h->info.total++;
        app_sock_init(&c->as, h->st, sd, conn_ev, c);
    }
}

static void tick(struct timer *t, void *arg)
{
    struct httpd *h = arg;
    uint64_t now = six_now(h->st);
    for (struct hconn *c = h->conns, *nx; c; c = nx) {
        nx = c->next;
        uint64_t lim = (c->state == H_LINGER ? HTTPD_LINGER_MS : HTTPD_IDLE_MS) * 1000000ull;
        if (now - c->last_ns > lim)
            conn_free(c);
    }
    apps_timer_arm(h->st, &h->tick, 1000);
}

static void svc_free(struct httpd *h)
{
    while (h->conns)
        conn_free(h->conns);
    app_sock_close(&h->ls);
    timer_cancel(&h->tick);
    free(h);
}

static void svc_destroy(struct app_obj *o)
{
    svc_free(APPS_CONTAINER(o, struct httpd, obj));
}

int httpd_start(struct six_stack *st, uint16_t port, const char *root)
{
    struct apps *A = apps_get(st);
    char rp[PATH_MAX];
    struct stat sb;

    if (!A)
        return -ENOMEM;
    if (A->httpd)
        return -EALREADY;
    if (!realpath(root, rp))
        return -errno;
    if (stat(rp, &sb) < 0)
        return -errno;
    if (!S_ISDIR(sb.st_mode))
        return -ENOTDIR;
    if (!strcmp(rp, "/"))
        rp[0] = '\0';          /* root "/" : prefix "" (every path is inside) */
    int ls = apps_dual_socket(st, SOCK_STREAM, port, 128);
    if (ls < 0)
        return -errno;
    struct httpd *h = calloc(1, sizeof *h);
    if (!h) {
        six_close(st, ls);
        return -ENOMEM;
    }
    h->st = st;
    strcpy(h->root, rp);
    h->info.running = true;
    h->info.port = port;
    snprintf(h->info.root, sizeof h->info.root, "%.255s", rp[0] ? rp : "/");
    app_sock_init(&h->ls, st, ls, listen_ev, h);
    timer_init(&h->tick, tick, h);
    apps_timer_arm(st, &h->tick, 1000);
    apps_obj_add(st, &h->obj, svc_destroy);
    A->httpd = h;
    return 0;
}

int httpd_stop(struct six_stack *st)
{
    struct apps *A = st->apps;
    if (!A || !A->httpd)
        return -ESRCH;
    struct httpd *h = A->httpd;
    A->httpd = NULL;
    apps_obj_del(&h->obj);
    svc_free(h);
    return 0;
}

void httpd_info(struct six_stack *st, struct svc_info *i)
{
    struct apps *A = st->apps;
    if (A && A->httpd)
        *i = A->httpd->info;
    else
        memset(i, 0, sizeof *i);
}
