/* NAPT44 (src/dstm/napt44.c over src/wire/nat44.c): arbitrary packets
 * through napt44_out and napt44_in on one table.
 *
 * Input: d[0] psid_len (% 17), d[1] offset (% 16; psid_len cut so that
 * a + k <= 16), d[2..3] psid (masked to k bits), d[4] max mappings (+1);
 * then records [how(1)][len(2, big-endian)][bytes]:
 *   how bits 0..1: 0 out (from the host), 1 in (from the tunnel),
 *     2 reflect: the last packet napt44_out translated, addresses and
 *     ports swapped (checksums stay valid), given to napt44_in; 3 the
 *     clock runs len seconds (no bytes);
 *   bit 2: repair the bytes first (IPv4 total length, header checksum,
 *     TCP/UDP/ICMP checksum) so that mutations get past the checks;
 *   bit 3 (in): destination set to X before the repair.
 *
 * Invariants (a broken one traps):
 *   - a dropped packet is left byte for byte as it was; bytes past the
 *     datagram's total length are never touched;
 *   - an accepted packet still parses; out: its source is X and its port
 *     / identifier (for an error: the quoted destination's) is in the set
 *     and not 0; a TCP/UDP checksum that verified before verifies after,
 *     and one that did not, does not;
 *   - every mapping's outside port is in the set, at most `max` of them,
 *     and no two of one protocol share an outside port. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "core/clock.h"
#include "dstm/napt44.h"
#include "wire/bytes.h"
#include "wire/cksum.h"
#include "wire/nat44.h"

#define CHECK(c) do { if (!(c)) __builtin_trap(); } while (0)
int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

static uint64_t rs;
static uint32_t frand(void *arg, uint32_t below)
{
    (void)arg;
    rs ^= rs << 13; rs ^= rs >> 7; rs ^= rs << 17;
    return below ? (uint32_t)(rs % below) : 0;
}

static struct dstm_portset ps;
static struct in_addr X = { .s_addr = 0x010200c0 };   /* 192.0.2.1 */

static void repair(uint8_t *p, size_t len)
{
    if (len < 20 || len > 65535)
        return;
    size_t hl = (size_t)(p[0] & 15) * 4;
    if (hl < 20 || hl > len)
        return;
    wr16(p + 2, (uint16_t)len);
    wr16(p + 10, 0);
    wr16(p + 10, cksum_fold(cksum_add(0, p, hl)));
    uint8_t *l4 = p + hl;
    size_t l4len = len - hl;
    struct in_addr s, t;
    memcpy(&s, p + 12, 4);
    memcpy(&t, p + 16, 4);
    if (p[9] == 6 && l4len >= 20) {
        wr16(l4 + 16, 0);
        wr16(l4 + 16, cksum_fold(cksum_add(cksum_pseudo4(s, t, (uint16_t)l4len, 6), l4, l4len)));
    } else if (p[9] == 17 && l4len >= 8) {
        wr16(l4 + 4, (uint16_t)l4len);
        wr16(l4 + 6, 0);
        uint16_t c = cksum_fold(cksum_add(cksum_pseudo4(s, t, (uint16_t)l4len, 17), l4, l4len));
        wr16(l4 + 6, c ? c : 0xffff);
    } else if (p[9] == 1 && l4len >= 8) {
        wr16(l4 + 2, 0);
        wr16(l4 + 2, cksum_fold(cksum_add(0, l4, l4len)));
    }
}

/* -1 no TCP/UDP checksum to judge, else whether it verifies. */
static int l4_valid(const uint8_t *p, const struct nat44_info *in)
{
    if (in->kind != NAT44_L4)
        return -1;
    const uint8_t *l4 = p + in->l4;
    size_t l4len = (size_t)in->len - in->l4;
    if (in->f.proto == 17 && rd16(l4 + 6) == 0)
        return -1;
    uint32_t ph = cksum_pseudo4(in->f.src, in->f.dst, (uint16_t)l4len, in->f.proto);
    return cksum_fold(cksum_add(ph, l4, l4len)) == 0;
}

static void check_out(const uint8_t *p, size_t len)
{
    struct nat44_info in;
    CHECK(nat44_parse(p, len, &in) == WR_OK);
    CHECK(in.f.src.s_addr == X.s_addr);
    uint16_t port = in.kind == NAT44_ICMP_ERROR ? in.inner.dport : in.f.sport;
    if (in.kind == NAT44_ICMP_ERROR)
        CHECK(in.inner.dst.s_addr == X.s_addr);
    CHECK(port != 0 && dstm_port_in_set(&ps, port));
}

