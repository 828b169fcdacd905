/* Prometheus text exposition format 0.0.4 of a stack (prom.h).
 *
 * Every counter is printed, zeros included (a series that appears only when
 * it first counts loses that first increment to rate()). The values are
 * read from the same struct six_counters `sixctl -j stats -a` prints, so
 * the two agree up to what counted between the reads. */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include "ctl/prom.h"
#include "core/counters.h"
#include "net/stack.h"
#include "net/ip6_var.h"
#include "net/ip4_var.h"
#include "link/ifnet.h"
#include "ipsec/ipsec.h"
#include "transport/tcp.h"
#include "wire/ip6.h"

#define PROM_NAME_MAX 160

size_t prom_sanitize(char *out, size_t n, const char *in)
{
    size_t k = 0;
    if (!n)
        return 0;
    for (; *in && k + 1 < n; in++) {
        char ch = *in;
        bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_';
        out[k++] = ok ? ch : '_';
    }
    out[k] = '\0';
    return k;
}

/* Length of the well-formed UTF-8 sequence at s (RFC 3629: no overlong
 * forms, no surrogates, nothing above U+10FFFF), or 0. */
static size_t utf8_len(const unsigned char *s)
{
    if (s[0] < 0x80)
        return 1;
    size_t n;
    unsigned lo = 0x80, hi = 0xbf;
    if (s[0] >= 0xc2 && s[0] <= 0xdf)
        n = 2;
    else if (s[0] >= 0xe0 && s[0] <= 0xef) {
        n = 3;
        if (s[0] == 0xe0) lo = 0xa0;
        if (s[0] == 0xed) hi = 0x9f;
    } else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
        n = 4;
        if (s[0] == 0xf0) lo = 0x90;
        if (s[0] == 0xf4) hi = 0x8f;
    } else {
        return 0;
    }
    if (s[1] < lo || s[1] > hi)      /* also stops at the NUL */
        return 0;
    for (size_t i = 2; i < n; i++)
        if (s[i] < 0x80 || s[i] > 0xbf)
            return 0;
    return n;
}

void prom_label_value(struct cmd_out *o, const char *v)
{
    const unsigned char *p = (const unsigned char *)v;
    while (*p) {
        size_t n = utf8_len(p);
        if (n == 0) {
            cmd_printf(o, "\xef\xbf\xbd");   /* U+FFFD for a byte that is not UTF-8 */
            p++;
        } else if (*p == '\\' || *p == '"') {
            cmd_printf(o, "\\%c", *p++);
        } else if (*p == '\n') {
            cmd_printf(o, "\\n");
            p++;
        } else {
            cmd_printf(o, "%.*s", (int)n, (const char *)p);
            p += n;
        }
    }
}

void prom_help_text(struct cmd_out *o, const char *s)
{
    for (; *s; s++) {
        if (*s == '\\')
            cmd_printf(o, "\\\\");
        else if (*s == '\n')
            cmd_printf(o, "\\n");
        else
            cmd_printf(o, "%c", *s);
    }
}

static void family(struct cmd_out *o, const char *name, const char *type, const char *help)
{
    cmd_printf(o, "# HELP %s ", name);
    prom_help_text(o, help);
    cmd_printf(o, "\n# TYPE %s %s\n", name, type);
}

/* ------------------------------------------------------------- counters */

/* "ip6.in_receives" → "sixstack_ip6_in_receives_total" */
static void counter_name(char *out, size_t n, const char *dotted)
{
    char part[PROM_NAME_MAX - 16];
    prom_sanitize(part, sizeof part, dotted);   /* the dot becomes '_' */
    snprintf(out, n, "sixstack_%s_total", part);
}

static void fixed_counters(struct cmd_out *o, const struct six_counters *c)
{
    char name[PROM_NAME_MAX], help[128];
    for (unsigned i = 0; i < CTR__MAX; i++) {
        const char *dotted = six_ctr_name((enum six_ctr)i);
        counter_name(name, sizeof name, dotted);
        snprintf(help, sizeof help, "sixctl stats %s", dotted);
        family(o, name, "counter", help);
        cmd_printf(o, "%s %llu\n", name, (unsigned long long)c->v[i]);
    }
}

