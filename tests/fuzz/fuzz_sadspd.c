/* The SAD and SPD under sequences of PF_KEY messages (through the PF_KEY
 * server, as sixkey sends them) interleaved with packets: ESP packets
 * sealed by the harness arriving for a UDP socket, and datagrams the stack
 * sends through its outbound policy.  Complements fuzz_pfkey_srv (raw
 * messages, batch atomicity): here every message is well formed, built
 * from compact fields that draw addresses, SPIs (16 values, so that they
 * collide), keys and lifetimes from small sets, so the fuzzer spends its
 * time on the tables' semantics.
 *
 * Input: 8-byte records r[0..7]; op = r[0] % 8:
 *   0 ADD, 1 UPDATE, 2 DELETE, 3 GETSPI (SPI range 0x100..0x10f):
 *     r[1] bit0 IPv4, bit1 outbound (src = this node), bit2 AH, bits 3..4
 *     mode (any/transport/tunnel), bit5 AES-GCM (else NULL + HMAC-SHA-256),
 *     bit6 the third peer address; r[2] SPI 0x100 + (r[2] & 15);
 *     r[3] key seed; r[4] reqid (& 3); r[5] hard add-time lifetime in
 *     seconds (0: none, soft = half); r[6] replay window; r[7] time to run
 *     afterwards, 100 ms units.
 *   4 SPDADD, 5 SPDDELETE: r[1] bit0 IPv4, bits 1..2 direction (in, out,
 *     fwd), bits 3..5 action (discard, none, ipsec, entrust, bypass);
 *     r[2], r[3] source/destination prefix length code; r[4] upper layer
 *     (any, UDP, TCP, ICMP); r[5] port (0 or 7); r[6] priority; r[7]
 *     request: bit0 AH, bit1 tunnel, bits 2..3 level, bits 4..5 reqid.
 *   6 FLUSH (r[1] bit0: SPDFLUSH instead; bit1: ESP only).
 *   7 packet: r[1] bit0 IPv4, bit7 outbound (a datagram from the node's
 *     UDP socket to the peer, port 9), else inbound: ESP to the node's
 *     port 7 sealed with SPI 0x100 + (r[2] & 15), key seed r[3], AES-GCM
 *     if r[1] bit5, sequence number (per SPI) + r[4]; r[1] bit6: the third
 *     peer address as source.
 *
 * Invariants (a broken one traps):
 *   - caps: at most IPSEC_MAX_SA SAs and IPSEC_MAX_SP policies;
 *   - SPI uniqueness: no two SAs (whatever their state) share (proto,
 *     dst, SPI), and ipsec_sa_find() returns each SA of the SAD itself;
 *   - a DELETE (or FLUSH) that succeeded leaves no SA that matches;
 *   - an inbound datagram reaches the socket only if, after it, an SA with
 *     its (dst, SPI) exists, is mature or dying, and holds the very keys
 *     the harness sealed it with (a deleted SA, a larval one or another
 *     key never lets a packet through);
 *   - every ESP packet the node sends carries the SPI of an SA of the SAD
 *     to the packet's destination, mature or dying;
 *   - every PF_KEY reply is whole; SAD and SPD are empty after FLUSH and
 *     SPDFLUSH (the harness flushes between inputs). */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include "fuzz_stateful.h"
#include "core/log.h"
#include "core/pkt.h"
#include "ctl/scene.h"
#include "ipsec/ipsec.h"
#include "ipsec/pfkey_srv.h"
#include "link/ifnet.h"
#include "link/sim.h"
#include "net/stack.h"
#include "six/socket.h"
#include "wire/cksum.h"
#include "wire/ip4.h"
#include "wire/ip6.h"
#include "wire/udp.h"

#define CHECK(c) do { if (!(c)) __builtin_trap(); } while (0)
#define MS 1000000ull
#define SEC 1000000000ull
#define REC 8
#define MAX_RECS 128
#define SPI_BASE 0x100u
#define N_SPI 16

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

static struct sim_world *W;
static struct six_stack *V;
static struct ifnet *IFP;
static struct pfkey_srv *SRV;
static int US;                    /* UDP socket on port 7, both families */
static uint32_t seqno[2][N_SPI];
static bool trace;                /* FUZZ_TRACE=1: each PF_KEY answer and each inbound packet's fate */  /* per family and SPI: the next sequence number the harness uses */

