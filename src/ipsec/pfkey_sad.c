/* PF_KEY messages about SAs: GETSPI, ADD, UPDATE, DELETE, GET, FLUSH, DUMP,
 * REGISTER, and the SA part of EXPIRE.  Each handler checks the whole
 * message before it calls the SAD once. */
#include <errno.h>
#include <string.h>
#include <time.h>
#include "ipsec/pfkey_srv_priv.h"
#include "ipsec/sad_larval.h"
#include "net/stack.h"
#include "wire/ip6.h"

#define FLAGS_OK (SADB_X_SAFLAGS_ESN | SADB_X_EXT_CYCSEQ | SADB_X_EXT_PRAND | SADB_X_EXT_PZERO)
#define NS 1000000000ull

static size_t align8(size_t n) { return (n + PFKEY_UNIT - 1) & ~(size_t)(PFKEY_UNIT - 1); }

static int proto_of(struct pfkey_req *r, uint8_t *proto)
{
    uint8_t t = r->m->hdr.satype;
    if (t != SADB_SATYPE_ESP && t != SADB_SATYPE_AH)
        return pk_refuse(r, EINVAL, "satype must be esp or ah");
    *proto = t == SADB_SATYPE_ESP ? IPSEC_PROTO_ESP : IPSEC_PROTO_AH;
    return 0;
}

static bool host_prefix(const struct pfkey_address *a)
{
    unsigned full = a->addr.sa.sa_family == AF_INET ? 32 : 128;
    return a->prefixlen == 0 || a->prefixlen == full;
}

/* The SA's source and destination: both present, one family, hosts. */
static int endpoints(struct pfkey_req *r, struct in6_addr *src, struct in6_addr *dst)
{
    const struct pfkey_msg *m = r->m;
    uint16_t port;
    if (!m->ext[SADB_EXT_ADDRESS_SRC] || !m->ext[SADB_EXT_ADDRESS_DST])
        return pk_refuse(r, EINVAL, "source and destination address extensions are required");
    if (m->src.addr.sa.sa_family != m->dst.addr.sa.sa_family)
        return pk_refuse(r, EINVAL, "source and destination of an SA must be of one family");
    if (!host_prefix(&m->src) || !host_prefix(&m->dst))
        return pk_refuse(r, EINVAL, "an SA's addresses take no prefix length");
    int rc = pk_addr_in(r, &m->src, src, &port);
    return rc ? rc : pk_addr_in(r, &m->dst, dst, &port);
}

static int need_sa(struct pfkey_req *r)
{
    return r->m->ext[SADB_EXT_SA] ? 0 : pk_refuse(r, EINVAL, "the SA extension is required");
}

/* A key extension: whole bytes, and exactly as long as the key padded to 8
 * (a longer extension would hide what the sender meant). */
static int key_of(struct pfkey_req *r, unsigned type, const uint8_t **key, size_t *len)
{
    *key = NULL;
    *len = 0;
    if (!r->m->ext[type])
        return 0;
    const struct pfkey_key *k = pfkey_msg_key(r->m, type);
    size_t n = k->bits / 8u;
    if (k->bits % 8u)
        return pk_refuse(r, EINVAL, "key length is not a whole number of bytes");
    if (r->m->ext_len[type] != align8(8 + n))
        return pk_refuse(r, EINVAL, "key extension longer than its sadb_key_bits say");
    if (n > IPSEC_SA_KEY_MAX)
        return pk_refuse(r, EINVAL, "key too long");
    *key = n ? k->data : NULL;
    *len = n;
    return 0;
}

static bool combined(enum ipsec_ealg e)
{
    return e == IPSEC_EALG_AES_GCM16 || e == IPSEC_EALG_AES_GMAC || e == IPSEC_EALG_CHACHA20_POLY1305;
}

static int algorithms(struct pfkey_req *r, struct ipsec_sa_params *p)
{
    const struct pfkey_sa *sa = &r->m->sa;
    if (!pfkey_ealg_from_sadb(sa->encrypt, &p->ealg))
        return pk_refuse(r, EINVAL, "unsupported encryption algorithm");
    if (combined(p->ealg)) {
        p->aalg = IPSEC_AALG_NONE;
        if (!pfkey_auth_implied(p->ealg, sa->auth, p->ekeylen))
            return pk_refuse(r, EINVAL, "an AEAD cipher takes no separate integrity algorithm");
        return 0;
    }
    if (!pfkey_aalg_from_sadb(sa->auth, &p->aalg))
        return pk_refuse(r, EINVAL, "unsupported integrity algorithm");
    return 0;
}

