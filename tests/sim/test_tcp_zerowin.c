/* TCP against a zero window, both families (issue 10): the receiver's
 * application stops reading, its buffer fills, and it advertises a zero
 * window; the sender probes it (persist timer, RFC 9293 §3.8.6.1).
 *
 * - The answers to the 1-byte probes are not duplicate ACKs (RFC 5681 §2):
 *   no fast recovery, no retransmission timer or tail loss probe in the
 *   persist state, tcp.rexmt_timeout does not move.
 * - The window update restarts the data within one round trip.
 * - A peer that answers every probe keeps its connection however long it
 *   holds the window closed (RFC 1122 §4.2.2.17), here 10 minutes.
 * - A peer that stops answering is dropped after TCP_MAX_RXT unanswered
 *   probes (tcp.persist_drop), as an unanswered retransmission would be. */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/tcp.h>
#include "../lib/t.h"
#include "../lib/simstack.h"
#include "ctl/scene.h"
#include "link/sim.h"
#include "net/stack.h"
#include "transport/tcp.h"
#include "transport/sock.h"
#include "six/socket.h"
#include "core/pkt.h"
#include "link/ifnet.h"
#include "net/netif.h"

#define MS (1000000ull)
#define SEC (1000000000ull)
#define LINK_DELAY (1 * MS)          /* one way: the round trip is 2 ms */
#define TOTAL (1u << 20)             /* far more than b's 256 KiB buffer and a's send buffer */

static struct sim_world *W;
static struct six_stack *A, *B;
static struct sim_link *L;

static void setup(uint64_t seed)
{
    struct sim_link_params lp = { .delay_ns = LINK_DELAY };
    W = sim_world_create(seed);
    L = sim_pair_dual(W, seed, 8192, &lp, &A, &B);
}

/* b enforces the window it advertised, as Linux does: sixstack's own
 * receiver takes a probe byte whenever its buffer has room behind the
 * zero window that silly window avoidance advertises, which would hide the
 * case where every probe is refused.  A hook on a records the right edge b
 * advertised last (ACK + window: rounded down by the window scale, it may
 * lie left of an earlier one); a hook on b drops a's data segments that
 * start at or past it and has b answer them (ACK = RCV.NXT,
 * window 0), as RFC 9293 §3.10.7.4 says. */
static struct tcpcb *strict_tb;
static uint32_t strict_edge;
static bool strict_edge_set, silent;   /* silent: b's TCP hears nothing more (a black hole) */
static unsigned refused;

/* The TCP header of an Ethernet frame (IPv6 without extension headers, or
 * IPv4) and the length of its payload; NULL if it is not TCP. */
static const uint8_t *tcp_of(const struct pkt *p, size_t *payload)
{
    const uint8_t *d = pkt_data(p);
    size_t ipl, len;
    if (p->len >= 14 + 40 + 20 && d[12] == 0x86 && d[13] == 0xdd && d[14 + 6] == 6) {
        ipl = 40;
        len = (size_t)d[14 + 4] << 8 | d[14 + 5];
    } else if (p->len >= 14 + 20 + 20 && d[12] == 0x08 && d[13] == 0x00 && d[14 + 9] == 6) {
        ipl = (size_t)(d[14] & 0xf) * 4;
        len = (size_t)d[14 + 2] << 8 | d[14 + 3];
        if (len < ipl)
            return NULL;
        len -= ipl;
    } else {
        return NULL;
    }
    const uint8_t *t = d + 14 + ipl;
    size_t hl = (size_t)(t[12] >> 4) * 4;
    if (14 + ipl + 20 > p->len || hl > len)
        return NULL;
    *payload = len - hl;
    return t;
}

static uint32_t be32(const uint8_t *b) { return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3]; }

/* shrink: b's segments reach a with a zero window, whatever b has room for
 * (a peer that takes back a window it offered, RFC 9293 §3.8.6.2.1) */
static bool shrink;

