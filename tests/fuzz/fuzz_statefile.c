/* libFuzzer: the state file parser (src/wire/statefile.c), what sixd reads
 * from its state directory at start. Every record accepted prints back,
 * through the emitter, to a line the parser takes again with the same
 * contents: what sixd writes it can always read. */
#include <stdlib.h>
#include <string.h>
#include "wire/statefile.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

static int check(void *ctx, const struct statefile_rec *r)
{
    char line[STATEFILE_MAX_LINE];
    struct statefile_rec back;
    size_t k = statefile_emit_rec(r, line, sizeof line);
    (void)ctx;
    if (!k || line[k - 1] != '\n' || statefile_parse_line(line, k - 1, &back) || back.kind != r->kind)
        __builtin_trap();
    if (r->kind == STATEFILE_SA ? memcmp(&back.u.sa, &r->u.sa, sizeof r->u.sa)
                                : memcmp(&back.u.gif, &r->u.gif, sizeof r->u.gif))
        __builtin_trap();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
    unsigned line;
    const char *why;
    statefile_parse((const char *)d, n, check, NULL, &line, &why);
    return 0;
}
