/* hometun (issue 5 item 3, draft-ietf-ngtrans-hometun): a home network
 * keeps its static IPv6 prefix while the client's IPv4 address changes.
 *
 *   inet (IPv6)         core (IPv4)            access (IPv4)        home (IPv6)
 *   I ---------------- S ---------------- R ------------------ C ------------ H
 *   2001:db8:ffff::10   198.51.100.1       198.51.100.2         192.0.2.10     2001:db8:1000:1::10
 *                       ht-c1 == gif0 (ESP tunnel, 2001:db8:ff00::/64) == C
 *                                          R ----- C2 (203.0.113.50, a second client, ht-c2)
 *
 * A TCP stream from I to H keeps going, byte-exact and in order, while C's
 * address changes three times: C's gif moves its local end and its SAs and
 * announces the new address by NA with Override inside ESP; S's gif moves
 * the remote end and the SA's destination. With NAT the access link is
 * private and R translates ESP in UDP 4500; S follows the NAT's address
 * and port from the first authenticated packet. Forged NAs — through the
 * other client's SA, with a bad ICV, replayed, unprotected — move nothing
 * and are counted. */
#include <string.h>
#include <arpa/inet.h>
#include "../lib/t.h"
#include "../lib/simstack.h"
#include "../lib/ipsec_sim.h"
#include "../lib/simnat.h"
#include "../lib/inject.h"
#include "../lib/logcap.h"
#include "ctl/scene.h"
#include "ctl/cmd.h"
#include "link/sim.h"
#include "net/stack.h"
#include "net/gif.h"
#include "ipsec/ipsec.h"
#include "six/socket.h"
#include "wire/icmp6.h"

#define MS 1000000ull
#define SEC 1000000000ull

static struct sim_world *W;
static struct six_stack *I, *S, *R, *C, *C2, *H;
static struct simnat *NAT;
static bool natt;

#define KEY_SC "0x0102030405060708090a0b0c0d0e0f1011121314"
#define KEY_CS "0x2122232425262728292a2b2c2d2e2f3031323334"
#define KEY_S2 "0x4142434445464748494a4b4c4d4e4f5051525354"
#define KEY_2S "0x6162636465666768696a6b6c6d6e6f7071727374"

static const char raw_sas[] =
    "add 198.51.100.1 192.0.2.10 esp 0x2001 -m tunnel -E aes-gcm-16 " KEY_SC ";\n"
    "add 192.0.2.10 198.51.100.1 esp 0x2002 -m tunnel -E aes-gcm-16 " KEY_CS ";\n"
    "add 198.51.100.1 203.0.113.50 esp 0x3001 -m tunnel -E aes-gcm-16 " KEY_S2 ";\n"
    "add 203.0.113.50 198.51.100.1 esp 0x3002 -m tunnel -E aes-gcm-16 " KEY_2S ";\n";

/* Behind the NAT the client is 10.0.0.10; the server names it by the
 * address it last saw (here a guess) and follows the authenticated packets. */
static const char natt_sas[] =
    "add 198.51.100.1[4500] 192.0.2.10[4500] esp-udp 0x2001 -m tunnel -E aes-gcm-16 " KEY_SC ";\n"
    "add 192.0.2.10[4500] 198.51.100.1[4500] esp-udp 0x2002 -m tunnel -natt_follow -E aes-gcm-16 " KEY_CS ";\n"
    "add 198.51.100.1 203.0.113.50 esp 0x3001 -m tunnel -E aes-gcm-16 " KEY_S2 ";\n"
    "add 203.0.113.50 198.51.100.1 esp 0x3002 -m tunnel -E aes-gcm-16 " KEY_2S ";\n";
static const char natt_client_sas[] =
    "add 198.51.100.1[4500] 10.0.0.10[4500] esp-udp 0x2001 -m tunnel -E aes-gcm-16 " KEY_SC ";\n"
    "add 10.0.0.10[4500] 198.51.100.1[4500] esp-udp 0x2002 -m tunnel -E aes-gcm-16 " KEY_CS ";\n";

static size_t na_body(uint8_t *b, const char *target, const char *tlla4);

static void cmds(struct six_stack *st, const char *const *c)
{
    for (; *c; c++)
        if (scene_cmd(st, NULL, "%s", *c) != 0) {
            fprintf(stderr, "command failed: %s\n", *c);
            T_CHECK(0);
        }
}

enum mode { RAW_ESP, NAT_T, FALLBACK };

/* The draft's fallback (§4): plain 6in4 gifs, transport-mode ESP on
 * protocol 41 between the end points; the server's tunnel tolerates a
 * new outer source and its policies do not name the client's address. */
static const char fallback_server[] =
    "add 198.51.100.1 192.0.2.10 esp 0x4001 -m transport -E aes-gcm-16 " KEY_SC ";\n"
    "add 192.0.2.10 198.51.100.1 esp 0x4002 -m transport -E aes-gcm-16 " KEY_CS ";\n"
    "spdadd 198.51.100.1 0.0.0.0/0 41 -P out ipsec esp/transport//require;\n"
    "spdadd 0.0.0.0/0 198.51.100.1 41 -P in ipsec esp/transport//require;\n";
