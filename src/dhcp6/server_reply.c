/* The server's exchanges (RFC 9915 §18.3): Solicit → Advertise (nothing
 * committed) or, with rapid commit, Reply; Request, Renew, Rebind,
 * Release, Decline → Reply once every lease they change is durable;
 * Confirm and Information-request → Reply at once.
 *
 * A message that changes leases becomes a transaction: its datagram is
 * kept, its answer computed (entries are put in the table at once, marked
 * pending, so no other client can be given them meanwhile), each changed
 * lease handed to the store, and the Reply built and sent when the last
 * commit callback has run.  LEASE_CONFLICT (another server of a shared
 * store has the address): that entry is marked foreign and another address
 * is tried, D6S_CONFLICT_RETRY times at most; LEASE_FAILED: no Reply at all
 * (the client retransmits), the transaction's new entries undone. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include "dhcp6/server_int.h"
#include "dstm/aiih_int.h"
#include "net/oplog.h"
#include "net/stack.h"
#include "wire/ip6.h"


/* ------------------------------------------------------------ helpers */

static const char *duid_str(const uint8_t *d, unsigned len, char *buf, size_t n)
{
    size_t o = 0;
    for (unsigned i = 0; i < len && o + 3 < n; i++)
        o += (size_t)snprintf(buf + o, n - o, "%02x", d[i]);
    if (o == 0 && n)
        buf[0] = 0;
    return buf;
}

static void log_lease(struct d6_server *s, const char *what, const struct lease *l)
{
    char a[INET6_ADDRSTRLEN], d[2 * 24 + 1];
    inet_ntop(AF_INET6, &l->addr, a, sizeof a);
    duid_str(l->duid, l->duid_len < 24 ? l->duid_len : 24, d, sizeof d);
    if (l->kind == LEASE_PD)
        six_event(s->st, LOG_INFO, "dhcp6 server: prefix %s/%u %s duid %s iaid %u", a, l->plen, what, d, l->iaid);
    else
        six_event(s->st, LOG_INFO, "dhcp6 server: lease %s %s duid %s iaid %u", a, what, d, l->iaid);
}

static bool rate_ok(struct d6_server *s, const void *key, size_t n, unsigned limit)
{
    uint32_t h = d6s_hash(key, n, s->rate_seed);
    struct d6s_rate *r = &s->rate[h % D6S_RATE_SLOTS];
    uint32_t sec = (uint32_t)(six_now(s->st) / NS_PER_SEC);
    if (r->key != h || r->sec != sec) {
        r->key = h;
        r->sec = sec;
        r->n = 0;
    }
    return ++r->n <= limit;
}

bool d6s_source_ok(struct d6_server *s, char tag, const struct in6_addr *src, unsigned limit)
{
    uint8_t key[1 + sizeof *src] = { (uint8_t)tag };
    memcpy(key + 1, src, sizeof *src);
    return rate_ok(s, key, sizeof key, limit);
}

/* One source (the datagram's sender: a client, or the relay next to us —
 * never an address the message itself names, which costs nothing to forge)
 * gets at most a share of the Solicit budget, so that a host storming with
 * many DUIDs cannot starve the others' Solicits; the key is tagged apart
 * from DUID keys. */
static bool solicit_ok(struct d6_server *s, const struct in6_addr *src)
{
    if (!d6s_source_ok(s, 'S', src, D6S_SOLICIT_SHARE))
        return false;
    uint64_t sec = six_now(s->st) / NS_PER_SEC;
    if (sec != s->solicit_sec) {
        s->solicit_sec = sec;
        s->solicits = 0;
    }
    /* under pressure (half the transactions waiting for the store) every
     * Solicit waits: clients that already have an address go first */
    if (s->pending > D6S_MAX_PENDING / 2)
        return false;
    return ++s->solicits <= D6S_SOLICIT_RATE;
}

/* New bindings per source and second: a client's source (fresh DUIDs cost
 * nothing) makes D6S_BIND_SRC_RATE, a relay (many clients) its share of the
 * message budget; one host cannot fill the lease table. */
static bool bind_budget_ok(struct d6_server *s, const struct d6s_txn *t)
{
    return d6s_source_ok(s, 'N', &t->from.sin6_addr, t->relayed ? D6S_SOURCE_SHARE : D6S_BIND_SRC_RATE);
}

static uint32_t t1_of(const struct d6s_config *c)
{
    return c->t1 ? c->t1 : c->preferred / 2;
}

static uint32_t t2_of(const struct d6s_config *c)
{
    return c->t2 ? c->t2 : (uint32_t)((uint64_t)c->preferred * 4 / 5);
}

static bool oro_has(const struct dhcp6_msg *m, uint16_t code)
{
    for (int i = 0; i < m->n_oro; i++)
        if (m->oro[i] == code)
            return true;
    return false;
}

/* The link the client is on: the innermost relay's link-address (the first
 * non-zero one from the inside out), else the receiving interface.  A relay
 * names links only among those served through the interface its message
 * came in on: the link-address is the relay's word, the interface is not. */
