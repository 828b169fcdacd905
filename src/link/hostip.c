/* Host link driver (hostip.h): the outer IPv4 packets of tunnels and ESP
 * go through the host kernel's sockets instead of a device of our own.
 *
 * Why sockets and not a TUN/TAP: the host keeps its WAN address, its
 * routes, its NAT and its firewall; we only add the protocols it lacks.
 * Raw sockets are opened without IP_HDRINCL, so the host builds the outer
 * header (TTL, id, checksum) and routes the packet; a raw socket also
 * consumes what it receives, so the host sends no ICMP protocol-unreachable
 * for ESP.  Fragments cannot be sent that way: the stack never fragments
 * on this link (its MTU is the host device's), and one that does arrive is
 * counted (host.drop_fragment).  DF is left clear (IP_PMTUDISC_DONT): the
 * host fragments if its path is narrower than its device.
 *
 * The NAT-T socket sends with UDP GSO where it can (link/udpgso.h): runs
 * of datagrams of one flow and one size leave as one message; a kernel
 * that refuses it (older than 4.18) gets the datagrams one by one from
 * then on (host.gso_disabled).  Checksums: the socket has no SO_NO_CHECK
 * (GSO would refuse it), so the kernel fills in the UDP checksum, as valid
 * for RFC 3948 as a zero one.  It receives with UDP GRO where the kernel
 * offers it: trains of datagrams come as one message, split again here.
 *
 * State is fixed at creation: one batch of pool buffers kept for receiving
 * (refilled as used), the mmsghdr arrays for both directions, a list of the
 * host addresses we mirrored (only those are removed again). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <netinet/udp.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include "link/hostip.h"
#include "link/udpgso.h"
#include "core/evloop.h"
#include "core/log.h"
#include "net/stack.h"
#include "net/ip4_var.h"
#include "wire/ip4.h"
#include "wire/rtnl.h"
#include "wire/udp.h"

#define HOSTIP_BATCH 32u
#define HOSTIP_MAX_ADDRS 8u             /* IN4_MAX_ADDRS_PER_IF */
#define HOSTIP_SOCKBUF (4 << 20)        /* bursts of a bulk transfer */
#define HOSTIP_DUMP_TIMEOUT_MS 1000
#define UDPIP_HLEN (IP4_HLEN + UDP_HLEN)
#define HOSTIP_GRO_MSGS 8u              /* coalesced messages per wakeup: up to 8 x 45 datagrams */
#define HOSTIP_GRO_SLOT 65536u          /* one coalesced message at most */

enum { HS_ESP, HS_IPV6, HS_IPIP, HS_UDP, HS_N };
static const int hs_proto[HS_N] = { IPPROTO_ESP, IPPROTO_IPV6, IPPROTO_IPIP, IPPROTO_UDP };

struct hostip_drv;
struct hostip_sock {
    int fd;
    unsigned kind;                      /* HS_* */
    struct hostip_drv *d;
};

/* room for IP_PKTINFO and IP_TOS, either way, and UDP_GRO's segment size on receive */
union cmsg_buf {
    char buf[CMSG_SPACE(sizeof(struct in_pktinfo)) + 2 * CMSG_SPACE(sizeof(int))];
    struct cmsghdr a;
};
/* and UDP_SEGMENT after them */
union gso_cmsg_buf { char buf[sizeof(union cmsg_buf) + CMSG_SPACE(sizeof(uint16_t))]; struct cmsghdr a; };

enum gso_state { GSO_UNTRIED, GSO_WORKS, GSO_OFF };
_Static_assert(IF_TXQ_BATCH <= 255, "gfirst/gcount are uint8_t");

struct hostip_drv {
    struct ifnet *ifp;
    struct evloop *ev;
    char dev[IFNAMSIZ];                 /* "" = every global address of the host */
    unsigned dev_index;
    uint16_t natt_port;
    struct hostip_sock s[HS_N];
    int nl_fd;                          /* rtnetlink address events */
    uint32_t nl_seq;
    struct in_addr mirror[HOSTIP_MAX_ADDRS];
    unsigned n_mirror;
    /* receive */
    struct pkt *rx[HOSTIP_BATCH];
    struct mmsghdr rmsg[HOSTIP_BATCH];
    struct iovec riov[HOSTIP_BATCH];
    struct sockaddr_in rname[HOSTIP_BATCH];
    union cmsg_buf rcm[HOSTIP_BATCH];
    bool gro;                           /* the NAT-T socket has UDP_GRO */
    uint8_t gro_buf[HOSTIP_GRO_MSGS][HOSTIP_GRO_SLOT];
    /* send: one run of packets for one socket */
    struct pkt *tp[IF_TXQ_BATCH];
    struct mmsghdr tmsg[IF_TXQ_BATCH];
    struct iovec tiov[IF_TXQ_BATCH];
    struct sockaddr_in tname[IF_TXQ_BATCH];
    union cmsg_buf tcm[IF_TXQ_BATCH];
    struct udpgso_dgram tflow[IF_TXQ_BATCH];
    /* the same run as GSO messages: gmsg[j] carries datagrams gfirst[j] .. + gcount[j] */
    enum gso_state gso;
    struct mmsghdr gmsg[IF_TXQ_BATCH];
    union gso_cmsg_buf gcm[IF_TXQ_BATCH];
    uint8_t gfirst[IF_TXQ_BATCH], gcount[IF_TXQ_BATCH];
    uint8_t nlbuf[16384];
};

