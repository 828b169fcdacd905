/* The pipe a streaming command sees (ctl_stream.h). Input: the client's
 * CTL_DATA payloads, copied here by control.c while there is room (at most
 * SIXD_STREAM_IN_MAX), taken by the command as its TCP connection accepts
 * them. Output: CTL_DATA frames appended to the connection's answer queue,
 * at most SIXD_STREAM_OUT_MAX unsent. None of these functions sends or calls
 * back: they only mark the connection changed, and control_idle() moves
 * frames and flushes. */
#include <stdlib.h>
#include <string.h>
#include "sixd/ctl_stream.h"
#include "ctl/ctlproto.h"
#include "core/log.h"

static struct sixd_stream *of(struct six_pipe *p)
{
    return (struct sixd_stream *)(void *)p;   /* pipe is the first member */
}

static void s_open(struct six_pipe *p)
{
    struct sixd_stream *s = of(p);
    if (s->opened)
        return;
    if (!s->in && !(s->in = malloc(SIXD_STREAM_IN_MAX))) {
        LOGE("ctl: stream: out of memory");
        s->in_eof = true;          /* the command sees no input, never a crash */
    }
    s->opened = true;
    s->changed = true;
    (void)ctl_encode_frame(s->wbuf, CTL_STREAM, NULL, 0);
}

static size_t s_peek(struct six_pipe *p, const void **data)
{
    struct sixd_stream *s = of(p);
    *data = s->in ? s->in + s->in_off : NULL;
    return s->in_len - s->in_off;
}

static void s_consume(struct six_pipe *p, size_t n)
{
    struct sixd_stream *s = of(p);
    if (n > s->in_len - s->in_off)
        n = s->in_len - s->in_off;
    s->in_off += n;
    if (s->in_off == s->in_len)
        s->in_off = s->in_len = 0;
    s->changed = true;             /* room for the client's next frames */
}

static bool s_eof(struct six_pipe *p)
{
    struct sixd_stream *s = of(p);
    return s->in_eof && s->in_off == s->in_len;
}

static size_t unsent(const struct sixd_stream *s)
{
    return s->wbuf->len - *s->woff;
}

static size_t s_room(struct six_pipe *p)
{
    struct sixd_stream *s = of(p);
    size_t used = unsent(s) + CTL_HDR_LEN;   /* a frame header for what comes */
    return used >= SIXD_STREAM_OUT_MAX ? 0 : SIXD_STREAM_OUT_MAX - used;
}

static void s_write(struct six_pipe *p, const void *data, size_t n)
{
    struct sixd_stream *s = of(p);
    if (*s->woff) {                /* keep the queue from creeping up the buffer */
        memmove(s->wbuf->buf, s->wbuf->buf + *s->woff, unsent(s));
        s->wbuf->len = unsent(s);
        *s->woff = 0;
    }
    ctl_encode_data(s->wbuf, data, n);
    s->changed = true;
}

void sixd_stream_init(struct sixd_stream *s, struct cmd_out *wbuf, size_t *woff)
{
    sixd_stream_free(s);
    *s = (struct sixd_stream){
        .pipe = { .open = s_open, .peek = s_peek, .consume = s_consume, .eof = s_eof,
                  .room = s_room, .write = s_write },
        .wbuf = wbuf, .woff = woff,
    };
}

void sixd_stream_free(struct sixd_stream *s)
{
    free(s->in);
    s->in = NULL;
    s->in_off = s->in_len = 0;
    s->pipe.notify = NULL;
}

bool sixd_stream_put(struct sixd_stream *s, const uint8_t *data, size_t n)
{
    if (!s->in || s->in_eof)
        return false;
    if (s->in_off && s->in_len + n > SIXD_STREAM_IN_MAX) {
        memmove(s->in, s->in + s->in_off, s->in_len - s->in_off);
        s->in_len -= s->in_off;
        s->in_off = 0;
    }
    if (s->in_len + n > SIXD_STREAM_IN_MAX)
        return false;
    memcpy(s->in + s->in_len, data, n);
    s->in_len += n;
    return true;
}

void sixd_stream_put_eof(struct sixd_stream *s)
{
    s->in_eof = true;
}

void sixd_stream_notify(struct sixd_stream *s)
{
    if (s->pipe.notify)
        s->pipe.notify(s->pipe.notify_arg);
}
