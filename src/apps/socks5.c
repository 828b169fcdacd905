/* A SOCKS5 server (RFC 1928, CONNECT, no authentication) on a host socket:
 * unmodified host programs (curl --socks5-hostname) reach the network through
 * the userspace stack without root. Client side: kernel sockets on sixd's
 * event loop; far side: the stack's TCP. Each direction has a bounded buffer
 * and reads stop while it is full, so a slow end slows the other down (TCP
 * flow control end to end) instead of growing memory.
 *
 * Caps: SOCKS5_MAX_CLIENTS connections; more are accepted and closed at
 * once. Names (ATYP 3) go through the stack's resolver; the first address
 * in RFC 6724 order is tried. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include "apps/apps_int.h"
#include "apps/socks5.h"
#include "core/evloop.h"
#include "core/log.h"
#include "net/stack.h"
#include "six/socket.h"
#include "six/resolver.h"
#include "wire/socks5.h"

#define SOCKS5_MAX_CLIENTS 128
#define SOCKS5_BUF         65536

enum s5_state { S_GREET, S_REQUEST, S_RESOLVING, S_CONNECTING, S_RELAY };

struct s5_client {
    struct app_obj obj;
    struct socks5_svc *svc;
    int kfd;
    struct app_sock as;
    enum s5_state state;
    uint8_t hs[600];                  /* handshake bytes */
    size_t hs_len;
    uint8_t k2s[SOCKS5_BUF], s2k[SOCKS5_BUF];
    size_t k2s_len, s2k_len;
    bool k_eof, s_eof, k_shut, s_shut;
    unsigned events;
    int gai;                          /* pending name lookup, 0 if none */
    uint16_t port;                    /* of the name being resolved */
};

struct socks5_svc {
    struct app_obj obj;
    struct six_stack *st;
    struct evloop *ev;
    int lfd;
    struct sockaddr_storage bound;
    unsigned clients;
    unsigned long long total, bytes;
};

static void client_close(struct s5_client *c);

static void kfd_events(struct s5_client *c)
{
    unsigned ev = 0;
    if (c->state != S_CONNECTING && c->state != S_RESOLVING && !c->k_eof && c->k2s_len < sizeof c->k2s)
        ev |= EV_READ;
    if (c->s2k_len)
        ev |= EV_WRITE;
    if (ev != c->events) {
        evloop_mod_fd(c->svc->ev, c->kfd, ev);
        c->events = ev;
    }
}

static void reply(struct s5_client *c, uint8_t rep, const struct sockaddr *bound)
{
    uint8_t b[32];
    size_t n = socks5_reply_emit(b, sizeof b, rep, bound);
    if (write(c->kfd, b, n) != (ssize_t)n)
        LOGD("socks5: short reply write");
}

static uint8_t rep_for(int err)
{
    switch (err) {
    case ECONNREFUSED: return SOCKS5_REP_REFUSED;
    case ENETUNREACH: return SOCKS5_REP_NET_UNREACH;
    case EHOSTUNREACH: case ETIMEDOUT: return SOCKS5_REP_HOST_UNREACH;
    default: return SOCKS5_REP_FAILURE;
    }
}

/* One round of moving bytes both ways; true if anything moved. */
static bool pump_once(struct s5_client *c)
{
    struct six_stack *st = c->svc->st;
    bool moved = false;

    while (c->k2s_len) {
        ssize_t n = six_send(st, c->as.sd, c->k2s, c->k2s_len, 0);
        if (n <= 0)
            break;
        memmove(c->k2s, c->k2s + n, c->k2s_len - (size_t)n);
        c->k2s_len -= (size_t)n;
        c->svc->bytes += (unsigned long long)n;
        moved = true;
    }
    if (c->k_eof && !c->k2s_len && !c->s_shut) {
        six_shutdown(st, c->as.sd, SHUT_WR);
        c->s_shut = true;
    }
    while (!c->s_eof && c->s2k_len < sizeof c->s2k) {
        ssize_t n = six_recv(st, c->as.sd, c->s2k + c->s2k_len, sizeof c->s2k - c->s2k_len, 0);
        if (n < 0 && errno == EAGAIN)
            break;
        if (n <= 0) {
            c->s_eof = true;
            break;
        }
        c->s2k_len += (size_t)n;
        c->svc->bytes += (unsigned long long)n;
        moved = true;
    }
    while (c->s2k_len) {
        ssize_t n = write(c->kfd, c->s2k, c->s2k_len);
        if (n <= 0)
            break;
        memmove(c->s2k, c->s2k + n, c->s2k_len - (size_t)n);
        c->s2k_len -= (size_t)n;
        moved = true;
    }
    return moved;
}

