/* The RFC 2136 update client (src/dns/dnsu*.c) on the simulator: stack a
 * runs the client, stack b a small primary written here over b's UDP socket
 * (it checks each update's TSIG with the key, answers signed over the
 * request MAC, and can stay silent, refuse with BADSIG or send forgeries
 * first). Cases: an add with its PTR step and a delete, their exact update
 * sections; retransmission with backoff, then -ETIMEDOUT after DNSU_MAX_RC;
 * forged answers (wrong id, unsigned, bad MAC, wrong zone, wrong port, not a
 * response) each counted while the right answer is still taken; the
 * server's BADSIG answers counted and retried, the job ending NOTAUTH;
 * updates of one name in order while another name goes ahead; the queue
 * cap; stop and destroy with jobs pending; the sixctl verbs. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include "../lib/t.h"
#include "../lib/simstack.h"
#include "core/timer.h"
#include "ctl/scene.h"
#include "dns/dnsu.h"
#include "dns/dnsu_tsig.h"
#include "link/sim.h"
#include "net/stack.h"
#include "six/socket.h"
#include "wire/bytes.h"
#include "wire/dns.h"

#define MS (1000000ull)
#define SEC (1000000000ull)

static struct sim_world *W;
static struct six_stack *A, *B;
static struct dnsu_key KEY;

/* ------------------------------------------------------------ the primary */

enum { F_WRONG_ID = 1, F_UNSIGNED = 2, F_BAD_MAC = 4, F_WRONG_ZONE = 8, F_WRONG_PORT = 16, F_QUERY = 32 };

struct seen { char name[DNS_TEXT_MAX]; char zone[DNS_TEXT_MAX]; uint16_t type, class; uint32_t ttl; uint8_t rd[64];
              uint16_t rdlen; unsigned msg; };

static struct primary {
    int udp, alt;
    struct timer t;
    unsigned msgs, bad_tsig;       /* updates received; ones whose TSIG did not verify */
    unsigned silent;               /* drop this many more */
    bool badsig;                   /* answer NOTAUTH + TSIG BADSIG, unsigned */
    unsigned forge;                /* F_* forgeries before the answer */
    struct seen rr[64];            /* update-section RRs of every message, in arrival order */
    unsigned n_rr;
} P;

static void send_to(int sd, const uint8_t *m, size_t n, const struct sockaddr_in6 *to)
{
    six_sendto(B, sd, m, n, 0, (const struct sockaddr *)to, sizeof *to);
}

/* The answer to req: header, its zone, signed over the request MAC. */
static size_t answer(const uint8_t *req, size_t rlen, const struct dns_tsig *rt, uint16_t flags, bool sign,
                     uint16_t tsig_error, uint8_t *out, size_t cap)
{
    struct dns_iter it;
    struct dns_question q;
    bool done;
    dns_iter_init(&it, req, rlen, DNS_ITER_ALLOW_TRAILING);
    dns_iter_question(&it, &q, &done);
    struct dns_builder b;
    dns_build_init(&b, out, cap, rd16(req), flags);
    dns_build_question(&b, q.name, q.name_len, DNS_TYPE_SOA, DNS_CLASS_IN);
    size_t n = dns_build_done(&b);
    struct dns_tsig t = *rt;
    t.error = tsig_error;
    t.orig_id = rd16(req);
    t.other_len = 0;
    t.mac_len = 0;
    uint8_t mac[DNSU_MAC_MAX];
    if (sign) {
        static uint8_t scratch[DNS_MAX_MSG + 1024];
        t.rr_off = n;
        size_t dl = dns_tsig_digest_input(scratch, sizeof scratch, out, n, &t, rt->mac, rt->mac_len);
        size_t ml;
        T_CHECK(dl > 0 && dnsu_hmac(&KEY, scratch, dl, mac, &ml));
        t.mac = mac;
        t.mac_len = (uint16_t)ml;
    }
    return dns_tsig_append(out, n, cap, &t);
}

