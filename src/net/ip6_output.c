/* IPv6 output (RFC 8200): source selection, route, header, fragmentation to
 * the path MTU, neighbor resolution; forwarding with hop-limit decrement and
 * the ICMPv6 errors a router owes (RFC 4443 §3). */
#include <errno.h>
#include <string.h>
#include "net/ip6_var.h"
#include "ipsec/ipsec.h"
#include "wire/ip6ext.h"
#include "wire/icmp6.h"
#include "wire/ip6edit.h"

static void loop_timer_fn(struct timer *t, void *arg);

uint32_t ip6_if_mtu(struct ifnet *ifp)
{
    uint32_t mtu = ifp->mtu;

    if (ifp->in6 && ifp->in6->linkmtu && ifp->in6->linkmtu < mtu)
        mtu = ifp->in6->linkmtu;
    return mtu < IP6_MIN_MTU ? IP6_MIN_MTU : mtu;
}

int ip6_prepare_src(struct six_stack *st, struct ip6_out *o)
{
    struct ifnet *ifp = o->ifp;
    struct in6_addr nh;
    int rc;

    if (!in6_is_unspecified(&o->src) || (o->flags & IP6_OUT_SRC_UNSPEC))
        return 0;
    if (in6_ifaddr_lookup(st, &o->dst) && !in6_is_multicast(&o->dst)) {
        o->src = o->dst;   /* to ourselves */
        return 0;
    }
    if ((rc = route6_resolve(st, &o->dst, o->ifp, &ifp, &nh))) {
        CTR_INC(st, ip6, out_no_route);
        return rc;
    }
    if (in6_selectsrc(st, &o->dst, ifp, &o->src)) {
        CTR_INC(st, ip6, out_no_src);
        return -EADDRNOTAVAIL;
    }
    return 0;
}

/* Packets to one of our own addresses go through a queue drained by a
 * zero-delay timer, so that output never recurses into input. */
static void loop_enqueue(struct six_stack *st, struct pkt *p)
{
    struct net6 *n = st->net6;

    if (n->loopq.n >= ND_QUEUE_TOTAL) {
        CTR_INC(st, ip6, drop_no_buffer);
        pkt_free(p);
        return;
    }
    if (!n->loopq.n) {
        timer_init(&n->loop_timer, loop_timer_fn, st);
        timer_arm(st->tw, &n->loop_timer, 0);
    }
    pktq_push(&n->loopq, p);
}

static void loop_timer_fn(struct timer *t, void *arg)
{
    struct six_stack *st = arg;
    struct pkt_queue q = st->net6->loopq;
    struct pkt *p;
    (void)t;

    pktq_init(&st->net6->loopq);
    while ((p = pktq_pop(&q))) {
        ip6_input(p->rcvif, p);   /* interfaces that went away took their packets with them */
    }
}

void ip6_loop_purge_if(struct ifnet *ifp)
{
    struct net6 *n = ifp->st->net6;
    struct pkt_queue keep;
    struct pkt *p;

    pktq_init(&keep);
    while ((p = pktq_pop(&n->loopq))) {
        if (p->rcvif == ifp)
            pkt_free(p);
        else
            pktq_push(&keep, p);
    }
    n->loopq = keep;
}

static int push_headers(struct pkt *p, const struct ip6_out *o, uint8_t hlim)
{
    uint8_t nxt = o->nxt;

    if (o->hbh_len) {
        uint8_t *h = pkt_push(p, o->hbh_len);
        if (!h)
            return -ENOBUFS;
        memcpy(h, o->hbh, o->hbh_len);
        h[0] = nxt;
        nxt = IP6_NXT_HOPOPTS;
    }
    uint8_t *h = pkt_push(p, IP6_HLEN);
    if (!h || p->len - IP6_HLEN > 0xffff)
        return h ? -EMSGSIZE : -ENOBUFS;
    struct ip6_info ip = { .tclass = o->tclass, .flow = o->flow, .plen = (uint16_t)(p->len - IP6_HLEN),
                           .nxt = nxt, .hlim = hlim, .src = o->src, .dst = o->dst };
    ip6_emit(h, IP6_HLEN, &ip);
    return 0;
}

