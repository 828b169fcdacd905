/* The DHCPv6 server: configuration, its socket, dispatch of datagrams,
 * the expiry tick, and the views for sixctl (server.h). */
#include <errno.h>
#include <arpa/inet.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/core_names.h>
#include "dhcp6/dhcp6.h"
#include "dhcp6/server_int.h"
#include "link/ifnet.h"
#include "net/oplog.h"
#include "net/stack.h"
#include "six/socket.h"
#include "wire/ip6.h"

#define D6S_TICK_MS      1000
#define D6S_SCAN_BUCKETS 4096     /* per tick: the whole table every 16 s */

static const struct in6_addr all_agents = DHCP6_ALL_AGENTS_INIT;
static uint8_t rxbuf[65536];      /* one datagram at a time, consumed before the next */

int64_t d6s_wall(const struct six_stack *st)
{
    return lease_wall_now(st);   /* the store's clock: lease times mean the same to both */
}

struct d6_server *d6s_get(struct six_stack *st)
{
    return st->dhcp6 ? st->dhcp6->srv : NULL;
}

bool d6s_running(struct six_stack *st)
{
    return d6s_get(st) != NULL;
}

/* The pool set of a client heard directly on ifindex: the one without a
 * `link` (the interface's own), else the first one of that interface. */
struct d6s_link *d6s_link_by_ifindex(struct d6_server *s, unsigned ifindex)
{
    struct d6s_link *first = NULL;
    for (unsigned i = 0; i < s->n_links; i++) {
        if (s->links[i].ifindex != ifindex)
            continue;
        if (!s->links[i].cfg.has_link)
            return &s->links[i];
        if (!first)
            first = &s->links[i];
    }
    return first;
}

struct d6s_link *d6s_link_by_pool(struct d6_server *s, uint32_t pool_id)
{
    for (unsigned i = 0; i < s->n_links; i++)
        if (s->links[i].pool_id == pool_id)
            return &s->links[i];
    return NULL;
}

/* A config line's own entry: the same interface and the same `link`. */
static struct d6s_link *link_of_cfg(struct d6_server *s, unsigned ifindex, const struct d6s_config *c)
{
    for (unsigned i = 0; i < s->n_links; i++) {
        const struct d6s_link *lk = &s->links[i];
        if (lk->ifindex == ifindex && lk->cfg.has_link == c->has_link &&
            (!c->has_link || (lk->cfg.link_len == c->link_len && !memcmp(&lk->cfg.link, &c->link, sizeof c->link))))
            return &s->links[i];
    }
    return NULL;
}

static bool if_served(struct d6_server *s, unsigned ifindex)
{
    for (unsigned i = 0; i < s->n_links; i++)
        if (s->links[i].ifindex == ifindex)
            return true;
    return false;
}

bool d6s_if_served(struct d6_server *s, unsigned ifindex)
{
    return if_served(s, ifindex);
}

struct d6s_link *d6s_link_by_addr(struct d6_server *s, const struct in6_addr *a, unsigned ifindex)
{
    for (unsigned i = 0; i < s->n_links; i++)
        if (s->links[i].ifindex == ifindex && d6s_on_link(&s->links[i], a))
            return &s->links[i];
    return NULL;
}

void d6s_send(struct d6_server *s, const void *buf, size_t len, const struct sockaddr_in6 *to)
{
    if (six_sendto(s->st, s->as.sd, buf, len, 0, (const struct sockaddr *)to, sizeof *to) < 0)
        CTR_INC(s->st, dhcp6s, drop_send);
}

/* ------------------------------------------------------------ input */

static unsigned pktinfo_ifindex(struct msghdr *msg, struct in6_addr *dst)
{
    memset(dst, 0, sizeof *dst);
    for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR(msg, c)) {
        if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
            struct in6_pktinfo pi;
            memcpy(&pi, CMSG_DATA(c), sizeof pi);
            *dst = pi.ipi6_addr;
            return pi.ipi6_ifindex;
        }
    }
    return 0;
}

