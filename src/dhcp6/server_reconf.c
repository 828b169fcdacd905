/* Reconfigure (RFC 9915 §18.3.11, §20.4): the server asks a client to
 * Renew, Rebind or send an Information-request now.  The message carries
 * the Reconfigure Key Authentication Protocol's AUTH option: HMAC-MD5 (via
 * EVP) keyed with the client's reconfigure key over the whole message with
 * the HMAC field zeroed, and a replay detection value (RDM 0, monotonic)
 * strictly above every one sent before, this run or an earlier one: it is
 * the wall clock in ns (or the last one + 1), so a restart never reuses one.
 * Retransmitted REC_TIMEOUT, doubling, REC_MAX_RC times, until the client's
 * Renew / Rebind / Information-request arrives. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <openssl/core_names.h>
#include <openssl/params.h>
#include "dhcp6/server_int.h"
#include "net/oplog.h"
#include "net/stack.h"
#include "wire/ip6.h"

static uint64_t wall_ns(const struct six_stack *st)
{
    if (!st->clock || st->clock->now == six_clock_mono_now) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        return (uint64_t)ts.tv_sec * NS_PER_SEC + (uint64_t)ts.tv_nsec;
    }
    return (uint64_t)D6S_SIM_EPOCH * NS_PER_SEC + six_now(st);
}

uint64_t d6s_next_replay(struct d6_server *s)
{
    uint64_t w = wall_ns(s->st);
    s->replay = w > s->replay ? w : s->replay + 1;
    return s->replay;
}

static int hmac_md5(struct d6_server *s, const uint8_t key[16], const uint8_t *msg, size_t len, uint8_t out[16])
{
    EVP_MAC_CTX *c = EVP_MAC_CTX_new(s->hmac);
    char md5[] = "MD5";
    OSSL_PARAM p[] = { OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, md5, 0), OSSL_PARAM_construct_end() };
    size_t outl = 0;
    int ok = c && EVP_MAC_init(c, key, 16, p) && EVP_MAC_update(c, msg, len) && EVP_MAC_final(c, out, &outl, 16) &&
             outl == 16;
    EVP_MAC_CTX_free(c);
    return ok ? 0 : -1;
}

/* Build and send one Reconfigure of r. */
static int reconf_emit(struct d6s_reconf *r)
{
    struct d6_server *s = r->s;
    uint8_t buf[512];
    struct dhcp6_builder b;
    dhcp6_build_init(&b, buf, sizeof buf);
    dhcp6_build_hdr(&b, DHCP6_RECONFIGURE, 0);   /* transaction-id 0 (RFC 9915 §16.11) */
    dhcp6_put_opt(&b, D6O_SERVERID, s->duid, s->duid_len);
    dhcp6_put_opt(&b, D6O_CLIENTID, r->duid, r->duid_len);
    dhcp6_put_u8(&b, D6O_RECONF_MSG, r->type);
    uint8_t info[DHCP6_RKAP_INFO_LEN] = { DHCP6_RKAP_HMAC };   /* HMAC zero while computed */
    size_t off = 0;
    dhcp6_put_auth(&b, DHCP6_AUTH_PROTO_RKAP, DHCP6_AUTH_ALG_HMAC_MD5, DHCP6_AUTH_RDM_MONOTONIC, d6s_next_replay(s),
                   info, sizeof info, &off);
    size_t len = dhcp6_build_done(&b);
    if (!len || off + DHCP6_RKAP_INFO_LEN > len)
        return -EMSGSIZE;
    if (hmac_md5(s, r->rkey, buf, len, buf + off + 1) < 0)
        return -EIO;
    d6s_send(s, buf, len, &r->to);
    CTR_INC(s->st, dhcp6s, out_reconfigure);
    return 0;
}

static void reconf_timer(struct timer *t, void *arg)
{
    struct d6s_reconf *r = arg;
    struct d6_server *s = r->s;
    if (r->tries >= D6S_REC_MAX_RC) {
        CTR_INC(s->st, dhcp6s, reconf_gave_up);
        six_event(s->st, LOG_INFO, "dhcp6 server: reconfigure: no answer after %u tries", r->tries);
        r->live = false;
        return;
    }
    r->tries++;
    CTR_INC(s->st, dhcp6s, reconf_retrans);
    reconf_emit(r);
    r->rt_ms *= 2;
    timer_arm(s->st->tw, &r->t, (uint64_t)(r->rt_ms) * NS_PER_MS);
}

void d6s_reconf_heard(struct d6_server *s, const uint8_t *duid, uint8_t len)
{
    for (int i = 0; i < D6S_MAX_RECONF; i++) {
        struct d6s_reconf *r = &s->reconf[i];
        if (r->live && r->duid_len == len && !memcmp(r->duid, duid, len)) {
            timer_cancel(&r->t);
            r->live = false;
            CTR_INC(s->st, dhcp6s, reconf_done);
        }
    }
}

