/* Packet-building helpers for tests: craft (possibly hostile) frames with the
 * wire emitters, hand them to an interface exactly as a driver would
 * (if_input), and capture what a stack sends with an interface input hook.
 *
 * Builders write into a caller buffer and return the bytes written (0 when
 * cap is too small).  Nothing here validates: the point is to be able to
 * write wrong packets.  Addresses in network byte order as everywhere. */
#ifndef SIX_TESTS_INJECT_H
#define SIX_TESTS_INJECT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include "link/ifnet.h"
#include "wire/ip6.h"
#include "wire/ip4.h"

#define INJ_MAX 4096   /* enough for any frame the tests build */

struct in6_addr inj_a6(const char *s);   /* inet_pton, zero on error */
struct in_addr inj_a4(const char *s);
/* 33:33:xx:xx:xx:xx for an IPv6 multicast group (RFC 2464 §7). */
struct eth_addr inj_mac6(const struct in6_addr *grp);
extern const struct eth_addr inj_bcast;

/* --- IPv6 --- */
/* Fixed header (payload length = pl_len; edit bytes 4..5 afterwards to lie) + payload. */
size_t inj_ip6(uint8_t *out, size_t cap, const struct in6_addr *src, const struct in6_addr *dst,
               uint8_t hlim, uint8_t nxt, const uint8_t *pl, size_t pl_len);
/* Whole ICMPv6 message with a valid checksum for (src, dst). */
size_t inj_icmp6(uint8_t *out, size_t cap, const struct in6_addr *src, const struct in6_addr *dst,
                 uint8_t type, uint8_t code, uint32_t data32, const uint8_t *body, size_t body_len);
/* Echo request: id, seq, n bytes of payload (a counting pattern). */
size_t inj_echo6(uint8_t *out, size_t cap, const struct in6_addr *src, const struct in6_addr *dst,
                 uint16_t id, uint16_t seq, size_t n);
/* Hop-by-Hop / Destination Options header: nxt, then the raw option bytes
 * opts[0..n), then Pad1/PadN up to a multiple of 8 (pass n already aligned
 * to 6 mod 8 to lay every byte yourself). */
size_t inj_opthdr(uint8_t *out, size_t cap, uint8_t nxt, const uint8_t *opts, size_t n);
/* Routing header: type, segments left, n addresses (RFC 2460 type 0 layout). */
size_t inj_rthdr(uint8_t *out, size_t cap, uint8_t nxt, uint8_t type, uint8_t segleft,
                 const struct in6_addr *addrs, unsigned n);
/* Fragment header (off in bytes, taken as is: not rounded). */
size_t inj_fraghdr(uint8_t *out, size_t cap, uint8_t nxt, uint16_t off, bool more, uint32_t id);
/* Concatenate: out = a || b (returns total). */
size_t inj_cat(uint8_t *out, size_t cap, const uint8_t *a, size_t alen, const uint8_t *b, size_t blen);

/* --- IPv4 / ARP --- */
/* IPv4 header (20 bytes + opts, ihl from optlen) + payload, valid header checksum.
 * frag: the 16-bit flags+offset field as sent (DF 0x4000, MF 0x2000, offset/8). */
size_t inj_ip4(uint8_t *out, size_t cap, struct in_addr src, struct in_addr dst, uint8_t ttl, uint8_t proto,
               uint16_t id, uint16_t frag, const uint8_t *opts, size_t optlen, const uint8_t *pl, size_t pl_len);
/* Recompute the IPv4 header checksum of the header at p (after editing it). */
void inj_ip4_fix_cksum(uint8_t *p);
size_t inj_icmp4(uint8_t *out, size_t cap, uint8_t type, uint8_t code, uint32_t data32,
                 const uint8_t *body, size_t body_len);
size_t inj_echo4(uint8_t *out, size_t cap, uint16_t id, uint16_t seq, size_t n);
size_t inj_arp(uint8_t *out, size_t cap, uint16_t op, const struct eth_addr *sha, struct in_addr spa,
               const struct eth_addr *tha, struct in_addr tpa);

/* --- link --- */
size_t inj_eth(uint8_t *out, size_t cap, const struct eth_addr *dst, const struct eth_addr *src,
               uint16_t type, const uint8_t *pl, size_t pl_len);
/* Copy len bytes into a packet of ifp's pool and if_input() it. false if the
 * pool is empty. Does not run the simulator: the caller advances time. */
bool inj_input(struct ifnet *ifp, const uint8_t *frame, size_t len);
/* A TCP segment from src:sport to dst:dport (IPv4-mapped: IPv4), valid
 * checksum, injected at `to`'s eth0 as if `from` had sent it over the link:
 * what an attacker who guessed or saw the numbers can send. opts NULL:
 * none. False if the stack would not take the frame. */
struct six_stack;
struct tcp_opts;
bool inj_tcp_forge(struct six_stack *to, struct six_stack *from, const struct in6_addr *src,
                   const struct in6_addr *dst, uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack,
                   uint8_t flags, uint16_t win, const struct tcp_opts *opts, const void *data, size_t dl);
/* Wrap an IP packet in Ethernet (type by version nibble) from src to dst and inject it. */
bool inj_input_eth(struct ifnet *ifp, const struct eth_addr *dst, const struct eth_addr *src,
                   const uint8_t *ip, size_t len);

/* --- capture --- */
struct inj_frame { uint8_t *d; size_t len; };
struct inj_capture {
    struct inj_frame *f;
    unsigned n, cap;
    bool pass;                    /* also hand each frame to the stack (net_input) */
    struct ifnet *ifp;
};
/* Install an input hook on ifp recording every received frame. With pass
 * the stack still processes them (so the node answers ND, pings...). */
void inj_capture_start(struct inj_capture *c, struct ifnet *ifp, bool pass);
void inj_capture_stop(struct inj_capture *c);
void inj_capture_clear(struct inj_capture *c);

/* A received ICMPv6 message, parsed out of an Ethernet frame (the IPv6
 * chain walked over HBH/DstOpts; checksum verified). */
struct inj_icmp6 {
    struct ip6_info ip;
    uint8_t type, code;
    uint32_t data32;
    const uint8_t *body;      /* after the 8-byte header: for errors, the invoking packet */
    size_t body_len;
};
bool inj_parse_icmp6(const uint8_t *frame, size_t len, struct inj_icmp6 *out);
/* Count the captured ICMPv6 messages of type (and code if code >= 0) sent
 * from src (NULL: any) to dst (NULL: any). *last gets the last one (may be NULL). */
unsigned inj_count_icmp6(const struct inj_capture *c, int type, int code, const struct in6_addr *src,
                         const struct in6_addr *dst, struct inj_icmp6 *last);

struct inj_icmp4 {
    struct ip4_info ip;
    uint8_t type, code;
    uint32_t data32;
    const uint8_t *body;
    size_t body_len;
};
bool inj_parse_icmp4(const uint8_t *frame, size_t len, struct inj_icmp4 *out);
unsigned inj_count_icmp4(const struct inj_capture *c, int type, int code, const struct in_addr *src,
                         const struct in_addr *dst, struct inj_icmp4 *last);

#endif
