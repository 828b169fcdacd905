/* The PF_KEY server: messages built with the pfkey builder go in, the
 * SAD/SPD and the replies are checked: ADD/GET round trip with keys, the
 * dumps and their sequence numbers, GETSPI ranges and larval expiry, every
 * kind of refusal (and that it changed nothing), batches as transactions,
 * and REGISTER → ACQUIRE / EXPIRE from a simulated stack's traffic. */
#include <errno.h>
#include <arpa/inet.h>
#include "../lib/t.h"
#include "../lib/simstack.h"
#include "ctl/scene.h"
#include "link/sim.h"
#include "net/stack.h"
#include "ipsec/ipsec.h"
#include "ipsec/pfkey_srv.h"
#include "six/socket.h"
#include "wire/ip6.h"

#define SEC 1000000000ull
#define MAX_REPLIES 64

static struct sim_world *W;
static struct six_stack *ST;
static struct pfkey_srv *SRV;
static struct pfkey_client CL;

/* ---- what the server says ---- */

struct got { size_t n; size_t len[MAX_REPLIES]; uint8_t msg[MAX_REPLIES][PFKEY_SRV_MSG_MAX]; };
static struct got R;      /* replies */
static struct got EV;     /* asynchronous messages */
static uint8_t EV_SATYPE;

static void keep(struct got *g, const uint8_t *msg, size_t len)
{
    if (g->n < MAX_REPLIES && len <= PFKEY_SRV_MSG_MAX) {
        memcpy(g->msg[g->n], msg, len);
        g->len[g->n++] = len;
    }
}

static void on_reply(void *ctx, const uint8_t *msg, size_t len) { keep(ctx, msg, len); }

static void on_event(void *ctx, uint8_t satype, const uint8_t *msg, size_t len)
{
    EV_SATYPE = satype;
    keep(ctx, msg, len);
}

static bool reply(size_t i, struct pfkey_msg *m)
{
    return i < R.n && pfkey_parse(R.msg[i], R.len[i], m) == WR_OK;
}

/* ---- building requests ---- */

static uint8_t BUF[4096];
static struct pfkey_builder B;
static uint32_t SEQ;

static void begin(uint8_t type, uint8_t satype)
{
    struct pfkey_hdr h = { .version = PF_KEY_V2, .type = type, .satype = satype, .seq = ++SEQ, .pid = 4242 };
    pfkey_build_init(&B, BUF, sizeof BUF, &h);
}

static struct pfkey_address ad(const char *s, uint8_t plen, uint8_t proto, uint16_t port)
{
    struct pfkey_address a = { .proto = proto, .prefixlen = plen };
    if (strchr(s, ':')) {
        a.addr.sin6.sin6_family = AF_INET6;
        a.addr.sin6.sin6_port = htons(port);
        inet_pton(AF_INET6, s, &a.addr.sin6.sin6_addr);
    } else {
        a.addr.sin.sin_family = AF_INET;
        a.addr.sin.sin_port = htons(port);
        inet_pton(AF_INET, s, &a.addr.sin.sin_addr);
    }
    return a;
}

static void addrs(const char *src, const char *dst)
{
    unsigned full = strchr(src, ':') ? 128 : 32;
    struct pfkey_address s = ad(src, (uint8_t)full, 255, 0), d = ad(dst, (uint8_t)full, 255, 0);
    pfkey_add_address(&B, SADB_EXT_ADDRESS_SRC, &s);
    pfkey_add_address(&B, SADB_EXT_ADDRESS_DST, &d);
}

static void sa(uint32_t spi, uint8_t enc, uint8_t auth, uint8_t replay, uint32_t flags)
{
    struct pfkey_sa x = { .spi = spi, .replay = replay, .state = SADB_SASTATE_MATURE, .auth = auth,
                          .encrypt = enc, .flags = flags };
    pfkey_add_sa(&B, &x);
}

static void key(unsigned type, const uint8_t *k, size_t n)
{
    pfkey_add_key(&B, type, (uint16_t)(n * 8), 0, k, n);
}

static int send_msg(void)
{
    size_t n = pfkey_build_finish(&B);
    const char *why;
    R.n = 0;
    if (!n)
        return -1;
    return pfkey_srv_handle(SRV, &CL, BUF, n, on_reply, &R, &why);
}

static const uint8_t K_CBC[16] = "0123456789abcdef";
static const uint8_t K_SHA256[32] = "abcdefghijklmnopqrstuvwxyz012345";
static const uint8_t K_GCM[20] = "0123456789abcdefSALT";
static const uint8_t K_CHACHA[36] = "0123456789abcdef0123456789abcdefSALT";

/* ESP AES-GCM-16 transport SA, the plainest ADD. */
static int add_gcm(const char *src, const char *dst, uint32_t spi)
{
    begin(SADB_ADD, SADB_SATYPE_ESP);
    sa(spi, SADB_X_EALG_AESGCM16, SADB_AALG_NONE, 8, 0);
    addrs(src, dst);
    key(SADB_EXT_KEY_ENCRYPT, K_GCM, sizeof K_GCM);
    return send_msg();
}

static void setup(void)
{
    W = sim_world_create(7);
    ST = sim_stack(W, "k", 7, 512);
    memset(&CL, 0, sizeof CL);
    memset(&EV, 0, sizeof EV);
    SRV = pfkey_srv_create(ST, on_event, &EV);
}

static void teardown(void)
{
    pfkey_srv_destroy(SRV);
    six_stack_destroy(ST);
    sim_world_destroy(W);
}

static struct in6_addr in6(const char *s)
{
    struct in6_addr a;
    memset(&a, 0, sizeof a);
    if (strchr(s, ':')) {
        inet_pton(AF_INET6, s, &a);
    } else {
        a.s6_addr[10] = a.s6_addr[11] = 0xff;
        inet_pton(AF_INET, s, &a.s6_addr[12]);
    }
    return a;
}

