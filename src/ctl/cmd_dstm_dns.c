/* `sixctl dstm dns ...`: the authoritative DNS server of the AIIH
 * (src/dns/dnsd.h; man/sixctl.8, DSTM). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include "ctl/cmd_dstm.h"
#include "dns/dnsd.h"

static const char dns_usage[] =
    "dstm dns zone NAME [ns NAME] [port N] [ttl N] [exhausted servfail|nxdomain|refused] | "
    "dstm dns host NAME ADDR6 | dstm dns host NAME off | dstm dns off | dstm dns show";

static const char *rcode_word(int rc)
{
    return rc == DNS_RCODE_NXDOMAIN ? "nxdomain" : rc == DNS_RCODE_REFUSED ? "refused" : "servfail";
}

static int zone_cmd(struct cmd_ctx *c, int argc, char **argv)
{
    struct dnsd_config cfg = { .exhausted_rcode = DNS_RCODE_SERVFAIL };
    unsigned long v;
    if (argc < 3 || strlen(argv[2]) >= sizeof cfg.zone)
        return cmd_usage(c, "%s", dns_usage);
    snprintf(cfg.zone, sizeof cfg.zone, "%s", argv[2]);
    for (int i = 3; i < argc; i += 2) {
        const char *k = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
        if (!val)
            return cmd_usage(c, "dstm dns zone: '%s' needs a value", k);
        if (!strcmp(k, "ns") && strlen(val) < sizeof cfg.ns)
            snprintf(cfg.ns, sizeof cfg.ns, "%s", val);
        else if (!strcmp(k, "port") && cmd_parse_ulong(val, 1, 65535, &v))
            cfg.port = (uint16_t)v;
        else if (!strcmp(k, "ttl") && cmd_parse_ulong(val, 1, 2147483647ul, &v))
            cfg.ttl = (uint32_t)v;
        else if (!strcmp(k, "exhausted") && !strcmp(val, "servfail"))
            cfg.exhausted_rcode = DNS_RCODE_SERVFAIL;
        else if (!strcmp(k, "exhausted") && !strcmp(val, "nxdomain"))
            cfg.exhausted_rcode = DNS_RCODE_NXDOMAIN;
        else if (!strcmp(k, "exhausted") && !strcmp(val, "refused"))
            cfg.exhausted_rcode = DNS_RCODE_REFUSED;
        else
            return cmd_usage(c, "dstm dns zone: bad '%s %s' (%s)", k, val, dns_usage);
    }
    char why[256] = "";
    if (dnsd_configure(c->st, &cfg, why, sizeof why) < 0)
        return cmd_fail(c, "dstm dns zone: %s", why);
    return 0;
}

static int host_cmd(struct cmd_ctx *c, int argc, char **argv)
{
    if (argc != 4)
        return cmd_usage(c, "%s", dns_usage);
    if (!strcmp(argv[3], "off")) {
        if (dnsd_host_del(c->st, argv[2]) < 0)
            return cmd_fail(c, "dstm dns host: no host %s", argv[2]);
        return 0;
    }
    struct in6_addr a;
    if (inet_pton(AF_INET6, argv[3], &a) != 1)
        return cmd_usage(c, "dstm dns host: '%s' is not an IPv6 address", argv[3]);
    char why[256] = "";
    if (dnsd_host_add(c->st, argv[2], &a, why, sizeof why) < 0)
        return cmd_fail(c, "dstm dns host: %s", why);
    return 0;
}

static int show_cmd(struct cmd_ctx *c)
{
    struct dnsd_info i;
    dnsd_info(c->st, &i);
    if (c->json) {
        cmd_printf(c->out, "{\"running\":%s", i.running ? "true" : "false");
        if (i.running) {
            cmd_printf(c->out, ",\"zone\":");
            cmd_json_str(c->out, i.cfg.zone);
            cmd_printf(c->out, ",\"ns\":");
            cmd_json_str(c->out, i.cfg.ns);
            cmd_printf(c->out, ",\"port\":%u,\"ttl\":%u,\"exhausted\":\"%s\",\"serial\":%u,\"hosts\":%u,"
                       "\"pending\":%u,\"tcp_conns\":%u,\"queries\":%llu,\"answers\":%llu",
                       (unsigned)i.cfg.port, (unsigned)i.cfg.ttl, rcode_word(i.cfg.exhausted_rcode),
                       (unsigned)i.serial, i.hosts, i.pending, i.tcp_conns, (unsigned long long)i.queries,
                       (unsigned long long)i.answers);
        }
        cmd_printf(c->out, "}\n");
        return 0;
    }
    if (!i.running) {
        cmd_printf(c->out, "dns: off\n");
        return 0;
    }
    cmd_printf(c->out, "dns: zone %s ns %s port %u ttl %u exhausted %s serial %u\n", i.cfg.zone,
               i.cfg.ns[0] ? i.cfg.ns : "ns1.ZONE", (unsigned)i.cfg.port, (unsigned)i.cfg.ttl,
               rcode_word(i.cfg.exhausted_rcode), (unsigned)i.serial);
    cmd_printf(c->out, "  hosts %u pending %u tcp %u queries %llu answers %llu\n", i.hosts, i.pending,
               i.tcp_conns, (unsigned long long)i.queries, (unsigned long long)i.answers);
    return 0;
}

int cmd_dstm_dns(struct cmd_ctx *c, int argc, char **argv)
{
    if (argc < 2)
        return cmd_usage(c, "%s", dns_usage);
    if (!strcmp(argv[1], "zone"))
        return zone_cmd(c, argc, argv);
    if (!strcmp(argv[1], "host"))
        return host_cmd(c, argc, argv);
    if (!strcmp(argv[1], "show") && argc == 2)
        return show_cmd(c);
    if (!strcmp(argv[1], "off") && argc == 2) {
        if (dnsd_stop(c->st) < 0)
            return cmd_fail(c, "dstm dns: not running");
        return 0;
    }
    return cmd_usage(c, "%s", dns_usage);
}
