/* Per-socket IPsec policy (KAME's IPV6_IPSEC_POLICY / IP_IPSEC_POLICY)
 * between simulated stacks that have ESP SAs but no SPD policy: a TCP
 * listener that accepts only protected connections and whose accepted
 * sockets keep that policy, over IPv6 and IPv4; a connection that ignores
 * plaintext segments; raw ICMPv6 sockets; UDP "out bypass" despite an SPD
 * that requires ESP, "out discard", "out ipsec" without an SA; the
 * getsockopt round trip, sadb_x_policy blobs and bad policies. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/icmp6.h>
#include "../lib/t.h"
#include "../lib/simstack.h"
#include "../lib/ipsec_sim.h"
#include "ctl/scene.h"
#include "link/sim.h"
#include "net/stack.h"
#include "ipsec/ipsec.h"
#include "ipsec/setkey.h"
#include "transport/tcp.h"
#include "wire/pfkey.h"
#include "six/socket.h"

#define MS 1000000ull
#define SEC 1000000000ull

static struct sim_world *W;
static struct six_stack *A, *B;


/* SAs both ways for both families, and not one policy */
static const char sa_conf[] =
    "add 2001:db8:1::a 2001:db8:1::b esp 0x1001 -m transport -E aes-gcm-16 "
    "0x0102030405060708090a0b0c0d0e0f1011121314;\n"
    "add 2001:db8:1::b 2001:db8:1::a esp 0x1002 -m transport -E aes-gcm-16 "
    "0x1112131415161718191a1b1c1d1e1f2021222324;\n"
    "add 192.0.2.1 192.0.2.2 esp 0x2001 -m transport -E chacha20-poly1305 "
    "0x000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20212223;\n"
    "add 192.0.2.2 192.0.2.1 esp 0x2002 -m transport -E aes-cbc 0x00112233445566778899aabbccddeeff "
    "-A hmac-sha2-256 0x000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f;\n";

static const char in_req[] = "in ipsec esp/transport//require";
static const char out_req[] = "out ipsec esp/transport//require";

static int load(struct six_stack *st, const char *text) { return sim_setkey(st, text); }

static struct sockaddr_storage ss_of(const char *a, uint16_t port, socklen_t *len) { return sim_sockaddr(a, port, len); }

static void two_hosts(uint64_t seed)
{
    W = sim_two_hosts(seed, &A, &B);
}

static void teardown(void)
{
    six_stack_destroy(A);
    six_stack_destroy(B);
    sim_world_destroy(W);
}


static int level_of(int fam)
{
    return fam == AF_INET6 ? IPPROTO_IPV6 : IPPROTO_IP;
}

static int setpol(struct six_stack *st, int sd, int fam, const char *pol)
{
    int name = fam == AF_INET6 ? IPV6_IPSEC_POLICY : IP_IPSEC_POLICY;
    return six_setsockopt(st, sd, level_of(fam), name, pol, (socklen_t)strlen(pol));
}

/* The policy of direction dir ("in" / "out") as getsockopt gives it. */
static const char *getpol(struct six_stack *st, int sd, int fam, const char *dir)
{
    static char buf[IPSEC_SOCKPOL_MAX];
    int name = fam == AF_INET6 ? IPV6_IPSEC_POLICY : IP_IPSEC_POLICY;
    socklen_t len = sizeof buf;
    snprintf(buf, sizeof buf, "%s", dir);
    if (six_getsockopt(st, sd, level_of(fam), name, buf, &len) || len != strlen(buf) + 1)
        return "(getsockopt failed)";
    return buf;
}

static int tcp_state(struct six_stack *st, int sd)
{
    int v = -1;
    socklen_t len = sizeof v;
    six_getsockopt(st, sd, IPPROTO_TCP, TCP_INFO_STATE, &v, &len);
    return v;
}

static int listener(struct six_stack *st, int fam, uint16_t port, bool protect)
{
    socklen_t len;
    struct sockaddr_storage any = ss_of(fam == AF_INET6 ? "::" : "0.0.0.0", port, &len);
    int ls = six_socket(st, fam, SOCK_STREAM, 0);
    if (ls < 0 || (protect && (setpol(st, ls, fam, in_req) || setpol(st, ls, fam, out_req))))
        return -1;
    if (six_bind(st, ls, (struct sockaddr *)&any, len) || six_listen(st, ls, 4))
        return -1;
    return ls;
}

