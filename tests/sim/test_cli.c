/* ip(8) habits of the command language (issue 11 item 6), on the simulator:
 * every refusal prints its reason and leaves the state as `show` printed
 * it before; the accepted forms do what ip(8) does.
 *   route add: an existing route (File exists; route replace changes it), a
 *     gateway not on-link (what to add), a link-local gateway without dev,
 *     a gateway on-link elsewhere; both families
 *   neigh add|replace|del|flush: both caches, PERMANENT entries not learned
 *     over and kept by flush unless nud all
 *   addr flush dev IF [-4|-6] [scope global|link]
 *   ra show: what a router sends, what a host learned (router, prefix, RDNSS)
 *   ping -I ADDR (the source on the wire), ping NAME (the stack's resolver)
 *   ipsec sa: NAT-T ports, last-packet times; link show: a tunnel's last rx */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include "../lib/t.h"
#include "../lib/ipsec_sim.h"
#include "../lib/simstack.h"
#include "ctl/cmd.h"
#include "ctl/scene.h"
#include "link/sim.h"
#include "link/loop.h"
#include "net/stack.h"

#define MS (1000000ull)
#define SEC (1000000000ull)

static struct sim_world *W;
static struct six_stack *A, *B;
static struct cmd_out out, err;
static char before[8192], reason[512];   /* reason: the last refusal's text */

struct wait { bool done; int status; };

static void on_done(void *arg, int status)
{
    struct wait *w = arg;
    w->done = true;
    w->status = status;
}

static bool is_done(void *arg)
{
    return ((struct wait *)arg)->done;
}

/* Run one line on st (a leading "-j " asks for JSON); a pending command is
 * waited for (at most 30 s of simulated time). out and err hold its text. */
static int run(struct six_stack *st, const char *line)
{
    char buf[512], *argv[CMD_MAX_ARGS + 1];
    snprintf(buf, sizeof buf, "%s", line);
    int argc = cmd_split(buf, argv, CMD_MAX_ARGS, NULL);
    cmd_out_reset(&out);
    cmd_out_reset(&err);
    static struct wait w;
    static struct cmd_ctx c;
    w = (struct wait){ 0 };
    c = (struct cmd_ctx){ .st = st, .out = &out, .err = &err, .done = on_done, .done_arg = &w };
    if (argc > 1 && !strcmp(argv[0], "-j")) {
        c.json = true;
        argc--;
        memmove(argv, argv + 1, (size_t)argc * sizeof argv[0]);
    }
    int rc = six_cmd_exec(&c, argc, argv);
    if (rc != CMD_PENDING)
        return rc;
    if (!sim_run_while_not(W, is_done, &w, 30 * SEC)) {
        six_cmd_cancel(&c);
        return -1;
    }
    return w.status;
}

static bool has(const struct cmd_out *o, const char *needle)
{
    return o->buf && strstr(o->buf, needle);
}

/* What `show` prints now, kept for unchanged(). */
static void snap(struct six_stack *st, const char *show)
{
    run(st, show);
    snprintf(before, sizeof before, "%s", out.buf ? out.buf : "");
}

static bool unchanged(struct six_stack *st, const char *show)
{
    run(st, show);
    bool same = !strcmp(before, out.buf ? out.buf : "");
    if (!same)
        printf("#   before:\n%s#   after:\n%s", before, out.buf);
    return same;
}

/* A refusal: the status, the reason in err, and `show` as before. */
#define REFUSED(st, line, status, why, show)                                  \
    do {                                                                         \
        snap(st, show);                                                          \
        T_EQ(run(st, line), status);                                             \
        snprintf(reason, sizeof reason, "%s", err.buf ? err.buf : "");           \
        if (!strstr(reason, why))                                                \
            printf("#   %s: got '%s'\n", line, reason);                          \
        T_CHECK(strstr(reason, why) != NULL);                                    \
        T_CHECK(unchanged(st, show));                                            \
    } while (0)

