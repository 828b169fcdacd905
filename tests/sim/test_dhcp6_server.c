/* The DHCPv6 server (src/dhcp6/server*.c) on the simulator: stack A serves
 * eth0, stack B plays clients (a socket on port 546) and relays (a socket on
 * port 547) with messages built by the wire builder.  Every exchange of RFC
 * 9915 §18.3, rapid commit, reservations, pool exhaustion, Decline
 * quarantine, relays 2 and 8 deep (9 refused), a restart on the same
 * journal, Reconfigure with its HMAC, the role checks, and a Solicit storm. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include "../lib/t.h"
#include "../lib/simstack.h"
#include "ctl/cmd.h"
#include "dhcp6/dhcp6.h"
#include "dhcp6/server.h"
#include "dhcp6/server_int.h"
#include "link/ifnet.h"
#include "link/sim.h"
#include "net/ip6_var.h"
#include "net/stack.h"
#include "six/socket.h"
#include "wire/dhcp6.h"

#define MS (1000000ull)
#define SEC (1000000000ull)

static struct sim_world *W;
static struct six_stack *A, *B;
static int CS = -1, RS = -1;            /* B's client (546) and relay (547) sockets */
static struct six_stack *CLI;           /* the stack CS belongs to (B unless a test moves it) */
static char DIR_[64], JOURNAL[128];
static struct cmd_out OUT, ERR;

/* ------------------------------------------------------------ set-up */

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
    bool json = argc > 0 && !strcmp(argv[0], "-j");
    c.json = json;
    return six_cmd_exec(&c, argc - json, argv + json);
}

static int udp_socket(struct six_stack *st, uint16_t port)
{
    int sd = six_socket(st, AF_INET6, SOCK_DGRAM, 0);
    struct sockaddr_in6 any = { .sin6_family = AF_INET6, .sin6_port = htons(port) };
    T_CHECK(sd >= 0);
    T_EQ(six_bind(st, sd, (struct sockaddr *)&any, sizeof any), 0);
    unsigned ifx = if_find(st, "eth0")->index;
    int v = (int)ifx;
    T_EQ(six_setsockopt(st, sd, IPPROTO_IPV6, IPV6_MULTICAST_IF, &v, sizeof v), 0);
    return sd;
}

