/* Control protocol frames (src/ctl/ctlproto.c): round trips, and every
 * malformed frame rejected without crashing. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <stdio.h>
#include <unistd.h>
#include <sys/socket.h>
#include "../lib/t.h"
#include "ctl/ctlproto.h"

TEST(request_roundtrip)
{
    struct cmd_out o;
    cmd_out_init(&o);
    char *av[] = { "link", "add", "tap0", "type", "tap", "", "with space", NULL };
    T_EQ(ctl_encode_request(&o, CTL_F_JSON, 7, av), 0);
    uint8_t type; const uint8_t *pl; uint32_t plen;
    /* every proper prefix says "need more" */
    for (size_t i = 0; i < o.len; i++)
        T_EQ(ctl_frame_peek((uint8_t *)o.buf, i, &type, &pl, &plen), CTL_E_AGAIN);
    T_EQ(ctl_frame_peek((uint8_t *)o.buf, o.len, &type, &pl, &plen), (long)o.len);
    T_EQ(type, CTL_REQ);
    struct ctl_request r;
    T_EQ(ctl_decode_request((uint8_t *)pl, plen, &r), 0);
    T_EQ(r.argc, 7);
    T_EQ(r.flags, CTL_F_JSON);
    for (int i = 0; i < 7; i++)
        T_STREQ(r.argv[i], av[i]);
    T_CHECK(r.argv[7] == NULL);
    cmd_out_free(&o);
}

TEST(text_and_exit_roundtrip)
{
    struct cmd_out o;
    cmd_out_init(&o);
    size_t big = CTL_MAX_PAYLOAD * 2 + 10;
    char *s = malloc(big);
    for (size_t i = 0; i < big; i++)
        s[i] = (char)('a' + i % 26);
    ctl_encode_text(&o, CTL_OUT, s, big);
    ctl_encode_text(&o, CTL_ERR, "oops", 4);
    ctl_encode_text(&o, CTL_OUT, "", 0);         /* nothing */
    ctl_encode_exit(&o, 2);
    const uint8_t *p = (uint8_t *)o.buf, *end = p + o.len;
    size_t got = 0;
    int frames = 0, status = -1;
    while (p < end) {
        uint8_t type; const uint8_t *pl; uint32_t plen;
        long n = ctl_frame_peek(p, (size_t)(end - p), &type, &pl, &plen);
        T_CHECK(n > 0);
        if (n <= 0)
            break;
        frames++;
        if (type == CTL_OUT) {
            T_CHECK(plen <= CTL_MAX_PAYLOAD);
            T_CHECK(memcmp(pl, s + got, plen) == 0);
            got += plen;
        } else if (type == CTL_ERR) {
            T_EQ(plen, 4);
            T_CHECK(memcmp(pl, "oops", 4) == 0);
        } else if (type == CTL_EXIT) {
            T_EQ(ctl_decode_exit(pl, plen, &status), 0);
        }
        p += n;
    }
    T_EQ(got, big);
    T_EQ(frames, 5);
    T_EQ(status, 2);
    free(s);
    cmd_out_free(&o);
}

TEST(encode_refuses)
{
    struct cmd_out o;
    cmd_out_init(&o);
    char *av[CTL_MAX_ARGC + 2];
    for (int i = 0; i < CTL_MAX_ARGC + 1; i++)
        av[i] = "x";
    T_EQ(ctl_encode_request(&o, 0, 0, av), CTL_E_ARGC);
    T_EQ(ctl_encode_request(&o, 0, CTL_MAX_ARGC + 1, av), CTL_E_ARGC);
    T_EQ(ctl_encode_request(&o, 0, CTL_MAX_ARGC, av), 0);
    cmd_out_reset(&o);
    T_EQ(ctl_encode_request(&o, 0x80, 1, av), CTL_E_FLAGS);
    char *longarg = malloc(CTL_MAX_ARG_LEN + 2);
    memset(longarg, 'a', CTL_MAX_ARG_LEN + 1);
    longarg[CTL_MAX_ARG_LEN + 1] = 0;
    av[0] = longarg;
    T_EQ(ctl_encode_request(&o, 0, 1, av), CTL_E_STRING);
    longarg[CTL_MAX_ARG_LEN] = 0;     /* exactly the cap is fine */
    T_EQ(ctl_encode_request(&o, 0, 1, av), 0);
    cmd_out_reset(&o);
    for (int i = 0; i < CTL_MAX_ARGC; i++)
        av[i] = longarg;              /* 64 x 4 KiB > 64 KiB */
    T_EQ(ctl_encode_request(&o, 0, CTL_MAX_ARGC, av), CTL_E_TOOBIG);
    T_EQ(o.len, 0);
    free(longarg);
    cmd_out_free(&o);
}

