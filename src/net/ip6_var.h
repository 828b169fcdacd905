/* IPv6 state of a stack and of each interface, shared by the files of src/net
 * that implement IPv6 (ip6_input, ip6_output, frag6, icmp6, nd6, nd6_rtr,
 * in6 (addresses, DAD, SLAAC), mld6, route6, pmtu6). Every table has a fixed
 * cap, set here, and an eviction rule documented where the table lives. */
#ifndef SIX_NET_IP6_VAR_H
#define SIX_NET_IP6_VAR_H
#include <stdint.h>
#include <stdbool.h>
#include <netinet/in.h>
#include <string.h>
#include "core/timer.h"
#include "core/pkt.h"
#include "wire/wire.h"
#include "wire/ip6.h"
#include "wire/nd6.h"
#include "net/stack.h"
#include "net/rtable.h"
#include "net/addrsel.h"

/* RFC 4861 §10 protocol constants (ms unless noted) */
#define ND_MAX_RTR_SOLICITATION_DELAY 1000
#define ND_RTR_SOLICITATION_INTERVAL  4000
#define ND_MAX_RTR_SOLICITATIONS      3
#define ND_MAX_MULTICAST_SOLICIT      3
#define ND_MAX_UNICAST_SOLICIT        3
#define ND_REACHABLE_TIME             30000
#define ND_RETRANS_TIMER              1000
#define ND_DELAY_FIRST_PROBE_TIME     5000
#define ND_MIN_RANDOM_FACTOR_PCT      50
#define ND_MAX_RANDOM_FACTOR_PCT      150
#define ND_MAX_INITIAL_RTR_ADVERTS    3
#define ND_MAX_INITIAL_RTR_ADVERT_INTERVAL 16000
#define ND_MIN_DELAY_BETWEEN_RAS      3000
#define ND_MAX_RA_DELAY_TIME          500
#define IP6_DEFAULT_HLIM              64
#define IP6_MIN_MTU                   1280
#define IP6_MAX_EXT_HEADERS           8     /* longer chains are dropped: no legitimate packet needs more */
#define IP6_REASS_TIMEOUT_MS          60000

/* caps */
#define IN6_MAX_ADDRS_PER_IF 16
#define IN6_MAX_GROUPS_PER_IF 32
#define ND_CACHE_MAX         1024
#define ND_QUEUE_PER_ENTRY   3      /* packets waiting for resolution, per neighbor (oldest dropped) */
#define ND_QUEUE_TOTAL       256
#define ND_ROUTERS_MAX       16
#define ND_PREFIXES_MAX      32
#define ND_RA_PREFIXES_MAX   8
#define ND_RDNSS_MAX         3
#define ROUTE6_MAX           200000
#define ROUTE6_ENTRIES_INIT  256
#define PMTU6_MAX            512
#define PMTU_EXPIRE_MS       600000 /* RFC 8201 §4: at least 5 min; 10 min as BSD */

enum in6_ifa_flags {
    IN6_IFF_TENTATIVE  = 1u << 0,
    IN6_IFF_DUPLICATED = 1u << 1,
    IN6_IFF_DEPRECATED = 1u << 2,
    IN6_IFF_AUTOCONF   = 1u << 3,   /* SLAAC */
    IN6_IFF_NODAD      = 1u << 4,
    IN6_IFF_LINKLOCAL  = 1u << 5,
    IN6_IFF_ANYCAST    = 1u << 6,
};

struct in6_ifaddr {
    bool in_use;
    struct in6_addr addr;
    uint8_t plen;
    uint32_t flags;
    uint64_t valid_until, preferred_until;   /* absolute ns; UINT64_MAX = forever */
    uint8_t dad_ns_left;                      /* DAD probes still to send */
    uint8_t dad_counter;                      /* RFC 7217 DAD_Counter */
    struct timer dad_timer;
    struct timer life_timer;
    struct ifnet *ifp;
    struct in6_ifaddr *hnext;                 /* net6 local address hash chain */
};