/* ---- SAs ---- */

TEST(add_then_get_returns_the_sa_with_its_keys)
{
    setup();
    begin(SADB_ADD, SADB_SATYPE_ESP);
    sa(0x1234, SADB_X_EALG_AESCBC, SADB_X_AALG_SHA2_256, 32, SADB_X_SAFLAGS_ESN);
    struct pfkey_sa2 s2 = { .mode = IPSEC_MODE_TUNNEL, .reqid = 7 };
    pfkey_add_sa2(&B, &s2);
    struct pfkey_lifetime hard = { 1000, 1u << 30, 3600, 600 }, soft = { 900, 1u << 29, 3000, 500 };
    pfkey_add_lifetime(&B, SADB_EXT_LIFETIME_HARD, &hard);
    pfkey_add_lifetime(&B, SADB_EXT_LIFETIME_SOFT, &soft);
    addrs("2001:db8::1", "2001:db8::2");
    key(SADB_EXT_KEY_ENCRYPT, K_CBC, sizeof K_CBC);
    key(SADB_EXT_KEY_AUTH, K_SHA256, sizeof K_SHA256);
    T_EQ(send_msg(), 0);
    struct pfkey_msg m;
    T_EQ(R.n, 1);
    T_CHECK(reply(0, &m));
    T_EQ(m.hdr.type, SADB_ADD);
    T_EQ(m.hdr.err, 0);
    T_EQ(m.hdr.seq, SEQ);
    T_EQ(m.hdr.pid, 4242);
    T_CHECK(m.ext[SADB_EXT_SA] && m.ext[SADB_X_EXT_SA2] && m.ext[SADB_EXT_LIFETIME_HARD]);
    T_CHECK(!m.ext[SADB_EXT_KEY_AUTH] && !m.ext[SADB_EXT_KEY_ENCRYPT]);   /* the reply drops the keys */

    struct in6_addr dst = in6("2001:db8::2");
    const struct ipsec_sa *s = ipsec_sa_find(ST, IPSEC_PROTO_ESP, &dst, 0x1234);
    T_CHECK(s != NULL);
    if (s) {
        T_CHECK(s->esn);
        T_EQ(s->replay.size, 256);
        T_EQ(s->mode, IPSEC_MODE_TUNNEL);
        T_EQ(s->reqid, 7);
        T_EQ(s->hard.packets, 1000);
        T_EQ(s->soft.add_s, 3000);
        T_EQ(s->x.ealg, IPSEC_EALG_AES_CBC);
        T_EQ(s->x.aalg, IPSEC_AALG_HMAC_SHA256_128);
    }

    begin(SADB_GET, SADB_SATYPE_ESP);
    sa(0x1234, 0, 0, 0, 0);
    addrs("2001:db8::1", "2001:db8::2");
    T_EQ(send_msg(), 0);
    T_CHECK(reply(0, &m));
    T_EQ(m.hdr.type, SADB_GET);
    T_EQ(m.sa.spi, 0x1234);
    T_EQ(m.sa.encrypt, SADB_X_EALG_AESCBC);
    T_EQ(m.sa.auth, SADB_X_AALG_SHA2_256);
    T_EQ(m.sa.replay, 32);
    T_EQ(m.sa.state, SADB_SASTATE_MATURE);
    T_EQ(m.sa.flags, SADB_X_SAFLAGS_ESN);
    T_EQ(m.sa2.mode, IPSEC_MODE_TUNNEL);
    T_EQ(m.sa2.reqid, 7);
    T_EQ(m.lft_hard.allocations, 1000);
    T_EQ(m.lft_hard.bytes, 1u << 30);
    T_EQ(m.lft_hard.addtime, 3600);
    T_EQ(m.lft_soft.usetime, 500);
    T_CHECK(m.ext[SADB_EXT_LIFETIME_CURRENT] != NULL);
    T_EQ(m.key_encrypt.bits, 128);
    T_EQ(m.key_auth.bits, 256);
    if (m.ext[SADB_EXT_KEY_ENCRYPT] && m.ext[SADB_EXT_KEY_AUTH]) {
        T_MEMEQ(m.key_encrypt.data, K_CBC, sizeof K_CBC);
        T_MEMEQ(m.key_auth.data, K_SHA256, sizeof K_SHA256);
    }
    struct in6_addr got = m.dst.addr.sin6.sin6_addr;
    T_CHECK(in6_eq(&got, &dst));
    T_EQ(m.dst.prefixlen, 128);
    teardown();
}

