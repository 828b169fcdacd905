/* gif: configured tunnels, every family mix (see gif.h).
 *
 * Why IFT_RAWIP and not a new interface type: every place that cares about
 * the link (nd6_output, ip4_if_output, net_input's version nibble, DAD on
 * IFF6_NOARP links, pcap LINKTYPE_RAW) already does the right thing for a
 * point-to-point link that carries bare IP packets. A gif is told apart by
 * its ops (gif_is()).
 *
 * Output: xmit() is the driver: the queued inner packet gets the outer
 * header in place (headroom) and leaves through ip4_output/ip6_output, so
 * the outer packet follows the routes, IPsec policy (transport ESP over a
 * gif) and fragmentation of the stack. IPv4 outer: DF clear, the outer path
 * may fragment (RFC 4213 §3.2.1 static MTU) unless pmtud; IPv6 outer: the
 * source fragments the outer packet (RFC 2473 §7.1). Outer hop limit,
 * traffic class, DF, the MTU that follows the outer path, ICMP errors from
 * the outer path and ECN: gif_icmp.c.
 *
 * Input, in this order, each refusal its own counter:
 *  - tunnel lookup: a gif whose local is the outer destination and whose
 *    remote is the outer source (RFC 4213 §3.6 ingress check), or, with the
 *    check off, any source; a local with no matching remote: drop_unknown_src.
 *    Through a transport SA the sender is the SA's peer and must be the
 *    remote exactly (drop_sa_mismatch), whatever the ingress check says;
 *    from a moved peer only a fallback server's NA (drop_peer_moved);
 *  - nesting: at most GIF_MAX_NEST tunnel headers per packet (drop_nested);
 *  - the inner header parses (drop_inner_truncated / drop_inner_bad) and its
 *    version agrees with the outer protocol (drop_inner_mismatch);
 *  - anti-spoofing (CVE-2020-10136 class): a tunnel must not let its peer
 *    inject packets that look as if they came from anywhere else:
 *      * never one of our own addresses (drop_spoof_own);
 *      * never a source on-link on another interface of this stack, i.e.
 *        whose longest-match route is a connected route out of another
 *        interface (drop_spoof_prefix) -- this covers the outer link itself;
 *      * a tunnel to one peer (bound to SAs, or hometun): strict uRPF, the
 *        route back to the source leaves through this tunnel (drop_spoof_urpf);
 *      * IPv6 link-local source only in link-scoped packets (link-local or
 *        link-scope multicast destination: ND, ping to fe80::), which stay on
 *        the tunnel link (drop_spoof_linklocal);
 *      * no multicast, loopback, broadcast, 0.0.0.0 (drop_bad_src).
 * No malloc per packet: the softc is allocated once with the interface. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include "net/gif.h"
#include "net/gif_var.h"
#include "net/stack.h"
#include "net/ip6_var.h"
#include "net/ip4_var.h"
#include "ipsec/ipsec.h"
#include "wire/ip4.h"
#include "wire/ip6.h"
#include "wire/icmp6.h"

static unsigned gif_xmit(struct ifnet *ifp, struct pkt **pkts, unsigned n);
static void gif_destroy(struct ifnet *ifp);

static const struct if_ops gif_ops = {
    .kind = "gif", .xmit = gif_xmit, .destroy = gif_destroy,
};

bool gif_is(const struct ifnet *ifp)
{
    return ifp && ifp->ops == &gif_ops;
}

struct in_addr gif_v4_of(const struct in6_addr *a)
{
    struct in_addr v;
    memcpy(&v, &a->s6_addr[12], 4);
    return v;
}

bool gif_outer_addr_ok(const struct in6_addr *a)
{
    if (in6_is_v4mapped(a)) {
        struct in_addr v = gif_v4_of(a);
        return !in4_is_any(v) && !in4_is_multicast(v) && !in4_is_broadcast(v) && !in4_is_loopback(v);
    }
    return !in6_is_unspecified(a) && !in6_is_multicast(a) && !in6_is_loopback(a) && !in6_is_linklocal(a);
}

struct ifnet *gif_create(struct six_stack *st, const char *name, const struct in6_addr *local,
                         const struct in6_addr *remote, int *err)
{
    if (in6_is_v4mapped(local) != in6_is_v4mapped(remote) || !gif_outer_addr_ok(local) ||
        !gif_outer_addr_ok(remote) || in6_eq(local, remote)) {
        *err = EINVAL;
        return NULL;
    }
    struct gif_softc *sc = calloc(1, sizeof *sc);
    if (!sc) {
        *err = ENOMEM;
        return NULL;
    }
    sc->local = *local;
    sc->remote = *remote;
    sc->v4 = in6_is_v4mapped(local);
    sc->ingress_check = true;
    sc->hlim = GIF_DEFAULT_HLIM;
    gif_outer_init(sc);
    timer_init(&sc->na_timer, gif_na_timer, sc);
    sc->ifp = if_attach(st, name, IFT_RAWIP, &gif_ops, sc);
    if (!sc->ifp) {
        *err = errno;
        free(sc);
        return NULL;
    }
    sc->ifp->flags |= IFF6_NOARP;
    sc->ifp->mtu = sc->mtu_conf = GIF_DEFAULT_MTU;
    if_set_running(sc->ifp, true);
    return sc->ifp;
}

static void gif_destroy(struct ifnet *ifp)
{
    struct gif_softc *sc = ifp->drv;
    timer_cancel(&sc->na_timer);
    gif_outer_destroy(sc);
    free(sc);
}

void gif_set_ingress_check(struct ifnet *ifp, bool on)
{
    if (gif_is(ifp))
        ((struct gif_softc *)ifp->drv)->ingress_check = on;
}

bool gif_describe(const struct ifnet *ifp, char *buf, size_t n)
{
    if (!gif_is(ifp))
        return false;
    const struct gif_softc *sc = ifp->drv;
    char l[INET6_ADDRSTRLEN], r[INET6_ADDRSTRLEN];
    if (sc->v4) {
        struct in_addr a = gif_v4_of(&sc->local), b = gif_v4_of(&sc->remote);
        inet_ntop(AF_INET, &a, l, sizeof l);
        inet_ntop(AF_INET, &b, r, sizeof r);
    } else {
        inet_ntop(AF_INET6, &sc->local, l, sizeof l);
        inet_ntop(AF_INET6, &sc->remote, r, sizeof r);
    }
    int k = snprintf(buf, n, "local %s remote %s%s%s%s", l, r, sc->ingress_check ? "" : " ingress-check off",
                     sc->role ? " hometun " : "", sc->role ? gif_role_name(sc->role) : "");
    if (k > 0 && (size_t)k < n)
        gif_describe_outer(sc, buf + k, n - (size_t)k);
    return true;
}

uint64_t gif_last_rx_ns(const struct ifnet *ifp)
{
    return gif_is(ifp) ? ((const struct gif_softc *)ifp->drv)->last_rx_ns : 0;
}

/* The rx time the packet carries: no clock read per packet. */
static void gif_mark_rx(struct gif_softc *sc, const struct pkt *p)
{
    sc->last_rx_ns = p->ts_ns ? p->ts_ns : six_now(sc->ifp->st);
}

