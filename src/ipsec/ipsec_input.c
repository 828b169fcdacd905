/* Inbound policy (RFC 4301 §5.2, KAME's ipsec6_in_reject): before a packet
 * reaches an upper layer or is forwarded, the policy that covers it must be
 * satisfied by the SAs it actually came through (pkt->ipsec_said).  A
 * packet that came out of a tunnel-mode SA must, in addition, be covered by
 * a policy that names that tunnel: the inner addresses are judged, never
 * the outer source, so a peer cannot use its tunnel to inject packets for
 * prefixes that are not its own. */
#include "ipsec/ipsec_priv.h"
#include "ipsec/ipsec_log.h"
#include "net/stack.h"
#include "core/pkt.h"
#include "wire/ip6.h"
#include "wire/ip6ext.h"
#include "wire/ip4.h"

/* The fallback of the hometun draft (§4: transport ESP on protocol 41 over
 * a plain tunnel interface) needs one exception: a client whose address
 * changed announces it by an NA sent through its transport SA from the new
 * address, before the server can know it. Only the newest authentic packet
 * of a tunnel protocol (41, 4) through an SA outside UDP may pass, marked;
 * gif gives it to nothing but the NA of the server tunnel whose remote end
 * is this SA's peer (gif.c, gif_hometun.c). Everything else from an
 * address that is not the SA's is dropped. */
bool ipsec_transport_peer_ok(struct six_stack *st, struct ipsec_sa *sa, struct pkt *p, const struct in6_addr *src,
                             uint16_t sport, bool newest, uint8_t nxt)
{
    if (in6_eq(src, &sa->src) && (!sport || sport == sa->natt_sport))
        return true;
    if (!sa->natt && newest && (nxt == IPPROTO_IPV6 || nxt == IPPROTO_IPIP)) {
        p->flags |= PKT_F_IPSEC_PEER_MOVED;
        return true;
    }
    CTR_INC(st, ipsec, drop_sa_addr);
    sa->stats.drop_selector++;
    return false;
}

bool ipsec_sa_satisfies(const struct ipsec_sa *sa, const struct ipsec_req *r)
{
    if (sa->proto != r->proto)
        return false;
    if (r->mode == IPSEC_MODE_TUNNEL &&
        (!in6_eq(&sa->src, &r->tsrc) || !in6_eq(&sa->dst, &r->tdst)))
        return false;
    if (r->mode == IPSEC_MODE_TRANSPORT && sa->mode == IPSEC_MODE_TUNNEL)
        return false;
    return r->level != IPSEC_LEVEL_UNIQUE || !r->reqid || sa->reqid == r->reqid;
}

/* Is request r met by one of the packet's SAs?  *tunnel_named: the SA that
 * met it is the one the packet was decapsulated from. */
static bool req_met(struct six_stack *st, const struct pkt *p, const struct ipsec_req *r, bool *tunnel_named)
{
    for (unsigned i = 0; i < p->ipsec_n; i++) {
        const struct ipsec_sa *sa = ipsec_sa_by_id(st, p->ipsec_said[i]);
        if (sa && ipsec_sa_satisfies(sa, r)) {
            if (r->mode == IPSEC_MODE_TUNNEL)
                *tunnel_named = true;
            return true;
        }
    }
    return false;
}

/* A tunnel request applies on input only where its tunnel ends. */
static bool tunnel_ends_here(struct six_stack *st, const struct ipsec_sp *sp)
{
    for (unsigned i = 0; i < sp->nreq; i++)
        if (sp->req[i].mode == IPSEC_MODE_TUNNEL && !ipsec_own_address(st, &sp->req[i].tdst))
            return false;
    return true;
}