/* Move bytes until neither side can take or give more: a buffer that was
 * full blocks its reader, so each freed byte must be refilled here, not
 * left waiting for an event that a blocked peer will never cause. */
static void pump(struct s5_client *c)
{
    while (pump_once(c))
        ;
    if (c->s_eof && !c->s2k_len && !c->k_shut) {
        shutdown(c->kfd, SHUT_WR);
        c->k_shut = true;
    }
    if (c->k_shut && c->s_shut) {
        client_close(c);
        return;
    }
    kfd_events(c);
}

static void stack_ready(struct app_sock *as, short revents)
{
    struct s5_client *c = as->ctx;

    if (c->state == S_CONNECTING) {
        int err = 0;
        socklen_t l = sizeof err;
        six_getsockopt(c->svc->st, as->sd, SOL_SOCKET, SO_ERROR, &err, &l);
        if (err || (revents & POLLERR)) {
            reply(c, rep_for(err ? err : ECONNREFUSED), NULL);
            client_close(c);
            return;
        }
        if (!(revents & POLLOUT))
            return;
        struct sockaddr_storage ss;
        socklen_t sl = sizeof ss;
        six_getsockname(c->svc->st, as->sd, (struct sockaddr *)&ss, &sl);
        reply(c, SOCKS5_REP_OK, (struct sockaddr *)&ss);
        c->state = S_RELAY;
        if (c->hs_len) {   /* data the client sent right behind its request */
            memcpy(c->k2s, c->hs, c->hs_len);
            c->k2s_len = c->hs_len;
            c->hs_len = 0;
        }
    }
    if ((revents & POLLERR) && c->state == S_RELAY && !c->s_eof) {
        c->s_eof = true;
    }
    pump(c);
}

/* Connect the stack side to ss (IPv4 goes as IPv4-mapped on one dual-stack socket).
 * -1 when under way, else a SOCKS5 reply code. */
static int connect_to(struct s5_client *c, struct sockaddr_storage *ss, socklen_t sl)
{
    struct six_stack *st = c->svc->st;

    if (ss->ss_family == AF_INET) {
        struct sockaddr_in s4;
        memcpy(&s4, ss, sizeof s4);
        struct sockaddr_in6 s6 = { .sin6_family = AF_INET6, .sin6_port = s4.sin_port };
        s6.sin6_addr.s6_addr[10] = s6.sin6_addr.s6_addr[11] = 0xff;
        memcpy(&s6.sin6_addr.s6_addr[12], &s4.sin_addr, 4);
        memcpy(ss, &s6, sizeof s6);
        sl = sizeof s6;
    }
    int sd = six_socket(st, AF_INET6, SOCK_STREAM, 0);
    if (sd < 0)
        return SOCKS5_REP_FAILURE;
    app_sock_init(&c->as, st, sd, stack_ready, c);
    if (six_connect(st, sd, (struct sockaddr *)ss, sl) < 0 && errno != EINPROGRESS) {
        int e = errno;
        app_sock_close(&c->as);
        return rep_for(e);
    }
    c->state = S_CONNECTING;
    return -1;
}

static void resolved(void *arg, int err, struct addrinfo *res)
{
    struct s5_client *c = arg;
    int rep = SOCKS5_REP_HOST_UNREACH;

    c->gai = 0;
    if (!err && res) {
        struct sockaddr_storage ss;
        memcpy(&ss, res->ai_addr, res->ai_addrlen);
        if (ss.ss_family == AF_INET6)
            ((struct sockaddr_in6 *)&ss)->sin6_port = htons(c->port);
        else
            ((struct sockaddr_in *)&ss)->sin_port = htons(c->port);
        rep = connect_to(c, &ss, res->ai_addrlen);
    }
    six_freeaddrinfo(res);
    if (rep >= 0) {
        reply(c, (uint8_t)rep, NULL);
        client_close(c);
        return;
    }
    kfd_events(c);
}

