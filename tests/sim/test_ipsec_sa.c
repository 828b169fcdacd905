/* SA life in the stack: replacement under traffic without loss, byte
 * lifetimes firing soft then hard expire, 64-bit sequence numbers across
 * 2^32, and hostile ESP (replayed, tampered, truncated, unknown SPI, bad
 * padding under a valid ICV, a tunnel SA carrying a non-IP payload), each
 * dropped under its own counter. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include "../lib/t.h"
#include "../lib/simstack.h"
#include "../lib/ipsec_sim.h"
#include "../lib/inject.h"
#include "ctl/scene.h"
#include "core/pkt.h"
#include "link/sim.h"
#include "link/ifnet.h"
#include "net/netif.h"
#include "net/stack.h"
#include "ipsec/ipsec.h"
#include "ipsec/setkey.h"
#include "six/socket.h"
#include "wire/bytes.h"

#define MS 1000000ull
#define SEC 1000000000ull

static struct sim_world *W;
static struct six_stack *A, *B;


static int load(struct six_stack *st, const char *text) { return sim_setkey(st, text); }

static void setup(uint64_t seed)
{
    W = sim_two_hosts(seed, &A, &B);
}

static void teardown(void)
{
    six_stack_destroy(A);
    six_stack_destroy(B);
    sim_world_destroy(W);
}

#define POLICIES \
    "spdadd 2001:db8:1::a 2001:db8:1::b udp -P out ipsec esp/transport//require;\n" \
    "spdadd 2001:db8:1::a 2001:db8:1::b udp -P in ipsec esp/transport//require;\n"

/* A UDP stream from a to b: a socket each, port 7000. */
static int sa_sock, sb_sock;
static struct sockaddr_in6 to_b;

static void open_stream(void)
{
    struct sockaddr_in6 any = { .sin6_family = AF_INET6, .sin6_port = htons(7000) };
    sb_sock = six_socket(B, AF_INET6, SOCK_DGRAM, 0);
    sa_sock = six_socket(A, AF_INET6, SOCK_DGRAM, 0);
    T_EQ(six_bind(B, sb_sock, (struct sockaddr *)&any, sizeof any), 0);
    to_b = any;
    inet_pton(AF_INET6, "2001:db8:1::b", &to_b.sin6_addr);
}

static void send_one(uint32_t i, size_t len)
{
    uint8_t buf[1500] = { 0 };
    wr32(buf, i);
    six_sendto(A, sa_sock, buf, len, 0, (struct sockaddr *)&to_b, sizeof to_b);
}

/* Count what b received; every datagram's number must be the next one. */
static unsigned drain(uint32_t *next, bool *in_order)
{
    uint8_t buf[1500];
    unsigned n = 0;
    while (six_recv(B, sb_sock, buf, sizeof buf, 0) > 0) {
        if (rd32(buf) != *next)
            *in_order = false;
        *next = rd32(buf) + 1;
        n++;
    }
    return n;
}

static struct ipsec_sa *sa_of(struct six_stack *st, uint32_t spi)
{
    struct in6_addr b = inj_a6("2001:db8:1::b");
    return ipsec_sa_find(st, IPSEC_PROTO_ESP, &b, spi);
}

/* Rekey by hand as a key manager would: the receiver learns the new SA
 * first, the sender switches to it (the newest SA wins), the old one goes
 * a little later.  Not a datagram is lost. */
TEST(sa_replaced_under_traffic_without_loss)
{
    setup(51);
    const char old_sa[] = "add 2001:db8:1::a 2001:db8:1::b esp 0x5001 -m transport -E aes-gcm-16 "
                          "0x0102030405060708090a0b0c0d0e0f1011121314;\n" POLICIES;
    const char new_sa[] = "add 2001:db8:1::a 2001:db8:1::b esp 0x5002 -m transport -E aes-gcm-16 "
                          "0x2122232425262728292a2b2c2d2e2f3031323334;\n";
    T_EQ(load(A, old_sa), 0);
    T_EQ(load(B, old_sa), 0);
    open_stream();
    uint32_t next = 0;
    bool in_order = true;
    unsigned got = 0;
    for (uint32_t i = 0; i < 3000; i++) {
        if (i == 1000)
            T_EQ(load(B, new_sa), 0);
        if (i == 1010)
            T_EQ(load(A, new_sa), 0);
        if (i == 2000) {
            T_EQ(load(A, "delete 2001:db8:1::a 2001:db8:1::b esp 0x5001;"), 0);
            T_EQ(load(B, "delete 2001:db8:1::a 2001:db8:1::b esp 0x5001;"), 0);
        }
        send_one(i, 200);
        sim_run_for(W, 1 * MS);
        got += drain(&next, &in_order);
    }
    sim_run_for(W, 10 * MS);
    got += drain(&next, &in_order);
    T_EQ(got, 3000);
    T_CHECK(in_order);
    struct ipsec_sa *n = sa_of(B, 0x5002);
    T_CHECK(n && n->stats.packets == 1990);
    T_CHECK(!sa_of(B, 0x5001));
    T_EQ(CTR_GET(B, ipsec, drop_unknown_spi) + CTR_GET(B, ipsec, drop_policy), 0);
    teardown();
}