/* Set the window of a TCP header to 0, the checksum updated (RFC 1624). */
static void zero_window(uint8_t *t)
{
    uint32_t sum = (uint16_t)~(t[16] << 8 | t[17]);
    sum += (uint16_t)~(t[14] << 8 | t[15]);   /* + ~old; the new value, 0, adds nothing */
    sum = (sum & 0xffff) + (sum >> 16);
    sum = (sum & 0xffff) + (sum >> 16);
    uint16_t ck = (uint16_t)~sum;
    t[14] = t[15] = 0;
    t[16] = (uint8_t)(ck >> 8);
    t[17] = (uint8_t)ck;
}

static void record_edge(struct ifnet *ifp, struct pkt *p)
{
    size_t n;
    uint8_t *t = (uint8_t *)tcp_of(p, &n);
    if (strict_tb && t && (t[13] & 0x10) && !(t[13] & 0x02)) {   /* ACK, not SYN: the window is scaled */
        if (shrink)
            zero_window(t);
        unsigned ws = strict_tb->ws_ok ? strict_tb->rcv_wscale : 0;
        uint32_t edge = be32(t + 8) + ((uint32_t)(t[14] << 8 | t[15]) << ws);
        strict_edge = edge;
        strict_edge_set = true;
    }
    net_input(ifp, p);
}

static void strict_receiver(struct ifnet *ifp, struct pkt *p)
{
    size_t n;
    const uint8_t *t = tcp_of(p, &n);
    if (t && silent) {
        pkt_free(p);
        return;
    }
    if (strict_tb && strict_edge_set && t && n && seq_geq(be32(t + 4), strict_edge)) {
        pkt_free(p);
        refused++;
        strict_tb->ack_now = true;
        tcp_output(strict_tb);
        return;
    }
    net_input(ifp, p);
}

static void strict_on(int cb)
{
    strict_tb = B->socks->s[cb].tp;
    strict_edge_set = silent = shrink = false;
    refused = 0;
    if_find(B, "eth0")->input_hook = strict_receiver;
    if_find(A, "eth0")->input_hook = record_edge;
}

static void teardown(void)
{
    strict_tb = NULL;
    strict_edge_set = silent = shrink = false;
    six_stack_destroy(A);
    six_stack_destroy(B);
    sim_world_destroy(W);
}

/* A connection a → b over family; *ca on A, *cb on B. */
static bool open_pair(int family, uint16_t port, int *ca, int *cb)
{
    struct sockaddr_storage lsa = { 0 }, to = { 0 };
    socklen_t len;
    if (family == AF_INET6) {
        struct sockaddr_in6 *l6 = (struct sockaddr_in6 *)&lsa, *t6 = (struct sockaddr_in6 *)&to;
        l6->sin6_family = t6->sin6_family = AF_INET6;
        l6->sin6_port = t6->sin6_port = htons(port);
        inet_pton(AF_INET6, "2001:db8:1::b", &t6->sin6_addr);
        len = sizeof *l6;
    } else {
        struct sockaddr_in *l4 = (struct sockaddr_in *)&lsa, *t4 = (struct sockaddr_in *)&to;
        l4->sin_family = t4->sin_family = AF_INET;
        l4->sin_port = t4->sin_port = htons(port);
        inet_pton(AF_INET, "192.0.2.2", &t4->sin_addr);
        len = sizeof *l4;
    }
    int ls = six_socket(B, family, SOCK_STREAM, 0);
    T_EQ(six_bind(B, ls, (struct sockaddr *)&lsa, len), 0);
    T_EQ(six_listen(B, ls, 4), 0);
    *ca = six_socket(A, family, SOCK_STREAM, 0);
    T_EQ(six_connect(A, *ca, (struct sockaddr *)&to, len), -1);
    *cb = -1;
    for (int i = 0; i < 200 && *cb < 0; i++) {
        sim_run_for(W, 1 * MS);
        *cb = six_accept(B, ls, NULL, NULL);
    }
    return *cb >= 0 && A->socks->s[*ca].tp && A->socks->s[*ca].tp->state == TCPS_ESTABLISHED;
}

