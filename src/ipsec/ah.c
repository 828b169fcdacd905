/* AH (RFC 4302) in the packet paths: transport and tunnel mode output,
 * input with anti-replay and the ICV check, for IPv6 and IPv4.
 *
 * The ICV covers the IP header with its mutable fields as zeros, the
 * extension headers before AH (mutable option data as zeros), AH with its
 * ICV field zeroed, and everything after AH (§3.3.3).  Nothing is zeroed in
 * the packet itself: the bytes up to the end of AH are copied into the
 * per-stack scratch buffer (ipsec_state.ah_scratch, 64 KiB + 64 bytes so
 * that any header chain a packet can carry fits; allocated once with the
 * IPsec state, never per packet) and normalized there by
 * ah_normalize_ip4 / ah_normalize_ip6 (wire/ah.c, RFC 4302 App. A).  The
 * payload behind AH is immutable and is hashed in place as the second part
 * of the HMAC input: the same byte string as a normalized copy of the whole
 * packet, without copying up to 64 KiB per packet.
 *
 * Tunnel mode output: AH covers the OUTER header, and ip6_output /
 * ip4_output build it (route, source, loopback, fragmentation, and for
 * IPv4 the identification, an immutable field chosen there).  So the ICV
 * can only be computed once that header exists: ah_output_tunnel() prepends
 * AH with a zero ICV field to the inner packet and calls the output path
 * with IP6_OUT_IPSEC_AH / IP4_OUT_IPSEC_AH, and the output path calls
 * ipsec_ah_finish() right after pushing the header, before any
 * fragmentation.  Building the outer header here instead would mean
 * re-implementing route lookup, loopback, fragmentation and IPv4 ID
 * allocation of both output paths; predicting the header the output path
 * will build would break silently the day it changes.
 *
 * Counters: wire rejections of AH as "ah.drop.<reason>"; the rest under
 * "ipsec." like ESP (drop_unknown_spi, drop_replay, drop_icv, ...), with
 * in_packets / out_packets counting AH too and ah_in_packets /
 * ah_out_packets AH alone. */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include "ipsec/ipsec_priv.h"
#include "ipsec/ipsec_log.h"
#include "net/stack.h"
#include "net/ip6_var.h"
#include "net/ip4_var.h"
#include "core/pkt.h"
#include "wire/ah.h"
#include "wire/bytes.h"
#include "wire/cksum.h"
#include "wire/ip6.h"
#include "wire/ip6edit.h"
#include "wire/ip4.h"

/* 12 bytes + ICV, padded to 8 bytes for IPv6 and 4 for IPv4 (§2.6). */
static size_t hdr_len(size_t icvlen, bool v4)
{
    size_t align = v4 ? 4 : 8;
    return (AH_HLEN + icvlen + align - 1) / align * align;
}

size_t ah_overhead(const struct ipsec_sa *sa, bool v4)
{
    return hdr_len(sa ? ipsec_xform_icvlen(&sa->x) : IPSEC_XFORM_MAX_ICV, v4);
}

static int af_of(bool v4)
{
    return v4 ? AF_INET : AF_INET6;
}

static void map4(struct in_addr a, struct in6_addr *out)
{
    memset(out, 0, sizeof *out);
    out->s6_addr[10] = out->s6_addr[11] = 0xff;
    memcpy(&out->s6_addr[12], &a, 4);
}

/* The packet's addresses (IPv4 mapped); src may be NULL. */
static bool packet_addrs(const struct pkt *p, bool v4, struct in6_addr *src, struct in6_addr *dst)
{
    const uint8_t *d = pkt_data(p);
    if (v4) {
        struct ip4_info ih;
        if (ip4_parse(d, p->len, &ih) != WR_OK)
            return false;
        map4(ih.dst, dst);
        if (src)
            map4(ih.src, src);
        return true;
    }
    struct ip6_info ip;
    if (ip6_parse(d, p->len, &ip) != WR_OK)
        return false;
    *dst = ip.dst;
    if (src)
        *src = ip.src;
    return true;
}

/* The HMAC input for the packet whose AH (ah_len bytes) is at ah_off: the
 * bytes up to the end of AH copied to the scratch and normalized, then the
 * rest of the packet in place.  WR_OK or why the headers cannot be
 * normalized (NO_AH when the normalizer's walk did not end where the
 * packet path's did). */
