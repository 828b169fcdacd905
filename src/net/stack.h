/* struct six_stack: one instance of the network stack. A process may hold many
 * (the simulator runs several on one virtual clock). Nothing is global. */
#ifndef SIX_NET_STACK_H
#define SIX_NET_STACK_H
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "core/clock.h"
#include "core/timer.h"
#include "core/pkt.h"
#include "core/counters.h"
#include "link/ifnet.h"
#include "net/oplog.h"

#define SIX_MAX_IFS 64

struct net6;   /* IPv6 state: routes, neighbor caches, reassembly, PMTU (src/net/ip6_var.h) */
struct net4;   /* IPv4 state (src/net/ip4_var.h) */
struct ping_state;
struct sock_table;
struct tcp_table;
struct apps;
struct resolver;
struct socks5_svc;

struct six_stack_opts {
    const char *name;                 /* for logs and traces */
    const struct six_clock *clock;    /* NULL: monotonic */
    struct timer_wheel *tw;           /* shared wheel (simulator) or NULL: own wheel */
    uint32_t n_small, n_big;          /* packet pool; 0: defaults */
    uint64_t seed;                    /* keys both random generators (replayable runs); 0: getrandom */
};

/* The stack's two random generators (src/net/random.c). */
struct evp_cipher_ctx_st;
struct six_rng {
    struct evp_cipher_ctx_st *ctx;    /* ChaCha20: the secure keystream */
    uint8_t buf[1024];                /* keystream made ahead; bytes before pos are used and wiped */
    unsigned pos;
    uint64_t jitter[2];               /* xorshift128+ state, for timer jitter only */
};

#define SIX_EXT_MAX 8
#define SIX_NET_HOOKS_MAX 4

/* Events of the network layer an upper layer may want (the DHCPv6 client:
 * Decline after DAD fails, Confirm after the link comes back). */
enum six_net_event {
    SIX_NE_DAD_FAILED,   /* a: the address DAD found duplicated on ifp */
    SIX_NE_LINK_UP,      /* ifp set up (a NULL) */
    SIX_NE_LINK_DOWN,    /* ifp set down (a NULL) */
    SIX_NE_V4_NOSRC,     /* in4_selectsrc: the route's interface ifp has no IPv4 address (a NULL; the DTI asks for one) */
};

typedef void (*six_trace_fn)(void *ctx, struct six_stack *st, const char *msg);

/* A tunnel end that is not a configured point-to-point gif (DSTM's border
 * router and DTI: many peers behind one address). ifp/p as received, the
 * outer IPv6 header and extension headers taking off bytes, proto the inner
 * protocol (IPPROTO_IPIP or IPPROTO_IPV6), src/dst the outer addresses (dst
 * is one of ours). true: consumed (delivered or dropped and counted);
 * false: not this hook's, p untouched. */
struct ifnet;
struct pkt;
struct in6_addr;
typedef bool (*six_tun_input_fn)(void *arg, struct ifnet *ifp, struct pkt *p, size_t off, uint8_t proto,
                                 const struct in6_addr *src, const struct in6_addr *dst);

struct six_stack {
    char name[32];
    const struct six_clock *clock;
    struct timer_wheel *tw;
    bool own_tw;
    struct pkt_pool *pool;
    struct six_counters ctr;
    struct ifnet *ifs[SIX_MAX_IFS];   /* index-1 → ifnet, NULL = free slot */
    bool fwd6, fwd4;                  /* router mode */
    struct six_rng rng;               /* src/net/random.c */
    uint8_t secret[16];               /* RFC 7217 secret key */
    struct net6 *net6;
    struct net4 *net4;
    struct ping_state *ping;          /* src/net/ping.c */
    struct sock_table *socks;         /* src/transport */
    struct tcp_table *tcp;            /* src/transport/tcp_subr.c */
    struct apps *apps;                /* src/apps: in-stack applications, NULL until used */
    struct resolver *res;             /* src/transport/resolver.c: stub DNS resolver */
    struct socks5_svc *socks5;        /* src/apps/socks5.c, NULL unless running */
    struct ipsec_state *ipsec;        /* src/ipsec: SAD and SPD, NULL until the first SA or policy */
    six_trace_fn trace;               /* readable protocol trace (demo), may be NULL */
    void *trace_ctx;
    uint64_t created_ns;              /* six_now() at creation: `sixctl status` uptime */
    struct six_oplog oplog;           /* src/net/oplog.c: rate limits of operator warnings */
    /* Upper layers (dhcp6, dns, dstm ...) hang their per-stack state here and
     * register a teardown with six_stack_on_destroy, so that the stack names
     * none of them (layers depend one way). Run last-registered first, before
     * sockets and interfaces go. */
    struct six_ext {
        void (*destroy)(struct six_stack *st);
    } ext[SIX_EXT_MAX];
    struct dhcp6 *dhcp6;              /* src/dhcp6: client, server, relay; NULL until used */
    struct dstm *dstm;                /* src/dstm: AIIH, DTI, border router; NULL until used */
    struct dns_state *dns;            /* src/dns: authoritative server, update client; NULL until used */
    struct six_net_hook {             /* six_net_hook_add: upper layers told of DAD failures, link changes */
        void (*fn)(void *arg, struct ifnet *ifp, int ev, const struct in6_addr *a);
        void *arg;
    } net_hooks[SIX_NET_HOOKS_MAX];
    struct six_tun_hook {             /* six_tun_hook_add: 4in6 / 6in6 not taken by a gif (DSTM) */
        six_tun_input_fn fn;
        void *arg;
    } tun_hooks[SIX_NET_HOOKS_MAX];
};

