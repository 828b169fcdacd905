/* IPv4 output: route, source selection, header, fragmentation, link
 * framing (ARP / broadcast / multicast mapping), and the deferred loopback
 * for packets addressed to ourselves.
 *
 * Loopback is deferred (queue + 0-delay timer) rather than a call into
 * ip4_input: an echo to ourselves would otherwise recurse input → output →
 * input, and a caller holding state across ip4_output would see it change. */
#include <errno.h>
#include <string.h>
#include "net/ip4_priv.h"
#include "ipsec/ipsec.h"
#include "net/ether.h"
#include "wire/ether.h"

static uint32_t if_mtu4(const struct ifnet *ifp)
{
    return ifp->mtu >= IP4_MIN_MTU ? ifp->mtu : IP4_MAXPACKET;
}

/* 01:00:5e + the low 23 bits of the group (RFC 1112 §6.4). */
static void ether_map_ip4_mcast(struct in_addr a, struct eth_addr *out)
{
    uint32_t g = ntohl(a.s_addr);

    out->b[0] = 0x01;
    out->b[1] = 0x00;
    out->b[2] = 0x5e;
    out->b[3] = (uint8_t)((g >> 16) & 0x7f);
    out->b[4] = (uint8_t)(g >> 8);
    out->b[5] = (uint8_t)g;
}

/* Hand one whole IP packet to the link. nexthop is the destination itself
 * for on-link traffic, so broadcast/multicast show there. */
int ip4_if_output(struct ifnet *ifp, struct pkt *p, struct in_addr nexthop)
{
    struct eth_addr mac;

    if (ifp->type != IFT_ETHER) {
        if_output(ifp, p);
        return 0;
    }
    if (in4_is_bcast_on(ifp, nexthop))
        return ether_output(ifp, p, &ether_broadcast, ETHERTYPE_IP4) ? -ENOBUFS : 0;
    if (in4_is_multicast(nexthop)) {
        ether_map_ip4_mcast(nexthop, &mac);
        return ether_output(ifp, p, &mac, ETHERTYPE_IP4) ? -ENOBUFS : 0;
    }
    return arp_output(ifp, p, nexthop);
}

/* Split p (whole IP packet, header ih) into pieces of at most mtu bytes
 * (RFC 791 §3.2). Every piece gets a plain 20-byte header: options are
 * not copied (none that we emit or forward needs to be). Consumes p. */
int ip4_fragment(struct six_stack *st, struct ifnet *ifp, struct pkt *p, const struct ip4_info *ih,
                 uint32_t mtu, struct in_addr nexthop)
{
    uint32_t plen = p->len - ih->hl;
    uint32_t chunk = (mtu - IP4_HLEN) & ~7u;
    const uint8_t *payload = pkt_data(p) + ih->hl;
    int rc = 0;

    if (mtu < IP4_MIN_MTU || chunk == 0) {
        CTR_INC(st, ip4, drop_df_too_big);
        pkt_free(p);
        return -EMSGSIZE;
    }
    CTR_INC(st, ip4, out_fragmented);
    for (uint32_t off = 0; off < plen; off += chunk) {
        uint32_t len = plen - off < chunk ? plen - off : chunk;
        struct pkt *f = pkt_alloc(st->pool, IP4_HLEN + len);
        struct ip4_info fh = *ih;

        if (!f) {
            CTR_INC(st, ip4, drop_no_buffer);
            rc = -ENOBUFS;
            break;
        }
        fh.tot_len = (uint16_t)(IP4_HLEN + len);
        fh.frag_off = (uint16_t)(ih->frag_off + off);
        fh.mf = ih->mf || off + len < plen;
        fh.df = false;
        uint8_t *h = pkt_put(f, IP4_HLEN + len);
        ip4_emit(h, IP4_HLEN, &fh);
        memcpy(h + IP4_HLEN, payload + off, len);
        f->flags = p->flags & PKT_F_FWD;
        f->encap = p->encap;   /* a gif routed into itself stays bounded */
        CTR_INC(st, ip4, out_frag_created);
        ip4_if_output(ifp, f, nexthop);
    }
    pkt_free(p);
    return rc;
}

static void ip4_loop_run(struct timer *t, void *arg)
{
    struct net4 *n = arg;
    struct pkt_queue q = n->loq;
    struct pkt *p;

    (void)t;
    /* Take the batch: what its processing loops back waits for the next run. */
    pktq_init(&n->loq);
    while ((p = pktq_pop(&q)))
        ip4_input_local(p->rcvif, p);
}

void ip4_loop_enqueue(struct six_stack *st, struct ifnet *ifp, struct pkt *p)
{
    struct net4 *n = st->net4;

    if (n->loq.n >= LOOP4_QUEUE_MAX) {
        CTR_INC(st, ip4, drop_no_buffer);
        pkt_free(p);
        return;
    }
    p->rcvif = ifp;
    p->flags = 0;
    pktq_push(&n->loq, p);
    if (!timer_pending(&n->lo_timer)) {
        timer_init(&n->lo_timer, ip4_loop_run, n);
        timer_arm(st->tw, &n->lo_timer, 0);
    }
}

void ip4_loop_purge_if(struct six_stack *st, struct ifnet *ifp)
{
    struct net4 *n = st->net4;
    struct pkt_queue keep;
    struct pkt *p;

    pktq_init(&keep);
    while ((p = pktq_pop(&n->loq))) {
        if (p->rcvif == ifp) {
            CTR_INC(st, ip4, drop_no_route);
            pkt_free(p);
        } else {
            pktq_push(&keep, p);
        }
    }
    n->loq = keep;
}

