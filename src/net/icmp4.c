/* ICMP for IPv4 (RFC 792, RFC 1122 §3.2.2, RFC 1812 §4.3).
 *
 * Input: echo requests are answered in place (same payload, TTL 64, same
 * TOS); replies and errors quoting one of our echo requests go to ping.
 * Output of errors follows the "never" list of RFC 1122 §3.2.2 / RFC 1812
 * §4.3.2.7 (no error about an ICMP error, a broadcast or multicast, a
 * non-first fragment, or a source that names no single host) and a
 * token bucket (ICMP4_ERR_RATE/s, burst ICMP4_ERR_BURST) so that a flood
 * of bad packets cannot turn us into an amplifier. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "net/ip4_priv.h"
#include "net/ping.h"
#include "net/gif.h"
#include "wire/bytes.h"
#include "wire/icmp4.h"
#include "wire/ip4.h"
#include "transport/tcp.h"

/* --- errors we send --- */

static bool icmp4_ratelimit_ok(struct six_stack *st)
{
    struct net4 *n = st->net4;
    uint64_t now = six_now(st), per = NS_PER_SEC / ICMP4_ERR_RATE;

    if (n->icmp_tokens >= ICMP4_ERR_BURST || now < n->icmp_last) {
        n->icmp_last = now;
    } else {
        uint64_t add = (now - n->icmp_last) / per;
        if (add) {
            n->icmp_tokens = add >= ICMP4_ERR_BURST - n->icmp_tokens ? ICMP4_ERR_BURST
                                                                     : n->icmp_tokens + (uint32_t)add;
            n->icmp_last += add * per;   /* keep the fraction of a token already earned */
        }
    }
    if (!n->icmp_tokens)
        return false;
    n->icmp_tokens--;
    return true;
}

/* RFC 1122 §3.2.2 / RFC 1812 §4.3.2.7: when an error must not be sent,
 * from the header and the first len bytes of the datagram at d. */
static bool icmp4_err_forbidden_hdr(struct six_stack *st, const struct ip4_info *ih, const uint8_t *d, size_t len)
{
    if (ih->frag_off)
        return true;
    if (in4_is_multicast(ih->dst) || in4_is_bcast_any(st, ih->dst))
        return true;
    if (in4_is_any(ih->src) || in4_is_multicast(ih->src) || in4_is_bcast_any(st, ih->src))
        return true;
    if (ih->proto == IP4_PROTO_ICMP) {
        /* The type is the first payload byte; an ICMP too short to have
         * one is not worth an error either. */
        if (ih->tot_len <= ih->hl || len <= ih->hl)
            return true;
        uint8_t type = d[ih->hl];
        if (type != ICMP4_ECHO && type != ICMP4_ECHO_REPLY && type != 13 && type != 14)
            return true;   /* errors, and types we do not know (could be errors) */
    }
    return false;
}

static bool icmp4_err_forbidden(struct six_stack *st, const struct pkt *p, const struct ip4_info *ih)
{
    if (p->flags & (PKT_F_BCAST | PKT_F_MCAST))
        return true;
    return icmp4_err_forbidden_hdr(st, ih, pkt_data(p), p->len);
}

/* The error itself: type/code/data32, then as much of the datagram (q,
 * qlen bytes, header ih) as fits in 576 bytes (RFC 1812 §4.3.2.3). */
