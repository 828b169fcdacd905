/* The border router's encapsulation (br.h): IPv4 routed into the BR
 * interface (the pools' routes) goes in IPv6 to the holder of its
 * destination (and, for a shared address, of its destination port's PSID).
 *
 * The interface's MTU is `mtu` - 40, so the stack's IPv4 forwarding has
 * already fragmented what was too big with DF clear, or answered
 * fragmentation-needed with that MTU when DF was set (RFC 2473 §7, RFC
 * 7596 §8): what reaches br_xmit fits. The tx batch is looked up at once
 * (br_table_get_batch) in groups of BR_BATCH.
 *
 * A destination without a binding: a Leasequery to the AIIH (rate-limited,
 * BR_LQ_RATE/s), the packets parked meanwhile (BR_PENDING_MAX per query,
 * BR_PENDING_TOTAL in all, then drop_pending_full); when no binding can be
 * had, ICMPv4 host unreachable (draft-ietf-ngtrans-dstm §6.2.2), at most
 * BR_ICMP_PER_SEC a second beside the stack's own ICMP token bucket. */
#include <string.h>
#include "dstm/br_priv.h"
#include "dhcp6/lease.h"
#include "net/ip4_var.h"
#include "net/ip6_var.h"
#include "wire/icmp4.h"

static void unreachable(struct br *br, struct pkt *p)
{
    uint32_t missed;
    CTR_INC(br->st, br, drop_unresolved);
    if (!six_ratelimit_take(&br->icmp_rl, six_now(br->st), &missed)) {
        pkt_free(p);
        return;
    }
    CTR_INC(br->st, br, out_unreach);
    icmp4_error(br->st, p, ICMP4_UNREACH, ICMP4_UNREACH_HOST, 0);
}

static void encap_send(struct br *br, struct pkt *p, const struct dstm_binding *b)
{
    struct six_stack *st = br->st;
    uint8_t tos = pkt_data(p)[1];
    if (p->encap >= BR_MAX_NEST) {
        CTR_INC(st, br, drop_nested);
        pkt_free(p);
        return;
    }
    p->encap++;
    p->flags = 0;   /* the outer packet is our own */
    struct ip6_out o = { .src = br->cfg.local, .dst = b->v6, .nxt = IPPROTO_IPIP, .hlim = (int)br->cfg.hlim,
                         .tclass = tos };
    if (ip6_output(st, p, &o) == 0)
        CTR_INC(st, br, out_packets);
}

/* --- Leasequeries and parked packets --- */

static bool lq_token(struct br *br)
{
    uint64_t now = six_now(br->st);
    if (now - br->lq_refill_ns >= 1000000000ull) {
        br->lq_refill_ns = now;
        br->lq_tokens = BR_LQ_RATE;
    }
    if (!br->lq_tokens)
        return false;
    br->lq_tokens--;
    return true;
}

static void pend_free(struct br *br, struct br_pend *pe)
{
    pe->used = false;
    br->lq_waiting--;
}

static void encap_one(struct br *br, struct pkt *p);

static void pend_done(void *arg, enum lq_result r, const struct dstm_binding *b)
{
    struct br_pend *pe = arg;
    struct br *br = pe->br;
    struct pkt_queue q = pe->q;
    struct in_addr v4 = pe->v4;
    uint16_t psid = pe->psid;
    if (r == LQ_FOUND && b && b->v4.s_addr == pe->v4.s_addr && (b->ps.psid_len ? b->ps.psid : 0) == pe->psid)
        br_table_learn(br, b, false);
    pktq_init(&pe->q);
    br->pending_pkts -= q.n;
    pend_free(br, pe);
    struct pkt *p;
    while ((p = pktq_pop(&q))) {
        const struct dstm_binding *got = br_table_get(br->tab, v4, psid, lease_wall_now(br->st));
        if (got)
            encap_send(br, p, got);
        else
            unreachable(br, p);
    }
}

static struct br_pend *pend_find(struct br *br, struct in_addr v4, uint16_t psid)
{
    for (unsigned i = 0; i < BR_PEND_SLOTS; i++)
        if (br->pend[i].used && br->pend[i].v4.s_addr == v4.s_addr && br->pend[i].psid == psid)
            return &br->pend[i];
    return NULL;
}

struct br_pend *br_lq_start(struct br *br, struct in_addr v4, uint16_t psid, const struct br_pool *pool)
{
    struct br_pend *pe = pend_find(br, v4, psid);
    if (pe || !br->cfg.has_aiih)
        return pe;
    for (unsigned i = 0; i < BR_PEND_SLOTS && !pe; i++)
        if (!br->pend[i].used)
            pe = &br->pend[i];
    if (!pe)
        return NULL;
    if (!lq_token(br)) {
        CTR_INC(br->st, br, lq_ratelimited);
        return NULL;
    }
    *pe = (struct br_pend){ .used = true, .v4 = v4, .psid = psid, .br = br,
                            .ps = { .offset = pool->offset, .psid_len = pool->psid_len, .psid = psid } };
    pktq_init(&pe->q);
    br->lq_waiting++;
    if (lq_query(br->st, &br->cfg.aiih, v4, &pe->ps, pend_done, pe) < 0) {
        pend_free(br, pe);
        return NULL;
    }
    CTR_INC(br->st, br, lq_started);
    return pe;
}

/* A binding arrived by other means (configuration, an AIIH event): the
 * packets waiting for it go now and the question is dropped. */
