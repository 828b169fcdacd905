/* The authoritative server (dnsd.h): configuration, the provider and the
 * queries waiting for it, the tick, the view for sixctl.
 *
 * Caps: DNSD_MAX_ZONES zones; DNSD_MAX_PENDING queries waiting for the
 * provider, at most DNSD_SRC_SHARE of them from one source address (past
 * either: SERVFAIL at once, dnsd.drop_pending_full / drop_pending_share),
 * each for at most DNSD_PENDING_MS (then cancelled with the provider and
 * answered with the `exhausted` rcode, dnsd.pending_timeout). The slots
 * are allocated once, at configuration. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "dns/dns_state.h"
#include "dns/dnsd_int.h"
#include "net/oplog.h"
#include "net/stack.h"

struct dnsd *dnsd_get(struct six_stack *st)
{
    return st->dns ? st->dns->srv : NULL;
}

bool dnsd_running(struct six_stack *st)
{
    return dnsd_get(st) != NULL;
}

static uint32_t wall_now(const struct six_stack *st)
{
    /* sixd runs on the monotonic clock: its wall time is the system's; the
     * simulator's virtual clock is the wall clock of its world */
    if (st->clock == &six_clock_mono || st->clock->now == six_clock_mono_now)
        return (uint32_t)time(NULL);
    return (uint32_t)(six_now(st) / NS_PER_SEC);
}

void dnsd_changed(struct dnsd *s)
{
    s->serial++;
}

/* ------------------------------------------------------------ pending */

static bool same_source(const struct dnsd_client *a, const struct dnsd_client *b)
{
    return !memcmp(&a->from.sin6_addr, &b->from.sin6_addr, sizeof a->from.sin6_addr);
}

/* Slots: a stack of free indices and a dense list of used ones, so taking
 * and giving back are O(1) and the share check walks only waiting queries. */
struct dnsd_pending *dnsd_pending_new(struct dnsd *s, const struct dnsd_client *cl)
{
    if (s->n_pend >= DNSD_MAX_PENDING) {
        CTR_INC(s->st, dnsd, drop_pending_full);
        return NULL;
    }
    unsigned same = 0;
    for (unsigned k = 0; k < s->n_pend; k++)
        if (same_source(&s->pend[s->used_idx[k]].cl, cl) && ++same >= DNSD_SRC_SHARE) {
            CTR_INC(s->st, dnsd, drop_pending_share);
            return NULL;
        }
    if (cl->tcp && cl->tcp->pending >= DNSD_TCP_CONN_PENDING) {
        CTR_INC(s->st, dnsd, drop_pending_share);   /* the connection stops reading before: defensive */
        return NULL;
    }
    uint16_t i = s->free_idx[DNSD_MAX_PENDING - 1 - s->n_pend];
    struct dnsd_pending *p = &s->pend[i];
    memset(p, 0, sizeof *p);
    p->s = s;
    p->used = true;
    p->cl = *cl;
    p->started_ns = six_now(s->st);
    p->pos = (uint16_t)s->n_pend;
    s->used_idx[s->n_pend++] = i;
    if (cl->tcp)
        cl->tcp->pending++;
    return p;
}

void dnsd_pending_free(struct dnsd *s, struct dnsd_pending *p)
{
    struct dnsd_tcp *c = p->cl.tcp;
    uint16_t i = (uint16_t)(p - s->pend), last = s->used_idx[s->n_pend - 1];
    s->used_idx[p->pos] = last;
    s->pend[last].pos = p->pos;
    s->n_pend--;
    s->free_idx[DNSD_MAX_PENDING - 1 - s->n_pend] = i;
    p->used = false;
    if (c)
        dnsd_tcp_pending_done(s, c);
}