static void hdr(uint8_t *b, uint32_t len, uint8_t type, uint8_t ver)
{
    b[0] = (uint8_t)(len >> 24); b[1] = (uint8_t)(len >> 16); b[2] = (uint8_t)(len >> 8); b[3] = (uint8_t)len;
    b[4] = type; b[5] = ver; b[6] = b[7] = 0;
}

TEST(bad_headers)
{
    uint8_t b[64] = {0}, type; const uint8_t *pl; uint32_t plen;
    hdr(b, 4, CTL_REQ, 2);
    T_EQ(ctl_frame_peek(b, 8, &type, &pl, &plen), CTL_E_VERSION);
    hdr(b, 4, 0, CTL_VERSION);
    T_EQ(ctl_frame_peek(b, 8, &type, &pl, &plen), CTL_E_TYPE);
    hdr(b, 4, CTL_TYPE_MAX + 1, CTL_VERSION);
    T_EQ(ctl_frame_peek(b, 8, &type, &pl, &plen), CTL_E_TYPE);
    hdr(b, CTL_MAX_PAYLOAD + 1, CTL_REQ, CTL_VERSION);   /* rejected from the header alone */
    T_EQ(ctl_frame_peek(b, 8, &type, &pl, &plen), CTL_E_TOOBIG);
    hdr(b, 0xffffffffu, CTL_REQ, CTL_VERSION);
    T_EQ(ctl_frame_peek(b, 8, &type, &pl, &plen), CTL_E_TOOBIG);
    hdr(b, 4, CTL_REQ, CTL_VERSION); b[7] = 1;
    T_EQ(ctl_frame_peek(b, 8, &type, &pl, &plen), CTL_E_VERSION);
}

static int dec(const void *payload, uint32_t len)
{
    uint8_t buf[256];
    struct ctl_request r;
    memcpy(buf, payload, len);
    return ctl_decode_request(buf, len, &r);
}

TEST(bad_requests)
{
    T_EQ(dec("", 0), CTL_E_LENGTH);
    T_EQ(dec("\0\0\0\0\0\0\0", 7), CTL_E_LENGTH);
    T_EQ(dec("\0\0\0\0\0\0\0\0", 8), CTL_E_ARGC);                       /* argc 0 */
    T_EQ(dec("\0\0\0\0\0\0\0\x41" "a", 10), CTL_E_ARGC);                /* argc 65 */
    T_EQ(dec("\0\0\0\0\xff\xff\xff\xff" "a", 10), CTL_E_ARGC);
    T_EQ(dec("\0\0\0\x04\0\0\0\x01" "a", 10), CTL_E_FLAGS);
    T_EQ(dec("\0\0\0\0\0\0\0\x01" "abc", 11), CTL_E_STRING);             /* no NUL */
    T_EQ(dec("\0\0\0\0\0\0\0\x02" "abc", 12), CTL_E_STRING);             /* one string short */
    T_EQ(dec("\0\0\0\0\0\0\0\x01" "abc\0x", 13), CTL_E_STRING);          /* trailing bytes */
    T_EQ(dec("\0\0\0\0\0\0\0\x01" "abc", 12), 0);
    T_EQ(dec("\0\0\0\0\0\0\0\x02" "\0\0", 10), 0);                       /* empty args ok */
    int st;
    T_EQ(ctl_decode_exit((const uint8_t *)"\0\0\0", 3, &st), CTL_E_LENGTH);
    T_EQ(ctl_decode_exit((const uint8_t *)"\0\0\x01\0", 4, &st), CTL_E_LENGTH);
    T_EQ(ctl_decode_exit((const uint8_t *)"\0\0\0\x7f", 4, &st), 0);
    T_EQ(st, 127);
}

