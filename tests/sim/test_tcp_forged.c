/* TCP state that forged or stray segments could move before they are
 * validated (issue 10, "the rest of their kind"), both families, on the
 * virtual clock: an RTT sample from an implausible TSecr, ACKs in answer
 * to unacceptable pure ACKs (rate-limited), and a SYN reopening TIME_WAIT
 * (RFC 6191: by timestamp when there are timestamps). */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <arpa/inet.h>
#include "../lib/t.h"
#include "../lib/simstack.h"
#include "../lib/inject.h"
#include "ctl/scene.h"
#include "link/sim.h"
#include "link/ifnet.h"
#include "net/stack.h"
#include "transport/tcp.h"
#include "transport/sock.h"
#include "six/socket.h"
#include "wire/tcp.h"
#include "wire/ip4.h"
#include "wire/ip6.h"
#include "wire/ip6ext.h"
#include "wire/cksum.h"

#define MS (1000000ull)
#define SEC (1000000000ull)

static struct sim_world *W;
static struct six_stack *A, *B;
static struct sim_link *L;

static void setup(uint64_t seed)
{
    struct sim_link_params p = { .delay_ns = 1 * MS };
    W = sim_world_create(seed);
    L = sim_pair_dual(W, seed, 8192, &p, &A, &B);
}

static void teardown(void)
{
    six_stack_destroy(A);
    six_stack_destroy(B);
    sim_world_destroy(W);
}

/* A listener on b:port (IPv6 socket, takes IPv4 too) and a connection a → b over family. */
static bool connect_family(int family, uint16_t port, int *ls, int *ca, int *cb)
{
    struct sockaddr_in6 any = { .sin6_family = AF_INET6, .sin6_port = htons(port) };
    *ls = six_socket(B, AF_INET6, SOCK_STREAM, 0);
    T_EQ(six_bind(B, *ls, (struct sockaddr *)&any, sizeof any), 0);
    T_EQ(six_listen(B, *ls, 16), 0);
    struct sockaddr_in6 to6 = { .sin6_family = AF_INET6, .sin6_port = htons(port) };
    struct sockaddr_in to4 = { .sin_family = AF_INET, .sin_port = htons(port) };
    inet_pton(AF_INET6, "2001:db8:1::b", &to6.sin6_addr);
    inet_pton(AF_INET, "192.0.2.2", &to4.sin_addr);
    *ca = six_socket(A, family, SOCK_STREAM, 0);
    if (family == AF_INET6)
        six_connect(A, *ca, (struct sockaddr *)&to6, sizeof to6);
    else
        six_connect(A, *ca, (struct sockaddr *)&to4, sizeof to4);
    *cb = -1;
    for (int i = 0; i < 200 && *cb < 0; i++) {
        sim_run_for(W, 1 * MS);
        *cb = six_accept(B, *ls, NULL, NULL);
    }
    return *cb >= 0 && A->socks->s[*ca].tp && A->socks->s[*ca].tp->state == TCPS_ESTABLISHED;
}

/* n bytes a → b, read back whole on b. */
static bool move_bytes(int ca, int cb, size_t n)
{
    static uint8_t buf[65536];
    size_t sent = 0, got = 0;
    memset(buf, 'x', sizeof buf);
    for (int i = 0; i < 5000 && got < n; i++) {
        while (sent < n) {
            ssize_t w = six_send(A, ca, buf, n - sent < sizeof buf ? n - sent : sizeof buf, 0);
            if (w <= 0)
                break;
            sent += (size_t)w;
        }
        sim_run_for(W, 1 * MS);
        ssize_t r;
        while ((r = six_recv(B, cb, buf, sizeof buf, 0)) > 0)
            got += (size_t)r;
    }
    return got == n;
}

/* A forged segment carrying dl bytes of 'e' (no data when dl is 0). */
static void forge(struct six_stack *to, struct six_stack *from, const struct in6_addr *src, const struct in6_addr *dst,
                  uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack, uint8_t flags,
                  const struct tcp_opts *opts, size_t dl)
{
    static uint8_t data[2048];
    T_CHECK(dl <= sizeof data);
    memset(data, 'e', dl);
    T_CHECK(inj_tcp_forge(to, from, src, dst, sport, dport, seq, ack, flags, 65535, opts, data, dl));
}

/* A segment injected at `to` as if `from` had sent it on its connection fp
 * (fp's addresses and ports; IPv4-mapped: IPv4). */
static void forge_on(struct six_stack *to, struct six_stack *from, const struct tcpcb *fp, uint32_t seq, uint32_t ack,
                     uint8_t flags, const struct tcp_opts *opts, size_t dl)
{
    forge(to, from, &fp->laddr, &fp->faddr, fp->lport, fp->fport, seq, ack, flags, opts, dl);
}

