/* TCP input (RFC 9293 §3.10.7): demultiplex, then the state machine. With
 * RFC 5961's defences (challenge ACKs for RSTs and SYNs that are in window
 * but not exact, ACKs outside what we sent), RFC 7323 timestamps (PAWS) and
 * window scaling, RFC 6298 RTT estimation, NewReno loss recovery (RFC 5681,
 * RFC 6582), out-of-order queueing with SACK blocks (RFC 2018). */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>
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

struct seg {
    struct tcp_seg t;
    const struct in6_addr *src, *dst;
    bool v4;
    unsigned ifindex;
    uint64_t now;
};

static void wake(struct tcpcb *tp, short ev)
{
    if (tp->so)
        sock_wake(tp->so, ev);
}

/* RST for a segment that belongs to no connection (RFC 9293 §3.10.7.1). */
static void reply_rst(struct six_stack *st, const struct seg *s)
{
    const struct tcp_seg *t = &s->t;
    if (t->flags & TCP_RST)
        return;
    if (t->flags & TCP_ACK)
        tcp_respond(st, s->v4, s->dst, s->src, t->dport, t->sport, t->ack, 0, TCP_RST, s->ifindex);
    else
        tcp_respond(st, s->v4, s->dst, s->src, t->dport, t->sport, 0,
                    t->seq + (uint32_t)t->payload_len + !!(t->flags & TCP_SYN) + !!(t->flags & TCP_FIN),
                    TCP_RST | TCP_ACK, s->ifindex);
}

static struct sock *find_listener(struct six_stack *st, const struct in6_addr *dst, uint16_t port, bool v4,
                                  unsigned ifindex)
{
    struct sock *best = NULL;

    for (struct sock *so = *sock_port_bucket(st, port); so; so = so->hnext) {
        if (so->lport != port || so->type != SOCK_STREAM || !so->tp || so->tp->state != TCPS_LISTEN)
            continue;
        if (v4 ? (so->family == AF_INET6 && so->v6only) : so->family == AF_INET)
            continue;
        if (so->bound_if && so->bound_if != ifindex)
            continue;
        bool wild = in6_is_unspecified(&so->laddr) ||
                    (in6_is_v4mapped(&so->laddr) && !memcmp(&so->laddr.s6_addr[12], "\0\0\0\0", 4));
        if (!wild && !in6_eq(&so->laddr, dst))
            continue;
        if (!best || !wild)
            best = so;
    }
    return best;
}

static void negotiate_options(struct tcpcb *tp, const struct tcp_seg *t)
{
    uint16_t local = tcp_local_mss(tp);
    uint16_t peer = t->opts.has_mss ? t->opts.mss : (tp->v4 ? TCP_DEFAULT_MSS4 : TCP_DEFAULT_MSS6);
    tp->mss = peer < local ? peer : local;
    if (tp->mss < 64)
        tp->mss = 64;   /* a lying MSS must not make us send confetti */
    tp->ws_ok = t->opts.has_ws;
    tp->snd_wscale = tp->ws_ok ? t->opts.ws : 0;
    if (!tp->ws_ok)
        tp->rcv_wscale = 0;
    tp->sack_ok = t->opts.sack_ok;
    tp->ts_ok = t->opts.has_ts;
    if (tp->ts_ok)
        tp->ts_recent = t->opts.tsval;
    tp->snd_wnd = t->win;   /* a SYN's window is never scaled */
    tp->recover = tp->iss;  /* RFC 6582 §3.2 step 1 */
    tp->max_snd_wnd = tp->snd_wnd;
    cc_init(tp);
}

static void synchronized_input(struct tcpcb *tp, const struct seg *s);
static void established(struct tcpcb *tp);

/* SYN cookies (RFC 4987 §3.6): when the SYN queue is full, the SYN-ACK's
 * sequence number carries what the connection needs and no state is kept
 * until the client's ACK proves it received it. The cookie: 5 bits of a
 * 64-second time slot, 3 bits of MSS index, 24 bits of SipHash-2-4 (keyed,
 * OpenSSL's) over both addresses, both ports, the client's ISN, the whole
 * slot number and the MSS index: a cookie is good for one connection, one
 * MSS and two slots only. A listener checks cookies only while it is in
 * cookie mode (it sent some lately): at any other time a forged cookie
 * cannot open anything, however lucky. Connections made this way have no
 * window scaling, SACK or timestamps. */
static const uint16_t cookie_mss[8] = { 536, 1220, 1260, 1380, 1400, 1420, 1440, 1460 };

/* The 24-bit MAC of a cookie; false if the MAC could not be computed. */
static bool cookie_mac(struct six_stack *st, const struct seg *s, uint32_t irs, uint32_t slot, unsigned mi,
                       uint32_t *mac)
{
    uint8_t m[16 + 16 + 2 + 2 + 4 + 4 + 1], *w = m, out[8];
    size_t outlen = 0, size = sizeof out;
    OSSL_PARAM params[] = { OSSL_PARAM_construct_size_t(OSSL_MAC_PARAM_SIZE, &size), OSSL_PARAM_END };
    EVP_MAC_CTX *c = st->tcp->cookie_mac;

    memcpy(w, s->src, 16), w += 16;
    memcpy(w, s->dst, 16), w += 16;
    memcpy(w, &s->t.sport, 2), w += 2;
    memcpy(w, &s->t.dport, 2), w += 2;
    memcpy(w, &irs, 4), w += 4;
    memcpy(w, &slot, 4), w += 4;
    *w = (uint8_t)mi;
    if (!EVP_MAC_init(c, st->tcp->cookie_key, sizeof st->tcp->cookie_key, params) ||
        !EVP_MAC_update(c, m, sizeof m) || !EVP_MAC_final(c, out, &outlen, sizeof out) || outlen != sizeof out)
        return false;
    *mac = (uint32_t)out[0] | (uint32_t)out[1] << 8 | (uint32_t)out[2] << 16;
    return true;
}

