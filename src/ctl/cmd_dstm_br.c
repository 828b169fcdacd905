/* `sixctl dstm br ...`: the border router (src/dstm/br.h).
 *   dstm br dev NAME local ADDR6 pool P/L [share K [offset A]] ... [aiih ADDR6]
 *           [mtu N] [hlim N] [max-bindings N]
 *   dstm br off | show
 *   dstm br binding add V4 [psid N/K] v6 ADDR6 [expires S]
 *   dstm br binding del V4 [psid N/K]
 *   dstm br bindings */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include "ctl/cmd_dstm.h"
#include "dstm/br.h"
#include "dhcp6/lease.h"

#define BR_USAGE "usage: dstm br dev NAME local ADDR6 pool P/L [share K [offset A]] ... [aiih ADDR6] [mtu N] " \
                 "[hlim N] [max-bindings N] | off | show | binding add V4 [psid N/K] v6 ADDR6 [expires S] | " \
                 "binding del V4 [psid N/K] | bindings"

static bool parse_prefix4(const char *s, struct in_addr *a, uint8_t *plen)
{
    char buf[32];
    const char *slash = strchr(s, '/');
    unsigned long l;
    if (!slash || (size_t)(slash - s) >= sizeof buf || !cmd_parse_ulong(slash + 1, 0, 32, &l))
        return false;
    memcpy(buf, s, (size_t)(slash - s));
    buf[slash - s] = 0;
    *plen = (uint8_t)l;
    return inet_pton(AF_INET, buf, a) == 1;
}

/* A pool's options after it: share K [offset A]. *i: the last word used. */
static int parse_pool(struct cmd_ctx *c, int argc, char **argv, int *i, struct br_pool *p)
{
    unsigned long v;
    if (*i + 1 >= argc || !parse_prefix4(argv[*i + 1], &p->prefix, &p->plen))
        return cmd_usage(c, "dstm br: pool P/L");
    *i += 1;
    p->offset = 6;   /* RFC 7597 default, used only with share */
    if (*i + 2 < argc && !strcmp(argv[*i + 1], "share")) {
        if (!cmd_parse_ulong(argv[*i + 2], 1, 16, &v))
            return cmd_usage(c, "dstm br: share K (PSID bits, 1..16)");
        p->psid_len = (uint8_t)v;
        *i += 2;
        if (*i + 2 < argc && !strcmp(argv[*i + 1], "offset")) {
            if (!cmd_parse_ulong(argv[*i + 2], 0, 15, &v))
                return cmd_usage(c, "dstm br: offset A (0..15)");
            p->offset = (uint8_t)v;
            *i += 2;
        }
    } else {
        p->offset = 0;
    }
    return 0;
}

static int parse_config(struct cmd_ctx *c, int argc, char **argv, struct br_config *cfg)
{
    unsigned long v;
    memset(cfg, 0, sizeof *cfg);
    for (int i = 1; i < argc; i++) {
        const char *k = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
        int rc;
        if (!strcmp(k, "pool")) {
            if (cfg->n_pools == BR_MAX_POOLS)
                return cmd_usage(c, "dstm br: at most %d pools", BR_MAX_POOLS);
            if ((rc = parse_pool(c, argc, argv, &i, &cfg->pools[cfg->n_pools])))
                return rc;
            cfg->n_pools++;
            continue;
        }
        if (!val)
            return cmd_usage(c, BR_USAGE);
        i++;
        if (!strcmp(k, "dev")) {
            if (strlen(val) >= sizeof cfg->ifname)
                return cmd_usage(c, "dstm br: interface name too long");
            snprintf(cfg->ifname, sizeof cfg->ifname, "%s", val);
        } else if (!strcmp(k, "local")) {
            if (inet_pton(AF_INET6, val, &cfg->local) != 1)
                return cmd_usage(c, "dstm br: local ADDR6");
        } else if (!strcmp(k, "aiih")) {
            if (inet_pton(AF_INET6, val, &cfg->aiih) != 1)
                return cmd_usage(c, "dstm br: aiih ADDR6");
            cfg->has_aiih = true;
        } else if (!strcmp(k, "mtu") && cmd_parse_ulong(val, 1280, 65535, &v)) {
            cfg->mtu = (uint32_t)v;
        } else if (!strcmp(k, "hlim") && cmd_parse_ulong(val, 1, 255, &v)) {
            cfg->hlim = (uint32_t)v;
        } else if (!strcmp(k, "max-bindings") && cmd_parse_ulong(val, 1, 1ul << 24, &v)) {
            cfg->max_bindings = (uint32_t)v;
        } else {
            return cmd_usage(c, "dstm br: bad '%s %s'", k, val);
        }
    }
    if (!cfg->n_pools || !memcmp(&cfg->local, &in6addr_any, sizeof cfg->local))
        return cmd_usage(c, "dstm br: local ADDR6 and at least one pool are required");
    return 0;
}

