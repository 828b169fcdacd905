/* The AIIH server (src/dstm/aiih*.c, src/dhcp6/server_dstm.c) on the
 * simulator: stack A runs the DHCPv6 server with `dstm aiih`, stack B plays
 * clients with messages built by the wire builder (a socket on port 546)
 * and a Leasequery requestor (another port).  The draft's encoding
 * (Solicit, Request, Renew, Release of the IPv4 IA only), lw4o6 through the
 * ORO with shared addresses, a TEP per prefix, exhaustion, expiry and
 * reuse, holds, allocation on a DNS query by Reconfigure (taken, and not
 * taken: quarantine), Leasequery, a restart on the journal, hostile
 * messages. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include "../lib/t.h"
#include "../lib/simstack.h"
#include "ctl/cmd.h"
#include "dhcp6/server.h"
#include "dns/dnsd.h"
#include "dns/dnsu.h"
#include "dstm/aiih.h"
#include "dstm/aiih_dns.h"
#include "dstm/lq.h"
#include "link/ifnet.h"
#include "link/sim.h"
#include "net/stack.h"
#include "six/socket.h"
#include "wire/dhcp6.h"

#define MS (1000000ull)
#define SEC (1000000000ull)
#define CODE DSTM_OPT_CODE_DEFAULT

static struct sim_world *W;
static struct six_stack *A, *B;
static int CS = -1, LQ = -1;
static char DIR_[64], JOURNAL[128];
static struct cmd_out OUT, ERR;

static int cmd(struct six_stack *st, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int cmd(struct six_stack *st, const char *fmt, ...)
{
    static char line[8192];
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
    return six_cmd_exec(&c, argc - c.json, argv + c.json);
}

static uint64_t ctr(const char *name)
{
    uint64_t v = 0;
    T_EQ(six_counter_by_name(&A->ctr, name, &v), 0);
    return v;
}

static int udp_socket(struct six_stack *st, uint16_t port)
{
    int sd = six_socket(st, AF_INET6, SOCK_DGRAM, 0);
    struct sockaddr_in6 any = { .sin6_family = AF_INET6, .sin6_port = htons(port) };
    T_CHECK(sd >= 0);
    T_EQ(six_bind(st, sd, (struct sockaddr *)&any, sizeof any), 0);
    int v = (int)if_find(st, "eth0")->index;
    T_EQ(six_setsockopt(st, sd, IPPROTO_IPV6, IPV6_MULTICAST_IF, &v, sizeof v), 0);
    return sd;
}

/* ------------------------------------------------------------ events */

static int N_BOUND, N_GONE;
static struct dstm_binding LAST;

static void on_event(void *arg, enum dstm_event ev, const struct dstm_binding *b)
{
    (void)arg;
    if (ev == DSTM_EV_BOUND)
        N_BOUND++;
    else
        N_GONE++;
    LAST = *b;
}

static void setup(uint64_t seed, const char *aiih_extra)
{
    struct sim_link_params p = { .delay_ns = 1 * MS };
    W = sim_world_create(seed);
    sim_pair_dual(W, 0, 4096, &p, &A, &B);
    snprintf(DIR_, sizeof DIR_, "/tmp/aiih-sim-XXXXXX");
    T_CHECK(mkdtemp(DIR_) != NULL);
    snprintf(JOURNAL, sizeof JOURNAL, "%s/leases", DIR_);
    CS = udp_socket(B, DHCP6_CLIENT_PORT);
    LQ = udp_socket(B, 5547);
    T_EQ(cmd(A, "dhcp6 server dev eth0 pool 2001:db8:1::1000-2001:db8:1::1fff reconfigure on valid 7200 "
                "preferred 3600 store %s", JOURNAL), 0);
    T_EQ(cmd(A, "dstm aiih dev eth0 tep 2001:db8:1::/64 2001:db8:ffff::1 tep 2001:db8:2::/64 2001:db8:ffff::2 "
                "leasequery-from 2001:db8:1::b/128 %s", aiih_extra), 0);
    N_BOUND = N_GONE = 0;
    T_EQ(dstm_subscribe(A, on_event, NULL), 0);
}

static void teardown(void)
{
    six_stack_destroy(A);
    six_stack_destroy(B);
    sim_world_destroy(W);
    char rm[160];
    snprintf(rm, sizeof rm, "rm -rf %s", DIR_);
    T_EQ(system(rm), 0);
}

/* ------------------------------------------------------------ client messages */

struct dm {
    uint8_t type;
    uint32_t n;                       /* the client's number: its DUID */
    bool v6ia;                        /* an IPv6 IA_NA (IAID 1) */
    const struct in6_addr *v6addr;
    bool dstm;                        /* the extension + an IA_NA (IAID 0x44) */
    const struct in6_addr *v4addr;    /* in that IA (NULL: ::ffff:0.0.0.0 "one, please" in a
                                         Solicit, Request or Rebind unless offer_only) */
    bool offer_only;                  /* the IA empty: the DTI's "nothing wanted" (dti.h) */
    bool lw;                          /* ORO S46_CONT_LW */
    bool reconf_accept;
    int ext_len;                      /* the extension's body (0 or 16; hostile: 7) */
    bool ext_no_ia, ext_twice;
    uint32_t v6iaid, v4iaid;          /* other IAIDs than 1 and 0x44 (0: those) */
};

static uint8_t SID[DHCP6_DUID_MAX];
static int SID_LEN;

static void duid_of(uint32_t n, uint8_t d[10])
{
    uint8_t x[10] = { 0, 3, 0, 1, 0x02, 0x00, (uint8_t)(n >> 24), (uint8_t)(n >> 16), (uint8_t)(n >> 8), (uint8_t)n };
    memcpy(d, x, 10);
}

