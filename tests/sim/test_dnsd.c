/* The authoritative DNS server (src/dns/dnsd*.c) on the simulator: stack a
 * serves aiih.example.test, stack b asks through its own UDP and TCP
 * sockets (and the stack's resolver). A records come from a provider
 * written in tests/lib/dnsd_sim.c: synchronous, asynchronous on a timer,
 * refusing. Cases: AAAA over IPv6 and IPv4 with the question's case echoed;
 * A sync, async, refused (SERVFAIL, or the configured NXDOMAIN/REFUSED);
 * PTR in ip6.arpa and in-addr.arpa; NXDOMAIN and NODATA with the SOA, an
 * empty non-terminal; REFUSED outside the zone; SOA/NS at the apex; two
 * queries on one TCP connection; EDNS (OPT echoed, DO copied, BADVERS); TC
 * when the answer does not fit 512 octets, the whole answer over EDNS and
 * TCP; TCP idle close; the sixctl verbs. */
#include <arpa/inet.h>
#include <string.h>
#include "../lib/t.h"
#include "../lib/dnsd_sim.h"
#include "ctl/cmd.h"
#include "ctl/scene.h"
#include "dns/dnsd.h"
#include "link/sim.h"
#include "net/stack.h"
#include "six/resolver.h"
#include "six/socket.h"

#define MS (1000000ull)
#define SEC (1000000000ull)

static struct dnsd_world D;

static bool is_v6(const struct in6_addr *a, const char *text)
{
    struct in6_addr b;
    return inet_pton(AF_INET6, text, &b) == 1 && !memcmp(a, &b, 16);
}

static bool is_v4(const struct in_addr *a, const char *text)
{
    struct in_addr b;
    return inet_pton(AF_INET, text, &b) == 1 && a->s_addr == b.s_addr;
}

TEST(aaaa_both_families_case_echoed)
{
    T_CHECK(dnsd_world_up(&D, 100));
    struct dq_ans r;
    const char *dsts[] = { "2001:db8:1::a", "192.0.2.1" };
    for (int i = 0; i < 2; i++) {
        T_CHECK(dq_udp(&D, dsts[i], "H1.aIIh.Example.TEST", DNS_TYPE_AAAA, 0, 100 * MS, &r));
        T_CHECK(r.walk_ok);
        T_EQ(dns_rcode(&r.h), DNS_RCODE_NOERROR);
        T_CHECK(dns_aa(&r.h) && dns_qr(&r.h) && dns_rd(&r.h) && !dns_ra(&r.h));
        T_EQ(r.h.id, 0x1234);
        T_EQ(r.an, 1);
        T_CHECK(is_v6(&r.aaaa, "2001:db8:1::101"));
        T_EQ(r.qname_len, 22);
        T_MEMEQ(r.qname, "\2H1\4aIIh\7Example\4TEST", 22);   /* as sent, for 0x20 resolvers */
    }
    T_EQ(dq_ctr(D.a, "dnsd.udp_queries"), 2);
    dnsd_world_down(&D);
}

