/* Reload of a configuration file as a difference (src/ctl/cfgdiff.c,
 * src/ipsec/setkey_diff.c) on a simulated stack: an unchanged file disturbs
 * nothing (SAs keep their identity, counters and replay state; a TCP
 * transfer across the reload completes), a changed route changes only that
 * route, a changed setkey file replaces only the SAs that changed, a broken
 * file — bad syntax, a bad setkey file, a line that fails when it runs, a
 * removed line without an inverse — changes nothing and says FILE:LINE. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <arpa/inet.h>
#include "../lib/t.h"
#include "../lib/simstack.h"
#include "../lib/ipsec_sim.h"
#include "ctl/cfgdiff.h"
#include "ctl/cmd.h"
#include "ctl/cmd_reload.h"
#include "ctl/scene.h"
#include "link/sim.h"
#include "link/ifnet.h"
#include "net/stack.h"
#include "net/ip6_var.h"
#include "net/ip4_var.h"
#include "ipsec/ipsec.h"
#include "six/socket.h"
#include "dhcp6/relay.h"

#define MS 1000000ull
#define KEY1 "0x0102030405060708090a0b0c0d0e0f1011121314"
#define KEY2 "0x2122232425262728292a2b2c2d2e2f3031323334"

static char dir[64], cfg_path[128], sk_path[128];
static struct sim_world *W;
static struct six_stack *A, *B;
static struct cfg_state *S;
static char err[1024];

static void write_file(const char *path, const char *fmt, ...)
{
    va_list ap;
    FILE *f = fopen(path, "w");
    if (!f) {
        perror(path);
        exit(1);
    }
    va_start(ap, fmt);
    vfprintf(f, fmt, ap);
    va_end(ap);
    fclose(f);
}

/* A's SAs with B: 0x1001 out, 0x1002 in (key k1) and, with second_pair,
 * 0x2001 out, 0x2002 in over IPv4 (key k2). */
static void write_setkey(const char *k1, const char *k2, bool second_pair)
{
    char pair2[512] = "";
    if (second_pair)
        snprintf(pair2, sizeof pair2,
                 "add 192.0.2.1 192.0.2.2 esp 0x2001 -m transport -E aes-gcm-16 %s;\n"
                 "add 192.0.2.2 192.0.2.1 esp 0x2002 -m transport -E aes-gcm-16 %s;\n", k2, k2);
    write_file(sk_path,
               "flush;\nspdflush;\n"
               "add 2001:db8:1::a 2001:db8:1::b esp 0x1001 -m transport -E aes-gcm-16 %s;\n"
               "add 2001:db8:1::b 2001:db8:1::a esp 0x1002 -m transport -E aes-gcm-16 %s;\n"
               "%s"
               "spdadd 2001:db8:1::a 2001:db8:1::b any -P out ipsec esp/transport//require;\n"
               "spdadd 2001:db8:1::b 2001:db8:1::a any -P in ipsec esp/transport//require;\n",
               k1, k1, pair2);
}

static const char base_cfg[] =
    "# A's configuration\n"
    "link add gif0 type gif local 192.0.2.1 remote 192.0.2.2\n"
    "link set gif0 up\n"
    "addr add 2001:db8:99::a/64 dev gif0\n"
    "route add 2001:db8:50::/48 via 2001:db8:1::b\n"
    "route add 2001:db8:60::/48 via 2001:db8:1::b\n"
    "ipsec load %s\n"
    "set forwarding on -6\n"
    "stats\n";

static void write_cfg(const char *text)
{
    write_file(cfg_path, text, sk_path);
}

static struct cfg_env env(void) { return (struct cfg_env){ .st = A }; }

/* B mirrors A's SAs (key k1 pair only) and policies. */
static void setup(bool second_pair)
{
    W = sim_two_hosts(11, &A, &B);
    write_setkey(KEY1, KEY2, second_pair);
    write_cfg(base_cfg);
    char text[2048];
    snprintf(text, sizeof text,
             "add 2001:db8:1::a 2001:db8:1::b esp 0x1001 -m transport -E aes-gcm-16 %s;\n"
             "add 2001:db8:1::b 2001:db8:1::a esp 0x1002 -m transport -E aes-gcm-16 %s;\n"
             "spdadd 2001:db8:1::b 2001:db8:1::a any -P out ipsec esp/transport//require;\n"
             "spdadd 2001:db8:1::a 2001:db8:1::b any -P in ipsec esp/transport//require;\n", KEY1, KEY1);
    T_EQ(sim_setkey(B, text), 0);
    S = cfg_state_new(cfg_path, dir);
    struct cfg_env e = env();
    T_EQ(cfg_load(S, &e, err, sizeof err), 0);
    if (err[0] && t_case_failed)
        fprintf(stderr, "  %s\n", err);
}

