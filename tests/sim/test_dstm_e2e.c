/* DSTM end to end (draft-ietf-ngtrans-dstm §4): every part on main, each on
 * its own stack, configured only through the command language (as sixd's
 * config file and sixctl would), on one simulated IPv6-only domain:
 *
 *   l6 (2001:db8:1::/64, IPv6 only)
 *     AIIH  eth0 2001:db8:1::a   DHCPv6 server + `dstm aiih` + `dstm dns`
 *     BR    eth0 2001:db8:1::1   `dstm br` (TEP), Leasequery to the AIIH
 *     X, Z, Y                    `dstm client` (DTI in the stack), IA_NA from the AIIH
 *   l4 (198.51.100.0/24, IPv4 only)
 *     BR    eth1 198.51.100.1    IPv4 forwarding; 192.0.2.0/24 into dstm0
 *     V     eth0 198.51.100.2    IPv4 only, 192.0.2.0/24 via the BR
 *     AIIH  eth1 198.51.100.53   where IPv4 hosts ask the AIIH's DNS (§5.2)
 *
 * Cases: 4.1 X → V (UDP, TCP), the address on demand; 4.2 V asks the DNS
 * for X's A record, the AIIH allocates by Reconfigure, V sends UDP and
 * opens TCP to it, the BR learns the binding by Leasequery; 4.3 X ↔ Z,
 * both DTI hosts, through the BR; release and expiry: the binding leaves
 * `dstm bindings` and the BR, the address goes to another host; pool
 * exhaustion: SERVFAIL and nothing half-made. */
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include "../lib/t.h"
#include "../lib/simstack.h"
#include "../lib/ipsec_sim.h"
#include "../lib/inject.h"
#include "../lib/dnsd_sim.h"
#include "ctl/cmd.h"
#include "ctl/scene.h"
#include "dhcp6/client.h"
#include "dstm/dti.h"
#include "dstm/br.h"
#include "link/ifnet.h"
#include "link/sim.h"
#include "net/stack.h"
#include "six/socket.h"
#include "wire/dns.h"

#define MS (1000000ull)
#define SEC (1000000000ull)
#define ZONE "aiih.example.test"
#define SHORT_TTL 7
#define V4_VALID 120

static struct sim_world *W;
static struct six_stack *AIIH, *BR, *X, *Z, *Y, *V;
static char *DIR_;
static struct cmd_out OUT, ERR;

/* One command line on st, as sixctl sends it ("-j ..." for JSON); the
 * output in OUT. */
