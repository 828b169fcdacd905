/* The DHCPv6 client (src/dhcp6/client*.c) against a server scripted here.
 *
 * Stacks: CL (the client, a home router: eth0 on the WAN link, eth1 on the
 * LAN link), SRV (the scripted server: a UDP socket on port 547 joined to
 * ff02::1:2; answers built with the wire builder), LAN (a host on the LAN
 * link that SLAACs from what CL announces). Virtual clock throughout.
 *
 * Cases: the four-message exchange (Solicit content, Advertise collected
 * until the first RT, Request to the chosen server, Reply → address, DNS,
 * downstream /64 with RA, LAN host SLAAC), preference 255 → Request at
 * once, Rapid Commit, retransmission timing (first RT in (1.0, 1.1] s,
 * doubling ±10%) and SOL_MAX_RT from an Advertise honoured, Renew at T1 and
 * Rebind at T2, a changed delegated prefix → an immediate RA with the old
 * /64 at preferred 0 (RFC 9096), the prefix lost on NoPrefixAvail,
 * Reconfigure (good; bad HMAC; replayed counter; unknown server; no key),
 * Replies with a wrong xid / client id, Decline after DAD fails, Confirm
 * after the link goes down and up, Release on `off release`, none on `off`,
 * the DUID kept in a file, info-only. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <arpa/inet.h>
#include <openssl/evp.h>
#include "../lib/t.h"
#include "../lib/simstack.h"
#include "../lib/inject.h"
#include "ctl/scene.h"
#include "ctl/cmd.h"
#include "link/sim.h"
#include "net/stack.h"
#include "net/ip6_var.h"
#include "link/ifnet.h"
#include "wire/dhcp6.h"
#include "wire/nd6.h"
#include "wire/icmp6.h"
#include "six/socket.h"
#include "transport/resolver.h"
#include "dhcp6/client.h"

#define MS (1000000ull)
#define SEC (1000000000ull)

static struct sim_world *W;
static struct six_stack *CL, *SRV, *LAN;
static int SSD = -1;
static const uint8_t SRV_DUID[] = { 0, 3, 0, 1, 0x02, 0x00, 0x00, 0x00, 0x05, 0x47 };
static const uint8_t OTHER_DUID[] = { 0, 3, 0, 1, 0x02, 0x00, 0x00, 0x00, 0x06, 0x66 };
static const uint8_t KEY[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };
static char DIR_[128];

/* ------------------------------------------------------------ world */

static void setup(uint64_t seed)
{
    struct sim_link_params p = { .delay_ns = 1 * MS };
    W = sim_world_create(seed);
    CL = sim_stack(W, "cl", seed + 1, 0);
    SRV = sim_stack(W, "srv", seed + 2, 0);
    LAN = sim_stack(W, "lan", seed + 3, 0);
    struct sim_link *wan = sim_link_create(W, "wan", &p), *lan = sim_link_create(W, "lan", &p);
    sim_attach(wan, CL, "eth0", NULL);
    sim_attach(wan, SRV, "eth0", NULL);
    sim_attach(lan, CL, "eth1", NULL);
    sim_attach(lan, LAN, "eth0", NULL);
    T_EQ(scene_cmd(CL, NULL, "link set eth0 up"), 0);
    T_EQ(scene_cmd(CL, NULL, "link set eth1 up"), 0);
    T_EQ(scene_cmd(SRV, NULL, "link set eth0 up"), 0);
    T_EQ(scene_cmd(LAN, NULL, "link set eth0 up"), 0);
    SSD = six_socket(SRV, AF_INET6, SOCK_DGRAM, 0);
    struct sockaddr_in6 sa = { .sin6_family = AF_INET6, .sin6_port = htons(DHCP6_SERVER_PORT) };
    T_EQ(six_bind(SRV, SSD, (struct sockaddr *)&sa, sizeof sa), 0);
    struct ipv6_mreq mr = { .ipv6mr_multiaddr = DHCP6_ALL_AGENTS_INIT,
                            .ipv6mr_interface = if_find(SRV, "eth0")->index };
    T_EQ(six_setsockopt(SRV, SSD, IPPROTO_IPV6, IPV6_JOIN_GROUP, &mr, sizeof mr), 0);
    snprintf(DIR_, sizeof DIR_, "/tmp/d6cli-test-%d", (int)getpid());
    mkdir(DIR_, 0700);
    sim_run_for(W, 3 * SEC);   /* link-local addresses through DAD */
}

static void teardown(void)
{
    six_stack_destroy(CL);
    six_stack_destroy(SRV);
    six_stack_destroy(LAN);
    sim_world_destroy(W);
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf %s", DIR_);
    if (system(cmd)) {}
}

static struct d6c_if *CI(void)
{
    struct d6_client *cli = d6c_get(CL);
    for (int i = 0; cli && i < D6C_MAX_IFS; i++)
        if (cli->ifs[i].in_use && !strcmp(cli->ifs[i].ifname, "eth0"))
            return &cli->ifs[i];
    return NULL;
}

static uint64_t ctr(const char *name)
{
    uint64_t v = 0;
    T_EQ(six_counter_by_name(&CL->ctr, name, &v), 0);
    return v;
}

/* ------------------------------------------------------------ the scripted server */

struct rx {
    uint8_t buf[2048];
    size_t len;
    struct dhcp6_msg m;
    struct sockaddr_in6 from;
    uint64_t at;
};

static bool srv_readable(void *arg)
{
    (void)arg;
    struct six_pollfd p = { SSD, POLLIN, 0 };
    return six_poll(SRV, &p, 1) > 0;
}

/* The next message of type (0: any) within max_ns; false if none. */
static bool srv_wait(struct rx *r, uint8_t type, uint64_t max_ns)
{
    uint64_t end = sim_now(W) + max_ns;
    while (sim_now(W) <= end) {
        if (!sim_run_while_not(W, srv_readable, NULL, end - sim_now(W)))
            return false;
        socklen_t fl = sizeof r->from;
        ssize_t n = six_recvfrom(SRV, SSD, r->buf, sizeof r->buf, 0, (struct sockaddr *)&r->from, &fl);
        if (n <= 0)
            continue;
        r->len = (size_t)n;
        r->at = sim_now(W);
        if (dhcp6_parse(r->buf, r->len, &r->m) != WR_OK)
            continue;
        if (!type || r->m.type == type)
            return true;
    }
    return false;
}

struct offer {
    bool na, pd;
    const char *addr, *prefix;
    uint8_t plen;
    uint32_t t1, t2, pref, valid;
    int preference;            /* -1: none */
    bool rapid, key;
    uint64_t replay;
    uint32_t sol_max_rt;
    uint16_t pd_status;        /* 0: the prefix; else this status in IA_PD */
    uint16_t na_status;
    const uint8_t *duid;
    size_t duid_len;
    uint32_t xid_delta;        /* a wrong xid */
    bool wrong_clientid;
    const char *dns[4];        /* a Reply's DNS servers (none: 2001:db8::53) */
    const char *domain;        /* its domain (NULL: example.com) */
};

static uint32_t ia_iaid(const struct dhcp6_msg *m, uint16_t type)
{
    for (int i = 0; i < m->n_ia; i++)
        if (m->ia[i].type == type)
            return m->ia[i].iaid;
    return 0;
}

static void srv_sendto(const struct sockaddr_in6 *to, const uint8_t *b, size_t n)
{
    T_CHECK(n > 0);
    T_EQ(six_sendto(SRV, SSD, b, n, 0, (const struct sockaddr *)to, sizeof *to), (long long)n);
}

