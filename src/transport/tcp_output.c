/* TCP output: segments from the send buffer within the peer's window and the
 * congestion window, Nagle, delayed ACKs, and the timers (retransmission per
 * RFC 6298 with exponential backoff, persist for zero windows, 2MSL). */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include "transport/tcp.h"
#include "transport/sock.h"
#include "net/stack.h"
#include "net/ip6_var.h"
#include "net/ip4_var.h"
#include "ipsec/ipsec.h"
#include "wire/tcp.h"
#include "wire/cksum.h"
#include "wire/ip4.h"
#include "wire/ip6ext.h"

static void rexmt_timeout(struct timer *t, void *arg);
static void delack_timeout(struct timer *t, void *arg);
static void persist_timeout(struct timer *t, void *arg);
static void msl_timeout(struct timer *t, void *arg);
static void keep_timeout(struct timer *t, void *arg);
static int send_segment(struct tcpcb *tp, uint32_t seq, uint32_t seg_len, uint8_t flags);

void tcp_timers_init(struct tcpcb *tp)
{
    timer_init(&tp->t_rexmt, rexmt_timeout, tp);
    timer_init(&tp->t_delack, delack_timeout, tp);
    timer_init(&tp->t_persist, persist_timeout, tp);
    timer_init(&tp->t_2msl, msl_timeout, tp);
    timer_init(&tp->t_keep, keep_timeout, tp);
}

static unsigned keep_param(int v, unsigned def)
{
    return v > 0 ? (unsigned)v : def;
}

/* Keepalive (RFC 1122 §4.2.3.6): after keep_idle seconds without anything
 * from the peer, probe every keep_intvl seconds; keep_cnt unanswered probes
 * drop the connection. */
void tcp_keepalive_update(struct tcpcb *tp)
{
    struct sock *so = tp->so;

    if (!so || !so->keepalive || (tp->state != TCPS_ESTABLISHED && tp->state != TCPS_CLOSE_WAIT)) {
        timer_cancel(&tp->t_keep);
        return;
    }
    tp->keep_probes = 0;
    timer_arm(tp->st->tw, &tp->t_keep, (uint64_t)keep_param(so->keep_idle, TCP_KEEPIDLE_S) * NS_PER_SEC);
}

static void keep_timeout(struct timer *t, void *arg)
{
    struct tcpcb *tp = arg;
    struct sock *so = tp->so;

    if (!so || !so->keepalive)
        return;
    if (tp->keep_probes >= keep_param(so->keep_cnt, TCP_KEEPCNT_DEF)) {
        CTR_INC(tp->st, tcp, keepalive_drop);
        tcp_drop(tp, tcp_timeout_errno(tp));   /* RFC 5461: say why, if ICMP told us */
        return;
    }
    /* a segment the peer must answer: SEG.SEQ = SND.UNA − 1 (RFC 9293 §3.8.4) */
    CTR_INC(tp->st, tcp, keepalive_probe);
    tp->keep_probes++;
    send_segment(tp, tp->snd_una - 1, 0, TCP_ACK);
    timer_arm(tp->st->tw, t, (uint64_t)keep_param(so->keep_intvl, TCP_KEEPINTVL_S) * NS_PER_SEC);
}

/* Free receive space. Out-of-order data is not subtracted: the advertised
 * right edge must never move left (RFC 9293 §3.8.6.2.2), and a window that
 * shrank on every duplicate ACK would hide them from fast retransmit. The
 * out-of-order queue is bounded by the same space (ooo_insert). */
uint32_t tcp_rcv_space(const struct tcpcb *tp)
{
    return tp->rb_len >= tp->rb_size ? 0 : tp->rb_size - tp->rb_len;
}

