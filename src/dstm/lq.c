/* The Leasequery requestor (lq.h; RFC 5007): "who holds this IPv4 address
 * (and port set)?" asked of an AIIH server, for the border router (a
 * binding it does not know) and the DTI (dynamic TEP).
 *
 * One UDP socket per stack on an ephemeral port, opened on first use; a
 * table of LQ_MAX_INFLIGHT queries allocated once, each with up to
 * LQ_MAX_WAITERS callers (a second question for the same (server, key)
 * joins the running one). Retransmission per RFC 5007 §5 (LQ_TIMEOUT
 * doubling, LQ_MAX_RC tries, the same transaction id).
 *
 * What is trusted of an answer, in this order (each refusal counted):
 *   it parses as a LEASEQUERY-REPLY (lq.drop_malformed);
 *   it comes from the server asked, from port 547, with the query's
 *   transaction id, and its client data (if any) names the key asked
 *   (lq.drop_unmatched: a stray or forged answer leaves the query running);
 *   it echoes our CLIENTID (RFC 5007 §4.1.2.5; our DUID is 16 random
 *   bytes nobody off-path sees, so a blind forger who guessed the 24-bit
 *   xid still fails here: lq.drop_bad_clientid, compared in constant time);
 *   the client data holds one holder address that is global unicast and
 *   lifetimes that make sense, the holder's own lease still valid
 *   (lq.drop_bad_reply). The binding lives as long as the shorter of the
 *   IPv4 lease and the holder's IPv6 lease: the IPv4 address is only
 *   reachable through that IPv6 address. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>
#include "dstm/lq.h"
#include "dhcp6/lease.h"
#include "apps/apps.h"
#include "core/log.h"
#include "net/stack.h"
#include "six/socket.h"
#include "wire/dhcp6.h"
#include "wire/ip6.h"

#define LQ_MAX_WAITERS 8
#define LQ_MAX_VALID   (366u * 86400u)   /* a lease longer than a year is no lease we handed out */
#define LQ_MSG_MAX     1500

struct lq_waiter { lq_done_fn done; void *arg; };

struct lq_query {
    bool used;
    uint8_t tries;
    uint8_t n_waiters;
    uint32_t xid;
    struct in6_addr server, key;
    struct in_addr v4;
    struct dstm_portset ps;
    struct timer timer;
    struct lq_waiter w[LQ_MAX_WAITERS];
    struct lq *lq;
};

struct lq {
    struct six_stack *st;
    struct app_sock sock;
    uint8_t duid[18];                    /* DUID-UUID (RFC 6355): our CLIENTID (RFC 5007 §4.1.2) */
    unsigned inflight;
    struct lq_query q[LQ_MAX_INFLIGHT];
    uint8_t rbuf[LQ_MSG_MAX];
};

static void lq_free(struct dstm *d)
{
    struct lq *lq = d->lq;
    if (!lq)
        return;
    for (unsigned i = 0; i < LQ_MAX_INFLIGHT; i++)
        if (lq->q[i].used)
            timer_cancel(&lq->q[i].timer);
    if (lq->sock.sd >= 0)
        app_sock_close(&lq->sock);
    free(lq);
    d->lq = NULL;
}

static void sock_ev(struct app_sock *as, short rev);

static struct lq *lq_get(struct six_stack *st)
{
    struct dstm *d = dstm_get(st);
    if (!d)
        return NULL;
    if (d->lq)
        return d->lq;
    struct lq *lq = calloc(1, sizeof *lq);
    if (!lq)
        return NULL;
    lq->st = st;
    lq->sock.sd = -1;
    lq->duid[0] = 0;
    lq->duid[1] = 4;
    six_random_bytes(st, lq->duid + 2, 16);
    d->lq = lq;
    d->lq_free = lq_free;
    return lq;
}

static int lq_open(struct lq *lq)
{
    struct six_stack *st = lq->st;
    if (lq->sock.sd >= 0)
        return 0;
    int sd = six_socket(st, AF_INET6, SOCK_DGRAM, 0);
    if (sd < 0)
        return -errno;
    int on = 1;
    struct sockaddr_in6 sa = { .sin6_family = AF_INET6 };   /* an ephemeral port: a requestor is no client */
    if (six_setsockopt(st, sd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on) < 0 ||
        six_bind(st, sd, (struct sockaddr *)&sa, sizeof sa) < 0) {
        int e = errno;
        six_close(st, sd);
        return -e;
    }
    app_sock_init(&lq->sock, st, sd, sock_ev, lq);
    return 0;
}

static void lq_send(struct lq_query *q)
{
    struct lq *lq = q->lq;
    uint8_t buf[256];
    struct dhcp6_builder b;
    static const struct in6_addr any;
    dhcp6_build_init(&b, buf, sizeof buf);
    dhcp6_build_hdr(&b, DHCP6_LEASEQUERY, q->xid);
    dhcp6_put_opt(&b, D6O_CLIENTID, lq->duid, sizeof lq->duid);
    dhcp6_put_lq_by_addr(&b, &any, &q->key);
    size_t n = dhcp6_build_done(&b);
    struct sockaddr_in6 to = { .sin6_family = AF_INET6, .sin6_port = htons(DHCP6_SERVER_PORT), .sin6_addr = q->server };
    if (n && six_sendto(lq->st, lq->sock.sd, buf, n, 0, (struct sockaddr *)&to, sizeof to) >= 0)
        CTR_INC(lq->st, lq, out_query);
}