static enum wire_reason icv_parts(struct ipsec_state *is, const struct pkt *p, bool v4, bool outbound,
                                  size_t ah_off, size_t ah_len, struct iovec parts[2])
{
    size_t n = ah_off + ah_len, found = 0;
    struct ah_info ah;
    if (n > p->len || n > sizeof is->ah_scratch)
        return WR_TRUNCATED;
    memcpy(is->ah_scratch, pkt_data(p), n);
    enum wire_reason r = v4 ? ah_normalize_ip4(is->ah_scratch, n, outbound, &found, &ah)
                            : ah_normalize_ip6(is->ah_scratch, n, &found, &ah);
    if (r == WR_OK && (found != ah_off || ah.len != ah_len))
        r = WR_NO_AH;
    parts[0] = (struct iovec){ .iov_base = is->ah_scratch, .iov_len = n };
    parts[1] = (struct iovec){ .iov_base = pkt_data(p) + n, .iov_len = p->len - n };
    return r;
}

/* ---- output */

static enum ipsec_out drop_out(struct pkt *p, int err, int *rc)
{
    pkt_free(p);
    *rc = err;
    return IPSEC_OUT_DONE;
}

static bool next_seq(struct six_stack *st, struct ipsec_sa *sa, uint64_t *seq)
{
    return ipsec_seq_next(st, sa, seq);
}

/* p is complete, AH at ah_off with a zero ICV field: compute the ICV and
 * write it into the header.  Failures are counted. */
static bool sign(struct six_stack *st, struct ipsec_sa *sa, struct pkt *p, bool v4, size_t ah_off, uint64_t seq)
{
    struct iovec parts[2];
    enum wire_reason r = icv_parts(st->ipsec, p, v4, true, ah_off, ah_overhead(sa, v4), parts);
    if (r != WR_OK) {
        WIRE_DROP(st, ah, r);   /* headers before AH we cannot normalize (never ours) */
        return false;
    }
    if (ipsec_xform_ah_icv(&sa->x, parts, 2, seq, sa->esn, pkt_data(p) + ah_off + AH_HLEN)) {
        CTR_INC(st, ipsec, drop_crypto);
        return false;
    }
    CTR_INC(st, ipsec, out_packets);
    CTR_INC(st, ipsec, ah_out_packets);
    return true;
}

/* After AH went in behind the IP header: protocol, length, IPv4 checksum. */
static void set_ip_header(struct pkt *p, bool v4, size_t nxt_field, struct ip4_info *ih)
{
    uint8_t *d = pkt_data(p);
    if (v4) {
        ih->proto = IPSEC_PROTO_AH;
        ih->tot_len = (uint16_t)p->len;
        ip4_emit(d, IP4_HLEN, ih);
        return;
    }
    ip6_hdr_set_nxt_at(d, nxt_field, IPSEC_PROTO_AH);
    ip6_hdr_set_plen(d, (uint16_t)(p->len - IP6_HLEN));
}

/* Can AH (hl bytes) go in behind the IP header?  Counted when not. */
static int transport_fits(struct six_stack *st, const struct pkt *p, bool v4, size_t hl, struct ip4_info *ih)
{
    if (pkt_headroom(p) < hl) {
        CTR_INC(st, ipsec, drop_no_buffer);
        return -ENOBUFS;
    }
    if (p->len + hl - (v4 ? 0 : IP6_HLEN) > 0xffff) {
        CTR_INC(st, ipsec, drop_no_buffer);
        return -EMSGSIZE;
    }
    if (v4 && (ip4_parse(pkt_data(p), p->len, ih) != WR_OK || ih->hl != IP4_HLEN)) {
        CTR_INC(st, ipsec, drop_bad_nxt);   /* IPv4 options: we send none with IPsec (as for ESP) */
        return -EINVAL;
    }
    return 0;
}

enum ipsec_out ah_output_transport(struct six_stack *st, struct pkt *p, struct ipsec_sa *sa, bool v4,
                                   size_t off, size_t nxt_field, uint8_t proto, int *rc)
{
    size_t hl = ah_overhead(sa, v4);
    struct ip4_info ih;
    uint64_t seq;
    int err = transport_fits(st, p, v4, hl, &ih);
    if (err)
        return drop_out(p, err, rc);
    if (!ipsec_sa_account(st, sa, p->len - off))
        return drop_out(p, -EHOSTUNREACH, rc);   /* hard lifetime reached: the SA is gone */
    if (!next_seq(st, sa, &seq))
        return drop_out(p, -EIO, rc);
    uint8_t *old = pkt_data(p), *d = pkt_push(p, hl);
    memmove(d, old, off);   /* the IP headers move forward; AH goes between them and the payload */
    ah_emit(d + off, hl, af_of(v4), proto, sa->spi, (uint32_t)seq, ipsec_xform_icvlen(&sa->x));
    set_ip_header(p, v4, nxt_field, &ih);
    if (!sign(st, sa, p, v4, off, seq))
        return drop_out(p, -EIO, rc);
    return IPSEC_OUT_PASS;
}

