/* DHCPv6 relay agent (src/dhcp6/relay.c) on the simulator: a client stack
 * sends messages built with the wire builder, the relay stack wraps them,
 * a scripted server in this test checks the Relay-forw it gets (hop count,
 * link-address, peer-address, interface-id, the client's bytes) and answers
 * with a Relay-repl mirroring the chain; the Reply must reach the client.
 * Then: hop count 8 dropped (7 still relayed, as 8), a Relay-repl from an
 * unknown source or from the client link dropped, a server message from
 * the client side dropped, interface-id off (the way back by link-address),
 * two relays in a chain, a relay refused on a stack that runs a server.
 *
 * Topology (chain = false):  cli ── lan ── r1 ── wan ── srv, rogue
 *           (chain = true):   cli ── lan ── r1 ── mid ── r2 ── wan ── srv, rogue */
#include <errno.h>
#include <string.h>
#include <arpa/inet.h>
#include "../lib/t.h"
#include "../lib/simstack.h"
#include "core/counters.h"
#include "ctl/scene.h"
#include "dhcp6/dhcp6.h"
#include "link/ifnet.h"
#include "link/sim.h"
#include "net/ip6_var.h"
#include "net/stack.h"
#include "six/socket.h"
#include "wire/dhcp6.h"

#define MS (1000000ull)
#define SEC (1000000000ull)
#define XID 0x123456u

struct env {
    struct sim_world *w;
    struct six_stack *cli, *r1, *r2, *srv, *rogue;
    struct sim_link *lan;
    int cli_sd;                 /* client: [::]:546 */
    int srv_sd;                 /* scripted server: [::]:547 */
    bool chain;
};

static struct in6_addr A(const char *s)
{
    struct in6_addr a;
    inet_pton(AF_INET6, s, &a);
    return a;
}

static struct sockaddr_in6 SA(const char *s, uint16_t port, unsigned scope)
{
    struct sockaddr_in6 sa = { .sin6_family = AF_INET6, .sin6_port = htons(port), .sin6_addr = A(s),
                               .sin6_scope_id = scope };
    return sa;
}

static uint64_t C(struct six_stack *st, const char *name)
{
    uint64_t v = 0;
    if (six_counter_by_name(&st->ctr, name, &v) != 0) {
        fprintf(stderr, "  unknown counter %s\n", name);
        t_case_failed = 1;
    }
    return v;
}

static int udp_bound(struct six_stack *st, uint16_t port)
{
    int sd = six_socket(st, AF_INET6, SOCK_DGRAM, 0);
    struct sockaddr_in6 sa = { .sin6_family = AF_INET6, .sin6_port = htons(port) };
    T_CHECK(sd >= 0);
    T_EQ(six_bind(st, sd, (struct sockaddr *)&sa, sizeof sa), 0);
    return sd;
}

static void up(struct six_stack *st, const char *ifname, const char *addr)
{
    T_EQ(scene_cmd(st, NULL, "link set %s up", ifname), 0);
    if (addr)
        T_EQ(scene_cmd(st, NULL, "addr add %s dev %s", addr, ifname), 0);
}

static void setup(struct env *e, bool chain, const char *relay_opts)
{
    memset(e, 0, sizeof *e);
    e->chain = chain;
    e->w = sim_world_create(61);
    struct sim_link_params p = { .delay_ns = 1 * MS };
    struct sim_link *lan = sim_link_create(e->w, "lan", &p), *wan = sim_link_create(e->w, "wan", &p);
    struct sim_link *mid = chain ? sim_link_create(e->w, "mid", &p) : NULL;
    e->lan = lan;
    e->cli = sim_stack(e->w, "cli", 1, 512);
    e->r1 = sim_stack(e->w, "r1", 2, 512);
    e->r2 = chain ? sim_stack(e->w, "r2", 3, 512) : NULL;
    e->srv = sim_stack(e->w, "srv", 4, 512);
    e->rogue = sim_stack(e->w, "rogue", 5, 512);
    sim_attach(lan, e->cli, "eth0", NULL);
    sim_attach(lan, e->r1, "lan0", NULL);
    sim_attach(chain ? mid : wan, e->r1, "wan0", NULL);
    if (chain) {
        sim_attach(mid, e->r2, "mid0", NULL);
        sim_attach(wan, e->r2, "wan0", NULL);
    }
    sim_attach(wan, e->srv, "eth0", NULL);
    sim_attach(wan, e->rogue, "eth0", NULL);
    up(e->cli, "eth0", NULL);
    up(e->r1, "lan0", "2001:db8:1::1/64");
    up(e->r1, "wan0", chain ? "2001:db8:3::1/64" : "2001:db8:2::1/64");
    if (chain) {
        up(e->r2, "mid0", "2001:db8:3::2/64");
        up(e->r2, "wan0", "2001:db8:2::2/64");
    }
    up(e->srv, "eth0", "2001:db8:2::547/64");
    up(e->rogue, "eth0", "2001:db8:2::666/64");
    sim_run_for(e->w, 3 * SEC);
    if (chain) {
        T_EQ(scene_cmd(e->r1, NULL, "dhcp6 relay dev lan0 server 2001:db8:3::2 %s", relay_opts), 0);
        T_EQ(scene_cmd(e->r2, NULL, "dhcp6 relay dev mid0 server 2001:db8:2::547 %s", relay_opts), 0);
    } else {
        T_EQ(scene_cmd(e->r1, NULL, "dhcp6 relay dev lan0 server 2001:db8:2::547 %s", relay_opts), 0);
    }
    e->cli_sd = udp_bound(e->cli, DHCP6_CLIENT_PORT);
    e->srv_sd = udp_bound(e->srv, DHCP6_SERVER_PORT);
}

