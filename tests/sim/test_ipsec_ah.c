/* AH (RFC 4302) between simulated stacks configured from setkey(8)-syntax
 * text: transport mode with HMAC-SHA-256-128 over IPv6 and HMAC-SHA1-96
 * over IPv4 (ping, UDP, TCP both ways); mutable fields changed en route
 * still verify; ESN across the 2^32 boundary; tunnel mode between two
 * routers, IPv6 in IPv4 and IPv4 in IPv6; a tampered packet, a replayed
 * one, a truncated AH header, an AH length that lies, an ICV field of the
 * wrong size and an unknown SPI are all dropped and counted. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
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
#include "net/netif.h"
#include "core/pkt.h"
#include "ipsec/ipsec.h"
#include "ipsec/setkey.h"
#include "six/socket.h"
#include "wire/bytes.h"

#define MS 1000000ull
#define SEC 1000000000ull

static struct sim_world *W;
static struct six_stack *A, *B;


static int load(struct six_stack *st, const char *text) { return sim_setkey(st, text); }

static struct sockaddr_storage ss_of(const char *a, uint16_t port, socklen_t *len) { return sim_sockaddr(a, port, len); }

static bool tcp_transfer(struct six_stack *cl, struct six_stack *sv, const char *to, size_t total)
{
    return sim_tcp_transfer(W, cl, sv, to, total);
}

static uint64_t C(struct six_stack *st, const char *name)
{
    uint64_t v = 0;
    if (six_counter_by_name(&st->ctr, name, &v) != 0) {
        fprintf(stderr, "  unknown counter %s\n", name);
        t_case_failed = 1;
    }
    return v;
}

#define K256A "0x000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
#define K256B "0x202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"
#define K1A "0x0102030405060708090a0b0c0d0e0f1011121314"
#define K1B "0x2122232425262728292a2b2c2d2e2f3031323334"

/* one file for both hosts: each stack uses the policies that match its traffic */
#define HOST_POLICIES(p) \
    "spdadd 2001:db8:1::a 2001:db8:1::b any -P out ipsec " p "/transport//require;\n" \
    "spdadd 2001:db8:1::b 2001:db8:1::a any -P in ipsec " p "/transport//require;\n" \
    "spdadd 2001:db8:1::b 2001:db8:1::a any -P out ipsec " p "/transport//require;\n" \
    "spdadd 2001:db8:1::a 2001:db8:1::b any -P in ipsec " p "/transport//require;\n" \
    "spdadd 192.0.2.1 192.0.2.2 any -P out ipsec " p "/transport//require;\n" \
    "spdadd 192.0.2.2 192.0.2.1 any -P in ipsec " p "/transport//require;\n" \
    "spdadd 192.0.2.2 192.0.2.1 any -P out ipsec " p "/transport//require;\n" \
    "spdadd 192.0.2.1 192.0.2.2 any -P in ipsec " p "/transport//require;\n"

static const char host_conf[] =
    "flush;\nspdflush;\n"
    "add 2001:db8:1::a 2001:db8:1::b ah 0x1101 -m transport -A hmac-sha2-256 " K256A ";\n"
    "add 2001:db8:1::b 2001:db8:1::a ah 0x1102 -m transport -A hmac-sha2-256 " K256B ";\n"
    "add 192.0.2.1 192.0.2.2 ah 0x2101 -m transport -A hmac-sha1 " K1A ";\n"
    "add 192.0.2.2 192.0.2.1 ah 0x2102 -m transport -A hmac-sha1 " K1B ";\n"
    HOST_POLICIES("ah");

static const char esn_conf[] =
    "flush;\nspdflush;\n"
    "add 2001:db8:1::a 2001:db8:1::b ah 0x1201 -m transport -esn -A hmac-sha2-256 " K256A ";\n"
    "add 2001:db8:1::b 2001:db8:1::a ah 0x1202 -m transport -esn -A hmac-sha2-256 " K256B ";\n"
    "add 192.0.2.1 192.0.2.2 ah 0x2201 -m transport -esn -A hmac-sha1 " K1A ";\n"
    "add 192.0.2.2 192.0.2.1 ah 0x2202 -m transport -esn -A hmac-sha1 " K1B ";\n"
    HOST_POLICIES("ah");

