/* Simulator: a virtual clock, one timer wheel shared by every stack of the
 * world, and links that carry frames between interfaces of those stacks.
 *
 * A link keeps its frames in flight in a binary min-heap ordered by
 * (arrival time, sequence number) — the sequence number makes equal arrival
 * times FIFO and the whole run reproducible — with one timer armed for the
 * head. The frame in flight is the sender's own buffer (like a NIC tx ring:
 * a sender's pool bounds what it can have in flight); on arrival it is
 * copied into each receiver's pool, as a real wire would, and freed. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "link/sim.h"
#include "core/log.h"
#include "net/stack.h"

#define SIM_MAX_STEPS_AT_ONE_INSTANT 1000000u   /* livelock guard */

struct sim_port {
    struct sim_link *link;
    struct ifnet *ifp;
};

struct sim_flight {
    uint64_t at, seq;
    struct sim_port *from;
    struct pkt *p;
};

struct sim_link {
    struct sim_world *w;
    struct sim_link *next;          /* world's list */
    char name[32];
    bool p2p;
    struct sim_link_params prm;
    uint64_t rng;                   /* per-link stream: links do not perturb each other */
    struct sim_port **ports;
    unsigned nports, cap_ports;
    struct sim_flight *heap;        /* SIM_LINK_MAX_INFLIGHT entries */
    unsigned nheap;
    uint64_t seq;
    uint64_t busy_until;            /* medium busy (bandwidth) */
    struct timer t;                 /* fires at heap[0].at */
    struct sim_link_stats stats;
};

struct sim_world {
    uint64_t now;
    uint64_t rng;
    struct six_clock clock;
    struct timer_wheel *tw;
    struct six_stack **stacks;
    unsigned nstacks, cap_stacks;
    struct sim_link *links;
};

/* --- randomness: splitmix64, tiny and good enough for simulation --- */

