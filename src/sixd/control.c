/* sixd's control socket: an AF_UNIX SOCK_STREAM listener; each connection
 * carries requests (ctlproto.h) that run through six_cmd_exec().
 *
 * Connection life:
 *   READ   bytes accumulate in rbuf until a whole frame is there; a bad frame
 *          gets an error answer and the connection closes after it is sent.
 *   RUN    a command returned CMD_PENDING (ping): nothing more is parsed
 *          until its done() fires (but its stream's frames, see below).
 *          Completions are only recorded in done() and acted on from the
 *          event loop's idle hook (control_idle), never from inside the
 *          stack's own timer callbacks.
 *   WRITE  the answer (OUT/ERR frames + EXIT) drains without blocking; no new
 *          request is started while an answer is still queued.
 * A client that goes away during RUN leaves an orphan: its fd is closed at
 * once, the struct lives until the completion arrives, then is freed.
 *
 * End of file only means the client shut its sending side (shutdown(SHUT_WR),
 * nc -N, a script, a PF_KEY batch): every complete frame received before it
 * still runs and is answered, then the connection closes. An incomplete
 * frame left at EOF is dropped (logged, counted). A connection that is
 * registered for PF_KEY events stays open after EOF: it still listens.
 * After EOF the fd stays in the event loop only for EPOLLHUP (the client
 * closed its receiving side too) and EV_WRITE: a half-closed socket is
 * always readable.
 *
 * Timeouts, so that idle connections cannot lock the administrator out:
 * a connection must send a complete request within d->ctl_request_timeout
 * of connecting, and is closed after d->ctl_idle_timeout without progress
 * (a request, a completion, bytes of an answer taken by the client), unless
 * it is running a command (which has its own timeout) or is registered for
 * PF_KEY events (sixkey -x must stay open). When the table is full, the
 * oldest connection that has not yet sent a complete request makes room
 * before a new one is refused. One timer on the stack's wheel marks a sweep
 * as due; the sweep runs from the idle hook, like completions.
 *
 * PF_KEY frames (CTL_PFKEY...) are answered at once by pfkey.c; ACQUIRE and
 * EXPIRE for connections that REGISTERed are appended to their answer
 * queue from the stack's callbacks and sent from the idle hook.
 *
 * Streams (sixctl nc, ctlproto.h): a request with CTL_F_STREAM gets the
 * connection's pipe (ctl_stream.c) in its cmd_ctx. While it runs, the
 * client's CTL_DATA/CTL_EOF frames that follow the request in rbuf move
 * into the pipe as it has room (so rbuf fills and reading stops when the
 * command cannot pass bytes on), and the command's output joins the answer
 * queue. The pipe only marks the connection changed; control_idle moves
 * frames, flushes and tells the command. A client that goes away during a
 * streaming command cancels it (nc resets its connection): nobody would
 * read what it says, and a listener could wait forever. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include "sixd/sixd.h"
#include "sixd/sixd_pfkey.h"
#include "sixd/ctl_stream.h"
#include "ctl/cmd.h"
#include "ctl/ctlproto.h"
#include "core/counters.h"
#include "core/evloop.h"
#include "core/log.h"
#include "core/timer.h"
#include "net/stack.h"

#define MAX_CONNS 64
#define RBUF_CAP  (CTL_HDR_LEN + CTL_MAX_PAYLOAD)

struct conn {
    struct conn *next, **pprev;
    struct sixd *d;
    unsigned id;
    int fd;                     /* -1 once the client is gone */
    unsigned events;            /* registered with the evloop */
    uint8_t *rbuf;
    size_t rlen;
    size_t consumed;            /* bytes of rbuf held by the running request */
    struct cmd_out wbuf;        /* encoded answer */
    size_t woff;
    struct cmd_out out, err;
    struct cmd_ctx ctx;
    bool running;               /* a command is executing / pending */
    bool completed;             /* its done() fired; status in done_status */
    int done_status;
    bool close_after_write;
    bool async_queued;          /* PF_KEY messages appended to wbuf, not yet flushed */
    bool eof;                   /* the client shut its sending side */
    bool requested;             /* at least one complete request was received */
    uint64_t connected_at;      /* ns, stack clock */
    uint64_t last_progress;     /* ns: request, completion or answer bytes sent */
    struct sixd_pfkey_conn pk;
    struct sixd_stream stream;  /* ctx.stream points here during a streaming request */
};