static struct d6s_link *client_link(struct d6_server *s, int n, unsigned ifindex)
{
    for (int i = n - 2; i >= 0; i--) {
        static const struct in6_addr zero;
        if (memcmp(&s->lv[i].link_addr, &zero, sizeof zero))
            return d6s_link_by_addr(s, &s->lv[i].link_addr, ifindex);
    }
    return d6s_link_by_ifindex(s, ifindex);
}

/* ------------------------------------------------------------ transactions */

static struct d6s_txn *txn_get(struct d6_server *s)
{
    if (!s->txns) {
        s->txns = calloc(D6S_MAX_PENDING, sizeof *s->txns);
        if (!s->txns)
            return NULL;
        for (int i = D6S_MAX_PENDING - 1; i >= 0; i--) {
            s->txns[i].next = s->txn_free;
            s->txn_free = &s->txns[i];
        }
    }
    struct d6s_txn *t = s->txn_free;
    if (!t)
        return NULL;
    s->txn_free = t->next;
    memset(t, 0, offsetof(struct d6s_txn, pkt));
    t->s = s;
    t->live = true;
    t->n_ia = 0;
    t->outstanding = 0;
    t->failed = false;
    t->retries = 0;
    t->has_top_status = false;
    t->give_rkey = false;
    t->has_rkey = false;
    t->rapid = false;
    s->pending++;
    return t;
}

static void txn_put(struct d6s_txn *t)
{
    struct d6_server *s = t->s;
    t->live = false;
    t->next = s->txn_free;
    s->txn_free = t;
    s->pending--;
}

void d6s_txns_free(struct d6_server *s)
{
    free(s->txns);
    s->txns = NULL;
    s->txn_free = NULL;
}

/* ------------------------------------------------------------ table entries */

void d6s_expire_entry(struct d6_server *s, struct d6s_lease *e, int64_t now)
{
    if (e->l.kind == LEASE_V4 && d6s_dstm_expired(s, e, now))
        return;   /* an offer not taken: now in quarantine */
    if (e->l.state == LEASE_BOUND && !e->foreign) {
        CTR_INC(s->st, dhcp6s, expired);
        log_lease(s, "expired", &e->l);
    }
    d6s_count_used(s, &e->l, -1);
    d6s_table_remove(&s->tab, e);
}

void d6s_lease_loaded(void *arg, const struct lease *l)
{
    struct d6_server *s = arg;
    if (d6s_table_find_addr(&s->tab, &l->addr, l->plen))
        return;   /* the store's later record wins; it sent only one per address */
    struct d6s_lease *e = d6s_table_new(&s->tab);
    if (!e) {
        CTR_INC(s->st, dhcp6s, table_full);
        return;
    }
    e->l = *l;
    e->durable = true;
    d6s_table_insert(&s->tab, e);
    d6s_count_used(s, &e->l, +1);
}

static void set_times(struct d6s_lease *e, const struct d6s_config *c, int64_t now)
{
    e->l.state = LEASE_BOUND;
    e->l.preferred = c->preferred;
    e->l.valid = c->valid;
    e->l.cltt = now;
    e->l.expires = now + c->valid;
}

static struct d6s_lease *new_entry(struct d6_server *s, struct d6s_link *lk, const struct dhcp6_msg *m,
                                   const struct dhcp6_ia *ia, uint8_t kind, const struct in6_addr *a)
{
    struct d6s_lease *e = d6s_table_new(&s->tab);
    if (!e) {
        CTR_INC(s->st, dhcp6s, table_full);
        return NULL;
    }
    e->l.addr = *a;
    e->l.plen = kind == LEASE_NA ? 128 : lk->cfg.pd_delegate;
    e->l.kind = kind;
    e->l.duid_len = (uint8_t)m->clientid.len;
    memcpy(e->l.duid, m->clientid.p, m->clientid.len);
    e->l.iaid = ia->iaid;
    e->l.pool_id = lk->pool_id;
    set_times(e, &lk->cfg, d6s_wall(s->st));
    d6s_table_insert(&s->tab, e);
    d6s_count_used(s, &e->l, +1);
    return e;
}

static void save_lease(struct d6s_saved *v, const struct lease *l)
{
    v->state = l->state;
    v->has_rkey = l->has_rkey;
    v->preferred = l->preferred;
    v->valid = l->valid;
    v->cltt = l->cltt;
    v->expires = l->expires;
    memcpy(v->rkey, l->rkey, sizeof v->rkey);
}

static void restore_lease(struct lease *l, const struct d6s_saved *v)
{
    l->state = v->state;
    l->has_rkey = v->has_rkey;
    l->preferred = v->preferred;
    l->valid = v->valid;
    l->cltt = v->cltt;
    l->expires = v->expires;
    memcpy(l->rkey, v->rkey, sizeof v->rkey);
}

