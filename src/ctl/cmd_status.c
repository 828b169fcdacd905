/* version and status: what an operator checks first. `version` prints the
 * daemon's build (sixctl adds its own); `status` is one screen: uptime,
 * interfaces with their addresses, tunnels, SAs, route counts and leases
 * (sixstack has no DHCP: its only leases are SLAAC addresses, with the
 * lifetimes the router gave). -j for JSON. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include "ctl/cmd.h"
#include "ctl/cmd_status.h"
#include "six/six.h"
#include "net/stack.h"
#include "net/ip6_var.h"
#include "net/ip4_var.h"
#include "net/gif.h"
#include "ipsec/ipsec.h"
#include "wire/ip6.h"

int cmd_version(struct cmd_ctx *c, int argc, char **argv)
{
    const char *client = NULL;
    if (argc == 3 && !strcmp(argv[1], "client"))
        client = argv[2];
    else if (argc != 1)
        return cmd_usage(c, "usage: version");
    if (c->json) {
        cmd_printf(c->out, "{");
        if (client) {
            cmd_printf(c->out, "\"client\":");
            cmd_json_str(c->out, client);
            cmd_printf(c->out, ",");
        }
        cmd_printf(c->out, "\"daemon\":");
        cmd_json_str(c->out, six_version());
        cmd_printf(c->out, "}\n");
        return 0;
    }
    if (client)
        cmd_printf(c->out, "sixctl %s\n", client);
    cmd_printf(c->out, "sixd %s\n", six_version());
    return 0;
}

static const char *state_of(const struct ifnet *ifp)
{
    return !(ifp->flags & IFF6_UP) ? "DOWN" : (ifp->flags & IFF6_RUNNING) ? "UP" : "NO-CARRIER";
}

static void duration(struct cmd_out *o, uint64_t s)
{
    if (s >= 86400)
        cmd_printf(o, "%" PRIu64 "d ", s / 86400);
    cmd_printf(o, "%02" PRIu64 ":%02" PRIu64 ":%02" PRIu64, s / 3600 % 24, s / 60 % 60, s % 60);
}

/* ------------------------------------------------------------ per part */

struct st_walk { struct cmd_ctx *c; struct ifnet *ifp; bool first; unsigned n; };

static void sep(struct st_walk *w)
{
    if (w->c->json && !w->first)
        cmd_printf(w->c->out, ",");
    w->first = false;
}

static int addr4_cb(void *ctx, struct ifnet *ifp, struct in_addr a, unsigned plen)
{
    struct st_walk *w = ctx;
    char b[INET_ADDRSTRLEN];
    if (ifp != w->ifp)
        return 0;
    sep(w);
    inet_ntop(AF_INET, &a, b, sizeof b);
    cmd_printf(w->c->out, w->c->json ? "\"%s/%u\"" : " %s/%u", b, plen);
    return 0;
}

static void if_addrs(struct cmd_ctx *c, struct ifnet *ifp)
{
    struct st_walk w = { c, ifp, true, 0 };
    for (int k = 0; ifp->in6 && k < IN6_MAX_ADDRS_PER_IF; k++) {
        const struct in6_ifaddr *ia = &ifp->in6->addrs[k];
        char b[INET6_ADDRSTRLEN];
        if (!ia->in_use || in6_is_linklocal(&ia->addr))
            continue;
        sep(&w);
        inet_ntop(AF_INET6, &ia->addr, b, sizeof b);
        cmd_printf(c->out, c->json ? "\"%s/%u\"" : " %s/%u", b, ia->plen);
    }
    in4_addr_walk(c->st, addr4_cb, &w);
}

