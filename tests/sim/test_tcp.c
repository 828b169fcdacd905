/* TCP on the simulator: handshake, byte-exact transfers (both families and
 * IPv4-mapped), loss/duplication/reordering, orderly and abortive close,
 * RST for closed ports, simultaneous open, RFC 5961 blind attacks, TIME_WAIT
 * and its reuse, zero-window probing. */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include "../lib/t.h"
#include "../lib/simstack.h"
#include "../lib/inject.h"
#include "ctl/scene.h"
#include "link/sim.h"
#include "net/stack.h"
#include "transport/tcp.h"
#include "transport/sock.h"
#include "six/socket.h"
#include <netinet/tcp.h>
#include "wire/tcp.h"
#include "wire/ip6.h"
#include "wire/ip6ext.h"
#include "wire/ether.h"
#include "wire/cksum.h"
#include "wire/ip4.h"
#include "net/ip6_var.h"
#include "link/ifnet.h"
#include "net/netif.h"
#include "core/pkt.h"

#define MS (1000000ull)
#define SEC (1000000000ull)

static struct sim_world *W;
static struct six_stack *A, *B;
static struct sim_link *L;

static void setup(const struct sim_link_params *p, uint64_t seed)
{
    struct sim_link_params def = { .delay_ns = 1 * MS };
    W = sim_world_create(seed);
    L = sim_pair_dual(W, seed, 8192, p ? p : &def, &A, &B);
}

static void teardown(void)
{
    six_stack_destroy(A);
    six_stack_destroy(B);
    sim_world_destroy(W);
}

static struct sockaddr_in6 sa6(const char *a, uint16_t port)
{
    struct sockaddr_in6 s = { .sin6_family = AF_INET6, .sin6_port = htons(port) };
    inet_pton(AF_INET6, a, &s.sin6_addr);
    return s;
}

static int listener(struct six_stack *st, int family, uint16_t port)
{
    int sd = six_socket(st, family, SOCK_STREAM, 0);
    if (family == AF_INET6) {
        struct sockaddr_in6 any = sa6("::", port);
        T_EQ(six_bind(st, sd, (struct sockaddr *)&any, sizeof any), 0);
    } else {
        struct sockaddr_in any = { .sin_family = AF_INET, .sin_port = htons(port) };
        T_EQ(six_bind(st, sd, (struct sockaddr *)&any, sizeof any), 0);
    }
    T_EQ(six_listen(st, sd, 16), 0);
    return sd;
}

/* connect a → b:port and accept; returns the two descriptors */
static bool connect_pair(const struct sockaddr *to, socklen_t tolen, int ls, int *ca, int *cb)
{
    *ca = six_socket(A, to->sa_family, SOCK_STREAM, 0);
    int rc = six_connect(A, *ca, to, tolen);
    T_EQ(rc, -1);
    T_EQ(errno, EINPROGRESS);
    for (int i = 0; i < 200; i++) {
        sim_run_for(W, 1 * MS);
        *cb = six_accept(B, ls, NULL, NULL);
        if (*cb >= 0)
            break;
    }
    struct six_pollfd pf = { .sd = *ca, .events = POLLOUT };
    six_poll(A, &pf, 1);
    return *cb >= 0 && (pf.revents & POLLOUT);
}

static uint8_t pattern(size_t i) { return (uint8_t)((i * 2654435761u) >> 13); }

/* Move n bytes from (sa on A) to (sb on B), checking every byte. Returns ns taken or 0 on failure. */
static uint64_t transfer(int sa, int sb, size_t n, uint64_t max_ns)
{
    static uint8_t buf[65536];
    size_t sent = 0, got = 0;
    uint64_t t0 = sim_now(W);
    bool bad = false;

    while (got < n && sim_now(W) - t0 < max_ns) {
        while (sent < n) {
            size_t k = n - sent < sizeof buf ? n - sent : sizeof buf;
            for (size_t i = 0; i < k; i++)
                buf[i] = pattern(sent + i);
            ssize_t w = six_send(A, sa, buf, k, 0);
            if (w <= 0)
                break;
            sent += (size_t)w;
        }
        ssize_t r;
        while ((r = six_recv(B, sb, buf, sizeof buf, 0)) > 0) {
            for (ssize_t i = 0; i < r; i++)
                bad |= buf[i] != pattern(got + (size_t)i);
            got += (size_t)r;
        }
        sim_run_for(W, 1 * MS);
    }
    T_CHECK(!bad);
    T_EQ(got, n);
    return got == n && !bad ? sim_now(W) - t0 : 0;
}

static void forge_addr(struct six_stack *to, struct six_stack *from, const struct in6_addr *src,
                       const struct in6_addr *dst, uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack,
                       uint8_t flags, uint16_t win, const struct tcp_opts *opts, const void *data, size_t dl)
{
    T_CHECK(inj_tcp_forge(to, from, src, dst, sport, dport, seq, ack, flags, win, opts, data, dl));
}

/* The same on the connection fp of `from` (its addresses and ports). */
static void forge(struct six_stack *to, struct six_stack *from, const struct tcpcb *fp, uint32_t seq, uint32_t ack,
                  uint8_t flags, uint16_t win, const struct tcp_opts *opts, const void *data, size_t dl)
{
    forge_addr(to, from, &fp->laddr, &fp->faddr, fp->lport, fp->fport, seq, ack, flags, win, opts, data, dl);
}

/* A timestamp option as `from` would send now (+ ahead ms), echoing fp's TS.Recent. */
static struct tcp_opts ts_opt(struct six_stack *from, const struct tcpcb *fp, uint32_t ahead)
{
    return (struct tcp_opts){ .has_ts = true, .tsval = (uint32_t)(six_now(from) / MS) + ahead, .tsecr = fp->ts_recent };
}

/* A listener on b and a connection to it over IPv6 or IPv4. */
static bool connect_family(int family, uint16_t port, int *ls, int *ca, int *cb)
{
    *ls = listener(B, AF_INET6, port);
    if (family == AF_INET6) {
        struct sockaddr_in6 to = sa6("2001:db8:1::b", port);
        return connect_pair((struct sockaddr *)&to, sizeof to, *ls, ca, cb);
    }
    struct sockaddr_in to4 = { .sin_family = AF_INET, .sin_port = htons(port) };
    inet_pton(AF_INET, "192.0.2.2", &to4.sin_addr);
    return connect_pair((struct sockaddr *)&to4, sizeof to4, *ls, ca, cb);
}

TEST(handshake_transfer_close_ipv6)
{
    setup(NULL, 11);
    int ls = listener(B, AF_INET6, 80), ca, cb;
    struct sockaddr_in6 to = sa6("2001:db8:1::b", 80);
    T_CHECK(connect_pair((struct sockaddr *)&to, sizeof to, ls, &ca, &cb));
    T_EQ(B->socks->s[cb].tp->state, TCPS_ESTABLISHED);
    T_CHECK(transfer(ca, cb, 1 << 20, 10 * SEC) > 0);
    /* orderly close: a FINs, b reads EOF, b closes, a goes through TIME_WAIT */
    T_EQ(six_shutdown(A, ca, SHUT_WR), 0);
    sim_run_for(W, 10 * MS);
    char c;
    T_EQ(six_recv(B, cb, &c, 1, 0), 0);   /* EOF */
    T_EQ(six_close(B, cb), 0);
    sim_run_for(W, 10 * MS);
    T_EQ(six_recv(A, ca, &c, 1, 0), 0);
    struct tcpcb *tp = A->socks->s[ca].tp;
    T_CHECK(tp && tp->state == TCPS_TIME_WAIT);
    T_EQ(six_close(A, ca), 0);
    T_EQ(A->tcp->n_tw, 1);
    sim_run_for(W, 61 * SEC);
    T_EQ(A->tcp->n_tw, 0);
    T_EQ(A->tcp->n_conns, 0);
    T_EQ(B->tcp->n_conns, 1);   /* only the listener is left */
    teardown();
}

