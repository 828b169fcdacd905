/* ESP input (RFC 4303 §3.4): SA by (SPI, destination), anti-replay check
 * before the ICV, the ICV before decryption (ipsec_esp_open), the window
 * advanced only for authentic packets, then transport mode (the payload
 * takes ESP's place; the outer source must be the SA's, RFC 4301 §5.2
 * step 4) or tunnel mode (the inner packet re-enters input and the inner
 * addresses are judged). */
#include <string.h>
#include "ipsec/ipsec_priv.h"
#include "ipsec/ipsec_log.h"
#include "net/stack.h"
#include "net/gif.h"
#include "net/ip6_var.h"
#include "net/ip4_var.h"
#include "core/pkt.h"
#include "wire/esp.h"
#include "wire/ip6.h"
#include "wire/ip6edit.h"
#include "wire/ip4.h"

static void map4(struct in_addr a, struct in6_addr *out)
{
    memset(out, 0, sizeof *out);
    out->s6_addr[10] = out->s6_addr[11] = 0xff;
    memcpy(&out->s6_addr[12], &a, 4);
}

static bool packet_addrs(const struct pkt *p, bool v4, struct in6_addr *src, struct in6_addr *dst)
{
    const uint8_t *d = pkt_data(p);
    if (v4) {
        struct ip4_info ih;
        if (ip4_parse(d, p->len, &ih) != WR_OK)
            return false;
        map4(ih.src, src);
        map4(ih.dst, dst);
        return true;
    }
    struct ip6_info ip;
    if (ip6_parse(d, p->len, &ip) != WR_OK)
        return false;
    *src = ip.src;
    *dst = ip.dst;
    return true;
}

static int drop(struct pkt *p)
{
    pkt_free(p);
    return -1;
}

static int count_open_failure(struct six_stack *st, struct ipsec_sa *sa, enum esp_status s)
{
    switch (s) {
    case ESP_E_ICV:
        CTR_INC(st, ipsec, drop_icv);
        sa->stats.drop_icv++;
        break;
    case ESP_E_PAD: case ESP_E_PADLEN:
        CTR_INC(st, ipsec, drop_bad_padding);
        sa->stats.drop_pad++;
        break;
    case ESP_E_TRUNCATED: case ESP_E_BLOCK:
        CTR_INC(st, ipsec, drop_truncated);
        sa->stats.drop_trunc++;
        break;
    default:
        CTR_INC(st, ipsec, drop_crypto);
    }
    return -1;
}

/* Transport mode: [IP headers (off)][ESP hdr][payload][trailer] becomes
 * [IP headers][payload], the protocol field says what the payload is. */
static int transport(struct pkt *p, bool v4, size_t off, size_t nxt_field, const struct esp_opened *r)
{
    uint8_t *d = pkt_data(p);
    struct ip4_info ih;
    if (v4 && (ip4_parse(d, p->len, &ih) != WR_OK || ih.hl != IP4_HLEN))
        return -1;   /* options: we never send them with ESP, and do not take them */
    uint8_t *start = r->payload - off;
    memmove(start, d, off);
    pkt_pull(p, (size_t)(start - d));
    pkt_trim(p, off + r->len);
    d = pkt_data(p);
    if (v4) {
        ih.proto = r->next_header;
        ih.tot_len = (uint16_t)p->len;
        ip4_emit(d, IP4_HLEN, &ih);
    } else {
        ip6_hdr_set_nxt_at(d, nxt_field, r->next_header);
        ip6_hdr_set_plen(d, (uint16_t)(p->len - IP6_HLEN));
    }
    return r->next_header;
}

static int tunnel(struct ifnet *ifp, struct pkt *p, const struct esp_opened *r, struct ifnet *bound)
{
    struct six_stack *st = ifp->st;
    pkt_pull(p, (size_t)(r->payload - pkt_data(p)));
    pkt_trim(p, r->len);
    if (bound) {   /* the SA's tunnel interface: the packet arrives there, checked as gif input */
        gif_input_esp(bound, p, r->next_header);
        return -1;
    }
    p->flags |= PKT_F_IPSEC_TUNNEL;
    /* the inner header says its version; it must agree with ESP's next header */
    unsigned version = p->len ? pkt_data(p)[0] >> 4 : 0;
    if (r->next_header == IPPROTO_IPV6 && version == 6) {
        ip6_input(ifp, p);
    } else if (r->next_header == IPPROTO_IPIP && version == 4) {
        ip4_input(ifp, p);
    } else {
        CTR_INC(st, ipsec, drop_bad_nxt);
        pkt_free(p);
    }
    return -1;
}

