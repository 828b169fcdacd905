/* Hostile IPv6 input: a victim stack V on a simulated Ethernet segment with
 * a peer P (which pings V after every case) and an attacker station X (a
 * real stack, so that it answers ND; an input hook on its interface records
 * every frame V sends).  Crafted frames "from X" are handed to V's
 * interface with if_input(), as a driver would.  For each case: the named
 * counter moves, the RFC's ICMPv6 error (type, code, pointer) comes back
 * where one is due and nothing comes back where none is, and V keeps
 * answering P's pings. */
#include <arpa/inet.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "../lib/t.h"
#include "../lib/inject.h"
#include "ctl/scene.h"
#include "link/sim.h"
#include "net/stack.h"
#include "net/ip6_var.h"
#include "wire/bytes.h"
#include "wire/ether.h"
#include "wire/icmp6.h"
#include "wire/ip6ext.h"
#include "wire/nd6.h"

#define MS (1000000ull)
#define SEC (1000000000ull)

struct env {
    struct sim_world *w;
    struct six_stack *v, *p, *x;
    struct ifnet *vif, *pif, *xif;
    struct sim_link *l;
    struct inj_capture cap;          /* every frame X receives (X still processes them) */
    struct in6_addr va, pa, xa, vll, all_nodes, vsn;
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
    e->w = sim_world_create(6);
    e->v = mk(e->w, "v", 1, 4096);
    e->p = mk(e->w, "p", 2, 0);
    e->x = mk(e->w, "x", 3, 0);
    e->l = sim_link_create(e->w, "lan", &(struct sim_link_params){ .delay_ns = 1 * MS });
    e->vif = sim_attach(e->l, e->v, "eth0", NULL);
    e->pif = sim_attach(e->l, e->p, "eth0", NULL);
    e->xif = sim_attach(e->l, e->x, "eth0", NULL);
    T_EQ(scene_cmd(e->v, NULL, "addr add 2001:db8:1::1/64 dev eth0"), 0);
    T_EQ(scene_cmd(e->p, NULL, "addr add 2001:db8:1::2/64 dev eth0"), 0);
    T_EQ(scene_cmd(e->x, NULL, "addr add 2001:db8:1::66/64 dev eth0"), 0);
    T_EQ(scene_cmd(e->v, NULL, "link set eth0 up"), 0);
    T_EQ(scene_cmd(e->p, NULL, "link set eth0 up"), 0);
    T_EQ(scene_cmd(e->x, NULL, "link set eth0 up"), 0);
    sim_run_for(e->w, 3 * SEC);
    e->va = inj_a6("2001:db8:1::1");
    e->pa = inj_a6("2001:db8:1::2");
    e->xa = inj_a6("2001:db8:1::66");
    e->all_nodes = inj_a6("ff02::1");
    in6_solicited_node(&e->va, &e->vsn);
    const struct in6_addr *ll = in6_linklocal(e->vif);
    T_CHECK(ll != NULL);
    if (ll)
        e->vll = *ll;
    /* V knows X's link-layer address (so its errors leave at once), P reaches V */
    T_EQ(scene_cmd_wait(e->w, e->v, NULL, 3 * SEC, "ping 2001:db8:1::66 -c 1"), 0);
    T_EQ(scene_cmd_wait(e->w, e->p, NULL, 3 * SEC, "ping 2001:db8:1::1 -c 1"), 0);
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

/* V still answers P. */
static void alive(struct env *e)
{
    T_EQ(scene_cmd_wait(e->w, e->p, NULL, 3 * SEC, "ping 2001:db8:1::1 -c 1 -W 1"), 0);
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

/* Assert that running `stmt` moves counter `name` of V by exactly `d`. */
#define T_DELTA(e, name, d, stmt) do { uint64_t _b = C((e)->v, name); stmt; \
    uint64_t _a = C((e)->v, name); if (_a - _b != (uint64_t)(d)) { \
    fprintf(stderr, "  %s:%d: counter %s moved by %lld, expected %lld\n", __FILE__, __LINE__, name, \
            (long long)(_a - _b), (long long)(d)); t_case_failed = 1; } } while (0)

/* Same for two counters at once. */
#define T_DELTA2(e, n1, d1, n2, d2, stmt) do { uint64_t _b1 = C((e)->v, n1), _b2 = C((e)->v, n2); stmt; \
    uint64_t _a1 = C((e)->v, n1), _a2 = C((e)->v, n2); \
    if (_a1 - _b1 != (uint64_t)(d1) || _a2 - _b2 != (uint64_t)(d2)) { \
    fprintf(stderr, "  %s:%d: counters %s, %s moved by %lld, %lld; expected %lld, %lld\n", __FILE__, __LINE__, \
            n1, n2, (long long)(_a1 - _b1), (long long)(_a2 - _b2), (long long)(d1), (long long)(d2)); \
    t_case_failed = 1; } } while (0)

/* Inject an IPv6 packet from X's MAC to V (unicast MAC, or the group's MAC
 * for a multicast destination), then let 20 ms pass. */
static void send6(struct env *e, const uint8_t *pkt, size_t len)
{
    struct ip6_info h;
    struct eth_addr dst = e->vif->hwaddr;
    T_CHECK(len > 0);
    if (len >= IP6_HLEN) {
        memcpy(&h.dst, pkt + 24, 16);
        if (in6_is_multicast(&h.dst))
            dst = inj_mac6(&h.dst);
    }
    T_CHECK(inj_input_eth(e->vif, &dst, &e->xif->hwaddr, pkt, len));
    sim_run_for(e->w, 20 * MS);
}

/* IPv6 packet X → dst (default V) with payload pl. */
static size_t pkt6(uint8_t *out, const struct env *e, const struct in6_addr *dst, uint8_t hlim, uint8_t nxt,
                   const uint8_t *pl, size_t n)
{
    return inj_ip6(out, INJ_MAX, &e->xa, dst ? dst : &e->va, hlim, nxt, pl, n);
}

/* Echo request X → dst (id 0x4242). */
static size_t echo(uint8_t *out, const struct env *e, const struct in6_addr *dst, uint16_t seq, size_t n)
{
    return inj_echo6(out, INJ_MAX, &e->xa, dst ? dst : &e->va, 0x4242, seq, n);
}

/* Echo replies and Parameter Problems V has sent to X so far. */
static unsigned replies(struct env *e)
{
    return inj_count_icmp6(&e->cap, ICMP6_ECHO_REPLY, 0, NULL, &e->xa, NULL);
}

static unsigned errors_to_x(struct env *e)
{
    unsigned n = 0;
    for (int t = 1; t <= 4; t++)
        n += inj_count_icmp6(&e->cap, t, -1, NULL, &e->xa, NULL);
    return n;
}

/* Exactly one Parameter Problem since the capture was cleared, with this
 * code and pointer, quoting the start of the invoking packet. */
static void expect_pp(struct env *e, int code, uint32_t ptr, const uint8_t *inv, size_t inv_len)
{
    struct inj_icmp6 m;
    unsigned n = inj_count_icmp6(&e->cap, ICMP6_PARAM_PROB, -1, &e->va, &e->xa, &m);
    T_EQ(n, 1);
    if (n != 1)
        return;
    T_EQ(m.code, code);
    T_EQ(m.data32, ptr);
    T_EQ(m.ip.hlim, IP6_DEFAULT_HLIM);
    size_t k = inv_len < m.body_len ? inv_len : m.body_len;
    T_CHECK(k >= IP6_HLEN);
    T_MEMEQ(m.body, inv, k);
}

static void expect_silence(struct env *e)
{
    T_EQ(errors_to_x(e), 0);
    T_EQ(replies(e), 0);
}

/* Run fn in a child process; a crash fails the case instead of the binary. */
static void in_child(int (*fn)(void))
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0)
        _exit(fn());
    int status = 0;
    T_CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
    if (WIFSIGNALED(status))
        fprintf(stderr, "  child killed by signal %d\n", WTERMSIG(status));
    T_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* ------------------------------------------------------------------ */

TEST(truncated_ipv6_header)
{
    struct env e;
    uint8_t ic[INJ_MAX], b[INJ_MAX];
    up(&e);
    size_t n = pkt6(b, &e, NULL, 64, IP6_NXT_ICMPV6, ic, echo(ic, &e, NULL, 1, 8));
    T_DELTA(&e, "ip6.drop.truncated", 1, send6(&e, b, 20));
    T_DELTA(&e, "ip6.drop.truncated", 1, send6(&e, b, 39));
    b[0] = 0x40;   /* IPv4 version nibble under the IPv6 ethertype */
    uint8_t f[INJ_MAX];
    size_t fn = inj_eth(f, sizeof f, &e.vif->hwaddr, &e.xif->hwaddr, ETHERTYPE_IP6, b, n);
    T_DELTA(&e, "ip6.drop.bad_version", 1, T_CHECK(inj_input(e.vif, f, fn)));
    expect_silence(&e);
    alive(&e);
    down(&e);
}

