/* Dialing a host name for the clients (http get, nc): look it up with the
 * stack's resolver, then connect to its addresses one after the other in
 * the order the resolver gives (RFC 6724 destination order), falling back
 * to the next address when a connect is refused, fails, or does not finish
 * within its share of the wait. This is RFC 8305 without the racing: one
 * attempt at a time, each given (time left) / (addresses left), so a fast
 * refusal leaves the whole remainder to the next address.
 *
 * The user's callback never runs inside app_dial_start(): a lookup answered
 * at once (cache, localhost) goes on from a zero-delay timer, like any
 * other step. */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "apps/apps_int.h"
#include "net/stack.h"
#include "six/socket.h"
#include "six/resolver.h"

#define MS 1000000ull

enum dstate {
    D_LOOKUP,       /* the resolver has it; timer: the whole wait */
    D_NEXT,         /* timer (zero delay): try the next address */
    D_CONNECTING,   /* as: the attempt; timer: its share of the wait */
    D_REPORT,       /* timer (zero delay): report res (a failure, or a datagram's address) */
};

struct app_dial {
    struct six_stack *st;
    char name[APPS_NAME_MAX + 1];
    uint16_t port;
    int socktype;
    app_dial_fn fn;
    void *arg;
    enum dstate state;
    int gai;                          /* resolver handle while looking up, else 0 */
    struct timer t;
    uint64_t deadline;                /* ns; 0: none (datagram lookups) */
    unsigned wait_ms;
    struct sockaddr_storage addr[APPS_DIAL_MAX];
    socklen_t len[APPS_DIAL_MAX];
    unsigned n, cur;                  /* addresses; the one tried now */
    struct app_sock as;
    struct app_dial_result res;
    unsigned ntried;
    size_t tried_len;                 /* of the list of failed attempts */
    char tried[160];
};

static void dial_free(struct app_dial *d)
{
    if (d->gai)
        six_getaddrinfo_cancel(d->st, d->gai);
    app_sock_close(&d->as);
    timer_cancel(&d->t);
    free(d);
}

void app_dial_cancel(struct app_dial *d)
{
    if (d)
        dial_free(d);
}

/* Hand the result over and free the dial (the user's callback comes last:
 * it may free the user's object, which would cancel us). */
static void report(struct app_dial *d)
{
    struct app_dial_result r = d->res;
    app_dial_fn fn = d->fn;
    void *arg = d->arg;
    d->as.sd = -1;                    /* a connected socket is the user's now */
    dial_free(d);
    fn(arg, &r);
}

static void fail_later(struct app_dial *d, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void fail_later(struct app_dial *d, int err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->res.why, sizeof d->res.why, fmt, ap);
    va_end(ap);
    d->res.err = err;
    d->res.sd = -1;
    d->state = D_REPORT;
    apps_timer_arm(d->st, &d->t, 0);
}

/* "[2001:db8::1]:80 Connection refused" onto the list of failed attempts. */
static void note_failure(struct app_dial *d, int err)
{
    char a[80];
    apps_sa_str((struct sockaddr *)&d->addr[d->cur], a, sizeof a);
    int k = snprintf(d->tried + d->tried_len, sizeof d->tried - d->tried_len, "%s%s %s",
                     d->tried_len ? ", " : "", a, strerror(err));
    if (k > 0)
        d->tried_len = strlen(d->tried);  /* a cut list stays a valid string */
    d->ntried++;
    d->res.err = err;
}

static void dial_ev(struct app_sock *as, short rev);

/* Start connecting to the next address that takes a connect; when none is
 * left, fail with the list of what was tried. */
static void try_next(struct app_dial *d)
{
    for (; d->cur < d->n; d->cur++) {
        struct sockaddr_storage *ss = &d->addr[d->cur];
        int sd = six_socket(d->st, ss->ss_family, SOCK_STREAM, 0);
        if (sd < 0) {
            note_failure(d, errno);
            continue;
        }
        if (six_connect(d->st, sd, (struct sockaddr *)ss, d->len[d->cur]) < 0 && errno != EINPROGRESS) {
            note_failure(d, errno);       /* no route, no source address: at once */
            six_close(d->st, sd);
            continue;
        }
        uint64_t now = six_now(d->st), left = d->deadline > now ? d->deadline - now : 0;
        uint64_t share = left / (d->n - d->cur);
        d->state = D_CONNECTING;
        app_sock_init(&d->as, d->st, sd, dial_ev, d);
        timer_arm(d->st->tw, &d->t, share > MS ? share : MS);
        return;
    }
    fail_later(d, d->res.err ? d->res.err : EHOSTUNREACH, "no address of %s answered (%u tried: %s)", d->name,
               d->ntried, d->tried);
}

static void attempt_failed(struct app_dial *d, int err)
{
    note_failure(d, err);
    app_sock_close(&d->as);
    d->cur++;
    try_next(d);
}