TEST(ipv4_and_mapped_share_one_tcp)
{
    setup(NULL, 12);
    int ls6 = listener(B, AF_INET6, 8080), ca, cb;   /* dual-stack listener */
    struct sockaddr_in to4 = { .sin_family = AF_INET, .sin_port = htons(8080) };
    inet_pton(AF_INET, "192.0.2.2", &to4.sin_addr);
    T_CHECK(connect_pair((struct sockaddr *)&to4, sizeof to4, ls6, &ca, &cb));
    struct sockaddr_in6 peer;
    socklen_t pl = sizeof peer;
    T_EQ(six_getpeername(B, cb, (struct sockaddr *)&peer, &pl), 0);
    char txt[64];
    T_STREQ(inet_ntop(AF_INET6, &peer.sin6_addr, txt, sizeof txt), "::ffff:192.0.2.1");
    T_CHECK(transfer(ca, cb, 300000, 10 * SEC) > 0);
    T_CHECK(CTR_GET(B, ip4, in_receives) > 100);
    teardown();
}

TEST(transfer_under_loss_dup_reorder)
{
    struct sim_link_params p = { .delay_ns = 50 * MS, .jitter_ns = 5 * MS, .loss = 0.05, .dup = 0.01, .reorder = 0.02 };
    setup(&p, 13);
    int ls = listener(B, AF_INET6, 5001), ca, cb;
    struct sockaddr_in6 to = sa6("2001:db8:1::b", 5001);
    bool ok = false;
    for (int tries = 0; tries < 5 && !ok; tries++)   /* a SYN may be lost: connect_pair waits only 200 ms */
        ok = connect_pair((struct sockaddr *)&to, sizeof to, ls, &ca, &cb) || (sim_run_for(W, 3 * SEC), (cb = six_accept(B, ls, NULL, NULL)) >= 0);
    T_CHECK(ok);
    if (ok) {
        uint64_t ns = transfer(ca, cb, 4 << 20, 600 * SEC);
        T_CHECK(ns > 0);
        if (ns)
            printf("# 4 MiB at 5%% loss, 100 ms RTT: %.2f s virtual (%.2f Mbit/s), %llu segments retransmitted, "
                   "%llu fast recoveries, %llu timeouts\n", ns / 1e9, (4 << 20) * 8 / (ns / 1e9) / 1e6,
                   (unsigned long long)CTR_GET(A, tcp, rexmt), (unsigned long long)CTR_GET(A, tcp, fast_rexmt),
                   (unsigned long long)CTR_GET(A, tcp, rexmt_timeout));
        T_CHECK(CTR_GET(A, tcp, fast_rexmt) > 0);
        T_CHECK(CTR_GET(B, tcp, ooo_queued) > 0);
        /* the Mathis et al. model, rate = 1.22 MSS / (RTT sqrt(p)), at p = 5 %: 0.63 Mbit/s here.
         * Measured ~0.27 (reordering adds spurious recoveries); a regression below 35 % fails. */
        double model = 1.22 * 1428 * 8 / (0.1 * 0.2236), got = (4 << 20) * 8 / (ns / 1e9);
        printf("# goodput %.0f%% of the model\n", 100 * got / model);
        T_CHECK(got >= 0.35 * model);
    }
    teardown();
}

TEST(closed_port_refused)
{
    setup(NULL, 14);
    int ca = six_socket(A, AF_INET6, SOCK_STREAM, 0);
    struct sockaddr_in6 to = sa6("2001:db8:1::b", 9);
    T_EQ(six_connect(A, ca, (struct sockaddr *)&to, sizeof to), -1);
    sim_run_for(W, 20 * MS);
    char c;
    T_EQ(six_recv(A, ca, &c, 1, 0), -1);
    T_EQ(errno, ECONNREFUSED);
    T_EQ(CTR_GET(B, tcp, out_rst), 1);
    teardown();
}

TEST(simultaneous_open)
{
    setup(NULL, 15);
    int sa = six_socket(A, AF_INET6, SOCK_STREAM, 0), sb = six_socket(B, AF_INET6, SOCK_STREAM, 0);
    struct sockaddr_in6 la = sa6("2001:db8:1::a", 4000), lb = sa6("2001:db8:1::b", 4001);
    T_EQ(six_bind(A, sa, (struct sockaddr *)&la, sizeof la), 0);
    T_EQ(six_bind(B, sb, (struct sockaddr *)&lb, sizeof lb), 0);
    /* resolve neighbors first so both SYNs leave at the same moment */
    T_EQ(scene_cmd_wait(W, A, NULL, 2 * SEC, "ping 2001:db8:1::b -c 1"), 0);
    six_connect(A, sa, (struct sockaddr *)&lb, sizeof lb);
    six_connect(B, sb, (struct sockaddr *)&la, sizeof la);
    sim_run_for(W, 50 * MS);
    T_EQ(A->socks->s[sa].tp ? A->socks->s[sa].tp->state : -1, TCPS_ESTABLISHED);
    T_EQ(B->socks->s[sb].tp ? B->socks->s[sb].tp->state : -1, TCPS_ESTABLISHED);
    T_EQ(six_send(A, sa, "hi", 2, 0), 2);
    sim_run_for(W, 50 * MS);
    char buf[4];
    T_EQ(six_recv(B, sb, buf, sizeof buf, 0), 2);
    teardown();
}

/* Blind attacks (RFC 5961): a RST or SYN in the window but not exact, and
 * data with an unacceptable ACK, get a challenge ACK; nothing breaks. */
TEST(rfc5961_blind_attacks)
{
    setup(NULL, 16);
    int ls = listener(B, AF_INET6, 443), ca, cb;
    struct sockaddr_in6 to = sa6("2001:db8:1::b", 443);
    T_CHECK(connect_pair((struct sockaddr *)&to, sizeof to, ls, &ca, &cb));
    struct tcpcb *tb = B->socks->s[cb].tp;
    struct tcpcb *ta = A->socks->s[ca].tp;
    T_CHECK(ta && tb);
    if (!ta || !tb) { teardown(); return; }
    /* forge from a's side with tcp_respond (a third party on the path could) */
    uint64_t ch = CTR_GET(B, tcp, challenge_ack);
    tcp_respond(A, false, &ta->laddr, &ta->faddr, ta->lport, ta->fport, tb->rcv_nxt + 100, 0, 0x04, 0);   /* RST in window */
    sim_run_for(W, 10 * MS);
    T_EQ(tb->state, TCPS_ESTABLISHED);
    T_EQ(CTR_GET(B, tcp, challenge_ack), ch + 1);
    tcp_respond(A, false, &ta->laddr, &ta->faddr, ta->lport, ta->fport, tb->rcv_nxt + 5000000, 0, 0x04, 0); /* out of window */
    sim_run_for(W, 10 * MS);
    T_EQ(tb->state, TCPS_ESTABLISHED);
    /* (with timestamps, as every segment of this connection must have: RFC 7323 §3.2) */
    struct tcp_opts ts = ts_opt(A, ta, 0);
    forge(B, A, ta, tb->rcv_nxt + 10, 0, TCP_SYN, 65535, &ts, NULL, 0);   /* SYN in window */
    sim_run_for(W, 10 * MS);
    T_EQ(tb->state, TCPS_ESTABLISHED);
    T_EQ(CTR_GET(B, tcp, drop_syn_in_window), 1);
    forge(B, A, ta, tb->rcv_nxt, tb->snd_max + 100000, TCP_ACK, 65535, &ts, NULL, 0);   /* ACK of unsent data */
    sim_run_for(W, 10 * MS);
    T_EQ(CTR_GET(B, tcp, drop_bad_ack), 1);
    T_CHECK(transfer(ca, cb, 100000, 5 * SEC) > 0);
    /* the exact RST does reset */
    tcp_respond(A, false, &ta->laddr, &ta->faddr, ta->lport, ta->fport, tb->rcv_nxt, 0, 0x04, 0);
    sim_run_for(W, 10 * MS);
    char c;
    T_EQ(six_recv(B, cb, &c, 1, 0), -1);
    T_EQ(errno, ECONNRESET);
    teardown();
}