static uint32_t cookie_slot(const struct seg *s)
{
    return (uint32_t)(s->now / ((uint64_t)TCP_COOKIE_SLOT_S * NS_PER_SEC));
}

static bool cookie_make(struct six_stack *st, const struct seg *s, uint16_t peer_mss, uint32_t *cookie)
{
    uint32_t slot = cookie_slot(s), mac;
    unsigned mi = 0;
    for (unsigned i = 0; i < 8; i++)
        if (cookie_mss[i] <= peer_mss)
            mi = i;
    if (!cookie_mac(st, s, s->t.seq, slot, mi, &mac))
        return false;
    *cookie = ((slot & 31u) << 27) | (mi << 24) | mac;
    return true;
}

static bool cookie_mode(const struct sock *ls, const struct seg *s)
{
    uint32_t until = ls->tp->cookie_until_s;
    return until && s->now / NS_PER_SEC < until;
}

/* The ACK completing a cookie handshake: returns the MSS, or 0 if the cookie is not ours. */
static uint16_t cookie_check(struct sock *ls, const struct seg *s)
{
    struct six_stack *st = ls->st;
    uint32_t cookie = s->t.ack - 1, irs = s->t.seq - 1, now_slot = cookie_slot(s), mac;
    unsigned mi = (cookie >> 24) & 7u;

    if (!cookie_mode(ls, s))
        return 0;   /* none sent lately: this cannot be one of ours */
    for (uint32_t age = 0; age < 2; age++) {   /* this slot or the previous one: 64–128 s of validity */
        uint32_t slot = now_slot - age;
        if ((cookie >> 27) != (slot & 31u))
            continue;
        /* whole-word XOR, no early exit: the time taken does not depend on how many bits match */
        if (cookie_mac(st, s, irs, slot, mi, &mac) && !((cookie ^ mac) & 0xffffffu))
            return cookie_mss[mi];
    }
    CTR_INC(st, tcp, syncookie_bad);
    return 0;
}

/* The MSS this end takes on the segment's path, as its connection would
 * advertise it (not the peer's: that one is only for what we send). */
static uint16_t listener_mss(struct sock *ls, const struct seg *s)
{
    struct tcpcb path = { .st = ls->st, .v4 = s->v4, .laddr = *s->dst, .faddr = *s->src, .lport = s->t.dport,
                          .fport = s->t.sport, .ifindex = s->ifindex, .ipsec = ls->ipsec };
    return tcp_local_mss(&path);
}

/* SYN queue full: answer with a cookie, keep nothing but the time (cookie mode). */
static void cookie_send(struct sock *ls, const struct seg *s)
{
    struct six_stack *st = ls->st;
    const struct tcp_seg *t = &s->t;
    /* no MSS option: RFC 9293 §3.7.1's default, IPv6's from its minimum MTU (RFC 8200) */
    uint16_t peer_mss = t->opts.has_mss ? t->opts.mss : (s->v4 ? TCP_DEFAULT_MSS4 : TCP_DEFAULT_MSS6);
    uint32_t cookie;

    if (!cookie_make(st, s, peer_mss, &cookie)) {
        CTR_INC(st, tcp, drop_syncookie_error);
        return;
    }
    ls->tp->cookie_until_s = (uint32_t)(s->now / NS_PER_SEC) + 2 * TCP_COOKIE_SLOT_S;
    CTR_INC(st, tcp, syncookie_sent);
    tcp_respond_synack(st, s->v4, s->dst, s->src, t->dport, t->sport, cookie, t->seq + 1, listener_mss(ls, s),
                       s->ifindex, ls->ipsec);
}

static void cookie_accept(struct sock *ls, const struct seg *s, uint16_t mss)
{
    struct six_stack *st = ls->st;
    const struct tcp_seg *t = &s->t;
    struct tcpcb *tp = tcp_new_child(ls, s->dst, t->dport, s->src, t->sport, s->ifindex);

    if (!tp)
        return;
    CTR_INC(st, tcp, syncookie_ok);
    tp->irs = t->seq - 1;
    tp->rcv_nxt = t->seq;
    tp->rcv_adv = tp->rcv_nxt;
    tp->last_ack_sent = tp->rcv_nxt;   /* what our SYN-ACK (the cookie) acknowledged */
    tp->iss = t->ack - 1;
    tp->snd_una = tp->snd_nxt = tp->snd_max = t->ack;
    tp->recover = tp->iss;
    uint16_t local = tcp_local_mss(tp);
    tp->mss = mss < local ? mss : local;
    tp->rcv_wscale = 0;
    tp->snd_wnd = tp->max_snd_wnd = t->win;
    tp->snd_wl1 = t->seq;
    tp->snd_wl2 = t->ack;
    cc_init(tp);
    tcp_set_state(tp, TCPS_SYN_RECEIVED);
    established(tp);
    if (t->payload_len || (t->flags & TCP_FIN))
        synchronized_input(tp, s);
}

