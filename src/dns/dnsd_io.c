/* The server's transports: one dual-stack UDP socket and one TCP listener
 * on [::]:port (IPv4 clients arrive as IPv4-mapped addresses).
 *
 * UDP: each datagram is one query; the answer leaves from the address the
 * query was sent to (IPV6_PKTINFO), so a host with several addresses
 * answers from the right one.
 *
 * TCP (RFC 7766): 2-octet length framing, several queries per connection,
 * answered in the order the provider allows (§7: out of order is fine).
 * Caps: DNSD_MAX_TCP connections (past it the one idle longest is closed,
 * dnsd.tcp_evicted); a query longer than DNSD_TCP_MAX_QUERY closes the
 * connection (dnsd.drop_tcp_too_long); DNSD_TCP_CONN_PENDING queries of
 * one connection wait for the provider at most; a connection stops reading
 * while its send buffer could not take an answer to every query it has
 * waiting plus one more, so an answer always fits and a client that does
 * not read only stalls itself. Idle (no query waiting, nothing received)
 * for DNSD_TCP_IDLE_MS: closed (§6.2.3, dnsd.tcp_idle_closed). */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "dns/dnsd_int.h"
#include "net/stack.h"
#include "six/socket.h"

static uint8_t rxbuf[DNS_MAX_MSG];   /* one datagram at a time, consumed before the next */

/* ------------------------------------------------------------ UDP */

static void udp_send(struct dnsd *s, const struct dnsd_client *cl, size_t len)
{
    union { struct cmsghdr align; uint8_t b[CMSG_SPACE(sizeof(struct in6_pktinfo))]; } cbuf;
    struct iovec iov = { .iov_base = s->out, .iov_len = len };
    struct msghdr msg = { .msg_name = (void *)&cl->from, .msg_namelen = sizeof cl->from, .msg_iov = &iov,
                          .msg_iovlen = 1 };
    if (cl->has_to) {
        memset(&cbuf, 0, sizeof cbuf);
        struct in6_pktinfo pi = { .ipi6_addr = cl->to };
        msg.msg_control = cbuf.b;
        msg.msg_controllen = CMSG_SPACE(sizeof pi);
        struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
        c->cmsg_level = IPPROTO_IPV6;
        c->cmsg_type = IPV6_PKTINFO;
        c->cmsg_len = CMSG_LEN(sizeof pi);
        memcpy(CMSG_DATA(c), &pi, sizeof pi);
    }
    if (s->udp.sd < 0 || six_sendmsg(s->st, s->udp.sd, &msg, 0) < 0) {
        CTR_INC(s->st, dnsd, drop_send);
        return;
    }
    s->answers++;
    CTR_INC(s->st, dnsd, answers);
}

static bool local_addr(struct msghdr *msg, struct in6_addr *to)
{
    for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR(msg, c))
        if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
            struct in6_pktinfo pi;
            memcpy(&pi, CMSG_DATA(c), sizeof pi);
            *to = pi.ipi6_addr;
            return true;
        }
    return false;
}

static void udp_ev(struct app_sock *as, short rev)
{
    struct dnsd *s = as->ctx;
    (void)rev;
    for (int k = 0; k < 256; k++) {
        struct dnsd_client cl = { 0 };
        union { struct cmsghdr align; uint8_t b[CMSG_SPACE(sizeof(struct in6_pktinfo)) + 64]; } cbuf;
        struct iovec iov = { .iov_base = rxbuf, .iov_len = sizeof rxbuf };
        struct msghdr msg = { .msg_name = &cl.from, .msg_namelen = sizeof cl.from, .msg_iov = &iov,
                              .msg_iovlen = 1, .msg_control = cbuf.b, .msg_controllen = sizeof cbuf.b };
        ssize_t n = six_recvmsg(s->st, as->sd, &msg, 0);
        if (n < 0)
            return;
        cl.has_to = local_addr(&msg, &cl.to);
        CTR_INC(s->st, dnsd, udp_queries);
        size_t len = dnsd_query(s, rxbuf, (size_t)n, &cl);
        if (len)
            udp_send(s, &cl, len);
    }
    app_sock_kick(as);   /* more may wait: next pass */
}

size_t dnsd_udp_answer(struct six_stack *st, const uint8_t *msg, size_t len, const struct sockaddr_in6 *from,
                       const uint8_t **out)
{
    struct dnsd *s = dnsd_get(st);
    if (!s)
        return 0;
    struct dnsd_client cl = { .from = *from };
    size_t n = dnsd_query(s, msg, len, &cl);
    *out = s->out;
    return n;
}

