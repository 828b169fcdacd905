/* IPv4 input (RFC 791, RFC 1122 §3.2.1) and forwarding (RFC 1812 §5).
 *
 *   ip4_input ── ip4_parse (wire/) ── trim ── martian sources
 *     ├─ for us (our address, broadcast, 224.0.0.1) ── reassembly ── ICMP / UDP / TCP / other
 *     └─ not for us ── router: ip4_forward ── TTL, route, DF/MTU ── ip4_fragment / link
 *                      host: dropped
 */
#include <errno.h>
#include <string.h>
#include "net/ip4_priv.h"
#include "ipsec/ipsec.h"
#include "net/gif.h"
#include "transport/tcp.h"
#include "transport/sock.h"
#include "wire/bytes.h"
#include "wire/cksum.h"
#include "wire/icmp4.h"
#include "wire/udp.h"

#define INADDR_ALLHOSTS 0xe0000001u   /* 224.0.0.1 */

static void ip4_drop(struct pkt *p)
{
    pkt_free(p);
}

/* Sources no honest packet carries (RFC 1122 §3.2.1.3, RFC 1812 §5.3.7).
 * 0.0.0.0 is legal only for a host learning its address (BOOTP/DHCP),
 * which this stack does not do over IPv4. */
static bool ip4_src_ok(struct ifnet *ifp, const struct ip4_info *ih)
{
    struct in_addr s = ih->src;

    if (in4_is_any(s) || in4_is_multicast(s) || in4_is_broadcast(s) || in4_is_bcast_on(ifp, s))
        return false;
    if (ifp->type != IFT_LOOP && in4_is_loopback(s))
        return false;
    /* Our own address from the wire: a spoof, or our packet reflected. */
    if (ifp->type != IFT_LOOP && in4_is_local(ifp->st, s))
        return false;
    return true;
}

static bool ip4_for_us(struct ifnet *ifp, struct in_addr d)
{
    /* All of 127/8 is ours on the loopback interface (RFC 1122 §3.2.1.3(g)). */
    if (ifp->type == IFT_LOOP && in4_is_loopback(d))
        return true;
    return in4_is_local(ifp->st, d) || in4_is_bcast_any(ifp->st, d) || d.s_addr == htonl(INADDR_ALLHOSTS);
}

/* UDP without sockets yet: verify (a corrupt datagram gets no port
 * unreachable), then say nobody listens. */
static void udp4_input(struct ifnet *ifp, struct pkt *p, const struct ip4_info *ih)
{
    struct six_stack *st = ifp->st;
    size_t len = p->len - ih->hl;
    uint32_t pseudo = cksum_pseudo4(ih->src, ih->dst, (uint16_t)len, IP4_PROTO_UDP);
    struct udp_info u;
    enum wire_reason r = udp_parse(pkt_data(p) + ih->hl, len, pseudo, true, &u);

    if (r != WR_OK) {
        WIRE_DROP(st, udp, r);
        ip4_drop(p);
        return;
    }
    CTR_INC(st, udp, in_datagrams);
    if (udp4_deliver(ifp, p, ih, &u))
        return;
    CTR_INC(st, udp, drop_no_port);
    icmp4_error(st, p, ICMP4_UNREACH, ICMP4_UNREACH_PORT, 0);
}

/* TCP sees IPv4 peers as IPv4-mapped addresses: one implementation for both families. */
static void tcp4_input(struct ifnet *ifp, struct pkt *p, const struct ip4_info *ih)
{
    struct in6_addr src = { .s6_addr = { [10] = 0xff, [11] = 0xff } }, dst = src;

    memcpy(&src.s6_addr[12], &ih->src, 4);
    memcpy(&dst.s6_addr[12], &ih->dst, 4);
    tcp_input(ifp, p, &src, &dst, true, ih->hl, (size_t)ih->tot_len - ih->hl);
}

static bool ipsec_deliver_ok(struct six_stack *st, const struct pkt *p, const struct ip4_info *ih)
{
    struct ipsec_sel k;
    if (!st->ipsec || ih->proto == IPSEC_PROTO_ESP || ih->proto == IPSEC_PROTO_AH)
        return true;
    ipsec_sel_of_packet(p, true, ih->hl, ih->proto, &k);
    return ipsec_in_check(st, p, &k, false);
}

/* gif speaks IPv4-mapped outer addresses. */
static bool gif_input4(struct ifnet *ifp, struct pkt *p, const struct ip4_info *ih)
{
    struct in6_addr src = { .s6_addr = { [10] = 0xff, [11] = 0xff } }, dst = src;

    memcpy(&src.s6_addr[12], &ih->src, 4);
    memcpy(&dst.s6_addr[12], &ih->dst, 4);
    return gif_input(ifp, p, ih->hl, ih->proto, &src, &dst);
}

