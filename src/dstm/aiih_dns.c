/* The AIIH's two halves joined (draft-ietf-ngtrans-dstm §5.1: "communications
 * between the AIIH DNS server and the AIIH DHCPv6 server ... implementation
 * defined"): here they are function calls inside one sixd.
 *
 *  - The DNS server (src/dns/dnsd) asks for A records through a provider:
 *    a host that holds an IPv4 address is answered at once; one that does
 *    not gets an allocation (aiih_assign_for, §5.1.3) and the query waits
 *    for it. PTR in in-addr.arpa asks who holds the address.
 *  - Bindings that come and go are published to the zone's primary by RFC
 *    2136 (src/dns/dnsu) when the host has a name: an A record on BOUND, its
 *    deletion on GONE; the address is held (aiih_hold) from the add until
 *    the primary acknowledged the delete, so that it is not handed out while
 *    the old record may still be served (§5.1.4). A delete the primary does
 *    not acknowledge is retried every AIIH_DNS_RETRY_S; the address stays
 *    held meanwhile (an operator sees it in `dstm aiih show`: held). */
#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include "dstm/aiih_dns.h"
#include "dstm/aiih.h"
#include "dns/dnsd.h"
#include "dns/dnsu.h"
#include "core/log.h"
#include "core/timer.h"
#include "dhcp6/lease.h"
#include "net/stack.h"

#define AIIH_DNS_MAX_ASKS  AIIH_MAX_ASSIGNS
#define AIIH_DNS_MAX_PUB   65536     /* A records published to the primary (cap; past it none is) */
#define AIIH_DNS_PUB_SLOTS (2 * AIIH_DNS_MAX_PUB)   /* open addressing, load <= 1/2 */
#define AIIH_DNS_RETRY_S   30

struct ask {                        /* a DNS query waiting for an allocation */
    struct aiih_dns *g;
    bool live;
    dnsd_a_done_fn done;            /* NULL once the DNS server cancelled it */
    void *tok;
};

struct pub {                        /* an A record the primary has (or is getting) */
    struct aiih_dns *g;
    bool live, deleting;
    struct dstm_binding b;
    char name[DNS_TEXT_MAX];
    struct timer retry;
};

struct aiih_dns {
    struct six_stack *st;
    struct ask asks[AIIH_DNS_MAX_ASKS];
    struct pub **slots;             /* AIIH_DNS_PUB_SLOTS, by (v4, PSID); a slot is NULL or live */
    unsigned n_pubs;
    uint64_t refused_full;          /* bindings not published: table full */
};

/* ------------------------------------------------------------ the provider */

static struct aiih_dns *glue_of(struct six_stack *st)
{
    return st->dstm ? st->dstm->aiih_dns : NULL;
}

static void ask_done(void *arg, enum aiih_status s, const struct dstm_binding *b, uint32_t ttl)
{
    struct ask *a = arg;
    dnsd_a_done_fn done = a->done;
    void *tok = a->tok;
    a->live = false;
    if (!done)
        return;                     /* the DNS server gave the query up */
    if (s == AIIH_OK)
        done(tok, DNS_RCODE_NOERROR, &b->v4, ttl);
    else
        done(tok, DNS_RCODE_SERVFAIL, NULL, 0);
}

static int provider_lookup_a(void *ctx, const struct in6_addr *v6, struct in_addr *a4, uint32_t *ttl,
                             dnsd_a_done_fn done, void *tok)
{
    struct aiih_dns *g = ctx;
    struct dstm_binding b;
    if (aiih_lookup_v6(g->st, v6, &b, ttl)) {
        *a4 = b.v4;
        return DNS_RCODE_NOERROR;
    }
    struct ask *a = NULL;
    for (unsigned i = 0; i < AIIH_DNS_MAX_ASKS && !a; i++)
        if (!g->asks[i].live)
            a = &g->asks[i];
    if (!a)
        return DNS_RCODE_SERVFAIL;
    *a = (struct ask){ .g = g, .live = true, .done = done, .tok = tok };
    if (aiih_assign_for(g->st, v6, ask_done, a) < 0) {
        a->live = false;
        return DNS_RCODE_SERVFAIL;
    }
    return -1;
}

static bool provider_lookup_ptr4(void *ctx, struct in_addr a4, struct in6_addr *v6, uint32_t *ttl)
{
    struct aiih_dns *g = ctx;
    struct dstm_binding b;
    if (!aiih_lookup_v4(g->st, a4, 0, &b))
        return false;
    *v6 = b.v6;
    int64_t left = b.expires - lease_wall_now(g->st);
    *ttl = left > 0 ? (uint32_t)(left > 86400 ? 86400 : left) : 0;
    return true;
}

