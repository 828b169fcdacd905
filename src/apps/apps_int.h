/* Internals shared by the files of src/apps (not for users of apps.h). */
#ifndef SIX_APPS_APPS_INT_H
#define SIX_APPS_APPS_INT_H
#include "apps/apps.h"

/* Everything an app owns hangs off the registry as an app_obj, so that
 * apps_destroy() can free it when the stack goes. */
struct app_obj {
    struct app_obj *next, *prev;
    void (*destroy)(struct app_obj *o);   /* free everything, no callbacks to users */
};

struct echo_svc;
struct httpd;

struct apps {
    struct six_stack *st;
    struct timer run;                     /* zero-delay: drains the ready queue */
    struct app_sock *rhead, *rtail;
    struct app_obj objs;                  /* list head */
    struct echo_svc *echo;
    struct httpd *httpd;
};

void apps_obj_add(struct six_stack *st, struct app_obj *o, void (*destroy)(struct app_obj *o));
void apps_obj_del(struct app_obj *o);
/* Arm t to fire in ms on the stack's wheel. */
void apps_timer_arm(struct six_stack *st, struct timer *t, uint64_t ms);

/* Dial a host name (src/apps/dial.c): resolve it with six_getaddrinfo and,
 * for SOCK_STREAM, connect to its addresses in the resolver's order (RFC
 * 6724), one at a time, each given (time left) / (addresses left) of wait_ms
 * before the next is tried. SOCK_DGRAM: only the lookup, the first address
 * is the answer (wait_ms 0: the resolver's own timeouts bound it). fn is
 * called exactly once, never from inside app_dial_start(), unless
 * app_dial_cancel() comes first; the dial is gone when fn runs. */
#define APPS_DIAL_MAX 16                  /* addresses tried at most */
struct app_dial_result {
    int err;                              /* 0, or errno-style */
    int sd;                               /* SOCK_STREAM: the connected socket, now the user's; else -1 */
    struct sockaddr_storage peer;         /* the address that answered (SOCK_DGRAM: the first) */
    socklen_t peerlen;
    char why[APPS_WHY_MAX];               /* failure text */
};
typedef void (*app_dial_fn)(void *arg, const struct app_dial_result *r);
struct app_dial;
/* NULL with why set on bad arguments (the resolver's EAI_* text) or no memory. */
struct app_dial *app_dial_start(struct six_stack *st, const char *name, uint16_t port, int socktype,
                                unsigned wait_ms, app_dial_fn fn, void *arg, char *why, size_t whyn);
/* Abandon it (a lookup under way is cancelled, an attempt's socket closed). NULL is fine. */
void app_dial_cancel(struct app_dial *d);

#define APPS_CONTAINER(p, type, member) ((type *)(void *)((char *)(p) - offsetof(type, member)))

#endif
