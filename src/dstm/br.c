/* The DSTM border router / lw4o6 AFTR (br.h): configuration, the
 * interface, bindings (static, learned from a co-located AIIH's events or
 * by Leasequery), expiry. The data path is in br_input.c (decapsulation)
 * and br_output.c (encapsulation); what they share is br_priv.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include "dstm/br_priv.h"
#include "dhcp6/lease.h"
#include "core/log.h"
#include "net/ip4_var.h"
#include "net/ip6_var.h"

static const struct if_ops br_ops = {
    .kind = "dstm-br", .xmit = br_xmit, .destroy = NULL,
};

struct br *br_of(struct six_stack *st)
{
    return st->dstm ? st->dstm->br : NULL;
}

bool br_running(struct six_stack *st)
{
    return br_of(st) != NULL;
}

const struct br_pool *br_pool_of(const struct br *br, struct in_addr a)
{
    uint32_t h = ntohl(a.s_addr);
    for (int i = 0; i < br->cfg.n_pools; i++) {
        const struct br_pool *p = &br->cfg.pools[i];
        uint32_t mask = p->plen ? ~0u << (32 - p->plen) : 0;
        if ((h & mask) == (ntohl(p->prefix.s_addr) & mask))
            return p;
    }
    return NULL;
}

/* --- expiry --- */

static void on_expired(void *arg, const struct dstm_binding *b, bool is_static)
{
    struct br *br = arg;
    (void)b;
    (void)is_static;
    CTR_INC(br->st, br, expired);
}

void br_arm_expiry(struct br *br)
{
    int64_t next = br_table_next_expiry(br->tab), now = lease_wall_now(br->st);
    if (next == INT64_MAX) {
        timer_cancel(&br->expire_timer);
        return;
    }
    int64_t in = next > now ? next - now : 0;
    timer_arm(br->st->tw, &br->expire_timer, (uint64_t)in * 1000000000ull + 1);
}

static void expire_run(struct timer *t, void *arg)
{
    (void)t;
    struct br *br = arg;
    br_table_expire(br->tab, lease_wall_now(br->st), on_expired, br);
    br_arm_expiry(br);
}

/* --- bindings --- */

static bool binding_ok(const struct br *br, const struct dstm_binding *b)
{
    const struct br_pool *p = br_pool_of(br, b->v4);
    if (!p || !dstm_portset_valid(&b->ps))
        return false;
    if (p->psid_len == 0)
        return b->ps.psid_len == 0;
    return b->ps.psid_len == p->psid_len && b->ps.offset == p->offset;
}

int br_table_learn(struct br *br, const struct dstm_binding *b, bool is_static)
{
    if (!binding_ok(br, b))
        return -EINVAL;
    if (!br_table_put(br->tab, b, is_static, lease_wall_now(br->st))) {
        CTR_INC(br->st, br, drop_table_full);
        return -ENOSPC;
    }
    if (!is_static)
        CTR_INC(br->st, br, learned);
    br_arm_expiry(br);
    return 0;
}

int br_binding_add(struct six_stack *st, const struct dstm_binding *b, bool is_static)
{
    struct br *br = br_of(st);
    if (!br)
        return -ENOENT;
    int rc = br_table_learn(br, b, is_static);
    if (rc == 0)
        br_pending_release(br, b->v4, b->ps.psid_len ? b->ps.psid : 0);
    return rc;
}

int br_binding_del(struct six_stack *st, struct in_addr v4, const struct dstm_portset *ps)
{
    struct br *br = br_of(st);
    if (!br)
        return -ENOENT;
    return br_table_del(br->tab, v4, ps && ps->psid_len ? ps->psid : 0) ? 0 : -ENOENT;
}