/* Decoding random bytes never crashes and never reads past the end
 * (ASan would say so under make SAN=1). */
TEST(random_payloads)
{
    uint64_t x = 0x9e3779b97f4a7c15ull;
    for (int i = 0; i < 20000; i++) {
        uint8_t buf[64];
        uint32_t len = (uint32_t)(i % 64);
        for (uint32_t k = 0; k < len; k++) {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17;
            buf[k] = (uint8_t)x;
        }
        if (len >= 8) { buf[4] = buf[5] = buf[6] = 0; buf[7] = (uint8_t)(1 + x % 3); }
        uint8_t *heap = malloc(len ? len : 1);
        memcpy(heap, buf, len);
        struct ctl_request r;
        int rc = ctl_decode_request(heap, len, &r);
        if (rc == 0) {
            T_CHECK(r.argc >= 1 && r.argc <= CTL_MAX_ARGC);
            T_CHECK(r.argv[r.argc] == NULL);
        }
        uint8_t type; const uint8_t *pl; uint32_t plen;
        (void)ctl_frame_peek(heap, len, &type, &pl, &plen);
        free(heap);
    }
}

TEST(io_over_socketpair)
{
    int sv[2];
    T_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    struct cmd_out o;
    cmd_out_init(&o);
    ctl_encode_text(&o, CTL_OUT, "hello\n", 6);
    ctl_encode_text(&o, CTL_ERR, "bad", 3);
    ctl_encode_exit(&o, 1);
    T_EQ(ctl_io_write_all(sv[1], o.buf, o.len), 0);
    uint8_t *buf = malloc(CTL_HDR_LEN + CTL_MAX_PAYLOAD + 1);
    uint8_t type; uint32_t plen;
    T_EQ(ctl_io_read_frame(sv[0], buf, CTL_HDR_LEN + CTL_MAX_PAYLOAD + 1, &type, &plen), 0);
    T_EQ(type, CTL_OUT);
    T_STREQ((char *)buf + CTL_HDR_LEN, "hello\n");
    T_EQ(ctl_io_read_frame(sv[0], buf, CTL_HDR_LEN + CTL_MAX_PAYLOAD + 1, &type, &plen), 0);
    T_EQ(type, CTL_ERR);
    T_EQ(ctl_io_read_frame(sv[0], buf, CTL_HDR_LEN + CTL_MAX_PAYLOAD + 1, &type, &plen), 0);
    T_EQ(type, CTL_EXIT);
    /* a peer that closes mid-frame is an error, a clean close is EOF */
    T_EQ(ctl_io_write_all(sv[1], o.buf, 5), 0);
    close(sv[1]);
    T_EQ(ctl_io_read_frame(sv[0], buf, CTL_HDR_LEN + CTL_MAX_PAYLOAD + 1, &type, &plen), CTL_E_IO);
    T_EQ(ctl_io_read_frame(sv[0], buf, CTL_HDR_LEN + CTL_MAX_PAYLOAD + 1, &type, &plen), CTL_E_EOF);
    close(sv[0]);
    free(buf);
    cmd_out_free(&o);
}

/* PF_KEY frames: binary payloads both ways, batch frames empty. */
struct pk_got { size_t msgs, len; uint8_t last[64]; char err[64]; };

static void pk_msg(void *arg, const uint8_t *m, size_t len)
{
    struct pk_got *g = arg;
    g->msgs++;
    g->len = len;
    memcpy(g->last, m, len < sizeof g->last ? len : sizeof g->last);
}

static void pk_err(void *arg, const char *t, size_t len)
{
    struct pk_got *g = arg;
    snprintf(g->err, sizeof g->err, "%.*s", (int)len, t);
}