static void teardown(void)
{
    cfg_state_free(S);
    S = NULL;
    six_stack_destroy(A);
    six_stack_destroy(B);
    sim_world_destroy(W);
    W = NULL;
}

static int reload(struct cfg_reload_result *res)
{
    struct cfg_env e = env();
    err[0] = 0;
    return cfg_reload(S, &e, NULL, err, sizeof err, res);
}

static bool route6(const char *prefix, unsigned plen)
{
    struct in6_addr a;
    inet_pton(AF_INET6, prefix, &a);
    return route6_get(A, &a, plen) != NULL;
}

struct r4 { struct in_addr p; unsigned plen; const char *ifname; bool found; };

static int r4_cb(void *ctx, struct in_addr prefix, unsigned plen, const struct in_addr *gw, struct ifnet *ifp,
                 uint32_t flags)
{
    struct r4 *r = ctx;
    if (prefix.s_addr == r->p.s_addr && plen == r->plen && ifp && !strcmp(ifp->name, r->ifname))
        r->found = true;
    return 0;
}

/* An IPv4 route to prefix/plen out of ifname exists. */
static bool route4_via(const char *prefix, unsigned plen, const char *ifname)
{
    struct r4 r = { .plen = plen, .ifname = ifname };
    inet_pton(AF_INET, prefix, &r.p);
    route4_walk(A, r4_cb, &r);
    return r.found;
}

static struct ipsec_sa *sa(const char *dst, uint32_t spi)
{
    struct in6_addr d;
    if (strchr(dst, ':')) {
        inet_pton(AF_INET6, dst, &d);
    } else {
        memset(&d, 0, sizeof d);
        d.s6_addr[10] = d.s6_addr[11] = 0xff;
        inet_pton(AF_INET, dst, &d.s6_addr[12]);
    }
    return ipsec_sa_find(A, IPSEC_PROTO_ESP, &d, spi);
}

static bool udp_through_esp(void)
{
    return sim_udp_once(W, A, B, "2001:db8:1::a", "2001:db8:1::b", 7000) &&
           sim_udp_once(W, B, A, "2001:db8:1::b", "2001:db8:1::a", 7001);
}

TEST(unchanged_file_disturbs_nothing)
{
    setup(false);
    T_CHECK(udp_through_esp());
    struct ipsec_sa *out = sa("2001:db8:1::b", 0x1001), *in = sa("2001:db8:1::a", 0x1002);
    T_CHECK(out && in);
    if (!out || !in)
        goto done;
    uint32_t out_id = out->id, in_id = in->id;
    uint64_t seq = out->tx.last, top = in->replay.top, pk = out->stats.packets;
    T_CHECK(seq >= 1 && top >= 1);
    struct ifnet *gif = if_find(A, "gif0");
    unsigned gif_index = gif ? gif->index : 0;
    /* blanks and comments are no change */
    write_file(cfg_path,
               "# A's configuration, comments changed\n"
               "link add  gif0 type gif   local 192.0.2.1 remote 192.0.2.2\n\n"
               "link set gif0 up # on\n"
               "addr add 2001:db8:99::a/64 dev gif0\n"
               "route add 2001:db8:50::/48 via 2001:db8:1::b\n"
               "route add 2001:db8:60::/48 via 2001:db8:1::b\n"
               "ipsec load %s\n"
               "set forwarding on -6\n"
               "stats\n", sk_path);
    struct cfg_reload_result res;
    T_EQ(reload(&res), 0);
    T_EQ(res.added, 0);
    T_EQ(res.removed, 0);
    T_EQ(res.kept, 8);
    T_CHECK(sa("2001:db8:1::b", 0x1001) == out && out->id == out_id && in->id == in_id);
    T_EQ(out->tx.last, seq);
    T_EQ(in->replay.top, top);
    T_EQ(out->stats.packets, pk);
    T_CHECK(if_find(A, "gif0") == gif && gif->index == gif_index);
    T_CHECK(udp_through_esp());
    T_EQ(out->tx.last, seq + 1);     /* the sender's numbers go on */
    T_CHECK(in->replay.top > top);
done:
    teardown();
}