static void record(const uint8_t *m, size_t n)
{
    struct dns_iter it;
    struct dns_question q;
    struct dns_rr rr;
    bool done;
    if (dns_iter_init(&it, m, n, 0) != DNS_OK || dns_iter_question(&it, &q, &done) != DNS_OK)
        return;
    char zone[DNS_TEXT_MAX];
    dns_name_to_text(q.name, q.name_len, zone, sizeof zone);
    while (dns_iter_rr(&it, &rr, &done) == DNS_OK && !done) {
        if (rr.section != DNS_SEC_AUTHORITY || P.n_rr >= 64)
            continue;
        struct seen *s = &P.rr[P.n_rr++];
        dns_name_to_text(rr.name, rr.name_len, s->name, sizeof s->name);
        snprintf(s->zone, sizeof s->zone, "%s", zone);
        s->type = rr.type;
        s->class = rr.class;
        s->ttl = rr.ttl;
        s->rdlen = rr.rdlen < 64 ? rr.rdlen : 64;
        memcpy(s->rd, m + rr.rdata_off, s->rdlen);
        s->msg = P.msgs;
    }
}

static void forgeries(const uint8_t *req, size_t n, const struct dns_tsig *t, const struct sockaddr_in6 *from)
{
    uint8_t m[1024];
    size_t l;
    uint16_t ok = DNS_FLAG_QR | DNS_OPCODE_UPDATE << 11;
    if (P.forge & F_WRONG_ID) {
        l = answer(req, n, t, ok, true, 0, m, sizeof m);
        wr16(m, (uint16_t)(rd16(m) + 1));
        send_to(P.udp, m, l, from);
    }
    if (P.forge & F_UNSIGNED) {
        struct dns_builder b;
        dns_build_init(&b, m, sizeof m, rd16(req), ok);
        size_t zl = 0;
        uint8_t z[DNS_MAX_NAME];
        dns_name_from_text("example.test", z, &zl);
        dns_build_question(&b, z, zl, DNS_TYPE_SOA, DNS_CLASS_IN);
        send_to(P.udp, m, dns_build_done(&b), from);
    }
    if (P.forge & F_BAD_MAC) {
        l = answer(req, n, t, ok, true, 0, m, sizeof m);
        m[l - 10] ^= 1;                            /* a MAC octet */
        send_to(P.udp, m, l, from);
    }
    if (P.forge & F_WRONG_ZONE) {
        l = answer(req, n, t, ok, true, 0, m, sizeof m);
        m[DNS_HDR_LEN + 1] ^= 0x20;                /* "Example": same zone, case folded */
        m[DNS_HDR_LEN + 2] ^= 1;                   /* "exbmple": another zone */
        send_to(P.udp, m, l, from);
    }
    if (P.forge & F_WRONG_PORT) {
        l = answer(req, n, t, ok, true, 0, m, sizeof m);
        send_to(P.alt, m, l, from);
    }
    if (P.forge & F_QUERY) {
        l = answer(req, n, t, DNS_OPCODE_UPDATE << 11, true, 0, m, sizeof m);
        send_to(P.udp, m, l, from);
    }
}

static void primary_run(struct timer *tm, void *arg)
{
    static uint8_t scratch[DNS_MAX_MSG + 1024];
    uint8_t b[2048], out[1024];
    struct sockaddr_in6 from;
    for (;;) {
        socklen_t fl = sizeof from;
        ssize_t n = six_recvfrom(B, P.udp, b, sizeof b, 0, (struct sockaddr *)&from, &fl);
        if (n < 0)
            return;
        struct dns_tsig t;
        bool found;
        if (dns_tsig_find(b, (size_t)n, &t, &found) != DNS_OK || !found)
            continue;
        size_t dl = dns_tsig_digest_input(scratch, sizeof scratch, b, (size_t)n, &t, NULL, 0);
        uint8_t mac[DNSU_MAC_MAX];
        size_t ml;
        if (!dl || !dnsu_hmac(&KEY, scratch, dl, mac, &ml) || ml != t.mac_len || memcmp(mac, t.mac, ml))
            P.bad_tsig++;
        P.msgs++;
        if (P.silent) {
            P.silent--;
            continue;
        }
        record(b, (size_t)n);
        forgeries(b, (size_t)n, &t, &from);
        uint16_t fl2 = DNS_FLAG_QR | DNS_OPCODE_UPDATE << 11;
        size_t l = P.badsig ? answer(b, (size_t)n, &t, fl2 | DNS_RCODE_NOTAUTH, false, DNS_TSIG_BADSIG, out, sizeof out)
                            : answer(b, (size_t)n, &t, fl2, true, 0, out, sizeof out);
        send_to(P.udp, out, l, &from);
    }
}

