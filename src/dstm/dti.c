/* The DTI client: dti0 and its IPv4 address by DHCPv6 (see dti.h).
 *
 * dti0 is an IFT_RAWIP interface whose xmit is the tunnel: an IPv4 packet
 * routed into it (the default IPv4 route points there from the start)
 * leaves as 4in6 from the binding's IPv6 address to the TEP; with no
 * binding yet it is parked (DTI_PENDING_MAX, DTI_PENDING_WAIT_S) and the
 * uplink's DHCPv6 client asked (client_v4.c). A local socket with no IPv4
 * address to send from makes in4_selectsrc report SIX_NE_V4_NOSRC on
 * dti0: that asks too (the send itself fails; the next one, once bound,
 * goes). Inbound 4in6 comes through six_tun_hook_add: for the binding's
 * IPv6 address only, from the TEP only (dti.drop_spoof), to dti0's address
 * (and port set) only (dti.drop_not_ours).
 *
 * Dynamic TEP (§6.2.2.1, `dynamic-tep on`): the TEP of an IPv4
 * destination is the IPv6 address of its holder, asked of the AIIH by
 * Leasequery (lq.h) and cached for the lease's remaining lifetime (a "not
 * found" or a failure for DTI_NEG_TTL s); while a query runs and when it
 * fails the static TEP serves. The cache is 4-way set associative
 * (DTI_TEP_CACHE entries, the least recently used of a set replaced), so a
 * lookup costs four compares; inbound 4in6 from a cached holder is accepted
 * for that holder's IPv4 address only.
 *
 * A binding with a port set (lw4o6, a shared address) gets a NAPT44 table
 * (napt44.h, RFC 7596 §5.1): outgoing IPv4 is translated into the set just
 * before encapsulation, incoming back just after the checks above.
 *
 * Table caps: DTI_PENDING_MAX parked packets; DTI_TEP_CACHE TEPs; one
 * binding; NAPT44_MAX_DEFAULT mappings.
 * Not here yet: gateway mode (dti0 as a TUN on the host kernel). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include "dstm/dti.h"
#include "dstm/napt44.h"
#include "dhcp6/client.h"
#include "dhcp6/lease.h"
#include "dstm/lq.h"
#include "net/stack.h"
#include "net/ip4_var.h"
#include "net/ip6_var.h"
#include "net/oplog.h"
#include "wire/ip4.h"
#include "wire/ip6.h"
#include "wire/udp.h"

#define DTI_PENDING_WAIT_S 10     /* parked packets wait this long for the address */
#define DTI_HLIM 64
#define TEP_WAYS 4
#define TEP_SETS (DTI_TEP_CACHE / TEP_WAYS)

struct tep_entry {
    struct in_addr v4;            /* 0: free */
    struct in6_addr tep;          /* :: : negative (static TEP) */
    uint64_t expires_ns, used_ns;
    bool asking;                  /* a Leasequery runs (its arg is this entry) */
    struct dti *owner;
};

struct dti {
    struct six_stack *st;
    struct dti_config cfg;
    struct ifnet *ifp;
    enum dti_state state;
    bool bound;
    struct dstm_binding b;
    bool b4_added;                /* lw4o6: we put the B4 address on the uplink */
    struct napt44 *napt;          /* lw4o6 with a port set: the host's flows into the set */
    bool stopping;                /* dti0 is being detached: what it still flushes is dropped */
    struct pkt *pending[DTI_PENDING_MAX];
    unsigned npend;
    uint64_t last_tx_ns;          /* IPv4 traffic either way */
    struct timer idle_timer, pend_timer;
    struct tep_entry *teps;       /* dynamic TEP: TEP_SETS x TEP_WAYS (NULL when off) */
    unsigned n_teps;
    uint32_t lq_tokens;           /* Leasequeries left this second (DTI_LQ_RATE) */
    uint64_t lq_refill_ns;
};

static unsigned dti_xmit(struct ifnet *ifp, struct pkt **pkts, unsigned n);
static void dti_if_destroy(struct ifnet *ifp) { (void)ifp; }
static const struct if_ops dti_ops = { .kind = "dti", .xmit = dti_xmit, .destroy = dti_if_destroy };

