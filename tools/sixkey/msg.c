/* setkey commands → PF_KEY messages, the way libipsec builds them for
 * setkey(8), so that sixd ends up with what `sixctl ipsec load` of the
 * same file gives (src/ipsec/setkey_apply.c is the model). */
#include <string.h>
#include <arpa/inet.h>
#include "sixkey.h"
#include "ipsec/pfkey_srv.h"

static uint8_t satype_of(enum setkey_satype t)
{
    switch (t) {
    case SETKEY_SA_ESP: case SETKEY_SA_ESP_UDP: return SADB_SATYPE_ESP;
    case SETKEY_SA_AH: return SADB_SATYPE_AH;
    default: return SADB_SATYPE_UNSPEC;
    }
}

static uint8_t type_of(enum setkey_op op)
{
    static const uint8_t t[] = {
        [SETKEY_ADD] = SADB_ADD, [SETKEY_UPDATE] = SADB_UPDATE, [SETKEY_GET] = SADB_GET,
        [SETKEY_DELETE] = SADB_DELETE, [SETKEY_DELETEALL] = SADB_DELETE, [SETKEY_FLUSH] = SADB_FLUSH,
        [SETKEY_DUMP] = SADB_DUMP, [SETKEY_SPDADD] = SADB_X_SPDADD, [SETKEY_SPDUPDATE] = SADB_X_SPDUPDATE,
        [SETKEY_SPDDELETE] = SADB_X_SPDDELETE, [SETKEY_SPDFLUSH] = SADB_X_SPDFLUSH,
        [SETKEY_SPDDUMP] = SADB_X_SPDDUMP,
    };
    return (unsigned)op < sizeof t ? t[op] : 0;
}

static union pfkey_sockaddr sockaddr_of(const struct setkey_addr *a, uint16_t port)
{
    union pfkey_sockaddr u;
    memset(&u, 0, sizeof u);
    if (a->family == AF_INET) {
        u.sin.sin_family = AF_INET;
        u.sin.sin_port = htons(port);
        u.sin.sin_addr = a->u.v4;
    } else {
        u.sin6.sin6_family = AF_INET6;
        u.sin6.sin6_port = htons(port);
        u.sin6.sin6_addr = a->u.v6;
    }
    return u;
}

static void address(struct pfkey_builder *b, unsigned type, const struct setkey_addr *a, unsigned plen,
                    uint8_t proto, uint16_t port)
{
    struct pfkey_address x = { .proto = proto, .prefixlen = (uint8_t)plen, .addr = sockaddr_of(a, port) };
    pfkey_add_address(b, type, &x);
}

/* An SA's end points: hosts, any upper layer, no port (NAT-T ports travel
 * in their own extensions). */
static void sa_addresses(struct pfkey_builder *b, const struct setkey_sa *s)
{
    unsigned full = s->src.family == AF_INET ? 32 : 128;
    address(b, SADB_EXT_ADDRESS_SRC, &s->src, full, IPSEC_ULPROTO_ANY, 0);
    address(b, SADB_EXT_ADDRESS_DST, &s->dst, full, IPSEC_ULPROTO_ANY, 0);
}

static void lifetimes(struct pfkey_builder *b, const struct setkey_sa *s)
{
    struct pfkey_lifetime hard = { 0, s->life_hard_bytes, s->life_hard_sec, 0 };
    struct pfkey_lifetime soft = { 0, s->life_soft_bytes, s->life_soft_sec, 0 };
    if (hard.bytes || hard.addtime)
        pfkey_add_lifetime(b, SADB_EXT_LIFETIME_HARD, &hard);
    if (soft.bytes || soft.addtime)
        pfkey_add_lifetime(b, SADB_EXT_LIFETIME_SOFT, &soft);
}

/* FreeBSD -natt oai[sport] oar[dport], or NetBSD's esp-udp with the ports
 * on the addresses (4500 by default), as setkey_apply.c reads them. */
