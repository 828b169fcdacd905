/* The DTI client (src/dstm/dti.c, src/dhcp6/client_v4.c) against an AIIH
 * scripted here.
 *
 * Stacks on one IPv6-only link "v6": H (the DTI host, eth0), SRV (the
 * scripted AIIH: a UDP socket on 547 answering with the wire builder), BR
 * (the border stand-in: 2001:db8:1::1 on the v6 link, 203.0.113.1 on the
 * IPv4 link, a gif 4in6 to H's IA_NA address with 192.0.2.10 routed into
 * it, forwarding on) and V4 (IPv4-only, 203.0.113.2, default via BR).
 *
 * Cases: on demand (the first IPv4 send asks; a Renew with IAADDR
 * ::ffff:0.0.0.0; the Reply's address on dti0 as /32; a UDP datagram and a
 * TCP stream to V4 through the 4in6 tunnel, answers back); a Reconfigure
 * from the AIIH binds through the Renew it provokes (the empty IA); idle
 * Release of the IPv4 IA alone; expiry when Renews go unanswered; a spoofed
 * 4in6 from a stranger → dti.drop_spoof; Replies naming a TEP that is no
 * global unicast address, or an IPv4 address 0.0.0.0 / multicast /
 * loopback → refused and counted; dynamic TEP: a destination's holder
 * asked by Leasequery, 4in6 straight to it (and accepted from it), the
 * static TEP meanwhile and for a "not found". */
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <openssl/evp.h>
#include "../lib/t.h"
#include "../lib/simstack.h"
#include "../lib/ipsec_sim.h"
#include "../lib/inject.h"
#include "ctl/scene.h"
#include "link/sim.h"
#include "link/ifnet.h"
#include "net/stack.h"
#include "net/ip6_var.h"
#include "net/ip4_priv.h"
#include "wire/dhcp6.h"
#include "six/socket.h"
#include "dhcp6/client.h"
#include "dstm/dti.h"

#define MS (1000000ull)
#define SEC (1000000000ull)

static struct sim_world *W;
static struct six_stack *H, *SRV, *BR, *V4, *H2;
static int SSD = -1;
static const uint8_t SRV_DUID[] = { 0, 3, 0, 1, 0x02, 0x00, 0x00, 0x00, 0x05, 0x47 };
static const uint8_t KEY[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };
#define H_ADDR "2001:db8:1::100"
#define TEP "2001:db8:1::1"
#define V4_ADDR "192.0.2.10"

/* What the scripted AIIH gives. */
static struct {
    const char *v4;          /* the address given when asked (or offered) */
    const char *tep;         /* in the extension (NULL: none) */
    uint32_t v4_valid;
    bool offered;            /* a Reconfigure offer: an empty IA gets the address too */
} POL;