static uint8_t pattern(size_t i) { return (uint8_t)((i * 2654435761u) >> 13); }

/* The stream a writes and b reads, checked byte for byte. */
static struct { size_t sent, got; bool bad; } S;

static void pump(int ca)
{
    static uint8_t buf[16384];
    while (S.sent < TOTAL) {
        size_t k = TOTAL - S.sent < sizeof buf ? TOTAL - S.sent : sizeof buf;
        for (size_t i = 0; i < k; i++)
            buf[i] = pattern(S.sent + i);
        ssize_t w = six_send(A, ca, buf, k, 0);
        if (w <= 0)
            return;
        S.sent += (size_t)w;
    }
}

static void drain(int cb)
{
    static uint8_t buf[65536];
    ssize_t r;
    while ((r = six_recv(B, cb, buf, sizeof buf, 0)) > 0) {
        for (ssize_t i = 0; i < r; i++)
            S.bad |= buf[i] != pattern(S.got + (size_t)i);
        S.got += (size_t)r;
    }
}

/* a writes, b does not read: run until a is in the persist state. */
static bool close_window(int ca)
{
    memset(&S, 0, sizeof S);
    for (int i = 0; i < 3000; i++) {
        pump(ca);
        sim_run_for(W, 1 * MS);
        struct tcpcb *ta = A->socks->s[ca].tp;
        if (ta && ta->persisting && ta->snd_wnd == 0)
            return true;
    }
    return false;
}

/* b reads again; true when all of the stream arrived, byte-exact, within max_ns. */
static bool finish(int ca, int cb, uint64_t max_ns)
{
    uint64_t t0 = sim_now(W);
    while (S.got < TOTAL && sim_now(W) - t0 < max_ns) {
        pump(ca);
        drain(cb);
        sim_run_for(W, 1 * MS);
    }
    T_CHECK(!S.bad);
    T_EQ(S.got, TOTAL);
    return S.got == TOTAL && !S.bad;
}

/* The window stays closed for a minute (many answered probes), then b
 * reads: its window update must restart the data within one round trip,
 * and nothing in between may have armed the retransmission timer. */
static void window_update_restarts_data(int family, uint64_t seed)
{
    setup(seed);
    int ca, cb;
    T_CHECK(open_pair(family, 9500, &ca, &cb));
    strict_on(cb);
    T_CHECK(close_window(ca));
    uint64_t rto0 = CTR_GET(A, tcp, rexmt_timeout), frx0 = CTR_GET(A, tcp, fast_rexmt);
    uint64_t tlp0 = CTR_GET(A, tcp, tlp_probe), pp0 = CTR_GET(A, tcp, persist_probe);
    sim_run_for(W, 60 * SEC);
    struct tcpcb *ta = A->socks->s[ca].tp, *tb = B->socks->s[cb].tp;
    T_CHECK(ta && tb);
    if (!ta || !tb) {
        teardown();
        return;
    }
    T_CHECK(CTR_GET(A, tcp, persist_probe) >= pp0 + 5);   /* probed, and b answered each one */
    T_CHECK(refused >= 5);
    T_EQ(CTR_GET(A, tcp, rexmt_timeout), rto0);
    T_EQ(CTR_GET(A, tcp, fast_rexmt), frx0);
    T_EQ(CTR_GET(A, tcp, tlp_probe), tlp0);
    T_CHECK(ta->persisting);
    T_CHECK(!ta->in_recovery);
    T_CHECK(!timer_pending(&ta->t_rexmt));
    T_EQ(ta->rxt_shift, 0);

    /* b reads: its window update (a pure ACK) reaches a after one link delay,
     * the data is back at b one more link delay later */
    uint32_t nxt0 = tb->rcv_nxt;
    drain(cb);
    uint64_t t0 = sim_now(W), resumed = 0;
    while (sim_now(W) - t0 < 10 * SEC && !resumed) {
        sim_run_for(W, 100000);   /* 0.1 ms */
        if (tb->rcv_nxt - nxt0 > 1)
            resumed = sim_now(W) - t0;
    }
    if (resumed)
        printf("# %s: data resumed %.1f ms after the window update\n", family == AF_INET6 ? "IPv6" : "IPv4",
               resumed / 1e6);
    else
        printf("# %s: no data in the 10 s after the window update\n", family == AF_INET6 ? "IPv6" : "IPv4");
    T_CHECK(resumed > 0 && resumed <= 2 * LINK_DELAY + MS / 2);
    T_CHECK(!ta->persisting);
    T_CHECK(finish(ca, cb, 20 * SEC));
    T_EQ(CTR_GET(A, tcp, conn_timeout), 0);
    T_EQ(CTR_GET(A, tcp, rexmt_timeout), rto0);
    teardown();
}