static void srv_answer(const struct rx *req, uint8_t type, const struct offer *o)
{
    uint8_t b[1500];
    struct dhcp6_builder bd;
    dhcp6_build_init(&bd, b, sizeof b);
    dhcp6_build_hdr(&bd, type, (req->m.xid + o->xid_delta) & 0xffffff);
    if (o->wrong_clientid)
        dhcp6_put_opt(&bd, D6O_CLIENTID, OTHER_DUID, sizeof OTHER_DUID);
    else
        dhcp6_put_opt(&bd, D6O_CLIENTID, req->m.clientid.p, req->m.clientid.len);
    dhcp6_put_opt(&bd, D6O_SERVERID, o->duid ? o->duid : SRV_DUID, o->duid ? o->duid_len : sizeof SRV_DUID);
    if (o->preference >= 0)
        dhcp6_put_u8(&bd, D6O_PREFERENCE, (uint8_t)o->preference);
    if (o->rapid)
        dhcp6_put_empty(&bd, D6O_RAPID_COMMIT);
    if (o->sol_max_rt)
        dhcp6_put_u32(&bd, D6O_SOL_MAX_RT, o->sol_max_rt);
    if (o->na) {
        struct in6_addr a = inj_a6(o->addr);
        dhcp6_begin_ia(&bd, D6O_IA_NA, ia_iaid(&req->m, D6O_IA_NA), o->t1, o->t2);
        if (o->na_status) {
            dhcp6_put_status(&bd, o->na_status, "no");
        } else {
            dhcp6_begin_iaaddr(&bd, &a, o->pref, o->valid);
            dhcp6_end(&bd);
        }
        dhcp6_end(&bd);
    }
    if (o->pd) {
        struct in6_addr p = inj_a6(o->prefix);
        dhcp6_begin_ia(&bd, D6O_IA_PD, ia_iaid(&req->m, D6O_IA_PD), o->t1, o->t2);
        if (o->pd_status) {
            dhcp6_put_status(&bd, o->pd_status, "none");
        } else {
            dhcp6_begin_iaprefix(&bd, &p, o->plen, o->pref, o->valid);
            dhcp6_end(&bd);
        }
        dhcp6_end(&bd);
    }
    if (type == DHCP6_REPLY) {
        struct in6_addr dns[4] = { inj_a6("2001:db8::53") };
        int nd = 0;
        while (nd < 4 && o->dns[nd]) {
            dns[nd] = inj_a6(o->dns[nd]);
            nd++;
        }
        dhcp6_put_addrs(&bd, D6O_DNS_SERVERS, dns, nd ? nd : 1);
        const char *dom[] = { o->domain ? o->domain : "example.com" };
        dhcp6_put_domains(&bd, dom, 1);
    }
    if (o->key) {
        uint8_t info[DHCP6_RKAP_INFO_LEN] = { DHCP6_RKAP_KEY };
        memcpy(info + 1, KEY, 16);
        dhcp6_put_auth(&bd, DHCP6_AUTH_PROTO_RKAP, DHCP6_AUTH_ALG_HMAC_MD5, DHCP6_AUTH_RDM_MONOTONIC, o->replay, info,
                       sizeof info, NULL);
    }
    srv_sendto(&req->from, b, dhcp6_build_done(&bd));
}

static struct offer full_offer(void)
{
    return (struct offer){ .na = true, .pd = true, .addr = "2001:db8:1::100", .prefix = "2001:db8:100::", .plen = 56,
                           .t1 = 100, .t2 = 160, .pref = 200, .valid = 300, .preference = -1 };
}

/* Start the client and take it to bound: returns the Request's rx in *req. */
static bool bind_client(const char *params, struct offer o, struct rx *req)
{
    struct rx sol;
    T_EQ(scene_cmd(CL, NULL, "dhcp6 client dev eth0 %s", params), 0);
    if (!srv_wait(&sol, DHCP6_SOLICIT, 3 * SEC))
        return false;
    o.preference = 255;
    srv_answer(&sol, DHCP6_ADVERTISE, &o);
    if (!srv_wait(req, DHCP6_REQUEST, 3 * SEC))
        return false;
    o.preference = -1;
    srv_answer(req, DHCP6_REPLY, &o);
    sim_run_for(W, 50 * MS);
    return CI() && CI()->state == D6C_BOUND;
}

static bool eq6(const struct in6_addr *a, const char *s)
{
    struct in6_addr b = inj_a6(s);
    return in6_eq(a, &b);
}

static bool has_addr(struct six_stack *st, const char *ifn, const char *a)
{
    struct in6_addr x = inj_a6(a);
    return in6_ifaddr_find(if_find(st, ifn), &x) != NULL;
}

/* A LAN host address inside prefix/64 (SLAAC), or NULL. */
static struct in6_ifaddr *lan_addr_in(const char *prefix)
{
    struct in6_addr p = inj_a6(prefix);
    struct in6_ifinfo *ii = if_find(LAN, "eth0")->in6;
    for (int i = 0; i < IN6_MAX_ADDRS_PER_IF; i++)
        if (ii->addrs[i].in_use && in6_prefix_eq(&ii->addrs[i].addr, &p, 64))
            return &ii->addrs[i];
    return NULL;
}

/* ------------------------------------------------------------ cases */

static bool ra_with(const struct inj_capture *cap, unsigned from, const char *pfx, struct nd_prefix *out);
static bool ra_rdnss(const struct inj_capture *cap, const char *dns, uint32_t *life);

TEST(four_message_exchange_numbers_the_lan)
{
    setup(100);
    struct rx sol, sol2, req;
    T_EQ(scene_cmd(CL, NULL, "dhcp6 client dev eth0 ia-na ia-pd hint /56 pd-to eth1 sla 1 reconfigure-accept"), 0);
    T_CHECK(srv_wait(&sol, DHCP6_SOLICIT, 2 * SEC));
    /* the Solicit: our DUID, no server id, elapsed 0, both IAs, the hint, ORO with DNS */
    T_CHECK(sol.m.clientid.len >= 10);
    T_CHECK(!sol.m.serverid.p);
    T_CHECK(sol.m.has_elapsed && sol.m.elapsed == 0);
    T_EQ(sol.m.n_ia, 2);
    T_CHECK(sol.m.reconf_accept);
    bool oro_dns = false;
    for (int i = 0; i < sol.m.n_oro; i++)
        oro_dns |= sol.m.oro[i] == D6O_DNS_SERVERS;
    T_CHECK(oro_dns);
    T_EQ(sol.m.ia[1].type, D6O_IA_PD);
    T_EQ(sol.m.ia[1].n_item, 1);
    T_EQ(sol.m.ia[1].item[0].plen, 56);
    T_EQ(sol.from.sin6_port, htons(DHCP6_CLIENT_PORT));
    T_CHECK(in6_is_linklocal(&sol.from.sin6_addr));
    /* an Advertise of preference 0 is kept until the first RT is over */
    struct offer o = full_offer();
    o.preference = 0;
    srv_answer(&sol, DHCP6_ADVERTISE, &o);
    uint64_t t0 = sol.at;
    T_CHECK(srv_wait(&req, 0, 3 * SEC));
    T_EQ(req.m.type, DHCP6_REQUEST);
    T_CHECK(req.at - t0 >= 1000 * MS && req.at - t0 <= 1101 * MS);
    T_CHECK(req.m.serverid.p && req.m.serverid.len == sizeof SRV_DUID && !memcmp(req.m.serverid.p, SRV_DUID, sizeof SRV_DUID));
    T_CHECK(req.m.clientid.len == sol.m.clientid.len && !memcmp(req.m.clientid.p, sol.m.clientid.p, sol.m.clientid.len));
    T_CHECK(req.m.xid != sol.m.xid);
    T_EQ(req.m.n_ia, 2);
    T_EQ(req.m.ia[0].n_item, 1);
    (void)sol2;
    srv_answer(&req, DHCP6_REPLY, &o);
    sim_run_for(W, 50 * MS);
    T_EQ(CI()->state, D6C_BOUND);
    T_EQ(ctr("dhcp6c.bound"), 1);
    T_CHECK(has_addr(CL, "eth0", "2001:db8:1::100"));
    T_CHECK(has_addr(CL, "eth1", "2001:db8:100:1::1"));
    T_CHECK(CL->fwd6);
    struct resolver_server_info rs[4];
    int n = resolver_servers(CL, rs, 4);
    T_EQ(n, 1);
    T_CHECK(n == 1 && rs[0].from_dhcp6 && eq6(&rs[0].addr, "2001:db8::53"));
    char dom[RES_MAX_DOMAINS][RES_DOMAIN_LEN];
    T_EQ(resolver_domains(CL, dom, RES_MAX_DOMAINS), 1);
    T_STREQ(dom[0], "example.com");
    /* the LAN host configures an address from the delegated /64; the RAs
     * carry the lease's lifetimes counting down and its DNS server */
    struct inj_capture cap = { 0 };
    inj_capture_start(&cap, if_find(LAN, "eth0"), true);
    sim_run_for(W, 5 * SEC);
    struct nd_prefix pi;
    T_CHECK(ra_with(&cap, 0, "2001:db8:100:1::", &pi));
    T_CHECK(pi.valid <= 300 && pi.valid >= 290 && pi.preferred <= 200 && pi.preferred >= 190 && pi.autonomous);
    uint32_t rl = 0;
    T_CHECK(ra_rdnss(&cap, "2001:db8::53", &rl));
    T_CHECK(rl > 0 && rl <= 300);
    inj_capture_stop(&cap);
    struct in6_ifaddr *la = lan_addr_in("2001:db8:100:1::");
    T_CHECK(la != NULL);
    T_CHECK(la && !(la->flags & IN6_IFF_DEPRECATED));
    /* show -j has the state, the lease and the downstream link */
    struct cmd_out out;
    cmd_out_init(&out);
    char line[] = "dhcp6 client show";
    char *argv[8];
    const char *why;
    int argc = cmd_split(line, argv, 8, &why);
    struct cmd_ctx cc = { .st = CL, .json = true, .out = &out, .err = &out };
    T_EQ(six_cmd_exec(&cc, argc, argv), 0);
    cmd_printf(&out, "%c", 0);
    T_CHECK(strstr(out.buf, "\"state\":\"bound\""));
    T_CHECK(strstr(out.buf, "\"addr\":\"2001:db8:1::100\",\"plen\":128"));
    T_CHECK(strstr(out.buf, "\"prefix\":\"2001:db8:100:1::/64\",\"active\":true"));
    T_CHECK(strstr(out.buf, "\"dns\":[\"2001:db8::53\"]"));
    T_CHECK(strstr(out.buf, "\"t1\":100,\"t2\":160"));
    cmd_out_free(&out);
    teardown();
}