static struct conn *conns;
static unsigned nconns, next_id;
static struct timer sweep_timer;
static bool sweep_due;

static void sweep_arm(struct sixd *d, uint64_t at);

static void conn_free(struct conn *c)
{
    if (c->fd >= 0) {
        evloop_del_fd(c->d->ev, c->fd);
        close(c->fd);
    }
    *c->pprev = c->next;
    if (c->next)
        c->next->pprev = c->pprev;
    nconns--;
    free(c->rbuf);
    cmd_out_free(&c->wbuf);
    cmd_out_free(&c->out);
    cmd_out_free(&c->err);
    sixd_pfkey_conn_free(&c->pk);
    sixd_stream_free(&c->stream);
    free(c);
}

/* The client is gone (EOF, error). Free now, unless a command is still
 * pending: then only the fd goes, and the struct waits for done(). */
/* A command that took the connection's stream (sixctl nc) is running. */
static bool conn_streaming(const struct conn *c)
{
    return c->running && !c->completed && c->ctx.stream && c->stream.pipe.notify;
}

static void conn_hangup(struct conn *c)
{
    LOGD("ctl[%u]: client closed%s", c->id, c->running ? " during a pending command" : "");
    if (conn_streaming(c)) {
        LOGI("ctl[%u]: client left during a streaming command (%s): aborted", c->id, c->ctx.pending_what);
        CTR_INC(c->d->st, ctl, stream_aborted);
        six_cmd_cancel(&c->ctx);
        conn_free(c);
        return;
    }
    if (c->running && !c->completed) {
        evloop_del_fd(c->d->ev, c->fd);
        close(c->fd);
        c->fd = -1;
        return;
    }
    conn_free(c);
}

static void conn_set_events(struct conn *c)
{
    if (c->fd < 0)
        return;
    unsigned ev = 0;
    if (!c->close_after_write && !c->eof && c->rlen < RBUF_CAP)
        ev |= EV_READ;
    if (c->woff < c->wbuf.len)
        ev |= EV_WRITE;
    if (ev != c->events) {
        evloop_mod_fd(c->d->ev, c->fd, ev);
        c->events = ev;
    }
}

/* Send what is queued. Returns false if the connection was freed. */
static bool conn_flush(struct conn *c)
{
    while (c->woff < c->wbuf.len) {
        ssize_t n = send(c->fd, c->wbuf.buf + c->woff, c->wbuf.len - c->woff,
                         MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                break;
            conn_hangup(c);
            return false;
        }
        c->woff += (size_t)n;
        c->last_progress = six_now(c->d->st);
    }
    if (c->woff == c->wbuf.len) {
        cmd_out_reset(&c->wbuf);
        c->woff = 0;
        if (c->close_after_write) {
            conn_free(c);
            return false;
        }
    }
    conn_set_events(c);
    return true;
}

static void protocol_error(struct conn *c, int e)
{
    char msg[128];
    snprintf(msg, sizeof msg, "sixd: malformed request: %s\n", ctl_strerror(e));
    LOGW("ctl[%u]: %s", c->id, ctl_strerror(e));
    ctl_encode_text(&c->wbuf, CTL_ERR, msg, strlen(msg));
    ctl_encode_exit(&c->wbuf, 2);
    c->close_after_write = true;
    c->rlen = c->consumed = 0;
}

static void rbuf_consume(struct conn *c, size_t n)
{
    memmove(c->rbuf, c->rbuf + n, c->rlen - n);
    c->rlen -= n;
}

