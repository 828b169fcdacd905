/* sixd's DHCPv6 server and sixd's DHCPv6 client together, end to end on the
 * simulator, driven only through the sixctl command language (six_cmd_exec)
 * as an operator would: `dhcp6 server`, `dhcp6 client`, `dhcp6 leases`,
 * `dhcp6 client show`, `dhcp6 reconfigure DUID`, `stats`.
 *
 * Stacks: ISP (the server, eth0 on the WAN link), CPE (the client, a home
 * router: eth0 on the WAN link, eth1 on the LAN link), HOST (a LAN host that
 * SLAACs from what CPE announces). Virtual clock throughout.
 *
 * One story (issue 12, acceptance "Reconfigure" and the server/client
 * halves of the interop items, here without a foreign peer):
 *   IA_NA + IA_PD bound, the LAN numbered from the delegated /56 (sla 1) and
 *   the host's SLAAC address in it; the server's lease table and the
 *   client's view agree; Renew at T1 served (same address and prefix);
 *   `dhcp6 reconfigure DUID` → the client Renews (reconf_accepted, the
 *   server's reconf_done); a captured Reconfigure with one HMAC octet flipped
 *   → drop_reconf_bad_hmac, nothing sent; the first Reconfigure re-injected
 *   after a second one → drop_reconf_replay, nothing sent; then the server
 *   dies (its stack destroyed, the journal as it was on disk at that moment
 *   put back: kill -9) and a new one starts on the same journal: the lease
 *   is listed before any client speaks, the client's next Renew keeps its
 *   address and prefix, nothing is bound anew, and a Reconfigure from the
 *   restarted server is still accepted (key and replay counter survive). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include "../lib/t.h"
#include "../lib/simstack.h"
#include "../lib/inject.h"
#include "ctl/cmd.h"
#include "link/ifnet.h"
#include "link/sim.h"
#include "core/pkt.h"
#include "net/ip6_var.h"
#include "net/netif.h"
#include "net/stack.h"
#include "wire/cksum.h"
#include "wire/dhcp6.h"

#define MS (1000000ull)
#define SEC (1000000000ull)

static struct sim_world *W;
static struct sim_link *WAN, *LANL;
static struct six_stack *ISP, *CPE, *HOST;
static char DIR_[64], JOURNAL[128], DUIDF[128];
static struct cmd_out OUT, ERR;

/* ------------------------------------------------------------ sixctl */

static int cmd(struct six_stack *st, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int cmd(struct six_stack *st, const char *fmt, ...)
{
    static char line[1024];
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
    bool json = argc > 0 && !strcmp(argv[0], "-j");
    struct cmd_ctx c = { .st = st, .out = &OUT, .err = &ERR, .json = json };
    int rc = six_cmd_exec(&c, argc - json, argv + json);
    if (rc)
        fprintf(stderr, "  '%s' -> %d: %s\n", line, rc, ERR.buf);
    return rc;
}

/* A counter as `sixctl stats` names it. */
static uint64_t ctr(struct six_stack *st, const char *name)
{
    uint64_t v = 0;
    T_EQ(six_counter_by_name(&st->ctr, name, &v), 0);
    return v;
}

/* The string value of the n-th (0-based) "key":"..." in s, colons taken out
 * (the client prints a DUID as 00:01:..., the server's lease list as 0001...). */
static bool json_str(const char *s, const char *key, int n, char *out, size_t cap, bool strip_colons)
{
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\":\"", key);
    const char *p = s;
    for (int i = 0; i <= n; i++) {
        p = strstr(p, pat);
        if (!p)
            return false;
        p += strlen(pat);
    }
    size_t o = 0;
    for (; *p && *p != '"' && o + 1 < cap; p++)
        if (!(strip_colons && *p == ':'))
            out[o++] = *p;
    out[o] = 0;
    return *p == '"';
}

/* ------------------------------------------------------------ world */

