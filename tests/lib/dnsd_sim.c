#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "dnsd_sim.h"
#include "simstack.h"
#include "t.h"
#include "core/timer.h"
#include "ctl/scene.h"
#include "dns/dnsd.h"
#include "link/sim.h"
#include "net/stack.h"
#include "six/socket.h"

#define MS 1000000ull

struct tprov TP;
#define TP_MAX 2048
static struct tp_job { struct timer t; bool used; dnsd_a_done_fn done; void *tok; struct in_addr a4; } JOBS[TP_MAX];

static struct in_addr a4_of(const struct in6_addr *v6)
{
    struct in_addr a;
    inet_pton(AF_INET, "198.51.100.0", &a);
    ((uint8_t *)&a.s_addr)[3] = v6->s6_addr[15];
    return a;
}

static void job_fire(struct timer *t, void *arg)
{
    struct tp_job *j = arg;
    j->used = false;
    TP.outstanding--;
    if (TP.async_fail)
        j->done(j->tok, TP.refuse_rcode, NULL, 0);
    else
        j->done(j->tok, DNS_RCODE_NOERROR, &j->a4, 30);
}

static struct six_stack *PST;

static int lookup_a(void *ctx, const struct in6_addr *v6, struct in_addr *a4, uint32_t *ttl, dnsd_a_done_fn done,
                    void *tok)
{
    TP.lookups++;
    if (TP.mode == TP_REFUSE)
        return TP.refuse_rcode;
    if (TP.mode == TP_SYNC) {
        *a4 = a4_of(v6);
        *ttl = 30;
        return DNS_RCODE_NOERROR;
    }
    for (unsigned i = 0; i < TP_MAX; i++) {
        if (JOBS[i].used)
            continue;
        JOBS[i].used = true;
        JOBS[i].done = done;
        JOBS[i].tok = tok;
        JOBS[i].a4 = a4_of(v6);
        timer_init(&JOBS[i].t, job_fire, &JOBS[i]);
        timer_arm(PST->tw, &JOBS[i].t, TP.delay_ns);
        TP.outstanding++;
        return -1;
    }
    return DNS_RCODE_SERVFAIL;
}

static bool lookup_ptr4(void *ctx, struct in_addr a4, struct in6_addr *v6, uint32_t *ttl)
{
    const uint8_t *o = (const uint8_t *)&a4.s_addr;
    if (o[0] != 198 || o[1] != 51 || o[2] != 100)
        return false;
    inet_pton(AF_INET6, "2001:db8:1::", v6);
    v6->s6_addr[14] = 1;
    v6->s6_addr[15] = o[3];
    *ttl = 30;
    return true;
}

static void cancel(void *ctx, void *tok)
{
    TP.cancels++;
    for (unsigned i = 0; i < TP_MAX; i++)
        if (JOBS[i].used && JOBS[i].tok == tok) {
            timer_cancel(&JOBS[i].t);
            JOBS[i].used = false;
            TP.outstanding--;
        }
}

void tprov_install(struct six_stack *st)
{
    PST = st;
    struct dnsd_provider p = { .ctx = NULL, .lookup_a = lookup_a, .lookup_ptr4 = lookup_ptr4, .cancel = cancel };
    dnsd_set_provider(st, &p);
}

bool dnsd_world_up(struct dnsd_world *d, uint64_t seed)
{
    memset(&TP, 0, sizeof TP);
    for (unsigned i = 0; i < TP_MAX; i++)
        if (JOBS[i].used)
            timer_cancel(&JOBS[i].t);
    memset(JOBS, 0, sizeof JOBS);
    TP.refuse_rcode = DNS_RCODE_SERVFAIL;
    d->w = sim_world_create(seed);
    struct sim_link_params p = { .delay_ns = 1 * MS };
    if (!sim_pair_dual(d->w, seed, 16384, &p, &d->a, &d->b))
        return false;
    bool ok = scene_cmd(d->a, NULL, "dstm dns zone aiih.example.test ttl 60") == 0 &&
              scene_cmd(d->a, NULL, "dstm dns host h1.aiih.example.test 2001:db8:1::101") == 0 &&
              scene_cmd(d->a, NULL, "dstm dns host h2.aiih.example.test 2001:db8:1::102") == 0 &&
              scene_cmd(d->a, NULL, "dstm dns host deep.sub.aiih.example.test 2001:db8:1::103") == 0;
    T_CHECK(ok);
    return ok;
}

void dnsd_world_down(struct dnsd_world *d)
{
    for (unsigned i = 0; i < TP_MAX; i++)
        if (JOBS[i].used) {
            timer_cancel(&JOBS[i].t);
            JOBS[i].used = false;
        }
    six_stack_destroy(d->a);
    six_stack_destroy(d->b);
    sim_world_destroy(d->w);
    memset(d, 0, sizeof *d);
}

