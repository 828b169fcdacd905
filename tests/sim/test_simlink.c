/* Simulated links: delivery with delay, loss/dup/reorder rates, MTU,
 * bandwidth, reproducibility from the seed, teardown with frames in flight,
 * plus loopback and capture on a sim interface. Frames use the local
 * experimental ethertype 0x88b5 and a sequence number; the receiving side
 * sees them through ifnet's input_hook, so the IP layer is not involved
 * (its own frames — RS, DAD, MLD — are filtered out). */
#include <stdio.h>
#include <unistd.h>
#include "../lib/t.h"
#include "net/stack.h"
#include "link/sim.h"
#include "link/loop.h"

#define ETYPE_TEST 0x88b5

struct rx_log {
    unsigned n;
    uint32_t seq[32768];
    uint64_t at[32768];
    uint32_t len[32768];
    bool hold;                 /* keep packets instead of freeing (pool exhaustion) */
    struct pkt_queue held;
    struct pkt_pool *wrong_pool_seen;
};
static struct rx_log rxA, rxB;

static bool is_test_frame(const struct ifnet *ifp, const struct pkt *p, uint32_t *seq)
{
    const uint8_t *d = pkt_data(p);
    unsigned off = ifp->type == IFT_ETHER ? 14 : 0;
    if (ifp->type == IFT_ETHER && (p->len < 18 || d[12] != (ETYPE_TEST >> 8) || d[13] != (ETYPE_TEST & 0xff)))
        return false;
    if (ifp->type != IFT_ETHER && (p->len < 4 || d[0] != 0xee))   /* not IPv4/6: our marker */
        return false;
    *seq = (uint32_t)d[off] << 24 | (uint32_t)d[off + 1] << 16 | (uint32_t)d[off + 2] << 8 | d[off + 3];
    if (ifp->type != IFT_ETHER)
        *seq &= 0x00ffffff;
    return true;
}

static void hook(struct ifnet *ifp, struct pkt *p)
{
    struct rx_log *r = ifp->input_hook_ctx;
    uint32_t seq;
    if (!is_test_frame(ifp, p, &seq)) {
        pkt_free(p);
        return;
    }
    if (p->pool != ifp->pool)
        r->wrong_pool_seen = p->pool;
    if (r->n < 32768) {
        r->seq[r->n] = seq;
        r->at[r->n] = p->ts_ns;
        r->len[r->n] = p->len;
        r->n++;
    }
    if (r->hold)
        pktq_push(&r->held, p);
    else
        pkt_free(p);
}

static struct six_stack *mkstack(struct sim_world *w, const char *name, uint32_t n_small, uint64_t seed)
{
    struct six_stack_opts o = {
        .name = name, .clock = sim_clock(w), .tw = sim_wheel(w),
        .n_small = n_small, .n_big = 4, .seed = seed,
    };
    struct six_stack *st = six_stack_create(&o);
    T_CHECK(st != NULL);
    sim_register_stack(w, st);
    return st;
}

static struct ifnet *mkif(struct sim_link *l, struct six_stack *st, const char *name, struct rx_log *r)
{
    struct ifnet *ifp = sim_attach(l, st, name, NULL);
    T_CHECK(ifp != NULL);
    memset(r, 0, sizeof(*r));
    pktq_init(&r->held);
    ifp->input_hook = hook;
    ifp->input_hook_ctx = r;
    if_set_up(ifp, true);
    return ifp;
}

static void send_test(struct ifnet *ifp, uint32_t seq, uint32_t payload)
{
    struct pkt *p = pkt_alloc(ifp->pool, payload + 14);
    T_CHECK(p != NULL);
    if (!p)
        return;
    uint8_t *d = pkt_put(p, payload + (ifp->type == IFT_ETHER ? 14 : 0));
    memset(d, 0, p->len);
    if (ifp->type == IFT_ETHER) {
        memset(d, 0xff, 6);
        memcpy(d + 6, ifp->hwaddr.b, 6);
        d[12] = ETYPE_TEST >> 8;
        d[13] = ETYPE_TEST & 0xff;
        d += 14;
    } else {
        seq |= 0xee000000u;
    }
    d[0] = (uint8_t)(seq >> 24); d[1] = (uint8_t)(seq >> 16); d[2] = (uint8_t)(seq >> 8); d[3] = (uint8_t)seq;
    if_output(ifp, p);
}

static void teardown(struct sim_world *w, struct six_stack *a, struct six_stack *b)
{
    pktq_purge(&rxA.held);
    pktq_purge(&rxB.held);
    six_stack_destroy(a);
    six_stack_destroy(b);
    sim_world_destroy(w);
}

