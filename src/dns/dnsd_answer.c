/* One query in, one answer out: the message is walked whole with the
 * hardened iterator (wire/dns.h, RFC 9267), then answered from the zone.
 *
 * Refusals, each its own counter: a header that does not parse
 * (dnsd.drop_<reason>: no answer); QR set (drop_response: never answer an
 * answer, no loops); another opcode (drop_not_query: NOTIMP); a message the
 * iterator refuses (drop_<reason>) or not exactly one question
 * (drop_qdcount): FORMERR, header only, never longer than the query.
 *
 * Answers: AA in our zones, RD and CD copied, RA clear; the question echoed
 * as sent (letter case kept, 0x20 resolvers check it); owner names point at
 * it. NXDOMAIN and NODATA carry the zone's SOA (RFC 2308). EDNS0: our OPT
 * (DNSD_EDNS_SIZE, DO copied) when the query had one; version > 0 gets
 * BADVERS. Over UDP the answer is at most the client's size (512 without
 * EDNS); when it does not fit: TC with the question (and OPT) only. */
#include <string.h>
#include "dns/dnsd_int.h"
#include "net/stack.h"

#define DNS_TYPE_TKEY 249
#define DNS_TYPE_IXFR 251
#define DNS_TYPE_AXFR 252
#define DNS_TYPE_MAILB 253
#define DNS_TYPE_MAILA 254
#define SOA_REFRESH 3600
#define SOA_RETRY 600
#define SOA_EXPIRE 86400
#define MAX_RRS 4

/* The query as far as the answer needs it (also what a pending one keeps). */
struct qctx {
    uint16_t id, flags;
    const uint8_t *qname;
    size_t qname_len;
    uint16_t qtype, qclass;
    bool edns, do_bit, badvers;
    uint16_t udp_size;
    bool tcp;
};

enum rr_kind { RK_SOA, RK_NS, RK_AAAA, RK_A, RK_PTR };
struct rr_out {
    enum rr_kind kind;
    const uint8_t *owner;   /* NULL: the question name */
    size_t owner_len;
    uint32_t ttl;
    struct in6_addr v6;
    struct in_addr a4;
    const uint8_t *target;  /* PTR */
    size_t target_len;
};

struct outcome {
    int rcode;              /* may be extended (BADVERS) */
    bool aa;
    unsigned zone;          /* SOA/NS of this zone */
    struct rr_out an[MAX_RRS], ad[MAX_RRS];
    unsigned n_an, n_ad;
    bool soa_auth;          /* negative answer: the SOA in authority */
};

/* ------------------------------------------------------------ counters */

static void count_reason(struct six_stack *st, enum dns_reason r)
{
    static const enum six_ctr map[DNS__MAX] = {
        [DNS_TRUNCATED] = CTR_dnsd_drop_truncated, [DNS_MSG_TOO_LONG] = CTR_dnsd_drop_msg_too_long,
        [DNS_LABEL_TOO_LONG] = CTR_dnsd_drop_label_too_long, [DNS_NAME_TOO_LONG] = CTR_dnsd_drop_name_too_long,
        [DNS_COMPRESSION_LOOP] = CTR_dnsd_drop_compression_loop, [DNS_POINTER_FORWARD] = CTR_dnsd_drop_pointer_forward,
        [DNS_POINTER_BEYOND] = CTR_dnsd_drop_pointer_beyond, [DNS_POINTER_INTO_HEADER] = CTR_dnsd_drop_pointer_into_header,
        [DNS_TOO_MANY_POINTERS] = CTR_dnsd_drop_too_many_pointers, [DNS_BAD_COUNT] = CTR_dnsd_drop_bad_count,
        [DNS_RDATA_OVERRUN] = CTR_dnsd_drop_rdata_overrun, [DNS_BAD_RDLEN] = CTR_dnsd_drop_bad_rdlen,
        [DNS_BAD_OPT] = CTR_dnsd_drop_bad_opt, [DNS_TRAILING_DATA] = CTR_dnsd_drop_trailing_data,
        [DNS_WRONG_TYPE] = CTR_dnsd_drop_wrong_type, [DNS_EMPTY_LABEL] = CTR_dnsd_drop_empty_label,
        [DNS_BAD_ESCAPE] = CTR_dnsd_drop_bad_escape, [DNS_NOT_RESPONSE] = CTR_dnsd_drop_not_response,
        [DNS_BAD_OPCODE] = CTR_dnsd_drop_bad_opcode, [DNS_ID_MISMATCH] = CTR_dnsd_drop_id_mismatch,
        [DNS_QUESTION_MISMATCH] = CTR_dnsd_drop_question_mismatch, [DNS_BAD_TSIG] = CTR_dnsd_drop_bad_tsig,
    };
    enum six_ctr c = (unsigned)r < DNS__MAX && r != DNS_OK && map[r] ? map[r] : CTR_dnsd_drop_malformed;
    st->ctr.v[c]++;
}

