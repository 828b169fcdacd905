/* What the border router's files share (br.c, br_input.c, br_output.c). */
#ifndef SIX_DSTM_BR_PRIV_H
#define SIX_DSTM_BR_PRIV_H
#include "dstm/br.h"
#include "dstm/lq.h"
#include "core/ratelimit.h"
#include "net/stack.h"
#include "wire/ip4.h"
#include "wire/ip6.h"

#define BR_ICMP_PER_SEC 100           /* host unreachable errors per second */
#define BR_FRAG_SLOTS   1024          /* first fragments remembered, per direction (direct-mapped) */
#define BR_FRAG_TTL_NS  (30ull * 1000000000ull)   /* as long as a reassembly waits (RFC 791 / Linux) */
#define BR_PEND_SLOTS   BR_PENDING_TOTAL          /* Leasequeries of ours running at once */
#define BR_MAX_NEST     4
#define BR_BATCH        32            /* packets looked up together on encapsulation */

/* The first fragment of a datagram to or from a shared address: its PSID,
 * so that later fragments (no port) follow it (RFC 7596 §8 / RFC 6346 §3.4). */
struct br_frag {
    uint32_t src, dst;
    uint16_t id, psid;
    uint8_t proto, used;
    struct in6_addr v6;               /* decapsulation: the sender of the first fragment */
    uint64_t expires_ns;
};

/* A Leasequery of ours and the packets waiting for its answer. */
struct br_pend {
    bool used;
    struct in_addr v4;
    uint16_t psid;
    struct dstm_portset ps;
    struct pkt_queue q;
    struct br *br;
};

struct br {
    struct six_stack *st;
    struct br_config cfg;
    struct ifnet *ifp;
    struct br_table *tab;
    struct timer expire_timer;
    struct six_ratelimit icmp_rl;
    struct six_ratelimit spoof_rl;    /* the warning about spoofed 4in6 */
    uint32_t lq_tokens;
    uint64_t lq_refill_ns;
    uint32_t frag_seed;
    uint32_t pending_pkts, lq_waiting;
    struct br_frag frag_in[BR_FRAG_SLOTS], frag_out[BR_FRAG_SLOTS];
    struct br_pend pend[BR_PEND_SLOTS];
};

struct br *br_of(struct six_stack *st);
const struct br_pool *br_pool_of(const struct br *br, struct in_addr a);
int  br_table_learn(struct br *br, const struct dstm_binding *b, bool is_static);
void br_arm_expiry(struct br *br);

/* br_input.c */
bool br_tun_input(void *arg, struct ifnet *ifp, struct pkt *p, size_t off, uint8_t proto,
                  const struct in6_addr *src, const struct in6_addr *dst);
/* The port that picks a shared address's PSID: of the host's side of the
 * packet (from_host: the packet comes from the host, else goes to it).
 * false: no port (another protocol, too short). First fragments only. */
bool br_host_port(const uint8_t *d, size_t len, const struct ip4_info *ih, bool from_host, uint16_t *port);
struct br_frag *br_frag_find(struct br *br, struct br_frag *tab, const struct ip4_info *ih, uint64_t now);
/* Remember a first fragment; false (counted) when its slot holds another live datagram. */
bool br_frag_note(struct br *br, struct br_frag *tab, const struct ip4_info *ih, uint16_t psid,
                  const struct in6_addr *v6, uint64_t now);

/* br_output.c */
unsigned br_xmit(struct ifnet *ifp, struct pkt **pkts, unsigned n);
/* A Leasequery for (v4, psid), joined if one runs; NULL when none may start. */
struct br_pend *br_lq_start(struct br *br, struct in_addr v4, uint16_t psid, const struct br_pool *pool);
void br_pending_release(struct br *br, struct in_addr v4, uint16_t psid);
void br_pending_flush(struct br *br);

#endif