static int start_connect(struct s5_client *c, const struct socks5_request *r)
{
    struct six_stack *st = c->svc->st;
    struct sockaddr_storage ss;
    socklen_t sl;
    char lit[260];

    memset(&ss, 0, sizeof ss);
    if (r->atyp == SOCKS5_ATYP_IPV6) {
        inet_ntop(AF_INET6, &r->a6, lit, sizeof lit);
    } else if (r->atyp == SOCKS5_ATYP_IPV4) {
        inet_ntop(AF_INET, &r->a4, lit, sizeof lit);
    } else {
        snprintf(lit, sizeof lit, "%s", r->host);
        if (lit[0] == '[' && strchr(lit, ']'))   /* "[2001:db8::1]" */
            memmove(lit, lit + 1, strlen(lit)), *strchr(lit, ']') = '\0';
    }
    if (!apps_parse_addr(st, lit, r->port, &ss, &sl))
        return connect_to(c, &ss, sl);
    /* a name: the stack's resolver (the callback may run before this returns) */
    struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM };
    c->port = r->port;
    c->state = S_RESOLVING;
    int h = six_getaddrinfo(st, r->host, NULL, &hints, resolved, c);
    if (h < 0)
        return SOCKS5_REP_HOST_UNREACH;
    if (h > 0)
        c->gai = h;
    return -2;   /* resolved() takes it from here */
}

/* Greeting and request; false if the client was closed. */
static bool handshake(struct s5_client *c)
{
    if (c->state == S_GREET) {
        struct socks5_greeting g;
        enum wire_reason r = socks5_greeting_parse(c->hs, c->hs_len, &g);
        if (r == WR_TRUNCATED)
            return true;
        bool none = r == WR_OK && memchr(g.methods, SOCKS5_AUTH_NONE, g.nmethods);
        uint8_t b[2];
        size_t n = socks5_method_emit(b, sizeof b, none ? SOCKS5_AUTH_NONE : SOCKS5_AUTH_NOACCEPT);
        if (write(c->kfd, b, n) != (ssize_t)n || !none) {
            client_close(c);
            return false;
        }
        memmove(c->hs, c->hs + g.len, c->hs_len - g.len);
        c->hs_len -= g.len;
        c->state = S_REQUEST;
    }
    if (c->state == S_REQUEST) {
        struct socks5_request rq;
        enum wire_reason r = socks5_request_parse(c->hs, c->hs_len, &rq);
        if (r == WR_TRUNCATED)
            return true;
        int rep = r != WR_OK ? SOCKS5_REP_FAILURE : rq.cmd != SOCKS5_CMD_CONNECT ? SOCKS5_REP_CMD_UNSUPP : -1;
        if (rep < 0) {
            memmove(c->hs, c->hs + rq.len, c->hs_len - rq.len);
            c->hs_len -= rq.len;
            rep = start_connect(c, &rq);
            if (rep == -2)
                return true;   /* resolving: resolved() replies or connects (and may have closed c) */
        }
        if (rep >= 0) {
            reply(c, (uint8_t)rep, NULL);
            client_close(c);
            return false;
        }
        kfd_events(c);
    }
    return true;
}

static void kfd_ready(int fd, unsigned events, void *arg)
{
    struct s5_client *c = arg;
    (void)fd;

    if (c->state == S_RESOLVING || c->state == S_CONNECTING) {
        kfd_events(c);   /* nothing to read yet: data waits in the kernel */
        return;
    }
    if (c->state == S_GREET || c->state == S_REQUEST) {
        ssize_t n = read(c->kfd, c->hs + c->hs_len, sizeof c->hs - c->hs_len);
        if (n <= 0) {
            client_close(c);
            return;
        }
        c->hs_len += (size_t)n;
        handshake(c);
        return;
    }
    if ((events & EV_READ) && c->state == S_RELAY && c->k2s_len < sizeof c->k2s) {
        ssize_t n = read(c->kfd, c->k2s + c->k2s_len, sizeof c->k2s - c->k2s_len);
        if (n == 0 || (n < 0 && errno != EAGAIN))
            c->k_eof = true;
        else if (n > 0)
            c->k2s_len += (size_t)n;
    }
    if (c->state == S_RELAY)
        pump(c);
}