static void ip4_deliver(struct ifnet *ifp, struct pkt *p, const struct ip4_info *ih)
{
    struct six_stack *st = ifp->st;

    if (st->ipsec && ih->proto == IP4_PROTO_UDP) {   /* ESP in UDP (RFC 3948) before the UDP sockets */
        struct ip4_info inner;
        int nh = ipsec_natt_input(ifp, p, true, ih->hl, 9);
        if (nh == -1)
            return;
        if (nh >= 0) {
            if (ip4_parse(pkt_data(p), p->len, &inner) != WR_OK) {
                ip4_drop(p);
                return;
            }
            ip4_deliver(ifp, p, &inner);
            return;
        }
    }
    if (!ipsec_deliver_ok(st, p, ih)) {
        ip4_drop(p);
        return;
    }
    switch (ih->proto) {
    case IPSEC_PROTO_ESP:
    case IPSEC_PROTO_AH: {
        struct ip4_info inner;
        int nh = ih->proto == IPSEC_PROTO_AH ? ah_input(ifp, p, true, ih->hl, 9)
                                             : esp_input(ifp, p, true, ih->hl, 9);
        if (nh < 0)
            return;   /* consumed: tunnel mode re-entered input, or dropped */
        if (ip4_parse(pkt_data(p), p->len, &inner) != WR_OK) {
            ip4_drop(p);
            return;
        }
        ip4_deliver(ifp, p, &inner);   /* transport mode: what ESP carried (ESP in ESP is bounded by esp_input) */
        return;
    }
    case IP4_PROTO_ICMP:
        CTR_INC(st, ip4, in_delivers);
        icmp4_input(ifp, p, ih);
        break;
    case IP4_PROTO_UDP:
        CTR_INC(st, ip4, in_delivers);
        udp4_input(ifp, p, ih);
        break;
    case IP4_PROTO_TCP:
        CTR_INC(st, ip4, in_delivers);
        tcp4_input(ifp, p, ih);
        ip4_drop(p);
        break;
    case IPPROTO_IPV6:
    case IPPROTO_IPIP:   /* a configured tunnel (RFC 4213, RFC 2003) ends here? */
        if (gif_input4(ifp, p, ih))
            break;
        __attribute__((fallthrough));
    default:
        CTR_INC(st, ip4, drop_unknown_proto);
        icmp4_error(st, p, ICMP4_UNREACH, ICMP4_UNREACH_PROTO, 0);
    }
}

static void ip4_local(struct ifnet *ifp, struct pkt *p, const struct ip4_info *ih0)
{
    struct ip4_info ih = *ih0;

    if (ih.mf || ih.frag_off) {
        if (!(p = frag4_input(ifp, p, &ih)))
            return;
        /* The rebuilt datagram carries a fresh header: parse it like any other. */
        enum wire_reason r = ip4_parse(pkt_data(p), p->len, &ih);
        if (r != WR_OK) {
            WIRE_DROP(ifp->st, frag4, r);
            ip4_drop(p);
            return;
        }
    }
    ip4_deliver(ifp, p, &ih);
}

static void ip4_input_common(struct ifnet *ifp, struct pkt *p, bool looped)
{
    struct six_stack *st = ifp ? ifp->st : NULL;
    struct ip4_info ih;
    enum wire_reason r;

    if (!st || !st->net4 || !ifp->in4) {
        if (st)
            CTR_INC(st, ip4, drop_not_for_us);
        ip4_drop(p);
        return;
    }
    CTR_INC(st, ip4, in_receives);
    if ((r = ip4_parse(pkt_data(p), p->len, &ih)) != WR_OK) {
        WIRE_DROP(st, ip4, r);
        ip4_drop(p);
        return;
    }
    pkt_trim(p, ih.tot_len);   /* Ethernet padding */
    p->rcvif = ifp;
    if (!looped && !ip4_src_ok(ifp, &ih)) {
        CTR_INC(st, ip4, drop_src_invalid);
        ip4_drop(p);
        return;
    }
    /* 127/8 never arrives from a wire, nor is it forwarded (RFC 1122 §3.2.1.3(g)). */
    if (ifp->type != IFT_LOOP && !looped && in4_is_loopback(ih.dst)) {
        CTR_INC(st, ip4, drop_martian_dst);
        ip4_drop(p);
        return;
    }
    if (ip4_for_us(ifp, ih.dst)) {
        ip4_local(ifp, p, &ih);
        return;
    }
    /* Link-layer or IP broadcast/multicast for someone else is never forwarded
     * (RFC 1812 §5.3.4); no multicast routing here. */
    if (looped || in4_is_multicast(ih.dst) || in4_is_any(ih.dst) ||
        (ntohl(ih.dst.s_addr) >> 28) == 0xf || (p->flags & (PKT_F_BCAST | PKT_F_MCAST))) {
        CTR_INC(st, ip4, drop_not_for_us);
        ip4_drop(p);
        return;
    }
    if (!st->fwd4) {
        CTR_INC(st, ip4, drop_fwd_disabled);
        ip4_drop(p);
        return;
    }
    ip4_forward(ifp, p, &ih);
}

