/* The DSTM border router (src/dstm/br*.c) on a simulated network:
 *
 *   H1 H2 H3 (IPv6 only, a gif 4in6 tunnel to the BR as the DTI's stand-in)
 *   RS (a Leasequery responder written by hand)       l6: 2001:db8:1::/64
 *   BR  eth0 2001:db8:1::1, eth1 198.51.100.1, dstm0
 *   V   (IPv4 only) 198.51.100.2                      l4: 198.51.100.0/24
 *
 * Pools: 192.0.2.0/28 whole addresses, 192.0.2.16/28 shared (share 2,
 * offset 6: PSID p holds ports A<<10 | p<<8 | j). TCP and UDP both ways
 * with static bindings, with one learned by Leasequery, on a shared
 * address; spoofed sources, ports outside any set, unknown bindings;
 * fragments both ways; DF and the BR's MTU; host unreachable. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include "../lib/t.h"
#include "../lib/simstack.h"
#include "../lib/ipsec_sim.h"
#include "../lib/inject.h"
#include "apps/apps.h"
#include "ctl/cmd.h"
#include "ctl/scene.h"
#include "dstm/br.h"
#include "dstm/br_priv.h"
#include "link/sim.h"
#include "net/stack.h"
#include "six/socket.h"
#include "wire/dhcp6.h"
#include "wire/ip6.h"

#define MS 1000000ull
#define ICMP4_UNREACH_T 3
#define ICMP4_NEEDFRAG_C 4
#define SEC 1000000000ull

static struct sim_world *W;
static struct six_stack *H1, *H2, *H3, *RS, *BR, *V;

/* --- the Leasequery responder: 192.0.2.3 is H3's, nothing else is known --- */

static struct app_sock rs_sock;
static uint8_t rs_buf[1500];

static void rs_answer(const struct dhcp6_msg *m, const struct sockaddr_in6 *to)
{
    uint8_t out[512];
    struct dhcp6_builder b;
    static const uint8_t sduid[] = { 0, 4, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9 };
    struct in_addr v4;
    struct dstm_portset ps;
    dhcp6_build_init(&b, out, sizeof out);
    dhcp6_build_hdr(&b, DHCP6_LEASEQUERY_REPLY, m->xid);
    dhcp6_put_opt(&b, D6O_SERVERID, sduid, sizeof sduid);
    if (m->clientid.p)
        dhcp6_put_opt(&b, D6O_CLIENTID, m->clientid.p, m->clientid.len);   /* RFC 5007 §4.1.2.5 */
    if (m->lq.has_addr && dstm_lease_key_parse(&m->lq.addr, &v4, &ps) && v4.s_addr == inj_a4("192.0.2.3").s_addr) {
        struct in6_addr holder = inj_a6("2001:db8:1::13");
        dhcp6_begin_opt(&b, D6O_CLIENT_DATA);
        dhcp6_put_opt(&b, D6O_CLIENTID, sduid, sizeof sduid);
        dhcp6_begin_iaaddr(&b, &m->lq.addr, 300, 600);
        dhcp6_end(&b);
        dhcp6_begin_iaaddr(&b, &holder, 300, 600);
        dhcp6_end(&b);
        dhcp6_end(&b);
    } else {
        dhcp6_put_status(&b, D6S_NOT_CONFIGURED, "unknown");
    }
    size_t n = dhcp6_build_done(&b);
    six_sendto(RS, rs_sock.sd, out, n, 0, (const struct sockaddr *)to, sizeof *to);
}

static void rs_ev(struct app_sock *as, short rev)
{
    (void)rev;
    for (;;) {
        struct sockaddr_in6 from;
        socklen_t fl = sizeof from;
        ssize_t n = six_recvfrom(RS, as->sd, rs_buf, sizeof rs_buf, 0, (struct sockaddr *)&from, &fl);
        if (n < 0)
            return;
        struct dhcp6_msg m;
        if (dhcp6_parse(rs_buf, (size_t)n, &m) == WR_OK && m.type == DHCP6_LEASEQUERY)
            rs_answer(&m, &from);
    }
}

/* --- the network --- */

