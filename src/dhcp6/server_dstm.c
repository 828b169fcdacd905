/* The DHCPv6 server's DSTM half (src/dstm/aiih.h): IPv4 leases (kind
 * LEASE_V4, keyed by dstm_lease_key) answered in the encoding the client
 * used — the draft-ietf-ngtrans-dstm extension before an IA_NA, or RFC 7598
 * S46_CONT_LW asked in the ORO — inside the server's transactions, so they
 * are committed, retried on LEASE_CONFLICT and undone like any lease; the
 * binding events; RFC 5007 Leasequery; RFC 7341 DHCPV4-QUERY refused. */
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include "dhcp6/server_int.h"
#include "dstm/aiih_int.h"
#include "net/oplog.h"
#include "net/stack.h"
#include "wire/ip6.h"

static struct aiih *aiih_on(struct d6_server *s, const struct d6s_link *lk)
{
    struct aiih *a = aiih_get(s->st);
    return a && lk && lk->ifindex == a->ifindex ? a : NULL;
}

static bool oro_has(const struct dhcp6_msg *m, uint16_t code)
{
    for (int i = 0; i < m->n_oro; i++)
        if (m->oro[i] == code)
            return true;
    return false;
}

static const struct dhcp6_ia *ia_na(const struct dhcp6_msg *m, uint32_t iaid)
{
    for (int i = 0; i < m->n_ia; i++)
        if (m->ia[i].type == D6O_IA_NA && m->ia[i].iaid == iaid)
            return &m->ia[i];
    return NULL;
}

/* The first IPv6 IA_NA of m (not the draft's IPv4 one). */
static const struct dhcp6_ia *first_v6_ia(const struct dhcp6_msg *m, const struct d6s_dstm_req *rq)
{
    for (int i = 0; i < m->n_ia; i++)
        if (m->ia[i].type == D6O_IA_NA && !(rq->enc == AIIH_ENC_DRAFT && m->ia[i].iaid == rq->iaid))
            return &m->ia[i];
    return NULL;
}

bool d6s_dstm_detect(struct d6_server *s, struct d6s_txn *t, const struct dhcp6_msg *m, struct d6s_dstm_req *rq)
{
    memset(rq, 0, sizeof *rq);
    struct aiih *a = aiih_on(s, t->lk);
    if (!a)
        return true;
    bool found, has_tep;
    struct in6_addr tep;
    uint32_t iaid;
    enum wire_reason r = dhcp6_dstm_find(m, aiih_opt_code(a), &found, &has_tep, &tep, &iaid);
    if (r != WR_OK) {
        WIRE_DROP(s->st, dhcp6s, r);
        CTR_INC(s->st, aiih, drop_dstm_opt);
        return false;
    }
    if (found) {
        const struct dhcp6_ia *ia = ia_na(m, iaid);
        int same = 0;
        for (int i = 0; i < m->n_ia; i++)
            same += m->ia[i].type == D6O_IA_NA && m->ia[i].iaid == iaid;
        if (!ia || same != 1) {   /* past the IA cap, or its IAID also names an IPv6 IA_NA */
            CTR_INC(s->st, aiih, drop_dstm_opt);
            return false;
        }
        for (int k = 0; k < ia->n_item; k++) {
            struct in_addr v4;
            struct dstm_portset ps;
            if (!in6_is_v4mapped(&ia->item[k].addr) || !dstm_lease_key_parse(&ia->item[k].addr, &v4, &ps)) {
                CTR_INC(s->st, aiih, drop_not_mapped);
                return false;
            }
            rq->asks_any |= v4.s_addr == 0;
        }
        rq->enc = AIIH_ENC_DRAFT;
        rq->iaid = iaid;
        rq->asks = ia->n_item > 0;
        return true;
    }
    if (!oro_has(m, D6O_S46_CONT_LW))
        return true;
    const struct dhcp6_ia *v6 = first_v6_ia(m, rq);
    if (!v6) {
        if (m->type != DHCP6_INFORMATION_REQUEST && m->type != DHCP6_CONFIRM)
            CTR_INC(s->st, aiih, drop_lw_no_ia_na);   /* the bind prefix is the IA_NA's address: none */
        return true;
    }
    rq->enc = AIIH_ENC_LW;
    rq->iaid = v6->iaid;
    return true;
}

