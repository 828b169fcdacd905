/* The DHCPv6 client's socket: UDP [::]:546 shared by every client interface
 * of a stack, IPV6_RECVPKTINFO telling which interface a message came in on;
 * sends go to ff02::1:2 port 547 scoped to the client's interface, from its
 * link-local address (RFC 9915 §13.1). Open while a client runs. The
 * destination each message was sent to (IPV6_PKTINFO) goes with it to
 * d6c_input, which takes Advertise / Reply only at a link-local one. */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include "dhcp6/client.h"
#include "net/stack.h"
#include "six/socket.h"

static void sock_ev(struct app_sock *as, short rev)
{
    struct d6_client *cli = as->ctx;
    struct six_stack *st = cli->st;
    (void)rev;
    for (int k = 0; k < 64; k++) {
        struct sockaddr_in6 from;
        union { struct cmsghdr align; uint8_t b[CMSG_SPACE(sizeof(struct in6_pktinfo))]; } cbuf;
        struct iovec iov = { .iov_base = cli->rbuf, .iov_len = sizeof cli->rbuf };
        struct msghdr msg = { .msg_name = &from, .msg_namelen = sizeof from, .msg_iov = &iov, .msg_iovlen = 1,
                              .msg_control = cbuf.b, .msg_controllen = sizeof cbuf.b };
        ssize_t n = six_recvmsg(st, as->sd, &msg, 0);
        if (n < 0)
            return;
        unsigned ifindex = 0;
        struct in6_addr dst = { 0 };
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
            if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
                struct in6_pktinfo pi;
                memcpy(&pi, CMSG_DATA(c), sizeof pi);
                ifindex = pi.ipi6_ifindex;
                dst = pi.ipi6_addr;
            }
        struct d6c_if *ci = ifindex ? d6c_by_ifindex(cli, ifindex) : NULL;
        if (!ci) {
            CTR_INC(st, dhcp6c, drop_no_client);
            continue;
        }
        d6c_input(cli, ci, cli->rbuf, (size_t)n, &from.sin6_addr, &dst);
    }
    app_sock_kick(as);   /* more may wait: next pass */
}

int d6c_io_open(struct d6_client *cli)
{
    struct six_stack *st = cli->st;
    if (cli->sock.sd >= 0)
        return 0;
    int sd = six_socket(st, AF_INET6, SOCK_DGRAM, 0);
    if (sd < 0)
        return -errno;
    int on = 1;
    struct sockaddr_in6 sa = { .sin6_family = AF_INET6, .sin6_port = htons(DHCP6_CLIENT_PORT) };
    if (six_setsockopt(st, sd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on) < 0 ||
        six_setsockopt(st, sd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on, sizeof on) < 0 ||
        six_bind(st, sd, (struct sockaddr *)&sa, sizeof sa) < 0) {
        int e = errno;
        six_close(st, sd);
        return -e;
    }
    app_sock_init(&cli->sock, st, sd, sock_ev, cli);
    return 0;
}

void d6c_io_close(struct d6_client *cli)
{
    if (cli->sock.sd >= 0)
        app_sock_close(&cli->sock);
    cli->sock.sd = -1;
}

int d6c_io_send(struct d6c_if *c, const void *msg, size_t len)
{
    struct d6_client *cli = c->cli;
    struct sockaddr_in6 to = { .sin6_family = AF_INET6, .sin6_port = htons(DHCP6_SERVER_PORT),
                               .sin6_addr = DHCP6_ALL_AGENTS_INIT, .sin6_scope_id = c->ifindex };
    if (cli->sock.sd < 0)
        return -EBADF;
    if (six_sendto(cli->st, cli->sock.sd, msg, len, 0, (struct sockaddr *)&to, sizeof to) < 0)
        return -errno;
    return 0;
}
