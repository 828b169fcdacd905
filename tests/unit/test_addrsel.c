/* RFC 6724 Default Address Selection (src/net/addrsel.c): the default policy
 * table, lookups and table changes, scopes, one case per source rule (§5,
 * rules 1-8) and per destination rule (§6, rules 1-10), every example of
 * §10.1 and §10.2, and the policy-table changes of §10.3-§10.6. */
#include "net/addrsel.h"
#include "../lib/t.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>

/* "2001:db8::1" or "198.51.100.1" (as ::ffff:198.51.100.1). */
static struct in6_addr A(const char *s)
{
    struct in6_addr a;
    struct in_addr v4;
    if (inet_pton(AF_INET6, s, &a) == 1)
        return a;
    if (inet_pton(AF_INET, s, &v4) != 1)
        abort();
    memset(&a, 0, sizeof a);
    a.s6_addr[10] = a.s6_addr[11] = 0xff;
    memcpy(a.s6_addr + 12, &v4, 4);
    return a;
}

static bool eq(const struct in6_addr *a, const char *s)
{
    struct in6_addr b = A(s);
    return memcmp(a, &b, sizeof b) == 0;
}

/* Candidate flags. */
enum { DEP = 1, HOME = 2, TEMP = 4, TENT = 8 };

static struct addrsel_src S(const char *s, unsigned flags, unsigned ifindex)
{
    struct addrsel_src c = { .addr = A(s), .ifindex = ifindex };
    c.deprecated = flags & DEP;
    c.home = flags & HOME;
    c.temporary = flags & TEMP;
    c.tentative = flags & TENT;
    return c;
}

/* Address chosen by addrsel_source, or "none". */
static const char *pick_tbl(const struct addrsel_table *t, const char *dst, unsigned oif,
                            const struct addrsel_src *c, int n, bool prefer_temp)
{
    static char buf[INET6_ADDRSTRLEN];
    struct in6_addr d = A(dst);
    int i = addrsel_source(t, &d, oif, c, n, prefer_temp);
    if (i < 0)
        return "none";
    T_CHECK(i < n);
    inet_ntop(AF_INET6, &c[i].addr, buf, sizeof buf);
    return buf;
}

static const char *pick(const char *dst, const struct addrsel_src *c, int n)
{
    return pick_tbl(NULL, dst, 0, c, n, true);
}

/* Canonical text of an address as inet_ntop prints it (for T_STREQ). */
static const char *canon(const char *s)
{
    static char buf[8][INET6_ADDRSTRLEN];
    static int k;
    struct in6_addr a = A(s);
    char *b = buf[k++ % 8];
    inet_ntop(AF_INET6, &a, b, INET6_ADDRSTRLEN);
    return b;
}

#define NC(arr) ((int)(sizeof(arr) / sizeof((arr)[0])))

/* ---- destination examples: Source(D) comes from addrsel_source over the
 * candidate set, as the stack would compute it ---- */

#define MAXD 8

struct dres {
    struct addrsel_dst d[MAXD];
    int n;
};

static struct dres order_tbl(const struct addrsel_table *t, const char *const *dsts, int nd,
                             const struct addrsel_src *srcs, int ns)
{
    struct dres r = { .n = nd };
    for (int i = 0; i < nd; i++) {
        struct addrsel_dst *x = &r.d[i];
        memset(x, 0, sizeof *x);
        x->dst = A(dsts[i]);
        x->orig_index = (unsigned)i;
        x->src_native_ok = true;
        int k = addrsel_source(t, &x->dst, 0, srcs, ns, true);
        x->src_ok = k >= 0;
        if (k >= 0)
            x->src = srcs[k];
    }
    addrsel_sort_destinations(t, r.d, nd);
    return r;
}

/* r is "d0 (src s0) then d1 (src s1)" */
static bool is_order2(const struct dres *r, const char *d0, const char *s0, const char *d1, const char *s1)
{
    bool ok = r->n == 2 && eq(&r->d[0].dst, d0) && eq(&r->d[1].dst, d1) && r->d[0].src_ok && r->d[1].src_ok &&
              eq(&r->d[0].src.addr, s0) && eq(&r->d[1].src.addr, s1);
    if (!ok) {
        for (int i = 0; i < r->n; i++) {
            char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];
            inet_ntop(AF_INET6, &r->d[i].dst, a, sizeof a);
            inet_ntop(AF_INET6, &r->d[i].src.addr, b, sizeof b);
            fprintf(stderr, "  got [%d] %s (src %s%s)\n", i, a, r->d[i].src_ok ? b : "-",
                    r->d[i].src_ok ? "" : ", unusable");
        }
    }
    return ok;
}

/* A destination with an explicit source (rule tests). */
static struct addrsel_dst D(const char *dst, const char *src, unsigned flags, unsigned idx)
{
    struct addrsel_dst x;
    memset(&x, 0, sizeof x);
    x.dst = A(dst);
    x.orig_index = idx;
    x.src_native_ok = true;
    if (src) {
        x.src_ok = true;
        x.src = S(src, flags, 1);
    }
    return x;
}

/* ================= policy table ================= */

TEST(default_table_contents)
{
    static const struct { const char *prefix; unsigned plen, prec, label; } want[] = {
        { "::1", 128, 50, 0 },        { "::", 0, 40, 1 },         { "::ffff:0:0", 96, 35, 4 },
        { "2002::", 16, 30, 2 },      { "2001::", 32, 5, 5 },     { "fc00::", 7, 3, 13 },
        { "::", 96, 1, 3 },           { "fec0::", 10, 1, 11 },    { "3ffe::", 16, 1, 12 },
    };
    struct addrsel_table t;
    memset(&t, 0xa5, sizeof t);
    addrsel_default_table(&t);
    T_EQ(t.n, NC(want));
    for (int i = 0; i < NC(want) && i < t.n; i++) {
        T_CHECK(eq(&t.p[i].prefix, want[i].prefix));
        T_EQ(t.p[i].plen, want[i].plen);
        T_EQ(t.p[i].precedence, want[i].prec);
        T_EQ(t.p[i].label, want[i].label);
    }
}

TEST(default_table_format)
{
    struct addrsel_table t;
    addrsel_default_table(&t);
    char buf[1024];
    int n = addrsel_table_format(&t, buf, sizeof buf);
    const char *want =
        "::1/128 precedence 50 label 0\n"
        "::/0 precedence 40 label 1\n"
        "::ffff:0.0.0.0/96 precedence 35 label 4\n"
        "2002::/16 precedence 30 label 2\n"
        "2001::/32 precedence 5 label 5\n"
        "fc00::/7 precedence 3 label 13\n"
        "::/96 precedence 1 label 3\n"
        "fec0::/10 precedence 1 label 11\n"
        "3ffe::/16 precedence 1 label 12\n";
    T_STREQ(buf, want);
    T_EQ(n, strlen(want));

    /* Too small: whole lines only, NUL-terminated, -ENOSPC. */
    char small[40];
    T_EQ(addrsel_table_format(&t, small, sizeof small), -ENOSPC);
    T_STREQ(small, "::1/128 precedence 50 label 0\n");
    T_EQ(addrsel_table_format(&t, small, 0), -ENOSPC);
    T_EQ(addrsel_table_format(NULL, buf, sizeof buf), -EINVAL);
    T_EQ(addrsel_table_format(&t, NULL, 10), -EINVAL);

    struct addrsel_table empty = { .n = 0 };
    T_EQ(addrsel_table_format(&empty, buf, sizeof buf), 0);
    T_STREQ(buf, "");
}