/* The IPv6 address this transaction gives (or the client keeps). */
static bool txn_v6(const struct d6s_txn *t, struct in6_addr *v6)
{
    for (int i = 0; i < t->n_ia; i++) {
        const struct d6s_ans_ia *a = &t->ia[i];
        if (a->v4 || a->type != D6O_IA_NA)
            continue;
        for (int k = 0; k < a->n; k++)
            if (a->it[k].valid) {
                *v6 = a->it[k].addr;
                return true;
            }
    }
    return false;
}

static struct d6s_lease *v4_binding(struct d6_server *s, const struct dhcp6_msg *m, uint32_t iaid)
{
    return d6s_table_find_bind(&s->tab, m->clientid.p, (uint8_t)m->clientid.len, iaid, LEASE_V4, NULL);
}

/* An offer (aiih_assign_for) made to this client and not yet taken. */
struct offer_ctx { const struct dhcp6_msg *m; struct d6s_lease *hit; };

static void find_offer(void *arg, struct d6s_lease *e)
{
    struct offer_ctx *c = arg;
    if (!c->hit && e->offered && e->l.kind == LEASE_V4 && e->l.state == LEASE_BOUND && !e->pending &&
        e->l.duid_len == c->m->clientid.len && !memcmp(e->l.duid, c->m->clientid.p, e->l.duid_len))
        c->hit = e;
}

static struct d6s_lease *offer_of(struct d6_server *s, const struct dhcp6_msg *m)
{
    struct offer_ctx c = { m, NULL };
    struct aiih *a = aiih_get(s->st);
    if (m->clientid.p && a && a->n_offers)   /* a walk only while offers are out (few, short-lived) */
        d6s_table_foreach(&s->tab, find_offer, &c);
    return c.hit;
}

static struct d6s_lease *new_v4(struct d6_server *s, struct d6s_txn *t, const struct dhcp6_msg *m, uint32_t iaid,
                                const struct in6_addr *key, const struct in6_addr *v6, uint32_t pref, uint32_t valid)
{
    struct d6s_lease *e = d6s_table_new(&s->tab);
    if (!e) {
        CTR_INC(s->st, dhcp6s, table_full);
        return NULL;
    }
    int64_t now = d6s_wall(s->st);
    e->l.addr = *key;
    e->l.plen = 128;
    e->l.kind = LEASE_V4;
    e->l.state = LEASE_BOUND;
    e->l.duid_len = (uint8_t)m->clientid.len;
    memcpy(e->l.duid, m->clientid.p, m->clientid.len);
    e->l.iaid = iaid;
    e->l.pool_id = t->lk->pool_id;
    e->l.preferred = pref;
    e->l.valid = valid;
    e->l.cltt = now;
    e->l.expires = now + valid;
    e->v6 = *v6;
    d6s_table_insert(&s->tab, e);
    return e;
}

static void extend(struct d6s_lease *e, uint32_t pref, uint32_t valid, int64_t now)
{
    e->l.state = LEASE_BOUND;
    e->l.preferred = pref;
    e->l.valid = valid;
    e->l.cltt = now;
    e->l.expires = now + valid;
}

/* Ending a binding (Release, Decline): the entry stays until its commit
 * is durable; GONE is published then (commit_done). */
static void end_binding(struct aiih *a, struct d6s_ans_ia *ans, struct d6s_lease *e, bool decline, int64_t now)
{
    d6s_add_item(ans, e, &e->l.addr, 128, 0, 0);
    ans->it[ans->n - 1].committing = true;
    e->l.state = decline ? LEASE_DECLINED : LEASE_FREE;
    e->l.cltt = now;
    e->l.expires = decline ? now + a->cfg.quarantine : now;
}

/* Would giving e to v6 move it away from an IA_NA lease still live?  A
 * DUID is no secret (Leasequery returns it): whoever presents the holder's
 * must not take its IPv4 binding to another IPv6 address. */