TEST(aead_large_replay_window_and_natt)
{
    setup();
    begin(SADB_ADD, SADB_SATYPE_ESP);
    sa(0x5001, SADB_X_EALG_AESGCM16, SADB_AALG_NONE, 255, 0);
    pfkey_add_sa_replay(&B, 4096);
    struct pfkey_natt_type t = { .type = PFKEY_NATT_ESPINUDP };
    struct pfkey_natt_port sp = { .port = 4500 }, dp = { .port = 30000 };
    pfkey_add_natt_type(&B, &t);
    pfkey_add_natt_port(&B, SADB_X_EXT_NAT_T_SPORT, &sp);
    pfkey_add_natt_port(&B, SADB_X_EXT_NAT_T_DPORT, &dp);
    addrs("192.0.2.1", "198.51.100.1");
    key(SADB_EXT_KEY_ENCRYPT, K_GCM, sizeof K_GCM);
    T_EQ(send_msg(), 0);
    struct in6_addr dst = in6("198.51.100.1");
    const struct ipsec_sa *s = ipsec_sa_find(ST, IPSEC_PROTO_ESP, &dst, 0x5001);
    T_CHECK(s && s->natt && s->natt_sport == 4500 && s->natt_dport == 30000 && s->replay.size == 4096);

    begin(SADB_GET, SADB_SATYPE_ESP);
    sa(0x5001, 0, 0, 0, 0);
    addrs("192.0.2.1", "198.51.100.1");
    T_EQ(send_msg(), 0);
    struct pfkey_msg m;
    T_CHECK(reply(0, &m));
    T_EQ(m.sa.replay, 255);
    T_EQ(m.sa_replay, 4096);
    T_EQ(m.natt_type.type, PFKEY_NATT_ESPINUDP);
    T_EQ(m.natt_sport.port, 4500);
    T_EQ(m.natt_dport.port, 30000);
    T_EQ(m.src.addr.sa.sa_family, AF_INET);
    T_EQ(m.src.prefixlen, 32);
    T_EQ(m.key_encrypt.bits, 160);

    /* ChaCha20-Poly1305: FreeBSD 15's number, with the integrity number
     * FreeBSD's kernel fills in itself */
    begin(SADB_ADD, SADB_SATYPE_ESP);
    sa(0x5002, SADB_X_EALG_CHACHA20POLY1305, SADB_X_AALG_CHACHA20POLY1305, 8, 0);
    addrs("192.0.2.1", "198.51.100.1");
    key(SADB_EXT_KEY_ENCRYPT, K_CHACHA, sizeof K_CHACHA);
    T_EQ(send_msg(), 0);
    s = ipsec_sa_find(ST, IPSEC_PROTO_ESP, &dst, 0x5002);
    T_CHECK(s && s->x.ealg == IPSEC_EALG_CHACHA20_POLY1305);
    teardown();
}

/* A refused request: one 16-byte reply with errno and the request's seq. */
static void expect_error(int err)
{
    uint32_t seq = SEQ;
    T_EQ(send_msg(), err);
    T_EQ(R.n, 1);
    if (R.n == 1) {
        T_EQ(R.len[0], 16);
        T_EQ(R.msg[0][2], err);
        uint32_t s;
        memcpy(&s, R.msg[0] + 8, 4);
        T_EQ(s, seq);
    }
}

TEST(refusals_change_nothing)
{
    setup();
    T_EQ(add_gcm("2001:db8::1", "2001:db8::2", 0x100), 0);
    T_EQ(add_gcm("2001:db8::1", "2001:db8::2", 0x100), EEXIST);
    expect_error(EEXIST);

    begin(SADB_DELETE, SADB_SATYPE_ESP);
    sa(0x999, 0, 0, 0, 0);
    addrs("2001:db8::1", "2001:db8::2");
    expect_error(ESRCH);

    begin(SADB_ADD, SADB_SATYPE_ESP);   /* 3DES */
    sa(0x101, 3, SADB_AALG_SHA1HMAC, 8, 0);
    addrs("2001:db8::1", "2001:db8::2");
    expect_error(EINVAL);

    begin(SADB_ADD, SADB_SATYPE_ESP);   /* HMAC-MD5 */
    sa(0x101, SADB_X_EALG_AESCBC, SADB_AALG_MD5HMAC, 8, 0);
    addrs("2001:db8::1", "2001:db8::2");
    key(SADB_EXT_KEY_ENCRYPT, K_CBC, sizeof K_CBC);
    expect_error(EINVAL);

    begin(SADB_ADD, SADB_SATYPE_ESP);   /* AEAD with a separate integrity algorithm */
    sa(0x101, SADB_X_EALG_AESGCM16, SADB_X_AALG_SHA2_256, 8, 0);
    addrs("2001:db8::1", "2001:db8::2");
    key(SADB_EXT_KEY_ENCRYPT, K_GCM, sizeof K_GCM);
    expect_error(EINVAL);

    begin(SADB_ADD, SADB_SATYPE_ESP);   /* wrong key length for AES-GCM */
    sa(0x101, SADB_X_EALG_AESGCM16, 0, 8, 0);
    addrs("2001:db8::1", "2001:db8::2");
    key(SADB_EXT_KEY_ENCRYPT, K_CBC, sizeof K_CBC);
    expect_error(EINVAL);

    begin(SADB_ADD, SADB_SATYPE_ESP);   /* no SA extension */
    addrs("2001:db8::1", "2001:db8::2");
    expect_error(EINVAL);

    begin(SADB_ADD, SADB_SATYPE_ESP);   /* one family only */
    sa(0x101, SADB_X_EALG_AESGCM16, 0, 8, 0);
    addrs("2001:db8::1", "192.0.2.1");
    key(SADB_EXT_KEY_ENCRYPT, K_GCM, sizeof K_GCM);
    expect_error(EINVAL);

    begin(SADB_ADD, SADB_SATYPE_ESP);   /* an extension ADD does not take */
    sa(0x101, SADB_X_EALG_AESGCM16, 0, 8, 0);
    addrs("2001:db8::1", "2001:db8::2");
    key(SADB_EXT_KEY_ENCRYPT, K_GCM, sizeof K_GCM);
    struct pfkey_spirange rg = { 256, 1000, 0 };
    pfkey_add_spirange(&B, &rg);
    expect_error(EINVAL);

    begin(SADB_ADD, SADB_SATYPE_ESP);   /* reserved SPI */
    sa(0x10, SADB_X_EALG_AESGCM16, 0, 8, 0);
    addrs("2001:db8::1", "2001:db8::2");
    key(SADB_EXT_KEY_ENCRYPT, K_GCM, sizeof K_GCM);
    expect_error(EINVAL);

    begin(SADB_ADD, SADB_SATYPE_ESP);   /* replay window beyond the SAD's */
    sa(0x101, SADB_X_EALG_AESGCM16, 0, 255, 0);
    pfkey_add_sa_replay(&B, 1u << 20);
    addrs("2001:db8::1", "2001:db8::2");
    key(SADB_EXT_KEY_ENCRYPT, K_GCM, sizeof K_GCM);
    expect_error(EINVAL);

    begin(SADB_ADD, SADB_SATYPE_AH);    /* AH has no cipher */
    sa(0x101, SADB_X_EALG_AESCBC, SADB_AALG_SHA1HMAC, 8, 0);
    addrs("2001:db8::1", "2001:db8::2");
    key(SADB_EXT_KEY_AUTH, K_SHA256, 20);
    expect_error(EINVAL);

    begin(SADB_ADD, SADB_SATYPE_ESP);   /* a key extension longer than its bits */
    sa(0x101, SADB_X_EALG_AESGCM16, 0, 8, 0);
    addrs("2001:db8::1", "2001:db8::2");
    pfkey_add_key(&B, SADB_EXT_KEY_ENCRYPT, 160, 0, K_CHACHA, sizeof K_CHACHA);
    expect_error(EINVAL);

    begin(SADB_EXPIRE, SADB_SATYPE_ESP);   /* the kernel's message */
    expect_error(EINVAL);
    begin(SADB_X_PROMISC, 0);
    expect_error(EOPNOTSUPP);
    begin(SADB_REGISTER, SADB_X_SATYPE_IPCOMP);
    expect_error(EINVAL);

    T_EQ(ipsec_sa_count(ST), 1);
    T_EQ(ipsec_sp_count(ST), 0);
    teardown();
}