static void setup(uint64_t seed)
{
    struct sim_link_params p = { .delay_ns = 1 * MS };
    W = sim_world_create(seed);
    H = sim_stack(W, "h", seed + 1, 0);
    SRV = sim_stack(W, "srv", seed + 2, 0);
    BR = sim_stack(W, "br", seed + 3, 0);
    V4 = sim_stack(W, "v4", seed + 4, 0);
    H2 = sim_stack(W, "h2", seed + 5, 0);
    struct sim_link *v6 = sim_link_create(W, "v6", &p), *v4 = sim_link_create(W, "v4", &p);
    sim_attach(v6, H, "eth0", NULL);
    sim_attach(v6, SRV, "eth0", NULL);
    sim_attach(v6, BR, "eth0", NULL);
    sim_attach(v6, H2, "eth0", NULL);
    sim_attach(v4, BR, "eth1", NULL);
    sim_attach(v4, V4, "eth0", NULL);
    T_EQ(scene_cmd(H, NULL, "link set eth0 up"), 0);
    T_EQ(scene_cmd(H, NULL, "route add 2001:db8:1::/64 dev eth0"), 0);
    T_EQ(scene_cmd(SRV, NULL, "link set eth0 up"), 0);
    T_EQ(scene_cmd(SRV, NULL, "addr add 2001:db8:1::547/64 dev eth0"), 0);
    /* H2: another DSTM host holding 192.0.2.20, its own 4in6 end towards H */
    T_EQ(scene_cmd(H2, NULL, "link set eth0 up"), 0);
    T_EQ(scene_cmd(H2, NULL, "addr add 2001:db8:1::200/64 dev eth0"), 0);
    T_EQ(scene_cmd(H2, NULL, "link add gif0 type gif local 2001:db8:1::200 remote " H_ADDR), 0);
    T_EQ(scene_cmd(H2, NULL, "link set gif0 up"), 0);
    T_EQ(scene_cmd(H2, NULL, "addr add 192.0.2.20/32 dev gif0"), 0);
    T_EQ(scene_cmd(H2, NULL, "route add 0.0.0.0/0 dev gif0"), 0);
    T_EQ(scene_cmd(BR, NULL, "link set eth0 up"), 0);
    T_EQ(scene_cmd(BR, NULL, "link set eth1 up"), 0);
    T_EQ(scene_cmd(BR, NULL, "addr add " TEP "/64 dev eth0"), 0);
    T_EQ(scene_cmd(BR, NULL, "addr add 203.0.113.1/24 dev eth1"), 0);
    T_EQ(scene_cmd(BR, NULL, "link add gif0 type gif local " TEP " remote " H_ADDR), 0);
    T_EQ(scene_cmd(BR, NULL, "link set gif0 up"), 0);
    T_EQ(scene_cmd(BR, NULL, "route add " V4_ADDR "/32 dev gif0"), 0);
    T_EQ(scene_cmd(BR, NULL, "set forwarding on -4"), 0);
    T_EQ(scene_cmd(V4, NULL, "link set eth0 up"), 0);
    T_EQ(scene_cmd(V4, NULL, "addr add 203.0.113.2/24 dev eth0"), 0);
    T_EQ(scene_cmd(V4, NULL, "route add 0.0.0.0/0 via 203.0.113.1"), 0);
    SSD = six_socket(SRV, AF_INET6, SOCK_DGRAM, 0);
    struct sockaddr_in6 sa = { .sin6_family = AF_INET6, .sin6_port = htons(DHCP6_SERVER_PORT) };
    T_EQ(six_bind(SRV, SSD, (struct sockaddr *)&sa, sizeof sa), 0);
    struct ipv6_mreq mr = { .ipv6mr_multiaddr = DHCP6_ALL_AGENTS_INIT, .ipv6mr_interface = if_find(SRV, "eth0")->index };
    T_EQ(six_setsockopt(SRV, SSD, IPPROTO_IPV6, IPV6_JOIN_GROUP, &mr, sizeof mr), 0);
    POL.v4 = V4_ADDR;
    POL.tep = TEP;
    POL.v4_valid = 600;
    POL.offered = false;
    sim_run_for(W, 3 * SEC);   /* link-local addresses through DAD */
}

static void teardown(void)
{
    six_stack_destroy(H);
    six_stack_destroy(SRV);
    six_stack_destroy(BR);
    six_stack_destroy(V4);
    six_stack_destroy(H2);
    sim_world_destroy(W);
}

static uint64_t ctr(struct six_stack *st, const char *name)
{
    uint64_t v = 0;
    T_EQ(six_counter_by_name(&st->ctr, name, &v), 0);
    return v;
}

static struct d6c_if *CI(void)
{
    struct d6_client *cli = d6c_get(H);
    for (int i = 0; cli && i < D6C_MAX_IFS; i++)
        if (cli->ifs[i].in_use && !strcmp(cli->ifs[i].ifname, "eth0"))
            return &cli->ifs[i];
    return NULL;
}

/* ------------------------------------------------------------ the scripted AIIH */

