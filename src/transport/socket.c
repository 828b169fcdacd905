/* The BSD socket calls of include/six/socket.h over the stack's socket table. */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include "transport/sock.h"
#include "net/stack.h"
#include "net/ip6_var.h"
#include "net/ip4_var.h"
#include "transport/tcp.h"
#include "ipsec/ipsec.h"

#define FAIL(e) do { errno = (e); return -1; } while (0)

int sock_init(struct six_stack *st)
{
    st->socks = calloc(1, sizeof *st->socks);
    return st->socks ? 0 : -ENOMEM;
}

void sock_destroy(struct six_stack *st)
{
    if (!st->socks)
        return;
    for (int i = 0; i < SOCK_MAX; i++)
        if (st->socks->s[i].in_use) {
            pktq_purge(&st->socks->s[i].rxq);
            free(st->socks->s[i].aq);
            ipsec_sockpol_free(st->socks->s[i].ipsec);
        }
    free(st->socks);
    st->socks = NULL;
}

struct sock *sock_get(struct six_stack *st, int sd)
{
    if (sd < 0 || sd >= SOCK_MAX || !st->socks->s[sd].in_use) {
        errno = EBADF;
        return NULL;
    }
    return &st->socks->s[sd];
}

bool sock_is_v4(const struct in6_addr *a)
{
    return in6_is_v4mapped(a);
}

void sock_wake(struct sock *so, short revents)
{
    if (so->cb)
        so->cb(so->cb_arg, so->sd, revents);
}

bool sock_enqueue(struct sock *so, struct pkt *p)
{
    if (so->shut_rd || so->rx_bytes + p->cap > so->rcvbuf) {
        pkt_free(p);
        return false;
    }
    so->rx_bytes += p->cap;
    pktq_push(&so->rxq, p);
    sock_wake(so, POLLIN);
    return true;
}

struct sock *sock_alloc(struct six_stack *st, int domain, int base, int protocol)
{
    struct sock_table *t = st->socks;

    for (int k = 0; k < SOCK_MAX; k++) {
        int i = (t->next_free_hint + k) % SOCK_MAX;
        struct sock *so = &t->s[i];
        if (so->in_use)
            continue;
        memset(so, 0, sizeof *so);
        so->in_use = true;
        so->sd = i;
        so->st = st;
        so->family = domain;
        so->type = base;
        so->proto = base == SOCK_DGRAM ? IPPROTO_UDP : base == SOCK_STREAM ? IPPROTO_TCP : protocol;
        so->uc_hops = so->mc_hops = so->tclass = -1;
        so->mc_loop = true;
        so->rcvbuf = SOCK_RCVBUF_DEF;
        so->cksum_off = -1;
        pktq_init(&so->rxq);
        t->next_free_hint = (i + 1) % SOCK_MAX;
        return so;
    }
    return NULL;
}

void sock_free(struct sock *so)
{
    sock_unhash(so);
    sock_leave_groups(so);
    pktq_purge(&so->rxq);
    free(so->aq);
    so->aq = NULL;
    ipsec_sockpol_free(so->ipsec);
    so->ipsec = NULL;
    so->in_use = false;
}

int six_socket(struct six_stack *st, int domain, int type, int protocol)
{
    int base = type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC);

    if (domain != AF_INET6 && domain != AF_INET)
        FAIL(EAFNOSUPPORT);
    if ((base == SOCK_DGRAM && protocol != 0 && protocol != IPPROTO_UDP) ||
        (base == SOCK_STREAM && protocol != 0 && protocol != IPPROTO_TCP) ||
        (base == SOCK_RAW && (domain != AF_INET6 || protocol != IPPROTO_ICMPV6)))
        FAIL(EPROTONOSUPPORT);   /* raw sockets: ICMPv6 for now */
    if (base != SOCK_DGRAM && base != SOCK_RAW && base != SOCK_STREAM)
        FAIL(ESOCKTNOSUPPORT);
    struct sock *so = sock_alloc(st, domain, base, protocol);
    if (!so)
        FAIL(EMFILE);
    if (base == SOCK_STREAM && tcp_attach(so)) {
        sock_free(so);
        FAIL(ENOBUFS);
    }
    return so->sd;
}

struct sock **sock_port_bucket(struct six_stack *st, uint16_t port)
{
    return &st->socks->port_hash[port % SOCK_PORT_HASH];
}

void sock_unhash(struct sock *so)
{
    for (struct sock **pp = sock_port_bucket(so->st, so->lport); *pp; pp = &(*pp)->hnext)
        if (*pp == so) {
            *pp = so->hnext;
            return;
        }
}

