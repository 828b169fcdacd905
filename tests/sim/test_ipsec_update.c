/* UPDATE of a live SA, from a setkey file and from PF_KEY SADB_UPDATE:
 * what the SA has lived through carries over.  Packets received before an
 * update stay refused as replays (RFC 4303 §3.4.3), the sender's counter
 * goes on, a dying SA stays dying and dies at the time its original add
 * said; new keys for a mature SA are refused (KAME), an UPDATE without
 * lifetimes keeps them, nor does one without NAT-T extensions undo NAT-T
 * (or where following the peer took the SA); a larval SA still takes
 * everything (test_pfkey_srv).  And a larval SA, which has an SPI but no
 * keys, never seals a packet for the caller that found it by SPI. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include "../lib/t.h"
#include "../lib/simstack.h"
#include "../lib/ipsec_sim.h"
#include "../lib/inject.h"
#include "ctl/scene.h"
#include "link/sim.h"
#include "link/ifnet.h"
#include "net/stack.h"
#include "ipsec/ipsec.h"
#include "ipsec/pfkey_srv.h"
#include "ipsec/sad_larval.h"
#include "core/pkt.h"
#include "six/socket.h"
#include "wire/bytes.h"

#define MS 1000000ull
#define SEC 1000000000ull
#define SPI 0x6101u
#define KEY "0x0102030405060708090a0b0c0d0e0f1011121314"
#define KEY2 "0x2122232425262728292a2b2c2d2e2f3031323334"

static const uint8_t K_GCM[20] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20 };
static const uint8_t K_GCM2[20] = { 0x21 };

static struct sim_world *W;
static struct six_stack *A, *B;
static int sa_sock, sb_sock;
static struct sockaddr_in6 to_b;

/* How a test updates the SA 0x6101 from a to b on one stack: a setkey
 * file or a PF_KEY message.  hard_s/soft_s 0 and 0: no lifetimes given. */
typedef int (*update_fn)(struct six_stack *st, bool new_key, uint64_t soft_s, uint64_t hard_s);

static int update_setkey(struct six_stack *st, bool new_key, uint64_t soft_s, uint64_t hard_s)
{
    char text[512];
    snprintf(text, sizeof text,
             "update 2001:db8:1::a 2001:db8:1::b esp 0x%x -m transport -ls %llu -lh %llu -E aes-gcm-16 %s;\n", SPI,
             (unsigned long long)soft_s, (unsigned long long)hard_s, new_key ? KEY2 : KEY);
    return sim_setkey(st, text);
}

static void on_reply(void *ctx, const uint8_t *msg, size_t len) { (void)ctx, (void)msg, (void)len; }

static int update_pfkey(struct six_stack *st, bool new_key, uint64_t soft_s, uint64_t hard_s)
{
    uint8_t buf[1024];
    struct pfkey_builder b;
    struct pfkey_client cl = { 0 };
    struct pfkey_hdr h = { .version = PF_KEY_V2, .type = SADB_UPDATE, .satype = SADB_SATYPE_ESP, .seq = 1, .pid = 7 };
    pfkey_build_init(&b, buf, sizeof buf, &h);
    struct pfkey_sa x = { .spi = SPI, .replay = 8, .state = SADB_SASTATE_MATURE, .encrypt = SADB_X_EALG_AESGCM16 };
    pfkey_add_sa(&b, &x);
    struct pfkey_sa2 s2 = { .mode = IPSEC_MODE_TRANSPORT };
    pfkey_add_sa2(&b, &s2);
    if (soft_s || hard_s) {
        struct pfkey_lifetime hard = { .addtime = hard_s }, soft = { .addtime = soft_s };
        pfkey_add_lifetime(&b, SADB_EXT_LIFETIME_HARD, &hard);
        pfkey_add_lifetime(&b, SADB_EXT_LIFETIME_SOFT, &soft);
    }
    struct pfkey_address s = { .proto = 255, .prefixlen = 128 }, d = s;
    s.addr.sin6.sin6_family = d.addr.sin6.sin6_family = AF_INET6;
    inet_pton(AF_INET6, "2001:db8:1::a", &s.addr.sin6.sin6_addr);
    inet_pton(AF_INET6, "2001:db8:1::b", &d.addr.sin6.sin6_addr);
    pfkey_add_address(&b, SADB_EXT_ADDRESS_SRC, &s);
    pfkey_add_address(&b, SADB_EXT_ADDRESS_DST, &d);
    pfkey_add_key(&b, SADB_EXT_KEY_ENCRYPT, 160, 0, new_key ? K_GCM2 : K_GCM, 20);
    size_t n = pfkey_build_finish(&b);
    const char *why = "";
    struct pfkey_srv *srv = pfkey_srv_create(st, NULL, NULL);
    int rc = n ? pfkey_srv_handle(srv, &cl, buf, n, on_reply, NULL, &why) : -1;
    if (rc)
        fprintf(stderr, "  PF_KEY UPDATE: %s\n", why);
    pfkey_srv_destroy(srv);
    return rc;
}

