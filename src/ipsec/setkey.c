/* setkey(8) configuration parser (KAME / FreeBSD / NetBSD syntax).
 *
 * Two stages.  The lexer cuts the text into words, "quoted strings" and ';'
 * and collects one statement (everything up to ';') at a time, enforcing the
 * caps of setkey.h; the parser then reads that statement with a cursor.  A
 * statement becomes one struct setkey_cmd, appended to the result only when
 * it parsed completely.  The first error anywhere frees everything.
 *
 * Differences from the BSD tools, all deliberate:
 *  - addresses are numeric only (the tools call getaddrinfo(); a parser
 *    that only builds commands must not do I/O), so "add -6 myhost..."
 *    from the man pages is refused with a message naming the host;
 *  - an odd number of hex digits in a key is an error (KAME pads a zero
 *    nibble in front, which hides a truncated paste);
 *  - options may come in any order but not twice;
 *  - ESP with a non-AEAD cipher must have -A (RFC 8221 §4: no ESP without
 *    integrity), and an AEAD cipher must not have one;
 *  - algorithms and protocols we do not implement are refused by name, see
 *    the tables below.
 * Spellings from both families are accepted: -bh/-bs (NetBSD), -natt,
 * -natt_mtu and -esn (FreeBSD), esp-udp (NetBSD), hmac-sha256 (NetBSD) and
 * hmac-sha2-256, rijndael-cbc and aes-cbc, prio/priority (ipsec-tools on
 * Linux), spdupdate/update (ipsec-tools). */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "wire/bytes.h"
#include "ipsec/replay.h"
#include "ipsec/setkey.h"

enum tk { TK_WORD, TK_STR, TK_SEMI };

struct tok {
    const char *p;          /* first byte in the text (the quote for TK_STR) */
    size_t n;               /* bytes, quotes included */
    unsigned line, col;
    enum tk kind;
};

struct stmt {
    struct tok t[SETKEY_MAX_WORDS];
    unsigned n;
    struct tok end;         /* the ';' */
};

struct lexer {
    const char *s;
    size_t len, pos;
    unsigned line, col;
    struct setkey_error *err;
};

struct ps {                 /* parser cursor over one statement */
    const struct stmt *st;
    unsigned i;
    struct setkey_error *err;
};

#define SHOW_MAX 48         /* longest word quoted back in a message */
#define SHOW(t) (int)((t)->n < SHOW_MAX ? (t)->n : SHOW_MAX), (t)->p

/* ------------------------------------------------------------------ errors */

static void verr(struct setkey_error *e, unsigned line, unsigned col,
                 const char *fmt, va_list ap)
{
    e->line = line;
    e->col = col;
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
}

__attribute__((format(printf, 4, 5)))
static int lex_fail(struct lexer *lx, unsigned line, unsigned col, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    verr(lx->err, line, col, fmt, ap);
    va_end(ap);
    return -1;
}

/* Error at byte off of token t; t NULL means at the statement's ';'. */
__attribute__((format(printf, 4, 5)))
static int fail(struct ps *p, const struct tok *t, size_t off, const char *fmt, ...)
{
    va_list ap;
    if (!t)
        t = &p->st->end;
    va_start(ap, fmt);
    verr(p->err, t->line, t->col + (unsigned)off, fmt, ap);
    va_end(ap);
    return -1;
}

int setkey_error_format(const struct setkey_error *err, const char *file,
                        char *buf, size_t cap)
{
    return snprintf(buf, cap, "%s:%u:%u: %s", file ? file : "-", err->line,
                    err->col, err->msg);
}

/* ------------------------------------------------------------------- lexer */

static void adv(struct lexer *lx)
{
    if (lx->s[lx->pos] == '\n') {
        lx->line++;
        lx->col = 1;
    } else {
        lx->col++;
    }
    lx->pos++;
}

static bool is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* Blanks and '#' comments; a NUL byte anywhere is an error (binary input). */
static int skip_blank(struct lexer *lx)
{
    bool comment = false;
    while (lx->pos < lx->len) {
        char c = lx->s[lx->pos];
        if (c == '\0')
            return lex_fail(lx, lx->line, lx->col, "NUL byte in input");
        if (c == '\n')
            comment = false;
        else if (c == '#')
            comment = true;
        else if (!comment && !is_blank(c))
            return 0;
        adv(lx);
    }
    return 0;
}

/* "..." with no escapes (as KAME); it may not span lines. */
static int lex_string(struct lexer *lx, struct tok *t)
{
    t->kind = TK_STR;
    adv(lx);
    for (;;) {
        if (lx->pos == lx->len || lx->s[lx->pos] == '\n')
            return lex_fail(lx, t->line, t->col, "unterminated string");
        if (lx->s[lx->pos] == '\0')
            return lex_fail(lx, lx->line, lx->col, "NUL byte in input");
        bool close = lx->s[lx->pos] == '"';
        adv(lx);
        if (close)
            break;
        if (lx->pos - (size_t)(t->p - lx->s) > SETKEY_MAX_WORD + 2)
            return lex_fail(lx, t->line, t->col, "string longer than %u bytes",
                            SETKEY_MAX_WORD);
    }
    t->n = lx->pos - (size_t)(t->p - lx->s);
    return 0;
}

static bool word_char(unsigned char c)
{
    return c > 0x20 && c < 0x7f && c != ';' && c != '"' && c != '#';
}

static int lex_word(struct lexer *lx, struct tok *t)
{
    size_t start = lx->pos;
    t->kind = TK_WORD;
    while (lx->pos < lx->len && word_char((unsigned char)lx->s[lx->pos])) {
        adv(lx);
        if (lx->pos - start > SETKEY_MAX_WORD)
            return lex_fail(lx, t->line, t->col, "word longer than %u bytes",
                            SETKEY_MAX_WORD);
    }
    if (lx->pos == start)
        return lex_fail(lx, lx->line, lx->col, "unexpected byte 0x%02x",
                        (unsigned char)lx->s[lx->pos]);
    t->n = lx->pos - start;
    return 0;
}

/* 1 and *t, 0 at the end of the text, -1 on error. */
static int lex_next(struct lexer *lx, struct tok *t)
{
    if (skip_blank(lx) < 0)
        return -1;
    if (lx->pos == lx->len)
        return 0;
    t->p = lx->s + lx->pos;
    t->line = lx->line;
    t->col = lx->col;
    if (*t->p == ';') {
        t->kind = TK_SEMI;
        t->n = 1;
        adv(lx);
        return 1;
    }
    int r = *t->p == '"' ? lex_string(lx, t) : lex_word(lx, t);
    return r < 0 ? -1 : 1;
}

static int add_word(struct lexer *lx, struct stmt *st, const struct tok *t)
{
    if (st->n == SETKEY_MAX_WORDS)
        return lex_fail(lx, t->line, t->col,
                        "statement has more than %u words (missing ';'?)", SETKEY_MAX_WORDS);
    if (st->n > 0 && (size_t)(t->p + t->n - st->t[0].p) > SETKEY_MAX_STMT)
        return lex_fail(lx, st->t[0].line, st->t[0].col,
                        "statement longer than %u bytes (missing ';'?)", SETKEY_MAX_STMT);
    st->t[st->n++] = *t;
    return 0;
}

/* One statement up to its ';' (empty ones are skipped): 1, 0 at the end of
 * the text, -1 on error. */
