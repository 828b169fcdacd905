/* config show: the running configuration as a file sixd -c accepts (and
 * `sixctl -f` replays): links with their type-specific arguments, static
 * addresses, static routes, settings, IPsec as `ipsec exec` lines. What the
 * stack learnt by itself is left out -- SLAAC and link-local addresses,
 * connected and RA routes, a host link's mirrored IPv4 addresses, RDNSS
 * servers -- since a fresh sixd learns it again.
 *
 * Order, so that each line finds what it needs: every link, the SAs and
 * policies (a gif binds SAs), then per link its settings and `up`,
 * addresses, routes (gateways are on-link by then), stack settings, DNS,
 * the hometun roles, and last sixd's metrics endpoint (a client announces itself once its tunnel
 * is complete, as in examples/hometun). Not written (named in a comment at
 * the end): router advertisements (`ra`), the addrsel table, in-stack
 * servers (serve, socks5) and captures. */
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include "ctl/cmd.h"
#include "ctl/cmd_config.h"
#include "link/tap.h"
#include "six/six.h"
#include "net/stack.h"
#include "net/ip6_var.h"
#include "net/ip4_var.h"
#include "net/gif.h"
#include "net/gif_config.h"
#include "link/hostip.h"
#include "ipsec/ipsec_export.h"
#include "transport/resolver.h"
#include "wire/ip6.h"

#define DEFAULT_LINK_MTU 1500u   /* tap_create / tun_create */

static const char *kind_of(const struct ifnet *ifp)
{
    return ifp->ops && ifp->ops->kind ? ifp->ops->kind : "";
}

/* Links that a command made: the loopback and simulator ports are not. */
static bool configurable(const struct ifnet *ifp)
{
    const char *k = kind_of(ifp);
    return !strcmp(k, "tap") || !strcmp(k, "tun") || !strcmp(k, "gif") || !strcmp(k, "host");
}

static void links_add(struct cmd_ctx *c)
{
    for (unsigned i = 0; i < SIX_MAX_IFS; i++) {
        struct ifnet *ifp = c->st->ifs[i];
        char w[256] = "";
        if (!ifp || !configurable(ifp))
            continue;
        if (gif_is(ifp))
            gif_config_add_words(ifp, w, sizeof w);
        else if (hostip_is(ifp))
            hostip_describe(ifp, w, sizeof w);
        else if (tuntap_is_persistent(ifp))
            snprintf(w, sizeof w, "persist");
        cmd_printf(c->out, "link add %s type %s%s%s\n", ifp->name, kind_of(ifp), *w ? " " : "", w);
    }
}

static void ipsec_line(void *ctx, const char *line)
{
    cmd_printf(ctx, "ipsec exec %s\n", line);
}

static void link_settings(struct cmd_ctx *c, struct ifnet *ifp)
{
    char w[256] = "";
    if (gif_is(ifp))
        gif_config_set_words(ifp, w, sizeof w);
    else if (!hostip_is(ifp) && ifp->mtu != DEFAULT_LINK_MTU)
        snprintf(w, sizeof w, " mtu %u", ifp->mtu);
    if (ifp->flags & IFF6_UP)
        snprintf(w + strlen(w), sizeof w - strlen(w), " up");
    if (*w)
        cmd_printf(c->out, "link set %s%s\n", ifp->name, w);
    if (ifp->in6 && ifp->in6->addrgen == ADDRGEN_EUI64)
        cmd_printf(c->out, "set addrgen eui64 dev %s\n", ifp->name);
    if (ifp->in6 && !ifp->in6->accept_ra)
        cmd_printf(c->out, "set accept_ra off dev %s\n", ifp->name);
}

static void addrs6(struct cmd_ctx *c, struct ifnet *ifp)
{
    if (!ifp->in6)
        return;
    for (int k = 0; k < IN6_MAX_ADDRS_PER_IF; k++) {
        const struct in6_ifaddr *ia = &ifp->in6->addrs[k];
        char b[INET6_ADDRSTRLEN];
        if (!ia->in_use || (ia->flags & (IN6_IFF_AUTOCONF | IN6_IFF_LINKLOCAL)) || in6_is_linklocal(&ia->addr))
            continue;
        cmd_printf(c->out, "addr add %s/%u dev %s\n", inet_ntop(AF_INET6, &ia->addr, b, sizeof b), ia->plen,
                   ifp->name);
    }
}

static int addr4_cb(void *ctx, struct ifnet *ifp, struct in_addr a, unsigned plen)
{
    struct cmd_ctx *c = ctx;
    char b[INET_ADDRSTRLEN];
    if (configurable(ifp) && !hostip_is(ifp))   /* a host link mirrors the host's */
        cmd_printf(c->out, "addr add %s/%u dev %s\n", inet_ntop(AF_INET, &a, b, sizeof b), plen, ifp->name);
    return 0;
}

