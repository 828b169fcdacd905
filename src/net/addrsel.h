/* Default Address Selection for IPv6 (RFC 6724): the policy table (§2.1),
 * scopes (§3.1), source address selection (§5, rules 1-8) and destination
 * address ordering (§6, rules 1-10).
 *
 * Pure functions, no stack state: the caller describes the candidate
 * addresses and gets an index or an order back, so every rule is unit-tested
 * on its own (tests/unit/test_addrsel.c).  IPv4 addresses take part in their
 * IPv4-mapped form (::ffff:a.b.c.d), as RFC 6724 §3.2 and §6 require.
 *
 * Bounds: a policy table holds at most ADDRSEL_MAX entries (new ones are
 * refused with -ENOSPC when full, nothing is evicted).  The destination sort
 * is a stable insertion sort, O(n^2) compares: the caller bounds n (a
 * resolver answer, not a packet stream). */
#ifndef SIX_NET_ADDRSEL_H
#define SIX_NET_ADDRSEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

#define ADDRSEL_MAX 32

/* Scope values of RFC 4291 §2.7 / RFC 6724 §3.1. */
enum {
    ADDRSEL_SCOPE_INTERFACE = 0x1,
    ADDRSEL_SCOPE_LINK      = 0x2,
    ADDRSEL_SCOPE_ADMIN     = 0x4,
    ADDRSEL_SCOPE_SITE      = 0x5,
    ADDRSEL_SCOPE_ORG       = 0x8,
    ADDRSEL_SCOPE_GLOBAL    = 0xe,
};

struct addrsel_policy {
    struct in6_addr prefix;     /* bits past plen are zero */
    uint8_t plen;               /* 0..128 */
    uint8_t precedence;
    uint8_t label;
};

/* Entries in insertion order (the order `addrsel_table_format` prints);
 * lookups take the longest matching prefix regardless of order. */
struct addrsel_table {
    struct addrsel_policy p[ADDRSEL_MAX];
    int n;
};

/* Fill t with the default policy table of RFC 6724 §2.1:
 *   ::1/128 50 0, ::/0 40 1, ::ffff:0:0/96 35 4, 2002::/16 30 2,
 *   2001::/32 5 5, fc00::/7 3 13, ::/96 1 3, fec0::/10 1 11, 3ffe::/16 1 12 */
void addrsel_default_table(struct addrsel_table *t);

/* Add a policy, or replace precedence and label of the entry with the same
 * prefix/plen.  Host bits of prefix past plen are ignored (cleared).
 * 0, -EINVAL (NULL, plen > 128, prec or label > 255), -ENOSPC (table full). */
int addrsel_table_add(struct addrsel_table *t, const struct in6_addr *prefix, unsigned plen,
                      unsigned prec, unsigned label);

/* Remove the entry with exactly this prefix/plen (host bits ignored).
 * 0, -EINVAL (NULL, plen > 128), -ENOENT. */
int addrsel_table_del(struct addrsel_table *t, const struct in6_addr *prefix, unsigned plen);

/* The longest-prefix entry matching a, or NULL if none matches (only
 * possible once ::/0 has been deleted).  t NULL means the default table.
 * The rules treat "no match" as precedence 0 and a label of its own that
 * equals only other unmatched addresses' label. */
const struct addrsel_policy *addrsel_lookup(const struct addrsel_table *t, const struct in6_addr *a);

/* Scope of an address, RFC 6724 §3.1 and §3.2:
 *   multicast: its scope nibble; fe80::/10 and ::1 link-local (2);
 *   fec0::/10 (deprecated site-local) 5; IPv4-mapped 127.0.0.0/8 and
 *   169.254.0.0/16 link-local (2), other IPv4-mapped (private ones too)
 *   global (14); every other address (ULAs too) global (14). */
unsigned addrsel_scope(const struct in6_addr *a);

/* CommonPrefixLen(S, D) of RFC 6724 §2.2: leading bits s and d share, at
 * most plen (the length of S's prefix; 0 means the default, 64 for IPv6 and
 * 128 for IPv4-mapped). */
unsigned addrsel_common_prefix_len(const struct in6_addr *s, const struct in6_addr *d, unsigned plen);