static bool v4_would_move(struct d6_server *s, const struct d6s_lease *e, const struct in6_addr *v6, int64_t now)
{
    if (IN6_IS_ADDR_UNSPECIFIED(&e->v6) || !memcmp(&e->v6, v6, sizeof *v6))
        return false;
    const struct d6s_lease *na = d6s_table_find_addr(&s->tab, &e->v6, 128);
    return na && na->l.kind == LEASE_NA && na->l.state == LEASE_BOUND && na->l.expires > now;
}

void d6s_dstm_answer(struct d6_server *s, struct d6s_txn *t, const struct dhcp6_msg *m, enum d6s_mode mode,
                     const struct d6s_dstm_req *rq)
{
    struct aiih *a = aiih_on(s, t->lk);
    if (!a || !rq->enc || t->n_ia >= DHCP6_MAX_IA)
        return;
    const struct d6s_config *c = &t->lk->cfg;
    struct d6s_ans_ia *ans = &t->ia[t->n_ia++];
    memset(ans, 0, offsetof(struct d6s_ans_ia, it));
    ans->type = D6O_IA_NA;
    ans->iaid = rq->iaid;
    ans->v4 = rq->enc;
    ans->t1 = c->t1 ? c->t1 : c->preferred / 2;
    ans->t2 = c->t2 ? c->t2 : (uint32_t)((uint64_t)c->preferred * 4 / 5);
    int64_t now = d6s_wall(s->st);
    struct d6s_lease *e = v4_binding(s, m, rq->iaid);
    if (e && e->pending && (mode == M_RELEASE || mode == M_DECLINE))
        e = NULL;   /* being committed: the Release finds nothing now (the IPv6 part decides on dropping) */
    if (mode == M_RELEASE || mode == M_DECLINE) {
        if (rq->enc == AIIH_ENC_LW || !e) {
            ans->status = D6S_NO_BINDING;
            if (rq->enc == AIIH_ENC_LW)
                ans->type = 0;   /* lw4o6 ends with its IA_NA: d6s_dstm_release_lw */
            return;
        }
        end_binding(a, ans, e, mode == M_DECLINE, now);
        ans->type = 0;   /* answered by the top-level status */
        return;
    }
    /* the IPv6 half: this transaction's IA_NA address, or the one the binding has */
    struct in6_addr v6;
    bool have_v6 = txn_v6(t, &v6);
    if (!have_v6 && e && !IN6_IS_ADDR_UNSPECIFIED(&e->v6)) {
        v6 = e->v6;
        have_v6 = true;
    }
    if (!have_v6) {
        CTR_INC(s->st, aiih, no_v6_binding);
        ans->status = D6S_NO_ADDRS_AVAIL;   /* IPv4 needs an IPv6 binding */
        return;
    }
    ans->v6 = v6;
    ans->has_tep = aiih_tep_for(a, &v6, &ans->tep);
    uint32_t pref, valid;
    if (rq->enc == AIIH_ENC_LW)   /* RFC 7596: the softwire lives as long as its IA_NA */
        pref = c->preferred, valid = c->valid;
    else
        aiih_times(a, c->preferred, c->valid, &pref, &valid);
    if (!e && mode != M_ADVERTISE && (e = offer_of(s, m))) {
        /* §5.1.3: the client's Renew after our Reconfigure takes the offer */
        d6s_table_unbind(&s->tab, e);
        e->l.iaid = rq->iaid;
        e->offered = false;
        if (a->n_offers)   /* an offer of an AIIH since restarted is not counted */
            a->n_offers--;
        d6s_table_rebind(&s->tab, e);
        CTR_INC(s->st, aiih, offers_taken);
    }
    if (e && v4_would_move(s, e, &v6, now)) {
        CTR_INC(s->st, aiih, drop_v4_move);
        ans->status = D6S_NO_ADDRS_AVAIL;
        return;
    }
    if (e) {
        d6s_add_item(ans, e, &e->l.addr, 128, pref, valid);
        if (mode == M_ADVERTISE)
            return;
        if (e->offered) {   /* a client whose DSTM IA has IAID 0 finds the offer as its binding */
            e->offered = false;
            if (a->n_offers)   /* an offer of an AIIH since restarted is not counted */
                a->n_offers--;
            CTR_INC(s->st, aiih, offers_taken);
        }
        ans->it[ans->n - 1].committing = true;
        e->v6 = v6;
        extend(e, pref, valid, now);
        return;
    }
    if (mode == M_RENEW && rq->enc == AIIH_ENC_DRAFT && !rq->asks_any) {
        /* RFC 8415 §18.3.4: a Renew may ask for a new binding; the DTI asks
         * that way once its IPv6 lease is bound (::ffff:0.0.0.0, dti.h).
         * An address held but unknown here is not one to renew. */
        ans->status = D6S_NO_BINDING;
        return;
    }
    const struct d6s_lease *held = m->clientid.p ? d6s_table_find_duid(&s->tab, m->clientid.p, (uint8_t)m->clientid.len)
                                                 : NULL;
    if (held && held->offered && mode == M_ADVERTISE) {
        d6s_add_item(ans, NULL, &held->l.addr, 128, pref, valid);   /* the Request takes the offer */
        return;
    }
    if (held) {
        /* one IPv4 lease per client: a fresh IAID each time must not drain the pool */
        CTR_INC(s->st, aiih, drop_second_v4);
        ans->status = D6S_NO_ADDRS_AVAIL;
        return;
    }
    if (rq->enc == AIIH_ENC_DRAFT && !rq->asks) {
        /* An empty IA rides in every message of a DTI that wants nothing
         * (dti.h): it takes an offer (above), never a new address, or every
         * host would hold one from its first Request on (§5.1: on demand). */
        ans->status = D6S_NO_ADDRS_AVAIL;
        return;
    }
    struct in6_addr key;
    if (!aiih_pick(a, rq->enc == AIIH_ENC_LW, m->clientid.p, (uint8_t)m->clientid.len, rq->iaid, 0, &key)) {
        CTR_INC(s->st, aiih, no_addrs);
        ans->status = D6S_NO_ADDRS_AVAIL;
        return;
    }
    if (mode == M_ADVERTISE) {
        d6s_add_item(ans, NULL, &key, 128, pref, valid);
        return;
    }
    if (!(e = new_v4(s, t, m, rq->iaid, &key, &v6, pref, valid))) {
        ans->status = D6S_NO_ADDRS_AVAIL;
        return;
    }
    d6s_add_item(ans, e, &key, 128, pref, valid);
    ans->it[ans->n - 1].was_new = true;
    ans->it[ans->n - 1].committing = true;
}

