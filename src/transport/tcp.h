/* TCP (RFC 9293): one implementation for IPv4 and IPv6, sockets of either
 * family, IPv4 peers on AF_INET6 sockets as IPv4-mapped addresses.
 *
 * A tcpcb lives as long as the connection, which may outlive its socket
 * (after close(): FIN_WAIT, LAST_ACK, TIME_WAIT). Connections are found by
 * their 4-tuple in a hash; listeners by port through the socket table.
 *
 * Caps and eviction: at most TCP_MAX_CONNS control blocks; at most
 * TCP_MAX_TIME_WAIT in TIME_WAIT, the oldest one recycled when more are
 * needed (counted tcp.tw_recycled); each listener holds at most its backlog
 * of connections not yet accepted, further SYNs are dropped and counted
 * (tcp.drop_listen_overflow); out-of-order data is bounded by the receive
 * buffer. Buffers are allocated per connection when it is created (not per
 * packet). */
#ifndef SIX_TRANSPORT_TCP_H
#define SIX_TRANSPORT_TCP_H
#include <stdint.h>
#include <stdbool.h>
#include <netinet/in.h>
#include "core/timer.h"
#include "core/pkt.h"

enum tcp_cc { TCP_CC_CUBIC = 0, TCP_CC_RENO = 1 };

enum tcp_state {
    TCPS_CLOSED, TCPS_LISTEN, TCPS_SYN_SENT, TCPS_SYN_RECEIVED, TCPS_ESTABLISHED, TCPS_CLOSE_WAIT,
    TCPS_FIN_WAIT_1, TCPS_CLOSING, TCPS_LAST_ACK, TCPS_FIN_WAIT_2, TCPS_TIME_WAIT,
};

#define TCP_MAX_CONNS       16384
#define TCP_MAX_TIME_WAIT   4096
#define TCP_HASH            4096
#define TCP_BUF_DEFAULT     (256u * 1024)
#define TCP_MSL_MS          30000u          /* 2MSL = 60 s in TIME_WAIT */
#define TCP_RTO_INIT_MS     1000u           /* RFC 6298 §2.1 */
#define TCP_RTO_MIN_MS      200u            /* Linux's floor; RFC 6298 §2.4 says 1 s (documented choice) */
#define TCP_RTO_MAX_MS      60000u
#define TCP_DELACK_MS       40u
#define TCP_DELACK_WORST_MS 200u            /* the longest delayed ACK a peer may use (RFC 8985 WCDelAckT) */
#define TCP_TLP_MIN_MS      10u             /* floor of the tail loss probe timeout, as Linux */
#define TCP_MAX_RXT         12              /* retransmissions before giving up */
#define TCP_PERSIST_MAX_MS  60000u          /* longest interval between window probes (BSD's TCPTV_PERSMAX) */
#define TCP_SYN_RXT         6
#define TCP_DEFAULT_MSS6    1220u           /* RFC 8200 minimum MTU − 60 */
#define TCP_DEFAULT_MSS4    536u
#define TCP_KEEPIDLE_S      7200u           /* RFC 1122 §4.2.3.6: no less than two hours by default */
#define TCP_KEEPINTVL_S     75u
#define TCP_KEEPCNT_DEF     9u
#define TCP_SACK_BLOCKS     4
#define TCP_CHALLENGE_MIN_MS 500u           /* per connection: at most one challenge ACK per 500 ms (Linux's) */
#define TCP_DUPACK_MIN_MS   500u            /* per connection: at most one ACK to an unacceptable pure ACK per 500 ms */
#define TCP_CHALLENGE_LIMIT 1000u           /* per stack and second: this on average, randomised (CVE-2016-5696) */
#define TCP_COOKIE_SLOT_S   64u             /* SYN cookie time slot; a cookie is valid for two */
#define TCP_INFO_STATE      0x6001          /* getsockopt(IPPROTO_TCP): the connection's state (sixstack's own) */

struct sock;
struct six_stack;
struct ipsec_sockpol;

