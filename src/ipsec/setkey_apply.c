/* setkey(8) commands applied to the SAD and SPD as one transaction: when
 * any command fails, everything the file did is undone (SAs it removed come
 * back whole, with their sequence counters), so a bad file never leaves
 * half a configuration behind. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include "ipsec/ipsec_priv.h"
#include "ipsec/setkey.h"
#include "net/stack.h"
#include "wire/ip6.h"

static void to_mapped(const struct setkey_addr *a, struct in6_addr *out)
{
    memset(out, 0, sizeof *out);
    if (a->family == AF_INET) {
        out->s6_addr[10] = out->s6_addr[11] = 0xff;
        memcpy(&out->s6_addr[12], &a->u.v4, 4);
    } else if (a->family == AF_INET6) {
        *out = a->u.v6;
    }
}

static uint8_t sa_proto(enum setkey_satype t)
{
    return t == SETKEY_SA_AH ? IPSEC_PROTO_AH : t == SETKEY_SA_ANY ? 0 : IPSEC_PROTO_ESP;
}

void setkey_sa_params(const struct setkey_sa *s, struct ipsec_sa_params *p)
{
    memset(p, 0, sizeof *p);
    p->spi = s->spi;
    p->proto = sa_proto(s->proto);
    p->mode = (uint8_t)s->mode;
    to_mapped(&s->src, &p->src);
    to_mapped(&s->dst, &p->dst);
    p->reqid = s->reqid;
    p->replay = s->replay_packets;   /* 0: our default window; replay protection is never off from a file */
    p->esn = s->esn;
    p->ealg = s->ealg;
    p->aalg = s->aalg;
    p->ekey = s->ekey;
    p->ekeylen = s->ekey_len;
    p->akey = s->akey;
    p->akeylen = s->akey_len;
    p->tfc_pad = s->tfc_pad;
    p->hard.add_s = s->life_hard_sec;
    p->soft.add_s = s->life_soft_sec;
    p->hard.bytes = s->life_hard_bytes;
    p->soft.bytes = s->life_soft_bytes;
    if (s->proto == SETKEY_SA_ESP_UDP || s->natt) {
        p->natt = true;
        p->natt_sport = s->natt ? s->natt_oai.port : s->src.port ? s->src.port : 4500;
        p->natt_dport = s->natt ? s->natt_oar.port : s->dst.port ? s->dst.port : 4500;
        p->natt_follow = s->natt_follow;
    }
}

void setkey_sel_of(const struct setkey_spd *s, struct ipsec_sel *k)
{
    memset(k, 0, sizeof *k);
    k->family = s->src.family;
    to_mapped(&s->src, &k->src);
    to_mapped(&s->dst, &k->dst);
    unsigned extra = s->src.family == AF_INET ? 96 : 0;   /* IPv4 prefixes over the mapped form */
    k->splen = (uint8_t)(s->src.prefixlen + extra);
    k->dplen = (uint8_t)(s->dst.prefixlen + extra);
    k->ulproto = s->ulproto;
    k->sport = s->src.port;
    k->dport = s->dst.port;
    if (s->has_icmp) {
        /* KAME's "icmp6 135,0": the type, and a code of 0 meaning any code */
        k->has_icmp_type = true;
        k->icmp_type = s->icmp_type;
        k->has_icmp_code = s->icmp_code != 0;
        k->icmp_code = s->icmp_code;
    }
}

void setkey_sp_of(const struct setkey_spd *s, struct ipsec_sp *sp)
{
    memset(sp, 0, sizeof *sp);
    setkey_sel_of(s, &sp->sel);
    sp->dir = (uint8_t)s->dir;
    sp->action = (uint8_t)s->action;
    sp->priority = s->has_priority ? s->priority : 0;
    sp->nreq = s->nreq;
    for (unsigned i = 0; i < s->nreq && i < IPSEC_MAX_REQS; i++) {
        const struct setkey_req *r = &s->req[i];
        sp->req[i].proto = (uint8_t)r->proto;
        sp->req[i].mode = (uint8_t)r->mode;
        sp->req[i].level = (uint8_t)r->level;
        sp->req[i].reqid = r->reqid;
        to_mapped(&r->tsrc, &sp->req[i].tsrc);
        to_mapped(&r->tdst, &sp->req[i].tdst);
    }
}