static int sa_flags(struct pfkey_req *r, struct ipsec_sa_params *p)
{
    uint32_t f = r->m->sa.flags;
    if (f & SADB_X_EXT_OLD)
        return pk_refuse(r, EINVAL, "old-format (RFC 1827) SAs are not supported");
    if (f & ~(uint32_t)FLAGS_OK)
        return pk_refuse(r, EINVAL, "unsupported SA flags");
    p->esn = (f & SADB_X_SAFLAGS_ESN) != 0;
    return 0;
}

/* sadb_sa_replay counts bytes of bitmap (KAME); the SA_REPLAY extension
 * counts packets and is how a window over 255 bytes is asked for. */
static int replay(struct pfkey_req *r, struct ipsec_sa_params *p)
{
    if (r->m->ext[SADB_X_EXT_SA_REPLAY]) {
        if (r->m->sa_replay > REPLAY_WINDOW_MAX)
            return pk_refuse(r, EINVAL, "replay window over 65536 packets");
        p->replay = r->m->sa_replay;
    } else {
        p->replay = (uint32_t)r->m->sa.replay * 8u;
    }
    return 0;
}

static int natt(struct pfkey_req *r, struct ipsec_sa_params *p)
{
    const struct pfkey_msg *m = r->m;
    bool t = m->ext[SADB_X_EXT_NAT_T_TYPE], sp = m->ext[SADB_X_EXT_NAT_T_SPORT];
    bool dp = m->ext[SADB_X_EXT_NAT_T_DPORT];
    if (!t && !sp && !dp)
        return 0;
    if (!t || !sp || !dp)
        return pk_refuse(r, EINVAL, "NAT-T needs its type, source port and destination port");
    if (m->natt_type.type != PFKEY_NATT_ESPINUDP)
        return pk_refuse(r, EINVAL, "NAT-T type must be 2 (ESP in UDP)");
    if (!m->natt_sport.port || !m->natt_dport.port)
        return pk_refuse(r, EINVAL, "NAT-T port 0");
    p->natt = true;
    p->natt_sport = m->natt_sport.port;
    p->natt_dport = m->natt_dport.port;
    return 0;
}

static int sa2(struct pfkey_req *r, uint8_t *mode, uint32_t *reqid)
{
    *mode = IPSEC_MODE_ANY;
    *reqid = 0;
    if (!r->m->ext[SADB_X_EXT_SA2])
        return 0;
    if (r->m->sa2.mode > IPSEC_MODE_TUNNEL)
        return pk_refuse(r, EINVAL, "mode must be any, transport or tunnel");
    *mode = r->m->sa2.mode;
    *reqid = r->m->sa2.reqid;
    return 0;
}

static void lifetime_in(const struct pfkey_lifetime *l, struct ipsec_lifetime *out)
{
    out->packets = l->allocations;
    out->bytes = l->bytes;
    out->add_s = l->addtime;
    out->use_s = l->usetime;
}

static int params_of(struct pfkey_req *r, struct ipsec_sa_params *p)
{
    const struct pfkey_msg *m = r->m;
    int rc;
    memset(p, 0, sizeof *p);
    if ((rc = proto_of(r, &p->proto)) || (rc = need_sa(r)) || (rc = endpoints(r, &p->src, &p->dst)) ||
        (rc = sa2(r, &p->mode, &p->reqid)) || (rc = sa_flags(r, p)) || (rc = replay(r, p)) ||
        (rc = natt(r, p)) || (rc = key_of(r, SADB_EXT_KEY_ENCRYPT, &p->ekey, &p->ekeylen)) ||
        (rc = key_of(r, SADB_EXT_KEY_AUTH, &p->akey, &p->akeylen)) || (rc = algorithms(r, p)))
        return rc;
    p->spi = m->sa.spi;
    if (m->ext[SADB_EXT_LIFETIME_HARD])
        lifetime_in(&m->lft_hard, &p->hard);
    if (m->ext[SADB_EXT_LIFETIME_SOFT])
        lifetime_in(&m->lft_soft, &p->soft);
    return 0;
}

/* ---- SA → extensions ---- */

static uint8_t sa_state(uint8_t s)
{
    switch (s) {
    case IPSEC_SA_LARVAL: return SADB_SASTATE_LARVAL;
    case IPSEC_SA_MATURE: return SADB_SASTATE_MATURE;
    case IPSEC_SA_DYING: return SADB_SASTATE_DYING;
    default: return SADB_SASTATE_DEAD;
    }
}

