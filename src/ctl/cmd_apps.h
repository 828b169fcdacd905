/* Application verbs of the command language (serve, http, nc), called from
 * the dispatch table in cmd.c. Same contract as six_cmd_exec(). `http get`
 * and `nc` complete later (CMD_PENDING, like ping). */
#ifndef SIX_CTL_CMD_APPS_H
#define SIX_CTL_CMD_APPS_H
#include "ctl/cmd.h"

int cmd_serve(struct cmd_ctx *c, int argc, char **argv);
int cmd_http(struct cmd_ctx *c, int argc, char **argv);
int cmd_nc(struct cmd_ctx *c, int argc, char **argv);
/* Abandon the pending app command of c, if any (from six_cmd_cancel). */
void cmd_apps_cancel(struct cmd_ctx *c);

#endif