int ip6_send_on_link(struct ifnet *ifp, const struct in6_addr *nh, struct pkt *p)
{
    uint32_t mtu = ip6_if_mtu(ifp);

    if (p->len <= mtu) {
        nd6_output(ifp, nh, p);
        return 0;
    }
    return ip6_fragment_and_send(ifp, nh, p, mtu);
}

int ip6_output(struct six_stack *st, struct pkt *p, const struct ip6_out *o)
{
    struct ifnet *ifp = NULL;
    struct in6_addr nh;
    struct in6_ifaddr *local = in6_is_multicast(&o->dst) ? NULL : in6_ifaddr_lookup(st, &o->dst);
    int rc;

    CTR_INC(st, ip6, out_requests);
    int route_rc = 0;
    if (local)
        ifp = local->ifp;
    else
        route_rc = route6_resolve(st, &o->dst, o->ifp, &ifp, &nh);
    /* IPsec (RFC 4301 §5.1) before routing, as KAME does: a tunnel-mode
     * policy needs no route to the inner destination.  Traffic to this
     * host's own addresses never leaves it and is not protected. */
    bool ipsec = !local && (st->ipsec || o->ipsec) && !(o->flags & IP6_OUT_IPSEC_DONE);
    if (route_rc && !ipsec) {
        CTR_INC(st, ip6, out_no_route);
        pkt_free(p);
        return route_rc;
    }
    uint8_t hlim = o->hlim >= 0 ? (uint8_t)o->hlim
                 : in6_is_multicast(&o->dst) ? 1 : !route_rc ? ifp->in6->cur_hlim : IP6_DEFAULT_HLIM;
    if ((rc = push_headers(p, o, hlim))) {
        CTR_INC(st, ip6, drop_no_buffer);
        pkt_free(p);
        return rc;
    }
    if ((o->flags & IP6_OUT_IPSEC_AH) && (rc = ipsec_ah_finish(st, p, false)))
        return rc;
    if (ipsec && ipsec_output_sp(st, p, false, false, o->ipsec, &rc) == IPSEC_OUT_DONE)
        return rc;
    if (route_rc) {
        CTR_INC(st, ip6, out_no_route);
        pkt_free(p);
        return route_rc;
    }
    if (local) {
        p->rcvif = ifp;
        loop_enqueue(st, p);
        return 0;
    }
    uint32_t mtu = (o->flags & IP6_OUT_MINMTU) ? IP6_MIN_MTU : pmtu6_get(st, &o->dst, ip6_if_mtu(ifp));
    if (p->len <= mtu) {
        nd6_output(ifp, &nh, p);
        return 0;
    }
    if (o->flags & IP6_OUT_DONTFRAG) {
        CTR_INC(st, ip6, drop_df_too_big);
        pkt_free(p);
        return -EMSGSIZE;
    }
    return ip6_fragment_and_send(ifp, &nh, p, mtu);
}

/* Length of the unfragmentable part: the IPv6 header and any Hop-by-Hop
 * header (we never originate Routing headers). Returns the offset of the
 * next-header byte to patch in *nxt_field. */
static size_t unfrag_len(const uint8_t *d, size_t len, size_t *nxt_field)
{
    *nxt_field = 6;
    if (ip6_hdr_nxt_at(d, 6) == IP6_NXT_HOPOPTS && len > IP6_HLEN + 2) {
        struct ip6_opthdr_info h;
        if (ip6_opthdr_parse(d + IP6_HLEN, len - IP6_HLEN, &h) == WR_OK) {
            *nxt_field = IP6_HLEN;
            return IP6_HLEN + h.len;
        }
    }
    return IP6_HLEN;
}