/* 10,000 concurrent connections in one stack; an idle one costs about 1 KiB. */
TEST(ten_thousand_connections)
{
    setup(NULL, 18);
    enum { N = 10000 };
    static int ca[N], cb[N];
    int ls = listener(B, AF_INET6, 9000), accepted = 0;
    T_EQ(six_listen(B, ls, 4096), 0);   /* a bigger backlog than listener()'s */
    struct sockaddr_in6 to = sa6("2001:db8:1::b", 9000);
    T_EQ(scene_cmd_wait(W, A, NULL, 2 * SEC, "ping 2001:db8:1::b -c 1"), 0);
    for (int i = 0; i < N; i++) {
        ca[i] = six_socket(A, AF_INET6, SOCK_STREAM, 0);
        six_connect(A, ca[i], (struct sockaddr *)&to, sizeof to);
        if (i % 1000 == 999 || i == N - 1) {   /* the sim link holds 4096 frames in flight */
            sim_run_for(W, 20 * MS);
            int sd;
            while (accepted < N && (sd = six_accept(B, ls, NULL, NULL)) >= 0)
                cb[accepted++] = sd;
        }
    }
    T_EQ(accepted, N);
    T_EQ(A->tcp->n_conns, N);
    T_EQ(B->tcp->n_conns, N + 1);
    int est = 0;
    for (int i = 0; i < N; i++)
        est += A->socks->s[ca[i]].tp && A->socks->s[ca[i]].tp->state == TCPS_ESTABLISHED;
    T_EQ(est, N);
    printf("# idle connection: %zu bytes of control block + %zu of socket; buffers come with the first byte\n",
           sizeof(struct tcpcb), sizeof(struct sock));
    T_CHECK(sizeof(struct tcpcb) + sizeof(struct sock) <= 1024);
    for (int i = 0; i < N; i++)
        six_close(A, ca[i]);
    sim_run_for(W, 100 * MS);
    for (int i = 0; i < accepted; i++)
        six_close(B, cb[i]);
    sim_run_for(W, 5 * SEC);
    /* what is left is TIME_WAIT, capped at 4096 per stack with the oldest recycled
     * (simultaneous closes happen where the link dropped first FINs) */
    T_EQ(A->tcp->n_conns, A->tcp->n_tw);
    T_EQ(B->tcp->n_conns, 1 + B->tcp->n_tw);
    T_CHECK(A->tcp->n_tw <= 4096 && B->tcp->n_tw <= 4096);
    T_CHECK(CTR_GET(A, tcp, tw_recycled) + CTR_GET(B, tcp, tw_recycled) >= N - 2 * 4096);
    sim_run_for(W, 61 * SEC);
    T_EQ(A->tcp->n_conns, 0);
    T_EQ(B->tcp->n_conns, 1);
    teardown();
}

/* A flood of 100,000 SYNs from random sources: the SYN queue stays bounded,
 * SYN cookies answer, and a legitimate connection made during the flood works. */
TEST(syn_flood_and_cookies)
{
    setup(NULL, 19);
    int ls = listener(B, AF_INET6, 9100), ca = -1, cb = -1;
    struct sockaddr_in6 to = sa6("2001:db8:1::b", 9100);
    struct in6_addr baddr = to.sin6_addr, fake;
    inet_pton(AF_INET6, "2001:db8:1::", &fake);
    T_EQ(scene_cmd_wait(W, A, NULL, 2 * SEC, "ping 2001:db8:1::b -c 1"), 0);
    for (int i = 0; i < 100000; i++) {
        uint64_t r = six_random_jitter(A);   /* any spread of fake sources will do */
        memcpy(&fake.s6_addr[8], &r, 8);
        tcp_respond(A, false, &fake, &baddr, (uint16_t)(1024 + i % 60000), 9100, (uint32_t)r, 0, 0x02, 0);
        if (i % 2000 == 1999)
            sim_run_for(W, 2 * MS);
        if (i == 50000) {   /* the real client, mid-flood */
            ca = six_socket(A, AF_INET6, SOCK_STREAM, 0);
            six_connect(A, ca, (struct sockaddr *)&to, sizeof to);
        }
    }
    for (int i = 0; i < 100 && cb < 0; i++) {
        sim_run_for(W, 10 * MS);
        cb = six_accept(B, ls, NULL, NULL);
        while (cb >= 0 && B->socks->s[cb].rport != A->socks->s[ca].lport)
            cb = six_accept(B, ls, NULL, NULL);   /* (no flood connection can complete: nobody ACKs) */
    }
    T_CHECK(cb >= 0);
    T_CHECK(CTR_GET(B, tcp, syncookie_sent) > 90000);
    T_EQ(CTR_GET(B, tcp, syncookie_ok), 1);
    T_CHECK(B->socks->s[ls].n_syn <= 16);
    if (cb >= 0)
        T_CHECK(transfer(ca, cb, 200000, 5 * SEC) > 0);
    /* an ACK with a forged cookie is refused */
    uint64_t before = CTR_GET(B, tcp, drop_listen_ack);
    tcp_respond(A, false, &fake, &baddr, 5555, 9100, 1000, 123456789, 0x10, 0);
    sim_run_for(W, 5 * MS);
    T_EQ(CTR_GET(B, tcp, drop_listen_ack), before + 1);
    teardown();
}

static void set_int(struct six_stack *st, int sd, int level, int name, int v)
{
    T_EQ(six_setsockopt(st, sd, level, name, &v, sizeof v), 0);
}

