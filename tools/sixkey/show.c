/* Printing PF_KEY messages as setkey(8) -D / -DP / -x do (libipsec's
 * pfkey_sadump and pfkey_spdump), from the parsed form. */
#include <netdb.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include "sixkey.h"
#include "ipsec/pfkey_srv.h"

static const char *addr_str(const union pfkey_sockaddr *a, char *buf, size_t n)
{
    if (a->sa.sa_family == AF_INET)
        return inet_ntop(AF_INET, &a->sin.sin_addr, buf, (socklen_t)n);
    if (a->sa.sa_family == AF_INET6)
        return inet_ntop(AF_INET6, &a->sin6.sin6_addr, buf, (socklen_t)n);
    return "?";
}

static uint16_t port_of(const union pfkey_sockaddr *a)
{
    return ntohs(a->sa.sa_family == AF_INET ? a->sin.sin_port : a->sin6.sin6_port);
}

static const char *ealg_name(uint8_t id, char *buf, size_t n)
{
    enum ipsec_ealg e;
    if (pfkey_ealg_from_sadb(id, &e))
        return ipsec_ealg_name(e);
    snprintf(buf, n, "%u", id);
    return buf;
}

static const char *aalg_name(uint8_t id, char *buf, size_t n)
{
    enum ipsec_aalg a;
    if (pfkey_aalg_from_sadb(id, &a))
        return ipsec_aalg_name(a);
    snprintf(buf, n, "%u", id);
    return buf;
}

static const char *state_name(uint8_t s)
{
    static const char *names[] = { "larval", "mature", "dying", "dead" };
    return s < 4 ? names[s] : "?";
}

/* libipsec's ipsec_hexdump: a space before every 4 bytes. */
static void hexkey(FILE *f, const struct pfkey_key *k)
{
    for (size_t i = 0; i < k->bits / 8u && i < k->data_len; i++)
        fprintf(f, "%s%02x", i % 4 == 0 ? " " : "", k->data[i]);
}

/* "Jan  1 00:00:00 2026", or blanks for 0 (never). */
static const char *when(uint64_t t, char *buf, size_t n)
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (!t || !localtime_r(&tt, &tm) || !strftime(buf, n, "%b %e %T %Y", &tm))
        snprintf(buf, n, "%20s", "");
    return buf;
}

static void lifetimes(FILE *f, const struct pfkey_msg *m)
{
    const struct pfkey_lifetime *c = &m->lft_current, *h = &m->lft_hard, *s = &m->lft_soft;
    bool hh = m->ext[SADB_EXT_LIFETIME_HARD], hs = m->ext[SADB_EXT_LIFETIME_SOFT];
    char b1[32], b2[32];
    time_t now = time(NULL);
    if (!m->ext[SADB_EXT_LIFETIME_CURRENT])
        return;
    fprintf(f, "\tcreated: %s\tcurrent: %s\n", when(c->addtime, b1, sizeof b1), when((uint64_t)now, b2, sizeof b2));
    fprintf(f, "\tdiff: %llu(s)\thard: %llu(s)\tsoft: %llu(s)\n",
            (unsigned long long)(c->addtime && (uint64_t)now > c->addtime ? (uint64_t)now - c->addtime : 0),
            (unsigned long long)(hh ? h->addtime : 0), (unsigned long long)(hs ? s->addtime : 0));
    fprintf(f, "\tlast: %s\thard: %llu(s)\tsoft: %llu(s)\n", when(c->usetime, b1, sizeof b1),
            (unsigned long long)(hh ? h->usetime : 0), (unsigned long long)(hs ? s->usetime : 0));
    fprintf(f, "\tcurrent: %llu(bytes)\thard: %llu(bytes)\tsoft: %llu(bytes)\n", (unsigned long long)c->bytes,
            (unsigned long long)(hh ? h->bytes : 0), (unsigned long long)(hs ? s->bytes : 0));
    fprintf(f, "\tallocated: %u\thard: %u\tsoft: %u\n", c->allocations, hh ? h->allocations : 0,
            hs ? s->allocations : 0);
}

