/* Network-layer verbs of the command language: addr, route, neigh, ping, ra,
 * set. Each parses all of its arguments before it changes anything. */
#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include "ctl/cmd.h"
#include "ctl/cmd_net.h"
#include "ctl/cmd_apps.h"
#include "ctl/cmd_dns.h"
#include "ctl/cmd_ipcfg.h"
#include "net/stack.h"
#include "net/ip6_var.h"
#include "net/ip4_var.h"
#include "net/ping.h"
#include "transport/resolver.h"
#include "six/resolver.h"

/* An address with an optional /len and, for IPv6, an optional %ifname scope. */
struct cmd_addr {
    int family;
    struct in6_addr a6;
    struct in_addr a4;
    int plen;                 /* -1 when absent */
    struct ifnet *scope;
};

static bool parse_addr(struct cmd_ctx *c, const char *s, struct cmd_addr *out, bool allow_plen)
{
    char buf[INET6_ADDRSTRLEN + 24];
    char *slash, *pct;
    unsigned long plen;

    memset(out, 0, sizeof *out);
    out->plen = -1;
    if (strlen(s) >= sizeof buf)
        return false;
    strcpy(buf, s);
    if ((slash = strchr(buf, '/'))) {
        *slash++ = '\0';
        if (!allow_plen || !cmd_parse_ulong(slash, 0, 128, &plen))
            return false;
        out->plen = (int)plen;
    }
    if ((pct = strchr(buf, '%'))) {
        *pct++ = '\0';
        if (!(out->scope = if_find(c->st, pct)))
            return false;
    }
    if (inet_pton(AF_INET6, buf, &out->a6) == 1) {
        out->family = AF_INET6;
        return true;
    }
    if (!pct && inet_pton(AF_INET, buf, &out->a4) == 1 && out->plen <= 32) {
        out->family = AF_INET;
        return true;
    }
    return false;
}

static const char *ntop6(const struct in6_addr *a, char *b)
{
    return inet_ntop(AF_INET6, a, b, INET6_ADDRSTRLEN);
}

static const char *ntop4(struct in_addr a, char *b)
{
    return inet_ntop(AF_INET, &a, b, INET_ADDRSTRLEN);
}

static const char *errstr(int rc)
{
    return strerror(rc < 0 ? -rc : rc);
}

/* ---------------------------------------------------------------- addr */

static const char *ia_flags(const struct in6_ifaddr *ia, char *b, size_t n)
{
    snprintf(b, n, "%s%s%s%s%s", in6_is_linklocal(&ia->addr) ? "scope link" : "scope global",
             ia->flags & IN6_IFF_TENTATIVE ? " tentative" : "", ia->flags & IN6_IFF_DUPLICATED ? " dadfailed" : "",
             ia->flags & IN6_IFF_DEPRECATED ? " deprecated" : "", ia->flags & IN6_IFF_AUTOCONF ? " dynamic" : "");
    return b;
}

struct addr_show { struct cmd_ctx *c; struct ifnet *only; bool first; };

static void addr_emit(struct addr_show *s, struct ifnet *ifp, const char *fam, const char *addr, unsigned plen,
                      const char *flags)
{
    struct cmd_out *o = s->c->out;

    if (!s->c->json) {
        cmd_printf(o, "%s %s %s/%u %s\n", ifp->name, fam, addr, plen, flags);
        return;
    }
    cmd_printf(o, "%s{\"ifname\":", s->first ? "" : ",");
    cmd_json_str(o, ifp->name);
    cmd_printf(o, ",\"family\":\"%s\",\"local\":\"%s\",\"prefixlen\":%u,\"flags\":", fam, addr, plen);
    cmd_json_str(o, flags);
    cmd_printf(o, "}");
    s->first = false;
}

static int addr4_show_cb(void *ctx, struct ifnet *ifp, struct in_addr a, unsigned plen)
{
    struct addr_show *s = ctx;
    char b[INET_ADDRSTRLEN];

    if (!s->only || s->only == ifp)
        addr_emit(s, ifp, "inet", ntop4(a, b), plen, "scope global");
    return 0;
}

static int addr_show(struct cmd_ctx *c, int argc, char **argv)
{
    struct addr_show s = { .c = c, .first = true };

    if (argc == 2 && !strcmp(argv[0], "dev")) {
        if (!(s.only = if_find(c->st, argv[1])))
            return cmd_fail(c, "no interface '%s'", argv[1]);
    } else if (argc) {
        return cmd_usage(c, "usage: addr show [dev IF]");
    }
    if (c->json)
        cmd_printf(c->out, "[");
    for (unsigned i = 0; i < SIX_MAX_IFS; i++) {
        struct ifnet *ifp = c->st->ifs[i];
        if (!ifp || !ifp->in6 || (s.only && s.only != ifp))
            continue;
        for (int k = 0; k < IN6_MAX_ADDRS_PER_IF; k++) {
            const struct in6_ifaddr *ia = &ifp->in6->addrs[k];
            char b[INET6_ADDRSTRLEN], f[80];
            if (ia->in_use)
                addr_emit(&s, ifp, "inet6", ntop6(&ia->addr, b), ia->plen, ia_flags(ia, f, sizeof f));
        }
    }
    in4_addr_walk(c->st, addr4_show_cb, &s);
    if (c->json)
        cmd_printf(c->out, "]\n");
    return 0;
}

