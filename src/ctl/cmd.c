/* The command language's dispatcher (cmd.h) and the verbs that are not
 * network-layer: link, stats, capture, help. The network verbs (addr, route,
 * neigh, ping, ra, set) live in cmd_net.c.
 *
 * Every verb parses and checks all of its arguments before it changes
 * anything, so a command that fails leaves the stack as it was. Exit
 * statuses: 0 ok, 1 runtime failure, 2 usage or parse error. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ctl/cmd.h"
#include "ctl/cmd_net.h"
#include "ctl/cmd_socks.h"
#include "ctl/cmd_dns.h"
#include "ctl/cmd_dhcp6.h"
#include "ctl/cmd_dstm.h"
#include "ctl/cmd_ipsec.h"
#include "ctl/cmd_apps.h"
#include "ctl/cmd_host.h"
#include "ctl/cmd_status.h"
#include "ctl/cmd_config.h"
#include "ctl/cmd_reload.h"
#include "ctl/cmd_metrics.h"
#include "net/stack.h"
#include "link/ifnet.h"
#include "link/tap.h"
#include "link/hostip.h"
#include "net/gif.h"
#include "wire/ip6.h"
#include <arpa/inet.h>

static int verr(struct cmd_ctx *c, int status, const char *fmt, va_list ap)
{
    if (c->err) {
        cmd_out_reset(c->err);
        cmd_vprintf(c->err, fmt, ap);
    }
    return status;
}

/* Usage / parse error: status 2. */
int cmd_usage(struct cmd_ctx *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = verr(c, 2, fmt, ap);
    va_end(ap);
    return r;
}

/* Runtime failure: status 1. */
int cmd_fail(struct cmd_ctx *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = verr(c, 1, fmt, ap);
    va_end(ap);
    return r;
}

/* Strict decimal: digits only (no sign, no blanks, no 0x), whole string, in [min, max]. */
bool cmd_parse_ulong(const char *s, unsigned long min, unsigned long max, unsigned long *out)
{
    if (!s || *s < '0' || *s > '9')
        return false;
    errno = 0;
    char *end;
    unsigned long v = strtoul(s, &end, 10);
    if (errno || *end != '\0' || v < min || v > max)
        return false;
    *out = v;
    return true;
}

/* cmd_parse_ulong, or hex digits after 0x/0X: never a sign, a blank or
 * strtoul's octal (a leading 0 is a decimal zero, as KAME setkey reads it).
 * Every character after 0x is checked first: strtoul base 16 would take a
 * second "0x" prefix ("0x0x5"). */
bool cmd_parse_num(const char *s, unsigned long min, unsigned long max, unsigned long *out)
{
    if (!s || s[0] != '0' || (s[1] != 'x' && s[1] != 'X'))
        return cmd_parse_ulong(s, min, max, out);
    for (const char *d = s + 2; *d; d++)
        if (!isxdigit((unsigned char)*d))
            return false;
    if (!s[2])
        return false;
    errno = 0;
    char *end;
    unsigned long v = strtoul(s + 2, &end, 16);
    if (errno || *end != '\0' || v < min || v > max)
        return false;
    *out = v;
    return true;
}

static struct ifnet *need_if(struct cmd_ctx *c, const char *name, int *status)
{
    struct ifnet *ifp = if_find(c->st, name);
    if (!ifp)
        *status = cmd_fail(c, "no interface '%s'", name);
    return ifp;
}

/* ---------------------------------------------------------------- link */

static const char *if_kind(const struct ifnet *ifp)
{
    return ifp->ops && ifp->ops->kind ? ifp->ops->kind : "?";
}

static void flags_list(const struct ifnet *ifp, const char *names[4], int *n)
{
    *n = 0;
    if (ifp->flags & IFF6_UP)        names[(*n)++] = "UP";
    if (ifp->flags & IFF6_RUNNING)   names[(*n)++] = "RUNNING";
    if (ifp->flags & IFF6_MULTICAST) names[(*n)++] = "MULTICAST";
    if (ifp->flags & IFF6_NOARP)     names[(*n)++] = "NOARP";
}

static void hwaddr_str(const struct ifnet *ifp, char buf[18])
{
    const uint8_t *b = ifp->hwaddr.b;
    snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", b[0], b[1], b[2], b[3], b[4], b[5]);
}

