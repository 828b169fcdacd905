/* src/dstm/dstm.c: port sets (RFC 7597 §5.1), the lease-store key of an
 * IPv4 lease, binding events. */
#include <arpa/inet.h>
#include "../lib/t.h"
#include "dstm/dstm.h"

/* RFC 7597 §5.1.1 / Appendix A, example 1: offset a = 6, PSID length k = 8,
 * PSID 0x34: the sets 1232-1235, 2256-2259, ..., 63696-63699, 64720-64723. */
TEST(portset_rfc7597_example)
{
    struct dstm_portset ps = { .offset = 6, .psid_len = 8, .psid = 0x34 };
    T_CHECK(dstm_portset_valid(&ps));
    T_EQ(dstm_portset_size(&ps), 63 * 4);
    T_EQ(dstm_portset_port(&ps, 0), 1232);
    T_EQ(dstm_portset_port(&ps, 3), 1235);
    T_EQ(dstm_portset_port(&ps, 4), 2256);
    T_EQ(dstm_portset_port(&ps, 7), 2259);
    T_EQ(dstm_portset_port(&ps, 62 * 4 - 4), 63696);
    T_EQ(dstm_portset_port(&ps, 62 * 4 - 1), 63699);
    T_EQ(dstm_portset_port(&ps, 63 * 4 - 4), 64720);
    T_EQ(dstm_portset_port(&ps, 63 * 4 - 1), 64723);
    /* membership agrees with the enumeration, port by port */
    uint32_t in = 0;
    for (uint32_t port = 0; port < 65536; port++)
        in += dstm_port_in_set(&ps, (uint16_t)port);
    T_EQ(in, 63 * 4);
    T_CHECK(dstm_port_in_set(&ps, 1232) && dstm_port_in_set(&ps, 64723));
    T_CHECK(!dstm_port_in_set(&ps, 1236) && !dstm_port_in_set(&ps, 1231));
    T_CHECK(!dstm_port_in_set(&ps, 208));   /* the low ports: PSID bits match, A = 0 excluded */
    uint16_t psid = 0;
    T_CHECK(dstm_port_psid(6, 8, 64721, &psid));
    T_EQ(psid, 0x34);
    T_CHECK(!dstm_port_psid(6, 8, 1023, &psid));
    T_CHECK(dstm_port_psid(6, 8, 1024, &psid));
    T_EQ(psid, 0);
}

/* Every (a, k) split: the sets of all PSIDs partition the ports >= 2^(16-a)
 * (all ports for a = 0), each port in exactly the set its PSID names, and
 * the i-th port enumeration is strictly increasing and inside the set. */
TEST(portset_partition_all_params)
{
    for (uint8_t a = 0; a <= 15; a++)
        for (uint8_t k = 1; a + k <= 16 && k <= 6; k++) {
            uint32_t total = 0;
            for (uint32_t s = 0; s < (1u << k); s++) {
                struct dstm_portset ps = { .offset = a, .psid_len = k, .psid = (uint16_t)s };
                T_CHECK(dstm_portset_valid(&ps));
                uint32_t n = dstm_portset_size(&ps), prev = 0;
                for (uint32_t i = 0; i < n; i++) {
                    uint16_t port = dstm_portset_port(&ps, i), got;
                    if (i && port <= prev) { T_CHECK(port > prev); break; }
                    prev = port;
                    if (!dstm_port_in_set(&ps, port) || !dstm_port_psid(a, k, port, &got) || got != s) {
                        T_CHECK(!"port of set not in it");
                        break;
                    }
                }
                total += n;
            }
            uint32_t want = a ? 65536u - (1u << (16 - a)) : 65536u;
            if (total != want)
                fprintf(stderr, "  a=%u k=%u total %u want %u\n", a, k, total, want);
            T_EQ(total, want);
        }
}

