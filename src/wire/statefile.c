/* The state file's format (see statefile.h): strict line parser and
 * emitters. */
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include "wire/statefile.h"
#include "wire/ip6.h"

#define MAX_TOKENS 20u
#define TOKEN_MAX  64u   /* the longest token is a fingerprint: 64 hex digits */

struct tokens {
    unsigned n;
    char t[MAX_TOKENS][TOKEN_MAX + 1];
};

/* Split on single spaces; no empty token (two spaces, leading or trailing
 * space), no other whitespace or control byte, no token over TOKEN_MAX. */
static const char *split(const char *s, size_t len, struct tokens *tk)
{
    size_t start = 0;
    tk->n = 0;
    if (!len)
        return "empty line";
    for (size_t i = 0; i <= len; i++) {
        if (i < len && s[i] != ' ') {
            unsigned char c = (unsigned char)s[i];
            if (c < 0x21 || c > 0x7e)
                return "control byte or non-ASCII character";
            continue;
        }
        size_t n = i - start;
        if (!n)
            return "empty field (two spaces, or a space at an end)";
        if (n > TOKEN_MAX)
            return "field too long";
        if (tk->n == MAX_TOKENS)
            return "too many fields";
        memcpy(tk->t[tk->n], s + start, n);
        tk->t[tk->n][n] = 0;
        tk->n++;
        start = i + 1;
    }
    return NULL;
}

/* Decimal without sign or leading zero, up to max. */
static bool dec(const char *s, uint64_t max, uint64_t *out)
{
    uint64_t v = 0;
    if (!*s || (s[0] == '0' && s[1]))
        return false;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return false;
        unsigned d = (unsigned)(*s - '0');
        if (v > (max - d) / 10)
            return false;
        v = v * 10 + d;
    }
    *out = v;
    return true;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* 0x and exactly 8 lowercase hex digits, at least 256 (RFC 4303 §2.1). */
static bool spi(const char *s, uint32_t *out)
{
    uint32_t v = 0;
    if (strlen(s) != 10 || s[0] != '0' || s[1] != 'x')
        return false;
    for (int i = 2; i < 10; i++) {
        int h = hexval(s[i]);
        if (h < 0)
            return false;
        v = v << 4 | (uint32_t)h;
    }
    *out = v;
    return v >= 256;
}

static bool fingerprint(const char *s, uint8_t fp[STATEFILE_FP_LEN])
{
    if (strlen(s) != 2 * STATEFILE_FP_LEN)
        return false;
    for (unsigned i = 0; i < STATEFILE_FP_LEN; i++) {
        int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return false;
        fp[i] = (uint8_t)(hi << 4 | lo);
    }
    return true;
}

/* IPv4 dotted quad (kept as mapped) or IPv6; an IPv4-mapped IPv6 spelling
 * is refused (one spelling per address). */
static bool addr(const char *s, struct in6_addr *a)
{
    return in6_parse_addr46(s, a) && !(in6_is_v4mapped(a) && strchr(s, ':'));
}

static bool port(const char *s, uint16_t *p)
{
    uint64_t v;
    if (!dec(s, 65535, &v))
        return false;
    *p = (uint16_t)v;
    return true;
}

static bool ifname(const char *s, char out[STATEFILE_NAME_MAX])
{
    size_t n = strlen(s);
    if (!n || n >= STATEFILE_NAME_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
              c == '_' || c == '.'))
            return false;
    }
    memcpy(out, s, n + 1);
    return true;
}

/*  0  1     2      3   4  5   6 7   8 9   10   11 12  13   14   15 16
 * sa esp SPI KEYDST FP seq N top N src ADDR PORT dst ADDR PORT gen N */