void br_pending_release(struct br *br, struct in_addr v4, uint16_t psid)
{
    struct br_pend *pe = pend_find(br, v4, psid);
    if (!pe)
        return;
    lq_cancel_all(br->st, pend_done, pe);
    struct pkt_queue q = pe->q;
    pktq_init(&pe->q);
    br->pending_pkts -= q.n;
    pend_free(br, pe);
    struct pkt *p;
    while ((p = pktq_pop(&q)))
        encap_one(br, p);
}

void br_pending_flush(struct br *br)
{
    for (unsigned i = 0; i < BR_PEND_SLOTS; i++) {
        struct br_pend *pe = &br->pend[i];
        if (!pe->used)
            continue;
        lq_cancel_all(br->st, pend_done, pe);
        br->pending_pkts -= pe->q.n;
        pktq_purge(&pe->q);
        pend_free(br, pe);
    }
}

static void miss(struct br *br, struct pkt *p, struct in_addr v4, uint16_t psid, const struct br_pool *pool)
{
    CTR_INC(br->st, br, out_miss);
    struct br_pend *pe = br_lq_start(br, v4, psid, pool);
    if (!pe) {
        unreachable(br, p);
        return;
    }
    if (pe->q.n >= BR_PENDING_MAX || br->pending_pkts >= BR_PENDING_TOTAL) {
        CTR_INC(br->st, br, drop_pending_full);
        pkt_free(p);
        return;
    }
    pktq_push(&pe->q, p);
    br->pending_pkts++;
}

/* --- classification --- */

struct out_key {
    struct pkt *p;
    const struct br_pool *pool;
    struct in_addr v4;
    uint16_t psid;
    bool first_frag;                  /* a first fragment to a shared address */
    bool frag;                        /* any fragment to a shared address */
};

/* A first fragment to a shared address whose binding was found: its later
 * fragments (no port) follow it. Never before the lookup: a first fragment
 * to nobody would take a slot for nothing. */
static void note_first_frag(struct br *br, const struct out_key *k)
{
    struct ip4_info ih;
    if (k->first_frag && ip4_parse(pkt_data(k->p), k->p->len, &ih) == WR_OK)
        br_frag_note(br, br->frag_out, &ih, k->psid, NULL, six_now(br->st));
}

/* The binding key of an outgoing packet; false: dropped (counted). */
static bool classify(struct br *br, struct pkt *p, struct out_key *k)
{
    struct six_stack *st = br->st;
    struct ip4_info ih;
    if (ip4_parse(pkt_data(p), p->len, &ih) != WR_OK) {
        CTR_INC(st, br, drop_out_bad_inner);
        pkt_free(p);
        return false;
    }
    k->p = p;
    k->v4 = ih.dst;
    k->psid = 0;
    k->first_frag = k->frag = false;
    k->pool = br_pool_of(br, ih.dst);
    if (!k->pool) {
        CTR_INC(st, br, drop_out_bad_inner);   /* routed here, yet in no pool */
        pkt_free(p);
        return false;
    }
    if (!k->pool->psid_len)
        return true;
    uint16_t port;
    uint64_t now = six_now(st);
    k->frag = ih.frag_off || ih.mf;
    if (ih.frag_off) {
        const struct br_frag *f = br_frag_find(br, br->frag_out, &ih, now);
        if (f) {
            k->psid = f->psid;
            return true;
        }
        CTR_INC(st, br, drop_frag_no_first);
    } else if (br_host_port(pkt_data(p), p->len, &ih, false, &port) &&
               dstm_port_psid(k->pool->offset, k->pool->psid_len, port, &k->psid)) {
        k->first_frag = ih.mf;   /* noted once a binding is found (note_first_frag) */
        return true;
    } else {
        CTR_INC(st, br, drop_no_port);
    }
    pkt_free(p);
    return false;
}

static void encap_one(struct br *br, struct pkt *p)
{
    struct out_key k;
    if (!classify(br, p, &k))
        return;
    const struct dstm_binding *b = br_table_get(br->tab, k.v4, k.psid, lease_wall_now(br->st));
    if (b) {
        note_first_frag(br, &k);
        encap_send(br, p, b);
    } else
        miss(br, p, k.v4, k.psid, k.pool);
}

/* Look up and send k[0..m) together. */
static void xmit_batch(struct br *br, struct out_key *k, unsigned m, int64_t now)
{
    struct in_addr v4[BR_BATCH] = { 0 };
    uint16_t psid[BR_BATCH] = { 0 };
    const struct dstm_binding *b[BR_BATCH];
    if (!m)
        return;
    for (unsigned i = 0; i < m; i++) {
        v4[i] = k[i].v4;
        psid[i] = k[i].psid;
    }
    br_table_get_batch(br->tab, v4, psid, m, now, b);
    for (unsigned i = 0; i < m; i++) {
        if (b[i]) {
            note_first_frag(br, &k[i]);
            encap_send(br, k[i].p, b[i]);
        } else {
            miss(br, k[i].p, k[i].v4, k[i].psid, k[i].pool);
        }
    }
}

unsigned br_xmit(struct ifnet *ifp, struct pkt **pkts, unsigned n)
{
    struct br *br = ifp->drv;
    int64_t now = lease_wall_now(br->st);
    struct out_key k[BR_BATCH];
    unsigned m = 0;
    for (unsigned i = 0; i < n; i++) {
        if (!classify(br, pkts[i], &k[m]))
            continue;
        if (k[m].frag) {
            /* a fragment of a shared address: in order, one at a time, so
             * that a first fragment is noted before its later ones look */
            struct out_key one = k[m];
            xmit_batch(br, k, m, now);
            m = 0;
            xmit_batch(br, &one, 1, now);
            continue;
        }
        if (++m == BR_BATCH) {
            xmit_batch(br, k, m, now);
            m = 0;
        }
    }
    xmit_batch(br, k, m, now);
    return n;
}