/* addresses: [v4][0] this node, [v4][1] the peer, [v4][2] another peer */
static struct in6_addr A6[2][3];

static struct in6_addr mapped(const char *v4)
{
    struct in6_addr a = { 0 };
    a.s6_addr[10] = a.s6_addr[11] = 0xff;
    inet_pton(AF_INET, v4, &a.s6_addr[12]);
    return a;
}

/* --- the driver: what the node sends --- */

static bool sa_of_packet_ok(uint32_t spi, const struct in6_addr *dst)
{
    struct ipsec_sa *sa = ipsec_sa_find(V, IPSEC_PROTO_ESP, dst, spi);
    return sa && (sa->state == IPSEC_SA_MATURE || sa->state == IPSEC_SA_DYING);
}

static void check_output(const uint8_t *d, size_t n)
{
    struct in6_addr dst;
    const uint8_t *pl;
    size_t plen;
    uint8_t proto;
    if (n && d[0] >> 4 == 4) {
        struct ip4_info ih;
        CHECK(ip4_parse(d, n, &ih) == WR_OK);
        dst = (struct in6_addr){ 0 };
        dst.s6_addr[10] = dst.s6_addr[11] = 0xff;
        memcpy(&dst.s6_addr[12], &ih.dst, 4);
        pl = d + ih.hl;
        plen = ih.tot_len - ih.hl;
        proto = ih.proto;
    } else {
        struct ip6_info ip;
        CHECK(ip6_parse(d, n, &ip) == WR_OK);
        dst = ip.dst;
        pl = d + IP6_HLEN;
        plen = ip.plen;
        proto = ip.nxt;
    }
    if (proto != IPSEC_PROTO_ESP)
        return;
    CHECK(plen >= 8);
    uint32_t spi = (uint32_t)pl[0] << 24 | (uint32_t)pl[1] << 16 | (uint32_t)pl[2] << 8 | pl[3];
    CHECK(sa_of_packet_ok(spi, &dst));
}

static unsigned drv_xmit(struct ifnet *ifp, struct pkt **pkts, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        check_output(pkt_data(pkts[i]), pkts[i]->len);
        pkt_free(pkts[i]);
    }
    return n;
}

static void drv_destroy(struct ifnet *ifp) { (void)ifp; }
static const struct if_ops drv_ops = { .kind = "fuzz", .xmit = drv_xmit, .destroy = drv_destroy };

/* --- PF_KEY --- */

struct reply { uint8_t err; unsigned n; };

static void on_reply(void *ctx, const uint8_t *m, size_t len)
{
    struct reply *r = ctx;
    uint16_t units;
    CHECK(len >= 16 && len % 8 == 0);
    memcpy(&units, m + 4, sizeof units);
    CHECK((size_t)units * 8 == len);
    r->err = m[2];
    r->n++;
}

static void on_event(void *ctx, uint8_t satype, const uint8_t *m, size_t len)
{
    struct pfkey_msg pm;
    CHECK(pfkey_parse(m, len, &pm) == WR_OK);
}

static int pfkey(const uint8_t *msg, size_t len)
{
    struct pfkey_client cl = { 0 };
    struct reply r = { 0 };
    const char *why;
    if (!len)
        return -1;
    int rc = pfkey_srv_handle(SRV, &cl, msg, len, on_reply, &r, &why);
    CHECK(r.n >= 1 && (rc ? r.err == rc : r.err == 0));
    if (trace)
        fprintf(stderr, "pfkey type %u: %d %s\n", msg[1], rc, rc ? why : "");
    return rc;
}

static void sockaddr_of(const struct in6_addr *a, union pfkey_sockaddr *sa)
{
    memset(sa, 0, sizeof *sa);
    if (in6_is_v4mapped(a)) {
        sa->sin.sin_family = AF_INET;
        memcpy(&sa->sin.sin_addr, &a->s6_addr[12], 4);
    } else {
        sa->sin6.sin6_family = AF_INET6;
        sa->sin6.sin6_addr = *a;
    }
}