/* ---- what b receives: AH frames counted, optionally changed, the last
 * AH-protected UDP datagram kept for replays */
static struct {
    unsigned ah_frames;
    unsigned flip_payload;      /* flip the last byte of the next n AH frames */
    unsigned touch_mutable;     /* change TOS/TTL/DF or traffic class/flow/hop limit of the next n */
    uint8_t last_udp[2048];
    size_t last_udp_len;
} H;

/* Offset of AH in an Ethernet frame (0: not AH) and the IP packet's end. */
static size_t ah_at(const uint8_t *d, size_t len, size_t *end)
{
    if (len > 14 + 40 + 12 && rd16(d + 12) == 0x86dd && d[14 + 6] == 51) {
        *end = 14 + 40 + (size_t)rd16(d + 14 + 4);
        return 14 + 40;
    }
    if (len > 14 + 20 + 12 && rd16(d + 12) == 0x0800 && d[14 + 9] == 51) {
        *end = 14 + (size_t)rd16(d + 14 + 2);
        return 14 + (size_t)(d[14] & 15) * 4;
    }
    return 0;
}

/* Every field RFC 4302 App. A calls mutable, changed as a router may. */
static void touch_mutable(uint8_t *d)
{
    uint8_t *ip = d + 14;
    if (rd16(d + 12) == 0x86dd) {
        ip[0] = (uint8_t)((ip[0] & 0xf0) | 0x0b);   /* traffic class */
        ip[1] ^= 0x8f;                               /* traffic class + flow label */
        ip[3] ^= 0x55;                               /* flow label */
        ip[7] -= 3;                                  /* hop limit */
        return;
    }
    ip[1] = 0xb8;          /* DSCP EF */
    ip[6] |= 0x40;         /* DF set en route */
    ip[8] -= 3;            /* TTL */
    inj_ip4_fix_cksum(ip);
}

static void b_hook(struct ifnet *ifp, struct pkt *p)
{
    uint8_t *d = pkt_data(p);
    size_t end = 0, ah = ah_at(d, p->len, &end);
    if (ah && end <= p->len) {
        H.ah_frames++;
        if (H.flip_payload) {
            H.flip_payload--;
            d[end - 1] ^= 0x01;
        } else if (H.touch_mutable) {
            H.touch_mutable--;
            touch_mutable(d);
        }
        if (d[ah] == 17 && p->len <= sizeof H.last_udp) {
            memcpy(H.last_udp, d, p->len);
            H.last_udp_len = p->len;
        }
    }
    net_input(ifp, p);
}

static void two_hosts(uint64_t seed, const char *conf)
{
    W = sim_two_hosts(seed, &A, &B);
    memset(&H, 0, sizeof H);
    if_find(B, "eth0")->input_hook = b_hook;
    if (load(A, conf) || load(B, conf))
        t_case_failed = 1;
}

static void teardown(struct six_stack **v, int n)
{
    for (int i = 0; i < n; i++)
        six_stack_destroy(v[i]);
    sim_world_destroy(W);
}


static int udp_listen(struct six_stack *d, const char *to, uint16_t port)
{
    int fam = strchr(to, ':') ? AF_INET6 : AF_INET;
    socklen_t len;
    struct sockaddr_storage any = ss_of(fam == AF_INET6 ? "::" : "0.0.0.0", port, &len);
    int rs = six_socket(d, fam, SOCK_DGRAM, 0);
    if (rs >= 0 && six_bind(d, rs, (struct sockaddr *)&any, len)) {
        six_close(d, rs);
        return -1;
    }
    return rs;
}

static const char msg[] = "authenticated datagram";

static void udp_send(struct six_stack *s, const char *to, uint16_t port)
{
    socklen_t len;
    struct sockaddr_storage dst = ss_of(to, port, &len);
    int ws = six_socket(s, dst.ss_family, SOCK_DGRAM, 0);
    six_sendto(s, ws, msg, sizeof msg, 0, (struct sockaddr *)&dst, len);
    six_close(s, ws);
}

