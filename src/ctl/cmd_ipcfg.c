/* ip(8) habits of the command language (cmd_ipcfg.h): the neighbor caches
 * by hand (neigh add|replace|del|flush), addr flush, ra show. Like every
 * verb, each parses and checks all of its arguments before it changes
 * anything: a refusal leaves the stack as it was. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include "ctl/cmd.h"
#include "ctl/cmd_ipcfg.h"
#include "net/stack.h"
#include "net/ip6_var.h"
#include "net/ip4_var.h"

/* One address, either family, no prefix length or scope. */
struct ipc_addr { int family; struct in6_addr a6; struct in_addr a4; };

static bool parse_ip(const char *s, struct ipc_addr *a)
{
    memset(a, 0, sizeof *a);
    if (inet_pton(AF_INET6, s, &a->a6) == 1)
        a->family = AF_INET6;
    else if (inet_pton(AF_INET, s, &a->a4) == 1)
        a->family = AF_INET;
    return a->family != 0;
}

/* aa:bb:cc:dd:ee:ff, two hex digits each. */
static bool parse_mac(const char *s, struct eth_addr *m)
{
    unsigned b[6];
    char tail;
    if (strlen(s) != 17 || sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5],
                                  &tail) != 6)
        return false;
    for (int i = 0; i < 6; i++) {
        if (s[i * 3] == ' ' || s[i * 3] == '+' || s[i * 3] == '-')
            return false;
        m->b[i] = (uint8_t)b[i];
    }
    return true;
}

static bool eth_mcast_or_zero(const struct eth_addr *m)
{
    static const struct eth_addr zero;
    return (m->b[0] & 1) || !memcmp(m, &zero, sizeof zero);
}

/* ------------------------------------------------------------ neigh */

/* Whether a neighbor entry for a exists on ifp (any state). */
struct neigh_find { struct ifnet *ifp; struct in_addr a; bool found; };

static int neigh4_find_cb(void *ctx, struct ifnet *ifp, struct in_addr a, const struct eth_addr *lla,
                          const char *state)
{
    struct neigh_find *f = ctx;
    if (ifp == f->ifp && a.s_addr == f->a.s_addr)
        f->found = true;
    return f->found;
}

static bool neigh_exists(struct cmd_ctx *c, struct ifnet *ifp, const struct ipc_addr *a)
{
    if (a->family == AF_INET6)
        return nd6_lookup(c->st, ifp, &a->a6) != NULL;
    struct neigh_find f = { ifp, a->a4, false };
    arp_walk(c->st, neigh4_find_cb, &f);
    return f.found;
}

#define NEIGH_ADD_USAGE "usage: neigh add|replace ADDR lladdr MAC dev IF [nud permanent|reachable|stale]"

/* neigh add|replace ADDR lladdr MAC dev IF [nud permanent|reachable|stale]
 * (the state defaults to permanent, as in ip(8)); add refuses an entry that
 * is there, replace overwrites it. */
static int neigh_set(struct cmd_ctx *c, bool replace, int argc, char **argv)
{
    struct ipc_addr a;
    struct eth_addr mac;
    struct ifnet *ifp = NULL;
    const char *nud = "permanent";
    bool have_mac = false;

    if (argc < 3 || !parse_ip(argv[2], &a))
        return cmd_usage(c, argc < 3 ? NEIGH_ADD_USAGE : "neigh %s: bad address '%s'", argv[1], argv[2]);
    for (int i = 3; i < argc; i += 2) {
        const char *k = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v)
            return cmd_usage(c, "neigh %s: '%s' needs a value; " NEIGH_ADD_USAGE, argv[1], k);
        if (!strcmp(k, "lladdr")) {
            if (!parse_mac(v, &mac) || eth_mcast_or_zero(&mac))
                return cmd_usage(c, "neigh %s: bad lladdr '%s' (a unicast MAC: aa:bb:cc:dd:ee:ff)", argv[1], v);
            have_mac = true;
        } else if (!strcmp(k, "dev")) {
            if (!(ifp = if_find(c->st, v)))
                return cmd_fail(c, "no interface '%s'", v);
        } else if (!strcmp(k, "nud")) {
            if (strcmp(v, "permanent") && strcmp(v, "reachable") && strcmp(v, "stale"))
                return cmd_usage(c, "neigh %s: nud is permanent, reachable or stale, not '%s'", argv[1], v);
            nud = v;
        } else {
            return cmd_usage(c, "neigh %s: unknown argument '%s'; " NEIGH_ADD_USAGE, argv[1], k);
        }
    }
    if (!have_mac || !ifp)
        return cmd_usage(c, "neigh %s needs lladdr MAC and dev IF; " NEIGH_ADD_USAGE, argv[1]);
    if (ifp->type != IFT_ETHER)
        return cmd_fail(c, "neigh %s: %s has no link-layer addresses (not an Ethernet link)", argv[1], ifp->name);
    if ((a.family == AF_INET6 && (in6_is_multicast(&a.a6) || in6_is_unspecified(&a.a6))) ||
        (a.family == AF_INET && (IN_MULTICAST(ntohl(a.a4.s_addr)) || !a.a4.s_addr || a.a4.s_addr == INADDR_BROADCAST)))
        return cmd_usage(c, "neigh %s: %s is not a unicast address", argv[1], argv[2]);
    if (!replace && neigh_exists(c, ifp, &a))
        return cmd_fail(c, "neigh add %s dev %s: File exists (neigh replace changes it)", argv[2], ifp->name);
    int rc;
    if (a.family == AF_INET6)
        rc = nd6_neigh_set(ifp, &a.a6, &mac, !strcmp(nud, "permanent") ? ND_PERMANENT
                                             : !strcmp(nud, "reachable") ? ND_REACHABLE : ND_STALE);
    else
        rc = arp_neigh_set(ifp, a.a4, &mac, nud);
    if (rc == -ENOSPC)
        return cmd_fail(c, "neigh %s %s: the cache is full (permanent entries fill at most half of it)", argv[1],
                        argv[2]);
    if (rc == -EINVAL)
        return cmd_fail(c, "neigh %s: %s is not a unicast address on %s", argv[1], argv[2], ifp->name);
    if (rc)
        return cmd_fail(c, "neigh %s %s: %s", argv[1], argv[2], strerror(-rc));
    return 0;
}

