/* libFuzzer: the lease journal's record parser (src/wire/leaserec.c), what
 * sixd reads back from its lease journal and snapshot at start. The input
 * is walked as a journal would be (record after record, until one is cut
 * or refused); every record accepted is emitted again and must come out as
 * the very bytes it was read from (one encoding per record: what the
 * journal writes it reads back the same).
 *
 * First byte odd: the rest has every record's CRC made right before it is
 * parsed, so that the fuzzer reaches the field checks behind the CRC. */
#include <stdlib.h>
#include <string.h>
#include "wire/leaserec.h"
#include "wire/bytes.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

static void fix_crcs(uint8_t *b, size_t n)
{
    for (size_t off = 0; n - off >= 4;) {
        size_t rl = rd16(b + off + 2);
        if (rl < LEASEREC_HDR_LEN + LEASEREC_CRC_LEN || rl > n - off)
            return;
        wr32(b + off + rl - 4, leaserec_crc32c(b + off, rl - 4));
        off += rl;
    }
}

static void walk(const uint8_t *d, size_t n)
{
    size_t off = 0;
    while (off < n) {
        struct leaserec r;
        size_t rl = 0;
        const char *why = NULL;
        enum leaserec_status s = leaserec_parse(d + off, n - off, &r, &rl, &why);
        if (s != LEASEREC_OK) {
            if ((s == LEASEREC_SHORT) == (why != NULL))   /* a reason for every refusal, none for a cut */
                __builtin_trap();
            return;
        }
        if (rl < LEASEREC_HDR_LEN + LEASEREC_CRC_LEN || rl > LEASEREC_MAX || rl > n - off)
            __builtin_trap();
        uint8_t back[LEASEREC_MAX];
        if (leaserec_emit(&r, back, sizeof back) != rl || memcmp(back, d + off, rl))
            __builtin_trap();
        off += rl;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
    if (!n)
        return 0;
    if (!(d[0] & 1)) {
        walk(d + 1, n - 1);
        return 0;
    }
    uint8_t *b = malloc(n - 1 ? n - 1 : 1);
    if (!b)
        return 0;
    memcpy(b, d + 1, n - 1);
    fix_crcs(b, n - 1);
    walk(b, n - 1);
    free(b);
    return 0;
}