static void listen_input(struct sock *ls, const struct seg *s)
{
    struct six_stack *st = ls->st;
    const struct tcp_seg *t = &s->t;

    if (t->flags & TCP_RST)
        return;
    if (t->flags & TCP_ACK) {
        uint16_t mss = (t->flags & TCP_SYN) ? 0 : cookie_check(ls, s);
        if (mss && ls->aq_len < ls->backlog) {
            cookie_accept(ls, s, mss);
            return;
        }
        if (mss) {
            CTR_INC(st, tcp, drop_accept_queue_full);
            return;
        }
        CTR_INC(st, tcp, drop_listen_ack);
        reply_rst(st, s);
        return;
    }
    if (!(t->flags & TCP_SYN))
        return;
    if (ls->aq_len >= ls->backlog) {   /* the application does not accept: no cookies either */
        CTR_INC(st, tcp, drop_accept_queue_full);
        return;
    }
    if (ls->n_syn + ls->aq_len >= ls->backlog) {
        cookie_send(ls, s);
        return;
    }
    struct tcpcb *tp = tcp_new_child(ls, s->dst, t->dport, s->src, t->sport, s->ifindex);
    if (!tp)
        return;
    tp->irs = t->seq;
    tp->rcv_nxt = t->seq + 1;
    tp->rcv_adv = tp->rcv_nxt;
    negotiate_options(tp, t);
    tp->snd_wl1 = t->seq;
    tcp_set_state(tp, TCPS_SYN_RECEIVED);
    tcp_output(tp);
}

static void update_rtt(struct tcpcb *tp, uint64_t rtt_us)
{
    if (rtt_us > 60000000)
        return;
    if (!tp->srtt_us) {
        tp->srtt_us = (uint32_t)rtt_us;
        tp->rttvar_us = (uint32_t)(rtt_us / 2);
    } else {
        uint32_t diff = tp->srtt_us > rtt_us ? tp->srtt_us - (uint32_t)rtt_us : (uint32_t)rtt_us - tp->srtt_us;
        tp->rttvar_us = (3 * tp->rttvar_us + diff) / 4;
        tp->srtt_us = (uint32_t)((7ull * tp->srtt_us + rtt_us) / 8);
    }
    uint32_t var = 4 * tp->rttvar_us < 1000 ? 1000 : 4 * tp->rttvar_us;   /* G = 1 ms clock */
    uint32_t rto = (tp->srtt_us + var) / 1000;
    tp->rto_ms = rto < TCP_RTO_MIN_MS ? TCP_RTO_MIN_MS : rto > TCP_RTO_MAX_MS ? TCP_RTO_MAX_MS : rto;
}

static void established(struct tcpcb *tp)
{
    tcp_set_state(tp, TCPS_ESTABLISHED);
    tcp_keepalive_update(tp);
    tp->rxt_shift = 0;
    timer_cancel(&tp->t_rexmt);
    if (tp->listener)
        tcp_child_established(tp);
    else
        wake(tp, POLLOUT);
}

static void syn_sent_input(struct tcpcb *tp, const struct seg *s)
{
    const struct tcp_seg *t = &s->t;
    bool ack_ok = (t->flags & TCP_ACK) && seq_gt(t->ack, tp->iss) && seq_leq(t->ack, tp->snd_max);

    if ((t->flags & TCP_ACK) && !ack_ok) {
        reply_rst(tp->st, s);
        return;
    }
    if (t->flags & TCP_RST) {
        if (ack_ok) {
            CTR_INC(tp->st, tcp, rst_received);
            tcp_drop(tp, ECONNREFUSED);
        }
        return;
    }
    if (!(t->flags & TCP_SYN))
        return;
    tp->irs = t->seq;
    tp->rcv_nxt = t->seq + 1;
    tp->rcv_adv = tp->rcv_nxt;
    negotiate_options(tp, t);
    tp->snd_wl1 = t->seq;
    tp->snd_wl2 = t->ack;
    if (ack_ok) {
        tp->snd_una = t->ack;
        if (tp->rtt_timing || !tp->ts_ok)
            update_rtt(tp, (s->now - tp->rtt_start_ns) / 1000);
        tp->rtt_timing = false;
        established(tp);
        tp->ack_now = true;
    } else {   /* simultaneous open (RFC 9293 §3.5) */
        tcp_set_state(tp, TCPS_SYN_RECEIVED);
        tp->ack_now = true;
    }
    tcp_output(tp);
}

/* RFC 9293 §3.10.7.4 acceptability test. */
static bool seq_acceptable(const struct tcpcb *tp, const struct tcp_seg *t)
{
    uint32_t wnd = tcp_rcv_space(tp);
    uint32_t len = (uint32_t)t->payload_len + !!(t->flags & TCP_SYN) + !!(t->flags & TCP_FIN);

    if (!len)
        return wnd ? seq_leq(tp->rcv_nxt, t->seq) && seq_lt(t->seq, tp->rcv_nxt + wnd) : t->seq == tp->rcv_nxt;
    if (!wnd)
        return false;
    return (seq_leq(tp->rcv_nxt, t->seq) && seq_lt(t->seq, tp->rcv_nxt + wnd)) ||
           (seq_leq(tp->rcv_nxt, t->seq + len - 1) && seq_lt(t->seq + len - 1, tp->rcv_nxt + wnd));
}

