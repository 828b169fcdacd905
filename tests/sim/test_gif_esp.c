/* A tunnel interface bound to ESP tunnel-mode SAs (issue 5 item 2): what
 * is routed into gif0 leaves through the SA, what the SA decrypts arrives
 * on gif0 — no SPD policy names the tunnel.  Plain 6in4 from the peer is
 * refused once the tunnel is bound, and the inner packet still passes the
 * gif's anti-spoofing checks. */
#include <string.h>
#include "../lib/t.h"
#include "../lib/simstack.h"
#include "../lib/ipsec_sim.h"
#include "ctl/scene.h"
#include "link/sim.h"
#include "net/stack.h"
#include "ipsec/ipsec.h"
#include "six/socket.h"
#include <arpa/inet.h>

#define MS 1000000ull
#define SEC 1000000000ull

static struct sim_world *W;
static struct six_stack *A, *B;

static const char sas[] =
    "add 192.0.2.1 192.0.2.2 esp 0x1001 -m tunnel -E aes-gcm-16 0x0102030405060708090a0b0c0d0e0f1011121314;\n"
    "add 192.0.2.2 192.0.2.1 esp 0x1002 -m tunnel -E aes-gcm-16 0x2122232425262728292a2b2c2d2e2f3031323334;\n";

static void setup(void)
{
    struct sim_link_params lp = { .delay_ns = 1 * MS };
    W = sim_world_create(61);
    A = sim_stack(W, "a", 1, 2048);
    B = sim_stack(W, "b", 2, 2048);
    struct sim_link *l = sim_link_create(W, "wan", &lp);
    sim_attach(l, A, "eth0", NULL);
    sim_attach(l, B, "eth0", NULL);
    const char *ca[] = { "link set eth0 up", "addr add 192.0.2.1/24 dev eth0",
                         "link add gif0 type gif local 192.0.2.1 remote 192.0.2.2", "link set gif0 esp 0x1001 0x1002",
                         "link set gif0 up", "addr add 2001:db8:77::1/64 dev gif0", NULL };
    const char *cb[] = { "link set eth0 up", "addr add 192.0.2.2/24 dev eth0",
                         "link add gif0 type gif local 192.0.2.2 remote 192.0.2.1", "link set gif0 esp 0x1002 0x1001",
                         "link set gif0 up", "addr add 2001:db8:77::2/64 dev gif0", NULL };
    for (const char **c = ca; *c; c++)
        T_EQ(scene_cmd(A, NULL, "%s", *c), 0);
    for (const char **c = cb; *c; c++)
        T_EQ(scene_cmd(B, NULL, "%s", *c), 0);
    T_EQ(sim_setkey(A, sas), 0);
    T_EQ(sim_setkey(B, sas), 0);
    sim_run_for(W, 3 * SEC);
}

static void teardown(void)
{
    six_stack_destroy(A);
    six_stack_destroy(B);
    sim_world_destroy(W);
}

TEST(gif_bound_to_esp_sas)
{
    setup();
    T_EQ(ipsec_sp_count(A), 0);   /* no policy at all: the binding is the selector */
    T_EQ(scene_cmd_wait(W, A, NULL, 5 * SEC, "ping 2001:db8:77::2 -c 3 -i 100"), 0);
    T_CHECK(sim_udp_once(W, A, B, NULL, "2001:db8:77::2", 7400));
    T_CHECK(sim_tcp_transfer(W, A, B, "2001:db8:77::2", 512 << 10));
    T_CHECK(CTR_GET(B, ipsec, in_packets) > 300);
    T_CHECK(CTR_GET(A, ipsec, in_packets) > 100);
    T_EQ(CTR_GET(B, ipsec, drop_selector) + CTR_GET(B, gif, drop_not_protected), 0);

    /* a stops protecting its end: its plain 6in4 is refused by b's bound gif */
    T_EQ(scene_cmd(A, NULL, "link set gif0 esp off"), 0);
    uint64_t before = CTR_GET(B, gif, drop_not_protected);
    T_CHECK(!sim_udp_once(W, A, B, NULL, "2001:db8:77::2", 7401));
    T_CHECK(CTR_GET(B, gif, drop_not_protected) > before);
    T_EQ(scene_cmd(A, NULL, "link set gif0 esp 4097 4098"), 0);   /* decimal works too */
    T_CHECK(sim_udp_once(W, A, B, NULL, "2001:db8:77::2", 7402));

    /* bad SPIs are refused with a usage error */
    T_CHECK(scene_cmd(A, NULL, "link set gif0 esp 12 0x1002") != 0);
    T_CHECK(scene_cmd(A, NULL, "link set eth0 esp 0x1001 0x1002") != 0);   /* not a gif */
    teardown();
}

