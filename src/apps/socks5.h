/* SOCKS5 server on a host socket, relaying into the stack's TCP (socks5.c). */
#ifndef SIX_APPS_SOCKS5_H
#define SIX_APPS_SOCKS5_H
#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

struct six_stack;
struct evloop;
struct socks5_svc;

/* Listen on the host address sa (kernel socket; needs sixd's event loop). 0 or -errno. */
int  socks5_start(struct six_stack *st, struct evloop *ev, const struct sockaddr *sa, socklen_t len);
int  socks5_stop(struct six_stack *st);
bool socks5_info(struct six_stack *st, char *buf, size_t n);

#endif