/* Seconds since the tunnel's last received packet, -1: never. */
static long long gif_rx_ago(const struct ifnet *ifp)
{
    uint64_t t = gif_last_rx_ns(ifp), now = six_now(ifp->st);
    return t ? (long long)((now > t ? now - t : 0) / 1000000000ull) : -1;
}

static void link_show_text(struct cmd_out *o, const struct ifnet *ifp)
{
    const char *fl[4];
    int nf;
    flags_list(ifp, fl, &nf);
    cmd_printf(o, "%u: %s: <", ifp->index, ifp->name);
    for (int i = 0; i < nf; i++)
        cmd_printf(o, "%s%s", i ? "," : "", fl[i]);
    cmd_printf(o, "> mtu %u state %s kind %s%s\n", ifp->mtu,
               !(ifp->flags & IFF6_UP) ? "DOWN" : (ifp->flags & IFF6_RUNNING) ? "UP" : "NO-CARRIER",
               if_kind(ifp), tuntap_is_persistent(ifp) ? " persist" : "");
    if (ifp->type == IFT_ETHER) {
        char hw[18];
        hwaddr_str(ifp, hw);
        cmd_printf(o, "    link/ether %s\n", hw);
    } else if (ifp->type == IFT_LOOP) {
        cmd_printf(o, "    link/loopback\n");
    } else if (gif_is(ifp)) {
        char d[256];
        gif_describe(ifp, d, sizeof d);
        cmd_printf(o, "    link/gif %s\n", d);
        long long ago = gif_rx_ago(ifp);
        if (ago < 0)
            cmd_printf(o, "    last rx never\n");
        else
            cmd_printf(o, "    last rx %llds ago\n", ago);
    } else if (hostip_is(ifp)) {
        char d[64];
        hostip_describe(ifp, d, sizeof d);
        cmd_printf(o, "    link/host %s\n", d);
    } else {
        cmd_printf(o, "    link/none\n");
    }
    const struct if_stats *s = &ifp->stats;
    cmd_printf(o, "    RX: packets %llu bytes %llu drops %llu\n",
               (unsigned long long)s->ipackets, (unsigned long long)s->ibytes,
               (unsigned long long)s->idrops);
    cmd_printf(o, "    TX: packets %llu bytes %llu drops %llu\n",
               (unsigned long long)s->opackets, (unsigned long long)s->obytes,
               (unsigned long long)s->odrops);
}

static void link_show_json(struct cmd_out *o, const struct ifnet *ifp)
{
    const char *fl[4];
    int nf;
    flags_list(ifp, fl, &nf);
    cmd_printf(o, "{\"ifindex\":%u,\"ifname\":", ifp->index);
    cmd_json_str(o, ifp->name);
    cmd_printf(o, ",\"flags\":[");
    for (int i = 0; i < nf; i++)
        cmd_printf(o, "%s\"%s\"", i ? "," : "", fl[i]);
    cmd_printf(o, "],\"mtu\":%u,\"kind\":", ifp->mtu);
    cmd_json_str(o, if_kind(ifp));
    cmd_printf(o, ",\"link_type\":\"%s\"",
               ifp->type == IFT_ETHER ? "ether" : ifp->type == IFT_LOOP ? "loopback" : "none");
    if (ifp->type == IFT_ETHER) {
        char hw[18];
        hwaddr_str(ifp, hw);
        cmd_printf(o, ",\"address\":\"%s\"", hw);
    }
    if (gif_is(ifp)) {
        long long ago = gif_rx_ago(ifp);
        if (ago < 0)
            cmd_printf(o, ",\"last_rx_s_ago\":null");
        else
            cmd_printf(o, ",\"last_rx_s_ago\":%lld", ago);
    }
    const struct if_stats *s = &ifp->stats;
    cmd_printf(o, ",\"stats\":{\"rx\":{\"packets\":%llu,\"bytes\":%llu,\"drops\":%llu},"
               "\"tx\":{\"packets\":%llu,\"bytes\":%llu,\"drops\":%llu}}}",
               (unsigned long long)s->ipackets, (unsigned long long)s->ibytes,
               (unsigned long long)s->idrops, (unsigned long long)s->opackets,
               (unsigned long long)s->obytes, (unsigned long long)s->odrops);
}

