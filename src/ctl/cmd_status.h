/* version, status (cmd_status.c). */
#ifndef SIX_CTL_CMD_STATUS_H
#define SIX_CTL_CMD_STATUS_H
#include "ctl/cmd.h"

/* version [client VERSION]: sixctl passes its own so both print together. */
int cmd_version(struct cmd_ctx *c, int argc, char **argv);
int cmd_status(struct cmd_ctx *c, int argc, char **argv);

#endif
