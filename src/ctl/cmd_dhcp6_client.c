/* `sixctl dhcp6 client ...`: the DHCPv6 client (src/dhcp6/client.h).
 *   dhcp6 client dev IF [ia-na] [ia-pd [hint /N]] [pd-to IF sla N]... [rapid-commit]
 *                       [reconfigure-accept] [info-only] [duid-file FILE]
 *   dhcp6 client dev IF off [release]
 *   dhcp6 client show                 (-j: JSON) */
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include "ctl/cmd_dhcp6.h"
#include "dhcp6/client.h"
#include "net/stack.h"

static const char usage[] =
    "usage: dhcp6 client dev IF [ia-na] [ia-pd [hint /N]] [pd-to IF sla N]... [rapid-commit] "
    "[reconfigure-accept] [info-only] [duid-file FILE] | dhcp6 client dev IF off [release] | dhcp6 client show";

static const char *a6(const struct in6_addr *a, char *b)
{
    return inet_ntop(AF_INET6, a, b, INET6_ADDRSTRLEN);
}

static void show_items(struct cmd_ctx *c, const char *key, const struct d6c_item *it, int n, uint64_t now)
{
    char b[INET6_ADDRSTRLEN];
    if (c->json)
        cmd_printf(c->out, ",\"%s\":[", key);
    for (int i = 0; i < n; i++) {
        uint32_t p = d6c_left(&it[i], it[i].preferred, now), v = d6c_left(&it[i], it[i].valid, now);
        if (c->json)
            cmd_printf(c->out, "%s{\"addr\":\"%s\",\"plen\":%u,\"preferred\":%u,\"valid\":%u}", i ? "," : "",
                       a6(&it[i].addr, b), it[i].plen, p, v);
        else
            cmd_printf(c->out, "  %s %s/%u preferred %us valid %us\n", key[0] == 'a' ? "address" : "prefix",
                       a6(&it[i].addr, b), it[i].plen, p, v);
    }
    if (c->json)
        cmd_printf(c->out, "]");
}

static void show_one(struct cmd_ctx *c, const struct d6c_if *ci, bool first, uint64_t now)
{
    char duid[3 * DHCP6_DUID_MAX], b[INET6_ADDRSTRLEN];
    d6c_duid_text(ci->srv_duid, ci->srv_duid_len, duid, sizeof duid);
    uint64_t since = ci->bound_ns && now > ci->bound_ns ? (now - ci->bound_ns) / NS_PER_SEC : 0;
    uint32_t t1 = ci->t1 == UINT32_MAX || ci->t1 < since ? 0 : ci->t1 - (uint32_t)since;
    uint32_t t2 = ci->t2 == UINT32_MAX || ci->t2 < since ? 0 : ci->t2 - (uint32_t)since;
    if (c->json) {
        cmd_printf(c->out, "%s{\"dev\":", first ? "" : ",");
        cmd_json_str(c->out, ci->ifname);
        cmd_printf(c->out, ",\"state\":\"%s\",\"server_duid\":\"%s\",\"t1\":%u,\"t2\":%u,\"t1_left\":%u,\"t2_left\":%u",
                   d6c_state_name(ci->state), duid, ci->t1, ci->t2, t1, t2);
    } else {
        cmd_printf(c->out, "%s: %s%s server %s T1 %us T2 %us (left %us / %us)\n", ci->ifname,
                   d6c_state_name(ci->state), ci->p.info_only ? " (info-only)" : "", *duid ? duid : "-",
                   ci->t1, ci->t2, t1, t2);
    }
    show_items(c, "addresses", ci->na, ci->n_na, now);
    show_items(c, "prefixes", ci->pd, ci->n_pd, now);
    if (c->json)
        cmd_printf(c->out, ",\"dns\":[");
    for (int i = 0; i < ci->n_dns; i++) {
        if (c->json)
            cmd_printf(c->out, "%s\"%s\"", i ? "," : "", a6(&ci->dns[i], b));
        else
            cmd_printf(c->out, "  dns %s\n", a6(&ci->dns[i], b));
    }
    if (c->json)
        cmd_printf(c->out, "],\"domains\":[");
    for (int i = 0; i < ci->n_domains; i++) {
        if (c->json) {
            cmd_printf(c->out, "%s", i ? "," : "");
            cmd_json_str(c->out, ci->domains[i]);
        } else {
            cmd_printf(c->out, "  domain %s\n", ci->domains[i]);
        }
    }
    if (c->json)
        cmd_printf(c->out, "],\"reconfigure_key\":%s,\"downstream\":[", ci->have_rkey ? "true" : "false");
    for (int i = 0; i < ci->p.n_pd_to; i++) {
        const struct d6c_pd_to *d = &ci->pd_to[i];
        if (c->json) {
            cmd_printf(c->out, "%s{\"dev\":", i ? "," : "");
            cmd_json_str(c->out, d->ifname);
            cmd_printf(c->out, ",\"sla\":%u,\"prefix\":\"%s%s\",\"active\":%s}", d->sla,
                       d->active ? a6(&d->cur, b) : "", d->active ? "/64" : "", d->active ? "true" : "false");
        } else {
            cmd_printf(c->out, "  downstream %s sla %u: %s%s\n", d->ifname, d->sla,
                       d->active ? a6(&d->cur, b) : "none", d->active ? "/64" : "");
        }
    }
    if (c->json)
        cmd_printf(c->out, "]}");
}