/* The provider's answer (dnsd_a_done_fn): tok is the slot. */
static void a_done(void *tok, int rcode, const struct in_addr *a4, uint32_t ttl)
{
    struct dnsd_pending *p = tok;
    if (!p || !p->used)
        return;
    if (p->in_lookup) {   /* called back from inside lookup_a: the caller answers */
        p->done_early = true;
        p->early_rcode = rcode;
        p->early_a4 = a4 ? *a4 : (struct in_addr){ 0 };
        p->early_ttl = ttl;
        return;
    }
    struct dnsd *s = p->s;
    CTR_INC(s->st, dnsd, provider_answers);
    size_t n = dnsd_pending_answer(s, p, rcode, a4, ttl);
    if (n)
        dnsd_send(s, &p->cl, n);
    dnsd_pending_free(s, p);
}

dnsd_a_done_fn dnsd_done_fn(void)
{
    return a_done;
}

/* Every waiting query: forget it with the provider, answer it `rcode`. */
static void pending_flush(struct dnsd *s, bool answer)
{
    while (s->n_pend) {
        struct dnsd_pending *p = &s->pend[s->used_idx[s->n_pend - 1]];
        if (s->has_prov && s->prov.cancel)
            s->prov.cancel(s->prov.ctx, p);
        if (answer) {
            size_t n = dnsd_pending_answer(s, p, DNS_RCODE_SERVFAIL, NULL, 0);
            if (n)
                dnsd_send(s, &p->cl, n);
        }
        dnsd_pending_free(s, p);
    }
}

static void pending_timeouts(struct dnsd *s, uint64_t now)
{
    for (unsigned k = s->n_pend; k-- > 0;) {
        struct dnsd_pending *p = &s->pend[s->used_idx[k]];
        if (now - p->started_ns < (uint64_t)DNSD_PENDING_MS * NS_PER_MS)
            continue;
        CTR_INC(s->st, dnsd, pending_timeout);
        if (s->has_prov && s->prov.cancel)
            s->prov.cancel(s->prov.ctx, p);
        size_t n = dnsd_pending_answer(s, p, DNS_RCODE_SERVFAIL, NULL, 0);
        if (n)
            dnsd_send(s, &p->cl, n);
        dnsd_pending_free(s, p);
    }
}

static void tick(struct timer *t, void *arg)
{
    struct dnsd *s = arg;
    uint64_t now = six_now(s->st);
    pending_timeouts(s, now);
    dnsd_tcp_idle_scan(s, now);
    timer_arm(s->st->tw, &s->tick, (uint64_t)DNSD_TICK_MS * NS_PER_MS);
}

/* ------------------------------------------------------------ configuration */

static void server_free(struct dnsd *s)
{
    pending_flush(s, false);
    timer_cancel(&s->tick);
    dnsd_io_stop(s);
    dnsd_hosts_free(s);
    free(s->pend);
    free(s);
}

static void srv_free_hook(struct dns_state *d)
{
    if (d->srv)
        server_free(d->srv);
    d->srv = NULL;
}

static const char *rcode_name(int rc)
{
    return rc == DNS_RCODE_NXDOMAIN ? "nxdomain" : rc == DNS_RCODE_REFUSED ? "refused" : "servfail";
}

/* The SOA/NS names of zone z from its config. */
static int zone_names(struct dnsd *s, unsigned z, const struct dnsd_config *cfg, char *why, size_t whyn)
{
    char text[DNS_TEXT_MAX + 16];
    const uint8_t *apex = s->zones[z].apex;
    size_t alen = s->zones[z].apex_len;
    enum dns_reason r;
    if (cfg->ns[0]) {
        uint8_t ns[DNS_MAX_NAME];   /* parsed aside: a bad name leaves the running zone's intact */
        size_t ns_len;
        r = dns_name_from_text(cfg->ns, ns, &ns_len);
        if (r != DNS_OK) {
            snprintf(why, whyn, "bad ns name '%s': %s", cfg->ns, dns_reason_str(r));
            return -EINVAL;
        }
        memcpy(s->ns[z], ns, ns_len);
        s->ns_len[z] = ns_len;
    } else {
        /* ns1.ZONE */
        if (alen + 4 > DNS_MAX_NAME) {
            snprintf(why, whyn, "zone name too long for ns1.ZONE: give ns NAME");
            return -EINVAL;
        }
        memcpy(s->ns[z], "\003ns1", 4);
        memcpy(s->ns[z] + 4, apex, alen);
        s->ns_len[z] = alen + 4;
    }
    /* the SOA RNAME: hostmaster.ZONE (RFC 2142) */
    if (alen + 11 > DNS_MAX_NAME) {
        snprintf(text, sizeof text, "hostmaster.invalid");   /* an apex that long leaves no room */
        dns_name_from_text(text, s->rname[z], &s->rname_len[z]);
    } else {
        memcpy(s->rname[z], "\012hostmaster", 11);
        memcpy(s->rname[z] + 11, apex, alen);
        s->rname_len[z] = alen + 11;
    }
    return 0;
}