/* ------------------------------------------------------------ building */

static size_t udp_limit(const struct qctx *q)
{
    if (q->tcp)
        return DNSD_TCP_ANSWER_MAX;
    if (!q->edns)
        return 512;
    uint16_t u = q->udp_size < 512 ? 512 : q->udp_size;
    return u > DNSD_EDNS_SIZE ? DNSD_EDNS_SIZE : u;
}

static void put_rr(struct dnsd *s, struct dns_builder *b, const struct qctx *q, const struct outcome *o,
                   const struct rr_out *r)
{
    const uint8_t *own = r->owner ? r->owner : q->qname;
    size_t ol = r->owner ? r->owner_len : q->qname_len;
    unsigned z = o->zone, zn = z < DNSD_MAX_ZONES ? z : 0;
    switch (r->kind) {
    case RK_SOA:
        dns_build_soa(b, s->zones[z].apex, s->zones[z].apex_len, s->cfg.ttl, s->ns[zn], s->ns_len[zn],
                      s->rname[zn], s->rname_len[zn], s->serial, SOA_REFRESH, SOA_RETRY, SOA_EXPIRE, s->cfg.ttl);
        break;
    case RK_NS:
        dns_build_rr_name(b, s->zones[z].apex, s->zones[z].apex_len, DNS_TYPE_NS, s->cfg.ttl, s->ns[zn],
                          s->ns_len[zn]);
        break;
    case RK_AAAA:
        dns_build_rr(b, own, ol, DNS_TYPE_AAAA, DNS_CLASS_IN, r->ttl, &r->v6, 16);
        break;
    case RK_A:
        dns_build_rr(b, own, ol, DNS_TYPE_A, DNS_CLASS_IN, r->ttl, &r->a4, 4);
        break;
    case RK_PTR:
        dns_build_rr_name(b, own, ol, DNS_TYPE_PTR, r->ttl, r->target, r->target_len);
        break;
    }
}

static uint16_t answer_flags(const struct qctx *q, const struct outcome *o)
{
    uint16_t f = DNS_FLAG_QR | (q->flags & (DNS_FLAG_RD | DNS_FLAG_CD)) | (uint16_t)(o->rcode & 0xf);
    return o->aa ? f | DNS_FLAG_AA : f;
}

static void put_opt(struct dns_builder *b, const struct qctx *q, const struct outcome *o)
{
    if (q->edns)
        dns_build_opt(b, DNSD_EDNS_SIZE, (uint8_t)(o->rcode >> 4), q->do_bit);
}

static size_t emit(struct dnsd *s, const struct qctx *q, const struct outcome *o)
{
    struct dns_builder b;
    size_t cap = udp_limit(q);
    dns_build_init(&b, s->out, cap, q->id, answer_flags(q, o));
    dns_build_question(&b, q->qname, q->qname_len, q->qtype, q->qclass);
    dns_build_section(&b, DNS_SEC_ANSWER);
    for (unsigned i = 0; i < o->n_an; i++)
        put_rr(s, &b, q, o, &o->an[i]);
    if (o->soa_auth) {
        dns_build_section(&b, DNS_SEC_AUTHORITY);
        struct rr_out soa = { .kind = RK_SOA };
        put_rr(s, &b, q, o, &soa);
    }
    if (o->n_ad || q->edns)
        dns_build_section(&b, DNS_SEC_ADDITIONAL);
    for (unsigned i = 0; i < o->n_ad; i++)
        put_rr(s, &b, q, o, &o->ad[i]);
    put_opt(&b, q, o);
    size_t n = dns_build_done(&b);
    if (n)
        return n;
    /* it does not fit: TC, the question (and our OPT) only (RFC 2181 §9) */
    CTR_INC(s->st, dnsd, truncated);
    dns_build_init(&b, s->out, cap, q->id, answer_flags(q, o) | DNS_FLAG_TC);
    dns_build_question(&b, q->qname, q->qname_len, q->qtype, q->qclass);
    if (q->edns)
        dns_build_section(&b, DNS_SEC_ADDITIONAL);
    put_opt(&b, q, o);
    return dns_build_done(&b);
}