/* ------------------------------------------------------------ TCP */

static void conn_free(struct dnsd *s, struct dnsd_tcp *c)
{
    /* queries still waiting keep their slots until the provider answers;
     * their answer then goes nowhere */
    for (unsigned k = 0; k < s->n_pend && c->pending; k++) {
        struct dnsd_pending *p = &s->pend[s->used_idx[k]];
        if (p->cl.tcp == c) {
            p->cl.tcp = NULL;
            c->pending--;
        }
    }
    app_sock_close(&c->as);
    if (c->prev)
        c->prev->next = c->next;
    else
        s->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    s->n_conns--;
    free(c->tx);
    free(c);
}

/* Room for an answer to every waiting query and one more. */
static bool may_read(const struct dnsd_tcp *c)
{
    size_t need = (size_t)(c->pending + 1) * (DNSD_TCP_ANSWER_MAX + 2);
    return c->pending < DNSD_TCP_CONN_PENDING && DNSD_TCP_TXBUF - c->tx_off - c->tx_len >= need;
}

static void tcp_queue(struct dnsd *s, struct dnsd_tcp *c, size_t len)
{
    if (c->tx_off && c->tx_off + c->tx_len + 2 + len > DNSD_TCP_TXBUF) {
        memmove(c->tx, c->tx + c->tx_off, c->tx_len);
        c->tx_off = 0;
    }
    if (c->tx_off + c->tx_len + 2 + len > DNSD_TCP_TXBUF) {
        CTR_INC(s->st, dnsd, drop_tcp_full);   /* cannot happen (may_read): counted if it did */
        return;
    }
    uint8_t *p = c->tx + c->tx_off + c->tx_len;
    p[0] = (uint8_t)(len >> 8);
    p[1] = (uint8_t)len;
    memcpy(p + 2, s->out, len);
    c->tx_len += 2 + len;
    s->answers++;
    CTR_INC(s->st, dnsd, answers);
}

/* Send what is queued; false if the connection failed. */
static bool tcp_flush(struct dnsd *s, struct dnsd_tcp *c)
{
    while (c->tx_len) {
        ssize_t n = six_send(s->st, c->as.sd, c->tx + c->tx_off, c->tx_len, 0);
        if (n < 0)
            return errno == EAGAIN;
        c->tx_off += (size_t)n;
        c->tx_len -= (size_t)n;
    }
    c->tx_off = 0;
    return true;
}

/* Take the complete queries out of rx. false: close (a query too long). */
static bool tcp_queries(struct dnsd *s, struct dnsd_tcp *c)
{
    size_t off = 0;
    while (c->rx_len - off >= 2 && may_read(c)) {
        size_t qlen = (size_t)c->rx[off] << 8 | c->rx[off + 1];
        if (qlen > DNSD_TCP_MAX_QUERY) {
            CTR_INC(s->st, dnsd, drop_tcp_too_long);
            return false;
        }
        if (c->rx_len - off - 2 < qlen)
            break;
        struct dnsd_client cl = { .is_tcp = true, .tcp = c };
        socklen_t fl = sizeof cl.from;
        six_getpeername(s->st, c->as.sd, (struct sockaddr *)&cl.from, &fl);
        CTR_INC(s->st, dnsd, tcp_queries);
        size_t n = dnsd_query(s, c->rx + off + 2, qlen, &cl);
        if (n)
            tcp_queue(s, c, n);
        off += 2 + qlen;
    }
    memmove(c->rx, c->rx + off, c->rx_len - off);
    c->rx_len -= off;
    return true;
}

static void conn_ev(struct app_sock *as, short rev)
{
    struct dnsd_tcp *c = as->ctx;
    struct dnsd *s = c->s;
    if (rev & (POLLERR | POLLNVAL)) {
        conn_free(s, c);
        return;
    }
    for (;;) {
        if (!tcp_flush(s, c) || !tcp_queries(s, c)) {
            conn_free(s, c);
            return;
        }
        if (c->eof || !may_read(c) || c->rx_len == sizeof c->rx)
            break;
        ssize_t n = six_recv(s->st, as->sd, c->rx + c->rx_len, sizeof c->rx - c->rx_len, 0);
        if (n == 0) {
            c->eof = true;
        } else if (n < 0) {
            if (errno != EAGAIN) {
                conn_free(s, c);
                return;
            }
            break;
        } else {
            c->rx_len += (size_t)n;
            c->last_ns = six_now(s->st);
        }
    }
    if (!tcp_flush(s, c)) {
        conn_free(s, c);
        return;
    }
    /* the client closed: finish what it asked, then close */
    if (c->eof && !c->pending && !c->tx_len)
        conn_free(s, c);
}

