/* IPv6 reassembly (RFC 8200 §4.5) with the hardening of RFC 5722 (any
 * overlap abandons the datagram; exact duplicates are dropped alone, per
 * erratum 3089), RFC 7112 (the first fragment carries the whole header
 * chain) and bounded memory.
 *
 * Caps: FRAG6_MAX_CTX datagrams in reassembly (a new one evicts the oldest,
 * counted frag6.drop_table_full), FRAG6_MAX_FRAGS fragments per datagram,
 * FRAG6_MEM_GLOBAL bytes of buffers in all, FRAG6_MEM_PER_SRC per source
 * address. A datagram not complete after 60 s is dropped (with Time Exceeded
 * code 1 when its first fragment had arrived). An abandoned (overlapping)
 * datagram stays as a tombstone until its timeout so late fragments of it
 * are dropped too.
 *
 * IPsec provenance (core/pkt.h): a datagram is keyed by (source,
 * destination, id) AND the provenance of its fragments — the SAs they came
 * through and the tunnel flags.  The rebuilt datagram carries that
 * provenance, so inner fragments that came through an ESP tunnel are judged
 * by the inbound policy as protected; a fragment with another provenance
 * (plaintext, or another SA) goes to a datagram of its own and can never be
 * spliced into a protected one, nor kill it by overlapping
 * (frag6.mixed_provenance counts such fragments; their datagram times out).
 * The tunnel-nesting count (pkt->encap) of the datagram is the largest of
 * its fragments'.  Fragmentation of the outer packet (ESP inside the
 * fragments) is reassembled before ESP input, which then adds the SA. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "net/ip6_var.h"
#include "wire/ip6ext.h"
#include "wire/ip6edit.h"
#include "wire/icmp6.h"
#include "wire/tcp.h"
#include "wire/udp.h"

#define FRAG6_MAX_CTX     64
#define FRAG6_MAX_FRAGS   64
#define FRAG6_MEM_GLOBAL  (4u << 20)
#define FRAG6_MEM_PER_SRC (1u << 20)

struct frag6_piece {
    struct pkt *p;
    uint16_t off, len;          /* fragment offset and payload bytes */
    uint16_t data;              /* payload start within p's data */
};

struct frag6_ctx {
    bool in_use, dead;
    struct in6_addr src, dst;
    uint32_t id;
    uint64_t created_ns;
    int32_t total;              /* datagram payload length, -1 until the last fragment */
    size_t mem;
    uint8_t nfrag;
    uint8_t nxt;                /* from the offset-0 fragment */
    uint16_t unfrag;            /* offset of the fragment header in the first fragment */
    uint16_t prev_nxt_field;
    struct pkt_prov prov;       /* part of the key */
    uint8_t encap;              /* the largest of the fragments' */
    struct frag6_piece f[FRAG6_MAX_FRAGS];
    struct timer timer;
    struct six_stack *st;
};

struct frag6_state {
    struct frag6_ctx ctx[FRAG6_MAX_CTX];
    size_t mem;
};

static void frag_timeout(struct timer *t, void *arg);

int frag6_init(struct six_stack *st)
{
    struct frag6_state *fs = calloc(1, sizeof *fs);

    if (!fs)
        return -ENOMEM;
    for (int i = 0; i < FRAG6_MAX_CTX; i++) {
        timer_init(&fs->ctx[i].timer, frag_timeout, &fs->ctx[i]);
        fs->ctx[i].st = st;
    }
    st->net6->frag = fs;
    return 0;
}

static void ctx_release_pieces(struct frag6_state *fs, struct frag6_ctx *c)
{
    for (int i = 0; i < c->nfrag; i++)
        pkt_free(c->f[i].p);
    fs->mem -= c->mem;
    c->mem = 0;
    c->nfrag = 0;
}

static void ctx_free(struct frag6_state *fs, struct frag6_ctx *c)
{
    ctx_release_pieces(fs, c);
    timer_cancel(&c->timer);
    c->in_use = false;
}

void frag6_destroy(struct six_stack *st)
{
    struct frag6_state *fs = st->net6 ? st->net6->frag : NULL;

    if (!fs)
        return;
    for (int i = 0; i < FRAG6_MAX_CTX; i++)
        if (fs->ctx[i].in_use)
            ctx_free(fs, &fs->ctx[i]);
    free(fs);
    st->net6->frag = NULL;
}

