/* `sixctl dhcp6 relay ...` (man/sixctl.8, "DHCPv6"):
 *   dhcp6 relay dev IF server ADDR [server ADDR]... [upstream IF] [interface-id on|off]
 *   dhcp6 relay dev IF upstream IF [interface-id on|off]    (no server: ff05::1:3)
 *   dhcp6 relay dev IF off
 *   dhcp6 relay [show]                                       (-j: counters per interface) */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include "ctl/cmd_dhcp6.h"
#include "dhcp6/relay.h"
#include "link/ifnet.h"
#include "net/stack.h"
#include "wire/ip6.h"

/* ADDR or ADDR%IF (a link-local server on IF). */
static int parse_server(struct cmd_ctx *c, const char *s, struct d6r_cfg *cfg)
{
    char buf[INET6_ADDRSTRLEN + IFNAMSIZ + 2];
    if (cfg->n_server >= D6R_MAX_SERVERS)
        return cmd_usage(c, "dhcp6 relay: at most %d server addresses", D6R_MAX_SERVERS);
    if (strlen(s) >= sizeof buf)
        return cmd_usage(c, "dhcp6 relay: bad server address '%s'", s);
    snprintf(buf, sizeof buf, "%s", s);
    char *zone = strchr(buf, '%');
    if (zone)
        *zone++ = '\0';
    struct in6_addr a;
    if (inet_pton(AF_INET6, buf, &a) != 1 || in6_is_v4mapped(&a) || in6_is_unspecified(&a) ||
        in6_is_loopback(&a))
        return cmd_usage(c, "dhcp6 relay: bad server address '%s' (an IPv6 address)", s);
    unsigned scope = 0;
    if (zone) {
        struct ifnet *ifp = if_find(c->st, zone);
        if (!ifp)
            return cmd_fail(c, "dhcp6 relay: no interface %s (in %s)", zone, s);
        scope = ifp->index;
    }
    cfg->server[cfg->n_server] = a;
    cfg->server_scope[cfg->n_server++] = scope;
    return 0;
}

static int parse_on_off(struct cmd_ctx *c, const char *w, const char *v, bool *out)
{
    if (v && !strcmp(v, "on"))
        *out = true;
    else if (v && !strcmp(v, "off"))
        *out = false;
    else
        return cmd_usage(c, "dhcp6 relay: %s on|off", w);
    return 0;
}

static int relay_set(struct cmd_ctx *c, const char *dev, int argc, char **argv)
{
    struct d6r_cfg cfg = { .interface_id = true };
    int rc;
    for (int i = 0; i < argc; i++) {
        const char *w = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v)
            return cmd_usage(c, "dhcp6 relay: '%s' needs a value", w);
        if (!strcmp(w, "server")) {
            if ((rc = parse_server(c, v, &cfg)))
                return rc;
        } else if (!strcmp(w, "upstream")) {
            if (strlen(v) >= sizeof cfg.upstream)
                return cmd_usage(c, "dhcp6 relay: bad interface name '%s'", v);
            snprintf(cfg.upstream, sizeof cfg.upstream, "%s", v);
        } else if (!strcmp(w, "interface-id")) {
            if ((rc = parse_on_off(c, w, v, &cfg.interface_id)))
                return rc;
        } else {
            return cmd_usage(c, "dhcp6 relay: unknown word '%s' (server, upstream, interface-id)", w);
        }
        i++;
    }
    for (int i = 0; i < cfg.n_server; i++)
        if (in6_is_linklocal(&cfg.server[i]) && !cfg.server_scope[i] && !cfg.upstream[0])
            return cmd_usage(c, "dhcp6 relay: link-local server address needs %%IF or upstream IF");
    char why[160] = "";
    if ((rc = d6_relay_set(c->st, dev, &cfg, why, sizeof why)))
        return cmd_fail(c, "dhcp6 relay: %s", why[0] ? why : strerror(-rc));
    return 0;
}