TEST(preference_255_requests_at_once_and_rapid_commit_binds)
{
    setup(200);
    struct rx sol, req;
    T_EQ(scene_cmd(CL, NULL, "dhcp6 client dev eth0 ia-na"), 0);
    T_CHECK(srv_wait(&sol, DHCP6_SOLICIT, 2 * SEC));
    struct offer o = full_offer();
    o.pd = false;
    o.preference = 255;
    srv_answer(&sol, DHCP6_ADVERTISE, &o);
    T_CHECK(srv_wait(&req, DHCP6_REQUEST, 3 * SEC));
    T_CHECK(req.at - sol.at < 20 * MS);
    T_EQ(scene_cmd(CL, NULL, "dhcp6 client dev eth0 off"), 0);
    /* rapid commit: a Reply to the Solicit binds */
    T_EQ(scene_cmd(CL, NULL, "dhcp6 client dev eth0 ia-na rapid-commit"), 0);
    T_CHECK(srv_wait(&sol, DHCP6_SOLICIT, 2 * SEC));
    T_CHECK(sol.m.rapid_commit);
    o.preference = -1;
    o.rapid = true;
    srv_answer(&sol, DHCP6_REPLY, &o);
    sim_run_for(W, 50 * MS);
    T_EQ(CI()->state, D6C_BOUND);
    T_CHECK(has_addr(CL, "eth0", "2001:db8:1::100"));
    /* a Reply to a Solicit without Rapid Commit is refused */
    T_EQ(scene_cmd(CL, NULL, "dhcp6 client dev eth0 ia-na"), 0);
    T_CHECK(srv_wait(&sol, DHCP6_SOLICIT, 2 * SEC));
    uint64_t before = ctr("dhcp6c.drop_state");
    o.rapid = false;
    srv_answer(&sol, DHCP6_REPLY, &o);
    sim_run_for(W, 50 * MS);
    T_EQ(ctr("dhcp6c.drop_state"), before + 1);
    T_EQ(CI()->state, D6C_SOLICIT);
    teardown();
}

TEST(solicit_retransmission_and_sol_max_rt)
{
    setup(300);
    struct rx r;
    uint64_t at[64];
    int n = 0;
    T_EQ(scene_cmd(CL, NULL, "dhcp6 client dev eth0 ia-na"), 0);
    while (n < 8 && srv_wait(&r, DHCP6_SOLICIT, 200 * SEC))
        at[n++] = r.at;
    T_EQ(n, 8);
    uint64_t g1 = at[1] - at[0];
    T_CHECK(g1 > 1000 * MS && g1 <= 1102 * MS);   /* RT1 = IRT + RAND*IRT, RAND > 0 for the first Solicit */
    for (int i = 2; i < n; i++) {
        uint64_t prev = at[i - 1] - at[i - 2], g = at[i] - at[i - 1];
        T_CHECK(g * 100 >= prev * 190 - 300 * MS && g * 100 <= prev * 210 + 300 * MS);
    }
    /* an Advertise without addresses is ignored, but its SOL_MAX_RT counts */
    uint64_t before = ctr("dhcp6c.drop_adv_empty");
    struct offer o = full_offer();
    o.na_status = D6S_NO_ADDRS_AVAIL;
    o.pd = false;
    o.sol_max_rt = 60;
    srv_answer(&r, DHCP6_ADVERTISE, &o);
    sim_run_for(W, 10 * MS);
    T_EQ(ctr("dhcp6c.drop_adv_empty"), before + 1);
    T_EQ(CI()->sol_max_rt, 60);
    n = 0;
    while (n < 6 && srv_wait(&r, DHCP6_SOLICIT, 300 * SEC))
        at[n++] = r.at;
    T_EQ(n, 6);
    for (int i = 2; i < n; i++) {
        uint64_t g = at[i] - at[i - 1];
        T_CHECK(g >= 53900 * MS && g <= 66100 * MS);   /* MRT + RAND*MRT */
    }
    /* out of the bounds (60..86400): ignored */
    o.sol_max_rt = 30;
    srv_answer(&r, DHCP6_ADVERTISE, &o);
    sim_run_for(W, 10 * MS);
    T_EQ(CI()->sol_max_rt, 60);
    teardown();
}

TEST(renew_at_t1_rebind_at_t2)
{
    setup(400);
    struct rx req, ren, reb;
    struct offer o = full_offer();
    T_CHECK(bind_client("ia-na ia-pd pd-to eth1 sla 1", o, &req));
    uint64_t bound = sim_now(W);
    T_CHECK(srv_wait(&ren, DHCP6_RENEW, 200 * SEC));
    T_CHECK(ren.at - bound >= 99 * SEC && ren.at - bound <= 101 * SEC);
    T_CHECK(ren.m.serverid.p && ren.m.serverid.len == sizeof SRV_DUID);
    T_EQ(ren.m.n_ia, 2);
    T_CHECK(ren.m.has_elapsed && ren.m.elapsed == 0);
    /* unanswered: retransmitted (REN_TIMEOUT 10 s), elapsed time grows */
    T_CHECK(srv_wait(&ren, DHCP6_RENEW, 12 * SEC));
    T_CHECK(ren.m.elapsed >= 900 && ren.m.elapsed <= 1200);
    /* at T2: Rebind, without a server id */
    T_CHECK(srv_wait(&reb, DHCP6_REBIND, 80 * SEC));
    T_CHECK(reb.at - bound >= 159 * SEC && reb.at - bound <= 161 * SEC);
    T_CHECK(!reb.m.serverid.p);
    T_EQ(ctr("dhcp6c.out_rebind"), 1);
    srv_answer(&reb, DHCP6_REPLY, &o);
    sim_run_for(W, 50 * MS);
    T_EQ(CI()->state, D6C_BOUND);
    T_EQ(ctr("dhcp6c.rebound"), 1);
    /* the next Renew answered */
    T_CHECK(srv_wait(&ren, DHCP6_RENEW, 200 * SEC));
    srv_answer(&ren, DHCP6_REPLY, &o);
    sim_run_for(W, 50 * MS);
    T_EQ(ctr("dhcp6c.renewed"), 1);
    /* without answers the lease runs out: everything goes and Solicit starts */
    sim_run_for(W, 320 * SEC);
    T_EQ(ctr("dhcp6c.expired"), 1);
    T_CHECK(!has_addr(CL, "eth0", "2001:db8:1::100"));
    T_CHECK(CI()->state == D6C_SOLICIT);
    struct resolver_server_info rs[4];
    T_EQ(resolver_servers(CL, rs, 4), 0);
    teardown();
}