/* A TCP transfer through the ESP SAs, reloaded (with a changed route) half way. */
struct mid { bool done; int rc; };
static void reload_half_way(void *ctx, size_t got)
{
    struct mid *m = ctx;
    if (!m->done && got > 200000) {
        m->done = true;
        m->rc = reload(NULL);
    }
}

TEST(tcp_transfer_across_a_reload)
{
    setup(false);
    socklen_t len;
    struct sockaddr_storage any = sim_sockaddr("::", 8000, &len);
    int ls = six_socket(B, AF_INET6, SOCK_STREAM, 0);
    T_CHECK(ls >= 0 && !six_bind(B, ls, (struct sockaddr *)&any, len) && !six_listen(B, ls, 4));
    struct sockaddr_storage dst = sim_sockaddr("2001:db8:1::b", 8000, &len);
    int c = six_socket(A, AF_INET6, SOCK_STREAM, 0), s = -1;
    six_connect(A, c, (struct sockaddr *)&dst, len);
    for (int i = 0; i < 200 && s < 0; i++) {
        sim_run_for(W, 5 * MS);
        s = six_accept(B, ls, NULL, NULL);
    }
    T_CHECK(s >= 0);
    write_cfg("link add gif0 type gif local 192.0.2.1 remote 192.0.2.2\n"
              "link set gif0 up\n"
              "addr add 2001:db8:99::a/64 dev gif0\n"
              "route add 2001:db8:50::/48 via 2001:db8:1::b\n"
              "route add 2001:db8:61::/48 via 2001:db8:1::b\n"
              "ipsec load %s\n"
              "set forwarding on -6\n");
    struct mid m = { 0 };
    uint64_t before = sa("2001:db8:1::b", 0x1001)->stats.packets;
    T_CHECK(s >= 0 && sim_pump_tick(W, A, c, B, s, 1000000, reload_half_way, &m));
    T_CHECK(m.done);
    T_EQ(m.rc, 0);
    T_CHECK(route6("2001:db8:61::", 48) && !route6("2001:db8:60::", 48));
    T_CHECK(sa("2001:db8:1::b", 0x1001)->stats.packets > before + 100);   /* the same SA carried it all */
    six_close(A, c);
    if (s >= 0)
        six_close(B, s);
    six_close(B, ls);
    teardown();
}

TEST(changed_route_changes_only_that_route)
{
    setup(false);
    T_CHECK(udp_through_esp());
    struct ipsec_sa *out = sa("2001:db8:1::b", 0x1001);
    uint64_t seq = out ? out->tx.last : 0;
    struct in6_addr p50;
    inet_pton(AF_INET6, "2001:db8:50::", &p50);
    struct route6 *r50 = route6_get(A, &p50, 48);
    write_cfg("# A's configuration\n"
              "link add gif0 type gif local 192.0.2.1 remote 192.0.2.2\n"
              "link set gif0 up\n"
              "addr add 2001:db8:99::a/64 dev gif0\n"
              "route add 2001:db8:50::/48 via 2001:db8:1::b\n"
              "route add 2001:db8:70::/48 via 2001:db8:1::b dev eth0\n"
              "ipsec load %s\n"
              "set forwarding on -6\n"
              "stats\n");
    struct cfg_reload_result res;
    T_EQ(reload(&res), 0);
    T_EQ(res.added, 1);
    T_EQ(res.removed, 1);
    T_CHECK(!route6("2001:db8:60::", 48) && route6("2001:db8:70::", 48));
    T_CHECK(route6_get(A, &p50, 48) == r50);
    T_CHECK(sa("2001:db8:1::b", 0x1001) == out && out && out->tx.last == seq);
    T_CHECK(A->fwd6);
    teardown();
}