struct tcpcb {
    struct six_stack *st;
    struct sock *so;                  /* NULL once the application closed it */
    struct sock *listener;            /* SYN_RECEIVED children: the listening socket */
    uint8_t state;
    bool v4;                          /* addresses are IPv4-mapped */
    struct in6_addr laddr, faddr;
    uint16_t lport, fport;
    unsigned ifindex;                 /* link-local peers */
    /* send sequence space */
    uint32_t iss, snd_una, snd_nxt, snd_max, snd_wnd, snd_wl1, snd_wl2, max_snd_wnd;
    uint8_t snd_wscale, rcv_wscale;
    /* receive sequence space */
    uint32_t irs, rcv_nxt, rcv_adv;
    /* options in use */
    bool ws_ok, ts_ok, sack_ok, nodelay;
    uint32_t ts_recent;
    uint32_t last_ack_sent;           /* RCV.NXT of the last ACK we sent: RFC 7323 §4.3's Last.ACK.sent */
    uint16_t mss;                     /* what we send per segment */
    /* congestion control (tcp_cc.c): CUBIC (RFC 9438) or NewReno (RFC 5681, RFC 6582) */
    uint32_t cwnd, ssthresh, recover;
    uint8_t dupacks, cc;
    bool in_recovery;
    float cubic_wmax, cubic_k, cubic_west;    /* segments, seconds, segments */
    uint64_t cubic_epoch_ns;
    /* SACK scoreboard (tcp_sack.c, RFC 6675): what the peer holds above snd_una */
    struct { uint32_t l, r; } sacked[TCP_SACK_BLOCKS];
    uint8_t n_sacked;
    uint32_t sacked_bytes, high_rxt;
    /* lost-retransmission detection for the hole at snd_una: its retransmission
     * went out at rxt_ns when snd_max was rxt_fence; a SACK above the fence a
     * while later means it was lost */
    uint32_t rxt_seq, rxt_fence;
    uint32_t challenge_ms;            /* when the last challenge ACK went (ms, 0: never): RFC 5961 §7 (a hole) */
    uint64_t rxt_ns;
    bool rxt_valid;
    /* tail loss probe (RFC 8985 §7): the retransmission timer is armed at the
     * probe timeout; a probe is out until snd_una moves */
    bool tlp_armed, tlp_out;
    /* RTT (RFC 6298), microseconds */
    uint32_t srtt_us, rttvar_us, rto_ms;
    uint32_t rtt_seq;
    uint32_t dupack_ms;               /* when the last ACK to an unacceptable segment went (ms, 0: never; a hole) */
    uint64_t rtt_start_ns;
    bool rtt_timing;
    uint8_t rxt_shift;
    uint8_t keep_probes;              /* keepalive probes sent unanswered (here: it fills a hole) */
    uint8_t soft_error;               /* errno of the last ICMP soft error (RFC 5461), 0: none; in a hole too */
    uint8_t persist_unanswered;       /* window probes sent since the peer last answered (in a hole too) */
    /* buffers: send ring holds [snd_una, snd_una + sb_len); receive ring holds unread in-order data */
    uint8_t *sbuf, *rbuf;
    uint32_t sb_size, sb_len, sb_head;
    uint32_t rb_size, rb_len, rb_head;
    struct pkt_queue ooo;             /* out-of-order segments, payload at data, seq in cb[0] */
    uint32_t ooo_bytes;
    bool fin_queued, fin_acked, fin_rcvd, ack_now, delack_pending, persisting;
    uint8_t persist_shift;
    uint8_t segs_since_ack;
    uint32_t cookie_until_s;          /* listener: SYN cookies sent lately are valid until then (s, 0: none) */
    struct timer t_rexmt, t_delack, t_persist, t_2msl, t_keep;
    uint64_t last_rcv_ns;
    struct tcpcb *hnext;              /* 4-tuple hash */
    struct tcpcb *tw_next, *tw_prev;  /* TIME_WAIT list, oldest first */
    uint64_t tw_since_ns;
    struct ipsec_sockpol *ipsec;      /* once closed: the socket's IPsec policy, taken over (owned) */
};

struct tcp_table {
    struct tcpcb *hash[TCP_HASH];
    unsigned n_conns, n_tw;
    struct tcpcb *tw_head, *tw_tail;
    uint8_t isn_secret[32];
    /* SYN cookies: SipHash-2-4 (OpenSSL's EVP_MAC) under a key derived from isn_secret */
    struct evp_mac_ctx_st *cookie_mac;
    uint8_t cookie_key[16];
    /* RFC 5961 §7: challenge ACKs this stack may still send in second challenge_sec − 1 */
    uint64_t challenge_sec;
    uint32_t challenge_left;
};

int  tcp_init(struct six_stack *st);
void tcp_destroy(struct six_stack *st);

/* Input from ip6_input / ip4_input (network header at data, TCP at off). Consumes nothing: the caller frees p. */
void tcp_input(struct ifnet *ifp, struct pkt *p, const struct in6_addr *src, const struct in6_addr *dst, bool v4,
               size_t off, size_t len);

/* Socket glue (socket.c). All return 0 or -errno unless noted. */
int  tcp_attach(struct sock *so);
int  tcp_listen(struct sock *so, int backlog);
int  tcp_accept(struct sock *so);                       /* the new socket's sd, or -errno */
int  tcp_connect(struct sock *so);                      /* -EINPROGRESS when started */
ssize_t tcp_send(struct sock *so, const uint8_t *data, size_t len);
ssize_t tcp_recv(struct sock *so, uint8_t *data, size_t len, bool peek);
int  tcp_shutdown_wr(struct sock *so);
void tcp_close(struct sock *so);                        /* detach; FIN or RST as RFC 9293 §3.10.4 says */
short tcp_poll(const struct sock *so);
const char *tcp_state_name(int state);
/* Per-socket state that an accepted socket inherits from its listener,
 * the IPsec policy included (a deep copy): 0, or -ENOBUFS when that copy
 * failed (the child must not go on unprotected). */
int  tcp_inherit(struct sock *child, const struct sock *listener);
/* The IPsec policy of the connection: its socket's, or the one it took
 * over at close(); NULL: the SPD alone. */
struct ipsec_sockpol *tcp_sockpol(const struct tcpcb *tp);

