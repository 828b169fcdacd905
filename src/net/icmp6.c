/* ICMPv6 (RFC 4443): input dispatch, echo, errors with a token bucket, and
 * Packet Too Big → path MTU (RFC 8201). Never an error about an error. */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include "net/ip6_var.h"
#include "net/ping.h"
#include "net/gif.h"
#include "wire/icmp6.h"
#include "wire/ip6ext.h"
#include "wire/udp.h"
#include "transport/sock.h"
#include "transport/tcp.h"

#define ICMP6_ERR_MAX_BODY (IP6_MIN_MTU - IP6_HLEN - ICMP6_HLEN)
#define ICMP6_QUOTE_MAX_EXT 8   /* extension headers walked in a quote to reach TCP */

/* One ICMPv6 message from two pieces (header, body), source chosen if
 * needed, checksum set, handed to ip6_output. */
static int icmp6_send_parts(struct six_stack *st, const struct ip6_out *o, const uint8_t *hdr, size_t hdr_len,
                            const uint8_t *body, size_t body_len)
{
    struct pkt *p = pkt_alloc(st->pool, hdr_len + body_len);
    struct ip6_out oo = *o;
    int rc;

    if (!p) {
        CTR_INC(st, ip6, drop_no_buffer);
        return -ENOBUFS;
    }
    if ((rc = ip6_prepare_src(st, &oo))) {
        pkt_free(p);
        return rc;
    }
    uint8_t *d = pkt_put(p, hdr_len + body_len);
    memcpy(d, hdr, hdr_len);
    if (body_len)
        memcpy(d + hdr_len, body, body_len);
    icmp6_set_cksum(d, hdr_len + body_len, &oo.src, &oo.dst);
    CTR_INC(st, icmp6, out_msgs);
    return ip6_output(st, p, &oo);
}

int icmp6_send_raw(struct six_stack *st, const struct ip6_out *o, const uint8_t *msg, size_t len)
{
    return icmp6_send_parts(st, o, msg, len, NULL, 0);
}

int icmp6_send(struct six_stack *st, const struct ip6_out *o, uint8_t type, uint8_t code, uint32_t data32,
               const uint8_t *body, size_t body_len)
{
    uint8_t hdr[ICMP6_HLEN];

    icmp6_emit_hdr(hdr, sizeof hdr, type, code, data32);
    return icmp6_send_parts(st, o, hdr, sizeof hdr, body, body_len);
}

/* Token bucket: err_rate_per_s tokens a second, err_burst at most. */
bool icmp6_ratelimit_ok(struct six_stack *st)
{
    struct net6 *n = st->net6;
    uint64_t now = six_now(st);
    uint64_t elapsed_ms = (now - n->err_last_ns) / NS_PER_MS;

    n->err_last_ns += elapsed_ms * NS_PER_MS;
    n->err_tokens_ms += elapsed_ms * n->err_rate_per_s;
    if (n->err_tokens_ms > (uint64_t)n->err_burst * 1000)
        n->err_tokens_ms = (uint64_t)n->err_burst * 1000;
    if (n->err_tokens_ms < 1000)
        return false;
    n->err_tokens_ms -= 1000;
    return true;
}

/* Is the packet itself an ICMPv6 error or a Redirect? Walks at most
 * IP6_MAX_EXT_HEADERS headers with the wire parsers. */
static bool is_icmp6_error_or_redirect(const uint8_t *d, size_t len, uint8_t nxt)
{
    size_t off = IP6_HLEN;

    for (int i = 0; i < IP6_MAX_EXT_HEADERS; i++) {
        if (nxt == IP6_NXT_ICMPV6)
            return off < len && (icmp6_is_error(d[off]) || d[off] == ND_REDIRECT);
        if (nxt == IP6_NXT_FRAGMENT) {
            struct ip6_frag_info f;
            if (ip6_frag_parse(d + off, len - off, &f) != WR_OK || f.off != 0)
                return false;
            nxt = f.nxt;
            off += IP6_FRAG_HLEN;
            continue;
        }
        if (nxt != IP6_NXT_HOPOPTS && nxt != IP6_NXT_DSTOPTS && nxt != IP6_NXT_ROUTING)
            return false;
        struct ip6_opthdr_info h;   /* same length encoding for all three */
        if (off >= len || ip6_opthdr_parse(d + off, len - off, &h) != WR_OK)
            return false;
        nxt = h.nxt;
        off += h.len;
    }
    return false;
}

