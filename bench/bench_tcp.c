/* TCP throughput and connection rate of the stack, in process, on one core.
 *
 * Two stacks on a simulated point-to-point Ethernet segment (the simulator
 * copies each frame into the receiver's pool, as a wire would); the clock is
 * virtual, the figures are CPU time. References in the same run: the Linux
 * kernel's TCP over loopback, and — when run as root — over a veth pair
 * (MTU 1500, like the simulated link) between two network namespaces the
 * bench creates and deletes; each driven from one thread the same way (send
 * what fits, read what is there). Not a test. */
#include <errno.h>
#include <sched.h>
#include <fcntl.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <poll.h>
#include <stdbool.h>
#include <arpa/inet.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include "ctl/scene.h"
#include "link/sim.h"
#include "net/stack.h"
#include "transport/tcp.h"
#include "transport/sock.h"
#include "six/socket.h"

#define MS (1000000ull)
static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static struct sim_world *W;
static struct six_stack *A, *B;

static struct six_stack *mk(const char *name, uint64_t seed)
{
    struct six_stack_opts o = { .name = name, .clock = sim_clock(W), .tw = sim_wheel(W), .seed = seed,
                                .n_small = 16384, .n_big = 8 };
    struct six_stack *st = six_stack_create(&o);
    sim_register_stack(W, st);
    return st;
}

static double stack_goodput(size_t total)
{
    static uint8_t buf[1 << 16];
    struct sockaddr_in6 to = { .sin6_family = AF_INET6, .sin6_port = htons(5001) };
    inet_pton(AF_INET6, "2001:db8:1::b", &to.sin6_addr);
    int ls = six_socket(B, AF_INET6, SOCK_STREAM, 0);
    struct sockaddr_in6 any = { .sin6_family = AF_INET6, .sin6_port = htons(5001) };
    six_bind(B, ls, (struct sockaddr *)&any, sizeof any);
    six_listen(B, ls, 8);
    int ca = six_socket(A, AF_INET6, SOCK_STREAM, 0), cb = -1;
    six_connect(A, ca, (struct sockaddr *)&to, sizeof to);
    while (cb < 0) {
        sim_run_for(W, 1 * MS);
        cb = six_accept(B, ls, NULL, NULL);
    }
    size_t sent = 0, got = 0;
    double t0 = now_s();
    while (got < total) {
        ssize_t n;
        while (sent < total && (n = six_send(A, ca, buf, sizeof buf, 0)) > 0)
            sent += (size_t)n;
        while ((n = six_recv(B, cb, buf, sizeof buf, 0)) > 0)
            got += (size_t)n;
        sim_run_for(W, 1 * MS);
    }
    double dt = now_s() - t0;
    six_close(A, ca);
    six_close(B, cb);
    six_close(B, ls);
    return total * 8 / dt;
}

static double stack_conn_rate(int n)
{
    struct sockaddr_in6 to = { .sin6_family = AF_INET6, .sin6_port = htons(5002) };
    inet_pton(AF_INET6, "2001:db8:1::b", &to.sin6_addr);
    int ls = six_socket(B, AF_INET6, SOCK_STREAM, 0);
    struct sockaddr_in6 any = { .sin6_family = AF_INET6, .sin6_port = htons(5002) };
    six_bind(B, ls, (struct sockaddr *)&any, sizeof any);
    six_listen(B, ls, 1024);
    double t0 = now_s();
    for (int i = 0; i < n; i++) {
        int c = six_socket(A, AF_INET6, SOCK_STREAM, 0), s = -1;
        six_connect(A, c, (struct sockaddr *)&to, sizeof to);
        while (s < 0) {
            sim_run_for(W, 1 * MS);
            s = six_accept(B, ls, NULL, NULL);
        }
        six_close(A, c);
        six_close(B, s);
    }
    return n / (now_s() - t0);
}

/* --- the veth reference: namespaces <pfx>a and <pfx>b, 2001:db8:9::a / ::b --- */
static char ns_pfx[64];
static int ns_fd[2] = { -1, -1 }, ns_home = -1;

static void veth_down(void)
{
    char cmd[256];
    for (int i = 0; i < 2; i++)
        if (ns_fd[i] >= 0)
            close(ns_fd[i]);
    if (ns_home >= 0)
        close(ns_home);
    snprintf(cmd, sizeof cmd, "ip netns del %sa 2>/dev/null; ip netns del %sb 2>/dev/null", ns_pfx, ns_pfx);
    if (ns_pfx[0] && system(cmd) != 0)
        fprintf(stderr, "bench_tcp: could not delete the namespaces %sa/%sb\n", ns_pfx, ns_pfx);
}

static bool veth_up(void)
{
    char cmd[1024], path[128];
    if (geteuid() != 0)
        return false;
    snprintf(ns_pfx, sizeof ns_pfx, "sixbench-%d-", (int)getpid());
    snprintf(cmd, sizeof cmd,
             "ip netns add %1$sa && ip netns add %1$sb && "
             "ip -n %1$sa link add v0 type veth peer name v1 netns %1$sb && "
             "ip -n %1$sa link set lo up && ip -n %1$sb link set lo up && "
             "ip -n %1$sa link set v0 up && ip -n %1$sb link set v1 up && "
             "ip -n %1$sa addr add 2001:db8:9::a/64 dev v0 nodad && "
             "ip -n %1$sb addr add 2001:db8:9::b/64 dev v1 nodad", ns_pfx);
    if (system(cmd) != 0) {
        veth_down();
        return false;
    }
    ns_home = open("/proc/self/ns/net", O_RDONLY);
    for (int i = 0; i < 2; i++) {
        snprintf(path, sizeof path, "/var/run/netns/%s%c", ns_pfx, 'a' + i);
        ns_fd[i] = open(path, O_RDONLY);
    }
    if (ns_home < 0 || ns_fd[0] < 0 || ns_fd[1] < 0) {
        veth_down();
        return false;
    }
    return true;
}

