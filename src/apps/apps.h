/* Dual-stack applications inside the stack (issue 3, item 5): an echo
 * service, an HTTP/1.1 static file server and client, and the nc probes.
 * They use only the public socket API (include/six/socket.h) and run in the
 * stack's own process (sixd, a sim test).
 *
 * The framework: an app_sock wraps a socket descriptor. The stack calls the
 * socket's readiness callback from its input path; the framework only notes
 * the socket as ready there and arms a zero-delay timer on the stack's wheel.
 * When that timer fires (outside the input path) each ready app_sock's
 * handler runs with the socket's current readiness from six_poll(), so a
 * handler may recv, send, accept and close freely without re-entering the
 * stack from inside itself. Handlers see level-triggered readiness: a handler
 * that leaves work undone calls app_sock_kick() (or waits for the next
 * callback). Timeouts are plain stack timers owned by each app.
 *
 * Per stack state hangs off st->apps and is freed by apps_destroy(), called
 * by six_stack_destroy() before the transport goes. */
#ifndef SIX_APPS_APPS_H
#define SIX_APPS_APPS_H
#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include "core/timer.h"
#include "core/pipe.h"

#define APPS_WHY_MAX 320              /* failure texts: room for a name and the addresses tried */

struct six_stack;
struct apps;
struct app_sock;

typedef void (*app_sock_fn)(struct app_sock *as, short revents);

struct app_sock {
    struct six_stack *st;
    int sd;                       /* -1 when closed */
    app_sock_fn fn;
    void *ctx;
    bool queued;
    struct app_sock *rnext, *rprev;   /* ready queue */
};

/* The per-stack registry (created on first use). */
struct apps *apps_get(struct six_stack *st);
void apps_destroy(struct six_stack *st);

/* Register sd (callback installed). fn runs later, from the ready queue. */
void app_sock_init(struct app_sock *as, struct six_stack *st, int sd, app_sock_fn fn, void *ctx);
/* Schedule fn to run even without a callback from the stack. */
void app_sock_kick(struct app_sock *as);
/* Remove the callback, take it off the ready queue, six_close() it. */
void app_sock_close(struct app_sock *as);
/* Take it off the ready queue and remove the callback, without closing sd. */
void app_sock_detach(struct app_sock *as);

/* "2001:db8::1", "fe80::1%eth0", "192.0.2.1" + port → sockaddr (AF_INET6 or
 * AF_INET); 0 or -1 (not a literal address). */
int apps_parse_addr(struct six_stack *st, const char *s, uint16_t port, struct sockaddr_storage *ss,
                    socklen_t *len);
/* A host name the resolver may be asked about: letters, digits, '-', '_'
 * and dots, at most APPS_NAME_MAX characters (what is not a literal address
 * and not this is a typo worth a usage error). */
#define APPS_NAME_MAX 253
bool apps_host_name_ok(const char *s);
/* "[addr]:port" / "a.b.c.d:port" text of a sockaddr; IPv4-mapped shown as such. */
const char *apps_sa_str(const struct sockaddr *sa, char *buf, size_t n);
/* A non-blocking dual-stack socket: AF_INET6 with IPV6_V6ONLY off, bound to
 * [::]:port; SOCK_STREAM ones listen. Returns sd or -1 with errno. */
int apps_dual_socket(struct six_stack *st, int type, uint16_t port, int backlog);

/* ------------------------------------------------------------ services */

#define ECHO_DEFAULT_PORT   7
#define ECHO_MAX_CONNS      256
#define ECHO_IDLE_MS        300000u

#define HTTPD_DEFAULT_PORT  80
#define HTTPD_MAX_CONNS     256
#define HTTPD_MAX_HEADER    8192
#define HTTPD_IDLE_MS       30000u
#define HTTPD_CHUNK         65536

struct svc_info {
    bool running;
    uint16_t port;
    unsigned conns, total;        /* open now, accepted since start */
    unsigned long long bytes;     /* echoed / served */
    unsigned long long requests;  /* http */
    unsigned udp_datagrams;       /* echo */
    char root[256];               /* http */
};

