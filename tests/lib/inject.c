/* Packet-building helpers for tests (see inject.h). */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include "inject.h"
#include "core/pkt.h"
#include "net/netif.h"
#include "wire/arp.h"
#include "wire/bytes.h"
#include "wire/cksum.h"
#include "wire/ether.h"
#include "wire/icmp4.h"
#include "wire/icmp6.h"
#include "wire/ip6ext.h"
#include "wire/tcp.h"
#include "net/stack.h"

const struct eth_addr inj_bcast = { { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff } };

struct in6_addr inj_a6(const char *s)
{
    struct in6_addr a;
    if (inet_pton(AF_INET6, s, &a) != 1)
        memset(&a, 0, sizeof a);
    return a;
}

struct in_addr inj_a4(const char *s)
{
    struct in_addr a;
    if (inet_pton(AF_INET, s, &a) != 1)
        a.s_addr = 0;
    return a;
}

struct eth_addr inj_mac6(const struct in6_addr *grp)
{
    struct eth_addr m = { { 0x33, 0x33, grp->s6_addr[12], grp->s6_addr[13], grp->s6_addr[14], grp->s6_addr[15] } };
    return m;
}

size_t inj_cat(uint8_t *out, size_t cap, const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
    if (alen + blen > cap)
        return 0;
    if (alen && out != a)
        memmove(out, a, alen);
    if (blen)
        memmove(out + alen, b, blen);
    return alen + blen;
}

/* --- IPv6 --- */

size_t inj_ip6(uint8_t *out, size_t cap, const struct in6_addr *src, const struct in6_addr *dst,
               uint8_t hlim, uint8_t nxt, const uint8_t *pl, size_t pl_len)
{
    struct ip6_info h = { .plen = (uint16_t)pl_len, .nxt = nxt, .hlim = hlim, .src = *src, .dst = *dst };

    if (IP6_HLEN + pl_len > cap)
        return 0;
    if (pl_len)
        memmove(out + IP6_HLEN, pl, pl_len);
    ip6_emit(out, IP6_HLEN, &h);
    return IP6_HLEN + pl_len;
}

size_t inj_icmp6(uint8_t *out, size_t cap, const struct in6_addr *src, const struct in6_addr *dst,
                 uint8_t type, uint8_t code, uint32_t data32, const uint8_t *body, size_t body_len)
{
    if (ICMP6_HLEN + body_len > cap)
        return 0;
    if (body_len)
        memmove(out + ICMP6_HLEN, body, body_len);
    icmp6_emit_hdr(out, ICMP6_HLEN, type, code, data32);
    icmp6_set_cksum(out, ICMP6_HLEN + body_len, src, dst);
    return ICMP6_HLEN + body_len;
}

size_t inj_echo6(uint8_t *out, size_t cap, const struct in6_addr *src, const struct in6_addr *dst,
                 uint16_t id, uint16_t seq, size_t n)
{
    uint8_t body[INJ_MAX];

    if (n > sizeof body)
        return 0;
    for (size_t i = 0; i < n; i++)
        body[i] = (uint8_t)i;
    return inj_icmp6(out, cap, src, dst, ICMP6_ECHO_REQUEST, 0, ((uint32_t)id << 16) | seq, body, n);
}

size_t inj_opthdr(uint8_t *out, size_t cap, uint8_t nxt, const uint8_t *opts, size_t n)
{
    size_t total = (2 + n + 7) & ~(size_t)7;

    if (total > cap || total / 8 - 1 > 255)
        return 0;
    out[0] = nxt;
    out[1] = (uint8_t)(total / 8 - 1);
    if (n)
        memcpy(out + 2, opts, n);
    size_t pad = total - 2 - n;
    if (pad == 1) {
        out[2 + n] = IP6OPT_PAD1;
    } else if (pad > 1) {
        out[2 + n] = IP6OPT_PADN;
        out[3 + n] = (uint8_t)(pad - 2);
        memset(out + 4 + n, 0, pad - 2);
    }
    return total;
}

