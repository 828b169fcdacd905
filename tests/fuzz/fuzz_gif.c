/* The gif / hometun input path: outer packets, plain or sealed by the
 * harness with a client's ESP SA (as fuzz_ipsec_input does), arriving at a
 * hometun server.  Three servers, built once, the first byte of the input
 * picks one:
 *   0 bound: ht-c1 (remote 192.0.2.10, ESP tunnel SAs 0x2001 out / 0x2002
 *     in bound to it) and ht-c2 (remote 203.0.113.50, 0x3001 / 0x3002),
 *     both hometun servers, client 1's home 2001:db8:1000::/48 behind ht-c1;
 *   1 fallback (draft §4): ht-fb, a plain 6in4 gif to 192.0.2.10 with
 *     ingress check off, protected by transport-mode ESP on protocol 41
 *     (0x4001 / 0x4002); another host (203.0.113.50) has transport SAs
 *     0x5001 / 0x5002 for its own traffic;
 *   2 plain: g64 (6in4 to 192.0.2.66), g46 (4in6 to 2001:db8:2::77), g66
 *     (6in6 to 2001:db8:2::66), no IPsec.
 *
 * Input: d[0] server (% 3); then records [how(1)][len(1)][bytes]:
 *   how bits 0..1: 0 plain outer, 1 sealed with the SA named by bits 2..3
 *     (bound: 0x2002, 0x3002; fallback: 0x4002, 0x5002), 2 the clock runs
 *     len * 10 ms (no packet), 3 plain as the whole outer packet (bytes
 *     given as is: IPv4 or IPv6 by the version nibble);
 *   bits 4..5: outer source (192.0.2.10, 203.0.113.50, 192.0.2.66,
 *     198.51.100.9; on the plain server 3 is IPv6 from g46's or g66's remote), bit 6: inner IPv4 (else IPv6), bit 7:
 *     repair the inner packet (IPv6: payload length and the ICMPv6/UDP
 *     checksum; IPv4: total length and header checksum) so that mutated
 *     NAs and datagrams get past the checksums.
 *   Sealed records carry the inner packet in tunnel mode (bound SAs) or a
 *   6in4 packet (protocol 41) in transport mode (fallback SAs).
 *
 * Invariants (a broken one traps):
 *   - a tunnel's remote end moves only during a record sealed with that
 *     tunnel's own inbound SA (ht-c1: 0x2002, ht-c2: 0x3002, ht-fb:
 *     0x4002); plain packets, another client's SA or a replay move nothing;
 *   - client 2 cannot source client 1's prefix: during a record sealed
 *     with 0x3002 nothing leaves the server (or reaches its socket) with
 *     an inner source in 2001:db8:1000::/48 or 2001:db8:ff00::/64
 *     (strict uRPF on the gif, issue 10 item 5);
 *   - every packet the server sends parses, and carries at most
 *     GIF_MAX_NEST tunnel headers with the server's own address as source.
 * The seeds fallback_c2_moves_c1 and bound_c2_sources_c1 are the inputs
 * that found issue 10 items 2 and 5 on the code before their fixes. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include "fuzz_stateful.h"
#include "core/log.h"
#include "core/pkt.h"
#include "ctl/scene.h"
#include "ipsec/ipsec.h"
#include "ipsec/setkey.h"
#include "link/ifnet.h"
#include "link/sim.h"
#include "net/gif.h"
#include "net/stack.h"
#include "six/socket.h"
#include "wire/cksum.h"
#include "wire/ip4.h"
#include "wire/ip6.h"

#define CHECK(c) do { if (!(c)) __builtin_trap(); } while (0)
#define MS 1000000ull
#define SEC 1000000000ull
#define MAX_RECS 16

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

struct server {
    struct six_stack *st;
    struct ifnet *ifp;
    int us;                        /* UDP socket, port 7 */
    const char *gifs[3];
    uint32_t spis[2];              /* the clients' inbound SAs the harness seals with */
    uint64_t seq[2];
};

static struct sim_world *W;
static struct server SV[3];
static struct server *CUR;
static struct ipsec_xform X[2][2];   /* [server bound/fallback][client] */
static bool trace;                   /* FUZZ_TRACE: each record's tunnel ends and socket deliveries */
static int sealed_by = -1;           /* the record being played: SA index, -1 plain */

#define KEY_CS "2122232425262728292a2b2c2d2e2f3031323334"
#define KEY_2S "6162636465666768696a6b6c6d6e6f7071727374"

