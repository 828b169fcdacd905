/* sixdemo: the simulated-network demo behind `make demo`. No root needed.
 *
 *   host a ──link l1── router r ──link l2 (MTU 1280)── host b
 *
 * Scenes: SLAAC and DAD from the router's advertisements, ND, pings across
 * the router, a fragmented ping, a Packet Too Big from the narrow link and
 * the path MTU that follows; then two sites joined by an ESP tunnel, and a
 * hometun client whose IPv4 address changes under a TCP transfer, and a
 * home router numbered by DHCPv6 prefix delegation. Prints a
 * readable trace on the virtual clock and writes one pcap per link into the
 * output folder (default demo-out/). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <arpa/inet.h>
#include "ctl/scene.h"
#include "link/sim.h"
#include "net/stack.h"
#include "net/ip6_var.h"
#include "six/socket.h"
#include "esp_sa.h"

#define MS (1000000ull)
#define SEC (1000000000ull)

static struct sim_world *world;

static void trace(void *ctx, struct six_stack *st, const char *msg)
{
    (void)ctx;
    uint64_t t = sim_now(world);
    printf("  [%4llu.%03llus] %-2s %s\n", (unsigned long long)(t / SEC), (unsigned long long)(t % SEC / MS),
           st->name, msg);
}

static struct six_stack *host(const char *name, uint64_t seed)
{
    struct six_stack_opts o = { .name = name, .clock = sim_clock(world), .tw = sim_wheel(world), .seed = seed };
    struct six_stack *st = six_stack_create(&o);
    if (!st) {
        fprintf(stderr, "sixdemo: cannot create stack %s\n", name);
        return NULL;
    }
    st->trace = trace;
    sim_register_stack(world, st);
    return st;
}

static void scene(const char *title)
{
    printf("\n== %s\n", title);
}

static int show(struct six_stack *st, const char *what)
{
    struct cmd_out o;
    cmd_out_init(&o);
    int rc = scene_cmd(st, &o, "%s", what);
    printf("  %s$ %s\n", st->name, what);
    for (char *line = strtok(o.buf ? o.buf : (char[]){ 0 }, "\n"); line; line = strtok(NULL, "\n"))
        printf("      %s\n", line);
    cmd_out_free(&o);
    return rc;
}

static int ping(struct six_stack *st, const char *args)
{
    struct cmd_out o;
    cmd_out_init(&o);
    printf("  %s$ ping %s\n", st->name, args);
    int rc = scene_cmd_wait(world, st, &o, 30 * SEC, "ping %s", args);
    for (char *line = strtok(o.buf ? o.buf : (char[]){ 0 }, "\n"); line; line = strtok(NULL, "\n"))
        printf("      %s\n", line);
    cmd_out_free(&o);
    return rc;
}

static const char *slaac_of(struct six_stack *st, char *buf)
{
    struct ifnet *ifp = if_find(st, "eth0");
    for (int i = 0; i < IN6_MAX_ADDRS_PER_IF; i++) {
        const struct in6_ifaddr *ia = &ifp->in6->addrs[i];
        if (ia->in_use && (ia->flags & IN6_IFF_AUTOCONF))
            return inet_ntop(AF_INET6, &ia->addr, buf, INET6_ADDRSTRLEN);
    }
    return NULL;
}

/* Two sites joined by an IPv6-in-IPv4 ESP tunnel: the gateways g1 and g2
 * share one setkey(8) file; between them (wan) there is only IPv4. */
static const char site_conf[] =
    "# one file for both gateways: each uses the tunnel that starts or ends at its own address\n"
    "add 198.51.100.1 198.51.100.2 esp 0x1001 -m tunnel -E aes-gcm-16 0x000102030405060708090a0b0c0d0e0f10111213;\n"
    "add 198.51.100.2 198.51.100.1 esp 0x1002 -m tunnel -E aes-gcm-16 0x202122232425262728292a2b2c2d2e2f30313233;\n"
    "spdadd 2001:db8:a::/64 2001:db8:b::/64 any -P out ipsec esp/tunnel/198.51.100.1-198.51.100.2/require;\n"
    "spdadd 2001:db8:b::/64 2001:db8:a::/64 any -P in  ipsec esp/tunnel/198.51.100.2-198.51.100.1/require;\n"
    "spdadd 2001:db8:b::/64 2001:db8:a::/64 any -P out ipsec esp/tunnel/198.51.100.2-198.51.100.1/require;\n"
    "spdadd 2001:db8:a::/64 2001:db8:b::/64 any -P in  ipsec esp/tunnel/198.51.100.1-198.51.100.2/require;\n";