static void teardown(struct env *e)
{
    six_stack_destroy(e->cli);
    six_stack_destroy(e->r1);
    six_stack_destroy(e->r2);
    six_stack_destroy(e->srv);
    six_stack_destroy(e->rogue);
    sim_world_destroy(e->w);
}

static unsigned ifindex(struct six_stack *st, const char *name)
{
    struct ifnet *ifp = if_find(st, name);
    T_CHECK(ifp);
    return ifp ? ifp->index : 0;
}

static struct in6_addr linklocal(struct six_stack *st, const char *name)
{
    const struct in6_addr *ll = in6_linklocal(if_find(st, name));
    T_CHECK(ll);
    return ll ? *ll : (struct in6_addr){ 0 };
}

/* A Solicit as a client sends it. */
static size_t build_solicit(uint8_t *buf, size_t cap, uint32_t xid)
{
    static const uint8_t duid[] = { 0, DUID_LL, 0, 1, 0x02, 0x00, 0x5e, 0x00, 0x53, 0x01 };
    struct dhcp6_builder b;
    dhcp6_build_init(&b, buf, cap);
    dhcp6_build_hdr(&b, DHCP6_SOLICIT, xid);
    dhcp6_put_opt(&b, D6O_CLIENTID, duid, sizeof duid);
    dhcp6_put_u16(&b, D6O_ELAPSED_TIME, 0);
    dhcp6_begin_ia(&b, D6O_IA_NA, 1, 0, 0);
    dhcp6_end(&b);
    return dhcp6_build_done(&b);
}

static void client_send(struct env *e, const void *msg, size_t len)
{
    struct sockaddr_in6 to = SA("ff02::1:2", DHCP6_SERVER_PORT, ifindex(e->cli, "eth0"));
    T_EQ(six_sendto(e->cli, e->cli_sd, msg, len, 0, (struct sockaddr *)&to, sizeof to), (ssize_t)len);
}

/* What the scripted server received: the datagram, its source, the parsed chain. */
struct got {
    uint8_t buf[4096];
    size_t len;
    struct sockaddr_in6 from;
    struct dhcp6_msg lv[DHCP6_RELAY_DEPTH_MAX + 1];
    int n;
};

static bool server_recv(struct env *e, struct got *g)
{
    socklen_t fl = sizeof g->from;
    ssize_t n = six_recvfrom(e->srv, e->srv_sd, g->buf, sizeof g->buf, 0, (struct sockaddr *)&g->from, &fl);
    if (n <= 0)
        return false;
    g->len = (size_t)n;
    T_EQ(dhcp6_parse_chain(g->buf, g->len, g->lv, &g->n), WR_OK);
    return true;
}

/* The server's answer: a Relay-repl for every Relay-forw level (same hop
 * count, link, peer and interface-id), a Reply with the client's xid inside. */
static size_t build_reply_chain(const struct got *g, uint8_t *buf, size_t cap, bool echo_ifid)
{
    struct dhcp6_builder b;
    dhcp6_build_init(&b, buf, cap);
    for (int i = 0; i < g->n - 1; i++) {
        const struct dhcp6_msg *m = &g->lv[i];
        dhcp6_build_relay_hdr(&b, DHCP6_RELAY_REPL, m->hop_count, &m->link_addr, &m->peer_addr);
        if (echo_ifid && m->interface_id.p)
            dhcp6_put_opt(&b, D6O_INTERFACE_ID, m->interface_id.p, m->interface_id.len);
        dhcp6_begin_opt(&b, D6O_RELAY_MSG);
    }
    const struct dhcp6_msg *cm = &g->lv[g->n - 1];
    dhcp6_build_hdr(&b, DHCP6_REPLY, cm->xid);
    dhcp6_put_opt(&b, D6O_CLIENTID, cm->clientid.p, cm->clientid.len);
    static const uint8_t sid[] = { 0, DUID_LL, 0, 1, 0x02, 0x00, 0x5e, 0x00, 0x53, 0x47 };
    dhcp6_put_opt(&b, D6O_SERVERID, sid, sizeof sid);
    for (int i = 0; i < g->n - 1; i++)
        dhcp6_end(&b);
    return dhcp6_build_done(&b);
}

static void server_answer(struct env *e, const struct got *g, bool echo_ifid)
{
    uint8_t out[4096];
    size_t n = build_reply_chain(g, out, sizeof out, echo_ifid);
    T_CHECK(n > 0);
    T_EQ(six_sendto(e->srv, e->srv_sd, out, n, 0, (const struct sockaddr *)&g->from, sizeof g->from), (ssize_t)n);
}