static uint32_t now_ms(struct six_stack *st) { return (uint32_t)(six_now(st) / MS); }

/* RFC 7323 §4.1 / RFC 6298: an ACK of new data whose TSecr is 30 s old
 * (or in the future) gives no RTT sample: before, the old one alone pushed
 * a's RTO from 200 ms to over 30 s. A real one still does. */
TEST(rtt_sample_needs_plausible_tsecr)
{
    for (int family = AF_INET6; family; family = family == AF_INET6 ? AF_INET : 0) {
        setup(family == AF_INET6 ? 41 : 42);
        int ls, ca, cb;
        T_CHECK(connect_family(family, 7100, &ls, &ca, &cb));
        struct tcpcb *ta = A->socks->s[ca].tp, *tb = B->socks->s[cb].tp;
        T_CHECK(ta && tb && ta->ts_ok && ta->v4 == (family == AF_INET));
        if (!ta || !tb) { teardown(); continue; }
        T_CHECK(move_bytes(ca, cb, 200000));
        T_EQ(CTR_GET(A, tcp, rtt_sample_ignored), 0);   /* real samples all pass */
        sim_run_for(W, 40 * SEC);                        /* a clock far enough from 0 for a 30 s old TSecr */
        for (int future = 0; future <= 1; future++) {
            uint32_t rto = ta->rto_ms, srtt = ta->srtt_us;
            T_CHECK(rto <= 1000);
            static const char data[1000];
            T_EQ(six_send(A, ca, data, sizeof data, 0), (ssize_t)sizeof data);   /* out, not yet acked */
            struct tcp_opts o = { .has_ts = true, .tsval = ta->ts_recent + 1,
                                  .tsecr = future ? now_ms(A) + 5000 : now_ms(A) - 30000 };
            forge_on(A, B, tb, ta->rcv_nxt, ta->snd_una + 500, TCP_ACK, &o, 0);
            T_EQ(CTR_GET(A, tcp, rtt_sample_ignored), future + 1);
            printf("# %s: %s TSecr: RTO %u ms -> %u ms\n", family == AF_INET6 ? "IPv6" : "IPv4",
                   future ? "future" : "30 s old", rto, ta->rto_ms);
            T_EQ(ta->rto_ms, rto);
            T_EQ(ta->srtt_us, srtt);
            sim_run_for(W, 100 * MS);
            char buf[1000];
            T_EQ(six_recv(B, cb, buf, sizeof buf, 0), (ssize_t)sizeof buf);
        }
        T_CHECK(move_bytes(ca, cb, 100000));   /* the real ACKs give samples as before */
        T_EQ(CTR_GET(A, tcp, rtt_sample_ignored), 2);
        T_CHECK(ta->rto_ms <= 1000);
        teardown();
    }
}

/* The ACK in answer to an unacceptable segment: for pure ACKs (out of the
 * window, or old by PAWS) one per connection per 500 ms, the rest counted;
 * a segment with data (a zero-window probe, a keepalive's byte) always gets
 * its answer. Before, each of 40 forged pure ACKs got one. */
TEST(dupack_to_unacceptable_rate_limited)
{
    for (int family = AF_INET6; family; family = family == AF_INET6 ? AF_INET : 0) {
        setup(family == AF_INET6 ? 43 : 44);
        int ls, ca, cb;
        T_CHECK(connect_family(family, 7101, &ls, &ca, &cb));
        struct tcpcb *ta = A->socks->s[ca].tp, *tb = B->socks->s[cb].tp;
        T_CHECK(ta && tb && tb->ts_ok);
        if (!ta || !tb) { teardown(); continue; }
        T_CHECK(move_bytes(ca, cb, 50000));
        sim_run_for(W, 1 * SEC);
        for (int paws = 0; paws <= 1; paws++) {
            uint64_t out = CTR_GET(B, tcp, out_segs), lim = CTR_GET(B, tcp, dupack_limited);
            uint64_t oow = CTR_GET(B, tcp, drop_out_of_window);
            for (int i = 0; i < 40; i++) {   /* 40 pure ACKs in 80 ms */
                struct tcp_opts o = { .has_ts = true, .tsval = paws ? tb->ts_recent - 1000 : now_ms(A),
                                      .tsecr = ta->ts_recent };
                uint32_t seq = paws ? tb->rcv_nxt : tb->rcv_nxt + 0x40000000u;
                forge_on(B, A, ta, seq, tb->snd_una, TCP_ACK, &o, 0);
                sim_run_for(W, 2 * MS);
            }
            printf("# %s, %s: %llu ACKs sent to 40 pure ACKs\n", family == AF_INET6 ? "IPv6" : "IPv4",
                   paws ? "old by PAWS" : "out of window", (unsigned long long)(CTR_GET(B, tcp, out_segs) - out));
            T_EQ(CTR_GET(B, tcp, drop_out_of_window), oow + 40);
            T_EQ(CTR_GET(B, tcp, out_segs), out + 1);
            T_EQ(CTR_GET(B, tcp, dupack_limited), lim + 39);
            /* segments with data are answered, limit or not */
            out = CTR_GET(B, tcp, out_segs);
            for (int i = 0; i < 5; i++) {
                struct tcp_opts o = { .has_ts = true, .tsval = paws ? tb->ts_recent - 1000 : now_ms(A),
                                      .tsecr = ta->ts_recent };
                forge_on(B, A, ta, paws ? tb->rcv_nxt : tb->rcv_nxt + 0x40000000u, tb->snd_una, TCP_ACK, &o, 1);
                sim_run_for(W, 2 * MS);
            }
            T_EQ(CTR_GET(B, tcp, out_segs), out + 5);
            T_EQ(CTR_GET(B, tcp, dupack_limited), lim + 39);
            sim_run_for(W, 600 * MS);   /* a new period: the next one is answered */
        }
        T_EQ(tb->state, TCPS_ESTABLISHED);
        T_CHECK(move_bytes(ca, cb, 50000));
        teardown();
    }
}

