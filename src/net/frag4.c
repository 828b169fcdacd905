/* IPv4 reassembly (RFC 791 §3.2, RFC 815 bookkeeping, strict like RFC 5722).
 *
 * A context is keyed by (src, dst, id, proto) and by the IPsec provenance
 * of its pieces (core/pkt.h: the SAs they came through, the tunnel flags),
 * which the rebuilt datagram carries: inner fragments out of an ESP tunnel
 * are judged as protected, and a piece with another provenance (plaintext,
 * another SA) can never be spliced into a protected datagram nor kill it;
 * it gets a context of its own (frag4.mixed_provenance) that times out.
 * The datagram's tunnel-nesting count is the largest of its pieces'.  It
 * holds the received pieces
 * themselves (payload only, sorted by offset): nothing is copied until the
 * datagram is complete, then it is rebuilt once into a buffer of the right
 * class (small if it fits, else big).
 *
 * Strictness: any overlap kills the datagram, and the context stays "dead"
 * until its timeout so that the rest of that datagram is dropped too (an
 * overlap means a confused or hostile sender, never a usable datagram). An
 * exact duplicate is dropped alone (retransmitting links do that).
 *
 * Bounds: FRAG4_MAX_CTX contexts (the oldest is evicted when full),
 * FRAG4_MAX_FRAGS pieces per datagram, FRAG4_MEM_GLOBAL and
 * FRAG4_MEM_PER_SRC bytes of buffers (counted by buffer size, not payload:
 * a flood of 8-byte pieces costs what it really costs). Over a byte cap the
 * new piece is dropped. A context lives FRAG4_TIMEOUT_MS; on timeout, if
 * the first piece arrived, the sender gets ICMP time exceeded (code 1). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "net/ip4_priv.h"
#include "wire/icmp4.h"

int frag4_init(struct net4 *n)
{
    n->frag = calloc(FRAG4_MAX_CTX, sizeof *n->frag);
    return n->frag ? 0 : -ENOMEM;
}

/* Release every piece and the slot. */
static void frag4_free(struct net4 *n, struct frag4_ctx *c)
{
    for (unsigned i = 0; i < c->nfrags; i++)
        pkt_free(c->pieces[i].p);
    n->frag_mem -= c->mem;
    timer_cancel(&c->timer);
    memset(c, 0, offsetof(struct frag4_ctx, pieces));
}

/* Overlap or inconsistency: drop what is held, keep the key until timeout. */
static void frag4_kill(struct net4 *n, struct frag4_ctx *c)
{
    for (unsigned i = 0; i < c->nfrags; i++)
        pkt_free(c->pieces[i].p);
    n->frag_mem -= c->mem;
    c->mem = 0;
    c->nfrags = 0;
    c->have = 0;
    c->have_first = false;
    c->dead = true;
}

void frag4_destroy(struct net4 *n)
{
    if (!n->frag)
        return;
    for (unsigned i = 0; i < FRAG4_MAX_CTX; i++)
        if (n->frag[i].used)
            frag4_free(n, &n->frag[i]);
    free(n->frag);
    n->frag = NULL;
}

void frag4_purge_if(struct net4 *n, struct ifnet *ifp)
{
    for (unsigned i = 0; n->frag && i < FRAG4_MAX_CTX; i++)
        for (unsigned k = 0; k < n->frag[i].nfrags; k++)
            if (n->frag[i].pieces[k].p->rcvif == ifp)
                n->frag[i].pieces[k].p->rcvif = NULL;
}

static void frag4_timeout(struct timer *t, void *arg)
{
    struct frag4_ctx *c = arg;
    struct six_stack *st = c->st;
    struct net4 *n = st->net4;
    struct pkt *first = NULL;

    (void)t;
    if (!c->dead) {
        CTR_INC(st, frag4, drop_timeout);
        /* RFC 792: time exceeded, code 1, only if the first piece is here
         * (it carries the header and the 8 bytes the sender will recognise). */
        if (c->have_first && c->nfrags && c->pieces[0].off == 0) {
            first = c->pieces[0].p;
            c->mem -= first->cap;
            n->frag_mem -= first->cap;
            c->pieces[0].p = c->pieces[--c->nfrags].p;   /* order no longer matters */
            pkt_push(first, c->first.hl);
        }
    }
    frag4_free(n, c);
    if (first)
        icmp4_error(st, first, ICMP4_TIME_EXCEEDED, 1, 0);
}