static void setup(uint64_t seed, const char *lifetimes)
{
    char conf[1024];
    W = sim_two_hosts(seed, &A, &B);
    snprintf(conf, sizeof conf,
             "add 2001:db8:1::a 2001:db8:1::b esp 0x%x -m transport %s -E aes-gcm-16 " KEY ";\n"
             "spdadd 2001:db8:1::a 2001:db8:1::b udp -P out ipsec esp/transport//require;\n"
             "spdadd 2001:db8:1::a 2001:db8:1::b udp -P in ipsec esp/transport//require;\n",
             SPI, lifetimes);
    T_EQ(sim_setkey(A, conf), 0);
    T_EQ(sim_setkey(B, conf), 0);
    struct sockaddr_in6 any = { .sin6_family = AF_INET6, .sin6_port = htons(7000) };
    sb_sock = six_socket(B, AF_INET6, SOCK_DGRAM, 0);
    sa_sock = six_socket(A, AF_INET6, SOCK_DGRAM, 0);
    T_EQ(six_bind(B, sb_sock, (struct sockaddr *)&any, sizeof any), 0);
    to_b = any;
    inet_pton(AF_INET6, "2001:db8:1::b", &to_b.sin6_addr);
}

static void teardown(void)
{
    six_stack_destroy(A);
    six_stack_destroy(B);
    sim_world_destroy(W);
}

static struct ipsec_sa *sa_of(struct six_stack *st)
{
    struct in6_addr b = inj_a6("2001:db8:1::b");
    return ipsec_sa_find(st, IPSEC_PROTO_ESP, &b, SPI);
}

static void send_one(uint32_t i)
{
    uint8_t buf[100] = { 0 };
    wr32(buf, i);
    six_sendto(A, sa_sock, buf, sizeof buf, 0, (struct sockaddr *)&to_b, sizeof to_b);
    sim_run_for(W, 5 * MS);
}

static unsigned received(void)
{
    uint8_t buf[200];
    unsigned n = 0;
    while (six_recv(B, sb_sock, buf, sizeof buf, 0) > 0)
        n++;
    return n;
}

static bool is_esp6(const struct inj_frame *f)
{
    return f->len > 14 + 40 + 8 && f->d[12] == 0x86 && f->d[13] == 0xdd && f->d[14 + 6] == IPSEC_PROTO_ESP;
}

/* b received 5 datagrams; both ends update the SA with the same key and
 * new lifetimes; the 5 captured ESP packets, replayed, are refused and
 * counted, and the next datagram (sequence 6: the sender went on) gets
 * through. */
