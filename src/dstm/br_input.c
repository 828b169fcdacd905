/* The border router's decapsulation (br.h, in the header's order): 4in6 to
 * `local` from the hooks of ip6_input (outer fragments already
 * reassembled), checked against the binding table, then IPv4 on the BR
 * interface to be forwarded. Nothing is learned from what arrives: only
 * the AIIH and the configuration make bindings (draft-ietf-ngtrans-dstm
 * §6.2.2's caching of sources would let any host claim any address).
 *
 * Shared addresses: the PSID comes from the inner source port (ICMP: the
 * echo identifier, or for an error the port the quoted packet was sent to).
 * A port outside every set (the low ports an offset excludes) is
 * drop_spoof_port; a port in another host's set finds that host's binding
 * and fails the IPv6 source check (drop_spoof). Later fragments carry no
 * port: they follow the first (remembered by source, destination,
 * protocol and IP ID for BR_FRAG_TTL_NS) or are drop_frag_no_first. */
#include <string.h>
#include <arpa/inet.h>
#include "dstm/br_priv.h"
#include "dhcp6/lease.h"
#include "core/log.h"
#include "net/ip4_var.h"
#include "wire/bytes.h"
#include "wire/icmp4.h"

static bool ports_at(const uint8_t *d, size_t len, size_t at, uint8_t proto, bool want_src, uint16_t *port)
{
    if (proto == IP4_PROTO_TCP || proto == IP4_PROTO_UDP) {
        if (len < at + 4)
            return false;
        *port = rd16(d + at + (want_src ? 0 : 2));
        return true;
    }
    return false;
}

static bool icmp_is_query(uint8_t type)
{
    return type == ICMP4_ECHO || type == ICMP4_ECHO_REPLY || type == 13 || type == 14;   /* timestamp */
}

bool br_host_port(const uint8_t *d, size_t len, const struct ip4_info *ih, bool from_host, uint16_t *port)
{
    size_t hl = ih->hl;
    if (ih->proto != IP4_PROTO_ICMP)
        return ports_at(d, len, hl, ih->proto, from_host, port);
    if (len < hl + 8)
        return false;
    uint8_t type = d[hl];
    if (icmp_is_query(type)) {
        *port = rd16(d + hl + 4);
        return true;
    }
    if (!icmp4_is_error(type))
        return false;
    /* An error quotes a packet going the other way: the host's port is the
     * quoted destination when the host sends the error, else its source. */
    struct ip4_info q;
    const uint8_t *qd = d + hl + 8;
    size_t ql = len - hl - 8;
    if (ip4_parse_quoted(qd, ql, &q) != WR_OK || q.frag_off)
        return false;
    if (q.proto == IP4_PROTO_ICMP)
        return ql >= (size_t)q.hl + 8 && icmp_is_query(qd[q.hl]) && (*port = rd16(qd + q.hl + 4), true);
    return ports_at(qd, ql, q.hl, q.proto, !from_host, port);
}

/* --- first fragments --- */

static uint32_t frag_slot(const struct br *br, const struct ip4_info *ih)
{
    uint32_t h = br->frag_seed ^ ih->src.s_addr;
    h = (h * 0x9e3779b1u) ^ ih->dst.s_addr;
    h = (h * 0x85ebca6bu) ^ ((uint32_t)ih->id << 8 | ih->proto);
    h ^= h >> 15;
    h *= 0xc2b2ae35u;
    return (h ^ (h >> 13)) & (BR_FRAG_SLOTS - 1);
}

struct br_frag *br_frag_find(struct br *br, struct br_frag *tab, const struct ip4_info *ih, uint64_t now)
{
    struct br_frag *f = &tab[frag_slot(br, ih)];
    if (f->used && f->src == ih->src.s_addr && f->dst == ih->dst.s_addr && f->id == ih->id &&
        f->proto == ih->proto && f->expires_ns > now)
        return f;
    return NULL;
}

/* Direct-mapped (the cap is the array). A live slot of another datagram
 * is never taken over: else a flood of first fragments (the seed is
 * secret, but a flood needs no aim) would evict the datagrams in flight,
 * whose later fragments would then be dropped. The newcomer's later
 * fragments are dropped instead (br.frag_table_full). */
bool br_frag_note(struct br *br, struct br_frag *tab, const struct ip4_info *ih, uint16_t psid,
                  const struct in6_addr *v6, uint64_t now)
{
    struct br_frag *f = &tab[frag_slot(br, ih)];
    bool same = f->src == ih->src.s_addr && f->dst == ih->dst.s_addr && f->id == ih->id && f->proto == ih->proto;
    if (f->used && f->expires_ns > now && !same) {
        CTR_INC(br->st, br, frag_table_full);
        return false;
    }
    *f = (struct br_frag){ .src = ih->src.s_addr, .dst = ih->dst.s_addr, .id = ih->id, .psid = psid,
                           .proto = ih->proto, .used = 1, .expires_ns = now + BR_FRAG_TTL_NS };
    if (v6)
        f->v6 = *v6;
    return true;
}