static struct dti *dti_of(struct six_stack *st)
{
    return st->dstm ? st->dstm->dti : NULL;
}

const char *dti_state_name(enum dti_state s)
{
    static const char *const n[] = { "idle", "asking", "bound", "releasing" };
    return (unsigned)s < sizeof n / sizeof n[0] ? n[s] : "?";
}

static const char *ntop4(struct in_addr a, char *buf)
{
    return inet_ntop(AF_INET, &a, buf, INET_ADDRSTRLEN);
}

/* ------------------------------------------------------------ asking */

static void ask(struct dti *d)
{
    if (d->bound || d->state == DTI_ASKING)
        return;
    int rc = d6c_v4_want(d->st, d->cfg.uplink);
    if (rc < 0 && rc != -EALREADY) {
        SIX_WARN(d->st, SIX_WARN_DHCP6, "%s: cannot ask for an IPv4 address: %s", d->cfg.ifname, strerror(-rc));
        return;
    }
    CTR_INC(d->st, dti, asks);
    d->state = DTI_ASKING;
    six_event(d->st, LOG_INFO, "%s: asking %s's DHCPv6 server for an IPv4 address", d->cfg.ifname, d->cfg.uplink);
}

static void pend_drop_all(struct dti *d)
{
    for (unsigned i = 0; i < d->npend; i++)
        pkt_free(d->pending[i]);
    CTR_ADD(d->st, dti, drop_pending_timeout, d->npend);
    d->npend = 0;
}

static void pend_timer_fn(struct timer *t, void *arg)
{
    struct dti *d = arg;
    (void)t;
    if (!d->bound)
        pend_drop_all(d);
}

/* ------------------------------------------------------------ output */

static const struct in6_addr *static_tep(const struct dti *d)
{
    if (!in6_is_unspecified(&d->b.tep))
        return &d->b.tep;
    return d->cfg.has_tep ? &d->cfg.tep : NULL;
}

/* ------------------------------------------------------------ dynamic TEP */

static struct tep_entry *tep_set(struct dti *d, struct in_addr v4)
{
    uint32_t h = ntohl(v4.s_addr) * 2654435761u;   /* Fibonacci hashing: neighbours spread over sets */
    return &d->teps[(h >> 16) % TEP_SETS * TEP_WAYS];
}

static struct tep_entry *tep_find(struct dti *d, struct in_addr v4)
{
    struct tep_entry *set = tep_set(d, v4);
    for (int i = 0; i < TEP_WAYS; i++)
        if (set[i].v4.s_addr == v4.s_addr)
            return &set[i];
    return NULL;
}

/* A slot for v4: a free one, else the set's least recently used that is
 * not waiting for an answer; NULL when all four are asking. */
static struct tep_entry *tep_slot(struct dti *d, struct in_addr v4)
{
    struct tep_entry *set = tep_set(d, v4), *victim = NULL;
    for (int i = 0; i < TEP_WAYS; i++) {
        if (!set[i].v4.s_addr)
            return &set[i];
        if (!set[i].asking && (!victim || set[i].used_ns < victim->used_ns))
            victim = &set[i];
    }
    return victim;
}

static void lq_done(void *arg, enum lq_result r, const struct dstm_binding *b);

/* A token bucket for Leasequeries: every IPv4 destination not cached costs
 * one, and whoever makes the host send to many (a scan, a web page) would
 * otherwise make it flood the AIIH. */
static bool lq_token(struct dti *d, uint64_t now)
{
    if (now - d->lq_refill_ns >= NS_PER_SEC) {
        d->lq_refill_ns = now;
        d->lq_tokens = DTI_LQ_RATE;
    }
    if (!d->lq_tokens)
        return false;
    d->lq_tokens--;
    return true;
}

