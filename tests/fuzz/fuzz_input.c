/* The whole input path: one stack (built once, kept across inputs) on a
 * simulated Ethernet segment with a neighbor, plus a raw-IP point-to-point
 * link.  Each input is one frame handed to if_input() as a driver would,
 * then the virtual clock runs a few ms so timers (ND, reassembly, DAD,
 * RA, ICMP rate limit, ARP) fire.  Every FUZZ_LONG_EVERY inputs the clock
 * runs 61 s so reassembly and neighbor state time out and are cleaned.
 *
 * Input: mode byte, then the frame.
 *   bit 0: 0 = Ethernet frame on eth0, 1 = raw IP packet on p2p0
 *   bit 1: forwarding on (both families)
 *   bits 2..4: extra milliseconds to run after the frame (0..7)
 *   bit 5: on Ethernet, overwrite the destination MAC with the victim's
 *          (so that mutations of the rest are not wasted on MAC filtering)
 *   bit 6: several frames: the rest is a sequence of [2-byte big-endian
 *          length][frame], at most FUZZ_MAX_FRAMES, 1 ms apart (lets one
 *          input carry a whole exchange, e.g. the fragments of a datagram)
 *
 * Victim: eth0 02:00:00:00:00:01, 2001:db8:1::1/64, 192.0.2.1/24, RAs for
 * 2001:db8:1::/64 (router mode only); p2p0 2001:db8:2::1/64,
 * 198.51.100.1/24; default routes via the neighbor (02:00:00:00:00:02,
 * 2001:db8:1::2, 192.0.2.2).  State is bounded by the stack's caps, so
 * memory stays flat; nothing is freed per input and nothing leaks (the
 * world stays reachable from statics).
 *
 * FUZZ_INPUT_TRACE=1 in the environment prints, after each input, the
 * counters it moved (to check what a seed or a reproducer exercises). */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/log.h"
#include "core/pkt.h"
#include "ctl/scene.h"
#include "link/ifnet.h"
#include "link/sim.h"
#include "net/stack.h"

#define MS 1000000ull
#define SEC 1000000000ull
#define FUZZ_LONG_EVERY 2000u
#define FUZZ_MAX_FRAMES 8

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

static struct sim_world *W;
static struct six_stack *V, *P;
static struct ifnet *ETH, *P2P;
static unsigned long n_inputs;
static bool trace;
static struct six_counters before;
static const struct eth_addr vmac = { { 0x02, 0, 0, 0, 0, 0x01 } };
static const struct eth_addr pmac = { { 0x02, 0, 0, 0, 0, 0x02 } };

static struct six_stack *mk(const char *name, uint64_t seed)
{
    struct six_stack_opts o = { .name = name, .clock = sim_clock(W), .tw = sim_wheel(W), .seed = seed,
                                .n_small = 1024, .n_big = 8 };
    struct six_stack *st = six_stack_create(&o);
    if (!st)
        abort();
    sim_register_stack(W, st);
    return st;
}

static void cmd(struct six_stack *st, const char *line)
{
    if (scene_cmd(st, NULL, "%s", line) != 0)
        abort();
}

static void setup(void)
{
    trace = getenv("FUZZ_INPUT_TRACE") != NULL;
    six_log_set_level(trace ? LOG_WARNING : LOG_CRIT);   /* hostile input makes the stack warn a lot */
    W = sim_world_create(7);
    V = mk("v", 1);
    P = mk("p", 2);
    struct sim_link *lan = sim_link_create(W, "lan", &(struct sim_link_params){ .delay_ns = 1 * MS });
    struct sim_link *p2p = sim_link_create_p2p(W, "p2p", &(struct sim_link_params){ .delay_ns = 1 * MS });
    ETH = sim_attach(lan, V, "eth0", &vmac);
    P2P = sim_attach(p2p, V, "p2p0", NULL);
    if (!ETH || !P2P || !sim_attach(lan, P, "eth0", &pmac))
        abort();
    cmd(V, "addr add 2001:db8:1::1/64 dev eth0");
    cmd(V, "addr add 192.0.2.1/24 dev eth0");
    cmd(V, "addr add 2001:db8:2::1/64 dev p2p0");
    cmd(V, "addr add 198.51.100.1/24 dev p2p0");
    cmd(V, "ra dev eth0 prefix 2001:db8:1::/64");
    cmd(V, "link set eth0 up");
    cmd(V, "link set p2p0 up");
    cmd(P, "addr add 2001:db8:1::2/64 dev eth0");
    cmd(P, "addr add 192.0.2.2/24 dev eth0");
    cmd(P, "link set eth0 up");
    sim_run_for(W, 3 * SEC);   /* DAD */
    cmd(V, "route add default via 2001:db8:1::2");
    cmd(V, "route add default via 192.0.2.2");
}

static void feed(struct ifnet *ifp, uint8_t mode, const uint8_t *d, size_t n)
{
    struct pkt *p = pkt_alloc(V->pool, n);
    if (!p)
        return;
    if (n)
        memcpy(pkt_put(p, n), d, n);
    if (ifp == ETH && (mode & 0x20) && n >= 6)
        memcpy(pkt_data(p), vmac.b, 6);
    if_input(ifp, &p, 1);
}

static void print_delta(void *ctx, const char *name, uint64_t val)
{
    const struct six_counters *now = ctx;
    uint64_t old = 0;
    (void)now;
    six_counter_by_name(&before, name, &old);
    if (val != old)
        fprintf(stderr, "  %s +%llu\n", name, (unsigned long long)(val - old));
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
    if (!W)
        setup();
    if (n < 1)
        return 0;
    if (trace)
        before = V->ctr;
    uint8_t mode = d[0];
    size_t n0 = n;
    d++;
    n--;
    bool fwd = mode & 2;
    if (V->fwd6 != fwd || V->fwd4 != fwd)
        six_set_forwarding(V, fwd, fwd);
    struct ifnet *ifp = (mode & 1) ? P2P : ETH;
    if (mode & 0x40) {
        for (int k = 0; k < FUZZ_MAX_FRAMES && n >= 2; k++) {
            size_t len = (size_t)d[0] << 8 | d[1];
            d += 2;
            n -= 2;
            if (len > n)
                len = n;
            feed(ifp, mode, d, len);
            d += len;
            n -= len;
            sim_run_for(W, 1 * MS);
        }
    } else {
        feed(ifp, mode, d, n);
    }
    sim_run_for(W, (1 + ((mode >> 2) & 7)) * MS);
    if (++n_inputs % FUZZ_LONG_EVERY == 0)
        sim_run_for(W, 61 * SEC);
    if (trace) {
        fprintf(stderr, "input %lu (mode 0x%02x, %zu bytes):\n", n_inputs, mode, n0);
        six_counters_foreach(&V->ctr, 1, print_delta, &V->ctr);
    }
    return 0;
}
