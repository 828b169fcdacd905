/* UDP (RFC 768; RFC 8200 §8.1 for IPv6): one demultiplexer for both
 * families, AF_INET6 sockets reaching IPv4 peers as IPv4-mapped addresses
 * unless IPV6_V6ONLY, ephemeral ports drawn at random (RFC 6056), RFC 3542
 * ancillary data on receive and send. */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include "transport/sock.h"
#include "net/stack.h"
#include "net/ip6_var.h"
#include "net/ip4_var.h"
#include "net/ip4_priv.h"
#include "ipsec/ipsec.h"
#include "wire/udp.h"
#include "wire/cksum.h"
#include "wire/ip6ext.h"
#include "wire/ip4.h"

#define FAIL(e) do { errno = (e); return -1; } while (0)
#define UDP6_MAX_PAYLOAD (65535 - UDP_HLEN)
#define UDP4_MAX_PAYLOAD (65535 - IP4_HLEN - UDP_HLEN)

#define port_bucket sock_port_bucket

/* Best socket for a datagram: connected 4-tuple beats bound address beats wildcard. */
static struct sock *udp_lookup(struct six_stack *st, const struct in6_addr *src, uint16_t sport,
                               const struct in6_addr *dst, uint16_t dport, unsigned ifindex)
{
    bool v4 = in6_is_v4mapped(dst);
    struct sock *best = NULL;
    int best_score = -1;

    for (struct sock *so = *port_bucket(st, dport); so; so = so->hnext) {
        if (so->lport != dport || so->shut_rd || so->type != SOCK_DGRAM)
            continue;
        if (v4 ? (so->family == AF_INET6 && so->v6only) : so->family == AF_INET)
            continue;
        int score = 0;
        bool wildcard = in6_is_unspecified(&so->laddr) ||
                        (in6_is_v4mapped(&so->laddr) && !memcmp(&so->laddr.s6_addr[12], "\0\0\0\0", 4));
        if (!wildcard) {
            if (!in6_eq(&so->laddr, dst))
                continue;
            score += 2;
        }
        if (so->connected) {
            if (so->rport != sport || !in6_eq(&so->raddr, src))
                continue;
            score += 4;
        }
        if (so->bound_if) {
            if (so->bound_if != ifindex)
                continue;
            score += 1;
        }
        if (score > best_score) {
            best = so;
            best_score = score;
        }
    }
    return best;
}

static bool deliver(struct six_stack *st, struct sock *so, struct pkt *p)
{
    if (!ipsec_in_check_sp(st, p, so->ipsec)) {
        pkt_free(p);
        return true;   /* the socket wants it protected: consumed (dropped, counted) */
    }
    if (!sock_enqueue(so, p)) {
        CTR_INC(st, udp, drop_rcvbuf_full);
        return true;   /* consumed (dropped, counted) */
    }
    CTR_INC(st, udp, delivered);
    return true;
}

/* Keep the network header where recvmsg finds it, the payload at data. */
static void to_payload(struct pkt *p, struct ifnet *ifp, size_t off, const struct udp_info *u)
{
    p->l3off = (uint16_t)p->off;
    p->ifindex = (uint16_t)ifp->index;
    p->cb[0] = u->sport;
    pkt_pull(p, off + UDP_HLEN);
    pkt_trim(p, (size_t)u->len - UDP_HLEN);
}

/* Multicast: a copy for every socket of the port that listens on that group. */
static bool deliver_mcast(struct ifnet *ifp, struct pkt *p, const struct in6_addr *src, const struct in6_addr *dst,
                          size_t off, const struct udp_info *u)
{
    struct six_stack *st = ifp->st;
    bool any = false;

    for (struct sock *so = *port_bucket(st, u->dport); so; so = so->hnext) {
        if (so->lport != u->dport || so->family != AF_INET6 || so->type != SOCK_DGRAM ||
            (!in6_is_unspecified(&so->laddr) && !in6_eq(&so->laddr, dst)) ||
            (so->connected && (so->rport != u->sport || !in6_eq(&so->raddr, src))))
            continue;
        struct pkt *c = pkt_copy(st->pool, p);
        if (!c) {
            CTR_INC(st, ip6, drop_no_buffer);
            continue;
        }
        to_payload(c, ifp, off, u);
        any |= deliver(st, so, c);
    }
    if (any)
        pkt_free(p);
    return any;
}

