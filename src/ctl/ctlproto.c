/* sixd control protocol: frame encode/decode and blocking client helpers.
 * See ctlproto.h for the wire layout. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include "ctl/ctlproto.h"

const char *ctl_strerror(int e)
{
    switch (e) {
    case CTL_E_AGAIN:   return "incomplete frame";
    case CTL_E_VERSION: return "unsupported protocol version";
    case CTL_E_TYPE:    return "unknown frame type";
    case CTL_E_TOOBIG:  return "frame too big";
    case CTL_E_ARGC:    return "bad argument count";
    case CTL_E_STRING:  return "malformed argument strings";
    case CTL_E_FLAGS:   return "unknown flags";
    case CTL_E_LENGTH:  return "bad frame length";
    case CTL_E_IO:      return "I/O error";
    case CTL_E_EOF:     return "connection closed";
    default:            return "unknown error";
    }
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);  p[3] = (uint8_t)v;
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Byte appends to a cmd_out (kept NUL-terminated like cmd_printf does). */
static void *grow(struct cmd_out *o, size_t n)
{
    if (o->len + n + 1 > o->cap) {
        size_t cap = o->cap ? o->cap : 256;
        while (cap < o->len + n + 1)
            cap *= 2;
        char *b = realloc(o->buf, cap);
        if (!b)
            abort();   /* control plane; see cmdline.c */
        o->buf = b;
        o->cap = cap;
    }
    void *p = o->buf + o->len;
    o->len += n;
    o->buf[o->len] = '\0';
    return p;
}

static uint8_t *frame_start(struct cmd_out *o, enum ctl_type type, uint32_t plen)
{
    uint8_t *h = grow(o, CTL_HDR_LEN + plen);
    put32(h, plen);
    h[4] = (uint8_t)type;
    h[5] = CTL_VERSION;
    h[6] = h[7] = 0;
    return h + CTL_HDR_LEN;
}

int ctl_encode_request(struct cmd_out *o, uint32_t flags, int argc, char *const *argv)
{
    if (flags & ~CTL_F_ALL)
        return CTL_E_FLAGS;
    if (argc < 1 || argc > CTL_MAX_ARGC)
        return CTL_E_ARGC;
    size_t plen = 8;
    for (int i = 0; i < argc; i++) {
        if (!argv[i])
            return CTL_E_STRING;
        size_t n = strlen(argv[i]);
        if (n > CTL_MAX_ARG_LEN)
            return CTL_E_STRING;
        plen += n + 1;
    }
    if (plen > CTL_MAX_PAYLOAD)
        return CTL_E_TOOBIG;
    uint8_t *p = frame_start(o, CTL_REQ, (uint32_t)plen);
    put32(p, flags);
    put32(p + 4, (uint32_t)argc);
    p += 8;
    for (int i = 0; i < argc; i++) {
        size_t n = strlen(argv[i]) + 1;
        memcpy(p, argv[i], n);
        p += n;
    }
    return 0;
}

void ctl_encode_text(struct cmd_out *o, enum ctl_type type, const char *s, size_t len)
{
    while (len > 0) {
        uint32_t n = len > CTL_MAX_PAYLOAD ? CTL_MAX_PAYLOAD : (uint32_t)len;
        memcpy(frame_start(o, type, n), s, n);
        s += n;
        len -= n;
    }
}

void ctl_encode_exit(struct cmd_out *o, int status)
{
    put32(frame_start(o, CTL_EXIT, 4), (uint32_t)status);
}

int ctl_encode_frame(struct cmd_out *o, enum ctl_type type, const void *payload, size_t len)
{
    if (len > CTL_MAX_PAYLOAD)
        return CTL_E_TOOBIG;
    uint8_t *p = frame_start(o, type, (uint32_t)len);
    if (len)
        memcpy(p, payload, len);
    return 0;
}

void ctl_encode_data(struct cmd_out *o, const void *data, size_t len)
{
    const uint8_t *d = data;
    while (len > 0) {
        uint32_t n = len > CTL_MAX_DATA ? CTL_MAX_DATA : (uint32_t)len;
        memcpy(frame_start(o, CTL_DATA, n), d, n);
        d += n;
        len -= n;
    }
}