static int client(struct six_stack *st, const char *to, uint16_t port, bool protect)
{
    int fam = strchr(to, ':') ? AF_INET6 : AF_INET;
    socklen_t len;
    struct sockaddr_storage dst = ss_of(to, port, &len);
    int c = six_socket(st, fam, SOCK_STREAM, 0);
    if (c < 0 || (protect && (setpol(st, c, fam, in_req) || setpol(st, c, fam, out_req))))
        return -1;
    six_connect(st, c, (struct sockaddr *)&dst, len);
    return c;
}

static int accept_within(struct six_stack *st, int ls, uint64_t ns)
{
    int s = -1;
    for (uint64_t t = 0; t < ns && s < 0; t += 5 * MS) {
        sim_run_for(W, 5 * MS);
        s = six_accept(st, ls, NULL, NULL);
    }
    return s;
}

/* total bytes from (ws, wst) to (rs, rst), checked byte by byte */
static bool transfer(struct six_stack *wst, int ws, struct six_stack *rst, int rs, size_t total)
{
    return sim_pump(W, wst, ws, rst, rs, total);
}

/* "accepts only protected connections and its accepted sockets keep that policy" */
static void protected_listener(const char *to, int fam)
{
    T_EQ(load(A, sa_conf), 0);
    T_EQ(load(B, sa_conf), 0);
    T_EQ(ipsec_sp_count(A) + ipsec_sp_count(B), 0);
    int ls = listener(B, fam, 8000, true);
    T_CHECK(ls >= 0);

    uint64_t in0 = CTR_GET(B, ipsec, in_packets), out0 = CTR_GET(A, ipsec, out_packets);
    int c = client(A, to, 8000, true);
    int s = accept_within(B, ls, 2 * SEC);
    T_CHECK(c >= 0 && s >= 0);
    T_STREQ(getpol(B, s, fam, "in"), in_req);
    T_STREQ(getpol(B, s, fam, "out"), out_req);
    T_CHECK(transfer(A, c, B, s, 512 << 10));
    T_CHECK(transfer(B, s, A, c, 64 << 10));
    /* it was ESP, and nothing was refused on the way */
    T_CHECK(CTR_GET(B, ipsec, in_packets) - in0 > 300);
    T_CHECK(CTR_GET(A, ipsec, out_packets) - out0 > 300);
    T_CHECK(CTR_GET(A, ipsec, in_packets) > 20);
    T_EQ(CTR_GET(B, ipsec, drop_sockpol_in) + CTR_GET(A, ipsec, drop_sockpol_in), 0);

    /* the client's FIN goes after close(): the connection kept the policy, B sees EOF */
    char x;
    six_close(A, c);
    sim_run_for(W, 200 * MS);
    T_EQ(six_recv(B, s, &x, 1, 0), 0);
    T_EQ(CTR_GET(B, ipsec, drop_sockpol_in), 0);
    six_close(B, s);

    /* a client without a policy: its plaintext SYNs are ignored and counted */
    int p = client(A, to, 8000, false);
    T_CHECK(p >= 0);
    T_CHECK(accept_within(B, ls, 3 * SEC) < 0);
    T_EQ(tcp_state(A, p), TCPS_SYN_SENT);
    T_CHECK(CTR_GET(B, ipsec, drop_sockpol_in) >= 2);   /* the SYN and its retransmissions */
    six_close(A, p);
    six_close(B, ls);
}

TEST(tcp6_listener_accepts_only_protected_connections)
{
    two_hosts(51);
    protected_listener("2001:db8:1::b", AF_INET6);
    teardown();
}

TEST(tcp4_listener_with_ip_ipsec_policy)
{
    two_hosts(52);
    protected_listener("192.0.2.2", AF_INET);
    teardown();
}

/* The client stops protecting an established connection: B's socket
 * ignores what comes in the clear; protected again, the retransmission
 * gets through. */
