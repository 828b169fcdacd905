/* NAPT44 in the DTI's lw4o6 path (RFC 7596 §5.1): a DTI client whose
 * binding is a port set of a shared address translates the host's flows
 * into the set before encapsulating them, and the replies back.
 *
 * Stacks: H (the DTI host, eth0 on the IPv6-only link "v6"), SRV (a
 * scripted DHCPv6 server giving H its IA_NA and, asked for S46_CONT_LW,
 * the binding 192.0.2.10 with PSID 0x2a of length 6, offset 6 — 1008
 * ports — and the BR 2001:db8:1::1), BR (the border stand-in: a gif 4in6
 * to H's address with 192.0.2.10 routed into it, forwarding on) and V4
 * (IPv4-only, 203.0.113.2).
 *
 * Cases: two UDP flows from H leave with source 192.0.2.10 and two
 * distinct ports of the set, and their answers come back to the sockets
 * that sent them; a TCP stream through the translation; ICMP Echo with the
 * identifier in the set; an unsolicited datagram to a port of the set
 * that no flow holds is dropped (napt.drop_no_mapping) and reaches no
 * socket. */
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include "../lib/t.h"
#include "../lib/simstack.h"
#include "../lib/ipsec_sim.h"
#include "../lib/inject.h"
#include "ctl/scene.h"
#include "link/sim.h"
#include "link/ifnet.h"
#include "net/stack.h"
#include "net/ip4_priv.h"
#include "wire/dhcp6.h"
#include "six/socket.h"
#include "dhcp6/client.h"
#include "dstm/dti.h"
#include "dstm/napt44.h"

#define MS (1000000ull)
#define SEC (1000000000ull)

static struct sim_world *W;
static struct six_stack *H, *SRV, *BR, *V4;
static int SSD = -1;
static const uint8_t SRV_DUID[] = { 0, 3, 0, 1, 0x02, 0x00, 0x00, 0x00, 0x05, 0x48 };
#define H_ADDR "2001:db8:1::100"
#define TEP "2001:db8:1::1"
#define X_ADDR "192.0.2.10"
static const struct dstm_portset PS = { .offset = 6, .psid_len = 6, .psid = 0x2a };

static void setup(uint64_t seed)
{
    struct sim_link_params p = { .delay_ns = 1 * MS };
    W = sim_world_create(seed);
    H = sim_stack(W, "h", seed + 1, 0);
    SRV = sim_stack(W, "srv", seed + 2, 0);
    BR = sim_stack(W, "br", seed + 3, 0);
    V4 = sim_stack(W, "v4", seed + 4, 0);
    struct sim_link *v6 = sim_link_create(W, "v6", &p), *v4 = sim_link_create(W, "v4", &p);
    sim_attach(v6, H, "eth0", NULL);
    sim_attach(v6, SRV, "eth0", NULL);
    sim_attach(v6, BR, "eth0", NULL);
    sim_attach(v4, BR, "eth1", NULL);
    sim_attach(v4, V4, "eth0", NULL);
    T_EQ(scene_cmd(H, NULL, "link set eth0 up"), 0);
    T_EQ(scene_cmd(H, NULL, "route add 2001:db8:1::/64 dev eth0"), 0);
    T_EQ(scene_cmd(SRV, NULL, "link set eth0 up"), 0);
    T_EQ(scene_cmd(BR, NULL, "link set eth0 up"), 0);
    T_EQ(scene_cmd(BR, NULL, "link set eth1 up"), 0);
    T_EQ(scene_cmd(BR, NULL, "addr add " TEP "/64 dev eth0"), 0);
    T_EQ(scene_cmd(BR, NULL, "addr add 203.0.113.1/24 dev eth1"), 0);
    T_EQ(scene_cmd(BR, NULL, "link add gif0 type gif local " TEP " remote " H_ADDR), 0);
    T_EQ(scene_cmd(BR, NULL, "link set gif0 up"), 0);
    T_EQ(scene_cmd(BR, NULL, "route add " X_ADDR "/32 dev gif0"), 0);
    T_EQ(scene_cmd(BR, NULL, "set forwarding on -4"), 0);
    T_EQ(scene_cmd(V4, NULL, "link set eth0 up"), 0);
    T_EQ(scene_cmd(V4, NULL, "addr add 203.0.113.2/24 dev eth0"), 0);
    T_EQ(scene_cmd(V4, NULL, "route add 0.0.0.0/0 via 203.0.113.1"), 0);
    SSD = six_socket(SRV, AF_INET6, SOCK_DGRAM, 0);
    struct sockaddr_in6 sa = { .sin6_family = AF_INET6, .sin6_port = htons(DHCP6_SERVER_PORT) };
    T_EQ(six_bind(SRV, SSD, (struct sockaddr *)&sa, sizeof sa), 0);
    struct ipv6_mreq mr = { .ipv6mr_multiaddr = DHCP6_ALL_AGENTS_INIT, .ipv6mr_interface = if_find(SRV, "eth0")->index };
    T_EQ(six_setsockopt(SRV, SSD, IPPROTO_IPV6, IPV6_JOIN_GROUP, &mr, sizeof mr), 0);
    sim_run_for(W, 3 * SEC);
}

