/* Loopback. xmit queues the frames and arms a 0-delay timer that feeds them
 * back through if_input(). Delivering from xmit itself would re-enter the
 * network layer in the middle of an output path (a TCP burst would see its
 * own ACKs while still sending), exactly why BSD's looutput goes through a
 * queue; the timer also keeps recursion depth bounded. In real mode the
 * delay is at most one timer tick (1 ms); in the simulator it is zero. */
#include <errno.h>
#include <stdlib.h>
#include "link/loop.h"
#include "net/stack.h"

struct loop_drv {
    struct ifnet *ifp;
    struct pkt_queue q;
    struct timer t;
};

static void loop_deliver(struct timer *t, void *arg)
{
    struct loop_drv *d = arg;
    struct pkt *batch[IF_TXQ_BATCH];
    /* Only what was queued before this call: replies produced meanwhile go
     * out through if_output and come back on the next round. */
    uint32_t todo = d->q.n;
    (void)t;
    while (todo) {
        unsigned n = 0;
        while (n < IF_TXQ_BATCH && todo) {
            struct pkt *p = pktq_pop(&d->q);
            p->flags = 0;
            batch[n++] = p;
            todo--;
        }
        if_input(d->ifp, batch, n);
    }
    if (d->q.n)
        timer_arm(d->ifp->st->tw, &d->t, 0);
}

static unsigned loop_xmit(struct ifnet *ifp, struct pkt **pkts, unsigned n)
{
    struct loop_drv *d = ifp->drv;
    for (unsigned i = 0; i < n; i++)
        pktq_push(&d->q, pkts[i]);
    if (n && !timer_pending(&d->t))
        timer_arm(ifp->st->tw, &d->t, 0);
    return n;
}

static void loop_destroy(struct ifnet *ifp)
{
    struct loop_drv *d = ifp->drv;
    timer_cancel(&d->t);
    pktq_purge(&d->q);
    free(d);
}

static const struct if_ops loop_ops = {
    .kind = "loop", .xmit = loop_xmit, .destroy = loop_destroy,
};

struct ifnet *loop_create(struct six_stack *st)
{
    struct loop_drv *d = calloc(1, sizeof(*d));
    if (!d) {
        errno = ENOMEM;
        return NULL;
    }
    pktq_init(&d->q);
    timer_init(&d->t, loop_deliver, d);
    d->ifp = if_attach(st, "lo", IFT_LOOP, &loop_ops, d);
    if (!d->ifp) {
        free(d);
        return NULL;
    }
    d->ifp->flags |= IFF6_NOARP;
    if_set_running(d->ifp, true);
    return d->ifp;
}
