/* The stub DNS resolver of a stack and the getaddrinfo / getnameinfo calls
 * of include/six/resolver.h.
 *
 * Queries.  One struct rq per question (name, type) in flight.  Each
 * attempt opens a fresh UDP socket of the stack bound to port 0 (a random
 * ephemeral port, RFC 6056) and draws a fresh random 16-bit ID; it sends one
 * query with EDNS0 (RES_EDNS_SIZE).  Attempts go round the servers as
 * resolv.conf does (s0, s1, ..., s0, s1, ...), RES_ATTEMPTS per server, each
 * waiting RES_TIMEOUT_MS.  A reply is accepted only if it comes from the
 * server's address and port (else dns.drop_bad_src), passes dns_answer_check
 * (ID, one question equal to ours ignoring case, same type: else
 * dns.drop_<reason>) and the whole message walks clean with the hardened
 * iterator (RFC 9267: else dns.drop_<reason>).  A dropped reply does not end
 * the attempt: the right answer may still come.  TC=1 moves the same query
 * to TCP (2-octet length framing, RFC 7766) at the same server.  SERVFAIL,
 * REFUSED, FORMERR, NOTIMP move to the next attempt at once.
 *
 * Answers.  CNAME chains inside one answer are followed for RES_MAX_CNAME
 * hops; the records of the final name and of our type are the result
 * (RES_MAX_ADDRS at most).  NXDOMAIN and NODATA are negative results, cached
 * (RFC 2308) for min(SOA TTL, SOA MINIMUM) when the authority section has
 * the SOA, not cached otherwise.
 *
 * Cache.  RES_CACHE_POS positive and RES_CACHE_NEG negative entries, each a
 * fixed table with least-recently-used eviction (dns.cache_evicted); TTLs
 * capped at RES_POS_TTL_MAX / RES_NEG_TTL_MAX; TTL 0 is not cached.  The
 * tables are allocated on first use.  Lookup is a linear scan: a stub cache
 * of a few hundred names does not need more.
 *
 * Requests.  A getaddrinfo request owns up to two queries (A and AAAA); a
 * getnameinfo request one (PTR).  At most RES_MAX_REQS requests per stack
 * (further ones fail with EAI_AGAIN).  Socket readiness only marks the
 * query and arms a zero-delay timer: replies are read, and user callbacks
 * run, from that timer, never inside the stack's input path. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <arpa/inet.h>
#include <net/if.h>
#include "transport/resolver.h"
#include "six/socket.h"
#include "net/stack.h"
#include "net/ip6_var.h"
#include "net/ip4_var.h"
#include "net/ip4_priv.h"
#include "net/addrsel.h"
#include "wire/dns.h"
#include "wire/ip6.h"
#include "wire/bytes.h"
#include "link/ifnet.h"

#define MS 1000000ull
#define SEC 1000000000ull

#define RQ_QUERY_MAX (DNS_HDR_LEN + DNS_MAX_NAME + 4 + 11)   /* header, question, OPT */

struct srv { struct in6_addr addr; uint16_t port; uint32_t scope; };

enum { CE_FREE, CE_POS, CE_NXDOMAIN, CE_NODATA };

struct cent {
    uint8_t kind;
    uint16_t qtype;                       /* 0 for NXDOMAIN: every type */
    uint8_t name[DNS_MAX_NAME];
    size_t name_len;
    uint8_t canon[DNS_MAX_NAME];          /* CNAME target, or the PTR name; canon_len 0: none */
    size_t canon_len;
    uint64_t expires, used_at;
    struct in6_addr *addrs;               /* A as IPv4-mapped */
    unsigned n;
};

enum lr_status { LR_PENDING, LR_OK, LR_NXDOMAIN, LR_NODATA, LR_AGAIN, LR_NOSERVER, LR_NOMEM };

struct lres {
    enum lr_status status;
    struct in6_addr *addrs;
    unsigned n;
    uint8_t canon[DNS_MAX_NAME];
    size_t canon_len;
    uint32_t ttl;                         /* cache lifetime, 0: do not cache */
};

struct req;

struct rq {
    struct resolver *r;
    struct req *owner;
    int slot;
    uint8_t name[DNS_MAX_NAME];
    size_t name_len;
    uint16_t qtype;
    struct srv srv[RES_MAX_SERVERS];
    int nsrv, attempt, max_attempts;
    struct srv cur;
    uint16_t id;
    int sd;                               /* -1: none */
    bool tcp, ev;
    uint8_t query[RQ_QUERY_MAX];
    size_t qlen;
    uint8_t tx[2 + RQ_QUERY_MAX];
    size_t tx_len, tx_off;
    uint8_t *rx;                          /* TCP: 2 + 65535 */
    size_t rx_have;
    struct timer timer;
};

struct req {
    struct req *next, *prev;
    struct resolver *r;
    int handle;
    bool gni;
    int family, socktype, protocol, flags;
    uint16_t port;
    uint8_t name[DNS_MAX_NAME];
    size_t name_len;
    struct rq *q[2];
    struct lres res[2];
    six_gai_cb cb;
    six_gni_cb gcb;
    void *arg;
    int ni_flags;
    char numhost[INET6_ADDRSTRLEN + IF_NAMESIZE + 2], serv[8];
};

/* What one DHCPv6 client interface's lease gave. */
struct d6src {
    bool in_use;
    unsigned ifindex;
    uint32_t order;
    struct in6_addr srv[RES_MAX_SERVERS];
    int nsrv;
    char dom[RES_MAX_DOMAINS][RES_DOMAIN_LEN];
    int ndom;
};

struct resolver {
    struct six_stack *st;
    struct srv srv[RES_MAX_SERVERS];
    int nsrv;
    struct d6src d6[RES_DHCP6_IFS];           /* from DHCPv6, one per client interface */
    struct cent *pos, *neg;
    uint64_t tick;
    struct req head;
    unsigned nreq;
    int next_handle;
    struct timer kick;
    uint8_t buf[4096];
};

/* ------------------------------------------------------------ counters */

static void count_drop(struct six_stack *st, enum dns_reason why)
{
    static const enum six_ctr map[DNS__MAX] = {
        [DNS_TRUNCATED] = CTR_dns_drop_truncated, [DNS_MSG_TOO_LONG] = CTR_dns_drop_msg_too_long,
        [DNS_LABEL_TOO_LONG] = CTR_dns_drop_label_too_long, [DNS_NAME_TOO_LONG] = CTR_dns_drop_name_too_long,
        [DNS_COMPRESSION_LOOP] = CTR_dns_drop_compression_loop, [DNS_POINTER_FORWARD] = CTR_dns_drop_pointer_forward,
        [DNS_POINTER_BEYOND] = CTR_dns_drop_pointer_beyond, [DNS_POINTER_INTO_HEADER] = CTR_dns_drop_pointer_into_header,
        [DNS_TOO_MANY_POINTERS] = CTR_dns_drop_too_many_pointers, [DNS_BAD_COUNT] = CTR_dns_drop_bad_count,
        [DNS_RDATA_OVERRUN] = CTR_dns_drop_rdata_overrun, [DNS_BAD_RDLEN] = CTR_dns_drop_bad_rdlen,
        [DNS_BAD_OPT] = CTR_dns_drop_bad_opt, [DNS_TRAILING_DATA] = CTR_dns_drop_trailing_data,
        [DNS_WRONG_TYPE] = CTR_dns_drop_malformed, [DNS_EMPTY_LABEL] = CTR_dns_drop_malformed,
        [DNS_BAD_ESCAPE] = CTR_dns_drop_malformed, [DNS_NOT_RESPONSE] = CTR_dns_drop_not_response,
        [DNS_BAD_OPCODE] = CTR_dns_drop_bad_opcode, [DNS_ID_MISMATCH] = CTR_dns_drop_id_mismatch,
        [DNS_QUESTION_MISMATCH] = CTR_dns_drop_question_mismatch,
    };
    enum six_ctr c = (unsigned)why < DNS__MAX && why != DNS_OK ? map[why] : CTR_dns_drop_malformed;
    st->ctr.v[c]++;
}