size_t inj_rthdr(uint8_t *out, size_t cap, uint8_t nxt, uint8_t type, uint8_t segleft,
                 const struct in6_addr *addrs, unsigned n)
{
    size_t total = 8 + 16 * (size_t)n;

    if (total > cap || n > 127)
        return 0;
    out[0] = nxt;
    out[1] = (uint8_t)(2 * n);
    out[2] = type;
    out[3] = segleft;
    memset(out + 4, 0, 4);
    for (unsigned i = 0; i < n; i++)
        memcpy(out + 8 + 16 * i, &addrs[i], 16);
    return total;
}

size_t inj_fraghdr(uint8_t *out, size_t cap, uint8_t nxt, uint16_t off, bool more, uint32_t id)
{
    if (cap < IP6_FRAG_HLEN)
        return 0;
    out[0] = nxt;
    out[1] = 0;
    wr16(out + 2, (uint16_t)((off & 0xfff8) | (more ? 1 : 0)));
    wr32(out + 4, id);
    return IP6_FRAG_HLEN;
}

/* --- IPv4 / ARP --- */

void inj_ip4_fix_cksum(uint8_t *p)
{
    size_t hl = (size_t)(p[0] & 0x0f) * 4;
    wr16(p + 10, 0);
    wr16(p + 10, cksum_fold(cksum_add(0, p, hl)));
}

size_t inj_ip4(uint8_t *out, size_t cap, struct in_addr src, struct in_addr dst, uint8_t ttl, uint8_t proto,
               uint16_t id, uint16_t frag, const uint8_t *opts, size_t optlen, const uint8_t *pl, size_t pl_len)
{
    size_t hl = 20 + ((optlen + 3) & ~(size_t)3);

    if (hl > 60 || hl + pl_len > cap || hl + pl_len > 0xffff)
        return 0;
    if (pl_len)
        memmove(out + hl, pl, pl_len);
    out[0] = (uint8_t)(0x40 | (hl / 4));
    out[1] = 0;
    wr16(out + 2, (uint16_t)(hl + pl_len));
    wr16(out + 4, id);
    wr16(out + 6, frag);
    out[8] = ttl;
    out[9] = proto;
    memcpy(out + 12, &src.s_addr, 4);
    memcpy(out + 16, &dst.s_addr, 4);
    memset(out + 20, 0, hl - 20);   /* EOL padding */
    if (optlen)
        memcpy(out + 20, opts, optlen);
    inj_ip4_fix_cksum(out);
    return hl + pl_len;
}

size_t inj_icmp4(uint8_t *out, size_t cap, uint8_t type, uint8_t code, uint32_t data32,
                 const uint8_t *body, size_t body_len)
{
    if (ICMP4_HLEN + body_len > cap)
        return 0;
    if (body_len)
        memmove(out + ICMP4_HLEN, body, body_len);
    icmp4_emit_hdr(out, ICMP4_HLEN, type, code, data32);
    icmp4_set_cksum(out, ICMP4_HLEN + body_len);
    return ICMP4_HLEN + body_len;
}

size_t inj_echo4(uint8_t *out, size_t cap, uint16_t id, uint16_t seq, size_t n)
{
    uint8_t body[INJ_MAX];

    if (n > sizeof body)
        return 0;
    for (size_t i = 0; i < n; i++)
        body[i] = (uint8_t)i;
    return inj_icmp4(out, cap, ICMP4_ECHO, 0, ((uint32_t)id << 16) | seq, body, n);
}

size_t inj_arp(uint8_t *out, size_t cap, uint16_t op, const struct eth_addr *sha, struct in_addr spa,
               const struct eth_addr *tha, struct in_addr tpa)
{
    struct arp_info a = { .op = op, .sha = *sha, .tha = *tha, .spa = spa, .tpa = tpa };
    return arp_emit(out, cap, &a);
}

/* --- link --- */