void d6s_dstm_release_lw(struct d6_server *s, struct d6s_txn *t, const struct dhcp6_msg *m, bool decline)
{
    struct aiih *a = aiih_on(s, t->lk);
    if (!a || !m->clientid.p)
        return;
    int64_t now = d6s_wall(s->st);
    for (int i = 0; i < m->n_ia && t->n_ia < DHCP6_MAX_IA; i++) {
        if (m->ia[i].type != D6O_IA_NA)
            continue;
        struct d6s_lease *e = v4_binding(s, m, m->ia[i].iaid);
        if (!e || e->pending)
            continue;
        bool draft = false;   /* a draft IA is released by its own IA, answered in d6s_dstm_answer */
        for (int k = 0; k < t->n_ia; k++)
            draft |= t->ia[k].v4 == AIIH_ENC_DRAFT && t->ia[k].iaid == m->ia[i].iaid;
        if (draft)
            continue;
        struct d6s_ans_ia *ans = &t->ia[t->n_ia++];
        memset(ans, 0, offsetof(struct d6s_ans_ia, it));
        ans->v4 = AIIH_ENC_LW;
        ans->iaid = m->ia[i].iaid;
        end_binding(a, ans, e, decline, now);
    }
}

bool d6s_dstm_retry(struct d6_server *s, struct d6s_txn *t, struct d6s_ans_ia *ans, struct d6s_item *it,
                    const struct dhcp6_msg *m)
{
    struct aiih *a = aiih_on(s, t->lk);
    struct in6_addr key;
    if (!a || !m->clientid.p ||
        !aiih_pick(a, ans->v4 == AIIH_ENC_LW, m->clientid.p, (uint8_t)m->clientid.len, ans->iaid,
                   (unsigned)++t->retries, &key))
        return false;
    struct d6s_lease *e = new_v4(s, t, m, ans->iaid, &key, &ans->v6, it->pref, it->valid);
    if (!e)
        return false;
    it->e = e;
    it->addr = key;
    return true;
}

