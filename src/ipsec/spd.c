/* The Security Policy Database: one list per direction in priority order
 * (lower value first; equal priorities keep the order they were added),
 * first match wins.  A linear walk: IPSEC_MAX_SP bounds it, and stacks
 * without policies never get here (st->ipsec NULL or no policy). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "ipsec/ipsec_priv.h"
#include "net/stack.h"
#include "wire/ip6.h"

unsigned ipsec_sp_count(const struct six_stack *st)
{
    return st->ipsec ? st->ipsec->n_sp : 0;
}

bool ipsec_active(const struct six_stack *st)
{
    return st->ipsec && st->ipsec->n_sp;
}

static bool sel_equal(const struct ipsec_sel *a, const struct ipsec_sel *b)
{
    return a->family == b->family && a->splen == b->splen && a->dplen == b->dplen &&
           in6_prefix_eq(&a->src, &b->src, a->splen) && in6_prefix_eq(&a->dst, &b->dst, a->dplen) &&
           a->ulproto == b->ulproto && a->sport == b->sport && a->dport == b->dport &&
           a->has_icmp_type == b->has_icmp_type && a->has_icmp_code == b->has_icmp_code &&
           (!a->has_icmp_type || a->icmp_type == b->icmp_type) &&
           (!a->has_icmp_code || a->icmp_code == b->icmp_code);
}

static bool is_icmp(uint8_t proto)
{
    return proto == 58 || proto == 1;
}

/* Does policy selector s cover the packet's selectors k? */
static bool sel_match(const struct ipsec_sel *s, const struct ipsec_sel *k)
{
    if (s->family != k->family || !in6_prefix_eq(&s->src, &k->src, s->splen) ||
        !in6_prefix_eq(&s->dst, &k->dst, s->dplen))
        return false;
    if (s->ulproto == IPSEC_ULPROTO_ANY)
        return true;
    if (s->ulproto != k->ulproto)
        return false;
    if (is_icmp(s->ulproto))
        return (!s->has_icmp_type || (k->has_icmp_type && k->icmp_type == s->icmp_type)) &&
               (!s->has_icmp_code || (k->has_icmp_code && k->icmp_code == s->icmp_code));
    return (!s->sport || s->sport == k->sport) && (!s->dport || s->dport == k->dport);
}

struct ipsec_sp *ipsec_sp_lookup(struct six_stack *st, uint8_t dir, const struct ipsec_sel *pkt)
{
    if (!st->ipsec || dir > IPSEC_DIR_FWD)
        return NULL;
    for (struct ipsec_sp *sp = st->ipsec->spd[dir]; sp; sp = sp->next)
        if (sel_match(&sp->sel, pkt)) {
            sp->hits++;
            return sp;
        }
    return NULL;
}

struct ipsec_sp *ipsec_sp_peek(struct six_stack *st, uint8_t dir, const struct ipsec_sel *pkt)
{
    if (!st->ipsec || dir > IPSEC_DIR_FWD)
        return NULL;
    for (struct ipsec_sp *sp = st->ipsec->spd[dir]; sp; sp = sp->next)
        if (sel_match(&sp->sel, pkt))
            return sp;
    return NULL;
}

static int check_sp(const struct ipsec_sp *sp, const char **err)
{
    if (sp->dir != IPSEC_DIR_IN && sp->dir != IPSEC_DIR_OUT && sp->dir != IPSEC_DIR_FWD) {
        *err = "direction must be in, out or fwd";
        return -EINVAL;
    }
    if (sp->action == IPSEC_ACT_IPSEC && (sp->nreq == 0 || sp->nreq > IPSEC_MAX_REQS)) {
        *err = "an ipsec policy needs 1 to 4 requests";
        return -EINVAL;
    }
    if (sp->action == IPSEC_ACT_ENTRUST) {
        *err = "entrust is a per-socket policy, not an SPD action";
        return -EINVAL;
    }
    for (unsigned i = 0; sp->action == IPSEC_ACT_IPSEC && sp->nreq > 1 && i < sp->nreq; i++)
        if (sp->req[i].mode != IPSEC_MODE_TRANSPORT) {
            *err = "bundles are implemented for transport mode only (e.g. esp/transport then ah/transport)";
            return -EOPNOTSUPP;
        }
    for (unsigned i = 0; sp->action == IPSEC_ACT_IPSEC && i < sp->nreq; i++) {
        const struct ipsec_req *r = &sp->req[i];
        if (r->proto != IPSEC_PROTO_ESP && r->proto != IPSEC_PROTO_AH) {
            *err = "a request is esp or ah";
            return -EINVAL;
        }
        if (r->mode != IPSEC_MODE_TRANSPORT && r->mode != IPSEC_MODE_TUNNEL) {
            *err = "request mode must be transport or tunnel";
            return -EINVAL;
        }
        if (r->mode == IPSEC_MODE_TUNNEL &&
            (in6_is_unspecified(&r->tsrc) || in6_is_unspecified(&r->tdst) ||
             in6_is_v4mapped(&r->tsrc) != in6_is_v4mapped(&r->tdst))) {
            *err = "a tunnel request needs both end points, of one family";
            return -EINVAL;
        }
    }
    return 0;
}

