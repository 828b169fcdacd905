/* IPv6 addresses of an interface: add/remove, Duplicate Address Detection
 * (RFC 4862 §5.4), SLAAC from RA prefixes (§5.5.3) with stable interface
 * identifiers (RFC 7217) or EUI-64, lifetimes, multicast memberships, and
 * source address selection (RFC 6724 §5, the rules that need no policy table;
 * the full table comes with the transport work).
 *
 * Cap: IN6_MAX_ADDRS_PER_IF addresses per interface (adding more fails with
 * ENOSPC; SLAAC counts addrconf.table_full). IN6_MAX_GROUPS_PER_IF groups. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <openssl/evp.h>
#include "net/ip6_var.h"
#include "core/log.h"
#include "net/addrsel.h"
#include "net/gif.h"

#define IDGEN_RETRIES 3            /* RFC 7217 §6 */
#define TWO_HOURS_S   7200u        /* RFC 4862 §5.5.3 (e) */

static const struct in6_addr all_nodes = { .s6_addr = { 0xff, 0x02, [15] = 1 } };
static const struct in6_addr all_routers = { .s6_addr = { 0xff, 0x02, [15] = 2 } };

static void dad_timer_fn(struct timer *t, void *arg);
static void local_unlink(struct in6_ifaddr *ia);
static void life_timer_fn(struct timer *t, void *arg);

static const char *ntop(const struct in6_addr *a, char *b)
{
    return inet_ntop(AF_INET6, a, b, INET6_ADDRSTRLEN);
}

int in6_if_attach(struct ifnet *ifp)
{
    struct in6_ifinfo *ii = calloc(1, sizeof *ii);

    if (!ii)
        return -ENOMEM;
    ii->ifp = ifp;
    ii->base_reachable_ms = ND_REACHABLE_TIME;
    ii->reachable_ms = nd6_random_reachable(ifp->st, ND_REACHABLE_TIME);
    ii->retrans_ms = ND_RETRANS_TIMER;
    ii->cur_hlim = IP6_DEFAULT_HLIM;
    ii->dad_transmits = ifp->type == IFT_LOOP ? 0 : 1;
    ii->accept_ra = true;
    for (int i = 0; i < IN6_MAX_ADDRS_PER_IF; i++) {
        timer_init(&ii->addrs[i].dad_timer, dad_timer_fn, &ii->addrs[i]);
        timer_init(&ii->addrs[i].life_timer, life_timer_fn, &ii->addrs[i]);
        ii->addrs[i].ifp = ifp;
    }
    ifp->in6 = ii;
    mld6_if_init(ifp);
    return 0;
}

static void cancel_if_timers(struct in6_ifinfo *ii)
{
    for (int i = 0; i < IN6_MAX_ADDRS_PER_IF; i++) {
        timer_cancel(&ii->addrs[i].dad_timer);
        timer_cancel(&ii->addrs[i].life_timer);
    }
    timer_cancel(&ii->rs_timer);
    timer_cancel(&ii->ra_timer);
    timer_cancel(&ii->mld_timer);
    timer_cancel(&ii->mld_query_timer);
}

void in6_if_detach(struct ifnet *ifp)
{
    struct in6_ifinfo *ii = ifp->in6;

    if (!ii)
        return;
    cancel_if_timers(ii);
    for (int i = 0; i < IN6_MAX_ADDRS_PER_IF; i++)
        if (ii->addrs[i].in_use)
            local_unlink(&ii->addrs[i]);
    nd6_purge_if(ifp);
    nd6_rtr_purge_if(ifp);
    route6_purge_if(ifp);
    frag6_purge_if(ifp);
    ip6_loop_purge_if(ifp);
    free(ii);
    ifp->in6 = NULL;
}

/* --- interface identifiers --- */

static void iid_eui64(const struct ifnet *ifp, uint8_t iid[8])
{
    const uint8_t *m = ifp->hwaddr.b;
    uint8_t v[8] = { (uint8_t)(m[0] ^ 0x02), m[1], m[2], 0xff, 0xfe, m[3], m[4], m[5] };
    memcpy(iid, v, 8);
}

