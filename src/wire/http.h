/* HTTP/1.1 message framing fields (RFC 9110, RFC 9112), the parts a client
 * must get exactly right to know where a body ends: Content-Length,
 * chunk sizes, the final transfer coding, the status line. Pure parsers:
 * each takes a field value with its length (no NUL needed) from which the
 * caller has already removed leading and trailing OWS. */
#ifndef SIX_WIRE_HTTP_H
#define SIX_WIRE_HTTP_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Content-Length = 1*DIGIT (RFC 9110 §8.6): no sign, no blanks, no list,
 * no value over UINT64_MAX. 0 and *out set, or -1. */
int http_parse_content_length(const char *v, size_t n, uint64_t *out);

/* chunk-size = 1*HEXDIG (RFC 9112 §7.1) at the start of a chunk line of n
 * bytes (CRLF removed); what follows may only be BWS and a chunk-ext
 * (";..."). No sign, no "0x", no overflow. 0 and *out set, or -1. */
int http_parse_chunk_line(const char *line, size_t n, uint64_t *out);

/* A Transfer-Encoding field value (a list of codings, RFC 9112 §6.1):
 * true if its final coding is "chunked". */
bool http_te_final_chunked(const char *v, size_t n);

/* status-line = HTTP-version SP status-code SP [ reason-phrase ]
 * (RFC 9112 §4) for HTTP/1.0 and HTTP/1.1; status-code = 3DIGIT, 100-599
 * (RFC 9110 §15). The reason is the rest of the line (may be empty).
 * 0 and *code, *reason, *reason_len set, or -1. */
int http_parse_status_line(const char *line, size_t n, int *code, const char **reason, size_t *reason_len);

#endif