TEST(a_sync_async_refused)
{
    T_CHECK(dnsd_world_up(&D, 200));
    struct dq_ans r;
    /* no provider: the name exists, it has no A */
    T_CHECK(dq_udp(&D, "2001:db8:1::a", "h1.aiih.example.test", DNS_TYPE_A, 0, 100 * MS, &r));
    T_EQ(dns_rcode(&r.h), DNS_RCODE_NOERROR);
    T_EQ(r.an, 0);
    T_CHECK(r.has_soa_auth);
    tprov_install(D.a);
    TP.mode = TP_SYNC;
    T_CHECK(dq_udp(&D, "2001:db8:1::a", "h1.aiih.example.test", DNS_TYPE_A, 0, 100 * MS, &r));
    T_EQ(dns_rcode(&r.h), DNS_RCODE_NOERROR);
    T_EQ(r.an, 1);
    T_CHECK(is_v4(&r.a, "198.51.100.1"));
    /* async: no answer before the provider's 300 ms, the answer after */
    TP.mode = TP_ASYNC;
    TP.delay_ns = 300 * MS;
    T_CHECK(!dq_udp(&D, "2001:db8:1::a", "h2.aiih.example.test", DNS_TYPE_A, 0, 200 * MS, &r));
    struct dnsd_info inf;
    dnsd_info(D.a, &inf);
    T_EQ(inf.pending, 1);   /* waiting for the provider */
    sim_run_for(D.w, 200 * MS);
    dnsd_info(D.a, &inf);
    T_EQ(inf.pending, 0);   /* answered (to a socket that is gone) */
    uint8_t q[300];
    size_t n = dq_build(q, sizeof q, 77, "h2.aiih.example.test", DNS_TYPE_A, 0);
    uint64_t t0 = sim_now(D.w);
    T_CHECK(dq_udp_raw(&D, "192.0.2.1", q, n, 1 * SEC, &r));
    T_CHECK(sim_now(D.w) - t0 >= 300 * MS);
    T_EQ(dns_rcode(&r.h), DNS_RCODE_NOERROR);
    T_EQ(r.h.id, 77);
    T_EQ(r.an, 1);
    T_CHECK(is_v4(&r.a, "198.51.100.2"));
    /* refused by the provider: SERVFAIL by default, nothing cached */
    TP.mode = TP_REFUSE;
    T_CHECK(dq_udp(&D, "2001:db8:1::a", "h1.aiih.example.test", DNS_TYPE_A, 0, 100 * MS, &r));
    T_EQ(dns_rcode(&r.h), DNS_RCODE_SERVFAIL);
    T_EQ(r.an, 0);
    /* the configured answer: nxdomain (with the SOA), then refused */
    T_EQ(scene_cmd(D.a, NULL, "dstm dns zone aiih.example.test ttl 60 exhausted nxdomain"), 0);
    T_CHECK(dq_udp(&D, "2001:db8:1::a", "h1.aiih.example.test", DNS_TYPE_A, 0, 100 * MS, &r));
    T_EQ(dns_rcode(&r.h), DNS_RCODE_NXDOMAIN);
    T_CHECK(r.has_soa_auth);
    T_EQ(scene_cmd(D.a, NULL, "dstm dns zone aiih.example.test ttl 60 exhausted refused"), 0);
    T_CHECK(dq_udp(&D, "2001:db8:1::a", "h1.aiih.example.test", DNS_TYPE_A, 0, 100 * MS, &r));
    T_EQ(dns_rcode(&r.h), DNS_RCODE_REFUSED);
    /* async failure: the configured answer too, when the provider calls back */
    TP.mode = TP_ASYNC;
    TP.async_fail = true;
    T_CHECK(dq_udp(&D, "2001:db8:1::a", "h1.aiih.example.test", DNS_TYPE_A, 0, 1 * SEC, &r));
    T_EQ(dns_rcode(&r.h), DNS_RCODE_REFUSED);
    T_EQ(dq_ctr(D.a, "dnsd.provider_refused"), 4);
    dnsd_world_down(&D);
}

TEST(ptr_both_trees)
{
    T_CHECK(dnsd_world_up(&D, 300));
    tprov_install(D.a);
    struct dq_ans r;
    T_CHECK(dq_udp(&D, "2001:db8:1::a", "2.0.1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.1.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa",
                   DNS_TYPE_PTR, 0, 100 * MS, &r));
    T_EQ(dns_rcode(&r.h), DNS_RCODE_NOERROR);
    T_CHECK(dns_aa(&r.h));
    T_EQ(r.an, 1);
    T_STREQ(r.ptr, "h2.aiih.example.test");
    T_CHECK(dq_udp(&D, "192.0.2.1", "3.100.51.198.in-addr.arpa", DNS_TYPE_PTR, 0, 100 * MS, &r));
    T_EQ(dns_rcode(&r.h), DNS_RCODE_NOERROR);
    T_EQ(r.an, 1);
    T_STREQ(r.ptr, "deep.sub.aiih.example.test");
    /* an address nobody holds / no host: NXDOMAIN; on the way down: NODATA */
    T_CHECK(dq_udp(&D, "2001:db8:1::a", "9.0.1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.1.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa",
                   DNS_TYPE_PTR, 0, 100 * MS, &r));
    T_EQ(dns_rcode(&r.h), DNS_RCODE_NXDOMAIN);
    T_CHECK(r.has_soa_auth);
    T_CHECK(dq_udp(&D, "2001:db8:1::a", "9.100.51.198.in-addr.arpa", DNS_TYPE_PTR, 0, 100 * MS, &r));
    T_EQ(dns_rcode(&r.h), DNS_RCODE_NXDOMAIN);
    T_CHECK(dq_udp(&D, "2001:db8:1::a", "8.b.d.0.1.0.0.2.ip6.arpa", DNS_TYPE_PTR, 0, 100 * MS, &r));
    T_EQ(dns_rcode(&r.h), DNS_RCODE_NOERROR);
    T_EQ(r.an, 0);
    T_CHECK(dq_udp(&D, "2001:db8:1::a", "x.8.b.d.0.1.0.0.2.ip6.arpa", DNS_TYPE_PTR, 0, 100 * MS, &r));
    T_EQ(dns_rcode(&r.h), DNS_RCODE_NXDOMAIN);
    dnsd_world_down(&D);
}

