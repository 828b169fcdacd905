/* Hostile IPv4 / ARP input: a victim stack V on a simulated Ethernet segment
 * with a peer P (which pings V after every case over IPv4) and an attacker
 * station X (a real stack, so that it answers ARP; an input hook on its
 * interface records every frame V sends).  Crafted frames "from X" are
 * handed to V's interface with if_input(), as a driver would.  For each
 * case: the named counter moves, the ICMP error comes back where one is due
 * and nothing where none is, and V keeps answering P. */
#include <arpa/inet.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "../lib/t.h"
#include "../lib/inject.h"
#include "ctl/scene.h"
#include "link/sim.h"
#include "net/stack.h"
#include "net/ip4_var.h"
#include "net/ip4_priv.h"
#include "wire/arp.h"
#include "wire/bytes.h"
#include "wire/ether.h"
#include "wire/icmp4.h"

#define MS (1000000ull)
#define SEC (1000000000ull)

struct env {
    struct sim_world *w;
    struct six_stack *v, *p, *x;
    struct ifnet *vif, *pif, *xif;
    struct inj_capture cap;
    struct in_addr va, pa, xa, bcast;
};

static struct six_stack *mk(struct sim_world *w, const char *name, uint64_t seed, uint32_t n_small)
{
    struct six_stack_opts o = { .name = name, .clock = sim_clock(w), .tw = sim_wheel(w), .seed = seed,
                                .n_small = n_small, .n_big = 16 };
    struct six_stack *st = six_stack_create(&o);
    sim_register_stack(w, st);
    return st;
}

static void up(struct env *e)
{
    memset(e, 0, sizeof *e);
    e->w = sim_world_create(4);
    e->v = mk(e->w, "v", 1, 4096);
    e->p = mk(e->w, "p", 2, 0);
    e->x = mk(e->w, "x", 3, 0);
    struct sim_link *l = sim_link_create(e->w, "lan", &(struct sim_link_params){ .delay_ns = 1 * MS });
    e->vif = sim_attach(l, e->v, "eth0", NULL);
    e->pif = sim_attach(l, e->p, "eth0", NULL);
    e->xif = sim_attach(l, e->x, "eth0", NULL);
    T_EQ(scene_cmd(e->v, NULL, "addr add 192.0.2.1/24 dev eth0"), 0);
    T_EQ(scene_cmd(e->p, NULL, "addr add 192.0.2.2/24 dev eth0"), 0);
    T_EQ(scene_cmd(e->x, NULL, "addr add 192.0.2.66/24 dev eth0"), 0);
    T_EQ(scene_cmd(e->v, NULL, "link set eth0 up"), 0);
    T_EQ(scene_cmd(e->p, NULL, "link set eth0 up"), 0);
    T_EQ(scene_cmd(e->x, NULL, "link set eth0 up"), 0);
    sim_run_for(e->w, 1 * SEC);
    e->va = inj_a4("192.0.2.1");
    e->pa = inj_a4("192.0.2.2");
    e->xa = inj_a4("192.0.2.66");
    e->bcast = inj_a4("192.0.2.255");
    /* V knows X's MAC (its errors and replies leave at once), P reaches V */
    T_EQ(scene_cmd_wait(e->w, e->v, NULL, 3 * SEC, "ping 192.0.2.66 -c 1"), 0);
    T_EQ(scene_cmd_wait(e->w, e->p, NULL, 3 * SEC, "ping 192.0.2.1 -c 1"), 0);
    inj_capture_start(&e->cap, e->xif, true);
}

static void down(struct env *e)
{
    inj_capture_stop(&e->cap);
    six_stack_destroy(e->v);
    six_stack_destroy(e->p);
    six_stack_destroy(e->x);
    sim_world_destroy(e->w);
}

static void alive(struct env *e)
{
    T_EQ(scene_cmd_wait(e->w, e->p, NULL, 3 * SEC, "ping 192.0.2.1 -c 1 -W 1"), 0);
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

#define T_DELTA(e, name, d, stmt) do { uint64_t _b = C((e)->v, name); stmt; \
    uint64_t _a = C((e)->v, name); if (_a - _b != (uint64_t)(d)) { \
    fprintf(stderr, "  %s:%d: counter %s moved by %lld, expected %lld\n", __FILE__, __LINE__, name, \
            (long long)(_a - _b), (long long)(d)); t_case_failed = 1; } } while (0)

/* A frame of the given ethertype from X's MAC to dst (V's MAC if NULL), then 20 ms. */
static void send_frame(struct env *e, const struct eth_addr *dst, uint16_t type, const uint8_t *pl, size_t n)
{
    uint8_t f[INJ_MAX + 14];
    size_t fn = inj_eth(f, sizeof f, dst ? dst : &e->vif->hwaddr, &e->xif->hwaddr, type, pl, n);
    T_CHECK(fn > 0);
    T_CHECK(inj_input(e->vif, f, fn));
    sim_run_for(e->w, 20 * MS);
}