TEST(delay_and_copy)
{
    struct sim_world *w = sim_world_create(1);
    struct six_stack *a = mkstack(w, "a", 0, 11), *b = mkstack(w, "b", 0, 12);
    struct sim_link_params prm = { .delay_ns = 5 * NS_PER_MS };
    struct sim_link *l = sim_link_create(w, "lan", &prm);
    struct ifnet *ia = mkif(l, a, "eth0", &rxA), *ib = mkif(l, b, "eth0", &rxB);
    T_CHECK((ia->hwaddr.b[0] & 3) == 2 && (ib->hwaddr.b[0] & 3) == 2);
    T_CHECK(memcmp(&ia->hwaddr, &ib->hwaddr, 6) != 0);
    T_EQ(ia->mtu, 1500);
    T_CHECK(ia->flags & IFF6_RUNNING);
    sim_run_for(w, 2000 * NS_PER_MS);     /* let the IP layer's start-up chatter settle */
    uint64_t t0 = sim_now(w);
    send_test(ia, 42, 100);
    sim_run_for(w, 4 * NS_PER_MS);
    T_EQ(rxB.n, 0);
    sim_run_for(w, 1 * NS_PER_MS);
    T_EQ(rxB.n, 1);
    T_EQ(rxB.seq[0], 42);
    T_EQ(rxB.at[0], t0 + 5 * NS_PER_MS);
    T_EQ(rxB.len[0], 114);
    T_CHECK(rxB.wrong_pool_seen == NULL);
    T_EQ(rxA.n, 0);                       /* a hub does not echo to the sender */
    T_CHECK(CTR_GET(b, if, in_frames) >= 1);
    struct pkt_pool_stats ps;
    pkt_pool_get_stats(a->pool, &ps);
    T_EQ(ps.small_free, ps.small_total);  /* sender's buffer came back */
    teardown(w, a, b);
}

TEST(mtu_too_big)
{
    struct sim_world *w = sim_world_create(2);
    struct six_stack *a = mkstack(w, "a", 0, 1), *b = mkstack(w, "b", 0, 2);
    struct sim_link_params prm = { .delay_ns = NS_PER_MS, .mtu = 1280 };
    struct sim_link *l = sim_link_create(w, "lan", &prm);
    struct ifnet *ia = mkif(l, a, "eth0", &rxA);
    mkif(l, b, "eth0", &rxB);
    T_EQ(ia->mtu, 1280);
    send_test(ia, 1, 1280);
    send_test(ia, 2, 1281);
    sim_run_for(w, 10 * NS_PER_MS);
    struct sim_link_stats s;
    sim_link_get_stats(l, &s);
    T_EQ(s.too_big, 1);
    T_EQ(rxB.n, 1);
    T_EQ(rxB.seq[0], 1);
    T_EQ(CTR_GET(a, if, drop_too_big), 1);
    teardown(w, a, b);
}

/* 10k frames over a lossy, duplicating, reordering, jittery link. */
struct run_result { struct sim_link_stats s; unsigned rx, out_of_order; uint64_t hash; };

static void lossy_run(uint64_t seed, struct run_result *res)
{
    struct sim_world *w = sim_world_create(seed);
    struct six_stack *a = mkstack(w, "a", 0, 1), *b = mkstack(w, "b", 0, 2);
    struct sim_link_params prm = {
        .delay_ns = 3 * NS_PER_MS, .jitter_ns = 500000, .loss = 0.10, .dup = 0.05, .reorder = 0.02,
    };
    struct sim_link *l = sim_link_create(w, "lan", &prm);
    struct ifnet *ia = mkif(l, a, "eth0", &rxA);
    mkif(l, b, "eth0", &rxB);
    for (uint32_t i = 0; i < 10000; i++) {
        send_test(ia, i, 64);
        if (i % 50 == 49)
            sim_run_for(w, NS_PER_MS);
    }
    sim_run_for(w, 100 * NS_PER_MS);
    sim_link_get_stats(l, &res->s);
    res->rx = rxB.n;
    res->out_of_order = 0;
    res->hash = 1469598103934665603ull;
    for (unsigned i = 0; i < rxB.n; i++) {
        if (i && rxB.seq[i] < rxB.seq[i - 1])
            res->out_of_order++;
        res->hash = (res->hash ^ rxB.seq[i] ^ (rxB.at[i] << 20)) * 1099511628211ull;
    }
    teardown(w, a, b);
}