/* --- decapsulation --- */

static void warn_spoof(struct br *br, struct in_addr v4, const struct in6_addr *src, const char *why)
{
    uint32_t missed;
    if (!six_ratelimit_take(&br->spoof_rl, six_now(br->st), &missed))
        return;
    char a[INET_ADDRSTRLEN], b[INET6_ADDRSTRLEN];
    six_log(LOG_WARNING, "dstm br: 4in6 from %s with inner source %s: %s, dropped (%u more suppressed)",
            inet_ntop(AF_INET6, src, b, sizeof b), inet_ntop(AF_INET, &v4, a, sizeof a), why, missed);
}

static bool drop(struct pkt *p)
{
    pkt_free(p);
    return true;
}

#define DROP(br, name) (CTR_INC((br)->st, br, name), drop(p))

/* The inner IPv4 header, whole and exactly what the outer payload holds. */
static bool inner_ok(struct br *br, const struct pkt *p, struct ip4_info *ih)
{
    enum wire_reason r = ip4_parse(pkt_data(p), p->len, ih);
    if (r == WR_TRUNCATED || r == WR_BAD_LENGTH) {
        CTR_INC(br->st, br, drop_truncated);
        return false;
    }
    if (r != WR_OK || ih->tot_len != p->len || in4_is_any(ih->src) || in4_is_multicast(ih->src) ||
        in4_is_broadcast(ih->src) || in4_is_loopback(ih->src)) {
        CTR_INC(br->st, br, drop_bad_inner);
        return false;
    }
    return true;
}

bool br_tun_input(void *arg, struct ifnet *ifp, struct pkt *p, size_t off, uint8_t proto,
                  const struct in6_addr *src, const struct in6_addr *dst)
{
    struct br *br = arg;
    struct six_stack *st = br->st;
    (void)ifp;
    if (proto != IPPROTO_IPIP || !in6_eq(dst, &br->cfg.local))
        return false;
    if (p->encap >= BR_MAX_NEST)
        return DROP(br, drop_nested);
    pkt_pull(p, off);
    struct ip4_info ih;
    if (!inner_ok(br, p, &ih))
        return drop(p);
    const struct br_pool *pool = br_pool_of(br, ih.src);
    if (!pool)
        return DROP(br, drop_unknown_binding);   /* no binding can hold it: not worth a question */
    uint16_t psid = 0, port;
    uint64_t now = 0;
    if (pool->psid_len) {
        now = p->ts_ns ? p->ts_ns : six_now(st);   /* the rx time: no clock read per packet */
        if (ih.frag_off) {
            const struct br_frag *f = br_frag_find(br, br->frag_in, &ih, now);
            if (!f || !in6_eq(&f->v6, src))
                return DROP(br, drop_frag_no_first);
            psid = f->psid;
        } else if (!br_host_port(pkt_data(p), p->len, &ih, true, &port)) {
            return DROP(br, drop_no_port);
        } else if (!dstm_port_psid(pool->offset, pool->psid_len, port, &psid)) {
            warn_spoof(br, ih.src, src, "source port in no port set");
            return DROP(br, drop_spoof_port);
        }
    }
    const struct dstm_binding *b = br_table_get(br->tab, ih.src, psid, lease_wall_now(st));
    if (!b) {
        br_lq_start(br, ih.src, psid, pool);
        return DROP(br, drop_unknown_binding);
    }
    if (!in6_eq(&b->v6, src)) {
        warn_spoof(br, ih.src, src, pool->psid_len ? "the address and port are another host's" :
                                                    "the address is another host's");
        /* A learned binding outlives a Release at the AIIH (no event reaches
         * a BR in another sixd): the address may have moved to this host.
         * Ask the AIIH again (rate-limited, joined); its answer, never the
         * packet, replaces the binding. A static one is never replaced:
         * no question for it. */
        if (!br_table_is_static(br->tab, b))
            br_lq_start(br, ih.src, psid, pool);
        return DROP(br, drop_spoof);
    }
    if (pool->psid_len && ih.mf && !ih.frag_off)
        br_frag_note(br, br->frag_in, &ih, psid, src, now);
    p->encap++;
    p->flags &= ~(uint32_t)(PKT_F_MCAST | PKT_F_BCAST | PKT_F_OTHERHOST);
    CTR_INC(st, br, in_packets);
    if_input(br->ifp, &p, 1);
    return true;
}
