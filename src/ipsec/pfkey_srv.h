/* PF_KEY v2 (RFC 2367, KAME/FreeBSD flavour) served from the SAD and SPD.
 *
 * Pure translation: a message in (the bytes a PF_KEY socket would carry,
 * host byte order, see wire/pfkey.h) → SAD/SPD calls → reply messages out
 * through a callback.  No I/O; the caller (sixd's control socket) frames
 * the messages and keeps the per-connection state (struct pfkey_client).
 *
 * Messages served:
 *   GETSPI   reserve a larval SA with a random SPI of SPIRANGE (default
 *            256..0x0fffffff); it goes away after IPSEC_LARVAL_LIFETIME_S
 *            unless UPDATE matures it
 *   UPDATE   replace an SA with the message's; ESRCH if none; its source
 *            must be the message's.  A larval SA takes everything; a
 *            mature or dying one keeps its keys (other keys: EINVAL, as in
 *            KAME), replay window, counters, add time and state, and only
 *            its lifetimes (kept when the message has none), NAT-T ports
 *            (kept when it has none) and TFC padding change; natt_follow
 *            stays as it is (ipsec_sa_add in ipsec.h)
 *   ADD      a new SA; EEXIST if (SPI, dst, proto) is taken
 *   DELETE   one SA (SA ext present) or every SA from src to dst (no SA
 *            ext: setkey's deleteall); the reply echoes the request
 *   GET      one SA, keys included
 *   ACQUIRE  from a key manager: errno set = it gave up (no reply, as in
 *            KAME); else the header is echoed
 *   REGISTER the connection gets ACQUIRE and EXPIRE for that satype; the
 *            reply lists the algorithms (SUPPORTED_AUTH / _ENCRYPT)
 *   FLUSH, DUMP   by satype (UNSPEC: all); DUMP sends one message per SA,
 *            sadb_msg_seq counting down to 0, or ENOENT when there is none
 *   X_SPDADD, X_SPDUPDATE (add or replace, KAME), X_SPDDELETE (by
 *            selectors and direction), X_SPDDELETE2 and X_SPDGET (by policy
 *            id), X_SPDDUMP (as DUMP), X_SPDFLUSH
 * Refused: EXPIRE, X_PCHANGE, X_SPDACQUIRE, X_SPDEXPIRE (the kernel sends
 * those: EINVAL), X_PROMISC and X_SPDSETIDX (EOPNOTSUPP).
 *
 * Every reply carries the request's type, satype, seq and pid.  A refused
 * request gets one 16-byte reply with sadb_msg_errno set (and a plain
 * reason through *why); nothing is half-applied: each message is checked
 * whole before the SAD/SPD is touched, and a batch runs as one SAD/SPD
 * transaction.  Parse failures are counted in the stack's counters
 * (pfkey.drop.<reason>), every refusal in struct pfkey_srv_stats.
 *
 * Mapping details (the SAD's fields in ipsec.h):
 *   sadb_sa_replay is in bytes (KAME): window = replay * 8 packets;
 *     SADB_X_EXT_SA_REPLAY (packets) overrides it for windows over 2040
 *     packets.  0 means the SAD's default window (IPSEC_REPLAY_DEF), not
 *     "no anti-replay" as in KAME: sixstack never turns the check off from
 *     a key manager, as it does not from setkey files.
 *   sadb_sa_flags: SADB_X_SAFLAGS_ESN → esn; CYCSEQ and the padding flags
 *     are accepted and ignored (padding is always RFC 4303's); others EINVAL.
 *   X_SA2: mode (0 any, 1 transport, 2 tunnel) and reqid.
 *   Lifetimes HARD/SOFT: allocations → packets, bytes, addtime, usetime
 *     (seconds); CURRENT in replies: addtime/usetime are wall-clock times.
 *   NAT-T: X_NAT_T_TYPE (must be 2, ESP in UDP) with X_NAT_T_SPORT and
 *     _DPORT → natt, natt_sport, natt_dport; OAI/OAR/FRAG accepted, unused.
 *   Keys: sadb_key_bits a multiple of 8 and the extension exactly as long
 *     as the key rounded up to 8 bytes; AEAD keys carry the 4-byte salt.
 *   Policies: sadb_x_policy_priority p is SPD priority p - 2^31 (so
 *     ipsec-tools' default 0x80000000 is the SPD's 0); ICMP type and code
 *     travel in the source and destination ports (KAME), port 0 = any;
 *     scope must be 0 or 1 (global).
 *   ACQUIRE: src/dst are the tunnel end points of a tunnel request, else
 *     the policy's selector addresses (the event does not carry the
 *     packet: exact for host-to-host transport policies, the prefix for
 *     wider ones), with X_SA2, X_POLICY and a PROPOSAL of what we offer.
 *
 * Algorithms: one table in pfkey_srv.c, FreeBSD numbers:
 *   encryption  NULL 11, AES-CBC 12, AES-GCM-16 20, AES-GMAC 23,
 *               ChaCha20-Poly1305 15 (SADB_X_EALG_CHACHA20POLY1305 of FreeBSD's
 *               current pfkeyv2.h, FreeBSD 15; 14.0's has no number for it)
 *   integrity   HMAC-SHA1-96 3, HMAC-SHA2-256-128 5
 * For the AEAD ciphers sadb_sa_auth is 0, or the number FreeBSD's kernel
 * itself fills in (AES128/192/256GMAC 11/12/13 for GCM and GMAC by key
 * size, 14 for ChaCha20-Poly1305); replies say 0. */