/* Did socket rs get exactly the test datagram (once)? */
static bool udp_got(struct six_stack *d, int rs)
{
    char buf[64];
    ssize_t n = six_recv(d, rs, buf, sizeof buf, 0);
    return n == (ssize_t)sizeof msg && !memcmp(buf, msg, sizeof msg);
}

static bool udp_once(struct six_stack *s, struct six_stack *d, const char *to, uint16_t port)
{
    int rs = udp_listen(d, to, port);
    if (rs < 0)
        return false;
    udp_send(s, to, port);
    sim_run_for(W, 50 * MS);
    bool ok = udp_got(d, rs);
    six_close(d, rs);
    return ok;
}


static struct ipsec_sa *sa_at(struct six_stack *st, const char *dst, uint32_t spi)
{
    struct in6_addr a;
    if (strchr(dst, ':')) {
        inet_pton(AF_INET6, dst, &a);
    } else {
        memset(&a, 0, sizeof a);
        a.s6_addr[10] = a.s6_addr[11] = 0xff;
        inet_pton(AF_INET, dst, &a.s6_addr[12]);
    }
    return ipsec_sa_find(st, IPSEC_PROTO_AH, &a, spi);
}

static uint64_t icv_drops(struct six_stack *st)
{
    return CTR_GET(st, ipsec, drop_icv) + CTR_GET(st, ipsec, drop_replay) + CTR_GET(st, ipsec, drop_policy) +
           CTR_GET(st, ipsec, ah_drop_icv_len);
}

TEST(ah_transport_icmp_udp_tcp_both_families)
{
    two_hosts(51, host_conf);
    T_EQ(ipsec_sa_count(A), 4);
    T_EQ(ipsec_sp_count(A), 8);
    T_EQ(scene_cmd_wait(W, A, NULL, 5 * SEC, "ping 2001:db8:1::b -c 2 -i 100"), 0);
    T_EQ(scene_cmd_wait(W, A, NULL, 5 * SEC, "ping 192.0.2.2 -c 2 -i 100"), 0);
    T_EQ(scene_cmd_wait(W, B, NULL, 5 * SEC, "ping 192.0.2.1 -c 2 -i 100"), 0);
    T_CHECK(udp_once(A, B, "2001:db8:1::b", 5001));
    T_CHECK(udp_once(B, A, "2001:db8:1::a", 5002));
    T_CHECK(udp_once(A, B, "192.0.2.2", 5003));
    T_CHECK(udp_once(B, A, "192.0.2.1", 5004));
    T_CHECK(tcp_transfer(A, B, "2001:db8:1::b", 1 << 20));
    T_CHECK(tcp_transfer(B, A, "2001:db8:1::a", 1 << 20));
    T_CHECK(tcp_transfer(A, B, "192.0.2.2", 1 << 20));
    T_CHECK(tcp_transfer(B, A, "192.0.2.1", 512 << 10));
    /* it was AH all along, verified on both sides, nothing refused */
    T_CHECK(CTR_GET(B, ipsec, ah_in_packets) > 1000);
    T_CHECK(CTR_GET(A, ipsec, ah_in_packets) > 1000);
    T_CHECK(CTR_GET(A, ipsec, ah_out_packets) > 1000);
    T_CHECK(H.ah_frames >= CTR_GET(B, ipsec, ah_in_packets));
    T_EQ(icv_drops(A) + icv_drops(B), 0);
    struct ipsec_sa *s6 = sa_at(B, "2001:db8:1::b", 0x1101), *s4 = sa_at(B, "192.0.2.2", 0x2101);
    T_CHECK(s6 && s6->stats.packets > 500);
    T_CHECK(s4 && s4->stats.packets > 500);
    /* TCP's MSS leaves room for AH: 12 + 16 padded to 8 (IPv6), 12 + 12 (IPv4) */
    struct in6_addr a6, b6, a4 = { .s6_addr = { [10] = 0xff, 0xff, 192, 0, 2, 1 } }, b4 = a4;
    b4.s6_addr[15] = 2;
    inet_pton(AF_INET6, "2001:db8:1::a", &a6);
    inet_pton(AF_INET6, "2001:db8:1::b", &b6);
    T_EQ(ipsec_hdrsiz(A, false, &a6, &b6, 6, 1000, 80), 32);
    T_EQ(ipsec_hdrsiz(A, true, &a4, &b4, 6, 1000, 80), 24);
    teardown((struct six_stack *[]){ A, B }, 2);
}