/* ------------------------------------------------------------ helpers */

static struct resolver *R(struct six_stack *st) { return st->res; }

static void map4(struct in6_addr *a6, struct in_addr a4)
{
    memset(a6, 0, sizeof *a6);
    a6->s6_addr[10] = a6->s6_addr[11] = 0xff;
    memcpy(a6->s6_addr + 12, &a4, 4);
}

static struct in_addr unmap4(const struct in6_addr *a6)
{
    struct in_addr a;
    memcpy(&a, a6->s6_addr + 12, 4);
    return a;
}

static void srv_sockaddr(const struct srv *s, struct sockaddr_storage *ss, socklen_t *len)
{
    memset(ss, 0, sizeof *ss);
    if (in6_is_v4mapped(&s->addr)) {
        struct sockaddr_in *sin = (struct sockaddr_in *)ss;
        sin->sin_family = AF_INET;
        sin->sin_port = htons(s->port);
        sin->sin_addr = unmap4(&s->addr);
        *len = sizeof *sin;
    } else {
        struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
        sin6->sin6_family = AF_INET6;
        sin6->sin6_port = htons(s->port);
        sin6->sin6_addr = s->addr;
        sin6->sin6_scope_id = s->scope;
        *len = sizeof *sin6;
    }
}

static bool sa_to_srv(const struct sockaddr *sa, socklen_t len, struct srv *s)
{
    if (sa->sa_family == AF_INET && len >= sizeof(struct sockaddr_in)) {
        const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;
        map4(&s->addr, sin->sin_addr);
        s->port = ntohs(sin->sin_port);
        return true;
    }
    if (sa->sa_family == AF_INET6 && len >= sizeof(struct sockaddr_in6)) {
        const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)sa;
        s->addr = sin6->sin6_addr;
        s->port = ntohs(sin6->sin6_port);
        return true;
    }
    return false;
}

/* ------------------------------------------------------------ life cycle */

static void kick_run(struct timer *t, void *arg);

int resolver_init(struct six_stack *st)
{
    struct resolver *r = calloc(1, sizeof *r);
    if (!r)
        return -ENOMEM;
    r->st = st;
    r->head.next = r->head.prev = &r->head;
    r->next_handle = 1;
    timer_init(&r->kick, kick_run, r);
    st->res = r;
    return 0;
}

static void cent_clear(struct cent *e)
{
    free(e->addrs);
    memset(e, 0, sizeof *e);
}

static void rq_free(struct rq *q);
static void req_free(struct req *rq);

void resolver_destroy(struct six_stack *st)
{
    struct resolver *r = R(st);
    if (!r)
        return;
    while (r->head.next != &r->head)
        req_free(r->head.next);
    timer_cancel(&r->kick);
    resolver_cache_flush(st);
    free(r->pos);
    free(r->neg);
    free(r);
    st->res = NULL;
}

/* ------------------------------------------------------------ servers */

int resolver_server_add(struct six_stack *st, const struct in6_addr *addr, uint16_t port)
{
    struct resolver *r = R(st);
    if (!r || !addr || in6_is_unspecified(addr) || in6_is_multicast(addr))
        return -EINVAL;
    port = port ? port : 53;
    for (int i = 0; i < r->nsrv; i++)
        if (in6_eq(&r->srv[i].addr, addr) && r->srv[i].port == port)
            return -EEXIST;
    if (r->nsrv >= RES_MAX_SERVERS)
        return -ENOSPC;
    r->srv[r->nsrv++] = (struct srv){ *addr, port, 0 };
    return 0;
}

int resolver_server_del(struct six_stack *st, const struct in6_addr *addr, uint16_t port)
{
    struct resolver *r = R(st);
    if (!r || !addr)
        return -EINVAL;
    port = port ? port : 53;
    for (int i = 0; i < r->nsrv; i++)
        if (in6_eq(&r->srv[i].addr, addr) && r->srv[i].port == port) {
            memmove(&r->srv[i], &r->srv[i + 1], (size_t)(r->nsrv - i - 1) * sizeof r->srv[0]);
            r->nsrv--;
            return 0;
        }
    return -ENOENT;
}

int resolver_configured(struct six_stack *st, struct resolver_server_info *out, int max)
{
    struct resolver *r = R(st);
    int n = 0;
    for (int i = 0; r && i < r->nsrv && n < max; i++, n++)
        out[n] = (struct resolver_server_info){ .addr = r->srv[i].addr, .port = r->srv[i].port };
    return n;
}

static bool d6_server_ok(const struct in6_addr *a)
{
    return !in6_is_unspecified(a) && !in6_is_loopback(a) && !in6_is_v4mapped(a) && !in6_is_multicast(a);
}

/* ifindex's slot, or a free one (NULL when every slot is taken). */
static struct d6src *d6_slot(struct resolver *r, unsigned ifindex)
{
    struct d6src *free_slot = NULL;
    for (int i = 0; i < RES_DHCP6_IFS; i++) {
        if (r->d6[i].in_use && r->d6[i].ifindex == ifindex)
            return &r->d6[i];
        if (!r->d6[i].in_use && !free_slot)
            free_slot = &r->d6[i];
    }
    return free_slot;
}

void resolver_dhcp6_set(struct six_stack *st, unsigned ifindex, uint32_t order, const struct in6_addr *servers,
                        int n, const char *const *domains, int ndom)
{
    struct resolver *r = R(st);
    struct d6src *d = r ? d6_slot(r, ifindex) : NULL;
    if (!d)
        return;
    memset(d, 0, sizeof *d);
    for (int i = 0; i < n && d->nsrv < RES_MAX_SERVERS; i++)
        if (d6_server_ok(&servers[i]))
            d->srv[d->nsrv++] = servers[i];
    for (int i = 0; i < ndom && d->ndom < RES_MAX_DOMAINS; i++)
        if (domains[i] && strlen(domains[i]) < RES_DOMAIN_LEN)
            strcpy(d->dom[d->ndom++], domains[i]);
    d->in_use = d->nsrv || d->ndom;   /* nothing left: the slot is free */
    d->ifindex = ifindex;
    d->order = order;
}

/* The DHCPv6 sources in their merge order (insertion sort of at most RES_DHCP6_IFS). */
static int d6_sorted(struct resolver *r, const struct d6src **out)
{
    int n = 0;
    for (int i = 0; r && i < RES_DHCP6_IFS; i++) {
        const struct d6src *d = &r->d6[i];
        if (!d->in_use)
            continue;
        int j = n++;
        while (j > 0 && (out[j - 1]->order > d->order || (out[j - 1]->order == d->order && out[j - 1]->ifindex > d->ifindex))) {
            out[j] = out[j - 1];
            j--;
        }
        out[j] = d;
    }
    return n;
}

int resolver_domains(struct six_stack *st, char (*out)[RES_DOMAIN_LEN], int max)
{
    const struct d6src *src[RES_DHCP6_IFS];
    int ns = d6_sorted(R(st), src), n = 0;
    for (int k = 0; k < ns; k++)
        for (int i = 0; i < src[k]->ndom && n < max && n < RES_MAX_DOMAINS; i++) {
            bool dup = false;
            for (int j = 0; j < n && !dup; j++)
                dup = !strcasecmp(out[j], src[k]->dom[i]);
            if (!dup)
                memcpy(out[n++], src[k]->dom[i], RES_DOMAIN_LEN);
        }
    return n;
}

/* The DHCPv6 servers merged; link-local ones scoped to their interface. */
static int d6_servers(struct resolver *r, struct resolver_server_info *out, int n, int max)
{
    const struct d6src *src[RES_DHCP6_IFS];
    int ns = d6_sorted(r, src), first = n;
    for (int k = 0; k < ns; k++)
        for (int i = 0; i < src[k]->nsrv && n < max && n - first < RES_MAX_SERVERS; i++) {
            uint32_t scope = in6_is_linklocal(&src[k]->srv[i]) ? src[k]->ifindex : 0;
            bool dup = false;
            for (int j = first; j < n && !dup; j++)
                dup = in6_eq(&out[j].addr, &src[k]->srv[i]) && out[j].scope == scope;
            if (!dup)
                out[n++] = (struct resolver_server_info){ .addr = src[k]->srv[i], .port = 53, .from_dhcp6 = true,
                                                          .scope = scope };
        }
    return n;
}