/* --- what the server sends --- */

static bool in_prefix(const struct in6_addr *a, const char *pfx, unsigned plen)
{
    struct in6_addr p;
    inet_pton(AF_INET6, pfx, &p);
    for (unsigned i = 0; i < plen / 8; i++)
        if (a->s6_addr[i] != p.s6_addr[i])
            return false;
    return true;
}

static bool client1_source(const struct in6_addr *src)
{
    return in_prefix(src, "2001:db8:1000::", 48) || in_prefix(src, "2001:db8:ff00::", 64);
}

/* Walk the tunnel headers of what the server sends.  The outermost must
 * parse; inside, what the server merely forwards may be anything.  The
 * headers the server itself put on (its own address as source) number at
 * most GIF_MAX_NEST.  Every IPv6 source inside is checked against client
 * 1's prefix while client 2's SA is being played. */
static bool own_source(const uint8_t *d, bool v4)
{
    static const uint8_t own4[4] = { 198, 51, 100, 1 };
    static const uint8_t own6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
    return v4 ? !memcmp(d + 12, own4, 4) : !memcmp(d + 8, own6, 16);
}

static void check_output(const uint8_t *d, size_t n)
{
    unsigned own = 0;
    for (bool outermost = true;; outermost = false) {
        if (n < 1)
            return;
        const uint8_t *inner;
        size_t inner_len;
        uint8_t proto;
        bool v4 = d[0] >> 4 == 4;
        if (v4) {
            struct ip4_info ih;
            enum wire_reason r = ip4_parse(d, n, &ih);
            CHECK(r == WR_OK || !outermost);
            if (r != WR_OK)
                return;
            proto = ih.proto;
            inner = d + ih.hl;
            inner_len = ih.tot_len - ih.hl;
        } else {
            struct ip6_info ip;
            enum wire_reason r = ip6_parse(d, n, &ip);
            CHECK(r == WR_OK || !outermost);
            if (r != WR_OK)
                return;
            if (sealed_by == 1 && CUR == &SV[0])
                CHECK(!client1_source(&ip.src));
            proto = ip.nxt;
            inner = d + IP6_HLEN;
            inner_len = ip.plen;
        }
        if (proto != 41 && proto != 4)
            return;
        if (own_source(d, v4))
            CHECK(++own <= GIF_MAX_NEST);
        d = inner;
        n = inner_len;
    }
}

static unsigned drv_xmit(struct ifnet *ifp, struct pkt **pkts, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        check_output(pkt_data(pkts[i]), pkts[i]->len);
        pkt_free(pkts[i]);
    }
    return n;
}

static void drv_destroy(struct ifnet *ifp) { (void)ifp; }
static const struct if_ops drv_ops = { .kind = "fuzz", .xmit = drv_xmit, .destroy = drv_destroy };

/* --- set-up --- */

static void cmd(struct six_stack *st, const char *line)
{
    if (scene_cmd(st, NULL, "%s", line) != 0) {
        fprintf(stderr, "fuzz_gif: command failed: %s\n", line);
        abort();
    }
}

static void setkey(struct six_stack *st, const char *text)
{
    struct setkey_cmds cmds = { 0 };
    struct setkey_error e;
    char err[256];
    if (setkey_parse(text, strlen(text), &cmds, &e) ||
        ipsec_setkey_apply(st, &cmds, "fuzz", err, sizeof err, NULL, NULL)) {
        fprintf(stderr, "fuzz_gif: setkey failed: %s\n", err);
        abort();
    }
    setkey_cmds_free(&cmds);
}

static void server_base(struct server *s, const char *name, uint64_t seed)
{
    struct six_stack_opts o = { .name = name, .clock = sim_clock(W), .tw = sim_wheel(W), .seed = seed,
                                .n_small = 512, .n_big = 8 };
    s->st = six_stack_create(&o);
    if (!s->st)
        abort();
    sim_register_stack(W, s->st);
    s->ifp = if_attach(s->st, "eth1", IFT_RAWIP, &drv_ops, NULL);
    if (!s->ifp)
        abort();
    s->ifp->flags |= IFF6_NOARP | IFF6_RUNNING;
    s->ifp->mtu = 1500;
    cmd(s->st, "set forwarding on");
    cmd(s->st, "addr add 198.51.100.1/24 dev eth1");
    cmd(s->st, "addr add 2001:db8:2::1/64 dev eth1");
    cmd(s->st, "link set eth1 up");
    cmd(s->st, "route add default dev eth1");
    cmd(s->st, "route add 0.0.0.0/0 dev eth1");
    s->us = six_socket(s->st, AF_INET6, SOCK_DGRAM, 0);
    struct sockaddr_in6 s6 = { .sin6_family = AF_INET6, .sin6_port = htons(7) };
    if (s->us < 0 || six_bind(s->st, s->us, (struct sockaddr *)&s6, sizeof s6))
        abort();
}