static void check_lookup(const struct addrsel_table *t, const char *a, unsigned plen, unsigned prec, unsigned label)
{
    struct in6_addr x = A(a);
    const struct addrsel_policy *p = addrsel_lookup(t, &x);
    T_CHECK(p != NULL);
    if (!p) {
        fprintf(stderr, "  no policy for %s\n", a);
        return;
    }
    if (p->plen != plen || p->precedence != prec || p->label != label)
        fprintf(stderr, "  %s: got /%u %u %u\n", a, p->plen, p->precedence, p->label);
    T_EQ(p->plen, plen);
    T_EQ(p->precedence, prec);
    T_EQ(p->label, label);
}

TEST(lookup_longest_match)
{
    struct addrsel_table t;
    addrsel_default_table(&t);
    check_lookup(&t, "::1", 128, 50, 0);
    check_lookup(&t, "::2", 96, 1, 3);                 /* IPv4-compatible, not loopback */
    check_lookup(&t, "::", 96, 1, 3);
    check_lookup(&t, "198.51.100.1", 96, 35, 4);       /* IPv4-mapped */
    check_lookup(&t, "127.0.0.1", 96, 35, 4);
    check_lookup(&t, "2002:c633:6401::1", 16, 30, 2);
    check_lookup(&t, "2001:0:4136:e378::1", 32, 5, 5); /* Teredo */
    check_lookup(&t, "2001:db8:1::1", 0, 40, 1);       /* 2001::/32 does not cover 2001:db8::/32 */
    check_lookup(&t, "fd11:1111:1111::1", 7, 3, 13);
    check_lookup(&t, "fc00::1", 7, 3, 13);
    check_lookup(&t, "fec0::1", 10, 1, 11);
    check_lookup(&t, "feff::1", 10, 1, 11);
    check_lookup(&t, "fe80::1", 0, 40, 1);
    check_lookup(&t, "3ffe:831f::1", 16, 1, 12);
    check_lookup(&t, "ff02::1", 0, 40, 1);
    check_lookup(NULL, "2002::1", 16, 30, 2);          /* NULL: the default table */

    /* A longer prefix wins whatever its position in the table. */
    struct in6_addr p = A("2002:c633::");
    T_EQ(addrsel_table_add(&t, &p, 32, 44, 20), 0);
    check_lookup(&t, "2002:c633:6401::1", 32, 44, 20);
    check_lookup(&t, "2002:c634::1", 16, 30, 2);
    p = A("2002::");
    T_EQ(addrsel_table_add(&t, &p, 15, 9, 9), 0);      /* 2002::/15 covers 2002::/16 and 2003::/16 */
    check_lookup(&t, "2002:1::1", 16, 30, 2);
    check_lookup(&t, "2003::1", 15, 9, 9);
}

TEST(table_add_del_replace)
{
    struct addrsel_table t;
    addrsel_default_table(&t);
    struct in6_addr p = A("2001:db8::");

    T_EQ(addrsel_table_add(&t, &p, 32, 45, 14), 0);
    T_EQ(t.n, 10);
    check_lookup(&t, "2001:db8:1::1", 32, 45, 14);

    /* Same prefix: replaced, not added. */
    T_EQ(addrsel_table_add(&t, &p, 32, 20, 7), 0);
    T_EQ(t.n, 10);
    check_lookup(&t, "2001:db8:1::1", 32, 20, 7);

    /* Host bits past plen are ignored: same entry again. */
    struct in6_addr h = A("2001:db8:ffff::1");
    T_EQ(addrsel_table_add(&t, &h, 32, 21, 8), 0);
    T_EQ(t.n, 10);
    T_CHECK(eq(&t.p[9].prefix, "2001:db8::"));
    check_lookup(&t, "2001:db8:1::1", 32, 21, 8);

    /* Same prefix, other length: a new entry. */
    T_EQ(addrsel_table_add(&t, &p, 48, 22, 9), 0);
    T_EQ(t.n, 11);
    check_lookup(&t, "2001:db8:0:1::1", 48, 22, 9);
    check_lookup(&t, "2001:db8:1::1", 32, 21, 8);

    /* Replacing a default entry changes it in place. */
    struct in6_addr m = A("::ffff:0:0");
    T_EQ(addrsel_table_add(&t, &m, 96, 100, 4), 0);
    T_EQ(t.n, 11);
    T_EQ(t.p[2].precedence, 100);

    /* Delete. */
    T_EQ(addrsel_table_del(&t, &p, 48), 0);
    T_EQ(t.n, 10);
    check_lookup(&t, "2001:db8:0:1::1", 32, 21, 8);
    T_EQ(addrsel_table_del(&t, &h, 32), 0);            /* host bits ignored */
    T_EQ(t.n, 9);
    check_lookup(&t, "2001:db8:1::1", 0, 40, 1);
    T_EQ(addrsel_table_del(&t, &p, 32), -ENOENT);
    T_EQ(t.n, 9);

    /* Deleting from the middle keeps the others in order. */
    struct in6_addr six = A("2002::");
    T_EQ(addrsel_table_del(&t, &six, 16), 0);
    T_EQ(t.n, 8);
    T_CHECK(eq(&t.p[3].prefix, "2001::"));
    check_lookup(&t, "2002::1", 0, 40, 1);

    /* Without ::/0 an address may match nothing. */
    struct in6_addr any = A("::");
    T_EQ(addrsel_table_del(&t, &any, 0), 0);
    struct in6_addr x = A("2001:db8::1");
    T_CHECK(addrsel_lookup(&t, &x) == NULL);
    T_EQ(addrsel_table_add(&t, &any, 0, 40, 1), 0);
    check_lookup(&t, "2001:db8::1", 0, 40, 1);
}

TEST(table_rejects_bad_input)
{
    struct addrsel_table t;
    addrsel_default_table(&t);
    struct addrsel_table before = t;
    struct in6_addr p = A("2001:db8::");

    T_EQ(addrsel_table_add(&t, &p, 129, 1, 1), -EINVAL);
    T_EQ(addrsel_table_add(&t, &p, 1000, 1, 1), -EINVAL);
    T_EQ(addrsel_table_add(&t, &p, 32, 256, 1), -EINVAL);
    T_EQ(addrsel_table_add(&t, &p, 32, 1, 256), -EINVAL);
    T_EQ(addrsel_table_add(&t, &p, 32, ~0u, ~0u), -EINVAL);
    T_EQ(addrsel_table_add(NULL, &p, 32, 1, 1), -EINVAL);
    T_EQ(addrsel_table_add(&t, NULL, 32, 1, 1), -EINVAL);
    T_EQ(addrsel_table_del(&t, &p, 129), -EINVAL);
    T_EQ(addrsel_table_del(NULL, &p, 32), -EINVAL);
    T_EQ(addrsel_table_del(&t, NULL, 32), -EINVAL);
    T_MEMEQ(&t, &before, sizeof t);                    /* nothing changed */

    /* Boundaries that are fine. */
    T_EQ(addrsel_table_add(&t, &p, 128, 255, 255), 0);
    T_EQ(addrsel_table_del(&t, &p, 128), 0);

    /* Fill to ADDRSEL_MAX, then -ENOSPC; replacing still works when full. */
    int added = 0;
    for (unsigned i = 0; t.n < ADDRSEL_MAX; i++) {
        struct in6_addr q = A("2001:db8::");
        q.s6_addr[4] = (uint8_t)i;
        T_EQ(addrsel_table_add(&t, &q, 48, 10, 10), 0);
        added++;
    }
    T_EQ(added, ADDRSEL_MAX - 9);
    struct in6_addr extra = A("2001:db9::");
    T_EQ(addrsel_table_add(&t, &extra, 32, 1, 1), -ENOSPC);
    T_EQ(t.n, ADDRSEL_MAX);
    struct in6_addr q0 = A("2001:db8::");
    T_EQ(addrsel_table_add(&t, &q0, 48, 11, 12), 0);
    check_lookup(&t, "2001:db8::1", 48, 11, 12);
    T_EQ(addrsel_table_del(&t, &q0, 48), 0);
    T_EQ(addrsel_table_add(&t, &extra, 32, 1, 1), 0);

    /* A corrupt count is refused, not trusted. */
    struct addrsel_table bad = t;
    bad.n = ADDRSEL_MAX + 1;
    T_EQ(addrsel_table_add(&bad, &p, 32, 1, 1), -EINVAL);
    T_EQ(addrsel_table_del(&bad, &p, 32), -EINVAL);
    bad.n = -1;
    T_EQ(addrsel_table_add(&bad, &p, 32, 1, 1), -EINVAL);
    struct in6_addr x = A("2001:db8::1");
    T_CHECK(addrsel_lookup(&bad, &x) == NULL);
}