/* Keepalive probes an idle connection and drops it when the peer is gone. */
TEST(keepalive_and_nodelay)
{
    setup(NULL, 20);
    int ls = listener(B, AF_INET6, 9200), ca, cb;
    struct sockaddr_in6 to = sa6("2001:db8:1::b", 9200);
    T_CHECK(connect_pair((struct sockaddr *)&to, sizeof to, ls, &ca, &cb));
    set_int(A, ca, IPPROTO_TCP, TCP_NODELAY, 1);
    set_int(A, ca, SOL_SOCKET, SO_KEEPALIVE, 1);
    set_int(A, ca, IPPROTO_TCP, TCP_KEEPIDLE, 10);
    set_int(A, ca, IPPROTO_TCP, TCP_KEEPINTVL, 2);
    set_int(A, ca, IPPROTO_TCP, TCP_KEEPCNT, 3);
    int v = 0;
    socklen_t vl = sizeof v;
    T_EQ(six_getsockopt(A, ca, IPPROTO_TCP, TCP_NODELAY, &v, &vl), 0);
    T_EQ(v, 1);
    /* two small writes go out at once with TCP_NODELAY (Nagle would hold the second) */
    uint64_t segs = CTR_GET(A, tcp, out_segs);
    six_send(A, ca, "a", 1, 0);
    six_send(A, ca, "b", 1, 0);
    T_EQ(CTR_GET(A, tcp, out_segs), segs + 2);
    sim_run_for(W, 30 * SEC);
    T_CHECK(CTR_GET(A, tcp, keepalive_probe) >= 2);   /* idle 10 s, then answered probes */
    T_EQ(A->socks->s[ca].tp ? A->socks->s[ca].tp->state : -1, TCPS_ESTABLISHED);
    T_EQ(scene_cmd(B, NULL, "link set eth0 down"), 0);   /* the peer vanishes */
    sim_run_for(W, 30 * SEC);
    char c;
    T_EQ(six_recv(A, ca, &c, 1, 0), -1);
    T_EQ(errno, ETIMEDOUT);
    T_EQ(CTR_GET(A, tcp, keepalive_drop), 1);
    teardown();
}

/* The receiver stops reading: the window closes, the sender probes it
 * (persist timer), and the transfer resumes when the reader does. */
TEST(zero_window_probing)
{
    setup(NULL, 21);
    int ls = listener(B, AF_INET6, 9300), ca, cb;
    struct sockaddr_in6 to = sa6("2001:db8:1::b", 9300);
    T_CHECK(connect_pair((struct sockaddr *)&to, sizeof to, ls, &ca, &cb));
    static uint8_t buf[65536];
    size_t sent = 0;
    for (int i = 0; i < 3000; i++) {   /* 3 s: far more than fits in b's 256 KiB buffer */
        ssize_t n = six_send(A, ca, buf, sizeof buf, 0);
        if (n > 0)
            sent += (size_t)n;
        sim_run_for(W, 1 * MS);
    }
    struct tcpcb *ta = A->socks->s[ca].tp;
    T_EQ(ta->snd_wnd, 0);
    T_CHECK(CTR_GET(A, tcp, persist_probe) >= 2);
    T_EQ(A->socks->s[ca].tp->state, TCPS_ESTABLISHED);
    size_t got = 0;
    for (int i = 0; i < 5000 && got < sent; i++) {
        ssize_t n;
        while ((n = six_recv(B, cb, buf, sizeof buf, 0)) > 0)
            got += (size_t)n;
        sim_run_for(W, 1 * MS);
    }
    T_EQ(got, sent);
    teardown();
}

/* Urgent data (RFC 6093): delivered in line, in order; an urgent pointer far
 * past the data changes nothing. */
TEST(urgent_pointer_past_the_data)
{
    setup(NULL, 22);
    int ls = listener(B, AF_INET6, 9400), ca, cb;
    struct sockaddr_in6 to = sa6("2001:db8:1::b", 9400);
    T_CHECK(connect_pair((struct sockaddr *)&to, sizeof to, ls, &ca, &cb));
    struct tcpcb *ta = A->socks->s[ca].tp, *tb = B->socks->s[cb].tp;
    T_CHECK(ta && tb);
    if (ta && tb) {
        uint8_t f[256];
        const char *data = "urgent?";
        size_t dl = strlen(data);
        struct tcp_seg t = { .sport = ta->lport, .dport = ta->fport, .seq = tb->rcv_nxt, .ack = tb->snd_nxt,
                              .flags = TCP_ACK | TCP_URG | TCP_PSH, .win = 65535, .urp = 60000,
                              .opts = ts_opt(A, ta, 0) };
        size_t hl = tcp_hdr_len(&t.opts);
        uint8_t *tcp = f + ETH_HLEN + IP6_HLEN;
        memcpy(tcp + hl, data, dl);
        tcp_emit(tcp, hl + dl, &t, dl, cksum_pseudo6(&ta->laddr, &ta->faddr, (uint32_t)(hl + dl), IP6_NXT_TCP));
        struct ip6_info ip = { .plen = (uint16_t)(hl + dl), .nxt = IP6_NXT_TCP, .hlim = 64, .src = ta->laddr, .dst = ta->faddr };
        ip6_emit(f + ETH_HLEN, IP6_HLEN, &ip);
        struct ifnet *bif = if_find(B, "eth0"), *aif = if_find(A, "eth0");
        eth_emit(f, ETH_HLEN, &bif->hwaddr, &aif->hwaddr, ETHERTYPE_IP6);
        struct pkt *p = pkt_alloc(B->pool, ETH_HLEN + IP6_HLEN + hl + dl);
        memcpy(pkt_put(p, ETH_HLEN + IP6_HLEN + hl + dl), f, ETH_HLEN + IP6_HLEN + hl + dl);
        if_input(bif, &p, 1);
        sim_run_for(W, 5 * MS);
        char buf[32];
        T_EQ(six_recv(B, cb, buf, sizeof buf, 0), (ssize_t)dl);
        T_MEMEQ(buf, data, dl);
        T_EQ(CTR_GET(B, tcp, urg_ignored), 1);
        /* nothing broke on b's side (a sees b acknowledge bytes it never sent: RFC 5961 challenge ACKs) */
        T_EQ(tb->state, TCPS_ESTABLISHED);
    }
    teardown();
}

/* A hook on b's interface that drops chosen data segments from a: the
 * frames counted from 0 (data segments only) whose index is in drop[], and
 * then — with drop_rexmt — the first retransmission of each of them. */
static struct {
    unsigned n_data, drops, drop[4], n_drop;
    bool drop_rexmt;
    uint32_t seq[4];
    unsigned n_seq;
} H;

static void drop_hook(struct ifnet *ifp, struct pkt *p)
{
    const uint8_t *d = pkt_data(p);
    if (p->len > 14 + 40 + 20 + 200 && d[12] == 0x86 && d[13] == 0xdd && d[14 + 6] == IP6_NXT_TCP) {
        uint32_t seq = (uint32_t)d[58] << 24 | (uint32_t)d[59] << 16 | (uint32_t)d[60] << 8 | d[61];
        unsigned idx = H.n_data++;
        for (unsigned i = 0; i < H.n_seq; i++)
            if (H.seq[i] == seq) {          /* the retransmission of a dropped one */
                H.seq[i] = H.seq[--H.n_seq];
                H.drops++;
                pkt_free(p);
                return;
            }
        for (unsigned i = 0; i < H.n_drop; i++)
            if (H.drop[i] == idx) {
                if (H.drop_rexmt && H.n_seq < 4)
                    H.seq[H.n_seq++] = seq;
                H.drops++;
                pkt_free(p);
                return;
            }
    }
    net_input(ifp, p);
}

static void hook_b(void)
{
    struct ifnet *ifp = if_find(B, "eth0");
    ifp->input_hook = drop_hook;
}

/* RFC 8985 §7: the last two segments of a burst are lost and nothing more
 * is to be sent; the tail loss probe (10 ms here, not the 200 ms RTO)
 * brings the SACK that starts recovery. */
