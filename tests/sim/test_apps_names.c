/* Host names in the clients (`http get`, `nc`), through the stack's own
 * resolver, on the simulator: A (the client), B (HTTP and echo services),
 * C (refuses every TCP connection and answers DNS for example.test with a
 * tiny UDP responder written here). Names whose first address (RFC 6724
 * order: AAAA before A) refuses or does not exist at all, and whose second
 * works: the GET and the nc succeed via the second, byte-exact, with the
 * name in the Host header; every address refusing: the list of what was
 * tried; NXDOMAIN, no DNS server, a lookup slower than the wait: the
 * resolver's reason; cancelling during the lookup (the command cancelled,
 * the handles cancelled, the stack destroyed) leaves nothing behind (run it
 * under make SAN=1 for the leak check). */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <sys/stat.h>
#include <arpa/inet.h>
#include <openssl/evp.h>
#include "../lib/t.h"
#include "ctl/scene.h"
#include "ctl/cmd.h"
#include "link/sim.h"
#include "net/stack.h"
#include "wire/dns.h"
#include "six/socket.h"
#include "transport/resolver.h"
#include "apps/apps.h"

#define MS (1000000ull)
#define SEC (1000000000ull)

static struct sim_world *W;
static struct six_stack *A, *B, *C;
static char dir[64], root[96];

/* ------------------------------------------------------------ DNS on C */

struct zrec { const char *name; const char *addr; };
static const struct zrec ZONE[] = {
    { "web.example.test", "2001:db8:1::c" },     /* refuses */
    { "web.example.test", "192.0.2.2" },         /* B */
    { "dead.example.test", "2001:db8:1::dead" }, /* nobody */
    { "dead.example.test", "192.0.2.2" },
    { "good.example.test", "2001:db8:1::b" },    /* the first works */
    { "good.example.test", "192.0.2.3" },
    { "none.example.test", "2001:db8:1::c" },    /* both refuse */
    { "none.example.test", "192.0.2.3" },
};
static const char SLOW[] = "slow.example.test";  /* queries for it are never answered */

static int DNS_SD = -1;
static struct timer DNS_T;
static unsigned DNS_QUERIES;

struct msg { uint8_t b[1500]; size_t n; };
static void put16(struct msg *m, unsigned v) { m->b[m->n++] = (uint8_t)(v >> 8); m->b[m->n++] = (uint8_t)v; }
static void putb(struct msg *m, const void *d, size_t n) { memcpy(m->b + m->n, d, n); m->n += n; }

/* The records of name and type after the question (owner: a pointer to it). */
static unsigned put_answers(struct msg *m, const char *name, uint16_t qtype)
{
    unsigned an = 0;
    for (size_t i = 0; i < sizeof ZONE / sizeof ZONE[0]; i++) {
        uint8_t a[16];
        bool v6 = strchr(ZONE[i].addr, ':') != NULL;
        if (strcasecmp(ZONE[i].name, name) || qtype != (v6 ? DNS_TYPE_AAAA : DNS_TYPE_A))
            continue;
        inet_pton(v6 ? AF_INET6 : AF_INET, ZONE[i].addr, a);
        put16(m, 0xc00c); put16(m, qtype); put16(m, DNS_CLASS_IN);
        put16(m, 0); put16(m, 300); put16(m, v6 ? 16 : 4);
        putb(m, a, v6 ? 16 : 4);
        an++;
    }
    return an;
}

static bool name_exists(const char *name)
{
    for (size_t i = 0; i < sizeof ZONE / sizeof ZONE[0]; i++)
        if (!strcasecmp(ZONE[i].name, name))
            return true;
    return false;
}

