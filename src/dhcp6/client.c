/* DHCPv6 client state machine (RFC 9915 §18.2), see client.h.
 *
 * One exchange at a time per interface: ex_begin() chooses the message and
 * its §15 retransmission parameters, rtx_fn() sends and resends it, the
 * Reply (or the end of the retransmissions) moves the state on. Timers:
 * rtx (the exchange), t1/t2 (Renew, Rebind; an info-only client's refresh
 * on t1), expire (the earliest valid lifetime), link (work a network event
 * asked for, run outside the layer that reported it). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include "dhcp6/client.h"
#include "dhcp6/dhcp6.h"
#include "net/ip6_var.h"
#include "net/stack.h"
#include "transport/resolver.h"

enum { PEND_DECLINE = 1, PEND_LINK_UP = 2 };

static bool duid_is(const struct dhcp6_duid *d, const uint8_t *p, uint16_t len);

static const char *ntop6(const struct in6_addr *a, char *b)
{
    return inet_ntop(AF_INET6, a, b, INET6_ADDRSTRLEN);
}

const char *d6c_state_name(enum d6c_state s)
{
    static const char *const n[] = { "idle", "solicit", "request", "bound", "renew", "rebind",
                                     "confirm", "decline", "release", "information-request" };
    return (unsigned)s < sizeof n / sizeof n[0] ? n[s] : "?";
}

uint32_t d6c_left(const struct d6c_item *it, uint32_t life, uint64_t now)
{
    if (life == UINT32_MAX)
        return UINT32_MAX;
    uint64_t end = it->got_ns + (uint64_t)life * NS_PER_SEC;
    return end > now ? (uint32_t)((end - now) / NS_PER_SEC) : 0;
}

static struct ifnet *c_ifp(struct d6c_if *c)
{
    struct ifnet *ifp = if_byindex(c->cli->st, c->ifindex);
    return ifp && !strcmp(ifp->name, c->ifname) ? ifp : NULL;
}

struct d6c_if *d6c_by_ifindex(struct d6_client *cli, unsigned ifindex)
{
    for (int i = 0; i < D6C_MAX_IFS; i++)
        if (cli->ifs[i].in_use && cli->ifs[i].ifindex == ifindex)
            return &cli->ifs[i];
    return NULL;
}

/* ------------------------------------------------------------ building */

static void put_items(struct dhcp6_builder *b, uint16_t type, uint32_t iaid, const struct d6c_item *it, int n,
                      bool with_lifetimes)
{
    dhcp6_begin_ia(b, type, iaid, 0, 0);
    for (int i = 0; i < n; i++) {
        uint32_t pref = with_lifetimes ? it[i].preferred : 0, valid = with_lifetimes ? it[i].valid : 0;
        if (type == D6O_IA_NA)
            dhcp6_begin_iaaddr(b, &it[i].addr, pref, valid);
        else
            dhcp6_begin_iaprefix(b, &it[i].addr, it[i].plen, pref, valid);
        dhcp6_end(b);
    }
    dhcp6_end(b);
}

static void put_ias(struct d6c_if *c, struct dhcp6_builder *b)
{
    switch (c->state) {
    case D6C_SOLICIT:
        if (c->p.ia_na)
            put_items(b, D6O_IA_NA, c->iaid, NULL, 0, false);
        if (c->p.ia_pd) {
            struct d6c_item hint = { .plen = c->p.pd_hint };
            put_items(b, D6O_IA_PD, c->iaid, &hint, c->p.pd_hint ? 1 : 0, false);
        }
        break;
    case D6C_REQUEST:
        if (c->p.ia_na)
            put_items(b, D6O_IA_NA, c->iaid, c->adv_na, c->n_adv_na, false);
        if (c->p.ia_pd)
            put_items(b, D6O_IA_PD, c->iaid, c->adv_pd, c->n_adv_pd, false);
        break;
    case D6C_RELEASE:
        if (c->v4.release_only)   /* the DTI's IPv4 IA alone (client_v4.c puts it) */
            break;
        /* fall through */
    case D6C_RENEW: case D6C_REBIND:
        if (c->n_na)
            put_items(b, D6O_IA_NA, c->iaid, c->na, c->n_na, false);
        if (c->n_pd)
            put_items(b, D6O_IA_PD, c->iaid, c->pd, c->n_pd, false);
        break;
    case D6C_CONFIRM:
        put_items(b, D6O_IA_NA, c->iaid, c->na, c->n_na, false);
        break;
    case D6C_DECLINE: {
        struct d6c_item it = { .addr = c->decline_addr, .plen = 128 };
        put_items(b, D6O_IA_NA, c->iaid, &it, 1, false);
        break;
    }
    default:
        break;
    }
}

static uint8_t msg_type(enum d6c_state s)
{
    static const uint8_t t[] = { [D6C_SOLICIT] = DHCP6_SOLICIT, [D6C_REQUEST] = DHCP6_REQUEST,
                                 [D6C_RENEW] = DHCP6_RENEW, [D6C_REBIND] = DHCP6_REBIND,
                                 [D6C_CONFIRM] = DHCP6_CONFIRM, [D6C_DECLINE] = DHCP6_DECLINE,
                                 [D6C_RELEASE] = DHCP6_RELEASE, [D6C_INFOREQ] = DHCP6_INFORMATION_REQUEST };
    return (unsigned)s < sizeof t ? t[s] : 0;
}

static size_t build_msg(struct d6c_if *c, uint8_t *buf, size_t cap)
{
    struct dhcp6_builder b;
    struct d6_client *cli = c->cli;
    enum d6c_state s = c->state;
    uint64_t el = c->rc ? (six_now(cli->st) - c->ex_start_ns) / 10000000u : 0;   /* hundredths */

    dhcp6_build_init(&b, buf, cap);
    dhcp6_build_hdr(&b, msg_type(s), c->xid);
    dhcp6_put_opt(&b, D6O_CLIENTID, cli->duid, cli->duid_len);
    if (s == D6C_REQUEST)
        dhcp6_put_opt(&b, D6O_SERVERID, c->adv_duid, c->adv_duid_len);
    else if (s == D6C_RENEW || s == D6C_RELEASE || s == D6C_DECLINE)
        dhcp6_put_opt(&b, D6O_SERVERID, c->srv_duid, c->srv_duid_len);
    dhcp6_put_u16(&b, D6O_ELAPSED_TIME, el > 0xffff ? 0xffff : (uint16_t)el);
    if (s == D6C_SOLICIT && c->p.rapid_commit)
        dhcp6_put_empty(&b, D6O_RAPID_COMMIT);
    bool asks = s == D6C_SOLICIT || s == D6C_REQUEST || s == D6C_RENEW || s == D6C_REBIND || s == D6C_INFOREQ;
    if (asks && c->p.reconf_accept)
        dhcp6_put_empty(&b, D6O_RECONF_ACCEPT);
    if (asks) {
        uint16_t oro[5] = { D6O_DNS_SERVERS, D6O_DOMAIN_LIST };
        int n = 2;
        if (s != D6C_INFOREQ && d6c_v4_oro(c))
            oro[n++] = D6O_S46_CONT_LW;
        if (s == D6C_INFOREQ) {
            oro[n++] = D6O_INFORMATION_REFRESH_TIME;
            oro[n++] = D6O_INF_MAX_RT;
        } else {
            oro[n++] = D6O_SOL_MAX_RT;
        }
        dhcp6_put_oro(&b, oro, n);
    }
    put_ias(c, &b);
    d6c_v4_put_ia(c, &b);
    return dhcp6_build_done(&b);
}

