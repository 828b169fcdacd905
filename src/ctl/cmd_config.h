/* config show (cmd_config.c): the running configuration as a sixd file. */
#ifndef SIX_CTL_CMD_CONFIG_H
#define SIX_CTL_CMD_CONFIG_H
#include "ctl/cmd.h"

int cmd_config(struct cmd_ctx *c, int argc, char **argv);

#endif
