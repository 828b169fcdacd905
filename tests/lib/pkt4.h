/* IPv4 test datagrams described by a struct and built with every checksum
 * computed from scratch (a plain RFC 1071 byte loop, independent of
 * src/wire/cksum.c): NAT tests rewrite a built packet and compare it with
 * the packet built from the rewritten description. */
#ifndef SIX_TESTS_PKT4_H
#define SIX_TESTS_PKT4_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

#define PKT4_MAX 2048

struct pkt4 {
    uint8_t proto;                /* 6, 17, 1, or anything else (raw payload) */
    struct in_addr src, dst;
    uint16_t sport, dport;        /* ICMP Echo: sport is the identifier */
    uint8_t icmp_type, icmp_code; /* ICMP: 0/8 Echo, 3/11/12 an error quoting *inner */
    uint8_t tcp_flags;
    uint8_t opt_words;            /* IPv4 options: this many words of NOPs (0..10) */
    bool udp_no_cksum;            /* UDP checksum 0 */
    uint16_t id, frag;            /* IPv4 ID; frag: the raw flags+offset field */
    uint8_t ttl;
    uint16_t plen;                /* payload bytes after the transport header */
    uint32_t pseed;               /* payload pattern */
    const struct pkt4 *inner;     /* ICMP error: the quoted datagram ... */
    uint16_t qlen;                /* ... its first qlen bytes (0: all of it) */
};

/* Bytes written (0 if it does not fit in cap). */
size_t pkt4_build(const struct pkt4 *s, uint8_t *out, size_t cap);
/* The one's-complement sum of RFC 1071 over bytes, folded, not complemented. */
uint16_t pkt4_sum(const uint8_t *p, size_t n, uint32_t start);
/* true when every checksum of a whole built datagram verifies (the IPv4
 * header's, and TCP's, UDP's (0 accepted) or ICMP's). */
bool pkt4_cksums_ok(const uint8_t *p, size_t n);

#endif