size_t inj_eth(uint8_t *out, size_t cap, const struct eth_addr *dst, const struct eth_addr *src,
               uint16_t type, const uint8_t *pl, size_t pl_len)
{
    if (ETH_HLEN + pl_len > cap)
        return 0;
    if (pl_len)
        memmove(out + ETH_HLEN, pl, pl_len);
    eth_emit(out, ETH_HLEN, dst, src, type);
    return ETH_HLEN + pl_len;
}

bool inj_input(struct ifnet *ifp, const uint8_t *frame, size_t len)
{
    struct pkt *p = pkt_alloc(ifp->pool, len);
    if (!p)
        return false;
    if (len)
        memcpy(pkt_put(p, len), frame, len);
    if_input(ifp, &p, 1);
    return true;
}

bool inj_input_eth(struct ifnet *ifp, const struct eth_addr *dst, const struct eth_addr *src,
                   const uint8_t *ip, size_t len)
{
    static uint8_t f[ETH_HLEN + 65536];
    uint16_t type = len && (ip[0] >> 4) == 4 ? ETHERTYPE_IP4 : ETHERTYPE_IP6;
    size_t n = inj_eth(f, sizeof f, dst, src, type, ip, len);
    return n && inj_input(ifp, f, n);
}

/* --- capture --- */

static void cap_hook(struct ifnet *ifp, struct pkt *p)
{
    struct inj_capture *c = ifp->input_hook_ctx;

    if (c->n == c->cap) {
        unsigned ncap = c->cap ? 2 * c->cap : 64;
        struct inj_frame *nf = realloc(c->f, ncap * sizeof *nf);
        if (!nf)
            goto out;
        c->f = nf;
        c->cap = ncap;
    }
    uint8_t *d = malloc(p->len ? p->len : 1);
    if (!d)
        goto out;
    memcpy(d, pkt_data(p), p->len);
    c->f[c->n++] = (struct inj_frame){ .d = d, .len = p->len };
out:
    if (c->pass)
        net_input(ifp, p);
    else
        pkt_free(p);
}

void inj_capture_start(struct inj_capture *c, struct ifnet *ifp, bool pass)
{
    memset(c, 0, sizeof *c);
    c->pass = pass;
    c->ifp = ifp;
    ifp->input_hook_ctx = c;
    ifp->input_hook = cap_hook;
}

void inj_capture_clear(struct inj_capture *c)
{
    for (unsigned i = 0; i < c->n; i++)
        free(c->f[i].d);
    c->n = 0;
}

void inj_capture_stop(struct inj_capture *c)
{
    inj_capture_clear(c);
    free(c->f);
    c->f = NULL;
    c->cap = 0;
    if (c->ifp && c->ifp->input_hook == cap_hook) {
        c->ifp->input_hook = NULL;
        c->ifp->input_hook_ctx = NULL;
    }
    c->ifp = NULL;
}

bool inj_parse_icmp6(const uint8_t *frame, size_t len, struct inj_icmp6 *out)
{
    struct eth_info e;

    if (eth_parse(frame, len, &e) != WR_OK || e.type != ETHERTYPE_IP6)
        return false;
    const uint8_t *d = frame + ETH_HLEN;
    size_t n = len - ETH_HLEN;
    if (ip6_parse(d, n, &out->ip) != WR_OK)
        return false;
    n = IP6_HLEN + out->ip.plen;
    size_t off = IP6_HLEN;
    uint8_t nxt = out->ip.nxt;
    for (int i = 0; i < 8 && (nxt == IP6_NXT_HOPOPTS || nxt == IP6_NXT_DSTOPTS); i++) {
        struct ip6_opthdr_info h;
        if (ip6_opthdr_parse(d + off, n - off, &h) != WR_OK)
            return false;
        off += h.len;
        nxt = h.nxt;
    }
    if (nxt != IP6_NXT_ICMPV6)
        return false;
    struct icmp6_info ic;
    if (icmp6_parse(d + off, n - off, &out->ip.src, &out->ip.dst, &ic) != WR_OK)
        return false;
    out->type = ic.type;
    out->code = ic.code;
    out->data32 = ic.data32;
    out->body = ic.body;
    out->body_len = ic.body_len;
    return true;
}