static void icmp4_send_quote(struct six_stack *st, const struct ip4_info *ih, const uint8_t *q, size_t qlen,
                             uint8_t type, uint8_t code, uint32_t data32)
{
    struct pkt *e;

    if (qlen > ICMP4_ERR_MAXLEN - IP4_HLEN - ICMP4_HLEN)
        qlen = ICMP4_ERR_MAXLEN - IP4_HLEN - ICMP4_HLEN;
    if (!(e = pkt_alloc(st->pool, ICMP4_HLEN + qlen))) {
        CTR_INC(st, ip4, drop_no_buffer);
        return;
    }
    uint8_t *m = pkt_put(e, ICMP4_HLEN + qlen);
    icmp4_emit_hdr(m, ICMP4_HLEN, type, code, data32);
    memcpy(m + ICMP4_HLEN, q, qlen);
    icmp4_set_cksum(m, ICMP4_HLEN + qlen);
    CTR_INC(st, icmp4, out_errors);
    CTR_INC(st, icmp4, out_msgs);
    /* From the address the datagram was sent to if it is ours; else the
     * outgoing interface's address (src 0: ip4_output selects). */
    struct ip4_out o = { .dst = ih->src, .proto = IP4_PROTO_ICMP, .ttl = -1 };
    if (in4_is_local(st, ih->dst))
        o.src = ih->dst;
    ip4_output(st, e, &o);
}

void icmp4_error(struct six_stack *st, struct pkt *p, uint8_t type, uint8_t code, uint32_t data32)
{
    struct ip4_info ih;

    if (ip4_parse(pkt_data(p), p->len, &ih) != WR_OK || icmp4_err_forbidden(st, p, &ih)) {
        CTR_INC(st, icmp4, err_suppressed);
    } else if (!icmp4_ratelimit_ok(st)) {
        CTR_INC(st, icmp4, err_ratelimited);
    } else {
        icmp4_send_quote(st, &ih, pkt_data(p), ih.tot_len, type, code, data32);
    }
    pkt_free(p);
}

int icmp4_error_quote(struct six_stack *st, const struct ip4_info *ih, const uint8_t *q, size_t qlen, uint8_t type,
                      uint8_t code, uint32_t data32)
{
    if (icmp4_err_forbidden_hdr(st, ih, q, qlen)) {
        CTR_INC(st, icmp4, err_suppressed);
        return -EPERM;
    }
    if (!icmp4_ratelimit_ok(st)) {
        CTR_INC(st, icmp4, err_ratelimited);
        return -EAGAIN;
    }
    icmp4_send_quote(st, ih, q, qlen, type, code, data32);
    return 0;
}

/* --- input --- */

static void icmp4_echo_input(struct ifnet *ifp, struct pkt *p, const struct ip4_info *ih,
                             const struct icmp4_info *ic)
{
    struct six_stack *st = ifp->st;
    size_t len = ih->tot_len - ih->hl;

    CTR_INC(st, icmp4, in_echo);
    /* Broadcast/multicast echo stays unanswered (smurf amplification; RFC
     * 1122 §3.2.2.6 makes answering optional; OpenBSD and Linux default). */
    if (in4_is_multicast(ih->dst) || in4_is_bcast_any(st, ih->dst) || (p->flags & (PKT_F_BCAST | PKT_F_MCAST))) {
        CTR_INC(st, icmp4, drop_bcast_echo);
        pkt_free(p);
        return;
    }
    /* Turn the request around in place: same identifier, sequence, data. */
    pkt_pull(p, ih->hl);
    icmp4_emit_hdr(pkt_data(p), len, ICMP4_ECHO_REPLY, 0, ic->data32);
    icmp4_set_cksum(pkt_data(p), len);
    p->flags = 0;
    CTR_INC(st, icmp4, out_echo_reply);
    CTR_INC(st, icmp4, out_msgs);
    ip4_output(st, p, &(struct ip4_out){ .src = ih->dst, .dst = ih->src, .proto = IP4_PROTO_ICMP,
                                         .ttl = -1, .tos = ih->tos });
}