/* Cached: the holder's address (NULL for a negative entry); a miss asks. */
static const struct in6_addr *tep_dynamic(struct dti *d, struct in_addr dst, bool *known)
{
    uint64_t now = six_now(d->st);
    struct tep_entry *e = tep_find(d, dst);
    *known = false;
    if (e && (e->asking || now < e->expires_ns)) {
        e->used_ns = now;
        *known = !e->asking;
        return e->asking || in6_is_unspecified(&e->tep) ? NULL : &e->tep;
    }
    if (!lq_token(d, now)) {
        CTR_INC(d->st, dti, lq_ratelimited);   /* the static TEP meanwhile; asked again later */
        return NULL;
    }
    if (!e && !(e = tep_slot(d, dst))) {
        CTR_INC(d->st, dti, tep_cache_full);
        return NULL;
    }
    if (!e->v4.s_addr)
        d->n_teps++;
    *e = (struct tep_entry){ .v4 = dst, .asking = true, .used_ns = now, .owner = d };
    if (lq_query(d->st, &d->cfg.aiih, dst, NULL, lq_done, e) < 0) {
        e->asking = false;   /* remembered as not found for a while: no query storm */
        e->expires_ns = now + (uint64_t)DTI_NEG_TTL * NS_PER_SEC;
        CTR_INC(d->st, dti, tep_lq_failed);
    }
    return NULL;
}

/* arg is the entry (an asking entry is never evicted, and stop cancels
 * every query of an asking entry): found → the holder for the lease's
 * remaining lifetime; else a negative entry for DTI_NEG_TTL s. */
static void lq_done(void *arg, enum lq_result r, const struct dstm_binding *b)
{
    struct tep_entry *e = arg;
    struct dti *d = e->owner;
    uint64_t now = six_now(d->st);
    e->asking = false;
    if (r == LQ_FOUND && b && b->v4.s_addr == e->v4.s_addr) {
        int64_t left = b->expires - lease_wall_now(d->st);
        e->tep = b->v6;
        e->expires_ns = now + (uint64_t)(left > 0 ? left : 0) * NS_PER_SEC;
        return;
    }
    if (r != LQ_NOT_FOUND)
        CTR_INC(d->st, dti, tep_lq_failed);
    e->tep = in6addr_any;
    e->expires_ns = now + (uint64_t)DTI_NEG_TTL * NS_PER_SEC;
}

/* The TEP for an IPv4 destination: dynamic (a cached holder) first, then
 * the AIIH's static one, else the configured one. */
static const struct in6_addr *tep_for(struct dti *d, struct in_addr dst)
{
    if (d->teps) {
        bool known;
        const struct in6_addr *t = tep_dynamic(d, dst, &known);
        if (t) {
            CTR_INC(d->st, dti, tep_dynamic);
            return t;
        }
    }
    CTR_INC(d->st, dti, tep_static);
    return static_tep(d);
}

/* 4in6 from src may carry inner IPv4 source v4: the static TEP, or the
 * cached holder of v4. */
static bool src_may_send(struct dti *d, const struct in6_addr *src, struct in_addr v4)
{
    const struct in6_addr *st = static_tep(d);
    if (st && in6_eq(src, st))
        return true;
    struct tep_entry *e = d->teps ? tep_find(d, v4) : NULL;
    return e && !e->asking && six_now(d->st) < e->expires_ns && in6_eq(&e->tep, src);
}

static void encap(struct dti *d, struct pkt *p)
{
    struct six_stack *st = d->st;
    struct ip4_info ih;
    if (ip4_parse(pkt_data(p), p->len, &ih) != WR_OK) {
        CTR_INC(st, dti, drop_inner_bad);
        pkt_free(p);
        return;
    }
    /* lw4o6 with a port set: NAPT44 (napt44.h, RFC 7596 §5.1) translates
     * the flow into the set here, before encapsulation. */
    if (d->napt) {
        enum napt44_verdict v = napt44_out(d->napt, pkt_data(p), p->len, six_now(st));
        napt44_count(st, true, v);
        if (v != NAPT44_OK) {
            pkt_free(p);
            return;
        }
    }
    const struct in6_addr *tep = tep_for(d, ih.dst);
    if (!tep) {
        CTR_INC(st, dti, drop_no_tep);
        pkt_free(p);
        return;
    }
    p->encap++;
    p->flags = 0;
    struct ip6_out o = { .src = d->b.v6, .dst = *tep, .nxt = IPPROTO_IPIP, .hlim = DTI_HLIM };
    d->last_tx_ns = six_now(st);
    if (ip6_output(st, p, &o) == 0)
        CTR_INC(st, dti, out_packets);
}