/* ------------------------------------------------------------ retransmission (§15) */

/* RT * RAND, RAND uniform in [-0.1, 0.1] (positive only when pos: the first Solicit's). */
static int64_t rand_part(struct six_stack *st, uint32_t rt_ms, bool pos)
{
    int32_t r = pos ? (int32_t)six_random_jitter_below(st, 1000) + 1 : (int32_t)six_random_jitter_below(st, 2001) - 1000;
    return (int64_t)rt_ms * r / 10000;
}

static uint64_t lease_valid_end(const struct d6c_if *c)
{
    uint64_t end = 0;
    for (int i = 0; i < c->n_na; i++)
        if (c->na[i].valid == UINT32_MAX) return UINT64_MAX;
        else if (c->na[i].got_ns + (uint64_t)c->na[i].valid * NS_PER_SEC > end)
            end = c->na[i].got_ns + (uint64_t)c->na[i].valid * NS_PER_SEC;
    for (int i = 0; i < c->n_pd; i++)
        if (c->pd[i].valid == UINT32_MAX) return UINT64_MAX;
        else if (c->pd[i].got_ns + (uint64_t)c->pd[i].valid * NS_PER_SEC > end)
            end = c->pd[i].got_ns + (uint64_t)c->pd[i].valid * NS_PER_SEC;
    return end;
}

static void set_params(struct d6c_if *c)
{
    uint64_t now = six_now(c->cli->st);
    c->mrc = 0;
    c->mrd_ms = 0;
    switch (c->state) {
    case D6C_SOLICIT: c->irt_ms = D6C_SOL_TIMEOUT * 1000; c->mrt_ms = c->sol_max_rt * 1000; break;
    case D6C_REQUEST: c->irt_ms = D6C_REQ_TIMEOUT * 1000; c->mrt_ms = D6C_REQ_MAX_RT * 1000; c->mrc = D6C_REQ_MAX_RC; break;
    case D6C_CONFIRM:
        c->irt_ms = D6C_CNF_TIMEOUT * 1000; c->mrt_ms = D6C_CNF_MAX_RT * 1000; c->mrd_ms = D6C_CNF_MAX_RD * 1000;
        break;
    case D6C_RENEW: {
        uint64_t t2 = c->bound_ns + (uint64_t)c->t2 * NS_PER_SEC;
        c->irt_ms = D6C_REN_TIMEOUT * 1000; c->mrt_ms = D6C_REN_MAX_RT * 1000;
        c->mrd_ms = c->t2 == UINT32_MAX ? 0 : t2 > now ? (t2 - now) / 1000000u : 1;
        break;
    }
    case D6C_REBIND: {
        uint64_t end = lease_valid_end(c);
        c->irt_ms = D6C_REB_TIMEOUT * 1000; c->mrt_ms = D6C_REB_MAX_RT * 1000;
        c->mrd_ms = end == UINT64_MAX ? 0 : end > now ? (end - now) / 1000000u : 1;
        break;
    }
    case D6C_INFOREQ: c->irt_ms = D6C_INF_TIMEOUT * 1000; c->mrt_ms = c->inf_max_rt * 1000; break;
    case D6C_RELEASE: c->irt_ms = D6C_REL_TIMEOUT * 1000; c->mrt_ms = 0; c->mrc = D6C_REL_MAX_RC; break;
    case D6C_DECLINE: c->irt_ms = D6C_DEC_TIMEOUT * 1000; c->mrt_ms = 0; c->mrc = D6C_DEC_MAX_RC; break;
    default: break;
    }
}

static void ex_begin(struct d6c_if *c, enum d6c_state s, uint32_t delay_ms)
{
    struct six_stack *st = c->cli->st;
    c->state = s;
    c->xid = six_random_secure(st) & 0xffffff;   /* §16.1: unpredictable, or a guesser forges Replies */
    c->rc = 0;
    c->first_rt_over = false;
    if (s == D6C_SOLICIT)
        c->have_adv = false;
    set_params(c);
    timer_arm(st->tw, &c->rtx, (uint64_t)delay_ms * NS_PER_MS);
}

static void ex_failed(struct d6c_if *c);

void d6c_ex_now(struct d6c_if *c, enum d6c_state s)
{
    timer_cancel(&c->rtx);
    if (s == D6C_RELEASE) {   /* the lease timers wait for its end (back_to_bound re-arms them) */
        timer_cancel(&c->t1_timer);
        timer_cancel(&c->t2_timer);
    }
    ex_begin(c, s, 0);
}

static uint32_t next_rt(struct d6c_if *c)
{
    struct six_stack *st = c->cli->st;
    int64_t rt;
    if (c->rc == 0) {
        rt = c->irt_ms + rand_part(st, c->irt_ms, c->state == D6C_SOLICIT);
    } else {
        rt = 2 * (int64_t)c->rt_ms + rand_part(st, c->rt_ms, false);
        if (c->mrt_ms && rt > c->mrt_ms)
            rt = c->mrt_ms + rand_part(st, c->mrt_ms, false);
    }
    if (c->mrd_ms) {   /* the last wait ends with the MRD */
        uint64_t spent = c->rc ? (six_now(st) - c->ex_start_ns) / 1000000u : 0;
        if (spent + (uint64_t)rt > c->mrd_ms)
            rt = c->mrd_ms > spent ? (int64_t)(c->mrd_ms - spent) : 1;
    }
    return rt < 1 ? 1 : (uint32_t)rt;
}

