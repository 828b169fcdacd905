/* IPv6 input (RFC 8200 §4): validate the fixed header once, decide whether
 * the packet is ours, walk the extension headers in order (bounded), hand
 * the payload to its protocol or forward it. Every drop is counted; errors
 * carry the RFC's Parameter Problem code and pointer. */
#include <string.h>
#include "net/ip6_var.h"
#include "ipsec/ipsec.h"
#include "net/gif.h"
#include "wire/ip6ext.h"
#include "wire/icmp6.h"
#include "wire/udp.h"
#include "wire/cksum.h"
#include "transport/tcp.h"
#include "transport/sock.h"

static const struct in6_addr all_routers = { .s6_addr = { 0xff, 0x02, [15] = 2 } };

/* Where the packet is going, from this node's point of view. */
enum ip6_dest { DEST_US, DEST_FORWARD, DEST_DROP };

static enum ip6_dest classify(struct ifnet *ifp, const struct ip6_info *ip)
{
    struct six_stack *st = ifp->st;

    if (in6_is_multicast(&ip->dst)) {
        unsigned scope = in6_mc_scope(&ip->dst);
        if (scope == 0 || (scope == 1 && ifp->type != IFT_LOOP)) {
            CTR_INC(st, ip6, drop_dst_invalid);
            return DEST_DROP;
        }
        if (in6_is_our_mcast(ifp, &ip->dst) || (st->fwd6 && in6_eq(&ip->dst, &all_routers)))
            return DEST_US;
        CTR_INC(st, ip6, drop_mcast_not_joined);
        return DEST_DROP;
    }
    struct in6_ifaddr *ia = in6_ifaddr_lookup(st, &ip->dst);
    if (ia) {
        if (ia->flags & (IN6_IFF_TENTATIVE | IN6_IFF_DUPLICATED)) {
            CTR_INC(st, ip6, drop_not_for_us);   /* RFC 4862 §5.4: tentative addresses receive nothing */
            return DEST_DROP;
        }
        return DEST_US;
    }
    if (st->fwd6)
        return DEST_FORWARD;
    CTR_INC(st, ip6, drop_not_for_us);
    return DEST_DROP;
}

/* Addresses that must never arrive from a link (RFC 4291, RFC 6890). */
static bool addrs_sane(struct ifnet *ifp, const struct ip6_info *ip)
{
    struct six_stack *st = ifp->st;
    bool loop = ifp->type == IFT_LOOP;

    if (!loop && (in6_is_loopback(&ip->src) || in6_is_loopback(&ip->dst))) {
        CTR_INC(st, ip6, drop_loop_src);
        return false;
    }
    if (in6_is_v4mapped(&ip->src) || in6_is_v4mapped(&ip->dst) || in6_is_unspecified(&ip->dst)) {
        CTR_INC(st, ip6, drop_src_invalid);
        return false;
    }
    return true;
}

/* Hop-by-Hop / Destination options: the action bits of unknown options
 * (RFC 8200 §4.2). Returns false if the packet is to be dropped. */
static bool process_options(struct ifnet *ifp, struct pkt *p, const struct ip6_info *ip, size_t off,
                            size_t hlen, bool hbh, bool *router_alert)
{
    struct six_stack *st = ifp->st;
    struct ip6_opt_iter it;
    struct ip6_opt opt;
    bool done = false;

    ip6_opt_iter_init(&it, pkt_data(p) + off, hlen);
    for (;;) {
        enum wire_reason r = ip6_opt_next(&it, &opt, &done);
        if (r != WR_OK) {
            WIRE_DROP(st, ip6ext, r);
            return false;
        }
        if (done)
            return true;
        if (hbh && opt.type == IP6OPT_ROUTER_ALERT && opt.len == 2) {
            *router_alert = true;
            continue;
        }
        switch (ip6_opt_action(opt.type)) {
        case 0:
            continue;
        case 1:
            CTR_INC(st, ip6, drop_opt_discard);
            return false;
        case 3:
            if (in6_is_multicast(&ip->dst)) {
                CTR_INC(st, ip6, drop_opt_discard);
                return false;
            }
            __attribute__((fallthrough));
        default:
            CTR_INC(st, ip6, drop_opt_param_prob);
            icmp6_error(st, p, ifp, ICMP6_PARAM_PROB, ICMP6_PARAMPROB_OPTION, (uint32_t)(off + opt.off));
            return false;
        }
    }
}

