/* The DSTM border router (src/dstm/br*.c), in process, one core, 10^6
 * bindings: encapsulation (IPv4 from the IPv4 side to bound hosts) and
 * decapsulation (4in6 from the hosts out to IPv4), 64-byte and IMIX
 * (7:4:1 of 64, 576 and 1500-byte IPv4 packets) frames handed to if_input
 * in batches of 32 by a null Ethernet driver on each side, outputs counted
 * and freed by its xmit. Pool 192.0.2.0/24 share 12 offset 4: 256
 * addresses x 4096 PSIDs = 2^20 bindings, of which 10^6 are made; the
 * frames name 65536 bindings drawn at random, so lookups miss the caches
 * as they would with many hosts.
 *
 * References measured in the same run on the same frames: the stack's
 * own IPv4 forwarding of the same IPv4 packets to an ordinary Ethernet
 * route, and copy+free (the cheapest relay there is). Printed as ratios.
 * Also: the binding table alone, single and batch lookups. Not a test. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include "net/stack.h"
#include "net/ip4_var.h"
#include "net/ip6_var.h"
#include "link/ifnet.h"
#include "dstm/br.h"
#include "wire/cksum.h"
#include "wire/ether.h"
#include "wire/ip4.h"
#include "wire/ip6.h"
#include "wire/udp.h"
#include "wire/icmp6.h"

#define BATCH 32
#define NBIND 1000000u
#define NFRAMES 65536u

static uint64_t sent;

static unsigned null_xmit(struct ifnet *ifp, struct pkt **pkts, unsigned n)
{
    (void)ifp;
    for (unsigned i = 0; i < n; i++)
        pkt_free(pkts[i]);
    sent += n;
    return n;
}

static const struct if_ops null_ops = { .kind = "null", .xmit = null_xmit };

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint64_t rng = 0x9e3779b97f4a7c15ULL;
static uint32_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)rng;
}

static struct in_addr bind_v4(uint32_t i) { return (struct in_addr){ htonl(0xc0000200u | (i >> 12)) }; }
static uint16_t bind_psid(uint32_t i) { return (uint16_t)(i & 4095); }
static uint16_t bind_port(uint32_t i) { return (uint16_t)(1u << 12 | bind_psid(i)); }   /* A = 1 */
static struct in6_addr bind_v6(uint32_t i)
{
    struct in6_addr a;
    inet_pton(AF_INET6, "2001:db8:100::", &a);
    a.s6_addr[12] = (uint8_t)(i >> 24);
    a.s6_addr[13] = (uint8_t)(i >> 16);
    a.s6_addr[14] = (uint8_t)(i >> 8);
    a.s6_addr[15] = (uint8_t)i;
    return a;
}

/* IPv4 + UDP of ip_len bytes at f. */
static size_t put_ip4_udp(uint8_t *f, size_t ip_len, struct in_addr src, struct in_addr dst, uint16_t sport,
                          uint16_t dport)
{
    struct ip4_info ih = { .hl = 20, .tot_len = (uint16_t)ip_len, .ttl = 64, .proto = IP4_PROTO_UDP, .src = src,
                           .dst = dst, .id = 1 };
    memset(f, 0, ip_len);
    ip4_emit(f, IP4_HLEN, &ih);
    udp_emit(f + IP4_HLEN, ip_len - IP4_HLEN, sport, dport, ip_len - IP4_HLEN - UDP_HLEN,
             cksum_pseudo4(src, dst, (uint16_t)(ip_len - IP4_HLEN), IP4_PROTO_UDP));
    return ip_len;
}

struct frame { uint16_t len; uint8_t b[1600]; };
static struct frame *enc, *dec, *ref;
static const size_t imix[12] = { 64, 64, 64, 64, 64, 64, 64, 576, 576, 576, 576, 1500 };