/* Routers may change TOS/DSCP, TTL, DF, traffic class, flow label, hop
 * limit: the ICV does not cover them, the packets still verify. */
TEST(mutable_fields_changed_en_route_still_verify)
{
    two_hosts(52, host_conf);
    T_CHECK(udp_once(A, B, "2001:db8:1::b", 5011));
    H.touch_mutable = 1;
    T_CHECK(udp_once(A, B, "2001:db8:1::b", 5012));
    T_EQ(H.touch_mutable, 0);
    T_CHECK(udp_once(A, B, "192.0.2.2", 5013));
    H.touch_mutable = 1;
    T_CHECK(udp_once(A, B, "192.0.2.2", 5014));
    T_EQ(H.touch_mutable, 0);
    T_EQ(icv_drops(B), 0);
    teardown((struct six_stack *[]){ A, B }, 2);
}

/* A byte of the payload flipped on the wire: dropped, counted per SA. */
TEST(tampered_ah_packet_dropped_and_counted)
{
    two_hosts(53, host_conf);
    T_CHECK(udp_once(A, B, "2001:db8:1::b", 5021));
    struct ipsec_sa *s6 = sa_at(B, "2001:db8:1::b", 0x1101), *s4 = sa_at(B, "192.0.2.2", 0x2101);
    T_CHECK(s6 && s4);
    uint64_t icv = CTR_GET(B, ipsec, drop_icv);
    H.flip_payload = 1;
    T_CHECK(!udp_once(A, B, "2001:db8:1::b", 5022));
    T_EQ(CTR_GET(B, ipsec, drop_icv), icv + 1);
    T_EQ(s6 ? s6->stats.drop_icv : 0, 1);
    H.flip_payload = 1;
    T_CHECK(!udp_once(A, B, "192.0.2.2", 5023));
    T_EQ(CTR_GET(B, ipsec, drop_icv), icv + 2);
    T_EQ(s4 ? s4->stats.drop_icv : 0, 1);
    /* a rejected packet did not move the window: the next ones pass */
    T_CHECK(udp_once(A, B, "2001:db8:1::b", 5024));
    T_CHECK(udp_once(A, B, "192.0.2.2", 5025));
    T_EQ(CTR_GET(B, ipsec, drop_replay), 0);
    teardown((struct six_stack *[]){ A, B }, 2);
}

/* A captured AH packet injected again is a replay; mangled copies of it
 * are wire drops ("ah.drop.<reason>") or counted IPsec drops. */
static void inject_variant(struct ifnet *bif, void (*edit)(uint8_t *f, size_t *len))
{
    uint8_t f[2048];
    size_t len = H.last_udp_len;
    memcpy(f, H.last_udp, len);
    edit(f, &len);
    T_CHECK(inj_input(bif, f, len));
    sim_run_for(W, 10 * MS);
}

static void same(uint8_t *f, size_t *len) { (void)f; (void)len; }
static void truncate_ah(uint8_t *f, size_t *len)   /* IPv6: 8 bytes of AH left */
{
    wr16(f + 14 + 4, 8);
    *len = 14 + 40 + 8;
}
static void lying_len(uint8_t *f, size_t *len) { (void)len; f[14 + 40 + 1] = 200; }
static void short_icv(uint8_t *f, size_t *len) { (void)len; f[14 + 40 + 1] = 4; }   /* 24 bytes, not 32 */
static void other_spi(uint8_t *f, size_t *len) { (void)len; wr32(f + 14 + 40 + 4, 0x7777); }