static void host(struct six_stack *h, const char *v6)
{
    T_EQ(scene_cmd(h, NULL, "link set eth0 up"), 0);
    T_EQ(scene_cmd(h, NULL, "addr add %s/64 dev eth0", v6), 0);
    T_EQ(scene_cmd(h, NULL, "link add gif0 type gif local %s remote 2001:db8:1::1", v6), 0);
    T_EQ(scene_cmd(h, NULL, "link set gif0 up"), 0);
    T_EQ(scene_cmd(h, NULL, "route add 198.51.100.0/24 dev gif0"), 0);
}

static void setup(uint64_t seed)
{
    struct sim_link_params lp = { .delay_ns = 1 * MS };
    W = sim_world_create(seed);
    H1 = sim_stack(W, "h1", seed + 1, 2048);
    H2 = sim_stack(W, "h2", seed + 2, 2048);
    H3 = sim_stack(W, "h3", seed + 3, 2048);
    RS = sim_stack(W, "rs", seed + 4, 512);
    BR = sim_stack(W, "br", seed + 5, 4096);
    V = sim_stack(W, "v", seed + 6, 2048);
    struct sim_link *l6 = sim_link_create(W, "l6", &lp), *l4 = sim_link_create(W, "l4", &lp);
    sim_attach(l6, H1, "eth0", NULL);
    sim_attach(l6, H2, "eth0", NULL);
    sim_attach(l6, H3, "eth0", NULL);
    sim_attach(l6, RS, "eth0", NULL);
    sim_attach(l6, BR, "eth0", NULL);
    sim_attach(l4, BR, "eth1", NULL);
    sim_attach(l4, V, "eth0", NULL);
    host(H1, "2001:db8:1::11");
    host(H2, "2001:db8:1::12");
    host(H3, "2001:db8:1::13");
    T_EQ(scene_cmd(RS, NULL, "link set eth0 up"), 0);
    T_EQ(scene_cmd(RS, NULL, "addr add 2001:db8:1::5/64 dev eth0"), 0);
    T_EQ(scene_cmd(BR, NULL, "link set eth0 up"), 0);
    T_EQ(scene_cmd(BR, NULL, "link set eth1 up"), 0);
    T_EQ(scene_cmd(BR, NULL, "addr add 2001:db8:1::1/64 dev eth0"), 0);
    T_EQ(scene_cmd(BR, NULL, "addr add 198.51.100.1/24 dev eth1"), 0);
    T_EQ(scene_cmd(BR, NULL, "set forwarding on -4"), 0);
    T_EQ(scene_cmd(V, NULL, "link set eth0 up"), 0);
    T_EQ(scene_cmd(V, NULL, "addr add 198.51.100.2/24 dev eth0"), 0);
    T_EQ(scene_cmd(V, NULL, "route add 192.0.2.0/24 via 198.51.100.1"), 0);
    sim_run_for(W, 3 * SEC);   /* DAD */
    T_EQ(scene_cmd(BR, NULL, "dstm br dev dstm0 local 2001:db8:1::1 pool 192.0.2.0/28 "
                             "pool 192.0.2.16/28 share 2 offset 6 aiih 2001:db8:1::5 mtu 1400"), 0);
    T_CHECK(br_running(BR));
    int sd = six_socket(RS, AF_INET6, SOCK_DGRAM, 0);
    struct sockaddr_in6 sa = { .sin6_family = AF_INET6, .sin6_port = htons(547) };
    T_EQ(six_bind(RS, sd, (struct sockaddr *)&sa, sizeof sa), 0);
    app_sock_init(&rs_sock, RS, sd, rs_ev, NULL);
}

static void teardown(void)
{
    app_sock_close(&rs_sock);
    struct six_stack *all[] = { H1, H2, H3, RS, BR, V };
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        six_stack_destroy(all[i]);
    sim_world_destroy(W);
}