static void teardown(void)
{
    six_stack_destroy(H);
    six_stack_destroy(SRV);
    six_stack_destroy(BR);
    six_stack_destroy(V4);
    sim_world_destroy(W);
}

static uint64_t ctr(struct six_stack *st, const char *name)
{
    uint64_t v = 0;
    T_EQ(six_counter_by_name(&st->ctr, name, &v), 0);
    return v;
}

/* ---- the scripted server: every answer carries the IA_NA and the lw4o6 binding ---- */

static bool srv_readable(void *arg)
{
    (void)arg;
    struct six_pollfd p = { SSD, POLLIN, 0 };
    return six_poll(SRV, &p, 1) > 0;
}

/* Answers every client message until `until` (a Reply to Request/Renew/
 * Rebind, an Advertise to Solicit). */
static void srv_serve(uint64_t for_ns)
{
    uint64_t end = sim_now(W) + for_ns;
    while (sim_now(W) < end) {
        if (!sim_run_while_not(W, srv_readable, NULL, end - sim_now(W)))
            return;
        uint8_t in[2048], b[1500];
        struct sockaddr_in6 from;
        socklen_t fl = sizeof from;
        ssize_t n = six_recvfrom(SRV, SSD, in, sizeof in, 0, (struct sockaddr *)&from, &fl);
        struct dhcp6_msg m;
        if (n <= 0 || dhcp6_parse(in, (size_t)n, &m) != WR_OK || m.type == DHCP6_RELEASE)
            continue;
        uint32_t iaid = 0;
        for (int i = 0; i < m.n_ia; i++)
            if (m.ia[i].type == D6O_IA_NA)
                iaid = m.ia[i].iaid;
        struct dhcp6_builder bd;
        dhcp6_build_init(&bd, b, sizeof b);
        dhcp6_build_hdr(&bd, m.type == DHCP6_SOLICIT ? DHCP6_ADVERTISE : DHCP6_REPLY, m.xid);
        dhcp6_put_opt(&bd, D6O_CLIENTID, m.clientid.p, m.clientid.len);
        dhcp6_put_opt(&bd, D6O_SERVERID, SRV_DUID, sizeof SRV_DUID);
        struct in6_addr a = inj_a6(H_ADDR), tep = inj_a6(TEP);
        dhcp6_begin_ia(&bd, D6O_IA_NA, iaid, 1000, 1600);
        dhcp6_begin_iaaddr(&bd, &a, 2000, 3000);
        dhcp6_end(&bd);
        dhcp6_end(&bd);
        /* RFC 7598 §4.5: the PSID is left-aligned in its 16 bits */
        struct dhcp6_portparams pp = { .offset = PS.offset, .psid_len = PS.psid_len,
                                       .psid = (uint16_t)(PS.psid << (16 - PS.psid_len)), .present = true };
        dhcp6_begin_opt(&bd, D6O_S46_CONT_LW);
        dhcp6_put_s46_v4v6bind(&bd, inj_a4(X_ADDR), 128, &a, &pp);
        dhcp6_put_addrs(&bd, D6O_S46_BR, &tep, 1);
        dhcp6_end(&bd);
        size_t len = dhcp6_build_done(&bd);
        T_CHECK(len > 0);
        six_sendto(SRV, SSD, b, len, 0, (struct sockaddr *)&from, sizeof from);
    }
}