static int read_stmt(struct lexer *lx, struct stmt *st)
{
    st->n = 0;
    for (;;) {
        struct tok t;
        int r = lex_next(lx, &t);
        if (r < 0)
            return -1;
        if (r == 0) {
            if (st->n == 0)
                return 0;
            const struct tok *last = &st->t[st->n - 1];
            return lex_fail(lx, last->line, last->col + (unsigned)last->n,
                            "missing ';' at the end of the statement");
        }
        if (t.kind == TK_SEMI) {
            if (st->n == 0)
                continue;
            st->end = t;
            return 1;
        }
        if (add_word(lx, st, &t) < 0)
            return -1;
    }
}

/* ------------------------------------------------------------ cursor helpers */

static const struct tok *peek(const struct ps *p)
{
    return p->i < p->st->n ? &p->st->t[p->i] : NULL;
}

static const struct tok *take(struct ps *p)
{
    const struct tok *t = peek(p);
    if (t)
        p->i++;
    return t;
}

static bool tok_is(const struct tok *t, const char *w)
{
    size_t n = strlen(w);
    return t && t->kind == TK_WORD && t->n == n && memcmp(t->p, w, n) == 0;
}

static bool is_option(const struct tok *t)
{
    return t && t->kind == TK_WORD && t->n >= 2 && t->p[0] == '-';
}

static const char *const command_words[] = {
    "add", "update", "get", "delete", "deleteall", "flush", "dump",
    "spdadd", "spdupdate", "spddelete", "spdflush", "spddump",
};

static bool is_command(const struct tok *t)
{
    for (size_t i = 0; i < sizeof command_words / sizeof command_words[0]; i++)
        if (tok_is(t, command_words[i]))
            return true;
    return false;
}

/* "expected X" at t (or at the ';' when the statement ended early). */
static int unexpected(struct ps *p, const struct tok *t, const char *what)
{
    if (!t)
        return fail(p, NULL, 0, "missing %s", what);
    if (is_command(t))
        return fail(p, t, 0, "missing ';' before '%.*s'", SHOW(t));
    return fail(p, t, 0, "expected %s, got '%.*s'", what, SHOW(t));
}

static int expect_end(struct ps *p)
{
    const struct tok *t = peek(p);
    if (!t)
        return 0;
    if (is_command(t))
        return fail(p, t, 0, "missing ';' before '%.*s'", SHOW(t));
    return fail(p, t, 0, "unexpected '%.*s'", SHOW(t));
}

/* ----------------------------------------------------------------- numbers */

static bool all_digits(const char *s, size_t n)
{
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

/* Digits of base 10 or 16 into *out; false on a bad digit or above max. */
static bool to_u64(const char *s, size_t n, unsigned base, uint64_t max, uint64_t *out)
{
    uint64_t v = 0;
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned d;
        char c = s[i];
        if (c >= '0' && c <= '9')
            d = (unsigned)(c - '0');
        else if (base == 16 && c >= 'a' && c <= 'f')
            d = (unsigned)(c - 'a' + 10);
        else if (base == 16 && c >= 'A' && c <= 'F')
            d = (unsigned)(c - 'A' + 10);
        else
            return false;
        if (d > max || v > (max - d) / base)
            return false;
        v = v * base + d;
    }
    *out = v;
    return true;
}

/* A decimal word: "bad WHAT 'x'" or "WHAT x out of range (lo-max)". */
static int word_num(struct ps *p, const struct tok *t, const char *what,
                    uint64_t lo, uint64_t max, uint64_t *out)
{
    if (!t || t->kind != TK_WORD)
        return unexpected(p, t, what);
    if (!all_digits(t->p, t->n))
        return fail(p, t, 0, "bad %s '%.*s'", what, SHOW(t));
    if (!to_u64(t->p, t->n, 10, max, out) || *out < lo)
        return fail(p, t, 0, "%s %.*s out of range (%llu-%llu)", what, SHOW(t),
                     (unsigned long long)lo, (unsigned long long)max);
    return 0;
}

/* --------------------------------------------------------------- addresses */

#define ADDR_PREFIX 1u
#define ADDR_PORT   2u

/* Host names have letters but no ':' (any IPv6 literal has one). */
static bool looks_like_host(const char *s)
{
    if (strchr(s, ':'))
        return false;
    for (; *s; s++)
        if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z'))
            return true;
    return false;
}

static int addr_literal(struct ps *p, const struct tok *t, size_t off,
                        const char *s, size_t n, struct setkey_addr *a)
{
    char buf[64];
    if (n == 0)
        return fail(p, t, off, "missing address");
    if (n >= sizeof buf)
        return fail(p, t, off, "bad address '%.*s'", (int)(n < SHOW_MAX ? n : SHOW_MAX), s);
    memcpy(buf, s, n);
    buf[n] = '\0';
    if (inet_pton(AF_INET, buf, &a->u.v4) == 1) {
        a->family = AF_INET;
        a->prefixlen = 32;
    } else if (inet_pton(AF_INET6, buf, &a->u.v6) == 1) {
        a->family = AF_INET6;
        a->prefixlen = 128;
    } else if (strchr(buf, '%')) {
        return fail(p, t, off, "scoped address '%s' is not supported", buf);
    } else if (looks_like_host(buf)) {
        return fail(p, t, off, "host name '%s' is not resolved here; give a numeric address", buf);
    } else {
        return fail(p, t, off, "bad address '%s'", buf);
    }
    return 0;
}

static int addr_prefix(struct ps *p, const struct tok *t, size_t off,
                       const char *s, size_t n, struct setkey_addr *a)
{
    unsigned max = a->family == AF_INET ? 32 : 128;
    uint64_t v;
    if (!all_digits(s, n))
        return fail(p, t, off, "bad prefix length '%.*s'", (int)(n < SHOW_MAX ? n : SHOW_MAX), s);
    if (!to_u64(s, n, 10, max, &v))
        return fail(p, t, off, "prefix length %.*s out of range (0-%u)",
                    (int)(n < SHOW_MAX ? n : SHOW_MAX), s, max);
    a->prefixlen = (uint8_t)v;
    return 0;
}

/* "[port]" or "[any]"; s points after '[' and n excludes the ']'. */
static int addr_port(struct ps *p, const struct tok *t, size_t off,
                     const char *s, size_t n, struct setkey_addr *a)
{
    uint64_t v;
    if (n == 3 && memcmp(s, "any", 3) == 0) {
        a->port = 0;
        return 0;
    }
    if (!all_digits(s, n))
        return fail(p, t, off, "bad port '%.*s' (a number or any)", (int)(n < SHOW_MAX ? n : SHOW_MAX), s);
    if (!to_u64(s, n, 10, 65535, &v))
        return fail(p, t, off, "port %.*s out of range (0-65535)", (int)(n < SHOW_MAX ? n : SHOW_MAX), s);
    a->port = (uint16_t)v;
    return 0;
}

/* addr[/prefixlen][[port]] in t->p[off..off+n); what may follow the address
 * is given by allow.  *has_port (may be NULL) tells whether [..] was there. */
