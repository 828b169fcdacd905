/* hello_tcp: the socket API of libsix in one page. Two stacks on a simulated
 * link (no root needed); b listens on [::]:7777, a connects over IPv6, sends
 * a line, b answers it, both close. Run: build/examples/hello_tcp
 * Only public headers: it builds against an installed libsix too,
 *   cc hello_tcp.c $(pkg-config --cflags --libs --static sixstack) */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include "six/six.h"
#include "six/sim.h"
#include "six/socket.h"

static struct six_sim *world;

/* A stack on the simulated link, configured with the command language. */
static struct six_stack *host(const char *name, struct six_sim_link *link, const char *addr)
{
    struct six_stack *st = six_sim_stack_new(world, name);
    char cmd[96];
    six_sim_attach(link, st, "eth0");
    six_command(st, NULL, "link set eth0 up", NULL, NULL);
    snprintf(cmd, sizeof cmd, "addr add %s dev eth0", addr);
    six_command(st, NULL, cmd, NULL, NULL);
    return st;
}

/* Let the network run until sd on st is ready for events (the simulator's
 * stand-in for poll(2) on a real event loop). */
static void wait_for(struct six_stack *st, int sd, short events)
{
    struct six_pollfd p = { .sd = sd, .events = events };
    while (six_poll(st, &p, 1) == 0)
        six_sim_run_for(world, 1000000);   /* 1 ms of virtual time */
}

int main(void)
{
    world = six_sim_new(1);
    struct six_sim_link *link = six_sim_link_new(world, "lan", 1000000);
    struct six_stack *a = host("a", link, "2001:db8::a/64"), *b = host("b", link, "2001:db8::b/64");
    six_sim_run_for(world, 2000000000ull);   /* DAD */

    /* b: a dual-stack listener (IPv4 clients would appear as ::ffff:a.b.c.d) */
    int ls = six_socket(b, AF_INET6, SOCK_STREAM, 0);
    struct sockaddr_in6 any = { .sin6_family = AF_INET6, .sin6_port = htons(7777) };
    if (six_bind(b, ls, (struct sockaddr *)&any, sizeof any) || six_listen(b, ls, 8)) {
        perror("listen");
        return 1;
    }

    /* a: connect; non-blocking, so EINPROGRESS, then writable when established */
    int c = six_socket(a, AF_INET6, SOCK_STREAM, 0);
    struct sockaddr_in6 to = { .sin6_family = AF_INET6, .sin6_port = htons(7777) };
    inet_pton(AF_INET6, "2001:db8::b", &to.sin6_addr);
    if (six_connect(a, c, (struct sockaddr *)&to, sizeof to) < 0 && errno != EINPROGRESS) {
        perror("connect");
        return 1;
    }
    wait_for(b, ls, POLLIN);
    struct sockaddr_in6 peer;
    socklen_t pl = sizeof peer;
    int s = six_accept(b, ls, (struct sockaddr *)&peer, &pl);
    char txt[INET6_ADDRSTRLEN];
    printf("b: connection from [%s]:%u\n", inet_ntop(AF_INET6, &peer.sin6_addr, txt, sizeof txt), ntohs(peer.sin6_port));
    wait_for(a, c, POLLOUT);

    const char *hello = "hello over a userspace IPv6 stack\n";
    six_send(a, c, hello, strlen(hello), 0);
    char buf[128];
    wait_for(b, s, POLLIN);
    ssize_t n = six_recv(b, s, buf, sizeof buf, 0);
    printf("b: got %zd bytes: %.*s", n, (int)n, buf);
    six_send(b, s, buf, (size_t)n, 0);
    wait_for(a, c, POLLIN);
    n = six_recv(a, c, buf, sizeof buf, 0);
    printf("a: echoed back: %.*s", (int)n, buf);

    six_close(a, c);
    six_close(b, s);
    six_close(b, ls);
    six_stack_free(a);
    six_stack_free(b);
    six_sim_free(world);
    return 0;
}
