/* `sixctl dhcp6 server|leases|reconfigure` (src/dhcp6/server.h; man/sixctl.8, DHCPv6). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include "ctl/cmd_dhcp6.h"
#include "dhcp6/server.h"

#define D6S_STORE_FILE "dhcp6-leases"   /* in sixd's state directory when no store is named */

static const char server_usage[] =
    "dhcp6 server dev IF pool A-B [link P/L] [pd-pool P/L delegate N] [dns ADDR]... [domain NAME]... "
    "[rapid-commit on|off] [preference N] [valid S] [preferred S] [t1 S] [t2 S] [reconfigure on|off] "
    "[reserve DUID address A|prefix P/L]... [store FILE|postgresql://...] | dhcp6 server dev IF [link P/L] off | "
    "dhcp6 server show";

static bool parse_prefix(const char *s, struct in6_addr *a, uint8_t *plen)
{
    char buf[INET6_ADDRSTRLEN + 8];
    const char *slash = strchr(s, '/');
    unsigned long l;
    if (!slash || (size_t)(slash - s) >= sizeof buf || !cmd_parse_ulong(slash + 1, 0, 128, &l))
        return false;
    memcpy(buf, s, (size_t)(slash - s));
    buf[slash - s] = 0;
    if (inet_pton(AF_INET6, buf, a) != 1)
        return false;
    *plen = (uint8_t)l;
    for (unsigned i = l; i < 128; i++)   /* masked: P/L names the prefix, not an address in it */
        a->s6_addr[i / 8] &= (uint8_t)~(0x80u >> (i % 8));
    return true;
}

static bool parse_range(const char *s, struct in6_addr *lo, struct in6_addr *hi)
{
    char buf[2 * INET6_ADDRSTRLEN + 2];
    if (strlen(s) >= sizeof buf)
        return false;
    strcpy(buf, s);
    char *dash = strchr(buf, '-');
    if (!dash)
        return false;
    *dash = 0;
    return inet_pton(AF_INET6, buf, lo) == 1 && inet_pton(AF_INET6, dash + 1, hi) == 1;
}

static int hexval(int ch)
{
    if (ch >= '0' && ch <= '9') return ch - '0';
    if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
    return -1;
}

/* "00:01:00:01:..." or "000100..." → octets; 3..130 of them. */
static bool parse_duid(const char *s, uint8_t *out, size_t *len)
{
    size_t n = 0;
    while (*s) {
        if (*s == ':') {
            s++;
            continue;
        }
        int h = hexval(s[0]), l = s[1] ? hexval(s[1]) : -1;
        if (h < 0 || l < 0 || n >= DHCP6_DUID_MAX)
            return false;
        out[n++] = (uint8_t)(h << 4 | l);
        s += 2;
    }
    *len = n;
    return n >= 3;
}

/* Every ':'-separated group two hex digits: a DUID written as octets. */
static bool duid_octets(const char *s)
{
    size_t run = 0;
    for (; *s; s++) {
        if (*s == ':') {
            if (run != 2)
                return false;
            run = 0;
        } else if (hexval(*s) < 0) {
            return false;
        } else {
            run++;
        }
    }
    return run == 2;
}

static bool parse_onoff(const char *s, bool *v)
{
    if (!strcmp(s, "on")) return *v = true, true;
    if (!strcmp(s, "off")) return *v = false, true;
    return false;
}