/* "ip6.drop.truncated" → sixstack_wire_drop_total{proto="ip6",reason="truncated"}:
 * one family with labels, not a name per pair, since "nd6.drop.fragmented"
 * and the fixed counter "nd6.drop_fragmented" would both be
 * sixstack_nd6_drop_fragmented_total, and since rate() drops the metric
 * name: `sum by (proto, reason) (rate(sixstack_wire_drop_total[5m]))` works
 * where a family per protocol would need a regular expression on __name__. */
static void wire_counters(struct cmd_out *o, const struct six_counters *c)
{
    family(o, "sixstack_wire_drop_total", "counter",
           "packets refused by a wire-format parser, by protocol and reason (sixctl stats PROTO.drop.REASON)");
    for (unsigned p = 0; p < WP__MAX; p++) {
        for (unsigned r = 0; r < WR__MAX; r++) {
            if (r == WR_OK)          /* "drop.ok" means nothing: sixctl stats leaves it out too */
                continue;
            cmd_printf(o, "sixstack_wire_drop_total{proto=\"");
            prom_label_value(o, six_wproto_name((enum six_wproto)p));
            cmd_printf(o, "\",reason=\"");
            prom_label_value(o, wire_reason_str((enum wire_reason)r));
            cmd_printf(o, "\"} %llu\n", (unsigned long long)c->wire[p][r]);
        }
    }
}

/* ----------------------------------------------------------- interfaces */

enum if_field { IF_RXP, IF_RXB, IF_RXD, IF_TXP, IF_TXB, IF_TXD };

static const struct { const char *name, *help; } if_fields[] = {
    [IF_RXP] = { "sixstack_if_rx_packets_total", "packets received on the interface" },
    [IF_RXB] = { "sixstack_if_rx_bytes_total", "bytes received on the interface" },
    [IF_RXD] = { "sixstack_if_rx_drops_total", "received packets dropped at the interface" },
    [IF_TXP] = { "sixstack_if_tx_packets_total", "packets sent on the interface" },
    [IF_TXB] = { "sixstack_if_tx_bytes_total", "bytes sent on the interface" },
    [IF_TXD] = { "sixstack_if_tx_drops_total", "packets the interface failed to send" },
};

static uint64_t if_field_value(const struct if_stats *s, enum if_field f)
{
    switch (f) {
    case IF_RXP: return s->ipackets;
    case IF_RXB: return s->ibytes;
    case IF_RXD: return s->idrops;
    case IF_TXP: return s->opackets;
    case IF_TXB: return s->obytes;
    default:     return s->odrops;
    }
}

static void if_labels(struct cmd_out *o, const char *metric, const struct ifnet *ifp)
{
    cmd_printf(o, "%s{ifname=\"", metric);
    prom_label_value(o, ifp->name);
    cmd_printf(o, "\"}");
}

static void interfaces(struct cmd_out *o, struct six_stack *st)
{
    for (unsigned f = 0; f < sizeof if_fields / sizeof if_fields[0]; f++) {
        family(o, if_fields[f].name, "counter", if_fields[f].help);
        for (unsigned i = 0; i < SIX_MAX_IFS; i++) {
            const struct ifnet *ifp = st->ifs[i];
            if (!ifp)
                continue;
            if_labels(o, if_fields[f].name, ifp);
            cmd_printf(o, " %llu\n", (unsigned long long)if_field_value(&ifp->stats, (enum if_field)f));
        }
    }
    family(o, "sixstack_if_up", "gauge", "1 if the interface is administratively up");
    for (unsigned i = 0; i < SIX_MAX_IFS; i++) {
        if (st->ifs[i]) {
            if_labels(o, "sixstack_if_up", st->ifs[i]);
            cmd_printf(o, " %d\n", (st->ifs[i]->flags & IFF6_UP) ? 1 : 0);
        }
    }
    family(o, "sixstack_if_mtu_bytes", "gauge", "the interface's MTU");
    for (unsigned i = 0; i < SIX_MAX_IFS; i++) {
        if (st->ifs[i]) {
            if_labels(o, "sixstack_if_mtu_bytes", st->ifs[i]);
            cmd_printf(o, " %u\n", st->ifs[i]->mtu);
        }
    }
    family(o, "sixstack_if_info", "gauge", "one per interface, its kind as a label");
    for (unsigned i = 0; i < SIX_MAX_IFS; i++) {
        const struct ifnet *ifp = st->ifs[i];
        if (!ifp)
            continue;
        cmd_printf(o, "sixstack_if_info{ifname=\"");
        prom_label_value(o, ifp->name);
        cmd_printf(o, "\",kind=\"");
        prom_label_value(o, ifp->ops && ifp->ops->kind ? ifp->ops->kind : "?");
        cmd_printf(o, "\"} 1\n");
    }
}