static void send4(struct env *e, const uint8_t *pkt, size_t n)
{
    send_frame(e, NULL, ETHERTYPE_IP4, pkt, n);
}

/* Echo request X → dst (V if 0) as a whole IPv4 packet. */
static size_t echo4(uint8_t *b, struct env *e, struct in_addr dst, uint16_t seq, size_t n)
{
    uint8_t ic[INJ_MAX];
    size_t k = inj_echo4(ic, sizeof ic, 0x4242, seq, n);
    return inj_ip4(b, INJ_MAX, e->xa, dst.s_addr ? dst : e->va, 64, IP4_PROTO_ICMP, seq, 0, NULL, 0, ic, k);
}

static unsigned replies(struct env *e)
{
    return inj_count_icmp4(&e->cap, ICMP4_ECHO_REPLY, 0, &e->va, &e->xa, NULL);
}

static unsigned errors_to_x(struct env *e)
{
    unsigned n = 0;
    for (int t = 0; t < 256; t++)
        if (icmp4_is_error((uint8_t)t))
            n += inj_count_icmp4(&e->cap, t, -1, NULL, &e->xa, NULL);
    return n;
}

static void expect_silence(struct env *e)
{
    T_EQ(errors_to_x(e), 0);
    T_EQ(replies(e), 0);
}

static struct in_addr none4;   /* 0.0.0.0: "V" for echo4() */

/* ------------------------------------------------------------------ */

TEST(runt_and_truncated)
{
    struct env e;
    uint8_t b[INJ_MAX], f[64];
    up(&e);
    memset(f, 0, sizeof f);
    memcpy(f, e.vif->hwaddr.b, 6);
    memcpy(f + 6, e.xif->hwaddr.b, 6);
    f[12] = 0x08;
    for (size_t len = 0; len < ETH_HLEN; len++)
        T_DELTA(&e, "eth.drop.truncated", 1, T_CHECK(inj_input(e.vif, f, len)));
    size_t n = echo4(b, &e, none4, 1, 16);
    T_DELTA(&e, "ip4.drop.truncated", 1, send4(&e, b, 19));
    T_DELTA(&e, "ip4.drop.truncated", 1, send4(&e, b, 0));
    /* an IPv6 version nibble under the IPv4 ethertype */
    b[0] = 0x65;
    T_DELTA(&e, "ip4.drop.bad_version", 1, send4(&e, b, n));
    /* ARP shorter than 28 bytes */
    uint8_t a[ARP_LEN];
    inj_arp(a, sizeof a, ARP_OP_REQUEST, &e.xif->hwaddr, e.xa, &(struct eth_addr){ { 0 } }, e.va);
    T_DELTA(&e, "arp.drop.truncated", 1, send_frame(&e, &inj_bcast, ETHERTYPE_ARP, a, 27));
    expect_silence(&e);
    alive(&e);
    down(&e);
}

TEST(bad_header_checksum)
{
    struct env e;
    uint8_t b[INJ_MAX];
    up(&e);
    size_t n = echo4(b, &e, none4, 1, 16);
    b[10] ^= 0x10;
    T_DELTA(&e, "ip4.drop.bad_cksum", 1, send4(&e, b, n));
    /* a header checksum computed before the TTL was changed */
    n = echo4(b, &e, none4, 2, 16);
    b[8] = 3;
    T_DELTA(&e, "ip4.drop.bad_cksum", 1, send4(&e, b, n));
    expect_silence(&e);
    alive(&e);
    down(&e);
}

TEST(header_length_lies)
{
    struct env e;
    uint8_t b[INJ_MAX];
    up(&e);
    /* ihl < 5 */
    for (int ihl = 0; ihl < 5; ihl++) {
        size_t n = echo4(b, &e, none4, (uint16_t)ihl, 16);
        b[0] = (uint8_t)(0x40 | ihl);
        inj_ip4_fix_cksum(b);   /* over the (short) header it names */
        T_DELTA(&e, "ip4.drop.bad_hdr_len", 1, send4(&e, b, n));
    }
    /* ihl 15 (60 bytes) in a 28-byte packet */
    size_t n = echo4(b, &e, none4, 9, 0);
    b[0] = 0x4f;
    T_DELTA(&e, "ip4.drop.bad_hdr_len", 1, send4(&e, b, n));
    expect_silence(&e);
    alive(&e);
    down(&e);
}

