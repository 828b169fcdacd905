/* TCP and ICMP errors about its segments: path MTU discovery through a
 * 1280-byte link between two routers (Packet Too Big, Fragmentation Needed
 * with DF) without a retransmission timeout; forged errors outside the
 * window, MTUs below the minimum, hard errors in SYN-SENT (RFC 5461) and a
 * soft error reported when the connection attempt times out.
 *
 *   a —l1— r —l2 (MTU mtu2, one-way delay d2)— s —l3— b
 *   a  2001:db8:1::a   192.0.2.1       r  2001:db8:1::1 / 2001:db8:12::1   192.0.2.254 / 10.12.0.1
 *   b  2001:db8:2::b   198.51.100.2    s  2001:db8:12::2 / 2001:db8:2::1   10.12.0.2 / 198.51.100.254
 * a and b both see 1500-byte links: only r's Packet Too Big tells a. */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <arpa/inet.h>
#include "../lib/t.h"
#include "../lib/simstack.h"
#include "../lib/inject.h"
#include "ctl/scene.h"
#include "link/sim.h"
#include "net/stack.h"
#include "net/ip6_var.h"
#include "net/ip4_priv.h"
#include "transport/tcp.h"
#include "transport/sock.h"
#include "six/socket.h"
#include "wire/tcp.h"
#include "wire/ip6ext.h"
#include "wire/icmp4.h"
#include "wire/icmp6.h"

#define MS (1000000ull)
#define SEC (1000000000ull)

static struct sim_world *W;
static struct six_stack *A, *R, *S, *B;

static void config(struct six_stack *st, const char *const *cmds)
{
    for (int i = 0; cmds[i]; i++)
        T_EQ(scene_cmd(st, NULL, "%s", cmds[i]), 0);
}

static void setup(uint32_t mtu2, uint64_t d2, uint64_t seed)
{
    struct sim_link_params p1 = { .delay_ns = 1 * MS }, p2 = { .delay_ns = d2, .mtu = mtu2 };
    W = sim_world_create(seed);
    A = sim_stack(W, "a", seed + 1, 8192);
    R = sim_stack(W, "r", seed + 2, 8192);
    S = sim_stack(W, "s", seed + 3, 8192);
    B = sim_stack(W, "b", seed + 4, 8192);
    struct sim_link *l1 = sim_link_create(W, "l1", &p1), *l2 = sim_link_create(W, "l2", &p2),
                    *l3 = sim_link_create(W, "l3", &p1);
    sim_attach(l1, A, "eth0", NULL);
    sim_attach(l1, R, "eth0", NULL);
    sim_attach(l2, R, "eth1", NULL);
    sim_attach(l2, S, "eth0", NULL);
    sim_attach(l3, S, "eth1", NULL);
    sim_attach(l3, B, "eth0", NULL);
    config(A, (const char *const[]){ "link set eth0 up", "addr add 2001:db8:1::a/64 dev eth0",
                                     "addr add 192.0.2.1/24 dev eth0", "route add default via 2001:db8:1::1",
                                     "route add default via 192.0.2.254", NULL });
    config(R, (const char *const[]){ "link set eth0 up", "link set eth1 up", "addr add 2001:db8:1::1/64 dev eth0",
                                     "addr add 192.0.2.254/24 dev eth0", "addr add 2001:db8:12::1/64 dev eth1",
                                     "addr add 10.12.0.1/24 dev eth1", "route add default via 2001:db8:12::2",
                                     "route add 198.51.100.0/24 via 10.12.0.2", "set forwarding on", NULL });
    config(S, (const char *const[]){ "link set eth0 up", "link set eth1 up", "addr add 2001:db8:12::2/64 dev eth0",
                                     "addr add 10.12.0.2/24 dev eth0", "addr add 2001:db8:2::1/64 dev eth1",
                                     "addr add 198.51.100.254/24 dev eth1", "route add 2001:db8:1::/64 via 2001:db8:12::1",
                                     "route add 192.0.2.0/24 via 10.12.0.1", "set forwarding on", NULL });
    config(B, (const char *const[]){ "link set eth0 up", "addr add 2001:db8:2::b/64 dev eth0",
                                     "addr add 198.51.100.2/24 dev eth0", "route add default via 2001:db8:2::1",
                                     "route add default via 198.51.100.254", NULL });
    sim_run_for(W, 3 * SEC);   /* DAD */
}