static void hostip_destroy(struct ifnet *ifp);
static unsigned hostip_xmit(struct ifnet *ifp, struct pkt **pkts, unsigned n);
static const struct if_ops hostip_ops = { .kind = "host", .xmit = hostip_xmit, .destroy = hostip_destroy };

bool hostip_is(const struct ifnet *ifp)
{
    return ifp && ifp->ops == &hostip_ops;
}

void hostip_describe(const struct ifnet *ifp, char *buf, size_t n)
{
    const struct hostip_drv *d = ifp->drv;
    if (d->dev[0])
        snprintf(buf, n, "dev %s natt-port %u", d->dev, d->natt_port);
    else
        snprintf(buf, n, "natt-port %u", d->natt_port);
}

/* ------------------------------------------------------------ address mirror */

static int mirror_find(const struct hostip_drv *d, struct in_addr a)
{
    for (unsigned i = 0; i < d->n_mirror; i++)
        if (d->mirror[i].s_addr == a.s_addr)
            return (int)i;
    return -1;
}

static void mirror_add(struct hostip_drv *d, struct in_addr a)
{
    struct ifnet *ifp = d->ifp;
    char s[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &a, s, sizeof s);
    if (mirror_find(d, a) >= 0)
        return;   /* RTM_NEWADDR also reports changes of lifetimes and flags */
    int rc = d->n_mirror < HOSTIP_MAX_ADDRS ? in4_addr_add(ifp, a, 32) : -ENOSPC;
    if (rc) {
        CTR_INC(ifp->st, host, addr_refused);
        LOGW("%s: host address %s not mirrored: %s", ifp->name, s, strerror(-rc));
        return;
    }
    d->mirror[d->n_mirror++] = a;
    CTR_INC(ifp->st, host, addr_added);
    LOGI("%s: host address %s/32 added", ifp->name, s);
}

static void mirror_del_at(struct hostip_drv *d, unsigned i)
{
    struct ifnet *ifp = d->ifp;
    char s[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &d->mirror[i], s, sizeof s);
    in4_addr_del(ifp, d->mirror[i]);   /* -ENOENT if someone removed it by hand: fine */
    d->mirror[i] = d->mirror[--d->n_mirror];
    CTR_INC(ifp->st, host, addr_removed);
    LOGI("%s: host address %s/32 removed", ifp->name, s);
}

/* The addresses a host link stands for: on dev (any scope but host), or
 * without dev every global one. */
static bool addr_wanted(const struct hostip_drv *d, const struct rtnl_addr *a)
{
    if (a->family != AF_INET || !a->has_addr || in4_is_any(a->addr) || in4_is_loopback(a->addr) ||
        a->scope >= RT_SCOPE_HOST)
        return false;
    return d->dev_index ? a->ifindex == d->dev_index : a->scope == RT_SCOPE_UNIVERSE;
}

/* A whole dump: add what is new, remove what the host no longer has. */
static void mirror_reconcile(struct hostip_drv *d, const struct in_addr *now, unsigned n)
{
    for (unsigned i = d->n_mirror; i-- > 0;) {
        bool keep = false;
        for (unsigned k = 0; k < n && !keep; k++)
            keep = now[k].s_addr == d->mirror[i].s_addr;
        if (!keep)
            mirror_del_at(d, i);
    }
    for (unsigned k = 0; k < n; k++)
        mirror_add(d, now[k]);
}

/* ----------------------------------------------------------------- rtnetlink */

static int nl_open(unsigned groups)
{
    int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | (groups ? SOCK_NONBLOCK : 0), NETLINK_ROUTE);
    if (fd < 0)
        return -errno;
    struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = groups };
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
        int e = errno;
        close(fd);
        return -e;
    }
    return fd;
}

/* One datagram from the kernel (nl_pid 0: nobody else may speak for it). */
static ssize_t nl_recv(struct hostip_drv *d, int fd)
{
    struct sockaddr_nl from;
    struct iovec iov = { d->nlbuf, sizeof d->nlbuf };
    struct msghdr mh = { .msg_name = &from, .msg_namelen = sizeof from, .msg_iov = &iov, .msg_iovlen = 1 };
    ssize_t r = recvmsg(fd, &mh, 0);
    if (r >= 0 && ((mh.msg_flags & MSG_TRUNC) || mh.msg_namelen != sizeof from || from.nl_pid != 0)) {
        CTR_INC(d->ifp->st, host, drop_rtnl);
        return 0;
    }
    return r < 0 ? -errno : r;
}

/* Read a dump on a fresh blocking socket. Returns the number of wanted
 * addresses in out (at most max), or -errno. */
