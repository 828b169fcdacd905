/* The socket table of a stack and the protocol hooks behind include/six/socket.h.
 *
 * Cap: SOCK_MAX sockets per stack (socket() fails with EMFILE beyond). Each
 * socket's receive queue is bounded by SO_RCVBUF in buffer bytes; a datagram
 * that does not fit is dropped and counted (udp.drop_rcvbuf_full). Addresses
 * are kept as IPv6 (IPv4 as IPv4-mapped), so one demultiplexer serves both
 * families. */
#ifndef SIX_TRANSPORT_SOCK_H
#define SIX_TRANSPORT_SOCK_H
#include <stdint.h>
#include <stdbool.h>
#include <netinet/in.h>
#include "core/pkt.h"
#include "six/socket.h"

#define SOCK_MAX         16384
#define SOCK_PORT_HASH   256
#define SOCK_MAX_GROUPS  4
#define SOCK_RCVBUF_DEF  212992
#define SOCK_RCVBUF_MAX  (4u << 20)
#define EPHEMERAL_LO     49152
#define EPHEMERAL_HI     65535

struct six_stack;
struct tcpcb;
struct ipsec_sockpol;

/* ICMPv6 type filter, laid out as RFC 3542 §3.2's struct icmp6_filter (a bit
 * set = the type is blocked), so programs pass theirs from <netinet/icmp6.h>. */
#ifndef ICMP6_FILTER
#define ICMP6_FILTER 1
#endif
struct sock_icmp6_filter { uint32_t data[8]; };
static inline bool sock_filter_blocks(const struct sock_icmp6_filter *f, uint8_t type)
{
    return (f->data[type >> 5] >> (type & 31)) & 1u;
}

struct sock {
    bool in_use;
    int sd;
    int family, type, proto;
    struct in6_addr laddr, raddr;     /* IPv4 as ::ffff:a.b.c.d */
    uint16_t lport, rport;            /* host order */
    bool bound, autobound, connected, v6only, shut_rd, shut_wr;
    /* RFC 3542 options */
    bool recvpktinfo, recvhoplimit, recvtclass, dontfrag, minmtu;
    int uc_hops, mc_hops, tclass;     /* -1: default */
    unsigned mc_if, bound_if;         /* interface indexes, 0: any */
    bool mc_loop;
    bool linger_on;                   /* SO_LINGER (in mc_loop's padding); with 0 s, close() resets */
    uint16_t linger_secs;             /* capped at 65535 */
    int so_error;
    size_t rx_bytes, rcvbuf;
    struct pkt_queue rxq;             /* datagrams; data at the payload, network header at l3off */
    struct sock_icmp6_filter filter;  /* raw ICMPv6 */
    int cksum_off;                    /* IPV6_CHECKSUM for raw sockets, -1 off */
    struct { struct in6_addr grp; unsigned ifindex; } groups[SOCK_MAX_GROUPS];
    int n_groups;
    /* IPV6_IPSEC_POLICY / IP_IPSEC_POLICY (src/ipsec/sockpolicy.c): NULL =
     * entrust both ways; owned, freed with the socket (a TCP connection
     * that outlives close() takes it over) */
    struct ipsec_sockpol *ipsec;
    /* TCP */
    struct tcpcb *tp;
    bool nodelay, keepalive;
    uint8_t cc;                            /* enum tcp_cc */
    int keep_idle, keep_intvl, keep_cnt;   /* seconds, seconds, probes; 0: defaults */
    int backlog, aq_head, aq_len, n_syn;   /* listener: accept queue of established children */
    int *aq;
    six_sock_cb cb;
    void *cb_arg;
    struct sock *hnext;               /* port hash chain (UDP) */
    struct six_stack *st;
};

struct sock_table {
    struct sock s[SOCK_MAX];
    struct sock *port_hash[SOCK_PORT_HASH];
    int next_free_hint;
};

int  sock_init(struct six_stack *st);
void sock_destroy(struct six_stack *st);
struct sock *sock_get(struct six_stack *st, int sd);            /* NULL + errno EBADF */
/* Queue a received datagram (consumed either way); wakes the callback. */
bool sock_enqueue(struct sock *so, struct pkt *p);
void sock_wake(struct sock *so, short revents);
void sock_fill_sa(const struct sock *so, const struct in6_addr *a, uint16_t port, unsigned scope,
                  struct sockaddr *sa, socklen_t *len);
void sock_leave_groups(struct sock *so);
bool sock_is_v4(const struct in6_addr *a);
/* sockaddr (of the socket's family) → IPv6 form; 0 or -errno. */
int  sock_sa_to_in6(const struct sock *so, const struct sockaddr *sa, socklen_t len, struct in6_addr *a,
                    uint16_t *port, unsigned *scope);

/* UDP (udp.c) */
/* Deliver a validated datagram: true if a socket took it (p consumed). */
struct ip6_info;
struct ip4_info;
struct udp_info;
struct ifnet;
bool udp6_deliver(struct ifnet *ifp, struct pkt *p, const struct ip6_info *ip, size_t off, const struct udp_info *u);
bool udp4_deliver(struct ifnet *ifp, struct pkt *p, const struct ip4_info *ih, const struct udp_info *u);
/* An ICMP(v6) error quoting a datagram we sent: connected sockets learn it. */
void udp_error_input(struct six_stack *st, const struct in6_addr *src, uint16_t sport, const struct in6_addr *dst,
                     uint16_t dport, int err);
ssize_t udp_sendmsg(struct sock *so, const struct msghdr *msg, int flags);
ssize_t dgram_recvmsg(struct sock *so, struct msghdr *msg, int flags);
int  sock_bind_port(struct sock *so, uint16_t port);   /* 0 = ephemeral; UDP and TCP each have their own port space */
struct sock *sock_alloc(struct six_stack *st, int family, int type, int proto);
void sock_free(struct sock *so);
struct sock **sock_port_bucket(struct six_stack *st, uint16_t port);
void sock_unhash(struct sock *so);

/* raw ICMPv6 (raw6.c) */
void raw6_deliver(struct ifnet *ifp, const struct pkt *p, const struct ip6_info *ip, size_t off, uint8_t icmp_type);
ssize_t raw6_sendmsg(struct sock *so, const struct msghdr *msg, int flags);

#endif
