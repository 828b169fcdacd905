/* The in-stack applications on the simulator, driven through the command
 * language as sixctl would: echo over TCP and UDP on IPv6, IPv4 and
 * IPv4-mapped; the HTTP server with the stack's own HTTP client (a 2 MiB
 * file byte-exact by SHA-256, both families), 404, traversal refused, HEAD,
 * keep-alive and pipelining on one connection, 405, 431, 400; nc listen;
 * URL errors (a name without a DNS server: tests/sim/test_apps_names.c has
 * one); serve stop; a pending command when the stack goes; the HTTP client
 * against a server whose framing fields lie (Content-Length -1 or +5, both
 * Content-Length and Transfer-Encoding, a chunk size of -1 or 0x5). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <openssl/evp.h>
#include "../lib/t.h"
#include "ctl/scene.h"
#include "ctl/cmd.h"
#include "link/sim.h"
#include "net/stack.h"
#include "apps/apps.h"
#include "six/socket.h"
#include "../lib/ipsec_sim.h"

#define MS (1000000ull)
#define SEC (1000000000ull)
#define BLOB_SIZE (2u << 20)

static struct sim_world *W;
static struct six_stack *A, *B;
static char dir[64], root[96];
static char blob_sha[65];

static struct six_stack *mk(const char *name, uint64_t seed)
{
    struct six_stack_opts o = { .name = name, .clock = sim_clock(W), .tw = sim_wheel(W), .seed = seed,
                                .n_small = 8192, .n_big = 8 };
    struct six_stack *st = six_stack_create(&o);
    sim_register_stack(W, st);
    return st;
}

static void sha_hex(const void *d, size_t n, char out[65])
{
    unsigned char md[32];
    unsigned int l = 0;
    EVP_Digest(d, n, md, &l, EVP_sha256(), NULL);
    for (int i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
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

static void setup(uint64_t seed)
{
    W = sim_world_create(seed);
    A = mk("a", seed + 1);
    B = mk("b", seed + 2);
    struct sim_link_params p = { .delay_ns = 1 * MS };
    struct sim_link *L = sim_link_create(W, "l", &p);
    sim_attach(L, A, "eth0", NULL);
    sim_attach(L, B, "eth0", NULL);
    T_EQ(scene_cmd(A, NULL, "link set eth0 up"), 0);
    T_EQ(scene_cmd(B, NULL, "link set eth0 up"), 0);
    T_EQ(scene_cmd(A, NULL, "addr add 2001:db8:1::a/64 dev eth0"), 0);
    T_EQ(scene_cmd(B, NULL, "addr add 2001:db8:1::b/64 dev eth0"), 0);
    T_EQ(scene_cmd(A, NULL, "addr add 192.0.2.1/24 dev eth0"), 0);
    T_EQ(scene_cmd(B, NULL, "addr add 192.0.2.2/24 dev eth0"), 0);
    sim_run_for(W, 3 * SEC);
}

static void teardown(void)
{
    six_stack_destroy(A);
    six_stack_destroy(B);
    sim_world_destroy(W);
}

/* Run a command, waiting (simulated time) if it is pending; out and err are
 * reset first. Returns the exit status, -1 on timeout. */
struct waiter { bool done; int status; };
static void w_done(void *arg, int status) { struct waiter *w = arg; w->done = true; w->status = status; }
static bool w_fin(void *arg) { return ((struct waiter *)arg)->done; }

static struct cmd_out OUT, ERR;

static int run(struct six_stack *st, uint64_t max_ns, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int run(struct six_stack *st, uint64_t max_ns, const char *fmt, ...)
{
    static char line[131072];
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
            return -1;
        }
        rc = w.status;
    }
    if (!OUT.buf)
        cmd_printf(&OUT, "%s", "");
    if (!ERR.buf)
        cmd_printf(&ERR, "%s", "");
    return rc;
}

