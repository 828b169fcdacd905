/* src/dstm/lq.c, the Leasequery requestor (RFC 5007), against a responder
 * written by hand on another stack: found, not found, refused, timeout
 * with RFC 5007 §5 retransmissions, joined questions, cancel; answers from
 * a wrong source, with another transaction id or another key, or with bad
 * client data: dropped, counted, the query still waiting. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include "../lib/t.h"
#include "../lib/simstack.h"
#include "../lib/inject.h"
#include "ctl/scene.h"
#include "link/sim.h"
#include "net/stack.h"
#include "dstm/lq.h"
#include "dhcp6/lease.h"
#include "six/socket.h"
#include "wire/dhcp6.h"
#include "wire/ip6.h"

#define MS 1000000ull
#define SEC 1000000000ull

static struct sim_world *W;
static struct six_stack *R, *S;       /* requestor, server */
static int ssd, ssd2;                 /* the server's sockets: [::]:547, [2001:db8:1::bb]:547 */
static struct in6_addr SERVER;

struct result { int calls; enum lq_result r; struct dstm_binding b; };

static void done(void *arg, enum lq_result r, const struct dstm_binding *b)
{
    struct result *res = arg;
    res->calls++;
    res->r = r;
    if (b)
        res->b = *b;
}

static int bound_sock(struct six_stack *st, const char *addr)
{
    int sd = six_socket(st, AF_INET6, SOCK_DGRAM, 0);
    struct sockaddr_in6 sa = { .sin6_family = AF_INET6, .sin6_port = htons(547) };
    if (addr)
        sa.sin6_addr = inj_a6(addr);
    T_EQ(six_bind(st, sd, (struct sockaddr *)&sa, sizeof sa), 0);
    return sd;
}

static void setup(uint64_t seed)
{
    struct sim_link_params lp = { .delay_ns = 1 * MS };
    W = sim_world_create(seed);
    R = sim_stack(W, "r", seed + 1, 1024);
    S = sim_stack(W, "s", seed + 2, 1024);
    struct sim_link *l = sim_link_create(W, "l", &lp);
    sim_attach(l, R, "eth0", NULL);
    sim_attach(l, S, "eth0", NULL);
    T_EQ(scene_cmd(R, NULL, "link set eth0 up"), 0);
    T_EQ(scene_cmd(S, NULL, "link set eth0 up"), 0);
    T_EQ(scene_cmd(R, NULL, "addr add 2001:db8:1::a/64 dev eth0"), 0);
    T_EQ(scene_cmd(S, NULL, "addr add 2001:db8:1::b/64 dev eth0"), 0);
    T_EQ(scene_cmd(S, NULL, "addr add 2001:db8:1::bb/64 dev eth0"), 0);
    sim_run_for(W, 3 * SEC);
    SERVER = inj_a6("2001:db8:1::b");
    ssd = bound_sock(S, "2001:db8:1::b");
    ssd2 = bound_sock(S, "2001:db8:1::bb");
}

static void teardown(void)
{
    six_close(S, ssd);
    six_close(S, ssd2);
    six_stack_destroy(R);
    six_stack_destroy(S);
    sim_world_destroy(W);
}

/* The last query the server got: its xid, key, where from; false if none. */
struct got { uint32_t xid; struct in6_addr key; struct sockaddr_in6 from; int n; uint8_t cid[130]; uint16_t cid_len; };
static bool recv_queries(struct got *g)
{
    uint8_t buf[1500];
    g->n = 0;
    for (;;) {
        socklen_t fl = sizeof g->from;
        ssize_t n = six_recvfrom(S, ssd, buf, sizeof buf, 0, (struct sockaddr *)&g->from, &fl);
        if (n < 0)
            break;
        struct dhcp6_msg m;
        T_EQ(dhcp6_parse(buf, (size_t)n, &m), WR_OK);
        T_EQ(m.type, DHCP6_LEASEQUERY);
        T_CHECK(m.lq.present && m.lq.type == DHCP6_LQ_BY_ADDRESS && m.lq.has_addr);
        T_CHECK(m.clientid.type != 0);   /* RFC 5007 §4.1.2 */
        g->xid = m.xid;
        g->key = m.lq.addr;
        g->cid_len = m.clientid.len;
        memcpy(g->cid, m.clientid.p, m.clientid.len);
        g->n++;
    }
    return g->n > 0;
}

