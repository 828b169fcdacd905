/* Issue 3's bulk acceptance case: 100 MB through 5 % loss, 1 % duplication,
 * reordering and 50 ms one-way delay, byte-exact, with goodput compared to
 * the Mathis et al. model. Separate from test_tcp so that one stays quick
 * (this takes a couple of minutes of CPU: ~50 minutes of virtual time). */
#include <string.h>
#include <arpa/inet.h>
#include "../lib/t.h"
#include "../lib/simstack.h"
#include "ctl/scene.h"
#include "link/sim.h"
#include "net/stack.h"
#include "six/socket.h"

#define MS (1000000ull)
#define SEC (1000000000ull)

static struct sim_world *W;

static uint8_t pattern(size_t i) { return (uint8_t)((i * 2654435761u) >> 13); }

TEST(hundred_megabytes_under_loss)
{
    struct sim_link_params p = { .delay_ns = 50 * MS, .jitter_ns = 5 * MS, .loss = 0.05, .dup = 0.01, .reorder = 0.02 };
    W = sim_world_create(100);
    struct six_stack *A = sim_stack(W, "a", 101, 4096), *B = sim_stack(W, "b", 102, 4096);
    struct sim_link *l = sim_link_create(W, "l", &p);
    sim_attach(l, A, "eth0", NULL);
    sim_attach(l, B, "eth0", NULL);
    scene_cmd(A, NULL, "link set eth0 up");
    scene_cmd(B, NULL, "link set eth0 up");
    scene_cmd(A, NULL, "addr add 2001:db8:1::a/64 dev eth0");
    scene_cmd(B, NULL, "addr add 2001:db8:1::b/64 dev eth0");
    sim_run_for(W, 3 * SEC);
    int ls = six_socket(B, AF_INET6, SOCK_STREAM, 0), ca = six_socket(A, AF_INET6, SOCK_STREAM, 0), cb = -1;
    struct sockaddr_in6 any = { .sin6_family = AF_INET6, .sin6_port = htons(5001) }, to = any;
    inet_pton(AF_INET6, "2001:db8:1::b", &to.sin6_addr);
    six_bind(B, ls, (struct sockaddr *)&any, sizeof any);
    six_listen(B, ls, 4);
    six_connect(A, ca, (struct sockaddr *)&to, sizeof to);
    for (int i = 0; i < 60000 && cb < 0; i++) {
        sim_run_for(W, 1 * MS);
        cb = six_accept(B, ls, NULL, NULL);
    }
    T_CHECK(cb >= 0);
    const size_t n = 100u * 1000 * 1000;
    static uint8_t buf[65536];
    size_t sent = 0, got = 0;
    bool bad = false;
    uint64_t t0 = sim_now(W);
    while (cb >= 0 && got < n && sim_now(W) - t0 < 20000 * SEC) {
        ssize_t k;
        while (sent < n) {
            size_t m = n - sent < sizeof buf ? n - sent : sizeof buf;
            for (size_t i = 0; i < m; i++)
                buf[i] = pattern(sent + i);
            if ((k = six_send(A, ca, buf, m, 0)) <= 0)
                break;
            sent += (size_t)k;
        }
        while ((k = six_recv(B, cb, buf, sizeof buf, 0)) > 0) {
            for (ssize_t i = 0; i < k; i++)
                bad |= buf[i] != pattern(got + (size_t)i);
            got += (size_t)k;
        }
        sim_run_for(W, 5 * MS);
    }
    double secs = (sim_now(W) - t0) / 1e9, rate = got * 8 / secs;
    double model = 1.22 * 1428 * 8 / (0.1 * 0.2236);   /* 1.22 MSS / (RTT sqrt(p)), p = 5 % */
    printf("# 100 MB under 5%% loss: %.0f s virtual, %.2f Mbit/s = %.0f%% of the model; %llu retransmitted, "
           "%llu recoveries, %llu timeouts, %llu tail loss probes (%llu found a loss), "
           "%llu lost retransmissions resent\n", secs, rate / 1e6, 100 * rate / model,
           (unsigned long long)CTR_GET(A, tcp, rexmt), (unsigned long long)CTR_GET(A, tcp, fast_rexmt),
           (unsigned long long)CTR_GET(A, tcp, rexmt_timeout), (unsigned long long)CTR_GET(A, tcp, tlp_probe),
           (unsigned long long)CTR_GET(A, tcp, tlp_recovery), (unsigned long long)CTR_GET(A, tcp, rexmt_lost));
    T_EQ(got, n);
    T_CHECK(!bad);
    T_CHECK(rate >= 0.35 * model);   /* documented in docs/PERFORMANCE.md */
    six_stack_destroy(A);
    six_stack_destroy(B);
    sim_world_destroy(W);
}

int main(void)
{
    RUN(hundred_megabytes_under_loss);
    return t_done();
}