static size_t build(const struct dm *m, uint8_t *buf, size_t cap)
{
    struct dhcp6_builder b;
    uint8_t d[10];
    duid_of(m->n, d);
    dhcp6_build_init(&b, buf, cap);
    dhcp6_build_hdr(&b, m->type, 0x100 + m->n);
    dhcp6_put_opt(&b, D6O_CLIENTID, d, sizeof d);
    if (m->type != DHCP6_SOLICIT && m->type != DHCP6_REBIND)
        dhcp6_put_opt(&b, D6O_SERVERID, SID, (size_t)SID_LEN);
    dhcp6_put_u16(&b, D6O_ELAPSED_TIME, 0);
    if (m->reconf_accept)
        dhcp6_put_empty(&b, D6O_RECONF_ACCEPT);
    if (m->lw) {
        uint16_t oro[] = { D6O_S46_CONT_LW };
        dhcp6_put_oro(&b, oro, 1);
    }
    if (m->v6ia) {
        dhcp6_begin_ia(&b, D6O_IA_NA, m->v6iaid ? m->v6iaid : 1, 0, 0);
        if (m->v6addr) {
            dhcp6_begin_iaaddr(&b, m->v6addr, 0, 0);
            dhcp6_end(&b);
        }
        dhcp6_end(&b);
    }
    for (int k = 0; m->dstm && k < (m->ext_twice ? 2 : 1); k++) {
        static const uint8_t z[16];
        dhcp6_put_opt(&b, CODE, z, (size_t)m->ext_len);
        if (m->ext_no_ia)
            continue;
        dhcp6_begin_ia(&b, D6O_IA_NA, (m->v4iaid ? m->v4iaid : 0x44) + (uint32_t)k, 0, 0);
        static const struct in6_addr any4 = { .s6_addr = { [10] = 0xff, [11] = 0xff } };
        bool asks = m->type == DHCP6_SOLICIT || m->type == DHCP6_REQUEST || m->type == DHCP6_REBIND;
        const struct in6_addr *item = m->v4addr ? m->v4addr : asks && !m->offer_only ? &any4 : NULL;
        if (item) {
            dhcp6_begin_iaaddr(&b, item, 0, 0);
            dhcp6_end(&b);
        }
        dhcp6_end(&b);
    }
    return dhcp6_build_done(&b);
}

static uint8_t RX[4096];
static struct dhcp6_msg RM;

static size_t recv_on(int sd, uint64_t wait, struct sockaddr_in6 *from)
{
    sim_run_for(W, wait);
    socklen_t fl = sizeof *from;
    ssize_t n = six_recvfrom(B, sd, RX, sizeof RX, 0, (struct sockaddr *)from, from ? &fl : NULL);
    if (n <= 0 || dhcp6_parse(RX, (size_t)n, &RM) != WR_OK)
        return 0;
    return (size_t)n;
}

static void drain(int sd)
{
    while (six_recvfrom(B, sd, RX, sizeof RX, 0, NULL, NULL) > 0)
        ;
}

static void send_to(int sd, const void *buf, size_t len, const char *to)
{
    struct sockaddr_in6 sa = { .sin6_family = AF_INET6, .sin6_port = htons(DHCP6_SERVER_PORT) };
    inet_pton(AF_INET6, to, &sa.sin6_addr);
    if (sa.sin6_addr.s6_addr[0] == 0xff)
        sa.sin6_scope_id = if_find(B, "eth0")->index;
    T_EQ(six_sendto(B, sd, buf, len, 0, (struct sockaddr *)&sa, sizeof sa), (long long)len);
}

static bool xchg(const struct dm *m)
{
    uint8_t buf[1024];
    size_t len = build(m, buf, sizeof buf);
    T_CHECK(len > 0);
    drain(CS);
    send_to(CS, buf, len, "ff02::1:2");
    return recv_on(CS, 50 * MS, NULL) > 0;
}

static const struct dhcp6_ia *ia_of(uint32_t iaid)
{
    for (int i = 0; i < RM.n_ia; i++)
        if (RM.ia[i].type == D6O_IA_NA && RM.ia[i].iaid == iaid)
            return &RM.ia[i];
    return NULL;
}

static struct in6_addr A6(const char *s)
{
    struct in6_addr a;
    T_EQ(inet_pton(AF_INET6, s, &a), 1);
    return a;
}

static bool eq6(const struct in6_addr *a, const char *s)
{
    struct in6_addr b = A6(s);
    return !memcmp(a, &b, 16);
}

/* A client with an IPv6 IA_NA bound (and the IPv4 IA when dstm): its addresses. */
static bool request(struct dm m, struct in6_addr *v6, struct in6_addr *v4)
{
    m.type = DHCP6_SOLICIT;
    if (!xchg(&m) || RM.type != DHCP6_ADVERTISE)
        return false;
    memcpy(SID, RM.serverid.p, RM.serverid.len);
    SID_LEN = RM.serverid.len;
    m.type = DHCP6_REQUEST;
    if (!xchg(&m) || RM.type != DHCP6_REPLY)
        return false;
    const struct dhcp6_ia *ia = ia_of(1);
    if (v6 && ia && ia->n_item)
        *v6 = ia->item[0].addr;
    ia = ia_of(0x44);
    if (v4 && ia && ia->n_item)
        *v4 = ia->item[0].addr;
    return true;
}

static int v4_count(void)
{
    T_EQ(cmd(A, "-j dstm bindings"), 0);
    int n = 0;
    for (const char *p = OUT.buf; (p = strstr(p, "\"address\"")); p++)
        n++;
    return n;
}

/* ------------------------------------------------------------ the draft's encoding */

