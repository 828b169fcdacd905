/* libFuzzer: sixd's control protocol frames (src/ctl/ctlproto.c), the bytes
 * a local client — or a sixd, for sixctl — may send. Input = frames back
 * to back, as they come on the socket. Invariants: a frame that
 * ctl_frame_peek accepts lies inside the input (payload right after its
 * header, length within the caps); a request that decodes has 1..64
 * arguments, each NUL-terminated inside the payload, and re-encodes to the
 * same bytes; so do an accepted EXIT, text frames and stream frames
 * (DATA, STREAM, EOF) that ctl_check_stream_frame accepts. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "ctl/ctlproto.h"

#define CHECK(c) do { if (!(c)) __builtin_trap(); } while (0)
int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

/* o holds exactly the frame f (n bytes)? */
static void same_frame(const struct cmd_out *o, const uint8_t *f, size_t n)
{
    CHECK(o->len == n && memcmp(o->buf, f, n) == 0);
}

static void check_request(const uint8_t *f, const uint8_t *pl, uint32_t plen, size_t flen)
{
    uint8_t *copy = malloc(plen ? plen : 1);       /* exact size: ASan sees any overread */
    memcpy(copy, pl, plen);
    struct ctl_request r;
    if (ctl_decode_request(copy, plen, &r) == 0) {
        CHECK(r.argc >= 1 && r.argc <= CTL_MAX_ARGC && r.argv[r.argc] == NULL);
        CHECK((r.flags & ~CTL_F_ALL) == 0);
        for (int i = 0; i < r.argc; i++) {
            CHECK((uint8_t *)r.argv[i] >= copy + 8 && (uint8_t *)r.argv[i] < copy + plen);
            CHECK(strlen(r.argv[i]) <= CTL_MAX_ARG_LEN);
        }
        struct cmd_out o;
        cmd_out_init(&o);
        CHECK(ctl_encode_request(&o, r.flags, r.argc, r.argv) == 0);
        same_frame(&o, f, flen);
        cmd_out_free(&o);
    }
    free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
    size_t off = 0;
    while (off < n) {
        uint8_t type;
        const uint8_t *pl;
        uint32_t plen;
        long fl = ctl_frame_peek(d + off, n - off, &type, &pl, &plen);
        if (fl <= 0)
            break;                                   /* need more, or a bad header: the connection ends */
        const uint8_t *f = d + off;
        CHECK((size_t)fl <= n - off && (size_t)fl == CTL_HDR_LEN + plen);
        CHECK(pl == f + CTL_HDR_LEN && plen <= CTL_MAX_PAYLOAD);
        CHECK(type >= CTL_REQ && type <= CTL_TYPE_MAX);
        struct cmd_out o;
        cmd_out_init(&o);
        int st;
        switch (type) {
        case CTL_REQ:
            check_request(f, pl, plen, (size_t)fl);
            break;
        case CTL_EXIT:
            if (ctl_decode_exit(pl, plen, &st) == 0) {
                CHECK(st >= 0 && st <= 255);
                ctl_encode_exit(&o, st);
                same_frame(&o, f, (size_t)fl);
            }
            break;
        case CTL_OUT:
        case CTL_ERR:
            if (plen) {
                ctl_encode_text(&o, type, (const char *)pl, plen);
                same_frame(&o, f, (size_t)fl);
            }
            break;
        case CTL_STREAM:
        case CTL_DATA:
        case CTL_EOF:
            if (ctl_check_stream_frame(type, plen) == 0) {
                CHECK(type == CTL_DATA ? plen >= 1 && plen <= CTL_MAX_DATA : plen == 0);
                if (type == CTL_DATA)
                    ctl_encode_data(&o, pl, plen);
                else
                    CHECK(ctl_encode_frame(&o, type, NULL, 0) == 0);
                same_frame(&o, f, (size_t)fl);
            }
            break;
        default:                                     /* PF_KEY frames: fuzz_pfkey_srv */
            CHECK(ctl_check_stream_frame(type, plen) == CTL_E_TYPE);
            break;
        }
        cmd_out_free(&o);
        off += (size_t)fl;
    }
    return 0;
}