static void replay_after_update(update_fn update)
{
    setup(81, "-lh 3600");
    struct inj_capture cap;
    inj_capture_start(&cap, if_find(B, "eth0"), true);
    for (uint32_t i = 0; i < 5; i++)
        send_one(i);
    T_EQ(received(), 5);
    T_EQ(update(A, false, 6000, 7200), 0);
    T_EQ(update(B, false, 6000, 7200), 0);
    T_CHECK(sa_of(B) && sa_of(B)->hard.add_s == 7200 && sa_of(B)->soft.add_s == 6000);
    T_CHECK(sa_of(A) && sa_of(A)->tx.last == 5);
    T_CHECK(sa_of(B) && sa_of(B)->replay.top == 5);

    uint64_t replays = CTR_GET(B, ipsec, drop_replay);
    unsigned esp = 0, n = cap.n;
    for (unsigned i = 0; i < n; i++)
        if (is_esp6(&cap.f[i])) {
            T_CHECK(inj_input(if_find(B, "eth0"), cap.f[i].d, cap.f[i].len));
            sim_run_for(W, 5 * MS);
            esp++;
        }
    T_EQ(esp, 5);
    T_EQ(CTR_GET(B, ipsec, drop_replay), replays + 5);
    T_EQ(received(), 0);
    T_CHECK(sa_of(B) && sa_of(B)->stats.drop_replay == 5);

    send_one(5);
    T_EQ(received(), 1);
    T_CHECK(sa_of(B) && sa_of(B)->replay.top == 6 && sa_of(B)->stats.packets == 6);
    inj_capture_stop(&cap);
    teardown();
}

TEST(setkey_update_keeps_the_replay_window) { replay_after_update(update_setkey); }
TEST(pfkey_update_keeps_the_replay_window) { replay_after_update(update_pfkey); }

static unsigned n_soft, n_hard;
static void on_event(void *ctx, enum ipsec_event ev, const struct ipsec_sa *sa, const struct ipsec_sp *sp,
                     const struct ipsec_req *r)
{
    (void)ctx, (void)sa, (void)sp, (void)r;
    n_soft += ev == IPSEC_EV_SOFT_EXPIRE;
    n_hard += ev == IPSEC_EV_HARD_EXPIRE;
}

/* Added with -ls 10 -lh 20: dying after 10 s.  At 12 s an update with the
 * same key and -ls 10 -lh 25 leaves it dying (no second soft expire) and
 * its hard lifetime counts from the add: gone at 25 s, not at 12 + 25. */
static void dying_stays_dying(update_fn update)
{
    setup(82, "-ls 10 -lh 20");
    n_soft = n_hard = 0;
    ipsec_set_event_cb(B, on_event, NULL);
    uint64_t added = sa_of(B)->add_ns;
    send_one(0);
    sim_run_for(W, 12 * SEC);
    T_CHECK(sa_of(B) && sa_of(B)->state == IPSEC_SA_DYING);
    T_EQ(n_soft, 1);
    T_EQ(update(B, false, 10, 25), 0);
    T_CHECK(sa_of(B) && sa_of(B)->state == IPSEC_SA_DYING);
    T_CHECK(sa_of(B) && sa_of(B)->add_ns == added && sa_of(B)->cur_packets == 1);
    sim_run_for(W, added + 24 * SEC - six_now(B));
    T_CHECK(sa_of(B) && sa_of(B)->state == IPSEC_SA_DYING);
    T_EQ(n_soft, 1);
    T_EQ(n_hard, 0);
    sim_run_for(W, 2 * SEC + 500 * MS);
    T_CHECK(!sa_of(B));
    T_EQ(n_hard, 1);
    T_EQ(n_soft, 1);
    T_EQ(CTR_GET(B, ipsec, soft_expire), 1);
    T_EQ(CTR_GET(B, ipsec, hard_expire), 1);
    teardown();
}

TEST(setkey_update_keeps_a_dying_sa_dying) { dying_stays_dying(update_setkey); }
TEST(pfkey_update_keeps_a_dying_sa_dying) { dying_stays_dying(update_pfkey); }

/* New keys for a mature SA: refused (EINVAL, as KAME), nothing changed,
 * traffic goes on under the old key. */
static void new_keys_refused(update_fn update, int want)
{
    setup(83, "-lh 3600");
    send_one(0);
    T_EQ(received(), 1);
    T_EQ(update(B, true, 100, 200), want);
    T_CHECK(sa_of(B) && sa_of(B)->hard.add_s == 3600 && sa_of(B)->replay.top == 1);
    send_one(1);
    T_EQ(received(), 1);
    teardown();
}

TEST(setkey_update_refuses_new_keys_of_a_mature_sa) { new_keys_refused(update_setkey, -EINVAL); }
TEST(pfkey_update_refuses_new_keys_of_a_mature_sa) { new_keys_refused(update_pfkey, EINVAL); }

/* FreeBSD's key_updatelifetimes(): a PF_KEY UPDATE without lifetime
 * extensions leaves them as they are. */
