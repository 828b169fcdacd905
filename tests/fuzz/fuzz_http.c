/* libFuzzer: HTTP/1.1 framing parsers (src/wire/http.c). The first byte picks
 * the parser; the rest is the field value or line. Every accepted value is
 * checked against the grammar it claims to follow: a Content-Length is
 * 1*DIGIT and prints back to the same digits (leading zeros aside), a chunk
 * size is hex digits before BWS / ';', a status code lies in 100..599 with
 * the reason inside the line. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include "wire/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

static void check_content_length(const char *v, size_t n)
{
    uint64_t x;
    if (http_parse_content_length(v, n, &x))
        return;
    size_t z = 0;
    while (z + 1 < n && v[z] == '0')
        z++;
    char buf[24];
    int len = snprintf(buf, sizeof buf, "%" PRIu64, x);
    if (len < 0 || (size_t)len != n - z || memcmp(buf, v + z, n - z))
        __builtin_trap();
}

static void check_chunk_line(const char *v, size_t n)
{
    uint64_t x, y = 0;
    if (http_parse_chunk_line(v, n, &x))
        return;
    size_t i = 0;
    for (; i < n && strchr("0123456789abcdefABCDEF", v[i]) && v[i]; i++)
        y = y << 4 | (uint64_t)(v[i] <= '9' ? v[i] - '0' : (v[i] | 0x20) - 'a' + 10);
    if (i == 0 || y != x)
        __builtin_trap();
    while (i < n && (v[i] == ' ' || v[i] == '\t'))
        i++;
    if (i < n && v[i] != ';')
        __builtin_trap();
}

static void check_status_line(const char *v, size_t n)
{
    int code;
    const char *reason;
    size_t rlen;
    if (http_parse_status_line(v, n, &code, &reason, &rlen))
        return;
    if (code < 100 || code > 599 || reason < v || reason + rlen > v + n)
        __builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
    if (n < 1)
        return 0;
    const char *v = (const char *)d + 1;
    size_t len = n - 1;
    switch (d[0] & 3) {
    case 0: check_content_length(v, len); break;
    case 1: check_chunk_line(v, len); break;
    case 2: (void)http_te_final_chunked(v, len); break;
    default: check_status_line(v, len); break;
    }
    return 0;
}