static void interfaces(struct cmd_ctx *c)
{
    bool first = true;
    cmd_printf(c->out, c->json ? ",\"interfaces\":[" : "interfaces:\n");
    for (unsigned i = 0; i < SIX_MAX_IFS; i++) {
        struct ifnet *ifp = c->st->ifs[i];
        if (!ifp)
            continue;
        const char *kind = ifp->ops && ifp->ops->kind ? ifp->ops->kind : "?";
        if (c->json) {
            cmd_printf(c->out, "%s{\"ifname\":", first ? "" : ",");
            cmd_json_str(c->out, ifp->name);
            cmd_printf(c->out, ",\"kind\":\"%s\",\"state\":\"%s\",\"mtu\":%u,\"rx_packets\":%llu,\"tx_packets\":%llu,"
                       "\"addresses\":[", kind, state_of(ifp), ifp->mtu, (unsigned long long)ifp->stats.ipackets,
                       (unsigned long long)ifp->stats.opackets);
            if_addrs(c, ifp);
            cmd_printf(c->out, "]}");
        } else {
            cmd_printf(c->out, "  %-10s %-4s %-10s mtu %-5u rx %llu tx %llu packets\n   ", ifp->name, kind,
                       state_of(ifp), ifp->mtu, (unsigned long long)ifp->stats.ipackets,
                       (unsigned long long)ifp->stats.opackets);
            size_t before = c->out->len;
            if_addrs(c, ifp);
            cmd_printf(c->out, "%s\n", c->out->len == before ? " (no address)" : "");
        }
        first = false;
    }
    if (c->json)
        cmd_printf(c->out, "]");
}

static void tunnels(struct cmd_ctx *c)
{
    bool first = true;
    cmd_printf(c->out, c->json ? ",\"tunnels\":[" : "tunnels:");
    for (unsigned i = 0; i < SIX_MAX_IFS; i++) {
        struct ifnet *ifp = c->st->ifs[i];
        char d[256];
        if (!ifp || !gif_describe(ifp, d, sizeof d))
            continue;
        if (c->json) {
            cmd_printf(c->out, "%s{\"ifname\":", first ? "" : ",");
            cmd_json_str(c->out, ifp->name);
            cmd_printf(c->out, ",\"state\":\"%s\",\"describe\":", state_of(ifp));
            cmd_json_str(c->out, d);
            cmd_printf(c->out, "}");
        } else {
            cmd_printf(c->out, "\n  %-10s %-10s %s", ifp->name, state_of(ifp), d);
        }
        first = false;
    }
    cmd_printf(c->out, c->json ? "]" : first ? " none\n" : "\n");
}

static const char *addr_str(const struct in6_addr *a, char *b, size_t n)
{
    if (in6_is_v4mapped(a))
        return inet_ntop(AF_INET, &a->s6_addr[12], b, (socklen_t)n);
    return inet_ntop(AF_INET6, a, b, (socklen_t)n);
}

static void sa_cb(void *ctx, const struct ipsec_sa *sa)
{
    struct st_walk *w = ctx;
    struct cmd_out *o = w->c->out;
    char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN];
    const char *proto = sa->proto == IPSEC_PROTO_AH ? "ah" : sa->natt ? "esp-udp" : "esp";
    addr_str(&sa->src, s, sizeof s);
    addr_str(&sa->dst, d, sizeof d);
    if (w->c->json) {
        sep(w);
        cmd_printf(o, "{\"spi\":%u,\"proto\":\"%s\",\"src\":\"%s\",\"dst\":\"%s\",\"mode\":\"%s\",\"state\":\"%s\","
                   "\"packets\":%llu,\"bytes\":%llu}", sa->spi, proto, s, d, ipsec_mode_name(sa->mode),
                   ipsec_sa_state_name(sa->state), (unsigned long long)sa->cur_packets,
                   (unsigned long long)sa->cur_bytes);
    } else {
        cmd_printf(o, "  %-7s 0x%08x %s -> %s %s %s, %llu packets\n", proto, sa->spi, s, d,
                   ipsec_mode_name(sa->mode), ipsec_sa_state_name(sa->state), (unsigned long long)sa->cur_packets);
    }
    w->n++;
}

static void sas(struct cmd_ctx *c)
{
    struct st_walk w = { c, NULL, true, 0 };
    unsigned nsa = ipsec_sa_count(c->st), nsp = ipsec_sp_count(c->st);
    if (c->json) {
        cmd_printf(c->out, ",\"policies\":%u,\"sas\":[", nsp);
        ipsec_sa_foreach(c->st, sa_cb, &w);
        cmd_printf(c->out, "]");
        return;
    }
    cmd_printf(c->out, "ipsec: %u SA%s, %u polic%s\n", nsa, nsa == 1 ? "" : "s", nsp, nsp == 1 ? "y" : "ies");
    ipsec_sa_foreach(c->st, sa_cb, &w);
}

static int r6_count(void *ctx, const struct route6 *r)
{
    ((unsigned *)ctx)[(r->flags & RT6_STATIC) ? 1 : 0]++;
    return 0;
}