struct in6_group {
    struct in6_addr grp;
    unsigned refs;
    uint8_t reports_left;                     /* unsolicited reports still to send */
};

struct ra_prefix_cfg {
    struct in6_addr prefix; uint8_t plen; bool onlink, autonomous; uint32_t valid, preferred;
    /* Lifetimes that count down (a DHCPv6-delegated prefix): when valid_until
     * is set (absolute ns), each RA announces the time left instead of
     * valid / preferred, and the prefix is left out once valid_until passed. */
    uint64_t valid_until, preferred_until;
};

struct ra_cfg {
    bool enabled;
    struct ra_prefix_cfg pfx[ND_RA_PREFIXES_MAX]; int n_pfx;
    bool managed, other;
    uint32_t mtu;                             /* 0: no MTU option */
    struct in6_addr rdnss[ND_RDNSS_MAX]; int n_rdnss; uint32_t rdnss_lifetime;
    uint16_t router_lifetime;                 /* s */
    uint32_t min_interval_ms, max_interval_ms;
    int8_t prf;
};

enum addrgen_mode { ADDRGEN_STABLE = 0, ADDRGEN_EUI64 = 1 };

struct in6_ifinfo {
    struct ifnet *ifp;
    struct in6_ifaddr addrs[IN6_MAX_ADDRS_PER_IF];
    struct in6_group groups[IN6_MAX_GROUPS_PER_IF];
    /* ND parameters (learned from RAs on hosts) */
    uint32_t base_reachable_ms, reachable_ms, retrans_ms;
    uint8_t cur_hlim;
    uint32_t linkmtu;                          /* from RA MTU option, 0 = none */
    uint8_t dad_transmits;
    enum addrgen_mode addrgen;
    bool accept_ra;
    /* host: router solicitation */
    uint8_t rs_left;
    struct timer rs_timer;
    /* router: advertisements */
    struct ra_cfg ra;
    struct timer ra_timer;
    uint8_t ra_initial_left;
    uint64_t last_ra_ns;
    bool ra_pending;                           /* an RS asked for one */
    /* MLDv2 */
    struct timer mld_timer;                    /* unsolicited reports */
    struct timer mld_query_timer;              /* answer to a general query */
    uint64_t reachable_recompute_ns;
};

/* Neighbor cache (RFC 4861 §7.3.2) */
/* ND_PERMANENT: set by hand (`neigh add ... nud permanent`): never ages, never
 * learned over, never evicted (at most ND_PERMANENT_MAX of them). */
enum nd_state { ND_NOSTATE = 0, ND_INCOMPLETE, ND_REACHABLE, ND_STALE, ND_DELAY, ND_PROBE, ND_PERMANENT };
#define ND_PERMANENT_MAX (ND_CACHE_MAX / 2)

struct nd_entry {
    bool in_use;
    bool is_router;
    uint8_t state;
    uint8_t probes;                            /* solicitations sent in this state */
    struct in6_addr addr;
    struct ifnet *ifp;
    struct eth_addr lladdr;
    uint64_t last_used_ns;                     /* for eviction */
    uint64_t updated_ns;
    struct timer timer;
    struct pkt_queue q;                        /* awaiting resolution */
    int32_t hnext;                             /* hash chain, -1 ends */
};

struct nd_router {
    bool in_use;
    struct in6_addr addr;
    struct ifnet *ifp;
    int8_t prf;
    uint64_t expires_ns;
};

struct nd_prefix_entry {                       /* on-link prefix list */
    bool in_use;
    struct in6_addr prefix;
    uint8_t plen;
    struct ifnet *ifp;
    uint64_t expires_ns;                       /* UINT64_MAX forever */
};

