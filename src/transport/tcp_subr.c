/* TCP control blocks: creation, the 4-tuple hash, initial sequence numbers
 * (RFC 6528), the socket calls (listen, accept, connect, send, recv, close),
 * TIME_WAIT bookkeeping. */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>
#include "transport/tcp.h"
#include "ipsec/ipsec.h"
#include "transport/sock.h"
#include "net/stack.h"
#include "net/ip6_var.h"
#include "net/ip4_var.h"

static const char *state_names[] = { "CLOSED", "LISTEN", "SYN_SENT", "SYN_RECEIVED", "ESTABLISHED", "CLOSE_WAIT",
                                     "FIN_WAIT_1", "CLOSING", "LAST_ACK", "FIN_WAIT_2", "TIME_WAIT" };

const char *tcp_state_name(int s)
{
    return s >= 0 && s <= TCPS_TIME_WAIT ? state_names[s] : "?";
}

/* The SYN cookie key: SHA-256 of a label and the ISN secret, so that the
 * one secret drawn at start-up serves both and neither output tells about
 * the other. The MAC context is made once: no allocation per SYN. */
static int cookie_key_init(struct tcp_table *t)
{
    static const char label[] = "sixstack tcp syncookie key";
    uint8_t md[EVP_MAX_MD_SIZE];
    unsigned mdlen = 0;
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    bool ok = c && EVP_DigestInit_ex(c, EVP_sha256(), NULL) && EVP_DigestUpdate(c, label, sizeof label) &&
              EVP_DigestUpdate(c, t->isn_secret, sizeof t->isn_secret) && EVP_DigestFinal_ex(c, md, &mdlen);
    EVP_MD_CTX_free(c);
    if (!ok)
        return -1;
    memcpy(t->cookie_key, md, sizeof t->cookie_key);
    EVP_MAC *mac = EVP_MAC_fetch(NULL, "SIPHASH", NULL);
    t->cookie_mac = mac ? EVP_MAC_CTX_new(mac) : NULL;
    EVP_MAC_free(mac);   /* the context keeps its own reference */
    return t->cookie_mac ? 0 : -1;
}

int tcp_init(struct six_stack *st)
{
    struct tcp_table *t = calloc(1, sizeof *t);

    if (!t)
        return -ENOMEM;
    /* straight from the secure generator: no other value the stack
     * sends or draws tells anything about it */
    six_random_bytes(st, t->isn_secret, sizeof t->isn_secret);
    if (cookie_key_init(t)) {
        free(t);
        return -ENOMEM;
    }
    st->tcp = t;
    return 0;
}

void tcp_destroy(struct six_stack *st)
{
    struct tcp_table *t = st->tcp;

    if (!t)
        return;
    for (unsigned h = 0; h < TCP_HASH; h++)
        while (t->hash[h])
            tcp_free(t->hash[h]);
    for (int i = 0; st->socks && i < SOCK_MAX; i++)   /* listeners and unconnected sockets */
        if (st->socks->s[i].in_use && st->socks->s[i].tp)
            tcp_free(st->socks->s[i].tp);
    EVP_MAC_CTX_free(t->cookie_mac);
    free(t);
    st->tcp = NULL;
}

static unsigned tuple_hash(const struct in6_addr *faddr, uint16_t lport, uint16_t fport)
{
    return (in6_hash(faddr, ((uint32_t)lport << 16) | fport)) % TCP_HASH;
}

static void hash_insert(struct tcpcb *tp)
{
    struct tcpcb **b = &tp->st->tcp->hash[tuple_hash(&tp->faddr, tp->lport, tp->fport)];
    tp->hnext = *b;
    *b = tp;
}

static void hash_remove(struct tcpcb *tp)
{
    for (struct tcpcb **pp = &tp->st->tcp->hash[tuple_hash(&tp->faddr, tp->lport, tp->fport)]; *pp; pp = &(*pp)->hnext)
        if (*pp == tp) {
            *pp = tp->hnext;
            return;
        }
}

struct tcpcb *tcp_lookup(struct six_stack *st, const struct in6_addr *laddr, uint16_t lport,
                         const struct in6_addr *faddr, uint16_t fport)
{
    for (struct tcpcb *tp = st->tcp->hash[tuple_hash(faddr, lport, fport)]; tp; tp = tp->hnext)
        if (tp->lport == lport && tp->fport == fport && in6_eq(&tp->faddr, faddr) && in6_eq(&tp->laddr, laddr))
            return tp;
    return NULL;
}

