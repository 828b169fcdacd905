/* Echo sessions (ICMPv6 and ICMP) driven by the stack's timers: what
 * `sixctl ping`, the demo and the tests use. At most PING_MAX sessions. */
#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include "net/ping.h"
#include "net/ip6_var.h"
#include "net/ip4_var.h"
#include "wire/icmp6.h"
#include "wire/ip6ext.h"

#define PING_MAX 16
#define PING_RING 64
#define PING_MAX_SIZE 65000

struct ping_sess {
    bool in_use;
    int id;
    uint16_t ident;
    struct ping_params pp;
    struct ping_result res;
    uint64_t sent_ns[PING_RING];
    bool answered[PING_RING];
    struct timer timer;
    bool finishing;
    ping_cb cb;
    void *arg;
    struct six_stack *st;
};

struct ping_state {
    struct ping_sess s[PING_MAX];
    int next_id;
    uint8_t payload[PING_MAX_SIZE];   /* the same pattern for every request */
};

static void ping_timer_fn(struct timer *t, void *arg);

int ping_init(struct six_stack *st)
{
    struct ping_state *ps = calloc(1, sizeof *ps);

    if (!ps)
        return -ENOMEM;
    for (int i = 0; i < PING_MAX; i++) {
        timer_init(&ps->s[i].timer, ping_timer_fn, &ps->s[i]);
        ps->s[i].st = st;
    }
    ps->next_id = 1;
    for (size_t i = 0; i < PING_MAX_SIZE; i++)
        ps->payload[i] = (uint8_t)i;
    st->ping = ps;
    return 0;
}

void ping_destroy(struct six_stack *st)
{
    if (!st->ping)
        return;
    for (int i = 0; i < PING_MAX; i++)
        timer_cancel(&st->ping->s[i].timer);
    free(st->ping);
    st->ping = NULL;
}

static int send_request(struct ping_sess *s)
{
    struct six_stack *st = s->st;
    const uint8_t *payload = st->ping->payload;
    size_t size = s->pp.size;
    uint16_t seq = (uint16_t)s->res.sent;

    s->sent_ns[seq % PING_RING] = six_now(st);
    s->answered[seq % PING_RING] = false;
    s->res.sent++;
    if (s->pp.family == AF_INET)
        return icmp4_echo_send_from(st, s->pp.src4, s->pp.dst4, s->ident, seq, payload, size,
                                    s->pp.hlim ? s->pp.hlim : -1);
    struct ip6_out o = { .src = s->pp.src6, .dst = s->pp.dst6, .nxt = IP6_NXT_ICMPV6, .hlim = s->pp.hlim ? s->pp.hlim : -1,
                         .ifp = s->pp.ifindex ? if_byindex(st, s->pp.ifindex) : NULL };
    return icmp6_send(st, &o, ICMP6_ECHO_REQUEST, 0, ((uint32_t)s->ident << 16) | seq, payload, size);
}

static void finish(struct ping_sess *s)
{
    s->in_use = false;
    timer_cancel(&s->timer);
    if (s->cb)
        s->cb(s->arg, true, 0, 0, 0, &s->res);
}

static void ping_timer_fn(struct timer *t, void *arg)
{
    struct ping_sess *s = arg;

    if (s->finishing || s->res.sent >= s->pp.count) {
        finish(s);
        return;
    }
    int rc = send_request(s);
    if (rc < 0) {
        s->res.errors++;
        snprintf(s->res.last_error, sizeof s->res.last_error, "send: %s", strerror(-rc));
    }
    if (s->res.sent >= s->pp.count) {
        s->finishing = true;
        timer_arm(s->st->tw, t, (uint64_t)s->pp.timeout_ms * NS_PER_MS);
    } else {
        timer_arm(s->st->tw, t, (uint64_t)s->pp.interval_ms * NS_PER_MS);
    }
}

int ping_start(struct six_stack *st, const struct ping_params *pp, ping_cb cb, void *arg)
{
    struct ping_sess *s = NULL;

    if ((pp->family != AF_INET && pp->family != AF_INET6) || pp->size > PING_MAX_SIZE)
        return -EINVAL;
    for (int i = 0; i < PING_MAX && !s; i++)
        if (!st->ping->s[i].in_use)
            s = &st->ping->s[i];
    if (!s)
        return -EBUSY;
    memset(&s->res, 0, sizeof s->res);
    s->pp = *pp;
    if (!s->pp.count) s->pp.count = 3;
    if (!s->pp.interval_ms) s->pp.interval_ms = 1000;
    if (!s->pp.timeout_ms) s->pp.timeout_ms = 2000;
    if (!pp->size && !pp->count) s->pp.size = 56;
    s->in_use = true;
    s->finishing = false;
    s->id = st->ping->next_id++;
    s->ident = (uint16_t)six_random_secure(st);
    s->cb = cb;
    s->arg = arg;
    timer_arm(st->tw, &s->timer, 0);
    return s->id;
}

void ping_cancel(struct six_stack *st, int id)
{
    for (int i = 0; i < PING_MAX; i++)
        if (st->ping->s[i].in_use && st->ping->s[i].id == id) {
            st->ping->s[i].cb = NULL;
            st->ping->s[i].in_use = false;
            timer_cancel(&st->ping->s[i].timer);
        }
}

static struct ping_sess *find(struct six_stack *st, int family, uint16_t ident)
{
    for (int i = 0; i < PING_MAX; i++) {
        struct ping_sess *s = &st->ping->s[i];
        if (s->in_use && s->pp.family == family && s->ident == ident)
            return s;
    }
    return NULL;
}

void ping_reply_input(struct six_stack *st, int family, uint16_t id, uint16_t seq, unsigned ttl, size_t len)
{
    struct ping_sess *s = find(st, family, id);
    (void)len;

    if (!s || seq >= s->res.sent || s->answered[seq % PING_RING])
        return;
    s->answered[seq % PING_RING] = true;
    uint64_t rtt = six_now(st) - s->sent_ns[seq % PING_RING];
    struct ping_result *r = &s->res;
    if (!r->received || rtt < r->rtt_min_ns) r->rtt_min_ns = rtt;
    if (rtt > r->rtt_max_ns) r->rtt_max_ns = rtt;
    r->rtt_sum_ns += rtt;
    r->received++;
    if (s->cb)
        s->cb(s->arg, false, seq, rtt, ttl, r);
    if (s->finishing && r->received + r->errors >= s->pp.count)
        finish(s);
}

void ping_error_input(struct six_stack *st, int family, uint16_t id, uint16_t seq, const char *what)
{
    struct ping_sess *s = find(st, family, id);

    if (!s || seq >= s->res.sent)
        return;
    s->res.errors++;
    snprintf(s->res.last_error, sizeof s->res.last_error, "%s (seq %u)", what, seq);
}