struct rx {
    uint8_t buf[2048];
    size_t len;
    struct dhcp6_msg m;
    struct sockaddr_in6 from;
    bool dstm;                /* the extension + its IA were there */
    uint32_t v4_iaid;
    int v4_items;             /* IAADDRs in the IPv4 IA */
    struct in6_addr v4_item;
};

static bool srv_readable(void *arg)
{
    (void)arg;
    struct six_pollfd p = { SSD, POLLIN, 0 };
    return six_poll(SRV, &p, 1) > 0;
}

static bool srv_wait(struct rx *r, uint8_t type, uint64_t max_ns)
{
    uint64_t end = sim_now(W) + max_ns;
    while (sim_now(W) <= end) {
        if (!sim_run_while_not(W, srv_readable, NULL, end - sim_now(W)))
            return false;
        socklen_t fl = sizeof r->from;
        ssize_t n = six_recvfrom(SRV, SSD, r->buf, sizeof r->buf, 0, (struct sockaddr *)&r->from, &fl);
        if (n <= 0 || dhcp6_parse(r->buf, (size_t)n, &r->m) != WR_OK)
            continue;
        r->len = (size_t)n;
        bool has_tep;
        struct in6_addr tep;
        r->dstm = false;
        r->v4_items = 0;
        T_EQ(dhcp6_dstm_find(&r->m, DSTM_OPT_CODE_DEFAULT, &r->dstm, &has_tep, &tep, &r->v4_iaid), WR_OK);
        for (int i = 0; r->dstm && i < r->m.n_ia; i++)
            if (r->m.ia[i].iaid == r->v4_iaid) {
                r->v4_items = r->m.ia[i].n_item;
                if (r->v4_items)
                    r->v4_item = r->m.ia[i].item[0].addr;
            }
        if (!type || r->m.type == type)
            return true;
    }
    return false;
}

static uint32_t v6_iaid(const struct rx *r)
{
    for (int i = 0; i < r->m.n_ia; i++)
        if (r->m.ia[i].type == D6O_IA_NA && (!r->dstm || r->m.ia[i].iaid != r->v4_iaid))
            return r->m.ia[i].iaid;
    return 0;
}

/* Answer req with type: the IPv6 IA_NA (H_ADDR), and the IPv4 IA when it
 * was asked (an address in it) or offered; v4 NULL: POL.v4. */
static void srv_answer(const struct rx *req, uint8_t type, bool with_v4)
{
    uint8_t b[1500];
    struct dhcp6_builder bd;
    dhcp6_build_init(&bd, b, sizeof b);
    dhcp6_build_hdr(&bd, type, req->m.xid);
    dhcp6_put_opt(&bd, D6O_CLIENTID, req->m.clientid.p, req->m.clientid.len);
    dhcp6_put_opt(&bd, D6O_SERVERID, SRV_DUID, sizeof SRV_DUID);
    if (type == DHCP6_ADVERTISE)
        dhcp6_put_u8(&bd, D6O_PREFERENCE, 255);
    if (req->m.type != DHCP6_RELEASE) {
        struct in6_addr a = inj_a6(H_ADDR);
        dhcp6_begin_ia(&bd, D6O_IA_NA, v6_iaid(req), 1000, 1600);
        dhcp6_begin_iaaddr(&bd, &a, 2000, 3000);
        dhcp6_end(&bd);
        dhcp6_end(&bd);
        if (with_v4 && req->dstm && (req->v4_items || POL.offered)) {
            struct in6_addr tep = inj_a6(POL.tep ? POL.tep : "::"), m4 = inj_a6("::ffff:0.0.0.0");
            struct in_addr v4 = inj_a4(POL.v4);
            memcpy(&m4.s6_addr[12], &v4, 4);
            dhcp6_put_dstm(&bd, DSTM_OPT_CODE_DEFAULT, POL.tep ? &tep : NULL);
            dhcp6_begin_ia(&bd, D6O_IA_NA, req->v4_iaid, 0, 0);
            dhcp6_begin_iaaddr(&bd, &m4, POL.v4_valid / 2, POL.v4_valid);
            dhcp6_end(&bd);
            dhcp6_end(&bd);
        }
        uint8_t info[DHCP6_RKAP_INFO_LEN] = { DHCP6_RKAP_KEY };
        memcpy(info + 1, KEY, 16);
        dhcp6_put_auth(&bd, DHCP6_AUTH_PROTO_RKAP, DHCP6_AUTH_ALG_HMAC_MD5, DHCP6_AUTH_RDM_MONOTONIC, 1, info,
                       sizeof info, NULL);
    }
    size_t n = dhcp6_build_done(&bd);
    T_CHECK(n > 0);
    T_EQ(six_sendto(SRV, SSD, b, n, 0, (const struct sockaddr *)&req->from, sizeof req->from), (long long)n);
}

