/* IPsec verbs of the command language (ipsec load|exec|sa|spd|flush),
 * called from the dispatch table in cmd.c. Same contract as
 * six_cmd_exec(). See man/sixctl.8, "IPsec". */
#ifndef SIX_CTL_CMD_IPSEC_H
#define SIX_CTL_CMD_IPSEC_H
#include "ctl/cmd.h"

int cmd_ipsec(struct cmd_ctx *c, int argc, char **argv);
/* cmd_ipsec_state.c: ipsec sa reset SPI [dst ADDR] | ipsec state [save | reserve N] */
int cmd_ipsec_sa_reset(struct cmd_ctx *c, int argc, char **argv);
int cmd_ipsec_state(struct cmd_ctx *c, int argc, char **argv);

#endif
