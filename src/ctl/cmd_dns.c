/* Resolver verbs: resolve NAME [-4|-6], dns server add|del ADDR [port N],
 * dns show, dns cache flush. See man/sixctl.8, "Resolver".
 *
 * A pending `resolve` is a lookup of the stack's resolver whose callback
 * argument is the cmd_ctx itself: six_cmd_cancel() cancels it by that
 * argument, six_stack_destroy() frees it without a callback. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include "ctl/cmd.h"
#include "ctl/cmd_dns.h"
#include "net/stack.h"
#include "transport/resolver.h"
#include "six/resolver.h"

/* ctx->pending values of this file (ping ids are > 0, apps use -2) */
#define PENDING_DNS        (-3)   /* lookup under way, CMD_PENDING returned */
#define PENDING_DNS_START  (-4)   /* inside six_getaddrinfo */
#define PENDING_DNS_SYNC0  (-5)   /* answered during the call: status 0 */
#define PENDING_DNS_SYNC1  (-6)   /* answered during the call: status 1 */

static void resolve_done(void *arg, int err, struct addrinfo *res)
{
    struct cmd_ctx *c = arg;
    unsigned n = 0;

    if (c->json) {
        cmd_printf(c->out, "{\"name\":");
        cmd_json_str(c->out, c->pending_what);
        cmd_printf(c->out, ",\"addresses\":[");
    }
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        char b[INET6_ADDRSTRLEN];
        const void *a = ai->ai_family == AF_INET ? (const void *)&((struct sockaddr_in *)ai->ai_addr)->sin_addr
                                                 : (const void *)&((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr;
        inet_ntop(ai->ai_family, a, b, sizeof b);
        if (c->json)
            cmd_printf(c->out, "%s\"%s\"", n ? "," : "", b);
        else
            cmd_printf(c->out, "%s\n", b);
        n++;
    }
    if (c->json) {
        cmd_printf(c->out, "]");
        if (err)
            cmd_printf(c->out, ",\"error\":\"%s\"", gai_strerror(err));
        cmd_printf(c->out, "}\n");
    }
    six_freeaddrinfo(res);
    int status = n ? 0 : 1;
    if (!n && c->err) {
        cmd_out_reset(c->err);
        cmd_printf(c->err, "%s: %s", c->pending_what, gai_strerror(err ? err : EAI_NONAME));
    }
    if (c->pending == PENDING_DNS_START) {
        c->pending = status ? PENDING_DNS_SYNC1 : PENDING_DNS_SYNC0;
        return;
    }
    c->pending = 0;
    if (c->done)
        c->done(c->done_arg, status);
}

/* resolve NAME [-4|-6] */
int cmd_resolve(struct cmd_ctx *c, int argc, char **argv)
{
    struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM };
    const char *name = NULL;

    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-4"))
            hints.ai_family = AF_INET;
        else if (!strcmp(argv[i], "-6"))
            hints.ai_family = AF_INET6;
        else if (argv[i][0] == '-' || name)
            return cmd_usage(c, "usage: resolve NAME [-4|-6]");
        else
            name = argv[i];
    }
    if (!name || !*name)
        return cmd_usage(c, "usage: resolve NAME [-4|-6]");
    snprintf(c->pending_what, sizeof c->pending_what, "%s", name);
    c->pending = PENDING_DNS_START;
    int h = six_getaddrinfo(c->st, name, NULL, &hints, resolve_done, c);
    if (h < 0) {
        c->pending = 0;
        return cmd_fail(c, "%s: %s", name, gai_strerror(h));
    }
    if (h == 0) {
        int status = c->pending == PENDING_DNS_SYNC0 ? 0 : 1;
        c->pending = 0;
        return status;
    }
    if (!c->done) {
        six_getaddrinfo_cancel(c->st, h);
        c->pending = 0;
        return cmd_fail(c, "resolve needs an event loop to wait for the answer");
    }
    c->pending = PENDING_DNS;
    return CMD_PENDING;
}

void cmd_dns_cancel(struct cmd_ctx *c)
{
    if (c->pending != PENDING_DNS || !c->st)
        return;
    resolver_cancel_arg(c->st, resolve_done, c);
    c->pending = 0;
}

static bool parse_server(const char *s, struct in6_addr *a)
{
    struct in_addr a4;
    if (inet_pton(AF_INET6, s, a) == 1)
        return true;
    if (inet_pton(AF_INET, s, &a4) == 1) {
        memset(a, 0, sizeof *a);
        a->s6_addr[10] = a->s6_addr[11] = 0xff;
        memcpy(a->s6_addr + 12, &a4, 4);
        return true;
    }
    return false;
}