static void dns_answer(const uint8_t *q, size_t qn, const struct sockaddr *from, socklen_t fl)
{
    struct dns_iter it;
    struct dns_question qu;
    bool done;
    char name[DNS_TEXT_MAX];
    if (dns_iter_init(&it, q, qn, 0) != DNS_OK || dns_qr(&it.h) ||
        dns_iter_question(&it, &qu, &done) != DNS_OK || done)
        return;
    DNS_QUERIES++;
    dns_name_to_text(qu.name, qu.name_len, name, sizeof name);
    if (!strcasecmp(name, SLOW))
        return;
    struct msg m = { .n = 0 };
    put16(&m, it.h.id); put16(&m, 0); put16(&m, 1); put16(&m, 0); put16(&m, 0); put16(&m, 0);
    putb(&m, qu.name, qu.name_len); put16(&m, qu.qtype); put16(&m, DNS_CLASS_IN);
    unsigned an = put_answers(&m, name, qu.qtype);
    unsigned rcode = !an && !name_exists(name) ? DNS_RCODE_NXDOMAIN : DNS_RCODE_NOERROR;
    m.b[2] = (DNS_FLAG_QR | DNS_FLAG_AA | DNS_FLAG_RD) >> 8;
    m.b[3] = (uint8_t)rcode;
    m.b[7] = (uint8_t)an;
    six_sendto(C, DNS_SD, m.b, m.n, 0, from, fl);
}

static void dns_run(struct timer *t, void *arg)
{
    uint8_t b[1500];
    struct sockaddr_storage from;
    socklen_t fl = sizeof from;
    ssize_t n;
    while ((n = six_recvfrom(C, DNS_SD, b, sizeof b, 0, (struct sockaddr *)&from, &fl)) > 0) {
        dns_answer(b, (size_t)n, (struct sockaddr *)&from, fl);
        fl = sizeof from;
    }
}

/* Readiness comes from C's input path: answer from a timer, outside it. */
static void dns_wake(void *arg, int sd, short ev)
{
    if (!timer_pending(&DNS_T))
        timer_arm(C->tw, &DNS_T, 0);
}

static void dns_start(void)
{
    struct sockaddr_in6 any = { .sin6_family = AF_INET6, .sin6_port = htons(53) };
    DNS_QUERIES = 0;
    timer_init(&DNS_T, dns_run, NULL);
    DNS_SD = six_socket(C, AF_INET6, SOCK_DGRAM, 0);
    T_EQ(six_bind(C, DNS_SD, (struct sockaddr *)&any, sizeof any), 0);
    six_sock_set_callback(C, DNS_SD, dns_wake, NULL);
}

/* ------------------------------------------------------------ world */

static struct six_stack *mk(const char *name, uint64_t seed)
{
    struct six_stack_opts o = { .name = name, .clock = sim_clock(W), .tw = sim_wheel(W), .seed = seed,
                                .n_small = 8192, .n_big = 8 };
    struct six_stack *st = six_stack_create(&o);
    sim_register_stack(W, st);
    return st;
}

static void setup(uint64_t seed)
{
    W = sim_world_create(seed);
    A = mk("a", seed + 1);
    B = mk("b", seed + 2);
    C = mk("c", seed + 3);
    struct sim_link_params p = { .delay_ns = 1 * MS };
    struct sim_link *L = sim_link_create(W, "l", &p);
    struct six_stack *all[] = { A, B, C };
    const char *six[] = { "2001:db8:1::a", "2001:db8:1::b", "2001:db8:1::c" };
    const char *four[] = { "192.0.2.1", "192.0.2.2", "192.0.2.3" };
    for (int i = 0; i < 3; i++) {
        sim_attach(L, all[i], "eth0", NULL);
        T_EQ(scene_cmd(all[i], NULL, "link set eth0 up"), 0);
        T_EQ(scene_cmd(all[i], NULL, "addr add %s/64 dev eth0", six[i]), 0);
        T_EQ(scene_cmd(all[i], NULL, "addr add %s/24 dev eth0", four[i]), 0);
    }
    T_EQ(scene_cmd(A, NULL, "dns server add 2001:db8:1::c"), 0);
    dns_start();
    sim_run_for(W, 3 * SEC);
}