TEST(nxdomain_nodata_refused_apex)
{
    T_CHECK(dnsd_world_up(&D, 400));
    struct dq_ans r;
    T_CHECK(dq_udp(&D, "2001:db8:1::a", "nope.aiih.example.test", DNS_TYPE_AAAA, 0, 100 * MS, &r));
    T_EQ(dns_rcode(&r.h), DNS_RCODE_NXDOMAIN);
    T_CHECK(dns_aa(&r.h) && r.has_soa_auth && r.an == 0);
    T_CHECK(dq_udp(&D, "2001:db8:1::a", "h1.aiih.example.test", 15 /* MX */, 0, 100 * MS, &r));
    T_EQ(dns_rcode(&r.h), DNS_RCODE_NOERROR);
    T_CHECK(r.has_soa_auth && r.an == 0);
    /* sub.aiih.example.test: an empty non-terminal (RFC 8020): NODATA */
    T_CHECK(dq_udp(&D, "2001:db8:1::a", "sub.aiih.example.test", DNS_TYPE_AAAA, 0, 100 * MS, &r));
    T_EQ(dns_rcode(&r.h), DNS_RCODE_NOERROR);
    T_CHECK(r.has_soa_auth);
    T_CHECK(dq_udp(&D, "2001:db8:1::a", "www.example.test", DNS_TYPE_AAAA, 0, 100 * MS, &r));
    T_EQ(dns_rcode(&r.h), DNS_RCODE_REFUSED);
    T_CHECK(!dns_aa(&r.h) && !dns_ra(&r.h));
    T_CHECK(dq_udp(&D, "2001:db8:1::a", "aiih.example.test", DNS_TYPE_SOA, 0, 100 * MS, &r));
    T_EQ(dns_rcode(&r.h), DNS_RCODE_NOERROR);
    T_EQ(r.an, 1);
    T_CHECK(dq_udp(&D, "2001:db8:1::a", "aiih.example.test", DNS_TYPE_NS, 0, 100 * MS, &r));
    T_EQ(r.an, 1);
    /* the host gone: NXDOMAIN, and the ENT with it */
    T_EQ(scene_cmd(D.a, NULL, "dstm dns host deep.sub.aiih.example.test off"), 0);
    T_CHECK(dq_udp(&D, "2001:db8:1::a", "sub.aiih.example.test", DNS_TYPE_AAAA, 0, 100 * MS, &r));
    T_EQ(dns_rcode(&r.h), DNS_RCODE_NXDOMAIN);
    /* class CHAOS, AXFR: refused */
    uint8_t q[300];
    size_t n = dq_build(q, sizeof q, 5, "version.bind", 16, 0);
    q[n - 1] = 3;   /* class CH */
    T_CHECK(dq_udp_raw(&D, "2001:db8:1::a", q, n, 100 * MS, &r));
    T_EQ(dns_rcode(&r.h), DNS_RCODE_REFUSED);
    T_CHECK(dq_udp(&D, "2001:db8:1::a", "aiih.example.test", 252, 0, 100 * MS, &r));
    T_EQ(dns_rcode(&r.h), DNS_RCODE_REFUSED);
    T_EQ(dq_ctr(D.a, "dnsd.refused"), 3);
    T_EQ(dq_ctr(D.a, "dnsd.nxdomain"), 2);
    dnsd_world_down(&D);
}

