/* NAPT44 into an lw4o6 port set (RFC 7596 §5.1): the DTI client of an
 * lw4o6 binding holds one IPv4 address X and a port set PS (RFC 7597
 * §5.1); the host behind it uses any addresses and ports. Every outgoing
 * IPv4 packet's source (address, TCP/UDP port or ICMP Echo identifier) is
 * translated to (X, a port of PS) before encapsulation, replies back.
 *
 * Behaviour (RFC 4787 / 5382 / 5508):
 *   - endpoint-independent mapping (RFC 4787 REQ-1, RFC 5382 REQ-1): one
 *     mapping per (protocol, inside address, inside port), whatever the
 *     destination; each protocol (TCP, UDP, ICMP Echo) has the whole set;
 *   - the outside port is drawn at random within the set (never outside
 *     it, never 0; no parity or range preservation: RFC 4787 REQ-3/4 are
 *     MAYs and a port set is too small to spend on them); ICMP Echo
 *     identifiers too (RFC 7596 §5.1: the lwAFTR checks them like ports);
 *   - a TCP mapping is created only by an outgoing SYN (RFC 5382 §3);
 *     other TCP segments without one are refused (TCP_NOT_SYN);
 *   - inbound: only packets to X and a mapped port pass (NO_MAPPING
 *     otherwise; this is endpoint-independent filtering, RFC 4787 REQ-8);
 *     ICMP errors are mapped through the quoted datagram (RFC 5508 REQ-3),
 *     both ways (errors the host sends about inbound packets too), and
 *     never create or refresh a mapping;
 *   - idle timeouts, refreshed by packets in either direction:
 *     UDP 300 s (RFC 4787 REQ-5: >= 2 min, 5 min recommended); TCP
 *     established 2 h 4 min and transitory 4 min (RFC 5382 REQ-5), where
 *     established means a SYN seen each way and neither an RST nor a FIN
 *     each way (a half-close stays established: RFC 5382 §5 does not ask
 *     to cut it short); ICMP Echo 60 s (RFC 5508 REQ-1);
 *   - fragments are refused (FRAGMENT): only the first carries ports;
 *     the caller reassembles first if it wants them through;
 *   - no hairpinning (RFC 4787 REQ-9): a packet from the host to X leaves
 *     translated like any other; the border router decides its fate.
 * Cap and eviction: at most `max` mappings (clamped to 3 × the set's
 * size, as many as there are ports); a new flow when full first expires
 * idle mappings, then is refused (TABLE_FULL) — never evicting a live one,
 * so existing flows keep working; with no free port left in the set for
 * its protocol it is refused as NO_PORT.
 * Time is the stack's (ns); no allocation after napt44_new. */
#ifndef SIX_DSTM_NAPT44_H
#define SIX_DSTM_NAPT44_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include "dstm/dstm.h"

struct six_stack;

#define NAPT44_MAX_DEFAULT 4096
#define NAPT44_UDP_TIMEOUT 300            /* s */
#define NAPT44_TCP_EST_TIMEOUT 7440       /* s: 2 h 4 min */
#define NAPT44_TCP_TRANS_TIMEOUT 240      /* s */
#define NAPT44_ICMP_TIMEOUT 60            /* s */

/* The verdicts: OK or a drop; each drop has its counter napt.<name>
 * (core/counters.h). */
#define NAPT44_DROPS(X) \
    X(MALFORMED, drop_malformed)          /* not a whole IPv4 datagram (nat44_parse) */ \
    X(FRAGMENT, drop_fragment)            /* a fragment: no ports to translate */ \
    X(PROTO, drop_proto)                  /* not TCP, UDP, ICMP Echo or an ICMP error */ \
    X(ICMP_QUOTE, drop_icmp_quote)        /* an ICMP error quoting no usable datagram */ \
    X(NOT_OURS, drop_not_ours)            /* inbound: not to X (outer or quoted) */ \
    X(NO_MAPPING, drop_no_mapping)        /* inbound to an unmapped port, or an error about one */ \
    X(TCP_NOT_SYN, drop_tcp_not_syn)      /* outbound TCP without a mapping and no SYN */ \
    X(TABLE_FULL, drop_table_full)        /* a new flow, the table full of live mappings */ \
    X(NO_PORT, drop_no_port)              /* a new flow, every port of the set in use */

enum napt44_verdict {
    NAPT44_OK = 0,
#define NAPT44_V_ENUM(e, name) NAPT44_##e,
    NAPT44_DROPS(NAPT44_V_ENUM)
#undef NAPT44_V_ENUM
    NAPT44__MAX
};
/* "ok", "drop_no_mapping", ... */
const char *napt44_verdict_name(enum napt44_verdict v);

/* Random numbers in [0, below): the stack's secure generator in sixd
 * (napt44_rand_stack with the stack as arg); tests may pass their own. */
typedef uint32_t (*napt44_rand_fn)(void *arg, uint32_t below);
uint32_t napt44_rand_stack(void *st, uint32_t below);

struct napt44_config {
    uint32_t max;                 /* 0: NAPT44_MAX_DEFAULT */
    struct in_addr x;             /* the binding's IPv4 address */
    struct dstm_portset ps;       /* its port set (psid_len 0: every port but 0) */
    napt44_rand_fn rand;
    void *rand_arg;
};

struct napt44;
/* NULL when the port set is invalid, rand is NULL, or out of memory. */
struct napt44 *napt44_new(const struct napt44_config *cfg);
void napt44_free(struct napt44 *n);

/* Translate in place one IPv4 datagram of len bytes (trailing bytes past
 * its total length are left alone): out = from the host (its source
 * becomes X and a port of the set), in = from the tunnel. NAPT44_OK or the
 * reason to drop it; now in ns. */
enum napt44_verdict napt44_out(struct napt44 *n, uint8_t *p, size_t len, uint64_t now);
enum napt44_verdict napt44_in(struct napt44 *n, uint8_t *p, size_t len, uint64_t now);
/* Counts v on the stack: napt.out_translated / napt.in_translated, or the
 * drop's napt.<name>. */
void napt44_count(struct six_stack *st, bool out, enum napt44_verdict v);

/* Removes the mappings idle past their timeout; returns how many.
 * napt44_out/_in do it themselves at most once a second (and when the
 * table is full), and never use a mapping past its timeout, so no timer
 * is needed; call it to free the memory of an idle table. */
uint32_t napt44_expire(struct napt44 *n, uint64_t now);

struct napt44_mapping {
    uint8_t proto;                /* IPPROTO_TCP, _UDP, _ICMP */
    struct in_addr in_addr;
    uint16_t in_port, out_port;   /* ICMP: identifiers */
    const char *state;            /* "udp", "icmp", "tcp-established", "tcp-transitory" */
    uint64_t expires;             /* ns */
};
void napt44_foreach(const struct napt44 *n, void (*fn)(void *arg, const struct napt44_mapping *m), void *arg);

struct napt44_stats {
    uint32_t mappings, max, ports;          /* now, cap, ports in the set */
    uint64_t created, expired;
};
void napt44_stats(const struct napt44 *n, struct napt44_stats *out);

#endif