/* UDP of size bytes from (from, fport) on s to (to, tport) on d; true when it arrived whole. */
static bool udp_xchg(struct six_stack *s, const char *from, uint16_t fport, struct six_stack *d, const char *to,
                     uint16_t tport, size_t size, uint64_t wait_ns)
{
    static uint8_t msg[4000], buf[4000];
    socklen_t len;
    struct sockaddr_storage any = sim_sockaddr("0.0.0.0", tport, &len);
    int rs = six_socket(d, AF_INET, SOCK_DGRAM, 0), ws = six_socket(s, AF_INET, SOCK_DGRAM, 0);
    bool ok = rs >= 0 && ws >= 0 && !six_bind(d, rs, (struct sockaddr *)&any, len);
    if (ok && from) {
        struct sockaddr_storage src = sim_sockaddr(from, fport, &len);
        ok = !six_bind(s, ws, (struct sockaddr *)&src, len);
    }
    if (ok) {
        for (size_t i = 0; i < size; i++)
            msg[i] = (uint8_t)(i * 7 + tport);
        struct sockaddr_storage dst = sim_sockaddr(to, tport, &len);
        six_sendto(s, ws, msg, size, 0, (struct sockaddr *)&dst, len);
        sim_run_for(W, wait_ns);
        ssize_t n = six_recv(d, rs, buf, sizeof buf, 0);
        ok = n == (ssize_t)size && !memcmp(buf, msg, size);
    }
    if (rs >= 0)
        six_close(d, rs);
    if (ws >= 0)
        six_close(s, ws);
    return ok;
}

/* TCP from (from, fport) on cl to (to, port) on sv, total bytes. */
static bool tcp_bound(struct six_stack *cl, const char *from, uint16_t fport, struct six_stack *sv, const char *to,
                      uint16_t port, size_t total)
{
    socklen_t len;
    struct sockaddr_storage any = sim_sockaddr("0.0.0.0", port, &len);
    int ls = six_socket(sv, AF_INET, SOCK_STREAM, 0);
    if (ls < 0 || six_bind(sv, ls, (struct sockaddr *)&any, len) || six_listen(sv, ls, 4))
        return false;
    int c = six_socket(cl, AF_INET, SOCK_STREAM, 0);
    struct sockaddr_storage src = sim_sockaddr(from, fport, &len);
    bool ok = !six_bind(cl, c, (struct sockaddr *)&src, len);
    struct sockaddr_storage dst = sim_sockaddr(to, port, &len);
    six_connect(cl, c, (struct sockaddr *)&dst, len);
    int s = -1;
    for (int i = 0; ok && i < 400 && s < 0; i++) {
        sim_run_for(W, 5 * MS);
        s = six_accept(sv, ls, NULL, NULL);
    }
    ok = ok && s >= 0 && sim_pump(W, cl, c, sv, s, total);
    six_close(cl, c);
    if (s >= 0)
        six_close(sv, s);
    six_close(sv, ls);
    return ok;
}

#define BRC(name) CTR_GET(BR, br, name)