static void count_out(struct six_stack *st, enum d6c_state s)
{
    switch (s) {
    case D6C_SOLICIT: CTR_INC(st, dhcp6c, out_solicit); break;
    case D6C_REQUEST: CTR_INC(st, dhcp6c, out_request); break;
    case D6C_RENEW: CTR_INC(st, dhcp6c, out_renew); break;
    case D6C_REBIND: CTR_INC(st, dhcp6c, out_rebind); break;
    case D6C_CONFIRM: CTR_INC(st, dhcp6c, out_confirm); break;
    case D6C_DECLINE: CTR_INC(st, dhcp6c, out_decline); break;
    case D6C_RELEASE: CTR_INC(st, dhcp6c, out_release); break;
    case D6C_INFOREQ: CTR_INC(st, dhcp6c, out_inforeq); break;
    default: break;
    }
}

static void go_request(struct d6c_if *c);

static void rtx_fn(struct timer *t, void *arg)
{
    struct d6c_if *c = arg;
    struct six_stack *st = c->cli->st;
    uint64_t now = six_now(st);
    (void)t;

    if (c->rc > 0) {   /* the last transmission went unanswered */
        if (c->state == D6C_SOLICIT && !c->first_rt_over) {
            c->first_rt_over = true;
            if (c->have_adv) {
                go_request(c);
                return;
            }
        }
        if ((c->mrc && c->rc >= c->mrc) || (c->mrd_ms && now - c->ex_start_ns >= c->mrd_ms * 1000000u)) {
            ex_failed(c);
            return;
        }
    }
    struct ifnet *ifp = c_ifp(c);
    if (!ifp || !in6_linklocal(ifp)) {   /* no usable link-local address yet (DAD): look again soon */
        timer_arm(st->tw, &c->rtx, 100 * NS_PER_MS);
        return;
    }
    uint8_t buf[D6C_PKT_MAX];
    if (c->rc == 0)
        c->ex_start_ns = now;
    size_t len = build_msg(c, buf, sizeof buf);
    c->rt_ms = next_rt(c);
    c->rc++;
    if (!len || d6c_io_send(c, buf, len) < 0)
        CTR_INC(st, dhcp6c, out_failed);
    else
        count_out(st, c->state);
    timer_arm(st->tw, &c->rtx, (uint64_t)c->rt_ms * NS_PER_MS);
}

/* ------------------------------------------------------------ the lease */

_Static_assert(D6C_MAX_IFS <= RES_DHCP6_IFS, "the resolver keeps one DHCPv6 source per client interface");

/* This interface's DNS servers and domains, in the resolver's slot for it
 * (the other interfaces' stay as they are). */
static void resolver_update(struct d6c_if *c)
{
    const char *dom[D6C_MAX_DOMAINS];
    for (int i = 0; i < c->n_domains; i++)
        dom[i] = c->domains[i];
    resolver_dhcp6_set(c->cli->st, c->ifindex, c->order, c->dns, c->n_dns, dom, c->n_domains);
}

static void take_dns(struct d6c_if *c, const struct dhcp6_msg *m)
{
    c->n_dns = m->n_dns;
    memcpy(c->dns, m->dns, sizeof c->dns);
    c->n_domains = 0;
    size_t off = 0;
    while (c->n_domains < D6C_MAX_DOMAINS && m->domain_list.p &&
           dhcp6_domain_next(m->domain_list, &off, c->domains[c->n_domains], D6C_DOMAIN_LEN))
        c->n_domains++;
    resolver_update(c);
}

static void take_max_rt(struct d6c_if *c, const struct dhcp6_msg *m)
{
    /* §21.24/§21.25: values outside 60..86400 are ignored */
    if (m->has_sol_max_rt && m->sol_max_rt >= D6C_MAX_RT_MIN && m->sol_max_rt <= D6C_MAX_RT_MAX) {
        c->sol_max_rt = m->sol_max_rt;
        if (c->state == D6C_SOLICIT)
            c->mrt_ms = c->sol_max_rt * 1000;
    }
    if (m->has_inf_max_rt && m->inf_max_rt >= D6C_MAX_RT_MIN && m->inf_max_rt <= D6C_MAX_RT_MAX) {
        c->inf_max_rt = m->inf_max_rt;
        if (c->state == D6C_INFOREQ)
            c->mrt_ms = c->inf_max_rt * 1000;
    }
}

static void addrs_remove(struct d6c_if *c)
{
    struct ifnet *ifp = c_ifp(c);
    for (int i = 0; ifp && i < c->n_na; i++)
        in6_addr_del(ifp, &c->na[i].addr);
    c->n_na = 0;
}

static void lease_clear(struct d6c_if *c)
{
    d6c_v4_lost(c);
    addrs_remove(c);
    c->n_pd = 0;
    d6c_pd_apply(c);
    if (c->n_dns || c->n_domains) {
        c->n_dns = c->n_domains = 0;
        resolver_update(c);
    }
    c->srv_duid_len = 0;
    c->have_rkey = c->have_replay = false;
    timer_cancel(&c->t1_timer);
    timer_cancel(&c->t2_timer);
    timer_cancel(&c->expire_timer);
}

void d6c_restart(struct d6c_if *c)
{
    lease_clear(c);
    ex_begin(c, D6C_SOLICIT, six_random_jitter_below(c->cli->st, D6C_SOL_MAX_DELAY * 1000 + 1));
}

static void arm_at(struct d6c_if *c, struct timer *t, uint64_t base, uint32_t secs)
{
    if (secs == UINT32_MAX)
        timer_cancel(t);
    else
        timer_arm_at(c->cli->st->tw, t, base + (uint64_t)secs * NS_PER_SEC);
}

static void arm_expire(struct d6c_if *c)
{
    uint64_t first = UINT64_MAX;
    for (int i = 0; i < c->n_na; i++)
        if (c->na[i].valid != UINT32_MAX && c->na[i].got_ns + (uint64_t)c->na[i].valid * NS_PER_SEC < first)
            first = c->na[i].got_ns + (uint64_t)c->na[i].valid * NS_PER_SEC;
    for (int i = 0; i < c->n_pd; i++)
        if (c->pd[i].valid != UINT32_MAX && c->pd[i].got_ns + (uint64_t)c->pd[i].valid * NS_PER_SEC < first)
            first = c->pd[i].got_ns + (uint64_t)c->pd[i].valid * NS_PER_SEC;
    if (first == UINT64_MAX)
        timer_cancel(&c->expire_timer);
    else
        timer_arm_at(c->cli->st->tw, &c->expire_timer, first);
}

static void arm_lease_timers(struct d6c_if *c)
{
    arm_at(c, &c->t1_timer, c->bound_ns, c->t1);
    arm_at(c, &c->t2_timer, c->bound_ns, c->t2);
    arm_expire(c);
}

static bool status_ok(const struct dhcp6_status *s)
{
    return !s->present || s->code == D6S_SUCCESS;
}

/* A delegated prefix we must not number downstream links from: counted,
 * and a (rate-limited) warning says why. */