enum route6_flags {
    RT6_CONNECTED = 1u << 0,   /* on-link: next hop is the destination */
    RT6_STATIC    = 1u << 1,   /* configured */
    RT6_RA        = 1u << 2,   /* from an RA prefix or RIO */
    RT6_REJECT    = 1u << 3,
    RT6_HOST      = 1u << 4,   /* /128 local */
};

struct route6 {
    bool in_use;
    struct in6_addr prefix;
    uint8_t plen;
    uint32_t flags;
    struct in6_addr gw;        /* unspecified for connected routes */
    struct ifnet *ifp;         /* may be NULL for static routes via a gateway: resolved at lookup */
    uint64_t expires_ns;
};

struct pmtu6 {
    bool in_use;
    struct in6_addr dst;
    uint32_t mtu;
    uint64_t expires_ns;
};

struct frag6_ctx;             /* src/net/frag6.c */
struct ping_sess;             /* src/net/ping.c */

#define IN6_LOCAL_HASH 256

/* A fast, keyed-by-nothing hash of an address for in-memory tables (not
 * exposed to attackers as a bucket choice of consequence: chains are short
 * because the tables they index are capped). */
static inline uint32_t in6_hash(const struct in6_addr *a, uint32_t salt)
{
    uint64_t w0, w1;
    memcpy(&w0, a->s6_addr, 8);
    memcpy(&w1, a->s6_addr + 8, 8);
    uint64_t h = (w0 * 0x9e3779b97f4a7c15ull) ^ (w1 + salt) * 0xc2b2ae3d27d4eb4full;
    return (uint32_t)(h >> 32) ^ (uint32_t)h;
}

struct net6 {
    struct in6_ifaddr *local_hash[IN6_LOCAL_HASH];   /* every address of every interface */
    struct addrsel_table policy;                     /* RFC 6724 policy table (sixctl addrsel) */
    /* neighbor cache: fixed array + hash */
    struct nd_entry nd[ND_CACHE_MAX];
    int32_t nd_hash[ND_CACHE_MAX];
    unsigned nd_count, nd_queued;
    struct nd_router routers[ND_ROUTERS_MAX];
    struct nd_prefix_entry prefixes[ND_PREFIXES_MAX];
    struct in6_addr rdnss[ND_RDNSS_MAX]; int n_rdnss; uint64_t rdnss_expires_ns;
    /* routing */
    struct rtable6 *rt;
    struct route6 *routes; uint32_t n_routes_alloc, n_routes;
    struct timer route_timer;                  /* expiry sweep for routers, prefixes, routes, pmtu */
    /* path MTU */
    struct pmtu6 pmtu[PMTU6_MAX];
    /* reassembly */
    struct frag6_state *frag;
    /* ICMPv6 error token bucket (RFC 4443 §2.4 f) */
    uint64_t err_tokens_ms, err_last_ns;       /* tokens in ms units */
    uint32_t err_rate_per_s, err_burst;
    /* local delivery of packets we send to ourselves (never recursive) */
    struct pkt_queue loopq;
    struct timer loop_timer;
};

/* --- in6.c: addresses, DAD, SLAAC, source selection --- */
int  in6_addr_add(struct ifnet *ifp, const struct in6_addr *a, unsigned plen, uint32_t flags,
                  uint32_t valid_s, uint32_t preferred_s);
