/* gif and its outer path: ICMP errors relayed to the inner source, the
 * outer path MTU followed, outer hop limit / traffic class, ECN.
 *
 * ICMP errors (RFC 2473 §8 for IPv6 outer, RFC 4213 §3.4 for IPv4 outer,
 * RFC 2003 §4 for 4in4). A router on the outer path that cannot deliver an
 * outer packet tells the tunnel entry point (us), not the host that sent the
 * inner packet, which would otherwise wait for nothing. When an error
 * quotes an outer header from a gif's local to its remote, protocol 41 or 4
 * (IPv6 extension headers walked, bounded), and the quote reaches far
 * enough to hold the inner header, the entry point answers the inner source
 * as a router on the tunnel link would:
 *   - unreachable, time/hop limit exceeded, parameter problem: the inner
 *     destination cannot be reached through the tunnel: ICMPv6 Destination
 *     Unreachable code 3 (address unreachable; RFC 2473 §8.1) or ICMPv4
 *     host unreachable;
 *   - Packet Too Big / Fragmentation Needed: the path MTU is noted (below)
 *     and, if the inner packet no longer fits the tunnel, a Packet Too Big /
 *     Fragmentation Needed (inner DF only) with the tunnel's new MTU.
 * The inner source must not be one that gets no errors (multicast, ...),
 * the inner packet not itself an ICMP error (RFC 4443 §2.4 e, RFC 1122
 * §3.2.2), and the stack's ICMP token buckets apply. A quote too short for
 * the inner header (RFC 792 routers quote 28 bytes) is only counted.
 *
 * Path MTU: ifp->mtu is the effective MTU, max(1280, path MTU - outer header
 * - ESP overhead of a bound SA), never above the configured MTU, so that
 * forwarding into the gif (ip6_forward, ip4_forward) sends Packet Too Big /
 * Fragmentation Needed itself. IPv6 outer: the path MTU is the stack's PMTU
 * cache (icmp6.c updates it before calling us) and the outer link's MTU;
 * below 1280 + 40 the source fragments the outer packet (RFC 2473 §7.1,
 * ip6_output). IPv4 outer: DF clear and the MTU static unless `pmtud on`
 * (RFC 4213 §3.2); then DF is set whenever the outer packet fits the known
 * path MTU (so below 1300 the packets that do not fit still go, with DF
 * clear, as RFC 4213 §3.2.2 asks) and frag-needed lowers it for
 * PMTU_EXPIRE_MS. A timer lets the MTU rise again.
 *
 * ECN (RFC 6040 normal mode): on encapsulation the outer ECN field is the
 * inner one; on decapsulation outer CE marks an ECT inner packet CE and
 * drops a Not-ECT one, outer ECT(1) turns inner ECT(0) into ECT(1). */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "net/gif_var.h"
#include "net/stack.h"
#include "net/ip6_var.h"
#include "net/ip4_priv.h"
#include "ipsec/ipsec.h"
#include "ipsec/esp_xform.h"
#include "wire/ip4.h"
#include "wire/ip6.h"
#include "wire/ip6ext.h"
#include "wire/ip6edit.h"
#include "wire/icmp4.h"
#include "wire/icmp6.h"

#define GIF_QUOTE_MAX_EXT 8              /* outer extension headers walked in a quote */
#define GIF_PMTU_RECHECK_NS (60 * NS_PER_SEC)
#define ECN_NOT_ECT 0u
#define ECN_ECT1    1u
#define ECN_ECT0    2u
#define ECN_CE      3u
#define ICMP6_ERR_MAX_QUOTE (IP6_MIN_MTU - IP6_HLEN - ICMP6_HLEN)

static void pmtu_timer_fn(struct timer *t, void *arg);

void gif_outer_init(struct gif_softc *sc)
{
    sc->tclass = GIF_TCLASS_INHERIT;
    timer_init(&sc->pmtu_timer, pmtu_timer_fn, sc);
}

void gif_outer_destroy(struct gif_softc *sc)
{
    timer_cancel(&sc->pmtu_timer);
}