void ip4_input(struct ifnet *ifp, struct pkt *p)
{
    ip4_input_common(ifp, p, false);
}

void ip4_input_local(struct ifnet *ifp, struct pkt *p)
{
    ip4_input_common(ifp, p, true);
}

/* TTL - 1 with the checksum updated incrementally (RFC 1624 eqn. 3):
 * HC' = ~(~HC + ~m + m'), m the 16-bit word holding TTL and protocol.
 * The header was validated by ip4_parse; this edits two known fields. */
static void ip4_dec_ttl(uint8_t *h)
{
    uint16_t m = rd16(h + 8);
    uint16_t m2 = (uint16_t)(m - 0x100);
    uint32_t sum = (uint32_t)(uint16_t)~rd16(h + 10) + (uint16_t)~m + m2;

    sum = (sum & 0xffff) + (sum >> 16);
    sum = (sum & 0xffff) + (sum >> 16);
    wr16(h + 8, m2);
    wr16(h + 10, (uint16_t)~sum);
}

/* RFC 1812 §5.2: the checks come in the order a router is expected to
 * report them: TTL, route, size. ICMP errors quote the datagram as it
 * arrived (TTL not yet decremented). */
void ip4_forward(struct ifnet *ifp, struct pkt *p, const struct ip4_info *ih)
{
    struct six_stack *st = ifp->st;
    const struct rt4_entry *rt;
    struct ifnet *oifp;
    struct in_addr nh;
    struct ip4_info fh;

    if (ih->ttl <= 1) {
        CTR_INC(st, ip4, drop_ttl_exceeded);
        icmp4_error(st, p, ICMP4_TIME_EXCEEDED, 0, 0);
        return;
    }
    bool ttl_done = false;
    if (st->ipsec) {
        int rc;
        if (!ipsec_fwd_check(st, p, true)) {
            ip4_drop(p);
            return;
        }
        /* a tunnel-mode policy takes the packet before any route lookup (KAME);
         * errors sent after this point quote the TTL already decremented */
        ip4_dec_ttl(pkt_data(p));
        ttl_done = true;
        if (ipsec_output(st, p, true, true, &rc) == IPSEC_OUT_DONE) {
            CTR_INC(st, ip4, forwarded);
            return;
        }
    }
    rt = route4_lookup(st, ih->dst);
    if (!rt || !(rt->ifp->flags & IFF6_UP)) {
        CTR_INC(st, ip4, drop_no_route);
        icmp4_error(st, p, ICMP4_UNREACH, rt ? ICMP4_UNREACH_HOST : ICMP4_UNREACH_NET, 0);
        return;
    }
    oifp = rt->ifp;
    nh = rt->has_gw ? rt->gw : ih->dst;
    /* Directed broadcasts are not forwarded by default (RFC 2644). */
    if (!rt->has_gw && in4_is_bcast_on(oifp, ih->dst)) {
        CTR_INC(st, ip4, drop_directed_bcast);
        ip4_drop(p);
        return;
    }
    if (ih->tot_len > ip4_if_mtu(oifp) && ih->df) {
        /* RFC 1191 §4: next-hop MTU in the low 16 bits of the second word. */
        CTR_INC(st, ip4, drop_df_too_big);
        icmp4_error(st, p, ICMP4_UNREACH, ICMP4_UNREACH_NEEDFRAG, ip4_if_mtu(oifp) & 0xffff);
        return;
    }
    if (!ttl_done)
        ip4_dec_ttl(pkt_data(p));
    p->flags = PKT_F_FWD;
    CTR_INC(st, ip4, forwarded);
    if (ih->tot_len > ip4_if_mtu(oifp)) {
        fh = *ih;
        fh.ttl = (uint8_t)(ih->ttl - 1);
        ip4_fragment(st, oifp, p, &fh, ip4_if_mtu(oifp), nh);
        return;
    }
    ip4_if_output(oifp, p, nh);
}