/* End q: take it out of the table, then tell its waiters (who may start or
 * cancel queries from their callbacks: the table is consistent by then). */
static void lq_finish(struct lq_query *q, enum lq_result r, const struct dstm_binding *b)
{
    struct lq *lq = q->lq;
    struct lq_waiter w[LQ_MAX_WAITERS];
    unsigned n = q->n_waiters;
    memcpy(w, q->w, sizeof w);
    timer_cancel(&q->timer);
    q->used = false;
    q->n_waiters = 0;
    lq->inflight--;
    switch (r) {
    case LQ_FOUND: CTR_INC(lq->st, lq, found); break;
    case LQ_NOT_FOUND: CTR_INC(lq->st, lq, not_found); break;
    case LQ_TIMEOUT: CTR_INC(lq->st, lq, timeout); break;
    case LQ_REFUSED: CTR_INC(lq->st, lq, refused); break;
    }
    for (unsigned i = 0; i < n; i++)
        w[i].done(w[i].arg, r, b);
}

static void lq_timer(struct timer *t, void *arg)
{
    (void)t;
    struct lq_query *q = arg;
    if (q->tries >= LQ_MAX_RC) {
        lq_finish(q, LQ_TIMEOUT, NULL);
        return;
    }
    q->tries++;
    CTR_INC(q->lq->st, lq, out_retrans);
    lq_send(q);
    timer_arm(q->lq->st->tw, &q->timer, (uint64_t)LQ_TIMEOUT_MS * 1000000ull << (q->tries - 1));
}

int lq_query(struct six_stack *st, const struct in6_addr *server, struct in_addr v4,
             const struct dstm_portset *ps, lq_done_fn done, void *arg)
{
    struct lq *lq = lq_get(st);
    if (!lq)
        return -ENOMEM;
    struct dstm_portset set = ps && ps->psid_len ? *ps : (struct dstm_portset){ 0 };
    if (!dstm_portset_valid(&set))
        return -EINVAL;
    struct in6_addr key;
    dstm_lease_key(&key, v4, &set);
    struct lq_query *free_q = NULL;
    for (unsigned i = 0; i < LQ_MAX_INFLIGHT; i++) {
        struct lq_query *q = &lq->q[i];
        if (!q->used) {
            if (!free_q)
                free_q = q;
            continue;
        }
        if (in6_eq(&q->server, server) && in6_eq(&q->key, &key)) {
            if (q->n_waiters == LQ_MAX_WAITERS) {
                CTR_INC(st, lq, drop_busy);
                return -EBUSY;
            }
            q->w[q->n_waiters++] = (struct lq_waiter){ done, arg };
            CTR_INC(st, lq, joined);
            return 0;
        }
    }
    if (!free_q) {
        CTR_INC(st, lq, drop_busy);
        return -EBUSY;
    }
    int rc = lq_open(lq);
    if (rc < 0)
        return rc;
    struct lq_query *q = free_q;
    *q = (struct lq_query){ .used = true, .tries = 1, .n_waiters = 1, .server = *server, .key = key, .v4 = v4,
                            .ps = set, .lq = lq };
    q->xid = six_random_secure(st) & 0xffffff;
    q->w[0] = (struct lq_waiter){ done, arg };
    timer_init(&q->timer, lq_timer, q);
    lq->inflight++;
    lq_send(q);
    timer_arm(st->tw, &q->timer, (uint64_t)LQ_TIMEOUT_MS * 1000000ull);
    return 0;
}

void lq_cancel_all(struct six_stack *st, lq_done_fn done, void *arg)
{
    struct lq *lq = st->dstm ? st->dstm->lq : NULL;
    for (unsigned i = 0; lq && i < LQ_MAX_INFLIGHT; i++) {
        struct lq_query *q = &lq->q[i];
        if (!q->used)
            continue;
        unsigned k = 0;
        for (unsigned j = 0; j < q->n_waiters; j++)
            if (q->w[j].done != done || q->w[j].arg != arg)
                q->w[k++] = q->w[j];
        q->n_waiters = (uint8_t)k;
        if (!k) {
            timer_cancel(&q->timer);
            q->used = false;
            lq->inflight--;
        }
    }
}

unsigned lq_inflight(struct six_stack *st)
{
    return st->dstm && st->dstm->lq ? st->dstm->lq->inflight : 0;
}

/* --- answers --- */

static struct lq_query *match_xid(struct lq *lq, uint32_t xid, const struct in6_addr *from)
{
    for (unsigned i = 0; i < LQ_MAX_INFLIGHT; i++) {
        struct lq_query *q = &lq->q[i];
        if (q->used && q->xid == xid && in6_eq(&q->server, from))
            return q;
    }
    return NULL;
}