enum reply_kind { RK_FOUND, RK_NOTCONF, RK_REFUSED, RK_OTHER_KEY, RK_LINKLOCAL_HOLDER, RK_ZERO_VALID,
                  RK_NO_CLIENTID, RK_WRONG_CLIENTID, RK_NOTCONF_WRONG_CLIENTID, RK_HOLDER_ZERO_VALID,
                  RK_HOLDER_SHORT };

static void reply(int sd, const struct got *g, uint32_t xid, enum reply_kind k)
{
    uint8_t buf[512];
    struct dhcp6_builder b;
    static const uint8_t sduid[] = { 0, 4, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };
    static const uint8_t cduid[] = { 0, 3, 0, 1, 2, 0, 0, 0, 0, 9 };
    dhcp6_build_init(&b, buf, sizeof buf);
    dhcp6_build_hdr(&b, DHCP6_LEASEQUERY_REPLY, xid);
    dhcp6_put_opt(&b, D6O_SERVERID, sduid, sizeof sduid);
    /* the requestor's CLIENTID echoed (RFC 5007 §4.1.2.5), or not, or someone else's */
    uint8_t cid[130];
    memcpy(cid, g->cid, g->cid_len);
    if (k == RK_WRONG_CLIENTID || k == RK_NOTCONF_WRONG_CLIENTID)
        cid[g->cid_len - 1] ^= 1;
    if (k != RK_NO_CLIENTID)
        dhcp6_put_opt(&b, D6O_CLIENTID, cid, g->cid_len);
    if (k == RK_NOTCONF || k == RK_REFUSED || k == RK_NOTCONF_WRONG_CLIENTID) {
        dhcp6_put_status(&b, k == RK_NOTCONF ? D6S_NOT_CONFIGURED : D6S_NOT_ALLOWED, "no");
    } else {
        struct in6_addr key = g->key, holder = inj_a6(k == RK_LINKLOCAL_HOLDER ? "fe80::1" : "2001:db8:1::100");
        struct in6_addr tep = inj_a6("2001:db8:1::b");
        if (k == RK_OTHER_KEY)
            key.s6_addr[15] ^= 1;
        dhcp6_begin_opt(&b, D6O_CLIENT_DATA);
        dhcp6_put_opt(&b, D6O_CLIENTID, cduid, sizeof cduid);
        dhcp6_begin_iaaddr(&b, &key, 1800, k == RK_ZERO_VALID ? 0 : 3600);
        dhcp6_end(&b);
        dhcp6_begin_iaaddr(&b, &holder, k == RK_HOLDER_ZERO_VALID ? 0 : k == RK_HOLDER_SHORT ? 60 : 1800,
                           k == RK_HOLDER_ZERO_VALID ? 0 : k == RK_HOLDER_SHORT ? 120 : 3600);
        dhcp6_end(&b);
        dhcp6_put_u32(&b, D6O_CLT_TIME, 60);
        dhcp6_put_addrs(&b, D6O_S46_BR, &tep, 1);
        dhcp6_end(&b);
    }
    size_t n = dhcp6_build_done(&b);
    T_CHECK(n > 0);
    six_sendto(S, sd, buf, n, 0, (const struct sockaddr *)&g->from, sizeof g->from);
    sim_run_for(W, 20 * MS);
}

static struct in_addr V4;