int resolver_servers(struct six_stack *st, struct resolver_server_info *out, int max)
{
    int n = resolver_configured(st, out, max);
    if (n)
        return n;
    struct resolver *r = R(st);
    n = d6_servers(r, out, n, max);
    if (n)
        return n;
    struct net6 *n6 = st->net6;
    if (!n6 || !n6->n_rdnss || n6->rdnss_expires_ns <= six_now(st))
        return 0;
    for (int i = 0; i < n6->n_rdnss && n < max && i < RES_MAX_SERVERS; i++) {
        if (in6_is_unspecified(&n6->rdnss[i]) || in6_is_multicast(&n6->rdnss[i]))
            continue;   /* link-local ones need a scope the RDNSS list does not keep: route6 refuses them */
        out[n++] = (struct resolver_server_info){ .addr = n6->rdnss[i], .port = 53, .from_ra = true };
    }
    return n;
}

/* ------------------------------------------------------------ cache */

static bool cache_alloc(struct resolver *r)
{
    if (!r->pos)
        r->pos = calloc(RES_CACHE_POS, sizeof *r->pos);
    if (!r->neg)
        r->neg = calloc(RES_CACHE_NEG, sizeof *r->neg);
    return r->pos && r->neg;
}

void resolver_cache_flush(struct six_stack *st)
{
    struct resolver *r = R(st);
    if (!r)
        return;
    for (int i = 0; r->pos && i < RES_CACHE_POS; i++)
        cent_clear(&r->pos[i]);
    for (int i = 0; r->neg && i < RES_CACHE_NEG; i++)
        cent_clear(&r->neg[i]);
}

/* Live entry of table t for (name, qtype): qtype 0 matches NXDOMAIN entries
 * only; expired entries found on the way are freed. */
static struct cent *cache_find(struct resolver *r, struct cent *t, int n, const uint8_t *name, size_t nlen,
                               uint16_t qtype)
{
    uint64_t now = six_now(r->st);
    for (int i = 0; t && i < n; i++) {
        struct cent *e = &t[i];
        if (e->kind == CE_FREE)
            continue;
        if (e->expires <= now) {
            cent_clear(e);
            continue;
        }
        if (e->qtype == qtype && dns_name_equal(e->name, e->name_len, name, nlen)) {
            e->used_at = ++r->tick;
            return e;
        }
    }
    return NULL;
}

/* The slot to (re)use for (name, qtype): the same key, else a free one, else the LRU one. */
static struct cent *cache_slot(struct resolver *r, struct cent *t, int n, const uint8_t *name, size_t nlen,
                               uint16_t qtype)
{
    struct cent *free_e = NULL, *lru = NULL;
    for (int i = 0; i < n; i++) {
        struct cent *e = &t[i];
        if (e->kind != CE_FREE && e->qtype == qtype && dns_name_equal(e->name, e->name_len, name, nlen)) {
            cent_clear(e);
            return e;
        }
        if (e->kind == CE_FREE) {
            if (!free_e)
                free_e = e;
        } else if (!lru || e->used_at < lru->used_at) {
            lru = e;
        }
    }
    if (free_e)
        return free_e;
    CTR_INC(r->st, dns, cache_evicted);
    cent_clear(lru);
    return lru;
}

static void cache_put(struct resolver *r, const uint8_t *name, size_t nlen, uint16_t qtype, const struct lres *l)
{
    if (!l->ttl || !cache_alloc(r))
        return;
    bool neg = l->status == LR_NXDOMAIN || l->status == LR_NODATA;
    if (!neg && l->status != LR_OK)
        return;
    uint16_t key = l->status == LR_NXDOMAIN ? 0 : qtype;
    struct cent *e = neg ? cache_slot(r, r->neg, RES_CACHE_NEG, name, nlen, key)
                         : cache_slot(r, r->pos, RES_CACHE_POS, name, nlen, key);
    if (l->n) {
        e->addrs = malloc(l->n * sizeof *e->addrs);
        if (!e->addrs)
            return;
        memcpy(e->addrs, l->addrs, l->n * sizeof *e->addrs);
        e->n = l->n;
    }
    uint32_t cap = neg ? RES_NEG_TTL_MAX : RES_POS_TTL_MAX;
    e->kind = l->status == LR_NXDOMAIN ? CE_NXDOMAIN : l->status == LR_NODATA ? CE_NODATA : CE_POS;
    e->qtype = key;
    memcpy(e->name, name, nlen);
    e->name_len = nlen;
    memcpy(e->canon, l->canon, l->canon_len);
    e->canon_len = l->canon_len;
    e->expires = six_now(r->st) + (uint64_t)(l->ttl < cap ? l->ttl : cap) * SEC;
    e->used_at = ++r->tick;
}

/* Fill l from the cache; false on a miss. */
static bool cache_get(struct resolver *r, const uint8_t *name, size_t nlen, uint16_t qtype, struct lres *l)
{
    struct cent *e;
    if ((e = cache_find(r, r->neg, RES_CACHE_NEG, name, nlen, 0))) {
        l->status = LR_NXDOMAIN;
        CTR_INC(r->st, dns, neg_cache_hit);
        return true;
    }
    if ((e = cache_find(r, r->neg, RES_CACHE_NEG, name, nlen, qtype))) {
        l->status = LR_NODATA;
        CTR_INC(r->st, dns, neg_cache_hit);
        return true;
    }
    if ((e = cache_find(r, r->pos, RES_CACHE_POS, name, nlen, qtype))) {
        if (e->n && !(l->addrs = malloc(e->n * sizeof *l->addrs))) {
            l->status = LR_NOMEM;
            return true;
        }
        if (e->n)
            memcpy(l->addrs, e->addrs, e->n * sizeof *l->addrs);
        l->n = e->n;
        memcpy(l->canon, e->canon, e->canon_len);
        l->canon_len = e->canon_len;
        l->status = LR_OK;
        CTR_INC(r->st, dns, cache_hit);
        return true;
    }
    return false;
}

void resolver_stats(struct six_stack *st, struct resolver_stats *s)
{
    struct resolver *r = R(st);
    memset(s, 0, sizeof *s);
    if (!r)
        return;
    uint64_t now = six_now(st);
    for (int i = 0; r->pos && i < RES_CACHE_POS; i++)
        s->cache_pos += r->pos[i].kind != CE_FREE && r->pos[i].expires > now;
    for (int i = 0; r->neg && i < RES_CACHE_NEG; i++)
        s->cache_neg += r->neg[i].kind != CE_FREE && r->neg[i].expires > now;
    s->in_flight = r->nreq;
}

/* ------------------------------------------------------------ answers */

enum act { ACT_DROP, ACT_TCP, ACT_NEXT, ACT_FINAL };

/* Negative-caching TTL (RFC 2308 §5): min(SOA TTL, SOA MINIMUM) of the SOA
 * in the authority section; 0 (do not cache) when there is none. */
static uint32_t neg_ttl(const uint8_t *msg, size_t len)
{
    struct dns_iter it;
    struct dns_rr rr;
    bool done = false;
    if (dns_iter_init(&it, msg, len, 0) != DNS_OK)
        return 0;
    while (dns_iter_rr(&it, &rr, &done) == DNS_OK && !done) {
        if (rr.section != DNS_SEC_AUTHORITY || rr.type != DNS_TYPE_SOA || rr.class != DNS_CLASS_IN)
            continue;
        uint8_t n[DNS_MAX_NAME];
        size_t nl, next;
        if (dns_name_parse(msg, len, rr.rdata_off, n, &nl, &next) != DNS_OK ||
            dns_name_parse(msg, len, next, n, &nl, &next) != DNS_OK || next + 20 != rr.rdata_off + rr.rdlen)
            return 0;
        uint32_t minimum = rd32(msg + next + 16);
        return rr.ttl < minimum ? rr.ttl : minimum;
    }
    return 0;
}