bool udp6_deliver(struct ifnet *ifp, struct pkt *p, const struct ip6_info *ip, size_t off, const struct udp_info *u)
{
    if (in6_is_multicast(&ip->dst))
        return deliver_mcast(ifp, p, &ip->src, &ip->dst, off, u);
    struct sock *so = udp_lookup(ifp->st, &ip->src, u->sport, &ip->dst, u->dport, ifp->index);
    if (!so)
        return false;
    to_payload(p, ifp, off, u);
    return deliver(ifp->st, so, p);
}

static void v4mapped(struct in_addr a, struct in6_addr *out)
{
    memset(out, 0, sizeof *out);
    out->s6_addr[10] = out->s6_addr[11] = 0xff;
    memcpy(&out->s6_addr[12], &a, 4);
}

bool udp4_deliver(struct ifnet *ifp, struct pkt *p, const struct ip4_info *ih, const struct udp_info *u)
{
    struct in6_addr src, dst;

    v4mapped(ih->src, &src);
    v4mapped(ih->dst, &dst);
    struct sock *so = udp_lookup(ifp->st, &src, u->sport, &dst, u->dport, ifp->index);
    if (!so)
        return false;
    to_payload(p, ifp, ih->hl, u);
    return deliver(ifp->st, so, p);
}

void udp_error_input(struct six_stack *st, const struct in6_addr *src, uint16_t sport, const struct in6_addr *dst,
                     uint16_t dport, int err)
{
    for (struct sock *so = *port_bucket(st, sport); so; so = so->hnext) {
        if (so->type == SOCK_DGRAM && so->lport == sport && so->connected && so->rport == dport && in6_eq(&so->raddr, dst) &&
            (in6_is_unspecified(&so->laddr) || in6_eq(&so->laddr, src))) {
            so->so_error = err;
            sock_wake(so, POLLERR);
        }
    }
}

/* --- receive --- */

static void put_cmsg(struct msghdr *msg, size_t *used, int level, int type, const void *data, size_t len)
{
    if (!msg->msg_control || *used + CMSG_SPACE(len) > msg->msg_controllen) {
        msg->msg_flags |= MSG_CTRUNC;
        return;
    }
    struct cmsghdr *c = (struct cmsghdr *)((uint8_t *)msg->msg_control + *used);
    c->cmsg_level = level;
    c->cmsg_type = type;
    c->cmsg_len = CMSG_LEN(len);
    memcpy(CMSG_DATA(c), data, len);
    *used += CMSG_SPACE(len);
}

/* Addresses and header fields of a queued datagram, from its network header. */
struct dgram_meta { struct in6_addr src, dst; uint16_t sport; int hlim, tclass; };

static bool dgram_meta(const struct pkt *p, struct dgram_meta *m)
{
    const uint8_t *nh = p->buf + p->l3off;
    size_t nlen = p->off + p->len - p->l3off;

    m->sport = (uint16_t)p->cb[0];
    if (nlen && (nh[0] >> 4) == 4) {
        struct ip4_info ih;
        if (ip4_parse(nh, nlen, &ih) != WR_OK)
            return false;
        v4mapped(ih.src, &m->src);
        v4mapped(ih.dst, &m->dst);
        m->hlim = ih.ttl;
        m->tclass = ih.tos;
        return true;
    }
    struct ip6_info ip;
    if (ip6_parse(nh, nlen, &ip) != WR_OK)
        return false;
    m->src = ip.src;
    m->dst = ip.dst;
    m->hlim = ip.hlim;
    m->tclass = ip.tclass;
    return true;
}

static void recv_cmsgs(const struct sock *so, const struct pkt *p, const struct dgram_meta *m, struct msghdr *msg)
{
    size_t used = 0;

    if (so->family == AF_INET6 && so->recvpktinfo) {
        struct in6_pktinfo pi = { .ipi6_addr = m->dst, .ipi6_ifindex = p->ifindex };
        put_cmsg(msg, &used, IPPROTO_IPV6, IPV6_PKTINFO, &pi, sizeof pi);
    }
    if (so->family == AF_INET6 && so->recvhoplimit)
        put_cmsg(msg, &used, IPPROTO_IPV6, IPV6_HOPLIMIT, &m->hlim, sizeof m->hlim);
    if (so->family == AF_INET6 && so->recvtclass)
        put_cmsg(msg, &used, IPPROTO_IPV6, IPV6_TCLASS, &m->tclass, sizeof m->tclass);
    msg->msg_controllen = used;
}