static unsigned n_soft, n_hard, n_acquire;
static void on_event(void *ctx, enum ipsec_event ev, const struct ipsec_sa *sa, const struct ipsec_sp *sp,
                     const struct ipsec_req *r)
{
    (void)ctx, (void)sa, (void)sp, (void)r;
    if (ev == IPSEC_EV_SOFT_EXPIRE) n_soft++;
    if (ev == IPSEC_EV_HARD_EXPIRE) n_hard++;
    if (ev == IPSEC_EV_ACQUIRE) n_acquire++;
}

/* -bs 20000 -bh 40000: the soft expire comes after 20 kB, the SA stays in
 * use (dying); the hard one at 40 kB removes it; the next datagram finds
 * no SA: dropped, and an ACQUIRE asks the key manager for a new one. */
TEST(byte_lifetime_soft_then_hard)
{
    setup(52);
    const char conf[] = "add 2001:db8:1::a 2001:db8:1::b esp 0x6001 -m transport -bs 20000 -bh 40000 "
                        "-E aes-gcm-16 0x0102030405060708090a0b0c0d0e0f1011121314;\n" POLICIES;
    T_EQ(load(A, conf), 0);
    T_EQ(load(B, conf), 0);
    n_soft = n_hard = n_acquire = 0;
    ipsec_set_event_cb(A, on_event, NULL);
    open_stream();
    uint32_t next = 0;
    bool in_order = true;
    unsigned got = 0;
    for (uint32_t i = 0; i < 19; i++) {   /* 19 × 1008 bytes of UDP payload+header: below 20000 */
        send_one(i, 1000);
        sim_run_for(W, 2 * MS);
    }
    got += drain(&next, &in_order);
    T_EQ(n_soft, 0);
    send_one(19, 1000);
    send_one(20, 1000);
    sim_run_for(W, 5 * MS);
    got += drain(&next, &in_order);
    T_EQ(n_soft, 1);
    T_EQ(sa_of(A, 0x6001)->state, IPSEC_SA_DYING);
    T_EQ(CTR_GET(B, ipsec, soft_expire), 1);
    for (uint32_t i = 21; i < 45; i++) {
        send_one(i, 1000);
        sim_run_for(W, 2 * MS);
    }
    got += drain(&next, &in_order);
    T_EQ(n_hard, 1);
    T_CHECK(!sa_of(A, 0x6001));
    /* b counted only what arrived, short of the hard limit: still dying */
    T_CHECK(sa_of(B, 0x6001) && sa_of(B, 0x6001)->state == IPSEC_SA_DYING);
    T_CHECK(got >= 39 && got <= 40);   /* the datagram that hit the hard limit is not sent */
    T_CHECK(n_acquire >= 1);
    T_CHECK(CTR_GET(A, ipsec, drop_no_sa) >= 1);
    teardown();
}

/* 64-bit sequence numbers: the sender starts 50 short of 2^32; 100
 * datagrams later both ends agree on the high half (the ICV covers it). */