/* Queue the answer of the request that just finished and drop it from rbuf. */
static void conn_answer(struct conn *c, int status)
{
    if (status < 0 || status > 255)
        status = 1;
    ctl_encode_text(&c->wbuf, CTL_OUT, c->out.buf, c->out.len);
    if (c->err.len) {
        if (c->err.buf[c->err.len - 1] != '\n')
            cmd_printf(&c->err, "\n");
        ctl_encode_text(&c->wbuf, CTL_ERR, c->err.buf, c->err.len);
    } else if (status != 0) {
        static const char m[] = "command failed\n";
        ctl_encode_text(&c->wbuf, CTL_ERR, m, sizeof m - 1);
    }
    ctl_encode_exit(&c->wbuf, status);
    rbuf_consume(c, c->consumed);
    c->consumed = 0;
    c->running = c->completed = false;
    c->ctx.stream = NULL;
    sixd_stream_free(&c->stream);      /* late DATA up to the client's EOF is dropped */
    cmd_out_reset(&c->out);
    cmd_out_reset(&c->err);
}

static void conn_done(void *arg, int status)
{
    struct conn *c = arg;
    if (!c->running || c->completed)
        return;            /* stray or repeated completion: ignore */
    c->completed = true;
    c->done_status = status;
}

/* The client has shut its sending side and every complete request it sent
 * is answered: close, saying what was left unfinished. A connection
 * registered for PF_KEY events stays: it still listens. Returns false if c
 * was freed. */
static bool conn_finish_eof(struct conn *c)
{
    if (c->rlen) {
        uint32_t want = c->rlen >= 4 ? (uint32_t)c->rbuf[0] << 24 | (uint32_t)c->rbuf[1] << 16 |
                                       (uint32_t)c->rbuf[2] << 8 | c->rbuf[3] : 0;
        LOGW("ctl[%u]: client shut its side in the middle of a frame (%zu bytes of %s%u): dropped",
             c->id, c->rlen, c->rlen >= 4 ? "" : "at least ", c->rlen >= 4 ? want + CTL_HDR_LEN : CTL_HDR_LEN);
        CTR_INC(c->d->st, ctl, drop_truncated_eof);
    }
    if (c->pk.in_batch) {
        LOGW("ctl[%u]: client shut its side with a PF_KEY batch of %zu messages open (no COMMIT): "
             "nothing of it applied", c->id, c->pk.bn);
        CTR_INC(c->d->st, ctl, drop_batch_eof);
    }
    if (c->pk.cl.registered && !c->rlen && !c->pk.in_batch) {
        LOGD("ctl[%u]: client shut its side; still registered for PF_KEY events", c->id);
        return true;
    }
    LOGD("ctl[%u]: client shut its side; everything answered, closing", c->id);
    conn_free(c);
    return false;
}

/* Remove n bytes at off from rbuf (a stream frame behind the running request). */
static void rbuf_drop(struct conn *c, size_t off, size_t n)
{
    memmove(c->rbuf + off, c->rbuf + off + n, c->rlen - off - n);
    c->rlen -= n;
}

/* A malformed stream frame while its command runs: the command goes, the
 * client gets the error and the connection closes. */
static void stream_fail(struct conn *c, int e)
{
    six_cmd_cancel(&c->ctx);
    c->running = c->completed = false;
    c->ctx.stream = NULL;
    sixd_stream_free(&c->stream);
    protocol_error(c, e);
}

/* While a streaming command runs: move the client's DATA and EOF frames
 * that follow the request into the pipe, as far as it has room. A frame of
 * another type waits in rbuf for the command's end. false: stream_fail. */