TEST(payload_length_lies)
{
    struct env e;
    uint8_t ic[INJ_MAX], b[INJ_MAX];
    up(&e);
    size_t k = echo(ic, &e, NULL, 1, 16);
    size_t n = pkt6(b, &e, NULL, 64, IP6_NXT_ICMPV6, ic, k);
    wr16(b + 4, (uint16_t)(k + 100));   /* claims 100 more bytes than the frame has */
    T_DELTA(&e, "ip6.drop.bad_length", 1, send6(&e, b, n));
    wr16(b + 4, 0xffff);
    T_DELTA(&e, "ip6.drop.bad_length", 1, send6(&e, b, n));
    /* payload length 0 with Hop-by-Hop next: a jumbogram, unsupported */
    uint8_t hbh[8];
    size_t hn = inj_opthdr(hbh, sizeof hbh, IP6_NXT_ICMPV6, NULL, 0);
    n = pkt6(b, &e, NULL, 64, IP6_NXT_HOPOPTS, hbh, hn);
    wr16(b + 4, 0);
    T_DELTA(&e, "ip6.drop.jumbo", 1, send6(&e, b, n));
    /* payload length shorter than the ICMPv6 header */
    n = pkt6(b, &e, NULL, 64, IP6_NXT_ICMPV6, ic, k);
    wr16(b + 4, 4);
    T_DELTA(&e, "icmp6.drop.truncated", 1, send6(&e, b, n));
    expect_silence(&e);
    /* a frame longer than the packet (Ethernet padding): trimmed, answered */
    n = pkt6(b, &e, NULL, 64, IP6_NXT_ICMPV6, ic, k);
    memset(b + n, 0xee, 30);
    T_DELTA(&e, "icmp6.out_echo_reply", 1, send6(&e, b, n + 30));
    T_EQ(replies(&e), 1);
    alive(&e);
    down(&e);
}

/* n Destination Options headers, then an echo request. */
static size_t dstopts_chain(uint8_t *b, struct env *e, unsigned n)
{
    uint8_t pl[INJ_MAX];
    size_t off = 0;
    for (unsigned i = 0; i < n; i++)
        off += inj_opthdr(pl + off, sizeof pl - off, i + 1 < n ? IP6_NXT_DSTOPTS : IP6_NXT_ICMPV6, NULL, 0);
    off += echo(pl + off, e, NULL, (uint16_t)n, 8);
    return pkt6(b, e, NULL, 64, n ? IP6_NXT_DSTOPTS : IP6_NXT_ICMPV6, pl, off);
}

TEST(ext_header_chain_too_long)
{
    struct env e;
    uint8_t b[INJ_MAX];
    up(&e);
    size_t n = dstopts_chain(b, &e, 9);
    T_DELTA(&e, "ip6.drop_ext_chain_too_long", 1, send6(&e, b, n));
    n = dstopts_chain(b, &e, 40);
    T_DELTA(&e, "ip6.drop_ext_chain_too_long", 1, send6(&e, b, n));
    expect_silence(&e);
    /* 8 headers is within the limit (IP6_MAX_EXT_HEADERS) */
    n = dstopts_chain(b, &e, 8);
    T_DELTA(&e, "icmp6.out_echo_reply", 1, send6(&e, b, n));
    alive(&e);
    down(&e);
}

TEST(hbh_not_first)
{
    struct env e;
    uint8_t pl[INJ_MAX], b[INJ_MAX];
    up(&e);
    /* DstOpts → Hop-by-Hop → ICMPv6: pointer to the DstOpts' Next Header byte (offset 40) */
    size_t off = inj_opthdr(pl, sizeof pl, IP6_NXT_HOPOPTS, NULL, 0);
    off += inj_opthdr(pl + off, sizeof pl - off, IP6_NXT_ICMPV6, NULL, 0);
    off += echo(pl + off, &e, NULL, 1, 8);
    size_t n = pkt6(b, &e, NULL, 64, IP6_NXT_DSTOPTS, pl, off);
    T_DELTA(&e, "ip6.drop_hbh_not_first", 1, send6(&e, b, n));
    expect_pp(&e, ICMP6_PARAMPROB_NEXTHEADER, 40, b, n);
    inj_capture_clear(&e.cap);
    /* HBH → DstOpts → HBH: pointer 48 */
    off = inj_opthdr(pl, sizeof pl, IP6_NXT_DSTOPTS, NULL, 0);
    off += inj_opthdr(pl + off, sizeof pl - off, IP6_NXT_HOPOPTS, NULL, 0);
    off += inj_opthdr(pl + off, sizeof pl - off, IP6_NXT_ICMPV6, NULL, 0);
    off += echo(pl + off, &e, NULL, 2, 8);
    n = pkt6(b, &e, NULL, 64, IP6_NXT_HOPOPTS, pl, off);
    T_DELTA(&e, "ip6.drop_hbh_not_first", 1, send6(&e, b, n));
    expect_pp(&e, ICMP6_PARAMPROB_NEXTHEADER, 48, b, n);
    T_EQ(replies(&e), 0);
    alive(&e);
    down(&e);
}

TEST(unknown_next_header)
{
    struct env e;
    uint8_t pl[INJ_MAX], b[INJ_MAX];
    up(&e);
    memset(pl, 0x5a, 16);
    size_t n = pkt6(b, &e, NULL, 64, 253, pl, 16);
    T_DELTA(&e, "ip6.drop_unknown_nxt", 1, send6(&e, b, n));
    expect_pp(&e, ICMP6_PARAMPROB_NEXTHEADER, 6, b, n);
    inj_capture_clear(&e.cap);
    /* named by a Destination Options header: pointer 40 */
    size_t off = inj_opthdr(pl, sizeof pl, 253, NULL, 0);
    memset(pl + off, 0x5a, 16);
    n = pkt6(b, &e, NULL, 64, IP6_NXT_DSTOPTS, pl, off + 16);
    T_DELTA(&e, "ip6.drop_unknown_nxt", 1, send6(&e, b, n));
    expect_pp(&e, ICMP6_PARAMPROB_NEXTHEADER, 40, b, n);
    alive(&e);
    down(&e);
}

/* Destination Options header laid out exactly: raw must be 6 mod 8 bytes. */
static size_t dstopts_raw(uint8_t *b, struct env *e, const uint8_t *raw, size_t rn, uint16_t seq)
{
    uint8_t pl[INJ_MAX];
    size_t off = inj_opthdr(pl, sizeof pl, IP6_NXT_ICMPV6, raw, rn);
    T_EQ(off, rn + 2);
    off += echo(pl + off, e, NULL, seq, 8);
    return pkt6(b, e, NULL, 64, IP6_NXT_DSTOPTS, pl, off);
}

TEST(malformed_options)
{
    struct env e;
    uint8_t b[INJ_MAX];
    up(&e);
    /* an option running past the end of its header */
    static const uint8_t trunc[6] = { 0x1e, 10, 0, 0, 0, 0 };
    size_t n = dstopts_raw(b, &e, trunc, sizeof trunc, 1);
    T_DELTA(&e, "ip6ext.drop.opt_truncated", 1, send6(&e, b, n));
    /* option type as the last byte of the header: no room for its length */
    static const uint8_t trunc2[6] = { IP6OPT_PADN, 3, 0, 0, 0, 0x1e };
    n = dstopts_raw(b, &e, trunc2, sizeof trunc2, 2);
    T_DELTA(&e, "ip6ext.drop.opt_truncated", 1, send6(&e, b, n));
    /* PadN of 14 bytes (more than 7 bytes of padding, RFC 4942 §2.1.9.5) */
    static const uint8_t padn_long[14] = { IP6OPT_PADN, 12 };
    n = dstopts_raw(b, &e, padn_long, sizeof padn_long, 3);
    T_DELTA(&e, "ip6ext.drop.pad_too_long", 1, send6(&e, b, n));
    /* eight Pad1 in a row, then PadN */
    static const uint8_t pad1_run[14] = { 0, 0, 0, 0, 0, 0, 0, 0, IP6OPT_PADN, 4 };
    n = dstopts_raw(b, &e, pad1_run, sizeof pad1_run, 4);
    T_DELTA(&e, "ip6ext.drop.pad_too_long", 1, send6(&e, b, n));
    /* PadN carrying data */
    static const uint8_t padn_data[6] = { IP6OPT_PADN, 4, 0, 0x66, 0, 0 };
    n = dstopts_raw(b, &e, padn_data, sizeof padn_data, 5);
    T_DELTA(&e, "ip6ext.drop.pad_nonzero", 1, send6(&e, b, n));
    /* header length beyond the packet */
    n = dstopts_raw(b, &e, padn_data, sizeof padn_data, 6);
    b[41] = 20;
    T_DELTA(&e, "ip6ext.drop.truncated", 1, send6(&e, b, n));
    /* header shorter than its 8-byte minimum */
    uint8_t tiny[4] = { IP6_NXT_ICMPV6, 0, IP6OPT_PADN, 0 };
    n = pkt6(b, &e, NULL, 64, IP6_NXT_DSTOPTS, tiny, sizeof tiny);
    T_DELTA(&e, "ip6ext.drop.truncated", 1, send6(&e, b, n));
    expect_silence(&e);
    /* zero-length options are legal: an unknown skippable one (00 action
     * bits, length 0) and a PadN of length 0, then a Pad1 run of 2 */
    static const uint8_t zero_len[6] = { 0x1e, 0, IP6OPT_PADN, 0, 0, 0 };
    n = dstopts_raw(b, &e, zero_len, sizeof zero_len, 7);
    T_DELTA(&e, "icmp6.out_echo_reply", 1, send6(&e, b, n));
    static const uint8_t pad7[6] = { 0x1e, 0, 0, IP6OPT_PADN, 1, 0 };
    n = dstopts_raw(b, &e, pad7, sizeof pad7, 8);
    T_DELTA(&e, "icmp6.out_echo_reply", 1, send6(&e, b, n));
    T_EQ(errors_to_x(&e), 0);
    alive(&e);
    down(&e);
}

