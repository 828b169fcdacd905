/* IPsec between simulated stacks configured from setkey(8)-syntax text:
 * ESP transport for ICMPv6, UDP and TCP over both families; an inbound
 * policy that drops plaintext; an IPv6-in-IPv4 ESP tunnel between two
 * routers (one file for both) with an inner source the tunnel must refuse;
 * a bad file that changes nothing. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include "../lib/t.h"
#include "../lib/simstack.h"
#include "../lib/ipsec_sim.h"
#include "ctl/scene.h"
#include "link/sim.h"
#include "net/stack.h"
#include "ipsec/ipsec.h"
#include "ipsec/setkey.h"
#include "six/socket.h"

#define MS 1000000ull
#define SEC 1000000000ull

static struct sim_world *W;


/* one file for both hosts: each stack uses the policies that match its traffic */
static const char host_conf[] =
    "flush;\nspdflush;\n"
    "add 2001:db8:1::a 2001:db8:1::b esp 0x1001 -m transport -E aes-gcm-16 "
    "0x0102030405060708090a0b0c0d0e0f1011121314;\n"
    "add 2001:db8:1::b 2001:db8:1::a esp 0x1002 -m transport -E aes-gcm-16 "
    "0x1112131415161718191a1b1c1d1e1f2021222324;\n"
    "add 192.0.2.1 192.0.2.2 esp 0x2001 -m transport -E chacha20-poly1305 "
    "0x000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20212223;\n"
    "add 192.0.2.2 192.0.2.1 esp 0x2002 -m transport -E aes-cbc 0x00112233445566778899aabbccddeeff "
    "-A hmac-sha2-256 0x000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f;\n"
    "spdadd 2001:db8:1::a 2001:db8:1::b any -P out ipsec esp/transport//require;\n"
    "spdadd 2001:db8:1::b 2001:db8:1::a any -P in ipsec esp/transport//require;\n"
    "spdadd 2001:db8:1::b 2001:db8:1::a any -P out ipsec esp/transport//require;\n"
    "spdadd 2001:db8:1::a 2001:db8:1::b any -P in ipsec esp/transport//require;\n"
    "spdadd 192.0.2.1 192.0.2.2 any -P out ipsec esp/transport//require;\n"
    "spdadd 192.0.2.2 192.0.2.1 any -P in ipsec esp/transport//require;\n"
    "spdadd 192.0.2.2 192.0.2.1 any -P out ipsec esp/transport//require;\n"
    "spdadd 192.0.2.1 192.0.2.2 any -P in ipsec esp/transport//require;\n";

static struct six_stack *A, *B;

static void two_hosts(uint64_t seed)
{
    W = sim_two_hosts(seed, &A, &B);
}

static void teardown(struct six_stack **v, int n)
{
    for (int i = 0; i < n; i++)
        six_stack_destroy(v[i]);
    sim_world_destroy(W);
}



static int load(struct six_stack *st, const char *text) { return sim_setkey(st, text); }

static bool udp_from(struct six_stack *s, struct six_stack *d, const char *from, const char *to, uint16_t port)
{
    return sim_udp_once(W, s, d, from, to, port);
}

static bool udp_once(struct six_stack *s, struct six_stack *d, const char *to, uint16_t port)
{
    return sim_udp_once(W, s, d, NULL, to, port);
}

static bool tcp_transfer(const char *to, size_t total)
{
    return sim_tcp_transfer(W, A, B, to, total);
}