TEST(window_update_restarts_data_ipv6) { window_update_restarts_data(AF_INET6, 100); }
TEST(window_update_restarts_data_ipv4) { window_update_restarts_data(AF_INET, 110); }

/* b keeps its window closed for ten minutes and answers every probe: the
 * connection stays (RFC 1122 §4.2.2.17), probes go at least once a minute,
 * keepalive (on here, 10 s idle) does not drop it either; then the whole
 * stream arrives byte-exact. */
static void ten_minute_zero_window(int family, uint64_t seed)
{
    setup(seed);
    int ca, cb, on = 1, idle = 10, intvl = 2, cnt = 3;
    T_CHECK(open_pair(family, 9600, &ca, &cb));
    strict_on(cb);
    T_EQ(six_setsockopt(A, ca, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on), 0);
    T_EQ(six_setsockopt(A, ca, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle), 0);
    T_EQ(six_setsockopt(A, ca, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof intvl), 0);
    T_EQ(six_setsockopt(A, ca, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof cnt), 0);
    T_CHECK(close_window(ca));
    uint64_t rto0 = CTR_GET(A, tcp, rexmt_timeout), pp0 = CTR_GET(A, tcp, persist_probe);
    unsigned alive = 0;
    for (unsigned s = 0; s < 600; s++) {
        sim_run_for(W, 1 * SEC);
        struct tcpcb *ta = A->socks->s[ca].tp;
        if (!ta || ta->state != TCPS_ESTABLISHED)
            break;
        alive = s + 1;
    }
    printf("# %s: established for %u of 600 s of zero window, %llu probes\n", family == AF_INET6 ? "IPv6" : "IPv4",
           alive, (unsigned long long)(CTR_GET(A, tcp, persist_probe) - pp0));
    T_EQ(alive, 600);
    T_CHECK(CTR_GET(A, tcp, persist_probe) >= pp0 + 10);   /* the interval stays at or under 60 s */
    T_EQ(CTR_GET(A, tcp, rexmt_timeout), rto0);
    T_EQ(CTR_GET(A, tcp, conn_timeout), 0);
    T_EQ(CTR_GET(A, tcp, persist_drop), 0);
    T_EQ(CTR_GET(A, tcp, keepalive_drop), 0);
    T_CHECK(finish(ca, cb, 30 * SEC));
    T_EQ(CTR_GET(A, tcp, rexmt_timeout), rto0);
    teardown();
}

TEST(ten_minute_zero_window_ipv6) { ten_minute_zero_window(AF_INET6, 200); }
TEST(ten_minute_zero_window_ipv4) { ten_minute_zero_window(AF_INET, 210); }

/* b goes silent while its window is closed (its TCP hears nothing more):
 * a gives up after TCP_MAX_RXT unanswered probes — minutes (at most
 * TCP_MAX_RXT + 1 minutes), not never — counted,
 * and the socket sees ETIMEDOUT. */