void frag6_stats(struct six_stack *st, unsigned *ctxs, size_t *bytes)
{
    struct frag6_state *fs = st->net6->frag;
    unsigned n = 0;

    for (int i = 0; i < FRAG6_MAX_CTX; i++)
        n += fs->ctx[i].in_use;
    *ctxs = n;
    *bytes = fs->mem;
}

void frag6_purge_if(struct ifnet *ifp)
{
    struct frag6_state *fs = ifp->st->net6 ? ifp->st->net6->frag : NULL;

    for (int i = 0; fs && i < FRAG6_MAX_CTX; i++) {
        struct frag6_ctx *c = &fs->ctx[i];
        for (int k = 0; c->in_use && k < c->nfrag; k++)
            if (c->f[k].p->rcvif == ifp) {
                ctx_free(fs, c);
                break;
            }
    }
}

static void frag_timeout(struct timer *t, void *arg)
{
    struct frag6_ctx *c = arg;
    struct six_stack *st = c->st;
    (void)t;

    if (!c->dead) {
        CTR_INC(st, frag6, drop_timeout);
        for (int i = 0; i < c->nfrag; i++)
            if (c->f[i].off == 0) {
                icmp6_error(st, c->f[i].p, c->f[i].p->rcvif, ICMP6_TIME_EXCEEDED, ICMP6_TIME_EXCEED_REASSEMBLY, 0);
                break;
            }
    }
    ctx_free(st->net6->frag, c);
}

/* The datagram of (src, dst, id, prov); *other: one with the same
 * addresses and id but another provenance is in reassembly. */
static struct frag6_ctx *ctx_find(struct frag6_state *fs, const struct in6_addr *src, const struct in6_addr *dst,
                                  uint32_t id, const struct pkt_prov *prov, bool *other)
{
    struct frag6_ctx *found = NULL;
    *other = false;
    for (int i = 0; i < FRAG6_MAX_CTX; i++) {
        struct frag6_ctx *c = &fs->ctx[i];
        if (!c->in_use || c->id != id || !in6_eq(&c->src, src) || !in6_eq(&c->dst, dst))
            continue;
        if (pkt_prov_eq(&c->prov, prov))
            found = c;
        else
            *other = true;
    }
    return found;
}

static struct frag6_ctx *ctx_new(struct six_stack *st, const struct in6_addr *src, const struct in6_addr *dst,
                                 uint32_t id, const struct pkt_prov *prov)
{
    struct frag6_state *fs = st->net6->frag;
    struct frag6_ctx *c = NULL, *oldest = NULL;

    for (int i = 0; i < FRAG6_MAX_CTX && !c; i++) {
        if (!fs->ctx[i].in_use)
            c = &fs->ctx[i];
        else if (!oldest || fs->ctx[i].created_ns < oldest->created_ns)
            oldest = &fs->ctx[i];
    }
    if (!c) {
        CTR_INC(st, frag6, drop_table_full);
        ctx_free(fs, oldest);
        c = oldest;
    }
    c->in_use = true;
    c->dead = false;
    c->src = *src;
    c->dst = *dst;
    c->id = id;
    c->prov = *prov;
    c->encap = 0;
    c->created_ns = six_now(st);
    c->total = -1;
    c->nfrag = 0;
    c->mem = 0;
    timer_arm(st->tw, &c->timer, (uint64_t)IP6_REASS_TIMEOUT_MS * NS_PER_MS);
    return c;
}

static size_t src_mem(struct frag6_state *fs, const struct in6_addr *src)
{
    size_t m = 0;
    for (int i = 0; i < FRAG6_MAX_CTX; i++)
        if (fs->ctx[i].in_use && in6_eq(&fs->ctx[i].src, src))
            m += fs->ctx[i].mem;
    return m;
}

/* RFC 7112: the offset-0 fragment must hold every extension header and the
 * upper-layer header. */