ssize_t dgram_recvmsg(struct sock *so, struct msghdr *msg, int flags)
{
    struct pkt *p = so->rxq.head;
    struct dgram_meta m;

    if (!p) {
        if (so->so_error) {
            int e = so->so_error;
            so->so_error = 0;
            FAIL(e);
        }
        FAIL(so->shut_rd ? 0 : EAGAIN);
    }
    msg->msg_flags = 0;
    size_t copied = 0;
    for (size_t i = 0; i < (size_t)msg->msg_iovlen && copied < p->len; i++) {
        size_t n = p->len - copied < msg->msg_iov[i].iov_len ? p->len - copied : msg->msg_iov[i].iov_len;
        memcpy(msg->msg_iov[i].iov_base, pkt_data(p) + copied, n);
        copied += n;
    }
    if (copied < p->len)
        msg->msg_flags |= MSG_TRUNC;
    if (dgram_meta(p, &m)) {
        if (msg->msg_name) {
            socklen_t l = msg->msg_namelen;
            sock_fill_sa(so, &m.src, so->type == SOCK_DGRAM ? m.sport : 0, p->ifindex, msg->msg_name, &l);
            msg->msg_namelen = l;
        }
        recv_cmsgs(so, p, &m, msg);
    } else {
        msg->msg_namelen = 0;
        msg->msg_controllen = 0;
    }
    ssize_t ret = (flags & MSG_TRUNC) ? (ssize_t)p->len : (ssize_t)copied;
    if (!(flags & MSG_PEEK)) {
        pktq_pop(&so->rxq);
        so->rx_bytes -= p->cap;
        pkt_free(p);
    }
    return ret;
}

/* --- send --- */

struct send_opts { struct in6_addr src; unsigned ifindex; int hlim, tclass; bool dontfrag; };

static int parse_send_cmsgs(const struct msghdr *msg, struct send_opts *so)
{
    for (struct cmsghdr *c = CMSG_FIRSTHDR((struct msghdr *)msg); c; c = CMSG_NXTHDR((struct msghdr *)msg, c)) {
        size_t dlen = c->cmsg_len - CMSG_LEN(0);
        int v;
        if (c->cmsg_level != IPPROTO_IPV6)
            return -EINVAL;
        switch (c->cmsg_type) {
        case IPV6_PKTINFO: {
            struct in6_pktinfo pi;
            if (dlen < sizeof pi)
                return -EINVAL;
            memcpy(&pi, CMSG_DATA(c), sizeof pi);
            so->src = pi.ipi6_addr;
            so->ifindex = pi.ipi6_ifindex;
            break;
        }
        case IPV6_HOPLIMIT:
        case IPV6_TCLASS:
        case IPV6_DONTFRAG:
            if (dlen < sizeof v)
                return -EINVAL;
            memcpy(&v, CMSG_DATA(c), sizeof v);
            if (v < -1 || v > 255)
                return -EINVAL;
            if (c->cmsg_type == IPV6_HOPLIMIT) so->hlim = v;
            else if (c->cmsg_type == IPV6_TCLASS) so->tclass = v;
            else so->dontfrag = v != 0;
            break;
        default:
            return -EINVAL;
        }
    }
    return 0;
}

static size_t iov_total(const struct msghdr *msg)
{
    size_t n = 0;
    for (size_t i = 0; i < (size_t)msg->msg_iovlen; i++)
        n += msg->msg_iov[i].iov_len;
    return n;
}

static void iov_copy(uint8_t *d, const struct msghdr *msg)
{
    for (size_t i = 0; i < (size_t)msg->msg_iovlen; i++) {
        memcpy(d, msg->msg_iov[i].iov_base, msg->msg_iov[i].iov_len);
        d += msg->msg_iov[i].iov_len;
    }
}

