/* IPv4 internals shared by the files of src/net that implement IPv4:
 * in4.c (addresses, interface life), ip4_input.c, ip4_output.c (and the
 * deferred loopback), frag4.c (reassembly), icmp4.c, arp.c, route4.c.
 * Every table has a fixed cap, set here, and an eviction rule documented
 * where the table lives. Only the IPv4 files listed above include
 * this file: the rest of the stack sees ip4_var.h only. */
#ifndef SIX_NET_IP4_PRIV_H
#define SIX_NET_IP4_PRIV_H
#include <stdint.h>
#include <stdbool.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include "core/timer.h"
#include "core/pkt.h"
#include "wire/wire.h"
#include "wire/ip4.h"
#include "net/stack.h"
#include "net/rtable.h"
#include "net/ip4_var.h"

/* protocol constants */
#define IP4_DEFAULT_TTL        64
#define IP4_MIN_MTU            68            /* RFC 791: every module must forward 68 bytes */
#define IP4_MAXPACKET          65535
#define ICMP4_ERR_MAXLEN       576           /* RFC 1812 §4.3.2.3: whole error fits in 576 */
#define ICMP4_ERR_RATE         100           /* tokens per second */
#define ICMP4_ERR_BURST        20
#define ARP_REACHABLE_MS       30000         /* REACHABLE → STALE */
#define ARP_RETRANS_MS         1000
#define ARP_MAX_TRIES          3             /* requests before "unreachable" */
#define FRAG4_TIMEOUT_MS       30000         /* RFC 791 suggests 15 s; Linux 30 s */

/* caps */
#define IN4_MAX_ADDRS_PER_IF   8
#define ROUTE4_MAX             1000000       /* room for a full table (bench: 900k) */
#define ROUTE4_ENTRIES_INIT    64
#define ARP_CACHE_MAX          1024          /* LRU non-INCOMPLETE entry evicted when full */
#define ARP_HASH_SIZE          256
#define ARP_QUEUE_PER_ENTRY    3             /* packets awaiting resolution; oldest dropped */
#define ARP_QUEUE_TOTAL        256
#define FRAG4_MAX_CTX          64            /* oldest context evicted when full */
#define FRAG4_MAX_FRAGS        128           /* per datagram: 64 KiB in 512-byte pieces */
#define FRAG4_MEM_GLOBAL       (4u << 20)    /* bytes of packet buffers held, all contexts */
#define FRAG4_MEM_PER_SRC      (1u << 20)
#define LOOP4_QUEUE_MAX        256           /* packets to ourselves awaiting the 0-delay timer */

/* Counter used for an exact duplicate fragment (the datagram survives).
 * No frag4.drop_dup exists yet (asked of the integrator): a duplicate is
 * the degenerate overlap, so it is counted there meanwhile. */
#define FRAG4_CTR_DUP(st) CTR_INC(st, frag4, drop_dup)

/* --- per-interface state (ifp->in4) --- */
struct in4_ifaddr {
    struct in_addr addr, mask, bcast;   /* bcast: subnet-directed broadcast (none for /31, /32) */
    uint8_t plen;
};

struct in_ifinfo {
    struct ifnet *ifp;
    unsigned naddrs;
    struct in4_ifaddr addrs[IN4_MAX_ADDRS_PER_IF];   /* [0] is the primary address */
};

/* --- routes: the LPM table maps a prefix to an index into rt[] --- */
struct rt4_entry {
    bool used;
    bool has_gw;
    uint8_t plen;
    struct in_addr prefix, gw;
    struct ifnet *ifp;
    uint32_t flags;          /* RT4_CONNECTED / RT4_STATIC */
    uint32_t next_free;
};

/* --- ARP cache --- */
/* ARP_PERMANENT: set by hand (`neigh add ... nud permanent`): never ages,
 * never learned over, never evicted (at most ARP_PERMANENT_MAX of them). */
enum arp_state { ARP_INCOMPLETE, ARP_REACHABLE, ARP_STALE, ARP_PROBE, ARP_PERMANENT };
#define ARP_PERMANENT_MAX (ARP_CACHE_MAX / 2)

struct arp_entry {
    struct arp_entry *hnext;                  /* hash chain */
    struct arp_entry *lru_prev, *lru_next;    /* head = most recently used */
    struct six_stack *st;
    struct ifnet *ifp;
    struct in_addr ip;
    struct eth_addr lla;
    uint8_t state;
    uint8_t tries;                            /* requests sent in INCOMPLETE / PROBE */
    uint64_t confirmed;                       /* last reachability confirmation (ns) */
    struct timer timer;                       /* retransmission */
    struct pkt_queue q;                       /* awaiting resolution */
};

/* --- reassembly --- */
struct frag4_piece { struct pkt *p; uint16_t off, len; };   /* p: payload at data */

struct frag4_ctx {
    bool used, dead;                 /* dead: overlap seen, later pieces dropped until timeout */
    struct in_addr src, dst;
    uint16_t id;
    uint8_t proto;
    uint16_t nfrags;
    uint32_t total;                  /* payload bytes, known once the last piece arrived */
    uint32_t have;                   /* payload bytes held (no overlaps, so a plain sum) */
    uint32_t mem;                    /* buffer bytes charged */
    uint64_t born;
    struct ip4_info first;           /* header of the offset-0 piece (valid if have_first) */
    bool have_first;
    struct pkt_prov prov;            /* IPsec provenance of every piece: part of the key */
    uint8_t encap;                   /* the largest tunnel-nesting count of the pieces */
    struct six_stack *st;
    struct timer timer;
    struct frag4_piece pieces[FRAG4_MAX_FRAGS];   /* sorted by offset */
};