/* The client's next datagram: a Reply with xid? */
static bool client_got_reply(struct env *e, uint32_t xid, struct sockaddr_in6 *from)
{
    uint8_t buf[2048];
    socklen_t fl = sizeof *from;
    ssize_t n = six_recvfrom(e->cli, e->cli_sd, buf, sizeof buf, 0, (struct sockaddr *)from, &fl);
    struct dhcp6_msg m;
    return n > 0 && dhcp6_parse(buf, (size_t)n, &m) == WR_OK && m.type == DHCP6_REPLY && m.xid == xid;
}

static bool ifid_is(const struct dhcp6_msg *m, const char *name)
{
    return m->interface_id.p && m->interface_id.len == strlen(name) &&
           !memcmp(m->interface_id.p, name, m->interface_id.len);
}

/* ------------------------------------------------------------ cases */

TEST(solicit_relayed_and_reply_delivered)
{
    struct env e;
    uint8_t sol[256];
    struct got g;
    struct sockaddr_in6 from;
    setup(&e, false, "");
    size_t n = build_solicit(sol, sizeof sol, XID);
    client_send(&e, sol, n);
    sim_run_for(e.w, 50 * MS);
    T_CHECK(server_recv(&e, &g));
    T_EQ(g.n, 2);
    struct in6_addr cll = linklocal(e.cli, "eth0"), link = A("2001:db8:1::1"), r1wan = A("2001:db8:2::1");
    T_EQ(g.lv[0].type, DHCP6_RELAY_FORW);
    T_EQ(g.lv[0].hop_count, 0);
    T_MEMEQ(&g.lv[0].link_addr, &link, 16);
    T_MEMEQ(&g.lv[0].peer_addr, &cll, 16);
    T_CHECK(ifid_is(&g.lv[0], "lan0"));
    T_EQ(g.lv[0].relay_msg.len, n);
    T_CHECK(g.lv[0].relay_msg.p && !memcmp(g.lv[0].relay_msg.p, sol, n));   /* the client's bytes, untouched */
    T_MEMEQ(&g.from.sin6_addr, &r1wan, 16);
    T_EQ(ntohs(g.from.sin6_port), DHCP6_SERVER_PORT);
    server_answer(&e, &g, true);
    sim_run_for(e.w, 50 * MS);
    T_CHECK(client_got_reply(&e, XID, &from));
    struct in6_addr rll = linklocal(e.r1, "lan0");
    T_MEMEQ(&from.sin6_addr, &rll, 16);                       /* from the relay's own link-local */
    T_EQ(ntohs(from.sin6_port), DHCP6_SERVER_PORT);
    T_EQ(C(e.r1, "dhcp6r.in_client"), 1);
    T_EQ(C(e.r1, "dhcp6r.out_relay_forw"), 1);
    T_EQ(C(e.r1, "dhcp6r.out_to_client"), 1);
    struct cmd_out o;
    cmd_out_init(&o);
    struct cmd_ctx c = { .st = e.r1, .json = true, .out = &o, .err = &o };
    char *argv[] = { "dhcp6", "relay", "show", NULL };
    T_EQ(six_cmd_exec(&c, 3, argv), 0);
    T_CHECK(o.buf && strstr(o.buf, "\"dev\":\"lan0\"") && strstr(o.buf, "\"from_clients\":1") &&
            strstr(o.buf, "\"to_clients\":1") && strstr(o.buf, "\"servers\":[\"2001:db8:2::547\"]"));
    cmd_out_free(&o);
    teardown(&e);
}

/* A relay below on the client link: hop count 7 goes up as 8; 8 is dropped. */
TEST(hop_count_limit)
{
    struct env e;
    uint8_t sol[256], fw[512];
    struct got g;
    setup(&e, false, "");
    int lower = udp_bound(e.cli, DHCP6_SERVER_PORT);
    size_t sn = build_solicit(sol, sizeof sol, XID);
    struct in6_addr lnk = A("2001:db8:9::1"), peer = A("fe80::99");
    struct sockaddr_in6 to = SA("ff02::1:2", DHCP6_SERVER_PORT, ifindex(e.cli, "eth0"));
    for (int hops = 7; hops <= 8; hops++) {
        struct dhcp6_builder b;
        dhcp6_build_init(&b, fw, sizeof fw);
        dhcp6_build_relay_hdr(&b, DHCP6_RELAY_FORW, (uint8_t)hops, &lnk, &peer);
        dhcp6_put_opt(&b, D6O_RELAY_MSG, sol, sn);
        size_t n = dhcp6_build_done(&b);
        T_CHECK(n > 0);
        T_EQ(six_sendto(e.cli, lower, fw, n, 0, (struct sockaddr *)&to, sizeof to), (ssize_t)n);
        sim_run_for(e.w, 50 * MS);
        if (hops == 7) {
            T_CHECK(server_recv(&e, &g));
            T_EQ(g.n, 3);
            T_EQ(g.lv[0].hop_count, 8);
            T_EQ(g.lv[1].hop_count, 7);
            T_EQ(C(e.r1, "dhcp6r.drop_hop_limit"), 0);
        } else {
            T_CHECK(!server_recv(&e, &g));
            T_EQ(C(e.r1, "dhcp6r.drop_hop_limit"), 1);
        }
    }
    T_EQ(C(e.r1, "dhcp6r.in_relay_forw"), 2);
    T_EQ(C(e.r1, "dhcp6r.out_relay_forw"), 1);
    teardown(&e);
}

