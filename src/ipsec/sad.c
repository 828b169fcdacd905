/* The Security Association Database: two hashes (input by SPI/dst/proto,
 * output by src/dst/proto), a list in age order, lifetimes checked per
 * packet (bytes, packets) and once a second (seconds). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>
#include "ipsec/ipsec_priv.h"
#include "ipsec/ipsec_log.h"
#include "core/log.h"
#include "ipsec/sa_persist.h"
#include "net/gif.h"
#include "net/stack.h"
#include "wire/ip6.h"

static uint32_t addr_hash(const struct in6_addr *a)
{
    uint32_t h = 2166136261u;
    for (int i = 0; i < 16; i++)
        h = (h ^ a->s6_addr[i]) * 16777619u;
    return h;
}

static unsigned in_bucket(uint8_t proto, const struct in6_addr *dst, uint32_t spi)
{
    return (addr_hash(dst) ^ spi * 2654435761u ^ proto) % IPSEC_SA_HASH;
}

static unsigned out_bucket(uint8_t proto, const struct in6_addr *src, const struct in6_addr *dst)
{
    return (addr_hash(src) * 31u ^ addr_hash(dst) ^ proto) % IPSEC_SA_HASH;
}

const char *ipsec_sa_state_name(int state)
{
    switch (state) {
    case IPSEC_SA_LARVAL: return "larval";
    case IPSEC_SA_MATURE: return "mature";
    case IPSEC_SA_DYING: return "dying";
    default: return "dead";
    }
}

unsigned ipsec_sa_count(const struct six_stack *st)
{
    return st->ipsec ? st->ipsec->n_sa : 0;
}

struct ipsec_sa *ipsec_sa_find(struct six_stack *st, uint8_t proto, const struct in6_addr *dst, uint32_t spi)
{
    struct ipsec_state *is = st->ipsec;
    if (!is)
        return NULL;
    for (struct ipsec_sa *sa = is->in_hash[in_bucket(proto, dst, spi)]; sa; sa = sa->in_next)
        if (sa->spi == spi && sa->proto == proto && in6_eq(&sa->dst, dst))
            return sa;
    return NULL;
}

struct ipsec_sa *ipsec_sa_by_id(struct six_stack *st, uint32_t id)
{
    struct ipsec_state *is = st->ipsec;
    if (!is)
        return NULL;
    for (struct ipsec_sa *sa = is->id_hash[id % IPSEC_SA_HASH]; sa; sa = sa->id_next)
        if (sa->id == id)
            return sa;
    return NULL;
}

static bool usable(const struct ipsec_sa *sa)
{
    return sa->state == IPSEC_SA_MATURE || sa->state == IPSEC_SA_DYING;
}

/* Newest first: a replacement SA takes over output at once.  A mature SA
 * beats a dying one whatever their ages (RFC 2367 §3.1.1 dying SAs are for
 * the tail of traffic only). */
struct ipsec_sa *ipsec_sa_out(struct six_stack *st, uint8_t proto, uint8_t mode, const struct in6_addr *src,
                              const struct in6_addr *dst, uint32_t reqid)
{
    struct ipsec_state *is = st->ipsec;
    struct ipsec_sa *best = NULL;
    if (!is)
        return NULL;
    for (struct ipsec_sa *sa = is->out_hash[out_bucket(proto, src, dst)]; sa; sa = sa->out_next) {
        if (sa->proto != proto || !usable(sa) || !in6_eq(&sa->src, src) || !in6_eq(&sa->dst, dst))
            continue;
        if (sa->mode != IPSEC_MODE_ANY && mode != IPSEC_MODE_ANY && sa->mode != mode)
            continue;
        if (reqid && sa->reqid != reqid)
            continue;
        if (!best || (best->state == IPSEC_SA_DYING && sa->state == IPSEC_SA_MATURE) ||
            (best->state == sa->state && sa->id > best->id))
            best = sa;
    }
    return best;
}