static int parse_addr(struct ps *p, const struct tok *t, size_t off, size_t n,
                      unsigned allow, struct setkey_addr *a, bool *has_port)
{
    const char *s = t->p + off;
    const char *lb = memchr(s, '[', n), *sl;
    size_t end = lb ? (size_t)(lb - s) : n;

    memset(a, 0, sizeof *a);
    if (has_port)
        *has_port = lb != NULL;
    sl = memchr(s, '/', end);
    if (addr_literal(p, t, off, s, sl ? (size_t)(sl - s) : end, a) < 0)
        return -1;
    if (sl) {
        if (!(allow & ADDR_PREFIX))
            return fail(p, t, off + (size_t)(sl - s), "a prefix length is not allowed here");
        size_t po = (size_t)(sl - s) + 1;
        if (addr_prefix(p, t, off + po, s + po, end - po, a) < 0)
            return -1;
    }
    if (!lb)
        return 0;
    if (!(allow & ADDR_PORT))
        return fail(p, t, off + end, "a port is not allowed here");
    if (s[n - 1] != ']' || n - end < 2)
        return fail(p, t, off + end, "missing ']' after the port");
    return addr_port(p, t, off + end + 1, lb + 1, n - end - 2, a);
}

static int addr_word(struct ps *p, unsigned allow, struct setkey_addr *a, bool *has_port)
{
    const struct tok *t = take(p);
    if (!t || t->kind != TK_WORD || is_option(t) || is_command(t))
        return unexpected(p, t, "an address");
    return parse_addr(p, t, 0, t->n, allow, a, has_port);
}

static bool is_addr_flags(const struct tok *t)
{
    if (!is_option(t))
        return false;
    for (size_t i = 1; i < t->n; i++)
        if (t->p[i] != '4' && t->p[i] != '6' && t->p[i] != 'n')
            return false;
    return true;
}

/* -4, -6, -n, -46n...: 0 and the flags, or -1. */
static int addr_flags(struct ps *p, uint8_t *flags)
{
    const struct tok *t;
    *flags = 0;
    while ((t = peek(p)) && is_addr_flags(t)) {
        for (size_t i = 1; i < t->n; i++)
            *flags |= t->p[i] == '4' ? SETKEY_AF_4 : t->p[i] == '6' ? SETKEY_AF_6 : SETKEY_AF_NUMERIC;
        p->i++;
    }
    if ((*flags & SETKEY_AF_4) && (*flags & SETKEY_AF_6))
        return fail(p, &p->st->t[p->i - 1], 0, "both -4 and -6 given");
    return 0;
}

/* The two addresses must be of one family, and the one -4/-6 asked for. */
static int check_families(struct ps *p, const struct tok *src, uint8_t flags,
                          const struct setkey_addr *a, const struct setkey_addr *b)
{
    if (a->family != b->family)
        return fail(p, src, 0, "source and destination are of different address families");
    if ((flags & SETKEY_AF_4) && a->family != AF_INET)
        return fail(p, src, 0, "-4 given but the addresses are IPv6");
    if ((flags & SETKEY_AF_6) && a->family != AF_INET6)
        return fail(p, src, 0, "-6 given but the addresses are IPv4");
    return 0;
}

/* -------------------------------------------------------------- algorithms */

struct alg_def {
    const char *name;
    int id;                 /* enum ipsec_ealg / ipsec_aalg */
    uint8_t lens[4];        /* allowed key lengths in bytes, 0-terminated */
    const char *refuse;     /* non-NULL: refused, completing "<name> ..." */
};

#define SALTED { 20, 28, 36, 0 }   /* AES-128/192/256 key + 4-byte salt */
#define USE_GCM "is not supported; use aes-gcm-16"

static const struct alg_def ealgs[] = {
    { "aes-gcm-16", IPSEC_EALG_AES_GCM16, SALTED, NULL },
    { "aes-cbc", IPSEC_EALG_AES_CBC, { 16, 24, 32, 0 }, NULL },
    { "rijndael-cbc", IPSEC_EALG_AES_CBC, { 16, 24, 32, 0 }, NULL },
    { "chacha20-poly1305", IPSEC_EALG_CHACHA20_POLY1305, { 36, 0 }, NULL },
    { "aes-gmac", IPSEC_EALG_AES_GMAC, SALTED, NULL },
    { "null_aes_gmac", IPSEC_EALG_AES_GMAC, SALTED, NULL },
    { "null", IPSEC_EALG_NULL, { 0 }, NULL },
    { "des-cbc", 0, { 0 }, "is insecure (56-bit DES) and not supported; use aes-gcm-16" },
    { "3des-cbc", 0, { 0 }, "is insecure (64-bit blocks, RFC 8221) and not supported; use aes-gcm-16" },
    { "des-deriv", 0, { 0 }, "is insecure (DES) and not supported; use aes-gcm-16" },
    { "3des-deriv", 0, { 0 }, "is insecure (3DES) and not supported; use aes-gcm-16" },
    { "des-32iv", 0, { 0 }, "is insecure (DES) and not supported; use aes-gcm-16" },
    { "blowfish-cbc", 0, { 0 }, "is not supported (64-bit block cipher); use aes-gcm-16" },
    { "cast128-cbc", 0, { 0 }, "is not supported (64-bit block cipher); use aes-gcm-16" },
    { "twofish-cbc", 0, { 0 }, USE_GCM },
    { "camellia-cbc", 0, { 0 }, USE_GCM },
    { "aes-ctr", 0, { 0 }, USE_GCM },
    { "simple", 0, { 0 }, "(the old null) is not supported; use null" },
};

static const struct alg_def aalgs[] = {
    { "hmac-sha2-256", IPSEC_AALG_HMAC_SHA256_128, { 32, 0 }, NULL },
    { "hmac-sha256", IPSEC_AALG_HMAC_SHA256_128, { 32, 0 }, NULL },
    { "hmac-sha1", IPSEC_AALG_HMAC_SHA1_96, { 20, 0 }, NULL },
    { "hmac-md5", 0, { 0 }, "is insecure (MD5) and not supported; use hmac-sha2-256" },
    { "keyed-md5", 0, { 0 }, "is insecure and not supported; use hmac-sha2-256" },
    { "keyed-sha1", 0, { 0 }, "is insecure and not supported; use hmac-sha2-256" },
    { "hmac-sha2-384", 0, { 0 }, "is not supported; use hmac-sha2-256" },
    { "hmac-sha2-512", 0, { 0 }, "is not supported; use hmac-sha2-256" },
    { "hmac-sha384", 0, { 0 }, "is not supported; use hmac-sha2-256" },
    { "hmac-sha512", 0, { 0 }, "is not supported; use hmac-sha2-256" },
    { "hmac-ripemd160", 0, { 0 }, "is not supported; use hmac-sha2-256" },
    { "aes-xcbc-mac", 0, { 0 }, "is not supported; use hmac-sha2-256" },
    { "tcp-md5", 0, { 0 }, "(TCP-MD5, RFC 2385) is not supported" },
    { "null", 0, { 0 }, "(no integrity) is not supported; use hmac-sha2-256" },
};

static const struct alg_def *find_alg(const struct alg_def *v, size_t n, const struct tok *t)
{
    for (size_t i = 0; i < n; i++)
        if (tok_is(t, v[i].name))
            return &v[i];
    return NULL;
}

static bool is_aead(enum ipsec_ealg a)
{
    return a == IPSEC_EALG_AES_GCM16 || a == IPSEC_EALG_AES_GMAC ||
           a == IPSEC_EALG_CHACHA20_POLY1305;
}