/* Send one segment; seg_len bytes of the send buffer from snd seq. */
static int send_segment(struct tcpcb *tp, uint32_t seq, uint32_t seg_len, uint8_t flags)
{
    struct six_stack *st = tp->st;
    struct tcp_seg t = { .sport = tp->lport, .dport = tp->fport, .seq = seq, .flags = flags };
    uint32_t space = tcp_rcv_space(tp);

    if (flags & TCP_ACK)
        t.ack = tp->last_ack_sent = tp->rcv_nxt;
    if (flags & TCP_SYN) {
        t.opts.has_mss = true;
        t.opts.mss = tcp_local_mss(tp);
        if (tp->state == TCPS_SYN_SENT || tp->ws_ok) {
            t.opts.has_ws = true;
            t.opts.ws = tp->rcv_wscale;
        }
        t.opts.sack_ok = tp->state == TCPS_SYN_SENT || tp->sack_ok;
        t.opts.has_ts = tp->state == TCPS_SYN_SENT || tp->ts_ok;
        t.win = (uint16_t)(space > 65535 ? 65535 : space);   /* never scaled in a SYN (RFC 7323 §2.2) */
    } else {
        /* receiver silly window avoidance (RFC 9293 §3.8.6.2.2): offer nothing until a
         * segment or half the buffer is free, but never take back what was offered */
        uint32_t thresh = tp->rb_size / 2 < tp->mss ? tp->rb_size / 2 : tp->mss;
        if (space < thresh)
            space = 0;
        if (seq_gt(tp->rcv_adv, tp->rcv_nxt) && space < tp->rcv_adv - tp->rcv_nxt)
            space = tp->rcv_adv - tp->rcv_nxt;
        uint32_t w = space >> (tp->ws_ok ? tp->rcv_wscale : 0);
        t.win = (uint16_t)(w > 65535 ? 65535 : w);
        if (seq_gt(tp->rcv_nxt + ((uint32_t)t.win << (tp->ws_ok ? tp->rcv_wscale : 0)), tp->rcv_adv))
            tp->rcv_adv = tp->rcv_nxt + ((uint32_t)t.win << (tp->ws_ok ? tp->rcv_wscale : 0));
        t.opts.has_ts = tp->ts_ok;
    }
    if (t.opts.has_ts) {
        t.opts.tsval = (uint32_t)(six_now(st) / NS_PER_MS);
        t.opts.tsecr = tp->ts_recent;
    }
    if (tp->sack_ok && tp->ooo.n && !(flags & TCP_SYN)) {
        /* RFC 2018: the block holding the latest segment first, then the others */
        uint8_t n = 0;
        for (struct pkt *p = tp->ooo.head; p && n < 3; p = p->next) {
            uint32_t l = p->cb[0], r = p->cb[0] + p->len;
            if (n && t.opts.sack[n - 1].right == l)
                t.opts.sack[n - 1].right = r;
            else {
                t.opts.sack[n].left = l;
                t.opts.sack[n++].right = r;
            }
        }
        t.opts.n_sack = n;
    }
    size_t hl = tcp_hdr_len(&t.opts);
    struct pkt *p = pkt_alloc(st->pool, hl + seg_len);
    if (!p) {
        CTR_INC(st, ip6, drop_no_buffer);
        return -ENOBUFS;
    }
    uint8_t *d = pkt_put(p, hl + seg_len);
    uint32_t off = seq - tp->snd_una;   /* data is only sent once the SYN is acknowledged */
    for (uint32_t done = 0; done < seg_len;) {
        uint32_t pos = (tp->sb_head + off + done) % tp->sb_size;
        uint32_t chunk = tp->sb_size - pos < seg_len - done ? tp->sb_size - pos : seg_len - done;
        memcpy(d + hl + done, tp->sbuf + pos, chunk);
        done += chunk;
    }
    CTR_INC(st, tcp, out_segs);
    tp->ack_now = false;
    tp->delack_pending = false;
    tp->segs_since_ack = 0;
    timer_cancel(&tp->t_delack);
    if (tp->v4) {
        struct ip4_out o = { .proto = IP4_PROTO_TCP, .ttl = tp->so ? tp->so->uc_hops : -1,
                             .tos = (uint8_t)(tp->so && tp->so->tclass > 0 ? tp->so->tclass : 0), .df = true,
                             .ipsec = tcp_sockpol(tp) };
        memcpy(&o.src, &tp->laddr.s6_addr[12], 4);
        memcpy(&o.dst, &tp->faddr.s6_addr[12], 4);
        tcp_emit(d, hl + seg_len, &t, seg_len, cksum_pseudo4(o.src, o.dst, (uint16_t)(hl + seg_len), IP4_PROTO_TCP));
        return ip4_output(st, p, &o);
    }
    struct ip6_out o = { .src = tp->laddr, .dst = tp->faddr, .nxt = IP6_NXT_TCP,
                         .hlim = tp->so ? tp->so->uc_hops : -1,
                         .tclass = (uint8_t)(tp->so && tp->so->tclass > 0 ? tp->so->tclass : 0),
                         .ifp = tp->ifindex ? if_byindex(st, tp->ifindex) : NULL, .flags = IP6_OUT_DONTFRAG,
                         .ipsec = tcp_sockpol(tp) };
    tcp_emit(d, hl + seg_len, &t, seg_len, cksum_pseudo6(&o.src, &o.dst, (uint32_t)(hl + seg_len), IP6_NXT_TCP));
    int rc = ip6_output(st, p, &o);
    if (rc == -EMSGSIZE && tp->mss > TCP_DEFAULT_MSS6) {
        tp->mss = tcp_local_mss(tp);   /* the path MTU dropped under us: next time smaller */
    }
    return rc;
}

