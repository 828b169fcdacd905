/* DSTM verbs of the command language (`sixctl dstm ...`), dispatched by
 * cmd_dstm() in cmd_dstm.c to one function per sub-verb, each in the file
 * of its part: aiih (and its dns) in cmd_dstm_aiih.c, client in
 * cmd_dstm_client.c, br in cmd_dstm_br.c, bindings in cmd_dstm_bindings.c.
 * Same contract as six_cmd_exec(); argv[0] is the sub-verb. See
 * man/sixctl.8, "DSTM". */
#ifndef SIX_CTL_CMD_DSTM_H
#define SIX_CTL_CMD_DSTM_H
#include "ctl/cmd.h"

int cmd_dstm(struct cmd_ctx *c, int argc, char **argv);

int cmd_dstm_aiih(struct cmd_ctx *c, int argc, char **argv);
int cmd_dstm_client(struct cmd_ctx *c, int argc, char **argv);
int cmd_dstm_br(struct cmd_ctx *c, int argc, char **argv);
int cmd_dstm_bindings(struct cmd_ctx *c, int argc, char **argv);
int cmd_dstm_napt(struct cmd_ctx *c, int argc, char **argv);      /* cmd_dstm_napt.c */
int cmd_dstm_dns(struct cmd_ctx *c, int argc, char **argv);       /* cmd_dstm_dns.c */
/* update: the RFC 2136 client, cmd_dstm_update.c */
int cmd_dstm_update(struct cmd_ctx *c, int argc, char **argv);

#endif