TEST(replayed_truncated_and_lying_ah_dropped)
{
    two_hosts(54, host_conf);
    struct ifnet *bif = if_find(B, "eth0");
    int rs = udp_listen(B, "2001:db8:1::b", 5031);
    T_CHECK(rs >= 0);
    udp_send(A, "2001:db8:1::b", 5031);
    sim_run_for(W, 50 * MS);
    T_CHECK(udp_got(B, rs));
    T_CHECK(H.last_udp_len > 14 + 40 + 32 + 8);
    T_EQ(rd16(H.last_udp + 12), 0x86dd);

    struct ipsec_sa *sa = sa_at(B, "2001:db8:1::b", 0x1101);
    uint64_t replay = CTR_GET(B, ipsec, drop_replay);
    inject_variant(bif, same);
    T_EQ(CTR_GET(B, ipsec, drop_replay), replay + 1);
    T_EQ(sa ? sa->stats.drop_replay : 0, 1);
    T_CHECK(!udp_got(B, rs));   /* delivered once only */

    uint64_t trunc = C(B, "ah.drop.truncated"), lie = C(B, "ah.drop.bad_length");
    inject_variant(bif, truncate_ah);
    T_EQ(C(B, "ah.drop.truncated"), trunc + 1);
    inject_variant(bif, lying_len);
    T_EQ(C(B, "ah.drop.bad_length"), lie + 1);
    uint64_t icvlen = C(B, "ipsec.ah_drop_icv_len"), spi = C(B, "ipsec.drop_unknown_spi");
    inject_variant(bif, short_icv);
    T_EQ(C(B, "ipsec.ah_drop_icv_len"), icvlen + 1);
    inject_variant(bif, other_spi);
    T_EQ(C(B, "ipsec.drop_unknown_spi"), spi + 1);
    T_CHECK(!udp_got(B, rs));
    T_EQ(CTR_GET(B, ipsec, drop_icv), 0);   /* every one stopped before the ICV */
    six_close(B, rs);
    teardown((struct six_stack *[]){ A, B }, 2);
}

/* Extended sequence numbers: the high 32 bits are in the ICV only; the
 * sender and the receiver cross 2^32 together. */
TEST(esn_across_the_32_bit_boundary)
{
    two_hosts(55, esn_conf);
    struct ipsec_sa *tx6 = sa_at(A, "2001:db8:1::b", 0x1201), *rx6 = sa_at(B, "2001:db8:1::b", 0x1201);
    struct ipsec_sa *tx4 = sa_at(A, "192.0.2.2", 0x2201), *rx4 = sa_at(B, "192.0.2.2", 0x2201);
    T_CHECK(tx6 && rx6 && tx4 && rx4 && rx6->esn);
    if (!tx6 || !rx6 || !tx4 || !rx4) {
        teardown((struct six_stack *[]){ A, B }, 2);
        return;
    }
    tx6->tx.last = rx6->replay.top = 0xfffffffcull;
    tx4->tx.last = rx4->replay.top = 0xfffffffdull;
    for (uint16_t i = 0; i < 6; i++) {
        T_CHECK(udp_once(A, B, "2001:db8:1::b", (uint16_t)(5041 + i)));
        T_CHECK(udp_once(A, B, "192.0.2.2", (uint16_t)(5051 + i)));
    }
    T_CHECK(rx6->replay.top > 0xffffffffull);
    T_CHECK(rx4->replay.top > 0xffffffffull);
    T_EQ(icv_drops(B), 0);
    teardown((struct six_stack *[]){ A, B }, 2);
}

/* An AH SA needs an HMAC and takes no cipher; AH requests are accepted. */
TEST(ah_sa_parameters_checked)
{
    W = sim_world_create(56);
    A = sim_stack(W, "a", 57, 1024);
    static const uint8_t key[32];
    struct ipsec_sa_params p = { .spi = 0x999, .proto = IPSEC_PROTO_AH, .mode = IPSEC_MODE_TRANSPORT,
                                 .aalg = IPSEC_AALG_NONE };
    inet_pton(AF_INET6, "2001:db8::1", &p.src);
    inet_pton(AF_INET6, "2001:db8::2", &p.dst);
    const char *err;
    T_EQ(ipsec_sa_add(A, &p, false, &err), -EINVAL);
    p.aalg = IPSEC_AALG_HMAC_SHA256_128;
    p.akey = key;
    p.akeylen = 32;
    p.ealg = IPSEC_EALG_AES_CBC;
    p.ekey = key;
    p.ekeylen = 16;
    T_EQ(ipsec_sa_add(A, &p, false, &err), -EINVAL);
    p.ealg = IPSEC_EALG_NONE;
    p.ekey = NULL;
    p.ekeylen = 0;
    T_EQ(ipsec_sa_add(A, &p, false, &err), 0);
    T_EQ(load(A, "spdadd 2001:db8::1 2001:db8::2 any -P out ipsec ah/transport//require;"), 0);
    teardown((struct six_stack *[]){ A }, 1);
}