TEST(pfkey_frames)
{
    uint8_t msg[16] = { 2, 3, 0, 3, 2, 0, 0, 0, 1, 0, 0, 0, 9, 9, 0, 0 };
    uint8_t type; const uint8_t *pl; uint32_t plen;
    struct cmd_out o;
    cmd_out_init(&o);
    T_EQ(ctl_encode_frame(&o, CTL_PFKEY, msg, sizeof msg), 0);
    T_EQ(ctl_frame_peek((uint8_t *)o.buf, o.len, &type, &pl, &plen), (long)(CTL_HDR_LEN + sizeof msg));
    T_EQ(type, CTL_PFKEY);
    T_EQ(plen, sizeof msg);
    T_MEMEQ(pl, msg, sizeof msg);
    cmd_out_reset(&o);
    for (uint8_t t = CTL_PFKEY_BEGIN; t <= CTL_PFKEY_ABORT; t++) {
        T_EQ(ctl_encode_frame(&o, t, NULL, 0), 0);
        T_EQ(ctl_frame_peek((uint8_t *)o.buf, o.len, &type, &pl, &plen), (long)CTL_HDR_LEN);
        T_EQ(type, t);
        cmd_out_reset(&o);
    }
    static uint8_t big[CTL_MAX_PAYLOAD + 1];
    T_EQ(ctl_encode_frame(&o, CTL_PFKEY, big, sizeof big), CTL_E_TOOBIG);
    T_EQ(o.len, 0);

    /* a client exchange: sixd's answer is queued before the request goes */
    int sv[2];
    T_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    uint8_t reply[16];
    memcpy(reply, msg, sizeof reply);
    reply[2] = EEXIST;
    T_EQ(ctl_encode_frame(&o, CTL_PFKEY, reply, sizeof reply), 0);
    ctl_encode_text(&o, CTL_ERR, "exists\n", 7);
    ctl_encode_exit(&o, 1);
    T_EQ(ctl_io_write_all(sv[1], o.buf, o.len), 0);
    struct pk_got g = { 0 };
    int status = -1;
    T_EQ(ctl_io_pfkey(sv[0], CTL_PFKEY, msg, sizeof msg, pk_msg, pk_err, &g, &status), 0);
    T_EQ(status, 1);
    T_EQ(g.msgs, 1);
    T_EQ(g.len, 16);
    T_EQ(g.last[2], EEXIST);
    T_STREQ(g.err, "exists\n");
    uint8_t *buf = malloc(CTL_HDR_LEN + CTL_MAX_PAYLOAD + 1);
    T_EQ(ctl_io_read_frame(sv[1], buf, CTL_HDR_LEN + CTL_MAX_PAYLOAD + 1, &type, &plen), 0);
    T_EQ(type, CTL_PFKEY);
    T_EQ(plen, sizeof msg);
    T_MEMEQ(buf + CTL_HDR_LEN, msg, sizeof msg);
    free(buf);
    close(sv[0]);
    close(sv[1]);
    cmd_out_free(&o);
}

/* ---- streams (ctlproto.h, "Streams") ---- */

