/* ip(8) habits: neigh add|replace|del|flush, addr flush, ra show (cmd_ipcfg.c). */
#ifndef SIX_CTL_CMD_IPCFG_H
#define SIX_CTL_CMD_IPCFG_H
#include "ctl/cmd.h"

/* argv[1] is add, replace, del or flush */
int cmd_neigh_change(struct cmd_ctx *c, int argc, char **argv);
/* addr flush dev IF [-4|-6] [scope global|link] */
int cmd_addr_flush(struct cmd_ctx *c, int argc, char **argv);
/* ra show [dev IF] */
int cmd_ra_show(struct cmd_ctx *c, int argc, char **argv);

#endif