void d6s_add_item(struct d6s_ans_ia *a, struct d6s_lease *e, const struct in6_addr *addr, uint8_t plen,
                  uint32_t pref, uint32_t valid)
{
    if (a->n >= DHCP6_MAX_IA_ITEMS)
        return;
    struct d6s_item *it = &a->it[a->n++];
    memset(it, 0, sizeof *it);
    it->e = e;
    it->addr = *addr;
    it->plen = plen;
    it->pref = pref;
    it->valid = valid;
    if (e)
        save_lease(&it->saved, &e->l);
}

/* ------------------------------------------------------------ answers */

static bool item_listed_in(const struct dhcp6_ia *ia, const struct in6_addr *a, uint8_t plen)
{
    for (int i = 0; i < ia->n_item; i++)
        if (ia->item[i].plen == plen && !memcmp(&ia->item[i].addr, a, sizeof *a))
            return true;
    return false;
}

/* A new address for an IA: its reservation, else (Rebind) one it names
 * that is free in the pool, else the pool's pick. */
static bool choose(struct d6_server *s, struct d6s_link *lk, const struct dhcp6_msg *m, const struct dhcp6_ia *ia,
                   uint8_t kind, enum d6s_mode mode, unsigned attempt, struct in6_addr *out)
{
    const uint8_t *duid = m->clientid.p;
    uint8_t dl = (uint8_t)m->clientid.len;
    uint8_t plen = kind == LEASE_NA ? 128 : lk->cfg.pd_delegate;
    const struct d6s_reservation *r = d6s_res_for(lk, duid, dl);
    if (r && (kind == LEASE_NA ? r->has_addr : r->has_prefix)) {
        *out = kind == LEASE_NA ? r->addr : r->prefix;
        /* held by someone else (the reservation came later), or overlapping
         * a prefix of another length: nothing */
        return !d6s_table_find_addr(&s->tab, out, plen) &&
               (kind != LEASE_PD || !d6s_table_find_overlap(&s->tab, out, plen));
    }
    if (mode == M_REBIND && attempt == 0) {
        for (int i = 0; i < ia->n_item; i++) {
            const struct dhcp6_ia_item *it = &ia->item[i];
            bool in = kind == LEASE_NA ? d6s_in_na_pool(lk, &it->addr) : d6s_in_pd_pool(lk, &it->addr, it->plen);
            /* the same rules as the pool's pick: a client without a
             * binding must not name its way into a reservation */
            if (in && it->plen == plen && d6s_usable(s, lk, kind, &it->addr, duid, dl)) {
                *out = it->addr;
                return true;
            }
        }
    }
    return d6s_pick(s, lk, kind, duid, dl, ia->iaid, attempt, out);
}

static uint16_t nothing_status(uint8_t kind)
{
    return kind == LEASE_PD ? D6S_NO_PREFIX_AVAIL : D6S_NO_ADDRS_AVAIL;
}

/* Fill a for one IA of m. false: the message must be dropped (a binding
 * of this client is still being committed by another transaction). */
static bool answer_ia(struct d6_server *s, struct d6s_txn *t, const struct dhcp6_msg *m, const struct dhcp6_ia *ia,
                      enum d6s_mode mode)
{
    struct d6s_link *lk = t->lk;
    const struct d6s_config *c = &lk->cfg;
    struct d6s_ans_ia *a = &t->ia[t->n_ia++];
    memset(a, 0, offsetof(struct d6s_ans_ia, it));
    a->type = ia->type;
    a->iaid = ia->iaid;
    if (ia->type == D6O_IA_TA) {   /* RFC 9915 obsoletes IA_TA: parsed, never served */
        a->status = D6S_NO_ADDRS_AVAIL;
        return true;
    }
    uint8_t kind = ia->type == D6O_IA_PD ? LEASE_PD : LEASE_NA;
    a->t1 = t1_of(c);
    a->t2 = t2_of(c);
    int64_t now = d6s_wall(s->st);
    const uint8_t *duid = m->clientid.p;
    uint8_t dl = (uint8_t)m->clientid.len;