static bool pd_refused(struct d6c_if *c, const struct dhcp6_ia_item *x, const struct d6c_item *na, int n_na)
{
    const char *why = d6c_pd_refusal(c, &x->addr, x->plen, na, n_na);
    if (!why)
        return false;
    CTR_INC(c->cli->st, dhcp6c, drop_bad_prefix);
    SIX_WARN(c->cli->st, SIX_WARN_DHCP6, "%s: DHCPv6 delegated prefix %s/%u ignored: %s", c->ifname,
             ntop6(&x->addr, (char[INET6_ADDRSTRLEN]){ 0 }), x->plen, why);
    return true;
}

/* Merge the items of a Reply's IA into held ones: a valid lifetime 0 takes
 * an item away, others are updated or added (RFC 9915 §18.2.10.1: what the
 * Reply leaves out is kept until its own lifetime runs out). An IA_PD's
 * prefixes are checked against na / n_na, the IA_NA addresses of the
 * same message (d6c_pd_refusal). */
static void merge_items(struct d6c_if *c, struct d6c_item *held, int *n, const struct dhcp6_ia *ia, uint64_t now,
                        const struct d6c_item *na, int n_na)
{
    for (int k = 0; k < ia->n_item; k++) {
        const struct dhcp6_ia_item *x = &ia->item[k];
        if (!status_ok(&x->status))
            continue;
        if (x->preferred > x->valid) {   /* §21.6, §21.22: preferred above valid: the item is discarded */
            CTR_INC(c->cli->st, dhcp6c, drop_bad_lifetime);
            continue;
        }
        if (ia->type == D6O_IA_PD && x->valid && pd_refused(c, x, na, n_na))
            continue;
        int j;
        for (j = 0; j < *n; j++)
            if (held[j].plen == x->plen && in6_eq(&held[j].addr, &x->addr))
                break;
        if (x->valid == 0) {
            if (j < *n)
                held[j] = held[--*n];
            continue;
        }
        if (j == *n) {
            if (*n >= DHCP6_MAX_IA_ITEMS)
                continue;
            (*n)++;
        }
        held[j] = (struct d6c_item){ .addr = x->addr, .plen = x->plen, .preferred = x->preferred,
                                     .valid = x->valid, .got_ns = now };
    }
}

static void addrs_sync(struct d6c_if *c, const struct d6c_item *old, int n_old)
{
    struct ifnet *ifp = c_ifp(c);
    if (!ifp)
        return;
    for (int i = 0; i < n_old; i++) {
        bool kept = false;
        for (int j = 0; j < c->n_na; j++)
            kept |= in6_eq(&old[i].addr, &c->na[j].addr);
        if (!kept)
            in6_addr_del(ifp, &old[i].addr);
    }
    for (int j = 0; j < c->n_na; j++) {
        const struct d6c_item *it = &c->na[j];
        if (in6_addr_set_lifetimes(ifp, &it->addr, it->valid, it->preferred) == -ENOENT)
            in6_addr_add(ifp, &it->addr, 128, 0, it->valid, it->preferred);
    }
}

/* The shortest lifetime (preferred or valid) of what the lease holds. */
static uint32_t shortest(const struct d6c_if *c, bool valid)
{
    uint32_t m = UINT32_MAX;
    for (int i = 0; i < c->n_na; i++)
        m = (valid ? c->na[i].valid : c->na[i].preferred) < m ? (valid ? c->na[i].valid : c->na[i].preferred) : m;
    for (int i = 0; i < c->n_pd; i++)
        m = (valid ? c->pd[i].valid : c->pd[i].preferred) < m ? (valid ? c->pd[i].valid : c->pd[i].preferred) : m;
    return m;
}

/* T1/T2 (§21.4): the smallest non-zero of the IAs; none given (T1/T2 0 is
 * the client's choice): 0.5 and 0.8 of the shortest preferred lifetime, or
 * of the shortest valid one when something is already deprecated
 * (preferred 0 — else a Renew every second), and T1 no less than
 * D6C_T1_FLOOR unless half the valid lifetime is shorter still. */
static void choose_t1_t2(struct d6c_if *c, const struct dhcp6_msg *m)
{
    uint32_t t1 = UINT32_MAX, t2 = UINT32_MAX;
    bool given = false;
    for (int i = 0; i < m->n_ia; i++) {
        const struct dhcp6_ia *ia = &m->ia[i];
        if (ia->iaid != c->iaid || (ia->type != D6O_IA_NA && ia->type != D6O_IA_PD) || !ia->n_item)
            continue;
        if (ia->t1 && ia->t1 <= ia->t2) {
            given = true;
            t1 = ia->t1 < t1 ? ia->t1 : t1;
            t2 = ia->t2 < t2 ? ia->t2 : t2;
        }
    }
    uint32_t pref = shortest(c, false), valid = shortest(c, true);
    uint32_t base = pref ? pref : valid;
    if (!given && base != UINT32_MAX) {
        uint32_t floor = valid == UINT32_MAX || valid / 2 >= D6C_T1_FLOOR ? D6C_T1_FLOOR : valid / 2;
        t1 = base / 2 > floor ? base / 2 : floor;
        t2 = (uint32_t)((uint64_t)base * 4 / 5);
        if (t2 < t1)   /* the floor moved T1: T2 between it and the end of the valid lifetime */
            t2 = valid == UINT32_MAX ? t1 : t1 + (valid - t1) * 3 / 5;
    }
    c->t1 = t1 ? t1 : 1;
    c->t2 = t2 > c->t1 ? t2 : c->t1;
}

/* Our IA of a type in m; an IA_NA / IA_PD with T1 > T2 (both non-zero) is
 * discarded as if the server had not sent it (RFC 9915 §21.4, §21.21). */
static const struct dhcp6_ia *find_ia(struct d6c_if *c, const struct dhcp6_msg *m, uint16_t type)
{
    for (int i = 0; i < m->n_ia; i++) {
        const struct dhcp6_ia *ia = &m->ia[i];
        if (ia->type != type || ia->iaid != c->iaid)
            continue;
        if (ia->t1 && ia->t2 && ia->t1 > ia->t2) {
            CTR_INC(c->cli->st, dhcp6c, drop_bad_ia);
            continue;
        }
        return ia;
    }
    return NULL;
}

/* off moved on by what snprintf wrote, never past the end: its return is
 * what it would have written, which can exceed the room left. */
static size_t clamp_add(size_t off, int w, size_t cap)
{
    if (w < 0)
        return off;
    return off + (size_t)w >= cap ? cap - 1 : off + (size_t)w;
}