void tcp_send_data(struct tcpcb *tp, uint32_t seq, uint32_t len)
{
    send_segment(tp, seq, len, TCP_ACK);
}

/* RFC 8985 §7.2: a probe is worth it in the open state with SACK and an RTT
 * sample, once per tail.  PTO = 2·SRTT, plus the peer's worst delayed ACK
 * when only one segment is out, never below TCP_TLP_MIN_MS, never past the
 * RTO (0: no probe, arm the RTO). */
static uint64_t tlp_timeout_ns(const struct tcpcb *tp, uint64_t rto_ns)
{
    if (!tp->sack_ok || tp->in_recovery || tp->tlp_out || tp->rxt_shift || !tp->srtt_us ||
        (tp->state != TCPS_ESTABLISHED && tp->state != TCPS_CLOSE_WAIT))
        return 0;
    uint64_t pto = 2ull * tp->srtt_us * 1000;
    if (tp->snd_max - tp->snd_una <= tcp_smss(tp))
        pto += TCP_DELACK_WORST_MS * NS_PER_MS;
    if (pto < TCP_TLP_MIN_MS * NS_PER_MS)
        pto = TCP_TLP_MIN_MS * NS_PER_MS;
    return pto < rto_ns ? pto : rto_ns;   /* at the RTO's time the probe still beats a timeout */
}

void tcp_rexmt_arm(struct tcpcb *tp)
{
    if (tp->persisting) {   /* the persist timer alone runs against a closed window: no RTO, no tail loss probe */
        timer_cancel(&tp->t_rexmt);
        return;
    }
    uint64_t ms = (uint64_t)tp->rto_ms << tp->rxt_shift;
    if (ms > TCP_RTO_MAX_MS)
        ms = TCP_RTO_MAX_MS;
    uint64_t pto = tlp_timeout_ns(tp, ms * NS_PER_MS);
    tp->tlp_armed = pto != 0;
    timer_arm(tp->st->tw, &tp->t_rexmt, pto ? pto : ms * NS_PER_MS);
}

/* RFC 8985 §7.3: send one new segment if the window allows, else the last
 * one again; its ACK (with SACK) tells whether anything before it was lost. */
static void tail_loss_probe(struct tcpcb *tp)
{
    uint32_t smss = tcp_smss(tp), data_end = tp->snd_una + tp->sb_len;
    uint32_t wnd_end = tp->snd_una + (tp->snd_wnd < tp->cwnd + smss ? tp->snd_wnd : tp->cwnd + smss);
    uint32_t avail = seq_lt(tp->snd_nxt, data_end) ? data_end - tp->snd_nxt : 0;
    uint32_t room = seq_lt(tp->snd_nxt, wnd_end) ? wnd_end - tp->snd_nxt : 0;
    uint32_t len = avail < room ? avail : room;

    CTR_INC(tp->st, tcp, tlp_probe);
    tp->tlp_out = true;
    if (len && tp->snd_nxt == tp->snd_max) {
        if (len > smss)
            len = smss;
        send_segment(tp, tp->snd_nxt, len, TCP_ACK);
        tp->snd_nxt += len;
        tp->snd_max = tp->snd_nxt;
    } else {
        uint32_t top = seq_lt(tp->snd_max, data_end) ? tp->snd_max : data_end;   /* not the FIN */
        len = top - tp->snd_una < smss ? top - tp->snd_una : smss;
        if (len) {
            CTR_INC(tp->st, tcp, rexmt);
            send_segment(tp, top - len, len, TCP_ACK);
        }
    }
    tcp_rexmt_arm(tp);   /* now the RTO: tlp_out keeps the next arming from being a probe */
}