static struct dnsd *server_new(struct six_stack *st)
{
    struct dns_state *d = dns_state_get(st);
    if (!d)
        return NULL;
    struct dnsd *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->st = st;
    s->udp.sd = s->tcp_l.sd = -1;
    s->pend = calloc(DNSD_MAX_PENDING, sizeof *s->pend);
    if (!s->pend || dnsd_hosts_init(s) < 0) {
        dnsd_hosts_free(s);
        free(s->pend);
        free(s);
        return NULL;
    }
    for (unsigned i = 0; i < DNSD_MAX_PENDING; i++) {
        s->pend[i].s = s;
        s->free_idx[i] = (uint16_t)(DNSD_MAX_PENDING - 1 - i);
    }
    s->serial = wall_now(st);
    if (d->prov) {   /* set before the server started (the AIIH came first) */
        s->has_prov = true;
        s->prov = *d->prov;
    }
    /* the reverse trees: after the configured zones */
    dns_name_from_text("ip6.arpa", s->zones[DNSD_ZONE_REV6].apex, &s->zones[DNSD_ZONE_REV6].apex_len);
    dns_name_from_text("in-addr.arpa", s->zones[DNSD_ZONE_REV4].apex, &s->zones[DNSD_ZONE_REV4].apex_len);
    timer_init(&s->tick, tick, s);
    return s;
}

