/* sixd internals: the daemon's pieces (main.c, config.c, control.c). */
#ifndef SIX_SIXD_SIXD_H
#define SIX_SIXD_SIXD_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct six_stack;
struct evloop;
struct pfkey_srv;
struct cfg_state;
struct cmd_host;
struct sixd_metrics;

struct sixd {
    struct six_stack *st;
    struct evloop *ev;
    const char *sock_path;      /* absolute */
    int listen_fd;
    bool stopping;
    struct pfkey_srv *pfkey;    /* PF_KEY on the control socket (pfkey.c) */
    unsigned ctl_request_timeout_ms;   /* a control connection's first complete request */
    unsigned ctl_idle_timeout_ms;      /* no progress on a control connection (0: never) */
    struct cfg_state *cfg;             /* -c FILE as applied, for reloads (config.c) */
    char *state_dir;                 /* state.c: the state directory in use, NULL: none */
    const struct cmd_host *host;       /* what commands reach of sixd (ctl/cmd.h), set by sixd_metrics_init */
    struct sixd_metrics *metrics;      /* the HTTP /metrics endpoint (metrics.c) */
};

#define SIXD_CTL_REQUEST_TIMEOUT_MS 10000u
#define SIXD_CTL_IDLE_TIMEOUT_MS    60000u

/* main.c: epoll timeout until the stack's next timer (ms, rounded up; -1: none). */
int sixd_timeout_ms(const struct sixd *d);

/* config.c: register the reload verb; with a FILE (NULL: none), run every
 * command of it: on the first bad line print "FILE:LINE: reason" on stderr
 * and return -1. Pending commands (ping) are run to completion on the event
 * loop. */
int sixd_config_init(struct sixd *d, const char *path);
/* SIGHUP / `sixctl reload`: apply what changed in the file (src/ctl/cfgdiff.h);
 * -1 with err "FILE:LINE: reason" and nothing changed. report may be NULL. */
struct cmd_out;
int sixd_reload(struct sixd *d, struct cmd_out *report, char *err, size_t errlen);
void sixd_config_fini(struct sixd *d);

/* state.c: -S DIR (NULL: the default; "-": none). Call after the stack is
 * made and before the configuration; 0, or -1 with the reason on stderr. */
int  sixd_state_open(struct sixd *d, const char *dir);
/* state.c: once the configuration is in: saved NAT-T peers and tunnel ends back. */
void sixd_state_started(struct sixd *d);
/* state.c: after -u USER took effect: -1 (reason on stderr) when the state
 * directory is not writable, which would stop every outbound SA at its
 * first high-water mark (ipsec.drop_seq_unsaved) rather than at start. */
int  sixd_state_check_writable(const struct sixd *d, const char *user);

/* control.c */
int  control_open(struct sixd *d);      /* bind + listen + register; 0 or -1 (logged) */
void control_close(struct sixd *d);     /* close listener, unlink socket */
/* From the event loop's idle hook: answer commands whose completion came. */
void control_idle(struct sixd *d);
/* Close every client connection. Connections whose command is still pending
 * are freed here too: call after the stack is destroyed, when no completion
 * can come any more. */
void control_shutdown(struct sixd *d);
/* The PF_KEY server's listener: an ACQUIRE or EXPIRE for satype goes to
 * every connection that REGISTERed for it (queued, sent from the idle hook). */
void control_pfkey_deliver(void *d, uint8_t satype, const uint8_t *msg, size_t len);

/* -L FORMAT / -F FACILITY (src/sixd/logopt.c): 0, or -1 with a message on stderr. */
int sixd_log_option(int opt, const char *arg);

/* metrics.c: the Prometheus endpoint (`metrics listen ADDR:PORT`, off until
 * asked). init also sets d->host, through which commands reach sixd; call
 * it once the stack exists, before the configuration runs. fini closes
 * every connection and the listener; call it before the stack goes. */
int  sixd_metrics_init(struct sixd *d);
void sixd_metrics_fini(struct sixd *d);

#endif