TEST(connection_ignores_plaintext_segments)
{
    two_hosts(53);
    T_EQ(load(A, sa_conf), 0);
    T_EQ(load(B, sa_conf), 0);
    int ls = listener(B, AF_INET6, 8001, true);
    int c = client(A, "2001:db8:1::b", 8001, true);
    int s = accept_within(B, ls, 2 * SEC);
    T_CHECK(s >= 0);
    T_CHECK(transfer(A, c, B, s, 4096));

    T_EQ(setpol(A, c, AF_INET6, "out bypass"), 0);
    uint64_t before = CTR_GET(B, ipsec, drop_sockpol_in);
    T_EQ(six_send(A, c, "secret", 6, 0), 6);
    sim_run_for(W, 100 * MS);
    char buf[16];
    T_EQ(six_recv(B, s, buf, sizeof buf, 0), -1);
    T_EQ(errno, EAGAIN);
    T_CHECK(CTR_GET(B, ipsec, drop_sockpol_in) > before);

    T_EQ(setpol(A, c, AF_INET6, out_req), 0);
    sim_run_for(W, 3 * SEC);   /* the retransmission timer */
    T_EQ(six_recv(B, s, buf, sizeof buf, 0), 6);
    T_MEMEQ(buf, "secret", 6);
    six_close(A, c);
    six_close(B, s);
    six_close(B, ls);
    teardown();
}

static int udp_bound(struct six_stack *st, int fam, uint16_t port)
{
    socklen_t len;
    struct sockaddr_storage any = ss_of(fam == AF_INET6 ? "::" : "0.0.0.0", port, &len);
    int s = six_socket(st, fam, SOCK_DGRAM, 0);
    if (s < 0 || six_bind(st, s, (struct sockaddr *)&any, len))
        return -1;
    return s;
}

static ssize_t udp_send(struct six_stack *st, int s, const char *to, uint16_t port)
{
    socklen_t len;
    struct sockaddr_storage dst = ss_of(to, port, &len);
    return six_sendto(st, s, "hello", 5, 0, (struct sockaddr *)&dst, len);
}

static bool udp_got(struct six_stack *st, int s)
{
    char buf[16];
    sim_run_for(W, 50 * MS);
    return six_recv(st, s, buf, sizeof buf, 0) == 5 && !memcmp(buf, "hello", 5);
}

/* A's SPD requires ESP to B; a socket with "out bypass" still sends in the
 * clear (B has SAs but no policy, so it takes both). */
static void udp_bypass(const char *to, int fam)
{
    T_EQ(load(A, sa_conf), 0);
    T_EQ(load(B, sa_conf), 0);
    T_EQ(load(A, "spdadd 2001:db8:1::a 2001:db8:1::b any -P out ipsec esp/transport//require;\n"
                 "spdadd 192.0.2.1 192.0.2.2 any -P out ipsec esp/transport//require;\n"), 0);
    int r = udp_bound(B, fam, 5000), plain = six_socket(A, fam, SOCK_DGRAM, 0), byp = six_socket(A, fam, SOCK_DGRAM, 0);
    T_CHECK(r >= 0 && plain >= 0 && byp >= 0);
    T_EQ(setpol(A, byp, fam, "out bypass"), 0);

    uint64_t out0 = CTR_GET(A, ipsec, out_packets), in0 = CTR_GET(B, ipsec, in_packets);
    T_EQ(udp_send(A, plain, to, 5000), 5);
    T_CHECK(udp_got(B, r));
    T_EQ(CTR_GET(A, ipsec, out_packets), out0 + 1);   /* the SPD's ESP */
    T_EQ(CTR_GET(B, ipsec, in_packets), in0 + 1);
    T_EQ(udp_send(A, byp, to, 5000), 5);
    T_CHECK(udp_got(B, r));
    T_EQ(CTR_GET(A, ipsec, out_packets), out0 + 1);   /* in the clear */
    T_EQ(CTR_GET(B, ipsec, in_packets), in0 + 1);

    /* "in ipsec" on the receiver: the plaintext datagram is refused, counted */
    T_EQ(setpol(B, r, fam, in_req), 0);
    uint64_t before = CTR_GET(B, ipsec, drop_sockpol_in);
    T_EQ(udp_send(A, byp, to, 5000), 5);
    T_CHECK(!udp_got(B, r));
    T_EQ(CTR_GET(B, ipsec, drop_sockpol_in), before + 1);
    T_EQ(udp_send(A, plain, to, 5000), 5);
    T_CHECK(udp_got(B, r));

    /* "out discard": every send fails */
    int d = six_socket(A, fam, SOCK_DGRAM, 0);
    T_EQ(setpol(A, d, fam, "out discard"), 0);
    uint64_t disc = CTR_GET(A, ipsec, drop_discard);
    T_EQ(udp_send(A, d, to, 5000), -1);
    T_EQ(errno, EACCES);
    T_EQ(CTR_GET(A, ipsec, drop_discard), disc + 1);
    T_CHECK(!udp_got(B, r));
    /* back to entrust: the SPD again */
    T_EQ(setpol(A, d, fam, "out entrust"), 0);
    T_EQ(udp_send(A, d, to, 5000), 5);
    T_CHECK(udp_got(B, r));
    six_close(A, d);
    six_close(A, plain);
    six_close(A, byp);
    six_close(B, r);
}