TEST(esn_across_two_to_the_32)
{
    setup(53);
    const char conf[] = "add 2001:db8:1::a 2001:db8:1::b esp 0x7001 -m transport -esn -r 512 "
                        "-E aes-gcm-16 0x0102030405060708090a0b0c0d0e0f1011121314;\n" POLICIES;
    T_EQ(load(A, conf), 0);
    T_EQ(load(B, conf), 0);
    sa_of(A, 0x7001)->tx.last = (1ull << 32) - 50;
    open_stream();
    uint32_t next = 0;
    bool in_order = true;
    unsigned got = 0;
    for (uint32_t i = 0; i < 100; i++) {
        send_one(i, 100);
        sim_run_for(W, 1 * MS);
        got += drain(&next, &in_order);
    }
    T_EQ(got, 100);
    T_CHECK(in_order);
    T_EQ(sa_of(B, 0x7001)->replay.top, (1ull << 32) + 50);
    T_EQ(CTR_GET(B, ipsec, drop_icv), 0);
    teardown();
}

/* b's interface keeps a copy of the first ESP frame from a, then passes it on. */
static uint8_t esp_frame[2048];
static size_t esp_len;
static void keep_hook(struct ifnet *ifp, struct pkt *p)
{
    const uint8_t *d = pkt_data(p);
    if (!esp_len && p->len > 14 + 40 + 8 && p->len < sizeof esp_frame && d[12] == 0x86 && d[13] == 0xdd &&
        d[14 + 6] == IPSEC_PROTO_ESP) {
        memcpy(esp_frame, d, p->len);
        esp_len = p->len;
    }
    net_input(ifp, p);
}

static void reinject(const uint8_t *f, size_t len)
{
    T_CHECK(inj_input(if_find(B, "eth0"), f, len));
    sim_run_for(W, 5 * MS);
}

/* The IPv6 payload length must follow when a test cuts the frame. */
static void set_plen(uint8_t *f, size_t len)
{
    wr16(f + 14 + 4, (uint16_t)(len - 14 - 40));
}

/* An ESP packet with a good HMAC-SHA-256 ICV (NULL encryption, b's key)
 * whose trailer is chosen by the test: 8 bytes of data, then tail = two pad
 * bytes, pad length, next header.  Sent to b in the IPv6 header of the
 * captured frame; returns how much counter ctr moved. */
static uint64_t authentic_esp(struct ipsec_xform *x, uint32_t spi, uint32_t seq, const char *data,
                              const uint8_t tail[4], enum six_ctr ctr)
{
    uint8_t esp[64], f[2048];
    size_t n = 8;
    wr32(esp, spi), wr32(esp + 4, seq);
    memcpy(esp + n, data, 8), n += 8;
    memcpy(esp + n, tail, 4), n += 4;
    struct iovec iov = { esp, n };
    if (ipsec_xform_ah_icv(x, &iov, 1, seq, false, esp + n))
        return 0;
    n += 16;
    memcpy(f, esp_frame, 14 + 40);
    memcpy(f + 14 + 40, esp, n);
    set_plen(f, 14 + 40 + n);
    uint64_t before = B->ctr.v[ctr];
    reinject(f, 14 + 40 + n);
    return B->ctr.v[ctr] - before;
}