static void add_addr(struct pfkey_builder *b, unsigned type, const struct in6_addr *a, uint8_t plen)
{
    struct pfkey_address pa = { .proto = IPSEC_ULPROTO_ANY };
    sockaddr_of(a, &pa.addr);
    pa.prefixlen = in6_is_v4mapped(a) ? (uint8_t)(plen > 96 ? plen - 96 : 0) : plen;
    pfkey_add_address(b, type, &pa);
}

/* The keys an SA with this seed gets, for the harness's own sealing too. */
static void keys_of(uint8_t seed, bool gcm, uint8_t *ekey, size_t *elen, uint8_t *akey, size_t *alen)
{
    *elen = gcm ? 20 : 0;
    *alen = gcm ? 0 : 32;
    for (size_t i = 0; i < 32; i++)
        ekey[i] = akey[i] = (uint8_t)(seed * 31 + i);
}

struct sa_sel { bool v4, out, ah, gcm; uint8_t mode; unsigned peer; uint32_t spi; };

static struct sa_sel sa_sel_of(const uint8_t *r)
{
    return (struct sa_sel){ .v4 = r[1] & 1, .out = r[1] & 2, .ah = r[1] & 4, .gcm = (r[1] & 0x20) && !(r[1] & 4),
                            .mode = (uint8_t)((r[1] >> 3) & 3) % 3, .peer = (r[1] & 0x40) ? 2 : 1,
                            .spi = SPI_BASE + (r[2] & (N_SPI - 1)) };
}

static void sa_ends(const struct sa_sel *s, const struct in6_addr **src, const struct in6_addr **dst)
{
    *src = s->out ? &A6[s->v4][0] : &A6[s->v4][s->peer];
    *dst = s->out ? &A6[s->v4][s->peer] : &A6[s->v4][0];
}

static void op_sa(uint8_t type, const uint8_t *r)
{
    static uint8_t buf[PFKEY_SRV_MSG_MAX];
    struct sa_sel s = sa_sel_of(r);
    const struct in6_addr *src, *dst;
    sa_ends(&s, &src, &dst);
    uint8_t satype = s.ah ? SADB_SATYPE_AH : SADB_SATYPE_ESP;
    struct pfkey_builder b;
    pfkey_build_init(&b, buf, sizeof buf,
                     &(struct pfkey_hdr){ .version = PF_KEY_V2, .type = type, .satype = satype, .seq = 1 });
    if (type == SADB_GETSPI) {
        pfkey_add_sa2(&b, &(struct pfkey_sa2){ .mode = s.mode, .reqid = r[4] & 3u });
        add_addr(&b, SADB_EXT_ADDRESS_SRC, src, 128);
        add_addr(&b, SADB_EXT_ADDRESS_DST, dst, 128);
        pfkey_add_spirange(&b, &(struct pfkey_spirange){ .min = SPI_BASE, .max = SPI_BASE + N_SPI - 1 });
    } else {
        struct pfkey_sa sa = { .spi = s.spi, .replay = r[6], .state = SADB_SASTATE_MATURE };
        uint8_t ekey[32], akey[32];
        size_t elen, alen;
        keys_of(r[3], s.gcm, ekey, &elen, akey, &alen);
        if (type != SADB_DELETE) {
            sa.encrypt = s.ah ? SADB_EALG_NONE : s.gcm ? SADB_X_EALG_AESGCM16 : SADB_EALG_NULL;
            sa.auth = s.gcm ? SADB_AALG_NONE : SADB_X_AALG_SHA2_256;
        }
        pfkey_add_sa(&b, &sa);
        if (type != SADB_DELETE) {
            pfkey_add_sa2(&b, &(struct pfkey_sa2){ .mode = s.mode, .reqid = r[4] & 3u });
            if (r[5]) {
                pfkey_add_lifetime(&b, SADB_EXT_LIFETIME_HARD, &(struct pfkey_lifetime){ .addtime = r[5] });
                pfkey_add_lifetime(&b, SADB_EXT_LIFETIME_SOFT, &(struct pfkey_lifetime){ .addtime = r[5] / 2u });
            }
        }
        add_addr(&b, SADB_EXT_ADDRESS_SRC, src, 128);
        add_addr(&b, SADB_EXT_ADDRESS_DST, dst, 128);
        if (type != SADB_DELETE) {
            if (alen)
                pfkey_add_key(&b, SADB_EXT_KEY_AUTH, (uint16_t)(alen * 8), 0, akey, alen);
            if (elen)
                pfkey_add_key(&b, SADB_EXT_KEY_ENCRYPT, (uint16_t)(elen * 8), 0, ekey, elen);
        }
    }
    int rc = pfkey(buf, pfkey_build_finish(&b));
    if (type == SADB_DELETE && rc == 0)
        CHECK(!ipsec_sa_find(V, s.ah ? IPSEC_PROTO_AH : IPSEC_PROTO_ESP, dst, s.spi));
    sim_run_for(W, (uint64_t)r[7] * 100 * MS + 1 * MS);
}

