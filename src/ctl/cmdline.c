/* Command-language plumbing shared by sixd, sixctl, the demo and tests:
 * splitting a line into argv and the growable output buffer (cmd.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdarg.h>
#include "ctl/cmd.h"

static void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n);
    if (!q) {
        /* Control plane only: running out of memory here is not recoverable. */
        fputs("sixstack: out of memory in command output\n", stderr);
        abort();
    }
    return q;
}

void cmd_out_init(struct cmd_out *o)
{
    o->buf = NULL;
    o->len = o->cap = 0;
}

void cmd_out_free(struct cmd_out *o)
{
    free(o->buf);
    cmd_out_init(o);
}

void cmd_out_reset(struct cmd_out *o)
{
    o->len = 0;
    if (o->buf)
        o->buf[0] = '\0';
}

/* Make room for n more bytes plus the terminating NUL. */
static void out_reserve(struct cmd_out *o, size_t n)
{
    if (o->len + n + 1 <= o->cap)
        return;
    size_t cap = o->cap ? o->cap : 256;
    while (cap < o->len + n + 1)
        cap *= 2;
    o->buf = xrealloc(o->buf, cap);
    o->cap = cap;
}

static void out_append(struct cmd_out *o, const char *s, size_t n)
{
    out_reserve(o, n);
    memcpy(o->buf + o->len, s, n);
    o->len += n;
    o->buf[o->len] = '\0';
}

void cmd_vprintf(struct cmd_out *o, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n <= 0) {
        out_reserve(o, 0);
        o->buf[o->len] = '\0';
        return;
    }
    out_reserve(o, (size_t)n);
    vsnprintf(o->buf + o->len, (size_t)n + 1, fmt, ap);
    o->len += (size_t)n;
}

void cmd_printf(struct cmd_out *o, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    cmd_vprintf(o, fmt, ap);
    va_end(ap);
}

void cmd_json_str(struct cmd_out *o, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    out_append(o, "\"", 1);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        char esc[7];
        switch (*p) {
        case '"':  out_append(o, "\\\"", 2); break;
        case '\\': out_append(o, "\\\\", 2); break;
        case '\n': out_append(o, "\\n", 2); break;
        case '\r': out_append(o, "\\r", 2); break;
        case '\t': out_append(o, "\\t", 2); break;
        case '\b': out_append(o, "\\b", 2); break;
        case '\f': out_append(o, "\\f", 2); break;
        default:
            if (*p < 0x20 || *p == 0x7f) {
                esc[0] = '\\'; esc[1] = 'u'; esc[2] = '0'; esc[3] = '0';
                esc[4] = hex[*p >> 4]; esc[5] = hex[*p & 15];
                out_append(o, esc, 6);
            } else {
                out_append(o, (const char *)p, 1);
            }
        }
    }
    out_append(o, "\"", 1);
}

/* Words are separated by blanks; "double quotes" group (they may join text
 * around them: a"b c" is one word `ab c`); inside quotes \" and \\ escape;
 * a # at the start of a word starts a comment that runs to the end of the
 * line. The line is rewritten in place (the output never outgrows the input). */
int cmd_split(char *line, char **argv, int max, const char **why)
{
    static const char *dummy;
    if (!why)
        why = &dummy;
    *why = NULL;
    int argc = 0;
    char *r = line, *w = line;

    for (;;) {
        while (*r == ' ' || *r == '\t' || *r == '\n' || *r == '\r' || *r == '\v' || *r == '\f')
            r++;
        if (*r == '\0' || *r == '#')
            break;
        if (argc >= max) {
            *why = "too many arguments";
            return -1;
        }
        char *word = w;
        for (;;) {
            char ch = *r;
            if (ch == '\0' || ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' ||
                ch == '\v' || ch == '\f')
                break;
            if (ch == '"') {
                r++;
                for (;;) {
                    if (*r == '\0') {
                        *why = "unterminated quote";
                        return -1;
                    }
                    if (*r == '"') {
                        r++;
                        break;
                    }
                    if (*r == '\\' && (r[1] == '"' || r[1] == '\\'))
                        r++;
                    *w++ = *r++;
                }
                continue;
            }
            *w++ = *r++;
        }
        /* r points at a blank or NUL; w <= r, so terminating here never
         * overwrites unread input except the separator itself. */
        bool at_end = (*r == '\0');
        *w++ = '\0';
        if (!at_end)
            r++;
        argv[argc++] = word;
        if (at_end)
            break;
    }
    if (argc < max)
        argv[argc] = NULL;
    return argc;
}