static void setup(void)
{
    struct sim_link_params p = { .delay_ns = 1 * MS };
    W = sim_world_create(12);
    sim_pair_dual(W, 0, 4096, &p, &A, &B);
    snprintf(DIR_, sizeof DIR_, "/tmp/d6srv-sim-XXXXXX");
    T_CHECK(mkdtemp(DIR_) != NULL);
    snprintf(JOURNAL, sizeof JOURNAL, "%s/leases", DIR_);
    CS = udp_socket(B, DHCP6_CLIENT_PORT);
    RS = udp_socket(B, DHCP6_SERVER_PORT);
    CLI = B;
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

static int serve(const char *extra)
{
    return cmd(A, "dhcp6 server dev eth0 pool 2001:db8:1::1000-2001:db8:1::1fff pd-pool 2001:db8:100::/40 "
                  "delegate 56 preference 7 store %s %s", JOURNAL, extra);
}

/* ------------------------------------------------------------ client messages */

struct cm {                  /* what a test client puts in a message */
    uint8_t type;
    uint32_t xid;
    uint8_t duid[16];
    int duid_len;
    bool na, pd, ta, rapid, reconf_accept, oro_dns;
    uint32_t iaid;
    const struct in6_addr *na_addr, *pd_prefix;   /* items named in the IAs */
    uint8_t pd_plen;
    bool with_serverid;
    const uint8_t *serverid;
    int serverid_len;
};

static void duid_of(struct cm *m, uint32_t n)
{
    uint8_t d[10] = { 0, 3, 0, 1, 0x02, 0x00, (uint8_t)(n >> 24), (uint8_t)(n >> 16), (uint8_t)(n >> 8), (uint8_t)n };
    memcpy(m->duid, d, sizeof d);
    m->duid_len = sizeof d;
}

static size_t build(const struct cm *m, uint8_t *buf, size_t cap)
{
    struct dhcp6_builder b;
    dhcp6_build_init(&b, buf, cap);
    dhcp6_build_hdr(&b, m->type, m->xid);
    if (m->duid_len)
        dhcp6_put_opt(&b, D6O_CLIENTID, m->duid, (size_t)m->duid_len);
    if (m->with_serverid)
        dhcp6_put_opt(&b, D6O_SERVERID, m->serverid, (size_t)m->serverid_len);
    dhcp6_put_u16(&b, D6O_ELAPSED_TIME, 0);
    if (m->rapid)
        dhcp6_put_empty(&b, D6O_RAPID_COMMIT);
    if (m->reconf_accept)
        dhcp6_put_empty(&b, D6O_RECONF_ACCEPT);
    if (m->oro_dns) {
        uint16_t oro[] = { D6O_DNS_SERVERS, D6O_DOMAIN_LIST };
        dhcp6_put_oro(&b, oro, 2);
    }
    if (m->na) {
        dhcp6_begin_ia(&b, D6O_IA_NA, m->iaid, 0, 0);
        if (m->na_addr) {
            dhcp6_begin_iaaddr(&b, m->na_addr, 0, 0);
            dhcp6_end(&b);
        }
        dhcp6_end(&b);
    }
    if (m->pd) {
        dhcp6_begin_ia(&b, D6O_IA_PD, m->iaid + 1, 0, 0);
        if (m->pd_prefix) {
            dhcp6_begin_iaprefix(&b, m->pd_prefix, m->pd_plen, 0, 0);
            dhcp6_end(&b);
        }
        dhcp6_end(&b);
    }
    if (m->ta) {
        dhcp6_begin_ia(&b, D6O_IA_TA, m->iaid + 2, 0, 0);
        dhcp6_end(&b);
    }
    return dhcp6_build_done(&b);
}

static void send_raw(int sd, const void *buf, size_t len, const char *to, uint16_t port)
{
    struct sockaddr_in6 sa = { .sin6_family = AF_INET6, .sin6_port = htons(port) };
    inet_pton(AF_INET6, to, &sa.sin6_addr);
    struct six_stack *st = sd == CS ? CLI : B;
    if (sa.sin6_addr.s6_addr[0] == 0xff)
        sa.sin6_scope_id = if_find(st, "eth0")->index;
    T_EQ(six_sendto(st, sd, buf, len, 0, (struct sockaddr *)&sa, sizeof sa), (long long)len);
}

static uint8_t RX[4096];
static size_t RXLEN;
static struct dhcp6_msg RM;              /* the last answer, parsed (the client message of a relay chain) */
static struct dhcp6_msg LV[DHCP6_RELAY_DEPTH_MAX + 1];
static int NLV;

/* Wait for one datagram on sd; parse it (a chain) into LV/RM. Length or 0. */
static size_t recv_on(int sd, uint64_t wait)
{
    sim_run_for(W, wait);
    ssize_t n = six_recvfrom(sd == CS ? CLI : B, sd, RX, sizeof RX, 0, NULL, NULL);
    if (n <= 0)
        return 0;
    RXLEN = (size_t)n;
    if (dhcp6_parse_chain(RX, (size_t)n, LV, &NLV) != WR_OK)
        return 0;
    RM = LV[NLV - 1];
    return (size_t)n;
}

static void drain(int sd)
{
    while (six_recvfrom(sd == CS ? CLI : B, sd, RX, sizeof RX, 0, NULL, NULL) > 0)
        ;
}

/* One exchange from the client socket: the answer in RM; false if none. */
static bool xchg(const struct cm *m)
{
    uint8_t buf[1024];
    size_t len = build(m, buf, sizeof buf);
    T_CHECK(len > 0);
    drain(CS);
    send_raw(CS, buf, len, "ff02::1:2", DHCP6_SERVER_PORT);
    return recv_on(CS, 50 * MS) > 0;
}

static const struct dhcp6_ia *ia_of(const struct dhcp6_msg *m, uint16_t type)
{
    for (int i = 0; i < m->n_ia; i++)
        if (m->ia[i].type == type)
            return &m->ia[i];
    return NULL;
}

static uint8_t SID[DHCP6_DUID_MAX];
static int SID_LEN;

static void keep_serverid(void)
{
    T_CHECK(RM.serverid.p != NULL);
    memcpy(SID, RM.serverid.p, RM.serverid.len);
    SID_LEN = RM.serverid.len;
}

static struct cm client(uint32_t n, uint8_t type)
{
    struct cm m = { .type = type, .xid = 0x100000 + n, .na = true, .iaid = 1 };
    duid_of(&m, n);
    return m;
}

static struct cm with_sid(struct cm m)
{
    m.with_serverid = true;
    m.serverid = SID;
    m.serverid_len = SID_LEN;
    return m;
}

static bool in_range(const struct in6_addr *a, const char *lo, const char *hi)
{
    struct in6_addr l, h;
    inet_pton(AF_INET6, lo, &l);
    inet_pton(AF_INET6, hi, &h);
    return memcmp(a, &l, 16) >= 0 && memcmp(a, &h, 16) <= 0;
}

static uint64_t wire_drops(struct six_stack *st)
{
    uint64_t n = 0;
    for (int r = 0; r < WR__MAX; r++)
        n += st->ctr.wire[WP_dhcp6s][r];
    return n;
}

/* Bind a client with Solicit → Advertise → Request → Reply; the address in *a. */
static bool bind_client(uint32_t n, struct in6_addr *a)
{
    struct cm m = client(n, DHCP6_SOLICIT);
    if (!xchg(&m) || RM.type != DHCP6_ADVERTISE)
        return false;
    keep_serverid();
    m = with_sid(client(n, DHCP6_REQUEST));
    if (!xchg(&m) || RM.type != DHCP6_REPLY)
        return false;
    const struct dhcp6_ia *ia = ia_of(&RM, D6O_IA_NA);
    if (!ia || ia->n_item != 1 || ia->item[0].valid == 0)
        return false;
    if (a)
        *a = ia->item[0].addr;
    return true;
}

/* ------------------------------------------------------------ tests */

TEST(solicit_advertise_request_reply)
{
    setup();
    T_EQ(serve(""), 0);
    struct cm m = client(1, DHCP6_SOLICIT);
    m.pd = true;
    T_CHECK(xchg(&m));
    T_EQ(RM.type, DHCP6_ADVERTISE);
    T_EQ(RM.xid, m.xid);
    T_CHECK(RM.has_preference && RM.preference == 7);
    const struct dhcp6_ia *na = ia_of(&RM, D6O_IA_NA), *pd = ia_of(&RM, D6O_IA_PD);
    T_CHECK(na && pd && na->n_item == 1 && pd->n_item == 1);
    T_CHECK(in_range(&na->item[0].addr, "2001:db8:1::1000", "2001:db8:1::1fff"));
    T_EQ(pd->item[0].plen, 56);
    struct in6_addr adv_a = na->item[0].addr, adv_p = pd->item[0].addr;
    keep_serverid();
    T_EQ(cmd(A, "dhcp6 leases"), 0);
    T_STREQ(OUT.buf, "");                          /* an Advertise commits nothing */

    m = with_sid(client(1, DHCP6_REQUEST));
    m.pd = true;
    T_CHECK(xchg(&m));
    T_EQ(RM.type, DHCP6_REPLY);
    na = ia_of(&RM, D6O_IA_NA);
    pd = ia_of(&RM, D6O_IA_PD);
    T_CHECK(na && pd && na->n_item == 1 && pd->n_item == 1);
    T_MEMEQ(&na->item[0].addr, &adv_a, 16);        /* what was advertised */
    T_MEMEQ(&pd->item[0].addr, &adv_p, 16);
    T_EQ(na->item[0].valid, D6S_VALID_DEFAULT);
    T_EQ(na->t1, D6S_PREFERRED_DEFAULT / 2);
    T_EQ(cmd(A, "-j dhcp6 leases"), 0);
    T_CHECK(strstr(OUT.buf, "\"address\":\"2001:db8:1::") != NULL);
    T_CHECK(strstr(OUT.buf, "/56\"") != NULL);
    T_CHECK(strstr(OUT.buf, "\"state\":\"bound\"") != NULL);
    T_EQ(CTR_GET(A, dhcp6s, bound), 2);
    teardown();
}

TEST(rapid_commit_replies_committed)
{
    setup();
    T_EQ(serve("rapid-commit on"), 0);
    struct cm m = client(2, DHCP6_SOLICIT);
    m.rapid = true;
    T_CHECK(xchg(&m));
    T_EQ(RM.type, DHCP6_REPLY);
    T_CHECK(RM.rapid_commit);
    T_EQ(CTR_GET(A, dhcp6s, bound), 1);
    /* without rapid commit configured: an Advertise */
    T_EQ(serve("rapid-commit off"), 0);
    m = client(3, DHCP6_SOLICIT);
    m.rapid = true;
    T_CHECK(xchg(&m));
    T_EQ(RM.type, DHCP6_ADVERTISE);
    teardown();
}

TEST(renew_rebind_release)
{
    setup();
    T_EQ(serve(""), 0);
    struct in6_addr a;
    T_CHECK(bind_client(4, &a));
    struct cm m = with_sid(client(4, DHCP6_RENEW));
    m.na_addr = &a;
    T_CHECK(xchg(&m));
    const struct dhcp6_ia *ia = ia_of(&RM, D6O_IA_NA);
    T_CHECK(ia && ia->n_item == 1 && ia->item[0].valid > 0);
    T_MEMEQ(&ia->item[0].addr, &a, 16);
    T_EQ(CTR_GET(A, dhcp6s, renewed), 1);
    m = client(4, DHCP6_REBIND);
    m.na_addr = &a;
    T_CHECK(xchg(&m));
    ia = ia_of(&RM, D6O_IA_NA);
    T_CHECK(ia && ia->n_item == 1);
    T_MEMEQ(&ia->item[0].addr, &a, 16);
    m = with_sid(client(4, DHCP6_RELEASE));
    m.na_addr = &a;
    T_CHECK(xchg(&m));
    T_CHECK(RM.status.present && RM.status.code == D6S_SUCCESS);
    T_EQ(CTR_GET(A, dhcp6s, released), 1);
    T_EQ(cmd(A, "dhcp6 leases"), 0);
    T_STREQ(OUT.buf, "");
    m = with_sid(client(4, DHCP6_RENEW));
    m.na_addr = &a;
    T_CHECK(xchg(&m));
    ia = ia_of(&RM, D6O_IA_NA);
    T_CHECK(ia && ia->status.present && ia->status.code == D6S_NO_BINDING);
    T_EQ(ia->n_item, 0);                            /* RFC 9915 §18.3.4: no addresses with NoBinding */
    teardown();
}

TEST(decline_quarantines)
{
    setup();
    T_EQ(cmd(A, "dhcp6 server dev eth0 pool 2001:db8:1::10-2001:db8:1::11 store %s", JOURNAL), 0);
    struct in6_addr a, b;
    T_CHECK(bind_client(5, &a));
    struct cm m = with_sid(client(5, DHCP6_DECLINE));
    m.na_addr = &a;
    T_CHECK(xchg(&m));
    T_CHECK(RM.status.present && RM.status.code == D6S_SUCCESS);
    T_EQ(cmd(A, "dhcp6 leases"), 0);
    T_CHECK(strstr(OUT.buf, "declined") != NULL);
    T_CHECK(bind_client(5, &b));                   /* the same client: another address */
    T_CHECK(memcmp(&a, &b, 16) != 0);
    struct cm m2 = client(6, DHCP6_SOLICIT);       /* the pool's two: one declined, one bound */
    T_CHECK(xchg(&m2));
    const struct dhcp6_ia *ia = ia_of(&RM, D6O_IA_NA);
    T_CHECK(ia && ia->status.present && ia->status.code == D6S_NO_ADDRS_AVAIL);
    teardown();
}

TEST(confirm_and_information_request)
{
    setup();
    T_EQ(serve("dns 2001:db8::53 domain example.net"), 0);
    struct in6_addr on, off;
    inet_pton(AF_INET6, "2001:db8:1::1234", &on);
    inet_pton(AF_INET6, "2001:db8:99::1", &off);
    struct cm m = client(7, DHCP6_CONFIRM);
    m.na_addr = &on;
    T_CHECK(xchg(&m));
    T_CHECK(RM.status.present && RM.status.code == D6S_SUCCESS);
    m.na_addr = &off;
    T_CHECK(xchg(&m));
    T_CHECK(RM.status.present && RM.status.code == D6S_NOT_ON_LINK);
    m.na_addr = NULL;                               /* no addresses: no Reply */
    T_CHECK(!xchg(&m));
    m = client(7, DHCP6_INFORMATION_REQUEST);
    m.na = false;
    m.oro_dns = true;
    T_CHECK(xchg(&m));
    T_EQ(RM.type, DHCP6_REPLY);
    T_EQ(RM.n_dns, 1);
    char d[64];
    size_t off2 = 0;
    T_CHECK(dhcp6_domain_next(RM.domain_list, &off2, d, sizeof d));
    T_STREQ(d, "example.net");
    T_EQ(RM.n_ia, 0);
    teardown();
}

TEST(ia_ta_is_not_served)
{
    setup();
    T_EQ(serve(""), 0);
    struct cm m = client(8, DHCP6_SOLICIT);
    m.na = false;
    m.ta = true;
    T_CHECK(xchg(&m));
    const struct dhcp6_ia *ia = ia_of(&RM, D6O_IA_TA);
    T_CHECK(ia && ia->n_item == 0 && ia->status.present && ia->status.code == D6S_NO_ADDRS_AVAIL);
    T_CHECK(!RM.has_unicast);
    teardown();
}

TEST(reservations_and_exhaustion)
{
    setup();
    /* three addresses, ::22 reserved for client 9 */
    T_EQ(cmd(A, "dhcp6 server dev eth0 pool 2001:db8:1::20-2001:db8:1::22 store %s "
                "reserve 0003000102000000000a address 2001:db8:1::22", JOURNAL), 0);
    struct in6_addr a[4], r;
    T_CHECK(bind_client(20, &a[0]));
    T_CHECK(bind_client(21, &a[1]));
    struct cm m = client(22, DHCP6_SOLICIT);       /* only the reserved one is left: not for 22 */
    T_CHECK(xchg(&m));
    const struct dhcp6_ia *ia = ia_of(&RM, D6O_IA_NA);
    T_CHECK(ia && ia->status.present && ia->status.code == D6S_NO_ADDRS_AVAIL);
    T_CHECK(CTR_GET(A, dhcp6s, no_addrs) >= 1);
    T_CHECK(bind_client(10, &r));                   /* the reservation's owner: 00030001 0200 0000000a */
    inet_pton(AF_INET6, "2001:db8:1::22", &a[2]);
    T_MEMEQ(&r, &a[2], 16);
    T_CHECK(memcmp(&a[0], &a[1], 16) != 0);
    T_CHECK(memcmp(&a[0], &r, 16) != 0 && memcmp(&a[1], &r, 16) != 0);
    teardown();
}

/* A client message wrapped in depth Relay-forw levels, sent from B's relay
 * socket to A; the innermost link-address is link. */
static size_t relay_wrap(const uint8_t *inner, size_t ilen, int depth, const char *link, uint8_t *out, size_t cap)
{
    uint8_t a[4096], b2[4096];
    memcpy(a, inner, ilen);
    size_t len = ilen;
    for (int d = 0; d < depth; d++) {
        struct dhcp6_builder b;
        struct in6_addr la = { 0 }, peer;
        if (d == 0)
            inet_pton(AF_INET6, link, &la);
        inet_pton(AF_INET6, "fe80::1234", &peer);
        dhcp6_build_init(&b, b2, sizeof b2);
        dhcp6_build_relay_hdr(&b, DHCP6_RELAY_FORW, (uint8_t)d, &la, &peer);
        char ifid[16];
        snprintf(ifid, sizeof ifid, "port%d", d);
        dhcp6_put_opt(&b, D6O_INTERFACE_ID, ifid, strlen(ifid));
        dhcp6_begin_opt(&b, D6O_RELAY_MSG);
        T_CHECK(b.len + len <= b.cap);               /* the inner message as it is */
        memcpy(b.buf + b.len, a, len);
        b.len += len;
        dhcp6_end(&b);
        len = dhcp6_build_done(&b);
        T_CHECK(len > 0);
        memcpy(a, b2, len);
    }
    T_CHECK(len <= cap);
    memcpy(out, a, len);
    return len;
}

static bool relayed(const struct cm *m, int depth, const char *link)
{
    uint8_t in[1024], out[4096];
    size_t il = build(m, in, sizeof in);
    size_t len = relay_wrap(in, il, depth, link, out, sizeof out);
    drain(RS);
    send_raw(RS, out, len, "2001:db8:1::a", DHCP6_SERVER_PORT);
    return recv_on(RS, 50 * MS) > 0;
}

TEST(relayed_two_and_eight_levels_nine_refused)
{
    setup();
    T_EQ(serve(""), 0);
    T_EQ(cmd(A, "dhcp6 server dev eth0 link 2001:db8:77::/64 pool 2001:db8:77::100-2001:db8:77::1ff"), 0);
    struct cm m = client(30, DHCP6_SOLICIT);
    T_CHECK(relayed(&m, 2, "2001:db8:77::1"));
    T_EQ(NLV, 3);
    T_EQ(LV[0].type, DHCP6_RELAY_REPL);
    T_CHECK(LV[0].interface_id.p && LV[0].interface_id.len == 5 && !memcmp(LV[0].interface_id.p, "port1", 5));
    T_CHECK(LV[1].interface_id.p && !memcmp(LV[1].interface_id.p, "port0", 5));
    T_EQ(RM.type, DHCP6_ADVERTISE);
    const struct dhcp6_ia *ia = ia_of(&RM, D6O_IA_NA);
    T_CHECK(ia && ia->n_item == 1 && in_range(&ia->item[0].addr, "2001:db8:77::100", "2001:db8:77::1ff"));
    keep_serverid();
    m = with_sid(client(30, DHCP6_REQUEST));
    T_CHECK(relayed(&m, 8, "2001:db8:77::1"));
    T_EQ(NLV, 9);
    T_EQ(RM.type, DHCP6_REPLY);
    ia = ia_of(&RM, D6O_IA_NA);
    T_CHECK(ia && ia->n_item == 1 && in_range(&ia->item[0].addr, "2001:db8:77::100", "2001:db8:77::1ff"));
    T_EQ(CTR_GET(A, dhcp6s, relayed_in), 2);
    uint64_t before = wire_drops(A);
    T_CHECK(!relayed(&m, 9, "2001:db8:77::1"));
    T_EQ(wire_drops(A), before + 1);
    /* a link no pool serves: dropped, counted */
    T_CHECK(!relayed(&m, 1, "2001:db8:5555::1"));
    T_EQ(CTR_GET(A, dhcp6s, drop_no_link), 1);
    teardown();
}

TEST(role_checks_and_foreign_serverid)
{
    setup();
    T_EQ(serve(""), 0);
    uint64_t before = wire_drops(A);
    struct cm m = client(40, DHCP6_REQUEST);        /* Request without a server-id */
    T_CHECK(!xchg(&m));
    T_EQ(wire_drops(A), before + 1);
    static const uint8_t other[] = { 0, 3, 0, 1, 2, 0, 0, 0, 0, 9 };
    m = client(40, DHCP6_SOLICIT);                  /* Solicit with one */
    m.with_serverid = true;
    m.serverid = other;
    m.serverid_len = sizeof other;
    T_CHECK(!xchg(&m));
    T_EQ(wire_drops(A), before + 2);
    m.type = DHCP6_REQUEST;                         /* another server's Request */
    T_CHECK(!xchg(&m));
    T_EQ(CTR_GET(A, dhcp6s, drop_serverid), 1);
    teardown();
}

TEST(restart_keeps_leases)
{
    setup();
    T_EQ(serve(""), 0);
    struct in6_addr a, b;
    T_CHECK(bind_client(50, &a));
    T_EQ(cmd(A, "dhcp6 server dev eth0 off"), 0);
    T_CHECK(!d6s_running(A));
    int rc = serve("");
    if (rc)
        fprintf(stderr, "  %s\n", ERR.buf);
    T_EQ(rc, 0);
    T_EQ(cmd(A, "dhcp6 leases"), 0);
    char as[INET6_ADDRSTRLEN];
    inet_ntop(AF_INET6, &a, as, sizeof as);
    T_CHECK(strstr(OUT.buf, as) != NULL);
    T_CHECK(bind_client(50, &b));                   /* the same client: its address back */
    T_MEMEQ(&a, &b, 16);
    /* the same DUID-LL: a client's Renew with the old server-id is ours */
    struct cm m = with_sid(client(50, DHCP6_RENEW));
    m.na_addr = &a;
    T_CHECK(xchg(&m));
    teardown();
}

TEST(config_errors_change_nothing)
{
    setup();
    T_EQ(cmd(A, "dhcp6 server dev eth0 pool 2001:db8:1::1-2001:db8:1::9"), 1);
    T_CHECK(strstr(ERR.buf, "store FILE required") != NULL);
    T_CHECK(!d6s_running(A));
    T_EQ(cmd(A, "dhcp6 server dev eth0 pool 2001:db8:1::9-2001:db8:1::1 store %s", JOURNAL), 1);
    T_EQ(cmd(A, "dhcp6 server dev eth9 pool 2001:db8:1::1-2001:db8:1::9 store %s", JOURNAL), 1);
    T_EQ(cmd(A, "dhcp6 server dev eth0 pool 2001:db8:1::1-2001:db8:1::9 bogus 1 store %s", JOURNAL), 2);
    T_CHECK(!d6s_running(A));
    T_EQ(serve(""), 0);
    T_EQ(cmd(A, "dhcp6 server dev eth0 pool 2001:db8:1::1-2001:db8:1::9 store %s/other", DIR_), 1);
    T_CHECK(strstr(ERR.buf, "one store per stack") != NULL);
    T_EQ(cmd(A, "-j dhcp6 server show"), 0);
    T_CHECK(strstr(OUT.buf, "\"pool\":\"2001:db8:1::1000-2001:db8:1::1fff\"") != NULL);
    teardown();
}

static int hmac_md5(const uint8_t key[16], const uint8_t *msg, size_t len, uint8_t out[16])
{
    EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    EVP_MAC_CTX *c = mac ? EVP_MAC_CTX_new(mac) : NULL;
    char md5[] = "MD5";
    OSSL_PARAM p[] = { OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, md5, 0), OSSL_PARAM_construct_end() };
    size_t ol = 0;
    int ok = c && EVP_MAC_init(c, key, 16, p) && EVP_MAC_update(c, msg, len) && EVP_MAC_final(c, out, &ol, 16);
    EVP_MAC_CTX_free(c);
    EVP_MAC_free(mac);
    return ok ? 0 : -1;
}

