/* HTTP/1.1 framing fields: see http.h. strtoull() is not used on purpose:
 * it takes a sign ("-1" becomes 2^64 - 1), leading blanks and, in base 16,
 * a "0x" prefix, none of which the grammar allows. */
#include <string.h>
#include <strings.h>
#include "wire/bytes.h"
#include "wire/http.h"

static bool is_digit(char c) { return c >= '0' && c <= '9'; }

int http_parse_content_length(const char *v, size_t n, uint64_t *out)
{
    if (!n)
        return -1;
    uint64_t x = 0;
    for (size_t i = 0; i < n; i++) {
        if (!is_digit(v[i]))
            return -1;
        unsigned d = (unsigned)(v[i] - '0');
        if (x > (UINT64_MAX - d) / 10)
            return -1;     /* overflow */
        x = x * 10 + d;
    }
    *out = x;
    return 0;
}

int http_parse_chunk_line(const char *line, size_t n, uint64_t *out)
{
    size_t i = 0;
    uint64_t x = 0;
    for (; i < n && hex_digit_value(line[i]) >= 0; i++) {
        if (x >> 60)
            return -1;     /* another digit would overflow */
        x = x << 4 | (uint64_t)hex_digit_value(line[i]);
    }
    if (i == 0)
        return -1;
    while (i < n && (line[i] == ' ' || line[i] == '\t'))
        i++;               /* BWS before a chunk-ext */
    if (i < n && line[i] != ';')
        return -1;
    *out = x;
    return 0;
}

bool http_te_final_chunked(const char *v, size_t n)
{
    /* the last list element, without OWS and empty elements (RFC 9110 §5.6.1) */
    size_t end = n;
    while (end && (v[end - 1] == ' ' || v[end - 1] == '\t' || v[end - 1] == ','))
        end--;
    size_t start = end;
    while (start && v[start - 1] != ',')
        start--;
    while (start < end && (v[start] == ' ' || v[start] == '\t'))
        start++;
    return end - start == 7 && !strncasecmp(v + start, "chunked", 7);
}

int http_parse_status_line(const char *line, size_t n, int *code, const char **reason, size_t *reason_len)
{
    static const char v10[] = "HTTP/1.0 ", v11[] = "HTTP/1.1 ";
    const size_t vl = sizeof v10 - 1;
    if (n < vl + 3 || (memcmp(line, v10, vl) && memcmp(line, v11, vl)))
        return -1;
    const char *c = line + vl;
    if (!is_digit(c[0]) || !is_digit(c[1]) || !is_digit(c[2]))
        return -1;
    int x = (c[0] - '0') * 100 + (c[1] - '0') * 10 + (c[2] - '0');
    if (x < 100 || x > 599)
        return -1;
    size_t rest = n - vl - 3;
    if (rest && c[3] != ' ')
        return -1;         /* "2000", "200x" */
    *code = x;
    *reason = rest ? c + 4 : c + 3;
    *reason_len = rest ? rest - 1 : 0;
    return 0;
}