static int count(const char *hay, size_t n, const char *needle)
{
    int k = 0;
    size_t nl = strlen(needle);
    for (size_t i = 0; i + nl <= n; i++)
        if (!memcmp(hay + i, needle, nl))
            k++;
    return k;
}

TEST(echo_tcp_udp_both_families_and_mapped)
{
    setup(1);
    T_EQ(run(B, 0, "serve echo"), 0);
    T_EQ(run(B, 0, "serve echo port 9"), 1);          /* one at a time */
    static const char *dst[] = { "2001:db8:1::b", "192.0.2.2", "::ffff:192.0.2.2" };
    for (int i = 0; i < 3; i++) {
        T_EQ(run(A, 15 * SEC, "nc -N %s 7 \"hello %d\\n\"", dst[i], i), 0);
        char want[32];
        snprintf(want, sizeof want, "hello %d\n", i);
        T_STREQ(OUT.buf, want);
        T_EQ(run(A, 5 * SEC, "nc -u %s 7 \"dgram %d\"", dst[i], i), 0);
        snprintf(want, sizeof want, "dgram %d", i);
        T_STREQ(OUT.buf, want);
    }
    /* a bigger TCP echo: 60 KB comes back whole (more than the 16 KiB buffer) */
    static char big[60001];
    for (size_t i = 0; i < sizeof big - 1; i++)
        big[i] = (char)('a' + i % 26);
    T_EQ(run(A, 30 * SEC, "nc -N 2001:db8:1::b 7 %s", big), 0);
    T_EQ(OUT.len, sizeof big - 1);
    T_CHECK(OUT.len == sizeof big - 1 && !memcmp(OUT.buf, big, OUT.len));
    struct svc_info si;
    echo_info(B, &si);
    T_EQ(si.total, 4);
    T_EQ(si.udp_datagrams, 3);
    sim_run_for(W, 2 * SEC);
    echo_info(B, &si);
    T_EQ(si.conns, 0);
    /* no echo on another port: refused (TCP), no reply (UDP) */
    T_EQ(run(A, 5 * SEC, "nc 2001:db8:1::b 8 x"), 1);
    T_CHECK(strstr(ERR.buf, "refused") != NULL);
    T_EQ(run(A, 5 * SEC, "nc -u -w 1 192.0.2.2 8 x"), 1);
    T_EQ(run(B, 0, "serve show"), 0);
    T_CHECK(strstr(OUT.buf, "echo: port 7") != NULL);
    T_EQ(run(B, 0, "serve stop echo"), 0);
    T_EQ(run(B, 0, "serve stop echo"), 1);
    T_EQ(run(A, 5 * SEC, "nc 192.0.2.2 7 x"), 1);
    teardown();
}

static void http_files(void)
{
    snprintf(dir, sizeof dir, "/tmp/six-test-apps.XXXXXX");
    T_CHECK(mkdtemp(dir) != NULL);
    snprintf(root, sizeof root, "%s/www", dir);
    mkdir(root, 0755);
    char p[160];
    uint8_t *blob = malloc(BLOB_SIZE);
    uint64_t x = 88172645463325252ull;
    for (size_t i = 0; i < BLOB_SIZE; i++) {
        x ^= x << 13; x ^= x >> 7; x ^= x << 17;
        blob[i] = (uint8_t)x;
    }
    sha_hex(blob, BLOB_SIZE, blob_sha);
    snprintf(p, sizeof p, "%s/blob", root);
    write_file(p, blob, BLOB_SIZE);
    free(blob);
    snprintf(p, sizeof p, "%s/small.txt", root);
    write_file(p, "small file\n", 11);
    snprintf(p, sizeof p, "%s/secret", dir);
    write_file(p, "SECRET\n", 7);
    char lk[160];
    snprintf(lk, sizeof lk, "%s/link", root);
    T_EQ(symlink(p, lk), 0);
    snprintf(p, sizeof p, "%s/sub", root);
    mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/sub/index.html", root);
    write_file(p, "<p>index</p>\n", 13);
}

static void http_cleanup(void)
{
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    T_EQ(system(cmd), 0);
}