static unsigned dti_xmit(struct ifnet *ifp, struct pkt **pkts, unsigned n)
{
    struct dti *d = dti_of(ifp->st);
    for (unsigned i = 0; i < n; i++) {
        struct pkt *p = pkts[i];
        if (!d || !p->len || pkt_data(p)[0] >> 4 != 4) {
            CTR_INC(ifp->st, dti, drop_inner_bad);
            pkt_free(p);
        } else if (d->stopping) {
            CTR_INC(ifp->st, dti, drop_no_binding);
            pkt_free(p);
        } else if (d->bound) {
            encap(d, p);
        } else if (d->npend >= DTI_PENDING_MAX) {
            CTR_INC(ifp->st, dti, drop_pending_full);
            pkt_free(p);
        } else {
            if (!d->npend)
                timer_arm(d->st->tw, &d->pend_timer, (uint64_t)DTI_PENDING_WAIT_S * NS_PER_SEC);
            d->pending[d->npend++] = p;
            ask(d);
        }
    }
    return n;
}

/* Bound: parked packets go, those from another source than the address
 * got are dropped (the TEP would refuse them as spoofed). */
static void pend_flush(struct dti *d)
{
    timer_cancel(&d->pend_timer);
    for (unsigned i = 0; i < d->npend; i++) {
        struct pkt *p = d->pending[i];
        struct ip4_info ih;
        if (ip4_parse(pkt_data(p), p->len, &ih) != WR_OK || ih.src.s_addr != d->b.v4.s_addr) {
            CTR_INC(d->st, dti, drop_pending_src);
            pkt_free(p);
        } else {
            encap(d, p);
        }
    }
    d->npend = 0;
}

/* ------------------------------------------------------------ input */

static bool inner_ours(struct dti *d, const struct pkt *p, const struct ip4_info *ih)
{
    if (ih->dst.s_addr != d->b.v4.s_addr)
        return false;
    if (!d->b.ps.psid_len || ih->frag_off || (ih->proto != IPPROTO_UDP && ih->proto != IPPROTO_TCP))
        return true;   /* fragments and ICMP: NAPT44's business */
    if (p->len < (size_t)ih->hl + 4)
        return false;
    const uint8_t *l4 = pkt_data(p) + ih->hl;
    uint16_t dport = (uint16_t)(l4[2] << 8 | l4[3]);
    return dstm_port_in_set(&d->b.ps, dport);
}

static bool tun_input(void *arg, struct ifnet *ifp, struct pkt *p, size_t off, uint8_t proto,
                      const struct in6_addr *src, const struct in6_addr *dst)
{
    struct dti *d = arg;
    struct six_stack *st = d->st;
    (void)ifp;
    if (proto != IPPROTO_IPIP || !d->bound || !in6_eq(dst, &d->b.v6))
        return false;   /* not the DTI's: another hook (a border router) may take it */
    pkt_pull(p, off);
    struct ip4_info ih;
    if (ip4_parse(pkt_data(p), p->len, &ih) != WR_OK) {
        CTR_INC(st, dti, drop_inner_bad);
        pkt_free(p);
        return true;
    }
    if (!src_may_send(d, src, ih.src)) {
        CTR_INC(st, dti, drop_spoof);
        SIX_WARN(st, SIX_WARN_SPOOF, "%s: 4in6 from %s refused: neither the TEP nor the holder of %s", d->cfg.ifname,
                 inet_ntop(AF_INET6, src, (char[INET6_ADDRSTRLEN]){ 0 }, INET6_ADDRSTRLEN),
                 ntop4(ih.src, (char[INET_ADDRSTRLEN]){ 0 }));
        pkt_free(p);
        return true;
    }
    if (!inner_ours(d, p, &ih)) {
        CTR_INC(st, dti, drop_not_ours);
        pkt_free(p);
        return true;
    }
    if (d->napt) {   /* back from the port set to the host's own port */
        enum napt44_verdict v = napt44_in(d->napt, pkt_data(p), p->len, six_now(st));
        napt44_count(st, false, v);
        if (v != NAPT44_OK) {
            pkt_free(p);
            return true;
        }
    }
    p->encap++;
    p->flags &= ~(uint32_t)(PKT_F_MCAST | PKT_F_BCAST | PKT_F_OTHERHOST);
    d->last_tx_ns = six_now(st);
    CTR_INC(st, dti, in_packets);
    if_input(d->ifp, &p, 1);
    return true;
}