static int send4(struct sock *so, const struct in6_addr *dst6, uint16_t dport, const struct msghdr *msg, size_t len,
                 const struct send_opts *opt)
{
    struct six_stack *st = so->st;
    struct ip4_out o = { .proto = IP4_PROTO_UDP, .ttl = opt->hlim >= 0 ? opt->hlim : so->uc_hops,
                         .tos = (uint8_t)(opt->tclass >= 0 ? opt->tclass : so->tclass >= 0 ? so->tclass : 0),
                         .df = opt->dontfrag, .ipsec = so->ipsec };
    int rc;

    memcpy(&o.dst, &dst6->s6_addr[12], 4);
    if (in6_is_v4mapped(&opt->src)) {   /* IPV6_PKTINFO on a mapped socket: one of our IPv4 addresses */
        struct ifnet *ifp;
        memcpy(&o.src, &opt->src.s6_addr[12], 4);
        if (!in4_ifa_find(st, o.src, &ifp))
            return -EADDRNOTAVAIL;
    } else if (in6_is_v4mapped(&so->laddr)) {
        memcpy(&o.src, &so->laddr.s6_addr[12], 4);
    }
    if (!o.src.s_addr && (rc = in4_selectsrc(st, o.dst, NULL, &o.src)))
        return rc;
    struct pkt *p = pkt_alloc(st->pool, UDP_HLEN + len);
    if (!p)
        return -ENOBUFS;
    uint8_t *d = pkt_put(p, UDP_HLEN + len);
    iov_copy(d + UDP_HLEN, msg);
    udp_emit(d, UDP_HLEN + len, so->lport, dport, len, cksum_pseudo4(o.src, o.dst, (uint16_t)(UDP_HLEN + len), IP4_PROTO_UDP));
    CTR_INC(st, udp, out_datagrams);
    return ip4_output(st, p, &o);
}

static int send6(struct sock *so, const struct in6_addr *dst, uint16_t dport, unsigned scope, const struct msghdr *msg,
                 size_t len, const struct send_opts *opt)
{
    struct six_stack *st = so->st;
    bool mc = in6_is_multicast(dst);
    unsigned ifindex = opt->ifindex ? opt->ifindex : mc && so->mc_if ? so->mc_if : scope ? scope : so->bound_if;
    struct ip6_out o = { .src = opt->src, .dst = *dst, .nxt = IP6_NXT_UDP,
                         .hlim = opt->hlim >= 0 ? opt->hlim : mc ? so->mc_hops : so->uc_hops,
                         .tclass = (uint8_t)(opt->tclass >= 0 ? opt->tclass : so->tclass >= 0 ? so->tclass : 0),
                         .flags = (opt->dontfrag || so->dontfrag ? IP6_OUT_DONTFRAG : 0) | (so->minmtu ? IP6_OUT_MINMTU : 0) |
                                  (so->mc_loop ? 0 : IP6_OUT_NOLOOP),
                         .ipsec = so->ipsec };
    int rc;

    if (ifindex && !(o.ifp = if_byindex(st, ifindex)))
        return -ENXIO;
    if (in6_is_unspecified(&o.src) && !in6_is_unspecified(&so->laddr))
        o.src = so->laddr;
    if ((rc = ip6_prepare_src(st, &o)))
        return rc;
    struct pkt *p = pkt_alloc(st->pool, UDP_HLEN + len);
    if (!p)
        return -ENOBUFS;
    uint8_t *d = pkt_put(p, UDP_HLEN + len);
    iov_copy(d + UDP_HLEN, msg);
    udp_emit(d, UDP_HLEN + len, so->lport, dport, len, cksum_pseudo6(&o.src, &o.dst, (uint32_t)(UDP_HLEN + len), IP6_NXT_UDP));
    CTR_INC(st, udp, out_datagrams);
    return ip6_output(st, p, &o);
}

ssize_t udp_sendmsg(struct sock *so, const struct msghdr *msg, int flags)
{
    struct in6_addr dst;
    uint16_t dport;
    unsigned scope = 0;
    struct send_opts opt = { .hlim = -1, .tclass = -1 };
    size_t len = iov_total(msg);
    int rc;
    (void)flags;

    if (msg->msg_name) {
        if ((rc = sock_sa_to_in6(so, msg->msg_name, msg->msg_namelen, &dst, &dport, &scope)))
            FAIL(-rc);
        if (dport == 0)
            FAIL(EINVAL);
    } else if (so->connected) {
        dst = so->raddr;
        dport = so->rport;
    } else {
        FAIL(EDESTADDRREQ);
    }
    if ((rc = parse_send_cmsgs(msg, &opt)))
        FAIL(-rc);
    bool v4 = in6_is_v4mapped(&dst);
    if (len > (v4 ? UDP4_MAX_PAYLOAD : UDP6_MAX_PAYLOAD))
        FAIL(EMSGSIZE);
    if (!so->bound) {
        if ((rc = sock_bind_port(so, 0)))
            FAIL(-rc);
        so->bound = true;
    }
    rc = v4 ? send4(so, &dst, dport, msg, len, &opt) : send6(so, &dst, dport, scope, msg, len, &opt);
    if (rc < 0) {
        CTR_INC(so->st, udp, out_errors);
        FAIL(-rc);
    }
    return (ssize_t)len;
}
