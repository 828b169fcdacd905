/* DHCPv6 verbs of the command language (`sixctl dhcp6 ...`), dispatched by
 * cmd_dhcp6() in cmd_dhcp6.c to one function per sub-verb, each in the file
 * of its part: server, leases and reconfigure in cmd_dhcp6_server.c, client
 * in cmd_dhcp6_client.c, relay in cmd_dhcp6_relay.c. Same contract as
 * six_cmd_exec(); argv[0] is the sub-verb. See man/sixctl.8, "DHCPv6". */
#ifndef SIX_CTL_CMD_DHCP6_H
#define SIX_CTL_CMD_DHCP6_H
#include "ctl/cmd.h"

int cmd_dhcp6(struct cmd_ctx *c, int argc, char **argv);

int cmd_dhcp6_server(struct cmd_ctx *c, int argc, char **argv);
int cmd_dhcp6_leases(struct cmd_ctx *c, int argc, char **argv);
int cmd_dhcp6_reconfigure(struct cmd_ctx *c, int argc, char **argv);
int cmd_dhcp6_client(struct cmd_ctx *c, int argc, char **argv);
int cmd_dhcp6_relay(struct cmd_ctx *c, int argc, char **argv);

#endif