uint64_t dq_ctr(struct six_stack *st, const char *name)
{
    uint64_t v = 0;
    T_CHECK(six_counter_by_name(&st->ctr, name, &v) == 0);
    return v;
}

size_t dq_build(uint8_t *buf, size_t cap, uint16_t id, const char *name, uint16_t qtype, uint16_t edns)
{
    uint8_t w[DNS_MAX_NAME];
    size_t l;
    if (dns_name_from_text(name, w, &l) != DNS_OK)
        return 0;
    return dns_query_emit(buf, cap, id, w, l, qtype, edns);
}

void dq_parse(struct dq_ans *r)
{
    struct dns_iter it;
    struct dns_question q;
    struct dns_rr rr;
    bool done = false;
    r->an = r->ns = r->ar = 0;
    r->walk_ok = false;
    r->has_soa_auth = r->has_opt = false;
    r->ptr[0] = 0;
    if (dns_iter_init(&it, r->msg, r->len, 0) != DNS_OK)
        return;
    r->h = it.h;
    if (it.h.qdcount) {
        if (dns_iter_question(&it, &q, &done) != DNS_OK)
            return;
        memcpy(r->qname, q.name, q.name_len);
        r->qname_len = q.name_len;
    }
    enum dns_reason e;
    while ((e = dns_iter_rr(&it, &rr, &done)) == DNS_OK && !done) {
        uint8_t n[DNS_MAX_NAME];
        size_t nl;
        if (rr.section == DNS_SEC_ANSWER) {
            r->an++;
            if (rr.type == DNS_TYPE_AAAA)
                dns_rr_aaaa(r->msg, r->len, &rr, &r->aaaa);
            if (rr.type == DNS_TYPE_A)
                dns_rr_a(r->msg, r->len, &rr, &r->a);
            if (rr.type == DNS_TYPE_PTR && dns_rr_ptr(r->msg, r->len, &rr, n, &nl) == DNS_OK)
                dns_name_to_text(n, nl, r->ptr, sizeof r->ptr);
        } else if (rr.section == DNS_SEC_AUTHORITY) {
            r->ns++;
            r->has_soa_auth |= rr.type == DNS_TYPE_SOA;
        } else {
            r->ar++;
            if (rr.type == DNS_TYPE_OPT && dns_rr_opt(r->msg, r->len, &rr, &r->opt) == DNS_OK)
                r->has_opt = true;
        }
    }
    r->walk_ok = e == DNS_OK;
}

static bool to_sa(const char *dst, struct sockaddr_in6 *sa)
{
    memset(sa, 0, sizeof *sa);
    sa->sin6_family = AF_INET6;
    sa->sin6_port = htons(53);
    struct in_addr a4;
    if (inet_pton(AF_INET, dst, &a4) == 1) {
        sa->sin6_addr.s6_addr[10] = sa->sin6_addr.s6_addr[11] = 0xff;
        memcpy(&sa->sin6_addr.s6_addr[12], &a4, 4);
        return true;
    }
    return inet_pton(AF_INET6, dst, &sa->sin6_addr) == 1;
}

bool dq_udp_raw(struct dnsd_world *d, const char *dst, const void *msg, size_t len, uint64_t wait_ns,
                struct dq_ans *r)
{
    struct sockaddr_in6 sa;
    T_CHECK(to_sa(dst, &sa));
    int sd = six_socket(d->b, AF_INET6, SOCK_DGRAM, 0);
    T_CHECK(sd >= 0);
    T_CHECK(six_sendto(d->b, sd, msg, len, 0, (struct sockaddr *)&sa, sizeof sa) == (ssize_t)len);
    bool got = false;
    for (uint64_t t = 0; t < wait_ns && !got; t += MS) {
        sim_run_for(d->w, MS);
        ssize_t n = six_recv(d->b, sd, r->msg, sizeof r->msg, 0);
        if (n >= 0) {
            r->len = (size_t)n;
            got = true;
        }
    }
    six_close(d->b, sd);
    if (got)
        dq_parse(r);
    return got;
}

bool dq_udp(struct dnsd_world *d, const char *dst, const char *name, uint16_t qtype, uint16_t edns,
            uint64_t wait_ns, struct dq_ans *r)
{
    uint8_t q[600];
    size_t n = dq_build(q, sizeof q, 0x1234, name, qtype, edns);
    T_CHECK(n > 0);
    return dq_udp_raw(d, dst, q, n, wait_ns, r);
}
