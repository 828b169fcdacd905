/* gif: configured tunnel interfaces (RFC 4213 §3 IPv6-in-IPv4, RFC 2473
 * IPv4/IPv6-in-IPv6, RFC 2003 IPv4-in-IPv4). A gif is a raw IP interface
 * (IFT_RAWIP, IFF6_NOARP) whose "driver" is the network layer itself: what
 * is routed into it gets an outer header from local to remote; protocol
 * 41/4 arriving for local from remote is decapsulated and enters if_input()
 * on the gif. Outer addresses are kept as IPv6, IPv4 ones IPv4-mapped. */
#ifndef SIX_NET_GIF_H
#define SIX_NET_GIF_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include "link/ifnet.h"

#define GIF_DEFAULT_MTU  1280u   /* RFC 4213 §3.2: the static IPv6 minimum */
#define GIF_DEFAULT_HLIM 64u     /* outer TTL / hop limit */
#define GIF_MAX_NEST     2u      /* tunnel headers per packet: one gif inside another, no deeper */

/* Create a gif (down, MTU 1280). local/remote both IPv4-mapped or both
 * IPv6, unicast, not equal. NULL with *err: EINVAL, EEXIST, ENOSPC, ENOMEM. */
struct ifnet *gif_create(struct six_stack *st, const char *name, const struct in6_addr *local,
                         const struct in6_addr *remote, int *err);
bool gif_is(const struct ifnet *ifp);
/* RFC 4213 §3.6 ingress check (default on): off accepts any outer source. */
void gif_set_ingress_check(struct ifnet *ifp, bool on);
/* "gif local A remote B" for link show; false if ifp is not a gif. */
bool gif_describe(const struct ifnet *ifp, char *buf, size_t n);
/* When the tunnel last took in a packet (stack clock ns), 0: never; for
 * `link show` ("last rx 12s ago", WireGuard's "latest handshake" habit). */
uint64_t gif_last_rx_ns(const struct ifnet *ifp);
/* RFC 4213 §3.7: over IPv4 the link-local interface identifier is the local
 * IPv4 address with 32 zero bits in front. false: no such rule (IPv6 outer). */
bool gif_ll_iid(const struct ifnet *ifp, uint8_t iid[8]);

/* Bind ESP tunnel-mode SAs to the gif (issue 5, hometun §4: "the tunnel
 * interface lookup should use the Security Association"): what is routed
 * into it leaves through the SA spi_out (to remote), what SA spi_in (to
 * local) decrypts arrives on it; plain 41/4 from remote is then refused.
 * spi_out == 0: unbind. */
void gif_bind_esp(struct ifnet *ifp, uint32_t spi_out, uint32_t spi_in);
/* The gif whose inbound SA is (spi, local); NULL if none. */
struct ifnet *gif_bound_to(struct six_stack *st, uint32_t spi, const struct in6_addr *local);
/* ESP input's hand-over for a bound SA: the inner packet (at data,
 * protocol 41 or 4) passes the gif's inner checks and enters the gif.
 * Consumes p. */
void gif_input_esp(struct ifnet *gif, struct pkt *p, uint8_t proto);

/* --- hometun (draft-ietf-ngtrans-hometun, gif_hometun.c) ---
 * Over IPv4 the link-layer address of a tunnel end is its IPv4 address
 * (SLLA/TLLA options of length 1: 4 address bytes, 2 zero bytes, as
 * RFC 2529 §5 spells it). A client announces a new local address with an
 * unsolicited NA with the Override flag; a server moves the tunnel's
 * remote end (and its SAs) on such an NA, but only on one that IPsec
 * authenticated and replay-checked. */
enum gif_role {
    GIF_ROLE_NONE,     /* NAs are answered and counted, nothing moves */
    GIF_ROLE_SERVER,   /* an authenticated Override NA moves remote */
    GIF_ROLE_CLIENT,   /* a new local address is announced by NA */
};
void gif_set_role(struct ifnet *ifp, enum gif_role role);
const char *gif_role_name(enum gif_role role);
/* One fallback server per server address: the draft's fallback (an unbound
 * gif with the server role: transport ESP over a plain tunnel) knows its
 * client by address only -- transport SAs and policies name addresses, and
 * a move rewrites every one that names the old address -- so a second
 * client on the same local address could be confused with the first (one
 * that moves to the other's stale address takes its traffic). More clients
 * need bound SAs (`link set X esp`). Would ifp, with these changes (role,
 * bound: -1 unchanged; local: NULL unchanged), be a second fallback server
 * on its local address? The first one, or NULL. */