TEST(udp6_out_bypass_and_discard)
{
    two_hosts(54);
    udp_bypass("2001:db8:1::b", AF_INET6);
    teardown();
}

TEST(udp4_out_bypass_and_discard)
{
    two_hosts(55);
    udp_bypass("192.0.2.2", AF_INET);
    teardown();
}

/* No SA and no SPD at all (no IPsec state yet): "out ipsec ... require"
 * refuses to send in the clear and asks for keys. */
TEST(out_ipsec_without_sa_is_not_sent)
{
    two_hosts(56);
    int r = udp_bound(B, AF_INET6, 5001), s = six_socket(A, AF_INET6, SOCK_DGRAM, 0);
    T_EQ(setpol(A, s, AF_INET6, out_req), 0);
    T_EQ(udp_send(A, s, "2001:db8:1::b", 5001), -1);
    T_EQ(errno, EHOSTUNREACH);
    T_EQ(CTR_GET(A, ipsec, drop_no_sa), 1);
    T_EQ(CTR_GET(A, ipsec, acquire), 1);
    T_CHECK(!udp_got(B, r));
    /* "use": protect when an SA exists, else in the clear */
    T_EQ(setpol(A, s, AF_INET6, "out ipsec esp/transport//use"), 0);
    T_EQ(udp_send(A, s, "2001:db8:1::b", 5001), 5);
    T_CHECK(udp_got(B, r));
    /* a tunnel that does not start here is never sent in the clear */
    T_EQ(setpol(A, s, AF_INET6, "out ipsec esp/tunnel/2001:db8:9::1-2001:db8:1::b/require"), 0);
    T_EQ(udp_send(A, s, "2001:db8:1::b", 5001), -1);
    T_EQ(errno, EADDRNOTAVAIL);
    teardown();
}

static int raw_icmp6(struct six_stack *st)
{
    int s = six_socket(st, AF_INET6, SOCK_RAW, IPPROTO_ICMPV6);
    struct icmp6_filter f;
    ICMP6_FILTER_SETBLOCKALL(&f);
    ICMP6_FILTER_SETPASS(ICMP6_ECHO_REQUEST, &f);
    six_setsockopt(st, s, IPPROTO_ICMPV6, ICMP6_FILTER, &f, sizeof f);
    return s;
}

static ssize_t echo_request(struct six_stack *st, int s)
{
    uint8_t m[12] = { ICMP6_ECHO_REQUEST, 0, 0, 0, 0x12, 0x34, 0, 1, 'p', 'i', 'n', 'g' };
    socklen_t len;
    struct sockaddr_storage dst = ss_of("2001:db8:1::b", 0, &len);
    return six_sendto(st, s, m, sizeof m, 0, (struct sockaddr *)&dst, len);
}

static bool raw_got(struct six_stack *st, int s)
{
    uint8_t buf[64];
    bool any = false;
    while (six_recv(st, s, buf, sizeof buf, 0) > 0)
        any = true;
    return any;
}