TEST(syntax_error_changes_nothing)
{
    setup(false);
    write_cfg("link add gif0 type gif local 192.0.2.1 remote 192.0.2.2\n"
              "route add 2001:db8:70::/48 via 2001:db8:1::b\n"
              "link set gif0 \"up\n");
    T_EQ(reload(NULL), -1);
    char want[400];
    snprintf(want, sizeof want, "%s:3: ", cfg_path);
    T_CHECK(strncmp(err, want, strlen(want)) == 0);
    if (t_case_failed)
        fprintf(stderr, "  err: %s\n", err);
    T_CHECK(route6("2001:db8:60::", 48) && !route6("2001:db8:70::", 48));
    T_CHECK(if_find(A, "gif0") && sa("2001:db8:1::b", 0x1001));
    teardown();
}

/* `ipsec exec "TEXT"`, the text quoted as one word (blanks and all): the
 * reload parses the text sixctl's ipsec exec would run, not the quoted form
 * (which ended in '"' and failed with "missing ';'"). */
TEST(quoted_ipsec_exec_line)
{
    setup(false);
    char cfg[2048], tail[600];
    snprintf(tail, sizeof tail,
             "ipsec exec \"add 192.0.2.1 192.0.2.3 esp 0x3001 -m transport -E aes-gcm-16 %s; "
             "add 192.0.2.3 192.0.2.1 esp 0x3002 -m transport -E aes-gcm-16 %s;\"\n", KEY2, KEY2);
    snprintf(cfg, sizeof cfg, "%s%s", base_cfg, tail);
    write_cfg(cfg);
    T_EQ(reload(NULL), 0);
    if (t_case_failed)
        fprintf(stderr, "  err: %s\n", err);
    T_CHECK(sa("192.0.2.3", 0x3001) && sa("192.0.2.1", 0x3002));
    teardown();
}

TEST(bad_setkey_file_changes_nothing)
{
    setup(false);
    struct ipsec_sa *out = sa("2001:db8:1::b", 0x1001);
    write_file(sk_path, "flush;\nadd 2001:db8:1::a 2001:db8:1::b esp 0x1001 -E des-cbc 0x0102030405060708;\n");
    T_EQ(reload(NULL), -1);
    char want[400];
    snprintf(want, sizeof want, "%s:7: %s:2:", cfg_path, sk_path);
    T_CHECK(strncmp(err, want, strlen(want)) == 0);
    if (t_case_failed)
        fprintf(stderr, "  err: %s\n  want: %s\n", err, want);
    T_CHECK(sa("2001:db8:1::b", 0x1001) == out);
    teardown();
}

/* The new file removes a route, changes the SAs and then has a line that
 * fails when it runs: all of it is taken back, the old SA with its state. */
TEST(failing_line_rolls_everything_back)
{
    setup(true);
    T_CHECK(udp_through_esp());
    struct ipsec_sa *out = sa("2001:db8:1::b", 0x1001), *o2 = sa("192.0.2.2", 0x2001);
    T_CHECK(out && o2);
    uint32_t id = out ? out->id : 0;
    uint64_t seq = out ? out->tx.last : 0;
    write_setkey(KEY2, KEY2, true);
    write_cfg("link add gif0 type gif local 192.0.2.1 remote 192.0.2.2\n"
              "link set gif0 up\n"
              "addr add 2001:db8:99::a/64 dev gif0\n"
              "route add 2001:db8:50::/48 via 2001:db8:1::b\n"
              "ipsec load %s\n"
              "set forwarding on -6\n"
              "route add 2001:db8:70::/48 via 2001:db8:1::b\n"
              "addr add 2001:db8:98::a/64 dev nosuch0\n");
    T_EQ(reload(NULL), -1);
    char want[400];
    snprintf(want, sizeof want, "%s:8: no interface 'nosuch0'", cfg_path);
    T_CHECK(strncmp(err, want, strlen(want)) == 0);
    if (t_case_failed)
        fprintf(stderr, "  err: %s\n", err);
    T_CHECK(route6("2001:db8:60::", 48) && !route6("2001:db8:70::", 48));
    struct ipsec_sa *now = sa("2001:db8:1::b", 0x1001);
    T_CHECK(now && now->id == id && now->tx.last == seq);
    T_CHECK(sa("192.0.2.2", 0x2001) == o2);
    T_CHECK(udp_through_esp());
    /* and the running configuration is still the old one: an unchanged
     * reload of it is no change */
    write_setkey(KEY1, KEY2, true);
    write_cfg(base_cfg);
    struct cfg_reload_result res;
    T_EQ(reload(&res), 0);
    T_EQ(res.added + res.removed + res.changed_files, 0);
    teardown();
}