/* output and timers (tcp_output.c) */
void tcp_output(struct tcpcb *tp);
/* Data bytes per segment: the MSS less the options we send (RFC 6691). */
static inline uint32_t tcp_smss(const struct tcpcb *tp)
{
    uint32_t opt = (tp->ts_ok ? 12u : 0u) + (tp->sack_ok && tp->ooo.n ? 28u : 0u);
    return tp->mss > opt + 64 ? tp->mss - opt : 64;
}
/* One data segment from the send buffer (retransmissions, recovery). */
void tcp_send_data(struct tcpcb *tp, uint32_t seq, uint32_t len);
void tcp_respond(struct six_stack *st, bool v4, const struct in6_addr *src, const struct in6_addr *dst, uint16_t sport,
                 uint16_t dport, uint32_t seq, uint32_t ack, uint8_t flags, unsigned ifindex);
/* A SYN-ACK without a connection (SYN cookies): only the MSS option; sent
 * with the listener's IPsec policy pol (NULL: the SPD's). */
void tcp_respond_synack(struct six_stack *st, bool v4, const struct in6_addr *src, const struct in6_addr *dst,
                        uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack, uint16_t mss, unsigned ifindex,
                        struct ipsec_sockpol *pol);
void tcp_timers_init(struct tcpcb *tp);
/* (Re)start or stop keepalives after SO_KEEPALIVE / TCP_KEEP* or new data from the peer. */
void tcp_keepalive_update(struct tcpcb *tp);
void tcp_rexmt_arm(struct tcpcb *tp);
void tcp_set_state(struct tcpcb *tp, int state);
void tcp_drop(struct tcpcb *tp, int err);               /* connection failed: wake the socket with err, free */
void tcp_free(struct tcpcb *tp);
uint32_t tcp_rcv_space(const struct tcpcb *tp);
/* Allocate the send or receive buffer on first use; false if memory is short. */
bool tcp_buf_need(struct tcpcb *tp, bool send);
uint16_t tcp_local_mss(struct tcpcb *tp);   /* MSS from the route's MTU / path MTU */
/* MSS for a path MTU of mtu: less the IP and TCP headers and what IPsec adds (at least 64). */
uint16_t tcp_mss_for_mtu(struct tcpcb *tp, uint32_t mtu);
/* The errno a connection that timed out reports: the last ICMP soft error, else ETIMEDOUT. */
int  tcp_timeout_errno(const struct tcpcb *tp);
struct tcpcb *tcp_lookup(struct six_stack *st, const struct in6_addr *laddr, uint16_t lport,
                         const struct in6_addr *faddr, uint16_t fport);
struct tcpcb *tcp_new_child(struct sock *ls, const struct in6_addr *laddr, uint16_t lport,
                            const struct in6_addr *faddr, uint16_t fport, unsigned ifindex);
void tcp_child_established(struct tcpcb *tp);

/* ICMP errors about our segments (tcp_icmp.c), called by icmp6.c / icmp4.c
 * with the quoted packet's addresses (IPv4 as mapped) and the quoted TCP
 * header (th, len bytes: at least 8 expected). tcp_icmp_lookup: the
 * connection, if the quoted segment is in flight on it (RFC 5927 §4.1);
 * NULL otherwise, counted. The other two act on what it returned. */
struct tcpcb *tcp_icmp_lookup(struct six_stack *st, const struct in6_addr *src, const struct in6_addr *dst,
                              const uint8_t *th, size_t len);
void tcp_mtu_reduced(struct tcpcb *tp, uint32_t mtu);   /* PTB / frag-needed said mtu (may free nothing) */
void tcp_icmp_error(struct tcpcb *tp, bool hard, int err);   /* may free tp (hard error in SYN-SENT) */

/* congestion control (tcp_cc.c) */
void cc_init(struct tcpcb *tp);
void cc_on_ack(struct tcpcb *tp, uint32_t acked);          /* outside recovery */
void cc_on_loss(struct tcpcb *tp, bool timeout);           /* sets ssthresh (and cwnd after a timeout) */
const char *cc_name(int cc);
int  cc_by_name(const char *name);

/* SACK (tcp_sack.c) */
void sack_update(struct tcpcb *tp, const void *tcp_opts);  /* const struct tcp_opts * */
void sack_trim(struct tcpcb *tp);                          /* after snd_una advanced */
void sack_clear(struct tcpcb *tp);
bool sack_lost(const struct tcpcb *tp);                    /* RFC 6675 IsLost(snd_una) */
/* snd_una moved during recovery: a hole already retransmitted is now the first. */
void sack_una_moved(struct tcpcb *tp);
void sack_recover(struct tcpcb *tp);                       /* send what the pipe allows during recovery */

static inline bool seq_lt(uint32_t a, uint32_t b) { return (int32_t)(a - b) < 0; }
static inline bool seq_leq(uint32_t a, uint32_t b) { return (int32_t)(a - b) <= 0; }
static inline bool seq_gt(uint32_t a, uint32_t b) { return (int32_t)(a - b) > 0; }
static inline bool seq_geq(uint32_t a, uint32_t b) { return (int32_t)(a - b) >= 0; }

#endif
