/* The stack's own HTTP/1.1 client: one GET per call over one connection
 * ("Connection: close"). The body is delimited by Content-Length, by the
 * chunked transfer coding, or by the server closing; it is hashed (SHA-256,
 * OpenSSL EVP) as it streams to a file descriptor or a callback, so its size
 * is not limited by memory.
 *
 * URLs take literal addresses, http://[2001:db8::1]:8080/path,
 * http://[fe80::1%25eth0]/ (RFC 6874), http://192.0.2.1/path, which are
 * connected to at once, and host names, http://www.example.test:8080/path,
 * which are looked up with the stack's resolver and dialed address after
 * address in RFC 6724 order (dial.c). */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <openssl/evp.h>
#include "apps/apps_int.h"
#include "net/stack.h"
#include "wire/http.h"
#include "six/socket.h"

#define HTTPC_HEAD_MAX 16384

enum cstate { C_CONNECTING, C_HEAD, C_BODY, C_CHUNK_SIZE, C_CHUNK_DATA, C_CHUNK_CRLF, C_TRAILER };

struct http_get {
    struct app_obj obj;
    struct six_stack *st;
    struct app_sock as;
    struct timer timeout;
    http_done_fn done;
    void *arg;
    struct http_result res;
    int out_fd;
    void (*body_fn)(void *arg, const void *data, size_t len);
    EVP_MD_CTX *md;
    char req[1024];
    size_t req_len, req_off;
    enum cstate state;
    char head[HTTPC_HEAD_MAX];
    size_t head_len;
    bool has_len, chunked, has_te;
    unsigned long long content_len, chunk_left;
    char line[64];
    size_t line_len;
    struct app_dial *dial;            /* a host name being looked up and connected to */
    uint64_t deadline;                /* ns: the end of the whole transfer */
};

static void get_free(struct http_get *g)
{
    app_dial_cancel(g->dial);
    app_sock_close(&g->as);
    timer_cancel(&g->timeout);
    EVP_MD_CTX_free(g->md);
    free(g);
}

static void get_destroy(struct app_obj *o)
{
    get_free(APPS_CONTAINER(o, struct http_get, obj));
}

void http_get_cancel(struct http_get *g)
{
    if (!g)
        return;
    apps_obj_del(&g->obj);
    get_free(g);
}

static void finish(struct http_get *g, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void finish(struct http_get *g, int err, const char *fmt, ...)
{
    g->res.err = err;
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(g->res.why, sizeof g->res.why, fmt, ap);
        va_end(ap);
    }
    unsigned int mdl = 0;
    if (!err)
        EVP_DigestFinal_ex(g->md, g->res.sha256, &mdl);
    struct http_result r = g->res;
    http_done_fn done = g->done;
    void *arg = g->arg;
    apps_obj_del(&g->obj);
    get_free(g);
    done(arg, &r);
}

/* The host part of the URL at p into u->name; returns where it ends, NULL
 * with why on error. [v6] takes an RFC 6874 zone: %25 in a URL (a plain %
 * is taken too). */
static const char *url_host(const char *p, struct http_url *u, char *why, size_t whyn)
{
    const char *hend;
    if (*p == '[') {
        hend = strchr(p, ']');
        if (!hend || (size_t)(hend - p - 1) >= sizeof u->name) {
            snprintf(why, whyn, "bad [IPv6] address in URL");
            return NULL;
        }
        size_t o = 0;
        for (const char *q = p + 1; q < hend; q++) {
            if (q[0] == '%' && q[1] == '2' && q[2] == '5' && q + 3 <= hend)
                q += 2;
            u->name[o++] = *q;
        }
        u->name[o] = '\0';
        return hend + 1;
    }
    hend = p + strcspn(p, ":/?#");
    if ((size_t)(hend - p) >= sizeof u->name) {
        snprintf(why, whyn, "host too long in URL");
        return NULL;
    }
    memcpy(u->name, p, (size_t)(hend - p));
    u->name[hend - p] = '\0';
    return hend;
}