TEST(total_length_lies)
{
    struct env e;
    uint8_t b[INJ_MAX];
    up(&e);
    size_t n = echo4(b, &e, none4, 1, 16);
    wr16(b + 2, (uint16_t)(n + 100));   /* more than the frame holds */
    inj_ip4_fix_cksum(b);
    T_DELTA(&e, "ip4.drop.bad_length", 1, send4(&e, b, n));
    wr16(b + 2, 12);                    /* less than the header */
    inj_ip4_fix_cksum(b);
    T_DELTA(&e, "ip4.drop.bad_length", 1, send4(&e, b, n));
    /* shorter than the ICMP header it claims to carry */
    wr16(b + 2, 24);
    inj_ip4_fix_cksum(b);
    T_DELTA(&e, "icmp4.drop.truncated", 1, send4(&e, b, n));
    expect_silence(&e);
    /* shorter than the frame (Ethernet padding): trimmed and answered */
    n = echo4(b, &e, none4, 2, 16);
    memset(b + n, 0xee, 30);
    T_DELTA(&e, "icmp4.out_echo_reply", 1, send4(&e, b, n + 30));
    T_EQ(replies(&e), 1);
    alive(&e);
    down(&e);
}

/* An echo request X → V carrying the given IP options. */
static size_t echo4_opts(uint8_t *b, struct env *e, const uint8_t *opts, size_t optlen, uint16_t seq)
{
    uint8_t ic[INJ_MAX];
    size_t k = inj_echo4(ic, sizeof ic, 0x4242, seq, 16);
    return inj_ip4(b, INJ_MAX, e->xa, e->va, 64, IP4_PROTO_ICMP, seq, 0, opts, optlen, ic, k);
}

TEST(options_with_bad_lengths)
{
    struct env e;
    uint8_t b[INJ_MAX];
    up(&e);
    static const uint8_t len0[4] = { 0x07, 0, 0, 0 };        /* RR with length 0 */
    static const uint8_t len1[4] = { 0x83, 1, 0, 0 };        /* LSRR with length 1 */
    static const uint8_t past[4] = { 0x44, 12, 5, 0 };       /* timestamp running past the header */
    static const uint8_t last[4] = { 1, 1, 1, 0x07 };        /* a type in the header's last byte */
    static const uint8_t big[40] = { 1, 0x07, 40 };          /* 40 bytes from offset 1: one too many */
    struct { const uint8_t *o; size_t n; } bad[] = { { len0, 4 }, { len1, 4 }, { past, 4 }, { last, 4 }, { big, 40 } };
    for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        size_t n = echo4_opts(b, &e, bad[i].o, bad[i].n, (uint16_t)i);
        T_DELTA(&e, "ip4.drop.bad_opt_len", 1, send4(&e, b, n));
    }
    expect_silence(&e);
    /* well-formed options are skipped: NOP, NOP, Record Route with room, EOL */
    static const uint8_t good[12] = { 1, 1, 0x07, 7, 4, 0, 0, 0, 0, 0 };
    size_t n = echo4_opts(b, &e, good, sizeof good, 10);
    T_DELTA(&e, "icmp4.out_echo_reply", 1, send4(&e, b, n));
    T_EQ(replies(&e), 1);
    alive(&e);
    down(&e);
}

TEST(bad_flags_and_offsets)
{
    struct env e;
    uint8_t b[INJ_MAX];
    up(&e);
    size_t n = echo4(b, &e, none4, 1, 16);
    wr16(b + 6, 0x8000);   /* the reserved ("evil") bit */
    inj_ip4_fix_cksum(b);
    T_DELTA(&e, "ip4.drop.reserved_flag", 1, send4(&e, b, n));
    wr16(b + 6, 0x1fff);   /* offset 65528 + 24 bytes > 65535 */
    inj_ip4_fix_cksum(b);
    T_DELTA(&e, "ip4.drop.bad_frag_off", 1, send4(&e, b, n));
    /* a non-final fragment whose length is not a multiple of 8 */
    n = echo4(b, &e, none4, 2, 5);   /* 13 bytes of ICMP */
    wr16(b + 6, 0x2000);
    inj_ip4_fix_cksum(b);
    T_DELTA(&e, "frag4.drop_bad_len", 1, send4(&e, b, n));
    expect_silence(&e);
    alive(&e);
    down(&e);
}

/* IPv4 fragment X → V of an ICMP message ic: bytes [off, off+len), more. */
static size_t frag4(uint8_t *b, struct env *e, uint16_t id, const uint8_t *ic, uint16_t off, size_t len, bool more)
{
    return inj_ip4(b, INJ_MAX, e->xa, e->va, 64, IP4_PROTO_ICMP, id, (uint16_t)((more ? 0x2000 : 0) | off / 8),
                   NULL, 0, ic + off, len);
}