/* RFC 6528: ISN = M + F(localip, localport, remoteip, remoteport, secretkey), M a 4 µs clock. */
static uint32_t tcp_new_isn(struct tcpcb *tp)
{
    uint8_t md[EVP_MAX_MD_SIZE];
    unsigned mdlen = 0;
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    uint32_t h = 0;

    if (c && EVP_DigestInit_ex(c, EVP_sha256(), NULL)) {
        EVP_DigestUpdate(c, &tp->laddr, 16);
        EVP_DigestUpdate(c, &tp->lport, 2);
        EVP_DigestUpdate(c, &tp->faddr, 16);
        EVP_DigestUpdate(c, &tp->fport, 2);
        EVP_DigestUpdate(c, tp->st->tcp->isn_secret, sizeof tp->st->tcp->isn_secret);
        EVP_DigestFinal_ex(c, md, &mdlen);
        memcpy(&h, md, 4);
    }
    EVP_MD_CTX_free(c);
    return h + (uint32_t)(six_now(tp->st) / 4000);
}

static struct tcpcb *tcb_new(struct six_stack *st)
{
    struct tcp_table *t = st->tcp;

    if (t->n_conns >= TCP_MAX_CONNS) {
        if (!t->tw_head) {
            CTR_INC(st, tcp, drop_conn_limit);
            return NULL;
        }
        CTR_INC(st, tcp, tw_recycled);
        tcp_free(t->tw_head);
    }
    struct tcpcb *tp = calloc(1, sizeof *tp);
    if (!tp)
        return NULL;
    tp->st = st;
    tp->rto_ms = TCP_RTO_INIT_MS;
    tp->ssthresh = UINT32_MAX;
    tp->rcv_wscale = 7;                          /* up to 16 MiB windows; we offer what the buffer holds */
    pktq_init(&tp->ooo);
    tcp_timers_init(tp);
    t->n_conns++;
    return tp;
}

/* Buffer sizes are fixed at creation; the memory itself comes with the first
 * byte to hold (tcp_buf_need), so an idle connection costs only its control
 * block and socket (~1 KiB), whatever its buffer sizes. */
static int tcb_buffers(struct tcpcb *tp)
{
    tp->sb_size = tp->rb_size = TCP_BUF_DEFAULT;
    if (tp->so && tp->so->rcvbuf && tp->so->rcvbuf != SOCK_RCVBUF_DEF)
        tp->rb_size = (uint32_t)tp->so->rcvbuf;
    return 0;
}

bool tcp_buf_need(struct tcpcb *tp, bool send)
{
    uint8_t **b = send ? &tp->sbuf : &tp->rbuf;
    if (!*b)
        *b = malloc(send ? tp->sb_size : tp->rb_size);
    return *b != NULL;
}

static void tw_unlink(struct tcpcb *tp)
{
    struct tcp_table *t = tp->st->tcp;

    if (tp->state != TCPS_TIME_WAIT)
        return;
    if (tp->tw_prev) tp->tw_prev->tw_next = tp->tw_next; else t->tw_head = tp->tw_next;
    if (tp->tw_next) tp->tw_next->tw_prev = tp->tw_prev; else t->tw_tail = tp->tw_prev;
    t->n_tw--;
}

void tcp_set_state(struct tcpcb *tp, int state)
{
    struct tcp_table *t = tp->st->tcp;

    tw_unlink(tp);
    tp->state = (uint8_t)state;
    if (state == TCPS_TIME_WAIT) {
        /* everything we sent is acknowledged: the send buffer goes; data the
         * application has not read yet stays readable until it closes */
        free(tp->sbuf);
        tp->sbuf = NULL;
        tp->sb_len = 0;
        if (!tp->so || !tp->rb_len) {
            free(tp->rbuf);
            tp->rbuf = NULL;
            tp->rb_len = 0;
        }
        pktq_purge(&tp->ooo);
        tp->ooo_bytes = 0;
        tp->tw_since_ns = six_now(tp->st);
        tp->tw_prev = t->tw_tail;
        tp->tw_next = NULL;
        if (t->tw_tail) t->tw_tail->tw_next = tp; else t->tw_head = tp;
        t->tw_tail = tp;
        if (++t->n_tw > TCP_MAX_TIME_WAIT) {
            CTR_INC(tp->st, tcp, tw_recycled);
            tcp_free(t->tw_head);
        }
    }
    if (state == TCPS_ESTABLISHED)
        CTR_INC(tp->st, tcp, established);
}