int dnsd_configure(struct six_stack *st, const struct dnsd_config *cfg, char *why, size_t whyn)
{
    uint8_t apex[DNS_MAX_NAME];
    size_t alen;
    enum dns_reason r = dns_name_from_text(cfg->zone, apex, &alen);
    if (r != DNS_OK || alen == 1) {
        snprintf(why, whyn, "bad zone name '%s': %s", cfg->zone, r != DNS_OK ? dns_reason_str(r) : "the root");
        return -EINVAL;
    }
    if (cfg->exhausted_rcode != DNS_RCODE_SERVFAIL && cfg->exhausted_rcode != DNS_RCODE_NXDOMAIN &&
        cfg->exhausted_rcode != DNS_RCODE_REFUSED) {
        snprintf(why, whyn, "exhausted: servfail, nxdomain or refused");
        return -EINVAL;
    }
    struct dnsd *s = dnsd_get(st);
    bool fresh = !s;
    if (fresh && !(s = server_new(st))) {
        snprintf(why, whyn, "out of memory");
        return -ENOMEM;
    }
    unsigned z;
    for (z = 0; z < s->n_zones; z++)
        if (dns_name_equal(s->zones[z].apex, s->zones[z].apex_len, apex, alen))
            break;
    if (z == DNSD_MAX_ZONES) {
        snprintf(why, whyn, "at most %d zones", DNSD_MAX_ZONES);
        return -ENOSPC;
    }
    struct dnsd_zone old = s->zones[z];
    struct { uint8_t ns[DNS_MAX_NAME], rname[DNS_MAX_NAME]; size_t ns_len, rname_len; } old_names;
    memcpy(old_names.ns, s->ns[z], sizeof old_names.ns);
    memcpy(old_names.rname, s->rname[z], sizeof old_names.rname);
    old_names.ns_len = s->ns_len[z];
    old_names.rname_len = s->rname_len[z];
    memcpy(s->zones[z].apex, apex, alen);
    s->zones[z].apex_len = alen;
    if (zone_names(s, z, cfg, why, whyn) < 0) {
        s->zones[z] = old;
        if (fresh)
            server_free(s);
        return -EINVAL;
    }
    uint16_t port = cfg->port ? cfg->port : 53;
    bool rebind = !fresh && port != s->cfg.port;
    struct dnsd_config keep = s->cfg;
    s->cfg = *cfg;
    s->cfg.port = port;
    s->cfg.ttl = cfg->ttl ? cfg->ttl : 300;
    if (z > 0)   /* info shows zone 0; the shared settings follow the last line */
        memcpy(s->cfg.zone, keep.zone, sizeof s->cfg.zone), memcpy(s->cfg.ns, keep.ns, sizeof s->cfg.ns);
    if (fresh || rebind) {
        if (rebind)
            dnsd_io_stop(s);
        int e = dnsd_io_start(s, why, whyn);
        if (e < 0) {
            if (fresh) {
                server_free(s);
            } else {   /* back to the old port, names and apex */
                s->cfg = keep;
                s->zones[z] = old;
                memcpy(s->ns[z], old_names.ns, sizeof old_names.ns);
                memcpy(s->rname[z], old_names.rname, sizeof old_names.rname);
                s->ns_len[z] = old_names.ns_len;
                s->rname_len[z] = old_names.rname_len;
                char w2[8];
                dnsd_io_start(s, w2, sizeof w2);
            }
            return e;
        }
    }
    if (z == s->n_zones)
        s->n_zones++;
    if (fresh) {
        struct dns_state *d = dns_state_get(st);
        d->srv = s;
        d->srv_free = srv_free_hook;
        timer_arm(st->tw, &s->tick, (uint64_t)DNSD_TICK_MS * NS_PER_MS);
    }
    dnsd_changed(s);
    six_event(st, LOG_INFO, "dnsd: zone %s on port %u (ttl %u, exhausted %s), serial %u", cfg->zone,
              (unsigned)port, (unsigned)s->cfg.ttl, rcode_name(s->cfg.exhausted_rcode), (unsigned)s->serial);
    return 0;
}

int dnsd_stop(struct six_stack *st)
{
    struct dnsd *s = dnsd_get(st);
    if (!s)
        return -ESRCH;
    st->dns->srv = NULL;
    st->dns->srv_free = NULL;
    server_free(s);
    six_event(st, LOG_INFO, "dnsd: stopped");
    return 0;
}

void dnsd_set_provider(struct six_stack *st, const struct dnsd_provider *p)
{
    /* p NULL: st->dns only (no state made while the stack is torn down) */
    struct dns_state *d = p ? dns_state_get(st) : st->dns;
    if (d && !p) {
        free(d->prov);
        d->prov = NULL;
    } else if (d && (d->prov || (d->prov = malloc(sizeof *d->prov)))) {
        *d->prov = *p;   /* out of memory: a running server still gets it below */
    }
    struct dnsd *s = dnsd_get(st);
    if (!s)
        return;   /* server_new takes it from st->dns */
    pending_flush(s, true);   /* the old provider's work is forgotten: SERVFAIL now, not never */
    s->has_prov = p != NULL;
    if (p)
        s->prov = *p;
}

void dnsd_info(struct six_stack *st, struct dnsd_info *out)
{
    struct dnsd *s = dnsd_get(st);
    memset(out, 0, sizeof *out);
    if (!s)
        return;
    out->running = true;
    out->cfg = s->cfg;
    out->serial = s->serial;
    out->hosts = s->hosts;
    out->pending = s->n_pend;
    out->tcp_conns = s->n_conns;
    out->queries = s->queries;
    out->answers = s->answers;
}
