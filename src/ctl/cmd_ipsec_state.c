/* ipsec sa reset SPI [dst ADDR]: an SA's inbound replay window empty again
 * (its saved top too), for a peer that restarted without its state and
 * begins its sequence numbers again at 1.
 * ipsec state [save | reserve N]: the state directory (sixd -S DIR; see
 * src/ipsec/sa_persist.h): what it holds, write it now, the reserve of
 * outbound numbers written ahead. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include "ctl/cmd.h"
#include "ctl/cmd_ipsec.h"
#include "ipsec/ipsec.h"
#include "ipsec/sa_persist.h"
#include "wire/ip6.h"


struct match { uint32_t spi; bool any_dst; struct in6_addr dst; unsigned n; uint8_t proto; struct in6_addr found; };

static void match_sa(void *ctx, const struct ipsec_sa *sa)
{
    struct match *m = ctx;
    if (sa->spi != m->spi || (!m->any_dst && !in6_eq(&sa->dst, &m->dst)) || sa->state == IPSEC_SA_LARVAL)
        return;
    m->n++;
    m->proto = sa->proto;
    m->found = sa->dst;
}

int cmd_ipsec_sa_reset(struct cmd_ctx *c, int argc, char **argv)
{
    static const char usage[] = "usage: ipsec sa reset SPI [dst ADDR]";
    unsigned long spi;
    struct match m = { .any_dst = true };
    if (argc != 4 && argc != 6)
        return cmd_usage(c, usage);
    if (!cmd_parse_num(argv[3], 256, UINT32_MAX, &spi))
        return cmd_usage(c, "ipsec sa reset: bad SPI %s (256 to 0xffffffff)", argv[3]);
    m.spi = (uint32_t)spi;
    if (argc == 6) {
        if (strcmp(argv[4], "dst"))
            return cmd_usage(c, usage);
        if (!in6_parse_addr46(argv[5], &m.dst))
            return cmd_usage(c, "ipsec sa reset: bad address %s", argv[5]);
        m.any_dst = false;
    }
    ipsec_sa_foreach(c->st, match_sa, &m);
    if (!m.n)
        return cmd_fail(c, "ipsec sa reset: no SA with SPI 0x%x%s", m.spi, m.any_dst ? "" : " to that address");
    if (m.n > 1)
        return cmd_fail(c, "ipsec sa reset: %u SAs have SPI 0x%x: name one with dst ADDR", m.n, m.spi);
    struct ipsec_sa *sa = ipsec_sa_find(c->st, m.proto, &m.found, m.spi);
    if (!sa)
        return cmd_fail(c, "ipsec sa reset: SA 0x%x vanished", m.spi);
    ipsec_sa_replay_reset(c->st, sa);
    return 0;
}

static const char *addr_txt(const struct in6_addr *a, char *b, size_t n)
{
    if (in6_is_v4mapped(a))
        return inet_ntop(AF_INET, &a->s6_addr[12], b, (socklen_t)n);
    return inet_ntop(AF_INET6, a, b, (socklen_t)n);
}

struct show { struct cmd_ctx *c; unsigned n; };

static void sa_line(void *ctx, const struct ipsec_sa *sa)
{
    struct show *s = ctx;
    char d[INET6_ADDRSTRLEN];
    if (sa->state == IPSEC_SA_LARVAL)
        return;
    if (s->c->json)
        cmd_printf(s->c->out, "%s{\"proto\":\"%s\",\"spi\":%u,\"dst\":\"%s\",\"seq\":%llu,\"saved_mark\":%llu,"
                   "\"replay_top\":%llu}", s->n ? "," : "", sa->proto == IPSEC_PROTO_AH ? "ah" : "esp", sa->spi,
                   addr_txt(&sa->dst, d, sizeof d), (unsigned long long)sa->tx.last,
                   (unsigned long long)ipsec_persist_sa_hwm(sa), (unsigned long long)sa->replay.top);
    else
        cmd_printf(s->c->out, "  %s 0x%x to %s: seq %llu saved mark %llu replay top %llu\n",
                   sa->proto == IPSEC_PROTO_AH ? "ah" : "esp", sa->spi, addr_txt(&sa->dst, d, sizeof d),
                   (unsigned long long)sa->tx.last, (unsigned long long)ipsec_persist_sa_hwm(sa),
                   (unsigned long long)sa->replay.top);
    s->n++;
}

static int state_show(struct cmd_ctx *c)
{
    struct ipsec_persist_info in;
    struct show s = { c, 0 };
    if (!ipsec_persist_info(c->st, &in)) {
        if (c->json)
            cmd_printf(c->out, "{\"file\":null}\n");
        else
            cmd_printf(c->out, "no state directory (sixd -S DIR)\n");
        return 0;
    }
    if (c->json) {
        cmd_printf(c->out, "{\"file\":");
        cmd_json_str(c->out, in.path);
        cmd_printf(c->out, ",\"records\":%u,\"tunnels\":%u,\"reserve\":%llu,\"writes\":%llu,\"failures\":%llu,"
                   "\"last_error\":", in.records, in.tunnels, (unsigned long long)in.reserve,
                   (unsigned long long)in.writes, (unsigned long long)in.failures);
        cmd_json_str(c->out, in.last_error ? strerror(in.last_error) : "");
        cmd_printf(c->out, ",\"sas\":[");
        ipsec_sa_foreach(c->st, sa_line, &s);
        cmd_printf(c->out, "]}\n");
        return 0;
    }
    cmd_printf(c->out, "state file %s: %u SA records, %u tunnels, reserve %llu, %llu writes, %llu failed%s%s\n",
               in.path, in.records, in.tunnels, (unsigned long long)in.reserve, (unsigned long long)in.writes,
               (unsigned long long)in.failures, in.last_error ? ", last error: " : "",
               in.last_error ? strerror(in.last_error) : "");
    ipsec_sa_foreach(c->st, sa_line, &s);
    return 0;
}

int cmd_ipsec_state(struct cmd_ctx *c, int argc, char **argv)
{
    static const char usage[] = "usage: ipsec state [save | reserve N]";
    if (argc == 2)
        return state_show(c);
    if (argc == 3 && !strcmp(argv[2], "save")) {
        int rc = ipsec_persist_save(c->st);
        if (rc)
            return cmd_fail(c, "ipsec state save: %s", strerror(-rc));
        return 0;
    }
    if (argc == 4 && !strcmp(argv[2], "reserve")) {
        unsigned long r;
        if (!cmd_parse_num(argv[3], 16, 1ul << 32, &r))
            return cmd_usage(c, "ipsec state reserve: %s: a number from 16 to 4294967296", argv[3]);
        int rc = ipsec_persist_set_reserve(c->st, r);
        if (rc == -ENOENT)
            return cmd_fail(c, "ipsec state reserve: no state directory (sixd -S DIR)");
        return rc ? cmd_fail(c, "ipsec state reserve: %s", strerror(-rc)) : 0;
    }
    return cmd_usage(c, usage);
}