static struct six_stack *sites[4 + 5];   /* the IPsec and hometun scenes' stacks, destroyed at the end */

static int run_all(struct six_stack *st, const char *const *cmds)
{
    int fails = 0;
    for (const char *const *c = cmds; *c; c++) {
        printf("  %s$ %s\n", st->name, *c);
        fails += scene_cmd(st, NULL, "%s", *c) != 0;
    }
    return fails;
}

static int ipsec_sites(const char *out)
{
    int fails = 0;
    char path[512];
    scene("IPsec: two sites joined by an IPv6-in-IPv4 ESP tunnel (AES-GCM), both gateways from one setkey file");
    snprintf(path, sizeof path, "%s/sites-ipsec.conf", out);
    FILE *f = fopen(path, "w");
    if (!f || fputs(site_conf, f) < 0 || fclose(f)) {
        perror(path);
        return 1;
    }
    struct six_stack *s1 = host("s1", 11), *g1 = host("g1", 12), *g2 = host("g2", 13), *s2 = host("s2", 14);
    if (!s1 || !g1 || !g2 || !s2)
        return 1;
    struct sim_link_params lp = { .delay_ns = 2 * MS }, wp = { .delay_ns = 10 * MS };
    struct sim_link *lan1 = sim_link_create(world, "lan1", &lp), *wan = sim_link_create(world, "wan", &wp);
    struct sim_link *lan2 = sim_link_create(world, "lan2", &lp);
    sim_attach(lan1, s1, "eth0", NULL);
    sim_attach(lan1, g1, "lan0", NULL);
    sim_attach(wan, g1, "wan0", NULL);
    sim_attach(wan, g2, "wan0", NULL);
    sim_attach(lan2, g2, "lan0", NULL);
    sim_attach(lan2, s2, "eth0", NULL);
    fails += scene_cmd(g1, NULL, "capture wan0 %s/wan.pcap", out) != 0;
    const char *const g1c[] = { "set forwarding on", "link set lan0 up", "link set wan0 up",
                                "addr add 2001:db8:a::ff/64 dev lan0", "addr add 198.51.100.1/24 dev wan0", NULL };
    const char *const g2c[] = { "set forwarding on", "link set lan0 up", "link set wan0 up",
                                "addr add 2001:db8:b::ff/64 dev lan0", "addr add 198.51.100.2/24 dev wan0", NULL };
    const char *const s1c[] = { "link set eth0 up", "addr add 2001:db8:a::1/64 dev eth0",
                                "route add default via 2001:db8:a::ff", NULL };
    const char *const s2c[] = { "link set eth0 up", "addr add 2001:db8:b::1/64 dev eth0",
                                "route add default via 2001:db8:b::ff", NULL };
    fails += run_all(g1, g1c) + run_all(g2, g2c) + run_all(s1, s1c) + run_all(s2, s2c);
    sim_run_for(world, 3 * SEC);
    printf("  %s:\n", path);
    for (const char *l = site_conf; *l; ) {
        const char *e = strchr(l, '\n');
        printf("      %.*s\n", (int)(e - l), l);
        l = e + 1;
    }
    char load[600];
    snprintf(load, sizeof load, "ipsec load %s", path);
    fails += show(g1, load) != 0;
    fails += show(g2, load) != 0;
    fails += ping(s1, "2001:db8:b::1 -c 3 -i 500") != 0;
    show(g1, "ipsec sa");
    show(g2, "ipsec spd");
    printf("  on the wire between g1 and g2 (%s/wan.pcap): IPv4 and ESP only, the IPv6 inside is encrypted\n", out);
    sites[0] = s1, sites[1] = g1, sites[2] = g2, sites[3] = s2;
    return fails;
}