/* A reply that passed dns_answer_check: decide what to do, filling l for ACT_FINAL. */
static enum act answer_process(struct rq *q, const uint8_t *msg, size_t len, bool tcp, struct lres *l)
{
    struct six_stack *st = q->r->st;
    struct dns_iter it;
    struct dns_rr rr;
    bool done = false;
    enum dns_reason why = dns_iter_init(&it, msg, len, 0);
    struct dns_header h = it.h;

    if (why == DNS_OK && dns_tc(&h) && !tcp)
        return ACT_TCP;   /* the rest may be cut anywhere: not worth walking (RFC 7766 §5) */
    while (why == DNS_OK && !done)
        why = dns_iter_rr(&it, &rr, &done);
    if (why != DNS_OK) {
        count_drop(st, why);
        return tcp ? ACT_NEXT : ACT_DROP;
    }
    unsigned rcode = dns_rcode(&h);
    if (rcode != DNS_RCODE_NOERROR && rcode != DNS_RCODE_NXDOMAIN) {
        CTR_INC(st, dns, server_error);
        return ACT_NEXT;
    }
    CTR_INC(st, dns, answers);
    if (rcode == DNS_RCODE_NXDOMAIN) {
        l->status = LR_NXDOMAIN;
        l->ttl = neg_ttl(msg, len);
        return ACT_FINAL;
    }
    /* follow the CNAME chain from the question name */
    uint8_t cur[DNS_MAX_NAME];
    size_t cur_len = q->name_len;
    uint32_t ttl = RES_POS_TTL_MAX;
    memcpy(cur, q->name, cur_len);
    for (int hops = 0;; hops++) {
        bool found = false;
        done = false;
        dns_iter_init(&it, msg, len, 0);
        while (dns_iter_rr(&it, &rr, &done) == DNS_OK && !done && rr.section == DNS_SEC_ANSWER) {
            if (rr.type != DNS_TYPE_CNAME || rr.class != DNS_CLASS_IN || q->qtype == DNS_TYPE_CNAME ||
                !dns_name_equal(rr.name, rr.name_len, cur, cur_len))
                continue;
            if (dns_rr_cname(msg, len, &rr, cur, &cur_len) != DNS_OK)
                break;   /* cannot happen: the walk above checked it */
            ttl = rr.ttl < ttl ? rr.ttl : ttl;
            found = true;
            break;
        }
        if (!found)
            break;
        if (hops + 1 > RES_MAX_CNAME) {
            CTR_INC(st, dns, drop_cname_chain);
            return ACT_NEXT;
        }
        memcpy(l->canon, cur, cur_len);
        l->canon_len = cur_len;
    }
    /* the records of the final name */
    done = false;
    dns_iter_init(&it, msg, len, 0);
    while (dns_iter_rr(&it, &rr, &done) == DNS_OK && !done && rr.section == DNS_SEC_ANSWER) {
        if (rr.type != q->qtype || rr.class != DNS_CLASS_IN || !dns_name_equal(rr.name, rr.name_len, cur, cur_len))
            continue;
        if (q->qtype == DNS_TYPE_PTR) {
            if (l->canon_len && dns_name_equal(l->canon, l->canon_len, cur, cur_len))
                l->canon_len = 0;
            if (!l->n && dns_rr_ptr(msg, len, &rr, l->canon, &l->canon_len) == DNS_OK) {
                l->n = 1;
                ttl = rr.ttl < ttl ? rr.ttl : ttl;
            }
            continue;
        }
        if (l->n >= RES_MAX_ADDRS)
            continue;
        if (!l->addrs && !(l->addrs = malloc(RES_MAX_ADDRS * sizeof *l->addrs))) {
            l->status = LR_NOMEM;
            return ACT_FINAL;
        }
        struct in6_addr a6;
        struct in_addr a4;
        if (q->qtype == DNS_TYPE_AAAA && dns_rr_aaaa(msg, len, &rr, &a6) == DNS_OK) {
            l->addrs[l->n++] = a6;
        } else if (q->qtype == DNS_TYPE_A && dns_rr_a(msg, len, &rr, &a4) == DNS_OK) {
            map4(&a6, a4);
            l->addrs[l->n++] = a6;
        } else {
            continue;
        }
        ttl = rr.ttl < ttl ? rr.ttl : ttl;
    }
    if (!l->n) {
        l->status = LR_NODATA;
        l->ttl = neg_ttl(msg, len);
        if (q->qtype == DNS_TYPE_PTR)
            l->canon_len = 0;
        return ACT_FINAL;
    }
    if (q->qtype == DNS_TYPE_PTR)
        l->n = 0;   /* the name is in canon */
    l->status = LR_OK;
    l->ttl = ttl;
    return ACT_FINAL;
}

/* ------------------------------------------------------------ queries */

static void rq_finish(struct rq *q, struct lres *l);
static void rq_attempt(struct rq *q);

static void sock_cb(void *arg, int sd, short revents)
{
    struct rq *q = arg;
    q->ev = true;
    if (!timer_pending(&q->r->kick))
        timer_arm(q->r->st->tw, &q->r->kick, 0);
}

static void rq_close(struct rq *q)
{
    if (q->sd >= 0) {
        six_sock_set_callback(q->r->st, q->sd, NULL, NULL);
        six_close(q->r->st, q->sd);
    }
    q->sd = -1;
    q->tcp = false;
    q->ev = false;
    q->rx_have = 0;
    q->tx_off = q->tx_len = 0;
}

static void rq_free(struct rq *q)
{
    if (!q)
        return;
    rq_close(q);
    timer_cancel(&q->timer);
    free(q->rx);
    free(q);
}

static void rq_timeout(struct timer *t, void *arg)
{
    struct rq *q = arg;
    CTR_INC(q->r->st, dns, timeouts);
    rq_attempt(q);
}

static int open_sock(struct rq *q, int type)
{
    struct six_stack *st = q->r->st;
    bool v4 = in6_is_v4mapped(&q->cur.addr);
    int sd = six_socket(st, v4 ? AF_INET : AF_INET6, type, 0);
    if (sd < 0)
        return -1;
    q->sd = sd;
    six_sock_set_callback(st, sd, sock_cb, q);
    return 0;
}

/* Next attempt (UDP) at the next server in turn; finishes with LR_AGAIN when
 * every attempt is used. */
static void rq_attempt(struct rq *q)
{
    struct six_stack *st = q->r->st;

    rq_close(q);
    while (q->attempt < q->max_attempts) {
        q->cur = q->srv[q->attempt % q->nsrv];
        q->attempt++;
        q->id = (uint16_t)six_random_secure(st);
        q->qlen = dns_query_emit(q->query, sizeof q->query, q->id, q->name, q->name_len, q->qtype, RES_EDNS_SIZE);
        struct sockaddr_storage ss;
        socklen_t sl;
        srv_sockaddr(&q->cur, &ss, &sl);
        if (!q->qlen || open_sock(q, SOCK_DGRAM))
            break;
        struct sockaddr_storage any = { .ss_family = ss.ss_family };
        /* port 0: the stack draws a random free ephemeral port (RFC 6056) */
        if (six_bind(st, q->sd, (struct sockaddr *)&any,
                     ss.ss_family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6)) == 0 &&
            six_sendto(st, q->sd, q->query, q->qlen, 0, (struct sockaddr *)&ss, sl) == (ssize_t)q->qlen) {
            CTR_INC(st, dns, queries);
            timer_arm(st->tw, &q->timer, RES_TIMEOUT_MS * MS);
            return;
        }
        CTR_INC(st, dns, send_errors);
        rq_close(q);
    }
    struct lres l = { .status = LR_AGAIN };
    rq_finish(q, &l);
}

