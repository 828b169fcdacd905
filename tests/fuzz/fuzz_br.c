/* The DSTM border router's decapsulation (src/dstm/br_input.c): arbitrary
 * inner packets offered as 4in6 to the BR's local address, as ip6_input
 * hands them to the tunnel hooks (six_tun_input), from one of four outer
 * sources. The BR (built once) serves 192.0.2.0/28 (whole addresses) and
 * 192.0.2.16/28 (share 2, offset 6) with bindings
 *   192.0.2.1          -> 2001:db8:1::11
 *   192.0.2.17 PSID 1  -> 2001:db8:1::11,   PSID 2 -> 2001:db8:1::12
 * and an AIIH to ask (nobody answers: Leasequeries pile up to their caps).
 *
 * Input: d[0] bits 0..1 the outer source (::11, ::12, ::13, 2001:db8:9::1),
 * bit 2 repair the inner IPv4 header (total length and checksum) so that
 * mutations reach the binding checks, bit 3 let 100 ms pass; the rest is
 * the inner packet.
 *
 * Invariant (a broken one traps): a packet the BR accepted (br.in_packets
 * grew) that is not a later fragment has an inner source whose binding for
 * its port is held by the outer source. */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <arpa/inet.h>
#include "fuzz_stateful.h"
#include "core/log.h"
#include "core/pkt.h"
#include "ctl/scene.h"
#include "dstm/br.h"
#include "link/sim.h"
#include "net/stack.h"
#include "wire/bytes.h"
#include "wire/cksum.h"
#include "wire/ip4.h"
#include "wire/ip6.h"

#define CHECK(c) do { if (!(c)) __builtin_trap(); } while (0)
int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

static struct sim_world *W;
static struct six_stack *BR;
static struct ifnet *ETH;
static struct in6_addr LOCAL, SRC[4];

static void a6(const char *s, struct in6_addr *a) { inet_pton(AF_INET6, s, a); }

static void init(void)
{
    six_log_set_level(0);
    W = sim_world_create(1);
    struct six_stack_opts o = { .name = "br", .clock = sim_clock(W), .tw = sim_wheel(W), .seed = 7, .n_small = 512,
                                .n_big = 8 };
    BR = six_stack_create(&o);
    sim_register_stack(W, BR);
    struct sim_link_params lp = { .delay_ns = 1000000 };
    struct sim_link *l6 = sim_link_create(W, "l6", &lp), *l4 = sim_link_create(W, "l4", &lp);
    ETH = sim_attach(l6, BR, "eth0", NULL);
    sim_attach(l4, BR, "eth1", NULL);
    scene_cmd(BR, NULL, "link set eth0 up");
    scene_cmd(BR, NULL, "link set eth1 up");
    scene_cmd(BR, NULL, "addr add 2001:db8:1::1/64 dev eth0");
    scene_cmd(BR, NULL, "addr add 198.51.100.1/24 dev eth1");
    scene_cmd(BR, NULL, "set forwarding on -4");
    sim_run_for(W, 3000000000ull);
    CHECK(scene_cmd(BR, NULL, "dstm br local 2001:db8:1::1 pool 192.0.2.0/28 pool 192.0.2.16/28 share 2 offset 6 "
                              "aiih 2001:db8:1::5 max-bindings 64") == 0);
    CHECK(scene_cmd(BR, NULL, "dstm br binding add 192.0.2.1 v6 2001:db8:1::11") == 0);
    CHECK(scene_cmd(BR, NULL, "dstm br binding add 192.0.2.17 psid 1/2 v6 2001:db8:1::11") == 0);
    CHECK(scene_cmd(BR, NULL, "dstm br binding add 192.0.2.17 psid 2/2 v6 2001:db8:1::12") == 0);
    a6("2001:db8:1::1", &LOCAL);
    a6("2001:db8:1::11", &SRC[0]);
    a6("2001:db8:1::12", &SRC[1]);
    a6("2001:db8:1::13", &SRC[2]);
    a6("2001:db8:9::1", &SRC[3]);
}

/* The port that picks the PSID, as the BR reads it (TCP/UDP source port, ICMP echo id). */
static bool inner_port(const uint8_t *p, size_t n, const struct ip4_info *ih, uint16_t *port)
{
    if ((ih->proto == 6 || ih->proto == 17) && n >= (size_t)ih->hl + 4) {
        *port = rd16(p + ih->hl);
        return true;
    }
    if (ih->proto == 1 && n >= (size_t)ih->hl + 8 && (p[ih->hl] == 8 || p[ih->hl] == 0)) {
        *port = rd16(p + ih->hl + 4);
        return true;
    }
    return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
    static uint8_t in[2048];
    if (!W)
        init();
    if (n < 1 || n - 1 > sizeof in)
        return 0;
    const struct in6_addr *src = &SRC[d[0] & 3];
    size_t len = n - 1;
    memcpy(in, d + 1, len);
    if ((d[0] & 4) && len >= 20 && (in[0] >> 4) == 4) {
        wr16(in + 2, (uint16_t)len);
        unsigned hl = (in[0] & 15u) * 4;
        if (hl >= 20 && hl <= len) {
            wr16(in + 10, 0);
            wr16(in + 10, cksum_fold(cksum_add(0, in, hl)));
        }
    }
    struct pkt *p = pkt_alloc(BR->pool, len);
    if (!p)
        return 0;
    memcpy(pkt_put(p, len), in, len);
    p->rcvif = ETH;
    uint64_t before = CTR_GET(BR, br, in_packets);
    bool taken = six_tun_input(BR, ETH, p, 0, IPPROTO_IPIP, src, &LOCAL);
    CHECK(taken);   /* to local, protocol 4: always the BR's (delivered or dropped) */
    if (CTR_GET(BR, br, in_packets) != before) {
        struct ip4_info ih;
        CHECK(ip4_parse(in, len, &ih) == WR_OK && ih.tot_len == len);
        uint16_t port = 0;
        if (!ih.frag_off) {
            struct dstm_binding b;
            bool shared = (ntohl(ih.src.s_addr) & 0xfffffff0u) == 0xc0000210u;
            CHECK(!shared || inner_port(in, len, &ih, &port) || ih.proto == 1);
            if (!shared || ih.proto != 1 || inner_port(in, len, &ih, &port)) {
                CHECK(br_lookup(BR, ih.src, port, &b));
                CHECK(in6_eq(&b.v6, src));
            }
        }
    }
    sim_run_for(W, (d[0] & 8) ? 100000000ull : 100000ull);
    return 0;
}
