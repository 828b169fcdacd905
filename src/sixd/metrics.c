/* sixd's Prometheus endpoint. `metrics listen ADDR:PORT` opens a TCP
 * listener on the HOST's network (a kernel socket in sixd's event loop,
 * not the userspace stack: Prometheus reaches sixd the way it reaches any
 * exporter) that answers GET /metrics with src/ctl/prom.c's text, the same
 * as `sixctl stats -o prometheus`. Off until asked; `metrics listen off`
 * closes it again. See docs/METRICS.md.
 *
 * HTTP is kept to what a scraper needs, and bounded against abuse:
 *  - one request per connection (Connection: close). GET or HEAD of
 *    /metrics (a query string is ignored) → 200; another path → 404; another
 *    method → 405 with Allow; a malformed request line → 400. A body is
 *    never read.
 *  - the request head (request line and header fields) is at most
 *    MX_REQ_MAX bytes: 431 beyond.
 *  - a client has MX_REQUEST_MS from connecting to send its whole request
 *    and MX_ANSWER_MS to take the answer; then the connection is closed
 *    (slowloris, slow readers).
 *  - at most MX_MAX_CONNS connections. A new one first evicts the oldest
 *    that is not being answered (still sending its request, or already
 *    answered); when every one is being answered, it is refused.
 *  - once the answer is sent, sixd shuts its sending side and reads, and
 *    throws away, what the client still sends until it closes (at most
 *    MX_LINGER_BYTES, MX_LINGER_MS): closing a socket with unread input
 *    resets the connection and can lose the answer on the way (RFC 9112
 *    §9.6, "lingering close").
 * Counted in metrics.*; per-connection events are debug logs only, so a
 * scanner cannot fill the log. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include "sixd/sixd.h"
#include "ctl/cmd.h"
#include "ctl/prom.h"
#include "core/counters.h"
#include "core/evloop.h"
#include "core/log.h"
#include "core/timer.h"
#include "net/stack.h"

#define MX_MAX_CONNS     16
#define MX_REQ_MAX       4096u      /* a Prometheus scrape's head is ~400 bytes */
#define MX_REQUEST_MS    5000u
#define MX_ANSWER_MS     10000u     /* Prometheus' default scrape timeout */
#define MX_LINGER_MS     2000u
#define MX_LINGER_BYTES  65536u
#define MX_ACCEPT_BURST  32
#define MX_ADDR_MAX      (INET6_ADDRSTRLEN + 10)

enum mx_state { MX_READ, MX_WRITE, MX_LINGER };

struct mconn {
    struct mconn *next, **pprev;
    struct sixd_metrics *m;
    unsigned id;
    int fd;
    enum mx_state state;
    unsigned events;
    uint64_t connected_at, deadline;
    size_t rlen, discarded;
    struct cmd_out resp;
    size_t woff;
    char req[MX_REQ_MAX];
};

struct sixd_metrics {
    struct sixd *d;
    struct cmd_host host;
    int lfd;                            /* -1: off */
    struct sockaddr_storage addr;
    socklen_t addrlen;
    char addr_str[MX_ADDR_MAX];
    struct mconn *conns;
    unsigned nconns, next_id;
    struct timer timer;
};

static struct six_stack *stk(const struct mconn *c) { return c->m->d->st; }

/* ----------------------------------------------------------- connections */

static void mc_free(struct mconn *c)
{
    evloop_del_fd(c->m->d->ev, c->fd);
    close(c->fd);
    *c->pprev = c->next;
    if (c->next)
        c->next->pprev = c->pprev;
    c->m->nconns--;
    cmd_out_free(&c->resp);
    free(c);
}

static void mc_events(struct mconn *c, unsigned ev)
{
    if (ev != c->events && evloop_mod_fd(c->m->d->ev, c->fd, ev) == 0)
        c->events = ev;
}

static void timer_rearm(struct sixd_metrics *m)
{
    uint64_t next = UINT64_MAX;
    for (struct mconn *c = m->conns; c; c = c->next)
        if (c->deadline < next)
            next = c->deadline;
    if (next == UINT64_MAX)
        timer_cancel(&m->timer);
    else if (!timer_pending(&m->timer) || m->timer.expires != next)
        timer_arm_at(m->d->st->tw, &m->timer, next);
}