static void primary_wake(void *arg, int sd, short ev)
{
    if (!timer_pending(&P.t))
        timer_arm(B->tw, &P.t, 0);
}

static void setup(void)
{
    W = sim_world_create(7);
    struct sim_link_params p = { .delay_ns = 1 * MS };
    T_CHECK(sim_pair_dual(W, 100, 0, &p, &A, &B) != NULL);
    memset(&P, 0, sizeof P);
    timer_init(&P.t, primary_run, NULL);
    int off = 0;
    struct sockaddr_in6 a53 = { .sin6_family = AF_INET6, .sin6_port = htons(53) };
    P.udp = six_socket(B, AF_INET6, SOCK_DGRAM, 0);
    six_setsockopt(B, P.udp, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off);
    T_EQ(six_bind(B, P.udp, (struct sockaddr *)&a53, sizeof a53), 0);
    six_sock_set_callback(B, P.udp, primary_wake, NULL);
    P.alt = six_socket(B, AF_INET6, SOCK_DGRAM, 0);
    six_setsockopt(B, P.alt, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off);
    memset(&KEY, 0, sizeof KEY);
    dns_name_from_text("upd-key", KEY.name, &KEY.name_len);
    KEY.alg = DNSU_HMAC_SHA256;
    for (int i = 0; i < 32; i++)
        KEY.secret[i] = (uint8_t)(0x40 + i);
    KEY.secret_len = 32;
}

static void teardown(void)
{
    timer_cancel(&P.t);
    six_stack_destroy(A);
    six_stack_destroy(B);
    sim_world_destroy(W);
}

static void configure(const char *reverse, uint32_t ttl)
{
    struct dnsu_config c;
    memset(&c, 0, sizeof c);
    struct sockaddr_in *s4 = (struct sockaddr_in *)&c.server;
    s4->sin_family = AF_INET;
    inet_pton(AF_INET, "192.0.2.2", &s4->sin_addr);
    snprintf(c.zone, sizeof c.zone, "example.test");
    snprintf(c.reverse, sizeof c.reverse, "%s", reverse);
    snprintf(c.key_name, sizeof c.key_name, "upd-key");
    c.alg = DNSU_HMAC_SHA256;
    memcpy(c.secret, KEY.secret, 32);
    c.secret_len = 32;
    c.ttl = ttl;
    char why[160] = "";
    T_EQ(dnsu_configure(A, &c, why, sizeof why), 0);
    if (why[0])
        fprintf(stderr, "  configure: %s\n", why);
}

/* results of done callbacks, by job */
static int RES[8200];
static unsigned NRES;
static void done_cb(void *arg, int result)
{
    int *slot = arg;
    *slot = result;
    NRES++;
}

static struct in_addr v4(const char *s)
{
    struct in_addr a;
    inet_pton(AF_INET, s, &a);
    return a;
}

#define CTR(n) CTR_GET(A, dnsu, n)

/* ------------------------------------------------------------ cases */