/* Can a and b receive the same packets? Then they may not share a port. */
static bool families_overlap(const struct sock *a, const struct sock *b)
{
    bool a4 = a->family == AF_INET || !a->v6only, b4 = b->family == AF_INET || !b->v6only;
    bool a6 = a->family == AF_INET6, b6 = b->family == AF_INET6;
    return (a4 && b4) || (a6 && b6);
}

static bool is_wildcard(const struct in6_addr *a)
{
    return in6_is_unspecified(a) || (in6_is_v4mapped(a) && !memcmp(&a->s6_addr[12], "\0\0\0\0", 4));
}

static bool port_conflict(struct sock *so, uint16_t port)
{
    for (struct sock *o = *sock_port_bucket(so->st, port); o; o = o->hnext) {
        if (o == so || o->lport != port || o->proto != so->proto || !families_overlap(o, so))
            continue;
        if (is_wildcard(&o->laddr) || is_wildcard(&so->laddr) || in6_eq(&o->laddr, &so->laddr))
            return true;
    }
    return false;
}

/* Bind to port (0: a random free ephemeral port, RFC 6056) and hash it. */
int sock_bind_port(struct sock *so, uint16_t port)
{
    if (port == 0) {
        uint32_t n = EPHEMERAL_HI - EPHEMERAL_LO + 1, start = six_random_secure_below(so->st, n);
        for (uint32_t i = 0; i < n && !port; i++) {
            uint16_t cand = (uint16_t)(EPHEMERAL_LO + (start + i) % n);
            if (!port_conflict(so, cand))
                port = cand;
        }
        if (!port)
            return -EADDRINUSE;
    } else if (port_conflict(so, port)) {
        return -EADDRINUSE;
    }
    so->lport = port;
    so->hnext = *sock_port_bucket(so->st, port);
    *sock_port_bucket(so->st, port) = so;
    return 0;
}

/* sockaddr → IPv6 form (IPv4 mapped), port, scope. */
int sock_sa_to_in6(const struct sock *so, const struct sockaddr *sa, socklen_t len, struct in6_addr *a,
                     uint16_t *port, unsigned *scope)
{
    if (!sa)
        return -EINVAL;
    if (sa->sa_family == AF_INET6 && so->family == AF_INET6 && len >= sizeof(struct sockaddr_in6)) {
        const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
        *a = s6->sin6_addr;
        *port = ntohs(s6->sin6_port);
        *scope = s6->sin6_scope_id;
        if (so->v6only && in6_is_v4mapped(a))
            return -ENETUNREACH;
        return 0;
    }
    if (sa->sa_family == AF_INET && so->family == AF_INET && len >= sizeof(struct sockaddr_in)) {
        const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;
        memset(a, 0, sizeof *a);
        a->s6_addr[10] = a->s6_addr[11] = 0xff;
        memcpy(&a->s6_addr[12], &s4->sin_addr, 4);
        *port = ntohs(s4->sin_port);
        *scope = 0;
        return 0;
    }
    return -EAFNOSUPPORT;
}

/* IPv6 form → sockaddr of the socket's family. */
void sock_fill_sa(const struct sock *so, const struct in6_addr *a, uint16_t port, unsigned scope,
                  struct sockaddr *sa, socklen_t *len)
{
    if (!sa || !len)
        return;
    if (so->family == AF_INET) {
        struct sockaddr_in s4 = { .sin_family = AF_INET, .sin_port = htons(port) };
        memcpy(&s4.sin_addr, &a->s6_addr[12], 4);
        memcpy(sa, &s4, *len < sizeof s4 ? *len : sizeof s4);
        *len = sizeof s4;
    } else {
        struct sockaddr_in6 s6 = { .sin6_family = AF_INET6, .sin6_port = htons(port), .sin6_addr = *a,
                                   .sin6_scope_id = in6_is_linklocal(a) ? scope : 0 };
        memcpy(sa, &s6, *len < sizeof s6 ? *len : sizeof s6);
        *len = sizeof s6;
    }
}

static bool addr_is_local_or_any(struct six_stack *st, const struct in6_addr *a)
{
    if (in6_is_unspecified(a))
        return true;
    if (in6_is_v4mapped(a)) {
        struct in_addr v4;
        memcpy(&v4, &a->s6_addr[12], 4);
        return v4.s_addr == 0 || in4_is_local(st, v4);
    }
    return in6_ifaddr_lookup(st, a) != NULL;
}