/* Relay-repl from a host that is not a configured server (on the server's
 * link, or on the client link) never reaches the client. */
TEST(relay_repl_from_unknown_source_dropped)
{
    struct env e;
    uint8_t sol[256], out[1024];
    struct got g;
    struct sockaddr_in6 from;
    setup(&e, false, "");
    client_send(&e, sol, build_solicit(sol, sizeof sol, XID));
    sim_run_for(e.w, 50 * MS);
    T_CHECK(server_recv(&e, &g));
    size_t n = build_reply_chain(&g, out, sizeof out, true);
    T_CHECK(n > 0);
    struct sockaddr_in6 to = SA("2001:db8:2::1", DHCP6_SERVER_PORT, 0);
    int rs = udp_bound(e.rogue, DHCP6_SERVER_PORT);
    T_EQ(six_sendto(e.rogue, rs, out, n, 0, (struct sockaddr *)&to, sizeof to), (ssize_t)n);
    sim_run_for(e.w, 50 * MS);
    T_CHECK(!client_got_reply(&e, XID, &from));
    T_EQ(C(e.r1, "dhcp6r.drop_unknown_server"), 1);
    /* the same from the client link (a neighbour forging for another) */
    struct sockaddr_in6 to_lan = { .sin6_family = AF_INET6, .sin6_port = htons(DHCP6_SERVER_PORT),
                                   .sin6_addr = linklocal(e.r1, "lan0"), .sin6_scope_id = ifindex(e.cli, "eth0") };
    int ls = udp_bound(e.cli, DHCP6_SERVER_PORT);
    T_EQ(six_sendto(e.cli, ls, out, n, 0, (struct sockaddr *)&to_lan, sizeof to_lan), (ssize_t)n);
    sim_run_for(e.w, 50 * MS);
    T_CHECK(!client_got_reply(&e, XID, &from));
    T_EQ(C(e.r1, "dhcp6r.drop_repl_from_client_side"), 1);   /* refused for where it came in, before its source */
    T_EQ(C(e.r1, "dhcp6r.drop_unknown_server"), 1);
    T_EQ(C(e.r1, "dhcp6r.out_to_client"), 0);
    /* the real server's copy still goes through */
    server_answer(&e, &g, true);
    sim_run_for(e.w, 50 * MS);
    T_CHECK(client_got_reply(&e, XID, &from));
    teardown(&e);
}

/* With upstream IF, a Relay-repl must come in through it. */
TEST(relay_repl_only_through_upstream)
{
    struct env e;
    uint8_t sol[256];
    struct got g;
    struct sockaddr_in6 from;
    setup(&e, false, "upstream wan0");
    client_send(&e, sol, build_solicit(sol, sizeof sol, XID));
    sim_run_for(e.w, 50 * MS);
    T_CHECK(server_recv(&e, &g));
    server_answer(&e, &g, true);
    sim_run_for(e.w, 50 * MS);
    T_CHECK(client_got_reply(&e, XID, &from));
    /* the server moved to the client link (same address): refused there */
    T_EQ(scene_cmd(e.r1, NULL, "dhcp6 relay dev lan0 server 2001:db8:1::547 upstream wan0"), 0);
    T_EQ(scene_cmd(e.cli, NULL, "addr add 2001:db8:1::547/64 dev eth0"), 0);
    sim_run_for(e.w, 3 * SEC);
    uint8_t out[1024];
    size_t n = build_reply_chain(&g, out, sizeof out, true);
    int ls = udp_bound(e.cli, DHCP6_SERVER_PORT);
    struct sockaddr_in6 to_lan = SA("2001:db8:1::1", DHCP6_SERVER_PORT, 0);
    T_EQ(six_sendto(e.cli, ls, out, n, 0, (struct sockaddr *)&to_lan, sizeof to_lan), (ssize_t)n);
    sim_run_for(e.w, 50 * MS);
    T_CHECK(!client_got_reply(&e, XID, &from));
    T_EQ(C(e.r1, "dhcp6r.drop_repl_from_client_side"), 1);
    teardown(&e);
}