/* RFC 5961 §7: challenge ACKs are limited per connection (one per
 * TCP_CHALLENGE_MIN_MS) and per stack (TCP_CHALLENGE_LIMIT a second on
 * average). The stack's budget is drawn anew every second between half and
 * one and a half times the limit: with a fixed one, an off-path attacker
 * who exhausts it and counts the challenge ACKs it still gets learns whether
 * its spoofed segments hit a connection (CVE-2016-5696). */
static bool challenge_allowed(struct tcpcb *tp)
{
    struct tcp_table *tt = tp->st->tcp;
    uint64_t now = six_now(tp->st);
    uint32_t now_ms = (uint32_t)(now / NS_PER_MS);

    if (tp->challenge_ms && now_ms - tp->challenge_ms < TCP_CHALLENGE_MIN_MS)
        return false;
    if (tt->challenge_sec != now / NS_PER_SEC + 1) {   /* + 1: 0 means never */
        tt->challenge_sec = now / NS_PER_SEC + 1;
        tt->challenge_left = TCP_CHALLENGE_LIMIT / 2 + six_random_secure_below(tp->st, TCP_CHALLENGE_LIMIT);
    }
    if (!tt->challenge_left)
        return false;
    tt->challenge_left--;
    tp->challenge_ms = now_ms ? now_ms : 1;
    return true;
}

static void challenge_ack(struct tcpcb *tp)
{
    if (!challenge_allowed(tp)) {
        CTR_INC(tp->st, tcp, challenge_ack_limited);
        return;
    }
    CTR_INC(tp->st, tcp, challenge_ack);
    tp->ack_now = true;
    tcp_output(tp);
}

/* RFC 5961 §5.2: SND.UNA − MAX.SND.WND ≤ SEG.ACK ≤ SND.NXT (SND.MAX here:
 * after a retransmission timeout snd_nxt is back at snd_una). */
static bool ack_in_range(const struct tcpcb *tp, const struct tcp_seg *t)
{
    return !seq_gt(t->ack, tp->snd_max) && !seq_lt(t->ack, tp->snd_una - tp->max_snd_wnd);
}

static void sbuf_drop(struct tcpcb *tp, uint32_t n)
{
    if (n > tp->sb_len)
        n = tp->sb_len;
    tp->sb_head = (tp->sb_head + n) % tp->sb_size;
    tp->sb_len -= n;
}

/* Retransmit the first unacknowledged segment now (fast retransmit, partial ACK). */
static void resend_first(struct tcpcb *tp)
{
    uint32_t nxt = tp->snd_nxt, cwnd = tp->cwnd;

    tcp_rexmt_arm(tp);
    tp->snd_nxt = tp->snd_una;
    tp->cwnd = tp->mss;
    tcp_output(tp);
    tp->cwnd = cwnd;
    if (seq_gt(nxt, tp->snd_nxt))
        tp->snd_nxt = nxt;
}

/* An RTT sample from the TSecr of an ACK of new data (RFC 7323 §4.1, RFC
 * 6298). TSecr echoes a TSval we sent: it is never in the future, and never
 * older than the data still in flight could be. The segment at SND.UNA left
 * at most RTO << backoff before its timer would have fired; twice that, and
 * the longest delayed ACK, leave room for the timer restarted by every ACK
 * (RFC 6298 §5.3) and for recovery (under 5% loss no real sample is refused).
 * Outside that it is forged or corrupt, and one such sample would push the
 * RTO towards 60 s: the ACK gives no sample at all. */
static void rtt_from_tsecr(struct tcpcb *tp, uint64_t now_ns, uint32_t tsecr)
{
    uint32_t age_ms = (uint32_t)(now_ns / NS_PER_MS) - tsecr;   /* TSval is this clock mod 2^32 */
    uint64_t bound_ms = ((uint64_t)tp->rto_ms << (tp->rxt_shift + 1)) + TCP_DELACK_WORST_MS;

    if ((int32_t)age_ms < 0 || age_ms > bound_ms) {
        CTR_INC(tp->st, tcp, rtt_sample_ignored);
        return;
    }
    update_rtt(tp, (uint64_t)age_ms * 1000);
}

static void new_ack(struct tcpcb *tp, const struct seg *s)
{
    const struct tcp_seg *t = &s->t;
    uint32_t acked = t->ack - tp->snd_una;
    uint32_t data_end = tp->snd_una + tp->sb_len;

    if (tp->fin_queued && seq_gt(t->ack, data_end)) {
        tp->fin_acked = true;
        acked--;
    }
    sbuf_drop(tp, acked);
    tp->snd_una = t->ack;
    if (seq_lt(tp->snd_nxt, tp->snd_una))
        tp->snd_nxt = tp->snd_una;
    sack_trim(tp);
    /* RTT: from the echoed timestamp, else the timed segment (Karn) */
    if (tp->ts_ok && t->opts.has_ts && t->opts.tsecr)
        rtt_from_tsecr(tp, s->now, t->opts.tsecr);
    else if (tp->rtt_timing && seq_gt(t->ack, tp->rtt_seq))
        update_rtt(tp, (s->now - tp->rtt_start_ns) / 1000);
    if (tp->rtt_timing && seq_gt(t->ack, tp->rtt_seq))
        tp->rtt_timing = false;
    tp->rxt_shift = 0;
    tp->soft_error = 0;   /* the path works: an earlier ICMP soft error no longer explains anything */
    if (tp->in_recovery) {
        if (seq_geq(t->ack, tp->recover)) {   /* full ACK: leave recovery (RFC 6582 §3.2 step 3, RFC 6675 §5) */
            tp->in_recovery = false;
            /* RFC 6582 §3.2 step 3 option 2 (and RFC 6675): cwnd = ssthresh.
             * Option 1, min(ssthresh, FlightSize + SMSS), leaves one segment
             * when the full ACK empties the pipe — which it usually does — and
             * a lone segment waits out the peer's delayed ACK (40 ms on Linux)
             * at every round of the slow start that follows. */
            tp->cwnd = tp->ssthresh;
        } else if (tp->sack_ok) {
            sack_una_moved(tp);
        } else {                              /* NewReno partial ACK: the next hole */
            resend_first(tp);
            tp->cwnd = tp->cwnd > acked ? tp->cwnd - acked + tp->mss : tp->mss;
        }                                     /* with SACK, tcp_output's recovery sends the holes */
    } else {
        cc_on_ack(tp, acked);
    }
    tp->dupacks = 0;
    tp->tlp_out = false;
    if (tp->snd_una == tp->snd_max || tp->persisting)
        timer_cancel(&tp->t_rexmt);
    else
        tcp_rexmt_arm(tp);
    wake(tp, POLLOUT);
}

