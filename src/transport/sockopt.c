/* setsockopt / getsockopt: SOL_SOCKET basics and the RFC 3493 / RFC 3542
 * IPv6 options. Every value is range-checked; a bad one is EINVAL and
 * changes nothing. */
#include <errno.h>
#include <string.h>
#include "transport/sock.h"
#include "net/stack.h"
#include "net/ip6_var.h"
#include "transport/tcp.h"
#include "ipsec/ipsec.h"
#include "wire/pfkey.h"
#include <netinet/tcp.h>

#define FAIL(e) do { errno = (e); return -1; } while (0)

static int get_int(const void *val, socklen_t len, int *v)
{
    if (!val || len < (socklen_t)sizeof(int))
        return -1;
    memcpy(v, val, sizeof *v);
    return 0;
}

static int put_int(void *val, socklen_t *len, int v)
{
    if (!val || !len || *len < (socklen_t)sizeof(int)) {
        errno = EINVAL;
        return -1;
    }
    memcpy(val, &v, sizeof v);
    *len = sizeof v;
    return 0;
}

static int group_change(struct sock *so, bool join, const void *val, socklen_t len)
{
    struct ipv6_mreq m;
    struct ifnet *ifp;

    if (!val || len < (socklen_t)sizeof m)
        FAIL(EINVAL);
    memcpy(&m, val, sizeof m);
    if (!in6_is_multicast(&m.ipv6mr_multiaddr))
        FAIL(EINVAL);
    if (!(ifp = m.ipv6mr_interface ? if_byindex(so->st, m.ipv6mr_interface) : NULL))
        FAIL(ENODEV);   /* the interface must be named: no multicast routing to guess it */
    for (int i = 0; i < so->n_groups; i++) {
        if (so->groups[i].ifindex == m.ipv6mr_interface && in6_eq(&so->groups[i].grp, &m.ipv6mr_multiaddr)) {
            if (join)
                FAIL(EADDRINUSE);
            in6_leave(ifp, &m.ipv6mr_multiaddr);
            so->groups[i] = so->groups[--so->n_groups];
            return 0;
        }
    }
    if (!join)
        FAIL(EADDRNOTAVAIL);
    if (so->n_groups >= SOCK_MAX_GROUPS)
        FAIL(ENOBUFS);
    if (in6_join(ifp, &m.ipv6mr_multiaddr))
        FAIL(ENOBUFS);
    so->groups[so->n_groups].grp = m.ipv6mr_multiaddr;
    so->groups[so->n_groups++].ifindex = m.ipv6mr_interface;
    return 0;
}

void sock_leave_groups(struct sock *so)
{
    for (int i = 0; i < so->n_groups; i++) {
        struct ifnet *ifp = if_byindex(so->st, so->groups[i].ifindex);
        if (ifp)
            in6_leave(ifp, &so->groups[i].grp);
    }
    so->n_groups = 0;
}

static int set_ipv6(struct sock *so, int name, const void *val, socklen_t len)
{
    int v = 0;

    if (name == IPV6_JOIN_GROUP || name == IPV6_LEAVE_GROUP)
        return group_change(so, name == IPV6_JOIN_GROUP, val, len);
    if (name == IPV6_MULTICAST_IF) {
        if (get_int(val, len, &v) || (v && !if_byindex(so->st, (unsigned)v)))
            FAIL(EINVAL);
        so->mc_if = (unsigned)v;
        return 0;
    }
    if (get_int(val, len, &v))
        FAIL(EINVAL);
    switch (name) {
    case IPV6_V6ONLY:
        if (so->bound)
            FAIL(EINVAL);   /* as BSD: only before bind */
        so->v6only = v != 0;
        return 0;
    case IPV6_RECVPKTINFO: so->recvpktinfo = v != 0; return 0;
    case IPV6_RECVHOPLIMIT: so->recvhoplimit = v != 0; return 0;
    case IPV6_RECVTCLASS: so->recvtclass = v != 0; return 0;
    case IPV6_DONTFRAG: so->dontfrag = v != 0; return 0;
    case IPV6_USE_MIN_MTU:
        if (v < -1 || v > 1)
            FAIL(EINVAL);
        so->minmtu = v == 1;
        return 0;
    case IPV6_MULTICAST_LOOP:
        if (v != 0 && v != 1)
            FAIL(EINVAL);
        so->mc_loop = v;
        return 0;
    case IPV6_UNICAST_HOPS:
    case IPV6_MULTICAST_HOPS:
    case IPV6_TCLASS:
        if (v < -1 || v > 255)
            FAIL(EINVAL);
        *(name == IPV6_UNICAST_HOPS ? &so->uc_hops : name == IPV6_MULTICAST_HOPS ? &so->mc_hops : &so->tclass) = v;
        return 0;
    case IPV6_CHECKSUM:
        if (so->type != SOCK_RAW || so->proto == IPPROTO_ICMPV6 || v < -1 || (v >= 0 && v % 2))
            FAIL(EINVAL);   /* ICMPv6 always checksums (RFC 3542 §3.1) */
        so->cksum_off = v;
        return 0;
    default:
        FAIL(ENOPROTOOPT);
    }
}

