/* UDP sockets on the simulator: both families, IPv4-mapped addresses on
 * AF_INET6 sockets and IPV6_V6ONLY, RFC 3542 ancillary data, connected
 * sockets and ICMP errors, port binding rules, receive buffer limits,
 * readiness, multicast, raw ICMPv6 sockets with ICMP6_FILTER. */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/icmp6.h>
#include "../lib/t.h"
#include "../lib/simstack.h"
#include "ctl/scene.h"
#include "link/sim.h"
#include "net/stack.h"
#include "wire/ip6.h"
#include "link/ifnet.h"
#include "six/socket.h"

#define MS (1000000ull)
#define SEC (1000000000ull)

static struct sim_world *W;
static struct six_stack *A, *B;

static void setup(void)
{
    struct sim_link_params p = { .delay_ns = 1 * MS };
    W = sim_world_create(7);
    sim_pair_dual(W, 0, 1024, &p, &A, &B);   /* stack seeds 1 and 2 */
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

static struct sockaddr_in sa4(const char *a, uint16_t port)
{
    struct sockaddr_in s = { .sin_family = AF_INET, .sin_port = htons(port) };
    inet_pton(AF_INET, a, &s.sin_addr);
    return s;
}

static int udp_bound(struct six_stack *st, int family, const struct sockaddr *sa, socklen_t len)
{
    int sd = six_socket(st, family, SOCK_DGRAM, 0);
    T_CHECK(sd >= 0);
    T_EQ(six_bind(st, sd, sa, len), 0);
    return sd;
}

TEST(ipv6_exchange)
{
    setup();
    struct sockaddr_in6 any = sa6("::", 5000), to = sa6("2001:db8:1::b", 5000), from;
    int sb = udp_bound(B, AF_INET6, (struct sockaddr *)&any, sizeof any);
    int sa = six_socket(A, AF_INET6, SOCK_DGRAM, 0);
    T_EQ(six_sendto(A, sa, "hello", 5, 0, (struct sockaddr *)&to, sizeof to), 5);
    char buf[64];
    socklen_t fl = sizeof from;
    T_EQ(six_recvfrom(B, sb, buf, sizeof buf, 0, (struct sockaddr *)&from, &fl), -1);
    T_EQ(errno, EAGAIN);
    sim_run_for(W, 10 * MS);
    T_EQ(six_recvfrom(B, sb, buf, sizeof buf, 0, (struct sockaddr *)&from, &fl), 5);
    T_MEMEQ(buf, "hello", 5);
    struct sockaddr_in6 me;
    socklen_t ml = sizeof me;
    T_EQ(six_getsockname(A, sa, (struct sockaddr *)&me, &ml), 0);
    T_EQ(ntohs(from.sin6_port), ntohs(me.sin6_port));
    T_CHECK(ntohs(me.sin6_port) >= 49152);   /* ephemeral range, RFC 6056 */
    struct in6_addr aa;
    inet_pton(AF_INET6, "2001:db8:1::a", &aa);
    T_CHECK(in6_eq(&from.sin6_addr, &aa));
    /* and back to the sender's port */
    T_EQ(six_sendto(B, sb, "yo", 2, 0, (struct sockaddr *)&from, fl), 2);
    sim_run_for(W, 10 * MS);
    T_EQ(six_recv(A, sa, buf, sizeof buf, 0), 2);
    T_EQ(CTR_GET(B, udp, delivered), 1);
    teardown();
}

TEST(ipv4_and_mapped)
{
    setup();
    struct sockaddr_in any4 = sa4("0.0.0.0", 6000), to4 = sa4("192.0.2.2", 6000);
    struct sockaddr_in6 any6 = sa6("::", 6001), mapped = sa6("::ffff:192.0.2.2", 6001), from6;
    int s4 = udp_bound(B, AF_INET, (struct sockaddr *)&any4, sizeof any4);
    int s6 = udp_bound(B, AF_INET6, (struct sockaddr *)&any6, sizeof any6);
    int a4 = six_socket(A, AF_INET, SOCK_DGRAM, 0);
    int a6 = six_socket(A, AF_INET6, SOCK_DGRAM, 0);
    char buf[16];
    T_EQ(six_sendto(A, a4, "four", 4, 0, (struct sockaddr *)&to4, sizeof to4), 4);
    T_EQ(six_sendto(A, a6, "mapped", 6, 0, (struct sockaddr *)&mapped, sizeof mapped), 6);
    sim_run_for(W, 10 * MS);
    T_EQ(six_recv(B, s4, buf, sizeof buf, 0), 4);
    socklen_t fl = sizeof from6;
    T_EQ(six_recvfrom(B, s6, buf, sizeof buf, 0, (struct sockaddr *)&from6, &fl), 6);
    T_CHECK(in6_is_v4mapped(&from6.sin6_addr));   /* an IPv4 peer seen as ::ffff:192.0.2.1 */
    char txt[INET6_ADDRSTRLEN];
    T_STREQ(inet_ntop(AF_INET6, &from6.sin6_addr, txt, sizeof txt), "::ffff:192.0.2.1");
    T_EQ(CTR_GET(A, ip4, out_requests) >= 2, 1);
    teardown();
}

TEST(v6only_refuses_ipv4)
{
    setup();
    int on = 1;
    struct sockaddr_in6 any6 = sa6("::", 6100), mapped = sa6("::ffff:192.0.2.2", 6100);
    int s6 = six_socket(B, AF_INET6, SOCK_DGRAM, 0);
    T_EQ(six_setsockopt(B, s6, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on), 0);
    T_EQ(six_bind(B, s6, (struct sockaddr *)&any6, sizeof any6), 0);
    T_EQ(six_setsockopt(B, s6, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on), -1);   /* only before bind */
    int a6 = six_socket(A, AF_INET6, SOCK_DGRAM, 0);
    T_EQ(six_sendto(A, a6, "x", 1, 0, (struct sockaddr *)&mapped, sizeof mapped), 1);
    sim_run_for(W, 10 * MS);
    char buf[8];
    T_EQ(six_recv(B, s6, buf, sizeof buf, 0), -1);
    T_EQ(CTR_GET(B, udp, drop_no_port), 1);
    int a6o = six_socket(A, AF_INET6, SOCK_DGRAM, 0);
    T_EQ(six_setsockopt(A, a6o, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on), 0);
    T_EQ(six_sendto(A, a6o, "x", 1, 0, (struct sockaddr *)&mapped, sizeof mapped), -1);
    T_EQ(errno, ENETUNREACH);
    /* a v6-only wildcard and an IPv4 wildcard may share a port */
    struct sockaddr_in any4 = sa4("0.0.0.0", 6100);
    int s4 = six_socket(B, AF_INET, SOCK_DGRAM, 0);
    T_EQ(six_bind(B, s4, (struct sockaddr *)&any4, sizeof any4), 0);
    teardown();
}

TEST(rfc3542_ancillary_data)
{
    setup();
    int on = 1, hops = 7, tclass = 0x20;
    struct sockaddr_in6 any = sa6("::", 7000), to = sa6("2001:db8:1::b", 7000);
    int sb = udp_bound(B, AF_INET6, (struct sockaddr *)&any, sizeof any);
    T_EQ(six_setsockopt(B, sb, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on, sizeof on), 0);
    T_EQ(six_setsockopt(B, sb, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, &on, sizeof on), 0);
    T_EQ(six_setsockopt(B, sb, IPPROTO_IPV6, IPV6_RECVTCLASS, &on, sizeof on), 0);
    int sa = six_socket(A, AF_INET6, SOCK_DGRAM, 0);
    T_EQ(six_setsockopt(A, sa, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &hops, sizeof hops), 0);
    T_EQ(six_setsockopt(A, sa, IPPROTO_IPV6, IPV6_TCLASS, &tclass, sizeof tclass), 0);
    int bad = 300;
    T_EQ(six_setsockopt(A, sa, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &bad, sizeof bad), -1);
    T_EQ(errno, EINVAL);
    T_EQ(six_sendto(A, sa, "abc", 3, 0, (struct sockaddr *)&to, sizeof to), 3);
    /* a per-packet IPV6_HOPLIMIT overrides the sticky option */
    union { struct cmsghdr c; uint8_t b[CMSG_SPACE(sizeof(int))]; } cm;
    memset(&cm, 0, sizeof cm);
    struct iovec iov = { .iov_base = "def", .iov_len = 3 };
    struct msghdr m = { .msg_name = &to, .msg_namelen = sizeof to, .msg_iov = &iov, .msg_iovlen = 1,
                        .msg_control = &cm, .msg_controllen = sizeof cm };
    struct cmsghdr *c = CMSG_FIRSTHDR(&m);
    c->cmsg_level = IPPROTO_IPV6;
    c->cmsg_type = IPV6_HOPLIMIT;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    int nine = 9;
    memcpy(CMSG_DATA(c), &nine, sizeof nine);
    T_EQ(six_sendmsg(A, sa, &m, 0), 3);
    sim_run_for(W, 10 * MS);
    for (int k = 0; k < 2; k++) {
        uint8_t ctl[256], data[16];
        struct sockaddr_in6 from;
        struct iovec ri = { .iov_base = data, .iov_len = sizeof data };
        struct msghdr r = { .msg_name = &from, .msg_namelen = sizeof from, .msg_iov = &ri, .msg_iovlen = 1,
                            .msg_control = ctl, .msg_controllen = sizeof ctl };
        T_EQ(six_recvmsg(B, sb, &r, 0), 3);
        int got_hlim = -1, got_tc = -1, got_pi = 0;
        for (struct cmsghdr *h = CMSG_FIRSTHDR(&r); h; h = CMSG_NXTHDR(&r, h)) {
            if (h->cmsg_type == IPV6_HOPLIMIT) memcpy(&got_hlim, CMSG_DATA(h), sizeof got_hlim);
            if (h->cmsg_type == IPV6_TCLASS) memcpy(&got_tc, CMSG_DATA(h), sizeof got_tc);
            if (h->cmsg_type == IPV6_PKTINFO) {
                struct in6_pktinfo pi;
                memcpy(&pi, CMSG_DATA(h), sizeof pi);
                T_CHECK(in6_eq(&pi.ipi6_addr, &to.sin6_addr));
                T_EQ(pi.ipi6_ifindex, if_find(B, "eth0")->index);
                got_pi = 1;
            }
        }
        T_EQ(got_hlim, k == 0 ? 7 : 9);
        T_EQ(got_tc, 0x20);
        T_EQ(got_pi, 1);
    }
    teardown();
}

TEST(connected_socket_gets_port_unreachable)
{
    setup();
    struct sockaddr_in6 to = sa6("2001:db8:1::b", 7100);
    int sa = six_socket(A, AF_INET6, SOCK_DGRAM, 0);
    T_EQ(six_connect(A, sa, (struct sockaddr *)&to, sizeof to), 0);
    T_EQ(six_send(A, sa, "x", 1, 0), 1);
    sim_run_for(W, 10 * MS);
    char buf[4];
    T_EQ(six_recv(A, sa, buf, sizeof buf, 0), -1);
    T_EQ(errno, ECONNREFUSED);
    T_EQ(six_recv(A, sa, buf, sizeof buf, 0), -1);
    T_EQ(errno, EAGAIN);   /* reported once */
    struct sockaddr_in6 peer;
    socklen_t pl = sizeof peer;
    T_EQ(six_getpeername(A, sa, (struct sockaddr *)&peer, &pl), 0);
    T_EQ(ntohs(peer.sin6_port), 7100);
    teardown();
}

TEST(bind_rules_and_limits)
{
    setup();
    struct sockaddr_in6 any = sa6("::", 7200), one = sa6("2001:db8:1::b", 7200), notmine = sa6("2001:db8:9::1", 7201);
    int s1 = udp_bound(B, AF_INET6, (struct sockaddr *)&any, sizeof any);
    int s2 = six_socket(B, AF_INET6, SOCK_DGRAM, 0);
    T_EQ(six_bind(B, s2, (struct sockaddr *)&one, sizeof one), -1);
    T_EQ(errno, EADDRINUSE);
    T_EQ(six_bind(B, s2, (struct sockaddr *)&notmine, sizeof notmine), -1);
    T_EQ(errno, EADDRNOTAVAIL);
    T_EQ(six_socket(B, AF_INET6, SOCK_SEQPACKET, 0), -1);
    T_EQ(errno, ESOCKTNOSUPPORT);
    T_EQ(six_close(B, 999), -1);
    T_EQ(errno, EBADF);
    /* receive buffer: datagrams beyond SO_RCVBUF are dropped and counted */
    int small = 4096;
    T_EQ(six_setsockopt(B, s1, SOL_SOCKET, SO_RCVBUF, &small, sizeof small), 0);
    int sa = six_socket(A, AF_INET6, SOCK_DGRAM, 0);
    struct sockaddr_in6 to = sa6("2001:db8:1::b", 7200);
    T_EQ(scene_cmd_wait(W, A, NULL, 2 * SEC, "ping 2001:db8:1::b -c 1"), 0);   /* resolve first: ND queues only 3 */
    for (int i = 0; i < 20; i++)
        six_sendto(A, sa, "data", 4, 0, (struct sockaddr *)&to, sizeof to);
    sim_run_for(W, 10 * MS);
    T_CHECK(CTR_GET(B, udp, drop_rcvbuf_full) >= 15);
    T_CHECK(CTR_GET(B, udp, delivered) >= 1);
    T_EQ(six_close(B, s1), 0);
    T_EQ(six_bind(B, s2, (struct sockaddr *)&one, sizeof one), 0);   /* free again */
    teardown();
}

static int cb_calls;
static void on_ready(void *arg, int sd, short ev)
{
    (void)arg; (void)sd;
    if (ev & POLLIN)
        cb_calls++;
}

TEST(poll_and_callbacks)
{
    setup();
    struct sockaddr_in6 any = sa6("::", 7300), to = sa6("2001:db8:1::b", 7300);
    int sb = udp_bound(B, AF_INET6, (struct sockaddr *)&any, sizeof any);
    T_EQ(six_sock_set_callback(B, sb, on_ready, NULL), 0);
    struct six_pollfd pf = { .sd = sb, .events = POLLIN };
    T_EQ(six_poll(B, &pf, 1), 0);
    int sa = six_socket(A, AF_INET6, SOCK_DGRAM, 0);
    six_sendto(A, sa, "p", 1, 0, (struct sockaddr *)&to, sizeof to);
    sim_run_for(W, 10 * MS);
    T_EQ(six_poll(B, &pf, 1), 1);
    T_CHECK(pf.revents & POLLIN);
    T_EQ(cb_calls, 1);
    struct six_pollfd bad = { .sd = 1000, .events = POLLIN };
    six_poll(B, &bad, 1);
    T_CHECK(bad.revents & POLLNVAL);
    teardown();
}

TEST(dontfrag_and_pathmtu)
{
    setup();
    int on = 1;
    struct sockaddr_in6 to = sa6("2001:db8:1::b", 7400);
    int sa = six_socket(A, AF_INET6, SOCK_DGRAM, 0);
    T_EQ(six_setsockopt(A, sa, IPPROTO_IPV6, IPV6_DONTFRAG, &on, sizeof on), 0);
    static char big[3000];
    T_EQ(six_sendto(A, sa, big, sizeof big, 0, (struct sockaddr *)&to, sizeof to), -1);
    T_EQ(errno, EMSGSIZE);
    T_EQ(six_connect(A, sa, (struct sockaddr *)&to, sizeof to), 0);
    struct ip6_mtuinfo mi;
    socklen_t ml = sizeof mi;
    T_EQ(six_getsockopt(A, sa, IPPROTO_IPV6, IPV6_PATHMTU, &mi, &ml), 0);
    T_EQ(mi.ip6m_mtu, 1500);
    teardown();
}

TEST(multicast_group)
{
    setup();
    struct sockaddr_in6 any = sa6("::", 7500), grp = sa6("ff02::1234", 7500);
    int sb = udp_bound(B, AF_INET6, (struct sockaddr *)&any, sizeof any);
    struct ipv6_mreq mr = { .ipv6mr_interface = if_find(B, "eth0")->index };
    inet_pton(AF_INET6, "ff02::1234", &mr.ipv6mr_multiaddr);
    T_EQ(six_setsockopt(B, sb, IPPROTO_IPV6, IPV6_JOIN_GROUP, &mr, sizeof mr), 0);
    int sa = six_socket(A, AF_INET6, SOCK_DGRAM, 0);
    grp.sin6_scope_id = if_find(A, "eth0")->index;
    T_EQ(six_sendto(A, sa, "mc", 2, 0, (struct sockaddr *)&grp, sizeof grp), 2);
    sim_run_for(W, 10 * MS);
    char buf[8];
    T_EQ(six_recv(B, sb, buf, sizeof buf, 0), 2);
    T_EQ(six_setsockopt(B, sb, IPPROTO_IPV6, IPV6_LEAVE_GROUP, &mr, sizeof mr), 0);
    T_EQ(six_sendto(A, sa, "mc", 2, 0, (struct sockaddr *)&grp, sizeof grp), 2);
    sim_run_for(W, 10 * MS);
    T_EQ(six_recv(B, sb, buf, sizeof buf, 0), -1);
    T_CHECK(CTR_GET(B, ip6, drop_mcast_not_joined) >= 1);
    teardown();
}

TEST(raw_icmpv6_with_filter)
{
    setup();
    int r = six_socket(A, AF_INET6, SOCK_RAW, IPPROTO_ICMPV6);
    T_CHECK(r >= 0);
    struct icmp6_filter f;
    ICMP6_FILTER_SETBLOCKALL(&f);
    ICMP6_FILTER_SETPASS(ICMP6_ECHO_REPLY, &f);
    T_EQ(six_setsockopt(A, r, IPPROTO_ICMPV6, ICMP6_FILTER, &f, sizeof f), 0);
    uint8_t req[12] = { 128, 0, 0, 0, 0x12, 0x34, 0, 1, 'p', 'i', 'n', 'g' };
    struct sockaddr_in6 to = sa6("2001:db8:1::b", 0);
    T_EQ(six_sendto(A, r, req, sizeof req, 0, (struct sockaddr *)&to, sizeof to), 12);
    sim_run_for(W, 20 * MS);
    uint8_t got[64];
    ssize_t n = six_recv(A, r, got, sizeof got, 0);
    T_EQ(n, 12);
    T_EQ(got[0], 129);
    T_MEMEQ(got + 4, req + 4, 8);
    T_EQ(six_recv(A, r, got, sizeof got, 0), -1);   /* the NS/NA of resolution were filtered out */
    int two = 2;
    T_EQ(six_setsockopt(A, r, IPPROTO_IPV6, IPV6_CHECKSUM, &two, sizeof two), -1);   /* ICMPv6: always on */
    teardown();
}

int main(void)
{
    RUN(ipv6_exchange);
    RUN(ipv4_and_mapped);
    RUN(v6only_refuses_ipv4);
    RUN(rfc3542_ancillary_data);
    RUN(connected_socket_gets_port_unreachable);
    RUN(bind_rules_and_limits);
    RUN(poll_and_callbacks);
    RUN(dontfrag_and_pathmtu);
    RUN(multicast_group);
    RUN(raw_icmpv6_with_filter);
    return t_done();
}
