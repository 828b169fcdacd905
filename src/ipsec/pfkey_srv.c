/* PF_KEY server: parsing, the checks every message shares, dispatch,
 * batches as transactions, the asynchronous ACQUIRE / EXPIRE, larval SA
 * sweeps.  The message handlers are in pfkey_sad.c and pfkey_spd.c. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include "ipsec/ipsec_priv.h"
#include "ipsec/pfkey_srv_priv.h"
#include "ipsec/sad_larval.h"
#include "net/stack.h"
#include "wire/ip6.h"

#define E(t) PK_EXT(t)
#define NATT_EXTS (E(SADB_X_EXT_NAT_T_TYPE) | E(SADB_X_EXT_NAT_T_SPORT) | E(SADB_X_EXT_NAT_T_DPORT) | \
                   E(SADB_X_EXT_NAT_T_OAI) | E(SADB_X_EXT_NAT_T_OAR))
#define SA_ID_EXTS (E(SADB_EXT_SA) | E(SADB_EXT_ADDRESS_SRC) | E(SADB_EXT_ADDRESS_DST) | E(SADB_X_EXT_SA2) | \
                    NATT_EXTS | E(SADB_X_EXT_KMPRIVATE))
#define SA_ALL_EXTS (SA_ID_EXTS | E(SADB_EXT_LIFETIME_HARD) | E(SADB_EXT_LIFETIME_SOFT) | E(SADB_EXT_KEY_AUTH) | \
                     E(SADB_EXT_KEY_ENCRYPT) | E(SADB_EXT_IDENTITY_SRC) | E(SADB_EXT_IDENTITY_DST) | \
                     E(SADB_X_EXT_NAT_T_FRAG) | E(SADB_X_EXT_SA_REPLAY))
#define SPD_SEL_EXTS (E(SADB_EXT_ADDRESS_SRC) | E(SADB_EXT_ADDRESS_DST) | E(SADB_X_EXT_POLICY))

/* Which extensions each request may carry (RFC 2367 §3.1 and KAME's
 * additions); anything else is refused rather than silently ignored. */
static uint32_t allowed_exts(uint8_t type)
{
    switch (type) {
    case SADB_GETSPI:
        return E(SADB_EXT_ADDRESS_SRC) | E(SADB_EXT_ADDRESS_DST) | E(SADB_EXT_SPIRANGE) | E(SADB_X_EXT_SA2) |
               NATT_EXTS | E(SADB_X_EXT_KMPRIVATE);
    case SADB_UPDATE: case SADB_ADD:
        return SA_ALL_EXTS;
    case SADB_DELETE: case SADB_GET:
        return SA_ID_EXTS;
    case SADB_ACQUIRE:
        return ~0u;   /* answered without looking at them */
    case SADB_X_SPDADD: case SADB_X_SPDUPDATE:
        return SPD_SEL_EXTS | E(SADB_EXT_LIFETIME_HARD) | E(SADB_EXT_LIFETIME_CURRENT);
    case SADB_X_SPDDELETE:
        return SPD_SEL_EXTS;
    case SADB_X_SPDDELETE2: case SADB_X_SPDGET:
        return E(SADB_X_EXT_POLICY);
    case SADB_REGISTER: case SADB_FLUSH: case SADB_DUMP: case SADB_X_SPDFLUSH: case SADB_X_SPDDUMP:
        return 0;
    default:
        return ~0u;   /* not served: refused for its type, not for its extensions */
    }
}

static const char *const type_names[SADB_MAX + 1] = {
    "?", "GETSPI", "UPDATE", "ADD", "DELETE", "GET", "ACQUIRE", "REGISTER", "EXPIRE", "FLUSH", "DUMP",
    "X_PROMISC", "X_PCHANGE", "X_SPDUPDATE", "X_SPDADD", "X_SPDDELETE", "X_SPDGET", "X_SPDACQUIRE",
    "X_SPDDUMP", "X_SPDFLUSH", "X_SPDSETIDX", "X_SPDEXPIRE", "X_SPDDELETE2",
};

const char *pfkey_type_name(uint8_t type)
{
    return type <= SADB_MAX ? type_names[type] : "?";
}

const char *pfkey_satype_name(uint8_t satype)
{
    switch (satype) {
    case SADB_SATYPE_UNSPEC: return "unspec";
    case SADB_SATYPE_AH: return "ah";
    case SADB_SATYPE_ESP: return "esp";
    case SADB_X_SATYPE_IPCOMP: return "ipcomp";
    case SADB_X_SATYPE_TCPSIGNATURE: return "tcp";
    default: return "?";
    }
}

