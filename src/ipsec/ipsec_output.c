/* Outbound IPsec: the SPD decides, the SAD gives the SA, ESP is applied in
 * transport mode (header inserted after the IP header, in place) or tunnel
 * mode (the whole packet sealed, a new outer header by ip6_output /
 * ip4_output, which skip the SPD for it). */
#include <errno.h>
#include <string.h>
#include "ipsec/ipsec_priv.h"
#include "net/stack.h"
#include "net/ip6_var.h"
#include "net/ip4_var.h"
#include "net/ip4_priv.h"
#include "core/pkt.h"
#include "wire/ip6.h"
#include "wire/ip6edit.h"
#include "wire/ip4.h"
#include "wire/udp.h"

static void map4(struct in_addr a, struct in6_addr *out)
{
    memset(out, 0, sizeof *out);
    out->s6_addr[10] = out->s6_addr[11] = 0xff;
    memcpy(&out->s6_addr[12], &a, 4);
}

void ipsec_sel_of_packet(const struct pkt *p, bool v4, size_t off, uint8_t proto, struct ipsec_sel *k)
{
    const uint8_t *d = pkt_data(p);
    memset(k, 0, sizeof *k);
    if (v4) {
        struct ip4_info ih;
        if (ip4_parse(d, p->len, &ih) == WR_OK) {
            map4(ih.src, &k->src);
            map4(ih.dst, &k->dst);
        }
        k->family = AF_INET;
    } else {
        struct ip6_info ip;
        if (ip6_parse(d, p->len, &ip) == WR_OK) {
            k->src = ip.src;
            k->dst = ip.dst;
        }
        k->family = AF_INET6;
    }
    k->splen = k->dplen = 128;
    k->ulproto = proto;
    if ((proto == 58 || proto == 1) && p->len >= off + 2) {
        k->has_icmp_type = k->has_icmp_code = true;
        k->icmp_type = ip6_byte_at(d, off);
        k->icmp_code = ip6_byte_at(d, off + 1);
    } else if (proto == 6 || proto == 17) {
        udp_ports(d + off, p->len - off, &k->sport, &k->dport);
    }
}

/* After the payload behind the IP header changed: the length, the protocol
 * field at nxt_field, and for IPv4 the checksum. */
static bool fix_ip_header(struct pkt *p, bool v4, size_t nxt_field, uint8_t proto, struct ip4_info *ih4)
{
    uint8_t *d = pkt_data(p);
    if (v4) {
        struct ip4_info ih = *ih4;
        ih.proto = proto;
        ih.tot_len = (uint16_t)p->len;
        ip4_emit(d, IP4_HLEN, &ih);
        return true;
    }
    ip6_hdr_set_nxt_at(d, nxt_field, proto);
    ip6_hdr_set_plen(d, (uint16_t)(p->len - IP6_HLEN));
    return true;
}

bool ipsec_own_address(struct six_stack *st, const struct in6_addr *a)
{
    if (in6_is_v4mapped(a)) {
        struct in_addr v4;
        struct ifnet *ifp;
        memcpy(&v4, &a->s6_addr[12], 4);
        return in4_ifa_find(st, v4, &ifp) != NULL;
    }
    return in6_ifaddr_lookup(st, a) != NULL;
}

static void acquire(struct six_stack *st, struct ipsec_sp *sp, const struct ipsec_sel *k, const struct ipsec_req *r)
{
    uint64_t now = six_now(st);
    CTR_INC(st, ipsec, drop_no_sa);
    if (sp->last_acquire_ns && now - sp->last_acquire_ns < 1000000000ull)
        return;   /* one ACQUIRE a second per policy: the key manager is already at work */
    sp->last_acquire_ns = now;
    CTR_INC(st, ipsec, acquire);
    if (!st->ipsec || !st->ipsec->event_fn)
        return;
    /* the key manager is told the addresses of the SA it must make: for
     * transport mode (and a socket's policy, id 0, which has no selectors)
     * the packet's, as KAME does; for tunnel mode the request has them */
    struct ipsec_sp tmp;
    if (!sp->id || r->mode == IPSEC_MODE_TRANSPORT) {
        tmp = *sp;
        tmp.sel = *k;
        sp = &tmp;
    }
    st->ipsec->event_fn(st->ipsec->event_ctx, IPSEC_EV_ACQUIRE, NULL, sp, r);
}

static enum ipsec_out drop(struct six_stack *st, struct pkt *p, int err, int *rc)
{
    (void)st;
    pkt_free(p);
    *rc = err;
    return IPSEC_OUT_DONE;
}