static int hex_key(struct ps *p, const struct tok *t, uint8_t *key, uint8_t *len)
{
    size_t digits = t->n - 2;
    if (digits == 0)
        return fail(p, t, 0, "empty hex key");
    for (size_t i = 2; i < t->n; i++)
        if (hex_digit_value(t->p[i]) < 0)
            return fail(p, t, i, "bad hex digit '%c' in key", t->p[i]);
    if (digits % 2)
        return fail(p, t, 0, "odd number of hex digits (%zu) in key", digits);
    if (digits / 2 > SETKEY_KEY_MAX)
        return fail(p, t, 0, "key longer than %u bytes", SETKEY_KEY_MAX);
    for (size_t i = 0; i < digits / 2; i++)
        key[i] = (uint8_t)(hex_digit_value(t->p[2 + 2 * i]) << 4 | hex_digit_value(t->p[3 + 2 * i]));
    *len = (uint8_t)(digits / 2);
    return 0;
}

static bool is_key(const struct tok *t)
{
    return t && (t->kind == TK_STR ||
                 (t->kind == TK_WORD && t->n >= 2 && t->p[0] == '0' && (t->p[1] | 0x20) == 'x'));
}

/* 0x-hex or "string" after an algorithm name. */
static int parse_key(struct ps *p, const struct tok *name, uint8_t *key, uint8_t *len)
{
    const struct tok *t = take(p);
    if (!is_key(t)) {
        if (!t || is_option(t) || is_command(t))
            return fail(p, t, 0, "missing key after '%.*s'", SHOW(name));
        return fail(p, t, 0, "key must be 0x-hex or a \"quoted string\", got '%.*s'", SHOW(t));
    }
    if (t->kind == TK_WORD)
        return hex_key(p, t, key, len);
    if (t->n - 2 > SETKEY_KEY_MAX)
        return fail(p, t, 0, "key longer than %u bytes", SETKEY_KEY_MAX);
    memcpy(key, t->p + 1, t->n - 2);
    *len = (uint8_t)(t->n - 2);
    return 0;
}

/* "key for NAME must be 16, 24 or 32 bytes, got N" */
static int check_key_len(struct ps *p, const struct tok *keytok, const struct alg_def *d,
                         uint8_t len)
{
    char list[48] = "";
    size_t n = 0, used = 0;
    while (n < 4 && d->lens[n])
        n++;
    if (n == 0)
        return 0;                       /* any length (null) */
    for (size_t i = 0; i < n; i++) {
        if (d->lens[i] == len)
            return 0;
        used += (size_t)snprintf(list + used, sizeof list - used, "%s%u",
                                 i == 0 ? "" : i + 1 == n ? " or " : ", ", d->lens[i]);
    }
    return fail(p, keytok, 0, "key for %s must be %s bytes, got %u", d->name, list, len);
}

static int parse_alg(struct ps *p, const struct tok *opt, bool enc, const struct alg_def **out,
                     uint8_t *key, uint8_t *len)
{
    const struct tok *name = take(p);
    const struct alg_def *d;
    if (!name || name->kind != TK_WORD || is_option(name))
        return unexpected(p, name, enc ? "an algorithm after -E" : "an algorithm after -A");
    d = enc ? find_alg(ealgs, sizeof ealgs / sizeof ealgs[0], name)
            : find_alg(aalgs, sizeof aalgs / sizeof aalgs[0], name);
    if (!d)
        return fail(p, name, 0, "unknown algorithm '%.*s' (%s)", SHOW(name),
                    enc ? "-E takes aes-gcm-16, aes-cbc, chacha20-poly1305, aes-gmac or null"
                        : "-A takes hmac-sha2-256 or hmac-sha1");
    if (d->refuse)
        return fail(p, name, 0, "%s %s", d->name, d->refuse);
    *out = d;
    *len = 0;
    if (enc && d->id == IPSEC_EALG_NULL && !is_key(peek(p)))
        return 0;                       /* NetBSD: null takes no key */
    if (parse_key(p, name, key, len) < 0)
        return -1;
    return check_key_len(p, &p->st->t[p->i - 1], d, *len);
}

/* ------------------------------------------------------------ SA commands */

static int parse_satype(struct ps *p, const struct tok *t, enum setkey_satype *out)
{
    if (tok_is(t, "esp"))
        *out = SETKEY_SA_ESP;
    else if (tok_is(t, "esp-udp"))
        *out = SETKEY_SA_ESP_UDP;
    else if (tok_is(t, "ah"))
        *out = SETKEY_SA_AH;
    else if (tok_is(t, "ipcomp"))
        return fail(p, t, 0, "ipcomp (IP compression) is not supported");
    else if (tok_is(t, "tcp"))
        return fail(p, t, 0, "tcp (TCP-MD5 signatures, RFC 2385) is not supported");
    else if (tok_is(t, "esp-old") || tok_is(t, "ah-old"))
        return fail(p, t, 0, "%.*s (RFC 1827/1826) is not supported", SHOW(t));
    else
        return unexpected(p, t, "a protocol (esp, esp-udp or ah)");
    return 0;
}

static int parse_spi(struct ps *p, uint32_t *spi)
{
    const struct tok *t = take(p);
    uint64_t v;
    bool hex, ok;
    if (!t || t->kind != TK_WORD || is_option(t) || is_command(t))
        return unexpected(p, t, "an SPI");
    hex = t->n > 2 && t->p[0] == '0' && (t->p[1] | 0x20) == 'x';
    ok = true;
    for (size_t i = hex ? 2 : 0; i < t->n; i++)
        ok = ok && (hex ? hex_digit_value(t->p[i]) >= 0 : t->p[i] >= '0' && t->p[i] <= '9');
    if (!ok)
        return fail(p, t, 0, "bad SPI '%.*s' (decimal or 0x-hex)", SHOW(t));
    if (!to_u64(t->p + (hex ? 2 : 0), t->n - (hex ? 2 : 0), hex ? 16 : 10, UINT32_MAX, &v))
        return fail(p, t, 0, "SPI %.*s out of range (256-4294967295)", SHOW(t));
    if (v < 256)
        return fail(p, t, 0, "SPI %.*s is reserved (0-255)", SHOW(t));
    *spi = (uint32_t)v;
    return 0;
}

/* Ports on SA addresses are the UDP encapsulation ports of esp-udp. */
static int sa_ports(struct ps *p, const struct tok *src, bool ports, struct setkey_sa *sa)
{
    if (sa->proto != SETKEY_SA_ESP_UDP) {
        if (ports)
            return fail(p, src, 0, "a [port] on an SA address needs esp-udp");
        return 0;
    }
    if (!sa->src.port)
        sa->src.port = 4500;            /* RFC 3948 */
    if (!sa->dst.port)
        sa->dst.port = 4500;
    return 0;
}

/* src dst proto [spi]: the part all SA commands share. */
static int sa_head(struct ps *p, struct setkey_sa *sa, bool with_spi)
{
    bool sport, dport;
    const struct tok *src;
    if (addr_flags(p, &sa->addr_flags) < 0)
        return -1;
    src = peek(p);
    if (addr_word(p, ADDR_PORT, &sa->src, &sport) < 0 ||
        addr_word(p, ADDR_PORT, &sa->dst, &dport) < 0)
        return -1;
    if (check_families(p, src, sa->addr_flags, &sa->src, &sa->dst) < 0)
        return -1;
    if (parse_satype(p, take(p), &sa->proto) < 0)
        return -1;
    if (sa_ports(p, src, sport || dport, sa) < 0)
        return -1;
    return with_spi ? parse_spi(p, &sa->spi) : 0;
}

/* Options of add/update, each allowed once (-f twice: padding and
 * nocyclic-seq). */
enum sa_opt { O_M, O_R, O_U, O_LH, O_LS, O_BH, O_BS, O_ESN, O_NATT, O_NATTMTU, O_FOLLOW, O_TFC,
              O_E, O_A, O_PAD, O_NOCYC, O__N };