/* `dstm client dev eth0 ARGS`, then the four-message exchange: bound, IPv6 only. */
static bool start_dti(const char *args)
{
    struct rx r;
    T_EQ(scene_cmd(H, NULL, "dstm client dev eth0 %s", args), 0);
    if (!srv_wait(&r, DHCP6_SOLICIT, 3 * SEC))
        return false;
    T_CHECK(r.dstm);            /* the IPv4 IA rides along from the first message, */
    T_EQ(r.v4_items, 0);        /* empty: nothing wanted yet */
    srv_answer(&r, DHCP6_ADVERTISE, true);
    if (!srv_wait(&r, DHCP6_REQUEST, 3 * SEC))
        return false;
    srv_answer(&r, DHCP6_REPLY, true);
    sim_run_for(W, 2 * SEC);   /* the IA_NA address through DAD */
    return CI() && CI()->state == D6C_BOUND;
}

static bool dti_has(const char *a)
{
    struct in_addr v = inj_a4(a);
    struct ifnet *ifp = NULL;
    return in4_ifa_find(H, v, &ifp) && ifp == if_find(H, "dti0");
}

/* An IPv4 send from H: the first one asks (and fails: no source yet). */
static void trigger(void)
{
    int s = six_socket(H, AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(9), .sin_addr = inj_a4("203.0.113.2") };
    six_sendto(H, s, "x", 1, 0, (struct sockaddr *)&to, sizeof to);
    six_close(H, s);
}

/* Trigger, and answer the Renew that follows with the address. */
static bool bind_on_demand(void)
{
    struct rx r;
    trigger();
    if (!srv_wait(&r, DHCP6_RENEW, 2 * SEC))
        return false;
    T_CHECK(r.dstm);
    T_EQ(r.v4_items, 1);   /* ::ffff:0.0.0.0: "an address, please" */
    T_CHECK(in6_is_v4mapped(&r.v4_item));
    srv_answer(&r, DHCP6_REPLY, true);
    sim_run_for(W, 100 * MS);
    return dti_has(POL.v4);
}

/* ------------------------------------------------------------ cases */

TEST(on_demand_address_udp_and_tcp_through_the_tep)
{
    setup(1301);
    T_CHECK(start_dti(""));
    T_CHECK(if_find(H, "dti0") != NULL);
    T_CHECK(!dti_has(V4_ADDR));
    struct dti_info in;
    dti_info(H, &in);
    T_EQ(in.state, DTI_IDLE);
    T_CHECK(bind_on_demand());
    dti_info(H, &in);
    T_EQ(in.state, DTI_BOUND);
    struct in6_addr tep = inj_a6(TEP), h6 = inj_a6(H_ADDR);
    T_CHECK(in6_eq(&in.b.tep, &tep));
    T_CHECK(in6_eq(&in.b.v6, &h6));
    T_EQ(ctr(H, "dti.asks"), 1);
    /* UDP both ways: H → V4 through the TEP, and back through BR's gif */
    T_CHECK(sim_udp_once(W, H, V4, NULL, "203.0.113.2", 5001));
    T_CHECK(sim_udp_once(W, V4, H, NULL, V4_ADDR, 5002));
    /* a TCP stream from the DTI host to the IPv4-only one */
    T_CHECK(sim_tcp_transfer(W, H, V4, "203.0.113.2", 200000));
    T_CHECK(ctr(H, "dti.out_packets") > 100);
    T_CHECK(ctr(H, "dti.in_packets") > 50);
    T_EQ(ctr(BR, "gif.drop_unknown_src") + ctr(BR, "gif.drop_spoof_prefix"), 0);
    T_EQ(ctr(H, "dti.drop_spoof") + ctr(H, "dti.drop_not_ours"), 0);
    T_EQ(ctr(H, "dhcp6c.v4_bound"), 1);
    teardown();
}

