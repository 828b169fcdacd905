/* The stub resolver and getaddrinfo/getnameinfo on the simulator.
 *
 * Stacks on one link: C (the client, its addresses vary per case), S (a DNS
 * server: a tiny authoritative responder written here over S's own UDP and
 * TCP sockets, answers built by the helpers below), X (an off-path attacker
 * that forges answers from another address).  Cases: RFC 6724 order of A
 * and AAAA answers (dual stack, IPv6 only, IPv4 only, ULA vs global), CNAME
 * chains (and a loop), NXDOMAIN with negative caching, the positive cache and
 * its LRU bound, TC=1 → TCP, timeout → next server, forged answers (wrong
 * ID, name, port, address) and the RFC 9267 hostile answers (compression
 * loop, label > 63, name > 255, lying counts) dropped and counted while the
 * right answer is still taken, RDNSS from a router advertisement, literals,
 * getnameinfo (numeric and PTR), cancellation, the sixctl verbs. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include "../lib/t.h"
#include "ctl/scene.h"
#include "link/sim.h"
#include "net/stack.h"
#include "link/ifnet.h"
#include "core/timer.h"
#include "wire/dns.h"
#include "six/socket.h"
#include "six/resolver.h"
#include "transport/resolver.h"

#define MS (1000000ull)
#define SEC (1000000000ull)

static struct sim_world *W;
static struct six_stack *C, *S, *X;

/* ------------------------------------------------------------ message builder */

struct mb { uint8_t b[8192]; size_t n; };

static void put8(struct mb *m, unsigned v) { m->b[m->n++] = (uint8_t)v; }
static void put16(struct mb *m, unsigned v) { put8(m, v >> 8); put8(m, v); }
static void put32(struct mb *m, uint32_t v) { put16(m, v >> 16); put16(m, v & 0xffff); }
static void putb(struct mb *m, const void *d, size_t n) { memcpy(m->b + m->n, d, n); m->n += n; }
static void putname(struct mb *m, const char *text)
{
    uint8_t w[DNS_MAX_NAME];
    size_t l;
    T_EQ(dns_name_from_text(text, w, &l), DNS_OK);
    putb(m, w, l);
}

static void hdr(struct mb *m, uint16_t id, uint16_t flags, unsigned qd, unsigned an, unsigned ns, unsigned ar)
{
    m->n = 0;
    put16(m, id); put16(m, flags); put16(m, qd); put16(m, an); put16(m, ns); put16(m, ar);
}

static void set16(struct mb *m, size_t off, unsigned v) { m->b[off] = (uint8_t)(v >> 8); m->b[off + 1] = (uint8_t)v; }

/* ------------------------------------------------------------ the zone */

struct zrec { const char *name; uint16_t type; const char *data; };

static const struct zrec ZONE[] = {
    { "www.example.test", DNS_TYPE_A, "192.0.2.80" },
    { "www.example.test", DNS_TYPE_A, "198.51.100.80" },
    { "www.example.test", DNS_TYPE_AAAA, "2001:db8:2::80" },
    { "alias.example.test", DNS_TYPE_CNAME, "c2.example.test" },
    { "c2.example.test", DNS_TYPE_CNAME, "www.example.test" },
    { "loop.example.test", DNS_TYPE_CNAME, "loop2.example.test" },
    { "loop2.example.test", DNS_TYPE_CNAME, "loop.example.test" },
    { "ula.example.test", DNS_TYPE_AAAA, "fd00:1::80" },
    { "ula.example.test", DNS_TYPE_AAAA, "2001:db8:2::81" },
    { "ula2.example.test", DNS_TYPE_AAAA, "2001:db8:2::81" },
    { "ula2.example.test", DNS_TYPE_AAAA, "fd00:1::80" },
    { "v6.example.test", DNS_TYPE_AAAA, "2001:db8:2::86" },
    { "0.8.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.2.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa", DNS_TYPE_PTR,
      "www.example.test" },
};
#define BIG_N 40   /* big.example.test: this many AAAA records, > 512 octets */

/* The responder of one server stack. */
struct dsrv {
    struct six_stack *st;
    int udp, tcp_l, alt;                  /* alt: a second UDP socket (wrong source port) */
    struct { int sd; uint8_t buf[1024]; size_t have; bool replied; } conn[8];
    struct timer t;
    unsigned udp_queries, tcp_queries;
    bool silent;                          /* never answer */
    unsigned hostile;                     /* H_* forgeries sent before the answer to www AAAA */
    int ttl;
};
enum { H_ID = 1, H_NAME = 2, H_PORT = 4, H_ADDR = 8, H_LOOP = 16, H_LABEL = 32, H_LONG = 64, H_COUNT = 128, H_MUTATE = 256 };
static uint64_t MUT_SEED = 88172645463325252ull;
static uint64_t mut_rand(void) { MUT_SEED ^= MUT_SEED << 13; MUT_SEED ^= MUT_SEED >> 7; MUT_SEED ^= MUT_SEED << 17; return MUT_SEED; }

static struct dsrv SRV;
static int XSOCK = -1;

static bool zone_name_exists(const char *name)
{
    if (!strcasecmp(name, "big.example.test") || !strncasecmp(name, "h", 1))
        return !strcasecmp(name, "big.example.test") || strstr(name, ".example.test") != NULL;
    for (size_t i = 0; i < sizeof ZONE / sizeof ZONE[0]; i++)
        if (!strcasecmp(ZONE[i].name, name))
            return true;
    return false;
}

/* Append the RRs of (name, type) to m; returns how many. */
static unsigned zone_rrs(struct mb *m, const char *name, uint16_t type, int ttl)
{
    unsigned n = 0;
    if (!strcasecmp(name, "big.example.test") && type == DNS_TYPE_AAAA) {
        for (int i = 1; i <= BIG_N; i++) {
            putname(m, name); put16(m, DNS_TYPE_AAAA); put16(m, 1); put32(m, (uint32_t)ttl); put16(m, 16);
            struct in6_addr a;
            inet_pton(AF_INET6, "2001:db8:3::", &a);
            a.s6_addr[15] = (uint8_t)i;
            putb(m, &a, 16);
            n++;
        }
        return n;
    }
    unsigned hn;
    if (sscanf(name, "h%u.example.test", &hn) == 1 && type == DNS_TYPE_A) {
        putname(m, name); put16(m, DNS_TYPE_A); put16(m, 1); put32(m, (uint32_t)ttl); put16(m, 4);
        put8(m, 203); put8(m, 0); put8(m, (hn >> 8) & 0xff); put8(m, hn & 0xff);
        return 1;
    }
    for (size_t i = 0; i < sizeof ZONE / sizeof ZONE[0]; i++) {
        if (strcasecmp(ZONE[i].name, name) || ZONE[i].type != type)
            continue;
        putname(m, name); put16(m, type); put16(m, 1); put32(m, (uint32_t)ttl);
        if (type == DNS_TYPE_A) {
            struct in_addr a;
            inet_pton(AF_INET, ZONE[i].data, &a);
            put16(m, 4); putb(m, &a, 4);
        } else if (type == DNS_TYPE_AAAA) {
            struct in6_addr a;
            inet_pton(AF_INET6, ZONE[i].data, &a);
            put16(m, 16); putb(m, &a, 16);
        } else {
            uint8_t w[DNS_MAX_NAME];
            size_t l;
            dns_name_from_text(ZONE[i].data, w, &l);
            put16(m, (unsigned)l); putb(m, w, l);
        }
        n++;
    }
    return n;
}