unsigned inj_count_icmp6(const struct inj_capture *c, int type, int code, const struct in6_addr *src,
                         const struct in6_addr *dst, struct inj_icmp6 *last)
{
    unsigned k = 0;
    struct inj_icmp6 m;

    for (unsigned i = 0; i < c->n; i++) {
        if (!inj_parse_icmp6(c->f[i].d, c->f[i].len, &m))
            continue;
        if ((type >= 0 && m.type != type) || (code >= 0 && m.code != code))
            continue;
        if ((src && !in6_eq(src, &m.ip.src)) || (dst && !in6_eq(dst, &m.ip.dst)))
            continue;
        k++;
        if (last)
            *last = m;
    }
    return k;
}

bool inj_parse_icmp4(const uint8_t *frame, size_t len, struct inj_icmp4 *out)
{
    struct eth_info e;

    if (eth_parse(frame, len, &e) != WR_OK || e.type != ETHERTYPE_IP4)
        return false;
    const uint8_t *d = frame + ETH_HLEN;
    if (ip4_parse(d, len - ETH_HLEN, &out->ip) != WR_OK || out->ip.proto != IP4_PROTO_ICMP ||
        out->ip.frag_off || out->ip.mf)
        return false;
    struct icmp4_info ic;
    if (icmp4_parse(d + out->ip.hl, (size_t)out->ip.tot_len - out->ip.hl, &ic) != WR_OK)
        return false;
    out->type = ic.type;
    out->code = ic.code;
    out->data32 = ic.data32;
    out->body = ic.body;
    out->body_len = ic.body_len;
    return true;
}

unsigned inj_count_icmp4(const struct inj_capture *c, int type, int code, const struct in_addr *src,
                         const struct in_addr *dst, struct inj_icmp4 *last)
{
    unsigned k = 0;
    struct inj_icmp4 m;

    for (unsigned i = 0; i < c->n; i++) {
        if (!inj_parse_icmp4(c->f[i].d, c->f[i].len, &m))
            continue;
        if ((type >= 0 && m.type != type) || (code >= 0 && m.code != code))
            continue;
        if ((src && src->s_addr != m.ip.src.s_addr) || (dst && dst->s_addr != m.ip.dst.s_addr))
            continue;
        k++;
        if (last)
            *last = m;
    }
    return k;
}

bool inj_tcp_forge(struct six_stack *to, struct six_stack *from, const struct in6_addr *src,
                   const struct in6_addr *dst, uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack,
                   uint8_t flags, uint16_t win, const struct tcp_opts *opts, const void *data, size_t dl)
{
    static uint8_t seg[2048], ip[2200];
    struct tcp_seg t = { .sport = sport, .dport = dport, .seq = seq, .ack = ack, .flags = flags, .win = win };
    if (opts)
        t.opts = *opts;
    size_t hl = tcp_hdr_len(&t.opts), n;
    if (dl)
        memcpy(seg + hl, data, dl);
    if (in6_is_v4mapped(src)) {
        struct in_addr s4, d4;
        memcpy(&s4, &src->s6_addr[12], 4);
        memcpy(&d4, &dst->s6_addr[12], 4);
        tcp_emit(seg, sizeof seg, &t, dl, cksum_pseudo4(s4, d4, (uint16_t)(hl + dl), IP4_PROTO_TCP));
        n = inj_ip4(ip, sizeof ip, s4, d4, 64, IP4_PROTO_TCP, 1, 0x4000, NULL, 0, seg, hl + dl);
    } else {
        tcp_emit(seg, sizeof seg, &t, dl, cksum_pseudo6(src, dst, (uint32_t)(hl + dl), IP6_NXT_TCP));
        n = inj_ip6(ip, sizeof ip, src, dst, 64, IP6_NXT_TCP, seg, hl + dl);
    }
    struct ifnet *tif = if_find(to, "eth0"), *fif = if_find(from, "eth0");
    return inj_input_eth(tif, &tif->hwaddr, &fif->hwaddr, ip, n);
}