static void setup(void)
{
    trace = getenv("FUZZ_TRACE") != NULL;
    six_log_set_level(trace ? LOG_INFO : LOG_CRIT);
    W = sim_world_create(17);

    struct server *b = &SV[0];
    server_base(b, "bound", 1);
    setkey(b->st, "add 198.51.100.1 192.0.2.10 esp 0x2001 -m tunnel -E aes-gcm-16 0x" KEY_CS ";\n"
                  "add 192.0.2.10 198.51.100.1 esp 0x2002 -m tunnel -E aes-gcm-16 0x" KEY_CS ";\n"
                  "add 198.51.100.1 203.0.113.50 esp 0x3001 -m tunnel -E aes-gcm-16 0x" KEY_2S ";\n"
                  "add 203.0.113.50 198.51.100.1 esp 0x3002 -m tunnel -E aes-gcm-16 0x" KEY_2S ";\n");
    cmd(b->st, "link add ht-c1 type gif local 198.51.100.1 remote 192.0.2.10");
    cmd(b->st, "link set ht-c1 esp 0x2001 0x2002");
    cmd(b->st, "link set ht-c1 up");
    cmd(b->st, "addr add 2001:db8:ff00::1/64 dev ht-c1");
    cmd(b->st, "link set ht-c1 hometun server");
    cmd(b->st, "route add 2001:db8:1000::/48 via 2001:db8:ff00::2");
    cmd(b->st, "link add ht-c2 type gif local 198.51.100.1 remote 203.0.113.50");
    cmd(b->st, "link set ht-c2 esp 0x3001 0x3002");
    cmd(b->st, "link set ht-c2 up");
    cmd(b->st, "addr add 2001:db8:ff01::1/64 dev ht-c2");
    cmd(b->st, "link set ht-c2 hometun server");
    cmd(b->st, "route add 2001:db8:2000::/48 via 2001:db8:ff01::2");
    *b = (struct server){ .st = b->st, .ifp = b->ifp, .us = b->us, .gifs = { "ht-c1", "ht-c2" },
                          .spis = { 0x2002, 0x3002 } };

    struct server *f = &SV[1];
    server_base(f, "fallback", 2);
    setkey(f->st, "add 198.51.100.1 192.0.2.10 esp 0x4001 -m transport -E aes-gcm-16 0x" KEY_CS ";\n"
                  "add 192.0.2.10 198.51.100.1 esp 0x4002 -m transport -E aes-gcm-16 0x" KEY_CS ";\n"
                  "add 198.51.100.1 203.0.113.50 esp 0x5001 -m transport -E aes-gcm-16 0x" KEY_2S ";\n"
                  "add 203.0.113.50 198.51.100.1 esp 0x5002 -m transport -E aes-gcm-16 0x" KEY_2S ";\n"
                  "spdadd 198.51.100.1 0.0.0.0/0 41 -P out ipsec esp/transport//require;\n"
                  "spdadd 0.0.0.0/0 198.51.100.1 41 -P in ipsec esp/transport//require;\n");
    cmd(f->st, "link add ht-fb type gif local 198.51.100.1 remote 192.0.2.10");
    cmd(f->st, "link set ht-fb ingress-check off");
    cmd(f->st, "link set ht-fb up");
    cmd(f->st, "addr add 2001:db8:ff00::1/64 dev ht-fb");
    cmd(f->st, "link set ht-fb hometun server");
    cmd(f->st, "route add 2001:db8:1000::/48 via 2001:db8:ff00::2");
    *f = (struct server){ .st = f->st, .ifp = f->ifp, .us = f->us, .gifs = { "ht-fb" }, .spis = { 0x4002, 0x5002 } };

    struct server *p = &SV[2];
    server_base(p, "plain", 3);
    cmd(p->st, "link add g64 type gif local 198.51.100.1 remote 192.0.2.66");
    cmd(p->st, "link set g64 up");
    cmd(p->st, "addr add 2001:db8:ff02::1/64 dev g64");
    cmd(p->st, "route add 2001:db8:3000::/48 via 2001:db8:ff02::2");
    cmd(p->st, "link add g46 type gif local 2001:db8:2::1 remote 2001:db8:2::77");
    cmd(p->st, "link set g46 up");
    cmd(p->st, "addr add 10.9.0.1/24 dev g46");
    cmd(p->st, "link add g66 type gif local 2001:db8:2::1 remote 2001:db8:2::66");
    cmd(p->st, "link set g66 up");
    cmd(p->st, "addr add 2001:db8:ff03::1/64 dev g66");
    *p = (struct server){ .st = p->st, .ifp = p->ifp, .us = p->us, .gifs = { "g64", "g46", "g66" } };

    uint8_t kcs[20], k2s[20];
    for (int i = 0; i < 20; i++) {
        kcs[i] = (uint8_t)(0x21 + i);
        k2s[i] = (uint8_t)(0x61 + i);
    }
    const char *why;
    for (int m = 0; m < 2; m++)
        if (ipsec_xform_init(&X[m][0], IPSEC_EALG_AES_GCM16, kcs, 20, IPSEC_AALG_NONE, NULL, 0, &why) ||
            ipsec_xform_init(&X[m][1], IPSEC_EALG_AES_GCM16, k2s, 20, IPSEC_AALG_NONE, NULL, 0, &why))
            abort();
    sim_run_for(W, 3 * SEC);
}