/* ================= scope (§3.1, §3.2) ================= */

TEST(scope_values)
{
    static const struct { const char *a; unsigned scope; } cases[] = {
        { "ff01::1", 1 }, { "ff02::1", 2 }, { "ff04::1", 4 }, { "ff05::1", 5 }, { "ff08::1", 8 },
        { "ff0e::1", 14 }, { "ff12::1", 2 }, { "ff3e::8000:1", 14 },
        { "fe80::1", 2 }, { "febf::1", 2 }, { "::1", 2 },
        { "fec0::1", 5 }, { "feff::1", 5 },
        { "2001:db8::1", 14 }, { "fd00::1", 14 }, { "2002::1", 14 }, { "::", 14 },
        { "127.0.0.1", 2 }, { "127.255.255.255", 2 }, { "169.254.13.78", 2 },
        { "10.1.2.3", 14 }, { "192.168.1.1", 14 }, { "172.16.0.1", 14 }, { "198.51.100.121", 14 },
        { "169.253.0.1", 14 }, { "128.0.0.1", 14 },
    };
    for (int i = 0; i < NC(cases); i++) {
        struct in6_addr a = A(cases[i].a);
        unsigned s = addrsel_scope(&a);
        if (s != cases[i].scope)
            fprintf(stderr, "  scope(%s) = %u, want %u\n", cases[i].a, s, cases[i].scope);
        T_EQ(s, cases[i].scope);
    }
}

TEST(common_prefix_len)
{
    struct in6_addr a = A("fe80::1"), b = A("fe80::2");
    T_EQ(addrsel_common_prefix_len(&a, &b, 0), 64);     /* RFC 6724 §2.2's example */
    T_EQ(addrsel_common_prefix_len(&a, &b, 128), 126);
    T_EQ(addrsel_common_prefix_len(&a, &a, 128), 128);
    T_EQ(addrsel_common_prefix_len(&a, &a, 200), 128);
    a = A("2001:db8:3ffe::1");
    b = A("2001:db8:3f44::2");
    T_EQ(addrsel_common_prefix_len(&b, &a, 0), 40);
    a = A("2001:db8:1::1");
    T_EQ(addrsel_common_prefix_len(&b, &a, 0), 34);
    a = A("10.1.2.3");
    b = A("10.1.2.4");
    T_EQ(addrsel_common_prefix_len(&b, &a, 0), 96 + 29); /* IPv4-mapped: no /64 cap */
    a = A("::");
    b = A("8000::");
    T_EQ(addrsel_common_prefix_len(&a, &b, 0), 0);
}

/* ================= source address selection, one rule each (§5) ================= */

TEST(src_rule1_same_address)
{
    /* The destination itself wins although it is deprecated, on another
     * interface, of another label and temporary (prefer_temporary false). */
    struct addrsel_src c[] = {
        S("2001:db8:1::2", 0, 1),
        S("2001:db8:1::1", DEP | TEMP, 2),
    };
    T_STREQ(pick_tbl(NULL, "2001:db8:1::1", 1, c, NC(c), false), canon("2001:db8:1::1"));
    /* ...but not when tentative (not yet ours, RFC 4862). */
    c[1].tentative = true;
    T_STREQ(pick("2001:db8:1::1", c, NC(c)), canon("2001:db8:1::2"));
}

TEST(src_rule2_scope_larger_when_needed)
{
    /* Global destination: the link-local candidate is too small, the
     * global one wins even though deprecated (rule 2 comes before 3). */
    struct addrsel_src c[] = { S("fe80::1", 0, 1), S("2001:db8:3::1", DEP, 1) };
    T_STREQ(pick("2001:db8:1::1", c, NC(c)), canon("2001:db8:3::1"));
    T_STREQ(pick("ff0e::1", c, NC(c)), canon("2001:db8:3::1"));
    T_STREQ(pick("ff05::1", c, NC(c)), canon("2001:db8:3::1"));
    /* All candidates smaller than the destination: the larger one. */
    struct addrsel_src d[] = { S("fe80::1", 0, 1), S("fec0::1", 0, 1) };
    T_STREQ(pick("2001:db8:1::1", d, NC(d)), canon("fec0::1"));
}

TEST(src_rule2_scope_smaller_when_enough)
{
    /* Link-local destination: the smallest sufficient scope, the link-local
     * candidate, even though deprecated and listed last. */
    struct addrsel_src c[] = { S("2001:db8:1::1", 0, 1), S("fe80::1", DEP, 1) };
    T_STREQ(pick("fe80::9", c, NC(c)), canon("fe80::1"));
    T_STREQ(pick("ff02::1", c, NC(c)), canon("fe80::1"));
    T_STREQ(pick("ff01::1", c, NC(c)), canon("fe80::1"));   /* none small enough: smallest */
    /* Site-scope destination: site-local beats global, link-local too small. */
    struct addrsel_src d[] = { S("2001:db8:1::1", 0, 1), S("fe80::1", 0, 1), S("fec0::1", 0, 1) };
    T_STREQ(pick("ff05::1", d, NC(d)), canon("fec0::1"));
    T_STREQ(pick("fec0::9", d, NC(d)), canon("fec0::1"));
    T_STREQ(pick("ff02::1", d, NC(d)), canon("fe80::1"));
}

TEST(src_rule3_avoid_deprecated)
{
    /* Rule 8 would pick the deprecated one (longer match). */
    struct addrsel_src c[] = { S("2001:db8:1::a", DEP, 1), S("2001:db8:2::b", 0, 1) };
    T_STREQ(pick("2001:db8:1::1", c, NC(c)), canon("2001:db8:2::b"));
    /* Rule 3 beats rule 4: a deprecated home address loses. */
    struct addrsel_src d[] = { S("2001:db8:1::a", 0, 1), S("2001:db8:3::b", DEP | HOME, 1) };
    T_STREQ(pick("2001:db8:1::1", d, NC(d)), canon("2001:db8:1::a"));
}

TEST(src_rule4_prefer_home)
{
    /* Rule 8 and rule 5 would pick the care-of address. */
    struct addrsel_src c[] = { S("2001:db8:1::2", 0, 1), S("2001:db8:3::2", HOME, 2) };
    T_STREQ(pick_tbl(NULL, "2001:db8:1::1", 1, c, NC(c), true), canon("2001:db8:3::2"));
}