/* RFC 5453 reserved identifiers must not be generated. */
static bool iid_reserved(const uint8_t iid[8])
{
    static const uint8_t zero[8];
    static const uint8_t anycast[7] = { 0xfd, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
    if (!memcmp(iid, zero, 8))
        return true;
    return !memcmp(iid, anycast, 7) && iid[7] >= 0x80;
}

/* RFC 7217 §5: F(Prefix, Net_Iface, Network_ID, DAD_Counter, secret_key), SHA-256. */
static void iid_stable(struct ifnet *ifp, const struct in6_addr *prefix, uint8_t counter, uint8_t iid[8])
{
    uint8_t md[EVP_MAX_MD_SIZE];
    unsigned mdlen = 0;
    EVP_MD_CTX *c = EVP_MD_CTX_new();

    for (uint8_t extra = 0;; extra++) {
        EVP_DigestInit_ex(c, EVP_sha256(), NULL);
        EVP_DigestUpdate(c, prefix->s6_addr, 8);
        EVP_DigestUpdate(c, ifp->name, strlen(ifp->name));
        EVP_DigestUpdate(c, &counter, 1);
        EVP_DigestUpdate(c, &extra, 1);
        EVP_DigestUpdate(c, ifp->st->secret, sizeof ifp->st->secret);
        EVP_DigestFinal_ex(c, md, &mdlen);
        memcpy(iid, md, 8);
        if (!iid_reserved(iid))
            break;
    }
    EVP_MD_CTX_free(c);
}

static void make_addr(struct ifnet *ifp, const struct in6_addr *prefix, uint8_t counter, struct in6_addr *out)
{
    uint8_t iid[8];

    if (ifp->in6->addrgen == ADDRGEN_EUI64 && ifp->type == IFT_ETHER)
        iid_eui64(ifp, iid);
    else if (in6_is_linklocal(prefix) && gif_ll_iid(ifp, iid))
        ;   /* RFC 4213 §3.7: fe80::a.b.c.d on an IPv6-in-IPv4 tunnel */
    else
        iid_stable(ifp, prefix, counter, iid);
    memcpy(out->s6_addr, prefix->s6_addr, 8);
    memcpy(out->s6_addr + 8, iid, 8);
}

/* --- address table --- */

struct in6_ifaddr *in6_ifaddr_find(struct ifnet *ifp, const struct in6_addr *a)
{
    if (!ifp->in6)
        return NULL;
    for (int i = 0; i < IN6_MAX_ADDRS_PER_IF; i++) {
        struct in6_ifaddr *ia = &ifp->in6->addrs[i];
        if (ia->in_use && in6_eq(&ia->addr, a))
            return ia;
    }
    return NULL;
}

static struct in6_ifaddr **local_bucket(struct six_stack *st, const struct in6_addr *a)
{
    return &st->net6->local_hash[in6_hash(a, 0) % IN6_LOCAL_HASH];
}

/* Per packet (is it for us?): a hash of every address of the stack. */
struct in6_ifaddr *in6_ifaddr_lookup(struct six_stack *st, const struct in6_addr *a)
{
    for (struct in6_ifaddr *ia = *local_bucket(st, a); ia; ia = ia->hnext)
        if (in6_eq(&ia->addr, a))
            return ia;
    return NULL;
}

static void local_link(struct in6_ifaddr *ia)
{
    struct in6_ifaddr **b = local_bucket(ia->ifp->st, &ia->addr);
    ia->hnext = *b;
    *b = ia;
}

static void local_unlink(struct in6_ifaddr *ia)
{
    for (struct in6_ifaddr **pp = local_bucket(ia->ifp->st, &ia->addr); *pp; pp = &(*pp)->hnext)
        if (*pp == ia) {
            *pp = ia->hnext;
            return;
        }
}

static bool ia_usable(const struct in6_ifaddr *ia)
{
    return ia->in_use && !(ia->flags & (IN6_IFF_TENTATIVE | IN6_IFF_DUPLICATED));
}

const struct in6_addr *in6_linklocal(struct ifnet *ifp)
{
    if (!ifp->in6)
        return NULL;
    for (int i = 0; i < IN6_MAX_ADDRS_PER_IF; i++) {
        struct in6_ifaddr *ia = &ifp->in6->addrs[i];
        if (ia_usable(ia) && in6_is_linklocal(&ia->addr))
            return &ia->addr;
    }
    return NULL;
}

static uint64_t life_deadline(struct six_stack *st, uint32_t secs)
{
    return secs == UINT32_MAX ? UINT64_MAX : six_now(st) + (uint64_t)secs * NS_PER_SEC;
}

static void life_rearm(struct in6_ifaddr *ia)
{
    struct six_stack *st = ia->ifp->st;
    uint64_t next = (ia->flags & IN6_IFF_DEPRECATED) ? ia->valid_until : ia->preferred_until;

    timer_cancel(&ia->life_timer);
    if (next != UINT64_MAX)
        timer_arm_at(st->tw, &ia->life_timer, next);
}

static void dad_start(struct in6_ifaddr *ia, uint32_t max_delay_ms)
{
    struct ifnet *ifp = ia->ifp;

    if (!(ifp->flags & IFF6_UP))
        return;
    if ((ia->flags & IN6_IFF_NODAD) || ifp->in6->dad_transmits == 0 || (ifp->flags & IFF6_NOARP && ifp->type != IFT_ETHER)) {
        ia->flags &= ~IN6_IFF_TENTATIVE;
        return;
    }
    ia->flags |= IN6_IFF_TENTATIVE;
    ia->dad_ns_left = ifp->in6->dad_transmits;
    timer_arm(ifp->st->tw, &ia->dad_timer,
              (uint64_t)six_random_jitter_below(ifp->st, max_delay_ms + 1) * NS_PER_MS);
}

int in6_addr_add(struct ifnet *ifp, const struct in6_addr *a, unsigned plen, uint32_t flags,
                 uint32_t valid_s, uint32_t preferred_s)
{
    struct in6_ifinfo *ii = ifp->in6;
    struct in6_ifaddr *ia = NULL;
    struct in6_addr sn;
    char b[INET6_ADDRSTRLEN];

    if (!ii || plen > 128 || in6_is_multicast(a) || in6_is_unspecified(a) || preferred_s > valid_s)
        return -EINVAL;
    if (in6_ifaddr_lookup(ifp->st, a))
        return -EEXIST;
    for (int i = 0; i < IN6_MAX_ADDRS_PER_IF && !ia; i++)
        if (!ii->addrs[i].in_use)
            ia = &ii->addrs[i];
    if (!ia)
        return -ENOSPC;
    in6_solicited_node(a, &sn);
    if (in6_join(ifp, &sn))
        return -ENOSPC;
    ia->in_use = true;
    ia->addr = *a;
    local_link(ia);
    ia->plen = (uint8_t)plen;
    ia->flags = (flags & ~(IN6_IFF_DUPLICATED | IN6_IFF_DEPRECATED)) | (in6_is_linklocal(a) ? IN6_IFF_LINKLOCAL : 0);
    ia->valid_until = life_deadline(ifp->st, valid_s);
    ia->preferred_until = life_deadline(ifp->st, preferred_s);
    if (preferred_s == 0)
        ia->flags |= IN6_IFF_DEPRECATED;
    life_rearm(ia);
    if (plen < 128 && !in6_is_linklocal(a) && !route6_get(ifp->st, a, plen))
        route6_add(ifp->st, a, plen, NULL, ifp, 0, 0);
    six_event(ifp->st, LOG_INFO, "%s: address %s/%u added%s", ifp->name, ntop(a, b), plen,
              (flags & IN6_IFF_AUTOCONF) ? " (SLAAC)" : "");
    dad_start(ia, 100);
    return 0;
}

static void ia_remove(struct in6_ifaddr *ia)
{
    struct ifnet *ifp = ia->ifp;
    struct in6_addr sn, a = ia->addr;
    unsigned plen = ia->plen;
    bool other_in_prefix = false;

    char b[INET6_ADDRSTRLEN];
    six_event(ifp->st, LOG_INFO, "%s: address %s/%u deleted", ifp->name, ntop(&a, b), plen);
    timer_cancel(&ia->dad_timer);
    timer_cancel(&ia->life_timer);
    local_unlink(ia);
    ia->in_use = false;
    in6_solicited_node(&a, &sn);
    in6_leave(ifp, &sn);
    for (int i = 0; i < IN6_MAX_ADDRS_PER_IF; i++) {
        struct in6_ifaddr *o = &ifp->in6->addrs[i];
        if (o->in_use && o->plen == plen && in6_prefix_eq(&o->addr, &a, plen))
            other_in_prefix = true;
    }
    struct route6 *r = route6_get(ifp->st, &a, plen);
    if (!other_in_prefix && r && (r->flags & RT6_CONNECTED) && !(r->flags & RT6_RA) && r->ifp == ifp)
        route6_del(ifp->st, &a, plen);
}

int in6_addr_del(struct ifnet *ifp, const struct in6_addr *a)
{
    struct in6_ifaddr *ia = in6_ifaddr_find(ifp, a);

    if (!ia)
        return -ENOENT;
    ia_remove(ia);
    return 0;
}

int in6_addr_set_lifetimes(struct ifnet *ifp, const struct in6_addr *a, uint32_t valid_s, uint32_t preferred_s)
{
    struct in6_ifaddr *ia = in6_ifaddr_find(ifp, a);

    if (!ia)
        return -ENOENT;
    if (preferred_s > valid_s)
        return -EINVAL;
    ia->valid_until = life_deadline(ifp->st, valid_s);
    ia->preferred_until = life_deadline(ifp->st, preferred_s);
    if (preferred_s == 0)
        ia->flags |= IN6_IFF_DEPRECATED;
    else
        ia->flags &= ~IN6_IFF_DEPRECATED;
    life_rearm(ia);
    return 0;
}

/* --- DAD --- */

static void dad_timer_fn(struct timer *t, void *arg)
{
    struct in6_ifaddr *ia = arg;
    struct ifnet *ifp = ia->ifp;
    char b[INET6_ADDRSTRLEN];
    (void)t;

    if (!(ia->flags & IN6_IFF_TENTATIVE))
        return;
    if (ia->dad_ns_left == 0) {
        ia->flags &= ~IN6_IFF_TENTATIVE;
        CTR_INC(ifp->st, nd6, dad_ok);
        six_trace(ifp->st, "%s: DAD for %s done, address is preferred", ifp->name, ntop(&ia->addr, b));
        if (in6_is_linklocal(&ia->addr) && !ifp->st->fwd6)
            nd6_rs_start(ifp);
        return;
    }
    struct in6_addr sn;
    static const struct in6_addr unspec;
    in6_solicited_node(&ia->addr, &sn);
    nd6_ns_output(ifp, &unspec, &sn, &ia->addr, false);
    ia->dad_ns_left--;
    timer_arm(ifp->st->tw, &ia->dad_timer, (uint64_t)ifp->in6->retrans_ms * NS_PER_MS);
}

/* Another node uses (NA) or probes (NS from ::) our tentative address. */
static void dad_conflict(struct in6_ifaddr *ia)
{
    struct ifnet *ifp = ia->ifp;
    char b[INET6_ADDRSTRLEN];

    CTR_INC(ifp->st, nd6, dad_conflict);
    timer_cancel(&ia->dad_timer);
    ia->flags |= IN6_IFF_DUPLICATED;
    ia->flags &= ~IN6_IFF_TENTATIVE;
    six_event(ifp->st, LOG_WARNING, "%s: DAD failed: address %s is a duplicate, not used", ifp->name,
              ntop(&ia->addr, b));
    six_net_event(ifp->st, ifp, SIX_NE_DAD_FAILED, &ia->addr);
    bool regen = (ia->flags & IN6_IFF_AUTOCONF) || in6_is_linklocal(&ia->addr);
    if (!regen || ifp->in6->addrgen != ADDRGEN_STABLE || ia->dad_counter + 1 >= IDGEN_RETRIES)
        return;
    /* RFC 7217 §6: try again with the next DAD_Counter */
    struct in6_addr prefix = ia->addr, na;
    unsigned plen = ia->plen;
    uint32_t flags = ia->flags & (IN6_IFF_AUTOCONF);
    uint8_t counter = (uint8_t)(ia->dad_counter + 1);
    uint64_t now = six_now(ifp->st);
    uint32_t valid = ia->valid_until == UINT64_MAX ? UINT32_MAX : (uint32_t)((ia->valid_until - now) / NS_PER_SEC);
    uint32_t pref = ia->preferred_until == UINT64_MAX ? UINT32_MAX : (uint32_t)((ia->preferred_until - now) / NS_PER_SEC);
    make_addr(ifp, &prefix, counter, &na);
    if (in6_addr_add(ifp, &na, plen, flags, valid, pref) == 0) {
        struct in6_ifaddr *nia = in6_ifaddr_find(ifp, &na);
        if (nia)
            nia->dad_counter = counter;
    }
}

void in6_dad_ns_input(struct ifnet *ifp, struct in6_ifaddr *ia)
{
    (void)ifp;
    if (ia->flags & IN6_IFF_TENTATIVE)
        dad_conflict(ia);
}

void in6_dad_na_input(struct ifnet *ifp, struct in6_ifaddr *ia)
{
    (void)ifp;
    if (ia->flags & IN6_IFF_TENTATIVE)
        dad_conflict(ia);
    else if (!(ia->flags & IN6_IFF_DUPLICATED))
        SIX_WARN(ifp->st, SIX_WARN_DUPADDR, "%s: duplicate address %s detected: another node claims it",
                 ifp->name, ntop(&ia->addr, (char[INET6_ADDRSTRLEN]){ 0 }));
}

/* --- lifetimes --- */

static void life_timer_fn(struct timer *t, void *arg)
{
    struct in6_ifaddr *ia = arg;
    struct six_stack *st = ia->ifp->st;
    uint64_t now = six_now(st);
    (void)t;

    if (ia->valid_until <= now) {
        CTR_INC(st, addrconf, expired);
        ia_remove(ia);
        return;
    }
    if (ia->preferred_until <= now && !(ia->flags & IN6_IFF_DEPRECATED)) {
        ia->flags |= IN6_IFF_DEPRECATED;
        CTR_INC(st, addrconf, deprecated);
    }
    life_rearm(ia);
}

/* RFC 4862 §5.5.3 for one Prefix Information option with the A flag. */
void in6_slaac_prefix(struct ifnet *ifp, const struct nd_prefix *pi)
{
    struct six_stack *st = ifp->st;
    struct in6_ifaddr *match = NULL;

    if (in6_is_linklocal(&pi->prefix)) {
        CTR_INC(st, addrconf, drop_prefix_linklocal);
        return;
    }
    if (pi->preferred > pi->valid)
        return;
    if (pi->plen != 64 || ifp->type == IFT_LOOP) {
        CTR_INC(st, addrconf, drop_prefix_bad_len);
        return;
    }
    for (int i = 0; i < IN6_MAX_ADDRS_PER_IF; i++) {
        struct in6_ifaddr *ia = &ifp->in6->addrs[i];
        if (ia->in_use && (ia->flags & IN6_IFF_AUTOCONF) && !(ia->flags & IN6_IFF_DUPLICATED)
            && in6_prefix_eq(&ia->addr, &pi->prefix, 64))
            match = ia;
    }
    if (!match) {
        if (pi->valid == 0)
            return;
        struct in6_addr a;
        make_addr(ifp, &pi->prefix, 0, &a);
        int rc = in6_addr_add(ifp, &a, 64, IN6_IFF_AUTOCONF, pi->valid, pi->preferred);
        if (rc == -ENOSPC)
            CTR_INC(st, addrconf, table_full);
        else if (rc == 0)
            CTR_INC(st, addrconf, slaac_created);
        return;
    }
    /* §5.5.3 (e): protect against a forged short valid lifetime */
    uint64_t now = six_now(st);
    uint64_t remaining = match->valid_until == UINT64_MAX ? UINT64_MAX : (match->valid_until - now) / NS_PER_SEC;
    uint32_t valid = pi->valid;
    if (!(valid > TWO_HOURS_S || valid > remaining))
        valid = remaining <= TWO_HOURS_S ? (uint32_t)remaining : TWO_HOURS_S;
    match->valid_until = life_deadline(st, valid);
    match->preferred_until = life_deadline(st, pi->preferred);
    if (pi->preferred)
        match->flags &= ~IN6_IFF_DEPRECATED;
    else
        match->flags |= IN6_IFF_DEPRECATED;
    life_rearm(match);
    CTR_INC(st, addrconf, slaac_updated);
}

/* --- multicast memberships --- */

static bool mcast_always_member(const struct in6_addr *g)
{
    /* all-nodes, interface- and link-local scope */
    return (g->s6_addr[1] == 0x01 || g->s6_addr[1] == 0x02) &&
           !memcmp(g->s6_addr + 2, all_nodes.s6_addr + 2, 14);
}

bool in6_is_our_mcast(struct ifnet *ifp, const struct in6_addr *grp)
{
    if (mcast_always_member(grp))
        return true;
    for (int i = 0; i < IN6_MAX_GROUPS_PER_IF; i++)
        if (ifp->in6->groups[i].refs && in6_eq(&ifp->in6->groups[i].grp, grp))
            return true;
    return false;
}

int in6_join(struct ifnet *ifp, const struct in6_addr *grp)
{
    struct in6_group *free_g = NULL;

    for (int i = 0; i < IN6_MAX_GROUPS_PER_IF; i++) {
        struct in6_group *g = &ifp->in6->groups[i];
        if (g->refs && in6_eq(&g->grp, grp)) {
            g->refs++;
            return 0;
        }
        if (!g->refs && !free_g)
            free_g = g;
    }
    if (!free_g)
        return -ENOSPC;
    free_g->grp = *grp;
    free_g->refs = 1;
    if (ifp->flags & IFF6_UP)
        mld6_join_report(ifp, free_g);
    return 0;
}

void in6_leave(struct ifnet *ifp, const struct in6_addr *grp)
{
    for (int i = 0; i < IN6_MAX_GROUPS_PER_IF; i++) {
        struct in6_group *g = &ifp->in6->groups[i];
        if (g->refs && in6_eq(&g->grp, grp)) {
            if (--g->refs == 0 && (ifp->flags & IFF6_UP))
                mld6_leave_report(ifp, grp);
            return;
        }
    }
}

/* --- interface up / down --- */

void in6_if_up(struct ifnet *ifp)
{
    struct in6_ifinfo *ii = ifp->in6;

    if (ifp->type == IFT_LOOP) {
        static const struct in6_addr lo = { .s6_addr = { [15] = 1 } };
        if (!in6_ifaddr_find(ifp, &lo))
            in6_addr_add(ifp, &lo, 128, IN6_IFF_NODAD, UINT32_MAX, UINT32_MAX);
        return;
    }
    if (ifp->st->fwd6)
        in6_join(ifp, &all_routers);
    for (int i = 0; i < IN6_MAX_GROUPS_PER_IF; i++)
        if (ii->groups[i].refs)
            mld6_join_report(ifp, &ii->groups[i]);
    for (int i = 0; i < IN6_MAX_ADDRS_PER_IF; i++)
        if (ii->addrs[i].in_use && !(ii->addrs[i].flags & IN6_IFF_DUPLICATED))
            dad_start(&ii->addrs[i], ND_MAX_RTR_SOLICITATION_DELAY);
    struct in6_addr ll = { .s6_addr = { 0xfe, 0x80 } };
    if (!in6_linklocal(ifp)) {
        bool have = false;
        for (int i = 0; i < IN6_MAX_ADDRS_PER_IF; i++)
            have |= ii->addrs[i].in_use && in6_is_linklocal(&ii->addrs[i].addr);
        if (!have) {
            make_addr(ifp, &ll, 0, &ll);
            in6_addr_add(ifp, &ll, 64, 0, UINT32_MAX, UINT32_MAX);
        }
    }
    if (ii->ra.enabled)
        nd6_ra_start(ifp);
}

void in6_if_down(struct ifnet *ifp)
{
    struct in6_ifinfo *ii = ifp->in6;

    cancel_if_timers(ii);
    nd6_purge_if(ifp);
    for (int i = 0; i < IN6_MAX_ADDRS_PER_IF; i++)
        if (ii->addrs[i].in_use && !(ii->addrs[i].flags & IN6_IFF_NODAD))
            ii->addrs[i].flags |= IN6_IFF_TENTATIVE;   /* DAD again when it comes back */
}

/* --- source address selection (RFC 6724 §5, src/net/addrsel.c) --- */

int in6_selectsrc(struct six_stack *st, const struct in6_addr *dst, struct ifnet *ifp, struct in6_addr *src)
{
    struct addrsel_src c[64];   /* candidates: more addresses than this on one stack are not considered */
    int n = 0;
    bool scoped = in6_is_linklocal(dst) || (in6_is_multicast(dst) && in6_mc_scope(dst) <= 2);

    for (unsigned i = 0; i < SIX_MAX_IFS && n < (int)(sizeof c / sizeof c[0]); i++) {
        struct ifnet *cif = st->ifs[i];
        if (!cif || !cif->in6 || (scoped && cif != ifp))
            continue;
        for (int k = 0; k < IN6_MAX_ADDRS_PER_IF && n < (int)(sizeof c / sizeof c[0]); k++) {
            const struct in6_ifaddr *ia = &cif->in6->addrs[k];
            if (!ia_usable(ia) || (in6_is_loopback(&ia->addr) && !in6_is_loopback(dst)))
                continue;
            c[n++] = (struct addrsel_src){ .addr = ia->addr, .ifindex = cif->index, .plen = ia->plen,
                                           .deprecated = ia->flags & IN6_IFF_DEPRECATED };
        }
    }
    int best = addrsel_source(&st->net6->policy, dst, ifp ? ifp->index : 0, c, n, true);
    if (best < 0)
        return -EADDRNOTAVAIL;
    *src = c[best].addr;
    return 0;
}
