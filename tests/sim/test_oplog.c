/* What sixd logs without -d (issue 11 item 4): SA added/updated/deleted and
 * lifetime expiries at info level (an aborted file load says nothing),
 * link up/down, a failed DAD; replayed and forged ESP as warnings naming
 * the SA and the peer, rate-limited: a flood of 1000 gives at most
 * SIX_WARN_BURST lines and one "N more ... suppressed" summary with the
 * exact N once the window is over. Lines are captured with tests/lib/logcap. */
#include <string.h>
#include <syslog.h>
#include "../lib/t.h"
#include "../lib/logcap.h"
#include "../lib/ipsec_sim.h"
#include "../lib/inject.h"
#include "ctl/scene.h"
#include "core/pkt.h"
#include "link/sim.h"
#include "link/ifnet.h"
#include "net/netif.h"
#include "net/stack.h"
#include "six/socket.h"
#include "wire/bytes.h"

#define MS 1000000ull
#define SEC 1000000000ull

static struct sim_world *W;
static struct six_stack *A, *B;

static void setup(uint64_t seed)
{
    W = sim_two_hosts(seed, &A, &B);
}

static void teardown(void)
{
    logcap_stop();
    six_stack_destroy(A);
    six_stack_destroy(B);
    sim_world_destroy(W);
}

#define KEY "0x0102030405060708090a0b0c0d0e0f1011121314"
#define SA_AB "add 2001:db8:1::a 2001:db8:1::b esp 0x6101 -m transport -E aes-gcm-16 " KEY ";\n"
#define SA_BA "add 2001:db8:1::b 2001:db8:1::a esp 0x6102 -m transport -E aes-gcm-16 " KEY ";\n"
#define POLICIES                                                                                                 \
    "spdadd 2001:db8:1::a 2001:db8:1::b udp -P out ipsec esp/transport//require;\n"                           \
    "spdadd 2001:db8:1::a 2001:db8:1::b udp -P in ipsec esp/transport//require;\n"

static void check_lines(unsigned want, const char *what, const char *a, const char *b)
{
    unsigned n = logcap_count(what, a, b, (char *)NULL);
    if (n != want) {
        fprintf(stderr, "  want %u lines with '%s' '%s' '%s', have %u:\n", want, what, a ? a : "", b ? b : "", n);
        logcap_dump();
    }
    T_EQ(n, want);
}

TEST(sa_changes_logged_at_info_aborted_load_silent)
{
    setup(71);
    logcap_start(LOG_INFO);
    T_EQ(sim_setkey(B, SA_AB SA_BA), 0);
    check_lines(1, "info b: SA esp 0x00006101 2001:db8:1::a>2001:db8:1::b: added", NULL, NULL);
    check_lines(1, "info b: SA esp 0x00006102 2001:db8:1::b>2001:db8:1::a: added", NULL, NULL);
    logcap_start(LOG_INFO);
    /* a file with an error after a good line: nothing changes, nothing is said */
    T_CHECK(sim_setkey(B, "delete 2001:db8:1::a 2001:db8:1::b esp 0x6101;\nadd bogus;\n") != 0);
    T_EQ(logcap_count("SA esp", (char *)NULL), 0);
    T_EQ(sim_setkey(B, "update 2001:db8:1::a 2001:db8:1::b esp 0x6101 -m transport -ls 10 -lh 20 -E aes-gcm-16 "
                       KEY ";\n"), 0);
    check_lines(1, "SA esp 0x00006101", "updated", NULL);
    T_EQ(sim_setkey(B, "delete 2001:db8:1::b 2001:db8:1::a esp 0x6102;\n"), 0);
    check_lines(1, "SA esp 0x00006102 2001:db8:1::b>2001:db8:1::a: deleted", NULL, NULL);
    T_EQ(logcap_count("added", (char *)NULL), 0);
    sim_run_for(W, 11 * SEC);
    check_lines(1, "SA esp 0x00006101", "soft lifetime expired", NULL);
    sim_run_for(W, 10 * SEC);
    check_lines(1, "SA esp 0x00006101", "hard lifetime expired, SA removed", NULL);
    teardown();
}