TEST(src_rule5_outgoing_interface)
{
    /* Rule 8 would pick 2001:db8:1::2 (on ifindex 2). */
    struct addrsel_src c[] = { S("2001:db8:1::2", 0, 2), S("2001:db8:3::2", 0, 1) };
    T_STREQ(pick_tbl(NULL, "2001:db8:1::1", 1, c, NC(c), true), canon("2001:db8:3::2"));
    T_STREQ(pick_tbl(NULL, "2001:db8:1::1", 2, c, NC(c), true), canon("2001:db8:1::2"));
    /* oif unknown (0): rule 5 is skipped, rule 8 decides. */
    T_STREQ(pick_tbl(NULL, "2001:db8:1::1", 0, c, NC(c), true), canon("2001:db8:1::2"));
    /* Neither on oif: rule 5 cannot decide either. */
    T_STREQ(pick_tbl(NULL, "2001:db8:1::1", 7, c, NC(c), true), canon("2001:db8:1::2"));
    /* Rule 5 comes before rule 6 (label) and 7 (temporary). */
    struct addrsel_src d[] = { S("2002:c633:6401::2", TEMP, 2), S("2001:db8:5::2", 0, 1) };
    T_STREQ(pick_tbl(NULL, "2002:c633:6401::1", 1, d, NC(d), true), canon("2001:db8:5::2"));
}

TEST(src_rule6_matching_label)
{
    /* Label(2001:db8::1) = 1; 2001::1 (Teredo, label 5) shares 20 leading
     * bits with it, 4000::1 (label 1) only 1 -- the label decides first. */
    struct addrsel_src c[] = { S("2001::1", 0, 1), S("4000::1", 0, 1) };
    T_STREQ(pick("2001:db8::1", c, NC(c)), canon("4000::1"));
    /* Rule 6 comes before rule 7: the temporary address of the wrong label loses. */
    struct addrsel_src d[] = { S("2001::1", TEMP, 1), S("4000::1", 0, 1) };
    T_STREQ(pick("2001:db8::1", d, NC(d)), canon("4000::1"));
}

TEST(src_rule7_temporary)
{
    /* Same /64: rule 8 ties (CommonPrefixLen stops at 64), so without rule
     * 7 the first candidate would be kept. */
    struct addrsel_src c[] = { S("2001:db8:1::2", 0, 1), S("2001:db8:1::d5e3:7953:13eb:22e8", TEMP, 1) };
    T_STREQ(pick_tbl(NULL, "2001:db8:1::d5e3:0:0:1", 0, c, NC(c), true), canon("2001:db8:1::d5e3:7953:13eb:22e8"));
    /* The knob reversed: public wins, from either position. */
    T_STREQ(pick_tbl(NULL, "2001:db8:1::d5e3:0:0:1", 0, c, NC(c), false), canon("2001:db8:1::2"));
    struct addrsel_src r[] = { c[1], c[0] };
    T_STREQ(pick_tbl(NULL, "2001:db8:1::d5e3:0:0:1", 0, r, NC(r), false), canon("2001:db8:1::2"));
    T_STREQ(pick_tbl(NULL, "2001:db8:1::d5e3:0:0:1", 0, r, NC(r), true), canon("2001:db8:1::d5e3:7953:13eb:22e8"));
    /* Rule 7 comes before rule 8: a temporary address in a shorter-matching
     * prefix still wins. */
    struct addrsel_src d[] = { S("2001:db8:1::2", 0, 1), S("2001:db8:2::77", TEMP, 1) };
    T_STREQ(pick("2001:db8:1::1", d, NC(d)), canon("2001:db8:2::77"));
}

TEST(src_rule8_longest_prefix)
{
    struct addrsel_src c[] = { S("2001:db8:3::2", 0, 1), S("2001:db8:1::2", 0, 1) };
    T_STREQ(pick("2001:db8:1::1", c, NC(c)), canon("2001:db8:1::2"));
    /* CommonPrefixLen stops at the source's prefix length: two addresses of
     * one /64 tie, the first is kept... */
    struct addrsel_src d[] = { S("2001:db8:1::ffff", 0, 1), S("2001:db8:1::3", 0, 1) };
    T_STREQ(pick("2001:db8:1::1", d, NC(d)), canon("2001:db8:1::ffff"));
    /* ...unless their prefix length says the match goes further. */
    d[0].plen = d[1].plen = 128;
    T_STREQ(pick("2001:db8:1::1", d, NC(d)), canon("2001:db8:1::3"));
}

TEST(src_unusable_candidates)
{
    struct addrsel_src c[] = {
        S("2001:db8:1::1", TENT, 1),        /* tentative */
        S("::", 0, 1),                      /* unspecified */
        S("ff02::1", 0, 1),                 /* multicast */
        S("198.51.100.117", 0, 1),          /* other family */
    };
    T_STREQ(pick("2001:db8:1::1", c, NC(c)), "none");
    struct addrsel_src v4[] = { S("2001:db8:1::2", 0, 1), S("198.51.100.117", 0, 1) };
    T_STREQ(pick("198.51.100.121", v4, NC(v4)), canon("198.51.100.117"));
    T_STREQ(pick("2001:db8:1::1", v4, NC(v4)), canon("2001:db8:1::2"));
    struct in6_addr d = A("2001:db8::1");
    T_EQ(addrsel_source(NULL, &d, 0, v4, 0, true), -1);
    T_EQ(addrsel_source(NULL, &d, 0, NULL, 3, true), -1);
    T_EQ(addrsel_source(NULL, &d, 0, v4, -5, true), -1);
    T_EQ(addrsel_source(NULL, NULL, 0, v4, NC(v4), true), -1);
}

/* ================= RFC 6724 §10.1, each example ================= */

TEST(rfc_10_1_ex1_global_dst_appropriate_scope)
{
    struct addrsel_src c[] = { S("2001:db8:3::1", 0, 1), S("fe80::1", 0, 1) };
    T_STREQ(pick("2001:db8:1::1", c, NC(c)), canon("2001:db8:3::1"));
}

TEST(rfc_10_1_ex2_site_multicast_appropriate_scope)
{
    struct addrsel_src c[] = { S("2001:db8:3::1", 0, 1), S("fe80::1", 0, 1) };
    T_STREQ(pick("ff05::1", c, NC(c)), canon("2001:db8:3::1"));
}

TEST(rfc_10_1_ex3_same_address)
{
    struct addrsel_src c[] = { S("2001:db8:1::1", DEP, 1), S("2001:db8:2::1", 0, 1) };
    T_STREQ(pick("2001:db8:1::1", c, NC(c)), canon("2001:db8:1::1"));
}

TEST(rfc_10_1_ex4_linklocal_dst_appropriate_scope)
{
    struct addrsel_src c[] = { S("fe80::2", DEP, 1), S("2001:db8:1::1", 0, 1) };
    T_STREQ(pick("fe80::1", c, NC(c)), canon("fe80::2"));
}

TEST(rfc_10_1_ex5_longest_matching_prefix)
{
    struct addrsel_src c[] = { S("2001:db8:1::2", 0, 1), S("2001:db8:3::2", 0, 1) };
    T_STREQ(pick("2001:db8:1::1", c, NC(c)), canon("2001:db8:1::2"));
}

TEST(rfc_10_1_ex6_home_address)
{
    /* 2001:db8:1::2 is a care-of address, 2001:db8:3::2 the home address. */
    struct addrsel_src c[] = { S("2001:db8:1::2", 0, 1), S("2001:db8:3::2", HOME, 1) };
    T_STREQ(pick("2001:db8:1::1", c, NC(c)), canon("2001:db8:3::2"));
}

TEST(rfc_10_1_ex7_matching_label)
{
    struct addrsel_src c[] = { S("2002:c633:6401::d5e3:7953:13eb:22e8", TEMP, 1), S("2001:db8:1::2", 0, 1) };
    T_STREQ(pick("2002:c633:6401::1", c, NC(c)), canon("2002:c633:6401::d5e3:7953:13eb:22e8"));
    /* Holds with the rule 7 knob reversed too: rule 6 decides first. */
    T_STREQ(pick_tbl(NULL, "2002:c633:6401::1", 0, c, NC(c), false), canon("2002:c633:6401::d5e3:7953:13eb:22e8"));
}

