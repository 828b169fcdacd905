/* Interfaces: attach/detach, flags, and the batched in/out paths between
 * drivers and the network layer. Control-plane objects are calloc'd; the
 * data path (if_input/if_output/if_flush) never allocates. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "link/ifnet.h"
#include "link/pcap.h"
#include "net/netif.h"
#include "net/stack.h"

static int lowest_free_slot(const struct six_stack *st)
{
    for (int i = 0; i < SIX_MAX_IFS; i++)
        if (!st->ifs[i])
            return i;
    return -1;
}

struct ifnet *if_attach(struct six_stack *st, const char *name, enum if_type type,
                        const struct if_ops *ops, void *drv)
{
    if (!name || !*name || strlen(name) >= IFNAMSIZ) {
        errno = EINVAL;
        return NULL;
    }
    if (if_find(st, name)) {
        errno = EEXIST;
        return NULL;
    }
    int slot = lowest_free_slot(st);
    if (slot < 0) {
        errno = ENOSPC;
        return NULL;
    }
    struct ifnet *ifp = calloc(1, sizeof(*ifp));
    if (!ifp) {
        errno = ENOMEM;
        return NULL;
    }
    memcpy(ifp->name, name, strlen(name) + 1);
    ifp->index = (unsigned)slot + 1;
    ifp->type = type;
    ifp->mtu = type == IFT_LOOP ? 65535 : 1500;
    ifp->flags = type == IFT_ETHER ? IFF6_MULTICAST : 0;
    ifp->ops = ops;
    ifp->drv = drv;
    ifp->st = st;
    ifp->pool = st->pool;
    pktq_init(&ifp->txq);
    /* In the table before net_if_attach: the network layer may look it up. */
    st->ifs[slot] = ifp;
    int rc = net_if_attach(ifp);
    if (rc) {
        st->ifs[slot] = NULL;
        free(ifp);
        errno = rc < 0 ? -rc : rc;
        return NULL;
    }
    return ifp;
}

void if_detach(struct ifnet *ifp)
{
    if (!ifp)
        return;
    if (ifp->flags & IFF6_UP) {   /* going away: no "link down" line */
        net_if_down(ifp);
        if_flush(ifp);
        ifp->flags &= ~IFF6_UP;
    }
    net_if_detach(ifp);
    ifp->st->ifs[ifp->index - 1] = NULL;
    pktq_purge(&ifp->txq);
    if_capture_stop(ifp);
    if (ifp->ops && ifp->ops->destroy)
        ifp->ops->destroy(ifp);
    free(ifp);
}

struct ifnet *if_find(const struct six_stack *st, const char *name)
{
    for (unsigned i = 0; i < SIX_MAX_IFS; i++)
        if (st->ifs[i] && !strcmp(st->ifs[i]->name, name))
            return st->ifs[i];
    return NULL;
}

struct ifnet *if_byindex(const struct six_stack *st, unsigned index)
{
    return index >= 1 && index <= SIX_MAX_IFS ? st->ifs[index - 1] : NULL;
}

int if_set_up(struct ifnet *ifp, bool up)
{
    bool was = ifp->flags & IFF6_UP;
    if (was == up)
        return 0;
    if (up) {
        ifp->flags |= IFF6_UP;
        six_event(ifp->st, LOG_INFO, "%s: link up", ifp->name);
        net_if_up(ifp);          /* may send (RS, DAD): the flag is already set */
        six_net_event(ifp->st, ifp, SIX_NE_LINK_UP, NULL);
    } else {
        net_if_down(ifp);        /* may send goodbyes (MLD done): still up here */
        if_flush(ifp);
        ifp->flags &= ~IFF6_UP;
        six_event(ifp->st, LOG_INFO, "%s: link down", ifp->name);
        six_net_event(ifp->st, ifp, SIX_NE_LINK_DOWN, NULL);
    }
    return 0;
}

int if_set_mtu(struct ifnet *ifp, uint32_t mtu)
{
    /* The IPv6 minimum (1280) is the network layer's business. */
    if (mtu < 68 || mtu > 65535)
        return -EINVAL;
    ifp->mtu = mtu;
    return 0;
}

void if_set_running(struct ifnet *ifp, bool running)
{
    if (running)
        ifp->flags |= IFF6_RUNNING;
    else
        ifp->flags &= ~IFF6_RUNNING;
}

static void capture(struct ifnet *ifp, const struct pkt *p)
{
    if (ifp->pcap)
        pcap_write(ifp->pcap, six_now(ifp->st), pkt_data(p), p->len);
}

void if_input(struct ifnet *ifp, struct pkt **pkts, unsigned n)
{
    struct six_stack *st = ifp->st;
    uint64_t now = n ? six_now(st) : 0;
    for (unsigned i = 0; i < n; i++) {
        struct pkt *p = pkts[i];
        p->rcvif = ifp;
        p->ts_ns = now;
        ifp->stats.ipackets++;
        ifp->stats.ibytes += p->len;
        CTR_INC(st, if, in_frames);
        capture(ifp, p);
        if (!(ifp->flags & IFF6_UP)) {
            ifp->stats.idrops++;
            CTR_INC(st, if, drop_down);
            pkt_free(p);
        } else if (ifp->input_hook) {
            ifp->input_hook(ifp, p);
        } else {
            net_input(ifp, p);
        }
    }
    /* Interfaces that only receive are never flushed by the stack: flush
     * their capture per batch (captures are for debugging: correctness
     * over speed). */
    if (ifp->pcap)
        pcap_flush(ifp->pcap);
}

void if_output(struct ifnet *ifp, struct pkt *p)
{
    capture(ifp, p);
    if (!(ifp->flags & IFF6_UP)) {
        ifp->stats.odrops++;
        CTR_INC(ifp->st, if, drop_down);
        pkt_free(p);
        return;
    }
    ifp->stats.opackets++;
    ifp->stats.obytes += p->len;
    CTR_INC(ifp->st, if, out_frames);
    pktq_push(&ifp->txq, p);
    if (ifp->txq.n >= IF_TXQ_BATCH)
        if_flush(ifp);
}

void if_flush(struct ifnet *ifp)
{
    struct pkt *batch[IF_TXQ_BATCH];
    while (ifp->txq.n) {
        unsigned n = 0;
        while (n < IF_TXQ_BATCH && ifp->txq.n)
            batch[n++] = pktq_pop(&ifp->txq);
        unsigned sent = ifp->ops->xmit(ifp, batch, n);
        if (sent < n)
            ifp->stats.odrops += n - sent;
    }
    /* Captures are flushed here so that a reader (tshark -r, a test) sees
     * frames as soon as they were handled; the writer skips clean files. */
    if (ifp->pcap)
        pcap_flush(ifp->pcap);
}

int if_capture_start(struct ifnet *ifp, const char *path)
{
    uint32_t lt = ifp->type == IFT_ETHER ? PCAP_LINKTYPE_ETHERNET : PCAP_LINKTYPE_RAW;
    struct pcap_writer *w = pcap_open(path, lt, 65535);
    if (!w)
        return -errno;
    if_capture_stop(ifp);
    ifp->pcap = w;
    return 0;
}

void if_capture_stop(struct ifnet *ifp)
{
    if (ifp->pcap) {
        pcap_close(ifp->pcap);
        ifp->pcap = NULL;
    }
}