static void show_text(struct cmd_ctx *c, const struct d6r_if_info *in)
{
    char a[INET6_ADDRSTRLEN];
    inet_ntop(AF_INET6, &in->link_addr, a, sizeof a);
    cmd_printf(c->out, "%s: link-address %s servers", in->name, a);
    if (!in->cfg.n_server)
        cmd_printf(c->out, " ff05::1:3");
    for (int i = 0; i < in->cfg.n_server; i++) {
        inet_ntop(AF_INET6, &in->cfg.server[i], a, sizeof a);
        cmd_printf(c->out, " %s", a);
    }
    cmd_printf(c->out, " upstream %s interface-id %s\n", in->cfg.upstream[0] ? in->cfg.upstream : "-",
               in->cfg.interface_id ? "on" : "off");
    const struct d6r_if_stats *s = &in->stats;
    cmd_printf(c->out, "  from clients %llu from relays %llu to clients %llu to relays %llu dropped %llu\n",
               (unsigned long long)s->from_clients, (unsigned long long)s->from_relays,
               (unsigned long long)s->to_clients, (unsigned long long)s->to_relays, (unsigned long long)s->dropped);
}

static void show_json(struct cmd_ctx *c, const struct d6r_if_info *in, bool first)
{
    char a[INET6_ADDRSTRLEN];
    inet_ntop(AF_INET6, &in->link_addr, a, sizeof a);
    cmd_printf(c->out, "%s{\"dev\":", first ? "" : ",");
    cmd_json_str(c->out, in->name);
    cmd_printf(c->out, ",\"link_address\":\"%s\",\"servers\":[", a);
    for (int i = 0; i < in->cfg.n_server; i++) {
        inet_ntop(AF_INET6, &in->cfg.server[i], a, sizeof a);
        cmd_printf(c->out, "%s\"%s\"", i ? "," : "", a);
    }
    cmd_printf(c->out, "],\"multicast\":%s,\"upstream\":", in->cfg.n_server ? "false" : "true");
    if (in->cfg.upstream[0])
        cmd_json_str(c->out, in->cfg.upstream);
    else
        cmd_printf(c->out, "null");
    const struct d6r_if_stats *s = &in->stats;
    cmd_printf(c->out, ",\"interface_id\":%s,\"counters\":{\"from_clients\":%llu,\"from_relays\":%llu,"
               "\"to_clients\":%llu,\"to_relays\":%llu,\"dropped\":%llu}}",
               in->cfg.interface_id ? "true" : "false", (unsigned long long)s->from_clients,
               (unsigned long long)s->from_relays, (unsigned long long)s->to_clients,
               (unsigned long long)s->to_relays, (unsigned long long)s->dropped);
}

static int relay_show(struct cmd_ctx *c)
{
    struct d6r_if_info in;
    int i = 0;
    if (c->json)
        cmd_printf(c->out, "[");
    for (; d6_relay_info(c->st, i, &in); i++) {
        if (c->json)
            show_json(c, &in, i == 0);
        else
            show_text(c, &in);
    }
    if (c->json)
        cmd_printf(c->out, "]\n");
    else if (!i)
        cmd_printf(c->out, "no relay interface\n");
    return 0;
}

int cmd_dhcp6_relay(struct cmd_ctx *c, int argc, char **argv)
{
    if (argc == 1 || (argc == 2 && !strcmp(argv[1], "show")))
        return relay_show(c);
    if (argc < 3 || strcmp(argv[1], "dev"))
        return cmd_usage(c, "usage: dhcp6 relay dev IF server ADDR [server ADDR]... [upstream IF] "
                            "[interface-id on|off] | dhcp6 relay dev IF off | dhcp6 relay show");
    const char *dev = argv[2];
    if (argc == 4 && !strcmp(argv[3], "off")) {
        if (d6_relay_off(c->st, dev))
            return cmd_fail(c, "dhcp6 relay: no relay on %s", dev);
        return 0;
    }
    if (argc == 3)
        return cmd_usage(c, "dhcp6 relay: dev %s needs server ADDR, upstream IF or off", dev);
    return relay_set(c, dev, argc - 3, argv + 3);
}