TEST(rfc_10_1_ex8_temporary_address)
{
    struct addrsel_src c[] = { S("2001:db8:1::2", 0, 1), S("2001:db8:1::d5e3:7953:13eb:22e8", TEMP, 1) };
    T_STREQ(pick("2001:db8:1::d5e3:0:0:1", c, NC(c)), canon("2001:db8:1::d5e3:7953:13eb:22e8"));
}

/* ================= destination ordering, one rule each (§6) ================= */

static bool order_is(const struct addrsel_dst *d, int n, const unsigned *want)
{
    bool ok = true;
    for (int i = 0; i < n; i++)
        ok = ok && d[i].orig_index == want[i];
    if (!ok) {
        fprintf(stderr, "  order:");
        for (int i = 0; i < n; i++)
            fprintf(stderr, " %u", d[i].orig_index);
        fprintf(stderr, "\n");
    }
    return ok;
}

TEST(dst_rule1_avoid_unusable)
{
    /* The unusable one (known unreachable, though it has a source) has
     * everything else going for it: matching scope and label, precedence
     * 50, smaller scope. */
    struct addrsel_dst d[] = { D("::1", "::1", 0, 0), D("2001:db8:1::1", "2001:db8:1::2", DEP, 1) };
    d[0].src_ok = false;
    addrsel_sort_destinations(NULL, d, NC(d));
    T_CHECK(order_is(d, 2, (const unsigned[]){ 1, 0 }));
    struct addrsel_dst c[] = { D("2001:db8:1::1", "2001:db8:1::2", DEP, 0), D("::1", "::1", 0, 1) };
    c[1].src_ok = false;
    addrsel_sort_destinations(NULL, c, NC(c));
    T_CHECK(order_is(c, 2, (const unsigned[]){ 0, 1 }));
    /* Both unusable: only precedence / scope / order remain -- ::1 (50) first. */
    struct addrsel_dst e[] = { D("2001:db8:1::1", NULL, 0, 0), D("::1", NULL, 0, 1) };
    addrsel_sort_destinations(NULL, e, NC(e));
    T_CHECK(order_is(e, 2, (const unsigned[]){ 1, 0 }));
    /* An unusable IPv6 behind a usable IPv4. */
    struct addrsel_dst f[] = { D("2001:db8:1::1", NULL, 0, 0), D("198.51.100.121", "198.51.100.117", 0, 1) };
    addrsel_sort_destinations(NULL, f, NC(f));
    T_CHECK(order_is(f, 2, (const unsigned[]){ 1, 0 }));
}

TEST(dst_rule2_matching_scope)
{
    /* Rule 6 would put the IPv6 destination first (40 > 35); its source is
     * link-local, its scope does not match. */
    struct addrsel_dst d[] = { D("2001:db8:1::1", "fe80::1", 0, 0), D("198.51.100.121", "198.51.100.117", 0, 1) };
    addrsel_sort_destinations(NULL, d, NC(d));
    T_CHECK(order_is(d, 2, (const unsigned[]){ 1, 0 }));
}

TEST(dst_rule3_avoid_deprecated)
{
    /* Rule 8 would put the link-local destination first. */
    struct addrsel_dst d[] = { D("fe80::1", "fe80::2", DEP, 0), D("2001:db8:1::1", "2001:db8:1::2", 0, 1) };
    addrsel_sort_destinations(NULL, d, NC(d));
    T_CHECK(order_is(d, 2, (const unsigned[]){ 1, 0 }));
    /* Rule 2 comes first: a deprecated source of matching scope beats a
     * fresh one of the wrong scope. */
    struct addrsel_dst e[] = { D("2001:db8:1::1", "fe80::2", 0, 0), D("2001:db8:2::1", "2001:db8:2::2", DEP, 1) };
    addrsel_sort_destinations(NULL, e, NC(e));
    T_CHECK(order_is(e, 2, (const unsigned[]){ 1, 0 }));
}

TEST(dst_rule4_prefer_home)
{
    struct addrsel_dst d[] = { D("fe80::1", "fe80::2", 0, 0), D("2001:db8:1::1", "2001:db8:3::1", HOME, 1) };
    addrsel_sort_destinations(NULL, d, NC(d));
    T_CHECK(order_is(d, 2, (const unsigned[]){ 1, 0 }));
    /* Rule 3 comes first. */
    struct addrsel_dst e[] = { D("fe80::1", "fe80::2", 0, 0), D("2001:db8:1::1", "2001:db8:3::1", HOME | DEP, 1) };
    addrsel_sort_destinations(NULL, e, NC(e));
    T_CHECK(order_is(e, 2, (const unsigned[]){ 0, 1 }));
}

TEST(dst_rule5_matching_label)
{
    /* Rule 6 would put 2001:db8:1::1 (40) before 2002:: (30), but its
     * source is a 6to4 address (label 2 vs 1). */
    struct addrsel_dst d[] = { D("2001:db8:1::1", "2002:c633:6401::2", 0, 0),
                               D("2002:c633:6401::1", "2002:c633:6401::2", 0, 1) };
    addrsel_sort_destinations(NULL, d, NC(d));
    T_CHECK(order_is(d, 2, (const unsigned[]){ 1, 0 }));
}

TEST(dst_rule6_higher_precedence)
{
    /* Labels all match; precedence 50 (::1) > 40 (::/0) > 35 (IPv4) > 30
     * (6to4) > 5 (Teredo) > 3 (ULA) > 1 (site-local). */
    struct addrsel_dst d[] = {
        D("fec0::1", "fec0::2", 0, 0),
        D("fd00::1", "fd00::2", 0, 1),
        D("2001:0:1::1", "2001:0:1::2", 0, 2),
        D("2002:c633:6401::1", "2002:c633:6401::2", 0, 3),
        D("10.1.2.3", "10.1.2.4", 0, 4),
        D("2001:db8:1::1", "2001:db8:1::2", 0, 5),
    };
    addrsel_sort_destinations(NULL, d, NC(d));
    T_CHECK(order_is(d, 6, (const unsigned[]){ 5, 4, 3, 2, 1, 0 }));
    /* ::1 from ::1 outranks all (precedence 50), same scope class aside. */
    struct addrsel_dst e[] = { D("2001:db8:1::1", "2001:db8:1::2", 0, 0), D("::1", "::1", 0, 1) };
    addrsel_sort_destinations(NULL, e, NC(e));
    T_CHECK(order_is(e, 2, (const unsigned[]){ 1, 0 }));
}

TEST(dst_rule7_native_not_implemented_order_stable)
{
    /* Rule 7 (prefer native transport over tunnels) is not implemented: the
     * stack has no tunnels, so nothing marks a destination as encapsulated
     * and src_native_ok is ignored.  Two destinations that differ only in it
     * keep their order, either way round. */
    struct addrsel_dst d[] = { D("2001:db8:1::1", "2001:db8:1::2", 0, 0), D("2001:db8:1::3", "2001:db8:1::2", 0, 1) };
    d[0].src_native_ok = false;
    addrsel_sort_destinations(NULL, d, NC(d));
    T_CHECK(order_is(d, 2, (const unsigned[]){ 0, 1 }));
    struct addrsel_dst e[] = { D("2001:db8:1::3", "2001:db8:1::2", 0, 0), D("2001:db8:1::1", "2001:db8:1::2", 0, 1) };
    e[1].src_native_ok = false;
    addrsel_sort_destinations(NULL, e, NC(e));
    T_CHECK(order_is(e, 2, (const unsigned[]){ 0, 1 }));
}