static int link_show(struct cmd_ctx *c, int argc, char **argv)
{
    struct ifnet *only = NULL;
    if (argc == 4 && strcmp(argv[2], "dev") == 0)
        argc--, argv++;            /* "link show dev NAME" as in ip(8) */
    if (argc > 3)
        return cmd_usage(c, "usage: link show [NAME]");
    if (argc == 3) {
        int st = 0;
        if (!(only = need_if(c, argv[2], &st)))
            return st;
    }
    bool first = true;
    if (c->json)
        cmd_printf(c->out, "[");
    for (unsigned i = 0; i < SIX_MAX_IFS; i++) {
        struct ifnet *ifp = c->st->ifs[i];
        if (!ifp || (only && ifp != only))
            continue;
        if (c->json) {
            if (!first)
                cmd_printf(c->out, ",");
            link_show_json(c->out, ifp);
        } else {
            link_show_text(c->out, ifp);
        }
        first = false;
    }
    if (c->json)
        cmd_printf(c->out, "]\n");
    return 0;
}

static bool valid_ifname(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n >= IFNAMSIZ)
        return false;
    for (const char *p = s; *p; p++)
        if (*p == '/' || *p == ':' || *p <= ' ' || *p == 0x7f)
            return false;
    return strcmp(s, ".") && strcmp(s, "..");
}


static int parse_role(const char *s)
{
    return !strcmp(s, "server") ? GIF_ROLE_SERVER : !strcmp(s, "client") ? GIF_ROLE_CLIENT
           : !strcmp(s, "off")  ? GIF_ROLE_NONE : -1;
}

/* link add NAME type gif local A remote B: a configured tunnel (net/gif.c) */
static int link_add_gif(struct cmd_ctx *c, int argc, char **argv)
{
    struct in6_addr l, r;
    if (argc != 9 || strcmp(argv[5], "local") || strcmp(argv[7], "remote"))
        return cmd_usage(c, "usage: link add NAME type gif local ADDR remote ADDR");
    if (!in6_parse_addr46(argv[6], &l) || !in6_parse_addr46(argv[8], &r) || in6_is_v4mapped(&l) != in6_is_v4mapped(&r))
        return cmd_usage(c, "gif: local and remote are both IPv4 or both IPv6 addresses");
    int e = 0;
    if (!gif_create(c->st, argv[2], &l, &r, &e))
        return cmd_fail(c, "cannot create gif '%s': %s", argv[2],
                        e == EINVAL ? "local and remote must be distinct unicast addresses" : strerror(e));
    return 0;
}

static int link_add(struct cmd_ctx *c, int argc, char **argv)
{
    /* link add NAME type tap|tun | link add NAME type gif local A remote B */
    if (argc < 5 || strcmp(argv[3], "type") != 0)
        return cmd_usage(c, "usage: link add NAME type tap|tun|gif|host ...");
    const char *name = argv[2], *type = argv[4];
    bool tap = strcmp(type, "tap") == 0, tun = strcmp(type, "tun") == 0, gif = strcmp(type, "gif") == 0;
    bool host = strcmp(type, "host") == 0;
    if (!tap && !tun && !gif && !host)
        return cmd_usage(c, "unknown link type '%s'; try: tap tun gif host", type);
    if (!valid_ifname(name))
        return cmd_usage(c, "bad interface name '%s' (1-%d characters, no '/', ':' or blanks)",
                     name, IFNAMSIZ - 1);
    if (if_find(c->st, name))
        return cmd_fail(c, "interface '%s' already exists", name);
    if (gif)
        return link_add_gif(c, argc, argv);
    if (host)
        return cmd_link_add_host(c, argc, argv);
    bool persist = argc == 6 && strcmp(argv[5], "persist") == 0;
    if (argc != 5 && !persist)
        return cmd_usage(c, "usage: link add NAME type tap|tun [persist]");
    if (!c->ev)
        return cmd_fail(c, "link add type %s needs sixd's event loop", type);
    int e = 0;
    struct ifnet *ifp = tuntap_create_persist(c->st, c->ev, name, tap, persist, &e);
    if (!ifp)
        return cmd_fail(c, "cannot create %s '%s': %s%s", type, name, strerror(e ? e : EIO),
                        e == EINVAL ? " (an existing device of another type or with other flags?)" : "");
    return 0;
}