static int nl_dump(struct hostip_drv *d, struct in_addr *out, unsigned max)
{
    int fd = nl_open(0);
    if (fd < 0)
        return fd;
    struct timeval tv = { .tv_sec = HOSTIP_DUMP_TIMEOUT_MS / 1000, .tv_usec = HOSTIP_DUMP_TIMEOUT_MS % 1000 * 1000 };
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    uint8_t req[64];
    uint32_t seq = ++d->nl_seq;
    size_t qlen = rtnl_getaddr_emit(req, sizeof req, seq, AF_INET);
    struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
    int n = 0, rc = -EIO;
    if (sendto(fd, req, qlen, 0, (struct sockaddr *)&kernel, sizeof kernel) < 0) {
        rc = -errno;
        goto out;
    }
    for (;;) {
        ssize_t r = nl_recv(d, fd);
        if (r < 0) {
            rc = (int)r;
            goto out;
        }
        size_t off = 0;
        struct rtnl_msg m;
        while (off < (size_t)r) {
            if (rtnl_next(d->nlbuf, (size_t)r, &off, &m) != WR_OK) {
                CTR_INC(d->ifp->st, host, drop_rtnl);
                break;
            }
            if (m.seq != seq)
                continue;
            if (m.kind == RTNL_DONE) {
                rc = n;
                goto out;
            }
            if (m.kind == RTNL_ERROR) {
                rc = m.error < 0 ? m.error : -EIO;
                goto out;
            }
            if (m.kind == RTNL_NEWADDR && addr_wanted(d, &m.addr) && (unsigned)n < max)
                out[n++] = m.addr.addr;
        }
    }
out:
    close(fd);
    return rc;
}

static int mirror_resync(struct hostip_drv *d)
{
    struct in_addr now[HOSTIP_MAX_ADDRS];
    int n = nl_dump(d, now, HOSTIP_MAX_ADDRS);
    if (n < 0) {
        LOGW("%s: reading the host's IPv4 addresses: %s", d->ifp->name, strerror(-n));
        return n;
    }
    mirror_reconcile(d, now, (unsigned)n);
    return 0;
}

static void nl_event(struct hostip_drv *d, const struct rtnl_msg *m)
{
    if ((m->kind != RTNL_NEWADDR && m->kind != RTNL_DELADDR) || !addr_wanted(d, &m->addr))
        return;
    if (m->kind == RTNL_NEWADDR) {
        mirror_add(d, m->addr.addr);
        return;
    }
    int i = mirror_find(d, m->addr.addr);
    if (i >= 0)
        mirror_del_at(d, (unsigned)i);
}

static void nl_readable(int fd, unsigned events, void *arg)
{
    struct hostip_drv *d = arg;
    (void)events;
    for (unsigned round = 0; round < HOSTIP_BATCH; round++) {
        ssize_t r = nl_recv(d, fd);
        if (r == -ENOBUFS) {   /* events were lost: the whole list again */
            CTR_INC(d->ifp->st, host, rtnl_resync);
            mirror_resync(d);
            continue;
        }
        if (r < 0)
            return;   /* EAGAIN */
        size_t off = 0;
        struct rtnl_msg m;
        while (off < (size_t)r) {
            if (rtnl_next(d->nlbuf, (size_t)r, &off, &m) != WR_OK) {
                CTR_INC(d->ifp->st, host, drop_rtnl);
                break;
            }
            nl_event(d, &m);
        }
    }
}

/* ------------------------------------------------------------------ receive */

/* Keep HOSTIP_BATCH empty buffers; returns how many are there. */
static unsigned rx_refill(struct hostip_drv *d)
{
    for (unsigned i = 0; i < HOSTIP_BATCH; i++)
        if (!d->rx[i] && !(d->rx[i] = pkt_alloc(d->ifp->pool, d->ifp->mtu)))
            return i;
    return HOSTIP_BATCH;
}

static void rx_prepare(struct hostip_drv *d, unsigned i, bool udp)
{
    struct pkt *p = d->rx[i];
    size_t skip = udp ? UDPIP_HLEN : 0;   /* room to put the headers back */
    d->riov[i].iov_base = pkt_data(p) + skip;
    d->riov[i].iov_len = pkt_tailroom(p) - skip;
    memset(&d->rmsg[i].msg_hdr, 0, sizeof d->rmsg[i].msg_hdr);
    d->rmsg[i].msg_hdr.msg_iov = &d->riov[i];
    d->rmsg[i].msg_hdr.msg_iovlen = 1;
    if (udp) {
        d->rmsg[i].msg_hdr.msg_name = &d->rname[i];
        d->rmsg[i].msg_hdr.msg_namelen = sizeof d->rname[i];
        d->rmsg[i].msg_hdr.msg_control = d->rcm[i].buf;
        d->rmsg[i].msg_hdr.msg_controllen = sizeof d->rcm[i].buf;
    }
}