int  in6_addr_del(struct ifnet *ifp, const struct in6_addr *a);
/* New lifetimes for an address of ifp (DHCPv6 renewals): 0, -ENOENT, -EINVAL. */
int  in6_addr_set_lifetimes(struct ifnet *ifp, const struct in6_addr *a, uint32_t valid_s, uint32_t preferred_s);
struct in6_ifaddr *in6_ifaddr_find(struct ifnet *ifp, const struct in6_addr *a);
/* An address of ours on any interface (any state), or NULL. */
struct in6_ifaddr *in6_ifaddr_lookup(struct six_stack *st, const struct in6_addr *a);
/* Usable (not tentative / duplicated) link-local address of ifp, or NULL. */
const struct in6_addr *in6_linklocal(struct ifnet *ifp);
/* RFC 6724 source selection for dst out of ifp (ifp may be NULL: any). 0 or -EADDRNOTAVAIL. */
int  in6_selectsrc(struct six_stack *st, const struct in6_addr *dst, struct ifnet *ifp, struct in6_addr *src);
void in6_dad_ns_input(struct ifnet *ifp, struct in6_ifaddr *ia);   /* someone probes our tentative address */
void in6_dad_na_input(struct ifnet *ifp, struct in6_ifaddr *ia);   /* someone defends it */
void in6_slaac_prefix(struct ifnet *ifp, const struct nd_prefix *pi);
int  in6_if_attach(struct ifnet *ifp);
void in6_if_detach(struct ifnet *ifp);
void in6_if_up(struct ifnet *ifp);
void in6_if_down(struct ifnet *ifp);
bool in6_is_our_mcast(struct ifnet *ifp, const struct in6_addr *grp);
int  in6_join(struct ifnet *ifp, const struct in6_addr *grp);
void in6_leave(struct ifnet *ifp, const struct in6_addr *grp);

/* --- mld6.c --- */
void mld6_join_report(struct ifnet *ifp, struct in6_group *g);
void mld6_leave_report(struct ifnet *ifp, const struct in6_addr *grp);
void mld6_input(struct ifnet *ifp, struct pkt *p, const struct ip6_info *ip, const uint8_t *icmp, size_t len, bool router_alert);
void mld6_if_init(struct ifnet *ifp);

/* --- nd6.c: neighbor cache, NS/NA --- */
/* Send p (an IPv6 packet, network header at data) to next hop nh on ifp. Takes ownership. */
void nd6_output(struct ifnet *ifp, const struct in6_addr *nh, struct pkt *p);
void nd6_ns_input(struct ifnet *ifp, struct pkt *p, const struct ip6_info *ip, const uint8_t *icmp, size_t len);
void nd6_na_input(struct ifnet *ifp, struct pkt *p, const struct ip6_info *ip, const uint8_t *icmp, size_t len);
void nd6_ns_output(struct ifnet *ifp, const struct in6_addr *src, const struct in6_addr *dst,
                   const struct in6_addr *target, bool with_slla);
void nd6_na_output(struct ifnet *ifp, const struct in6_addr *dst, const struct in6_addr *target,
                   bool solicited, bool override, bool router);
struct nd_entry *nd6_lookup(struct six_stack *st, struct ifnet *ifp, const struct in6_addr *a);
/* Create or update an entry from a received link-layer address (RS/RA/NS/redirect rules, §7.2.3 ff). */
struct nd_entry *nd6_cache_lladdr(struct ifnet *ifp, const struct in6_addr *a, const uint8_t *lla, size_t lla_len, bool is_router_msg, int msg_type);
void nd6_purge_if(struct ifnet *ifp);
/* By hand (sixctl neigh): set an entry (state ND_PERMANENT, ND_REACHABLE or
 * ND_STALE; 0, -ENOSPC, -EINVAL), delete one (0, -ENOENT), flush ifp's
 * (permanent ones too if all; returns how many went). */
int  nd6_neigh_set(struct ifnet *ifp, const struct in6_addr *a, const struct eth_addr *lla, int state);
int  nd6_neigh_del(struct ifnet *ifp, const struct in6_addr *a);
unsigned nd6_neigh_flush(struct ifnet *ifp, bool all);
uint32_t nd6_random_reachable(struct six_stack *st, uint32_t base_ms);
int  nd6_if_lladdr(struct ifnet *ifp, const uint8_t **lla, size_t *len);
const char *nd6_state_name(int state);
/* Checks common to every ND message: hop limit 255, not from a fragment (RFC 6980). */
bool nd6_msg_valid(struct ifnet *ifp, const struct pkt *p, const struct ip6_info *ip);