TEST(unknown_option_action_bits)
{
    struct env e;
    uint8_t b[INJ_MAX];
    up(&e);
    /* 10: discard + Parameter Problem code 2 pointing at the option type (40 + 2) */
    static const uint8_t a10[6] = { 0x9e, 0, IP6OPT_PADN, 0, IP6OPT_PADN, 0 };
    size_t n = dstopts_raw(b, &e, a10, sizeof a10, 1);
    T_DELTA(&e, "ip6.drop_opt_param_prob", 1, send6(&e, b, n));
    expect_pp(&e, ICMP6_PARAMPROB_OPTION, 42, b, n);
    inj_capture_clear(&e.cap);
    /* behind a known option and a Pad1: pointer 40 + 2 + 4 + 1 = 47 */
    static const uint8_t a10b[14] = { 0x1e, 2, 0xaa, 0xbb, IP6OPT_PAD1, 0x9e, 1, 0x00, IP6OPT_PADN, 4 };
    n = dstopts_raw(b, &e, a10b, sizeof a10b, 2);
    T_DELTA(&e, "ip6.drop_opt_param_prob", 1, send6(&e, b, n));
    expect_pp(&e, ICMP6_PARAMPROB_OPTION, 47, b, n);
    inj_capture_clear(&e.cap);
    /* 11 to a unicast destination: same */
    static const uint8_t a11[6] = { 0xde, 0, IP6OPT_PADN, 0, IP6OPT_PADN, 0 };
    n = dstopts_raw(b, &e, a11, sizeof a11, 3);
    T_DELTA(&e, "ip6.drop_opt_param_prob", 1, send6(&e, b, n));
    expect_pp(&e, ICMP6_PARAMPROB_OPTION, 42, b, n);
    inj_capture_clear(&e.cap);
    /* 01: silent discard */
    static const uint8_t a01[6] = { 0x5e, 0, IP6OPT_PADN, 0, IP6OPT_PADN, 0 };
    n = dstopts_raw(b, &e, a01, sizeof a01, 4);
    T_DELTA(&e, "ip6.drop_opt_discard", 1, send6(&e, b, n));
    expect_silence(&e);
    /* Hop-by-Hop with action 10: pointer 42 as well */
    uint8_t pl[INJ_MAX];
    size_t off = inj_opthdr(pl, sizeof pl, IP6_NXT_ICMPV6, a10, 2);
    off += echo(pl + off, &e, NULL, 5, 8);
    n = pkt6(b, &e, NULL, 64, IP6_NXT_HOPOPTS, pl, off);
    T_DELTA(&e, "ip6.drop_opt_param_prob", 1, send6(&e, b, n));
    expect_pp(&e, ICMP6_PARAMPROB_OPTION, 42, b, n);
    inj_capture_clear(&e.cap);
    /* to ff02::1: 11 is silent (RFC 8200 §4.2), 10 is answered regardless */
    off = inj_opthdr(pl, sizeof pl, IP6_NXT_ICMPV6, a11, 2);
    off += echo(pl + off, &e, &e.all_nodes, 6, 8);
    n = pkt6(b, &e, &e.all_nodes, 64, IP6_NXT_DSTOPTS, pl, off);
    T_DELTA(&e, "ip6.drop_opt_discard", 1, send6(&e, b, n));
    expect_silence(&e);
    off = inj_opthdr(pl, sizeof pl, IP6_NXT_ICMPV6, a10, 2);
    off += echo(pl + off, &e, &e.all_nodes, 7, 8);
    n = pkt6(b, &e, &e.all_nodes, 64, IP6_NXT_DSTOPTS, pl, off);
    T_DELTA(&e, "ip6.drop_opt_param_prob", 1, send6(&e, b, n));
    struct inj_icmp6 m;
    T_EQ(inj_count_icmp6(&e.cap, ICMP6_PARAM_PROB, ICMP6_PARAMPROB_OPTION, NULL, &e.xa, &m), 1);
    T_EQ(m.data32, 42);
    T_CHECK(!in6_is_multicast(&m.ip.src));   /* answered from a unicast address of V */
    T_EQ(replies(&e), 0);
    alive(&e);
    down(&e);
}

TEST(routing_header_type0)
{
    struct env e;
    uint8_t pl[INJ_MAX], b[INJ_MAX];
    up(&e);
    struct in6_addr hop = inj_a6("2001:db8:99::1");
    /* type 0, segments left 1: refused (RFC 5095), pointer to the type byte */
    size_t off = inj_rthdr(pl, sizeof pl, IP6_NXT_ICMPV6, 0, 1, &hop, 1);
    off += echo(pl + off, &e, NULL, 1, 8);
    size_t n = pkt6(b, &e, NULL, 64, IP6_NXT_ROUTING, pl, off);
    T_DELTA(&e, "ip6.drop_rthdr0", 1, send6(&e, b, n));
    expect_pp(&e, ICMP6_PARAMPROB_HEADER, 42, b, n);
    inj_capture_clear(&e.cap);
    /* behind a Destination Options header: pointer 50 */
    off = inj_opthdr(pl, sizeof pl, IP6_NXT_ROUTING, NULL, 0);
    off += inj_rthdr(pl + off, sizeof pl - off, IP6_NXT_ICMPV6, 0, 1, &hop, 1);
    off += echo(pl + off, &e, NULL, 2, 8);
    n = pkt6(b, &e, NULL, 64, IP6_NXT_DSTOPTS, pl, off);
    T_DELTA(&e, "ip6.drop_rthdr0", 1, send6(&e, b, n));
    expect_pp(&e, ICMP6_PARAMPROB_HEADER, 50, b, n);
    inj_capture_clear(&e.cap);
    /* an unknown type with segments left: same error */
    off = inj_rthdr(pl, sizeof pl, IP6_NXT_ICMPV6, 253, 1, &hop, 1);
    off += echo(pl + off, &e, NULL, 3, 8);
    n = pkt6(b, &e, NULL, 64, IP6_NXT_ROUTING, pl, off);
    T_DELTA(&e, "ip6.drop_rthdr_unknown", 1, send6(&e, b, n));
    expect_pp(&e, ICMP6_PARAMPROB_HEADER, 42, b, n);
    inj_capture_clear(&e.cap);
    T_EQ(replies(&e), 0);
    /* type 0 with segments left 0: ignored, the packet is processed */
    off = inj_rthdr(pl, sizeof pl, IP6_NXT_ICMPV6, 0, 0, &hop, 1);
    off += echo(pl + off, &e, NULL, 4, 8);
    n = pkt6(b, &e, NULL, 64, IP6_NXT_ROUTING, pl, off);
    T_DELTA2(&e, "ip6.drop_rthdr0", 0, "icmp6.out_echo_reply", 1, send6(&e, b, n));
    T_EQ(replies(&e), 1);
    T_EQ(errors_to_x(&e), 0);
    alive(&e);
    down(&e);
}