static const struct eth_addr ISP_MAC = { .b = { 0x02, 0, 0, 0, 0x15, 0x01 } };

/* The ISP's sixd: the same NIC (so the same DUID-LL) every time it starts. */
static struct six_stack *isp_start(uint64_t seed)
{
    struct six_stack *st = sim_stack(W, "isp", seed, 0);
    T_CHECK(sim_attach(WAN, st, "eth0", &ISP_MAC) != NULL);
    T_EQ(cmd(st, "link set eth0 up"), 0);
    T_EQ(cmd(st, "addr add 2001:db8:1::1/64 dev eth0"), 0);
    sim_run_for(W, 2 * SEC);                               /* DAD */
    T_EQ(cmd(st, "dhcp6 server dev eth0 pool 2001:db8:1::1000-2001:db8:1::1fff pd-pool 2001:db8:100::/40 "
                 "delegate 56 valid 400 preferred 200 dns 2001:db8::53 reconfigure on store %s", JOURNAL), 0);
    return st;
}

static void setup(uint64_t seed)
{
    struct sim_link_params p = { .delay_ns = 1 * MS };
    W = sim_world_create(seed);
    WAN = sim_link_create(W, "wan", &p);
    LANL = sim_link_create(W, "lan", &p);
    snprintf(DIR_, sizeof DIR_, "/tmp/d6e2e-sim-XXXXXX");
    T_CHECK(mkdtemp(DIR_) != NULL);
    snprintf(JOURNAL, sizeof JOURNAL, "%s/leases", DIR_);
    snprintf(DUIDF, sizeof DUIDF, "%s/client-duid", DIR_);
    CPE = sim_stack(W, "cpe", seed + 2, 0);
    HOST = sim_stack(W, "host", seed + 3, 0);
    T_CHECK(sim_attach(WAN, CPE, "eth0", NULL) && sim_attach(LANL, CPE, "eth1", NULL));
    T_CHECK(sim_attach(LANL, HOST, "eth0", NULL) != NULL);
    T_EQ(cmd(CPE, "link set eth0 up"), 0);
    T_EQ(cmd(CPE, "link set eth1 up"), 0);
    T_EQ(cmd(HOST, "link set eth0 up"), 0);
    ISP = isp_start(seed + 1);
}

static void teardown(void)
{
    six_stack_destroy(HOST);
    six_stack_destroy(CPE);
    if (ISP)
        six_stack_destroy(ISP);
    sim_world_destroy(W);
    char rm[160];
    snprintf(rm, sizeof rm, "rm -rf %s", DIR_);
    T_EQ(system(rm), 0);
}

/* ------------------------------------------------------------ views */

struct view {                /* what the two sides say about the client's lease */
    char duid[300];          /* the client's own DUID (client show), hex without colons */
    char state[16];
    char addr[INET6_ADDRSTRLEN], prefix[INET6_ADDRSTRLEN + 16], lan[INET6_ADDRSTRLEN + 4];
    char s_addr[INET6_ADDRSTRLEN], s_prefix[INET6_ADDRSTRLEN + 16], s_duid[300];
    int s_n;                 /* leases the server lists */
};