static int link_del(struct cmd_ctx *c, int argc, char **argv)
{
    if (argc != 3)
        return cmd_usage(c, "usage: link del NAME");
    int st = 0;
    struct ifnet *ifp = need_if(c, argv[2], &st);
    if (!ifp)
        return st;
    if (ifp->pcap)
        if_capture_stop(ifp);
    int r = tuntap_unpersist(ifp);   /* a persistent device goes too */
    if (r < 0)
        return cmd_fail(c, "link del %s: cannot end persistence: %s", ifp->name, strerror(-r));
    if_detach(ifp);
    return 0;
}

/* An SPI as setkey writes it: decimal or 0x hex, 256 and up (RFC 4303 §2.1). */
static bool parse_spi(const char *s, unsigned long *out)
{
    return cmd_parse_num(s, 256, 0xffffffffUL, out);
}

static int link_set(struct cmd_ctx *c, int argc, char **argv)
{
    /* link set NAME [up|down] [mtu N] ... : all parsed first, then applied */
    if (argc < 4)
        return cmd_usage(c, "usage: link set NAME up|down|mtu N");
    int st = 0;
    struct ifnet *ifp = need_if(c, argv[2], &st);
    if (!ifp)
        return st;
    int updown = -1;          /* -1 unchanged, 0 down, 1 up */
    int ingress = -1;         /* gif ingress check: -1 unchanged */
    uint32_t esp_out = 0, esp_in = 0;   /* gif bound to ESP SAs */
    bool esp_set = false, local_set = false;
    int role = -1;            /* hometun role: -1 unchanged */
    struct in6_addr local;
    struct gif_opts gopt;     /* gif hlim, tclass, pmtud (net/gif_icmp.c) */
    gif_opts_init(&gopt);
    unsigned long mtu = 0;
    for (int i = 3; i < argc; i++) {
        if (strcmp(argv[i], "up") == 0) {
            updown = 1;
        } else if (strcmp(argv[i], "down") == 0) {
            updown = 0;
        } else if (strcmp(argv[i], "mtu") == 0) {
            if (i + 1 >= argc)
                return cmd_usage(c, "link set: mtu needs a value");
            if (!cmd_parse_ulong(argv[++i], 68, 65535, &mtu))
                return cmd_usage(c, "link set: bad mtu '%s' (68-65535)", argv[i]);
        } else if (strcmp(argv[i], "esp") == 0 && gif_is(ifp)) {
            unsigned long so, si;
            if (i + 1 < argc && strcmp(argv[i + 1], "off") == 0) {
                esp_out = 0, esp_set = true, i++;
            } else if (i + 2 < argc && parse_spi(argv[i + 1], &so) && parse_spi(argv[i + 2], &si)) {
                esp_out = (uint32_t)so, esp_in = (uint32_t)si, esp_set = true, i += 2;
            } else {
                return cmd_usage(c, "link set: esp SPI-OUT SPI-IN | esp off (SPIs 256 and up)");
            }
        } else if (strcmp(argv[i], "hometun") == 0 && gif_is(ifp)) {
            if (i + 1 >= argc || (role = parse_role(argv[i + 1])) < 0)
                return cmd_usage(c, "link set: hometun server|client|off");
            i++;
        } else if (strcmp(argv[i], "local") == 0 && gif_is(ifp)) {
            if (i + 1 >= argc || !in6_parse_addr46(argv[i + 1], &local))
                return cmd_usage(c, "link set: local ADDR (the tunnel's new local end)");
            local_set = true, i++;
        } else if (strcmp(argv[i], "ingress-check") == 0 && gif_is(ifp)) {
            if (i + 1 >= argc || (strcmp(argv[i + 1], "on") && strcmp(argv[i + 1], "off")))
                return cmd_usage(c, "link set: ingress-check on|off");
            ingress = strcmp(argv[++i], "on") == 0;
        } else if (gif_is(ifp) && gif_opt_word(argv[i])) {
            const char *u = gif_opt_parse(ifp, &gopt, argv[i], i + 1 < argc ? argv[i + 1] : NULL);
            if (u)
                return cmd_usage(c, "link set: %s", u);
            i++;
        } else {
            return cmd_usage(c, "link set: unknown argument '%s'; try: up down mtu "
                             "(gif: ingress-check, esp, hometun, local, hlim, tclass, pmtud)", argv[i]);
        }
    }
    struct ifnet *first = gif_fallback_conflict(ifp, role, esp_set ? esp_out != 0 : -1, local_set ? &local : NULL);
    if (first)
        return cmd_fail(c, "link set %s: %s is already the unbound hometun server (the fallback) on this local "
                        "address; one per server address: bind this one's SAs (esp SPI-OUT SPI-IN)",
                        ifp->name, first->name);
    if (gif_is(ifp))
        gif_opts_apply(ifp, &gopt);
    if (role >= 0)
        gif_set_role(ifp, (enum gif_role)role);
    if (local_set && gif_set_local(ifp, &local) < 0)
        return cmd_fail(c, "link set %s local: the same family as remote, unicast and not remote itself", ifp->name);
    if (ingress >= 0)
        gif_set_ingress_check(ifp, ingress == 1);
    if (esp_set)
        gif_bind_esp(ifp, esp_out, esp_in);
    if (mtu && (mtu != ifp->mtu || gif_is(ifp))) {   /* a gif's mtu is the configured one, ifp->mtu the effective */
        int r = gif_is(ifp) ? gif_set_mtu(ifp, (uint32_t)mtu) : if_set_mtu(ifp, (uint32_t)mtu);
        if (r < 0)
            return cmd_fail(c, "link set %s mtu %lu: %s", ifp->name, mtu, strerror(-r));
    }
    if (updown >= 0 && (bool)updown != !!(ifp->flags & IFF6_UP)) {
        int r = if_set_up(ifp, updown == 1);
        if (r < 0)
            return cmd_fail(c, "link set %s %s: %s", ifp->name, updown ? "up" : "down", strerror(-r));
    }
    return 0;
}