TEST(static_whole_address_udp_tcp_both_ways)
{
    setup(301);
    T_EQ(scene_cmd(H1, NULL, "addr add 192.0.2.1/32 dev gif0"), 0);
    T_EQ(scene_cmd(BR, NULL, "dstm br binding add 192.0.2.1 v6 2001:db8:1::11"), 0);
    T_CHECK(udp_xchg(H1, "192.0.2.1", 0, V, "198.51.100.2", 5001, 100, 50 * MS));
    T_CHECK(udp_xchg(V, NULL, 0, H1, "192.0.2.1", 5002, 100, 50 * MS));
    T_CHECK(sim_tcp_transfer(W, H1, V, "198.51.100.2", 200 << 10));
    T_CHECK(sim_tcp_transfer(W, V, H1, "192.0.2.1", 200 << 10));
    T_CHECK(scene_cmd_wait(W, V, NULL, 3 * SEC, "ping 192.0.2.1 -c 2 -i 100") == 0);
    T_CHECK(BRC(in_packets) > 100);
    T_CHECK(BRC(out_packets) > 100);
    T_EQ(BRC(drop_spoof) + BRC(drop_unknown_binding) + BRC(drop_bad_inner) + BRC(drop_truncated), 0);
    /* what the operator sees */
    struct br_info in;
    br_info(BR, &in);
    T_EQ(in.bindings, 1);
    T_EQ(in.static_bindings, 1);
    /* show and bindings, text and JSON */
    struct cmd_out o, e;
    cmd_out_init(&o);
    cmd_out_init(&e);
    T_EQ(scene_cmd(BR, &o, "dstm br bindings"), 0);
    T_CHECK(o.buf && strstr(o.buf, "192.0.2.1 v6 2001:db8:1::11 static"));
    cmd_out_reset(&o);
    struct cmd_ctx c = { .st = BR, .json = true, .out = &o, .err = &e };
    char a0[] = "dstm", a1[] = "br", a2[] = "show", a3[] = "bindings";
    char *argv[] = { a0, a1, a2 };
    T_EQ(six_cmd_exec(&c, 3, argv), 0);
    T_CHECK(o.buf && strstr(o.buf, "\"bindings\":1,\"static_bindings\":1"));
    cmd_out_reset(&o);
    argv[2] = a3;
    T_EQ(six_cmd_exec(&c, 3, argv), 0);
    T_CHECK(o.buf && strstr(o.buf, "[{\"v4\":\"192.0.2.1\",\"psid\":0"));
    cmd_out_free(&o);
    cmd_out_free(&e);
    /* a co-located AIIH's events feed the table */
    struct dstm_binding ev = { .v4 = inj_a4("192.0.2.2"), .v6 = inj_a6("2001:db8:1::12"), .expires = 0 };
    dstm_publish(BR, DSTM_EV_BOUND, &ev);
    T_CHECK(br_lookup(BR, ev.v4, 0, NULL));
    dstm_publish(BR, DSTM_EV_GONE, &ev);
    T_CHECK(!br_lookup(BR, ev.v4, 0, NULL));
    T_EQ(scene_cmd(BR, NULL, "dstm br binding del 192.0.2.1"), 0);
    T_CHECK(!udp_xchg(H1, "192.0.2.1", 0, V, "198.51.100.2", 5003, 100, 50 * MS));
    T_CHECK(BRC(drop_unknown_binding) >= 1);
    teardown();
}

TEST(learned_by_leasequery_udp_tcp)
{
    setup(302);
    T_EQ(scene_cmd(H3, NULL, "addr add 192.0.2.3/32 dev gif0"), 0);
    /* IPv4 first: the BR parks the packet, asks RS, then sends it on */
    T_CHECK(udp_xchg(V, NULL, 0, H3, "192.0.2.3", 6001, 200, 200 * MS));
    T_EQ(CTR_GET(BR, lq, found), 1);
    T_EQ(BRC(learned), 1);
    T_EQ(BRC(out_miss), 1);
    T_CHECK(udp_xchg(H3, "192.0.2.3", 0, V, "198.51.100.2", 6002, 200, 50 * MS));
    T_CHECK(sim_tcp_transfer(W, V, H3, "192.0.2.3", 100 << 10));
    T_CHECK(sim_tcp_transfer(W, H3, V, "198.51.100.2", 100 << 10));
    T_EQ(CTR_GET(BR, lq, out_query), 1);   /* asked once */
    struct dstm_binding b;
    T_CHECK(br_lookup(BR, inj_a4("192.0.2.3"), 0, &b));
    struct in6_addr h3 = inj_a6("2001:db8:1::13");
    T_CHECK(in6_eq(&b.v6, &h3));
    /* the lease's 600 s run out: the binding goes with it */
    sim_run_for(W, 610 * SEC);
    T_CHECK(!br_lookup(BR, inj_a4("192.0.2.3"), 0, NULL));
    T_EQ(BRC(expired), 1);
    teardown();
}