/* IPV6_IPSEC_POLICY on AF_INET6 sockets; IP_IPSEC_POLICY on either family
 * (an AF_INET6 socket's IPv4-mapped traffic): both set the socket's one
 * policy per direction, which covers its packets of both families. */
static bool is_ipsec_policy(const struct sock *so, int level, int name)
{
    return (level == IPPROTO_IPV6 && name == IPV6_IPSEC_POLICY && so->family == AF_INET6) ||
           (level == IPPROTO_IP && name == IP_IPSEC_POLICY);
}

static int set_ipsec_policy(struct sock *so, const void *val, socklen_t len)
{
    if (len == 0)
        FAIL(EINVAL);
    int rc = ipsec_sockpol_set(&so->ipsec, val, (size_t)len);
    if (rc)
        FAIL(-rc);
    return 0;
}

/* The direction to read is named by what the caller put in val (KAME
 * passes a sadb_x_policy with only the direction filled in): "in" or "out"
 * as a string, or such a policy.  The string form comes back; ERANGE with
 * *len the size needed when it does not fit. */
static int policy_dir(const void *val, socklen_t len)
{
    const char *s = val;
    const uint8_t *b = val;
    size_t n = strnlen(s, (size_t)len);
    uint16_t type;
    if ((n == 2 || (n > 2 && s[2] == ' ')) && !memcmp(s, "in", 2))
        return IPSEC_DIR_IN;
    if ((n == 3 || (n > 3 && s[3] == ' ')) && !memcmp(s, "out", 3))
        return IPSEC_DIR_OUT;
    if (len < 8)
        return -1;
    memcpy(&type, b + 2, 2);
    return type == SADB_X_EXT_POLICY && (b[6] == IPSEC_DIR_IN || b[6] == IPSEC_DIR_OUT) ? b[6] : -1;
}

static int get_ipsec_policy(const struct sock *so, void *val, socklen_t *len)
{
    char buf[IPSEC_SOCKPOL_MAX];
    int dir;
    if (!val || !len || *len < 2 || (dir = policy_dir(val, *len)) < 0)
        FAIL(EINVAL);
    socklen_t need = (socklen_t)ipsec_sockpol_format(so->ipsec, (uint8_t)dir, buf, sizeof buf) + 1;
    if (need > *len) {
        *len = need;
        FAIL(ERANGE);
    }
    memcpy(val, buf, need);
    *len = need;
    return 0;
}