static void check_file_sha(const char *path, const char *want)
{
    FILE *f = fopen(path, "rb");
    T_CHECK(f != NULL);
    if (!f)
        return;
    uint8_t *d = malloc(BLOB_SIZE + 1);
    size_t n = fread(d, 1, BLOB_SIZE + 1, f);
    fclose(f);
    char got[65];
    sha_hex(d, n, got);
    free(d);
    T_EQ(n, BLOB_SIZE);
    T_STREQ(got, want);
}

TEST(http_server_and_client)
{
    setup(2);
    http_files();
    T_EQ(run(B, 0, "serve http port 8080 root %s", root), 0);
    char out[160], want[320];
    snprintf(out, sizeof out, "%s/got", dir);
    /* byte-exact over IPv6 and IPv4 (the same dual-stack listener) */
    static const char *urls[] = { "http://[2001:db8:1::b]:8080/blob", "http://192.0.2.2:8080/blob",
                                  "http://[::ffff:192.0.2.2]:8080/blob" };
    for (int i = 0; i < 3; i++) {
        unlink(out);
        T_EQ(run(A, 60 * SEC, "http get %s -o %s", urls[i], out), 0);
        snprintf(want, sizeof want, "%u bytes sha256 %s -> %s\n", BLOB_SIZE, blob_sha, out);
        T_STREQ(OUT.buf, want);
        check_file_sha(out, blob_sha);
    }
    /* small body to the command's output; a directory serves its index.html */
    T_EQ(run(A, 10 * SEC, "http get http://192.0.2.2:8080/small.txt"), 0);
    T_STREQ(OUT.buf, "small file\n");
    T_EQ(run(A, 10 * SEC, "http get http://[2001:db8:1::b]:8080/sub/"), 0);
    T_STREQ(OUT.buf, "<p>index</p>\n");
    T_EQ(run(A, 10 * SEC, "http get http://[2001:db8:1::b]:8080/sub%%2Findex.html"), 0);
    T_STREQ(OUT.buf, "<p>index</p>\n");
    /* 404 */
    T_EQ(run(A, 10 * SEC, "http get http://[2001:db8:1::b]:8080/missing"), 1);
    T_STREQ(ERR.buf, "http get: HTTP 404 Not Found");
    /* traversal: a .. segment (plain or percent-encoded) is 400, a symlink out of the root 403 */
    static const char *bad[] = { "/../secret", "/sub/../../secret", "/%2e%2e/secret", "/sub/%2E%2E%2f..%2fsecret" };
    for (int i = 0; i < 4; i++) {
        T_EQ(run(A, 10 * SEC, "nc -N 2001:db8:1::b 8080 \"GET %s HTTP/1.1\\r\\nHost: b\\r\\n\\r\\n\"", bad[i]), 0);
        T_CHECK(!strncmp(OUT.buf, "HTTP/1.1 400 ", 13));
        T_CHECK(!strstr(OUT.buf, "SECRET"));
    }
    T_EQ(run(A, 10 * SEC, "nc -N 192.0.2.2 8080 \"GET /link HTTP/1.1\\r\\nHost: b\\r\\n\\r\\n\""), 0);
    T_CHECK(!strncmp(OUT.buf, "HTTP/1.1 403 ", 13));
    T_CHECK(!strstr(OUT.buf, "SECRET"));
    /* HEAD: the length, no body */
    T_EQ(run(A, 10 * SEC, "nc -N 2001:db8:1::b 8080 \"HEAD /blob HTTP/1.1\\r\\nHost: b\\r\\n\\r\\n\""), 0);
    T_CHECK(!strncmp(OUT.buf, "HTTP/1.1 200 OK\r\n", 17));
    T_CHECK(strstr(OUT.buf, "\r\nContent-Length: 2097152\r\n") != NULL);
    T_CHECK(OUT.len >= 4 && !memcmp(OUT.buf + OUT.len - 4, "\r\n\r\n", 4));
    /* keep-alive: two requests in one segment on one connection, answered in order */
    struct svc_info s0, s1;
    httpd_info(B, &s0);
    T_EQ(run(A, 10 * SEC, "nc 192.0.2.2 8080 \"GET /small.txt HTTP/1.1\\r\\nHost: b\\r\\n\\r\\n"
                          "GET /sub/ HTTP/1.1\\r\\nHost: b\\r\\nConnection: close\\r\\n\\r\\n\""), 0);
    T_EQ(count(OUT.buf, OUT.len, "HTTP/1.1 200 OK\r\n"), 2);
    T_EQ(count(OUT.buf, OUT.len, "Connection: keep-alive\r\n"), 1);
    T_EQ(count(OUT.buf, OUT.len, "Connection: close\r\n"), 1);
    T_CHECK(strstr(OUT.buf, "\r\n\r\nsmall file\nHTTP/1.1 200 OK\r\n") != NULL);
    T_CHECK(OUT.len > 13 && !strcmp(OUT.buf + OUT.len - 13, "<p>index</p>\n"));
    httpd_info(B, &s1);
    T_EQ(s1.total - s0.total, 1);
    T_EQ(s1.requests - s0.requests, 2);
    /* HTTP/1.0 without keep-alive closes; the server closes first */
    T_EQ(run(A, 10 * SEC, "nc -w 5 192.0.2.2 8080 \"GET /small.txt HTTP/1.0\\r\\n\\r\\n\""), 0);
    T_CHECK(strstr(OUT.buf, "Connection: close\r\n") && strstr(OUT.buf, "\r\n\r\nsmall file\n"));
    /* 405, 400 (no Host in 1.1, bad version, request body), 431 */
    T_EQ(run(A, 10 * SEC, "nc -N 2001:db8:1::b 8080 \"POST /blob HTTP/1.1\\r\\nHost: b\\r\\n\\r\\n\""), 0);
    T_CHECK(!strncmp(OUT.buf, "HTTP/1.1 405 ", 13) && strstr(OUT.buf, "Allow: GET, HEAD\r\n"));
    T_EQ(run(A, 10 * SEC, "nc -N 2001:db8:1::b 8080 \"GET /blob HTTP/1.1\\r\\n\\r\\n\""), 0);
    T_CHECK(!strncmp(OUT.buf, "HTTP/1.1 400 ", 13));
    T_EQ(run(A, 10 * SEC, "nc -N 2001:db8:1::b 8080 \"GET /blob HTTP/2.0\\r\\nHost: b\\r\\n\\r\\n\""), 0);
    T_CHECK(!strncmp(OUT.buf, "HTTP/1.1 400 ", 13));
    T_EQ(run(A, 10 * SEC, "nc -N 2001:db8:1::b 8080 \"GET /blob HTTP/1.1\\r\\nHost: b\\r\\nContent-Length: 3\\r\\n\\r\\nabc\""), 0);
    T_CHECK(!strncmp(OUT.buf, "HTTP/1.1 400 ", 13));
    static char hdr[10000];
    int n = snprintf(hdr, sizeof hdr, "GET /blob HTTP/1.1\\r\\nHost: b\\r\\nX-Big: ");
    memset(hdr + n, 'x', 9000);
    hdr[n + 9000] = '\0';
    T_EQ(run(A, 10 * SEC, "nc 2001:db8:1::b 8080 \"%s\"", hdr), 0);
    T_CHECK(!strncmp(OUT.buf, "HTTP/1.1 431 ", 13));
    /* URLs: a name without a DNS server, not a name, bad ports; connection refused */
    T_EQ(run(A, 10 * SEC, "http get http://example.com/"), 1);
    T_CHECK(strstr(ERR.buf, "http get: cannot resolve 'example.com': ") == ERR.buf);
    T_EQ(run(A, 0, "http get http://exa%%mple.com/"), 2);
    T_CHECK(strstr(ERR.buf, "bad host") != NULL);
    T_EQ(run(A, 0, "http get http://[2001:db8:1::b]:99999/"), 2);
    T_EQ(run(A, 0, "http get ftp://192.0.2.2/"), 2);
    T_EQ(run(A, 10 * SEC, "http get http://192.0.2.2:8081/"), 1);
    T_CHECK(strstr(ERR.buf, "refused") != NULL);
    T_EQ(run(B, 0, "serve show"), 0);
    T_CHECK(strstr(OUT.buf, "http: port 8080") != NULL);
    /* every connection went away (idle/linger timers included) */
    sim_run_for(W, 10 * SEC);
    httpd_info(B, &s1);
    T_EQ(s1.conns, 0);
    T_EQ(run(B, 0, "serve stop http"), 0);
    T_EQ(run(A, 10 * SEC, "http get http://192.0.2.2:8080/small.txt"), 1);
    T_EQ(run(B, 0, "serve http root /nonexistent-dir"), 1);
    http_cleanup();
    teardown();
}

