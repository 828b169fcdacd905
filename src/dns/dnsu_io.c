/* One step of an update job on the wire (dnsu_priv.h): a slot sends the
 * signed message and waits for the primary's answer.
 *
 * Each attempt draws a fresh id, signs the message at the current wall
 * clock (RFC 8945 §5.1) and sends it from a fresh UDP socket of the stack
 * bound to a random port, then waits DNSU_TIMEOUT_MS << (attempt - 1).
 * Messages over DNSU_UDP_MAX octets, and any whose answer came back with
 * TC, go over TCP (2-octet length framing). DNSU_MAX_RC attempts in all;
 * the step then fails with -ETIMEDOUT, or with the rcode of the server's
 * last TSIG error answer (BADSIG/BADKEY/BADTIME, counted dnsu.tsig_*),
 * which also starts the next attempt at once.
 *
 * Answers are checked by dnsu_check_response (from the server's address
 * and port first): anything that fails is counted dnsu.drop_<check> and
 * ignored — the attempt goes on, the right answer may still come. A
 * verified answer ends the step with its rcode.
 *
 * Failures while sending never end a job inside the call that started it:
 * they arm the slot's timer for the next attempt (dnsu_dispatch walks the
 * queue and must not see it change under it). Socket readiness only marks
 * the slot and arms the client's zero-delay timer. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include "core/log.h"
#include "dns/dnsu_priv.h"
#include "net/stack.h"
#include "six/socket.h"
#include "wire/bytes.h"

#define MS 1000000ull

uint64_t dnsu_wall_now(struct six_stack *st)
{
    /* sixd runs on the monotonic clock: TSIG wants the system's wall
     * clock. The simulator's virtual clock is the wall clock of its world. */
    if (st->clock == &six_clock_mono || st->clock->now == six_clock_mono_now)
        return (uint64_t)time(NULL);
    return six_now(st) / NS_PER_SEC;
}

static void slot_timeout(struct timer *t, void *arg);

void dnsu_slot_init(struct dnsu *u, struct dnsu_slot *s)
{
    memset(s, 0, sizeof *s);
    s->u = u;
    s->sd = -1;
    timer_init(&s->timer, slot_timeout, s);
}

static void slot_close(struct dnsu_slot *s)
{
    struct six_stack *st = s->u->st;
    if (s->sd >= 0) {
        six_sock_set_callback(st, s->sd, NULL, NULL);
        six_close(st, s->sd);
    }
    s->sd = -1;
    s->ev = false;
    s->rx_have = s->tx_off = 0;
}

void dnsu_slot_release(struct dnsu_slot *s)
{
    slot_close(s);
    timer_cancel(&s->timer);
    free(s->rx);
    s->rx = NULL;
    s->tcp = false;
    s->job = NULL;
}

static void sock_cb(void *arg, int sd, short revents)
{
    struct dnsu_slot *s = arg;
    s->ev = true;
    if (!timer_pending(&s->u->kick))
        timer_arm(s->u->st->tw, &s->u->kick, 0);
}

static socklen_t server_len(const struct dnsu *u)
{
    return u->cfg.server.ss_family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);
}

static int open_sock(struct dnsu_slot *s, int type)
{
    struct six_stack *st = s->u->st;
    int sd = six_socket(st, s->u->cfg.server.ss_family, type, 0);
    if (sd < 0)
        return -1;
    s->sd = sd;
    six_sock_set_callback(st, sd, sock_cb, s);
    return 0;
}

/* Build and sign this attempt's message. */
static bool make_message(struct dnsu_slot *s)
{
    struct dnsu *u = s->u;
    s->id = (uint16_t)six_random_secure(u->st);
    size_t n = dnsu_build_step(u, s->job, s->id, s->msg, sizeof s->msg);
    if (n)
        n = dnsu_tsig_sign(&u->key, s->msg, n, sizeof s->msg, dnsu_wall_now(u->st), s->mac, &s->mac_len,
                           u->scratch, sizeof u->scratch);
    s->len = n;
    return n > 0;
}

static bool send_udp(struct dnsu_slot *s)
{
    struct dnsu *u = s->u;
    struct sockaddr_storage any = { .ss_family = u->cfg.server.ss_family };
    if (open_sock(s, SOCK_DGRAM) < 0)
        return false;
    /* port 0: the stack draws a random free ephemeral port (RFC 6056) */
    return six_bind(u->st, s->sd, (struct sockaddr *)&any, server_len(u)) == 0 &&
           six_sendto(u->st, s->sd, s->msg, s->len, 0, (struct sockaddr *)&u->cfg.server, server_len(u)) ==
               (ssize_t)s->len;
}

