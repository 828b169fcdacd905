/* The BSD socket calls of include/six/socket.h over the stack's socket table. */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include "transport/sock.h"
#include "net/stack.h"
#include "net/ip6_var.h"
#include "net/ip4_var.h"

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
        if (st->socks->s[i].in_use)
            pktq_purge(&st->socks->s[i].rxq);
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

int six_socket(struct six_stack *st, int domain, int type, int protocol)
{
    struct sock_table *t = st->socks;
    int base = type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC);

    if (domain != AF_INET6 && domain != AF_INET)
        FAIL(EAFNOSUPPORT);
    if (base == SOCK_DGRAM && protocol != 0 && protocol != IPPROTO_UDP)
        FAIL(EPROTONOSUPPORT);
    if (base == SOCK_RAW && (domain != AF_INET6 || protocol != IPPROTO_ICMPV6))
        FAIL(EPROTONOSUPPORT);   /* raw sockets: ICMPv6 for now */
    if (base != SOCK_DGRAM && base != SOCK_RAW)
        FAIL(base == SOCK_STREAM ? EPROTONOSUPPORT : ESOCKTNOSUPPORT);   /* TCP: transport issue */
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
        so->proto = base == SOCK_DGRAM ? IPPROTO_UDP : protocol;
        so->uc_hops = so->mc_hops = so->tclass = -1;
        so->mc_loop = true;
        so->rcvbuf = SOCK_RCVBUF_DEF;
        so->cksum_off = -1;
        pktq_init(&so->rxq);
        t->next_free_hint = (i + 1) % SOCK_MAX;
        return i;
    }
    FAIL(EMFILE);
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
    if (so->type == SOCK_DGRAM) {
        if ((rc = udp_bind_port(so, port)))
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
    if (so->type == SOCK_DGRAM && port == 0)
        FAIL(EINVAL);
    if (so->type == SOCK_DGRAM && !so->bound && (rc = udp_bind_port(so, 0)))
        FAIL(-rc);
    so->bound = true;
    so->raddr = a;
    so->rport = port;
    if (in6_is_linklocal(&a) && scope)
        so->bound_if = scope;
    so->connected = true;
    return 0;
}

ssize_t six_sendmsg(struct six_stack *st, int sd, const struct msghdr *msg, int flags)
{
    struct sock *so = sock_get(st, sd);

    if (!so)
        return -1;
    if (so->shut_wr)
        FAIL(EPIPE);
    return so->type == SOCK_DGRAM ? udp_sendmsg(so, msg, flags) : raw6_sendmsg(so, msg, flags);
}

ssize_t six_recvmsg(struct six_stack *st, int sd, struct msghdr *msg, int flags)
{
    struct sock *so = sock_get(st, sd);

    if (!so)
        return -1;
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
    if (so->type == SOCK_DGRAM && !so->connected)
        FAIL(ENOTCONN);
    so->shut_rd |= how != SHUT_WR;
    so->shut_wr |= how != SHUT_RD;
    return 0;
}

int six_close(struct six_stack *st, int sd)
{
    struct sock *so = sock_get(st, sd);
    if (!so)
        return -1;
    if (so->type == SOCK_DGRAM)
        udp_unhash(so);
    sock_leave_groups(so);
    pktq_purge(&so->rxq);
    so->in_use = false;
    return 0;
}

static short sock_revents(const struct sock *so)
{
    short r = 0;
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
