/* The DTI client (draft-ietf-ngtrans-dstm §6): the Dynamic Tunneling
 * Interface dti0 and the daemon side that gets it an IPv4 address.
 *
 * dti0 is an interface of the stack (IFT_RAWIP, no ARP) with no IPv4
 * address until it needs one (§6.1): the first IPv4 packet routed into it
 * (or `sixctl dstm client up`) makes the stack's DHCPv6 client on the
 * uplink ask the AIIH for an IPv4 address, in the draft's encoding (§7:
 * the extension, code `opt-code`, + an IA_NA with IPAADDR ::ffff:0.0.0.0)
 * or RFC 7598's (`lw4o6`: S46_CONT_LW in the ORO). The draft's IA rides in
 * every Solicit / Request / Renew / Rebind while the DTI runs: empty when
 * nothing is wanted (the server may fill it with what it offered after a
 * Reconfigure, §5.1.3, but should not allocate for it otherwise), with
 * IAADDR ::ffff:0.0.0.0 when the DTI asks, with the held address when it
 * holds one (client.h: d6c_v4_*). Packets routed into dti0
 * meanwhile wait (DTI_PENDING_MAX, then dropped and counted). With the
 * address: it is set on dti0 (a /32), and IPv4 leaves as 4in6 from the
 * uplink's global address (§6.2.1) to the TEP:
 *   - dynamic TEP (§6.2.2.1, `dynamic-tep on`): the destination's holder
 *     asked of the AIIH by Leasequery (lq.h), cached (DTI_TEP_CACHE entries,
 *     for the lease's remaining lifetime, negative answers DTI_NEG_TTL s);
 *     on failure (not found, timeout) the static TEP;
 *   - static TEP (§6.2.2.2): the one the AIIH gave with the address, else
 *     the configured `tep ADDR6`.
 * 4in6 arriving at the uplink address is accepted only from an IPv6 source
 * that may send it: the static TEP, or a dynamic-TEP cache entry holding the
 * inner IPv4 source (dti.drop_spoof otherwise), and only to dti0's address
 * (and port set).
 * Renew at T1 (the DHCPv6 client does), Release after `idle` seconds
 * without IPv4 traffic (§5.1.1 "MUST Release"), address removed at expiry.
 * A Reconfigure from the AIIH (§5.1.3, the server allocating on a DNS
 * query) is accepted like any other (the client's reconfigure key).
 *
 * Gateway mode (`gateway on`, §4.3 "IPv4 compiled application"): dti0 is a
 * TUN device on the host kernel, given the IPv4 address and a default IPv4
 * route there (through rtnetlink, removed on stop), so unmodified IPv4
 * programs of the host use it; the host kernel's IPv4 packets read from the
 * TUN are encapsulated as above, decapsulated ones written to it.
 * lw4o6 (a port set): the host's flows are translated into the set by
 * NAPT44 (napt44.h, RFC 7596 §5.1) before encapsulation, back after. */
#ifndef SIX_DSTM_DTI_H
#define SIX_DSTM_DTI_H
#include <stdbool.h>
#include <stdint.h>
#include <net/if.h>
#include <netinet/in.h>
#include "dstm/dstm.h"

#define DTI_PENDING_MAX 64        /* packets waiting for the address */
#define DTI_TEP_CACHE   4096      /* dynamic TEP entries (LRU) */
#define DTI_NEG_TTL     30        /* s: a "not found" is remembered this long */
#define DTI_LQ_RATE     50        /* dynamic TEP Leasequeries per second (dti.lq_ratelimited) */
#define DTI_IDLE_DEFAULT 600      /* s without IPv4 traffic, then Release */

/* `dstm client dev UPLINK [name dti0] [lw4o6] [opt-code N] [tep ADDR6] [dynamic-tep on|off]
 *  [aiih ADDR6] [idle S] [gateway on] [on-demand on|off]` */
struct dti_config {
    char ifname[IFNAMSIZ];        /* "" : "dti0" */
    char uplink[IFNAMSIZ];        /* the IPv6 interface (its DHCPv6 client asks) */
    bool lw4o6;                   /* RFC 7598 encoding and a port set; else the draft's */
    uint16_t opt_code;            /* 0: DSTM_OPT_CODE_DEFAULT */
    bool has_tep;
    struct in6_addr tep;          /* static TEP when the AIIH gives none */
    bool dynamic_tep;
    bool has_aiih;
    struct in6_addr aiih;         /* Leasequery target (default: the DHCPv6 server's address) */
    uint32_t idle;                /* 0: DTI_IDLE_DEFAULT; UINT32_MAX: never released for idleness */
    bool gateway;                 /* dti0 is a TUN on the host kernel */
    bool on_demand;               /* true (default): wait for the first packet; false: ask at start */
};

int  dti_configure(struct six_stack *st, const struct dti_config *cfg, char *why, size_t whyn);
int  dti_disable(struct six_stack *st, bool release);
/* Ask for the address now (`sixctl dstm client up`); 0 or -errno. */
int  dti_up(struct six_stack *st);

enum dti_state { DTI_IDLE, DTI_ASKING, DTI_BOUND, DTI_RELEASING };
struct dti_info {
    bool running;
    struct dti_config cfg;
    enum dti_state state;
    struct dstm_binding b;        /* valid when BOUND */
    uint64_t tep_cache, pending, last_tx_ns;
};
void dti_info(struct six_stack *st, struct dti_info *out);
const char *dti_state_name(enum dti_state s);
/* The NAPT44 table of a binding with a port set (napt44.h; `dstm napt`
 * shows it); NULL when not bound or the binding is a whole address. */
struct napt44;
const struct napt44 *dti_napt44(struct six_stack *st);

#endif
