/* Inside src/ipsec: the per-stack state. */
#ifndef SIX_IPSEC_IPSEC_PRIV_H
#define SIX_IPSEC_IPSEC_PRIV_H
#include "ipsec/ipsec.h"
#include "core/timer.h"
#include "core/counters.h"
#include "net/stack.h"

#define IPSEC_AH_SCRATCH (65536u + 64u)

struct ipsec_state {
    struct ipsec_sa *in_hash[IPSEC_SA_HASH], *out_hash[IPSEC_SA_HASH];
    struct ipsec_sa *id_hash[IPSEC_SA_HASH];   /* by id: the inbound policy check, per packet */
    struct ipsec_sa *sa_head, *sa_tail;
    unsigned n_sa;
    uint32_t next_sa_id, next_sp_id;
    uint64_t next_sp_order;
    struct ipsec_sp *spd[4];          /* by direction (IPSEC_DIR_IN/OUT/FWD), priority order */
    unsigned n_sp;
    struct timer tick;                /* lifetimes in seconds, NAT keepalives */
    uint16_t natt_ports[4];           /* UDP ports NAT-T SAs use (4500 always counts) */
    unsigned n_natt_ports;
    ipsec_event_fn event_fn;
    void *event_ctx;
    /* a transaction (setkey files, PF_KEY batches): what it removed is kept
     * whole, not freed, so that an abort puts it back with its sequence
     * counters and replay windows; what it added is listed to be undone */
    bool in_txn;
    struct ipsec_sa *sa_grave;            /* chained through next */
    struct ipsec_sa **sa_added;
    unsigned n_sa_added, cap_sa_added;
    struct ipsec_sp *sp_grave;            /* chained through next */
    struct ipsec_sp **sp_added;
    unsigned n_sp_added, cap_sp_added;
    /* AH (ah.c): the headers up to the end of AH are normalized in a copy
     * here, never in the packet; any header chain of a 64 KiB packet fits */
    uint8_t ah_scratch[IPSEC_AH_SCRATCH];
    struct sa_persist *persist;       /* the state directory (sa_persist.c), NULL: none */
};

/* Transactions: ipsec.h (begin, then commit or abort). */
void ipsec_sp_txn_end(struct six_stack *st, bool commit);

struct pkt;
/* natt.c: an output SA's NAT keepalive when due (RFC 3948 §2.3, every 20 s of silence) */
/* setkey_apply.c: a parsed setkey SA / policy as the SAD and SPD take it */
struct setkey_sa;
struct setkey_spd;
void setkey_sa_params(const struct setkey_sa *s, struct ipsec_sa_params *p);
void setkey_sel_of(const struct setkey_spd *s, struct ipsec_sel *k);
void setkey_sp_of(const struct setkey_spd *s, struct ipsec_sp *sp);
void ipsec_natt_keepalive(struct six_stack *st, struct ipsec_sa *sa, uint64_t now);
/* natt.c: an authenticated packet of inbound SA sa came from src:sport */
/* Tunnel end points of the policies' requests naming old now name now. */
void ipsec_sp_requests_moved(struct ipsec_state *is, const struct in6_addr *old, const struct in6_addr *now);
/* The NAT-T peer at old:old_port moved to now: the tunnel requests that
 * belong to it -- met by one of its SAs (ESP in UDP from or to that address
 * AND port) and by no other SA -- name now. Another peer behind the same
 * NAT address (another port) keeps its policies. Call it before the SAs
 * move: it judges by where they are. */
void ipsec_sp_requests_follow(struct ipsec_state *is, const struct in6_addr *old, uint16_t old_port,
                              const struct in6_addr *now);
/* ipsec_input.c: does SA sa meet request r (protocol, tunnel end points, unique reqid)? */
bool ipsec_sa_satisfies(const struct ipsec_sa *sa, const struct ipsec_req *r);
/* The same, and selectors naming old as a single address. */
void ipsec_sp_addr_moved(struct ipsec_state *is, const struct in6_addr *old, const struct in6_addr *now);
/* newest: the packet's number is above the window's top before it; only
 * such a packet moves the peer (an older one is counted, not followed). */
void ipsec_natt_follow(struct six_stack *st, struct ipsec_sa *sa, const struct in6_addr *src, uint16_t sport,
                       bool newest);