/* ------------------------------------------------------------------ SAs */

enum sa_field { SA_PACKETS, SA_BYTES, SA_DROP, SA_LAST };

struct sa_walk {
    struct cmd_out *o;
    struct six_stack *st;
    enum sa_field field;
    uint64_t now_ns;
    double unix_now;
};

static const char *addr_text(const struct in6_addr *a, char *b, size_t n)
{
    if (in6_is_v4mapped(a))
        return inet_ntop(AF_INET, &a->s6_addr[12], b, (socklen_t)n);
    return inet_ntop(AF_INET6, a, b, (socklen_t)n);
}

/* spi, src, dst, proto identify an SA; dir says which way it carries
 * packets: "in" when its destination is one of our addresses. */
static void sa_labels(struct sa_walk *w, const char *metric, const struct ipsec_sa *sa)
{
    char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN];
    cmd_printf(w->o, "%s{spi=\"0x%x\",src=\"%s\",dst=\"%s\",proto=\"%s\",dir=\"%s\"", metric, sa->spi,
               addr_text(&sa->src, s, sizeof s), addr_text(&sa->dst, d, sizeof d),
               sa->proto == IPSEC_PROTO_AH ? "ah" : "esp", ipsec_own_address(w->st, &sa->dst) ? "in" : "out");
}

static void sa_drop(struct sa_walk *w, const struct ipsec_sa *sa, const char *reason, uint64_t v)
{
    sa_labels(w, "sixstack_ipsec_sa_drop_total", sa);
    cmd_printf(w->o, ",reason=\"%s\"} %llu\n", reason, (unsigned long long)v);
}

static void sa_emit(void *ctx, const struct ipsec_sa *sa)
{
    struct sa_walk *w = ctx;
    const struct ipsec_sa_stats *s = &sa->stats;
    switch (w->field) {
    case SA_PACKETS:
        sa_labels(w, "sixstack_ipsec_sa_packets_total", sa);
        cmd_printf(w->o, "} %llu\n", (unsigned long long)s->packets);
        break;
    case SA_BYTES:
        sa_labels(w, "sixstack_ipsec_sa_bytes_total", sa);
        cmd_printf(w->o, "} %llu\n", (unsigned long long)s->bytes);
        break;
    case SA_DROP:
        sa_drop(w, sa, "replay", s->drop_replay);
        sa_drop(w, sa, "icv", s->drop_icv);
        sa_drop(w, sa, "pad", s->drop_pad);
        sa_drop(w, sa, "truncated", s->drop_trunc);
        sa_drop(w, sa, "selector", s->drop_selector);
        sa_drop(w, sa, "expired", s->drop_expired);
        break;
    case SA_LAST: {
        double t = 0;
        if (sa->last_ns && sa->last_ns <= w->now_ns)
            t = w->unix_now - (double)(w->now_ns - sa->last_ns) / 1e9;
        sa_labels(w, "sixstack_ipsec_sa_last_packet_timestamp_seconds", sa);
        cmd_printf(w->o, "} %.3f\n", t);
        break;
    }
    }
}

