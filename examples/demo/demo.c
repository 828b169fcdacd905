/* sixdemo: the simulated-network demo behind `make demo`. No root needed.
 *
 *   host a ──link l1── router r ──link l2 (MTU 1280)── host b
 *
 * Scenes: SLAAC and DAD from the router's advertisements, ND, pings across
 * the router, a fragmented ping, a Packet Too Big from the narrow link and
 * the path MTU that follows. Prints a readable trace on the virtual clock and
 * writes one pcap per link into the output folder (default demo-out/). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <arpa/inet.h>
#include "ctl/scene.h"
#include "link/sim.h"
#include "net/stack.h"
#include "net/ip6_var.h"

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

static struct six_stack *sites[4];   /* destroyed with the others at the end */

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

    scene("Done");
    six_stack_destroy(a);
    six_stack_destroy(r);
    six_stack_destroy(b);
    for (int i = 0; i < 4; i++)
        if (sites[i])
            six_stack_destroy(sites[i]);
    sim_world_destroy(world);
    printf("  pcaps: %s/l1.pcap %s/l2.pcap %s/wan.pcap (open with tshark or wireshark)\n", out, out, out);
    printf("  %s\n", fails ? "SOME SCENES FAILED" : "all scenes ran as expected");
    return fails ? 1 : 0;
}