void ipsec_sa_foreach(struct six_stack *st, void (*fn)(void *ctx, const struct ipsec_sa *sa), void *ctx)
{
    if (!st->ipsec)
        return;
    for (struct ipsec_sa *sa = st->ipsec->sa_head; sa; sa = sa->next)
        fn(ctx, sa);
}

static void unlink_chain(struct ipsec_sa **head, struct ipsec_sa *sa, bool in)
{
    for (struct ipsec_sa **pp = head; *pp; pp = in ? &(*pp)->in_next : &(*pp)->out_next)
        if (*pp == sa) {
            *pp = in ? sa->in_next : sa->out_next;
            return;
        }
}

static void unlink_id(struct ipsec_state *is, struct ipsec_sa *sa)
{
    for (struct ipsec_sa **pp = &is->id_hash[sa->id % IPSEC_SA_HASH]; *pp; pp = &(*pp)->id_next)
        if (*pp == sa) {
            *pp = sa->id_next;
            return;
        }
}

static void sa_unlink(struct ipsec_state *is, struct ipsec_sa *sa)
{
    unlink_chain(&is->in_hash[in_bucket(sa->proto, &sa->dst, sa->spi)], sa, true);
    unlink_chain(&is->out_hash[out_bucket(sa->proto, &sa->src, &sa->dst)], sa, false);
    unlink_id(is, sa);
    if (sa->prev) sa->prev->next = sa->next; else is->sa_head = sa->next;
    if (sa->next) sa->next->prev = sa->prev; else is->sa_tail = sa->prev;
    is->n_sa--;
}

static void sa_destroy(struct ipsec_sa *sa)
{
    ipsec_xform_free(&sa->x);
    replay_free(&sa->replay);
    memset(sa, 0, sizeof *sa);   /* keys */
    free(sa);
}

static bool was_added_in_txn(const struct ipsec_state *is, const struct ipsec_sa *sa)
{
    for (unsigned i = 0; i < is->n_sa_added; i++)
        if (is->sa_added[i] == sa)
            return true;
    return false;
}

static void sa_free(struct ipsec_state *is, struct ipsec_sa *sa)
{
    ipsec_persist_sa_leaving(sa);
    sa_unlink(is, sa);
    if (is->in_txn && !was_added_in_txn(is, sa)) {
        sa->next = is->sa_grave;
        is->sa_grave = sa;
        return;
    }
    if (is->in_txn)
        for (unsigned i = 0; i < is->n_sa_added; i++)
            if (is->sa_added[i] == sa)
                is->sa_added[i] = is->sa_added[--is->n_sa_added];
    sa_destroy(sa);
}

static void note_natt_port(struct ipsec_state *is, uint16_t port)
{
    for (unsigned i = 0; i < is->n_natt_ports; i++)
        if (is->natt_ports[i] == port)
            return;
    if (port && is->n_natt_ports < sizeof is->natt_ports / sizeof is->natt_ports[0])
        is->natt_ports[is->n_natt_ports++] = port;
}

static void sa_link(struct ipsec_state *is, struct ipsec_sa *sa)
{
    if (sa->natt) {
        note_natt_port(is, sa->natt_sport);
        note_natt_port(is, sa->natt_dport);
    }
    unsigned ib = in_bucket(sa->proto, &sa->dst, sa->spi), ob = out_bucket(sa->proto, &sa->src, &sa->dst);
    sa->in_next = is->in_hash[ib];
    is->in_hash[ib] = sa;
    sa->out_next = is->out_hash[ob];
    is->out_hash[ob] = sa;
    sa->id_next = is->id_hash[sa->id % IPSEC_SA_HASH];
    is->id_hash[sa->id % IPSEC_SA_HASH] = sa;
    sa->prev = is->sa_tail;
    sa->next = NULL;
    if (is->sa_tail) is->sa_tail->next = sa; else is->sa_head = sa;
    is->sa_tail = sa;
    is->n_sa++;
}

/* SA changes at info level. Inside a transaction they wait for the commit
 * (log_txn_changes): an aborted file load changed nothing, says nothing.
 * Larval SAs (a GETSPI's reservation) are not announced. */