static void teardown(void)
{
    timer_cancel(&DNS_T);
    six_stack_destroy(A);
    six_stack_destroy(B);
    six_stack_destroy(C);
    sim_world_destroy(W);
}

/* ------------------------------------------------------------ commands */

struct waiter { bool done; int status; };
static void w_done(void *arg, int status) { struct waiter *w = arg; w->done = true; w->status = status; }
static bool w_fin(void *arg) { return ((struct waiter *)arg)->done; }

static struct cmd_out OUT, ERR;

/* Run a command, waiting (simulated time) if it is pending; a command still
 * pending after max_ns is cancelled and -1 returned. */
static int run(struct six_stack *st, uint64_t max_ns, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int run(struct six_stack *st, uint64_t max_ns, const char *fmt, ...)
{
    static char line[4096];
    char *argv[CMD_MAX_ARGS];
    const char *why = NULL;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    int argc = cmd_split(line, argv, CMD_MAX_ARGS, &why);
    if (argc <= 0)
        return 2;
    cmd_out_reset(&OUT);
    cmd_out_reset(&ERR);
    struct waiter w = { 0 };
    struct cmd_ctx c = { .st = st, .out = &OUT, .err = &ERR, .done = w_done, .done_arg = &w };
    int rc = six_cmd_exec(&c, argc, argv);
    if (rc == CMD_PENDING) {
        if (!sim_run_while_not(W, w_fin, &w, max_ns)) {
            six_cmd_cancel(&c);
            rc = -1;
        } else {
            rc = w.status;
        }
    }
    if (!OUT.buf)
        cmd_printf(&OUT, "%s", "");
    if (!ERR.buf)
        cmd_printf(&ERR, "%s", "");
    return rc;
}

static unsigned in_flight(struct six_stack *st)
{
    struct resolver_stats s;
    resolver_stats(st, &s);
    return s.in_flight;
}

static void write_file(const char *path, const void *d, size_t n)
{
    FILE *f = fopen(path, "wb");
    T_CHECK(f != NULL);
    if (f) {
        T_EQ(fwrite(d, 1, n, f), n);
        fclose(f);
    }
}

/* B serves dir/www: small.txt and a 256 KiB blob whose SHA-256 goes to sha. */
static void http_files(char sha[65])
{
    snprintf(dir, sizeof dir, "/tmp/six-test-names.XXXXXX");
    T_CHECK(mkdtemp(dir) != NULL);
    snprintf(root, sizeof root, "%s/www", dir);
    mkdir(root, 0755);
    char p[160];
    size_t n = 256u << 10;
    uint8_t *blob = malloc(n);
    uint64_t x = 88172645463325252ull;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13; x ^= x >> 7; x ^= x << 17;
        blob[i] = (uint8_t)x;
    }
    unsigned char md[32];
    unsigned int l = 0;
    EVP_Digest(blob, n, md, &l, EVP_sha256(), NULL);
    for (int i = 0; i < 32; i++)
        snprintf(sha + 2 * i, 3, "%02x", md[i]);
    snprintf(p, sizeof p, "%s/blob", root);
    write_file(p, blob, n);
    free(blob);
    snprintf(p, sizeof p, "%s/small.txt", root);
    write_file(p, "small file\n", 11);
}

static void http_cleanup(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    T_EQ(system(cmd), 0);
}

/* ------------------------------------------------------------ cases */