int six_bind(struct six_stack *st, int sd, const struct sockaddr *sa, socklen_t len)
{
    struct sock *so = sock_get(st, sd);
    struct in6_addr a;
    uint16_t port;
    unsigned scope;
    int rc;

    if (!so)
        return -1;
    if (so->bound)
        FAIL(EINVAL);
    if ((rc = sock_sa_to_in6(so, sa, len, &a, &port, &scope)))
        FAIL(-rc);
    if (!addr_is_local_or_any(st, &a))
        FAIL(EADDRNOTAVAIL);
    so->laddr = a;
    if (in6_is_linklocal(&a))
        so->bound_if = scope;
    if (so->type != SOCK_RAW) {
        if ((rc = sock_bind_port(so, port)))
            FAIL(-rc);
    } else {
        so->lport = port;
    }
    so->bound = true;
    return 0;
}

int six_connect(struct six_stack *st, int sd, const struct sockaddr *sa, socklen_t len)
{
    struct sock *so = sock_get(st, sd);
    struct in6_addr a;
    uint16_t port;
    unsigned scope;
    int rc;

    if (!so)
        return -1;
    if (sa && sa->sa_family == AF_UNSPEC) {   /* dissolve the association */
        so->connected = false;
        return 0;
    }
    if ((rc = sock_sa_to_in6(so, sa, len, &a, &port, &scope)))
        FAIL(-rc);
    if (so->type != SOCK_RAW && port == 0)
        FAIL(EINVAL);
    if (so->type == SOCK_STREAM && so->tp && so->tp->state != TCPS_CLOSED)
        FAIL(so->tp->state == TCPS_SYN_SENT ? EALREADY : EISCONN);
    if (so->type != SOCK_RAW && !so->bound) {
        if ((rc = sock_bind_port(so, 0)))
            FAIL(-rc);
        so->autobound = true;
    }
    so->bound = true;
    so->raddr = a;
    so->rport = port;
    if (in6_is_linklocal(&a) && scope)
        so->bound_if = scope;
    so->connected = true;
    if (so->type == SOCK_STREAM && (rc = tcp_connect(so))) {
        if (rc != -EINPROGRESS)
            so->connected = false;
        FAIL(-rc);
    }
    return 0;
}

int six_listen(struct six_stack *st, int sd, int backlog)
{
    struct sock *so = sock_get(st, sd);
    int rc;

    if (!so)
        return -1;
    if (so->type != SOCK_STREAM)
        FAIL(EOPNOTSUPP);
    if (!so->bound && (rc = sock_bind_port(so, 0)))
        FAIL(-rc);
    so->bound = true;
    if ((rc = tcp_listen(so, backlog)))
        FAIL(-rc);
    return 0;
}

int six_accept(struct six_stack *st, int sd, struct sockaddr *sa, socklen_t *len)
{
    struct sock *so = sock_get(st, sd);

    if (!so)
        return -1;
    if (so->type != SOCK_STREAM || !so->tp || so->tp->state != TCPS_LISTEN)
        FAIL(EINVAL);
    int nsd = tcp_accept(so);
    if (nsd < 0)
        FAIL(-nsd);
    struct sock *ns = &st->socks->s[nsd];
    sock_fill_sa(ns, &ns->raddr, ns->rport, ns->bound_if, sa, len);
    return nsd;
}

static ssize_t stream_sendmsg(struct sock *so, const struct msghdr *msg);
static ssize_t stream_recvmsg(struct sock *so, struct msghdr *msg, int flags);

ssize_t six_sendmsg(struct six_stack *st, int sd, const struct msghdr *msg, int flags)
{
    struct sock *so = sock_get(st, sd);

    if (!so)
        return -1;
    if (so->shut_wr)
        FAIL(EPIPE);
    if (so->type == SOCK_STREAM)
        return stream_sendmsg(so, msg);
    return so->type == SOCK_DGRAM ? udp_sendmsg(so, msg, flags) : raw6_sendmsg(so, msg, flags);
}

ssize_t six_recvmsg(struct six_stack *st, int sd, struct msghdr *msg, int flags)
{
    struct sock *so = sock_get(st, sd);

    if (!so)
        return -1;
    if (so->type == SOCK_STREAM)
        return stream_recvmsg(so, msg, flags);
    return dgram_recvmsg(so, msg, flags);
}

ssize_t six_sendto(struct six_stack *st, int sd, const void *buf, size_t len, int flags,
                   const struct sockaddr *to, socklen_t tolen)
{
    struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
    struct msghdr m = { .msg_name = (void *)to, .msg_namelen = to ? tolen : 0, .msg_iov = &iov, .msg_iovlen = 1 };
    return six_sendmsg(st, sd, &m, flags);
}

ssize_t six_recvfrom(struct six_stack *st, int sd, void *buf, size_t len, int flags,
                     struct sockaddr *from, socklen_t *fromlen)
{
    struct iovec iov = { .iov_base = buf, .iov_len = len };
    struct msghdr m = { .msg_name = from, .msg_namelen = fromlen ? *fromlen : 0, .msg_iov = &iov, .msg_iovlen = 1 };
    ssize_t n = six_recvmsg(st, sd, &m, flags);
    if (n >= 0 && fromlen)
        *fromlen = m.msg_namelen;
    return n;
}