/* Our local address and the TOS the datagram came with (IP_PKTINFO, IP_TOS). */
static void udp_rx_meta(struct msghdr *mh, struct in_addr *dst, uint8_t *tos)
{
    for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
        if (c->cmsg_level != IPPROTO_IP)
            continue;
        if (c->cmsg_type == IP_PKTINFO && c->cmsg_len >= CMSG_LEN(sizeof(struct in_pktinfo))) {
            struct in_pktinfo pi;
            memcpy(&pi, CMSG_DATA(c), sizeof pi);
            *dst = pi.ipi_addr;
        } else if (c->cmsg_type == IP_TOS && c->cmsg_len >= CMSG_LEN(1)) {
            *tos = *CMSG_DATA(c);
        }
    }
}

/* Payload at data + 28: the IPv4 + UDP header in front, as it was on the wire. */
static bool udp_rebuild(struct hostip_drv *d, unsigned i, struct pkt *p, size_t len)
{
    struct ip4_info ih = { .ttl = 64 };
    struct msghdr *mh = &d->rmsg[i].msg_hdr;
    if (mh->msg_namelen < sizeof(struct sockaddr_in) || d->rname[i].sin_family != AF_INET)
        return false;
    ih.src = d->rname[i].sin_addr;
    if (d->n_mirror)
        ih.dst = d->mirror[0];   /* replaced by IP_PKTINFO's, which is always there */
    udp_rx_meta(mh, &ih.dst, &ih.tos);
    pkt_put(p, UDPIP_HLEN + len);
    return udp4_datagram_emit(pkt_data(p), p->len, &ih, ntohs(d->rname[i].sin_port), d->natt_port, len,
                              false) == UDPIP_HLEN;
}

/* The pool was empty: take one datagram off so the socket does not stay readable. */
static void rx_discard(struct hostip_sock *s)
{
    CTR_INC(s->d->ifp->st, host, drop_no_buffer);
    s->d->ifp->stats.idrops++;
    char c;
    ssize_t r = recv(s->fd, &c, 1, MSG_DONTWAIT | MSG_TRUNC);
    (void)r;
}

/* UDP GRO: the kernel hands a train of equal-size datagrams of one flow as
 * one message (up to 64 KB) with the segment size in a cmsg — one skb
 * through its receive path instead of one each (over a veth, a GSO sender's
 * message arrives whole).  Pool buffers are too small for that, so messages
 * land in gro_buf and each datagram is copied into a pool packet. */
static void gro_prepare(struct hostip_drv *d, unsigned i)
{
    d->riov[i] = (struct iovec){ .iov_base = d->gro_buf[i], .iov_len = sizeof d->gro_buf[i] };
    d->rmsg[i].msg_hdr = (struct msghdr){ .msg_name = &d->rname[i], .msg_namelen = sizeof d->rname[i],
                                          .msg_iov = &d->riov[i], .msg_iovlen = 1,
                                          .msg_control = d->rcm[i].buf, .msg_controllen = sizeof d->rcm[i].buf };
}

/* The datagram size of a message of len bytes: UDP_GRO's, or len if it was not coalesced. */
static size_t gro_seg(struct msghdr *mh, size_t len)
{
    for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c))
        if (c->cmsg_level == SOL_UDP && c->cmsg_type == UDP_GRO && c->cmsg_len >= CMSG_LEN(sizeof(int))) {
            int v;
            memcpy(&v, CMSG_DATA(c), sizeof v);
            if (v > 0 && (size_t)v < len)
                return (size_t)v;
        }
    return len;
}

/* Bytes [off, off+len) of message i as a pool packet with its headers back. NULL: counted. */
static struct pkt *gro_one(struct hostip_drv *d, unsigned i, size_t off, size_t len)
{
    struct six_stack *st = d->ifp->st;
    struct pkt *p = pkt_alloc(d->ifp->pool, d->ifp->mtu);
    if (!p) {
        CTR_INC(st, host, drop_no_buffer);
        d->ifp->stats.idrops++;
        return NULL;
    }
    if (UDPIP_HLEN + len > pkt_tailroom(p)) {
        CTR_INC(st, host, drop_rx_truncated);   /* larger than a packet buffer */
        pkt_free(p);
        return NULL;
    }
    memcpy(pkt_data(p) + UDPIP_HLEN, d->gro_buf[i] + off, len);
    if (!udp_rebuild(d, i, p, len)) {
        CTR_INC(st, host, drop_bad_packet);
        pkt_free(p);
        return NULL;
    }
    CTR_INC(st, host, in_udp);
    return p;
}

/* Message i, cut into its datagrams, into batch (flushed to the stack when full). */
static unsigned gro_split(struct hostip_drv *d, unsigned i, struct pkt **batch, unsigned n)
{
    size_t len = d->rmsg[i].msg_len, seg = gro_seg(&d->rmsg[i].msg_hdr, len), off = 0;
    if (seg < len)
        CTR_INC(d->ifp->st, host, in_udp_gro_msgs);
    do {                                /* once for an empty datagram */
        size_t c = len - off < seg ? len - off : seg;
        struct pkt *p = gro_one(d, i, off, c);
        if (p && (batch[n++] = p, n == HOSTIP_BATCH)) {
            if_input(d->ifp, batch, n);
            n = 0;
        }
        off += c;
    } while (off < len);
    return n;
}