TEST(draft_exchanges)
{
    setup(401, "pool4 192.0.2.10-192.0.2.11");
    struct dm m = { .n = 1, .v6ia = true, .dstm = true };
    m.type = DHCP6_SOLICIT;
    T_CHECK(xchg(&m));
    T_EQ(RM.type, DHCP6_ADVERTISE);
    memcpy(SID, RM.serverid.p, RM.serverid.len);
    SID_LEN = RM.serverid.len;
    bool found, has_tep;
    struct in6_addr tep, v4, v6;
    uint32_t iaid;
    T_EQ(dhcp6_dstm_find(&RM, CODE, &found, &has_tep, &tep, &iaid), WR_OK);
    T_CHECK(found && has_tep && iaid == 0x44);
    T_CHECK(eq6(&tep, "2001:db8:ffff::1"));   /* the client's prefix's TEP, not the other one */
    T_CHECK(ia_of(0x44) && ia_of(0x44)->n_item == 1 && ia_of(1) && ia_of(1)->n_item == 1);
    T_EQ(v4_count(), 0);   /* an Advertise commits nothing */
    m.type = DHCP6_REQUEST;
    T_CHECK(xchg(&m));
    T_EQ(RM.type, DHCP6_REPLY);
    v4 = ia_of(0x44)->item[0].addr;
    v6 = ia_of(1)->item[0].addr;
    T_CHECK(IN6_IS_ADDR_V4MAPPED(&v4));
    T_CHECK(eq6(&v4, "::ffff:192.0.2.10") || eq6(&v4, "::ffff:192.0.2.11"));
    T_EQ(N_BOUND, 1);
    T_CHECK(!memcmp(&LAST.v6, &v6, 16) && LAST.v4.s_addr == *(uint32_t *)&v4.s6_addr[12]);
    T_CHECK(eq6(&LAST.tep, "2001:db8:ffff::1"));
    T_EQ(v4_count(), 1);
    T_CHECK(strstr(OUT.buf, "\"state\":\"acknowledged\"") != NULL);
    T_EQ(ctr("aiih.bound"), 1);
    /* Renew: the same address, BOUND again */
    m.type = DHCP6_RENEW;
    m.v6addr = &v6;
    m.v4addr = &v4;
    T_CHECK(xchg(&m));
    T_CHECK(ia_of(0x44) && ia_of(0x44)->n_item == 1 && !memcmp(&ia_of(0x44)->item[0].addr, &v4, 16));
    T_CHECK(ia_of(0x44)->item[0].valid > 0);
    T_EQ(N_BOUND, 2);
    T_EQ(ctr("aiih.renewed"), 1);
    /* Release of the IPv4 IA only: the IPv6 lease stays */
    m.type = DHCP6_RELEASE;
    m.v6ia = false;
    T_CHECK(xchg(&m));
    T_CHECK(RM.status.present && RM.status.code == D6S_SUCCESS);
    T_EQ(N_GONE, 1);
    T_EQ(v4_count(), 0);
    T_EQ(cmd(A, "dhcp6 leases"), 0);
    char a6[INET6_ADDRSTRLEN];
    T_CHECK(strstr(OUT.buf, inet_ntop(AF_INET6, &v6, a6, sizeof a6)) != NULL);
    /* sixctl views */
    T_EQ(cmd(A, "dstm aiih show"), 0);
    T_CHECK(strstr(OUT.buf, "pool4 192.0.2.10-192.0.2.11") != NULL);
    T_EQ(cmd(A, "-j dstm aiih show"), 0);
    T_CHECK(strstr(OUT.buf, "\"size\":2") != NULL);
    teardown();
}

/* One address: the second client gets NoAddrsAvail in its IPv4 IA (its
 * IPv6 address all the same), nothing half-made. */
TEST(exhaustion)
{
    setup(402, "pool4 192.0.2.10");
    struct dm m1 = { .n = 1, .v6ia = true, .dstm = true }, m2 = { .n = 2, .v6ia = true, .dstm = true };
    struct in6_addr v4 = { 0 };
    T_CHECK(request(m1, NULL, &v4));
    T_CHECK(eq6(&v4, "::ffff:192.0.2.10"));
    m2.type = DHCP6_SOLICIT;
    T_CHECK(xchg(&m2));
    T_CHECK(ia_of(0x44) && ia_of(0x44)->n_item == 0 && ia_of(0x44)->status.code == D6S_NO_ADDRS_AVAIL);
    m2.type = DHCP6_REQUEST;
    T_CHECK(xchg(&m2));
    T_CHECK(ia_of(0x44) && ia_of(0x44)->n_item == 0 && ia_of(0x44)->status.code == D6S_NO_ADDRS_AVAIL);
    T_CHECK(ia_of(1) && ia_of(1)->n_item == 1);
    T_EQ(v4_count(), 1);
    T_EQ(N_BOUND, 1);
    T_CHECK(ctr("aiih.no_addrs") >= 2);
    teardown();
}

/* A client asking again and again with a fresh IAID gets no second IPv4
 * lease: one per DUID, the rest refused and counted. */
TEST(one_v4_per_duid)
{
    setup(412, "pool4 192.0.2.10-192.0.2.13");
    struct dm m = { .n = 1, .v6ia = true, .dstm = true };
    struct in6_addr v4 = { 0 };
    T_CHECK(request(m, NULL, &v4));
    T_CHECK(IN6_IS_ADDR_V4MAPPED(&v4));
    for (uint32_t i = 1; i <= 3; i++) {
        m.v4iaid = 0x44 + 0x10 * i;
        m.type = DHCP6_REQUEST;
        T_CHECK(xchg(&m));
        T_CHECK(ia_of(m.v4iaid) && ia_of(m.v4iaid)->n_item == 0 && ia_of(m.v4iaid)->status.code == D6S_NO_ADDRS_AVAIL);
    }
    T_EQ(v4_count(), 1);
    T_EQ(ctr("aiih.drop_second_v4"), 3);
    /* its own IA still renews */
    m.v4iaid = 0;
    m.type = DHCP6_REQUEST;
    T_CHECK(xchg(&m));
    T_CHECK(ia_of(0x44) && ia_of(0x44)->n_item == 1 && !memcmp(&ia_of(0x44)->item[0].addr, &v4, 16));
    /* another client still gets one */
    struct dm m2 = { .n = 2, .v6ia = true, .dstm = true };
    struct in6_addr v4b = { 0 };
    T_CHECK(request(m2, NULL, &v4b));
    T_CHECK(IN6_IS_ADDR_V4MAPPED(&v4b) && memcmp(&v4b, &v4, 16));
    T_EQ(v4_count(), 2);
    teardown();
}