/* Lengths that do not add up: EINVAL, counted, never a crash. */
TEST(lying_lengths)
{
    setup();
    begin(SADB_FLUSH, SADB_SATYPE_UNSPEC);
    size_t n = pfkey_build_finish(&B);
    const char *why;
    uint16_t units = 10;                 /* claims 80 bytes, carries 16 */
    memcpy(BUF + 4, &units, 2);
    R.n = 0;
    T_EQ(pfkey_srv_handle(SRV, &CL, BUF, n, on_reply, &R, &why), EINVAL);
    T_EQ(R.n, 1);
    T_EQ(R.msg[0][2], EINVAL);
    T_EQ(ST->ctr.wire[WP_pfkey][WR_BAD_LENGTH], 1);

    add_gcm("2001:db8::1", "2001:db8::2", 0x300);   /* (builds in BUF) */
    begin(SADB_ADD, SADB_SATYPE_ESP);
    sa(0x301, SADB_X_EALG_AESGCM16, 0, 8, 0);
    addrs("2001:db8::1", "2001:db8::2");
    key(SADB_EXT_KEY_ENCRYPT, K_GCM, sizeof K_GCM);
    n = pfkey_build_finish(&B);
    units = 0xffff;                       /* an extension running past the end */
    memcpy(BUF + 16, &units, 2);
    R.n = 0;
    T_EQ(pfkey_srv_handle(SRV, &CL, BUF, n, on_reply, &R, &why), EINVAL);
    T_EQ(ST->ctr.wire[WP_pfkey][WR_BAD_EXT_LEN], 1);
    R.n = 0;
    T_EQ(pfkey_srv_handle(SRV, &CL, BUF, 7, on_reply, &R, &why), EINVAL);   /* not even a header */
    T_EQ(R.n, 1);
    T_EQ(ipsec_sa_count(ST), 1);
    T_CHECK(pfkey_srv_stats(SRV)->parse_errors == 3);

    /* every truncation and every byte flip of a good ADD: a reply each time */
    begin(SADB_ADD, SADB_SATYPE_ESP);
    sa(0x302, SADB_X_EALG_AESCBC, SADB_X_AALG_SHA2_256, 8, 0);
    addrs("2001:db8::1", "2001:db8::2");
    key(SADB_EXT_KEY_ENCRYPT, K_CBC, sizeof K_CBC);
    key(SADB_EXT_KEY_AUTH, K_SHA256, sizeof K_SHA256);
    n = pfkey_build_finish(&B);
    uint8_t good[512], bad[512];
    memcpy(good, BUF, n);
    for (size_t cut = 0; cut < n; cut++) {
        R.n = 0;
        memcpy(bad, good, cut);
        (void)pfkey_srv_handle(SRV, &CL, bad, cut, on_reply, &R, &why);
        T_EQ(R.n, 1);
    }
    for (size_t i = 0; i < n; i++)
        for (unsigned v = 0; v < 256; v += 37) {
            memcpy(bad, good, n);
            bad[i] ^= (uint8_t)(v | 1);
            R.n = 0;
            int rc = pfkey_srv_handle(SRV, &CL, bad, n, on_reply, &R, &why);
            T_CHECK(R.n == 1 || (rc == 0 && R.n <= 1));
            ipsec_sa_flush(ST, 0);
            ipsec_sp_flush(ST);
        }
    teardown();
}

TEST(dump_counts_down_to_zero)
{
    setup();
    begin(SADB_DUMP, SADB_SATYPE_UNSPEC);
    expect_error(ENOENT);   /* RFC 2367: nothing to dump */
    T_EQ(add_gcm("2001:db8::1", "2001:db8::2", 0x201), 0);
    T_EQ(add_gcm("2001:db8::2", "2001:db8::1", 0x202), 0);
    T_EQ(add_gcm("192.0.2.1", "192.0.2.2", 0x203), 0);
    begin(SADB_DUMP, SADB_SATYPE_ESP);
    T_EQ(send_msg(), 0);
    T_EQ(R.n, 3);
    for (size_t i = 0; i < R.n; i++) {
        struct pfkey_msg m;
        T_CHECK(reply(i, &m));
        T_EQ(m.hdr.type, SADB_DUMP);
        T_EQ(m.hdr.seq, 2 - i);
        T_EQ(m.hdr.pid, 4242);
        T_EQ(m.sa.spi, 0x201 + i);
        T_CHECK(m.ext[SADB_EXT_KEY_ENCRYPT] != NULL);
    }
    begin(SADB_FLUSH, SADB_SATYPE_ESP);
    T_EQ(send_msg(), 0);
    T_EQ(ipsec_sa_count(ST), 0);
    teardown();
}