/* RFC 8200 §4.5: split p into fragments that fit mtu. Consumes p. */
int ip6_fragment_and_send(struct ifnet *ifp, const struct in6_addr *nh, struct pkt *p, uint32_t mtu)
{
    struct six_stack *st = ifp->st;
    const uint8_t *d = pkt_data(p);
    size_t nxt_field, ulen = unfrag_len(d, p->len, &nxt_field);
    size_t chunk = ((mtu - ulen - IP6_FRAG_HLEN) / 8) * 8;
    size_t payload = p->len - ulen;
    uint32_t id = six_random_secure(st);   /* unpredictable IDs, RFC 7739 */
    uint8_t orig_nxt = ip6_hdr_nxt_at(d, nxt_field);

    if (mtu < ulen + IP6_FRAG_HLEN + 8) {
        pkt_free(p);
        return -EMSGSIZE;
    }
    CTR_INC(st, ip6, out_fragmented);
    for (size_t off = 0; off < payload; off += chunk) {
        size_t n = payload - off < chunk ? payload - off : chunk;
        struct pkt *f = pkt_alloc(st->pool, ulen + IP6_FRAG_HLEN + n);
        if (!f) {
            CTR_INC(st, ip6, drop_no_buffer);
            pkt_free(p);
            return -ENOBUFS;
        }
        uint8_t *fd = pkt_put(f, ulen + IP6_FRAG_HLEN + n);
        memcpy(fd, d, ulen);
        ip6_hdr_set_nxt_at(fd, nxt_field, IP6_NXT_FRAGMENT);
        ip6_hdr_set_plen(fd, (uint16_t)(ulen - IP6_HLEN + IP6_FRAG_HLEN + n));
        struct ip6_frag_info fi = { .nxt = orig_nxt, .off = (uint16_t)off, .more = off + n < payload, .id = id };
        ip6_frag_emit(fd + ulen, IP6_FRAG_HLEN, &fi);
        memcpy(fd + ulen + IP6_FRAG_HLEN, d + ulen + off, n);
        f->encap = p->encap;   /* a gif routed into itself stays bounded */
        CTR_INC(st, ip6, out_frag_created);
        nd6_output(ifp, nh, f);
    }
    pkt_free(p);
    return 0;
}

/* RFC 8200 / RFC 4443: forward a packet that is not for us. */
void ip6_forward(struct ifnet *ifp, struct pkt *p, const struct ip6_info *ip)
{
    struct six_stack *st = ifp->st;
    struct ifnet *oifp;
    struct in6_addr nh;

    if (in6_is_linklocal(&ip->src) || in6_is_linklocal(&ip->dst) || in6_is_unspecified(&ip->src)) {
        CTR_INC(st, ip6, drop_scope);
        if (in6_is_linklocal(&ip->src) && !in6_is_linklocal(&ip->dst))
            icmp6_error(st, p, ifp, ICMP6_DST_UNREACH, ICMP6_DST_UNREACH_BEYONDSCOPE, 0);
        goto drop;
    }
    if (ip->hlim <= 1) {
        CTR_INC(st, ip6, drop_hlim_exceeded);
        icmp6_error(st, p, ifp, ICMP6_TIME_EXCEEDED, ICMP6_TIME_EXCEED_TRANSIT, 0);
        goto drop;
    }
    if (st->ipsec) {
        int rc;
        if (!ipsec_fwd_check(st, p, false))
            goto drop;
        /* a tunnel-mode policy takes the packet before any route lookup (KAME) */
        ip6_hdr_set_hlim(pkt_data(p), (uint8_t)(ip->hlim - 1));
        if (ipsec_output(st, p, false, true, &rc) == IPSEC_OUT_DONE) {
            CTR_INC(st, ip6, forwarded);
            return;
        }
    }
    if (route6_resolve(st, &ip->dst, NULL, &oifp, &nh)) {
        CTR_INC(st, ip6, drop_no_route);
        icmp6_error(st, p, ifp, ICMP6_DST_UNREACH, ICMP6_DST_UNREACH_NOROUTE, 0);
        goto drop;
    }
    uint32_t mtu = ip6_if_mtu(oifp);
    if (p->len > mtu) {
        CTR_INC(st, ip6, drop_too_big);
        icmp6_error(st, p, ifp, ICMP6_PACKET_TOO_BIG, 0, mtu);
        goto drop;
    }
    if (oifp == ifp && !(p->flags & PKT_F_MCAST))
        nd6_redirect_output(ifp, p, ip, &nh);
    ip6_hdr_set_hlim(pkt_data(p), (uint8_t)(ip->hlim - 1));
    p->flags |= PKT_F_FWD;
    CTR_INC(st, ip6, forwarded);
    nd6_output(oifp, &nh, p);
    return;
drop:
    pkt_free(p);
}