TEST(shared_address_two_hosts)
{
    setup(303);
    T_EQ(scene_cmd(H1, NULL, "addr add 192.0.2.17/32 dev gif0"), 0);
    T_EQ(scene_cmd(H2, NULL, "addr add 192.0.2.17/32 dev gif0"), 0);
    T_EQ(scene_cmd(BR, NULL, "dstm br binding add 192.0.2.17 psid 1/2 v6 2001:db8:1::11"), 0);
    T_EQ(scene_cmd(BR, NULL, "dstm br binding add 192.0.2.17 psid 2/2 v6 2001:db8:1::12"), 0);
    /* PSID 1: 1280-1535, 2304-2559 ...; PSID 2: 1536-1791 ... */
    T_CHECK(udp_xchg(H1, "192.0.2.17", 1280, V, "198.51.100.2", 7001, 300, 50 * MS));
    T_CHECK(udp_xchg(H2, "192.0.2.17", 1536, V, "198.51.100.2", 7002, 300, 50 * MS));
    T_CHECK(udp_xchg(V, NULL, 0, H1, "192.0.2.17", 2304, 300, 50 * MS));
    T_CHECK(udp_xchg(V, NULL, 0, H2, "192.0.2.17", 1791, 300, 50 * MS));
    T_CHECK(tcp_bound(H1, "192.0.2.17", 1300, V, "198.51.100.2", 8001, 100 << 10));
    T_CHECK(tcp_bound(V, "198.51.100.2", 40000, H2, "192.0.2.17", 1600, 100 << 10));
    T_EQ(BRC(drop_spoof) + BRC(drop_spoof_port) + BRC(drop_unknown_binding), 0);
    /* the other PSID's ports lead to the other host, never to this one */
    T_CHECK(!udp_xchg(V, NULL, 0, H1, "192.0.2.17", 1536, 100, 50 * MS));
    T_CHECK(!udp_xchg(V, NULL, 0, H1, "192.0.2.17", 1100, 100, 50 * MS));   /* PSID 0: nobody's */
    teardown();
}

TEST(hostile_sources_dropped_and_counted)
{
    setup(304);
    T_EQ(scene_cmd(H1, NULL, "addr add 192.0.2.1/32 dev gif0"), 0);
    T_EQ(scene_cmd(H1, NULL, "addr add 192.0.2.17/32 dev gif0"), 0);
    T_EQ(scene_cmd(BR, NULL, "dstm br binding add 192.0.2.1 v6 2001:db8:1::11"), 0);
    T_EQ(scene_cmd(BR, NULL, "dstm br binding add 192.0.2.17 psid 1/2 v6 2001:db8:1::11"), 0);
    T_EQ(scene_cmd(BR, NULL, "dstm br binding add 192.0.2.17 psid 2/2 v6 2001:db8:1::12"), 0);
    /* H2 claims H1's address: its IPv6 source does not hold it */
    T_EQ(scene_cmd(H2, NULL, "addr add 192.0.2.1/32 dev gif0"), 0);
    T_CHECK(!udp_xchg(H2, "192.0.2.1", 0, V, "198.51.100.2", 9001, 100, 50 * MS));
    T_EQ(BRC(drop_spoof), 1);
    /* H1 on the shared address, from a port of no set (below 1024) */
    T_CHECK(!udp_xchg(H1, "192.0.2.17", 900, V, "198.51.100.2", 9002, 100, 50 * MS));
    T_EQ(BRC(drop_spoof_port), 1);
    /* ... from a port of H2's set: H2's binding, not H1's IPv6 address */
    T_CHECK(!udp_xchg(H1, "192.0.2.17", 1600, V, "198.51.100.2", 9003, 100, 50 * MS));
    T_EQ(BRC(drop_spoof), 2);
    /* an address nobody holds (RS does not know it either) */
    T_EQ(scene_cmd(H2, NULL, "addr add 192.0.2.6/32 dev gif0"), 0);
    T_CHECK(!udp_xchg(H2, "192.0.2.6", 0, V, "198.51.100.2", 9004, 100, 300 * MS));
    T_EQ(BRC(drop_unknown_binding), 1);
    T_EQ(CTR_GET(BR, lq, not_found), 1);
    T_CHECK(!br_lookup(BR, inj_a4("192.0.2.6"), 0, NULL));   /* nothing learned from the packet */
    /* outside every pool */
    T_EQ(scene_cmd(H2, NULL, "addr add 203.0.113.9/32 dev gif0"), 0);
    T_CHECK(!udp_xchg(H2, "203.0.113.9", 0, V, "198.51.100.2", 9005, 100, 50 * MS));
    T_EQ(BRC(drop_unknown_binding), 2);
    T_EQ(BRC(in_packets), 0);
    teardown();
}

