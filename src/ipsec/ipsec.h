/* IPsec in the stack (RFC 4301 model): the SAD, the SPD and the hooks the
 * IPv6 and IPv4 paths call.
 *
 * SAs are unidirectional and keyed by (SPI, destination, protocol) for
 * input — one hash probe — and by (source, destination, protocol) for
 * output, where the newest usable SA wins: adding a replacement SA moves
 * output to it at once while input still accepts the old one until it is
 * deleted, so a rekey loses nothing.  Policies are kept per direction in
 * priority order (lower value first, then the order they were added), KAME's
 * semantics: an "in" policy that asks for ipsec rejects packets that did not
 * come through a matching SA; forwarded packets are checked against "fwd"
 * policies, or "in" ones when no "fwd" policy matches (KAME checks forwarded
 * packets against its inbound SPD); outbound and forwarded packets take the
 * first matching "out" policy.
 *
 * Tunnel mode: the decapsulated inner packet re-enters ip6_input/ip4_input
 * and must then match a policy whose request names this SA's tunnel end
 * points; the outer source address is never trusted for anything else.
 *
 * Caps: IPSEC_MAX_SA SAs and IPSEC_MAX_SP policies.  When the SAD is full a
 * new SA evicts the oldest larval one (GETSPI reservations); failing that
 * the add is refused (ENOBUFS) — mature SAs are never evicted silently. */
#ifndef SIX_IPSEC_IPSEC_H
#define SIX_IPSEC_IPSEC_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include "ipsec/ipsec_alg.h"
#include "ipsec/esp_xform.h"
#include "ipsec/replay.h"

#define IPSEC_MAX_SA     4096u
#define IPSEC_MAX_SP     1024u
#define IPSEC_SA_HASH    1024u
#define IPSEC_MAX_REQS   4u
#define IPSEC_MAX_NEST   2u          /* ESP inside ESP at most, on input */
#define IPSEC_REPLAY_DEF 64u         /* packets, when the SA does not say */
#define IPSEC_SA_KEY_MAX 64u         /* bytes of one key as given (salt included) */

struct six_stack;
struct pkt;
struct ifnet;

enum ipsec_sa_state { IPSEC_SA_LARVAL, IPSEC_SA_MATURE, IPSEC_SA_DYING, IPSEC_SA_DEAD };

/* 0 = no limit */
struct ipsec_lifetime { uint64_t bytes, packets, add_s, use_s; };

/* What PF_KEY ADD/UPDATE and setkey's add carry. Addresses: IPv4 as mapped. */
struct ipsec_sa_params {
    uint32_t spi;                 /* host order, >= 256 */
    uint8_t proto;                /* IPSEC_PROTO_ESP / _AH */
    uint8_t mode;                 /* enum ipsec_mode; ANY is taken as transport-or-tunnel */
    struct in6_addr src, dst;
    uint32_t reqid;
    uint32_t replay;              /* window in packets; 0 = IPSEC_REPLAY_DEF */
    bool replay_off;              /* no anti-replay (RFC 4303 allows it for manual keys; not advised) */
    bool esn;
    enum ipsec_ealg ealg;
    enum ipsec_aalg aalg;
    const uint8_t *ekey, *akey;
    size_t ekeylen, akeylen;
    struct ipsec_lifetime hard, soft;
    bool keep_lifetimes;          /* update: hard and soft stay the SA's (PF_KEY UPDATE without lifetimes) */
    uint32_t tfc_pad;             /* extra zero bytes after the payload (RFC 4303 §2.7) */
    /* NAT traversal (RFC 3948): ESP in UDP between these ports */
    bool natt;
    uint16_t natt_sport, natt_dport;
    bool natt_follow;             /* move to the peer's new address/port on an authenticated packet */
    bool keep_natt;               /* update: NAT-T type and ports stay the SA's (PF_KEY UPDATE without them) */
    bool keep_natt_follow;        /* update: natt_follow stays the SA's (PF_KEY cannot say it) */
};

struct ipsec_sa_stats {
    uint64_t packets, bytes;
    uint64_t drop_replay, drop_icv, drop_pad, drop_trunc, drop_selector, drop_expired;
};