static const char *const sa_opt_names[O__N] = {
    "-m", "-r", "-u", "-lh", "-ls", "-bh", "-bs", "-esn", "-natt", "-natt_mtu", "-natt_follow", "-tfc",
    "-E", "-A", "-f (padding)", "-f nocyclic-seq",
};

struct sa_ctx {
    struct setkey_sa *sa;
    unsigned seen;                      /* 1 << enum sa_opt */
    const struct tok *etok, *atok;      /* the -E / -A words */
    const struct alg_def *e, *a;
};

static int opt_once(struct ps *p, struct sa_ctx *c, const struct tok *t, enum sa_opt o)
{
    if (c->seen & (1u << o))
        return fail(p, t, 0, "%s given twice", sa_opt_names[o]);
    c->seen |= 1u << o;
    return 0;
}

static int opt_mode(struct ps *p, enum ipsec_mode *mode)
{
    const struct tok *t = take(p);
    if (tok_is(t, "transport"))
        *mode = IPSEC_MODE_TRANSPORT;
    else if (tok_is(t, "tunnel"))
        *mode = IPSEC_MODE_TUNNEL;
    else if (tok_is(t, "any"))
        *mode = IPSEC_MODE_ANY;
    else
        return unexpected(p, t, "a mode (transport, tunnel or any)");
    return 0;
}

/* -r counts octets of bitmap (KAME, FreeBSD): 8 packets each. */
static int opt_replay(struct ps *p, struct setkey_sa *sa)
{
    const struct tok *t = peek(p);
    uint64_t v;
    if (word_num(p, take(p), "replay window size", 0, UINT32_MAX, &v) < 0)
        return -1;
    if (v * 8 > REPLAY_WINDOW_MAX)
        return fail(p, t, 0, "-r %llu asks for %llu packets; the window is at most %u (-r %u)",
                    (unsigned long long)v, (unsigned long long)v * 8,
                    REPLAY_WINDOW_MAX, REPLAY_WINDOW_MAX / 8);
    sa->replay = (uint32_t)v;
    sa->replay_packets = (uint32_t)v * 8;
    return 0;
}

static int opt_f(struct ps *p, struct sa_ctx *c, const struct tok *opt)
{
    const struct tok *t = take(p);
    static const struct { const char *w; enum setkey_pad pad; } pads[] = {
        { "zero-pad", SETKEY_PAD_ZERO }, { "random-pad", SETKEY_PAD_RANDOM },
        { "seq-pad", SETKEY_PAD_SEQ },
    };
    if (tok_is(t, "nocyclic-seq")) {
        c->sa->nocyclic_seq = true;
        return opt_once(p, c, opt, O_NOCYC);
    }
    for (size_t i = 0; i < sizeof pads / sizeof pads[0]; i++)
        if (tok_is(t, pads[i].w)) {
            c->sa->pad = pads[i].pad;
            return opt_once(p, c, opt, O_PAD);
        }
    return unexpected(p, t, "zero-pad, random-pad, seq-pad or nocyclic-seq after -f");
}

/* FreeBSD: -natt oai[sport] oar[dport] */
static int opt_natt(struct ps *p, struct setkey_sa *sa)
{
    struct setkey_addr *a[2] = { &sa->natt_oai, &sa->natt_oar };
    for (int i = 0; i < 2; i++) {
        const struct tok *t = peek(p);
        bool port;
        if (addr_word(p, ADDR_PORT, a[i], &port) < 0)
            return -1;
        if (!port)
            return fail(p, t, t->n, "missing [port] after the -natt address");
    }
    sa->natt = true;
    return 0;
}

static int opt_u64(struct ps *p, const char *what, uint64_t *out)
{
    return word_num(p, take(p), what, 0, UINT64_MAX, out);
}

static int opt_u32(struct ps *p, const char *what, uint64_t lo, uint64_t max, uint32_t *out)
{
    uint64_t v;
    if (word_num(p, take(p), what, lo, max, &v) < 0)
        return -1;
    *out = (uint32_t)v;
    return 0;
}

static int opt_refused(struct ps *p, const struct tok *t)
{
    if (tok_is(t, "-ctx"))
        return fail(p, t, 0, "-ctx (security context labels) is not supported");
    if (tok_is(t, "-hwif"))
        return fail(p, t, 0, "-hwif (hardware offload) is not supported");
    if (tok_is(t, "-C") || tok_is(t, "-R"))
        return fail(p, t, 0, "%.*s (IPComp) is not supported", SHOW(t));
    return fail(p, t, 0, "unknown option '%.*s'", SHOW(t));
}

static int opt_lifetime(struct ps *p, struct sa_ctx *c, const struct tok *t)
{
    struct setkey_sa *sa = c->sa;
    if (tok_is(t, "-lh"))
        return opt_once(p, c, t, O_LH) < 0 ? -1 : opt_u64(p, "lifetime", &sa->life_hard_sec);
    if (tok_is(t, "-ls"))
        return opt_once(p, c, t, O_LS) < 0 ? -1 : opt_u64(p, "lifetime", &sa->life_soft_sec);
    if (tok_is(t, "-bh"))
        return opt_once(p, c, t, O_BH) < 0 ? -1 : opt_u64(p, "byte lifetime", &sa->life_hard_bytes);
    if (tok_is(t, "-bs"))
        return opt_once(p, c, t, O_BS) < 0 ? -1 : opt_u64(p, "byte lifetime", &sa->life_soft_bytes);
    return 1;
}

static int opt_alg(struct ps *p, struct sa_ctx *c, const struct tok *t)
{
    struct setkey_sa *sa = c->sa;
    if (tok_is(t, "-E")) {
        if (opt_once(p, c, t, O_E) < 0 || parse_alg(p, t, true, &c->e, sa->ekey, &sa->ekey_len) < 0)
            return -1;
        c->etok = t;
        sa->ealg = (enum ipsec_ealg)c->e->id;
        return 0;
    }
    if (tok_is(t, "-A")) {
        if (opt_once(p, c, t, O_A) < 0 || parse_alg(p, t, false, &c->a, sa->akey, &sa->akey_len) < 0)
            return -1;
        c->atok = t;
        sa->aalg = (enum ipsec_aalg)c->a->id;
        return 0;
    }
    return 1;
}

static int opt_misc(struct ps *p, struct sa_ctx *c, const struct tok *t)
{
    struct setkey_sa *sa = c->sa;
    if (tok_is(t, "-m"))
        return opt_once(p, c, t, O_M) < 0 ? -1 : opt_mode(p, &sa->mode);
    if (tok_is(t, "-r"))
        return opt_once(p, c, t, O_R) < 0 ? -1 : opt_replay(p, sa);
    if (tok_is(t, "-u"))
        return opt_once(p, c, t, O_U) < 0 ? -1 : opt_u32(p, "reqid", 0, UINT32_MAX, &sa->reqid);
    if (tok_is(t, "-f"))
        return opt_f(p, c, t);
    if (tok_is(t, "-esn")) {
        sa->esn = true;
        return opt_once(p, c, t, O_ESN);
    }
    if (tok_is(t, "-natt"))
        return opt_once(p, c, t, O_NATT) < 0 ? -1 : opt_natt(p, sa);
    if (tok_is(t, "-tfc")) {   /* sixstack: bytes of TFC padding per packet (RFC 4303 §2.7) */
        uint32_t v;
        if (opt_once(p, c, t, O_TFC) < 0 || opt_u32(p, "-tfc", 0, 1024, &v) < 0)
            return -1;
        sa->tfc_pad = v;
        return 0;
    }
    if (tok_is(t, "-natt_follow")) {   /* sixstack: follow the peer's authenticated new address/port */
        sa->natt_follow = true;
        return opt_once(p, c, t, O_FOLLOW);
    }
    if (tok_is(t, "-natt_mtu")) {
        uint32_t v;
        if (opt_once(p, c, t, O_NATTMTU) < 0 || opt_u32(p, "-natt_mtu", 1, 65535, &v) < 0)
            return -1;
        sa->natt_mtu = (uint16_t)v;
        return 0;
    }
    return 1;
}