TEST(overlapping_fragments)
{
    struct env e;
    uint8_t ic[INJ_MAX], b[INJ_MAX];
    up(&e);
    size_t k = inj_echo4(ic, sizeof ic, 0x4242, 1, 24);   /* 32 bytes */
    T_EQ(k, 32);
    size_t n = frag4(b, &e, 901, ic, 0, 16, true);
    T_DELTA(&e, "frag4.drop_overlap", 0, send4(&e, b, n));
    n = frag4(b, &e, 901, ic, 8, 16, true);   /* [8, 24) over [0, 16) */
    T_DELTA(&e, "frag4.drop_overlap", 1, send4(&e, b, n));
    n = frag4(b, &e, 901, ic, 16, 16, false);  /* the genuine rest: dropped as well */
    T_DELTA(&e, "frag4.drop_overlap", 1, send4(&e, b, n));
    n = frag4(b, &e, 901, ic, 0, 16, true);
    T_DELTA(&e, "frag4.drop_overlap", 1, send4(&e, b, n));
    T_EQ(C(e.v, "frag4.reassembled"), 0);
    sim_run_for(e.w, 31 * SEC);   /* its timeout sends no Time Exceeded */
    expect_silence(&e);
    /* overlap with the end of a previous piece from the other side */
    n = frag4(b, &e, 902, ic, 16, 16, false);
    send4(&e, b, n);
    n = frag4(b, &e, 902, ic, 8, 16, true);
    T_DELTA(&e, "frag4.drop_overlap", 1, send4(&e, b, n));
    /* an exact duplicate is dropped alone; the datagram completes */
    n = frag4(b, &e, 903, ic, 0, 16, true);
    send4(&e, b, n);
    T_DELTA(&e, "frag4.drop_dup", 1, send4(&e, b, n));
    n = frag4(b, &e, 903, ic, 16, 16, false);
    T_DELTA(&e, "frag4.reassembled", 1, send4(&e, b, n));
    T_EQ(replies(&e), 1);
    /* a second "last" fragment that disagrees on the total */
    n = frag4(b, &e, 904, ic, 16, 16, false);
    send4(&e, b, n);
    n = frag4(b, &e, 904, ic, 32, 16, false);
    T_DELTA(&e, "frag4.drop_bad_len", 1, send4(&e, b, n));
    alive(&e);
    down(&e);
}

TEST(reassembly_timeout_time_exceeded)
{
    struct env e;
    uint8_t ic[INJ_MAX], b[INJ_MAX];
    up(&e);
    inj_echo4(ic, sizeof ic, 0x4242, 1, 24);
    size_t n = frag4(b, &e, 911, ic, 0, 16, true);
    send4(&e, b, n);
    size_t n2 = frag4(b + 1024, &e, 912, ic, 16, 16, false);
    send4(&e, b + 1024, n2);
    sim_run_for(e.w, 29 * SEC);
    T_EQ(errors_to_x(&e), 0);
    sim_run_for(e.w, 2 * SEC);
    T_EQ(C(e.v, "frag4.drop_timeout"), 2);
    struct inj_icmp4 m;
    T_EQ(inj_count_icmp4(&e.cap, ICMP4_TIME_EXCEEDED, 1, &e.va, &e.xa, &m), 1);
    T_EQ(errors_to_x(&e), 1);   /* only for the datagram whose first piece came */
    if (m.body_len >= 28)
        T_MEMEQ(m.body, b, 28);
    T_EQ(net4_of(e.v)->frag_mem, 0);
    alive(&e);
    down(&e);
}