bool br_lookup(struct six_stack *st, struct in_addr v4, uint16_t port, struct dstm_binding *out)
{
    struct br *br = br_of(st);
    const struct br_pool *p = br ? br_pool_of(br, v4) : NULL;
    uint16_t psid = 0;
    if (!p || (p->psid_len && !dstm_port_psid(p->offset, p->psid_len, port, &psid)))
        return false;
    const struct dstm_binding *b = br_table_get(br->tab, v4, psid, lease_wall_now(st));
    if (b && out)
        *out = *b;
    return b != NULL;
}

void br_foreach(struct six_stack *st, br_binding_fn fn, void *arg)
{
    struct br *br = br_of(st);
    if (br)
        br_table_foreach(br->tab, fn, arg);
}

/* A co-located AIIH: BOUND adds or extends, GONE removes. */
static void on_event(void *arg, enum dstm_event ev, const struct dstm_binding *b)
{
    struct br *br = arg;
    if (ev == DSTM_EV_BOUND) {
        if (br_table_learn(br, b, false) == 0)
            br_pending_release(br, b->v4, b->ps.psid_len ? b->ps.psid : 0);
    } else if (ev == DSTM_EV_GONE) {
        br_table_del(br->tab, b->v4, b->ps.psid_len ? b->ps.psid : 0);
    }
}

/* --- configuration --- */

static int check_config(struct six_stack *st, const struct br_config *cfg, char *why, size_t whyn)
{
    if (cfg->n_pools < 1 || cfg->n_pools > BR_MAX_POOLS) {
        snprintf(why, whyn, "between 1 and %d pools", BR_MAX_POOLS);
        return -EINVAL;
    }
    if (!in6_ifaddr_lookup(st, &cfg->local)) {
        snprintf(why, whyn, "local is not one of this stack's addresses");
        return -EINVAL;
    }
    for (int i = 0; i < cfg->n_pools; i++) {
        const struct br_pool *p = &cfg->pools[i];
        if (p->plen < 8 || p->plen > 32 || p->offset > 15 || p->psid_len > 16 || p->offset + p->psid_len > 16) {
            snprintf(why, whyn, "pool %d: prefix length 8..32, offset + share bits <= 16", i + 1);
            return -EINVAL;
        }
        for (int j = 0; j < i; j++) {
            const struct br_pool *q = &cfg->pools[j];
            unsigned l = p->plen < q->plen ? p->plen : q->plen;
            uint32_t m = ~0u << (32 - l);
            if ((ntohl(p->prefix.s_addr) & m) == (ntohl(q->prefix.s_addr) & m)) {
                snprintf(why, whyn, "pools %d and %d overlap", j + 1, i + 1);
                return -EINVAL;
            }
        }
    }
    if (cfg->mtu && (cfg->mtu < 1280 || cfg->mtu > 65535)) {
        snprintf(why, whyn, "mtu 1280..65535");
        return -EINVAL;
    }
    if (cfg->hlim > 255) {
        snprintf(why, whyn, "hlim 1..255");
        return -EINVAL;
    }
    return 0;
}

static void br_free(struct dstm *d)
{
    struct br *br = d->br;
    if (!br)
        return;
    struct six_stack *st = br->st;
    six_tun_hook_del(st, br_tun_input, br);
    dstm_unsubscribe(st, on_event, br);
    br_pending_flush(br);
    timer_cancel(&br->expire_timer);
    for (int i = 0; i < br->cfg.n_pools; i++)
        route4_del(st, br->cfg.pools[i].prefix, br->cfg.pools[i].plen);
    if (br->ifp)
        if_detach(br->ifp);
    br_table_free(br->tab);
    free(br);
    d->br = NULL;
    d->br_free = NULL;
}