static void rq_tcp_start(struct rq *q)
{
    struct six_stack *st = q->r->st;
    struct sockaddr_storage ss;
    socklen_t sl;

    rq_close(q);
    CTR_INC(st, dns, tcp_fallback);
    srv_sockaddr(&q->cur, &ss, &sl);
    if (open_sock(q, SOCK_STREAM)) {
        rq_attempt(q);
        return;
    }
    q->tcp = true;
    if (six_connect(st, q->sd, (struct sockaddr *)&ss, sl) < 0 && errno != EINPROGRESS) {
        rq_attempt(q);
        return;
    }
    wr16(q->tx, (uint16_t)q->qlen);
    memcpy(q->tx + 2, q->query, q->qlen);
    q->tx_len = 2 + q->qlen;
    q->tx_off = 0;
    q->rx_have = 0;
    timer_arm(st->tw, &q->timer, 2 * RES_TIMEOUT_MS * MS);
    q->ev = true;   /* try the send at once: connect may have completed */
    if (!timer_pending(&q->r->kick))
        timer_arm(st->tw, &q->r->kick, 0);
}

/* Act on one message; true if q is gone or has moved on (stop reading). */
static bool rq_message(struct rq *q, const uint8_t *msg, size_t len)
{
    struct lres l = { .status = LR_PENDING };
    enum dns_reason why = dns_answer_check(msg, len, q->id, q->name, q->name_len, q->qtype);
    enum act a;

    if (why != DNS_OK) {
        count_drop(q->r->st, why);
        a = q->tcp ? ACT_NEXT : ACT_DROP;
    } else {
        a = answer_process(q, msg, len, q->tcp, &l);
    }
    switch (a) {
    case ACT_DROP:
        return false;
    case ACT_TCP:
        rq_tcp_start(q);
        return true;
    case ACT_NEXT:
        free(l.addrs);
        rq_attempt(q);
        return true;
    case ACT_FINAL:
        rq_finish(q, &l);
        return true;
    }
    return true;
}

static void rq_service_udp(struct rq *q)
{
    struct resolver *r = q->r;
    for (;;) {
        struct sockaddr_storage from;
        struct iovec iov = { r->buf, sizeof r->buf };
        struct msghdr m = { .msg_name = &from, .msg_namelen = sizeof from, .msg_iov = &iov, .msg_iovlen = 1 };
        ssize_t n = six_recvmsg(r->st, q->sd, &m, 0);
        if (n < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return;
            CTR_INC(r->st, dns, icmp_errors);   /* e.g. port unreachable from the server: next attempt */
            rq_attempt(q);
            return;
        }
        struct srv s;
        if (!sa_to_srv((struct sockaddr *)&from, m.msg_namelen, &s) || s.port != q->cur.port ||
            !in6_eq(&s.addr, &q->cur.addr)) {
            CTR_INC(r->st, dns, drop_bad_src);
            continue;
        }
        if (m.msg_flags & MSG_TRUNC) {
            count_drop(r->st, DNS_TRUNCATED);
            continue;
        }
        if (rq_message(q, r->buf, (size_t)n))
            return;
    }
}

static void rq_service_tcp(struct rq *q)
{
    struct six_stack *st = q->r->st;
    while (q->tx_off < q->tx_len) {
        ssize_t n = six_send(st, q->sd, q->tx + q->tx_off, q->tx_len - q->tx_off, 0);
        if (n > 0) {
            q->tx_off += (size_t)n;
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOTCONN))
            return;
        CTR_INC(st, dns, tcp_errors);
        rq_attempt(q);
        return;
    }
    if (!q->rx && !(q->rx = malloc(2 + DNS_MAX_MSG))) {
        rq_attempt(q);
        return;
    }
    for (;;) {
        size_t need = q->rx_have < 2 ? 2 : 2 + (size_t)rd16(q->rx);
        if (q->rx_have >= 2 && need == 2) {   /* a zero length frame */
            CTR_INC(st, dns, tcp_errors);
            rq_attempt(q);
            return;
        }
        if (q->rx_have == need && need > 2) {
            rq_message(q, q->rx + 2, need - 2);
            return;
        }
        ssize_t n = six_recv(st, q->sd, q->rx + q->rx_have, need - q->rx_have, 0);
        if (n > 0) {
            q->rx_have += (size_t)n;
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return;
        CTR_INC(st, dns, tcp_errors);   /* closed before the whole answer, reset, refused */
        rq_attempt(q);
        return;
    }
}

static struct rq *find_ev(struct resolver *r)
{
    for (struct req *rq = r->head.next; rq != &r->head; rq = rq->next)
        for (int i = 0; i < 2; i++)
            if (rq->q[i] && rq->q[i]->ev)
                return rq->q[i];
    return NULL;
}

static void kick_run(struct timer *t, void *arg)
{
    struct resolver *r = arg;
    struct rq *q;
    while ((q = find_ev(r))) {
        q->ev = false;
        if (q->sd < 0)
            continue;
        if (q->tcp)
            rq_service_tcp(q);
        else
            rq_service_udp(q);
    }
}

static struct rq *rq_new(struct req *owner, int slot, uint16_t qtype, const struct srv *srv, int nsrv)
{
    struct rq *q = calloc(1, sizeof *q);
    if (!q)
        return NULL;
    q->r = owner->r;
    q->owner = owner;
    q->slot = slot;
    q->sd = -1;
    memcpy(q->name, owner->name, owner->name_len);
    q->name_len = owner->name_len;
    q->qtype = qtype;
    memcpy(q->srv, srv, (size_t)nsrv * sizeof *srv);
    q->nsrv = nsrv;
    q->max_attempts = nsrv * RES_ATTEMPTS;
    timer_init(&q->timer, rq_timeout, q);
    return q;
}

/* ------------------------------------------------------------ ordering */

/* RFC 6724 §6: each destination with the source the stack would use (route
 * lookup, then in6_selectsrc / in4_selectsrc), sorted by addrsel. */
static void sort_dst(struct six_stack *st, struct in6_addr *a, unsigned n)
{
    if (n < 2)
        return;
    struct addrsel_dst *d = calloc(n, sizeof *d);
    if (!d)
        return;
    for (unsigned i = 0; i < n; i++) {
        d[i].dst = a[i];
        d[i].orig_index = i;
        d[i].src_native_ok = true;
        if (in6_is_v4mapped(&a[i])) {
            struct in_addr v4 = unmap4(&a[i]), s;
            const struct rt4_entry *rt = route4_lookup(st, v4);
            if (rt && in4_selectsrc(st, v4, rt->ifp, &s) == 0) {
                d[i].src_ok = true;
                map4(&d[i].src.addr, s);
                d[i].src.ifindex = rt->ifp ? rt->ifp->index : 0;
                d[i].oif = d[i].src.ifindex;
            }
        } else {
            struct ifnet *ifp = NULL;
            struct in6_addr nh, s;
            if (route6_resolve(st, &a[i], NULL, &ifp, &nh) == 0 && in6_selectsrc(st, &a[i], ifp, &s) == 0) {
                const struct in6_ifaddr *ia = in6_ifaddr_lookup(st, &s);
                d[i].src_ok = true;
                d[i].src.addr = s;
                if (ia) {
                    d[i].src.plen = ia->plen;
                    d[i].src.deprecated = ia->flags & IN6_IFF_DEPRECATED;
                    d[i].src.ifindex = ia->ifp ? ia->ifp->index : 0;
                }
                d[i].oif = ifp ? ifp->index : 0;
            }
        }
    }
    addrsel_sort_destinations(&st->net6->policy, d, (int)n);
    for (unsigned i = 0; i < n; i++)
        a[i] = d[i].dst;
    free(d);
}

/* ------------------------------------------------------------ requests */

static void req_unlink(struct req *rq)
{
    if (!rq->next)
        return;
    rq->prev->next = rq->next;
    rq->next->prev = rq->prev;
    rq->next = rq->prev = NULL;
    rq->r->nreq--;
}