TEST(arp_malformed)
{
    struct env e;
    uint8_t a[ARP_LEN];
    up(&e);
    struct eth_addr zero = { { 0 } };
    uint64_t replies0 = C(e.v, "arp.out_reply");
    inj_arp(a, sizeof a, ARP_OP_REQUEST, &e.xif->hwaddr, e.xa, &zero, e.va);
    uint8_t t[ARP_LEN];
    memcpy(t, a, sizeof t); t[4] = 8;     /* hlen 8 */
    T_DELTA(&e, "arp.drop.bad_addr_len", 1, send_frame(&e, &inj_bcast, ETHERTYPE_ARP, t, sizeof t));
    memcpy(t, a, sizeof t); t[5] = 16;    /* plen 16 */
    T_DELTA(&e, "arp.drop.bad_addr_len", 1, send_frame(&e, &inj_bcast, ETHERTYPE_ARP, t, sizeof t));
    memcpy(t, a, sizeof t); t[1] = 6;     /* htype IEEE 802 */
    T_DELTA(&e, "arp.drop.bad_htype", 1, send_frame(&e, &inj_bcast, ETHERTYPE_ARP, t, sizeof t));
    memcpy(t, a, sizeof t); t[2] = 0x86; t[3] = 0xdd;   /* ptype IPv6 */
    T_DELTA(&e, "arp.drop.bad_ptype", 1, send_frame(&e, &inj_bcast, ETHERTYPE_ARP, t, sizeof t));
    memcpy(t, a, sizeof t); t[7] = 8;     /* op 8 (InARP request) */
    T_DELTA(&e, "arp.drop.bad_op", 1, send_frame(&e, &inj_bcast, ETHERTYPE_ARP, t, sizeof t));
    T_EQ(C(e.v, "arp.out_reply"), replies0);
    /* sender hardware address multicast / zero */
    struct eth_addr mc = { { 0x01, 0, 0x5e, 0, 0, 1 } };
    struct in_addr stranger = inj_a4("192.0.2.77");
    inj_arp(t, sizeof t, ARP_OP_REQUEST, &mc, stranger, &zero, e.va);
    T_DELTA(&e, "arp.drop_bad_src", 1, send_frame(&e, &inj_bcast, ETHERTYPE_ARP, t, sizeof t));
    /* sender protocol address broadcast / multicast / loopback */
    inj_arp(t, sizeof t, ARP_OP_REQUEST, &e.xif->hwaddr, e.bcast, &zero, e.va);
    T_DELTA(&e, "arp.drop_bad_src", 1, send_frame(&e, &inj_bcast, ETHERTYPE_ARP, t, sizeof t));
    inj_arp(t, sizeof t, ARP_OP_REQUEST, &e.xif->hwaddr, inj_a4("224.0.0.1"), &zero, e.va);
    T_DELTA(&e, "arp.drop_bad_src", 1, send_frame(&e, &inj_bcast, ETHERTYPE_ARP, t, sizeof t));
    inj_arp(t, sizeof t, ARP_OP_REQUEST, &e.xif->hwaddr, inj_a4("127.0.0.1"), &zero, e.va);
    T_DELTA(&e, "arp.drop_bad_src", 1, send_frame(&e, &inj_bcast, ETHERTYPE_ARP, t, sizeof t));
    /* V's own hardware address as the sender: a reflection */
    inj_arp(t, sizeof t, ARP_OP_REQUEST, &e.vif->hwaddr, stranger, &zero, e.va);
    T_DELTA(&e, "arp.drop_not_for_us", 1, send_frame(&e, &inj_bcast, ETHERTYPE_ARP, t, sizeof t));
    T_EQ(C(e.v, "arp.out_reply"), replies0);
    alive(&e);
    down(&e);
}

TEST(arp_sender_claims_victim_address)
{
    struct env e;
    uint8_t t[ARP_LEN];
    up(&e);
    struct eth_addr zero = { { 0 } }, fake = { { 0x02, 0xba, 0xd0, 0, 0, 4 } };
    uint64_t replies0 = C(e.v, "arp.out_reply");
    /* a request "from 192.0.2.1" for P, and a gratuitous reply for 192.0.2.1 */
    inj_arp(t, sizeof t, ARP_OP_REQUEST, &fake, e.va, &zero, e.pa);
    T_DELTA(&e, "arp.conflict", 1, send_frame(&e, &inj_bcast, ETHERTYPE_ARP, t, sizeof t));
    inj_arp(t, sizeof t, ARP_OP_REPLY, &fake, e.va, &inj_bcast, e.va);
    T_DELTA(&e, "arp.conflict", 1, send_frame(&e, &inj_bcast, ETHERTYPE_ARP, t, sizeof t));
    /* and asking V for its own address with its own address as sender */
    inj_arp(t, sizeof t, ARP_OP_REQUEST, &fake, e.va, &zero, e.va);
    T_DELTA(&e, "arp.conflict", 1, send_frame(&e, &inj_bcast, ETHERTYPE_ARP, t, sizeof t));
    T_EQ(C(e.v, "arp.out_reply"), replies0);
    /* V still owns and uses its address */
    T_CHECK(in4_is_local(e.v, e.va));
    alive(&e);
    T_EQ(scene_cmd_wait(e.w, e.v, NULL, 3 * SEC, "ping 192.0.2.2 -c 1"), 0);
    /* an unsolicited reply about a stranger creates nothing */
    struct in_addr stranger = inj_a4("192.0.2.78");
    inj_arp(t, sizeof t, ARP_OP_REPLY, &fake, stranger, &e.vif->hwaddr, e.va);
    T_DELTA(&e, "arp.drop_not_for_us", 1, send_frame(&e, NULL, ETHERTYPE_ARP, t, sizeof t));
    down(&e);
}