/* The SA is bound, yet the inner packet must still come from where the
 * tunnel may speak for: a source from b's eth0 prefix, sent by a through
 * its authentic tunnel, is refused (CVE-2020-10136 class). */
TEST(bound_tunnel_still_checks_inner_sources)
{
    setup();
    T_EQ(scene_cmd(B, NULL, "addr add 2001:db8:1::2/64 dev eth0"), 0);
    T_EQ(scene_cmd(A, NULL, "addr add 2001:db8:1::99/128 dev gif0"), 0);
    sim_run_for(W, 2 * SEC);
    uint64_t before = CTR_GET(B, gif, drop_spoof_prefix);
    T_CHECK(sim_udp_once(W, A, B, "2001:db8:77::1", "2001:db8:77::2", 7403));   /* its own tunnel address: fine */
    T_CHECK(!sim_udp_once(W, A, B, "2001:db8:1::99", "2001:db8:77::2", 7404));  /* b's prefix: refused */
    T_CHECK(CTR_GET(B, gif, drop_spoof_prefix) > before);
    T_CHECK(CTR_GET(B, ipsec, in_packets) >= 2);   /* both came through the SA */
    teardown();
}

/* Issue 10 item 5: a bound tunnel is strict uRPF, IPv6 and IPv4 inside:
 * a source whose route back does not leave through this tunnel (here: no
 * route at all) is refused; a prefix routed into the tunnel is fine. */
TEST(bound_tunnel_strict_urpf)
{
    setup();
    const char *ca[] = { "addr add 10.77.0.1/30 dev gif0", "addr add 10.99.0.1/32 dev gif0",
                         "addr add 10.88.0.1/32 dev gif0", "addr add 2001:db8:99::1/128 dev gif0",
                         "addr add 2001:db8:88::1/128 dev gif0", NULL };
    const char *cb[] = { "addr add 10.77.0.2/30 dev gif0", "route add 10.88.0.0/16 via 10.77.0.1",
                         "route add 2001:db8:88::/48 via 2001:db8:77::1", NULL };
    for (const char **c = ca; *c; c++)
        T_EQ(scene_cmd(A, NULL, "%s", *c), 0);
    for (const char **c = cb; *c; c++)
        T_EQ(scene_cmd(B, NULL, "%s", *c), 0);
    sim_run_for(W, 2 * SEC);
    uint64_t before = CTR_GET(B, gif, drop_spoof_urpf);
    T_CHECK(sim_udp_once(W, A, B, "10.77.0.1", "10.77.0.2", 7410));
    T_CHECK(sim_udp_once(W, A, B, "10.88.0.1", "10.77.0.2", 7411));
    T_CHECK(!sim_udp_once(W, A, B, "10.99.0.1", "10.77.0.2", 7412));
    T_EQ(CTR_GET(B, gif, drop_spoof_urpf), before + 1);
    T_CHECK(sim_udp_once(W, A, B, "2001:db8:88::1", "2001:db8:77::2", 7413));
    T_CHECK(!sim_udp_once(W, A, B, "2001:db8:99::1", "2001:db8:77::2", 7414));
    T_EQ(CTR_GET(B, gif, drop_spoof_urpf), before + 2);
    teardown();
}