static void log_change(struct six_stack *st, const struct ipsec_sa *sa, const char *what)
{
    if (sa->state != IPSEC_SA_LARVAL)
        ipsec_log_sa(st, LOG_INFO, sa, "%s", what);
}

static bool has_id(struct ipsec_sa *const *v, unsigned n, uint32_t id)
{
    for (unsigned i = 0; i < n; i++)
        if (v[i]->id == id && v[i]->state != IPSEC_SA_LARVAL)
            return true;
    return false;
}

static bool grave_has_id(const struct ipsec_state *is, uint32_t id)
{
    for (const struct ipsec_sa *g = is->sa_grave; g; g = g->next)
        if (g->id == id && g->state != IPSEC_SA_LARVAL)
            return true;
    return false;
}

/* At commit: an added SA whose id is in the grave replaced one (updated). */
static void log_txn_changes(struct six_stack *st)
{
    struct ipsec_state *is = st->ipsec;
    if (!st->trace && six_log_level() < LOG_INFO)
        return;
    for (unsigned i = 0; i < is->n_sa_added; i++)
        log_change(st, is->sa_added[i], grave_has_id(is, is->sa_added[i]->id) ? "updated" : "added");
    for (const struct ipsec_sa *g = is->sa_grave; g; g = g->next)
        if (!has_id(is->sa_added, is->n_sa_added, g->id))
            log_change(st, g, "deleted");
}

static bool txn_note_added(struct ipsec_state *is, struct ipsec_sa *sa)
{
    if (!is->in_txn)
        return true;
    if (is->n_sa_added == is->cap_sa_added) {
        unsigned cap = is->cap_sa_added ? 2 * is->cap_sa_added : 16;
        struct ipsec_sa **v = realloc(is->sa_added, cap * sizeof *v);
        if (!v)
            return false;
        is->sa_added = v;
        is->cap_sa_added = cap;
    }
    is->sa_added[is->n_sa_added++] = sa;
    return true;
}

static bool make_room(struct ipsec_state *is)
{
    if (is->n_sa < IPSEC_MAX_SA)
        return true;
    for (struct ipsec_sa *sa = is->sa_head; sa; sa = sa->next)
        if (sa->state == IPSEC_SA_LARVAL) {
            sa_free(is, sa);
            return true;
        }
    return false;
}

static int check_params(const struct ipsec_sa_params *p, const char **err)
{
    if (p->spi < 256) {
        *err = "SPIs 0 to 255 are reserved (RFC 4303 §2.1)";
        return -EINVAL;
    }
    if (p->proto != IPSEC_PROTO_ESP && p->proto != IPSEC_PROTO_AH) {
        *err = "protocol must be esp or ah";
        return -EPROTONOSUPPORT;
    }
    if (p->proto == IPSEC_PROTO_AH && (p->aalg == IPSEC_AALG_NONE || p->ealg != IPSEC_EALG_NONE || p->natt)) {
        *err = "an AH SA needs an HMAC (-A), takes no encryption (-E) and cannot cross NAT";
        return -EINVAL;
    }
    if (in6_is_v4mapped(&p->src) != in6_is_v4mapped(&p->dst)) {
        *err = "source and destination of an SA must be of one family";
        return -EINVAL;
    }
    if (p->tfc_pad && p->mode != IPSEC_MODE_TUNNEL) {
        *err = "TFC padding needs tunnel mode (in transport mode nothing tells the receiver where the payload ends)";
        return -EINVAL;
    }
    if (p->replay > REPLAY_WINDOW_MAX) {
        *err = "replay window over 65536 packets";
        return -EINVAL;
    }
    return 0;
}