static void client_destroy(struct app_obj *o)
{
    struct s5_client *c = APPS_CONTAINER(o, struct s5_client, obj);
    if (c->gai)
        six_getaddrinfo_cancel(c->svc->st, c->gai);
    if (c->as.sd >= 0)
        app_sock_close(&c->as);
    evloop_del_fd(c->svc->ev, c->kfd);
    close(c->kfd);
    c->svc->clients--;
    free(c);
}

static void client_close(struct s5_client *c)
{
    apps_obj_del(&c->obj);
    client_destroy(&c->obj);
}

static void accept_ready(int fd, unsigned events, void *arg)
{
    struct socks5_svc *s = arg;
    (void)events;

    for (;;) {
        int k = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (k < 0)
            return;
        struct s5_client *c = s->clients < SOCKS5_MAX_CLIENTS ? calloc(1, sizeof *c) : NULL;
        if (!c) {
            close(k);
            continue;
        }
        c->svc = s;
        c->kfd = k;
        c->as.sd = -1;
        c->events = EV_READ;
        s->clients++;
        s->total++;
        apps_obj_add(s->st, &c->obj, client_destroy);
        evloop_add_fd(s->ev, k, EV_READ, kfd_ready, c);
    }
}

static void svc_destroy(struct app_obj *o)
{
    struct socks5_svc *s = APPS_CONTAINER(o, struct socks5_svc, obj);
    evloop_del_fd(s->ev, s->lfd);
    close(s->lfd);
    s->st->socks5 = NULL;
    free(s);
}

int socks5_start(struct six_stack *st, struct evloop *ev, const struct sockaddr *sa, socklen_t len)
{
    if (!ev)
        return -ENOTSUP;
    if (st->socks5)
        return -EALREADY;
    struct socks5_svc *s = calloc(1, sizeof *s);
    if (!s)
        return -ENOMEM;
    int one = 1;
    s->lfd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (s->lfd < 0 || setsockopt(s->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) ||
        bind(s->lfd, sa, len) || listen(s->lfd, 64)) {
        int e = errno;
        if (s->lfd >= 0)
            close(s->lfd);
        free(s);
        return -e;
    }
    s->st = st;
    s->ev = ev;
    memcpy(&s->bound, sa, len);
    evloop_add_fd(ev, s->lfd, EV_READ, accept_ready, s);
    apps_obj_add(st, &s->obj, svc_destroy);
    st->socks5 = s;
    return 0;
}

int socks5_stop(struct six_stack *st)
{
    struct socks5_svc *s = st->socks5;
    if (!s)
        return -ENOENT;
    apps_obj_del(&s->obj);
    svc_destroy(&s->obj);
    return 0;
}

bool socks5_info(struct six_stack *st, char *buf, size_t n)
{
    struct socks5_svc *s = st->socks5;
    char a[80] = "?";
    if (!s)
        return false;
    if (s->bound.ss_family == AF_INET6) {
        const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)&s->bound;
        char t[INET6_ADDRSTRLEN];
        snprintf(a, sizeof a, "[%s]:%u", inet_ntop(AF_INET6, &s6->sin6_addr, t, sizeof t), ntohs(s6->sin6_port));
    } else {
        const struct sockaddr_in *s4 = (const struct sockaddr_in *)&s->bound;
        char t[INET_ADDRSTRLEN];
        snprintf(a, sizeof a, "%s:%u", inet_ntop(AF_INET, &s4->sin_addr, t, sizeof t), ntohs(s4->sin_port));
    }
    snprintf(buf, n, "socks5 on %s (host side): %u clients now, %llu in all, %llu bytes relayed", a, s->clients,
             s->total, s->bytes);
    return true;
}