struct dump_ctx { void (*out)(void *, const char *); void *ctx; uint8_t proto; };

static void dump_sa(void *arg, const struct ipsec_sa *sa)
{
    struct dump_ctx *d = arg;
    char line[512];
    if (d->proto && sa->proto != d->proto)
        return;
    ipsec_sa_format(sa, line, sizeof line);
    d->out(d->ctx, line);
}

static void dump_sp(void *arg, const struct ipsec_sp *sp)
{
    struct dump_ctx *d = arg;
    char line[512];
    ipsec_sp_format(sp, line, sizeof line);
    d->out(d->ctx, line);
}

static int apply_one(struct six_stack *st, const struct setkey_cmd *c, const char **why,
                     void (*out)(void *, const char *), void *outctx)
{
    struct ipsec_sa_params p;
    struct ipsec_sp sp;
    struct ipsec_sel k;
    struct dump_ctx d = { out, outctx, 0 };
    int rc = 0;

    switch (c->op) {
    case SETKEY_ADD: case SETKEY_UPDATE:
        setkey_sa_params(&c->sa, &p);
        return ipsec_sa_add(st, &p, c->op == SETKEY_UPDATE, why);
    case SETKEY_GET: case SETKEY_DELETE: {
        setkey_sa_params(&c->sa, &p);
        struct ipsec_sa *sa = ipsec_sa_find(st, p.proto, &p.dst, p.spi);
        if (!sa || !in6_eq(&sa->src, &p.src)) {
            *why = "no such SA";
            return -ESRCH;
        }
        if (c->op == SETKEY_GET) {
            if (out)
                dump_sa(&d, sa);
            return 0;
        }
        return ipsec_sa_delete(st, p.proto, &p.src, &p.dst, p.spi);
    }
    case SETKEY_DELETEALL:
        setkey_sa_params(&c->sa, &p);
        ipsec_sa_delete_all(st, p.proto, &p.src, &p.dst);
        return 0;
    case SETKEY_FLUSH:
        ipsec_sa_flush(st, sa_proto(c->satype));
        return 0;
    case SETKEY_DUMP:
        d.proto = sa_proto(c->satype);
        if (out)
            ipsec_sa_foreach(st, dump_sa, &d);
        return 0;
    case SETKEY_SPDADD: case SETKEY_SPDUPDATE:
        setkey_sp_of(&c->spd, &sp);
        return ipsec_sp_add(st, &sp, c->op == SETKEY_SPDUPDATE, why);
    case SETKEY_SPDDELETE:
        setkey_sel_of(&c->spd, &k);
        if ((rc = ipsec_sp_delete(st, (uint8_t)c->spd.dir, &k)))
            *why = "no such policy";
        return rc;
    case SETKEY_SPDFLUSH:
        ipsec_sp_flush(st);
        return 0;
    case SETKEY_SPDDUMP:
        if (out)
            ipsec_sp_foreach(st, dump_sp, &d);
        return 0;
    }
    *why = "unknown command";
    return -EINVAL;
}

int ipsec_setkey_apply(struct six_stack *st, const struct setkey_cmds *cmds, const char *file,
                       char *err, size_t errlen, void (*out)(void *ctx, const char *line), void *outctx)
{
    if (!ipsec_get(st)) {
        snprintf(err, errlen, "%s: out of memory", file);
        return -ENOMEM;
    }
    /* Inside a caller's transaction (a reload, src/ctl/cfgdiff.c) the caller
     * commits or aborts: a failure here makes it abort everything. */
    bool own = !ipsec_txn_active(st);
    if (own)
        ipsec_txn_begin(st);
    for (size_t i = 0; i < cmds->n; i++) {
        const char *why = "";
        int rc = apply_one(st, &cmds->v[i], &why, out, outctx);
        if (rc) {
            if (own)
                ipsec_txn_abort(st);
            snprintf(err, errlen, "%s:%u: %s: %s (nothing applied)", file, cmds->v[i].line,
                     setkey_op_name(cmds->v[i].op), why && *why ? why : strerror(-rc));
            return rc;
        }
    }
    if (own)
        ipsec_txn_commit(st);
    return 0;
}