static const char fallback_client[] =
    "add 198.51.100.1 192.0.2.10 esp 0x4001 -m transport -E aes-gcm-16 " KEY_SC ";\n"
    "add 192.0.2.10 198.51.100.1 esp 0x4002 -m transport -E aes-gcm-16 " KEY_CS ";\n"
    "spdadd 192.0.2.10 198.51.100.1 41 -P out ipsec esp/transport//require;\n"
    "spdadd 198.51.100.1 192.0.2.10 41 -P in ipsec esp/transport//require;\n";

static void setup_mode(enum mode mode)
{
    bool with_nat = mode == NAT_T;
    struct sim_link_params wan = { .delay_ns = 10 * MS }, lan = { .delay_ns = 1 * MS };
    natt = with_nat;
    W = sim_world_create(90 + (uint64_t)mode);
    I = sim_stack(W, "inet-host", 1, 4096);
    S = sim_stack(W, "server", 2, 4096);
    R = sim_stack(W, "isp", 3, 4096);
    C = sim_stack(W, "client", 4, 4096);
    C2 = sim_stack(W, "client2", 5, 4096);
    H = sim_stack(W, "home-host", 6, 4096);
    struct sim_link *inet = sim_link_create(W, "inet", &lan), *home = sim_link_create(W, "home", &lan);
    struct sim_link *core = sim_link_create_p2p(W, "core", &wan), *acc = sim_link_create_p2p(W, "access", &wan);
    struct sim_link *acc2 = sim_link_create_p2p(W, "access2", &wan);
    sim_attach(inet, I, "eth0", NULL);
    sim_attach(inet, S, "eth0", NULL);
    sim_attach(core, S, "eth1", NULL);
    struct ifnet *r_core = sim_attach(core, R, "eth0", NULL);
    struct ifnet *r_acc = sim_attach(acc, R, "eth1", NULL);
    sim_attach(acc2, R, "eth2", NULL);
    sim_attach(acc, C, "eth0", NULL);
    sim_attach(acc2, C2, "eth0", NULL);
    sim_attach(home, C, "eth1", NULL);
    sim_attach(home, H, "eth0", NULL);

    const char *const ci[] = { "link set eth0 up", "addr add 2001:db8:ffff::10/64 dev eth0",
                               "route add default via 2001:db8:ffff::1", NULL };
    const char *const cs[] = {
        "set forwarding on", "link set eth0 up", "link set eth1 up", "addr add 2001:db8:ffff::1/64 dev eth0",
        "addr add 198.51.100.1/24 dev eth1", "route add default via 198.51.100.2",
        "link add ht-c1 type gif local 198.51.100.1 remote 192.0.2.10", "link set ht-c1 esp 0x2001 0x2002",
        "link set ht-c1 up", "addr add 2001:db8:ff00::1/64 dev ht-c1", "link set ht-c1 hometun server",
        "route add 2001:db8:1000::/48 via 2001:db8:ff00::2",
        "link add ht-c2 type gif local 198.51.100.1 remote 203.0.113.50", "link set ht-c2 esp 0x3001 0x3002",
        "link set ht-c2 up", "addr add 2001:db8:ff01::1/64 dev ht-c2", "link set ht-c2 hometun server",
        "route add 2001:db8:2000::/48 via 2001:db8:ff01::2", NULL };
    const char *const cr[] = { "set forwarding on", "link set eth0 up", "link set eth1 up", "link set eth2 up",
                               "addr add 198.51.100.2/24 dev eth0", "addr add 203.0.113.1/24 dev eth2", NULL };
    const char *const cc[] = {
        "set forwarding on -6", "link set eth0 up", "link set eth1 up", "addr add 2001:db8:1000:1::1/64 dev eth1",
        "link add gif0 type gif local 192.0.2.10 remote 198.51.100.1", "link set gif0 esp 0x2002 0x2001",
        "link set gif0 up", "addr add 2001:db8:ff00::2/64 dev gif0", "route add default via 2001:db8:ff00::1",
        NULL };
    const char *const cc2[] = {
        "set forwarding on", "link set eth0 up", "addr add 203.0.113.50/24 dev eth0",
        "route add default via 203.0.113.1", "link add gif0 type gif local 203.0.113.50 remote 198.51.100.1",
        "link set gif0 esp 0x3002 0x3001", "link set gif0 up", "addr add 2001:db8:ff01::2/64 dev gif0",
        "route add default via 2001:db8:ff01::1", "link set gif0 hometun client", NULL };
    const char *const ch[] = { "link set eth0 up", "addr add 2001:db8:1000:1::10/64 dev eth0",
                               "route add default via 2001:db8:1000:1::1", NULL };
    cmds(I, ci);
    cmds(S, cs);
    cmds(R, cr);
    cmds(C, cc);
    cmds(C2, cc2);
    cmds(H, ch);
    if (with_nat) {
        T_EQ(scene_cmd(R, NULL, "addr add 10.0.0.1/24 dev eth1"), 0);
        T_EQ(scene_cmd(C, NULL, "addr add 10.0.0.10/24 dev eth0"), 0);
        T_EQ(scene_cmd(C, NULL, "route add default via 10.0.0.1"), 0);
        /* gif0 still says local 192.0.2.10: becoming a client below, it takes 10.0.0.10 */
        struct in_addr pub;
        inet_pton(AF_INET, "198.51.100.2", &pub);
        NAT = simnat_attach(r_acc, r_core, pub);
        T_EQ(sim_setkey(S, natt_sas), 0);
        T_EQ(sim_setkey(C, natt_client_sas), 0);
    } else {
        T_EQ(scene_cmd(R, NULL, "addr add 192.0.2.1/24 dev eth1"), 0);
        T_EQ(scene_cmd(C, NULL, "addr add 192.0.2.10/24 dev eth0"), 0);
        T_EQ(scene_cmd(C, NULL, "route add default via 192.0.2.1"), 0);
        T_EQ(sim_setkey(S, raw_sas), 0);
        T_EQ(sim_setkey(C, raw_sas), 0);
    }
    if (mode == FALLBACK) {
        T_EQ(scene_cmd(S, NULL, "link set ht-c1 esp off ingress-check off"), 0);
        T_EQ(scene_cmd(C, NULL, "link set gif0 esp off"), 0);
        T_EQ(sim_setkey(S, fallback_server), 0);
        T_EQ(sim_setkey(C, fallback_client), 0);
    }
    T_EQ(sim_setkey(C2, raw_sas), 0);
    /* last, as in examples/hometun: the client announces itself, so the
     * server learns where it is (behind a NAT it cannot know before) */
    T_EQ(scene_cmd(C, NULL, "link set gif0 hometun client"), 0);
    sim_run_for(W, 3 * SEC);
}