static bool ra_with(const struct inj_capture *cap, unsigned from, const char *pfx, struct nd_prefix *out)
{
    struct in6_addr p = inj_a6(pfx);
    bool found = false;
    for (unsigned i = from; i < cap->n; i++) {
        struct inj_icmp6 ic;
        struct nd_ra ra;
        if (!inj_parse_icmp6(cap->f[i].d, cap->f[i].len, &ic) || ic.type != ND_ROUTER_ADVERT)
            continue;
        if (nd_ra_parse(ic.body - 8, ic.body_len + 8, &ra) != WR_OK)
            continue;
        for (int k = 0; k < ra.opts.n_pi; k++)
            if (ra.opts.pi[k].plen == 64 && in6_eq(&ra.opts.pi[k].prefix, &p)) {
                *out = ra.opts.pi[k];
                found = true;
            }
    }
    return found;
}

static bool ra_rdnss(const struct inj_capture *cap, const char *dns, uint32_t *life)
{
    for (unsigned i = 0; i < cap->n; i++) {
        struct inj_icmp6 ic;
        struct nd_ra ra;
        if (!inj_parse_icmp6(cap->f[i].d, cap->f[i].len, &ic) || ic.type != ND_ROUTER_ADVERT ||
            nd_ra_parse(ic.body - 8, ic.body_len + 8, &ra) != WR_OK)
            continue;
        for (int k = 0; k < ra.opts.n_rdnss; k++)
            if (eq6(&ra.opts.rdnss[k], dns)) {
                *life = ra.opts.rdnss_lifetime;
                return true;
            }
    }
    return false;
}

TEST(prefix_change_deprecates_the_old_subnet_at_once)
{
    setup(500);
    struct rx req, ren;
    struct offer o = full_offer();
    T_CHECK(bind_client("ia-pd pd-to eth1 sla 1", o, &req));
    sim_run_for(W, 5 * SEC);
    T_CHECK(lan_addr_in("2001:db8:100:1::") != NULL);
    struct inj_capture cap = { 0 };
    inj_capture_start(&cap, if_find(LAN, "eth0"), true);
    T_CHECK(srv_wait(&ren, DHCP6_RENEW, 200 * SEC));
    o.na = false;
    o.prefix = "2001:db8:200::";
    inj_capture_clear(&cap);
    srv_answer(&ren, DHCP6_REPLY, &o);
    sim_run_for(W, 20 * MS);   /* at once, not at the next interval */
    struct nd_prefix old, nw;
    T_CHECK(ra_with(&cap, 0, "2001:db8:100:1::", &old));
    T_EQ(old.preferred, 0);
    T_CHECK(old.valid > 0 && old.valid <= D6C_RFC9096_VALID);
    T_CHECK(ra_with(&cap, 0, "2001:db8:200:1::", &nw));
    T_CHECK(nw.preferred > 0);
    T_EQ(ctr("dhcp6c.prefix_changed"), 1);
    struct in6_ifaddr *la = lan_addr_in("2001:db8:100:1::");
    T_CHECK(la && (la->flags & IN6_IFF_DEPRECATED));
    sim_run_for(W, 5 * SEC);
    T_CHECK(lan_addr_in("2001:db8:200:1::") != NULL);
    T_CHECK(has_addr(CL, "eth1", "2001:db8:200:1::1"));
    struct in6_addr o1 = inj_a6("2001:db8:100:1::1");
    struct in6_ifaddr *old1 = in6_ifaddr_find(if_find(CL, "eth1"), &o1);
    T_CHECK(old1 && (old1->flags & IN6_IFF_DEPRECATED));
    /* NoPrefixAvail at the next Renew: the prefix is lost, deprecated the same way */
    T_CHECK(srv_wait(&ren, DHCP6_RENEW, 200 * SEC));
    o.pd_status = D6S_NO_PREFIX_AVAIL;
    inj_capture_clear(&cap);
    srv_answer(&ren, DHCP6_REPLY, &o);
    sim_run_for(W, 20 * MS);
    T_CHECK(ra_with(&cap, 0, "2001:db8:200:1::", &old));
    T_EQ(old.preferred, 0);
    T_EQ(ctr("dhcp6c.prefix_lost"), 1);
    inj_capture_stop(&cap);
    teardown();
}

/* A Reconfigure from server duid with replay counter rc, HMAC made under key (or broken). */
/* auth: 0 none, 1 RKAP, 2 another protocol (delayed authentication, 2) */
static void send_reconf(const uint8_t *duid, size_t dl, uint64_t rc, const uint8_t *key, bool break_hmac, int auth)
{
    struct d6c_if *c = CI();
    uint8_t b[512];
    struct dhcp6_builder bd;
    size_t info_off = 0;
    dhcp6_build_init(&bd, b, sizeof b);
    dhcp6_build_hdr(&bd, DHCP6_RECONFIGURE, 0);
    dhcp6_put_opt(&bd, D6O_CLIENTID, d6c_get(CL)->duid, d6c_get(CL)->duid_len);
    dhcp6_put_opt(&bd, D6O_SERVERID, duid, dl);
    dhcp6_put_u8(&bd, D6O_RECONF_MSG, DHCP6_RENEW);
    uint8_t info[DHCP6_RKAP_INFO_LEN] = { DHCP6_RKAP_HMAC };
    if (auth)
        dhcp6_put_auth(&bd, auth == 1 ? DHCP6_AUTH_PROTO_RKAP : 2, DHCP6_AUTH_ALG_HMAC_MD5, DHCP6_AUTH_RDM_MONOTONIC, rc, info,
                       sizeof info, &info_off);
    size_t n = dhcp6_build_done(&bd);
    if (auth) {
        uint8_t mac[EVP_MAX_MD_SIZE];
        size_t ml = 0;
        T_CHECK(EVP_Q_mac(NULL, "HMAC", NULL, "MD5", NULL, key, 16, b, n, mac, sizeof mac, &ml) != NULL);
        memcpy(b + info_off + 1, mac, 16);
        if (break_hmac)
            b[info_off + 5] ^= 1;
    }
    struct sockaddr_in6 to = { .sin6_family = AF_INET6, .sin6_port = htons(DHCP6_CLIENT_PORT),
                               .sin6_addr = *in6_linklocal(if_find(CL, "eth0")),
                               .sin6_scope_id = if_find(SRV, "eth0")->index };
    (void)c;
    srv_sendto(&to, b, n);
    sim_run_for(W, 20 * MS);
}

TEST(reconfigure_needs_key_hmac_fresh_counter_and_our_server)
{
    setup(600);
    struct rx req, ren;
    struct offer o = full_offer();
    o.key = true;
    o.replay = 5;
    T_CHECK(bind_client("ia-na reconfigure-accept", o, &req));
    T_CHECK(req.m.reconf_accept);
    T_CHECK(CI()->have_rkey);
    /* good: Renew at once */
    send_reconf(SRV_DUID, sizeof SRV_DUID, 6, KEY, false, 1);
    T_EQ(ctr("dhcp6c.reconf_accepted"), 1);
    T_CHECK(srv_wait(&ren, DHCP6_RENEW, 1 * SEC));
    o.key = false;
    srv_answer(&ren, DHCP6_REPLY, &o);
    sim_run_for(W, 50 * MS);
    T_EQ(CI()->state, D6C_BOUND);
    /* the same counter again: a replay */
    send_reconf(SRV_DUID, sizeof SRV_DUID, 6, KEY, false, 1);
    T_EQ(ctr("dhcp6c.drop_reconf_replay"), 1);
    /* a counter below the Reply's */
    send_reconf(SRV_DUID, sizeof SRV_DUID, 4, KEY, false, 1);
    T_EQ(ctr("dhcp6c.drop_reconf_replay"), 2);
    /* a bad HMAC, a wrong key */
    send_reconf(SRV_DUID, sizeof SRV_DUID, 7, KEY, true, 1);
    uint8_t other[16] = { 9 };
    send_reconf(SRV_DUID, sizeof SRV_DUID, 8, other, false, 1);
    T_EQ(ctr("dhcp6c.drop_reconf_bad_hmac"), 2);
    /* another server */
    send_reconf(OTHER_DUID, sizeof OTHER_DUID, 9, KEY, false, 1);
    T_EQ(ctr("dhcp6c.drop_reconf_unknown_server"), 1);
    /* no AUTH: the role check refuses it; another protocol: refused here */
    send_reconf(SRV_DUID, sizeof SRV_DUID, 10, KEY, false, 0);
    T_EQ(ctr("dhcp6c.drop.missing_auth"), 1);
    send_reconf(SRV_DUID, sizeof SRV_DUID, 11, KEY, false, 2);
    T_EQ(ctr("dhcp6c.drop_reconf_bad_auth"), 1);
    T_EQ(ctr("dhcp6c.reconf_accepted"), 1);
    T_EQ(CI()->state, D6C_BOUND);
    /* a refused counter did not move the window: 7 (whose HMAC was bad before) still works */
    send_reconf(SRV_DUID, sizeof SRV_DUID, 7, KEY, false, 1);
    T_EQ(ctr("dhcp6c.reconf_accepted"), 2);
    teardown();
}