/* ------------------------------------------------------------ building */

void d6s_dstm_put(struct d6_server *s, struct dhcp6_builder *b, const struct d6s_ans_ia *ans)
{
    struct aiih *a = aiih_get(s->st);
    if (a && ans->v4 == AIIH_ENC_DRAFT && ans->type)
        dhcp6_put_dstm(b, aiih_opt_code(a), ans->has_tep ? &ans->tep : NULL);
}

void d6s_dstm_put_lw(struct d6_server *s, struct dhcp6_builder *b, const struct d6s_txn *t)
{
    for (int i = 0; i < t->n_ia; i++) {
        const struct d6s_ans_ia *ans = &t->ia[i];
        if (ans->v4 != AIIH_ENC_LW || !ans->type || ans->n < 1 || !ans->it[0].valid)
            continue;
        struct in_addr v4;
        struct dstm_portset ps;
        if (!dstm_lease_key_parse(&ans->it[0].addr, &v4, &ps))
            continue;
        struct dhcp6_portparams pp = { .offset = ps.offset, .psid_len = ps.psid_len, .psid = ps.psid,
                                       .present = ps.psid_len > 0 };
        dhcp6_begin_opt(b, D6O_S46_CONT_LW);
        dhcp6_put_s46_v4v6bind(b, v4, 128, &ans->v6, &pp);
        if (ans->has_tep)
            dhcp6_put_addrs(b, D6O_S46_BR, &ans->tep, 1);
        dhcp6_end(b);
        return;   /* one softwire per client */
    }
}

/* ------------------------------------------------------------ events */

void d6s_dstm_replied(struct d6_server *s, const struct d6s_txn *t)
{
    struct aiih *a = aiih_get(s->st);
    if (!a || t->reply_type != DHCP6_REPLY)
        return;
    for (int i = 0; i < t->n_ia; i++) {
        const struct d6s_ans_ia *ans = &t->ia[i];
        for (int k = 0; ans->v4 && k < ans->n; k++) {
            const struct d6s_item *it = &ans->it[k];
            if (!it->e || it->e->l.kind != LEASE_V4 || it->e->l.state != LEASE_BOUND)
                continue;
            if (it->was_new)
                CTR_INC(s->st, aiih, bound);
            else
                CTR_INC(s->st, aiih, renewed);
            if (ans->v4 == AIIH_ENC_LW && it->was_new)
                CTR_INC(s->st, aiih, lw_bound);
            struct dstm_binding b;
            aiih_binding_of(a, &it->e->l.addr, &it->e->v6, it->e->l.expires, &b);
            dstm_publish(s->st, DSTM_EV_BOUND, &b);
        }
    }
}

void d6s_publish_gone(struct d6_server *s, const struct d6s_lease *e)
{
    struct aiih *a = aiih_get(s->st);
    if (!a || e->l.kind != LEASE_V4 || e->foreign)
        return;
    struct dstm_binding b;
    aiih_binding_of(a, &e->l.addr, &e->v6, e->l.expires, &b);
    if (e->l.state == LEASE_DECLINED)
        CTR_INC(s->st, aiih, declined);
    else if (e->l.state == LEASE_FREE)
        CTR_INC(s->st, aiih, released);
    dstm_publish(s->st, DSTM_EV_GONE, &b);
}

static void quarantine_done(void *arg, enum lease_result r, const struct lease *l)
{
    struct d6s_lease *e = arg;
    e->pending--;
    if (r == LEASE_OK)
        e->durable = true;
}