/* *other: a context of the same (src, dst, id, proto) with another provenance exists. */
static struct frag4_ctx *frag4_find(struct net4 *n, const struct ip4_info *ih, const struct pkt_prov *prov,
                                    bool *other)
{
    struct frag4_ctx *found = NULL;
    *other = false;
    for (unsigned i = 0; i < FRAG4_MAX_CTX; i++) {
        struct frag4_ctx *c = &n->frag[i];
        if (!c->used || c->id != ih->id || c->proto != ih->proto || c->src.s_addr != ih->src.s_addr ||
            c->dst.s_addr != ih->dst.s_addr)
            continue;
        if (pkt_prov_eq(&c->prov, prov))
            found = c;
        else
            *other = true;
    }
    return found;
}

/* A free slot, else the oldest context is evicted (counted). */
static struct frag4_ctx *frag4_new(struct six_stack *st, const struct ip4_info *ih, const struct pkt_prov *prov)
{
    struct net4 *n = st->net4;
    struct frag4_ctx *c = NULL;

    for (unsigned i = 0; i < FRAG4_MAX_CTX && !c; i++)
        if (!n->frag[i].used)
            c = &n->frag[i];
    if (!c) {
        c = &n->frag[0];
        for (unsigned i = 1; i < FRAG4_MAX_CTX; i++)
            if (n->frag[i].born < c->born)
                c = &n->frag[i];
        CTR_INC(st, frag4, drop_table_full);
        frag4_free(n, c);
    }
    c->used = true;
    c->st = st;
    c->src = ih->src;
    c->dst = ih->dst;
    c->id = ih->id;
    c->proto = ih->proto;
    c->prov = *prov;
    c->born = six_now(st);
    timer_init(&c->timer, frag4_timeout, c);
    timer_arm(st->tw, &c->timer, FRAG4_TIMEOUT_MS * NS_PER_MS);
    return c;
}

static uint32_t frag4_src_mem(const struct net4 *n, struct in_addr src)
{
    uint32_t sum = 0;

    for (unsigned i = 0; i < FRAG4_MAX_CTX; i++)
        if (n->frag[i].used && n->frag[i].src.s_addr == src.s_addr)
            sum += n->frag[i].mem;
    return sum;
}

/* Rebuild the datagram: fresh 20-byte header from the first piece's. */
static struct pkt *frag4_reassemble(struct six_stack *st, struct frag4_ctx *c, struct ifnet *ifp)
{
    struct net4 *n = st->net4;
    size_t tot = IP4_HLEN + c->total;
    struct pkt *r = pkt_alloc(st->pool, tot);
    struct ip4_info ih = c->first;
    uint32_t flags = 0;

    if (!r) {
        CTR_INC(st, frag4, drop_no_buffer);
        frag4_free(n, c);
        return NULL;
    }
    uint8_t *h = pkt_put(r, tot);
    ih.tot_len = (uint16_t)tot;
    ih.mf = false;
    ih.frag_off = 0;
    ip4_emit(h, IP4_HLEN, &ih);
    for (unsigned i = 0; i < c->nfrags; i++) {
        memcpy(h + IP4_HLEN + c->pieces[i].off, pkt_data(c->pieces[i].p), c->pieces[i].len);
        flags |= c->pieces[i].p->flags & (PKT_F_BCAST | PKT_F_MCAST);
    }
    r->flags = flags | PKT_F_REASM;
    pkt_prov_set(r, &c->prov);   /* every piece had it: the context is keyed on it */
    r->encap = c->encap;
    r->rcvif = ifp;
    r->ts_ns = six_now(st);
    frag4_free(n, c);
    CTR_INC(st, frag4, reassembled);
    return r;
}

/* Index where a piece starting at off goes (pieces sorted by offset). */
static unsigned frag4_slot(const struct frag4_ctx *c, uint32_t off)
{
    unsigned i = 0;

    while (i < c->nfrags && c->pieces[i].off < off)
        i++;
    return i;
}