/* Someone presenting the holder's DUID (Leasequery hands it out) with
 * another IA_NA cannot move the IPv4 binding to its own IPv6 address
 * while the holder's IA_NA lease lives. */
TEST(no_v4_move)
{
    setup(413, "pool4 192.0.2.10-192.0.2.11");
    struct dm m = { .n = 1, .v6ia = true, .dstm = true };
    struct in6_addr v6 = { 0 }, v4 = { 0 };
    T_CHECK(request(m, &v6, &v4));
    struct in_addr a4 = { v4.s6_addr32[3] };
    struct dm thief = { .n = 1, .v6ia = true, .v6iaid = 9, .dstm = true, .type = DHCP6_REQUEST };
    int bound = N_BOUND;
    T_CHECK(xchg(&thief));
    T_CHECK(ia_of(9) && ia_of(9)->n_item == 1 && memcmp(&ia_of(9)->item[0].addr, &v6, 16));
    T_CHECK(ia_of(0x44) && ia_of(0x44)->n_item == 0 && ia_of(0x44)->status.code == D6S_NO_ADDRS_AVAIL);
    T_EQ(ctr("aiih.drop_v4_move"), 1);
    T_EQ(N_BOUND, bound);
    struct dstm_binding b;
    T_CHECK(aiih_lookup_v4(A, a4, 0, &b));
    T_CHECK(!memcmp(&b.v6, &v6, 16));
    /* the holder itself renews as before */
    m.type = DHCP6_RENEW;
    m.v6addr = &v6;
    m.v4addr = &v4;
    T_CHECK(xchg(&m));
    T_CHECK(ia_of(0x44) && ia_of(0x44)->n_item == 1 && ia_of(0x44)->item[0].valid > 0);
    teardown();
}

/* Every hold taken (AIIH_MAX_HOLDS = 4096 < the 65536 records the glue
 * may publish): a binding is not published, since nothing would keep its
 * address from going to another host while the record is served. */
TEST(no_publish_without_hold)
{
    setup(414, "pool4 192.0.2.10-192.0.2.11");
    char why[160] = "";
    struct dnsd_config dc = { .zone = "example.test", .exhausted_rcode = DNS_RCODE_SERVFAIL };
    T_EQ(dnsd_configure(A, &dc, why, sizeof why), 0);
    struct dnsu_config uc;
    memset(&uc, 0, sizeof uc);
    struct sockaddr_in *s4 = (struct sockaddr_in *)&uc.server;
    s4->sin_family = AF_INET;
    inet_pton(AF_INET, "192.0.2.2", &s4->sin_addr);
    snprintf(uc.zone, sizeof uc.zone, "example.test");
    snprintf(uc.key_name, sizeof uc.key_name, "upd-key");
    uc.alg = DNSU_HMAC_SHA256;
    memset(uc.secret, 0x5a, 32);
    uc.secret_len = 32;
    T_EQ(dnsu_configure(A, &uc, why, sizeof why), 0);
    /* the host's IPv6 address first (no IPv4 yet), named in the zone */
    struct dm m = { .n = 1, .v6ia = true };
    struct in6_addr v6 = { 0 };
    T_CHECK(request(m, &v6, NULL));
    T_EQ(dnsd_host_add(A, "h1.example.test", &v6, why, sizeof why), 0);
    /* 4096 other addresses held */
    for (unsigned i = 0; i < 4096; i++) {
        struct dstm_binding b = { .v4 = { htonl(0xc6336400u + i / 256) }, .ps = { 6, 8, (uint16_t)(i % 256) } };
        T_CHECK(aiih_hold(A, &b));
    }
    struct dstm_binding extra = { .v4 = { htonl(0xcb007101u) } };
    T_CHECK(!aiih_hold(A, &extra));
    T_EQ(ctr("aiih.drop_hold_full"), 1);
    m.dstm = true;
    m.type = DHCP6_REQUEST;
    T_CHECK(xchg(&m));
    T_CHECK(ia_of(0x44) && ia_of(0x44)->n_item == 1);
    struct aiih_dns_info di;
    aiih_dns_info(A, &di);
    T_EQ(di.published, 0);
    T_EQ(di.refused_full, 1);
    T_EQ(ctr("aiih.drop_hold_full"), 2);
    teardown();
}

/* The DTI's empty IA ("nothing wanted", dti.h) in Solicit, Request and
 * Rebind: no address is allocated for it (only a Reconfigure offer fills
 * it: assign_for_reconfigure); the IPv6 IA_NA is bound all the same. */
