/* DSTM (draft-ietf-ngtrans-dstm: Dual Stack Transition Mechanism) and its
 * modern form lw4o6 (RFC 7596): IPv6-only networks whose dual-stack hosts
 * borrow a global IPv4 address (or, lw4o6, a port set of a shared one) only
 * while they need it, and carry IPv4 inside IPv6 (protocol 4, RFC 2473) to
 * a Tunnel End Point at the border.
 *
 * The parts, one per file family (src/dstm/):
 *   aiih*   the AIIH server (§5): IPv4 pools leased through the DHCPv6
 *           server's lease store, per-prefix TEPs, the draft's IPv4 Global
 *           Address Extension (§7) and RFC 7598 S46_CONT_LW, allocation on a
 *           DNS A query (§5.1.3) by Reconfigure, Leasequery (RFC 5007) for
 *           border routers and dynamic TEPs; its DNS half is src/dns/.
 *   dti*    the DTI client (§6): the interface dti0, IPv4 by DHCPv6 on first
 *           use, static and dynamic TEP, gateway mode (a TUN to the host
 *           kernel), NAPT44 into an lw4o6 port set (napt44.c).
 *   br*     the border router / TEP (§4): the binding table (10^6 entries),
 *           decapsulation with the source check, encapsulation by binding.
 *   lq*     the Leasequery requestor the BR and the DTI share.
 *
 * This header: what every part shares. Layers: dstm sits beside dhcp6 and
 * dns above transport; net/ reaches it only through six_tun_hook_add. */
#ifndef SIX_DSTM_DSTM_H
#define SIX_DSTM_DSTM_H
#include <stdbool.h>
#include <stdint.h>
#include <netinet/in.h>

struct six_stack;

/* The draft's IPv4 Global Address Extension (§7.1) never got a code: the
 * code is configurable (`opt-code N`); this is the default, an unassigned
 * value chosen to stay clear of IANA's list. */
#define DSTM_OPT_CODE_DEFAULT 65001

/* An lw4o6 port set (RFC 7597 §5.1, RFC 7596): offset a bits, PSID length
 * k, the PSID. psid_len 0: the whole address (DSTM proper). */
struct dstm_portset {
    uint8_t offset;           /* a: 0..15 (RFC 7597 default 6) */
    uint8_t psid_len;         /* k: 0..16, a + k <= 16 */
    uint16_t psid;            /* < 2^k */
};

/* true when port belongs to ps (always for psid_len 0). Ports whose top a
 * bits are all zero (0..1023 for a = 6) belong to no set when a > 0. */
bool dstm_port_in_set(const struct dstm_portset *ps, uint16_t port);
/* The PSID port belongs to under (offset, psid_len); false for the
 * excluded low ports. */
bool dstm_port_psid(uint8_t offset, uint8_t psid_len, uint16_t port, uint16_t *psid);
/* Number of ports in a set, and the i-th one (0 <= i < count), for NAPT. */
uint32_t dstm_portset_size(const struct dstm_portset *ps);
uint16_t dstm_portset_port(const struct dstm_portset *ps, uint32_t i);
/* offset <= 15, psid_len <= 16, offset + psid_len <= 16, psid < 2^k. */
bool dstm_portset_valid(const struct dstm_portset *ps);

/* One binding: the IPv4 address (and port set) a host holds, the IPv6
 * address its 4in6 comes from and goes to, until when. */
struct dstm_binding {
    struct in_addr v4;
    struct dstm_portset ps;
    struct in6_addr v6;       /* the host's end of the tunnel (its B4 / DTI address) */
    struct in6_addr tep;      /* the TEP given to the host (:: if none) */
    int64_t expires;          /* wall s (lease_wall_now) */
};

/* IPv4 leases live in the DHCPv6 server's lease store as kind LEASE_V4;
 * the store's key is (kind, addr), so the port set is folded into addr:
 *   whole address:  ::ffff:a.b.c.d (IPv4-mapped)
 *   port set:       octet 4 = 0x01 (marks a port set), octet 5 = psid_len,
 *                   octets 6..7 = psid (network order), octet 8 = offset,
 *                   octets 10..11 = 0xffff, octets 12..15 = the address,
 *                   every other octet 0.
 * so several hosts share one address under distinct keys, and a whole
 * address and its port sets never collide by accident (pools of both
 * kinds over one address are refused by configuration). */
void dstm_lease_key(struct in6_addr *key, struct in_addr v4, const struct dstm_portset *ps);
/* false when key is no IPv4 lease key of either form. */
bool dstm_lease_key_parse(const struct in6_addr *key, struct in_addr *v4, struct dstm_portset *ps);

/* Binding events: the AIIH publishes, whoever holds a copy (the DNS
 * updater, a border router in the same sixd, `sixctl dstm bindings`
 * watchers) subscribes. BOUND is sent when the client got its Reply (the
 * binding is acknowledged, §7.2), again on each extension; GONE when a
 * release, an expiry or a Decline ends it. */
enum dstm_event { DSTM_EV_BOUND = 1, DSTM_EV_GONE = 2 };
typedef void (*dstm_event_fn)(void *arg, enum dstm_event ev, const struct dstm_binding *b);
#define DSTM_MAX_SUBSCRIBERS 8
int  dstm_subscribe(struct six_stack *st, dstm_event_fn fn, void *arg);   /* 0 or -ENOSPC */
void dstm_unsubscribe(struct six_stack *st, dstm_event_fn fn, void *arg);
void dstm_publish(struct six_stack *st, enum dstm_event ev, const struct dstm_binding *b);

/* The module's per-stack state: each part hangs its own here with the
 * function that frees it (as dhcp6.h does), so dstm.c names none of them. */
struct aiih;
struct dti;
struct br;
struct aiih_dns;
struct dstm {
    struct six_stack *st;
    struct aiih *aiih;
    void (*aiih_free)(struct dstm *d);
    struct dti *dti;
    void (*dti_free)(struct dstm *d);
    struct br *br;
    void (*br_free)(struct dstm *d);
    struct lq *lq;                    /* the Leasequery requestor (lq.c), freed after its users */
    void (*lq_free)(struct dstm *d);
    struct aiih_dns *aiih_dns;          /* aiih_dns.c: the AIIH's DNS half joined to its DHCPv6 half */
    void (*aiih_dns_free)(struct dstm *d);
    struct { dstm_event_fn fn; void *arg; } subs[DSTM_MAX_SUBSCRIBERS];
};
/* Created on first use (NULL only when out of memory); freed with the stack. */
struct dstm *dstm_get(struct six_stack *st);

#endif