static int cmd_addr_change(struct cmd_ctx *c, bool add, int argc, char **argv)
{
    struct cmd_addr a;
    struct ifnet *ifp;
    int rc;

    if (argc != 3 || strcmp(argv[1], "dev"))
        return cmd_usage(c, "usage: addr %s ADDR/LEN dev IF", add ? "add" : "del");
    if (!parse_addr(c, argv[0], &a, true) || a.scope)
        return cmd_usage(c, "bad address '%s'", argv[0]);
    if (!(ifp = if_find(c->st, argv[2])))
        return cmd_fail(c, "no interface '%s'", argv[2]);
    if (a.family == AF_INET6) {
        unsigned plen = a.plen < 0 ? 128 : (unsigned)a.plen;
        rc = add ? in6_addr_add(ifp, &a.a6, plen, 0, UINT32_MAX, UINT32_MAX) : in6_addr_del(ifp, &a.a6);
    } else {
        unsigned plen = a.plen < 0 ? 32 : (unsigned)a.plen;
        rc = add ? in4_addr_add(ifp, a.a4, plen) : in4_addr_del(ifp, a.a4);
    }
    if (rc)
        return cmd_fail(c, "addr %s %s: %s", add ? "add" : "del", argv[0], errstr(rc));
    return 0;
}

int cmd_addr(struct cmd_ctx *c, int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "show") || !strcmp(argv[1], "list"))
        return addr_show(c, argc > 2 ? argc - 2 : 0, argv + 2);
    if (!strcmp(argv[1], "add") || !strcmp(argv[1], "del"))
        return cmd_addr_change(c, argv[1][0] == 'a', argc - 2, argv + 2);
    if (!strcmp(argv[1], "flush"))
        return cmd_addr_flush(c, argc, argv);
    return cmd_usage(c, "usage: addr add|del ADDR/LEN dev IF | addr flush dev IF | addr show [dev IF]");
}

/* ---------------------------------------------------------------- route */

struct route_show { struct cmd_ctx *c; bool first; };

static void route_emit(struct route_show *s, const char *dst, const char *via, const char *dev, const char *proto)
{
    struct cmd_out *o = s->c->out;

    if (!s->c->json) {
        cmd_printf(o, "%s%s%s%s%s proto %s\n", dst, via ? " via " : "", via ? via : "", dev ? " dev " : "",
                   dev ? dev : "", proto);
        return;
    }
    cmd_printf(o, "%s{\"dst\":\"%s\"", s->first ? "" : ",", dst);
    if (via)
        cmd_printf(o, ",\"gateway\":\"%s\"", via);
    if (dev) {
        cmd_printf(o, ",\"dev\":");
        cmd_json_str(o, dev);
    }
    cmd_printf(o, ",\"protocol\":\"%s\"}", proto);
    s->first = false;
}

static int route6_show_cb(void *ctx, const struct route6 *r)
{
    char dst[INET6_ADDRSTRLEN + 4], gw[INET6_ADDRSTRLEN];
    char b[INET6_ADDRSTRLEN];

    if (r->plen == 0)
        snprintf(dst, sizeof dst, "default");
    else
        snprintf(dst, sizeof dst, "%s/%u", ntop6(&r->prefix, b), r->plen);
    route_emit(ctx, dst, (r->flags & RT6_CONNECTED) ? NULL : ntop6(&r->gw, gw), r->ifp ? r->ifp->name : NULL,
               (r->flags & RT6_RA) ? "ra" : (r->flags & RT6_CONNECTED) ? "kernel" : "static");
    return 0;
}

static int route4_show_cb(void *ctx, struct in_addr prefix, unsigned plen, const struct in_addr *gw,
                          struct ifnet *ifp, uint32_t flags)
{
    char dst[INET_ADDRSTRLEN + 4], g[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN];

    if (plen == 0)
        snprintf(dst, sizeof dst, "default");
    else
        snprintf(dst, sizeof dst, "%s/%u", ntop4(prefix, b), plen);
    route_emit(ctx, dst, gw ? ntop4(*gw, g) : NULL, ifp ? ifp->name : NULL,
               (flags & RT4_CONNECTED) ? "kernel" : "static");
    return 0;
}

static int route_show(struct cmd_ctx *c, int argc, char **argv)
{
    struct route_show s = { .c = c, .first = true };
    bool v6 = true, v4 = true;

    if (argc == 1 && !strcmp(argv[0], "-6"))
        v4 = false;
    else if (argc == 1 && !strcmp(argv[0], "-4"))
        v6 = false;
    else if (argc)
        return cmd_usage(c, "usage: route show [-4|-6]");
    if (c->json)
        cmd_printf(c->out, "[");
    if (v6) {
        route6_walk(c->st, route6_show_cb, &s);
        struct nd_router *dr = nd6_defrouter_select(c->st);
        char b[INET6_ADDRSTRLEN];
        if (dr && !route6_get(c->st, &in6addr_any, 0))
            route_emit(&s, "default", ntop6(&dr->addr, b), dr->ifp->name, "ra");
    }
    if (v4)
        route4_walk(c->st, route4_show_cb, &s);
    if (c->json)
        cmd_printf(c->out, "]\n");
    return 0;
}