TEST(bad_icmp_checksum)
{
    struct env e;
    uint8_t ic[INJ_MAX], b[INJ_MAX];
    up(&e);
    size_t k = inj_echo4(ic, sizeof ic, 0x4242, 1, 16);
    ic[2] ^= 0x01;
    size_t n = inj_ip4(b, sizeof b, e.xa, e.va, 64, IP4_PROTO_ICMP, 1, 0, NULL, 0, ic, k);
    T_DELTA(&e, "icmp4.drop.bad_cksum", 1, send4(&e, b, n));
    /* a checksum that does not cover the Ethernet padding is right: answered */
    k = inj_echo4(ic, sizeof ic, 0x4242, 2, 16);
    n = inj_ip4(b, sizeof b, e.xa, e.va, 64, IP4_PROTO_ICMP, 2, 0, NULL, 0, ic, k);
    T_EQ(replies(&e), 0);
    memset(b + n, 0x77, 17);
    T_DELTA(&e, "icmp4.drop.bad_cksum", 0, send4(&e, b, n + 17));
    T_EQ(replies(&e), 1);
    T_EQ(errors_to_x(&e), 0);
    alive(&e);
    down(&e);
}

TEST(martian_addresses)
{
    struct env e;
    uint8_t ic[INJ_MAX], b[INJ_MAX];
    up(&e);
    size_t k = inj_echo4(ic, sizeof ic, 0x4242, 1, 16);
    const char *bad_src[] = { "127.0.0.1", "0.0.0.0", "224.0.0.5", "255.255.255.255", "192.0.2.255", "192.0.2.1" };
    for (unsigned i = 0; i < sizeof bad_src / sizeof bad_src[0]; i++) {
        size_t n = inj_ip4(b, sizeof b, inj_a4(bad_src[i]), e.va, 64, IP4_PROTO_ICMP, 1, 0, NULL, 0, ic, k);
        T_DELTA(&e, "ip4.drop_src_invalid", 1, send4(&e, b, n));
    }
    size_t n = inj_ip4(b, sizeof b, e.xa, inj_a4("127.0.0.1"), 64, IP4_PROTO_ICMP, 1, 0, NULL, 0, ic, k);
    T_DELTA(&e, "ip4.drop_martian_dst", 1, send4(&e, b, n));
    /* a broadcast echo is not answered */
    n = echo4(b, &e, e.bcast, 2, 16);
    T_DELTA(&e, "icmp4.drop_bcast_echo", 1, send_frame(&e, &inj_bcast, ETHERTYPE_IP4, b, n));
    /* a host does not forward */
    n = echo4(b, &e, inj_a4("203.0.113.1"), 3, 16);
    T_DELTA(&e, "ip4.drop_fwd_disabled", 1, send4(&e, b, n));
    sim_run_for(e.w, 20 * MS);
    expect_silence(&e);
    alive(&e);
    down(&e);
}

TEST(icmp_errors_only_where_due)
{
    struct env e;
    uint8_t pl[64], b[INJ_MAX];
    up(&e);
    memset(pl, 0, sizeof pl);
    /* unknown protocol to V: Protocol Unreachable quoting header + 8 bytes */
    size_t n = inj_ip4(b, sizeof b, e.xa, e.va, 64, 253, 1, 0, NULL, 0, pl, 16);
    T_DELTA(&e, "ip4.drop_unknown_proto", 1, send4(&e, b, n));
    struct inj_icmp4 m;
    T_EQ(inj_count_icmp4(&e.cap, ICMP4_UNREACH, ICMP4_UNREACH_PROTO, &e.va, &e.xa, &m), 1);
    if (m.body_len >= 28)
        T_MEMEQ(m.body, b, 28);
    inj_capture_clear(&e.cap);
    /* ... but not when sent to the broadcast address, nor as a link-layer broadcast */
    n = inj_ip4(b, sizeof b, e.xa, e.bcast, 64, 253, 2, 0, NULL, 0, pl, 16);
    T_DELTA(&e, "icmp4.err_suppressed", 1, send_frame(&e, &inj_bcast, ETHERTYPE_IP4, b, n));
    n = inj_ip4(b, sizeof b, e.xa, e.va, 64, 253, 3, 0, NULL, 0, pl, 16);
    T_DELTA(&e, "icmp4.err_suppressed", 1, send_frame(&e, &inj_bcast, ETHERTYPE_IP4, b, n));
    /* ... nor about a non-first fragment */
    n = inj_ip4(b, sizeof b, e.xa, e.va, 64, 253, 4, 0x0002, NULL, 0, pl, 16);
    T_DELTA(&e, "icmp4.err_suppressed", 0, send4(&e, b, n));   /* held for reassembly */
    /* an ICMP error addressed to V is taken in, never answered */
    uint8_t ic[64];
    size_t k = inj_icmp4(ic, sizeof ic, ICMP4_UNREACH, 3, 0, pl, 28);
    n = inj_ip4(b, sizeof b, e.xa, e.va, 64, IP4_PROTO_ICMP, 5, 0, NULL, 0, ic, k);
    send4(&e, b, n);
    T_EQ(errors_to_x(&e), 0);
    /* as a router: TTL 1 on an echo request earns a Time Exceeded, on an
     * ICMP error nothing (RFC 1812 §4.3.2.7) */
    T_EQ(scene_cmd(e.v, NULL, "set forwarding on -4"), 0);
    uint8_t ec[64];
    k = inj_echo4(ec, sizeof ec, 0x4242, 6, 8);
    n = inj_ip4(b, sizeof b, e.xa, inj_a4("203.0.113.1"), 1, IP4_PROTO_ICMP, 6, 0, NULL, 0, ec, k);
    T_DELTA(&e, "ip4.drop_ttl_exceeded", 1, send4(&e, b, n));
    T_EQ(inj_count_icmp4(&e.cap, ICMP4_TIME_EXCEEDED, 0, &e.va, &e.xa, NULL), 1);
    n = inj_ip4(b, sizeof b, e.xa, inj_a4("203.0.113.1"), 1, IP4_PROTO_ICMP, 7, 0, NULL, 0, ic, k);
    k = inj_icmp4(ic, sizeof ic, ICMP4_UNREACH, 3, 0, pl, 28);
    n = inj_ip4(b, sizeof b, e.xa, inj_a4("203.0.113.1"), 1, IP4_PROTO_ICMP, 7, 0, NULL, 0, ic, k);
    T_DELTA(&e, "icmp4.err_suppressed", 1, send4(&e, b, n));
    T_EQ(errors_to_x(&e), 1);
    T_EQ(scene_cmd(e.v, NULL, "set forwarding off -4"), 0);
    alive(&e);
    down(&e);
}