static void sas(struct cmd_out *o, struct six_stack *st, double unix_now)
{
    static const struct { const char *name, *type, *help; } fams[] = {
        [SA_PACKETS] = { "sixstack_ipsec_sa_packets_total", "counter", "packets carried by the SA" },
        [SA_BYTES] = { "sixstack_ipsec_sa_bytes_total", "counter", "bytes carried by the SA" },
        [SA_DROP] = { "sixstack_ipsec_sa_drop_total", "counter", "packets of the SA dropped, by reason" },
        [SA_LAST] = { "sixstack_ipsec_sa_last_packet_timestamp_seconds", "gauge",
                      "Unix time of the SA's last packet (0: none yet)" },
    };
    struct sa_walk w = { .o = o, .st = st, .now_ns = six_now(st), .unix_now = unix_now };
    for (unsigned f = 0; f < sizeof fams / sizeof fams[0]; f++) {
        family(o, fams[f].name, fams[f].type, fams[f].help);
        w.field = (enum sa_field)f;
        ipsec_sa_foreach(st, sa_emit, &w);
    }
}

/* --------------------------------------------------------------- gauges */

static int count_route6(void *ctx, const struct route6 *r)
{
    (void)r;
    ++*(unsigned *)ctx;
    return 0;
}

static int count_route4(void *ctx, struct in_addr prefix, unsigned plen, const struct in_addr *gw,
                        struct ifnet *ifp, uint32_t flags)
{
    ++*(unsigned *)ctx;
    return 0;
}

static int count_arp(void *ctx, struct ifnet *ifp, struct in_addr a, const struct eth_addr *lla, const char *state)
{
    ++*(unsigned *)ctx;
    return 0;
}

static void gauge(struct cmd_out *o, const char *name, const char *help, unsigned long long v)
{
    family(o, name, "gauge", help);
    cmd_printf(o, "%s %llu\n", name, v);
}

static void gauges(struct cmd_out *o, struct six_stack *st, double unix_now)
{
    uint64_t now = six_now(st);
    /* the stack's age, as `sixctl status` shows it (under sixd: since sixd started) */
    double up = now >= st->created_ns ? (double)(now - st->created_ns) / 1e9 : 0;
    family(o, "sixstack_start_time_seconds", "gauge", "Unix time the stack (sixd) started");
    cmd_printf(o, "sixstack_start_time_seconds %.3f\n", unix_now - up);
    family(o, "sixstack_uptime_seconds", "gauge", "seconds since the stack (sixd) started");
    cmd_printf(o, "sixstack_uptime_seconds %.3f\n", up);
    unsigned nif = 0, r6 = 0, r4 = 0, arp = 0;
    for (unsigned i = 0; i < SIX_MAX_IFS; i++)
        nif += st->ifs[i] != NULL;
    gauge(o, "sixstack_interfaces", "interfaces of the stack", nif);
    gauge(o, "sixstack_ipsec_sas", "SAs in the SAD", ipsec_sa_count(st));
    gauge(o, "sixstack_ipsec_policies", "policies in the SPD", ipsec_sp_count(st));
    if (st->net6)
        route6_walk(st, count_route6, &r6);
    if (st->net4) {
        route4_walk(st, count_route4, &r4);
        arp_walk(st, count_arp, &arp);
    }
    family(o, "sixstack_neighbors", "gauge", "entries of the neighbor cache (ipv6) and the ARP cache (ipv4)");
    cmd_printf(o, "sixstack_neighbors{family=\"ipv6\"} %u\n", st->net6 ? st->net6->nd_count : 0);
    cmd_printf(o, "sixstack_neighbors{family=\"ipv4\"} %u\n", arp);
    family(o, "sixstack_routes", "gauge", "routes of the routing table");
    cmd_printf(o, "sixstack_routes{family=\"ipv6\"} %u\n", r6);
    cmd_printf(o, "sixstack_routes{family=\"ipv4\"} %u\n", r4);
    gauge(o, "sixstack_tcp_connections", "TCP control blocks (TIME_WAIT included)", st->tcp ? st->tcp->n_conns : 0);
    gauge(o, "sixstack_tcp_time_wait", "TCP connections in TIME_WAIT", st->tcp ? st->tcp->n_tw : 0);
}

void prom_write(struct cmd_out *o, struct six_stack *st, const struct prom_opts *opt)
{
    double unix_now = opt ? opt->unix_now : 0;
    if (unix_now == 0) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        unix_now = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
    }
    fixed_counters(o, &st->ctr);
    wire_counters(o, &st->ctr);
    interfaces(o, st);
    sas(o, st, unix_now);
    gauges(o, st, unix_now);
}