static void show_text(struct cmd_ctx *c, const struct br_info *in)
{
    char a[INET6_ADDRSTRLEN], p[INET_ADDRSTRLEN];
    if (!in->running) {
        cmd_printf(c->out, "dstm br: off\n");
        return;
    }
    cmd_printf(c->out, "dstm br: dev %s local %s mtu %u hlim %u max-bindings %u\n", in->cfg.ifname,
               inet_ntop(AF_INET6, &in->cfg.local, a, sizeof a), in->cfg.mtu, in->cfg.hlim, in->cfg.max_bindings);
    for (int i = 0; i < in->cfg.n_pools; i++) {
        const struct br_pool *pl = &in->cfg.pools[i];
        cmd_printf(c->out, "  pool %s/%u", inet_ntop(AF_INET, &pl->prefix, p, sizeof p), pl->plen);
        if (pl->psid_len)
            cmd_printf(c->out, " share %u offset %u", pl->psid_len, pl->offset);
        cmd_printf(c->out, "\n");
    }
    if (in->cfg.has_aiih)
        cmd_printf(c->out, "  aiih %s (Leasequery)\n", inet_ntop(AF_INET6, &in->cfg.aiih, a, sizeof a));
    cmd_printf(c->out, "  bindings %llu (static %llu), parked packets %llu, leasequeries %llu\n",
               (unsigned long long)in->bindings, (unsigned long long)in->static_bindings,
               (unsigned long long)in->pending, (unsigned long long)in->lq_inflight);
}

static void show_json(struct cmd_ctx *c, const struct br_info *in)
{
    char a[INET6_ADDRSTRLEN], p[INET_ADDRSTRLEN];
    cmd_printf(c->out, "{\"running\":%s", in->running ? "true" : "false");
    if (in->running) {
        cmd_printf(c->out, ",\"dev\":");
        cmd_json_str(c->out, in->cfg.ifname);
        cmd_printf(c->out, ",\"local\":\"%s\",\"mtu\":%u,\"hlim\":%u,\"max_bindings\":%u,\"pools\":[",
                   inet_ntop(AF_INET6, &in->cfg.local, a, sizeof a), in->cfg.mtu, in->cfg.hlim, in->cfg.max_bindings);
        for (int i = 0; i < in->cfg.n_pools; i++) {
            const struct br_pool *pl = &in->cfg.pools[i];
            cmd_printf(c->out, "%s{\"prefix\":\"%s/%u\",\"share\":%u,\"offset\":%u}", i ? "," : "",
                       inet_ntop(AF_INET, &pl->prefix, p, sizeof p), pl->plen, pl->psid_len, pl->offset);
        }
        cmd_printf(c->out, "]");
        if (in->cfg.has_aiih)
            cmd_printf(c->out, ",\"aiih\":\"%s\"", inet_ntop(AF_INET6, &in->cfg.aiih, a, sizeof a));
        cmd_printf(c->out, ",\"bindings\":%llu,\"static_bindings\":%llu,\"pending\":%llu,\"lq_inflight\":%llu",
                   (unsigned long long)in->bindings, (unsigned long long)in->static_bindings,
                   (unsigned long long)in->pending, (unsigned long long)in->lq_inflight);
    }
    cmd_printf(c->out, "}\n");
}

struct list_ctx { struct cmd_ctx *c; int n; int64_t now; };

static void list_one(void *arg, const struct dstm_binding *b, bool is_static)
{
    struct list_ctx *l = arg;
    struct cmd_ctx *c = l->c;
    char v4[INET_ADDRSTRLEN], v6[INET6_ADDRSTRLEN];
    inet_ntop(AF_INET, &b->v4, v4, sizeof v4);
    inet_ntop(AF_INET6, &b->v6, v6, sizeof v6);
    long long left = b->expires ? (long long)(b->expires - l->now) : -1;
    if (c->json) {
        cmd_printf(c->out, "%s{\"v4\":\"%s\",\"psid\":%u,\"psid_len\":%u,\"offset\":%u,\"v6\":\"%s\","
                           "\"static\":%s,\"expires_in\":%lld}", l->n ? "," : "", v4, b->ps.psid,
                   b->ps.psid_len, b->ps.offset, v6, is_static ? "true" : "false", left);
    } else {
        cmd_printf(c->out, "%s", v4);
        if (b->ps.psid_len)
            cmd_printf(c->out, " psid %u/%u", b->ps.psid, b->ps.psid_len);
        cmd_printf(c->out, " v6 %s %s", v6, is_static ? "static" : "learned");
        if (left >= 0)
            cmd_printf(c->out, " expires %llds", left);
        cmd_printf(c->out, "\n");
    }
    l->n++;
}