void icmp6_error(struct six_stack *st, struct pkt *p, struct ifnet *rcvif, uint8_t type, uint8_t code, uint32_t param)
{
    const uint8_t *d = pkt_data(p);
    struct ip6_info ip;

    if (ip6_parse(d, p->len, &ip) != WR_OK)
        return;
    bool mcast_ok = type == ICMP6_PACKET_TOO_BIG || (type == ICMP6_PARAM_PROB && code == ICMP6_PARAMPROB_OPTION);
    if (in6_is_unspecified(&ip.src) || in6_is_multicast(&ip.src) ||
        ((in6_is_multicast(&ip.dst) || (p->flags & (PKT_F_MCAST | PKT_F_BCAST))) && !mcast_ok) ||
        is_icmp6_error_or_redirect(d, p->len, ip.nxt)) {
        CTR_INC(st, icmp6, err_suppressed);
        return;
    }
    if (!icmp6_ratelimit_ok(st)) {
        CTR_INC(st, icmp6, err_ratelimited);
        return;
    }
    struct ip6_out o = { .dst = ip.src, .nxt = IP6_NXT_ICMPV6, .hlim = -1, .ifp = rcvif };
    struct in6_ifaddr *ia = in6_ifaddr_lookup(st, &ip.dst);
    if (ia && !in6_is_multicast(&ip.dst))
        o.src = ip.dst;   /* answer from the address the packet was sent to */
    if (!o.ifp && in6_is_linklocal(&ip.src))
        o.ifp = p->rcvif;
    size_t body = p->len < ICMP6_ERR_MAX_BODY ? p->len : ICMP6_ERR_MAX_BODY;
    CTR_INC(st, icmp6, out_errors);
    icmp6_send(st, &o, type, code, param, d, body);
}

static void echo_reply(struct ifnet *ifp, const struct ip6_info *ip, const struct icmp6_info *ic)
{
    struct six_stack *st = ifp->st;
    struct ip6_out o = { .dst = ip->src, .nxt = IP6_NXT_ICMPV6, .hlim = -1, .ifp = ifp };

    if (!in6_is_multicast(&ip->dst))
        o.src = ip->dst;
    CTR_INC(st, icmp6, out_echo_reply);
    icmp6_send(st, &o, ICMP6_ECHO_REPLY, 0, ic->data32, ic->body, ic->body_len);
}

/* The TCP connection whose segment an error of RFC 4443's four types
 * quotes, the quote's extension headers walked (tcp_icmp_lookup checks and
 * counts the rest). *is_tcp: the quote holds a TCP header at all. */
static struct tcpcb *quoted_tcp(struct six_stack *st, const struct icmp6_info *ic, const struct ip6_info *inner,
                                bool *is_tcp)
{
    size_t off = 0;
    uint8_t upper = 0;

    *is_tcp = false;
    if (ic->type < ICMP6_DST_UNREACH || ic->type > ICMP6_PARAM_PROB ||
        ip6_quoted_skip_ext(ic->body, ic->body_len, inner->nxt, ICMP6_QUOTE_MAX_EXT, &off, &upper) != WR_OK ||
        upper != IP6_NXT_TCP)
        return NULL;
    *is_tcp = true;
    return tcp_icmp_lookup(st, &inner->src, &inner->dst, ic->body + off, ic->body_len - off);
}

/* Tell TCP (RFC 5461): Packet Too Big lowers the MSS; Destination
 * Unreachable codes 1 (administratively prohibited), 4 (port), 5 (source
 * address failed policy) and 6 (reject route) are hard errors, the rest
 * soft, as in Linux's icmpv6_err_convert. May free tp. */
static void tcp_error6(struct tcpcb *tp, const struct icmp6_info *ic)
{
    if (ic->type == ICMP6_PACKET_TOO_BIG) {
        tcp_mtu_reduced(tp, ic->data32);
        return;
    }
    bool unreach = ic->type == ICMP6_DST_UNREACH;
    bool hard = unreach && (ic->code == ICMP6_DST_UNREACH_ADMIN || ic->code == ICMP6_DST_UNREACH_NOPORT ||
                            ic->code == ICMP6_DST_UNREACH_POLICY || ic->code == ICMP6_DST_UNREACH_REJECT);
    int err = unreach && ic->code == ICMP6_DST_UNREACH_NOPORT ? ECONNREFUSED
            : unreach && ic->code == ICMP6_DST_UNREACH_NOROUTE ? ENETUNREACH : EHOSTUNREACH;
    tcp_icmp_error(tp, hard, err);
}

/* An error quotes the packet that caused it: tell ping, UDP sockets, TCP,
 * and the path MTU cache. Only errors about packets from our own addresses count. */