static void log_lease(struct d6c_if *c, const char *what)
{
    struct six_stack *st = c->cli->st;
    char duid[3 * DHCP6_DUID_MAX], a[INET6_ADDRSTRLEN], line[512];
    size_t off = 0;
    line[0] = 0;
    d6c_duid_text(c->srv_duid, c->srv_duid_len, duid, sizeof duid);
    for (int i = 0; i < c->n_na && off < sizeof line - 1; i++)
        off = clamp_add(off, snprintf(line + off, sizeof line - off, " address %s (valid %us)",
                                      ntop6(&c->na[i].addr, a), c->na[i].valid), sizeof line);
    for (int i = 0; i < c->n_pd && off < sizeof line - 1; i++)
        off = clamp_add(off, snprintf(line + off, sizeof line - off, " prefix %s/%u (valid %us)",
                                      ntop6(&c->pd[i].addr, a), c->pd[i].plen, c->pd[i].valid), sizeof line);
    six_event(st, LOG_INFO, "%s: DHCPv6 %s, server %s:%s, T1 %us T2 %us", c->ifname, what, duid, line, c->t1, c->t2);
}

/* A Reply to Request / Renew / Rebind / a rapid-commit Solicit. */
static void reply_lease(struct d6c_if *c, const struct dhcp6_msg *m)
{
    struct six_stack *st = c->cli->st;
    uint64_t now = six_now(st);
    enum d6c_state was = c->state;
    const struct dhcp6_ia *na = c->p.ia_na ? find_ia(c, m, D6O_IA_NA) : NULL;
    const struct dhcp6_ia *pd = c->p.ia_pd ? find_ia(c, m, D6O_IA_PD) : NULL;

    /* §18.2.10.1: NoBinding for an IA we renew → Request it again from that server */
    if ((was == D6C_RENEW || was == D6C_REBIND) &&
        ((na && na->status.present && na->status.code == D6S_NO_BINDING) ||
         (pd && pd->status.present && pd->status.code == D6S_NO_BINDING))) {
        memcpy(c->adv_duid, m->serverid.p, m->serverid.len);
        c->adv_duid_len = m->serverid.len;
        memcpy(c->adv_na, c->na, sizeof c->na);
        c->n_adv_na = c->n_na;
        memcpy(c->adv_pd, c->pd, sizeof c->pd);
        c->n_adv_pd = c->n_pd;
        ex_begin(c, D6C_REQUEST, 0);
        return;
    }
    if ((na && na->status.present && na->status.code == D6S_NOT_ON_LINK) ||
        (pd && pd->status.present && pd->status.code == D6S_NOT_ON_LINK)) {
        d6c_restart(c);
        return;
    }
    struct d6c_item old_na[DHCP6_MAX_IA_ITEMS];
    int n_old_na = c->n_na;
    memcpy(old_na, c->na, sizeof old_na);
    if (was == D6C_SOLICIT || was == D6C_REQUEST) {   /* a new binding: nothing of an old one stays */
        c->n_na = 0;
        c->n_pd = 0;
    }
    if (na && status_ok(&na->status))
        merge_items(c, c->na, &c->n_na, na, now, NULL, 0);
    if (pd && pd->status.present && pd->status.code == D6S_NO_PREFIX_AVAIL)
        c->n_pd = 0;   /* the prefix is gone: deprecated downstream at once (client_pd.c) */
    else if (pd && status_ok(&pd->status))
        merge_items(c, c->pd, &c->n_pd, pd, now, c->na, c->n_na);
    if (!c->n_na && !c->n_pd) {   /* nothing given: back to Solicit (its rate limits apply) */
        CTR_INC(st, dhcp6c, drop_adv_empty);
        addrs_sync(c, old_na, n_old_na);
        d6c_restart(c);
        return;
    }
    if (!duid_is(&m->serverid, c->srv_duid, c->srv_duid_len))
        c->have_rkey = c->have_replay = false;   /* a key and counters are one server's */
    memcpy(c->srv_duid, m->serverid.p, m->serverid.len);
    c->srv_duid_len = m->serverid.len;
    if (m->auth.present && c->p.reconf_accept)
        d6c_auth_take_key(c, m);
    c->bound_ns = now;
    choose_t1_t2(c, m);
    d6c_v4_reply(c, m);
    take_dns(c, m);
    addrs_sync(c, old_na, n_old_na);
    c->state = D6C_BOUND;
    timer_cancel(&c->rtx);
    d6c_pd_apply(c);
    arm_lease_timers(c);
    if (was == D6C_RENEW) {
        CTR_INC(st, dhcp6c, renewed);
        log_lease(c, "renewed");
    } else if (was == D6C_REBIND) {
        CTR_INC(st, dhcp6c, rebound);
        log_lease(c, "rebound");
    } else {
        CTR_INC(st, dhcp6c, bound);
        log_lease(c, "bound");
    }
}

static void finish_release(struct d6c_if *c);

static void back_to_bound(struct d6c_if *c)
{
    if (!c->n_na && !c->n_pd) {   /* a Decline took the last address: a new lease */
        d6c_restart(c);
        return;
    }
    c->state = D6C_BOUND;
    timer_cancel(&c->rtx);
    arm_lease_timers(c);
}

static void reply_info(struct d6c_if *c, const struct dhcp6_msg *m)
{
    struct six_stack *st = c->cli->st;
    take_dns(c, m);
    CTR_INC(st, dhcp6c, info_refreshed);
    timer_cancel(&c->rtx);
    if (c->srv_duid_len) {   /* a bound client asked by a Reconfigure */
        back_to_bound(c);
        return;
    }
    uint32_t irt = D6C_IRT_DEFAULT;
    if (m->has_irt)
        irt = m->irt < D6C_IRT_MINIMUM ? D6C_IRT_MINIMUM : m->irt;   /* §21.23 */
    c->info_refresh = irt;
    c->state = D6C_IDLE;
    c->bound_ns = six_now(st);
    arm_at(c, &c->t1_timer, c->bound_ns, irt);
    six_event(st, LOG_INFO, "%s: DHCPv6 information received: %d DNS servers, %d domains, refresh in %us",
              c->ifname, c->n_dns, c->n_domains, irt);
}

static bool duid_is(const struct dhcp6_duid *d, const uint8_t *p, uint16_t len)
{
    return d->p && d->len == len && !memcmp(d->p, p, len);
}

