/* socks5 start [bind ADDR] [port N] | socks5 stop | socks5 show */
#include <errno.h>
#include <string.h>
#include <arpa/inet.h>
#include "ctl/cmd.h"
#include "ctl/cmd_socks.h"
#include "apps/socks5.h"
#include "net/stack.h"

int cmd_socks5(struct cmd_ctx *c, int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "show")) {
        char b[200];
        cmd_printf(c->out, "%s\n", socks5_info(c->st, b, sizeof b) ? b : "socks5 not running");
        return 0;
    }
    if (!strcmp(argv[1], "stop")) {
        int rc = socks5_stop(c->st);
        return rc ? cmd_fail(c, "socks5 stop: %s", strerror(-rc)) : 0;
    }
    if (strcmp(argv[1], "start"))
        return cmd_usage(c, "usage: socks5 start [bind ADDR] [port N] | socks5 stop | socks5 show");
    const char *bind_s = "::1";
    unsigned long port = 1080;
    for (int i = 2; i < argc; i += 2) {
        if (i + 1 >= argc)
            return cmd_usage(c, "'%s' needs a value", argv[i]);
        if (!strcmp(argv[i], "bind"))
            bind_s = argv[i + 1];
        else if (!strcmp(argv[i], "port") && cmd_parse_ulong(argv[i + 1], 1, 65535, &port))
            ;
        else
            return cmd_usage(c, "bad socks5 argument '%s %s'", argv[i], argv[i + 1]);
    }
    struct sockaddr_in6 s6 = { .sin6_family = AF_INET6, .sin6_port = htons((uint16_t)port) };
    struct sockaddr_in s4 = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
    const struct sockaddr *sa;
    socklen_t len;
    if (inet_pton(AF_INET6, bind_s, &s6.sin6_addr) == 1) {
        sa = (const struct sockaddr *)&s6;
        len = sizeof s6;
    } else if (inet_pton(AF_INET, bind_s, &s4.sin_addr) == 1) {
        sa = (const struct sockaddr *)&s4;
        len = sizeof s4;
    } else {
        return cmd_usage(c, "bad bind address '%s' (a host address of sixd's namespace)", bind_s);
    }
    if (!c->ev)
        return cmd_fail(c, "socks5 needs sixd's event loop (host sockets)");
    int rc = socks5_start(c->st, c->ev, sa, len);
    return rc ? cmd_fail(c, "socks5 start: %s", strerror(-rc)) : 0;
}
