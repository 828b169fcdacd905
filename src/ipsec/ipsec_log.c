/* IPsec log lines an operator can grep: see ipsec_log.h. */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "ipsec/ipsec_log.h"
#include "core/log.h"
#include "core/pkt.h"
#include "net/stack.h"
#include "wire/ip4.h"
#include "wire/ip6.h"

const char *ipsec_addr_str(const struct in6_addr *a, char *buf, size_t n)
{
    static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };
    if (!memcmp(a->s6_addr, mapped, sizeof mapped))
        return inet_ntop(AF_INET, &a->s6_addr[12], buf, (socklen_t)n);
    return inet_ntop(AF_INET6, a, buf, (socklen_t)n);
}

void ipsec_sa_label(const struct ipsec_sa *sa, char *buf, size_t n)
{
    char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN];
    snprintf(buf, n, "SA %s 0x%08x %s>%s", sa->proto == IPSEC_PROTO_AH ? "ah" : sa->natt ? "esp-udp" : "esp", sa->spi,
             ipsec_addr_str(&sa->src, s, sizeof s), ipsec_addr_str(&sa->dst, d, sizeof d));
}

void ipsec_log_sa(struct six_stack *st, int level, const struct ipsec_sa *sa, const char *fmt, ...)
{
    if (!st->trace && level > six_log_level())
        return;
    char label[128], what[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    ipsec_sa_label(sa, label, sizeof label);
    six_event(st, level, "%s: %s", label, what);
}

/* The packet's outer source as text, with :port for NAT-T. */
static const char *peer_str(const struct pkt *p, bool v4, uint16_t sport, char *buf, size_t n)
{
    const uint8_t *d = pkt_data(p);
    char a[INET6_ADDRSTRLEN] = "?";
    if (v4) {
        struct ip4_info ih;
        if (ip4_parse(d, p->len, &ih) == WR_OK)
            inet_ntop(AF_INET, &ih.src, a, sizeof a);
    } else {
        struct ip6_info ip;
        if (ip6_parse(d, p->len, &ip) == WR_OK)
            inet_ntop(AF_INET6, &ip.src, a, sizeof a);
    }
    if (!sport)
        snprintf(buf, n, "%s", a);
    else
        snprintf(buf, n, v4 ? "%s:%u" : "[%s]:%u", a, sport);
    return buf;
}

void ipsec_warn_drop(struct six_stack *st, enum six_warn_kind kind, const struct ipsec_sa *sa, const struct pkt *p,
                     bool v4, uint16_t sport, uint64_t seq)
{
    uint32_t missed;
    if (!six_warn_begin(st, kind, &missed))
        return;
    char label[128], peer[INET6_ADDRSTRLEN + 10];
    ipsec_sa_label(sa, label, sizeof label);
    peer_str(p, v4, sport, peer, sizeof peer);
    if (kind == SIX_WARN_REPLAY)
        six_warn_emit(st, missed, "%s: replayed packet seq %llu from %s dropped", label, (unsigned long long)seq,
                      peer);
    else
        six_warn_emit(st, missed, "%s: ICV check failed (forged or corrupted) for a packet from %s, dropped", label,
                      peer);
}

void ipsec_warn_policy(struct six_stack *st, const struct ipsec_sel *k)
{
    uint32_t missed;
    if (!six_warn_begin(st, SIX_WARN_POLICY, &missed))
        return;
    char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN];
    six_warn_emit(st, missed, "ipsec: packet %s>%s proto %u without the IPsec its policy requires, dropped",
                  ipsec_addr_str(&k->src, s, sizeof s), ipsec_addr_str(&k->dst, d, sizeof d), k->ulproto);
}