TEST(dst_rule8_smaller_scope)
{
    struct addrsel_dst d[] = {
        D("2001:db8:1::1", "2001:db8:1::2", 0, 0),
        D("fec0::1", "fec0::2", 0, 1),
        D("fe80::1", "fe80::2", 0, 2),
    };
    /* Custom table: equal precedence and labels everywhere, so only scope
     * can decide. */
    struct addrsel_table t = { .n = 0 };
    struct in6_addr any = A("::");
    T_EQ(addrsel_table_add(&t, &any, 0, 40, 1), 0);
    addrsel_sort_destinations(&t, d, NC(d));
    T_CHECK(order_is(d, 3, (const unsigned[]){ 2, 1, 0 }));
    /* Multicast by scope nibble. */
    struct addrsel_dst m[] = { D("ff0e::1", "2001:db8:1::2", 0, 0), D("ff05::1", "fec0::2", 0, 1),
                               D("ff02::1", "fe80::2", 0, 2) };
    addrsel_sort_destinations(&t, m, NC(m));
    T_CHECK(order_is(m, 3, (const unsigned[]){ 2, 1, 0 }));
}

TEST(dst_rule9_longest_prefix)
{
    /* IPv6: the destination sharing more with its source goes first. */
    struct addrsel_dst d[] = { D("2001:db8:3ffe::1", "2001:db8:3f44::2", 0, 0),
                               D("2001:db8:1::1", "2001:db8:1::2", 0, 1) };
    addrsel_sort_destinations(NULL, d, NC(d));
    T_CHECK(order_is(d, 2, (const unsigned[]){ 1, 0 }));
    /* Bounded by the source's prefix length: within one /64 all tie. */
    struct addrsel_dst e[] = { D("2001:db8:1::8000", "2001:db8:1::2", 0, 0),
                               D("2001:db8:1::1", "2001:db8:1::2", 0, 1) };
    addrsel_sort_destinations(NULL, e, NC(e));
    T_CHECK(order_is(e, 2, (const unsigned[]){ 0, 1 }));
    /* IPv4: not applied (order kept, round robin survives). */
    struct addrsel_dst f[] = { D("198.51.100.200", "10.1.2.4", 0, 0), D("10.1.2.3", "10.1.2.4", 0, 1) };
    addrsel_sort_destinations(NULL, f, NC(f));
    T_CHECK(order_is(f, 2, (const unsigned[]){ 0, 1 }));
    /* Different families: not applied either (made equal up to rule 8 by a
     * table giving IPv4 the precedence of ::/0). */
    struct addrsel_table t;
    addrsel_default_table(&t);
    struct in6_addr m = A("::ffff:0:0");
    T_EQ(addrsel_table_add(&t, &m, 96, 40, 4), 0);
    struct addrsel_dst g[] = { D("198.51.100.200", "10.1.2.4", 0, 0), D("2001:db8:1::1", "2001:db8:1::2", 0, 1) };
    addrsel_sort_destinations(&t, g, NC(g));
    T_CHECK(order_is(g, 2, (const unsigned[]){ 0, 1 }));
    struct addrsel_dst h[] = { D("2001:db8:1::1", "2001:db8:1::2", 0, 0), D("198.51.100.200", "10.1.2.4", 0, 1) };
    addrsel_sort_destinations(&t, h, NC(h));
    T_CHECK(order_is(h, 2, (const unsigned[]){ 0, 1 }));
}

TEST(dst_rule10_leave_order_unchanged)
{
    /* Twelve equal destinations (same /64 as their source): untouched. */
    struct addrsel_dst d[12];
    for (unsigned i = 0; i < 12; i++) {
        char s[64];
        snprintf(s, sizeof s, "2001:db8:1::%x", 0x100 + (11 - i));
        d[i] = D(s, "2001:db8:1::2", 0, i);
    }
    addrsel_sort_destinations(NULL, d, NC(d));
    T_CHECK(order_is(d, 12, (const unsigned[]){ 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11 }));
    /* Stable among equals when others move around them. */
    struct addrsel_dst e[] = {
        D("10.0.0.1", "10.0.0.9", 0, 0), D("2001:db8:1::1", "2001:db8:1::2", 0, 1),
        D("10.0.0.2", "10.0.0.9", 0, 2), D("2001:db8:1::3", "2001:db8:1::2", 0, 3),
        D("2001:db8:1::4", NULL, 0, 4),  D("10.0.0.3", "10.0.0.9", 0, 5),
    };
    addrsel_sort_destinations(NULL, e, NC(e));
    T_CHECK(order_is(e, 6, (const unsigned[]){ 1, 3, 0, 2, 5, 4 }));
    /* n of 0, 1 or a negative n, and NULL, leave everything alone. */
    addrsel_sort_destinations(NULL, e, 1);
    addrsel_sort_destinations(NULL, e, 0);
    addrsel_sort_destinations(NULL, e, -3);
    addrsel_sort_destinations(NULL, NULL, 4);
    T_CHECK(order_is(e, 6, (const unsigned[]){ 1, 3, 0, 2, 5, 4 }));
}

/* ================= RFC 6724 §10.2, each example ================= */

TEST(rfc_10_2_ex1_matching_scope_v6_first)
{
    const char *dst[] = { "2001:db8:1::1", "198.51.100.121" };
    struct addrsel_src src[] = { S("2001:db8:1::2", 0, 1), S("fe80::1", 0, 1), S("169.254.13.78", 0, 1) };
    struct dres r = order_tbl(NULL, dst, 2, src, NC(src));
    T_CHECK(is_order2(&r, "2001:db8:1::1", "2001:db8:1::2", "198.51.100.121", "169.254.13.78"));
}

TEST(rfc_10_2_ex2_matching_scope_v4_first)
{
    const char *dst[] = { "2001:db8:1::1", "198.51.100.121" };
    struct addrsel_src src[] = { S("fe80::1", 0, 1), S("198.51.100.117", 0, 1) };
    struct dres r = order_tbl(NULL, dst, 2, src, NC(src));
    T_CHECK(is_order2(&r, "198.51.100.121", "198.51.100.117", "2001:db8:1::1", "fe80::1"));
}

TEST(rfc_10_2_ex3_higher_precedence_v6_over_v4)
{
    const char *dst[] = { "2001:db8:1::1", "10.1.2.3" };
    struct addrsel_src src[] = { S("2001:db8:1::2", 0, 1), S("fe80::1", 0, 1), S("10.1.2.4", 0, 1) };
    struct dres r = order_tbl(NULL, dst, 2, src, NC(src));
    T_CHECK(is_order2(&r, "2001:db8:1::1", "2001:db8:1::2", "10.1.2.3", "10.1.2.4"));
    /* Same result from the other input order. */
    const char *rev[] = { "10.1.2.3", "2001:db8:1::1" };
    r = order_tbl(NULL, rev, 2, src, NC(src));
    T_CHECK(is_order2(&r, "2001:db8:1::1", "2001:db8:1::2", "10.1.2.3", "10.1.2.4"));
}

TEST(rfc_10_2_ex4_smaller_scope)
{
    const char *dst[] = { "2001:db8:1::1", "fe80::1" };
    struct addrsel_src src[] = { S("2001:db8:1::2", 0, 1), S("fe80::2", 0, 1) };
    struct dres r = order_tbl(NULL, dst, 2, src, NC(src));
    T_CHECK(is_order2(&r, "fe80::1", "fe80::2", "2001:db8:1::1", "2001:db8:1::2"));
}

