/* Segments that reach a port with no listener (RFC 9293 §3.10.7.1): a RST
 * answers anything but a RST, so that peers fail fast ("connection refused").
 * Every segment is validated first: bad checksums and options are counted
 * under tcp.drop.<reason>. */
#include <string.h>
#include "net/tcp_var.h"
#include "net/ip6_var.h"
#include "net/ip4_var.h"
#include "wire/tcp.h"
#include "wire/cksum.h"
#include "wire/ip6ext.h"

/* The RST for segment t: returns false when none is owed. */
static bool make_rst(const struct tcp_info *t, struct tcp_info *r)
{
    if (t->flags & TCP_RST)
        return false;
    memset(r, 0, sizeof *r);
    r->sport = t->dport;
    r->dport = t->sport;
    if (t->flags & TCP_ACK) {
        r->seq = t->ack;
        r->flags = TCP_RST;
    } else {
        r->ack = t->seq + (uint32_t)t->payload_len + !!(t->flags & TCP_SYN) + !!(t->flags & TCP_FIN);
        r->flags = TCP_RST | TCP_ACK;
    }
    return true;
}

static struct pkt *rst_pkt(struct six_stack *st, const struct tcp_info *r, uint32_t pseudo_base)
{
    size_t hl = tcp_hdr_len(&r->opts);
    struct pkt *p = pkt_alloc(st->pool, hl);

    if (!p) {
        CTR_INC(st, ip6, drop_no_buffer);
        return NULL;
    }
    tcp_emit(pkt_put(p, hl), hl, r, 0, pseudo_base);
    return p;
}

void tcp6_input_closed(struct ifnet *ifp, struct pkt *p, const struct ip6_info *ip, size_t off)
{
    struct six_stack *st = ifp->st;
    size_t len = p->len - off;
    struct tcp_info t, r;
    enum wire_reason wr = tcp_parse(pkt_data(p) + off, len, cksum_pseudo6(&ip->src, &ip->dst, (uint32_t)len, IP6_NXT_TCP), &t);

    if (wr != WR_OK) {
        WIRE_DROP(st, tcp, wr);
        return;
    }
    CTR_INC(st, tcp, drop_no_listener);
    if (in6_is_multicast(&ip->dst) || !make_rst(&t, &r))
        return;
    size_t hl = tcp_hdr_len(&r.opts);
    struct pkt *q = rst_pkt(st, &r, cksum_pseudo6(&ip->dst, &ip->src, (uint32_t)hl, IP6_NXT_TCP));
    struct ip6_out o = { .src = ip->dst, .dst = ip->src, .nxt = IP6_NXT_TCP, .hlim = -1, .ifp = ifp };
    if (q) {
        CTR_INC(st, tcp, out_rst);
        ip6_output(st, q, &o);
    }
}

void tcp4_input_closed(struct ifnet *ifp, struct pkt *p, const struct ip4_info *ih)
{
    struct six_stack *st = ifp->st;
    size_t len = ih->tot_len - ih->hl;
    struct tcp_info t, r;
    enum wire_reason wr = tcp_parse(pkt_data(p) + ih->hl, len, cksum_pseudo4(ih->src, ih->dst, (uint16_t)len, IP4_PROTO_TCP), &t);

    if (wr != WR_OK) {
        WIRE_DROP(st, tcp, wr);
        return;
    }
    CTR_INC(st, tcp, drop_no_listener);
    if ((p->flags & (PKT_F_MCAST | PKT_F_BCAST)) || !make_rst(&t, &r))
        return;
    size_t hl = tcp_hdr_len(&r.opts);
    struct pkt *q = rst_pkt(st, &r, cksum_pseudo4(ih->dst, ih->src, (uint16_t)hl, IP4_PROTO_TCP));
    struct ip4_out o = { .src = ih->dst, .dst = ih->src, .proto = IP4_PROTO_TCP, .ttl = -1, .ifp = ifp };
    if (q) {
        CTR_INC(st, tcp, out_rst);
        ip4_output(st, q, &o);
    }
}
