/* What a configuration line's inverse is (cfgdiff.h): which verbs only show
 * things, which are undone by one fixed command, which set values that a
 * snapshot taken before they ran can put back, and which have no known
 * inverse (removing them from the file needs a restart). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include "ctl/cfgdiff_priv.h"
#include "net/stack.h"
#include "net/ip6_var.h"
#include "net/ip4_var.h"
#include "net/gif.h"
#include "link/ifnet.h"

static bool is(const char *a, const char *b) { return a && strcmp(a, b) == 0; }

static bool is_show(const struct cfg_line *l)
{
    return l->argc < 2 || is(l->argv[1], "show") || is(l->argv[1], "list") || is(l->argv[1], "ls");
}

enum cfg_class cfg_classify(const struct cfg_line *l)
{
    const char *o = l->argv[0], *v = l->argc > 1 ? l->argv[1] : NULL;
    static const char *const probes[] = { "ping", "stats", "help", "resolve", "http", "nc", "version", "status" };
    for (size_t i = 0; i < sizeof probes / sizeof probes[0]; i++)
        if (is(o, probes[i]))
            return CFG_ONESHOT;
    if (is(o, "link"))
        return is_show(l) ? CFG_ONESHOT : is(v, "add") ? CFG_LINK_ADD : is(v, "set") ? CFG_SETTER : CFG_FIXED;
    if (is(o, "addr") || is(o, "address"))
        return is_show(l) ? CFG_ONESHOT : is(v, "add") || is(v, "del") ? CFG_INVERSE : CFG_FIXED;
    if (is(o, "route"))
        return is_show(l) ? CFG_ONESHOT : is(v, "add") ? CFG_INVERSE : CFG_FIXED;
    if (is(o, "neigh") || is(o, "neighbor"))   /* a static entry: taken back by neigh del */
        return is_show(l) ? CFG_ONESHOT : is(v, "add") ? CFG_INVERSE : CFG_FIXED;
    if (is(o, "config"))
        return is_show(l) ? CFG_ONESHOT : CFG_FIXED;
    if (is(o, "set"))
        return CFG_SETTER;
    if (is(o, "ra"))
        return is(v, "dev") && l->argc >= 3 ? CFG_SETTER : is_show(l) ? CFG_ONESHOT : CFG_FIXED;
    if (is(o, "addrsel"))
        return is_show(l) ? CFG_ONESHOT : is(v, "add") ? CFG_INVERSE : CFG_FIXED;
    if (is(o, "capture"))
        return l->argc == 3 && is(l->argv[2], "stop") ? CFG_ONESHOT : CFG_INVERSE;
    if (is(o, "serve"))
        return is_show(l) ? CFG_ONESHOT : is(v, "echo") || is(v, "http") ? CFG_INVERSE : CFG_FIXED;
    if (is(o, "socks5"))
        return is_show(l) ? CFG_ONESHOT : is(v, "start") ? CFG_INVERSE : CFG_FIXED;
    if (is(o, "dns"))
        return is_show(l) || is(v, "cache") ? CFG_ONESHOT : is(v, "server") ? CFG_INVERSE : CFG_FIXED;
    if (is(o, "dhcp6") && is(v, "relay"))   /* dhcp6 relay dev IF ...: taken back by dhcp6 relay dev IF off */
        return l->argc < 3 || is(l->argv[2], "show") ? CFG_ONESHOT
               : l->argc >= 5 && is(l->argv[2], "dev") && !is(l->argv[4], "off") ? CFG_INVERSE : CFG_FIXED;
    if (is(o, "metrics"))            /* sixd's endpoint: a removed listen line turns it off */
        return is_show(l) ? CFG_ONESHOT : is(v, "listen") ? CFG_INVERSE : CFG_FIXED;
    if (is(o, "ipsec"))
        return is_show(l) || is(v, "sa") || is(v, "spd") ? CFG_ONESHOT
               : is(v, "load") || is(v, "exec") ? CFG_IPSEC : CFG_FIXED;
    return CFG_FIXED;
}