static void udp_readable_gro(struct hostip_drv *d, int fd)
{
    for (unsigned i = 0; i < HOSTIP_GRO_MSGS; i++)
        gro_prepare(d, i);
    int r = recvmmsg(fd, d->rmsg, HOSTIP_GRO_MSGS, MSG_DONTWAIT, NULL);
    if (r < 0) {
        if (errno != EAGAIN && errno != EINTR)
            CTR_INC(d->ifp->st, host, drop_rx_error);
        return;
    }
    struct pkt *batch[HOSTIP_BATCH];
    unsigned n = 0;
    for (unsigned i = 0; i < (unsigned)r; i++) {
        if (d->rmsg[i].msg_hdr.msg_flags & MSG_TRUNC)
            CTR_INC(d->ifp->st, host, drop_rx_truncated);   /* over 64 KB: not a GRO train */
        else
            n = gro_split(d, i, batch, n);
    }
    if (n)
        if_input(d->ifp, batch, n);
}

static void hostip_readable(int fd, unsigned events, void *arg)
{
    struct hostip_sock *s = arg;
    struct hostip_drv *d = s->d;
    struct six_stack *st = d->ifp->st;
    bool udp = s->kind == HS_UDP;
    (void)events;
    if (udp && d->gro) {
        udp_readable_gro(d, fd);
        return;
    }
    unsigned want = rx_refill(d);
    if (!want) {
        rx_discard(s);
        return;
    }
    for (unsigned i = 0; i < want; i++)
        rx_prepare(d, i, udp);
    int r = recvmmsg(fd, d->rmsg, want, MSG_DONTWAIT, NULL);
    if (r < 0) {
        if (errno != EAGAIN && errno != EINTR)
            CTR_INC(st, host, drop_rx_error);   /* e.g. a pending ICMP error on a raw socket */
        return;
    }
    struct pkt *batch[HOSTIP_BATCH];
    unsigned n = 0;
    for (unsigned i = 0; i < (unsigned)r; i++) {
        struct pkt *p = d->rx[i];
        size_t len = d->rmsg[i].msg_len;
        if (d->rmsg[i].msg_hdr.msg_flags & MSG_TRUNC) {   /* larger than a pool buffer */
            CTR_INC(st, host, drop_rx_truncated);
            continue;   /* the buffer stays for the next round */
        }
        d->rx[i] = NULL;
        if (udp ? !udp_rebuild(d, i, p, len) : !pkt_put(p, len)) {
            CTR_INC(st, host, drop_bad_packet);
            pkt_free(p);
            continue;
        }
        if (udp)
            CTR_INC(st, host, in_udp);
        else
            CTR_INC(st, host, in_raw);
        batch[n++] = p;
    }
    if (n)
        if_input(d->ifp, batch, n);
}

/* --------------------------------------------------------------------- send */

/* Which socket carries p, and what of it: the IP payload for raw sockets,
 * the UDP payload for the NAT-T socket.  -1: not something we carry. */
static int tx_classify(struct hostip_drv *d, const struct pkt *p, struct ip4_info *ih,
                       size_t *off, size_t *len, uint16_t *dport)
{
    struct six_stack *st = d->ifp->st;
    if (ip4_parse(pkt_data(p), p->len, ih) != WR_OK) {
        CTR_INC(st, host, drop_unsupported);   /* IPv6, or nothing the stack should send */
        return -1;
    }
    if (ih->mf || ih->frag_off) {
        CTR_INC(st, host, drop_fragment);
        return -1;
    }
    *off = ih->hl;
    *len = ih->tot_len - ih->hl;
    *dport = 0;
    switch (ih->proto) {
    case IPPROTO_ESP:  return HS_ESP;
    case IPPROTO_IPV6: return HS_IPV6;
    case IPPROTO_IPIP: return HS_IPIP;
    case IPPROTO_UDP: {
        uint16_t sport;
        const uint8_t *up = pkt_data(p) + ih->hl;
        if (*len >= UDP_HLEN && udp_ports(up, *len, &sport, dport) == WR_OK &&
            (sport == d->natt_port || *dport == d->natt_port)) {
            *off += UDP_HLEN;
            *len -= UDP_HLEN;   /* the UDP length field is ours: the stack wrote it */
            return HS_UDP;
        }
        break;
    }
    default:
        break;
    }
    CTR_INC(st, host, drop_unsupported);
    return -1;
}

/* The source the stack chose, if it is one of the host's (the SA names it),
 * and the TOS (ECN and DSCP of the outer header). */