void tcp_free(struct tcpcb *tp)
{
    struct six_stack *st = tp->st;

    tw_unlink(tp);
    timer_cancel(&tp->t_rexmt);
    timer_cancel(&tp->t_delack);
    timer_cancel(&tp->t_persist);
    timer_cancel(&tp->t_2msl);
    timer_cancel(&tp->t_keep);
    hash_remove(tp);
    if (tp->listener)
        tp->listener->n_syn--;
    if (tp->so) {
        tp->so->tp = NULL;
        if (tp->so->type == SOCK_STREAM && !tp->so->in_use)
            tp->so = NULL;
    }
    pktq_purge(&tp->ooo);
    free(tp->sbuf);
    free(tp->rbuf);
    ipsec_sockpol_free(tp->ipsec);
    st->tcp->n_conns--;
    free(tp);
}

int tcp_timeout_errno(const struct tcpcb *tp)
{
    return tp->soft_error ? tp->soft_error : ETIMEDOUT;
}

/* The connection failed or was reset: tell the socket, then forget it. */
void tcp_drop(struct tcpcb *tp, int err)
{
    struct sock *so = tp->so;

    if (so) {
        so->so_error = err;
        so->tp = NULL;
        tp->so = NULL;
        so->shut_rd = so->shut_wr = true;
        sock_wake(so, POLLERR | POLLHUP);
        if (tp->listener && so->in_use)   /* an embryonic child nobody accepted */
            sock_free(so);
    }
    tcp_free(tp);
}

int tcp_attach(struct sock *so)
{
    struct tcpcb *tp = tcb_new(so->st);

    if (!tp)
        return -ENOBUFS;
    tp->so = so;
    so->tp = tp;
    return 0;
}

int tcp_listen(struct sock *so, int backlog)
{
    struct tcpcb *tp = so->tp;

    if (!tp || (tp->state != TCPS_CLOSED && tp->state != TCPS_LISTEN))
        return -EINVAL;
    if (backlog < 1) backlog = 1;
    if (backlog > 4096) backlog = 4096;
    int *aq = realloc(so->aq, (size_t)backlog * sizeof *aq);
    if (!aq)
        return -ENOMEM;
    so->aq = aq;
    so->backlog = backlog;
    tp->laddr = so->laddr;
    tp->lport = so->lport;
    tcp_set_state(tp, TCPS_LISTEN);
    return 0;
}

int tcp_inherit(struct sock *child, const struct sock *ls)
{
    child->v6only = ls->v6only;
    child->uc_hops = ls->uc_hops;
    child->tclass = ls->tclass;
    child->rcvbuf = ls->rcvbuf;
    child->bound_if = ls->bound_if;
    child->nodelay = ls->nodelay;
    child->cc = ls->cc;
    child->keepalive = ls->keepalive;
    child->keep_idle = ls->keep_idle;
    child->keep_intvl = ls->keep_intvl;
    child->keep_cnt = ls->keep_cnt;
    child->linger_on = ls->linger_on;
    child->linger_secs = ls->linger_secs;
    /* IPsec: a listener that takes only protected connections keeps that
     * policy on every socket it accepts (KAME copies the pcb's policy) */
    return ipsec_sockpol_dup(ls->ipsec, &child->ipsec) ? -ENOBUFS : 0;
}

struct ipsec_sockpol *tcp_sockpol(const struct tcpcb *tp)
{
    return tp->so ? tp->so->ipsec : tp->ipsec;
}