/* b's TCP connection to a:53, n framed queries in one write, the answers read back. */
static unsigned tcp_queries_t(const char *const *names, const uint16_t *types, unsigned nq, struct dq_ans *out)
{
    int sd = six_socket(D.b, AF_INET6, SOCK_STREAM, 0);
    struct sockaddr_in6 sa = { .sin6_family = AF_INET6, .sin6_port = htons(53) };
    inet_pton(AF_INET6, "2001:db8:1::a", &sa.sin6_addr);
    six_connect(D.b, sd, (struct sockaddr *)&sa, sizeof sa);
    sim_run_for(D.w, 20 * MS);
    uint8_t buf[2048];
    size_t len = 0;
    for (unsigned i = 0; i < nq; i++) {
        size_t n = dq_build(buf + len + 2, sizeof buf - len - 2, (uint16_t)(100 + i), names[i],
                            types ? types[i] : DNS_TYPE_AAAA, 0);
        buf[len] = (uint8_t)(n >> 8);
        buf[len + 1] = (uint8_t)n;
        len += 2 + n;
    }
    T_EQ(six_send(D.b, sd, buf, len, 0), (ssize_t)len);
    uint8_t in[8192];
    size_t have = 0;
    for (int k = 0; k < 100; k++) {
        sim_run_for(D.w, 5 * MS);
        ssize_t n = six_recv(D.b, sd, in + have, sizeof in - have, 0);
        if (n > 0)
            have += (size_t)n;
    }
    unsigned got = 0;
    for (size_t off = 0; off + 2 <= have && got < nq;) {
        size_t m = (size_t)in[off] << 8 | in[off + 1];
        if (off + 2 + m > have)
            break;
        memcpy(out[got].msg, in + off + 2, m);
        out[got].len = m;
        dq_parse(&out[got]);
        got++;
        off += 2 + m;
    }
    six_close(D.b, sd);
    return got;
}

static unsigned tcp_queries(const char *const *names, unsigned nq, struct dq_ans *out)
{
    return tcp_queries_t(names, NULL, nq, out);
}

TEST(tcp_two_queries_one_connection)
{
    T_CHECK(dnsd_world_up(&D, 500));
    struct dq_ans r[2];
    const char *names[] = { "h1.aiih.example.test", "h2.aiih.example.test" };
    T_EQ(tcp_queries(names, 2, r), 2);
    T_EQ(r[0].h.id, 100);
    T_CHECK(is_v6(&r[0].aaaa, "2001:db8:1::101"));
    T_EQ(r[1].h.id, 101);
    T_CHECK(is_v6(&r[1].aaaa, "2001:db8:1::102"));
    T_EQ(dq_ctr(D.a, "dnsd.tcp_queries"), 2);
    T_EQ(dq_ctr(D.a, "dnsd.tcp_accepted"), 1);
    /* an A that waits for the provider and an AAAA behind it: the AAAA
     * comes back first (RFC 7766 §7), then the A */
    tprov_install(D.a);
    TP.mode = TP_ASYNC;
    TP.delay_ns = 100 * MS;
    const uint16_t types[] = { DNS_TYPE_A, DNS_TYPE_AAAA };
    T_EQ(tcp_queries_t(names, types, 2, r), 2);
    T_EQ(r[0].h.id, 101);
    T_CHECK(is_v6(&r[0].aaaa, "2001:db8:1::102"));
    T_EQ(r[1].h.id, 100);
    T_CHECK(is_v4(&r[1].a, "198.51.100.1"));
    /* a connection that says nothing is closed after the idle time */
    int sd = six_socket(D.b, AF_INET6, SOCK_STREAM, 0);
    struct sockaddr_in6 sa = { .sin6_family = AF_INET6, .sin6_port = htons(53) };
    inet_pton(AF_INET6, "2001:db8:1::a", &sa.sin6_addr);
    six_connect(D.b, sd, (struct sockaddr *)&sa, sizeof sa);
    sim_run_for(D.w, 100 * MS);
    struct dnsd_info inf;
    dnsd_info(D.a, &inf);
    T_EQ(inf.tcp_conns, 1);
    sim_run_for(D.w, (DNSD_TCP_IDLE_MS + 2000) * MS);
    dnsd_info(D.a, &inf);
    T_EQ(inf.tcp_conns, 0);
    T_EQ(dq_ctr(D.a, "dnsd.tcp_idle_closed"), 1);
    six_close(D.b, sd);
    dnsd_world_down(&D);
}