enum route_op { ROUTE_ADD, ROUTE_REPLACE, ROUTE_DEL };

struct route4_find { struct in_addr prefix; unsigned plen; bool found; };

static int route4_find_cb(void *ctx, struct in_addr prefix, unsigned plen, const struct in_addr *gw,
                          struct ifnet *ifp, uint32_t flags)
{
    struct route4_find *f = ctx;
    if (plen == f->plen && prefix.s_addr == f->prefix.s_addr)
        f->found = true;
    return f->found;
}

static const char *const route_op_name[] = { "add", "replace", "del" };

/* A gateway must be a neighbor, as ip(8) wants it: a link-local one names
 * its interface; any other is covered by a connected route (an address of
 * ours on its subnet) or an RA's on-link prefix, on dev IF when given. A
 * point-to-point link (tun, gif) with dev IF takes any gateway: there is no
 * neighbor to resolve. 0, or the status of the refusal. */
static int route_gw_check(struct cmd_ctx *c, enum route_op op, const char *dst_s, const struct cmd_addr *gw,
                          const char *gw_s, struct ifnet *ifp)
{
    struct ifnet *on;
    const char *fam = gw->family == AF_INET6 ? "" : "4";

    if (gw->family == AF_INET6 && in6_is_linklocal(&gw->a6)) {
        if (!ifp)
            return cmd_usage(c, "link-local gateway needs dev IF: route %s %s via %s dev IF", route_op_name[op],
                             dst_s, gw_s);
        return 0;
    }
    if (ifp && ifp->type != IFT_ETHER)
        return 0;
    on = gw->family == AF_INET6 ? route6_onlink_if(c->st, &gw->a6) : route4_onlink_if(c->st, gw->a4);
    if (!on)
        return cmd_fail(c, "gateway %s is not on-link: no address of this stack is on its subnet; add one first "
                        "(addr add ADDR/LEN dev IF)%s", gw_s,
                        *fam ? "" : ", or give a link-local gateway with dev IF");
    if (ifp && on != ifp)
        return cmd_fail(c, "gateway %s is on-link on %s, not on dev %s", gw_s, on->name, ifp->name);
    return 0;
}

static bool route_exists(struct cmd_ctx *c, const struct cmd_addr *dst)
{
    if (dst->family == AF_INET6) {
        struct in6_addr m;
        in6_mask(&dst->a6, (unsigned)dst->plen, &m);
        return route6_get(c->st, &m, (unsigned)dst->plen) != NULL;
    }
    struct in_addr m = { dst->a4.s_addr & (dst->plen ? htonl(~0u << (32 - dst->plen)) : 0) };
    struct route4_find f = { m, (unsigned)dst->plen, false };
    route4_walk(c->st, route4_find_cb, &f);
    return f.found;
}

/* route add|replace|del default|default4|default6|PREFIX/LEN [via ADDR] [dev IF] */
static int route_change(struct cmd_ctx *c, enum route_op op, int argc, char **argv)
{
    struct cmd_addr dst, gw = { 0 };
    struct ifnet *ifp = NULL;
    bool have_gw = false;
    const char *gw_s = NULL;
    int rc;

    if (argc < 1)
        return cmd_usage(c, "usage: route %s default|PREFIX/LEN [via ADDR] [dev IF]", route_op_name[op]);
    bool is_default = !strcmp(argv[0], "default") || !strcmp(argv[0], "default6") || !strcmp(argv[0], "default4");
    for (int i = 1; i < argc; i += 2) {
        if (i + 1 >= argc)
            return cmd_usage(c, "'%s' needs a value", argv[i]);
        if (!strcmp(argv[i], "via")) {
            if (!parse_addr(c, argv[i + 1], &gw, false))
                return cmd_usage(c, "bad gateway '%s'", argv[i + 1]);
            have_gw = true;
            gw_s = argv[i + 1];
            if (gw.scope)
                ifp = gw.scope;
        } else if (!strcmp(argv[i], "dev")) {
            if (!(ifp = if_find(c->st, argv[i + 1])))
                return cmd_fail(c, "no interface '%s'", argv[i + 1]);
        } else {
            return cmd_usage(c, "unknown route argument '%s'", argv[i]);
        }
    }
    if (is_default) {
        memset(&dst, 0, sizeof dst);
        dst.family = have_gw ? gw.family : AF_INET6;
        if (!strcmp(argv[0], "default4")) dst.family = AF_INET;
        if (!strcmp(argv[0], "default6")) dst.family = AF_INET6;
        dst.plen = 0;
    } else if (!parse_addr(c, argv[0], &dst, true) || dst.scope) {
        return cmd_usage(c, "bad prefix '%s'", argv[0]);
    }
    if (dst.plen < 0)
        dst.plen = dst.family == AF_INET6 ? 128 : 32;
    if (have_gw && gw.family != dst.family)
        return cmd_usage(c, "gateway family does not match the destination");
    if (op != ROUTE_DEL) {
        if (!have_gw && !ifp)
            return cmd_usage(c, "route %s needs 'via ADDR' or 'dev IF'", route_op_name[op]);
        if (have_gw && (rc = route_gw_check(c, op, argv[0], &gw, gw_s, ifp)))
            return rc;
        if (op == ROUTE_ADD && route_exists(c, &dst))
            return cmd_fail(c, "route add %s: File exists (a route to %s is there: route replace changes it)",
                            argv[0], argv[0]);
    }
    if (dst.family == AF_INET6)
        rc = op == ROUTE_DEL ? route6_del(c->st, &dst.a6, (unsigned)dst.plen)
                             : route6_add(c->st, &dst.a6, (unsigned)dst.plen, have_gw ? &gw.a6 : NULL, ifp,
                                          RT6_STATIC, 0);
    else if (op == ROUTE_DEL)
        rc = route4_del(c->st, dst.a4, (unsigned)dst.plen);
    else
        rc = (op == ROUTE_ADD ? route4_add : route4_replace)(c->st, dst.a4, (unsigned)dst.plen,
                                                             have_gw ? &gw.a4 : NULL, ifp, RT4_STATIC);
    if (rc)
        return cmd_fail(c, "route %s %s: %s", route_op_name[op], argv[0], errstr(rc));
    return 0;
}

