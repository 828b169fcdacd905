/* MLDv2 listener side (RFC 3810): report our memberships (solicited-node
 * groups above all, so that snooping switches deliver ND) when we join, when
 * we leave, and in answer to queries. Never reports ff02::1 (§6). */
#include <string.h>
#include "net/ip6_var.h"
#include "wire/mld.h"
#include "wire/icmp6.h"
#include "wire/ip6ext.h"

#define MLD_ROBUSTNESS          2
#define MLD_UNSOLICITED_IVL_MS  1000

static const struct in6_addr mld_routers = { .s6_addr = { 0xff, 0x02, [15] = 0x16 } };

static void mld_timer_fn(struct timer *t, void *arg);
static void mld_query_timer_fn(struct timer *t, void *arg);

void mld6_if_init(struct ifnet *ifp)
{
    timer_init(&ifp->in6->mld_timer, mld_timer_fn, ifp);
    timer_init(&ifp->in6->mld_query_timer, mld_query_timer_fn, ifp);
}

static bool reportable(const struct in6_addr *g)
{
    return in6_mc_scope(g) > 1 && !(g->s6_addr[1] == 0x02 && in6_eq(g, &(struct in6_addr){ .s6_addr = { 0xff, 0x02, [15] = 1 } }));
}

static void mld_send(struct ifnet *ifp, const struct mld2_rec *recs, int n)
{
    uint8_t msg[8 + IN6_MAX_GROUPS_PER_IF * 20];
    uint8_t hbh[8];
    struct ip6_opt ra = { .type = IP6OPT_ROUTER_ALERT, .len = 2, .data = (const uint8_t *)"\0\0" };
    const struct in6_addr *ll = in6_linklocal(ifp);
    struct ip6_out o = { .dst = mld_routers, .nxt = IP6_NXT_ICMPV6, .hlim = 1, .ifp = ifp,
                         .hbh = hbh, .hbh_len = 0 };

    if (!n || ifp->type == IFT_LOOP)
        return;
    o.hbh_len = ip6_opthdr_emit(hbh, sizeof hbh, IP6_NXT_ICMPV6, &ra, 1);
    if (ll)
        o.src = *ll;
    else
        o.flags |= IP6_OUT_SRC_UNSPEC;   /* §5.2.13: during DAD of the link-local address */
    size_t len = mld2_report_emit(msg, sizeof msg, recs, n);
    if (!len)
        return;
    CTR_INC(ifp->st, mld6, out_report);
    icmp6_send_raw(ifp->st, &o, msg, len);
}

/* Unsolicited reports still owed for joins. */
static void mld_timer_fn(struct timer *t, void *arg)
{
    struct ifnet *ifp = arg;
    struct in6_ifinfo *ii = ifp->in6;
    struct mld2_rec recs[IN6_MAX_GROUPS_PER_IF];
    int n = 0;
    bool more = false;

    for (int i = 0; i < IN6_MAX_GROUPS_PER_IF; i++) {
        struct in6_group *g = &ii->groups[i];
        if (!g->refs || !g->reports_left)
            continue;
        recs[n++] = (struct mld2_rec){ .type = MLD2_CHANGE_TO_EXCLUDE, .group = g->grp };
        more |= --g->reports_left > 0;
    }
    mld_send(ifp, recs, n);
    if (more)
        timer_arm(ifp->st->tw, t, (uint64_t)(1 + six_random_jitter_below(ifp->st, MLD_UNSOLICITED_IVL_MS)) * NS_PER_MS);
}

void mld6_join_report(struct ifnet *ifp, struct in6_group *g)
{
    if (!reportable(&g->grp))
        return;
    g->reports_left = MLD_ROBUSTNESS;
    if (!timer_pending(&ifp->in6->mld_timer))
        timer_arm(ifp->st->tw, &ifp->in6->mld_timer, 0);
}

void mld6_leave_report(struct ifnet *ifp, const struct in6_addr *grp)
{
    struct mld2_rec rec = { .type = MLD2_CHANGE_TO_INCLUDE, .group = *grp };

    if (reportable(grp))
        mld_send(ifp, &rec, 1);
}

/* Answer to a general query: every group, current state. */
static void mld_query_timer_fn(struct timer *t, void *arg)
{
    struct ifnet *ifp = arg;
    struct mld2_rec recs[IN6_MAX_GROUPS_PER_IF];
    int n = 0;
    (void)t;

    for (int i = 0; i < IN6_MAX_GROUPS_PER_IF; i++) {
        struct in6_group *g = &ifp->in6->groups[i];
        if (g->refs && reportable(&g->grp))
            recs[n++] = (struct mld2_rec){ .type = MLD2_MODE_IS_EXCLUDE, .group = g->grp };
    }
    mld_send(ifp, recs, n);
}

void mld6_input(struct ifnet *ifp, struct pkt *p, const struct ip6_info *ip, const uint8_t *icmp, size_t len,
                bool router_alert)
{
    struct six_stack *st = ifp->st;
    struct mld_query q;
    enum wire_reason r;
    (void)p;

    CTR_INC(st, mld6, in_query);
    if (!in6_is_linklocal(&ip->src)) {
        CTR_INC(st, mld6, drop_bad_src);
        return;
    }
    if (ip->hlim != 1 || !router_alert) {
        CTR_INC(st, mld6, drop_hlim);
        return;
    }
    if ((r = mld_query_parse(icmp, len, &q)) != WR_OK) {
        WIRE_DROP(st, mld6, r);
        return;
    }
    /* answer after a random delay below the Maximum Response Delay (§6.2) */
    uint32_t max_ms = q.v2 ? mld2_mrd_ms(q.max_resp_code) : q.max_resp_code;
    uint64_t delay = (uint64_t)six_random_jitter_below(st, max_ms ? max_ms : 1) * NS_PER_MS;
    if (!timer_pending(&ifp->in6->mld_query_timer) || ifp->in6->mld_query_timer.expires > six_now(st) + delay)
        timer_arm(st->tw, &ifp->in6->mld_query_timer, delay);
}