TEST(reconfigure_with_key_and_retransmission)
{
    setup();
    T_EQ(serve("reconfigure on"), 0);
    struct cm m = client(60, DHCP6_SOLICIT);
    T_CHECK(xchg(&m));
    keep_serverid();
    m = with_sid(client(60, DHCP6_REQUEST));
    m.reconf_accept = true;
    T_CHECK(xchg(&m));
    T_CHECK(RM.auth.present && RM.auth.protocol == DHCP6_AUTH_PROTO_RKAP && RM.auth.algorithm == 1 &&
            RM.auth.rdm == 0 && RM.auth.info.len == DHCP6_RKAP_INFO_LEN && RM.auth.info.p[0] == DHCP6_RKAP_KEY);
    uint8_t key[16];
    memcpy(key, RM.auth.info.p + 1, 16);
    uint64_t replay0 = RM.auth.replay;
    T_EQ(cmd(A, "dhcp6 reconfigure 0003000102000000003c"), 0);
    T_CHECK(recv_on(CS, 50 * MS) > 0);
    T_EQ(RM.type, DHCP6_RECONFIGURE);
    T_CHECK(RM.has_reconf_msg && RM.reconf_msg == DHCP6_RENEW);
    T_CHECK(RM.auth.present && RM.auth.info.p[0] == DHCP6_RKAP_HMAC && RM.auth.replay > replay0);
    /* the HMAC: over the whole message with the HMAC field zeroed */
    uint8_t copy[4096], mac[16];
    size_t hoff = (size_t)(RM.auth.info.p - RX) + 1;
    memcpy(copy, RX, RXLEN);
    memset(copy + hoff, 0, 16);
    T_EQ(hmac_md5(key, copy, RXLEN, mac), 0);
    T_MEMEQ(mac, RX + hoff, 16);
    key[0] ^= 1;                                     /* another key: another HMAC */
    T_EQ(hmac_md5(key, copy, RXLEN, mac), 0);
    T_CHECK(memcmp(mac, RX + hoff, 16) != 0);
    uint64_t replay1 = RM.auth.replay;
    T_CHECK(recv_on(CS, 2100 * MS) > 0);            /* REC_TIMEOUT: sent again, newer replay value */
    T_EQ(RM.type, DHCP6_RECONFIGURE);
    T_CHECK(RM.auth.replay > replay1);
    T_EQ(CTR_GET(A, dhcp6s, reconf_retrans), 1);
    m = with_sid(client(60, DHCP6_RENEW));           /* the client answers: no more Reconfigures */
    T_CHECK(xchg(&m));
    T_EQ(RM.type, DHCP6_REPLY);
    T_EQ(CTR_GET(A, dhcp6s, reconf_done), 1);
    sim_run_for(W, 10 * SEC);
    T_EQ(CTR_GET(A, dhcp6s, reconf_retrans), 1);
    /* a client without a key cannot be reconfigured */
    T_CHECK(bind_client(61, NULL));
    T_EQ(cmd(A, "dhcp6 reconfigure 0003000102000000003d"), 1);
    T_CHECK(strstr(ERR.buf, "no reconfigure key") != NULL);
    teardown();
}

