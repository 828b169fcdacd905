/* The sender's SACK scoreboard and loss recovery (RFC 2018, RFC 6675):
 * during recovery, send while the estimated data in flight (the pipe) is
 * below cwnd — the holes first, in order, then new data. */
#include <string.h>
#include "transport/tcp.h"
#include "net/stack.h"
#include "wire/tcp.h"

#define DUPTHRESH 3u

void sack_clear(struct tcpcb *tp)
{
    tp->n_sacked = 0;
    tp->sacked_bytes = 0;
}

static void recount(struct tcpcb *tp)
{
    tp->sacked_bytes = 0;
    for (int i = 0; i < tp->n_sacked; i++)
        tp->sacked_bytes += tp->sacked[i].r - tp->sacked[i].l;
}

/* Insert [l, r) keeping the list sorted and merged; drop the lowest block when full. */
static void insert(struct tcpcb *tp, uint32_t l, uint32_t r)
{
    int i = 0;
    while (i < tp->n_sacked && seq_lt(tp->sacked[i].r, l))
        i++;
    /* merge every block that touches [l, r) */
    int j = i;
    while (j < tp->n_sacked && seq_leq(tp->sacked[j].l, r)) {
        if (seq_lt(tp->sacked[j].l, l)) l = tp->sacked[j].l;
        if (seq_gt(tp->sacked[j].r, r)) r = tp->sacked[j].r;
        j++;
    }
    int removed = j - i;
    if (removed == 0 && tp->n_sacked == TCP_SACK_BLOCKS) {
        if (i == 0)
            return;   /* lower than everything we keep: forget it */
        memmove(&tp->sacked[0], &tp->sacked[1], (size_t)(i - 1) * sizeof tp->sacked[0]);
        i--;
        tp->n_sacked--;
    } else if (removed > 1) {
        memmove(&tp->sacked[i + 1], &tp->sacked[j], (size_t)(tp->n_sacked - j) * sizeof tp->sacked[0]);
        tp->n_sacked = (uint8_t)(tp->n_sacked - (removed - 1));
    } else if (removed == 0) {
        memmove(&tp->sacked[i + 1], &tp->sacked[i], (size_t)(tp->n_sacked - i) * sizeof tp->sacked[0]);
        tp->n_sacked++;
    }
    tp->sacked[i].l = l;
    tp->sacked[i].r = r;
}

void sack_update(struct tcpcb *tp, const void *opts_v)
{
    const struct tcp_opts *o = opts_v;

    if (!tp->sack_ok)
        return;
    for (int i = 0; i < o->n_sack; i++) {
        uint32_t l = o->sack[i].left, r = o->sack[i].right;
        /* only blocks inside what we sent and above snd_una (RFC 2018 §5; no D-SACK use) */
        if (!seq_lt(l, r) || seq_leq(l, tp->snd_una) || seq_gt(r, tp->snd_max))
            continue;
        insert(tp, l, r);
    }
    recount(tp);
}

void sack_trim(struct tcpcb *tp)
{
    int k = 0;
    for (int i = 0; i < tp->n_sacked; i++) {
        if (seq_leq(tp->sacked[i].r, tp->snd_una))
            continue;
        tp->sacked[k] = tp->sacked[i];
        if (seq_lt(tp->sacked[k].l, tp->snd_una))
            tp->sacked[k].l = tp->snd_una;
        k++;
    }
    tp->n_sacked = (uint8_t)k;
    recount(tp);
    if (seq_lt(tp->high_rxt, tp->snd_una))
        tp->high_rxt = tp->snd_una;
}

/* IsLost(snd_una): more than (DupThresh − 1) segments' worth SACKed above it,
 * with DupThresh lowered for small windows (early retransmit, RFC 5827). */
bool sack_lost(const struct tcpcb *tp)
{
    uint32_t smss = tcp_smss(tp);
    uint32_t oseg = (tp->snd_max - tp->snd_una + smss - 1) / smss;
    uint32_t thresh = oseg < DUPTHRESH + 1 && oseg > 1 ? oseg - 1 : DUPTHRESH;
    return tp->n_sacked && tp->sacked_bytes > (thresh - 1) * smss;
}

static uint32_t highest_sacked(const struct tcpcb *tp)
{
    return tp->n_sacked ? tp->sacked[tp->n_sacked - 1].r : tp->snd_una;
}