static socklen_t tx_cmsg(struct hostip_drv *d, unsigned k, const struct ip4_info *ih)
{
    char *b = d->tcm[k].buf;
    memset(b, 0, sizeof d->tcm[k].buf);
    socklen_t used = 0;
    if (mirror_find(d, ih->src) >= 0) {
        struct in_pktinfo pi = { .ipi_spec_dst = ih->src };
        struct cmsghdr *c = (struct cmsghdr *)b;
        c->cmsg_level = IPPROTO_IP;
        c->cmsg_type = IP_PKTINFO;
        c->cmsg_len = CMSG_LEN(sizeof pi);
        memcpy(CMSG_DATA(c), &pi, sizeof pi);
        used = (socklen_t)CMSG_SPACE(sizeof pi);
    }
    struct cmsghdr *c = (struct cmsghdr *)(b + used);
    int tos = ih->tos;
    c->cmsg_level = IPPROTO_IP;
    c->cmsg_type = IP_TOS;
    c->cmsg_len = CMSG_LEN(sizeof tos);
    memcpy(CMSG_DATA(c), &tos, sizeof tos);
    return used + (socklen_t)CMSG_SPACE(sizeof tos);
}

static void tx_add(struct hostip_drv *d, unsigned k, struct pkt *p, const struct ip4_info *ih, size_t off,
                   size_t len, uint16_t dport)
{
    d->tp[k] = p;
    d->tiov[k].iov_base = pkt_data(p) + off;
    d->tiov[k].iov_len = len;
    d->tname[k] = (struct sockaddr_in){ .sin_family = AF_INET, .sin_port = htons(dport), .sin_addr = ih->dst };
    struct msghdr *mh = &d->tmsg[k].msg_hdr;
    *mh = (struct msghdr){ .msg_name = &d->tname[k], .msg_namelen = sizeof d->tname[k], .msg_iov = &d->tiov[k],
                           .msg_iovlen = 1, .msg_control = d->tcm[k].buf };
    mh->msg_controllen = tx_cmsg(d, k, ih);
    d->tflow[k] = (struct udpgso_dgram){ .src = ih->src, .dst = ih->dst, .dport = dport, .tos = ih->tos, .len = len };
}

/* Send tmsg[from..to) on socket kind, one datagram a message. Returns the number sent. */
static unsigned tx_send_plain(struct hostip_drv *d, unsigned kind, unsigned from, unsigned to)
{
    unsigned i = from, sent = 0;
    while (i < to) {
        int r = sendmmsg(d->s[kind].fd, d->tmsg + i, to - i, MSG_DONTWAIT);
        if (r > 0) {
            sent += (unsigned)r;
            i += (unsigned)r;
            continue;
        }
        if (r < 0 && errno == EINTR)
            continue;
        /* the first message failed: EAGAIN (queue full) drops the rest, anything else only it */
        unsigned lost = r < 0 && errno == EAGAIN ? to - i : 1;
        CTR_ADD(d->ifp->st, host, drop_tx_error, lost);
        i += lost;
    }
    return sent;
}

/* gmsg[m]: datagrams first .. first+count as one message, UDP_SEGMENT = the first's size. */
static void gso_msg(struct hostip_drv *d, unsigned m, unsigned first, unsigned count)
{
    struct msghdr *mh = &d->gmsg[m].msg_hdr;
    *mh = d->tmsg[first].msg_hdr;
    mh->msg_iovlen = count;             /* tiov[first ..] are the payloads, in order */
    d->gfirst[m] = (uint8_t)first;
    d->gcount[m] = (uint8_t)count;
    if (count == 1)
        return;
    char *b = d->gcm[m].buf;
    memcpy(b, d->tcm[first].buf, mh->msg_controllen);
    struct cmsghdr *c = (struct cmsghdr *)(b + mh->msg_controllen);
    uint16_t seg = (uint16_t)d->tflow[first].len;
    memset(c, 0, CMSG_SPACE(sizeof seg));
    c->cmsg_level = SOL_UDP;
    c->cmsg_type = UDP_SEGMENT;
    c->cmsg_len = CMSG_LEN(sizeof seg);
    memcpy(CMSG_DATA(c), &seg, sizeof seg);
    mh->msg_control = b;
    mh->msg_controllen += (socklen_t)CMSG_SPACE(sizeof seg);
}

/* Group the run tmsg[0..n) into gmsg; returns the number of messages. */
static unsigned gso_build(struct hostip_drv *d, unsigned n)
{
    unsigned m = 0;
    for (unsigned i = 0; i < n; m++) {
        unsigned c = udpgso_run(d->tflow + i, n - i);
        gso_msg(d, m, i, c);
        i += c;
    }
    return m;
}

/* What a kernel without UDP GSO answers (EINVAL, or ENOPROTOOPT for the cmsg; EIO: no checksum offload). */
static bool gso_refused(int e)
{
    return e == EINVAL || e == EIO || e == ENOPROTOOPT;
}

static void gso_disable(struct hostip_drv *d, int e)
{
    d->gso = GSO_OFF;
    CTR_INC(d->ifp->st, host, gso_disabled);
    LOGW("%s: UDP GSO refused (%s): NAT-T datagrams are sent one by one", d->ifp->name, strerror(e));
}