static int cmd(struct six_stack *st, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int cmd(struct six_stack *st, const char *fmt, ...)
{
    static char line[2048];
    char *argv[CMD_MAX_ARGS];
    const char *why = NULL;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    int argc = cmd_split(line, argv, CMD_MAX_ARGS, &why);
    cmd_out_reset(&OUT);
    cmd_out_reset(&ERR);
    cmd_printf(&OUT, "%s", "");
    cmd_printf(&ERR, "%s", "");
    struct cmd_ctx c = { .st = st, .out = &OUT, .err = &ERR };
    c.json = argc > 0 && !strcmp(argv[0], "-j");
    int rc = six_cmd_exec(&c, argc - c.json, argv + c.json);
    if (rc)
        fprintf(stderr, "# %s: '%s' -> %d: %s\n", st->name, line, rc, ERR.buf);
    return rc;
}

static uint64_t ctr(struct six_stack *st, const char *name)
{
    uint64_t v = 0;
    T_EQ(six_counter_by_name(&st->ctr, name, &v), 0);
    return v;
}

/* How many times s occurs in OUT. */
static int occurs(const char *s)
{
    int n = 0;
    for (const char *p = OUT.buf; (p = strstr(p, s)); p++)
        n++;
    return n;
}

/* ------------------------------------------------------------ the domain */

static void dti_host(struct six_stack *h)
{
    T_EQ(cmd(h, "link set eth0 up"), 0);
    T_EQ(cmd(h, "route add 2001:db8:1::/64 dev eth0"), 0);
}

/* pool4: the AIIH's IPv4 pool ("192.0.2.10-192.0.2.13"). */
static void setup(uint64_t seed, const char *pool4)
{
    struct sim_link_params lp = { .delay_ns = 1 * MS };
    W = sim_world_create(seed);
    AIIH = sim_stack(W, "aiih", seed + 1, 2048);
    BR = sim_stack(W, "br", seed + 2, 4096);
    X = sim_stack(W, "x", seed + 3, 2048);
    Z = sim_stack(W, "z", seed + 4, 2048);
    Y = sim_stack(W, "y", seed + 5, 1024);
    V = sim_stack(W, "v", seed + 6, 2048);
    struct sim_link *l6 = sim_link_create(W, "l6", &lp), *l4 = sim_link_create(W, "l4", &lp);
    sim_attach(l6, AIIH, "eth0", NULL);
    sim_attach(l6, BR, "eth0", NULL);
    sim_attach(l6, X, "eth0", NULL);
    sim_attach(l6, Z, "eth0", NULL);
    sim_attach(l6, Y, "eth0", NULL);
    sim_attach(l4, BR, "eth1", NULL);
    sim_attach(l4, V, "eth0", NULL);
    sim_attach(l4, AIIH, "eth1", NULL);
    T_EQ(cmd(AIIH, "link set eth0 up"), 0);
    T_EQ(cmd(AIIH, "link set eth1 up"), 0);
    T_EQ(cmd(AIIH, "addr add 2001:db8:1::a/64 dev eth0"), 0);
    T_EQ(cmd(AIIH, "addr add 198.51.100.53/24 dev eth1"), 0);
    T_EQ(cmd(BR, "link set eth0 up"), 0);
    T_EQ(cmd(BR, "link set eth1 up"), 0);
    T_EQ(cmd(BR, "addr add 2001:db8:1::1/64 dev eth0"), 0);
    T_EQ(cmd(BR, "addr add 198.51.100.1/24 dev eth1"), 0);
    T_EQ(cmd(BR, "set forwarding on -4"), 0);
    T_EQ(cmd(V, "link set eth0 up"), 0);
    T_EQ(cmd(V, "addr add 198.51.100.2/24 dev eth0"), 0);
    T_EQ(cmd(V, "route add 192.0.2.0/24 via 198.51.100.1"), 0);
    dti_host(X);
    dti_host(Z);
    dti_host(Y);
    sim_run_for(W, 3 * SEC);   /* DAD */
    DIR_ = sim_state_dir("dstm-e2e");
    T_CHECK(DIR_ != NULL);
    T_EQ(cmd(AIIH, "dhcp6 server dev eth0 pool 2001:db8:1::1000-2001:db8:1::10ff reconfigure on "
                   "valid 7200 preferred 3600 store %s/leases", DIR_), 0);
    T_EQ(cmd(AIIH, "dstm aiih dev eth0 pool4 %s tep 2001:db8:1::/64 2001:db8:1::1 leasequery-from 2001:db8:1::/64 "
                   "valid %u preferred %u short-ttl %u",
             pool4, V4_VALID, V4_VALID / 2, SHORT_TTL), 0);
    T_EQ(cmd(AIIH, "dstm dns zone " ZONE " ttl 60 exhausted servfail"), 0);
    T_EQ(cmd(BR, "dstm br local 2001:db8:1::1 pool 192.0.2.0/24 aiih 2001:db8:1::a"), 0);
    T_CHECK(br_running(BR));
}

static void teardown(void)
{
    struct six_stack *all[] = { AIIH, BR, X, Z, Y, V };
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        six_stack_destroy(all[i]);
    sim_world_destroy(W);
    sim_state_dir_remove(DIR_);
    DIR_ = NULL;
}

/* The DHCPv6 client of h on eth0: its IA_NA address (false: not bound). */
static bool ia_na_of(struct six_stack *h, struct in6_addr *a)
{
    struct d6_client *cli = d6c_get(h);
    for (int i = 0; cli && i < D6C_MAX_IFS; i++)
        if (cli->ifs[i].in_use && !strcmp(cli->ifs[i].ifname, "eth0") && cli->ifs[i].state == D6C_BOUND &&
            cli->ifs[i].n_na > 0) {
            *a = cli->ifs[i].na[0].addr;
            return true;
        }
    return false;
}

/* `dstm client dev eth0` on h; its IPv6 binding from the AIIH; the name
 * `name` on the AIIH's DNS for it (NULL: none). */
static bool start_dti(struct six_stack *h, const char *name, struct in6_addr *v6)
{
    T_EQ(cmd(h, "dstm client dev eth0 idle never"), 0);
    for (int i = 0; i < 100 && !ia_na_of(h, v6); i++)
        sim_run_for(W, 100 * MS);
    if (!ia_na_of(h, v6))
        return false;
    sim_run_for(W, 2 * SEC);   /* the IA_NA address through DAD */
    char a[INET6_ADDRSTRLEN];
    inet_ntop(AF_INET6, v6, a, sizeof a);
    return !name || cmd(AIIH, "dstm dns host %s." ZONE " %s", name, a) == 0;
}

static enum dti_state dti_state(struct six_stack *h, struct in_addr *v4)
{
    struct dti_info in;
    dti_info(h, &in);
    if (v4)
        *v4 = in.b.v4;
    return in.state;
}

/* A first IPv4 send from h (no source yet: it fails and asks), then wait
 * for the address. */
static bool bind_on_demand(struct six_stack *h, struct in_addr *v4)
{
    int s = six_socket(h, AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(9), .sin_addr = inj_a4("198.51.100.2") };
    six_sendto(h, s, "x", 1, 0, (struct sockaddr *)&to, sizeof to);
    six_close(h, s);
    for (int i = 0; i < 50 && dti_state(h, NULL) != DTI_BOUND; i++)
        sim_run_for(W, 100 * MS);
    return dti_state(h, v4) == DTI_BOUND;
}

static const char *a4s(struct in_addr a)
{
    static char b[4][INET_ADDRSTRLEN];
    static int k;
    k = (k + 1) % 4;
    return inet_ntop(AF_INET, &a, b[k], sizeof b[k]);
}

static const char *a6s(const struct in6_addr *a)
{
    static char b[4][INET6_ADDRSTRLEN];
    static int k;
    k = (k + 1) % 4;
    return inet_ntop(AF_INET6, a, b[k], sizeof b[k]);
}

/* `dstm bindings -j` on the AIIH holds v4 for v6, acknowledged. */
static bool aiih_binds(struct in_addr v4, const struct in6_addr *v6)
{
    char want[160];
    T_EQ(cmd(AIIH, "-j dstm bindings"), 0);
    snprintf(want, sizeof want, "{\"address\":\"%s\"", a4s(v4));
    const char *p = strstr(OUT.buf, want);
    if (!p)
        return false;
    const char *end = strchr(p, '}');
    snprintf(want, sizeof want, "\"ipv6\":\"%s\"", a6s(v6));
    const char *q = strstr(p, want);
    const char *ack = strstr(p, "\"acknowledged\"");
    return q && q < end && ack && ack < end;
}

/* `dstm br bindings -j` on the BR holds v4 → v6. */
static bool br_binds(struct in_addr v4, const struct in6_addr *v6)
{
    char want[160];
    T_EQ(cmd(BR, "-j dstm br bindings"), 0);
    snprintf(want, sizeof want, "{\"v4\":\"%s\"", a4s(v4));
    const char *p = strstr(OUT.buf, want);
    if (!p)
        return false;
    const char *end = strchr(p, '}');
    snprintf(want, sizeof want, "\"v6\":\"%s\"", a6s(v6));
    const char *q = strstr(p, want);
    return q && q < end;
}

/* ------------------------------------------------------------ DNS from V */

struct a_answer {
    struct dq_ans r;
    bool got;
    uint32_t ttl;                   /* of the A record */
};

/* V asks the AIIH's DNS (198.51.100.53) for name's A record over UDP. */
static bool ask_a(const char *name, struct a_answer *a)
{
    struct dnsd_world d = { .w = W, .a = AIIH, .b = V };
    memset(a, 0, sizeof *a);
    a->got = dq_udp(&d, "198.51.100.53", name, DNS_TYPE_A, 0, 6 * SEC, &a->r);
    if (!a->got)
        return false;
    struct dns_iter it;
    struct dns_question q;
    struct dns_rr rr;
    bool done = false;
    if (dns_iter_init(&it, a->r.msg, a->r.len, 0) != DNS_OK || dns_iter_question(&it, &q, &done) != DNS_OK)
        return true;
    while (dns_iter_rr(&it, &rr, &done) == DNS_OK && !done)
        if (rr.section == DNS_SEC_ANSWER && rr.type == DNS_TYPE_A)
            a->ttl = rr.ttl;
    return true;
}

/* ------------------------------------------------------------ 4.1 */

/* X (IPv6 only on the wire) talks to V (IPv4 only): X's DTI gets an
 * address on demand, 4in6 to the BR; the BR learns X's binding from the
 * AIIH by Leasequery (it never trusts the source of a packet, draft §6.2.2)
 * and encapsulates V's answers back to X. */
TEST(x_to_ipv4_only_v)
{
    setup(1701, "192.0.2.10-192.0.2.13");
    struct in6_addr x6;
    struct in_addr x4;
    T_CHECK(start_dti(X, "x", &x6));
    T_EQ(dti_state(X, NULL), DTI_IDLE);
    T_EQ(occurs("\"address\""), 0);
    T_CHECK(bind_on_demand(X, &x4));
    T_CHECK(ntohl(x4.s_addr) >= 0xc000020a && ntohl(x4.s_addr) <= 0xc000020d);
    T_CHECK(aiih_binds(x4, &x6));
    T_EQ(ctr(AIIH, "aiih.bound"), 1);
    T_EQ(ctr(X, "dti.asks"), 1);
    T_CHECK(!br_binds(x4, &x6));                    /* the BR does not know yet */
    /* the first datagram meets no binding at the BR: dropped, Leasequery
     * started (documented: sixctl(8) br.drop_unknown_binding) */
    bool first = sim_udp_once(W, X, V, NULL, "198.51.100.2", 5001);
    uint64_t unknown = ctr(BR, "br.drop_unknown_binding");
    T_EQ(unknown, first ? 0 : 1);
    sim_run_for(W, 100 * MS);
    T_CHECK(br_binds(x4, &x6));
    T_CHECK(ctr(BR, "br.learned") >= 1);
    T_CHECK(ctr(AIIH, "aiih.lq_answered") >= 1);
    T_CHECK(sim_udp_once(W, X, V, NULL, "198.51.100.2", 5002));
    T_CHECK(sim_udp_once(W, V, X, NULL, a4s(x4), 5003));
    T_CHECK(sim_tcp_transfer(W, X, V, "198.51.100.2", 100000));
    T_CHECK(ctr(X, "dti.out_packets") > 50);
    T_CHECK(ctr(X, "dti.in_packets") > 20);
    T_CHECK(ctr(BR, "br.in_packets") > 50);
    T_CHECK(ctr(BR, "br.out_packets") > 20);
    T_EQ(ctr(BR, "br.drop_spoof") + ctr(X, "dti.drop_spoof") + ctr(X, "dti.drop_not_ours"), 0);
    teardown();
}

/* ------------------------------------------------------------ 4.2 */

/* V asks the AIIH's DNS for X's A record: the AIIH allocates by
 * Reconfigure, the answer carries the address with the short TTL; V then
 * sends UDP and opens TCP to it; the BR learns the binding by Leasequery
 * (packets wait meanwhile) and tunnels to X. */
TEST(v_finds_x_by_dns)
{
    setup(1702, "192.0.2.10-192.0.2.13");
    struct in6_addr x6;
    T_CHECK(start_dti(X, "x", &x6));
    T_EQ(dti_state(X, NULL), DTI_IDLE);
    struct a_answer a;
    T_CHECK(ask_a("x." ZONE, &a));
    T_EQ(dns_rcode(&a.r.h), DNS_RCODE_NOERROR);
    T_EQ(a.r.an, 1);
    T_EQ(a.ttl, SHORT_TTL);
    T_EQ(ctr(AIIH, "aiih.offers"), 1);
    T_EQ(ctr(AIIH, "aiih.reconf_sent"), 1);
    sim_run_for(W, 500 * MS);                      /* X's Renew takes the offer */
    struct in_addr x4;
    T_EQ(dti_state(X, &x4), DTI_BOUND);
    T_EQ(x4.s_addr, a.r.a.s_addr);
    T_EQ(ctr(AIIH, "aiih.offers_taken"), 1);
    T_EQ(ctr(X, "dti.asks"), 0);                   /* X asked nothing: the AIIH offered */
    T_CHECK(aiih_binds(x4, &x6));
    /* once bound, the TTL is the lease's */
    T_CHECK(ask_a("x." ZONE, &a));
    T_EQ(a.r.a.s_addr, x4.s_addr);
    T_CHECK(a.ttl > SHORT_TTL && a.ttl <= V4_VALID);
    /* V → X: the BR has no binding; the datagram waits for the Leasequery */
    T_CHECK(!br_binds(x4, &x6));
    T_CHECK(sim_udp_once(W, V, X, NULL, a4s(x4), 6001));
    T_CHECK(br_binds(x4, &x6));
    T_EQ(ctr(BR, "br.out_miss") >= 1, 1);
    T_EQ(ctr(BR, "br.drop_unresolved"), 0);
    T_CHECK(sim_tcp_transfer(W, V, X, a4s(x4), 100000));
    T_CHECK(sim_udp_once(W, X, V, NULL, "198.51.100.2", 6002));
    T_CHECK(ctr(X, "dti.in_packets") > 50);
    T_EQ(ctr(BR, "br.drop_spoof") + ctr(BR, "br.drop_unknown_binding"), 0);
    teardown();
}

/* ------------------------------------------------------------ 4.3 */

/* Two IPv4 programs on two DTI hosts across the IPv6-only network: X's
 * 4in6 reaches the BR, which sends it on in 4in6 to Z by Z's binding. */
TEST(x_and_z_across_the_ipv6_domain)
{
    setup(1703, "192.0.2.10-192.0.2.13");
    struct in6_addr x6, z6;
    struct in_addr x4, z4;
    T_CHECK(start_dti(X, "x", &x6));
    T_CHECK(start_dti(Z, "z", &z6));
    T_CHECK(bind_on_demand(X, &x4));
    T_CHECK(bind_on_demand(Z, &z4));
    T_CHECK(x4.s_addr != z4.s_addr);
    /* the BR learns both (the first datagram each way may be lost to it) */
    sim_udp_once(W, X, Z, NULL, a4s(z4), 7000);
    sim_udp_once(W, Z, X, NULL, a4s(x4), 7000);
    sim_run_for(W, 100 * MS);
    T_CHECK(br_binds(x4, &x6));
    T_CHECK(br_binds(z4, &z6));
    T_CHECK(sim_udp_once(W, X, Z, NULL, a4s(z4), 7001));
    T_CHECK(sim_udp_once(W, Z, X, NULL, a4s(x4), 7002));
    T_CHECK(sim_tcp_transfer(W, X, Z, a4s(z4), 100000));
    T_CHECK(sim_tcp_transfer(W, Z, X, a4s(x4), 50000));
    T_CHECK(ctr(Z, "dti.in_packets") > 50 && ctr(X, "dti.in_packets") > 50);
    T_EQ(ctr(X, "dti.drop_spoof") + ctr(Z, "dti.drop_spoof") + ctr(BR, "br.drop_spoof"), 0);
    teardown();
}

/* ------------------------------------------------------------ end of a binding */

/* One address: X releases it, the AIIH's binding goes at once, the BR's
 * when the lifetime the Leasequery gave runs out; then Z gets the same
 * address and its traffic goes through. */
TEST(release_expiry_and_reuse)
{
    setup(1704, "192.0.2.10");
    struct in6_addr x6, z6;
    struct in_addr x4, z4;
    T_CHECK(start_dti(X, "x", &x6));
    T_CHECK(start_dti(Z, "z", &z6));
    T_CHECK(bind_on_demand(X, &x4));
    sim_udp_once(W, X, V, NULL, "198.51.100.2", 8000);
    sim_run_for(W, 100 * MS);
    T_CHECK(sim_udp_once(W, V, X, NULL, a4s(x4), 8001));
    T_CHECK(br_binds(x4, &x6));
    T_EQ(cmd(X, "dstm client off release"), 0);
    sim_run_for(W, 1 * SEC);
    T_EQ(ctr(AIIH, "aiih.released"), 1);
    T_CHECK(!aiih_binds(x4, &x6));
    T_EQ(cmd(AIIH, "-j dstm bindings"), 0);
    T_EQ(occurs("\"address\""), 0);
    /* the BR's learned binding lives its lifetime out */
    sim_run_for(W, (uint64_t)(V4_VALID + 5) * SEC);
    T_CHECK(!br_binds(x4, &x6));
    T_CHECK(ctr(BR, "br.expired") >= 1);
    T_EQ(cmd(BR, "-j dstm br bindings"), 0);
    T_EQ(occurs("\"v4\""), 0);
    /* reuse */
    T_CHECK(bind_on_demand(Z, &z4));
    T_EQ(z4.s_addr, x4.s_addr);
    T_CHECK(aiih_binds(z4, &z6));
    sim_udp_once(W, Z, V, NULL, "198.51.100.2", 8002);
    sim_run_for(W, 100 * MS);
    T_CHECK(br_binds(z4, &z6));
    T_CHECK(sim_udp_once(W, Z, V, NULL, "198.51.100.2", 8003));
    T_CHECK(sim_udp_once(W, V, Z, NULL, a4s(z4), 8004));
    T_CHECK(sim_tcp_transfer(W, Z, V, "198.51.100.2", 30000));
    teardown();
}

/* The lease expires at the AIIH (X gone from the link without a word):
 * `dstm bindings` drops it, the BR's binding expires, the address is
 * Z's next. */
TEST(expiry_without_release)
{
    setup(1705, "192.0.2.10");
    struct in6_addr x6, z6;
    struct in_addr x4, z4;
    T_CHECK(start_dti(X, "x", &x6));
    T_CHECK(start_dti(Z, "z", &z6));
    T_CHECK(bind_on_demand(X, &x4));
    sim_udp_once(W, X, V, NULL, "198.51.100.2", 8100);
    sim_run_for(W, 100 * MS);
    T_CHECK(br_binds(x4, &x6));
    T_EQ(cmd(X, "link set eth0 down"), 0);          /* X's Renews go nowhere */
    sim_run_for(W, (uint64_t)(V4_VALID + 5) * SEC);
    T_CHECK(ctr(AIIH, "aiih.expired") >= 1);
    T_CHECK(!aiih_binds(x4, &x6));
    T_CHECK(!br_binds(x4, &x6));
    T_CHECK(bind_on_demand(Z, &z4));
    T_EQ(z4.s_addr, x4.s_addr);
    sim_udp_once(W, Z, V, NULL, "198.51.100.2", 8101);
    sim_run_for(W, 100 * MS);
    T_CHECK(br_binds(z4, &z6));
    T_CHECK(sim_udp_once(W, V, Z, NULL, a4s(z4), 8102));
    teardown();
}

/* The address goes to Z while the BR still holds X's binding (learned by
 * Leasequery with the lifetime the AIIH gave; no event reaches a BR in
 * another sixd): Z's first 4in6 is refused as a spoof, but makes the BR ask
 * the AIIH again, whose answer moves the binding to Z. */
TEST(reuse_before_the_br_forgets)
{
    setup(1707, "192.0.2.10");
    struct in6_addr x6, z6;
    struct in_addr x4, z4;
    T_CHECK(start_dti(X, "x", &x6));
    T_CHECK(start_dti(Z, "z", &z6));
    T_CHECK(bind_on_demand(X, &x4));
    sim_udp_once(W, X, V, NULL, "198.51.100.2", 8200);
    sim_run_for(W, 100 * MS);
    T_CHECK(br_binds(x4, &x6));
    uint64_t lq0 = ctr(BR, "br.lq_started");
    T_EQ(cmd(X, "dstm client off release"), 0);
    sim_run_for(W, 1 * SEC);
    T_CHECK(bind_on_demand(Z, &z4));
    T_EQ(z4.s_addr, x4.s_addr);
    T_CHECK(br_binds(x4, &x6));                     /* stale, for up to its lifetime */
    T_CHECK(!sim_udp_once(W, Z, V, NULL, "198.51.100.2", 8201));
    T_EQ(ctr(BR, "br.drop_spoof"), 1);
    T_EQ(ctr(BR, "br.lq_started"), lq0 + 1);
    sim_run_for(W, 100 * MS);
    T_CHECK(br_binds(z4, &z6));
    T_CHECK(sim_udp_once(W, Z, V, NULL, "198.51.100.2", 8202));
    T_CHECK(sim_udp_once(W, V, Z, NULL, a4s(z4), 8203));
    T_EQ(ctr(BR, "br.drop_spoof"), 1);
    /* a spoofer with another host's address asks, and changes nothing */
    T_CHECK(start_dti(Y, NULL, &x6));
    T_EQ(cmd(Y, "link add gif0 type gif local %s remote 2001:db8:1::1", a6s(&x6)), 0);
    T_EQ(cmd(Y, "link set gif0 up"), 0);
    T_EQ(cmd(Y, "addr add %s/32 dev gif0", a4s(z4)), 0);
    T_EQ(cmd(Y, "route add 198.51.100.0/24 dev gif0"), 0);
    T_CHECK(!sim_udp_once(W, Y, V, NULL, "198.51.100.2", 8204));
    sim_run_for(W, 100 * MS);
    T_EQ(ctr(BR, "br.drop_spoof"), 2);
    T_CHECK(br_binds(z4, &z6));
    T_CHECK(sim_udp_once(W, V, Z, NULL, a4s(z4), 8205));
    teardown();
}

/* ------------------------------------------------------------ exhaustion */

/* The pool's one address is X's: an A query for Z gets the configured
 * answer (SERVFAIL), and nothing is left half-made: no offer, no lease, no
 * Reconfigure, nothing at the BR, Z unbound. */
TEST(exhausted_pool_servfail_nothing_half_made)
{
    setup(1706, "192.0.2.10");
    struct in6_addr x6, z6;
    struct in_addr x4;
    T_CHECK(start_dti(X, "x", &x6));
    T_CHECK(start_dti(Z, "z", &z6));
    T_CHECK(bind_on_demand(X, &x4));
    uint64_t servfail = ctr(AIIH, "dnsd.servfail"), no_addrs = ctr(AIIH, "aiih.no_addrs");
    struct a_answer a;
    T_CHECK(ask_a("z." ZONE, &a));
    T_EQ(dns_rcode(&a.r.h), DNS_RCODE_SERVFAIL);
    T_EQ(a.r.an, 0);
    T_EQ(ctr(AIIH, "dnsd.servfail"), servfail + 1);
    T_CHECK(ctr(AIIH, "aiih.no_addrs") > no_addrs);
    T_EQ(ctr(AIIH, "aiih.offers"), 0);
    T_EQ(ctr(AIIH, "aiih.reconf_sent"), 0);
    sim_run_for(W, 2 * SEC);
    T_EQ(cmd(AIIH, "-j dstm aiih show"), 0);
    T_CHECK(strstr(OUT.buf, "\"used\":1,\"offered\":0,") != NULL);
    T_EQ(cmd(AIIH, "-j dstm bindings"), 0);
    T_EQ(occurs("\"address\""), 1);
    T_CHECK(aiih_binds(x4, &x6));
    T_EQ(dti_state(Z, NULL), DTI_IDLE);
    T_EQ(cmd(BR, "-j dstm br bindings"), 0);
    T_CHECK(strstr(OUT.buf, a6s(&z6)) == NULL);
    /* and X, the holder, is still answered, also by a DNS server started
     * again after the AIIH (the provider outlives the server) */
    T_CHECK(ask_a("x." ZONE, &a));
    T_EQ(dns_rcode(&a.r.h), DNS_RCODE_NOERROR);
    T_EQ(a.r.a.s_addr, x4.s_addr);
    T_EQ(cmd(AIIH, "dstm dns off"), 0);
    T_EQ(cmd(AIIH, "dstm dns zone " ZONE " ttl 60"), 0);
    T_EQ(cmd(AIIH, "dstm dns host x." ZONE " %s", a6s(&x6)), 0);
    T_CHECK(ask_a("x." ZONE, &a));
    T_EQ(dns_rcode(&a.r.h), DNS_RCODE_NOERROR);
    T_EQ(a.r.an, 1);
    T_EQ(a.r.a.s_addr, x4.s_addr);
    teardown();
}

int main(void)
{
    cmd_out_init(&OUT);
    cmd_out_init(&ERR);
    RUN(x_to_ipv4_only_v);
    RUN(v_finds_x_by_dns);
    RUN(x_and_z_across_the_ipv6_domain);
    RUN(release_expiry_and_reuse);
    RUN(expiry_without_release);
    RUN(reuse_before_the_br_forgets);
    RUN(exhausted_pool_servfail_nothing_half_made);
    cmd_out_free(&OUT);
    cmd_out_free(&ERR);
    return t_done();
}