TEST(rfc_10_2_ex5_home_address)
{
    /* 2001:db8:1::2 and fe80::2 are care-of addresses, 2001:db8:3::1 the home address. */
    const char *dst[] = { "2001:db8:1::1", "fe80::1" };
    struct addrsel_src src[] = { S("2001:db8:1::2", 0, 1), S("2001:db8:3::1", HOME, 1), S("fe80::2", 0, 1) };
    struct dres r = order_tbl(NULL, dst, 2, src, NC(src));
    T_CHECK(is_order2(&r, "2001:db8:1::1", "2001:db8:3::1", "fe80::1", "fe80::2"));
}

TEST(rfc_10_2_ex6_avoid_deprecated)
{
    const char *dst[] = { "2001:db8:1::1", "fe80::1" };
    struct addrsel_src src[] = { S("2001:db8:1::2", 0, 1), S("fe80::2", DEP, 1) };
    struct dres r = order_tbl(NULL, dst, 2, src, NC(src));
    T_CHECK(is_order2(&r, "2001:db8:1::1", "2001:db8:1::2", "fe80::1", "fe80::2"));
}

TEST(rfc_10_2_ex7_longest_matching_prefix)
{
    const char *dst[] = { "2001:db8:1::1", "2001:db8:3ffe::1" };
    struct addrsel_src src[] = { S("2001:db8:1::2", 0, 1), S("2001:db8:3f44::2", 0, 1), S("fe80::2", 0, 1) };
    struct dres r = order_tbl(NULL, dst, 2, src, NC(src));
    T_CHECK(is_order2(&r, "2001:db8:1::1", "2001:db8:1::2", "2001:db8:3ffe::1", "2001:db8:3f44::2"));
    const char *rev[] = { "2001:db8:3ffe::1", "2001:db8:1::1" };
    r = order_tbl(NULL, rev, 2, src, NC(src));
    T_CHECK(is_order2(&r, "2001:db8:1::1", "2001:db8:1::2", "2001:db8:3ffe::1", "2001:db8:3f44::2"));
}

TEST(rfc_10_2_ex8_matching_label)
{
    const char *dst[] = { "2002:c633:6401::1", "2001:db8:1::1" };
    struct addrsel_src src[] = { S("2002:c633:6401::2", 0, 1), S("fe80::2", 0, 1) };
    struct dres r = order_tbl(NULL, dst, 2, src, NC(src));
    T_CHECK(is_order2(&r, "2002:c633:6401::1", "2002:c633:6401::2", "2001:db8:1::1", "2002:c633:6401::2"));
    const char *rev[] = { "2001:db8:1::1", "2002:c633:6401::1" };
    r = order_tbl(NULL, rev, 2, src, NC(src));
    T_CHECK(is_order2(&r, "2002:c633:6401::1", "2002:c633:6401::2", "2001:db8:1::1", "2002:c633:6401::2"));
}

TEST(rfc_10_2_ex9_higher_precedence)
{
    const char *dst[] = { "2002:c633:6401::1", "2001:db8:1::1" };
    struct addrsel_src src[] = { S("2002:c633:6401::2", 0, 1), S("2001:db8:1::2", 0, 1), S("fe80::2", 0, 1) };
    struct dres r = order_tbl(NULL, dst, 2, src, NC(src));
    T_CHECK(is_order2(&r, "2001:db8:1::1", "2001:db8:1::2", "2002:c633:6401::1", "2002:c633:6401::2"));
}

/* ================= policy-table changes (§10.3-§10.6) ================= */

TEST(rfc_10_3_prefer_ipv4)
{
    /* ::ffff:0:0/96 raised to precedence 100: examples 1 and 2 of §10.2 are
     * decided by scope and stay; example 3 flips to IPv4 first. */
    struct addrsel_table t;
    addrsel_default_table(&t);
    struct in6_addr m = A("::ffff:0:0");
    T_EQ(addrsel_table_add(&t, &m, 96, 100, 4), 0);
    T_EQ(t.n, 9);

    const char *d1[] = { "2001:db8:1::1", "198.51.100.121" };
    struct addrsel_src s1[] = { S("2001:db8:1::2", 0, 1), S("fe80::1", 0, 1), S("169.254.13.78", 0, 1) };
    struct dres r = order_tbl(&t, d1, 2, s1, NC(s1));
    T_CHECK(is_order2(&r, "2001:db8:1::1", "2001:db8:1::2", "198.51.100.121", "169.254.13.78"));

    struct addrsel_src s2[] = { S("fe80::1", 0, 1), S("198.51.100.117", 0, 1) };
    r = order_tbl(&t, d1, 2, s2, NC(s2));
    T_CHECK(is_order2(&r, "198.51.100.121", "198.51.100.117", "2001:db8:1::1", "fe80::1"));

    const char *d3[] = { "2001:db8:1::1", "10.1.2.3" };
    struct addrsel_src s3[] = { S("2001:db8:1::2", 0, 1), S("fe80::1", 0, 1), S("10.1.2.4", 0, 1) };
    r = order_tbl(&t, d3, 2, s3, NC(s3));
    T_CHECK(is_order2(&r, "10.1.2.3", "10.1.2.4", "2001:db8:1::1", "2001:db8:1::2"));
}

TEST(rfc_10_3_1_broken_transition_ipv6_below_ipv4)
{
    /* The default table ranks native IPv4 (35) above 6to4 (30) and Teredo
     * (5), so a possibly broken transition-mechanism IPv6 path is tried
     * after IPv4, while native IPv6 (40) still goes first. */
    const char *d[] = { "2002:c633:6401::1", "198.51.100.121" };
    struct addrsel_src s[] = { S("2002:c633:6401::2", 0, 1), S("198.51.100.117", 0, 1) };
    struct dres r = order_tbl(NULL, d, 2, s, NC(s));
    T_CHECK(is_order2(&r, "198.51.100.121", "198.51.100.117", "2002:c633:6401::1", "2002:c633:6401::2"));

    const char *e[] = { "2001:0:4136:e378::1", "198.51.100.121" };
    struct addrsel_src u[] = { S("2001:0:4136:e378::2", 0, 1), S("198.51.100.117", 0, 1) };
    r = order_tbl(NULL, e, 2, u, NC(u));
    T_CHECK(is_order2(&r, "198.51.100.121", "198.51.100.117", "2001:0:4136:e378::1", "2001:0:4136:e378::2"));

    const char *f[] = { "198.51.100.121", "2001:db8:1::1" };
    struct addrsel_src v[] = { S("2001:db8:1::2", 0, 1), S("198.51.100.117", 0, 1) };
    r = order_tbl(NULL, f, 2, v, NC(v));
    T_CHECK(is_order2(&r, "2001:db8:1::1", "2001:db8:1::2", "198.51.100.121", "198.51.100.117"));
}

TEST(rfc_10_4_global_before_linklocal)
{
    /* By default a link-local destination sorts first (rule 8).  Adding
     * fe80::/10 with precedence 33 (label 1, as ::/0, so source labels still
     * match) puts global destinations first (rule 6). */
    const char *d[] = { "fe80::1", "2001:db8:1::1" };
    struct addrsel_src s[] = { S("2001:db8:1::2", 0, 1), S("fe80::2", 0, 1) };
    struct dres r = order_tbl(NULL, d, 2, s, NC(s));
    T_CHECK(is_order2(&r, "fe80::1", "fe80::2", "2001:db8:1::1", "2001:db8:1::2"));

    struct addrsel_table t;
    addrsel_default_table(&t);
    struct in6_addr ll = A("fe80::");
    T_EQ(addrsel_table_add(&t, &ll, 10, 33, 1), 0);
    r = order_tbl(&t, d, 2, s, NC(s));
    T_CHECK(is_order2(&r, "2001:db8:1::1", "2001:db8:1::2", "fe80::1", "fe80::2"));
}