TEST(esp_transport_icmp_udp_tcp_both_families)
{
    two_hosts(41);
    T_EQ(load(A, host_conf), 0);
    T_EQ(load(B, host_conf), 0);
    T_EQ(ipsec_sa_count(A), 4);
    T_EQ(ipsec_sp_count(A), 8);
    T_EQ(scene_cmd_wait(W, A, NULL, 5 * SEC, "ping 2001:db8:1::b -c 2 -i 100"), 0);
    T_EQ(scene_cmd_wait(W, A, NULL, 5 * SEC, "ping 192.0.2.2 -c 2 -i 100"), 0);
    T_CHECK(udp_once(A, B, "2001:db8:1::b", 5001));
    T_CHECK(udp_once(B, A, "192.0.2.1", 5002));
    T_CHECK(tcp_transfer("2001:db8:1::b", 2 << 20));
    T_CHECK(tcp_transfer("192.0.2.2", 1 << 20));
    /* it was ESP all along: B decrypted what A sealed, nothing was refused */
    T_CHECK(CTR_GET(B, ipsec, in_packets) > 1000);
    T_CHECK(CTR_GET(A, ipsec, out_packets) > 1000);
    T_EQ(CTR_GET(B, ipsec, drop_icv) + CTR_GET(B, ipsec, drop_replay) + CTR_GET(B, ipsec, drop_policy), 0);
    struct in6_addr b6;
    inet_pton(AF_INET6, "2001:db8:1::b", &b6);
    struct ipsec_sa *sa = ipsec_sa_find(B, IPSEC_PROTO_ESP, &b6, 0x1001);
    T_CHECK(sa && sa->stats.packets > 1000);
    teardown((struct six_stack *[]){ A, B }, 2);
}

/* B requires ESP from A; A stops protecting: B drops what arrives in the clear. */
TEST(inbound_policy_drops_plaintext)
{
    two_hosts(42);
    T_EQ(load(A, host_conf), 0);
    T_EQ(load(B, host_conf), 0);
    T_CHECK(udp_once(A, B, "2001:db8:1::b", 5003));
    T_EQ(load(A, "spddelete 2001:db8:1::a 2001:db8:1::b any -P out;"), 0);
    uint64_t before = CTR_GET(B, ipsec, drop_policy);
    T_CHECK(!udp_once(A, B, "2001:db8:1::b", 5004));
    T_CHECK(CTR_GET(B, ipsec, drop_policy) > before);
    teardown((struct six_stack *[]){ A, B }, 2);
}

/* A file with a bad line changes nothing, even after good lines applied. */
TEST(bad_file_changes_nothing)
{
    two_hosts(43);
    T_EQ(load(A, host_conf), 0);
    const char bad[] = "flush;\nspdflush;\n"
                       "add 2001:db8:1::a 2001:db8:1::c esp 0x3001 -E aes-gcm-16 0x0102030405060708090a0b0c0d0e0f1011121314;\n"
                       "delete 2001:db8:1::a 2001:db8:1::b esp 0x9999;\n";   /* no such SA */
    T_CHECK(load(A, bad) != 0);
    T_EQ(ipsec_sa_count(A), 4);
    T_EQ(ipsec_sp_count(A), 8);
    /* and the restored SAs still work, sequence numbers intact */
    T_EQ(load(B, host_conf), 0);
    T_CHECK(udp_once(A, B, "2001:db8:1::b", 5005));
    T_CHECK(udp_once(B, A, "2001:db8:1::a", 5006));
    teardown((struct six_stack *[]){ A, B }, 2);
}

/* H1 — R1 ==IPv4 only== R2 — H2: IPv6 between the sites travels in ESP
 * tunnel mode inside IPv4; one setkey file configures both gateways. */
static const char gw_conf[] =
    "add 198.51.100.1 198.51.100.2 esp 0x4001 -m tunnel -E aes-gcm-16 "
    "0x2122232425262728292a2b2c2d2e2f3031323334;\n"
    "add 198.51.100.2 198.51.100.1 esp 0x4002 -m tunnel -E aes-gcm-16 "
    "0x3132333435363738393a3b3c3d3e3f4041424344;\n"
    "spdadd 2001:db8:a::/64 2001:db8:b::/64 any -P out ipsec esp/tunnel/198.51.100.1-198.51.100.2/require;\n"
    "spdadd 2001:db8:b::/64 2001:db8:a::/64 any -P in ipsec esp/tunnel/198.51.100.2-198.51.100.1/require;\n"
    "spdadd 2001:db8:b::/64 2001:db8:a::/64 any -P out ipsec esp/tunnel/198.51.100.2-198.51.100.1/require;\n"
    "spdadd 2001:db8:a::/64 2001:db8:b::/64 any -P in ipsec esp/tunnel/198.51.100.1-198.51.100.2/require;\n";