/* neigh del ADDR dev IF */
static int neigh_del(struct cmd_ctx *c, int argc, char **argv)
{
    struct ipc_addr a;
    struct ifnet *ifp;

    if (argc != 5 || strcmp(argv[3], "dev"))
        return cmd_usage(c, "usage: neigh del ADDR dev IF");
    if (!parse_ip(argv[2], &a))
        return cmd_usage(c, "neigh del: bad address '%s'", argv[2]);
    if (!(ifp = if_find(c->st, argv[4])))
        return cmd_fail(c, "no interface '%s'", argv[4]);
    int rc = a.family == AF_INET6 ? nd6_neigh_del(ifp, &a.a6) : arp_neigh_del(ifp, a.a4);
    if (rc)
        return cmd_fail(c, "neigh del %s dev %s: no such neighbor", argv[2], ifp->name);
    return 0;
}

/* neigh flush dev IF [nud all]: both caches; permanent entries stay unless
 * nud all (ip(8) keeps them too). */
static int neigh_flush(struct cmd_ctx *c, int argc, char **argv)
{
    struct ifnet *ifp;
    bool all = false;

    if ((argc != 4 && argc != 6) || strcmp(argv[2], "dev") ||
        (argc == 6 && (strcmp(argv[4], "nud") || strcmp(argv[5], "all"))))
        return cmd_usage(c, "usage: neigh flush dev IF [nud all]");
    if (!(ifp = if_find(c->st, argv[3])))
        return cmd_fail(c, "no interface '%s'", argv[3]);
    all = argc == 6;
    nd6_neigh_flush(ifp, all);
    arp_neigh_flush(ifp, all);
    return 0;
}

int cmd_neigh_change(struct cmd_ctx *c, int argc, char **argv)
{
    if (!strcmp(argv[1], "add") || !strcmp(argv[1], "replace"))
        return neigh_set(c, argv[1][0] == 'r', argc, argv);
    if (!strcmp(argv[1], "del") || !strcmp(argv[1], "delete"))
        return neigh_del(c, argc, argv);
    return neigh_flush(c, argc, argv);
}

/* ------------------------------------------------------------ addr flush */

#define FLUSH_MAX 64   /* IPv4 addresses gathered per round (IN4_MAX per interface is smaller) */

struct addr4_list { struct ifnet *ifp; struct in_addr a[FLUSH_MAX]; unsigned n; };

static int addr4_collect(void *ctx, struct ifnet *ifp, struct in_addr a, unsigned plen)
{
    struct addr4_list *l = ctx;
    if (ifp == l->ifp && l->n < FLUSH_MAX)
        l->a[l->n++] = a;
    return 0;
}

/* addr flush dev IF [-4|-6] [scope global|link]: every address of the
 * interface, link-local included, as ip(8) does; `scope global` keeps the
 * IPv6 link-local (it also comes back when the link goes down and up). */