static int parse_reserve(struct cmd_ctx *c, struct d6s_config *cfg, int argc, char **argv, int *i)
{
    if (*i + 3 >= argc)
        return cmd_usage(c, "reserve DUID address A|prefix P/L");
    if (cfg->n_res >= D6S_MAX_RES)
        return cmd_usage(c, "at most %d reservations per interface", D6S_MAX_RES);
    struct d6s_reservation *r = &cfg->res[cfg->n_res];
    memset(r, 0, sizeof *r);
    size_t dl;
    if (!parse_duid(argv[*i + 1], r->duid, &dl))
        return cmd_usage(c, "reserve: bad DUID '%s' (hex octets, 3 to %d)", argv[*i + 1], DHCP6_DUID_MAX);
    r->duid_len = (uint8_t)dl;
    for (int k = 0; k < cfg->n_res; k++)
        if (cfg->res[k].duid_len == dl && !memcmp(cfg->res[k].duid, r->duid, dl))
            r = &cfg->res[k];   /* address and prefix for one DUID: two words, one entry */
    if (!strcmp(argv[*i + 2], "address")) {
        if (inet_pton(AF_INET6, argv[*i + 3], &r->addr) != 1)
            return cmd_usage(c, "reserve: bad address '%s'", argv[*i + 3]);
        r->has_addr = true;
    } else if (!strcmp(argv[*i + 2], "prefix")) {
        if (!parse_prefix(argv[*i + 3], &r->prefix, &r->plen))
            return cmd_usage(c, "reserve: bad prefix '%s'", argv[*i + 3]);
        r->has_prefix = true;
    } else {
        return cmd_usage(c, "reserve DUID address A|prefix P/L");
    }
    if (r == &cfg->res[cfg->n_res])
        cfg->n_res++;
    *i += 3;
    return 0;
}

static int parse_secs(struct cmd_ctx *c, const char *what, const char *s, uint32_t *v)
{
    unsigned long x;
    if (!cmd_parse_ulong(s, 0, 0xffffffffu, &x))
        return cmd_usage(c, "%s: seconds expected, got '%s'", what, s);
    *v = (uint32_t)x;
    return 0;
}