static const char *parse_sa(const struct tokens *tk, struct statefile_sa *sa)
{
    uint64_t v;
    memset(sa, 0, sizeof *sa);
    if (tk->n != 17)
        return "an sa line has 17 fields";
    if (!strcmp(tk->t[1], "esp"))
        sa->proto = 50;
    else if (!strcmp(tk->t[1], "ah"))
        sa->proto = 51;
    else
        return "protocol must be esp or ah";
    if (!spi(tk->t[2], &sa->spi))
        return "bad SPI (0x and 8 lowercase hex digits, at least 0x00000100)";
    if (!addr(tk->t[3], &sa->key_dst))
        return "bad destination address";
    if (!fingerprint(tk->t[4], sa->fp))
        return "bad key fingerprint (64 lowercase hex digits)";
    if (strcmp(tk->t[5], "seq") || !dec(tk->t[6], UINT64_MAX, &sa->seq_hwm))
        return "bad seq field";
    if (strcmp(tk->t[7], "top") || !dec(tk->t[8], UINT64_MAX, &sa->replay_top))
        return "bad top field";
    if (strcmp(tk->t[9], "src") || !addr(tk->t[10], &sa->src) || !port(tk->t[11], &sa->sport))
        return "bad src field";
    if (strcmp(tk->t[12], "dst") || !addr(tk->t[13], &sa->dst) || !port(tk->t[14], &sa->dport))
        return "bad dst field";
    if (strcmp(tk->t[15], "gen") || !dec(tk->t[16], UINT64_MAX, &v))
        return "bad gen field";
    sa->gen = v;
    return NULL;
}

/*  0   1    2       3      4      5     6      7   8   9
 * gif NAME SPIOUT SPIIN FPOUT FPIN remote ADDR gen N */
static const char *parse_gif(const struct tokens *tk, struct statefile_gif *g)
{
    memset(g, 0, sizeof *g);
    if (tk->n != 10)
        return "a gif line has 10 fields";
    if (!ifname(tk->t[1], g->name))
        return "bad interface name";
    if (!spi(tk->t[2], &g->spi_out) || !spi(tk->t[3], &g->spi_in))
        return "bad SPI (0x and 8 lowercase hex digits, at least 0x00000100)";
    if (!fingerprint(tk->t[4], g->fp_out) || !fingerprint(tk->t[5], g->fp_in))
        return "bad key fingerprint (64 lowercase hex digits)";
    if (strcmp(tk->t[6], "remote") || !addr(tk->t[7], &g->remote))
        return "bad remote field";
    if (strcmp(tk->t[8], "gen") || !dec(tk->t[9], UINT64_MAX, &g->gen))
        return "bad gen field";
    return NULL;
}

const char *statefile_parse_line(const char *line, size_t len, struct statefile_rec *r)
{
    struct tokens tk;
    const char *why = split(line, len, &tk);
    if (why)
        return why;
    if (!strcmp(tk.t[0], "sa")) {
        r->kind = STATEFILE_SA;
        return parse_sa(&tk, &r->u.sa);
    }
    if (!strcmp(tk.t[0], "gif")) {
        r->kind = STATEFILE_GIF;
        return parse_gif(&tk, &r->u.gif);
    }
    return "unknown record (sa or gif)";
}

/* The next line of buf from *pos: its length without '\n'; false when the
 * file ends without one. */
static bool next_line(const char *buf, size_t len, size_t *pos, const char **line, size_t *n)
{
    if (*pos >= len)
        return false;
    const char *s = buf + *pos, *nl = memchr(s, '\n', len - *pos);
    if (!nl)
        return false;
    *line = s;
    *n = (size_t)(nl - s);
    *pos += *n + 1;
    return true;
}