static const char *zone_cname(const char *name)
{
    for (size_t i = 0; i < sizeof ZONE / sizeof ZONE[0]; i++)
        if (!strcasecmp(ZONE[i].name, name) && ZONE[i].type == DNS_TYPE_CNAME)
            return ZONE[i].data;
    return NULL;
}

static void put_soa(struct mb *m)
{
    putname(m, "example.test"); put16(m, DNS_TYPE_SOA); put16(m, 1); put32(m, 60);
    size_t at = m->n;
    put16(m, 0);
    putname(m, "ns.example.test"); putname(m, "admin.example.test");
    put32(m, 1); put32(m, 3600); put32(m, 600); put32(m, 86400); put32(m, 30);
    set16(m, at, (unsigned)(m->n - at - 2));
}

/* The answer to a query (its question echoed as received, case kept). */
static void build_answer(struct mb *m, uint16_t id, const uint8_t *qn, size_t qnl, uint16_t qtype, int ttl)
{
    char name[DNS_TEXT_MAX];
    dns_name_to_text(qn, qnl, name, sizeof name);
    hdr(m, id, DNS_FLAG_QR | DNS_FLAG_AA | DNS_FLAG_RD, 1, 0, 0, 0);
    putb(m, qn, qnl); put16(m, qtype); put16(m, 1);
    unsigned an = 0;
    const char *cur = name, *cn;
    static char hop[16][DNS_TEXT_MAX];
    for (int h = 0; h < 12 && (cn = zone_cname(cur)) && qtype != DNS_TYPE_CNAME; h++) {
        putname(m, cur); put16(m, DNS_TYPE_CNAME); put16(m, 1); put32(m, (uint32_t)ttl);
        uint8_t w[DNS_MAX_NAME];
        size_t l;
        dns_name_from_text(cn, w, &l);
        put16(m, (unsigned)l); putb(m, w, l);
        an++;
        snprintf(hop[h], sizeof hop[h], "%s", cn);
        cur = hop[h];
    }
    an += zone_rrs(m, cur, qtype, ttl);
    set16(m, 6, an);
    if (!an) {
        if (!zone_name_exists(cur))
            set16(m, 2, DNS_FLAG_QR | DNS_FLAG_AA | DNS_FLAG_RD | DNS_RCODE_NXDOMAIN);
        put_soa(m);
        set16(m, 8, 1);
    }
}