static int client_show(struct cmd_ctx *c)
{
    struct d6_client *cli = d6c_get(c->st);
    uint64_t now = six_now(c->st);
    bool first = true;
    if (c->json)
        cmd_printf(c->out, "{\"duid\":\"");
    if (cli && cli->duid_len) {
        char duid[3 * DHCP6_DUID_MAX];
        d6c_duid_text(cli->duid, cli->duid_len, duid, sizeof duid);
        cmd_printf(c->out, c->json ? "%s" : "DUID %s\n", duid);
    }
    if (c->json)
        cmd_printf(c->out, "\",\"clients\":[");
    for (int i = 0; cli && i < D6C_MAX_IFS; i++)
        if (cli->ifs[i].in_use) {
            show_one(c, &cli->ifs[i], first, now);
            first = false;
        }
    if (c->json)
        cmd_printf(c->out, "]}\n");
    else if (first)
        cmd_printf(c->out, "no DHCPv6 client\n");
    return 0;
}

static int parse_start(struct cmd_ctx *c, const char *dev, int argc, char **argv)
{
    struct d6c_params p = { 0 };
    unsigned long v;
    for (int i = 0; i < argc; i++) {
        const char *w = argv[i];
        if (!strcmp(w, "ia-na")) {
            p.ia_na = true;
        } else if (!strcmp(w, "ia-pd")) {
            p.ia_pd = true;
            if (i + 1 < argc && !strcmp(argv[i + 1], "hint")) {
                if (i + 2 >= argc || argv[i + 2][0] != '/' || !cmd_parse_ulong(argv[i + 2] + 1, 1, 128, &v))
                    return cmd_usage(c, "dhcp6 client: hint /N with N in 1..128");
                p.pd_hint = (uint8_t)v;
                i += 2;
            }
        } else if (!strcmp(w, "pd-to")) {
            if (i + 3 >= argc || strcmp(argv[i + 2], "sla") || !cmd_parse_ulong(argv[i + 3], 0, UINT32_MAX, &v))
                return cmd_usage(c, "dhcp6 client: pd-to IF sla N");
            if (p.n_pd_to >= D6C_MAX_PD_TO)
                return cmd_usage(c, "dhcp6 client: at most %d pd-to", D6C_MAX_PD_TO);
            if (strlen(argv[i + 1]) >= IFNAMSIZ)
                return cmd_usage(c, "dhcp6 client: interface name too long");
            snprintf(p.pd_to[p.n_pd_to].ifname, IFNAMSIZ, "%s", argv[i + 1]);
            p.pd_to[p.n_pd_to++].sla = (uint32_t)v;
            i += 3;
        } else if (!strcmp(w, "rapid-commit")) {
            p.rapid_commit = true;
        } else if (!strcmp(w, "reconfigure-accept")) {
            p.reconf_accept = true;
        } else if (!strcmp(w, "info-only")) {
            p.info_only = true;
        } else if (!strcmp(w, "duid-file") && i + 1 < argc) {
            if (strlen(argv[i + 1]) >= sizeof p.duid_file)
                return cmd_usage(c, "dhcp6 client: duid-file name too long");
            snprintf(p.duid_file, sizeof p.duid_file, "%s", argv[++i]);
        } else {
            return cmd_usage(c, "dhcp6 client: unexpected '%s'; %s", w, usage);
        }
    }
    if (p.info_only && (p.ia_na || p.ia_pd))
        return cmd_usage(c, "dhcp6 client: info-only asks for no address or prefix");
    if (!p.info_only && !p.ia_na && !p.ia_pd)
        p.ia_na = true;
    for (int i = 0; i < p.n_pd_to; i++)
        for (int j = 0; j < i; j++)
            if (p.pd_to[i].sla == p.pd_to[j].sla || !strcmp(p.pd_to[i].ifname, p.pd_to[j].ifname))
                return cmd_usage(c, "dhcp6 client: each pd-to needs its own interface and SLA ID");
    char why[256] = "";
    if (d6c_start(c->st, dev, &p, why, sizeof why) < 0)
        return cmd_fail(c, "dhcp6 client: %s", why);
    return 0;
}

int cmd_dhcp6_client(struct cmd_ctx *c, int argc, char **argv)
{
    if (argc == 1 || (argc == 2 && !strcmp(argv[1], "show")))
        return client_show(c);
    if (argc < 3 || strcmp(argv[1], "dev"))
        return cmd_usage(c, usage);
    const char *dev = argv[2];
    if (argc >= 4 && !strcmp(argv[3], "off")) {
        bool release = argc == 5 && !strcmp(argv[4], "release");
        if (argc > 5 || (argc == 5 && !release))
            return cmd_usage(c, usage);
        if (d6c_stop(c->st, dev, release) < 0)
            return cmd_fail(c, "dhcp6 client: no client on %s", dev);
        return 0;
    }
    return parse_start(c, dev, argc - 3, argv + 3);
}
