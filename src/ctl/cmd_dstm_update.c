/* `sixctl dstm update ...`: the RFC 2136 update client (src/dns/dnsu.h).
 *
 *   dstm update server ADDR [port N] zone NAME [reverse NAME]
 *               key NAME hmac-sha256|hmac-sha512|hmac-sha1 SECRET_BASE64 [ttl N]
 *   dstm update off
 *   dstm update add NAME A4 [ttl N]
 *   dstm update delete NAME A4
 *   dstm update show            (-j)
 *
 * add and delete queue the update and return at once: the outcome is
 * logged and listed by `show` (the newest DNSU_RECENT results). The secret
 * is never printed. See man/sixctl.8, "DSTM". */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include "ctl/cmd_dstm.h"
#include "dns/dnsu_priv.h"

#define USAGE_SERVER                                                                                  \
    "usage: dstm update server ADDR [port N] zone NAME [reverse NAME] key NAME "                      \
    "hmac-sha256|hmac-sha512|hmac-sha1 SECRET_BASE64 [ttl N]"

/* Standard base64 with padding into out; -1 if it is not that or too long. */
static int base64_decode(const char *s, uint8_t *out, size_t cap)
{
    size_t n = strlen(s);
    uint8_t tmp[3 * ((4 * DNSU_KEY_MAX + 8) / 4)];
    if (n == 0 || n % 4 || n > 4 * ((DNSU_KEY_MAX + 2) / 3))
        return -1;
    int len = EVP_DecodeBlock(tmp, (const unsigned char *)s, (int)n);
    if (len < 0)
        return -1;
    /* EVP_DecodeBlock counts the padding as zero octets */
    len -= (s[n - 1] == '=') + (s[n - 2] == '=');
    if (len <= 0 || (size_t)len > cap) {
        OPENSSL_cleanse(tmp, sizeof tmp);
        return -1;
    }
    memcpy(out, tmp, (size_t)len);
    OPENSSL_cleanse(tmp, sizeof tmp);
    return len;
}

static bool parse_addr(const char *s, struct sockaddr_storage *ss)
{
    struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
    memset(ss, 0, sizeof *ss);
    if (inet_pton(AF_INET, s, &a4->sin_addr) == 1) {
        a4->sin_family = AF_INET;
        return true;
    }
    if (inet_pton(AF_INET6, s, &a6->sin6_addr) == 1) {
        a6->sin6_family = AF_INET6;
        return true;
    }
    return false;
}

static bool copy_name(char *dst, size_t cap, const char *s)
{
    return snprintf(dst, cap, "%s", s) < (int)cap;
}