TEST(empty_ia_allocates_nothing)
{
    setup(409, "pool4 192.0.2.10-192.0.2.11");
    struct dm m = { .n = 1, .v6ia = true, .dstm = true, .offer_only = true };
    struct in6_addr v6 = { 0 }, v4 = { 0 };
    T_CHECK(request(m, &v6, &v4));
    T_CHECK(ia_of(1) && ia_of(1)->n_item == 1);
    T_CHECK(ia_of(0x44) && ia_of(0x44)->n_item == 0);
    T_CHECK(IN6_IS_ADDR_UNSPECIFIED(&v4));
    m.type = DHCP6_REBIND;
    m.v6addr = &v6;
    T_CHECK(xchg(&m));
    T_CHECK(ia_of(0x44) && ia_of(0x44)->n_item == 0);
    T_EQ(v4_count(), 0);
    T_EQ(N_BOUND, 0);
    T_EQ(ctr("aiih.bound"), 0);
    T_EQ(ctr("aiih.no_addrs"), 0);
    /* a Renew naming an address this server does not know: NoBinding */
    struct in6_addr other = A6("::ffff:192.0.2.99"), any = A6("::ffff:0.0.0.0");
    m.type = DHCP6_RENEW;
    m.v4addr = &other;
    T_CHECK(xchg(&m));
    T_CHECK(ia_of(0x44) && ia_of(0x44)->n_item == 0 && ia_of(0x44)->status.code == D6S_NO_BINDING);
    /* the DTI asks once bound by a Renew with ::ffff:0.0.0.0 (RFC 8415
     * §18.3.4 lets a Renew make a binding): bound */
    m.v4addr = &any;
    T_CHECK(xchg(&m));
    T_CHECK(ia_of(0x44) && ia_of(0x44)->n_item == 1);
    T_CHECK(eq6(&ia_of(0x44)->item[0].addr, "::ffff:192.0.2.10") || eq6(&ia_of(0x44)->item[0].addr, "::ffff:192.0.2.11"));
    T_EQ(v4_count(), 1);
    T_EQ(ctr("aiih.bound"), 1);
    teardown();
}

/* ------------------------------------------------------------ lw4o6 */

static bool lw_of(struct in_addr *v4, struct dhcp6_portparams *pp, struct in6_addr *bind6, struct in6_addr *br)
{
    if (RM.s46.type != D6O_S46_CONT_LW || !RM.s46.has_bind)
        return false;
    *v4 = RM.s46.bind4;
    *pp = RM.s46.bind_pp;
    *bind6 = RM.s46.bind6;
    T_EQ(RM.s46.bind6_len, 128);
    T_EQ(RM.s46.n_br, 1);
    *br = RM.s46.br[0];
    return true;
}

TEST(lw4o6_shared)
{
    setup(403, "pool4 198.51.100.1 share 4");
    uint16_t psids[4];
    for (uint32_t n = 1; n <= 4; n++) {
        struct dm m = { .n = n, .v6ia = true, .lw = true };
        struct in6_addr v6;
        T_CHECK(request(m, &v6, NULL));
        struct in_addr v4 = { 0 };
        struct dhcp6_portparams pp = { 0 };
        struct in6_addr bind6 = { 0 }, br = { 0 };
        T_CHECK(lw_of(&v4, &pp, &bind6, &br));
        T_CHECK(v4.s_addr == htonl(0xc6336401));
        T_CHECK(pp.present && pp.psid_len == 2 && pp.offset == 6);
        T_CHECK(!memcmp(&bind6, &v6, 16));   /* the IA_NA's address is the bind prefix */
        T_CHECK(eq6(&br, "2001:db8:ffff::1"));
        T_CHECK(ia_of(1)->item[0].valid == 7200);   /* the softwire's lifetime: the IA_NA's */
        psids[n - 1] = pp.psid;
        for (uint32_t k = 1; k < n; k++)
            T_CHECK(psids[k - 1] != pp.psid);
    }
    T_EQ(N_BOUND, 4);
    T_EQ(ctr("aiih.lw_bound"), 4);
    T_EQ(v4_count(), 4);
    /* the fifth: no softwire, its IPv6 address all the same */
    struct dm m = { .n = 5, .v6ia = true, .lw = true };
    T_CHECK(request(m, NULL, NULL));
    T_EQ(RM.s46.type, 0);
    T_CHECK(ia_of(1) && ia_of(1)->n_item == 1);
    T_EQ(v4_count(), 4);
    /* the lw4o6 binding ends with its IA_NA */
    struct dm r = { .n = 1, .v6ia = true, .type = DHCP6_RELEASE };
    T_CHECK(xchg(&r));
    T_EQ(N_GONE, 1);
    T_EQ(v4_count(), 3);
    /* lw4o6 asked without an IA_NA: counted, no softwire */
    struct dm bad = { .n = 9, .lw = true, .type = DHCP6_SOLICIT };
    uint64_t before = ctr("aiih.drop_lw_no_ia_na");
    xchg(&bad);
    T_EQ(ctr("aiih.drop_lw_no_ia_na"), before + 1);
    T_EQ(RM.s46.type, 0);
    T_EQ(v4_count(), 3);
    teardown();
}

/* ------------------------------------------------------------ expiry, holds */

TEST(expiry_and_reuse)
{
    setup(404, "pool4 192.0.2.10 valid 60 preferred 30");
    struct dm m1 = { .n = 1, .v6ia = true, .dstm = true }, m2 = { .n = 2, .v6ia = true, .dstm = true };
    struct in6_addr v4 = { 0 };
    T_CHECK(request(m1, NULL, &v4));
    T_EQ(N_BOUND, 1);
    sim_run_for(W, 90 * SEC);
    T_EQ(N_GONE, 1);
    T_EQ(ctr("aiih.expired"), 1);
    T_EQ(LAST.v4.s_addr, htonl(0xc000020a));
    T_EQ(v4_count(), 0);
    struct in6_addr v4b = { 0 };
    T_CHECK(request(m2, NULL, &v4b));
    T_CHECK(!memcmp(&v4, &v4b, 16));
    teardown();
}