static bool stream_take(struct conn *c)
{
    bool moved = false;
    for (;;) {
        uint8_t type;
        const uint8_t *pl;
        uint32_t plen;
        size_t off = c->consumed;
        long n = ctl_frame_peek(c->rbuf + off, c->rlen - off, &type, &pl, &plen);
        if (n == CTL_E_AGAIN) {
            if (c->eof && c->stream.opened && !c->stream.in_eof) {
                sixd_stream_put_eof(&c->stream);   /* shutdown(SHUT_WR) without CTL_EOF: the same */
                moved = true;
            }
            break;
        }
        int e = n < 0 ? (int)n : 0;
        if (!e && type != CTL_DATA && type != CTL_EOF)
            break;
        if (!e && (!c->stream.opened || c->stream.in_eof))
            e = CTL_E_TYPE;        /* before CTL_STREAM, or after the client's EOF */
        if (!e)
            e = ctl_check_stream_frame(type, plen);
        if (e) {
            stream_fail(c, e);
            return false;
        }
        if (type == CTL_EOF)
            sixd_stream_put_eof(&c->stream);
        else if (!sixd_stream_put(&c->stream, pl, plen))
            break;                 /* full: the command takes bytes first */
        rbuf_drop(c, off, (size_t)n);
        moved = true;
    }
    if (moved)
        sixd_stream_notify(&c->stream);
    return true;
}

/* A stream frame with no command to take it: the tail of a finished
 * stream (DATA dropped, EOF closes it) or a malformed request. */
static void stream_late(struct conn *c, uint8_t type, uint32_t plen, size_t n)
{
    int e = ctl_check_stream_frame(type, plen);
    if (!e && (type == CTL_STREAM || !c->stream.opened || c->stream.in_eof))
        e = CTL_E_TYPE;
    if (e) {
        protocol_error(c, e);
        return;
    }
    if (type == CTL_EOF)
        c->stream.in_eof = true;
    else
        CTR_INC(c->d->st, ctl, stream_data_late);
    rbuf_consume(c, n);
}

/* Send what is queued, then run the requests waiting in rbuf one at a time
 * (a client may pipeline several). Returns false if c was freed. */
static bool conn_process(struct conn *c)
{
    for (;;) {
        if (!conn_flush(c))
            return false;
        if (c->fd < 0 || c->close_after_write)
            return true;
        if (conn_streaming(c)) {
            if (!stream_take(c))
                continue;      /* flush the error, then close */
            sixd_stream_notify(&c->stream);   /* room may have come with the flush */
            conn_set_events(c);
            return true;
        }
        if (c->running || c->woff < c->wbuf.len)
            return true;
        uint8_t type;
        const uint8_t *pl;
        uint32_t plen;
        long n = ctl_frame_peek(c->rbuf, c->rlen, &type, &pl, &plen);
        if (n == CTL_E_AGAIN)
            return c->eof ? conn_finish_eof(c) : true;
        if (n > 0) {
            c->requested = true;
            c->last_progress = six_now(c->d->st);
            if (c->d->ctl_idle_timeout_ms)
                sweep_arm(c->d, c->last_progress + (uint64_t)c->d->ctl_idle_timeout_ms * NS_PER_MS);
        }
        if (n > 0 && type >= CTL_STREAM && type <= CTL_EOF) {
            stream_late(c, type, plen, (size_t)n);
            continue;
        }
        if (n > 0 && type >= CTL_PFKEY && type <= CTL_PFKEY_ABORT) {
            if (!sixd_pfkey_frame(c->d, &c->pk, c->id, type, pl, plen, &c->wbuf)) {
                protocol_error(c, CTL_E_LENGTH);
                continue;
            }
            rbuf_consume(c, (size_t)n);
            continue;          /* flush the answer, then the next request */
        }
        struct ctl_request req;
        int e = n < 0 ? (int)n : type != CTL_REQ ? CTL_E_TYPE
                      : ctl_decode_request((uint8_t *)pl, plen, &req);
        if (e < 0) {
            protocol_error(c, e);
            continue;          /* flush the error, then close */
        }
        c->consumed = (size_t)n;
        c->running = true;
        c->completed = false;
        cmd_out_reset(&c->out);
        cmd_out_reset(&c->err);
        c->ctx = (struct cmd_ctx){
            .st = c->d->st, .ev = c->d->ev, .json = (req.flags & CTL_F_JSON) != 0,
            .out = &c->out, .err = &c->err, .done = conn_done, .done_arg = c, .host = c->d->host,
        };
        /* a stream needs room in rbuf for a whole DATA frame behind the request */
        sixd_stream_init(&c->stream, &c->wbuf, &c->woff);
        if ((req.flags & CTL_F_STREAM) && c->consumed + CTL_HDR_LEN + CTL_MAX_DATA <= RBUF_CAP)
            c->ctx.stream = &c->stream.pipe;
        if (six_log_level() >= LOG_DEBUG) {
            char line[256];
            size_t off = 0;
            for (int i = 0; i < req.argc && off < sizeof line - 1; i++) {
                int w = snprintf(line + off, sizeof line - off, "%s%s", i ? " " : "", req.argv[i]);
                if (w < 0)
                    break;
                off += (size_t)w;
            }
            LOGD("ctl[%u]: %s%s", c->id, req.flags & CTL_F_JSON ? "-j " : "", line);
        }
        int status = six_cmd_exec(&c->ctx, req.argc, req.argv);
        if (status == CMD_PENDING)
            continue;          /* done() will come; control_idle finishes it */
        conn_answer(c, status);
    }
}

