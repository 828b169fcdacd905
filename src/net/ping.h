/* ping: echo sessions for sixctl ping, the demo and tests (both families). */
#ifndef SIX_NET_PING_H
#define SIX_NET_PING_H
#include <stdint.h>
#include <stdbool.h>
#include <sys/socket.h>
#include <netinet/in.h>

struct six_stack;
struct ping_result {
    unsigned sent, received, errors;     /* errors: ICMP errors about our requests */
    uint64_t rtt_min_ns, rtt_max_ns, rtt_sum_ns;
    char last_error[96];
};
/* Called for every reply (seq, rtt) and once at the end (final=true). */
typedef void (*ping_cb)(void *arg, bool final, unsigned seq, uint64_t rtt_ns, unsigned ttl,
                        const struct ping_result *r);
struct ping_params {
    int family;                        /* AF_INET6 or AF_INET */
    struct in6_addr dst6; struct in_addr dst4;
    unsigned count;                    /* default 3 */
    uint32_t interval_ms;              /* default 1000 */
    uint32_t timeout_ms;               /* wait after the last request; default 2000 */
    uint32_t size;                     /* payload bytes, default 56 */
    struct in6_addr src6;              /* optional */
    struct in_addr src4;               /* optional (0.0.0.0: selected) */
    unsigned ifindex;                  /* optional: scope for link-local */
    int hlim;                          /* hop limit / TTL, 0: default */
};
/* Starts a session; returns its id (>0) or -errno. cb fires from timers/input. */
int  ping_start(struct six_stack *st, const struct ping_params *pp, ping_cb cb, void *arg);
void ping_cancel(struct six_stack *st, int id);
int  ping_init(struct six_stack *st);
void ping_destroy(struct six_stack *st);
/* From icmp6/icmp4 input: an echo reply, or an error quoting one of our requests. */
void ping_reply_input(struct six_stack *st, int family, uint16_t id, uint16_t seq, unsigned ttl, size_t len);
void ping_error_input(struct six_stack *st, int family, uint16_t id, uint16_t seq, const char *what);

#endif
