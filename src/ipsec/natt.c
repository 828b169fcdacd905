/* NAT traversal (RFC 3948): ESP in UDP, NAT keepalives, and SAs that
 * follow their peer to a new outer address/port when an authenticated
 * packet comes from there (what a NAT rebinding or a roaming home gateway
 * looks like from the other end) -- but only a packet newer than every one
 * before it: an on-path attacker can hold an authentic packet back and
 * release it later from anywhere, and it must not take the peer along.
 * Such a packet is still delivered (it is authentic and not a replay). */
#include <string.h>
#include "ipsec/ipsec_priv.h"
#include "ipsec/ipsec_log.h"
#include "core/log.h"
#include "net/stack.h"
#include "net/ip6_var.h"
#include "net/ip4_var.h"
#include "core/pkt.h"
#include "wire/cksum.h"
#include "wire/esp.h"
#include "wire/ip4.h"
#include "wire/ip6.h"
#include "wire/ip6edit.h"
#include "wire/ip6ext.h"
#include "wire/udp.h"

#define NATT_KEEPALIVE_NS (20ull * 1000000000ull)   /* RFC 3948 §2.3 suggests 20 s */

static bool natt_port(const struct ipsec_state *is, uint16_t port)
{
    if (port == ESPINUDP_PORT)
        return true;
    for (unsigned i = 0; i < is->n_natt_ports; i++)
        if (is->natt_ports[i] == port)
            return true;
    return false;
}

/* The UDP datagram at off, checked (IPv4 may carry a zero checksum). */
static enum wire_reason udp_check(const struct pkt *p, bool v4, size_t off, struct udp_info *u)
{
    const uint8_t *d = pkt_data(p);
    size_t len = p->len - off;
    uint32_t pseudo;
    if (v4) {
        struct ip4_info ih;
        if (ip4_parse(d, p->len, &ih) != WR_OK)
            return WR_TRUNCATED;
        pseudo = cksum_pseudo4(ih.src, ih.dst, (uint16_t)len, IP4_PROTO_UDP);
    } else {
        struct ip6_info ip;
        if (ip6_parse(d, p->len, &ip) != WR_OK)
            return WR_TRUNCATED;
        pseudo = cksum_pseudo6(&ip.src, &ip.dst, (uint32_t)len, IP6_NXT_UDP);
    }
    return udp_parse(d + off, len, pseudo, v4, u);
}

int ipsec_natt_input(struct ifnet *ifp, struct pkt *p, bool v4, size_t off, size_t nxt_field)
{
    struct six_stack *st = ifp->st;
    uint16_t sport, dport;
    if (!st->ipsec || !st->ipsec->n_sa ||
        udp_ports(pkt_data(p) + off, p->len - off, &sport, &dport) != WR_OK || !natt_port(st->ipsec, dport))
        return -2;
    struct udp_info u;
    enum wire_reason r = udp_check(p, v4, off, &u);
    if (r != WR_OK)
        return -2;   /* the UDP path counts it */
    const uint8_t *pl = pkt_data(p) + off + UDP_HLEN;
    size_t plen = u.len - UDP_HLEN;
    enum espinudp_kind kind;
    if ((r = espinudp_classify(pl, plen, &kind)) != WR_OK) {
        WIRE_DROP(st, esp, r);
        pkt_free(p);
        return -1;
    }
    if (kind == ESPINUDP_IKE)
        return -2;   /* for the key manager's socket */
    if (kind == ESPINUDP_KEEPALIVE) {
        CTR_INC(st, ipsec, natt_keepalive_in);
        pkt_free(p);
        return -1;
    }
    /* [IP][UDP][ESP] becomes [IP][ESP] */
    struct ip4_info ih;
    if (v4 && (ip4_parse(pkt_data(p), p->len, &ih) != WR_OK || ih.hl != IP4_HLEN)) {
        CTR_INC(st, ipsec, drop_natt_mismatch);
        pkt_free(p);
        return -1;
    }
    uint8_t *d = pkt_data(p);
    memmove(d + UDP_HLEN, d, off);
    pkt_pull(p, UDP_HLEN);
    pkt_trim(p, off + plen);
    d = pkt_data(p);
    if (v4) {
        ih.proto = IPSEC_PROTO_ESP;
        ih.tot_len = (uint16_t)p->len;
        ip4_emit(d, IP4_HLEN, &ih);
    } else {
        ip6_hdr_set_nxt_at(d, nxt_field, IPSEC_PROTO_ESP);
        ip6_hdr_set_plen(d, (uint16_t)(p->len - IP6_HLEN));
    }
    CTR_INC(st, ipsec, natt_in);
    return esp_input_natt(ifp, p, v4, off, nxt_field, sport);
}