static const char *icmp4_err_what(uint8_t type, uint8_t code, uint32_t data32, char *buf, size_t n)
{
    static const char *const unreach[] = { "net unreachable", "host unreachable", "protocol unreachable",
                                           "port unreachable", "fragmentation needed", "source route failed" };

    if (type == ICMP4_UNREACH && code == ICMP4_UNREACH_NEEDFRAG)
        snprintf(buf, n, "fragmentation needed (mtu %u)", (unsigned)(data32 & 0xffff));
    else if (type == ICMP4_UNREACH && code < sizeof unreach / sizeof unreach[0])
        snprintf(buf, n, "%s", unreach[code]);
    else if (type == ICMP4_UNREACH)
        snprintf(buf, n, "destination unreachable (code %u)", code);
    else if (type == ICMP4_TIME_EXCEEDED)
        snprintf(buf, n, code ? "fragment reassembly time exceeded" : "time to live exceeded");
    else if (type == ICMP4_PARAM_PROB)
        snprintf(buf, n, "parameter problem");
    else
        snprintf(buf, n, "icmp type %u code %u", type, code);
    return buf;
}

/* The quoted datagram is cut short by design, so it fails ip4_parse's
 * length checks: read just the fields we match on (version, header length,
 * protocol, source) and the echo header after it, all bounds-checked. */
static bool icmp4_quoted_echo(struct six_stack *st, const uint8_t *q, size_t qlen, uint16_t *id, uint16_t *seq)
{
    struct in_addr qsrc;
    size_t qhl;

    if (qlen < IP4_HLEN || (q[0] >> 4) != 4)
        return false;
    qhl = (size_t)(q[0] & 0x0f) * 4;
    if (qhl < IP4_HLEN || qlen < qhl + ICMP4_HLEN || q[9] != IP4_PROTO_ICMP)
        return false;
    memcpy(&qsrc.s_addr, q + 12, 4);
    if (!in4_is_local(st, qsrc) || q[qhl] != ICMP4_ECHO || (rd16(q + 6) & 0x1fff))
        return false;
    *id = rd16(q + qhl + 4);
    *seq = rd16(q + qhl + 6);
    return true;
}

/* RFC 1122 §4.2.3.9 (and RFC 1812 §5.2.7.1 for the administrative
 * codes): protocol and port unreachable and "prohibited" are hard errors,
 * the rest soft (RFC 5461). */
static int tcp_errno4(const struct icmp4_info *ic, bool *hard)
{
    *hard = false;
    if (ic->type != ICMP4_UNREACH)
        return EHOSTUNREACH;
    switch (ic->code) {
    case ICMP4_UNREACH_NET: return ENETUNREACH;
    case ICMP4_UNREACH_PROTO: case ICMP4_UNREACH_PORT: *hard = true; return ECONNREFUSED;
    case ICMP4_UNREACH_NET_PROHIB: case ICMP4_UNREACH_HOST_PROHIB: case ICMP4_UNREACH_FILTER_PROHIB:
        *hard = true;
        return EHOSTUNREACH;
    default: return EHOSTUNREACH;
    }
}

/* An error about one of our TCP segments (RFC 792 quotes its first 8
 * bytes: enough for the ports and the sequence number). Source quench
 * (RFC 6633) and redirects are nothing to TCP. */
static void icmp4_tcp_error(struct six_stack *st, const struct icmp4_info *ic)
{
    struct ip4_info q;
    struct in6_addr src = { .s6_addr = { [10] = 0xff, [11] = 0xff } }, dst = src;
    bool hard;

    if (ic->type != ICMP4_UNREACH && ic->type != ICMP4_TIME_EXCEEDED && ic->type != ICMP4_PARAM_PROB)
        return;
    if (ip4_parse_quoted(ic->body, ic->body_len, &q) != WR_OK || q.proto != IP4_PROTO_TCP || q.frag_off)
        return;
    memcpy(&src.s6_addr[12], &q.src, 4);
    memcpy(&dst.s6_addr[12], &q.dst, 4);
    struct tcpcb *tp = tcp_icmp_lookup(st, &src, &dst, ic->body + q.hl, ic->body_len - q.hl);
    if (!tp)
        return;
    if (ic->type == ICMP4_UNREACH && ic->code == ICMP4_UNREACH_NEEDFRAG) {
        tcp_mtu_reduced(tp, ic->data32 & 0xffff);   /* RFC 1191 §4: next-hop MTU in the low 16 bits */
        return;
    }
    int err = tcp_errno4(ic, &hard);
    tcp_icmp_error(tp, hard, err);
}