static const uint8_t plen_codes[4] = { 128, 64, 48, 0 };

static void op_sp(uint8_t type, const uint8_t *r)
{
    static uint8_t buf[PFKEY_SRV_MSG_MAX];
    bool v4 = r[1] & 1;
    uint8_t dir = (uint8_t)(1 + ((r[1] >> 1) & 3) % 3);
    unsigned act = (r[1] >> 3) & 7;
    if (act > IPSEC_ACT_BYPASS)
        act = IPSEC_ACT_IPSEC;
    const struct in6_addr *local = &A6[v4][0], *peer = &A6[v4][1 + (r[7] >> 6 & 1)];
    const struct in6_addr *src = dir == IPSEC_DIR_OUT ? local : peer, *dst = dir == IPSEC_DIR_OUT ? peer : local;
    static const uint8_t ul[4] = { IPSEC_ULPROTO_ANY, 17, 6, 58 };
    uint8_t ulp = ul[r[4] & 3];
    if (ulp == 58 && v4)
        ulp = 1;
    struct pfkey_builder b;
    pfkey_build_init(&b, buf, sizeof buf,
                     &(struct pfkey_hdr){ .version = PF_KEY_V2, .type = type, .satype = SADB_SATYPE_UNSPEC,
                                          .seq = 2 });
    struct pfkey_address pa = { .proto = ulp };
    sockaddr_of(src, &pa.addr);
    uint8_t sp = plen_codes[r[2] & 3], dp = plen_codes[r[3] & 3];
    pa.prefixlen = v4 ? (uint8_t)(sp * 32 / 128) : sp;
    if (r[5] & 1)
        v4 ? (pa.addr.sin.sin_port = htons(7)) : (pa.addr.sin6.sin6_port = htons(7));
    pfkey_add_address(&b, SADB_EXT_ADDRESS_SRC, &pa);
    sockaddr_of(dst, &pa.addr);
    pa.prefixlen = v4 ? (uint8_t)(dp * 32 / 128) : dp;
    if (r[5] & 2)
        v4 ? (pa.addr.sin.sin_port = htons(7)) : (pa.addr.sin6.sin6_port = htons(7));
    pfkey_add_address(&b, SADB_EXT_ADDRESS_DST, &pa);
    struct pfkey_policy pol = { .type = (uint16_t)act, .dir = dir, .priority = PFKEY_PRIO_BASE + r[6] };
    if (act == IPSEC_ACT_IPSEC) {
        struct pfkey_ipsecreq *q = &pol.req[0];
        pol.nreq = 1;
        q->proto = (r[7] & 1) ? IPSEC_PROTO_AH : IPSEC_PROTO_ESP;
        q->mode = (r[7] & 2) ? IPSEC_MODE_TUNNEL : IPSEC_MODE_TRANSPORT;
        q->level = (uint8_t)((r[7] >> 2) & 3);
        q->reqid = (uint16_t)((r[7] >> 4) & 3);
        if (q->mode == IPSEC_MODE_TUNNEL) {
            q->has_addrs = true;
            sockaddr_of(dir == IPSEC_DIR_OUT ? local : peer, &q->src);
            sockaddr_of(dir == IPSEC_DIR_OUT ? peer : local, &q->dst);
        }
    }
    pfkey_add_policy(&b, &pol);
    pfkey(buf, pfkey_build_finish(&b));
}

