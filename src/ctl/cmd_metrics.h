/* `metrics listen ADDR:PORT | off`, `metrics show`: sixd's Prometheus
 * endpoint (src/sixd/metrics.c serves it, src/ctl/prom.c formats it), and
 * `stats -o prometheus`. See docs/METRICS.md and man/sixctl.8. */
#ifndef SIX_CTL_CMD_METRICS_H
#define SIX_CTL_CMD_METRICS_H
#include <sys/socket.h>
#include "ctl/cmd.h"

int cmd_metrics(struct cmd_ctx *c, int argc, char **argv);

/* The stats verb's Prometheus output: every counter, zeros included. */
int cmd_stats_prometheus(struct cmd_ctx *c);

/* "192.0.2.1:9177", "[2001:db8::1]:9177", "[::]:9177": a numeric address
 * (IPv6 in brackets) and a port 1-65535. 0 and *ss / *len set, or -1 with
 * *why set. */
int cmd_metrics_parse_addr(const char *s, struct sockaddr_storage *ss, socklen_t *len, const char **why);

#endif