TEST(hold_blocks_reuse)
{
    setup(405, "pool4 192.0.2.10");
    struct dm m1 = { .n = 1, .v6ia = true, .dstm = true }, m2 = { .n = 2, .v6ia = true, .dstm = true };
    struct in6_addr v4 = { 0 };
    T_CHECK(request(m1, NULL, &v4));
    struct dstm_binding held = LAST;
    aiih_hold(A, &held);
    m1.type = DHCP6_RELEASE;
    m1.v6ia = false;
    T_CHECK(xchg(&m1));
    T_EQ(N_GONE, 1);
    struct in6_addr v4b = { 0 };
    T_CHECK(request(m2, NULL, &v4b));
    T_CHECK(ia_of(0x44) && ia_of(0x44)->n_item == 0);   /* held: not reused */
    T_EQ(cmd(A, "-j dstm aiih show"), 0);
    T_CHECK(strstr(OUT.buf, "\"held\":1") != NULL);
    aiih_unhold(A, &held);
    m2.type = DHCP6_REQUEST;
    T_CHECK(xchg(&m2));
    T_CHECK(ia_of(0x44) && ia_of(0x44)->n_item == 1 && !memcmp(&ia_of(0x44)->item[0].addr, &v4, 16));
    teardown();
}

/* ------------------------------------------------------------ allocation on a DNS query */

static int N_DONE;
static enum aiih_status DONE_ST;
static struct dstm_binding DONE_B;
static uint32_t DONE_TTL;

static void assigned(void *arg, enum aiih_status s, const struct dstm_binding *b, uint32_t ttl)
{
    (void)arg;
    N_DONE++;
    DONE_ST = s;
    if (b)
        DONE_B = *b;
    DONE_TTL = ttl;
}

TEST(assign_for_reconfigure)
{
    setup(406, "pool4 192.0.2.10-192.0.2.11 offer-timeout 20 quarantine 100 short-ttl 5");
    struct dm m = { .n = 1, .v6ia = true, .reconf_accept = true };
    struct in6_addr v6;
    T_CHECK(request(m, &v6, NULL));
    T_CHECK(RM.auth.present);   /* the reconfigure key */
    N_DONE = 0;
    T_EQ(aiih_assign_for(A, &v6, assigned, NULL), 0);
    T_EQ(N_DONE, 0);   /* never inside the call */
    drain(CS);
    T_CHECK(recv_on(CS, 50 * MS, NULL) > 0);
    T_EQ(RM.type, DHCP6_RECONFIGURE);
    T_CHECK(RM.has_reconf_msg && RM.reconf_msg == DHCP6_RENEW);
    T_EQ(N_DONE, 1);
    T_EQ(DONE_ST, AIIH_OK);
    T_EQ(DONE_TTL, 5);
    T_CHECK(!memcmp(&DONE_B.v6, &v6, 16));
    T_EQ(v4_count(), 1);
    T_CHECK(strstr(OUT.buf, "\"state\":\"offered\"") != NULL);
    T_EQ(N_BOUND, 0);
    /* the client's Renew carries its empty DSTM IA: the Reply binds the offer */
    m.type = DHCP6_RENEW;
    m.v6addr = &v6;
    m.dstm = true;
    T_CHECK(xchg(&m));
    T_CHECK(ia_of(0x44) && ia_of(0x44)->n_item == 1);
    T_EQ(ia_of(0x44)->item[0].addr.s6_addr32[3], DONE_B.v4.s_addr);
    T_EQ(N_BOUND, 1);
    T_EQ(ctr("aiih.offers_taken"), 1);
    T_EQ(cmd(A, "-j dstm bindings"), 0);
    T_CHECK(strstr(OUT.buf, "\"state\":\"acknowledged\"") != NULL);
    /* asked again: the binding it has, at once (from the event loop) */
    N_DONE = 0;
    T_EQ(aiih_assign_for(A, &v6, assigned, NULL), 0);
    T_EQ(N_DONE, 0);
    sim_run_for(W, 1 * MS);
    T_CHECK(N_DONE == 1 && DONE_ST == AIIH_OK && DONE_TTL > 5);
    /* unknown host */
    struct in6_addr nobody = A6("2001:db8:1::dead");
    N_DONE = 0;
    T_EQ(aiih_assign_for(A, &nobody, assigned, NULL), 0);
    sim_run_for(W, 1 * MS);
    T_CHECK(N_DONE == 1 && DONE_ST == AIIH_UNKNOWN_HOST);

    /* the timeout path: an offer nobody takes is quarantined, then freed */
    struct dm m2 = { .n = 2, .v6ia = true, .reconf_accept = true };
    struct in6_addr v6b;
    T_CHECK(request(m2, &v6b, NULL));
    N_DONE = 0;
    T_EQ(aiih_assign_for(A, &v6b, assigned, NULL), 0);
    sim_run_for(W, 50 * MS);
    T_CHECK(N_DONE == 1 && DONE_ST == AIIH_OK);
    struct dstm_binding offered = DONE_B;
    int gone = N_GONE;
    sim_run_for(W, 40 * SEC);
    T_EQ(N_GONE, gone + 1);
    T_EQ(LAST.v4.s_addr, offered.v4.s_addr);
    T_EQ(ctr("aiih.offers_withdrawn"), 1);
    T_EQ(v4_count(), 1);
    /* in quarantine: a third client finds the pool full */
    struct dm m3 = { .n = 3, .v6ia = true, .dstm = true };
    T_CHECK(request(m3, NULL, NULL));
    T_CHECK(ia_of(0x44) && ia_of(0x44)->n_item == 0);
    sim_run_for(W, 120 * SEC);
    m3.type = DHCP6_REQUEST;
    T_CHECK(xchg(&m3));
    T_CHECK(ia_of(0x44) && ia_of(0x44)->n_item == 1);
    T_EQ(ia_of(0x44)->item[0].addr.s6_addr32[3], offered.v4.s_addr);
    teardown();
}

/* Concurrent A queries for one host while its offer's commit is in
 * flight: one offer, the later queries join it and get the same address. */