static void teardown(void)
{
    six_stack_destroy(A);
    six_stack_destroy(R);
    six_stack_destroy(S);
    six_stack_destroy(B);
    sim_world_destroy(W);
}

/* b's address of the family as a socket address (IPv4: struct sockaddr_in). */
static socklen_t b_addr(int family, uint16_t port, struct sockaddr_storage *ss)
{
    memset(ss, 0, sizeof *ss);
    if (family == AF_INET6) {
        struct sockaddr_in6 *s = (struct sockaddr_in6 *)ss;
        s->sin6_family = AF_INET6;
        s->sin6_port = htons(port);
        inet_pton(AF_INET6, "2001:db8:2::b", &s->sin6_addr);
        return sizeof *s;
    }
    struct sockaddr_in *s = (struct sockaddr_in *)ss;
    s->sin_family = AF_INET;
    s->sin_port = htons(port);
    inet_pton(AF_INET, "198.51.100.2", &s->sin_addr);
    return sizeof *s;
}

/* a → b:port, accepted on b; false if it did not come up within 2 s */
static bool connect_pair(int family, uint16_t port, int *ca, int *cb)
{
    struct sockaddr_storage any = { 0 }, to;
    int ls = six_socket(B, family, SOCK_STREAM, 0);
    socklen_t len = b_addr(family, port, &to);

    any.ss_family = (sa_family_t)family;
    ((struct sockaddr_in *)&any)->sin_port = htons(port);   /* same place in both families */
    T_EQ(six_bind(B, ls, (struct sockaddr *)&any, len), 0);
    T_EQ(six_listen(B, ls, 4), 0);
    *ca = six_socket(A, family, SOCK_STREAM, 0);
    six_connect(A, *ca, (struct sockaddr *)&to, len);
    *cb = -1;
    for (int i = 0; i < 2000 && *cb < 0; i++) {
        sim_run_for(W, 1 * MS);
        *cb = six_accept(B, ls, NULL, NULL);
    }
    return *cb >= 0;
}

static uint8_t pattern(size_t i) { return (uint8_t)((i * 2654435761u) >> 13); }

/* n bytes a → b, every byte checked; the virtual time it took, 0 if it did not finish */
static uint64_t transfer(int sa, int sb, size_t n, uint64_t max_ns)
{
    static uint8_t buf[65536];
    size_t sent = 0, got = 0;
    uint64_t t0 = sim_now(W);
    bool bad = false;

    while (got < n && sim_now(W) - t0 < max_ns) {
        ssize_t k;
        while (sent < n) {
            size_t m = n - sent < sizeof buf ? n - sent : sizeof buf;
            for (size_t i = 0; i < m; i++)
                buf[i] = pattern(sent + i);
            if ((k = six_send(A, sa, buf, m, 0)) <= 0)
                break;
            sent += (size_t)k;
        }
        while ((k = six_recv(B, sb, buf, sizeof buf, 0)) > 0) {
            for (ssize_t i = 0; i < k; i++)
                bad |= buf[i] != pattern(got + (size_t)i);
            got += (size_t)k;
        }
        sim_run_for(W, 1 * MS);
    }
    T_CHECK(!bad);
    T_EQ(got, n);
    return got == n && !bad ? sim_now(W) - t0 : 0;
}

static struct tcpcb *tcb(int sd)
{
    return A->socks->s[sd].tp;
}

/* A bulk transfer into the 1280-byte link: the router's error lowers the
 * MSS and the segments it dropped go again at once — no RTO, no loss
 * response, done quickly. */