static void dial_ev(struct app_sock *as, short rev)
{
    struct app_dial *d = as->ctx;
    if (rev & POLLERR) {
        int e = 0;
        socklen_t el = sizeof e;
        six_getsockopt(d->st, as->sd, SOL_SOCKET, SO_ERROR, &e, &el);
        attempt_failed(d, e ? e : ECONNREFUSED);
        return;
    }
    if (!(rev & POLLOUT))
        return;
    /* connected: the socket goes to the user without our callback */
    app_sock_detach(&d->as);
    d->res.err = 0;
    d->res.sd = d->as.sd;
    d->res.peer = d->addr[d->cur];
    d->res.peerlen = d->len[d->cur];
    report(d);
}

static void on_timer(struct timer *t, void *arg)
{
    struct app_dial *d = arg;
    switch (d->state) {
    case D_LOOKUP:
        six_getaddrinfo_cancel(d->st, d->gai);
        d->gai = 0;
        d->res.err = ETIMEDOUT;
        d->res.sd = -1;
        snprintf(d->res.why, sizeof d->res.why, "cannot resolve '%s': no answer within %u ms", d->name,
                 d->wait_ms);
        report(d);
        break;
    case D_NEXT:
        try_next(d);
        break;
    case D_CONNECTING:
        attempt_failed(d, ETIMEDOUT);
        break;
    case D_REPORT:
        report(d);
        break;
    }
}

/* Keep the addresses (the resolver's order) and go on from the timer. */
static void resolved(void *arg, int err, struct addrinfo *res)
{
    struct app_dial *d = arg;
    d->gai = 0;
    timer_cancel(&d->t);
    if (err) {
        /* EAI_FAIL is what "no server configured" comes back as: say so */
        fail_later(d, ENOENT, "cannot resolve '%s': %s%s", d->name, gai_strerror(err),
                   err == EAI_FAIL ? " (no DNS server known: dns server add ADDR)" : "");
        six_freeaddrinfo(res);
        return;
    }
    d->n = 0;
    for (struct addrinfo *ai = res; ai && d->n < APPS_DIAL_MAX; ai = ai->ai_next) {
        if ((ai->ai_family != AF_INET && ai->ai_family != AF_INET6) || ai->ai_addrlen > sizeof d->addr[0])
            continue;
        memcpy(&d->addr[d->n], ai->ai_addr, ai->ai_addrlen);
        d->len[d->n++] = ai->ai_addrlen;
    }
    six_freeaddrinfo(res);
    if (!d->n) {
        fail_later(d, ENOENT, "cannot resolve '%s': no IPv6 or IPv4 address", d->name);
        return;
    }
    if (d->socktype == SOCK_DGRAM) {  /* nothing to try: the first address is the one */
        d->res.err = 0;
        d->res.sd = -1;
        d->res.peer = d->addr[0];
        d->res.peerlen = d->len[0];
        d->state = D_REPORT;
        apps_timer_arm(d->st, &d->t, 0);
        return;
    }
    d->state = D_NEXT;
    apps_timer_arm(d->st, &d->t, 0);
}

struct app_dial *app_dial_start(struct six_stack *st, const char *name, uint16_t port, int socktype,
                                unsigned wait_ms, app_dial_fn fn, void *arg, char *why, size_t whyn)
{
    if (strlen(name) > APPS_NAME_MAX) {
        snprintf(why, whyn, "host name too long");
        return NULL;
    }
    struct app_dial *d = calloc(1, sizeof *d);
    if (!d || !apps_get(st)) {
        free(d);
        snprintf(why, whyn, "out of memory");
        return NULL;
    }
    snprintf(d->name, sizeof d->name, "%s", name);
    d->st = st;
    d->port = port;
    d->socktype = socktype;
    d->fn = fn;
    d->arg = arg;
    d->as.sd = -1;
    d->res.sd = -1;
    if (socktype == SOCK_STREAM && !wait_ms)
        wait_ms = 60000;              /* the shares need a whole to share */
    d->wait_ms = wait_ms;
    d->deadline = wait_ms ? six_now(st) + wait_ms * MS : 0;
    timer_init(&d->t, on_timer, d);
    d->state = D_LOOKUP;

    char serv[8];
    snprintf(serv, sizeof serv, "%u", port);
    /* AI_ADDRCONFIG: no AAAA asked for on an IPv4-only stack, nor A on an IPv6-only one */
    struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = socktype,
                              .ai_flags = AI_ADDRCONFIG | AI_NUMERICSERV };
    int h = six_getaddrinfo(st, name, serv, &hints, resolved, d);
    if (h < 0) {
        snprintf(why, whyn, "cannot resolve '%s': %s", name, gai_strerror(h));
        timer_cancel(&d->t);
        free(d);
        return NULL;
    }
    if (h > 0) {                      /* under way; 0: resolved() has run already */
        d->gai = h;
        if (d->deadline)
            timer_arm_at(st->tw, &d->t, d->deadline);
    }
    return d;
}