/* --- effective MTU --- */

/* What a bound ESP SA adds to each inner packet (RFC 4303 overhead, TFC
 * padding, the UDP header of NAT-T). The outer IP header is not counted. */
static uint32_t esp_overhead(const struct gif_softc *sc)
{
    if (!sc->esp_out)
        return 0;
    struct ipsec_sa *sa = ipsec_sa_find(sc->ifp->st, IPSEC_PROTO_ESP, &sc->remote, sc->esp_out);
    if (!sa)
        return 0;
    return (uint32_t)(ipsec_xform_overhead(&sa->x) + sa->tfc_pad + (sa->natt ? 8 : 0));
}

/* The outer path MTU to remote: the outer link's MTU, lowered by what
 * Packet Too Big / frag-needed said. 0: the MTU is static (IPv4 without pmtud). */
static uint32_t outer_path_mtu(const struct gif_softc *sc)
{
    struct six_stack *st = sc->ifp->st;
    if (sc->v4) {
        if (!sc->pmtud)
            return 0;
        uint32_t mtu = route4_if_mtu(st, gif_v4_of(&sc->remote));
        return sc->pmtu4 && sc->pmtu4 < mtu ? sc->pmtu4 : mtu;
    }
    struct ifnet *oifp = NULL;
    struct in6_addr nh;
    uint32_t link = route6_resolve(st, &sc->remote, NULL, &oifp, &nh) || !oifp ? 65535u : ip6_if_mtu(oifp);
    return pmtu6_get(st, &sc->remote, link);
}

void gif_mtu_refresh(struct gif_softc *sc)
{
    uint32_t path = outer_path_mtu(sc), eff = sc->mtu_conf;
    if (path) {
        uint32_t over = (sc->v4 ? IP4_HLEN : IP6_HLEN) + esp_overhead(sc);
        uint32_t fits = path > over + IP6_MIN_MTU ? path - over : IP6_MIN_MTU;
        if (fits < eff)
            eff = fits;
    }
    if (eff != sc->ifp->mtu)
        six_trace(sc->ifp->st, "%s: MTU %u (outer path MTU %u, configured %u)", sc->ifp->name, eff, path,
                  sc->mtu_conf);
    sc->ifp->mtu = eff;
}

int gif_set_mtu(struct ifnet *ifp, uint32_t mtu)
{
    int rc = if_set_mtu(ifp, mtu);
    if (rc || !gif_is(ifp))
        return rc;
    ((struct gif_softc *)ifp->drv)->mtu_conf = mtu;
    gif_mtu_refresh(ifp->drv);
    return 0;
}

/* Is a lowered path MTU still in force (so that the timer has to look again)? */
static bool pmtu_lowered(const struct gif_softc *sc)
{
    if (sc->v4)
        return sc->pmtu4 != 0;
    return pmtu6_get(sc->ifp->st, &sc->remote, UINT32_MAX) != UINT32_MAX;
}

static void pmtu_timer_fn(struct timer *t, void *arg)
{
    struct gif_softc *sc = arg;
    (void)t;
    if (sc->v4 && sc->pmtu4 && six_now(sc->ifp->st) >= sc->pmtu4_expires_ns)
        sc->pmtu4 = 0;
    gif_mtu_refresh(sc);
    if (pmtu_lowered(sc))
        timer_arm(sc->ifp->st->tw, &sc->pmtu_timer, GIF_PMTU_RECHECK_NS);
}

/* A Packet Too Big / frag-needed about one of our outer packets (outer_len
 * bytes as quoted) said mtu. IPv6: the cache has it already. */