static int getspi(const char *src, const char *dst, uint32_t lo, uint32_t hi, uint32_t *spi)
{
    begin(SADB_GETSPI, SADB_SATYPE_ESP);
    struct pfkey_sa2 s2 = { .mode = IPSEC_MODE_TRANSPORT, .reqid = 3 };
    pfkey_add_sa2(&B, &s2);
    addrs(src, dst);
    struct pfkey_spirange rg = { lo, hi, 0 };
    pfkey_add_spirange(&B, &rg);
    int rc = send_msg();
    struct pfkey_msg m;
    *spi = rc == 0 && reply(0, &m) && m.ext[SADB_EXT_SA] ? m.sa.spi : 0;
    return rc;
}

TEST(getspi_reserves_in_range_and_update_matures)
{
    setup();
    uint32_t spi;
    T_EQ(getspi("2001:db8::1", "2001:db8::2", 0x1000, 0x1000, &spi), 0);
    T_EQ(spi, 0x1000);
    T_EQ(getspi("2001:db8::1", "2001:db8::2", 0x1000, 0x1000, &spi), EEXIST);
    T_EQ(getspi("2001:db8::1", "2001:db8::2", 10, 200, &spi), EINVAL);   /* all reserved */
    for (int i = 0; i < 50; i++) {
        T_EQ(getspi("2001:db8::1", "2001:db8::2", 0x2000, 0x2031, &spi), 0);
        T_CHECK(spi >= 0x2000 && spi <= 0x2031);
    }
    T_EQ(getspi("2001:db8::1", "2001:db8::2", 0x2000, 0x2031, &spi), EEXIST);   /* range full */
    T_EQ(ipsec_sa_count(ST), 51);
    struct in6_addr dst = in6("2001:db8::2");
    const struct ipsec_sa *s = ipsec_sa_find(ST, IPSEC_PROTO_ESP, &dst, 0x1000);
    T_CHECK(s && s->state == IPSEC_SA_LARVAL && s->reqid == 3 && s->mode == IPSEC_MODE_TRANSPORT);

    begin(SADB_UPDATE, SADB_SATYPE_ESP);   /* another source: refused */
    sa(0x1000, SADB_X_EALG_AESGCM16, 0, 8, 0);
    addrs("2001:db8::9", "2001:db8::2");
    key(SADB_EXT_KEY_ENCRYPT, K_GCM, sizeof K_GCM);
    expect_error(EINVAL);
    begin(SADB_UPDATE, SADB_SATYPE_ESP);   /* no such SA */
    sa(0x9999, SADB_X_EALG_AESGCM16, 0, 8, 0);
    addrs("2001:db8::1", "2001:db8::2");
    key(SADB_EXT_KEY_ENCRYPT, K_GCM, sizeof K_GCM);
    expect_error(ESRCH);
    begin(SADB_UPDATE, SADB_SATYPE_ESP);
    sa(0x1000, SADB_X_EALG_AESGCM16, 0, 8, 0);
    struct pfkey_sa2 s2 = { .mode = IPSEC_MODE_TRANSPORT, .reqid = 3 };
    pfkey_add_sa2(&B, &s2);
    addrs("2001:db8::1", "2001:db8::2");
    key(SADB_EXT_KEY_ENCRYPT, K_GCM, sizeof K_GCM);
    T_EQ(send_msg(), 0);
    s = ipsec_sa_find(ST, IPSEC_PROTO_ESP, &dst, 0x1000);
    T_CHECK(s && s->state == IPSEC_SA_MATURE && s->x.ealg == IPSEC_EALG_AES_GCM16);

    /* the others stay larval for 30 s, then go without an EXPIRE */
    sim_run_for(W, 20 * SEC);
    T_EQ(ipsec_sa_count(ST), 51);
    sim_run_for(W, 12 * SEC);
    T_EQ(ipsec_sa_count(ST), 1);
    T_EQ(EV.n, 0);
    teardown();
}

/* ---- policies ---- */

static struct pfkey_policy tunnel_out(void)
{
    struct pfkey_policy p;
    memset(&p, 0, sizeof p);
    p.type = IPSEC_ACT_IPSEC;
    p.dir = IPSEC_DIR_OUT;
    p.priority = PFKEY_PRIO_BASE + 10;
    p.nreq = 1;
    p.req[0] = (struct pfkey_ipsecreq){ .proto = IPPROTO_ESP, .mode = IPSEC_MODE_TUNNEL,
                                        .level = IPSEC_LEVEL_UNIQUE, .reqid = 101, .has_addrs = true };
    p.req[0].src = ad("192.0.2.1", 0, 0, 0).addr;
    p.req[0].dst = ad("198.51.100.1", 0, 0, 0).addr;
    return p;
}

static int spd(uint8_t type, const char *src, uint8_t splen, const char *dst, uint8_t dplen, uint8_t ul,
               uint16_t sport, uint16_t dport, const struct pfkey_policy *pol)
{
    begin(type, SADB_SATYPE_UNSPEC);
    struct pfkey_address s = ad(src, splen, ul, sport), d = ad(dst, dplen, ul, dport);
    pfkey_add_address(&B, SADB_EXT_ADDRESS_SRC, &s);
    pfkey_add_address(&B, SADB_EXT_ADDRESS_DST, &d);
    pfkey_add_policy(&B, pol);
    return send_msg();
}