/* Fragment header + data as one IPv6 packet X → V (optional prefix headers before it). */
static size_t frag6(uint8_t *b, struct env *e, const uint8_t *pre, size_t pre_len, uint8_t pre_nxt, uint8_t nxt,
                    uint16_t off, bool more, uint32_t id, const uint8_t *data, size_t dlen)
{
    uint8_t pl[INJ_MAX];
    size_t k = inj_cat(pl, sizeof pl, pre, pre_len, NULL, 0);
    k += inj_fraghdr(pl + k, sizeof pl - k, nxt, off, more, id);
    memcpy(pl + k, data, dlen);
    return pkt6(b, e, NULL, 64, pre_len ? pre_nxt : IP6_NXT_FRAGMENT, pl, k + dlen);
}

TEST(fragment_lengths)
{
    struct env e;
    uint8_t ic[INJ_MAX], b[INJ_MAX];
    up(&e);
    size_t k = echo(ic, &e, NULL, 1, 40);   /* 48 bytes of ICMPv6 */
    /* a non-final fragment whose length is not a multiple of 8: code 0, pointer 4 */
    size_t n = frag6(b, &e, NULL, 0, 0, IP6_NXT_ICMPV6, 0, true, 101, ic, 13);
    T_DELTA(&e, "frag6.drop_bad_len", 1, send6(&e, b, n));
    expect_pp(&e, ICMP6_PARAMPROB_HEADER, 4, b, n);
    inj_capture_clear(&e.cap);
    /* an empty non-final fragment */
    n = frag6(b, &e, NULL, 0, 0, IP6_NXT_ICMPV6, 8, true, 102, ic, 0);
    T_DELTA(&e, "frag6.drop_bad_len", 1, send6(&e, b, n));
    expect_pp(&e, ICMP6_PARAMPROB_HEADER, 4, b, n);
    inj_capture_clear(&e.cap);
    /* offset + length beyond 65535: code 0, pointer to the Fragment Offset field (40 + 2) */
    n = frag6(b, &e, NULL, 0, 0, IP6_NXT_ICMPV6, 65528, false, 103, ic, 16);
    T_DELTA(&e, "frag6.drop_too_big", 1, send6(&e, b, n));
    expect_pp(&e, ICMP6_PARAMPROB_HEADER, 42, b, n);
    inj_capture_clear(&e.cap);
    n = frag6(b, &e, NULL, 0, 0, IP6_NXT_ICMPV6, 65520, true, 104, ic, 24);
    T_DELTA(&e, "frag6.drop_too_big", 1, send6(&e, b, n));
    expect_pp(&e, ICMP6_PARAMPROB_HEADER, 42, b, n);
    inj_capture_clear(&e.cap);
    unsigned ctxs;
    size_t mem;
    frag6_stats(e.v, &ctxs, &mem);
    T_EQ(ctxs, 0);   /* none of them started a reassembly */
    T_EQ(replies(&e), 0);
    (void)k;
    alive(&e);
    down(&e);
}

/* RFC 8200 §4.5: the limit is on the Payload Length of the packet that
 * would be reassembled, which includes the per-fragment headers before the
 * Fragment header.
 * Regression (fixed in e21f764): frag_checks() in src/net/frag6.c
 * tests f->off + plen > 65535 and ignores the fragoff - 40 bytes of
 * unfragmentable headers. */
TEST(fragment_reassembled_length_over_65535_counts_unfragmentable_part)
{
    struct env e;
    uint8_t ic[INJ_MAX], b[INJ_MAX], pre[8];
    up(&e);
    memset(ic, 0, 16);
    inj_opthdr(pre, sizeof pre, IP6_NXT_FRAGMENT, NULL, 0);
    /* 8 (DstOpts) + 65520 + 10 = 65538 > 65535 */
    size_t n = frag6(b, &e, pre, sizeof pre, IP6_NXT_DSTOPTS, IP6_NXT_ICMPV6, 65520, false, 105, ic, 10);
    T_DELTA(&e, "frag6.drop_too_big", 1, send6(&e, b, n));
    expect_pp(&e, ICMP6_PARAMPROB_HEADER, 50, b, n);
    alive(&e);
    down(&e);
}

TEST(first_fragment_without_header_chain)
{
    struct env e;
    uint8_t d[64], b[INJ_MAX];
    up(&e);
    /* the first fragment holds 8 bytes of a 16-byte Destination Options header (RFC 7112: code 3) */
    memset(d, 0, sizeof d);
    d[0] = IP6_NXT_ICMPV6;
    d[1] = 1;
    d[2] = IP6OPT_PADN;
    d[3] = 12;
    size_t n = frag6(b, &e, NULL, 0, 0, IP6_NXT_DSTOPTS, 0, true, 201, d, 8);
    T_DELTA(&e, "frag6.drop_first_incomplete_chain", 1, send6(&e, b, n));
    expect_pp(&e, 3, 0, b, n);
    inj_capture_clear(&e.cap);
    /* 8 bytes of a TCP header (20 needed) */
    n = frag6(b, &e, NULL, 0, 0, IP6_NXT_TCP, 0, true, 202, d, 8);
    T_DELTA(&e, "frag6.drop_first_incomplete_chain", 1, send6(&e, b, n));
    expect_pp(&e, 3, 0, b, n);
    unsigned ctxs;
    size_t mem;
    frag6_stats(e.v, &ctxs, &mem);
    T_EQ(ctxs, 0);
    alive(&e);
    down(&e);
}

TEST(overlapping_fragments)
{
    struct env e;
    uint8_t ic[INJ_MAX], b[INJ_MAX];
    up(&e);
    size_t k = echo(ic, &e, NULL, 1, 16);   /* 24 bytes */
    T_EQ(k, 24);
    size_t n = frag6(b, &e, NULL, 0, 0, IP6_NXT_ICMPV6, 0, true, 301, ic, 16);
    T_DELTA(&e, "frag6.drop_overlap", 0, send6(&e, b, n));
    /* [8, 24) overlaps [0, 16): the whole datagram goes (RFC 5722) */
    n = frag6(b, &e, NULL, 0, 0, IP6_NXT_ICMPV6, 8, false, 301, ic + 8, 16);
    T_DELTA(&e, "frag6.drop_overlap", 1, send6(&e, b, n));
    /* the genuine last fragment arrives later: dropped too */
    n = frag6(b, &e, NULL, 0, 0, IP6_NXT_ICMPV6, 16, false, 301, ic + 16, 8);
    T_DELTA(&e, "frag6.drop_overlap", 1, send6(&e, b, n));
    /* and a resent first fragment */
    n = frag6(b, &e, NULL, 0, 0, IP6_NXT_ICMPV6, 0, true, 301, ic, 16);
    T_DELTA(&e, "frag6.drop_overlap", 1, send6(&e, b, n));
    T_DELTA(&e, "frag6.reassembled", 0, sim_run_for(e.w, 100 * MS));
    unsigned ctxs;
    size_t mem;
    frag6_stats(e.v, &ctxs, &mem);
    T_EQ(mem, 0);   /* the abandoned datagram keeps no buffers */
    /* its timeout sends no Time Exceeded (RFC 5722: silently dropped) */
    sim_run_for(e.w, 61 * SEC);
    expect_silence(&e);
    /* an exact duplicate is dropped alone; the datagram still completes */
    n = frag6(b, &e, NULL, 0, 0, IP6_NXT_ICMPV6, 0, true, 302, ic, 16);
    send6(&e, b, n);
    T_DELTA(&e, "frag6.drop_dup", 1, send6(&e, b, n));
    n = frag6(b, &e, NULL, 0, 0, IP6_NXT_ICMPV6, 16, false, 302, ic + 16, 8);
    T_DELTA(&e, "frag6.reassembled", 1, send6(&e, b, n));
    T_EQ(replies(&e), 1);
    alive(&e);
    down(&e);
}

/* RFC 8200 §4.5: the reassembled packet's Unfragmentable Part is the first
 * fragment's, whichever fragment completes the datagram.
 * Regression (fixed in e21f764): ip6_demux() in src/net/ip6_input.c
 * goes on at the completing fragment's Fragment header offset instead of the
 * first fragment's, so the ICMPv6 parser reads the Destination Options header. */
TEST(reassembly_takes_unfragmentable_part_from_first_fragment)
{
    struct env e;
    uint8_t ic[INJ_MAX], b[INJ_MAX], pre[8];
    up(&e);
    size_t k = echo(ic, &e, NULL, 1, 16);
    T_EQ(k, 24);
    inj_opthdr(pre, sizeof pre, IP6_NXT_FRAGMENT, NULL, 0);
    /* first fragment behind a Destination Options header, the last one without */
    size_t n = frag6(b, &e, pre, sizeof pre, IP6_NXT_DSTOPTS, IP6_NXT_ICMPV6, 0, true, 401, ic, 16);
    send6(&e, b, n);
    n = frag6(b, &e, NULL, 0, 0, IP6_NXT_ICMPV6, 16, false, 401, ic + 16, 8);
    T_DELTA(&e, "frag6.reassembled", 1, send6(&e, b, n));
    T_EQ(replies(&e), 1);
    T_EQ(C(e.v, "icmp6.drop.bad_cksum"), 0);
    alive(&e);
    down(&e);
}