/* A header-only answer (FORMERR, NOTIMP): 12 octets, never more than came. */
static size_t emit_bare(struct dnsd *s, const struct dns_header *h, int rcode)
{
    struct dns_builder b;
    uint16_t f = DNS_FLAG_QR | (uint16_t)(h->flags & (0x7800 | DNS_FLAG_RD | DNS_FLAG_CD)) | (uint16_t)rcode;
    dns_build_init(&b, s->out, DNS_HDR_LEN, h->id, f);
    return dns_build_done(&b);
}

/* ------------------------------------------------------------ the zone's answers */

/* NXDOMAIN, or NODATA (NOERROR, no answer): the SOA in authority (RFC 2308). */
static void negative(struct outcome *o, int rcode)
{
    o->rcode = rcode;
    o->soa_auth = true;
}

static void add_an(struct outcome *o, struct rr_out r)
{
    if (o->n_an < MAX_RRS)
        o->an[o->n_an++] = r;
}

/* SOA, NS (+ the NS's AAAA when it is one of our hosts) at a zone's apex. */
static void apex_records(struct dnsd *s, const struct qctx *q, struct outcome *o, unsigned z)
{
    if (q->qtype == DNS_TYPE_SOA || q->qtype == DNS_TYPE_ANY)
        add_an(o, (struct rr_out){ .kind = RK_SOA });
    if (q->qtype == DNS_TYPE_NS || q->qtype == DNS_TYPE_ANY) {
        add_an(o, (struct rr_out){ .kind = RK_NS });
        unsigned zn = z < DNSD_MAX_ZONES ? z : 0;
        uint32_t g = dnsd_node_by_name(s, s->ns[zn], s->ns_len[zn]);
        if (g != DNSD_NO_HOST && s->nodes[g].host && o->n_ad < MAX_RRS)
            o->ad[o->n_ad++] = (struct rr_out){ .kind = RK_AAAA, .owner = s->nodes[g].name,
                                                .owner_len = s->nodes[g].name_len, .ttl = s->cfg.ttl,
                                                .v6 = s->nodes[g].v6 };
    }
}

static struct rr_out ptr_to(const struct dnsd *s, uint32_t host, uint32_t ttl)
{
    return (struct rr_out){ .kind = RK_PTR, .ttl = ttl, .target = s->nodes[host].name,
                            .target_len = s->nodes[host].name_len };
}

/* 32 nibble labels below ip6.arpa → the address; -1 not nibbles (NXDOMAIN),
 * else the number of nibbles read (< 32: a name on the way down). */
static int nibbles_v6(const uint8_t *name, size_t len, size_t apex_len, struct in6_addr *a)
{
    int n = 0;
    memset(a, 0, sizeof *a);
    for (size_t off = 0; len - off > apex_len; off += 1u + name[off], n++) {
        if (name[off] != 1 || n >= 32)
            return -1;
        uint8_t c = name[off + 1];
        int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
                : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
        if (v < 0)
            return -1;
        /* the first label is the last nibble */
        unsigned pos = 31 - (unsigned)n;
        a->s6_addr[pos / 2] |= (uint8_t)(pos % 2 ? v : v << 4);
    }
    return n;
}

/* Up to 4 decimal labels (0..255, no leading zero) below in-addr.arpa. */
static int octets_v4(const uint8_t *name, size_t len, size_t apex_len, struct in_addr *a)
{
    int n = 0;
    uint8_t o[4] = { 0 };
    for (size_t off = 0; len - off > apex_len; off += 1u + name[off], n++) {
        unsigned l = name[off], v = 0;
        if (n >= 4 || l < 1 || l > 3 || (l > 1 && name[off + 1] == '0'))
            return -1;
        for (unsigned i = 1; i <= l; i++) {
            if (name[off + i] < '0' || name[off + i] > '9')
                return -1;
            v = v * 10 + (unsigned)(name[off + i] - '0');
        }
        if (v > 255)
            return -1;
        o[3 - n] = (uint8_t)v;   /* the first label is the last octet */
    }
    memcpy(&a->s_addr, o, 4);
    return n;
}

