/* nc, the probe behind `sixctl nc`: one TCP exchange (connect, send, read
 * until the peer closes or the wait ends), one UDP datagram and its reply,
 * or a dual-stack listen for the first message (TCP: one connection read to
 * its end; UDP: one datagram). A host name is looked up with the stack's
 * resolver: TCP tries its addresses in turn (dial.c), UDP sends to the
 * first.
 *
 * Stream mode (p.pipe, `sixctl nc HOST PORT < file`, `sixctl nc -l PORT`):
 * once the TCP connection is up, pump() moves bytes both ways between it
 * and the pipe, each way only as fast as the other end takes them (peek/
 * consume against six_send, room() against six_recv), so no buffer here
 * grows: a slow peer keeps the client's bytes in the pipe, a slow client
 * closes the TCP window. The pipe's end shuts our sending side; the peer's
 * FIN, once everything before it is in the pipe, ends the op. */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include "apps/apps_int.h"
#include "net/stack.h"
#include "six/socket.h"

#define NC_MAX_TEXT 65536

struct nc_op {
    struct app_obj obj;
    struct six_stack *st;
    struct nc_params p;
    struct app_sock as, cs;           /* main socket; accepted connection (TCP listen) */
    struct timer timeout;
    nc_data_fn data;
    nc_done_fn done;
    void *arg;
    struct nc_result res;
    uint8_t *text;
    size_t sent;
    bool connected;
    struct app_dial *dial;            /* a host name being looked up (and, TCP, connected to) */
    uint64_t deadline;                /* ns: the end of the wait from the start */
    struct app_sock *stream;          /* stream mode: the connection joined to p.pipe, once up */
    bool out_shut;                    /* stream mode: the pipe ended, our FIN is queued */
};

static void op_free(struct nc_op *op)
{
    if (op->p.pipe)
        op->p.pipe->notify = NULL;
    app_dial_cancel(op->dial);
    app_sock_close(&op->cs);
    app_sock_close(&op->as);
    timer_cancel(&op->timeout);
    free(op->text);
    free(op);
}

static void op_destroy(struct app_obj *o)
{
    op_free(APPS_CONTAINER(o, struct nc_op, obj));
}