/* ":port" (or nothing: 80) at p; returns where the path starts, NULL with why. */
static const char *url_port(const char *p, struct http_url *u, char *why, size_t whyn)
{
    u->port = 80;
    if (*p == ':') {
        char *end;
        errno = 0;
        /* port = *DIGIT (RFC 3986 §3.2.3): strtoul alone would take "+80" and " 80" */
        unsigned long port = p[1] >= '0' && p[1] <= '9' ? strtoul(p + 1, &end, 10) : 0;
        if (!port || errno || port > 65535 || (*end && *end != '/' && *end != '?')) {
            snprintf(why, whyn, "bad port in URL");
            return NULL;
        }
        u->port = (uint16_t)port;
        return end;
    }
    if (*p && *p != '/' && *p != '?') {
        snprintf(why, whyn, "bad URL");
        return NULL;
    }
    return p;
}

int http_parse_url(struct six_stack *st, const char *url, struct http_url *u, char *why, size_t whyn)
{
    memset(u, 0, sizeof *u);
    if (strncasecmp(url, "http://", 7)) {
        snprintf(why, whyn, "only http:// URLs are supported");
        return -1;
    }
    const char *auth = url + 7, *p;
    if (!(p = url_host(auth, u, why, whyn)))
        return -1;
    /* Host header: the URL's authority, with the zone left out (RFC 6874 §4) */
    int hl = (int)(p - auth);
    const char *pct = memchr(auth, '%', (size_t)hl);
    if (*auth == '[' && pct)
        hl = (int)(pct - auth);
    if (!(p = url_port(p, u, why, whyn)))
        return -1;
    u->literal = apps_parse_addr(st, u->name, u->port, &u->ss, &u->sslen) == 0;
    if (!u->literal && (*auth == '[' || !apps_host_name_ok(u->name))) {
        snprintf(why, whyn, *auth == '[' ? "bad address '%s' in URL" : "bad host '%s' in URL", u->name);
        return -1;
    }
    if (u->port != 80)
        snprintf(u->host, sizeof u->host, "%.*s%s:%u", hl, auth, pct && *auth == '[' ? "]" : "", u->port);
    else
        snprintf(u->host, sizeof u->host, "%.*s%s", hl, auth, pct && *auth == '[' ? "]" : "");
    if (strlen(p) + 2 > sizeof u->path) {
        snprintf(why, whyn, "URL path too long");
        return -1;
    }
    snprintf(u->path, sizeof u->path, "%s%s", *p == '/' ? "" : "/", p);   /* "" and "?q" get their / */
    return 0;
}

static bool deliver(struct http_get *g, const uint8_t *d, size_t n)
{
    if (!n)
        return true;
    EVP_DigestUpdate(g->md, d, n);
    g->res.body_len += n;
    if (g->out_fd >= 0) {
        size_t off = 0;
        while (off < n) {
            ssize_t w = write(g->out_fd, d + off, n - off);
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0) {
                finish(g, errno ? errno : EIO, "writing the body: %s", strerror(errno ? errno : EIO));
                return false;
            }
            off += (size_t)w;
        }
    } else if (g->body_fn) {
        g->body_fn(g->arg, d, n);
    }
    return true;
}

/* One header field of the response (name, value without OWS); the
 * framing fields are taken strictly, as RFC 9110 §8.6 and RFC 9112 §6
 * say, since they decide where the body ends. false: finished (error). */
static bool head_field(struct http_get *g, const char *name, size_t nl, const char *v, size_t vl)
{
    if (nl == 14 && !strncasecmp(name, "Content-Length", 14)) {
        uint64_t cl;
        if (http_parse_content_length(v, vl, &cl) < 0 || (g->has_len && cl != g->content_len)) {
            /* the value is not echoed: it is the server's bytes, terminal escapes included */
            finish(g, EPROTO, "bad Content-Length%s", g->has_len ? " (two different values)" : "");
            return false;
        }
        g->has_len = true;
        g->content_len = cl;
    } else if (nl == 17 && !strncasecmp(name, "Transfer-Encoding", 17)) {
        g->has_te = true;  /* the final coding of the last field counts (fields are one list) */
        g->chunked = http_te_final_chunked(v, vl);
    }
    return true;
}