TEST(icmp_errors_rate_limited)
{
    struct env e;
    uint8_t pl[16], b[INJ_MAX];
    up(&e);
    memset(pl, 0, sizeof pl);
    size_t n = inj_ip4(b, sizeof b, e.xa, e.va, 64, 253, 1, 0, NULL, 0, pl, sizeof pl);
    uint64_t out0 = C(e.v, "icmp4.out_errors"), rl0 = C(e.v, "icmp4.err_ratelimited");
    for (int i = 0; i < 1000; i++) {
        T_CHECK(inj_input_eth(e.vif, &e.vif->hwaddr, &e.xif->hwaddr, b, n));
        sim_run_for(e.w, 1 * MS);
    }
    sim_run_for(e.w, 20 * MS);
    uint64_t sent = C(e.v, "icmp4.out_errors") - out0, limited = C(e.v, "icmp4.err_ratelimited") - rl0;
    T_CHECK(sent <= ICMP4_ERR_BURST + ICMP4_ERR_RATE + 1);
    T_CHECK(sent >= ICMP4_ERR_RATE);
    T_EQ(sent + limited, 1000);
    T_EQ(inj_count_icmp4(&e.cap, ICMP4_UNREACH, ICMP4_UNREACH_PROTO, &e.va, &e.xa, NULL), sent);
    alive(&e);
    down(&e);
}

/* A first fragment is pending when its interface is removed; the reassembly
 * times out later (Time Exceeded with no receiving interface).  In a child
 * process so that a crash fails this case only. */
static int frag_on_removed_interface_child(void)
{
    struct env e;
    uint8_t ic[INJ_MAX], b[INJ_MAX];
    up(&e);
    struct sim_link *l2 = sim_link_create(e.w, "lan2", &(struct sim_link_params){ .delay_ns = 1 * MS });
    struct ifnet *v1 = sim_attach(l2, e.v, "eth1", NULL);
    T_EQ(scene_cmd(e.v, NULL, "addr add 198.51.100.1/24 dev eth1"), 0);
    T_EQ(scene_cmd(e.v, NULL, "link set eth1 up"), 0);
    sim_run_for(e.w, 1 * SEC);
    size_t k = inj_echo4(ic, sizeof ic, 0x4242, 1, 24);
    size_t n = inj_ip4(b, sizeof b, inj_a4("198.51.100.66"), inj_a4("198.51.100.1"), 64, IP4_PROTO_ICMP, 77,
                       0x2000, NULL, 0, ic, k - 16);
    struct eth_addr smac = { { 0x02, 0, 0, 0, 0x66, 0x67 } };
    T_CHECK(inj_input_eth(v1, &v1->hwaddr, &smac, b, n));
    T_EQ(C(e.v, "frag4.in_fragments"), 1);
    T_EQ(scene_cmd(e.v, NULL, "link del eth1"), 0);
    sim_run_for(e.w, 31 * SEC);
    T_EQ(C(e.v, "frag4.drop_timeout"), 1);
    alive(&e);
    int ok = !t_case_failed;
    down(&e);
    return ok ? 0 : 1;
}

