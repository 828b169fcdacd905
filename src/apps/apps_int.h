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

#define APPS_CONTAINER(p, type, member) ((type *)(void *)((char *)(p) - offsetof(type, member)))

#endif
