/* The TCP state machine under a SEQUENCE of segments.  One stack V (built
 * once) with one raw-IP interface whose driver is this harness; each input
 * opens a listening or connecting socket on V and plays a peer that exists
 * only as the segments the input describes.  Segments get valid checksums
 * and sequence/ack numbers relative to V's state, so the fuzzer spends its
 * time on the state machine, not on the checksum.  Between segments: timer
 * advances (ms to minutes: retransmission, persist, keepalive, TIME_WAIT)
 * and the application's reads, writes, shutdown and close.
 *
 * Input: mode(1) synopt(1) then 10-byte records.
 *   mode bit0: IPv4 (else IPv6); bit1: V connects (else V listens);
 *        bit2: the harness does the three-way handshake first; bit3:
 *        TCP_NODELAY; bit4: small receive buffer (4 KB, else 32 KB);
 *        bit5: SO_KEEPALIVE.
 *   synopt: the peer's SYN options in the harness handshake (bit0 MSS,
 *        bit1 WS with shift bits 4..7, bit2 SACK-permitted, bit3 TS).
 *   record r[0..9], kind = r[0] & 7:
 *     0..3 segment: flags r[1]; seq = base + (int16)r[2..3] where base is
 *          V's rcv_nxt (r[0] bit3 clear) or the peer's own next sequence
 *          number; ack = V's snd_una (bit4 clear) or snd_max, + (int16)r[4..5];
 *          window r[6] * 257 (scaled by the peer's WS); payload r[7] * 6
 *          bytes (at most 1400); r[8] options: bit0 TS (tsval the peer's
 *          clock, bit1: + (int8)r[9] * 2^20 instead; tsecr V's last TSval,
 *          bit2: r[9] << 24 instead), bit3 a SACK block from snd_una +
 *          r[9] * 64 of ((r[8] >> 4) + 1) * 512 bytes; a SYN carries MSS
 *          536 + r[9] * 4 and WS r[8] >> 4.  The peer port is one of four
 *          (r[0] bits 5..6), so several connections can be in play.
 *     4 time: r[1] bit7 set: r[2] seconds, else ((r[1] << 8) | r[2]) ms.
 *     5 app write: (r[1] << 8 | r[2]) bytes.
 *     6 app read: (r[1] << 8 | r[2]) bytes.
 *     7 app control: r[1] % 5: shutdown(SHUT_WR), close, abort (SO_LINGER
 *          0 close), toggle TCP_NODELAY, accept the next connection.
 *
 * Invariants (a broken one traps):
 *   - every segment V sends parses with a valid checksum;
 *   - the stream is a function of the sequence number: the peer's payload
 *     byte at sequence s is PAT_PEER(s) and the application writes
 *     PAT_V(s) at the sequence number the byte will have, so every byte
 *     V's application reads must be PAT_PEER(irs + 1 + offset) and every
 *     data byte V sends (first transmission or retransmission) PAT_V(seq);
 *   - for every control block: snd_una <= snd_nxt <= snd_max, what is in
 *     flight is in the send buffer (snd_max - snd_una <= sb_len + SYN +
 *     FIN), buffers and the out-of-order queue within their sizes, at most
 *     TCP_SACK_BLOCKS SACK blocks;
 *   - the control block table holds at most the connections the input can
 *     name (5 four-tuples); after the input, with its sockets closed and
 *     what is left aborted, no control block and no packet buffer remains.
 * An input starts from an empty table, but the stack's clock and random
 * state go on between inputs; offsets relative to V's state keep a
 * reproducer meaningful anyway. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/tcp.h>
#include "fuzz_stateful.h"
#include "core/log.h"
#include "core/pkt.h"
#include "ctl/scene.h"
#include "link/ifnet.h"
#include "link/sim.h"
#include "net/stack.h"
#include "six/socket.h"
#include "transport/sock.h"
#include "transport/tcp.h"
#include "wire/cksum.h"
#include "wire/ip4.h"
#include "wire/ip6.h"
#include "wire/tcp.h"

#define CHECK(c) do { if (!(c)) __builtin_trap(); } while (0)
#define MS 1000000ull
#define SEC 1000000000ull
#define REC 10
#define MAX_RECS 200
#define V_PORT 80
#define PEER_PORT0 40000
#define PEER_ISS 0x7fff0000u   /* near the 2^31 wrap on purpose */
#define MAX_PAYLOAD 1400

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