bool gif_ll_iid(const struct ifnet *ifp, uint8_t iid[8])
{
    if (!gif_is(ifp) || !((const struct gif_softc *)ifp->drv)->v4)
        return false;
    const struct gif_softc *sc = ifp->drv;
    memset(iid, 0, 4);
    memcpy(iid + 4, &sc->local.s6_addr[12], 4);
    return true;
}

/* --- output --- */

/* Through the bound SA: ESP tunnel mode does the outer header. */
static void gif_encap_esp(struct gif_softc *sc, struct pkt *p, bool inner_v4)
{
    struct six_stack *st = sc->ifp->st;
    struct ipsec_sa *sa = ipsec_sa_find(st, IPSEC_PROTO_ESP, &sc->remote, sc->esp_out);
    int rc;
    if (!sa || sa->mode == IPSEC_MODE_TRANSPORT) {
        CTR_INC(st, gif, drop_no_sa);
        pkt_free(p);
        return;
    }
    if (ipsec_output_tunnel_sa(st, p, sa, inner_v4, &rc) == IPSEC_OUT_DONE && rc == 0)
        CTR_INC(st, gif, out_packets);
}

void gif_bind_esp(struct ifnet *ifp, uint32_t spi_out, uint32_t spi_in)
{
    struct gif_softc *sc = ifp->drv;
    sc->esp_out = spi_out;
    sc->esp_in = spi_out ? spi_in : 0;
}

struct ifnet *gif_bound_to(struct six_stack *st, uint32_t spi, const struct in6_addr *local)
{
    for (unsigned i = 0; i < SIX_MAX_IFS; i++) {
        struct ifnet *ifp = st->ifs[i];
        if (!gif_is(ifp))
            continue;
        struct gif_softc *sc = ifp->drv;
        if (sc->esp_out && sc->esp_in == spi && in6_eq(&sc->local, local))
            return ifp;
    }
    return NULL;
}

