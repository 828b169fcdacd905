/* The RFC 2136 update client (dnsu.h): the queue of updates, the
 * configuration, the results. The exchange of one message with the primary
 * (sockets, retransmission, TCP, response checks) is dnsu_io.c.
 *
 * Jobs.  dnsu_add_a / dnsu_delete_a queue a job (at most DNSU_MAX_QUEUE,
 * else dnsu.drop_queue_full and -ENOBUFS). A job has one or two steps: the
 * A record in the zone, then, when `reverse` is set and the address's
 * in-addr.arpa name is inside it, the PTR record (RFC 2136 allows one zone
 * per message). Up to DNSU_SLOTS jobs are in flight at once, never two for
 * the same name: a job waits while an earlier one for its name is out, so
 * the updates of one name reach the primary in order. The first step that
 * fails ends the job with that result.
 *
 * Messages (the update section; no prerequisites are needed to make them
 * exact):
 *   add:    delete the name's A RRset (class ANY), add NAME A ADDR (class IN)
 *           [PTR: delete the PTR RRset of the reverse name, add its PTR]
 *   delete: delete NAME A ADDR only (class NONE): a newer binding of the
 *           same name to another address survives
 *           [PTR: delete REV PTR NAME only]
 *
 * The last DNSU_RECENT results are kept for `dstm update show`. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <openssl/crypto.h>
#include "core/log.h"
#include "dns/dns_state.h"
#include "dns/dnsu_priv.h"
#include "net/stack.h"

static struct dnsu *dnsu_get(struct six_stack *st)
{
    return st->dns ? st->dns->upd : NULL;
}

bool dnsu_running(struct six_stack *st)
{
    struct dnsu *u = dnsu_get(st);
    return u && u->running;
}

/* ------------------------------------------------------------ names */

/* name is zone or below it (label boundary, case folded). */
static bool name_in_zone(const uint8_t *name, size_t nl, const uint8_t *zone, size_t zl)
{
    for (size_t i = 0; i < nl; i += 1 + (size_t)name[i]) {
        if (nl - i == zl && dns_name_equal(name + i, zl, zone, zl))
            return true;
        if (name[i] == 0)
            break;
    }
    return false;
}

/* "d.c.b.a.in-addr.arpa" of a.b.c.d in wire form. */
static size_t reverse_name(struct in_addr a4, uint8_t out[DNS_MAX_NAME])
{
    const uint8_t *b = (const uint8_t *)&a4;
    char text[32];
    size_t n;
    snprintf(text, sizeof text, "%u.%u.%u.%u.in-addr.arpa", b[3], b[2], b[1], b[0]);
    return dns_name_from_text(text, out, &n) == DNS_OK ? n : 0;
}

/* ------------------------------------------------------------ messages */

/* The update message of a job's current step into buf (unsigned). */
size_t dnsu_build_step(struct dnsu *u, const struct dnsu_job *j, uint16_t id, uint8_t *buf, size_t cap)
{
    struct dns_builder b;
    bool ptr = j->step == 1;
    uint8_t rev[DNS_MAX_NAME];
    size_t rl = ptr ? reverse_name(j->a4, rev) : 0;
    if (ptr && !rl)
        return 0;
    dns_build_init(&b, buf, cap, id, DNS_OPCODE_UPDATE << 11);
    if (ptr)
        dns_build_question(&b, u->rev, u->rev_len, DNS_TYPE_SOA, DNS_CLASS_IN);
    else
        dns_build_question(&b, u->zone, u->zone_len, DNS_TYPE_SOA, DNS_CLASS_IN);
    dns_build_section(&b, DNS_SEC_AUTHORITY);                  /* the update section */
    if (!ptr && j->add) {
        dns_build_rr(&b, j->name, j->name_len, DNS_TYPE_A, DNS_CLASS_ANY, 0, NULL, 0);
        dns_build_rr(&b, j->name, j->name_len, DNS_TYPE_A, DNS_CLASS_IN, j->ttl, &j->a4, 4);
    } else if (!ptr) {
        dns_build_rr(&b, j->name, j->name_len, DNS_TYPE_A, DNS_CLASS_NONE, 0, &j->a4, 4);
    } else if (j->add) {
        dns_build_rr(&b, rev, rl, DNS_TYPE_PTR, DNS_CLASS_ANY, 0, NULL, 0);
        dns_build_rr_name(&b, rev, rl, DNS_TYPE_PTR, j->ttl, j->name, j->name_len);
    } else {
        dns_build_rr(&b, rev, rl, DNS_TYPE_PTR, DNS_CLASS_NONE, 0, j->name, (uint16_t)j->name_len);
    }
    return dns_build_done(&b);
}