/* hometun (draft-ietf-ngtrans-hometun): a home network keeps its IPv6
 * prefix while the client's IPv4 address changes under a running transfer.
 *
 *   inet-host ---- server ==== isp ==== client ---- home-host
 *   2001:db8:ffff::10   198.51.100.1   (IPv4)   192.0.2.10..13   2001:db8:1000:1::10
 *                 ht-c1 ======= ESP tunnel (AES-GCM) ======= gif0
 *
 * The client's gif announces each new address by NA with Override (TLLA =
 * the new IPv4 address) inside ESP; the server moves the tunnel's remote
 * end and the SA's destination. The server's IPv4 link is captured. */
#define HT_KEY_SC "0x0102030405060708090a0b0c0d0e0f1011121314"
#define HT_KEY_CS "0x2122232425262728292a2b2c2d2e2f3031323334"
static const char hometun_conf[] =
    "# the tunnel's two SAs, for both ends (the gifs name them by SPI)\n"
    "add 198.51.100.1 192.0.2.10 esp 0x2001 -m tunnel -E aes-gcm-16 " HT_KEY_SC ";\n"
    "add 192.0.2.10 198.51.100.1 esp 0x2002 -m tunnel -E aes-gcm-16 " HT_KEY_CS ";\n";

#define HT_TOTAL (1u << 20)
static const char *const ht_addrs[] = { "192.0.2.10", "192.0.2.11", "192.0.2.12", "192.0.2.13" };

/* HT_TOTAL pattern bytes from c on inet-host to s on home-host, 1 ms of
 * virtual time a round; at each quarter the client takes a new address
 * (make before break: the new lease first, then the old one goes). */
static int ht_stream(struct six_stack *in, int c, struct six_stack *home, int s, struct six_stack *cl, size_t *gotp)
{
    static uint8_t buf[16384];
    size_t sent = 0, got = 0;
    unsigned moves = 0;
    bool bad = false;
    int fails = 0;
    uint64_t t0 = sim_now(world);
    for (int i = 0; i < 20000 && got < HT_TOTAL; i++) {
        while (sent < HT_TOTAL) {
            size_t k = HT_TOTAL - sent < sizeof buf ? HT_TOTAL - sent : sizeof buf;
            for (size_t j = 0; j < k; j++)
                buf[j] = (uint8_t)((sent + j) * 7);
            ssize_t n = six_send(in, c, buf, k, 0);
            if (n <= 0)
                break;
            sent += (size_t)n;
        }
        ssize_t r;
        while ((r = six_recv(home, s, buf, sizeof buf, 0)) > 0) {
            for (ssize_t j = 0; j < r; j++)
                bad |= buf[j] != (uint8_t)((got + (size_t)j) * 7);
            got += (size_t)r;
        }
        if (moves < 3 && got >= HT_TOTAL / 4 * (moves + 1)) {
            printf("  (%zu of %u bytes received: the client's ISP gives it a new IPv4 address)\n", got, HT_TOTAL);
            char cmd[64];
            snprintf(cmd, sizeof cmd, "addr add %s/24 dev eth0", ht_addrs[moves + 1]);
            fails += run_all(cl, (const char *const[]){ cmd, NULL });
            snprintf(cmd, sizeof cmd, "addr del %s/24 dev eth0", ht_addrs[moves]);
            fails += run_all(cl, (const char *const[]){ cmd, NULL });
            moves++;
        }
        sim_run_for(world, 1 * MS);
    }
    uint64_t dt = sim_now(world) - t0;
    printf("  inet-host -> home-host: %zu of %u bytes in %llu.%03llus (virtual), %s, across %u address changes\n", got,
           HT_TOTAL, (unsigned long long)(dt / SEC), (unsigned long long)(dt % SEC / MS),
           got == HT_TOTAL && !bad ? "byte-exact" : "NOT INTACT", moves);
    *gotp = got;
    return fails + (got != HT_TOTAL || bad || moves != 3);
}

static void counters(struct six_stack *st, const char *const *names)
{
    printf("  %s:", st->name);
    for (const char *const *n = names; *n; n++) {
        uint64_t v = 0;
        six_counter_by_name(&st->ctr, *n, &v);
        printf(" %s %llu", *n, (unsigned long long)v);
    }
    printf("\n");
}

