/* Reload of a setkey(8) file: apply only the difference between what the
 * old text set up and what the new text sets up (ipsec.h,
 * ipsec_setkey_diff_apply).
 *
 * Each text is first reduced to its effect on its own entries: add/update
 * put an SA in the set (replacing one with the same protocol, destination
 * and SPI), delete/deleteall/flush take SAs out, spdadd/spdupdate/spddelete/
 * spdflush do the same for policies; get/dump change nothing. A file that
 * begins with "flush; spdflush;" (the usual way) thus means "exactly these
 * entries", and reloading it keeps every SA it still lists, with its
 * sequence numbers, replay window and the NAT-T or hometun ends it followed
 * since: nothing is flushed at reload.
 *
 * An SA is kept only when every parameter is equal (addresses, SPI, mode,
 * reqid, window, ESN, algorithms, keys, lifetimes, NAT-T, TFC); otherwise it
 * is replaced (deleted, then added fresh). A policy is kept when direction,
 * selectors, action, priority and requests are equal. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>
#include "ipsec/ipsec_priv.h"
#include "ipsec/setkey.h"
#include "wire/ip6.h"

struct sa_ent { struct ipsec_sa_params p; unsigned line; };
struct sp_ent { struct ipsec_sp sp; unsigned line; };

struct effect {
    struct sa_ent *sa;
    struct sp_ent *sp;
    size_t n_sa, n_sp;
};

static bool sa_same_key(const struct ipsec_sa_params *a, const struct ipsec_sa_params *b)
{
    return a->proto == b->proto && a->spi == b->spi && in6_eq(&a->dst, &b->dst);
}

static bool lifetime_eq(const struct ipsec_lifetime *a, const struct ipsec_lifetime *b)
{
    return a->bytes == b->bytes && a->packets == b->packets && a->add_s == b->add_s && a->use_s == b->use_s;
}

static bool key_eq(const uint8_t *a, size_t al, const uint8_t *b, size_t bl)
{
    return al == bl && (al == 0 || CRYPTO_memcmp(a, b, al) == 0);   /* keys: constant time */
}

static bool sa_equal(const struct ipsec_sa_params *a, const struct ipsec_sa_params *b)
{
    return sa_same_key(a, b) && a->mode == b->mode && in6_eq(&a->src, &b->src) && a->reqid == b->reqid &&
           a->replay == b->replay && a->replay_off == b->replay_off && a->esn == b->esn && a->ealg == b->ealg &&
           a->aalg == b->aalg && key_eq(a->ekey, a->ekeylen, b->ekey, b->ekeylen) &&
           key_eq(a->akey, a->akeylen, b->akey, b->akeylen) && lifetime_eq(&a->hard, &b->hard) &&
           lifetime_eq(&a->soft, &b->soft) && a->tfc_pad == b->tfc_pad && a->natt == b->natt &&
           a->natt_sport == b->natt_sport && a->natt_dport == b->natt_dport && a->natt_follow == b->natt_follow;
}

/* Both built by setkey_sp_of/setkey_sel_of, which zero the structs first:
 * padding is zero and memcmp is exact. */
static bool sp_same_key(const struct ipsec_sp *a, const struct ipsec_sp *b)
{
    return a->dir == b->dir && memcmp(&a->sel, &b->sel, sizeof a->sel) == 0;
}

static bool sp_equal(const struct ipsec_sp *a, const struct ipsec_sp *b)
{
    return sp_same_key(a, b) && a->action == b->action && a->priority == b->priority && a->nreq == b->nreq &&
           memcmp(a->req, b->req, sizeof a->req[0] * a->nreq) == 0;
}

static void sa_remove_at(struct effect *e, size_t i)
{
    memmove(&e->sa[i], &e->sa[i + 1], (e->n_sa - i - 1) * sizeof e->sa[0]);
    e->n_sa--;
}

static void sp_remove_at(struct effect *e, size_t i)
{
    memmove(&e->sp[i], &e->sp[i + 1], (e->n_sp - i - 1) * sizeof e->sp[0]);
    e->n_sp--;
}

