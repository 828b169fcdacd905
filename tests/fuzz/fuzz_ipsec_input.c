/* IPsec input past the ICV: one stack (built once) with ESP SAs in
 * transport, tunnel and UDP-encapsulated tunnel mode, both families, and
 * policies that ask for them.  The harness seals the fuzzer's bytes with the
 * SA's own key and a fresh sequence number, so what mutates is what only an
 * authenticated peer can send: the next header and the decrypted payload
 * (an inner packet in tunnel mode) — the decapsulation, the re-entry into
 * input, the inbound policy and selector checks.  With bit 3 the bytes go
 * unsealed as the ESP packet itself (the code before the ICV).
 *
 * Input: d[0] = SA (bits 0..2: 0 IPv6 transport, 1 IPv6 tunnel, 2 IPv4
 * transport, 3 IPv4 tunnel carrying IPv6 or IPv4, 4 the same in UDP 4500),
 * bit 3 unsealed, bit 4 forwarding on; d[1] = next header; the rest =
 * payload.  Arriving on a raw-IP point-to-point link. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/log.h"
#include "core/pkt.h"
#include "ctl/scene.h"
#include "ipsec/ipsec.h"
#include "ipsec/setkey.h"
#include "link/ifnet.h"
#include "link/sim.h"
#include "net/stack.h"
#include "wire/cksum.h"
#include "wire/ip4.h"
#include "wire/ip6.h"
#include "wire/udp.h"
#include <arpa/inet.h>

#define MS 1000000ull
#define SEC 1000000000ull

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

static struct sim_world *W;
static struct six_stack *V;
static struct ifnet *P2P;
static struct ipsec_xform X;
static uint64_t seq[5];
static unsigned long n_inputs;

static const char conf[] =
    "add 2001:db8:2::2 2001:db8:2::1 esp 0x1000 -m transport -E null -A hmac-sha2-256 " "0x%s;\n"
    "add 2001:db8:2::2 2001:db8:2::1 esp 0x1001 -m tunnel -E null -A hmac-sha2-256 " "0x%s;\n"
    "add 198.51.100.2 198.51.100.1 esp 0x1002 -m transport -E null -A hmac-sha2-256 " "0x%s;\n"
    "add 198.51.100.2 198.51.100.1 esp 0x1003 -m tunnel -E null -A hmac-sha2-256 " "0x%s;\n"
    "add 198.51.100.2[4500] 198.51.100.1[4500] esp-udp 0x1004 -m tunnel -natt_follow -E null -A hmac-sha2-256 "
    "0x%s;\n"
    "spdadd 2001:db8:2::2 2001:db8:2::1 tcp -P in ipsec esp/transport//require;\n"
    "spdadd 2001:db8:9::/64 2001:db8:2::/48 any -P in ipsec esp/tunnel/2001:db8:2::2-2001:db8:2::1/require;\n"
    "spdadd 2001:db8:9::/64 2001:db8:1::/48 any -P fwd ipsec esp/tunnel/198.51.100.2-198.51.100.1/require;\n"
    "spdadd 192.0.2.0/24 198.51.100.0/24 any -P in ipsec esp/tunnel/198.51.100.2-198.51.100.1/require;\n"
    "spdadd 198.51.100.2 198.51.100.1 udp -P in ipsec esp/transport//require;\n"
    "spdadd 2001:db8:2::1 2001:db8:9::/64 any -P out ipsec esp/tunnel/2001:db8:2::1-2001:db8:2::2/require;\n";

static const char key_hex[] = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

static void cmd(const char *line)
{
    if (scene_cmd(V, NULL, "%s", line) != 0)
        abort();
}

static void setup(void)
{
    six_log_set_level(LOG_CRIT);
    W = sim_world_create(9);
    struct six_stack_opts o = { .name = "v", .clock = sim_clock(W), .tw = sim_wheel(W), .seed = 1,
                                .n_small = 512, .n_big = 8 };
    V = six_stack_create(&o);
    if (!V)
        abort();
    sim_register_stack(W, V);
    struct sim_link *p2p = sim_link_create_p2p(W, "p2p", &(struct sim_link_params){ .delay_ns = 1 * MS });
    P2P = sim_attach(p2p, V, "p2p0", NULL);
    if (!P2P)
        abort();
    cmd("addr add 2001:db8:2::1/64 dev p2p0");
    cmd("addr add 198.51.100.1/24 dev p2p0");
    cmd("link set p2p0 up");
    sim_run_for(W, 3 * SEC);
    cmd("route add default dev p2p0");
    char text[4096];
    snprintf(text, sizeof text, conf, key_hex, key_hex, key_hex, key_hex, key_hex);
    struct setkey_cmds cmds = { 0 };
    struct setkey_error e;
    char err[256];
    if (setkey_parse(text, strlen(text), &cmds, &e) ||
        ipsec_setkey_apply(V, &cmds, "fuzz", err, sizeof err, NULL, NULL))
        abort();
    setkey_cmds_free(&cmds);
    uint8_t key[32];
    for (int i = 0; i < 32; i++)
        key[i] = (uint8_t)i;
    const char *why;
    if (ipsec_xform_init(&X, IPSEC_EALG_NULL, NULL, 0, IPSEC_AALG_HMAC_SHA256_128, key, 32, &why))
        abort();
}

static size_t outer(uint8_t *buf, size_t cap, bool v4, bool udp, size_t esp_len)
{
    size_t hl = v4 ? IP4_HLEN : IP6_HLEN, ul = udp ? UDP_HLEN : 0;
    if (hl + ul + esp_len > cap || hl + ul + esp_len > 0xffff)
        return 0;
    if (v4) {
        struct ip4_info ih = { .hl = IP4_HLEN, .tot_len = (uint16_t)(hl + ul + esp_len), .ttl = 64,
                               .proto = udp ? 17 : IPSEC_PROTO_ESP };
        inet_pton(AF_INET, "198.51.100.2", &ih.src);
        inet_pton(AF_INET, "198.51.100.1", &ih.dst);
        ip4_emit(buf, cap, &ih);
        if (udp) {
            udp_emit(buf + hl, ul + esp_len, 4500, 4500, esp_len, 0);
            udp_hdr_zero_cksum(buf + hl);
        }
    } else {
        struct ip6_info ip = { .plen = (uint16_t)(ul + esp_len), .nxt = IPSEC_PROTO_ESP, .hlim = 64 };
        inet_pton(AF_INET6, "2001:db8:2::2", &ip.src);
        inet_pton(AF_INET6, "2001:db8:2::1", &ip.dst);
        ip6_emit(buf, cap, &ip);
    }
    return hl + ul;
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
    static uint8_t buf[4096];
    if (!W)
        setup();
    if (n < 2 || n > 2000)
        return 0;
    unsigned sa = (d[0] & 7) % 5;
    bool raw = d[0] & 8, fwd = d[0] & 16;
    bool v4 = sa >= 2, udp = sa == 4;
    uint8_t nh = d[1];
    d += 2;
    n -= 2;
    if (V->fwd6 != fwd || V->fwd4 != fwd)
        six_set_forwarding(V, fwd, fwd);
    size_t hl = (v4 ? IP4_HLEN : IP6_HLEN) + (udp ? UDP_HLEN : 0), esp_len;
    if (raw) {
        esp_len = n;
        if (hl + n > sizeof buf)
            return 0;
        memcpy(buf + hl, d, n);
    } else {
        struct esp_seal_args a = { .spi = 0x1000 + sa, .seq = ++seq[sa], .next_header = nh };
        if (ipsec_esp_seal(&X, &a, d, n, buf + hl, sizeof buf - hl, &esp_len) != ESP_OK)
            return 0;
    }
    if (outer(buf, sizeof buf, v4, udp, esp_len) != hl)
        return 0;
    struct pkt *p = pkt_alloc(V->pool, hl + esp_len);
    if (!p)
        return 0;
    memcpy(pkt_put(p, hl + esp_len), buf, hl + esp_len);
    if_input(P2P, &p, 1);
    sim_run_for(W, 2 * MS);
    if (++n_inputs % 5000 == 0)
        sim_run_for(W, 61 * SEC);
    return 0;
}