enum ipsec_out ah_output_tunnel(struct six_stack *st, struct pkt *p, struct ipsec_sa *sa, bool v4, int *rc)
{
    size_t hl = ah_overhead(sa, sa->v4);
    uint64_t seq;
    if (pkt_headroom(p) < hl) {
        CTR_INC(st, ipsec, drop_no_buffer);
        return drop_out(p, -ENOBUFS, rc);
    }
    if (!ipsec_sa_account(st, sa, p->len))
        return drop_out(p, -EHOSTUNREACH, rc);
    if (!next_seq(st, sa, &seq))
        return drop_out(p, -EIO, rc);
    uint8_t *d = pkt_push(p, hl);
    ah_emit(d, hl, af_of(sa->v4), v4 ? IPPROTO_IPIP : IPPROTO_IPV6, sa->spi, (uint32_t)seq,
            ipsec_xform_icvlen(&sa->x));
    /* the ICV is computed by ipsec_ah_finish() once the outer header exists */
    if (sa->v4) {
        struct ip4_out o = { .proto = IPSEC_PROTO_AH, .ttl = -1,
                             .flags = IP4_OUT_IPSEC_DONE | IP4_OUT_IPSEC_AH };
        memcpy(&o.src, &sa->src.s6_addr[12], 4);
        memcpy(&o.dst, &sa->dst.s6_addr[12], 4);
        *rc = ip4_output(st, p, &o);
    } else {
        struct ip6_out o = { .src = sa->src, .dst = sa->dst, .nxt = IPSEC_PROTO_AH, .hlim = -1,
                             .flags = IP6_OUT_IPSEC_DONE | IP6_OUT_IPSEC_AH };
        *rc = ip6_output(st, p, &o);
    }
    return IPSEC_OUT_DONE;
}

/* Called by the output path with the outer header in place.  The SA is
 * found again by (destination, SPI) from the packet; the sequence number
 * ah_output_tunnel() just took is the SA's last one (nothing else is sent
 * in between), and its high half is what ESN adds to the ICV. */
int ipsec_ah_finish(struct six_stack *st, struct pkt *p, bool v4)
{
    size_t off = 0, nxt_field;
    uint8_t proto;
    struct ah_info ah = { 0 };
    struct in6_addr dst;
    struct ipsec_sa *sa = NULL;
    if (ipsec_locate_upper(p, v4, &off, &nxt_field, &proto) && proto == IPSEC_PROTO_AH &&
        ah_parse(pkt_data(p) + off, p->len - off, af_of(v4), &ah) == WR_OK && packet_addrs(p, v4, NULL, &dst))
        sa = ipsec_sa_find(st, IPSEC_PROTO_AH, &dst, ah.spi);
    if (!sa || (uint32_t)sa->tx.last != ah.seq) {
        CTR_INC(st, ipsec, drop_no_sa);
        pkt_free(p);
        return -EHOSTUNREACH;
    }
    if (!sign(st, sa, p, v4, off, sa->tx.last)) {
        pkt_free(p);
        return -EIO;
    }
    return 0;
}

/* ---- input */

static int drop_in(struct pkt *p)
{
    pkt_free(p);
    return -1;
}

/* The ICV field must be the SA's ICV, padded for the family.  Linux pads
 * IPv4 AH to 8 bytes too unless told otherwise (XFRM_STATE_ALIGN4), so
 * IPv4 takes both paddings. */
static bool icv_field_ok(const struct ipsec_sa *sa, const struct ah_info *ah, bool v4)
{
    size_t icv = ipsec_xform_icvlen(&sa->x);
    return ah->len == hdr_len(icv, v4) || (v4 && ah->len == hdr_len(icv, false));
}

/* Parse AH at off and find its SA; NULL when dropped (counted). */
static struct ipsec_sa *sa_of(struct six_stack *st, const struct pkt *p, bool v4, size_t off, struct ah_info *ah)
{
    struct in6_addr dst;
    enum wire_reason wr = ah_parse(pkt_data(p) + off, p->len - off, af_of(v4), ah);
    if (wr != WR_OK) {
        WIRE_DROP(st, ah, wr);
        return NULL;
    }
    struct ipsec_sa *sa = packet_addrs(p, v4, NULL, &dst) ? ipsec_sa_find(st, IPSEC_PROTO_AH, &dst, ah->spi) : NULL;
    if (!sa || sa->state == IPSEC_SA_LARVAL) {
        CTR_INC(st, ipsec, drop_unknown_spi);
        return NULL;
    }
    if (p->ipsec_n >= PKT_IPSEC_MAX) {
        CTR_INC(st, ipsec, drop_nest);
        return NULL;
    }
    if (!icv_field_ok(sa, ah, v4)) {
        CTR_INC(st, ipsec, ah_drop_icv_len);
        sa->stats.drop_trunc++;
        return NULL;
    }
    return sa;
}

static bool count_replay(struct six_stack *st, struct ipsec_sa *sa, const struct pkt *p, bool v4, uint64_t seq)
{
    CTR_INC(st, ipsec, drop_replay);
    sa->stats.drop_replay++;
    ipsec_warn_drop(st, SIX_WARN_REPLAY, sa, p, v4, 0, seq);
    return false;
}