TEST(stream_frames)
{
    static uint8_t big[CTL_MAX_DATA * 2 + 5];
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = (uint8_t)(i * 7);
    struct cmd_out o;
    cmd_out_init(&o);
    ctl_encode_data(&o, big, sizeof big);
    ctl_encode_data(&o, big, 0);                      /* nothing */
    T_EQ(ctl_encode_frame(&o, CTL_EOF, NULL, 0), 0);
    const uint8_t *p = (uint8_t *)o.buf, *end = p + o.len;
    size_t got = 0;
    int frames = 0, eofs = 0;
    while (p < end) {
        uint8_t type; const uint8_t *pl; uint32_t plen;
        long n = ctl_frame_peek(p, (size_t)(end - p), &type, &pl, &plen);
        T_CHECK(n > 0);
        if (n <= 0)
            break;
        T_EQ(ctl_check_stream_frame(type, plen), 0);
        if (type == CTL_DATA) {
            T_CHECK(plen >= 1 && plen <= CTL_MAX_DATA);
            T_MEMEQ(pl, big + got, plen);
            got += plen;
            frames++;
        } else {
            T_EQ(type, CTL_EOF);
            eofs++;
        }
        p += n;
    }
    T_EQ(got, sizeof big);
    T_EQ(frames, 3);
    T_EQ(eofs, 1);
    /* sizes: DATA 1..CTL_MAX_DATA, STREAM and EOF empty, nothing else is a stream frame */
    T_EQ(ctl_check_stream_frame(CTL_DATA, 0), CTL_E_LENGTH);
    T_EQ(ctl_check_stream_frame(CTL_DATA, 1), 0);
    T_EQ(ctl_check_stream_frame(CTL_DATA, CTL_MAX_DATA), 0);
    T_EQ(ctl_check_stream_frame(CTL_DATA, CTL_MAX_DATA + 1), CTL_E_TOOBIG);
    T_EQ(ctl_check_stream_frame(CTL_STREAM, 0), 0);
    T_EQ(ctl_check_stream_frame(CTL_STREAM, 1), CTL_E_LENGTH);
    T_EQ(ctl_check_stream_frame(CTL_EOF, 0), 0);
    T_EQ(ctl_check_stream_frame(CTL_EOF, 4), CTL_E_LENGTH);
    for (uint8_t t = CTL_REQ; t <= CTL_PFKEY_ABORT; t++)
        T_EQ(ctl_check_stream_frame(t, 4), CTL_E_TYPE);
    /* the flag travels; an unknown one still does not */
    cmd_out_reset(&o);
    char *av[] = { "nc", "h", "1" };
    T_EQ(ctl_encode_request(&o, CTL_F_STREAM | CTL_F_JSON, 3, av), 0);
    uint8_t type; const uint8_t *pl; uint32_t plen;
    T_CHECK(ctl_frame_peek((uint8_t *)o.buf, o.len, &type, &pl, &plen) > 0);
    struct ctl_request r;
    T_EQ(ctl_decode_request((uint8_t *)pl, plen, &r), 0);
    T_EQ(r.flags, CTL_F_STREAM | CTL_F_JSON);
    T_EQ(ctl_encode_request(&o, 4, 3, av), CTL_E_FLAGS);
    cmd_out_free(&o);
}

/* A fake sixd in a child process, on one end of a socketpair: reads the
 * request, then plays `mode`:
 *   'e' stream and echo every DATA frame back (flipped bits) until EOF, EXIT 0
 *   'n' no stream: OUT text and EXIT 3, never a CTL_STREAM
 *   'd' DATA before CTL_STREAM (a broken sixd)
 * Exits 0 if what it read was right (the request had CTL_F_STREAM). */
static void fake_sixd(int fd, char mode)
{
    uint8_t *buf = malloc(CTL_HDR_LEN + CTL_MAX_PAYLOAD + 1);
    uint8_t type; uint32_t plen;
    struct cmd_out o;
    cmd_out_init(&o);
    if (ctl_io_read_frame(fd, buf, CTL_HDR_LEN + CTL_MAX_PAYLOAD + 1, &type, &plen) || type != CTL_REQ)
        _exit(10);
    struct ctl_request r;
    if (ctl_decode_request(buf + CTL_HDR_LEN, plen, &r) || !(r.flags & CTL_F_STREAM))
        _exit(11);
    if (mode == 'n') {
        ctl_encode_text(&o, CTL_OUT, "plain\n", 6);
        ctl_encode_exit(&o, 3);
        _exit(ctl_io_write_all(fd, o.buf, o.len) ? 12 : 0);
    }
    if (mode == 'd') {
        ctl_encode_data(&o, "x", 1);
        ctl_encode_exit(&o, 0);
        _exit(ctl_io_write_all(fd, o.buf, o.len) ? 12 : 0);
    }
    ctl_encode_frame(&o, CTL_STREAM, NULL, 0);
    if (ctl_io_write_all(fd, o.buf, o.len))
        _exit(13);
    for (;;) {
        if (ctl_io_read_frame(fd, buf, CTL_HDR_LEN + CTL_MAX_PAYLOAD + 1, &type, &plen))
            _exit(14);
        if (ctl_check_stream_frame(type, plen))
            _exit(15);
        cmd_out_reset(&o);
        if (type == CTL_EOF) {
            ctl_encode_exit(&o, 0);
            _exit(ctl_io_write_all(fd, o.buf, o.len) ? 16 : 0);
        }
        for (uint32_t i = 0; i < plen; i++)
            buf[CTL_HDR_LEN + i] ^= 0xff;
        ctl_encode_data(&o, buf + CTL_HDR_LEN, plen);
        if (ctl_io_write_all(fd, o.buf, o.len))
            _exit(17);
    }
}