TEST(ipv6_in_ipv4_esp_tunnel_between_routers)
{
    struct sim_link_params lp = { .delay_ns = 1 * MS };
    W = sim_world_create(44);
    struct six_stack *h1 = sim_stack(W, "h1", 1, 2048), *r1 = sim_stack(W, "r1", 2, 2048);
    struct six_stack *r2 = sim_stack(W, "r2", 3, 2048), *h2 = sim_stack(W, "h2", 4, 2048);
    struct sim_link *l1 = sim_link_create(W, "l1", &lp), *l2 = sim_link_create(W, "l2", &lp);
    struct sim_link *l3 = sim_link_create(W, "l3", &lp);
    sim_attach(l1, h1, "eth0", NULL);
    sim_attach(l1, r1, "lan0", NULL);
    sim_attach(l2, r1, "wan0", NULL);
    sim_attach(l2, r2, "wan0", NULL);
    sim_attach(l3, r2, "lan0", NULL);
    sim_attach(l3, h2, "eth0", NULL);
    const char *cmds[][2] = {
        { "h1", "link set eth0 up" }, { "h1", "addr add 2001:db8:a::1/64 dev eth0" },
        { "h1", "route add default via 2001:db8:a::ff" },
        { "r1", "link set lan0 up" }, { "r1", "link set wan0 up" }, { "r1", "set forwarding on" },
        { "r1", "addr add 2001:db8:a::ff/64 dev lan0" }, { "r1", "addr add 198.51.100.1/24 dev wan0" },
        { "r2", "link set lan0 up" }, { "r2", "link set wan0 up" }, { "r2", "set forwarding on" },
        { "r2", "addr add 2001:db8:b::ff/64 dev lan0" }, { "r2", "addr add 198.51.100.2/24 dev wan0" },
        { "h2", "link set eth0 up" }, { "h2", "addr add 2001:db8:b::1/64 dev eth0" },
        { "h2", "route add default via 2001:db8:b::ff" },
    };
    struct six_stack *by[] = { h1, r1, r2, h2 };
    const char *names[] = { "h1", "r1", "r2", "h2" };
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
        for (int k = 0; k < 4; k++)
            if (!strcmp(cmds[i][0], names[k]))
                T_EQ(scene_cmd(by[k], NULL, "%s", cmds[i][1]), 0);
    sim_run_for(W, 3 * SEC);
    T_EQ(load(r1, gw_conf), 0);
    T_EQ(load(r2, gw_conf), 0);

    T_EQ(scene_cmd_wait(W, h1, NULL, 5 * SEC, "ping 2001:db8:b::1 -c 3 -i 100"), 0);
    A = h1;
    B = h2;
    T_CHECK(udp_once(h1, h2, "2001:db8:b::1", 6001));
    T_CHECK(tcp_transfer("2001:db8:b::1", 1 << 20));
    T_CHECK(CTR_GET(r2, ipsec, in_packets) > 100);
    T_CHECK(CTR_GET(r1, ipsec, in_packets) > 100);   /* the other way: ACKs, echo replies */
    T_EQ(CTR_GET(r2, ipsec, drop_selector), 0);

    /* r1 sends into the tunnel from a prefix r2's policy does not give to r1:
     * r2 decrypts it and refuses the inner packet */
    T_EQ(scene_cmd(r1, NULL, "addr add 2001:db8:c::1/64 dev lan0"), 0);
    T_EQ(load(r1, "spdadd 2001:db8:c::/64 2001:db8:b::/64 any -P out ipsec "
                  "esp/tunnel/198.51.100.1-198.51.100.2/require;"), 0);
    sim_run_for(W, 2 * SEC);
    uint64_t before = CTR_GET(r2, ipsec, drop_selector);
    T_CHECK(udp_from(r1, h2, "2001:db8:a::ff", "2001:db8:b::1", 6002));   /* its own prefix passes */
    T_CHECK(!udp_from(r1, h2, "2001:db8:c::1", "2001:db8:b::1", 6003));
    T_CHECK(CTR_GET(r2, ipsec, drop_selector) > before);
    teardown((struct six_stack *[]){ h1, r1, r2, h2 }, 4);
}