/* Raw ICMPv6 sockets send with their policy and receive only what it allows. */
TEST(raw6_socket_policy)
{
    two_hosts(57);
    T_EQ(load(A, sa_conf), 0);
    T_EQ(load(B, sa_conf), 0);
    int ws = raw_icmp6(A), wp = raw_icmp6(A), strict = raw_icmp6(B), open = raw_icmp6(B);
    T_EQ(setpol(A, ws, AF_INET6, out_req), 0);
    T_EQ(setpol(B, strict, AF_INET6, in_req), 0);

    uint64_t in0 = CTR_GET(B, ipsec, in_packets);
    T_EQ(echo_request(A, ws), 12);
    sim_run_for(W, 50 * MS);
    T_EQ(CTR_GET(B, ipsec, in_packets), in0 + 1);
    T_CHECK(raw_got(B, strict));
    T_CHECK(raw_got(B, open));

    uint64_t before = CTR_GET(B, ipsec, drop_sockpol_in);
    T_EQ(echo_request(A, wp), 12);
    sim_run_for(W, 50 * MS);
    T_CHECK(!raw_got(B, strict));
    T_CHECK(raw_got(B, open));
    T_EQ(CTR_GET(B, ipsec, drop_sockpol_in), before + 1);
    teardown();
}

/* getsockopt gives back the string form setkey would read */
TEST(getsockopt_round_trip)
{
    two_hosts(58);
    static const char *const same[] = {
        "out ipsec esp/transport//require",
        "in ipsec esp/transport//require",
        "in bypass", "out discard", "out none", "in entrust", "out entrust",
        "out ipsec esp/tunnel/2001:db8:1::a-2001:db8:1::b/require",
        "in ipsec esp/tunnel/192.0.2.2-192.0.2.1/unique:7",
        "out ipsec esp/transport//use ah/transport//require",
        "out ipsec esp/transport//default",
    };
    int s = six_socket(A, AF_INET6, SOCK_DGRAM, 0), t = six_socket(A, AF_INET6, SOCK_STREAM, 0);
    int r = six_socket(A, AF_INET6, SOCK_RAW, IPPROTO_ICMPV6), f4 = six_socket(A, AF_INET, SOCK_DGRAM, 0);
    int socks[] = { s, t, r, f4 };
    for (size_t k = 0; k < 4; k++) {
        int fam = socks[k] == f4 ? AF_INET : AF_INET6;
        T_STREQ(getpol(A, socks[k], fam, "in"), "in entrust");
        T_STREQ(getpol(A, socks[k], fam, "out"), "out entrust");
        for (size_t i = 0; i < sizeof same / sizeof same[0]; i++) {
            T_EQ(setpol(A, socks[k], fam, same[i]), 0);
            T_STREQ(getpol(A, socks[k], fam, same[i][0] == 'i' ? "in" : "out"), same[i]);
        }
    }
    /* written loosely, read back canonical; the trailing NUL may be passed */
    T_EQ(six_setsockopt(A, s, IPPROTO_IPV6, IPV6_IPSEC_POLICY, "  out  ipsec esp/transport ", 28), 0);
    T_STREQ(getpol(A, s, AF_INET6, "out"), "out ipsec esp/transport//default");
    /* an AF_INET6 socket takes IP_IPSEC_POLICY too: one policy for both families */
    T_EQ(setpol(A, s, AF_INET, "in bypass"), 0);
    T_STREQ(getpol(A, s, AF_INET6, "in"), "in bypass");
    /* a buffer too small: ERANGE and the size needed; no direction named: EINVAL */
    char small[8] = "out";
    socklen_t len = sizeof small;
    T_EQ(six_getsockopt(A, s, IPPROTO_IPV6, IPV6_IPSEC_POLICY, small, &len), -1);
    T_EQ(errno, ERANGE);
    T_EQ(len, strlen("out ipsec esp/transport//default") + 1);
    char what[32] = "sideways";
    len = sizeof what;
    T_EQ(six_getsockopt(A, s, IPPROTO_IPV6, IPV6_IPSEC_POLICY, what, &len), -1);
    T_EQ(errno, EINVAL);
    /* IPV6_IPSEC_POLICY is no option of an AF_INET socket */
    T_EQ(six_setsockopt(A, f4, IPPROTO_IPV6, IPV6_IPSEC_POLICY, "in bypass", 9), -1);
    T_EQ(errno, ENOPROTOOPT);
    teardown();
}