static int r4_count(void *ctx, struct in_addr p, unsigned l, const struct in_addr *g, struct ifnet *i, uint32_t f)
{
    ((unsigned *)ctx)[(f & RT4_STATIC) ? 1 : 0]++;
    return 0;
}

static void routes(struct cmd_ctx *c)
{
    unsigned n6[2] = { 0, 0 }, n4[2] = { 0, 0 };
    route6_walk(c->st, r6_count, n6);
    route4_walk(c->st, r4_count, n4);
    if (c->json)
        cmd_printf(c->out, ",\"routes\":{\"ipv6\":%u,\"ipv6_static\":%u,\"ipv4\":%u,\"ipv4_static\":%u}",
                   n6[0] + n6[1], n6[1], n4[0] + n4[1], n4[1]);
    else
        cmd_printf(c->out, "routes: %u IPv6 (%u static), %u IPv4 (%u static)\n", n6[0] + n6[1], n6[1],
                   n4[0] + n4[1], n4[1]);
}

static uint64_t left_s(uint64_t until, uint64_t now)
{
    return until == UINT64_MAX ? UINT64_MAX : until > now ? (until - now) / NS_PER_SEC : 0;
}

/* SLAAC addresses: the lifetimes a router leased them for. */
static void leases(struct cmd_ctx *c)
{
    uint64_t now = six_now(c->st);
    bool first = true;
    cmd_printf(c->out, c->json ? ",\"leases\":[" : "leases:");
    for (unsigned i = 0; i < SIX_MAX_IFS; i++) {
        struct ifnet *ifp = c->st->ifs[i];
        for (int k = 0; ifp && ifp->in6 && k < IN6_MAX_ADDRS_PER_IF; k++) {
            const struct in6_ifaddr *ia = &ifp->in6->addrs[k];
            char b[INET6_ADDRSTRLEN];
            if (!ia->in_use || !(ia->flags & IN6_IFF_AUTOCONF))
                continue;
            inet_ntop(AF_INET6, &ia->addr, b, sizeof b);
            uint64_t v = left_s(ia->valid_until, now), p = left_s(ia->preferred_until, now);
            if (c->json) {
                cmd_printf(c->out, "%s{\"ifname\":", first ? "" : ",");
                cmd_json_str(c->out, ifp->name);
                cmd_printf(c->out, ",\"address\":\"%s/%u\",\"source\":\"slaac\",\"valid_s\":%lld,\"preferred_s\":%lld}",
                           b, ia->plen, v == UINT64_MAX ? -1LL : (long long)v, p == UINT64_MAX ? -1LL : (long long)p);
            } else {
                cmd_printf(c->out, "\n  %-10s %s/%u slaac", ifp->name, b, ia->plen);
                if (v == UINT64_MAX)
                    cmd_printf(c->out, " valid forever");
                else
                    cmd_printf(c->out, " valid %llus preferred %llus", (unsigned long long)v,
                               (unsigned long long)(p == UINT64_MAX ? v : p));
            }
            first = false;
        }
    }
    if (c->json)
        cmd_printf(c->out, "]");
    else
        cmd_printf(c->out, first ? " none (no DHCP client; no SLAAC address)\n" : "\n");
}

int cmd_status(struct cmd_ctx *c, int argc, char **argv)
{
    if (argc != 1)
        return cmd_usage(c, "usage: status");
    struct six_stack *st = c->st;
    uint64_t up = (six_now(st) - st->created_ns) / NS_PER_SEC;
    if (c->json) {
        cmd_printf(c->out, "{\"version\":");
        cmd_json_str(c->out, six_version());
        cmd_printf(c->out, ",\"name\":");
        cmd_json_str(c->out, st->name);
        cmd_printf(c->out, ",\"uptime_s\":%llu,\"forwarding\":{\"ipv6\":%s,\"ipv4\":%s}", (unsigned long long)up,
                   st->fwd6 ? "true" : "false", st->fwd4 ? "true" : "false");
    } else {
        cmd_printf(c->out, "sixd %s, stack %s, up ", six_version(), st->name);
        duration(c->out, up);
        cmd_printf(c->out, "\nforwarding: IPv6 %s, IPv4 %s\n", st->fwd6 ? "on" : "off", st->fwd4 ? "on" : "off");
    }
    interfaces(c);
    tunnels(c);
    sas(c);
    routes(c);
    leases(c);
    if (c->json)
        cmd_printf(c->out, "}\n");
    return 0;
}