static void sock_ev(struct app_sock *as, short rev)
{
    struct d6_server *s = as->ctx;
    int k;
    for (k = 0; k < 256; k++) {
        struct sockaddr_in6 from;
        union { struct cmsghdr align; uint8_t b[CMSG_SPACE(sizeof(struct in6_pktinfo)) + 64]; } cbuf;
        struct iovec iov = { .iov_base = rxbuf, .iov_len = sizeof rxbuf };
        struct msghdr msg = { .msg_name = &from, .msg_namelen = sizeof from, .msg_iov = &iov, .msg_iovlen = 1,
                              .msg_control = cbuf.b, .msg_controllen = sizeof cbuf.b };
        ssize_t n = six_recvmsg(s->st, as->sd, &msg, 0);
        if (n < 0)
            break;
        if (from.sin6_family != AF_INET6 || in6_is_v4mapped(&from.sin6_addr)) {
            CTR_INC(s->st, dhcp6s, drop_no_link);   /* IPv4 on the dual socket: not ours */
            continue;
        }
        unsigned ifindex = pktinfo_ifindex(&msg, &s->rx_dst);
        d6s_handle(s, rxbuf, (size_t)n, &from, ifindex);
        if (!d6s_get(s->st))
            return;   /* cannot happen from input, but never touch a freed server */
    }
    /* group commit: every lease of this batch waits for one write + fsync */
    if (s->store)
        lease_store_flush(s->store);
    if (k == 256)
        app_sock_kick(as);   /* more may wait: next pass */
}

/* ------------------------------------------------------------ expiry */

static void expire_one(void *arg, struct d6s_lease *e)
{
    struct d6_server *s = arg;
    int64_t now = d6s_wall(s->st);
    if (!e->pending && e->l.expires <= now)
        d6s_expire_entry(s, e, now);
}

static void tick(struct timer *t, void *arg)
{
    struct d6_server *s = arg;
    d6s_table_scan(&s->tab, D6S_SCAN_BUCKETS, expire_one, s);
    timer_arm(s->st->tw, &s->tick, (uint64_t)(D6S_TICK_MS) * NS_PER_MS);
}

/* ------------------------------------------------------------ start / stop */

static void make_duid(struct d6_server *s, const char *ifname)
{
    /* DUID-LL of the first interface (RFC 9915 §11.4): stable across
     * restarts without a file; an interface without a MAC gets a DUID-UUID
     * from the stack's random generator */
    struct ifnet *ifp = if_find(s->st, ifname);
    static const uint8_t zero[6];
    if (ifp && memcmp(ifp->hwaddr.b, zero, 6)) {
        uint8_t d[10] = { 0, DUID_LL, 0, 1 };
        memcpy(d + 4, ifp->hwaddr.b, 6);
        memcpy(s->duid, d, sizeof d);
        s->duid_len = sizeof d;
        return;
    }
    s->duid[0] = 0;
    s->duid[1] = DUID_UUID;
    six_random_bytes(s->st, s->duid + 2, 16);
    s->duid_len = 18;
}

static void server_free(struct d6_server *s)
{
    d6s_reconf_stop_all(s);
    timer_cancel(&s->tick);
    if (s->store) {
        struct lease_store *ls = s->store;
        lease_store_close(ls);   /* flushes: pending commits complete first */
        s->store = NULL;
    }
    d6s_txns_free(s);
    if (s->as.sd >= 0)
        app_sock_close(&s->as);
    d6s_table_fini(&s->tab);
    EVP_MAC_free(s->hmac);
    free(s);
}

static void srv_free_hook(struct dhcp6 *d)
{
    if (d->srv)
        server_free(d->srv);
    d->srv = NULL;
}

static int join(struct d6_server *s, unsigned ifindex, bool on)
{
    struct ipv6_mreq m = { .ipv6mr_multiaddr = all_agents, .ipv6mr_interface = ifindex };
    return six_setsockopt(s->st, s->as.sd, IPPROTO_IPV6, on ? IPV6_JOIN_GROUP : IPV6_LEAVE_GROUP, &m, sizeof m);
}