int six_setsockopt(struct six_stack *st, int sd, int level, int name, const void *val, socklen_t len)
{
    struct sock *so = sock_get(st, sd);
    int v;

    if (!so)
        return -1;
    if (is_ipsec_policy(so, level, name))
        return set_ipsec_policy(so, val, len);
    if (level == IPPROTO_IPV6 && so->family == AF_INET6)
        return set_ipv6(so, name, val, len);
    if (level == IPPROTO_ICMPV6 && name == ICMP6_FILTER && so->type == SOCK_RAW) {
        if (!val || len < (socklen_t)sizeof so->filter)
            FAIL(EINVAL);
        memcpy(&so->filter, val, sizeof so->filter);
        return 0;
    }
    if (level == SOL_SOCKET && name == SO_RCVBUF) {
        if (get_int(val, len, &v) || v < 0)
            FAIL(EINVAL);
        so->rcvbuf = (size_t)v * 2 > SOCK_RCVBUF_MAX ? SOCK_RCVBUF_MAX : (size_t)v * 2;   /* Linux doubles it too */
        if (so->rcvbuf < 2 * PKT_SMALL_SIZE)
            so->rcvbuf = 2 * PKT_SMALL_SIZE;
        return 0;
    }
    if (level == IPPROTO_TCP && so->type == SOCK_STREAM && name == TCP_NODELAY) {
        if (get_int(val, len, &v))
            FAIL(EINVAL);
        so->nodelay = v != 0;
        if (so->tp) {
            so->tp->nodelay = so->nodelay;
            tcp_output(so->tp);   /* what Nagle held back goes now */
        }
        return 0;
    }
    if (level == IPPROTO_TCP && so->type == SOCK_STREAM && name == TCP_CONGESTION) {
        char n[16] = { 0 };
        if (!val || len < 1)
            FAIL(EINVAL);
        memcpy(n, val, len < (socklen_t)sizeof n - 1 ? (size_t)len : sizeof n - 1);
        int cc = cc_by_name(n);
        if (cc < 0)
            FAIL(ENOENT);
        so->cc = (uint8_t)cc;
        if (so->tp)
            so->tp->cc = (uint8_t)cc;
        return 0;
    }
    if (level == SOL_SOCKET && name == SO_LINGER) {
        /* close() never blocks here: only {on, 0} changes it (an abortive close, RST) */
        struct linger l;
        if (!val || len < (socklen_t)sizeof l)
            FAIL(EINVAL);
        memcpy(&l, val, sizeof l);
        if (l.l_linger < 0)
            FAIL(EINVAL);
        so->linger_on = l.l_onoff != 0;
        so->linger_secs = (uint16_t)(l.l_linger > 65535 ? 65535 : l.l_linger);
        return 0;
    }
    if (level == SOL_SOCKET && name == SO_KEEPALIVE && so->type == SOCK_STREAM) {
        if (get_int(val, len, &v))
            FAIL(EINVAL);
        so->keepalive = v != 0;
        if (so->tp)
            tcp_keepalive_update(so->tp);
        return 0;
    }
    if (level == IPPROTO_TCP && so->type == SOCK_STREAM &&
        (name == TCP_KEEPIDLE || name == TCP_KEEPINTVL || name == TCP_KEEPCNT)) {
        if (get_int(val, len, &v) || v < 1 || v > (name == TCP_KEEPCNT ? 127 : 32767))
            FAIL(EINVAL);
        *(name == TCP_KEEPIDLE ? &so->keep_idle : name == TCP_KEEPINTVL ? &so->keep_intvl : &so->keep_cnt) = v;
        if (so->tp)
            tcp_keepalive_update(so->tp);
        return 0;
    }
    if (level == IPPROTO_IP && (name == IP_TTL || name == IP_TOS)) {
        if (get_int(val, len, &v) || v < -1 || v > 255)
            FAIL(EINVAL);
        *(name == IP_TTL ? &so->uc_hops : &so->tclass) = v;
        return 0;
    }
    FAIL(ENOPROTOOPT);
}