/* A SYN for a listener: a child socket and control block in SYN_RECEIVED. */
struct tcpcb *tcp_new_child(struct sock *ls, const struct in6_addr *laddr, uint16_t lport,
                            const struct in6_addr *faddr, uint16_t fport, unsigned ifindex)
{
    struct six_stack *st = ls->st;

    if (ls->aq_len >= ls->backlog) {
        CTR_INC(st, tcp, drop_listen_overflow);
        return NULL;
    }
    struct sock *cs = sock_alloc(st, ls->family, SOCK_STREAM, IPPROTO_TCP);
    if (!cs) {
        CTR_INC(st, tcp, drop_conn_limit);
        return NULL;
    }
    struct tcpcb *tp = tcb_new(st);
    if (!tp || tcb_buffers(tp) || tcp_inherit(cs, ls)) {
        if (tp) {
            CTR_INC(st, tcp, drop_no_memory);   /* tcb_new counts its own failures */
            tcp_free(tp);
        }
        sock_free(cs);
        return NULL;
    }
    cs->laddr = *laddr;
    cs->lport = lport;
    cs->raddr = *faddr;
    cs->rport = fport;
    cs->bound = cs->connected = true;
    cs->tp = tp;
    tp->so = cs;
    tp->nodelay = cs->nodelay;
    tp->cc = cs->cc;
    tp->listener = ls;
    ls->n_syn++;
    tp->laddr = *laddr;
    tp->faddr = *faddr;
    tp->lport = lport;
    tp->fport = fport;
    tp->v4 = in6_is_v4mapped(faddr);
    tp->ifindex = ifindex;
    tp->iss = tcp_new_isn(tp);
    tp->snd_una = tp->snd_nxt = tp->snd_max = tp->iss;
    hash_insert(tp);
    return tp;
}

/* SYN_RECEIVED → ESTABLISHED: the child joins its listener's accept queue. */
void tcp_child_established(struct tcpcb *tp)
{
    struct sock *ls = tp->listener;

    if (!ls)
        return;
    ls->n_syn--;
    tp->listener = NULL;
    ls->aq[(ls->aq_head + ls->aq_len) % ls->backlog] = tp->so->sd;
    ls->aq_len++;
    sock_wake(ls, POLLIN);
}

int tcp_accept(struct sock *ls)
{
    if (!ls->aq_len)
        return -EAGAIN;
    int sd = ls->aq[ls->aq_head];
    ls->aq_head = (ls->aq_head + 1) % ls->backlog;
    ls->aq_len--;
    return sd;
}

/* IP and TCP headers below the payload, and what IPsec adds: that goes off
 * the segment, not into fragments (KAME's ipsec_hdrsiz). */
static uint32_t hdrs_for(struct tcpcb *tp)
{
    size_t ipsec = ipsec_hdrsiz_sp(tp->st, tcp_sockpol(tp), tp->v4, &tp->laddr, &tp->faddr, IPPROTO_TCP,
                                   tp->lport, tp->fport);
    return (tp->v4 ? 40u : 60u) + (uint32_t)ipsec;
}

uint16_t tcp_mss_for_mtu(struct tcpcb *tp, uint32_t mtu)
{
    uint32_t hdrs = hdrs_for(tp);
    return (uint16_t)(mtu > hdrs + 64 ? (mtu - hdrs > 65535 ? 65535 : mtu - hdrs) : 64);
}

static uint16_t mss_for(struct tcpcb *tp)
{
    struct ifnet *ifp = NULL;
    struct in6_addr nh;
    uint32_t mtu;

    if (tp->v4) {
        struct in_addr d;   /* IPv4 path MTU is not cached yet: the outgoing interface's */
        memcpy(&d, &tp->faddr.s6_addr[12], 4);
        mtu = route4_if_mtu(tp->st, d);
    } else if (route6_resolve(tp->st, &tp->faddr, tp->ifindex ? if_byindex(tp->st, tp->ifindex) : NULL, &ifp, &nh))
        return TCP_DEFAULT_MSS6;
    else
        mtu = pmtu6_get(tp->st, &tp->faddr, ip6_if_mtu(ifp));
    uint32_t hdrs = hdrs_for(tp);
    return (uint16_t)(mtu > hdrs + 536 ? mtu - hdrs : 536);
}

uint16_t tcp_local_mss(struct tcpcb *tp)
{
    return mss_for(tp);
}