static bool sp_added_in_txn(const struct ipsec_state *is, const struct ipsec_sp *sp)
{
    for (unsigned i = 0; i < is->n_sp_added; i++)
        if (is->sp_added[i] == sp)
            return true;
    return false;
}

static bool sp_note_added(struct ipsec_state *is, struct ipsec_sp *sp)
{
    if (!is->in_txn)
        return true;
    if (is->n_sp_added == is->cap_sp_added) {
        unsigned cap = is->cap_sp_added ? 2 * is->cap_sp_added : 16;
        struct ipsec_sp **v = realloc(is->sp_added, cap * sizeof *v);
        if (!v)
            return false;
        is->sp_added = v;
        is->cap_sp_added = cap;
    }
    is->sp_added[is->n_sp_added++] = sp;
    return true;
}

/* Off the list: freed, or kept for an abort when a transaction is open. */
static void sp_release(struct ipsec_state *is, struct ipsec_sp *sp)
{
    is->n_sp--;
    if (is->in_txn && !sp_added_in_txn(is, sp)) {
        sp->next = is->sp_grave;
        is->sp_grave = sp;
        return;
    }
    for (unsigned i = 0; is->in_txn && i < is->n_sp_added; i++)
        if (is->sp_added[i] == sp)
            is->sp_added[i] = is->sp_added[--is->n_sp_added];
    free(sp);
}

/* By priority, then by when it was added: a policy a transaction's abort
 * puts back returns to its old place, not behind its equals. */
static bool sp_before(const struct ipsec_sp *a, const struct ipsec_sp *b)
{
    return a->priority < b->priority || (a->priority == b->priority && a->order < b->order);
}

static void sp_insert(struct ipsec_state *is, struct ipsec_sp *sp)
{
    struct ipsec_sp **pp;
    for (pp = &is->spd[sp->dir]; *pp && sp_before(*pp, sp); pp = &(*pp)->next)
        ;
    sp->next = *pp;
    *pp = sp;
    is->n_sp++;
}

static void sp_remove(struct ipsec_state *is, struct ipsec_sp *sp)
{
    for (struct ipsec_sp **pp = &is->spd[sp->dir]; *pp; pp = &(*pp)->next)
        if (*pp == sp) {
            *pp = sp->next;
            return;
        }
}

void ipsec_sp_txn_end(struct six_stack *st, bool commit)
{
    struct ipsec_state *is = st->ipsec;
    if (!commit)
        while (is->n_sp_added) {
            struct ipsec_sp *sp = is->sp_added[--is->n_sp_added];
            sp_remove(is, sp);
            is->n_sp--;
            free(sp);
        }
    is->n_sp_added = 0;
    while (is->sp_grave) {
        struct ipsec_sp *sp = is->sp_grave;
        is->sp_grave = sp->next;
        if (commit)
            free(sp);
        else
            sp_insert(is, sp);
    }
}

int ipsec_sp_add(struct six_stack *st, const struct ipsec_sp *in, bool update, const char **err)
{
    struct ipsec_state *is = ipsec_get(st);
    int rc;
    *err = "";
    if (!is) {
        *err = "out of memory";
        return -ENOMEM;
    }
    if ((rc = check_sp(in, err)))
        return rc;
    struct ipsec_sp **pp, *old = NULL;
    for (pp = &is->spd[in->dir]; *pp; pp = &(*pp)->next)
        if (sel_equal(&(*pp)->sel, &in->sel)) {
            old = *pp;
            break;
        }
    if (old && !update) {
        *err = "a policy with these selectors and direction exists (use spdupdate)";
        return -EEXIST;
    }
    if (!old && update) {
        *err = "no such policy to update";
        return -ESRCH;
    }
    if (!old && is->n_sp >= IPSEC_MAX_SP) {
        *err = "SPD full";
        return -ENOBUFS;
    }
    struct ipsec_sp *sp = malloc(sizeof *sp);
    if (!sp || !sp_note_added(is, sp)) {
        free(sp);
        *err = "out of memory";
        return -ENOMEM;
    }
    *sp = *in;
    sp->id = old ? old->id : ++is->next_sp_id;   /* an update keeps the id and the hit count */
    sp->hits = old ? old->hits : 0;
    sp->last_acquire_ns = 0;
    sp->order = ++is->next_sp_order;
    if (old) {
        sp_remove(is, old);
        sp_release(is, old);
    }
    sp_insert(is, sp);
    return 0;
}

