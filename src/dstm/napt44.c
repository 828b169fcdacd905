/* NAPT44 into an lw4o6 port set: the translation table. Behaviour, cap and
 * eviction rule are in napt44.h; the header bytes are src/wire/nat44.c's.
 *
 * Layout, all allocated by napt44_new:
 *   ent[max]        the mappings; free ones chained through `next`
 *   in_hash[]       (proto, inside address, inside port) → mapping, chained
 *                   through `hnext`; the hash is salted (the host is ours,
 *                   but a flood of chosen ports should not build one chain)
 *   out_idx[3][S]   per protocol, per port of the set (its index in the
 *                   set): the mapping holding it, or NIL
 *   lru[class]      one list per timeout class, least recently used first:
 *                   a class's mappings share one timeout, so expiry only
 *                   ever looks at list heads. */
#include <stdlib.h>
#include <string.h>
#include "core/clock.h"
#include "core/counters.h"
#include "dstm/napt44.h"
#include "net/stack.h"
#include "wire/icmp4.h"
#include "wire/ip4.h"
#include "wire/nat44.h"
#include "wire/tcp.h"

#define NIL UINT32_MAX
enum { P_TCP, P_UDP, P_ICMP, P_N };
enum { C_UDP, C_TCP_EST, C_TCP_TRANS, C_ICMP, C_N };
/* TCP events seen on a mapping */
enum { T_SYN_OUT = 1, T_SYN_IN = 2, T_FIN_OUT = 4, T_FIN_IN = 8, T_RST = 16 };

static const uint64_t class_timeout[C_N] = {
    [C_UDP] = NAPT44_UDP_TIMEOUT * NS_PER_SEC,
    [C_TCP_EST] = NAPT44_TCP_EST_TIMEOUT * NS_PER_SEC,
    [C_TCP_TRANS] = NAPT44_TCP_TRANS_TIMEOUT * NS_PER_SEC,
    [C_ICMP] = NAPT44_ICMP_TIMEOUT * NS_PER_SEC,
};
static const char *const class_name[C_N] = { "udp", "tcp-established", "tcp-transitory", "icmp" };

struct ent {
    struct in_addr in_addr;
    uint16_t in_port, out_port;
    uint8_t p;                    /* P_*, or P_N when free */
    uint8_t tcp;                  /* T_* bits */
    uint8_t cls;
    uint32_t hnext;               /* inside-hash chain */
    uint32_t prev, next;          /* class list (free list: next only) */
    uint64_t last;                /* ns, last packet either way */
};

struct napt44 {
    struct napt44_config cfg;
    uint32_t max, n, ports;
    struct ent *ent;
    uint32_t *in_hash, hmask;
    uint32_t *out_idx;            /* P_N × ports */
    uint32_t free_head;
    struct { uint32_t head, tail; } lru[C_N];
    uint64_t salt;
    uint64_t next_sweep;          /* ns: out/in run napt44_expire once a second */
    uint64_t created, expired;
};

static const char *const verdict_names[NAPT44__MAX] = {
    [NAPT44_OK] = "ok",
#define NAPT44_V_NAME(e, name) [NAPT44_##e] = #name,
    NAPT44_DROPS(NAPT44_V_NAME)
#undef NAPT44_V_NAME
};

const char *napt44_verdict_name(enum napt44_verdict v)
{
    return (unsigned)v < NAPT44__MAX ? verdict_names[v] : "unknown";
}

uint32_t napt44_rand_stack(void *st, uint32_t below) { return six_random_secure_below(st, below); }

void napt44_count(struct six_stack *st, bool out, enum napt44_verdict v)
{
    static const enum six_ctr drop_ctr[NAPT44__MAX] = {
#define NAPT44_V_CTR(e, name) [NAPT44_##e] = CTR_napt_##name,
        NAPT44_DROPS(NAPT44_V_CTR)
#undef NAPT44_V_CTR
    };
    if (v == NAPT44_OK)
        st->ctr.v[out ? CTR_napt_out_translated : CTR_napt_in_translated]++;
    else if ((unsigned)v < NAPT44__MAX)
        st->ctr.v[drop_ctr[v]]++;
}

static int proto_index(uint8_t proto)
{
    return proto == IP4_PROTO_TCP ? P_TCP : proto == IP4_PROTO_UDP ? P_UDP : proto == IP4_PROTO_ICMP ? P_ICMP : -1;
}

static const uint8_t index_proto[P_N] = { IP4_PROTO_TCP, IP4_PROTO_UDP, IP4_PROTO_ICMP };