static int cmd_link(struct cmd_ctx *c, int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "show") == 0 || strcmp(argv[1], "list") == 0 ||
        strcmp(argv[1], "ls") == 0)
        return link_show(c, argc < 2 ? 2 : argc, argv);
    if (strcmp(argv[1], "add") == 0)
        return link_add(c, argc, argv);
    if (strcmp(argv[1], "del") == 0 || strcmp(argv[1], "delete") == 0)
        return link_del(c, argc, argv);
    if (strcmp(argv[1], "set") == 0)
        return link_set(c, argc, argv);
    return cmd_usage(c, "unknown link verb '%s'; try: add del set show", argv[1]);
}

/* --------------------------------------------------------------- stats */

struct stats_walk { struct cmd_out *o; bool json, first; };

static void stats_cb(void *ctx, const char *name, uint64_t val)
{
    struct stats_walk *w = ctx;
    if (w->json) {
        cmd_printf(w->o, "%s\n  ", w->first ? "" : ",");
        cmd_json_str(w->o, name);
        cmd_printf(w->o, ": %llu", (unsigned long long)val);
    } else {
        cmd_printf(w->o, "%s %llu\n", name, (unsigned long long)val);
    }
    w->first = false;
}

static int cmd_stats(struct cmd_ctx *c, int argc, char **argv)
{
    bool all = false, prom = false;
    const char *name = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-a") == 0 || strcmp(argv[i], "all") == 0) {
            all = true;
        } else if (strcmp(argv[i], "-o") == 0) {   /* -o text|json|prometheus */
            const char *f = i + 1 < argc ? argv[++i] : "";
            if (!strcmp(f, "prometheus"))
                prom = true;
            else if (!strcmp(f, "json"))
                c->json = true;
            else if (!strcmp(f, "text"))
                c->json = false;
            else
                return cmd_usage(c, "stats -o: text, json or prometheus");
        } else if (argv[i][0] == '-') {
            return cmd_usage(c, "stats: unknown option '%s'; usage: stats [-a] [-o FORMAT] [NAME]", argv[i]);
        } else if (!name) {
            name = argv[i];
        } else {
            return cmd_usage(c, "usage: stats [-a] [-o text|json|prometheus] [NAME]");
        }
    }
    if (prom && name)
        return cmd_usage(c, "stats -o prometheus prints every counter: no NAME");
    if (prom)
        return cmd_stats_prometheus(c);
    if (name) {
        uint64_t v;
        if (six_counter_by_name(&c->st->ctr, name, &v) < 0)
            return cmd_usage(c, "unknown counter '%s'", name);
        if (c->json) {
            cmd_printf(c->out, "{");
            cmd_json_str(c->out, name);
            cmd_printf(c->out, ": %llu}\n", (unsigned long long)v);
        } else {
            cmd_printf(c->out, "%llu\n", (unsigned long long)v);
        }
        return 0;
    }
    struct stats_walk w = { c->out, c->json, true };
    if (c->json)
        cmd_printf(c->out, "{");
    six_counters_foreach(&c->st->ctr, !all, stats_cb, &w);
    if (c->json)
        cmd_printf(c->out, "%s}\n", w.first ? "" : "\n");
    return 0;
}

