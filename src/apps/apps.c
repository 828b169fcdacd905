/* The app framework of apps.h: per-stack registry, the ready queue drained
 * from a zero-delay timer, address helpers. */
#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include "apps/apps_int.h"
#include "net/stack.h"
#include "link/ifnet.h"
#include "six/socket.h"

static void run_ready(struct timer *t, void *arg);

struct apps *apps_get(struct six_stack *st)
{
    if (st->apps)
        return st->apps;
    struct apps *A = calloc(1, sizeof *A);
    if (!A)
        return NULL;
    A->st = st;
    A->objs.next = A->objs.prev = &A->objs;
    timer_init(&A->run, run_ready, A);
    st->apps = A;
    return A;
}

void apps_destroy(struct six_stack *st)
{
    struct apps *A = st->apps;
    if (!A)
        return;
    while (A->objs.next != &A->objs) {
        struct app_obj *o = A->objs.next;
        apps_obj_del(o);
        o->destroy(o);
    }
    timer_cancel(&A->run);
    free(A);
    st->apps = NULL;
}

void apps_obj_add(struct six_stack *st, struct app_obj *o, void (*destroy)(struct app_obj *o))
{
    struct apps *A = apps_get(st);
    o->destroy = destroy;
    o->next = A->objs.next;
    o->prev = &A->objs;
    A->objs.next->prev = o;
    A->objs.next = o;
}

void apps_obj_del(struct app_obj *o)
{
    if (!o->next)
        return;
    o->prev->next = o->next;
    o->next->prev = o->prev;
    o->next = o->prev = NULL;
}

void apps_timer_arm(struct six_stack *st, struct timer *t, uint64_t ms)
{
    timer_arm(st->tw, t, ms * 1000000ull);
}

/* ------------------------------------------------------------ ready queue */

static void unqueue(struct apps *A, struct app_sock *as)
{
    if (!as->queued)
        return;
    if (as->rprev) as->rprev->rnext = as->rnext; else A->rhead = as->rnext;
    if (as->rnext) as->rnext->rprev = as->rprev; else A->rtail = as->rprev;
    as->rnext = as->rprev = NULL;
    as->queued = false;
}

void app_sock_kick(struct app_sock *as)
{
    struct apps *A = as->st->apps;
    if (as->queued || as->sd < 0 || !A)
        return;
    as->queued = true;
    as->rnext = NULL;
    as->rprev = A->rtail;
    if (A->rtail) A->rtail->rnext = as; else A->rhead = as;
    A->rtail = as;
    if (!timer_pending(&A->run))
        timer_arm(A->st->tw, &A->run, 0);
}

/* The stack's readiness callback: only note it (we may be deep in tcp_input). */
static void sock_cb(void *arg, int sd, short revents)
{
    app_sock_kick(arg);
}

static void run_ready(struct timer *t, void *arg)
{
    struct apps *A = arg;
    /* Only what is queued now runs in this pass: a handler that kicks itself
     * again runs on the next timer, so a busy socket cannot starve the rest. */
    unsigned n = 0;
    for (struct app_sock *x = A->rhead; x; x = x->rnext)
        n++;
    while (A->rhead && n--) {
        struct app_sock *as = A->rhead;
        unqueue(A, as);
        struct six_pollfd pf = { .sd = as->sd, .events = POLLIN | POLLOUT };
        six_poll(as->st, &pf, 1);
        as->fn(as, pf.revents);       /* may close/free as */
    }
}

void app_sock_init(struct app_sock *as, struct six_stack *st, int sd, app_sock_fn fn, void *ctx)
{
    memset(as, 0, sizeof *as);
    as->st = st;
    as->sd = sd;
    as->fn = fn;
    as->ctx = ctx;
    apps_get(st);
    six_sock_set_callback(st, sd, sock_cb, as);
    app_sock_kick(as);   /* the socket may already be ready */
}

void app_sock_detach(struct app_sock *as)
{
    if (as->sd < 0)
        return;
    if (as->st->apps)
        unqueue(as->st->apps, as);
    six_sock_set_callback(as->st, as->sd, NULL, NULL);
}

void app_sock_close(struct app_sock *as)
{
    if (as->sd < 0)
        return;
    app_sock_detach(as);
    six_close(as->st, as->sd);
    as->sd = -1;
}

/* ------------------------------------------------------------ addresses */

int apps_parse_addr(struct six_stack *st, const char *s, uint16_t port, struct sockaddr_storage *ss,
                    socklen_t *len)
{
    char buf[INET6_ADDRSTRLEN + 24];
    memset(ss, 0, sizeof *ss);
    if (strlen(s) >= sizeof buf)
        return -1;
    strcpy(buf, s);
    char *pct = strchr(buf, '%');
    unsigned scope = 0;
    if (pct) {
        *pct++ = '\0';
        struct ifnet *ifp = if_find(st, pct);
        if (!ifp)
            return -1;
        scope = ifp->index;
    }
    struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
    if (inet_pton(AF_INET6, buf, &s6->sin6_addr) == 1) {
        s6->sin6_family = AF_INET6;
        s6->sin6_port = htons(port);
        s6->sin6_scope_id = scope;
        *len = sizeof *s6;
        return 0;
    }
    struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
    if (!pct && inet_pton(AF_INET, buf, &s4->sin_addr) == 1) {
        s4->sin_family = AF_INET;
        s4->sin_port = htons(port);
        *len = sizeof *s4;
        return 0;
    }
    return -1;
}

bool apps_host_name_ok(const char *s)
{
    size_t n = strlen(s);
    if (!n || n > APPS_NAME_MAX || s[0] == '.' || s[0] == '-')
        return false;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '-' && *s != '_' && *s != '.')
            return false;
    return true;
}

const char *apps_sa_str(const struct sockaddr *sa, char *buf, size_t n)
{
    char a[INET6_ADDRSTRLEN];
    if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
        inet_ntop(AF_INET6, &s6->sin6_addr, a, sizeof a);
        snprintf(buf, n, "[%s]:%u", a, ntohs(s6->sin6_port));
    } else if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;
        inet_ntop(AF_INET, &s4->sin_addr, a, sizeof a);
        snprintf(buf, n, "%s:%u", a, ntohs(s4->sin_port));
    } else {
        snprintf(buf, n, "?");
    }
    return buf;
}

int apps_dual_socket(struct six_stack *st, int type, uint16_t port, int backlog)
{
    int sd = six_socket(st, AF_INET6, type, 0);
    if (sd < 0)
        return -1;
    int off = 0;
    struct sockaddr_in6 any = { .sin6_family = AF_INET6, .sin6_port = htons(port) };
    if (six_setsockopt(st, sd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off) < 0 ||
        six_bind(st, sd, (struct sockaddr *)&any, sizeof any) < 0 ||
        (type == SOCK_STREAM && six_listen(st, sd, backlog) < 0)) {
        int e = errno;
        six_close(st, sd);
        errno = e;
        return -1;
    }
    return sd;
}
