/* sixd's control protocol, spoken over an AF_UNIX SOCK_STREAM socket.
 *
 * Every message is a frame: an 8-byte header then the payload.
 *
 *   0      4      5      6      8
 *   +------+------+------+------+---------------------+
 *   | len  | type | ver  | 0 0  | payload (len bytes) |
 *   +------+------+------+------+---------------------+
 *   len: payload length, big-endian, <= CTL_MAX_PAYLOAD; ver = CTL_VERSION.
 *
 * Client → sixd: one CTL_REQ frame per command:
 *   payload = flags (u32 BE, CTL_F_*) | argc (u32 BE, 1..CTL_MAX_ARGC)
 *             | argc NUL-terminated strings, nothing after the last one.
 * sixd → client, for each request in order: any number of CTL_OUT (stdout
 *   text) and CTL_ERR (stderr text) frames, then exactly one CTL_EXIT frame
 *   (payload: status, u32 BE). A connection may carry several requests one
 *   after the other. A malformed request gets CTL_ERR + CTL_EXIT(2) and the
 *   connection is closed. A client may shutdown(SHUT_WR) after its last
 *   request: every complete request is still answered, then sixd closes.
 *
 * PF_KEY (RFC 2367) rides on the same connection (sixkey(8), key managers):
 *   CTL_PFKEY         payload = one PF_KEY v2 message exactly as a PF_KEY
 *                     socket carries it (host byte order, wire/pfkey.h).
 *                     sixd answers with the reply message(s) as CTL_PFKEY
 *                     frames (a refusal is a reply with sadb_msg_errno set,
 *                     its plain reason in a CTL_ERR frame), then CTL_EXIT:
 *                     0 when the request was done, 1 when refused.
 *   CTL_PFKEY_BEGIN   (empty) open a batch: the CTL_PFKEY frames that
 *                     follow are kept, not yet looked at, each answered
 *                     with CTL_EXIT(0) alone (at most 8192 messages and
 *                     4 MiB, else COMMIT refuses the batch: E2BIG);
 *   CTL_PFKEY_COMMIT  (empty) apply the batch as one transaction: the
 *                     replies of every message, then CTL_EXIT(0); or, at
 *                     the first refusal, nothing of the batch stays, the
 *                     answer is that message's error reply, CTL_ERR and
 *                     CTL_EXIT(1);
 *   CTL_PFKEY_ABORT   (empty) drop the batch.  Closing the connection (or
 *                     only its sending side) drops it too.
 * A connection that sent REGISTER also receives unsolicited CTL_PFKEY
 * frames (ACQUIRE, EXPIRE; sadb_msg_pid 0) between any two frames of
 * answers.  A frame that cannot carry a PF_KEY message (payload over
 * CTL_MAX_PAYLOAD, BEGIN/COMMIT/ABORT with a payload) is a malformed
 * request.
 *
 * Streams (`sixctl nc HOST PORT < file`): a command may connect the
 * client's standard input and output to something in the stack (nc's TCP
 * connection). A client that can stream sets CTL_F_STREAM on its request;
 * a command that does not stream ignores it and answers as always.
 *   sixd → client  CTL_STREAM (empty): the command has taken the stream
 *                  (nc: the connection is up); only now may the client send.
 *                  Then CTL_DATA frames (1..CTL_MAX_DATA bytes, for its
 *                  standard output) and, as for every request, CTL_ERR
 *                  text and one CTL_EXIT, which ends the command and the
 *                  stream (nc: the peer closed and everything it sent is in
 *                  the DATA frames before the EXIT; or an error).
 *   client → sixd  CTL_DATA frames (1..CTL_MAX_DATA bytes of its standard
 *                  input), then one CTL_EOF (empty): its input ended (nc
 *                  shuts the connection's sending side; shutting the
 *                  socket's sending side says the same). A client that
 *                  stops after CTL_EXIT may simply close; one that keeps
 *                  the connection for more requests sends CTL_EOF first:
 *                  DATA frames that arrive after the command's EXIT are
 *                  dropped up to that EOF (ctl.stream_data_late).
 *   DATA or EOF without an open stream, DATA after EOF, an empty or
 *   oversized DATA frame or a non-empty STREAM/EOF is a malformed request.
 *   Closing the connection while the command runs aborts it (nc resets
 *   its TCP connection, ctl.stream_aborted).
 * Flow control is the stream socket's own, with bounded buffers and no
 * extra frames: sixd takes a client's DATA frame off the socket only when
 * its input buffer (SIXD_STREAM_IN_MAX) has room, which fills only as fast
 * as the TCP connection takes bytes, so a fast stdin waits in the client's
 * socket buffer; sixd reads from the TCP connection only while its queue
 * towards the client holds less than SIXD_STREAM_OUT_MAX, so a client that
 * does not read closes the TCP window, not sixd's memory. A client must
 * keep reading while it waits to write (sixctl polls both). A running
 * stream has no idle timeout on the control connection (nc -w sets one on
 * the TCP connection).
 *
 * The encoders and decoders are pure (no I/O); the ctl_io_* helpers do
 * blocking I/O for clients. */