/* ------------------------------------------------------------- capture */

static int cmd_capture(struct cmd_ctx *c, int argc, char **argv)
{
    if (argc != 3)
        return cmd_usage(c, "usage: capture IFNAME FILE.pcap | capture IFNAME stop");
    int st = 0;
    struct ifnet *ifp = need_if(c, argv[1], &st);
    if (!ifp)
        return st;
    if (strcmp(argv[2], "stop") == 0) {
        if (!ifp->pcap)
            return cmd_fail(c, "capture: %s is not capturing", ifp->name);
        if_capture_stop(ifp);
        return 0;
    }
    if (argv[2][0] == '\0')
        return cmd_usage(c, "capture: empty file name");
    if (ifp->pcap)
        return cmd_fail(c, "capture: %s is already capturing (capture %s stop first)",
                    ifp->name, ifp->name);
    int r = if_capture_start(ifp, argv[2]);
    if (r < 0)
        return cmd_fail(c, "capture %s %s: %s", ifp->name, argv[2], strerror(-r));
    return 0;
}

/* ------------------------------------------------------------ the verbs */

/* The one table of verbs: six_cmd_exec dispatches through it, `help`,
 * `help VERB` and `sixctl -h` print it, the "try:" lists of errors come from
 * it, and tests/unit/test_cmd.c checks contrib/bash-completion/sixctl against
 * it, so none of them can drift. Adding a verb is one line here.
 *
 * A verb of sixd alone (its handler lives in src/sixd/, outside libsix):
 * declare the handler weak here, `int sixd_cmd_NAME(struct cmd_ctx *, int,
 * char **) __attribute__((weak));`, and name it in its line. sixd links the
 * definition; programs without it (the simulator, the demo, the tests) see a
 * NULL handler and answer "NAME is a verb of sixd". */
static int cmd_help(struct cmd_ctx *c, int argc, char **argv);