/* Parse the response head in g->head[0, hl). false: finished (with error). */
static bool parse_head(struct http_get *g, size_t hl)
{
    char *h = g->head;
    char *eol = memchr(h, '\n', hl);
    size_t sl = (size_t)(eol - h);
    if (sl && h[sl - 1] == '\r')
        sl--;
    int code = 0;
    const char *rs;
    size_t rl;
    if (http_parse_status_line(h, sl, &code, &rs, &rl) < 0) {
        finish(g, EPROTO, "bad HTTP status line");
        return false;
    }
    g->res.status = code;
    snprintf(g->res.reason, sizeof g->res.reason, "%.*s", (int)rl, rs);
    g->has_len = g->chunked = g->has_te = false;
    for (char *p = eol + 1; p < h + hl;) {
        char *e = memchr(p, '\n', (size_t)(h + hl - p));
        size_t l = (size_t)(e - p);
        if (l && p[l - 1] == '\r')
            l--;
        if (!l)
            break;
        char *colon = memchr(p, ':', l);
        if (colon) {
            const char *v = colon + 1;
            size_t vl = (size_t)(p + l - v);
            while (vl && (*v == ' ' || *v == '\t'))
                v++, vl--;
            while (vl && (v[vl - 1] == ' ' || v[vl - 1] == '\t'))
                vl--;
            if (!head_field(g, p, (size_t)(colon - p), v, vl))
                return false;
        }
        p = e + 1;
    }
    if (code < 200)            /* 1xx interim: the real head follows */
        return true;
    if (code == 204 || code == 304) {
        g->has_len = true;     /* never a body (RFC 9112 §6.3 (1)) */
        g->content_len = 0;
        g->chunked = false;
    } else if (g->has_te && g->has_len) {
        /* RFC 9112 §6.3 (3): a smuggling or splitting attempt, handled as an error */
        finish(g, EPROTO, "both Transfer-Encoding and Content-Length");
        return false;
    } else if (g->has_te && !g->chunked) {
        g->has_len = false;    /* RFC 9112 §6.3 (4): the body ends when the server closes */
    }
    g->state = g->chunked ? C_CHUNK_SIZE : C_BODY;
    return true;
}

/* Body bytes from the wire. false: finished (done called). */
static bool body_input(struct http_get *g, const uint8_t *d, size_t n)
{
    while (n) {
        switch (g->state) {
        case C_BODY: {
            size_t k = n;
            if (g->has_len && g->content_len - g->res.body_len < k)
                k = (size_t)(g->content_len - g->res.body_len);
            if (!deliver(g, d, k))
                return false;
            d += k;
            n -= k;
            if (g->has_len && g->res.body_len == g->content_len) {
                finish(g, 0, NULL);
                return false;
            }
            if (n) {       /* more than Content-Length: ignore the rest */
                n = 0;
            }
            break;
        }
        case C_CHUNK_SIZE:
        case C_CHUNK_CRLF:
        case C_TRAILER: {
            uint8_t ch = *d++;
            n--;
            if (ch != '\n') {
                if (g->line_len + 1 >= sizeof g->line) {
                    finish(g, EPROTO, "bad chunked coding");
                    return false;
                }
                if (ch != '\r')
                    g->line[g->line_len++] = (char)ch;
                break;
            }
            g->line[g->line_len] = '\0';
            if (g->state == C_CHUNK_CRLF) {
                if (g->line_len) {
                    finish(g, EPROTO, "bad chunked coding");
                    return false;
                }
                g->state = C_CHUNK_SIZE;
            } else if (g->state == C_TRAILER) {
                if (!g->line_len) {
                    finish(g, 0, NULL);
                    return false;
                }
            } else {
                uint64_t sz;
                if (http_parse_chunk_line(g->line, g->line_len, &sz) < 0) {
                    finish(g, EPROTO, "bad chunk size");
                    return false;
                }
                g->chunk_left = sz;
                g->state = sz ? C_CHUNK_DATA : C_TRAILER;
            }
            g->line_len = 0;
            break;
        }
        case C_CHUNK_DATA: {
            size_t k = n < g->chunk_left ? n : (size_t)g->chunk_left;
            if (!deliver(g, d, k))
                return false;
            d += k;
            n -= k;
            g->chunk_left -= k;
            if (!g->chunk_left)
                g->state = C_CHUNK_CRLF;
            break;
        }
        default:
            return true;
        }
    }
    return true;
}

