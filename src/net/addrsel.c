/* Default Address Selection for IPv6, RFC 6724.  See addrsel.h.
 *
 * Bounds: the policy table is a fixed array of ADDRSEL_MAX entries (full ->
 * -ENOSPC, never evicting); lookups scan it (at most 32 prefix compares).
 * The destination sort is an in-place stable insertion sort. */
#include "net/addrsel.h"
#include "wire/ip6.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

/* Label given to addresses no policy matches: outside 0..255, so it equals
 * only itself. */
#define NOLABEL 0x100u

/* RFC 6724 §2.1, in the RFC's order. */
static const struct addrsel_table default_table = {
    .p = {
        { .prefix = { .s6_addr = { [15] = 1 } },                 .plen = 128, .precedence = 50, .label = 0 },
        { .prefix = { .s6_addr = { 0 } },                        .plen = 0,   .precedence = 40, .label = 1 },
        { .prefix = { .s6_addr = { [10] = 0xff, [11] = 0xff } }, .plen = 96,  .precedence = 35, .label = 4 },
        { .prefix = { .s6_addr = { 0x20, 0x02 } },               .plen = 16,  .precedence = 30, .label = 2 },
        { .prefix = { .s6_addr = { 0x20, 0x01 } },               .plen = 32,  .precedence = 5,  .label = 5 },
        { .prefix = { .s6_addr = { 0xfc } },                     .plen = 7,   .precedence = 3,  .label = 13 },
        { .prefix = { .s6_addr = { 0 } },                        .plen = 96,  .precedence = 1,  .label = 3 },
        { .prefix = { .s6_addr = { 0xfe, 0xc0 } },               .plen = 10,  .precedence = 1,  .label = 11 },
        { .prefix = { .s6_addr = { 0x3f, 0xfe } },               .plen = 16,  .precedence = 1,  .label = 12 },
    },
    .n = 9,
};

void addrsel_default_table(struct addrsel_table *t)
{
    *t = default_table;
}

static const struct addrsel_table *table_or_default(const struct addrsel_table *t)
{
    return t ? t : &default_table;
}

static int find_exact(const struct addrsel_table *t, const struct in6_addr *masked, unsigned plen)
{
    for (int i = 0; i < t->n; i++)
        if (t->p[i].plen == plen && in6_eq(&t->p[i].prefix, masked))
            return i;
    return -1;
}

int addrsel_table_add(struct addrsel_table *t, const struct in6_addr *prefix, unsigned plen,
                      unsigned prec, unsigned label)
{
    if (!t || !prefix || plen > 128 || prec > 255 || label > 255 || t->n < 0 || t->n > ADDRSEL_MAX)
        return -EINVAL;
    struct in6_addr m;
    in6_mask(prefix, plen, &m);
    int i = find_exact(t, &m, plen);
    if (i < 0) {
        if (t->n == ADDRSEL_MAX)
            return -ENOSPC;
        i = t->n++;
        t->p[i].prefix = m;
        t->p[i].plen = (uint8_t)plen;
    }
    t->p[i].precedence = (uint8_t)prec;
    t->p[i].label = (uint8_t)label;
    return 0;
}

int addrsel_table_del(struct addrsel_table *t, const struct in6_addr *prefix, unsigned plen)
{
    if (!t || !prefix || plen > 128 || t->n < 0 || t->n > ADDRSEL_MAX)
        return -EINVAL;
    struct in6_addr m;
    in6_mask(prefix, plen, &m);
    int i = find_exact(t, &m, plen);
    if (i < 0)
        return -ENOENT;
    memmove(&t->p[i], &t->p[i + 1], (size_t)(t->n - i - 1) * sizeof t->p[0]);
    t->n--;
    memset(&t->p[t->n], 0, sizeof t->p[0]);
    return 0;
}

const struct addrsel_policy *addrsel_lookup(const struct addrsel_table *t, const struct in6_addr *a)
{
    t = table_or_default(t);
    const struct addrsel_policy *best = NULL;
    int n = t->n < 0 ? 0 : t->n > ADDRSEL_MAX ? ADDRSEL_MAX : t->n;
    for (int i = 0; i < n; i++) {
        const struct addrsel_policy *p = &t->p[i];
        if ((!best || p->plen > best->plen) && in6_prefix_eq(a, &p->prefix, p->plen))
            best = p;
    }
    return best;
}

