/* Stack instance: creation, the poll step, randomness, traces. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "net/stack.h"
#include "net/ip6_var.h"
#include "net/ip4_var.h"
#include "net/ping.h"
#include "transport/sock.h"
#include "transport/tcp.h"
#include "apps/apps.h"
#include "transport/resolver.h"
#include "ipsec/ipsec.h"
#include "core/log.h"

#define POOL_SMALL_DEFAULT 8192
#define POOL_BIG_DEFAULT   64

struct six_stack *six_stack_create(const struct six_stack_opts *o)
{
    struct six_stack *st = calloc(1, sizeof *st);

    if (!st)
        return NULL;
    snprintf(st->name, sizeof st->name, "%s", o && o->name ? o->name : "six");
    st->clock = o && o->clock ? o->clock : &six_clock_mono;
    st->created_ns = six_now(st);
    if (o && o->tw) {
        st->tw = o->tw;
    } else {
        st->tw = timer_wheel_create(st->clock);
        st->own_tw = true;
    }
    st->pool = pkt_pool_create(o && o->n_small ? o->n_small : POOL_SMALL_DEFAULT,
                               o && o->n_big ? o->n_big : POOL_BIG_DEFAULT);
    if (!st->tw || !st->pool || six_random_init(st, o ? o->seed : 0) || net6_init(st) || net4_init(st) || ping_init(st) || sock_init(st) || tcp_init(st) ||
        resolver_init(st)) {
        six_stack_destroy(st);
        return NULL;
    }
    return st;
}

int six_stack_on_destroy(struct six_stack *st, void (*fn)(struct six_stack *st))
{
    for (int i = 0; i < SIX_EXT_MAX; i++)
        if (st->ext[i].destroy == fn)
            return 0;
    for (int i = 0; i < SIX_EXT_MAX; i++)
        if (!st->ext[i].destroy) {
            st->ext[i].destroy = fn;
            return 0;
        }
    return -ENOSPC;
}

int six_net_hook_add(struct six_stack *st, void (*fn)(void *arg, struct ifnet *ifp, int ev,
                                                      const struct in6_addr *a), void *arg)
{
    for (int i = 0; i < SIX_NET_HOOKS_MAX; i++)
        if (!st->net_hooks[i].fn) {
            st->net_hooks[i] = (struct six_net_hook){ fn, arg };
            return 0;
        }
    return -ENOSPC;
}

void six_net_hook_del(struct six_stack *st, void (*fn)(void *arg, struct ifnet *ifp, int ev,
                                                       const struct in6_addr *a), void *arg)
{
    for (int i = 0; i < SIX_NET_HOOKS_MAX; i++)
        if (st->net_hooks[i].fn == fn && st->net_hooks[i].arg == arg)
            st->net_hooks[i] = (struct six_net_hook){ 0 };
}

void six_net_event(struct six_stack *st, struct ifnet *ifp, enum six_net_event ev, const struct in6_addr *a)
{
    for (int i = 0; i < SIX_NET_HOOKS_MAX; i++)
        if (st->net_hooks[i].fn)
            st->net_hooks[i].fn(st->net_hooks[i].arg, ifp, (int)ev, a);
}

int six_tun_hook_add(struct six_stack *st, six_tun_input_fn fn, void *arg)
{
    for (int i = 0; i < SIX_NET_HOOKS_MAX; i++)
        if (!st->tun_hooks[i].fn) {
            st->tun_hooks[i] = (struct six_tun_hook){ fn, arg };
            return 0;
        }
    return -ENOSPC;
}

void six_tun_hook_del(struct six_stack *st, six_tun_input_fn fn, void *arg)
{
    for (int i = 0; i < SIX_NET_HOOKS_MAX; i++)
        if (st->tun_hooks[i].fn == fn && st->tun_hooks[i].arg == arg)
            st->tun_hooks[i] = (struct six_tun_hook){ 0 };
}

bool six_tun_input(struct six_stack *st, struct ifnet *ifp, struct pkt *p, size_t off, uint8_t proto,
                   const struct in6_addr *src, const struct in6_addr *dst)
{
    for (int i = 0; i < SIX_NET_HOOKS_MAX; i++)
        if (st->tun_hooks[i].fn && st->tun_hooks[i].fn(st->tun_hooks[i].arg, ifp, p, off, proto, src, dst))
            return true;
    return false;
}

void six_stack_destroy(struct six_stack *st)
{
    if (!st)
        return;
    for (int i = SIX_EXT_MAX - 1; i >= 0; i--)
        if (st->ext[i].destroy)
            st->ext[i].destroy(st);
    apps_destroy(st);
    ipsec_destroy(st);
    resolver_destroy(st);
    for (unsigned i = 0; i < SIX_MAX_IFS; i++)
        if (st->ifs[i])
            if_detach(st->ifs[i]);
    tcp_destroy(st);
    sock_destroy(st);
    ping_destroy(st);
    net4_destroy(st);
    net6_destroy(st);
    six_oplog_destroy(st);
    if (st->own_tw)
        timer_wheel_destroy(st->tw);
    if (st->pool)
        pkt_pool_destroy(st->pool);
    six_random_destroy(st);
    free(st);
}

/* A tunnel (gif) flushed after the interface its outer packets leave by
 * queues them there: go round again while something was flushed. Bounded:
 * each round goes one tunnel level down and gif nesting is bounded. */
void six_stack_flush(struct six_stack *st)
{
    for (unsigned round = 0; round < 4; round++) {
        bool any = false;
        for (unsigned i = 0; i < SIX_MAX_IFS; i++) {
            if (st->ifs[i] && st->ifs[i]->txq.n) {
                if_flush(st->ifs[i]);
                any = true;
            }
        }
        if (!any)
            return;
    }
}

void six_stack_poll(struct six_stack *st)
{
    if (st->own_tw)
        timer_wheel_run(st->tw, six_now(st));
    six_stack_flush(st);
}

void six_trace(struct six_stack *st, const char *fmt, ...)
{
    char msg[256];
    va_list ap;

    if (!st->trace && six_log_level() < LOG_DEBUG)
        return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (st->trace)
        st->trace(st->trace_ctx, st, msg);
    else
        LOGD("%s: %s", st->name, msg);
}

void six_set_forwarding(struct six_stack *st, bool v6, bool v4)
{
    bool was6 = st->fwd6;

    st->fwd6 = v6;
    st->fwd4 = v4;
    if (was6 == v6)
        return;
    /* Routers join ff02::2 and stop soliciting; hosts the reverse. */
    static const struct in6_addr all_routers = { .s6_addr = { 0xff, 2, [15] = 2 } };
    for (unsigned i = 0; i < SIX_MAX_IFS; i++) {
        struct ifnet *ifp = st->ifs[i];
        if (!ifp || ifp->type == IFT_LOOP)
            continue;
        if (v6)
            in6_join(ifp, &all_routers);
        else
            in6_leave(ifp, &all_routers);
    }
}