static void setup(bool with_nat)
{
    setup_mode(with_nat ? NAT_T : RAW_ESP);
}

static void teardown(void)
{
    if (NAT)
        simnat_detach(NAT);
    NAT = NULL;
    struct six_stack *all[] = { I, S, R, C, C2, H };
    for (unsigned i = 0; i < 6; i++)
        six_stack_destroy(all[i]);
    sim_world_destroy(W);
}

/* The remote end of server gif name, as `link show` prints it. */
static bool server_remote_is(const char *gif, const char *addr)
{
    struct cmd_out o;
    cmd_out_init(&o);
    char want[64];
    snprintf(want, sizeof want, "remote %s", addr);
    bool ok = scene_cmd(S, &o, "link show %s", gif) == 0 && o.buf && strstr(o.buf, want) != NULL;
    if (!ok)
        fprintf(stderr, "server %s: want '%s' in:\n%s\n", gif, want, o.buf ? o.buf : "");
    cmd_out_free(&o);
    return ok;
}

/* The client's next WAN address: make before break, as a new lease. */
struct mover {
    size_t total;
    unsigned moves;
};

static const char *const raw_addrs[] = { "192.0.2.10", "192.0.2.11", "192.0.2.12", "192.0.2.13" };
static const char *const nat_addrs[] = { "10.0.0.10", "10.0.0.11", "10.0.0.12", "10.0.0.13" };

static void move_client(unsigned k)
{
    const char *const *a = natt ? nat_addrs : raw_addrs;
    T_EQ(scene_cmd(C, NULL, "addr add %s/24 dev eth0", a[k + 1]), 0);
    T_EQ(scene_cmd(C, NULL, "addr del %s/24 dev eth0", a[k]), 0);
}

static void tick(void *ctx, size_t got)
{
    struct mover *m = ctx;
    if (m->moves < 3 && got >= m->total / 4 * (m->moves + 1)) {
        move_client(m->moves);
        m->moves++;
    }
}