/* What ipsec_set_policy() returns: a sadb_x_policy extension. */
static size_t blob(uint8_t *out, const struct pfkey_policy *pol)
{
    uint8_t msg[512];
    struct pfkey_builder b;
    struct pfkey_hdr h = { .version = PF_KEY_V2, .type = SADB_X_SPDADD };
    pfkey_build_init(&b, msg, sizeof msg, &h);
    pfkey_add_policy(&b, pol);
    size_t n = pfkey_build_finish(&b);
    if (n <= PFKEY_MSG_LEN)
        return 0;
    memcpy(out, msg + PFKEY_MSG_LEN, n - PFKEY_MSG_LEN);
    return n - PFKEY_MSG_LEN;
}

TEST(sadb_x_policy_blob)
{
    two_hosts(59);
    int s = six_socket(A, AF_INET6, SOCK_DGRAM, 0);
    uint8_t b[512];
    struct pfkey_policy pol = { .type = IPSEC_ACT_IPSEC, .dir = IPSEC_DIR_OUT, .nreq = 1,
                                .req = { { .proto = IPPROTO_ESP, .mode = IPSEC_MODE_TUNNEL,
                                           .level = IPSEC_LEVEL_REQUIRE, .has_addrs = true } } };
    pol.req[0].src.sin6.sin6_family = pol.req[0].dst.sin6.sin6_family = AF_INET6;
    inet_pton(AF_INET6, "2001:db8:1::a", &pol.req[0].src.sin6.sin6_addr);
    inet_pton(AF_INET6, "2001:db8:1::b", &pol.req[0].dst.sin6.sin6_addr);
    size_t n = blob(b, &pol);
    T_CHECK(n > 16);
    T_EQ(six_setsockopt(A, s, IPPROTO_IPV6, IPV6_IPSEC_POLICY, b, (socklen_t)n), 0);
    T_STREQ(getpol(A, s, AF_INET6, "out"), "out ipsec esp/tunnel/2001:db8:1::a-2001:db8:1::b/require");
    struct pfkey_policy in = { .type = IPSEC_ACT_BYPASS, .dir = IPSEC_DIR_IN };
    n = blob(b, &in);
    T_EQ(six_setsockopt(A, s, IPPROTO_IPV6, IPV6_IPSEC_POLICY, b, (socklen_t)n), 0);
    T_STREQ(getpol(A, s, AF_INET6, "in"), "in bypass");
    /* the direction to read may be named by a blob too */
    socklen_t len = sizeof b;
    T_EQ(six_getsockopt(A, s, IPPROTO_IPV6, IPV6_IPSEC_POLICY, b, &len), 0);
    T_STREQ((char *)b, "in bypass");
    /* fwd, IPComp, a truncated blob: refused */
    struct pfkey_policy fwd = { .type = IPSEC_ACT_BYPASS, .dir = IPSEC_DIR_FWD };
    n = blob(b, &fwd);
    T_EQ(six_setsockopt(A, s, IPPROTO_IPV6, IPV6_IPSEC_POLICY, b, (socklen_t)n), -1);
    T_EQ(errno, EINVAL);
    struct pfkey_policy comp = { .type = IPSEC_ACT_IPSEC, .dir = IPSEC_DIR_OUT, .nreq = 1,
                                 .req = { { .proto = PFKEY_PROTO_IPCOMP, .mode = IPSEC_MODE_TRANSPORT,
                                            .level = IPSEC_LEVEL_REQUIRE } } };
    n = blob(b, &comp);
    T_EQ(six_setsockopt(A, s, IPPROTO_IPV6, IPV6_IPSEC_POLICY, b, (socklen_t)n), -1);
    n = blob(b, &pol);
    T_EQ(six_setsockopt(A, s, IPPROTO_IPV6, IPV6_IPSEC_POLICY, b, (socklen_t)n - 8), -1);
    T_EQ(errno, EINVAL);
    T_STREQ(getpol(A, s, AF_INET6, "out"), "out ipsec esp/tunnel/2001:db8:1::a-2001:db8:1::b/require");
    teardown();
}