/* H1 — R1 == WAN (IPv4 and IPv6) == R2 — H2.  IPv6 between the sites
 * travels in an IPv4 AH tunnel (HMAC-SHA1-96), IPv4 between them in an
 * IPv6 AH tunnel (HMAC-SHA-256-128); one setkey file for both routers. */
static const char gw_conf[] =
    "add 198.51.100.1 198.51.100.2 ah 0x4101 -m tunnel -A hmac-sha1 " K1A ";\n"
    "add 198.51.100.2 198.51.100.1 ah 0x4102 -m tunnel -A hmac-sha1 " K1B ";\n"
    "add 2001:db8:ff::1 2001:db8:ff::2 ah 0x4201 -m tunnel -A hmac-sha2-256 " K256A ";\n"
    "add 2001:db8:ff::2 2001:db8:ff::1 ah 0x4202 -m tunnel -A hmac-sha2-256 " K256B ";\n"
    "spdadd 2001:db8:a::/64 2001:db8:b::/64 any -P out ipsec ah/tunnel/198.51.100.1-198.51.100.2/require;\n"
    "spdadd 2001:db8:b::/64 2001:db8:a::/64 any -P in ipsec ah/tunnel/198.51.100.2-198.51.100.1/require;\n"
    "spdadd 2001:db8:b::/64 2001:db8:a::/64 any -P out ipsec ah/tunnel/198.51.100.2-198.51.100.1/require;\n"
    "spdadd 2001:db8:a::/64 2001:db8:b::/64 any -P in ipsec ah/tunnel/198.51.100.1-198.51.100.2/require;\n"
    "spdadd 10.1.0.0/24 10.2.0.0/24 any -P out ipsec ah/tunnel/2001:db8:ff::1-2001:db8:ff::2/require;\n"
    "spdadd 10.2.0.0/24 10.1.0.0/24 any -P in ipsec ah/tunnel/2001:db8:ff::2-2001:db8:ff::1/require;\n"
    "spdadd 10.2.0.0/24 10.1.0.0/24 any -P out ipsec ah/tunnel/2001:db8:ff::2-2001:db8:ff::1/require;\n"
    "spdadd 10.1.0.0/24 10.2.0.0/24 any -P in ipsec ah/tunnel/2001:db8:ff::1-2001:db8:ff::2/require;\n";

static void run_cmds(struct six_stack **by, const char *const *names, int n, const char *const (*cmds)[2],
                     size_t ncmds)
{
    for (size_t i = 0; i < ncmds; i++)
        for (int k = 0; k < n; k++)
            if (!strcmp(cmds[i][0], names[k]))
                T_EQ(scene_cmd(by[k], NULL, "%s", cmds[i][1]), 0);
}