static int get_ipv6(struct sock *so, int name, void *val, socklen_t *len)
{
    switch (name) {
    case IPV6_V6ONLY: return put_int(val, len, so->v6only);
    case IPV6_RECVPKTINFO: return put_int(val, len, so->recvpktinfo);
    case IPV6_RECVHOPLIMIT: return put_int(val, len, so->recvhoplimit);
    case IPV6_RECVTCLASS: return put_int(val, len, so->recvtclass);
    case IPV6_DONTFRAG: return put_int(val, len, so->dontfrag);
    case IPV6_USE_MIN_MTU: return put_int(val, len, so->minmtu ? 1 : -1);
    case IPV6_MULTICAST_LOOP: return put_int(val, len, so->mc_loop);
    case IPV6_MULTICAST_IF: return put_int(val, len, (int)so->mc_if);
    case IPV6_CHECKSUM: return put_int(val, len, so->proto == IPPROTO_ICMPV6 ? 2 : so->cksum_off);
    case IPV6_UNICAST_HOPS: return put_int(val, len, so->uc_hops >= 0 ? so->uc_hops : IP6_DEFAULT_HLIM);
    case IPV6_MULTICAST_HOPS: return put_int(val, len, so->mc_hops >= 0 ? so->mc_hops : 1);
    case IPV6_TCLASS: return put_int(val, len, so->tclass >= 0 ? so->tclass : 0);
    case IPV6_PATHMTU: {
        struct ip6_mtuinfo mi = { 0 };
        struct ifnet *ifp;
        struct in6_addr nh;
        if (!so->connected)
            FAIL(ENOTCONN);
        if (!val || !len || *len < (socklen_t)sizeof mi)
            FAIL(EINVAL);
        if (route6_resolve(so->st, &so->raddr, so->bound_if ? if_byindex(so->st, so->bound_if) : NULL, &ifp, &nh))
            FAIL(EHOSTUNREACH);
        mi.ip6m_addr.sin6_family = AF_INET6;
        mi.ip6m_addr.sin6_addr = so->raddr;
        mi.ip6m_addr.sin6_port = htons(so->rport);
        mi.ip6m_mtu = pmtu6_get(so->st, &so->raddr, ip6_if_mtu(ifp));
        memcpy(val, &mi, sizeof mi);
        *len = sizeof mi;
        return 0;
    }
    default:
        FAIL(ENOPROTOOPT);
    }
}

int six_getsockopt(struct six_stack *st, int sd, int level, int name, void *val, socklen_t *len)
{
    struct sock *so = sock_get(st, sd);
    int rc = -1;

    if (!so)
        return -1;
    if (is_ipsec_policy(so, level, name))
        return get_ipsec_policy(so, val, len);
    if (level == IPPROTO_IPV6 && so->family == AF_INET6)
        rc = get_ipv6(so, name, val, len);
    else if (level == IPPROTO_ICMPV6 && name == ICMP6_FILTER && so->type == SOCK_RAW) {
        if (!val || !len || *len < (socklen_t)sizeof so->filter)
            FAIL(EINVAL);
        memcpy(val, &so->filter, sizeof so->filter);
        *len = sizeof so->filter;
        rc = 0;
    } else if (level == SOL_SOCKET && name == SO_ERROR) {
        rc = put_int(val, len, so->so_error);
        if (!rc)
            so->so_error = 0;
    } else if (level == SOL_SOCKET && name == SO_RCVBUF) {
        rc = put_int(val, len, (int)so->rcvbuf);
    } else if (level == SOL_SOCKET && name == SO_TYPE) {
        rc = put_int(val, len, so->type);
    } else if (level == SOL_SOCKET && name == SO_LINGER) {
        struct linger l = { .l_onoff = so->linger_on, .l_linger = so->linger_secs };
        if (!val || !len || *len < (socklen_t)sizeof l)
            FAIL(EINVAL);
        memcpy(val, &l, sizeof l);
        *len = sizeof l;
        rc = 0;
    } else if (level == SOL_SOCKET && name == SO_KEEPALIVE) {
        rc = put_int(val, len, so->keepalive);
    } else if (level == IPPROTO_TCP && so->type == SOCK_STREAM && name == TCP_CONGESTION) {
        const char *n = cc_name(so->tp ? so->tp->cc : so->cc);
        if (!val || !len || *len < 1)
            FAIL(EINVAL);
        size_t l = strlen(n) + 1 < (size_t)*len ? strlen(n) + 1 : (size_t)*len;
        memcpy(val, n, l);
        *len = (socklen_t)l;
        rc = 0;
    } else if (level == IPPROTO_TCP && so->type == SOCK_STREAM && name == TCP_NODELAY) {
        rc = put_int(val, len, so->nodelay);
    } else if (level == IPPROTO_TCP && so->type == SOCK_STREAM && name == TCP_MAXSEG) {
        rc = put_int(val, len, so->tp && so->tp->mss ? so->tp->mss : TCP_DEFAULT_MSS6);
    } else if (level == IPPROTO_TCP && so->type == SOCK_STREAM && name == TCP_INFO_STATE) {
        rc = put_int(val, len, so->tp ? so->tp->state : TCPS_CLOSED);
    } else {
        FAIL(ENOPROTOOPT);
    }
    return rc;
}