TEST(portset_invalid)
{
    struct dstm_portset bad[] = {
        { .offset = 16, .psid_len = 0 }, { .offset = 6, .psid_len = 11 }, { .offset = 0, .psid_len = 17 },
        { .offset = 6, .psid_len = 8, .psid = 256 }, { .offset = 0, .psid_len = 1, .psid = 2 },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        T_CHECK(!dstm_portset_valid(&bad[i]));
    struct dstm_portset whole = { 0 }, full16 = { .offset = 0, .psid_len = 16, .psid = 0xffff };
    T_CHECK(dstm_portset_valid(&whole) && dstm_portset_valid(&full16));
    T_EQ(dstm_portset_size(&whole), 65536);
    T_EQ(dstm_portset_size(&full16), 1);
    T_EQ(dstm_portset_port(&full16, 0), 0xffff);
    T_CHECK(dstm_port_in_set(&whole, 0) && dstm_port_in_set(&whole, 65535));
    uint16_t psid;
    T_CHECK(!dstm_port_psid(16, 0, 5000, &psid));
    T_CHECK(!dstm_port_psid(8, 9, 5000, &psid));
}

TEST(lease_key_roundtrip)
{
    struct in_addr v4, got4;
    inet_pton(AF_INET, "192.0.2.18", &v4);
    struct in6_addr key, mapped;
    struct dstm_portset got;
    dstm_lease_key(&key, v4, NULL);
    inet_pton(AF_INET6, "::ffff:192.0.2.18", &mapped);
    T_MEMEQ(&key, &mapped, 16);
    T_CHECK(dstm_lease_key_parse(&key, &got4, &got));
    T_EQ(got4.s_addr, v4.s_addr);
    T_EQ(got.psid_len, 0);

    struct dstm_portset ps = { .offset = 6, .psid_len = 8, .psid = 0x34 };
    dstm_lease_key(&key, v4, &ps);
    static const uint8_t want[16] = { 0, 0, 0, 0, 0x01, 8, 0x00, 0x34, 6, 0, 0xff, 0xff, 192, 0, 2, 18 };
    T_MEMEQ(key.s6_addr, want, 16);
    T_CHECK(dstm_lease_key_parse(&key, &got4, &got));
    T_EQ(got4.s_addr, v4.s_addr);
    T_EQ(got.offset, 6);
    T_EQ(got.psid_len, 8);
    T_EQ(got.psid, 0x34);
    /* two PSIDs of one address: distinct keys */
    struct in6_addr key2;
    struct dstm_portset ps2 = ps;
    ps2.psid = 0x35;
    dstm_lease_key(&key2, v4, &ps2);
    T_CHECK(memcmp(&key, &key2, 16) != 0);
    /* a whole-address port set (k = 0) is the mapped form */
    struct dstm_portset zero = { .offset = 6 };
    dstm_lease_key(&key2, v4, &zero);
    T_MEMEQ(&key2, &mapped, 16);
}

TEST(lease_key_invalid_refused)
{
    struct in_addr v4;
    struct dstm_portset ps;
    const char *bad[] = { "2001:db8::1", "::192.0.2.1", "::1:0:ffff:c000:212", "1::ffff:192.0.2.1" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct in6_addr k;
        inet_pton(AF_INET6, bad[i], &k);
        T_CHECK(!dstm_lease_key_parse(&k, &v4, &ps));
    }
    uint8_t good[16] = { 0, 0, 0, 0, 0x01, 8, 0x00, 0x34, 6, 0, 0xff, 0xff, 192, 0, 2, 18 };
    struct in6_addr k;
    memcpy(k.s6_addr, good, 16);
    T_CHECK(dstm_lease_key_parse(&k, &v4, &ps));
    struct { int at; uint8_t v; } lies[] = {
        { 4, 0x02 },    /* unknown marker */
        { 5, 0 },       /* port-set form with k = 0 */
        { 5, 11 },      /* a + k > 16 */
        { 6, 0x01 },    /* psid >= 2^k */
        { 8, 16 },      /* offset > 15 */
        { 9, 1 },       /* reserved octet */
        { 0, 0x20 },    /* top octets */
        { 10, 0 },      /* no ffff */
    };
    for (size_t i = 0; i < sizeof lies / sizeof lies[0]; i++) {
        memcpy(k.s6_addr, good, 16);
        k.s6_addr[lies[i].at] = lies[i].v;
        if (dstm_lease_key_parse(&k, &v4, &ps))
            fprintf(stderr, "  lie %zu accepted\n", i);
        T_CHECK(!dstm_lease_key_parse(&k, &v4, &ps));
    }
    /* mapped form with port-set octets set */
    uint8_t m[16] = { 0, 0, 0, 0, 0, 8, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 18 };
    memcpy(k.s6_addr, m, 16);
    T_CHECK(!dstm_lease_key_parse(&k, &v4, &ps));
}

int main(void)
{
    RUN(portset_rfc7597_example);
    RUN(portset_partition_all_params);
    RUN(portset_invalid);
    RUN(lease_key_roundtrip);
    RUN(lease_key_invalid_refused);
    return t_done();
}