static int hometun_scene(const char *out)
{
    int fails = 0;
    char path[512];
    scene("hometun: the client's IPv4 address changes three times under a TCP transfer; its home prefix stays "
          "(IPv6 in ESP in IPv4, AES-GCM; NA with Override inside ESP)");
    snprintf(path, sizeof path, "%s/hometun-ipsec.conf", out);
    FILE *f = fopen(path, "w");
    if (!f || fputs(hometun_conf, f) < 0 || fclose(f)) {
        perror(path);
        return 1;
    }
    struct six_stack *in = host("inet-host", 21), *sv = host("server", 22), *isp = host("isp", 23);
    struct six_stack *cl = host("client", 24), *home = host("home-host", 25);
    if (!in || !sv || !isp || !cl || !home)
        return 1;
    sites[4] = in, sites[5] = sv, sites[6] = isp, sites[7] = cl, sites[8] = home;
    struct sim_link_params lan = { .delay_ns = 1 * MS }, wan = { .delay_ns = 10 * MS };
    struct sim_link *inet = sim_link_create(world, "inet", &lan), *hl = sim_link_create(world, "home", &lan);
    struct sim_link *core = sim_link_create_p2p(world, "core", &wan), *acc = sim_link_create_p2p(world, "access", &wan);
    sim_attach(inet, in, "eth0", NULL);
    sim_attach(inet, sv, "eth0", NULL);
    sim_attach(core, sv, "eth1", NULL);
    sim_attach(core, isp, "eth0", NULL);
    sim_attach(acc, isp, "eth1", NULL);
    sim_attach(acc, cl, "eth0", NULL);
    sim_attach(hl, cl, "eth1", NULL);
    sim_attach(hl, home, "eth0", NULL);
    fails += scene_cmd(sv, NULL, "capture eth1 %s/hometun.pcap", out) != 0;
    const char *const ci[] = { "link set eth0 up", "addr add 2001:db8:ffff::10/64 dev eth0",
                               "route add default via 2001:db8:ffff::1", NULL };
    const char *const cs[] = {
        "set forwarding on", "link set eth0 up", "link set eth1 up", "addr add 2001:db8:ffff::1/64 dev eth0",
        "addr add 198.51.100.1/24 dev eth1", "route add default via 198.51.100.2",
        "link add ht-c1 type gif local 198.51.100.1 remote 192.0.2.10", "link set ht-c1 esp 0x2001 0x2002",
        "link set ht-c1 up", "addr add 2001:db8:ff00::1/64 dev ht-c1", "link set ht-c1 hometun server",
        "route add 2001:db8:1000::/48 via 2001:db8:ff00::2", NULL };
    const char *const cr[] = { "set forwarding on", "link set eth0 up", "link set eth1 up",
                               "addr add 198.51.100.2/24 dev eth0", "addr add 192.0.2.1/24 dev eth1", NULL };
    /* the client routes IPv6 only: over IPv4 it is a host (with IPv4
     * forwarding on, the packets that still go to a left address would
     * bounce between it and the ISP until their TTL runs out) */
    const char *const cc[] = {
        "set forwarding on -6", "link set eth0 up", "link set eth1 up", "addr add 192.0.2.10/24 dev eth0",
        "route add default via 192.0.2.1", "addr add 2001:db8:1000:1::1/64 dev eth1",
        "link add gif0 type gif local 192.0.2.10 remote 198.51.100.1", "link set gif0 esp 0x2002 0x2001",
        "link set gif0 up", "addr add 2001:db8:ff00::2/64 dev gif0", "route add default via 2001:db8:ff00::1", NULL };
    const char *const ch[] = { "link set eth0 up", "addr add 2001:db8:1000:1::10/64 dev eth0",
                               "route add default via 2001:db8:1000:1::1", NULL };
    fails += run_all(in, ci) + run_all(sv, cs) + run_all(isp, cr) + run_all(cl, cc) + run_all(home, ch);
    printf("  %s:\n", path);
    for (const char *l = hometun_conf; *l;) {
        const char *e = strchr(l, '\n');
        printf("      %.*s\n", (int)(e - l), l);
        l = e + 1;
    }
    char load[600];
    snprintf(load, sizeof load, "ipsec load %s", path);
    fails += show(sv, load) != 0;
    fails += show(cl, load) != 0;
    fails += run_all(cl, (const char *const[]){ "link set gif0 hometun client", NULL });
    sim_run_for(world, 3 * SEC);
    fails += ping(in, "2001:db8:1000:1::10 -c 2 -i 200") != 0;

    printf("  home-host$ (listen on port 8000)   inet-host$ (connect to [2001:db8:1000:1::10]:8000, send %u bytes)\n",
           HT_TOTAL);
    struct sockaddr_in6 any = { .sin6_family = AF_INET6, .sin6_port = htons(8000) }, to = any;
    inet_pton(AF_INET6, "2001:db8:1000:1::10", &to.sin6_addr);
    int ls = six_socket(home, AF_INET6, SOCK_STREAM, 0), c = six_socket(in, AF_INET6, SOCK_STREAM, 0), s = -1;
    if (ls < 0 || c < 0 || six_bind(home, ls, (struct sockaddr *)&any, sizeof any) || six_listen(home, ls, 4))
        return fails + 1;
    six_connect(in, c, (struct sockaddr *)&to, sizeof to);
    for (int i = 0; i < 200 && s < 0; i++) {
        sim_run_for(world, 5 * MS);
        s = six_accept(home, ls, NULL, NULL);
    }
    size_t got = 0;
    if (s < 0)
        fails++;
    else
        fails += ht_stream(in, c, home, s, cl, &got);
    six_close(in, c);
    if (s >= 0)
        six_close(home, s);
    six_close(home, ls);
    sim_run_for(world, 3 * SEC);   /* the last NAs (RetransTimer apart) */
    show(sv, "link show ht-c1");
    show(sv, "ipsec sa");
    counters(cl, (const char *const[]){ "gif.local_moved", "gif.na_announced", NULL });
    counters(sv, (const char *const[]){ "gif.na_in", "gif.na_moved", "gif.drop_na_unauth", NULL });
    printf("  on the server's IPv4 link (%s/hometun.pcap): the tunnel is ESP in IPv4, its client end's address changes "
           "three times\n", out);
    return fails;
}