    bool found = false;
    for (struct d6s_lease *e = d6s_table_find_bind(&s->tab, duid, dl, ia->iaid, kind, NULL); e;
         e = d6s_table_find_bind(&s->tab, duid, dl, ia->iaid, kind, e)) {
        /* a Release or Decline waits until the client's exchange under way
         * is durable (its Reply may still name the address); a Request,
         * Renew or Rebind may extend the binding meanwhile: the store keeps
         * the commits in order */
        if (e->pending && (mode == M_RELEASE || mode == M_DECLINE))
            return false;
        bool on = kind == LEASE_NA ? d6s_in_na_pool(lk, &e->l.addr) : d6s_in_pd_pool(lk, &e->l.addr, e->l.plen);
        if (!on)
            continue;   /* another link's binding: the client moved */
        found = true;
        if (mode == M_DECLINE && (kind != LEASE_NA || !item_listed_in(ia, &e->l.addr, e->l.plen)))
            continue;
        d6s_add_item(a, e, &e->l.addr, e->l.plen, c->preferred, c->valid);
        struct d6s_item *it = &a->it[a->n - 1];
        if (mode == M_ADVERTISE)
            continue;
        it->committing = true;
        if (mode == M_RELEASE) {
            e->l.state = LEASE_FREE;
            e->l.cltt = now;
            e->l.expires = now;
        } else if (mode == M_DECLINE && !d6s_decline_room(lk)) {
            CTR_INC(s->st, dhcp6s, decline_over_cap);   /* freed, not quarantined */
            e->l.state = LEASE_FREE;
            e->l.cltt = now;
            e->l.expires = now;
        } else if (mode == M_DECLINE) {
            d6s_count_used(s, &e->l, -1);
            e->l.state = LEASE_DECLINED;
            e->l.cltt = now;
            e->l.expires = now + D6S_DECLINE_S;
            d6s_count_used(s, &e->l, +1);
        } else {
            set_times(e, c, now);
        }
    }
    if (mode == M_RELEASE || mode == M_DECLINE) {
        if (!found || (mode == M_DECLINE && !a->n))
            a->status = D6S_NO_BINDING;
        else
            a->type = 0;   /* answered by the top-level status only */
        return true;
    }
    if (mode == M_RENEW && !found) {
        a->status = D6S_NO_BINDING;   /* RFC 9915 §18.3.4: the IA with no addresses, NoBinding */
        return true;
    }
    if (mode == M_RENEW || (mode == M_REBIND && found)) {
        /* what the client names that is not its binding here: lifetimes 0 */
        for (int i = 0; i < ia->n_item; i++) {
            const struct dhcp6_ia_item *ci = &ia->item[i];
            bool ours = false;
            for (int k = 0; k < a->n; k++)
                ours |= a->it[k].plen == ci->plen && !memcmp(&a->it[k].addr, &ci->addr, sizeof ci->addr);
            if (!ours)
                d6s_add_item(a, NULL, &ci->addr, ci->plen, 0, 0);
        }
        return true;
    }
    if (found)
        return true;
    struct in6_addr addr;
    if (!choose(s, lk, m, ia, kind, mode, 0, &addr)) {
        a->status = nothing_status(kind);
        CTR_INC(s->st, dhcp6s, no_addrs);
        return true;
    }
    uint8_t plen = kind == LEASE_NA ? 128 : c->pd_delegate;
    if (mode == M_ADVERTISE) {
        d6s_add_item(a, NULL, &addr, plen, c->preferred, c->valid);
        return true;
    }
    if (!bind_budget_ok(s, t)) {
        CTR_INC(s->st, dhcp6s, bind_rate_limited);
        a->status = nothing_status(kind);
        return true;
    }
    struct d6s_lease *e = new_entry(s, lk, m, ia, kind, &addr);
    if (!e) {
        a->status = nothing_status(kind);
        return true;
    }
    d6s_add_item(a, e, &addr, plen, c->preferred, c->valid);
    a->it[a->n - 1].was_new = true;
    a->it[a->n - 1].committing = true;
    return true;
}

/* The reconfigure key (RFC 9915 §20.4): one per client, kept with its
 * leases; a client that accepts Reconfigure gets it in its Reply. */
static void give_rkey(struct d6_server *s, struct d6s_txn *t)
{
    const uint8_t *key = NULL;
    uint8_t fresh[16];
    for (int i = 0; i < t->n_ia && !key; i++)
        for (int k = 0; k < t->ia[i].n && !key; k++)
            if (t->ia[i].it[k].e && t->ia[i].it[k].e->l.has_rkey)
                key = t->ia[i].it[k].e->l.rkey;
    if (!key) {
        six_random_bytes(s->st, fresh, sizeof fresh);
        key = fresh;
    }
    uint8_t k16[16];
    memcpy(k16, key, 16);
    memcpy(t->rkey, k16, 16);
    t->has_rkey = true;
    for (int i = 0; i < t->n_ia; i++)
        for (int k = 0; k < t->ia[i].n; k++) {
            struct d6s_lease *e = t->ia[i].it[k].e;
            if (e && t->ia[i].it[k].committing) {
                e->l.has_rkey = true;
                memcpy(e->l.rkey, k16, 16);
            }
        }
    t->give_rkey = true;
}

/* The client's key as the transaction found it before its commits: read
 * from the entries only then (keep_rkey), never after a commit callback. */
static void keep_rkey(struct d6s_txn *t)
{
    for (int i = 0; i < t->n_ia && !t->has_rkey; i++)
        for (int k = 0; k < t->ia[i].n && !t->has_rkey; k++)
            if (t->ia[i].it[k].e && t->ia[i].it[k].e->l.has_rkey) {
                memcpy(t->rkey, t->ia[i].it[k].e->l.rkey, 16);
                t->has_rkey = true;
            }
}

static const uint8_t *txn_rkey(const struct d6s_txn *t)
{
    return t->has_rkey ? t->rkey : NULL;
}