/* Reconfigure (msg Renew) from the AIIH: the Renew carries the empty IA,
 * the Reply binds the offered address (draft §5.1.3). */
TEST(reconfigure_triggered_bind)
{
    setup(1302);
    T_CHECK(start_dti(""));
    POL.offered = true;
    uint8_t b[512];
    struct dhcp6_builder bd;
    size_t info_off = 0;
    dhcp6_build_init(&bd, b, sizeof b);
    dhcp6_build_hdr(&bd, DHCP6_RECONFIGURE, 0);
    dhcp6_put_opt(&bd, D6O_CLIENTID, d6c_get(H)->duid, d6c_get(H)->duid_len);
    dhcp6_put_opt(&bd, D6O_SERVERID, SRV_DUID, sizeof SRV_DUID);
    dhcp6_put_u8(&bd, D6O_RECONF_MSG, DHCP6_RENEW);
    uint8_t info[DHCP6_RKAP_INFO_LEN] = { DHCP6_RKAP_HMAC };
    dhcp6_put_auth(&bd, DHCP6_AUTH_PROTO_RKAP, DHCP6_AUTH_ALG_HMAC_MD5, DHCP6_AUTH_RDM_MONOTONIC, 2, info, sizeof info,
                   &info_off);
    size_t n = dhcp6_build_done(&bd);
    uint8_t mac[EVP_MAX_MD_SIZE];
    size_t ml = 0;
    T_CHECK(EVP_Q_mac(NULL, "HMAC", NULL, "MD5", NULL, KEY, 16, b, n, mac, sizeof mac, &ml) != NULL);
    memcpy(b + info_off + 1, mac, 16);
    struct sockaddr_in6 to = { .sin6_family = AF_INET6, .sin6_port = htons(DHCP6_CLIENT_PORT),
                               .sin6_addr = *in6_linklocal(if_find(H, "eth0")),
                               .sin6_scope_id = if_find(SRV, "eth0")->index };
    T_EQ(six_sendto(SRV, SSD, b, n, 0, (struct sockaddr *)&to, sizeof to), (long long)n);
    struct rx r;
    T_CHECK(srv_wait(&r, DHCP6_RENEW, 2 * SEC));
    T_CHECK(r.dstm);
    T_EQ(r.v4_items, 0);   /* nothing wanted by the host: the server's offer fills it */
    srv_answer(&r, DHCP6_REPLY, true);
    sim_run_for(W, 100 * MS);
    T_CHECK(dti_has(V4_ADDR));
    T_EQ(ctr(H, "dti.asks"), 0);
    T_CHECK(sim_udp_once(W, V4, H, NULL, V4_ADDR, 5003));
    teardown();
}

/* No IPv4 traffic for `idle` seconds: a Release of the IPv4 IA alone
 * (draft §5.1.1), the IPv6 lease stays. */
