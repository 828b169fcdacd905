/* HTTP/1.1 framing fields (src/wire/http.c): Content-Length is 1*DIGIT and
 * nothing else (RFC 9110 §8.6), chunk sizes 1*HEXDIG (RFC 9112 §7.1),
 * neither overflows; the final transfer coding decides chunked (RFC 9112
 * §6.3); the status line is HTTP/1.x SP 3DIGIT. */
#include <string.h>
#include "../lib/t.h"
#include "wire/http.h"

static int cl(const char *s, uint64_t *v) { return http_parse_content_length(s, strlen(s), v); }
static int chunk(const char *s, uint64_t *v) { return http_parse_chunk_line(s, strlen(s), v); }
static bool te(const char *s) { return http_te_final_chunked(s, strlen(s)); }

TEST(content_length)
{
    uint64_t v = 77;
    T_EQ(cl("0", &v), 0);
    T_EQ(v, 0);
    T_EQ(cl("123", &v), 0);
    T_EQ(v, 123);
    T_EQ(cl("007", &v), 0);
    T_EQ(v, 7);
    T_EQ(cl("18446744073709551615", &v), 0);   /* 2^64 - 1 */
    T_EQ(v, UINT64_MAX);
    v = 77;
    T_EQ(cl("-1", &v), -1);
    T_EQ(cl("+5", &v), -1);
    T_EQ(cl(" 5x", &v), -1);
    T_EQ(cl(" 5", &v), -1);
    T_EQ(cl("5 ", &v), -1);
    T_EQ(cl("5x", &v), -1);
    T_EQ(cl("", &v), -1);
    T_EQ(cl("0x10", &v), -1);
    T_EQ(cl("5, 5", &v), -1);
    T_EQ(cl("18446744073709551616", &v), -1);  /* 2^64 */
    T_EQ(cl("99999999999999999999999", &v), -1);
    T_EQ(v, 77);                               /* untouched on error */
    T_EQ(http_parse_content_length("12", 1, &v), 0);   /* the length given, not the NUL */
    T_EQ(v, 1);
}

TEST(chunk_size)
{
    uint64_t v = 77;
    T_EQ(chunk("0", &v), 0);
    T_EQ(v, 0);
    T_EQ(chunk("1aF", &v), 0);
    T_EQ(v, 0x1af);
    T_EQ(chunk("10;name=value", &v), 0);
    T_EQ(v, 16);
    T_EQ(chunk("10 \t;ext", &v), 0);
    T_EQ(chunk("ffffffffffffffff", &v), 0);
    T_EQ(v, UINT64_MAX);
    T_EQ(chunk("-1", &v), -1);
    T_EQ(chunk("+5", &v), -1);
    T_EQ(chunk("0x5", &v), -1);
    T_EQ(chunk(" 5", &v), -1);
    T_EQ(chunk("5 junk", &v), -1);
    T_EQ(chunk("5g", &v), -1);
    T_EQ(chunk("", &v), -1);
    T_EQ(chunk(";ext", &v), -1);
    T_EQ(chunk("10000000000000000", &v), -1);  /* 2^64 */
}

TEST(transfer_encoding)
{
    T_CHECK(te("chunked"));
    T_CHECK(te("Chunked"));
    T_CHECK(te("gzip, chunked"));
    T_CHECK(te("gzip,chunked ,"));
    T_CHECK(!te("chunked, gzip"));    /* not final: the body ends at close */
    T_CHECK(!te("notchunked"));
    T_CHECK(!te("chunkedx"));
    T_CHECK(!te("identity"));
    T_CHECK(!te(""));
    T_CHECK(!te(" , "));
}

TEST(status_line)
{
    int code = 0;
    const char *r;
    size_t rl;
    const char *l = "HTTP/1.1 200 OK";
    T_EQ(http_parse_status_line(l, strlen(l), &code, &r, &rl), 0);
    T_EQ(code, 200);
    T_CHECK(rl == 2 && !memcmp(r, "OK", 2));
    l = "HTTP/1.0 404 Not Found";
    T_EQ(http_parse_status_line(l, strlen(l), &code, &r, &rl), 0);
    T_CHECK(code == 404 && rl == 9);
    l = "HTTP/1.1 204 ";
    T_EQ(http_parse_status_line(l, strlen(l), &code, &r, &rl), 0);
    T_CHECK(code == 204 && rl == 0);
    const char *bad[] = { "HTTP/1.1 2000 OK", "HTTP/1.1 20 OK", "HTTP/1.1 +20 OK", "HTTP/1.1 -200 OK",
                          "HTTP/1.1  200 OK", "HTTP/1.1 099 Low", "HTTP/1.1 600 High", "HTTP/2 200 OK",
                          "HTTP/1.2 200 OK", "http/1.1 200 OK", "HTTP/1.1 2x0 OK", "" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (http_parse_status_line(bad[i], strlen(bad[i]), &code, &r, &rl) != -1) {
            fprintf(stderr, "  accepted: '%s'\n", bad[i]);
            t_case_failed = 1;
        }
    }
}

int main(void)
{
    RUN(content_length);
    RUN(chunk_size);
    RUN(transfer_encoding);
    RUN(status_line);
    return t_done();
}