static bool first_has_chain(const uint8_t *d, size_t len, size_t off, uint8_t nxt)
{
    for (int i = 0; i < IP6_MAX_EXT_HEADERS; i++) {
        size_t left = off < len ? len - off : 0;
        switch (nxt) {
        case IP6_NXT_DSTOPTS:
        case IP6_NXT_ROUTING:
        case IP6_NXT_HOPOPTS: {
            struct ip6_opthdr_info h;
            if (ip6_opthdr_parse(d + off, left, &h) != WR_OK)
                return false;
            off += h.len;
            nxt = h.nxt;
            continue;
        }
        case IP6_NXT_TCP: return left >= 20;
        case IP6_NXT_UDP: return left >= UDP_HLEN;
        case IP6_NXT_ICMPV6: return left >= ICMP6_HLEN;
        case IP6_NXT_FRAGMENT: return false;
        default: return true;   /* ESP, AH (header itself encrypted/opaque), no next header, unknown */
        }
    }
    return false;
}

static void kill_datagram(struct six_stack *st, struct frag6_ctx *c)
{
    ctx_release_pieces(st->net6->frag, c);
    c->dead = true;
}

/* Returns 1 if the pieces cover [0, total) without gaps. */
static bool complete(const struct frag6_ctx *c)
{
    if (c->total < 0)
        return false;
    uint32_t covered = 0;
    for (;;) {
        bool advanced = false;
        for (int i = 0; i < c->nfrag; i++)
            if (c->f[i].off == covered) {
                covered += c->f[i].len;
                advanced = true;
            }
        if (covered == (uint32_t)c->total)
            return true;
        if (!advanced)
            return false;
    }
}

static struct pkt *assemble(struct six_stack *st, struct frag6_ctx *c)
{
    const struct frag6_piece *first = NULL;

    for (int i = 0; i < c->nfrag; i++)
        if (c->f[i].off == 0)
            first = &c->f[i];
    size_t ulen = c->unfrag;
    struct pkt *r = pkt_alloc(st->pool, ulen + (size_t)c->total);
    if (!r) {
        CTR_INC(st, frag6, drop_no_buffer);
        return NULL;
    }
    uint8_t *d = pkt_put(r, ulen + (size_t)c->total);
    memcpy(d, pkt_data(first->p), ulen);
    ip6_hdr_set_nxt_at(d, c->prev_nxt_field, c->nxt);
    ip6_hdr_set_plen(d, (uint16_t)(ulen - IP6_HLEN + (size_t)c->total));
    for (int i = 0; i < c->nfrag; i++)
        memcpy(d + ulen + c->f[i].off, pkt_data(c->f[i].p) + c->f[i].data, c->f[i].len);
    r->rcvif = first->p->rcvif;
    r->flags = first->p->flags | PKT_F_REASM | PKT_F_FRAGMENT;
    pkt_prov_set(r, &c->prov);   /* every fragment had it: the context is keyed on it */
    r->encap = c->encap;
    r->ts_ns = first->p->ts_ns;
    return r;
}

/* Validate one fragment against the RFC's rules; false = dropped (p freed by caller). */
static bool frag_checks(struct six_stack *st, struct pkt *p, size_t fragoff, const struct ip6_frag_info *f,
                        size_t plen)
{
    struct ifnet *ifp = p->rcvif;

    if (f->more && (plen == 0 || plen % 8)) {
        CTR_INC(st, frag6, drop_bad_len);
        icmp6_error(st, p, ifp, ICMP6_PARAM_PROB, ICMP6_PARAMPROB_HEADER, 4);
        return false;
    }
    /* the rebuilt packet's Payload Length must fit 16 bits */
    if (fragoff - IP6_HLEN + (size_t)f->off + plen > 65535) {
        CTR_INC(st, frag6, drop_too_big);
        icmp6_error(st, p, ifp, ICMP6_PARAM_PROB, ICMP6_PARAMPROB_HEADER, (uint32_t)fragoff + 2);
        return false;
    }
    if (f->off == 0 && !first_has_chain(pkt_data(p), p->len, fragoff + IP6_FRAG_HLEN, f->nxt)) {
        CTR_INC(st, frag6, drop_first_incomplete_chain);
        icmp6_error(st, p, ifp, ICMP6_PARAM_PROB, 3, 0);   /* RFC 7112 §5 */
        return false;
    }
    return true;
}