TEST(reconfigure_without_key_is_refused)
{
    setup(650);
    struct rx req;
    struct offer o = full_offer();
    T_CHECK(bind_client("ia-na", o, &req));
    send_reconf(SRV_DUID, sizeof SRV_DUID, 1, KEY, false, 1);
    T_EQ(ctr("dhcp6c.drop_reconf_no_key"), 1);
    T_EQ(ctr("dhcp6c.reconf_accepted"), 0);
    teardown();
}

TEST(rebind_to_another_server_forgets_the_key)
{
    setup(660);
    struct rx req, reb;
    struct offer o = full_offer();
    o.pd = false;
    o.key = true;
    o.replay = 1;
    T_CHECK(bind_client("ia-na reconfigure-accept", o, &req));
    T_CHECK(srv_wait(&reb, DHCP6_REBIND, 200 * SEC));   /* Renews unanswered */
    o.key = false;
    o.duid = OTHER_DUID;
    o.duid_len = sizeof OTHER_DUID;
    srv_answer(&reb, DHCP6_REPLY, &o);
    sim_run_for(W, 50 * MS);
    T_EQ(ctr("dhcp6c.rebound"), 1);
    /* the first server's key is no key of the second's */
    send_reconf(OTHER_DUID, sizeof OTHER_DUID, 2, KEY, false, 1);
    T_EQ(ctr("dhcp6c.reconf_accepted"), 0);
    T_EQ(ctr("dhcp6c.drop_reconf_no_key"), 1);
    teardown();
}

TEST(wrong_xid_or_client_id_dropped)
{
    setup(700);
    struct rx sol, req;
    T_EQ(scene_cmd(CL, NULL, "dhcp6 client dev eth0 ia-na"), 0);
    T_CHECK(srv_wait(&sol, DHCP6_SOLICIT, 2 * SEC));
    struct offer o = full_offer();
    o.pd = false;
    o.preference = 255;
    o.xid_delta = 1;
    srv_answer(&sol, DHCP6_ADVERTISE, &o);
    o.xid_delta = 0;
    o.wrong_clientid = true;
    srv_answer(&sol, DHCP6_ADVERTISE, &o);
    sim_run_for(W, 20 * MS);
    T_EQ(ctr("dhcp6c.drop_xid"), 1);
    T_EQ(ctr("dhcp6c.drop_clientid"), 1);
    T_EQ(CI()->state, D6C_SOLICIT);
    o.wrong_clientid = false;
    srv_answer(&sol, DHCP6_ADVERTISE, &o);
    T_CHECK(srv_wait(&req, DHCP6_REQUEST, 1 * SEC));
    o.xid_delta = 7;
    srv_answer(&req, DHCP6_REPLY, &o);
    sim_run_for(W, 20 * MS);
    T_EQ(ctr("dhcp6c.drop_xid"), 2);
    T_EQ(CI()->state, D6C_REQUEST);
    teardown();
}

TEST(dad_failure_declines_the_address)
{
    setup(800);
    struct rx sol, req, dec;
    /* the server's own stack already uses the address: it defends it */
    T_EQ(scene_cmd(SRV, NULL, "addr add 2001:db8:1::100/64 dev eth0"), 0);
    sim_run_for(W, 2 * SEC);
    struct offer o = full_offer();
    o.pd = false;
    T_EQ(scene_cmd(CL, NULL, "dhcp6 client dev eth0 ia-na"), 0);
    T_CHECK(srv_wait(&sol, DHCP6_SOLICIT, 2 * SEC));
    o.preference = 255;
    srv_answer(&sol, DHCP6_ADVERTISE, &o);
    T_CHECK(srv_wait(&req, DHCP6_REQUEST, 2 * SEC));
    o.preference = -1;
    srv_answer(&req, DHCP6_REPLY, &o);
    T_CHECK(srv_wait(&dec, DHCP6_DECLINE, 3 * SEC));
    T_CHECK(dec.m.serverid.p != NULL);
    T_EQ(dec.m.n_ia, 1);
    T_CHECK(dec.m.n_ia == 1 && dec.m.ia[0].n_item == 1 &&
            eq6(&dec.m.ia[0].item[0].addr, "2001:db8:1::100"));
    T_EQ(ctr("dhcp6c.declined"), 1);
    T_CHECK(!has_addr(CL, "eth0", "2001:db8:1::100"));
    /* the Decline answered: nothing left of the lease, so a new Solicit */
    struct offer none = { .preference = -1 };
    srv_answer(&dec, DHCP6_REPLY, &none);
    T_CHECK(srv_wait(&sol, DHCP6_SOLICIT, 3 * SEC));
    teardown();
}

TEST(link_down_up_confirms)
{
    setup(900);
    struct rx req, cnf;
    struct offer o = full_offer();
    o.pd = false;
    T_CHECK(bind_client("ia-na", o, &req));
    T_EQ(scene_cmd(CL, NULL, "link set eth0 down"), 0);
    sim_run_for(W, 1 * SEC);
    T_EQ(scene_cmd(CL, NULL, "link set eth0 up"), 0);
    T_CHECK(srv_wait(&cnf, DHCP6_CONFIRM, 5 * SEC));
    T_CHECK(!cnf.m.serverid.p);
    T_CHECK(cnf.m.n_ia == 1 && cnf.m.ia[0].n_item == 1);
    struct offer ok = { .preference = -1 };
    srv_answer(&cnf, DHCP6_REPLY, &ok);
    sim_run_for(W, 50 * MS);
    T_EQ(ctr("dhcp6c.confirmed"), 1);
    T_EQ(CI()->state, D6C_BOUND);
    teardown();
}

TEST(release_only_when_asked_and_duid_kept)
{
    setup(1000);
    struct rx req, rel, sol;
    char file[256];
    snprintf(file, sizeof file, "%s/duid", DIR_);
    struct offer o = full_offer();
    char params[400];
    snprintf(params, sizeof params, "ia-na ia-pd pd-to eth1 sla 2 duid-file %s", file);
    T_CHECK(bind_client(params, o, &req));
    uint8_t duid[DHCP6_DUID_MAX];
    size_t dl = req.m.clientid.len;
    memcpy(duid, req.m.clientid.p, dl);
    T_EQ(duid[1], DUID_LLT);
    /* off without release: nothing sent, the address goes from the interface */
    T_EQ(scene_cmd(CL, NULL, "dhcp6 client dev eth0 off"), 0);
    T_CHECK(!srv_wait(&rel, 0, 3 * SEC));
    T_CHECK(!has_addr(CL, "eth0", "2001:db8:1::100"));
    /* a new client with the same file: the same DUID */
    T_EQ(scene_cmd(CL, NULL, "dhcp6 client show"), 0);
    d6c_get(CL)->duid_len = 0;
    d6c_get(CL)->duid_path[0] = 0;
    T_CHECK(bind_client(params, o, &req));
    T_CHECK(req.m.clientid.len == dl && !memcmp(req.m.clientid.p, duid, dl));
    /* off release: a Release with our server id and both IAs */
    T_EQ(scene_cmd(CL, NULL, "dhcp6 client dev eth0 off release"), 0);
    T_CHECK(srv_wait(&rel, DHCP6_RELEASE, 2 * SEC));
    T_CHECK(rel.m.serverid.p && rel.m.serverid.len == sizeof SRV_DUID);
    T_EQ(rel.m.n_ia, 2);
    struct offer none = { .preference = -1 };
    srv_answer(&rel, DHCP6_REPLY, &none);
    sim_run_for(W, 50 * MS);
    T_EQ(ctr("dhcp6c.released"), 1);
    T_CHECK(CI() == NULL);
    T_CHECK(!has_addr(CL, "eth0", "2001:db8:1::100"));
    T_CHECK(!srv_wait(&sol, DHCP6_SOLICIT, 3 * SEC));
    teardown();
}