static const struct cmd_verb verbs[] = {
    { "link", cmd_link, "add del set show",
      "link add NAME type tap|tun [persist]\n"
      "link add NAME type gif local ADDR remote ADDR\n"
      "link add NAME type host [dev IFNAME] [natt-port N]\n"
      "link set NAME [up|down] [mtu N]\n"
      "link set GIF [esp SPI-OUT SPI-IN|esp off] [hometun server|client|off] [local ADDR]\n"
      "         [ingress-check on|off] [hlim N] [tclass N|inherit] [pmtud on|off]\n"
      "link del NAME\n"
      "link show [[dev] NAME]",
      "interfaces: TAP, TUN, gif tunnels (hometun, ESP-bound), host links; tunnels show their last rx" },
    { "addr", cmd_addr, "add del flush show",
      "addr add|del ADDR/LEN dev IF\n"
      "addr flush dev IF [-4|-6] [scope global|link]\n"
      "addr show [dev IF]",
      "IPv6 and IPv4 addresses" },
    { "route", cmd_route, "add replace del show",
      "route add|replace default|default4|default6|PREFIX/LEN [via ADDR] [dev IF]\n"
      "route del default|default4|default6|PREFIX/LEN\n"
      "route show [-4|-6]",
      "the routing table (add refuses an existing route, replace changes it)" },
    { "neigh", cmd_neigh, "add replace del flush show",
      "neigh add|replace ADDR lladdr MAC dev IF [nud permanent|reachable|stale]\n"
      "neigh del ADDR dev IF\n"
      "neigh flush dev IF [nud all]\n"
      "neigh show",
      "neighbor (ND) and ARP caches" },
    { "ping", cmd_ping, "",
      "ping ADDR[%IF]|NAME [-4|-6] [-c N] [-s SIZE] [-i MS] [-W SECS] [-t HOPLIMIT] [-I IF|ADDR]",
      "ICMP echo; exit 0 iff a reply came" },
    { "ra", cmd_ra, "dev show",
      "ra dev IF [prefix P/LEN [valid S] [preferred S]]... [managed] [other] [mtu N] [rdnss ADDR]\n"
      "   [lifetime S] [interval MIN_S MAX_S] | ra dev IF off\n"
      "ra show [dev IF]",
      "router advertisements: what this router sends, what routers, prefixes and RDNSS were learned" },
    { "set", cmd_set, "forwarding addrgen accept_ra",
      "set forwarding on|off [-4|-6]\n"
      "set addrgen eui64|stable dev IF\n"
      "set accept_ra on|off dev IF",
      "router mode and per-interface IPv6 settings" },
    { "addrsel", cmd_addrsel, "show add del default",
      "addrsel show | addrsel add PREFIX/LEN precedence P label L | addrsel del PREFIX/LEN | addrsel default",
      "the RFC 6724 address selection policy table" },
    { "stats", cmd_stats, "",
      "stats [-a] [NAME]\n"
      "stats -o text|json|prometheus",
      "counters (nonzero only unless -a); -o prometheus: every one in Prometheus' text format" },
    { "capture", cmd_capture, "",
      "capture IF FILE.pcap | capture IF stop",
      "pcap capture of an interface" },
    { "serve", cmd_serve, "echo http stop show",
      "serve echo [port N] | serve http [port N] root DIR | serve stop echo|http | serve show",
      "the stack's echo and HTTP servers" },
    { "http", cmd_http, "get",
      "http get URL [-o FILE] [-w SECS]",
      "the stack's HTTP client (addresses or names)" },
    { "nc", cmd_nc, "",
      "nc [-w SECS] HOST PORT | nc -l [-w SECS] PORT     (stdin/stdout over TCP, from sixctl)\n"
      "nc [-u] [-N] [-w SECS] HOST PORT TEXT | nc -l -u [-v] [-w SECS] PORT   (one-shot probe)",
      "TCP client and listener streaming sixctl's stdin/stdout; UDP and one-shot probes" },
    { "socks5", cmd_socks5, "start stop show",
      "socks5 start [bind ADDR] [port N] | socks5 stop | socks5 show",
      "SOCKS5 server on a host socket into the stack" },
    { "resolve", cmd_resolve, "",
      "resolve NAME [-4|-6]",
      "addresses in RFC 6724 order; exit 0 iff any" },
    { "dns", cmd_dns, "server show cache",
      "dns server add|del ADDR [port N] | dns show | dns cache flush",
      "the stub resolver" },
    { "dhcp6", cmd_dhcp6, "server client relay leases reconfigure",
      "dhcp6 server dev IF pool A-B [link P/L] [pd-pool P/L delegate N] [dns ADDR]... [domain NAME]... [rapid-commit on|off]\n"
      "    [preference N] [valid S] [preferred S] [t1 S] [t2 S] [reconfigure on|off] [reserve DUID address A|prefix P/L]...\n"
      "    [store FILE|postgresql://...]\n"
      "dhcp6 server dev IF [link P/L] off | dhcp6 server show\n"
      "dhcp6 client dev IF [ia-na] [ia-pd [hint /N]] [pd-to IF sla N]... [rapid-commit] [reconfigure-accept]\n"
      "  [info-only] [duid-file FILE] | dhcp6 client dev IF off [release] | dhcp6 client show\n"
      "dhcp6 relay dev IF server ADDR [server ADDR]... [upstream IF] [interface-id on|off] | dhcp6 relay dev IF off | dhcp6 relay show\n"
      "dhcp6 leases | dhcp6 reconfigure DUID|ADDR [renew|rebind|information-request]",
      "DHCPv6 (RFC 9915) server with prefix delegation and a durable lease store, client, relay agent" },
    { "dstm", cmd_dstm, "aiih dns update client br bindings napt",
      "dstm aiih ... | dstm dns ... | dstm update ... | dstm client ... | dstm br ... | dstm bindings | dstm napt (see sixctl(8), DSTM)",
      "DSTM (draft-ietf-ngtrans-dstm) and lw4o6: AIIH server, DTI client, border router" },
    { "ipsec", cmd_ipsec, "load exec sa spd flush state",
      "ipsec load FILE | ipsec exec SETKEY-TEXT\n"
      "ipsec sa | ipsec spd | ipsec flush\n"
      "ipsec sa reset SPI [dst ADDR]\n"
      "ipsec state [save | reserve N]",
      "setkey(8)-syntax SAs and policies (all or nothing); the SAD with NAT-T ports and last packets" },
    { "reload", cmd_reload, "",
      "reload",
      "re-read sixd's configuration file (-c) and apply what changed, all or nothing" },
    { "status", cmd_status, "",
      "status",
      "uptime, interfaces, tunnels, SAs, routes, leases in one screen (-j)" },
    { "config", cmd_config, "show",
      "config show",
      "the running configuration as a file sixd -c accepts" },
    { "version", cmd_version, "",
      "version",
      "sixctl's and sixd's versions" },
    { "metrics", cmd_metrics, "listen show",
      "metrics listen ADDR:PORT|[ADDR]:PORT|off\n"
      "metrics show",
      "sixd's Prometheus endpoint: HTTP GET /metrics on a host socket (off by default)" },
    { "help", cmd_help, "",
      "help [VERB]",
      "this list, or one verb's usage" },
    /* aliases: no usage, not listed */
    { "address", cmd_addr, NULL, NULL, NULL },
    { "neighbor", cmd_neigh, NULL, NULL, NULL },
};