/* The first byte at or after from that is neither SACKed nor above the highest SACK; *len its run. */
static bool next_hole(const struct tcpcb *tp, uint32_t from, uint32_t *len)
{
    uint32_t top = highest_sacked(tp);

    for (int i = 0; i < tp->n_sacked && seq_lt(from, top); i++) {
        if (seq_lt(from, tp->sacked[i].l)) {
            *len = tp->sacked[i].l - from;
            return true;
        }
        if (seq_lt(from, tp->sacked[i].r))
            from = tp->sacked[i].r;
    }
    (void)top;
    return false;
}

/* RFC 6675 §4: pipe = bytes presumed in flight. Unsacked bytes below
 * high_rxt were retransmitted (in flight); unsacked bytes between high_rxt
 * and the highest SACK are presumed lost; everything above is in flight. */
static uint32_t pipe_estimate(const struct tcpcb *tp)
{
    uint32_t top = highest_sacked(tp), pipe = tp->snd_max - top;
    uint32_t rx_top = seq_lt(tp->high_rxt, top) ? tp->high_rxt : top;
    uint32_t below = rx_top - tp->snd_una, sacked_below = 0;

    for (int i = 0; i < tp->n_sacked; i++) {
        uint32_t l = tp->sacked[i].l, r = tp->sacked[i].r;
        if (seq_geq(l, rx_top))
            break;
        sacked_below += (seq_lt(r, rx_top) ? r : rx_top) - l;
    }
    return pipe + below - sacked_below;
}

void sack_una_moved(struct tcpcb *tp)
{
    /* the fence is later than the real retransmission: detection only waits longer */
    tp->rxt_valid = seq_lt(tp->snd_una, tp->high_rxt);
    tp->rxt_seq = tp->snd_una;
    tp->rxt_fence = tp->snd_max;
    tp->rxt_ns = six_now(tp->st);
}

/* The retransmission of the hole at snd_una is lost when the peer SACKs a
 * whole segment sent after it and a quarter RTT has passed beyond the round
 * trip (RFC 8985 §6.2's rule, with the sequence fence standing in for
 * per-segment send times; RFC 6675 alone would wait for the RTO).  Resend
 * it once more; the recovery episode goes on. */
static void resend_lost_retransmission(struct tcpcb *tp, uint32_t smss, uint32_t *pipe)
{
    uint64_t reo_ns = (uint64_t)tp->srtt_us * 1000 * 5 / 4;
    if (!tp->rxt_valid || tp->rxt_seq != tp->snd_una ||
        !seq_geq(highest_sacked(tp), tp->rxt_fence + smss) || six_now(tp->st) - tp->rxt_ns < reo_ns)
        return;
    uint32_t len;
    if (!next_hole(tp, tp->snd_una, &len))
        return;
    if (len > smss)
        len = smss;
    CTR_INC(tp->st, tcp, rexmt_lost);
    CTR_INC(tp->st, tcp, rexmt);
    tcp_send_data(tp, tp->snd_una, len);
    tp->rxt_fence = tp->snd_max;
    tp->rxt_ns = six_now(tp->st);
    *pipe += len;
}

void sack_recover(struct tcpcb *tp)
{
    uint32_t smss = tcp_smss(tp);
    uint32_t pipe = pipe_estimate(tp);
    uint32_t data_end = tp->snd_una + tp->sb_len;

    resend_lost_retransmission(tp, smss, &pipe);

    while (pipe + smss <= tp->cwnd) {
        uint32_t from = seq_lt(tp->high_rxt, tp->snd_una) ? tp->snd_una : tp->high_rxt, len;
        if (next_hole(tp, from, &len)) {
            if (len > smss)
                len = smss;
            tcp_send_data(tp, from, len);
            CTR_INC(tp->st, tcp, rexmt);
            if (from == tp->snd_una) {
                tp->rxt_valid = true;
                tp->rxt_seq = from;
                tp->rxt_fence = tp->snd_max;
                tp->rxt_ns = six_now(tp->st);
            }
            tcp_rexmt_arm(tp);   /* a full RTO for the retransmission, not what is left of the old one */
            tp->high_rxt = from + len;
            pipe += len;
            continue;
        }
        /* no hole left: new data, within the peer's window */
        uint32_t wnd_end = tp->snd_una + tp->snd_wnd;
        uint32_t avail = seq_lt(tp->snd_nxt, data_end) ? data_end - tp->snd_nxt : 0;
        uint32_t room = seq_lt(tp->snd_nxt, wnd_end) ? wnd_end - tp->snd_nxt : 0;
        len = avail < room ? avail : room;
        if (len > smss)
            len = smss;
        if (!len)
            break;
        tcp_send_data(tp, tp->snd_nxt, len);
        tp->snd_nxt += len;
        if (seq_gt(tp->snd_nxt, tp->snd_max))
            tp->snd_max = tp->snd_nxt;
        pipe += len;
    }
}
