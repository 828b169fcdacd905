/* TAP/TUN driver: one non-blocking /dev/net/tun fd per interface, read in
 * batches straight into packet buffers at PKT_HEADROOM, written one frame
 * per write() (the tun API has no batched write). */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <linux/if_tun.h>
#include "link/tap.h"
#include "core/evloop.h"
#include "core/log.h"
#include "net/stack.h"

#define TAP_RX_BATCH 32u

struct tap_drv {
    int fd;
    bool tap;
    bool persist;           /* TUNSETPERSIST: the device outlives the fd */
    struct evloop *ev;
    struct ifnet *ifp;
};

/* The pool was empty: read the frame anyway so the fd does not stay readable. */
static void discard_one(int fd)
{
    static uint8_t sink[65536];   /* single-threaded; contents never read */
    ssize_t r = read(fd, sink, sizeof(sink));
    (void)r;
}

static void tap_readable(int fd, unsigned events, void *arg)
{
    struct tap_drv *d = arg;
    struct ifnet *ifp = d->ifp;
    struct pkt *batch[TAP_RX_BATCH];
    unsigned n = 0;
    size_t want = ifp->mtu + (d->tap ? 18u : 0u);   /* eth + a VLAN tag */
    (void)events;
    while (n < TAP_RX_BATCH) {
        struct pkt *p = pkt_alloc(ifp->pool, want);
        if (!p) {
            CTR_INC(ifp->st, if, drop_no_buffer);
            ifp->stats.idrops++;
            discard_one(fd);
            break;
        }
        ssize_t r = read(fd, pkt_data(p), pkt_tailroom(p));
        if (r <= 0) {
            pkt_free(p);
            if (r < 0 && errno != EAGAIN && errno != EINTR)
                LOGW("%s: read: %s", ifp->name, strerror(errno));
            break;
        }
        pkt_put(p, (size_t)r);
        batch[n++] = p;
    }
    if (n)
        if_input(ifp, batch, n);
}

static unsigned tap_xmit(struct ifnet *ifp, struct pkt **pkts, unsigned n)
{
    struct tap_drv *d = ifp->drv;
    unsigned sent = 0;
    for (unsigned i = 0; i < n; i++) {
        struct pkt *p = pkts[i];
        ssize_t r = write(d->fd, pkt_data(p), p->len);
        if (r == (ssize_t)p->len)
            sent++;
        else
            CTR_INC(ifp->st, if, drop_tx_error);   /* EAGAIN: kernel queue full */
        pkt_free(p);
    }
    return sent;
}

static void tap_destroy(struct ifnet *ifp)
{
    struct tap_drv *d = ifp->drv;
    evloop_del_fd(d->ev, d->fd);
    close(d->fd);
    free(d);
}

static const struct if_ops tap_ops = { .kind = "tap", .xmit = tap_xmit, .destroy = tap_destroy };
static const struct if_ops tun_ops = { .kind = "tun", .xmit = tap_xmit, .destroy = tap_destroy };

static int open_tun(const char *name, bool tap)
{
    int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    struct ifreq ifr;
    memset(&ifr, 0, sizeof(ifr));
    ifr.ifr_flags = (short)((tap ? IFF_TAP : IFF_TUN) | IFF_NO_PI);
    memcpy(ifr.ifr_name, name, strlen(name));
    if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
        int err = errno;
        close(fd);
        return -err;
    }
    return fd;
}

static void random_mac(struct six_stack *st, struct eth_addr *a)
{
    six_random_bytes(st, a->b, 6);
    a->b[0] = (uint8_t)((a->b[0] & 0xfc) | 0x02);   /* locally administered, unicast */
}

static struct ifnet *fail(int *err, int e)
{
    if (err)
        *err = e;
    errno = e;
    return NULL;
}

/* Make the device persistent (it stays, with the host's addresses and
 * routes on it, when sixd closes it) or not (it goes with the last fd). */
static int set_persist(int fd, bool on)
{
    return ioctl(fd, TUNSETPERSIST, on ? 1L : 0L) < 0 ? -errno : 0;
}

struct ifnet *tuntap_create(struct six_stack *st, struct evloop *ev, const char *name,
                            bool tap, int *err)
{
    return tuntap_create_persist(st, ev, name, tap, false, err);
}

struct ifnet *tuntap_create_persist(struct six_stack *st, struct evloop *ev, const char *name,
                                    bool tap, bool persist, int *err)
{
    if (!name || !*name || strlen(name) >= IFNAMSIZ)
        return fail(err, EINVAL);
    if (if_find(st, name))
        return fail(err, EEXIST);
    struct tap_drv *d = calloc(1, sizeof(*d));
    if (!d)
        return fail(err, ENOMEM);
    d->tap = tap;
    d->ev = ev;
    bool existed = if_nametoindex(name) != 0;
    d->fd = open_tun(name, tap);
    if (d->fd < 0) {
        int e = -d->fd;
        free(d);
        return fail(err, e);
    }
    if (persist) {
        int rc = set_persist(d->fd, true);
        if (rc < 0) {
            close(d->fd);
            free(d);
            return fail(err, -rc);
        }
        d->persist = true;
        LOGI("%s: %s persistent %s device", name, existed ? "attached to the" : "created a",
             tap ? "TAP" : "TUN");
    }
    d->ifp = if_attach(st, name, tap ? IFT_ETHER : IFT_RAWIP, tap ? &tap_ops : &tun_ops, d);
    if (!d->ifp) {
        int e = errno;
        close(d->fd);
        free(d);
        return fail(err, e);
    }
    int rc = evloop_add_fd(ev, d->fd, EV_READ, tap_readable, d);
    if (rc < 0) {
        if_detach(d->ifp);   /* its destroy closes the fd and frees d */
        return fail(err, -rc);
    }
    if (tap)
        random_mac(st, &d->ifp->hwaddr);
    else
        d->ifp->flags |= IFF6_NOARP;
    if_set_running(d->ifp, true);
    return d->ifp;
}

bool tuntap_is_persistent(const struct ifnet *ifp)
{
    if (ifp->ops != &tap_ops && ifp->ops != &tun_ops)
        return false;
    const struct tap_drv *d = ifp->drv;
    return d->persist;
}

int tuntap_unpersist(struct ifnet *ifp)
{
    if (!tuntap_is_persistent(ifp))
        return 0;
    struct tap_drv *d = ifp->drv;
    int rc = set_persist(d->fd, false);
    if (rc == 0) {
        d->persist = false;
        LOGI("%s: no longer persistent: the device goes with sixd's interface", ifp->name);
    }
    return rc;
}

struct ifnet *tap_create(struct six_stack *st, struct evloop *ev, const char *name, int *err)
{
    return tuntap_create(st, ev, name, true, err);
}