static void handle_reply(struct d6c_if *c, const struct dhcp6_msg *m)
{
    struct six_stack *st = c->cli->st;
    if (c->state == D6C_SOLICIT && !(c->p.rapid_commit && m->rapid_commit)) {
        CTR_INC(st, dhcp6c, drop_state);   /* §18.2.1: a Reply to a Solicit only with Rapid Commit */
        return;
    }
    if ((c->state == D6C_RENEW || c->state == D6C_RELEASE || c->state == D6C_DECLINE) &&
        !duid_is(&m->serverid, c->srv_duid, c->srv_duid_len)) {
        CTR_INC(st, dhcp6c, drop_serverid);
        return;
    }
    if (c->state == D6C_REQUEST && !duid_is(&m->serverid, c->adv_duid, c->adv_duid_len)) {
        CTR_INC(st, dhcp6c, drop_serverid);
        return;
    }
    take_max_rt(c, m);
    if (c->state == D6C_RELEASE || c->state == D6C_DECLINE) {   /* §18.2.10.2: any Reply ends them */
        if (c->state == D6C_RELEASE)
            finish_release(c);
        else
            back_to_bound(c);
        return;
    }
    if (c->state == D6C_CONFIRM) {
        if (m->status.present && m->status.code == D6S_NOT_ON_LINK) {
            six_event(st, LOG_INFO, "%s: DHCPv6 Confirm: not on link, soliciting anew", c->ifname);
            d6c_restart(c);
        } else if (status_ok(&m->status)) {
            CTR_INC(st, dhcp6c, confirmed);
            back_to_bound(c);
        } else {
            CTR_INC(st, dhcp6c, drop_reply_status);
        }
        return;
    }
    if (!status_ok(&m->status)) {   /* UnspecFail, UseMulticast ...: the retransmissions go on (§18.2.10) */
        CTR_INC(st, dhcp6c, drop_reply_status);
        return;
    }
    if (c->state == D6C_INFOREQ)
        reply_info(c, m);
    else
        reply_lease(c, m);
}

/* Solicit: the Advertise's offer, kept if it beats the best so far. */
static void handle_advertise(struct d6c_if *c, const struct dhcp6_msg *m)
{
    struct six_stack *st = c->cli->st;
    if (c->state != D6C_SOLICIT) {
        CTR_INC(st, dhcp6c, drop_state);
        return;
    }
    take_max_rt(c, m);   /* §18.2.9: even from an Advertise that is otherwise ignored */
    struct d6c_item na[DHCP6_MAX_IA_ITEMS], pd[DHCP6_MAX_IA_ITEMS];
    int n_na = 0, n_pd = 0;
    const struct dhcp6_ia *ia;
    if (c->p.ia_na && (ia = find_ia(c, m, D6O_IA_NA)) && status_ok(&ia->status))
        merge_items(c, na, &n_na, ia, 0, NULL, 0);
    if (c->p.ia_pd && (ia = find_ia(c, m, D6O_IA_PD)) && status_ok(&ia->status))
        merge_items(c, pd, &n_pd, ia, 0, na, n_na);
    if (!n_na && !n_pd) {
        CTR_INC(st, dhcp6c, drop_adv_empty);
        return;
    }
    uint8_t pref = m->has_preference ? m->preference : 0;
    if (!c->have_adv || pref > c->adv_pref) {
        c->have_adv = true;
        c->adv_pref = pref;
        memcpy(c->adv_duid, m->serverid.p, m->serverid.len);
        c->adv_duid_len = m->serverid.len;
        memcpy(c->adv_na, na, sizeof na);
        c->n_adv_na = n_na;
        memcpy(c->adv_pd, pd, sizeof pd);
        c->n_adv_pd = n_pd;
    }
    /* §18.2.9: 255 → at once; after the first RT, the first Advertise will do */
    if (pref == 255 || c->first_rt_over)
        go_request(c);
}

static void go_request(struct d6c_if *c)
{
    timer_cancel(&c->rtx);
    ex_begin(c, D6C_REQUEST, 0);
}

static void handle_reconfigure(struct d6c_if *c, const struct dhcp6_msg *m, const uint8_t *buf, size_t len)
{
    struct six_stack *st = c->cli->st;
    if (!d6c_auth_check_reconf(c, m, buf, len))
        return;
    if (!m->has_reconf_msg ||
        (m->reconf_msg != DHCP6_RENEW && m->reconf_msg != DHCP6_REBIND && m->reconf_msg != DHCP6_INFORMATION_REQUEST)) {
        CTR_INC(st, dhcp6c, drop_reconf_bad_msg);
        SIX_WARN(st, SIX_WARN_DHCP6, "%s: DHCPv6 Reconfigure refused: no valid RECONF_MSG", c->ifname);
        return;
    }
    if (c->state != D6C_BOUND) {   /* §18.2.11: not in the middle of an exchange */
        CTR_INC(st, dhcp6c, drop_reconf_busy);
        return;
    }
    CTR_INC(st, dhcp6c, reconf_accepted);
    six_event(st, LOG_INFO, "%s: DHCPv6 Reconfigure accepted (%s)", c->ifname, dhcp6_msg_name(m->reconf_msg));
    ex_begin(c, m->reconf_msg == DHCP6_RENEW ? D6C_RENEW : m->reconf_msg == DHCP6_REBIND ? D6C_REBIND : D6C_INFOREQ, 0);
}

void d6c_input(struct d6_client *cli, struct d6c_if *c, uint8_t *buf, size_t len, const struct in6_addr *from,
               const struct in6_addr *dst)
{
    struct six_stack *st = cli->st;
    struct dhcp6_msg m;
    enum wire_reason r;
    (void)from;

    /* Servers and relays answer to the link-local source our messages
     * carry (RFC 9915 §13.1, §19.3). An Advertise / Reply to any other
     * address (a global one of the router's, port 546) comes from off the
     * link: with a 24-bit xid that stays the same through a long Rebind or
     * Solicit, it could be guessed. A Reconfigure may come to a global
     * address (§18.3.11); its HMAC is the check. */
    if (len && (buf[0] == DHCP6_ADVERTISE || buf[0] == DHCP6_REPLY) && !in6_is_linklocal(dst)) {
        CTR_INC(st, dhcp6c, drop_offlink);
        return;
    }

    if ((r = dhcp6_parse(buf, len, &m)) != WR_OK || (r = dhcp6_check_server_msg(&m)) != WR_OK) {
        WIRE_DROP(st, dhcp6c, r);
        return;
    }
    if (m.type != DHCP6_ADVERTISE && m.type != DHCP6_REPLY && m.type != DHCP6_RECONFIGURE) {
        CTR_INC(st, dhcp6c, drop_not_for_client);
        return;
    }
    if (!duid_is(&m.clientid, cli->duid, cli->duid_len)) {
        CTR_INC(st, dhcp6c, drop_clientid);
        return;
    }
    if (m.type == DHCP6_RECONFIGURE) {
        CTR_INC(st, dhcp6c, in_reconfigure);
        handle_reconfigure(c, &m, buf, len);
        return;
    }
    if (c->state == D6C_IDLE || c->state == D6C_BOUND) {
        CTR_INC(st, dhcp6c, drop_state);
        return;
    }
    if (m.xid != c->xid) {
        CTR_INC(st, dhcp6c, drop_xid);
        return;
    }
    if (m.type == DHCP6_ADVERTISE) {
        CTR_INC(st, dhcp6c, in_advertise);
        handle_advertise(c, &m);
    } else {
        CTR_INC(st, dhcp6c, in_reply);
        handle_reply(c, &m);
    }
}