bool ipsec_natt_wrap(struct six_stack *st, struct ipsec_sa *sa, struct pkt *p, size_t esp_off)
{
    size_t esp_len = p->len - esp_off;
    if (pkt_headroom(p) < UDP_HLEN || esp_len + UDP_HLEN > 0xffff) {
        CTR_INC(st, ipsec, drop_no_buffer);
        return false;
    }
    uint8_t *old = pkt_data(p);
    uint8_t *d = pkt_push(p, UDP_HLEN);
    memmove(d, old, esp_off);
    uint8_t *u = d + esp_off;
    uint32_t pseudo = sa->v4 ? 0 : cksum_pseudo6(&sa->src, &sa->dst, (uint32_t)(UDP_HLEN + esp_len), IP6_NXT_UDP);
    udp_emit(u, UDP_HLEN + esp_len, sa->natt_sport, sa->natt_dport, esp_len, pseudo);
    if (sa->v4)
        udp_hdr_zero_cksum(u);
    sa->natt_ka_ns = six_now(st);
    CTR_INC(st, ipsec, natt_out);
    return true;
}

void ipsec_natt_keepalive(struct six_stack *st, struct ipsec_sa *sa, uint64_t now)
{
    if (now - sa->natt_ka_ns < NATT_KEEPALIVE_NS || !ipsec_own_address(st, &sa->src))
        return;
    sa->natt_ka_ns = now;
    struct pkt *p = pkt_alloc(st->pool, UDP_HLEN + 1);
    if (!p)
        return;
    uint8_t *d = pkt_put(p, UDP_HLEN + 1);
    espinudp_keepalive_emit(d + UDP_HLEN, 1);
    uint32_t pseudo = sa->v4 ? 0 : cksum_pseudo6(&sa->src, &sa->dst, UDP_HLEN + 1, IP6_NXT_UDP);
    udp_emit(d, UDP_HLEN + 1, sa->natt_sport, sa->natt_dport, 1, pseudo);
    CTR_INC(st, ipsec, natt_keepalive_out);
    if (sa->v4) {
        udp_hdr_zero_cksum(d);
        struct ip4_out o = { .proto = IP4_PROTO_UDP, .ttl = -1, .flags = IP4_OUT_IPSEC_DONE };
        memcpy(&o.src, &sa->src.s6_addr[12], 4);
        memcpy(&o.dst, &sa->dst.s6_addr[12], 4);
        ip4_output(st, p, &o);
    } else {
        struct ip6_out o = { .src = sa->src, .dst = sa->dst, .nxt = IP6_NXT_UDP, .hlim = -1,
                             .flags = IP6_OUT_IPSEC_DONE };
        ip6_output(st, p, &o);
    }
}


void ipsec_natt_follow(struct six_stack *st, struct ipsec_sa *sa, const struct in6_addr *src, uint16_t sport,
                       bool newest)
{
    if (in6_eq(&sa->src, src) && sa->natt_sport == sport)
        return;
    if (!newest) {   /* authentic but not new: held back and released from elsewhere, or reordered across a rebinding */
        CTR_INC(st, ipsec, natt_move_refused_old);
        return;
    }
    struct in6_addr old = sa->src;
    uint16_t old_port = sa->natt_sport;
    /* the tunnels that name this peer (judged while its SAs are still at
     * old:old_port: another client behind the same NAT address, on another
     * port, keeps its own), then its SA and ours toward its old end point */
    if (!in6_eq(&old, src))
        ipsec_sp_requests_follow(st->ipsec, &old, old_port, src);
    ipsec_sa_move(st, sa, src, &sa->dst, sport, sa->natt_dport);
    for (struct ipsec_sa *o = st->ipsec->sa_head; o; o = o->next)
        if (o != sa && o->natt && in6_eq(&o->dst, &old) && o->natt_dport == old_port)
            ipsec_sa_move(st, o, &o->src, src, o->natt_sport, sport);
    CTR_INC(st, ipsec, natt_peer_moved);
    char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];
    ipsec_log_sa(st, LOG_INFO, sa, "NAT-T peer moved %s:%u -> %s:%u", ipsec_addr_str(&old, a, sizeof a), old_port,
                 ipsec_addr_str(src, b, sizeof b), sport);
}
