/* metrics listen ADDR:PORT | metrics listen off | metrics show, and the
 * Prometheus form of stats (cmd_metrics.h). The endpoint itself is sixd's
 * (src/sixd/metrics.c), reached through ctx->host. */
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include "ctl/cmd_metrics.h"
#include "ctl/prom.h"
#include "net/stack.h"

int cmd_stats_prometheus(struct cmd_ctx *c)
{
    prom_write(c->out, c->st, NULL);
    return 0;
}

static bool parse_port(const char *s, uint16_t *port)
{
    unsigned long v;
    if (!cmd_parse_ulong(s, 1, 65535, &v))
        return false;
    *port = (uint16_t)v;
    return true;
}

int cmd_metrics_parse_addr(const char *s, struct sockaddr_storage *ss, socklen_t *len, const char **why)
{
    char host[INET6_ADDRSTRLEN + 2];
    const char *port;
    uint16_t p;
    memset(ss, 0, sizeof *ss);
    if (s[0] == '[') {
        const char *close = strchr(s, ']');
        size_t n = close ? (size_t)(close - s - 1) : 0;
        if (!close || close[1] != ':' || n == 0 || n >= sizeof host) {
            *why = "an IPv6 address goes in brackets: [ADDR]:PORT";
            return -1;
        }
        memcpy(host, s + 1, n);
        host[n] = '\0';
        port = close + 2;
        struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
        if (inet_pton(AF_INET6, host, &a6->sin6_addr) != 1) {
            *why = "not a numeric IPv6 address in [ ] (no names, no %zone)";
            return -1;
        }
        if (!parse_port(port, &p)) {
            *why = "the port is a number from 1 to 65535";
            return -1;
        }
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons(p);
        *len = sizeof *a6;
        return 0;
    }
    const char *colon = strrchr(s, ':');
    if (!colon || strchr(s, ':') != colon) {
        *why = colon ? "an IPv6 address goes in brackets: [ADDR]:PORT" : "ADDR:PORT expected";
        return -1;
    }
    size_t n = (size_t)(colon - s);
    if (n == 0 || n >= sizeof host) {
        *why = "ADDR:PORT expected";
        return -1;
    }
    memcpy(host, s, n);
    host[n] = '\0';
    struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
    if (inet_pton(AF_INET, host, &a4->sin_addr) != 1) {
        *why = "not a numeric IPv4 address (no names; IPv6 in [ ])";
        return -1;
    }
    if (!parse_port(colon + 1, &p)) {
        *why = "the port is a number from 1 to 65535";
        return -1;
    }
    a4->sin_family = AF_INET;
    a4->sin_port = htons(p);
    *len = sizeof *a4;
    return 0;
}

static int metrics_show(struct cmd_ctx *c)
{
    char addr[INET6_ADDRSTRLEN + 16] = "";
    if (c->host && c->host->metrics_addr)
        c->host->metrics_addr(c->host->arg, addr, sizeof addr);
    if (c->json) {
        cmd_printf(c->out, "{\"listen\":");
        if (addr[0])
            cmd_json_str(c->out, addr);
        else
            cmd_printf(c->out, "null");
        cmd_printf(c->out, ",\"path\":\"/metrics\"}\n");
    } else if (addr[0]) {
        cmd_printf(c->out, "listen %s path /metrics\n", addr);
    } else {
        cmd_printf(c->out, "off\n");
    }
    return 0;
}

int cmd_metrics(struct cmd_ctx *c, int argc, char **argv)
{
    static const char usage[] = "usage: metrics listen ADDR:PORT | metrics listen [ADDR]:PORT | "
                                "metrics listen off | metrics show";
    if (argc < 2 || (!strcmp(argv[1], "show") && argc == 2))
        return metrics_show(c);
    if (strcmp(argv[1], "listen") || argc != 3)
        return cmd_usage(c, usage);
    struct sockaddr_storage ss;
    socklen_t len = 0;
    const char *why = NULL;
    bool off = !strcmp(argv[2], "off");
    if (!off && cmd_metrics_parse_addr(argv[2], &ss, &len, &why) < 0)
        return cmd_usage(c, "metrics listen %s: %s", argv[2], why);
    if (!c->host || !c->host->metrics_listen)
        return cmd_fail(c, "metrics listen: only sixd serves metrics (here: stats -o prometheus)");
    char err[160] = "";
    if (c->host->metrics_listen(c->host->arg, off ? NULL : (const struct sockaddr *)&ss, len, err, sizeof err) < 0)
        return cmd_fail(c, "metrics listen %s: %s", argv[2], err[0] ? err : "failed");
    return 0;
}