int cmd_route(struct cmd_ctx *c, int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "show") || !strcmp(argv[1], "list"))
        return route_show(c, argc > 2 ? argc - 2 : 0, argv + 2);
    if (!strcmp(argv[1], "add"))
        return route_change(c, ROUTE_ADD, argc - 2, argv + 2);
    if (!strcmp(argv[1], "replace"))
        return route_change(c, ROUTE_REPLACE, argc - 2, argv + 2);
    if (!strcmp(argv[1], "del") || !strcmp(argv[1], "delete"))
        return route_change(c, ROUTE_DEL, argc - 2, argv + 2);
    return cmd_usage(c, "usage: route add|replace|del default|PREFIX/LEN [via ADDR] [dev IF] | route show [-4|-6]");
}

/* ---------------------------------------------------------------- neigh */

struct neigh_show { struct cmd_ctx *c; bool first; };

static void neigh_emit(struct neigh_show *s, const char *addr, const char *dev, const struct eth_addr *lla,
                       const char *state, bool router)
{
    char mac[18] = "";
    struct cmd_out *o = s->c->out;

    if (lla)
        snprintf(mac, sizeof mac, "%02x:%02x:%02x:%02x:%02x:%02x", lla->b[0], lla->b[1], lla->b[2], lla->b[3],
                 lla->b[4], lla->b[5]);
    if (!s->c->json) {
        cmd_printf(o, "%s dev %s%s%s%s %s\n", addr, dev, lla ? " lladdr " : "", mac, router ? " router" : "", state);
        return;
    }
    cmd_printf(o, "%s{\"dst\":\"%s\",\"dev\":", s->first ? "" : ",", addr);
    cmd_json_str(o, dev);
    if (lla)
        cmd_printf(o, ",\"lladdr\":\"%s\"", mac);
    cmd_printf(o, ",\"router\":%s,\"state\":\"%s\"}", router ? "true" : "false", state);
    s->first = false;
}

static int neigh4_cb(void *ctx, struct ifnet *ifp, struct in_addr a, const struct eth_addr *lla, const char *state)
{
    char b[INET_ADDRSTRLEN];
    neigh_emit(ctx, ntop4(a, b), ifp->name, lla, state, false);
    return 0;
}

int cmd_neigh(struct cmd_ctx *c, int argc, char **argv)
{
    struct neigh_show s = { .c = c, .first = true };

    if (argc >= 2 && (!strcmp(argv[1], "add") || !strcmp(argv[1], "replace") || !strcmp(argv[1], "del") ||
                      !strcmp(argv[1], "delete") || !strcmp(argv[1], "flush")))
        return cmd_neigh_change(c, argc, argv);
    if (argc > 2 || (argc == 2 && strcmp(argv[1], "show") && strcmp(argv[1], "list")))
        return cmd_usage(c, "usage: neigh add|replace|del|flush ... | neigh show");
    if (c->json)
        cmd_printf(c->out, "[");
    for (unsigned i = 0; i < ND_CACHE_MAX; i++) {
        const struct nd_entry *e = &c->st->net6->nd[i];
        char b[INET6_ADDRSTRLEN];
        if (e->in_use)
            neigh_emit(&s, ntop6(&e->addr, b), e->ifp->name, e->state == ND_INCOMPLETE ? NULL : &e->lladdr,
                       nd6_state_name(e->state), e->is_router);
    }
    arp_walk(c->st, neigh4_cb, &s);
    if (c->json)
        cmd_printf(c->out, "]\n");
    return 0;
}

/* ---------------------------------------------------------------- ping */