/* An SA bundle (RFC 4301 §4.5): ESP then AH over it, in transport mode.
 * b requires both; when a sends ESP alone, b refuses it. */
static const char bundle_conf[] =
    "add 2001:db8:1::a 2001:db8:1::b esp 0x5001 -m transport -E aes-gcm-16 "
    "0x0102030405060708090a0b0c0d0e0f1011121314;\n"
    "add 2001:db8:1::b 2001:db8:1::a esp 0x5002 -m transport -E aes-gcm-16 "
    "0x1112131415161718191a1b1c1d1e1f2021222324;\n"
    "add 2001:db8:1::a 2001:db8:1::b ah 0x6001 -m transport -A hmac-sha2-256 "
    "0x000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f;\n"
    "add 2001:db8:1::b 2001:db8:1::a ah 0x6002 -m transport -A hmac-sha2-256 "
    "0x202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f;\n"
    "spdadd 2001:db8:1::a 2001:db8:1::b any -P out ipsec esp/transport//require ah/transport//require;\n"
    "spdadd 2001:db8:1::b 2001:db8:1::a any -P in ipsec esp/transport//require ah/transport//require;\n"
    "spdadd 2001:db8:1::b 2001:db8:1::a any -P out ipsec esp/transport//require ah/transport//require;\n"
    "spdadd 2001:db8:1::a 2001:db8:1::b any -P in ipsec esp/transport//require ah/transport//require;\n";

TEST(esp_then_ah_bundle)
{
    two_hosts(45);
    T_EQ(load(A, bundle_conf), 0);
    T_EQ(load(B, bundle_conf), 0);
    T_EQ(scene_cmd_wait(W, A, NULL, 5 * SEC, "ping 2001:db8:1::b -c 2 -i 100"), 0);
    T_CHECK(udp_once(A, B, "2001:db8:1::b", 5101));
    T_CHECK(tcp_transfer("2001:db8:1::b", 1 << 20));
    T_CHECK(CTR_GET(B, ipsec, ah_in_packets) > 500);
    T_CHECK(CTR_GET(B, ipsec, in_packets) >= 2 * CTR_GET(B, ipsec, ah_in_packets));   /* every packet: AH and ESP */
    T_EQ(CTR_GET(B, ipsec, drop_policy) + CTR_GET(B, ipsec, drop_icv), 0);
    /* a drops AH from its policy: b's policy still wants both */
    T_EQ(load(A, "spdupdate 2001:db8:1::a 2001:db8:1::b any -P out ipsec esp/transport//require;"), 0);
    uint64_t before = CTR_GET(B, ipsec, drop_policy);
    T_CHECK(!udp_once(A, B, "2001:db8:1::b", 5102));
    T_CHECK(CTR_GET(B, ipsec, drop_policy) > before);
    teardown((struct six_stack *[]){ A, B }, 2);
}

int main(void)
{
    RUN(esp_transport_icmp_udp_tcp_both_families);
    RUN(inbound_policy_drops_plaintext);
    RUN(bad_file_changes_nothing);
    RUN(ipv6_in_ipv4_esp_tunnel_between_routers);
    RUN(esp_then_ah_bundle);
    return t_done();
}