static struct ipsec_sa *sa_build(struct six_stack *st, const struct ipsec_sa_params *p, const char **err, int *rc)
{
    struct ipsec_sa *sa = calloc(1, sizeof *sa);
    if (!sa) {
        *err = "out of memory";
        *rc = -ENOMEM;
        return NULL;
    }
    if (ipsec_xform_init(&sa->x, p->ealg, p->ekey, p->ekeylen, p->aalg, p->akey, p->akeylen, err)) {
        free(sa);
        *rc = -EINVAL;
        return NULL;
    }
    uint32_t window = p->replay_off ? 0 : p->replay ? p->replay : IPSEC_REPLAY_DEF;
    if (replay_init(&sa->replay, window)) {
        ipsec_xform_free(&sa->x);
        free(sa);
        *err = "out of memory (replay window)";
        *rc = -ENOMEM;
        return NULL;
    }
    if (p->ekeylen <= sizeof sa->ekey && p->akeylen <= sizeof sa->akey) {   /* the xform checked them */
        if (p->ekeylen)
            memcpy(sa->ekey, p->ekey, p->ekeylen);
        if (p->akeylen)
            memcpy(sa->akey, p->akey, p->akeylen);
        sa->ekeylen = (uint8_t)p->ekeylen;
        sa->akeylen = (uint8_t)p->akeylen;
    }
    sa->spi = p->spi;
    sa->proto = p->proto;
    sa->mode = p->mode;
    sa->src = p->src;
    sa->dst = p->dst;
    sa->v4 = in6_is_v4mapped(&p->dst);
    sa->reqid = p->reqid;
    sa->esn = p->esn;
    sa->replay_off = p->replay_off;
    sa->hard = p->hard;
    sa->soft = p->soft;
    sa->tfc_pad = p->tfc_pad;
    sa->natt = p->natt;
    sa->natt_sport = p->natt_sport;
    sa->natt_dport = p->natt_dport;
    sa->natt_follow = p->natt_follow;
    sa->state = IPSEC_SA_MATURE;
    sa->seq_mark = UINT64_MAX;
    ipsec_sa_key_fp(p, sa->key_fp);
    sa->add_ns = six_now(st);
    sa->natt_ka_ns = sa->add_ns;
    return sa;
}

static bool same_key(const uint8_t *have, size_t have_len, const uint8_t *given, size_t given_len)
{
    return have_len == given_len && (!given_len || CRYPTO_memcmp(have, given, given_len) == 0);
}

/* What an UPDATE may not change on a mature or dying SA.  RFC 2367 §3.1.2
 * makes UPDATE the step that gives a larval SA (GETSPI) its keys; KAME and
 * FreeBSD's key_update() refuse key material for an SA that already has
 * some (EINVAL).  setkey(8) repeats the keys in every update, so the same
 * keys are taken as "unchanged" and only different ones are refused: a
 * new key under the old SPI would restart the sequence numbers the peer's
 * window has already seen. */
static int check_update(const struct ipsec_sa *old, const struct ipsec_sa_params *p, const char **err)
{
    if (old->state == IPSEC_SA_LARVAL)
        return 0;   /* GETSPI gave it no keys: UPDATE sets everything */
    if (p->ealg != old->x.ealg || p->aalg != old->x.aalg || !same_key(old->ekey, old->ekeylen, p->ekey, p->ekeylen) ||
        !same_key(old->akey, old->akeylen, p->akey, p->akeylen)) {
        *err = "the keys and algorithms of a mature SA cannot be changed by update (add a new SA with a new SPI)";
        return -EINVAL;
    }
    if (p->esn != old->esn || p->replay_off != old->replay_off || p->mode != old->mode || p->reqid != old->reqid) {
        *err = "update cannot change an SA's ESN, mode or reqid";
        return -EINVAL;
    }
    uint32_t window = p->replay ? (p->replay + 63u) & ~63u : old->replay.size;   /* 0: keep it */
    if (!old->replay_off && window != old->replay.size) {
        *err = "update cannot change an SA's replay window";
        return -EINVAL;
    }
    return 0;
}

/* The replacement of a mature or dying SA goes on where it was (RFC 4303
 * §3.4.3: a fresh window would take every packet already received once
 * more; a fresh add time would make a dying SA young again). */