TEST(rfc_10_5_multihomed_site)
{
    /* Site A: 2001:db8:1aaa::/48 from the high-performance ISP shared with
     * site B (2001:db8:1bbb::/48), 2001:db8:70aa::/48 from its normal ISP
     * (site B: 2001:db8:70bb::/48).  By default the longest matching prefix
     * (43 bits against 39) puts the normal-ISP pair first. */
    const char *d[] = { "2001:db8:1bbb::b", "2001:db8:70bb::b" };
    struct addrsel_src s[] = { S("2001:db8:1aaa::a", 0, 1), S("2001:db8:70aa::a", 0, 1), S("fe80::a", 0, 1) };
    struct dres r = order_tbl(NULL, d, 2, s, NC(s));
    T_CHECK(is_order2(&r, "2001:db8:70bb::b", "2001:db8:70aa::a", "2001:db8:1bbb::b", "2001:db8:1aaa::a"));

    /* Policy for the business-critical path: both high-performance prefixes
     * get a higher precedence and a label of their own, so they pair up
     * (source rule 6) and go first (destination rule 6). */
    struct addrsel_table t;
    addrsel_default_table(&t);
    struct in6_addr pa = A("2001:db8:1aaa::"), pb = A("2001:db8:1bbb::");
    T_EQ(addrsel_table_add(&t, &pa, 48, 45, 14), 0);
    T_EQ(addrsel_table_add(&t, &pb, 48, 45, 14), 0);
    r = order_tbl(&t, d, 2, s, NC(s));
    T_CHECK(is_order2(&r, "2001:db8:1bbb::b", "2001:db8:1aaa::a", "2001:db8:70bb::b", "2001:db8:70aa::a"));
    /* Source selection alone follows the label too, against longest match:
     * for a host in 2001:db8:1bbb:: reached by a prefix that shares more
     * with 70aa. */
    struct addrsel_src s2[] = { S("2001:db8:70aa::a", 0, 1), S("2001:db8:1aaa::a", 0, 1) };
    T_STREQ(pick_tbl(&t, "2001:db8:1bbb::b", 0, s2, NC(s2), true), canon("2001:db8:1aaa::a"));
    T_STREQ(pick_tbl(&t, "2001:db8:70bb::b", 0, s2, NC(s2), true), canon("2001:db8:70aa::a"));
}

TEST(rfc_10_6_ula_preference)
{
    /* By default a ULA (fc00::/7, precedence 3) sorts after a global
     * destination; adding the site's own ULA prefix fd11:1111:1111::/48 with
     * precedence 45, label 14 puts it first, with the ULA source. */
    const char *d[] = { "2001:db8:2::1", "fd11:1111:1111:2::1" };
    struct addrsel_src s[] = { S("2001:db8:1::1", 0, 1), S("fd11:1111:1111:1::1", 0, 1) };
    struct dres r = order_tbl(NULL, d, 2, s, NC(s));
    T_CHECK(is_order2(&r, "2001:db8:2::1", "2001:db8:1::1", "fd11:1111:1111:2::1", "fd11:1111:1111:1::1"));

    struct addrsel_table t;
    addrsel_default_table(&t);
    struct in6_addr u = A("fd11:1111:1111::");
    T_EQ(addrsel_table_add(&t, &u, 48, 45, 14), 0);
    r = order_tbl(&t, d, 2, s, NC(s));
    T_CHECK(is_order2(&r, "fd11:1111:1111:2::1", "fd11:1111:1111:1::1", "2001:db8:2::1", "2001:db8:1::1"));
    /* Other ULAs keep the default precedence. */
    const char *e[] = { "fd22::1", "2001:db8:2::1" };
    struct addrsel_src s2[] = { S("2001:db8:1::1", 0, 1), S("fd22::2", 0, 1) };
    r = order_tbl(&t, e, 2, s2, NC(s2));
    T_CHECK(is_order2(&r, "2001:db8:2::1", "2001:db8:1::1", "fd22::1", "fd22::2"));
}

TEST(deleted_default_route_policy_still_orders)
{
    /* With ::/0 gone, unmatched addresses get precedence 0 and a label that
     * matches only other unmatched addresses. */
    struct addrsel_table t;
    addrsel_default_table(&t);
    struct in6_addr any = A("::");
    T_EQ(addrsel_table_del(&t, &any, 0), 0);
    struct addrsel_src s[] = { S("2002:c633:6401::2", 0, 1), S("2001:db8:1::2", 0, 1) };
    T_STREQ(pick_tbl(&t, "2001:db8:1::1", 0, s, NC(s), true), canon("2001:db8:1::2"));
    const char *d[] = { "2001:db8:1::1", "2002:c633:6401::1" };
    struct dres r = order_tbl(&t, d, 2, s, NC(s));
    T_CHECK(is_order2(&r, "2002:c633:6401::1", "2002:c633:6401::2", "2001:db8:1::1", "2001:db8:1::2"));
}

int main(void)
{
    RUN(default_table_contents);
    RUN(default_table_format);
    RUN(lookup_longest_match);
    RUN(table_add_del_replace);
    RUN(table_rejects_bad_input);
    RUN(scope_values);
    RUN(common_prefix_len);

    RUN(src_rule1_same_address);
    RUN(src_rule2_scope_larger_when_needed);
    RUN(src_rule2_scope_smaller_when_enough);
    RUN(src_rule3_avoid_deprecated);
    RUN(src_rule4_prefer_home);
    RUN(src_rule5_outgoing_interface);
    RUN(src_rule6_matching_label);
    RUN(src_rule7_temporary);
    RUN(src_rule8_longest_prefix);
    RUN(src_unusable_candidates);

    RUN(rfc_10_1_ex1_global_dst_appropriate_scope);
    RUN(rfc_10_1_ex2_site_multicast_appropriate_scope);
    RUN(rfc_10_1_ex3_same_address);
    RUN(rfc_10_1_ex4_linklocal_dst_appropriate_scope);
    RUN(rfc_10_1_ex5_longest_matching_prefix);
    RUN(rfc_10_1_ex6_home_address);
    RUN(rfc_10_1_ex7_matching_label);
    RUN(rfc_10_1_ex8_temporary_address);

    RUN(dst_rule1_avoid_unusable);
    RUN(dst_rule2_matching_scope);
    RUN(dst_rule3_avoid_deprecated);
    RUN(dst_rule4_prefer_home);
    RUN(dst_rule5_matching_label);
    RUN(dst_rule6_higher_precedence);
    RUN(dst_rule7_native_not_implemented_order_stable);
    RUN(dst_rule8_smaller_scope);
    RUN(dst_rule9_longest_prefix);
    RUN(dst_rule10_leave_order_unchanged);

    RUN(rfc_10_2_ex1_matching_scope_v6_first);
    RUN(rfc_10_2_ex2_matching_scope_v4_first);
    RUN(rfc_10_2_ex3_higher_precedence_v6_over_v4);
    RUN(rfc_10_2_ex4_smaller_scope);
    RUN(rfc_10_2_ex5_home_address);
    RUN(rfc_10_2_ex6_avoid_deprecated);
    RUN(rfc_10_2_ex7_longest_matching_prefix);
    RUN(rfc_10_2_ex8_matching_label);
    RUN(rfc_10_2_ex9_higher_precedence);

    RUN(rfc_10_3_prefer_ipv4);
    RUN(rfc_10_3_1_broken_transition_ipv6_below_ipv4);
    RUN(rfc_10_4_global_before_linklocal);
    RUN(rfc_10_5_multihomed_site);
    RUN(rfc_10_6_ula_preference);
    RUN(deleted_default_route_policy_still_orders);
    return t_done();
}