/* A candidate source address, as the stack describes it. */
struct addrsel_src {
    struct in6_addr addr;
    unsigned ifindex;           /* interface the address is assigned to */
    bool deprecated;            /* preferred lifetime expired (rule 3) */
    bool home;                  /* Mobile IPv6 home address (rule 4); there is
                                 * no Mobile IPv6 yet, so callers leave it false */
    bool temporary;             /* RFC 8981 temporary address (rule 7) */
    bool tentative;             /* DAD not finished: never selected */
    uint8_t plen;               /* length of the address's prefix, which
                                 * bounds CommonPrefixLen in source rule 8 and
                                 * destination rule 9; 0 = default (64 for
                                 * IPv6, 128 for IPv4-mapped) */
    /* 'native' for destination rule 7 is not modelled: no tunnels yet. */
};

/* Source address selection, RFC 6724 §5 rules 1-8: the index of the best
 * candidate in c[0..n) for dst leaving through interface oif (0 = unknown,
 * which disables rule 5), or -1 if none is usable.
 *
 * Not usable, so skipped: tentative addresses, the unspecified address,
 * multicast addresses, and candidates of the other family (an IPv4-mapped
 * candidate for an IPv6 destination or the reverse).  Everything else in c
 * is CandidateSource(dst): restricting it (e.g. to the outgoing interface
 * for a link-local dst, §4) is the caller's job.
 *
 * prefer_temporary selects rule 7's direction.  RFC 6724 §5 prefers
 * temporary addresses by default, so a stack following the RFC passes true;
 * false prefers public addresses (the RFC allows an administrator or
 * application to reverse the preference).
 *
 * For an IPv4-mapped dst the same rules run over the IPv4-mapped candidates
 * (RFC 6724 leaves IPv4 source selection unspecified; scope and longest
 * match are what its §10.2 examples assume).
 *
 * Rule 4 is applied as "home address beats non-home address"; rule 5.5
 * (RFC 8028) is not implemented.  Ties after rule 8 go to the lower index. */
int addrsel_source(const struct addrsel_table *t, const struct in6_addr *dst, unsigned oif,
                   const struct addrsel_src *c, int n, bool prefer_temporary);

/* One destination to order, with the source the stack would use for it. */
struct addrsel_dst {
    struct in6_addr dst;
    bool src_ok;                /* false: unreachable or Source(dst) undefined (rule 1) */
    struct addrsel_src src;     /* Source(dst), meaningful when src_ok */
    unsigned oif;               /* informational: the interface dst goes out of */
    bool dst_oif_matches_src_if;/* informational: the §6 rules do not use it
                                 * (outgoing interface is source rule 5, applied
                                 * when the caller picked src) */
    bool src_native_ok;         /* rule 7, not implemented (no tunnels): leave true */
    unsigned orig_index;        /* caller's bookkeeping, carried along */
};

/* Destination address ordering, RFC 6724 §6 rules 1-10, sorting d[0..n) in
 * place, stably (rule 10: otherwise leave the order unchanged).
 *   1 avoid unusable destinations (src_ok false)
 *   2 prefer matching scope        Scope(D) == Scope(Source(D))
 *   3 avoid deprecated sources
 *   4 prefer home addresses
 *   5 prefer matching label        Label(Source(D)) == Label(D)
 *   6 prefer higher precedence     Precedence(D)
 *   7 prefer native transport      NOT IMPLEMENTED: there are no tunnels
 *                                  yet, every destination counts as native
 *   8 prefer smaller scope
 *   9 longest matching prefix      CommonPrefixLen(Source(D), D), applied only
 *                                  when both destinations are IPv6 (not
 *                                  IPv4-mapped): RFC 6724 allows it for IPv4
 *                                  too, but among IPv4 addresses it defeats
 *                                  DNS round robin for no routing gain
 *  10 leave the order unchanged
 * When both destinations are unusable only rules 6, 8 and 10 apply (the
 * others compare sources, which are undefined). */
void addrsel_sort_destinations(const struct addrsel_table *t, struct addrsel_dst *d, int n);

/* Text form for `sixctl addrsel show`: one line per policy, in table order,
 * "prefix/len precedence P label L\n".  Returns the length written (without
 * the NUL), or -ENOSPC if buf is too small (buf then holds the whole lines
 * that fit, NUL-terminated, when cap > 0), -EINVAL for NULL t or buf. */
int addrsel_table_format(const struct addrsel_table *t, char *buf, size_t cap);

#endif