static int inherit(struct ipsec_sa *sa, const struct ipsec_sa *old, const struct ipsec_sa_params *p)
{
    sa->tx = old->tx;
    sa->persist = old->persist;   /* same keys (check_update): the same record */
    sa->seq_mark = old->seq_mark;
    sa->add_ns = old->add_ns;
    sa->use_ns = old->use_ns;
    sa->last_ns = old->last_ns;
    sa->natt_ka_ns = old->natt_ka_ns;
    sa->cur_bytes = old->cur_bytes;
    sa->cur_packets = old->cur_packets;
    sa->soft_fired = old->soft_fired;
    sa->state = old->state;
    if (p->keep_lifetimes) {
        sa->hard = old->hard;
        sa->soft = old->soft;
    }
    if (p->keep_natt) {   /* where NAT-T following has taken it, too */
        sa->natt = old->natt;
        sa->natt_sport = old->natt_sport;
        sa->natt_dport = old->natt_dport;
    }
    if (p->keep_natt_follow)
        sa->natt_follow = old->natt_follow;
    replay_free(&sa->replay);
    return replay_copy(&sa->replay, &old->replay);
}

int ipsec_sa_add(struct six_stack *st, const struct ipsec_sa_params *p, bool update, const char **err)
{
    struct ipsec_state *is = ipsec_get(st);
    int rc;
    *err = "";
    if (!is) {
        *err = "out of memory";
        return -ENOMEM;
    }
    if ((rc = check_params(p, err)))
        return rc;
    struct ipsec_sa *old = ipsec_sa_find(st, p->proto, &p->dst, p->spi);
    if (old && !update) {
        *err = "an SA with this SPI, destination and protocol exists (use update)";
        return -EEXIST;
    }
    if (!old && update) {
        *err = "no such SA to update";
        return -ESRCH;
    }
    if (old && (rc = check_update(old, p, err)))
        return rc;
    struct ipsec_sa *sa = sa_build(st, p, err, &rc);
    if (!sa)
        return rc;
    bool replaces = old && old->state != IPSEC_SA_LARVAL;
    if (replaces && inherit(sa, old, p)) {
        sa_destroy(sa);
        *err = "out of memory (replay window)";
        return -ENOMEM;
    }
    if (!txn_note_added(is, sa)) {
        sa_destroy(sa);
        *err = "out of memory";
        return -ENOMEM;
    }
    if (old) {
        sa->id = old->id;
        sa->stats = old->stats;
        sa_free(is, old);
    } else if (!make_room(is)) {
        if (is->in_txn)
            is->n_sa_added--;
        sa_destroy(sa);
        *err = "SAD full";
        return -ENOBUFS;
    } else {
        sa->id = ++is->next_sa_id;
    }
    sa_link(is, sa);
    if (!is->in_txn)
        log_change(st, sa, replaces ? "updated" : "added");
    if (!sa->persist)
        ipsec_persist_sa_added(st, sa);   /* new, or a larval SA's keys came */
    return 0;
}

static void free_logged(struct six_stack *st, struct ipsec_sa *sa)
{
    if (!st->ipsec->in_txn)
        log_change(st, sa, "deleted");
    sa_free(st->ipsec, sa);
}

int ipsec_sa_delete(struct six_stack *st, uint8_t proto, const struct in6_addr *src, const struct in6_addr *dst,
                    uint32_t spi)
{
    struct ipsec_sa *sa = ipsec_sa_find(st, proto, dst, spi);
    if (!sa || (src && !in6_eq(&sa->src, src)))
        return -ESRCH;
    free_logged(st, sa);
    return 0;
}

unsigned ipsec_sa_delete_all(struct six_stack *st, uint8_t proto, const struct in6_addr *src,
                             const struct in6_addr *dst)
{
    struct ipsec_state *is = st->ipsec;
    unsigned n = 0;
    if (!is)
        return 0;
    for (struct ipsec_sa *sa = is->sa_head, *nx; sa; sa = nx) {
        nx = sa->next;
        if (sa->proto == proto && in6_eq(&sa->src, src) && in6_eq(&sa->dst, dst)) {
            free_logged(st, sa);
            n++;
        }
    }
    return n;
}