int ipsec_sp_delete(struct six_stack *st, uint8_t dir, const struct ipsec_sel *sel)
{
    if (!st->ipsec || dir > IPSEC_DIR_FWD)
        return -ESRCH;
    for (struct ipsec_sp **pp = &st->ipsec->spd[dir]; *pp; pp = &(*pp)->next)
        if (sel_equal(&(*pp)->sel, sel)) {
            struct ipsec_sp *sp = *pp;
            *pp = sp->next;
            sp_release(st->ipsec, sp);
            return 0;
        }
    return -ESRCH;
}

void ipsec_sp_flush(struct six_stack *st)
{
    if (!st->ipsec)
        return;
    for (unsigned d = 0; d < 4; d++)
        while (st->ipsec->spd[d]) {
            struct ipsec_sp *sp = st->ipsec->spd[d];
            st->ipsec->spd[d] = sp->next;
            sp_release(st->ipsec, sp);
        }
}

void ipsec_sp_foreach(struct six_stack *st, void (*fn)(void *ctx, const struct ipsec_sp *sp), void *ctx)
{
    if (!st->ipsec)
        return;
    for (unsigned d = 0; d < 4; d++)
        for (struct ipsec_sp *sp = st->ipsec->spd[d]; sp; sp = sp->next)
            fn(ctx, sp);
}

static void sel_addr_moved(struct in6_addr *a, uint8_t plen, const struct in6_addr *old, const struct in6_addr *now)
{
    if (plen == 128 && in6_eq(a, old))
        *a = *now;
}

void ipsec_sp_requests_moved(struct ipsec_state *is, const struct in6_addr *old, const struct in6_addr *now)
{
    for (unsigned d = 0; d < 4; d++)
        for (struct ipsec_sp *sp = is->spd[d]; sp; sp = sp->next)
            for (unsigned i = 0; i < sp->nreq; i++) {
                if (in6_eq(&sp->req[i].tdst, old))
                    sp->req[i].tdst = *now;
                if (in6_eq(&sp->req[i].tsrc, old))
                    sp->req[i].tsrc = *now;
            }
}

/* sa is one of the NAT-T peer's at addr:port: from there or toward it. */
static bool sa_of_peer(const struct ipsec_sa *sa, const struct in6_addr *addr, uint16_t port)
{
    return sa->natt && ((in6_eq(&sa->src, addr) && sa->natt_sport == port) ||
                        (in6_eq(&sa->dst, addr) && sa->natt_dport == port));
}

/* r belongs to the peer at addr:port alone: one of its SAs meets r and no
 * SA of anyone else at addr (another port, or no NAT-T) does. */
static bool req_of_peer(const struct ipsec_state *is, const struct ipsec_req *r, const struct in6_addr *addr,
                        uint16_t port)
{
    bool mine = false;
    for (const struct ipsec_sa *sa = is->sa_head; sa; sa = sa->next) {
        if (!ipsec_sa_satisfies(sa, r))
            continue;
        if (!sa_of_peer(sa, addr, port))
            return false;   /* shared with another peer: which one it means is not ours to guess */
        mine = true;
    }
    return mine;
}

void ipsec_sp_requests_follow(struct ipsec_state *is, const struct in6_addr *old, uint16_t old_port,
                              const struct in6_addr *now)
{
    for (unsigned d = 0; d < 4; d++)
        for (struct ipsec_sp *sp = is->spd[d]; sp; sp = sp->next)
            for (unsigned i = 0; i < sp->nreq; i++) {
                struct ipsec_req *r = &sp->req[i];
                if (r->mode != IPSEC_MODE_TUNNEL || (!in6_eq(&r->tdst, old) && !in6_eq(&r->tsrc, old)) ||
                    !req_of_peer(is, r, old, old_port))
                    continue;
                if (in6_eq(&r->tdst, old))
                    r->tdst = *now;
                if (in6_eq(&r->tsrc, old))
                    r->tsrc = *now;
            }
}

void ipsec_sp_addr_moved(struct ipsec_state *is, const struct in6_addr *old, const struct in6_addr *now)
{
    for (unsigned d = 0; d < 4; d++)
        for (struct ipsec_sp *sp = is->spd[d]; sp; sp = sp->next) {
            sel_addr_moved(&sp->sel.src, sp->sel.splen, old, now);
            sel_addr_moved(&sp->sel.dst, sp->sel.dplen, old, now);
        }
    ipsec_sp_requests_moved(is, old, now);
}