static void answer_rev6(struct dnsd *s, const struct qctx *q, struct outcome *o)
{
    struct in6_addr a;
    int n = nibbles_v6(q->qname, q->qname_len, s->zones[DNSD_ZONE_REV6].apex_len, &a);
    uint32_t h;
    if (n < 0 || (n == 32 && (h = dnsd_host_by_v6(s, &a)) == DNSD_NO_HOST)) {
        negative(o, DNS_RCODE_NXDOMAIN);
    } else if (n == 32 && (q->qtype == DNS_TYPE_PTR || q->qtype == DNS_TYPE_ANY)) {
        add_an(o, ptr_to(s, h, s->cfg.ttl));
    } else {
        /* a name on the way down to our hosts' addresses: NODATA, never
         * NXDOMAIN (RFC 8020 would cut a QNAME-minimising resolver off) */
        negative(o, DNS_RCODE_NOERROR);
    }
}

static void answer_rev4(struct dnsd *s, const struct qctx *q, struct outcome *o)
{
    struct in_addr a;
    struct in6_addr v6;
    uint32_t ttl = s->cfg.ttl, h = DNSD_NO_HOST;
    int n = octets_v4(q->qname, q->qname_len, s->zones[DNSD_ZONE_REV4].apex_len, &a);
    if (n == 4 && s->has_prov && s->prov.lookup_ptr4 && s->prov.lookup_ptr4(s->prov.ctx, a, &v6, &ttl))
        h = dnsd_host_by_v6(s, &v6);
    if (n < 0 || (n == 4 && h == DNSD_NO_HOST))
        negative(o, DNS_RCODE_NXDOMAIN);
    else if (n == 4 && (q->qtype == DNS_TYPE_PTR || q->qtype == DNS_TYPE_ANY))
        add_an(o, ptr_to(s, h, ttl));
    else
        negative(o, DNS_RCODE_NOERROR);
}

static void count_rcode(struct dnsd *s, const struct outcome *o);

/* ------------------------------------------------------------ A from the provider */

static void qctx_of_pending(const struct dnsd_pending *p, struct qctx *q)
{
    *q = (struct qctx){ .id = p->id, .flags = p->flags, .qname = p->qname, .qname_len = p->qname_len,
                        .qtype = p->qtype, .qclass = p->qclass, .edns = p->edns, .do_bit = p->do_bit,
                        .udp_size = p->udp_size, .tcp = p->cl.is_tcp };
}

/* The provider's word on an A query, as an outcome. */
static void provider_outcome(struct dnsd *s, struct outcome *o, int rcode, const struct in_addr *a4, uint32_t ttl)
{
    if (rcode == DNS_RCODE_NOERROR && a4) {
        add_an(o, (struct rr_out){ .kind = RK_A, .ttl = ttl, .a4 = *a4 });
        return;
    }
    /* exhausted, busy, refused: the configured answer, nothing half-made */
    CTR_INC(s->st, dnsd, provider_refused);
    o->rcode = s->cfg.exhausted_rcode;
    o->aa = o->rcode != DNS_RCODE_REFUSED && o->rcode != DNS_RCODE_SERVFAIL;
    o->soa_auth = o->rcode == DNS_RCODE_NXDOMAIN;
}

size_t dnsd_pending_answer(struct dnsd *s, const struct dnsd_pending *p, int rcode, const struct in_addr *a4,
                           uint32_t ttl)
{
    struct qctx q;
    struct outcome o = { .rcode = DNS_RCODE_NOERROR, .aa = true, .zone = p->zone };
    qctx_of_pending(p, &q);
    provider_outcome(s, &o, rcode, a4, ttl);
    count_rcode(s, &o);
    return emit(s, &q, &o);
}

static void pending_fill(struct dnsd_pending *p, const struct qctx *q, unsigned zone)
{
    p->id = q->id;
    p->flags = q->flags;
    memcpy(p->qname, q->qname, q->qname_len);
    p->qname_len = q->qname_len;
    p->qtype = q->qtype;
    p->qclass = q->qclass;
    p->edns = q->edns;
    p->do_bit = q->do_bit;
    p->udp_size = q->udp_size;
    p->zone = zone;
}