/* DHCPv6 with prefix delegation, through a relay: the ISP's server (isp6)
 * sits on its core link; the access router (bras) relays for the access
 * link. The server gives the home router (home6) an address (IA_NA) and a
 * /56 (IA_PD); home6 numbers its LAN with the /64 of SLA ID 1 and announces
 * it; the PC there configures itself by SLAAC and reaches the server. The
 * server does not route delegated prefixes: the scene adds the access
 * router's route to the /56 from what the lease says. */
static struct six_stack *d6_stacks[4];

static bool first_global(struct six_stack *st, const char *ifname, bool autoconf, struct in6_addr *out)
{
    struct ifnet *ifp = if_find(st, ifname);
    for (int i = 0; ifp && i < IN6_MAX_ADDRS_PER_IF; i++) {
        const struct in6_ifaddr *ia = &ifp->in6->addrs[i];
        if (ia->in_use && !in6_is_linklocal(&ia->addr) && !(ia->flags & IN6_IFF_TENTATIVE) &&
            (!autoconf || (ia->flags & IN6_IFF_AUTOCONF))) {
            *out = ia->addr;
            return true;
        }
    }
    return false;
}

static int dhcp6_scene(const char *out)
{
    int fails = 0;
    char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN], cmd[600], ccmd[600];
    scene("DHCPv6: the ISP's server, through the access router's relay, gives the home router an address and a /56; "
          "the home router numbers its LAN from it; a PC there takes an address by SLAAC and reaches the server");
    struct six_stack *isp = host("isp6", 31), *bras = host("bras", 34), *hr = host("home6", 32), *pc = host("pc", 33);
    if (!isp || !bras || !hr || !pc)
        return 1;
    d6_stacks[0] = isp, d6_stacks[1] = bras, d6_stacks[2] = hr, d6_stacks[3] = pc;
    struct sim_link_params lp = { .delay_ns = 2 * MS };
    struct sim_link *core = sim_link_create(world, "core6", &lp), *acc = sim_link_create(world, "access6", &lp);
    struct sim_link *lan = sim_link_create(world, "lan6", &lp);
    sim_attach(core, isp, "eth0", NULL);
    sim_attach(core, bras, "eth0", NULL);
    sim_attach(acc, bras, "eth1", NULL);
    sim_attach(acc, hr, "wan0", NULL);
    sim_attach(lan, hr, "lan0", NULL);
    sim_attach(lan, pc, "eth0", NULL);
    snprintf(cmd, sizeof cmd, "%s/dhcp6-isp.leases", out);
    unlink(cmd);   /* the same scene every run: no leases from the last one */
    fails += scene_cmd(bras, NULL, "capture eth0 %s/dhcp6-core.pcap", out) != 0;
    fails += scene_cmd(bras, NULL, "capture eth1 %s/dhcp6-access.pcap", out) != 0;
    snprintf(cmd, sizeof cmd, "dhcp6 server dev eth0 link 2001:db8:ff::/64 pool 2001:db8:ff::1000-2001:db8:ff::1fff "
             "pd-pool 2001:db8:8000::/40 delegate 56 dns 2001:db8:ff::53 store %s/dhcp6-isp.leases", out);
    const char *const ci[] = { "link set eth0 up", "addr add 2001:db8:fe::1/64 dev eth0",
                               "route add default via 2001:db8:fe::2", cmd, NULL };
    const char *const cb[] = { "set forwarding on", "link set eth0 up", "link set eth1 up",
                               "addr add 2001:db8:fe::2/64 dev eth0", "addr add 2001:db8:ff::1/64 dev eth1",
                               "addr add fe80::1/64 dev eth1",
                               "ra dev eth1 prefix 2001:db8:ff::/64 managed other interval 3 10",
                               "dhcp6 relay dev eth1 server 2001:db8:fe::1 upstream eth0", NULL };
    snprintf(ccmd, sizeof ccmd, "dhcp6 client dev wan0 ia-na ia-pd pd-to lan0 sla 1 duid-file %s/home6.duid", out);
    const char *const ch[] = { "set forwarding on", "link set wan0 up", "link set lan0 up",
                               "route add default via fe80::1 dev wan0", ccmd, NULL };
    fails += run_all(isp, ci) + run_all(bras, cb) + run_all(hr, ch);
    fails += run_all(pc, (const char *const[]){ "link set eth0 up", NULL });
    sim_run_for(world, 15 * SEC);
    fails += show(hr, "dhcp6 client show") != 0;
    fails += show(isp, "dhcp6 leases") != 0;
    fails += show(bras, "dhcp6 relay show") != 0;
    struct in6_addr wan, pcaddr;
    if (!first_global(hr, "wan0", false, &wan) || !first_global(pc, "eth0", true, &pcaddr)) {
        fprintf(stderr, "sixdemo: DHCPv6 scene: no lease or no SLAAC address\n");
        return fails + 1;
    }
    show(pc, "addr show");
    struct in6_addr p56 = pcaddr;
    memset(&p56.s6_addr[7], 0, 9);
    printf("  pc: SLAAC address %s in the delegated /56 %s/56 (SLA 1)\n", inet_ntop(AF_INET6, &pcaddr, a, sizeof a),
           inet_ntop(AF_INET6, &p56, b, sizeof b));
    snprintf(cmd, sizeof cmd, "route add %s/56 via %s", b, inet_ntop(AF_INET6, &wan, a, sizeof a));
    fails += run_all(bras, (const char *const[]){ cmd, NULL });
    fails += ping(pc, "2001:db8:fe::1 -c 3 -i 300") != 0;
    printf("  captures: %s/dhcp6-access.pcap (Solicit, Advertise, Request, Reply between home6 and the relay), "
           "%s/dhcp6-core.pcap (the same in Relay-forw / Relay-repl)\n", out, out);
    return fails;
}