/* ------------------------------------------------------------ timers */

static void ex_failed(struct d6c_if *c)
{
    struct six_stack *st = c->cli->st;
    CTR_INC(st, dhcp6c, exchange_failed);
    switch (c->state) {
    case D6C_REQUEST:
        six_event(st, LOG_INFO, "%s: DHCPv6 Request unanswered, soliciting anew", c->ifname);
        d6c_restart(c);
        break;
    case D6C_CONFIRM:    /* §18.2.3: no answer → the lease is used on */
    case D6C_DECLINE:
        back_to_bound(c);
        break;
    case D6C_RENEW:      /* T2 came: Rebind */
        ex_begin(c, D6C_REBIND, 0);
        break;
    case D6C_REBIND:     /* every valid lifetime ran out */
        CTR_INC(st, dhcp6c, expired);
        six_event(st, LOG_INFO, "%s: DHCPv6 Rebind unanswered until the lease ran out, soliciting anew", c->ifname);
        d6c_restart(c);
        break;
    case D6C_RELEASE:
        finish_release(c);
        break;
    default:
        break;
    }
}

static void t1_fn(struct timer *t, void *arg)
{
    struct d6c_if *c = arg;
    (void)t;
    if (c->p.info_only && c->state == D6C_IDLE)
        ex_begin(c, D6C_INFOREQ, six_random_jitter_below(c->cli->st, D6C_INF_MAX_DELAY * 1000 + 1));
    else if (c->state == D6C_BOUND)
        ex_begin(c, D6C_RENEW, 0);
}

static void t2_fn(struct timer *t, void *arg)
{
    struct d6c_if *c = arg;
    (void)t;
    if (c->state == D6C_BOUND || c->state == D6C_RENEW) {
        timer_cancel(&c->rtx);
        ex_begin(c, D6C_REBIND, 0);
    }
}

/* Items whose valid lifetime ran out leave the lease; an empty lease means Solicit. */
static void expire_fn(struct timer *t, void *arg)
{
    struct d6c_if *c = arg;
    struct six_stack *st = c->cli->st;
    uint64_t now = six_now(st);
    struct ifnet *ifp = c_ifp(c);
    bool pd_changed = false;
    (void)t;
    for (int i = 0; i < c->n_na;)
        if (d6c_left(&c->na[i], c->na[i].valid, now) == 0) {
            if (ifp)
                in6_addr_del(ifp, &c->na[i].addr);
            c->na[i] = c->na[--c->n_na];
        } else {
            i++;
        }
    for (int i = 0; i < c->n_pd;)
        if (d6c_left(&c->pd[i], c->pd[i].valid, now) == 0) {
            c->pd[i] = c->pd[--c->n_pd];
            pd_changed = true;
        } else {
            i++;
        }
    if (pd_changed)
        d6c_pd_apply(c);
    if (!c->n_na && !c->n_pd) {
        CTR_INC(st, dhcp6c, expired);
        six_event(st, LOG_INFO, "%s: DHCPv6 lease expired, soliciting anew", c->ifname);
        timer_cancel(&c->rtx);
        d6c_restart(c);
        return;
    }
    arm_expire(c);
}

static bool holds_addr(const struct d6c_if *c, const struct in6_addr *a, int *idx)
{
    for (int i = 0; i < c->n_na; i++)
        if (in6_eq(&c->na[i].addr, a)) {
            *idx = i;
            return true;
        }
    return false;
}

static void link_fn(struct timer *t, void *arg)
{
    struct d6c_if *c = arg;
    struct six_stack *st = c->cli->st;
    (void)t;
    if ((c->pending & PEND_DECLINE) && c->state == D6C_BOUND) {
        c->pending &= (uint8_t)~PEND_DECLINE;
        int i;
        if (holds_addr(c, &c->decline_addr, &i)) {
            struct ifnet *ifp = c_ifp(c);
            if (ifp)
                in6_addr_del(ifp, &c->decline_addr);
            c->na[i] = c->na[--c->n_na];
            CTR_INC(st, dhcp6c, declined);
            six_event(st, LOG_INFO, "%s: DHCPv6 address %s failed DAD: Decline", c->ifname,
                      ntop6(&c->decline_addr, (char[INET6_ADDRSTRLEN]){ 0 }));
            ex_begin(c, D6C_DECLINE, 0);
            return;
        }
    }
    if (c->pending & PEND_LINK_UP) {
        c->pending &= (uint8_t)~PEND_LINK_UP;
        /* §18.2.12: back on a link: Confirm addresses; delegated prefixes need a Rebind */
        if (c->p.info_only)
            ex_begin(c, D6C_INFOREQ, 0);
        else if (c->state == D6C_BOUND || c->state == D6C_RENEW || c->state == D6C_REBIND)
            ex_begin(c, c->n_pd ? D6C_REBIND : D6C_CONFIRM, 0);
    }
    if (c->pending)   /* a Decline waits for the exchange under way to end */
        timer_arm(st->tw, &c->link_timer, 500 * NS_PER_MS);
}

static void net_event(void *arg, struct ifnet *ifp, int ev, const struct in6_addr *a)
{
    struct d6_client *cli = arg;
    struct d6c_if *c = d6c_by_ifindex(cli, ifp->index);
    int i;
    if (!c)
        return;
    if (ev == SIX_NE_DAD_FAILED && a && holds_addr(c, a, &i)) {
        c->decline_addr = *a;
        c->pending |= PEND_DECLINE;
        timer_arm(cli->st->tw, &c->link_timer, 0);
    } else if (ev == SIX_NE_LINK_UP && (c->srv_duid_len || c->p.info_only)) {
        c->pending |= PEND_LINK_UP;
        timer_arm(cli->st->tw, &c->link_timer,
                  (uint64_t)six_random_jitter_below(cli->st, D6C_CNF_MAX_DELAY * 1000 + 1) * NS_PER_MS);
    }
}

/* ------------------------------------------------------------ start / stop */

static void if_cancel(struct d6c_if *c)
{
    timer_cancel(&c->rtx);
    timer_cancel(&c->t1_timer);
    timer_cancel(&c->t2_timer);
    timer_cancel(&c->expire_timer);
    timer_cancel(&c->link_timer);
}