/* Regression (out-of-bounds read / SIGSEGV before e21f764):
 * same cause as above.  The completing fragment carries a long Destination Options header before
 * its Fragment header; the reassembled datagram (unfragmentable part from the
 * first fragment: 40 bytes) is much shorter than that offset.  Run in a
 * child process: a stack that walks the reassembled packet from the
 * completing fragment's offset reads far out of bounds. */
static int completing_fragment_long_unfrag_child(void)
{
    struct env e;
    uint8_t ic[INJ_MAX], b[INJ_MAX], opts[INJ_MAX], pre[INJ_MAX];
    up(&e);
    T_EQ(echo(ic, &e, NULL, 1, 8), 16);
    size_t n = frag6(b, &e, NULL, 0, 0, IP6_NXT_ICMPV6, 0, true, 451, ic, 8);
    send6(&e, b, n);
    /* 806 bytes of skippable options: a 808-byte DstOpts header */
    size_t o = 0;
    while (o + 2 + 200 <= 806) {
        opts[o] = 0x1e; opts[o + 1] = 200; memset(opts + o + 2, 0, 200); o += 202;
    }
    opts[o] = 0x1e; opts[o + 1] = (uint8_t)(806 - o - 2); memset(opts + o + 2, 0, 806 - o - 2);
    size_t pn = inj_opthdr(pre, sizeof pre, IP6_NXT_FRAGMENT, opts, 806);
    n = frag6(b, &e, pre, pn, IP6_NXT_DSTOPTS, IP6_NXT_ICMPV6, 8, false, 451, ic + 8, 8);
    send6(&e, b, n);
    int ok = replies(&e) == 1 && C(e.v, "frag6.reassembled") == 1;
    alive(&e);
    ok = ok && !t_case_failed;
    down(&e);
    return ok ? 0 : 1;
}

TEST(reassembled_datagram_shorter_than_completing_fragment_offset)
{
    in_child(completing_fragment_long_unfrag_child);
}

/* A rejected duplicate of the first fragment (exact same range, RFC 5722
 * erratum 3089) must not change the datagram: here it comes behind a
 * Destination Options header and names another upper layer (253).
 * Regression (fixed in e21f764): frag6_input() in src/net/frag6.c
 * records nxt / unfrag / prev_nxt_field of any offset-0 fragment before
 * add_piece() has accepted it; assemble() then copies c->unfrag bytes from
 * the kept first fragment (past its data when the duplicate's header chain
 * is longer: stale pool memory that an ICMPv6 error then quotes). */
TEST(duplicate_first_fragment_does_not_rewrite_datagram)
{
    struct env e;
    uint8_t ic[INJ_MAX], b[INJ_MAX], pre[8];
    up(&e);
    T_EQ(echo(ic, &e, NULL, 1, 16), 24);
    size_t n = frag6(b, &e, NULL, 0, 0, IP6_NXT_ICMPV6, 0, true, 461, ic, 16);
    send6(&e, b, n);
    inj_opthdr(pre, sizeof pre, IP6_NXT_FRAGMENT, NULL, 0);
    n = frag6(b, &e, pre, sizeof pre, IP6_NXT_DSTOPTS, 253, 0, true, 461, ic, 16);
    T_DELTA(&e, "frag6.drop_dup", 1, send6(&e, b, n));
    n = frag6(b, &e, NULL, 0, 0, IP6_NXT_ICMPV6, 16, false, 461, ic + 16, 8);
    T_DELTA(&e, "frag6.reassembled", 1, send6(&e, b, n));
    T_EQ(replies(&e), 1);
    T_EQ(errors_to_x(&e), 0);
    alive(&e);
    down(&e);
}

/* The interface a pending fragment came in on is removed before the
 * reassembly times out (an administrator's "link del").
 * Regression (use after free before e21f764): nothing purges
 * the reassembly contexts of a detached interface; frag_timeout() in
 * src/net/frag6.c hands the freed c->f[i].p->rcvif to icmp6_error(). */
static int frag_on_removed_interface_child(void)
{
    struct env e;
    uint8_t ic[INJ_MAX], b[INJ_MAX];
    up(&e);
    struct sim_link *l2 = sim_link_create(e.w, "lan2", &(struct sim_link_params){ .delay_ns = 1 * MS });
    struct ifnet *v1 = sim_attach(l2, e.v, "eth1", NULL);
    T_EQ(scene_cmd(e.v, NULL, "addr add 2001:db8:2::1/64 dev eth1"), 0);
    T_EQ(scene_cmd(e.v, NULL, "link set eth1 up"), 0);
    sim_run_for(e.w, 3 * SEC);
    struct in6_addr src = inj_a6("fe80::66"), dst = inj_a6("2001:db8:2::1");
    size_t k = inj_echo6(ic, sizeof ic, &src, &dst, 1, 1, 16);
    uint8_t pl[INJ_MAX];
    size_t off = inj_fraghdr(pl, sizeof pl, IP6_NXT_ICMPV6, 0, true, 471);
    memcpy(pl + off, ic, 16);
    size_t n = inj_ip6(b, sizeof b, &src, &dst, 64, IP6_NXT_FRAGMENT, pl, off + 16);
    struct eth_addr smac = { { 0x02, 0, 0, 0, 0x66, 0x66 } };
    T_CHECK(inj_input_eth(v1, &v1->hwaddr, &smac, b, n));
    (void)k;
    unsigned ctxs;
    size_t mem;
    frag6_stats(e.v, &ctxs, &mem);
    T_EQ(ctxs, 1);
    T_EQ(scene_cmd(e.v, NULL, "link del eth1"), 0);
    sim_run_for(e.w, 61 * SEC);
    alive(&e);
    int ok = !t_case_failed;
    down(&e);
    return ok ? 0 : 1;
}

TEST(fragment_pending_when_interface_removed)
{
    in_child(frag_on_removed_interface_child);
}

TEST(atomic_fragment)
{
    struct env e;
    uint8_t ic[INJ_MAX], b[INJ_MAX];
    up(&e);
    size_t k = echo(ic, &e, NULL, 1, 16);
    size_t n = frag6(b, &e, NULL, 0, 0, IP6_NXT_ICMPV6, 0, false, 501, ic, k);
    T_DELTA(&e, "frag6.atomic", 1, send6(&e, b, n));
    T_EQ(replies(&e), 1);
    /* RFC 6946 §4: an atomic fragment does not touch a reassembly with the same ID */
    k = echo(ic, &e, NULL, 2, 16);
    n = frag6(b, &e, NULL, 0, 0, IP6_NXT_ICMPV6, 0, true, 502, ic, 16);
    send6(&e, b, n);
    uint8_t ic2[INJ_MAX];
    size_t k2 = echo(ic2, &e, NULL, 3, 16);
    n = frag6(b, &e, NULL, 0, 0, IP6_NXT_ICMPV6, 0, false, 502, ic2, k2);
    T_DELTA(&e, "frag6.atomic", 1, send6(&e, b, n));
    T_EQ(replies(&e), 2);
    n = frag6(b, &e, NULL, 0, 0, IP6_NXT_ICMPV6, 16, false, 502, ic + 16, k - 16);
    T_DELTA(&e, "frag6.reassembled", 1, send6(&e, b, n));
    T_EQ(replies(&e), 3);
    T_EQ(errors_to_x(&e), 0);
    alive(&e);
    down(&e);
}

TEST(reassembly_timeout_time_exceeded)
{
    struct env e;
    uint8_t ic[INJ_MAX], b[INJ_MAX];
    up(&e);
    size_t k = echo(ic, &e, NULL, 1, 40);
    size_t n = frag6(b, &e, NULL, 0, 0, IP6_NXT_ICMPV6, 0, true, 601, ic, 24);
    send6(&e, b, n);
    /* a datagram of which only a later fragment came: no ICMP at its timeout */
    uint8_t b2[INJ_MAX];
    size_t n2 = frag6(b2, &e, NULL, 0, 0, IP6_NXT_ICMPV6, 24, false, 602, ic + 24, k - 24);
    send6(&e, b2, n2);
    unsigned ctxs;
    size_t mem;
    frag6_stats(e.v, &ctxs, &mem);
    T_EQ(ctxs, 2);
    sim_run_for(e.w, 59 * SEC);
    T_EQ(C(e.v, "frag6.drop_timeout"), 0);
    T_EQ(errors_to_x(&e), 0);
    alive(&e);
    sim_run_for(e.w, 2 * SEC);
    T_EQ(C(e.v, "frag6.drop_timeout"), 2);
    struct inj_icmp6 m;
    T_EQ(inj_count_icmp6(&e.cap, ICMP6_TIME_EXCEEDED, ICMP6_TIME_EXCEED_REASSEMBLY, &e.va, &e.xa, &m), 1);
    T_EQ(errors_to_x(&e), 1);
    if (m.body_len >= n)
        T_MEMEQ(m.body, b, n);   /* quotes the first fragment */
    frag6_stats(e.v, &ctxs, &mem);
    T_EQ(ctxs, 0);
    T_EQ(mem, 0);
    alive(&e);
    down(&e);
}