/* Seal pkt_data(p) + in_off .. end into ESP placed at pkt_data(p) + in_off
 * - hdrlen (the caller made that room). */
static bool seal(struct six_stack *st, struct ipsec_sa *sa, struct pkt *p, size_t esp_off, uint8_t nh)
{
    size_t hdr = ipsec_xform_esp_hdrlen(&sa->x), plen = p->len - esp_off - hdr;
    uint64_t seq;
    if (!ipsec_seq_next(st, sa, &seq))
        return false;
    struct esp_seal_args a = { .spi = sa->spi, .seq = seq, .esn = sa->esn, .next_header = nh,
                               .tfc_pad = sa->tfc_pad };
    uint8_t *out = pkt_data(p) + esp_off;
    size_t cap = p->cap - p->off - esp_off, outlen;
    if (ipsec_esp_seal(&sa->x, &a, out + hdr, plen, out, cap, &outlen) != ESP_OK) {
        CTR_INC(st, ipsec, drop_crypto);
        return false;
    }
    p->len = (uint32_t)(esp_off + outlen);
    CTR_INC(st, ipsec, out_packets);
    return true;
}

static bool room(const struct pkt *p, const struct ipsec_sa *sa, size_t plen)
{
    size_t hdr = ipsec_xform_esp_hdrlen(&sa->x);
    size_t total = ipsec_xform_esp_len(&sa->x, plen, sa->tfc_pad);
    return pkt_headroom(p) >= hdr && pkt_tailroom(p) >= total - hdr - plen;
}

static enum ipsec_out esp_transport(struct six_stack *st, struct pkt *p, struct ipsec_sa *sa, bool v4,
                                    size_t off, size_t nxt_field, uint8_t proto, int *rc)
{
    size_t plen = p->len - off, hdr = ipsec_xform_esp_hdrlen(&sa->x);
    if (!room(p, sa, plen)) {
        CTR_INC(st, ipsec, drop_no_buffer);
        return drop(st, p, -ENOBUFS, rc);
    }
    struct ip4_info ih;
    if (v4 && (ip4_parse(pkt_data(p), p->len, &ih) != WR_OK || ih.hl != IP4_HLEN)) {
        CTR_INC(st, ipsec, drop_bad_nxt);
        return drop(st, p, -EINVAL, rc);   /* IPv4 options: not sent with ESP here */
    }
    if (!ipsec_sa_account(st, sa, plen))
        return drop(st, p, -EHOSTUNREACH, rc);   /* hard lifetime reached: the SA is gone */
    uint8_t *old = pkt_data(p);
    uint8_t *d = pkt_push(p, hdr);
    memmove(d, old, off);   /* the IP header moves forward; ESP goes between it and the payload */
    if (!seal(st, sa, p, off, proto) || (sa->natt && !ipsec_natt_wrap(st, sa, p, off)) ||
        !fix_ip_header(p, v4, nxt_field, sa->natt ? IPPROTO_UDP : IPSEC_PROTO_ESP, &ih))
        return drop(st, p, -EIO, rc);
    return IPSEC_OUT_PASS;
}

static enum ipsec_out esp_tunnel(struct six_stack *st, struct pkt *p, struct ipsec_sa *sa, bool v4, int *rc)
{
    size_t plen = p->len, hdr = ipsec_xform_esp_hdrlen(&sa->x);
    if (!room(p, sa, plen)) {
        CTR_INC(st, ipsec, drop_no_buffer);
        return drop(st, p, -ENOBUFS, rc);
    }
    if (!ipsec_sa_account(st, sa, plen))
        return drop(st, p, -EHOSTUNREACH, rc);
    pkt_push(p, hdr);
    if (!seal(st, sa, p, 0, v4 ? IPPROTO_IPIP : IPPROTO_IPV6) || (sa->natt && !ipsec_natt_wrap(st, sa, p, 0)))
        return drop(st, p, -EIO, rc);
    uint8_t outer_proto = sa->natt ? IPPROTO_UDP : IPSEC_PROTO_ESP;
    if (sa->v4) {
        struct ip4_out o = { .proto = outer_proto, .ttl = -1, .flags = IP4_OUT_IPSEC_DONE };
        memcpy(&o.src, &sa->src.s6_addr[12], 4);
        memcpy(&o.dst, &sa->dst.s6_addr[12], 4);
        *rc = ip4_output(st, p, &o);
    } else {
        struct ip6_out o = { .src = sa->src, .dst = sa->dst, .nxt = outer_proto, .hlim = -1,
                             .flags = IP6_OUT_IPSEC_DONE };
        *rc = ip6_output(st, p, &o);
    }
    return IPSEC_OUT_DONE;
}

