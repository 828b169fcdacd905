/* epoll event loop for the real-device mode (sixd). The simulator does not use it. */
#ifndef SIX_CORE_EVLOOP_H
#define SIX_CORE_EVLOOP_H
#include <stdint.h>
#include <stdbool.h>

#define EV_READ  1u
#define EV_WRITE 2u

struct evloop;
typedef void (*ev_fd_fn)(int fd, unsigned events, void *arg);
typedef void (*ev_idle_fn)(void *arg);

struct evloop *evloop_create(void);
void evloop_destroy(struct evloop *ev);
int  evloop_add_fd(struct evloop *ev, int fd, unsigned events, ev_fd_fn fn, void *arg);
int  evloop_mod_fd(struct evloop *ev, int fd, unsigned events);
int  evloop_del_fd(struct evloop *ev, int fd);
/* Called after every round of fd callbacks (the stack flushes tx batches and runs timers here). */
void evloop_set_idle(struct evloop *ev, ev_idle_fn fn, void *arg);
/* Wait at most timeout_ms (-1 forever) and dispatch; returns number of fd events or -errno. */
int  evloop_run_once(struct evloop *ev, int timeout_ms);
void evloop_stop(struct evloop *ev);
bool evloop_stopped(const struct evloop *ev);

#endif