/* One option of add/update at the cursor: 0, or -1 with the error set. */
static int sa_option(struct ps *p, struct sa_ctx *c)
{
    const struct tok *t = take(p);
    int r;
    if (!is_option(t)) {
        p->i--;
        return expect_end(p);
    }
    if ((r = opt_misc(p, c, t)) <= 0 || (r = opt_lifetime(p, c, t)) <= 0 ||
        (r = opt_alg(p, c, t)) <= 0)
        return r;
    return opt_refused(p, t);
}

/* The algorithms must make a sound SA for the protocol. */
static int sa_algs_check(struct ps *p, const struct sa_ctx *c)
{
    const struct setkey_sa *sa = c->sa;
    if (sa->proto == SETKEY_SA_AH) {
        if (c->etok)
            return fail(p, c->etok, 0, "ah takes no -E (only -A)");
        if (!c->atok)
            return fail(p, NULL, 0, "ah needs an authentication algorithm (-A)");
        return 0;
    }
    if (!c->etok)
        return fail(p, c->atok, 0, "esp needs an encryption algorithm (-E)");
    if (is_aead(sa->ealg) && c->atok)
        return fail(p, c->atok, 0, "%s already protects integrity; remove -A", c->e->name);
    if (!is_aead(sa->ealg) && !c->atok)
        return fail(p, c->etok, 0, "%s gives no integrity; add -A hmac-sha2-256", c->e->name);
    return 0;
}

static int cmd_sa_add(struct ps *p, struct setkey_cmd *cmd)
{
    struct sa_ctx c = { .sa = &cmd->sa };
    if (sa_head(p, &cmd->sa, true) < 0)
        return -1;
    while (peek(p))
        if (sa_option(p, &c) < 0)
            return -1;
    return sa_algs_check(p, &c);
}

/* get/delete: KAME still accepts an (obsolete, ignored) -m. */
static int cmd_sa_get(struct ps *p, struct setkey_cmd *cmd)
{
    if (sa_head(p, &cmd->sa, true) < 0)
        return -1;
    if (tok_is(peek(p), "-m")) {
        p->i++;
        if (opt_mode(p, &cmd->sa.mode) < 0)
            return -1;
    }
    return expect_end(p);
}

static int cmd_sa_deleteall(struct ps *p, struct setkey_cmd *cmd)
{
    if (sa_head(p, &cmd->sa, false) < 0)
        return -1;
    return expect_end(p);
}

static int cmd_flush_dump(struct ps *p, struct setkey_cmd *cmd)
{
    cmd->satype = SETKEY_SA_ANY;
    if (peek(p) && !is_command(peek(p)) && parse_satype(p, take(p), &cmd->satype) < 0)
        return -1;
    return expect_end(p);
}

static int cmd_plain(struct ps *p, struct setkey_cmd *cmd)
{
    (void)cmd;
    return expect_end(p);
}

/* ----------------------------------------------------------- SPD commands */

static const struct { const char *name; uint8_t proto; } ulprotos[] = {
    { "icmp", 1 }, { "igmp", 2 }, { "ipencap", 4 }, { "ip4", 4 }, { "ipv4", 4 },
    { "tcp", 6 }, { "udp", 17 }, { "ipv6", 41 }, { "rsvp", 46 }, { "gre", 47 },
    { "esp", 50 }, { "ah", 51 }, { "icmp6", 58 }, { "ipv6-icmp", 58 },
    { "ospf", 89 }, { "pim", 103 }, { "ipcomp", 108 }, { "vrrp", 112 },
    { "l2tp", 115 }, { "sctp", 132 }, { "mh", 135 }, { "ipv6-mh", 135 },
    { "udplite", 136 },
};

static int parse_upper(struct ps *p, uint8_t *proto)
{
    const struct tok *t = take(p);
    uint64_t v;
    if (tok_is(t, "any")) {
        *proto = IPSEC_ULPROTO_ANY;
        return 0;
    }
    if (t && t->kind == TK_WORD && all_digits(t->p, t->n)) {
        if (word_num(p, t, "protocol number", 0, 255, &v) < 0)
            return -1;
        *proto = (uint8_t)v;
        return 0;
    }
    for (size_t i = 0; i < sizeof ulprotos / sizeof ulprotos[0]; i++)
        if (tok_is(t, ulprotos[i].name)) {
            *proto = ulprotos[i].proto;
            return 0;
        }
    if (!t || is_option(t) || is_command(t) || t->kind != TK_WORD)
        return unexpected(p, t, "an upper-layer protocol (tcp, udp, icmp6, any, a number...)");
    return fail(p, t, 0, "unknown upper-layer protocol '%.*s'", SHOW(t));
}

/* icmp/icmp6 "type[,code]" (code 0 when absent, a wildcard to the kernel) */
static int parse_icmp_spec(struct ps *p, const struct tok *t, struct setkey_spd *s)
{
    const char *comma = memchr(t->p, ',', t->n);
    size_t tn = comma ? (size_t)(comma - t->p) : t->n;
    uint64_t type, code = 0;
    if (!all_digits(t->p, tn) || !to_u64(t->p, tn, 10, 255, &type))
        return fail(p, t, 0, "bad ICMP type in '%.*s' (type,code, each 0-255)", SHOW(t));
    if (comma) {
        size_t co = tn + 1;
        if (!all_digits(t->p + co, t->n - co) || !to_u64(t->p + co, t->n - co, 10, 255, &code))
            return fail(p, t, co, "bad ICMP code in '%.*s' (type,code, each 0-255)", SHOW(t));
    }
    if (s->src.port || s->dst.port)
        return fail(p, t, 0, "ports and an ICMP type,code cannot both be given");
    s->has_icmp = true;
    s->icmp_type = (uint8_t)type;
    s->icmp_code = (uint8_t)code;
    return 0;
}

/* NetBSD: gre KEY, a number or a dotted quad */
static int parse_gre_key(struct ps *p, const struct tok *t, struct setkey_spd *s)
{
    char buf[20];
    uint64_t v;
    struct in_addr a;
    s->has_gre_key = true;
    if (all_digits(t->p, t->n) && to_u64(t->p, t->n, 10, UINT32_MAX, &v)) {
        s->gre_key = (uint32_t)v;
        return 0;
    }
    if (t->n < sizeof buf) {
        memcpy(buf, t->p, t->n);
        buf[t->n] = '\0';
        if (inet_pton(AF_INET, buf, &a) == 1) {
            s->gre_key = ntohl(a.s_addr);
            return 0;
        }
    }
    return fail(p, t, 0, "bad GRE key '%.*s' (a number or a dotted quad)", SHOW(t));
}