/* ------------------------------------------------------------ the binding */

static uint32_t idle_s(const struct dti *d)
{
    return d->cfg.idle ? d->cfg.idle : DTI_IDLE_DEFAULT;
}

static void idle_arm(struct dti *d)
{
    if (idle_s(d) == UINT32_MAX)
        return;
    timer_arm_at(d->st->tw, &d->idle_timer, d->last_tx_ns + (uint64_t)idle_s(d) * NS_PER_SEC);
}

static void idle_fn(struct timer *t, void *arg)
{
    struct dti *d = arg;
    (void)t;
    if (!d->bound)
        return;
    uint64_t now = six_now(d->st);
    if (now - d->last_tx_ns < (uint64_t)idle_s(d) * NS_PER_SEC) {
        idle_arm(d);
        return;
    }
    CTR_INC(d->st, dti, idle_releases);
    six_event(d->st, LOG_INFO, "%s: no IPv4 traffic for %us: releasing %s", d->cfg.ifname, idle_s(d),
              ntop4(d->b.v4, (char[INET_ADDRSTRLEN]){ 0 }));
    d6c_v4_release(d->st, d->cfg.uplink);   /* LOST comes back at once: unbind() */
}

static void unbind(struct dti *d)
{
    if (!d->bound)
        return;
    in4_addr_del(d->ifp, d->b.v4);
    if (d->b4_added) {
        struct ifnet *up = if_find(d->st, d->cfg.uplink);
        if (up)
            in6_addr_del(up, &d->b.v6);
        d->b4_added = false;
    }
    napt44_free(d->napt);
    d->napt = NULL;
    d->bound = false;
    d->state = DTI_IDLE;
    timer_cancel(&d->idle_timer);
}

static void bind_to(struct dti *d, const struct dstm_binding *b)
{
    struct six_stack *st = d->st;
    d->b = *b;
    d->bound = true;
    d->state = DTI_BOUND;
    int rc = in4_addr_add(d->ifp, b->v4, 32);
    if (rc < 0 && rc != -EEXIST)
        SIX_WARN(st, SIX_WARN_DHCP6, "%s: IPv4 address not set: %s", d->cfg.ifname, strerror(-rc));
    struct ifnet *up = if_find(st, d->cfg.uplink);
    /* lw4o6: the B4 address follows from the bind prefix and may be new
     * to the uplink (RFC 7596 §5.1): the 4in6 must come from it */
    if (up && d->cfg.lw4o6 && in6_addr_add(up, &b->v6, 128, 0, UINT32_MAX, UINT32_MAX) == 0)
        d->b4_added = true;
    if (b->ps.psid_len) {
        struct napt44_config nc = { .x = b->v4, .ps = b->ps, .rand = napt44_rand_stack, .rand_arg = st };
        d->napt = napt44_new(&nc);
        if (!d->napt)   /* nothing would leave: the host's ports are not the set's */
            SIX_WARN(st, SIX_WARN_DHCP6, "%s: no memory for the NAPT44 table: IPv4 will not pass", d->cfg.ifname);
    }
    d->last_tx_ns = six_now(st);
    idle_arm(d);
    pend_flush(d);
}

static void v4_event(void *arg, enum d6c_v4_event ev, const struct dstm_binding *b)
{
    struct dti *d = arg;
    switch (ev) {
    case D6C_V4_BOUND:
        unbind(d);
        bind_to(d, b);
        break;
    case D6C_V4_EXTENDED:
        d->b.expires = b->expires;
        break;
    case D6C_V4_LOST:
        six_event(d->st, LOG_INFO, "%s: IPv4 address %s gone", d->cfg.ifname,
                  ntop4(d->b.v4, (char[INET_ADDRSTRLEN]){ 0 }));
        unbind(d);
        break;
    }
}