static int br_make_if(struct br *br, char *why, size_t whyn)
{
    struct six_stack *st = br->st;
    br->ifp = if_attach(st, br->cfg.ifname, IFT_RAWIP, &br_ops, br);
    if (!br->ifp) {
        snprintf(why, whyn, "cannot create interface %s: %s", br->cfg.ifname, strerror(errno));
        return -errno;
    }
    br->ifp->flags |= IFF6_NOARP;
    /* The stack's IPv4 output and forwarding fragment to this MTU (DF clear)
     * or answer fragmentation-needed with it (DF set): RFC 2473 §7, RFC 7596 §8. */
    if_set_mtu(br->ifp, br->cfg.mtu - IP6_HLEN);
    if_set_running(br->ifp, true);
    if_set_up(br->ifp, true);
    for (int i = 0; i < br->cfg.n_pools; i++) {
        const struct br_pool *p = &br->cfg.pools[i];
        int rc = route4_replace(st, p->prefix, p->plen, NULL, br->ifp, RT4_STATIC);
        if (rc < 0) {
            snprintf(why, whyn, "route for pool %d: %s", i + 1, strerror(-rc));
            return rc;
        }
    }
    return 0;
}

int br_configure(struct six_stack *st, const struct br_config *in, char *why, size_t whyn)
{
    struct br_config cfg = *in;
    if (!cfg.ifname[0])
        snprintf(cfg.ifname, sizeof cfg.ifname, "dstm0");
    if (!cfg.mtu)
        cfg.mtu = BR_MTU_DEFAULT;
    if (!cfg.hlim)
        cfg.hlim = 64;
    if (!cfg.max_bindings)
        cfg.max_bindings = BR_MAX_BINDINGS_DEFAULT;
    for (int i = 0; i < cfg.n_pools; i++) {
        struct br_pool *p = &cfg.pools[i];
        if (p->plen <= 32)
            p->prefix.s_addr &= p->plen ? htonl(~0u << (32 - p->plen)) : 0;
    }
    int rc = check_config(st, &cfg, why, whyn);
    if (rc < 0)
        return rc;
    struct dstm *d = dstm_get(st);
    if (!d)
        return -ENOMEM;
    if (d->br)
        br_free(d);                      /* a new configuration replaces the old one whole */
    struct br *br = calloc(1, sizeof *br);
    if (!br)
        return -ENOMEM;
    br->st = st;
    br->cfg = cfg;
    br->tab = br_table_new(cfg.max_bindings);
    br->icmp_rl = (struct six_ratelimit)SIX_RATELIMIT_INIT(1000000000ull, BR_ICMP_PER_SEC);
    br->spoof_rl = (struct six_ratelimit)SIX_RATELIMIT_INIT(10000000000ull, 5);
    br->lq_tokens = BR_LQ_RATE;
    br->frag_seed = six_random_secure(st);
    timer_init(&br->expire_timer, expire_run, br);
    d->br = br;
    d->br_free = br_free;
    if (!br->tab) {
        snprintf(why, whyn, "no memory for %u bindings", cfg.max_bindings);
        br_free(d);
        return -ENOMEM;
    }
    if ((rc = br_make_if(br, why, whyn)) < 0 || (rc = six_tun_hook_add(st, br_tun_input, br)) < 0 ||
        (rc = dstm_subscribe(st, on_event, br)) < 0) {
        if (!why[0])
            snprintf(why, whyn, "no room for another tunnel hook or event subscriber");
        br_free(d);
        return rc;
    }
    char l[INET6_ADDRSTRLEN];
    six_log(LOG_INFO, "dstm br: %s up, local %s, %d pool(s), up to %u bindings", cfg.ifname,
            inet_ntop(AF_INET6, &cfg.local, l, sizeof l), cfg.n_pools, cfg.max_bindings);
    return 0;
}

int br_disable(struct six_stack *st)
{
    struct dstm *d = st->dstm;
    if (!d || !d->br)
        return -ENOENT;
    br_free(d);
    six_log(LOG_INFO, "dstm br: off");
    return 0;
}

void br_info(struct six_stack *st, struct br_info *out)
{
    struct br *br = br_of(st);
    memset(out, 0, sizeof *out);
    if (!br)
        return;
    out->running = true;
    out->cfg = br->cfg;
    out->bindings = br_table_count(br->tab);
    out->static_bindings = br_table_static_count(br->tab);
    out->pending = br->pending_pkts;
    out->lq_inflight = br->lq_waiting;
}