/* --- nd6_rtr.c: RS/RA/redirect, router & prefix lists, router mode --- */
void nd6_rs_input(struct ifnet *ifp, struct pkt *p, const struct ip6_info *ip, const uint8_t *icmp, size_t len);
void nd6_ra_input(struct ifnet *ifp, struct pkt *p, const struct ip6_info *ip, const uint8_t *icmp, size_t len);
void nd6_redirect_input(struct ifnet *ifp, struct pkt *p, const struct ip6_info *ip, const uint8_t *icmp, size_t len);
void nd6_rs_start(struct ifnet *ifp);
void nd6_ra_start(struct ifnet *ifp);
void nd6_ra_stop(struct ifnet *ifp);
int  nd6_ra_configure(struct ifnet *ifp, const struct ra_cfg *cfg);
/* One RA now, outside the schedule (RFC 9096: a prefix withdrawn must be
 * announced at once with preferred lifetime 0) — or, within
 * MIN_DELAY_BETWEEN_RAS of the last one, as soon as that is over
 * (nd6.ra_deferred). */
void nd6_ra_send_now(struct ifnet *ifp);
/* Default router selection (RFC 4861 §6.3.6, RFC 4191 preferences). NULL if none. */
struct nd_router *nd6_defrouter_select(struct six_stack *st);
bool nd6_is_onlink(struct six_stack *st, const struct in6_addr *a, struct ifnet **ifp);
void nd6_rtr_purge_if(struct ifnet *ifp);
void nd6_rtr_expire(struct six_stack *st);
void nd6_router_unreachable(struct six_stack *st, const struct in6_addr *a, struct ifnet *ifp);
void nd6_redirect_output(struct ifnet *ifp, struct pkt *orig, const struct ip6_info *ip, const struct in6_addr *target);

/* --- route6.c --- */
int  route6_add(struct six_stack *st, const struct in6_addr *prefix, unsigned plen, const struct in6_addr *gw,
                struct ifnet *ifp, uint32_t flags, uint64_t expires_ns);
int  route6_del(struct six_stack *st, const struct in6_addr *prefix, unsigned plen);
struct route6 *route6_get(struct six_stack *st, const struct in6_addr *prefix, unsigned plen);
/* The interface on which a is on-link (a connected route or an RA on-link
 * prefix covers it), or NULL: what a gateway must be. */
struct ifnet *route6_onlink_if(struct six_stack *st, const struct in6_addr *a);
/* Resolve dst to an interface and next hop. scope_ifp: required interface for
 * link-local / multicast destinations. 0 or -ENETUNREACH / -EHOSTUNREACH. */
int  route6_resolve(struct six_stack *st, const struct in6_addr *dst, struct ifnet *scope_ifp,
                    struct ifnet **ifp, struct in6_addr *nexthop);
void route6_purge_if(struct ifnet *ifp);
int  route6_walk(struct six_stack *st, int (*cb)(void *ctx, const struct route6 *r), void *ctx);
void route6_expire(struct six_stack *st);
int  net6_init(struct six_stack *st);
void net6_destroy(struct six_stack *st);

/* --- pmtu6 (in route6.c) --- */
uint32_t pmtu6_get(struct six_stack *st, const struct in6_addr *dst, uint32_t link_mtu);
void pmtu6_update(struct six_stack *st, const struct in6_addr *dst, uint32_t mtu);