void sixkey_print_sa(FILE *f, const struct pfkey_msg *m)
{
    char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN], a[8];
    fprintf(f, "%s", addr_str(&m->src.addr, s, sizeof s));
    if (m->ext[SADB_X_EXT_NAT_T_SPORT])
        fprintf(f, "[%u]", m->natt_sport.port);
    fprintf(f, " %s", addr_str(&m->dst.addr, d, sizeof d));
    if (m->ext[SADB_X_EXT_NAT_T_DPORT])
        fprintf(f, "[%u]", m->natt_dport.port);
    fprintf(f, "\n\t%s%s mode=%s spi=%u(0x%08x) reqid=%u(0x%08x)\n", pfkey_satype_name(m->hdr.satype),
            m->ext[SADB_X_EXT_NAT_T_TYPE] ? "-udp" : "", ipsec_mode_name(m->sa2.mode), m->sa.spi, m->sa.spi,
            m->sa2.reqid, m->sa2.reqid);
    if (m->ext[SADB_EXT_KEY_ENCRYPT] || m->sa.encrypt == SADB_EALG_NULL) {
        fprintf(f, "\tE: %s ", ealg_name(m->sa.encrypt, a, sizeof a));
        hexkey(f, &m->key_encrypt);
        fputc('\n', f);
    }
    if (m->ext[SADB_EXT_KEY_AUTH]) {
        fprintf(f, "\tA: %s ", aalg_name(m->sa.auth, a, sizeof a));
        hexkey(f, &m->key_auth);
        fputc('\n', f);
    }
    fprintf(f, "\tseq=0x%08x replay=%u flags=0x%08x state=%s%s\n", m->sa2.sequence,
            m->ext[SADB_X_EXT_SA_REPLAY] ? m->sa_replay / 8u : m->sa.replay, m->sa.flags,
            state_name(m->sa.state), m->sa.flags & SADB_X_SAFLAGS_ESN ? " esn" : "");
    lifetimes(f, m);
    fprintf(f, "\tsadb_seq=%u pid=%u refcnt=0\n", m->hdr.seq, m->hdr.pid);
}

/* "2001:db8::/64[any]": the prefix only when not a host, the port or any. */
static void range(FILE *f, const struct pfkey_address *a, bool ports)
{
    char s[INET6_ADDRSTRLEN];
    unsigned full = a->addr.sa.sa_family == AF_INET ? 32 : 128;
    fprintf(f, "%s", addr_str(&a->addr, s, sizeof s));
    if (a->prefixlen != full)
        fprintf(f, "/%u", a->prefixlen);
    if (ports && port_of(&a->addr))
        fprintf(f, "[%u]", port_of(&a->addr));
    else
        fprintf(f, "[any]");
}

static void upperspec(FILE *f, const struct pfkey_msg *m)
{
    uint8_t p = m->src.proto;
    struct protoent *pe;
    if (p == IPSEC_ULPROTO_ANY)
        fprintf(f, "any");
    else if (p == IPPROTO_ICMPV6 || p == IPPROTO_ICMP)
        fprintf(f, "%s %u,%u", p == IPPROTO_ICMP ? "icmp" : "icmp6", port_of(&m->src.addr), port_of(&m->dst.addr));
    else if ((pe = getprotobynumber(p)) != NULL)
        fprintf(f, "%s", pe->p_name);
    else
        fprintf(f, "%u", p);
}

static void request(FILE *f, const struct pfkey_ipsecreq *q)
{
    static const char *levels[] = { "default", "use", "require", "unique" };
    char s[INET6_ADDRSTRLEN] = "", d[INET6_ADDRSTRLEN] = "";
    fprintf(f, "\t%s/%s/", q->proto == IPPROTO_AH ? "ah" : q->proto == IPPROTO_ESP ? "esp" : "ipcomp",
            ipsec_mode_name(q->mode));
    if (q->has_addrs) {
        fprintf(f, "%s", addr_str(&q->src, s, sizeof s));
        if (port_of(&q->src))
            fprintf(f, "[%u]", port_of(&q->src));
        fprintf(f, "-%s", addr_str(&q->dst, d, sizeof d));
        if (port_of(&q->dst))
            fprintf(f, "[%u]", port_of(&q->dst));
    }
    if (q->level == IPSEC_LEVEL_UNIQUE && q->reqid)
        fprintf(f, "/unique:%u\n", q->reqid);
    else
        fprintf(f, "/%s\n", q->level < 4 ? levels[q->level] : "?");
}