int ctl_check_stream_frame(uint8_t type, uint32_t plen)
{
    switch (type) {
    case CTL_DATA:
        return plen == 0 ? CTL_E_LENGTH : plen > CTL_MAX_DATA ? CTL_E_TOOBIG : 0;
    case CTL_STREAM:
    case CTL_EOF:
        return plen == 0 ? 0 : CTL_E_LENGTH;
    default:
        return CTL_E_TYPE;
    }
}

long ctl_frame_peek(const uint8_t *buf, size_t len, uint8_t *type,
                    const uint8_t **payload, uint32_t *plen)
{
    if (len < CTL_HDR_LEN)
        return CTL_E_AGAIN;
    uint32_t n = get32(buf);
    if (buf[5] != CTL_VERSION || buf[6] != 0 || buf[7] != 0)
        return CTL_E_VERSION;
    if (buf[4] < CTL_REQ || buf[4] > CTL_TYPE_MAX)
        return CTL_E_TYPE;
    if (n > CTL_MAX_PAYLOAD)
        return CTL_E_TOOBIG;
    if (len < CTL_HDR_LEN + (size_t)n)
        return CTL_E_AGAIN;
    *type = buf[4];
    *payload = buf + CTL_HDR_LEN;
    *plen = n;
    return (long)(CTL_HDR_LEN + n);
}

int ctl_decode_request(uint8_t *payload, uint32_t plen, struct ctl_request *r)
{
    if (plen < 8 || plen > CTL_MAX_PAYLOAD)
        return CTL_E_LENGTH;
    uint32_t flags = get32(payload), argc = get32(payload + 4);
    if (flags & ~CTL_F_ALL)
        return CTL_E_FLAGS;
    if (argc < 1 || argc > CTL_MAX_ARGC)
        return CTL_E_ARGC;
    uint8_t *p = payload + 8, *end = payload + plen;
    for (uint32_t i = 0; i < argc; i++) {
        uint8_t *nul = memchr(p, '\0', (size_t)(end - p));
        if (!nul || (size_t)(nul - p) > CTL_MAX_ARG_LEN)
            return CTL_E_STRING;
        r->argv[i] = (char *)p;
        p = nul + 1;
    }
    if (p != end)
        return CTL_E_STRING;
    r->argv[argc] = NULL;
    r->argc = (int)argc;
    r->flags = flags;
    return 0;
}

int ctl_decode_exit(const uint8_t *payload, uint32_t plen, int *status)
{
    if (plen != 4)
        return CTL_E_LENGTH;
    uint32_t v = get32(payload);
    if (v > 255)
        return CTL_E_LENGTH;
    *status = (int)v;
    return 0;
}

/* ---- blocking client I/O ---- */