static void bulk_into_small_link(int family, uint16_t want_mss)
{
    int ca, cb;
    setup(1280, 1 * MS, family == AF_INET6 ? 31 : 32);
    T_CHECK(connect_pair(family, 5001, &ca, &cb));
    T_EQ(tcb(ca)->mss, family == AF_INET6 ? 1440 : 1460);   /* from b's 1500-byte link: a does not know the path yet */
    uint64_t ns = transfer(ca, cb, 4u << 20, 60 * SEC);
    printf("# %s: 4 MiB through a 1280-byte link in %.1f ms virtual, %llu resent, %llu PMTU reductions\n",
           family == AF_INET6 ? "IPv6" : "IPv4", ns / 1e6, (unsigned long long)CTR_GET(A, tcp, rexmt),
           (unsigned long long)CTR_GET(A, tcp, pmtu_reduced));
    /* ~250 ms when the path is 1500 bytes throughout (the 256 KiB receive
     * window at a 6 ms RTT); waiting for RTOs took 3.8 s (IPv6), and IPv4
     * never finished, before TCP listened to ICMP */
    T_CHECK(ns > 0 && ns < 400 * MS);
    T_EQ(CTR_GET(A, tcp, rexmt_timeout), 0);
    T_EQ(CTR_GET(A, tcp, fast_rexmt), 0);
    T_EQ(CTR_GET(A, tcp, pmtu_reduced), 1);   /* the errors about the rest of that window change nothing */
    T_CHECK(CTR_GET(A, tcp, drop_pmtu_not_lower) >= 1);
    T_EQ(CTR_GET(A, tcp, drop_icmp_seq_out_of_window), 0);
    T_EQ(tcb(ca)->mss, want_mss);
    T_EQ(tcb(ca)->ssthresh, UINT32_MAX);   /* never treated as congestion */
    teardown();
}

TEST(ipv6_bulk_through_packet_too_big)
{
    bulk_into_small_link(AF_INET6, 1280 - 60);
}

TEST(ipv4_bulk_through_frag_needed)
{
    bulk_into_small_link(AF_INET, 1280 - 40);
}

/* --- forged and odd errors, sent by r about a's connection to b --- */

/* The quote of a's segment seq: the IP header and the first 8 bytes of TCP. */
static size_t quote(uint8_t *q, size_t cap, const struct tcpcb *tp, uint32_t seq)
{
    uint8_t th[TCP_HLEN];
    struct tcp_seg t = { .sport = tp->lport, .dport = tp->fport, .seq = seq, .flags = TCP_ACK, .win = 1000 };
    tcp_emit(th, sizeof th, &t, 0, 0);
    if (!tp->v4)
        return inj_ip6(q, cap, &tp->laddr, &tp->faddr, 64, IP6_NXT_TCP, th, TCP_QUOTE_LEN);
    struct in_addr s, d;
    memcpy(&s, &tp->laddr.s6_addr[12], 4);
    memcpy(&d, &tp->faddr.s6_addr[12], 4);
    return inj_ip4(q, cap, s, d, 64, IP4_PROTO_TCP, 1, 0x4000, NULL, 0, th, TCP_QUOTE_LEN);
}

/* r sends a an ICMP error (IPv6 type/code, or for IPv4 connections
 * Unreachable with code) quoting tp's segment seq; then 5 ms pass (time
 * for r to resolve a's link-layer address first). */
static void forge(const struct tcpcb *tp, uint8_t type6, uint8_t code, uint32_t data32, uint32_t seq)
{
    uint8_t q[128];
    size_t n = quote(q, sizeof q, tp, seq);
    if (tp->v4) {
        struct ip4_info ih;
        T_EQ(ip4_parse_quoted(q, n, &ih), WR_OK);
        T_EQ(icmp4_error_quote(R, &ih, q, n, ICMP4_UNREACH, code, data32), 0);
    } else {
        struct ip6_out o = { .dst = tp->laddr, .nxt = IP6_NXT_ICMPV6, .hlim = -1 };
        T_EQ(icmp6_send(R, &o, type6, code, data32, q, n), 0);
    }
    sim_run_for(W, 5 * MS);
}

/* Data in flight (b is 50 ms away): a's connection and its descriptor. */
static struct tcpcb *in_flight(int family, int *ca)
{
    int cb;
    static uint8_t buf[20000];
    T_CHECK(connect_pair(family, 5002, ca, &cb));
    T_EQ(six_send(A, *ca, buf, sizeof buf, 0), (ssize_t)sizeof buf);
    struct tcpcb *tp = tcb(*ca);
    T_CHECK(tp->snd_max - tp->snd_una >= 10000);
    return tp;
}