enum ipsec_out ipsec_output(struct six_stack *st, struct pkt *p, bool v4, bool forwarded, int *rc)
{
    return ipsec_output_sp(st, p, v4, forwarded, NULL, rc);
}

/* RFC 4301 §4.5 SA bundle in transport mode, applied in the order of the
 * policy's requests (KAME: "esp/transport//require ah/transport//require"
 * seals with ESP first, then AH covers the ESP packet).  Every SA must be
 * there before anything is applied: a bundle is sent whole or not at all. */
static enum ipsec_out bundle_transport(struct six_stack *st, struct pkt *p, struct ipsec_sp *sp,
                                       const struct ipsec_sel *k, bool v4, size_t off, size_t nxt_field,
                                       uint8_t proto, int *rc)
{
    struct ipsec_sa *sa[IPSEC_MAX_REQS] = { 0 };
    bool missing = false;
    for (unsigned i = 0; i < sp->nreq; i++) {
        const struct ipsec_req *r = &sp->req[i];
        if (r->mode != IPSEC_MODE_TRANSPORT) {
            CTR_INC(st, ipsec, drop_policy);
            return drop(st, p, -EOPNOTSUPP, rc);
        }
        sa[i] = ipsec_sa_out(st, r->proto, r->mode, &k->src, &k->dst, r->level == IPSEC_LEVEL_UNIQUE ? r->reqid : 0);
        if (!sa[i] && (r->level == IPSEC_LEVEL_REQUIRE || r->level == IPSEC_LEVEL_UNIQUE)) {
            acquire(st, sp, k, r);
            missing = true;
        }
    }
    if (missing)
        return drop(st, p, -EHOSTUNREACH, rc);
    for (unsigned i = 0; i < sp->nreq; i++) {
        if (!sa[i])
            continue;   /* "use" without an SA: that layer is skipped */
        enum ipsec_out o = sp->req[i].proto == IPSEC_PROTO_AH
                               ? ah_output_transport(st, p, sa[i], v4, off, nxt_field, proto, rc)
                               : esp_transport(st, p, sa[i], v4, off, nxt_field, proto, rc);
        if (o == IPSEC_OUT_DONE)
            return o;   /* dropped and counted */
        proto = sp->req[i].proto;   /* the next layer wraps this one */
    }
    return IPSEC_OUT_PASS;
}

enum ipsec_out ipsec_output_sp(struct six_stack *st, struct pkt *p, bool v4, bool forwarded,
                               struct ipsec_sockpol *sockpol, int *rc)
{
    size_t off, nxt_field;
    uint8_t proto;
    struct ipsec_sel k;
    bool own = sockpol && sockpol->out.action != IPSEC_ACT_ENTRUST;   /* the socket's policy decides */

    *rc = 0;
    if ((!own && !ipsec_active(st)) || !ipsec_locate_upper(p, v4, &off, &nxt_field, &proto))
        return IPSEC_OUT_PASS;
    ipsec_sel_of_packet(p, v4, off, proto, &k);
    struct ipsec_sp *sp = own ? &sockpol->out : ipsec_sp_lookup(st, IPSEC_DIR_OUT, &k);
    if (!sp || sp->action == IPSEC_ACT_NONE || sp->action == IPSEC_ACT_BYPASS)
        return IPSEC_OUT_PASS;
    if (sp->action == IPSEC_ACT_DISCARD) {
        CTR_INC(st, ipsec, drop_discard);
        return drop(st, p, -EACCES, rc);
    }
    const struct ipsec_req *r = &sp->req[0];
    if (r->mode == IPSEC_MODE_TRANSPORT && forwarded)
        return IPSEC_OUT_PASS;   /* transport mode protects this host's own packets only */
    if (sp->nreq > 1)
        return bundle_transport(st, p, sp, &k, v4, off, nxt_field, proto, rc);
    /* a tunnel that does not start at one of our addresses is the other
     * end's policy (one setkey file can serve both gateways) */
    if (r->mode == IPSEC_MODE_TUNNEL && !ipsec_own_address(st, &r->tsrc)) {
        if (!own)
            return IPSEC_OUT_PASS;
        CTR_INC(st, ipsec, drop_no_sa);   /* a socket's tunnel must start here: never send it in the clear */
        return drop(st, p, -EADDRNOTAVAIL, rc);
    }
    const struct in6_addr *src = r->mode == IPSEC_MODE_TUNNEL ? &r->tsrc : &k.src;
    const struct in6_addr *dst = r->mode == IPSEC_MODE_TUNNEL ? &r->tdst : &k.dst;
    struct ipsec_sa *sa = ipsec_sa_out(st, r->proto, r->mode, src, dst,
                                       r->level == IPSEC_LEVEL_UNIQUE ? r->reqid : 0);
    if (!sa) {
        if (r->level == IPSEC_LEVEL_USE || r->level == IPSEC_LEVEL_DEFAULT)
            return IPSEC_OUT_PASS;   /* "use": protect when an SA exists, else send in the clear */
        acquire(st, sp, &k, r);
        return drop(st, p, -EHOSTUNREACH, rc);
    }
    if (r->proto == IPSEC_PROTO_AH)   /* ah.c */
        return r->mode == IPSEC_MODE_TUNNEL ? ah_output_tunnel(st, p, sa, v4, rc)
                                            : ah_output_transport(st, p, sa, v4, off, nxt_field, proto, rc);
    if (r->mode == IPSEC_MODE_TUNNEL)
        return esp_tunnel(st, p, sa, v4, rc);
    return esp_transport(st, p, sa, v4, off, nxt_field, proto, rc);
}