struct ipsec_sa {
    struct ipsec_sa *in_next, *out_next, *id_next;   /* hash chains */
    struct ipsec_sa *prev, *next;          /* every SA, oldest first */
    uint32_t id;                           /* stable handle, never reused while the stack lives */
    uint32_t spi;
    uint8_t proto, mode, state;
    bool esn, replay_off, natt, soft_fired, v4;
    struct in6_addr src, dst;
    uint32_t reqid, tfc_pad;
    uint16_t natt_sport, natt_dport;       /* UDP ports of this SA's packets (RFC 3948) */
    bool natt_follow;
    uint64_t natt_ka_ns;                   /* output SAs: last packet or keepalive sent */
    struct replay_window replay;           /* input */
    struct replay_sender tx;               /* output */
    struct ipsec_xform x;
    struct ipsec_lifetime hard, soft;
    uint64_t add_ns, use_ns;               /* use_ns 0 until first use */
    uint64_t cur_bytes, cur_packets;
    struct ipsec_sa_stats stats;
    /* the keys as ADD/UPDATE gave them, for PF_KEY GET and DUMP (the xform
     * keeps HMAC keys only as digest states); wiped with the SA */
    uint8_t ekey[IPSEC_SA_KEY_MAX], akey[IPSEC_SA_KEY_MAX];
    uint8_t ekeylen, akeylen;
    uint64_t last_ns;                      /* the last packet through it (stack clock), 0: none yet */
    /* the state directory (sa_persist.c): the SA's record, NULL when none;
     * an outbound number above seq_mark takes the slow path that writes
     * the high-water mark ahead (UINT64_MAX: never); its keys' fingerprint */
    struct sa_persist_rec *persist;
    uint64_t seq_mark;
    uint8_t key_fp[32];
};

/* Selectors of a policy (ranges) or of a packet (prefix lengths 128). */
struct ipsec_sel {
    uint8_t family;               /* AF_INET6 or AF_INET (addresses mapped) */
    struct in6_addr src, dst;
    uint8_t splen, dplen;         /* over the mapped form for IPv4: 96 + n */
    uint8_t ulproto;              /* IPSEC_ULPROTO_ANY */
    uint16_t sport, dport;        /* 0 = any */
    bool has_icmp_type, has_icmp_code;
    uint8_t icmp_type, icmp_code;
};

struct ipsec_req {
    uint8_t proto, mode, level;
    uint32_t reqid;
    struct in6_addr tsrc, tdst;   /* tunnel end points (mode tunnel) */
};

struct ipsec_sp {
    struct ipsec_sp *next;
    uint32_t id;
    uint8_t dir, action;
    int64_t priority;
    struct ipsec_sel sel;
    unsigned nreq;
    struct ipsec_req req[IPSEC_MAX_REQS];
    uint64_t hits, last_acquire_ns;
    uint64_t order;               /* place among equal priorities, set by ipsec_sp_add */
};

/* Events for the key manager (PF_KEY ACQUIRE / EXPIRE). */
enum ipsec_event { IPSEC_EV_ACQUIRE, IPSEC_EV_SOFT_EXPIRE, IPSEC_EV_HARD_EXPIRE };
typedef void (*ipsec_event_fn)(void *ctx, enum ipsec_event ev, const struct ipsec_sa *sa,
                               const struct ipsec_sp *sp, const struct ipsec_req *req);

struct ipsec_state;

/* Created on first use (an SA or a policy added); NULL until then, and the
 * packet paths cost one pointer test. */
struct ipsec_state *ipsec_get(struct six_stack *st);
void ipsec_destroy(struct six_stack *st);
void ipsec_set_event_cb(struct six_stack *st, ipsec_event_fn fn, void *ctx);

/* --- SAD (sad.c). All return 0 or -errno, *err a plain reason. --- */
/* Add an SA, or with update replace the one of (SPI, dst, proto); its
 * source address becomes p->src (setkey's way to follow a moved end point;
 * PF_KEY UPDATE refuses another source before it gets here).  A larval SA
 * (GETSPI) takes everything p says.  A mature or dying SA keeps its keys,
 * algorithms, ESN, mode, reqid and window size (-EINVAL when p would change
 * one of them: KAME's rule, a new key needs a new SA) and everything it has
 * lived through: the anti-replay window, the sequence counter, its add
 * time, use counts and soft-expiry state; only lifetimes, NAT-T ports and
 * TFC padding take p's values (keep_lifetimes, keep_natt, keep_natt_follow:
 * not even those). */