/* in4_selectsrc found no IPv4 address on dti0 for a local sender. */
static void net_event(void *arg, struct ifnet *ifp, int ev, const struct in6_addr *a)
{
    struct dti *d = arg;
    (void)a;
    if (ev == SIX_NE_V4_NOSRC && ifp == d->ifp && d->cfg.on_demand)
        ask(d);
}

/* ------------------------------------------------------------ configuration */

static void dti_stop(struct dti *d, bool release)
{
    struct six_stack *st = d->st;
    d->stopping = true;
    d6c_v4_detach(st, d->cfg.uplink, release);
    unbind(d);
    pend_drop_all(d);
    timer_cancel(&d->idle_timer);
    timer_cancel(&d->pend_timer);
    for (unsigned i = 0; d->teps && i < DTI_TEP_CACHE; i++)
        if (d->teps[i].asking)
            lq_cancel_all(st, lq_done, &d->teps[i]);
    free(d->teps);
    six_tun_hook_del(st, tun_input, d);
    six_net_hook_del(st, net_event, d);
    if (d->ifp) {
        if (route4_out_if(st, (struct in_addr){ 0 }) == d->ifp)
            route4_del(st, (struct in_addr){ 0 }, 0);
        if_detach(d->ifp);
    }
    if (st->dstm && st->dstm->dti == d) {
        st->dstm->dti = NULL;
        st->dstm->dti_free = NULL;
    }
    free(d);
}

static void dti_free_hook(struct dstm *dm)
{
    if (dm->dti)
        dti_stop(dm->dti, false);
}

/* The uplink's DHCPv6 client must ask an IA_NA (the tunnel's source,
 * aiih.h) and accept Reconfigure (draft §5.1.3): start it so, or restart
 * it with those added. */
static int uplink_client(struct six_stack *st, const char *uplink, char *why, size_t whyn)
{
    struct d6_client *cli = d6c_get(st);
    const struct d6c_if *c = NULL;
    for (int i = 0; cli && i < D6C_MAX_IFS; i++)
        if (cli->ifs[i].in_use && !strcmp(cli->ifs[i].ifname, uplink))
            c = &cli->ifs[i];
    if (c && c->p.ia_na && c->p.reconf_accept && !c->p.info_only)
        return 0;
    struct d6c_params p = { .ia_na = true, .reconf_accept = true };
    if (c) {
        p = c->p;
        p.ia_na = p.reconf_accept = true;
        p.info_only = false;
        six_event(st, LOG_INFO, "%s: DHCPv6 client restarted with IA_NA and reconfigure-accept for the DTI", uplink);
    }
    return d6c_start(st, uplink, &p, why, whyn);
}

static bool tep_ok(const struct in6_addr *a)
{
    return !in6_is_unspecified(a) && !in6_is_multicast(a) && !in6_is_loopback(a) && !in6_is_linklocal(a) &&
           !in6_is_v4mapped(a);
}