uint8_t pfkey_satype_of_proto(uint8_t proto)
{
    return proto == IPSEC_PROTO_AH ? SADB_SATYPE_AH : proto == IPSEC_PROTO_ESP ? SADB_SATYPE_ESP : 0;
}

/* ---- helpers shared by the handlers ---- */

int pk_refuse(struct pfkey_req *r, int err, const char *why)
{
    r->why = why;
    return -err;
}

void pk_reply_begin(const struct pfkey_req *r, struct pfkey_builder *b, uint8_t *buf, size_t cap)
{
    struct pfkey_hdr h = r->m->hdr;
    h.err = 0;
    h.reserved = 0;
    pfkey_build_init(b, buf, cap, &h);
}

int pk_send(struct pfkey_req *r, struct pfkey_builder *b)
{
    size_t n = pfkey_build_finish(b);
    if (!n)
        return pk_refuse(r, ENOBUFS, "reply does not fit");
    r->s->stats.replies++;
    r->emit(r->ctx, b->buf, n);
    return 0;
}

void pk_echo(struct pfkey_builder *b, const struct pfkey_msg *m, uint32_t mask)
{
    for (size_t i = 0; i < m->n_ext; i++)
        if (mask & PK_EXT(m->order[i]))
            pfkey_add_parsed(b, m, m->order[i]);
}

int pk_addr_in(struct pfkey_req *r, const struct pfkey_address *a, struct in6_addr *out, uint16_t *port)
{
    memset(out, 0, sizeof *out);
    if (a->addr.sa.sa_family == AF_INET) {
        out->s6_addr[10] = out->s6_addr[11] = 0xff;
        memcpy(&out->s6_addr[12], &a->addr.sin.sin_addr, 4);
        *port = ntohs(a->addr.sin.sin_port);
        return 0;
    }
    if (a->addr.sin6.sin6_scope_id)
        return pk_refuse(r, EINVAL, "scoped (link-local) addresses are not supported");
    if (in6_is_v4mapped(&a->addr.sin6.sin6_addr))
        return pk_refuse(r, EINVAL, "IPv4-mapped IPv6 address: send AF_INET");
    *out = a->addr.sin6.sin6_addr;
    *port = ntohs(a->addr.sin6.sin6_port);
    return 0;
}

void pk_addr_out(const struct in6_addr *a, unsigned prefixlen, uint8_t proto, uint16_t port,
                 struct pfkey_address *out)
{
    memset(out, 0, sizeof *out);
    out->proto = proto;
    out->prefixlen = (uint8_t)prefixlen;
    if (in6_is_v4mapped(a)) {
        out->addr.sin.sin_family = AF_INET;
        out->addr.sin.sin_port = htons(port);
        memcpy(&out->addr.sin.sin_addr, &a->s6_addr[12], 4);
    } else {
        out->addr.sin6.sin6_family = AF_INET6;
        out->addr.sin6.sin6_port = htons(port);
        out->addr.sin6.sin6_addr = *a;
    }
}

/* ---- dispatch ---- */

static int not_served(struct pfkey_req *r)
{
    switch (r->m->hdr.type) {
    case SADB_EXPIRE: case SADB_X_PCHANGE: case SADB_X_SPDACQUIRE: case SADB_X_SPDEXPIRE:
        return pk_refuse(r, EINVAL, "the kernel sends this message type, it does not take it");
    default:
        return pk_refuse(r, EOPNOTSUPP, "message type not supported");
    }
}

/* ACQUIRE from a key manager: with errno set it reports a failed
 * negotiation, which KAME answers with nothing; otherwise the header comes
 * back. */
static int km_acquire(struct pfkey_req *r)
{
    struct pfkey_builder b;
    uint8_t buf[PFKEY_MSG_LEN];
    if (r->m->hdr.err)
        return 0;
    pk_reply_begin(r, &b, buf, sizeof buf);
    return pk_send(r, &b);
}