const struct cmd_verb *cmd_verbs(size_t *n)
{
    *n = sizeof verbs / sizeof verbs[0];
    return verbs;
}

const struct cmd_verb *cmd_verb_find(const char *name)
{
    for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++)
        if (!strcmp(verbs[i].name, name))
            return &verbs[i];
    return NULL;
}

/* "link addr route ...": the listed verbs, for "try:" hints */
static void verb_names(struct cmd_out *o)
{
    for (size_t i = 0, k = 0; i < sizeof verbs / sizeof verbs[0]; i++)
        if (verbs[i].usage)
            cmd_printf(o, "%s%s", k++ ? " " : "", verbs[i].name);
}

/* "VERB: summary", then its forms, one a line. */
static void help_verb(struct cmd_out *o, const struct cmd_verb *v)
{
    cmd_printf(o, "%s: %s\n", v->name, v->summary);
    for (const char *u = v->usage; *u;) {
        const char *nl = strchr(u, '\n');
        int len = nl ? (int)(nl - u) : (int)strlen(u);
        cmd_printf(o, "    %.*s\n", len, u);
        if (!nl)
            break;
        u = nl + 1;
    }
}

int cmd_help_write(struct cmd_out *o, const char *verb)
{
    if (verb) {
        const struct cmd_verb *v = cmd_verb_find(verb);
        if (!v)
            return -1;
        while (!v->usage)                  /* an alias: its verb's entry */
            for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++)
                if (verbs[i].fn == v->fn && verbs[i].usage)
                    v = &verbs[i];
        help_verb(o, v);
        return 0;
    }
    for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++)
        if (verbs[i].usage)
            help_verb(o, &verbs[i]);
    return 0;
}

static int cmd_help(struct cmd_ctx *c, int argc, char **argv)
{
    if (argc > 2)
        return cmd_usage(c, "usage: help [VERB]");
    if (cmd_help_write(c->out, argc == 2 ? argv[1] : NULL) < 0) {
        struct cmd_out names;
        cmd_out_init(&names);
        verb_names(&names);
        int rc = cmd_usage(c, "help: unknown verb '%s'; try: %s", argv[1], names.buf);
        cmd_out_free(&names);
        return rc;
    }
    return 0;
}

/* ------------------------------------------------------------ dispatch */

int six_cmd_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
    if (argc > CMD_MAX_ARGS)
        return cmd_usage(ctx, "too many arguments (at most %d)", CMD_MAX_ARGS);
    const struct cmd_verb *v = argc >= 1 && argv && argv[0] ? cmd_verb_find(argv[0]) : NULL;
    if (v && v->fn)
        return v->fn(ctx, argc, argv);
    if (v)
        return cmd_fail(ctx, "'%s' is a verb of sixd (this program has no daemon)", v->name);
    struct cmd_out names;
    cmd_out_init(&names);
    verb_names(&names);
    int rc = argc < 1 || !argv || !argv[0] ? cmd_usage(ctx, "empty command; try: %s", names.buf)
                                           : cmd_usage(ctx, "unknown object '%s'; try: %s", argv[0], names.buf);
    cmd_out_free(&names);
    return rc;
}