static void ping_print(void *arg, bool final, unsigned seq, uint64_t rtt_ns, unsigned ttl, const struct ping_result *r)
{
    struct cmd_ctx *c = arg;

    if (!final) {
        if (!c->json)
            cmd_printf(c->out, "reply from %s: icmp_seq=%u ttl=%u time=%.3f ms\n", c->pending_what, seq, ttl,
                       rtt_ns / 1e6);
        return;
    }
    unsigned loss = r->sent ? (unsigned)((r->sent - r->received) * 100u / r->sent) : 100;
    double avg = r->received ? r->rtt_sum_ns / 1e6 / r->received : 0;
    if (c->json)
        cmd_printf(c->out, "{\"dst\":\"%s\",\"transmitted\":%u,\"received\":%u,\"errors\":%u,\"loss_pct\":%u,"
                   "\"rtt_min_ms\":%.3f,\"rtt_avg_ms\":%.3f,\"rtt_max_ms\":%.3f}\n", c->pending_what, r->sent,
                   r->received, r->errors, loss, r->rtt_min_ns / 1e6, avg, r->rtt_max_ns / 1e6);
    else {
        cmd_printf(c->out, "--- %s ping statistics ---\n%u packets transmitted, %u received, %u errors, %u%% packet loss\n",
                   c->pending_what, r->sent, r->received, r->errors, loss);
        if (r->received)
            cmd_printf(c->out, "rtt min/avg/max = %.3f/%.3f/%.3f ms\n", r->rtt_min_ns / 1e6, avg, r->rtt_max_ns / 1e6);
        if (r->errors && r->last_error[0])
            cmd_printf(c->out, "last error: %s\n", r->last_error);
    }
    if (!r->received && c->err)
        cmd_printf(c->err, "no reply from %s", c->pending_what);
    c->pending = 0;
    if (c->done)
        c->done(c->done_arg, r->received ? 0 : 1);
}

#define PING_USAGE "usage: ping ADDR[%%IF]|NAME [-4|-6] [-c N] [-s SIZE] [-i MS] [-W SECS] [-t HOPLIMIT] [-I IF|ADDR]"

/* ctx->pending while a ping's destination name is looked up (ping ids are
 * > 0; apps use -2, cmd_dns.c -3..-6). */
#define PENDING_PING_LOOKUP (-7)
#define PENDING_PING_START  (-8)   /* inside six_getaddrinfo */

/* A ping whose name is being looked up: its parameters wait here. A small
 * fixed table: at most PING_LOOKUPS lookups at once (control plane). */
#define PING_LOOKUPS 8
static struct ping_lookup {
    struct cmd_ctx *c;                 /* NULL: free */
    struct ping_params pp;
    int want;                          /* family asked for (-4/-6/-I ADDR), 0 any */
    int sync_status;                   /* the answer came inside six_getaddrinfo */
} lookups[PING_LOOKUPS];

/* Start the echo session to pp's destination: CMD_PENDING, or a failure status. */
static int ping_go(struct cmd_ctx *c, const struct ping_params *pp)
{
    if (!c->done)
        return cmd_fail(c, "ping needs an event loop to wait for replies");
    int id = ping_start(c->st, pp, ping_print, c);
    if (id < 0)
        return cmd_fail(c, "ping: %s", errstr(id));
    c->pending = id;
    return CMD_PENDING;
}

static void ping_resolved(void *arg, int err, struct addrinfo *res)
{
    struct ping_lookup *l = arg;
    struct cmd_ctx *c = l->c;
    bool sync = c->pending == PENDING_PING_START;
    const struct addrinfo *ai = res;
    char name[sizeof c->pending_what], b[INET6_ADDRSTRLEN];

    while (ai && l->want && ai->ai_family != l->want)
        ai = ai->ai_next;
    snprintf(name, sizeof name, "%s", c->pending_what);
    c->pending = 0;
    int status;
    if (!ai) {
        status = cmd_fail(c, "ping: %s: %s", name, err ? gai_strerror(err) : "no address of the family asked for");
    } else {
        l->pp.family = ai->ai_family;
        if (ai->ai_family == AF_INET6)
            l->pp.dst6 = ((const struct sockaddr_in6 *)ai->ai_addr)->sin6_addr;
        else
            l->pp.dst4 = ((const struct sockaddr_in *)ai->ai_addr)->sin_addr;
        inet_ntop(ai->ai_family, ai->ai_family == AF_INET6 ? (const void *)&l->pp.dst6 : (const void *)&l->pp.dst4,
                  b, sizeof b);
        snprintf(c->pending_what, sizeof c->pending_what, "%.40s (%.46s)", name, b);
        status = ping_go(c, &l->pp);
    }
    six_freeaddrinfo(res);
    l->c = NULL;
    if (sync) {
        l->sync_status = status;
        return;
    }
    if (status != CMD_PENDING && c->done)
        c->done(c->done_arg, status);
}

/* A host name as the resolver takes it: letters, digits, '-', '.', '_'. */
static bool looks_like_name(const char *s)
{
    size_t n = strlen(s);
    if (!n || n > 253)
        return false;
    for (const char *p = s; *p; p++)
        if (!isalnum((unsigned char)*p) && *p != '-' && *p != '.' && *p != '_')
            return false;
    return true;
}

/* ping NAME: look it up through the stack's resolver, then ping its first
 * address (RFC 6724 order) of the family wanted. */
