#ifndef SIX_CTL_CMD_SOCKS_H
#define SIX_CTL_CMD_SOCKS_H
#include "ctl/cmd.h"
/* socks5 start|stop|show: the SOCKS5 server of src/apps/socks5.c */
int cmd_socks5(struct cmd_ctx *c, int argc, char **argv);
#endif