static void setup(uint64_t seed)
{
    W = sim_two_hosts(seed, &A, &B);
    struct sim_link_params lp = { .delay_ns = 1 * MS };
    struct sim_link *l2 = sim_link_create(W, "l2", &lp);
    sim_attach(l2, A, "eth1", NULL);
    run(A, "link set eth1 up");
    run(A, "addr add 2001:db8:2::a/64 dev eth1");
    sim_run_for(W, 2 * SEC);
}

static void teardown(void)
{
    six_stack_destroy(A);
    six_stack_destroy(B);
    sim_world_destroy(W);
    W = NULL;
}

/* --------------------------------------------------------------- route */

TEST(route_add_refusals_v6)
{
    setup(11);
    /* today's "Invalid argument": a link-local gateway names its interface */
    REFUSED(A, "route add default via fe80::1", 2, "link-local gateway needs dev IF", "route show -6");
    T_CHECK(strstr(reason, "route add default via fe80::1 dev IF") != NULL);
    REFUSED(A, "route add 2001:db8:5::/64 via fe80::1", 2, "link-local gateway needs dev IF", "route show -6");
    /* not on-link: what to add */
    REFUSED(A, "route add default via 2001:db8:9::1", 1, "gateway 2001:db8:9::1 is not on-link", "route show -6");
    T_CHECK(strstr(reason, "addr add ADDR/LEN dev IF") != NULL);
    /* on-link, but on eth0, not the dev given */
    REFUSED(A, "route add 2001:db8:5::/64 via 2001:db8:1::b dev eth1", 1,
            "gateway 2001:db8:1::b is on-link on eth0, not on dev eth1", "route show -6");
    /* accepted: on-link, and link-local with dev */
    T_EQ(run(A, "route add default via 2001:db8:1::b"), 0);
    T_EQ(run(A, "route add 2001:db8:5::/64 via fe80::1 dev eth1"), 0);
    T_EQ(run(A, "route add 2001:db8:6::/64 via fe80::2%eth1"), 0);
    T_EQ(run(A, "route show -6"), 0);
    T_CHECK(has(&out, "default via 2001:db8:1::b dev eth0") || has(&out, "default via 2001:db8:1::b proto"));
    T_CHECK(has(&out, "2001:db8:5::/64 via fe80::1 dev eth1"));
    /* a second add of the same destination: File exists, the first stays */
    REFUSED(A, "route add default via 2001:db8:1::1", 1, "route add default: File exists", "route show -6");
    T_CHECK(strstr(reason, "route replace changes it") != NULL);
    REFUSED(A, "route add 2001:db8:1::/64 dev eth0", 1, "File exists", "route show -6");   /* the connected one */
    /* replace changes it; a refused replace changes nothing */
    T_EQ(run(A, "route replace default via 2001:db8:1::1"), 0);
    T_EQ(run(A, "route show -6"), 0);
    T_CHECK(has(&out, "default via 2001:db8:1::1"));
    T_CHECK(!has(&out, "default via 2001:db8:1::b"));
    REFUSED(A, "route replace default via 2001:db8:9::1", 1, "is not on-link", "route show -6");
    REFUSED(A, "route replace default via fe80::9", 2, "link-local gateway needs dev IF", "route show -6");
    /* replace creates what is not there */
    T_EQ(run(A, "route replace 2001:db8:7::/64 via 2001:db8:2::1"), 0);
    T_EQ(run(A, "route show -6"), 0);
    T_CHECK(has(&out, "2001:db8:7::/64 via 2001:db8:2::1"));
    teardown();
}

TEST(route_add_refusals_v4)
{
    setup(12);
    run(A, "addr add 10.9.0.1/24 dev eth1");
    REFUSED(A, "route add default4 via 198.51.100.1", 1, "gateway 198.51.100.1 is not on-link", "route show -4");
    REFUSED(A, "route add default via 198.51.100.1", 1, "is not on-link", "route show -4");
    REFUSED(A, "route add 203.0.113.0/24 via 192.0.2.2 dev eth1", 1,
            "gateway 192.0.2.2 is on-link on eth0, not on dev eth1", "route show -4");
    T_EQ(run(A, "route add default via 192.0.2.2"), 0);
    REFUSED(A, "route add default4 via 192.0.2.3", 1, "route add default4: File exists", "route show -4");
    REFUSED(A, "route add default4 dev eth0", 1, "File exists", "route show -4");
    REFUSED(A, "route add 192.0.2.0/24 dev eth0", 1, "File exists", "route show -4");   /* the connected one */
    T_EQ(run(A, "route replace default4 via 10.9.0.254"), 0);
    T_EQ(run(A, "route show -4"), 0);
    T_CHECK(has(&out, "default via 10.9.0.254 dev eth1"));
    REFUSED(A, "route replace default4 via 198.51.100.1", 1, "is not on-link", "route show -4");
    T_EQ(run(A, "route replace 203.0.113.0/24 via 192.0.2.2"), 0);   /* creates */
    T_EQ(run(A, "route show -4"), 0);
    T_CHECK(has(&out, "203.0.113.0/24 via 192.0.2.2 dev eth0"));
    teardown();
}