TEST(assign_for_joins_offer)
{
    setup(415, "pool4 192.0.2.10-192.0.2.13 offer-timeout 20 quarantine 100 short-ttl 5");
    struct dm m = { .n = 1, .v6ia = true, .reconf_accept = true };
    struct in6_addr v6;
    T_CHECK(request(m, &v6, NULL));
    N_DONE = 0;
    for (int i = 0; i < 3; i++)
        T_EQ(aiih_assign_for(A, &v6, assigned, NULL), 0);
    sim_run_for(W, 100 * MS);
    T_EQ(N_DONE, 3);
    T_EQ(DONE_ST, AIIH_OK);
    T_EQ(v4_count(), 1);
    T_EQ(ctr("aiih.offers"), 1);
    T_EQ(ctr("aiih.offers_joined"), 2);
    T_EQ(ctr("aiih.reconf_sent"), 1);
    teardown();
}

/* ------------------------------------------------------------ Leasequery */

static int N_LQ;
static enum lq_result LQ_R;
static struct dstm_binding LQ_B;

static void lq_done(void *arg, enum lq_result r, const struct dstm_binding *b)
{
    (void)arg;
    N_LQ++;
    LQ_R = r;
    if (b)
        LQ_B = *b;
}

static size_t lq_send(const struct in6_addr *addr, const char *to, const struct in6_addr *link)
{
    uint8_t buf[256], d[10];
    struct dhcp6_builder b;
    duid_of(77, d);
    dhcp6_build_init(&b, buf, sizeof buf);
    dhcp6_build_hdr(&b, DHCP6_LEASEQUERY, 0x4c51);
    dhcp6_put_opt(&b, D6O_CLIENTID, d, sizeof d);
    static const struct in6_addr zero;
    dhcp6_put_lq_by_addr(&b, link ? link : &zero, addr);
    size_t len = dhcp6_build_done(&b);
    drain(LQ);
    send_to(LQ, buf, len, to);
    struct sockaddr_in6 from;
    return recv_on(LQ, 50 * MS, &from);
}

TEST(leasequery)
{
    setup(407, "pool4 192.0.2.10");
    struct dm m = { .n = 1, .v6ia = true, .dstm = true };
    struct in6_addr v6, v4;
    T_CHECK(request(m, &v6, &v4));
    /* found: client data with the key, the holder's IPv6 address, its TEP */
    T_CHECK(lq_send(&v4, "2001:db8:1::a", NULL) > 0);
    T_EQ(RM.type, DHCP6_LEASEQUERY_REPLY);
    T_EQ(RM.xid, 0x4c51);
    T_CHECK(RM.cdata.present && RM.cdata.n_item == 2 && RM.cdata.has_clt_time);
    T_CHECK(!memcmp(&RM.cdata.item[0].addr, &v4, 16) && RM.cdata.item[0].valid > 0);
    T_CHECK(!memcmp(&RM.cdata.item[1].addr, &v6, 16));
    uint8_t d[10];
    duid_of(1, d);
    T_CHECK(RM.cdata.clientid.len == 10 && !memcmp(RM.cdata.clientid.p, d, 10));
    size_t off = 0;
    uint16_t code;
    struct dhcp6_bytes body;
    bool br = false;
    while (dhcp6_opt_next(RM.cdata.body.p, RM.cdata.body.len, &off, &code, &body))
        br |= code == D6O_S46_BR && eq6((const struct in6_addr *)body.p, "2001:db8:ffff::1");
    T_CHECK(br);
    T_EQ(ctr("aiih.lq_answered"), 1);
    /* not found */
    struct in6_addr other = A6("::ffff:203.0.113.9");
    T_CHECK(lq_send(&other, "2001:db8:1::a", NULL) > 0);
    T_CHECK(!RM.cdata.present && RM.status.present && RM.status.code == D6S_NOT_CONFIGURED);
    /* a link-address naming someone else: the answer still comes to the requestor */
    struct in6_addr spoof = A6("2001:db8:1::66");
    T_CHECK(lq_send(&v4, "2001:db8:1::a", &spoof) > 0);
    T_CHECK(RM.cdata.present);
    /* the border router's requestor (src/dstm/lq.c) understands the answer */
    {
        struct in6_addr server = A6("2001:db8:1::a");
        struct in_addr a4 = { v4.s6_addr32[3] };
        N_LQ = 0;
        T_EQ(lq_query(B, &server, a4, NULL, lq_done, NULL), 0);
        sim_run_for(W, 100 * MS);
        T_EQ(N_LQ, 1);
        T_EQ(LQ_R, LQ_FOUND);
        T_CHECK(!memcmp(&LQ_B.v6, &v6, 16) && eq6(&LQ_B.tep, "2001:db8:ffff::1") && LQ_B.v4.s_addr == a4.s_addr);
        struct in_addr none = { htonl(0xcb007109) };
        T_EQ(lq_query(B, &server, none, NULL, lq_done, NULL), 0);
        sim_run_for(W, 100 * MS);
        T_CHECK(N_LQ == 2 && LQ_R == LQ_NOT_FOUND);
    }
    /* multicast: dropped */
    uint64_t mc = ctr("aiih.drop_lq_multicast");
    T_EQ(lq_send(&v4, "ff02::1:2", NULL), 0);
    T_EQ(ctr("aiih.drop_lq_multicast"), mc + 1);
    /* a source outside leasequery-from: NotAllowed, no client data */
    T_EQ(cmd(A, "dstm aiih dev eth0 pool4 192.0.2.10 leasequery-from 2001:db8:99::/64"), 0);
    T_CHECK(lq_send(&v4, "2001:db8:1::a", NULL) > 0);
    T_CHECK(!RM.cdata.present && RM.status.code == D6S_NOT_ALLOWED);
    T_EQ(ctr("aiih.drop_lq_refused"), 1);
    teardown();
}

/* ------------------------------------------------------------ restart */

