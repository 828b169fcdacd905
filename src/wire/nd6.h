/* Neighbor Discovery messages and options: RFC 4861 (RS/RA/NS/NA/Redirect,
 * SLLA/TLLA/PI/Redirected Header/MTU), RFC 3971 Nonce, RFC 4191 Route
 * Information and router preference, RFC 8106 RDNSS.
 *
 * Message parsers take the already checksum-verified ICMPv6 message (p at
 * the type byte, len = whole message) and check: type (BAD_TYPE), code 0
 * (BAD_CODE), minimum length (TRUNCATED: RS 8, RA 16, NS 24, NA 24,
 * Redirect 40), NS/NA target not multicast (TARGET_MULTICAST), Redirect
 * destination not multicast (DST_MULTICAST) and target link-local or equal
 * to the destination (BAD_TARGET, RFC 4861 §8.1), then the options.  Hop
 * limit 255 and source-address rules need the IP header: the caller checks.
 *
 * Options (RFC 4861 §4.6): every length > 0 (ZERO_LEN_OPT) and inside the
 * message (OPT_TRUNCATED).  Per type (BAD_ND_OPT_LEN): SLLA/TLLA len >= 1,
 * PI len == 4 with prefix length <= 128 (BAD_PREFIX_LEN), MTU len == 1,
 * Redirected Header len >= 1, RDNSS len >= 3 and odd (RFC 8106 §5.1).
 * A second SLLA or TLLA is DUP_OPT.  RIO (RFC 4191 §2.3, §3.1): prefix
 * length > 128, a length inconsistent with the prefix length, or the
 * reserved preference make the option ignored (n_ignored++), not the
 * message.  PIs/RIOs beyond ND_MAX_*, and RDNSS addresses beyond
 * ND_MAX_RDNSS, are validated and then ignored (n_ignored++ per item).
 * Repeated MTU, Redirected Header or Nonce options: the first wins
 * (n_ignored++).  Unknown options: n_unknown++.  PI and RIO prefixes are
 * returned masked to their prefix length (the rest is reserved). */
#ifndef SIX_WIRE_ND6_H
#define SIX_WIRE_ND6_H
#include "wire/wire.h"

#define ND_MAX_PI 8
#define ND_MAX_RDNSS 3      /* addresses kept in total */
#define ND_MAX_RIO 8

#define ND_OPT_SLLA 1
#define ND_OPT_TLLA 2
#define ND_OPT_PI 3
#define ND_OPT_REDIR 4
#define ND_OPT_MTU 5
#define ND_OPT_NONCE 14
#define ND_OPT_RIO 24
#define ND_OPT_RDNSS 25

#define ND_RS_LEN 8
#define ND_RA_LEN 16
#define ND_NS_LEN 24
#define ND_NA_LEN 24
#define ND_REDIRECT_LEN 40
#define ND_MIN_MTU_MSG 1280  /* Redirect is truncated to fit IPv6 minimum MTU */

struct nd_prefix {
  uint8_t plen;
  bool onlink, autonomous;
  uint32_t valid, preferred;
  struct in6_addr prefix;
};
struct nd_rio {
  uint8_t plen;
  int8_t pref;          /* -1, 0, 1 */
  uint32_t lifetime;
  struct in6_addr prefix;
};
struct nd_opts {
  const uint8_t *slla; size_t slla_len;   /* option data after type+len (8*len-2); NULL if absent */
  const uint8_t *tlla; size_t tlla_len;
  struct nd_prefix pi[ND_MAX_PI]; int n_pi;
  bool has_mtu; uint32_t mtu;
  uint32_t rdnss_lifetime; struct in6_addr rdnss[ND_MAX_RDNSS]; int n_rdnss;  /* lifetime: from the first RDNSS option kept */
  struct nd_rio rio[ND_MAX_RIO]; int n_rio;
  const uint8_t *redir; size_t redir_len; /* Redirected Header data (after the 8-byte option header) */
  const uint8_t *nonce; size_t nonce_len;
  int n_unknown;
  int n_ignored;       /* valid options dropped: over the limits, or RIO rules */
};
enum wire_reason nd_opts_parse(const uint8_t *p, size_t len, struct nd_opts *out);

struct nd_ns { struct in6_addr target; struct nd_opts opts; };
struct nd_na { bool router, solicited, override; struct in6_addr target; struct nd_opts opts; };
struct nd_rs { struct nd_opts opts; };
struct nd_ra {
  uint8_t cur_hlim;
  bool managed, other;
  int8_t prf;                 /* -1, 0, 1 (reserved 10b -> 0 per RFC 4191 §2.2) */
  uint16_t router_lifetime;
  uint32_t reachable, retrans;
  struct nd_opts opts;
};
struct nd_redirect { struct in6_addr target, dst; struct nd_opts opts; };

enum wire_reason nd_ns_parse(const uint8_t *p, size_t len, struct nd_ns *out);
enum wire_reason nd_na_parse(const uint8_t *p, size_t len, struct nd_na *out);
enum wire_reason nd_rs_parse(const uint8_t *p, size_t len, struct nd_rs *out);
enum wire_reason nd_ra_parse(const uint8_t *p, size_t len, struct nd_ra *out);
enum wire_reason nd_redirect_parse(const uint8_t *p, size_t len, struct nd_redirect *out);

/* Emitters write the whole ICMPv6 message with checksum 0 (the caller
 * calls icmp6_set_cksum once the addresses are known).  An lla may be
 * NULL/0 (no option); lla_len bytes (6 for Ethernet, 4 for an IPv4
 * link-layer address on tunnels) are zero-padded to a multiple of 8. */
size_t nd_ns_emit(uint8_t *p, size_t cap, const struct in6_addr *target,
                  const uint8_t *slla, size_t slla_len);
size_t nd_na_emit(uint8_t *p, size_t cap, bool router, bool solicited, bool override,
                  const struct in6_addr *target, const uint8_t *tlla, size_t tlla_len);
size_t nd_rs_emit(uint8_t *p, size_t cap, const uint8_t *slla, size_t slla_len);

struct nd_ra_out {
  uint8_t cur_hlim;
  bool managed, other;
  int8_t prf;
  uint16_t router_lifetime;
  uint32_t reachable, retrans;
  const uint8_t *slla; size_t slla_len;
  uint32_t mtu;                         /* 0 = no option */
  const struct nd_prefix *pi; int n_pi;
  const struct in6_addr *rdnss; int n_rdnss; uint32_t rdnss_lifetime;  /* one RDNSS option */
  const struct nd_rio *rio; int n_rio;
};
size_t nd_ra_emit(uint8_t *p, size_t cap, const struct nd_ra_out *ra);
/* The Redirected Header option carries as much of orig as keeps the
 * message within 1280 - 40 bytes (RFC 4861 §4.6.3); orig may be NULL/0. */
size_t nd_redirect_emit(uint8_t *p, size_t cap, const struct in6_addr *target,
                        const struct in6_addr *dst, const uint8_t *tlla, size_t tlla_len,
                        const uint8_t *orig, size_t orig_len);

#endif