TEST(changed_setkey_file_replaces_only_changed_sas)
{
    setup(true);
    T_CHECK(udp_through_esp());
    struct ipsec_sa *out = sa("2001:db8:1::b", 0x1001), *in = sa("2001:db8:1::a", 0x1002);
    struct ipsec_sa *o2 = sa("192.0.2.2", 0x2001);
    T_CHECK(out && in && o2);
    if (!out || !in || !o2)
        goto done;
    uint32_t id = out->id, id2 = o2->id;
    uint64_t seq = out->tx.last, top = in->replay.top;
    write_setkey(KEY1, KEY1, true);     /* the 0x2001/0x2002 pair gets another key */
    struct cfg_reload_result res;
    T_EQ(reload(&res), 0);
    T_EQ(res.added + res.removed, 0);
    T_EQ(res.changed_files, 1);
    T_CHECK(sa("2001:db8:1::b", 0x1001) == out && out->id == id && out->tx.last == seq && in->replay.top == top);
    struct ipsec_sa *n2 = sa("192.0.2.2", 0x2001);
    T_CHECK(n2 && n2->id != id2 && n2->tx.last == 0);
    T_CHECK(udp_through_esp());
    write_setkey(KEY1, KEY1, false);    /* the pair goes */
    T_EQ(reload(&res), 0);
    T_CHECK(!sa("192.0.2.2", 0x2001) && !sa("192.0.2.1", 0x2002));
    T_CHECK(sa("2001:db8:1::b", 0x1001) == out);
done:
    teardown();
}

TEST(removed_link_takes_what_names_it)
{
    setup(false);
    /* a route through gif0 that does not name it */
    write_cfg("link add gif0 type gif local 192.0.2.1 remote 192.0.2.2\n"
              "link set gif0 up\n"
              "addr add 2001:db8:99::a/64 dev gif0\n"
              "route add 2001:db8:50::/48 via 2001:db8:1::b\n"
              "route add 2001:db8:60::/48 via 2001:db8:1::b\n"
              "route add 2001:db8:55::/48 via 2001:db8:99::b\n"
              "addr add 10.99.0.1/24 dev gif0\n"
              "route add 10.55.0.0/16 via 10.99.0.2\n"
              "ipsec load %s\n"
              "set forwarding on -6\n");
    struct cfg_reload_result res;
    T_EQ(reload(&res), 0);
    struct in6_addr p55;
    inet_pton(AF_INET6, "2001:db8:55::", &p55);
    T_CHECK(route6_get(A, &p55, 48) && route4_via("10.55.0.0", 16, "gif0"));
    /* the remote end changes: gif0 is made again, its address and the
     * route through it come back */
    write_cfg("link add gif0 type gif local 192.0.2.1 remote 192.0.2.3\n"
              "link set gif0 up\n"
              "addr add 2001:db8:99::a/64 dev gif0\n"
              "route add 2001:db8:50::/48 via 2001:db8:1::b\n"
              "route add 2001:db8:60::/48 via 2001:db8:1::b\n"
              "route add 2001:db8:55::/48 via 2001:db8:99::b\n"
              "addr add 10.99.0.1/24 dev gif0\n"
              "route add 10.55.0.0/16 via 10.99.0.2\n"
              "ipsec load %s\n"
              "set forwarding on -6\n");
    T_EQ(reload(&res), 0);
    /* link add, link set, both addr add and the IPv4 route (its gateway's
     * interface went); the IPv6 route resolves its gateway per packet and
     * stays */
    T_EQ(res.added, 5);
    T_EQ(res.removed, 5);
    struct ifnet *now = if_find(A, "gif0");
    struct in6_addr a;
    inet_pton(AF_INET6, "2001:db8:99::a", &a);
    T_CHECK(now && (now->flags & IFF6_UP) && in6_ifaddr_find(now, &a));
    T_CHECK(route6_get(A, &p55, 48) && route4_via("10.55.0.0", 16, "gif0"));
    /* and without the gif lines it goes */
    write_cfg("route add 2001:db8:50::/48 via 2001:db8:1::b\n"
              "route add 2001:db8:60::/48 via 2001:db8:1::b\n"
              "ipsec load %s\n"
              "set forwarding on -6\n");
    T_EQ(reload(&res), 0);
    T_CHECK(!if_find(A, "gif0"));
    teardown();
}