TEST(tail_loss_probe)
{
    setup(NULL, 21);
    int ls = listener(B, AF_INET6, 80), ca, cb;
    struct sockaddr_in6 to = sa6("2001:db8:1::b", 80);
    T_CHECK(connect_pair((struct sockaddr *)&to, sizeof to, ls, &ca, &cb));
    sim_run_for(W, 100 * MS);
    memset(&H, 0, sizeof H);
    H.drop[0] = 8, H.drop[1] = 9, H.n_drop = 2;
    hook_b();
    uint64_t took = transfer(ca, cb, 10 * 1428, 2 * SEC);
    T_CHECK(took > 0 && took < 50 * MS);
    T_EQ(H.drops, 2);
    T_EQ(CTR_GET(A, tcp, rexmt_timeout), 0);
    T_CHECK(CTR_GET(A, tcp, tlp_probe) >= 1);
    T_CHECK(CTR_GET(A, tcp, tlp_recovery) + CTR_GET(A, tcp, fast_rexmt) >= 1);
    teardown();
}

/* A retransmission is lost too: SACKs for data sent after it (and a
 * quarter RTT more) show it, and it goes again without waiting for the RTO. */
TEST(lost_retransmission)
{
    setup(NULL, 22);
    int ls = listener(B, AF_INET6, 80), ca, cb;
    struct sockaddr_in6 to = sa6("2001:db8:1::b", 80);
    T_CHECK(connect_pair((struct sockaddr *)&to, sizeof to, ls, &ca, &cb));
    sim_run_for(W, 100 * MS);
    memset(&H, 0, sizeof H);
    H.drop[0] = 3, H.n_drop = 1, H.drop_rexmt = true;
    hook_b();
    T_CHECK(transfer(ca, cb, 200 * 1428, 5 * SEC) > 0);
    T_EQ(H.drops, 2);
    T_EQ(CTR_GET(A, tcp, rexmt_lost), 1);
    T_EQ(CTR_GET(A, tcp, rexmt_timeout), 0);
    teardown();
}

/* PAWS poisoning (RFC 7323 §4.3, RFC 5961 §5.2): blind segments in b's
 * window with a TSval far in the future — one with an absurd ACK above
 * b's Last.ACK.sent, one with an absurd ACK exactly at it, one with a
 * plausible ACK above it — must not set TS.Recent; else every real segment
 * after them fails PAWS and the connection stalls. Both families. */
TEST(paws_poisoning)
{
    for (int family = AF_INET6; family; family = family == AF_INET6 ? AF_INET : 0) {
        setup(NULL, family == AF_INET6 ? 31 : 32);
        int ls, ca, cb;
        T_CHECK(connect_family(family, 7000, &ls, &ca, &cb));
        struct tcpcb *ta = A->socks->s[ca].tp, *tb = B->socks->s[cb].tp;
        T_CHECK(ta && tb && tb->ts_ok && tb->v4 == (family == AF_INET));
        if (!ta || !tb) { teardown(); continue; }
        T_CHECK(transfer(ca, cb, 100000, 5 * SEC) > 0);
        sim_run_for(W, 100 * MS);
        struct tcp_opts evil = ts_opt(A, ta, 0x70000000u);
        uint32_t recent = tb->ts_recent, absurd = tb->snd_max + 0x40000000u;
        forge(B, A, ta, tb->rcv_nxt + 1000, absurd, TCP_ACK, 65535, &evil, NULL, 0);
        forge(B, A, ta, tb->rcv_nxt, absurd, TCP_ACK, 65535, &evil, NULL, 0);
        forge(B, A, ta, tb->rcv_nxt + 1000, tb->snd_una, TCP_ACK, 65535, &evil, NULL, 0);
        sim_run_for(W, 10 * MS);
        T_CHECK(seq_lt(tb->ts_recent, evil.tsval));
        T_CHECK(seq_leq(recent, tb->ts_recent));
        T_EQ(CTR_GET(B, tcp, drop_bad_ack), 2);
        /* real traffic goes on, byte for byte, both ways */
        T_CHECK(transfer(ca, cb, 300000, 5 * SEC) > 0);
        T_EQ(six_send(B, cb, "pong", 4, 0), 4);
        sim_run_for(W, 10 * MS);
        char buf[8];
        T_EQ(six_recv(A, ca, buf, sizeof buf, 0), 4);
        T_EQ(tb->state, TCPS_ESTABLISHED);
        teardown();
    }
}

/* RFC 7323 §3.2: with timestamps negotiated, a segment without one is
 * dropped (and counted) — a RST is not. */
TEST(segments_without_timestamps)
{
    for (int family = AF_INET6; family; family = family == AF_INET6 ? AF_INET : 0) {
        setup(NULL, family == AF_INET6 ? 33 : 34);
        int ls, ca, cb;
        T_CHECK(connect_family(family, 7001, &ls, &ca, &cb));
        struct tcpcb *ta = A->socks->s[ca].tp, *tb = B->socks->s[cb].tp;
        T_CHECK(ta && tb && tb->ts_ok);
        if (!ta || !tb) { teardown(); continue; }
        /* exact sequence number, good ACK, but no TSopt: not data of this connection */
        forge(B, A, ta, tb->rcv_nxt, tb->snd_una, TCP_ACK | TCP_PSH, 65535, NULL, "evil", 4);
        sim_run_for(W, 10 * MS);
        T_EQ(CTR_GET(B, tcp, drop_no_ts), 1);
        char c;
        T_EQ(six_recv(B, cb, &c, 1, 0), -1);
        T_EQ(errno, EAGAIN);
        T_CHECK(transfer(ca, cb, 100000, 5 * SEC) > 0);   /* byte-exact: "evil" never got in */
        /* the exact RST without a timestamp still resets */
        tcp_respond(A, ta->v4, &ta->laddr, &ta->faddr, ta->lport, ta->fport, tb->rcv_nxt, 0, TCP_RST, 0);
        sim_run_for(W, 10 * MS);
        T_EQ(six_recv(B, cb, &c, 1, 0), -1);
        T_EQ(errno, ECONNRESET);
        teardown();
    }
}

/* RFC 5961 §7: at most one challenge ACK per connection per 500 ms... */
TEST(challenge_ack_per_connection_limit)
{
    setup(NULL, 35);
    int ls, ca, cb;
    T_CHECK(connect_family(AF_INET6, 7002, &ls, &ca, &cb));
    struct tcpcb *ta = A->socks->s[ca].tp, *tb = B->socks->s[cb].tp;
    T_CHECK(ta && tb);
    if (!ta || !tb) { teardown(); return; }
    sim_run_for(W, 1 * SEC);
    uint64_t ch = CTR_GET(B, tcp, challenge_ack), lim = CTR_GET(B, tcp, challenge_ack_limited);
    for (int i = 0; i < 50; i++) {   /* 50 RSTs in the window in 100 ms */
        tcp_respond(A, false, &ta->laddr, &ta->faddr, ta->lport, ta->fport, tb->rcv_nxt + 100 + (uint32_t)i, 0,
                    TCP_RST, 0);
        sim_run_for(W, 2 * MS);
    }
    T_EQ(CTR_GET(B, tcp, challenge_ack), ch + 1);
    T_EQ(CTR_GET(B, tcp, challenge_ack_limited), lim + 49);
    sim_run_for(W, 600 * MS);
    tcp_respond(A, false, &ta->laddr, &ta->faddr, ta->lport, ta->fport, tb->rcv_nxt + 100, 0, TCP_RST, 0);
    sim_run_for(W, 5 * MS);
    T_EQ(CTR_GET(B, tcp, challenge_ack), ch + 2);
    T_EQ(tb->state, TCPS_ESTABLISHED);
    T_CHECK(transfer(ca, cb, 100000, 5 * SEC) > 0);
    teardown();
}