static inline uint8_t pat_peer(uint32_t s) { return (uint8_t)((s * 0x9e3779b1u) >> 24); }
static inline uint8_t pat_v(uint32_t s) { return (uint8_t)((s * 0x85ebca6bu) >> 24); }

/* One input's world. */
static struct {
    struct sim_world *w;
    struct six_stack *v;
    struct ifnet *ifp;
    bool v4;
    struct in6_addr vaddr6, paddr6;        /* IPv6 addresses, or the IPv4 ones mapped */
    struct in_addr vaddr4, paddr4;
    uint32_t peer_nxt;                      /* the peer's own next sequence number */
    uint32_t v_tsval;                       /* V's last TSval seen */
    uint32_t v_iss;                         /* V's ISN of the current connection, from its SYN */
    bool v_iss_known;
    uint16_t cur_fport;                     /* peer port of the application's connection */
    uint16_t eph;                           /* V's port of the active open */
    int ls, sd;                             /* listening socket, the application's connection */
    bool irs_known;
    uint32_t irs, rd_off;                   /* its peer's ISN, bytes read so far */
    uint32_t wr_off;                        /* bytes the application wrote */
} G;

/* --- the driver: V's output is checked here and dropped --- */

static void check_segment(const uint8_t *d, size_t n)
{
    const uint8_t *seg;
    size_t len;
    uint32_t pseudo;
    if (G.v4) {
        struct ip4_info ih;
        CHECK(ip4_parse(d, n, &ih) == WR_OK);
        if (ih.proto != 6)
            return;
        seg = d + ih.hl;
        len = ih.tot_len - ih.hl;
        pseudo = cksum_pseudo4(ih.src, ih.dst, (uint16_t)len, 6);
    } else {
        struct ip6_info ip;
        CHECK(ip6_parse(d, n, &ip) == WR_OK);
        if (ip.nxt != 6)
            return;   /* ICMPv6 (errors, ND) */
        seg = d + IP6_HLEN;
        len = ip.plen;
        pseudo = cksum_pseudo6(&ip.src, &ip.dst, (uint32_t)len, 6);
    }
    struct tcp_seg t;
    CHECK(tcp_parse(seg, len, pseudo, &t) == WR_OK);
    if (t.opts.has_ts)
        G.v_tsval = t.opts.tsval;
    if (t.dport != G.cur_fport)
        return;
    if (t.flags & TCP_SYN) {
        G.v_iss = t.seq;
        G.v_iss_known = true;
        CHECK(t.payload_len == 0);
    }
    if (!G.v_iss_known)
        return;
    for (size_t i = 0; i < t.payload_len; i++)
        CHECK(t.payload[i] == pat_v(t.seq + (uint32_t)i));
}

static unsigned drv_xmit(struct ifnet *ifp, struct pkt **pkts, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        check_segment(pkt_data(pkts[i]), pkts[i]->len);
        pkt_free(pkts[i]);
    }
    return n;
}

static void drv_destroy(struct ifnet *ifp) { (void)ifp; }

static const struct if_ops drv_ops = { .kind = "fuzz", .xmit = drv_xmit, .destroy = drv_destroy };

/* --- building the peer's segments --- */

static uint16_t v_eph_port(void);

/* One segment from the peer to V with a valid checksum, payload PAT_PEER.
 * fport is the peer's port; V_PORT names the active open (from the peer's
 * V_PORT to V's ephemeral port), any other the listener's (to V_PORT). */