/* --------------------------------------------------------------- neigh */

TEST(neigh_add_del_flush)
{
    setup(13);
    static const char *const bad[][3] = {
        { "neigh add 2001:db8:1::99 lladdr 02:00:00:00:00:9 dev eth0", "2", "bad lladdr '02:00:00:00:00:9'" },
        { "neigh add 2001:db8:1::99 lladdr 01:00:5e:00:00:01 dev eth0", "2", "bad lladdr" },
        { "neigh add 2001:db8:1::99 lladdr 00:00:00:00:00:00 dev eth0", "2", "bad lladdr" },
        { "neigh add 2001:db8:1::99 lladdr 02:00:00:00:00:99", "2", "needs lladdr MAC and dev IF" },
        { "neigh add 2001:db8:1::99 dev eth0", "2", "needs lladdr MAC and dev IF" },
        { "neigh add 2001:db8:1::99 lladdr 02:00:00:00:00:99 dev eth0 nud sideways", "2",
          "nud is permanent, reachable or stale" },
        { "neigh add 2001:db8:1::99 lladdr 02:00:00:00:00:99 dev eth9", "1", "no interface 'eth9'" },
        { "neigh add ff02::1 lladdr 02:00:00:00:00:99 dev eth0", "2", "not a unicast address" },
        { "neigh add 255.255.255.255 lladdr 02:00:00:00:00:99 dev eth0", "2", "not a unicast address" },
        { "neigh add 192.0.2.255 lladdr 02:00:00:00:00:99 dev eth0", "1", "not a unicast address" },
        { "neigh add 2001:db8:1::zz lladdr 02:00:00:00:00:99 dev eth0", "2", "bad address" },
        { "neigh add 2001:db8:1::99 lladdr 02:00:00:00:00:99 dev eth0 frob 1", "2", "unknown argument 'frob'" },
        { "neigh del 2001:db8:1::99 dev eth0", "1", "no such neighbor" },
        { "neigh del 192.0.2.99 dev eth0", "1", "no such neighbor" },
        { "neigh del 2001:db8:1::99", "2", "usage: neigh del ADDR dev IF" },
        { "neigh flush", "2", "usage: neigh flush dev IF" },
        { "neigh flush dev eth9", "1", "no interface 'eth9'" },
        { "neigh flush dev eth0 nud some", "2", "usage: neigh flush dev IF [nud all]" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        REFUSED(A, bad[i][0], atoi(bad[i][1]), bad[i][2], "neigh show");

    /* add: PERMANENT by default, both families */
    T_EQ(run(A, "neigh add 2001:db8:1::99 lladdr 02:00:00:00:00:99 dev eth0"), 0);
    T_EQ(run(A, "neigh add 192.0.2.99 lladdr 02:00:00:00:00:98 dev eth0"), 0);
    T_EQ(run(A, "neigh show"), 0);
    T_CHECK(has(&out, "2001:db8:1::99 dev eth0 lladdr 02:00:00:00:00:99 PERMANENT"));
    T_CHECK(has(&out, "192.0.2.99 dev eth0 lladdr 02:00:00:00:00:98 PERMANENT"));
    REFUSED(A, "neigh add 2001:db8:1::99 lladdr 02:00:00:00:00:11 dev eth0", 1, "File exists (neigh replace",
            "neigh show");
    REFUSED(A, "neigh add 192.0.2.99 lladdr 02:00:00:00:00:11 dev eth0", 1, "File exists", "neigh show");
    T_EQ(run(A, "neigh replace 2001:db8:1::99 lladdr 02:00:00:00:00:11 dev eth0 nud stale"), 0);
    T_EQ(run(A, "neigh show"), 0);
    T_CHECK(has(&out, "2001:db8:1::99 dev eth0 lladdr 02:00:00:00:00:11 STALE"));

    /* a permanent entry is not learned over: b's own addresses pinned to a
     * wrong MAC stay so while b talks to a (its NS and ARP request carry the
     * real one) */
    T_EQ(run(A, "neigh replace 2001:db8:1::b lladdr 02:00:00:00:00:bb dev eth0"), 0);
    T_EQ(run(A, "neigh replace 192.0.2.2 lladdr 02:00:00:00:00:bc dev eth0"), 0);
    run(B, "neigh flush dev eth0");
    run(B, "ping 2001:db8:1::a -c 1 -W 1");
    run(B, "ping 192.0.2.1 -c 1 -W 1");
    T_EQ(run(A, "neigh show"), 0);
    T_CHECK(has(&out, "2001:db8:1::b dev eth0 lladdr 02:00:00:00:00:bb PERMANENT"));
    T_CHECK(has(&out, "192.0.2.2 dev eth0 lladdr 02:00:00:00:00:bc PERMANENT"));

    /* flush keeps permanent entries; nud all takes them too */
    T_EQ(run(A, "neigh replace 2001:db8:1::b lladdr 02:00:00:00:00:bb dev eth0 nud reachable"), 0);
    T_EQ(run(A, "neigh flush dev eth0"), 0);
    T_EQ(run(A, "neigh show"), 0);
    T_CHECK(!has(&out, "2001:db8:1::b "));
    T_CHECK(!has(&out, "2001:db8:1::99"));     /* STALE: gone */
    T_CHECK(has(&out, "192.0.2.99 dev eth0 lladdr 02:00:00:00:00:98 PERMANENT"));
    T_CHECK(has(&out, "192.0.2.2 dev eth0 lladdr 02:00:00:00:00:bc PERMANENT"));
    T_EQ(run(A, "neigh del 192.0.2.99 dev eth0"), 0);
    T_EQ(run(A, "neigh show"), 0);
    T_CHECK(!has(&out, "192.0.2.99"));
    T_EQ(run(A, "neigh flush dev eth0 nud all"), 0);
    T_EQ(run(A, "-j neigh show"), 0);
    T_CHECK(!has(&out, "\"dev\":\"eth0\""));
    /* with the pins gone a talks to b again */
    T_EQ(run(A, "ping 192.0.2.2 -c 1 -W 1"), 0);
    T_EQ(run(A, "ping 2001:db8:1::b -c 1 -W 1"), 0);
    teardown();
}

/* --------------------------------------------------------------- addr */

TEST(addr_flush)
{
    setup(14);
    run(A, "addr add 10.9.0.1/24 dev eth1");
    REFUSED(A, "addr flush dev eth9", 1, "no interface 'eth9'", "addr show");
    REFUSED(A, "addr flush eth1", 2, "usage: addr flush dev IF", "addr show");
    REFUSED(A, "addr flush dev eth1 -4 -6", 2, "-4 and -6 together", "addr show");
    REFUSED(A, "addr flush dev eth1 scope host", 2, "unknown argument 'scope'", "addr show");
    T_EQ(run(A, "addr show dev eth1"), 0);
    T_CHECK(has(&out, "eth1 inet6 fe80::"));
    T_CHECK(has(&out, "eth1 inet6 2001:db8:2::a/64"));
    T_CHECK(has(&out, "eth1 inet 10.9.0.1/24"));
    T_EQ(run(A, "addr flush dev eth1 -4"), 0);
    T_EQ(run(A, "addr show"), 0);
    T_CHECK(!has(&out, "10.9.0.1"));
    T_CHECK(has(&out, "eth1 inet6 2001:db8:2::a/64"));
    T_CHECK(has(&out, "eth0 inet 192.0.2.1/24"));          /* another interface: untouched */
    T_EQ(run(A, "addr flush dev eth1 scope global"), 0);
    T_EQ(run(A, "addr show dev eth1"), 0);
    T_CHECK(!has(&out, "2001:db8:2::a"));
    T_CHECK(has(&out, "eth1 inet6 fe80::"));               /* the link-local stays */
    T_EQ(run(A, "route show -6"), 0);
    T_CHECK(!has(&out, "2001:db8:2::/64"));                /* its connected route went with it */
    T_EQ(run(A, "addr flush dev eth1"), 0);                /* everything, as ip(8) */
    T_EQ(run(A, "addr show dev eth1"), 0);
    T_EQ(out.len, 0);
    T_EQ(run(A, "addr show dev eth0"), 0);
    T_CHECK(has(&out, "eth0 inet6 2001:db8:1::a/64"));
    teardown();
}

/* --------------------------------------------------------------- ra show */

TEST(ra_show)
{
    setup(15);
    REFUSED(B, "ra show dev eth9", 1, "no interface 'eth9'", "ra show");
    REFUSED(B, "ra show eth0", 2, "usage: ra show [dev IF]", "ra show");
    T_EQ(run(B, "ra show"), 0);
    T_CHECK(has(&out, "router mode: off"));
    T_EQ(run(B, "set forwarding on"), 0);
    T_EQ(run(B, "ra dev eth0 prefix 2001:db8:77::/64 rdnss 2001:db8:77::53 lifetime 600 interval 3 4"), 0);
    sim_run_for(W, 10 * SEC);
    T_EQ(run(B, "ra show"), 0);
    T_CHECK(has(&out, "router mode: on"));
    T_CHECK(has(&out, "eth0: sends RAs: lifetime 600s"));
    T_CHECK(has(&out, "prefix 2001:db8:77::/64 valid 86400 preferred 14400 autonomous"));
    T_CHECK(has(&out, "rdnss 2001:db8:77::53"));
    T_EQ(run(A, "ra show"), 0);
    T_CHECK(has(&out, "routers:\n    fe80::"));
    T_CHECK(has(&out, " dev eth0 preference medium expires "));
    T_CHECK(has(&out, "on-link prefixes:\n    2001:db8:77::/64 dev eth0 expires "));
    T_CHECK(has(&out, "rdnss:\n    2001:db8:77::53 expires "));
    T_EQ(run(A, "-j ra show dev eth1"), 0);             /* nothing learned on eth1 */
    T_CHECK(has(&out, "{\"forwarding\":false,\"advertising\":[],\"routers\":[],\"prefixes\":[],"
                      "\"rdnss\":[{\"addr\":\"2001:db8:77::53\",\"expires_s\":11"));
    T_EQ(run(A, "-j ra show"), 0);
    T_CHECK(has(&out, "\"prefixes\":[{\"prefix\":\"2001:db8:77::/64\",\"dev\":\"eth0\",\"expires_s\":"));
    teardown();
}

/* --------------------------------------------------------------- ping */

/* Whether the 16 bytes of addr appear in the pcap file. */
static bool pcap_has(const char *path, const char *addr)
{
    uint8_t a[16], buf[65536];
    inet_pton(AF_INET6, addr, a);
    FILE *f = fopen(path, "rb");
    if (!f)
        return false;
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    return memmem(buf, n, a, sizeof a) != NULL;
}

TEST(ping_source_and_name)
{
    setup(16);
    REFUSED(A, "ping 2001:db8:1::b -I 2001:db8:1::99", 1, "ping -I 2001:db8:1::99: not an address of this stack",
            "stats icmp6.out_msgs");
    REFUSED(A, "ping 192.0.2.2 -I 2001:db8:1::a", 2, "ping 192.0.2.2 is IPv4, but the source (-I) asks for IPv6",
            "stats icmp6.out_msgs");
    REFUSED(A, "ping 2001:db8:1::b -I 192.0.2.1", 2, "ping 2001:db8:1::b is IPv6", "stats icmp6.out_msgs");
    REFUSED(A, "ping 2001:db8:1::b -I nosuch0", 1, "no such interface or address", "stats icmp6.out_msgs");
    REFUSED(A, "ping 2001:db8:1::b -4", 2, "asks for IPv4", "stats icmp6.out_msgs");
    REFUSED(A, "ping -I 192.0.2.1 -6 b.example", 2, "ping -I 192.0.2.1 is IPv4, not what -6 asks for",
            "stats icmp6.out_msgs");
    REFUSED(A, "ping 2001:db8::/64", 2, "bad destination '2001:db8::/64'", "stats icmp6.out_msgs");
    REFUSED(A, "ping bad!name", 2, "bad destination 'bad!name'", "stats icmp6.out_msgs");

    /* -I ADDR: the second address is the source on the wire (::a would be selected) */
    char cap[] = "/tmp/six-test-cli-XXXXXX";
    int fd = mkstemp(cap);
    close(fd);
    T_EQ(run(A, "addr add 2001:db8:1::aa/64 dev eth0"), 0);
    sim_run_for(W, 2 * SEC);
    char line[128];
    snprintf(line, sizeof line, "capture eth0 %s", cap);
    T_EQ(run(B, line), 0);
    T_EQ(run(A, "ping 2001:db8:1::b -c 1"), 0);
    T_EQ(run(B, "capture eth0 stop"), 0);
    T_CHECK(!pcap_has(cap, "2001:db8:1::aa"));        /* the control: not without -I */
    T_EQ(run(B, line), 0);
    T_EQ(run(A, "ping 2001:db8:1::b -c 1 -I 2001:db8:1::aa"), 0);
    T_EQ(run(B, "capture eth0 stop"), 0);
    T_CHECK(pcap_has(cap, "2001:db8:1::aa"));
    unlink(cap);
    T_EQ(run(A, "addr add 192.0.2.11/24 dev eth0"), 0);
    T_EQ(run(A, "ping 192.0.2.2 -c 1 -I 192.0.2.11"), 0);
    T_CHECK(has(&out, "1 received"));
    T_EQ(run(B, "neigh show"), 0);                    /* b answered the echo to .11: it resolved it */
    T_CHECK(has(&out, "192.0.2.11 dev eth0"));

    /* NAME: through the stack's resolver; localhost is answered locally (RFC 6761) */
    struct ifnet *lo = loop_create(A);
    T_CHECK(lo && if_set_up(lo, true) == 0);
    T_EQ(run(A, "ping localhost -c 1 -6"), 0);
    T_CHECK(has(&out, "reply from localhost (::1)"));
    T_EQ(run(A, "ping localhost -c 1 -4"), 0);
    T_CHECK(has(&out, "reply from localhost (127.0.0.1)"));
    /* no DNS server: the resolver's reason, no echo sent */
    REFUSED(A, "ping nosuch.example -c 1", 1, "ping: nosuch.example: ", "stats -a icmp6.in_echo_reply");
    T_CHECK(!has(&out, "transmitted"));
    /* a server that does not answer (b has no DNS): the lookup fails after its wait */
    T_EQ(run(A, "dns server add 2001:db8:1::b"), 0);
    REFUSED(A, "ping nosuch.example -c 1", 1, "ping: nosuch.example: ", "stats -a icmp6.in_echo_reply");
    T_CHECK(!has(&out, "transmitted"));
    teardown();
}

/* ------------------------------------------------- ipsec sa, link show */

static const char natt_conf[] =
    "add 192.0.2.1[4500] 192.0.2.2[4500] esp-udp 0x9001 -m tunnel -E aes-gcm-16 "
    "0x0102030405060708090a0b0c0d0e0f1011121314;\n"
    "add 192.0.2.2[4500] 192.0.2.1[4500] esp-udp 0x9002 -m tunnel -E aes-gcm-16 "
    "0x2122232425262728292a2b2c2d2e2f3031323334;\n"
    "spdadd 2001:db8:a::1 2001:db8:b::1 any -P out ipsec esp/tunnel/192.0.2.1-192.0.2.2/require;\n"
    "spdadd 2001:db8:b::1 2001:db8:a::1 any -P in ipsec esp/tunnel/192.0.2.2-192.0.2.1/require;\n"
    "spdadd 2001:db8:b::1 2001:db8:a::1 any -P out ipsec esp/tunnel/192.0.2.2-192.0.2.1/require;\n"
    "spdadd 2001:db8:a::1 2001:db8:b::1 any -P in ipsec esp/tunnel/192.0.2.1-192.0.2.2/require;\n";

TEST(ipsec_sa_natt_ports_and_times)
{
    setup(17);
    run(A, "addr add 2001:db8:a::1/64 dev eth0");
    run(B, "addr add 2001:db8:b::1/64 dev eth0");
    run(A, "route add 2001:db8:b::/64 dev eth0");
    run(B, "route add 2001:db8:a::/64 dev eth0");
    sim_run_for(W, 2 * SEC);
    T_EQ(sim_setkey(A, natt_conf), 0);
    T_EQ(sim_setkey(B, natt_conf), 0);
    T_EQ(run(A, "ipsec sa"), 0);
    T_CHECK(has(&out, "spi 0x00009001"));
    T_CHECK(has(&out, "; natt sport 4500 dport 4500; last packet never\n"));
    T_CHECK(sim_udp_once(W, A, B, NULL, "2001:db8:b::1", 7100));
    sim_run_for(W, 5 * SEC);
    T_EQ(run(B, "ipsec sa"), 0);
    /* b's inbound SA (0x9001) took the packet 5 s ago; its outbound one sent nothing */
    const char *in = strstr(out.buf, "spi 0x00009001"), *outsa = strstr(out.buf, "spi 0x00009002");
    T_CHECK(in && outsa);
    if (in && outsa) {
        T_CHECK(strstr(in, "natt sport 4500 dport 4500; first use 5s ago, last packet 5s ago") != NULL);
        T_CHECK(strstr(outsa, "last packet never") != NULL);
    }
    T_EQ(run(B, "-j ipsec sa"), 0);
    T_CHECK(has(&out, "\"spi\":36865,"));
    T_CHECK(has(&out, "\"natt_sport\":4500,\"natt_dport\":4500,\"first_use_s_ago\":5,\"last_packet_s_ago\":5}"));
    T_CHECK(has(&out, "\"first_use_s_ago\":null,\"last_packet_s_ago\":null}"));
    teardown();
}

TEST(link_show_tunnel_last_rx)
{
    setup(18);
    run(A, "link add gif0 type gif local 192.0.2.1 remote 192.0.2.2");
    run(B, "link add gif0 type gif local 192.0.2.2 remote 192.0.2.1");
    run(A, "link set gif0 up");
    run(B, "link set gif0 up");
    run(A, "addr add 2001:db8:99::a/64 dev gif0");
    run(B, "addr add 2001:db8:99::b/64 dev gif0");
    sim_run_for(W, 3 * SEC);
    T_EQ(run(B, "link show gif0"), 0);
    T_CHECK(has(&out, "    last rx never\n") || has(&out, "    last rx "));
    T_EQ(run(A, "ping 2001:db8:99::b -c 1"), 0);
    sim_run_for(W, 12 * SEC);
    T_EQ(run(B, "link show gif0"), 0);
    T_CHECK(has(&out, "    link/gif local 192.0.2.2 remote 192.0.2.1"));
    T_CHECK(has(&out, "    last rx 12s ago\n") || has(&out, "    last rx 13s ago\n"));
    T_EQ(run(B, "-j link show gif0"), 0);
    T_CHECK(has(&out, "\"last_rx_s_ago\":12") || has(&out, "\"last_rx_s_ago\":13"));
    T_EQ(run(B, "link show eth0"), 0);
    T_CHECK(!has(&out, "last rx"));                    /* not a tunnel */
    teardown();
}

int main(void)
{
    cmd_out_init(&out);
    cmd_out_init(&err);
    RUN(route_add_refusals_v6);
    RUN(route_add_refusals_v4);
    RUN(neigh_add_del_flush);
    RUN(addr_flush);
    RUN(ra_show);
    RUN(ping_source_and_name);
    RUN(ipsec_sa_natt_ports_and_times);
    RUN(link_show_tunnel_last_rx);
    cmd_out_free(&out);
    cmd_out_free(&err);
    return t_done();
}
