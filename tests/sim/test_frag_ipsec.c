/* Reassembly keeps IPsec provenance (frag6.c, frag4.c), both families.
 *
 * b has an inbound policy that asks for ESP in tunnel mode from a.  a's
 * stack seals inner fragments of one 3000-byte UDP datagram with a tunnel
 * SA (ipsec_output_tunnel_sa, as a gateway that fragments before it
 * encrypts would send them); the datagram b rebuilds must be as protected
 * as every one of its fragments:
 *   - all fragments through the SA: delivered;
 *   - one fragment in plaintext with the same addresses and id (spliced):
 *     never merged (frag*.mixed_provenance), nothing delivered, both
 *     halves time out;
 *   - a plaintext fragment that overlaps cannot kill the protected datagram;
 *   - fragments through two different SAs: not merged.
 * Fragmentation of the outer packet (transport mode, ESP inside the
 * fragments) is reassembled before ESP input, which then adds the SA:
 * a large datagram over transport ESP is delivered too.  And the tunnel
 * nesting bound (pkt->encap) counts per packet across reassembly. */
#include <stdio.h>
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
#include "net/stack.h"
#include "ipsec/ipsec.h"
#include "six/socket.h"
#include "wire/bytes.h"
#include "wire/cksum.h"
#include "wire/udp.h"

#define MS 1000000ull
#define SEC 1000000000ull
#define UDP_TOTAL 3000u     /* UDP header + payload */
#define PIECE 1000u         /* bytes of UDP per fragment: 3 fragments */
#define PORT 7000
#define SA1 0x7101u
#define SA2 0x7102u

static struct sim_world *W;
static struct six_stack *A, *B;
static bool V4;
static int sock;
static const char *SRC, *DST;

static int frag_ctr(bool reassembled)
{
    return V4 ? (reassembled ? CTR_GET(B, frag4, reassembled) : CTR_GET(B, frag4, mixed_provenance))
              : (reassembled ? CTR_GET(B, frag6, reassembled) : CTR_GET(B, frag6, mixed_provenance));
}

static uint64_t timeouts(void) { return V4 ? CTR_GET(B, frag4, drop_timeout) : CTR_GET(B, frag6, drop_timeout); }

static void setup(uint64_t seed, bool v4, const char *mode)
{
    char conf[1024];
    V4 = v4;
    SRC = v4 ? "192.0.2.1" : "2001:db8:1::a";
    DST = v4 ? "192.0.2.2" : "2001:db8:1::b";
    W = sim_two_hosts(seed, &A, &B);
    bool tunnel = !strcmp(mode, "tunnel");
    char req[128];
    snprintf(req, sizeof req, tunnel ? "esp/tunnel/%s-%s/require" : "esp/transport//require", SRC, DST);
    snprintf(conf, sizeof conf,
             "add %s %s esp 0x%x -m %s -E aes-gcm-16 0x0102030405060708090a0b0c0d0e0f1011121314;\n"
             "add %s %s esp 0x%x -m %s -E aes-gcm-16 0x2122232425262728292a2b2c2d2e2f3031323334;\n"
             "spdadd %s %s udp -P in ipsec %s;\n"
             "spdadd %s %s udp -P out ipsec %s;\n",
             SRC, DST, SA1, mode, SRC, DST, SA2, mode, SRC, DST, req, SRC, DST, req);
    T_EQ(sim_setkey(A, conf), 0);
    T_EQ(sim_setkey(B, conf), 0);
    socklen_t len;
    struct sockaddr_storage any = sim_sockaddr(v4 ? "0.0.0.0" : "::", PORT, &len);
    sock = six_socket(B, v4 ? AF_INET : AF_INET6, SOCK_DGRAM, 0);
    T_EQ(six_bind(B, sock, (struct sockaddr *)&any, len), 0);
}

static void teardown(void)
{
    six_stack_destroy(A);
    six_stack_destroy(B);
    sim_world_destroy(W);
}

/* The UDP datagram (header and a pattern that depends on tag), checksummed. */
static void make_dgram(uint8_t *d, uint8_t tag)
{
    for (unsigned i = UDP_HLEN; i < UDP_TOTAL; i++)
        d[i] = (uint8_t)(i * 7 + tag);
    struct in6_addr s = inj_a6(SRC), t = inj_a6(DST);
    uint32_t pseudo = V4 ? cksum_pseudo4(inj_a4(SRC), inj_a4(DST), UDP_TOTAL, 17) : cksum_pseudo6(&s, &t, UDP_TOTAL, 17);
    udp_emit(d, UDP_TOTAL, 4000, PORT, UDP_TOTAL - UDP_HLEN, pseudo);
}