TEST(link_up_down_and_dad_failure_logged)
{
    setup(72);
    logcap_start(LOG_INFO);
    T_EQ(scene_cmd(A, NULL, "link set eth0 down"), 0);
    T_EQ(scene_cmd(A, NULL, "link set eth0 up"), 0);
    check_lines(1, "info a: eth0: link down", NULL, NULL);
    check_lines(1, "info a: eth0: link up", NULL, NULL);
    sim_run_for(W, 3 * SEC);
    T_EQ(scene_cmd(A, NULL, "addr add 2001:db8:1::b/64 dev eth0"), 0);   /* b's */
    sim_run_for(W, 3 * SEC);
    check_lines(1, "warn a: eth0: DAD failed: address 2001:db8:1::b is a duplicate", NULL, NULL);
    teardown();
}

/* b routes and advertises itself; a logs the new default router; when b
 * vanishes, a's NUD gives up on it (a warning) and its last RA's router
 * lifetime ends (info). A withdrawal (RA with lifetime 0) is logged too. */
TEST(default_router_learned_lost_and_expired)
{
    setup(76);
    logcap_start(LOG_INFO);
    T_EQ(scene_cmd(B, NULL, "set forwarding on"), 0);
    T_EQ(scene_cmd(B, NULL, "ra dev eth0 prefix 2001:db8:1::/64 lifetime 30 interval 3 4"), 0);
    sim_run_for(W, 6 * SEC);
    check_lines(1, "info a: eth0: default router fe80::", "(lifetime 30s)", NULL);
    T_EQ(scene_cmd(B, NULL, "link set eth0 down"), 0);   /* gone without a word (no final RA) */
    sim_run_for(W, 35 * SEC);
    check_lines(1, "info a: eth0: default router fe80::", "expired", NULL);
    T_EQ(scene_cmd(B, NULL, "link set eth0 up"), 0);
    sim_run_for(W, 6 * SEC);
    check_lines(2, "info a: eth0: default router fe80::", "(lifetime 30s)", NULL);   /* back */
    T_EQ(scene_cmd(B, NULL, "link set eth0 down"), 0);
    scene_cmd_wait(W, A, NULL, 8 * SEC, "ping 2001:db8:99::1 -c 2 -i 1000");   /* through the router: no answer */
    sim_run_for(W, 8 * SEC);   /* NUD: DELAY, then three probes */
    check_lines(1, "warn a: eth0: router fe80::", "unreachable", NULL);
    T_EQ(scene_cmd(B, NULL, "link set eth0 up"), 0);
    sim_run_for(W, 6 * SEC);
    T_EQ(scene_cmd(B, NULL, "ra dev eth0 off"), 0);   /* a last RA with router lifetime 0 */
    sim_run_for(W, 1 * SEC);
    check_lines(1, "info a: eth0: default router fe80::", "withdrawn (lifetime 0)", NULL);
    teardown();
}

/* b's interface keeps a copy of the first ESP frame from a, then passes it on. */
static uint8_t esp_frame[2048];
static size_t esp_len;
static void keep_hook(struct ifnet *ifp, struct pkt *p)
{
    const uint8_t *d = pkt_data(p);
    if (!esp_len && p->len > 14 + 40 + 8 && p->len < sizeof esp_frame && d[12] == 0x86 && d[13] == 0xdd &&
        d[14 + 6] == 50) {
        memcpy(esp_frame, d, p->len);
        esp_len = p->len;
    }
    net_input(ifp, p);
}