int  ipsec_sa_add(struct six_stack *st, const struct ipsec_sa_params *p, bool update, const char **err);
int  ipsec_sa_delete(struct six_stack *st, uint8_t proto, const struct in6_addr *src, const struct in6_addr *dst,
                     uint32_t spi);
/* Every SA from src to dst of proto (setkey deleteall); returns how many. */
unsigned ipsec_sa_delete_all(struct six_stack *st, uint8_t proto, const struct in6_addr *src,
                             const struct in6_addr *dst);
void ipsec_sa_flush(struct six_stack *st, uint8_t proto);   /* proto 0: all */
struct ipsec_sa *ipsec_sa_find(struct six_stack *st, uint8_t proto, const struct in6_addr *dst, uint32_t spi);
struct ipsec_sa *ipsec_sa_by_id(struct six_stack *st, uint32_t id);
/* Re-key an SA's addresses and NAT-T ports in the hashes (a NAT-T peer or a
 * hometun end point moved); a gif bound to it follows a new destination. */
void ipsec_sa_move(struct six_stack *st, struct ipsec_sa *sa, const struct in6_addr *src, const struct in6_addr *dst,
                   uint16_t sport, uint16_t dport);
/* One of the two ends of our traffic changed address: every SA and every
 * policy (single-address selectors, tunnel requests) naming old names now. */
void ipsec_addr_moved(struct six_stack *st, const struct in6_addr *old, const struct in6_addr *now);
/* The SA output uses from src to dst (mode, reqid if nonzero); NULL if none. */
struct ipsec_sa *ipsec_sa_out(struct six_stack *st, uint8_t proto, uint8_t mode, const struct in6_addr *src,
                              const struct in6_addr *dst, uint32_t reqid);
void ipsec_sa_foreach(struct six_stack *st, void (*fn)(void *ctx, const struct ipsec_sa *sa), void *ctx);
/* Byte/packet accounting and lifetimes after a packet went through sa; false: hard limit hit, SA gone. */
bool ipsec_sa_account(struct six_stack *st, struct ipsec_sa *sa, size_t bytes);
const char *ipsec_sa_state_name(int state);
unsigned ipsec_sa_count(const struct six_stack *st);

/* --- SPD (spd.c) --- */
int  ipsec_sp_add(struct six_stack *st, const struct ipsec_sp *sp, bool update, const char **err);
int  ipsec_sp_delete(struct six_stack *st, uint8_t dir, const struct ipsec_sel *sel);
void ipsec_sp_flush(struct six_stack *st);
struct ipsec_sp *ipsec_sp_lookup(struct six_stack *st, uint8_t dir, const struct ipsec_sel *pkt);
/* The same without counting a hit (for estimates, not for packets). */
struct ipsec_sp *ipsec_sp_peek(struct six_stack *st, uint8_t dir, const struct ipsec_sel *pkt);
void ipsec_sp_foreach(struct six_stack *st, void (*fn)(void *ctx, const struct ipsec_sp *sp), void *ctx);
unsigned ipsec_sp_count(const struct six_stack *st);
bool ipsec_active(const struct six_stack *st);   /* any policy at all */

/* --- packet paths (ipsec_output.c, esp_input.c, ipsec_input.c) --- */

/* Selectors of a complete IPv6 or IPv4 packet at pkt_data(p), the upper
 * layer at off with protocol proto (ports / ICMP type and code if present). */
void ipsec_sel_of_packet(const struct pkt *p, bool v4, size_t off, uint8_t proto, struct ipsec_sel *out);

/* Outbound decision for a packet the stack originates or forwards.  The
 * packet is complete (IP header at pkt_data(p)), not yet routed.
 * IPSEC_OUT_PASS: send it as it is (*pp may now be ESP in transport mode);
 * IPSEC_OUT_DONE: consumed (sent through a tunnel SA, or dropped: *rc). */
