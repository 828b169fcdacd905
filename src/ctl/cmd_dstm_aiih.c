/* `sixctl dstm aiih ...` and `sixctl dstm bindings` (src/dstm/aiih.h;
 * man/sixctl.8, DSTM). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include "ctl/cmd_dstm.h"
#include "dhcp6/server.h"
#include "dstm/aiih.h"

static const char usage[] =
    "dstm aiih dev IF pool4 A-B [share K [offset A]] [pool4 ...] [tep P/L T6]... [opt-code N] [valid S] "
    "[preferred S] [short-ttl S] [offer-timeout S] [quarantine S] [leasequery-from P/L]... | dstm aiih off | "
    "dstm aiih show";

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
    for (unsigned i = l; i < 128; i++)
        a->s6_addr[i / 8] &= (uint8_t)~(0x80u >> (i % 8));
    return true;
}

static bool parse_range4(const char *s, struct in_addr *lo, struct in_addr *hi)
{
    char buf[2 * INET_ADDRSTRLEN + 2];
    if (strlen(s) >= sizeof buf)
        return false;
    strcpy(buf, s);
    char *dash = strchr(buf, '-');
    if (!dash)
        return inet_pton(AF_INET, buf, lo) == 1 && inet_pton(AF_INET, buf, hi) == 1;
    *dash = 0;
    return inet_pton(AF_INET, buf, lo) == 1 && inet_pton(AF_INET, dash + 1, hi) == 1;
}

/* share K: K hosts per address, a power of two (2^psid_len). */
static bool parse_share(const char *s, uint8_t *psid_len)
{
    unsigned long k;
    if (!cmd_parse_ulong(s, 1, 65536, &k) || (k & (k - 1)))
        return false;
    uint8_t n = 0;
    while ((1ul << n) < k)
        n++;
    *psid_len = n;
    return true;
}

static bool parse_secs(const char *s, uint32_t *v)
{
    unsigned long n;
    if (!cmd_parse_ulong(s, 1, 0xfffffffful, &n))
        return false;
    *v = (uint32_t)n;
    return true;
}

static int parse_config(struct cmd_ctx *c, int argc, char **argv, struct aiih_config *k)
{
    memset(k, 0, sizeof *k);
    struct aiih_pool *last = NULL;
    for (int i = 1; i < argc; i++) {
        const char *w = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        unsigned long n;
        if (!v)
            return cmd_usage(c, "%s: a value is missing (%s)", w, usage);
        i++;
        if (!strcmp(w, "dev")) {
            if (strlen(v) >= sizeof k->ifname)
                return cmd_fail(c, "dev %s: name too long", v);
            strcpy(k->ifname, v);
        } else if (!strcmp(w, "pool4")) {
            if (k->n_pools >= AIIH_MAX_POOLS)
                return cmd_fail(c, "at most %d pool4 ranges", AIIH_MAX_POOLS);
            last = &k->pools[k->n_pools++];
            if (!parse_range4(v, &last->lo, &last->hi))
                return cmd_fail(c, "pool4 %s: expected A-B (IPv4 addresses)", v);
        } else if (!strcmp(w, "share")) {
            if (!last || !parse_share(v, &last->psid_len))
                return cmd_fail(c, "share %s: a power of two 1..65536 after a pool4", v);
            if (last->psid_len)
                last->offset = 6;   /* RFC 7597 §5.1: ports 0-1023 in no set */
        } else if (!strcmp(w, "offset")) {
            if (!last || !last->psid_len || !cmd_parse_ulong(v, 0, 15, &n))
                return cmd_fail(c, "offset %s: 0..15 after a share", v);
            last->offset = (uint8_t)n;
        } else if (!strcmp(w, "tep")) {
            if (k->n_teps >= AIIH_MAX_TEPS)
                return cmd_fail(c, "at most %d tep lines", AIIH_MAX_TEPS);
            struct aiih_tep *t = &k->teps[k->n_teps++];
            if (!parse_prefix(v, &t->prefix, &t->plen) || i + 1 >= argc ||
                inet_pton(AF_INET6, argv[++i], &t->tep) != 1)
                return cmd_fail(c, "tep P/L T6: a prefix and an IPv6 address");
        } else if (!strcmp(w, "opt-code")) {
            if (!cmd_parse_ulong(v, 1, 65535, &n))
                return cmd_fail(c, "opt-code %s: 1..65535", v);
            k->opt_code = (uint16_t)n;
        } else if (!strcmp(w, "leasequery-from")) {
            if (k->n_lq_from >= AIIH_MAX_LQ_FROM)
                return cmd_fail(c, "at most %d leasequery-from prefixes", AIIH_MAX_LQ_FROM);
            if (!parse_prefix(v, &k->lq_from[k->n_lq_from].prefix, &k->lq_from[k->n_lq_from].plen))
                return cmd_fail(c, "leasequery-from %s: expected P/L", v);
            k->n_lq_from++;
        } else {
            uint32_t *dst = !strcmp(w, "valid") ? &k->valid : !strcmp(w, "preferred") ? &k->preferred :
                            !strcmp(w, "short-ttl") ? &k->short_ttl : !strcmp(w, "offer-timeout") ? &k->offer_timeout :
                            !strcmp(w, "quarantine") ? &k->quarantine : NULL;
            if (!dst)
                return cmd_usage(c, "%s: unknown word (%s)", w, usage);
            if (!parse_secs(v, dst))
                return cmd_fail(c, "%s %s: seconds, 1 or more", w, v);
        }
    }
    if (!k->ifname[0] || !k->n_pools)
        return cmd_usage(c, "%s", usage);
    return 0;
}