/* Advertise/Reply/Relay-repl sent up from the client side are not relayed. */
TEST(server_messages_from_client_side_dropped)
{
    struct env e;
    uint8_t buf[256];
    struct got g;
    setup(&e, false, "");
    struct dhcp6_builder b;
    dhcp6_build_init(&b, buf, sizeof buf);
    dhcp6_build_hdr(&b, DHCP6_ADVERTISE, XID);
    client_send(&e, buf, dhcp6_build_done(&b));
    dhcp6_build_init(&b, buf, sizeof buf);
    dhcp6_build_hdr(&b, DHCP6_REPLY, XID);
    client_send(&e, buf, dhcp6_build_done(&b));
    sim_run_for(e.w, 50 * MS);
    T_CHECK(!server_recv(&e, &g));
    T_EQ(C(e.r1, "dhcp6r.drop_server_msg"), 2);
    T_EQ(C(e.r1, "dhcp6r.out_relay_forw"), 0);
    /* a message that does not parse (option length lie) is not relayed either */
    size_t n = build_solicit(buf, sizeof buf, XID);
    buf[7] = 0xff;                                  /* CLIENTID length says 255 */
    uint64_t before = C(e.r1, "dhcp6r.drop.opt_truncated");
    client_send(&e, buf, n);
    sim_run_for(e.w, 50 * MS);
    T_CHECK(!server_recv(&e, &g));
    T_EQ(C(e.r1, "dhcp6r.drop.opt_truncated"), before + 1);
    teardown(&e);
}

/* interface-id off: no INTERFACE_ID, the way back found by link-address. */
TEST(interface_id_off_uses_link_address)
{
    struct env e;
    uint8_t sol[256];
    struct got g;
    struct sockaddr_in6 from;
    setup(&e, false, "interface-id off");
    client_send(&e, sol, build_solicit(sol, sizeof sol, XID));
    sim_run_for(e.w, 50 * MS);
    T_CHECK(server_recv(&e, &g));
    T_CHECK(!g.lv[0].interface_id.p);
    server_answer(&e, &g, false);
    sim_run_for(e.w, 50 * MS);
    T_CHECK(client_got_reply(&e, XID, &from));
    /* without a global address the id goes in anyway (link-address ::) */
    T_EQ(scene_cmd(e.r1, NULL, "addr del 2001:db8:1::1/64 dev lan0"), 0);
    client_send(&e, sol, build_solicit(sol, sizeof sol, XID + 1));
    sim_run_for(e.w, 50 * MS);
    T_CHECK(server_recv(&e, &g));
    struct in6_addr any = { 0 };
    T_MEMEQ(&g.lv[0].link_addr, &any, 16);
    T_CHECK(ifid_is(&g.lv[0], "lan0"));
    server_answer(&e, &g, true);
    sim_run_for(e.w, 50 * MS);
    T_CHECK(client_got_reply(&e, XID + 1, &from));
    /* an address still in DAD names the link already (it is not a source here) */
    T_EQ(scene_cmd(e.r1, NULL, "addr add 2001:db8:1::2/64 dev lan0"), 0);
    client_send(&e, sol, build_solicit(sol, sizeof sol, XID + 2));
    sim_run_for(e.w, 50 * MS);
    T_CHECK(server_recv(&e, &g));
    struct in6_addr tentative = A("2001:db8:1::2");
    T_MEMEQ(&g.lv[0].link_addr, &tentative, 16);
    T_CHECK(!g.lv[0].interface_id.p);            /* a link-address: interface-id off holds again */
    teardown(&e);
}

/* Two relays: r1 (client link) → r2 → server, and the nested Relay-repl back. */
TEST(two_relays_in_a_chain)
{
    struct env e;
    uint8_t sol[256];
    struct got g;
    struct sockaddr_in6 from;
    setup(&e, true, "");
    size_t n = build_solicit(sol, sizeof sol, XID);
    client_send(&e, sol, n);
    sim_run_for(e.w, 50 * MS);
    T_CHECK(server_recv(&e, &g));
    T_EQ(g.n, 3);
    struct in6_addr r2mid = A("2001:db8:3::2"), r1lan = A("2001:db8:1::1"), r1mid = A("2001:db8:3::1");
    struct in6_addr cll = linklocal(e.cli, "eth0"), r2wan = A("2001:db8:2::2");
    T_EQ(g.lv[0].hop_count, 1);
    T_MEMEQ(&g.lv[0].link_addr, &r2mid, 16);
    T_MEMEQ(&g.lv[0].peer_addr, &r1mid, 16);
    T_CHECK(ifid_is(&g.lv[0], "mid0"));
    T_EQ(g.lv[1].hop_count, 0);
    T_MEMEQ(&g.lv[1].link_addr, &r1lan, 16);
    T_MEMEQ(&g.lv[1].peer_addr, &cll, 16);
    T_CHECK(ifid_is(&g.lv[1], "lan0"));
    T_EQ(g.lv[2].type, DHCP6_SOLICIT);
    T_MEMEQ(&g.from.sin6_addr, &r2wan, 16);
    server_answer(&e, &g, true);
    sim_run_for(e.w, 50 * MS);
    T_CHECK(client_got_reply(&e, XID, &from));
    T_EQ(C(e.r2, "dhcp6r.out_to_relay"), 1);
    T_EQ(C(e.r1, "dhcp6r.out_to_client"), 1);
    teardown(&e);
}