static void natt(struct pfkey_builder *b, const struct setkey_sa *s)
{
    if (s->proto != SETKEY_SA_ESP_UDP && !s->natt)
        return;
    struct pfkey_natt_type t = { .type = PFKEY_NATT_ESPINUDP };
    struct pfkey_natt_port sp = { .port = s->natt ? s->natt_oai.port : s->src.port ? s->src.port : 4500 };
    struct pfkey_natt_port dp = { .port = s->natt ? s->natt_oar.port : s->dst.port ? s->dst.port : 4500 };
    pfkey_add_natt_type(b, &t);
    pfkey_add_natt_port(b, SADB_X_EXT_NAT_T_SPORT, &sp);
    pfkey_add_natt_port(b, SADB_X_EXT_NAT_T_DPORT, &dp);
    if (s->natt && s->natt_oai.family) {
        unsigned full = s->natt_oai.family == AF_INET ? 32 : 128;
        address(b, SADB_X_EXT_NAT_T_OAI, &s->natt_oai, full, IPSEC_ULPROTO_ANY, 0);
    }
    if (s->natt && s->natt_oar.family) {
        unsigned full = s->natt_oar.family == AF_INET ? 32 : 128;
        address(b, SADB_X_EXT_NAT_T_OAR, &s->natt_oar, full, IPSEC_ULPROTO_ANY, 0);
    }
    if (s->natt_mtu) {
        struct pfkey_natt_frag f = { .fraglen = s->natt_mtu };
        pfkey_add_natt_frag(b, &f);
    }
}

static void sa_add(struct pfkey_builder *b, const struct setkey_sa *s)
{
    /* -r counts bytes of bitmap (KAME); over 255 the packets go in SA_REPLAY */
    struct pfkey_sa x = { .spi = s->spi, .replay = (uint8_t)(s->replay > 255 ? 255 : s->replay),
                          .state = SADB_SASTATE_MATURE, .auth = pfkey_aalg_to_sadb(s->aalg),
                          .encrypt = pfkey_ealg_to_sadb(s->ealg) };
    if (s->esn)
        x.flags |= SADB_X_SAFLAGS_ESN;
    if (s->pad == SETKEY_PAD_ZERO)
        x.flags |= SADB_X_EXT_PZERO;
    else if (s->pad == SETKEY_PAD_RANDOM)
        x.flags |= SADB_X_EXT_PRAND;
    struct pfkey_sa2 s2 = { .mode = (uint8_t)s->mode, .reqid = s->reqid };
    pfkey_add_sa(b, &x);
    pfkey_add_sa2(b, &s2);
    if (s->replay > 255)
        pfkey_add_sa_replay(b, s->replay_packets);
    lifetimes(b, s);
    sa_addresses(b, s);
    if (s->ekey_len)
        pfkey_add_key(b, SADB_EXT_KEY_ENCRYPT, (uint16_t)(s->ekey_len * 8u), 0, s->ekey, s->ekey_len);
    if (s->akey_len)
        pfkey_add_key(b, SADB_EXT_KEY_AUTH, (uint16_t)(s->akey_len * 8u), 0, s->akey, s->akey_len);
    natt(b, s);
}

static bool is_icmp(uint8_t p) { return p == IPPROTO_ICMP || p == IPPROTO_ICMPV6; }

/* Selectors: KAME puts an ICMP type and code where the ports go. */
static void spd_addresses(struct pfkey_builder *b, const struct setkey_spd *s)
{
    uint16_t sport = s->src.port, dport = s->dst.port;
    if (is_icmp(s->ulproto) && s->has_icmp) {
        sport = s->icmp_type;
        dport = s->icmp_code;
    }
    address(b, SADB_EXT_ADDRESS_SRC, &s->src, s->src.prefixlen, s->ulproto, sport);
    address(b, SADB_EXT_ADDRESS_DST, &s->dst, s->dst.prefixlen, s->ulproto, dport);
}