static void if_free(struct d6c_if *c)
{
    struct d6_client *cli = c->cli;
    if_cancel(c);
    d6c_v4_free(c);
    d6c_pd_withdraw(c);
    memset(c, 0, sizeof *c);
    bool any = false;
    for (int i = 0; i < D6C_MAX_IFS; i++)
        any |= cli->ifs[i].in_use;
    if (!any)
        d6c_io_close(cli);
}

static void finish_release(struct d6c_if *c)
{
    if (c->v4.release_only) {   /* the DTI's IPv4 IA alone: the IPv6 lease goes on */
        d6c_v4_released(c);
        back_to_bound(c);
        return;
    }
    CTR_INC(c->cli->st, dhcp6c, released);
    six_event(c->cli->st, LOG_INFO, "%s: DHCPv6 lease released", c->ifname);
    lease_clear(c);
    if_free(c);
}

static void cli_free(struct dhcp6 *d)
{
    struct d6_client *cli = d->cli;
    if (!cli)
        return;
    /* no Release on the way out (RFC 9915 §18.2.7 is for leases given up,
     * not for a restart): the lease stays valid at the server */
    for (int i = 0; i < D6C_MAX_IFS; i++)
        if (cli->ifs[i].in_use) {
            if_cancel(&cli->ifs[i]);
            timer_cancel(&cli->ifs[i].v4.expire);
        }
    six_net_hook_del(cli->st, net_event, cli);
    d6c_io_close(cli);
    free(cli);
    d->cli = NULL;
}

struct d6_client *d6c_get(struct six_stack *st)
{
    return st->dhcp6 ? st->dhcp6->cli : NULL;
}

static struct d6_client *cli_make(struct six_stack *st)
{
    struct dhcp6 *d = dhcp6_get(st);
    if (!d)
        return NULL;
    if (d->cli)
        return d->cli;
    struct d6_client *cli = calloc(1, sizeof *cli);
    if (!cli)
        return NULL;
    cli->st = st;
    cli->sock.sd = -1;
    if (six_net_hook_add(st, net_event, cli) < 0) {
        free(cli);
        return NULL;
    }
    d->cli = cli;
    d->cli_free = cli_free;
    return cli;
}

static uint32_t iaid_of(const char *ifname)
{
    uint32_t h = 2166136261u;   /* FNV-1a: the same IAID for the same interface after a restart */
    for (const char *s = ifname; *s; s++)
        h = (h ^ (uint8_t)*s) * 16777619u;
    return h;
}

int d6c_start(struct six_stack *st, const char *ifname, const struct d6c_params *p, char *why, size_t whyn)
{
    struct ifnet *ifp = if_find(st, ifname);
    if (!ifp) {
        snprintf(why, whyn, "no interface %s", ifname);
        return -ENODEV;
    }
    if (p->n_pd_to && !p->ia_pd) {
        snprintf(why, whyn, "pd-to needs ia-pd");
        return -EINVAL;
    }
    for (int i = 0; i < p->n_pd_to; i++)
        if (!if_find(st, p->pd_to[i].ifname) || !strcmp(p->pd_to[i].ifname, ifname)) {
            snprintf(why, whyn, "pd-to %s: no such downstream interface", p->pd_to[i].ifname);
            return -ENODEV;
        }
    struct d6_client *cli = cli_make(st);
    if (!cli) {
        snprintf(why, whyn, "out of memory");
        return -ENOMEM;
    }
    int rc = d6c_duid_load(cli, ifp, p->duid_file, why, whyn);
    if (rc < 0)
        return rc;
    if ((rc = d6c_io_open(cli)) < 0) {
        snprintf(why, whyn, "UDP port %u: %s", DHCP6_CLIENT_PORT, strerror(-rc));
        return rc;
    }
    struct d6c_if *c = d6c_by_ifindex(cli, ifp->index);
    if (c) {   /* new parameters: start over (without a Release) */
        lease_clear(c);
        if_free(c);
        if ((rc = d6c_io_open(cli)) < 0)
            return rc;
    }
    for (int i = 0; i < D6C_MAX_IFS && !c; i++)
        if (!cli->ifs[i].in_use)
            c = &cli->ifs[i];
    if (!c) {
        snprintf(why, whyn, "at most %d client interfaces", D6C_MAX_IFS);
        return -ENOSPC;
    }
    memset(c, 0, sizeof *c);
    c->in_use = true;
    c->cli = cli;
    snprintf(c->ifname, sizeof c->ifname, "%s", ifname);
    c->ifindex = ifp->index;
    c->p = *p;
    c->iaid = iaid_of(ifname);
    c->order = cli->next_order++;
    c->sol_max_rt = D6C_SOL_MAX_RT;
    c->inf_max_rt = D6C_INF_MAX_RT;
    for (int i = 0; i < p->n_pd_to; i++) {
        snprintf(c->pd_to[i].ifname, sizeof c->pd_to[i].ifname, "%s", p->pd_to[i].ifname);
        c->pd_to[i].sla = p->pd_to[i].sla;
    }
    timer_init(&c->rtx, rtx_fn, c);
    timer_init(&c->t1_timer, t1_fn, c);
    timer_init(&c->t2_timer, t2_fn, c);
    timer_init(&c->expire_timer, expire_fn, c);
    timer_init(&c->link_timer, link_fn, c);
    if (p->info_only)
        ex_begin(c, D6C_INFOREQ, six_random_jitter_below(st, D6C_INF_MAX_DELAY * 1000 + 1));
    else
        ex_begin(c, D6C_SOLICIT, six_random_jitter_below(st, D6C_SOL_MAX_DELAY * 1000 + 1));
    six_event(st, LOG_INFO, "%s: DHCPv6 client started%s%s%s", ifname, p->info_only ? " (information only)" : "",
              p->ia_na ? " IA_NA" : "", p->ia_pd ? " IA_PD" : "");
    return 0;
}

int d6c_stop(struct six_stack *st, const char *ifname, bool release)
{
    struct d6_client *cli = d6c_get(st);
    struct d6c_if *c = NULL;
    for (int i = 0; cli && i < D6C_MAX_IFS; i++)
        if (cli->ifs[i].in_use && !strcmp(cli->ifs[i].ifname, ifname))
            c = &cli->ifs[i];
    if (!c)
        return -ENOENT;
    if (release && c->srv_duid_len && (c->n_na || c->n_pd)) {
        timer_cancel(&c->t1_timer);
        timer_cancel(&c->t2_timer);
        timer_cancel(&c->link_timer);
        ex_begin(c, D6C_RELEASE, 0);   /* finish_release() frees it */
        return 0;
    }
    six_event(st, LOG_INFO, "%s: DHCPv6 client stopped", ifname);
    lease_clear(c);
    if_free(c);
    return 0;
}