/* May this ACK set the send window? RFC 9293 §3.10.7.4: only if
 * SND.UNA ≤ SEG.ACK (an old ACK in RFC 5961's range proves nothing), then
 * if it is newer than the last update (SND.WL1/WL2). One that acknowledges
 * new data always may (as Linux): otherwise a forged in-window segment
 * with a SEG.SEQ far ahead sets SND.WL1 there, and no real ACK below it
 * can ever reopen a window it closed. */
static bool window_update_ok(const struct tcpcb *tp, const struct tcp_seg *t, bool acked_new)
{
    if (seq_lt(t->ack, tp->snd_una))
        return false;
    return acked_new || seq_lt(tp->snd_wl1, t->seq) || (tp->snd_wl1 == t->seq && seq_leq(tp->snd_wl2, t->ack));
}

/* Enter loss recovery: RFC 6675 with SACK, RFC 6582 without. */
static void enter_recovery(struct tcpcb *tp)
{
    CTR_INC(tp->st, tcp, fast_rexmt);
    cc_on_loss(tp, false);
    tp->recover = tp->snd_max;
    tp->in_recovery = true;
    tp->rtt_timing = false;
    tp->rxt_valid = false;
    tp->tlp_out = false;
    if (tp->sack_ok) {
        tp->cwnd = tp->ssthresh;
        tp->high_rxt = tp->snd_una;   /* tcp_output → sack_recover sends the first hole */
        return;
    }
    resend_first(tp);
    tp->cwnd = tp->ssthresh + 3u * tp->mss;
}

static void dup_ack(struct tcpcb *tp)
{
    tp->dupacks++;
    uint32_t smss = tcp_smss(tp), oseg = (tp->snd_max - tp->snd_una + smss - 1) / smss;
    bool no_new_data = tp->snd_nxt == tp->snd_una + tp->sb_len;
    /* early retransmit (RFC 5827): with fewer than 4 segments out and nothing new to send, fewer dupacks do */
    unsigned thresh = no_new_data && oseg < 4 && oseg > 1 ? oseg - 1 : 3;
    /* after a tail loss probe, a SACK means the probe arrived and what was
     * sent before it, at least two round trips earlier, did not: lost by
     * RFC 8985's time rule, whatever the duplicate-ACK count says */
    bool probe_sacked = tp->tlp_out && tp->n_sacked;
    if (!tp->in_recovery && seq_geq(tp->snd_una, tp->recover) &&
        (tp->dupacks >= thresh || (tp->sack_ok && sack_lost(tp)) || probe_sacked)) {
        if (probe_sacked && tp->dupacks < thresh && !sack_lost(tp))
            CTR_INC(tp->st, tcp, tlp_recovery);
        enter_recovery(tp);
    }
    else if (tp->dupacks > 3 && tp->in_recovery && !tp->sack_ok)
        tp->cwnd += tp->mss;   /* each further dupack: a segment has left the network */
}

/* RFC 5681 §2's duplicate ACK (no data, no SYN/FIN, SND.UNA, the same
 * window, data outstanding), or one carrying SACK information (RFC 6675
 * §2). Not the answer to a window probe: the byte "outstanding" is the probe
 * the peer refused, its ACK says nothing about loss, and three of them
 * would start a recovery (and its retransmission timer) against a closed
 * window. Nor an ACK that closes the window without SACK news. */
static bool is_dup_ack(const struct tcpcb *tp, const struct tcp_seg *t, uint32_t win)
{
    if (t->ack != tp->snd_una || tp->snd_max == tp->snd_una || (t->flags & (TCP_SYN | TCP_FIN)))
        return false;
    if (tp->persisting || (!win && !t->opts.n_sack))
        return false;
    return (!t->payload_len && win == tp->snd_wnd) || t->opts.n_sack;
}

/* The window opened: the persist state ends. What a probe put past SND.UNA
 * and the peer did not acknowledge was refused, not lost in the network:
 * send it again first, as part of the data that now goes out. */
static void persist_leave(struct tcpcb *tp)
{
    tp->persisting = false;
    tp->persist_unanswered = 0;
    timer_cancel(&tp->t_persist);
    tp->snd_nxt = tp->snd_una;
    tp->rxt_shift = 0;
}