static void effect_sa_cmd(struct effect *e, const struct setkey_cmd *c)
{
    struct ipsec_sa_params p;
    if (c->op == SETKEY_FLUSH) {
        uint8_t proto = c->satype == SETKEY_SA_AH ? IPSEC_PROTO_AH : c->satype == SETKEY_SA_ANY ? 0 : IPSEC_PROTO_ESP;
        for (size_t i = e->n_sa; i-- > 0;)
            if (!proto || e->sa[i].p.proto == proto)
                sa_remove_at(e, i);
        return;
    }
    setkey_sa_params(&c->sa, &p);
    for (size_t i = e->n_sa; i-- > 0;) {
        const struct ipsec_sa_params *q = &e->sa[i].p;
        bool hit = c->op == SETKEY_DELETEALL
                       ? q->proto == p.proto && in6_eq(&q->src, &p.src) && in6_eq(&q->dst, &p.dst)
                       : sa_same_key(q, &p);
        if (hit)
            sa_remove_at(e, i);
    }
    if (c->op == SETKEY_ADD || c->op == SETKEY_UPDATE)
        e->sa[e->n_sa++] = (struct sa_ent){ p, c->line };
}

static void effect_sp_cmd(struct effect *e, const struct setkey_cmd *c)
{
    if (c->op == SETKEY_SPDFLUSH) {
        e->n_sp = 0;
        return;
    }
    struct ipsec_sp sp;
    setkey_sp_of(&c->spd, &sp);
    for (size_t i = e->n_sp; i-- > 0;)
        if (sp_same_key(&e->sp[i].sp, &sp))
            sp_remove_at(e, i);
    if (c->op != SETKEY_SPDDELETE)
        e->sp[e->n_sp++] = (struct sp_ent){ sp, c->line };
}

/* The entries a text leaves behind. Keys point into cmds (kept alive by the caller). */
static int effect_of(const struct setkey_cmds *cmds, struct effect *e)
{
    memset(e, 0, sizeof *e);
    size_t n = cmds ? cmds->n : 0;
    if (!n)
        return 0;
    e->sa = calloc(n, sizeof *e->sa);
    e->sp = calloc(n, sizeof *e->sp);
    if (!e->sa || !e->sp)
        return -ENOMEM;
    for (size_t i = 0; i < n; i++) {
        const struct setkey_cmd *c = &cmds->v[i];
        switch (c->op) {
        case SETKEY_ADD: case SETKEY_UPDATE: case SETKEY_DELETE: case SETKEY_DELETEALL: case SETKEY_FLUSH:
            effect_sa_cmd(e, c);
            break;
        case SETKEY_SPDADD: case SETKEY_SPDUPDATE: case SETKEY_SPDDELETE: case SETKEY_SPDFLUSH:
            effect_sp_cmd(e, c);
            break;
        case SETKEY_GET: case SETKEY_DUMP: case SETKEY_SPDDUMP:
            break;
        }
    }
    return 0;
}

static void effect_free(struct effect *e)
{
    free(e->sa);
    free(e->sp);
}

static bool has_equal_sa(const struct effect *e, const struct ipsec_sa_params *p)
{
    for (size_t i = 0; i < e->n_sa; i++)
        if (sa_equal(&e->sa[i].p, p))
            return true;
    return false;
}

static bool has_equal_sp(const struct effect *e, const struct ipsec_sp *sp)
{
    for (size_t i = 0; i < e->n_sp; i++)
        if (sp_equal(&e->sp[i].sp, sp))
            return true;
    return false;
}

/* The running SA the file's entry became: at the file's destination, or --
 * when NAT-T or hometun moved it since -- the one with that protocol and SPI
 * that kept one of the file's two ends. Either way only an SA with the
 * entry's algorithms and keys: another peer's SA may share the SPI and our
 * own end, and a reload must never take it. */
struct sa_hunt { const struct ipsec_sa_params *p; uint8_t fp[32]; struct in6_addr src, dst; bool found; };