TEST(spdadd_spddump_spdget_spddelete)
{
    setup();
    struct pfkey_policy out = tunnel_out(), none = { .type = IPSEC_ACT_NONE, .dir = IPSEC_DIR_IN,
                                                     .priority = PFKEY_PRIO_BASE };
    begin(SADB_X_SPDDUMP, 0);
    expect_error(ENOENT);
    T_EQ(spd(SADB_X_SPDADD, "2001:db8:1::", 48, "2001:db8:2::", 48, 255, 0, 0, &out), 0);
    struct pfkey_msg m;
    T_CHECK(reply(0, &m));
    uint32_t id = m.policy.id;
    T_CHECK(id != 0);
    T_EQ(spd(SADB_X_SPDADD, "::", 0, "::", 0, IPPROTO_ICMPV6, 135, 0, &none), 0);
    T_EQ(spd(SADB_X_SPDADD, "::", 0, "::", 0, IPPROTO_ICMPV6, 135, 0, &none), EEXIST);
    T_EQ(ipsec_sp_count(ST), 2);

    begin(SADB_X_SPDDUMP, 0);
    T_EQ(send_msg(), 0);
    T_EQ(R.n, 2);
    bool seen_tunnel = false, seen_icmp = false;
    for (size_t i = 0; i < R.n; i++) {
        T_CHECK(reply(i, &m));
        T_EQ(m.hdr.seq, 1 - i);
        if (m.policy.type == IPSEC_ACT_IPSEC) {
            seen_tunnel = m.policy.id == id && m.src.prefixlen == 48 && m.policy.nreq == 1 &&
                          m.policy.req[0].reqid == 101 && m.policy.req[0].level == IPSEC_LEVEL_UNIQUE &&
                          m.policy.priority == PFKEY_PRIO_BASE + 10 &&
                          m.policy.req[0].dst.sa.sa_family == AF_INET;
        } else {
            seen_icmp = m.src.proto == IPPROTO_ICMPV6 && ntohs(m.src.addr.sin6.sin6_port) == 135 &&
                        m.dst.addr.sin6.sin6_port == 0 && m.policy.dir == IPSEC_DIR_IN;
        }
    }
    T_CHECK(seen_tunnel && seen_icmp);
    struct in6_addr a = in6("2001:db8:1::5"), b = in6("2001:db8:2::5");
    struct ipsec_sel k = { .family = AF_INET6, .src = a, .dst = b, .splen = 128, .dplen = 128, .ulproto = 17 };
    const struct ipsec_sp *p = ipsec_sp_peek(ST, IPSEC_DIR_OUT, &k);
    T_CHECK(p && p->priority == 10 && p->req[0].mode == IPSEC_MODE_TUNNEL);

    /* SPDUPDATE replaces (the id stays) or adds */
    out.req[0].level = IPSEC_LEVEL_REQUIRE;
    T_EQ(spd(SADB_X_SPDUPDATE, "2001:db8:1::", 48, "2001:db8:2::", 48, 255, 0, 0, &out), 0);
    T_CHECK(reply(0, &m) && m.policy.id == id);
    T_EQ(spd(SADB_X_SPDUPDATE, "2001:db8:3::", 48, "2001:db8:2::", 48, 255, 0, 0, &out), 0);
    T_EQ(ipsec_sp_count(ST), 3);

    struct pfkey_policy byid = { .type = IPSEC_ACT_DISCARD, .id = id };
    begin(SADB_X_SPDGET, 0);
    pfkey_add_policy(&B, &byid);
    T_EQ(send_msg(), 0);
    T_CHECK(reply(0, &m) && m.policy.id == id && m.policy.req[0].level == IPSEC_LEVEL_REQUIRE);
    begin(SADB_X_SPDDELETE2, 0);
    pfkey_add_policy(&B, &byid);
    T_EQ(send_msg(), 0);
    begin(SADB_X_SPDDELETE2, 0);
    pfkey_add_policy(&B, &byid);
    expect_error(ENOENT);

    struct pfkey_policy del = { .type = IPSEC_ACT_DISCARD, .dir = IPSEC_DIR_IN };
    T_EQ(spd(SADB_X_SPDDELETE, "::", 0, "::", 0, IPPROTO_ICMPV6, 135, 0, &del), 0);
    T_EQ(spd(SADB_X_SPDDELETE, "::", 0, "::", 0, IPPROTO_ICMPV6, 135, 0, &del), ESRCH);
    T_EQ(ipsec_sp_count(ST), 1);
    /* refusals */
    struct pfkey_policy ipcomp = out;
    ipcomp.req[0].proto = PFKEY_PROTO_IPCOMP;
    T_EQ(spd(SADB_X_SPDADD, "2001:db8:4::", 48, "2001:db8:2::", 48, 255, 0, 0, &ipcomp), EOPNOTSUPP);
    T_EQ(spd(SADB_X_SPDADD, "2001:db8:4::", 48, "192.0.2.0", 24, 255, 0, 0, &out), EINVAL);
    struct pfkey_policy anydir = none;
    anydir.dir = IPSEC_DIR_ANY;
    T_EQ(spd(SADB_X_SPDADD, "2001:db8:4::", 48, "2001:db8:2::", 48, 255, 0, 0, &anydir), EINVAL);
    T_EQ(ipsec_sp_count(ST), 1);
    begin(SADB_X_SPDFLUSH, 0);
    T_EQ(send_msg(), 0);
    T_EQ(ipsec_sp_count(ST), 0);
    teardown();
}

/* ---- batches ---- */

struct held { uint8_t buf[8][512]; struct pfkey_srv_msg v[8]; size_t n; };

static void hold(struct held *h)
{
    size_t n = pfkey_build_finish(&B);
    memcpy(h->buf[h->n], BUF, n);
    h->v[h->n] = (struct pfkey_srv_msg){ h->buf[h->n], n };
    h->n++;
}

static void hold_gcm(struct held *h, const char *src, const char *dst, uint32_t spi)
{
    begin(SADB_ADD, SADB_SATYPE_ESP);
    sa(spi, SADB_X_EALG_AESGCM16, SADB_AALG_NONE, 8, 0);
    addrs(src, dst);
    key(SADB_EXT_KEY_ENCRYPT, K_GCM, sizeof K_GCM);
    hold(h);
}