ssize_t six_send(struct six_stack *st, int sd, const void *buf, size_t len, int flags)
{
    return six_sendto(st, sd, buf, len, flags, NULL, 0);
}

ssize_t six_recv(struct six_stack *st, int sd, void *buf, size_t len, int flags)
{
    return six_recvfrom(st, sd, buf, len, flags, NULL, NULL);
}

int six_getsockname(struct six_stack *st, int sd, struct sockaddr *sa, socklen_t *len)
{
    struct sock *so = sock_get(st, sd);
    if (!so)
        return -1;
    sock_fill_sa(so, &so->laddr, so->lport, so->bound_if, sa, len);
    return 0;
}

int six_getpeername(struct six_stack *st, int sd, struct sockaddr *sa, socklen_t *len)
{
    struct sock *so = sock_get(st, sd);
    if (!so)
        return -1;
    if (!so->connected)
        FAIL(ENOTCONN);
    sock_fill_sa(so, &so->raddr, so->rport, so->bound_if, sa, len);
    return 0;
}

int six_shutdown(struct six_stack *st, int sd, int how)
{
    struct sock *so = sock_get(st, sd);
    if (!so)
        return -1;
    if (how != SHUT_RD && how != SHUT_WR && how != SHUT_RDWR)
        FAIL(EINVAL);
    if (so->type != SOCK_RAW && !so->connected)
        FAIL(ENOTCONN);
    so->shut_rd |= how != SHUT_WR;
    so->shut_wr |= how != SHUT_RD;
    if (so->type == SOCK_STREAM && how != SHUT_RD)
        tcp_shutdown_wr(so);
    return 0;
}

int six_close(struct six_stack *st, int sd)
{
    struct sock *so = sock_get(st, sd);
    if (!so)
        return -1;
    if (so->type == SOCK_STREAM)
        tcp_close(so);
    sock_free(so);
    return 0;
}

/* Stream data: the socket calls on a TCP connection. */
static ssize_t stream_sendmsg(struct sock *so, const struct msghdr *msg)
{
    ssize_t total = 0;

    for (size_t i = 0; i < (size_t)msg->msg_iovlen; i++) {
        ssize_t n = tcp_send(so, msg->msg_iov[i].iov_base, msg->msg_iov[i].iov_len);
        if (n < 0) {
            if (total)
                break;
            FAIL((int)-n);
        }
        total += n;
        if ((size_t)n < msg->msg_iov[i].iov_len)
            break;
    }
    return total;
}

static ssize_t stream_recvmsg(struct sock *so, struct msghdr *msg, int flags)
{
    ssize_t total = 0;

    msg->msg_flags = 0;
    msg->msg_controllen = 0;
    for (size_t i = 0; i < (size_t)msg->msg_iovlen; i++) {
        ssize_t n = tcp_recv(so, msg->msg_iov[i].iov_base, msg->msg_iov[i].iov_len, flags & MSG_PEEK);
        if (n < 0) {
            if (total)
                break;
            FAIL((int)-n);
        }
        total += n;
        if ((size_t)n < msg->msg_iov[i].iov_len)
            break;
    }
    if (msg->msg_name) {
        socklen_t l = msg->msg_namelen;
        sock_fill_sa(so, &so->raddr, so->rport, so->bound_if, msg->msg_name, &l);
        msg->msg_namelen = l;
    }
    return total;
}

static short sock_revents(const struct sock *so)
{
    short r = 0;
    if (so->type == SOCK_STREAM)
        return tcp_poll(so);
    if (so->rxq.n || so->shut_rd)
        r |= POLLIN;
    if (!so->shut_wr)
        r |= POLLOUT;   /* datagram sends never wait for buffer space */
    if (so->so_error)
        r |= POLLERR;
    return r;
}

int six_poll(struct six_stack *st, struct six_pollfd *fds, unsigned n)
{
    int ready = 0;

    for (unsigned i = 0; i < n; i++) {
        struct sock *so = fds[i].sd >= 0 && fds[i].sd < SOCK_MAX && st->socks->s[fds[i].sd].in_use
                        ? &st->socks->s[fds[i].sd] : NULL;
        fds[i].revents = so ? (short)(sock_revents(so) & (fds[i].events | POLLERR)) : POLLNVAL;
        ready += fds[i].revents != 0;
    }
    return ready;
}

int six_sock_set_callback(struct six_stack *st, int sd, six_sock_cb cb, void *arg)
{
    struct sock *so = sock_get(st, sd);
    if (!so)
        return -1;
    so->cb = cb;
    so->cb_arg = arg;
    return 0;
}