static void conn_read(struct conn *c)
{
    while (c->rlen < RBUF_CAP) {
        ssize_t n = read(c->fd, c->rbuf + c->rlen, RBUF_CAP - c->rlen);
        if (n > 0) {
            c->rlen += (size_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        if (n < 0) {
            conn_hangup(c);    /* an error: nobody to answer */
            return;
        }
        /* EOF: the client may only have shut its sending side; what it
         * sent before still runs and is answered (conn_process). */
        LOGD("ctl[%u]: end of requests from the client (%zu bytes unread)", c->id, c->rlen);
        c->eof = true;
        break;
    }
    conn_process(c);
}

/* An event while input is not watched: EPOLLHUP or EPOLLERR, which epoll
 * reports anyway. Confirmed with poll() so that a stale event cannot close
 * a live connection. */
static void conn_check_hangup(struct conn *c)
{
    struct pollfd p = { .fd = c->fd, .events = 0 };
    if (poll(&p, 1, 0) == 1 && (p.revents & (POLLHUP | POLLERR)))
        conn_hangup(c);
}

static void on_conn(int fd, unsigned events, void *arg)
{
    struct conn *c = arg;
    (void)fd;
    if ((events & EV_WRITE) && !conn_process(c))
        return;
    if (!(events & EV_READ))
        return;
    if (c->eof || c->close_after_write)
        conn_hangup(c);        /* not watched for input: EPOLLHUP/ERR, the client closed its receiving side too */
    else if (!(c->events & EV_READ))
        conn_check_hangup(c);  /* input paused (rbuf full): only a hangup wakes us */
    else
        conn_read(c);
}

/* ------------------------------------------------------------ timeouts */

static void on_sweep_timer(struct timer *t, void *arg)
{
    (void)t;
    (void)arg;
    sweep_due = true;          /* acted on from control_idle, outside the stack's timers */
}

/* Make sure a sweep runs no later than at (ns). */
static void sweep_arm(struct sixd *d, uint64_t at)
{
    if (at == UINT64_MAX || (timer_pending(&sweep_timer) && sweep_timer.expires <= at))
        return;
    timer_arm_at(d->st->tw, &sweep_timer, at);
}

/* When c times out (UINT64_MAX: it does not). */
static uint64_t conn_deadline(const struct conn *c)
{
    const struct sixd *d = c->d;
    if (c->fd < 0 || c->running)
        return UINT64_MAX;     /* a command in flight has its own timeout */
    if (!c->requested)
        return c->connected_at + (uint64_t)d->ctl_request_timeout_ms * NS_PER_MS;
    if (c->pk.cl.registered || !d->ctl_idle_timeout_ms)
        return UINT64_MAX;     /* a PF_KEY listener waits for ACQUIRE/EXPIRE */
    return c->last_progress + (uint64_t)d->ctl_idle_timeout_ms * NS_PER_MS;
}

static void conn_timeout(struct conn *c, uint64_t now)
{
    if (!c->requested) {
        LOGI("ctl[%u]: no complete request within %u ms of connecting (%zu bytes): closed", c->id,
             c->d->ctl_request_timeout_ms, c->rlen);
        CTR_INC(c->d->st, ctl, request_timeout);
    } else {
        LOGI("ctl[%u]: idle for %llu ms: closed", c->id,
             (unsigned long long)((now - c->last_progress) / NS_PER_MS));
        CTR_INC(c->d->st, ctl, idle_timeout);
    }
    conn_free(c);
}

/* Close the connections whose time is up; re-arm for the next one. */
static void sweep(struct sixd *d)
{
    uint64_t now = six_now(d->st), next = UINT64_MAX;
    struct conn *c = conns;
    while (c) {
        struct conn *nx = c->next;
        uint64_t dl = conn_deadline(c);
        if (dl <= now)
            conn_timeout(c, now);
        else if (dl < next)
            next = dl;
        c = nx;
    }
    if (next != UINT64_MAX)
        sweep_arm(d, next);
}

/* The table is full: close the oldest connection that has not sent a
 * complete request yet (an idle or hostile client), so that an
 * administrator still gets in. false: every connection is in use. */
static bool evict_one(struct sixd *d)
{
    struct conn *victim = NULL;
    for (struct conn *c = conns; c; c = c->next)
        if (c->fd >= 0 && !c->requested && (!victim || c->connected_at < victim->connected_at))
            victim = c;
    if (!victim)
        return false;
    LOGW("ctl[%u]: %u control connections open: closing the oldest one without a request "
         "(connected %llu ms ago, %zu bytes) to let a new one in", victim->id, nconns,
         (unsigned long long)((six_now(d->st) - victim->connected_at) / NS_PER_MS), victim->rlen);
    CTR_INC(d->st, ctl, evicted);
    conn_free(victim);
    return true;
}

static void on_listen(int fd, unsigned events, void *arg)
{
    struct sixd *d = arg;
    for (;;) {
        int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (cfd < 0) {
            if (errno == EINTR)
                continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK)
                LOGW("ctl: accept: %s", strerror(errno));
            return;
        }
        if (nconns >= MAX_CONNS && !evict_one(d)) {
            CTR_INC(d->st, ctl, refused_full);
            struct cmd_out o;
            cmd_out_init(&o);
            static const char m[] = "sixd: too many control connections\n";
            ctl_encode_text(&o, CTL_ERR, m, sizeof m - 1);
            ctl_encode_exit(&o, 1);
            (void)!send(cfd, o.buf, o.len, MSG_NOSIGNAL | MSG_DONTWAIT);
            cmd_out_free(&o);
            close(cfd);
            LOGW("ctl: connection refused: %u connections open", nconns);
            continue;
        }
        struct conn *c = calloc(1, sizeof *c);
        uint8_t *rb = malloc(RBUF_CAP);
        if (!c || !rb) {
            free(c);
            free(rb);
            close(cfd);
            LOGE("ctl: out of memory");
            continue;
        }
        c->d = d;
        c->fd = cfd;
        c->id = ++next_id;
        c->connected_at = c->last_progress = six_now(d->st);
        c->rbuf = rb;
        cmd_out_init(&c->wbuf);
        cmd_out_init(&c->out);
        cmd_out_init(&c->err);
        if (evloop_add_fd(d->ev, cfd, EV_READ, on_conn, c) < 0) {
            LOGE("ctl: cannot watch connection");
            close(cfd);
            free(rb);
            free(c);
            continue;
        }
        c->events = EV_READ;
        c->next = conns;
        c->pprev = &conns;
        if (conns)
            conns->pprev = &c->next;
        conns = c;
        nconns++;
        LOGD("ctl[%u]: connected", c->id);
        sweep_arm(d, c->connected_at + (uint64_t)d->ctl_request_timeout_ms * NS_PER_MS);
    }
}

void control_pfkey_deliver(void *d, uint8_t satype, const uint8_t *msg, size_t len)
{
    (void)d;
    for (struct conn *c = conns; c; c = c->next) {
        if (c->fd < 0 || c->close_after_write || satype >= 32 || !(c->pk.cl.registered & (1u << satype)))
            continue;
        if (c->wbuf.len - c->woff > SIXD_PFKEY_ASYNC_MAX) {
            /* a client that does not read loses messages, as a full PF_KEY socket does */
            if (c->pk.async_dropped++ % 64 == 0)
                LOGW("ctl[%u]: pfkey: client does not read, %llu messages dropped", c->id,
                     (unsigned long long)c->pk.async_dropped);
            continue;
        }
        (void)ctl_encode_frame(&c->wbuf, CTL_PFKEY, msg, len);
        c->async_queued = true;
    }
}

void control_idle(struct sixd *d)
{
    if (sweep_due) {
        sweep_due = false;
        sweep(d);
    }
    struct conn *c = conns;
    while (c) {
        struct conn *next = c->next;
        if (c->stream.changed) {
            c->stream.changed = false;
            if (!conn_process(c)) {   /* moves frames, flushes, tells the command; may free c */
                c = next;
                continue;
            }
        }
        if (c->async_queued) {
            c->async_queued = false;
            if (!conn_process(c)) {   /* flushes; may free c */
                c = next;
                continue;
            }
        }
        if (c->running && c->completed) {
            if (c->fd < 0) {
                LOGD("ctl[%u]: completion for a departed client dropped", c->id);
                conn_free(c);
            } else {
                conn_answer(c, c->done_status);
                c->last_progress = six_now(d->st);
                if (conn_process(c))     /* flushes; may free c */
                    sweep_arm(d, conn_deadline(c));
            }
        }
        c = next;
    }
}

int control_open(struct sixd *d)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    if (strlen(d->sock_path) >= sizeof sa.sun_path) {
        LOGE("control socket path too long: %s", d->sock_path);
        return -1;
    }
    strcpy(sa.sun_path, d->sock_path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        LOGE("socket: %s", strerror(errno));
        return -1;
    }
    struct stat sb;
    if (lstat(d->sock_path, &sb) == 0) {
        if (!S_ISSOCK(sb.st_mode)) {
            LOGE("%s exists and is not a socket", d->sock_path);
            close(fd);
            return -1;
        }
        /* Live (another sixd answers) or stale (left by a crash)? */
        int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (probe >= 0 && connect(probe, (struct sockaddr *)&sa, sizeof sa) == 0) {
            close(probe);
            close(fd);
            LOGE("%s is in use by another sixd", d->sock_path);
            return -1;
        }
        if (probe >= 0)
            close(probe);
        unlink(d->sock_path);
    }
    mode_t old = umask(077);
    int r = bind(fd, (struct sockaddr *)&sa, sizeof sa);
    umask(old);
    if (r < 0) {
        LOGE("bind %s: %s", d->sock_path, strerror(errno));
        close(fd);
        return -1;
    }
    if (chmod(d->sock_path, 0600) < 0 || listen(fd, 16) < 0 ||
        evloop_add_fd(d->ev, fd, EV_READ, on_listen, d) < 0) {
        LOGE("control socket %s: %s", d->sock_path, strerror(errno));
        close(fd);
        unlink(d->sock_path);
        return -1;
    }
    d->listen_fd = fd;
    timer_init(&sweep_timer, on_sweep_timer, d);
    return 0;
}

void control_close(struct sixd *d)
{
    if (d->listen_fd < 0)
        return;
    timer_cancel(&sweep_timer);    /* it lives on the stack's wheel */
    evloop_del_fd(d->ev, d->listen_fd);
    close(d->listen_fd);
    d->listen_fd = -1;
    unlink(d->sock_path);
}

void control_shutdown(struct sixd *d)
{
    while (conns)
        conn_free(conns);
}
