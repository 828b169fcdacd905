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