int tcp_connect(struct sock *so)
{
    struct tcpcb *tp = so->tp;
    struct six_stack *st = so->st;

    if (!tp || tp->state != TCPS_CLOSED)
        return -EISCONN;
    tp->faddr = so->raddr;
    tp->fport = so->rport;
    tp->v4 = in6_is_v4mapped(&so->raddr);
    tp->ifindex = so->bound_if;
    if (in6_is_unspecified(&so->laddr) || (tp->v4 && !memcmp(&so->laddr.s6_addr[12], "\0\0\0\0", 4))) {
        /* choose the source now: it is part of the connection's identity */
        if (tp->v4) {
            struct in_addr d, s;
            memcpy(&d, &so->raddr.s6_addr[12], 4);
            if (in4_selectsrc(st, d, NULL, &s))
                return -EADDRNOTAVAIL;
            memset(&so->laddr, 0, sizeof so->laddr);
            so->laddr.s6_addr[10] = so->laddr.s6_addr[11] = 0xff;
            memcpy(&so->laddr.s6_addr[12], &s, 4);
        } else {
            struct ip6_out o = { .dst = so->raddr, .ifp = tp->ifindex ? if_byindex(st, tp->ifindex) : NULL };
            if (ip6_prepare_src(st, &o))
                return -ENETUNREACH;
            so->laddr = o.src;
        }
    }
    tp->laddr = so->laddr;
    tp->nodelay = so->nodelay;
    tp->cc = so->cc;
    /* an ephemeral port whose 4-tuple is still in TIME_WAIT (or in use): draw another */
    for (int tries = 0; tcp_lookup(st, &tp->laddr, so->lport, &tp->faddr, tp->fport); tries++) {
        if (!so->autobound || tries >= 32)
            return -EADDRINUSE;
        sock_unhash(so);
        if (sock_bind_port(so, 0))
            return -EADDRINUSE;
    }
    tp->lport = so->lport;
    if (tcb_buffers(tp))
        return -ENOMEM;
    tp->mss = mss_for(tp);
    tp->iss = tcp_new_isn(tp);
    tp->snd_una = tp->snd_nxt = tp->snd_max = tp->iss;
    hash_insert(tp);
    tcp_set_state(tp, TCPS_SYN_SENT);
    tcp_output(tp);
    return -EINPROGRESS;
}

static bool can_send(const struct tcpcb *tp)
{
    return tp->state == TCPS_ESTABLISHED || tp->state == TCPS_CLOSE_WAIT;
}

ssize_t tcp_send(struct sock *so, const uint8_t *data, size_t len)
{
    struct tcpcb *tp = so->tp;

    if (!tp) {
        if (so->so_error) {
            int e = so->so_error;
            so->so_error = 0;
            return -e;
        }
        return -EPIPE;
    }
    if (tp->state == TCPS_SYN_SENT || tp->state == TCPS_SYN_RECEIVED)
        return -EAGAIN;
    if (!can_send(tp) || tp->fin_queued)
        return -EPIPE;
    uint32_t room = tp->sb_size - tp->sb_len;
    if (!room)
        return -EAGAIN;
    if (!tcp_buf_need(tp, true))
        return -ENOBUFS;
    size_t n = len < room ? len : room;
    for (size_t done = 0; done < n;) {
        uint32_t pos = (tp->sb_head + tp->sb_len) % tp->sb_size;
        size_t chunk = tp->sb_size - pos < n - done ? tp->sb_size - pos : n - done;
        memcpy(tp->sbuf + pos, data + done, chunk);
        tp->sb_len += (uint32_t)chunk;
        done += chunk;
    }
    tcp_output(tp);
    return (ssize_t)n;
}

ssize_t tcp_recv(struct sock *so, uint8_t *data, size_t len, bool peek)
{
    struct tcpcb *tp = so->tp;

    if (!tp) {
        if (so->so_error) {
            int e = so->so_error;
            so->so_error = 0;
            return -e;
        }
        return 0;
    }
    if (!tp->rb_len) {
        if (tp->fin_rcvd || tp->state == TCPS_TIME_WAIT || tp->state == TCPS_CLOSED)
            return 0;
        return tp->state == TCPS_LISTEN ? -ENOTCONN : -EAGAIN;
    }
    size_t n = len < tp->rb_len ? len : tp->rb_len;
    for (size_t done = 0; done < n;) {
        uint32_t pos = (tp->rb_head + (uint32_t)done) % tp->rb_size;
        size_t chunk = tp->rb_size - pos < n - done ? tp->rb_size - pos : n - done;
        memcpy(data + done, tp->rbuf + pos, chunk);
        done += chunk;
    }
    if (peek)
        return (ssize_t)n;
    uint32_t before = tcp_rcv_space(tp);
    tp->rb_head = (tp->rb_head + (uint32_t)n) % tp->rb_size;
    tp->rb_len -= (uint32_t)n;
    /* window update once the window grew by two segments or half the buffer (RFC 9293 §3.8.6.2.2) */
    uint32_t after = tcp_rcv_space(tp);
    if (after - before >= 2u * tp->mss || after >= tp->rb_size / 2) {
        if (before < 2u * tp->mss || after - before >= tp->rb_size / 2 || before == 0) {
            tp->ack_now = true;
            tcp_output(tp);
        }
    }
    return (ssize_t)n;
}