static void add_attr(struct cfg_snap *s, const char *fmt, const char *a, const char *b)
{
    if (s->n_attr >= CFG_ATTR_MAX)
        return;
    snprintf(s->attr[s->n_attr], sizeof s->attr[0], fmt, a, b ? b : "");
    s->undo[s->n_attr][0] = '\0';
    s->n_attr++;
}

/* link set NAME ...: the words that take values, as link_set (cmd.c) reads them */
static void link_set_attrs(const struct cfg_line *l, struct cfg_snap *s)
{
    const char *name = l->argv[2];
    for (int i = 3; i < l->argc; i++) {
        const char *w = l->argv[i];
        if (is(w, "up") || is(w, "down")) {
            add_attr(s, "link %s %s", name, "state");
            continue;
        }
        add_attr(s, "link %s %s", name, w);
        if (is(w, "esp"))
            i += i + 1 < l->argc && is(l->argv[i + 1], "off") ? 1 : 2;
        else
            i++;      /* mtu, hometun, local, ingress-check, hlim, tclass, pmtud: one value */
    }
}

void cfg_setter_attrs(const struct cfg_line *l, struct cfg_snap *s)
{
    memset(s, 0, sizeof *s);
    const char *o = l->argv[0];
    if (is(o, "link") && l->argc >= 3) {
        link_set_attrs(l, s);
    } else if (is(o, "ra") && l->argc >= 3) {
        add_attr(s, "ra %s%s", l->argv[2], NULL);
    } else if (is(o, "set") && l->argc >= 3 && is(l->argv[1], "forwarding")) {
        bool only4 = l->argc == 4 && is(l->argv[3], "-4"), only6 = l->argc == 4 && is(l->argv[3], "-6");
        if (!only4)
            add_attr(s, "set %s%s", "forwarding6", NULL);
        if (!only6)
            add_attr(s, "set %s%s", "forwarding4", NULL);
    } else if (is(o, "set") && l->argc == 5) {
        add_attr(s, "set %s %s", l->argv[1], l->argv[4]);   /* addrgen / accept_ra, per interface */
    } else {
        add_attr(s, "%s %s", o, l->argc > 1 ? l->argv[1] : "");
    }
}

static void snap_link(struct six_stack *st, const struct cfg_line *l, struct cfg_snap *s)
{
    struct ifnet *ifp = if_find(st, l->argv[2]);
    if (!ifp)
        return;
    for (unsigned i = 0; i < s->n_attr; i++) {
        const char *a = s->attr[i] + strlen("link ") + strlen(l->argv[2]) + 1;
        if (is(a, "state"))
            snprintf(s->undo[i], sizeof s->undo[i], "link set %s %s", ifp->name,
                     ifp->flags & IFF6_UP ? "up" : "down");
        else if (is(a, "mtu"))
            snprintf(s->undo[i], sizeof s->undo[i], "link set %s mtu %u", ifp->name, ifp->mtu);
        /* gif esp/hometun/local/ingress-check/hlim/tclass/pmtud: no getter, no inverse */
    }
}

static void snap_set(struct six_stack *st, const struct cfg_line *l, struct cfg_snap *s)
{
    for (unsigned i = 0; i < s->n_attr; i++) {
        const char *a = s->attr[i] + strlen("set ");
        if (is(a, "forwarding6") || is(a, "forwarding4")) {
            bool on = a[10] == '6' ? st->fwd6 : st->fwd4;
            snprintf(s->undo[i], sizeof s->undo[i], "set forwarding %s -%c", on ? "on" : "off", a[10]);
            continue;
        }
        struct ifnet *ifp = l->argc == 5 ? if_find(st, l->argv[4]) : NULL;
        if (!ifp || !ifp->in6)
            continue;
        if (is(l->argv[1], "accept_ra"))
            snprintf(s->undo[i], sizeof s->undo[i], "set accept_ra %s dev %s", ifp->in6->accept_ra ? "on" : "off",
                     ifp->name);
        else if (is(l->argv[1], "addrgen"))
            snprintf(s->undo[i], sizeof s->undo[i], "set addrgen %s dev %s",
                     ifp->in6->addrgen == ADDRGEN_STABLE ? "stable" : "eui64", ifp->name);
    }
}