TEST(http_get_falls_back_to_the_next_address)
{
    char sha[65], want[320], out[160];
    setup(1);
    http_files(sha);
    T_EQ(run(B, 0, "serve http port 8080 root %s", root), 0);
    /* the order the clients follow: AAAA (the refusing C) first */
    T_EQ(run(A, 5 * SEC, "resolve web.example.test"), 0);
    T_STREQ(OUT.buf, "2001:db8:1::c\n192.0.2.2\n");
    /* refused at C, then B over IPv4: byte-exact */
    snprintf(out, sizeof out, "%s/got", dir);
    T_EQ(run(A, 20 * SEC, "http get http://web.example.test:8080/blob -o %s", out), 0);
    snprintf(want, sizeof want, "%u bytes sha256 %s -> %s\n", 256u << 10, sha, out);
    T_STREQ(OUT.buf, want);
    /* again from the resolver's cache (answered inside six_getaddrinfo) */
    T_EQ(run(A, 10 * SEC, "http get http://web.example.test:8080/small.txt"), 0);
    T_STREQ(OUT.buf, "small file\n");
    /* nobody at the AAAA: its share of the wait (10 s / 2) runs out, then the A */
    uint64_t t0 = sim_now(W);
    T_EQ(run(A, 20 * SEC, "http get -w 10 http://dead.example.test:8080/small.txt"), 0);
    T_STREQ(OUT.buf, "small file\n");
    uint64_t took = sim_now(W) - t0;
    T_CHECK(took >= 5 * SEC && took < 6 * SEC);
    /* the first address works: no fallback */
    T_EQ(run(A, 10 * SEC, "http get http://good.example.test:8080/small.txt"), 0);
    T_STREQ(OUT.buf, "small file\n");
    /* every address refuses: what was tried, in order */
    T_EQ(run(A, 10 * SEC, "http get http://none.example.test:8080/small.txt"), 1);
    T_STREQ(ERR.buf, "http get: no address of none.example.test answered (2 tried: [2001:db8:1::c]:8080 "
                     "Connection refused, 192.0.2.3:8080 Connection refused)");
    /* NXDOMAIN */
    T_EQ(run(A, 10 * SEC, "http get http://nope.example.test/"), 1);
    T_STREQ(ERR.buf, "http get: cannot resolve 'nope.example.test': Name or service not known");
    /* not a host name at all: a usage error before anything is asked */
    T_EQ(run(A, 0, "http get http://bad!name/"), 2);
    T_CHECK(strstr(ERR.buf, "bad host 'bad!name'") != NULL);
    sim_run_for(W, 5 * SEC);
    T_EQ(in_flight(A), 0);
    http_cleanup();
    teardown();
}

/* The request a name sends: Host is the name (with the port when not 80). */
TEST(http_host_header_is_the_name)
{
    setup(2);
    struct waiter w = { 0 };
    struct cmd_out o, e;
    cmd_out_init(&o);
    cmd_out_init(&e);
    char a0[] = "nc", a1[] = "-l", a2[] = "-w", a3[] = "10", a4[] = "8081";
    char *argv[] = { a0, a1, a2, a3, a4 };
    struct cmd_ctx c = { .st = B, .out = &o, .err = &e, .done = w_done, .done_arg = &w };
    T_EQ(six_cmd_exec(&c, 5, argv), CMD_PENDING);
    /* B's nc never answers: the GET times out, then B's nc sees the close */
    T_EQ(run(A, 10 * SEC, "http get -w 2 http://good.example.test:8081/x?y"), 1);
    T_STREQ(ERR.buf, "http get: timed out after 0 body bytes");
    sim_run_while_not(W, w_fin, &w, 5 * SEC);
    T_CHECK(w.done && w.status == 0);
    T_CHECK(o.buf && !strncmp(o.buf, "GET /x?y HTTP/1.1\r\nHost: good.example.test:8081\r\n", 49));
    cmd_out_free(&o);
    cmd_out_free(&e);
    teardown();
}