TEST(info_only_asks_information_request)
{
    setup(1100);
    struct rx ir;
    T_EQ(scene_cmd(CL, NULL, "dhcp6 client dev eth0 info-only"), 0);
    T_CHECK(srv_wait(&ir, DHCP6_INFORMATION_REQUEST, 3 * SEC));
    T_EQ(ir.m.n_ia, 0);
    T_CHECK(!ir.m.serverid.p);
    struct offer none = { .preference = -1 };
    srv_answer(&ir, DHCP6_REPLY, &none);
    sim_run_for(W, 50 * MS);
    T_EQ(CI()->n_dns, 1);
    T_EQ(ctr("dhcp6c.info_refreshed"), 1);
    /* no INFORMATION_REFRESH_TIME: a day (IRT_DEFAULT) */
    T_CHECK(!srv_wait(&ir, DHCP6_INFORMATION_REQUEST, 86000 * SEC));
    T_CHECK(srv_wait(&ir, DHCP6_INFORMATION_REQUEST, 1000 * SEC));
    teardown();
}

TEST(command_errors)
{
    setup(1200);
    T_EQ(scene_cmd(CL, NULL, "dhcp6 client dev nosuch ia-na"), 1);
    T_EQ(scene_cmd(CL, NULL, "dhcp6 client dev eth0 ia-na pd-to eth1 sla 1"), 1);   /* pd-to without ia-pd */
    T_EQ(scene_cmd(CL, NULL, "dhcp6 client dev eth0 ia-pd pd-to eth1 sla"), 2);
    T_EQ(scene_cmd(CL, NULL, "dhcp6 client dev eth0 ia-pd hint /200"), 2);
    T_EQ(scene_cmd(CL, NULL, "dhcp6 client dev eth0 info-only ia-na"), 2);
    T_EQ(scene_cmd(CL, NULL, "dhcp6 client dev eth0 off"), 1);
    T_EQ(scene_cmd(CL, NULL, "dhcp6 client show"), 0);
    teardown();
}

TEST(pd_subnet_arithmetic)
{
    struct in6_addr p = inj_a6("2001:db8:100::"), out;
    T_CHECK(d6c_pd_subnet(&p, 56, 1, &out));
    T_CHECK(eq6(&out, "2001:db8:100:1::"));
    T_CHECK(d6c_pd_subnet(&p, 56, 255, &out));
    T_CHECK(eq6(&out, "2001:db8:100:ff::"));
    T_CHECK(!d6c_pd_subnet(&p, 56, 256, &out));
    T_CHECK(d6c_pd_subnet(&p, 64, 0, &out));
    T_CHECK(!d6c_pd_subnet(&p, 64, 1, &out));
    T_CHECK(!d6c_pd_subnet(&p, 72, 0, &out));
    p = inj_a6("2001:db8::");
    T_CHECK(d6c_pd_subnet(&p, 48, 0xabcd, &out));
    T_CHECK(eq6(&out, "2001:db8:0:abcd::"));
}

/* The bound line logs every address: 8 IAADDRs of long text overran its
 * 512-byte buffer (found under ASan: stack-buffer-overflow in log_lease). */
TEST(log_lease_with_eight_long_addresses)
{
    setup(1300);
    struct rx sol, req;
    T_EQ(scene_cmd(CL, NULL, "dhcp6 client dev eth0 ia-na"), 0);
    T_CHECK(srv_wait(&sol, DHCP6_SOLICIT, 3 * SEC));
    for (int round = 0; round < 2; round++) {
        struct rx *rq = round ? &req : &sol;
        uint8_t b[1500];
        struct dhcp6_builder bd;
        dhcp6_build_init(&bd, b, sizeof b);
        dhcp6_build_hdr(&bd, round ? DHCP6_REPLY : DHCP6_ADVERTISE, rq->m.xid);
        dhcp6_put_opt(&bd, D6O_CLIENTID, rq->m.clientid.p, rq->m.clientid.len);
        dhcp6_put_opt(&bd, D6O_SERVERID, SRV_DUID, sizeof SRV_DUID);
        if (!round)
            dhcp6_put_u8(&bd, D6O_PREFERENCE, 255);
        dhcp6_begin_ia(&bd, D6O_IA_NA, ia_iaid(&rq->m, D6O_IA_NA), 0, 0);
        for (int i = 0; i < 8; i++) {
            char s[64];
            uint32_t valid = 4000000000u;
            if (i == 6) {   /* one short one puts the offset just under the old guard before the last */
                snprintf(s, sizeof s, "2001:db8:1::100");
                valid = 12345;
            } else {
                snprintf(s, sizeof s, "2001:abcd:1111:2222:3333:4444:5555:66%02x", 0x10 + i);
            }
            struct in6_addr a = inj_a6(s);
            dhcp6_begin_iaaddr(&bd, &a, 1000, valid);
            dhcp6_end(&bd);
        }
        dhcp6_end(&bd);
        srv_sendto(&rq->from, b, dhcp6_build_done(&bd));
        if (!round)
            T_CHECK(srv_wait(&req, DHCP6_REQUEST, 3 * SEC));
    }
    sim_run_for(W, 50 * MS);
    T_EQ(CI()->state, D6C_BOUND);
    T_EQ(CI()->n_na, 8);
    teardown();
}

/* A lease of a year with T2 of two days and the server gone: the Rebind's
 * MRD (the rest of the valid lifetime, ~363 days) overflowed 32-bit
 * milliseconds (49.7 days), so the lease was dropped ~15 days after T2. */
TEST(rebind_mrd_of_a_long_lease)
{
    setup(1400);
    struct rx req;
    struct offer o = full_offer();
    o.pd = false;
    o.t1 = 86400;
    o.t2 = 2 * 86400;
    o.pref = o.valid = 365u * 86400;
    T_CHECK(bind_client("ia-na", o, &req));
    sim_run_for(W, 2 * 86400ull * SEC + 60 * SEC);
    T_EQ(CI()->state, D6C_REBIND);
    T_CHECK(CI()->mrd_ms > 360ull * 86400 * 1000);
    sim_run_for(W, 30ull * 86400 * SEC);
    T_EQ(ctr("dhcp6c.expired"), 0);
    T_EQ(CI()->state, D6C_REBIND);
    T_CHECK(has_addr(CL, "eth0", "2001:db8:1::100"));
    teardown();
}

struct pfx { const char *p; uint8_t plen; uint32_t pref, valid; };

/* Answer rq (type) with an IA_NA holding addr (NULL: none) and an IA_PD
 * holding the n prefixes, T1/T2 of both IAs as given. */
static void answer_items(const struct rx *rq, uint8_t type, const char *addr, uint32_t a_pref, uint32_t a_valid,
                         const struct pfx *px, int n, uint32_t t1, uint32_t t2)
{
    uint8_t b[1500];
    struct dhcp6_builder bd;
    dhcp6_build_init(&bd, b, sizeof b);
    dhcp6_build_hdr(&bd, type, rq->m.xid);
    dhcp6_put_opt(&bd, D6O_CLIENTID, rq->m.clientid.p, rq->m.clientid.len);
    dhcp6_put_opt(&bd, D6O_SERVERID, SRV_DUID, sizeof SRV_DUID);
    if (type == DHCP6_ADVERTISE)
        dhcp6_put_u8(&bd, D6O_PREFERENCE, 255);
    if (addr) {
        struct in6_addr a = inj_a6(addr);
        dhcp6_begin_ia(&bd, D6O_IA_NA, ia_iaid(&rq->m, D6O_IA_NA), t1, t2);
        dhcp6_begin_iaaddr(&bd, &a, a_pref, a_valid);
        dhcp6_end(&bd);
        dhcp6_end(&bd);
    }
    if (n) {
        dhcp6_begin_ia(&bd, D6O_IA_PD, ia_iaid(&rq->m, D6O_IA_PD), t1, t2);
        for (int i = 0; i < n; i++) {
            struct in6_addr a = inj_a6(px[i].p);
            dhcp6_begin_iaprefix(&bd, &a, px[i].plen, px[i].pref, px[i].valid);
            dhcp6_end(&bd);
        }
        dhcp6_end(&bd);
    }
    srv_sendto(&rq->from, b, dhcp6_build_done(&bd));
}