TEST(edns_echo_do_badvers)
{
    T_CHECK(dnsd_world_up(&D, 600));
    struct dq_ans r;
    T_CHECK(dq_udp(&D, "2001:db8:1::a", "h1.aiih.example.test", DNS_TYPE_AAAA, 4096, 100 * MS, &r));
    T_EQ(dns_rcode(&r.h), DNS_RCODE_NOERROR);
    T_CHECK(r.has_opt);
    T_EQ(r.opt.udp_size, DNSD_EDNS_SIZE);
    T_CHECK(!r.opt.do_bit);
    /* DO set: copied */
    uint8_t q[300];
    size_t n = dq_build(q, sizeof q, 9, "h1.aiih.example.test", DNS_TYPE_AAAA, 1232);
    q[n - 4] |= 0x80;   /* OPT (root, type, class, TTL = ext rcode, version, DO|Z, rdlen): DO */
    T_CHECK(dq_udp_raw(&D, "2001:db8:1::a", q, n, 100 * MS, &r));
    T_CHECK(r.has_opt && r.opt.do_bit);
    T_EQ(r.an, 1);
    /* version 1: BADVERS (16: header 0, OPT extended rcode 1), no answer */
    n = dq_build(q, sizeof q, 10, "h1.aiih.example.test", DNS_TYPE_AAAA, 1232);
    q[n - 5] = 1;       /* version */
    T_CHECK(dq_udp_raw(&D, "2001:db8:1::a", q, n, 100 * MS, &r));
    T_CHECK(r.has_opt);
    T_EQ(r.opt.ext_rcode, 1);
    T_EQ(dns_rcode(&r.h), 0);
    T_EQ(r.an, 0);
    T_EQ(dq_ctr(D.a, "dnsd.badvers"), 1);
    dnsd_world_down(&D);
}

TEST(tc_when_it_does_not_fit)
{
    T_CHECK(dnsd_world_up(&D, 700));
    /* a long NS name outside the zone cannot be compressed: a negative
     * answer for a long name carries ~560 octets */
    char ns[300], name[300];
    snprintf(ns, sizeof ns, "%.60s.%.60s.%.60s.%.50s.test", "nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn",
             "nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn",
             "nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn",
             "nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn");
    char cmd[512];
    snprintf(cmd, sizeof cmd, "dstm dns zone aiih.example.test ttl 60 ns %s", ns);
    T_EQ(scene_cmd(D.a, NULL, cmd), 0);
    snprintf(name, sizeof name, "%.60s.%.60s.%.60s.%.40s.aiih.example.test",
             "qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq",
             "qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq",
             "qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq",
             "qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq");
    struct dq_ans r;
    T_CHECK(dq_udp(&D, "2001:db8:1::a", name, DNS_TYPE_AAAA, 0, 100 * MS, &r));
    T_CHECK(dns_tc(&r.h));
    T_CHECK(r.len <= 512);
    T_EQ(r.h.qdcount, 1);
    T_EQ(r.an + r.ns, 0);
    T_EQ(dq_ctr(D.a, "dnsd.truncated"), 1);
    /* with EDNS it fits */
    T_CHECK(dq_udp(&D, "2001:db8:1::a", name, DNS_TYPE_AAAA, 1232, 100 * MS, &r));
    T_CHECK(!dns_tc(&r.h));
    T_CHECK(r.len > 512);
    T_EQ(dns_rcode(&r.h), DNS_RCODE_NXDOMAIN);
    T_CHECK(r.has_soa_auth && r.walk_ok);
    /* and over TCP */
    struct dq_ans t[1];
    const char *names[] = { name };
    T_EQ(tcp_queries(names, 1, t), 1);
    T_CHECK(!dns_tc(&t[0].h) && t[0].has_soa_auth);
    dnsd_world_down(&D);
}

TEST(resolver_gets_both_families)
{
    T_CHECK(dnsd_world_up(&D, 800));
    tprov_install(D.a);
    TP.mode = TP_ASYNC;
    TP.delay_ns = 50 * MS;
    T_EQ(scene_cmd(D.b, NULL, "dns server add 2001:db8:1::a"), 0);
    struct cmd_out out;
    cmd_out_init(&out);
    T_EQ(scene_cmd_wait(D.w, D.b, &out, 5 * SEC, "resolve h1.aiih.example.test -4"), 0);
    T_CHECK(out.buf && strstr(out.buf, "198.51.100.1"));
    cmd_out_reset(&out);
    T_EQ(scene_cmd_wait(D.w, D.b, &out, 5 * SEC, "resolve h2.aiih.example.test -6"), 0);
    T_CHECK(out.buf && strstr(out.buf, "2001:db8:1::102"));
    cmd_out_free(&out);
    T_EQ(TP.lookups, 1);
    dnsd_world_down(&D);
}