TEST(ipv6_forged_and_odd_packet_too_big)
{
    int ca;
    setup(1500, 50 * MS, 33);
    struct tcpcb *tp = in_flight(AF_INET6, &ca);
    uint32_t cwnd = tp->cwnd, ssthresh = tp->ssthresh;
    uint64_t rexmt = CTR_GET(A, tcp, rexmt);
    struct in6_addr b6 = inj_a6("2001:db8:2::b");

    /* outside [snd_una, snd_max): ignored, counted, and the path MTU cache left alone */
    forge(tp, ICMP6_PACKET_TOO_BIG, 0, 1400, tp->snd_max + 100000);
    forge(tp, ICMP6_PACKET_TOO_BIG, 0, 1400, tp->snd_max);
    forge(tp, ICMP6_PACKET_TOO_BIG, 0, 1400, tp->snd_una - 1);
    T_EQ(CTR_GET(A, tcp, drop_icmp_seq_out_of_window), 3);
    T_EQ(tp->mss, 1440);
    T_EQ(pmtu6_get(A, &b6, 1500), 1500);
    T_EQ(CTR_GET(A, tcp, rexmt), rexmt);

    /* in the window: smaller segments, resent at once, the congestion state as it was */
    forge(tp, ICMP6_PACKET_TOO_BIG, 0, 1400, tp->snd_una + 1);
    T_EQ(CTR_GET(A, tcp, pmtu_reduced), 1);
    T_EQ(tp->mss, 1400 - 60);
    T_EQ(pmtu6_get(A, &b6, 1500), 1400);
    T_CHECK(CTR_GET(A, tcp, rexmt) > rexmt);
    T_EQ(tp->cwnd, cwnd);
    T_EQ(tp->ssthresh, ssthresh);
    T_CHECK(seq_gt(tp->snd_nxt, tp->snd_una + 8 * tp->mss));   /* what was in flight went again, as far as cwnd allows */

    /* the same MTU again: nothing to do */
    forge(tp, ICMP6_PACKET_TOO_BIG, 0, 1400, tp->snd_una);
    T_EQ(CTR_GET(A, tcp, pmtu_reduced), 1);
    T_EQ(CTR_GET(A, tcp, drop_pmtu_not_lower), 1);

    /* below the IPv6 minimum: taken as 1280 (RFC 8201 §4) */
    forge(tp, ICMP6_PACKET_TOO_BIG, 0, 500, tp->snd_una);
    T_EQ(CTR_GET(A, tcp, pmtu_clamped), 1);
    T_EQ(CTR_GET(A, tcp, pmtu_reduced), 2);
    T_EQ(tp->mss, 1280 - 60);
    T_EQ(pmtu6_get(A, &b6, 1500), 1280);

    /* and the data still arrives, with no timeout */
    sim_run_for(W, 2 * SEC);
    T_EQ(tp->snd_una, tp->snd_max);
    T_EQ(CTR_GET(A, tcp, rexmt_timeout), 0);
    teardown();
}

TEST(ipv4_forged_and_odd_frag_needed)
{
    int ca;
    setup(1500, 50 * MS, 34);
    struct tcpcb *tp = in_flight(AF_INET, &ca);
    uint32_t cwnd = tp->cwnd, ssthresh = tp->ssthresh;

    forge(tp, 0, ICMP4_UNREACH_NEEDFRAG, 1400, tp->snd_una - 1000);
    T_EQ(CTR_GET(A, tcp, drop_icmp_seq_out_of_window), 1);
    T_EQ(tp->mss, 1460);

    /* below 68: no IPv4 link is that small, ignored (also a pre-RFC 1191 router's 0) */
    forge(tp, 0, ICMP4_UNREACH_NEEDFRAG, 0, tp->snd_una);
    forge(tp, 0, ICMP4_UNREACH_NEEDFRAG, 67, tp->snd_una);
    T_EQ(CTR_GET(A, tcp, drop_pmtu_invalid), 2);
    T_EQ(tp->mss, 1460);

    forge(tp, 0, ICMP4_UNREACH_NEEDFRAG, 1400, tp->snd_una);
    T_EQ(CTR_GET(A, tcp, pmtu_reduced), 1);
    T_EQ(tp->mss, 1400 - 40);
    T_EQ(tp->cwnd, cwnd);
    T_EQ(tp->ssthresh, ssthresh);

    /* 68..551: taken as 552, as Linux's min_pmtu */
    forge(tp, 0, ICMP4_UNREACH_NEEDFRAG, 300, tp->snd_una);
    T_EQ(CTR_GET(A, tcp, pmtu_clamped), 1);
    T_EQ(tp->mss, 552 - 40);

    sim_run_for(W, 2 * SEC);
    T_EQ(tp->snd_una, tp->snd_max);
    T_EQ(CTR_GET(A, tcp, rexmt_timeout), 0);
    teardown();
}