static int route6_cb(void *ctx, const struct route6 *r)
{
    struct cmd_ctx *c = ctx;
    char p[INET6_ADDRSTRLEN], g[INET6_ADDRSTRLEN];
    if (!(r->flags & RT6_STATIC) || (r->flags & (RT6_CONNECTED | RT6_RA)))
        return 0;
    bool via = !IN6_IS_ADDR_UNSPECIFIED(&r->gw);
    if (r->plen == 0)
        cmd_printf(c->out, "route add %s", via ? "default" : "default6");
    else
        cmd_printf(c->out, "route add %s/%u", inet_ntop(AF_INET6, &r->prefix, p, sizeof p), r->plen);
    if (via)
        cmd_printf(c->out, " via %s", inet_ntop(AF_INET6, &r->gw, g, sizeof g));
    if (r->ifp)
        cmd_printf(c->out, " dev %s", r->ifp->name);
    cmd_printf(c->out, "\n");
    return 0;
}

static int route4_cb(void *ctx, struct in_addr prefix, unsigned plen, const struct in_addr *gw, struct ifnet *ifp,
                     uint32_t flags)
{
    struct cmd_ctx *c = ctx;
    char p[INET_ADDRSTRLEN], g[INET_ADDRSTRLEN];
    if (!(flags & RT4_STATIC) || (flags & RT4_CONNECTED))
        return 0;
    if (plen == 0)
        cmd_printf(c->out, "route add default4");
    else
        cmd_printf(c->out, "route add %s/%u", inet_ntop(AF_INET, &prefix, p, sizeof p), plen);
    if (gw)
        cmd_printf(c->out, " via %s", inet_ntop(AF_INET, gw, g, sizeof g));
    if (ifp)
        cmd_printf(c->out, " dev %s", ifp->name);
    cmd_printf(c->out, "\n");
    return 0;
}

static void dns_servers(struct cmd_ctx *c)
{
    struct resolver_server_info s[RES_MAX_SERVERS];
    int n = resolver_configured(c->st, s, RES_MAX_SERVERS);
    for (int i = 0; i < n; i++) {
        char b[INET6_ADDRSTRLEN];
        if (in6_is_v4mapped(&s[i].addr))
            inet_ntop(AF_INET, &s[i].addr.s6_addr[12], b, sizeof b);
        else
            inet_ntop(AF_INET6, &s[i].addr, b, sizeof b);
        cmd_printf(c->out, "dns server add %s", b);
        if (s[i].port != 53)
            cmd_printf(c->out, " port %u", s[i].port);
        cmd_printf(c->out, "\n");
    }
}

static int config_show(struct cmd_ctx *c)
{
    struct six_stack *st = c->st;
    cmd_printf(c->out, "# running configuration of stack %s (sixstack %s): sixctl config show\n", st->name,
               six_version());
    links_add(c);
    ipsec_export_setkey(st, ipsec_line, c->out);
    for (unsigned i = 0; i < SIX_MAX_IFS; i++)
        if (st->ifs[i] && configurable(st->ifs[i]))
            link_settings(c, st->ifs[i]);
    for (unsigned i = 0; i < SIX_MAX_IFS; i++)
        if (st->ifs[i] && configurable(st->ifs[i]))
            addrs6(c, st->ifs[i]);
    in4_addr_walk(st, addr4_cb, c);
    route6_walk(st, route6_cb, c);
    route4_walk(st, route4_cb, c);
    if (st->fwd6)
        cmd_printf(c->out, "set forwarding on -6\n");
    if (st->fwd4)
        cmd_printf(c->out, "set forwarding on -4\n");
    dns_servers(c);
    for (unsigned i = 0; i < SIX_MAX_IFS; i++) {
        int role = st->ifs[i] ? gif_config_role(st->ifs[i]) : -1;
        if (role > 0)
            cmd_printf(c->out, "link set %s hometun %s\n", st->ifs[i]->name, gif_role_name((enum gif_role)role));
    }
    char maddr[80] = "";
    if (c->host && c->host->metrics_addr)
        c->host->metrics_addr(c->host->arg, maddr, sizeof maddr);
    if (maddr[0])
        cmd_printf(c->out, "metrics listen %s\n", maddr);
    cmd_printf(c->out, "# not written: ra, addrsel, serve, socks5, capture\n");
    return 0;
}

int cmd_config(struct cmd_ctx *c, int argc, char **argv)
{
    if (argc == 2 && !strcmp(argv[1], "show")) {
        if (c->json)
            return cmd_usage(c, "config show: a configuration file is text (no -j)");
        return config_show(c);
    }
    return cmd_usage(c, "usage: config show");
}