#ifndef SIX_CTL_CTLPROTO_H
#define SIX_CTL_CTLPROTO_H
#include <stddef.h>
#include <stdint.h>
#include "ctl/cmd.h"

#define CTL_VERSION      1
#define CTL_HDR_LEN      8u
#define CTL_MAX_PAYLOAD  65536u          /* any frame, request or response */
#define CTL_MAX_ARGC     CMD_MAX_ARGS
#define CTL_MAX_ARG_LEN  4096u           /* one argument */

enum ctl_type {
    CTL_REQ  = 1,
    CTL_OUT  = 2,
    CTL_ERR  = 3,
    CTL_EXIT = 4,
    CTL_PFKEY = 5,
    CTL_PFKEY_BEGIN = 6,
    CTL_PFKEY_COMMIT = 7,
    CTL_PFKEY_ABORT = 8,
    CTL_STREAM = 9,                      /* sixd → client: the command streams */
    CTL_DATA = 10,                       /* both ways: stream bytes */
    CTL_EOF = 11,                        /* client → sixd: end of its input */
};
#define CTL_TYPE_MAX CTL_EOF
#define CTL_MAX_DATA 16384u              /* payload of one CTL_DATA frame */

#define CTL_F_JSON   1u                  /* -j */
#define CTL_F_STREAM 2u                  /* the client can stream (CTL_STREAM) */
#define CTL_F_ALL  (CTL_F_JSON | CTL_F_STREAM)   /* flags a peer may set */

/* A decoded request; argv points into the payload buffer it was decoded from. */
struct ctl_request {
    uint32_t flags;
    int argc;
    char *argv[CTL_MAX_ARGC + 1];        /* argv[argc] == NULL */
};

/* Decode errors (negative returns). */
#define CTL_E_AGAIN     0                /* need more bytes (not an error) */
#define CTL_E_VERSION  (-1)
#define CTL_E_TYPE     (-2)
#define CTL_E_TOOBIG   (-3)
#define CTL_E_ARGC     (-4)
#define CTL_E_STRING   (-5)              /* unterminated / too long / trailing bytes */
#define CTL_E_FLAGS    (-6)
#define CTL_E_LENGTH   (-7)              /* wrong payload size for the type */
#define CTL_E_IO       (-8)              /* ctl_io_*: read/write failed, errno set */
#define CTL_E_EOF      (-9)              /* ctl_io_*: peer closed */
const char *ctl_strerror(int e);

/* --- encoding: append whole frames to o (o->buf is a byte buffer here) --- */
/* 0, or CTL_E_ARGC / CTL_E_STRING / CTL_E_TOOBIG / CTL_E_FLAGS if it cannot be sent. */
int  ctl_encode_request(struct cmd_out *o, uint32_t flags, int argc, char *const *argv);
/* Text as one or more CTL_OUT / CTL_ERR frames (split at CTL_MAX_PAYLOAD). Empty text: nothing. */
void ctl_encode_text(struct cmd_out *o, enum ctl_type type, const char *s, size_t len);
void ctl_encode_exit(struct cmd_out *o, int status);
/* One frame with a binary payload (CTL_PFKEY...): 0, or CTL_E_TOOBIG. */
int  ctl_encode_frame(struct cmd_out *o, enum ctl_type type, const void *payload, size_t len);