static unsigned precedence(const struct addrsel_table *t, const struct in6_addr *a)
{
    const struct addrsel_policy *p = addrsel_lookup(t, a);
    return p ? p->precedence : 0;
}

static unsigned label(const struct addrsel_table *t, const struct in6_addr *a)
{
    const struct addrsel_policy *p = addrsel_lookup(t, a);
    return p ? p->label : NOLABEL;
}

unsigned addrsel_scope(const struct in6_addr *a)
{
    if (in6_is_multicast(a))
        return in6_mc_scope(a);
    if (in6_is_linklocal(a) || in6_is_loopback(a))
        return ADDRSEL_SCOPE_LINK;
    if (a->s6_addr[0] == 0xfe && (a->s6_addr[1] & 0xc0) == 0xc0)      /* fec0::/10 */
        return ADDRSEL_SCOPE_SITE;
    if (in6_is_v4mapped(a)) {
        const uint8_t *v4 = a->s6_addr + 12;
        if (v4[0] == 127 || (v4[0] == 169 && v4[1] == 254))
            return ADDRSEL_SCOPE_LINK;
        return ADDRSEL_SCOPE_GLOBAL;
    }
    return ADDRSEL_SCOPE_GLOBAL;
}

unsigned addrsel_common_prefix_len(const struct in6_addr *s, const struct in6_addr *d, unsigned plen)
{
    if (plen == 0)
        plen = in6_is_v4mapped(s) ? 128 : 64;
    if (plen > 128)
        plen = 128;
    unsigned n = 0;
    for (int i = 0; i < 16; i++) {
        uint8_t x = s->s6_addr[i] ^ d->s6_addr[i];
        if (!x) {
            n += 8;
            continue;
        }
        n += (unsigned)__builtin_clz((unsigned)x << 24);
        break;
    }
    return n < plen ? n : plen;
}

/* ---- source address selection (§5) ---- */

static bool src_usable(const struct addrsel_src *s, bool dst_v4)
{
    return !s->tentative && !in6_is_unspecified(&s->addr) && !in6_is_multicast(&s->addr) &&
           in6_is_v4mapped(&s->addr) == dst_v4;
}

/* > 0: prefer a, < 0: prefer b, 0: tie after all eight rules. */
static int src_cmp(const struct addrsel_table *t, const struct in6_addr *d, unsigned oif,
                   const struct addrsel_src *a, const struct addrsel_src *b, bool prefer_temporary)
{
    /* Rule 1: prefer same address. */
    bool ea = in6_eq(&a->addr, d), eb = in6_eq(&b->addr, d);
    if (ea != eb)
        return ea ? 1 : -1;

    /* Rule 2: prefer appropriate scope. */
    unsigned sa = addrsel_scope(&a->addr), sb = addrsel_scope(&b->addr), sd = addrsel_scope(d);
    if (sa < sb)
        return sa < sd ? -1 : 1;
    if (sb < sa)
        return sb < sd ? 1 : -1;

    /* Rule 3: avoid deprecated addresses. */
    if (a->deprecated != b->deprecated)
        return a->deprecated ? -1 : 1;

    /* Rule 4: prefer home addresses. */
    if (a->home != b->home)
        return a->home ? 1 : -1;

    /* Rule 5: prefer outgoing interface. */
    if (oif) {
        bool oa = a->ifindex == oif, ob = b->ifindex == oif;
        if (oa != ob)
            return oa ? 1 : -1;
    }

    /* Rule 6: prefer matching label. */
    unsigned ld = label(t, d);
    bool la = label(t, &a->addr) == ld, lb = label(t, &b->addr) == ld;
    if (la != lb)
        return la ? 1 : -1;

    /* Rule 7: prefer temporary addresses (or public ones, if so configured). */
    if (a->temporary != b->temporary)
        return a->temporary == prefer_temporary ? 1 : -1;

    /* Rule 8: use longest matching prefix. */
    unsigned ca = addrsel_common_prefix_len(&a->addr, d, a->plen);
    unsigned cb = addrsel_common_prefix_len(&b->addr, d, b->plen);
    if (ca != cb)
        return ca > cb ? 1 : -1;
    return 0;
}