static const char *srv_text(const struct in6_addr *a, char *b, size_t cap)
{
    if (a->s6_addr[10] == 0xff && a->s6_addr[11] == 0xff && !a->s6_addr[0] && !a->s6_addr[8])
        return inet_ntop(AF_INET, a->s6_addr + 12, b, (socklen_t)cap);
    return inet_ntop(AF_INET6, a, b, (socklen_t)cap);
}

static int dns_show(struct cmd_ctx *c)
{
    struct resolver_server_info s[RES_MAX_SERVERS];
    struct resolver_stats rs;
    int n = resolver_servers(c->st, s, RES_MAX_SERVERS);
    resolver_stats(c->st, &rs);
    if (c->json)
        cmd_printf(c->out, "{\"servers\":[");
    else if (!n)
        cmd_printf(c->out, "servers: none\n");
    for (int i = 0; i < n; i++) {
        char b[INET6_ADDRSTRLEN + IF_NAMESIZE + 1];
        srv_text(&s[i].addr, b, INET6_ADDRSTRLEN);
        struct ifnet *sifp = s[i].scope ? if_byindex(c->st, s[i].scope) : NULL;
        if (sifp)   /* a link-local server from DHCPv6: fe80::53%eth0 */
            snprintf(b + strlen(b), sizeof b - strlen(b), "%%%s", sifp->name);
        if (c->json)
            cmd_printf(c->out, "%s{\"addr\":\"%s\",\"port\":%u,\"source\":\"%s\"}", i ? "," : "", b, s[i].port,
                       s[i].from_ra ? "ra" : s[i].from_dhcp6 ? "dhcp6" : "config");
        else
            cmd_printf(c->out, "server %s port %u (%s)\n", b, s[i].port, s[i].from_ra ? "rdnss" : s[i].from_dhcp6 ? "dhcpv6" : "config");
    }
    if (c->json)
        cmd_printf(c->out, "],\"cache\":{\"positive\":%u,\"negative\":%u,\"max_positive\":%d,\"max_negative\":%d},"
                   "\"in_flight\":%u}\n", rs.cache_pos, rs.cache_neg, RES_CACHE_POS, RES_CACHE_NEG, rs.in_flight);
    else
        cmd_printf(c->out, "cache: %u entries (max %d), %u negative (max %d); %u lookups in flight\n", rs.cache_pos,
                   RES_CACHE_POS, rs.cache_neg, RES_CACHE_NEG, rs.in_flight);
    return 0;
}

/* dns server add|del ADDR [port N] | dns show | dns cache flush */
int cmd_dns(struct cmd_ctx *c, int argc, char **argv)
{
    static const char usage[] = "usage: dns server add|del ADDR [port N] | dns show | dns cache flush";
    if (argc == 1 || (argc == 2 && !strcmp(argv[1], "show")))
        return dns_show(c);
    if (argc == 3 && !strcmp(argv[1], "cache") && !strcmp(argv[2], "flush")) {
        resolver_cache_flush(c->st);
        return 0;
    }
    if (argc < 4 || strcmp(argv[1], "server") || (strcmp(argv[2], "add") && strcmp(argv[2], "del")))
        return cmd_usage(c, usage);
    struct in6_addr a;
    unsigned long port = 53;
    if (!parse_server(argv[3], &a))
        return cmd_usage(c, "bad server address '%s'", argv[3]);
    if (argc == 6 && !strcmp(argv[4], "port")) {
        if (!cmd_parse_ulong(argv[5], 1, 65535, &port))
            return cmd_usage(c, "bad port '%s'", argv[5]);
    } else if (argc != 4) {
        return cmd_usage(c, usage);
    }
    int rc = !strcmp(argv[2], "add") ? resolver_server_add(c->st, &a, (uint16_t)port)
                                     : resolver_server_del(c->st, &a, (uint16_t)port);
    if (rc == -EEXIST)
        return cmd_fail(c, "server %s is already configured", argv[3]);
    if (rc == -ENOSPC)
        return cmd_fail(c, "at most %d servers", RES_MAX_SERVERS);
    if (rc == -ENOENT)
        return cmd_fail(c, "no server %s", argv[3]);
    if (rc)
        return cmd_fail(c, "dns server %s %s: %s", argv[2], argv[3], strerror(-rc));
    return 0;
}