/* Data waits and the window cannot take a segment: with nothing in flight,
 * or with a window that shrank to zero under data in flight (a retransmission
 * found it closed, snd_nxt is back at snd_una): probe it (RFC 9293
 * §3.8.6.1 and §3.8.6.2.1's "MUST probe it in the standard way"). */
static bool should_persist(const struct tcpcb *tp, uint32_t smss)
{
    bool idle = tp->snd_una == tp->snd_max || (tp->snd_wnd == 0 && tp->snd_nxt == tp->snd_una);
    return idle && tp->sb_len && tp->snd_wnd < smss && tp->snd_wnd < tp->sb_len && tp->state >= TCPS_ESTABLISHED;
}

/* The persist state: the persist timer probes the window, the retransmission
 * timer (and with it the tail loss probe) stays off, and the connection
 * times out only if the peer stops answering the probes (persist_timeout). */
static void persist_enter(struct tcpcb *tp)
{
    tp->persisting = true;
    tp->persist_shift = 0;
    tp->persist_unanswered = 0;
    tp->rxt_shift = 0;
    tp->dupacks = 0;
    tp->tlp_armed = false;
    timer_cancel(&tp->t_rexmt);
    timer_arm(tp->st->tw, &tp->t_persist, (uint64_t)tp->rto_ms * NS_PER_MS);
}

static uint8_t state_flags(const struct tcpcb *tp)
{
    switch (tp->state) {
    case TCPS_SYN_SENT: return TCP_SYN;
    case TCPS_SYN_RECEIVED: return TCP_SYN | TCP_ACK;
    case TCPS_CLOSED: case TCPS_LISTEN: return 0;
    default: return TCP_ACK;
    }
}

void tcp_output(struct tcpcb *tp)
{
    if (!tp || tp->state == TCPS_CLOSED || tp->state == TCPS_LISTEN || tp->state == TCPS_TIME_WAIT) {
        if (tp && tp->state == TCPS_TIME_WAIT && tp->ack_now)
            send_segment(tp, tp->snd_nxt, 0, TCP_ACK);
        return;
    }
    uint8_t base = state_flags(tp);
    /* the SYN (or SYN-ACK) until it is acknowledged; retransmission resets snd_nxt to iss */
    if (base & TCP_SYN) {
        if (tp->snd_nxt == tp->iss) {
            send_segment(tp, tp->iss, 0, base);
            tp->snd_nxt = tp->iss + 1;
            if (seq_gt(tp->snd_nxt, tp->snd_max))
                tp->snd_max = tp->snd_nxt;
            if (!timer_pending(&tp->t_rexmt))
                tcp_rexmt_arm(tp);
        } else if (tp->ack_now && tp->state == TCPS_SYN_RECEIVED) {
            send_segment(tp, tp->snd_nxt, 0, TCP_ACK);   /* RFC 9293 §3.10.7.4: <SEQ=SND.NXT><ACK=RCV.NXT> */
        }
        return;
    }
    if (tp->in_recovery && tp->sack_ok) {   /* RFC 6675: the pipe decides, holes first */
        uint64_t before = CTR_GET(tp->st, tcp, out_segs);
        sack_recover(tp);
        if (CTR_GET(tp->st, tcp, out_segs) == before && tp->ack_now)
            send_segment(tp, tp->snd_nxt, 0, TCP_ACK);
        if (!timer_pending(&tp->t_rexmt))
            tcp_rexmt_arm(tp);
        return;
    }
    /* limited transmit (RFC 3042): each of the first two duplicate ACKs lets one new segment out */
    uint32_t cw = tp->cwnd + (tp->dupacks < 3 ? tp->dupacks : 0) * tp->mss;
    uint32_t wnd = tp->snd_wnd < cw ? tp->snd_wnd : cw;
    if (tp->persisting) {   /* the peer's window is too small: the persist timer probes it */
        if (tp->ack_now)
            send_segment(tp, tp->snd_nxt, 0, TCP_ACK);
        return;
    }
    uint32_t smss = tcp_smss(tp);
    uint32_t data_end = tp->snd_una + tp->sb_len;   /* the FIN, once queued, takes this sequence number */
    bool sent = false;
    for (;;) {
        uint32_t off = tp->snd_nxt - tp->snd_una;
        uint32_t avail = tp->sb_len > off ? tp->sb_len - off : 0;
        uint32_t usable = wnd > off ? wnd - off : 0;
        uint32_t len = avail < usable ? avail : usable;
        if (len > smss)
            len = smss;
        bool all_sent = tp->snd_nxt + len == data_end;
        bool fin = tp->fin_queued && !tp->fin_acked && all_sent && seq_leq(tp->snd_nxt, data_end) &&
                   (len || usable || tp->snd_nxt == tp->snd_una);
        /* silly window avoidance and Nagle (RFC 9293 §3.8.6.2.1, RFC 896) */
        if (len && len < smss && !all_sent)
            len = 0;
        if (len && len < smss && !tp->nodelay && tp->snd_nxt != tp->snd_una)
            len = 0, fin = false;
        if (!len && !fin)
            break;
        if (fin && (tp->state == TCPS_ESTABLISHED || tp->state == TCPS_SYN_RECEIVED))
            tcp_set_state(tp, TCPS_FIN_WAIT_1);
        else if (fin && tp->state == TCPS_CLOSE_WAIT)
            tcp_set_state(tp, TCPS_LAST_ACK);
        if (!tp->rtt_timing && len && tp->snd_nxt == tp->snd_max) {
            tp->rtt_timing = true;
            tp->rtt_seq = tp->snd_nxt;
            tp->rtt_start_ns = six_now(tp->st);
        }
        if (seq_lt(tp->snd_nxt, tp->snd_max))
            CTR_INC(tp->st, tcp, rexmt);
        send_segment(tp, tp->snd_nxt, len, (uint8_t)(TCP_ACK | (fin ? TCP_FIN : 0) | (len && all_sent ? TCP_PSH : 0)));
        tp->snd_nxt += len + (fin ? 1 : 0);
        if (seq_gt(tp->snd_nxt, tp->snd_max))
            tp->snd_max = tp->snd_nxt;
        sent = true;
        if (fin)
            break;
    }
    if (tp->snd_max != tp->snd_una && !timer_pending(&tp->t_rexmt))
        tcp_rexmt_arm(tp);
    if (should_persist(tp, smss))
        persist_enter(tp);
    if (!sent && tp->ack_now)
        send_segment(tp, tp->snd_nxt, 0, TCP_ACK);
}