static void icmp4_err_input(struct six_stack *st, const struct icmp4_info *ic)
{
    uint16_t id, seq;
    char what[64];

    if (ic->type == ICMP4_UNREACH) {
        CTR_INC(st, icmp4, in_unreach);
        if (ic->code == ICMP4_UNREACH_NEEDFRAG)
            CTR_INC(st, icmp4, in_needfrag);
    } else if (ic->type == ICMP4_TIME_EXCEEDED) {
        CTR_INC(st, icmp4, in_time_exceeded);
    }
    if (icmp4_quoted_echo(st, ic->body, ic->body_len, &id, &seq))
        ping_error_input(st, AF_INET, id, seq, icmp4_err_what(ic->type, ic->code, ic->data32, what, sizeof what));
    gif_icmp4_input(st, ic);   /* about a tunnel's outer packet? */
    icmp4_tcp_error(st, ic);   /* last: it may free a connection */
}

void icmp4_input(struct ifnet *ifp, struct pkt *p, const struct ip4_info *ih)
{
    struct six_stack *st = ifp->st;
    struct icmp4_info ic;
    enum wire_reason r = icmp4_parse(pkt_data(p) + ih->hl, ih->tot_len - ih->hl, &ic);

    if (r != WR_OK) {
        WIRE_DROP(st, icmp4, r);
        pkt_free(p);
        return;
    }
    CTR_INC(st, icmp4, in_msgs);
    switch (ic.type) {
    case ICMP4_ECHO:
        icmp4_echo_input(ifp, p, ih, &ic);
        return;
    case ICMP4_ECHO_REPLY:
        CTR_INC(st, icmp4, in_echo_reply);
        ping_reply_input(st, AF_INET, (uint16_t)(ic.data32 >> 16), (uint16_t)ic.data32, ih->ttl, ic.body_len);
        break;
    default:
        if (icmp4_is_error(ic.type))
            icmp4_err_input(st, &ic);
        else
            CTR_INC(st, icmp4, in_unknown_type);
    }
    pkt_free(p);
}

/* --- echo requests for ping --- */

int icmp4_echo_send(struct six_stack *st, struct in_addr dst, uint16_t id, uint16_t seq,
                    const uint8_t *data, size_t len, int ttl)
{
    return icmp4_echo_send_from(st, (struct in_addr){ 0 }, dst, id, seq, data, len, ttl);
}

int icmp4_echo_send_from(struct six_stack *st, struct in_addr src, struct in_addr dst, uint16_t id, uint16_t seq,
                         const uint8_t *data, size_t len, int ttl)
{
    struct pkt *p;
    uint8_t *m;

    if (len > IP4_MAXPACKET - IP4_HLEN - ICMP4_HLEN)
        return -EMSGSIZE;
    if (!(p = pkt_alloc(st->pool, ICMP4_HLEN + len))) {
        CTR_INC(st, ip4, drop_no_buffer);
        return -ENOBUFS;
    }
    m = pkt_put(p, ICMP4_HLEN + len);
    icmp4_emit_hdr(m, ICMP4_HLEN, ICMP4_ECHO, 0, (uint32_t)id << 16 | seq);
    if (data)
        memcpy(m + ICMP4_HLEN, data, len);
    else
        for (size_t i = 0; i < len; i++)
            m[ICMP4_HLEN + i] = (uint8_t)i;   /* a recognisable pattern, like ping(8) */
    icmp4_set_cksum(m, ICMP4_HLEN + len);
    CTR_INC(st, icmp4, out_msgs);
    return ip4_output(st, p, &(struct ip4_out){ .src = src, .dst = dst, .proto = IP4_PROTO_ICMP, .ttl = ttl });
}