int statefile_parse(const char *buf, size_t len, statefile_rec_fn fn, void *ctx, unsigned *bad_line,
                    const char **why)
{
    char want[32];
    size_t pos = 0, n;
    const char *line;
    unsigned lineno = 0, records = 0;
    *bad_line = 0;
    *why = NULL;
    if (len > STATEFILE_MAX_BYTES) {
        *why = "file too large";
        return -1;
    }
    size_t hl = statefile_emit_header(want, sizeof want) - 1;
    for (;;) {
        lineno++;
        if (!next_line(buf, len, &pos, &line, &n)) {
            *bad_line = lineno;
            *why = !len ? "empty file" : lineno == 1 ? "no complete line" : "cut short (no end line)";
            return -1;
        }
        *bad_line = lineno;
        if (n + 1 > STATEFILE_MAX_LINE) {
            *why = "line too long";
            return -1;
        }
        if (memchr(line, 0, n)) {
            *why = "NUL byte";
            return -1;
        }
        if (lineno == 1) {
            if (n != hl || memcmp(line, want, hl)) {
                *why = "not a sixstack state file of version 1";
                return -1;
            }
            continue;
        }
        if (n && line[0] == '#')
            continue;
        if (n > 4 && !memcmp(line, "end ", 4)) {
            uint64_t count;
            char num[24];
            if (n - 4 >= sizeof num) {
                *why = "bad end line";
                return -1;
            }
            memcpy(num, line + 4, n - 4);
            num[n - 4] = 0;
            if (!dec(num, UINT32_MAX, &count) || count != records) {
                *why = "end line does not count the records";
                return -1;
            }
            if (pos != len) {
                *why = "data after the end line";
                return -1;
            }
            *bad_line = 0;
            return 0;
        }
        struct statefile_rec r;
        if ((*why = statefile_parse_line(line, n, &r)))
            return -1;
        records++;
        int rc = fn ? fn(ctx, &r) : 0;
        if (rc) {
            *why = "refused by the caller";
            return rc;
        }
    }
}

static const char *addr_str(const struct in6_addr *a, char *b, size_t n)
{
    static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };
    if (!memcmp(a->s6_addr, mapped, 12))
        return inet_ntop(AF_INET, &a->s6_addr[12], b, (socklen_t)n);
    return inet_ntop(AF_INET6, a, b, (socklen_t)n);
}

static void fp_hex(const uint8_t fp[STATEFILE_FP_LEN], char out[2 * STATEFILE_FP_LEN + 1])
{
    static const char hx[] = "0123456789abcdef";
    for (unsigned i = 0; i < STATEFILE_FP_LEN; i++) {
        out[2 * i] = hx[fp[i] >> 4];
        out[2 * i + 1] = hx[fp[i] & 15];
    }
    out[2 * STATEFILE_FP_LEN] = 0;
}

static size_t fit(int k, size_t cap)
{
    return k > 0 && (size_t)k < cap ? (size_t)k : 0;
}

size_t statefile_emit_header(char *buf, size_t cap)
{
    return fit(snprintf(buf, cap, "sixstack-state %u\n", STATEFILE_VERSION), cap);
}

static size_t emit_sa(const struct statefile_sa *sa, char *buf, size_t cap)
{
    char k[INET6_ADDRSTRLEN], s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN], fp[2 * STATEFILE_FP_LEN + 1];
    fp_hex(sa->fp, fp);
    return fit(snprintf(buf, cap, "sa %s 0x%08x %s %s seq %llu top %llu src %s %u dst %s %u gen %llu\n",
                        sa->proto == 51 ? "ah" : "esp", sa->spi, addr_str(&sa->key_dst, k, sizeof k), fp,
                        (unsigned long long)sa->seq_hwm, (unsigned long long)sa->replay_top,
                        addr_str(&sa->src, s, sizeof s), sa->sport, addr_str(&sa->dst, d, sizeof d), sa->dport,
                        (unsigned long long)sa->gen),
               cap);
}

static size_t emit_gif(const struct statefile_gif *g, char *buf, size_t cap)
{
    char r[INET6_ADDRSTRLEN], fo[2 * STATEFILE_FP_LEN + 1], fi[2 * STATEFILE_FP_LEN + 1];
    fp_hex(g->fp_out, fo);
    fp_hex(g->fp_in, fi);
    return fit(snprintf(buf, cap, "gif %s 0x%08x 0x%08x %s %s remote %s gen %llu\n", g->name, g->spi_out, g->spi_in,
                        fo, fi, addr_str(&g->remote, r, sizeof r), (unsigned long long)g->gen),
               cap);
}

size_t statefile_emit_rec(const struct statefile_rec *r, char *buf, size_t cap)
{
    return r->kind == STATEFILE_SA ? emit_sa(&r->u.sa, buf, cap) : emit_gif(&r->u.gif, buf, cap);
}

size_t statefile_emit_end(unsigned n_records, char *buf, size_t cap)
{
    return fit(snprintf(buf, cap, "end %u\n", n_records), cap);
}