#ifndef SIX_IPSEC_PFKEY_SRV_H
#define SIX_IPSEC_PFKEY_SRV_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "ipsec/ipsec.h"
#include "wire/pfkey.h"

/* Not in older FreeBSD pfkeyv2.h (14.0 has neither); FreeBSD 15's numbers. */
#ifndef SADB_X_EALG_CHACHA20POLY1305
#define SADB_X_EALG_CHACHA20POLY1305 15
#endif
#ifndef SADB_X_AALG_CHACHA20POLY1305
#define SADB_X_AALG_CHACHA20POLY1305 14
#endif

#define PFKEY_SRV_MSG_MAX 2048u          /* largest message built here */
#define PFKEY_SPI_MIN_DEF 0x100u         /* KAME key_spi_minval */
#define PFKEY_SPI_MAX_DEF 0x0fffffffu    /* KAME key_spi_maxval */
#define PFKEY_PRIO_BASE 0x80000000u      /* PF_KEY priority of SPD priority 0 */

struct six_stack;

struct pfkey_srv_stats {
    uint64_t in_msgs;        /* requests handled */
    uint64_t replies;        /* messages emitted in answer */
    uint64_t errors;         /* requests refused (error replies) */
    uint64_t parse_errors;   /* of which malformed (also pfkey.drop.<reason>) */
    uint64_t batches, batch_aborts;
    uint64_t acquires, expires;   /* asynchronous messages built */
};

/* What the server knows of one PF_KEY client (a control connection). */
struct pfkey_client {
    uint32_t registered;     /* bit n: REGISTER for satype n */
};

/* One message out: a reply (emit) or an asynchronous ACQUIRE/EXPIRE for
 * the clients registered for satype (listen). */
typedef void (*pfkey_emit_fn)(void *ctx, const uint8_t *msg, size_t len);
typedef void (*pfkey_listen_fn)(void *ctx, uint8_t satype, const uint8_t *msg, size_t len);

struct pfkey_srv;

/* One server per stack.  listen may be NULL (events are then dropped).
 * The stack's IPsec event callback is taken at the first REGISTER. */
struct pfkey_srv *pfkey_srv_create(struct six_stack *st, pfkey_listen_fn listen, void *ctx);
/* Before the stack goes. */
void pfkey_srv_destroy(struct pfkey_srv *s);
const struct pfkey_srv_stats *pfkey_srv_stats(const struct pfkey_srv *s);

/* Handle one message: its replies go to emit (zero, one, or one per SA /
 * policy for the dumps).  Returns the reply's errno (0: done; positive,
 * also carried in the error reply), *why a plain reason when nonzero. */
int pfkey_srv_handle(struct pfkey_srv *s, struct pfkey_client *cl, const uint8_t *msg, size_t len,
                     pfkey_emit_fn emit, void *ctx, const char **why);

/* Several messages as one transaction: all applied, their replies emitted
 * in order, 0 returned; or the first refusal undoes everything the batch
 * did (registrations included), only its error reply is emitted, its index
 * goes to *failed and its errno is returned.  An empty DUMP / X_SPDDUMP
 * (ENOENT) is no refusal here: its error reply is emitted in order and the
 * batch goes on, as setkey prints "No SAD entries." and goes on. */
struct pfkey_srv_msg { const uint8_t *p; size_t len; };
int pfkey_srv_batch(struct pfkey_srv *s, struct pfkey_client *cl, const struct pfkey_srv_msg *v, size_t n,
                    pfkey_emit_fn emit, void *ctx, size_t *failed, const char **why);

/* Delete larval SAs past their lifetime now (the server also does it from
 * a timer while any exist); returns how many remain. */
unsigned pfkey_srv_sweep(struct pfkey_srv *s);

/* ---- the algorithm table, shared with sixkey ---- */
/* sadb_sa_encrypt / sadb_sa_auth numbers ↔ ours; false / 0: not supported. */
bool pfkey_ealg_from_sadb(uint8_t id, enum ipsec_ealg *out);
bool pfkey_aalg_from_sadb(uint8_t id, enum ipsec_aalg *out);
uint8_t pfkey_ealg_to_sadb(enum ipsec_ealg e);
uint8_t pfkey_aalg_to_sadb(enum ipsec_aalg a);
/* May sadb_sa_auth accompany encryption e (0 always; the implied integrity
 * numbers of FreeBSD for the AEAD ciphers with a key of ekeylen bytes)? */
bool pfkey_auth_implied(enum ipsec_ealg e, uint8_t auth, size_t ekeylen);

/* Names for messages and errors in logs and tools ("ADD", "X_SPDDUMP"). */
const char *pfkey_type_name(uint8_t type);
const char *pfkey_satype_name(uint8_t satype);   /* "esp", "ah", "unspec" */
uint8_t pfkey_satype_of_proto(uint8_t proto);    /* IPSEC_PROTO_ESP → SADB_SATYPE_ESP */

#endif