TEST(sixctl_verbs)
{
    T_CHECK(dnsd_world_up(&D, 900));
    struct cmd_out out;
    cmd_out_init(&out);
    T_EQ(scene_cmd(D.a, &out, "dstm dns show"), 0);
    T_CHECK(out.buf && strstr(out.buf, "zone aiih.example.test") && strstr(out.buf, "hosts 3"));
    cmd_out_reset(&out);
    struct cmd_out err;
    cmd_out_init(&err);
    struct cmd_ctx cc = { .st = D.a, .json = true, .out = &out, .err = &err };
    char a0[] = "dstm", a1[] = "dns", a2[] = "show";
    char *argv[] = { a0, a1, a2 };
    T_EQ(six_cmd_exec(&cc, 3, argv), 0);
    T_CHECK(out.buf && strstr(out.buf, "\"hosts\":3") && strstr(out.buf, "\"zone\":\"aiih.example.test\""));
    cmd_out_free(&err);
    T_CHECK(scene_cmd(D.a, NULL, "dstm dns host www.example.test 2001:db8::1") != 0);   /* outside */
    T_CHECK(scene_cmd(D.a, NULL, "dstm dns host h9.aiih.example.test 2001:db8:1::101") != 0);   /* h1's */
    T_CHECK(scene_cmd(D.a, NULL, "dstm dns host h9.aiih.example.test nonsense") != 0);
    T_CHECK(scene_cmd(D.a, NULL, "dstm dns zone aiih.example.test exhausted maybe") != 0);
    T_CHECK(scene_cmd(D.a, NULL, "dstm dns host nobody.aiih.example.test off") != 0);
    /* a bad ns name on the running zone is refused and leaves its NS/SOA
     * names intact (the old code wrote the half-parsed name into the zone:
     * every NXDOMAIN became a TC answer without the SOA) */
    T_CHECK(scene_cmd(D.a, NULL, "dstm dns zone aiih.example.test ns "
                                 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.test") != 0);
    struct dq_ans nx;
    T_CHECK(dq_udp(&D, "2001:db8:1::a", "nope.aiih.example.test", DNS_TYPE_AAAA, 0, 100 * MS, &nx));
    T_EQ(dns_rcode(&nx.h), DNS_RCODE_NXDOMAIN);
    T_CHECK(!dns_tc(&nx.h) && nx.has_soa_auth);
    struct dnsd_info inf;
    dnsd_info(D.a, &inf);
    uint32_t serial = inf.serial;
    T_EQ(scene_cmd(D.a, NULL, "dstm dns host h9.aiih.example.test 2001:db8:1::109"), 0);
    dnsd_info(D.a, &inf);
    T_EQ(inf.serial, serial + 1);
    T_EQ(inf.hosts, 4);
    char name[128];
    struct in6_addr v6;
    inet_pton(AF_INET6, "2001:db8:1::109", &v6);
    T_CHECK(dnsd_host_name(D.a, &v6, name, sizeof name));
    T_STREQ(name, "h9.aiih.example.test");
    /* more zones, up to DNSD_MAX_ZONES */
    T_EQ(scene_cmd(D.a, NULL, "dstm dns zone z2.example.test"), 0);
    T_EQ(scene_cmd(D.a, NULL, "dstm dns host w.z2.example.test 2001:db8:1::201"), 0);
    T_EQ(scene_cmd(D.a, NULL, "dstm dns zone z3.example.test"), 0);
    T_EQ(scene_cmd(D.a, NULL, "dstm dns zone z4.example.test"), 0);
    T_CHECK(scene_cmd(D.a, NULL, "dstm dns zone z5.example.test") != 0);
    struct dq_ans r;
    T_CHECK(dq_udp(&D, "2001:db8:1::a", "w.z2.example.test", DNS_TYPE_AAAA, 0, 100 * MS, &r));
    T_CHECK(r.an == 1 && is_v6(&r.aaaa, "2001:db8:1::201"));
    T_CHECK(dq_udp(&D, "2001:db8:1::a", "z3.example.test", DNS_TYPE_SOA, 0, 100 * MS, &r));
    T_CHECK(r.an == 1 && dns_aa(&r.h));
    T_EQ(scene_cmd(D.a, NULL, "dstm dns off"), 0);
    T_CHECK(!dnsd_running(D.a));
    T_CHECK(!dq_udp(&D, "2001:db8:1::a", "h1.aiih.example.test", DNS_TYPE_AAAA, 0, 50 * MS, &r));
    cmd_out_free(&out);
    dnsd_world_down(&D);
}

int main(void)
{
    RUN(aaaa_both_families_case_echoed);
    RUN(a_sync_async_refused);
    RUN(ptr_both_trees);
    RUN(nxdomain_nodata_refused_apex);
    RUN(tcp_two_queries_one_connection);
    RUN(edns_echo_do_badvers);
    RUN(tc_when_it_does_not_fit);
    RUN(resolver_gets_both_families);
    RUN(sixctl_verbs);
    return t_done();
}