static void respond(struct six_stack *st, bool v4, const struct in6_addr *src, const struct in6_addr *dst,
                    const struct tcp_seg *tin, unsigned ifindex, struct ipsec_sockpol *pol);

/* A segment without a connection (RST, or ACK from TIME_WAIT). */
void tcp_respond(struct six_stack *st, bool v4, const struct in6_addr *src, const struct in6_addr *dst, uint16_t sport,
                 uint16_t dport, uint32_t seq, uint32_t ack, uint8_t flags, unsigned ifindex)
{
    struct tcp_seg t = { .sport = sport, .dport = dport, .seq = seq, .ack = ack, .flags = flags };
    respond(st, v4, src, dst, &t, ifindex, NULL);
}

void tcp_respond_synack(struct six_stack *st, bool v4, const struct in6_addr *src, const struct in6_addr *dst,
                        uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack, uint16_t mss, unsigned ifindex,
                        struct ipsec_sockpol *pol)
{
    struct tcp_seg t = { .sport = sport, .dport = dport, .seq = seq, .ack = ack, .flags = TCP_SYN | TCP_ACK,
                          .win = 65535, .opts = { .has_mss = true, .mss = mss } };
    respond(st, v4, src, dst, &t, ifindex, pol);
}

static void respond(struct six_stack *st, bool v4, const struct in6_addr *src, const struct in6_addr *dst,
                    const struct tcp_seg *tin, unsigned ifindex, struct ipsec_sockpol *pol)
{
    struct tcp_seg t = *tin;
    uint8_t flags = t.flags;
    size_t hl = tcp_hdr_len(&t.opts);
    struct pkt *p = pkt_alloc(st->pool, hl);

    if (!p)
        return;
    uint8_t *d = pkt_put(p, hl);
    if (flags & TCP_RST)
        CTR_INC(st, tcp, out_rst);
    if (v4) {
        struct ip4_out o = { .proto = IP4_PROTO_TCP, .ttl = -1, .ipsec = pol };
        memcpy(&o.src, &src->s6_addr[12], 4);
        memcpy(&o.dst, &dst->s6_addr[12], 4);
        tcp_emit(d, hl, &t, 0, cksum_pseudo4(o.src, o.dst, (uint16_t)hl, IP4_PROTO_TCP));
        ip4_output(st, p, &o);
        return;
    }
    struct ip6_out o = { .src = *src, .dst = *dst, .nxt = IP6_NXT_TCP, .hlim = -1,
                         .ifp = ifindex ? if_byindex(st, ifindex) : NULL, .ipsec = pol };
    tcp_emit(d, hl, &t, 0, cksum_pseudo6(src, dst, (uint32_t)hl, IP6_NXT_TCP));
    ip6_output(st, p, &o);
}