/* --- ip6_input.c / ip6_output.c / frag6.c --- */
void ip6_input(struct ifnet *ifp, struct pkt *p);
struct ipsec_sockpol;
struct ip6_out {
    struct in6_addr src, dst;      /* src unspecified: select */
    uint8_t nxt;
    int hlim;                      /* -1: default */
    uint8_t tclass;
    uint32_t flow;
    struct ifnet *ifp;             /* required for link-local / multicast dst, else NULL */
    uint32_t flags;
    const uint8_t *hbh; size_t hbh_len;   /* Hop-by-Hop options header to insert (MLD router alert) */
    struct ipsec_sockpol *ipsec;   /* the sending socket's IPsec policy; NULL: the SPD alone */
};
#define IP6_OUT_DONTFRAG  1u     /* fail with EMSGSIZE instead of fragmenting */
#define IP6_OUT_MINMTU    2u     /* fragment to 1280 */
#define IP6_OUT_NOLOOP    4u     /* do not loop multicast back */
#define IP6_OUT_SRC_UNSPEC 8u    /* send from :: (DAD probes, MLD before a link-local exists) */
#define IP6_OUT_IPSEC_DONE 16u   /* the outer packet of an IPsec tunnel: the SPD is not asked again */
#define IP6_OUT_IPSEC_AH  32u    /* AH tunnel: ipsec_ah_finish() once the header covered by the ICV exists */
/* p holds the upper-layer packet (checksum already computed with the final src/dst).
 * Takes ownership. 0 or -errno. */
int  ip6_output(struct six_stack *st, struct pkt *p, const struct ip6_out *o);
/* Forward a packet (network header at data) that is not for us. Takes ownership. */
void ip6_forward(struct ifnet *ifp, struct pkt *p, const struct ip6_info *ip);
/* Send a whole IPv6 packet out of ifp to next hop nh, fragmenting if needed. */
int  ip6_send_on_link(struct ifnet *ifp, const struct in6_addr *nh, struct pkt *p);
uint32_t ip6_if_mtu(struct ifnet *ifp);
/* Fill o->src by route + source selection when it is unspecified (unless IP6_OUT_SRC_UNSPEC). */
int  ip6_prepare_src(struct six_stack *st, struct ip6_out *o);
/* Reassembly (p consumed): returns the whole datagram (a new pkt, network header
 * at data, the fragment header removed, the previous header's next-header field
 * set to *nxt, the payload at *payload_off: the first fragment's unfragmentable
 * part decides) or NULL when the fragment was kept or dropped. */
struct pkt *frag6_input(struct six_stack *st, struct pkt *p, size_t fragoff, size_t prev_nxt_field, uint8_t *nxt,
                        size_t *payload_off);
/* Forget reassembly state that refers to ifp (it is going away). */
void frag6_purge_if(struct ifnet *ifp);
/* Drop queued local deliveries for ifp (it is going away). */
void ip6_loop_purge_if(struct ifnet *ifp);
int  frag6_init(struct six_stack *st);
void frag6_destroy(struct six_stack *st);
void frag6_stats(struct six_stack *st, unsigned *ctxs, size_t *bytes);
int  ip6_fragment_and_send(struct ifnet *ifp, const struct in6_addr *nh, struct pkt *p, uint32_t mtu);

/* --- icmp6.c --- */
void icmp6_input(struct ifnet *ifp, struct pkt *p, const struct ip6_info *ip, size_t off, bool router_alert);
/* Send an error about packet p (network header at data). p is not consumed. */
void icmp6_error(struct six_stack *st, struct pkt *p, struct ifnet *rcvif, uint8_t type, uint8_t code, uint32_t param);
/* Build and send an ICMPv6 message whose body (after the 8-byte header) is body. */
int  icmp6_send(struct six_stack *st, const struct ip6_out *o, uint8_t type, uint8_t code, uint32_t data32,
                const uint8_t *body, size_t body_len);
/* RFC 4443 §2.4 (f) token bucket shared by errors and redirects: true = may send. */
bool icmp6_ratelimit_ok(struct six_stack *st);
/* Send a fully laid out ICMPv6 message (ND, MLD), setting its checksum. */
int  icmp6_send_raw(struct six_stack *st, const struct ip6_out *o, const uint8_t *msg, size_t len);

#endif