static bool global_unicast(const struct in6_addr *a)
{
    return !in6_is_unspecified(a) && !in6_is_multicast(a) && !in6_is_loopback(a) && !in6_is_linklocal(a) &&
           !in6_is_v4mapped(a) && (a->s6_addr[0] & 0xfe) != 0xfc;
}

/* The client data's S46_BR (the holder's TEP), :: when absent. */
static void find_tep(const struct dhcp6_client_data *cd, struct in6_addr *tep)
{
    size_t off = 0;
    uint16_t code;
    struct dhcp6_bytes body;
    memset(tep, 0, sizeof *tep);
    while (cd->body.p && dhcp6_opt_next(cd->body.p, cd->body.len, &off, &code, &body))
        if (code == D6O_S46_BR && body.len == 16) {
            memcpy(tep, body.p, 16);
            return;
        }
}

enum cdata_verdict { CD_OK, CD_OTHER_KEY, CD_BAD };

/* The key's IAADDR (lifetimes) and the one holder address, checked. */
static enum cdata_verdict read_cdata(const struct lq_query *q, const struct dhcp6_client_data *cd, int64_t now,
                                     struct dstm_binding *b)
{
    const struct dhcp6_ia_item *key = NULL, *holder = NULL;
    bool other_key = false;
    for (int i = 0; i < cd->n_item; i++) {
        const struct dhcp6_ia_item *it = &cd->item[i];
        struct in_addr v4;
        if (it->plen != 128)
            continue;
        if (in6_eq(&it->addr, &q->key))
            key = it;
        else if (dstm_lease_key_parse(&it->addr, &v4, NULL))
            other_key = true;
        else if (holder)
            return CD_BAD;                  /* two holders: which one? */
        else
            holder = it;
    }
    if (!key)
        return other_key ? CD_OTHER_KEY : CD_BAD;
    if (!holder || !global_unicast(&holder->addr) || key->valid == 0 || key->valid > LQ_MAX_VALID ||
        key->preferred > key->valid || holder->valid == 0 || holder->preferred > holder->valid)
        return CD_BAD;
    uint32_t valid = holder->valid < key->valid ? holder->valid : key->valid;
    *b = (struct dstm_binding){ .v4 = q->v4, .ps = q->ps, .v6 = holder->addr, .expires = now + valid };
    find_tep(cd, &b->tep);
    return CD_OK;
}

static void lq_input(struct lq *lq, const uint8_t *buf, size_t n, const struct sockaddr_in6 *from)
{
    struct six_stack *st = lq->st;
    struct dhcp6_msg m;
    if (dhcp6_parse(buf, n, &m) != WR_OK || m.type != DHCP6_LEASEQUERY_REPLY) {
        CTR_INC(st, lq, drop_malformed);
        return;
    }
    struct lq_query *q = ntohs(from->sin6_port) == DHCP6_SERVER_PORT ? match_xid(lq, m.xid, &from->sin6_addr) : NULL;
    if (!q) {
        CTR_INC(st, lq, drop_unmatched);
        return;
    }
    if (m.clientid.len != sizeof lq->duid || CRYPTO_memcmp(m.clientid.p, lq->duid, sizeof lq->duid) != 0) {
        CTR_INC(st, lq, drop_bad_clientid);   /* not an answer to our question (a status-only forgery too) */
        return;
    }
    if (m.status.present && m.status.code != D6S_SUCCESS) {
        CTR_INC(st, lq, in_reply);
        lq_finish(q, m.status.code == D6S_NOT_CONFIGURED ? LQ_NOT_FOUND : LQ_REFUSED, NULL);
        return;
    }
    if (!m.cdata.present) {
        CTR_INC(st, lq, in_reply);
        lq_finish(q, LQ_NOT_FOUND, NULL);
        return;
    }
    struct dstm_binding b;
    switch (read_cdata(q, &m.cdata, lease_wall_now(st), &b)) {
    case CD_OTHER_KEY:
        CTR_INC(st, lq, drop_unmatched);
        return;
    case CD_BAD:
        CTR_INC(st, lq, drop_bad_reply);
        return;
    case CD_OK:
        break;
    }
    CTR_INC(st, lq, in_reply);
    lq_finish(q, LQ_FOUND, &b);
}

static void sock_ev(struct app_sock *as, short rev)
{
    struct lq *lq = as->ctx;
    (void)rev;
    for (int k = 0; k < 64; k++) {
        struct sockaddr_in6 from;
        socklen_t fl = sizeof from;
        ssize_t n = six_recvfrom(lq->st, as->sd, lq->rbuf, sizeof lq->rbuf, 0, (struct sockaddr *)&from, &fl);
        if (n < 0)
            return;
        if (fl < sizeof from || from.sin6_family != AF_INET6) {
            CTR_INC(lq->st, lq, drop_unmatched);
            continue;
        }
        lq_input(lq, lq->rbuf, (size_t)n, &from);
    }
    app_sock_kick(as);
}