TEST(solicit_storm_holds_and_client_still_served)
{
    setup();
    T_EQ(serve(""), 0);
    uint8_t buf[512];
    for (uint32_t n = 0; n < 100000; n++) {
        struct cm m = client(1000000 + n, DHCP6_SOLICIT);
        m.pd = true;
        size_t len = build(&m, buf, sizeof buf);
        send_raw(CS, buf, len, "ff02::1:2", DHCP6_SERVER_PORT);
        if (n % 200 == 199) {
            sim_run_for(W, 2 * MS);
            drain(CS);
        }
    }
    sim_run_for(W, 100 * MS);
    drain(CS);
    struct d6s_info in;
    d6s_info(A, &in);
    T_EQ(in.leases, 0);                              /* Solicits commit nothing */
    T_EQ(in.pending, 0);
    /* ~1.1 s of virtual time: at most 2000 Advertises a second, the rest counted */
    uint64_t answered = CTR_GET(A, dhcp6s, out_advertise);
    T_CHECK(answered > 0 && answered <= 3 * 2000);
    T_CHECK(CTR_GET(A, dhcp6s, drop_solicit_rate) > 0);
    T_EQ(answered + CTR_GET(A, dhcp6s, drop_solicit_rate) + CTR_GET(A, udp, drop_rcvbuf_full), 100000);
    sim_run_for(W, 1 * SEC);                         /* the next second: a legitimate client */
    struct in6_addr a;
    T_CHECK(bind_client(7, &a));
    d6s_info(A, &in);
    T_EQ(in.leases, 1);
    teardown();
}

TEST(duid_rate_cap)
{
    setup();
    T_EQ(serve(""), 0);
    struct cm m = client(70, DHCP6_SOLICIT);
    uint8_t buf[512];
    size_t len = build(&m, buf, sizeof buf);
    for (int i = 0; i < 50; i++)
        send_raw(CS, buf, len, "ff02::1:2", DHCP6_SERVER_PORT);
    sim_run_for(W, 50 * MS);
    T_EQ(CTR_GET(A, dhcp6s, out_advertise), 10);
    T_EQ(CTR_GET(A, dhcp6s, drop_duid_rate), 40);
    teardown();
}


TEST(two_interfaces_two_pools)
{
    setup();
    struct sim_link_params p = { .delay_ns = 1 * MS };
    struct sim_link *l2 = sim_link_create(W, "l2", &p);
    struct six_stack *C = sim_stack(W, "c", 3, 1024);
    T_CHECK(sim_attach(l2, A, "eth1", NULL) && sim_attach(l2, C, "eth0", NULL));
    T_EQ(cmd(A, "link set eth1 up"), 0);
    T_EQ(cmd(C, "link set eth0 up"), 0);
    T_EQ(cmd(A, "addr add 2001:db8:2::a/64 dev eth1"), 0);
    sim_run_for(W, 3 * SEC);
    T_EQ(serve(""), 0);
    T_EQ(cmd(A, "dhcp6 server dev eth1 pool 2001:db8:2::1000-2001:db8:2::1fff"), 0);
    struct in6_addr a, c;
    T_CHECK(bind_client(100, &a));                   /* B on eth0 */
    int cs = udp_socket(C, DHCP6_CLIENT_PORT), bs = CS;
    CS = cs;
    CLI = C;
    T_CHECK(bind_client(101, &c));                   /* C on eth1 */
    CS = bs;
    CLI = B;
    T_CHECK(in_range(&a, "2001:db8:1::1000", "2001:db8:1::1fff"));
    T_CHECK(in_range(&c, "2001:db8:2::1000", "2001:db8:2::1fff"));
    T_EQ(cmd(A, "dhcp6 leases"), 0);
    T_CHECK(strstr(OUT.buf, "dev eth0") && strstr(OUT.buf, "dev eth1"));
    T_EQ(cmd(A, "dhcp6 server dev eth1 off"), 0);    /* eth0 goes on */
    T_CHECK(d6s_running(A));
    T_CHECK(bind_client(102, NULL));
    six_stack_destroy(C);
    teardown();
}