static void pmtu_note(struct gif_softc *sc, uint32_t mtu, uint32_t outer_len)
{
    struct six_stack *st = sc->ifp->st;
    if (sc->v4) {
        /* our DF was clear unless pmtud: then such an error is not about
         * what we sent; RFC 1191 §4: the MTU must be below what we sent */
        if (!sc->pmtud || mtu < 68 || (outer_len && mtu >= outer_len)) {
            CTR_INC(st, gif, drop_pmtu_invalid);
            return;
        }
        if (!sc->pmtu4 || mtu < sc->pmtu4)
            sc->pmtu4 = mtu;
        sc->pmtu4_expires_ns = six_now(st) + (uint64_t)PMTU_EXPIRE_MS * NS_PER_MS;
    }
    CTR_INC(st, gif, pmtu_lowered);
    gif_mtu_refresh(sc);
    timer_arm(st->tw, &sc->pmtu_timer, (uint64_t)PMTU_EXPIRE_MS * NS_PER_MS + NS_PER_SEC);
}

/* --- outer header fields --- */

/* The inner packet's traffic class / TOS (0 if it cannot be read). */
static uint8_t inner_tclass(const uint8_t *d, size_t len)
{
    struct ip6_info ip6;
    struct ip4_info ip4;
    if (ip6_parse_quoted(d, len, &ip6) == WR_OK)
        return ip6.tclass;
    if (ip4_parse_quoted(d, len, &ip4) == WR_OK)
        return ip4.tos;
    return 0;
}

uint8_t gif_outer_tclass(const struct gif_softc *sc, const struct pkt *p)
{
    uint8_t in = inner_tclass(pkt_data(p), p->len);
    uint8_t dscp = sc->tclass == GIF_TCLASS_INHERIT ? in : (uint8_t)sc->tclass;
    return (uint8_t)((dscp & 0xfc) | (in & 3));
}

bool gif_outer_df(const struct gif_softc *sc, size_t len)
{
    if (!sc->v4 || !sc->pmtud)
        return false;
    uint32_t path = outer_path_mtu(sc);
    return len + IP4_HLEN <= path;
}

uint8_t gif_outer_ecn(const struct pkt *p)
{
    return inner_tclass(pkt_data(p), p->len) & 3;
}

/* RFC 6040 §4.2, the table: the inner ECN field after decapsulation, or -1: drop. */
static int ecn_decap(uint8_t outer, uint8_t inner)
{
    if (outer == ECN_CE)
        return inner == ECN_NOT_ECT ? -1 : (int)ECN_CE;
    if (outer == ECN_ECT1 && inner == ECN_ECT0)
        return ECN_ECT1;
    return inner;
}

bool gif_ecn_decap(struct gif_softc *sc, struct pkt *p, uint8_t outer_ecn)
{
    struct six_stack *st = sc->ifp->st;
    uint8_t *d = pkt_data(p);
    uint8_t tc = inner_tclass(d, p->len);
    int ecn = ecn_decap(outer_ecn, tc & 3);

    if (ecn < 0) {
        CTR_INC(st, gif, drop_ecn_not_ect);
        return false;
    }
    if ((uint8_t)ecn == (tc & 3))
        return true;
    if (ecn == ECN_CE)
        CTR_INC(st, gif, ecn_ce_set);
    struct ip6_info ip6;
    uint8_t ntc = (uint8_t)((tc & 0xfc) | ecn);
    if (ip6_parse_quoted(d, p->len, &ip6) == WR_OK)
        ip6_hdr_set_tclass(d, ntc);
    else
        ip4_hdr_set_tos(d, ntc);   /* inner_ok() validated the header */
    return true;
}

void gif_describe_outer(const struct gif_softc *sc, char *buf, size_t n)
{
    char tc[8] = "inherit";
    if (sc->tclass != GIF_TCLASS_INHERIT)
        snprintf(tc, sizeof tc, "%d", sc->tclass);
    int k = snprintf(buf, n, " hlim %u tclass %s%s", sc->hlim, tc, sc->v4 && sc->pmtud ? " pmtud on" : "");
    if (k > 0 && (size_t)k < n && sc->ifp->mtu != sc->mtu_conf)
        snprintf(buf + k, n - (size_t)k, " configured-mtu %u", sc->mtu_conf);
}

/* --- link set words --- */

void gif_opts_init(struct gif_opts *o)
{
    o->hlim = o->tclass = o->pmtud = -1;
}