/* The SPD priority setkey_apply.c gives (the parsed value as is, lower
 * first), shifted so that the SPD's 0 is ipsec-tools' PRIORITY_DEFAULT.
 * Note: ipsec-tools itself sends 0x80000000 - N (a larger N, "high",
 * matches earlier); setkey_apply.c keeps N, so "high" matches later.  This
 * follows setkey_apply.c so both ways of loading a file agree. */
static uint32_t priority(const struct setkey_spd *s)
{
    if (!s->has_priority)
        return PFKEY_PRIO_BASE;
    int64_t v = s->priority + (int64_t)PFKEY_PRIO_BASE;
    return v < 0 ? 0 : v > (int64_t)UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

static void policy(struct pfkey_builder *b, const struct setkey_spd *s, bool del)
{
    struct pfkey_policy p;
    memset(&p, 0, sizeof p);
    p.type = del ? IPSEC_ACT_DISCARD : (uint16_t)s->action;
    p.dir = (uint8_t)s->dir;
    p.priority = priority(s);
    p.nreq = del || s->action != IPSEC_ACT_IPSEC ? 0 : s->nreq;
    for (size_t i = 0; i < p.nreq && i < PFKEY_MAX_REQ; i++) {
        const struct setkey_req *r = &s->req[i];
        struct pfkey_ipsecreq *q = &p.req[i];
        q->proto = (uint16_t)r->proto;
        q->mode = (uint8_t)r->mode;
        q->level = (uint8_t)r->level;
        q->reqid = (uint16_t)r->reqid;
        q->has_addrs = r->tsrc.family != 0 && r->tdst.family != 0;
        if (q->has_addrs) {
            q->src = sockaddr_of(&r->tsrc, r->tsrc.port);
            q->dst = sockaddr_of(&r->tdst, r->tdst.port);
        }
    }
    pfkey_add_policy(b, &p);
}

size_t sixkey_build_bare(uint8_t type, uint8_t satype, uint32_t seq, uint32_t pid, uint8_t *buf, size_t cap)
{
    struct pfkey_hdr h = { .version = PF_KEY_V2, .type = type, .satype = satype, .seq = seq, .pid = pid };
    struct pfkey_builder b;
    pfkey_build_init(&b, buf, cap, &h);
    return pfkey_build_finish(&b);
}

size_t sixkey_build(const struct setkey_cmd *c, uint32_t seq, uint32_t pid, uint8_t *buf, size_t cap)
{
    bool sa_cmd = c->op <= SETKEY_DELETEALL;
    uint8_t satype = sa_cmd ? satype_of(c->sa.proto)
                            : c->op == SETKEY_FLUSH || c->op == SETKEY_DUMP ? satype_of(c->satype) : 0;
    struct pfkey_hdr h = { .version = PF_KEY_V2, .type = type_of(c->op), .satype = satype, .seq = seq,
                           .pid = pid };
    struct pfkey_builder b;
    pfkey_build_init(&b, buf, cap, &h);
    switch (c->op) {
    case SETKEY_ADD: case SETKEY_UPDATE:
        sa_add(&b, &c->sa);
        break;
    case SETKEY_GET: case SETKEY_DELETE: {
        struct pfkey_sa x = { .spi = c->sa.spi };
        pfkey_add_sa(&b, &x);
        sa_addresses(&b, &c->sa);
        break;
    }
    case SETKEY_DELETEALL:   /* DELETE without an SA extension (libipsec's delete_all) */
        sa_addresses(&b, &c->sa);
        break;
    case SETKEY_SPDADD: case SETKEY_SPDUPDATE: case SETKEY_SPDDELETE:
        spd_addresses(&b, &c->spd);
        policy(&b, &c->spd, c->op == SETKEY_SPDDELETE);
        break;
    default:   /* flush, dump, spdflush, spddump: the header says it all */
        break;
    }
    return pfkey_build_finish(&b);
}