static void first_esp_frame(void)
{
    T_EQ(sim_setkey(A, SA_AB POLICIES), 0);
    T_EQ(sim_setkey(B, SA_AB POLICIES), 0);
    esp_len = 0;
    if_find(B, "eth0")->input_hook = keep_hook;
    T_CHECK(sim_udp_once(W, A, B, NULL, "2001:db8:1::b", 7000));
    T_CHECK(esp_len > 0);
}

static void reinject(const uint8_t *f, size_t len)
{
    T_CHECK(inj_input(if_find(B, "eth0"), f, len));
}

TEST(replay_warned_once_with_sa_and_peer_then_rate_limited)
{
    setup(73);
    first_esp_frame();
    logcap_start(LOG_INFO);
    reinject(esp_frame, esp_len);
    sim_run_for(W, 5 * MS);
    T_EQ(CTR_GET(B, ipsec, drop_replay), 1);
    check_lines(1, "warn b: SA esp 0x00006101 2001:db8:1::a>2001:db8:1::b: replayed packet seq 1 from 2001:db8:1::a "
                   "dropped", NULL, NULL);
    T_EQ(logcap_n(), 1);
    /* a flood: a bounded number of lines, then one summary with the exact count */
    logcap_start(LOG_INFO);
    for (int i = 0; i < 1000; i++)
        reinject(esp_frame, esp_len);
    sim_run_for(W, 10 * MS);
    T_EQ(CTR_GET(B, ipsec, drop_replay), 1001);
    T_EQ(logcap_n(), SIX_WARN_BURST - 1);   /* the window of the first line is still running */
    sim_run_for(W, SIX_WARN_INTERVAL_NS);
    char summary[80];   /* the first line's window let BURST - 1 of the 1000 through */
    snprintf(summary, sizeof summary, "warn b: %u more replay warnings suppressed", 1000 - (SIX_WARN_BURST - 1));
    check_lines(1, summary, NULL, NULL);
    T_EQ(logcap_n(), SIX_WARN_BURST);
    /* quiet again: the next one is logged at once, with no stale count */
    logcap_start(LOG_INFO);
    reinject(esp_frame, esp_len);
    sim_run_for(W, 5 * MS);
    T_EQ(logcap_n(), 1);
    T_CHECK(logcap_find("replayed packet seq 1", (char *)NULL) && !logcap_find("suppressed", (char *)NULL));
    teardown();
}

TEST(forged_esp_warned_as_icv_failure)
{
    setup(74);
    first_esp_frame();
    logcap_start(LOG_INFO);
    uint8_t f[2048];
    memcpy(f, esp_frame, esp_len);
    f[esp_len - 20] ^= 0x40;                 /* tampered ciphertext */
    wr32(f + 14 + 40 + 4, 1000);             /* a fresh sequence number */
    reinject(f, esp_len);
    sim_run_for(W, 5 * MS);
    T_EQ(CTR_GET(B, ipsec, drop_icv), 1);
    check_lines(1, "warn b: SA esp 0x00006101 2001:db8:1::a>2001:db8:1::b: ICV check failed",
                "from 2001:db8:1::a", NULL);
    teardown();
}

TEST(warnings_cost_nothing_below_warning_level)
{
    setup(75);
    first_esp_frame();
    logcap_start(LOG_ERR);   /* an operator who wants errors only */
    for (int i = 0; i < 10; i++)
        reinject(esp_frame, esp_len);
    sim_run_for(W, 2 * SIX_WARN_INTERVAL_NS);
    T_EQ(logcap_n(), 0);
    T_EQ(B->oplog.rl[SIX_WARN_REPLAY].suppressed, 0);   /* not even counted: no summary later */
    teardown();
}

int main(void)
{
    RUN(sa_changes_logged_at_info_aborted_load_silent);
    RUN(link_up_down_and_dad_failure_logged);
    RUN(default_router_learned_lost_and_expired);
    RUN(replay_warned_once_with_sa_and_peer_then_rate_limited);
    RUN(forged_esp_warned_as_icv_failure);
    RUN(warnings_cost_nothing_below_warning_level);
    return t_done();
}
