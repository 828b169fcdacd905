/* `link add NAME type host [dev IFNAME] [natt-port N]` (link/hostip.h),
 * called from link_add in cmd.c once the name is checked. Same contract as
 * six_cmd_exec(). See man/sixctl.8, "Host links". */
#ifndef SIX_CTL_CMD_HOST_H
#define SIX_CTL_CMD_HOST_H
#include "ctl/cmd.h"

int cmd_link_add_host(struct cmd_ctx *c, int argc, char **argv);

#endif