TEST(add_and_delete_with_ptr)
{
    setup();
    configure("2.0.192.in-addr.arpa", 0);              /* ttl 0: 60 */
    RES[0] = RES[1] = 99;
    T_EQ(dnsu_add_a(A, "Host1.example.test", v4("192.0.2.10"), 3600, done_cb, &RES[0]), 0);
    T_EQ(RES[0], 99);                                  /* never inside the call */
    sim_run_for(W, 1 * SEC);
    T_EQ(RES[0], 0);
    T_EQ(P.bad_tsig, 0);
    if (P.msgs != 2)
        fprintf(stderr, "  sent %llu send_errors %llu drops %llu %llu %llu %llu\n", (unsigned long long)CTR(sent),
                (unsigned long long)CTR(send_errors), (unsigned long long)CTR(drop_bad_src),
                (unsigned long long)CTR(drop_zone_mismatch), (unsigned long long)CTR(drop_bad_mac),
                (unsigned long long)CTR(drop_malformed));
    T_EQ(P.msgs, 2);                                   /* the A, then the PTR */
    T_EQ(P.n_rr, 4);
    /* A: delete the RRset (ANY, TTL 0, no rdata), add the record (IN, TTL min(60, 3600)) */
    T_STREQ(P.rr[0].zone, "example.test");
    T_STREQ(P.rr[0].name, "Host1.example.test");
    T_CHECK(P.rr[0].type == DNS_TYPE_A && P.rr[0].class == DNS_CLASS_ANY && P.rr[0].ttl == 0 && P.rr[0].rdlen == 0);
    T_CHECK(P.rr[1].type == DNS_TYPE_A && P.rr[1].class == DNS_CLASS_IN && P.rr[1].ttl == 60 && P.rr[1].rdlen == 4);
    T_MEMEQ(P.rr[1].rd, "\xc0\x00\x02\x0a", 4);
    /* PTR in the reverse zone */
    T_STREQ(P.rr[2].zone, "2.0.192.in-addr.arpa");
    T_STREQ(P.rr[2].name, "10.2.0.192.in-addr.arpa");
    T_CHECK(P.rr[2].type == DNS_TYPE_PTR && P.rr[2].class == DNS_CLASS_ANY);
    T_CHECK(P.rr[3].type == DNS_TYPE_PTR && P.rr[3].class == DNS_CLASS_IN && P.rr[3].ttl == 60);
    T_EQ(CTR(acked), 1);
    T_EQ(CTR(sent), 2);

    /* delete: the one record (class NONE), then its PTR (class NONE, the name as rdata) */
    P.n_rr = 0;
    T_EQ(dnsu_delete_a(A, "host1.example.test", v4("192.0.2.10"), done_cb, &RES[1]), 0);
    sim_run_for(W, 1 * SEC);
    T_EQ(RES[1], 0);
    T_EQ(P.n_rr, 2);
    T_CHECK(P.rr[0].type == DNS_TYPE_A && P.rr[0].class == DNS_CLASS_NONE && P.rr[0].ttl == 0 && P.rr[0].rdlen == 4);
    T_MEMEQ(P.rr[0].rd, "\xc0\x00\x02\x0a", 4);
    T_CHECK(P.rr[1].type == DNS_TYPE_PTR && P.rr[1].class == DNS_CLASS_NONE && P.rr[1].rdlen == 20);
    T_MEMEQ(P.rr[1].rd, "\5host1\7example\4test", 20);

    /* outside the zone, outside the reverse zone (no PTR step) */
    T_EQ(dnsu_add_a(A, "host1.example.org", v4("192.0.2.10"), 60, done_cb, &RES[2]), -EINVAL);
    P.msgs = 0;
    T_EQ(dnsu_add_a(A, "host2.example.test", v4("198.51.100.7"), 60, done_cb, &RES[2]), 0);
    sim_run_for(W, 1 * SEC);
    T_EQ(RES[2], 0);
    T_EQ(P.msgs, 1);
    teardown();
}

TEST(retransmit_then_timeout)
{
    setup();
    configure("", 300);
    P.silent = 2;
    RES[0] = 99;
    T_EQ(dnsu_add_a(A, "h.example.test", v4("192.0.2.20"), 30, done_cb, &RES[0]), 0);
    sim_run_for(W, 2500 * MS);                          /* 1 s + 2 s: the third try not yet sent */
    T_EQ(RES[0], 99);
    T_EQ(P.msgs, 2);
    sim_run_for(W, 1 * SEC);
    T_EQ(RES[0], 0);
    T_EQ(P.msgs, 3);
    T_EQ(CTR(retransmits), 2);
    T_EQ(P.rr[1].ttl, 30);                              /* min(300, 30) */
    /* silent for good: five tries over 1+2+4+8+16 s, then -ETIMEDOUT */
    P.silent = 100;
    P.msgs = 0;
    RES[1] = 99;
    T_EQ(dnsu_add_a(A, "h.example.test", v4("192.0.2.21"), 30, done_cb, &RES[1]), 0);
    sim_run_for(W, 30 * SEC);
    T_EQ(P.msgs, DNSU_MAX_RC);
    T_EQ(RES[1], 99);                                   /* still waiting for the last */
    sim_run_for(W, 2 * SEC);
    T_EQ(RES[1], -ETIMEDOUT);
    T_EQ(CTR(timeouts), 1);
    teardown();
}