/* ------------------------------------------------------------ building */

static void put_ia(struct d6_server *s, struct dhcp6_builder *b, const struct d6s_ans_ia *a)
{
    if (!a->type || a->v4 == AIIH_ENC_LW)
        return;   /* nothing to say, or said in S46_CONT_LW (d6s_dstm_put_lw) */
    d6s_dstm_put(s, b, a);
    bool any = false;
    for (int k = 0; k < a->n; k++)
        any |= a->it[k].e != NULL || a->it[k].valid == 0;
    dhcp6_begin_ia(b, a->type, a->iaid, any ? a->t1 : 0, any ? a->t2 : 0);
    for (int k = 0; k < a->n; k++) {
        const struct d6s_item *it = &a->it[k];
        if (a->type == D6O_IA_PD)
            dhcp6_begin_iaprefix(b, &it->addr, it->plen, it->pref, it->valid);
        else
            dhcp6_begin_iaaddr(b, &it->addr, it->pref, it->valid);
        dhcp6_end(b);
    }
    if (a->status != D6S_SUCCESS)
        dhcp6_put_status(b, a->status, dhcp6_status_name(a->status));
    dhcp6_end(b);
}

static void put_config_opts(struct d6_server *s, struct dhcp6_builder *b, const struct d6s_config *c,
                            const struct dhcp6_msg *m)
{
    if (c->n_dns && oro_has(m, D6O_DNS_SERVERS))
        dhcp6_put_addrs(b, D6O_DNS_SERVERS, c->dns, c->n_dns);
    if (c->n_domain && oro_has(m, D6O_DOMAIN_LIST)) {
        const char *names[D6S_MAX_DOMAINS];
        for (int i = 0; i < c->n_domain; i++)
            names[i] = c->domain[i];
        dhcp6_put_domains(b, names, c->n_domain);
    }
}

/* Build the answer to the client message s->lv[n-1] (relay levels
 * around it echoed as Relay-repl) and send it. */
static void send_answer(struct d6_server *s, const struct d6s_txn *t, int n)
{
    const struct dhcp6_msg *m = &s->lv[n - 1];
    struct dhcp6_builder b;
    dhcp6_build_init(&b, s->out, sizeof s->out);
    for (int i = 0; i < n - 1; i++) {
        dhcp6_build_relay_hdr(&b, DHCP6_RELAY_REPL, s->lv[i].hop_count, &s->lv[i].link_addr,
                              &s->lv[i].peer_addr);
        if (s->lv[i].interface_id.p)
            dhcp6_put_opt(&b, D6O_INTERFACE_ID, s->lv[i].interface_id.p, s->lv[i].interface_id.len);
        dhcp6_begin_opt(&b, D6O_RELAY_MSG);
    }
    dhcp6_build_hdr(&b, t->reply_type, m->xid);
    dhcp6_put_opt(&b, D6O_SERVERID, s->duid, s->duid_len);
    if (m->clientid.p)
        dhcp6_put_opt(&b, D6O_CLIENTID, m->clientid.p, m->clientid.len);
    if (t->rapid)
        dhcp6_put_empty(&b, D6O_RAPID_COMMIT);
    if (t->reply_type == DHCP6_ADVERTISE && t->lk->cfg.preference)
        dhcp6_put_u8(&b, D6O_PREFERENCE, t->lk->cfg.preference);
    if (t->has_top_status)
        dhcp6_put_status(&b, t->top_status, dhcp6_status_name(t->top_status));
    for (int i = 0; i < t->n_ia; i++)
        put_ia(s, &b, &t->ia[i]);
    d6s_dstm_put_lw(s, &b, t);
    const uint8_t *key = t->give_rkey ? txn_rkey(t) : NULL;
    if (key) {
        uint8_t info[DHCP6_RKAP_INFO_LEN] = { DHCP6_RKAP_KEY };
        memcpy(info + 1, key, 16);
        dhcp6_put_auth(&b, DHCP6_AUTH_PROTO_RKAP, DHCP6_AUTH_ALG_HMAC_MD5, DHCP6_AUTH_RDM_MONOTONIC,
                       d6s_next_replay(s), info, sizeof info, NULL);
    }
    put_config_opts(s, &b, &t->lk->cfg, m);
    for (int i = 0; i < n - 1; i++)
        dhcp6_end(&b);
    size_t len = dhcp6_build_done(&b);
    if (!len) {
        CTR_INC(s->st, dhcp6s, drop_build);
        return;
    }
    struct sockaddr_in6 to = t->from;
    to.sin6_port = htons(n > 1 ? DHCP6_SERVER_PORT : DHCP6_CLIENT_PORT);
    to.sin6_scope_id = in6_is_linklocal(&to.sin6_addr) ? t->ifindex : 0;
    d6s_send(s, s->out, len, &to);
    if (t->reply_type == DHCP6_ADVERTISE)
        CTR_INC(s->st, dhcp6s, out_advertise);
    else
        CTR_INC(s->st, dhcp6s, out_reply);
}