static uint64_t splitmix(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static double uniform01(uint64_t *s)
{
    return (double)(splitmix(s) >> 11) * 0x1.0p-53;
}

static bool chance(uint64_t *s, double p)
{
    return p > 0 && uniform01(s) < p;
}

uint64_t sim_random(struct sim_world *w) { return splitmix(&w->rng); }

/* --- world --- */

static uint64_t world_now(void *ctx) { return ((const struct sim_world *)ctx)->now; }

struct sim_world *sim_world_create(uint64_t seed)
{
    struct sim_world *w = calloc(1, sizeof(*w));
    if (!w)
        return NULL;
    w->rng = seed;
    w->clock.now = world_now;
    w->clock.ctx = w;
    w->tw = timer_wheel_create(&w->clock);
    if (!w->tw) {
        free(w);
        return NULL;
    }
    return w;
}

static void link_free(struct sim_link *l);

void sim_world_destroy(struct sim_world *w)
{
    if (!w)
        return;
    while (w->links) {
        struct sim_link *l = w->links;
        w->links = l->next;
        /* Interfaces still attached belong to live stacks: take them away. */
        while (l->nports)
            if_detach(l->ports[l->nports - 1]->ifp);
        link_free(l);
    }
    timer_wheel_destroy(w->tw);
    free(w->stacks);
    free(w);
}

const struct six_clock *sim_clock(struct sim_world *w) { return &w->clock; }
struct timer_wheel *sim_wheel(struct sim_world *w) { return w->tw; }
uint64_t sim_now(const struct sim_world *w) { return w->now; }

void sim_register_stack(struct sim_world *w, struct six_stack *st)
{
    for (unsigned i = 0; i < w->nstacks; i++)
        if (w->stacks[i] == st)
            return;
    if (w->nstacks == w->cap_stacks) {
        unsigned cap = w->cap_stacks ? 2 * w->cap_stacks : 8;
        struct six_stack **a = realloc(w->stacks, cap * sizeof(*a));
        if (!a) {
            LOGE("sim: cannot register stack %s: out of memory", st->name);
            return;
        }
        w->stacks = a;
        w->cap_stacks = cap;
    }
    w->stacks[w->nstacks++] = st;
}

void sim_unregister_stack(struct sim_world *w, struct six_stack *st)
{
    for (unsigned i = 0; i < w->nstacks; i++) {
        if (w->stacks[i] == st) {
            memmove(&w->stacks[i], &w->stacks[i + 1], (w->nstacks - i - 1) * sizeof(*w->stacks));
            w->nstacks--;
            return;
        }
    }
}

/* --- time --- */

static void flush_all(struct sim_world *w)
{
    for (unsigned i = 0; i < w->nstacks; i++)
        six_stack_flush(w->stacks[i]);
}

/* One step: move the clock to t (never backwards), fire what is due, let
 * every stack's output leave. */
static void step_to(struct sim_world *w, uint64_t t, unsigned *same_instant)
{
    if (t > w->now) {
        w->now = t;
        *same_instant = 0;
    } else if (++*same_instant > SIM_MAX_STEPS_AT_ONE_INSTANT) {
        LOGE("sim: livelock: %u steps without time advancing at t=%llu ns",
             *same_instant, (unsigned long long)w->now);
        abort();
    }
    timer_wheel_run(w->tw, w->now);
    flush_all(w);
}

void sim_run_until(struct sim_world *w, uint64_t abs_ns)
{
    unsigned same = 0;
    flush_all(w);   /* whatever the caller queued before running */
    for (;;) {
        uint64_t nx = timer_wheel_next(w->tw);
        if (nx > abs_ns)
            break;
        step_to(w, nx, &same);
    }
    if (abs_ns > w->now)
        w->now = abs_ns;
}

void sim_run_for(struct sim_world *w, uint64_t ns)
{
    sim_run_until(w, ns > UINT64_MAX - w->now ? UINT64_MAX : w->now + ns);
}

bool sim_run_while_not(struct sim_world *w, bool (*pred)(void *arg), void *arg, uint64_t max_ns)
{
    uint64_t end = max_ns > UINT64_MAX - w->now ? UINT64_MAX : w->now + max_ns;
    unsigned same = 0;
    flush_all(w);
    while (!pred(arg)) {
        uint64_t nx = timer_wheel_next(w->tw);
        if (nx > end) {
            if (end > w->now)
                w->now = end;
            return pred(arg);
        }
        step_to(w, nx, &same);
    }
    return true;
}

/* --- in-flight heap --- */

static bool flight_before(const struct sim_flight *a, const struct sim_flight *b)
{
    return a->at < b->at || (a->at == b->at && a->seq < b->seq);
}

static void heap_up(struct sim_flight *h, unsigned i)
{
    while (i > 0) {
        unsigned parent = (i - 1) / 2;
        if (!flight_before(&h[i], &h[parent]))
            break;
        struct sim_flight tmp = h[i];
        h[i] = h[parent];
        h[parent] = tmp;
        i = parent;
    }
}

static void heap_down(struct sim_flight *h, unsigned n, unsigned i)
{
    for (;;) {
        unsigned l = 2 * i + 1, r = l + 1, m = i;
        if (l < n && flight_before(&h[l], &h[m]))
            m = l;
        if (r < n && flight_before(&h[r], &h[m]))
            m = r;
        if (m == i)
            break;
        struct sim_flight tmp = h[i];
        h[i] = h[m];
        h[m] = tmp;
        i = m;
    }
}

static void heap_pop(struct sim_link *l, struct sim_flight *out)
{
    *out = l->heap[0];
    l->heap[0] = l->heap[--l->nheap];
    heap_down(l->heap, l->nheap, 0);
}

/* Keep the link's timer on the head of the heap. */
static void rearm(struct sim_link *l)
{
    if (!l->nheap)
        timer_cancel(&l->t);
    else if (!timer_pending(&l->t) || l->t.expires != l->heap[0].at)
        timer_arm_at(l->w->tw, &l->t, l->heap[0].at);
}

/* --- delivery --- */

static void deliver_copy(struct sim_link *l, struct sim_port *to, const struct pkt *p)
{
    struct ifnet *ifp = to->ifp;
    struct pkt *q = pkt_alloc(ifp->pool, p->len);
    if (!q) {
        l->stats.no_buffer++;
        ifp->stats.idrops++;
        CTR_INC(ifp->st, if, drop_no_buffer);
        return;
    }
    memcpy(pkt_put(q, p->len), pkt_data(p), p->len);
    l->stats.delivered++;
    if_input(ifp, &q, 1);
}

static void deliver(struct sim_link *l, struct sim_port *from, const struct pkt *p)
{
    /* Index loop re-reading nports: a receiver may detach ports meanwhile. */
    for (unsigned i = 0; i < l->nports; i++)
        if (l->ports[i] != from)
            deliver_copy(l, l->ports[i], p);
}

static void link_timer(struct timer *t, void *arg)
{
    struct sim_link *l = arg;
    (void)t;
    while (l->nheap && l->heap[0].at <= l->w->now) {
        struct sim_flight f;
        heap_pop(l, &f);
        deliver(l, f.from, f.p);
        pkt_free(f.p);
    }
    rearm(l);
}

/* --- sending --- */

static bool enqueue(struct sim_link *l, struct sim_port *from, struct pkt *p, uint64_t at)
{
    if (l->nheap >= SIM_LINK_MAX_INFLIGHT) {
        l->stats.queue_full++;
        pkt_free(p);
        return false;
    }
    struct sim_flight *f = &l->heap[l->nheap];
    f->at = at;
    f->seq = l->seq++;
    f->from = from;
    f->p = p;
    heap_up(l->heap, l->nheap++);
    return true;
}

/* When the frame's last bit arrives at the far end. */
static uint64_t arrival_time(struct sim_link *l, uint32_t len)
{
    uint64_t now = l->w->now, base = now;
    if (l->prm.bandwidth_bps) {
        uint64_t start = l->busy_until > now ? l->busy_until : now;
        l->busy_until = start + (uint64_t)len * 8u * NS_PER_SEC / l->prm.bandwidth_bps;
        base = l->busy_until;
    }
    uint64_t at = base + l->prm.delay_ns;
    if (l->prm.jitter_ns)
        at += splitmix(&l->rng) % l->prm.jitter_ns;
    return at;
}

static bool send_one(struct sim_link *l, struct sim_port *from, struct pkt *p)
{
    struct ifnet *ifp = from->ifp;
    uint32_t max = l->prm.mtu + (l->p2p ? 0u : 14u);
    l->stats.sent++;
    if (p->len > max) {
        l->stats.too_big++;
        CTR_INC(ifp->st, if, drop_too_big);
        pkt_free(p);
        return false;
    }
    if (chance(&l->rng, l->prm.loss)) {
        l->stats.lost++;
        pkt_free(p);
        return true;   /* the driver did send it: the wire lost it */
    }
    uint64_t at = arrival_time(l, p->len);
    if (chance(&l->rng, l->prm.reorder)) {
        l->stats.reordered++;
        at += l->prm.delay_ns > NS_PER_MS ? l->prm.delay_ns : NS_PER_MS;
    }
    if (chance(&l->rng, l->prm.dup)) {
        struct pkt *d = pkt_copy(ifp->pool, p);
        if (d && enqueue(l, from, d, at))
            l->stats.duplicated++;
    }
    return enqueue(l, from, p, at);
}

static unsigned sim_xmit(struct ifnet *ifp, struct pkt **pkts, unsigned n)
{
    struct sim_port *port = ifp->drv;
    struct sim_link *l = port->link;
    unsigned sent = 0;
    for (unsigned i = 0; i < n; i++)
        sent += send_one(l, port, pkts[i]);
    rearm(l);
    return sent;
}

/* --- links and ports --- */

static void set_params(struct sim_link *l, const struct sim_link_params *p)
{
    static const struct sim_link_params zero;
    l->prm = p ? *p : zero;
    if (!l->prm.mtu)
        l->prm.mtu = 1500;
}

static struct sim_link *link_new(struct sim_world *w, const char *name,
                                 const struct sim_link_params *p, bool p2p)
{
    struct sim_link *l = calloc(1, sizeof(*l));
    if (!l)
        return NULL;
    l->heap = calloc(SIM_LINK_MAX_INFLIGHT, sizeof(*l->heap));
    if (!l->heap) {
        free(l);
        return NULL;
    }
    l->w = w;
    l->p2p = p2p;
    snprintf(l->name, sizeof(l->name), "%s", name ? name : "link");
    set_params(l, p);
    l->rng = splitmix(&w->rng);
    timer_init(&l->t, link_timer, l);
    l->next = w->links;
    w->links = l;
    return l;
}

static void link_free(struct sim_link *l)
{
    timer_cancel(&l->t);
    free(l->ports);
    free(l->heap);
    free(l);
}

struct sim_link *sim_link_create(struct sim_world *w, const char *name, const struct sim_link_params *p)
{
    return link_new(w, name, p, false);
}

struct sim_link *sim_link_create_p2p(struct sim_world *w, const char *name, const struct sim_link_params *p)
{
    return link_new(w, name, p, true);
}

void sim_link_set_params(struct sim_link *l, const struct sim_link_params *p)
{
    set_params(l, p);
}

void sim_link_get_stats(const struct sim_link *l, struct sim_link_stats *s)
{
    *s = l->stats;
}

/* Drop the frames a departing port still has in flight: they live in its
 * stack's pool, which may be about to go away. */
static void purge_from(struct sim_link *l, struct sim_port *port)
{
    unsigned kept = 0;
    for (unsigned i = 0; i < l->nheap; i++) {
        if (l->heap[i].from == port)
            pkt_free(l->heap[i].p);
        else
            l->heap[kept++] = l->heap[i];
    }
    l->nheap = kept;
    for (unsigned i = kept / 2; i-- > 0;)
        heap_down(l->heap, l->nheap, i);
    rearm(l);
}

static void sim_destroy(struct ifnet *ifp)
{
    struct sim_port *port = ifp->drv;
    struct sim_link *l = port->link;
    purge_from(l, port);
    for (unsigned i = 0; i < l->nports; i++) {
        if (l->ports[i] == port) {
            memmove(&l->ports[i], &l->ports[i + 1], (l->nports - i - 1) * sizeof(*l->ports));
            l->nports--;
            break;
        }
    }
    free(port);
}

static const struct if_ops sim_ops = { .kind = "sim", .xmit = sim_xmit, .destroy = sim_destroy };

static int add_port(struct sim_link *l, struct sim_port *port)
{
    if (l->nports == l->cap_ports) {
        unsigned cap = l->cap_ports ? 2 * l->cap_ports : 4;
        struct sim_port **a = realloc(l->ports, cap * sizeof(*a));
        if (!a)
            return -ENOMEM;
        l->ports = a;
        l->cap_ports = cap;
    }
    l->ports[l->nports++] = port;
    return 0;
}

static void random_mac(struct sim_world *w, struct eth_addr *a)
{
    uint64_t r = splitmix(&w->rng);
    for (int i = 0; i < 6; i++)
        a->b[i] = (uint8_t)(r >> (8 * i));
    a->b[0] = (uint8_t)((a->b[0] & 0xfc) | 0x02);   /* locally administered, unicast */
}

struct ifnet *sim_attach(struct sim_link *l, struct six_stack *st, const char *ifname,
                         const struct eth_addr *mac)
{
    if (st->tw != l->w->tw) {   /* its timers would never run in this world */
        errno = EINVAL;
        return NULL;
    }
    if (l->p2p && l->nports >= 2) {
        errno = ENOSPC;
        return NULL;
    }
    struct sim_port *port = calloc(1, sizeof(*port));
    if (!port) {
        errno = ENOMEM;
        return NULL;
    }
    port->link = l;
    if (add_port(l, port) < 0) {
        free(port);
        errno = ENOMEM;
        return NULL;
    }
    port->ifp = if_attach(st, ifname, l->p2p ? IFT_RAWIP : IFT_ETHER, &sim_ops, port);
    if (!port->ifp) {
        int e = errno;
        l->nports--;
        free(port);
        errno = e;
        return NULL;
    }
    struct ifnet *ifp = port->ifp;
    ifp->mtu = l->prm.mtu;
    if (l->p2p)
        ifp->flags |= IFF6_NOARP;
    else if (mac)
        ifp->hwaddr = *mac;
    else
        random_mac(l->w, &ifp->hwaddr);
    if_set_running(ifp, true);
    return ifp;
}

void sim_detach(struct ifnet *ifp)
{
    if_detach(ifp);
}
