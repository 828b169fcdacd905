/* Readable one-line forms of SAs and policies for sixctl and setkey dumps. */
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include "ipsec/ipsec.h"
#include "wire/ip6.h"

const char *ipsec_ealg_name(enum ipsec_ealg e)
{
    switch (e) {
    case IPSEC_EALG_NULL: return "null";
    case IPSEC_EALG_AES_CBC: return "aes-cbc";
    case IPSEC_EALG_AES_GCM16: return "aes-gcm-16";
    case IPSEC_EALG_AES_GMAC: return "aes-gmac";
    case IPSEC_EALG_CHACHA20_POLY1305: return "chacha20-poly1305";
    default: return "none";
    }
}

const char *ipsec_aalg_name(enum ipsec_aalg a)
{
    switch (a) {
    case IPSEC_AALG_HMAC_SHA1_96: return "hmac-sha1";
    case IPSEC_AALG_HMAC_SHA256_128: return "hmac-sha2-256";
    default: return "none";
    }
}

const char *ipsec_mode_name(int mode)
{
    return mode == IPSEC_MODE_TRANSPORT ? "transport" : mode == IPSEC_MODE_TUNNEL ? "tunnel" : "any";
}

const char *ipsec_dir_name(int dir)
{
    return dir == IPSEC_DIR_IN ? "in" : dir == IPSEC_DIR_OUT ? "out" : dir == IPSEC_DIR_FWD ? "fwd" : "any";
}

/* IPv4-mapped addresses print as IPv4. */
static const char *addr_str(const struct in6_addr *a, char *buf, size_t n)
{
    if (in6_is_v4mapped(a))
        return inet_ntop(AF_INET, &a->s6_addr[12], buf, (socklen_t)n);
    return inet_ntop(AF_INET6, a, buf, (socklen_t)n);
}

void ipsec_sa_format(const struct ipsec_sa *sa, char *buf, size_t n)
{
    char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN];
    snprintf(buf, n,
             "%s %s %s spi 0x%08x (%u) mode %s reqid %u state %s enc %s auth %s replay %u esn %s "
             "current %llu bytes %llu packets; drops replay %llu icv %llu pad %llu selector %llu",
             sa->proto == IPSEC_PROTO_AH ? "ah" : sa->natt ? "esp-udp" : "esp", addr_str(&sa->src, s, sizeof s),
             addr_str(&sa->dst, d, sizeof d), sa->spi, sa->spi, ipsec_mode_name(sa->mode), sa->reqid,
             ipsec_sa_state_name(sa->state), ipsec_ealg_name(sa->x.ealg), ipsec_aalg_name(sa->x.aalg),
             sa->replay.size, sa->esn ? "yes" : "no", (unsigned long long)sa->cur_bytes,
             (unsigned long long)sa->cur_packets, (unsigned long long)sa->stats.drop_replay,
             (unsigned long long)sa->stats.drop_icv, (unsigned long long)sa->stats.drop_pad,
             (unsigned long long)sa->stats.drop_selector);
}

static int range_str(const struct in6_addr *a, unsigned plen, uint16_t port, char *buf, size_t n)
{
    char t[INET6_ADDRSTRLEN];
    bool v4 = in6_is_v4mapped(a);
    char ps[8];
    if (port)
        snprintf(ps, sizeof ps, "%u", port);
    return snprintf(buf, n, "%s/%u[%s]", addr_str(a, t, sizeof t), v4 ? plen - 96 : plen, port ? ps : "any");
}

void ipsec_sp_format(const struct ipsec_sp *sp, char *buf, size_t n)
{
    char s[80], d[80], ul[24], req[4 * 120] = "";
    static const char *levels[] = { "default", "use", "require", "unique" };
    range_str(&sp->sel.src, sp->sel.splen, sp->sel.sport, s, sizeof s);
    range_str(&sp->sel.dst, sp->sel.dplen, sp->sel.dport, d, sizeof d);
    if (sp->sel.ulproto == IPSEC_ULPROTO_ANY)
        snprintf(ul, sizeof ul, "any");
    else if (sp->sel.has_icmp_type)
        snprintf(ul, sizeof ul, "%u %u,%u", sp->sel.ulproto, sp->sel.icmp_type, sp->sel.icmp_code);
    else
        snprintf(ul, sizeof ul, "%u", sp->sel.ulproto);
    size_t used = 0;
    for (unsigned i = 0; i < sp->nreq && used < sizeof req; i++) {
        const struct ipsec_req *r = &sp->req[i];
        char ts[INET6_ADDRSTRLEN] = "", td[INET6_ADDRSTRLEN] = "";
        if (r->mode == IPSEC_MODE_TUNNEL) {
            addr_str(&r->tsrc, ts, sizeof ts);
            addr_str(&r->tdst, td, sizeof td);
        }
        int k = snprintf(req + used, sizeof req - used, " %s/%s/%s%s%s/%s", r->proto == IPSEC_PROTO_AH ? "ah" : "esp",
                         ipsec_mode_name(r->mode), ts, r->mode == IPSEC_MODE_TUNNEL ? "-" : "", td,
                         r->level < 4 ? levels[r->level] : "?");
        if (k > 0)
            used += (size_t)k;
    }
    static const char *acts[] = { "discard", "none", "ipsec", "entrust", "bypass" };
    snprintf(buf, n, "%s %s %s %s%s prio %lld hits %llu", s, d, ul, sp->action < 5 ? acts[sp->action] : "?", req,
             (long long)sp->priority, (unsigned long long)sp->hits);
    /* the direction leads, as in setkey's -P */
    char tmp[512];
    snprintf(tmp, sizeof tmp, "%s %s", ipsec_dir_name(sp->dir), buf);
    snprintf(buf, n, "%s", tmp);
}
