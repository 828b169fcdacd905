/* Congestion control. CUBIC (RFC 9438) by default, NewReno (RFC 5681 with
 * RFC 6582 recovery) on request (TCP_CONGESTION "reno"). Windows in bytes;
 * CUBIC's own arithmetic in segments and seconds, as the RFC writes it. */
#include <math.h>
#include <string.h>
#include "transport/tcp.h"
#include "net/stack.h"

#define CUBIC_C    0.4
#define CUBIC_BETA 0.7

const char *cc_name(int cc)
{
    return cc == TCP_CC_RENO ? "reno" : "cubic";
}

int cc_by_name(const char *name)
{
    if (!strcmp(name, "cubic")) return TCP_CC_CUBIC;
    if (!strcmp(name, "reno") || !strcmp(name, "newreno")) return TCP_CC_RENO;
    return -1;
}

void cc_init(struct tcpcb *tp)
{
    tp->cwnd = 10u * tp->mss;   /* RFC 6928 */
    tp->ssthresh = UINT32_MAX;
    tp->cubic_wmax = 0;
    tp->cubic_epoch_ns = 0;
}

static void reno_avoid(struct tcpcb *tp)
{
    uint32_t inc = (uint32_t)((uint64_t)tp->mss * tp->mss / tp->cwnd);
    tp->cwnd += inc ? inc : 1;
}

/* RFC 9438 §4.2–4.4: W_cubic(t) = C (t − K)³ + W_max, with the Reno-friendly estimate. */
static void cubic_avoid(struct tcpcb *tp, uint32_t acked)
{
    uint64_t now = six_now(tp->st);
    double mss = tp->mss, cwnd = tp->cwnd / mss;

    if (!tp->cubic_epoch_ns) {
        tp->cubic_epoch_ns = now;
        if (tp->cubic_wmax > cwnd) {
            tp->cubic_k = (float)cbrt((tp->cubic_wmax - cwnd) / CUBIC_C);
        } else {
            tp->cubic_k = 0;
            tp->cubic_wmax = (float)cwnd;
        }
        tp->cubic_west = (float)cwnd;
    }
    double rtt = tp->srtt_us ? tp->srtt_us / 1e6 : 0.1;
    double t = (now - tp->cubic_epoch_ns) / 1e9 + rtt - tp->cubic_k;
    double target = CUBIC_C * t * t * t + tp->cubic_wmax;
    tp->cubic_west += (float)(3.0 * (1 - CUBIC_BETA) / (1 + CUBIC_BETA) * (acked / mss) / cwnd);
    if (target > 1.5 * cwnd)
        target = 1.5 * cwnd;
    double next = cwnd;
    if (tp->cubic_west > target)
        next = tp->cubic_west;                                   /* Reno-friendly region */
    else if (target > cwnd)
        next = cwnd + (target - cwnd) / cwnd * (acked / mss);    /* concave / convex region */
    uint32_t bytes = (uint32_t)(next * mss);
    if (bytes > tp->cwnd)
        tp->cwnd = bytes;
}

void cc_on_ack(struct tcpcb *tp, uint32_t acked)
{
    if (tp->cwnd < tp->ssthresh) {
        tp->cwnd += acked < tp->mss ? acked : tp->mss;   /* slow start */
        return;
    }
    if (tp->cc == TCP_CC_RENO)
        reno_avoid(tp);
    else
        cubic_avoid(tp, acked);
}

void cc_on_loss(struct tcpcb *tp, bool timeout)
{
    uint32_t flight = tp->snd_max - tp->snd_una, floor = 2u * tp->mss;

    if (tp->cc == TCP_CC_RENO) {
        tp->ssthresh = flight / 2 > floor ? flight / 2 : floor;
    } else {
        double cwnd = (double)tp->cwnd / tp->mss;
        /* fast convergence (§4.7): give way if the last maximum was not reached */
        tp->cubic_wmax = (float)(cwnd < tp->cubic_wmax ? cwnd * (1 + CUBIC_BETA) / 2 : cwnd);
        uint32_t ss = (uint32_t)(tp->cwnd * CUBIC_BETA);
        tp->ssthresh = ss > floor ? ss : floor;
        tp->cubic_epoch_ns = 0;
    }
    if (timeout)
        tp->cwnd = tp->mss;   /* loss window (RFC 5681 §3.1) */
}