static void dump_ctr(void *ctx, const char *name, uint64_t val)
{
    (void)ctx;
    if (!strncmp(name, "dhcp6", 5) || !strncmp(name, "dti", 3))
        fprintf(stderr, "    %s %llu\n", name, (unsigned long long)val);
}

static bool dti_bound(void)
{
    struct dti_info in;
    dti_info(H, &in);
    return in.state == DTI_BOUND;
}

/* `dstm client ... lw4o6`, the IA_NA, then the first IPv4 send asks. */
static bool start_bound(void)
{
    T_EQ(scene_cmd(H, NULL, "dstm client dev eth0 lw4o6 on-demand off"), 0);
    srv_serve(5 * SEC);
    if (!dti_bound()) {
        struct dti_info in;
        dti_info(H, &in);
        fprintf(stderr, "  dti state %s\n", dti_state_name(in.state));
        six_counters_foreach(&H->ctr, 1, dump_ctr, NULL);
    }
    return dti_bound();
}

/* ---- sockets ---- */

static int udp_sock(struct six_stack *st, uint16_t port)
{
    int s = six_socket(st, AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
    if (port)
        T_EQ(six_bind(st, s, (struct sockaddr *)&sa, sizeof sa), 0);
    return s;
}

struct wait { struct six_stack *st; int fd; };
static bool sock_readable(void *arg)
{
    struct wait *w = arg;
    struct six_pollfd p = { w->fd, POLLIN, 0 };
    return six_poll(w->st, &p, 1) > 0;
}

static ssize_t recv_wait(struct six_stack *st, int fd, char *buf, size_t n, struct sockaddr_in *from)
{
    struct wait w = { st, fd };
    if (!sim_run_while_not(W, sock_readable, &w, 2 * SEC))
        return -1;
    socklen_t fl = sizeof *from;
    return six_recvfrom(st, fd, buf, n, 0, (struct sockaddr *)from, &fl);
}

/* ---- cases ---- */

TEST(two_udp_flows_leave_in_the_set_and_come_back)
{
    setup(1401);
    T_CHECK(start_bound());
    int srv = udp_sock(V4, 7000);
    int a = udp_sock(H, 0), b = udp_sock(H, 0);
    struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(7000), .sin_addr = inj_a4("203.0.113.2") };
    T_EQ(six_sendto(H, a, "flow-a", 6, 0, (struct sockaddr *)&to, sizeof to), 6);
    T_EQ(six_sendto(H, b, "flow-b", 6, 0, (struct sockaddr *)&to, sizeof to), 6);
    uint16_t seen[2] = { 0, 0 };
    for (int i = 0; i < 2; i++) {
        char buf[64];
        struct sockaddr_in from;
        ssize_t n = recv_wait(V4, srv, buf, sizeof buf, &from);
        T_EQ(n, 6);
        if (n != 6)
            break;
        T_EQ(from.sin_addr.s_addr, inj_a4(X_ADDR).s_addr);       /* the shared address */
        seen[i] = ntohs(from.sin_port);
        T_CHECK(dstm_port_in_set(&PS, seen[i]));                /* a port of the set */
        char echo[16];
        memcpy(echo, buf, 6);
        echo[0] = 'F';
        T_EQ(six_sendto(V4, srv, echo, 6, 0, (struct sockaddr *)&from, sizeof from), 6);
    }
    T_CHECK(seen[0] != seen[1]);
    /* each answer reaches the socket that sent its flow */
    char buf[64];
    struct sockaddr_in from;
    T_EQ(recv_wait(H, a, buf, sizeof buf, &from), 6);
    T_CHECK(!memcmp(buf, "Flow-a", 6));
    T_EQ(ntohs(from.sin_port), 7000);
    T_EQ(recv_wait(H, b, buf, sizeof buf, &from), 6);
    T_CHECK(!memcmp(buf, "Flow-b", 6));
    T_EQ(ctr(H, "napt.out_translated"), 2);
    T_EQ(ctr(H, "napt.in_translated"), 2);
    /* `sixctl dstm napt` lists both */
    struct cmd_out out;
    cmd_out_init(&out);
    T_EQ(scene_cmd(H, &out, "dstm napt"), 0);
    T_CHECK(out.buf && strstr(out.buf, "2 mappings") && strstr(out.buf, "1008 ports"));
    for (int i = 0; i < 2 && out.buf; i++) {
        char want[32];
        snprintf(want, sizeof want, "-> :%u udp", seen[i]);
        T_CHECK(strstr(out.buf, want) != NULL);
    }
    cmd_out_free(&out);
    /* a datagram to a port of the set that no flow holds: dropped */
    uint16_t free_port = dstm_portset_port(&PS, 0);
    if (free_port == seen[0] || free_port == seen[1])
        free_port = dstm_portset_port(&PS, 1);
    if (free_port == seen[0] || free_port == seen[1])
        free_port = dstm_portset_port(&PS, 2);
    struct sockaddr_in stray = { .sin_family = AF_INET, .sin_port = htons(free_port), .sin_addr = inj_a4(X_ADDR) };
    T_EQ(six_sendto(V4, srv, "stray", 5, 0, (struct sockaddr *)&stray, sizeof stray), 5);
    sim_run_for(W, 100 * MS);
    T_EQ(ctr(H, "napt.drop_no_mapping"), 1);
    six_close(H, a);
    six_close(H, b);
    six_close(V4, srv);
    teardown();
}