/* Does the job have a PTR step? */
static bool has_ptr_step(const struct dnsu *u, const struct dnsu_job *j)
{
    uint8_t rev[DNS_MAX_NAME];
    size_t rl;
    return u->rev_len && (rl = reverse_name(j->a4, rev)) && name_in_zone(rev, rl, u->rev, u->rev_len);
}

/* ------------------------------------------------------------ results */

static void recent_add(struct dnsu *u, const struct dnsu_job *j, int result)
{
    struct dnsu_recent *r = &u->recent[u->recent_next];
    u->recent_next = (u->recent_next + 1) % DNSU_RECENT;
    if (u->n_recent < DNSU_RECENT)
        u->n_recent++;
    if (dns_name_to_text(j->name, j->name_len, r->name, sizeof r->name) < 0)
        snprintf(r->name, sizeof r->name, "?");
    r->add = j->add;
    r->a4 = j->a4;
    r->result = result;
}

const char *dnsu_result_text(int result, char *buf, size_t n)
{
    static const char *const rcodes[] = { "ok", "formerr", "servfail", "nxdomain", "notimp", "refused",
                                          "yxdomain", "yxrrset", "nxrrset", "notauth", "notzone" };
    if (result >= 0 && (size_t)result < sizeof rcodes / sizeof rcodes[0])
        snprintf(buf, n, "%s", rcodes[result]);
    else if (result == -ETIMEDOUT)
        snprintf(buf, n, "timeout");
    else if (result == -ECANCELED)
        snprintf(buf, n, "canceled");
    else if (result > 0)
        snprintf(buf, n, "rcode %d", result);
    else
        snprintf(buf, n, "%s", strerror(-result));
    return buf;
}

/* The job is over: count, log, remember, call back, free. */
static void job_finish(struct dnsu *u, struct dnsu_job *j, int result, bool callback)
{
    char name[DNS_TEXT_MAX], a[INET_ADDRSTRLEN], why[48];
    dns_name_to_text(j->name, j->name_len, name, sizeof name);
    inet_ntop(AF_INET, &j->a4, a, sizeof a);
    dnsu_result_text(result, why, sizeof why);
    if (result == 0) {
        CTR_INC(u->st, dnsu, acked);
        u->acked++;
        LOGI("dnsu: %s %s A %s: done", j->add ? "add" : "delete", name, a);
    } else if (result == -ECANCELED) {
        CTR_INC(u->st, dnsu, canceled);
    } else {
        if (result == -ETIMEDOUT) {
            CTR_INC(u->st, dnsu, timeouts);
            u->timeouts++;
        } else {
            CTR_INC(u->st, dnsu, refused);
            u->refused++;
        }
        LOGW("dnsu: %s %s A %s failed: %s", j->add ? "add" : "delete", name, a, why);
    }
    recent_add(u, j, result);
    if (callback && j->done)
        j->done(j->arg, result);
    free(j);
}

/* A step of the job in slot s ended with result (0, rcode, -errno). */
void dnsu_step_done(struct dnsu *u, struct dnsu_slot *s, int result)
{
    struct dnsu_job *j = s->job;
    dnsu_slot_release(s);
    if (result == 0 && j->step == 0 && has_ptr_step(u, j)) {
        j->step = 1;
        dnsu_slot_start(u, s, j);
        return;
    }
    job_finish(u, j, result, true);
    dnsu_dispatch(u);
}

/* ------------------------------------------------------------ queue */

static bool name_in_flight(const struct dnsu *u, const struct dnsu_job *j)
{
    for (unsigned i = 0; i < DNSU_SLOTS; i++) {
        const struct dnsu_job *o = u->slots[i].job;
        if (o && dns_name_equal(o->name, o->name_len, j->name, j->name_len))
            return true;
    }
    return false;
}

static struct dnsu_slot *free_slot(struct dnsu *u)
{
    for (unsigned i = 0; i < DNSU_SLOTS; i++)
        if (!u->slots[i].job)
            return &u->slots[i];
    return NULL;
}

/* Start queued jobs while slots are free, in queue order, skipping names
 * that have an update out. */