static void op_flush(const uint8_t *r)
{
    uint8_t buf[16];
    bool spd = r[1] & 1;
    uint8_t satype = (r[1] & 2) ? SADB_SATYPE_ESP : SADB_SATYPE_UNSPEC;
    struct pfkey_builder b;
    pfkey_build_init(&b, buf, sizeof buf,
                     &(struct pfkey_hdr){ .version = PF_KEY_V2, .type = spd ? SADB_X_SPDFLUSH : SADB_FLUSH,
                                          .satype = spd ? 0 : satype, .seq = 3 });
    if (pfkey(buf, pfkey_build_finish(&b)) == 0) {
        if (spd)
            CHECK(ipsec_sp_count(V) == 0);
        else if (satype == SADB_SATYPE_UNSPEC)
            CHECK(ipsec_sa_count(V) == 0);
    }
}

/* --- packets --- */

static size_t drain_socket(void)
{
    uint8_t b[256];
    size_t got = 0;
    while (six_recv(V, US, b, sizeof b, MSG_DONTWAIT) >= 0)
        got++;
    return got;
}

static void op_packet_out(const uint8_t *r)
{
    bool v4 = r[1] & 1;
    const struct in6_addr *peer = &A6[v4][(r[1] & 0x40) ? 2 : 1];
    struct sockaddr_in6 s6 = { .sin6_family = AF_INET6, .sin6_port = htons(9), .sin6_addr = *peer };
    six_sendto(V, US, "outbound", 8, 0, (struct sockaddr *)&s6, sizeof s6);
    sim_run_for(W, 1 * MS);
}

static void op_packet_in(const uint8_t *r)
{
    static uint8_t buf[512];
    bool v4 = r[1] & 1, gcm = r[1] & 0x20;
    uint32_t spi = SPI_BASE + (r[2] & (N_SPI - 1));
    const struct in6_addr *src = &A6[v4][(r[1] & 0x40) ? 2 : 1], *dst = &A6[v4][0];
    uint8_t ekey[32], akey[32];
    size_t elen, alen;
    keys_of(r[3], gcm, ekey, &elen, akey, &alen);
    struct ipsec_xform x;
    const char *why;
    if (ipsec_xform_init(&x, gcm ? IPSEC_EALG_AES_GCM16 : IPSEC_EALG_NULL, ekey, elen,
                         gcm ? IPSEC_AALG_NONE : IPSEC_AALG_HMAC_SHA256_128, akey, alen, &why))
        abort();
    /* inner: UDP from the peer's port 9 to port 7, checksum 0 allowed for IPv4 only: compute it */
    uint8_t udp[16];
    memcpy(udp + UDP_HLEN, "inbound!", 8);
    struct in_addr s4, d4;
    memcpy(&s4, &src->s6_addr[12], 4);
    memcpy(&d4, &dst->s6_addr[12], 4);
    uint32_t pseudo = v4 ? cksum_pseudo4(s4, d4, sizeof udp, 17) : cksum_pseudo6(src, dst, sizeof udp, 17);
    udp_emit(udp, sizeof udp, 9, 7, 8, pseudo);
    uint32_t *sq = &seqno[v4][spi - SPI_BASE];
    *sq += 1 + r[4];
    size_t hl = v4 ? IP4_HLEN : IP6_HLEN, esp_len;
    struct esp_seal_args a = { .spi = spi, .seq = *sq, .next_header = 17 };
    enum esp_status es = ipsec_esp_seal(&x, &a, udp, sizeof udp, buf + hl, sizeof buf - hl, &esp_len);
    ipsec_xform_free(&x);
    if (es != ESP_OK)
        return;
    if (v4) {
        struct ip4_info ih = { .hl = IP4_HLEN, .tot_len = (uint16_t)(hl + esp_len), .ttl = 64,
                               .proto = IPSEC_PROTO_ESP, .src = s4, .dst = d4 };
        ip4_emit(buf, sizeof buf, &ih);
    } else {
        struct ip6_info ip = { .plen = (uint16_t)esp_len, .nxt = IPSEC_PROTO_ESP, .hlim = 64, .src = *src,
                               .dst = *dst };
        ip6_emit(buf, sizeof buf, &ip);
    }
    struct pkt *p = pkt_alloc(V->pool, hl + esp_len);
    if (!p)
        return;
    memcpy(pkt_put(p, hl + esp_len), buf, hl + esp_len);
    drain_socket();
    if_input(IFP, &p, 1);
    size_t got = drain_socket();
    if (trace)
        fprintf(stderr, "packet in spi %#x seed %u: %s\n", spi, r[3], got ? "delivered" : "dropped");
    if (got) {
        /* delivered: only through a live SA holding the keys it was sealed with */
        struct ipsec_sa *sa = ipsec_sa_find(V, IPSEC_PROTO_ESP, dst, spi);
        CHECK(sa && (sa->state == IPSEC_SA_MATURE || sa->state == IPSEC_SA_DYING));
        CHECK(sa->ekeylen == elen && sa->akeylen == alen);
        CHECK(!memcmp(sa->ekey, ekey, elen) && !memcmp(sa->akey, akey, alen));
    }
    sim_run_for(W, 1 * MS);
}