/* --- building packets --- */

static const char *const OUTER4[4] = { "192.0.2.10", "203.0.113.50", "192.0.2.66", "198.51.100.9" };

static void repair_inner(uint8_t *p, size_t n, bool v4)
{
    if (v4) {
        if (n < IP4_HLEN || (p[0] >> 4) != 4)
            return;
        size_t hl = (size_t)(p[0] & 15) * 4;
        if (hl < IP4_HLEN || hl > n)
            return;
        p[2] = (uint8_t)(n >> 8);
        p[3] = (uint8_t)n;
        p[10] = p[11] = 0;
        uint16_t c = cksum_fold(cksum_add(0, p, hl));
        p[10] = (uint8_t)(c >> 8);
        p[11] = (uint8_t)c;
        return;
    }
    if (n < IP6_HLEN || (p[0] >> 4) != 6)
        return;
    size_t plen = n - IP6_HLEN;
    p[4] = (uint8_t)(plen >> 8);
    p[5] = (uint8_t)plen;
    struct in6_addr s, d;
    memcpy(&s, p + 8, 16);
    memcpy(&d, p + 24, 16);
    size_t ck = p[6] == 58 ? 2 : p[6] == 17 ? 6 : 0;
    if (!ck || plen < ck + 2)
        return;
    uint8_t *u = p + IP6_HLEN;
    u[ck] = u[ck + 1] = 0;
    uint16_t c = cksum_fold(cksum_add(cksum_pseudo6(&s, &d, (uint32_t)plen, p[6]), u, plen));
    if (p[6] == 17 && c == 0)
        c = 0xffff;
    u[ck] = (uint8_t)(c >> 8);
    u[ck + 1] = (uint8_t)c;
}

/* outer header for proto in front of body[0..len) at buf; IPv6 outer for g46/g66 (src index 3). */
static size_t outer(uint8_t *buf, size_t cap, unsigned srci, bool v6outer, uint8_t proto, size_t len)
{
    if (v6outer) {   /* from g46's remote for IPv4 inside, g66's for IPv6 */
        struct ip6_info ip = { .plen = (uint16_t)len, .nxt = proto, .hlim = 64 };
        inet_pton(AF_INET6, proto == 4 ? "2001:db8:2::77" : "2001:db8:2::66", &ip.src);
        inet_pton(AF_INET6, "2001:db8:2::1", &ip.dst);
        return IP6_HLEN + len <= cap && ip6_emit(buf, cap, &ip) ? IP6_HLEN : 0;
    }
    struct ip4_info ih = { .hl = IP4_HLEN, .tot_len = (uint16_t)(IP4_HLEN + len), .ttl = 64, .proto = proto };
    inet_pton(AF_INET, OUTER4[srci & 3], &ih.src);
    inet_pton(AF_INET, "198.51.100.1", &ih.dst);
    return IP4_HLEN + len <= cap && ip4_emit(buf, cap, &ih) ? IP4_HLEN : 0;
}

static void inject(const uint8_t *b, size_t n)
{
    struct pkt *p = pkt_alloc(CUR->st->pool, n);
    if (!p)
        return;
    memcpy(pkt_put(p, n), b, n);
    if_input(CUR->ifp, &p, 1);
}