TEST(tcp_ping_and_icmp_errors_through_the_translation)
{
    setup(1402);
    T_CHECK(start_bound());
    T_CHECK(sim_tcp_transfer(W, H, V4, "203.0.113.2", 200000));
    T_CHECK(ctr(H, "napt.out_translated") > 100);
    T_CHECK(ctr(H, "napt.in_translated") > 50);
    /* ICMP Echo: the identifier goes into the set and comes back */
    T_EQ(scene_cmd_wait(W, H, NULL, 5 * SEC, "ping 203.0.113.2 -c 2 -i 200"), 0);
    /* an ICMP error about a translated datagram reaches the host translated
     * back (V4 has nothing on port 9: port unreachable) */
    uint64_t unreach = ctr(H, "icmp4.in_unreach"), in = ctr(H, "napt.in_translated");
    int u = udp_sock(H, 0);
    struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(9), .sin_addr = inj_a4("203.0.113.2") };
    T_EQ(six_sendto(H, u, "x", 1, 0, (struct sockaddr *)&to, sizeof to), 1);
    sim_run_for(W, 100 * MS);
    T_EQ(ctr(V4, "icmp4.out_errors"), 1);
    T_EQ(ctr(H, "icmp4.in_unreach"), unreach + 1);
    T_EQ(ctr(H, "napt.in_translated"), in + 1);
    six_close(H, u);
    /* nothing was refused on the way */
    static const char *const drops[] = { "napt.drop_malformed", "napt.drop_fragment", "napt.drop_proto",
        "napt.drop_icmp_quote", "napt.drop_not_ours", "napt.drop_no_mapping", "napt.drop_tcp_not_syn",
        "napt.drop_table_full", "napt.drop_no_port", "dti.drop_not_ours", "gif.drop_unknown_src" };
    for (size_t i = 0; i < sizeof drops / sizeof drops[0]; i++)
        if (ctr(H, drops[i]) || (i == 10 && ctr(BR, drops[i])))
            fprintf(stderr, "  %s: %llu\n", drops[i], (unsigned long long)ctr(H, drops[i])), t_case_failed = 1;
    teardown();
}

int main(void)
{
    RUN(two_udp_flows_leave_in_the_set_and_come_back);
    RUN(tcp_ping_and_icmp_errors_through_the_translation);
    return t_done();
}