/* A UDP datagram inside IPv4 (frag: the IPv4 flags/offset field; the
 * UDP header only in the first piece) into buf; its length. */
static size_t inner_udp(uint8_t *buf, size_t cap, const char *src, const char *dst, uint16_t sport, uint16_t dport,
                        size_t n, uint16_t id, uint16_t frag, bool with_udp, size_t udp_total)
{
    static uint8_t pl[INJ_MAX];
    size_t off = 0;
    if (with_udp) {
        size_t ulen = 8 + udp_total;
        uint8_t u[8] = { (uint8_t)(sport >> 8), (uint8_t)sport, (uint8_t)(dport >> 8), (uint8_t)dport,
                         (uint8_t)(ulen >> 8), (uint8_t)ulen, 0, 0 };   /* checksum 0: none (IPv4) */
        memcpy(pl, u, 8);
        off = 8;
    }
    for (size_t i = 0; i < n; i++)
        pl[off + i] = (uint8_t)i;
    return inj_ip4(buf, cap, inj_a4(src), inj_a4(dst), 64, IPPROTO_UDP, id, frag, NULL, 0, pl, off + n);
}

/* 4in6 from v6 to the BR, as outer fragments of at most chunk bytes each (0: whole). */
static void send_4in6(const char *v6, const uint8_t *inner, size_t len, size_t chunk, uint32_t fid)
{
    struct ifnet *eth = if_find(BR, "eth0");
    static uint8_t pkt[INJ_MAX], pl[INJ_MAX];
    struct in6_addr src = inj_a6(v6), dst = inj_a6("2001:db8:1::1");
    struct eth_addr from = { { 2, 0, 0, 0, 0, 0x99 } };
    if (!chunk) {
        size_t n = inj_ip6(pkt, sizeof pkt, &src, &dst, 64, IPPROTO_IPIP, inner, len);
        T_CHECK(inj_input_eth(eth, &eth->hwaddr, &from, pkt, n));
        return;
    }
    for (size_t off = 0; off < len; off += chunk) {
        size_t n = len - off < chunk ? len - off : chunk;
        size_t h = inj_fraghdr(pl, sizeof pl, IPPROTO_IPIP, (uint16_t)off, off + n < len, fid);
        memcpy(pl + h, inner + off, n);
        size_t t = inj_ip6(pkt, sizeof pkt, &src, &dst, 64, 44, pl, h + n);
        T_CHECK(inj_input_eth(eth, &eth->hwaddr, &from, pkt, t));
    }
}

static ssize_t udp_listen_recv(int sd, uint8_t *buf, size_t cap)
{
    sim_run_for(W, 50 * MS);
    return six_recv(V, sd, buf, cap, 0);
}