/* A tunnel is a link that can carry a routing protocol: RIPng's
 * link-scope multicast (ff02::9, UDP 521, from the link-local address)
 * crosses the bound tunnel, inside ESP. */
TEST(link_scope_multicast_over_the_tunnel)
{
    setup();
    struct sockaddr_in6 any = { .sin6_family = AF_INET6, .sin6_port = htons(521) }, grp = any, from;
    inet_pton(AF_INET6, "ff02::9", &grp.sin6_addr);
    int sb = six_socket(B, AF_INET6, SOCK_DGRAM, 0);
    T_EQ(six_bind(B, sb, (struct sockaddr *)&any, sizeof any), 0);
    struct ipv6_mreq mr = { .ipv6mr_interface = if_find(B, "gif0")->index };
    mr.ipv6mr_multiaddr = grp.sin6_addr;
    T_EQ(six_setsockopt(B, sb, IPPROTO_IPV6, IPV6_JOIN_GROUP, &mr, sizeof mr), 0);
    int sa = six_socket(A, AF_INET6, SOCK_DGRAM, 0);
    T_EQ(six_bind(A, sa, (struct sockaddr *)&any, sizeof any), 0);
    grp.sin6_scope_id = if_find(A, "gif0")->index;
    uint64_t esp = CTR_GET(B, ipsec, in_packets);
    T_EQ(six_sendto(A, sa, "ripng", 5, 0, (struct sockaddr *)&grp, sizeof grp), 5);
    sim_run_for(W, 50 * MS);
    char buf[8];
    socklen_t fl = sizeof from;
    T_EQ(six_recvfrom(B, sb, buf, sizeof buf, 0, (struct sockaddr *)&from, &fl), 5);
    char a[INET6_ADDRSTRLEN];
    inet_ntop(AF_INET6, &from.sin6_addr, a, sizeof a);
    T_CHECK(strcmp(a, "fe80::c000:201") == 0);   /* RFC 4213 §3.7: fe80::<local IPv4> */
    T_CHECK(CTR_GET(B, ipsec, in_packets) > esp);
    six_close(A, sa);
    six_close(B, sb);
    teardown();
}

/* gif0 follows the ESP SA it is bound to, named by all of its keys: an AH
 * SA with the same SPI and destination that moves is another SA, and the
 * tunnel stays where it is (the SPI alone is not the SA's identity). */
TEST(ah_sa_sharing_the_spi_moves_no_gif)
{
    setup();
    T_EQ(sim_setkey(A, "add 192.0.2.1 192.0.2.2 ah 0x1001 -A hmac-sha256 "
                       "0x000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f;\n"),
         0);
    struct in6_addr b = { .s6_addr = { [10] = 0xff, [11] = 0xff, 192, 0, 2, 2 } }, c = b;
    c.s6_addr[15] = 3;
    struct ipsec_sa *ah = ipsec_sa_find(A, IPSEC_PROTO_AH, &b, 0x1001);
    T_CHECK(ah != NULL);
    if (ah)
        ipsec_sa_move(A, ah, &ah->src, &c, 0, 0);
    T_EQ(CTR_GET(A, gif, remote_moved), 0);
    T_CHECK(sim_udp_once(W, A, B, NULL, "2001:db8:77::2", 7403));   /* still toward 192.0.2.2 */

    /* the bound ESP SA itself moving takes the gif along */
    struct ipsec_sa *esp = ipsec_sa_find(A, IPSEC_PROTO_ESP, &b, 0x1001);
    T_CHECK(esp != NULL);
    if (esp)
        ipsec_sa_move(A, esp, &esp->src, &c, 0, 0);
    T_EQ(CTR_GET(A, gif, remote_moved), 1);
    teardown();
}

int main(void)
{
    RUN(gif_bound_to_esp_sas);
    RUN(bound_tunnel_still_checks_inner_sources);
    RUN(bound_tunnel_strict_urpf);
    RUN(link_scope_multicast_over_the_tunnel);
    RUN(ah_sa_sharing_the_spi_moves_no_gif);
    return t_done();
}
