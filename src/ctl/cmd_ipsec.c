/* ipsec load FILE | ipsec exec TEXT... | ipsec sa | ipsec spd | ipsec flush
 *
 * Files and text are setkey(8) syntax (src/ipsec/setkey.h), parsed whole
 * and applied as one transaction: a bad line gets file:line:column and a
 * plain reason, and nothing of the file is applied. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include "ctl/cmd.h"
#include "ctl/cmd_ipsec.h"
#include "ipsec/ipsec.h"
#include "net/stack.h"
#include "ipsec/setkey.h"
#include "wire/ip6.h"

static void out_line(void *ctx, const char *line)
{
    cmd_printf(ctx, "%s\n", line);
}

static int apply_text(struct cmd_ctx *c, const char *text, size_t len, const char *name)
{
    struct setkey_cmds cmds = { 0 };
    struct setkey_error e;
    char err[512];
    if (setkey_parse(text, len, &cmds, &e)) {
        setkey_error_format(&e, name, err, sizeof err);
        return cmd_fail(c, "%s (nothing applied)", err);
    }
    int rc = ipsec_setkey_apply(c->st, &cmds, name, err, sizeof err, out_line, c->out);
    setkey_cmds_free(&cmds);
    if (rc)
        return cmd_fail(c, "%s", err);
    return 0;
}

static int ipsec_load(struct cmd_ctx *c, const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return cmd_fail(c, "ipsec load: %s: %s", path, strerror(errno));
    char *buf = malloc(SETKEY_MAX_INPUT + 1);
    size_t n = buf ? fread(buf, 1, SETKEY_MAX_INPUT + 1, f) : 0;
    bool err = ferror(f);
    fclose(f);
    if (!buf)
        return cmd_fail(c, "out of memory");
    if (err || n > SETKEY_MAX_INPUT) {
        free(buf);
        return cmd_fail(c, "ipsec load: %s: %s", path, err ? "read error" : "larger than 1 MiB");
    }
    int rc = apply_text(c, buf, n, path);
    free(buf);
    return rc;
}

static int ipsec_exec(struct cmd_ctx *c, int argc, char **argv)
{
    char text[4096];
    size_t used = 0;
    for (int i = 2; i < argc; i++) {
        int k = snprintf(text + used, sizeof text - used, "%s%s", i > 2 ? " " : "", argv[i]);
        if (k < 0 || (size_t)k >= sizeof text - used)
            return cmd_usage(c, "ipsec exec: text over %zu bytes: use ipsec load FILE", sizeof text - 1);
        used += (size_t)k;
    }
    return apply_text(c, text, used, "exec");
}

static const char *addr_txt(const struct in6_addr *a, char *b, size_t n)
{
    if (in6_is_v4mapped(a))
        return inet_ntop(AF_INET, &a->s6_addr[12], b, (socklen_t)n);
    return inet_ntop(AF_INET6, a, b, (socklen_t)n);
}

struct show { struct cmd_ctx *c; int n; uint64_t now; };

/* Seconds since t on the stack clock; -1: never (t is 0). */
static long long ago_s(uint64_t t, uint64_t now)
{
    return t ? (long long)((now > t ? now - t : 0) / 1000000000ull) : -1;
}

static void json_ago(struct cmd_out *o, const char *key, uint64_t t, uint64_t now)
{
    long long a = ago_s(t, now);
    if (a < 0)
        cmd_printf(o, ",\"%s\":null", key);
    else
        cmd_printf(o, ",\"%s\":%lld", key, a);
}