static uint32_t clamp32(uint64_t v) { return v > UINT32_MAX ? UINT32_MAX : (uint32_t)v; }

static void lifetime_out(struct pfkey_builder *b, unsigned type, const struct ipsec_lifetime *l)
{
    struct pfkey_lifetime x = { clamp32(l->packets), l->bytes, l->add_s, l->use_s };
    if (l->packets || l->bytes || l->add_s || l->use_s)
        pfkey_add_lifetime(b, type, &x);
}

/* CURRENT: counters, and the times as wall-clock seconds (KAME's). */
static void lifetime_current(struct pfkey_builder *b, struct six_stack *st, const struct ipsec_sa *sa)
{
    uint64_t now = six_now(st), wall = (uint64_t)time(NULL);
    uint64_t age = (now - sa->add_ns) / NS;
    struct pfkey_lifetime c = { clamp32(sa->cur_packets), sa->cur_bytes, wall > age ? wall - age : 0, 0 };
    if (sa->use_ns) {
        uint64_t idle = (now - sa->use_ns) / NS;
        c.usetime = wall > idle ? wall - idle : 0;
    }
    pfkey_add_lifetime(b, SADB_EXT_LIFETIME_CURRENT, &c);
}

static void sa_ext(struct pfkey_builder *b, const struct ipsec_sa *sa)
{
    uint32_t bytes = sa->replay.size / 8u;
    struct pfkey_sa x = { .spi = sa->spi, .replay = (uint8_t)(bytes > 255 ? 255 : bytes),
                          .state = sa_state(sa->state), .auth = pfkey_aalg_to_sadb(sa->x.aalg),
                          .encrypt = pfkey_ealg_to_sadb(sa->x.ealg),
                          .flags = sa->esn ? SADB_X_SAFLAGS_ESN : 0 };
    struct pfkey_sa2 s2 = { .mode = sa->mode, .reqid = sa->reqid };
    pfkey_add_sa(b, &x);
    pfkey_add_sa2(b, &s2);
    if (bytes > 255)
        pfkey_add_sa_replay(b, sa->replay.size);
}

static void addrs_natt(struct pfkey_builder *b, const struct ipsec_sa *sa)
{
    struct pfkey_address a;
    unsigned full = sa->v4 ? 32 : 128;
    pk_addr_out(&sa->src, full, IPSEC_ULPROTO_ANY, 0, &a);
    pfkey_add_address(b, SADB_EXT_ADDRESS_SRC, &a);
    pk_addr_out(&sa->dst, full, IPSEC_ULPROTO_ANY, 0, &a);
    pfkey_add_address(b, SADB_EXT_ADDRESS_DST, &a);
    if (sa->natt) {
        struct pfkey_natt_type t = { .type = PFKEY_NATT_ESPINUDP };
        struct pfkey_natt_port sp = { .port = sa->natt_sport }, dp = { .port = sa->natt_dport };
        pfkey_add_natt_type(b, &t);
        pfkey_add_natt_port(b, SADB_X_EXT_NAT_T_SPORT, &sp);
        pfkey_add_natt_port(b, SADB_X_EXT_NAT_T_DPORT, &dp);
    }
}

static void keys(struct pfkey_builder *b, const struct ipsec_sa *sa)
{
    if (sa->akeylen)
        pfkey_add_key(b, SADB_EXT_KEY_AUTH, (uint16_t)(sa->akeylen * 8u), 0, sa->akey, sa->akeylen);
    if (sa->ekeylen)
        pfkey_add_key(b, SADB_EXT_KEY_ENCRYPT, (uint16_t)(sa->ekeylen * 8u), 0, sa->ekey, sa->ekeylen);
}

/* Everything GET and DUMP say about an SA. */
static void sa_full(struct pfkey_builder *b, struct six_stack *st, const struct ipsec_sa *sa)
{
    sa_ext(b, sa);
    lifetime_current(b, st, sa);
    lifetime_out(b, SADB_EXT_LIFETIME_HARD, &sa->hard);
    lifetime_out(b, SADB_EXT_LIFETIME_SOFT, &sa->soft);
    addrs_natt(b, sa);
    keys(b, sa);
}