static bool start_tcp(struct dnsu_slot *s)
{
    struct dnsu *u = s->u;
    if (!s->rx && !(s->rx = malloc(2 + DNS_MAX_MSG)))
        return false;
    if (open_sock(s, SOCK_STREAM) < 0)
        return false;
    if (six_connect(u->st, s->sd, (struct sockaddr *)&u->cfg.server, server_len(u)) < 0 && errno != EINPROGRESS)
        return false;
    s->tx_off = s->rx_have = 0;
    s->ev = true;   /* try the send at once: connect may have completed */
    if (!timer_pending(&u->kick))
        timer_arm(u->st->tw, &u->kick, 0);
    return true;
}

/* The next attempt, or the end of the step when they are used up. */
static void slot_attempt(struct dnsu_slot *s)
{
    struct dnsu *u = s->u;
    slot_close(s);
    if (s->attempt >= DNSU_MAX_RC) {
        dnsu_step_done(u, s, s->refusal ? s->refusal : -ETIMEDOUT);
        return;
    }
    if (s->attempt++ > 0)
        CTR_INC(u->st, dnsu, retransmits);
    uint64_t wait = (uint64_t)DNSU_TIMEOUT_MS << (s->attempt - 1);
    if (!make_message(s)) {
        CTR_INC(u->st, dnsu, send_errors);
        timer_arm(u->st->tw, &s->timer, 0);
        return;
    }
    if (s->len > DNSU_UDP_MAX)
        s->tcp = true;
    bool ok = s->tcp ? start_tcp(s) : send_udp(s);
    if (!ok) {
        CTR_INC(u->st, dnsu, send_errors);
        slot_close(s);
        timer_arm(u->st->tw, &s->timer, wait * MS);
        return;
    }
    CTR_INC(u->st, dnsu, sent);
    if (s->tcp)
        CTR_INC(u->st, dnsu, sent_tcp);
    u->sent++;
    timer_arm(u->st->tw, &s->timer, wait * MS);
}

void dnsu_slot_start(struct dnsu *u, struct dnsu_slot *s, struct dnsu_job *j)
{
    s->job = j;
    s->attempt = 0;
    s->refusal = 0;
    s->tcp = false;
    slot_attempt(s);
}

static void slot_timeout(struct timer *t, void *arg)
{
    struct dnsu_slot *s = arg;
    if (s->job)
        slot_attempt(s);
}

/* ------------------------------------------------------------ answers */

static void count_drop(struct six_stack *st, enum dnsu_check c)
{
    switch (c) {
    case DNSU_DROP_MALFORMED: CTR_INC(st, dnsu, drop_malformed); break;
    case DNSU_DROP_NOT_RESPONSE: CTR_INC(st, dnsu, drop_not_response); break;
    case DNSU_DROP_ID: CTR_INC(st, dnsu, drop_id_mismatch); break;
    case DNSU_DROP_OPCODE: CTR_INC(st, dnsu, drop_bad_opcode); break;
    case DNSU_DROP_ZONE: CTR_INC(st, dnsu, drop_zone_mismatch); break;
    case DNSU_DROP_UNSIGNED: CTR_INC(st, dnsu, drop_unsigned); break;
    case DNSU_DROP_BAD_TSIG: CTR_INC(st, dnsu, drop_bad_tsig); break;
    case DNSU_DROP_WRONG_KEY: CTR_INC(st, dnsu, drop_wrong_key); break;
    case DNSU_DROP_BAD_MAC: CTR_INC(st, dnsu, drop_bad_mac); break;
    case DNSU_DROP_BAD_TIME: CTR_INC(st, dnsu, drop_bad_time); break;
    default: break;
    }
}

static void count_tsig_error(struct six_stack *st, uint16_t e)
{
    if (e == DNS_TSIG_BADSIG)
        CTR_INC(st, dnsu, tsig_badsig);
    else if (e == DNS_TSIG_BADKEY)
        CTR_INC(st, dnsu, tsig_badkey);
    else if (e == DNS_TSIG_BADTIME)
        CTR_INC(st, dnsu, tsig_badtime);
    else
        CTR_INC(st, dnsu, tsig_error_other);
}

