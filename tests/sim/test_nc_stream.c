/* nc's stream mode (src/apps/nc.c) on the simulator, with a memory pipe in
 * the place of sixd's control connection (src/sixd/ctl_stream.c): the
 * pipe's input is fed at most PIPE_IN bytes ahead, its output drained
 * slowly, and nc must never write more than room() says — so a 2 MiB echo
 * through B's echo service crosses bounded buffers both ways, byte-exact.
 * Also: -w ends an idle stream; cancelling the command (the client left)
 * resets the TCP connection (SO_LINGER {1, 0}: the peer sees ECONNRESET,
 * tcp.close_linger_rst); a peer's reset ends the command with its reason. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "../lib/t.h"
#include "../lib/simstack.h"
#include "ctl/scene.h"
#include "ctl/cmd.h"
#include "core/counters.h"
#include "core/pipe.h"
#include "link/sim.h"
#include "net/stack.h"
#include "six/socket.h"
#include "../lib/ipsec_sim.h"

#define MS (1000000ull)
#define SEC (1000000000ull)
#define PIPE_IN  (64u * 1024)
#define PIPE_OUT (32u * 1024)

static struct sim_world *W;
static struct six_stack *A, *B;

static void setup(uint64_t seed)
{
    W = sim_world_create(seed);
    struct sim_link_params p = { .delay_ns = 2 * MS, .loss = 0.005 };
    sim_pair_dual(W, seed, 8192, &p, &A, &B);
}

static void teardown(void)
{
    six_stack_destroy(A);
    six_stack_destroy(B);
    sim_world_destroy(W);
}

/* The memory pipe: the "client" side is the test. */
struct mpipe {
    struct six_pipe p;
    uint8_t in[PIPE_IN];
    size_t in_off, in_len;
    bool in_eof, opened;
    size_t out_queued;              /* written, not yet drained by the client */
    uint8_t *got;                   /* everything drained */
    size_t got_len, got_cap;
    bool over_room;                 /* nc wrote more than room() */
};

static struct mpipe *of(struct six_pipe *p) { return (struct mpipe *)(void *)p; }
static void m_open(struct six_pipe *p) { of(p)->opened = true; }
static size_t m_peek(struct six_pipe *p, const void **d)
{
    struct mpipe *m = of(p);
    *d = m->in + m->in_off;
    return m->in_len - m->in_off;
}
static void m_consume(struct six_pipe *p, size_t n)
{
    struct mpipe *m = of(p);
    m->in_off += n;
    if (m->in_off == m->in_len)
        m->in_off = m->in_len = 0;
}
static bool m_eof(struct six_pipe *p) { return of(p)->in_eof && of(p)->in_off == of(p)->in_len; }
static size_t m_room(struct six_pipe *p) { return PIPE_OUT - of(p)->out_queued; }
static void m_write(struct six_pipe *p, const void *d, size_t n)
{
    struct mpipe *m = of(p);
    if (n > PIPE_OUT - m->out_queued) {
        m->over_room = true;
        return;
    }
    if (m->got_len + n > m->got_cap) {
        m->got_cap = (m->got_len + n) * 2;
        m->got = realloc(m->got, m->got_cap);
    }
    memcpy(m->got + m->got_len, d, n);
    m->got_len += n;
    m->out_queued += n;
}

static void mpipe_init(struct mpipe *m)
{
    memset(m, 0, sizeof *m);
    m->p = (struct six_pipe){ .open = m_open, .peek = m_peek, .consume = m_consume, .eof = m_eof,
                              .room = m_room, .write = m_write };
}

struct waiter { bool done; int status; };
static void w_done(void *arg, int status) { struct waiter *w = arg; w->done = true; w->status = status; }

static struct cmd_out OUT, ERR;

/* Start `line` on st with the pipe as its stream; CMD_PENDING expected. */
static int start(struct six_stack *st, struct cmd_ctx *c, struct waiter *w, struct mpipe *m, char *line)
{
    static char *argv[CMD_MAX_ARGS];
    int argc = cmd_split(line, argv, CMD_MAX_ARGS, NULL);
    cmd_out_reset(&OUT);
    cmd_out_reset(&ERR);
    *c = (struct cmd_ctx){ .st = st, .out = &OUT, .err = &ERR, .done = w_done, .done_arg = w,
                           .stream = &m->p };
    return six_cmd_exec(c, argc, argv);
}

/* One client step: feed input (up to PIPE_IN buffered), drain up to
 * drain bytes of output, then tell nc as sixd does. */
static void client_step(struct mpipe *m, const uint8_t *src, size_t srclen, size_t *fed, size_t drain)
{
    if (m->opened && *fed < srclen) {
        if (m->in_off) {
            memmove(m->in, m->in + m->in_off, m->in_len - m->in_off);
            m->in_len -= m->in_off;
            m->in_off = 0;
        }
        size_t n = PIPE_IN - m->in_len;
        if (n > srclen - *fed)
            n = srclen - *fed;
        memcpy(m->in + m->in_len, src + *fed, n);
        m->in_len += n;
        *fed += n;
    }
    if (m->opened && *fed == srclen)
        m->in_eof = true;
    m->out_queued -= m->out_queued < drain ? m->out_queued : drain;
    if (m->p.notify)
        m->p.notify(m->p.notify_arg);
}