TEST(leases_expire)
{
    setup();
    T_EQ(serve("valid 20 preferred 10"), 0);
    struct in6_addr a;
    T_CHECK(bind_client(110, &a));
    T_EQ(cmd(A, "dhcp6 leases"), 0);
    T_CHECK(strstr(OUT.buf, "bound") != NULL);
    sim_run_for(W, 40 * SEC);                        /* past valid and a whole expiry scan */
    T_EQ(cmd(A, "dhcp6 leases"), 0);
    T_STREQ(OUT.buf, "");
    T_EQ(CTR_GET(A, dhcp6s, expired), 1);
    teardown();
}

TEST(rebind_without_binding_takes_its_address_back)
{
    setup();
    T_EQ(serve(""), 0);
    struct in6_addr want;
    inet_pton(AF_INET6, "2001:db8:1::1abc", &want);
    struct cm m = client(120, DHCP6_REBIND);         /* e.g. a server that lost it */
    m.na_addr = &want;
    T_CHECK(xchg(&m));
    const struct dhcp6_ia *ia = ia_of(&RM, D6O_IA_NA);
    T_CHECK(ia && ia->n_item == 1 && ia->item[0].valid > 0);
    T_MEMEQ(&ia->item[0].addr, &want, 16);
    m = client(121, DHCP6_REBIND);                   /* another client naming the same: not given twice */
    m.na_addr = &want;
    T_CHECK(xchg(&m));
    ia = ia_of(&RM, D6O_IA_NA);
    T_CHECK(ia && ia->n_item >= 1);
    for (int i = 0; i < ia->n_item; i++)
        T_CHECK(memcmp(&ia->item[i].addr, &want, 16) != 0 || ia->item[i].valid == 0);
    teardown();
}

/* A Reconfigure to B's client from A, as a forger would make it: key and
 * replay value of the test's choosing. */
static void forged_reconf(const uint8_t *sid, size_t sidl, const uint8_t *cid, size_t cidl, const uint8_t key[16],
                          uint64_t replay)
{
    uint8_t buf[512];
    struct dhcp6_builder b;
    dhcp6_build_init(&b, buf, sizeof buf);
    dhcp6_build_hdr(&b, DHCP6_RECONFIGURE, 0);
    dhcp6_put_opt(&b, D6O_SERVERID, sid, sidl);
    dhcp6_put_opt(&b, D6O_CLIENTID, cid, cidl);
    dhcp6_put_u8(&b, D6O_RECONF_MSG, DHCP6_RENEW);
    uint8_t info[DHCP6_RKAP_INFO_LEN] = { DHCP6_RKAP_HMAC };
    size_t off = 0;
    dhcp6_put_auth(&b, DHCP6_AUTH_PROTO_RKAP, DHCP6_AUTH_ALG_HMAC_MD5, DHCP6_AUTH_RDM_MONOTONIC, replay, info,
                   sizeof info, &off);
    size_t len = dhcp6_build_done(&b);
    T_CHECK(len > 0);
    T_EQ(hmac_md5(key, buf, len, buf + off + 1), 0);
    int sd = six_socket(A, AF_INET6, SOCK_DGRAM, 0);
    const struct in6_addr *llp = in6_linklocal(if_find(B, "eth0"));
    T_CHECK(llp != NULL);
    struct in6_addr ll = *llp;
    struct sockaddr_in6 to = { .sin6_family = AF_INET6, .sin6_port = htons(DHCP6_CLIENT_PORT), .sin6_addr = ll,
                               .sin6_scope_id = if_find(A, "eth0")->index };
    T_EQ(six_sendto(A, sd, buf, len, 0, (struct sockaddr *)&to, sizeof to), (long long)len);
    six_close(A, sd);
    sim_run_for(W, 20 * MS);
}

struct key_find { uint8_t key[16]; bool found; uint8_t duid[DHCP6_DUID_MAX]; size_t dl; };
static void find_key(void *arg, const struct lease *l, const char *ifname, int64_t now)
{
    struct key_find *k = arg;
    if (l->has_rkey && !k->found) {
        memcpy(k->key, l->rkey, 16);
        memcpy(k->duid, l->duid, l->duid_len);
        k->dl = l->duid_len;
        k->found = true;
    }
}

TEST(sixd_client_reconfigured_by_sixd_server)
{
    setup();
    six_close(B, CS);                                /* port 546 is the client's now */
    six_close(B, RS);
    T_EQ(serve("reconfigure on"), 0);
    T_EQ(cmd(B, "dhcp6 client dev eth0 ia-na reconfigure-accept"), 0);
    sim_run_for(W, 5 * SEC);
    T_EQ(CTR_GET(B, dhcp6c, bound), 1);
    struct key_find k = { .found = false };
    d6s_foreach_lease(A, find_key, &k);
    T_CHECK(k.found);                                /* the client accepted: it has a key */
    char hex[2 * DHCP6_DUID_MAX + 1];
    for (size_t i = 0; i < k.dl; i++)
        snprintf(hex + 2 * i, 3, "%02x", k.duid[i]);
    uint64_t renews = CTR_GET(B, dhcp6c, out_renew);
    T_EQ(cmd(A, "dhcp6 reconfigure %s", hex), 0);
    sim_run_for(W, 1 * SEC);
    T_EQ(CTR_GET(B, dhcp6c, reconf_accepted), 1);
    T_EQ(CTR_GET(B, dhcp6c, out_renew), renews + 1);
    T_EQ(CTR_GET(A, dhcp6s, reconf_done), 1);
    T_EQ(CTR_GET(A, dhcp6s, reconf_retrans), 0);
    /* forgeries: another key; the right key with an old replay value */
    struct d6s_info in;
    d6s_info(A, &in);
    uint8_t bad[16];
    memcpy(bad, k.key, 16);
    bad[3] ^= 0x40;
    forged_reconf(in.duid, in.duid_len, k.duid, k.dl, bad, d6s_get(A)->replay + 1000);
    T_EQ(CTR_GET(B, dhcp6c, drop_reconf_bad_hmac), 1);
    forged_reconf(in.duid, in.duid_len, k.duid, k.dl, k.key, 1);
    T_EQ(CTR_GET(B, dhcp6c, drop_reconf_replay), 1);
    T_EQ(CTR_GET(B, dhcp6c, reconf_accepted), 1);
    T_EQ(CTR_GET(B, dhcp6c, out_renew), renews + 1);
    teardown();
}

/* ------------------------------------------------------------ a scripted store */

/* Swapped in for the journal after the server started: commits wait until
 * the test lets them go, and each gets the result the test chose. */
#define FAKE_MAX 64
struct fake_store {
    struct lease_store base;
    struct { struct lease l; lease_done_fn done; void *arg; } q[FAKE_MAX];
    int n;
    bool hold;                       /* flush runs nothing */
    enum lease_result next;          /* result of the next released commit... */
    int conflicts_left;              /* ...LEASE_CONFLICT for this many first */
    int commits;
};

static void fake_commit(struct lease_store *ls, const struct lease *l, lease_done_fn done, void *arg)
{
    struct fake_store *f = (struct fake_store *)ls;
    T_CHECK(f->n < FAKE_MAX);
    f->q[f->n].l = *l;
    f->q[f->n].done = done;
    f->q[f->n].arg = arg;
    f->n++;
    f->commits++;
}

static void fake_flush(struct lease_store *ls)
{
    struct fake_store *f = (struct fake_store *)ls;
    while (!f->hold && f->n) {
        struct lease l = f->q[0].l;
        lease_done_fn done = f->q[0].done;
        void *arg = f->q[0].arg;
        memmove(&f->q[0], &f->q[1], (size_t)(f->n - 1) * sizeof f->q[0]);
        f->n--;
        enum lease_result r = f->next;
        if (f->conflicts_left > 0) {
            f->conflicts_left--;
            r = LEASE_CONFLICT;
        }
        done(arg, r, &l);
    }
}

static void fake_close(struct lease_store *ls)
{
    struct fake_store *f = (struct fake_store *)ls;
    f->hold = false;
    f->next = LEASE_FAILED;
    fake_flush(ls);
    free(f);
}

static void fake_stats(const struct lease_store *ls, struct lease_store_stats *o) { memset(o, 0, sizeof *o); }

static const struct lease_store_ops fake_ops = {
    .name = "fake", .commit = fake_commit, .flush = fake_flush, .close = fake_close, .stats = fake_stats,
};

static struct fake_store *fake_swap(void)
{
    struct d6_server *s = d6s_get(A);
    T_CHECK(s != NULL);
    struct fake_store *f = calloc(1, sizeof *f);
    f->base.ops = &fake_ops;
    f->base.st = A;
    lease_store_close(s->store);
    s->store = &f->base;
    return f;
}