/* Bytes as CTL_DATA frames of at most CTL_MAX_DATA. Empty: nothing. */
void ctl_encode_data(struct cmd_out *o, const void *data, size_t len);

/* --- decoding --- */
/* Look at the start of buf: if it holds a whole valid frame header and
 * payload, return the frame's total length (>0) with *type, *payload, *plen
 * set; CTL_E_AGAIN (0) if more bytes are needed; a negative CTL_E_* if the
 * header is bad (version, type, length over cap) — detected as soon as the
 * header is complete, before any payload is buffered. */
long ctl_frame_peek(const uint8_t *buf, size_t len, uint8_t *type,
                    const uint8_t **payload, uint32_t *plen);
/* Decode a CTL_REQ payload in place (strings stay in payload). 0 or CTL_E_*. */
int  ctl_decode_request(uint8_t *payload, uint32_t plen, struct ctl_request *r);
/* Check a stream frame's payload size (CTL_STREAM, CTL_DATA, CTL_EOF):
 * 0, CTL_E_LENGTH or CTL_E_TOOBIG; CTL_E_TYPE for any other type. */
int  ctl_check_stream_frame(uint8_t type, uint32_t plen);
/* Decode a CTL_EXIT payload. 0 or CTL_E_LENGTH. */
int  ctl_decode_exit(const uint8_t *payload, uint32_t plen, int *status);

/* --- blocking client I/O --- */
/* Connect to a sixd socket path; fd or -1 with errno set. */
int  ctl_io_connect(const char *path);
/* Write all of buf; 0 or CTL_E_IO. */
int  ctl_io_write_all(int fd, const void *buf, size_t len);
/* Read one frame into buf (cap >= CTL_HDR_LEN + CTL_MAX_PAYLOAD + 1); the
 * payload is NUL-terminated for convenience. 0 with *type and *plen set, or
 * CTL_E_EOF / CTL_E_IO / a header error. */
int  ctl_io_read_frame(int fd, uint8_t *buf, size_t cap, uint8_t *type, uint32_t *plen);
/* Send one request and read its whole answer: CTL_OUT text goes to out_fn,
 * CTL_ERR text to err_fn (each may be NULL), *status gets the exit status.
 * 0 or CTL_E_*. */
typedef void (*ctl_text_fn)(void *arg, const char *text, size_t len);
int  ctl_io_call(int fd, uint32_t flags, int argc, char *const *argv,
                 ctl_text_fn out_fn, ctl_text_fn err_fn, void *arg, int *status);
/* Send one frame of type (CTL_PFKEY, _BEGIN, _COMMIT, _ABORT) and read its
 * whole answer: CTL_PFKEY payloads go to msg_fn (unsolicited ones too),
 * CTL_OUT and CTL_ERR text to err_fn, *status gets the exit status.
 * 0 or CTL_E_*. */
typedef void (*ctl_msg_fn)(void *arg, const uint8_t *msg, size_t len);
int  ctl_io_pfkey(int fd, enum ctl_type type, const void *payload, size_t len,
                  ctl_msg_fn msg_fn, ctl_text_fn err_fn, void *arg, int *status);

/* Send one request with CTL_F_STREAM and read its whole answer. If the
 * command opens a stream (CTL_STREAM), bytes read from in_fd go to it
 * (CTL_DATA, then CTL_EOF at its end) and its CTL_DATA payloads go to
 * data_fn, while both directions are polled: waiting to send never stops
 * the reading. in_fd is not read before CTL_STREAM. CTL_OUT text goes to
 * out_fn, CTL_ERR to err_fn. Returns as ctl_io_call; data_fn returning
 * false gives CTL_E_IO with its errno (the caller then closes the
 * connection, which aborts the command). */
typedef bool (*ctl_data_fn)(void *arg, const uint8_t *data, size_t len);
int  ctl_io_call_stream(int fd, uint32_t flags, int argc, char *const *argv, int in_fd,
                        ctl_data_fn data_fn, ctl_text_fn out_fn, ctl_text_fn err_fn, void *arg,
                        int *status);

#endif