/* A socket made inside namespace i stays there when the thread goes home. */
static int socket_in(int i, int type)
{
    if (i >= 0 && setns(ns_fd[i], CLONE_NEWNET))
        return -1;
    int sd = socket(AF_INET6, type, 0);
    if (i >= 0)
        setns(ns_home, CLONE_NEWNET);
    return sd;
}

/* Linux TCP between a listener in namespace lns and a client in cns (-1, -1: loopback). */
static double linux_goodput(size_t total, int lns, int cns)
{
    static char buf[1 << 16];
    int ls = socket_in(lns, SOCK_STREAM), one = 1;
    struct sockaddr_in6 a = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };
    if (lns >= 0)
        inet_pton(AF_INET6, "2001:db8:9::a", &a.sin6_addr);
    socklen_t al = sizeof a;
    setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (ls < 0 || bind(ls, (struct sockaddr *)&a, sizeof a) || listen(ls, 4) ||
        getsockname(ls, (struct sockaddr *)&a, &al))
        return 0;
    int c = socket_in(cns, SOCK_STREAM | SOCK_NONBLOCK);
    connect(c, (struct sockaddr *)&a, sizeof a);
    struct pollfd pf = { .fd = ls, .events = POLLIN };
    poll(&pf, 1, 2000);
    int s = accept4(ls, NULL, NULL, SOCK_NONBLOCK);
    if (c < 0 || s < 0)
        return 0;
    size_t sent = 0, got = 0;
    double t0 = now_s();
    while (got < total) {
        ssize_t n;
        while (sent < total && (n = send(c, buf, sizeof buf, 0)) > 0)
            sent += (size_t)n;
        while ((n = recv(s, buf, sizeof buf, 0)) > 0)
            got += (size_t)n;
    }
    double dt = now_s() - t0;
    close(c);
    close(s);
    close(ls);
    return total * 8 / dt;
}

static double linux_conn_rate(int n)
{
    int ls = socket(AF_INET6, SOCK_STREAM, 0), one = 1;
    struct sockaddr_in6 a = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };
    socklen_t al = sizeof a;
    setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(ls, (struct sockaddr *)&a, sizeof a) || listen(ls, 1024) || getsockname(ls, (struct sockaddr *)&a, &al))
        return 0;
    double t0 = now_s();
    for (int i = 0; i < n; i++) {
        int c = socket(AF_INET6, SOCK_STREAM, 0);
        struct linger lg = { 1, 0 };   /* RST on close: do not fill the port space with TIME_WAIT */
        setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
        if (connect(c, (struct sockaddr *)&a, sizeof a))
            break;
        int s = accept(ls, NULL, NULL);
        close(c);
        close(s);
    }
    double r = n / (now_s() - t0);
    close(ls);
    return r;
}

int main(void)
{
    W = sim_world_create(5);
    A = mk("a", 1);
    B = mk("b", 2);
    struct sim_link_params p = { .delay_ns = 1 * MS };
    struct sim_link *l = sim_link_create(W, "l", &p);
    sim_attach(l, A, "eth0", NULL);
    sim_attach(l, B, "eth0", NULL);
    scene_cmd(A, NULL, "link set eth0 up");
    scene_cmd(B, NULL, "link set eth0 up");
    scene_cmd(A, NULL, "addr add 2001:db8:1::a/64 dev eth0");
    scene_cmd(B, NULL, "addr add 2001:db8:1::b/64 dev eth0");
    sim_run_for(W, 3000 * MS);

    size_t total = (size_t)(getenv("BENCH_MB") ? atoi(getenv("BENCH_MB")) : 256) << 20;
    double g = stack_goodput(total), lg = linux_goodput(total, -1, -1);
    printf("single TCP connection, IPv6, MTU 1500, one core (both ends and the wire)\n");
    printf("  sixstack %.2f Gbit/s; Linux TCP over loopback %.2f Gbit/s; ratio %.3f\n", g / 1e9, lg / 1e9, g / lg);
    if (veth_up()) {
        double vg = linux_goodput(total, 0, 1);
        veth_down();
        printf("  Linux TCP over a veth pair (MTU 1500, two namespaces) %.2f Gbit/s; ratio %.3f\n", vg / 1e9,
               vg > 0 ? g / vg : 0);
    } else {
        printf("  Linux TCP over a veth pair: not measured (needs root and ip netns)\n");
    }
    int n = 5000;
    double cr = stack_conn_rate(n), lcr = linux_conn_rate(n);
    printf("connections per second (connect, accept, close)\n");
    printf("  sixstack %.0f/s; Linux over loopback %.0f/s; ratio %.3f\n", cr, lcr, cr / lcr);
    printf("state per idle connection: %zu bytes (control block %zu + socket %zu), buffers allocated on first use\n",
           sizeof(struct tcpcb) + sizeof(struct sock), sizeof(struct tcpcb), sizeof(struct sock));
    six_stack_destroy(A);
    six_stack_destroy(B);
    sim_world_destroy(W);
    return 0;
}