TEST(reply_waits_for_the_commit)
{
    setup();
    T_EQ(serve(""), 0);
    struct fake_store *f = fake_swap();
    struct cm m = client(80, DHCP6_SOLICIT);
    T_CHECK(xchg(&m));
    keep_serverid();
    f->hold = true;
    m = with_sid(client(80, DHCP6_REQUEST));
    T_CHECK(!xchg(&m));                              /* committed not yet: no Reply */
    T_EQ(f->n, 1);
    struct d6s_info in;
    d6s_info(A, &in);
    T_EQ(in.pending, 1);
    f->hold = false;
    lease_store_flush(&f->base);                     /* durable now: the Reply goes */
    T_CHECK(recv_on(CS, 10 * MS) > 0);
    T_EQ(RM.type, DHCP6_REPLY);
    T_EQ(RM.xid, m.xid);
    d6s_info(A, &in);
    T_EQ(in.pending, 0);
    T_EQ(in.leases, 1);
    teardown();
}

TEST(commit_failed_sends_nothing_and_undoes)
{
    setup();
    T_EQ(serve(""), 0);
    struct fake_store *f = fake_swap();
    f->next = LEASE_FAILED;
    struct cm m = client(81, DHCP6_SOLICIT);
    T_CHECK(xchg(&m));
    keep_serverid();
    m = with_sid(client(81, DHCP6_REQUEST));
    T_CHECK(!xchg(&m));
    T_EQ(CTR_GET(A, dhcp6s, drop_commit_failed), 1);
    struct d6s_info in;
    d6s_info(A, &in);
    T_EQ(in.leases, 0);                              /* the new entry undone */
    T_EQ(in.pending, 0);
    f->next = LEASE_OK;                              /* the client's retransmission */
    T_CHECK(xchg(&m));
    T_EQ(RM.type, DHCP6_REPLY);
    struct in6_addr a = ia_of(&RM, D6O_IA_NA)->item[0].addr;
    sim_run_for(W, 100 * SEC);
    f->next = LEASE_FAILED;                          /* a Renew the store fails: the lease as it was */
    m = with_sid(client(81, DHCP6_RENEW));
    m.na_addr = &a;
    T_CHECK(!xchg(&m));
    T_EQ(CTR_GET(A, dhcp6s, drop_commit_failed), 2);
    T_EQ(cmd(A, "dhcp6 leases"), 0);
    T_CHECK(strstr(OUT.buf, "bound expires in 7100s") != NULL);
    teardown();
}

TEST(conflict_picks_another_address)
{
    setup();
    T_EQ(serve(""), 0);
    struct fake_store *f = fake_swap();
    struct cm m = client(82, DHCP6_SOLICIT);
    T_CHECK(xchg(&m));
    keep_serverid();
    struct in6_addr adv = ia_of(&RM, D6O_IA_NA)->item[0].addr;
    f->conflicts_left = 2;                           /* two other servers took the first two */
    m = with_sid(client(82, DHCP6_REQUEST));
    T_CHECK(xchg(&m));
    const struct dhcp6_ia *ia = ia_of(&RM, D6O_IA_NA);
    T_CHECK(ia && ia->n_item == 1 && ia->item[0].valid > 0);
    T_CHECK(memcmp(&ia->item[0].addr, &adv, 16) != 0);
    T_EQ(f->commits, 3);
    T_EQ(CTR_GET(A, dhcp6s, commit_conflict), 2);
    T_EQ(cmd(A, "-j dhcp6 leases"), 0);              /* the conflicting ones are not listed as ours */
    char as[INET6_ADDRSTRLEN];
    inet_ntop(AF_INET6, &adv, as, sizeof as);
    T_CHECK(strstr(OUT.buf, as) == NULL);
    T_CHECK(bind_client(83, NULL));                  /* nor given to anyone else */
    T_EQ(cmd(A, "-j dhcp6 leases"), 0);
    T_CHECK(strstr(OUT.buf, as) == NULL);
    /* conflicts past the retry budget: NoAddrsAvail, never a Reply with an address not durable */
    f->conflicts_left = 100;
    m = client(84, DHCP6_SOLICIT);
    T_CHECK(xchg(&m));
    m = with_sid(client(84, DHCP6_REQUEST));
    T_CHECK(xchg(&m));
    ia = ia_of(&RM, D6O_IA_NA);
    T_CHECK(ia && ia->status.present && ia->status.code == D6S_NO_ADDRS_AVAIL);
    T_EQ(ia->n_item, 0);
    teardown();
}


TEST(request_again_while_committing)
{
    setup();
    T_EQ(serve(""), 0);
    struct fake_store *f = fake_swap();
    struct cm m = client(85, DHCP6_SOLICIT);
    T_CHECK(xchg(&m));
    keep_serverid();
    f->hold = true;
    m = with_sid(client(85, DHCP6_REQUEST));
    T_CHECK(!xchg(&m));
    T_CHECK(!xchg(&m));                               /* its retransmission: served too, not dropped */
    T_EQ(f->n, 2);
    T_EQ(CTR_GET(A, dhcp6s, drop_busy), 0);
    struct cm r = with_sid(client(85, DHCP6_RELEASE)); /* a Release waits for the exchange under way */
    T_CHECK(!xchg(&r));
    T_EQ(CTR_GET(A, dhcp6s, drop_busy), 1);
    f->hold = false;
    lease_store_flush(&f->base);
    sim_run_for(W, 10 * MS);
    struct in6_addr got[2];
    for (int i = 0; i < 2; i++) {                    /* two Replies, one address */
        ssize_t n = six_recvfrom(B, CS, RX, sizeof RX, 0, NULL, NULL);
        T_CHECK(n > 0);
        T_EQ(dhcp6_parse_chain(RX, (size_t)n, LV, &NLV), WR_OK);
        T_EQ(LV[0].type, DHCP6_REPLY);
        const struct dhcp6_ia *ia = ia_of(&LV[0], D6O_IA_NA);
        T_CHECK(ia && ia->n_item == 1);
        got[i] = ia->item[0].addr;
    }
    T_MEMEQ(&got[0], &got[1], 16);
    struct d6s_info in;
    d6s_info(A, &in);
    T_EQ(in.leases, 1);
    T_EQ(in.pending, 0);
    teardown();
}

TEST(config_change_while_committing)
{
    setup();
    /* two pool sets: [0] a relayed link, [1] eth0's own */
    T_EQ(cmd(A, "dhcp6 server dev eth0 link 2001:db8:77::/64 pool 2001:db8:77::100-2001:db8:77::1ff store %s", JOURNAL), 0);
    T_EQ(serve("dns 2001:db8::1"), 0);
    struct fake_store *f = fake_swap();
    struct cm m = client(86, DHCP6_SOLICIT);
    T_CHECK(xchg(&m));
    keep_serverid();
    f->hold = true;
    m = with_sid(client(86, DHCP6_REQUEST));
    m.oro_dns = true;
    T_CHECK(!xchg(&m));
    /* meanwhile: [0] removed (eth0's own moves down), a new set takes the old slot */
    T_EQ(cmd(A, "dhcp6 server dev eth0 link 2001:db8:77::/64 off"), 0);
    T_EQ(cmd(A, "dhcp6 server dev eth0 link 2001:db8:88::/64 pool 2001:db8:88::100-2001:db8:88::1ff dns 2001:db8::99"), 0);
    f->hold = false;
    lease_store_flush(&f->base);
    T_CHECK(recv_on(CS, 10 * MS) > 0);
    T_EQ(RM.type, DHCP6_REPLY);
    struct in6_addr want;
    inet_pton(AF_INET6, "2001:db8::1", &want);
    T_EQ(RM.n_dns, 1);
    T_MEMEQ(&RM.dns[0], &want, 16);                  /* the client's own link's options */
    teardown();
}

TEST(default_store_in_the_state_directory)
{
    setup();
    T_EQ(dhcp6_set_state_dir(A, DIR_), 0);          /* what sixd -S does */
    T_EQ(cmd(A, "dhcp6 server dev eth0 pool 2001:db8:1::1000-2001:db8:1::1fff"), 0);
    struct d6s_info in;
    d6s_info(A, &in);
    char want[160];
    snprintf(want, sizeof want, "%s/dhcp6-leases", DIR_);
    T_STREQ(in.store, want);
    T_CHECK(bind_client(90, NULL));
    T_CHECK(access(want, F_OK) == 0);
    teardown();
}

/* A client with no binding Rebinds naming another client's reserved
 * address: the same rules as the pool's pick (reservations, the anycast
 * address) apply, so it gets another one and the owner still gets its own. */