int ctl_io_connect(const char *path)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    if (strlen(path) >= sizeof sa.sun_path) {
        errno = ENAMETOOLONG;
        return -1;
    }
    strcpy(sa.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

int ctl_io_write_all(int fd, const void *buf, size_t len)
{
    const uint8_t *p = buf;
    while (len > 0) {
        ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return CTL_E_IO;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

static int read_full(int fd, uint8_t *p, size_t len, int eof_ok)
{
    size_t got = 0;
    while (got < len) {
        ssize_t n = read(fd, p + got, len - got);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return CTL_E_IO;
        }
        if (n == 0)
            return (got == 0 && eof_ok) ? CTL_E_EOF : CTL_E_IO;
        got += (size_t)n;
    }
    return 0;
}

int ctl_io_read_frame(int fd, uint8_t *buf, size_t cap, uint8_t *type, uint32_t *plen)
{
    if (cap < CTL_HDR_LEN + CTL_MAX_PAYLOAD + 1) {
        errno = EINVAL;
        return CTL_E_IO;
    }
    errno = 0;
    int r = read_full(fd, buf, CTL_HDR_LEN, 1);
    if (r < 0) {
        if (r == CTL_E_IO && errno == ECONNRESET)
            return CTL_E_EOF;
        if (r == CTL_E_IO && errno == 0)
            errno = EPROTO;   /* closed mid-header */
        return r;
    }
    const uint8_t *pl;
    long fl = ctl_frame_peek(buf, CTL_HDR_LEN, type, &pl, plen);
    if (fl < 0)
        return (int)fl;
    uint32_t n = (uint32_t)buf[0] << 24 | (uint32_t)buf[1] << 16 | (uint32_t)buf[2] << 8 | buf[3];
    if (n > 0) {
        errno = 0;
        r = read_full(fd, buf + CTL_HDR_LEN, n, 0);
        if (r < 0) {
            if (errno == 0)
                errno = EPROTO;   /* closed mid-frame */
            return r;
        }
    }
    fl = ctl_frame_peek(buf, CTL_HDR_LEN + n, type, &pl, plen);
    if (fl < 0)
        return (int)fl;
    buf[CTL_HDR_LEN + n] = '\0';
    return 0;
}

/* What a client does with one reply frame: > 0 keep reading, 0 the
 * exchange is over (CTL_EXIT decoded into *status), < 0 an error. */
struct reply_sink {
    ctl_text_fn out_fn, err_fn;     /* CTL_OUT / CTL_ERR text; NULL: dropped */
    bool out_to_err;                /* CTL_OUT goes to err_fn too (PF_KEY clients) */
    ctl_msg_fn msg_fn;              /* CTL_PFKEY messages; NULL: the frame is unexpected */
    void *arg;
    int *status;
};

static int take_reply(const struct reply_sink *k, uint8_t type, const uint8_t *pl, uint32_t plen)
{
    switch (type) {
    case CTL_OUT: {
        ctl_text_fn fn = k->out_to_err ? k->err_fn : k->out_fn;
        if (fn)
            fn(k->arg, (const char *)pl, plen);
        return 1;
    }
    case CTL_ERR:
        if (k->err_fn)
            k->err_fn(k->arg, (const char *)pl, plen);
        return 1;
    case CTL_PFKEY:
        if (!k->msg_fn)
            return CTL_E_TYPE;
        k->msg_fn(k->arg, pl, plen);
        return 1;
    case CTL_EXIT:
        return ctl_decode_exit(pl, plen, k->status);
    default:
        return CTL_E_TYPE;   /* requests and batch frames only go to sixd */
    }
}

/* Send the encoded request, then hand every reply frame to k until CTL_EXIT.
 * If sixd closed before the request could be sent (it refuses a connection
 * with a reason, e.g. a full table), that reason is still read and shown. */
static int exchange(int fd, struct cmd_out *req, int r, const struct reply_sink *k)
{
    bool encoded = r == 0;
    if (r == 0)
        r = ctl_io_write_all(fd, req->buf, req->len);
    cmd_out_free(req);
    int write_errno = errno;
    if (r < 0 && !(encoded && (errno == EPIPE || errno == ECONNRESET)))
        return r;
    int write_r = r;
    uint8_t *buf = malloc(CTL_HDR_LEN + CTL_MAX_PAYLOAD + 1);
    if (!buf) {
        errno = ENOMEM;
        return CTL_E_IO;
    }
    bool any = false;
    do {
        uint8_t type;
        uint32_t plen;
        r = ctl_io_read_frame(fd, buf, CTL_HDR_LEN + CTL_MAX_PAYLOAD + 1, &type, &plen);
        if (r >= 0) {
            any = true;
            r = take_reply(k, type, buf + CTL_HDR_LEN, plen);
        }
    } while (r > 0);
    free(buf);
    if (write_r < 0 && !any) {     /* nothing came back: the write's error is the story */
        errno = write_errno;
        return write_r;
    }
    return r;
}

int ctl_io_call(int fd, uint32_t flags, int argc, char *const *argv,
                ctl_text_fn out_fn, ctl_text_fn err_fn, void *arg, int *status)
{
    struct cmd_out req;
    cmd_out_init(&req);
    int r = ctl_encode_request(&req, flags, argc, argv);
    struct reply_sink k = { .out_fn = out_fn, .err_fn = err_fn, .arg = arg, .status = status };
    return exchange(fd, &req, r, &k);
}

int ctl_io_pfkey(int fd, enum ctl_type type, const void *payload, size_t len,
                 ctl_msg_fn msg_fn, ctl_text_fn err_fn, void *arg, int *status)
{
    struct cmd_out req;
    cmd_out_init(&req);
    int r = ctl_encode_frame(&req, type, payload, len);
    /* CTL_OUT text goes where errors go: a PF_KEY client prints no other text */
    struct reply_sink k = { .err_fn = err_fn, .out_to_err = true, .msg_fn = msg_fn, .arg = arg, .status = status };
    return exchange(fd, &req, r, &k);
}