static void stream_across_three_moves(void)
{
    T_EQ(scene_cmd_wait(W, I, NULL, 5 * SEC, "ping 2001:db8:1000:1::10 -c 2 -i 200"), 0);
    size_t total = 6u << 20;
    struct mover m = { .total = total };
    socklen_t len;
    struct sockaddr_storage any = sim_sockaddr("::", 8000, &len);
    int ls = six_socket(H, AF_INET6, SOCK_STREAM, 0);
    T_CHECK(ls >= 0 && !six_bind(H, ls, (struct sockaddr *)&any, len) && !six_listen(H, ls, 4));
    struct sockaddr_storage dst = sim_sockaddr("2001:db8:1000:1::10", 8000, &len);
    int c = six_socket(I, AF_INET6, SOCK_STREAM, 0), s = -1;
    six_connect(I, c, (struct sockaddr *)&dst, len);
    for (int i = 0; i < 200 && s < 0; i++) {
        sim_run_for(W, 5 * MS);
        s = six_accept(H, ls, NULL, NULL);
    }
    T_CHECK(s >= 0);
    logcap_start(LOG_INFO);   /* the moves are logged without -d (docs/HOMETUN.md quotes these lines) */
    T_CHECK(sim_pump_tick(W, I, c, H, s, total, tick, &m));
    T_EQ(m.moves, 3);
    const char *const *a = natt ? nat_addrs : raw_addrs;
    for (unsigned k = 0; k < 3; k++) {
        char local[96], remote[96];
        snprintf(local, sizeof local, "info client: gif0: local end %s -> %s, announced by NA with Override", a[k],
                 a[k + 1]);
        snprintf(remote, sizeof remote, "moves the remote end %s -> %s", a[k], a[k + 1]);
        T_EQ(logcap_count(local, (char *)NULL), 1);
        T_EQ(logcap_count("info server: ht-c1: NA with Override for ", remote, (char *)NULL), natt ? 0 : 1);
    }
    /* behind the NAT the server follows the NAT's new port instead */
    T_EQ(logcap_count("info server: SA esp-udp 0x00002002 198.51.100.2>198.51.100.1: NAT-T peer moved "
                      "198.51.100.2:", (char *)NULL), natt ? 3 : 0);
    if (t_case_failed)
        logcap_dump();
    logcap_stop();
    T_EQ(CTR_GET(C, gif, local_moved), natt ? 4 : 3);   /* NAT: the first move is the client taking its address */
    T_CHECK(CTR_GET(C, gif, na_announced) >= 3 * 2);   /* link-local and global, each move */
    six_close(I, c);
    six_close(H, s);
    six_close(H, ls);
}

TEST(stream_across_three_address_changes_raw_esp)
{
    setup(false);
    T_CHECK(server_remote_is("ht-c1", "192.0.2.10"));
    stream_across_three_moves();
    T_CHECK(server_remote_is("ht-c1", "192.0.2.13"));
    T_EQ(CTR_GET(S, gif, na_moved), 3);
    T_CHECK(server_remote_is("ht-c2", "203.0.113.50"));   /* the other client stays */
    T_EQ(CTR_GET(S, gif, drop_na_unauth) + CTR_GET(S, gif, drop_na_target), 0);
    T_CHECK(sim_udp_once(W, H, I, NULL, "2001:db8:ffff::10", 7000));   /* and back out */
    teardown();
}

TEST(stream_across_three_address_changes_behind_nat)
{
    setup(true);
    /* the client's announcement at start taught the server the NAT's address */
    T_CHECK(server_remote_is("ht-c1", "198.51.100.2"));
    T_CHECK(CTR_GET(S, ipsec, natt_peer_moved) >= 1);
    uint64_t moved = CTR_GET(S, ipsec, natt_peer_moved);
    stream_across_three_moves();
    T_CHECK(server_remote_is("ht-c1", "198.51.100.2"));
    T_EQ(CTR_GET(S, ipsec, natt_peer_moved), moved + 3);   /* a new NAT port each time */
    T_EQ(CTR_GET(S, gif, na_moved), 0);                    /* the TLLA (inside the NAT) is not used */
    T_CHECK(CTR_GET(S, gif, na_natt_ignored) >= 3);
    T_EQ(simnat_mappings(NAT), 4);   /* one per client address */
    /* a NAT rebinding without any address change: the next packet moves the server too */
    simnat_rebind(NAT);
    T_CHECK(sim_udp_once(W, H, I, NULL, "2001:db8:ffff::10", 7001));
    T_CHECK(sim_udp_once(W, I, H, NULL, "2001:db8:1000:1::10", 7002));
    T_EQ(CTR_GET(S, ipsec, natt_peer_moved), moved + 4);
    teardown();
}

TEST(na_and_lladdr_on_the_tunnel)
{
    setup(false);
    /* the client answers NS on the tunnel with its IPv4 address as TLLA; link show names the role */
    struct cmd_out o;
    cmd_out_init(&o);
    T_EQ(scene_cmd(C, &o, "link show gif0"), 0);
    T_CHECK(o.buf && strstr(o.buf, "hometun client") != NULL);
    cmd_out_free(&o);
    uint64_t na = CTR_GET(S, gif, na_in);
    T_EQ(scene_cmd(C, NULL, "link set gif0 local 192.0.2.10"), 0);   /* no change: no NA */
    sim_run_for(W, 3 * SEC);
    T_EQ(CTR_GET(S, gif, na_in), na);
    /* bad words are refused */
    T_CHECK(scene_cmd(C, NULL, "link set gif0 hometun maybe") != 0);
    T_CHECK(scene_cmd(C, NULL, "link set gif0 local 2001:db8::1") != 0);    /* wrong family */
    T_CHECK(scene_cmd(C, NULL, "link set gif0 local 198.51.100.1") != 0);   /* the remote itself */
    T_CHECK(scene_cmd(C, NULL, "link set eth0 hometun client") != 0);       /* not a gif */
    teardown();
}

/* client2 sends an NA through one of its tunnels claiming client 1's
 * tunnel address: a raw ICMPv6 socket, hop limit 255, to ff02::1 on gif. */