static size_t head_end(const char *r, size_t n)
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

static void get_ev(struct app_sock *as, short rev)
{
    struct http_get *g = as->ctx;
    struct six_stack *st = as->st;

    if (g->state == C_CONNECTING) {
        if (rev & POLLERR) {
            int e = 0;
            socklen_t el = sizeof e;
            six_getsockopt(st, as->sd, SOL_SOCKET, SO_ERROR, &e, &el);
            finish(g, e ? e : ECONNREFUSED, "connect: %s", strerror(e ? e : ECONNREFUSED));
            return;
        }
        if (!(rev & POLLOUT))
            return;
        g->state = C_HEAD;
    }
    while (g->req_off < g->req_len) {
        ssize_t n = six_send(st, as->sd, g->req + g->req_off, g->req_len - g->req_off, 0);
        if (n < 0) {
            if (errno == EAGAIN)
                break;
            finish(g, errno, "send: %s", strerror(errno));
            return;
        }
        g->req_off += (size_t)n;
    }
    uint8_t buf[16384];
    for (;;) {
        ssize_t n;
        if (g->state == C_HEAD) {
            n = six_recv(st, as->sd, g->head + g->head_len, sizeof g->head - g->head_len, 0);
            if (n > 0) {
                g->head_len += (size_t)n;
                size_t hl;
                while (g->state == C_HEAD && (hl = head_end(g->head, g->head_len))) {
                    if (!parse_head(g, hl))
                        return;
                    size_t rest = g->head_len - hl;
                    memmove(g->head, g->head + hl, rest);
                    g->head_len = 0;
                    if (g->state != C_HEAD) {
                        if (g->has_len && g->content_len == 0 && g->state == C_BODY) {
                            finish(g, 0, NULL);
                            return;
                        }
                        if (!body_input(g, (uint8_t *)g->head, rest))
                            return;
                    } else {
                        g->head_len = rest;
                    }
                }
                if (g->state == C_HEAD && g->head_len == sizeof g->head) {
                    finish(g, EPROTO, "response head over %u bytes", HTTPC_HEAD_MAX);
                    return;
                }
                continue;
            }
        } else {
            n = six_recv(st, as->sd, buf, sizeof buf, 0);
            if (n > 0) {
                if (!body_input(g, buf, (size_t)n))
                    return;
                continue;
            }
        }
        if (n == 0) {
            if (g->state == C_BODY && !g->has_len)
                finish(g, 0, NULL);                       /* delimited by close */
            else
                finish(g, EPROTO, "connection closed after %llu body bytes%s", g->res.body_len,
                       g->state == C_HEAD ? " (in the response head)" : "");
            return;
        }
        if (errno != EAGAIN) {
            finish(g, errno, "recv: %s", strerror(errno));
            return;
        }
        return;
    }
}

static void on_timeout(struct timer *t, void *arg)
{
    struct http_get *g = arg;
    if (g->state == C_CONNECTING)
        finish(g, ETIMEDOUT, "connect: timed out");
    else
        finish(g, ETIMEDOUT, "timed out after %llu body bytes", g->res.body_len);
}

