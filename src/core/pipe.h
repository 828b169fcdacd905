/* A bounded byte pipe between a producer/consumer pair that live in
 * different layers: sixd's control connection (a sixctl client's standard
 * input and output, src/sixd/ctl_stream.c) on one side, an application on
 * the socket API (nc's stream mode, src/apps/nc.c) on the other.
 *
 * The owner (sixd) implements the functions; the user (nc) calls them.
 * Both directions are bounded so that neither a fast writer nor a slow
 * reader grows a buffer: the user takes input only as fast as it can pass
 * it on (peek/consume), and writes only as much as room() allows. When
 * peek, eof or room may answer something new, the owner calls notify (from
 * the event loop, never from inside one of its own functions), and the
 * user pumps again. */
#ifndef SIX_CORE_PIPE_H
#define SIX_CORE_PIPE_H
#include <stdbool.h>
#include <stddef.h>

struct six_pipe {
    /* set by the owner */
    void   (*open)(struct six_pipe *p);     /* the user takes the pipe: input may start to flow */
    size_t (*peek)(struct six_pipe *p, const void **data);  /* input bytes ready now (0: none) */
    void   (*consume)(struct six_pipe *p, size_t n);        /* n <= what peek said */
    bool   (*eof)(struct six_pipe *p);      /* the input ended and every byte was consumed */
    size_t (*room)(struct six_pipe *p);     /* bytes write() takes now */
    void   (*write)(struct six_pipe *p, const void *data, size_t n);   /* n <= room() */
    /* set by the user when it takes the pipe (at once, before open()): the
     * owner then knows the command streams; cleared when it lets go */
    void (*notify)(void *arg);
    void *notify_arg;
};

#endif