/* Register fn to run at six_stack_destroy (once per fn: a second call with
 * the same fn is a no-op). 0, or -ENOSPC past SIX_EXT_MAX. */
int six_stack_on_destroy(struct six_stack *st, void (*fn)(struct six_stack *st));

/* Be told of network-layer events (enum six_net_event): 0, or -ENOSPC past
 * SIX_NET_HOOKS_MAX; del removes the (fn, arg) pair. Called synchronously
 * from the layer that saw the event: a hook defers real work to a timer. */
struct in6_addr;
int  six_net_hook_add(struct six_stack *st, void (*fn)(void *arg, struct ifnet *ifp, int ev,
                                                       const struct in6_addr *a), void *arg);
void six_net_hook_del(struct six_stack *st, void (*fn)(void *arg, struct ifnet *ifp, int ev,
                                                       const struct in6_addr *a), void *arg);
void six_net_event(struct six_stack *st, struct ifnet *ifp, enum six_net_event ev, const struct in6_addr *a);

/* Upper layers that end tunnels of protocol 4/41 over IPv6 (src/dstm):
 * ip6_input offers such a packet to each hook in turn after no gif took it.
 * 0, or -ENOSPC past SIX_NET_HOOKS_MAX; del removes the (fn, arg) pair. */
int  six_tun_hook_add(struct six_stack *st, six_tun_input_fn fn, void *arg);
void six_tun_hook_del(struct six_stack *st, six_tun_input_fn fn, void *arg);
bool six_tun_input(struct six_stack *st, struct ifnet *ifp, struct pkt *p, size_t off, uint8_t proto,
                   const struct in6_addr *src, const struct in6_addr *dst);

struct six_stack *six_stack_create(const struct six_stack_opts *o);
void six_stack_destroy(struct six_stack *st);
static inline uint64_t six_now(const struct six_stack *st) { return clock_now(st->clock); }
/* Run expired timers and flush every interface's tx batch. Real mode calls it
 * from the event loop's idle hook; the simulator after each event. */
void six_stack_poll(struct six_stack *st);
/* Flush all interface tx queues. */
void six_stack_flush(struct six_stack *st);
/* Randomness (src/net/random.c). Choose by what a guess would give an attacker:
 * anything it must not predict (IDs, ports, SPIs, secrets, salts) comes from
 * the secure generator (ChaCha20 keystream); the jitter one (xorshift128+)
 * only spreads timers. Both are reproducible from six_stack_opts.seed. */
int six_random_init(struct six_stack *st, uint64_t seed);   /* seed 0: key from getrandom */
void six_random_destroy(struct six_stack *st);
void six_random_bytes(struct six_stack *st, void *out, size_t n);
uint32_t six_random_secure(struct six_stack *st);
uint32_t six_random_secure_below(struct six_stack *st, uint32_t n);   /* uniform in [0, n) */
uint64_t six_random_jitter(struct six_stack *st);
uint32_t six_random_jitter_below(struct six_stack *st, uint32_t n);   /* [0, n), timers only */
void six_trace(struct six_stack *st, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void six_set_forwarding(struct six_stack *st, bool v6, bool v4);

#endif