/* a's connection attempt to b (50 ms away): the SYN is in flight */
static struct tcpcb *syn_sent(int family, int *ca)
{
    struct sockaddr_storage to;
    socklen_t len = b_addr(family, 5003, &to);
    *ca = six_socket(A, family, SOCK_STREAM, 0);
    six_connect(A, *ca, (struct sockaddr *)&to, len);
    struct tcpcb *tp = tcb(*ca);
    T_EQ(tp->state, TCPS_SYN_SENT);
    return tp;
}

static int so_error(int sd)
{
    int err = -1;
    socklen_t l = sizeof err;
    T_EQ(six_getsockopt(A, sd, SOL_SOCKET, SO_ERROR, &err, &l), 0);
    return err;
}

static short revents(int sd)
{
    struct six_pollfd pf = { .sd = sd, .events = POLLOUT };
    six_poll(A, &pf, 1);
    return pf.revents;
}

/* RFC 5461: port unreachable / administratively prohibited end a connection
 * attempt at once with ECONNREFUSED / EHOSTUNREACH; a forged one (wrong
 * sequence number) does not; soft errors in ESTABLISHED only get noted. */
TEST(hard_errors_end_syn_sent)
{
    int ca, cb;
    setup(1500, 50 * MS, 35);
    struct tcpcb *tp = syn_sent(AF_INET6, &ca);
    forge(tp, ICMP6_DST_UNREACH, ICMP6_DST_UNREACH_NOPORT, 0, tp->iss + 1);
    T_EQ(CTR_GET(A, tcp, drop_icmp_seq_out_of_window), 1);
    T_EQ(tp->state, TCPS_SYN_SENT);
    forge(tp, ICMP6_DST_UNREACH, ICMP6_DST_UNREACH_NOPORT, 0, tp->iss);
    T_EQ(CTR_GET(A, tcp, icmp_hard_error), 1);
    T_CHECK(revents(ca) & POLLERR);
    T_EQ(so_error(ca), ECONNREFUSED);
    T_CHECK(tcb(ca) == NULL);

    tp = syn_sent(AF_INET, &ca);
    forge(tp, 0, ICMP4_UNREACH_FILTER_PROHIB, 0, tp->iss);
    T_EQ(CTR_GET(A, tcp, icmp_hard_error), 2);
    T_EQ(so_error(ca), EHOSTUNREACH);

    /* established: a hard error is a soft one (RFC 5461 §4.1), the connection stays */
    T_CHECK(connect_pair(AF_INET6, 5004, &ca, &cb));
    tp = tcb(ca);
    T_EQ(six_send(A, ca, "x", 1, 0), 1);
    forge(tp, ICMP6_DST_UNREACH, ICMP6_DST_UNREACH_NOPORT, 0, tp->snd_una);
    T_EQ(CTR_GET(A, tcp, icmp_soft_error), 1);
    T_EQ(tcb(ca), tp);
    T_EQ(tp->state, TCPS_ESTABLISHED);
    teardown();
}

/* A destination the router has no route to: its Unreachable (no route) is
 * a soft error; when the attempt gives up, that is what it reports instead
 * of ETIMEDOUT (RFC 5461, BSD's t_softerror). */
TEST(soft_error_reported_on_timeout)
{
    setup(1500, 1 * MS, 36);
    struct sockaddr_in6 to = { .sin6_family = AF_INET6, .sin6_port = htons(80) };
    inet_pton(AF_INET6, "2001:db8:99::1", &to.sin6_addr);
    int ca = six_socket(A, AF_INET6, SOCK_STREAM, 0);
    six_connect(A, ca, (struct sockaddr *)&to, sizeof to);
    sim_run_for(W, 300 * SEC);
    T_CHECK(CTR_GET(A, tcp, icmp_soft_error) >= 1);
    T_EQ(CTR_GET(A, tcp, conn_timeout), 1);
    T_CHECK(revents(ca) & POLLERR);
    T_EQ(so_error(ca), ENETUNREACH);
    teardown();
}

int main(void)
{
    RUN(ipv6_bulk_through_packet_too_big);
    RUN(ipv4_bulk_through_frag_needed);
    RUN(ipv6_forged_and_odd_packet_too_big);
    RUN(ipv4_forged_and_odd_frag_needed);
    RUN(hard_errors_end_syn_sent);
    RUN(soft_error_reported_on_timeout);
    return t_done();
}