/* ACK processing (the ACK is in range: ack_in_range); false = the segment is dropped. */
static bool ack_input(struct tcpcb *tp, const struct seg *s)
{
    const struct tcp_seg *t = &s->t;

    if (tp->state == TCPS_SYN_RECEIVED) {
        if (!seq_gt(t->ack, tp->snd_una)) {
            reply_rst(tp->st, s);
            return false;
        }
        tp->snd_una = t->ack;
        tp->snd_wnd = (uint32_t)t->win << tp->snd_wscale;
        tp->snd_wl1 = t->seq;
        tp->snd_wl2 = t->ack;
        established(tp);
        return true;
    }
    uint32_t win = (uint32_t)t->win << tp->snd_wscale;
    bool acked_new = seq_gt(t->ack, tp->snd_una);
    tp->persist_unanswered = 0;   /* the peer is there: a closed window may stay closed (RFC 1122 §4.2.2.17) */
    sack_update(tp, &t->opts);
    if (acked_new)
        new_ack(tp, s);
    else if (is_dup_ack(tp, t, win))
        dup_ack(tp);
    if (window_update_ok(tp, t, acked_new)) {
        tp->snd_wnd = win;
        if (tp->persisting && (win >= tcp_smss(tp) || win >= tp->sb_len))
            persist_leave(tp);   /* synchronized_input's tcp_output sends at once */
        tp->snd_wl1 = t->seq;
        tp->snd_wl2 = t->ack;
        if (win > tp->max_snd_wnd)
            tp->max_snd_wnd = win;
    }
    if (tp->fin_acked) {
        if (tp->state == TCPS_FIN_WAIT_1) {
            tcp_set_state(tp, TCPS_FIN_WAIT_2);
            if (!tp->so)   /* nobody will read: do not wait forever for the peer's FIN */
                timer_arm(tp->st->tw, &tp->t_2msl, 2ull * TCP_MSL_MS * NS_PER_MS);
        } else if (tp->state == TCPS_CLOSING) {
            tcp_set_state(tp, TCPS_TIME_WAIT);
            timer_arm(tp->st->tw, &tp->t_2msl, 2ull * TCP_MSL_MS * NS_PER_MS);
        } else if (tp->state == TCPS_LAST_ACK) {
            tcp_free(tp);
            return false;
        }
    }
    return true;
}

static void rbuf_append(struct tcpcb *tp, const uint8_t *d, uint32_t n)
{
    for (uint32_t done = 0; done < n;) {
        uint32_t pos = (tp->rb_head + tp->rb_len) % tp->rb_size;
        uint32_t chunk = tp->rb_size - pos < n - done ? tp->rb_size - pos : n - done;
        memcpy(tp->rbuf + pos, d + done, chunk);
        tp->rb_len += chunk;
        done += chunk;
    }
    tp->rcv_nxt += n;
}

/* Move what the out-of-order queue now continues into the receive buffer. */
static void ooo_drain(struct tcpcb *tp)
{
    struct pkt *p;

    while ((p = tp->ooo.head) && seq_leq(p->cb[0], tp->rcv_nxt)) {
        pktq_pop(&tp->ooo);
        tp->ooo_bytes -= p->len;
        uint32_t skip = tp->rcv_nxt - p->cb[0];
        if (skip < p->len)
            rbuf_append(tp, pkt_data(p) + skip, p->len - skip);
        pkt_free(p);
    }
}

static void ooo_insert(struct tcpcb *tp, uint32_t seq, const uint8_t *d, uint32_t n)
{
    struct six_stack *st = tp->st;

    if (tp->ooo_bytes + n > tp->rb_size - tp->rb_len) {
        CTR_INC(st, tcp, drop_ooo_full);
        return;
    }
    struct pkt **pp = &tp->ooo.head, *prev = NULL;
    while (*pp && seq_lt((*pp)->cb[0], seq)) {
        prev = *pp;
        pp = &(*pp)->next;
    }
    if ((*pp && (*pp)->cb[0] == seq && (*pp)->len >= n) ||
        (prev && seq_geq(prev->cb[0] + prev->len, seq + n))) {
        CTR_INC(st, tcp, dup_data);
        return;   /* already have it */
    }
    struct pkt *p = pkt_alloc(st->pool, n);
    if (!p) {
        CTR_INC(st, tcp, drop_ooo_full);
        return;
    }
    memcpy(pkt_put(p, n), d, n);
    p->cb[0] = seq;
    p->next = *pp;
    *pp = p;
    if (!p->next)
        tp->ooo.tail = p;
    tp->ooo.n++;
    tp->ooo_bytes += n;
    CTR_INC(st, tcp, ooo_queued);
}