static void silent_peer_dropped(int family, uint64_t seed, unsigned answered_s)
{
    setup(seed);
    int ca, cb;
    T_CHECK(open_pair(family, 9700, &ca, &cb));
    strict_on(cb);
    T_CHECK(close_window(ca));
    sim_run_for(W, answered_s * SEC);   /* answered probes first: they must not count */
    silent = true;
    uint64_t t0 = sim_now(W), gone = 0;
    while (sim_now(W) - t0 < 30 * 60 * SEC && !gone) {
        sim_run_for(W, 1 * SEC);
        if (!A->socks->s[ca].tp)
            gone = sim_now(W) - t0;
    }
    printf("# %s: peer silent after %u s of answers: %s after %llu s\n", family == AF_INET6 ? "IPv6" : "IPv4",
           answered_s, gone ? "dropped" : "still there", (unsigned long long)((gone ? gone : sim_now(W) - t0) / SEC));
    T_CHECK(gone > 0);
    T_CHECK(gone >= 60 * SEC);   /* not before the probes had time to be answered */
    T_CHECK(gone <= (TCP_MAX_RXT + 1) * 60 * SEC);   /* probes at least once a minute */
    T_EQ(CTR_GET(A, tcp, persist_drop), 1);
    T_EQ(CTR_GET(A, tcp, conn_timeout), 0);
    char c;
    T_EQ(six_recv(A, ca, &c, 1, 0), -1);
    T_EQ(errno, ETIMEDOUT);
    teardown();
}

TEST(silent_peer_dropped_ipv6) { silent_peer_dropped(AF_INET6, 300, 30); }
TEST(silent_peer_dropped_ipv4) { silent_peer_dropped(AF_INET, 310, 30); }
TEST(peer_silent_from_the_start_dropped_ipv6) { silent_peer_dropped(AF_INET6, 320, 0); }
TEST(peer_silent_from_the_start_dropped_ipv4) { silent_peer_dropped(AF_INET, 330, 0); }

/* b takes back the window it offered while a has data in flight, and keeps
 * it at zero for ten minutes: the retransmission that finds the window
 * closed turns into probing (RFC 9293 §3.8.6.2.1: "MUST probe it"), b
 * answers the probes, a keeps the connection; b offers its window again and
 * the stream completes byte-exact. */
static void window_shrinks_to_zero(int family, uint64_t seed)
{
    setup(seed);
    int ca, cb;
    T_CHECK(open_pair(family, 9800, &ca, &cb));
    strict_on(cb);
    memset(&S, 0, sizeof S);
    for (int i = 0; i < 20; i++) {   /* b reads: the window is open, data flows */
        pump(ca);
        drain(cb);
        sim_run_for(W, 1 * MS);
    }
    struct tcpcb *ta = A->socks->s[ca].tp;
    T_CHECK(ta && ta->snd_max != ta->snd_una);   /* in flight when the window shrinks */
    shrink = true;
    strict_edge = strict_tb->rcv_nxt;   /* what is in flight is refused too */
    unsigned alive = 0;
    for (unsigned s = 0; s < 600; s++) {
        sim_run_for(W, 1 * SEC);
        ta = A->socks->s[ca].tp;
        if (!ta || ta->state != TCPS_ESTABLISHED)
            break;
        alive = s + 1;
    }
    printf("# %s: established for %u of 600 s of a shrunk window, %llu probes\n", family == AF_INET6 ? "IPv6" : "IPv4",
           alive, (unsigned long long)CTR_GET(A, tcp, persist_probe));
    T_EQ(alive, 600);
    T_CHECK(ta && ta->persisting);
    T_CHECK(CTR_GET(A, tcp, persist_probe) >= 10);
    T_CHECK(CTR_GET(A, tcp, rexmt_timeout) <= 1);   /* the one that found the window closed */
    T_EQ(CTR_GET(A, tcp, conn_timeout), 0);
    shrink = false;   /* b's answer to the next probe offers its window again */
    T_CHECK(finish(ca, cb, 90 * SEC));
    teardown();
}