enum ipsec_out { IPSEC_OUT_PASS, IPSEC_OUT_DONE };
enum ipsec_out ipsec_output(struct six_stack *st, struct pkt *p, bool v4, bool forwarded, int *rc);
struct ipsec_sockpol;
/* The same for a packet a socket sends: its "out" policy, unless entrust
 * (or sockpol NULL), is used instead of the SPD (KAME: socket policy
 * first).  Its ACQUIRE rate limit is kept in *sockpol. */
enum ipsec_out ipsec_output_sp(struct six_stack *st, struct pkt *p, bool v4, bool forwarded,
                               struct ipsec_sockpol *sockpol, int *rc);

/* ESP tunnel mode through a given SA (a tunnel interface bound to it):
 * the inner packet at pkt_data(p) is sealed and sent from the SA's source
 * to its destination.  Always IPSEC_OUT_DONE; *rc as ip6_output's. */
enum ipsec_out ipsec_output_tunnel_sa(struct six_stack *st, struct pkt *p, struct ipsec_sa *sa, bool inner_v4,
                                      int *rc);

/* ESP input: p holds the whole packet, ESP at off, the byte announcing it
 * at nxt_field.  Returns the next header to go on with at off (transport
 * mode: ESP removed), or -1 when p was consumed (tunnel mode re-entered
 * input, or dropped and counted). */
int  esp_input(struct ifnet *ifp, struct pkt *p, bool v4, size_t off, size_t nxt_field);
/* AH input (RFC 4302), the same contract as esp_input. */
int  ah_input(struct ifnet *ifp, struct pkt *p, bool v4, size_t off, size_t nxt_field);
/* AH tunnel mode: ip6_output / ip4_output call this for IP6_OUT_IPSEC_AH /
 * IP4_OUT_IPSEC_AH right after building the outer header, which the ICV
 * covers.  0, or -errno with p freed (counted). */
int  ipsec_ah_finish(struct six_stack *st, struct pkt *p, bool v4);

/* UDP at off of p to one of the NAT-T ports of our SAs (RFC 3948): an
 * ESP packet goes on to esp_input (returns what it returns), a keepalive is
 * counted and freed (-1).  -2: not for IPsec, deliver as UDP (IKE). */
int  ipsec_natt_input(struct ifnet *ifp, struct pkt *p, bool v4, size_t off, size_t nxt_field);

/* Inbound policy check before delivering to an upper layer (forwarded
 * false) or forwarding (true).  false: drop, counted. */
bool ipsec_in_check(struct six_stack *st, const struct pkt *p, const struct ipsec_sel *sel, bool forwarded);
/* The same for a packet about to be forwarded (IP header at pkt_data(p)). */
bool ipsec_fwd_check(struct six_stack *st, const struct pkt *p, bool v4);
/* A socket's "in" policy when p is delivered to it (UDP, raw, TCP), on top
 * of the SPD check the IP layer already made; NULL or entrust: true.
 * false: drop, counted (ipsec.drop_sockpol_in, or drop_discard). */
bool ipsec_in_check_sp(struct six_stack *st, const struct pkt *p, const struct ipsec_sockpol *sockpol);

/* Bytes IPsec adds to a packet of this flow (0 without a policy that
 * protects it): what TCP takes off its MSS (KAME's ipsec_hdrsiz). */
size_t ipsec_hdrsiz(struct six_stack *st, bool v4, const struct in6_addr *src, const struct in6_addr *dst,
                    uint8_t proto, uint16_t sport, uint16_t dport);
/* The same for a socket's packets: its "out" policy unless entrust. */
size_t ipsec_hdrsiz_sp(struct six_stack *st, const struct ipsec_sockpol *sockpol, bool v4,
                       const struct in6_addr *src, const struct in6_addr *dst, uint8_t proto,
                       uint16_t sport, uint16_t dport);
/* Is a one of this stack's addresses (IPv4 mapped)? */
bool ipsec_own_address(struct six_stack *st, const struct in6_addr *a);

