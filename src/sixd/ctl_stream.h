/* A control connection's stream (ctlproto.h, "Streams"): the six_pipe a
 * streaming command (nc) sees, between the client's CTL_DATA frames and the
 * connection's answer queue. control.c owns the connection and moves frames;
 * this file holds the bounded buffers and the pipe's functions. */
#ifndef SIX_SIXD_CTL_STREAM_H
#define SIX_SIXD_CTL_STREAM_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "core/pipe.h"
#include "ctl/cmd.h"

#define SIXD_STREAM_IN_MAX  (64u * 1024)   /* client bytes not yet taken by the command */
#define SIXD_STREAM_OUT_MAX (256u * 1024)  /* answer queue towards the client, DATA frames included */

struct sixd_stream {
    struct six_pipe pipe;       /* given to the command as cmd_ctx.stream */
    struct cmd_out *wbuf;       /* the connection's answer queue and how much of it is sent */
    size_t *woff;
    uint8_t *in;                /* SIXD_STREAM_IN_MAX, allocated when the command opens the stream */
    size_t in_off, in_len;
    bool in_eof;                /* the client's CTL_EOF came */
    bool opened;                /* the command took the stream (CTL_STREAM queued) */
    bool changed;               /* the command consumed or wrote: control.c processes the connection */
};

/* Ready for a request with CTL_F_STREAM; frees what a previous one left. */
void sixd_stream_init(struct sixd_stream *s, struct cmd_out *wbuf, size_t *woff);
void sixd_stream_free(struct sixd_stream *s);
/* Room for n more client bytes? Append them (false: no room; nothing taken). */
bool sixd_stream_put(struct sixd_stream *s, const uint8_t *data, size_t n);
void sixd_stream_put_eof(struct sixd_stream *s);
/* Tell the command that input, EOF or room may have come. */
void sixd_stream_notify(struct sixd_stream *s);

#endif
