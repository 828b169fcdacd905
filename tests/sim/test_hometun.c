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
#include "ctl/scene.h"
#include "ctl/cmd.h"
#include "link/sim.h"
#include "net/stack.h"
#include "net/gif.h"
#include "ipsec/ipsec.h"
#include "six/socket.h"

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

static void cmds(struct six_stack *st, const char *const *c)
{
    for (; *c; c++)
        if (scene_cmd(st, NULL, "%s", *c) != 0) {
            fprintf(stderr, "command failed: %s\n", *c);
            T_CHECK(0);
        }
}

static void setup(bool with_nat)
{
    struct sim_link_params wan = { .delay_ns = 10 * MS }, lan = { .delay_ns = 1 * MS };
    natt = with_nat;
    W = sim_world_create(with_nat ? 91 : 90);
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
        "set forwarding on", "link set eth0 up", "link set eth1 up", "addr add 2001:db8:1000:1::1/64 dev eth1",
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
        T_EQ(scene_cmd(C, NULL, "link set gif0 local 10.0.0.10"), 0);
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
    T_EQ(sim_setkey(C2, raw_sas), 0);
    /* last, as in examples/hometun: the client announces itself, so the
     * server learns where it is (behind a NAT it cannot know before) */
    T_EQ(scene_cmd(C, NULL, "link set gif0 hometun client"), 0);
    sim_run_for(W, 3 * SEC);
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
    T_CHECK(sim_pump_tick(W, I, c, H, s, total, tick, &m));
    T_EQ(m.moves, 3);
    T_EQ(CTR_GET(C, gif, local_moved), natt ? 4 : 3);   /* NAT: the first move is set-up's */
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
    T_CHECK(simnat_mappings(NAT) >= 4);   /* one per client address (a stray packet for a left address may add one) */
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

int main(void)
{
    RUN(stream_across_three_address_changes_raw_esp);
    RUN(stream_across_three_address_changes_behind_nat);
    RUN(na_and_lladdr_on_the_tunnel);
    return t_done();
}