TEST(http_idle_timeout_and_nc_listen)
{
    setup(3);
    http_files();
    T_EQ(run(B, 0, "serve http root %s", root), 0);
    /* an idle connection (half a request) is closed after the idle timeout */
    T_EQ(run(A, 60 * SEC, "nc -w 50 2001:db8:1::b 80 \"GET /small.txt HTTP/1.1\\r\\n\""), 0);
    T_EQ(OUT.len, 0);
    struct svc_info si;
    httpd_info(B, &si);
    T_EQ(si.conns, 0);
    /* nc -l: B listens, A sends (TCP and UDP, IPv6 and IPv4) */
    struct waiter w = { 0 };
    struct cmd_out o, e;
    cmd_out_init(&o);
    cmd_out_init(&e);
    char l1[] = "nc", l2[] = "-l", l3[] = "5555";
    char *argv[] = { l1, l2, l3 };
    struct cmd_ctx c = { .st = B, .out = &o, .err = &e, .done = w_done, .done_arg = &w };
    T_EQ(six_cmd_exec(&c, 3, argv), CMD_PENDING);
    T_EQ(run(A, 10 * SEC, "nc -N 192.0.2.2 5555 \"over tcp\\n\""), 0);
    sim_run_while_not(W, w_fin, &w, 5 * SEC);
    T_CHECK(w.done && w.status == 0);
    T_CHECK(o.buf && !strcmp(o.buf, "over tcp\n"));
    cmd_out_reset(&o);
    w.done = false;
    char u[] = "-u";
    char *argv2[] = { l1, l2, u, l3 };
    T_EQ(six_cmd_exec(&c, 4, argv2), CMD_PENDING);
    T_EQ(run(A, 3 * SEC, "nc -u -w 1 2001:db8:1::b 5555 \"over udp\""), 1);   /* nobody answers */
    sim_run_while_not(W, w_fin, &w, 5 * SEC);
    T_CHECK(w.done && w.status == 0);
    T_CHECK(o.buf && !strcmp(o.buf, "over udp"));
    /* a command still pending when the stack goes: freed, done() not called */
    w.done = false;
    T_EQ(six_cmd_exec(&c, 3, argv), CMD_PENDING);
    http_cleanup();
    teardown();
    T_CHECK(!w.done);
    cmd_out_free(&o);
    cmd_out_free(&e);
}