/* --- Neighbor Discovery --- */

static size_t ns_msg(uint8_t *out, const struct in6_addr *src, const struct in6_addr *dst,
                     const struct in6_addr *target, const struct eth_addr *slla)
{
    size_t k = nd_ns_emit(out, INJ_MAX, target, slla ? slla->b : NULL, slla ? 6 : 0);
    icmp6_set_cksum(out, k, src, dst);
    return k;
}

static size_t na_msg(uint8_t *out, const struct in6_addr *src, const struct in6_addr *dst, bool sol, bool ovr,
                     const struct in6_addr *target, const struct eth_addr *tlla)
{
    size_t k = nd_na_emit(out, INJ_MAX, false, sol, ovr, target, tlla ? tlla->b : NULL, tlla ? 6 : 0);
    icmp6_set_cksum(out, k, src, dst);
    return k;
}

static size_t ra_msg(uint8_t *out, const struct in6_addr *src, const struct in6_addr *dst,
                     const struct eth_addr *slla)
{
    struct nd_prefix pi = { .plen = 64, .onlink = true, .autonomous = true, .valid = 3600, .preferred = 1800,
                            .prefix = inj_a6("2001:db8:bad::") };
    struct nd_ra_out ra = { .cur_hlim = 64, .router_lifetime = 1800, .slla = slla->b, .slla_len = 6,
                            .pi = &pi, .n_pi = 1 };
    size_t k = nd_ra_emit(out, INJ_MAX, &ra);
    icmp6_set_cksum(out, k, src, dst);
    return k;
}

/* An ND message (ICMPv6) from src to dst with hop limit hlim, injected from X's MAC. */
static void send_nd(struct env *e, const struct in6_addr *src, const struct in6_addr *dst, uint8_t hlim,
                    const uint8_t *msg, size_t k)
{
    uint8_t b[INJ_MAX];
    size_t n = inj_ip6(b, sizeof b, src, dst, hlim, IP6_NXT_ICMPV6, msg, k);
    send6(e, b, n);
}

TEST(nd_hop_limit_not_255)
{
    struct env e;
    uint8_t m[INJ_MAX];
    up(&e);
    struct in6_addr stranger = inj_a6("2001:db8:1::77");
    struct eth_addr fake = { { 0x02, 0xba, 0xd0, 0, 0, 1 } };
    uint64_t na0 = CTR_GET(e.v, nd6, out_na);
    size_t k = ns_msg(m, &stranger, &e.vsn, &e.va, &fake);
    T_DELTA(&e, "nd6.drop_hlim", 1, send_nd(&e, &stranger, &e.vsn, 64, m, k));
    T_CHECK(nd6_lookup(e.v, e.vif, &stranger) == NULL);   /* no cache entry from it */
    k = ns_msg(m, &stranger, &e.vsn, &e.va, &fake);
    T_DELTA(&e, "nd6.drop_hlim", 1, send_nd(&e, &stranger, &e.vsn, 254, m, k));
    struct in6_addr xll = *in6_linklocal(e.xif);
    k = ra_msg(m, &xll, &e.all_nodes, &fake);
    T_DELTA(&e, "nd6.drop_hlim", 1, send_nd(&e, &xll, &e.all_nodes, 64, m, k));
    T_CHECK(nd6_defrouter_select(e.v) == NULL);
    k = na_msg(m, &e.xa, &e.all_nodes, false, true, &e.xa, &fake);
    T_DELTA(&e, "nd6.drop_hlim", 1, send_nd(&e, &e.xa, &e.all_nodes, 1, m, k));
    struct nd_entry *ne = nd6_lookup(e.v, e.vif, &e.xa);
    T_CHECK(ne && !memcmp(&ne->lladdr, &e.xif->hwaddr, 6));   /* not overridden */
    T_EQ(CTR_GET(e.v, nd6, out_na), na0);
    alive(&e);
    down(&e);
}

TEST(nd_inside_fragments)
{
    struct env e;
    uint8_t m[INJ_MAX], pl[INJ_MAX], b[INJ_MAX];
    up(&e);
    struct in6_addr stranger = inj_a6("2001:db8:1::78");
    struct eth_addr fake = { { 0x02, 0xba, 0xd0, 0, 0, 2 } };
    uint64_t na0 = CTR_GET(e.v, nd6, out_na);
    /* an NS as an atomic fragment (RFC 6980) */
    size_t k = ns_msg(m, &stranger, &e.vsn, &e.va, &fake);
    size_t off = inj_fraghdr(pl, sizeof pl, IP6_NXT_ICMPV6, 0, false, 701);
    memcpy(pl + off, m, k);
    size_t n = inj_ip6(b, sizeof b, &stranger, &e.vsn, 255, IP6_NXT_FRAGMENT, pl, off + k);
    T_DELTA(&e, "nd6.drop_fragmented", 1, send6(&e, b, n));
    /* an NS in two fragments, reassembled first */
    off = inj_fraghdr(pl, sizeof pl, IP6_NXT_ICMPV6, 0, true, 702);
    memcpy(pl + off, m, 16);
    n = inj_ip6(b, sizeof b, &stranger, &e.vsn, 255, IP6_NXT_FRAGMENT, pl, off + 16);
    send6(&e, b, n);
    off = inj_fraghdr(pl, sizeof pl, IP6_NXT_ICMPV6, 16, false, 702);
    memcpy(pl + off, m + 16, k - 16);
    n = inj_ip6(b, sizeof b, &stranger, &e.vsn, 255, IP6_NXT_FRAGMENT, pl, off + k - 16);
    T_DELTA2(&e, "nd6.drop_fragmented", 1, "frag6.reassembled", 1, send6(&e, b, n));
    T_CHECK(nd6_lookup(e.v, e.vif, &stranger) == NULL);
    T_EQ(CTR_GET(e.v, nd6, out_na), na0);
    /* an RA as an atomic fragment */
    struct in6_addr xll = *in6_linklocal(e.xif);
    k = ra_msg(m, &xll, &e.all_nodes, &fake);
    off = inj_fraghdr(pl, sizeof pl, IP6_NXT_ICMPV6, 0, false, 703);
    memcpy(pl + off, m, k);
    n = inj_ip6(b, sizeof b, &xll, &e.all_nodes, 255, IP6_NXT_FRAGMENT, pl, off + k);
    T_DELTA(&e, "nd6.drop_fragmented", 1, send6(&e, b, n));
    T_CHECK(nd6_defrouter_select(e.v) == NULL);
    alive(&e);
    down(&e);
}