static void req_free(struct req *rq)
{
    req_unlink(rq);
    for (int i = 0; i < 2; i++) {
        rq_free(rq->q[i]);
        rq->q[i] = NULL;
        free(rq->res[i].addrs);
    }
    free(rq);
}

static struct addrinfo *ai_new(int family, int socktype, int protocol, const struct in6_addr *a,
                               uint16_t port, uint32_t scope)
{
    struct addrinfo *ai = calloc(1, sizeof *ai + sizeof(struct sockaddr_in6));
    if (!ai)
        return NULL;
    ai->ai_family = family;
    ai->ai_socktype = socktype;
    ai->ai_protocol = protocol;
    ai->ai_addr = (struct sockaddr *)(ai + 1);
    if (family == AF_INET) {
        struct sockaddr_in *sin = (struct sockaddr_in *)ai->ai_addr;
        sin->sin_family = AF_INET;
        sin->sin_port = htons(port);
        sin->sin_addr = unmap4(a);
        ai->ai_addrlen = sizeof *sin;
    } else {
        struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ai->ai_addr;
        sin6->sin6_family = AF_INET6;
        sin6->sin6_port = htons(port);
        sin6->sin6_addr = *a;
        sin6->sin6_scope_id = scope;
        ai->ai_addrlen = sizeof *sin6;
    }
    return ai;
}

void six_freeaddrinfo(struct addrinfo *res)
{
    while (res) {
        struct addrinfo *next = res->ai_next;
        free(res->ai_canonname);
        free(res);
        res = next;
    }
}

struct gai_params {
    int family, socktype, protocol, flags;
    uint16_t port;
};

/* The list for addresses a[0..n) (IPv4 as mapped), in that order; for
 * AF_INET6 requests IPv4 addresses come back mapped. */
static int ai_build(const struct gai_params *p, const struct in6_addr *a, unsigned n, uint32_t scope,
                    const char *canon, struct addrinfo **out)
{
    static const struct { int type, proto; } all[] = { { SOCK_STREAM, IPPROTO_TCP }, { SOCK_DGRAM, IPPROTO_UDP } };
    struct addrinfo *head = NULL, **tail = &head;
    *out = NULL;
    for (unsigned i = 0; i < n; i++) {
        int fam = in6_is_v4mapped(&a[i]) && p->family != AF_INET6 ? AF_INET : AF_INET6;
        for (size_t k = 0; k < 2; k++) {
            int type = all[k].type, proto = all[k].proto;
            if (p->socktype == SOCK_RAW) {
                if (k)
                    break;
                type = SOCK_RAW;
                proto = p->protocol;
            } else if ((p->socktype && p->socktype != type) || (p->protocol && p->protocol != proto)) {
                continue;
            }
            struct addrinfo *ai = ai_new(fam, type, proto, &a[i], p->port, scope);
            if (!ai) {
                six_freeaddrinfo(head);
                return EAI_MEMORY;
            }
            *tail = ai;
            tail = &ai->ai_next;
        }
    }
    if (head && canon && (p->flags & AI_CANONNAME) && !(head->ai_canonname = strdup(canon))) {
        six_freeaddrinfo(head);
        return EAI_MEMORY;
    }
    *out = head;
    return head ? 0 : EAI_NONAME;
}

static int lres_eai(const struct lres *l)
{
    switch (l->status) {
    case LR_OK: return 0;
    case LR_NXDOMAIN: return EAI_NONAME;
    case LR_NODATA: return EAI_NODATA;
    case LR_NOSERVER: return EAI_FAIL;
    case LR_NOMEM: return EAI_MEMORY;
    default: return EAI_AGAIN;
    }
}

/* Combine both lookups of a getaddrinfo request and call back. */
static void gai_complete(struct req *rq)
{
    struct resolver *r = rq->r;
    struct lres *l4 = &rq->res[0], *l6 = &rq->res[1];
    struct gai_params p = { rq->family, rq->socktype, rq->protocol, rq->flags, rq->port };
    struct addrinfo *res = NULL;
    int err = 0;
    /* which A results are wanted */
    bool want4 = rq->family != AF_INET6 || ((rq->flags & AI_V4MAPPED) && ((rq->flags & AI_ALL) || !l6->n));
    unsigned n = (l6->status == LR_OK ? l6->n : 0) + (want4 && l4->status == LR_OK ? l4->n : 0);

    if (n) {
        struct in6_addr *a = malloc(n * sizeof *a);
        if (!a) {
            err = EAI_MEMORY;
        } else {
            unsigned k = 0;
            if (want4 && l4->status == LR_OK)
                for (unsigned i = 0; i < l4->n; i++)
                    a[k++] = l4->addrs[i];
            if (l6->status == LR_OK)
                for (unsigned i = 0; i < l6->n; i++)
                    a[k++] = l6->addrs[i];
            sort_dst(r->st, a, n);
            const struct lres *lc = l6->canon_len ? l6 : l4;
            char canon[DNS_TEXT_MAX];
            if (lc->canon_len)
                dns_name_to_text(lc->canon, lc->canon_len, canon, sizeof canon);
            else
                dns_name_to_text(rq->name, rq->name_len, canon, sizeof canon);
            err = ai_build(&p, a, n, 0, canon, &res);
            free(a);
        }
    } else {
        /* no address: the most telling error of the lookups made */
        const struct lres *ls[2] = { l4, l6 };
        int prio = -1;
        for (int i = 0; i < 2; i++) {
            if (ls[i]->status == LR_PENDING)
                continue;
            int e = lres_eai(ls[i]), pr = e == EAI_NONAME ? 5 : e == EAI_MEMORY ? 4 : e == EAI_AGAIN ? 3
                                                           : e == EAI_FAIL ? 2 : 1;
            if (pr > prio) {
                prio = pr;
                err = e ? e : EAI_NODATA;
            }
        }
        if (prio < 0)
            err = EAI_NONAME;
    }
    six_gai_cb cb = rq->cb;
    void *arg = rq->arg;
    req_free(rq);
    cb(arg, err, err ? NULL : res);
}

static void gni_complete(struct req *rq)
{
    const struct lres *l = &rq->res[0];
    char host[DNS_TEXT_MAX];
    int err = 0;
    if (l->status == LR_OK && l->canon_len && dns_name_to_text(l->canon, l->canon_len, host, sizeof host) >= 0)
        ;
    else if (rq->ni_flags & NI_NAMEREQD)
        err = l->status == LR_OK || l->status == LR_NXDOMAIN || l->status == LR_NODATA ? EAI_NONAME : lres_eai(l);
    else
        snprintf(host, sizeof host, "%s", rq->numhost);
    six_gni_cb cb = rq->gcb;
    void *arg = rq->arg;
    char serv[sizeof rq->serv];
    memcpy(serv, rq->serv, sizeof serv);
    req_free(rq);
    cb(arg, err, err ? NULL : host, err ? NULL : serv);
}

static void req_maybe_complete(struct req *rq)
{
    if (rq->q[0] || rq->q[1])
        return;
    if (rq->gni)
        gni_complete(rq);
    else
        gai_complete(rq);
}

static void rq_finish(struct rq *q, struct lres *l)
{
    struct req *rq = q->owner;
    int slot = q->slot;
    cache_put(q->r, q->name, q->name_len, q->qtype, l);
    rq->res[slot] = *l;
    rq->q[slot] = NULL;
    rq_free(q);
    /* NXDOMAIN is about the name: the other type's answer cannot help */
    if (l->status == LR_NXDOMAIN && rq->q[!slot]) {
        rq_free(rq->q[!slot]);
        rq->q[!slot] = NULL;
    }
    req_maybe_complete(rq);
}

static struct req *req_new(struct resolver *r)
{
    struct req *rq = calloc(1, sizeof *rq);
    if (!rq)
        return NULL;
    rq->r = r;
    return rq;
}