int main(int argc, char **argv)
{
    const char *out = argc > 1 ? argv[1] : "demo-out";
    int fails = 0;
    char ab[INET6_ADDRSTRLEN], bb[INET6_ADDRSTRLEN];

    if (mkdir(out, 0755) && errno != EEXIST) {
        perror(out);
        return 1;
    }
    world = sim_world_create(2026);
    struct six_stack *a = host("a", 1), *r = host("r", 2), *b = host("b", 3);
    if (!a || !r || !b)
        return 1;
    struct sim_link_params p1 = { .delay_ns = 2 * MS }, p2 = { .delay_ns = 5 * MS, .mtu = 1280 };
    struct sim_link *l1 = sim_link_create(world, "l1", &p1), *l2 = sim_link_create(world, "l2", &p2);
    sim_attach(l1, a, "eth0", NULL);
    sim_attach(l1, r, "eth0", NULL);
    sim_attach(l2, r, "eth1", NULL);
    sim_attach(l2, b, "eth0", NULL);

    scene("Set-up: r routes between l1 (2001:db8:1::/64) and l2 (2001:db8:2::/64, MTU 1280)");
    fails += scene_cmd(r, NULL, "capture eth0 %s/l1.pcap", out) != 0;
    fails += scene_cmd(r, NULL, "capture eth1 %s/l2.pcap", out) != 0;
    const char *rcfg[] = { "set forwarding on", "addr add 2001:db8:1::1/64 dev eth0", "addr add 2001:db8:2::1/64 dev eth1",
                           "ra dev eth0 prefix 2001:db8:1::/64 rdnss 2001:db8:1::53 interval 3 10",
                           "ra dev eth1 prefix 2001:db8:2::/64 mtu 1280 interval 3 10",
                           "link set eth0 up", "link set eth1 up", NULL };
    for (const char **c = rcfg; *c; c++) {
        printf("  r$ %s\n", *c);
        fails += scene_cmd(r, NULL, "%s", *c) != 0;
    }
    scene("Hosts come up: link-local address, DAD, router solicitation, SLAAC");
    fails += scene_cmd(a, NULL, "link set eth0 up") != 0;
    fails += scene_cmd(b, NULL, "link set eth0 up") != 0;
    sim_run_for(world, 6 * SEC);
    if (!slaac_of(a, ab) || !slaac_of(b, bb)) {
        fprintf(stderr, "sixdemo: SLAAC did not complete\n");
        return 1;
    }
    show(a, "addr show");
    show(b, "route show");

    scene("Neighbor Discovery and pings across the router");
    char args[160];
    snprintf(args, sizeof args, "%s -c 3 -i 500", bb);
    fails += ping(a, args) != 0;
    show(a, "neigh show");

    scene("Packet Too Big: a 1400-byte packet does not fit l2 (MTU 1280): r says so, a lowers its path MTU, the next one goes through");
    snprintf(args, sizeof args, "%s -c 2 -s 1400 -i 500", bb);
    fails += ping(a, args) != 0;
    {
        struct in6_addr bd;
        inet_pton(AF_INET6, bb, &bd);
        printf("  a: path MTU to %s = %u\n", bb, pmtu6_get(a, &bd, 1500));
    }

    scene("A fragmented ping: 3000 bytes, fragmented by a to the path MTU, reassembled by b (and back)");
    snprintf(args, sizeof args, "%s -c 1 -s 3000", bb);
    fails += ping(a, args) != 0;
    show(a, "stats");

    fails += ipsec_sites(out);
    fails += hometun_scene(out);
    fails += dhcp6_scene(out);

    char esp_sa[512];
    snprintf(esp_sa, sizeof esp_sa, "%s/esp_sa", out);
    fails += demo_write_esp_sa(esp_sa, sites, sizeof sites / sizeof sites[0]) != 0;
    scene("Done");
    six_stack_destroy(a);
    six_stack_destroy(r);
    six_stack_destroy(b);
    for (unsigned i = 0; i < sizeof sites / sizeof sites[0]; i++)
        if (sites[i])
            six_stack_destroy(sites[i]);
    for (unsigned i = 0; i < sizeof d6_stacks / sizeof d6_stacks[0]; i++)
        if (d6_stacks[i])
            six_stack_destroy(d6_stacks[i]);
    sim_world_destroy(world);
    printf("  pcaps: %s/l1.pcap %s/l2.pcap %s/wan.pcap %s/hometun.pcap %s/dhcp6-access.pcap %s/dhcp6-core.pcap\n"
           "  (open with tshark or wireshark)\n", out, out, out, out, out, out);
    printf("  ESP keys for Wireshark: %s (copy to ~/.config/wireshark/esp_sa; see docs/IPSEC.md)\n", esp_sa);
    printf("  %s\n", fails ? "SOME SCENES FAILED" : "all scenes ran as expected");
    return fails ? 1 : 0;
}