TEST(forged_answers_dropped)
{
    setup();
    configure("", 60);
    P.forge = F_WRONG_ID | F_UNSIGNED | F_BAD_MAC | F_WRONG_ZONE | F_WRONG_PORT | F_QUERY;
    RES[0] = 99;
    T_EQ(dnsu_add_a(A, "f.example.test", v4("192.0.2.30"), 60, done_cb, &RES[0]), 0);
    sim_run_for(W, 500 * MS);
    T_EQ(RES[0], 0);
    T_EQ(CTR(sent), 1);                                 /* the right answer taken on the first try */
    T_EQ(CTR(drop_id_mismatch), 1);
    T_EQ(CTR(drop_unsigned), 1);
    T_EQ(CTR(drop_bad_mac), 1);
    T_EQ(CTR(drop_zone_mismatch), 1);
    T_EQ(CTR(drop_bad_src), 1);
    T_EQ(CTR(drop_not_response), 1);
    T_EQ(CTR(acked), 1);
    teardown();
}

/* An unsigned BADSIG (RFC 8945 §5.3.2) carries no MAC: anyone who sees the
 * request can forge one. It must not cut the attempt short (the old code
 * retried at once and ended the update after five such packets in a second,
 * losing the primary's real answer): the retransmission schedule runs as for
 * silence, and only when every attempt is over does the refusal name the
 * failure (NOTAUTH), each BADSIG counted. */
TEST(unsigned_badsig_waits_then_notauth)
{
    setup();
    configure("", 60);
    P.badsig = true;
    RES[0] = 99;
    T_EQ(dnsu_add_a(A, "b.example.test", v4("192.0.2.40"), 60, done_cb, &RES[0]), 0);
    sim_run_for(W, 900 * MS);
    T_EQ(RES[0], 99);                                   /* not over after one unsigned refusal */
    T_EQ(P.msgs, 1);
    T_EQ(CTR(tsig_badsig), 1);
    sim_run_for(W, 40 * SEC);                           /* 1 + 2 + 4 + 8 + 16 s of attempts */
    T_EQ(RES[0], DNS_RCODE_NOTAUTH);
    T_EQ(P.msgs, DNSU_MAX_RC);
    T_EQ(CTR(tsig_badsig), DNSU_MAX_RC);
    T_EQ(CTR(acked), 0);
    teardown();
}

TEST(one_name_in_order)
{
    setup();
    configure("", 60);
    P.silent = 1;                                       /* the first message (h1 add) is lost */
    T_EQ(dnsu_add_a(A, "h1.example.test", v4("192.0.2.1"), 60, done_cb, &RES[0]), 0);
    T_EQ(dnsu_delete_a(A, "H1.example.test", v4("192.0.2.1"), done_cb, &RES[1]), 0);
    T_EQ(dnsu_add_a(A, "h2.example.test", v4("192.0.2.2"), 60, done_cb, &RES[2]), 0);
    sim_run_for(W, 3 * SEC);
    T_EQ(NRES >= 3, 1);
    /* recorded (answered) messages: h2 add went ahead while h1 add waited
     * for its retransmission; h1 delete only after h1 add was answered */
    T_EQ(P.n_rr, 5);
    T_STREQ(P.rr[0].name, "h2.example.test");
    T_STREQ(P.rr[2].name, "h1.example.test");
    T_EQ(P.rr[3].class, DNS_CLASS_IN);
    T_STREQ(P.rr[4].name, "H1.example.test");
    T_EQ(P.rr[4].class, DNS_CLASS_NONE);
    teardown();
}

TEST(queue_cap_stop_destroy)
{
    setup();
    configure("", 60);
    P.silent = 1000000;
    NRES = 0;
    char name[64];
    unsigned n = 0;
    int r = 0;
    for (; n < DNSU_MAX_QUEUE + 100; n++) {
        snprintf(name, sizeof name, "q%u.example.test", n);
        if ((r = dnsu_add_a(A, name, v4("192.0.2.50"), 60, done_cb, &RES[n])) < 0)
            break;
    }
    /* the queue holds DNSU_MAX_QUEUE; the first ones leave it once the event loop starts them */
    T_EQ(n, DNSU_MAX_QUEUE);
    T_EQ(r, -ENOBUFS);
    T_EQ(CTR(drop_queue_full), 1);
    sim_run_for(W, 100 * MS);
    struct dnsu_info in;
    dnsu_info(A, &in);
    T_EQ(in.inflight, 8);
    T_EQ(in.queued, DNSU_MAX_QUEUE - 8);
    T_EQ(dnsu_add_a(A, "late.example.test", v4("192.0.2.51"), 60, done_cb, &RES[n]), 0);
    T_EQ(dnsu_stop(A), 0);
    T_EQ(NRES, DNSU_MAX_QUEUE + 1);                     /* every one told: -ECANCELED */
    T_EQ(RES[0], -ECANCELED);
    T_EQ(RES[n], -ECANCELED);
    T_CHECK(!dnsu_running(A));
    T_EQ(dnsu_add_a(A, "x.example.test", v4("192.0.2.52"), 60, done_cb, &RES[0]), -ENOTCONN);
    /* destroy with jobs in flight: no callback, nothing left behind (SAN) */
    configure("", 60);
    NRES = 0;
    T_EQ(dnsu_add_a(A, "d.example.test", v4("192.0.2.53"), 60, done_cb, &RES[0]), 0);
    sim_run_for(W, 100 * MS);
    teardown();
    T_EQ(NRES, 0);
}