int addrsel_source(const struct addrsel_table *t, const struct in6_addr *dst, unsigned oif,
                   const struct addrsel_src *c, int n, bool prefer_temporary)
{
    if (!dst || !c || n <= 0)
        return -1;
    t = table_or_default(t);
    bool v4 = in6_is_v4mapped(dst);
    int best = -1;
    for (int i = 0; i < n; i++) {
        if (!src_usable(&c[i], v4))
            continue;
        if (best < 0 || src_cmp(t, dst, oif, &c[i], &c[best], prefer_temporary) > 0)
            best = i;
    }
    return best;
}

/* ---- destination address ordering (§6) ---- */

/* < 0: a goes first, > 0: b goes first, 0: keep the current order. */
static int dst_cmp(const struct addrsel_table *t, const struct addrsel_dst *a, const struct addrsel_dst *b)
{
    /* Rule 1: avoid unusable destinations. */
    if (a->src_ok != b->src_ok)
        return a->src_ok ? -1 : 1;
    bool have_src = a->src_ok;      /* both or neither */

    unsigned sda = addrsel_scope(&a->dst), sdb = addrsel_scope(&b->dst);
    if (have_src) {
        /* Rule 2: prefer matching scope. */
        bool ma = sda == addrsel_scope(&a->src.addr), mb = sdb == addrsel_scope(&b->src.addr);
        if (ma != mb)
            return ma ? -1 : 1;

        /* Rule 3: avoid deprecated addresses. */
        if (a->src.deprecated != b->src.deprecated)
            return a->src.deprecated ? 1 : -1;

        /* Rule 4: prefer home addresses. */
        if (a->src.home != b->src.home)
            return a->src.home ? -1 : 1;

        /* Rule 5: prefer matching label. */
        bool la = label(t, &a->src.addr) == label(t, &a->dst);
        bool lb = label(t, &b->src.addr) == label(t, &b->dst);
        if (la != lb)
            return la ? -1 : 1;
    }

    /* Rule 6: prefer higher precedence. */
    unsigned pa = precedence(t, &a->dst), pb = precedence(t, &b->dst);
    if (pa != pb)
        return pa > pb ? -1 : 1;

    /* Rule 7: prefer native transport -- not implemented: the stack has no
     * tunnels (nor 6to4/Teredo encapsulation), so every destination is
     * reached natively and the rule never decides. */

    /* Rule 8: prefer smaller scope. */
    if (sda != sdb)
        return sda < sdb ? -1 : 1;

    /* Rule 9: use longest matching prefix (IPv6 destinations only). */
    if (have_src && !in6_is_v4mapped(&a->dst) && !in6_is_v4mapped(&b->dst)) {
        unsigned ca = addrsel_common_prefix_len(&a->src.addr, &a->dst, a->src.plen);
        unsigned cb = addrsel_common_prefix_len(&b->src.addr, &b->dst, b->src.plen);
        if (ca != cb)
            return ca > cb ? -1 : 1;
    }

    /* Rule 10: otherwise, leave the order unchanged. */
    return 0;
}

void addrsel_sort_destinations(const struct addrsel_table *t, struct addrsel_dst *d, int n)
{
    if (!d || n < 2)
        return;
    t = table_or_default(t);
    for (int i = 1; i < n; i++) {
        struct addrsel_dst cur = d[i];
        int j = i;
        while (j > 0 && dst_cmp(t, &cur, &d[j - 1]) < 0) {   /* strictly better: stable */
            d[j] = d[j - 1];
            j--;
        }
        d[j] = cur;
    }
}

int addrsel_table_format(const struct addrsel_table *t, char *buf, size_t cap)
{
    if (!t || !buf)
        return -EINVAL;
    if (cap)
        buf[0] = '\0';
    size_t len = 0;
    int n = t->n < 0 ? 0 : t->n > ADDRSEL_MAX ? ADDRSEL_MAX : t->n;
    for (int i = 0; i < n; i++) {
        const struct addrsel_policy *p = &t->p[i];
        char a[INET6_ADDRSTRLEN], line[INET6_ADDRSTRLEN + 64];
        if (!inet_ntop(AF_INET6, &p->prefix, a, sizeof a))
            return -EINVAL;
        int k = snprintf(line, sizeof line, "%s/%u precedence %u label %u\n", a, p->plen,
                         p->precedence, p->label);
        if (k < 0 || (size_t)k >= sizeof line)
            return -EINVAL;
        if (len + (size_t)k + 1 > cap)
            return -ENOSPC;
        memcpy(buf + len, line, (size_t)k + 1);
        len += (size_t)k;
    }
    return (int)len;
}