size_t pk_build_expire(struct pfkey_srv *s, const struct ipsec_sa *sa, bool hard, uint8_t *buf, size_t cap)
{
    struct pfkey_hdr h = { .version = PF_KEY_V2, .type = SADB_EXPIRE, .satype = pfkey_satype_of_proto(sa->proto) };
    struct pfkey_builder b;
    pfkey_build_init(&b, buf, cap, &h);
    sa_ext(&b, sa);
    lifetime_current(&b, s->st, sa);
    if (hard) {
        struct pfkey_lifetime l = { clamp32(sa->hard.packets), sa->hard.bytes, sa->hard.add_s, sa->hard.use_s };
        pfkey_add_lifetime(&b, SADB_EXT_LIFETIME_HARD, &l);
    } else {
        struct pfkey_lifetime l = { clamp32(sa->soft.packets), sa->soft.bytes, sa->soft.add_s, sa->soft.use_s };
        pfkey_add_lifetime(&b, SADB_EXT_LIFETIME_SOFT, &l);
    }
    addrs_natt(&b, sa);
    return pfkey_build_finish(&b);
}

/* ---- handlers ---- */

int pk_add(struct pfkey_req *r, bool update)
{
    struct ipsec_sa_params p;
    struct pfkey_builder b;
    uint8_t buf[PFKEY_SRV_MSG_MAX];
    const char *why = "";
    int rc = params_of(r, &p);
    if (rc)
        return rc;
    const struct ipsec_sa *old = ipsec_sa_find(r->st, p.proto, &p.dst, p.spi);
    if (update && old && !in6_eq(&old->src, &p.src))
        return pk_refuse(r, EINVAL, "the SA to update has another source address");
    /* FreeBSD's key_updatelifetimes(): an UPDATE without lifetimes keeps them */
    p.keep_lifetimes = update && !r->m->ext[SADB_EXT_LIFETIME_HARD] && !r->m->ext[SADB_EXT_LIFETIME_SOFT];
    /* nor does one without NAT-T extensions undo NAT-T; following a peer is
     * sixstack's own setting, which PF_KEY has no way to change */
    p.keep_natt = update && !p.natt;
    p.keep_natt_follow = update;
    if ((rc = ipsec_sa_add(r->st, &p, update, &why)))
        return pk_refuse(r, -rc, why);
    /* RFC 2367 §3.1.2/3: the message comes back without its keys */
    pk_reply_begin(r, &b, buf, sizeof buf);
    pk_echo(&b, r->m, ~(PK_EXT(SADB_EXT_KEY_AUTH) | PK_EXT(SADB_EXT_KEY_ENCRYPT)));
    return pk_send(r, &b);
}

int pk_getspi(struct pfkey_req *r)
{
    struct in6_addr src, dst;
    uint8_t proto = 0, mode = 0;
    uint32_t reqid = 0, spi = 0, lo = PFKEY_SPI_MIN_DEF, hi = PFKEY_SPI_MAX_DEF;
    const char *why = "";
    int rc;
    if ((rc = proto_of(r, &proto)) || (rc = endpoints(r, &src, &dst)) || (rc = sa2(r, &mode, &reqid)))
        return rc;
    if (r->m->ext[SADB_EXT_SPIRANGE]) {
        lo = r->m->spirange.min;
        hi = r->m->spirange.max;
        if (r->m->spirange.reserved)
            return pk_refuse(r, EINVAL, "sadb_spirange_reserved not zero");
    }
    if ((rc = ipsec_sa_add_larval(r->st, proto, mode, &src, &dst, reqid, lo, hi, &spi, &why)))
        return pk_refuse(r, -rc, why);
    pk_larval_arm(r->s);
    struct pfkey_builder b;
    uint8_t buf[PFKEY_SRV_MSG_MAX];
    struct pfkey_sa x = { .spi = spi, .state = SADB_SASTATE_LARVAL };
    pk_reply_begin(r, &b, buf, sizeof buf);
    pfkey_add_sa(&b, &x);
    pk_echo(&b, r->m, PK_EXT(SADB_EXT_ADDRESS_SRC) | PK_EXT(SADB_EXT_ADDRESS_DST) | PK_EXT(SADB_X_EXT_SA2));
    return pk_send(r, &b);
}

/* The SA named by the message (SA extension, source, destination). */
static int find_named(struct pfkey_req *r, uint8_t *proto, struct ipsec_sa **out)
{
    struct in6_addr src, dst;
    int rc;
    if ((rc = proto_of(r, proto)) || (rc = need_sa(r)) || (rc = endpoints(r, &src, &dst)))
        return rc;
    *out = ipsec_sa_find(r->st, *proto, &dst, r->m->sa.spi);
    if (!*out || !in6_eq(&(*out)->src, &src))
        return pk_refuse(r, ESRCH, "no such SA");
    return 0;
}