/* ...and per stack a budget a second that is drawn at random between 500
 * and 1500 (CVE-2016-5696: a fixed one is a side channel). 1600
 * connections each get an in-window RST in each of three seconds. */
TEST(challenge_ack_global_limit_randomised)
{
    setup(NULL, 36);
    enum { N = 1600 };
    static int ca[N], cb[N];
    int ls = listener(B, AF_INET6, 7003), accepted = 0;
    T_EQ(six_listen(B, ls, 4096), 0);
    struct sockaddr_in6 to = sa6("2001:db8:1::b", 7003);
    T_EQ(scene_cmd_wait(W, A, NULL, 2 * SEC, "ping 2001:db8:1::b -c 1"), 0);
    for (int i = 0; i < N; i++) {
        ca[i] = six_socket(A, AF_INET6, SOCK_STREAM, 0);
        six_connect(A, ca[i], (struct sockaddr *)&to, sizeof to);
        if (i % 800 == 799) {
            sim_run_for(W, 20 * MS);
            int sd;
            while (accepted < N && (sd = six_accept(B, ls, NULL, NULL)) >= 0)
                cb[accepted++] = sd;
        }
    }
    T_EQ(accepted, N);
    if (accepted != N) { teardown(); return; }
    uint64_t sent[3];
    for (int round = 0; round < 3; round++) {
        sim_run_for(W, SEC - sim_now(W) % SEC + 10 * MS);   /* the start of a second */
        uint64_t ch = CTR_GET(B, tcp, challenge_ack), lim = CTR_GET(B, tcp, challenge_ack_limited);
        for (int i = 0; i < N; i++) {
            struct tcpcb *tb = B->socks->s[cb[i]].tp;
            tcp_respond(A, false, &tb->faddr, &tb->laddr, tb->fport, tb->lport, tb->rcv_nxt + 100, 0, TCP_RST, 0);
            if (i % 400 == 399)
                sim_run_for(W, 2 * MS);
        }
        sim_run_for(W, 20 * MS);
        sent[round] = CTR_GET(B, tcp, challenge_ack) - ch;
        printf("# second %d: %llu challenge ACKs sent, %llu suppressed\n", round, (unsigned long long)sent[round],
               (unsigned long long)(CTR_GET(B, tcp, challenge_ack_limited) - lim));
        T_CHECK(sent[round] >= TCP_CHALLENGE_LIMIT / 2 && sent[round] < TCP_CHALLENGE_LIMIT * 3 / 2);
        T_EQ(sent[round] + CTR_GET(B, tcp, challenge_ack_limited) - lim, N);
    }
    T_CHECK(sent[0] != sent[1] || sent[1] != sent[2]);   /* not one fixed number */
    for (int i = 0; i < N; i++)
        T_EQ(B->socks->s[cb[i]].tp ? B->socks->s[cb[i]].tp->state : -1, TCPS_ESTABLISHED);
    teardown();
}

/* The send window follows only ACKs that are not old (RFC 9293 §3.10.7.4),
 * and an ACK of new data always updates it: a blind segment far ahead in
 * a's window with a zero window, whether its ACK is old (below snd_una) or
 * plausible, must not stall a's sending for good. */
TEST(window_update_needs_valid_ack)
{
    for (int old_ack = 1; old_ack >= 0; old_ack--) {
        setup(NULL, 37 + (uint64_t)old_ack);
        int ls, ca, cb;
        T_CHECK(connect_family(AF_INET6, 7004, &ls, &ca, &cb));
        struct tcpcb *ta = A->socks->s[ca].tp, *tb = B->socks->s[cb].tp;
        T_CHECK(ta && tb);
        if (!ta || !tb) { teardown(); continue; }
        T_CHECK(transfer(ca, cb, 100000, 5 * SEC) > 0);
        sim_run_for(W, 100 * MS);
        uint32_t wnd = ta->snd_wnd;
        struct tcp_opts ts = ts_opt(B, tb, 0);
        forge(A, B, tb, ta->rcv_nxt + 60000, old_ack ? ta->snd_una - 1000 : ta->snd_una, TCP_ACK, 0, &ts, NULL, 0);
        sim_run_for(W, 5 * MS);
        if (old_ack)
            T_EQ(ta->snd_wnd, wnd);
        T_CHECK(transfer(ca, cb, 300000, 5 * SEC) > 0);
        teardown();
    }
}

/* Keepalive: only a segment whose ACK is good says the peer is alive. */
TEST(keepalive_not_fed_by_bad_ack)
{
    setup(NULL, 39);
    int ls, ca, cb;
    T_CHECK(connect_family(AF_INET6, 7005, &ls, &ca, &cb));
    struct tcpcb *ta = A->socks->s[ca].tp, *tb = B->socks->s[cb].tp;
    T_CHECK(ta && tb);
    if (!ta || !tb) { teardown(); return; }
    set_int(B, cb, SOL_SOCKET, SO_KEEPALIVE, 1);
    set_int(B, cb, IPPROTO_TCP, TCP_KEEPIDLE, 10);
    T_CHECK(timer_pending(&tb->t_keep));
    uint64_t due = tb->t_keep.expires;
    sim_run_for(W, 5 * SEC);
    struct tcp_opts ts = ts_opt(A, ta, 0);
    forge(B, A, ta, tb->rcv_nxt, tb->snd_max + 0x40000000u, TCP_ACK, 65535, &ts, NULL, 0);
    sim_run_for(W, 1 * MS);
    T_EQ(CTR_GET(B, tcp, drop_bad_ack), 1);
    T_EQ(tb->t_keep.expires, due);
    teardown();
}

/* SACK blocks outside (snd_una, snd_max] are ignored (RFC 2018 §5): not a
 * defect, this shows it. */
TEST(sack_blocks_outside_what_was_sent)
{
    setup(NULL, 40);
    int ls, ca, cb;
    T_CHECK(connect_family(AF_INET6, 7006, &ls, &ca, &cb));
    struct tcpcb *ta = A->socks->s[ca].tp, *tb = B->socks->s[cb].tp;
    T_CHECK(ta && tb && ta->sack_ok);
    if (!ta || !tb) { teardown(); return; }
    T_CHECK(transfer(ca, cb, 100000, 5 * SEC) > 0);
    static uint8_t buf[20000];
    T_EQ(six_send(A, ca, buf, sizeof buf, 0), (ssize_t)sizeof buf);   /* in flight now */
    struct tcp_opts o = ts_opt(B, tb, 0);
    o.n_sack = 3;
    o.sack[0].left = ta->snd_max + 100, o.sack[0].right = ta->snd_max + 2000;   /* never sent */
    o.sack[1].left = ta->snd_una - 3000, o.sack[1].right = ta->snd_una - 1000; /* already acknowledged */
    o.sack[2].left = ta->snd_una + 2000, o.sack[2].right = ta->snd_una + 1000; /* backwards */
    forge(A, B, tb, ta->rcv_nxt, ta->snd_una, TCP_ACK, 65535, &o, NULL, 0);
    T_EQ(ta->n_sacked, 0);
    T_EQ(ta->sacked_bytes, 0);
    sim_run_for(W, 100 * MS);
    size_t got = 0;
    ssize_t r;
    while ((r = six_recv(B, cb, buf, sizeof buf, 0)) > 0)
        got += (size_t)r;
    T_EQ(got, sizeof buf);
    teardown();
}