void d6s_reconf_stop_all(struct d6_server *s)
{
    for (int i = 0; i < D6S_MAX_RECONF; i++) {
        timer_cancel(&s->reconf[i].t);
        s->reconf[i].live = false;
    }
}

/* Where the client is reached: where it was last heard on the link, else
 * (behind a relay) its address. */
static int reconf_dest(struct d6_server *s, const struct d6s_lease *e, struct sockaddr_in6 *to, char *why, size_t whyn)
{
    memset(to, 0, sizeof *to);
    to->sin6_family = AF_INET6;
    to->sin6_port = htons(DHCP6_CLIENT_PORT);
    if (!e->relayed && e->ifindex) {
        to->sin6_addr = e->peer;
        to->sin6_scope_id = in6_is_linklocal(&e->peer) ? e->ifindex : 0;
        return 0;
    }
    for (unsigned b = 0; b < (1u << D6S_TABLE_BITS); b++)
        for (struct d6s_lease *x = s->tab.by_addr[b]; x; x = x->anext)
            if (x->in_bind && x->l.kind == LEASE_NA && x->l.duid_len == e->l.duid_len &&
                !memcmp(x->l.duid, e->l.duid, e->l.duid_len)) {
                to->sin6_addr = x->l.addr;
                return 0;
            }
    snprintf(why, whyn, "the client is behind a relay and has no address leased: nowhere to send");
    return -EHOSTUNREACH;
}

int d6s_reconf_send(struct d6_server *s, struct d6s_lease *e, uint8_t msg, char *why, size_t whyn)
{
    if (!e->l.has_rkey)
        return snprintf(why, whyn, "the client has no reconfigure key (it did not send Reconfigure Accept)"),
               -ENOKEY;
    struct d6s_reconf *r = NULL;
    for (int i = 0; i < D6S_MAX_RECONF; i++) {
        struct d6s_reconf *x = &s->reconf[i];
        if (x->live && x->duid_len == e->l.duid_len && !memcmp(x->duid, e->l.duid, x->duid_len))
            return snprintf(why, whyn, "a Reconfigure to this client is already under way"), -EALREADY;
        if (!x->live && !r)
            r = x;
    }
    if (!r)
        return snprintf(why, whyn, "%d Reconfigures under way already", D6S_MAX_RECONF), -EBUSY;
    int rc = reconf_dest(s, e, &r->to, why, whyn);
    if (rc < 0)
        return rc;
    r->s = s;
    r->duid_len = e->l.duid_len;
    memcpy(r->duid, e->l.duid, e->l.duid_len);
    memcpy(r->rkey, e->l.rkey, 16);
    r->type = msg;
    r->tries = 1;
    r->rt_ms = D6S_REC_TIMEOUT_MS;
    if ((rc = reconf_emit(r)) < 0)
        return snprintf(why, whyn, "cannot build the Reconfigure"), rc;
    r->live = true;
    timer_init(&r->t, reconf_timer, r);
    timer_arm(s->st->tw, &r->t, (uint64_t)(r->rt_ms) * NS_PER_MS);
    char a[INET6_ADDRSTRLEN];
    inet_ntop(AF_INET6, &r->to.sin6_addr, a, sizeof a);
    six_event(s->st, LOG_INFO, "dhcp6 server: reconfigure (%s) sent to %s", dhcp6_msg_name(msg), a);
    return 0;
}

struct find_ctx { const uint8_t *duid; size_t dl; const struct in6_addr *addr; struct d6s_lease *hit; };

static void find_one(void *arg, struct d6s_lease *e)
{
    struct find_ctx *c = arg;
    if (c->hit || !e->in_bind)
        return;
    if (c->duid ? e->l.duid_len == c->dl && !memcmp(e->l.duid, c->duid, c->dl) && e->l.has_rkey
                : !memcmp(&e->l.addr, c->addr, sizeof *c->addr))
        c->hit = e;
}

int d6s_reconfigure(struct six_stack *st, const uint8_t *duid, size_t duid_len, const struct in6_addr *addr,
                    uint8_t msg, char *why, size_t whyn)
{
    struct d6_server *s = d6s_get(st);
    if (!s)
        return snprintf(why, whyn, "no DHCPv6 server running"), -ESRCH;
    struct find_ctx c = { duid_len ? duid : NULL, duid_len, addr, NULL };
    d6s_table_foreach(&s->tab, find_one, &c);
    if (!c.hit && duid_len) {   /* a client without a key: say so rather than "no lease" */
        c.duid = NULL;
        for (unsigned b = 0; b < (1u << D6S_TABLE_BITS) && !c.hit; b++)
            for (struct d6s_lease *e = s->tab.by_addr[b]; e; e = e->anext)
                if (e->in_bind && e->l.duid_len == duid_len && !memcmp(e->l.duid, duid, duid_len))
                    c.hit = e;
    }
    if (!c.hit)
        return snprintf(why, whyn, "no bound lease for that client"), -ENOENT;
    return d6s_reconf_send(s, c.hit, msg, why, whyn);
}