void sixkey_print_sp(FILE *f, const struct pfkey_msg *m)
{
    static const char *acts[] = { "discard", "none", "ipsec", "entrust", "bypass" };
    bool icmp = m->src.proto == IPPROTO_ICMP || m->src.proto == IPPROTO_ICMPV6;
    range(f, &m->src, !icmp);
    fputc(' ', f);
    range(f, &m->dst, !icmp);
    fputc(' ', f);
    upperspec(f, m);
    fprintf(f, "\n\t%s %s", ipsec_dir_name(m->policy.dir), m->policy.type < 5 ? acts[m->policy.type] : "?");
    int64_t prio = (int64_t)m->policy.priority - (int64_t)PFKEY_PRIO_BASE;
    if (prio)
        fprintf(f, " prio %lld", (long long)prio);
    fputc('\n', f);
    for (size_t i = 0; i < m->policy.nreq; i++)
        request(f, &m->policy.req[i]);
    fprintf(f, "\tspid=%u seq=%u pid=%u scope=global\n\trefcnt=0\n", m->policy.id, m->hdr.seq, m->hdr.pid);
}

static const char *ext_name(unsigned t)
{
    static const char *n[SADB_EXT_MAX + 1] = {
        "?", "sa", "lifetime_current", "lifetime_hard", "lifetime_soft", "address_src", "address_dst",
        "address_proxy", "key_auth", "key_encrypt", "identity_src", "identity_dst", "sensitivity",
        "proposal", "supported_auth", "supported_encrypt", "spirange", "x_kmprivate", "x_policy", "x_sa2",
        "x_nat_t_type", "x_nat_t_sport", "x_nat_t_dport", "x_nat_t_oai", "x_nat_t_oar", "x_nat_t_frag",
        "x_sa_replay", "x_new_address_src", "x_new_address_dst",
    };
    return t <= SADB_EXT_MAX ? n[t] : "?";
}

void sixkey_print_brief(FILE *f, const char *dir, const uint8_t *msg, size_t len)
{
    struct pfkey_msg m;
    enum wire_reason r = pfkey_parse(msg, len, &m);
    if (r != WR_OK) {
        fprintf(f, "%s malformed PF_KEY message (%s), %zu bytes\n", dir, wire_reason_str(r), len);
        return;
    }
    fprintf(f, "%s %s %s seq=%u pid=%u len=%u", dir, pfkey_type_name(m.hdr.type), pfkey_satype_name(m.hdr.satype),
            m.hdr.seq, m.hdr.pid, (unsigned)len);
    if (m.hdr.err)
        fprintf(f, " errno=%u (%s)", m.hdr.err, strerror(m.hdr.err));
    for (size_t i = 0; i < m.n_ext; i++)
        fprintf(f, "%s%s", i ? " " : " [", ext_name(m.order[i]));
    fprintf(f, "%s\n", m.n_ext ? "]" : "");
}

void sixkey_print_event(FILE *f, const struct pfkey_msg *m)
{
    time_t now = time(NULL);
    char b[32];
    fprintf(f, "%s: %s %s seq=%u\n", when((uint64_t)now, b, sizeof b), pfkey_type_name(m->hdr.type),
            pfkey_satype_name(m->hdr.satype), m->hdr.seq);
    if (m->hdr.type == SADB_EXPIRE) {
        fprintf(f, "\t%s expire\n", m->ext[SADB_EXT_LIFETIME_HARD] ? "hard" : "soft");
        sixkey_print_sa(f, m);
        return;
    }
    if (m->hdr.type != SADB_ACQUIRE)
        return;
    char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN];
    fprintf(f, "\t%s %s mode=%s reqid=%u spid=%u\n", addr_str(&m->src.addr, s, sizeof s),
            addr_str(&m->dst.addr, d, sizeof d), ipsec_mode_name(m->sa2.mode), m->sa2.reqid, m->policy.id);
    for (size_t i = 0; i < m->prop.ncomb; i++) {
        struct pfkey_comb c;
        char e[8], a[8];
        pfkey_comb_get(&m->prop, i, &c);
        fprintf(f, "\tproposal %zu: E: %s", i + 1, ealg_name(c.encrypt, e, sizeof e));
        if (c.auth)
            fprintf(f, " A: %s", aalg_name(c.auth, a, sizeof a));
        fputc('\n', f);
    }
}