/* One option word at argv[*i] (and its arguments). */
static int parse_word(struct cmd_ctx *c, struct d6s_config *cfg, int argc, char **argv, int *i)
{
    const char *w = argv[*i];
    if (!strcmp(w, "reserve"))
        return parse_reserve(c, cfg, argc, argv, i);
    if (*i + 1 >= argc)
        return cmd_usage(c, "%s: value expected", w);
    const char *v = argv[++*i];
    unsigned long x;
    if (!strcmp(w, "pool")) {
        if (!parse_range(v, &cfg->pool_lo, &cfg->pool_hi))
            return cmd_usage(c, "pool A-B: two IPv6 addresses, got '%s'", v);
        cfg->has_pool = true;
    } else if (!strcmp(w, "link")) {
        if (!parse_prefix(v, &cfg->link, &cfg->link_len))
            return cmd_usage(c, "link P/L: a prefix, got '%s'", v);
        cfg->has_link = true;
    } else if (!strcmp(w, "pd-pool")) {
        if (!parse_prefix(v, &cfg->pd, &cfg->pd_len) || *i + 2 >= argc || strcmp(argv[*i + 1], "delegate") ||
            !cmd_parse_ulong(argv[*i + 2], 1, 128, &x))
            return cmd_usage(c, "pd-pool P/L delegate N");
        cfg->pd_delegate = (uint8_t)x;
        cfg->has_pd = true;
        *i += 2;
    } else if (!strcmp(w, "dns")) {
        if (cfg->n_dns >= D6S_MAX_DNS || inet_pton(AF_INET6, v, &cfg->dns[cfg->n_dns]) != 1)
            return cmd_usage(c, "dns ADDR: an IPv6 address (at most %d), got '%s'", D6S_MAX_DNS, v);
        cfg->n_dns++;
    } else if (!strcmp(w, "domain")) {
        if (cfg->n_domain >= D6S_MAX_DOMAINS || strlen(v) >= sizeof cfg->domain[0] || !strchr(v, '.') ||
            strspn(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.") != strlen(v))
            return cmd_usage(c, "domain NAME: a DNS name (at most %d), got '%s'", D6S_MAX_DOMAINS, v);
        strcpy(cfg->domain[cfg->n_domain++], v);
    } else if (!strcmp(w, "rapid-commit")) {
        if (!parse_onoff(v, &cfg->rapid_commit))
            return cmd_usage(c, "rapid-commit on|off");
    } else if (!strcmp(w, "reconfigure")) {
        if (!parse_onoff(v, &cfg->reconfigure))
            return cmd_usage(c, "reconfigure on|off");
    } else if (!strcmp(w, "preference")) {
        if (!cmd_parse_ulong(v, 0, 255, &x))
            return cmd_usage(c, "preference 0..255, got '%s'", v);
        cfg->preference = (uint8_t)x;
    } else if (!strcmp(w, "valid")) {
        return parse_secs(c, w, v, &cfg->valid);
    } else if (!strcmp(w, "preferred")) {
        return parse_secs(c, w, v, &cfg->preferred);
    } else if (!strcmp(w, "t1")) {
        return parse_secs(c, w, v, &cfg->t1);
    } else if (!strcmp(w, "t2")) {
        return parse_secs(c, w, v, &cfg->t2);
    } else if (!strcmp(w, "store")) {
        if (!*v || strlen(v) >= sizeof cfg->store)
            return cmd_usage(c, "store FILE|postgresql://...: too long or empty");
        strcpy(cfg->store, v);
    } else {
        return cmd_usage(c, "dhcp6 server: unknown word '%s' (%s)", w, server_usage);
    }
    return 0;
}

static void default_store(struct cmd_ctx *c, struct d6s_config *cfg)
{
    if (cfg->store[0] || d6s_running(c->st) || !c->host || !c->host->state_dir)
        return;
    const char *dir = c->host->state_dir(c->host->arg);
    if (dir && *dir)
        snprintf(cfg->store, sizeof cfg->store, "%s/%s", dir, D6S_STORE_FILE);
}

static void put_duid_hex(struct cmd_out *o, const uint8_t *d, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        cmd_printf(o, "%02x", d[i]);
}

static void show_link(struct cmd_ctx *c, const struct d6s_link_info *li, bool first)
{
    const struct d6s_config *k = &li->cfg;
    char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];
    if (c->json) {
        cmd_printf(c->out, "%s{\"dev\":", first ? "" : ",");
        cmd_json_str(c->out, k->ifname);
        if (k->has_link)
            cmd_printf(c->out, ",\"link\":\"%s/%u\"", inet_ntop(AF_INET6, &k->link, a, sizeof a), k->link_len);
        if (k->has_pool)
            cmd_printf(c->out, ",\"pool\":\"%s-%s\",\"pool_size\":%llu,\"pool_used\":%llu",
                       inet_ntop(AF_INET6, &k->pool_lo, a, sizeof a), inet_ntop(AF_INET6, &k->pool_hi, b, sizeof b),
                       (unsigned long long)li->na_size, (unsigned long long)li->na_used);
        if (k->has_pd)
            cmd_printf(c->out, ",\"pd_pool\":\"%s/%u\",\"delegate\":%u,\"pd_size\":%llu,\"pd_used\":%llu",
                       inet_ntop(AF_INET6, &k->pd, a, sizeof a), k->pd_len, k->pd_delegate,
                       (unsigned long long)li->pd_size, (unsigned long long)li->pd_used);
        cmd_printf(c->out, ",\"rapid_commit\":%s,\"reconfigure\":%s,\"preference\":%u,\"valid\":%u,\"preferred\":%u,"
                   "\"reservations\":%d,\"dns\":[",
                   k->rapid_commit ? "true" : "false", k->reconfigure ? "true" : "false", k->preference, k->valid,
                   k->preferred, k->n_res);
        for (int i = 0; i < k->n_dns; i++)
            cmd_printf(c->out, "%s\"%s\"", i ? "," : "", inet_ntop(AF_INET6, &k->dns[i], a, sizeof a));
        cmd_printf(c->out, "],\"domains\":[");
        for (int i = 0; i < k->n_domain; i++) {
            cmd_printf(c->out, "%s", i ? "," : "");
            cmd_json_str(c->out, k->domain[i]);
        }
        cmd_printf(c->out, "]}");
        return;
    }
    cmd_printf(c->out, "dev %s", k->ifname);
    if (k->has_link)
        cmd_printf(c->out, " link %s/%u", inet_ntop(AF_INET6, &k->link, a, sizeof a), k->link_len);
    if (k->has_pool)
        cmd_printf(c->out, " pool %s-%s (%llu used)", inet_ntop(AF_INET6, &k->pool_lo, a, sizeof a),
                   inet_ntop(AF_INET6, &k->pool_hi, b, sizeof b), (unsigned long long)li->na_used);
    if (k->has_pd)
        cmd_printf(c->out, " pd-pool %s/%u delegate %u (%llu used)", inet_ntop(AF_INET6, &k->pd, a, sizeof a),
                   k->pd_len, k->pd_delegate, (unsigned long long)li->pd_used);
    cmd_printf(c->out, " valid %u preferred %u%s%s", k->valid, k->preferred, k->rapid_commit ? " rapid-commit on" : "",
               k->reconfigure ? " reconfigure on" : "");
    if (k->preference)
        cmd_printf(c->out, " preference %u", k->preference);
    for (int i = 0; i < k->n_dns; i++)
        cmd_printf(c->out, " dns %s", inet_ntop(AF_INET6, &k->dns[i], a, sizeof a));
    for (int i = 0; i < k->n_domain; i++)
        cmd_printf(c->out, " domain %s", k->domain[i]);
    if (k->n_res)
        cmd_printf(c->out, " reservations %d", k->n_res);
    cmd_printf(c->out, "\n");
}

static int server_show(struct cmd_ctx *c)
{
    struct d6s_info in;
    d6s_info(c->st, &in);
    if (c->json) {
        cmd_printf(c->out, "{\"running\":%s", in.running ? "true" : "false");
        if (in.running) {
            cmd_printf(c->out, ",\"store\":");
            cmd_json_str(c->out, in.store);
            cmd_printf(c->out, ",\"store_kind\":\"%s\",\"duid\":\"", in.store_kind);
            put_duid_hex(c->out, in.duid, in.duid_len);
            cmd_printf(c->out, "\",\"leases\":%u,\"max_leases\":%u,\"pending\":%u,\"reconfigure_pending\":%u,"
                       "\"commits\":%llu,\"fsyncs\":%llu,\"links\":[",
                       in.leases, in.max_leases, in.pending, in.reconf_pending,
                       (unsigned long long)in.store_stats.commits, (unsigned long long)in.store_stats.fsyncs);
            struct d6s_link_info li;
            for (unsigned i = 0; d6s_link_info(c->st, i, &li); i++)
                show_link(c, &li, i == 0);
            cmd_printf(c->out, "]");
        }
        cmd_printf(c->out, "}\n");
        return 0;
    }
    if (!in.running) {
        cmd_printf(c->out, "dhcp6 server: off\n");
        return 0;
    }
    cmd_printf(c->out, "dhcp6 server: store %s (%s), duid ", in.store, in.store_kind);
    put_duid_hex(c->out, in.duid, in.duid_len);
    cmd_printf(c->out, ", %u leases (max %u), %u pending\n", in.leases, in.max_leases, in.pending);
    struct d6s_link_info li;
    for (unsigned i = 0; d6s_link_info(c->st, i, &li); i++)
        show_link(c, &li, i == 0);
    return 0;
}

int cmd_dhcp6_server(struct cmd_ctx *c, int argc, char **argv)
{
    if (argc == 1 || (argc == 2 && !strcmp(argv[1], "show")))
        return server_show(c);
    if (argc < 3 || strcmp(argv[1], "dev"))
        return cmd_usage(c, "%s", server_usage);
    char why[512] = "";
    const char *ifname = argv[2];
    if (strlen(ifname) >= IFNAMSIZ)
        return cmd_usage(c, "dev: interface name too long");
    if (argc == 4 && !strcmp(argv[3], "off")) {
        if (d6s_disable(c->st, ifname, NULL, 0, why, sizeof why) < 0)
            return cmd_fail(c, "dhcp6 server: %s", why);
        return 0;
    }
    if (argc == 6 && !strcmp(argv[3], "link") && !strcmp(argv[5], "off")) {
        struct in6_addr p;
        uint8_t l;
        if (!parse_prefix(argv[4], &p, &l))
            return cmd_usage(c, "link P/L: a prefix, got '%s'", argv[4]);
        if (d6s_disable(c->st, ifname, &p, l, why, sizeof why) < 0)
            return cmd_fail(c, "dhcp6 server: %s", why);
        return 0;
    }
    struct d6s_config *cfg = calloc(1, sizeof *cfg);
    if (!cfg)
        return cmd_fail(c, "out of memory");
    strcpy(cfg->ifname, ifname);
    cfg->valid = D6S_VALID_DEFAULT;
    cfg->preferred = D6S_PREFERRED_DEFAULT;
    int rc = 0;
    for (int i = 3; i < argc && !rc; i++)
        rc = parse_word(c, cfg, argc, argv, &i);
    if (!rc) {
        default_store(c, cfg);
        if (d6s_configure(c->st, cfg, why, sizeof why) < 0)
            rc = cmd_fail(c, "dhcp6 server: %s", why);
    }
    free(cfg);
    return rc;
}

/* ------------------------------------------------------------ leases */

struct leases_ctx { struct cmd_ctx *c; bool first; };

static const char *state_name(uint8_t s)
{
    return s == LEASE_BOUND ? "bound" : s == LEASE_DECLINED ? "declined" : s == LEASE_FREE ? "free" : "?";
}

static void lease_line(void *arg, const struct lease *l, const char *ifname, int64_t now)
{
    struct leases_ctx *x = arg;
    struct cmd_ctx *c = x->c;
    char a[INET6_ADDRSTRLEN];
    inet_ntop(AF_INET6, &l->addr, a, sizeof a);
    long long left = l->expires > now ? (long long)(l->expires - now) : 0;
    if (c->json) {
        cmd_printf(c->out, "%s{\"%s\":\"%s", x->first ? "" : ",", l->kind == LEASE_PD ? "prefix" : "address", a);
        if (l->kind == LEASE_PD)
            cmd_printf(c->out, "/%u", l->plen);
        cmd_printf(c->out, "\",\"duid\":\"");
        put_duid_hex(c->out, l->duid, l->duid_len);
        cmd_printf(c->out, "\",\"iaid\":%u,\"state\":\"%s\",\"expires_in\":%lld,\"dev\":", l->iaid,
                   state_name(l->state), left);
        cmd_json_str(c->out, ifname);
        cmd_printf(c->out, ",\"reconfigure_key\":%s}", l->has_rkey ? "true" : "false");
    } else {
        cmd_printf(c->out, "%s", a);
        if (l->kind == LEASE_PD)
            cmd_printf(c->out, "/%u", l->plen);
        cmd_printf(c->out, " duid ");
        put_duid_hex(c->out, l->duid, l->duid_len);
        cmd_printf(c->out, " iaid %u %s expires in %llds dev %s\n", l->iaid, state_name(l->state), left,
                   *ifname ? ifname : "-");
    }
    x->first = false;
}

int cmd_dhcp6_leases(struct cmd_ctx *c, int argc, char **argv)
{
    if (argc != 1)
        return cmd_usage(c, "dhcp6 leases");
    struct leases_ctx x = { c, true };
    if (c->json)
        cmd_printf(c->out, "[");
    d6s_foreach_lease(c->st, lease_line, &x);
    if (c->json)
        cmd_printf(c->out, "]\n");
    return 0;
}

/* ------------------------------------------------------------ reconfigure */

int cmd_dhcp6_reconfigure(struct cmd_ctx *c, int argc, char **argv)
{
    static const char usage[] = "dhcp6 reconfigure DUID|ADDR [renew|rebind|information-request]";
    if (argc < 2 || argc > 3)
        return cmd_usage(c, usage);
    uint8_t msg = DHCP6_RENEW;
    if (argc == 3) {
        if (!strcmp(argv[2], "renew")) msg = DHCP6_RENEW;
        else if (!strcmp(argv[2], "rebind")) msg = DHCP6_REBIND;
        else if (!strcmp(argv[2], "information-request")) msg = DHCP6_INFORMATION_REQUEST;
        else return cmd_usage(c, usage);
    }
    struct in6_addr a;
    uint8_t duid[DHCP6_DUID_MAX];
    size_t dl = 0;
    /* "00:01:00:01:2a:3b:4c:5d" parses as an IPv6 address too: octet
     * groups of two digits each are taken as a DUID */
    bool is_addr = !duid_octets(argv[1]) && inet_pton(AF_INET6, argv[1], &a) == 1;
    if (!is_addr) {
        uint8_t plen;
        if (strchr(argv[1], '/') && parse_prefix(argv[1], &a, &plen))
            is_addr = true;
        else if (!parse_duid(argv[1], duid, &dl))
            return cmd_usage(c, "%s: '%s' is neither an address, a prefix nor a DUID", usage, argv[1]);
    }
    char why[256] = "";
    if (d6s_reconfigure(c->st, is_addr ? NULL : duid, is_addr ? 0 : dl, is_addr ? &a : NULL, msg, why, sizeof why) < 0)
        return cmd_fail(c, "dhcp6 reconfigure: %s", why);
    return 0;
}