static void provider_cancel(void *ctx, void *tok)
{
    struct aiih_dns *g = ctx;
    for (unsigned i = 0; i < AIIH_DNS_MAX_ASKS; i++)
        if (g->asks[i].live && g->asks[i].tok == tok)
            g->asks[i].done = NULL;  /* the allocation goes on; its answer goes nowhere */
}

/* ------------------------------------------------------------ RFC 2136 publication */

static uint32_t pub_hash(struct in_addr v4, uint16_t psid)
{
    uint64_t k = (uint64_t)ntohl(v4.s_addr) << 16 | psid;
    k *= 0x9e3779b97f4a7c15ull;
    return (uint32_t)(k >> 40) % AIIH_DNS_PUB_SLOTS;
}

static bool same_key(const struct dstm_binding *a, const struct dstm_binding *b)
{
    return a->v4.s_addr == b->v4.s_addr && a->ps.psid_len == b->ps.psid_len && a->ps.psid == b->ps.psid;
}

/* The slot holding b's key, or (insert) the first empty one on its probe
 * path; NULL when absent (lookup) or the table is full. */
static struct pub **pub_slot(struct aiih_dns *g, const struct dstm_binding *b, bool insert)
{
    uint32_t h = pub_hash(b->v4, b->ps.psid);
    for (unsigned n = 0; n < AIIH_DNS_PUB_SLOTS; n++) {
        struct pub **s = &g->slots[(h + n) % AIIH_DNS_PUB_SLOTS];
        if (!*s)
            return insert ? s : NULL;
        if (same_key(&(*s)->b, b))
            return s;
    }
    return NULL;
}

/* Backward-shift deletion keeps every probe path unbroken. */
static void pub_unlink(struct aiih_dns *g, struct pub *p)
{
    uint32_t i = 0;
    bool found = false;
    for (uint32_t h = pub_hash(p->b.v4, p->b.ps.psid), n = 0; n < AIIH_DNS_PUB_SLOTS; n++) {
        i = (h + n) % AIIH_DNS_PUB_SLOTS;
        if (g->slots[i] == p) {
            found = true;
            break;
        }
    }
    if (!found)
        return;
    g->slots[i] = NULL;
    for (uint32_t j = (i + 1) % AIIH_DNS_PUB_SLOTS; g->slots[j]; j = (j + 1) % AIIH_DNS_PUB_SLOTS) {
        uint32_t home = pub_hash(g->slots[j]->b.v4, g->slots[j]->b.ps.psid);
        bool movable = i <= j ? (home <= i || home > j) : (home <= i && home > j);
        if (movable) {
            g->slots[i] = g->slots[j];
            g->slots[j] = NULL;
            i = j;
        }
    }
    g->n_pubs--;
}

static void pub_free(struct aiih_dns *g, struct pub *p)
{
    timer_cancel(&p->retry);
    pub_unlink(g, p);
    free(p);
}

static void pub_added(void *arg, int result)
{
    struct pub *p = arg;
    if (result == -ECANCELED)
        return;
    if (result != 0)
        LOGW("dstm: the DNS primary did not take the A record %s (%d): the name stays unpublished", p->name,
             result);
    else
        LOGI("dstm: A record %s published", p->name);
}

static void pub_send_delete(struct pub *p);

static void pub_deleted(void *arg, int result)
{
    struct pub *p = arg;
    struct aiih_dns *g = p->g;
    if (result == -ECANCELED)
        return;
    if (result != 0 && result != DNS_RCODE_NXRRSET) {
        LOGW("dstm: the DNS primary did not delete the A record %s (%d): the address stays held, retry in %d s",
             p->name, result, AIIH_DNS_RETRY_S);
        timer_arm(g->st->tw, &p->retry, (uint64_t)AIIH_DNS_RETRY_S * 1000000000ull);
        return;
    }
    LOGI("dstm: A record %s withdrawn, its address may be reused", p->name);
    aiih_unhold(g->st, &p->b);
    pub_free(g, p);
}

static void pub_send_delete(struct pub *p)
{
    if (dnsu_delete_a(p->g->st, p->name, p->b.v4, pub_deleted, p) < 0)
        timer_arm(p->g->st->tw, &p->retry, (uint64_t)AIIH_DNS_RETRY_S * 1000000000ull);
}

static void pub_retry(struct timer *t, void *arg)
{
    pub_send_delete(arg);
}