/* UDP: verify, hand to a socket, or answer Port Unreachable. true = p consumed. */
static bool udp6_input(struct ifnet *ifp, struct pkt *p, const struct ip6_info *ip, size_t off)
{
    struct six_stack *st = ifp->st;
    struct udp_info u;
    size_t len = p->len - off;
    enum wire_reason r = udp_parse(pkt_data(p) + off, len,
                                   cksum_pseudo6(&ip->src, &ip->dst, (uint32_t)len, IP6_NXT_UDP), false, &u);
    if (r != WR_OK) {
        WIRE_DROP(st, udp, r);
        return false;
    }
    CTR_INC(st, udp, in_datagrams);
    if (udp6_deliver(ifp, p, ip, off, &u))
        return true;
    CTR_INC(st, udp, drop_no_port);
    if (!in6_is_multicast(&ip->dst))
        icmp6_error(st, p, ifp, ICMP6_DST_UNREACH, ICMP6_DST_UNREACH_NOPORT, 0);
    return false;
}

static void param_prob(struct ifnet *ifp, struct pkt *p, uint8_t code, size_t ptr)
{
    icmp6_error(ifp->st, p, ifp, ICMP6_PARAM_PROB, code, (uint32_t)ptr);
}

/* RFC 4301 §5.2: the inbound policy before an upper layer sees the packet. */
static bool ipsec_deliver_ok(struct six_stack *st, const struct pkt *p, size_t off, uint8_t nxt)
{
    struct ipsec_sel k;
    if (!st->ipsec)
        return true;
    ipsec_sel_of_packet(p, false, off, nxt, &k);
    return ipsec_in_check(st, p, &k, false);
}