TEST(fragments_both_ways_df_and_mtu)
{
    setup(305);
    T_EQ(scene_cmd(H1, NULL, "addr add 192.0.2.1/32 dev gif0"), 0);
    T_EQ(scene_cmd(H1, NULL, "addr add 192.0.2.17/32 dev gif0"), 0);
    T_EQ(scene_cmd(BR, NULL, "dstm br binding add 192.0.2.1 v6 2001:db8:1::11"), 0);
    T_EQ(scene_cmd(BR, NULL, "dstm br binding add 192.0.2.17 psid 1/2 v6 2001:db8:1::11"), 0);
    /* inner IPv4 fragments (the gif's 1280 MTU): a whole address, then a
     * shared one whose later fragments follow the first */
    T_CHECK(udp_xchg(H1, "192.0.2.1", 0, V, "198.51.100.2", 5101, 3000, 100 * MS));
    T_CHECK(udp_xchg(H1, "192.0.2.17", 1290, V, "198.51.100.2", 5102, 3000, 100 * MS));
    T_CHECK(CTR_GET(H1, ip4, out_fragmented) >= 2);
    T_EQ(BRC(drop_frag_no_first), 0);

    /* outer IPv6 fragments, reassembled by the BR before it looks inside */
    socklen_t len;
    struct sockaddr_storage any = sim_sockaddr("0.0.0.0", 5105, &len);
    int sd = six_socket(V, AF_INET, SOCK_DGRAM, 0);
    T_EQ(six_bind(V, sd, (struct sockaddr *)&any, len), 0);
    static uint8_t inner[INJ_MAX], buf[INJ_MAX];
    size_t n = inner_udp(inner, sizeof inner, "192.0.2.1", "198.51.100.2", 4444, 5105, 1600, 77, 0, true, 1600);
    uint64_t reasm = CTR_GET(BR, frag6, reassembled), in = BRC(in_packets);
    send_4in6("2001:db8:1::11", inner, n, 600, 0x1234);
    T_EQ(udp_listen_recv(sd, buf, sizeof buf), 1600);
    T_EQ(CTR_GET(BR, frag6, reassembled), reasm + 1);
    T_EQ(BRC(in_packets), in + 1);
    /* the same, from a host that does not hold the address: reassembled, then refused */
    send_4in6("2001:db8:1::12", inner, n, 600, 0x1235);
    T_EQ(udp_listen_recv(sd, buf, sizeof buf), -1);
    T_EQ(BRC(drop_spoof), 1);
    /* a later inner fragment of a shared address with no first before it */
    n = inner_udp(inner, sizeof inner, "192.0.2.17", "198.51.100.2", 0, 0, 200, 78, 0x0000 | (1200 / 8), false, 0);
    send_4in6("2001:db8:1::11", inner, n, 0, 0);
    sim_run_for(W, 10 * MS);
    T_EQ(BRC(drop_frag_no_first), 1);
    /* a truncated inner header and a total length that lies */
    send_4in6("2001:db8:1::11", inner, 12, 0, 0);
    n = inner_udp(inner, sizeof inner, "192.0.2.1", "198.51.100.2", 1, 5105, 40, 79, 0, true, 40);
    send_4in6("2001:db8:1::11", inner, n - 10, 0, 0);           /* says 68, carries 58 */
    uint8_t longer[128];
    memcpy(longer, inner, n);
    memset(longer + n, 0, 8);
    send_4in6("2001:db8:1::11", longer, n + 8, 0, 0);           /* says 68, carries 76 */
    sim_run_for(W, 10 * MS);
    T_EQ(BRC(drop_truncated), 2);
    T_EQ(BRC(drop_bad_inner), 1);
    six_close(V, sd);

    /* towards the hosts, DF clear: the BR fragments to its 1400 - 40 */
    uint64_t frag = CTR_GET(BR, ip4, out_fragmented);
    T_CHECK(udp_xchg(V, NULL, 0, H1, "192.0.2.1", 5104, 1450, 100 * MS));
    T_CHECK(CTR_GET(BR, ip4, out_fragmented) > frag);
    T_CHECK(udp_xchg(V, NULL, 0, H1, "192.0.2.17", 1291, 3000, 100 * MS));   /* shared: fragments follow the first */
    T_EQ(BRC(drop_frag_no_first), 1);
    /* DF set (TCP, whose MSS the host's larger gif MTU lets grow to 1460):
     * fragmentation needed, with the BR's inner MTU, and TCP fits it */
    T_EQ(scene_cmd(H1, NULL, "link set gif0 mtu 1460"), 0);
    struct inj_capture cap;
    inj_capture_start(&cap, if_find(V, "eth0"), true);
    T_CHECK(sim_tcp_transfer(W, V, H1, "192.0.2.1", 64 << 10));
    struct inj_icmp4 last;
    T_CHECK(inj_count_icmp4(&cap, ICMP4_UNREACH_T, ICMP4_NEEDFRAG_C, NULL, NULL, &last) >= 1);
    T_EQ(last.data32 & 0xffff, 1400 - 40);
    inj_capture_stop(&cap);
    T_CHECK(CTR_GET(BR, ip4, drop_df_too_big) >= 1);
    teardown();
}

/* The first-fragment table: a first fragment is remembered only once its
 * binding is found (one to nobody takes no slot), and a live slot is never
 * taken over by another datagram (br.frag_table_full). */
