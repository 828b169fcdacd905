/* link add NAME type host [dev IFNAME] [natt-port N]: see cmd_host.h. */
#include <errno.h>
#include <string.h>
#include <net/if.h>
#include "ctl/cmd_host.h"
#include "link/hostip.h"

#define HOST_USAGE "usage: link add NAME type host [dev IFNAME] [natt-port N]"

int cmd_link_add_host(struct cmd_ctx *c, int argc, char **argv)
{
    const char *dev = NULL;
    unsigned long port = HOSTIP_NATT_PORT;
    for (int i = 5; i < argc; i += 2) {
        if (i + 1 >= argc)
            return cmd_usage(c, "link add: '%s' needs a value; " HOST_USAGE, argv[i]);
        if (!strcmp(argv[i], "dev") && !dev) {
            dev = argv[i + 1];
            if (!*dev || strlen(dev) >= IFNAMSIZ)
                return cmd_usage(c, "link add: bad host device name '%s'", dev);
        } else if (!strcmp(argv[i], "natt-port")) {
            if (!cmd_parse_ulong(argv[i + 1], 1, 65535, &port))
                return cmd_usage(c, "link add: bad natt-port '%s' (1-65535)", argv[i + 1]);
        } else {
            return cmd_usage(c, "link add: unknown argument '%s'; " HOST_USAGE, argv[i]);
        }
    }
    if (!c->ev)
        return cmd_fail(c, "link add type host needs sixd's event loop");
    int e = 0;
    if (!hostip_create(c->st, c->ev, argv[2], dev, (uint16_t)port, &e))
        return cmd_fail(c, "cannot create host link '%s': %s%s", argv[2], strerror(e ? e : EIO),
                        e == ENODEV ? " (no such host device)" : e == EPERM ? " (raw sockets need CAP_NET_RAW)" : "");
    return 0;
}
