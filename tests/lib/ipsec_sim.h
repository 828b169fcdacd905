/* Helpers the IPsec sim tests share: setkey text onto a stack, socket
 * addresses from strings, one UDP datagram, a checked TCP transfer. */
#ifndef SIX_TEST_IPSEC_SIM_H
#define SIX_TEST_IPSEC_SIM_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct six_stack;
struct sim_world;

/* A world with stacks "a" and "b" on one Ethernet segment (1 ms), a with
 * 2001:db8:1::a/64 and 192.0.2.1/24, b with ::b and .2, DAD done. */
struct sim_world *sim_two_hosts(uint64_t seed, struct six_stack **a, struct six_stack **b);
/* Parse and apply setkey(8) text (all or nothing); 0, or -1 with the error on stderr. */
int sim_setkey(struct six_stack *st, const char *text);
/* "2001:db8::1" or "192.0.2.1" with a port; *len set. */
struct sockaddr_storage sim_sockaddr(const char *addr, uint16_t port, socklen_t *len);
/* One datagram from s (bound to from, if not NULL) to d's port: true when d's socket got it intact. */
bool sim_udp_once(struct sim_world *w, struct six_stack *s, struct six_stack *d, const char *from, const char *to,
                  uint16_t port);
/* total pattern bytes from socket c of cl to socket s of sv, pushing what
 * the window takes and reading what arrived, 1 ms a round; true when all
 * arrived intact. */
bool sim_pump(struct sim_world *w, struct six_stack *cl, int c, struct six_stack *sv, int s, size_t total);
/* The same, calling tick(ctx, bytes received so far) every round. */
bool sim_pump_tick(struct sim_world *w, struct six_stack *cl, int c, struct six_stack *sv, int s, size_t total,
                   void (*tick)(void *ctx, size_t got), void *ctx);
/* total bytes from cl to a listener on sv (port 8000), pattern-checked. */
bool sim_tcp_transfer(struct sim_world *w, struct six_stack *cl, struct six_stack *sv, const char *to, size_t total);

/* A fresh, empty state directory for a test (under /tmp), and its removal
 * with the files in it. */
char *sim_state_dir(const char *tag);
void sim_state_dir_remove(char *dir);

#endif