/* Walk the header chain from the first header after the fixed one. Consumes p. */
static void ip6_demux(struct ifnet *ifp, struct pkt *p, struct ip6_info *ip, bool router_alert)
{
    struct six_stack *st = ifp->st;
    size_t off = IP6_HLEN, nxt_field = 6;
    uint8_t nxt = ip->nxt;
    unsigned seen = 0;

    for (unsigned count = 0;; count++) {
        const uint8_t *d = pkt_data(p);
        size_t left = p->len - off;
        if (count > IP6_MAX_EXT_HEADERS) {
            CTR_INC(st, ip6, drop_ext_chain_too_long);
            goto drop;
        }
        switch (nxt) {
        case IP6_NXT_HOPOPTS:
            if (off != IP6_HLEN) {   /* only right after the fixed header (§4.1) */
                CTR_INC(st, ip6, drop_hbh_not_first);
                param_prob(ifp, p, ICMP6_PARAMPROB_NEXTHEADER, nxt_field);
                goto drop;
            }
            /* already processed in ip6_input: just skip it */
            __attribute__((fallthrough));
        case IP6_NXT_DSTOPTS: {
            struct ip6_opthdr_info h;
            enum wire_reason r = ip6_opthdr_parse(d + off, left, &h);
            if (r != WR_OK) {
                WIRE_DROP(st, ip6ext, r);
                goto drop;
            }
            if (nxt == IP6_NXT_DSTOPTS && !process_options(ifp, p, ip, off, h.len, false, &router_alert))
                goto drop;
            nxt_field = off;
            off += h.len;
            nxt = h.nxt;
            break;
        }
        case IP6_NXT_ROUTING: {
            struct ip6_rthdr_info rh;
            enum wire_reason r = ip6_rthdr_parse(d + off, left, &rh);
            if (r != WR_OK) {
                WIRE_DROP(st, ip6ext, r);
                goto drop;
            }
            if (rh.segleft) {   /* RFC 5095: type 0 is refused like any type we do not know */
                if (rh.type == 0)
                    CTR_INC(st, ip6, drop_rthdr0);
                else
                    CTR_INC(st, ip6, drop_rthdr_unknown);
                param_prob(ifp, p, ICMP6_PARAMPROB_HEADER, off + 2);
                goto drop;
            }
            nxt_field = off;
            off += rh.len;
            nxt = rh.nxt;
            break;
        }
        case IP6_NXT_FRAGMENT: {
            struct ip6_frag_info f;
            enum wire_reason r = ip6_frag_parse(d + off, left, &f);
            if (r != WR_OK) {
                WIRE_DROP(st, ip6ext, r);
                goto drop;
            }
            if (seen & (1u << 0)) {   /* a second fragment header: nonsense */
                CTR_INC(st, frag6, drop_inconsistent);
                goto drop;
            }
            seen |= 1u << 0;
            p->flags |= PKT_F_FRAGMENT;
            if (f.off == 0 && !f.more) {   /* atomic fragment, RFC 6946: no reassembly */
                CTR_INC(st, frag6, atomic);
                nxt_field = off;
                off += IP6_FRAG_HLEN;
                nxt = f.nxt;
                break;
            }
            p = frag6_input(st, p, off, nxt_field, &nxt, &off);
            if (!p)
                return;
            if (ip6_parse(pkt_data(p), p->len, ip) != WR_OK)
                goto drop;
            break;   /* the reassembled payload starts at off */
        }
        case IPSEC_PROTO_ESP:
        case IPSEC_PROTO_AH: {
            int nh = nxt == IPSEC_PROTO_AH ? ah_input(ifp, p, false, off, nxt_field)
                                           : esp_input(ifp, p, false, off, nxt_field);
            if (nh < 0)
                return;   /* consumed: tunnel mode re-entered input, or dropped */
            nxt = (uint8_t)nh;
            if (ip6_parse(pkt_data(p), p->len, ip) != WR_OK)
                goto drop;
            break;        /* transport mode: the payload now starts at off */
        }
        case IP6_NXT_ICMPV6:
            if (!ipsec_deliver_ok(st, p, off, nxt))
                goto drop;
            icmp6_input(ifp, p, ip, off, router_alert);
            goto done;
        case IP6_NXT_UDP:
            if (st->ipsec) {   /* ESP in UDP (RFC 3948) before the UDP sockets see it */
                int nh = ipsec_natt_input(ifp, p, false, off, nxt_field);
                if (nh == -1)
                    return;
                if (nh >= 0) {
                    nxt = (uint8_t)nh;
                    if (ip6_parse(pkt_data(p), p->len, ip) != WR_OK)
                        goto drop;
                    break;
                }
            }
            if (!ipsec_deliver_ok(st, p, off, nxt))
                goto drop;
            if (udp6_input(ifp, p, ip, off)) {
                CTR_INC(st, ip6, in_delivers);
                return;
            }
            goto done;
        case IP6_NXT_TCP:
            if (!ipsec_deliver_ok(st, p, off, nxt))
                goto drop;
            tcp_input(ifp, p, &ip->src, &ip->dst, false, off, p->len - off);
            goto done;
        case IPPROTO_IPV6:
        case IPPROTO_IPIP:   /* a configured tunnel (RFC 2473) ends here, or it is an unknown header */
            if (!ipsec_deliver_ok(st, p, off, nxt))
                goto drop;
            if (gif_input(ifp, p, off, nxt, &ip->src, &ip->dst))
                return;
            if (six_tun_input(st, ifp, p, off, nxt, &ip->src, &ip->dst))
                return;
            CTR_INC(st, ip6, drop_unknown_nxt);
            param_prob(ifp, p, ICMP6_PARAMPROB_NEXTHEADER, nxt_field);
            goto drop;
        case IP6_NXT_NONE:
            CTR_INC(st, ip6, drop_nxt_none);
            goto done;
        default:
            CTR_INC(st, ip6, drop_unknown_nxt);
            param_prob(ifp, p, ICMP6_PARAMPROB_NEXTHEADER, nxt_field);
            goto drop;
        }
    }
done:
    CTR_INC(st, ip6, in_delivers);
drop:
    pkt_free(p);
}

void ip6_input(struct ifnet *ifp, struct pkt *p)
{
    struct six_stack *st = ifp->st;
    struct ip6_info ip;
    bool router_alert = false;
    enum wire_reason r = ip6_parse(pkt_data(p), p->len, &ip);

    CTR_INC(st, ip6, in_receives);
    if (r != WR_OK) {
        WIRE_DROP(st, ip6, r);
        goto drop;
    }
    pkt_trim(p, IP6_HLEN + ip.plen);
    p->rcvif = ifp;
    if (!addrs_sane(ifp, &ip))
        goto drop;
    enum ip6_dest dest = classify(ifp, &ip);
    if (dest == DEST_DROP)
        goto drop;
    /* Hop-by-Hop options are examined by every node on the path (§4.3). */
    if (ip.nxt == IP6_NXT_HOPOPTS) {
        struct ip6_opthdr_info h;
        if ((r = ip6_opthdr_parse(pkt_data(p) + IP6_HLEN, p->len - IP6_HLEN, &h)) != WR_OK) {
            WIRE_DROP(st, ip6ext, r);
            goto drop;
        }
        if (!process_options(ifp, p, &ip, IP6_HLEN, h.len, true, &router_alert))
            goto drop;
    }
    if (dest == DEST_FORWARD) {
        ip6_forward(ifp, p, &ip);
        return;
    }
    ip6_demux(ifp, p, &ip, router_alert);
    return;
drop:
    pkt_free(p);
}
