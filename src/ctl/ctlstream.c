/* The client's side of a stream (ctlproto.h, "Streams"): one request, then
 * standard input into CTL_DATA frames and CTL_DATA frames out, until
 * sixd's CTL_EXIT. One poll loop: the socket is always read (sixd stops
 * filling its queue when we stop reading, never the other way round), in_fd
 * only while nothing waits to be sent, so at most one frame is buffered on
 * our side. */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include "ctl/ctlproto.h"

#define RX_CAP (CTL_HDR_LEN + CTL_MAX_PAYLOAD + 1)

struct sclient {
    int fd, in_fd;
    struct cmd_out tx;          /* encoded frames not yet sent */
    size_t txoff;
    bool tx_dead;               /* sixd stopped reading (EPIPE): keep reading its answer */
    uint8_t *rx;
    size_t rlen;
    bool streaming;             /* CTL_STREAM came */
    bool in_done;               /* CTL_EOF queued */
    ctl_data_fn data_fn;
    ctl_text_fn out_fn, err_fn;
    void *arg;
    int *status;
};

/* Read one chunk of standard input into a DATA frame (or, at its end, EOF). */
static void read_input(struct sclient *c)
{
    uint8_t buf[CTL_MAX_DATA];
    ssize_t n;
    do
        n = read(c->in_fd, buf, sizeof buf);
    while (n < 0 && errno == EINTR);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
        return;
    if (n > 0) {
        ctl_encode_data(&c->tx, buf, (size_t)n);
        return;
    }
    if (n < 0 && c->err_fn) {
        static const char m[] = "reading standard input failed: treated as its end\n";
        c->err_fn(c->arg, m, sizeof m - 1);
    }
    (void)ctl_encode_frame(&c->tx, CTL_EOF, NULL, 0);
    c->in_done = true;
}

static void send_some(struct sclient *c)
{
    ssize_t n = send(c->fd, c->tx.buf + c->txoff, c->tx.len - c->txoff, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0) {
        if (errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK)
            c->tx_dead = true;  /* sixd closed: what it said before is still to be read */
        return;
    }
    c->txoff += (size_t)n;
    if (c->txoff == c->tx.len) {
        cmd_out_reset(&c->tx);
        c->txoff = 0;
    }
}

/* One frame from sixd: > 0 go on, 0 CTL_EXIT came, < 0 an error. */
static int take_frame(struct sclient *c, uint8_t type, const uint8_t *pl, uint32_t plen)
{
    switch (type) {
    case CTL_OUT:
        if (c->out_fn)
            c->out_fn(c->arg, (const char *)pl, plen);
        return 1;
    case CTL_ERR:
        if (c->err_fn)
            c->err_fn(c->arg, (const char *)pl, plen);
        return 1;
    case CTL_STREAM:
        if (c->streaming || ctl_check_stream_frame(type, plen))
            return CTL_E_LENGTH;
        c->streaming = true;
        return 1;
    case CTL_DATA:
        if (!c->streaming || ctl_check_stream_frame(type, plen))
            return CTL_E_LENGTH;
        if (!c->data_fn(c->arg, pl, plen))
            return CTL_E_IO;
        return 1;
    case CTL_EXIT:
        return ctl_decode_exit(pl, plen, c->status);
    default:
        return CTL_E_TYPE;
    }
}

/* Read what the socket has and handle every whole frame: > 0 go on, 0 done, < 0 error. */
static int receive(struct sclient *c)
{
    ssize_t n = recv(c->fd, c->rx + c->rlen, RX_CAP - 1 - c->rlen, MSG_DONTWAIT);
    if (n < 0)
        return errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK ? 1
             : errno == ECONNRESET ? CTL_E_EOF : CTL_E_IO;
    if (n == 0) {
        if (c->rlen)
            errno = EPROTO;   /* closed mid-frame */
        return c->rlen ? CTL_E_IO : CTL_E_EOF;
    }
    c->rlen += (size_t)n;
    size_t off = 0;
    int r = 1;
    while (r > 0) {
        uint8_t type;
        const uint8_t *pl;
        uint32_t plen;
        long fl = ctl_frame_peek(c->rx + off, c->rlen - off, &type, &pl, &plen);
        if (fl == CTL_E_AGAIN)
            break;
        if (fl < 0)
            return (int)fl;
        r = take_frame(c, type, pl, plen);
        off += (size_t)fl;
    }
    memmove(c->rx, c->rx + off, c->rlen - off);
    c->rlen -= off;
    return r;
}

static int run(struct sclient *c)
{
    for (;;) {
        bool tx_pending = !c->tx_dead && c->txoff < c->tx.len;
        struct pollfd p[2] = {
            { .fd = c->fd, .events = (short)(POLLIN | (tx_pending ? POLLOUT : 0)) },
            { .fd = c->streaming && !c->in_done && !tx_pending && !c->tx_dead ? c->in_fd : -1,
              .events = POLLIN },
        };
        if (poll(p, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            return CTL_E_IO;
        }
        if (p[1].revents)
            read_input(c);     /* POLLHUP/POLLNVAL too: read() says EOF or the error */
        if (p[0].revents & POLLOUT)
            send_some(c);
        if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
            int r = receive(c);
            if (r <= 0)
                return r;
        }
    }
}

int ctl_io_call_stream(int fd, uint32_t flags, int argc, char *const *argv, int in_fd,
                       ctl_data_fn data_fn, ctl_text_fn out_fn, ctl_text_fn err_fn, void *arg,
                       int *status)
{
    struct sclient c = { .fd = fd, .in_fd = in_fd, .data_fn = data_fn, .out_fn = out_fn,
                         .err_fn = err_fn, .arg = arg, .status = status };
    cmd_out_init(&c.tx);
    int r = ctl_encode_request(&c.tx, flags | CTL_F_STREAM, argc, argv);
    if (r < 0) {
        cmd_out_free(&c.tx);
        return r;
    }
    c.rx = malloc(RX_CAP);
    if (!c.rx) {
        cmd_out_free(&c.tx);
        errno = ENOMEM;
        return CTL_E_IO;
    }
    r = run(&c);
    int e = errno;
    free(c.rx);
    cmd_out_free(&c.tx);
    errno = e;
    return r;
}