TEST(found_not_found_refused)
{
    setup(71);
    V4 = inj_a4("192.0.2.10");
    struct dstm_portset ps = { .offset = 6, .psid_len = 4, .psid = 3 };
    struct result res = { 0 };
    struct got g;
    T_EQ(lq_query(R, &SERVER, V4, &ps, done, &res), 0);
    T_EQ(lq_inflight(R), 1);
    sim_run_for(W, 20 * MS);
    T_CHECK(recv_queries(&g));
    struct in6_addr key;
    dstm_lease_key(&key, V4, &ps);
    T_CHECK(in6_eq(&g.key, &key));   /* the port-set form of the lease key */
    reply(ssd, &g, g.xid, RK_FOUND);
    T_EQ(res.calls, 1);
    T_EQ(res.r, LQ_FOUND);
    struct in6_addr holder = inj_a6("2001:db8:1::100"), tep = inj_a6("2001:db8:1::b");
    T_CHECK(in6_eq(&res.b.v6, &holder) && in6_eq(&res.b.tep, &tep));
    T_EQ(res.b.v4.s_addr, V4.s_addr);
    T_EQ(res.b.ps.psid, 3);
    T_EQ(res.b.ps.psid_len, 4);
    T_CHECK(res.b.expires >= lease_wall_now(R) + 3590 && res.b.expires <= lease_wall_now(R) + 3600);
    T_EQ(lq_inflight(R), 0);
    /* a late duplicate of the answer: nobody waits for it */
    reply(ssd, &g, g.xid, RK_FOUND);
    T_EQ(res.calls, 1);
    T_EQ(CTR_GET(R, lq, drop_unmatched), 1);

    struct result nf = { 0 };
    T_EQ(lq_query(R, &SERVER, V4, NULL, done, &nf), 0);
    sim_run_for(W, 20 * MS);
    T_CHECK(recv_queries(&g));
    dstm_lease_key(&key, V4, NULL);
    T_CHECK(in6_eq(&g.key, &key));   /* a whole address: the mapped form */
    reply(ssd, &g, g.xid, RK_NOTCONF);
    T_EQ(nf.calls, 1);
    T_EQ(nf.r, LQ_NOT_FOUND);

    struct result rf = { 0 };
    T_EQ(lq_query(R, &SERVER, V4, NULL, done, &rf), 0);
    sim_run_for(W, 20 * MS);
    T_CHECK(recv_queries(&g));
    reply(ssd, &g, g.xid, RK_REFUSED);
    T_EQ(rf.calls, 1);
    T_EQ(rf.r, LQ_REFUSED);
    T_EQ(CTR_GET(R, lq, found), 1);
    T_EQ(CTR_GET(R, lq, not_found), 1);
    T_EQ(CTR_GET(R, lq, refused), 1);
    teardown();
}

TEST(timeout_after_retransmissions)
{
    setup(72);
    V4 = inj_a4("192.0.2.11");
    struct result res = { 0 };
    struct got g;
    T_EQ(lq_query(R, &SERVER, V4, NULL, done, &res), 0);
    uint32_t first_xid = 0;
    int sent = 0;
    for (int i = 0; i < 40 && !res.calls; i++) {
        sim_run_for(W, 1 * SEC);
        if (recv_queries(&g)) {
            if (!sent)
                first_xid = g.xid;
            T_EQ(g.xid, first_xid);   /* a retransmission keeps its transaction id */
            sent += g.n;
        }
    }
    T_EQ(res.calls, 1);
    T_EQ(res.r, LQ_TIMEOUT);
    T_EQ(sent, LQ_MAX_RC);
    T_EQ(CTR_GET(R, lq, out_retrans), LQ_MAX_RC - 1);
    T_EQ(CTR_GET(R, lq, timeout), 1);
    /* 1 + 2 + 4 + 8 + 16 s: RFC 5007 §5's doubling */
    T_CHECK(sim_now(W) >= 3 * SEC + 31 * SEC);
    teardown();
}

TEST(forged_answers_dropped)
{
    setup(73);
    V4 = inj_a4("192.0.2.12");
    struct result res = { 0 };
    struct got g;
    T_EQ(lq_query(R, &SERVER, V4, NULL, done, &res), 0);
    sim_run_for(W, 20 * MS);
    T_CHECK(recv_queries(&g));
    reply(ssd2, &g, g.xid, RK_FOUND);                  /* from another address of the server's host */
    reply(ssd, &g, (g.xid + 1) & 0xffffff, RK_FOUND);  /* another transaction */
    reply(ssd, &g, g.xid, RK_OTHER_KEY);               /* about another address */
    T_EQ(CTR_GET(R, lq, drop_unmatched), 3);
    reply(ssd, &g, g.xid, RK_LINKLOCAL_HOLDER);        /* client data that makes no binding */
    reply(ssd, &g, g.xid, RK_ZERO_VALID);
    T_EQ(CTR_GET(R, lq, drop_bad_reply), 2);
    T_EQ(res.calls, 0);
    T_EQ(lq_inflight(R), 1);
    /* garbage on the socket */
    struct sockaddr_in6 to = g.from;
    static const uint8_t junk[] = { 15, 1, 2 };
    six_sendto(S, ssd, junk, sizeof junk, 0, (struct sockaddr *)&to, sizeof to);
    sim_run_for(W, 20 * MS);
    T_EQ(CTR_GET(R, lq, drop_malformed), 1);
    /* the real answer still counts */
    reply(ssd, &g, g.xid, RK_FOUND);
    T_EQ(res.calls, 1);
    T_EQ(res.r, LQ_FOUND);
    teardown();
}