static void na_from_client2_on(const char *gif, const char *target, const char *tlla4)
{
    int s = six_socket(C2, AF_INET6, SOCK_RAW, IPPROTO_ICMPV6);
    int hops = 255;
    six_setsockopt(C2, s, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops, sizeof hops);
    uint8_t m[8 + 24] = { 136, 0, 0, 0, 0x20 };   /* NA, Override */
    na_body(m + 8, target, tlla4);
    struct sockaddr_in6 dst = { .sin6_family = AF_INET6, .sin6_scope_id = if_find(C2, gif)->index };
    dst.sin6_addr = inj_a6("ff02::1");
    T_EQ(six_sendto(C2, s, m, sizeof m, 0, (struct sockaddr *)&dst, sizeof dst), (long)sizeof m);
    six_close(C2, s);
    sim_run_for(W, 200 * MS);
}

/* ... through its own tunnel (its own SA) */
static void na_from_client2(const char *target, const char *tlla4)
{
    na_from_client2_on("gif0", target, tlla4);
}

/* The first ESP packet the server got from src: the client's first NA after a move. */
static size_t first_esp_from(const struct inj_capture *c, const char *src, uint8_t *out)
{
    struct in_addr a = inj_a4(src);
    for (unsigned i = 0; i < c->n; i++) {
        struct ip4_info ih;
        if (ip4_parse(c->f[i].d, c->f[i].len, &ih) == WR_OK && ih.proto == 50 && ih.src.s_addr == a.s_addr) {
            memcpy(out, c->f[i].d, c->f[i].len);
            return c->f[i].len;
        }
    }
    return 0;
}

/* An NA body after the ICMPv6 header: target, then a TLLA with an IPv4 address. */
static size_t na_body(uint8_t *b, const char *target, const char *tlla4)
{
    struct in6_addr t = inj_a6(target);
    struct in_addr l = inj_a4(tlla4);
    memcpy(b, &t, 16);
    b[16] = 2, b[17] = 1;   /* TLLA, 8 bytes */
    memcpy(b + 18, &l, 4);
    b[22] = b[23] = 0;
    return 24;
}

#define NA_FLAG_OVERRIDE 0x20000000u

/* A plain (unprotected) 6in4 packet from outer_src to the server carrying
 * an Override NA for client 1's tunnel address with outer_src as TLLA. */
static size_t plain_6in4_na(uint8_t out[256], const char *outer_src)
{
    uint8_t body[24], icmp[64], ip6[128];
    struct in6_addr ll = inj_a6("fe80::c000:263"), all = inj_a6("ff02::1");
    size_t k = inj_icmp6(icmp, sizeof icmp, &ll, &all, 136, 0, NA_FLAG_OVERRIDE, body,
                         na_body(body, "2001:db8:ff00::2", outer_src));
    k = inj_ip6(ip6, sizeof ip6, &ll, &all, 255, 58, icmp, k);
    return inj_ip4(out, 256, inj_a4(outer_src), inj_a4("198.51.100.1"), 64, 41, 1, 0, NULL, 0, ip6, k);
}

TEST(fallback_transport_esp_over_gif)
{
    setup_mode(FALLBACK);
    T_CHECK(server_remote_is("ht-c1", "192.0.2.10"));
    stream_across_three_moves();
    T_CHECK(server_remote_is("ht-c1", "192.0.2.13"));
    T_EQ(CTR_GET(S, gif, na_moved), 3);
    T_CHECK(CTR_GET(S, ipsec, in_packets) > 1000);   /* the tunnel packets came through transport ESP */
    T_EQ(CTR_GET(S, gif, drop_na_unauth), 0);
    /* a plain 6in4 NA from a spoofed source: the tunnel would take it (its
     * ingress check is off), the SPD refuses it (ESP required), nothing moves */
    uint8_t ip4[256];
    size_t k4 = plain_6in4_na(ip4, "192.0.2.99");
    uint64_t na_in = CTR_GET(S, gif, na_in);
    T_CHECK(inj_input(if_find(S, "eth1"), ip4, k4));
    sim_run_for(W, 100 * MS);
    T_EQ(CTR_GET(S, gif, na_in), na_in);
    T_CHECK(server_remote_is("ht-c1", "192.0.2.13"));
    teardown();
}

