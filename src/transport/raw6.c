/* Raw ICMPv6 sockets (RFC 3542 §3): every ICMPv6 message that passes a
 * socket's ICMP6_FILTER is copied to it (the stack still processes ND and
 * echo itself, as BSD does); sending computes the ICMPv6 checksum. */
#include <errno.h>
#include <string.h>
#include "transport/sock.h"
#include "net/stack.h"
#include "net/ip6_var.h"
#include "ipsec/ipsec.h"
#include "wire/icmp6.h"
#include "wire/ip6ext.h"

#define FAIL(e) do { errno = (e); return -1; } while (0)

void raw6_deliver(struct ifnet *ifp, const struct pkt *p, const struct ip6_info *ip, size_t off, uint8_t icmp_type)
{
    struct six_stack *st = ifp->st;

    for (int i = 0; i < SOCK_MAX; i++) {
        struct sock *so = &st->socks->s[i];
        if (!so->in_use || so->type != SOCK_RAW || so->proto != IPPROTO_ICMPV6 ||
            sock_filter_blocks(&so->filter, icmp_type) ||
            (!in6_is_unspecified(&so->laddr) && !in6_eq(&so->laddr, &ip->dst)) ||
            (so->connected && !in6_eq(&so->raddr, &ip->src)) ||
            (so->bound_if && so->bound_if != ifp->index) ||
            !ipsec_in_check_sp(st, p, so->ipsec))   /* this socket's "in" policy refuses it (counted) */
            continue;
        struct pkt *c = pkt_copy(st->pool, p);
        if (!c) {
            CTR_INC(st, ip6, drop_no_buffer);
            continue;
        }
        c->l3off = (uint16_t)c->off;
        c->ifindex = (uint16_t)ifp->index;
        c->cb[0] = 0;
        pkt_pull(c, off);
        if (sock_enqueue(so, c))
            CTR_INC(st, raw6, delivered);
        else
            CTR_INC(st, raw6, drop_rcvbuf_full);
    }
}

ssize_t raw6_sendmsg(struct sock *so, const struct msghdr *msg, int flags)
{
    struct six_stack *st = so->st;
    struct in6_addr dst;
    uint16_t port;
    unsigned scope = 0;
    size_t len = 0;
    int rc;
    (void)flags;

    if (msg->msg_name) {
        if ((rc = sock_sa_to_in6(so, msg->msg_name, msg->msg_namelen, &dst, &port, &scope)))
            FAIL(-rc);
    } else if (so->connected) {
        dst = so->raddr;
    } else {
        FAIL(EDESTADDRREQ);
    }
    for (size_t i = 0; i < (size_t)msg->msg_iovlen; i++)
        len += msg->msg_iov[i].iov_len;
    if (len < ICMP6_HLEN || len > 65535)
        FAIL(EINVAL);
    bool mc = in6_is_multicast(&dst);
    unsigned ifindex = mc && so->mc_if ? so->mc_if : scope ? scope : so->bound_if;
    struct ip6_out o = { .src = so->laddr, .dst = dst, .nxt = IP6_NXT_ICMPV6,
                         .hlim = mc ? so->mc_hops : so->uc_hops, .tclass = (uint8_t)(so->tclass > 0 ? so->tclass : 0),
                         .ipsec = so->ipsec };
    if (ifindex && !(o.ifp = if_byindex(st, ifindex)))
        FAIL(ENXIO);
    if ((rc = ip6_prepare_src(st, &o)))
        FAIL(-rc);
    struct pkt *p = pkt_alloc(st->pool, len);
    if (!p)
        FAIL(ENOBUFS);
    uint8_t *d = pkt_put(p, len);
    for (size_t i = 0, k = 0; i < (size_t)msg->msg_iovlen; k += msg->msg_iov[i].iov_len, i++)
        memcpy(d + k, msg->msg_iov[i].iov_base, msg->msg_iov[i].iov_len);
    icmp6_set_cksum(d, len, &o.src, &o.dst);
    CTR_INC(st, raw6, out_msgs);
    if ((rc = ip6_output(st, p, &o)) < 0)
        FAIL(-rc);
    return (ssize_t)len;
}