int cmd_addr_flush(struct cmd_ctx *c, int argc, char **argv)
{
    static const char usage[] = "usage: addr flush dev IF [-4|-6] [scope global|link]";
    struct ifnet *ifp;
    bool v4 = true, v6 = true;
    int scope = 0;                          /* 0 all, 1 global only, 2 link only */

    if (argc < 4 || strcmp(argv[2], "dev"))
        return cmd_usage(c, usage);
    for (int i = 4; i < argc; i++) {
        if (!strcmp(argv[i], "-4"))
            v6 = false;
        else if (!strcmp(argv[i], "-6"))
            v4 = false;
        else if (!strcmp(argv[i], "scope") && i + 1 < argc && !strcmp(argv[i + 1], "global"))
            scope = 1, i++;
        else if (!strcmp(argv[i], "scope") && i + 1 < argc && !strcmp(argv[i + 1], "link"))
            scope = 2, i++;
        else
            return cmd_usage(c, "addr flush: unknown argument '%s'; %s", argv[i], usage);
    }
    if (!v4 && !v6)
        return cmd_usage(c, "addr flush: -4 and -6 together flush nothing; give one or neither");
    if (!(ifp = if_find(c->st, argv[3])))
        return cmd_fail(c, "no interface '%s'", argv[3]);
    if (v6 && ifp->in6) {
        struct in6_addr del[IN6_MAX_ADDRS_PER_IF];
        unsigned n = 0;
        for (int k = 0; k < IN6_MAX_ADDRS_PER_IF; k++) {
            const struct in6_ifaddr *ia = &ifp->in6->addrs[k];
            bool ll = in6_is_linklocal(&ia->addr);
            if (ia->in_use && (scope == 0 || (scope == 1) != ll))
                del[n++] = ia->addr;
        }
        for (unsigned k = 0; k < n; k++)
            in6_addr_del(ifp, &del[k]);
    }
    if (v4 && scope != 2) {
        struct addr4_list l = { .ifp = ifp };
        in4_addr_walk(c->st, addr4_collect, &l);
        for (unsigned k = 0; k < l.n; k++)
            in4_addr_del(ifp, l.a[k]);
    }
    return 0;
}

/* ------------------------------------------------------------ ra show */

struct ra_show { struct cmd_ctx *c; struct ifnet *only; uint64_t now; bool first; };

static void sep(struct ra_show *s)
{
    if (s->c->json && !s->first)
        cmd_printf(s->c->out, ",");
    s->first = false;
}

static const char *prf_name(int8_t prf)
{
    return prf > 0 ? "high" : prf < 0 ? "low" : "medium";
}

/* Seconds left until an absolute time; -1 for "forever". */
static long long left_s(uint64_t until, uint64_t now)
{
    if (until == UINT64_MAX || until == 0)
        return -1;
    return until > now ? (long long)((until - now) / NS_PER_SEC) : 0;
}

static void ra_show_sending(struct ra_show *s, struct ifnet *ifp)
{
    const struct ra_cfg *r = &ifp->in6->ra;
    struct cmd_out *o = s->c->out;
    char b[INET6_ADDRSTRLEN];
    bool sent = s->c->st->fwd6;

    if (!s->c->json) {
        cmd_printf(o, "%s: sends RAs%s: lifetime %us%s%s", ifp->name, sent ? "" : " (not now: forwarding off)",
                   r->router_lifetime, r->managed ? " managed" : "", r->other ? " other" : "");
        if (r->mtu)
            cmd_printf(o, " mtu %u", r->mtu);
        cmd_printf(o, " interval %u-%us\n", r->min_interval_ms / 1000, r->max_interval_ms / 1000);
        for (int i = 0; i < r->n_pfx; i++)
            cmd_printf(o, "    prefix %s/%u valid %u preferred %u%s\n", inet_ntop(AF_INET6, &r->pfx[i].prefix, b,
                       sizeof b), r->pfx[i].plen, r->pfx[i].valid, r->pfx[i].preferred,
                       r->pfx[i].autonomous ? " autonomous" : "");
        for (int i = 0; i < r->n_rdnss; i++)
            cmd_printf(o, "    rdnss %s lifetime %u\n", inet_ntop(AF_INET6, &r->rdnss[i], b, sizeof b),
                       r->rdnss_lifetime);
        return;
    }
    sep(s);
    cmd_printf(o, "{\"dev\":");
    cmd_json_str(o, ifp->name);
    cmd_printf(o, ",\"sent\":%s,\"lifetime\":%u,\"managed\":%s,\"other\":%s,\"mtu\":%u,\"interval_s\":[%u,%u],"
               "\"prefixes\":[", sent ? "true" : "false", r->router_lifetime, r->managed ? "true" : "false",
               r->other ? "true" : "false", r->mtu, r->min_interval_ms / 1000, r->max_interval_ms / 1000);
    for (int i = 0; i < r->n_pfx; i++)
        cmd_printf(o, "%s{\"prefix\":\"%s/%u\",\"valid\":%u,\"preferred\":%u,\"autonomous\":%s}", i ? "," : "",
                   inet_ntop(AF_INET6, &r->pfx[i].prefix, b, sizeof b), r->pfx[i].plen, r->pfx[i].valid,
                   r->pfx[i].preferred, r->pfx[i].autonomous ? "true" : "false");
    cmd_printf(o, "],\"rdnss\":[");
    for (int i = 0; i < r->n_rdnss; i++)
        cmd_printf(o, "%s\"%s\"", i ? "," : "", inet_ntop(AF_INET6, &r->rdnss[i], b, sizeof b));
    cmd_printf(o, "]}");
}