/* Bad policies are EINVAL and change nothing; garbage never crashes. */
TEST(bad_policies_are_einval)
{
    two_hosts(60);
    static const char *const bad[] = {
        "", " ", "out", "in", "sideways bypass", "fwd bypass", "out ipsec", "out ipsec esp",
        "out ipsec esp/transport//require; spdflush", "out bypass;", "out bypass # comment",
        "out prio 5 bypass", "out priority def+1 ipsec esp/transport//require",
        "out ipsec esp/tunnel//require", "out ipsec ipcomp/transport//require",
        "out ipsec esp/transport//sometimes", "out ipsec esp/transport//unique:0",
        "\"out bypass\"", "out bypass\nspdflush", "out bypass extra", "out ipsec esp/transport/a-b/require",
        "out ipsec esp/tunnel/2001:db8::1-192.0.2.1/require", "out ipsec esp/tunnel/fe80::1%eth0-fe80::2/require",
        "out ipsec esp/transport//require esp/transport//require esp/transport//require "
        "esp/transport//require esp/transport//require",
        "spdadd ::/0 ::/0 any -P out bypass", "out\xff bypass",
    };
    int s = six_socket(A, AF_INET6, SOCK_DGRAM, 0);
    T_EQ(setpol(A, s, AF_INET6, "out discard"), 0);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        errno = 0;
        if (setpol(A, s, AF_INET6, bad[i]) != -1 || errno != EINVAL) {
            fprintf(stderr, "  accepted: \"%s\"\n", bad[i]);
            T_CHECK(0);
        }
    }
    T_EQ(six_setsockopt(A, s, IPPROTO_IPV6, IPV6_IPSEC_POLICY, "out\0bypass", 10), -1);
    T_EQ(six_setsockopt(A, s, IPPROTO_IPV6, IPV6_IPSEC_POLICY, NULL, 10), -1);
    T_EQ(six_setsockopt(A, s, IPPROTO_IPV6, IPV6_IPSEC_POLICY, "out bypass", 0), -1);
    static char huge[4096];
    memset(huge, ' ', sizeof huge - 1);
    memcpy(huge, "out bypass", 10);
    T_EQ(setpol(A, s, AF_INET6, huge), -1);
    T_STREQ(getpol(A, s, AF_INET6, "out"), "out discard");

    /* random bytes, random words, random blobs: 0 or EINVAL, never a crash */
    static const char *const words[] = { "in", "out", "ipsec", "bypass", "esp/transport//require",
                                         "esp/tunnel/::1-::2/use", "ah/transport/", "discard", " ", "/",
                                         "-", "192.0.2.1", "unique:3", "entrust", "none", "prio" };
    uint64_t seed = 0x9e3779b97f4a7c15ull;
    for (int i = 0; i < 20000; i++) {
        char buf[256];
        size_t n = 0;
        seed = seed * 6364136223846793005ull + 1442695040888963407ull;
        if (i % 3 == 0) {
            n = (seed >> 33) % sizeof buf;
            for (size_t j = 0; j < n; j++) {
                seed = seed * 6364136223846793005ull + 1442695040888963407ull;
                buf[j] = (char)(seed >> 56);
            }
            if (i % 2 && n >= 16) {   /* looks like a sadb_x_policy */
                n &= ~(size_t)7;
                uint16_t units = (uint16_t)(n / 8), type = SADB_X_EXT_POLICY;
                memcpy(buf, &units, 2);
                memcpy(buf + 2, &type, 2);
            }
        } else {
            for (int w = 0; w < 6 && n < 200; w++) {
                seed = seed * 6364136223846793005ull + 1442695040888963407ull;
                const char *wd = words[(seed >> 40) % (sizeof words / sizeof words[0])];
                n += (size_t)snprintf(buf + n, sizeof buf - n, "%s%s", w ? " " : "", wd);
            }
        }
        errno = 0;
        int rc = six_setsockopt(A, s, IPPROTO_IPV6, IPV6_IPSEC_POLICY, buf, (socklen_t)n);
        T_CHECK(rc == 0 || errno == EINVAL);
        getpol(A, s, AF_INET6, "in");
        getpol(A, s, AF_INET6, "out");
    }
    teardown();
}

int main(void)
{
    RUN(tcp6_listener_accepts_only_protected_connections);
    RUN(tcp4_listener_with_ip_ipsec_policy);
    RUN(connection_ignores_plaintext_segments);
    RUN(udp6_out_bypass_and_discard);
    RUN(udp4_out_bypass_and_discard);
    RUN(out_ipsec_without_sa_is_not_sent);
    RUN(raw6_socket_policy);
    RUN(getsockopt_round_trip);
    RUN(sadb_x_policy_blob);
    RUN(bad_policies_are_einval);
    return t_done();
}