/* 0 or -errno (EADDRINUSE, EALREADY if running, ...). */
int echo_start(struct six_stack *st, uint16_t port);
int echo_stop(struct six_stack *st);
void echo_info(struct six_stack *st, struct svc_info *i);

int httpd_start(struct six_stack *st, uint16_t port, const char *root);
int httpd_stop(struct six_stack *st);
void httpd_info(struct six_stack *st, struct svc_info *i);

/* ------------------------------------------------------------ clients */

/* One HTTP GET: done() is called exactly once (never from inside
 * http_get_start) unless http_get_cancel() comes first. A host name in the
 * URL is looked up with the stack's resolver and its addresses are tried in
 * turn (app_dial_start); the lookup is part of the handle, cancelled with it. */
struct http_result {
    int status;                   /* HTTP status, 0 if none was received */
    int err;                      /* errno-style failure (0 ok) */
    char why[APPS_WHY_MAX];       /* failure text */
    unsigned long long body_len;
    unsigned char sha256[32];
    char reason[64];              /* HTTP reason phrase */
};
typedef void (*http_done_fn)(void *arg, const struct http_result *r);
struct http_get_params {
    const char *url;
    int out_fd;                   /* body goes here (-1: to body_fn or nowhere) */
    void (*body_fn)(void *arg, const void *data, size_t len);
    unsigned timeout_ms;          /* whole transfer (lookup and connects included), 0: 60 s */
};
/* Returns a handle, or NULL with r->why set (bad URL, socket failure). */
struct http_get *http_get_start(struct six_stack *st, const struct http_get_params *p, http_done_fn done,
                                void *arg, struct http_result *r);
void http_get_cancel(struct http_get *g);

/* A URL taken apart: http://[v6]:port/path, http://a.b.c.d:port/path or
 * http://name:port/path. */
struct http_url {
    bool literal;                 /* ss / sslen hold the address; else name is to be resolved */
    char name[APPS_NAME_MAX + 1]; /* the host as given (a literal without brackets, zone decoded) */
    uint16_t port;
    struct sockaddr_storage ss;
    socklen_t sslen;
    char host[APPS_NAME_MAX + 8]; /* the Host header: the URL's authority, zone left out */
    char path[900];
};
/* 0, or -1 with why. */
int http_parse_url(struct six_stack *st, const char *url, struct http_url *u, char *why, size_t whyn);

/* nc: one TCP exchange or one UDP datagram (+ reply), or a listen for the
 * first message. data_fn gets every byte received; done() once at the end
 * (never from inside nc_start). */
struct nc_params {
    bool udp, listen, half_close;
    bool anc;                     /* UDP listen: report RFC 3542 ancillary data in result.anc */
    struct sockaddr_storage to;   /* connect/send modes, when name is NULL */
    socklen_t tolen;
    const char *name;             /* connect/send modes: a host name to resolve instead of to: TCP tries
                                   * its addresses in turn, UDP sends to the first */
    uint16_t port;                /* listen mode; the port of name */
    const void *text;
    size_t text_len;
    unsigned wait_ms;
    /* Stream mode (TCP): instead of text, the connection is joined to this
     * pipe (sixctl's standard input and output) until the peer closes: the
     * pipe's input goes out, its end shuts our sending side; what comes in
     * goes to the pipe; data_fn is not called. wait_ms bounds the connect
     * (listen: the wait for a connection; 0: none), idle_ms the time without
     * a byte either way once connected (0: none). Cancelling resets the
     * connection (SO_LINGER 0). */
    struct six_pipe *pipe;
    unsigned idle_ms;
};
struct nc_result {
    int err;                      /* 0 ok */
    bool got_reply;
    char why[APPS_WHY_MAX];
    char peer[80];                /* listen: who sent */
    char anc[128];                /* UDP listen with anc: "to ADDR ifindex N hoplimit N tclass N" */
    unsigned long long bytes;
};
typedef void (*nc_data_fn)(void *arg, const void *data, size_t len);
typedef void (*nc_done_fn)(void *arg, const struct nc_result *r);
struct nc_op *nc_start(struct six_stack *st, const struct nc_params *p, nc_data_fn data, nc_done_fn done,
                       void *arg, struct nc_result *r);
void nc_cancel(struct nc_op *op);

#endif
