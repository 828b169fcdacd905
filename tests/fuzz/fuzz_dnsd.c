/* The authoritative server's query path (src/dns/dnsd_answer.c): one
 * datagram from a client, as the UDP socket would hand it over. A stack is
 * built once with the zone "aiih.example.test", three hosts (one below an
 * empty non-terminal) and a provider of A and in-addr PTR data.
 * Input: flags(1) then the datagram. flags bit0: the provider refuses A
 * (the configured answer, rotating servfail/nxdomain/refused by bits 1-2);
 * bit3: the query comes from an IPv4-mapped source.
 * Invariants: an answer, when there is one, walks clean with the hardened
 * iterator, has QR set and the query's id, is at most 512 octets (or the
 * EDNS size) over UDP; a header-only answer is never longer than the query;
 * no query is left waiting (the provider is synchronous). */
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include "core/log.h"
#include "ctl/scene.h"
#include "dns/dnsd.h"
#include "dns/dnsd_int.h"
#include "link/sim.h"
#include "net/stack.h"

#define CHECK(c) do { if (!(c)) __builtin_trap(); } while (0)
int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

static struct sim_world *W;
static struct six_stack *st;
static bool refuse;

static int lookup_a(void *ctx, const struct in6_addr *v6, struct in_addr *a4, uint32_t *ttl, dnsd_a_done_fn done,
                    void *tok)
{
    if (refuse)
        return DNS_RCODE_SERVFAIL;
    a4->s_addr = htonl(0xc6336400u | v6->s6_addr[15]);   /* 198.51.100.x */
    *ttl = 30;
    return DNS_RCODE_NOERROR;
}

static bool lookup_ptr4(void *ctx, struct in_addr a4, struct in6_addr *v6, uint32_t *ttl)
{
    uint32_t a = ntohl(a4.s_addr);
    if ((a & 0xffffff00u) != 0xc6336400u)
        return false;
    inet_pton(AF_INET6, "2001:db8:1::100", v6);
    v6->s6_addr[15] = (uint8_t)a;
    *ttl = 30;
    return true;
}

static void cancel(void *ctx, void *tok) {}

static void setup(void)
{
    six_log_set_level(LOG_CRIT);
    W = sim_world_create(1);
    struct six_stack_opts o = { .name = "dnsd", .clock = sim_clock(W), .tw = sim_wheel(W), .seed = 7,
                                .n_small = 256, .n_big = 4 };
    st = six_stack_create(&o);
    if (!st)
        abort();
    sim_register_stack(W, st);
    const char *lines[] = { "dstm dns zone aiih.example.test ttl 60", "dstm dns host h1.aiih.example.test 2001:db8:1::101",
                            "dstm dns host h2.aiih.example.test 2001:db8:1::102",
                            "dstm dns host deep.sub.aiih.example.test 2001:db8:1::103" };
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++)
        if (scene_cmd(st, NULL, "%s", lines[i]) != 0)
            abort();
    struct dnsd_provider p = { .lookup_a = lookup_a, .lookup_ptr4 = lookup_ptr4, .cancel = cancel };
    dnsd_set_provider(st, &p);
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
    if (!st)
        setup();
    if (n < 1)
        return 0;
    uint8_t flags = d[0];
    d++, n--;
    refuse = flags & 1;
    static const char *exh[] = { "servfail", "nxdomain", "refused", "servfail" };
    if (scene_cmd(st, NULL, "dstm dns zone aiih.example.test ttl 60 exhausted %s", exh[(flags >> 1) & 3]) != 0)
        abort();
    struct sockaddr_in6 from = { .sin6_family = AF_INET6, .sin6_port = htons(5353) };
    if (flags & 8)
        inet_pton(AF_INET6, "::ffff:192.0.2.2", &from.sin6_addr);
    else
        inet_pton(AF_INET6, "2001:db8:1::b", &from.sin6_addr);
    const uint8_t *out;
    size_t len = dnsd_udp_answer(st, d, n, &from, &out);
    struct dnsd_info inf;
    dnsd_info(st, &inf);
    CHECK(inf.pending == 0);
    if (!len)
        return 0;
    CHECK(len >= DNS_HDR_LEN && len <= DNSD_EDNS_SIZE && n >= DNS_HDR_LEN);
    struct dns_iter it;
    CHECK(dns_iter_init(&it, out, len, 0) == DNS_OK);
    CHECK(dns_qr(&it.h));
    CHECK(it.h.id == (uint16_t)(d[0] << 8 | d[1]));
    if (it.h.qdcount == 0)
        CHECK(len <= n);   /* FORMERR / NOTIMP: header only */
    else
        CHECK(len <= 512 || it.h.arcount >= 1);   /* past 512 only with EDNS */
    struct dns_question q;
    struct dns_rr rr;
    bool done = false;
    if (it.h.qdcount)
        CHECK(dns_iter_question(&it, &q, &done) == DNS_OK);
    while (dns_iter_rr(&it, &rr, &done) == DNS_OK && !done)
        ;
    CHECK(done);
    return 0;
}