bool ipsec_in_check(struct six_stack *st, const struct pkt *p, const struct ipsec_sel *k, bool forwarded)
{
    if (!st->ipsec)
        return true;
    /* an SA bound to a tunnel interface: the interface (and its inner-source
     * checks) is the selector, no SPD policy has to name the tunnel */
    bool from_tunnel = (p->flags & PKT_F_IPSEC_TUNNEL) && !(p->flags & PKT_F_IPSEC_IFBOUND);
    bool tunnel_named = false;
    struct ipsec_sp *sp = forwarded ? ipsec_sp_lookup(st, IPSEC_DIR_FWD, k) : NULL;
    if (!sp)
        sp = ipsec_sp_lookup(st, IPSEC_DIR_IN, k);
    if (sp && sp->action == IPSEC_ACT_IPSEC && !tunnel_ends_here(st, sp))
        sp = NULL;   /* the other gateway's policy (one file can serve both ends) */
    if (sp && sp->action == IPSEC_ACT_DISCARD) {
        CTR_INC(st, ipsec, drop_discard);
        return false;
    }
    if (sp && sp->action == IPSEC_ACT_IPSEC) {
        for (unsigned i = 0; i < sp->nreq; i++) {
            const struct ipsec_req *r = &sp->req[i];
            if (!req_met(st, p, r, &tunnel_named) &&
                (r->level == IPSEC_LEVEL_REQUIRE || r->level == IPSEC_LEVEL_UNIQUE)) {
                CTR_INC(st, ipsec, drop_policy);
                ipsec_warn_policy(st, k);
                return false;
            }
        }
    }
    if (from_tunnel && !tunnel_named) {
        CTR_INC(st, ipsec, drop_selector);
        if (p->ipsec_n) {
            struct ipsec_sa *sa = ipsec_sa_by_id(st, p->ipsec_said[p->ipsec_n - 1]);
            if (sa)
                sa->stats.drop_selector++;
        }
        return false;
    }
    return true;
}

bool ipsec_locate_upper(const struct pkt *p, bool v4, size_t *off, size_t *nxt_field, uint8_t *proto)
{
    const uint8_t *d = pkt_data(p);
    if (v4) {
        struct ip4_info ih;
        if (ip4_parse(d, p->len, &ih) != WR_OK)
            return false;
        *off = ih.hl;
        *nxt_field = 9;
        *proto = (ih.mf || ih.frag_off) ? 0 : ih.proto;   /* a fragment: no ports to judge */
        return true;
    }
    struct ip6_info ip;
    if (ip6_parse(d, p->len, &ip) != WR_OK)
        return false;
    *off = IP6_HLEN;
    *nxt_field = 6;
    *proto = ip.nxt;
    for (unsigned n = 0; n < 8; n++) {
        if (*proto != IP6_NXT_HOPOPTS && *proto != IP6_NXT_DSTOPTS && *proto != IP6_NXT_ROUTING)
            return true;
        struct ip6_opthdr_info h;   /* routing headers share the (len + 1) * 8 layout */
        if (ip6_opthdr_parse(d + *off, p->len - *off, &h) != WR_OK)
            return false;
        *nxt_field = *off;
        *off += h.len;
        *proto = h.nxt;
    }
    return false;
}

bool ipsec_fwd_check(struct six_stack *st, const struct pkt *p, bool v4)
{
    size_t off, nxt_field;
    uint8_t proto;
    struct ipsec_sel k;
    if (!st->ipsec)
        return true;
    if (!ipsec_locate_upper(p, v4, &off, &nxt_field, &proto)) {
        CTR_INC(st, ipsec, drop_policy);
        return false;
    }
    ipsec_sel_of_packet(p, v4, off, proto, &k);
    return ipsec_in_check(st, p, &k, true);
}

/* KAME's ipsec6_in_reject() with a pcb whose policy is not entrust.  The
 * SPD has already judged the packet at the IP layer (before the socket is
 * known), so "in bypass" and "in none" add nothing here; "ipsec" adds its
 * requests, "discard" refuses everything. */
bool ipsec_in_check_sp(struct six_stack *st, const struct pkt *p, const struct ipsec_sockpol *sockpol)
{
    if (!sockpol || sockpol->in.action != IPSEC_ACT_IPSEC) {
        if (sockpol && sockpol->in.action == IPSEC_ACT_DISCARD) {
            CTR_INC(st, ipsec, drop_discard);
            return false;
        }
        return true;
    }
    bool tunnel_named = false;
    for (unsigned i = 0; i < sockpol->in.nreq; i++) {
        const struct ipsec_req *r = &sockpol->in.req[i];
        if (!req_met(st, p, r, &tunnel_named) &&
            (r->level == IPSEC_LEVEL_REQUIRE || r->level == IPSEC_LEVEL_UNIQUE)) {
            CTR_INC(st, ipsec, drop_sockpol_in);
            return false;
        }
    }
    return true;
}