static size_t req_hdrsiz(struct six_stack *st, const struct ipsec_req *r, bool v4, const struct in6_addr *src,
                         const struct in6_addr *dst);

enum ipsec_out ipsec_output_tunnel_sa(struct six_stack *st, struct pkt *p, struct ipsec_sa *sa, bool inner_v4,
                                      int *rc)
{
    /* the caller found sa by SPI: a larval SA (GETSPI) has that SPI but no keys */
    if (sa->state != IPSEC_SA_MATURE && sa->state != IPSEC_SA_DYING) {
        CTR_INC(st, ipsec, drop_no_sa);
        return drop(st, p, -EHOSTUNREACH, rc);
    }
    return esp_tunnel(st, p, sa, inner_v4, rc);
}

size_t ipsec_hdrsiz(struct six_stack *st, bool v4, const struct in6_addr *src, const struct in6_addr *dst,
                    uint8_t proto, uint16_t sport, uint16_t dport)
{
    return ipsec_hdrsiz_sp(st, NULL, v4, src, dst, proto, sport, dport);
}

size_t ipsec_hdrsiz_sp(struct six_stack *st, const struct ipsec_sockpol *sockpol, bool v4,
                       const struct in6_addr *src, const struct in6_addr *dst, uint8_t proto,
                       uint16_t sport, uint16_t dport)
{
    bool own = sockpol && sockpol->out.action != IPSEC_ACT_ENTRUST;
    if (!own && !ipsec_active(st))
        return 0;
    struct ipsec_sel k = { .family = v4 ? AF_INET : AF_INET6, .src = *src, .dst = *dst, .splen = 128,
                           .dplen = 128, .ulproto = proto, .sport = sport, .dport = dport };
    const struct ipsec_sp *sp = own ? &sockpol->out : ipsec_sp_peek(st, IPSEC_DIR_OUT, &k);
    if (!sp || sp->action != IPSEC_ACT_IPSEC)
        return 0;
    size_t total = 0;
    for (unsigned i = 0; i < sp->nreq; i++)   /* a bundle adds every layer */
        total += req_hdrsiz(st, &sp->req[i], v4, src, dst);
    return total;
}

static size_t req_hdrsiz(struct six_stack *st, const struct ipsec_req *r, bool v4, const struct in6_addr *src,
                         const struct in6_addr *dst)
{
    if (r->mode == IPSEC_MODE_TUNNEL && !ipsec_own_address(st, &r->tsrc))
        return 0;
    const struct in6_addr *s = r->mode == IPSEC_MODE_TUNNEL ? &r->tsrc : src;
    const struct in6_addr *d = r->mode == IPSEC_MODE_TUNNEL ? &r->tdst : dst;
    struct ipsec_sa *sa = ipsec_sa_out(st, r->proto, r->mode, s, d, 0);
    /* without an SA yet: the largest ESP we make (AES-CBC: IV 16, pad 15, trailer 2, ICV 16) */
    size_t esp = sa ? ipsec_xform_overhead(&sa->x) + sa->tfc_pad : 8 + 16 + 15 + 2 + 16;
    if (r->proto == IPSEC_PROTO_AH)   /* AH is aligned for the family of the header it follows */
        esp = ah_overhead(sa, r->mode == IPSEC_MODE_TUNNEL ? in6_is_v4mapped(&r->tdst) : v4);
    size_t outer = r->mode != IPSEC_MODE_TUNNEL ? 0 : in6_is_v4mapped(&r->tdst) ? 20 : 40;
    return esp + outer + (sa && sa->natt ? 8 : 0);
}