TEST(loss_dup_rates)
{
    struct run_result r;
    lossy_run(1234, &r);
    double sent = (double)r.s.sent;
    T_CHECK(r.s.sent >= 10000 && r.s.sent < 10100);   /* plus a little IP chatter */
    double loss = r.s.lost / sent, dup = r.s.duplicated / sent, reo = r.s.reordered / sent;
    if (loss < 0.085 || loss > 0.115 || dup < 0.038 || dup > 0.062 || reo < 0.012 || reo > 0.028)
        fprintf(stderr, "  loss %.4f dup %.4f reorder %.4f\n", loss, dup, reo);
    T_CHECK(loss > 0.085 && loss < 0.115);
    T_CHECK(dup > 0.038 && dup < 0.062);
    T_CHECK(reo > 0.012 && reo < 0.028);
    /* every test frame not lost arrives, duplicates twice */
    uint64_t test_frames_expected = 10000 - r.s.lost + r.s.duplicated;
    T_CHECK(r.rx <= test_frames_expected && r.rx + 100 >= test_frames_expected);
    T_CHECK(r.out_of_order > 0);
    T_EQ(r.s.queue_full, 0);
    T_EQ(r.s.no_buffer, 0);
}

TEST(reproducible)
{
    struct run_result r1, r2, r3;
    lossy_run(777, &r1);
    lossy_run(777, &r2);
    lossy_run(778, &r3);
    T_CHECK(memcmp(&r1.s, &r2.s, sizeof(r1.s)) == 0);
    T_EQ(r1.rx, r2.rx);
    T_EQ(r1.hash, r2.hash);
    T_CHECK(r1.hash != r3.hash);
    T_CHECK(r1.s.lost != r3.s.lost || r1.s.duplicated != r3.s.duplicated);
}

TEST(bandwidth)
{
    struct sim_world *w = sim_world_create(3);
    struct six_stack *a = mkstack(w, "a", 0, 1), *b = mkstack(w, "b", 0, 2);
    struct sim_link_params prm = { .delay_ns = NS_PER_MS, .bandwidth_bps = 1000000 };
    struct sim_link *l = sim_link_create(w, "slow", &prm);
    sim_run_for(w, 3000 * NS_PER_MS);
    struct ifnet *ia = mkif(l, a, "eth0", &rxA);
    mkif(l, b, "eth0", &rxB);
    sim_run_for(w, 3000 * NS_PER_MS);   /* chatter from if_set_up goes first */
    uint64_t t0 = sim_now(w);
    for (uint32_t i = 0; i < 10; i++)
        send_test(ia, i, 1250 - 14);    /* 1250 bytes = 10 ms at 1 Mb/s */
    sim_run_for(w, 200 * NS_PER_MS);
    T_EQ(rxB.n, 10);
    for (unsigned i = 0; i < rxB.n; i++) {
        T_EQ(rxB.seq[i], i);
        T_EQ(rxB.at[i], t0 + (i + 1) * 10 * NS_PER_MS + NS_PER_MS);
    }
    teardown(w, a, b);
}

TEST(receiver_pool_empty)
{
    struct sim_world *w = sim_world_create(4);
    struct six_stack *a = mkstack(w, "a", 0, 1), *b = mkstack(w, "b", 64, 2);
    struct sim_link *l = sim_link_create(w, "lan", NULL);
    struct ifnet *ia = mkif(l, a, "eth0", &rxA);
    mkif(l, b, "eth0", &rxB);
    sim_run_for(w, 3000 * NS_PER_MS);
    rxB.hold = true;
    for (uint32_t i = 0; i < 100; i++)
        send_test(ia, i, 64);
    sim_run_for(w, 10 * NS_PER_MS);
    struct sim_link_stats s;
    sim_link_get_stats(l, &s);
    T_CHECK(s.no_buffer >= 36);
    T_CHECK(rxB.n <= 64);
    T_EQ(CTR_GET(b, if, drop_no_buffer), s.no_buffer);
    teardown(w, a, b);
}

TEST(detach_with_frames_in_flight)
{
    struct sim_world *w = sim_world_create(5);
    struct six_stack *a = mkstack(w, "a", 0, 1), *b = mkstack(w, "b", 0, 2);
    struct sim_link_params prm = { .delay_ns = 50 * NS_PER_MS };
    struct sim_link *l = sim_link_create(w, "lan", &prm);
    struct ifnet *ia = mkif(l, a, "eth0", &rxA);
    mkif(l, b, "eth0", &rxB);
    for (uint32_t i = 0; i < 100; i++)
        send_test(ia, i, 64);
    sim_run_for(w, 10 * NS_PER_MS);
    sim_detach(ia);
    T_CHECK(if_find(a, "eth0") == NULL);
    struct pkt_pool_stats ps;
    pkt_pool_get_stats(a->pool, &ps);
    T_EQ(ps.small_free, ps.small_total);
    sim_run_for(w, 100 * NS_PER_MS);
    T_EQ(rxB.n, 0);
    /* the world can go first: it detaches what is left */
    sim_unregister_stack(w, a);
    sim_unregister_stack(w, b);
    sim_world_destroy(w);
    T_CHECK(if_find(b, "eth0") == NULL);
    six_stack_destroy(a);
    six_stack_destroy(b);
}