void dnsu_dispatch(struct dnsu *u)
{
    struct dnsu_job *prev = NULL, *j = u->head;
    struct dnsu_slot *s;
    while (u->running && j && (s = free_slot(u))) {
        struct dnsu_job *next = j->next;
        if (name_in_flight(u, j)) {
            prev = j;
            j = next;
            continue;
        }
        if (prev)
            prev->next = next;
        else
            u->head = next;
        if (u->tail == j)
            u->tail = prev;
        u->queued--;
        j->next = NULL;
        dnsu_slot_start(u, s, j);   /* never ends the job at once: see dnsu_io.c */
        j = next;
    }
}

static int enqueue(struct six_stack *st, bool add, const char *name, struct in_addr a4, uint32_t ttl,
                   dnsu_done_fn done, void *arg)
{
    struct dnsu *u = dnsu_get(st);
    if (!u || !u->running)
        return -ENOTCONN;
    uint8_t wn[DNS_MAX_NAME];
    size_t wl;
    if (!name || dns_name_from_text(name, wn, &wl) != DNS_OK || !name_in_zone(wn, wl, u->zone, u->zone_len))
        return -EINVAL;
    if (u->queued >= DNSU_MAX_QUEUE) {
        CTR_INC(st, dnsu, drop_queue_full);
        return -ENOBUFS;
    }
    struct dnsu_job *j = calloc(1, sizeof *j);
    if (!j)
        return -ENOMEM;
    memcpy(j->name, wn, wl);
    j->name_len = wl;
    j->add = add;
    j->a4 = a4;
    j->ttl = ttl < u->cfg.ttl ? ttl : u->cfg.ttl;
    j->done = done;
    j->arg = arg;
    if (u->tail)
        u->tail->next = j;
    else
        u->head = j;
    u->tail = j;
    u->queued++;
    /* started from the event loop, never inside the caller */
    if (!timer_pending(&u->kick))
        timer_arm(st->tw, &u->kick, 0);
    return 0;
}

int dnsu_add_a(struct six_stack *st, const char *name, struct in_addr a4, uint32_t ttl, dnsu_done_fn done, void *arg)
{
    return enqueue(st, true, name, a4, ttl, done, arg);
}

int dnsu_delete_a(struct six_stack *st, const char *name, struct in_addr a4, dnsu_done_fn done, void *arg)
{
    return enqueue(st, false, name, a4, 0, done, arg);
}

/* ------------------------------------------------------------ life */

static void kick_run(struct timer *t, void *arg)
{
    struct dnsu *u = arg;
    dnsu_service(u);
    dnsu_dispatch(u);
}

/* Every job ended; callbacks (-ECANCELED) only when asked. */
static void cancel_all(struct dnsu *u, bool callback)
{
    for (unsigned i = 0; i < DNSU_SLOTS; i++) {
        struct dnsu_slot *s = &u->slots[i];
        struct dnsu_job *j = s->job;
        if (!j)
            continue;
        dnsu_slot_release(s);
        job_finish(u, j, -ECANCELED, callback);
    }
    while (u->head) {
        struct dnsu_job *j = u->head;
        u->head = j->next;
        u->queued--;
        job_finish(u, j, -ECANCELED, callback);
    }
    u->tail = NULL;
}

static void dnsu_free(struct dns_state *d)
{
    struct dnsu *u = d->upd;
    if (!u)
        return;
    u->running = false;
    cancel_all(u, false);     /* the stack goes: nobody left to call */
    timer_cancel(&u->kick);
    for (unsigned i = 0; i < DNSU_SLOTS; i++)
        timer_cancel(&u->slots[i].timer);
    OPENSSL_cleanse(u->key.secret, sizeof u->key.secret);
    free(u);
    d->upd = NULL;
    d->upd_free = NULL;
}

static int check_config(const struct dnsu_config *cfg, struct dnsu_key *k, uint8_t *zone, size_t *zl,
                        uint8_t *rev, size_t *rl, char *why, size_t whyn)
{
    int fam = cfg->server.ss_family;
    if (fam != AF_INET && fam != AF_INET6)
        return snprintf(why, whyn, "server: an IPv4 or IPv6 address"), -1;
    if (dns_name_from_text(cfg->zone, zone, zl) != DNS_OK || *zl == 1)
        return snprintf(why, whyn, "zone '%s': not a domain name", cfg->zone), -1;
    *rl = 0;
    if (cfg->reverse[0] && (dns_name_from_text(cfg->reverse, rev, rl) != DNS_OK || *rl == 1))
        return snprintf(why, whyn, "reverse '%s': not a domain name", cfg->reverse), -1;
    memset(k, 0, sizeof *k);
    if (dns_name_from_text(cfg->key_name, k->name, &k->name_len) != DNS_OK || k->name_len == 1)
        return snprintf(why, whyn, "key '%s': not a domain name", cfg->key_name), -1;
    if (!dnsu_alg_text(cfg->alg))
        return snprintf(why, whyn, "unknown algorithm (hmac-sha256, hmac-sha512, hmac-sha1)"), -1;
    if (cfg->secret_len == 0 || cfg->secret_len > DNSU_KEY_MAX)
        return snprintf(why, whyn, "the secret must be 1..%d octets", DNSU_KEY_MAX), -1;
    k->alg = cfg->alg;
    memcpy(k->secret, cfg->secret, cfg->secret_len);
    k->secret_len = cfg->secret_len;
    return 0;
}