static int ping_name(struct cmd_ctx *c, const char *name, const struct ping_params *pp, int want)
{
    struct addrinfo hints = { .ai_family = want ? want : AF_UNSPEC, .ai_socktype = SOCK_DGRAM };
    struct ping_lookup *l = NULL;

    if (!c->done)
        return cmd_fail(c, "ping needs an event loop to wait for replies");
    for (int i = 0; i < PING_LOOKUPS && !l; i++)
        if (!lookups[i].c)
            l = &lookups[i];
    if (!l)
        return cmd_fail(c, "ping %s: %d name lookups under way already; try again", name, PING_LOOKUPS);
    *l = (struct ping_lookup){ .c = c, .pp = *pp, .want = want };
    snprintf(c->pending_what, sizeof c->pending_what, "%s", name);
    c->pending = PENDING_PING_START;
    int h = six_getaddrinfo(c->st, name, NULL, &hints, ping_resolved, l);
    if (h < 0) {
        l->c = NULL;
        c->pending = 0;
        return cmd_fail(c, "ping: %s: %s", name, gai_strerror(h));
    }
    if (h == 0)                        /* answered inside the call */
        return l->sync_status;
    c->pending = PENDING_PING_LOOKUP;
    return CMD_PENDING;
}

static void ping_lookup_cancel(struct cmd_ctx *c)
{
    for (int i = 0; i < PING_LOOKUPS; i++)
        if (lookups[i].c == c) {
            resolver_cancel_arg(c->st, ping_resolved, &lookups[i]);
            lookups[i].c = NULL;
        }
}

/* -I ADDR: one of this stack's addresses, of the destination's family. */
static int ping_source(struct cmd_ctx *c, const struct cmd_addr *src, const char *src_s, struct ping_params *pp)
{
    bool ours = src->family == AF_INET6 ? in6_ifaddr_lookup(c->st, &src->a6) != NULL : in4_is_local(c->st, src->a4);
    if (!ours)
        return cmd_fail(c, "ping -I %s: not an address of this stack (addr show lists them)", src_s);
    if (src->family == AF_INET6)
        pp->src6 = src->a6;
    else
        pp->src4 = src->a4;
    return 0;
}

int cmd_ping(struct cmd_ctx *c, int argc, char **argv)
{
    struct ping_params pp = { .count = 3, .interval_ms = 1000, .timeout_ms = 2000, .size = 56 };
    struct cmd_addr dst, src = { 0 };
    const char *dst_s = NULL, *src_s = NULL;
    unsigned long v;
    int want = 0;

    for (int i = 1; i < argc; i++) {
        const char *o = argv[i];
        if (o[0] != '-') {
            if (dst_s)
                return cmd_usage(c, "ping takes one destination; " PING_USAGE);
            dst_s = o;
            continue;
        }
        if (!strcmp(o, "-4") || !strcmp(o, "-6")) {
            want = o[1] == '4' ? AF_INET : AF_INET6;
            continue;
        }
        if (i + 1 >= argc)
            return cmd_usage(c, "option %s needs a value", o);
        const char *val = argv[++i];
        if (!strcmp(o, "-c") && cmd_parse_ulong(val, 1, 100000, &v)) pp.count = (unsigned)v;
        else if (!strcmp(o, "-s") && cmd_parse_ulong(val, 0, 65000, &v)) pp.size = (uint32_t)v;
        else if (!strcmp(o, "-i") && cmd_parse_ulong(val, 1, 3600000, &v)) pp.interval_ms = (uint32_t)v;
        else if (!strcmp(o, "-W") && cmd_parse_ulong(val, 1, 3600, &v)) pp.timeout_ms = (uint32_t)v * 1000;
        else if (!strcmp(o, "-t") && cmd_parse_ulong(val, 1, 255, &v)) pp.hlim = (int)v;
        else if (!strcmp(o, "-I") && parse_addr(c, val, &src, false)) {
            src_s = val;                       /* a source address, as ping(8) -I takes it */
        } else if (!strcmp(o, "-I")) {
            struct ifnet *ifp = if_find(c->st, val);
            if (!ifp)
                return cmd_fail(c, "ping -I %s: no such interface or address of this stack", val);
            pp.ifindex = ifp->index;
        } else
            return cmd_usage(c, "bad ping option %s %s", o, val);
    }
    if (!dst_s)
        return cmd_usage(c, PING_USAGE);
    if (src_s) {
        if (want && src.family != want)
            return cmd_usage(c, "ping -I %s is IPv%c, not what -%c asks for", src_s, src.family == AF_INET ? '4' : '6',
                             want == AF_INET ? '4' : '6');
        want = src.family;
        int rc = ping_source(c, &src, src_s, &pp);
        if (rc)
            return rc;
    }
    if (!parse_addr(c, dst_s, &dst, false)) {
        if (strchr(dst_s, ':') || strchr(dst_s, '%') || !looks_like_name(dst_s))
            return cmd_usage(c, "ping: bad destination '%s' (an address, ADDR%%IF, or a host name); " PING_USAGE,
                             dst_s);
        return ping_name(c, dst_s, &pp, want);
    }
    if (want && dst.family != want)
        return cmd_usage(c, "ping %s is IPv%c, but %s asks for IPv%c", dst_s, dst.family == AF_INET ? '4' : '6',
                         src_s ? "the source (-I)" : "the option", want == AF_INET ? '4' : '6');
    pp.family = dst.family;
    pp.dst6 = dst.a6;
    pp.dst4 = dst.a4;
    if (dst.scope)
        pp.ifindex = dst.scope->index;
    snprintf(c->pending_what, sizeof c->pending_what, "%s", dst_s);
    return ping_go(c, &pp);
}