/* RFC 6191: b closes first and holds TIME_WAIT; SYNs from a's address and
 * port try to reopen it. With timestamps: a SYN with an old TSval is refused
 * even with a higher ISN (before: it reopened on the ISN alone), one with a
 * newer TSval is taken even with a lower ISN (before: refused). A SYN
 * without timestamps falls back to the ISN rule. */
TEST(time_wait_reopen_by_timestamp)
{
    for (int family = AF_INET6; family; family = family == AF_INET6 ? AF_INET : 0) {
        for (int c = 0; c < 4; c++) {
            setup((family == AF_INET6 ? 45 : 46) + 10 * (uint64_t)c);
            int ls, ca, cb;
            T_CHECK(connect_family(family, 7102, &ls, &ca, &cb));
            struct tcpcb *ta = A->socks->s[ca].tp, *tb = B->socks->s[cb].tp;
            T_CHECK(ta && tb && tb->ts_ok);
            if (!ta || !tb) { teardown(); continue; }
            T_CHECK(move_bytes(ca, cb, 10000));
            T_EQ(six_close(B, cb), 0);
            sim_run_for(W, 10 * MS);
            T_EQ(six_close(A, ca), 0);
            sim_run_for(W, 10 * MS);
            T_EQ(B->tcp->n_tw, 1);
            T_CHECK(tb->state == TCPS_TIME_WAIT);
            struct in6_addr asrc = tb->faddr, bdst = tb->laddr;
            uint16_t aport = tb->fport, bport = tb->lport;
            uint32_t recent = tb->ts_recent, rcv_nxt = tb->rcv_nxt;
            /* c: 0 old TSval + higher ISN, 1 newer TSval + lower ISN, 2/3 no TS with lower/higher ISN */
            bool has_ts = c < 2, newer = c == 1, isn_up = c == 0 || c == 3, reopens = c == 1 || c == 3;
            struct tcp_opts o = { .has_ts = has_ts, .tsval = newer ? recent + 1000 : recent - 1000,
                                  .has_mss = true, .mss = 1400 };
            forge(B, A, &asrc, &bdst, aport, bport, isn_up ? rcv_nxt + 100000 : rcv_nxt - 100000, 0, TCP_SYN, &o, 0);
            struct tcpcb *now = tcp_lookup(B, &bdst, bport, &asrc, aport);
            printf("# %s, SYN %s, ISN %s: %s\n", family == AF_INET6 ? "IPv6" : "IPv4",
                   has_ts ? (newer ? "TSval newer" : "TSval old") : "without TS", isn_up ? "higher" : "lower",
                   now && now->state == TCPS_SYN_RECEIVED ? "reopened" : "refused");
            T_EQ(B->tcp->n_tw, reopens ? 0 : 1);
            T_CHECK(now != NULL);
            if (now)
                T_EQ(now->state, reopens ? TCPS_SYN_RECEIVED : TCPS_TIME_WAIT);
            T_EQ(CTR_GET(B, tcp, tw_syn_old_ts), c == 0);
            teardown();
        }
    }
}

int main(void)
{
    RUN(rtt_sample_needs_plausible_tsecr);
    RUN(dupack_to_unacceptable_rate_limited);
    RUN(time_wait_reopen_by_timestamp);
    return t_done();
}