struct ifnet *gif_fallback_conflict(const struct ifnet *ifp, int role, int bound, const struct in6_addr *local);
/* The ND link-layer address of a gif over IPv4: its local IPv4 address. */
bool gif_lladdr(const struct ifnet *ifp, const uint8_t **lla, size_t *len);
struct nd_na;
struct ip6_info;
/* An NA that arrived on the gif (not for one of our addresses). */
void gif_na_input(struct ifnet *ifp, const struct pkt *p, const struct ip6_info *ip, const struct nd_na *na);
/* Move the local end to a new address (same family): the bound SAs (or,
 * unbound, every SA and policy naming the old address) follow; a client
 * announces it. 0, -EINVAL (unfit address), -ENOENT (not a gif). */
int gif_set_local(struct ifnet *ifp, const struct in6_addr *local);
/* The stack's IPv4 addresses changed: a client gif whose local address is
 * gone takes the source the stack now picks toward its remote. */
void gif_addr4_changed(struct six_stack *st);
/* An SA moved its destination (NAT-T following, hometun): a gif bound to
 * it as output SA follows. The SA is the one named by all three of its
 * keys (protocol, SPI, old destination): an AH SA that happens to share a
 * bound ESP SA's SPI and destination is another SA and moves no gif. */
void gif_sa_moved(struct six_stack *st, uint8_t proto, uint32_t spi, const struct in6_addr *old_dst,
                  const struct in6_addr *new_dst);
/* What the state directory keeps of a hometun server tunnel bound to an
 * SA pair (src/ipsec/sa_persist.c): false when ifp is no such tunnel. */
struct gif_server_ends {
    uint32_t esp_out, esp_in;
    struct in6_addr local, remote;
};
bool gif_server_ends(const struct ifnet *ifp, struct gif_server_ends *out);
/* At start, from the state directory: a hometun server tunnel's remote end
 * moves back to where its client last was, its bound SAs with it (as an
 * authenticated NA would move it). 0, or -EINVAL (not a bound server
 * tunnel, or an unfit address). */
int gif_restore_remote(struct ifnet *ifp, const struct in6_addr *remote);

/* Protocol 41 or 4 for one of our addresses: ifp/p as received, the outer
 * header (and IPv6 extension headers) taking off bytes, src/dst the outer
 * addresses (IPv4-mapped for IPv4). true: consumed (delivered on a gif or
 * dropped and counted); false: no gif ends at dst, p untouched. */
bool gif_input(struct ifnet *ifp, struct pkt *p, size_t off, uint8_t proto, const struct in6_addr *src,
               const struct in6_addr *dst);

/* --- outer path (net/gif_icmp.c) --- */

/* `link set NAME mtu N` on a gif: the configured MTU; the effective one
 * (ifp->mtu) is max(1280, outer path MTU - outer header - ESP overhead),
 * never above it. 0 or -EINVAL. */
int gif_set_mtu(struct ifnet *ifp, uint32_t mtu);

/* The gif words of `link set`: hlim N (1..255), tclass inherit|N (0..255),
 * pmtud on|off (IPv4 outer). Parsed first, applied after every word of the
 * line parsed (cmd.c's rule). */
#define GIF_TCLASS_INHERIT 256
struct gif_opts { int hlim, tclass, pmtud; };   /* -1: unchanged */
void gif_opts_init(struct gif_opts *o);
bool gif_opt_word(const char *word);
/* NULL: parsed; else a usage message. val may be NULL (missing). */
const char *gif_opt_parse(const struct ifnet *ifp, struct gif_opts *o, const char *word, const char *val);
void gif_opts_apply(struct ifnet *ifp, const struct gif_opts *o);

/* ICMP errors (any, after the stack's own handling of them: PMTU cache,
 * sockets) that may be about an outer packet one of our gifs sent: relayed
 * to the inner source (RFC 2473 §8, RFC 4213 §3.4, RFC 2003 §4), path MTU
 * followed. */
struct icmp6_info;
struct icmp4_info;
void gif_icmp6_input(struct six_stack *st, const struct icmp6_info *ic);
void gif_icmp4_input(struct six_stack *st, const struct icmp4_info *ic);

#endif