/* `http get` on A from a server on B that answers any request with resp
 * and closes (a new port each time: B's side stays in TIME_WAIT). Returns
 * the command's status; ERR and OUT hold its output. */
static int http_get_from(const char *resp)
{
    static uint16_t port = 8100;
    port++;
    socklen_t len;
    struct sockaddr_storage any = sim_sockaddr("::", port, &len);
    int ls = six_socket(B, AF_INET6, SOCK_STREAM, 0);
    T_CHECK(ls >= 0 && !six_bind(B, ls, (struct sockaddr *)&any, len) && !six_listen(B, ls, 4));
    cmd_out_reset(&OUT);
    cmd_out_reset(&ERR);
    char l0[] = "http", l1[] = "get", l2[64], l3[] = "-w", l4[] = "5";
    snprintf(l2, sizeof l2, "http://[2001:db8:1::b]:%u/x", port);
    char *argv[] = { l0, l1, l2, l3, l4 };
    struct waiter w = { 0 };
    struct cmd_ctx c = { .st = A, .out = &OUT, .err = &ERR, .done = w_done, .done_arg = &w };
    int rc = six_cmd_exec(&c, 5, argv);
    T_EQ(rc, CMD_PENDING);
    int s = -1;
    for (int i = 0; i < 200 && s < 0; i++) {
        sim_run_for(W, 5 * MS);
        s = six_accept(B, ls, NULL, NULL);
    }
    T_CHECK(s >= 0);
    sim_run_for(W, 20 * MS);
    char req[2048];            /* read the request: closing with it unread would reset */
    T_CHECK(six_recv(B, s, req, sizeof req, 0) > 0);
    T_EQ(six_send(B, s, resp, strlen(resp), 0), (ssize_t)strlen(resp));
    six_close(B, s);
    six_close(B, ls);
    if (rc == CMD_PENDING && !sim_run_while_not(W, w_fin, &w, 10 * SEC)) {
        six_cmd_cancel(&c);
        return -1;
    }
    if (!ERR.buf)
        cmd_printf(&ERR, "%s", "");
    return rc == CMD_PENDING ? w.status : rc;
}