TEST(echo_2mib_through_bounded_pipes)
{
    setup(11);
    T_EQ(scene_cmd(B, NULL, "serve echo"), 0);
    size_t n = 2u << 20;
    uint8_t *src = malloc(n);
    for (size_t i = 0; i < n; i++)
        src[i] = (uint8_t)(i * 2654435761u >> 13);
    const char *dst[] = { "2001:db8:1::b", "192.0.2.2" };
    for (int k = 0; k < 2; k++) {
        struct mpipe *m = malloc(sizeof *m);
        mpipe_init(m);
        struct waiter w = { 0 };
        struct cmd_ctx c;
        char line[128];
        snprintf(line, sizeof line, "nc %s 7", dst[k]);
        T_EQ(start(A, &c, &w, m, line), CMD_PENDING);
        size_t fed = 0;
        /* the client drains 16 KiB per 5 ms (~3 MB/s): slower than the link */
        for (int step = 0; step < 200000 && !w.done; step++) {
            sim_run_for(W, 5 * MS);
            client_step(m, src, n, &fed, 16384);
        }
        T_CHECK(w.done);
        T_EQ(w.status, 0);
        T_CHECK(!m->over_room);
        T_EQ(fed, n);
        T_EQ(m->got_len, n);
        T_CHECK(m->got_len == n && memcmp(m->got, src, n) == 0);
        if (!w.done)
            six_cmd_cancel(&c);
        free(m->got);
        free(m);
    }
    free(src);
    teardown();
}

TEST(idle_wait_ends_a_quiet_stream)
{
    setup(12);
    T_EQ(scene_cmd(B, NULL, "serve echo"), 0);
    struct mpipe *m = malloc(sizeof *m);
    mpipe_init(m);
    struct waiter w = { 0 };
    struct cmd_ctx c;
    char line[] = "nc -w 2 2001:db8:1::b 7";
    T_EQ(start(A, &c, &w, m, line), CMD_PENDING);
    sim_run_for(W, 1500 * MS);
    T_CHECK(m->opened && !w.done);     /* connected, quiet for 1.5 s: still there */
    sim_run_for(W, 1000 * MS);
    T_CHECK(w.done);
    T_EQ(w.status, 0);
    if (!w.done)
        six_cmd_cancel(&c);
    free(m);
    teardown();
}

/* B listens with a plain socket; A's nc streams to it. */
static int accept_on_b(int ls)
{
    int s = -1;
    for (int i = 0; i < 200 && s < 0; i++) {
        sim_run_for(W, 5 * MS);
        s = six_accept(B, ls, NULL, NULL);
    }
    return s;
}

TEST(cancel_resets_and_peer_reset_is_reported)
{
    setup(13);
    socklen_t len;
    struct sockaddr_storage any = sim_sockaddr("::", 9000, &len);
    int ls = six_socket(B, AF_INET6, SOCK_STREAM, 0);
    T_CHECK(ls >= 0 && !six_bind(B, ls, (struct sockaddr *)&any, len) && !six_listen(B, ls, 4));

    /* the client goes away mid-stream: six_cmd_cancel, as sixd does */
    struct mpipe *m = malloc(sizeof *m);
    mpipe_init(m);
    struct waiter w = { 0 };
    struct cmd_ctx c;
    char line[] = "nc 2001:db8:1::b 9000";
    T_EQ(start(A, &c, &w, m, line), CMD_PENDING);
    int s = accept_on_b(ls);
    T_CHECK(s >= 0);
    static uint8_t junk[4u << 20];    /* more than B's window and A's buffers: no EOF yet */
    size_t fed = 0;
    for (int i = 0; i < 20; i++) {
        sim_run_for(W, 5 * MS);
        client_step(m, junk, sizeof junk, &fed, 0);
    }
    uint64_t rst0 = CTR_GET(A, tcp, close_linger_rst);
    six_cmd_cancel(&c);
    sim_run_for(W, 50 * MS);
    T_EQ(CTR_GET(A, tcp, close_linger_rst), rst0 + 1);
    uint8_t buf[65536];
    ssize_t r;
    while ((r = six_recv(B, s, buf, sizeof buf, 0)) > 0)
        ;
    T_EQ(r, -1);
    T_EQ(errno, ECONNRESET);
    T_CHECK(fed < sizeof junk);
    T_CHECK(!w.done);                  /* cancelled: no completion */
    six_close(B, s);

    /* the peer resets: the command ends with the reason */
    mpipe_init(m);
    char line2[] = "nc 2001:db8:1::b 9000";
    T_EQ(start(A, &c, &w, m, line2), CMD_PENDING);
    s = accept_on_b(ls);
    T_CHECK(s >= 0);
    struct linger l = { 1, 0 };
    T_EQ(six_setsockopt(B, s, SOL_SOCKET, SO_LINGER, &l, sizeof l), 0);
    struct linger g = { 0, 7 };
    socklen_t gl = sizeof g;
    T_EQ(six_getsockopt(B, s, SOL_SOCKET, SO_LINGER, &g, &gl), 0);
    T_CHECK(g.l_onoff == 1 && g.l_linger == 0);
    six_close(B, s);
    for (int i = 0; i < 100 && !w.done; i++)
        sim_run_for(W, 10 * MS);
    T_CHECK(w.done);
    T_EQ(w.status, 1);
    T_CHECK(ERR.buf && strstr(ERR.buf, "nc: connection reset by peer") != NULL);
    if (!w.done)
        six_cmd_cancel(&c);
    free(m);
    six_close(B, ls);
    teardown();
}

int main(void)
{
    cmd_out_init(&OUT);
    cmd_out_init(&ERR);
    RUN(echo_2mib_through_bounded_pipes);
    RUN(idle_wait_ends_a_quiet_stream);
    RUN(cancel_resets_and_peer_reset_is_reported);
    cmd_out_free(&OUT);
    cmd_out_free(&ERR);
    return t_done();
}