void six_cmd_cancel(struct cmd_ctx *c)
{
    if (c->pending > 0)
        ping_cancel(c->st, c->pending);
    if (c->pending == PENDING_PING_LOOKUP)
        ping_lookup_cancel(c);
    cmd_apps_cancel(c);
    cmd_dns_cancel(c);
    c->pending = 0;
}

/* ---------------------------------------------------------------- ra */

/* ra dev IF [prefix P/LEN [valid S] [preferred S]]... [managed] [other] [mtu N] [rdnss ADDR] [lifetime S]
 *    [interval MIN MAX] | ra dev IF off */
int cmd_ra(struct cmd_ctx *c, int argc, char **argv)
{
    struct ra_cfg cfg = { .router_lifetime = 1800, .min_interval_ms = 200000, .max_interval_ms = 600000,
                          .rdnss_lifetime = 1200 };
    struct ifnet *ifp;
    unsigned long v, v2;

    if (argc >= 2 && !strcmp(argv[1], "show"))
        return cmd_ra_show(c, argc, argv);
    if (argc < 3 || strcmp(argv[1], "dev"))
        return cmd_usage(c, "usage: ra show [dev IF] | ra dev IF [prefix P/LEN [valid S] [preferred S]]... [managed] [other] "
                            "[mtu N] [rdnss ADDR] [lifetime S] [interval MIN_S MAX_S] | ra dev IF off");
    if (!(ifp = if_find(c->st, argv[2])))
        return cmd_fail(c, "no interface '%s'", argv[2]);
    if (argc == 4 && !strcmp(argv[3], "off")) {
        nd6_ra_stop(ifp);
        return 0;
    }
    for (int i = 3; i < argc; i++) {
        const char *k = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
        struct cmd_addr a;
        if (!strcmp(k, "managed")) { cfg.managed = true; continue; }
        if (!strcmp(k, "other")) { cfg.other = true; continue; }
        if (!val)
            return cmd_usage(c, "'%s' needs a value", k);
        i++;
        if (!strcmp(k, "prefix")) {
            if (!parse_addr(c, val, &a, true) || a.family != AF_INET6 || a.plen < 0 || cfg.n_pfx >= ND_RA_PREFIXES_MAX)
                return cmd_usage(c, "bad prefix '%s'", val);
            struct ra_prefix_cfg *p = &cfg.pfx[cfg.n_pfx++];
            in6_mask(&a.a6, (unsigned)a.plen, &p->prefix);
            p->plen = (uint8_t)a.plen;
            p->onlink = true;
            p->autonomous = a.plen == 64;
            p->valid = 86400;
            p->preferred = 14400;
        } else if ((!strcmp(k, "valid") || !strcmp(k, "preferred")) && cfg.n_pfx &&
                   cmd_parse_ulong(val, 0, UINT32_MAX, &v)) {
            struct ra_prefix_cfg *p = &cfg.pfx[cfg.n_pfx - 1];   /* applies to the prefix before it */
            if (k[0] == 'v')
                p->valid = (uint32_t)v;
            else
                p->preferred = (uint32_t)v;
        } else if (!strcmp(k, "mtu") && cmd_parse_ulong(val, 1280, 65535, &v)) {
            cfg.mtu = (uint32_t)v;
        } else if (!strcmp(k, "rdnss") && parse_addr(c, val, &a, false) && a.family == AF_INET6 &&
                   cfg.n_rdnss < ND_RDNSS_MAX) {
            cfg.rdnss[cfg.n_rdnss++] = a.a6;
        } else if (!strcmp(k, "lifetime") && cmd_parse_ulong(val, 0, 9000, &v)) {
            cfg.router_lifetime = (uint16_t)v;
        } else if (!strcmp(k, "interval") && i + 1 < argc && cmd_parse_ulong(val, 3, 1350, &v) &&
                   cmd_parse_ulong(argv[i + 1], 4, 1800, &v2) && v < v2) {
            cfg.min_interval_ms = (uint32_t)v * 1000;
            cfg.max_interval_ms = (uint32_t)v2 * 1000;
            i++;
        } else {
            return cmd_usage(c, "bad ra argument '%s %s'", k, val);
        }
    }
    for (int i = 0; i < cfg.n_pfx; i++)
        if (cfg.pfx[i].preferred > cfg.pfx[i].valid)
            return cmd_usage(c, "prefix %d: preferred lifetime %u is longer than valid %u", i + 1,
                             cfg.pfx[i].preferred, cfg.pfx[i].valid);
    int rc = nd6_ra_configure(ifp, &cfg);
    if (rc)
        return cmd_fail(c, "ra: %s", errstr(rc));
    if (!c->st->fwd6)
        cmd_printf(c->err ? c->err : c->out, "note: RAs are sent only in router mode (set forwarding on)");
    return 0;
}

/* ---------------------------------------------------------------- set */

static int parse_onoff(const char *s, bool *v)
{
    if (!strcmp(s, "on") || !strcmp(s, "1")) { *v = true; return 0; }
    if (!strcmp(s, "off") || !strcmp(s, "0")) { *v = false; return 0; }
    return -1;
}