/* Where a datagram goes: interface and next hop. */
static int ip4_route(struct six_stack *st, const struct ip4_out *o, struct ifnet **ifpp, struct in_addr *nh)
{
    const struct rt4_entry *rt = NULL;

    *nh = o->dst;
    if (o->ifp && (in4_is_broadcast(o->dst) || in4_is_multicast(o->dst))) {
        *ifpp = o->ifp;                  /* link scope: no route needed */
        return 0;
    }
    rt = route4_lookup(st, o->dst);
    if (o->ifp && (!rt || rt->ifp != o->ifp)) {
        *ifpp = o->ifp;                  /* forced interface, no route there: on-link */
        return 0;
    }
    if (!rt)
        return -ENETUNREACH;
    *ifpp = rt->ifp;
    if (rt->has_gw)
        *nh = rt->gw;
    return 0;
}

static uint8_t *ip4_push_hdr(struct six_stack *st, struct pkt *p, struct ip4_info *ih, const struct ip4_out *o,
                             struct in_addr src)
{
    uint8_t *h;

    memset(ih, 0, sizeof *ih);
    ih->hl = IP4_HLEN;
    ih->tos = o->tos;
    ih->tot_len = (uint16_t)(p->len + IP4_HLEN);
    ih->id = ip4_select_id(st, src, o->dst, o->proto);
    ih->df = o->df;
    ih->ttl = (uint8_t)(o->ttl < 0 ? IP4_DEFAULT_TTL : o->ttl > 255 ? 255 : o->ttl);
    ih->proto = o->proto;
    ih->src = src;
    ih->dst = o->dst;
    if (!(h = pkt_push(p, IP4_HLEN)))
        return NULL;
    ip4_emit(h, IP4_HLEN, ih);
    return h;
}

/* To one of our own addresses: no route, no link, deferred input. */
static int ip4_output_local(struct six_stack *st, struct pkt *p, const struct ip4_out *o, struct ifnet *lifp)
{
    struct ip4_info ih;
    struct in_addr src = in4_is_any(o->src) ? o->dst : o->src;

    if (!ip4_push_hdr(st, p, &ih, o, src)) {
        CTR_INC(st, ip4, drop_no_buffer);
        pkt_free(p);
        return -ENOBUFS;
    }
    int rc;
    if ((o->flags & IP4_OUT_IPSEC_AH) && (rc = ipsec_ah_finish(st, p, true)))
        return rc;
    ip4_loop_enqueue(st, lifp, p);
    return 0;
}

static int ip4_out_drop(struct pkt *p, int rc)
{
    pkt_free(p);
    return rc;
}

int ip4_output(struct six_stack *st, struct pkt *p, const struct ip4_out *o)
{
    struct ifnet *ifp = NULL, *lifp = NULL;
    struct in_addr nh, src = o->src;
    struct ip4_info ih;
    int rc;

    CTR_INC(st, ip4, out_requests);
    if (p->len + IP4_HLEN > IP4_MAXPACKET)
        return ip4_out_drop(p, -EMSGSIZE);
    if (in4_ifa_find(st, o->dst, &lifp))
        return ip4_output_local(st, p, o, lifp);
    /* 127/8 leaves through the loopback interface only (RFC 1122 §3.2.1.3(g)). */
    if (in4_is_any(o->dst) || (rc = ip4_route(st, o, &ifp, &nh)) ||
        (in4_is_loopback(o->dst) && ifp->type != IFT_LOOP)) {
        CTR_INC(st, ip4, out_no_route);
        return ip4_out_drop(p, -ENETUNREACH);
    }
    if (!(ifp->flags & IFF6_UP)) {
        CTR_INC(st, ip4, out_no_route);
        return ip4_out_drop(p, -ENETDOWN);
    }
    if (in4_is_any(src) && in4_selectsrc(st, o->dst, ifp, &src)) {
        CTR_INC(st, ip4, out_no_src);
        return ip4_out_drop(p, -EADDRNOTAVAIL);
    }
    if (!ip4_push_hdr(st, p, &ih, o, src)) {
        CTR_INC(st, ip4, drop_no_buffer);
        return ip4_out_drop(p, -ENOBUFS);
    }
    if ((o->flags & IP4_OUT_IPSEC_AH) && (rc = ipsec_ah_finish(st, p, true)))
        return rc;
    if ((st->ipsec || o->ipsec) && !(o->flags & IP4_OUT_IPSEC_DONE)) {
        if (ipsec_output_sp(st, p, true, false, o->ipsec, &rc) == IPSEC_OUT_DONE)
            return rc;
        ip4_parse(pkt_data(p), p->len, &ih);   /* transport mode changed length and protocol */
    }
    if (ih.tot_len > if_mtu4(ifp)) {
        if (o->df) {
            CTR_INC(st, ip4, drop_df_too_big);
            return ip4_out_drop(p, -EMSGSIZE);
        }
        return ip4_fragment(st, ifp, p, &ih, if_mtu4(ifp), nh);
    }
    return ip4_if_output(ifp, p, nh);
}

/* Interface MTU as IPv4 sees it (0 or absurd: no limit below 64 KiB). */
uint32_t ip4_if_mtu(const struct ifnet *ifp)
{
    return if_mtu4(ifp);
}
