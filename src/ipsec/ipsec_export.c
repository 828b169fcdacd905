/* The SAD and SPD as setkey(8) commands that src/ipsec/setkey.c reads back
 * into the same SAs and policies (`sixctl config show`: each line goes out
 * as `ipsec exec ...`). The keys are written: the output is as secret as
 * the file they came from.
 *
 * Written: addresses (IPv4 as IPv4), ESP-in-UDP ports, SPI, mode, reqid,
 * replay window, ESN, TFC padding, -natt_follow, lifetimes, algorithms and
 * keys; policies with ranges, ports, upper-layer protocol and ICMP
 * type,code, direction, priority, action and requests. Not written: larval
 * SAs (a key manager's GETSPI) and the running counters (sequence numbers,
 * replay windows: the state directory keeps those). */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include "ipsec/ipsec.h"
#include "ipsec/ipsec_export.h"
#include "wire/ip6.h"

struct exp { ipsec_export_fn fn; void *ctx; char line[1024]; size_t k; };

static void put(struct exp *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct exp *e, const char *fmt, ...)
{
    if (e->k >= sizeof e->line)
        return;
    va_list ap;
    va_start(ap, fmt);
    int w = vsnprintf(e->line + e->k, sizeof e->line - e->k, fmt, ap);
    va_end(ap);
    if (w > 0)
        e->k += (size_t)w;
}

static void flush(struct exp *e)
{
    if (e->k < sizeof e->line)
        e->fn(e->ctx, e->line);
    e->k = 0;
    e->line[0] = '\0';
}

static const char *addr_str(const struct in6_addr *a, char *b, size_t n)
{
    if (in6_is_v4mapped(a))
        return inet_ntop(AF_INET, &a->s6_addr[12], b, (socklen_t)n);
    return inet_ntop(AF_INET6, a, b, (socklen_t)n);
}

static void put_key(struct exp *e, const uint8_t *key, unsigned len)
{
    put(e, " 0x");
    for (unsigned i = 0; i < len; i++)
        put(e, "%02x", key[i]);
}

static void sa_line(void *arg, const struct ipsec_sa *sa)
{
    struct exp *e = arg;
    char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN];
    if (sa->state != IPSEC_SA_MATURE && sa->state != IPSEC_SA_DYING)
        return;
    addr_str(&sa->src, s, sizeof s);
    addr_str(&sa->dst, d, sizeof d);
    if (sa->natt)
        put(e, "add %s[%u] %s[%u] esp-udp", s, sa->natt_sport, d, sa->natt_dport);
    else
        put(e, "add %s %s %s", s, d, sa->proto == IPSEC_PROTO_AH ? "ah" : "esp");
    put(e, " 0x%x -m %s", sa->spi, ipsec_mode_name(sa->mode));
    if (sa->reqid)
        put(e, " -u %u", sa->reqid);
    if (sa->replay.size && sa->replay.size != IPSEC_REPLAY_DEF)
        put(e, " -r %u", sa->replay.size / 8);
    if (sa->esn)
        put(e, " -esn");
    if (sa->natt_follow)
        put(e, " -natt_follow");
    if (sa->tfc_pad)
        put(e, " -tfc %u", sa->tfc_pad);
    if (sa->hard.add_s)
        put(e, " -lh %" PRIu64, sa->hard.add_s);
    if (sa->soft.add_s)
        put(e, " -ls %" PRIu64, sa->soft.add_s);
    if (sa->hard.bytes)
        put(e, " -bh %" PRIu64, sa->hard.bytes);
    if (sa->soft.bytes)
        put(e, " -bs %" PRIu64, sa->soft.bytes);
    if (sa->proto == IPSEC_PROTO_ESP) {
        put(e, " -E %s", ipsec_ealg_name(sa->x.ealg));
        if (sa->ekeylen)
            put_key(e, sa->ekey, sa->ekeylen);
    }
    if (sa->x.aalg != IPSEC_AALG_NONE) {
        put(e, " -A %s", ipsec_aalg_name(sa->x.aalg));
        put_key(e, sa->akey, sa->akeylen);
    }
    put(e, ";");
    flush(e);
}

static void range(struct exp *e, const struct in6_addr *a, unsigned plen, uint16_t port)
{
    char b[INET6_ADDRSTRLEN];
    bool v4 = in6_is_v4mapped(a);
    put(e, " %s/%u", addr_str(a, b, sizeof b), v4 ? plen - 96 : plen);
    if (port)
        put(e, "[%u]", port);
}

static void prio(struct exp *e, int64_t p)
{
    if (p == 0)
        return;
    if (p > 0 && p <= 2147483648LL)
        put(e, " prio %" PRId64, p);
    else if (p < 0 && p >= -1073741823LL)
        put(e, " prio def%" PRId64, p);          /* "def-5": a bare -5 reads as an option */
    else
        put(e, " prio low%+" PRId64, (int64_t)(p + 1073741824LL));
}

static void sp_line(void *arg, const struct ipsec_sp *sp)
{
    struct exp *e = arg;
    static const char *const levels[] = { "default", "use", "require", "unique" };
    static const char *const acts[] = { "discard", "none", "ipsec", "entrust", "bypass" };
    put(e, "spdadd");
    range(e, &sp->sel.src, sp->sel.splen, sp->sel.sport);
    range(e, &sp->sel.dst, sp->sel.dplen, sp->sel.dport);
    if (sp->sel.ulproto == IPSEC_ULPROTO_ANY)
        put(e, " any");
    else
        put(e, " %u", sp->sel.ulproto);
    if (sp->sel.has_icmp_type)
        put(e, " %u,%u", sp->sel.icmp_type, sp->sel.icmp_code);
    put(e, " -P %s", ipsec_dir_name(sp->dir));
    prio(e, sp->priority);
    put(e, " %s", sp->action < 5 ? acts[sp->action] : "discard");
    for (unsigned i = 0; sp->action == IPSEC_ACT_IPSEC && i < sp->nreq; i++) {
        const struct ipsec_req *r = &sp->req[i];
        char ts[INET6_ADDRSTRLEN] = "", td[INET6_ADDRSTRLEN] = "";
        if (r->mode == IPSEC_MODE_TUNNEL) {
            addr_str(&r->tsrc, ts, sizeof ts);
            addr_str(&r->tdst, td, sizeof td);
        }
        put(e, " %s/%s/%s%s%s/", r->proto == IPSEC_PROTO_AH ? "ah" : "esp", ipsec_mode_name(r->mode), ts,
            r->mode == IPSEC_MODE_TUNNEL ? "-" : "", td);
        if (r->level == IPSEC_LEVEL_UNIQUE && r->reqid)
            put(e, "unique:%u", r->reqid);
        else
            put(e, "%s", r->level < 4 ? levels[r->level] : "require");
    }
    put(e, ";");
    flush(e);
}

void ipsec_export_setkey(struct six_stack *st, ipsec_export_fn fn, void *ctx)
{
    struct exp e = { .fn = fn, .ctx = ctx };
    ipsec_sa_foreach(st, sa_line, &e);
    ipsec_sp_foreach(st, sp_line, &e);
}