/* --- SYN cookies --- */

static const uint16_t cookie_mss_table[8] = { 536, 1220, 1260, 1380, 1400, 1420, 1440, 1460 };   /* tcp_input.c's */
static unsigned cookie_mss_of(uint32_t cookie) { return cookie_mss_table[(cookie >> 24) & 7u]; }

/* The SYN-ACKs a's interface received (captured, not handed to a's stack). */
static struct inj_capture CAP;

/* Parse the last SYN-ACK captured; false if none. */
static bool last_synack(struct tcp_seg *out)
{
    for (unsigned i = CAP.n; i-- > 0;) {
        const uint8_t *d = CAP.f[i].d;
        size_t len = CAP.f[i].len;
        uint32_t pseudo;
        size_t off;
        if (len > 54 + 20 && d[12] == 0x86 && d[13] == 0xdd && d[14 + 6] == IP6_NXT_TCP) {
            struct in6_addr s, t;
            memcpy(&s, d + 22, 16);
            memcpy(&t, d + 38, 16);
            off = 54;
            pseudo = cksum_pseudo6(&s, &t, (uint32_t)(len - off), IP6_NXT_TCP);
        } else if (len > 34 + 20 && d[12] == 0x08 && d[13] == 0x00 && d[14 + 9] == IP4_PROTO_TCP) {
            struct in_addr s, t;
            memcpy(&s, d + 26, 4);
            memcpy(&t, d + 30, 4);
            off = 14 + (size_t)(d[14] & 15) * 4;
            pseudo = cksum_pseudo4(s, t, (uint16_t)(len - off), IP4_PROTO_TCP);
        } else {
            continue;
        }
        if (tcp_parse(d + off, len - off, pseudo, out) == WR_OK && (out->flags & (TCP_SYN | TCP_ACK)) == (TCP_SYN | TCP_ACK))
            return true;
    }
    return false;
}

/* A listener on b with a backlog of 1 and one half-open connection from a
 * silent address: the next SYN gets a cookie. a's interface captures. */
static int cookie_listener(uint16_t port, bool v4)
{
    int ls = listener(B, AF_INET6, port);
    T_EQ(six_listen(B, ls, 1), 0);
    T_EQ(scene_cmd_wait(W, A, NULL, 2 * SEC, v4 ? "ping 192.0.2.2 -c 1" : "ping 2001:db8:1::b -c 1"), 0);
    struct in6_addr ghost = inj_a6(v4 ? "::ffff:192.0.2.99" : "2001:db8:1::99");
    struct in6_addr b = inj_a6(v4 ? "::ffff:192.0.2.2" : "2001:db8:1::b");
    forge_addr(B, A, &ghost, &b, 1111, port, 5000, 0, TCP_SYN, 65535, NULL, NULL, 0);
    sim_run_for(W, 1 * MS);
    T_EQ(B->socks->s[ls].n_syn, 1);
    inj_capture_start(&CAP, if_find(A, "eth0"), false);
    return ls;
}

/* Send a SYN from a's address (mss 0: no MSS option) and return the cookie
 * of b's answer (0 if none); *adv gets the MSS b's SYN-ACK advertised. */
static uint32_t get_cookie(const struct in6_addr *src, const struct in6_addr *dst, uint16_t sport, uint16_t dport,
                           uint32_t isn, uint16_t mss, uint16_t *adv)
{
    struct tcp_opts o = { .has_mss = mss != 0, .mss = mss };
    uint64_t before = CTR_GET(B, tcp, syncookie_sent);
    inj_capture_clear(&CAP);
    forge_addr(B, A, src, dst, sport, dport, isn, 0, TCP_SYN, 65535, &o, NULL, 0);
    sim_run_for(W, 2 * MS);
    struct tcp_seg sa;
    T_EQ(CTR_GET(B, tcp, syncookie_sent), before + 1);
    if (!last_synack(&sa) || sa.ack != isn + 1)
        return 0;
    if (adv)
        *adv = sa.opts.has_mss ? sa.opts.mss : 0;
    return sa.seq;
}

static int accept_from(int ls, uint16_t port)
{
    int sd;
    while ((sd = six_accept(B, ls, NULL, NULL)) >= 0)
        if (B->socks->s[sd].rport == port)
            return sd;
    return -1;
}

/* The MSS index bits are covered by the cookie's MAC: a cookie with them
 * changed (to claim a bigger MSS) is refused; the cookie as sent works. */
TEST(syncookie_mss_bits_covered)
{
    setup(NULL, 41);
    int ls = cookie_listener(7100, false);
    struct in6_addr a = inj_a6("2001:db8:1::a"), b = inj_a6("2001:db8:1::b");
    uint32_t c = get_cookie(&a, &b, 40001, 7100, 77777, 1220, NULL);
    T_CHECK(c != 0);
    T_EQ((c >> 24) & 7u, 1);   /* 1220 */
    uint64_t ok = CTR_GET(B, tcp, syncookie_ok), refused = CTR_GET(B, tcp, drop_listen_ack);
    uint32_t flipped = c ^ (6u << 24);   /* index 7: 1460 */
    forge_addr(B, A, &a, &b, 40001, 7100, 77778, flipped + 1, TCP_ACK, 65535, NULL, NULL, 0);
    sim_run_for(W, 1 * MS);
    T_EQ(CTR_GET(B, tcp, syncookie_ok), ok);
    T_EQ(CTR_GET(B, tcp, drop_listen_ack), refused + 1);
    T_EQ(CTR_GET(B, tcp, syncookie_bad), 1);
    forge_addr(B, A, &a, &b, 40001, 7100, 77778, c + 1, TCP_ACK, 65535, NULL, NULL, 0);
    sim_run_for(W, 1 * MS);
    T_EQ(CTR_GET(B, tcp, syncookie_ok), ok + 1);
    int sd = accept_from(ls, 40001);
    T_CHECK(sd >= 0);
    if (sd >= 0)
        T_EQ(B->socks->s[sd].tp->mss, 1220);
    inj_capture_stop(&CAP);
    teardown();
}

/* Cookies are checked only by a listener that sent some lately: a cookie
 * from a listener that has since been closed, played to a new one on the
 * same port that never sent any, opens nothing. */
TEST(syncookie_only_in_cookie_mode)
{
    setup(NULL, 42);
    int ls = cookie_listener(7101, false);
    struct in6_addr a = inj_a6("2001:db8:1::a"), b = inj_a6("2001:db8:1::b");
    uint32_t c = get_cookie(&a, &b, 40002, 7101, 1234567, 1440, NULL);
    T_CHECK(c != 0);
    T_EQ(six_close(B, ls), 0);
    int ls2 = listener(B, AF_INET6, 7101);
    uint64_t ok = CTR_GET(B, tcp, syncookie_ok), refused = CTR_GET(B, tcp, drop_listen_ack);
    forge_addr(B, A, &a, &b, 40002, 7101, 1234568, c + 1, TCP_ACK, 65535, NULL, NULL, 0);
    sim_run_for(W, 1 * MS);
    T_EQ(CTR_GET(B, tcp, syncookie_ok), ok);
    T_EQ(CTR_GET(B, tcp, drop_listen_ack), refused + 1);
    T_EQ(accept_from(ls2, 40002), -1);
    inj_capture_stop(&CAP);
    teardown();
}