/* b takes the probe byte but says its window is still zero (its ACKs reach
 * a with a zero window, b itself accepts): the probe took the last byte of
 * a's send buffer. Suspected: a stays in the persist state with nothing to
 * probe with, its timer stops, and what it writes next (and its FIN) never
 * goes. Not so: the ACK that empties the buffer ends the persist state
 * ("win >= sb_len" in ack_input), the next write finds the window closed and
 * probes again, and b's answer opens the window. */
static void probe_takes_last_byte(int family, uint64_t seed)
{
    setup(seed);
    int ca, cb;
    T_CHECK(open_pair(family, 9900, &ca, &cb));
    strict_tb = B->socks->s[cb].tp;
    if_find(A, "eth0")->input_hook = record_edge;   /* rewrites b's windows; b's own input is untouched */
    T_EQ(six_send(A, ca, "x", 1, 0), 1);
    sim_run_for(W, 100 * MS);
    shrink = true;
    T_EQ(six_send(B, cb, "w", 1, 0), 1);   /* its window, seen as zero by a */
    sim_run_for(W, 100 * MS);
    struct tcpcb *ta = A->socks->s[ca].tp;
    T_CHECK(ta && ta->snd_wnd == 0);
    T_EQ(six_send(A, ca, "y", 1, 0), 1);   /* the window is closed: a probes with this byte, b takes it */
    sim_run_for(W, 5 * SEC);
    T_CHECK(ta->sb_len == 0);
    T_CHECK(CTR_GET(A, tcp, persist_probe) >= 1);
    T_CHECK(!ta->persisting);
    shrink = false;
    static uint8_t buf[1000];
    memset(buf, 'z', sizeof buf);
    T_EQ(six_send(A, ca, buf, sizeof buf, 0), (ssize_t)sizeof buf);
    T_EQ(six_shutdown(A, ca, SHUT_WR), 0);
    size_t got = 0;
    bool eof = false;
    for (int i = 0; i < 30000 && !eof; i++) {
        sim_run_for(W, 1 * MS);
        ssize_t r;
        while ((r = six_recv(B, cb, buf, sizeof buf, 0)) > 0)
            got += (size_t)r;
        eof = r == 0;
    }
    printf("# %s: after the probe took the last byte: %zu of 1002 bytes, %s\n", family == AF_INET6 ? "IPv6" : "IPv4",
           got, eof ? "EOF" : "no EOF");
    T_EQ(got, 1002);   /* x, y and the 1000 */
    T_CHECK(eof);
    teardown();
}

TEST(probe_takes_last_byte_ipv6) { probe_takes_last_byte(AF_INET6, 500); }
TEST(probe_takes_last_byte_ipv4) { probe_takes_last_byte(AF_INET, 510); }

TEST(window_shrinks_to_zero_ipv6) { window_shrinks_to_zero(AF_INET6, 400); }
TEST(window_shrinks_to_zero_ipv4) { window_shrinks_to_zero(AF_INET, 410); }

int main(void)
{
    RUN(window_update_restarts_data_ipv6);
    RUN(window_update_restarts_data_ipv4);
    RUN(ten_minute_zero_window_ipv6);
    RUN(ten_minute_zero_window_ipv4);
    RUN(silent_peer_dropped_ipv6);
    RUN(silent_peer_dropped_ipv4);
    RUN(peer_silent_from_the_start_dropped_ipv6);
    RUN(peer_silent_from_the_start_dropped_ipv4);
    RUN(window_shrinks_to_zero_ipv6);
    RUN(window_shrinks_to_zero_ipv4);
    RUN(probe_takes_last_byte_ipv6);
    RUN(probe_takes_last_byte_ipv4);
    return t_done();
}
