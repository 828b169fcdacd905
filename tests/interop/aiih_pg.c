/* Two AIIH servers on one PostgreSQL lease store: neither gives an IPv4
 * address the other gave (the store's compare-and-swap refuses it, the
 * server's conflict path marks it foreign and tries another one).  Needs a
 * database: tests/interop/test_dhcp6_pg.sh makes a throw-away cluster and
 * runs `aiih_pg CONNINFO` (a helper program of that interop test, not a
 * test of its own).
 *
 * Each server (S1, S2) is on its own simulated link with its own client
 * stack; the virtual clock is advanced in small steps while real time
 * passes, so the database's answers arrive. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include "../lib/t.h"
#include "../lib/simstack.h"
#include "ctl/cmd.h"
#include "ctl/scene.h"
#include "dstm/aiih.h"
#include "link/ifnet.h"
#include "link/sim.h"
#include "net/stack.h"
#include "six/socket.h"
#include "wire/dhcp6.h"

#define MS (1000000ull)
#define SEC (1000000000ull)

static struct sim_world *W;
static const char *CONN;

static int cmd(struct six_stack *st, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int cmd(struct six_stack *st, const char *fmt, ...)
{
    static char line[8192];
    char *argv[CMD_MAX_ARGS];
    const char *why = NULL;
    static struct cmd_out out, err;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    int argc = cmd_split(line, argv, CMD_MAX_ARGS, &why);
    cmd_out_reset(&out);
    cmd_out_reset(&err);
    struct cmd_ctx c = { .st = st, .out = &out, .err = &err };
    int rc = six_cmd_exec(&c, argc, argv);
    if (rc)
        fprintf(stderr, "  %s: %s\n", line, err.buf ? err.buf : "");
    return rc;
}

struct site { struct six_stack *srv, *cli; int sd; uint8_t sid[DHCP6_DUID_MAX]; int sid_len; };

static void site_make(struct site *x, const char *n, uint64_t seed)
{
    struct sim_link_params p = { .delay_ns = 1 * MS };
    char name[16];
    snprintf(name, sizeof name, "s%s", n);
    x->srv = sim_stack(W, name, seed, 4096);
    snprintf(name, sizeof name, "c%s", n);
    x->cli = sim_stack(W, name, seed + 1, 4096);
    snprintf(name, sizeof name, "l%s", n);
    struct sim_link *l = sim_link_create(W, name, &p);
    sim_attach(l, x->srv, "eth0", NULL);
    sim_attach(l, x->cli, "eth0", NULL);
    T_EQ(scene_cmd(x->srv, NULL, "link set eth0 up"), 0);
    T_EQ(scene_cmd(x->cli, NULL, "link set eth0 up"), 0);
    T_EQ(scene_cmd(x->srv, NULL, "addr add 2001:db8:1::a/64 dev eth0"), 0);
    T_EQ(scene_cmd(x->cli, NULL, "addr add 2001:db8:1::b/64 dev eth0"), 0);
    x->sd = six_socket(x->cli, AF_INET6, SOCK_DGRAM, 0);
    struct sockaddr_in6 any = { .sin6_family = AF_INET6, .sin6_port = htons(DHCP6_CLIENT_PORT) };
    T_EQ(six_bind(x->cli, x->sd, (struct sockaddr *)&any, sizeof any), 0);
    int v = (int)if_find(x->cli, "eth0")->index;
    T_EQ(six_setsockopt(x->cli, x->sd, IPPROTO_IPV6, IPV6_MULTICAST_IF, &v, sizeof v), 0);
}

static void site_serve(struct site *x)
{
    /* The database judges expiry by its own clock (real time); the stacks'
     * wall clock is the simulator's (from 1970 on): lifetimes of 95 years
     * keep every lease live to the database as well. */
    T_EQ(cmd(x->srv, "dhcp6 server dev eth0 pool 2001:db8:1::1000-2001:db8:1::1fff valid 3000000000 "
                     "preferred 2000000000 store %s", CONN), 0);
    T_EQ(cmd(x->srv, "dstm aiih dev eth0 pool4 192.0.2.10-192.0.2.13"), 0);
}

/* Virtual time in small steps, real time along: the database answers. */
static ssize_t wait_answer(struct site *x, uint8_t *rx, size_t cap)
{
    for (int i = 0; i < 1500; i++) {
        sim_run_for(W, 2 * MS);
        ssize_t n = six_recvfrom(x->cli, x->sd, rx, cap, 0, NULL, NULL);
        if (n > 0)
            return n;
        usleep(2000);
    }
    return -1;
}

/* Solicit then Request with the DSTM extension; the IPv4 address given
 * (0 when none). */