TEST(idle_release_of_the_ipv4_ia_alone)
{
    setup(1303);
    T_CHECK(start_dti("idle 30"));
    T_CHECK(bind_on_demand());
    T_CHECK(sim_udp_once(W, H, V4, NULL, "203.0.113.2", 5001));
    struct rx r;
    T_CHECK(srv_wait(&r, DHCP6_RELEASE, 40 * SEC));
    T_CHECK(r.dstm);
    T_EQ(r.v4_items, 1);
    struct in6_addr want = inj_a6("::ffff:" V4_ADDR);
    T_CHECK(in6_eq(&r.v4_item, &want));
    T_EQ(r.m.n_ia, 1);     /* the IPv6 IA_NA is not released */
    T_CHECK(!dti_has(V4_ADDR));
    T_EQ(ctr(H, "dti.idle_releases"), 1);
    srv_answer(&r, DHCP6_REPLY, false);
    sim_run_for(W, 100 * MS);
    T_EQ(CI()->state, D6C_BOUND);
    T_EQ(CI()->n_na, 1);
    /* and the next IPv4 packet asks again */
    T_CHECK(bind_on_demand());
    T_EQ(ctr(H, "dti.asks"), 2);
    teardown();
}

/* Renews unanswered: the IPv4 address goes when its valid lifetime ends. */
TEST(expiry_removes_the_address)
{
    setup(1304);
    POL.v4_valid = 60;
    T_CHECK(start_dti("idle never"));
    T_CHECK(bind_on_demand());
    struct rx r;
    T_CHECK(srv_wait(&r, DHCP6_RENEW, 40 * SEC));   /* T1 follows the IPv4 IA's shorter lifetime */
    T_CHECK(r.dstm && r.v4_items == 1);
    T_CHECK(dti_has(V4_ADDR));
    sim_run_for(W, 50 * SEC);   /* Renew, Rebind unanswered; the 60 s run out */
    T_CHECK(!dti_has(V4_ADDR));
    T_EQ(ctr(H, "dhcp6c.v4_lost"), 1);
    struct dti_info in;
    dti_info(H, &in);
    T_EQ(in.state, DTI_IDLE);
    teardown();
}

/* 4in6 to H's address from a host that is not the TEP: dropped. */
TEST(spoofed_4in6_from_a_stranger)
{
    setup(1305);
    T_CHECK(start_dti(""));
    T_CHECK(bind_on_demand());
    uint8_t udp[16] = { 0x13, 0x89, 0x13, 0x89, 0, 16 }, in4[64], out[128];
    size_t n4 = inj_ip4(in4, sizeof in4, inj_a4("203.0.113.2"), inj_a4(V4_ADDR), 64, IPPROTO_UDP, 1, 0, NULL, 0, udp,
                        sizeof udp);
    struct in6_addr stranger = inj_a6("2001:db8:1::66"), dst = inj_a6(H_ADDR);
    size_t n6 = inj_ip6(out, sizeof out, &stranger, &dst, 64, IPPROTO_IPIP, in4, n4);
    struct ifnet *e = if_find(H, "eth0");
    T_CHECK(inj_input_eth(e, &e->hwaddr, &if_find(SRV, "eth0")->hwaddr, out, n6));
    sim_run_for(W, 10 * MS);
    T_EQ(ctr(H, "dti.drop_spoof"), 1);
    /* from the TEP but to an IPv4 address that is not ours: not ours */
    struct in6_addr tep = inj_a6(TEP);
    n4 = inj_ip4(in4, sizeof in4, inj_a4("203.0.113.2"), inj_a4("192.0.2.99"), 64, IPPROTO_UDP, 1, 0, NULL, 0, udp,
                 sizeof udp);
    n6 = inj_ip6(out, sizeof out, &tep, &dst, 64, IPPROTO_IPIP, in4, n4);
    T_CHECK(inj_input_eth(e, &e->hwaddr, &if_find(BR, "eth0")->hwaddr, out, n6));
    sim_run_for(W, 10 * MS);
    T_EQ(ctr(H, "dti.drop_not_ours"), 1);
    T_EQ(ctr(H, "dti.in_packets"), 0);
    teardown();
}