struct seen { uint8_t used[3][65536 / 8]; uint32_t n; };
static void map_cb(void *arg, const struct napt44_mapping *m)
{
    struct seen *s = arg;
    CHECK(m->out_port != 0 && dstm_port_in_set(&ps, m->out_port));
    int pi = m->proto == 6 ? 0 : m->proto == 17 ? 1 : 2;
    CHECK(!(s->used[pi][m->out_port / 8] & (1 << (m->out_port % 8))));
    s->used[pi][m->out_port / 8] |= (uint8_t)(1 << (m->out_port % 8));
    s->n++;
}

static uint8_t pkt[65536 + 16], copy[65536 + 16], last[65536];
static size_t last_len;

static void one(struct napt44 *t, uint8_t how, const uint8_t *b, size_t len, uint64_t now)
{
    int kind = how & 3;
    if (kind == 2) {
        if (!last_len)
            return;
        len = last_len;
        memcpy(pkt, last, len);
        uint8_t tmp[4];                   /* swap the ends: sums unchanged */
        memcpy(tmp, pkt + 12, 4); memcpy(pkt + 12, pkt + 16, 4); memcpy(pkt + 16, tmp, 4);
        size_t hl = (size_t)(pkt[0] & 15) * 4;
        if (pkt[9] != 1 && len >= hl + 4) {
            memcpy(tmp, pkt + hl, 2); memcpy(pkt + hl, pkt + hl + 2, 2); memcpy(pkt + hl + 2, tmp, 2);
        }
    } else {
        memcpy(pkt, b, len);
        if (kind == 1 && (how & 8) && len >= 20)
            memcpy(pkt + 16, &X.s_addr, 4);
        if (how & 4)
            repair(pkt, len);
    }
    memset(pkt + len, 0x5a, 16);
    memcpy(copy, pkt, len + 16);
    struct nat44_info before;
    enum wire_reason r = nat44_parse(pkt, len, &before);
    int valid = r == WR_OK ? l4_valid(pkt, &before) : -1;
    bool out = kind == 0;
    enum napt44_verdict v = out ? napt44_out(t, pkt, len, now) : napt44_in(t, pkt, len, now);
    CHECK((unsigned)v < NAPT44__MAX);
    CHECK(!memcmp(pkt + len, copy + len, 16));
    if (v != NAPT44_OK) {
        CHECK(!memcmp(pkt, copy, len));
        return;
    }
    CHECK(r == WR_OK);
    size_t tot = before.len;
    CHECK(!memcmp(pkt + tot, copy + tot, len - tot));
    struct nat44_info after;
    CHECK(nat44_parse(pkt, len, &after) == WR_OK);
    CHECK(after.kind == before.kind);
    if (valid >= 0)
        CHECK(l4_valid(pkt, &after) == valid);
    if (out) {
        check_out(pkt, len);
        memcpy(last, pkt, tot);
        last_len = tot;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
    if (n < 5)
        return 0;
    ps.offset = d[1] % 16;
    ps.psid_len = d[0] % 17;
    if (ps.offset + ps.psid_len > 16)
        ps.psid_len = (uint8_t)(16 - ps.offset);
    ps.psid = ps.psid_len ? (uint16_t)(rd16(d + 2) & ((1u << ps.psid_len) - 1)) : 0;
    if (ps.psid_len == 16)
        ps.psid = rd16(d + 2);
    rs = 0x9e3779b97f4a7c15ull ^ n;
    struct napt44_config c = { .max = (uint32_t)d[4] + 1, .x = X, .ps = ps, .rand = frand };
    struct napt44 *t = napt44_new(&c);
    CHECK(t != NULL);
    last_len = 0;
    uint64_t now = NS_PER_SEC;
    size_t off = 5;
    while (off + 3 <= n) {
        uint8_t how = d[off];
        size_t len = rd16(d + off + 1);
        off += 3;
        if ((how & 3) == 3) {
            now += (uint64_t)len * NS_PER_SEC;
            napt44_expire(t, now);
            continue;
        }
        if ((how & 3) != 2) {
            if (len > n - off)
                len = n - off;
            one(t, how, d + off, len, now);
            off += len;
        } else {
            one(t, how, NULL, 0, now);
        }
        static struct seen s;
        memset(&s, 0, sizeof s);
        napt44_foreach(t, map_cb, &s);
        struct napt44_stats st;
        napt44_stats(t, &st);
        CHECK(s.n == st.mappings && st.mappings <= st.max && st.max <= c.max);
    }
    napt44_free(t);
    return 0;
}