int pk_delete(struct pfkey_req *r)
{
    struct pfkey_builder b;
    uint8_t buf[PFKEY_SRV_MSG_MAX], proto = 0;
    int rc;
    if (!r->m->ext[SADB_EXT_SA]) {   /* setkey's deleteall */
        struct in6_addr src, dst;
        if ((rc = proto_of(r, &proto)) || (rc = endpoints(r, &src, &dst)))
            return rc;
        ipsec_sa_delete_all(r->st, proto, &src, &dst);
    } else {
        struct ipsec_sa *sa;
        if ((rc = find_named(r, &proto, &sa)))
            return rc;
        ipsec_sa_delete(r->st, proto, &sa->src, &sa->dst, sa->spi);
    }
    pk_reply_begin(r, &b, buf, sizeof buf);
    pk_echo(&b, r->m, PK_EXT(SADB_EXT_SA) | PK_EXT(SADB_EXT_ADDRESS_SRC) | PK_EXT(SADB_EXT_ADDRESS_DST));
    return pk_send(r, &b);
}

int pk_get(struct pfkey_req *r)
{
    struct pfkey_builder b;
    uint8_t buf[PFKEY_SRV_MSG_MAX], proto = 0;
    struct ipsec_sa *sa = NULL;
    int rc = find_named(r, &proto, &sa);
    if (rc)
        return rc;
    pk_reply_begin(r, &b, buf, sizeof buf);
    sa_full(&b, r->st, sa);
    return pk_send(r, &b);
}

static int satype_filter(struct pfkey_req *r, uint8_t *proto)
{
    uint8_t t = r->m->hdr.satype;
    *proto = 0;
    if (t == SADB_SATYPE_UNSPEC)
        return 0;
    return proto_of(r, proto);
}

int pk_flush(struct pfkey_req *r)
{
    struct pfkey_builder b;
    uint8_t buf[PFKEY_MSG_LEN], proto;
    int rc = satype_filter(r, &proto);
    if (rc)
        return rc;
    ipsec_sa_flush(r->st, proto);
    pk_reply_begin(r, &b, buf, sizeof buf);
    return pk_send(r, &b);
}

struct dump { struct pfkey_req *r; uint8_t proto; uint32_t left; int rc; };

static void count_sa(void *arg, const struct ipsec_sa *sa)
{
    struct dump *d = arg;
    if (!d->proto || sa->proto == d->proto)
        d->left++;
}

static void dump_sa(void *arg, const struct ipsec_sa *sa)
{
    struct dump *d = arg;
    if ((d->proto && sa->proto != d->proto) || d->rc || !d->left)
        return;
    struct pfkey_builder b;
    uint8_t buf[PFKEY_SRV_MSG_MAX];
    struct pfkey_hdr h = d->r->m->hdr;
    h.satype = pfkey_satype_of_proto(sa->proto);
    h.seq = --d->left;   /* RFC 2367 §3.1.10: the last one carries 0 */
    h.reserved = 0;
    pfkey_build_init(&b, buf, sizeof buf, &h);
    sa_full(&b, d->r->st, sa);
    d->rc = pk_send(d->r, &b);
}

int pk_dump(struct pfkey_req *r)
{
    struct dump d = { .r = r };
    int rc = satype_filter(r, &d.proto);
    if (rc)
        return rc;
    ipsec_sa_foreach(r->st, count_sa, &d);
    if (!d.left)
        return pk_refuse(r, ENOENT, "no SAs");
    ipsec_sa_foreach(r->st, dump_sa, &d);
    return d.rc;
}

int pk_register(struct pfkey_req *r)
{
    struct pfkey_builder b;
    uint8_t buf[PFKEY_SRV_MSG_MAX];
    uint8_t t = r->m->hdr.satype;
    if (t != SADB_SATYPE_ESP && t != SADB_SATYPE_AH)
        return pk_refuse(r, EINVAL, "REGISTER needs satype esp or ah");
    if (pk_register_hook(r->s))
        return pk_refuse(r, ENOMEM, "out of memory");
    pk_reply_begin(r, &b, buf, sizeof buf);
    pk_add_supported(&b);
    int rc = pk_send(r, &b);
    if (!rc)
        r->cl->registered |= 1u << t;
    return rc;
}