struct sink { uint8_t *buf; size_t len, cap; char text[64]; };

static bool sink_data(void *arg, const uint8_t *d, size_t n)
{
    struct sink *k = arg;
    if (k->len + n > k->cap)
        return false;
    memcpy(k->buf + k->len, d, n);
    k->len += n;
    return true;
}

static void sink_text(void *arg, const char *t, size_t n)
{
    struct sink *k = arg;
    snprintf(k->text + strlen(k->text), sizeof k->text - strlen(k->text), "%.*s", (int)n, t);
}

/* Run ctl_io_call_stream against fake_sixd(mode) with in_fd reading `in`. */
static int stream_call(char mode, const uint8_t *in, size_t inlen, struct sink *k, int *status, off_t *in_pos)
{
    char path[] = "/tmp/test_ctlproto.XXXXXX";
    int in_fd = mkstemp(path);
    unlink(path);
    if (in_fd < 0 || write(in_fd, in, inlen) != (ssize_t)inlen || lseek(in_fd, 0, SEEK_SET) != 0)
        return -100;
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
        return -101;
    pid_t pid = fork();
    if (pid == 0) {
        close(sv[0]);
        fake_sixd(sv[1], mode);
    }
    close(sv[1]);
    char *av[] = { "nc", "h", "1" };
    int r = ctl_io_call_stream(sv[0], 0, 3, av, in_fd, sink_data, sink_text, sink_text, k, status);
    close(sv[0]);
    *in_pos = lseek(in_fd, 0, SEEK_CUR);
    close(in_fd);
    int ws = 0;
    waitpid(pid, &ws, 0);
    if (!WIFEXITED(ws) || WEXITSTATUS(ws) != 0)
        fprintf(stderr, "  fake sixd: exit %d\n", WIFEXITED(ws) ? WEXITSTATUS(ws) : -1);
    return r;
}

/* 3 MB echoed while it is still being sent: the client must read while it
 * waits to write (a client that wrote everything first would block with
 * the fake sixd blocked on its echo). */
TEST(client_stream_echo)
{
    size_t n = 3u << 20;
    uint8_t *in = malloc(n);
    for (size_t i = 0; i < n; i++)
        in[i] = (uint8_t)(i * 131 + (i >> 12));
    struct sink k = { .buf = malloc(n), .cap = n };
    int status = -1;
    off_t pos;
    T_EQ(stream_call('e', in, n, &k, &status, &pos), 0);
    T_EQ(status, 0);
    T_EQ(k.len, n);
    bool same = k.len == n;
    for (size_t i = 0; same && i < n; i++)
        same = k.buf[i] + in[i] == 255;   /* each byte came back flipped */
    T_CHECK(same);
    T_EQ(pos, (off_t)n);
    free(in);
    free(k.buf);
}

/* A command that does not stream: standard input is never read. */
TEST(client_no_stream)
{
    struct sink k = { .buf = malloc(16), .cap = 16 };
    int status = -1;
    off_t pos = -1;
    T_EQ(stream_call('n', (const uint8_t *)"unread", 6, &k, &status, &pos), 0);
    T_EQ(status, 3);
    T_STREQ(k.text, "plain\n");
    T_EQ(k.len, 0);
    T_EQ(pos, 0);
    /* DATA before CTL_STREAM is a protocol error, and nothing is written */
    k.text[0] = 0;
    T_EQ(stream_call('d', (const uint8_t *)"unread", 6, &k, &status, &pos), CTL_E_LENGTH);
    T_EQ(k.len, 0);
    free(k.buf);
}

int main(void)
{
    RUN(request_roundtrip);
    RUN(text_and_exit_roundtrip);
    RUN(encode_refuses);
    RUN(bad_headers);
    RUN(bad_requests);
    RUN(random_payloads);
    RUN(io_over_socketpair);
    RUN(pfkey_frames);
    RUN(stream_frames);
    RUN(client_stream_echo);
    RUN(client_no_stream);
    return t_done();
}