/* One inner packet (IP header at data) into the outer one. Consumes p. */
static void gif_encap(struct gif_softc *sc, struct pkt *p)
{
    struct six_stack *st = sc->ifp->st;
    unsigned version = p->len ? pkt_data(p)[0] >> 4 : 0;

    if (version != 4 && version != 6) {
        CTR_INC(st, gif, drop_out_bad_inner);
        pkt_free(p);
        return;
    }
    if (p->encap >= GIF_MAX_NEST) {   /* nested too deep, or a tunnel routed into itself */
        CTR_INC(st, gif, drop_nested);
        pkt_free(p);
        return;
    }
    p->encap++;
    p->flags = 0;   /* the outer packet is our own, not a forwarded one */
    uint8_t proto = version == 6 ? IPPROTO_IPV6 : IPPROTO_IPIP;
    int rc;
    if (sc->esp_out) {
        gif_encap_esp(sc, p, version == 4);
        return;
    }
    if (sc->v4) {
        struct ip4_out o = { .src = gif_v4_of(&sc->local), .dst = gif_v4_of(&sc->remote), .proto = proto,
                             .ttl = sc->hlim, .tos = gif_outer_tclass(sc, p), .df = gif_outer_df(sc, p->len) };
        rc = ip4_output(st, p, &o);
    } else {
        struct ip6_out o = { .src = sc->local, .dst = sc->remote, .nxt = proto, .hlim = sc->hlim,
                             .tclass = gif_outer_tclass(sc, p) };
        rc = ip6_output(st, p, &o);
    }
    if (rc == 0)
        CTR_INC(st, gif, out_packets);
}

static unsigned gif_xmit(struct ifnet *ifp, struct pkt **pkts, unsigned n)
{
    gif_mtu_refresh(ifp->drv);
    for (unsigned i = 0; i < n; i++)
        gif_encap(ifp->drv, pkts[i]);
    return n;
}

/* --- input --- */

/* The SA the outer packet came through in transport mode, or NULL: its
 * peer is the packet's sender, authenticated (ESP and AH input checked
 * that the outer source is that peer, or marked the one exception). */
static const struct ipsec_sa *transport_sa(struct six_stack *st, const struct pkt *p)
{
    if (!p->ipsec_n)
        return NULL;
    const struct ipsec_sa *sa = ipsec_sa_by_id(st, p->ipsec_said[p->ipsec_n - 1]);
    if (!sa || sa->mode == IPSEC_MODE_TUNNEL || (sa->mode == IPSEC_MODE_ANY && (p->flags & PKT_F_IPSEC_TUNNEL)))
        return NULL;
    return sa;
}

/* The gif this outer packet belongs to; *local_known: some gif ends at dst.
 * Through a transport SA (tsa) the sender is the SA's peer and only the
 * tunnel whose remote end it is may take the packet: never the relaxed
 * match of ingress-check off, or one client's SA would feed another
 * client's tunnel. */
static struct gif_softc *gif_lookup(struct six_stack *st, const struct ipsec_sa *tsa, const struct in6_addr *src,
                                    const struct in6_addr *dst, bool *local_known)
{
    struct gif_softc *any = NULL;
    *local_known = false;
    if (tsa)
        src = &tsa->src;
    for (unsigned i = 0; i < SIX_MAX_IFS; i++) {
        struct ifnet *ifp = st->ifs[i];
        if (!gif_is(ifp))
            continue;
        struct gif_softc *sc = ifp->drv;
        if (!in6_eq(&sc->local, dst))
            continue;
        *local_known = true;
        if (in6_eq(&sc->remote, src))
            return sc;   /* an exact match wins over a relaxed one */
        if (!sc->ingress_check && !tsa && !any)
            any = sc;
    }
    return any;
}

/* A tunnel to one peer (bound to its SAs, or a hometun end) is strict
 * (RFC 3704 §2.2 strict RPF): the route back to the inner source must leave
 * through this very tunnel, so a client cannot send from another client's
 * prefix (routed behind the other's tunnel) or from anywhere else. A plain
 * gif, possibly one leg of asymmetric routing, keeps the connected-prefix
 * check only. */
static bool strict_rpf(const struct gif_softc *sc)
{
    return sc->esp_out || sc->role != GIF_ROLE_NONE;
}