static struct view look(void)
{
    struct view v;
    memset(&v, 0, sizeof v);
    T_EQ(cmd(CPE, "-j dhcp6 client show"), 0);
    T_CHECK(json_str(OUT.buf, "duid", 0, v.duid, sizeof v.duid, true));
    json_str(OUT.buf, "state", 0, v.state, sizeof v.state, false);
    /* "addresses":[{"addr":...}], "prefixes":[{"addr":...}], "downstream":[{...,"prefix":...}] */
    const char *na = strstr(OUT.buf, "\"addresses\""), *pd = strstr(OUT.buf, "\"prefixes\"");
    const char *ds = strstr(OUT.buf, "\"downstream\"");
    if (na)
        json_str(na, "addr", 0, v.addr, sizeof v.addr, false);
    if (pd) {
        char p[INET6_ADDRSTRLEN], pl[8] = "";
        json_str(pd, "addr", 0, p, sizeof p, false);
        const char *q = strstr(pd, "\"plen\":");
        if (q)
            snprintf(pl, sizeof pl, "%d", atoi(q + 7));
        snprintf(v.prefix, sizeof v.prefix, "%s/%s", p, pl);
    }
    if (ds)
        json_str(ds, "prefix", 0, v.lan, sizeof v.lan, false);
    if (ISP) {
        T_EQ(cmd(ISP, "-j dhcp6 leases"), 0);
        for (const char *p = OUT.buf; (p = strstr(p, "\"duid\":")); p++)
            v.s_n++;
        json_str(OUT.buf, "address", 0, v.s_addr, sizeof v.s_addr, false);
        json_str(OUT.buf, "prefix", 0, v.s_prefix, sizeof v.s_prefix, false);
        json_str(OUT.buf, "duid", 0, v.s_duid, sizeof v.s_duid, false);
    }
    return v;
}

/* The host's SLAAC address inside the /64 p ("2001:db8:100:1::/64"), or NULL. */
static const struct in6_ifaddr *host_addr_in(const char *p)
{
    char pfx[INET6_ADDRSTRLEN + 4];
    snprintf(pfx, sizeof pfx, "%s", p);
    char *slash = strchr(pfx, '/');
    if (slash)
        *slash = 0;
    struct in6_addr want = inj_a6(pfx);
    struct in6_ifinfo *ii = if_find(HOST, "eth0")->in6;
    for (int i = 0; i < IN6_MAX_ADDRS_PER_IF; i++)
        if (ii->addrs[i].in_use && in6_prefix_eq(&ii->addrs[i].addr, &want, 64))
            return &ii->addrs[i];
    return NULL;
}

/* ------------------------------------------------------------ Reconfigure on the wire */

#define ETH_HLEN 14
#define IP6_HLEN 40

struct frame { uint8_t b[1600]; size_t len; };

/* A DHCPv6 Reconfigure to port 546 (plain IPv6 + UDP: what the server sends)? */
static bool is_reconfigure(const uint8_t *d, size_t len)
{
    size_t o = ETH_HLEN + IP6_HLEN + 8;
    if (len <= o || d[12] != 0x86 || d[13] != 0xdd || d[ETH_HLEN + 6] != IPPROTO_UDP)
        return false;
    const uint8_t *udp = d + ETH_HLEN + IP6_HLEN;
    return ((udp[2] << 8) | udp[3]) == DHCP6_CLIENT_PORT && d[o] == DHCP6_RECONFIGURE;
}

/* CPE's eth0 input tap: the first Reconfigure copied to TAP_F; with
 * TAP_HOLD it is taken off the wire (everything else goes on: ND too). */
static struct frame TAP_F;
static bool TAP_HOLD, TAP_GOT;

static void tap_hook(struct ifnet *ifp, struct pkt *p)
{
    if (is_reconfigure(pkt_data(p), p->len)) {
        if (!TAP_GOT && p->len <= sizeof TAP_F.b) {
            memcpy(TAP_F.b, pkt_data(p), p->len);
            TAP_F.len = p->len;
            TAP_GOT = true;
        }
        if (TAP_HOLD) {
            pkt_free(p);
            return;
        }
    }
    net_input(ifp, p);
}

/* The UDP checksum made right again after the payload was edited. */
static void fix_udp_cksum(struct frame *f)
{
    uint8_t *ip = f->b + ETH_HLEN, *udp = ip + IP6_HLEN;
    size_t ulen = f->len - ETH_HLEN - IP6_HLEN;
    struct in6_addr src, dst;
    memcpy(&src, ip + 8, 16);
    memcpy(&dst, ip + 24, 16);
    udp[6] = udp[7] = 0;
    uint16_t c = cksum_fold(cksum_add(cksum_pseudo6(&src, &dst, (uint32_t)ulen, IPPROTO_UDP), udp, ulen));
    if (c == 0)
        c = 0xffff;
    udp[6] = (uint8_t)(c >> 8);
    udp[7] = (uint8_t)c;
}