static void build(const struct ifnet *in4, const struct ifnet *in6, int imix_on)
{
    struct eth_addr peer = { { 2, 0, 0, 0, 0, 0x77 } };
    struct in_addr world = { htonl(0xc6336402u) }, far = { htonl(0xcb007100u) };   /* 198.51.100.2, 203.0.113.0 */
    struct in6_addr local;
    inet_pton(AF_INET6, "2001:db8:1::1", &local);
    for (uint32_t k = 0; k < NFRAMES; k++) {
        uint32_t i = rnd() % NBIND;
        size_t ip_len = imix_on ? imix[k % 12] : 64;
        /* encapsulation: IPv4 from the world to the bound (address, port) */
        eth_emit(enc[k].b, ETH_HLEN, &in4->hwaddr, &peer, ETHERTYPE_IP4);
        enc[k].len = (uint16_t)(ETH_HLEN + put_ip4_udp(enc[k].b + ETH_HLEN, ip_len, world, bind_v4(i), 80, bind_port(i)));
        /* the reference: the same packet to an ordinary route */
        struct in_addr d = { htonl(ntohl(far.s_addr) | (k & 255)) };
        eth_emit(ref[k].b, ETH_HLEN, &in4->hwaddr, &peer, ETHERTYPE_IP4);
        ref[k].len = (uint16_t)(ETH_HLEN + put_ip4_udp(ref[k].b + ETH_HLEN, ip_len, world, d, 80, bind_port(i)));
        /* decapsulation: the host's 4in6 */
        struct ip6_info ip = { .hlim = 64, .nxt = IPPROTO_IPIP, .src = bind_v6(i), .dst = local,
                               .plen = (uint16_t)ip_len };
        eth_emit(dec[k].b, ETH_HLEN, &in6->hwaddr, &peer, ETHERTYPE_IP6);
        ip6_emit(dec[k].b + ETH_HLEN, IP6_HLEN, &ip);
        put_ip4_udp(dec[k].b + ETH_HLEN + IP6_HLEN, ip_len, bind_v4(i), world, bind_port(i), 80);
        dec[k].len = (uint16_t)(ETH_HLEN + IP6_HLEN + ip_len);
    }
}

/* n frames of fr into ifp; packets/s and IPv4 bytes/s. */
static double run(struct six_stack *st, struct ifnet *ifp, const struct frame *fr, size_t l2, uint64_t n, double *bps)
{
    struct pkt *b[BATCH];
    uint64_t before = sent, bytes = 0;
    double t0 = now_s();
    for (uint64_t done = 0; done < n; done += BATCH) {
        for (int i = 0; i < BATCH; i++) {
            const struct frame *f = &fr[(done + (uint64_t)i) & (NFRAMES - 1)];
            b[i] = pkt_alloc(st->pool, f->len);
            memcpy(pkt_put(b[i], f->len), f->b, f->len);
            bytes += f->len - l2;
        }
        if_input(ifp, b, BATCH);
        six_stack_flush(st);
    }
    double dt = now_s() - t0;
    if (sent - before != n)
        fprintf(stderr, "bench_br: %llu of %llu out\n", (unsigned long long)(sent - before), (unsigned long long)n);
    *bps = bytes * 8 / dt;
    return n / dt;
}

static double run_copy(struct six_stack *st, const struct frame *fr, uint64_t n)
{
    struct pkt *b[BATCH];
    volatile uint8_t sink = 0;
    double t0 = now_s();
    for (uint64_t done = 0; done < n; done += BATCH) {
        for (int i = 0; i < BATCH; i++) {
            const struct frame *f = &fr[(done + (uint64_t)i) & (NFRAMES - 1)];
            b[i] = pkt_alloc(st->pool, f->len);
            memcpy(pkt_put(b[i], f->len), f->b, f->len);
        }
        for (int i = 0; i < BATCH; i++) {
            sink ^= pkt_data(b[i])[b[i]->len - 1];
            pkt_free(b[i]);
        }
    }
    (void)sink;
    return n / (now_s() - t0);
}

static void bench_table(void)
{
    struct br_table *t = br_table_new(1u << 20);
    for (uint32_t i = 0; i < NBIND; i++) {
        struct dstm_binding b = { .v4 = bind_v4(i), .ps = { .offset = 4, .psid_len = 12, .psid = bind_psid(i) },
                                  .v6 = bind_v6(i) };
        br_table_put(t, &b, false, 0);
    }
    enum { N = 1 << 22, K = 64 };
    static struct in_addr v4[K];
    static uint16_t ps[K];
    const struct dstm_binding *out[K];
    uint64_t hits = 0;
    double t0 = now_s();
    for (uint32_t r = 0; r < N / K; r++) {
        for (int k = 0; k < K; k++) {
            uint32_t i = rnd() % NBIND;
            v4[k] = bind_v4(i);
            ps[k] = bind_psid(i);
        }
        for (int k = 0; k < K; k++)
            hits += br_table_get(t, v4[k], ps[k], 0) != NULL;
    }
    double single = N / (now_s() - t0);
    t0 = now_s();
    for (uint32_t r = 0; r < N / K; r++) {
        for (int k = 0; k < K; k++) {
            uint32_t i = rnd() % NBIND;
            v4[k] = bind_v4(i);
            ps[k] = bind_psid(i);
        }
        br_table_get_batch(t, v4, ps, K, 0, out);
        for (int k = 0; k < K; k++)
            hits += out[k] != NULL;
    }
    double batch = N / (now_s() - t0);
    printf("binding table, 10^6 entries, random keys: single %.1f M lookups/s, batch of %d %.1f M/s (%s)\n",
           single / 1e6, K, batch / 1e6, hits == 2ull * N ? "all found" : "MISSES");
    br_table_free(t);
}