TEST(setters_put_back_and_refusals)
{
    setup(false);
    /* set forwarding removed: back to what it was before the line (off) */
    write_cfg("link add gif0 type gif local 192.0.2.1 remote 192.0.2.2\n"
              "link set gif0 up\n"
              "addr add 2001:db8:99::a/64 dev gif0\n"
              "route add 2001:db8:50::/48 via 2001:db8:1::b\n"
              "route add 2001:db8:60::/48 via 2001:db8:1::b\n"
              "ipsec load %s\n"
              "link set gif0 ingress-check off\n");
    T_EQ(reload(NULL), 0);
    T_CHECK(!A->fwd6);
    /* a gif option has no inverse: removing it needs a restart */
    write_cfg("link add gif0 type gif local 192.0.2.1 remote 192.0.2.2\n"
              "link set gif0 up\n"
              "addr add 2001:db8:99::a/64 dev gif0\n"
              "route add 2001:db8:50::/48 via 2001:db8:1::b\n"
              "route add 2001:db8:60::/48 via 2001:db8:1::b\n"
              "ipsec load %s\n"
              "route add 2001:db8:70::/48 via 2001:db8:1::b\n");
    T_EQ(reload(NULL), -1);
    T_CHECK(strstr(err, "ingress-check") && strstr(err, "restart sixd"));
    if (t_case_failed)
        fprintf(stderr, "  err: %s\n", err);
    T_CHECK(!route6("2001:db8:70::", 48));
    /* replaced by another value: fine */
    write_cfg("link add gif0 type gif local 192.0.2.1 remote 192.0.2.2\n"
              "link set gif0 down\n"
              "addr add 2001:db8:99::a/64 dev gif0\n"
              "route add 2001:db8:50::/48 via 2001:db8:1::b\n"
              "route add 2001:db8:60::/48 via 2001:db8:1::b\n"
              "ipsec load %s\n"
              "link set gif0 ingress-check on\n");
    T_EQ(reload(NULL), 0);
    T_CHECK(!(if_find(A, "gif0")->flags & IFF6_UP));
    teardown();
}

static int handler(void *arg, struct cmd_ctx *c)
{
    struct cfg_env e = env();
    char m[1024];
    if (cfg_reload(arg, &e, c->out, m, sizeof m, NULL) < 0)
        return cmd_fail(c, "%s", m);
    return 0;
}

TEST(reload_verb)
{
    setup(false);
    struct cmd_out out;
    cmd_out_init(&out);
    T_EQ(scene_cmd(A, &out, "reload"), 1);   /* no handler registered: says so */
    T_EQ(cmd_reload_register(A, handler, S), 0);
    write_cfg("link add gif0 type gif local 192.0.2.1 remote 192.0.2.2\n"
              "link set gif0 up\n"
              "addr add 2001:db8:99::a/64 dev gif0\n"
              "route add 2001:db8:50::/48 via 2001:db8:1::b\n"
              "route add 2001:db8:60::/48 via 2001:db8:1::b\n"
              "ipsec load %s\n"
              "set forwarding on -6\n"
              "route add 2001:db8:70::/48 via 2001:db8:1::b\n");
    cmd_out_reset(&out);
    T_EQ(scene_cmd(A, &out, "reload"), 0);
    T_CHECK(out.buf && strstr(out.buf, "reload: + ") && strstr(out.buf, "2001:db8:70::/48") &&
            strstr(out.buf, "reload: +1 -1 lines"));
    if (t_case_failed && out.buf)
        fprintf(stderr, "%s", out.buf);
    T_CHECK(route6("2001:db8:70::", 48));
    write_cfg("link set gif0 \"up\n");
    cmd_out_reset(&out);
    T_EQ(scene_cmd(A, &out, "reload"), 1);
    T_CHECK(route6("2001:db8:70::", 48));
    cmd_reload_register(A, NULL, NULL);
    cmd_out_free(&out);
    teardown();
}

/* `neigh add` has an inverse: a reload that drops the line deletes the
 * static entry, one that adds it creates it, and the rest stays. */
static bool has_neigh(const char *addr)
{
    struct cmd_out out;
    cmd_out_init(&out);
    T_EQ(scene_cmd(A, &out, "neigh show"), 0);
    bool found = out.buf && strstr(out.buf, addr);
    cmd_out_free(&out);
    return found;
}