void nc_cancel(struct nc_op *op)
{
    if (!op)
        return;
    if (op->stream && op->stream->sd >= 0) {
        /* nobody is left to read or write: reset, do not let it linger */
        struct linger l = { .l_onoff = 1, .l_linger = 0 };
        six_setsockopt(op->st, op->stream->sd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    }
    apps_obj_del(&op->obj);
    op_free(op);
}

static void finish(struct nc_op *op, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void finish(struct nc_op *op, int err, const char *fmt, ...)
{
    op->res.err = err;
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(op->res.why, sizeof op->res.why, fmt, ap);
        va_end(ap);
    }
    struct nc_result r = op->res;
    nc_done_fn done = op->done;
    void *arg = op->arg;
    apps_obj_del(&op->obj);
    op_free(op);
    done(arg, &r);
}

/* Read a stream to its end. false: finished. */
static bool stream_read(struct nc_op *op, struct app_sock *as)
{
    uint8_t buf[16384];
    for (;;) {
        ssize_t n = six_recv(op->st, as->sd, buf, sizeof buf, 0);
        if (n > 0) {
            op->res.got_reply = true;
            op->res.bytes += (unsigned long long)n;
            op->data(op->arg, buf, (size_t)n);
            continue;
        }
        if (n == 0) {
            finish(op, 0, NULL);
            return false;
        }
        if (errno == EAGAIN)
            return true;
        if (errno == ECONNRESET && op->res.got_reply) {
            finish(op, 0, NULL);
            return false;
        }
        finish(op, errno, "recv: %s", strerror(errno));
        return false;
    }
}

static void arm_idle(struct nc_op *op)
{
    if (op->p.idle_ms)
        apps_timer_arm(op->st, &op->timeout, op->p.idle_ms);
}

/* Stream mode: move what can move, both ways. */
static void pump(struct nc_op *op)
{
    struct six_pipe *pp = op->p.pipe;
    int sd = op->stream->sd;
    bool moved = false;
    while (!op->out_shut) {                   /* client → peer */
        const void *d;
        size_t n = pp->peek(pp, &d);
        if (n == 0) {
            if (pp->eof(pp)) {
                six_shutdown(op->st, sd, SHUT_WR);
                op->out_shut = true;
            }
            break;
        }
        ssize_t k = six_send(op->st, sd, d, n, 0);
        if (k < 0) {
            if (errno == EAGAIN)
                break;
            if (errno == EPIPE || errno == ECONNRESET)
                finish(op, errno, "the peer closed the connection (%zu bytes sent)", op->sent);
            else
                finish(op, errno, "send: %s", strerror(errno));
            return;
        }
        pp->consume(pp, (size_t)k);
        op->sent += (size_t)k;
        moved = true;
    }
    for (;;) {                                /* peer → client */
        uint8_t buf[16384];
        size_t room = pp->room(pp);
        if (room == 0)
            break;
        ssize_t k = six_recv(op->st, sd, buf, room < sizeof buf ? room : sizeof buf, 0);
        if (k > 0) {
            pp->write(pp, buf, (size_t)k);
            op->res.got_reply = true;
            op->res.bytes += (unsigned long long)k;
            moved = true;
            continue;
        }
        if (k == 0) {
            finish(op, 0, NULL);              /* the peer closed; all it sent is in the pipe */
            return;
        }
        if (errno == EAGAIN)
            break;
        finish(op, errno, "%s", errno == ECONNRESET ? "connection reset by peer" : strerror(errno));
        return;
    }
    if (moved)
        arm_idle(op);
}

static void pipe_notify(void *arg)
{
    struct nc_op *op = arg;
    if (op->stream)
        app_sock_kick(op->stream);            /* pump later, from the ready queue */
}

/* Stream mode: the connection is up; join it to the pipe. */
static void stream_begin(struct nc_op *op, struct app_sock *as)
{
    op->stream = as;
    timer_cancel(&op->timeout);
    arm_idle(op);
    op->p.pipe->open(op->p.pipe);
    pump(op);
}

static void tcp_ev(struct app_sock *as, short rev)
{
    struct nc_op *op = as->ctx;
    if (op->stream) {
        pump(op);
        return;
    }
    if (!op->connected) {
        if (rev & POLLERR) {
            int e = 0;
            socklen_t el = sizeof e;
            six_getsockopt(op->st, as->sd, SOL_SOCKET, SO_ERROR, &e, &el);
            finish(op, e ? e : ECONNREFUSED, "connect: %s", strerror(e ? e : ECONNREFUSED));
            return;
        }
        if (!(rev & POLLOUT))
            return;
        op->connected = true;
        if (op->p.pipe) {
            stream_begin(op, as);
            return;
        }
    }
    while (op->sent < op->p.text_len) {
        ssize_t n = six_send(op->st, as->sd, op->text + op->sent, op->p.text_len - op->sent, 0);
        if (n < 0) {
            if (errno == EAGAIN)
                break;
            finish(op, errno, "send: %s", strerror(errno));
            return;
        }
        op->sent += (size_t)n;
        if (op->sent == op->p.text_len && op->p.half_close)
            six_shutdown(op->st, as->sd, SHUT_WR);
    }
    stream_read(op, as);
}

/* RFC 3542 §6: what the datagram's IPv6 (or IPv4, mapped) header said. */
static void format_anc(struct msghdr *msg, char *out, size_t outn)
{
    char addr[INET6_ADDRSTRLEN] = "?";
    unsigned ifindex = 0;
    int hlim = -1, tclass = -1;

    for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR(msg, c)) {
        if (c->cmsg_level != IPPROTO_IPV6)
            continue;
        if (c->cmsg_type == IPV6_PKTINFO && c->cmsg_len >= CMSG_LEN(sizeof(struct in6_pktinfo))) {
            struct in6_pktinfo pi;
            memcpy(&pi, CMSG_DATA(c), sizeof pi);
            inet_ntop(AF_INET6, &pi.ipi6_addr, addr, sizeof addr);
            ifindex = pi.ipi6_ifindex;
        } else if (c->cmsg_type == IPV6_HOPLIMIT && c->cmsg_len >= CMSG_LEN(sizeof(int))) {
            memcpy(&hlim, CMSG_DATA(c), sizeof hlim);
        } else if (c->cmsg_type == IPV6_TCLASS && c->cmsg_len >= CMSG_LEN(sizeof(int))) {
            memcpy(&tclass, CMSG_DATA(c), sizeof tclass);
        }
    }
    snprintf(out, outn, "to %s ifindex %u hoplimit %d tclass %d", addr, ifindex, hlim, tclass);
}