static void error_input(struct ifnet *ifp, const struct ip6_info *ip, const struct icmp6_info *ic)
{
    struct six_stack *st = ifp->st;
    struct ip6_info inner;
    bool is_tcp;
    (void)ip;

    CTR_INC(st, icmp6, in_errors);
    if (ip6_parse_quoted(ic->body, ic->body_len, &inner) != WR_OK || !in6_ifaddr_lookup(st, &inner.src))
        return;
    struct tcpcb *tp = quoted_tcp(st, ic, &inner, &is_tcp);
    switch (ic->type) {
    case ICMP6_PACKET_TOO_BIG:
        CTR_INC(st, icmp6, in_ptb);
        if (ic->data32 >= ip6_if_mtu(ifp) && ic->data32 >= IP6_MIN_MTU) {
            CTR_INC(st, icmp6, drop_ptb_invalid);
            return;
        }
        if (is_tcp && !tp)
            return;   /* about no TCP segment in flight: forged or stale (RFC 5927 §4.1), the cache stays */
        pmtu6_update(st, &inner.dst, ic->data32);
        break;
    case ICMP6_DST_UNREACH: CTR_INC(st, icmp6, in_dst_unreach); break;
    case ICMP6_TIME_EXCEEDED: CTR_INC(st, icmp6, in_time_exceeded); break;
    case ICMP6_PARAM_PROB: CTR_INC(st, icmp6, in_param_prob); break;
    }
    gif_icmp6_input(st, ic);   /* about a tunnel's outer packet? (after the PMTU cache update) */
    /* the quoted upper-layer header right after the fixed one (no extension headers in what we send) */
    const uint8_t *q = ic->body + IP6_HLEN;
    size_t qlen = ic->body_len - IP6_HLEN;
    uint16_t sport, dport;
    struct icmp6_info qe;
    if (ic->type == ICMP6_DST_UNREACH && inner.nxt == IP6_NXT_UDP && udp_ports(q, qlen, &sport, &dport) == WR_OK)
        udp_error_input(st, &inner.src, sport, &inner.dst, dport,
                        ic->code == ICMP6_DST_UNREACH_NOPORT ? ECONNREFUSED : EHOSTUNREACH);
    if (inner.nxt == IP6_NXT_ICMPV6 && icmp6_parse_quoted(q, qlen, &qe) == WR_OK && qe.type == ICMP6_ECHO_REQUEST) {
        static const char *what[] = { "?", "destination unreachable", "packet too big", "time exceeded",
                                      "parameter problem" };
        ping_error_input(st, AF_INET6, (uint16_t)(qe.data32 >> 16), (uint16_t)qe.data32,
                         what[ic->type <= 4 ? ic->type : 0]);
    }
    if (tp)
        tcp_error6(tp, ic);   /* last: it may free tp, and resends after the cache update */
}

void icmp6_input(struct ifnet *ifp, struct pkt *p, const struct ip6_info *ip, size_t off, bool router_alert)
{
    struct six_stack *st = ifp->st;
    const uint8_t *m = pkt_data(p) + off;
    size_t len = p->len - off;
    struct icmp6_info ic;
    enum wire_reason r = icmp6_parse(m, len, &ip->src, &ip->dst, &ic);

    CTR_INC(st, icmp6, in_msgs);
    if (r != WR_OK) {
        WIRE_DROP(st, icmp6, r);
        return;
    }
    raw6_deliver(ifp, p, ip, off, ic.type);
    switch (ic.type) {
    case ICMP6_ECHO_REQUEST:
        CTR_INC(st, icmp6, in_echo);
        echo_reply(ifp, ip, &ic);
        break;
    case ICMP6_ECHO_REPLY:
        CTR_INC(st, icmp6, in_echo_reply);
        ping_reply_input(st, AF_INET6, (uint16_t)(ic.data32 >> 16), (uint16_t)ic.data32, ip->hlim, len);
        break;
    case ND_NEIGHBOR_SOLICIT: nd6_ns_input(ifp, p, ip, m, len); break;
    case ND_NEIGHBOR_ADVERT: nd6_na_input(ifp, p, ip, m, len); break;
    case ND_ROUTER_SOLICIT: nd6_rs_input(ifp, p, ip, m, len); break;
    case ND_ROUTER_ADVERT: nd6_ra_input(ifp, p, ip, m, len); break;
    case ND_REDIRECT: nd6_redirect_input(ifp, p, ip, m, len); break;
    case MLD_LISTENER_QUERY:
        mld6_input(ifp, p, ip, m, len, router_alert);
        break;
    case MLD_LISTENER_REPORT:
    case MLD_LISTENER_DONE:
    case MLDV2_LISTENER_REPORT:
        CTR_INC(st, mld6, in_report);   /* other listeners: nothing to do for a v2 host */
        break;
    default:
        if (icmp6_is_error(ic.type))
            error_input(ifp, ip, &ic);
        else
            CTR_INC(st, icmp6, in_unknown_type);
    }
}
