/* epoll event loop. Registrations live in an array indexed by fd (control
 * plane: grown with realloc); epoll carries the fd, so a callback that
 * deletes another fd during a round simply makes its pending event a no-op. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include "core/evloop.h"

#define EV_MAX_EVENTS 64

struct ev_reg {
    ev_fd_fn fn;      /* NULL: not registered */
    void *arg;
};

struct evloop {
    int epfd;
    struct ev_reg *regs;
    int nregs;
    ev_idle_fn idle;
    void *idle_arg;
    bool stopped;
};

struct evloop *evloop_create(void)
{
    struct evloop *ev = calloc(1, sizeof(*ev));
    if (!ev)
        return NULL;
    ev->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (ev->epfd < 0) {
        free(ev);
        return NULL;
    }
    return ev;
}

void evloop_destroy(struct evloop *ev)
{
    if (!ev)
        return;
    close(ev->epfd);
    free(ev->regs);
    free(ev);
}

static uint32_t to_epoll(unsigned events)
{
    return ((events & EV_READ) ? EPOLLIN : 0u) | ((events & EV_WRITE) ? EPOLLOUT : 0u);
}

static int grow(struct evloop *ev, int fd)
{
    if (fd < ev->nregs)
        return 0;
    int n = ev->nregs ? ev->nregs : 16;
    while (n <= fd)
        n *= 2;
    struct ev_reg *r = realloc(ev->regs, (size_t)n * sizeof(*r));
    if (!r)
        return -ENOMEM;
    memset(r + ev->nregs, 0, (size_t)(n - ev->nregs) * sizeof(*r));
    ev->regs = r;
    ev->nregs = n;
    return 0;
}

int evloop_add_fd(struct evloop *ev, int fd, unsigned events, ev_fd_fn fn, void *arg)
{
    if (fd < 0 || !fn)
        return -EINVAL;
    int err = grow(ev, fd);
    if (err)
        return err;
    if (ev->regs[fd].fn)
        return -EEXIST;
    struct epoll_event e = { .events = to_epoll(events), .data.fd = fd };
    if (epoll_ctl(ev->epfd, EPOLL_CTL_ADD, fd, &e) < 0)
        return -errno;
    ev->regs[fd].fn = fn;
    ev->regs[fd].arg = arg;
    return 0;
}

int evloop_mod_fd(struct evloop *ev, int fd, unsigned events)
{
    if (fd < 0 || fd >= ev->nregs || !ev->regs[fd].fn)
        return -ENOENT;
    struct epoll_event e = { .events = to_epoll(events), .data.fd = fd };
    return epoll_ctl(ev->epfd, EPOLL_CTL_MOD, fd, &e) < 0 ? -errno : 0;
}

int evloop_del_fd(struct evloop *ev, int fd)
{
    if (fd < 0 || fd >= ev->nregs || !ev->regs[fd].fn)
        return -ENOENT;
    ev->regs[fd].fn = NULL;
    ev->regs[fd].arg = NULL;
    /* The fd may already be closed (epoll dropped it then): not an error. */
    if (epoll_ctl(ev->epfd, EPOLL_CTL_DEL, fd, NULL) < 0 && errno != EBADF && errno != ENOENT)
        return -errno;
    return 0;
}

void evloop_set_idle(struct evloop *ev, ev_idle_fn fn, void *arg)
{
    ev->idle = fn;
    ev->idle_arg = arg;
}

static unsigned from_epoll(uint32_t e)
{
    unsigned ev = 0;
    /* Errors and hangups are reported as readable: the read shows what happened. */
    if (e & (EPOLLIN | EPOLLERR | EPOLLHUP))
        ev |= EV_READ;
    if (e & EPOLLOUT)
        ev |= EV_WRITE;
    return ev;
}

int evloop_run_once(struct evloop *ev, int timeout_ms)
{
    struct epoll_event evs[EV_MAX_EVENTS];
    int n = epoll_wait(ev->epfd, evs, EV_MAX_EVENTS, timeout_ms);
    if (n < 0) {
        int err = errno;
        if (err != EINTR)
            return -err;
        n = 0;   /* a signal: still run the idle hook (timers may be due) */
    }
    for (int i = 0; i < n; i++) {
        int fd = evs[i].data.fd;
        if (fd < ev->nregs && ev->regs[fd].fn)
            ev->regs[fd].fn(fd, from_epoll(evs[i].events), ev->regs[fd].arg);
    }
    if (ev->idle)
        ev->idle(ev->idle_arg);
    return n;
}

void evloop_stop(struct evloop *ev) { ev->stopped = true; }
bool evloop_stopped(const struct evloop *ev) { return ev->stopped; }
