/* Echo service (RFC 862) on both families: one AF_INET6 TCP listener and one
 * AF_INET6 UDP socket, IPV6_V6ONLY off, so IPv4 clients arrive as
 * IPv4-mapped addresses.
 *
 * Caps: ECHO_MAX_CONNS TCP connections (more are accepted and closed at
 * once); each holds a 16 KiB buffer of data read but not yet sent back, and
 * reads nothing more while it is full (the peer's window does the rest).
 * Connections idle for ECHO_IDLE_MS are closed. */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include "apps/apps_int.h"
#include "net/stack.h"
#include "six/socket.h"

#define ECHO_BUF 16384

struct echo_conn {
    struct app_sock as;
    struct echo_svc *svc;
    struct echo_conn *next, *prev;
    uint8_t buf[ECHO_BUF];
    size_t off, len;                 /* pending bytes: buf[off, off+len) */
    bool eof;
    uint64_t last_ns;
};

struct echo_svc {
    struct app_obj obj;
    struct six_stack *st;
    struct app_sock ls, us;          /* TCP listener, UDP socket */
    struct echo_conn *conns;
    struct timer tick;
    struct svc_info info;
};

static void conn_free(struct echo_conn *c)
{
    struct echo_svc *s = c->svc;
    app_sock_close(&c->as);
    if (c->prev) c->prev->next = c->next; else s->conns = c->next;
    if (c->next) c->next->prev = c->prev;
    s->info.conns--;
    free(c);
}

static void conn_ev(struct app_sock *as, short rev)
{
    struct echo_conn *c = as->ctx;
    struct six_stack *st = as->st;

    if (rev & (POLLERR | POLLNVAL)) {
        conn_free(c);
        return;
    }
    bool progress = true;
    while (progress) {
        progress = false;
        if (c->len) {
            ssize_t n = six_send(st, as->sd, c->buf + c->off, c->len, 0);
            if (n > 0) {
                c->off += (size_t)n;
                c->len -= (size_t)n;
                c->svc->info.bytes += (unsigned long long)n;
                progress = true;
            } else if (n < 0 && errno != EAGAIN) {
                conn_free(c);
                return;
            }
        }
        if (!c->len)
            c->off = 0;
        if (!c->eof && c->off + c->len < ECHO_BUF) {
            ssize_t n = six_recv(st, as->sd, c->buf + c->off + c->len, ECHO_BUF - c->off - c->len, 0);
            if (n > 0) {
                c->len += (size_t)n;
                progress = true;
                c->last_ns = six_now(st);
            } else if (n == 0) {
                c->eof = true;
            } else if (errno != EAGAIN) {
                conn_free(c);
                return;
            }
        }
    }
    if (c->eof && !c->len)
        conn_free(c);              /* all echoed: FIN after the data */
}

static void listen_ev(struct app_sock *as, short rev)
{
    struct echo_svc *s = as->ctx;
    for (;;) {
        int sd = six_accept(s->st, as->sd, NULL, NULL);
        if (sd < 0)
            break;
        struct echo_conn *c;
        if (s->info.conns >= ECHO_MAX_CONNS || !(c = calloc(1, sizeof *c))) {
            six_close(s->st, sd);
            continue;
        }
        c->svc = s;
        c->last_ns = six_now(s->st);
        c->next = s->conns;
        if (s->conns)
            s->conns->prev = c;
        s->conns = c;
        s->info.conns++;
        s->info.total++;
        app_sock_init(&c->as, s->st, sd, conn_ev, c);
    }
}

static void udp_ev(struct app_sock *as, short rev)
{
    struct echo_svc *s = as->ctx;
    static uint8_t buf[65536];
    for (int k = 0; k < 256; k++) {
        struct sockaddr_storage from;
        union { struct cmsghdr align; uint8_t b[CMSG_SPACE(sizeof(struct in6_pktinfo))]; } cbuf;
        struct iovec iov = { .iov_base = buf, .iov_len = sizeof buf };
        struct msghdr msg = { .msg_name = &from, .msg_namelen = sizeof from, .msg_iov = &iov, .msg_iovlen = 1,
                              .msg_control = cbuf.b, .msg_controllen = sizeof cbuf.b };
        ssize_t n = six_recvmsg(s->st, as->sd, &msg, 0);
        if (n < 0)
            return;
        s->info.udp_datagrams++;
        s->info.bytes += (unsigned long long)n;
        /* answer from the address the datagram was sent to (RFC 3542 §6.1):
         * a host with several addresses — or one SA per address — needs it */
        iov.iov_len = (size_t)n;
        struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
        if (c && c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
            struct in6_pktinfo pi;
            memcpy(&pi, CMSG_DATA(c), sizeof pi);
            pi.ipi6_ifindex = 0;
            memcpy(CMSG_DATA(c), &pi, sizeof pi);
            msg.msg_controllen = CMSG_SPACE(sizeof pi);
        } else {
            msg.msg_control = NULL;
            msg.msg_controllen = 0;
        }
        (void)six_sendmsg(s->st, as->sd, &msg, 0);
    }
    app_sock_kick(as);   /* more may wait: next pass */
}

static void tick(struct timer *t, void *arg)
{
    struct echo_svc *s = arg;
    uint64_t now = six_now(s->st);
    for (struct echo_conn *c = s->conns, *nx; c; c = nx) {
        nx = c->next;
        if (now - c->last_ns > ECHO_IDLE_MS * 1000000ull)
            conn_free(c);
    }
    apps_timer_arm(s->st, &s->tick, 1000);
}

static void svc_free(struct echo_svc *s)
{
    while (s->conns)
        conn_free(s->conns);
    app_sock_close(&s->ls);
    app_sock_close(&s->us);
    timer_cancel(&s->tick);
    free(s);
}

static void svc_destroy(struct app_obj *o)
{
    svc_free(APPS_CONTAINER(o, struct echo_svc, obj));
}

int echo_start(struct six_stack *st, uint16_t port)
{
    struct apps *A = apps_get(st);
    if (!A)
        return -ENOMEM;
    if (A->echo)
        return -EALREADY;
    int ls = apps_dual_socket(st, SOCK_STREAM, port, 128);
    if (ls < 0)
        return -errno;
    int us = apps_dual_socket(st, SOCK_DGRAM, port, 0), on = 1;
    if (us >= 0)
        six_setsockopt(st, us, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on, sizeof on);
    if (us < 0) {
        int e = errno;
        six_close(st, ls);
        return -e;
    }
    struct echo_svc *s = calloc(1, sizeof *s);
    if (!s) {
        six_close(st, ls);
        six_close(st, us);
        return -ENOMEM;
    }
    s->st = st;
    s->info.running = true;
    s->info.port = port;
    app_sock_init(&s->ls, st, ls, listen_ev, s);
    app_sock_init(&s->us, st, us, udp_ev, s);
    timer_init(&s->tick, tick, s);
    apps_timer_arm(st, &s->tick, 1000);
    apps_obj_add(st, &s->obj, svc_destroy);
    A->echo = s;
    return 0;
}

int echo_stop(struct six_stack *st)
{
    struct apps *A = st->apps;
    if (!A || !A->echo)
        return -ESRCH;
    struct echo_svc *s = A->echo;
    A->echo = NULL;
    apps_obj_del(&s->obj);
    svc_free(s);
    return 0;
}

void echo_info(struct six_stack *st, struct svc_info *i)
{
    struct apps *A = st->apps;
    if (A && A->echo)
        *i = A->echo->info;
    else
        memset(i, 0, sizeof *i);
}