int cmd_set(struct cmd_ctx *c, int argc, char **argv)
{
    bool on;

    if (argc >= 3 && !strcmp(argv[1], "forwarding") && !parse_onoff(argv[2], &on)) {
        bool v6 = c->st->fwd6, v4 = c->st->fwd4;
        if (argc == 3) { v6 = v4 = on; }
        else if (argc == 4 && !strcmp(argv[3], "-6")) v6 = on;
        else if (argc == 4 && !strcmp(argv[3], "-4")) v4 = on;
        else return cmd_usage(c, "usage: set forwarding on|off [-4|-6]");
        six_set_forwarding(c->st, v6, v4);
        for (unsigned i = 0; i < SIX_MAX_IFS; i++)
            if (c->st->ifs[i] && c->st->ifs[i]->in6 && c->st->ifs[i]->in6->ra.enabled && v6)
                nd6_ra_start(c->st->ifs[i]);
        return 0;
    }
    if (argc == 5 && !strcmp(argv[1], "addrgen") && !strcmp(argv[3], "dev")) {
        struct ifnet *ifp = if_find(c->st, argv[4]);
        if (!ifp)
            return cmd_fail(c, "no interface '%s'", argv[4]);
        if (!strcmp(argv[2], "eui64")) ifp->in6->addrgen = ADDRGEN_EUI64;
        else if (!strcmp(argv[2], "stable")) ifp->in6->addrgen = ADDRGEN_STABLE;
        else return cmd_usage(c, "addrgen is eui64 or stable");
        return 0;
    }
    if (argc == 5 && !strcmp(argv[1], "accept_ra") && !strcmp(argv[3], "dev") && !parse_onoff(argv[2], &on)) {
        struct ifnet *ifp = if_find(c->st, argv[4]);
        if (!ifp)
            return cmd_fail(c, "no interface '%s'", argv[4]);
        ifp->in6->accept_ra = on;
        return 0;
    }
    return cmd_usage(c, "usage: set forwarding on|off [-4|-6] | set addrgen eui64|stable dev IF | "
                        "set accept_ra on|off dev IF");
}

/* ---------------------------------------------------------------- addrsel */

/* addrsel show | add PREFIX/LEN precedence P label L | del PREFIX/LEN | default */
int cmd_addrsel(struct cmd_ctx *c, int argc, char **argv)
{
    struct addrsel_table *t = &c->st->net6->policy;
    struct cmd_addr a;
    unsigned long prec, label;
    int rc;

    if (argc < 2 || !strcmp(argv[1], "show") || !strcmp(argv[1], "list")) {
        char buf[ADDRSEL_MAX * 80];
        if (addrsel_table_format(t, buf, sizeof buf) < 0)
            return cmd_fail(c, "policy table too large to print");
        if (!c->json) {
            cmd_printf(c->out, "%s", buf);
            return 0;
        }
        cmd_printf(c->out, "[");
        for (int i = 0; i < t->n; i++) {
            char b[INET6_ADDRSTRLEN];
            cmd_printf(c->out, "%s{\"prefix\":\"%s/%u\",\"precedence\":%u,\"label\":%u}", i ? "," : "",
                       ntop6(&t->p[i].prefix, b), t->p[i].plen, t->p[i].precedence, t->p[i].label);
        }
        cmd_printf(c->out, "]\n");
        return 0;
    }
    if (argc == 2 && !strcmp(argv[1], "default")) {
        addrsel_default_table(t);
        return 0;
    }
    if (argc >= 3 && (!strcmp(argv[1], "add") || !strcmp(argv[1], "del"))) {
        bool add = argv[1][0] == 'a';
        if (!parse_addr(c, argv[2], &a, true) || a.scope || a.plen < 0)
            return cmd_usage(c, "bad prefix '%s' (IPv4 goes as ::ffff:a.b.c.d/len)", argv[2]);
        if (a.family == AF_INET) {   /* IPv4 prefixes live in the table as IPv4-mapped */
            memset(&a.a6, 0, sizeof a.a6);
            a.a6.s6_addr[10] = a.a6.s6_addr[11] = 0xff;
            memcpy(&a.a6.s6_addr[12], &a.a4, 4);
            a.plen += 96;
        }
        if (add) {
            if (argc != 7 || strcmp(argv[3], "precedence") || strcmp(argv[5], "label") ||
                !cmd_parse_ulong(argv[4], 0, 255, &prec) || !cmd_parse_ulong(argv[6], 0, 255, &label))
                return cmd_usage(c, "usage: addrsel add PREFIX/LEN precedence 0-255 label 0-255");
            rc = addrsel_table_add(t, &a.a6, (unsigned)a.plen, (unsigned)prec, (unsigned)label);
        } else {
            if (argc != 3)
                return cmd_usage(c, "usage: addrsel del PREFIX/LEN");
            rc = addrsel_table_del(t, &a.a6, (unsigned)a.plen);
        }
        if (rc)
            return cmd_fail(c, "addrsel %s %s: %s", argv[1], argv[2], errstr(rc));
        return 0;
    }
    return cmd_usage(c, "usage: addrsel show | add PREFIX/LEN precedence P label L | del PREFIX/LEN | default");
}