/* The inverse of dstm_portset_port: the index of a port of the set. */
static uint32_t port_index(const struct dstm_portset *ps, uint16_t port)
{
    if (ps->psid_len == 0)
        return port;
    unsigned m = 16u - ps->offset - ps->psid_len;
    uint32_t a = ps->offset ? (uint32_t)(port >> (16 - ps->offset)) - 1 : 0;
    return (a << m) | (port & ((1u << m) - 1));
}

/* ---- lists ---- */

static void lru_unlink(struct napt44 *n, uint32_t i)
{
    struct ent *e = &n->ent[i];
    if (e->prev != NIL) n->ent[e->prev].next = e->next; else n->lru[e->cls].head = e->next;
    if (e->next != NIL) n->ent[e->next].prev = e->prev; else n->lru[e->cls].tail = e->prev;
}

static void lru_append(struct napt44 *n, uint32_t i)
{
    struct ent *e = &n->ent[i];
    e->next = NIL;
    e->prev = n->lru[e->cls].tail;
    if (e->prev != NIL) n->ent[e->prev].next = i; else n->lru[e->cls].head = i;
    n->lru[e->cls].tail = i;
}

static uint32_t hash_inside(const struct napt44 *n, int p, struct in_addr a, uint16_t port)
{
    uint64_t k = ((uint64_t)a.s_addr << 24 | (uint64_t)port << 8 | (uint64_t)p) ^ n->salt;
    k ^= k >> 33; k *= 0xff51afd7ed558ccdull; k ^= k >> 33; k *= 0xc4ceb9fe1a85ec53ull; k ^= k >> 33;
    return (uint32_t)k & n->hmask;
}

static uint32_t find_inside(const struct napt44 *n, int p, struct in_addr a, uint16_t port)
{
    for (uint32_t i = n->in_hash[hash_inside(n, p, a, port)]; i != NIL; i = n->ent[i].hnext) {
        const struct ent *e = &n->ent[i];
        if (e->p == p && e->in_port == port && e->in_addr.s_addr == a.s_addr)
            return i;
    }
    return NIL;
}

static uint32_t *out_slot(struct napt44 *n, int p, uint16_t port)
{
    if (!dstm_port_in_set(&n->cfg.ps, port))
        return NULL;
    return &n->out_idx[(size_t)p * n->ports + port_index(&n->cfg.ps, port)];
}

static uint32_t find_outside(struct napt44 *n, int p, uint16_t port)
{
    uint32_t *s = out_slot(n, p, port);
    return s ? *s : NIL;
}

/* ---- create, remove, expire ---- */

static void remove_entry(struct napt44 *n, uint32_t i)
{
    struct ent *e = &n->ent[i];
    uint32_t *pp = &n->in_hash[hash_inside(n, e->p, e->in_addr, e->in_port)];
    while (*pp != i)
        pp = &n->ent[*pp].hnext;
    *pp = e->hnext;
    *out_slot(n, e->p, e->out_port) = NIL;
    lru_unlink(n, i);
    e->p = P_N;
    e->next = n->free_head;
    n->free_head = i;
    n->n--;
}

uint32_t napt44_expire(struct napt44 *n, uint64_t now)
{
    uint32_t k = 0;
    for (int c = 0; c < C_N; c++)
        while (n->lru[c].head != NIL && n->ent[n->lru[c].head].last + class_timeout[c] <= now) {
            remove_entry(n, n->lru[c].head);
            k++;
        }
    n->expired += k;
    return k;
}

/* A free port of the set for protocol p: a few random draws, then a walk
 * from a random start (the set may be nearly full). Port 0 is never used. */
static bool pick_port(struct napt44 *n, int p, uint16_t *port)
{
    uint32_t *slots = &n->out_idx[(size_t)p * n->ports];
    for (int t = 0; t < 8; t++) {
        uint32_t i = n->cfg.rand(n->cfg.rand_arg, n->ports);
        uint16_t cand = dstm_portset_port(&n->cfg.ps, i);
        if (slots[i] == NIL && cand != 0) {
            *port = cand;
            return true;
        }
    }
    uint32_t start = n->cfg.rand(n->cfg.rand_arg, n->ports);
    for (uint32_t k = 0; k < n->ports; k++) {
        uint32_t i = (start + k) % n->ports;
        uint16_t cand = dstm_portset_port(&n->cfg.ps, i);
        if (slots[i] == NIL && cand != 0) {
            *port = cand;
            return true;
        }
    }
    return false;
}