TEST(hostile_esp_each_counted)
{
    setup(54);
    const char conf[] =
        "add 2001:db8:1::a 2001:db8:1::b esp 0x8001 -m transport -E aes-gcm-16 "
        "0x0102030405060708090a0b0c0d0e0f1011121314;\n"
        "add 2001:db8:1::a 2001:db8:1::b esp 0x8002 -m transport -E null -A hmac-sha2-256 "
        "0x000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f;\n"
        "add 2001:db8:1::a 2001:db8:1::b esp 0x8003 -m tunnel -E null -A hmac-sha2-256 "
        "0x000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f;\n" POLICIES;
    T_EQ(load(A, conf), 0);
    T_EQ(load(B, conf), 0);
    esp_len = 0;
    if_find(B, "eth0")->input_hook = keep_hook;
    open_stream();
    send_one(1, 64);
    sim_run_for(W, 5 * MS);
    T_CHECK(esp_len > 0);
    uint8_t f[2048];

    uint64_t c0 = CTR_GET(B, ipsec, drop_replay);
    reinject(esp_frame, esp_len);                        /* replayed */
    T_EQ(CTR_GET(B, ipsec, drop_replay), c0 + 1);

    memcpy(f, esp_frame, esp_len);
    f[esp_len - 20] ^= 0x40;                             /* tampered ciphertext */
    wr32(f + 14 + 40 + 4, 1000);                         /* (a fresh sequence number) */
    c0 = CTR_GET(B, ipsec, drop_icv);
    reinject(f, esp_len);
    T_EQ(CTR_GET(B, ipsec, drop_icv), c0 + 1);

    memcpy(f, esp_frame, esp_len);
    set_plen(f, 14 + 40 + 10);                           /* truncated: 10 bytes of ESP */
    reinject(f, 14 + 40 + 10);
    T_EQ(B->ctr.wire[WP_esp][WR_TRUNCATED], 1);

    memcpy(f, esp_frame, esp_len);
    wr32(f + 14 + 40, 0x9999);                           /* unknown SPI */
    c0 = CTR_GET(B, ipsec, drop_unknown_spi);
    reinject(f, esp_len);
    T_EQ(CTR_GET(B, ipsec, drop_unknown_spi), c0 + 1);

    memcpy(f, esp_frame, esp_len);
    wr32(f + 14 + 40, 0);                                /* SPI 0: reserved */
    reinject(f, esp_len);
    T_EQ(B->ctr.wire[WP_esp][WR_ZERO_SPI], 1);

    /* authentic packets whose insides are wrong: sealed here with b's key */
    struct ipsec_xform x;
    const char *err;
    uint8_t key[32];
    for (int i = 0; i < 32; i++)
        key[i] = (uint8_t)i;
    T_EQ(ipsec_xform_init(&x, IPSEC_EALG_NULL, NULL, 0, IPSEC_AALG_HMAC_SHA256_128, key, 32, &err), 0);
    /* bad padding: pad bytes must read 1, 2, 3 (RFC 4303 §2.4) */
    T_EQ(authentic_esp(&x, 0x8002, 7, "payload!", (const uint8_t[]){ 1, 9, 2, 17 }, CTR_ipsec_drop_bad_padding), 1);
    /* pad length beyond the payload: 8 bytes of data, pad length 200 */
    T_EQ(authentic_esp(&x, 0x8002, 9, "payload!", (const uint8_t[]){ 1, 2, 200, 17 }, CTR_ipsec_drop_bad_padding), 1);
    /* a tunnel-mode SA whose payload says UDP, not an IP packet */
    T_EQ(authentic_esp(&x, 0x8003, 10, "notanip!", (const uint8_t[]){ 1, 2, 2, 17 }, CTR_ipsec_drop_bad_nxt), 1);
    ipsec_xform_free(&x);
    (void)c0;

    /* after all that, the real stream still flows */
    uint32_t next = 2;
    bool in_order = true;
    uint8_t buf[64];
    while (six_recv(B, sb_sock, buf, sizeof buf, 0) > 0)
        ;
    send_one(2, 64);
    sim_run_for(W, 5 * MS);
    T_EQ(drain(&next, &in_order), 1);
    teardown();
}

/* IPv6 in IPv4 ESP tunnel in UDP 4500 (RFC 3948).  a's IPv4 address then
 * changes (a NAT rebinding, a new DHCP lease): a re-keys its own SAs and
 * policies to the new address and keeps talking; b's SA follows the first
 * authenticated packet from there (-natt_follow) and answers to the new
 * address.  Idle, a sends NAT keepalives. */
static const char natt_conf[] =
    "add 192.0.2.1[4500] 192.0.2.2[4500] esp-udp 0x9001 -m tunnel -natt_follow -E aes-gcm-16 "
    "0x0102030405060708090a0b0c0d0e0f1011121314;\n"
    "add 192.0.2.2[4500] 192.0.2.1[4500] esp-udp 0x9002 -m tunnel -E aes-gcm-16 "
    "0x2122232425262728292a2b2c2d2e2f3031323334;\n"
    "spdadd 2001:db8:a::1 2001:db8:b::1 any -P out ipsec esp/tunnel/192.0.2.1-192.0.2.2/require;\n"
    "spdadd 2001:db8:b::1 2001:db8:a::1 any -P in ipsec esp/tunnel/192.0.2.2-192.0.2.1/require;\n"
    "spdadd 2001:db8:b::1 2001:db8:a::1 any -P out ipsec esp/tunnel/192.0.2.2-192.0.2.1/require;\n"
    "spdadd 2001:db8:a::1 2001:db8:b::1 any -P in ipsec esp/tunnel/192.0.2.1-192.0.2.2/require;\n";