/* Delegated prefixes that must not number the LAN: ::/0, too short or too
 * long, reserved ranges, the upstream link's own /64 (the IA_NA address is
 * in it) and a prefix covering an address configured on the upstream link. */
TEST(bad_delegated_prefixes_ignored)
{
    setup(1500);
    struct rx sol, req;
    T_EQ(scene_cmd(CL, NULL, "addr add 2001:db8:7::5/64 dev eth0"), 0);
    T_EQ(scene_cmd(CL, NULL, "dhcp6 client dev eth0 ia-na ia-pd pd-to eth1 sla 0"), 0);
    T_CHECK(srv_wait(&sol, DHCP6_SOLICIT, 3 * SEC));
    const struct pfx px[] = {
        { "::", 0, 900, 1000 },               /* the whole address space */
        { "2000::", 4, 900, 1000 },           /* shorter than /8 */
        { "2001:db8:300::", 72, 900, 1000 },  /* longer than /64 */
        { "fe80::", 16, 900, 1000 },          /* link-local */
        { "ff05::", 16, 900, 1000 },          /* multicast */
        { "2001:db8:1::", 64, 900, 1000 },    /* the IA_NA address's /64 */
        { "2001:db8::", 40, 900, 1000 },      /* covers 2001:db8:7::5/64 on eth0 */
        { "2001:db8:200::", 56, 100, 1000 },  /* good, and the least preferred */
    };
    answer_items(&sol, DHCP6_ADVERTISE, "2001:db8:1::100", 900, 1000, px, 8, 0, 0);
    T_CHECK(srv_wait(&req, DHCP6_REQUEST, 3 * SEC));
    T_CHECK(req.m.n_ia == 2 && req.m.ia[1].n_item == 1);   /* only the good prefix is asked for */
    answer_items(&req, DHCP6_REPLY, "2001:db8:1::100", 900, 1000, px, 8, 0, 0);
    sim_run_for(W, 50 * MS);
    T_EQ(CI()->state, D6C_BOUND);
    T_EQ(CI()->n_pd, 1);
    T_EQ(ctr("dhcp6c.drop_bad_prefix"), 14);   /* seven in each of Advertise and Reply */
    T_CHECK(has_addr(CL, "eth1", "2001:db8:200::1"));
    T_CHECK(!has_addr(CL, "eth1", "2001:db8:1::1"));
    T_CHECK(!has_addr(CL, "eth1", "::1"));
    T_CHECK(!has_addr(CL, "eth1", "2001:db8::1"));
    teardown();
}

/* RFC 9915 §21.4/§21.21: an IA with T1 > T2 (both non-zero) is discarded;
 * §21.6/§21.22: an item with preferred > valid is discarded. */
TEST(ia_t1_above_t2_and_preferred_above_valid_discarded)
{
    setup(1600);
    struct rx sol, req;
    T_EQ(scene_cmd(CL, NULL, "dhcp6 client dev eth0 ia-na ia-pd"), 0);
    T_CHECK(srv_wait(&sol, DHCP6_SOLICIT, 3 * SEC));
    const struct pfx good = { "2001:db8:200::", 56, 500, 1000 }, bad = { "2001:db8:200::", 56, 1001, 1000 };
    answer_items(&sol, DHCP6_ADVERTISE, "2001:db8:1::100", 500, 1000, &good, 1, 300, 200);
    sim_run_for(W, 20 * MS);
    T_EQ(ctr("dhcp6c.drop_bad_ia"), 2);
    T_EQ(ctr("dhcp6c.drop_adv_empty"), 1);
    answer_items(&sol, DHCP6_ADVERTISE, "2001:db8:1::100", 1001, 1000, &bad, 1, 0, 0);
    sim_run_for(W, 20 * MS);
    T_EQ(ctr("dhcp6c.drop_bad_lifetime"), 2);
    T_EQ(ctr("dhcp6c.drop_adv_empty"), 2);
    T_EQ(CI()->state, D6C_SOLICIT);
    answer_items(&sol, DHCP6_ADVERTISE, "2001:db8:1::100", 500, 1000, &good, 1, 200, 300);
    T_CHECK(srv_wait(&req, DHCP6_REQUEST, 3 * SEC));
    answer_items(&req, DHCP6_REPLY, "2001:db8:1::100", 500, 1000, &good, 1, 300, 200);   /* T1 > T2 */
    sim_run_for(W, 50 * MS);
    T_CHECK(CI()->state != D6C_BOUND);
    T_CHECK(!has_addr(CL, "eth0", "2001:db8:1::100"));
    teardown();
}

/* An Advertise / Reply must come to our link-local address: one sent to a
 * global address of the router (from anywhere that routes to it) is off-link
 * and dropped; a Reconfigure to a global address is still looked at. */
TEST(advertise_or_reply_to_a_global_address_dropped)
{
    setup(1700);
    struct rx sol, req;
    T_EQ(scene_cmd(CL, NULL, "addr add 2001:db8:9::1/64 dev eth0"), 0);
    T_EQ(scene_cmd(SRV, NULL, "addr add 2001:db8:9::2/64 dev eth0"), 0);
    sim_run_for(W, 3 * SEC);
    T_EQ(scene_cmd(CL, NULL, "dhcp6 client dev eth0 ia-na"), 0);
    T_CHECK(srv_wait(&sol, DHCP6_SOLICIT, 3 * SEC));
    struct rx glob = sol;
    glob.from.sin6_addr = inj_a6("2001:db8:9::1");
    glob.from.sin6_scope_id = 0;
    struct offer o = full_offer();
    o.pd = false;
    o.preference = 255;
    srv_answer(&glob, DHCP6_ADVERTISE, &o);
    sim_run_for(W, 20 * MS);
    T_EQ(ctr("dhcp6c.drop_offlink"), 1);
    T_EQ(ctr("dhcp6c.in_advertise"), 0);
    T_EQ(CI()->state, D6C_SOLICIT);
    o.rapid = true;   /* not asked for, but the drop comes first */
    srv_answer(&glob, DHCP6_REPLY, &o);
    sim_run_for(W, 20 * MS);
    T_EQ(ctr("dhcp6c.drop_offlink"), 2);
    o.rapid = false;
    srv_answer(&sol, DHCP6_ADVERTISE, &o);   /* to the link-local source: taken */
    T_CHECK(srv_wait(&req, DHCP6_REQUEST, 3 * SEC));
    glob = req;
    glob.from.sin6_addr = inj_a6("2001:db8:9::1");
    glob.from.sin6_scope_id = 0;
    o.preference = -1;
    srv_answer(&glob, DHCP6_REPLY, &o);
    sim_run_for(W, 20 * MS);
    T_EQ(ctr("dhcp6c.drop_offlink"), 3);
    T_EQ(CI()->state, D6C_REQUEST);
    srv_answer(&req, DHCP6_REPLY, &o);
    sim_run_for(W, 20 * MS);
    T_EQ(CI()->state, D6C_BOUND);
    teardown();
}

/* Two client interfaces, each with its lease's DNS servers and domains:
 * both are used (in the order the clients were configured, a link-local
 * server scoped to its interface, unusable addresses refused), and one
 * lease ending leaves the other's. */