static void peer_send(uint16_t fport, uint8_t flags, uint32_t seq, uint32_t ack, uint16_t win,
                      const struct tcp_opts *o, size_t plen)
{
    static uint8_t buf[IP6_HLEN + 60 + MAX_PAYLOAD];
    uint16_t dport = fport == V_PORT ? v_eph_port() : V_PORT;
    if (!dport)
        return;
    size_t hl = G.v4 ? IP4_HLEN : IP6_HLEN;
    size_t th = tcp_hdr_len(o);
    uint8_t *pl = buf + hl + th;
    uint32_t data_seq = seq + ((flags & TCP_SYN) ? 1 : 0);
    for (size_t i = 0; i < plen; i++)
        pl[i] = pat_peer(data_seq + (uint32_t)i);
    struct tcp_seg t = { .sport = fport, .dport = dport, .seq = seq, .ack = ack, .flags = flags, .win = win,
                         .urp = (flags & TCP_URG) ? 1 : 0, .opts = *o };
    uint32_t pseudo = G.v4 ? cksum_pseudo4(G.paddr4, G.vaddr4, (uint16_t)(th + plen), 6)
                           : cksum_pseudo6(&G.paddr6, &G.vaddr6, (uint32_t)(th + plen), 6);
    if (tcp_emit(buf + hl, sizeof buf - hl, &t, plen, pseudo) != th)
        abort();
    if (G.v4) {
        struct ip4_info ih = { .hl = IP4_HLEN, .tot_len = (uint16_t)(hl + th + plen), .ttl = 64, .proto = 6,
                               .src = G.paddr4, .dst = G.vaddr4 };
        ip4_emit(buf, sizeof buf, &ih);
    } else {
        struct ip6_info ip = { .plen = (uint16_t)(th + plen), .nxt = 6, .hlim = 64, .src = G.paddr6,
                               .dst = G.vaddr6 };
        ip6_emit(buf, sizeof buf, &ip);
    }
    struct pkt *p = pkt_alloc(G.v->pool, hl + th + plen);
    if (!p)
        return;
    memcpy(pkt_put(p, hl + th + plen), buf, hl + th + plen);
    if_input(G.ifp, &p, 1);
    uint32_t end = data_seq + (uint32_t)plen + ((flags & TCP_FIN) ? 1 : 0);
    if (seq_gt(end, G.peer_nxt) && !(flags & TCP_RST))
        G.peer_nxt = end;
}

static struct tcpcb *conn(uint16_t fport)
{
    if (fport == V_PORT)
        return G.eph ? tcp_lookup(G.v, &G.vaddr6, G.eph, &G.paddr6, V_PORT) : NULL;
    return tcp_lookup(G.v, &G.vaddr6, V_PORT, &G.paddr6, fport);
}

static uint32_t peer_ts(void) { return (uint32_t)(sim_now(G.w) / MS) + 1000000u; }

/* --- invariants --- */

static void check_tcpcb(const struct tcpcb *tp)
{
    CHECK(seq_leq(tp->snd_una, tp->snd_nxt));
    CHECK(seq_leq(tp->snd_nxt, tp->snd_max));
    CHECK(tp->snd_max - tp->snd_una <= tp->sb_len + 2);
    CHECK(tp->sb_len <= tp->sb_size && tp->rb_len <= tp->rb_size);
    CHECK(tp->ooo_bytes <= tp->rb_size);
    CHECK(tp->n_sacked <= TCP_SACK_BLOCKS);
}

static void check_all(void)
{
    /* the tuples the input can name (walking all TCP_HASH buckets per record costs more than the record) */
    unsigned n = 0;
    for (unsigned k = 0; k < 4; k++) {
        const struct tcpcb *tp = conn((uint16_t)(PEER_PORT0 + k));
        if (tp) {
            check_tcpcb(tp);
            n++;
        }
    }
    const struct tcpcb *tp = conn(V_PORT);
    if (tp) {
        check_tcpcb(tp);
        n++;
    }
    CHECK(G.v->tcp->n_conns == n + (G.ls >= 0));   /* a listening socket has a control block too */
}

/* --- the application --- */

static void app_accept(void)
{
    if (G.ls < 0)
        return;
    int sd = six_accept(G.v, G.ls, NULL, NULL);
    if (sd < 0)
        return;
    if (G.sd >= 0)
        six_close(G.v, G.sd);
    G.sd = sd;
    struct sock *so = sock_get(G.v, sd);
    G.cur_fport = so ? so->rport : 0;
    G.irs_known = false;
    G.rd_off = G.wr_off = 0;
    G.v_iss_known = so && so->tp;
    G.v_iss = so && so->tp ? so->tp->iss : 0;
}

static void app_write(size_t len)
{
    static uint8_t buf[65536];
    struct sock *so = sock_get(G.v, G.sd);
    if (!so || !so->tp || !G.v_iss_known)
        return;
    for (size_t i = 0; i < len; i++)
        buf[i] = pat_v(G.v_iss + 1 + G.wr_off + (uint32_t)i);
    ssize_t k = six_send(G.v, G.sd, buf, len, MSG_DONTWAIT);
    if (k > 0)
        G.wr_off += (uint32_t)k;
}

