/* Allocation on a DNS A query (draft-ietf-ngtrans-dstm §5.1.3, aiih.h):
 * the host holding the queried IPv6 address (a DHCPv6 IA_NA lease of the
 * server) is offered an IPv4 address: committed to the store as an offer
 * (LEASE_V4, iaid 0, valid `offer-timeout`), then the client is sent a
 * Reconfigure (msg Renew); its Renew takes the offer (server_dstm.c).  An
 * offer not taken expires into quarantine (d6s_dstm_expired).  done() runs
 * from the event loop, exactly once: after the commit, or from a zero-delay
 * timer when the answer is known at once. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "dhcp6/server_int.h"
#include "dstm/aiih_int.h"
#include "net/oplog.h"
#include "net/stack.h"

/* What a commit callback needs to find its allocation again: the server
 * outlives its store's callbacks, the AIIH may not (`dstm aiih off`). */
struct ticket { struct d6_server *s; struct in6_addr key; struct d6s_lease *e; };

static void slot_fire(struct timer *tm, void *arg)
{
    struct aiih_assign *as = arg;
    struct aiih *a = as->a;
    aiih_assign_fn done = as->done;
    void *darg = as->arg;
    enum aiih_status st = as->status;
    struct dstm_binding b = as->b;
    uint32_t ttl = as->ttl;
    as->live = false;
    a->n_assigns--;
    done(darg, st, st == AIIH_OK ? &b : NULL, ttl);   /* last: done may start another allocation */
}

static void slot_finish(struct aiih_assign *as, enum aiih_status status)
{
    as->status = status;
    as->committing = false;
    timer_arm(as->a->st->tw, &as->t, 0);
}

static struct aiih_assign *slot_get(struct aiih *a)
{
    if (!a->assigns && !(a->assigns = calloc(AIIH_MAX_ASSIGNS, sizeof *a->assigns)))
        return NULL;
    for (int i = 0; i < AIIH_MAX_ASSIGNS; i++)
        if (!a->assigns[i].live) {
            struct aiih_assign *as = &a->assigns[i];
            memset(as, 0, sizeof *as);
            as->live = true;
            as->a = a;
            timer_init(&as->t, slot_fire, as);
            a->n_assigns++;
            return as;
        }
    return NULL;
}

void aiih_assigns_stop(struct aiih *a)
{
    for (int i = 0; a->assigns && i < AIIH_MAX_ASSIGNS; i++)
        if (a->assigns[i].live)
            timer_cancel(&a->assigns[i].t);
}

static void offer_settle(void *arg, enum lease_result r, const struct lease *l)
{
    struct ticket *tk = arg;
    struct d6_server *s = tk->s;
    struct d6s_lease *e = tk->e;
    e->pending--;
    struct aiih *a = aiih_get(s->st);
    struct aiih_assign *as = NULL;
    for (int i = 0; a && a->assigns && i < AIIH_MAX_ASSIGNS && !as; i++)
        if (a->assigns[i].live && a->assigns[i].committing && !memcmp(&a->assigns[i].key, &tk->key, sizeof tk->key))
            as = &a->assigns[i];
    free(tk);
    if (r != LEASE_OK && a && e->offered && a->n_offers)
        a->n_offers--;
    if (r == LEASE_CONFLICT) {
        CTR_INC(s->st, dhcp6s, commit_conflict);
        d6s_table_unbind(&s->tab, e);
        e->foreign = true;
        e->offered = false;
        e->l.expires = d6s_wall(s->st) + (int64_t)D6S_VALID_DEFAULT;
    } else if (r != LEASE_OK) {
        d6s_table_remove(&s->tab, e);
    } else {
        e->durable = true;
    }
    if (!as)
        return;
    if (r != LEASE_OK) {
        slot_finish(as, AIIH_BUSY);
        return;
    }
    struct d6s_lease *na = d6s_table_find_addr(&s->tab, &as->b.v6, 128);
    char why[128];
    if (na && na->l.kind == LEASE_NA && d6s_reconf_send(s, na, DHCP6_RENEW, why, sizeof why) == 0)
        CTR_INC(s->st, aiih, reconf_sent);
    else
        six_event(s->st, LOG_NOTICE, "dstm aiih: offer made, but no Reconfigure sent to its host");
    as->ttl = a->cfg.short_ttl;
    slot_finish(as, AIIH_OK);
}