/* Account for gmsg[j .. j+r) sent. Returns the number of datagrams in them. */
static unsigned gso_sent(struct hostip_drv *d, unsigned j, unsigned r)
{
    unsigned sent = 0;
    for (unsigned k = j; k < j + r; k++) {
        sent += d->gcount[k];
        if (d->gcount[k] > 1) {
            d->gso = GSO_WORKS;
            CTR_INC(d->ifp->st, host, out_udp_gso_msgs);
        }
    }
    return sent;
}

/* Message j failed with e: GSO off for good if the kernel refused it on first
 * use; else only this message failed (a refusal once GSO worked: a path
 * narrower than the segments, say), its datagrams go again one by one.
 * Returns the datagrams sent, *rest: the remaining ones went too. */
static unsigned gso_failed(struct hostip_drv *d, unsigned j, unsigned n, int e, bool *rest)
{
    unsigned first = d->gfirst[j], count = d->gcount[j];
    *rest = false;
    if (count == 1) {
        CTR_INC(d->ifp->st, host, drop_tx_error);   /* as sent without GSO: no second try */
        return 0;
    }
    if (d->gso == GSO_UNTRIED && gso_refused(e)) {
        gso_disable(d, e);
        *rest = true;
        return tx_send_plain(d, HS_UDP, first, n);
    }
    return tx_send_plain(d, HS_UDP, first, first + count);
}

/* Send the NAT-T run tmsg[0..n) as GSO messages. Returns the number of datagrams sent. */
static unsigned tx_send_gso(struct hostip_drv *d, unsigned n)
{
    unsigned m = gso_build(d, n);
    if (m == n)
        return tx_send_plain(d, HS_UDP, 0, n);    /* nothing grouped: no extra cmsg */
    unsigned j = 0, sent = 0;
    while (j < m) {
        int r = sendmmsg(d->s[HS_UDP].fd, d->gmsg + j, m - j, MSG_DONTWAIT);
        if (r > 0) {
            sent += gso_sent(d, j, (unsigned)r);
            j += (unsigned)r;
            continue;
        }
        int e = r < 0 ? errno : EIO;
        if (e == EINTR)
            continue;
        if (e == EAGAIN) {              /* queue full: the rest is lost, as without GSO */
            CTR_ADD(d->ifp->st, host, drop_tx_error, n - d->gfirst[j]);
            break;
        }
        bool rest;
        sent += gso_failed(d, j++, n, e, &rest);
        if (rest)
            break;
    }
    return sent;
}

/* Send the run tmsg[0..n) on socket kind; frees the packets. Returns the number sent. */
static unsigned tx_flush(struct hostip_drv *d, unsigned kind, unsigned n)
{
    struct six_stack *st = d->ifp->st;
    unsigned sent;
    if (kind == HS_UDP) {
        sent = d->gso != GSO_OFF && n > 1 ? tx_send_gso(d, n) : tx_send_plain(d, kind, 0, n);
        CTR_ADD(st, host, out_udp, sent);
    } else {
        sent = tx_send_plain(d, kind, 0, n);
        CTR_ADD(st, host, out_raw, sent);
    }
    for (unsigned k = 0; k < n; k++)
        pkt_free(d->tp[k]);
    return sent;
}

static unsigned hostip_xmit(struct ifnet *ifp, struct pkt **pkts, unsigned n)
{
    struct hostip_drv *d = ifp->drv;
    unsigned sent = 0, run = 0;
    int run_kind = -1;
    for (unsigned i = 0; i < n; i++) {
        struct ip4_info ih;
        size_t off, len;
        uint16_t dport;
        int kind = tx_classify(d, pkts[i], &ih, &off, &len, &dport);
        if (kind < 0) {
            pkt_free(pkts[i]);
            continue;
        }
        if (run && (kind != run_kind || run == IF_TXQ_BATCH)) {
            sent += tx_flush(d, (unsigned)run_kind, run);
            run = 0;
        }
        run_kind = kind;
        tx_add(d, run++, pkts[i], &ih, off, len, dport);
    }
    if (run)
        sent += tx_flush(d, (unsigned)run_kind, run);
    return sent;
}

/* ------------------------------------------------------------- create, destroy */

static void set_int(int fd, int level, int opt, int v)
{
    setsockopt(fd, level, opt, &v, sizeof v);
}

/* Big buffers: FORCE works for root (as sixd is to open raw sockets), else the sysctl cap applies. */
static void set_bufs(int fd)
{
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &(int){ HOSTIP_SOCKBUF }, sizeof(int)) < 0)
        set_int(fd, SOL_SOCKET, SO_RCVBUF, HOSTIP_SOCKBUF);
    if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &(int){ HOSTIP_SOCKBUF }, sizeof(int)) < 0)
        set_int(fd, SOL_SOCKET, SO_SNDBUF, HOSTIP_SOCKBUF);
}