static int update_server(struct cmd_ctx *c, int argc, char **argv)
{
    struct dnsu_config cfg;
    memset(&cfg, 0, sizeof cfg);
    unsigned long v;
    bool have_zone = false, have_key = false;
    if (argc < 2 || !parse_addr(argv[1], &cfg.server))
        return cmd_usage(c, USAGE_SERVER);
    int st = 0;
    for (int i = 2; i < argc && !st; i++) {
        if (!strcmp(argv[i], "port") && i + 1 < argc && cmd_parse_ulong(argv[i + 1], 1, 65535, &v)) {
            if (cfg.server.ss_family == AF_INET)
                ((struct sockaddr_in *)&cfg.server)->sin_port = htons((uint16_t)v);
            else
                ((struct sockaddr_in6 *)&cfg.server)->sin6_port = htons((uint16_t)v);
            i++;
        } else if (!strcmp(argv[i], "zone") && i + 1 < argc && copy_name(cfg.zone, sizeof cfg.zone, argv[i + 1])) {
            have_zone = true;
            i++;
        } else if (!strcmp(argv[i], "reverse") && i + 1 < argc &&
                   copy_name(cfg.reverse, sizeof cfg.reverse, argv[i + 1])) {
            i++;
        } else if (!strcmp(argv[i], "ttl") && i + 1 < argc && cmd_parse_ulong(argv[i + 1], 1, 86400, &v)) {
            cfg.ttl = (uint32_t)v;
            i++;
        } else if (!strcmp(argv[i], "key") && i + 3 < argc &&
                   copy_name(cfg.key_name, sizeof cfg.key_name, argv[i + 1])) {
            if (!(cfg.alg = dnsu_alg_from_text(argv[i + 2])))
                st = cmd_usage(c, "dstm update: unknown algorithm '%s' (hmac-sha256, hmac-sha512, hmac-sha1)",
                               argv[i + 2]);
            int n = st ? -1 : base64_decode(argv[i + 3], cfg.secret, sizeof cfg.secret);
            if (!st && n < 0)
                st = cmd_usage(c, "dstm update: the secret must be base64 of 1..%d octets", DNSU_KEY_MAX);
            cfg.secret_len = n > 0 ? (size_t)n : 0;
            have_key = true;
            i += 3;
        } else {
            st = cmd_usage(c, USAGE_SERVER);
        }
    }
    if (!st && (!have_zone || !have_key))
        st = cmd_usage(c, USAGE_SERVER);
    char why[160] = "";
    if (!st && dnsu_configure(c->st, &cfg, why, sizeof why) < 0)
        st = cmd_fail(c, "dstm update: %s", why);
    OPENSSL_cleanse(&cfg, sizeof cfg);
    return st;
}

static int update_change(struct cmd_ctx *c, int argc, char **argv, bool add)
{
    struct in_addr a4;
    unsigned long ttl = 0xffffffffu;
    if (argc < 3 || inet_pton(AF_INET, argv[2], &a4) != 1)
        return cmd_usage(c, add ? "usage: dstm update add NAME A4 [ttl N]" : "usage: dstm update delete NAME A4");
    if (add && argc == 5 && !strcmp(argv[3], "ttl") && cmd_parse_ulong(argv[4], 0, 86400, &ttl))
        argc = 3;
    if (argc != 3)
        return cmd_usage(c, add ? "usage: dstm update add NAME A4 [ttl N]" : "usage: dstm update delete NAME A4");
    int r = add ? dnsu_add_a(c->st, argv[1], a4, (uint32_t)ttl, NULL, NULL)
                : dnsu_delete_a(c->st, argv[1], a4, NULL, NULL);
    if (r == -ENOTCONN)
        return cmd_fail(c, "dstm update: not configured (dstm update server ...)");
    if (r == -EINVAL)
        return cmd_fail(c, "dstm update: '%s' is not a name inside the zone", argv[1]);
    if (r == -ENOBUFS)
        return cmd_fail(c, "dstm update: the queue is full (%d updates)", DNSU_MAX_QUEUE);
    if (r < 0)
        return cmd_fail(c, "dstm update: %s", strerror(-r));
    return 0;
}

static void server_text(const struct sockaddr_storage *ss, char *buf, size_t n, unsigned *port)
{
    if (ss->ss_family == AF_INET) {
        const struct sockaddr_in *a = (const void *)ss;
        inet_ntop(AF_INET, &a->sin_addr, buf, (socklen_t)n);
        *port = ntohs(a->sin_port);
    } else {
        const struct sockaddr_in6 *a = (const void *)ss;
        inet_ntop(AF_INET6, &a->sin6_addr, buf, (socklen_t)n);
        *port = ntohs(a->sin6_port);
    }
}

static void show_recent_json(struct cmd_ctx *c, const struct dnsu_recent *r, unsigned n)
{
    cmd_printf(c->out, ",\"recent\":[");
    for (unsigned i = 0; i < n; i++) {
        char a[INET_ADDRSTRLEN], why[48];
        inet_ntop(AF_INET, &r[i].a4, a, sizeof a);
        cmd_printf(c->out, "%s{\"op\":\"%s\",\"name\":", i ? "," : "", r[i].add ? "add" : "delete");
        cmd_json_str(c->out, r[i].name);
        cmd_printf(c->out, ",\"address\":\"%s\",\"result\":%d,\"text\":\"%s\"}", a, r[i].result,
                   dnsu_result_text(r[i].result, why, sizeof why));
    }
    cmd_printf(c->out, "]");
}