static void ra_show_learned(struct ra_show *s)
{
    const struct net6 *n = s->c->st->net6;
    struct cmd_out *o = s->c->out;
    char b[INET6_ADDRSTRLEN];
    bool js = s->c->json;

    cmd_printf(o, "%s", js ? "],\"routers\":[" : "routers:\n");
    s->first = true;
    for (int i = 0; i < ND_ROUTERS_MAX; i++) {
        const struct nd_router *r = &n->routers[i];
        if (!r->in_use || (s->only && r->ifp != s->only))
            continue;
        sep(s);
        inet_ntop(AF_INET6, &r->addr, b, sizeof b);
        if (js) {
            cmd_printf(o, "{\"addr\":\"%s\",\"dev\":", b);
            cmd_json_str(o, r->ifp->name);
            cmd_printf(o, ",\"preference\":\"%s\",\"expires_s\":%lld}", prf_name(r->prf), left_s(r->expires_ns, s->now));
        } else {
            cmd_printf(o, "    %s dev %s preference %s expires %llds\n", b, r->ifp->name, prf_name(r->prf),
                       left_s(r->expires_ns, s->now));
        }
    }
    cmd_printf(o, "%s", js ? "],\"prefixes\":[" : "on-link prefixes:\n");
    s->first = true;
    for (int i = 0; i < ND_PREFIXES_MAX; i++) {
        const struct nd_prefix_entry *p = &n->prefixes[i];
        if (!p->in_use || (s->only && p->ifp != s->only))
            continue;
        sep(s);
        inet_ntop(AF_INET6, &p->prefix, b, sizeof b);
        long long l = left_s(p->expires_ns, s->now);
        if (js) {
            cmd_printf(o, "{\"prefix\":\"%s/%u\",\"dev\":", b, p->plen);
            cmd_json_str(o, p->ifp->name);
            if (l < 0)
                cmd_printf(o, ",\"expires_s\":null}");
            else
                cmd_printf(o, ",\"expires_s\":%lld}", l);
        } else if (l < 0) {
            cmd_printf(o, "    %s/%u dev %s valid forever\n", b, p->plen, p->ifp->name);
        } else {
            cmd_printf(o, "    %s/%u dev %s expires %llds\n", b, p->plen, p->ifp->name, l);
        }
    }
    cmd_printf(o, "%s", js ? "],\"rdnss\":[" : "rdnss:\n");
    for (int i = 0; i < n->n_rdnss; i++) {
        inet_ntop(AF_INET6, &n->rdnss[i], b, sizeof b);
        if (js)
            cmd_printf(o, "%s{\"addr\":\"%s\",\"expires_s\":%lld}", i ? "," : "", b,
                       left_s(n->rdnss_expires_ns, s->now));
        else
            cmd_printf(o, "    %s expires %llds\n", b, left_s(n->rdnss_expires_ns, s->now));
    }
    if (js)
        cmd_printf(o, "]}\n");
}

/* ra show [dev IF]: what this stack advertises (router mode) and what it
 * learned from routers' RAs: routers, on-link prefixes, RDNSS. */
int cmd_ra_show(struct cmd_ctx *c, int argc, char **argv)
{
    struct ra_show s = { .c = c, .now = six_now(c->st), .first = true };

    if (argc == 4 && !strcmp(argv[2], "dev")) {
        if (!(s.only = if_find(c->st, argv[3])))
            return cmd_fail(c, "no interface '%s'", argv[3]);
    } else if (argc != 2) {
        return cmd_usage(c, "usage: ra show [dev IF]");
    }
    if (c->json)
        cmd_printf(c->out, "{\"forwarding\":%s,\"advertising\":[", c->st->fwd6 ? "true" : "false");
    else
        cmd_printf(c->out, "router mode: %s\n", c->st->fwd6 ? "on" : "off (set forwarding on)");
    for (unsigned i = 0; i < SIX_MAX_IFS; i++) {
        struct ifnet *ifp = c->st->ifs[i];
        if (ifp && ifp->in6 && ifp->in6->ra.enabled && (!s.only || ifp == s.only))
            ra_show_sending(&s, ifp);
    }
    ra_show_learned(&s);
    return 0;
}