/* Does [off, end) overlap a neighbour of slot i? */
static bool frag4_overlaps(const struct frag4_ctx *c, unsigned i, uint32_t off, uint32_t end)
{
    if (i > 0 && (uint32_t)c->pieces[i - 1].off + c->pieces[i - 1].len > off)
        return true;
    return i < c->nfrags && end > c->pieces[i].off;
}

/* Length checks that need no context (RFC 791: every piece but the last
 * carries a multiple of 8 bytes; the whole must fit in 65535). */
static bool frag4_len_ok(struct six_stack *st, const struct ip4_info *ih, uint32_t plen)
{
    if (plen == 0 || (ih->mf && (plen & 7))) {
        CTR_INC(st, frag4, drop_bad_len);
        return false;
    }
    if ((uint32_t)ih->frag_off + plen + IP4_HLEN > IP4_MAXPACKET) {
        CTR_INC(st, frag4, drop_too_big);
        return false;
    }
    return true;
}

/* The last piece fixes the total; everything must agree with it. */
static bool frag4_end_ok(const struct frag4_ctx *c, const struct ip4_info *ih, uint32_t end)
{
    if (!ih->mf) {
        if (c->total && c->total != end)
            return false;
        return !c->nfrags || (uint32_t)c->pieces[c->nfrags - 1].off + c->pieces[c->nfrags - 1].len <= end;
    }
    return !c->total || end < c->total;
}

static bool frag4_mem_ok(struct six_stack *st, struct net4 *n, const struct ip4_info *ih, uint32_t charge)
{
    if (n->frag_mem + charge > FRAG4_MEM_GLOBAL) {
        CTR_INC(st, frag4, drop_mem_global);
        return false;
    }
    if (frag4_src_mem(n, ih->src) + charge > FRAG4_MEM_PER_SRC) {
        CTR_INC(st, frag4, drop_mem_per_src);
        return false;
    }
    return true;
}

struct pkt *frag4_input(struct ifnet *ifp, struct pkt *p, const struct ip4_info *ih)
{
    struct six_stack *st = ifp->st;
    struct net4 *n = st->net4;
    uint32_t plen = ih->tot_len - ih->hl, off = ih->frag_off, end = off + plen;
    struct frag4_ctx *c;
    unsigned i;

    CTR_INC(st, frag4, in_fragments);
    if (!frag4_len_ok(st, ih, plen))
        goto drop;
    struct pkt_prov prov;
    bool other;
    pkt_prov_get(p, &prov);
    if (!(c = frag4_find(n, ih, &prov, &other)))
        c = frag4_new(st, ih, &prov);
    if (other)
        CTR_INC(st, frag4, mixed_provenance);
    if (c->dead) {
        CTR_INC(st, frag4, drop_overlap);
        goto drop;
    }
    i = frag4_slot(c, off);
    if (i < c->nfrags && c->pieces[i].off == off && c->pieces[i].len == plen) {
        FRAG4_CTR_DUP(st);
        goto drop;
    }
    if (!frag4_end_ok(c, ih, end)) {
        CTR_INC(st, frag4, drop_bad_len);
        frag4_kill(n, c);
        goto drop;
    }
    if (frag4_overlaps(c, i, off, end)) {
        CTR_INC(st, frag4, drop_overlap);
        frag4_kill(n, c);
        goto drop;
    }
    if (c->nfrags >= FRAG4_MAX_FRAGS) {
        CTR_INC(st, frag4, drop_too_many_frags);
        frag4_kill(n, c);
        goto drop;
    }
    if (!frag4_mem_ok(st, n, ih, p->cap))
        goto drop;
    if (off == 0) {
        c->first = *ih;
        c->have_first = true;
    }
    if (!ih->mf)
        c->total = end;
    pkt_pull(p, ih->hl);
    memmove(&c->pieces[i + 1], &c->pieces[i], (c->nfrags - i) * sizeof c->pieces[0]);
    c->pieces[i] = (struct frag4_piece){ p, (uint16_t)off, (uint16_t)plen };
    c->nfrags++;
    c->have += plen;
    c->mem += p->cap;
    n->frag_mem += p->cap;
    if (p->encap > c->encap)
        c->encap = p->encap;
    if (c->total && c->have == c->total)
        return frag4_reassemble(st, c, ifp);
    return NULL;
drop:
    pkt_free(p);
    return NULL;
}