static void put_pool(struct cmd_ctx *c, const struct aiih_pool *p, bool json, bool first)
{
    char lo[INET_ADDRSTRLEN], hi[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &p->lo, lo, sizeof lo);
    inet_ntop(AF_INET, &p->hi, hi, sizeof hi);
    if (json)
        cmd_printf(c->out, "%s{\"range\":\"%s-%s\",\"share\":%u,\"offset\":%u}", first ? "" : ",", lo, hi,
                   1u << p->psid_len, p->offset);
    else if (p->psid_len)
        cmd_printf(c->out, " pool4 %s-%s share %u offset %u", lo, hi, 1u << p->psid_len, p->offset);
    else
        cmd_printf(c->out, " pool4 %s-%s", lo, hi);
}

static int show(struct cmd_ctx *c)
{
    struct aiih_info in;
    aiih_info(c->st, &in);
    const struct aiih_config *k = &in.cfg;
    char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];
    if (c->json) {
        cmd_printf(c->out, "{\"running\":%s", in.running ? "true" : "false");
        if (in.running) {
            cmd_printf(c->out, ",\"dev\":");
            cmd_json_str(c->out, k->ifname);
            cmd_printf(c->out, ",\"opt_code\":%u,\"valid\":%u,\"preferred\":%u,\"short_ttl\":%u,\"offer_timeout\":%u,"
                       "\"quarantine\":%u,\"size\":%llu,\"used\":%llu,\"offered\":%llu,\"held\":%llu,\"assigns\":%u,"
                       "\"pools\":[",
                       k->opt_code ? k->opt_code : DSTM_OPT_CODE_DEFAULT, k->valid, k->preferred, k->short_ttl,
                       k->offer_timeout, k->quarantine, (unsigned long long)in.size, (unsigned long long)in.used,
                       (unsigned long long)in.offered, (unsigned long long)in.held, in.assigns);
            for (int i = 0; i < k->n_pools; i++)
                put_pool(c, &k->pools[i], true, i == 0);
            cmd_printf(c->out, "],\"teps\":[");
            for (int i = 0; i < k->n_teps; i++)
                cmd_printf(c->out, "%s{\"prefix\":\"%s/%u\",\"tep\":\"%s\"}", i ? "," : "",
                           inet_ntop(AF_INET6, &k->teps[i].prefix, a, sizeof a), k->teps[i].plen,
                           inet_ntop(AF_INET6, &k->teps[i].tep, b, sizeof b));
            cmd_printf(c->out, "],\"leasequery_from\":[");
            for (int i = 0; i < k->n_lq_from; i++)
                cmd_printf(c->out, "%s\"%s/%u\"", i ? "," : "", inet_ntop(AF_INET6, &k->lq_from[i].prefix, a, sizeof a),
                           k->lq_from[i].plen);
            cmd_printf(c->out, "]");
        }
        cmd_printf(c->out, "}\n");
        return 0;
    }
    if (!in.running) {
        cmd_printf(c->out, "dstm aiih: off\n");
        return 0;
    }
    cmd_printf(c->out, "dstm aiih: dev %s", k->ifname);
    for (int i = 0; i < k->n_pools; i++)
        put_pool(c, &k->pools[i], false, false);
    for (int i = 0; i < k->n_teps; i++)
        cmd_printf(c->out, " tep %s/%u %s", inet_ntop(AF_INET6, &k->teps[i].prefix, a, sizeof a), k->teps[i].plen,
                   inet_ntop(AF_INET6, &k->teps[i].tep, b, sizeof b));
    for (int i = 0; i < k->n_lq_from; i++)
        cmd_printf(c->out, " leasequery-from %s/%u", inet_ntop(AF_INET6, &k->lq_from[i].prefix, a, sizeof a),
                   k->lq_from[i].plen);
    cmd_printf(c->out, "\n  opt-code %u, %llu addresses or port sets: %llu bound, %llu offered, %llu held, %u "
               "allocations in flight\n",
               k->opt_code ? k->opt_code : DSTM_OPT_CODE_DEFAULT, (unsigned long long)in.size,
               (unsigned long long)in.used, (unsigned long long)in.offered, (unsigned long long)in.held, in.assigns);
    return 0;
}

