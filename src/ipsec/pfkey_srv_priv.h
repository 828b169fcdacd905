/* Inside the PF_KEY server (pfkey_srv.c, pfkey_sad.c, pfkey_spd.c,
 * pfkey_alg.c): the server's state and what one request carries. */
#ifndef SIX_IPSEC_PFKEY_SRV_PRIV_H
#define SIX_IPSEC_PFKEY_SRV_PRIV_H
#include "ipsec/pfkey_srv.h"
#include "core/timer.h"

struct pfkey_srv {
    struct six_stack *st;
    pfkey_listen_fn listen;
    void *listen_ctx;
    bool hooked;                 /* the stack's IPsec event callback is ours */
    struct timer larval;         /* sweeps larval SAs while any exist */
    uint32_t acquire_seq;        /* sadb_msg_seq of our ACQUIREs, never 0 */
    struct pfkey_srv_stats stats;
    char whybuf[64];             /* a composed reason (malformed messages) */
};

/* One request being answered. */
struct pfkey_req {
    struct pfkey_srv *s;
    struct six_stack *st;
    struct pfkey_client *cl;
    const struct pfkey_msg *m;
    pfkey_emit_fn emit;
    void *ctx;
    const char *why;             /* reason of a refusal */
};

/* Refuse: sets why, returns -err (handlers return 0 or -errno). */
int pk_refuse(struct pfkey_req *r, int err, const char *why);
/* A reply with the request's header (errno 0); pk_send finishes and emits it. */
void pk_reply_begin(const struct pfkey_req *r, struct pfkey_builder *b, uint8_t *buf, size_t cap);
int  pk_send(struct pfkey_req *r, struct pfkey_builder *b);
/* Echo the request's extensions of the types in mask (bit = type). */
void pk_echo(struct pfkey_builder *b, const struct pfkey_msg *m, uint32_t mask);
#define PK_EXT(t) (1u << (t))

/* Addresses: a PF_KEY sockaddr ↔ the SAD's form (IPv4 mapped). */
int  pk_addr_in(struct pfkey_req *r, const struct pfkey_address *a, struct in6_addr *out, uint16_t *port);
void pk_addr_out(const struct in6_addr *a, unsigned prefixlen, uint8_t proto, uint16_t port,
                 struct pfkey_address *out);

/* Handlers (pfkey_sad.c, pfkey_spd.c). */
int pk_getspi(struct pfkey_req *r);
int pk_add(struct pfkey_req *r, bool update);
int pk_delete(struct pfkey_req *r);
int pk_get(struct pfkey_req *r);
int pk_flush(struct pfkey_req *r);
int pk_dump(struct pfkey_req *r);
int pk_register(struct pfkey_req *r);
int pk_spdadd(struct pfkey_req *r, bool update);
int pk_spddelete(struct pfkey_req *r);
int pk_spd_by_id(struct pfkey_req *r, bool del);
int pk_spddump(struct pfkey_req *r);
int pk_spdflush(struct pfkey_req *r);

/* Asynchronous messages: length built into buf (0: did not fit). */
size_t pk_build_expire(struct pfkey_srv *s, const struct ipsec_sa *sa, bool hard, uint8_t *buf, size_t cap);
size_t pk_build_acquire(struct pfkey_srv *s, const struct ipsec_sp *sp, const struct ipsec_req *req,
                        uint8_t *buf, size_t cap);
/* The policy of sp as X_POLICY (with its requests). */
void pk_policy_ext(struct pfkey_builder *b, const struct ipsec_sp *sp);

/* pfkey_alg.c: SUPPORTED_AUTH/_ENCRYPT of a REGISTER reply, and the
 * PROPOSAL of an ACQUIRE. */
void pk_add_supported(struct pfkey_builder *b);
void pk_add_proposal(struct pfkey_builder *b);

/* Arm the larval sweep (after a GETSPI). */
void pk_larval_arm(struct pfkey_srv *s);
/* Take the stack's IPsec event callback (first REGISTER); 0 or -ENOMEM. */
int pk_register_hook(struct pfkey_srv *s);

#endif