static void sa_json(void *arg, const struct ipsec_sa *sa)
{
    struct show *s = arg;
    char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];
    cmd_printf(s->c->out,
               "%s{\"proto\":\"%s\",\"src\":\"%s\",\"dst\":\"%s\",\"spi\":%u,\"mode\":\"%s\",\"reqid\":%u,"
               "\"state\":\"%s\",\"enc\":\"%s\",\"auth\":\"%s\",\"replay\":%u,\"esn\":%s,\"natt\":%s,"
               "\"bytes\":%llu,\"packets\":%llu,\"drops\":{\"replay\":%llu,\"icv\":%llu,\"pad\":%llu,"
               "\"truncated\":%llu,\"selector\":%llu}",
               s->n++ ? "," : "", sa->proto == IPSEC_PROTO_AH ? "ah" : "esp", addr_txt(&sa->src, a, sizeof a),
               addr_txt(&sa->dst, b, sizeof b), sa->spi, ipsec_mode_name(sa->mode), sa->reqid,
               ipsec_sa_state_name(sa->state), ipsec_ealg_name(sa->x.ealg), ipsec_aalg_name(sa->x.aalg),
               sa->replay.size, sa->esn ? "true" : "false", sa->natt ? "true" : "false",
               (unsigned long long)sa->cur_bytes, (unsigned long long)sa->cur_packets,
               (unsigned long long)sa->stats.drop_replay, (unsigned long long)sa->stats.drop_icv,
               (unsigned long long)sa->stats.drop_pad, (unsigned long long)sa->stats.drop_trunc,
               (unsigned long long)sa->stats.drop_selector);
    if (sa->natt)
        cmd_printf(s->c->out, ",\"natt_sport\":%u,\"natt_dport\":%u", sa->natt_sport, sa->natt_dport);
    json_ago(s->c->out, "first_use_s_ago", sa->use_ns, s->now);
    json_ago(s->c->out, "last_packet_s_ago", sa->last_ns, s->now);
    cmd_printf(s->c->out, "}");
}

static void sa_text(void *arg, const struct ipsec_sa *sa)
{
    struct show *s = arg;
    char line[512];
    ipsec_sa_format(sa, line, sizeof line);
    cmd_printf(s->c->out, "%s", line);
    if (sa->natt)
        cmd_printf(s->c->out, "; natt sport %u dport %u", sa->natt_sport, sa->natt_dport);
    long long last = ago_s(sa->last_ns, s->now);
    if (last < 0)
        cmd_printf(s->c->out, "; last packet never\n");
    else
        cmd_printf(s->c->out, "; first use %llds ago, last packet %llds ago\n", ago_s(sa->use_ns, s->now), last);
    s->n++;
}

static void sp_json(void *arg, const struct ipsec_sp *sp)
{
    struct show *s = arg;
    char line[512];
    ipsec_sp_format(sp, line, sizeof line);
    cmd_printf(s->c->out, "%s{\"id\":%u,\"dir\":\"%s\",\"policy\":", s->n++ ? "," : "", sp->id,
               ipsec_dir_name(sp->dir));
    cmd_json_str(s->c->out, line);
    cmd_printf(s->c->out, ",\"priority\":%lld,\"hits\":%llu}", (long long)sp->priority,
               (unsigned long long)sp->hits);
}

static void sp_text(void *arg, const struct ipsec_sp *sp)
{
    struct show *s = arg;
    char line[512];
    ipsec_sp_format(sp, line, sizeof line);
    cmd_printf(s->c->out, "%s\n", line);
    s->n++;
}

int cmd_ipsec(struct cmd_ctx *c, int argc, char **argv)
{
    static const char usage[] = "usage: ipsec load FILE | ipsec exec SETKEY-TEXT | ipsec sa | ipsec spd | ipsec flush"
                                " | ipsec sa reset SPI [dst ADDR] | ipsec state [save | reserve N]";
    struct show s = { c, 0, six_now(c->st) };
    if (argc < 2)
        return cmd_usage(c, usage);
    if (!strcmp(argv[1], "load") && argc == 3)
        return ipsec_load(c, argv[2]);
    if (!strcmp(argv[1], "exec") && argc >= 3)
        return ipsec_exec(c, argc, argv);
    if (!strcmp(argv[1], "flush") && argc == 2) {
        ipsec_sa_flush(c->st, 0);
        ipsec_sp_flush(c->st);
        return 0;
    }
    if (!strcmp(argv[1], "sa") && argc >= 3 && !strcmp(argv[2], "reset"))
        return cmd_ipsec_sa_reset(c, argc, argv);
    if (!strcmp(argv[1], "state"))
        return cmd_ipsec_state(c, argc, argv);
    if ((!strcmp(argv[1], "sa") || !strcmp(argv[1], "spd")) && argc == 2) {
        bool sa = argv[1][1] == 'a';
        if (c->json)
            cmd_printf(c->out, "[");
        if (sa)
            ipsec_sa_foreach(c->st, c->json ? sa_json : sa_text, &s);
        else
            ipsec_sp_foreach(c->st, c->json ? sp_json : sp_text, &s);
        if (c->json)
            cmd_printf(c->out, "]\n");
        else if (!s.n)
            cmd_printf(c->out, "no %s\n", sa ? "SAs" : "policies");
        return 0;
    }
    return cmd_usage(c, usage);
}