int esp_input(struct ifnet *ifp, struct pkt *p, bool v4, size_t off, size_t nxt_field)
{
    return esp_input_natt(ifp, p, v4, off, nxt_field, 0);
}

int esp_input_natt(struct ifnet *ifp, struct pkt *p, bool v4, size_t off, size_t nxt_field, uint16_t sport)
{
    struct six_stack *st = ifp->st;
    struct in6_addr src, dst;
    size_t len = p->len - off;

    struct esp_info ei;
    enum wire_reason wr = esp_parse(pkt_data(p) + off, len, &ei);
    if (wr != WR_OK) {
        WIRE_DROP(st, esp, wr);
        return drop(p);
    }
    if (!packet_addrs(p, v4, &src, &dst)) {
        CTR_INC(st, ipsec, drop_truncated);
        return drop(p);
    }
    uint8_t *esp = pkt_data(p) + off;
    uint32_t spi = ei.spi, seq_lo = ei.seq;
    struct ipsec_sa *sa = ipsec_sa_find(st, IPSEC_PROTO_ESP, &dst, spi);
    if (!sa || sa->state == IPSEC_SA_LARVAL) {
        CTR_INC(st, ipsec, drop_unknown_spi);
        return drop(p);
    }
    if (sport && !sa->natt) {   /* UDP-encapsulated for an SA that was not set up for it */
        CTR_INC(st, ipsec, drop_natt_mismatch);
        return drop(p);
    }
    if (p->ipsec_n >= PKT_IPSEC_MAX) {
        CTR_INC(st, ipsec, drop_nest);
        return drop(p);
    }
    uint64_t seq64, top_before = sa->replay.top;
    if (replay_check(&sa->replay, seq_lo, sa->esn, &seq64) != REPLAY_OK) {
        CTR_INC(st, ipsec, drop_replay);
        sa->stats.drop_replay++;
        ipsec_warn_drop(st, SIX_WARN_REPLAY, sa, p, v4, sport, seq_lo);
        return drop(p);
    }
    struct esp_opened r;
    enum esp_status s = ipsec_esp_open(&sa->x, esp, len, seq64, sa->esn, NULL, 0, &r);
    if (s != ESP_OK && s != ESP_DUMMY) {
        count_open_failure(st, sa, s);
        if (s == ESP_E_ICV)
            ipsec_warn_drop(st, SIX_WARN_ICV, sa, p, v4, sport, seq64);
        return drop(p);
    }
    if (replay_update(&sa->replay, seq64) != REPLAY_OK) {
        CTR_INC(st, ipsec, drop_replay);
        sa->stats.drop_replay++;
        ipsec_warn_drop(st, SIX_WARN_REPLAY, sa, p, v4, sport, seq64);
        return drop(p);
    }
    /* newest: above the window's top before this packet. Only such a packet
     * may move the peer; an authentic one that an attacker held back and
     * releases from elsewhere is older than what already came through. */
    bool newest = seq64 > top_before;
    if (sport && sa->natt_follow)   /* authentic: the peer may have moved (RFC 3948 §3.5 rebinding) */
        ipsec_natt_follow(st, sa, &src, sport, newest);
    if (s == ESP_DUMMY) {   /* RFC 4303 §2.6: traffic flow confidentiality filler */
        CTR_INC(st, ipsec, dummy);
        return drop(p);
    }
    bool inner_ip = r.next_header == IPPROTO_IPV6 || r.next_header == IPPROTO_IPIP;
    bool as_tunnel = sa->mode == IPSEC_MODE_TUNNEL || (sa->mode == IPSEC_MODE_ANY && inner_ip);
    if (!as_tunnel && !ipsec_transport_peer_ok(st, sa, p, &src, sport, newest, r.next_header))
        return drop(p);
    uint32_t id = sa->id;
    uint32_t spi_in = sa->spi;
    struct in6_addr local = sa->dst;   /* sa may be gone after accounting */
    if (!ipsec_sa_account(st, sa, r.len)) {
        CTR_INC(st, ipsec, drop_expired);
        return drop(p);
    }
    CTR_INC(st, ipsec, in_packets);
    p->ipsec_said[p->ipsec_n++] = id;
    if (as_tunnel) {
        if (!inner_ip) {
            CTR_INC(st, ipsec, drop_bad_nxt);
            return drop(p);
        }
        /* only tunnel mode can end on a tunnel interface: the scan is not on the transport path */
        return tunnel(ifp, p, &r, gif_bound_to(st, spi_in, &local));
    }
    int nh = transport(p, v4, off, nxt_field, &r);
    if (nh < 0) {
        CTR_INC(st, ipsec, drop_bad_nxt);
        return drop(p);
    }
    return nh;
}