/* A SYN without an MSS option: IPv6 assumes 1220 (RFC 8200's 1280 − 60),
 * IPv4 536; the SYN-ACK advertises what b can take on the path (1440 and
 * 1460 on a 1500-byte link), not the peer's MSS. */
TEST(syncookie_default_mss)
{
    for (int v4 = 0; v4 < 2; v4++) {
        setup(NULL, 43 + (uint64_t)v4);
        int ls = cookie_listener(7102, v4);
        struct in6_addr a = inj_a6(v4 ? "::ffff:192.0.2.1" : "2001:db8:1::a");
        struct in6_addr b = inj_a6(v4 ? "::ffff:192.0.2.2" : "2001:db8:1::b");
        uint16_t adv = 0;
        uint32_t c = get_cookie(&a, &b, 40003, 7102, 999, 0, &adv);
        T_CHECK(c != 0);
        T_EQ(cookie_mss_of(c), v4 ? 536 : 1220);
        T_EQ(adv, v4 ? 1460 : 1440);
        forge_addr(B, A, &a, &b, 40003, 7102, 1000, c + 1, TCP_ACK, 65535, NULL, NULL, 0);
        sim_run_for(W, 1 * MS);
        int sd = accept_from(ls, 40003);
        T_CHECK(sd >= 0);
        if (sd >= 0)
            T_EQ(B->socks->s[sd].tp->mss, v4 ? 536 : 1220);
        inj_capture_stop(&CAP);
        teardown();
    }
}

/* The old cookie was in6_hash(src ^ dst ^ key, ports ^ isn ^ slot·c) ^
 * in6_hash(dst, isn + slot): the key only XORed into the addresses, the
 * second half keyless. So a's own cookie for a → b gave the cookie for a
 * spoofed v = a ^ b ^ c → c (c: another address of b), with no secret:
 * a connection from an address that never saw a SYN-ACK. With a keyed
 * PRF over every field it is refused. */
TEST(syncookie_not_transferable)
{
    for (int v4 = 0; v4 < 2; v4++) {
        setup(NULL, 45 + (uint64_t)v4);
        T_EQ(scene_cmd(B, NULL, v4 ? "addr add 192.0.2.5/24 dev eth0" : "addr add 2001:db8:1::c/64 dev eth0"), 0);
        sim_run_for(W, 3 * SEC);   /* (DAD) */
        int ls = cookie_listener(7103, v4);
        struct in6_addr a = inj_a6(v4 ? "::ffff:192.0.2.1" : "2001:db8:1::a");
        struct in6_addr b = inj_a6(v4 ? "::ffff:192.0.2.2" : "2001:db8:1::b");
        struct in6_addr c = inj_a6(v4 ? "::ffff:192.0.2.5" : "2001:db8:1::c"), v;
        for (int i = 0; i < 16; i++)
            v.s6_addr[i] = (uint8_t)(a.s6_addr[i] ^ b.s6_addr[i] ^ c.s6_addr[i]);
        if (v4)
            v.s6_addr[10] = v.s6_addr[11] = 0xff;   /* ::ffff:192.0.2.6 */
        uint32_t isn = 424242, slot = (uint32_t)(sim_now(W) / (64 * SEC));
        uint32_t mine = get_cookie(&a, &b, 40004, 7103, isn, 1440, NULL);
        T_CHECK(mine != 0);
        uint32_t forged = mine ^ ((in6_hash(&b, isn + slot) ^ in6_hash(&c, isn + slot)) & 0xffffffu);
        uint64_t ok = CTR_GET(B, tcp, syncookie_ok);
        forge_addr(B, A, &v, &c, 40004, 7103, isn + 1, forged + 1, TCP_ACK, 65535, NULL, NULL, 0);
        sim_run_for(W, 1 * MS);
        T_EQ(CTR_GET(B, tcp, syncookie_ok), ok);
        T_EQ(accept_from(ls, 40004), -1);
        inj_capture_stop(&CAP);
        teardown();
    }
}

/* A SYN to a TIME_WAIT connection with a higher sequence number ends it and
 * opens a new one through the listener (RFC 9293 §3.10.7.4, RFC 6191). The
 * TIME_WAIT control block is freed on the way: nothing may read it after
 * that (fuzz_tcp_seq found tcp_input reading its state; under SAN=1 this
 * test is the use-after-free's regression case). Both families. */
TEST(time_wait_syn_reopens)
{
    for (int v4 = 0; v4 <= 1; v4++) {
        setup(NULL, 41 + (uint64_t)v4);
        int ls, ca, cb;
        T_CHECK(connect_family(v4 ? AF_INET : AF_INET6, 7201, &ls, &ca, &cb));
        /* b closes first: b's side goes through TIME_WAIT */
        T_EQ(six_shutdown(B, cb, SHUT_WR), 0);
        sim_run_for(W, 10 * MS);
        char c;
        T_EQ(six_recv(A, ca, &c, 1, 0), 0);
        struct tcpcb *tb = B->socks->s[cb].tp, saved = *tb;
        T_EQ(six_close(A, ca), 0);
        sim_run_for(W, 10 * MS);
        T_EQ(tb->state, TCPS_TIME_WAIT);
        T_EQ(six_close(B, cb), 0);
        T_EQ(B->tcp->n_tw, 1);
        /* a's stack no longer knows the connection: the SYN is forged from its addresses */
        uint64_t synacks = CTR_GET(B, tcp, out_segs);
        struct tcp_opts o = { .has_ts = true, .tsval = saved.ts_recent + 100000 };
        forge_addr(B, A, &saved.faddr, &saved.laddr, saved.fport, saved.lport, saved.rcv_nxt + 100000, 0, TCP_SYN,
                   65535, &o, NULL, 0);
        sim_run_for(W, 1 * MS);
        T_EQ(B->tcp->n_tw, 0);
        T_EQ(B->socks->s[ls].n_syn, 1);   /* the listener took the SYN */
        T_CHECK(CTR_GET(B, tcp, out_segs) > synacks);
        teardown();
    }
}


int main(void)
{
    RUN(handshake_transfer_close_ipv6);
    RUN(ipv4_and_mapped_share_one_tcp);
    RUN(transfer_under_loss_dup_reorder);
    RUN(closed_port_refused);
    RUN(simultaneous_open);
    RUN(rfc5961_blind_attacks);
    RUN(ten_thousand_connections);
    RUN(syn_flood_and_cookies);
    RUN(keepalive_and_nodelay);
    RUN(zero_window_probing);
    RUN(urgent_pointer_past_the_data);
    RUN(tail_loss_probe);
    RUN(lost_retransmission);
    RUN(paws_poisoning);
    RUN(segments_without_timestamps);
    RUN(challenge_ack_per_connection_limit);
    RUN(challenge_ack_global_limit_randomised);
    RUN(window_update_needs_valid_ack);
    RUN(keepalive_not_fed_by_bad_ack);
    RUN(syncookie_mss_bits_covered);
    RUN(syncookie_only_in_cookie_mode);
    RUN(syncookie_default_mss);
    RUN(syncookie_not_transferable);
    RUN(sack_blocks_outside_what_was_sent);
    RUN(time_wait_syn_reopens);
    return t_done();
}