static int dispatch(struct pfkey_req *r)
{
    switch (r->m->hdr.type) {
    case SADB_GETSPI: return pk_getspi(r);
    case SADB_UPDATE: return pk_add(r, true);
    case SADB_ADD: return pk_add(r, false);
    case SADB_DELETE: return pk_delete(r);
    case SADB_GET: return pk_get(r);
    case SADB_ACQUIRE: return km_acquire(r);
    case SADB_REGISTER: return pk_register(r);
    case SADB_FLUSH: return pk_flush(r);
    case SADB_DUMP: return pk_dump(r);
    case SADB_X_SPDADD: return pk_spdadd(r, false);
    case SADB_X_SPDUPDATE: return pk_spdadd(r, true);
    case SADB_X_SPDDELETE: return pk_spddelete(r);
    case SADB_X_SPDDELETE2: return pk_spd_by_id(r, true);
    case SADB_X_SPDGET: return pk_spd_by_id(r, false);
    case SADB_X_SPDDUMP: return pk_spddump(r);
    case SADB_X_SPDFLUSH: return pk_spdflush(r);
    default: return not_served(r);
    }
}

static int check_exts(struct pfkey_req *r)
{
    uint32_t ok = allowed_exts(r->m->hdr.type);
    for (size_t i = 0; i < r->m->n_ext; i++)
        if (!(ok & PK_EXT(r->m->order[i])))
            return pk_refuse(r, EINVAL, "an extension this message type does not take");
    if (r->m->hdr.err && r->m->hdr.type != SADB_ACQUIRE)
        return pk_refuse(r, EINVAL, "sadb_msg_errno set in a request");
    if (r->m->hdr.reserved)
        return pk_refuse(r, EINVAL, "sadb_msg_reserved not zero");
    return 0;
}

/* 16 bytes: the request's header as far as it could be read, errno set. */
static void emit_error(struct pfkey_srv *s, const uint8_t *msg, size_t len, int err, pfkey_emit_fn emit,
                       void *ctx)
{
    uint8_t b[PFKEY_MSG_LEN] = { PF_KEY_V2 };
    uint16_t units = PFKEY_MSG_LEN / PFKEY_UNIT;
    if (len >= 2)
        b[1] = msg[1];
    b[2] = (uint8_t)(err > 255 ? EINVAL : err);
    if (len >= 4)
        b[3] = msg[3];
    memcpy(b + 4, &units, sizeof units);
    if (len >= PFKEY_MSG_LEN)
        memcpy(b + 8, msg + 8, 8);   /* seq, pid */
    s->stats.errors++;
    emit(ctx, b, sizeof b);
}

int pfkey_srv_handle(struct pfkey_srv *s, struct pfkey_client *cl, const uint8_t *msg, size_t len,
                     pfkey_emit_fn emit, void *ctx, const char **why)
{
    struct pfkey_msg m;
    struct pfkey_req r = { .s = s, .st = s->st, .cl = cl, .m = &m, .emit = emit, .ctx = ctx, .why = "" };
    int rc;
    s->stats.in_msgs++;
    enum wire_reason wr = pfkey_parse(msg, len, &m);
    if (wr != WR_OK) {
        WIRE_DROP(s->st, pfkey, wr);
        s->stats.parse_errors++;
        snprintf(s->whybuf, sizeof s->whybuf, "malformed message (%s)", wire_reason_str(wr));
        *why = s->whybuf;
        emit_error(s, msg, len, EINVAL, emit, ctx);
        return EINVAL;
    }
    rc = check_exts(&r);
    if (!rc)
        rc = dispatch(&r);
    *why = r.why;
    if (rc) {
        six_trace(s->st, "pfkey: %s refused: %s (%s)", pfkey_type_name(m.hdr.type), r.why, strerror(-rc));
        emit_error(s, msg, len, -rc, emit, ctx);
        return -rc;
    }
    return 0;
}

/* ---- batches ---- */

struct obuf { uint8_t *p; size_t len, cap; bool failed; };

static void obuf_emit(void *ctx, const uint8_t *msg, size_t len)
{
    struct obuf *o = ctx;
    if (o->failed)
        return;
    if (len > o->cap - o->len) {
        size_t cap = o->cap ? o->cap : 4096;
        while (cap - o->len < len)
            cap *= 2;
        uint8_t *p = realloc(o->p, cap);
        if (!p) {
            o->failed = true;
            return;
        }
        o->p = p;
        o->cap = cap;
    }
    memcpy(o->p + o->len, msg, len);
    o->len += len;
}

/* Replies are whole messages back to back, each with its own length. */
static void obuf_flush(const struct obuf *o, size_t from, pfkey_emit_fn emit, void *ctx)
{
    for (size_t off = from; off + PFKEY_MSG_LEN <= o->len;) {
        uint16_t units;
        memcpy(&units, o->p + off + 4, sizeof units);
        size_t n = (size_t)units * PFKEY_UNIT;
        if (n < PFKEY_MSG_LEN || n > o->len - off)
            return;
        emit(ctx, o->p + off, n);
        off += n;
    }
}