static bool udp_between(struct six_stack *s, struct six_stack *d, const char *to, uint16_t port)
{
    struct sockaddr_in6 any = { .sin6_family = AF_INET6, .sin6_port = htons(port) }, dst = any;
    inet_pton(AF_INET6, to, &dst.sin6_addr);
    int rs = six_socket(d, AF_INET6, SOCK_DGRAM, 0), ws = six_socket(s, AF_INET6, SOCK_DGRAM, 0);
    six_bind(d, rs, (struct sockaddr *)&any, sizeof any);
    six_sendto(s, ws, "through udp 4500", 16, 0, (struct sockaddr *)&dst, sizeof dst);
    sim_run_for(W, 20 * MS);
    char buf[32];
    ssize_t n = six_recv(d, rs, buf, sizeof buf, 0);
    six_close(d, rs);
    six_close(s, ws);
    return n == 16 && !memcmp(buf, "through udp 4500", 16);
}

TEST(natt_udp_encapsulation_and_peer_follow)
{
    setup(55);
    scene_cmd(A, NULL, "addr add 2001:db8:a::1/64 dev eth0");
    scene_cmd(B, NULL, "addr add 2001:db8:b::1/64 dev eth0");
    /* source selection wants a route; the tunnel policy takes the packets before it is used */
    scene_cmd(A, NULL, "route add 2001:db8:b::/64 dev eth0");
    scene_cmd(B, NULL, "route add 2001:db8:a::/64 dev eth0");
    sim_run_for(W, 2 * SEC);
    T_EQ(load(A, natt_conf), 0);
    T_EQ(load(B, natt_conf), 0);
    T_CHECK(udp_between(A, B, "2001:db8:b::1", 7100));
    T_CHECK(udp_between(B, A, "2001:db8:a::1", 7101));
    T_CHECK(CTR_GET(B, ipsec, natt_in) >= 1 && CTR_GET(A, ipsec, natt_in) >= 1);
    T_EQ(CTR_GET(B, ipsec, natt_peer_moved), 0);

    /* a moves to 192.0.2.11 */
    T_EQ(scene_cmd(A, NULL, "addr del 192.0.2.1/24 dev eth0"), 0);
    T_EQ(scene_cmd(A, NULL, "addr add 192.0.2.11/24 dev eth0"), 0);
    sim_run_for(W, 2 * SEC);
    T_EQ(load(A, "update 192.0.2.11[4500] 192.0.2.2[4500] esp-udp 0x9001 -m tunnel -E aes-gcm-16 "
                 "0x0102030405060708090a0b0c0d0e0f1011121314;\n"
                 "delete 192.0.2.2 192.0.2.1 esp-udp 0x9002;\n"
                 "add 192.0.2.2[4500] 192.0.2.11[4500] esp-udp 0x9002 -m tunnel -E aes-gcm-16 "
                 "0x2122232425262728292a2b2c2d2e2f3031323334;\n"
                 "spdupdate 2001:db8:a::1 2001:db8:b::1 any -P out ipsec esp/tunnel/192.0.2.11-192.0.2.2/require;\n"
                 "spdupdate 2001:db8:b::1 2001:db8:a::1 any -P in ipsec esp/tunnel/192.0.2.2-192.0.2.11/require;\n"),
         0);
    T_CHECK(udp_between(A, B, "2001:db8:b::1", 7102));
    T_EQ(CTR_GET(B, ipsec, natt_peer_moved), 1);
    T_CHECK(udp_between(B, A, "2001:db8:a::1", 7103));   /* b answers to where a is now */

    /* silence: a keeps the NAT mapping open */
    uint64_t ka = CTR_GET(B, ipsec, natt_keepalive_in);
    sim_run_for(W, 45 * SEC);
    T_CHECK(CTR_GET(B, ipsec, natt_keepalive_in) >= ka + 1);
    T_CHECK(CTR_GET(A, ipsec, natt_keepalive_out) >= 1);
    teardown();
}

/* Two tunnel-mode NAT-T clients behind one NAT address, told apart by the
 * UDP source port (both of them a here: client 1 on 192.0.2.1:4500 with
 * inner 2001:db8:a::1, client 2 on 192.0.2.1:4501 with 2001:db8:c::1, each
 * with its own reqid). Client 1 rebinds to 192.0.2.11: b follows it, and
 * its tunnel policies with it; client 2's policies name 192.0.2.1 still
 * and its traffic flows both ways as before. */