/* --- the stack's IPv4 state (st->net4) --- */
struct net4 {
    struct six_stack *st;
    struct rtable4 *rt;
    struct rt4_entry *rte;           /* grows by doubling up to ROUTE4_MAX */
    uint32_t rte_cap, rte_free;      /* rte_free: free list head or RT_NH_NONE */
    struct ip4_ids *ids;             /* IP Identification: hashed per-destination counters (ip4_id.c) */
    /* ICMP error token bucket */
    uint32_t icmp_tokens;
    uint64_t icmp_last;
    /* ARP */
    struct arp_entry *arp_hash[ARP_HASH_SIZE];
    struct arp_entry *lru_head, *lru_tail;
    uint32_t arp_count, arp_queued;
    uint32_t arp_salt;               /* keyed hash: senders cannot aim at one chain */
    /* reassembly */
    struct frag4_ctx *frag;          /* FRAG4_MAX_CTX contexts */
    uint32_t frag_mem;
    /* deferred loopback */
    struct pkt_queue loq;
    struct timer lo_timer;
};

static inline struct net4 *net4_of(const struct six_stack *st) { return st->net4; }

/* in4.c */
struct in4_ifaddr *in4_ifa_find(struct six_stack *st, struct in_addr a, struct ifnet **ifpp);
bool in4_is_bcast_on(const struct ifnet *ifp, struct in_addr a);   /* limited or subnet-directed */
bool in4_is_bcast_any(struct six_stack *st, struct in_addr a);
bool in4_ifaddr_for(const struct ifnet *ifp, struct in_addr dst, struct in_addr *src);   /* ifp's own only */
#define IN4_STRLEN 16
static inline const char *in4_ntop(struct in_addr a, char buf[IN4_STRLEN])
{
    return inet_ntop(AF_INET, &a, buf, IN4_STRLEN);
}
static inline uint32_t in4_mask(unsigned plen)
{
    return plen ? htonl(~0u << (32 - plen)) : 0;
}

/* ip4_input.c */
void ip4_input_local(struct ifnet *ifp, struct pkt *p);   /* looped back: skips the martian checks */
void ip4_forward(struct ifnet *ifp, struct pkt *p, const struct ip4_info *ih);

/* ip4_output.c */
int  ip4_if_output(struct ifnet *ifp, struct pkt *p, struct in_addr nexthop);   /* p: whole IP packet */
int  ip4_fragment(struct six_stack *st, struct ifnet *ifp, struct pkt *p, const struct ip4_info *ih,
                  uint32_t mtu, struct in_addr nexthop);
void ip4_loop_enqueue(struct six_stack *st, struct ifnet *ifp, struct pkt *p);
void ip4_loop_purge_if(struct six_stack *st, struct ifnet *ifp);
uint32_t ip4_if_mtu(const struct ifnet *ifp);

/* ip4_id.c: the Identification of a datagram we originate */
int  ip4_id_init(struct six_stack *st);
void ip4_id_destroy(struct six_stack *st);
uint16_t ip4_select_id(struct six_stack *st, struct in_addr src, struct in_addr dst, uint8_t proto);

/* frag4.c: returns the whole datagram (IP header at data) or NULL (held or dropped). */
int  frag4_init(struct net4 *n);
void frag4_destroy(struct net4 *n);
struct pkt *frag4_input(struct ifnet *ifp, struct pkt *p, const struct ip4_info *ih);
void frag4_purge_if(struct net4 *n, struct ifnet *ifp);   /* forget rcvif pointers */

/* icmp4.c: p holds the offending packet (IP header at data); always consumed. */
void icmp4_input(struct ifnet *ifp, struct pkt *p, const struct ip4_info *ih);
void icmp4_error(struct six_stack *st, struct pkt *p, uint8_t type, uint8_t code, uint32_t data32);
/* An error about a datagram known only by a quote of it (q, qlen bytes,
 * header ih from ip4_parse_quoted): same rules, token bucket and size as
 * icmp4_error. 0 sent, -EPERM forbidden, -EAGAIN rate-limited. */
int  icmp4_error_quote(struct six_stack *st, const struct ip4_info *ih, const uint8_t *q, size_t qlen, uint8_t type,
                       uint8_t code, uint32_t data32);

/* arp.c */
void arp_init(struct net4 *n);
void arp_destroy(struct net4 *n);
/* Send p (whole IP packet) to nexthop on an Ethernet interface: now, or once resolved. */
int  arp_output(struct ifnet *ifp, struct pkt *p, struct in_addr nexthop);
void arp_gratuitous(struct ifnet *ifp, struct in_addr a);
void arp_purge_if(struct net4 *n, struct ifnet *ifp);

/* route4.c */
int  route4_init(struct net4 *n);
void route4_destroy(struct net4 *n);
const struct rt4_entry *route4_lookup(struct six_stack *st, struct in_addr dst);
void route4_purge_if(struct six_stack *st, struct ifnet *ifp);
void route4_prune_gw(struct six_stack *st, struct ifnet *ifp);   /* gateways no longer connected */

#endif