static int update_show(struct cmd_ctx *c)
{
    struct dnsu_info in;
    dnsu_info(c->st, &in);
    const struct dnsu_config *cfg = dnsu_config_get(c->st);
    static struct dnsu_recent r[DNSU_RECENT];
    unsigned n = dnsu_recent(c->st, r, DNSU_RECENT);
    char srv[INET6_ADDRSTRLEN] = "";
    unsigned port = 0;
    if (cfg)
        server_text(&cfg->server, srv, sizeof srv, &port);
    if (c->json) {
        cmd_printf(c->out, "{\"running\":%s", in.running ? "true" : "false");
        if (cfg) {
            cmd_printf(c->out, ",\"server\":\"%s\",\"port\":%u,\"zone\":", srv, port);
            cmd_json_str(c->out, cfg->zone);
            cmd_printf(c->out, ",\"reverse\":");
            cmd_json_str(c->out, cfg->reverse);
            cmd_printf(c->out, ",\"key\":");
            cmd_json_str(c->out, cfg->key_name);
            cmd_printf(c->out, ",\"alg\":\"%s\",\"ttl\":%u", dnsu_alg_text(cfg->alg), cfg->ttl);
        }
        cmd_printf(c->out,
                   ",\"queued\":%u,\"inflight\":%u,\"sent\":%llu,\"acked\":%llu,\"refused\":%llu,\"timeouts\":%llu",
                   in.queued, in.inflight, (unsigned long long)in.sent, (unsigned long long)in.acked,
                   (unsigned long long)in.refused, (unsigned long long)in.timeouts);
        show_recent_json(c, r, n);
        cmd_printf(c->out, "}\n");
        return 0;
    }
    if (!cfg)
        cmd_printf(c->out, "update: off\n");
    else
        cmd_printf(c->out, "update: server %s port %u zone %s%s%s key %s %s ttl %u\n", srv, port, cfg->zone,
                   cfg->reverse[0] ? " reverse " : "", cfg->reverse, cfg->key_name, dnsu_alg_text(cfg->alg),
                   cfg->ttl);
    cmd_printf(c->out, "queued %u inflight %u sent %llu acked %llu refused %llu timeouts %llu\n", in.queued,
               in.inflight, (unsigned long long)in.sent, (unsigned long long)in.acked,
               (unsigned long long)in.refused, (unsigned long long)in.timeouts);
    for (unsigned i = 0; i < n; i++) {
        char a[INET_ADDRSTRLEN], why[48];
        inet_ntop(AF_INET, &r[i].a4, a, sizeof a);
        cmd_printf(c->out, "  %s %s %s: %s\n", r[i].add ? "add" : "delete", r[i].name, a,
                   dnsu_result_text(r[i].result, why, sizeof why));
    }
    return 0;
}

int cmd_dstm_update(struct cmd_ctx *c, int argc, char **argv)
{
    if (argc < 2)
        return cmd_usage(c, "dstm update: expected server, off, add, delete or show");
    if (!strcmp(argv[1], "server"))
        return update_server(c, argc - 1, argv + 1);
    if (!strcmp(argv[1], "off")) {
        if (argc != 2)
            return cmd_usage(c, "usage: dstm update off");
        dnsu_stop(c->st);
        return 0;
    }
    if (!strcmp(argv[1], "add"))
        return update_change(c, argc - 1, argv + 1, true);
    if (!strcmp(argv[1], "delete"))
        return update_change(c, argc - 1, argv + 1, false);
    if (!strcmp(argv[1], "show") && argc == 2)
        return update_show(c);
    return cmd_usage(c, "dstm update: unknown sub-verb '%s' (server, off, add, delete, show)", argv[1]);
}
