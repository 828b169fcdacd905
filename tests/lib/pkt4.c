#include <string.h>
#include "pkt4.h"

static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }

uint16_t pkt4_sum(const uint8_t *p, size_t n, uint32_t start)
{
    uint32_t s = start;
    for (size_t i = 0; i < n; i++)
        s += (i & 1) ? p[i] : (uint32_t)p[i] << 8;
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return (uint16_t)s;
}

static uint32_t pseudo(const uint8_t *ip, uint8_t proto, size_t l4len)
{
    return pkt4_sum(ip + 12, 8, 0) + proto + (uint32_t)l4len;
}

static size_t build_l4(const struct pkt4 *s, uint8_t *l4, size_t cap)
{
    size_t h;
    switch (s->proto) {
    case 6: h = 20; break;
    case 17: h = 8; break;
    case 1: h = 8; break;
    default: h = 0;
    }
    size_t body = s->plen;
    size_t quoted = 0;
    uint8_t q[PKT4_MAX];
    if (s->proto == 1 && s->inner) {
        quoted = pkt4_build(s->inner, q, sizeof q);
        if (!quoted)
            return 0;
        if (s->qlen && s->qlen < quoted)
            quoted = s->qlen;
        body = quoted;
    }
    if (h + body > cap)
        return 0;
    memset(l4, 0, h);
    if (s->proto == 6) {
        put16(l4, s->sport);
        put16(l4 + 2, s->dport);
        put16(l4 + 4, (uint16_t)(s->pseed >> 16));
        put16(l4 + 6, (uint16_t)s->pseed);
        l4[12] = 5 << 4;
        l4[13] = s->tcp_flags;
        put16(l4 + 14, 65535);
    } else if (s->proto == 17) {
        put16(l4, s->sport);
        put16(l4 + 2, s->dport);
        put16(l4 + 4, (uint16_t)(h + body));
    } else if (s->proto == 1) {
        l4[0] = s->icmp_type;
        l4[1] = s->icmp_code;
        if (!s->inner) {
            put16(l4 + 4, s->sport);
            put16(l4 + 6, (uint16_t)s->pseed);
        }
    }
    if (quoted)
        memcpy(l4 + h, q, quoted);
    else
        for (size_t i = 0; i < body; i++)
            l4[h + i] = (uint8_t)(s->pseed * 7 + i * 13 + (i >> 8));
    return h + body;
}

size_t pkt4_build(const struct pkt4 *s, uint8_t *out, size_t cap)
{
    size_t hl = 20 + 4u * s->opt_words;
    if (s->opt_words > 10 || cap < hl)
        return 0;
    size_t l4len = build_l4(s, out + hl, cap - hl);
    if (!l4len && s->proto != 0 && (s->proto == 6 || s->proto == 17 || s->proto == 1))
        return 0;
    size_t tot = hl + l4len;
    out[0] = (uint8_t)(0x40 | hl / 4);
    out[1] = 0;
    put16(out + 2, (uint16_t)tot);
    put16(out + 4, s->id);
    put16(out + 6, s->frag);
    out[8] = s->ttl ? s->ttl : 64;
    out[9] = s->proto;
    put16(out + 10, 0);
    memcpy(out + 12, &s->src.s_addr, 4);
    memcpy(out + 16, &s->dst.s_addr, 4);
    memset(out + 20, 1, hl - 20);         /* NOPs */
    put16(out + 10, (uint16_t)~pkt4_sum(out, hl, 0));
    uint8_t *l4 = out + hl;
    if (s->proto == 6) {
        put16(l4 + 16, (uint16_t)~pkt4_sum(l4, l4len, pseudo(out, 6, l4len)));
    } else if (s->proto == 17 && !s->udp_no_cksum) {
        uint16_t c = (uint16_t)~pkt4_sum(l4, l4len, pseudo(out, 17, l4len));
        put16(l4 + 6, c ? c : 0xffff);
    } else if (s->proto == 1) {
        put16(l4 + 2, (uint16_t)~pkt4_sum(l4, l4len, 0));
    }
    return tot;
}

bool pkt4_cksums_ok(const uint8_t *p, size_t n)
{
    if (n < 20)
        return false;
    size_t hl = (size_t)(p[0] & 15) * 4, tot = get16(p + 2);
    if (hl < 20 || tot > n || tot < hl || pkt4_sum(p, hl, 0) != 0xffff)
        return false;
    const uint8_t *l4 = p + hl;
    size_t l4len = tot - hl;
    switch (p[9]) {
    case 6: return l4len >= 20 && pkt4_sum(l4, l4len, pseudo(p, 6, l4len)) == 0xffff;
    case 17: return l4len >= 8 && (get16(l4 + 6) == 0 || pkt4_sum(l4, l4len, pseudo(p, 17, l4len)) == 0xffff);
    case 1: return l4len >= 8 && pkt4_sum(l4, l4len, 0) == 0xffff;
    default: return true;
    }
}