static void app_read(size_t len)
{
    static uint8_t buf[65536];
    struct sock *so = sock_get(G.v, G.sd);
    if (!so)
        return;
    if (!G.irs_known) {
        if (!so->tp || so->tp->state < TCPS_ESTABLISHED)
            return;
        G.irs = so->tp->irs;
        G.irs_known = true;
    }
    ssize_t k = six_recv(G.v, G.sd, buf, len, MSG_DONTWAIT);
    for (ssize_t i = 0; i < k; i++)
        CHECK(buf[i] == pat_peer(G.irs + 1 + G.rd_off + (uint32_t)i));
    if (k > 0)
        G.rd_off += (uint32_t)k;
}

static void app_control(uint8_t what)
{
    switch (what % 5) {
    case 0: six_shutdown(G.v, G.sd, SHUT_WR); break;
    case 1:
    case 2:
        if (what % 5 == 2) {
            struct linger l = { .l_onoff = 1, .l_linger = 0 };
            six_setsockopt(G.v, G.sd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
        }
        if (G.sd >= 0 && G.sd != G.ls)
            six_close(G.v, G.sd);
        if (G.sd == G.ls)
            G.ls = -1;
        G.sd = -1;
        break;
    case 3: {
        int v = 0;
        socklen_t l = sizeof v;
        six_getsockopt(G.v, G.sd, IPPROTO_TCP, TCP_NODELAY, &v, &l);
        v = !v;
        six_setsockopt(G.v, G.sd, IPPROTO_TCP, TCP_NODELAY, &v, sizeof v);
        break;
    }
    case 4: app_accept(); break;
    }
}

/* --- set-up and the harness's handshake --- */

static struct tcp_opts syn_opts(uint8_t synopt, uint16_t mss)
{
    struct tcp_opts o = { 0 };
    if (synopt & 1) {
        o.has_mss = true;
        o.mss = mss;
    }
    if (synopt & 2) {
        o.has_ws = true;
        o.ws = (uint8_t)((synopt >> 4) % 15);
    }
    o.sack_ok = synopt & 4;
    if (synopt & 8) {
        o.has_ts = true;
        o.tsval = peer_ts();
    }
    return o;
}

/* The world is built once (a stack's tables take ~100 ms to create under
 * ASan); each input starts with no connection and must leave none. */
static struct sim_world *W;
static struct six_stack *V;
static struct ifnet *IFP;

static void world_setup(void)
{
    W = sim_world_create(11);
    struct six_stack_opts o = { .name = "v", .clock = sim_clock(W), .tw = sim_wheel(W), .seed = 3,
                                .n_small = 256, .n_big = 4 };
    V = six_stack_create(&o);
    if (!V)
        abort();
    sim_register_stack(W, V);
    IFP = if_attach(V, "p2p0", IFT_RAWIP, &drv_ops, NULL);
    if (!IFP)
        abort();
    IFP->flags |= IFF6_NOARP | IFF6_RUNNING;
    IFP->mtu = 1500;
    if (scene_cmd(V, NULL, "addr add 2001:db8:2::1/64 dev p2p0") ||
        scene_cmd(V, NULL, "addr add 198.51.100.1/24 dev p2p0") || scene_cmd(V, NULL, "link set p2p0 up"))
        abort();
    sim_run_for(W, 1 * SEC);
}

static void input_setup(uint8_t mode)
{
    memset(&G, 0, sizeof G);
    G.w = W;
    G.v = V;
    G.ifp = IFP;
    G.ls = G.sd = -1;
    G.v4 = mode & 1;
    inet_pton(AF_INET, "198.51.100.1", &G.vaddr4);
    inet_pton(AF_INET, "198.51.100.2", &G.paddr4);
    if (G.v4) {
        inet_pton(AF_INET6, "::ffff:198.51.100.1", &G.vaddr6);
        inet_pton(AF_INET6, "::ffff:198.51.100.2", &G.paddr6);
    } else {
        inet_pton(AF_INET6, "2001:db8:2::1", &G.vaddr6);
        inet_pton(AF_INET6, "2001:db8:2::2", &G.paddr6);
    }
    G.peer_nxt = PEER_ISS;
}

/* Close what the application holds, abort what is left (TIME_WAIT, closed
 * sockets' connections): afterwards no control block and no packet buffer
 * may remain (a leak of either traps). */
static void input_teardown(void)
{
    struct linger l = { .l_onoff = 1, .l_linger = 0 };
    int sds[2] = { G.sd, G.ls };
    for (int i = 0; i < 2; i++)
        if (sds[i] >= 0) {
            six_setsockopt(V, sds[i], SOL_SOCKET, SO_LINGER, &l, sizeof l);
            six_close(V, sds[i]);
        }
    struct tcp_table *tt = V->tcp;
    for (unsigned h = 0; h < TCP_HASH; h++)
        while (tt->hash[h])
            tcp_drop(tt->hash[h], ECONNABORTED);
    CHECK(tt->n_conns == 0 && tt->n_tw == 0);
    sim_run_for(W, 1 * MS);
    struct pkt_pool_stats ps;
    pkt_pool_get_stats(V->pool, &ps);
    CHECK(ps.small_free == ps.small_total && ps.big_free == ps.big_total);
}

static void open_sockets(uint8_t mode)
{
    int fam = G.v4 ? AF_INET : AF_INET6;
    int sd = six_socket(G.v, fam, SOCK_STREAM, 0);
    if (sd < 0)
        abort();
    int one = 1, rcv = (mode & 16) ? 2048 : 16384;
    six_setsockopt(G.v, sd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof rcv);
    if (mode & 8)
        six_setsockopt(G.v, sd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (mode & 32)
        six_setsockopt(G.v, sd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one);
    struct sockaddr_storage ss = { 0 };
    socklen_t sl;
    if (G.v4) {
        struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
        s4->sin_family = AF_INET;
        s4->sin_port = htons(V_PORT);
        s4->sin_addr = (mode & 2) ? G.paddr4 : G.vaddr4;
        sl = sizeof *s4;
    } else {
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
        s6->sin6_family = AF_INET6;
        s6->sin6_port = htons(V_PORT);
        s6->sin6_addr = (mode & 2) ? G.paddr6 : G.vaddr6;
        sl = sizeof *s6;
    }
    if (mode & 2) {
        /* V connects to the peer's port V_PORT; the peer answers from it. */
        if (six_connect(G.v, sd, (struct sockaddr *)&ss, sl) != -1 || errno != EINPROGRESS)
            abort();
        G.sd = sd;
        G.cur_fport = V_PORT;
        struct sock *so = sock_get(G.v, sd);
        G.v_iss = so->tp->iss;
        G.v_iss_known = true;
        G.eph = so->lport;
    } else {
        if (six_bind(G.v, sd, (struct sockaddr *)&ss, sl) || six_listen(G.v, sd, 4))
            abort();
        G.ls = sd;
        G.cur_fport = PEER_PORT0;
    }
    sim_run_for(G.w, 1 * MS);
}

static uint16_t v_eph_port(void) { return G.eph; }

static void handshake(uint8_t mode, uint8_t synopt)
{
    struct tcp_opts o = syn_opts(synopt, 1400);
    uint16_t fport = (mode & 2) ? V_PORT : PEER_PORT0;
    if (mode & 2) {
        struct tcpcb *tp = conn(V_PORT);
        if (!tp)
            return;
        peer_send(fport, TCP_SYN | TCP_ACK, PEER_ISS, tp->iss + 1, 65535, &o, 0);
    } else {
        peer_send(fport, TCP_SYN, PEER_ISS, 0, 65535, &o, 0);
        sim_run_for(G.w, 1 * MS);
        struct tcpcb *tp = conn(fport);
        if (!tp)
            return;
        struct tcp_opts a = { .has_ts = o.has_ts, .tsval = peer_ts(), .tsecr = G.v_tsval };
        peer_send(fport, TCP_ACK, PEER_ISS + 1, tp->snd_nxt, 65535, &a, 0);
        sim_run_for(G.w, 1 * MS);
        app_accept();
    }
    sim_run_for(G.w, 1 * MS);
}


/* --- one record --- */

static void segment(uint8_t mode, const uint8_t *r)
{
    unsigned k = (r[0] >> 5) & 3;
    uint16_t fport = (mode & 2) ? (k ? PEER_PORT0 + k : V_PORT) : PEER_PORT0 + k;
    struct tcpcb *tp = conn(fport);
    uint8_t flags = r[1];
    int16_t dseq = (int16_t)(r[2] << 8 | r[3]), dack = (int16_t)(r[4] << 8 | r[5]);
    uint32_t seq = ((tp && !(r[0] & 8)) ? tp->rcv_nxt : G.peer_nxt) + (uint32_t)(int32_t)dseq;
    uint32_t ack = (tp ? ((r[0] & 16) ? tp->snd_max : tp->snd_una) : G.v_iss + 1) + (uint32_t)(int32_t)dack;
    size_t plen = (size_t)r[7] * 6;
    if (plen > MAX_PAYLOAD)
        plen = MAX_PAYLOAD;
    uint8_t opt = r[8], arg = r[9];
    struct tcp_opts o = { 0 };
    if (opt & 1) {
        o.has_ts = true;
        o.tsval = peer_ts() + ((opt & 2) ? (uint32_t)(int32_t)(int8_t)arg << 20 : 0);
        o.tsecr = (opt & 4) ? (uint32_t)arg << 24 : G.v_tsval;
    }
    if ((opt & 8) && tp && !(flags & TCP_SYN)) {
        o.n_sack = 1;
        o.sack[0].left = tp->snd_una + (uint32_t)arg * 64;
        o.sack[0].right = o.sack[0].left + ((uint32_t)(opt >> 4) + 1) * 512;
    }
    if (flags & TCP_SYN) {
        o.has_mss = true;
        o.mss = (uint16_t)(536 + arg * 4);
        o.has_ws = opt & 0x10;
        o.ws = (uint8_t)((opt >> 5) + 7) % 15;
        o.sack_ok = opt & 8;
    }
    peer_send(fport, flags, seq, ack, (uint16_t)(r[6] * 257), &o, plen);
    sim_run_for(G.w, 1 * MS);
}

/* FUZZ_TRACE=1: after each record, the application's connection (to see what a seed reaches). */
static void print_trace(const uint8_t *r)
{
    struct tcpcb *tp = conn(G.cur_fport);
    fprintf(stderr, "rec %d/%02x: ", r[0] & 7, r[1]);
    if (!tp) {
        fprintf(stderr, "no connection (read %u, wrote %u)\n", G.rd_off, G.wr_off);
        return;
    }
    fprintf(stderr, "%s una+%u nxt+%u max+%u wnd %u rcv_nxt-irs %u sb %u rb %u ooo %u persist %d rxt %u read %u wrote %u\n",
            tcp_state_name(tp->state), tp->snd_una - tp->iss, tp->snd_nxt - tp->iss, tp->snd_max - tp->iss,
            tp->snd_wnd, tp->rcv_nxt - tp->irs, tp->sb_len, tp->rb_len, tp->ooo_bytes, tp->persisting,
            tp->rxt_shift, G.rd_off, G.wr_off);
}

static void record(uint8_t mode, const uint8_t *r)
{
    unsigned len = (unsigned)r[1] << 8 | r[2];
    switch (r[0] & 7) {
    case 0: case 1: case 2: case 3: segment(mode, r); return;
    case 4: sim_run_for(G.w, (r[1] & 0x80) ? r[2] * SEC : len * MS); return;
    case 5: app_write(len); break;
    case 6: app_read(len); break;
    case 7: app_control(r[1]); break;
    }
    sim_run_for(G.w, 1 * MS);
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
    static bool once, trace;
    if (!once) {
        trace = getenv("FUZZ_TRACE") != NULL;
        six_log_set_level(trace ? LOG_INFO : LOG_CRIT);   /* hostile input makes the stack warn a lot */
        once = true;
    }
    if (n < 2 || n > 2 + REC * MAX_RECS)
        return 0;
    uint8_t mode = d[0], synopt = d[1];
    if (!W)
        world_setup();
    input_setup(mode);
    open_sockets(mode);
    if (mode & 4)
        handshake(mode, synopt);
    check_all();
    for (size_t off = 2; off + REC <= n; off += REC) {
        record(mode, d + off);
        check_all();
        if (trace)
            print_trace(d + off);
    }
    input_teardown();
    return 0;
}