static void data_input(struct tcpcb *tp, const struct seg *s)
{
    const struct tcp_seg *t = &s->t;
    const uint8_t *d = t->payload;
    uint32_t n = (uint32_t)t->payload_len, seq = t->seq;

    if (seq_lt(seq, tp->rcv_nxt)) {   /* the part we have already */
        uint32_t skip = tp->rcv_nxt - seq;
        if (skip >= n) {
            CTR_INC(tp->st, tcp, dup_data);
            tp->ack_now = true;
            return;
        }
        d += skip;
        n -= skip;
        seq = tp->rcv_nxt;
    }
    uint32_t space = tcp_rcv_space(tp);
    uint32_t limit = seq - tp->rcv_nxt < space ? space - (seq - tp->rcv_nxt) : 0;
    if (n > limit)
        n = limit;   /* beyond the window */
    if (!n)
        return;
    if (!tcp_buf_need(tp, false)) {
        CTR_INC(tp->st, tcp, drop_no_memory);
        return;
    }
    if (seq == tp->rcv_nxt) {
        bool had_ooo = tp->ooo.n != 0;
        rbuf_append(tp, d, n);
        ooo_drain(tp);
        wake(tp, POLLIN);
        if (had_ooo || ++tp->segs_since_ack >= 2)
            tp->ack_now = true;   /* RFC 5681 §4.2: at least every second full segment; fill a hole at once */
        else if (!timer_pending(&tp->t_delack))
            timer_arm(tp->st->tw, &tp->t_delack, (uint64_t)TCP_DELACK_MS * NS_PER_MS);
    } else {
        ooo_insert(tp, seq, d, n);
        tp->ack_now = true;       /* a duplicate ACK (with SACK) tells the sender at once */
    }
}

static void fin_input(struct tcpcb *tp, const struct seg *s)
{
    const struct tcp_seg *t = &s->t;

    if (!(t->flags & TCP_FIN) || tp->fin_rcvd || t->seq + (uint32_t)t->payload_len != tp->rcv_nxt)
        return;
    tp->rcv_nxt++;
    tp->fin_rcvd = true;
    tp->ack_now = true;
    wake(tp, POLLIN | POLLHUP);
    switch (tp->state) {
    case TCPS_SYN_RECEIVED:
    case TCPS_ESTABLISHED:
        tcp_set_state(tp, TCPS_CLOSE_WAIT);
        break;
    case TCPS_FIN_WAIT_1:
        tcp_set_state(tp, tp->fin_acked ? TCPS_TIME_WAIT : TCPS_CLOSING);
        break;
    case TCPS_FIN_WAIT_2:
        tcp_set_state(tp, TCPS_TIME_WAIT);
        break;
    default:
        break;
    }
    if (tp->state == TCPS_TIME_WAIT) {
        timer_cancel(&tp->t_rexmt);
        timer_arm(tp->st->tw, &tp->t_2msl, 2ull * TCP_MSL_MS * NS_PER_MS);
    }
}

/* RFC 6191: a SYN reopens a connection in TIME_WAIT only if it cannot be an
 * old duplicate of it. With timestamps on both (the old connection's and the
 * SYN's), its TSval must be above TS.Recent, whatever its sequence number;
 * else (RFC 1122 §4.2.2.13) its ISN must be above RCV.NXT. */
static bool time_wait_syn_new(const struct tcpcb *tp, const struct tcp_seg *t)
{
    if (!tp->ts_ok || !t->opts.has_ts)
        return seq_gt(t->seq, tp->rcv_nxt);
    if (seq_gt(t->opts.tsval, tp->ts_recent))
        return true;
    CTR_INC(tp->st, tcp, tw_syn_old_ts);
    return false;
}

/* TIME_WAIT: re-ACK a retransmitted FIN; a new SYN may reopen (RFC 6191). true = process as new. */
static bool time_wait_input(struct tcpcb *tp, const struct seg *s)
{
    const struct tcp_seg *t = &s->t;

    if (t->flags & TCP_RST)
        return false;                    /* RFC 1337: ignore */
    if ((t->flags & TCP_SYN) && !(t->flags & TCP_ACK) && time_wait_syn_new(tp, t)) {
        tcp_free(tp);
        return true;
    }
    if (t->flags & TCP_FIN)
        timer_arm(tp->st->tw, &tp->t_2msl, 2ull * TCP_MSL_MS * NS_PER_MS);
    tp->ack_now = true;
    tcp_output(tp);
    return false;
}

/* RFC 7323 §4.3: TS.Recent takes the TSval of an acceptable segment
 * (PAWS passed, ACK in range) only if SEG.SEQ ≤ Last.ACK.sent. Any
 * in-window sequence number would do for a blind attacker: one forged
 * segment with a huge TSval would make every real one after it fail PAWS. */
static void ts_recent_update(struct tcpcb *tp, const struct tcp_seg *t)
{
    if (tp->ts_ok && t->opts.has_ts && seq_leq(t->seq, tp->last_ack_sent) &&
        seq_geq(t->seq + (uint32_t)t->payload_len, tp->rcv_nxt))
        tp->ts_recent = t->opts.tsval;
}

/* The ACK that answers an unacceptable segment (RFC 9293 §3.10.7.4, RFC 7323
 * §5.3). For one without data, at most one per connection per
 * TCP_DUPACK_MIN_MS (as Linux's tcp_invalid_ratelimit): else two ends that
 * disagree, or an attacker forging pure ACKs, keep them answering each other
 * without end. A segment with data is always answered: a zero-window probe
 * or a keepalive with its byte must get its ACK, and answering data is no
 * amplification. */
static void ack_unacceptable(struct tcpcb *tp, const struct tcp_seg *t)
{
    uint32_t now_ms = (uint32_t)(six_now(tp->st) / NS_PER_MS);

    if (!t->payload_len && !(t->flags & (TCP_SYN | TCP_FIN))) {
        if (tp->dupack_ms && now_ms - tp->dupack_ms < TCP_DUPACK_MIN_MS) {
            CTR_INC(tp->st, tcp, dupack_limited);
            return;
        }
        tp->dupack_ms = now_ms ? now_ms : 1;
    }
    tp->ack_now = true;
    tcp_output(tp);
}