/* V4 [psid N/K]: *i at V4 on entry, at the last word used on return. */
static int parse_key(struct cmd_ctx *c, int argc, char **argv, int *i, struct dstm_binding *b)
{
    struct br_info in;
    br_info(c->st, &in);
    if (*i >= argc || inet_pton(AF_INET, argv[*i], &b->v4) != 1)
        return cmd_usage(c, BR_USAGE);
    if (*i + 2 < argc && !strcmp(argv[*i + 1], "psid")) {
        char *slash = strchr(argv[*i + 2], '/');
        unsigned long n, k;
        if (!slash)
            return cmd_usage(c, "dstm br: psid N/K");
        *slash = 0;
        bool ok = cmd_parse_num(argv[*i + 2], 0, 65535, &n) && cmd_parse_ulong(slash + 1, 1, 16, &k);
        *slash = '/';
        if (!ok)
            return cmd_usage(c, "dstm br: psid N/K");
        b->ps.psid = (uint16_t)n;
        b->ps.psid_len = (uint8_t)k;
        b->ps.offset = 6;
        for (int p = 0; p < in.cfg.n_pools; p++) {   /* the offset of the pool holding V4 */
            const struct br_pool *pl = &in.cfg.pools[p];
            uint32_t m = pl->plen ? htonl(~0u << (32 - pl->plen)) : 0;
            if ((b->v4.s_addr & m) == pl->prefix.s_addr)
                b->ps.offset = pl->offset;
        }
        *i += 2;
    }
    return 0;
}

static int binding_cmd(struct cmd_ctx *c, int argc, char **argv)
{
    if (argc < 3)
        return cmd_usage(c, BR_USAGE);
    struct dstm_binding b = { 0 };
    int i = 2, rc;
    if ((rc = parse_key(c, argc, argv, &i, &b)))
        return rc;
    if (!strcmp(argv[1], "del")) {
        if (i + 1 != argc)
            return cmd_usage(c, BR_USAGE);
        rc = br_binding_del(c->st, b.v4, &b.ps);
        return rc == 0 ? 0 : cmd_fail(c, "dstm br: %s", rc == -ENOENT ? "no such binding" : strerror(-rc));
    }
    if (strcmp(argv[1], "add"))
        return cmd_usage(c, BR_USAGE);
    bool have_v6 = false;
    for (i++; i + 1 < argc; i += 2) {
        unsigned long v;
        if (!strcmp(argv[i], "v6") && inet_pton(AF_INET6, argv[i + 1], &b.v6) == 1)
            have_v6 = true;
        else if (!strcmp(argv[i], "expires") && cmd_parse_ulong(argv[i + 1], 1, 10ul * 365 * 86400, &v))
            b.expires = lease_wall_now(c->st) + (int64_t)v;
        else
            return cmd_usage(c, "dstm br: bad '%s %s'", argv[i], argv[i + 1]);
    }
    if (i != argc || !have_v6)
        return cmd_usage(c, BR_USAGE);
    rc = br_binding_add(c->st, &b, true);
    if (rc == -ENOENT)
        return cmd_fail(c, "dstm br: not running");
    if (rc == -EINVAL)
        return cmd_fail(c, "dstm br: outside the pools, or a port set that does not match its pool");
    if (rc == -ENOSPC)
        return cmd_fail(c, "dstm br: the table is full of static bindings");
    return rc ? cmd_fail(c, "dstm br: %s", strerror(-rc)) : 0;
}

int cmd_dstm_br(struct cmd_ctx *c, int argc, char **argv)
{
    if (argc < 2)
        return cmd_usage(c, BR_USAGE);
    const char *v = argv[1];
    if (!strcmp(v, "off")) {
        if (br_disable(c->st) < 0)
            return cmd_fail(c, "dstm br: not running");
        return 0;
    }
    if (!strcmp(v, "show")) {
        struct br_info in;
        br_info(c->st, &in);
        if (c->json)
            show_json(c, &in);
        else
            show_text(c, &in);
        return 0;
    }
    if (!strcmp(v, "binding"))
        return binding_cmd(c, argc - 1, argv + 1);
    if (!strcmp(v, "bindings")) {
        if (!br_running(c->st))
            return cmd_fail(c, "dstm br: not running");
        struct list_ctx l = { .c = c, .now = lease_wall_now(c->st) };
        if (c->json)
            cmd_printf(c->out, "[");
        br_foreach(c->st, list_one, &l);
        if (c->json)
            cmd_printf(c->out, "]\n");
        return 0;
    }
    if (strcmp(v, "dev") && strcmp(v, "local") && strcmp(v, "pool"))
        return cmd_usage(c, BR_USAGE);
    struct br_config cfg;
    int rc = parse_config(c, argc, argv, &cfg);
    if (rc)
        return rc;
    char why[160] = "";
    if (br_configure(c->st, &cfg, why, sizeof why) < 0)
        return cmd_fail(c, "dstm br: %s", why[0] ? why : "cannot start");
    return 0;
}