static uint32_t ttl_left(struct six_stack *st, const struct dstm_binding *b)
{
    int64_t left = b->expires - lease_wall_now(st);
    return left <= 0 ? 0 : left > 86400 ? 86400 : (uint32_t)left;
}

static void on_bound(struct aiih_dns *g, const struct dstm_binding *b)
{
    char name[DNS_TEXT_MAX];
    if (!dnsu_running(g->st) || !dnsd_host_name(g->st, &b->v6, name, sizeof name))
        return;
    struct pub **s = pub_slot(g, b, true);
    if (s && *s) {
        if (!(*s)->deleting && !strcmp((*s)->name, name) && !memcmp(&(*s)->b.v6, &b->v6, sizeof b->v6)) {
            (*s)->b.expires = b->expires;   /* an extension: the record stands */
            return;
        }
        return;                              /* the old holder's record is still being withdrawn */
    }
    if (!s || g->n_pubs >= AIIH_DNS_MAX_PUB) {
        g->refused_full++;
        LOGW("dstm: %u A records published already: %s not published", g->n_pubs, name);
        return;
    }
    if (!aiih_hold(g->st, b)) {   /* unheld, the address could go to another host under the old record */
        g->refused_full++;
        LOGW("dstm: no hold for %s (addresses held: the cap): not published", name);
        return;
    }
    struct pub *p = calloc(1, sizeof *p);
    if (!p) {
        aiih_unhold(g->st, b);
        return;
    }
    p->g = g;
    p->live = true;
    p->b = *b;
    snprintf(p->name, sizeof p->name, "%s", name);
    timer_init(&p->retry, pub_retry, p);
    *s = p;
    g->n_pubs++;
    if (dnsu_add_a(g->st, name, b->v4, ttl_left(g->st, b), pub_added, p) < 0)
        LOGW("dstm: A record %s not queued (update queue full)", name);
}

static void on_gone(struct aiih_dns *g, const struct dstm_binding *b)
{
    struct pub **s = pub_slot(g, b, false);
    if (!s || (*s)->deleting)
        return;
    (*s)->deleting = true;
    pub_send_delete(*s);
}

static void on_event(void *arg, enum dstm_event ev, const struct dstm_binding *b)
{
    struct aiih_dns *g = arg;
    if (ev == DSTM_EV_BOUND)
        on_bound(g, b);
    else if (ev == DSTM_EV_GONE)
        on_gone(g, b);
}

/* ------------------------------------------------------------ life */

static void glue_free(struct dstm *d)
{
    struct aiih_dns *g = d->aiih_dns;
    if (!g)
        return;
    dstm_unsubscribe(g->st, on_event, g);
    dnsd_set_provider(g->st, NULL);
    for (unsigned i = 0; i < AIIH_DNS_PUB_SLOTS; i++)
        if (g->slots[i]) {
            timer_cancel(&g->slots[i]->retry);
            free(g->slots[i]);
        }
    free(g->slots);
    free(g);
    d->aiih_dns = NULL;
}

int aiih_dns_start(struct six_stack *st)
{
    struct dstm *d = dstm_get(st);
    if (!d)
        return -ENOMEM;
    if (d->aiih_dns)
        return 0;
    struct aiih_dns *g = calloc(1, sizeof *g);
    if (!g || !(g->slots = calloc(AIIH_DNS_PUB_SLOTS, sizeof *g->slots))) {
        free(g);
        return -ENOMEM;
    }
    g->st = st;
    int r = dstm_subscribe(st, on_event, g);
    if (r < 0) {
        free(g->slots);
        free(g);
        return r;
    }
    d->aiih_dns = g;
    d->aiih_dns_free = glue_free;
    struct dnsd_provider p = { .ctx = g, .lookup_a = provider_lookup_a, .lookup_ptr4 = provider_lookup_ptr4,
                               .cancel = provider_cancel };
    dnsd_set_provider(st, &p);
    return 0;
}

void aiih_dns_stop(struct six_stack *st)
{
    struct dstm *d = st->dstm;
    if (d && d->aiih_dns)
        glue_free(d);
}

void aiih_dns_info(struct six_stack *st, struct aiih_dns_info *out)
{
    memset(out, 0, sizeof *out);
    struct aiih_dns *g = glue_of(st);
    if (!g)
        return;
    out->running = true;
    out->published = g->n_pubs;
    out->refused_full = g->refused_full;
    for (unsigned i = 0; i < AIIH_DNS_MAX_ASKS; i++)
        out->asking += g->asks[i].live;
    for (unsigned i = 0; i < AIIH_DNS_PUB_SLOTS; i++)
        out->withdrawing += g->slots[i] && g->slots[i]->deleting;
}