/* The optional word after upperspec. */
static int parse_upper_misc(struct ps *p, struct setkey_spd *s)
{
    const struct tok *t = peek(p);
    if (!t || is_option(t) || is_command(t) || t->kind != TK_WORD)
        return 0;
    if (s->ulproto == 1 || s->ulproto == 58) {
        p->i++;
        return parse_icmp_spec(p, t, s);
    }
    if (s->ulproto == 47) {
        p->i++;
        return parse_gre_key(p, t, s);
    }
    return fail(p, t, 0, "'%.*s' after the upper-layer protocol: only icmp, icmp6 "
                "(type,code) and gre (key) take one", SHOW(t));
}

static int parse_dir(struct ps *p, enum ipsec_dir *dir)
{
    const struct tok *t = take(p);
    if (tok_is(t, "in"))
        *dir = IPSEC_DIR_IN;
    else if (tok_is(t, "out"))
        *dir = IPSEC_DIR_OUT;
    else if (tok_is(t, "fwd"))
        *dir = IPSEC_DIR_FWD;
    else
        return unexpected(p, t, "a direction (in, out or fwd) after -P");
    return 0;
}

static const struct { const char *w; enum ipsec_action act; } actions[] = {
    { "discard", IPSEC_ACT_DISCARD }, { "none", IPSEC_ACT_NONE },
    { "ipsec", IPSEC_ACT_IPSEC }, { "entrust", IPSEC_ACT_ENTRUST },
    { "bypass", IPSEC_ACT_BYPASS },
};

static bool is_action(const struct tok *t, enum ipsec_action *act)
{
    for (size_t i = 0; i < sizeof actions / sizeof actions[0]; i++)
        if (tok_is(t, actions[i].w)) {
            if (act)
                *act = actions[i].act;
            return true;
        }
    return false;
}

/* Priority value of ipsec-tools: "N" (-2147483647..2147483648) or
 * "base[{+|-}offset]" with base low/def/high = -2^30, 0, 2^30 and an offset
 * up to 2^30 upwards, 2^30 - 1 downwards.  s is the words joined. */
static bool prio_value(const char *s, int64_t *out)
{
    static const struct { const char *w; int64_t v; } bases[] = {
        { "low", -1073741824LL }, { "def", 0 }, { "high", 1073741824LL },
    };
    int64_t base = 0;
    bool has_base = false;
    uint64_t off = 0;
    for (size_t i = 0; i < 3 && !has_base; i++)
        if (strncmp(s, bases[i].w, strlen(bases[i].w)) == 0) {
            base = bases[i].v;
            s += strlen(bases[i].w);
            has_base = true;
        }
    int sign = *s == '-' ? -1 : 1;
    if (has_base && *s == '\0') {
        *out = base;
        return true;
    }
    if (*s == '+' || *s == '-')
        s++;
    else if (has_base)
        return false;               /* "def5": the sign is required */
    uint64_t max = has_base ? (sign > 0 ? 1073741824u : 1073741823u)
                            : (sign > 0 ? 2147483648u : 2147483647u);
    if (!all_digits(s, strlen(s)) || !to_u64(s, strlen(s), 10, max, &off))
        return false;
    *out = base + sign * (int64_t)off;
    return true;
}

/* prio|priority then words up to the action, joined ("def + 5" = "def+5") */
static int parse_prio(struct ps *p, struct setkey_spd *s)
{
    const struct tok *kw = take(p), *t;
    char buf[64];
    size_t used = 0;
    while ((t = peek(p)) && !is_action(t, NULL) && !is_command(t)) {
        if (t->kind != TK_WORD || used + t->n >= sizeof buf)
            return fail(p, t, 0, "bad priority after '%.*s'", SHOW(kw));
        memcpy(buf + used, t->p, t->n);
        used += t->n;
        p->i++;
    }
    buf[used] = '\0';
    if (used == 0 || !prio_value(buf, &s->priority))
        return fail(p, used ? &p->st->t[p->i - 1] : t, 0,
                    "bad priority '%s' (N, or low/def/high with +N or -N)", buf);
    s->has_priority = true;
    return 0;
}

static int parse_level(struct ps *p, const struct tok *t, size_t off, const char *s,
                       size_t n, struct setkey_req *r)
{
    static const struct { const char *w; enum ipsec_level l; } levels[] = {
        { "default", IPSEC_LEVEL_DEFAULT }, { "use", IPSEC_LEVEL_USE },
        { "require", IPSEC_LEVEL_REQUIRE }, { "unique", IPSEC_LEVEL_UNIQUE },
    };
    uint64_t id;
    if (n > 7 && memcmp(s, "unique:", 7) == 0) {
        if (!all_digits(s + 7, n - 7) || !to_u64(s + 7, n - 7, 10, 32767, &id) || id == 0)
            return fail(p, t, off + 7, "reqid in '%.*s' must be 1-32767", (int)n, s);
        r->level = IPSEC_LEVEL_UNIQUE;
        r->reqid = (uint32_t)id;
        return 0;
    }
    for (size_t i = 0; i < sizeof levels / sizeof levels[0]; i++)
        if (strlen(levels[i].w) == n && memcmp(s, levels[i].w, n) == 0) {
            r->level = levels[i].l;
            return 0;
        }
    return fail(p, t, off, "unknown level '%.*s' (default, use, require or unique[:id])",
                (int)(n < SHOW_MAX ? n : SHOW_MAX), s);
}

/* "src-dst" tunnel endpoints, NetBSD ports allowed (NAT-T). */
static int parse_endpoints(struct ps *p, const struct tok *t, size_t off, size_t n,
                           struct setkey_req *r)
{
    const char *s = t->p + off, *dash = memchr(s, '-', n);
    if (n == 0) {
        if (r->mode == IPSEC_MODE_TUNNEL)
            return fail(p, t, off, "tunnel mode needs the endpoints src-dst");
        return 0;
    }
    if (!dash)
        return fail(p, t, off, "endpoints must be src-dst");
    size_t sn = (size_t)(dash - s);
    if (parse_addr(p, t, off, sn, ADDR_PORT, &r->tsrc, NULL) < 0 ||
        parse_addr(p, t, off + sn + 1, n - sn - 1, ADDR_PORT, &r->tdst, NULL) < 0)
        return -1;
    if (r->tsrc.family != r->tdst.family)
        return fail(p, t, off, "tunnel endpoints are of different address families");
    return 0;
}

static int req_proto_mode(struct ps *p, const struct tok *t, const size_t *at,
                          const size_t *len, unsigned nparts, struct setkey_req *r)
{
    const char *s = t->p;
    if (len[0] == 3 && memcmp(s, "esp", 3) == 0)
        r->proto = IPSEC_PROTO_ESP;
    else if (len[0] == 2 && memcmp(s, "ah", 2) == 0)
        r->proto = IPSEC_PROTO_AH;
    else if (len[0] == 6 && memcmp(s, "ipcomp", 6) == 0)
        return fail(p, t, 0, "ipcomp (IP compression) is not supported");
    else
        return fail(p, t, 0, "bad request '%.*s' (protocol/mode/src-dst/level, "
                    "protocol esp or ah)", SHOW(t));
    if (nparts < 2 || len[1] == 0)
        return fail(p, t, 0, "request '%.*s' needs a mode (esp/transport//require)", SHOW(t));
    if (len[1] == 9 && memcmp(s + at[1], "transport", 9) == 0)
        r->mode = IPSEC_MODE_TRANSPORT;
    else if (len[1] == 6 && memcmp(s + at[1], "tunnel", 6) == 0)
        r->mode = IPSEC_MODE_TUNNEL;
    else
        return fail(p, t, at[1], "unknown mode '%.*s' (transport or tunnel)",
                    (int)(len[1] < SHOW_MAX ? len[1] : SHOW_MAX), s + at[1]);
    return 0;
}