static uint32_t dstm_client(struct site *x, uint32_t n)
{
    uint8_t duid[10] = { 0, 3, 0, 1, 0x02, 0x77, 0, 0, (uint8_t)(n >> 8), (uint8_t)n };
    uint8_t buf[512], rx[2048];
    struct dhcp6_msg m;
    for (int step = 0; step < 2; step++) {
        struct dhcp6_builder b;
        dhcp6_build_init(&b, buf, sizeof buf);
        dhcp6_build_hdr(&b, step ? DHCP6_REQUEST : DHCP6_SOLICIT, 0x500 + n);
        dhcp6_put_opt(&b, D6O_CLIENTID, duid, sizeof duid);
        if (step)
            dhcp6_put_opt(&b, D6O_SERVERID, x->sid, (size_t)x->sid_len);
        dhcp6_begin_ia(&b, D6O_IA_NA, 1, 0, 0);
        dhcp6_end(&b);
        dhcp6_put_dstm(&b, DSTM_OPT_CODE_DEFAULT, NULL);
        dhcp6_begin_ia(&b, D6O_IA_NA, 0x44, 0, 0);
        static const struct in6_addr any4 = { .s6_addr = { [10] = 0xff, [11] = 0xff } };
        dhcp6_begin_iaaddr(&b, &any4, 0, 0);   /* ::ffff:0.0.0.0: "give me one" (dti.h); empty asks nothing */
        dhcp6_end(&b);
        dhcp6_end(&b);
        size_t len = dhcp6_build_done(&b);
        struct sockaddr_in6 to = { .sin6_family = AF_INET6, .sin6_port = htons(DHCP6_SERVER_PORT),
                                   .sin6_scope_id = if_find(x->cli, "eth0")->index };
        inet_pton(AF_INET6, "ff02::1:2", &to.sin6_addr);
        T_EQ(six_sendto(x->cli, x->sd, buf, len, 0, (struct sockaddr *)&to, sizeof to), (long long)len);
        ssize_t r = wait_answer(x, rx, sizeof rx);
        T_CHECK(r > 0);
        if (r <= 0 || dhcp6_parse(rx, (size_t)r, &m) != WR_OK)
            return 0;
        memcpy(x->sid, m.serverid.p, m.serverid.len);
        x->sid_len = m.serverid.len;
    }
    for (int i = 0; i < m.n_ia; i++)
        if (m.ia[i].iaid == 0x44 && m.ia[i].n_item && m.ia[i].item[0].valid)
            return m.ia[i].item[0].addr.s6_addr32[3];
    return 0;
}

static uint64_t ctr(struct six_stack *st, const char *name)
{
    uint64_t v = 0;
    six_counter_by_name(&st->ctr, name, &v);
    return v;
}

TEST(two_servers_one_pool)
{
    W = sim_world_create(501);
    struct site s1 = { 0 }, s2 = { 0 };
    site_make(&s1, "1", 10);
    site_make(&s2, "2", 20);
    sim_run_for(W, 3 * SEC);
    site_serve(&s1);
    site_serve(&s2);   /* loads an empty table: it knows nothing of S1's leases to come */
    uint32_t got[8] = { 0 };
    int n = 0;
    for (uint32_t c = 1; c <= 2; c++)
        got[n++] = dstm_client(&s1, c);
    for (uint32_t c = 3; c <= 6; c++)
        got[n++] = dstm_client(&s2, c);
    int bound = 0;
    for (int i = 0; i < n; i++) {
        char a[INET_ADDRSTRLEN];
        fprintf(stderr, "  client %d: %s\n", i + 1, inet_ntop(AF_INET, &got[i], a, sizeof a));
        bound += got[i] != 0;
        for (int k = 0; k < i; k++)
            if (got[i] && got[i] == got[k]) {
                fprintf(stderr, "  %s given twice (clients %d and %d)\n", inet_ntop(AF_INET, &got[i], a, sizeof a),
                        k + 1, i + 1);
                T_CHECK(0);
            }
    }
    fprintf(stderr, "  bound %d, S2 conflicts %llu\n", bound, (unsigned long long)ctr(s2.srv, "dhcp6s.commit_conflict"));
    T_EQ(bound, 4);                                          /* the pool, no more */
    /* S2's first two clients met S1's addresses and were given others
     * (the conflict retry), the last two found the pool full */
    T_CHECK(got[2] && got[3] && !got[4] && !got[5]);
    T_CHECK(ctr(s2.srv, "dhcp6s.commit_conflict") >= 1);     /* S2 tried S1's and was refused */
    T_EQ(ctr(s2.srv, "aiih.bound"), 2);
    six_stack_destroy(s1.srv);
    six_stack_destroy(s1.cli);
    six_stack_destroy(s2.srv);
    six_stack_destroy(s2.cli);
    sim_world_destroy(W);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: aiih_pg CONNINFO (tests/interop/test_dhcp6_pg.sh runs it)\n");
        return 2;
    }
    CONN = argv[1];
    RUN(two_servers_one_pool);
    return t_done();
}