bool gif_opt_word(const char *w)
{
    return !strcmp(w, "hlim") || !strcmp(w, "tclass") || !strcmp(w, "pmtud");
}

/* Decimal, or hex after 0x (a traffic class is often written so). Not
 * strtol's base 0 alone: it takes a sign, leading blanks, and reads a
 * leading 0 as octal ("tclass 010" would be 8). Every digit is checked
 * before strtol: base 16 would take a second 0x ("0x0x5"). */
static bool parse_int(const char *s, int lo, int hi, int *out)
{
    bool hex = s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
    const char *digits = hex ? s + 2 : s;
    if (!*digits)
        return false;
    for (const char *d = digits; *d; d++)
        if (!(hex ? isxdigit((unsigned char)*d) : isdigit((unsigned char)*d)))
            return false;
    char *end;
    errno = 0;
    long v = strtol(digits, &end, hex ? 16 : 10);
    if (errno || *end || v < lo || v > hi)
        return false;
    *out = (int)v;
    return true;
}

const char *gif_opt_parse(const struct ifnet *ifp, struct gif_opts *o, const char *word, const char *val)
{
    if (!strcmp(word, "hlim"))
        return val && parse_int(val, 1, 255, &o->hlim) ? NULL : "hlim N (1-255)";
    if (!strcmp(word, "tclass")) {
        if (val && !strcmp(val, "inherit")) {
            o->tclass = GIF_TCLASS_INHERIT;
            return NULL;
        }
        return val && parse_int(val, 0, 255, &o->tclass) ? NULL : "tclass inherit|N (0-255)";
    }
    if (!val || (strcmp(val, "on") && strcmp(val, "off")))
        return "pmtud on|off";
    if (!((const struct gif_softc *)ifp->drv)->v4)
        return "pmtud: IPv4 outer only (over IPv6 the path MTU is always followed)";
    o->pmtud = !strcmp(val, "on");
    return NULL;
}

void gif_opts_apply(struct ifnet *ifp, const struct gif_opts *o)
{
    struct gif_softc *sc = ifp->drv;
    if (o->hlim >= 0)
        sc->hlim = (uint8_t)o->hlim;
    if (o->tclass >= 0)
        sc->tclass = o->tclass;
    if (o->pmtud >= 0) {
        sc->pmtud = o->pmtud == 1;
        if (!sc->pmtud)
            sc->pmtu4 = 0;
        gif_mtu_refresh(sc);
    }
}

/* --- ICMP errors from the outer path --- */

enum outer_err { OE_UNREACH, OE_PMTU, OE_IGNORE };

/* What the error said about one outer packet: its quote from the outer
 * header on, where the inner header starts in it. */
struct outer_quote {
    struct in6_addr src, dst;        /* IPv4-mapped for an IPv4 outer */
    uint32_t outer_len;              /* as the quoted header states */
    enum wire_reason walk;           /* of the outer header chain */
    uint8_t proto;                   /* 41, 4, ... (valid if walk == WR_OK) */
    const uint8_t *in;
    size_t in_len;
};

static struct gif_softc *gif_by_ends(struct six_stack *st, const struct in6_addr *local, const struct in6_addr *remote)
{
    for (unsigned i = 0; i < SIX_MAX_IFS; i++) {
        struct ifnet *ifp = st->ifs[i];
        if (!gif_is(ifp))
            continue;
        struct gif_softc *sc = ifp->drv;
        if (in6_eq(&sc->local, local) && in6_eq(&sc->remote, remote))
            return sc;
    }
    return NULL;
}

/* Is the inner packet (its quote q, qlen bytes) one that gets no error?
 * Counts why. */