/* ------------------------------------------------------------ commits */

static void commit_done(void *arg, enum lease_result r, const struct lease *l);

static void commit_item(struct d6_server *s, struct d6s_txn *t, struct d6s_item *it)
{
    it->txn = t;
    it->e->pending++;
    t->outstanding++;
    lease_store_commit(s->store, &it->e->l, commit_done, it);
}

static void undo_item(struct d6_server *s, struct d6s_item *it)
{
    struct d6s_lease *e = it->e;
    if (!e)
        return;
    if (it->was_new && !e->pending) {
        d6s_count_used(s, &e->l, -1);
        d6s_table_remove(&s->tab, e);
    } else if (!it->was_new) {
        d6s_table_unbind(&s->tab, e);
        d6s_count_used(s, &e->l, -1);   /* a Decline undone leaves quarantine */
        restore_lease(&e->l, &it->saved);
        d6s_count_used(s, &e->l, +1);
        d6s_table_rebind(&s->tab, e);
    }
    it->e = NULL;
}

static void log_item(struct d6_server *s, const struct d6s_txn *t, const struct lease *l, bool was_new)
{
    switch (l->state) {
    case LEASE_FREE:
        CTR_INC(s->st, dhcp6s, released);
        log_lease(s, "released", l);
        break;
    case LEASE_DECLINED:
        CTR_INC(s->st, dhcp6s, declined);
        log_lease(s, "declined", l);
        break;
    default:
        if (was_new) {
            CTR_INC(s->st, dhcp6s, bound);
            log_lease(s, l->kind == LEASE_PD ? "delegated" : "bound", l);
        } else {
            CTR_INC(s->st, dhcp6s, renewed);
            log_lease(s, "renewed", l);
        }
    }
}

/* Another address for an item whose commit conflicted. */
static bool retry_item(struct d6_server *s, struct d6s_txn *t, struct d6s_ans_ia *a, struct d6s_item *it)
{
    if (!s->store || t->retries >= D6S_CONFLICT_RETRY || !it->was_new)
        return false;
    if (dhcp6_parse_chain(t->pkt, t->len, s->lv, &s->n_lv) != WR_OK)
        return false;
    const struct dhcp6_msg *m = &s->lv[s->n_lv - 1];
    const struct dhcp6_ia *ia = NULL;
    for (int i = 0; i < m->n_ia; i++)
        if (m->ia[i].type == a->type && m->ia[i].iaid == a->iaid)
            ia = &m->ia[i];
    if (a->v4) {
        if (!d6s_dstm_retry(s, t, a, it, m))
            return false;
        it->result = LEASE_OK;
        commit_item(s, t, it);
        return true;
    }
    uint8_t kind = a->type == D6O_IA_PD ? LEASE_PD : LEASE_NA;
    struct in6_addr addr;
    if (!ia || !d6s_pick(s, t->lk, kind, m->clientid.p, (uint8_t)m->clientid.len, a->iaid, (unsigned)++t->retries,
                         &addr))
        return false;
    struct d6s_lease *e = new_entry(s, t->lk, m, ia, kind, &addr);
    if (!e)
        return false;
    const uint8_t *key = txn_rkey(t);
    if (key) {
        e->l.has_rkey = true;
        memcpy(e->l.rkey, key, 16);
    }
    it->e = e;
    it->addr = addr;
    it->result = LEASE_OK;
    commit_item(s, t, it);
    return true;
}

static void txn_finish(struct d6s_txn *t)
{
    struct d6_server *s = t->s;
    /* the link's entry may have moved or gone (a config line) while the
     * commits ran: found again by its id */
    if (!(t->lk = d6s_link_by_pool(s, t->pool_id))) {
        CTR_INC(s->st, dhcp6s, drop_no_link);
        txn_put(t);
        return;
    }
    if (t->failed) {
        /* no Reply; what did commit stays (durable), the client's
         * retransmission finds it as its binding */
        CTR_INC(s->st, dhcp6s, drop_commit_failed);
        txn_put(t);
        return;
    }
    bool waiting = false;
    for (int i = 0; i < t->n_ia; i++) {
        struct d6s_ans_ia *a = &t->ia[i];
        for (int k = 0; k < a->n; k++) {
            struct d6s_item *it = &a->it[k];
            if (it->committing && it->result == LEASE_CONFLICT) {
                if (retry_item(s, t, a, it)) {
                    waiting = true;
                } else {
                    it->e = NULL;
                    it->committing = false;
                    it->omit = true;
                    a->status = a->type == D6O_IA_PD ? D6S_NO_PREFIX_AVAIL : D6S_NO_ADDRS_AVAIL;
                }
            }
        }
    }
    if (waiting)
        return;
    for (int i = 0; i < t->n_ia; i++) {
        struct d6s_ans_ia *a = &t->ia[i];
        int kept = 0;
        for (int k = 0; k < a->n; k++)
            if (!a->it[k].omit && (a->it[k].e || a->it[k].valid == 0))
                a->it[kept++] = a->it[k];
        a->n = kept;
    }
    if (dhcp6_parse_chain(t->pkt, t->len, s->lv, &s->n_lv) == WR_OK) {
        send_answer(s, t, s->n_lv);
        d6s_dstm_replied(s, t);
    }
    txn_put(t);
}