TEST(joined_and_cancelled)
{
    setup(74);
    V4 = inj_a4("192.0.2.13");
    struct result a = { 0 }, b = { 0 }, c = { 0 };
    struct got g;
    T_EQ(lq_query(R, &SERVER, V4, NULL, done, &a), 0);
    T_EQ(lq_query(R, &SERVER, V4, NULL, done, &b), 0);   /* joins */
    T_EQ(lq_inflight(R), 1);
    T_EQ(CTR_GET(R, lq, joined), 1);
    sim_run_for(W, 20 * MS);
    T_CHECK(recv_queries(&g));
    T_EQ(g.n, 1);
    reply(ssd, &g, g.xid, RK_FOUND);
    T_EQ(a.calls, 1);
    T_EQ(b.calls, 1);
    /* cancel: done never runs, the slot is free */
    T_EQ(lq_query(R, &SERVER, inj_a4("192.0.2.14"), NULL, done, &c), 0);
    lq_cancel_all(R, done, &c);
    T_EQ(lq_inflight(R), 0);
    sim_run_for(W, 40 * SEC);
    T_EQ(c.calls, 0);
    /* bad port set refused */
    struct dstm_portset bad = { .offset = 10, .psid_len = 10 };
    T_EQ(lq_query(R, &SERVER, V4, &bad, done, &c), -EINVAL);
    teardown();
}

/* A blind forger who guessed the xid and spoofed the server's address
 * and port still does not know our DUID: its answers are dropped. */
TEST(answers_without_our_clientid_dropped)
{
    setup(75);
    V4 = inj_a4("192.0.2.15");
    struct result res = { 0 };
    struct got g;
    T_EQ(lq_query(R, &SERVER, V4, NULL, done, &res), 0);
    sim_run_for(W, 20 * MS);
    T_CHECK(recv_queries(&g));
    T_EQ(g.cid_len, 18);
    reply(ssd, &g, g.xid, RK_NO_CLIENTID);
    reply(ssd, &g, g.xid, RK_WRONG_CLIENTID);
    reply(ssd, &g, g.xid, RK_NOTCONF_WRONG_CLIENTID);   /* a forged "nobody holds it" */
    T_EQ(CTR_GET(R, lq, drop_bad_clientid), 3);
    T_EQ(res.calls, 0);
    T_EQ(lq_inflight(R), 1);
    reply(ssd, &g, g.xid, RK_FOUND);
    T_EQ(res.calls, 1);
    T_EQ(res.r, LQ_FOUND);
    teardown();
}

/* The holder's IPv6 lease bounds the binding: gone (valid 0) refuses it,
 * shorter than the IPv4 lease shortens it. */
TEST(holder_lifetime_bounds_binding)
{
    setup(76);
    V4 = inj_a4("192.0.2.16");
    struct result res = { 0 };
    struct got g;
    T_EQ(lq_query(R, &SERVER, V4, NULL, done, &res), 0);
    sim_run_for(W, 20 * MS);
    T_CHECK(recv_queries(&g));
    reply(ssd, &g, g.xid, RK_HOLDER_ZERO_VALID);
    T_EQ(CTR_GET(R, lq, drop_bad_reply), 1);
    T_EQ(res.calls, 0);
    reply(ssd, &g, g.xid, RK_HOLDER_SHORT);
    T_EQ(res.calls, 1);
    T_EQ(res.r, LQ_FOUND);
    T_CHECK(res.b.expires >= lease_wall_now(R) + 110 && res.b.expires <= lease_wall_now(R) + 120);
    teardown();
}

int main(void)
{
    RUN(found_not_found_refused);
    RUN(timeout_after_retransmissions);
    RUN(forged_answers_dropped);
    RUN(joined_and_cancelled);
    RUN(answers_without_our_clientid_dropped);
    RUN(holder_lifetime_bounds_binding);
    return t_done();
}