int tcp_shutdown_wr(struct sock *so)
{
    struct tcpcb *tp = so->tp;

    if (!tp || tp->fin_queued)
        return 0;
    if (tp->state == TCPS_ESTABLISHED || tp->state == TCPS_CLOSE_WAIT || tp->state == TCPS_SYN_RECEIVED) {
        tp->fin_queued = true;
        tcp_output(tp);
    }
    return 0;
}

/* close(): RFC 9293 §3.10.4; unread data (RFC 2525 §2.17) or SO_LINGER {1, 0} makes it an abort. */
void tcp_close(struct sock *so)
{
    struct tcpcb *tp = so->tp;

    if (so->aq) {   /* a listener: its unaccepted children go too */
        while (so->aq_len) {
            int sd = tcp_accept(so);
            struct sock *cs = &so->st->socks->s[sd];
            if (cs->tp) {
                struct tcpcb *ctp = cs->tp;
                tcp_respond(so->st, ctp->v4, &ctp->laddr, &ctp->faddr, ctp->lport, ctp->fport, ctp->snd_nxt, 0,
                            0x04, ctp->ifindex);
                ctp->so = NULL;
                tcp_free(ctp);
            }
            sock_free(cs);
        }
        for (unsigned h = 0; h < TCP_HASH; h++)
            for (struct tcpcb *c = so->st->tcp->hash[h], *nx; c; c = nx) {
                nx = c->hnext;
                if (c->listener == so)
                    tcp_drop(c, ECONNABORTED);
            }
    }
    if (!tp)
        return;
    so->tp = NULL;
    tp->so = NULL;
    tp->ipsec = so->ipsec;   /* FIN, retransmissions and TIME_WAIT ACKs keep the socket's protection */
    so->ipsec = NULL;
    switch (tp->state) {
    case TCPS_CLOSED:
    case TCPS_LISTEN:
    case TCPS_SYN_SENT:
        tcp_free(tp);
        return;
    case TCPS_TIME_WAIT:   /* the peer has closed too: unread data goes quietly, no RST */
        free(tp->rbuf);
        tp->rbuf = NULL;
        tp->rb_len = 0;
        return;
    default:
        break;
    }
    if (so->linger_on && so->linger_secs == 0) {   /* SO_LINGER {1, 0}: abort, as BSD and Linux do */
        CTR_INC(tp->st, tcp, close_linger_rst);
        tcp_respond(tp->st, tp->v4, &tp->laddr, &tp->faddr, tp->lport, tp->fport, tp->snd_nxt, 0, 0x04, tp->ifindex);
        tcp_free(tp);
        return;
    }
    if (tp->rb_len) {
        CTR_INC(tp->st, tcp, close_unread_rst);
        tcp_respond(tp->st, tp->v4, &tp->laddr, &tp->faddr, tp->lport, tp->fport, tp->snd_nxt, 0, 0x04, tp->ifindex);
        tcp_free(tp);
        return;
    }
    if (!tp->fin_queued && (tp->state == TCPS_ESTABLISHED || tp->state == TCPS_CLOSE_WAIT ||
                            tp->state == TCPS_SYN_RECEIVED)) {
        tp->fin_queued = true;
        tcp_output(tp);
    }
}

short tcp_poll(const struct sock *so)
{
    const struct tcpcb *tp = so->tp;
    short r = 0;

    if (so->so_error)
        r |= POLLERR;
    if (!tp)
        return (short)(r | POLLIN | POLLHUP);
    if (tp->state == TCPS_LISTEN)
        return (short)(r | (so->aq_len ? POLLIN : 0));
    if (tp->rb_len || tp->fin_rcvd)
        r |= POLLIN;
    if (can_send(tp) && !tp->fin_queued && tp->sb_len < tp->sb_size)
        r |= POLLOUT;
    if (tp->fin_rcvd && tp->fin_queued)
        r |= POLLHUP;
    return r;
}