void cfg_snapshot(struct six_stack *st, struct cfg_line *l)
{
    cfg_setter_attrs(l, &l->snap);
    if (is(l->argv[0], "link"))
        snap_link(st, l, &l->snap);
    else if (is(l->argv[0], "set"))
        snap_set(st, l, &l->snap);
    else if (is(l->argv[0], "ra") && l->snap.n_attr)
        snprintf(l->snap.undo[0], sizeof l->snap.undo[0], "ra dev %s off", l->argv[2]);
}

/* "route add default via 192.0.2.1": the IPv4 default is "default4" to route del */
static const char *route_dst(const struct cfg_line *l)
{
    const char *d = l->argv[2];
    if (!is(d, "default"))
        return d;
    struct in_addr a4;
    for (int i = 3; i + 1 < l->argc; i++)
        if (is(l->argv[i], "via") && inet_pton(AF_INET, l->argv[i + 1], &a4) == 1)
            return "default4";
    return d;
}

static bool join_from(const struct cfg_line *l, int from, const char *head, char *buf, size_t n)
{
    size_t used = (size_t)snprintf(buf, n, "%s", head);
    for (int i = from; i < l->argc && used < n; i++)
        used += (size_t)snprintf(buf + used, n - used, " %s", l->argv[i]);
    return used < n;
}

bool cfg_inverse(const struct cfg_line *l, char *buf, size_t n)
{
    const char *o = l->argv[0], *v = l->argc > 1 ? l->argv[1] : "";
    if (l->cls == CFG_LINK_ADD && l->argc >= 3)
        return (size_t)snprintf(buf, n, "link del %s", l->argv[2]) < n;
    if (l->cls != CFG_INVERSE)
        return false;
    if ((is(o, "addr") || is(o, "address")) && l->argc >= 3)
        return join_from(l, 2, is(v, "add") ? "addr del" : "addr add", buf, n);
    if (is(o, "route") && l->argc >= 3)
        return (size_t)snprintf(buf, n, "route del %s", route_dst(l)) < n;
    if (is(o, "addrsel") && l->argc >= 3)
        return (size_t)snprintf(buf, n, "addrsel del %s", l->argv[2]) < n;
    if (is(o, "capture") && l->argc >= 2)
        return (size_t)snprintf(buf, n, "capture %s stop", l->argv[1]) < n;
    if (is(o, "serve"))
        return (size_t)snprintf(buf, n, "serve stop %s", v) < n;
    if (is(o, "socks5"))
        return (size_t)snprintf(buf, n, "socks5 stop") < n;
    if (is(o, "metrics"))
        return (size_t)snprintf(buf, n, "metrics listen off") < n;
    if (is(o, "dhcp6") && is(v, "relay") && l->argc >= 4)
        return (size_t)snprintf(buf, n, "dhcp6 relay dev %s off", l->argv[3]) < n;
    if ((is(o, "neigh") || is(o, "neighbor")) && l->argc >= 3) {
        for (int i = 3; i + 1 < l->argc; i++)
            if (is(l->argv[i], "dev"))
                return (size_t)snprintf(buf, n, "neigh del %s dev %s", l->argv[2], l->argv[i + 1]) < n;
        return false;
    }
    if (is(o, "dns") && l->argc >= 4 && (is(l->argv[2], "add") || is(l->argv[2], "del")))
        return join_from(l, 3, is(l->argv[2], "add") ? "dns server del" : "dns server add", buf, n);
    return false;
}