#define KEY1 "0x0102030405060708090a0b0c0d0e0f1011121314"
#define KEY2 "0x2122232425262728292a2b2c2d2e2f3031323334"
static const char two_clients_conf[] =
    "add 192.0.2.1[4500] 192.0.2.2[4500] esp-udp 0x9001 -m tunnel -u 1 -natt_follow -E aes-gcm-16 " KEY1 ";\n"
    "add 192.0.2.2[4500] 192.0.2.1[4500] esp-udp 0x9002 -m tunnel -u 1 -E aes-gcm-16 " KEY2 ";\n"
    "add 192.0.2.1[4501] 192.0.2.2[4500] esp-udp 0x9011 -m tunnel -u 2 -natt_follow -E aes-gcm-16 " KEY1 ";\n"
    "add 192.0.2.2[4500] 192.0.2.1[4501] esp-udp 0x9012 -m tunnel -u 2 -E aes-gcm-16 " KEY2 ";\n"
    "spdadd 2001:db8:a::1 2001:db8:b::1 any -P out ipsec esp/tunnel/192.0.2.1-192.0.2.2/unique:1;\n"
    "spdadd 2001:db8:b::1 2001:db8:a::1 any -P in ipsec esp/tunnel/192.0.2.2-192.0.2.1/unique:1;\n"
    "spdadd 2001:db8:b::1 2001:db8:a::1 any -P out ipsec esp/tunnel/192.0.2.2-192.0.2.1/unique:1;\n"
    "spdadd 2001:db8:a::1 2001:db8:b::1 any -P in ipsec esp/tunnel/192.0.2.1-192.0.2.2/unique:1;\n"
    "spdadd 2001:db8:c::1 2001:db8:b::1 any -P out ipsec esp/tunnel/192.0.2.1-192.0.2.2/unique:2;\n"
    "spdadd 2001:db8:b::1 2001:db8:c::1 any -P in ipsec esp/tunnel/192.0.2.2-192.0.2.1/unique:2;\n"
    "spdadd 2001:db8:b::1 2001:db8:c::1 any -P out ipsec esp/tunnel/192.0.2.2-192.0.2.1/unique:2;\n"
    "spdadd 2001:db8:c::1 2001:db8:b::1 any -P in ipsec esp/tunnel/192.0.2.1-192.0.2.2/unique:2;\n";

/* The tunnel end points of b's policy with this selector and direction. */
struct req_probe {
    const char *src, *dst;
    uint8_t dir;
    bool found;
    struct in6_addr tsrc, tdst;
};

static void probe_fn(void *ctx, const struct ipsec_sp *sp)
{
    struct req_probe *q = ctx;
    struct in6_addr s, d;
    inet_pton(AF_INET6, q->src, &s);
    inet_pton(AF_INET6, q->dst, &d);
    if (sp->dir == q->dir && sp->nreq == 1 && !memcmp(&sp->sel.src, &s, 16) && !memcmp(&sp->sel.dst, &d, 16)) {
        q->found = true;
        q->tsrc = sp->req[0].tsrc;
        q->tdst = sp->req[0].tdst;
    }
}

/* Does b's policy src -> dst (dir) tunnel between 192.0.2.<ts> and 192.0.2.<td>? */
static bool b_tunnel_is(const char *src, const char *dst, uint8_t dir, uint8_t ts, uint8_t td)
{
    struct req_probe q = { .src = src, .dst = dst, .dir = dir };
    ipsec_sp_foreach(B, probe_fn, &q);
    struct in6_addr s = { .s6_addr = { [10] = 0xff, [11] = 0xff, 192, 0, 2, ts } }, d = s;
    d.s6_addr[15] = td;
    return q.found && !memcmp(&q.tsrc, &s, 16) && !memcmp(&q.tdst, &d, 16);
}