/* 0 and *o filled: answer now; 1: waiting for the provider. */
static int answer_a(struct dnsd *s, const struct qctx *q, const struct dnsd_client *cl, struct outcome *o,
                    uint32_t host)
{
    if (!s->has_prov || !s->prov.lookup_a) {
        negative(o, DNS_RCODE_NOERROR);   /* no IPv4 side: the name has no A */
        return 0;
    }
    struct dnsd_pending *p = dnsd_pending_new(s, cl);
    if (!p) {
        o->rcode = DNS_RCODE_SERVFAIL;   /* past a cap: at once, counted */
        o->aa = false;
        return 0;
    }
    pending_fill(p, q, o->zone);
    struct in_addr a4 = { 0 };
    uint32_t ttl = 0;
    p->in_lookup = true;
    int rc = s->prov.lookup_a(s->prov.ctx, &s->nodes[host].v6, &a4, &ttl, dnsd_done_fn(), p);
    p->in_lookup = false;
    if (rc == -1 && !p->done_early) {
        CTR_INC(s->st, dnsd, pending);
        return 1;
    }
    if (rc == -1)
        rc = p->early_rcode, a4 = p->early_a4, ttl = p->early_ttl;
    dnsd_pending_free(s, p);
    provider_outcome(s, o, rc, &a4, ttl);
    return 0;
}

/* ------------------------------------------------------------ forward zones */

static int answer_forward(struct dnsd *s, const struct qctx *q, const struct dnsd_client *cl, struct outcome *o)
{
    unsigned z = o->zone;
    bool apex = dns_name_equal(q->qname, q->qname_len, s->zones[z].apex, s->zones[z].apex_len);
    uint32_t i = dnsd_node_by_name(s, q->qname, q->qname_len);
    bool host = i != DNSD_NO_HOST && s->nodes[i].host;
    if (apex)
        apex_records(s, q, o, z);
    if (host && (q->qtype == DNS_TYPE_AAAA || q->qtype == DNS_TYPE_ANY))
        add_an(o, (struct rr_out){ .kind = RK_AAAA, .ttl = s->cfg.ttl, .v6 = s->nodes[i].v6 });
    if (host && q->qtype == DNS_TYPE_A)
        return answer_a(s, q, cl, o, i);
    if (o->n_an)
        return 0;
    negative(o, apex || i != DNSD_NO_HOST ? DNS_RCODE_NOERROR : DNS_RCODE_NXDOMAIN);
    return 0;
}

/* ------------------------------------------------------------ the query */

/* Walk the whole message; the question and the OPT (if any). */
static enum dns_reason walk(const uint8_t *msg, size_t len, struct dns_iter *it, struct dns_question *qn,
                            struct qctx *q)
{
    bool done;
    enum dns_reason r = dns_iter_question(it, qn, &done);
    if (r != DNS_OK)
        return r;
    struct dns_rr rr;
    while ((r = dns_iter_rr(it, &rr, &done)) == DNS_OK && !done) {
        if (rr.type != DNS_TYPE_OPT)
            continue;
        struct dns_opt opt;
        if ((r = dns_rr_opt(msg, len, &rr, &opt)) != DNS_OK)
            return r;
        q->edns = true;
        q->do_bit = opt.do_bit;
        q->udp_size = opt.udp_size;
        q->badvers = opt.version > 0;
    }
    return r;
}

/* Question types we never answer from a zone. */
static int meta_rcode(uint16_t qtype)
{
    if (qtype == DNS_TYPE_OPT || qtype == DNS_TYPE_TSIG || qtype == DNS_TYPE_TKEY)
        return DNS_RCODE_FORMERR;
    if (qtype == DNS_TYPE_AXFR || qtype == DNS_TYPE_IXFR)
        return DNS_RCODE_REFUSED;   /* no zone transfers */
    if (qtype == DNS_TYPE_MAILA || qtype == DNS_TYPE_MAILB)
        return DNS_RCODE_NOTIMP;
    return -1;
}