static void req_link(struct req *rq)
{
    struct resolver *r = rq->r;
    rq->handle = r->next_handle;
    r->next_handle = r->next_handle >= 0x7fffffff ? 1 : r->next_handle + 1;
    rq->next = &r->head;
    rq->prev = r->head.prev;
    r->head.prev->next = rq;
    r->head.prev = rq;
    r->nreq++;
}

/* Start the lookups of rq that the cache did not answer.  Returns the
 * handle (> 0) if any query is under way, or 0 after completing rq. */
static int req_start(struct req *rq, const uint16_t types[2])
{
    struct resolver *r = rq->r;
    struct resolver_server_info si[RES_MAX_SERVERS];
    struct srv srv[RES_MAX_SERVERS];
    bool need[2] = { false, false };

    for (int i = 0; i < 2; i++) {
        rq->res[i].status = LR_PENDING;
        if (!types[i])
            continue;
        if (cache_get(r, rq->name, rq->name_len, types[i], &rq->res[i])) {
            if (rq->res[i].status == LR_NXDOMAIN) {   /* for every type */
                need[0] = need[1] = false;
                break;
            }
            continue;
        }
        need[i] = true;
    }
    int nsrv = need[0] || need[1] ? resolver_servers(r->st, si, RES_MAX_SERVERS) : 0;
    for (int i = 0; i < nsrv; i++)
        srv[i] = (struct srv){ si[i].addr, si[i].port, si[i].scope };
    req_link(rq);
    for (int i = 0; i < 2; i++) {
        if (!need[i])
            continue;
        CTR_INC(r->st, dns, cache_miss);
        if (!nsrv) {
            rq->res[i].status = LR_NOSERVER;
            continue;
        }
        if (r->nreq > RES_MAX_REQS) {
            rq->res[i].status = LR_AGAIN;
            continue;
        }
        if (!(rq->q[i] = rq_new(rq, i, types[i], srv, nsrv)))
            rq->res[i].status = LR_NOMEM;
    }
    int handle = rq->handle;
    if (!rq->q[0] && !rq->q[1]) {
        req_maybe_complete(rq);
        return 0;
    }
    /* Send once both queries exist.  Only the last one to start can
     * complete rq synchronously (every send failing gives LR_AGAIN, never
     * NXDOMAIN, so query 0 cannot end query 1). */
    struct rq *q0 = rq->q[0], *q1 = rq->q[1];
    if (q0)
        rq_attempt(q0);
    if (q1)
        rq_attempt(q1);
    /* is the request still linked? */
    for (struct req *x = r->head.next; x != &r->head; x = x->next)
        if (x->handle == handle)
            return handle;
    return 0;
}

static bool has_addrs(struct six_stack *st, bool v6)
{
    for (unsigned i = 0; i < SIX_MAX_IFS; i++) {
        struct ifnet *ifp = st->ifs[i];
        if (!ifp || ifp->type == IFT_LOOP)
            continue;
        if (!v6 && ifp->in4 && ifp->in4->naddrs)
            return true;
        if (v6 && ifp->in6)
            for (int k = 0; k < IN6_MAX_ADDRS_PER_IF; k++) {
                const struct in6_ifaddr *ia = &ifp->in6->addrs[k];
                if (ia->in_use && !in6_is_linklocal(&ia->addr) && !in6_is_loopback(&ia->addr) &&
                    !(ia->flags & (IN6_IFF_TENTATIVE | IN6_IFF_DUPLICATED)))
                    return true;
            }
    }
    return false;
}

static int parse_service(const char *service, int flags, int socktype, uint16_t *port)
{
    static const struct { const char *name; uint16_t port; } names[] = {
        { "echo", 7 }, { "ssh", 22 }, { "domain", 53 }, { "http", 80 }, { "ntp", 123 }, { "https", 443 },
        { "socks", 1080 },
    };
    *port = 0;
    if (!service || !*service)
        return 0;
    if (service[0] >= '0' && service[0] <= '9') {
        char *end;
        errno = 0;
        unsigned long v = strtoul(service, &end, 10);
        if (errno || *end || v > 65535)
            return EAI_SERVICE;
        *port = (uint16_t)v;
    } else {
        if (flags & AI_NUMERICSERV)
            return EAI_NONAME;
        size_t i;
        for (i = 0; i < sizeof names / sizeof names[0]; i++)
            if (!strcmp(service, names[i].name))
                break;
        if (i == sizeof names / sizeof names[0])
            return EAI_SERVICE;
        *port = names[i].port;
    }
    if (socktype == SOCK_RAW && *port)
        return EAI_SERVICE;
    return 0;
}

/* A literal address (IPv6 with optional %IF or %index, or dotted IPv4). */
static bool parse_literal(struct six_stack *st, const char *node, struct in6_addr *a, uint32_t *scope, bool *v4)
{
    char buf[INET6_ADDRSTRLEN + IF_NAMESIZE + 2];
    struct in_addr a4;
    *scope = 0;
    if (inet_pton(AF_INET, node, &a4) == 1) {
        map4(a, a4);
        *v4 = true;
        return true;
    }
    *v4 = false;
    if (strlen(node) >= sizeof buf)
        return false;
    strcpy(buf, node);
    char *pct = strchr(buf, '%');
    if (pct)
        *pct++ = '\0';
    if (inet_pton(AF_INET6, buf, a) != 1)
        return false;
    if (pct) {
        struct ifnet *ifp = if_find(st, pct);
        char *end;
        unsigned long v = strtoul(pct, &end, 10);
        if (ifp)
            *scope = ifp->index;
        else if (*pct >= '0' && *pct <= '9' && !*end && v && v <= SIX_MAX_IFS)   /* digits only: not "+1", " 1" */
            *scope = (uint32_t)v;
        else
            return false;
    }
    return true;
}

int six_getaddrinfo(struct six_stack *st, const char *node, const char *service, const struct addrinfo *hints,
                    six_gai_cb cb, void *arg)
{
    struct resolver *r = st ? R(st) : NULL;
    struct gai_params p = { AF_UNSPEC, 0, 0, 0, 0 };
    const int ok_flags = AI_PASSIVE | AI_CANONNAME | AI_NUMERICHOST | AI_NUMERICSERV | AI_ADDRCONFIG |
                         AI_V4MAPPED | AI_ALL;
    int e;

    if (!r || !cb)
        return EAI_SYSTEM;
    if (hints) {
        p.family = hints->ai_family;
        p.socktype = hints->ai_socktype;
        p.protocol = hints->ai_protocol;
        p.flags = hints->ai_flags;
    }
    if (!node && !service)
        return EAI_NONAME;
    if ((p.flags & ~ok_flags) || ((p.flags & AI_CANONNAME) && !node))
        return EAI_BADFLAGS;
    if (p.family != AF_UNSPEC && p.family != AF_INET && p.family != AF_INET6)
        return EAI_FAMILY;
    if (p.socktype != 0 && p.socktype != SOCK_STREAM && p.socktype != SOCK_DGRAM && p.socktype != SOCK_RAW)
        return EAI_SOCKTYPE;
    if ((p.socktype == SOCK_STREAM && p.protocol && p.protocol != IPPROTO_TCP) ||
        (p.socktype == SOCK_DGRAM && p.protocol && p.protocol != IPPROTO_UDP))
        return EAI_SOCKTYPE;
    if ((e = parse_service(service, p.flags, p.socktype, &p.port))) {
        cb(arg, e, NULL);
        return 0;
    }

    struct addrinfo *res = NULL;
    struct in6_addr a[2];
    uint32_t scope = 0;
    bool v4;
    unsigned n = 0;
    if (!node || !strcasecmp(node, "localhost") || !strcasecmp(node, "localhost.")) {
        /* RFC 6761 §6.3 for localhost; getaddrinfo's NULL node */
        bool passive = !node && (p.flags & AI_PASSIVE);
        struct in_addr l4 = { htonl(passive ? INADDR_ANY : INADDR_LOOPBACK) };
        if (p.family != AF_INET)
            a[n++] = passive ? in6addr_any : in6addr_loopback;
        if (p.family == AF_UNSPEC)
            map4(&a[n++], l4);
        else if (p.family == AF_INET)
            map4(&a[n++], l4);
        e = ai_build(&p, a, n, 0, node ? "localhost" : NULL, &res);
        cb(arg, e, res);
        return 0;
    }
    if (parse_literal(st, node, &a[0], &scope, &v4)) {
        if (v4 && p.family == AF_INET6 && !(p.flags & AI_V4MAPPED))
            e = EAI_ADDRFAMILY;
        else if (!v4 && p.family == AF_INET)
            e = EAI_ADDRFAMILY;
        else
            e = ai_build(&p, a, 1, scope, node, &res);
        cb(arg, e, e ? NULL : res);
        return 0;
    }
    if (p.flags & AI_NUMERICHOST) {
        cb(arg, EAI_NONAME, NULL);
        return 0;
    }

    struct req *rq = req_new(r);
    if (!rq) {
        cb(arg, EAI_MEMORY, NULL);
        return 0;
    }
    if (dns_name_from_text(node, rq->name, &rq->name_len) != DNS_OK || rq->name_len <= 1) {
        free(rq);
        cb(arg, EAI_NONAME, NULL);
        return 0;
    }
    rq->family = p.family;
    rq->socktype = p.socktype;
    rq->protocol = p.protocol;
    rq->flags = p.flags;
    rq->port = p.port;
    rq->cb = cb;
    rq->arg = arg;
    bool q4 = p.family != AF_INET6 || (p.flags & AI_V4MAPPED), q6 = p.family != AF_INET;
    if ((p.flags & AI_ADDRCONFIG) && (has_addrs(st, true) || has_addrs(st, false))) {
        q4 = q4 && has_addrs(st, false);
        q6 = q6 && has_addrs(st, true);
        if (!q4 && !q6) {
            free(rq);
            cb(arg, EAI_NONAME, NULL);
            return 0;
        }
    }
    const uint16_t types[2] = { q4 ? DNS_TYPE_A : 0, q6 ? DNS_TYPE_AAAA : 0 };
    return req_start(rq, types);
}