static void snapshot(char out[3][128])
{
    for (int i = 0; i < 3; i++) {
        out[i][0] = 0;
        struct ifnet *g = CUR->gifs[i] ? if_find(CUR->st, CUR->gifs[i]) : NULL;
        if (g)
            gif_describe(g, out[i], 128);
    }
}

static void play(uint8_t how, const uint8_t *body, size_t len)
{
    static uint8_t inner[600], buf[800];
    bool v4in = how & 0x40;
    unsigned srci = (how >> 4) & 3;
    if (len > 512)
        len = 512;
    memcpy(inner, body, len);
    if (how & 0x80)
        repair_inner(inner, len, v4in);
    unsigned kind = how & 3;
    sealed_by = -1;
    if (kind == 3) {
        inject(inner, len);
        return;
    }
    bool v6outer = CUR == &SV[2] && srci == 3;
    uint8_t inner_proto = v4in ? 4 : 41;
    if (kind == 0) {
        size_t hl = outer(buf, sizeof buf, srci, v6outer, inner_proto, len);
        if (!hl)
            return;
        memcpy(buf + hl, inner, len);
        inject(buf, hl + len);
        return;
    }
    if (CUR == &SV[2])
        return;   /* no SAs on the plain server */
    /* tunnel mode (bound) and transport mode on protocol 41/4 (fallback) both
     * carry the inner packet right after the ESP header */
    unsigned k = (how >> 2) & 1, m = CUR == &SV[1];
    struct esp_seal_args a = { .spi = CUR->spis[k], .seq = ++CUR->seq[k], .next_header = inner_proto };
    size_t esp_len;
    if (ipsec_esp_seal(&X[m][k], &a, inner, len, buf + IP4_HLEN, sizeof buf - IP4_HLEN, &esp_len) != ESP_OK)
        return;
    if (outer(buf, sizeof buf, srci, false, IPSEC_PROTO_ESP, esp_len) != IP4_HLEN)
        return;
    sealed_by = (int)k;
    inject(buf, IP4_HLEN + esp_len);
}

/* What reached the server's own socket: with client 2's SA being played,
 * never from client 1's prefix. */
static void check_socket(void)
{
    uint8_t junk[64];
    struct sockaddr_in6 from;
    socklen_t fl = sizeof from;
    while (six_recvfrom(CUR->st, CUR->us, junk, sizeof junk, MSG_DONTWAIT, (struct sockaddr *)&from, &fl) >= 0) {
        if (trace) {
            char a[INET6_ADDRSTRLEN];
            fprintf(stderr, "  socket got a datagram from %s\n", inet_ntop(AF_INET6, &from.sin6_addr, a, sizeof a));
        }
        if (sealed_by == 1 && CUR == &SV[0])
            CHECK(!client1_source(&from.sin6_addr));
        fl = sizeof from;
    }
}

/* Which gif a record sealed with SA k may move (the one the SA belongs to). */
static int gif_of_sa(int k)
{
    return k;   /* bound: ht-c1 <- 0x2002, ht-c2 <- 0x3002; fallback: ht-fb <- 0x4002 only */
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
    if (!W)
        setup();
    if (n < 1)
        return 0;
    CUR = &SV[d[0] % 3];
    char before[3][128], after[3][128];
    size_t off = 1;
    for (int r = 0; r < MAX_RECS && off + 2 <= n; r++) {
        uint8_t how = d[off], len = d[off + 1];
        off += 2;
        if (len > n - off)
            len = (uint8_t)(n - off);
        snapshot(before);
        if ((how & 3) == 2) {
            sealed_by = -1;
            sim_run_for(W, (uint64_t)len * 10 * MS + 1 * MS);
        } else {
            play(how, d + off, len);
            off += len;
            sim_run_for(W, 1 * MS);
        }
        check_socket();
        snapshot(after);
        if (trace)
            fprintf(stderr, "record %d how %#x sealed_by %d: %s | %s | %s\n", r, how, sealed_by, after[0], after[1],
                    after[2]);
        for (int g = 0; g < 3; g++) {
            if (!strcmp(before[g], after[g]))
                continue;
            /* a tunnel end moved: only its own client's authenticated NA may do that */
            CHECK(CUR != &SV[2] && sealed_by >= 0);
            CHECK(gif_of_sa(sealed_by) == g);
        }
    }
    sealed_by = -1;
    return 0;
}