TEST(p2p_rawip)
{
    struct sim_world *w = sim_world_create(6);
    struct six_stack *a = mkstack(w, "a", 0, 1), *b = mkstack(w, "b", 0, 2), *c = mkstack(w, "c", 0, 3);
    struct sim_link_params prm = { .delay_ns = 2 * NS_PER_MS, .mtu = 1400 };
    struct sim_link *l = sim_link_create_p2p(w, "ptp", &prm);
    struct ifnet *ia = mkif(l, a, "ptp0", &rxA);
    struct ifnet *ib = mkif(l, b, "ptp0", &rxB);
    T_EQ(ia->type, IFT_RAWIP);
    T_CHECK(ib->flags & IFF6_NOARP);
    T_CHECK(sim_attach(l, c, "ptp0", NULL) == NULL);   /* two ends only */
    send_test(ia, 7, 1400);
    send_test(ib, 8, 100);
    send_test(ia, 9, 1401);
    sim_run_for(w, 5 * NS_PER_MS);
    T_EQ(rxB.n, 1);
    T_EQ(rxB.seq[0], 7);
    T_EQ(rxA.n, 1);
    T_EQ(rxA.seq[0], 8);
    struct sim_link_stats s;
    sim_link_get_stats(l, &s);
    T_EQ(s.too_big, 1);
    sim_unregister_stack(w, c);
    six_stack_destroy(c);
    teardown(w, a, b);
}

TEST(loopback)
{
    struct sim_world *w = sim_world_create(7);
    struct six_stack *a = mkstack(w, "a", 0, 1);
    struct ifnet *lo = loop_create(a);
    T_CHECK(lo != NULL);
    if (!lo) return;
    T_EQ(lo->type, IFT_LOOP);
    T_EQ(lo->mtu, 65535);
    memset(&rxA, 0, sizeof(rxA));
    lo->input_hook = hook;
    lo->input_hook_ctx = &rxA;
    if_set_up(lo, true);
    sim_run_for(w, 1000 * NS_PER_MS);
    rxA.n = 0;
    uint64_t t0 = sim_now(w);
    for (uint32_t i = 0; i < 40; i++)     /* more than one tx batch */
        send_test(lo, i, 100);
    sim_run_for(w, 0);
    T_EQ(rxA.n, 40);
    for (unsigned i = 0; i < rxA.n; i++) {
        T_EQ(rxA.seq[i], i);
        T_EQ(rxA.at[i], t0);
    }
    six_stack_destroy(a);
    sim_world_destroy(w);
}

TEST(capture)
{
    char path[] = "/tmp/test_simlink_XXXXXX";
    int fd = mkstemp(path);
    close(fd);
    struct sim_world *w = sim_world_create(8);
    struct six_stack *a = mkstack(w, "a", 0, 1), *b = mkstack(w, "b", 0, 2);
    struct sim_link *l = sim_link_create(w, "lan", NULL);
    struct ifnet *ia = mkif(l, a, "eth0", &rxA);
    mkif(l, b, "eth0", &rxB);
    sim_run_for(w, 3000 * NS_PER_MS);
    T_EQ(if_capture_start(ia, path), 0);
    send_test(ia, 1, 60);
    send_test(ia, 2, 60);
    sim_run_for(w, 0);                  /* the flush writes the capture out */
    FILE *f = fopen(path, "rb");
    uint8_t buf[4096];
    size_t n = fread(buf, 1, sizeof(buf), f);
    fclose(f);
    T_CHECK(n >= 24 + 2 * (16 + 74));
    uint32_t linktype;
    memcpy(&linktype, buf + 20, 4);
    T_EQ(linktype, 1);
    teardown(w, a, b);
    unlink(path);
}

int main(void)
{
    RUN(delay_and_copy);
    RUN(mtu_too_big);
    RUN(loss_dup_rates);
    RUN(reproducible);
    RUN(bandwidth);
    RUN(receiver_pool_empty);
    RUN(detach_with_frames_in_flight);
    RUN(p2p_rawip);
    RUN(loopback);
    RUN(capture);
    return t_done();
}