static int open_socket(struct d6_server *s, char *why, size_t whyn)
{
    struct six_stack *st = s->st;
    int sd = six_socket(st, AF_INET6, SOCK_DGRAM, 0), on = 1;
    struct sockaddr_in6 any = { .sin6_family = AF_INET6, .sin6_port = htons(DHCP6_SERVER_PORT) };
    if (sd < 0 || six_setsockopt(st, sd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on) < 0 ||
        six_setsockopt(st, sd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on, sizeof on) < 0 ||
        six_bind(st, sd, (struct sockaddr *)&any, sizeof any) < 0) {
        int e = errno;
        if (sd >= 0)
            six_close(st, sd);
        if (e == EADDRINUSE)
            snprintf(why, whyn, "UDP port 547 is in use (a DHCPv6 relay or another service)");
        else
            snprintf(why, whyn, "socket: %s", strerror(e));
        return -e;
    }
    int big = 1 << 20;
    six_setsockopt(st, sd, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
    app_sock_init(&s->as, st, sd, sock_ev, s);
    return 0;
}

static struct d6_server *server_start(struct six_stack *st, const struct d6s_config *cfg, char *why, size_t whyn,
                                      int *err)
{
    struct d6_server *s = calloc(1, sizeof *s);
    if (!s || d6s_table_init(&s->tab, D6S_MAX_LEASES_DEFAULT) < 0) {
        free(s);
        *err = -ENOMEM;
        snprintf(why, whyn, "out of memory");
        return NULL;
    }
    s->st = st;
    s->as.sd = -1;
    s->rate_seed = six_random_secure(st);
    timer_init(&s->tick, tick, s);
    make_duid(s, cfg->ifname);
    s->hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    if (!s->hmac) {
        snprintf(why, whyn, "libcrypto has no HMAC");
        *err = -ENOSYS;
        server_free(s);
        return NULL;
    }
    char swhy[256] = "";
    s->store = lease_store_open(st, cfg->store, swhy, sizeof swhy);
    if (!s->store) {
        snprintf(why, whyn, "store %s: %s", cfg->store, swhy[0] ? swhy : "cannot open");
        *err = -EIO;
        server_free(s);
        return NULL;
    }
    snprintf(s->store_where, sizeof s->store_where, "%s", cfg->store);
    s->loading = true;
    int rc = lease_store_load(s->store, d6s_lease_loaded, s);
    s->loading = false;
    if (rc < 0) {
        snprintf(why, whyn, "store %s: the leases cannot be read back", cfg->store);
        *err = -EIO;
        server_free(s);
        return NULL;
    }
    if ((*err = open_socket(s, why, whyn)) < 0) {
        server_free(s);
        return NULL;
    }
    timer_arm(st->tw, &s->tick, D6S_TICK_MS * NS_PER_MS);
    return s;
}

static void recount(struct d6_server *s)
{
    for (unsigned i = 0; i < s->n_links; i++)
        s->links[i].na_used = s->links[i].pd_used = s->links[i].na_declined = 0;
    for (unsigned b = 0; b < (1u << D6S_TABLE_BITS); b++)
        for (struct d6s_lease *e = s->tab.by_addr[b]; e; e = e->anext)
            d6s_count_used(s, &e->l, +1);
}

static bool masked(const struct in6_addr *p, uint8_t plen)
{
    for (unsigned b = plen; b < 128; b++)
        if (p->s6_addr[b / 8] & (0x80 >> (b % 8)))
            return false;
    return true;
}

/* A reservation is a member of the line's pools as the pick would make it:
 * an address of the address pool, a prefix of the pd-pool of exactly the
 * delegated length.  Anything else would be given as something else (a
 * /L prefix handed out as /N) and could overlap another client's. */
static int check_reservation(const struct d6s_config *c, const struct d6s_reservation *r, char *why, size_t whyn)
{
    char a[INET6_ADDRSTRLEN];
    if (r->has_addr) {
        inet_ntop(AF_INET6, &r->addr, a, sizeof a);
        bool in = c->has_pool && !memcmp(r->addr.s6_addr, c->pool_lo.s6_addr, 8) &&
                  memcmp(r->addr.s6_addr + 8, c->pool_lo.s6_addr + 8, 8) >= 0 &&
                  memcmp(r->addr.s6_addr + 8, c->pool_hi.s6_addr + 8, 8) <= 0;
        if (!in)
            return snprintf(why, whyn, "reserve address %s: not in the pool", a), -EINVAL;
    }
    if (r->has_prefix) {
        inet_ntop(AF_INET6, &r->prefix, a, sizeof a);
        if (!c->has_pd || r->plen != c->pd_delegate)
            return snprintf(why, whyn, "reserve prefix %s/%u: the pd-pool delegates /%u", a, r->plen,
                            c->has_pd ? c->pd_delegate : 0), -EINVAL;
        if (!masked(&r->prefix, r->plen))
            return snprintf(why, whyn, "reserve prefix %s/%u: host bits set", a, r->plen), -EINVAL;
        if (!d6s_in_prefix(&r->prefix, &c->pd, c->pd_len))
            return snprintf(why, whyn, "reserve prefix %s/%u: not in the pd-pool", a, r->plen), -EINVAL;
    }
    return 0;
}

static int check_config(struct six_stack *st, const struct d6s_config *c, char *why, size_t whyn)
{
    if (!if_find(st, c->ifname))
        return snprintf(why, whyn, "no interface %s", c->ifname), -ENODEV;
    if (!c->has_pool && !c->has_pd)
        return snprintf(why, whyn, "a pool or a pd-pool is required"), -EINVAL;
    if (c->has_pool && (memcmp(c->pool_lo.s6_addr, c->pool_hi.s6_addr, 8) ||
                        memcmp(c->pool_lo.s6_addr + 8, c->pool_hi.s6_addr + 8, 8) > 0))
        return snprintf(why, whyn, "pool A-B: A <= B, both in one /64"), -EINVAL;
    if (c->has_pd && (c->pd_delegate < c->pd_len || c->pd_delegate > 128 || c->pd_delegate == 0))
        return snprintf(why, whyn, "pd-pool P/L delegate N: L <= N <= 128"), -EINVAL;
    if (c->preferred > c->valid)
        return snprintf(why, whyn, "preferred %u > valid %u", c->preferred, c->valid), -EINVAL;
    if (c->t1 > c->t2 && c->t2)
        return snprintf(why, whyn, "t1 %u > t2 %u", c->t1, c->t2), -EINVAL;
    for (int i = 0; i < c->n_res; i++)
        if (check_reservation(c, &c->res[i], why, whyn) < 0)
            return -EINVAL;
    return 0;
}

static bool na_pools_overlap(const struct d6s_config *a, const struct d6s_config *b)
{
    return a->has_pool && b->has_pool && !memcmp(a->pool_lo.s6_addr, b->pool_lo.s6_addr, 8) &&
           memcmp(a->pool_lo.s6_addr + 8, b->pool_hi.s6_addr + 8, 8) <= 0 &&
           memcmp(b->pool_lo.s6_addr + 8, a->pool_hi.s6_addr + 8, 8) <= 0;
}

static bool pd_pools_overlap(const struct d6s_config *a, const struct d6s_config *b)
{
    return a->has_pd && b->has_pd && d6s_in_prefix(&a->pd, &b->pd, a->pd_len < b->pd_len ? a->pd_len : b->pd_len);
}

/* The address pool and the pd-pool of a link: one delegated prefix must
 * never hold an address given to someone else (conservative for pd-pools
 * longer than /64: the same /64 counts as overlapping). */
static bool na_in_pd(const struct d6s_config *na, const struct d6s_config *pd)
{
    return na->has_pool && pd->has_pd && d6s_in_prefix(&na->pool_lo, &pd->pd, pd->pd_len < 64 ? pd->pd_len : 64);
}

/* Two links' pools must not overlap: a lease is known by its address
 * alone (the table, the journal, the database), so one address (or a
 * prefix and a prefix of another length around it) given on two links
 * would be given twice. */
static int check_overlaps(struct d6_server *s, const struct d6s_link *self, const struct d6s_config *c, char *why,
                          size_t whyn)
{
    if (na_in_pd(c, c))
        return snprintf(why, whyn, "the pool lies inside the pd-pool"), -EINVAL;
    for (unsigned i = 0; i < s->n_links; i++) {
        const struct d6s_link *o = &s->links[i];
        if (o == self)
            continue;
        const char *what = na_pools_overlap(c, &o->cfg) ? "pool" :
                           pd_pools_overlap(c, &o->cfg) ? "pd-pool" :
                           na_in_pd(c, &o->cfg) || na_in_pd(&o->cfg, c) ? "pool and pd-pool" : NULL;
        if (what)
            return snprintf(why, whyn, "the %s overlaps the one of %s%s", what, o->cfg.ifname,
                            o->cfg.has_link ? " (another link)" : ""), -EINVAL;
    }
    return 0;
}

int d6s_configure(struct six_stack *st, const struct d6s_config *cfg, char *why, size_t whyn)
{
    int rc = check_config(st, cfg, why, whyn);
    if (rc < 0)
        return rc;
    struct dhcp6 *d = dhcp6_get(st);
    if (!d)
        return snprintf(why, whyn, "out of memory"), -ENOMEM;
    if (d->relay)
        return snprintf(why, whyn, "a DHCPv6 relay already uses port 547"), -EADDRINUSE;
    struct d6_server *s = d->srv;
    bool fresh = !s;
    if (s && cfg->store[0] && strcmp(cfg->store, s->store_where))
        return snprintf(why, whyn, "the server already uses store %s (one store per stack)", s->store_where),
               -EINVAL;
    if (!s && !cfg->store[0])
        return snprintf(why, whyn, "store FILE required (no state directory to keep leases in)"), -EINVAL;
    unsigned ifindex = if_find(st, cfg->ifname)->index;
    struct d6s_link *lk = s ? link_of_cfg(s, ifindex, cfg) : NULL;
    if (s && !lk && s->n_links >= D6S_MAX_LINKS)
        return snprintf(why, whyn, "at most %d pool sets", D6S_MAX_LINKS), -ENOSPC;
    if (s && (rc = check_overlaps(s, lk, cfg, why, whyn)) < 0)
        return rc;
    if (fresh && !(s = server_start(st, cfg, why, whyn, &rc)))
        return rc;
    if (!if_served(s, ifindex) && join(s, ifindex, true) < 0 && errno != EADDRINUSE) {
        int e = errno;
        snprintf(why, whyn, "%s: cannot join ff02::1:2: %s", cfg->ifname, strerror(e));
        if (fresh)
            server_free(s);
        return -e;
    }
    if (!lk) {
        lk = &s->links[s->n_links++];
        lk->pool_id = ++s->next_pool_id;
    }
    lk->cfg = *cfg;
    if (!lk->cfg.store[0])
        snprintf(lk->cfg.store, sizeof lk->cfg.store, "%s", s->store_where);
    lk->ifindex = ifindex;
    d6s_link_sizes(lk);
    recount(s);
    if (fresh) {
        d->srv = s;
        d->srv_free = srv_free_hook;
    }
    six_event(st, LOG_INFO, "dhcp6 server: serving %s (store %s, %u leases loaded)", cfg->ifname, s->store_where,
              s->tab.count);
    return 0;
}

int d6s_disable(struct six_stack *st, const char *ifname, const struct in6_addr *link, uint8_t link_len,
                char *why, size_t whyn)
{
    struct d6_server *s = d6s_get(st);
    struct ifnet *ifp = if_find(st, ifname);
    if (!s || !ifp || !if_served(s, ifp->index))
        return snprintf(why, whyn, "no DHCPv6 server on %s", ifname), -ESRCH;
    unsigned removed = 0;
    for (unsigned i = 0; i < s->n_links;) {
        struct d6s_link *lk = &s->links[i];
        bool match = lk->ifindex == ifp->index &&
                     (!link || (lk->cfg.has_link && lk->cfg.link_len == link_len &&
                                !memcmp(&lk->cfg.link, link, sizeof *link)));
        if (!match) {
            i++;
            continue;
        }
        memmove(&s->links[i], &s->links[i + 1], (s->n_links - i - 1) * sizeof *lk);
        s->n_links--;
        removed++;
    }
    if (!removed)
        return snprintf(why, whyn, "no such pool set on %s", ifname), -ESRCH;
    if (!if_served(s, ifp->index))
        join(s, ifp->index, false);
    six_event(st, LOG_INFO, "dhcp6 server: stopped on %s", ifname);
    if (s->n_links) {
        recount(s);
        return 0;
    }
    st->dhcp6->srv = NULL;
    server_free(s);
    return 0;
}

/* ------------------------------------------------------------ views */

void d6s_info(struct six_stack *st, struct d6s_info *o)
{
    memset(o, 0, sizeof *o);
    struct d6_server *s = d6s_get(st);
    if (!s)
        return;
    o->running = true;
    snprintf(o->store_kind, sizeof o->store_kind, "%s", s->store ? lease_store_kind(s->store) : "");
    snprintf(o->store, sizeof o->store, "%s", s->store_where);
    o->duid_len = s->duid_len;
    memcpy(o->duid, s->duid, s->duid_len);
    o->n_links = s->n_links;
    o->leases = s->tab.count;
    o->max_leases = s->tab.max;
    o->pending = s->pending;
    for (int i = 0; i < D6S_MAX_RECONF; i++)
        o->reconf_pending += s->reconf[i].live;
    if (s->store)
        lease_store_stats(s->store, &o->store_stats);
}

bool d6s_link_info(struct six_stack *st, unsigned i, struct d6s_link_info *o)
{
    struct d6_server *s = d6s_get(st);
    if (!s || i >= s->n_links)
        return false;
    const struct d6s_link *lk = &s->links[i];
    o->cfg = lk->cfg;
    o->ifindex = lk->ifindex;
    o->na_size = lk->cfg.has_pool ? (lk->na_span == UINT64_MAX ? UINT64_MAX : lk->na_span + 1) : 0;
    o->pd_size = lk->cfg.has_pd ? (lk->pd_span == UINT64_MAX ? UINT64_MAX : lk->pd_span + 1) : 0;
    o->na_used = lk->na_used;
    o->pd_used = lk->pd_used;
    return true;
}

struct foreach_ctx { struct d6_server *s; d6s_lease_fn fn; void *arg; int64_t now; };

static void foreach_one(void *arg, struct d6s_lease *e)
{
    struct foreach_ctx *c = arg;
    if (e->foreign || (e->pending && !e->durable))
        return;   /* not ours, or not yet given */
    const char *ifname = "";
    for (unsigned i = 0; i < c->s->n_links; i++) {
        const struct d6s_link *lk = &c->s->links[i];
        if (e->l.kind == LEASE_NA ? d6s_in_na_pool(lk, &e->l.addr) : d6s_in_pd_pool(lk, &e->l.addr, e->l.plen)) {
            struct ifnet *ifp = if_byindex(c->s->st, lk->ifindex);
            ifname = ifp ? ifp->name : "";
            break;
        }
    }
    c->fn(c->arg, &e->l, ifname, c->now);
}

void d6s_foreach_lease(struct six_stack *st, d6s_lease_fn fn, void *arg)
{
    struct d6_server *s = d6s_get(st);
    if (!s)
        return;
    struct foreach_ctx c = { s, fn, arg, d6s_wall(st) };
    d6s_table_foreach(&s->tab, foreach_one, &c);
}