TEST(bad_config)
{
    setup();
    struct dnsu_config c;
    char why[160];
    memset(&c, 0, sizeof c);
    c.server.ss_family = AF_INET;
    snprintf(c.zone, sizeof c.zone, "example.test");
    snprintf(c.key_name, sizeof c.key_name, "k");
    c.alg = DNSU_HMAC_SHA256;
    c.secret_len = 0;
    T_EQ(dnsu_configure(A, &c, why, sizeof why), -EINVAL);
    c.secret_len = 8;
    c.alg = 9;
    T_EQ(dnsu_configure(A, &c, why, sizeof why), -EINVAL);
    c.alg = DNSU_HMAC_SHA1;
    snprintf(c.zone, sizeof c.zone, "bad..zone");
    T_EQ(dnsu_configure(A, &c, why, sizeof why), -EINVAL);
    snprintf(c.zone, sizeof c.zone, "example.test");
    c.server.ss_family = AF_UNIX;
    T_EQ(dnsu_configure(A, &c, why, sizeof why), -EINVAL);
    T_CHECK(!dnsu_running(A));
    teardown();
}

TEST(sixctl_verbs)
{
    setup();
    /* secret: base64 of the 32 octets 0x40.. */
    const char *b64 = "QEFCQ0RFRkdISUpLTE1OT1BRUlNUVVZXWFlaW1xdXl8=";
    T_EQ(scene_cmd(A, NULL, "dstm update server 192.0.2.2 zone example.test key upd-key hmac-sha256 %s ttl 90", b64), 0);
    T_EQ(scene_cmd(A, NULL, "dstm update add web.example.test 192.0.2.60"), 0);
    sim_run_for(W, 1 * SEC);
    T_EQ(P.bad_tsig, 0);
    T_EQ(P.n_rr, 2);
    T_EQ(P.rr[1].ttl, 90);
    T_EQ(scene_cmd(A, NULL, "dstm update add web.example.test 192.0.2.60 ttl 10"), 0);
    T_EQ(scene_cmd(A, NULL, "dstm update delete web.example.test 192.0.2.60"), 0);
    sim_run_for(W, 1 * SEC);
    T_EQ(P.rr[3].ttl, 10);
    T_EQ(P.rr[4].class, DNS_CLASS_NONE);
    T_EQ(scene_cmd(A, NULL, "dstm update add web.example.org 192.0.2.60"), 1);
    T_EQ(scene_cmd(A, NULL, "dstm update add web.example.test 300.0.2.60"), 2);
    T_EQ(scene_cmd(A, NULL, "dstm update server 192.0.2.2 zone example.test key k hmac-md5 %s", b64), 2);
    T_EQ(scene_cmd(A, NULL, "dstm update server 192.0.2.2 zone example.test key k hmac-sha1 not-base64!"), 2);
    T_EQ(scene_cmd(A, NULL, "dstm update server 192.0.2.2 zone example.test"), 2);
    T_EQ(scene_cmd(A, NULL, "dstm update show"), 0);
    T_EQ(scene_cmd(A, NULL, "dstm update off"), 0);
    T_EQ(scene_cmd(A, NULL, "dstm update add web.example.test 192.0.2.60"), 1);
    teardown();
}

int main(void)
{
    RUN(add_and_delete_with_ptr);
    RUN(retransmit_then_timeout);
    RUN(forged_answers_dropped);
    RUN(unsigned_badsig_waits_then_notauth);
    RUN(one_name_in_order);
    RUN(queue_cap_stop_destroy);
    RUN(bad_config);
    RUN(sixctl_verbs);
    return t_done();
}