static bool empty_dump(const struct pfkey_srv_msg *m)
{
    return m->len >= 2 && (m->p[1] == SADB_DUMP || m->p[1] == SADB_X_SPDDUMP);
}

int pfkey_srv_batch(struct pfkey_srv *s, struct pfkey_client *cl, const struct pfkey_srv_msg *v, size_t n,
                    pfkey_emit_fn emit, void *ctx, size_t *failed, const char **why)
{
    struct obuf o = { 0 };
    uint32_t registered = cl->registered;
    *why = "";
    *failed = 0;
    s->stats.batches++;
    if (n == 0)
        return 0;
    if (!ipsec_get(s->st)) {
        *why = "out of memory";
        emit_error(s, v[0].p, v[0].len, ENOMEM, emit, ctx);
        return ENOMEM;
    }
    ipsec_txn_begin(s->st);
    for (size_t i = 0; i < n; i++) {
        size_t mark = o.len;
        int rc = pfkey_srv_handle(s, cl, v[i].p, v[i].len, obuf_emit, &o, why);
        if (rc == ENOENT && empty_dump(&v[i]))
            continue;   /* its reply says so; nothing to undo (setkey's "No SAD entries.") */
        if (!rc && o.failed) {
            rc = ENOMEM;
            *why = "out of memory";
        }
        if (rc) {
            ipsec_txn_abort(s->st);
            cl->registered = registered;
            if (o.failed)
                emit_error(s, v[i].p, v[i].len, rc, emit, ctx);
            else
                obuf_flush(&o, mark, emit, ctx);   /* its error reply only */
            free(o.p);
            *failed = i;
            s->stats.batch_aborts++;
            return rc;
        }
    }
    ipsec_txn_commit(s->st);
    obuf_flush(&o, 0, emit, ctx);
    free(o.p);
    return 0;
}

/* ---- asynchronous messages ---- */

static void on_event(void *ctx, enum ipsec_event ev, const struct ipsec_sa *sa, const struct ipsec_sp *sp,
                     const struct ipsec_req *req)
{
    struct pfkey_srv *s = ctx;
    uint8_t buf[PFKEY_SRV_MSG_MAX];
    size_t n;
    uint8_t satype;
    if (ev == IPSEC_EV_ACQUIRE) {
        if (!sp || !req)
            return;
        n = pk_build_acquire(s, sp, req, buf, sizeof buf);
        satype = pfkey_satype_of_proto(req->proto);
        s->stats.acquires++;
    } else {
        if (!sa || sa->state == IPSEC_SA_LARVAL)
            return;
        n = pk_build_expire(s, sa, ev == IPSEC_EV_HARD_EXPIRE, buf, sizeof buf);
        satype = pfkey_satype_of_proto(sa->proto);
        s->stats.expires++;
    }
    if (n && s->listen)
        s->listen(s->listen_ctx, satype, buf, n);
}

int pk_register_hook(struct pfkey_srv *s)
{
    if (s->hooked)
        return 0;
    if (!ipsec_get(s->st))
        return -ENOMEM;
    ipsec_set_event_cb(s->st, on_event, s);
    s->hooked = true;
    return 0;
}

/* ---- larval SAs ---- */

static void larval_tick(struct timer *t, void *arg)
{
    struct pfkey_srv *s = arg;
    if (pfkey_srv_sweep(s))
        timer_arm(s->st->tw, t, 1000000000ull);
}

void pk_larval_arm(struct pfkey_srv *s)
{
    if (!timer_pending(&s->larval))
        timer_arm(s->st->tw, &s->larval, 1000000000ull);
}

unsigned pfkey_srv_sweep(struct pfkey_srv *s)
{
    return ipsec_sa_larval_sweep(s->st, IPSEC_LARVAL_LIFETIME_S);
}

/* ---- life ---- */

struct pfkey_srv *pfkey_srv_create(struct six_stack *st, pfkey_listen_fn listen, void *ctx)
{
    struct pfkey_srv *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->st = st;
    s->listen = listen;
    s->listen_ctx = ctx;
    timer_init(&s->larval, larval_tick, s);
    return s;
}

void pfkey_srv_destroy(struct pfkey_srv *s)
{
    if (!s)
        return;
    timer_cancel(&s->larval);
    if (s->hooked && s->st->ipsec)
        ipsec_set_event_cb(s->st, NULL, NULL);
    free(s);
}

const struct pfkey_srv_stats *pfkey_srv_stats(const struct pfkey_srv *s)
{
    return &s->stats;
}