void dnsd_tcp_pending_done(struct dnsd *s, struct dnsd_tcp *c)
{
    c->pending--;
    c->last_ns = six_now(s->st);
    app_sock_kick(&c->as);   /* it may read again, and has an answer to send */
}

static struct dnsd_tcp *oldest_idle(struct dnsd *s)
{
    struct dnsd_tcp *o = NULL;
    for (struct dnsd_tcp *c = s->conns; c; c = c->next)
        if (!o || c->last_ns < o->last_ns)
            o = c;
    return o;
}

static void listen_ev(struct app_sock *as, short rev)
{
    struct dnsd *s = as->ctx;
    (void)rev;
    for (;;) {
        int sd = six_accept(s->st, as->sd, NULL, NULL);
        if (sd < 0)
            return;
        if (s->n_conns >= DNSD_MAX_TCP) {
            CTR_INC(s->st, dnsd, tcp_evicted);
            conn_free(s, oldest_idle(s));
        }
        struct dnsd_tcp *c = calloc(1, sizeof *c);
        if (c)
            c->tx = malloc(DNSD_TCP_TXBUF);
        if (!c || !c->tx) {
            if (c)
                free(c);
            six_close(s->st, sd);
            continue;
        }
        c->s = s;
        c->last_ns = six_now(s->st);
        c->next = s->conns;
        if (s->conns)
            s->conns->prev = c;
        s->conns = c;
        s->n_conns++;
        CTR_INC(s->st, dnsd, tcp_accepted);
        app_sock_init(&c->as, s->st, sd, conn_ev, c);
        app_sock_kick(&c->as);   /* the query may already be there */
    }
}

void dnsd_tcp_idle_scan(struct dnsd *s, uint64_t now)
{
    for (struct dnsd_tcp *c = s->conns, *nx; c; c = nx) {
        nx = c->next;
        /* nothing waits for the provider and nothing came for the idle
         * time: closed, also when answers sit unread (a client that does
         * not read holds no slot for ever) */
        if (!c->pending && now - c->last_ns >= (uint64_t)DNSD_TCP_IDLE_MS * NS_PER_MS) {
            CTR_INC(s->st, dnsd, tcp_idle_closed);
            conn_free(s, c);
        }
    }
}

/* ------------------------------------------------------------ both */

void dnsd_send(struct dnsd *s, const struct dnsd_client *cl, size_t len)
{
    if (!cl->is_tcp) {
        udp_send(s, cl, len);
        return;
    }
    if (!cl->tcp) {
        CTR_INC(s->st, dnsd, drop_send);   /* the connection closed while the query waited */
        return;
    }
    tcp_queue(s, cl->tcp, len);
}

int dnsd_io_start(struct dnsd *s, char *why, size_t whyn)
{
    uint16_t port = s->cfg.port;
    int us = apps_dual_socket(s->st, SOCK_DGRAM, port, 0), on = 1;
    if (us < 0) {
        snprintf(why, whyn, "UDP port %u: %s", (unsigned)port, strerror(errno));
        return -errno;
    }
    six_setsockopt(s->st, us, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on, sizeof on);
    int ts = apps_dual_socket(s->st, SOCK_STREAM, port, 128);
    if (ts < 0) {
        int e = errno;
        six_close(s->st, us);
        snprintf(why, whyn, "TCP port %u: %s", (unsigned)port, strerror(e));
        return -e;
    }
    app_sock_init(&s->udp, s->st, us, udp_ev, s);
    app_sock_init(&s->tcp_l, s->st, ts, listen_ev, s);
    return 0;
}

void dnsd_io_stop(struct dnsd *s)
{
    while (s->conns)
        conn_free(s, s->conns);
    if (s->udp.sd >= 0)
        app_sock_close(&s->udp);
    if (s->tcp_l.sd >= 0)
        app_sock_close(&s->tcp_l);
    s->udp.sd = s->tcp_l.sd = -1;
}