TEST(ah_tunnels_6in4_and_4in6_between_routers)
{
    struct sim_link_params lp = { .delay_ns = 1 * MS };
    W = sim_world_create(58);
    struct six_stack *h1 = sim_stack(W, "h1", 1, 2048), *r1 = sim_stack(W, "r1", 2, 2048);
    struct six_stack *r2 = sim_stack(W, "r2", 3, 2048), *h2 = sim_stack(W, "h2", 4, 2048);
    struct sim_link *l1 = sim_link_create(W, "l1", &lp), *l2 = sim_link_create(W, "l2", &lp);
    struct sim_link *l3 = sim_link_create(W, "l3", &lp);
    sim_attach(l1, h1, "eth0", NULL);
    sim_attach(l1, r1, "lan0", NULL);
    sim_attach(l2, r1, "wan0", NULL);
    sim_attach(l2, r2, "wan0", NULL);
    sim_attach(l3, r2, "lan0", NULL);
    sim_attach(l3, h2, "eth0", NULL);
    static const char *const cmds[][2] = {
        { "h1", "link set eth0 up" }, { "h1", "addr add 2001:db8:a::1/64 dev eth0" },
        { "h1", "addr add 10.1.0.1/24 dev eth0" },
        { "h1", "route add default via 2001:db8:a::ff" }, { "h1", "route add default via 10.1.0.254" },
        { "r1", "link set lan0 up" }, { "r1", "link set wan0 up" }, { "r1", "set forwarding on" },
        { "r1", "addr add 2001:db8:a::ff/64 dev lan0" }, { "r1", "addr add 10.1.0.254/24 dev lan0" },
        { "r1", "addr add 198.51.100.1/24 dev wan0" }, { "r1", "addr add 2001:db8:ff::1/64 dev wan0" },
        { "r2", "link set lan0 up" }, { "r2", "link set wan0 up" }, { "r2", "set forwarding on" },
        { "r2", "addr add 2001:db8:b::ff/64 dev lan0" }, { "r2", "addr add 10.2.0.254/24 dev lan0" },
        { "r2", "addr add 198.51.100.2/24 dev wan0" }, { "r2", "addr add 2001:db8:ff::2/64 dev wan0" },
        { "h2", "link set eth0 up" }, { "h2", "addr add 2001:db8:b::1/64 dev eth0" },
        { "h2", "addr add 10.2.0.1/24 dev eth0" },
        { "h2", "route add default via 2001:db8:b::ff" }, { "h2", "route add default via 10.2.0.254" },
    };
    struct six_stack *by[] = { h1, r1, r2, h2 };
    static const char *const names[] = { "h1", "r1", "r2", "h2" };
    run_cmds(by, names, 4, cmds, sizeof cmds / sizeof cmds[0]);
    sim_run_for(W, 3 * SEC);
    T_EQ(load(r1, gw_conf), 0);
    T_EQ(load(r2, gw_conf), 0);

    T_EQ(scene_cmd_wait(W, h1, NULL, 5 * SEC, "ping 2001:db8:b::1 -c 3 -i 100"), 0);
    T_EQ(scene_cmd_wait(W, h1, NULL, 5 * SEC, "ping 10.2.0.1 -c 3 -i 100"), 0);
    T_CHECK(udp_once(h1, h2, "2001:db8:b::1", 6001));
    T_CHECK(udp_once(h2, h1, "10.1.0.1", 6002));
    T_CHECK(tcp_transfer(h1, h2, "2001:db8:b::1", 1 << 20));
    T_CHECK(tcp_transfer(h2, h1, "10.1.0.1", 1 << 20));
    struct ipsec_sa *t4 = sa_at(r2, "198.51.100.2", 0x4101), *t6 = sa_at(r1, "2001:db8:ff::1", 0x4202);
    T_CHECK(t4 && t4->stats.packets > 100);   /* IPv6 in IPv4, h1 -> h2 */
    T_CHECK(t6 && t6->stats.packets > 100);   /* IPv4 in IPv6, h2 -> h1 */
    T_CHECK(CTR_GET(r1, ipsec, ah_in_packets) > 200);
    T_CHECK(CTR_GET(r2, ipsec, ah_in_packets) > 200);
    T_EQ(icv_drops(r1) + icv_drops(r2) + CTR_GET(r1, ipsec, drop_selector) + CTR_GET(r2, ipsec, drop_selector), 0);
    teardown((struct six_stack *[]){ h1, r1, r2, h2 }, 4);
}

int main(void)
{
    RUN(ah_transport_icmp_udp_tcp_both_families);
    RUN(mutable_fields_changed_en_route_still_verify);
    RUN(tampered_ah_packet_dropped_and_counted);
    RUN(replayed_truncated_and_lying_ah_dropped);
    RUN(esn_across_the_32_bit_boundary);
    RUN(ah_sa_parameters_checked);
    RUN(ah_tunnels_6in4_and_4in6_between_routers);
    return t_done();
}