/* Fragment i (0, 1, 2) of the datagram of tag with this id, as an IP packet. */
static size_t fragment(uint8_t *out, unsigned i, uint32_t id, uint8_t tag)
{
    uint8_t d[UDP_TOTAL], pl[PIECE + 8];
    make_dgram(d, tag);
    bool more = i < UDP_TOTAL / PIECE - 1;
    if (V4)
        return inj_ip4(out, INJ_MAX, inj_a4(SRC), inj_a4(DST), 64, 17, (uint16_t)id,
                       (uint16_t)((more ? 0x2000 : 0) | (i * PIECE / 8)), NULL, 0, d + i * PIECE, PIECE);
    size_t n = inj_fraghdr(pl, sizeof pl, 17, (uint16_t)(i * PIECE), more, id);
    memcpy(pl + n, d + i * PIECE, PIECE);
    struct in6_addr s = inj_a6(SRC), t = inj_a6(DST);
    return inj_ip6(out, INJ_MAX, &s, &t, 64, 44, pl, n + PIECE);
}

/* a seals fragment i with SA spi (tunnel mode) and sends it to b. */
static void sealed(unsigned i, uint32_t id, uint32_t spi, uint8_t tag)
{
    uint8_t f[INJ_MAX];
    size_t n = fragment(f, i, id, tag);
    struct in6_addr dst = V4 ? (struct in6_addr){ .s6_addr = { [10] = 0xff, [11] = 0xff, 192, 0, 2, 2 } }
                             : inj_a6(DST);
    struct ipsec_sa *sa = ipsec_sa_find(A, IPSEC_PROTO_ESP, &dst, spi);
    struct pkt *p = pkt_alloc(A->pool, n);
    T_CHECK(sa && p);
    if (!sa || !p)
        return;
    memcpy(pkt_put(p, n), f, n);
    int rc = 0;
    ipsec_output_tunnel_sa(A, p, sa, V4, &rc);
    T_EQ(rc, 0);
    sim_run_for(W, 5 * MS);
}

/* fragment i straight onto b's link, in the clear, as if from a. */
static void plain(unsigned i, uint32_t id, uint8_t tag, uint16_t shift)
{
    uint8_t f[INJ_MAX];
    size_t n = fragment(f, i, id, tag);
    if (shift) {   /* move the fragment's offset back: it overlaps its neighbour */
        if (V4) {
            wr16(f + 6, (uint16_t)(rd16(f + 6) - shift / 8));
            inj_ip4_fix_cksum(f);
        } else {
            wr16(f + 40 + 2, (uint16_t)(rd16(f + 40 + 2) - shift));
        }
    }
    struct ifnet *a = if_find(A, "eth0"), *b = if_find(B, "eth0");
    T_CHECK(inj_input_eth(b, &b->hwaddr, &a->hwaddr, f, n));
    sim_run_for(W, 5 * MS);
}

/* Datagrams waiting on b's socket; each must be the datagram of tag. */
static unsigned delivered(uint8_t tag)
{
    uint8_t buf[4096], want[UDP_TOTAL];
    unsigned n = 0;
    ssize_t len;
    make_dgram(want, tag);
    while ((len = six_recv(B, sock, buf, sizeof buf, 0)) > 0) {
        T_EQ(len, UDP_TOTAL - UDP_HLEN);
        T_CHECK(!memcmp(buf, want + UDP_HLEN, UDP_TOTAL - UDP_HLEN));
        n++;
    }
    return n;
}

static void through_the_tunnel(bool v4)
{
    setup(91, v4, "tunnel");
    uint64_t r0 = frag_ctr(true), pol = CTR_GET(B, ipsec, drop_policy), sel = CTR_GET(B, ipsec, drop_selector);
    for (unsigned i = 0; i < 3; i++)
        sealed(i, 0x1001, SA1, 1);
    T_EQ(delivered(1), 1);
    T_EQ(frag_ctr(true), r0 + 1);
    T_EQ(CTR_GET(B, ipsec, drop_policy), pol);
    T_EQ(CTR_GET(B, ipsec, drop_selector), sel);
    T_EQ(frag_ctr(false), 0);
    /* out of order, the last first */
    sealed(2, 0x1002, SA1, 2);
    sealed(0, 0x1002, SA1, 2);
    sealed(1, 0x1002, SA1, 2);
    T_EQ(delivered(2), 1);
    teardown();
}

TEST(inner_fragments_through_an_esp_tunnel_delivered_v6) { through_the_tunnel(false); }
TEST(inner_fragments_through_an_esp_tunnel_delivered_v4) { through_the_tunnel(true); }

/* Two fragments through the SA, the third in the clear with the same
 * addresses and id: kept apart, nothing delivered, both time out; the
 * same datagram sent whole through the SA afterwards still arrives. */
