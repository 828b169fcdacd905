/* ICMP errors about TCP segments we sent: path MTU discovery (RFC 8201 §5.2,
 * RFC 1191 §6), hard and soft errors (RFC 5461), the in-window check
 * against forged errors (RFC 5927 §4.1). After BSD's tcp_ctlinput /
 * tcp_mtudisc and Linux's tcp_v6_err / tcp_v6_mtu_reduced.
 *
 * icmp6.c and icmp4.c find the TCP header in the error's quote (after the
 * quoted IP header and its extension headers) and ask tcp_icmp_lookup()
 * whose segment it was. Only a segment still in flight counts: its
 * sequence number must lie in [SND.UNA, SND.MAX), which a blind attacker
 * has to guess; anything else is counted and ignored (for IPv6 the PMTU
 * cache is then left alone too, as Linux does).
 *
 * Packet Too Big / Fragmentation Needed: the MSS follows the new path MTU —
 * never below 1280 for IPv6 (RFC 8201 §4); for IPv4 an MTU below 68
 * (RFC 791's minimum) is bogus and ignored, one below TCP_MIN_PMTU4 taken
 * as that (Linux's min_pmtu) — and what is in flight is resent at once at
 * the new size. Those segments were dropped for their size, not for
 * congestion: cwnd and ssthresh stay (RFC 1191 §6.2), and without this the
 * connection would wait for its retransmission timeout.
 *
 * Other errors: a hard one (port or protocol unreachable, administratively
 * prohibited) aborts a connection in SYN-SENT, as BSD and Linux do (RFC
 * 5461 §4.1); any other, and any error in a later state, is only noted
 * and reported if the connection times out (BSD's t_softerror). */
#include <errno.h>
#include "transport/tcp.h"
#include "net/stack.h"
#include "net/ip6_var.h"
#include "wire/tcp.h"

#define TCP_MIN_PMTU4 552u   /* Linux's net.ipv4.route.min_pmtu */
#define IP4_MIN_MTU   68u    /* RFC 791: every IPv4 link carries 68 bytes */

struct tcpcb *tcp_icmp_lookup(struct six_stack *st, const struct in6_addr *src, const struct in6_addr *dst,
                              const uint8_t *th, size_t len)
{
    struct tcp_quote q;

    CTR_INC(st, tcp, icmp_in);
    if (tcp_parse_quoted(th, len, &q) != WR_OK) {
        CTR_INC(st, tcp, drop_icmp_quote_short);
        return NULL;
    }
    struct tcpcb *tp = tcp_lookup(st, src, q.sport, dst, q.dport);
    if (!tp) {
        CTR_INC(st, tcp, drop_icmp_no_conn);
        return NULL;
    }
    /* empty in TIME_WAIT (SND.UNA = SND.MAX): nothing there to be about */
    if (seq_lt(q.seq, tp->snd_una) || seq_geq(q.seq, tp->snd_max)) {
        CTR_INC(st, tcp, drop_icmp_seq_out_of_window);
        return NULL;
    }
    return tp;
}

/* Go back to SND.UNA at the new size, as BSD's tcp_mtudisc does. Leaving a
 * recovery episode here is no new congestion response: NewReno's inflated
 * window shrinks to ssthresh as at the episode's normal end; recover =
 * SND.MAX keeps the duplicate ACKs that the resent window may draw from
 * starting another one (RFC 6582 §3.2 step 1's check). */
static void mtu_resend(struct tcpcb *tp)
{
    if (tp->persisting || tp->snd_una == tp->snd_max)
        return;
    if (tp->in_recovery && tp->cwnd > tp->ssthresh)
        tp->cwnd = tp->ssthresh;
    tp->in_recovery = false;
    tp->recover = tp->snd_max;
    tp->dupacks = 0;
    sack_clear(tp);   /* the holes were cut at the old size */
    tp->high_rxt = tp->snd_una;
    tp->rxt_valid = false;
    tp->tlp_out = false;
    tp->rtt_timing = false;   /* Karn: no sample from what is sent again */
    tp->snd_nxt = tp->snd_una;
    timer_cancel(&tp->t_rexmt);   /* tcp_output arms a full RTO for the resent data */
    tcp_output(tp);
}

void tcp_mtu_reduced(struct tcpcb *tp, uint32_t mtu)
{
    struct six_stack *st = tp->st;
    uint32_t floor = tp->v4 ? TCP_MIN_PMTU4 : IP6_MIN_MTU;

    if (tp->v4 && mtu < IP4_MIN_MTU) {
        CTR_INC(st, tcp, drop_pmtu_invalid);   /* also a pre-RFC 1191 router's 0: no plateau guessing */
        return;
    }
    if (mtu < floor) {
        CTR_INC(st, tcp, pmtu_clamped);
        mtu = floor;
    }
    uint16_t mss = tcp_mss_for_mtu(tp, mtu);
    if (!tp->mss || mss >= tp->mss) {   /* a later one about the same window, or no MSS yet (SYN-SENT) */
        CTR_INC(st, tcp, drop_pmtu_not_lower);
        return;
    }
    CTR_INC(st, tcp, pmtu_reduced);
    six_trace(st, "tcp %u→%u: path MTU %u, MSS %u → %u", tp->lport, tp->fport, mtu, tp->mss, mss);
    tp->mss = mss;
    if (tp->state >= TCPS_ESTABLISHED)   /* before, only a SYN is out: its own timer resends it */
        mtu_resend(tp);
}

void tcp_icmp_error(struct tcpcb *tp, bool hard, int err)
{
    if (hard && tp->state == TCPS_SYN_SENT) {
        CTR_INC(tp->st, tcp, icmp_hard_error);
        tcp_drop(tp, err);
        return;
    }
    CTR_INC(tp->st, tcp, icmp_soft_error);
    tp->soft_error = (uint8_t)err;   /* errno values fit: Linux's end below 134 */
}