/* --- invariants over the whole SAD --- */

struct walk { const struct ipsec_sa *sa[IPSEC_MAX_SA]; unsigned n; };

static void collect(void *ctx, const struct ipsec_sa *sa)
{
    struct walk *w = ctx;
    CHECK(w->n < IPSEC_MAX_SA);
    w->sa[w->n++] = sa;
}

static void check_sad(void)
{
    static struct walk w;
    w.n = 0;
    ipsec_sa_foreach(V, collect, &w);
    CHECK(w.n == ipsec_sa_count(V) && w.n <= IPSEC_MAX_SA);
    CHECK(ipsec_sp_count(V) <= IPSEC_MAX_SP);
    for (unsigned i = 0; i < w.n; i++) {
        const struct ipsec_sa *a = w.sa[i];
        CHECK(ipsec_sa_find(V, a->proto, &a->dst, a->spi) == a);
        for (unsigned j = i + 1; j < w.n; j++) {
            const struct ipsec_sa *b = w.sa[j];
            CHECK(!(a->spi == b->spi && a->proto == b->proto && !memcmp(&a->dst, &b->dst, sizeof a->dst)));
        }
    }
}

/* --- set-up --- */

static void world_setup(void)
{
    trace = getenv("FUZZ_TRACE") != NULL;
    six_log_set_level(trace ? LOG_INFO : LOG_CRIT);
    W = sim_world_create(13);
    struct six_stack_opts o = { .name = "v", .clock = sim_clock(W), .tw = sim_wheel(W), .seed = 5,
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
        scene_cmd(V, NULL, "addr add 198.51.100.1/24 dev p2p0") || scene_cmd(V, NULL, "link set p2p0 up") ||
        scene_cmd(V, NULL, "route add default dev p2p0") || scene_cmd(V, NULL, "route add 0.0.0.0/0 dev p2p0"))
        abort();
    SRV = pfkey_srv_create(V, on_event, NULL);
    US = six_socket(V, AF_INET6, SOCK_DGRAM, 0);
    struct sockaddr_in6 s6 = { .sin6_family = AF_INET6, .sin6_port = htons(7) };
    if (!SRV || US < 0 || six_bind(V, US, (struct sockaddr *)&s6, sizeof s6))
        abort();
    inet_pton(AF_INET6, "2001:db8:2::1", &A6[0][0]);
    inet_pton(AF_INET6, "2001:db8:2::2", &A6[0][1]);
    inet_pton(AF_INET6, "2001:db8:9::9", &A6[0][2]);
    A6[1][0] = mapped("198.51.100.1");
    A6[1][1] = mapped("198.51.100.2");
    A6[1][2] = mapped("192.0.2.9");
    sim_run_for(W, 1 * SEC);
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
    if (!W)
        world_setup();
    if (n > REC * MAX_RECS)
        return 0;
    for (size_t off = 0; off + REC <= n; off += REC) {
        const uint8_t *r = d + off;
        switch (r[0] % 8) {
        case 0: op_sa(SADB_ADD, r); break;
        case 1: op_sa(SADB_UPDATE, r); break;
        case 2: op_sa(SADB_DELETE, r); break;
        case 3: op_sa(SADB_GETSPI, r); break;
        case 4: op_sp(SADB_X_SPDADD, r); break;
        case 5: op_sp(SADB_X_SPDDELETE, r); break;
        case 6: op_flush(r); break;
        case 7: (r[1] & 0x80) ? op_packet_out(r) : op_packet_in(r); break;
        }
        check_sad();
    }
    ipsec_sa_flush(V, 0);
    ipsec_sp_flush(V);
    CHECK(ipsec_sa_count(V) == 0 && ipsec_sp_count(V) == 0);
    drain_socket();
    sim_run_for(W, 1 * MS);
    return 0;
}