TEST(rebind_cannot_take_a_reservation)
{
    setup();
    T_EQ(cmd(A, "dhcp6 server dev eth0 pool 2001:db8:1::0-2001:db8:1::22 store %s "
                "reserve 0003000102000000000a address 2001:db8:1::22", JOURNAL), 0);
    struct in6_addr r, anycast;
    inet_pton(AF_INET6, "2001:db8:1::22", &r);
    inet_pton(AF_INET6, "2001:db8:1::", &anycast);
    const struct in6_addr *named[] = { &r, &anycast };
    for (int k = 0; k < 2; k++) {
        struct cm m = client(21 + (uint32_t)k, DHCP6_REBIND);
        m.na_addr = named[k];
        T_CHECK(xchg(&m));
        const struct dhcp6_ia *ia = ia_of(&RM, D6O_IA_NA);
        T_CHECK(ia != NULL);
        for (int i = 0; ia && i < ia->n_item; i++) {
            char a[64];
            inet_ntop(AF_INET6, &ia->item[i].addr, a, sizeof a);
            if (ia->item[i].valid && !memcmp(&ia->item[i].addr, named[k], 16))
                printf("# client %d without a binding was given %s\n", 21 + k, a);
            T_CHECK(memcmp(&ia->item[i].addr, named[k], 16) != 0 || ia->item[i].valid == 0);
        }
    }
    struct in6_addr got;
    T_CHECK(bind_client(10, &got));                  /* the owner */
    T_MEMEQ(&got, &r, 16);
    teardown();
}

/* A reserved prefix is a member of the pd-pool of exactly the delegated
 * length (else it was handed out as (P, delegate) and could be given twice);
 * a reserved address is a member of the address pool.  Anything else is
 * refused with a clear error and changes nothing. */
TEST(reservations_outside_the_pools_refused)
{
    setup();
    static const char *bad[][2] = {
        { "delegate 48", "prefix 2001:db8:100:100::/56" },   /* longer than delegate */
        { "delegate 56", "prefix 2001:db8:100::/48" },       /* shorter */
        { "delegate 56", "prefix 2001:db8:200::/56" },       /* outside the pd-pool */
        { "delegate 56", "address 2001:db8:1::2000" },       /* outside the pool */
        { "delegate 56", "address 2001:db8:2::1001" },       /* another /64 */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int rc = cmd(A, "dhcp6 server dev eth0 pool 2001:db8:1::1000-2001:db8:1::1fff pd-pool 2001:db8:100::/40 "
                        "%s store %s reserve 0003000102000000000a %s", bad[i][0], JOURNAL, bad[i][1]);
        if (rc == 0)
            printf("# accepted: %s reserve %s\n", bad[i][0], bad[i][1]);
        T_CHECK(rc != 0);
        T_CHECK(strstr(ERR.buf, "reserve") != NULL);
        T_CHECK(!d6s_running(A));
    }
    T_EQ(cmd(A, "dhcp6 server dev eth0 pool 2001:db8:1::1000-2001:db8:1::1fff pd-pool 2001:db8:100::/40 "
                "delegate 56 store %s reserve 0003000102000000000a prefix 2001:db8:100:100::/56 "
                "reserve 0003000102000000000a address 2001:db8:1::1fff", JOURNAL), 0);
    teardown();
}

static bool pd_exchange(uint32_t n, uint8_t type, const struct in6_addr *named, uint8_t plen, struct in6_addr *got,
                        uint32_t *valid)
{
    struct cm m = client(n, type);
    m.na = false;
    m.pd = true;
    m.pd_prefix = named;
    m.pd_plen = plen;
    if (type == DHCP6_REQUEST)
        m = with_sid(m), m.na = false, m.pd = true, m.pd_prefix = named, m.pd_plen = plen;
    if (!xchg(&m))
        return false;
    const struct dhcp6_ia *ia = ia_of(&RM, D6O_IA_PD);
    *valid = 0;
    for (int i = 0; ia && i < ia->n_item; i++)
        if (ia->item[i].valid) {
            *got = ia->item[i].addr;
            *valid = ia->item[i].valid;
        }
    return true;
}

/* The delegated length changed (56 → 48, then back): a prefix holding
 * another client's, or inside it, is never handed out — not to a Rebind
 * naming it, not after a restart on the same journal; two links' pools
 * must not overlap at all. */
TEST(overlapping_prefixes_never_given)
{
    setup();
    T_EQ(cmd(A, "dhcp6 server dev eth0 pd-pool 2001:db8:100::/40 delegate 56 store %s", JOURNAL), 0);
    struct cm m = client(1, DHCP6_SOLICIT);
    m.na = false, m.pd = true;
    T_CHECK(xchg(&m));
    keep_serverid();
    struct in6_addr p56, got;
    uint32_t valid;
    T_CHECK(pd_exchange(1, DHCP6_REQUEST, NULL, 0, &p56, &valid) && valid);
    T_EQ(cmd(A, "dhcp6 server dev eth0 pd-pool 2001:db8:100::/40 delegate 48"), 0);
    struct in6_addr q = p56;
    memset(q.s6_addr + 6, 0, 10);                      /* the /48 holding client 1's /56 */
    for (int round = 0; round < 2; round++) {
        T_CHECK(pd_exchange(2 + (uint32_t)round, DHCP6_REBIND, &q, 48, &got, &valid));
        if (valid && !memcmp(&got, &q, 16))
            printf("# round %d: client %d got the /48 holding client 1's /56\n", round, 2 + round);
        T_CHECK(!valid || memcmp(&got, &q, 16) != 0);
        /* round 1: the same after a restart on the same journal */
        T_EQ(cmd(A, "dhcp6 server dev eth0 off"), 0);
        T_EQ(cmd(A, "dhcp6 server dev eth0 pd-pool 2001:db8:100::/40 delegate 48 store %s", JOURNAL), 0);
    }
    /* the other way: a /48 is delegated, then /56s inside it are not */
    struct in6_addr p48;
    T_CHECK(pd_exchange(4, DHCP6_REBIND, NULL, 0, &p48, &valid) && valid);
    T_EQ(cmd(A, "dhcp6 server dev eth0 pd-pool 2001:db8:100::/40 delegate 56"), 0);
    struct in6_addr in48 = p48;
    in48.s6_addr[6] = 0x42;
    T_CHECK(pd_exchange(5, DHCP6_REBIND, &in48, 56, &got, &valid));
    if (valid && !memcmp(&got, &in48, 16))
        printf("# client 5 got a /56 inside client 4's /48\n");
    T_CHECK(!valid || memcmp(&got, &in48, 16) != 0);
    /* two links: overlapping pools refused */
    T_CHECK(cmd(A, "dhcp6 server dev eth0 link 2001:db8:9::/64 pd-pool 2001:db8:100:8000::/33 delegate 56") != 0);
    T_CHECK(strstr(ERR.buf, "overlaps") != NULL);
    T_CHECK(cmd(A, "dhcp6 server dev eth0 link 2001:db8:9::/64 pool 2001:db8:9::10-2001:db8:9::20 "
                   "pd-pool 2001:db8:9::/48 delegate 56") != 0);
    T_CHECK(cmd(A, "dhcp6 server dev eth0 link 2001:db8:9::/64 pool 2001:db8:9::10-2001:db8:9::20 "
                   "pd-pool 2001:db8:200::/40 delegate 56") == 0);
    T_CHECK(cmd(A, "dhcp6 server dev eth0 link 2001:db8:a::/64 pool 2001:db8:9::20-2001:db8:9::30") != 0);
    teardown();
}

/* A Relay-forw is served only from the links of the interface it came in
 * on: one reaching an interface the server does not serve is dropped
 * (counted), and a link-address naming another interface's link gets
 * nothing from that link's pool. */
