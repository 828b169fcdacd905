/* `sixctl dhcp6 SUBVERB ...`: the table of sub-verbs (cmd_dhcp6.h). Each
 * part of the DHCPv6 module adds its line here; its parser lives in its
 * own file. */
#include <string.h>
#include "ctl/cmd_dhcp6.h"

static const struct {
    const char *name;
    int (*fn)(struct cmd_ctx *c, int argc, char **argv);
} subverbs[] = {
    /* one line per part: { "server", cmd_dhcp6_server }, ... */
    { "client", cmd_dhcp6_client },
    { "server", cmd_dhcp6_server }, { "leases", cmd_dhcp6_leases }, { "reconfigure", cmd_dhcp6_reconfigure },
    { NULL, NULL },
};

int cmd_dhcp6(struct cmd_ctx *c, int argc, char **argv)
{
    if (argc < 2)
        return cmd_usage(c, "dhcp6: expected server, client, relay, leases or reconfigure");
    for (size_t i = 0; subverbs[i].name; i++)
        if (!strcmp(argv[1], subverbs[i].name))
            return subverbs[i].fn(c, argc - 1, argv + 1);
    return cmd_usage(c, "dhcp6: unknown sub-verb '%s' (server, client, relay, leases, reconfigure)", argv[1]);
}