/* ipsec_input.c: RFC 4301 §5.2 step 4 for a transport-mode packet of sa
 * (authentic, replay-checked) from src (sport: the UDP source port for ESP
 * in UDP, else 0), whose payload is protocol nxt: its outer source must be
 * the SA's peer (the destination is, the SA was found by it); for an SA in
 * UDP the address and port the SA follows now. The one exception is the
 * hometun fallback's, see there: p is then marked PKT_F_IPSEC_PEER_MOVED.
 * false: drop it (counted). */
bool ipsec_transport_peer_ok(struct six_stack *st, struct ipsec_sa *sa, struct pkt *p, const struct in6_addr *src,
                             uint16_t sport, bool newest, uint8_t nxt);
/* natt.c: put ESP at pkt_data(p)+esp_off into UDP (transport: after the IP header; tunnel: esp_off 0) */
bool ipsec_natt_wrap(struct six_stack *st, struct ipsec_sa *sa, struct pkt *p, size_t esp_off);
/* esp_input.c: ESP, maybe out of UDP (sport, nonzero then) */
int esp_input_natt(struct ifnet *ifp, struct pkt *p, bool v4, size_t off, size_t nxt_field, uint16_t sport);
/* Where the upper layer starts: after the IPv6 header and its Hop-by-Hop,
 * Destination Options and Routing headers (a bounded walk; a Fragment
 * header ends it with proto 44), or after the IPv4 header. */
bool ipsec_locate_upper(const struct pkt *p, bool v4, size_t *off, size_t *nxt_field, uint8_t *proto);

/* AH output (ah.c), called by ipsec_output() for AH requests: the same
 * contract as ESP's (PASS: p now carries AH; DONE: consumed, *rc). */
enum ipsec_out ah_output_transport(struct six_stack *st, struct pkt *p, struct ipsec_sa *sa, bool v4,
                                   size_t off, size_t nxt_field, uint8_t proto, int *rc);
enum ipsec_out ah_output_tunnel(struct six_stack *st, struct pkt *p, struct ipsec_sa *sa, bool v4, int *rc);
/* Bytes of the AH header of sa (NULL: the largest, a 16-byte ICV) in a
 * packet of this family. */
size_t ah_overhead(const struct ipsec_sa *sa, bool v4);

/* sa_persist.c: the fingerprint of the keys (and algorithms) p gives, the
 * SA's identity in the state directory together with (proto, SPI, dst). */
void ipsec_sa_key_fp(const struct ipsec_sa_params *p, uint8_t fp[32]);
/* sa_persist.c: a new SA (or a larval one's keys) finds its saved state:
 * its outbound numbers go on above the saved high-water mark, its replay
 * window starts at the saved top. */
void ipsec_persist_sa_added(struct six_stack *st, struct ipsec_sa *sa);
/* sa_persist.c: an SA leaves the SAD (deleted, replaced by a reload or an
 * update): its record keeps the live replay top, so an SA added again with
 * the same keys does not reopen what the window had already seen. */
void ipsec_persist_sa_leaving(struct ipsec_sa *sa);
/* sa_persist.c: save (a clean exit: exact numbers) or not (a simulated
 * crash), then forget the state directory. */
void ipsec_persist_close(struct six_stack *st, bool save);

/* sa_persist.c: the state directory's slow path for outbound number seq
 * of sa (seq > sa->seq_mark). false: seq is above the last high-water mark
 * that reached the disk and a new one could not be written: the packet
 * must not go (counted). */
bool ipsec_persist_seq(struct six_stack *st, struct ipsec_sa *sa, uint64_t seq);

/* The next outbound sequence number of sa (ESP and AH output): false when
 * there is none (exhausted, or not saved ahead; counted). */
static inline bool ipsec_seq_next(struct six_stack *st, struct ipsec_sa *sa, uint64_t *seq)
{
    if (replay_next_seq(&sa->tx, sa->esn, seq) != REPLAY_OK) {
        CTR_INC(st, ipsec, drop_seq_exhausted);
        return false;
    }
    if (*seq > sa->seq_mark && !ipsec_persist_seq(st, sa, *seq)) {
        sa->tx.last = *seq - 1;   /* not sent: the number stays free */
        return false;
    }
    return true;
}

#endif