/* RFC 6298 §5.4–5.6 and RFC 5681 §3.1: back off, collapse the window, resend from snd_una. */
static void rexmt_timeout(struct timer *t, void *arg)
{
    struct tcpcb *tp = arg;
    (void)t;

    if (tp->tlp_armed) {
        tp->tlp_armed = false;
        tail_loss_probe(tp);
        return;
    }
    CTR_INC(tp->st, tcp, rexmt_timeout);
    if (++tp->rxt_shift > ((tp->state == TCPS_SYN_SENT || tp->state == TCPS_SYN_RECEIVED) ? TCP_SYN_RXT : TCP_MAX_RXT)) {
        CTR_INC(tp->st, tcp, conn_timeout);
        tcp_drop(tp, tcp_timeout_errno(tp));   /* RFC 5461: say why, if ICMP told us */
        return;
    }
    cc_on_loss(tp, true);
    tp->tlp_out = false;
    tp->rxt_valid = false;
    sack_clear(tp);   /* RFC 6675 §5.1: start over from what is acknowledged */
    tp->high_rxt = tp->snd_una;
    tp->recover = tp->snd_max;
    tp->dupacks = 0;
    tp->in_recovery = false;
    tp->rtt_timing = false;   /* Karn: no samples from retransmissions */
    tp->snd_nxt = tp->snd_una;
    if (tp->state == TCPS_SYN_SENT || tp->state == TCPS_SYN_RECEIVED)
        tp->snd_nxt = tp->iss;
    tcp_rexmt_arm(tp);
    tcp_output(tp);
}

static void delack_timeout(struct timer *t, void *arg)
{
    struct tcpcb *tp = arg;
    (void)t;
    tp->ack_now = true;
    tcp_output(tp);
}

static void persist_timeout(struct timer *t, void *arg)
{
    struct tcpcb *tp = arg;
    (void)t;

    if (!tp->persisting || !tp->sb_len)
        return;
    /* RFC 1122 §4.2.2.17: a peer that answers the probes keeps its connection
     * however long its window stays closed (its answer clears the count, in
     * ack_input); one that answers none of TCP_MAX_RXT is gone, as an
     * unanswered retransmission would say */
    if (tp->persist_unanswered >= TCP_MAX_RXT) {
        CTR_INC(tp->st, tcp, persist_drop);
        six_trace(tp->st, "tcp %u→%u: %u window probes unanswered, connection dropped", tp->lport, tp->fport,
                  tp->persist_unanswered);
        tcp_drop(tp, tcp_timeout_errno(tp));
        return;
    }
    tp->persist_unanswered++;
    CTR_INC(tp->st, tcp, persist_probe);
    /* what the window allows, else one byte beyond it: the peer answers with its window */
    uint32_t len = tp->snd_wnd ? tp->snd_wnd : 1;
    if (len > tp->sb_len)
        len = tp->sb_len;
    if (len > tcp_smss(tp))
        len = tcp_smss(tp);
    send_segment(tp, tp->snd_una, len, TCP_ACK);
    tp->snd_nxt = tp->snd_una + len;
    if (seq_gt(tp->snd_nxt, tp->snd_max))
        tp->snd_max = tp->snd_nxt;
    /* back off up to TCP_PERSIST_MAX_MS; an answer does not shorten the
     * interval again, only the window opening ends the persist state */
    uint64_t ms = (uint64_t)tp->rto_ms << (tp->persist_shift < TCP_MAX_RXT ? tp->persist_shift++ : TCP_MAX_RXT);
    timer_arm(tp->st->tw, &tp->t_persist, (ms > TCP_PERSIST_MAX_MS ? TCP_PERSIST_MAX_MS : ms) * NS_PER_MS);
}

static void msl_timeout(struct timer *t, void *arg)
{
    struct tcpcb *tp = arg;
    (void)t;
    tcp_free(tp);
}