/* Where the head (request line and fields) ends: after the first empty
 * line (CRLF or a bare LF, RFC 9112 §2.2); 0 if not there yet. */
static size_t head_end(const char *b, size_t n)
{
    for (size_t i = 0; i + 1 < n; i++) {
        if (b[i] != '\n')
            continue;
        if (b[i + 1] == '\n')
            return i + 2;
        if (b[i + 1] == '\r' && i + 2 < n && b[i + 2] == '\n')
            return i + 3;
    }
    return 0;
}

static bool is_tchar(char ch)   /* RFC 9110 §5.6.2 */
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           (ch && strchr("!#$%&'*+-.^_`|~", ch));
}

struct mx_request { int status; bool head; };

/* The request line: METHOD SP TARGET SP HTTP/1.x. */
static struct mx_request classify(const char *r, size_t hl)
{
    struct mx_request q = { 400, false };
    const char *eol = memchr(r, '\n', hl);
    size_t ll = (size_t)(eol - r);
    if (ll && r[ll - 1] == '\r')
        ll--;
    const char *sp1 = memchr(r, ' ', ll);
    const char *sp2 = sp1 ? memchr(sp1 + 1, ' ', (size_t)(r + ll - sp1 - 1)) : NULL;
    if (!sp1 || !sp2 || sp1 == r || sp2 == sp1 + 1)
        return q;
    const char *ver = sp2 + 1;
    size_t ml = (size_t)(sp1 - r), tl = (size_t)(sp2 - sp1 - 1), vl = (size_t)(r + ll - ver);
    if (vl != 8 || (memcmp(ver, "HTTP/1.1", 8) && memcmp(ver, "HTTP/1.0", 8)))
        return q;
    for (size_t i = 0; i < ml; i++)
        if (!is_tchar(r[i]))
            return q;
    q.head = ml == 4 && !memcmp(r, "HEAD", 4);
    if (!q.head && !(ml == 3 && !memcmp(r, "GET", 3))) {
        q.status = 405;
        return q;
    }
    const char *t = sp1 + 1;
    bool metrics = tl >= 8 && !memcmp(t, "/metrics", 8) && (tl == 8 || t[8] == '?');
    q.status = metrics ? 200 : 404;
    return q;
}

static const char *reason_of(int status)
{
    switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    default:  return "Request Header Fields Too Large";
    }
}

static void mc_write(struct mconn *c);

/* Queue the answer and start sending it. */
static void mc_answer(struct mconn *c, struct mx_request q)
{
    struct six_stack *st = stk(c);
    struct cmd_out body;
    cmd_out_init(&body);
    switch (q.status) {
    case 200: {
        CTR_INC(st, metrics, scrapes);
        prom_write(&body, st, NULL);
        break;
    }
    case 404:
        CTR_INC(st, metrics, http_not_found);
        cmd_printf(&body, "not found: the metrics are at /metrics\n");
        break;
    case 405:
        CTR_INC(st, metrics, http_bad_method);
        cmd_printf(&body, "method not allowed: GET /metrics\n");
        break;
    case 431:
        CTR_INC(st, metrics, http_too_long);
        cmd_printf(&body, "request head longer than %u bytes\n", MX_REQ_MAX);
        break;
    default:
        CTR_INC(st, metrics, http_bad_request);
        cmd_printf(&body, "bad request\n");
        break;
    }
    LOGD("metrics[%u]: %d", c->id, q.status);
    cmd_printf(&c->resp,
               "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n%sCache-Control: no-store\r\n"
               "Connection: close\r\n\r\n",
               q.status, reason_of(q.status), q.status == 200 ? PROM_CONTENT_TYPE : "text/plain; charset=utf-8",
               body.len, q.status == 405 ? "Allow: GET, HEAD\r\n" : "");
    if (!q.head && body.len)
        cmd_printf(&c->resp, "%.*s", (int)body.len, body.buf);
    cmd_out_free(&body);
    c->state = MX_WRITE;
    c->deadline = six_now(st) + (uint64_t)MX_ANSWER_MS * NS_PER_MS;
    timer_rearm(c->m);
    mc_write(c);
}

/* Read and throw away what the client sends after its answer, until it
 * closes; c may be freed. */