TEST(batch_is_all_or_nothing)
{
    setup();
    T_EQ(add_gcm("2001:db8::1", "2001:db8::2", 0x700), 0);
    struct held h = { .n = 0 };
    struct pfkey_policy out = tunnel_out();
    begin(SADB_DELETE, SADB_SATYPE_ESP);   /* removes the existing SA... */
    sa(0x700, 0, 0, 0, 0);
    addrs("2001:db8::1", "2001:db8::2");
    hold(&h);
    hold_gcm(&h, "2001:db8::1", "2001:db8::3", 0x701);
    begin(SADB_X_SPDADD, 0);
    struct pfkey_address s = ad("2001:db8:1::", 48, 255, 0), d = ad("2001:db8:2::", 48, 255, 0);
    pfkey_add_address(&B, SADB_EXT_ADDRESS_SRC, &s);
    pfkey_add_address(&B, SADB_EXT_ADDRESS_DST, &d);
    pfkey_add_policy(&B, &out);
    hold(&h);
    begin(SADB_REGISTER, SADB_SATYPE_ESP);
    hold(&h);
    hold_gcm(&h, "2001:db8::1", "2001:db8::3", 0x701);   /* ...then a duplicate: all undone */
    size_t failed = 99;
    const char *why;
    R.n = 0;
    T_EQ(pfkey_srv_batch(SRV, &CL, h.v, h.n, on_reply, &R, &failed, &why), EEXIST);
    T_EQ(failed, 4);
    T_EQ(R.n, 1);
    T_EQ(R.msg[0][2], EEXIST);
    T_EQ(ipsec_sa_count(ST), 1);
    struct in6_addr dst = in6("2001:db8::2");
    T_CHECK(ipsec_sa_find(ST, IPSEC_PROTO_ESP, &dst, 0x700) != NULL);
    T_EQ(ipsec_sp_count(ST), 0);
    T_EQ(CL.registered, 0);

    h.n = 4;   /* without the duplicate: applied, every reply in order */
    R.n = 0;
    T_EQ(pfkey_srv_batch(SRV, &CL, h.v, h.n, on_reply, &R, &failed, &why), 0);
    T_EQ(R.n, 4);
    struct pfkey_msg m;
    T_CHECK(reply(0, &m) && m.hdr.type == SADB_DELETE);
    T_CHECK(reply(3, &m) && m.hdr.type == SADB_REGISTER);
    T_EQ(ipsec_sa_count(ST), 1);
    T_EQ(ipsec_sp_count(ST), 1);
    T_EQ(CL.registered, 1u << SADB_SATYPE_ESP);
    teardown();
}

/* An undone batch puts a deleted policy back in its place: among equal
 * priorities the first added still matches first. */
TEST(undone_batch_keeps_policy_order)
{
    setup();
    struct pfkey_policy discard = { .type = IPSEC_ACT_DISCARD, .dir = IPSEC_DIR_OUT, .priority = PFKEY_PRIO_BASE };
    struct pfkey_policy bypass = { .type = IPSEC_ACT_BYPASS, .dir = IPSEC_DIR_OUT, .priority = PFKEY_PRIO_BASE };
    T_EQ(spd(SADB_X_SPDADD, "2001:db8::", 32, "2001:db8::", 32, 255, 0, 0, &discard), 0);
    T_EQ(spd(SADB_X_SPDADD, "::", 0, "::", 0, 255, 0, 0, &bypass), 0);
    T_EQ(add_gcm("2001:db8::1", "2001:db8::2", 0x800), 0);
    struct held h = { .n = 0 };
    begin(SADB_X_SPDDELETE, 0);
    struct pfkey_address s = ad("2001:db8::", 32, 255, 0), d = ad("2001:db8::", 32, 255, 0);
    pfkey_add_address(&B, SADB_EXT_ADDRESS_SRC, &s);
    pfkey_add_address(&B, SADB_EXT_ADDRESS_DST, &d);
    pfkey_add_policy(&B, &discard);
    hold(&h);
    hold_gcm(&h, "2001:db8::1", "2001:db8::2", 0x800);   /* exists: the batch is undone */
    size_t failed;
    const char *why;
    T_EQ(pfkey_srv_batch(SRV, &CL, h.v, h.n, on_reply, &R, &failed, &why), EEXIST);
    struct ipsec_sel k = { .family = AF_INET6, .src = in6("2001:db8::1"), .dst = in6("2001:db8::2"),
                           .splen = 128, .dplen = 128, .ulproto = 17 };
    const struct ipsec_sp *p = ipsec_sp_peek(ST, IPSEC_DIR_OUT, &k);
    T_CHECK(p && p->action == IPSEC_ACT_DISCARD);
    teardown();
}

/* ---- REGISTER, then the stack asks for an SA ---- */

static bool udp_send(struct six_stack *s, const char *to, uint16_t port)
{
    struct sockaddr_in6 d = { .sin6_family = AF_INET6, .sin6_port = htons(port) };
    inet_pton(AF_INET6, to, &d.sin6_addr);
    int fd = six_socket(s, AF_INET6, SOCK_DGRAM, 0);
    if (fd < 0)
        return false;
    ssize_t n = six_sendto(s, fd, "x", 1, 0, (struct sockaddr *)&d, sizeof d);
    six_close(s, fd);
    return n == 1 || n < 0;   /* the packet was tried; dropped for want of an SA */
}