TEST(fragment_pending_when_interface_removed)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0)
        _exit(frag_on_removed_interface_child());
    int status = 0;
    T_CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
    if (WIFSIGNALED(status))
        fprintf(stderr, "  child killed by signal %d\n", WTERMSIG(status));
    T_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void frag4_stats(struct six_stack *st, unsigned *ctxs, size_t *mem)
{
    struct net4 *n = net4_of(st);
    unsigned k = 0;
    for (unsigned i = 0; i < FRAG4_MAX_CTX; i++)
        k += n->frag[i].used;
    *ctxs = k;
    *mem = n->frag_mem;
}

TEST(fragment_flood_bounded)
{
    struct env e;
    uint8_t data[16], b[INJ_MAX];
    up(&e);
    memset(data, 0xab, sizeof data);
    unsigned ctxs, max_ctxs = 0, sent = 0;
    size_t mem, max_mem = 0;
    struct pkt_pool_stats ps0, ps1;
    pkt_pool_get_stats(e.v->pool, &ps0);
#define FLOOD_ONE(src, id, off) do { \
        size_t _n = inj_ip4(b, sizeof b, (src), e.va, 64, IP4_PROTO_UDP, (uint16_t)(id), \
                            (uint16_t)(0x2000 | ((off) / 8)), NULL, 0, data, 8); \
        T_CHECK(inj_input_eth(e.vif, &e.vif->hwaddr, &e.xif->hwaddr, b, _n)); \
        sent++; frag4_stats(e.v, &ctxs, &mem); \
        if (ctxs > max_ctxs) { max_ctxs = ctxs; } \
        if (mem > max_mem) { max_mem = mem; } } while (0)
    struct in_addr s = inj_a4("10.0.0.0");
    /* one source, 8 datagrams of 120 pieces (offset 0 missing: never complete) */
    uint64_t per_src0 = C(e.v, "frag4.drop_mem_per_src");
    s.s_addr = htonl(0x0a000001);
    for (unsigned d = 0; d < 8; d++) {
        uint32_t id = (uint32_t)sim_random(e.w);
        for (unsigned i = 1; i <= 120; i++)
            FLOOD_ONE(s, id, 8 * i);
    }
    T_CHECK(C(e.v, "frag4.drop_mem_per_src") > per_src0);
    alive(&e);
    /* 30 sources with 120 pieces each */
    uint64_t glob0 = C(e.v, "frag4.drop_mem_global");
    for (unsigned src = 0; src < 30; src++) {
        s.s_addr = htonl(0x0a010000 + src);
        uint32_t id = (uint32_t)sim_random(e.w);
        for (unsigned i = 1; i <= 120; i++)
            FLOOD_ONE(s, id, 8 * i);
    }
    T_CHECK(C(e.v, "frag4.drop_mem_global") > glob0);
    alive(&e);
    /* the rest: random IDs from 1000 sources */
    uint64_t full0 = C(e.v, "frag4.drop_table_full");
    while (sent < 10000) {
        uint64_t r = sim_random(e.w);
        s.s_addr = htonl(0x0a020000 + (uint32_t)(r % 1000));
        FLOOD_ONE(s, r >> 32, 8 * (1 + (r >> 16) % 1000));
        if (sent % 1000 == 0)
            sim_run_for(e.w, 10 * MS);
    }
#undef FLOOD_ONE
    T_CHECK(C(e.v, "frag4.drop_table_full") > full0 + 1000);
    T_CHECK(max_ctxs <= FRAG4_MAX_CTX);
    T_CHECK(max_mem <= FRAG4_MEM_GLOBAL);
    T_CHECK(max_mem >= FRAG4_MEM_GLOBAL * 3 / 4);
    alive(&e);
    sim_run_for(e.w, 31 * SEC);
    frag4_stats(e.v, &ctxs, &mem);
    T_EQ(ctxs, 0);
    T_EQ(mem, 0);
    pkt_pool_get_stats(e.v->pool, &ps1);
    T_CHECK(ps1.small_free + 8 >= ps0.small_free);
    T_EQ(errors_to_x(&e), 0);
    alive(&e);
    down(&e);
}

int main(void)
{
    RUN(runt_and_truncated);
    RUN(bad_header_checksum);
    RUN(header_length_lies);
    RUN(total_length_lies);
    RUN(options_with_bad_lengths);
    RUN(bad_flags_and_offsets);
    RUN(overlapping_fragments);
    RUN(reassembly_timeout_time_exceeded);
    RUN(arp_malformed);
    RUN(arp_sender_claims_victim_address);
    RUN(bad_icmp_checksum);
    RUN(martian_addresses);
    RUN(icmp_errors_only_where_due);
    RUN(icmp_errors_rate_limited);
    RUN(fragment_pending_when_interface_removed);
    RUN(fragment_flood_bounded);
    return t_done();
}