static void mc_linger(struct mconn *c)
{
    char scratch[4096];
    for (;;) {
        ssize_t n = recv(c->fd, scratch, sizeof scratch, MSG_DONTWAIT);
        if (n > 0) {
            c->discarded += (size_t)n;
            if (c->discarded > MX_LINGER_BYTES)
                break;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return;
        break;                 /* EOF or an error: done */
    }
    mc_free(c);
}

static void mc_write(struct mconn *c)
{
    while (c->woff < c->resp.len) {
        ssize_t n = send(c->fd, c->resp.buf + c->woff, c->resp.len - c->woff, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            mc_events(c, EV_WRITE);
            return;
        }
        if (n < 0) {
            mc_free(c);        /* the client went away */
            return;
        }
        c->woff += (size_t)n;
    }
    cmd_out_free(&c->resp);
    cmd_out_init(&c->resp);
    shutdown(c->fd, SHUT_WR);
    c->state = MX_LINGER;
    uint64_t linger = six_now(stk(c)) + (uint64_t)MX_LINGER_MS * NS_PER_MS;
    if (linger < c->deadline)
        c->deadline = linger;
    timer_rearm(c->m);
    mc_events(c, EV_READ);
    mc_linger(c);
}

static void mc_read(struct mconn *c)
{
    for (;;) {
        if (c->rlen == MX_REQ_MAX) {
            mc_answer(c, (struct mx_request){ 431, false });
            return;
        }
        ssize_t n = recv(c->fd, c->req + c->rlen, MX_REQ_MAX - c->rlen, MSG_DONTWAIT);
        if (n > 0) {
            size_t from = c->rlen > 2 ? c->rlen - 2 : 0;   /* the empty line may straddle two reads */
            c->rlen += (size_t)n;
            size_t hl = head_end(c->req + from, c->rlen - from);
            if (hl) {
                mc_answer(c, classify(c->req, from + hl));
                return;
            }
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return;
        LOGD("metrics[%u]: closed by the client before a whole request (%zu bytes)", c->id, c->rlen);
        mc_free(c);            /* EOF or an error before a whole request: nobody to answer */
        return;
    }
}

static void on_conn(int fd, unsigned events, void *arg)
{
    struct mconn *c = arg;
    (void)fd;
    switch (c->state) {
    case MX_READ:   mc_read(c); break;
    case MX_WRITE:  mc_write(c); break;     /* a hangup shows as a failed send */
    case MX_LINGER: mc_linger(c); break;
    }
}

/* ------------------------------------------------------ timeouts, table */

static void on_timer(struct timer *t, void *arg)
{
    struct sixd_metrics *m = arg;
    uint64_t now = six_now(m->d->st);
    (void)t;
    for (struct mconn *c = m->conns, *nx; c; c = nx) {
        nx = c->next;
        if (c->deadline > now)
            continue;
        if (c->state != MX_LINGER) {
            LOGD("metrics[%u]: %s too slow: closed", c->id,
                 c->state == MX_READ ? "request (slowloris?)" : "reader of the answer");
            CTR_INC(m->d->st, metrics, http_timeout);
        }
        mc_free(c);
    }
    timer_rearm(m);
}

/* The table is full: close the oldest connection that is not being
 * answered. false: every one is. */
static bool evict_one(struct sixd_metrics *m)
{
    struct mconn *victim = NULL;
    for (struct mconn *c = m->conns; c; c = c->next)
        if (c->state != MX_WRITE && (!victim || c->connected_at < victim->connected_at))
            victim = c;
    if (!victim)
        return false;
    LOGD("metrics[%u]: %u connections open: closing the oldest one not being answered", victim->id, m->nconns);
    if (victim->state == MX_READ)
        CTR_INC(m->d->st, metrics, http_evicted);
    mc_free(victim);
    return true;
}

static void mc_new(struct sixd_metrics *m, int fd)
{
    struct six_stack *st = m->d->st;
    if (m->nconns >= MX_MAX_CONNS && !evict_one(m)) {
        CTR_INC(st, metrics, http_refused);
        close(fd);
        return;
    }
    struct mconn *c = calloc(1, sizeof *c);
    if (!c || evloop_add_fd(m->d->ev, fd, EV_READ, on_conn, c) < 0) {
        CTR_INC(st, metrics, http_refused);
        free(c);
        close(fd);
        return;
    }
    c->m = m;
    c->fd = fd;
    c->id = ++m->next_id;
    c->events = EV_READ;
    c->state = MX_READ;
    c->connected_at = six_now(st);
    c->deadline = c->connected_at + (uint64_t)MX_REQUEST_MS * NS_PER_MS;
    cmd_out_init(&c->resp);
    c->next = m->conns;
    c->pprev = &m->conns;
    if (m->conns)
        m->conns->pprev = &c->next;
    m->conns = c;
    m->nconns++;
    timer_rearm(m);
    mc_read(c);                /* a fast client's request may be there already */
}

static void on_listen(int fd, unsigned events, void *arg)
{
    struct sixd_metrics *m = arg;
    (void)events;
    for (int i = 0; i < MX_ACCEPT_BURST; i++) {
        int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (cfd < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR && errno != ECONNABORTED)
                LOGW("metrics: accept on %s: %s", m->addr_str, strerror(errno));
            return;
        }
        mc_new(m, cfd);
    }
}

/* ------------------------------------------------------------- listener */

static void addr_format(const struct sockaddr *sa, char *buf, size_t n)
{
    char a[INET6_ADDRSTRLEN];
    if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
        inet_ntop(AF_INET6, &s6->sin6_addr, a, sizeof a);
        snprintf(buf, n, "[%s]:%u", a, ntohs(s6->sin6_port));
    } else {
        const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;
        inet_ntop(AF_INET, &s4->sin_addr, a, sizeof a);
        snprintf(buf, n, "%s:%u", a, ntohs(s4->sin_port));
    }
}

