/* IPv6 forwarding through one router stack, in process, on one core.
 *
 * The router has two Ethernet interfaces driven by a null driver: input
 * frames are pre-built and handed to if_input in batches of 32 (as the TAP
 * driver does), output frames are counted and freed by the driver's xmit.
 * The next hop is resolved in advance, so this measures the forwarding path:
 * Ethernet input, IPv6 validation, route lookup, hop-limit decrement,
 * neighbor lookup, Ethernet output, batching.
 *
 * Reference measured in the same run: the cheapest relay there is, taking
 * each frame from the pool, copying it and freeing it (what a plain TUN/TAP
 * relay does per packet, minus the system calls). Also prints bytes of state
 * per neighbor entry, per route and per reassembly context. Not a test. */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include "net/stack.h"
#include "net/ip6_var.h"
#include "link/ifnet.h"
#include "wire/ether.h"
#include "wire/ip6.h"
#include "wire/ip6ext.h"
#include "wire/udp.h"
#include "wire/cksum.h"
#include "wire/icmp6.h"

#define BATCH 32

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

/* An Ethernet + IPv6 + UDP frame of total size `size` from in-side host to out-side host. */
static size_t build_frame(uint8_t *f, size_t size, const struct eth_addr *dst_mac)
{
    struct eth_addr src_mac = { { 0x02, 0, 0, 0, 0, 0x0a } };
    struct ip6_info ip = { .hlim = 64, .nxt = IP6_NXT_UDP };
    size_t l4 = size - ETH_HLEN - IP6_HLEN;

    inet_pton(AF_INET6, "2001:db8:1::10", &ip.src);
    inet_pton(AF_INET6, "2001:db8:2::10", &ip.dst);
    ip.plen = (uint16_t)l4;
    memset(f, 0, size);
    eth_emit(f, ETH_HLEN, dst_mac, &src_mac, ETHERTYPE_IP6);
    ip6_emit(f + ETH_HLEN, IP6_HLEN, &ip);
    udp_emit(f + ETH_HLEN + IP6_HLEN, l4, 1234, 5678, l4 - UDP_HLEN,
             cksum_pseudo6(&ip.src, &ip.dst, (uint32_t)l4, IP6_NXT_UDP));
    return size;
}

static double run_forward(struct six_stack *st, struct ifnet *in, const uint8_t *frame, size_t size, uint64_t n)
{
    struct pkt *b[BATCH];
    uint64_t before = sent;
    double t0 = now_s();

    for (uint64_t done = 0; done < n; done += BATCH) {
        for (int i = 0; i < BATCH; i++) {
            b[i] = pkt_alloc(st->pool, size);
            memcpy(pkt_put(b[i], size), frame, size);
        }
        if_input(in, b, BATCH);
        six_stack_flush(st);
    }
    double dt = now_s() - t0;
    if (sent - before != n)
        fprintf(stderr, "bench_fwd: forwarded %llu of %llu\n", (unsigned long long)(sent - before), (unsigned long long)n);
    return n / dt;
}

static double run_reference(struct six_stack *st, const uint8_t *frame, size_t size, uint64_t n)
{
    struct pkt *b[BATCH];
    double t0 = now_s();
    volatile uint8_t sink = 0;

    for (uint64_t done = 0; done < n; done += BATCH) {
        for (int i = 0; i < BATCH; i++) {
            b[i] = pkt_alloc(st->pool, size);
            memcpy(pkt_put(b[i], size), frame, size);
        }
        for (int i = 0; i < BATCH; i++) {
            sink ^= pkt_data(b[i])[size - 1];
            pkt_free(b[i]);
        }
    }
    (void)sink;
    return n / (now_s() - t0);
}

int main(void)
{
    struct six_stack_opts o = { .name = "r", .seed = 1 };
    struct six_stack *st = six_stack_create(&o);
    struct ifnet *in = if_attach(st, "in0", IFT_ETHER, &null_ops, NULL);
    struct ifnet *out = if_attach(st, "out0", IFT_ETHER, &null_ops, NULL);
    struct in6_addr a1, a2, nh;
    static const struct eth_addr nh_mac = { { 0x02, 0, 0, 0, 0, 0x0b } };

    in->hwaddr = (struct eth_addr){ { 0x02, 0, 0, 0, 0, 1 } };
    out->hwaddr = (struct eth_addr){ { 0x02, 0, 0, 0, 0, 2 } };
    inet_pton(AF_INET6, "2001:db8:1::1", &a1);
    inet_pton(AF_INET6, "2001:db8:2::1", &a2);
    inet_pton(AF_INET6, "2001:db8:2::10", &nh);
    in->in6->dad_transmits = out->in6->dad_transmits = 0;
    if_set_up(in, true);
    if_set_up(out, true);
    six_set_forwarding(st, true, true);
    in6_addr_add(in, &a1, 64, IN6_IFF_NODAD, UINT32_MAX, UINT32_MAX);
    in6_addr_add(out, &a2, 64, IN6_IFF_NODAD, UINT32_MAX, UINT32_MAX);
    nd6_cache_lladdr(out, &nh, nh_mac.b, 6, false, ND_NEIGHBOR_SOLICIT);
    six_stack_flush(st);

    static uint8_t f64[64], f1500[1514];
    build_frame(f64, 78, &in->hwaddr);   /* a 64-byte IPv6 packet: 40 + 8 UDP + 16 data */
    build_frame(f1500, 1514, &in->hwaddr);
    const uint64_t n = 4000000;

    printf("IPv6 forwarding through one router stack, one core, batches of %d\n", BATCH);
    for (int k = 0; k < 2; k++) {
        const uint8_t *f = k ? f1500 : f64;
        size_t sz = k ? 1514 : 78;
        run_forward(st, in, f, sz, n / 8);   /* warm up */
        double fwd = run_forward(st, in, f, sz, k ? n / 4 : n);
        double ref = run_reference(st, f, sz, k ? n / 4 : n);
        printf("  %4zu-byte IPv6 packets: %6.2f Mpps (%.2f Gbit/s of IPv6); reference copy+free %6.2f Mpps; ratio %.3f\n",
               sz - 14, fwd / 1e6, fwd * (sz - 14) * 8 / 1e9, ref / 1e6, fwd / ref);
    }
    printf("  forwarded total %llu, ip6.forwarded %llu, drops %llu\n", (unsigned long long)sent,
           (unsigned long long)CTR_GET(st, ip6, forwarded), (unsigned long long)CTR_GET(st, if, drop_no_buffer));
    printf("Bytes of state\n");
    printf("  neighbor entry (struct nd_entry): %zu\n", sizeof(struct nd_entry));
    printf("  IPv6 route entry (struct route6, excluding the LPM index): %zu\n", sizeof(struct route6));
    printf("  path MTU entry: %zu\n", sizeof(struct pmtu6));
    printf("  IPv6 address: %zu\n", sizeof(struct in6_ifaddr));
    six_stack_destroy(st);
    return 0;
}