TEST(nd_message_rules)
{
    struct env e;
    uint8_t m[INJ_MAX];
    up(&e);
    struct in6_addr stranger = inj_a6("2001:db8:1::79"), unspec = inj_a6("::");
    struct eth_addr fake = { { 0x02, 0xba, 0xd0, 0, 0, 3 } };
    uint64_t na0 = CTR_GET(e.v, nd6, out_na);
    /* NS whose target is a multicast address */
    size_t k = ns_msg(m, &stranger, &e.all_nodes, &e.all_nodes, &fake);
    T_DELTA(&e, "nd6.drop.target_multicast", 1, send_nd(&e, &stranger, &e.all_nodes, 255, m, k));
    /* NS with code 1 */
    k = ns_msg(m, &stranger, &e.vsn, &e.va, &fake);
    m[1] = 1;
    icmp6_set_cksum(m, k, &stranger, &e.vsn);
    T_DELTA(&e, "nd6.drop.bad_code", 1, send_nd(&e, &stranger, &e.vsn, 255, m, k));
    T_CHECK(nd6_lookup(e.v, e.vif, &stranger) == NULL);
    /* DAD probe (from ::) not sent to the target's solicited-node group */
    k = ns_msg(m, &unspec, &e.all_nodes, &e.va, NULL);
    T_DELTA(&e, "nd6.drop_bad_dst", 1, send_nd(&e, &unspec, &e.all_nodes, 255, m, k));
    k = ns_msg(m, &unspec, &e.va, &e.va, NULL);
    T_DELTA(&e, "nd6.drop_bad_dst", 1, send_nd(&e, &unspec, &e.va, 255, m, k));
    /* DAD probe carrying a source link-layer address option */
    k = ns_msg(m, &unspec, &e.vsn, &e.va, &fake);
    T_DELTA(&e, "nd6.drop_dad_slla", 1, send_nd(&e, &unspec, &e.vsn, 255, m, k));
    T_EQ(CTR_GET(e.v, nd6, out_na), na0);   /* V defended nothing */
    /* a solicited NA sent to a multicast group (§7.1.2) */
    k = na_msg(m, &e.xa, &e.all_nodes, true, true, &e.xa, &fake);
    T_DELTA(&e, "nd6.drop_solicited_mcast", 1, send_nd(&e, &e.xa, &e.all_nodes, 255, m, k));
    struct nd_entry *ne = nd6_lookup(e.v, e.vif, &e.xa);
    T_CHECK(ne && !memcmp(&ne->lladdr, &e.xif->hwaddr, 6));
    /* an RA from a global source */
    k = ra_msg(m, &e.xa, &e.all_nodes, &fake);
    T_DELTA(&e, "nd6.drop_ra_not_linklocal", 1, send_nd(&e, &e.xa, &e.all_nodes, 255, m, k));
    T_CHECK(nd6_defrouter_select(e.v) == NULL);
    T_EQ(C(e.v, "addrconf.slaac_created"), 0);
    /* an NS carrying an option of length 0 (RFC 4861 §4.6: silently discarded) */
    k = ns_msg(m, &stranger, &e.vsn, &e.va, NULL);
    memset(m + k, 0, 8);
    m[k] = 14;   /* Nonce, length 0 */
    k += 8;
    icmp6_set_cksum(m, k, &stranger, &e.vsn);
    T_DELTA(&e, "nd6.drop.zero_len_opt", 1, send_nd(&e, &stranger, &e.vsn, 255, m, k));
    /* an MLD query without hop limit 1 / Router Alert */
    struct in6_addr xll = *in6_linklocal(e.xif);
    uint8_t q[24] = { 0 };
    k = inj_icmp6(m, sizeof m, &xll, &e.all_nodes, MLD_LISTENER_QUERY, 0, 1000u << 16, q, 16);
    T_DELTA(&e, "mld6.drop_hlim", 1, send_nd(&e, &xll, &e.all_nodes, 255, m, k));
    T_EQ(CTR_GET(e.v, nd6, out_na), na0);
    T_EQ(errors_to_x(&e), 0);
    alive(&e);
    down(&e);
}

/* A forged Packet Too Big with an MTU below 1280 (RFC 8201 §4: the path MTU
 * never goes below the IPv6 minimum); V then still answers big pings. */
TEST(packet_too_big_below_minimum)
{
    struct env e;
    uint8_t inner[INJ_MAX], ic[INJ_MAX], b[INJ_MAX];
    up(&e);
    size_t k = inj_echo6(ic, sizeof ic, &e.va, &e.pa, 1, 1, 64);
    size_t ki = inj_ip6(inner, sizeof inner, &e.va, &e.pa, 64, IP6_NXT_ICMPV6, ic, k);
    k = inj_icmp6(ic, sizeof ic, &e.xa, &e.va, ICMP6_PACKET_TOO_BIG, 0, 100, inner, ki);
    size_t n = pkt6(b, &e, NULL, 64, IP6_NXT_ICMPV6, ic, k);
    T_DELTA(&e, "icmp6.in_ptb", 1, send6(&e, b, n));
    T_EQ(pmtu6_get(e.v, &e.pa, 1500), IP6_MIN_MTU);
    T_EQ(scene_cmd_wait(e.w, e.p, NULL, 3 * SEC, "ping 2001:db8:1::1 -c 1 -s 1400"), 0);
    T_EQ(errors_to_x(&e), 0);
    alive(&e);
    down(&e);
}

TEST(bad_icmp6_checksum)
{
    struct env e;
    uint8_t ic[INJ_MAX], b[INJ_MAX];
    up(&e);
    size_t k = echo(ic, &e, NULL, 1, 16);
    ic[2] ^= 0x01;
    size_t n = pkt6(b, &e, NULL, 64, IP6_NXT_ICMPV6, ic, k);
    T_DELTA(&e, "icmp6.drop.bad_cksum", 1, send6(&e, b, n));
    /* checksum right for another destination */
    k = inj_echo6(ic, sizeof ic, &e.xa, &e.pa, 0x4242, 2, 16);
    n = pkt6(b, &e, NULL, 64, IP6_NXT_ICMPV6, ic, k);
    T_DELTA(&e, "icmp6.drop.bad_cksum", 1, send6(&e, b, n));
    /* an NS with a broken checksum never reaches ND */
    struct in6_addr stranger = inj_a6("2001:db8:1::7a");
    k = ns_msg(ic, &stranger, &e.vsn, &e.va, &e.xif->hwaddr);
    ic[3] ^= 0x80;
    T_DELTA2(&e, "nd6.in_ns", 0, "icmp6.drop.bad_cksum", 1, send_nd(&e, &stranger, &e.vsn, 255, ic, k));
    expect_silence(&e);
    alive(&e);
    down(&e);
}

TEST(runt_and_stray_ethernet_frames)
{
    struct env e;
    uint8_t f[64];
    up(&e);
    memset(f, 0, sizeof f);
    memcpy(f, e.vif->hwaddr.b, 6);
    memcpy(f + 6, e.xif->hwaddr.b, 6);
    f[12] = 0x86;
    f[13] = 0xdd;
    for (size_t len = 0; len < ETH_HLEN; len++)
        T_DELTA(&e, "eth.drop.truncated", 1, T_CHECK(inj_input(e.vif, f, len)));
    /* the Ethernet header alone: an empty IPv6 packet */
    T_DELTA(&e, "ip6.drop.truncated", 1, T_CHECK(inj_input(e.vif, f, ETH_HLEN)));
    /* unknown ethertype, and a frame for another station */
    f[12] = 0x88;
    f[13] = 0xb5;
    T_DELTA(&e, "if.drop_unknown_ethertype", 1, T_CHECK(inj_input(e.vif, f, 60)));
    f[0] ^= 0x02;
    f[12] = 0x86;
    f[13] = 0xdd;
    T_DELTA(&e, "if.drop_not_for_us", 1, T_CHECK(inj_input(e.vif, f, 60)));
    /* V's own source address echoed back */
    memcpy(f, e.vif->hwaddr.b, 6);
    memcpy(f + 6, e.vif->hwaddr.b, 6);
    T_DELTA(&e, "if.drop_not_for_us", 1, T_CHECK(inj_input(e.vif, f, 60)));
    sim_run_for(e.w, 10 * MS);
    expect_silence(&e);
    alive(&e);
    down(&e);
}

TEST(no_error_about_error_nor_to_multicast)
{
    struct env e;
    uint8_t ic[INJ_MAX], pl[INJ_MAX], b[INJ_MAX];
    up(&e);
    static const uint8_t a10[2] = { 0x9e, 0 };
    /* an ICMPv6 error (Destination Unreachable) behind an option that asks for a Parameter Problem */
    memset(ic, 0, 48);
    size_t k = inj_icmp6(ic, sizeof ic, &e.xa, &e.va, ICMP6_DST_UNREACH, 4, 0, ic + 8, 48);
    size_t off = inj_opthdr(pl, sizeof pl, IP6_NXT_ICMPV6, a10, 2);
    memcpy(pl + off, ic, k);
    size_t n = pkt6(b, &e, NULL, 64, IP6_NXT_DSTOPTS, pl, off + k);
    T_DELTA2(&e, "icmp6.err_suppressed", 1, "ip6.drop_opt_param_prob", 1, send6(&e, b, n));
    /* a Redirect likewise (RFC 4443 §2.4 e.2) */
    k = inj_icmp6(ic, sizeof ic, &e.xa, &e.va, ND_REDIRECT, 0, 0, ic + 8, 32);
    memcpy(pl + off, ic, k);
    n = pkt6(b, &e, NULL, 64, IP6_NXT_DSTOPTS, pl, off + k);
    T_DELTA(&e, "icmp6.err_suppressed", 1, send6(&e, b, n));
    /* a Parameter Problem in a first fragment of bad length */
    k = inj_icmp6(ic, sizeof ic, &e.xa, &e.va, ICMP6_PARAM_PROB, 0, 0, ic + 8, 48);
    n = frag6(b, &e, NULL, 0, 0, IP6_NXT_ICMPV6, 0, true, 801, ic, 13);
    T_DELTA2(&e, "icmp6.err_suppressed", 1, "frag6.drop_bad_len", 1, send6(&e, b, n));
    /* unknown next header sent to a multicast group (§2.4 e.3) */
    memset(pl, 0, 16);
    n = pkt6(b, &e, &e.all_nodes, 64, 253, pl, 16);
    T_DELTA(&e, "icmp6.err_suppressed", 1, send6(&e, b, n));
    /* ... or to V's unicast address inside a link-layer multicast / broadcast frame */
    n = pkt6(b, &e, NULL, 64, 253, pl, 16);
    struct eth_addr mc = inj_mac6(&e.all_nodes);
    T_DELTA(&e, "icmp6.err_suppressed", 1, T_CHECK(inj_input_eth(e.vif, &mc, &e.xif->hwaddr, b, n)));
    T_DELTA(&e, "icmp6.err_suppressed", 1, T_CHECK(inj_input_eth(e.vif, &inj_bcast, &e.xif->hwaddr, b, n)));
    /* from the unspecified address: nobody to tell */
    struct in6_addr unspec = inj_a6("::");
    n = inj_ip6(b, sizeof b, &unspec, &e.va, 64, 253, pl, 16);
    T_DELTA(&e, "icmp6.err_suppressed", 1, send6(&e, b, n));
    /* a multicast source address is refused outright */
    struct in6_addr mcsrc = inj_a6("ff02::1");
    n = inj_ip6(b, sizeof b, &mcsrc, &e.va, 64, 253, pl, 16);
    T_DELTA(&e, "ip6.drop.src_multicast", 1, send6(&e, b, n));
    sim_run_for(e.w, 20 * MS);
    T_EQ(errors_to_x(&e), 0);
    /* nothing at all left V towards a multicast address or from ::/multicast */
    unsigned bad = 0;
    struct inj_icmp6 m;
    for (unsigned i = 0; i < e.cap.n; i++)
        if (inj_parse_icmp6(e.cap.f[i].d, e.cap.f[i].len, &m) && icmp6_is_error(m.type))
            bad++;
    T_EQ(bad, 0);
    alive(&e);
    down(&e);
}