/* --- per-socket policy (sockpolicy.c): KAME's IPV6_IPSEC_POLICY and
 * IP_IPSEC_POLICY socket options, see include/six/socket.h ---
 * One policy per direction and no selectors: it covers every packet the
 * socket sends or receives.  action IPSEC_ACT_ENTRUST = ask the SPD (the
 * default).  The ipsec_sp of a socket has id 0 (SPD entries start at 1). */
struct ipsec_sockpol {
    struct ipsec_sp in, out;
};
#define IPSEC_SOCKPOL_MAX 1024u   /* bytes of a policy, string or sadb_x_policy */
/* Set the direction val names: a string in ipsec_set_policy(3) form ("out
 * ipsec esp/transport//require", "in bypass", "out entrust", ...) or a
 * sadb_x_policy extension as ipsec_set_policy() returns it.  *pp is
 * allocated on first use and freed (NULL) when both directions are entrust
 * again.  0, or -EINVAL (not a socket policy: nothing changed) / -ENOMEM. */
int  ipsec_sockpol_set(struct ipsec_sockpol **pp, const void *val, size_t len);
/* The string form of direction dir (IPSEC_DIR_IN or IPSEC_DIR_OUT) into
 * buf[n], NUL-terminated; returns its length (as snprintf: >= n means it
 * did not fit). */
int  ipsec_sockpol_format(const struct ipsec_sockpol *sp, uint8_t dir, char *buf, size_t n);
/* Deep copy (NULL stays NULL); 0 or -ENOMEM. */
int  ipsec_sockpol_dup(const struct ipsec_sockpol *src, struct ipsec_sockpol **out);
void ipsec_sockpol_free(struct ipsec_sockpol *sp);

/* --- display (ipsec_show.c): one line each, setkey -D / -DP in spirit --- */
const char *ipsec_ealg_name(enum ipsec_ealg e);
const char *ipsec_aalg_name(enum ipsec_aalg a);
const char *ipsec_mode_name(int mode);
const char *ipsec_dir_name(int dir);
void ipsec_sa_format(const struct ipsec_sa *sa, char *buf, size_t n);
void ipsec_sp_format(const struct ipsec_sp *sp, char *buf, size_t n);

/* --- setkey(8) syntax (setkey_apply.c): all or nothing --- */
struct setkey_cmds;
/* Apply parsed commands; on failure nothing is changed and err says which
 * line failed and why.  dump/spddump/get output goes to out (may be NULL). */
int ipsec_setkey_apply(struct six_stack *st, const struct setkey_cmds *cmds, const char *file,
                       char *err, size_t errlen, void (*out)(void *ctx, const char *line), void *outctx);

/* Transactions (sad.c, spd.c): what a transaction removes is kept whole and
 * what it adds is listed, so that an abort puts the SAD and SPD back as they
 * were, SA state (sequence numbers, replay windows, NAT-T ends) included.
 * ipsec_setkey_apply inside a caller's transaction leaves the commit or abort
 * to the caller (a reload spans several files: src/ctl/cfgdiff.c). */
void ipsec_txn_begin(struct six_stack *st);
void ipsec_txn_commit(struct six_stack *st);
void ipsec_txn_abort(struct six_stack *st);
bool ipsec_txn_active(const struct six_stack *st);

/* Reload of a setkey file (setkey_diff.c): make the SAD/SPD entries that
 * old_cmds set up into those new_cmds sets up, touching only what differs.
 * Each text's effect is computed as a set (add/update/delete/flush of its own
 * entries); SAs equal in both (SPI, addresses, keys, algorithms, every
 * parameter) are kept with their state, changed ones replaced, removed ones
 * deleted; policies likewise. old_cmds NULL: nothing before; new_cmds NULL:
 * remove what old_cmds set up. What it did goes to counts
 * (may be NULL). Call inside a transaction: on failure the caller aborts;
 * err says what failed. */
struct setkey_diff_counts { unsigned sa_added, sa_removed, sa_kept, sp_added, sp_removed, sp_kept; };
int ipsec_setkey_diff_apply(struct six_stack *st, const struct setkey_cmds *old_cmds,
                            const struct setkey_cmds *new_cmds, const char *file, char *err, size_t errlen,
                            struct setkey_diff_counts *counts);

#endif