static void synchronized_input(struct tcpcb *tp, const struct seg *s)
{
    const struct tcp_seg *t = &s->t;
    struct six_stack *st = tp->st;

    /* RFC 7323 §3.2: once timestamps are on, a segment without one is
     * dropped quietly (except a RST: that must not be) */
    if (tp->ts_ok && !t->opts.has_ts && !(t->flags & TCP_RST)) {
        CTR_INC(st, tcp, drop_no_ts);
        return;
    }
    /* PAWS (RFC 7323 §5) */
    if (tp->ts_ok && t->opts.has_ts && !(t->flags & TCP_RST) && seq_lt(t->opts.tsval, tp->ts_recent)) {
        CTR_INC(st, tcp, drop_out_of_window);
        ack_unacceptable(tp, t);
        return;
    }
    if (!seq_acceptable(tp, t)) {
        CTR_INC(st, tcp, drop_out_of_window);
        if (!(t->flags & TCP_RST))
            ack_unacceptable(tp, t);
        return;
    }
    if (t->flags & TCP_RST) {            /* RFC 5961 §3.2 */
        if (t->seq == tp->rcv_nxt) {
            CTR_INC(st, tcp, rst_received);
            tcp_drop(tp, tp->state == TCPS_CLOSE_WAIT ? EPIPE : ECONNRESET);
        } else {
            CTR_INC(st, tcp, rst_in_window);
            challenge_ack(tp);
        }
        return;
    }
    if (t->flags & TCP_SYN) {            /* RFC 5961 §4.2 */
        if (tp->state == TCPS_SYN_RECEIVED && t->seq == tp->irs) {
            tp->snd_nxt = tp->iss;       /* our SYN-ACK was lost: send it again */
            tcp_output(tp);
            return;
        }
        CTR_INC(st, tcp, drop_syn_in_window);
        challenge_ack(tp);
        return;
    }
    if (!(t->flags & TCP_ACK))
        return;
    /* nothing of the segment changes any state before its ACK is known good */
    if (!ack_in_range(tp, t)) {
        CTR_INC(st, tcp, drop_bad_ack);
        challenge_ack(tp);
        return;
    }
    ts_recent_update(tp, t);
    if (timer_pending(&tp->t_keep))
        tcp_keepalive_update(tp);   /* the peer is alive: idle time starts again */
    if (t->flags & TCP_URG)   /* RFC 6093: urgent data is delivered in line; the pointer is never used */
        CTR_INC(st, tcp, urg_ignored);
    if (!ack_input(tp, s))
        return;
    if (t->payload_len) {
        if (!tp->so && tp->state != TCPS_SYN_RECEIVED) {   /* closed by the application: nobody will read it */
            CTR_INC(st, tcp, drop_after_close);
            tcp_respond(st, tp->v4, &tp->laddr, &tp->faddr, tp->lport, tp->fport, tp->snd_nxt, 0, TCP_RST, tp->ifindex);
            tcp_free(tp);
            return;
        }
        if (tp->state == TCPS_ESTABLISHED || tp->state == TCPS_FIN_WAIT_1 || tp->state == TCPS_FIN_WAIT_2)
            data_input(tp, s);
    }
    fin_input(tp, s);
    tcp_output(tp);
}

void tcp_input(struct ifnet *ifp, struct pkt *p, const struct in6_addr *src, const struct in6_addr *dst, bool v4,
               size_t off, size_t len)
{
    struct six_stack *st = ifp->st;
    struct seg s = { .src = src, .dst = dst, .v4 = v4, .ifindex = ifp->index, .now = six_now(st) };
    uint32_t pseudo;

    if (v4) {
        struct in_addr s4, d4;
        memcpy(&s4, &src->s6_addr[12], 4);
        memcpy(&d4, &dst->s6_addr[12], 4);
        pseudo = cksum_pseudo4(s4, d4, (uint16_t)len, IP4_PROTO_TCP);
    } else {
        pseudo = cksum_pseudo6(src, dst, (uint32_t)len, IP6_NXT_TCP);
    }
    enum wire_reason r = tcp_parse(pkt_data(p) + off, len, pseudo, &s.t);
    if (r != WR_OK) {
        WIRE_DROP(st, tcp, r);
        return;
    }
    CTR_INC(st, tcp, in_segs);
    if (p->flags & (PKT_F_MCAST | PKT_F_BCAST) || in6_is_multicast(dst))
        return;
    struct tcpcb *tp = tcp_lookup(st, dst, s.t.dport, src, s.t.sport);
    /* the connection's IPsec "in" policy: a segment that did not come
     * through the SAs it requires is ignored, never answered (KAME) */
    if (tp && !ipsec_in_check_sp(st, p, tcp_sockpol(tp)))
        return;
    if (tp && tp->state == TCPS_TIME_WAIT) {
        if (!time_wait_input(tp, &s))
            return;
        tp = NULL;   /* freed: the SYN may open a new connection through the listener */
    }
    if (!tp) {
        struct sock *ls = find_listener(st, dst, s.t.dport, v4, ifp->index);
        if (ls) {
            if (ipsec_in_check_sp(st, p, ls->ipsec))   /* a plaintext SYN never starts a handshake */
                listen_input(ls, &s);
        } else {
            CTR_INC(st, tcp, drop_no_listener);
            reply_rst(st, &s);
        }
        return;
    }
    if (tp->state == TCPS_SYN_SENT)
        syn_sent_input(tp, &s);
    else
        synchronized_input(tp, &s);
}