bool d6s_dstm_expired(struct d6_server *s, struct d6s_lease *e, int64_t now)
{
    struct aiih *a = aiih_get(s->st);
    if (e->l.state != LEASE_BOUND || e->foreign)
        return false;   /* the end of a quarantine, or another server's */
    if (e->offered && a) {
        /* §5.1.3: an address offered and not taken stays out a while: it
         * may already be in someone's DNS cache */
        CTR_INC(s->st, aiih, offers_withdrawn);
        d6s_publish_gone(s, e);
        e->offered = false;
        if (a->n_offers)   /* an offer of an AIIH since restarted is not counted */
            a->n_offers--;
        e->l.state = LEASE_DECLINED;
        e->l.cltt = now;
        e->l.expires = now + a->cfg.quarantine;
        if (s->store) {
            e->pending++;
            lease_store_commit(s->store, &e->l, quarantine_done, e);
        }
        return true;
    }
    CTR_INC(s->st, aiih, expired);
    d6s_publish_gone(s, e);
    return false;
}

/* ------------------------------------------------------------ Leasequery (RFC 5007 §4.3) */

static bool lq_allowed(const struct aiih *a, const struct in6_addr *src)
{
    for (int i = 0; i < a->cfg.n_lq_from; i++)
        if (d6s_in_prefix(src, &a->cfg.lq_from[i].prefix, a->cfg.lq_from[i].plen))
            return true;
    return false;
}

static uint32_t left_of(uint32_t life, int64_t cltt, int64_t now)
{
    int64_t end = cltt + (int64_t)life, left = end - now;
    return life == 0xffffffffu ? life : left > 0 ? (uint32_t)left : 0;
}

static void put_client_data(struct d6_server *s, struct dhcp6_builder *b, const struct d6s_lease *e, int64_t now)
{
    struct aiih *a = aiih_get(s->st);
    dhcp6_begin_opt(b, D6O_CLIENT_DATA);
    dhcp6_put_opt(b, D6O_CLIENTID, e->l.duid, e->l.duid_len);
    if (e->l.kind == LEASE_PD)
        dhcp6_begin_iaprefix(b, &e->l.addr, e->l.plen, left_of(e->l.preferred, e->l.cltt, now),
                             left_of(e->l.valid, e->l.cltt, now));
    else
        dhcp6_begin_iaaddr(b, &e->l.addr, left_of(e->l.preferred, e->l.cltt, now), left_of(e->l.valid, e->l.cltt, now));
    dhcp6_end(b);
    if (e->l.kind == LEASE_V4 && !IN6_IS_ADDR_UNSPECIFIED(&e->v6)) {
        const struct d6s_lease *na = d6s_table_find_addr(&s->tab, &e->v6, 128);
        uint32_t p = na ? left_of(na->l.preferred, na->l.cltt, now) : 0, v = na ? left_of(na->l.valid, na->l.cltt, now) : 0;
        dhcp6_begin_iaaddr(b, &e->v6, p, v);
        dhcp6_end(b);
    }
    dhcp6_put_u32(b, D6O_CLT_TIME, now > e->l.cltt ? (uint32_t)(now - e->l.cltt) : 0);
    struct in6_addr tep;
    if (e->l.kind == LEASE_V4 && a && aiih_tep_for(a, &e->v6, &tep))
        dhcp6_put_addrs(b, D6O_S46_BR, &tep, 1);
    dhcp6_end(b);
}

struct duid_ctx { const struct dhcp6_duid *d; const struct d6s_lease *hit; };

static void find_duid(void *arg, struct d6s_lease *e)
{
    struct duid_ctx *c = arg;
    if (!c->hit && e->l.kind == LEASE_V4 && e->l.state == LEASE_BOUND && !e->foreign && !e->offered &&
        e->l.duid_len == c->d->len && !memcmp(e->l.duid, c->d->p, c->d->len))
        c->hit = e;
}