TEST(forged_nas_move_nothing)
{
    setup(false);
    struct ifnet *s_wan = if_find(S, "eth1");
    struct inj_capture cap = { 0 };
    inj_capture_start(&cap, s_wan, true);
    move_client(0);
    sim_run_for(W, 3 * SEC);
    T_CHECK(server_remote_is("ht-c1", "192.0.2.11"));
    uint8_t na11[INJ_MAX];
    size_t na11_len = first_esp_from(&cap, "192.0.2.11", na11);
    T_CHECK(na11_len > 20 + 8);
    move_client(1);
    sim_run_for(W, 3 * SEC);
    inj_capture_stop(&cap);
    T_CHECK(server_remote_is("ht-c1", "192.0.2.12"));
    uint64_t moved = CTR_GET(S, gif, na_moved);
    T_EQ(moved, 2);

    /* a replay of the NA that announced .11 */
    uint64_t n = CTR_GET(S, ipsec, drop_replay);
    T_CHECK(inj_input(s_wan, na11, na11_len));
    sim_run_for(W, 100 * MS);
    T_EQ(CTR_GET(S, ipsec, drop_replay), n + 1);

    /* the same with a fresh sequence number: the ICV no longer matches */
    n = CTR_GET(S, ipsec, drop_icv);
    na11[20 + 4] = 0x00, na11[20 + 5] = 0xff, na11[20 + 6] = 0xff, na11[20 + 7] = 0x00;
    T_CHECK(inj_input(s_wan, na11, na11_len));
    sim_run_for(W, 100 * MS);
    T_EQ(CTR_GET(S, ipsec, drop_icv), n + 1);

    /* a plain NA in plain 6in4, from where a thief would like the tunnel to go */
    uint8_t ip4[256];
    size_t k4 = plain_6in4_na(ip4, "192.0.2.99");
    n = CTR_GET(S, gif, drop_unknown_src);   /* RFC 4213 §3.6: not from the tunnel's remote end */
    T_CHECK(inj_input(s_wan, ip4, k4));
    sim_run_for(W, 100 * MS);
    T_EQ(CTR_GET(S, gif, drop_unknown_src), n + 1);
    k4 = plain_6in4_na(ip4, "192.0.2.12");
    n = CTR_GET(S, gif, drop_not_protected);   /* from the client's address, but not through its SA */
    T_CHECK(inj_input(s_wan, ip4, k4));
    sim_run_for(W, 100 * MS);
    T_EQ(CTR_GET(S, gif, drop_not_protected), n + 1);

    /* another client, through its own SA, claims client 1's tunnel address */
    n = CTR_GET(S, gif, drop_na_target);
    na_from_client2("2001:db8:ff00::2", "203.0.113.50");
    T_EQ(CTR_GET(S, gif, drop_na_target), n + 1);
    /* ... or client 1's link-local address: link-local targets are on every tunnel link, so it
     * moves only its own tunnel, to where it already is */
    na_from_client2("fe80::c000:20c", "203.0.113.50");

    T_EQ(CTR_GET(S, gif, na_moved), moved);
    T_CHECK(server_remote_is("ht-c1", "192.0.2.12"));
    T_CHECK(server_remote_is("ht-c2", "203.0.113.50"));
    /* the genuine client still moves it */
    move_client(2);
    sim_run_for(W, 3 * SEC);
    T_CHECK(server_remote_is("ht-c1", "192.0.2.13"));
    T_CHECK(sim_udp_once(W, I, H, NULL, "2001:db8:1000:1::10", 7003));
    inj_capture_clear(&cap);
    teardown();
}

/* Issue 10 item 2 (fallback): client 2 also has a transport SA with the
 * server (here from its second address 203.0.113.51, as any host may have
 * for its own traffic; the server's fallback policy for protocol 41 names no
 * client, so that SA satisfies it too). Through it, client 2 sends Override
 * NAs for client 1's tunnel address in 6in4 -- with its own outer address,
 * then with client 1's -- and a plain datagram from client 1's address.
 * Nothing moves, each is counted, client 1's traffic goes on, and client 1
 * itself still moves its tunnel. */
#define KEY_X "0x8182838485868788898a8b8c8d8e8f9091929394"
static const char c2_transport[] =
    "add 203.0.113.51 198.51.100.1 esp 0x5002 -m transport -E aes-gcm-16 " KEY_X ";\n"
    "spdadd 203.0.113.51 198.51.100.1 any -P out ipsec esp/transport//require;\n";