/* Port 547 belongs to a server or a relay; usage errors are usage errors. */
TEST(refusals)
{
    struct env e;
    setup(&e, false, "");
    struct dhcp6 *d = dhcp6_get(e.srv);
    T_CHECK(d);
    d->srv = (struct d6_server *)d;                 /* stands for a running server (d6srv's part) */
    struct cmd_out o;
    cmd_out_init(&o);
    struct cmd_ctx c = { .st = e.srv, .out = &o, .err = &o };
    char *argv[] = { "dhcp6", "relay", "dev", "eth0", "server", "2001:db8:2::1", NULL };
    T_EQ(six_cmd_exec(&c, 6, argv), 1);
    T_CHECK(o.buf && strstr(o.buf, "server already uses port 547"));
    d->srv = NULL;
    T_EQ(scene_cmd(e.r1, NULL, "dhcp6 relay dev lan0 server nonsense"), 2);
    T_EQ(scene_cmd(e.r1, NULL, "dhcp6 relay dev lan0 server fe80::1"), 2);        /* which link? */
    T_EQ(scene_cmd(e.r1, NULL, "dhcp6 relay dev lan0 interface-id maybe server 2001:db8::1"), 2);
    T_EQ(scene_cmd(e.r1, NULL, "dhcp6 relay dev nosuch0 server 2001:db8::1"), 1);
    T_EQ(scene_cmd(e.r1, NULL, "dhcp6 relay dev lan0 interface-id on"), 1);       /* no server, no upstream */
    T_EQ(scene_cmd(e.r1, NULL, "dhcp6 relay dev wan0 off"), 1);                   /* not relaying there */
    T_EQ(scene_cmd(e.r1, NULL, "dhcp6 relay dev lan0 off"), 0);
    T_CHECK(!e.r1->dhcp6->relay);                    /* the last interface took the socket with it */
    T_EQ(scene_cmd(e.r1, NULL, "dhcp6 relay dev lan0 upstream wan0"), 0);         /* multicast mode */
    cmd_out_free(&o);
    teardown(&e);
}

/* No server configured: ff05::1:3 on the upstream link, the answer from any
 * server there accepted. */
TEST(multicast_to_all_servers)
{
    struct env e;
    uint8_t sol[256];
    struct got g;
    struct sockaddr_in6 from;
    setup(&e, false, "");
    T_EQ(scene_cmd(e.r1, NULL, "dhcp6 relay dev lan0 upstream wan0"), 0);
    struct ipv6_mreq mr = { .ipv6mr_multiaddr = A("ff05::1:3"), .ipv6mr_interface = ifindex(e.srv, "eth0") };
    T_EQ(six_setsockopt(e.srv, e.srv_sd, IPPROTO_IPV6, IPV6_JOIN_GROUP, &mr, sizeof mr), 0);
    client_send(&e, sol, build_solicit(sol, sizeof sol, XID));
    sim_run_for(e.w, 50 * MS);
    T_CHECK(server_recv(&e, &g));
    server_answer(&e, &g, true);
    sim_run_for(e.w, 50 * MS);
    T_CHECK(client_got_reply(&e, XID, &from));
    teardown(&e);
}

/* What the server side can get wrong, each dropped under its own name and
 * nothing delivered: an interface-id that names no relay interface, a client
 * message inside, a multicast peer-address, a Relay-repl whose RELAY_MSG
 * lies about its length, a datagram shorter than a header; and a client
 * message on an interface without relay. */
static size_t repl_with(uint8_t *buf, size_t cap, const char *ifid, const struct in6_addr *peer, uint8_t inner)
{
    struct dhcp6_builder b;
    struct in6_addr link = A("2001:db8:1::1");
    dhcp6_build_init(&b, buf, cap);
    dhcp6_build_relay_hdr(&b, DHCP6_RELAY_REPL, 0, &link, peer);
    dhcp6_put_opt(&b, D6O_INTERFACE_ID, ifid, strlen(ifid));
    dhcp6_begin_opt(&b, D6O_RELAY_MSG);
    dhcp6_build_hdr(&b, inner, XID);
    dhcp6_end(&b);
    return dhcp6_build_done(&b);
}