static void spliced(bool v4)
{
    setup(92, v4, "tunnel");
    uint64_t r0 = frag_ctr(true), t0 = timeouts();
    sealed(0, 0x2001, SA1, 3);
    sealed(1, 0x2001, SA1, 3);
    plain(2, 0x2001, 3, 0);
    T_EQ(delivered(3), 0);
    T_EQ(frag_ctr(false), 1);
    T_EQ(frag_ctr(true), r0);
    sim_run_for(W, 61 * SEC);
    T_EQ(timeouts(), t0 + 2);
    T_EQ(delivered(3), 0);
    /* the other way round: the plaintext piece first */
    plain(0, 0x2002, 4, 0);
    sealed(1, 0x2002, SA1, 4);
    sealed(2, 0x2002, SA1, 4);
    T_EQ(delivered(4), 0);
    T_EQ(frag_ctr(false), 3);
    for (unsigned i = 0; i < 3; i++)
        sealed(i, 0x2003, SA1, 5);
    T_EQ(delivered(5), 1);
    teardown();
}

TEST(plaintext_fragment_never_spliced_into_a_protected_datagram_v6) { spliced(false); }
TEST(plaintext_fragment_never_spliced_into_a_protected_datagram_v4) { spliced(true); }

/* An overlapping plaintext fragment (RFC 5722: an overlap kills the
 * datagram) lands in a datagram of its own: the protected one completes. */
static void overlap_cannot_kill(bool v4)
{
    setup(93, v4, "tunnel");
    uint64_t ov = v4 ? CTR_GET(B, frag4, drop_overlap) : CTR_GET(B, frag6, drop_overlap);
    sealed(0, 0x3001, SA1, 6);
    plain(1, 0x3001, 6, 8);   /* starts 8 bytes inside fragment 0 */
    sealed(1, 0x3001, SA1, 6);
    sealed(2, 0x3001, SA1, 6);
    T_EQ(delivered(6), 1);
    T_EQ(v4 ? CTR_GET(B, frag4, drop_overlap) : CTR_GET(B, frag6, drop_overlap), ov);
    teardown();
}

TEST(plaintext_overlap_cannot_kill_a_protected_datagram_v6) { overlap_cannot_kill(false); }
TEST(plaintext_overlap_cannot_kill_a_protected_datagram_v4) { overlap_cannot_kill(true); }

/* Fragments of one id through two SAs are two datagrams, neither complete. */
static void two_sas(bool v4)
{
    setup(94, v4, "tunnel");
    uint64_t r0 = frag_ctr(true);
    sealed(0, 0x4001, SA1, 7);
    sealed(1, 0x4001, SA1, 7);
    sealed(2, 0x4001, SA2, 7);
    T_EQ(delivered(7), 0);
    T_EQ(frag_ctr(true), r0);
    T_EQ(frag_ctr(false), 1);
    sealed(2, 0x4001, SA1, 7);   /* its own SA's last piece completes it */
    T_EQ(delivered(7), 1);
    teardown();
}

TEST(fragments_through_two_sas_not_merged_v6) { two_sas(false); }
TEST(fragments_through_two_sas_not_merged_v4) { two_sas(true); }

/* Transport mode: a sends 3000 bytes; the ESP packet is fragmented on the
 * way out and b rebuilds it before ESP input, which adds the SA. */
static void transport_outer_fragments(bool v4)
{
    setup(95, v4, "transport");
    uint64_t r0 = frag_ctr(true);
    socklen_t len;
    struct sockaddr_storage to = sim_sockaddr(DST, PORT, &len);
    int s = six_socket(A, v4 ? AF_INET : AF_INET6, SOCK_DGRAM, 0);
    uint8_t d[UDP_TOTAL];
    make_dgram(d, 8);
    T_EQ(six_sendto(A, s, d + UDP_HLEN, UDP_TOTAL - UDP_HLEN, 0, (struct sockaddr *)&to, len),
         UDP_TOTAL - UDP_HLEN);
    sim_run_for(W, 50 * MS);
    T_EQ(frag_ctr(true), r0 + 1);
    uint8_t buf[4096];
    T_EQ(six_recv(B, sock, buf, sizeof buf, 0), UDP_TOTAL - UDP_HLEN);
    T_CHECK(!memcmp(buf, d + UDP_HLEN, UDP_TOTAL - UDP_HLEN));
    six_close(A, s);
    teardown();
}

TEST(transport_mode_outer_fragments_delivered_v6) { transport_outer_fragments(false); }
TEST(transport_mode_outer_fragments_delivered_v4) { transport_outer_fragments(true); }

/* gif nesting (GIF_MAX_NEST = 2 tunnel headers): gif1 runs over gif0, a
 * third header inside gif1 is refused.  The same three headers with the
 * middle packet in two fragments: each fragment came out of gif0, so the
 * rebuilt one has been through one tunnel already and the third header is
 * refused all the same (the count is the largest of its fragments'). */