TEST(pfkey_update_without_lifetimes_keeps_them)
{
    setup(84, "-ls 3000 -lh 3600");
    T_EQ(update_pfkey(B, false, 0, 0), 0);
    T_CHECK(sa_of(B) && sa_of(B)->hard.add_s == 3600 && sa_of(B)->soft.add_s == 3000);
    teardown();
}

/* An esp-udp SA with -natt_follow whose peer moved to port 4501: a
 * PF_KEY UPDATE of its lifetimes (no NAT-T extensions) leaves it ESP in
 * UDP, at the port it followed, still following. */
TEST(pfkey_update_without_natt_keeps_natt_and_the_followed_port)
{
    W = sim_two_hosts(85, &A, &B);
    T_EQ(sim_setkey(B, "add 2001:db8:1::a[4500] 2001:db8:1::b[4500] esp-udp 0x6101 -m transport -natt_follow "
                       "-E aes-gcm-16 " KEY ";\n"), 0);
    struct ipsec_sa *sa = sa_of(B);
    T_CHECK(sa && sa->natt && sa->natt_follow);
    if (sa)
        ipsec_sa_move(B, sa, &sa->src, &sa->dst, 4501, 4500);
    T_EQ(update_pfkey(B, false, 100, 200), 0);
    sa = sa_of(B);
    T_CHECK(sa && sa->natt && sa->natt_follow && sa->natt_sport == 4501 && sa->natt_dport == 4500);
    T_CHECK(sa && sa->hard.add_s == 200);
    teardown();
}

/* gif binds to SAs by SPI; a larval SA (GETSPI) with that SPI and
 * destination has no keys: ipsec_output_tunnel_sa refuses it (counted),
 * nothing leaves. */
TEST(larval_sa_never_seals)
{
    W = sim_two_hosts(86, &A, &B);
    struct in6_addr a = inj_a6("2001:db8:1::a"), b = inj_a6("2001:db8:1::b");
    uint32_t spi = 0;
    const char *why = "";
    T_EQ(ipsec_sa_add_larval(A, IPSEC_PROTO_ESP, IPSEC_MODE_TUNNEL, &a, &b, 0, SPI, SPI, &spi, &why), 0);
    struct ipsec_sa *sa = sa_of(A);
    T_CHECK(sa && sa->state == IPSEC_SA_LARVAL && spi == SPI);
    struct inj_capture cap;
    inj_capture_start(&cap, if_find(B, "eth0"), true);
    uint8_t pkt6[INJ_MAX];
    size_t n = inj_echo6(pkt6, sizeof pkt6, &a, &b, 1, 1, 64);
    struct pkt *p = pkt_alloc(A->pool, n);
    int rc = 0;
    uint64_t no_sa = CTR_GET(A, ipsec, drop_no_sa);
    if (sa && p) {
        memcpy(pkt_put(p, n), pkt6, n);
        ipsec_output_tunnel_sa(A, p, sa, false, &rc);
    }
    sim_run_for(W, 10 * MS);
    T_EQ(rc, -EHOSTUNREACH);
    T_EQ(CTR_GET(A, ipsec, drop_no_sa), no_sa + 1);
    unsigned esp = 0;
    for (unsigned i = 0; i < cap.n; i++)
        esp += is_esp6(&cap.f[i]);
    T_EQ(esp, 0);
    T_CHECK(sa_of(A) && sa_of(A)->tx.last == 0 && sa_of(A)->cur_packets == 0);
    inj_capture_stop(&cap);
    teardown();
}

int main(void)
{
    RUN(setkey_update_keeps_the_replay_window);
    RUN(pfkey_update_keeps_the_replay_window);
    RUN(setkey_update_keeps_a_dying_sa_dying);
    RUN(pfkey_update_keeps_a_dying_sa_dying);
    RUN(setkey_update_refuses_new_keys_of_a_mature_sa);
    RUN(pfkey_update_refuses_new_keys_of_a_mature_sa);
    RUN(pfkey_update_without_lifetimes_keeps_them);
    RUN(pfkey_update_without_natt_keeps_natt_and_the_followed_port);
    RUN(larval_sa_never_seals);
    return t_done();
}