static enum napt44_verdict create(struct napt44 *n, int p, struct in_addr a, uint16_t port, uint64_t now,
                                  uint32_t *out)
{
    if (n->n >= n->max)
        napt44_expire(n, now);
    if (n->n >= n->max)
        return NAPT44_TABLE_FULL;
    uint16_t oport;
    if (!pick_port(n, p, &oport)) {
        napt44_expire(n, now);            /* an idle mapping may hold the last port */
        if (!pick_port(n, p, &oport))
            return NAPT44_NO_PORT;
    }
    uint32_t i = n->free_head;
    struct ent *e = &n->ent[i];
    n->free_head = e->next;
    *e = (struct ent){ .in_addr = a, .in_port = port, .out_port = oport, .p = (uint8_t)p,
                       .cls = p == P_UDP ? C_UDP : p == P_ICMP ? C_ICMP : C_TCP_TRANS, .last = now };
    uint32_t h = hash_inside(n, p, a, port);
    e->hnext = n->in_hash[h];
    n->in_hash[h] = i;
    *out_slot(n, p, oport) = i;
    lru_append(n, i);
    n->n++;
    n->created++;
    *out = i;
    return NAPT44_OK;
}

/* RFC 5382: established once a SYN went each way, until an RST or a FIN
 * each way; a new outgoing SYN on a closed mapping starts over. */
static void tcp_track(struct ent *e, uint8_t flags, bool out)
{
    if (out && (flags & (TCP_SYN | TCP_ACK)) == TCP_SYN && (e->tcp & (T_RST | T_FIN_IN | T_FIN_OUT)))
        e->tcp = 0;
    if (flags & TCP_SYN) e->tcp |= out ? T_SYN_OUT : T_SYN_IN;
    if (flags & TCP_FIN) e->tcp |= out ? T_FIN_OUT : T_FIN_IN;
    if (flags & TCP_RST) e->tcp |= T_RST;
}

static uint8_t tcp_class(uint8_t t)
{
    bool open = (t & T_SYN_OUT) && (t & T_SYN_IN);
    bool closing = (t & T_RST) || ((t & T_FIN_OUT) && (t & T_FIN_IN));
    return open && !closing ? C_TCP_EST : C_TCP_TRANS;
}

static void touch(struct napt44 *n, uint32_t i, const struct nat44_info *in, bool out, uint64_t now)
{
    struct ent *e = &n->ent[i];
    lru_unlink(n, i);
    if (e->p == P_TCP) {
        tcp_track(e, in->tcp_flags, out);
        e->cls = tcp_class(e->tcp);
    }
    e->last = now;
    lru_append(n, i);
}

/* A mapping past its timeout is gone even if no sweep removed it yet:
 * found-but-expired is removed here and reported as not found. */
static uint32_t live(struct napt44 *n, uint32_t i, uint64_t now)
{
    if (i != NIL && n->ent[i].last + class_timeout[n->ent[i].cls] <= now) {
        remove_entry(n, i);
        n->expired++;
        return NIL;
    }
    return i;
}

static void sweep(struct napt44 *n, uint64_t now)
{
    if (now < n->next_sweep)
        return;
    napt44_expire(n, now);
    n->next_sweep = now + NS_PER_SEC;
}

/* ---- the two directions ---- */

static enum napt44_verdict parse(const uint8_t *p, size_t len, struct nat44_info *in)
{
    enum wire_reason r = nat44_parse(p, len, in);
    if (r == WR_OK)
        return in->kind == NAT44_OTHER ? NAPT44_PROTO : NAPT44_OK;
    if (in->kind == NAT44_ICMP_ERROR)
        return NAPT44_ICMP_QUOTE;
    return r == WR_FRAGMENTED ? NAPT44_FRAGMENT : NAPT44_MALFORMED;
}

enum napt44_verdict napt44_out(struct napt44 *n, uint8_t *p, size_t len, uint64_t now)
{
    struct nat44_info in;
    enum napt44_verdict v = parse(p, len, &in);
    if (v != NAPT44_OK)
        return v;
    sweep(n, now);
    if (in.kind == NAT44_ICMP_ERROR) {
        /* the host's error about a packet that came in: the quoted datagram
         * went to the inside end of a mapping */
        int qp = proto_index(in.inner.proto);
        uint32_t i = live(n, find_inside(n, qp, in.inner.dst, in.inner.dport), now);
        if (i == NIL)
            return NAPT44_NO_MAPPING;
        nat44_rewrite(p, len, &in, NAT44_SRC, n->cfg.x, n->ent[i].out_port);
        return NAPT44_OK;
    }
    int pi = proto_index(in.f.proto);
    uint32_t i = live(n, find_inside(n, pi, in.f.src, in.f.sport), now);
    if (i == NIL) {
        if (pi == P_TCP && (in.tcp_flags & (TCP_SYN | TCP_ACK | TCP_RST)) != TCP_SYN)
            return NAPT44_TCP_NOT_SYN;
        if (pi == P_ICMP && in.icmp_type != ICMP4_ECHO)
            return NAPT44_NO_MAPPING;     /* only a request opens an ICMP query mapping */
        v = create(n, pi, in.f.src, in.f.sport, now, &i);
        if (v != NAPT44_OK)
            return v;
    }
    touch(n, i, &in, true, now);
    nat44_rewrite(p, len, &in, NAT44_SRC, n->cfg.x, n->ent[i].out_port);
    return NAPT44_OK;
}