/* Spoofed inner sources: a rate-limited warning naming the tunnel and the source. */
static void warn_spoof(struct gif_softc *sc, int af, const void *src, const char *why)
{
    uint32_t missed;
    char b[INET6_ADDRSTRLEN];
    if (six_warn_begin(sc->ifp->st, SIX_WARN_SPOOF, &missed))
        six_warn_emit(sc->ifp->st, missed, "%s: inner source %s %s, dropped", sc->ifp->name,
                      inet_ntop(af, src, b, sizeof b), why);
}

#define SPOOF_OWN    "is one of our addresses"
#define SPOOF_PREFIX "belongs to a prefix on another interface"
#define SPOOF_URPF   "is not routed back through this tunnel (uRPF)"

static bool inner6_src_ok(struct gif_softc *sc, const struct ip6_info *ip)
{
    struct six_stack *st = sc->ifp->st;
    struct ifnet *oifp;
    struct in6_addr nh;

    if (in6_is_multicast(&ip->src) || in6_is_loopback(&ip->src) || in6_is_v4mapped(&ip->src)) {
        CTR_INC(st, gif, drop_bad_src);
        return false;
    }
    if (in6_is_unspecified(&ip->src))
        return true;   /* DAD; the ND code judges it */
    if (in6_ifaddr_lookup(st, &ip->src)) {
        CTR_INC(st, gif, drop_spoof_own);
        warn_spoof(sc, AF_INET6, &ip->src, SPOOF_OWN);
        return false;
    }
    if (in6_is_linklocal(&ip->src)) {
        bool link_scoped = in6_is_linklocal(&ip->dst) || (in6_is_multicast(&ip->dst) && in6_mc_scope(&ip->dst) <= 2);
        if (!link_scoped)
            CTR_INC(st, gif, drop_spoof_linklocal);
        return link_scoped;
    }
    bool routed = route6_resolve(st, &ip->src, NULL, &oifp, &nh) == 0;
    if (routed && oifp != sc->ifp && in6_eq(&nh, &ip->src)) {
        CTR_INC(st, gif, drop_spoof_prefix);
        warn_spoof(sc, AF_INET6, &ip->src, SPOOF_PREFIX);
        return false;
    }
    if (strict_rpf(sc) && (!routed || oifp != sc->ifp)) {
        CTR_INC(st, gif, drop_spoof_urpf);
        warn_spoof(sc, AF_INET6, &ip->src, SPOOF_URPF);
        return false;
    }
    return true;
}

static bool inner4_src_ok(struct gif_softc *sc, const struct ip4_info *ih)
{
    struct six_stack *st = sc->ifp->st;
    struct in_addr s = ih->src;

    if (in4_is_any(s) || in4_is_multicast(s) || in4_is_broadcast(s) || in4_is_loopback(s)) {
        CTR_INC(st, gif, drop_bad_src);
        return false;
    }
    if (in4_is_local(st, s)) {
        CTR_INC(st, gif, drop_spoof_own);
        warn_spoof(sc, AF_INET, &s, SPOOF_OWN);
        return false;
    }
    struct ifnet *on = route4_onlink_if(st, s);
    if (on && on != sc->ifp) {
        CTR_INC(st, gif, drop_spoof_prefix);
        warn_spoof(sc, AF_INET, &s, SPOOF_PREFIX);
        return false;
    }
    if (strict_rpf(sc) && route4_out_if(st, s) != sc->ifp) {
        CTR_INC(st, gif, drop_spoof_urpf);
        warn_spoof(sc, AF_INET, &s, SPOOF_URPF);
        return false;
    }
    return true;
}

static void count_parse(struct six_stack *st, enum wire_reason r)
{
    if (r == WR_TRUNCATED || r == WR_BAD_LENGTH)
        CTR_INC(st, gif, drop_inner_truncated);
    else
        CTR_INC(st, gif, drop_inner_bad);
}

/* The inner packet (at data) is well formed, of the family the outer
 * protocol names, and from an acceptable source. */