TEST(natt_rebinding_moves_only_its_own_policies)
{
    setup(58);
    scene_cmd(A, NULL, "addr add 2001:db8:a::1/64 dev eth0");
    scene_cmd(A, NULL, "addr add 2001:db8:c::1/64 dev eth0");
    scene_cmd(B, NULL, "addr add 2001:db8:b::1/64 dev eth0");
    scene_cmd(A, NULL, "route add 2001:db8:b::/64 dev eth0");
    scene_cmd(B, NULL, "route add 2001:db8:a::/64 dev eth0");
    scene_cmd(B, NULL, "route add 2001:db8:c::/64 dev eth0");
    sim_run_for(W, 2 * SEC);
    T_EQ(load(A, two_clients_conf), 0);
    T_EQ(load(B, two_clients_conf), 0);
    T_CHECK(sim_udp_once(W, A, B, "2001:db8:a::1", "2001:db8:b::1", 7110));
    T_CHECK(sim_udp_once(W, A, B, "2001:db8:c::1", "2001:db8:b::1", 7111));
    T_CHECK(sim_udp_once(W, B, A, "2001:db8:b::1", "2001:db8:c::1", 7112));

    /* client 1 rebinds to 192.0.2.11; client 2 stays on 192.0.2.1:4501 */
    T_EQ(scene_cmd(A, NULL, "addr add 192.0.2.11/24 dev eth0"), 0);
    sim_run_for(W, 2 * SEC);
    T_EQ(load(A, "update 192.0.2.11[4500] 192.0.2.2[4500] esp-udp 0x9001 -m tunnel -u 1 -E aes-gcm-16 " KEY1 ";\n"
                 "delete 192.0.2.2 192.0.2.1 esp-udp 0x9002;\n"
                 "add 192.0.2.2[4500] 192.0.2.11[4500] esp-udp 0x9002 -m tunnel -u 1 -E aes-gcm-16 " KEY2 ";\n"
                 "spdupdate 2001:db8:a::1 2001:db8:b::1 any -P out ipsec "
                 "esp/tunnel/192.0.2.11-192.0.2.2/unique:1;\n"
                 "spdupdate 2001:db8:b::1 2001:db8:a::1 any -P in ipsec "
                 "esp/tunnel/192.0.2.2-192.0.2.11/unique:1;\n"),
         0);
    uint64_t moved = CTR_GET(B, ipsec, natt_peer_moved);
    T_CHECK(sim_udp_once(W, A, B, "2001:db8:a::1", "2001:db8:b::1", 7113));   /* client 1, from .11 now */
    T_EQ(CTR_GET(B, ipsec, natt_peer_moved), moved + 1);

    /* client 1's tunnel follows it, client 2's stays where it is */
    T_CHECK(b_tunnel_is("2001:db8:b::1", "2001:db8:a::1", IPSEC_DIR_OUT, 2, 11));
    T_CHECK(b_tunnel_is("2001:db8:a::1", "2001:db8:b::1", IPSEC_DIR_IN, 11, 2));
    T_CHECK(b_tunnel_is("2001:db8:b::1", "2001:db8:c::1", IPSEC_DIR_OUT, 2, 1));
    T_CHECK(b_tunnel_is("2001:db8:c::1", "2001:db8:b::1", IPSEC_DIR_IN, 1, 2));
    /* and both clients' traffic flows, each through its own SAs */
    uint64_t pol = CTR_GET(B, ipsec, drop_policy);
    T_CHECK(sim_udp_once(W, B, A, "2001:db8:b::1", "2001:db8:c::1", 7114));
    T_CHECK(sim_udp_once(W, A, B, "2001:db8:c::1", "2001:db8:b::1", 7115));
    T_CHECK(sim_udp_once(W, B, A, "2001:db8:b::1", "2001:db8:a::1", 7116));
    T_CHECK(sim_udp_once(W, A, B, "2001:db8:a::1", "2001:db8:b::1", 7117));
    T_EQ(CTR_GET(B, ipsec, drop_policy), pol);
    T_EQ(CTR_GET(B, ipsec, natt_peer_moved), moved + 1);
    teardown();
}

/* IPv6 in IPv6 tunnel mode with 200 bytes of TFC padding (RFC 4303 §2.7):
 * every ESP packet on the wire is that much longer, the inner packet
 * arrives as it was sent; transport mode refuses TFC. */