static void inject_to_cpe(const struct frame *f)
{
    T_CHECK(inj_input(if_find(CPE, "eth0"), f->b, f->len));
    sim_run_for(W, 50 * MS);
}

/* `dhcp6 reconfigure DUID` on the ISP; the Reconfigure as it reached CPE's
 * eth0 in *f. deliver false: taken off the wire before CPE sees it. */
static bool reconfigure(const char *duid, bool deliver, struct frame *f)
{
    struct ifnet *ifp = if_find(CPE, "eth0");
    TAP_GOT = false;
    TAP_HOLD = !deliver;
    ifp->input_hook = tap_hook;
    int rc = cmd(ISP, "dhcp6 reconfigure %s", duid);
    sim_run_for(W, 20 * MS);
    ifp->input_hook = NULL;
    *f = TAP_F;
    sim_run_for(W, 100 * MS);                              /* the Renew and its Reply */
    return rc == 0 && TAP_GOT;
}

/* ------------------------------------------------------------ the story */

TEST(server_and_client_bind_renew_reconfigure_restart)
{
    setup(1200);
    T_EQ(cmd(CPE, "dhcp6 client dev eth0 ia-na ia-pd hint /56 pd-to eth1 sla 1 reconfigure-accept duid-file %s",
             DUIDF), 0);
    sim_run_for(W, 5 * SEC);                               /* Solicit (first RT ~1 s), Request, Reply, RAs */

    /* --- bound: IA_NA + IA_PD, the two sides agree, the LAN numbered */
    struct view v = look();
    T_STREQ(v.state, "bound");
    T_EQ(v.s_n, 2);                                        /* one address, one prefix */
    T_STREQ(v.addr, v.s_addr);
    T_STREQ(v.prefix, v.s_prefix);
    T_STREQ(v.duid, v.s_duid);
    struct in6_addr a = inj_a6(v.addr), lo = inj_a6("2001:db8:1::1000"), hi = inj_a6("2001:db8:1::1fff");
    T_CHECK(memcmp(&a, &lo, 16) >= 0 && memcmp(&a, &hi, 16) <= 0);
    /* a /56 out of the pd-pool 2001:db8:100::/40 */
    char p56s[INET6_ADDRSTRLEN + 16];
    snprintf(p56s, sizeof p56s, "%s", v.prefix);
    char *slash = strchr(p56s, '/');
    T_CHECK(slash && !strcmp(slash, "/56"));
    if (slash)
        *slash = 0;
    struct in6_addr p56 = inj_a6(p56s), pool = inj_a6("2001:db8:100::");
    T_CHECK(in6_prefix_eq(&p56, &pool, 40));
    /* sla 1 of P/56 is P+1/64, CPE's eth1 holds ::1 of it, the host SLAACs there */
    struct in6_addr lan64 = p56;
    lan64.s6_addr[7] |= 1;
    char lan_s[INET6_ADDRSTRLEN], want_lan[INET6_ADDRSTRLEN + 4];
    inet_ntop(AF_INET6, &lan64, lan_s, sizeof lan_s);
    snprintf(want_lan, sizeof want_lan, "%s/64", lan_s);
    T_STREQ(v.lan, want_lan);
    struct in6_addr cpe_lan = lan64;
    cpe_lan.s6_addr[15] = 1;
    T_CHECK(in6_ifaddr_find(if_find(CPE, "eth1"), &cpe_lan) != NULL);
    T_CHECK(in6_ifaddr_find(if_find(CPE, "eth0"), &a) != NULL);
    const struct in6_ifaddr *ha = host_addr_in(want_lan);
    T_CHECK(ha != NULL && !(ha->flags & IN6_IFF_DEPRECATED));
    T_EQ(cmd(CPE, "-j dhcp6 client show"), 0);
    T_CHECK(strstr(OUT.buf, "\"dns\":[\"2001:db8::53\"]") != NULL);
    T_CHECK(strstr(OUT.buf, "\"reconfigure_key\":true") != NULL);
    T_EQ(ctr(ISP, "dhcp6s.bound"), 2);
    T_EQ(ctr(CPE, "dhcp6c.bound"), 1);
    char duid[300];
    snprintf(duid, sizeof duid, "%s", v.duid);

    /* --- Renew at T1 (preferred 200 → T1 100 s) served by the server */
    T_EQ(ctr(CPE, "dhcp6c.out_renew"), 0);
    sim_run_for(W, 100 * SEC);
    T_EQ(ctr(CPE, "dhcp6c.out_renew"), 1);
    T_EQ(ctr(CPE, "dhcp6c.renewed"), 1);
    T_EQ(ctr(ISP, "dhcp6s.renewed"), 2);                   /* the address and the prefix */
    struct view r = look();
    T_STREQ(r.state, "bound");
    T_STREQ(r.addr, v.addr);
    T_STREQ(r.prefix, v.prefix);
    T_EQ(r.s_n, 2);
    T_EQ(ctr(ISP, "dhcp6s.bound"), 2);                     /* nothing bound anew */

    /* --- Reconfigure: the first one taken off the wire before the client
     * sees it; a copy with one HMAC octet flipped is refused and starts
     * nothing; the original then is accepted (the refusal did not consume
     * its counter) and the client Renews */
    struct frame r1, bad, r2;
    uint64_t in0 = ctr(ISP, "dhcp6s.in_msgs");
    T_CHECK(reconfigure(duid, false, &r1));
    T_EQ(ctr(CPE, "dhcp6c.in_reconfigure"), 0);
    T_EQ(ctr(ISP, "dhcp6s.out_reconfigure"), 1);
    struct dhcp6_msg m;
    T_EQ(dhcp6_parse(r1.b + ETH_HLEN + IP6_HLEN + 8, r1.len - ETH_HLEN - IP6_HLEN - 8, &m), WR_OK);
    T_CHECK(m.has_reconf_msg && m.reconf_msg == DHCP6_RENEW && m.auth.present);
    bad = r1;
    bad.b[ETH_HLEN + IP6_HLEN + 8 + m.auth.info_off + 1 + 7] ^= 0x40;   /* an octet of the HMAC */
    fix_udp_cksum(&bad);
    inject_to_cpe(&bad);
    T_EQ(ctr(CPE, "dhcp6c.in_reconfigure"), 1);
    T_EQ(ctr(CPE, "dhcp6c.drop_reconf_bad_hmac"), 1);
    T_EQ(ctr(CPE, "dhcp6c.reconf_accepted"), 0);
    T_EQ(ctr(CPE, "dhcp6c.out_renew"), 1);                 /* nothing started */
    T_EQ(ctr(ISP, "dhcp6s.in_msgs"), in0);
    inject_to_cpe(&r1);
    T_EQ(ctr(CPE, "dhcp6c.reconf_accepted"), 1);
    T_EQ(ctr(CPE, "dhcp6c.out_renew"), 2);
    T_EQ(ctr(CPE, "dhcp6c.renewed"), 2);
    T_EQ(ctr(ISP, "dhcp6s.reconf_done"), 1);               /* the server heard the Renew */
    T_EQ(ctr(ISP, "dhcp6s.renewed"), 4);
    T_EQ(ctr(ISP, "dhcp6s.reconf_retrans"), 0);

    /* --- a second one delivered; the first re-injected is a replay */
    T_CHECK(reconfigure(duid, true, &r2));
    T_EQ(ctr(CPE, "dhcp6c.reconf_accepted"), 2);
    T_EQ(ctr(CPE, "dhcp6c.out_renew"), 3);
    T_EQ(ctr(ISP, "dhcp6s.reconf_done"), 2);
    in0 = ctr(ISP, "dhcp6s.in_msgs");
    inject_to_cpe(&r1);
    T_EQ(ctr(CPE, "dhcp6c.drop_reconf_replay"), 1);
    inject_to_cpe(&r2);             /* r2 too: the Reply to its Renew carried a newer counter */
    T_EQ(ctr(CPE, "dhcp6c.drop_reconf_replay"), 2);
    T_EQ(ctr(CPE, "dhcp6c.reconf_accepted"), 2);
    T_EQ(ctr(CPE, "dhcp6c.out_renew"), 3);                 /* nothing started */
    T_EQ(ctr(ISP, "dhcp6s.in_msgs"), in0);
    T_EQ(cmd(CPE, "stats"), 0);                            /* the operator sees them by name */
    T_CHECK(strstr(OUT.buf, "drop_reconf_bad_hmac") && strstr(OUT.buf, "drop_reconf_replay"));
    sim_run_for(W, 5 * SEC);                               /* no retransmission: both were answered */
    T_EQ(ctr(ISP, "dhcp6s.reconf_retrans"), 0);
    T_STREQ(look().state, "bound");

    /* --- kill -9: the journal as it is on disk now is all that survives */
    char cp[600];
    snprintf(cp, sizeof cp, "cp -p %s %s.crash", JOURNAL, JOURNAL);
    T_EQ(system(cp), 0);
    sim_unregister_stack(W, ISP);
    six_stack_destroy(ISP);
    ISP = NULL;
    snprintf(cp, sizeof cp, "mv %s.crash %s && rm -f %s.lock", JOURNAL, JOURNAL, JOURNAL);
    T_EQ(system(cp), 0);
    ISP = isp_start(1300);
    struct view k = look();                                /* before the client says anything */
    T_EQ(k.s_n, 2);
    T_STREQ(k.s_addr, v.addr);
    T_STREQ(k.s_prefix, v.prefix);
    T_STREQ(k.s_duid, duid);
    T_EQ(cmd(ISP, "-j dhcp6 leases"), 0);
    T_CHECK(strstr(OUT.buf, "\"reconfigure_key\":true") != NULL);
    T_CHECK(strstr(OUT.buf, "\"state\":\"bound\"") != NULL);

    /* the client's next Renew (T1 after the last Reply) is the new server's */
    uint64_t ren0 = ctr(CPE, "dhcp6c.renewed");
    sim_run_for(W, 100 * SEC);
    T_EQ(ctr(CPE, "dhcp6c.renewed"), ren0 + 1);
    T_EQ(ctr(CPE, "dhcp6c.out_rebind"), 0);                /* the same server DUID: Renew was answered */
    T_EQ(ctr(ISP, "dhcp6s.renewed"), 2);
    T_EQ(ctr(ISP, "dhcp6s.bound"), 0);
    T_EQ(ctr(ISP, "dhcp6s.drop_serverid"), 0);
    struct view k2 = look();
    T_STREQ(k2.state, "bound");
    T_STREQ(k2.addr, v.addr);
    T_STREQ(k2.prefix, v.prefix);
    T_EQ(k2.s_n, 2);
    T_CHECK(host_addr_in(want_lan) != NULL);

    /* the restarted server's Reconfigure: its key and a counter above the old ones */
    T_CHECK(reconfigure(duid, true, &r2));
    T_EQ(ctr(CPE, "dhcp6c.reconf_accepted"), 3);
    T_EQ(ctr(CPE, "dhcp6c.drop_reconf_replay"), 2);
    T_EQ(ctr(ISP, "dhcp6s.reconf_done"), 1);
    teardown();
}

int main(void)
{
    cmd_out_init(&OUT);
    cmd_out_init(&ERR);
    RUN(server_and_client_bind_renew_reconfigure_restart);
    cmd_out_free(&OUT);
    cmd_out_free(&ERR);
    return t_done();
}