static bool same_keys(const struct ipsec_sa *sa, const uint8_t fp[32])
{
    return CRYPTO_memcmp(sa->key_fp, fp, 32) == 0;
}

static void hunt_cb(void *arg, const struct ipsec_sa *sa)
{
    struct sa_hunt *h = arg;
    if (h->found || sa->proto != h->p->proto || sa->spi != h->p->spi || !same_keys(sa, h->fp))
        return;
    if (in6_eq(&sa->src, &h->p->src) || in6_eq(&sa->dst, &h->p->dst)) {
        h->src = sa->src;
        h->dst = sa->dst;
        h->found = true;
    }
}

static bool delete_running_sa(struct six_stack *st, const struct ipsec_sa_params *p)
{
    struct sa_hunt h = { .p = p };
    ipsec_sa_key_fp(p, h.fp);
    struct ipsec_sa *sa = ipsec_sa_find(st, p->proto, &p->dst, p->spi);
    if (sa && same_keys(sa, h.fp))
        return ipsec_sa_delete(st, p->proto, &sa->src, &sa->dst, p->spi) == 0;
    ipsec_sa_foreach(st, hunt_cb, &h);
    return h.found && ipsec_sa_delete(st, p->proto, &h.src, &h.dst, p->spi) == 0;
}

static void remove_old(struct six_stack *st, const struct effect *old, const struct effect *nw,
                       struct setkey_diff_counts *k)
{
    for (size_t i = 0; i < old->n_sp; i++) {
        if (has_equal_sp(nw, &old->sp[i].sp)) {
            k->sp_kept++;
            continue;
        }
        (void)ipsec_sp_delete(st, old->sp[i].sp.dir, &old->sp[i].sp.sel);   /* gone already: fine */
        k->sp_removed++;
    }
    for (size_t i = 0; i < old->n_sa; i++) {
        if (has_equal_sa(nw, &old->sa[i].p)) {
            k->sa_kept++;
            continue;
        }
        (void)delete_running_sa(st, &old->sa[i].p);   /* expired or deleted by hand since: fine */
        k->sa_removed++;
    }
}

static int add_new(struct six_stack *st, const struct effect *old, const struct effect *nw, const char *file,
                   char *err, size_t errlen, struct setkey_diff_counts *k)
{
    for (size_t i = 0; i < nw->n_sa; i++) {
        if (has_equal_sa(old, &nw->sa[i].p))
            continue;
        const char *why = NULL;
        int rc = ipsec_sa_add(st, &nw->sa[i].p, false, &why);
        if (rc) {
            snprintf(err, errlen, "%s:%u: add: %s", file, nw->sa[i].line, why ? why : strerror(-rc));
            return rc;
        }
        k->sa_added++;
    }
    for (size_t i = 0; i < nw->n_sp; i++) {
        if (has_equal_sp(old, &nw->sp[i].sp))
            continue;
        const char *why = NULL;
        int rc = ipsec_sp_add(st, &nw->sp[i].sp, false, &why);
        if (rc) {
            snprintf(err, errlen, "%s:%u: spdadd: %s", file, nw->sp[i].line, why ? why : strerror(-rc));
            return rc;
        }
        k->sp_added++;
    }
    return 0;
}

int ipsec_setkey_diff_apply(struct six_stack *st, const struct setkey_cmds *old_cmds,
                            const struct setkey_cmds *new_cmds, const char *file, char *err, size_t errlen,
                            struct setkey_diff_counts *counts)
{
    struct setkey_diff_counts k = { 0 };
    struct effect old = { 0 }, nw = { 0 };
    int rc = -ENOMEM;
    if (!ipsec_get(st) || effect_of(old_cmds, &old) < 0 || effect_of(new_cmds, &nw) < 0) {
        snprintf(err, errlen, "%s: out of memory", file);
        goto out;
    }
    remove_old(st, &old, &nw, &k);
    rc = add_new(st, &old, &nw, file, err, errlen, &k);
out:
    effect_free(&old);
    effect_free(&nw);
    if (counts)
        *counts = k;
    return rc;
}