TEST(relay_served_only_from_its_interface)
{
    setup();
    struct sim_link_params p = { .delay_ns = 1 * MS };
    struct sim_link *l2 = sim_link_create(W, "l2", &p);
    struct six_stack *C = sim_stack(W, "c", 3, 1024);
    T_CHECK(sim_attach(l2, A, "eth1", NULL) && sim_attach(l2, C, "eth0", NULL));
    T_EQ(cmd(A, "link set eth1 up"), 0);
    T_EQ(cmd(C, "link set eth0 up"), 0);
    T_EQ(cmd(A, "addr add 2001:db8:2::a/64 dev eth1"), 0);
    T_EQ(cmd(C, "addr add 2001:db8:2::c/64 dev eth0"), 0);
    sim_run_for(W, 3 * SEC);
    T_EQ(serve(""), 0);                               /* eth0 only */
    struct cm m = client(50, DHCP6_SOLICIT);
    uint8_t in[1024], out[4096], rx[4096];
    size_t il = build(&m, in, sizeof in);
    size_t len = relay_wrap(in, il, 1, "2001:db8:1::1", out, sizeof out);
    int rs = udp_socket(C, DHCP6_SERVER_PORT);
    struct sockaddr_in6 sa = { .sin6_family = AF_INET6, .sin6_port = htons(DHCP6_SERVER_PORT) };
    inet_pton(AF_INET6, "2001:db8:2::a", &sa.sin6_addr);
    T_EQ(six_sendto(C, rs, out, len, 0, (struct sockaddr *)&sa, sizeof sa), (long long)len);
    sim_run_for(W, 50 * MS);
    ssize_t n = six_recvfrom(C, rs, rx, sizeof rx, 0, NULL, NULL);
    if (n > 0)
        printf("# a relay on unserved eth1 got %zd bytes of answer from eth0's pool\n", n);
    T_CHECK(n <= 0);
    T_EQ(CTR_GET(A, dhcp6s, drop_relay_wrong_if), 1);
    /* eth1 served too, with its own pool: a relay on eth0 naming eth1's link gets nothing */
    T_EQ(cmd(A, "dhcp6 server dev eth1 pool 2001:db8:2::100-2001:db8:2::1ff"), 0);
    T_CHECK(!relayed(&m, 1, "2001:db8:2::1"));
    T_CHECK(CTR_GET(A, dhcp6s, drop_no_link) >= 1);
    T_CHECK(relayed(&m, 1, "2001:db8:1::1"));         /* its own link: served */
    const struct dhcp6_ia *ia = ia_of(&RM, D6O_IA_NA);
    T_CHECK(ia && ia->n_item == 1 && in_range(&ia->item[0].addr, "2001:db8:1::1000", "2001:db8:1::1fff"));
    six_close(C, rs);
    six_stack_destroy(C);
    teardown();
}

static void count_declined(void *arg, const struct lease *l, const char *ifname, int64_t now)
{
    if (l->state == LEASE_DECLINED)
        ++*(unsigned *)arg;
}

/* One host cannot fill the lease table with Requests under fresh DUIDs
 * (new bindings per source and second are budgeted), nor empty a pool by
 * Request → Decline → Request (quarantine holds at most 1/8 of the pool;
 * past it a Decline frees the address). */
TEST(one_host_cannot_fill_the_table_or_quarantine_the_pool)
{
    setup();
    T_EQ(serve(""), 0);
    T_CHECK(bind_client(1, NULL));
    uint8_t buf[512];
    for (uint32_t i = 0; i < 1500; i++) {
        struct cm m = with_sid(client(1000 + i, DHCP6_REQUEST));
        size_t len = build(&m, buf, sizeof buf);
        send_raw(CS, buf, len, "ff02::1:2", DHCP6_SERVER_PORT);
        if (i % 100 == 99)
            sim_run_for(W, 20 * MS);
    }
    sim_run_for(W, 200 * MS);
    unsigned n = d6s_get(A)->tab.count;
    if (n > 1 + D6S_BIND_SRC_RATE)
        printf("# %u leases after 1500 Requests from one source in 0.5 s\n", n);
    T_CHECK(n <= 1 + D6S_BIND_SRC_RATE);
    T_CHECK(CTR_GET(A, dhcp6s, bind_rate_limited) + CTR_GET(A, dhcp6s, drop_source_rate) > 0);
    teardown();

    setup();
    T_EQ(cmd(A, "dhcp6 server dev eth0 pool 2001:db8:1::10-2001:db8:1::4f store %s", JOURNAL), 0);   /* 64 */
    for (uint32_t k = 0; k < 20; k++) {
        struct in6_addr a;
        if (!bind_client(200 + k, &a))
            break;
        struct cm m = with_sid(client(200 + k, DHCP6_DECLINE));
        m.na_addr = &a;
        T_CHECK(xchg(&m) && RM.type == DHCP6_REPLY);
        sim_run_for(W, 1 * SEC);
    }
    unsigned declined = 0;
    d6s_foreach_lease(A, count_declined, &declined);
    if (declined > 8)
        printf("# %u of 64 addresses in quarantine after 20 Declines\n", declined);
    T_CHECK(declined <= 8);
    T_CHECK(CTR_GET(A, dhcp6s, decline_over_cap) >= 12);
    teardown();
}

/* Run the i-th queued commit of the fake store with result r. */
static void fake_run(struct fake_store *f, int i, enum lease_result r)
{
    T_CHECK(i < f->n);
    struct lease l = f->q[i].l;
    lease_done_fn done = f->q[i].done;
    void *arg = f->q[i].arg;
    memmove(&f->q[i], &f->q[i + 1], (size_t)(f->n - i - 1) * sizeof f->q[0]);
    f->n--;
    done(arg, r, &l);
}

/* A transaction whose other IA retries after a conflict must not read its
 * first IA's table entry again: the client may Release that one meanwhile
 * and another client's new lease reuse the entry — the Reply would then
 * carry THAT client's reconfigure key. */
TEST(conflict_retry_never_leaks_another_clients_key)
{
    setup();
    T_EQ(serve("reconfigure on"), 0);
    struct cm m = client(95, DHCP6_SOLICIT);
    m.pd = true;
    T_CHECK(xchg(&m));
    keep_serverid();
    struct fake_store *f = fake_swap();
    f->hold = true;
    m = with_sid(client(95, DHCP6_REQUEST));          /* attacker: IA_NA + IA_PD */
    m.pd = true;
    m.reconf_accept = true;
    T_CHECK(!xchg(&m));
    T_EQ(f->n, 2);
    struct in6_addr na = f->q[0].l.addr;
    fake_run(f, 0, LEASE_OK);                        /* the IA_NA is durable; the IA_PD still waits */
    m = with_sid(client(95, DHCP6_RELEASE));          /* the attacker releases its address meanwhile */
    m.na_addr = &na;
    T_CHECK(!xchg(&m));
    T_EQ(f->n, 2);
    fake_run(f, 1, LEASE_OK);
    drain(CS);
    struct cm v = client(96, DHCP6_SOLICIT);          /* the victim takes the freed entry */
    T_CHECK(xchg(&v));
    v = with_sid(client(96, DHCP6_REQUEST));
    v.reconf_accept = true;
    T_CHECK(!xchg(&v));
    T_EQ(f->n, 2);
    fake_run(f, 1, LEASE_OK);
    T_CHECK(recv_on(CS, 50 * MS) > 0 && RM.type == DHCP6_REPLY && RM.auth.present);
    uint8_t vkey[16];
    memcpy(vkey, RM.auth.info.p + 1, 16);
    fake_run(f, 0, LEASE_CONFLICT);                  /* the attacker's IA_PD: another prefix */
    T_EQ(f->n, 1);
    fake_run(f, 0, LEASE_OK);
    T_CHECK(recv_on(CS, 50 * MS) > 0 && RM.type == DHCP6_REPLY);
    T_CHECK(RM.auth.present);
    bool leaked = RM.auth.present && !memcmp(RM.auth.info.p + 1, vkey, 16);
    if (leaked)
        printf("# the attacker's Reply carries the victim's reconfigure key\n");
    T_CHECK(!leaked);
    f->hold = false;
    teardown();
}

int main(void)
{
    cmd_out_init(&OUT);
    cmd_out_init(&ERR);
    RUN(solicit_advertise_request_reply);
    RUN(rapid_commit_replies_committed);
    RUN(renew_rebind_release);
    RUN(decline_quarantines);
    RUN(confirm_and_information_request);
    RUN(ia_ta_is_not_served);
    RUN(reservations_and_exhaustion);
    RUN(relayed_two_and_eight_levels_nine_refused);
    RUN(role_checks_and_foreign_serverid);
    RUN(restart_keeps_leases);
    RUN(config_errors_change_nothing);
    RUN(reconfigure_with_key_and_retransmission);
    RUN(solicit_storm_holds_and_client_still_served);
    RUN(duid_rate_cap);
    RUN(two_interfaces_two_pools);
    RUN(leases_expire);
    RUN(rebind_without_binding_takes_its_address_back);
    RUN(sixd_client_reconfigured_by_sixd_server);
    RUN(reply_waits_for_the_commit);
    RUN(commit_failed_sends_nothing_and_undoes);
    RUN(conflict_picks_another_address);
    RUN(request_again_while_committing);
    RUN(config_change_while_committing);
    RUN(default_store_in_the_state_directory);
    RUN(rebind_cannot_take_a_reservation);
    RUN(reservations_outside_the_pools_refused);
    RUN(overlapping_prefixes_never_given);
    RUN(relay_served_only_from_its_interface);
    RUN(one_host_cannot_fill_the_table_or_quarantine_the_pool);
    RUN(conflict_retry_never_leaks_another_clients_key);
    cmd_out_free(&OUT);
    cmd_out_free(&ERR);
    return t_done();
}