static void udp_ev(struct app_sock *as, short rev)
{
    struct nc_op *op = as->ctx;
    static uint8_t buf[65536];
    struct sockaddr_storage from;
    union { struct cmsghdr align; uint8_t b[256]; } cbuf;
    struct iovec iov = { .iov_base = buf, .iov_len = sizeof buf };
    struct msghdr msg = { .msg_name = &from, .msg_namelen = sizeof from, .msg_iov = &iov, .msg_iovlen = 1,
                          .msg_control = cbuf.b, .msg_controllen = sizeof cbuf.b };
    ssize_t n = six_recvmsg(op->st, as->sd, &msg, 0);
    if (n < 0) {
        if (errno == EAGAIN)
            return;
        finish(op, errno, "%s", strerror(errno));
        return;
    }
    op->res.got_reply = true;
    op->res.bytes = (unsigned long long)n;
    apps_sa_str((struct sockaddr *)&from, op->res.peer, sizeof op->res.peer);
    if (op->p.anc)
        format_anc(&msg, op->res.anc, sizeof op->res.anc);
    op->data(op->arg, buf, (size_t)n);
    finish(op, 0, NULL);
}

static void conn_ev(struct app_sock *as, short rev)
{
    struct nc_op *op = as->ctx;
    if (op->stream)
        pump(op);
    else
        stream_read(op, as);
}

static void listen_ev(struct app_sock *as, short rev)
{
    struct nc_op *op = as->ctx;
    if (op->cs.sd >= 0 && op->cs.st)
        return;
    struct sockaddr_storage from;
    socklen_t fl = sizeof from;
    int sd = six_accept(op->st, as->sd, (struct sockaddr *)&from, &fl);
    if (sd < 0)
        return;
    apps_sa_str((struct sockaddr *)&from, op->res.peer, sizeof op->res.peer);
    app_sock_close(&op->as);          /* one connection only */
    app_sock_init(&op->cs, op->st, sd, conn_ev, op);
    if (op->p.pipe)
        stream_begin(op, &op->cs);
}

static void on_timeout(struct timer *t, void *arg)
{
    struct nc_op *op = arg;
    if (op->stream)
        finish(op, 0, NULL);          /* -w: idle that long, closed quietly as nc does */
    else if (op->p.pipe && op->p.listen)
        finish(op, ETIMEDOUT, "no connection within %u s", op->p.wait_ms / 1000);
    else if (!op->p.listen && !op->p.udp && !op->connected)
        finish(op, ETIMEDOUT, "connect: timed out");
    else if (op->p.listen && !op->res.got_reply)
        finish(op, ETIMEDOUT, "nothing received within %u s", op->p.wait_ms / 1000);
    else
        finish(op, 0, NULL);          /* waited long enough: what came is the answer */
}

/* The socket of a connect or send mode, its connect started or its datagram
 * sent; -1 with errno. */
static int open_to(struct nc_op *op, const struct sockaddr_storage *to, socklen_t tolen)
{
    struct six_stack *st = op->st;
    int sd = six_socket(st, to->ss_family, op->p.udp ? SOCK_DGRAM : SOCK_STREAM, 0);
    if (sd < 0)
        return -1;
    int rc = op->p.udp ? (int)six_sendto(st, sd, op->text, op->p.text_len, 0, (const struct sockaddr *)to, tolen)
                       : six_connect(st, sd, (const struct sockaddr *)to, tolen);
    if (rc < 0 && (op->p.udp || errno != EINPROGRESS)) {
        int e = errno;
        six_close(st, sd);
        errno = e;
        return -1;
    }
    return sd;
}

static int open_listen(struct nc_op *op)
{
    struct six_stack *st = op->st;
    int sd = apps_dual_socket(st, op->p.udp ? SOCK_DGRAM : SOCK_STREAM, op->p.port, 1);
    if (sd >= 0 && op->p.udp && op->p.anc) {
        int on = 1;
        six_setsockopt(st, sd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on, sizeof on);
        six_setsockopt(st, sd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, &on, sizeof on);
        six_setsockopt(st, sd, IPPROTO_IPV6, IPV6_RECVTCLASS, &on, sizeof on);
    }
    return sd;
}