TEST(tfc_padding_in_a_6in6_tunnel)
{
    setup(56);
    scene_cmd(A, NULL, "addr add 2001:db8:a::1/64 dev eth0");
    scene_cmd(B, NULL, "addr add 2001:db8:b::1/64 dev eth0");
    scene_cmd(A, NULL, "route add 2001:db8:b::/64 dev eth0");
    sim_run_for(W, 2 * SEC);
    const char conf[] =
        "add 2001:db8:1::a 2001:db8:1::b esp 0x9101 -m tunnel -tfc 200 -E aes-gcm-16 "
        "0x0102030405060708090a0b0c0d0e0f1011121314;\n"
        "spdadd 2001:db8:a::1 2001:db8:b::1 udp -P out ipsec esp/tunnel/2001:db8:1::a-2001:db8:1::b/require;\n"
        "spdadd 2001:db8:a::1 2001:db8:b::1 udp -P in ipsec esp/tunnel/2001:db8:1::a-2001:db8:1::b/require;\n";
    T_EQ(load(A, conf), 0);
    T_EQ(load(B, conf), 0);
    esp_len = 0;
    if_find(B, "eth0")->input_hook = keep_hook;
    T_CHECK(sim_udp_once(W, A, B, NULL, "2001:db8:b::1", 7200));
    /* 14 eth + 40 outer + 8 ESP + 8 IV + 40 inner + 8 UDP + 19 data + 200 TFC + trailer + 16 ICV */
    T_CHECK(esp_len >= 14 + 40 + 16 + 40 + 8 + 19 + 200 + 2 + 16);
    T_CHECK(load(A, "add 2001:db8:1::a 2001:db8:1::b esp 0x9102 -m transport -tfc 16 -E aes-gcm-16 "
                    "0x0102030405060708090a0b0c0d0e0f1011121314;") != 0);
    teardown();
}

/* IPv4 in IPv4 (RFC 2003 framing inside ESP, next header 4): the last of
 * the four family mixes (6in4, 6in6 and 4in6 are tested elsewhere). */
TEST(ipv4_in_ipv4_tunnel)
{
    setup(57);
    scene_cmd(A, NULL, "addr add 203.0.113.1/24 dev eth0");
    scene_cmd(B, NULL, "addr add 198.51.100.1/24 dev eth0");
    scene_cmd(A, NULL, "route add 198.51.100.0/24 dev eth0");
    scene_cmd(B, NULL, "route add 203.0.113.0/24 dev eth0");
    sim_run_for(W, 2 * SEC);
    const char conf[] =
        "add 192.0.2.1 192.0.2.2 esp 0x9201 -m tunnel -E chacha20-poly1305 "
        "0x000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20212223;\n"
        "add 192.0.2.2 192.0.2.1 esp 0x9202 -m tunnel -E chacha20-poly1305 "
        "0x202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f40414243;\n"
        "spdadd 203.0.113.0/24 198.51.100.0/24 any -P out ipsec esp/tunnel/192.0.2.1-192.0.2.2/require;\n"
        "spdadd 198.51.100.0/24 203.0.113.0/24 any -P in ipsec esp/tunnel/192.0.2.2-192.0.2.1/require;\n"
        "spdadd 198.51.100.0/24 203.0.113.0/24 any -P out ipsec esp/tunnel/192.0.2.2-192.0.2.1/require;\n"
        "spdadd 203.0.113.0/24 198.51.100.0/24 any -P in ipsec esp/tunnel/192.0.2.1-192.0.2.2/require;\n";
    T_EQ(load(A, conf), 0);
    T_EQ(load(B, conf), 0);
    T_CHECK(sim_udp_once(W, A, B, "203.0.113.1", "198.51.100.1", 7300));
    T_CHECK(sim_udp_once(W, B, A, "198.51.100.1", "203.0.113.1", 7301));
    for (uint16_t port = 7302; port < 7312; port++)
        T_CHECK(sim_udp_once(W, A, B, "203.0.113.1", "198.51.100.1", port));
    struct in6_addr b = { .s6_addr = { [10] = 0xff, [11] = 0xff, 192, 0, 2, 2 } };
    struct ipsec_sa *sa = ipsec_sa_find(B, IPSEC_PROTO_ESP, &b, 0x9201);
    T_CHECK(sa && sa->stats.packets == 11);   /* every datagram from a's inner prefix went through it */
    teardown();
}

int main(void)
{
    RUN(sa_replaced_under_traffic_without_loss);
    RUN(byte_lifetime_soft_then_hard);
    RUN(esn_across_two_to_the_32);
    RUN(hostile_esp_each_counted);
    RUN(natt_udp_encapsulation_and_peer_follow);
    RUN(natt_rebinding_moves_only_its_own_policies);
    RUN(tfc_padding_in_a_6in6_tunnel);
    RUN(ipv4_in_ipv4_tunnel);
    return t_done();
}
