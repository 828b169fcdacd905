/* Resolver verbs of the command language (resolve, dns), called from the
 * dispatch table in cmd.c. Same contract as six_cmd_exec(). `resolve`
 * completes later (CMD_PENDING, like ping). See man/sixctl.8, "Resolver". */
#ifndef SIX_CTL_CMD_DNS_H
#define SIX_CTL_CMD_DNS_H
#include "ctl/cmd.h"

int cmd_resolve(struct cmd_ctx *c, int argc, char **argv);
int cmd_dns(struct cmd_ctx *c, int argc, char **argv);
/* Abandon the pending `resolve` of c, if any (from six_cmd_cancel). */
void cmd_dns_cancel(struct cmd_ctx *c);

#endif