/* The forgeries of RFC 9267 and friends, each with the right ID, from the right server. */
static void hostile_send(struct dsrv *d, const struct sockaddr_in6 *to, uint16_t id, const uint8_t *qn, size_t qnl,
                         uint16_t qtype)
{
    struct mb m;
    struct sockaddr *sa = (struct sockaddr *)to;
    if (d->hostile & H_ID) {
        build_answer(&m, (uint16_t)(id ^ 0x5a5a), qn, qnl, qtype, d->ttl);
        six_sendto(d->st, d->udp, m.b, m.n, 0, sa, sizeof *to);
    }
    if (d->hostile & H_NAME) {
        uint8_t other[DNS_MAX_NAME];
        size_t ol;
        dns_name_from_text("evil.example.test", other, &ol);
        hdr(&m, id, DNS_FLAG_QR | DNS_FLAG_RD, 1, 1, 0, 0);
        putb(&m, other, ol); put16(&m, qtype); put16(&m, 1);
        putb(&m, other, ol); put16(&m, DNS_TYPE_AAAA); put16(&m, 1); put32(&m, 300); put16(&m, 16);
        putb(&m, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\xee\xee", 16);
        six_sendto(d->st, d->udp, m.b, m.n, 0, sa, sizeof *to);
    }
    /* a well-formed answer naming the evil address, from elsewhere */
    hdr(&m, id, DNS_FLAG_QR | DNS_FLAG_RD, 1, 1, 0, 0);
    putb(&m, qn, qnl); put16(&m, qtype); put16(&m, 1);
    put16(&m, 0xc00c); put16(&m, DNS_TYPE_AAAA); put16(&m, 1); put32(&m, 300); put16(&m, 16);
    putb(&m, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\xee\xee", 16);
    if (d->hostile & H_PORT)
        six_sendto(d->st, d->alt, m.b, m.n, 0, sa, sizeof *to);
    if (d->hostile & H_ADDR) {
        six_sendto(X, XSOCK, m.b, m.n, 0, sa, sizeof *to);
        six_stack_flush(X);   /* on the wire before S's answer, which leaves at S's next flush */
    }
    if (d->hostile & H_LOOP) {   /* answer owner: a pointer to itself */
        hdr(&m, id, DNS_FLAG_QR | DNS_FLAG_RD, 1, 1, 0, 0);
        putb(&m, qn, qnl); put16(&m, qtype); put16(&m, 1);
        put16(&m, 0xc000 | (unsigned)m.n); put16(&m, DNS_TYPE_AAAA); put16(&m, 1); put32(&m, 300); put16(&m, 16);
        putb(&m, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\xee\xee", 16);
        six_sendto(d->st, d->udp, m.b, m.n, 0, sa, sizeof *to);
    }
    if (d->hostile & H_LABEL) {  /* a length octet of 64 */
        hdr(&m, id, DNS_FLAG_QR | DNS_FLAG_RD, 1, 1, 0, 0);
        putb(&m, qn, qnl); put16(&m, qtype); put16(&m, 1);
        put8(&m, 64);
        for (int i = 0; i < 64; i++)
            put8(&m, 'a');
        put8(&m, 0);
        put16(&m, DNS_TYPE_AAAA); put16(&m, 1); put32(&m, 300); put16(&m, 16);
        putb(&m, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\xee\xee", 16);
        six_sendto(d->st, d->udp, m.b, m.n, 0, sa, sizeof *to);
    }
    if (d->hostile & H_LONG) {   /* owner of 5 labels of 60: 306 octets */
        hdr(&m, id, DNS_FLAG_QR | DNS_FLAG_RD, 1, 1, 0, 0);
        putb(&m, qn, qnl); put16(&m, qtype); put16(&m, 1);
        for (int k = 0; k < 5; k++) {
            put8(&m, 60);
            for (int i = 0; i < 60; i++)
                put8(&m, 'b');
        }
        put8(&m, 0);
        put16(&m, DNS_TYPE_AAAA); put16(&m, 1); put32(&m, 300); put16(&m, 16);
        putb(&m, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\xee\xee", 16);
        six_sendto(d->st, d->udp, m.b, m.n, 0, sa, sizeof *to);
    }
    if (d->hostile & H_MUTATE) { /* the real answer with 1-4 random octets changed (the ID kept), maybe cut */
        build_answer(&m, id, qn, qnl, qtype, d->ttl);
        unsigned k = 1 + (unsigned)(mut_rand() % 4);
        for (unsigned i = 0; i < k; i++)
            m.b[2 + mut_rand() % (m.n - 2)] ^= (uint8_t)(1 + mut_rand() % 255);
        if (mut_rand() % 4 == 0)
            m.n = 2 + (size_t)(mut_rand() % (m.n - 2));
        six_sendto(d->st, d->udp, m.b, m.n, 0, sa, sizeof *to);
    }
    if (d->hostile & H_COUNT) {  /* ancount 3, one record present */
        build_answer(&m, id, qn, qnl, qtype, d->ttl);
        set16(&m, 6, 3);
        six_sendto(d->st, d->udp, m.b, m.n, 0, sa, sizeof *to);
    }
}

static bool parse_query(const uint8_t *b, size_t n, uint16_t *id, uint8_t *qn, size_t *qnl, uint16_t *qtype)
{
    struct dns_iter it;
    struct dns_question q;
    bool done;
    if (dns_iter_init(&it, b, n, 0) != DNS_OK || dns_qr(&it.h) || dns_iter_question(&it, &q, &done) != DNS_OK || done)
        return false;
    *id = it.h.id;
    memcpy(qn, q.name, q.name_len);
    *qnl = q.name_len;
    *qtype = q.qtype;
    return true;
}

static void srv_udp(struct dsrv *d)
{
    uint8_t b[1500];
    struct sockaddr_in6 from;
    for (;;) {
        socklen_t fl = sizeof from;
        ssize_t n = six_recvfrom(d->st, d->udp, b, sizeof b, 0, (struct sockaddr *)&from, &fl);
        if (n < 0)
            return;
        uint16_t id, qtype;
        uint8_t qn[DNS_MAX_NAME];
        size_t qnl;
        if (!parse_query(b, (size_t)n, &id, qn, &qnl, &qtype))
            continue;
        d->udp_queries++;
        if (d->silent)
            continue;
        char name[DNS_TEXT_MAX];
        dns_name_to_text(qn, qnl, name, sizeof name);
        if (d->hostile && qtype == DNS_TYPE_AAAA && !strcasecmp(name, "www.example.test"))
            hostile_send(d, &from, id, qn, qnl, qtype);
        struct mb m;
        build_answer(&m, id, qn, qnl, qtype, d->ttl);
        if (m.n > 512) {   /* no EDNS here: truncate to the question */
            m.n = DNS_HDR_LEN + qnl + 4;
            set16(&m, 2, DNS_FLAG_QR | DNS_FLAG_AA | DNS_FLAG_RD | DNS_FLAG_TC);
            set16(&m, 6, 0); set16(&m, 8, 0); set16(&m, 10, 0);
        }
        six_sendto(d->st, d->udp, m.b, m.n, 0, (struct sockaddr *)&from, fl);
    }
}

static void srv_wake(void *arg, int sd, short ev);

static void srv_tcp(struct dsrv *d)
{
    int sd;
    while ((sd = six_accept(d->st, d->tcp_l, NULL, NULL)) >= 0) {
        size_t i;
        for (i = 0; i < 8 && d->conn[i].sd >= 0; i++)
            ;
        if (i == 8) {
            six_close(d->st, sd);
            continue;
        }
        d->conn[i].sd = sd;
        six_sock_set_callback(d->st, sd, srv_wake, d);
        d->conn[i].have = 0;
        d->conn[i].replied = false;
    }
    for (size_t i = 0; i < 8; i++) {
        if (d->conn[i].sd < 0)
            continue;
        ssize_t n = six_recv(d->st, d->conn[i].sd, d->conn[i].buf + d->conn[i].have,
                             sizeof d->conn[i].buf - d->conn[i].have, 0);
        if (n == 0 || (n < 0 && errno != EAGAIN)) {
            six_close(d->st, d->conn[i].sd);
            d->conn[i].sd = -1;
            continue;
        }
        if (n > 0)
            d->conn[i].have += (size_t)n;
        uint8_t *b = d->conn[i].buf;
        if (d->conn[i].replied || d->conn[i].have < 2 || d->conn[i].have < 2u + (size_t)(b[0] << 8 | b[1]))
            continue;
        uint16_t id, qtype;
        uint8_t qn[DNS_MAX_NAME];
        size_t qnl;
        if (!parse_query(b + 2, (size_t)(b[0] << 8 | b[1]), &id, qn, &qnl, &qtype))
            continue;
        d->tcp_queries++;
        static struct mb m;
        build_answer(&m, id, qn, qnl, qtype, d->ttl);
        uint8_t len[2] = { (uint8_t)(m.n >> 8), (uint8_t)m.n };
        T_EQ(six_send(d->st, d->conn[i].sd, len, 2, 0), 2);
        T_EQ(six_send(d->st, d->conn[i].sd, m.b, m.n, 0), (ssize_t)m.n);
        d->conn[i].replied = true;
    }
}

static void srv_run(struct timer *t, void *arg)
{
    struct dsrv *d = arg;
    srv_udp(d);
    srv_tcp(d);
}

static void srv_wake(void *arg, int sd, short ev)
{
    struct dsrv *d = arg;
    if (!timer_pending(&d->t))
        timer_arm(d->st->tw, &d->t, 0);
}

static void srv_start(struct dsrv *d, struct six_stack *st)
{
    memset(d, 0, sizeof *d);
    d->st = st;
    d->ttl = 300;
    for (int i = 0; i < 8; i++)
        d->conn[i].sd = -1;
    timer_init(&d->t, srv_run, d);
    int off = 0;
    struct sockaddr_in6 any = { .sin6_family = AF_INET6, .sin6_port = htons(53) };
    d->udp = six_socket(st, AF_INET6, SOCK_DGRAM, 0);
    six_setsockopt(st, d->udp, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off);
    T_EQ(six_bind(st, d->udp, (struct sockaddr *)&any, sizeof any), 0);
    d->tcp_l = six_socket(st, AF_INET6, SOCK_STREAM, 0);
    six_setsockopt(st, d->tcp_l, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off);
    T_EQ(six_bind(st, d->tcp_l, (struct sockaddr *)&any, sizeof any), 0);
    T_EQ(six_listen(st, d->tcp_l, 8), 0);
    d->alt = six_socket(st, AF_INET6, SOCK_DGRAM, 0);
    six_sock_set_callback(st, d->udp, srv_wake, d);
    six_sock_set_callback(st, d->tcp_l, srv_wake, d);
}

static void srv_stop(struct dsrv *d)
{
    timer_cancel(&d->t);
}

/* ------------------------------------------------------------ set-up */

static struct six_stack *mk(const char *name, uint64_t seed)
{
    struct six_stack_opts o = { .name = name, .clock = sim_clock(W), .tw = sim_wheel(W), .seed = seed,
                                .n_small = 1024, .n_big = 8 };
    struct six_stack *st = six_stack_create(&o);
    sim_register_stack(W, st);
    return st;
}

/* Client addresses: any of v6 (global), ula, v4 may be NULL. */
static void setup(const char *c6, const char *c4, bool servers)
{
    struct sim_link_params p = { .delay_ns = 1 * MS };
    W = sim_world_create(11);
    C = mk("c", 1);
    S = mk("s", 2);
    X = mk("x", 3);
    struct sim_link *l = sim_link_create(W, "l", &p);
    sim_attach(l, C, "eth0", NULL);
    sim_attach(l, S, "eth0", NULL);
    sim_attach(l, X, "eth0", NULL);
    T_EQ(scene_cmd(C, NULL, "link set eth0 up"), 0);
    if (c6)
        T_EQ(scene_cmd(C, NULL, "addr add %s dev eth0", c6), 0);
    if (c4)
        T_EQ(scene_cmd(C, NULL, "addr add %s dev eth0", c4), 0);
    const char *cs[] = { "link set eth0 up", "addr add 2001:db8:1::53/64 dev eth0", "addr add fd00:1::53/64 dev eth0",
                         "addr add 192.0.2.53/24 dev eth0", NULL };
    for (int i = 0; cs[i]; i++)
        T_EQ(scene_cmd(S, NULL, "%s", cs[i]), 0);
    T_EQ(scene_cmd(X, NULL, "link set eth0 up"), 0);
    T_EQ(scene_cmd(X, NULL, "addr add 2001:db8:1::66/64 dev eth0"), 0);
    /* every destination is reachable through S (which does not forward: routes are what RFC 6724 rule 1 needs) */
    if (c6 && strchr(c6, ':'))
        T_EQ(scene_cmd(C, NULL, "route add default via %s", !strncmp(c6, "fd", 2) ? "fd00:1::53" : "2001:db8:1::53"), 0);
    if (c4)
        T_EQ(scene_cmd(C, NULL, "route add default via 192.0.2.53"), 0);
    if (servers)
        T_EQ(scene_cmd(C, NULL, "dns server add %s", c6 ? (!strncmp(c6, "fd", 2) ? "fd00:1::53" : "2001:db8:1::53")
                                                          : "192.0.2.53"), 0);
    srv_start(&SRV, S);
    XSOCK = six_socket(X, AF_INET6, SOCK_DGRAM, 0);
    struct sockaddr_in6 x53 = { .sin6_family = AF_INET6, .sin6_port = htons(53) };
    T_EQ(six_bind(X, XSOCK, (struct sockaddr *)&x53, sizeof x53), 0);
    sim_run_for(W, 3 * SEC);
}

static void teardown(void)
{
    srv_stop(&SRV);
    six_stack_destroy(C);
    six_stack_destroy(S);
    six_stack_destroy(X);
    sim_world_destroy(W);
}

/* ------------------------------------------------------------ lookups */

struct result {
    bool done;
    int err, n;
    char addr[80][INET6_ADDRSTRLEN];
    int family[80];
    char canon[256];
    int calls;
};

static void gai_cb(void *arg, int err, struct addrinfo *res)
{
    struct result *r = arg;
    r->done = true;
    r->calls++;
    r->err = err;
    r->n = 0;
    r->canon[0] = 0;
    if (res && res->ai_canonname)
        snprintf(r->canon, sizeof r->canon, "%s", res->ai_canonname);
    for (struct addrinfo *ai = res; ai && r->n < 80; ai = ai->ai_next) {
        const void *a = ai->ai_family == AF_INET ? (const void *)&((struct sockaddr_in *)ai->ai_addr)->sin_addr
                                                 : (const void *)&((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr;
        inet_ntop(ai->ai_family, a, r->addr[r->n], sizeof r->addr[0]);
        r->family[r->n++] = ai->ai_family;
    }
    six_freeaddrinfo(res);
}

static bool result_done(void *arg) { return ((struct result *)arg)->done; }

/* Look up and wait; returns what six_getaddrinfo returned. */
static int lookup(const char *name, int family, int flags, struct result *r, uint64_t max_ns)
{
    struct addrinfo h = { .ai_family = family, .ai_socktype = SOCK_STREAM, .ai_flags = flags };
    memset(r, 0, sizeof *r);
    int rc = six_getaddrinfo(C, name, "80", &h, gai_cb, r);
    if (rc > 0)
        sim_run_while_not(W, result_done, r, max_ns);
    return rc;
}

/* ------------------------------------------------------------ cases */

TEST(order_dual_stack)
{
    setup("2001:db8:1::c/64", "192.0.2.3/24", true);
    struct result r;
    T_CHECK(lookup("www.example.test", AF_UNSPEC, AI_CANONNAME, &r, 5 * SEC) > 0);
    T_CHECK(r.done);
    T_EQ(r.err, 0);
    T_EQ(r.n, 3);
    /* AAAA (precedence 40) before A (35); the A records keep the server's order */
    T_STREQ(r.addr[0], "2001:db8:2::80");
    T_STREQ(r.addr[1], "192.0.2.80");
    T_STREQ(r.addr[2], "198.51.100.80");
    T_EQ(r.family[0], AF_INET6);
    T_EQ(r.family[1], AF_INET);
    T_STREQ(r.canon, "www.example.test");
    T_EQ(SRV.udp_queries, 2);
    T_EQ(CTR_GET(C, dns, queries), 2);
    T_EQ(CTR_GET(C, dns, answers), 2);
    /* cached now: answered during the call */
    T_EQ(lookup("WWW.Example.Test", AF_UNSPEC, 0, &r, SEC), 0);
    T_CHECK(r.done);
    T_EQ(r.n, 3);
    T_STREQ(r.addr[0], "2001:db8:2::80");
    T_EQ(CTR_GET(C, dns, cache_hit), 2);
    T_EQ(SRV.udp_queries, 2);
    /* -4 / -6 */
    T_EQ(lookup("www.example.test", AF_INET, 0, &r, SEC), 0);
    T_EQ(r.n, 2);
    T_STREQ(r.addr[0], "192.0.2.80");
    T_EQ(lookup("www.example.test", AF_INET6, 0, &r, SEC), 0);
    T_EQ(r.n, 1);
    /* AF_INET6 + AI_V4MAPPED|AI_ALL: the AAAA, then the A as mapped */
    T_EQ(lookup("www.example.test", AF_INET6, AI_V4MAPPED | AI_ALL, &r, SEC), 0);
    T_EQ(r.n, 3);
    T_STREQ(r.addr[1], "::ffff:192.0.2.80");
    T_EQ(r.family[1], AF_INET6);
    /* AI_V4MAPPED alone: mapped A only when there is no AAAA */
    T_EQ(lookup("www.example.test", AF_INET6, AI_V4MAPPED, &r, SEC), 0);
    T_EQ(r.n, 1);
    /* TTL: 300 s later the cache has let it go */
    sim_run_for(W, 301 * SEC);
    T_CHECK(lookup("www.example.test", AF_UNSPEC, 0, &r, 5 * SEC) > 0);
    T_EQ(r.n, 3);
    T_EQ(SRV.udp_queries, 4);
    teardown();
}

TEST(order_ipv6_only_and_ipv4_only)
{
    struct result r;
    setup("2001:db8:1::c/64", NULL, true);   /* no IPv4 source: the A answers are unusable (rule 1) */
    T_CHECK(lookup("www.example.test", AF_UNSPEC, 0, &r, 5 * SEC) > 0);
    T_EQ(r.n, 3);
    T_STREQ(r.addr[0], "2001:db8:2::80");
    teardown();

    setup(NULL, "192.0.2.3/24", true);       /* IPv4 only (and a link-local IPv6): A first */
    T_CHECK(lookup("www.example.test", AF_UNSPEC, 0, &r, 5 * SEC) > 0);
    T_EQ(r.n, 3);
    T_STREQ(r.addr[0], "192.0.2.80");
    T_STREQ(r.addr[1], "198.51.100.80");
    T_STREQ(r.addr[2], "2001:db8:2::80");
    /* AI_ADDRCONFIG: no global IPv6 address, so no AAAA query at all */
    resolver_cache_flush(C);
    unsigned q = SRV.udp_queries;
    T_CHECK(lookup("www.example.test", AF_UNSPEC, AI_ADDRCONFIG, &r, 5 * SEC) > 0);
    T_EQ(r.n, 2);
    T_EQ(SRV.udp_queries, q + 1);
    teardown();
}

TEST(order_ula_vs_global)
{
    struct result r;
    setup("2001:db8:1::c/64", NULL, true);   /* global source: the global destination first (rule 5, label) */
    T_CHECK(lookup("ula.example.test", AF_INET6, 0, &r, 5 * SEC) > 0);
    T_EQ(r.n, 2);
    T_STREQ(r.addr[0], "2001:db8:2::81");
    T_STREQ(r.addr[1], "fd00:1::80");
    teardown();

    setup("fd00:1::c/64", NULL, true);       /* ULA source only: the ULA destination first */
    T_CHECK(lookup("ula2.example.test", AF_INET6, 0, &r, 5 * SEC) > 0);
    T_EQ(r.n, 2);
    T_STREQ(r.addr[0], "fd00:1::80");
    T_STREQ(r.addr[1], "2001:db8:2::81");
    /* the policy table of `sixctl addrsel` rules: give 2001:db8:2::/48 its own label 13 too */
    T_EQ(scene_cmd(C, NULL, "addrsel add 2001:db8:2::/48 precedence 50 label 13"), 0);
    resolver_cache_flush(C);
    T_CHECK(lookup("ula2.example.test", AF_INET6, 0, &r, 5 * SEC) > 0);
    T_STREQ(r.addr[0], "2001:db8:2::81");
    teardown();
}

TEST(cname_chain)
{
    setup("2001:db8:1::c/64", "192.0.2.3/24", true);
    struct result r;
    T_CHECK(lookup("alias.example.test", AF_UNSPEC, AI_CANONNAME, &r, 5 * SEC) > 0);
    T_EQ(r.err, 0);
    T_EQ(r.n, 3);
    T_STREQ(r.addr[0], "2001:db8:2::80");
    T_STREQ(r.canon, "www.example.test");
    /* a CNAME loop: 12 hops in the answer, more than 8 followed: counted, then given up */
    T_CHECK(lookup("loop.example.test", AF_INET6, 0, &r, 10 * SEC) > 0);
    T_CHECK(r.done);
    T_EQ(r.err, EAI_AGAIN);
    T_EQ(CTR_GET(C, dns, drop_cname_chain), 2);   /* both attempts at the one server */
    teardown();
}

TEST(nxdomain_negative_cache)
{
    setup("2001:db8:1::c/64", "192.0.2.3/24", true);
    struct result r;
    T_CHECK(lookup("nope.example.test", AF_UNSPEC, 0, &r, 5 * SEC) > 0);
    T_CHECK(r.done);
    T_EQ(r.err, EAI_NONAME);
    unsigned q = SRV.udp_queries;
    T_CHECK(q >= 1 && q <= 2);   /* the second may be cancelled before it leaves: NXDOMAIN is for every type */
    /* negative cache (SOA minimum 30 s): answered at once, no query */
    T_EQ(lookup("NOPE.example.test", AF_UNSPEC, 0, &r, SEC), 0);
    T_EQ(r.err, EAI_NONAME);
    T_EQ(SRV.udp_queries, q);
    T_CHECK(CTR_GET(C, dns, neg_cache_hit) >= 1);
    /* NODATA: v6.example.test has no A */
    T_CHECK(lookup("v6.example.test", AF_INET, 0, &r, 5 * SEC) > 0);
    T_EQ(r.err, EAI_NODATA);
    T_EQ(lookup("v6.example.test", AF_INET, 0, &r, SEC), 0);
    T_EQ(r.err, EAI_NODATA);
    /* after 30 s it is asked again */
    sim_run_for(W, 31 * SEC);
    q = SRV.udp_queries;
    T_CHECK(lookup("nope.example.test", AF_INET6, 0, &r, 5 * SEC) > 0);
    T_EQ(r.err, EAI_NONAME);
    T_EQ(SRV.udp_queries, q + 1);
    /* the sixctl verb: exit 1 */
    struct cmd_out out;
    cmd_out_init(&out);
    T_EQ(scene_cmd_wait(W, C, &out, 5 * SEC, "resolve other.example.test"), 1);
    cmd_out_free(&out);
    teardown();
}

TEST(tc_tcp_fallback)
{
    setup("2001:db8:1::c/64", NULL, true);
    struct result r;
    T_CHECK(lookup("big.example.test", AF_INET6, 0, &r, 10 * SEC) > 0);
    T_CHECK(r.done);
    T_EQ(r.err, 0);
    T_EQ(r.n, BIG_N);
    T_EQ(CTR_GET(C, dns, tcp_fallback), 1);
    T_EQ(SRV.tcp_queries, 1);
    /* all present (sorted by rule 9 among equals: any order of the 40 is fine) */
    int seen = 0;
    for (int i = 0; i < r.n; i++)
        seen += !strncmp(r.addr[i], "2001:db8:3::", 12);
    T_EQ(seen, BIG_N);
    teardown();
}

TEST(timeout_next_server)
{
    setup("2001:db8:1::c/64", NULL, false);
    T_EQ(scene_cmd(C, NULL, "dns server add 2001:db8:1::99"), 0);   /* nobody there */
    T_EQ(scene_cmd(C, NULL, "dns server add 2001:db8:1::53"), 0);
    struct result r;
    uint64_t t0 = six_now(C);
    T_CHECK(lookup("www.example.test", AF_INET6, 0, &r, 10 * SEC) > 0);
    T_CHECK(r.done);
    T_EQ(r.err, 0);
    T_EQ(r.n, 1);
    T_CHECK(six_now(C) - t0 >= 1 * SEC && six_now(C) - t0 < 2 * SEC);
    T_EQ(CTR_GET(C, dns, timeouts), 1);
    /* both silent: two attempts each, then EAI_AGAIN after 4 s */
    SRV.silent = true;
    t0 = six_now(C);
    T_CHECK(lookup("v6.example.test", AF_INET6, 0, &r, 10 * SEC) > 0);
    T_EQ(r.err, EAI_AGAIN);
    T_CHECK(six_now(C) - t0 >= 4 * SEC && six_now(C) - t0 < 5 * SEC);
    T_EQ(CTR_GET(C, dns, timeouts), 5);
    teardown();
}

TEST(forged_answers_dropped)
{
    setup("2001:db8:1::c/64", NULL, true);
    SRV.hostile = H_ID | H_NAME | H_PORT | H_ADDR;
    /* the attacker knows C's link-layer address already (its forgery must not wait for ND) */
    T_EQ(scene_cmd_wait(W, X, NULL, 5 * SEC, "ping 2001:db8:1::c -c 1"), 0);
    struct result r;
    T_CHECK(lookup("www.example.test", AF_INET6, 0, &r, 5 * SEC) > 0);
    T_EQ(r.err, 0);
    T_EQ(r.n, 1);
    T_STREQ(r.addr[0], "2001:db8:2::80");   /* never 2001:db8::eeee */
    T_EQ(CTR_GET(C, dns, drop_id_mismatch), 1);
    T_EQ(CTR_GET(C, dns, drop_question_mismatch), 1);
    T_EQ(CTR_GET(C, dns, drop_bad_src), 2);  /* wrong port, wrong address */
    T_EQ(CTR_GET(C, dns, answers), 1);
    teardown();
}

TEST(rfc9267_hostile_answers)
{
    setup("2001:db8:1::c/64", NULL, true);
    SRV.hostile = H_LOOP | H_LABEL | H_LONG | H_COUNT;
    struct result r;
    T_CHECK(lookup("www.example.test", AF_INET6, 0, &r, 5 * SEC) > 0);
    T_EQ(r.err, 0);
    T_EQ(r.n, 1);
    T_STREQ(r.addr[0], "2001:db8:2::80");
    T_EQ(CTR_GET(C, dns, drop_compression_loop), 1);
    T_EQ(CTR_GET(C, dns, drop_label_too_long), 1);
    T_EQ(CTR_GET(C, dns, drop_name_too_long), 1);
    T_EQ(CTR_GET(C, dns, drop_bad_count), 1);
    uint64_t v;
    T_EQ(six_counter_by_name(&C->ctr, "dns.drop_compression_loop", &v), 0);
    T_EQ(v, 1);
    teardown();
}

/* 400 answers with random damage, each followed by the real one: never a crash
 * (the SAN build checks every access), always an outcome. */
TEST(mutated_answers)
{
    setup("2001:db8:1::c/64", NULL, true);
    SRV.hostile = H_MUTATE;
    struct result r;
    int got = 0;
    for (int i = 0; i < 400; i++) {
        resolver_cache_flush(C);
        T_CHECK(lookup("www.example.test", AF_INET6, 0, &r, 10 * SEC) > 0);
        T_CHECK(r.done);
        got += r.err == 0 && r.n >= 1;
    }
    uint64_t drops = 0;
    for (const char *const *n = (const char *const[]){ "dns.drop_truncated", "dns.drop_bad_count", "dns.drop_question_mismatch",
                                                        "dns.drop_not_response", "dns.drop_bad_rdlen", "dns.drop_trailing_data",
                                                        "dns.drop_rdata_overrun", "dns.drop_label_too_long", NULL }; *n; n++) {
        uint64_t v = 0;
        T_EQ(six_counter_by_name(&C->ctr, *n, &v), 0);
        drops += v;
    }
    T_CHECK(drops >= 100);
    T_CHECK(got >= 300);
    teardown();
}

TEST(rdnss_from_ra)
{
    setup(NULL, NULL, false);
    T_EQ(scene_cmd(S, NULL, "set forwarding on"), 0);
    T_EQ(scene_cmd(S, NULL, "ra dev eth0 prefix 2001:db8:1::/64 rdnss 2001:db8:1::53 interval 3 10"), 0);
    sim_run_for(W, 8 * SEC);
    struct resolver_server_info si[4];
    T_EQ(resolver_servers(C, si, 4), 1);
    T_CHECK(si[0].from_ra);
    struct result r;
    T_CHECK(lookup("v6.example.test", AF_INET6, 0, &r, 5 * SEC) > 0);
    T_EQ(r.err, 0);
    T_EQ(r.n, 1);
    T_STREQ(r.addr[0], "2001:db8:2::86");
    /* a configured server takes precedence */
    T_EQ(scene_cmd(C, NULL, "dns server add 2001:db8:1::54"), 0);
    T_EQ(resolver_servers(C, si, 4), 1);
    T_CHECK(!si[0].from_ra);
    struct cmd_out out;
    cmd_out_init(&out);
    T_EQ(scene_cmd(C, &out, "dns show"), 0);
    T_CHECK(out.buf && strstr(out.buf, "2001:db8:1::54"));
    T_EQ(scene_cmd(C, NULL, "dns server del 2001:db8:1::54"), 0);
    T_EQ(scene_cmd(C, NULL, "dns server del 2001:db8:1::54"), 1);
    cmd_out_reset(&out);
    T_EQ(scene_cmd(C, &out, "dns show"), 0);
    T_CHECK(out.buf && strstr(out.buf, "2001:db8:1::53 port 53 (rdnss)"));
    cmd_out_free(&out);
    teardown();
}

TEST(no_server_literals_and_bad_input)
{
    setup("2001:db8:1::c/64", "192.0.2.3/24", false);
    struct result r;
    T_EQ(lookup("www.example.test", AF_UNSPEC, 0, &r, SEC), 0);
    T_EQ(r.err, EAI_FAIL);
    /* literals and NULL node answer at once, without DNS */
    T_EQ(lookup("2001:db8::1", AF_UNSPEC, 0, &r, SEC), 0);
    T_EQ(r.err, 0);
    T_EQ(r.n, 1);
    T_STREQ(r.addr[0], "2001:db8::1");
    T_EQ(lookup("fe80::1%eth0", AF_UNSPEC, 0, &r, SEC), 0);
    T_EQ(r.n, 1);
    T_EQ(lookup("fe80::1%nope", AF_UNSPEC, AI_NUMERICHOST, &r, SEC), 0);
    T_EQ(r.err, EAI_NONAME);
    T_EQ(lookup("fe80::1%1", AF_UNSPEC, AI_NUMERICHOST, &r, SEC), 0);   /* a zone index: digits only */
    T_EQ(r.n, 1);
    T_EQ(lookup("fe80::1%+1", AF_UNSPEC, AI_NUMERICHOST, &r, SEC), 0);
    T_EQ(r.err, EAI_NONAME);
    T_EQ(lookup("fe80::1% 1", AF_UNSPEC, AI_NUMERICHOST, &r, SEC), 0);
    T_EQ(r.err, EAI_NONAME);
    T_EQ(lookup("192.0.2.9", AF_INET6, 0, &r, SEC), 0);
    T_EQ(r.err, EAI_ADDRFAMILY);
    T_EQ(lookup("192.0.2.9", AF_INET6, AI_V4MAPPED, &r, SEC), 0);
    T_STREQ(r.addr[0], "::ffff:192.0.2.9");
    T_EQ(lookup("www.example.test", AF_UNSPEC, AI_NUMERICHOST, &r, SEC), 0);
    T_EQ(r.err, EAI_NONAME);
    T_EQ(lookup("localhost", AF_UNSPEC, 0, &r, SEC), 0);
    T_EQ(r.n, 2);
    T_STREQ(r.addr[0], "::1");
    T_STREQ(r.addr[1], "127.0.0.1");
    T_EQ(lookup("a..b", AF_UNSPEC, 0, &r, SEC), 0);
    T_EQ(r.err, EAI_NONAME);
    char longname[300];
    memset(longname, 'a', sizeof longname - 1);
    longname[sizeof longname - 1] = 0;
    T_EQ(lookup(longname, AF_UNSPEC, 0, &r, SEC), 0);
    T_EQ(r.err, EAI_NONAME);
    /* NULL node, AI_PASSIVE; services */
    struct addrinfo h = { .ai_family = AF_INET6, .ai_flags = AI_PASSIVE };
    memset(&r, 0, sizeof r);
    T_EQ(six_getaddrinfo(C, NULL, "http", &h, gai_cb, &r), 0);
    T_EQ(r.n, 2);   /* stream and datagram */
    T_STREQ(r.addr[0], "::");
    T_EQ(six_getaddrinfo(C, NULL, NULL, &h, gai_cb, &r), EAI_NONAME);
    T_EQ(six_getaddrinfo(C, "x", "80", &(struct addrinfo){ .ai_flags = 0x40000 }, gai_cb, &r), EAI_BADFLAGS);
    T_EQ(six_getaddrinfo(C, "x", "80", &(struct addrinfo){ .ai_family = AF_UNIX }, gai_cb, &r), EAI_FAMILY);
    T_EQ(six_getaddrinfo(C, "x", "80", &(struct addrinfo){ .ai_socktype = 99 }, gai_cb, &r), EAI_SOCKTYPE);
    memset(&r, 0, sizeof r);
    T_EQ(six_getaddrinfo(C, "::1", "99999", NULL, gai_cb, &r), 0);
    T_EQ(r.err, EAI_SERVICE);
    T_EQ(six_getaddrinfo(C, "::1", "http", &(struct addrinfo){ .ai_flags = AI_NUMERICSERV }, gai_cb, &r), 0);
    T_EQ(r.err, EAI_NONAME);
    teardown();
}

struct nres { bool done; int err; char host[256], serv[16]; };

static void gni_cb(void *arg, int err, const char *host, const char *serv)
{
    struct nres *n = arg;
    n->done = true;
    n->err = err;
    snprintf(n->host, sizeof n->host, "%s", host ? host : "");
    snprintf(n->serv, sizeof n->serv, "%s", serv ? serv : "");
}

static bool nres_done(void *arg) { return ((struct nres *)arg)->done; }

TEST(getnameinfo_numeric_and_ptr)
{
    setup("2001:db8:1::c/64", NULL, true);
    struct sockaddr_in6 sa = { .sin6_family = AF_INET6, .sin6_port = htons(443) };
    inet_pton(AF_INET6, "2001:db8:2::80", &sa.sin6_addr);
    char host[256], serv[16];
    T_EQ(six_getnameinfo(C, (struct sockaddr *)&sa, sizeof sa, host, sizeof host, serv, sizeof serv, NI_NUMERICHOST), 0);
    T_STREQ(host, "2001:db8:2::80");
    T_STREQ(serv, "443");
    T_EQ(six_getnameinfo(C, (struct sockaddr *)&sa, sizeof sa, host, 4, NULL, 0, NI_NUMERICHOST), EAI_OVERFLOW);
    T_EQ(six_getnameinfo(C, (struct sockaddr *)&sa, sizeof sa, host, sizeof host, NULL, 0, NI_NAMEREQD), EAI_AGAIN);
    struct nres n = { 0 };
    T_CHECK(six_getnameinfo_async(C, (struct sockaddr *)&sa, sizeof sa, 0, gni_cb, &n) > 0);
    sim_run_while_not(W, nres_done, &n, 5 * SEC);
    T_EQ(n.err, 0);
    T_STREQ(n.host, "www.example.test");
    T_STREQ(n.serv, "443");
    /* cached: the synchronous form now knows it */
    T_EQ(six_getnameinfo(C, (struct sockaddr *)&sa, sizeof sa, host, sizeof host, NULL, 0, NI_NAMEREQD), 0);
    T_STREQ(host, "www.example.test");
    /* no PTR: numeric, or EAI_NONAME under NI_NAMEREQD */
    inet_pton(AF_INET6, "2001:db8:2::99", &sa.sin6_addr);
    memset(&n, 0, sizeof n);
    T_CHECK(six_getnameinfo_async(C, (struct sockaddr *)&sa, sizeof sa, 0, gni_cb, &n) > 0);
    sim_run_while_not(W, nres_done, &n, 5 * SEC);
    T_EQ(n.err, 0);
    T_STREQ(n.host, "2001:db8:2::99");
    memset(&n, 0, sizeof n);
    T_EQ(six_getnameinfo_async(C, (struct sockaddr *)&sa, sizeof sa, NI_NAMEREQD, gni_cb, &n), 0);   /* neg cache */
    T_EQ(n.err, EAI_NONAME);
    teardown();
}

TEST(cache_lru_bound)
{
    setup("2001:db8:1::c/64", "192.0.2.3/24", true);
    struct result r;
    for (int i = 0; i < 300; i++) {
        char name[64];
        snprintf(name, sizeof name, "h%d.example.test", i);
        T_CHECK(lookup(name, AF_INET, 0, &r, 5 * SEC) > 0);
        T_EQ(r.n, 1);
    }
    struct resolver_stats rs;
    resolver_stats(C, &rs);
    T_EQ(rs.cache_pos, RES_CACHE_POS);
    T_EQ(CTR_GET(C, dns, cache_evicted), 300 - RES_CACHE_POS);
    /* h0 went first (least recently used), h299 is still there */
    T_EQ(lookup("h299.example.test", AF_INET, 0, &r, SEC), 0);
    T_CHECK(lookup("h0.example.test", AF_INET, 0, &r, 5 * SEC) > 0);
    teardown();
}

TEST(cancel_and_destroy_with_lookups_pending)
{
    setup("2001:db8:1::c/64", NULL, true);
    SRV.silent = true;
    struct result r = { 0 };
    int h = six_getaddrinfo(C, "www.example.test", NULL, NULL, gai_cb, &r);
    T_CHECK(h > 0);
    six_getaddrinfo_cancel(C, h);
    sim_run_for(W, 5 * SEC);
    T_EQ(r.calls, 0);
    /* a pending `resolve` abandoned by its client (scene cancels it on timeout) */
    T_EQ(scene_cmd_wait(W, C, NULL, 500 * MS, "resolve www.example.test"), -1);
    struct resolver_stats rs;
    resolver_stats(C, &rs);
    T_EQ(rs.in_flight, 0);
    /* destroying the stack with a lookup under way frees it (SAN: no leak), no callback */
    h = six_getaddrinfo(C, "v6.example.test", NULL, NULL, gai_cb, &r);
    T_CHECK(h > 0);
    sim_run_for(W, 100 * MS);
    teardown();
    T_EQ(r.calls, 0);
}

TEST(sixctl_verbs)
{
    setup("2001:db8:1::c/64", "192.0.2.3/24", true);
    struct cmd_out out;
    cmd_out_init(&out);
    T_EQ(scene_cmd_wait(W, C, &out, 5 * SEC, "resolve www.example.test"), 0);
    T_STREQ(out.buf, "2001:db8:2::80\n192.0.2.80\n198.51.100.80\n");
    cmd_out_reset(&out);
    T_EQ(scene_cmd_wait(W, C, &out, 5 * SEC, "resolve www.example.test -4"), 0);   /* from the cache */
    T_STREQ(out.buf, "192.0.2.80\n198.51.100.80\n");
    cmd_out_reset(&out);
    T_EQ(scene_cmd(C, &out, "resolve"), 2);
    T_EQ(scene_cmd(C, NULL, "dns server add nonsense"), 2);
    T_EQ(scene_cmd(C, NULL, "dns server add 2001:db8:1::53"), 1);   /* already there */
    T_EQ(scene_cmd(C, NULL, "dns server add 192.0.2.53 port 5353"), 0);
    /* JSON */
    char *argv[] = { "dns", "show" };
    struct cmd_out err;
    cmd_out_init(&err);
    struct cmd_ctx c = { .st = C, .json = true, .out = &out, .err = &err };
    T_EQ(six_cmd_exec(&c, 2, argv), 0);
    T_CHECK(out.buf && strstr(out.buf, "{\"servers\":[{\"addr\":\"2001:db8:1::53\",\"port\":53,\"source\":\"config\"},"
                                       "{\"addr\":\"192.0.2.53\",\"port\":5353,\"source\":\"config\"}],"
                                       "\"cache\":{\"positive\":2,"));
    cmd_out_free(&err);
    cmd_out_free(&out);
    teardown();
}

int main(void)
{
    RUN(order_dual_stack);
    RUN(order_ipv6_only_and_ipv4_only);
    RUN(order_ula_vs_global);
    RUN(cname_chain);
    RUN(nxdomain_negative_cache);
    RUN(tc_tcp_fallback);
    RUN(timeout_next_server);
    RUN(forged_answers_dropped);
    RUN(rfc9267_hostile_answers);
    RUN(mutated_answers);
    RUN(rdnss_from_ra);
    RUN(no_server_literals_and_bad_input);
    RUN(getnameinfo_numeric_and_ptr);
    RUN(cache_lru_bound);
    RUN(cancel_and_destroy_with_lookups_pending);
    RUN(sixctl_verbs);
    return t_done();
}