enum napt44_verdict napt44_in(struct napt44 *n, uint8_t *p, size_t len, uint64_t now)
{
    struct nat44_info in;
    enum napt44_verdict v = parse(p, len, &in);
    if (v != NAPT44_OK)
        return v;
    if (in.f.dst.s_addr != n->cfg.x.s_addr)
        return NAPT44_NOT_OURS;
    sweep(n, now);
    if (in.kind == NAT44_ICMP_ERROR) {
        /* about a datagram we sent: its source is X and a mapped port */
        if (in.inner.src.s_addr != n->cfg.x.s_addr)
            return NAPT44_NOT_OURS;
        uint32_t i = live(n, find_outside(n, proto_index(in.inner.proto), in.inner.sport), now);
        if (i == NIL)
            return NAPT44_NO_MAPPING;
        nat44_rewrite(p, len, &in, NAT44_DST, n->ent[i].in_addr, n->ent[i].in_port);
        return NAPT44_OK;
    }
    uint32_t i = live(n, find_outside(n, proto_index(in.f.proto), in.f.dport), now);
    if (i == NIL)
        return NAPT44_NO_MAPPING;
    touch(n, i, &in, false, now);
    nat44_rewrite(p, len, &in, NAT44_DST, n->ent[i].in_addr, n->ent[i].in_port);
    return NAPT44_OK;
}

/* ---- life cycle, show ---- */

struct napt44 *napt44_new(const struct napt44_config *cfg)
{
    if (!cfg->rand || !dstm_portset_valid(&cfg->ps))
        return NULL;
    struct napt44 *n = calloc(1, sizeof *n);
    if (!n)
        return NULL;
    n->cfg = *cfg;
    n->ports = dstm_portset_size(&cfg->ps);
    uint32_t max = cfg->max ? cfg->max : NAPT44_MAX_DEFAULT;
    n->max = max < P_N * n->ports ? max : P_N * n->ports;
    uint32_t buckets = 1;
    while (buckets < n->max)
        buckets <<= 1;
    n->hmask = buckets - 1;
    n->ent = calloc(n->max, sizeof *n->ent);
    n->in_hash = malloc(buckets * sizeof *n->in_hash);
    n->out_idx = malloc((size_t)P_N * n->ports * sizeof *n->out_idx);
    if (!n->ent || !n->in_hash || !n->out_idx) {
        napt44_free(n);
        return NULL;
    }
    memset(n->in_hash, 0xff, buckets * sizeof *n->in_hash);
    memset(n->out_idx, 0xff, (size_t)P_N * n->ports * sizeof *n->out_idx);
    for (uint32_t i = 0; i < n->max; i++) {
        n->ent[i].p = P_N;
        n->ent[i].next = i + 1 < n->max ? i + 1 : NIL;
    }
    n->free_head = 0;
    for (int c = 0; c < C_N; c++)
        n->lru[c].head = n->lru[c].tail = NIL;
    n->salt = (uint64_t)cfg->rand(cfg->rand_arg, UINT32_MAX) << 32 | cfg->rand(cfg->rand_arg, UINT32_MAX);
    return n;
}

void napt44_free(struct napt44 *n)
{
    if (!n)
        return;
    free(n->ent);
    free(n->in_hash);
    free(n->out_idx);
    free(n);
}

void napt44_foreach(const struct napt44 *n, void (*fn)(void *arg, const struct napt44_mapping *m), void *arg)
{
    for (uint32_t i = 0; i < n->max; i++) {
        const struct ent *e = &n->ent[i];
        if (e->p == P_N)
            continue;
        struct napt44_mapping m = { .proto = index_proto[e->p], .in_addr = e->in_addr, .in_port = e->in_port,
                                    .out_port = e->out_port, .state = class_name[e->cls],
                                    .expires = e->last + class_timeout[e->cls] };
        fn(arg, &m);
    }
}

void napt44_stats(const struct napt44 *n, struct napt44_stats *out)
{
    *out = (struct napt44_stats){ .mappings = n->n, .max = n->max, .ports = n->ports,
                                  .created = n->created, .expired = n->expired };
}