static void flush(struct six_stack *st, uint8_t proto, bool log)
{
    struct ipsec_state *is = st->ipsec;
    if (!is)
        return;
    for (struct ipsec_sa *sa = is->sa_head, *nx; sa; sa = nx) {
        nx = sa->next;
        if (proto && sa->proto != proto)
            continue;
        if (log)
            free_logged(st, sa);
        else
            sa_free(is, sa);
    }
}

void ipsec_sa_flush(struct six_stack *st, uint8_t proto) { flush(st, proto, true); }

void ipsec_sa_move(struct six_stack *st, struct ipsec_sa *sa, const struct in6_addr *src, const struct in6_addr *dst,
                   uint16_t sport, uint16_t dport)
{
    struct ipsec_state *is = st->ipsec;
    struct in6_addr old_dst = sa->dst;
    unlink_chain(&is->in_hash[in_bucket(sa->proto, &sa->dst, sa->spi)], sa, true);
    unlink_chain(&is->out_hash[out_bucket(sa->proto, &sa->src, &sa->dst)], sa, false);
    sa->src = *src;
    sa->dst = *dst;
    sa->natt_sport = sport;
    sa->natt_dport = dport;
    unsigned ib = in_bucket(sa->proto, &sa->dst, sa->spi), ob = out_bucket(sa->proto, &sa->src, &sa->dst);
    sa->in_next = is->in_hash[ib];
    is->in_hash[ib] = sa;
    sa->out_next = is->out_hash[ob];
    is->out_hash[ob] = sa;
    if (!in6_eq(&old_dst, dst))
        gif_sa_moved(st, sa->proto, sa->spi, &old_dst, dst);   /* a tunnel interface bound to it follows */
}

void ipsec_addr_moved(struct six_stack *st, const struct in6_addr *old, const struct in6_addr *now)
{
    if (!st->ipsec || in6_eq(old, now))
        return;
    for (struct ipsec_sa *sa = st->ipsec->sa_head; sa; sa = sa->next)
        if (in6_eq(&sa->src, old) || in6_eq(&sa->dst, old))
            ipsec_sa_move(st, sa, in6_eq(&sa->src, old) ? now : &sa->src, in6_eq(&sa->dst, old) ? now : &sa->dst,
                          sa->natt_sport, sa->natt_dport);
    ipsec_sp_addr_moved(st->ipsec, old, now);
}

static bool over(uint64_t cur, uint64_t limit)
{
    return limit && cur >= limit;
}

static void event(struct six_stack *st, enum ipsec_event ev, const struct ipsec_sa *sa)
{
    struct ipsec_state *is = st->ipsec;
    if (ev == IPSEC_EV_SOFT_EXPIRE)
        CTR_INC(st, ipsec, soft_expire);
    else if (ev == IPSEC_EV_HARD_EXPIRE)
        CTR_INC(st, ipsec, hard_expire);
    if (ev == IPSEC_EV_SOFT_EXPIRE || ev == IPSEC_EV_HARD_EXPIRE)
        ipsec_log_sa(st, LOG_INFO, sa, "%s", ev == IPSEC_EV_SOFT_EXPIRE ? "soft lifetime expired (rekey due)"
                                                                        : "hard lifetime expired, SA removed");
    if (is->event_fn)
        is->event_fn(is->event_ctx, ev, sa, NULL, NULL);
}

/* RFC 4301 §4.4.2.1: soft limit → key manager warned, SA still used;
 * hard limit → SA gone. */