TEST(bad_relay_repl_each_counted)
{
    struct env e;
    uint8_t buf[512];
    struct sockaddr_in6 from;
    setup(&e, false, "");
    struct sockaddr_in6 to = SA("2001:db8:2::1", DHCP6_SERVER_PORT, 0);
    struct in6_addr cll = linklocal(e.cli, "eth0"), mc = A("ff02::1");
    struct { const char *ifid; const struct in6_addr *peer; uint8_t inner; const char *ctr; } cases[] = {
        { "eth9", &cll, DHCP6_REPLY, "dhcp6r.drop_no_iface" },
        { "lan0", &cll, DHCP6_SOLICIT, "dhcp6r.drop_inner_type" },
        { "lan0", &cll, DHCP6_RELAY_FORW, "dhcp6r.drop_inner_type" },
        { "lan0", &mc, DHCP6_REPLY, "dhcp6r.drop_bad_peer" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint64_t before = C(e.r1, cases[i].ctr);
        size_t n = repl_with(buf, sizeof buf, cases[i].ifid, cases[i].peer, cases[i].inner);
        if (cases[i].inner == DHCP6_RELAY_FORW) {   /* a Relay-forw header inside: 34 octets, no options */
            struct dhcp6_builder b;
            struct in6_addr link = A("2001:db8:1::1");
            dhcp6_build_init(&b, buf, sizeof buf);
            dhcp6_build_relay_hdr(&b, DHCP6_RELAY_REPL, 0, &link, &cll);
            dhcp6_put_opt(&b, D6O_INTERFACE_ID, "lan0", 4);
            uint8_t fw[DHCP6_RELAY_HDR_LEN + 8] = { DHCP6_RELAY_FORW };
            fw[DHCP6_RELAY_HDR_LEN + 1] = D6O_RELAY_MSG;    /* RELAY_MSG of 4 octets: a Solicit header */
            fw[DHCP6_RELAY_HDR_LEN + 3] = 4;
            fw[DHCP6_RELAY_HDR_LEN + 4] = DHCP6_SOLICIT;
            dhcp6_put_opt(&b, D6O_RELAY_MSG, fw, sizeof fw);
            n = dhcp6_build_done(&b);
        }
        T_CHECK(n > 0);
        T_EQ(six_sendto(e.srv, e.srv_sd, buf, n, 0, (struct sockaddr *)&to, sizeof to), (ssize_t)n);
        sim_run_for(e.w, 50 * MS);
        if (C(e.r1, cases[i].ctr) != before + 1)
            fprintf(stderr, "  case %zu: %s did not move\n", i, cases[i].ctr);
        T_EQ(C(e.r1, cases[i].ctr), before + 1);
    }
    /* RELAY_MSG says 200 octets, 4 follow */
    size_t n = repl_with(buf, sizeof buf, "lan0", &cll, DHCP6_REPLY);
    buf[n - 5] = 200;                               /* low octet of the RELAY_MSG length */
    uint64_t before = C(e.r1, "dhcp6r.drop.opt_truncated");
    T_EQ(six_sendto(e.srv, e.srv_sd, buf, n, 0, (struct sockaddr *)&to, sizeof to), (ssize_t)n);
    T_EQ(six_sendto(e.srv, e.srv_sd, buf, 3, 0, (struct sockaddr *)&to, sizeof to), 3);
    sim_run_for(e.w, 50 * MS);
    T_EQ(C(e.r1, "dhcp6r.drop.opt_truncated"), before + 1);
    T_EQ(C(e.r1, "dhcp6r.drop.truncated"), 1);
    T_CHECK(!client_got_reply(&e, XID, &from));
    T_EQ(C(e.r1, "dhcp6r.out_to_client"), 0);
    T_EQ(C(e.r1, "dhcp6r.out_to_relay"), 0);
    /* a Solicit that reaches the relay on its upstream interface (no relay there) */
    struct dhcp6_builder b;
    dhcp6_build_init(&b, buf, sizeof buf);
    dhcp6_build_hdr(&b, DHCP6_SOLICIT, XID);
    n = dhcp6_build_done(&b);
    T_EQ(six_sendto(e.srv, e.srv_sd, buf, n, 0, (struct sockaddr *)&to, sizeof to), (ssize_t)n);
    sim_run_for(e.w, 50 * MS);
    T_EQ(C(e.r1, "dhcp6r.drop_not_relay_if"), 1);
    teardown(&e);
}

/* The relay interface is removed and another takes its index: what comes in
 * there is not relayed under the old name. */
TEST(removed_interface_index_reused)
{
    struct env e;
    uint8_t sol[256];
    struct got g;
    setup(&e, false, "");
    unsigned old = ifindex(e.r1, "lan0");
    sim_detach(if_find(e.r1, "lan0"));
    struct ifnet *nifp = sim_attach(e.lan, e.r1, "lan9", NULL);
    T_CHECK(nifp && nifp->index == old);
    up(e.r1, "lan9", NULL);
    sim_run_for(e.w, 3 * SEC);
    struct sockaddr_in6 to = { .sin6_family = AF_INET6, .sin6_port = htons(DHCP6_SERVER_PORT),
                               .sin6_addr = linklocal(e.r1, "lan9"), .sin6_scope_id = ifindex(e.cli, "eth0") };
    size_t n = build_solicit(sol, sizeof sol, XID);
    T_EQ(six_sendto(e.cli, e.cli_sd, sol, n, 0, (struct sockaddr *)&to, sizeof to), (ssize_t)n);
    sim_run_for(e.w, 50 * MS);
    T_CHECK(!server_recv(&e, &g));
    T_EQ(C(e.r1, "dhcp6r.drop_not_relay_if"), 1);
    T_EQ(C(e.r1, "dhcp6r.out_relay_forw"), 0);
    teardown(&e);
}

/* A host on the client link takes the configured server's address and
 * sends a Relay-repl to the relay: with no upstream configured, the source
 * check alone let it through to its neighbour. */
TEST(spoofed_server_source_from_client_link)
{
    struct env e;
    uint8_t sol[256], out[1024];
    struct got g;
    struct sockaddr_in6 from;
    setup(&e, false, "");   /* unicast server, no upstream (the documented default) */
    client_send(&e, sol, build_solicit(sol, sizeof sol, XID));
    sim_run_for(e.w, 50 * MS);
    T_CHECK(server_recv(&e, &g));
    size_t n = build_reply_chain(&g, out, sizeof out, true);
    T_EQ(scene_cmd(e.cli, NULL, "addr add 2001:db8:2::547/128 dev eth0"), 0);
    T_EQ(scene_cmd(e.cli, NULL, "addr add 2001:db8:1::99/64 dev eth0"), 0);   /* a route to the relay's global address */
    sim_run_for(e.w, 3 * SEC);
    int ls = six_socket(e.cli, AF_INET6, SOCK_DGRAM, 0);
    struct sockaddr_in6 b = SA("2001:db8:2::547", DHCP6_SERVER_PORT, 0);
    T_EQ(six_bind(e.cli, ls, (struct sockaddr *)&b, sizeof b), 0);
    struct sockaddr_in6 to_ll = { .sin6_family = AF_INET6, .sin6_port = htons(DHCP6_SERVER_PORT),
                                  .sin6_addr = linklocal(e.r1, "lan0"), .sin6_scope_id = ifindex(e.cli, "eth0") };
    struct sockaddr_in6 to_gl = SA("2001:db8:1::1", DHCP6_SERVER_PORT, 0);
    T_EQ(six_sendto(e.cli, ls, out, n, 0, (struct sockaddr *)&to_ll, sizeof to_ll), (ssize_t)n);
    T_EQ(six_sendto(e.cli, ls, out, n, 0, (struct sockaddr *)&to_gl, sizeof to_gl), (ssize_t)n);
    sim_run_for(e.w, 50 * MS);
    T_CHECK(!client_got_reply(&e, XID, &from));
    T_EQ(C(e.r1, "dhcp6r.out_to_client"), 0);
    T_EQ(C(e.r1, "dhcp6r.drop_repl_from_client_side"), 2);
    /* the real server still gets through */
    server_answer(&e, &g, true);
    sim_run_for(e.w, 50 * MS);
    T_CHECK(client_got_reply(&e, XID, &from));
    teardown(&e);
}

/* A third link on the relay (not a relay interface): a host there taking
 * the server's address fails the reverse-path check (the route back to
 * the server leaves by wan0). */
TEST(spoofed_server_source_from_another_link)
{
    struct env e;
    uint8_t sol[256], out[1024];
    struct got g;
    struct sockaddr_in6 from;
    setup(&e, false, "");
    struct sim_link_params p = { .delay_ns = 1 * MS };
    struct sim_link *dmz = sim_link_create(e.w, "dmz", &p);
    struct six_stack *evil = sim_stack(e.w, "evil", 7, 512);
    sim_attach(dmz, e.r1, "dmz0", NULL);
    sim_attach(dmz, evil, "eth0", NULL);
    up(e.r1, "dmz0", "2001:db8:9::1/64");
    up(evil, "eth0", "2001:db8:9::66/64");
    T_EQ(scene_cmd(evil, NULL, "addr add 2001:db8:2::547/128 dev eth0"), 0);
    sim_run_for(e.w, 3 * SEC);
    client_send(&e, sol, build_solicit(sol, sizeof sol, XID));
    sim_run_for(e.w, 50 * MS);
    T_CHECK(server_recv(&e, &g));
    size_t n = build_reply_chain(&g, out, sizeof out, true);
    int es = six_socket(evil, AF_INET6, SOCK_DGRAM, 0);
    struct sockaddr_in6 b = SA("2001:db8:2::547", DHCP6_SERVER_PORT, 0);
    T_EQ(six_bind(evil, es, (struct sockaddr *)&b, sizeof b), 0);
    struct sockaddr_in6 to = SA("2001:db8:9::1", DHCP6_SERVER_PORT, 0);
    T_EQ(six_sendto(evil, es, out, n, 0, (struct sockaddr *)&to, sizeof to), (ssize_t)n);
    sim_run_for(e.w, 50 * MS);
    T_CHECK(!client_got_reply(&e, XID, &from));
    T_EQ(C(e.r1, "dhcp6r.out_to_client"), 0);
    T_EQ(C(e.r1, "dhcp6r.drop_repl_rpf"), 1);
    server_answer(&e, &g, true);
    sim_run_for(e.w, 50 * MS);
    T_CHECK(client_got_reply(&e, XID, &from));
    six_stack_destroy(evil);
    teardown(&e);
}

int main(void)
{
    RUN(solicit_relayed_and_reply_delivered);
    RUN(hop_count_limit);
    RUN(relay_repl_from_unknown_source_dropped);
    RUN(relay_repl_only_through_upstream);
    RUN(server_messages_from_client_side_dropped);
    RUN(interface_id_off_uses_link_address);
    RUN(two_relays_in_a_chain);
    RUN(refusals);
    RUN(multicast_to_all_servers);
    RUN(bad_relay_repl_each_counted);
    RUN(removed_interface_index_reused);
    RUN(spoofed_server_source_from_client_link);
    RUN(spoofed_server_source_from_another_link);
    return t_done();
}