/* A Reply whose TEP is no global unicast address, or whose IPv4 address
 * is 0.0.0.0 / multicast / loopback: refused, counted, nothing bound. */
TEST(bad_tep_or_address_refused)
{
    static const struct { const char *v4, *tep, *ctr; } bad[] = {
        { V4_ADDR, "fe80::1", "dhcp6c.drop_v4_tep" },   { V4_ADDR, "ff02::1", "dhcp6c.drop_v4_tep" },
        { V4_ADDR, "::1", "dhcp6c.drop_v4_tep" },       { V4_ADDR, "::ffff:192.0.2.1", "dhcp6c.drop_v4_tep" },
        { "0.0.0.0", TEP, "dhcp6c.drop_v4_addr" },      { "224.0.0.1", TEP, "dhcp6c.drop_v4_addr" },
        { "127.0.0.1", TEP, "dhcp6c.drop_v4_addr" },    { "255.255.255.255", TEP, "dhcp6c.drop_v4_addr" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        setup(1310 + i);
        T_CHECK(start_dti(""));
        POL.v4 = bad[i].v4;
        POL.tep = bad[i].tep;
        trigger();
        struct rx r;
        T_CHECK(srv_wait(&r, DHCP6_RENEW, 2 * SEC));
        srv_answer(&r, DHCP6_REPLY, true);
        sim_run_for(W, 100 * MS);
        T_EQ(ctr(H, bad[i].ctr), 1);
        T_EQ(ctr(H, "dhcp6c.v4_bound"), 0);
        T_CHECK(!dti_has(bad[i].v4));
        struct dti_info in;
        dti_info(H, &in);
        T_CHECK(in.state != DTI_BOUND);
        teardown();
    }
}

/* Answer a LEASEQUERY for key with holder (NULL: NotConfigured). */
static void lq_answer(const struct rx *q, const char *holder)
{
    uint8_t b[512];
    struct dhcp6_builder bd;
    dhcp6_build_init(&bd, b, sizeof b);
    dhcp6_build_hdr(&bd, DHCP6_LEASEQUERY_REPLY, q->m.xid);
    dhcp6_put_opt(&bd, D6O_SERVERID, SRV_DUID, sizeof SRV_DUID);
    if (q->m.clientid.p)
        dhcp6_put_opt(&bd, D6O_CLIENTID, q->m.clientid.p, q->m.clientid.len);   /* RFC 5007 §4.1.2.5 */
    if (!holder) {
        dhcp6_put_status(&bd, D6S_NOT_CONFIGURED, "no holder");
    } else {
        struct in6_addr h = inj_a6(holder);
        static const uint8_t cid[] = { 0, 3, 0, 1, 2, 0, 0, 0, 2, 0 };
        dhcp6_begin_opt(&bd, D6O_CLIENT_DATA);
        dhcp6_put_opt(&bd, D6O_CLIENTID, cid, sizeof cid);
        dhcp6_begin_iaaddr(&bd, &q->m.lq.addr, 300, 600);
        dhcp6_end(&bd);
        dhcp6_begin_iaaddr(&bd, &h, 300, 600);
        dhcp6_end(&bd);
        dhcp6_put_u32(&bd, D6O_CLT_TIME, 10);
        dhcp6_end(&bd);
    }
    size_t n = dhcp6_build_done(&bd);
    T_CHECK(n > 0);
    T_EQ(six_sendto(SRV, SSD, b, n, 0, (const struct sockaddr *)&q->from, sizeof q->from), (long long)n);
}

static void send4(const char *dst, uint16_t port)
{
    int s = six_socket(H, AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(port), .sin_addr = inj_a4(dst) };
    T_EQ(six_sendto(H, s, "y", 1, 0, (struct sockaddr *)&to, sizeof to), 1);
    six_close(H, s);
}

/* Dynamic TEP (§6.2.2.1): the holder of 192.0.2.20 is asked of the AIIH;
 * meanwhile the static TEP; then 4in6 straight to the holder, whose 4in6
 * back is accepted for that address only. A "not found" keeps the static
 * TEP and is not asked again for DTI_NEG_TTL. */
TEST(dynamic_tep_by_leasequery)
{
    setup(1320);
    T_CHECK(start_dti("dynamic-tep on aiih 2001:db8:1::547"));
    T_CHECK(bind_on_demand());
    uint64_t br_in = ctr(BR, "ip6.in_receives");
    send4("192.0.2.20", 7001);
    struct rx q;
    T_CHECK(srv_wait(&q, DHCP6_LEASEQUERY, 2 * SEC));
    struct in6_addr key = inj_a6("::ffff:192.0.2.20");
    T_CHECK(q.m.lq.present && q.m.lq.has_addr && in6_eq(&q.m.lq.addr, &key));
    T_EQ(ctr(H, "dti.tep_static"), 1);          /* the first packet did not wait */
    T_CHECK(ctr(BR, "ip6.in_receives") > br_in);
    lq_answer(&q, "2001:db8:1::200");
    sim_run_for(W, 50 * MS);
    struct dti_info in;
    dti_info(H, &in);
    T_EQ(in.tep_cache, 1);
    T_CHECK(sim_udp_once(W, H, H2, NULL, "192.0.2.20", 7002));
    T_CHECK(ctr(H, "dti.tep_dynamic") >= 1);
    T_CHECK(ctr(H2, "gif.in_packets") >= 1);
    T_CHECK(sim_udp_once(W, H2, H, NULL, V4_ADDR, 7003));   /* from the cached holder: accepted */
    T_EQ(ctr(H, "dti.drop_spoof"), 0);
    /* not found: the static TEP, and no second query within DTI_NEG_TTL */
    send4("192.0.2.30", 7004);
    T_CHECK(srv_wait(&q, DHCP6_LEASEQUERY, 2 * SEC));
    lq_answer(&q, NULL);
    sim_run_for(W, 50 * MS);
    uint64_t st0 = ctr(H, "dti.tep_static");
    send4("192.0.2.30", 7005);
    T_CHECK(!srv_wait(&q, DHCP6_LEASEQUERY, 1 * SEC));
    T_EQ(ctr(H, "dti.tep_static"), st0 + 1);
    teardown();
}

/* Many uncached destinations in one second: at most DTI_LQ_RATE
 * Leasequeries, the rest counted and sent by the static TEP. */
TEST(dynamic_tep_leasequeries_rate_limited)
{
    setup(1321);
    T_CHECK(start_dti("dynamic-tep on aiih 2001:db8:1::547"));
    T_CHECK(bind_on_demand());
    uint64_t q0 = ctr(H, "lq.out_query"), st0 = ctr(H, "dti.tep_static");
    const unsigned n = DTI_LQ_RATE + 30;
    for (unsigned i = 0; i < n; i++) {
        char dst[32];
        snprintf(dst, sizeof dst, "192.0.2.%u", 100 + i);
        send4(dst, 7100);
    }
    sim_run_for(W, 10 * MS);
    T_EQ(ctr(H, "lq.out_query") - q0, DTI_LQ_RATE);
    T_EQ(ctr(H, "dti.lq_ratelimited"), n - DTI_LQ_RATE);
    T_EQ(ctr(H, "dti.tep_static") - st0, n);   /* every packet still went out */
    teardown();
}

int main(void)
{
    RUN(on_demand_address_udp_and_tcp_through_the_tep);
    RUN(reconfigure_triggered_bind);
    RUN(idle_release_of_the_ipv4_ia_alone);
    RUN(expiry_removes_the_address);
    RUN(spoofed_4in6_from_a_stranger);
    RUN(bad_tep_or_address_refused);
    RUN(dynamic_tep_by_leasequery);
    RUN(dynamic_tep_leasequeries_rate_limited);
    return t_done();
}