TEST(fallback_client2_cannot_move_client1)
{
    setup_mode(FALLBACK);
    T_EQ(sim_setkey(S, c2_transport), 0);
    const char *const atk[] = { "addr add 203.0.113.51/24 dev eth0", "addr add 192.0.2.10/32 dev eth0",
                                "link add atk type gif local 203.0.113.51 remote 198.51.100.1", "link set atk up",
                                NULL };
    cmds(C2, atk);
    T_EQ(sim_setkey(C2, c2_transport), 0);
    sim_run_for(W, 2 * SEC);   /* atk's link-local address */
    T_CHECK(server_remote_is("ht-c1", "192.0.2.10"));

    /* its own outer address: the SA's peer (203.0.113.51) is no tunnel's remote end */
    uint64_t n = CTR_GET(S, gif, drop_sa_mismatch), in = CTR_GET(S, ipsec, in_packets);
    na_from_client2_on("atk", "2001:db8:ff00::2", "203.0.113.66");
    na_from_client2_on("atk", "fe80::c000:20a", "203.0.113.66");
    T_CHECK(CTR_GET(S, ipsec, in_packets) >= in + 2);   /* authentic: IPsec let them through */
    T_EQ(CTR_GET(S, gif, drop_sa_mismatch), n + 2);
    T_CHECK(server_remote_is("ht-c1", "192.0.2.10"));

    /* client 1's outer address, spoofed (the SA and policy follow atk's local end) */
    T_EQ(scene_cmd(C2, NULL, "link set atk local 192.0.2.10"), 0);
    n = CTR_GET(S, gif, drop_peer_moved);
    na_from_client2_on("atk", "2001:db8:ff00::2", "203.0.113.66");
    na_from_client2_on("atk", "fe80::c000:20a", "203.0.113.66");
    T_EQ(CTR_GET(S, gif, drop_peer_moved), n + 2);
    T_CHECK(server_remote_is("ht-c1", "192.0.2.10"));

    /* not a tunnel packet: a datagram from client 1's address through client 2's SA (RFC 4301 §5.2 step 4) */
    n = CTR_GET(S, ipsec, drop_sa_addr);
    T_CHECK(!sim_udp_once(W, C2, S, "192.0.2.10", "198.51.100.1", 7300));
    T_EQ(CTR_GET(S, ipsec, drop_sa_addr), n + 1);

    T_EQ(CTR_GET(S, gif, na_moved), 0);
    T_EQ(CTR_GET(S, gif, drop_na_unauth), 0);
    T_CHECK(server_remote_is("ht-c2", "203.0.113.50"));
    T_CHECK(sim_udp_once(W, I, H, NULL, "2001:db8:1000:1::10", 7301));
    T_CHECK(sim_udp_once(W, H, I, NULL, "2001:db8:ffff::10", 7302));
    /* the genuine client still moves its tunnel, from its new address */
    move_client(0);
    sim_run_for(W, 3 * SEC);
    T_CHECK(server_remote_is("ht-c1", "192.0.2.11"));
    T_EQ(CTR_GET(S, gif, na_moved), 1);
    T_CHECK(sim_udp_once(W, I, H, NULL, "2001:db8:1000:1::10", 7303));
    teardown();
}

/* Issue 10 item 2 (c): one fallback (unbound) server per server address. */
TEST(second_fallback_server_refused)
{
    setup_mode(FALLBACK);
    T_CHECK(scene_cmd(S, NULL, "link set ht-c2 esp off") != 0);   /* the log says why */
    T_CHECK(scene_cmd(S, NULL, "link add ht-c3 type gif local 198.51.100.1 remote 203.0.113.60") == 0);
    T_CHECK(scene_cmd(S, NULL, "link set ht-c3 hometun server") != 0);
    T_CHECK(scene_cmd(S, NULL, "link set ht-c3 esp 0x6001 0x6002 hometun server") == 0);   /* bound: fine */
    T_CHECK(scene_cmd(S, NULL, "link set ht-c3 esp off") != 0);
    /* another server address may have its own */
    T_CHECK(scene_cmd(S, NULL, "link add ht-c4 type gif local 198.51.100.9 remote 203.0.113.61") == 0);
    T_CHECK(scene_cmd(S, NULL, "link set ht-c4 hometun server") == 0);
    T_CHECK(scene_cmd(S, NULL, "link set ht-c4 local 198.51.100.1") != 0);
    /* the refused commands changed nothing: client 2's bound tunnel works */
    T_CHECK(sim_udp_once(W, I, C2, NULL, "2001:db8:ff01::2", 7310));
    teardown();
}

/* Issue 10 item 5: a bound or hometun tunnel is strict uRPF. Client 2
 * sources traffic from client 1's home prefix (routed behind ht-c1) and
 * from a prefix the server routes nowhere, through its own SA. */
TEST(client2_cannot_source_client1_prefix)
{
    setup(false);
    T_EQ(scene_cmd(C2, NULL, "addr add 2001:db8:1000:5::1/128 dev eth0"), 0);
    T_EQ(scene_cmd(C2, NULL, "addr add 2001:db8:9999::1/128 dev eth0"), 0);
    T_EQ(scene_cmd(C2, NULL, "addr add 2001:db8:2000:1::1/128 dev eth0"), 0);
    T_EQ(scene_cmd(S, NULL, "route replace 2001:db8:2000::/48 via 2001:db8:ff01::2"), 0);
    sim_run_for(W, 2 * SEC);
    uint64_t n = CTR_GET(S, gif, drop_spoof_urpf);
    T_CHECK(!sim_udp_once(W, C2, I, "2001:db8:1000:5::1", "2001:db8:ffff::10", 7400));
    T_EQ(CTR_GET(S, gif, drop_spoof_urpf), n + 1);
    T_CHECK(!sim_udp_once(W, C2, I, "2001:db8:9999::1", "2001:db8:ffff::10", 7401));
    T_EQ(CTR_GET(S, gif, drop_spoof_urpf), n + 2);
    /* its own: the tunnel address and its routed prefix; and client 1's stream */
    T_CHECK(sim_udp_once(W, C2, I, "2001:db8:ff01::2", "2001:db8:ffff::10", 7402));
    T_CHECK(sim_udp_once(W, C2, I, "2001:db8:2000:1::1", "2001:db8:ffff::10", 7403));
    T_CHECK(sim_udp_once(W, H, I, NULL, "2001:db8:ffff::10", 7404));
    T_CHECK(sim_udp_once(W, I, H, NULL, "2001:db8:1000:1::10", 7405));
    T_EQ(CTR_GET(S, gif, drop_spoof_urpf), n + 2);
    T_EQ(scene_cmd_wait(W, S, NULL, 5 * SEC, "ping fe80::c000:20a%%ht-c1 -c 1"), 0);   /* link-local inside the tunnel */
    teardown();
}