int cmd_dstm_aiih(struct cmd_ctx *c, int argc, char **argv)
{
    char why[256] = "";
    if (argc == 2 && !strcmp(argv[1], "show"))
        return show(c);
    if (argc == 2 && !strcmp(argv[1], "off"))
        return aiih_disable(c->st, why, sizeof why) < 0 ? cmd_fail(c, "%s", why) : 0;
    struct aiih_config k;
    int rc = parse_config(c, argc, argv, &k);
    if (rc)
        return rc;
    return aiih_configure(c->st, &k, why, sizeof why) < 0 ? cmd_fail(c, "dstm aiih: %s", why) : 0;
}

/* ------------------------------------------------------------ bindings */

struct bctx { struct cmd_ctx *c; bool first; int64_t now; };

static void binding_line(void *arg, const struct dstm_binding *b, bool acked)
{
    struct bctx *x = arg;
    struct cmd_ctx *c = x->c;
    char v4[INET_ADDRSTRLEN], v6[INET6_ADDRSTRLEN], tep[INET6_ADDRSTRLEN], ports[32] = "all";
    inet_ntop(AF_INET, &b->v4, v4, sizeof v4);
    inet_ntop(AF_INET6, &b->v6, v6, sizeof v6);
    inet_ntop(AF_INET6, &b->tep, tep, sizeof tep);
    if (b->ps.psid_len)
        snprintf(ports, sizeof ports, "psid %u/%u offset %u", b->ps.psid, b->ps.psid_len, b->ps.offset);
    long long left = b->expires > x->now ? (long long)(b->expires - x->now) : 0;
    if (c->json) {
        cmd_printf(c->out, "%s{\"address\":\"%s\",\"psid\":%u,\"psid_len\":%u,\"offset\":%u,\"ipv6\":\"%s\","
                   "\"tep\":\"%s\",\"expires_in\":%lld,\"state\":\"%s\"}",
                   x->first ? "" : ",", v4, b->ps.psid, b->ps.psid_len, b->ps.offset, v6, tep, left,
                   acked ? "acknowledged" : "offered");
    } else {
        cmd_printf(c->out, "%s ports %s ipv6 %s tep %s expires in %llds %s\n", v4, ports, v6, tep, left,
                   acked ? "acknowledged" : "offered");
    }
    x->first = false;
}

int cmd_dstm_bindings(struct cmd_ctx *c, int argc, char **argv)
{
    if (argc != 1)
        return cmd_usage(c, "dstm bindings");
    struct bctx x = { c, true, d6s_wall(c->st) };
    if (c->json)
        cmd_printf(c->out, "[");
    aiih_foreach(c->st, binding_line, &x);
    if (c->json)
        cmd_printf(c->out, "]\n");
    return 0;
}