/* RFC 4302 §3.4.3-3.4.4: the replay check before the ICV, the window moved
 * only for an authentic packet. */
static bool authentic(struct six_stack *st, struct ipsec_sa *sa, const struct pkt *p, bool v4, size_t off,
                      const struct ah_info *ah)
{
    uint64_t seq;
    struct iovec parts[2];
    if (replay_check(&sa->replay, ah->seq, sa->esn, &seq) != REPLAY_OK)
        return count_replay(st, sa, p, v4, ah->seq);
    enum wire_reason r = icv_parts(st->ipsec, p, v4, false, off, ah->len, parts);
    if (r != WR_OK) {
        WIRE_DROP(st, ah, r);
        return false;
    }
    if (ipsec_xform_ah_verify(&sa->x, parts, 2, seq, sa->esn, ah->icv)) {   /* constant time */
        CTR_INC(st, ipsec, drop_icv);
        sa->stats.drop_icv++;
        ipsec_warn_drop(st, SIX_WARN_ICV, sa, p, v4, 0, seq);
        return false;
    }
    if (replay_update(&sa->replay, seq) != REPLAY_OK)
        return count_replay(st, sa, p, v4, seq);
    return true;
}

/* Transport mode: [IP headers (off)][AH][payload] becomes [IP headers][payload]. */
static int transport(struct pkt *p, bool v4, size_t off, size_t nxt_field, uint8_t nxt, size_t ah_len)
{
    uint8_t *d = pkt_data(p);
    memmove(d + ah_len, d, off);
    d = pkt_pull(p, ah_len);
    if (v4) {   /* patched in place: any options stay as they came */
        size_t hl = (size_t)(d[0] & 0x0f) * 4;
        d[9] = nxt;
        wr16(d + 2, (uint16_t)p->len);
        wr16(d + 10, 0);
        wr16(d + 10, cksum_fold(cksum_add(0, d, hl)));
    } else {
        ip6_hdr_set_nxt_at(d, nxt_field, nxt);
        ip6_hdr_set_plen(d, (uint16_t)(p->len - IP6_HLEN));
    }
    return nxt;
}

/* Tunnel mode: the inner packet re-enters input, marked as such. */
static int tunnel(struct ifnet *ifp, struct pkt *p, size_t inner_off, uint8_t nxt)
{
    pkt_pull(p, inner_off);
    p->flags |= PKT_F_IPSEC_TUNNEL;
    /* the inner header says its version; it must agree with AH's next header */
    unsigned version = p->len ? pkt_data(p)[0] >> 4 : 0;
    if (nxt == IPPROTO_IPV6 && version == 6) {
        ip6_input(ifp, p);
    } else if (nxt == IPPROTO_IPIP && version == 4) {
        ip4_input(ifp, p);
    } else {
        CTR_INC(ifp->st, ipsec, drop_bad_nxt);
        pkt_free(p);
    }
    return -1;
}

int ah_input(struct ifnet *ifp, struct pkt *p, bool v4, size_t off, size_t nxt_field)
{
    struct six_stack *st = ifp->st;
    struct ah_info ah;
    struct ipsec_sa *sa = sa_of(st, p, v4, off, &ah);
    uint64_t top_before = sa ? sa->replay.top : 0;
    if (!sa || !authentic(st, sa, p, v4, off, &ah))
        return drop_in(p);
    uint32_t id = sa->id;
    uint8_t mode = sa->mode, nxt = ah.nxt;
    bool inner_ip = nxt == IPPROTO_IPV6 || nxt == IPPROTO_IPIP;
    bool as_tunnel = mode == IPSEC_MODE_TUNNEL || (mode == IPSEC_MODE_ANY && inner_ip);
    struct in6_addr src, dst;
    if (!as_tunnel && (!packet_addrs(p, v4, &src, &dst) ||
                       !ipsec_transport_peer_ok(st, sa, p, &src, 0, sa->replay.top > top_before, nxt)))
        return drop_in(p);
    if (!ipsec_sa_account(st, sa, p->len - off - ah.len)) {   /* false: hard limit, sa is gone */
        CTR_INC(st, ipsec, drop_expired);
        return drop_in(p);
    }
    CTR_INC(st, ipsec, in_packets);
    CTR_INC(st, ipsec, ah_in_packets);
    p->ipsec_said[p->ipsec_n++] = id;
    if (as_tunnel) {
        if (!inner_ip) {
            CTR_INC(st, ipsec, drop_bad_nxt);
            return drop_in(p);
        }
        return tunnel(ifp, p, off + ah.len, nxt);
    }
    return transport(p, v4, off, nxt_field, nxt, ah.len);
}