TEST(http_client_refuses_lying_framing)
{
    setup(4);
    /* controls: what a sound server sends is taken */
    T_EQ(http_get_from("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"), 0);
    T_CHECK(OUT.buf && !strcmp(OUT.buf, "hello"));
    T_EQ(http_get_from("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;x=y\r\nhello\r\n0\r\n\r\n"), 0);
    T_CHECK(OUT.buf && !strcmp(OUT.buf, "hello"));
    T_EQ(http_get_from("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"), 0);
    /* a final coding other than chunked: the body ends at close */
    T_EQ(http_get_from("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, x-mine\r\n\r\nhello"), 0);
    T_CHECK(OUT.buf && !strcmp(OUT.buf, "hello"));
    static const struct { const char *resp, *why; } bad[] = {
        { "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\nhello", "bad Content-Length" },
        { "HTTP/1.1 200 OK\r\nContent-Length: +5\r\n\r\nhello", "bad Content-Length" },
        { "HTTP/1.1 200 OK\r\nContent-Length: 5x\r\n\r\nhello", "bad Content-Length" },
        { "HTTP/1.1 200 OK\r\nContent-Length: 18446744073709551616\r\n\r\nhello", "bad Content-Length" },
        { "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 4\r\n\r\nhello", "bad Content-Length" },
        { "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
          "both Transfer-Encoding and Content-Length" },
        { "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n+5\r\nhello\r\n0\r\n\r\n", "bad chunk size" },
        { "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0x5\r\nhello\r\n0\r\n\r\n", "bad chunk size" },
        { "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n-1\r\nhello\r\n0\r\n\r\n", "bad chunk size" },
        { "HTTP/1.1 2000 OK\r\nContent-Length: 5\r\n\r\nhello", "bad HTTP status line" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int rc = http_get_from(bad[i].resp);
        if (rc != 1 || !strstr(ERR.buf, bad[i].why)) {
            fprintf(stderr, "  response %zu: status %d, err '%s', out '%s' (want '%s')\n", i, rc, ERR.buf,
                    OUT.buf ? OUT.buf : "", bad[i].why);
            t_case_failed = 1;
        }
    }
    teardown();
}

int main(void)
{
    cmd_out_init(&OUT);
    cmd_out_init(&ERR);
    RUN(echo_tcp_udp_both_families_and_mapped);
    RUN(http_server_and_client);
    RUN(http_idle_timeout_and_nc_listen);
    RUN(http_client_refuses_lying_framing);
    cmd_out_free(&OUT);
    cmd_out_free(&ERR);
    return t_done();
}
