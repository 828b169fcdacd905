/* PF_KEY messages about policies (KAME's X_SPD*), and the ACQUIRE built
 * when an outbound packet finds an ipsec policy without an SA. */
#include <errno.h>
#include <string.h>
#include "ipsec/pfkey_srv_priv.h"
#include "net/stack.h"
#include "wire/ip6.h"

static bool is_icmp(uint8_t proto)
{
    return proto == IPPROTO_ICMP || proto == IPPROTO_ICMPV6;
}

/* The selector of the address extensions: one family, one upper-layer
 * protocol; KAME carries an ICMP type and code in the ports. */
static int sel_in(struct pfkey_req *r, struct ipsec_sel *k)
{
    const struct pfkey_msg *m = r->m;
    uint16_t sport, dport;
    int rc;
    memset(k, 0, sizeof *k);
    if (!m->ext[SADB_EXT_ADDRESS_SRC] || !m->ext[SADB_EXT_ADDRESS_DST])
        return pk_refuse(r, EINVAL, "source and destination address extensions are required");
    if (m->src.addr.sa.sa_family != m->dst.addr.sa.sa_family)
        return pk_refuse(r, EINVAL, "source and destination selectors must be of one family");
    if (m->src.proto != m->dst.proto)
        return pk_refuse(r, EINVAL, "source and destination name different upper-layer protocols");
    if ((rc = pk_addr_in(r, &m->src, &k->src, &sport)) || (rc = pk_addr_in(r, &m->dst, &k->dst, &dport)))
        return rc;
    bool v4 = m->src.addr.sa.sa_family == AF_INET;
    k->family = v4 ? AF_INET : AF_INET6;
    k->splen = (uint8_t)(m->src.prefixlen + (v4 ? 96 : 0));   /* the parser bounded them */
    k->dplen = (uint8_t)(m->dst.prefixlen + (v4 ? 96 : 0));
    k->ulproto = m->src.proto;
    if (!is_icmp(k->ulproto)) {
        k->sport = sport;
        k->dport = dport;
        return 0;
    }
    if (sport > 255 || dport > 255)
        return pk_refuse(r, EINVAL, "ICMP type and code (in the ports) must be below 256");
    k->has_icmp_type = sport != 0;
    k->icmp_type = (uint8_t)sport;
    k->has_icmp_code = dport != 0;
    k->icmp_code = (uint8_t)dport;
    return 0;
}

static int req_in(struct pfkey_req *r, const struct pfkey_ipsecreq *q, struct ipsec_req *out)
{
    uint16_t port;
    int rc;
    memset(out, 0, sizeof *out);
    if (q->proto == PFKEY_PROTO_IPCOMP)
        return pk_refuse(r, EOPNOTSUPP, "IPComp is not supported");
    out->proto = (uint8_t)q->proto;
    out->mode = q->mode;
    out->level = q->level;
    out->reqid = q->reqid;
    if (!q->has_addrs)
        return 0;
    struct pfkey_address a = { .addr = q->src }, b = { .addr = q->dst };
    if ((rc = pk_addr_in(r, &a, &out->tsrc, &port)) || (rc = pk_addr_in(r, &b, &out->tdst, &port)))
        return rc;
    return 0;
}

static int64_t prio_in(uint32_t p)
{
    return (int64_t)p - (int64_t)PFKEY_PRIO_BASE;
}