/* The op's socket is open: wait for it (the timer ends the wait at `at`). */
static void op_go(struct nc_op *op, int sd, uint64_t at)
{
    if (!(op->p.pipe && !op->p.wait_ms))  /* a stream's listen may wait forever */
        timer_arm_at(op->st->tw, &op->timeout, at);
    app_sock_init(&op->as, op->st, sd, op->p.udp ? udp_ev : op->p.listen ? listen_ev : tcp_ev, op);
}

/* A name: TCP has a connected socket (or no address answered); UDP has the
 * address to send to. */
static void dialed(void *arg, const struct app_dial_result *dr)
{
    struct nc_op *op = arg;
    op->dial = NULL;
    if (dr->err) {
        finish(op, dr->err, "%s", dr->why);
        return;
    }
    if (!op->p.udp) {
        op_go(op, dr->sd, op->deadline);
        return;
    }
    int sd = open_to(op, &dr->peer, dr->peerlen);
    if (sd < 0) {
        int e = errno;
        char a[80];
        finish(op, e, "%s: %s", apps_sa_str((const struct sockaddr *)&dr->peer, a, sizeof a), strerror(e));
        return;
    }
    /* the reply wait starts when the datagram has left */
    op_go(op, sd, six_now(op->st) + (uint64_t)(op->p.wait_ms ? op->p.wait_ms : 1) * 1000000ull);
}

static struct nc_op *op_new(struct six_stack *st, const struct nc_params *p, nc_data_fn data, nc_done_fn done,
                            void *arg, struct nc_result *r)
{
    if (p->text_len > NC_MAX_TEXT) {
        r->err = EMSGSIZE;
        snprintf(r->why, sizeof r->why, "text over %u bytes", NC_MAX_TEXT);
        return NULL;
    }
    struct nc_op *op = calloc(1, sizeof *op);
    if (!op || !apps_get(st) || !(op->text = malloc(p->text_len + 1))) {
        free(op);
        r->err = ENOMEM;
        snprintf(r->why, sizeof r->why, "out of memory");
        return NULL;
    }
    if (p->text_len)
        memcpy(op->text, p->text, p->text_len);
    op->st = st;
    op->p = *p;
    op->p.text = NULL;
    op->p.name = NULL;                /* the caller's string: not kept */
    op->data = data;
    op->done = done;
    op->arg = arg;
    op->as.sd = op->cs.sd = -1;
    op->deadline = six_now(st) + (uint64_t)(p->wait_ms ? p->wait_ms : 1) * 1000000ull;
    timer_init(&op->timeout, on_timeout, op);
    if (p->pipe) {                    /* taken now: the owner knows this command streams */
        p->pipe->notify = pipe_notify;
        p->pipe->notify_arg = op;
    }
    return op;
}

struct nc_op *nc_start(struct six_stack *st, const struct nc_params *p, nc_data_fn data, nc_done_fn done,
                       void *arg, struct nc_result *r)
{
    memset(r, 0, sizeof *r);
    struct nc_op *op = op_new(st, p, data, done, arg, r);
    if (!op)
        return NULL;
    if (p->name && !p->listen) {
        /* UDP: the lookup is bounded by the resolver's own timeouts; -w is the reply wait */
        op->dial = app_dial_start(st, p->name, p->port, p->udp ? SOCK_DGRAM : SOCK_STREAM,
                                  p->udp ? 0 : p->wait_ms, dialed, op, r->why, sizeof r->why);
        if (!op->dial) {
            r->err = EINVAL;
            op_free(op);
            return NULL;
        }
    } else {
        int sd = p->listen ? open_listen(op) : open_to(op, &p->to, p->tolen);
        if (sd < 0) {
            r->err = errno;
            snprintf(r->why, sizeof r->why, "%s", strerror(errno));
            op_free(op);
            return NULL;
        }
        op_go(op, sd, op->deadline);
    }
    apps_obj_add(st, &op->obj, op_destroy);
    return op;
}