/* protocol/mode[/src-dst[/level]]; a missing level is "default". */
static int parse_request(struct ps *p, const struct tok *t, struct setkey_req *r)
{
    size_t at[4] = { 0 }, len[4] = { 0 };
    unsigned nparts = 1;
    memset(r, 0, sizeof *r);
    for (size_t i = 0; i < t->n; i++) {
        if (t->p[i] != '/') {
            len[nparts - 1]++;
            continue;
        }
        if (nparts == 4)
            return fail(p, t, i, "too many '/' in request '%.*s'", SHOW(t));
        at[nparts++] = i + 1;
    }
    if (req_proto_mode(p, t, at, len, nparts, r) < 0)
        return -1;
    if (parse_endpoints(p, t, at[2], nparts > 2 ? len[2] : 0, r) < 0)
        return -1;
    r->level = IPSEC_LEVEL_DEFAULT;
    if (nparts > 3 && len[3] > 0)
        return parse_level(p, t, at[3], t->p + at[3], len[3], r);
    return 0;
}

static int parse_requests(struct ps *p, struct setkey_spd *s)
{
    const struct tok *t;
    while ((t = peek(p)) && !is_command(t)) {
        if (t->kind != TK_WORD)
            return unexpected(p, t, "a request protocol/mode/src-dst/level");
        if (s->nreq == SETKEY_MAX_REQS)
            return fail(p, t, 0, "more than %u requests in one policy", SETKEY_MAX_REQS);
        if (parse_request(p, t, &s->req[s->nreq]) < 0)
            return -1;
        s->nreq++;
        p->i++;
    }
    if (s->nreq == 0)
        return fail(p, t, 0, "ipsec needs at least one request like esp/transport//require");
    return 0;
}

/* -P direction [prio ...] action [requests] */
static int parse_policy(struct ps *p, struct setkey_spd *s, bool dir_only)
{
    const struct tok *t = take(p);
    if (!tok_is(t, "-P")) {
        if (tok_is(t, "-ctx"))
            return fail(p, t, 0, "-ctx (security context labels) is not supported");
        return unexpected(p, t, "-P and a policy");
    }
    if (parse_dir(p, &s->dir) < 0)
        return -1;
    if (dir_only && !peek(p))
        return 0;
    if (tok_is(peek(p), "prio") || tok_is(peek(p), "priority"))
        if (parse_prio(p, s) < 0)
            return -1;
    t = take(p);
    if (!is_action(t, &s->action))
        return unexpected(p, t, "discard, none or ipsec");
    if (s->action == IPSEC_ACT_IPSEC)
        return parse_requests(p, s);
    return expect_end(p);
}

static int cmd_spd(struct ps *p, struct setkey_cmd *cmd)
{
    struct setkey_spd *s = &cmd->spd;
    const struct tok *src;
    if (tok_is(peek(p), "tagged"))
        return fail(p, peek(p), 0, "'tagged' policies (PF tags) are not supported");
    if (addr_flags(p, &s->addr_flags) < 0)
        return -1;
    src = peek(p);
    if (addr_word(p, ADDR_PREFIX | ADDR_PORT, &s->src, NULL) < 0 ||
        addr_word(p, ADDR_PREFIX | ADDR_PORT, &s->dst, NULL) < 0)
        return -1;
    if (check_families(p, src, s->addr_flags, &s->src, &s->dst) < 0)
        return -1;
    if (parse_upper(p, &s->ulproto) < 0 || parse_upper_misc(p, s) < 0)
        return -1;
    if (parse_policy(p, s, cmd->op == SETKEY_SPDDELETE) < 0)
        return -1;
    return expect_end(p);
}

/* --------------------------------------------------------------- commands */

static const struct {
    const char *name;
    enum setkey_op op;
    int (*fn)(struct ps *, struct setkey_cmd *);
} commands[] = {
    { "add", SETKEY_ADD, cmd_sa_add },
    { "update", SETKEY_UPDATE, cmd_sa_add },
    { "get", SETKEY_GET, cmd_sa_get },
    { "delete", SETKEY_DELETE, cmd_sa_get },
    { "deleteall", SETKEY_DELETEALL, cmd_sa_deleteall },
    { "flush", SETKEY_FLUSH, cmd_flush_dump },
    { "dump", SETKEY_DUMP, cmd_flush_dump },
    { "spdadd", SETKEY_SPDADD, cmd_spd },
    { "spdupdate", SETKEY_SPDUPDATE, cmd_spd },
    { "spddelete", SETKEY_SPDDELETE, cmd_spd },
    { "spdflush", SETKEY_SPDFLUSH, cmd_plain },
    { "spddump", SETKEY_SPDDUMP, cmd_plain },
};

const char *setkey_op_name(enum setkey_op op)
{
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (commands[i].op == op)
            return commands[i].name;
    return "?";
}

static int parse_stmt(const struct stmt *st, struct setkey_cmd *cmd, struct setkey_error *err)
{
    struct ps p = { .st = st, .i = 1, .err = err };
    const struct tok *t = &st->t[0];
    memset(cmd, 0, sizeof *cmd);
    cmd->line = t->line;
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (tok_is(t, commands[i].name)) {
            cmd->op = commands[i].op;
            return commands[i].fn(&p, cmd);
        }
    return fail(&p, t, 0, "unknown command '%.*s'", SHOW(t));
}

static int push(struct setkey_cmds *out, const struct setkey_cmd *cmd)
{
    if (out->n == out->cap) {
        size_t cap = out->cap ? out->cap * 2 : 16;
        if (cap > SETKEY_MAX_CMDS)
            cap = SETKEY_MAX_CMDS;
        struct setkey_cmd *v = realloc(out->v, cap * sizeof *v);
        if (!v)
            return -1;
        out->v = v;
        out->cap = cap;
    }
    out->v[out->n++] = *cmd;
    return 0;
}

void setkey_cmds_free(struct setkey_cmds *c)
{
    free(c->v);
    c->v = NULL;
    c->n = c->cap = 0;
}

static int parse_all(struct lexer *lx, struct setkey_cmds *out, struct setkey_error *err)
{
    struct stmt st;
    struct setkey_cmd cmd;
    int r;
    while ((r = read_stmt(lx, &st)) > 0) {
        if (out->n == SETKEY_MAX_CMDS)
            return lex_fail(lx, st.t[0].line, st.t[0].col,
                            "more than %u statements", SETKEY_MAX_CMDS);
        if (parse_stmt(&st, &cmd, err) < 0)
            return -1;
        if (push(out, &cmd) < 0)
            return lex_fail(lx, st.t[0].line, st.t[0].col, "out of memory");
    }
    return r;
}

int setkey_parse(const char *text, size_t len, struct setkey_cmds *out,
                 struct setkey_error *err)
{
    struct setkey_error dummy;
    struct lexer lx = { .s = text, .len = len, .line = 1, .col = 1 };
    if (!err)
        err = &dummy;
    lx.err = err;
    memset(out, 0, sizeof *out);
    memset(err, 0, sizeof *err);
    if (len > SETKEY_MAX_INPUT)
        return lex_fail(&lx, 1, 1, "input larger than %u bytes", SETKEY_MAX_INPUT);
    if (len && !text)
        return lex_fail(&lx, 1, 1, "no input");
    if (parse_all(&lx, out, err) < 0) {
        setkey_cmds_free(out);
        return -1;
    }
    return 0;
}