int dnsu_configure(struct six_stack *st, const struct dnsu_config *cfg, char *why, size_t whyn)
{
    struct dnsu_key k;
    uint8_t zone[DNS_MAX_NAME], rev[DNS_MAX_NAME];
    size_t zl, rl;
    if (check_config(cfg, &k, zone, &zl, rev, &rl, why, whyn) < 0)
        return -EINVAL;
    struct dns_state *d = dns_state_get(st);
    if (!d)
        return snprintf(why, whyn, "out of memory"), -ENOMEM;
    struct dnsu *u = d->upd;
    if (!u) {
        if (!(u = calloc(1, sizeof *u)))
            return snprintf(why, whyn, "out of memory"), -ENOMEM;
        u->st = st;
        timer_init(&u->kick, kick_run, u);
        for (unsigned i = 0; i < DNSU_SLOTS; i++)
            dnsu_slot_init(u, &u->slots[i]);
        d->upd = u;
        d->upd_free = dnsu_free;
    }
    /* in-flight steps start over under the new settings; the queue stays */
    for (unsigned i = 0; i < DNSU_SLOTS; i++) {
        struct dnsu_slot *s = &u->slots[i];
        if (s->job) {
            struct dnsu_job *j = s->job;
            dnsu_slot_release(s);
            j->next = u->head;
            u->head = j;
            if (!u->tail)
                u->tail = j;
            u->queued++;
        }
    }
    u->cfg = *cfg;
    if (!u->cfg.ttl)
        u->cfg.ttl = 60;
    struct sockaddr_in *s4 = (struct sockaddr_in *)&u->cfg.server;
    struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&u->cfg.server;
    if (cfg->server.ss_family == AF_INET && !s4->sin_port)
        s4->sin_port = htons(53);
    if (cfg->server.ss_family == AF_INET6 && !s6->sin6_port)
        s6->sin6_port = htons(53);
    OPENSSL_cleanse(u->cfg.secret, sizeof u->cfg.secret);   /* the key keeps it, show never sees it */
    u->cfg.secret_len = 0;
    u->key = k;
    memcpy(u->zone, zone, zl);
    u->zone_len = zl;
    memcpy(u->rev, rev, rl);
    u->rev_len = rl;
    u->running = true;
    OPENSSL_cleanse(k.secret, sizeof k.secret);
    if (!timer_pending(&u->kick))
        timer_arm(st->tw, &u->kick, 0);
    return 0;
}

int dnsu_stop(struct six_stack *st)
{
    struct dnsu *u = dnsu_get(st);
    if (!u || !u->running)
        return -ENOTCONN;
    u->running = false;
    cancel_all(u, true);
    OPENSSL_cleanse(u->key.secret, sizeof u->key.secret);
    return 0;
}

void dnsu_info(struct six_stack *st, struct dnsu_info *out)
{
    struct dnsu *u = dnsu_get(st);
    memset(out, 0, sizeof *out);
    if (!u)
        return;
    out->running = u->running;
    out->queued = u->queued;
    for (unsigned i = 0; i < DNSU_SLOTS; i++)
        out->inflight += u->slots[i].job != NULL;
    out->sent = u->sent;
    out->acked = u->acked;
    out->refused = u->refused;
    out->timeouts = u->timeouts;
}

const struct dnsu_config *dnsu_config_get(struct six_stack *st)
{
    struct dnsu *u = dnsu_get(st);
    return u && u->running ? &u->cfg : NULL;
}

unsigned dnsu_recent(struct six_stack *st, struct dnsu_recent *out, unsigned max)
{
    struct dnsu *u = dnsu_get(st);
    unsigned n = 0;
    if (!u)
        return 0;
    /* newest first */
    for (unsigned k = 0; k < u->n_recent && n < max; k++)
        out[n++] = u->recent[(u->recent_next + DNSU_RECENT - 1 - k) % DNSU_RECENT];
    return n;
}