/* Adds the piece; returns false if the datagram was abandoned or the piece dropped. */
static bool add_piece(struct six_stack *st, struct frag6_ctx *c, struct pkt *p, const struct ip6_frag_info *f,
                      size_t fragoff, size_t plen)
{
    struct frag6_state *fs = st->net6->frag;
    uint32_t lo = f->off, hi = f->off + (uint32_t)plen;

    for (int i = 0; i < c->nfrag; i++) {
        uint32_t a = c->f[i].off, b = a + c->f[i].len;
        if (a == lo && b == hi) {
            CTR_INC(st, frag6, drop_dup);
            return false;
        }
        if (lo < b && a < hi) {
            CTR_INC(st, frag6, drop_overlap);
            kill_datagram(st, c);
            return false;
        }
    }
    if (!f->more) {
        if ((c->total >= 0 && (uint32_t)c->total != hi)) {
            CTR_INC(st, frag6, drop_inconsistent);
            kill_datagram(st, c);
            return false;
        }
        c->total = (int32_t)hi;
    }
    for (int i = 0; i < c->nfrag; i++)
        if (c->total >= 0 && c->f[i].off + c->f[i].len > (uint32_t)c->total) {
            CTR_INC(st, frag6, drop_inconsistent);
            kill_datagram(st, c);
            return false;
        }
    if (c->total >= 0 && hi > (uint32_t)c->total) {
        CTR_INC(st, frag6, drop_inconsistent);
        kill_datagram(st, c);
        return false;
    }
    if (c->nfrag >= FRAG6_MAX_FRAGS) {
        CTR_INC(st, frag6, drop_too_many_frags);
        kill_datagram(st, c);
        return false;
    }
    if (fs->mem + p->cap > FRAG6_MEM_GLOBAL) {
        CTR_INC(st, frag6, drop_mem_global);
        return false;
    }
    if (src_mem(fs, &c->src) + p->cap > FRAG6_MEM_PER_SRC) {
        CTR_INC(st, frag6, drop_mem_per_src);
        return false;
    }
    c->f[c->nfrag++] = (struct frag6_piece){ .p = p, .off = (uint16_t)lo, .len = (uint16_t)plen,
                                             .data = (uint16_t)(fragoff + IP6_FRAG_HLEN) };
    c->mem += p->cap;
    fs->mem += p->cap;
    if (p->encap > c->encap)
        c->encap = p->encap;
    return true;
}

struct pkt *frag6_input(struct six_stack *st, struct pkt *p, size_t fragoff, size_t prev_nxt_field, uint8_t *nxt,
                        size_t *payload_off)
{
    struct ip6_info ip;
    struct ip6_frag_info f;

    CTR_INC(st, frag6, in_fragments);
    if (ip6_parse(pkt_data(p), p->len, &ip) != WR_OK ||
        ip6_frag_parse(pkt_data(p) + fragoff, p->len - fragoff, &f) != WR_OK)
        goto drop;
    size_t plen = p->len - fragoff - IP6_FRAG_HLEN;
    if (!frag_checks(st, p, fragoff, &f, plen))
        goto drop;
    struct pkt_prov prov;
    bool other;
    pkt_prov_get(p, &prov);
    struct frag6_ctx *c = ctx_find(st->net6->frag, &ip.src, &ip.dst, f.id, &prov, &other);
    if (other)
        CTR_INC(st, frag6, mixed_provenance);
    if (!c)
        c = ctx_new(st, &ip.src, &ip.dst, f.id, &prov);
    if (c->dead) {
        CTR_INC(st, frag6, drop_overlap);
        goto drop;
    }
    if (!add_piece(st, c, p, &f, fragoff, plen))
        goto drop;
    if (f.off == 0) {   /* only once accepted: a rejected duplicate changes nothing */
        c->nxt = f.nxt;
        c->unfrag = (uint16_t)fragoff;
        c->prev_nxt_field = (uint16_t)prev_nxt_field;
    }
    if (!complete(c))
        return NULL;
    struct pkt *r = assemble(st, c);
    *nxt = c->nxt;
    *payload_off = c->unfrag;
    ctx_free(st->net6->frag, c);
    if (r)
        CTR_INC(st, frag6, reassembled);
    return r;
drop:
    pkt_free(p);
    return NULL;
}