TEST(nc_tcp_and_udp_by_name)
{
    setup(3);
    T_EQ(run(B, 0, "serve echo"), 0);
    /* TCP: refused at C, echoed by B */
    T_EQ(run(A, 10 * SEC, "nc -N web.example.test 7 \"hello\\n\""), 0);
    T_STREQ(OUT.buf, "hello\n");
    T_EQ(run(A, 15 * SEC, "nc -N -w 10 dead.example.test 7 \"again\\n\""), 0);
    T_STREQ(OUT.buf, "again\n");
    T_EQ(run(A, 10 * SEC, "nc none.example.test 7 x"), 1);
    T_STREQ(ERR.buf, "nc: no address of none.example.test answered (2 tried: [2001:db8:1::c]:7 Connection refused, "
                     "192.0.2.3:7 Connection refused)");
    /* UDP: to the first address (B's IPv6 one) */
    T_EQ(run(A, 5 * SEC, "nc -u good.example.test 7 dgram"), 0);
    T_STREQ(OUT.buf, "dgram");
    T_EQ(run(A, 5 * SEC, "nc -u nope.example.test 7 x"), 1);
    T_STREQ(ERR.buf, "nc: cannot resolve 'nope.example.test': Name or service not known");
    T_EQ(run(A, 5 * SEC, "nc bad/name 7 x"), 2);
    /* no DNS server at all: the resolver's reason, and what to do */
    T_EQ(scene_cmd(A, NULL, "dns server del 2001:db8:1::c"), 0);
    T_EQ(run(A, 5 * SEC, "nc other.example.test 7 x"), 1);
    T_CHECK(strstr(ERR.buf, "nc: cannot resolve 'other.example.test': ") == ERR.buf);
    T_CHECK(strstr(ERR.buf, "no DNS server known") != NULL);
    teardown();
}

struct done_count { int n; };
static void get_done(void *arg, const struct http_result *r) { ((struct done_count *)arg)->n++; }
static void nc_dat(void *arg, const void *d, size_t n) { }
static void nc_fin(void *arg, const struct nc_result *r) { ((struct done_count *)arg)->n++; }

TEST(cancel_during_the_lookup)
{
    setup(4);
    /* a lookup slower than the wait: the wait wins, with a clear reason */
    T_EQ(run(A, 10 * SEC, "http get -w 1 http://slow.example.test/"), 1);
    T_STREQ(ERR.buf, "http get: cannot resolve 'slow.example.test': no answer within 1000 ms");
    T_EQ(in_flight(A), 0);
    /* the command cancelled while the resolver waits (its client went away) */
    T_EQ(run(A, 300 * MS, "http get http://slow.example.test/"), -1);
    T_EQ(in_flight(A), 0);
    T_EQ(run(A, 300 * MS, "nc slow.example.test 7 x"), -1);
    T_EQ(run(A, 300 * MS, "nc -u slow.example.test 7 x"), -1);
    T_EQ(in_flight(A), 0);
    /* the handles cancelled directly: done() never comes */
    struct done_count dc = { 0 };
    struct http_result hr;
    struct http_get_params gp = { .url = "http://slow.example.test:8080/", .out_fd = -1 };
    struct http_get *g = http_get_start(A, &gp, get_done, &dc, &hr);
    T_CHECK(g != NULL);
    struct nc_result nr;
    struct nc_params np = { .name = "slow.example.test", .port = 7, .text = "x", .text_len = 1, .wait_ms = 5000 };
    struct nc_op *op = nc_start(A, &np, nc_dat, nc_fin, &dc, &nr);
    T_CHECK(op != NULL);
    sim_run_for(W, 200 * MS);
    T_EQ(in_flight(A), 2);
    http_get_cancel(g);
    nc_cancel(op);
    T_EQ(in_flight(A), 0);
    sim_run_for(W, 5 * SEC);
    T_EQ(dc.n, 0);
    /* still looking up when the stack goes: freed, done() not called */
    g = http_get_start(A, &gp, get_done, &dc, &hr);
    op = nc_start(A, &np, nc_dat, nc_fin, &dc, &nr);
    T_CHECK(g && op);
    sim_run_for(W, 100 * MS);
    teardown();
    T_EQ(dc.n, 0);
}

int main(void)
{
    cmd_out_init(&OUT);
    cmd_out_init(&ERR);
    RUN(http_get_falls_back_to_the_next_address);
    RUN(http_host_header_is_the_name);
    RUN(nc_tcp_and_udp_by_name);
    RUN(cancel_during_the_lookup);
    cmd_out_free(&OUT);
    cmd_out_free(&ERR);
    return t_done();
}