static bool inner_ok(struct gif_softc *sc, const struct pkt *p, uint8_t proto)
{
    struct six_stack *st = sc->ifp->st;
    const uint8_t *d = pkt_data(p);
    unsigned version = p->len ? d[0] >> 4 : 0;

    if (!p->len) {
        CTR_INC(st, gif, drop_inner_truncated);
        return false;
    }
    if (version != (proto == IPPROTO_IPV6 ? 6u : 4u)) {
        CTR_INC(st, gif, drop_inner_mismatch);
        return false;
    }
    enum wire_reason r;
    if (version == 6) {
        struct ip6_info ip;
        if ((r = ip6_parse(d, p->len, &ip)) != WR_OK) {
            count_parse(st, r);
            return false;
        }
        return inner6_src_ok(sc, &ip);
    }
    struct ip4_info ih;
    if ((r = ip4_parse(d, p->len, &ih)) != WR_OK) {
        count_parse(st, r);
        return false;
    }
    return inner4_src_ok(sc, &ih);
}

/* The inner packet (at data, well formed) is an NA: ICMPv6 right after the
 * IPv6 header, hop limit 255 (what RFC 4861 §7.1.2 accepts at all). */
static bool inner_is_na(const struct pkt *p)
{
    struct ip6_info ip;
    const uint8_t *d = pkt_data(p);
    return ip6_parse(d, p->len, &ip) == WR_OK && ip.nxt == IPPROTO_ICMPV6 && ip.hlim == 255 &&
           p->len > IP6_HLEN && d[IP6_HLEN] == ND_NEIGHBOR_ADVERT;
}

/* A packet from an outer source that is not its transport SA's peer
 * (PKT_F_IPSEC_PEER_MOVED, see ipsec_transport_peer_ok): a fallback client
 * announcing its new address. Only its server tunnel takes it, and only the
 * NA; gif_na_input() still judges the NA. */
static bool peer_moved_ok(const struct gif_softc *sc, const struct pkt *p)
{
    return sc->role == GIF_ROLE_SERVER && !sc->esp_out && inner_is_na(p);
}

bool gif_input(struct ifnet *ifp, struct pkt *p, size_t off, uint8_t proto, const struct in6_addr *src,
               const struct in6_addr *dst)
{
    struct six_stack *st = ifp->st;
    bool local_known, peer_moved = p->flags & PKT_F_IPSEC_PEER_MOVED;
    const struct ipsec_sa *tsa = transport_sa(st, p);
    struct gif_softc *sc = gif_lookup(st, tsa, src, dst, &local_known);

    if (!local_known && !peer_moved)
        return false;
    if (!sc && peer_moved)
        CTR_INC(st, gif, drop_peer_moved);
    else if (!sc && tsa)
        CTR_INC(st, gif, drop_sa_mismatch);   /* protected, but by an SA whose peer is no tunnel's remote end */
    else if (!sc)
        CTR_INC(st, gif, drop_unknown_src);
    else if (p->encap >= GIF_MAX_NEST)
        CTR_INC(st, gif, drop_nested);
    else if (sc->esp_out)
        CTR_INC(st, gif, drop_not_protected);   /* bound to an SA: plain 41/4 is not accepted */
    if (!sc || p->encap >= GIF_MAX_NEST || sc->esp_out) {
        pkt_free(p);
        return true;
    }
    uint8_t ecn = gif_outer_ecn(p);
    pkt_pull(p, off);
    if (!inner_ok(sc, p, proto) || !gif_ecn_decap(sc, p, ecn)) {
        pkt_free(p);
        return true;
    }
    if (peer_moved && !peer_moved_ok(sc, p)) {
        CTR_INC(st, gif, drop_peer_moved);
        pkt_free(p);
        return true;
    }
    p->encap++;
    p->flags &= ~(uint32_t)(PKT_F_MCAST | PKT_F_BCAST | PKT_F_OTHERHOST);   /* the outer link's business */
    CTR_INC(st, gif, in_packets);
    gif_mark_rx(sc, p);
    if_input(sc->ifp, &p, 1);
    return true;
}

void gif_input_esp(struct ifnet *gif, struct pkt *p, uint8_t proto)
{
    struct gif_softc *sc = gif->drv;
    if (p->encap >= GIF_MAX_NEST) {
        CTR_INC(gif->st, gif, drop_nested);
        pkt_free(p);
        return;
    }
    if (!inner_ok(sc, p, proto)) {
        pkt_free(p);
        return;
    }
    p->encap++;
    p->flags &= ~(uint32_t)(PKT_F_MCAST | PKT_F_BCAST | PKT_F_OTHERHOST);
    p->flags |= PKT_F_IPSEC_TUNNEL | PKT_F_IPSEC_IFBOUND;
    CTR_INC(gif->st, gif, in_packets);
    gif_mark_rx(sc, p);
    if_input(gif, &p, 1);
}
