/* libsix: the public API for programs that embed sixstack.
 *
 * A program creates a stack, configures it with the same command language
 * sixd's configuration file and sixctl use ("link add tap0 type tap",
 * "addr add 2001:db8:1::2/64 dev tap0", ...), and drives it from its own loop:
 * either hand libsix an epoll loop (six_evloop_*) or call six_stack_poll()
 * whenever an fd is readable or six_stack_next_timeout_ms() has passed.
 *
 * Everything else (src/) is internal and may change. */
#ifndef SIX_SIX_H
#define SIX_SIX_H
#include <stdint.h>
#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

struct six_stack;
struct evloop;

/* The version of libsix this program was built with ("0.11-g9a3b13d"). */
const char *six_version(void);

/* A stack with its own monotonic clock and timer wheel; name is for logs. NULL on failure. */
struct six_stack *six_stack_new(const char *name);
void six_stack_free(struct six_stack *st);
/* Run expired timers and send what is queued. */
void six_stack_poll(struct six_stack *st);
/* Milliseconds until the next timer (-1: none): the timeout for the caller's poll(). */
int  six_stack_next_timeout_ms(const struct six_stack *st);
/* Execute one command line; output (NUL-terminated, malloc'd, caller frees) in
 * *out and a one-line error in *err (either may be NULL). Commands that would
 * wait (ping) need an event loop: use sixd or six_cmd_exec() from src/ctl.
 * Returns the exit status: 0 ok, 1 failure, 2 usage error. */
int  six_command(struct six_stack *st, struct evloop *ev, const char *line, char **out, char **err);

#ifdef __cplusplus
}
#endif
#endif