static int open_sock(const struct hostip_drv *d, unsigned kind)
{
    bool udp = kind == HS_UDP;
    int fd = socket(AF_INET, (udp ? SOCK_DGRAM : SOCK_RAW) | SOCK_NONBLOCK | SOCK_CLOEXEC, hs_proto[kind]);
    if (fd < 0)
        return -errno;
    if (d->dev[0] && setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, d->dev, (socklen_t)strlen(d->dev)) < 0)
        goto fail;
    set_bufs(fd);
    set_int(fd, IPPROTO_IP, IP_MTU_DISCOVER, IP_PMTUDISC_DONT);
    if (udp) {
        set_int(fd, IPPROTO_IP, IP_PKTINFO, 1);
        set_int(fd, IPPROTO_IP, IP_RECVTOS, 1);
        struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(d->natt_port) };
        if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0)
            goto fail;
    }
    return fd;
fail:;
    int e = errno;
    close(fd);
    return -e;
}

static uint32_t dev_mtu(const struct hostip_drv *d)
{
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    memcpy(ifr.ifr_name, d->dev, strlen(d->dev));
    if (!d->dev[0] || ioctl(d->s[HS_UDP].fd, SIOCGIFMTU, &ifr) < 0 || ifr.ifr_mtu < 576)
        return 1500;
    /* a receive buffer must hold one packet: beyond a small pool buffer, keep its size */
    return ifr.ifr_mtu > 2048 ? 2048 : (uint32_t)ifr.ifr_mtu;
}

/* Sockets off the loop (registered or not: evloop_del_fd of an unknown fd is harmless) and closed. */
static void close_all(struct hostip_drv *d)
{
    for (unsigned k = 0; k < HS_N; k++)
        if (d->s[k].fd >= 0) {
            evloop_del_fd(d->ev, d->s[k].fd);
            close(d->s[k].fd);
        }
    if (d->nl_fd >= 0) {
        evloop_del_fd(d->ev, d->nl_fd);
        close(d->nl_fd);
    }
}

static void hostip_destroy(struct ifnet *ifp)
{
    struct hostip_drv *d = ifp->drv;
    close_all(d);
    for (unsigned i = 0; i < HOSTIP_BATCH; i++)
        if (d->rx[i])
            pkt_free(d->rx[i]);
    free(d);
}

static struct ifnet *fail(int *err, int e)
{
    if (err)
        *err = e;
    errno = e;
    return NULL;
}

/* Sockets and the netlink subscription, before the first dump so that no
 * change between the two is missed (events replayed after it are idempotent). */
static int open_all(struct hostip_drv *d)
{
    for (unsigned k = 0; k < HS_N; k++) {
        d->s[k] = (struct hostip_sock){ .fd = open_sock(d, k), .kind = k, .d = d };
        if (d->s[k].fd < 0)
            return d->s[k].fd;
    }
    /* Linux >= 5.0; without it datagrams come one by one, as before */
    d->gro = setsockopt(d->s[HS_UDP].fd, SOL_UDP, UDP_GRO, &(int){ 1 }, sizeof(int)) == 0;
    d->nl_fd = nl_open(RTMGRP_IPV4_IFADDR);
    return d->nl_fd < 0 ? d->nl_fd : 0;
}

static int register_all(struct hostip_drv *d)
{
    for (unsigned k = 0; k < HS_N; k++) {
        int rc = evloop_add_fd(d->ev, d->s[k].fd, EV_READ, hostip_readable, &d->s[k]);
        if (rc < 0)
            return rc;
    }
    return evloop_add_fd(d->ev, d->nl_fd, EV_READ, nl_readable, d);
}

struct ifnet *hostip_create(struct six_stack *st, struct evloop *ev, const char *name, const char *dev,
                            uint16_t natt_port, int *err)
{
    if (!name || !*name || strlen(name) >= IFNAMSIZ || (dev && (!*dev || strlen(dev) >= IFNAMSIZ)) || !natt_port)
        return fail(err, EINVAL);
    if (if_find(st, name))
        return fail(err, EEXIST);
    unsigned idx = dev ? if_nametoindex(dev) : 0;
    if (dev && !idx)
        return fail(err, ENODEV);
    struct hostip_drv *d = calloc(1, sizeof *d);
    if (!d)
        return fail(err, ENOMEM);
    d->ev = ev;
    d->natt_port = natt_port;
    d->dev_index = idx;
    d->nl_fd = -1;
    for (unsigned k = 0; k < HS_N; k++)
        d->s[k].fd = -1;
    if (dev)
        memcpy(d->dev, dev, strlen(dev) + 1);
    int rc = open_all(d);
    if (rc < 0 || !(d->ifp = if_attach(st, name, IFT_RAWIP, &hostip_ops, d))) {
        int e = rc < 0 ? -rc : errno;
        close_all(d);   /* not attached: no destroy will run */
        free(d);
        return fail(err, e);
    }
    d->ifp->flags |= IFF6_NOARP;
    if_set_mtu(d->ifp, dev_mtu(d));
    if ((rc = register_all(d)) < 0) {
        if_detach(d->ifp);   /* its destroy closes the sockets and frees d */
        return fail(err, -rc);
    }
    mirror_resync(d);
    if_set_running(d->ifp, true);
    LOGI("%s: host link%s%s, natt-port %u, mtu %u", name, dev ? " on " : "", dev ? dev : "", natt_port,
         d->ifp->mtu);
    return d->ifp;
}