static struct http_get *get_new(struct six_stack *st, const struct http_get_params *p, const struct http_url *u,
                                http_done_fn done, void *arg, struct http_result *r)
{
    if (!apps_get(st)) {
        r->err = ENOMEM;
        snprintf(r->why, sizeof r->why, "out of memory");
        return NULL;
    }
    struct http_get *g = calloc(1, sizeof *g);
    if (!g || !(g->md = EVP_MD_CTX_new()) || !EVP_DigestInit_ex(g->md, EVP_sha256(), NULL)) {
        if (g)
            EVP_MD_CTX_free(g->md);
        free(g);
        r->err = ENOMEM;
        snprintf(r->why, sizeof r->why, "out of memory");
        return NULL;
    }
    int n = snprintf(g->req, sizeof g->req,
                     "GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: sixstack\r\nAccept: */*\r\nConnection: close\r\n\r\n",
                     u->path, u->host);
    if (n < 0 || (size_t)n >= sizeof g->req) {
        EVP_MD_CTX_free(g->md);
        free(g);
        r->err = EINVAL;
        snprintf(r->why, sizeof r->why, "URL too long");
        return NULL;
    }
    g->req_len = (size_t)n;
    g->st = st;
    g->done = done;
    g->arg = arg;
    g->out_fd = p->out_fd;
    g->body_fn = p->body_fn;
    g->state = C_CONNECTING;
    g->as.sd = -1;
    timer_init(&g->timeout, on_timeout, g);
    return g;
}

/* A literal address: connect now, the rest as the socket becomes ready. */
static bool connect_literal(struct http_get *g, const struct http_url *u, struct http_result *r)
{
    struct six_stack *st = g->st;
    int sd = six_socket(st, u->ss.ss_family, SOCK_STREAM, 0);
    if (sd < 0 || (six_connect(st, sd, (const struct sockaddr *)&u->ss, u->sslen) < 0 && errno != EINPROGRESS)) {
        r->err = errno;
        snprintf(r->why, sizeof r->why, "%s: %s", sd < 0 ? "socket" : "connect", strerror(errno));
        if (sd >= 0)
            six_close(st, sd);
        return false;
    }
    timer_arm_at(st->tw, &g->timeout, g->deadline);
    app_sock_init(&g->as, st, sd, get_ev, g);
    return true;
}

/* A name: the dial found an address that answered (or none did). */
static void dialed(void *arg, const struct app_dial_result *dr)
{
    struct http_get *g = arg;
    g->dial = NULL;
    if (dr->err) {
        finish(g, dr->err, "%s", dr->why);
        return;
    }
    /* still C_CONNECTING: get_ev sees POLLOUT at once and sends the request */
    timer_arm_at(g->st->tw, &g->timeout, g->deadline);
    app_sock_init(&g->as, g->st, dr->sd, get_ev, g);
}

struct http_get *http_get_start(struct six_stack *st, const struct http_get_params *p, http_done_fn done,
                                void *arg, struct http_result *r)
{
    struct http_url u;

    memset(r, 0, sizeof *r);
    if (http_parse_url(st, p->url, &u, r->why, sizeof r->why) < 0) {
        r->err = EINVAL;
        return NULL;
    }
    struct http_get *g = get_new(st, p, &u, done, arg, r);
    if (!g)
        return NULL;
    unsigned ms = p->timeout_ms ? p->timeout_ms : 60000;
    g->deadline = six_now(st) + ms * 1000000ull;
    bool ok = u.literal ? connect_literal(g, &u, r)
                        : (g->dial = app_dial_start(st, u.name, u.port, SOCK_STREAM, ms, dialed, g, r->why,
                                                    sizeof r->why)) != NULL;
    if (!ok) {
        if (!r->err)
            r->err = EINVAL;
        get_free(g);
        return NULL;
    }
    apps_obj_add(st, &g->obj, get_destroy);
    return g;
}