/* Act on one message; true if the slot moved on (stop reading). */
static bool slot_message(struct dnsu_slot *s, const uint8_t *msg, size_t len)
{
    struct dnsu *u = s->u;
    const uint8_t *zone = s->job->step ? u->rev : u->zone;
    size_t zl = s->job->step ? u->rev_len : u->zone_len;
    struct dnsu_expect e = { .key = &u->key, .zone = zone, .zone_len = zl, .id = s->id, .req_mac = s->mac,
                             .req_mac_len = s->mac_len, .now = dnsu_wall_now(u->st) };
    unsigned rcode;
    uint16_t terr;
    enum dnsu_check c = dnsu_check_response(&e, msg, len, &rcode, &terr, u->scratch, sizeof u->scratch);
    switch (c) {
    case DNSU_ANSWER:
        dnsu_step_done(u, s, (int)rcode);
        return true;
    case DNSU_TRUNCATED:
        if (s->tcp)
            break;                            /* TC over TCP makes no sense: ignore it */
        CTR_INC(u->st, dnsu, tcp_fallback);
        slot_close(s);
        s->tcp = true;
        if (!start_tcp(s)) {
            CTR_INC(u->st, dnsu, tcp_errors);
            slot_close(s);
        }
        return true;
    case DNSU_TSIG_UNSIGNED_ERROR:
        /* Unsigned, so it may be forged by anyone who sees the request: it
         * neither ends the attempt nor closes the socket (the primary's real,
         * signed answer may still come); it only names the failure if every
         * attempt ends without an answer. */
        count_tsig_error(u->st, terr);
        LOGW("dnsu: an unsigned TSIG error %u (rcode %u) for our update: waiting for a signed answer", terr,
             rcode);
        s->refusal = rcode ? (int)rcode : DNS_RCODE_NOTAUTH;
        return true;
    case DNSU_TSIG_REFUSED:
        count_tsig_error(u->st, terr);
        LOGW("dnsu: the primary refused our TSIG (error %u, rcode %u)", terr, rcode);
        s->refusal = rcode ? (int)rcode : DNS_RCODE_NOTAUTH;
        timer_cancel(&s->timer);
        slot_attempt(s);
        return true;
    default:
        count_drop(u->st, c);
        if (s->tcp) {                         /* a stream carries one answer: the next attempt */
            timer_cancel(&s->timer);
            slot_attempt(s);
            return true;
        }
        return false;
    }
    return false;
}

static bool from_server(const struct dnsu *u, const struct sockaddr_storage *from)
{
    const struct sockaddr_storage *srv = &u->cfg.server;
    if (from->ss_family != srv->ss_family)
        return false;
    if (srv->ss_family == AF_INET) {
        const struct sockaddr_in *a = (const void *)from, *b = (const void *)srv;
        return a->sin_port == b->sin_port && a->sin_addr.s_addr == b->sin_addr.s_addr;
    }
    const struct sockaddr_in6 *a = (const void *)from, *b = (const void *)srv;
    return a->sin6_port == b->sin6_port && !memcmp(&a->sin6_addr, &b->sin6_addr, 16);
}

static void service_udp(struct dnsu_slot *s)
{
    struct dnsu *u = s->u;
    for (;;) {
        struct sockaddr_storage from;
        struct iovec iov = { u->buf, sizeof u->buf };
        struct msghdr m = { .msg_name = &from, .msg_namelen = sizeof from, .msg_iov = &iov, .msg_iovlen = 1 };
        ssize_t n = six_recvmsg(u->st, s->sd, &m, 0);
        if (n < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return;
            CTR_INC(u->st, dnsu, send_errors);   /* an ICMP error: port unreachable... wait for the timer */
            slot_close(s);
            return;
        }
        if (!from_server(u, &from)) {
            CTR_INC(u->st, dnsu, drop_bad_src);
            continue;
        }
        if (m.msg_flags & MSG_TRUNC) {
            CTR_INC(u->st, dnsu, drop_malformed);
            continue;
        }
        if (slot_message(s, u->buf, (size_t)n))
            return;
    }
}

static void tcp_failed(struct dnsu_slot *s)
{
    CTR_INC(s->u->st, dnsu, tcp_errors);
    slot_close(s);                                 /* the timer brings the next attempt */
}

static void service_tcp(struct dnsu_slot *s)
{
    struct six_stack *st = s->u->st;
    uint8_t hdr[2];
    wr16(hdr, (uint16_t)s->len);
    while (s->tx_off < 2 + s->len) {
        const uint8_t *p = s->tx_off < 2 ? hdr + s->tx_off : s->msg + (s->tx_off - 2);
        size_t left = s->tx_off < 2 ? 2 - s->tx_off : s->len - (s->tx_off - 2);
        ssize_t n = six_send(st, s->sd, p, left, 0);
        if (n > 0) {
            s->tx_off += (size_t)n;
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOTCONN))
            return;
        tcp_failed(s);
        return;
    }
    for (;;) {
        size_t need = s->rx_have < 2 ? 2 : 2 + (size_t)rd16(s->rx);
        if (s->rx_have >= 2 && need == 2) {
            tcp_failed(s);
            return;
        }
        if (s->rx_have == need && need > 2) {
            s->rx_have = 0;
            slot_message(s, s->rx + 2, need - 2);
            return;
        }
        ssize_t n = six_recv(st, s->sd, s->rx + s->rx_have, need - s->rx_have, 0);
        if (n > 0) {
            s->rx_have += (size_t)n;
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return;
        tcp_failed(s);
        return;
    }
}

void dnsu_service(struct dnsu *u)
{
    for (unsigned i = 0; i < DNSU_SLOTS; i++) {
        struct dnsu_slot *s = &u->slots[i];
        if (!s->ev)
            continue;
        s->ev = false;
        if (!s->job || s->sd < 0)
            continue;
        if (s->tcp)
            service_tcp(s);
        else
            service_udp(s);
    }
}