int main(void)
{
    struct six_stack_opts o = { .name = "br", .seed = 1, .n_small = 8192 };
    struct six_stack *st = six_stack_create(&o);
    struct ifnet *in6 = if_attach(st, "v6side", IFT_ETHER, &null_ops, NULL);
    struct ifnet *in4 = if_attach(st, "v4side", IFT_ETHER, &null_ops, NULL);
    in6->hwaddr = (struct eth_addr){ { 2, 0, 0, 0, 0, 1 } };
    in4->hwaddr = (struct eth_addr){ { 2, 0, 0, 0, 0, 2 } };
    in6->mtu = 1600;
    in6->in6->dad_transmits = 0;
    if_set_up(in6, true);
    if_set_up(in4, true);
    six_set_forwarding(st, true, true);
    struct in6_addr local, gw6, dom;
    inet_pton(AF_INET6, "2001:db8:1::1", &local);
    inet_pton(AF_INET6, "2001:db8:1::fe", &gw6);
    inet_pton(AF_INET6, "2001:db8:100::", &dom);
    in6_addr_add(in6, &local, 64, IN6_IFF_NODAD, UINT32_MAX, UINT32_MAX);
    route6_add(st, &dom, 48, &gw6, in6, 0, 0);
    static const struct eth_addr gw_mac = { { 2, 0, 0, 0, 0, 0xfe } };
    nd6_cache_lladdr(in6, &gw6, gw_mac.b, 6, false, ND_NEIGHBOR_SOLICIT);
    struct in_addr a4 = { htonl(0xc6336401u) }, gw4 = { htonl(0xc63364feu) }, far = { htonl(0xcb007100u) };
    in4_addr_add(in4, a4, 24);
    arp_neigh_set(in4, gw4, &gw_mac, "permanent");
    arp_neigh_set(in4, (struct in_addr){ htonl(0xc6336402u) }, &gw_mac, "permanent");
    route4_add(st, far, 24, &gw4, NULL, RT4_STATIC);
    struct br_config cfg = { .local = local, .n_pools = 1, .mtu = 1600, .max_bindings = 1u << 20 };
    cfg.pools[0] = (struct br_pool){ .prefix = { htonl(0xc0000200u) }, .plen = 24, .psid_len = 12, .offset = 4 };
    char why[160] = "";
    if (br_configure(st, &cfg, why, sizeof why) < 0) {
        fprintf(stderr, "bench_br: %s\n", why);
        return 1;
    }
    for (uint32_t i = 0; i < NBIND; i++) {
        struct dstm_binding b = { .v4 = bind_v4(i), .ps = { .offset = 4, .psid_len = 12, .psid = bind_psid(i) },
                                  .v6 = bind_v6(i) };
        if (br_binding_add(st, &b, true) < 0) {
            fprintf(stderr, "bench_br: binding %u refused\n", i);
            return 1;
        }
    }
    six_stack_flush(st);
    enc = calloc(NFRAMES, sizeof *enc);
    dec = calloc(NFRAMES, sizeof *dec);
    ref = calloc(NFRAMES, sizeof *ref);
    const uint64_t n = 2000000;
    printf("DSTM border router, one core, %u bindings, batches of %d\n", NBIND, BATCH);
    for (int im = 0; im < 2; im++) {
        build(in4, in6, im);
        double bps, bps_r, bps_d;
        run(st, in4, enc, ETH_HLEN, n / 8, &bps);                      /* warm up */
        double e = run(st, in4, enc, ETH_HLEN, n, &bps);
        double d = run(st, in6, dec, ETH_HLEN + IP6_HLEN, n, &bps_d);
        double r = run(st, in4, ref, ETH_HLEN, n, &bps_r);
        double c = run_copy(st, enc, n);
        printf("  %s: encap %5.2f Mpps (%.2f Gbit/s IPv4), decap %5.2f Mpps (%.2f Gbit/s); "
               "IPv4 forwarding %5.2f Mpps, copy+free %5.2f Mpps; encap/fwd %.2f, decap/fwd %.2f\n",
               im ? "IMIX (7:4:1 of 64/576/1500)" : "64-byte IPv4", e / 1e6, bps / 1e9, d / 1e6, bps_d / 1e9,
               r / 1e6, c / 1e6, e / r, d / r);
    }
    printf("  br.out_packets %llu, br.in_packets %llu, drops: unknown %llu spoof %llu pool empty %llu\n",
           (unsigned long long)CTR_GET(st, br, out_packets), (unsigned long long)CTR_GET(st, br, in_packets),
           (unsigned long long)CTR_GET(st, br, drop_unknown_binding), (unsigned long long)CTR_GET(st, br, drop_spoof),
           (unsigned long long)CTR_GET(st, if, drop_no_buffer));
    bench_table();
    six_stack_destroy(st);
    return 0;
}