static bool inner6_no_error(struct six_stack *st, const struct ip6_info *ip, const uint8_t *q, size_t qlen,
                            enum outer_err kind)
{
    if (in6_is_unspecified(&ip->src) || in6_is_multicast(&ip->src) || in6_is_loopback(&ip->src) ||
        in6_is_v4mapped(&ip->src) || (in6_is_multicast(&ip->dst) && kind != OE_PMTU)) {
        CTR_INC(st, gif, icmp_suppressed);
        return true;
    }
    size_t off;
    uint8_t upper;
    struct icmp6_info ic;
    enum wire_reason r = ip6_quoted_skip_ext(q, qlen, ip->nxt, GIF_QUOTE_MAX_EXT, &off, &upper);
    if (r != WR_OK || upper != IP6_NXT_ICMPV6)
        return false;   /* a fragment or a long chain: not an ICMPv6 error we can see */
    if (icmp6_parse_quoted(q + off, qlen - off, &ic) != WR_OK) {
        CTR_INC(st, gif, icmp_quote_short);   /* could be an error: do not answer */
        return true;
    }
    if (icmp6_is_error(ic.type) || ic.type == ND_REDIRECT) {
        CTR_INC(st, gif, icmp_inner_error);
        return true;
    }
    return false;
}

/* A quoted inner header that does not parse: too short to tell, or not one. */
static void count_quote_refusal(struct six_stack *st, enum wire_reason r)
{
    if (r == WR_TRUNCATED)
        CTR_INC(st, gif, icmp_quote_short);
    else
        CTR_INC(st, gif, icmp_quote_bad);
}

static void relay6(struct gif_softc *sc, enum outer_err kind, const uint8_t *q, size_t qlen)
{
    struct six_stack *st = sc->ifp->st;
    struct ip6_info ip;
    enum wire_reason r = ip6_parse_quoted(q, qlen, &ip);

    if (r != WR_OK) {
        count_quote_refusal(st, r);
        return;
    }
    uint8_t type = ICMP6_DST_UNREACH, code = ICMP6_DST_UNREACH_ADDR;
    uint32_t param = 0;
    if (kind == OE_PMTU) {
        if ((uint32_t)ip.plen + IP6_HLEN <= sc->ifp->mtu) {
            CTR_INC(st, gif, icmp_pmtu_fits);   /* the source's next packet fits: nothing to say */
            return;
        }
        type = ICMP6_PACKET_TOO_BIG, code = 0, param = sc->ifp->mtu;
    }
    if (inner6_no_error(st, &ip, q, qlen, kind))
        return;
    if (!icmp6_ratelimit_ok(st)) {
        CTR_INC(st, icmp6, err_ratelimited);
        CTR_INC(st, gif, icmp_ratelimited);
        return;
    }
    struct ip6_out o = { .dst = ip.src, .nxt = IP6_NXT_ICMPV6, .hlim = -1 };
    CTR_INC(st, icmp6, out_errors);
    if (icmp6_send(st, &o, type, code, param, q, qlen < ICMP6_ERR_MAX_QUOTE ? qlen : ICMP6_ERR_MAX_QUOTE) == 0)
        CTR_INC(st, gif, icmp_relayed);
}

static void relay4(struct gif_softc *sc, enum outer_err kind, const uint8_t *q, size_t qlen)
{
    struct six_stack *st = sc->ifp->st;
    struct ip4_info ih;
    enum wire_reason r = ip4_parse_quoted(q, qlen, &ih);

    if (r != WR_OK) {
        count_quote_refusal(st, r);
        return;
    }
    uint8_t code = ICMP4_UNREACH_HOST;
    uint32_t data32 = 0;
    if (kind == OE_PMTU) {
        if (ih.tot_len <= sc->ifp->mtu || !ih.df) {
            CTR_INC(st, gif, icmp_pmtu_fits);   /* fits, or the entry point may fragment it */
            return;
        }
        code = ICMP4_UNREACH_NEEDFRAG, data32 = sc->ifp->mtu & 0xffff;
    }
    struct icmp4_info ic;
    if (ih.proto == IP4_PROTO_ICMP && qlen > ih.hl &&
        icmp4_parse_quoted(q + ih.hl, qlen - ih.hl, &ic) == WR_OK && icmp4_is_error(ic.type)) {
        CTR_INC(st, gif, icmp_inner_error);
        return;
    }
    int rc = icmp4_error_quote(st, &ih, q, qlen, ICMP4_UNREACH, code, data32);
    if (rc == 0)
        CTR_INC(st, gif, icmp_relayed);
    else if (rc == -EAGAIN)
        CTR_INC(st, gif, icmp_ratelimited);
    else
        CTR_INC(st, gif, icmp_suppressed);
}