static void commit_done(void *arg, enum lease_result r, const struct lease *l)
{
    struct d6s_item *it = arg;
    struct d6s_txn *t = it->txn;
    struct d6_server *s = t->s;
    struct d6s_lease *e = it->e;
    it->result = (uint8_t)r;
    e->pending--;
    if (r == LEASE_OK) {
        e->durable = true;
        e->ifindex = t->ifindex;
        e->peer = t->from.sin6_addr;
        e->relayed = t->relayed;
        log_item(s, t, &e->l, it->was_new);
        if (e->l.state != LEASE_BOUND) {
            d6s_publish_gone(s, e);
            d6s_table_unbind(&s->tab, e);   /* released / declined: no longer the client's */
            if (e->l.state == LEASE_FREE && !e->pending) {
                d6s_count_used(s, &e->l, -1);
                d6s_table_remove(&s->tab, e);
            }
            it->e = NULL;
        }
    } else if (r == LEASE_CONFLICT) {
        CTR_INC(s->st, dhcp6s, commit_conflict);
        d6s_table_unbind(&s->tab, e);
        e->foreign = true;   /* another server's now: kept out of allocation until it expires */
        e->l.expires = d6s_wall(s->st) + (int64_t)D6S_VALID_DEFAULT;
    } else {
        t->failed = true;
        undo_item(s, it);
    }
    if (--t->outstanding == 0)
        txn_finish(t);
}

/* ------------------------------------------------------------ dispatch */

static bool ours(struct d6_server *s, const struct dhcp6_duid *d)
{
    return d->len == s->duid_len && !memcmp(d->p, s->duid, d->len);
}

static void answer_now(struct d6_server *s, struct d6s_txn *t)
{
    send_answer(s, t, s->n_lv);
    txn_put(t);
}

static void do_confirm(struct d6_server *s, struct d6s_txn *t, const struct dhcp6_msg *m)
{
    /* RFC 9915 §18.3.3: Success if every address is on the client's link,
     * NotOnLink if one is not, no Reply without addresses */
    int n = 0;
    bool all_on = true;
    for (int i = 0; i < m->n_ia; i++)
        for (int k = 0; k < m->ia[i].n_item; k++, n++)
            all_on &= d6s_on_link(t->lk, &m->ia[i].item[k].addr) ||
                      d6s_in_pd_pool(t->lk, &m->ia[i].item[k].addr, m->ia[i].item[k].plen);
    if (!n) {
        CTR_INC(s->st, dhcp6s, drop_confirm_empty);
        txn_put(t);
        return;
    }
    t->has_top_status = true;
    t->top_status = all_on ? D6S_SUCCESS : D6S_NOT_ON_LINK;
    answer_now(s, t);
}

static void do_exchange(struct d6_server *s, struct d6s_txn *t, const struct dhcp6_msg *m, enum d6s_mode mode,
                        const uint8_t *pkt, size_t len)
{
    if (mode != M_ADVERTISE && len > D6S_PKT_MAX) {
        CTR_INC(s->st, dhcp6s, drop_too_big);
        txn_put(t);
        return;
    }
    struct d6s_dstm_req rq;
    if (!d6s_dstm_detect(s, t, m, &rq)) {
        txn_put(t);
        return;
    }
    for (int i = 0; i < m->n_ia; i++) {
        if (rq.enc == AIIH_ENC_DRAFT && m->ia[i].type == D6O_IA_NA && m->ia[i].iaid == rq.iaid)
            continue;   /* the IPv4 IA: d6s_dstm_answer */
        if (!answer_ia(s, t, m, &m->ia[i], mode)) {
            CTR_INC(s->st, dhcp6s, drop_busy);
            for (int k = 0; k < t->n_ia; k++)
                for (int j = 0; j < t->ia[k].n; j++)
                    if (t->ia[k].it[j].committing)
                        undo_item(s, &t->ia[k].it[j]);
            txn_put(t);
            return;
        }
    }
    d6s_dstm_answer(s, t, m, mode, &rq);
    if (mode == M_RELEASE || mode == M_DECLINE) {
        d6s_dstm_release_lw(s, t, m, mode == M_DECLINE);
        t->has_top_status = true;
        t->top_status = D6S_SUCCESS;
    }
    if (mode == M_ADVERTISE) {
        answer_now(s, t);
        return;
    }
    if ((mode == M_REQUEST || mode == M_RENEW || mode == M_REBIND) && m->reconf_accept && t->lk->cfg.reconfigure)
        give_rkey(s, t);
    keep_rkey(t);
    memcpy(t->pkt, pkt, len);
    t->len = len;
    for (int i = 0; i < t->n_ia; i++)
        for (int k = 0; k < t->ia[i].n; k++)
            if (t->ia[i].it[k].committing)
                commit_item(s, t, &t->ia[i].it[k]);
    if (!t->outstanding)
        txn_finish(t);
}