TEST(first_fragments_noted_only_when_bound_and_kept)
{
    setup(308);
    /* 3000 bytes from V (MTU 1500): three fragments to 192.0.2.18 port 1280
     * (PSID 1), which nobody holds: the first misses, the others find no first */
    T_CHECK(!udp_xchg(V, NULL, 0, H1, "192.0.2.18", 1280, 3000, 300 * MS));
    T_EQ(BRC(out_miss), 1);
    T_CHECK(BRC(drop_frag_no_first) >= 2);
    /* a datagram in flight survives a flood of other first fragments */
    struct br *br = br_of(BR);
    uint64_t now = six_now(BR);
    struct ip4_info a = { .src = inj_a4("198.51.100.2"), .dst = inj_a4("192.0.2.17"), .id = 7, .proto = 17, .mf = true };
    br_frag_note(br, br->frag_out, &a, 1, NULL, now);
    for (unsigned i = 0; i < 8 * BR_FRAG_SLOTS; i++) {
        struct ip4_info o = a;
        o.id = (uint16_t)(1000 + i);
        o.src.s_addr ^= htonl(i >> 16);
        br_frag_note(br, br->frag_out, &o, 2, NULL, now);
    }
    const struct br_frag *f = br_frag_find(br, br->frag_out, &a, now + 1);
    T_CHECK(f && f->psid == 1);
    T_CHECK(BRC(frag_table_full) > 0);
    teardown();
}

TEST(unresolvable_host_unreachable)
{
    setup(306);
    T_CHECK(!udp_xchg(V, NULL, 0, H1, "192.0.2.9", 5201, 100, 300 * MS));
    T_EQ(CTR_GET(BR, lq, not_found), 1);
    T_EQ(BRC(out_unreach), 1);
    T_CHECK(CTR_GET(V, icmp4, in_unreach) >= 1);
    /* without an AIIH to ask: at once */
    T_EQ(scene_cmd(BR, NULL, "dstm br dev dstm0 local 2001:db8:1::1 pool 192.0.2.0/28 mtu 1400"), 0);
    T_CHECK(!udp_xchg(V, NULL, 0, H1, "192.0.2.10", 5202, 100, 50 * MS));
    T_EQ(BRC(out_unreach), 2);
    /* the shared pool is gone with the old configuration: no route, nothing parked */
    struct br_info in;
    br_info(BR, &in);
    T_EQ(in.pending, 0);
    T_EQ(in.cfg.n_pools, 1);
    teardown();
}

TEST(config_errors)
{
    setup(307);
    const char *bad[] = {
        "dstm br local 2001:db8:1::99 pool 192.0.2.0/28",                      /* not ours */
        "dstm br local 2001:db8:1::1",                                         /* no pool */
        "dstm br local 2001:db8:1::1 pool 192.0.2.0/28 pool 192.0.2.0/24",     /* overlap */
        "dstm br local 2001:db8:1::1 pool 192.0.2.0/28 share 12 offset 6",     /* a + k > 16 */
        "dstm br local 2001:db8:1::1 pool 192.0.2.0/28 mtu 1000",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        T_CHECK(scene_cmd(BR, NULL, "%s", bad[i]) != 0);
    /* a binding outside the pools, or whose port set is not its pool's */
    T_CHECK(scene_cmd(BR, NULL, "dstm br binding add 203.0.113.1 v6 2001:db8:1::11") != 0);
    T_CHECK(scene_cmd(BR, NULL, "dstm br binding add 192.0.2.17 psid 1/4 v6 2001:db8:1::11") != 0);
    T_CHECK(scene_cmd(BR, NULL, "dstm br binding add 192.0.2.1 psid 1/2 v6 2001:db8:1::11") != 0);
    T_EQ(scene_cmd(BR, NULL, "dstm br off"), 0);
    T_CHECK(!br_running(BR));
    T_CHECK(scene_cmd(BR, NULL, "dstm br off") != 0);
    teardown();
}

int main(void)
{
    RUN(static_whole_address_udp_tcp_both_ways);
    RUN(learned_by_leasequery_udp_tcp);
    RUN(shared_address_two_hosts);
    RUN(hostile_sources_dropped_and_counted);
    RUN(fragments_both_ways_df_and_mtu);
    RUN(first_fragments_noted_only_when_bound_and_kept);
    RUN(unresolvable_host_unreachable);
    RUN(config_errors);
    return t_done();
}