/* One error about one outer packet, whoever's it is. */
static void outer_error(struct six_stack *st, enum outer_err kind, uint32_t mtu, const struct outer_quote *oq)
{
    struct gif_softc *sc = gif_by_ends(st, &oq->src, &oq->dst);
    if (!sc)
        return;   /* not a tunnel's packet */
    CTR_INC(st, gif, icmp_in);
    if (kind == OE_PMTU)
        pmtu_note(sc, mtu, oq->outer_len);
    if (kind == OE_IGNORE) {
        CTR_INC(st, gif, icmp_ignored);
        return;
    }
    if (oq->walk == WR_TRUNCATED) {
        CTR_INC(st, gif, icmp_quote_short);
        return;
    }
    if (oq->walk == WR_FRAGMENTED) {
        CTR_INC(st, gif, icmp_quote_frag);   /* a later fragment of the outer packet: no inner header */
        return;
    }
    if (oq->walk != WR_OK || (oq->proto != IPPROTO_IPV6 && oq->proto != IPPROTO_IPIP)) {
        CTR_INC(st, gif, icmp_ignored);       /* ESP of a bound SA, or a chain too long: path MTU only */
        return;
    }
    if (oq->proto == IPPROTO_IPV6)
        relay6(sc, kind, oq->in, oq->in_len);
    else
        relay4(sc, kind, oq->in, oq->in_len);
}

void gif_icmp6_input(struct six_stack *st, const struct icmp6_info *ic)
{
    struct ip6_info oh;
    struct outer_quote oq = { .walk = WR_OK };
    size_t off = 0;

    if (ip6_parse_quoted(ic->body, ic->body_len, &oh) != WR_OK)
        return;
    oq.src = oh.src;
    oq.dst = oh.dst;
    oq.outer_len = (uint32_t)oh.plen + IP6_HLEN;
    oq.walk = ip6_quoted_skip_ext(ic->body, ic->body_len, oh.nxt, GIF_QUOTE_MAX_EXT, &off, &oq.proto);
    oq.in = ic->body + off;
    oq.in_len = ic->body_len - off;
    enum outer_err kind = ic->type == ICMP6_PACKET_TOO_BIG ? OE_PMTU
                        : ic->type == ICMP6_DST_UNREACH || ic->type == ICMP6_TIME_EXCEEDED ||
                          ic->type == ICMP6_PARAM_PROB ? OE_UNREACH : OE_IGNORE;
    outer_error(st, kind, ic->data32, &oq);
}

void gif_icmp4_input(struct six_stack *st, const struct icmp4_info *ic)
{
    struct ip4_info oh;
    struct outer_quote oq = { .walk = WR_OK };
    static const struct in6_addr mapped = { .s6_addr = { [10] = 0xff, [11] = 0xff } };

    if (ip4_parse_quoted(ic->body, ic->body_len, &oh) != WR_OK)
        return;
    oq.src = oq.dst = mapped;
    memcpy(&oq.src.s6_addr[12], &oh.src, 4);
    memcpy(&oq.dst.s6_addr[12], &oh.dst, 4);
    oq.outer_len = oh.tot_len;
    oq.proto = oh.proto;
    oq.in = ic->body + oh.hl;
    oq.in_len = ic->body_len - oh.hl;
    if (oh.frag_off)
        oq.walk = WR_FRAGMENTED;
    enum outer_err kind = ic->type == ICMP4_UNREACH && ic->code == ICMP4_UNREACH_NEEDFRAG ? OE_PMTU
                        : ic->type == ICMP4_UNREACH || ic->type == ICMP4_TIME_EXCEEDED ||
                          ic->type == ICMP4_PARAM_PROB ? OE_UNREACH : OE_IGNORE;
    outer_error(st, kind, ic->data32 & 0xffff, &oq);
}
