/* Network-layer verbs of the command language (addr, route, neigh, ping, ra, set),
 * called from the dispatch table in cmd.c. Same contract as six_cmd_exec():
 * argv[0] is the object word ("addr", "route", ...). */
#ifndef SIX_CTL_CMD_NET_H
#define SIX_CTL_CMD_NET_H
#include "ctl/cmd.h"

int cmd_addr(struct cmd_ctx *c, int argc, char **argv);
int cmd_route(struct cmd_ctx *c, int argc, char **argv);
int cmd_neigh(struct cmd_ctx *c, int argc, char **argv);
int cmd_ping(struct cmd_ctx *c, int argc, char **argv);
int cmd_ra(struct cmd_ctx *c, int argc, char **argv);
int cmd_set(struct cmd_ctx *c, int argc, char **argv);
int cmd_addrsel(struct cmd_ctx *c, int argc, char **argv);

#endif