/* The allocation in flight whose commit carries key (the first that asked). */
static struct aiih_assign *committing_slot(struct aiih *a, const struct in6_addr *key)
{
    for (int i = 0; a && a->assigns && i < AIIH_MAX_ASSIGNS; i++)
        if (a->assigns[i].live && a->assigns[i].committing && !memcmp(&a->assigns[i].key, key, sizeof *key))
            return &a->assigns[i];
    return NULL;
}

/* The commit of an offer: the first asker sends the Reconfigure
 * (offer_settle); the queries that joined it get the same answer. */
static void offer_committed(void *arg, enum lease_result r, const struct lease *l)
{
    struct ticket *tk = arg;
    struct six_stack *st = tk->s->st;
    struct in6_addr key = tk->key;
    struct aiih_assign *first = committing_slot(aiih_get(st), &key);
    offer_settle(arg, r, l);
    struct aiih *a = aiih_get(st);
    if (!first || !a)
        return;
    for (struct aiih_assign *j; (j = committing_slot(a, &key));) {
        j->b = first->b;
        j->ttl = first->ttl;
        slot_finish(j, first->status);
    }
}

/* An offer for v6's host whose commit is in flight: a later query joins it. */
static bool join_offer(struct aiih *a, struct aiih_assign *as, const struct in6_addr *v6)
{
    for (int i = 0; i < AIIH_MAX_ASSIGNS; i++) {
        const struct aiih_assign *o = &a->assigns[i];
        if (o != as && o->live && o->committing && !memcmp(&o->b.v6, v6, sizeof *v6)) {
            as->key = o->key;
            as->b = o->b;
            as->committing = true;
            CTR_INC(a->st, aiih, offers_joined);
            return true;
        }
    }
    return false;
}

static enum aiih_status offer(struct aiih *a, struct d6_server *s, struct aiih_assign *as, struct d6s_lease *na)
{
    struct in6_addr key;
    if (!aiih_pick(a, false, na->l.duid, na->l.duid_len, 0, 0, &key))
        return CTR_INC(a->st, aiih, no_addrs), AIIH_EXHAUSTED;
    struct ticket *tk = malloc(sizeof *tk);   /* one per DNS-triggered allocation, never per packet */
    struct d6s_lease *e = tk ? d6s_table_new(&s->tab) : NULL;
    if (!e) {
        free(tk);
        return AIIH_BUSY;
    }
    int64_t now = d6s_wall(a->st);
    e->l.addr = key;
    e->l.plen = 128;
    e->l.kind = LEASE_V4;
    e->l.state = LEASE_BOUND;
    e->l.duid_len = na->l.duid_len;
    memcpy(e->l.duid, na->l.duid, na->l.duid_len);
    e->l.iaid = 0;
    e->l.pool_id = na->l.pool_id;
    e->l.valid = e->l.preferred = a->cfg.offer_timeout;
    e->l.cltt = now;
    e->l.expires = now + a->cfg.offer_timeout;
    e->offered = true;
    a->n_offers++;
    e->v6 = na->l.addr;
    d6s_table_insert(&s->tab, e);
    *tk = (struct ticket){ s, key, e };
    as->key = key;
    as->committing = true;
    aiih_binding_of(a, &key, &na->l.addr, e->l.expires, &as->b);
    CTR_INC(a->st, aiih, offers);
    e->pending++;
    lease_store_commit(s->store, &e->l, offer_committed, tk);
    return AIIH_OK;
}

int aiih_assign_for(struct six_stack *st, const struct in6_addr *v6, aiih_assign_fn done, void *arg)
{
    struct aiih *a = aiih_get(st);
    struct d6_server *s = d6s_get(st);
    if (!a || !s || !s->store)
        return -ESRCH;
    struct aiih_assign *as = slot_get(a);
    if (!as)
        return -EBUSY;
    as->done = done;
    as->arg = arg;
    if (join_offer(a, as, v6))   /* one offer in flight per host */
        return 0;
    uint32_t ttl = 0;
    if (aiih_lookup_v6(st, v6, &as->b, &ttl)) {   /* it has one (or an offer) already */
        as->ttl = ttl;
        slot_finish(as, AIIH_OK);
        return 0;
    }
    struct d6s_lease *na = d6s_table_find_addr(&s->tab, v6, 128);
    if (!na || na->l.kind != LEASE_NA || na->l.state != LEASE_BOUND || na->foreign) {
        slot_finish(as, AIIH_UNKNOWN_HOST);
        return 0;
    }
    if (!na->l.has_rkey) {
        slot_finish(as, AIIH_NO_RECONF);
        return 0;
    }
    enum aiih_status r = offer(a, s, as, na);
    if (r != AIIH_OK)
        slot_finish(as, r);
    return 0;
}