TEST(restart_keeps_v4)
{
    setup(408, "pool4 192.0.2.10-192.0.2.11");
    struct dm m = { .n = 1, .v6ia = true, .dstm = true };
    struct in6_addr v6, v4;
    T_CHECK(request(m, &v6, &v4));
    T_EQ(cmd(A, "dhcp6 server dev eth0 off"), 0);
    T_EQ(cmd(A, "dhcp6 server dev eth0 pool 2001:db8:1::1000-2001:db8:1::1fff reconfigure on store %s", JOURNAL), 0);
    T_EQ(cmd(A, "dstm aiih dev eth0 pool4 192.0.2.10-192.0.2.11 tep 2001:db8:1::/64 2001:db8:ffff::1"), 0);
    T_EQ(v4_count(), 1);
    char a6[INET6_ADDRSTRLEN];
    T_CHECK(strstr(OUT.buf, inet_ntop(AF_INET6, &v6, a6, sizeof a6)) != NULL);   /* its holder found again */
    struct dstm_binding b;
    struct in_addr a4 = { v4.s6_addr32[3] };
    T_CHECK(aiih_lookup_v4(A, a4, 0, &b));
    T_CHECK(!memcmp(&b.v6, &v6, 16));
    /* the other client gets the other address */
    struct dm m2 = { .n = 2, .v6ia = true, .dstm = true };
    struct in6_addr v4b = { 0 };
    T_CHECK(request(m2, NULL, &v4b));
    T_CHECK(memcmp(&v4b, &v4, 16) != 0);
    teardown();
}

/* ------------------------------------------------------------ hostile */

/* m dropped whole: no answer, counter +1, nothing bound. */
static void dropped(struct dm m, const char *counter)
{
    uint64_t before = ctr(counter);
    int leases = v4_count();
    uint8_t buf[1024];
    size_t len = build(&m, buf, sizeof buf);
    drain(CS);
    send_to(CS, buf, len, "ff02::1:2");
    T_EQ(recv_on(CS, 50 * MS, NULL), 0);
    if (ctr(counter) != before + 1)
        fprintf(stderr, "  %s: %llu -> %llu\n", counter, (unsigned long long)before, (unsigned long long)ctr(counter));
    T_EQ(ctr(counter), before + 1);
    T_EQ(v4_count(), leases);
}

TEST(hostile)
{
    setup(409, "pool4 192.0.2.10-192.0.2.11");
    struct dm ok = { .n = 1, .v6ia = true, .dstm = true };
    T_CHECK(request(ok, NULL, NULL));
    T_EQ(v4_count(), 1);
    struct dm m = { .n = 2, .v6ia = true, .dstm = true, .type = DHCP6_SOLICIT };
    m.ext_len = 7;
    dropped(m, "dhcp6s.drop.bad_opt_len");
    m.ext_len = 0;
    m.ext_no_ia = true;
    dropped(m, "dhcp6s.drop.dstm_no_ia");
    m.ext_no_ia = false;
    m.ext_twice = true;
    dropped(m, "dhcp6s.drop.dstm_twice");
    m.ext_twice = false;
    struct in6_addr not_mapped = A6("2001:db8:1::77");
    m.v4addr = &not_mapped;
    m.type = DHCP6_REQUEST;
    dropped(m, "aiih.drop_not_mapped");
    T_EQ(ctr("aiih.drop_dstm_opt"), 3);
    T_EQ(N_BOUND, 1);
    /* DHCPv4-over-DHCPv6: counted, not served */
    uint8_t q[64] = { DHCP6_DHCPV4_QUERY, 0, 0, 1, 0, 87, 0, 4, 1, 1, 6, 0 };
    drain(CS);
    send_to(CS, q, 12, "ff02::1:2");
    T_EQ(recv_on(CS, 50 * MS, NULL), 0);
    T_EQ(ctr("aiih.drop_dhcpv4_query"), 1);
    teardown();
}

TEST(config_errors)
{
    struct sim_link_params p = { .delay_ns = 1 * MS };
    W = sim_world_create(410);
    sim_pair_dual(W, 0, 4096, &p, &A, &B);
    T_CHECK(cmd(A, "dstm aiih dev eth0 pool4 192.0.2.10") != 0);
    T_CHECK(strstr(ERR.buf, "dhcp6 server dev eth0") != NULL);   /* the server line comes first */
    six_stack_destroy(A);
    six_stack_destroy(B);
    sim_world_destroy(W);
    setup(411, "pool4 192.0.2.10");
    T_CHECK(cmd(A, "dstm aiih dev eth0 pool4 192.0.2.10-192.0.2.20 pool4 192.0.2.15-192.0.2.30") != 0);
    T_CHECK(cmd(A, "dstm aiih dev eth0 pool4 192.0.2.10 share 3") != 0);
    T_CHECK(cmd(A, "dstm aiih dev eth0 pool4 192.0.2.10 share 1024 offset 8") != 0);
    T_CHECK(cmd(A, "dstm aiih dev eth0 pool4 192.0.2.10 opt-code 3") != 0);
    T_CHECK(cmd(A, "dstm aiih dev eth0 pool4 10.0.0.0-10.255.255.255") != 0);
    T_EQ(cmd(A, "dstm aiih off"), 0);
    T_EQ(cmd(A, "dstm aiih show"), 0);
    T_CHECK(strstr(OUT.buf, "off") != NULL);
    teardown();
}

int main(void)
{
    cmd_out_init(&OUT);
    cmd_out_init(&ERR);
    RUN(draft_exchanges);
    RUN(exhaustion);
    RUN(one_v4_per_duid);
    RUN(no_v4_move);
    RUN(no_publish_without_hold);
    RUN(empty_ia_allocates_nothing);
    RUN(lw4o6_shared);
    RUN(expiry_and_reuse);
    RUN(hold_blocks_reuse);
    RUN(assign_for_reconfigure);
    RUN(assign_for_joins_offer);
    RUN(leasequery);
    RUN(restart_keeps_v4);
    RUN(hostile);
    RUN(config_errors);
    cmd_out_free(&OUT);
    cmd_out_free(&ERR);
    return t_done();
}