int dti_configure(struct six_stack *st, const struct dti_config *cfg, char *why, size_t whyn)
{
    struct dti_config c = *cfg;
    if (!c.ifname[0])
        snprintf(c.ifname, sizeof c.ifname, "dti0");
    struct ifnet *up = if_find(st, c.uplink);
    if (!up) {
        snprintf(why, whyn, "no interface %s", c.uplink);
        return -ENODEV;
    }
    if (c.gateway) {
        snprintf(why, whyn, "gateway mode is not built yet");
        return -EOPNOTSUPP;
    }
    if (c.dynamic_tep && (!c.has_aiih || !tep_ok(&c.aiih))) {
        snprintf(why, whyn, "dynamic-tep needs aiih ADDR6 (the AIIH's unicast address, asked by Leasequery)");
        return -EINVAL;
    }
    if (c.has_tep && !tep_ok(&c.tep)) {
        snprintf(why, whyn, "tep: not a unicast IPv6 address");
        return -EINVAL;
    }
    if (dti_of(st))
        dti_stop(dti_of(st), false);
    if (if_find(st, c.ifname)) {
        snprintf(why, whyn, "interface %s exists", c.ifname);
        return -EEXIST;
    }
    /* the client first: freed after the DTI when the stack goes (its
     * destroy hooks run in reverse order) */
    int rc = uplink_client(st, c.uplink, why, whyn);
    if (rc < 0)
        return rc;
    struct dstm *dm = dstm_get(st);
    if (!dm) {
        snprintf(why, whyn, "out of memory");
        return -ENOMEM;
    }
    struct dti *d = calloc(1, sizeof *d);
    if (!d) {
        snprintf(why, whyn, "out of memory");
        return -ENOMEM;
    }
    d->st = st;
    d->cfg = c;
    timer_init(&d->idle_timer, idle_fn, d);
    timer_init(&d->pend_timer, pend_timer_fn, d);
    dm->dti = d;
    dm->dti_free = dti_free_hook;
    if (c.dynamic_tep && !(d->teps = calloc(DTI_TEP_CACHE, sizeof *d->teps))) {
        rc = -ENOMEM;
        snprintf(why, whyn, "out of memory");
        goto fail;
    }
    d->ifp = if_attach(st, c.ifname, IFT_RAWIP, &dti_ops, NULL);
    if (!d->ifp) {
        rc = -errno;
        snprintf(why, whyn, "%s: %s", c.ifname, strerror(errno));
        goto fail;
    }
    d->ifp->flags |= IFF6_NOARP;
    d->ifp->mtu = up->mtu > 1280 + 40 ? up->mtu - 40 : 1280;   /* RFC 2473: the outer header's room */
    if_set_running(d->ifp, true);
    if_set_up(d->ifp, true);
    /* the default IPv4 route into dti0 from the start: the first packet is the trigger (§6.1) */
    if ((rc = route4_replace(st, (struct in_addr){ 0 }, 0, NULL, d->ifp, RT4_STATIC)) < 0) {
        snprintf(why, whyn, "default IPv4 route: %s", strerror(-rc));
        goto fail;
    }
    if ((rc = six_tun_hook_add(st, tun_input, d)) < 0 || (rc = six_net_hook_add(st, net_event, d)) < 0) {
        snprintf(why, whyn, "no room for another tunnel hook");
        goto fail;
    }
    rc = d6c_v4_attach(st, c.uplink, c.lw4o6 ? D6C_V4_LW4O6 : D6C_V4_DRAFT, c.opt_code, v4_event, d, why, whyn);
    if (rc < 0)
        goto fail;
    six_event(st, LOG_INFO, "%s: DTI on %s (%s)%s", c.ifname, c.uplink, c.lw4o6 ? "lw4o6" : "draft-ietf-ngtrans-dstm",
              c.on_demand ? ", on demand" : "");
    if (!c.on_demand)
        ask(d);
    return 0;
fail:
    dti_stop(d, false);
    return rc;
}

int dti_disable(struct six_stack *st, bool release)
{
    struct dti *d = dti_of(st);
    if (!d)
        return -ENOENT;
    six_event(st, LOG_INFO, "%s: DTI stopped%s", d->cfg.ifname, release && d->bound ? ", address released" : "");
    dti_stop(d, release);
    return 0;
}

int dti_up(struct six_stack *st)
{
    struct dti *d = dti_of(st);
    if (!d)
        return -ENOENT;
    if (d->bound)
        return 0;
    d->state = DTI_IDLE;   /* ask again even if an earlier ask went unanswered */
    ask(d);
    return d->state == DTI_ASKING ? 0 : -EIO;
}

void dti_info(struct six_stack *st, struct dti_info *out)
{
    struct dti *d = dti_of(st);
    memset(out, 0, sizeof *out);
    if (!d)
        return;
    out->running = true;
    out->cfg = d->cfg;
    out->state = d->state;
    if (d->bound)
        out->b = d->b;
    out->pending = d->npend;
    out->tep_cache = d->n_teps;
    out->last_tx_ns = d->last_tx_ns;
}

const struct napt44 *dti_napt44(struct six_stack *st)
{
    struct dti *d = dti_of(st);
    return d && d->bound ? d->napt : NULL;
}