static void listener_close(struct sixd_metrics *m)
{
    if (m->lfd < 0)
        return;
    evloop_del_fd(m->d->ev, m->lfd);
    close(m->lfd);
    m->lfd = -1;
    LOGI("metrics: no longer listening on %s", m->addr_str);
    m->addr_str[0] = '\0';
    m->addrlen = 0;
}

static int listener_open(struct sixd_metrics *m, const struct sockaddr *sa, socklen_t len, char *why, size_t wn)
{
    int fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 || bind(fd, sa, len) < 0 ||
        listen(fd, MX_MAX_CONNS) < 0) {
        snprintf(why, wn, "%s", strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    int r = evloop_add_fd(m->d->ev, fd, EV_READ, on_listen, m);
    if (r < 0) {
        snprintf(why, wn, "%s", strerror(-r));
        close(fd);
        return -1;
    }
    listener_close(m);         /* the new one is open: the old one may go */
    m->lfd = fd;
    memcpy(&m->addr, sa, len);
    m->addrlen = len;
    addr_format(sa, m->addr_str, sizeof m->addr_str);
    LOGI("metrics: listening on %s (HTTP GET /metrics)", m->addr_str);
    return 0;
}

/* cmd_host hook: listen on sa, or stop listening (sa NULL). The same
 * address again changes nothing (a reloaded configuration); another one is
 * opened before the old one closes, so a failure leaves the old one. */
static int hook_listen(void *arg, const struct sockaddr *sa, unsigned salen, char *why, size_t wn)
{
    struct sixd_metrics *m = arg;
    if (!sa) {
        listener_close(m);
        return 0;
    }
    if (m->lfd >= 0 && salen == m->addrlen && !memcmp(&m->addr, sa, salen))
        return 0;
    return listener_open(m, sa, (socklen_t)salen, why, wn);
}

static void hook_addr(void *arg, char *buf, size_t n)
{
    const struct sixd_metrics *m = arg;
    snprintf(buf, n, "%s", m->lfd >= 0 ? m->addr_str : "");
}

static const char *hook_state_dir(void *arg)
{
    const struct sixd_metrics *m = arg;
    return m->d->state_dir;
}

int sixd_metrics_init(struct sixd *d)
{
    struct sixd_metrics *m = calloc(1, sizeof *m);
    if (!m)
        return -1;
    m->d = d;
    m->lfd = -1;
    m->host = (struct cmd_host){ .arg = m, .metrics_listen = hook_listen,
                                 .metrics_addr = hook_addr, .state_dir = hook_state_dir };
    timer_init(&m->timer, on_timer, m);
    d->metrics = m;
    d->host = &m->host;
    return 0;
}

void sixd_metrics_fini(struct sixd *d)
{
    struct sixd_metrics *m = d->metrics;
    if (!m)
        return;
    while (m->conns)
        mc_free(m->conns);
    listener_close(m);
    timer_cancel(&m->timer);
    d->metrics = NULL;
    d->host = NULL;
    free(m);
}