static bool rate_check(struct d6_server *s, const struct dhcp6_msg *m, const struct sockaddr_in6 *from)
{
    bool ok = m->clientid.p ? rate_ok(s, m->clientid.p, m->clientid.len, D6S_DUID_RATE)
                            : rate_ok(s, &from->sin6_addr, sizeof from->sin6_addr, D6S_DUID_RATE);
    if (!ok)
        CTR_INC(s->st, dhcp6s, drop_duid_rate);
    return ok;
}

void d6s_handle(struct d6_server *s, const uint8_t *pkt, size_t len, const struct sockaddr_in6 *from,
                unsigned ifindex)
{
    struct six_stack *st = s->st;
    CTR_INC(st, dhcp6s, in_msgs);
    enum wire_reason r = dhcp6_parse_chain(pkt, len, s->lv, &s->n_lv);
    if (r == WR_OK && d6s_dstm_special(s, pkt, len, from, ifindex))
        return;   /* Leasequery, DHCPv4-query */
    if (r == WR_OK)
        r = dhcp6_check_client_msg(&s->lv[s->n_lv - 1]);
    if (r == WR_OK && s->n_lv > 1 && s->lv[0].type != DHCP6_RELAY_FORW)
        r = WR_BAD_TYPE;   /* a Relay-reply is a server's message to a relay, never one for us */
    if (r != WR_OK) {
        WIRE_DROP(st, dhcp6s, r);
        return;
    }
    int n = s->n_lv;
    const struct dhcp6_msg *m = &s->lv[n - 1];
    if (n > 1)
        CTR_INC(st, dhcp6s, relayed_in);
    if (n > 1 && !d6s_if_served(s, ifindex)) {
        CTR_INC(st, dhcp6s, drop_relay_wrong_if);   /* a relay on an interface we do not serve */
        return;
    }
    struct d6s_link *lk = client_link(s, n, ifindex);
    if (!lk) {
        CTR_INC(st, dhcp6s, drop_no_link);
        return;
    }
    if (m->serverid.p && !ours(s, &m->serverid)) {
        CTR_INC(st, dhcp6s, drop_serverid);   /* another server's: not for us */
        return;
    }
    if (!rate_check(s, m, from))
        return;
    if (m->type == DHCP6_SOLICIT && !solicit_ok(s, &from->sin6_addr)) {
        CTR_INC(st, dhcp6s, drop_solicit_rate);
        return;
    }
    if ((m->type == DHCP6_REQUEST || m->type == DHCP6_REBIND || m->type == DHCP6_INFORMATION_REQUEST) &&
        !d6s_source_ok(s, 'M', &from->sin6_addr, D6S_SOURCE_SHARE)) {
        CTR_INC(st, dhcp6s, drop_source_rate);
        return;
    }
    if (m->clientid.p && (m->type == DHCP6_RENEW || m->type == DHCP6_REBIND ||
                          m->type == DHCP6_INFORMATION_REQUEST))
        d6s_reconf_heard(s, m->clientid.p, (uint8_t)m->clientid.len);
    struct d6s_txn *t = txn_get(s);
    if (!t) {
        CTR_INC(st, dhcp6s, drop_pending_full);
        return;
    }
    t->lk = lk;
    t->pool_id = lk->pool_id;
    t->from = *from;
    t->ifindex = ifindex;
    t->relayed = n > 1;
    t->reply_type = DHCP6_REPLY;
    switch (m->type) {
    case DHCP6_SOLICIT:
        if (m->rapid_commit && lk->cfg.rapid_commit) {
            t->rapid = true;
            do_exchange(s, t, m, M_REQUEST, pkt, len);
        } else {
            t->reply_type = DHCP6_ADVERTISE;
            do_exchange(s, t, m, M_ADVERTISE, pkt, len);
        }
        break;
    case DHCP6_REQUEST: do_exchange(s, t, m, M_REQUEST, pkt, len); break;
    case DHCP6_RENEW:   do_exchange(s, t, m, M_RENEW, pkt, len); break;
    case DHCP6_REBIND:  do_exchange(s, t, m, M_REBIND, pkt, len); break;
    case DHCP6_RELEASE: do_exchange(s, t, m, M_RELEASE, pkt, len); break;
    case DHCP6_DECLINE: do_exchange(s, t, m, M_DECLINE, pkt, len); break;
    case DHCP6_CONFIRM: do_confirm(s, t, m); break;
    case DHCP6_INFORMATION_REQUEST: answer_now(s, t); break;
    default:
        CTR_INC(st, dhcp6s, drop_unexpected);
        txn_put(t);
    }
}