TEST(static_neighbor_added_and_removed)
{
    setup(false);
    char with[2048];
    snprintf(with, sizeof with, "%sneigh add 2001:db8:1::99 lladdr 02:00:00:00:00:99 dev eth0 nud permanent\n",
             base_cfg);
    write_cfg(with);
    T_EQ(reload(NULL), 0);
    T_CHECK(has_neigh("2001:db8:1::99"));
    write_cfg(base_cfg);
    T_EQ(reload(NULL), 0);
    if (t_case_failed)
        fprintf(stderr, "  err: %s\n", err);
    T_CHECK(!has_neigh("2001:db8:1::99"));
    T_CHECK(route6("2001:db8:50::", 48));
    teardown();
}

/* A removed file entry whose SA went (deleted by hand) must not take
 * another SA that shares its SPI and our own end: a peer's SA added by
 * hand with other keys stays. */
TEST(removed_entry_never_takes_another_peers_sa)
{
    setup(true);
    T_EQ(scene_cmd(A, NULL, "ipsec exec add 192.0.2.1 192.0.2.3 esp 0x2001 -m transport -E aes-gcm-16 %s;", KEY1),
         0);
    T_EQ(scene_cmd(A, NULL, "ipsec exec delete 192.0.2.1 192.0.2.2 esp 0x2001;"), 0);
    T_CHECK(sa("192.0.2.3", 0x2001) && !sa("192.0.2.2", 0x2001));
    write_setkey(KEY1, KEY2, false);    /* the 0x2001/0x2002 pair goes */
    T_EQ(reload(NULL), 0);
    if (t_case_failed)
        fprintf(stderr, "  err: %s\n", err);
    T_CHECK(sa("192.0.2.3", 0x2001) != NULL);
    T_CHECK(!sa("192.0.2.1", 0x2002));
    teardown();
}

/* dhcp6 relay: a line added starts the relay, a changed one replaces its
 * servers, a removed one stops it (its inverse is dhcp6 relay dev IF off). */
static bool relay_server_is(const char *server)
{
    struct d6r_if_info in;
    struct in6_addr a;
    inet_pton(AF_INET6, server, &a);
    return d6_relay_info(A, 0, &in) && in.cfg.n_server == 1 && in6_eq(&in.cfg.server[0], &a);
}

TEST(dhcp6_relay_added_changed_removed)
{
    setup(false);
    char with[2048];
    for (int i = 0; i < 2; i++) {
        snprintf(with, sizeof with, "%sdhcp6 relay dev eth0 server %s\n", base_cfg,
                 i ? "2001:db8:1::c" : "2001:db8:1::b");
        write_cfg(with);
        T_EQ(reload(NULL), 0);
        if (t_case_failed)
            fprintf(stderr, "  err: %s\n", err);
        T_CHECK(relay_server_is(i ? "2001:db8:1::c" : "2001:db8:1::b"));
    }
    write_cfg(base_cfg);
    T_EQ(reload(NULL), 0);
    struct d6r_if_info in;
    T_CHECK(!d6_relay_info(A, 0, &in));
    T_CHECK(route6("2001:db8:50::", 48));
    teardown();
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/six-test-reload.%d", (int)getpid());
    if (mkdir(dir, 0700) < 0) {
        perror(dir);
        return 1;
    }
    snprintf(cfg_path, sizeof cfg_path, "%s/sixd.conf", dir);
    snprintf(sk_path, sizeof sk_path, "%s/sa.setkey", dir);
    RUN(unchanged_file_disturbs_nothing);
    RUN(tcp_transfer_across_a_reload);
    RUN(changed_route_changes_only_that_route);
    RUN(syntax_error_changes_nothing);
    RUN(quoted_ipsec_exec_line);
    RUN(bad_setkey_file_changes_nothing);
    RUN(failing_line_rolls_everything_back);
    RUN(changed_setkey_file_replaces_only_changed_sas);
    RUN(removed_link_takes_what_names_it);
    RUN(setters_put_back_and_refusals);
    RUN(reload_verb);
    RUN(static_neighbor_added_and_removed);
    RUN(dhcp6_relay_added_changed_removed);
    RUN(removed_entry_never_takes_another_peers_sa);
    unlink(cfg_path);
    unlink(sk_path);
    rmdir(dir);
    return t_done();
}