/* The lease a query names: NULL with *status set when none. */
static const struct d6s_lease *lq_find(struct d6_server *s, const struct dhcp6_lq_query *q, uint16_t *status)
{
    if (q->type == DHCP6_LQ_BY_ADDRESS) {
        if (!q->has_addr) {
            *status = D6S_MALFORMED_QUERY;
            return NULL;
        }
        const struct d6s_lease *e = d6s_table_find_addr(&s->tab, &q->addr, 128);
        if (e && (e->l.state != LEASE_BOUND || e->foreign || e->offered || (e->pending && !e->durable)))
            e = NULL;
        *status = e ? D6S_SUCCESS : D6S_NOT_CONFIGURED;
        return e;
    }
    if (q->type == DHCP6_LQ_BY_CLIENTID) {
        if (!q->clientid.p) {
            *status = D6S_MALFORMED_QUERY;
            return NULL;
        }
        struct duid_ctx c = { &q->clientid, NULL };
        d6s_table_foreach(&s->tab, find_duid, &c);   /* a walk: rate-limited like every query */
        *status = c.hit ? D6S_SUCCESS : D6S_NOT_CONFIGURED;
        return c.hit;
    }
    *status = D6S_UNKNOWN_QUERY_TYPE;
    return NULL;
}

static void lq_reply(struct d6_server *s, const struct dhcp6_msg *m, const struct d6s_lease *e, uint16_t status,
                     const struct sockaddr_in6 *from, unsigned ifindex)
{
    struct dhcp6_builder b;
    dhcp6_build_init(&b, s->out, sizeof s->out);
    dhcp6_build_hdr(&b, DHCP6_LEASEQUERY_REPLY, m->xid);
    dhcp6_put_opt(&b, D6O_SERVERID, s->duid, s->duid_len);
    if (m->clientid.p)
        dhcp6_put_opt(&b, D6O_CLIENTID, m->clientid.p, m->clientid.len);
    if (e)
        put_client_data(s, &b, e, d6s_wall(s->st));
    else
        dhcp6_put_status(&b, status, dhcp6_status_name(status));
    size_t len = dhcp6_build_done(&b);
    if (!len) {
        CTR_INC(s->st, dhcp6s, drop_build);
        return;
    }
    /* to the datagram's source, never to an address the query names */
    struct sockaddr_in6 to = *from;
    to.sin6_scope_id = in6_is_linklocal(&to.sin6_addr) ? ifindex : 0;
    d6s_send(s, s->out, len, &to);
}

bool d6s_dstm_special(struct d6_server *s, const uint8_t *pkt, size_t len, const struct sockaddr_in6 *from,
                      unsigned ifindex)
{
    const struct dhcp6_msg *m = &s->lv[s->n_lv - 1];
    struct aiih *a = aiih_get(s->st);
    if (m->type == DHCP6_DHCPV4_QUERY && a) {
        CTR_INC(s->st, aiih, drop_dhcpv4_query);   /* RFC 7341 is not served (without an AIIH: bad_type) */
        return true;
    }
    if (m->type != DHCP6_LEASEQUERY)
        return false;
    if (s->n_lv > 1) {
        CTR_INC(s->st, aiih, drop_lq_relayed);   /* RFC 5007 §4.1: unicast to the server, not relayed */
        return true;
    }
    if (in6_is_multicast(&s->rx_dst)) {
        CTR_INC(s->st, aiih, drop_lq_multicast);
        return true;
    }
    if (!d6s_source_ok(s, 'Q', &from->sin6_addr, D6S_SOURCE_SHARE)) {
        CTR_INC(s->st, aiih, drop_lq_rate);
        return true;
    }
    if (m->serverid.p && (m->serverid.len != s->duid_len || memcmp(m->serverid.p, s->duid, s->duid_len))) {
        CTR_INC(s->st, dhcp6s, drop_serverid);
        return true;
    }
    if (!a || !lq_allowed(a, &from->sin6_addr)) {
        CTR_INC(s->st, aiih, drop_lq_refused);
        lq_reply(s, m, NULL, D6S_NOT_ALLOWED, from, ifindex);
        return true;
    }
    uint16_t status;
    const struct d6s_lease *e = lq_find(s, &m->lq, &status);
    if (e)
        CTR_INC(s->st, aiih, lq_answered);
    else if (status == D6S_NOT_CONFIGURED)
        CTR_INC(s->st, aiih, lq_not_found);
    else
        CTR_INC(s->st, aiih, drop_lq_bad);
    lq_reply(s, m, e, status, from, ifindex);
    (void)pkt;
    (void)len;
    return true;
}