static bool check_lifetime(struct six_stack *st, struct ipsec_sa *sa, uint64_t now)
{
    uint64_t age_s = (now - sa->add_ns) / 1000000000ull;
    uint64_t use_s = sa->use_ns ? (now - sa->use_ns) / 1000000000ull : 0;
    if (over(sa->cur_bytes, sa->hard.bytes) || over(sa->cur_packets, sa->hard.packets) ||
        over(age_s, sa->hard.add_s) || (sa->use_ns && over(use_s, sa->hard.use_s))) {
        sa->state = IPSEC_SA_DEAD;
        event(st, IPSEC_EV_HARD_EXPIRE, sa);
        sa_free(st->ipsec, sa);
        return false;
    }
    if (!sa->soft_fired && (over(sa->cur_bytes, sa->soft.bytes) || over(sa->cur_packets, sa->soft.packets) ||
                            over(age_s, sa->soft.add_s) || (sa->use_ns && over(use_s, sa->soft.use_s)))) {
        sa->soft_fired = true;
        sa->state = IPSEC_SA_DYING;
        event(st, IPSEC_EV_SOFT_EXPIRE, sa);
    }
    return true;
}

bool ipsec_sa_account(struct six_stack *st, struct ipsec_sa *sa, size_t bytes)
{
    uint64_t now = six_now(st);
    if (!sa->use_ns)
        sa->use_ns = now;
    sa->last_ns = now;
    sa->cur_bytes += bytes;
    sa->cur_packets++;
    sa->stats.packets++;
    sa->stats.bytes += bytes;
    return check_lifetime(st, sa, now);
}

static void tick(struct timer *t, void *arg)
{
    struct six_stack *st = arg;
    struct ipsec_state *is = st->ipsec;
    uint64_t now = six_now(st);
    for (struct ipsec_sa *sa = is->sa_head, *nx; sa; sa = nx) {
        nx = sa->next;
        if (check_lifetime(st, sa, now) && sa->natt)
            ipsec_natt_keepalive(st, sa, now);
    }
    timer_arm(st->tw, t, 1000000000ull);
}

void ipsec_txn_begin(struct six_stack *st)
{
    struct ipsec_state *is = ipsec_get(st);
    if (!is)
        return;
    is->in_txn = true;
    is->n_sa_added = is->n_sp_added = 0;
}

static void txn_end(struct six_stack *st, bool commit)
{
    struct ipsec_state *is = st->ipsec;
    if (!is || !is->in_txn)
        return;
    if (commit)
        log_txn_changes(st);
    is->in_txn = false;
    if (!commit) {
        while (is->n_sa_added) {
            struct ipsec_sa *sa = is->sa_added[--is->n_sa_added];
            sa_unlink(is, sa);
            sa_destroy(sa);
        }
    }
    while (is->sa_grave) {
        struct ipsec_sa *sa = is->sa_grave;
        is->sa_grave = sa->next;
        if (commit)
            sa_destroy(sa);
        else
            sa_link(is, sa);
    }
    is->n_sa_added = 0;
    ipsec_sp_txn_end(st, commit);
}

void ipsec_txn_commit(struct six_stack *st) { txn_end(st, true); }
bool ipsec_txn_active(const struct six_stack *st) { return st->ipsec && st->ipsec->in_txn; }
void ipsec_txn_abort(struct six_stack *st) { txn_end(st, false); }

struct ipsec_state *ipsec_get(struct six_stack *st)
{
    if (st->ipsec)
        return st->ipsec;
    struct ipsec_state *is = calloc(1, sizeof *is);
    if (!is)
        return NULL;
    st->ipsec = is;
    timer_init(&is->tick, tick, st);
    timer_arm(st->tw, &is->tick, 1000000000ull);
    return is;
}

void ipsec_set_event_cb(struct six_stack *st, ipsec_event_fn fn, void *ctx)
{
    struct ipsec_state *is = ipsec_get(st);
    if (is) {
        is->event_fn = fn;
        is->event_ctx = ctx;
    }
}

void ipsec_destroy(struct six_stack *st)
{
    struct ipsec_state *is = st->ipsec;
    if (!is)
        return;
    timer_cancel(&is->tick);
    ipsec_txn_commit(st);
    ipsec_persist_close(st, true);   /* a clean exit: exact numbers, before the SAs go */
    flush(st, 0, false);   /* the process ends: no "deleted" line per SA */
    ipsec_sp_flush(st);
    free(is->sa_added);
    free(is->sp_added);
    free(is);
    st->ipsec = NULL;
}