TEST(dns_of_two_client_interfaces_kept_apart)
{
    setup(1800);
    struct rx req, sol2, req2;
    struct offer o = full_offer();
    o.pd = false;
    T_CHECK(bind_client("ia-na", o, &req));
    /* the LAN host is a second scripted server, on eth1's link */
    struct six_stack *srv0 = SRV;
    int ssd0 = SSD;
    int lsd = six_socket(LAN, AF_INET6, SOCK_DGRAM, 0);
    struct sockaddr_in6 sa = { .sin6_family = AF_INET6, .sin6_port = htons(DHCP6_SERVER_PORT) };
    T_EQ(six_bind(LAN, lsd, (struct sockaddr *)&sa, sizeof sa), 0);
    struct ipv6_mreq mr = { .ipv6mr_multiaddr = DHCP6_ALL_AGENTS_INIT, .ipv6mr_interface = if_find(LAN, "eth0")->index };
    T_EQ(six_setsockopt(LAN, lsd, IPPROTO_IPV6, IPV6_JOIN_GROUP, &mr, sizeof mr), 0);
    SRV = LAN;
    SSD = lsd;
    T_EQ(scene_cmd(CL, NULL, "dhcp6 client dev eth1 ia-na"), 0);
    T_CHECK(srv_wait(&sol2, DHCP6_SOLICIT, 3 * SEC));
    struct offer o2 = o;
    o2.addr = "2001:db8:2::100";
    o2.preference = 255;
    srv_answer(&sol2, DHCP6_ADVERTISE, &o2);
    T_CHECK(srv_wait(&req2, DHCP6_REQUEST, 3 * SEC));
    o2.preference = -1;
    o2.dns[0] = "::1";
    o2.dns[1] = "fe80::53";
    o2.dns[2] = "::ffff:192.0.2.53";
    o2.dns[3] = "2001:db8:2::53";
    o2.domain = "lan.example";
    srv_answer(&req2, DHCP6_REPLY, &o2);
    sim_run_for(W, 50 * MS);
    SRV = srv0;
    SSD = ssd0;
    unsigned eth1 = if_find(CL, "eth1")->index;
    struct resolver_server_info rs[8];
    int n = resolver_servers(CL, rs, 8);
    T_EQ(n, 3);
    T_CHECK(n >= 1 && eq6(&rs[0].addr, "2001:db8::53") && rs[0].scope == 0);
    T_CHECK(n >= 2 && eq6(&rs[1].addr, "fe80::53") && rs[1].scope == eth1);
    T_CHECK(n >= 3 && eq6(&rs[2].addr, "2001:db8:2::53") && rs[2].scope == 0);
    char dom[RES_MAX_DOMAINS][RES_DOMAIN_LEN];
    T_EQ(resolver_domains(CL, dom, RES_MAX_DOMAINS), 2);
    T_STREQ(dom[0], "example.com");
    T_STREQ(dom[1], "lan.example");
    /* eth0's lease ends: eth1's servers and domain stay */
    T_EQ(scene_cmd(CL, NULL, "dhcp6 client dev eth0 off"), 0);
    n = resolver_servers(CL, rs, 8);
    T_EQ(n, 2);
    T_CHECK(n >= 1 && eq6(&rs[0].addr, "fe80::53") && rs[0].scope == eth1);
    T_EQ(resolver_domains(CL, dom, RES_MAX_DOMAINS), 1);
    T_STREQ(dom[0], "lan.example");
    T_EQ(scene_cmd(CL, NULL, "dhcp6 client dev eth1 off"), 0);
    T_EQ(resolver_servers(CL, rs, 8), 0);
    teardown();
}

/* A delegated prefix that changes at every Reply (five Reconfigure →
 * Renew → Reply rounds within 200 ms) makes no RA flood downstream: RFC
 * 4861 MIN_DELAY_BETWEEN_RAS, 3 s between multicast RAs; the deferred RA
 * then tells the last prefix. */
TEST(flapping_prefix_rate_limits_ras)
{
    setup(1900);
    struct rx req, ren;
    struct offer o = full_offer();
    o.na = false;
    o.key = true;
    o.replay = 1;
    T_CHECK(bind_client("ia-pd pd-to eth1 sla 1 reconfigure-accept", o, &req));
    sim_run_for(W, 10 * SEC);   /* the first RAs of the new router are out */
    struct inj_capture cap = { 0 };
    inj_capture_start(&cap, if_find(LAN, "eth0"), true);
    static const char *const pfx[] = { "2001:db8:201::", "2001:db8:202::", "2001:db8:203::", "2001:db8:204::",
                                       "2001:db8:205::" };
    o.key = false;
    uint64_t t0 = sim_now(W);
    for (int i = 0; i < 5; i++) {
        send_reconf(SRV_DUID, sizeof SRV_DUID, 2 + (uint64_t)i, KEY, false, 1);
        T_CHECK(srv_wait(&ren, DHCP6_RENEW, 1 * SEC));
        o.prefix = pfx[i];
        srv_answer(&ren, DHCP6_REPLY, &o);
        sim_run_for(W, 5 * MS);
    }
    T_EQ(ctr("dhcp6c.prefix_changed"), 5);
    sim_run_for(W, t0 + 2900 * MS - sim_now(W));
    unsigned ras = 0;
    for (unsigned i = 0; i < cap.n; i++) {
        struct inj_icmp6 ic;
        ras += inj_parse_icmp6(cap.f[i].d, cap.f[i].len, &ic) && ic.type == ND_ROUTER_ADVERT;
    }
    T_EQ(ras, 1);   /* the first change at once, the others wait */
    T_CHECK(ctr("nd6.ra_deferred") >= 1);
    inj_capture_clear(&cap);
    sim_run_for(W, 400 * MS);
    struct nd_prefix last, first;
    T_CHECK(ra_with(&cap, 0, "2001:db8:205:1::", &last));
    T_CHECK(last.preferred > 0);
    T_CHECK(ra_with(&cap, 0, "2001:db8:201:1::", &first));
    T_EQ(first.preferred, 0);
    inj_capture_stop(&cap);
    teardown();
}

/* No T1/T2 from the server (0: the client's choice) and preferred lifetime
 * 0: T1 came out as 1 s, a Renew every second. Now half the valid lifetime
 * (and T1 never below 60 s unless half the valid lifetime is less). */
TEST(t1_t2_of_our_choosing_have_floors)
{
    setup(2000);
    struct rx req, ren;
    struct offer o = full_offer();
    o.pd = false;
    o.t1 = o.t2 = 0;
    o.pref = 0;
    o.valid = 1000;
    T_CHECK(bind_client("ia-na", o, &req));
    T_EQ(CI()->t1, 500);
    T_EQ(CI()->t2, 800);
    T_CHECK(!srv_wait(&ren, DHCP6_RENEW, 60 * SEC));
    T_EQ(ctr("dhcp6c.out_renew"), 0);
    T_EQ(ctr("dhcp6c.out_rebind"), 0);   /* T1 = T2 = 1 s went straight to Rebind */
    T_CHECK(srv_wait(&ren, DHCP6_RENEW, 500 * SEC));
    o.pref = 10;   /* a short preferred lifetime: T1 60 s, not 5 s */
    srv_answer(&ren, DHCP6_REPLY, &o);
    sim_run_for(W, 50 * MS);
    T_EQ(CI()->state, D6C_BOUND);
    T_EQ(CI()->t1, 60);
    T_CHECK(CI()->t2 > 60 && CI()->t2 < 1000);
    teardown();
}

int main(void)
{
    RUN(pd_subnet_arithmetic);
    RUN(four_message_exchange_numbers_the_lan);
    RUN(preference_255_requests_at_once_and_rapid_commit_binds);
    RUN(solicit_retransmission_and_sol_max_rt);
    RUN(renew_at_t1_rebind_at_t2);
    RUN(prefix_change_deprecates_the_old_subnet_at_once);
    RUN(reconfigure_needs_key_hmac_fresh_counter_and_our_server);
    RUN(reconfigure_without_key_is_refused);
    RUN(rebind_to_another_server_forgets_the_key);
    RUN(wrong_xid_or_client_id_dropped);
    RUN(dad_failure_declines_the_address);
    RUN(link_down_up_confirms);
    RUN(release_only_when_asked_and_duid_kept);
    RUN(info_only_asks_information_request);
    RUN(command_errors);
    RUN(log_lease_with_eight_long_addresses);
    RUN(rebind_mrd_of_a_long_lease);
    RUN(bad_delegated_prefixes_ignored);
    RUN(ia_t1_above_t2_and_preferred_above_valid_discarded);
    RUN(advertise_or_reply_to_a_global_address_dropped);
    RUN(dns_of_two_client_interfaces_kept_apart);
    RUN(flapping_prefix_rate_limits_ras);
    RUN(t1_t2_of_our_choosing_have_floors);
    return t_done();
}