TEST(register_then_acquire_and_expire)
{
    setup();
    struct six_stack *peer = sim_stack(W, "p", 8, 512);
    struct sim_link_params lp = { .delay_ns = 1000000 };
    struct sim_link *l = sim_link_create(W, "l", &lp);
    sim_attach(l, ST, "eth0", NULL);
    sim_attach(l, peer, "eth0", NULL);
    scene_cmd(ST, NULL, "link set eth0 up");
    scene_cmd(peer, NULL, "link set eth0 up");
    scene_cmd(ST, NULL, "addr add 2001:db8:1::a/64 dev eth0");
    scene_cmd(peer, NULL, "addr add 2001:db8:1::b/64 dev eth0");
    sim_run_for(W, 3 * SEC);

    begin(SADB_REGISTER, SADB_SATYPE_ESP);
    T_EQ(send_msg(), 0);
    struct pfkey_msg m;
    T_CHECK(reply(0, &m) && m.ext[SADB_EXT_SUPPORTED_ENCRYPT] && m.ext[SADB_EXT_SUPPORTED_AUTH]);
    bool gcm = false, chacha = false, sha256 = false;
    for (size_t i = 0; i < m.sup_encrypt.nalg; i++) {
        struct pfkey_alg a;
        pfkey_alg_get(&m.sup_encrypt, i, &a);
        gcm |= a.id == SADB_X_EALG_AESGCM16 && a.maxbits == 288;
        chacha |= a.id == SADB_X_EALG_CHACHA20POLY1305;
    }
    for (size_t i = 0; i < m.sup_auth.nalg; i++) {
        struct pfkey_alg a;
        pfkey_alg_get(&m.sup_auth, i, &a);
        sha256 |= a.id == SADB_X_AALG_SHA2_256 && a.minbits == 256;
    }
    T_CHECK(gcm && chacha && sha256);
    T_EQ(CL.registered, 1u << SADB_SATYPE_ESP);

    struct pfkey_policy out = { .type = IPSEC_ACT_IPSEC, .dir = IPSEC_DIR_OUT, .priority = PFKEY_PRIO_BASE,
                                .nreq = 1 };
    out.req[0] = (struct pfkey_ipsecreq){ .proto = IPPROTO_ESP, .mode = IPSEC_MODE_TRANSPORT,
                                          .level = IPSEC_LEVEL_REQUIRE };
    T_EQ(spd(SADB_X_SPDADD, "2001:db8:1::a", 128, "2001:db8:1::b", 128, IPPROTO_UDP, 0, 0, &out), 0);
    T_CHECK(reply(0, &m));
    uint32_t id = m.policy.id;
    T_CHECK(udp_send(ST, "2001:db8:1::b", 9000));
    sim_run_for(W, 10000000);
    T_EQ(EV.n, 1);
    T_EQ(EV_SATYPE, SADB_SATYPE_ESP);
    T_CHECK(EV.n >= 1 && pfkey_parse(EV.msg[0], EV.len[0], &m) == WR_OK);
    T_EQ(m.hdr.type, SADB_ACQUIRE);
    T_CHECK(m.hdr.seq != 0);
    T_EQ(m.hdr.pid, 0);
    struct in6_addr want = in6("2001:db8:1::b"), got = m.dst.addr.sin6.sin6_addr;
    T_CHECK(in6_eq(&got, &want));
    T_EQ(m.policy.id, id);
    T_EQ(m.sa2.mode, IPSEC_MODE_TRANSPORT);
    T_CHECK(m.ext[SADB_EXT_PROPOSAL] && m.prop.ncomb >= 3);
    struct pfkey_comb c;
    pfkey_comb_get(&m.prop, 0, &c);
    T_EQ(c.encrypt, SADB_X_EALG_AESGCM16);

    /* the key manager answers with an SA that dies soon: soft, then hard EXPIRE */
    begin(SADB_ADD, SADB_SATYPE_ESP);
    sa(0x4242, SADB_X_EALG_AESGCM16, 0, 8, 0);
    struct pfkey_lifetime hard = { 0, 0, 3, 0 }, soft = { 0, 0, 1, 0 };
    pfkey_add_lifetime(&B, SADB_EXT_LIFETIME_HARD, &hard);
    pfkey_add_lifetime(&B, SADB_EXT_LIFETIME_SOFT, &soft);
    addrs("2001:db8:1::a", "2001:db8:1::b");
    key(SADB_EXT_KEY_ENCRYPT, K_GCM, sizeof K_GCM);
    T_EQ(send_msg(), 0);
    sim_run_for(W, 5 * SEC);
    T_EQ(EV.n, 3);
    if (EV.n == 3) {
        T_CHECK(pfkey_parse(EV.msg[1], EV.len[1], &m) == WR_OK && m.hdr.type == SADB_EXPIRE &&
                m.ext[SADB_EXT_LIFETIME_SOFT] && !m.ext[SADB_EXT_LIFETIME_HARD] && m.sa.spi == 0x4242 &&
                !m.ext[SADB_EXT_KEY_ENCRYPT]);
        T_CHECK(pfkey_parse(EV.msg[2], EV.len[2], &m) == WR_OK && m.hdr.type == SADB_EXPIRE &&
                m.ext[SADB_EXT_LIFETIME_HARD] && m.sa.state == SADB_SASTATE_DEAD);
    }
    T_EQ(ipsec_sa_count(ST), 0);
    T_EQ(pfkey_srv_stats(SRV)->acquires, 1);
    T_EQ(pfkey_srv_stats(SRV)->expires, 2);
    six_stack_destroy(peer);
    teardown();
}

int main(void)
{
    RUN(add_then_get_returns_the_sa_with_its_keys);
    RUN(aead_large_replay_window_and_natt);
    RUN(refusals_change_nothing);
    RUN(lying_lengths);
    RUN(dump_counts_down_to_zero);
    RUN(getspi_reserves_in_range_and_update_matures);
    RUN(spdadd_spddump_spdget_spddelete);
    RUN(batch_is_all_or_nothing);
    RUN(undone_batch_keeps_policy_order);
    RUN(register_then_acquire_and_expire);
    return t_done();
}