static void count_rcode(struct dnsd *s, const struct outcome *o)
{
    switch (o->rcode) {
    case DNS_RCODE_NOERROR: if (!o->n_an) CTR_INC(s->st, dnsd, nodata); break;
    case DNS_RCODE_NXDOMAIN: CTR_INC(s->st, dnsd, nxdomain); break;
    case DNS_RCODE_SERVFAIL: CTR_INC(s->st, dnsd, servfail); break;
    case DNS_RCODE_REFUSED: CTR_INC(s->st, dnsd, refused); break;
    case DNS_RCODE_FORMERR: CTR_INC(s->st, dnsd, formerr); break;
    case DNS_RCODE_NOTIMP: CTR_INC(s->st, dnsd, notimp); break;
    case DNS_RCODE_BADVERS: CTR_INC(s->st, dnsd, badvers); break;
    default: break;
    }
}

size_t dnsd_query(struct dnsd *s, const uint8_t *msg, size_t len, const struct dnsd_client *cl)
{
    struct dns_header h;
    s->queries++;
    CTR_INC(s->st, dnsd, queries);
    enum dns_reason r = dns_header_parse(msg, len, &h);
    if (r != DNS_OK) {
        count_reason(s->st, r);
        return 0;
    }
    if (dns_qr(&h)) {
        CTR_INC(s->st, dnsd, drop_response);
        return 0;
    }
    if (dns_opcode(&h) != DNS_OPCODE_QUERY) {
        CTR_INC(s->st, dnsd, drop_not_query);
        CTR_INC(s->st, dnsd, notimp);
        return emit_bare(s, &h, DNS_RCODE_NOTIMP);
    }
    struct dns_iter it;
    struct dns_question qn;
    struct qctx q = { .id = h.id, .flags = h.flags, .tcp = cl->is_tcp };
    if ((r = dns_iter_init(&it, msg, len, 0)) == DNS_OK && h.qdcount != 1) {
        CTR_INC(s->st, dnsd, drop_qdcount);
        CTR_INC(s->st, dnsd, formerr);
        return emit_bare(s, &h, DNS_RCODE_FORMERR);
    }
    if (r == DNS_OK)
        r = walk(msg, len, &it, &qn, &q);
    if (r != DNS_OK) {
        count_reason(s->st, r);
        CTR_INC(s->st, dnsd, formerr);
        return emit_bare(s, &h, DNS_RCODE_FORMERR);
    }
    q.qname = qn.name;
    q.qname_len = qn.name_len;
    q.qtype = qn.qtype;
    q.qclass = qn.qclass;
    struct outcome o = { .rcode = DNS_RCODE_NOERROR, .aa = true };
    int meta, z;
    if (q.badvers) {
        o = (struct outcome){ .rcode = DNS_RCODE_BADVERS };
    } else if (q.qclass != DNS_CLASS_IN && q.qclass != DNS_CLASS_ANY) {
        o = (struct outcome){ .rcode = DNS_RCODE_REFUSED };   /* CHAOS and the like: not served */
    } else if ((meta = meta_rcode(q.qtype)) >= 0) {
        o = (struct outcome){ .rcode = meta };
    } else if ((z = dnsd_zone_of(s, q.qname, q.qname_len)) >= 0) {
        o.zone = (unsigned)z;
        if (answer_forward(s, &q, cl, &o))
            return 0;   /* waiting for the provider */
    } else if (dnsd_name_under(q.qname, q.qname_len, s->zones[DNSD_ZONE_REV6].apex, s->zones[DNSD_ZONE_REV6].apex_len)) {
        o.zone = DNSD_ZONE_REV6;
        if (q.qname_len == s->zones[o.zone].apex_len)
            apex_records(s, &q, &o, o.zone);
        else
            answer_rev6(s, &q, &o);
        if (!o.n_an && !o.soa_auth)
            negative(&o, DNS_RCODE_NOERROR);
    } else if (dnsd_name_under(q.qname, q.qname_len, s->zones[DNSD_ZONE_REV4].apex, s->zones[DNSD_ZONE_REV4].apex_len)) {
        o.zone = DNSD_ZONE_REV4;
        if (q.qname_len == s->zones[o.zone].apex_len)
            apex_records(s, &q, &o, o.zone);
        else
            answer_rev4(s, &q, &o);
        if (!o.n_an && !o.soa_auth)
            negative(&o, DNS_RCODE_NOERROR);
    } else {
        o = (struct outcome){ .rcode = DNS_RCODE_REFUSED };   /* not ours, and no recursion */
    }
    count_rcode(s, &o);
    return emit(s, &q, &o);
}