/* The first ESP-in-UDP packet (not a keepalive) captured. */
static size_t first_natt_esp(const struct inj_capture *c, uint8_t *out)
{
    for (unsigned i = 0; i < c->n; i++) {
        struct ip4_info ih;
        const uint8_t *d = c->f[i].d;
        if (ip4_parse(d, c->f[i].len, &ih) == WR_OK && ih.proto == 17 && c->f[i].len > (size_t)ih.hl + 8 + 8 &&
            d[ih.hl + 2] == 0x11 && d[ih.hl + 3] == 0x94) {   /* to port 4500 */
            memcpy(out, d, c->f[i].len);
            return c->f[i].len;
        }
    }
    return 0;
}

/* Issue 10 item 4: an on-path attacker holds one authentic ESP-in-UDP
 * packet of client 1 back and releases it later from another address and
 * port. It is delivered (authentic, not a replay) but does not move the
 * NAT-T peer: only a packet above the window's top may. */
TEST(natt_delayed_packet_from_elsewhere_moves_nothing)
{
    setup(true);
    T_CHECK(server_remote_is("ht-c1", "198.51.100.2"));
    struct ifnet *s_wan = if_find(S, "eth1");
    struct inj_capture cap = { 0 };
    inj_capture_start(&cap, s_wan, false);   /* held back: the server never sees it */
    T_CHECK(!sim_udp_once(W, H, I, NULL, "2001:db8:ffff::10", 7500));
    uint8_t held[INJ_MAX];
    size_t k = first_natt_esp(&cap, held);
    inj_capture_stop(&cap);
    T_CHECK(k > 0);
    /* client 1's traffic goes on, the window moves past the held packet */
    T_CHECK(sim_udp_once(W, H, I, NULL, "2001:db8:ffff::10", 7501));
    T_CHECK(sim_udp_once(W, I, H, NULL, "2001:db8:1000:1::10", 7502));
    uint64_t moved = CTR_GET(S, ipsec, natt_peer_moved), refused = CTR_GET(S, ipsec, natt_move_refused_old);
    uint64_t in = CTR_GET(S, ipsec, in_packets);
    /* released from 198.51.100.77 port 7777 */
    struct in_addr evil = inj_a4("198.51.100.77");
    memcpy(held + 12, &evil, 4);
    inj_ip4_fix_cksum(held);
    held[20] = 7777 >> 8, held[21] = 7777 & 0xff;
    held[26] = held[27] = 0;   /* UDP checksum: none */
    T_CHECK(inj_input(s_wan, held, k));
    sim_run_for(W, 100 * MS);
    T_EQ(CTR_GET(S, ipsec, in_packets), in + 1);   /* delivered */
    T_EQ(CTR_GET(S, ipsec, natt_move_refused_old), refused + 1);
    T_EQ(CTR_GET(S, ipsec, natt_peer_moved), moved);
    T_CHECK(server_remote_is("ht-c1", "198.51.100.2"));
    T_CHECK(sim_udp_once(W, I, H, NULL, "2001:db8:1000:1::10", 7503));
    /* released once more: now a replay */
    uint64_t rp = CTR_GET(S, ipsec, drop_replay);
    T_CHECK(inj_input(s_wan, held, k));
    sim_run_for(W, 100 * MS);
    T_EQ(CTR_GET(S, ipsec, drop_replay), rp + 1);
    /* a real rebinding still moves it: the next (newest) packet from the new NAT port */
    simnat_rebind(NAT);
    T_CHECK(sim_udp_once(W, H, I, NULL, "2001:db8:ffff::10", 7504));
    T_EQ(CTR_GET(S, ipsec, natt_peer_moved), moved + 1);
    T_CHECK(sim_udp_once(W, I, H, NULL, "2001:db8:1000:1::10", 7505));
    teardown();
}

int main(void)
{
    RUN(stream_across_three_address_changes_raw_esp);
    RUN(stream_across_three_address_changes_behind_nat);
    RUN(fallback_transport_esp_over_gif);
    RUN(forged_nas_move_nothing);
    RUN(na_and_lladdr_on_the_tunnel);
    RUN(fallback_client2_cannot_move_client1);
    RUN(second_fallback_server_refused);
    RUN(client2_cannot_source_client1_prefix);
    RUN(natt_delayed_packet_from_elsewhere_moves_nothing);
    return t_done();
}