TEST(icmp6_errors_rate_limited)
{
    struct env e;
    uint8_t pl[16], b[INJ_MAX];
    up(&e);
    memset(pl, 0, sizeof pl);
    size_t n = pkt6(b, &e, NULL, 64, 253, pl, sizeof pl);
    uint64_t out0 = C(e.v, "icmp6.out_errors"), rl0 = C(e.v, "icmp6.err_ratelimited");
    /* 1000 packets that each warrant a Parameter Problem, one per ms */
    for (int i = 0; i < 1000; i++) {
        T_CHECK(inj_input_eth(e.vif, &e.vif->hwaddr, &e.xif->hwaddr, b, n));
        sim_run_for(e.w, 1 * MS);
    }
    sim_run_for(e.w, 20 * MS);
    uint64_t sent = C(e.v, "icmp6.out_errors") - out0, limited = C(e.v, "icmp6.err_ratelimited") - rl0;
    unsigned seen = inj_count_icmp6(&e.cap, ICMP6_PARAM_PROB, ICMP6_PARAMPROB_NEXTHEADER, &e.va, &e.xa, NULL);
    /* burst 20 + 100/s over one second */
    T_CHECK(sent <= 20 + 100 + 1);
    T_CHECK(sent >= 100);
    T_EQ(sent + limited, 1000);
    T_EQ(seen, sent);
    T_EQ(C(e.v, "ip6.drop_unknown_nxt"), 1000);
    alive(&e);
    down(&e);
}

/* Random-ID fragments from many sources: the reassembly table and its
 * memory never exceed their caps, and every cap's counter moves. */
TEST(fragment_flood_bounded)
{
    struct env e;
    uint8_t data[64], b[INJ_MAX];
    up(&e);
    memset(data, 0xab, sizeof data);
    unsigned ctxs, max_ctxs = 0, sent = 0;
    size_t mem, max_mem = 0;
    struct pkt_pool_stats ps0, ps1;
    pkt_pool_get_stats(e.v->pool, &ps0);
#define FLOOD_ONE(src, id, off) do { \
        uint8_t _pl[64]; size_t _k = inj_fraghdr(_pl, sizeof _pl, IP6_NXT_UDP, (off), true, (id)); \
        memcpy(_pl + _k, data, 8); \
        size_t _n = inj_ip6(b, sizeof b, (src), &e.va, 64, IP6_NXT_FRAGMENT, _pl, _k + 8); \
        T_CHECK(inj_input_eth(e.vif, &e.vif->hwaddr, &e.xif->hwaddr, b, _n)); \
        sent++; frag6_stats(e.v, &ctxs, &mem); \
        if (ctxs > max_ctxs) { max_ctxs = ctxs; } \
        if (mem > max_mem) { max_mem = mem; } } while (0)
    struct in6_addr s = inj_a6("2001:db8:f::");
    /* 1: one source, 10 datagrams of 63 pieces (never complete: offset 0 missing) */
    uint64_t per_src0 = C(e.v, "frag6.drop_mem_per_src");
    s.s6_addr[15] = 1;
    for (unsigned d = 0; d < 10; d++) {
        uint32_t id = (uint32_t)sim_random(e.w);
        for (unsigned i = 1; i <= 63; i++)
            FLOOD_ONE(&s, id, (uint16_t)(8 * i));
    }
    T_CHECK(C(e.v, "frag6.drop_mem_per_src") > per_src0);
    alive(&e);
    /* 2: 40 sources, one datagram of 63 pieces each */
    uint64_t glob0 = C(e.v, "frag6.drop_mem_global");
    for (unsigned src = 0; src < 40; src++) {
        s.s6_addr[14] = 1;
        s.s6_addr[15] = (uint8_t)src;
        uint32_t id = (uint32_t)sim_random(e.w);
        for (unsigned i = 1; i <= 63; i++)
            FLOOD_ONE(&s, id, (uint16_t)(8 * i));
    }
    T_CHECK(C(e.v, "frag6.drop_mem_global") > glob0);
    alive(&e);
    /* 3: the rest, one fragment per random ID from 1000 random sources */
    uint64_t full0 = C(e.v, "frag6.drop_table_full");
    while (sent < 10000) {
        uint64_t r = sim_random(e.w);
        s.s6_addr[13] = 2;
        s.s6_addr[14] = (uint8_t)(r % 1000 >> 8);
        s.s6_addr[15] = (uint8_t)(r % 1000);
        FLOOD_ONE(&s, (uint32_t)(r >> 32), (uint16_t)(8 * (1 + (r >> 16) % 1000)));
        if (sent % 1000 == 0)
            sim_run_for(e.w, 10 * MS);
    }
#undef FLOOD_ONE
    T_CHECK(C(e.v, "frag6.drop_table_full") > full0 + 1000);
    T_CHECK(max_ctxs <= 64);
    T_CHECK(max_mem <= (4u << 20));
    T_CHECK(max_mem >= (3u << 20));   /* the global cap was actually reached */
    alive(&e);
    /* after the timeout everything is released */
    sim_run_for(e.w, 61 * SEC);
    frag6_stats(e.v, &ctxs, &mem);
    T_EQ(ctxs, 0);
    T_EQ(mem, 0);
    pkt_pool_get_stats(e.v->pool, &ps1);
    T_CHECK(ps1.small_free + 8 >= ps0.small_free);   /* no buffer leaked */
    T_EQ(errors_to_x(&e), 0);   /* no first fragment ever came: no Time Exceeded */
    alive(&e);
    down(&e);
}

int main(void)
{
    RUN(truncated_ipv6_header);
    RUN(payload_length_lies);
    RUN(ext_header_chain_too_long);
    RUN(hbh_not_first);
    RUN(unknown_next_header);
    RUN(malformed_options);
    RUN(unknown_option_action_bits);
    RUN(routing_header_type0);
    RUN(fragment_lengths);
    RUN(fragment_reassembled_length_over_65535_counts_unfragmentable_part);
    RUN(first_fragment_without_header_chain);
    RUN(overlapping_fragments);
    RUN(reassembly_takes_unfragmentable_part_from_first_fragment);
    RUN(reassembled_datagram_shorter_than_completing_fragment_offset);
    RUN(duplicate_first_fragment_does_not_rewrite_datagram);
    RUN(fragment_pending_when_interface_removed);
    RUN(atomic_fragment);
    RUN(reassembly_timeout_time_exceeded);
    RUN(nd_hop_limit_not_255);
    RUN(nd_inside_fragments);
    RUN(nd_message_rules);
    RUN(packet_too_big_below_minimum);
    RUN(bad_icmp6_checksum);
    RUN(runt_and_stray_ethernet_frames);
    RUN(no_error_about_error_nor_to_multicast);
    RUN(icmp6_errors_rate_limited);
    RUN(fragment_flood_bounded);
    return t_done();
}