static uint32_t prio_out(int64_t p)
{
    int64_t v = p + (int64_t)PFKEY_PRIO_BASE;
    return v < 0 ? 0 : v > (int64_t)UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

static int policy_in(struct pfkey_req *r, struct ipsec_sp *sp)
{
    const struct pfkey_policy *pol = &r->m->policy;
    int rc;
    if (!r->m->ext[SADB_X_EXT_POLICY])
        return pk_refuse(r, EINVAL, "the policy extension is required");
    if (pol->scope > 1)
        return pk_refuse(r, EOPNOTSUPP, "interface-scoped policies are not supported");
    sp->dir = pol->dir;
    sp->action = (uint8_t)pol->type;
    sp->priority = prio_in(pol->priority);
    sp->nreq = (unsigned)pol->nreq;
    for (size_t i = 0; i < pol->nreq && i < IPSEC_MAX_REQS; i++)
        if ((rc = req_in(r, &pol->req[i], &sp->req[i])))
            return rc;
    return 0;
}

/* A policy lifetime would need timers the SPD does not have. */
static int no_lifetime(struct pfkey_req *r)
{
    const struct pfkey_lifetime *l = &r->m->lft_hard;
    if (r->m->ext[SADB_EXT_LIFETIME_HARD] && (l->allocations || l->bytes || l->addtime || l->usetime))
        return pk_refuse(r, EOPNOTSUPP, "policy lifetimes are not supported");
    return 0;
}

struct find { const struct ipsec_sp *hit; uint8_t dir; const struct ipsec_sel *sel; uint32_t id; };

static bool same_sel(const struct ipsec_sel *a, const struct ipsec_sel *b)
{
    return a->family == b->family && a->splen == b->splen && a->dplen == b->dplen &&
           in6_eq(&a->src, &b->src) && in6_eq(&a->dst, &b->dst) && a->ulproto == b->ulproto &&
           a->sport == b->sport && a->dport == b->dport && a->has_icmp_type == b->has_icmp_type &&
           a->has_icmp_code == b->has_icmp_code && a->icmp_type == b->icmp_type && a->icmp_code == b->icmp_code;
}

static void find_fn(void *arg, const struct ipsec_sp *sp)
{
    struct find *f = arg;
    if (f->hit)
        return;
    if (f->sel ? sp->dir == f->dir && same_sel(&sp->sel, f->sel) : sp->id == f->id)
        f->hit = sp;
}

static const struct ipsec_sp *find_sp(struct six_stack *st, uint8_t dir, const struct ipsec_sel *sel, uint32_t id)
{
    struct find f = { NULL, dir, sel, id };
    ipsec_sp_foreach(st, find_fn, &f);
    return f.hit;
}

/* ---- policy → extensions ---- */

static void sel_addrs(struct pfkey_builder *b, const struct ipsec_sel *k)
{
    struct pfkey_address a;
    unsigned less = k->family == AF_INET ? 96 : 0;
    bool icmp = is_icmp(k->ulproto) && k->ulproto != IPSEC_ULPROTO_ANY;
    uint16_t sport = icmp ? (k->has_icmp_type ? k->icmp_type : 0) : k->sport;
    uint16_t dport = icmp ? (k->has_icmp_code ? k->icmp_code : 0) : k->dport;
    pk_addr_out(&k->src, k->splen - less, k->ulproto, sport, &a);
    pfkey_add_address(b, SADB_EXT_ADDRESS_SRC, &a);
    pk_addr_out(&k->dst, k->dplen - less, k->ulproto, dport, &a);
    pfkey_add_address(b, SADB_EXT_ADDRESS_DST, &a);
}

static void sockaddr_of(const struct in6_addr *a, union pfkey_sockaddr *out)
{
    struct pfkey_address x;
    pk_addr_out(a, 0, 0, 0, &x);
    *out = x.addr;
}

void pk_policy_ext(struct pfkey_builder *b, const struct ipsec_sp *sp)
{
    struct pfkey_policy pol = { .type = sp->action, .dir = sp->dir, .id = sp->id,
                                .priority = prio_out(sp->priority) };
    pol.nreq = sp->action == IPSEC_ACT_IPSEC ? sp->nreq : 0;
    for (size_t i = 0; i < pol.nreq && i < PFKEY_MAX_REQ; i++) {
        const struct ipsec_req *q = &sp->req[i];
        struct pfkey_ipsecreq *o = &pol.req[i];
        o->proto = q->proto;
        o->mode = q->mode;
        o->level = q->level;
        o->reqid = (uint16_t)(q->reqid > UINT16_MAX ? UINT16_MAX : q->reqid);
        o->has_addrs = q->mode == IPSEC_MODE_TUNNEL || !in6_is_unspecified(&q->tsrc) ||
                       !in6_is_unspecified(&q->tdst);
        if (o->has_addrs) {
            sockaddr_of(&q->tsrc, &o->src);
            sockaddr_of(&q->tdst, &o->dst);
        }
    }
    pfkey_add_policy(b, &pol);
}

/* ---- handlers ---- */

int pk_spdadd(struct pfkey_req *r, bool update)
{
    struct ipsec_sp sp;
    const char *why = "";
    int rc;
    memset(&sp, 0, sizeof sp);
    if ((rc = sel_in(r, &sp.sel)) || (rc = policy_in(r, &sp)) || (rc = no_lifetime(r)))
        return rc;
    /* KAME's SPDUPDATE adds when there is nothing to replace */
    rc = ipsec_sp_add(r->st, &sp, update, &why);
    if (update && rc == -ESRCH)
        rc = ipsec_sp_add(r->st, &sp, false, &why);
    if (rc)
        return pk_refuse(r, -rc, why);
    const struct ipsec_sp *now = find_sp(r->st, sp.dir, &sp.sel, 0);
    if (!now)
        return pk_refuse(r, EIO, "the policy vanished");
    struct pfkey_builder b;
    uint8_t buf[PFKEY_SRV_MSG_MAX];
    pk_reply_begin(r, &b, buf, sizeof buf);
    pk_echo(&b, r->m, PK_EXT(SADB_EXT_ADDRESS_SRC) | PK_EXT(SADB_EXT_ADDRESS_DST));
    pk_policy_ext(&b, now);   /* with the id it got */
    return pk_send(r, &b);
}

int pk_spddelete(struct pfkey_req *r)
{
    struct ipsec_sel k;
    int rc;
    if ((rc = sel_in(r, &k)))
        return rc;
    if (!r->m->ext[SADB_X_EXT_POLICY])
        return pk_refuse(r, EINVAL, "the policy extension (direction) is required");
    if (ipsec_sp_delete(r->st, r->m->policy.dir, &k))
        return pk_refuse(r, ESRCH, "no such policy");
    struct pfkey_builder b;
    uint8_t buf[PFKEY_SRV_MSG_MAX];
    pk_reply_begin(r, &b, buf, sizeof buf);
    pk_echo(&b, r->m, PK_EXT(SADB_EXT_ADDRESS_SRC) | PK_EXT(SADB_EXT_ADDRESS_DST) | PK_EXT(SADB_X_EXT_POLICY));
    return pk_send(r, &b);
}

/* X_SPDGET and X_SPDDELETE2: the policy with sadb_x_policy_id. */
int pk_spd_by_id(struct pfkey_req *r, bool del)
{
    struct pfkey_builder b;
    uint8_t buf[PFKEY_SRV_MSG_MAX];
    if (!r->m->ext[SADB_X_EXT_POLICY])
        return pk_refuse(r, EINVAL, "the policy extension (id) is required");
    const struct ipsec_sp *sp = find_sp(r->st, 0, NULL, r->m->policy.id);
    if (!sp)
        return pk_refuse(r, ENOENT, "no policy with this id");
    pk_reply_begin(r, &b, buf, sizeof buf);
    if (del) {
        struct ipsec_sel k = sp->sel;
        pk_echo(&b, r->m, PK_EXT(SADB_X_EXT_POLICY));
        ipsec_sp_delete(r->st, sp->dir, &k);
    } else {
        sel_addrs(&b, &sp->sel);
        pk_policy_ext(&b, sp);
    }
    return pk_send(r, &b);
}

int pk_spdflush(struct pfkey_req *r)
{
    struct pfkey_builder b;
    uint8_t buf[PFKEY_MSG_LEN];
    ipsec_sp_flush(r->st);
    pk_reply_begin(r, &b, buf, sizeof buf);
    return pk_send(r, &b);
}

struct dump { struct pfkey_req *r; uint32_t left; int rc; };

static void dump_sp(void *arg, const struct ipsec_sp *sp)
{
    struct dump *d = arg;
    if (d->rc || !d->left)
        return;
    struct pfkey_builder b;
    uint8_t buf[PFKEY_SRV_MSG_MAX];
    struct pfkey_hdr h = d->r->m->hdr;
    h.seq = --d->left;   /* counts down to 0, as DUMP */
    h.reserved = 0;
    pfkey_build_init(&b, buf, sizeof buf, &h);
    sel_addrs(&b, &sp->sel);
    pk_policy_ext(&b, sp);
    d->rc = pk_send(d->r, &b);
}

int pk_spddump(struct pfkey_req *r)
{
    struct dump d = { r, ipsec_sp_count(r->st), 0 };
    if (!d.left)
        return pk_refuse(r, ENOENT, "no policies");
    ipsec_sp_foreach(r->st, dump_sp, &d);
    return d.rc;
}

/* ---- ACQUIRE ---- */

size_t pk_build_acquire(struct pfkey_srv *s, const struct ipsec_sp *sp, const struct ipsec_req *req,
                        uint8_t *buf, size_t cap)
{
    struct pfkey_hdr h = { .version = PF_KEY_V2, .type = SADB_ACQUIRE, .satype = pfkey_satype_of_proto(req->proto) };
    struct pfkey_builder b;
    if (++s->acquire_seq == 0)
        s->acquire_seq = 1;
    h.seq = s->acquire_seq;
    pfkey_build_init(&b, buf, cap, &h);
    if (req->mode == IPSEC_MODE_TUNNEL) {
        struct pfkey_address a;
        unsigned full = in6_is_v4mapped(&req->tsrc) ? 32 : 128;
        pk_addr_out(&req->tsrc, full, IPSEC_ULPROTO_ANY, 0, &a);
        pfkey_add_address(&b, SADB_EXT_ADDRESS_SRC, &a);
        pk_addr_out(&req->tdst, full, IPSEC_ULPROTO_ANY, 0, &a);
        pfkey_add_address(&b, SADB_EXT_ADDRESS_DST, &a);
    } else {
        sel_addrs(&b, &sp->sel);   /* the packet's addresses are not passed to us: see pfkey_srv.h */
    }
    struct pfkey_sa2 s2 = { .mode = req->mode, .reqid = req->reqid };
    pfkey_add_sa2(&b, &s2);
    pk_policy_ext(&b, sp);
    pk_add_proposal(&b);
    return pfkey_build_finish(&b);
}