struct r4_find { struct in_addr p; unsigned plen; const char *ifname; };

static int r4_cb(void *ctx, struct in_addr prefix, unsigned plen, const struct in_addr *gw, struct ifnet *ifp,
                 uint32_t flags)
{
    struct r4_find *f = ctx;
    if (plen == f->plen && prefix.s_addr == f->p.s_addr && ifp)
        f->ifname = ifp->name;
    return 0;
}

/* The interface the route a `route add` line made goes out of now. */
static const char *route_if(struct six_stack *st, const struct cfg_line *l)
{
    char buf[INET6_ADDRSTRLEN + 8];
    const char *d = route_dst(l);
    struct in6_addr a6 = IN6ADDR_ANY_INIT;
    struct r4_find f = { .plen = 0 };
    bool v4 = is(d, "default4");
    unsigned long plen = 0;
    if (!is(d, "default") && !is(d, "default4") && !is(d, "default6")) {
        snprintf(buf, sizeof buf, "%s", d);
        char *slash = strchr(buf, '/');
        if (slash)
            *slash++ = '\0';
        if (inet_pton(AF_INET6, buf, &a6) == 1)
            plen = slash ? strtoul(slash, NULL, 10) : 128;
        else if (inet_pton(AF_INET, buf, &f.p) == 1)
            v4 = true, plen = slash ? strtoul(slash, NULL, 10) : 32;
        else
            return NULL;
    }
    if (!v4) {
        struct route6 *r = route6_get(st, &a6, (unsigned)plen);
        return r && r->ifp ? r->ifp->name : NULL;
    }
    f.plen = (unsigned)plen;
    route4_walk(st, r4_cb, &f);
    return f.ifname;
}

bool cfg_on_if(struct six_stack *st, const struct cfg_line *l, const char *name)
{
    if (cfg_mentions_if(l, name))
        return true;
    if (l->cls != CFG_INVERSE || !is(l->argv[0], "route") || !is(l->argv[1], "add"))
        return false;
    const char *ifn = route_if(st, l);      /* "route add P via G": G's interface */
    return ifn && is(ifn, name);
}

bool cfg_mentions_if(const struct cfg_line *l, const char *name)
{
    size_t nl = strlen(name);
    for (int i = 1; i < l->argc; i++) {
        const char *w = l->argv[i], *pct = strchr(w, '%');
        if (is(w, name) || (pct && strlen(pct + 1) == nl && memcmp(pct + 1, name, nl) == 0))
            return true;
    }
    return false;
}

int cfg_exec_text(struct six_stack *st, struct evloop *ev, const struct cmd_host *host, const char *text, char *err,
                  size_t errlen)
{
    char line[CFG_MAX_LINE_LEN];
    char *argv[CMD_MAX_ARGS + 1];
    const char *why = NULL;
    snprintf(line, sizeof line, "%s", text);
    int argc = cmd_split(line, argv, CMD_MAX_ARGS, &why);
    if (argc <= 0) {
        snprintf(err, errlen, "%s", why ? why : "empty command");
        return 2;
    }
    struct cmd_out out, e;
    cmd_out_init(&out);
    cmd_out_init(&e);
    struct cmd_ctx ctx = { .st = st, .ev = ev, .out = &out, .err = &e, .host = host };
    int status = six_cmd_exec(&ctx, argc, argv);
    if (status == CMD_PENDING) {
        six_cmd_cancel(&ctx);
        snprintf(err, errlen, "does not complete at once (not run at a reload)");
        status = 1;
    } else if (status) {
        while (e.len && (e.buf[e.len - 1] == '\n'))
            e.buf[--e.len] = '\0';
        snprintf(err, errlen, "%s", e.len ? e.buf : "command failed");
    }
    cmd_out_free(&out);
    cmd_out_free(&e);
    return status;
}