void six_getaddrinfo_cancel(struct six_stack *st, int handle)
{
    struct resolver *r = st ? R(st) : NULL;
    if (!r || handle <= 0)
        return;
    for (struct req *rq = r->head.next; rq != &r->head; rq = rq->next)
        if (rq->handle == handle) {
            req_free(rq);
            return;
        }
}

void resolver_cancel_arg(struct six_stack *st, six_gai_cb cb, void *arg)
{
    struct resolver *r = st ? R(st) : NULL;
    if (!r)
        return;
    for (struct req *rq = r->head.next, *next; rq != &r->head; rq = next) {
        next = rq->next;
        if (!rq->gni && rq->cb == cb && rq->arg == arg)
            req_free(rq);
    }
}

/* ------------------------------------------------------------ getnameinfo */

/* PTR name of a (IPv4-mapped: in-addr.arpa) in wire form. */
static size_t ptr_name(const struct in6_addr *a, uint8_t out[DNS_MAX_NAME])
{
    char text[80];
    size_t k = 0, len;
    if (in6_is_v4mapped(a)) {
        snprintf(text, sizeof text, "%u.%u.%u.%u.in-addr.arpa", a->s6_addr[15], a->s6_addr[14], a->s6_addr[13],
                 a->s6_addr[12]);
    } else {
        static const char hex[] = "0123456789abcdef";
        for (int i = 15; i >= 0; i--) {
            text[k++] = hex[a->s6_addr[i] & 0xf];
            text[k++] = '.';
            text[k++] = hex[a->s6_addr[i] >> 4];
            text[k++] = '.';
        }
        strcpy(text + k, "ip6.arpa");
    }
    return dns_name_from_text(text, out, &len) == DNS_OK ? len : 0;
}

static int gni_prepare(struct six_stack *st, const struct sockaddr *sa, socklen_t salen, int flags,
                       struct in6_addr *a, char *numhost, size_t numcap, char serv[8])
{
    uint16_t port;
    if (!sa)
        return EAI_FAMILY;
    if (sa->sa_family == AF_INET && salen >= sizeof(struct sockaddr_in)) {
        const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;
        map4(a, sin->sin_addr);
        inet_ntop(AF_INET, &sin->sin_addr, numhost, (socklen_t)numcap);
        port = ntohs(sin->sin_port);
    } else if (sa->sa_family == AF_INET6 && salen >= sizeof(struct sockaddr_in6)) {
        const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)sa;
        *a = sin6->sin6_addr;
        inet_ntop(AF_INET6, a, numhost, (socklen_t)numcap);
        uint32_t sc = sin6->sin6_scope_id;
        if (sc) {
            size_t l = strlen(numhost);
            if (sc <= SIX_MAX_IFS && st->ifs[sc - 1])
                snprintf(numhost + l, numcap - l, "%%%s", st->ifs[sc - 1]->name);
            else
                snprintf(numhost + l, numcap - l, "%%%u", sc);
        }
        port = ntohs(sin6->sin6_port);
    } else {
        return EAI_FAMILY;
    }
    snprintf(serv, 8, "%u", port);
    return 0;
}

static int copy_out(char *dst, socklen_t cap, const char *src)
{
    if (!dst || !cap)
        return 0;
    if (strlen(src) >= cap)
        return EAI_OVERFLOW;
    strcpy(dst, src);
    return 0;
}

int six_getnameinfo(struct six_stack *st, const struct sockaddr *sa, socklen_t salen, char *host, socklen_t hostlen,
                    char *serv, socklen_t servlen, int flags)
{
    struct resolver *r = st ? R(st) : NULL;
    struct in6_addr a;
    char num[INET6_ADDRSTRLEN + IF_NAMESIZE + 2], sv[8], name[DNS_TEXT_MAX];
    int e;
    if (!r)
        return EAI_SYSTEM;
    if ((e = gni_prepare(st, sa, salen, flags, &a, num, sizeof num, sv)))
        return e;
    if (!host && !serv)
        return EAI_NONAME;
    if ((e = copy_out(serv, servlen, sv)))
        return e;
    if (!host || !hostlen)
        return 0;
    if (flags & NI_NUMERICHOST)
        return copy_out(host, hostlen, num);
    uint8_t pn[DNS_MAX_NAME];
    size_t pl = ptr_name(&a, pn);
    struct lres l = { .status = LR_PENDING };
    if (pl && cache_get(r, pn, pl, DNS_TYPE_PTR, &l) && l.status == LR_OK && l.canon_len &&
        dns_name_to_text(l.canon, l.canon_len, name, sizeof name) >= 0) {
        free(l.addrs);
        return copy_out(host, hostlen, name);
    }
    free(l.addrs);
    if (flags & NI_NAMEREQD)
        return l.status == LR_PENDING ? EAI_AGAIN : EAI_NONAME;
    return copy_out(host, hostlen, num);
}

int six_getnameinfo_async(struct six_stack *st, const struct sockaddr *sa, socklen_t salen, int flags,
                          six_gni_cb cb, void *arg)
{
    struct resolver *r = st ? R(st) : NULL;
    struct in6_addr a;
    char num[INET6_ADDRSTRLEN + IF_NAMESIZE + 2], sv[8];
    int e;
    if (!r || !cb)
        return EAI_SYSTEM;
    if ((e = gni_prepare(st, sa, salen, flags, &a, num, sizeof num, sv)))
        return e;
    if (flags & NI_NUMERICHOST) {
        cb(arg, 0, num, sv);
        return 0;
    }
    struct req *rq = req_new(r);
    if (!rq) {
        cb(arg, EAI_MEMORY, NULL, NULL);
        return 0;
    }
    rq->gni = true;
    rq->gcb = cb;
    rq->arg = arg;
    rq->ni_flags = flags;
    memcpy(rq->numhost, num, sizeof num);
    memcpy(rq->serv, sv, sizeof sv);
    rq->name_len = ptr_name(&a, rq->name);
    const uint16_t types[2] = { DNS_TYPE_PTR, 0 };
    return req_start(rq, types);
}