static void inject_outer4(const uint8_t *inner, size_t n)
{
    uint8_t f[INJ_MAX];
    size_t len = inj_ip4(f, sizeof f, inj_a4("192.0.2.1"), inj_a4("192.0.2.2"), 64, 4, 9, 0, NULL, 0, inner, n);
    struct ifnet *a = if_find(A, "eth0"), *b = if_find(B, "eth0");
    T_CHECK(inj_input_eth(b, &b->hwaddr, &a->hwaddr, f, len));
    sim_run_for(W, 5 * MS);
}

TEST(tunnel_nesting_counted_across_reassembly)
{
    W = sim_two_hosts(96, &A, &B);
    const char *cmds[][2] = {
        { "link add gif0 type gif local 192.0.2.1 remote 192.0.2.2", "link add gif0 type gif local 192.0.2.2 remote 192.0.2.1" },
        { "link set gif0 up", "link set gif0 up" },
        { "addr add 10.9.0.1/30 dev gif0", "addr add 10.9.0.2/30 dev gif0" },
        { "link add gif1 type gif local 10.9.0.1 remote 10.9.0.2", "link add gif1 type gif local 10.9.0.2 remote 10.9.0.1" },
        { "link set gif1 up", "link set gif1 up" },
        { "addr add 2001:db8:fe::1/64 dev gif1", "addr add 2001:db8:fe::2/64 dev gif1" },
        { "addr add 10.8.0.1/30 dev gif1", "addr add 10.8.0.2/30 dev gif1" },   /* the third header's source */
        { "link set gif1 ingress-check off", "link set gif1 ingress-check off" },
    };
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
        T_EQ(scene_cmd(A, NULL, "%s", cmds[i][0]), 0);
        T_EQ(scene_cmd(B, NULL, "%s", cmds[i][1]), 0);
    }
    sim_run_for(W, 2 * SEC);
    uint8_t echo[INJ_MAX], lvl1[INJ_MAX], lvl2[INJ_MAX];
    struct in6_addr s = inj_a6("2001:db8:fe::1"), d = inj_a6("2001:db8:fe::2");
    size_t n = inj_echo6(echo, sizeof echo, &s, &d, 1, 1, 200);
    size_t n1 = inj_ip4(lvl1, sizeof lvl1, inj_a4("10.8.0.1"), inj_a4("10.9.0.2"), 64, 41, 2, 0, NULL, 0, echo, n);
    size_t n2 = inj_ip4(lvl2, sizeof lvl2, inj_a4("10.9.0.1"), inj_a4("10.9.0.2"), 64, 4, 3, 0, NULL, 0, lvl1, n1);
    inject_outer4(lvl2, n2);
    T_EQ(CTR_GET(B, gif, drop_nested), 1);

    uint64_t in = CTR_GET(B, gif, in_packets), r0 = CTR_GET(B, frag4, reassembled);
    size_t cut = 96;   /* bytes of lvl1 in the first fragment: a multiple of 8 */
    n2 = inj_ip4(lvl2, sizeof lvl2, inj_a4("10.9.0.1"), inj_a4("10.9.0.2"), 64, 4, 4, 0x2000, NULL, 0, lvl1, cut);
    inject_outer4(lvl2, n2);
    n2 = inj_ip4(lvl2, sizeof lvl2, inj_a4("10.9.0.1"), inj_a4("10.9.0.2"), 64, 4, 4, (uint16_t)(cut / 8), NULL, 0,
                 lvl1 + cut, n1 - cut);
    inject_outer4(lvl2, n2);
    T_EQ(CTR_GET(B, frag4, reassembled), r0 + 1);
    T_EQ(CTR_GET(B, gif, drop_nested), 2);
    T_EQ(CTR_GET(B, gif, in_packets), in + 3);   /* two fragments out of gif0, the rebuilt one out of gif1 */
    teardown();
}

int main(void)
{
    RUN(inner_fragments_through_an_esp_tunnel_delivered_v6);
    RUN(inner_fragments_through_an_esp_tunnel_delivered_v4);
    RUN(plaintext_fragment_never_spliced_into_a_protected_datagram_v6);
    RUN(plaintext_fragment_never_spliced_into_a_protected_datagram_v4);
    RUN(plaintext_overlap_cannot_kill_a_protected_datagram_v6);
    RUN(plaintext_overlap_cannot_kill_a_protected_datagram_v4);
    RUN(fragments_through_two_sas_not_merged_v6);
    RUN(fragments_through_two_sas_not_merged_v4);
    RUN(transport_mode_outer_fragments_delivered_v6);
    RUN(transport_mode_outer_fragments_delivered_v4);
    RUN(tunnel_nesting_counted_across_reassembly);
    return t_done();
}
