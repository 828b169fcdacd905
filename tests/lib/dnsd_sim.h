/* Helpers the dnsd sim tests share: a world with the server on stack "a"
 * (2001:db8:1::a, 192.0.2.1) and a client "b", a provider of A records
 * written here (sync, async after a delay on the virtual clock, refusing),
 * queries through b's UDP and TCP sockets, and answers taken apart. */
#ifndef SIX_TEST_DNSD_SIM_H
#define SIX_TEST_DNSD_SIM_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include "wire/dns.h"

struct six_stack;
struct sim_world;

enum tprov_mode { TP_SYNC, TP_ASYNC, TP_REFUSE };
struct tprov {
    enum tprov_mode mode;
    uint64_t delay_ns;              /* async */
    int refuse_rcode;               /* TP_REFUSE (and async failures when async_fail) */
    bool async_fail;
    unsigned lookups, cancels, outstanding;
};
extern struct tprov TP;
/* Every host's A: 198.51.100.<last octet of its IPv6 address>; in-addr PTR the reverse. */
void tprov_install(struct six_stack *st);

struct dnsd_world { struct sim_world *w; struct six_stack *a, *b; };
/* the world, a's server: "dstm dns zone aiih.example.test ttl 60" and hosts
 * h1 (2001:db8:1::101), h2 (::102), deep.sub (::103) */
bool dnsd_world_up(struct dnsd_world *d, uint64_t seed);
void dnsd_world_down(struct dnsd_world *d);

/* An answer taken apart. */
struct dq_ans {
    size_t len;
    uint8_t msg[4096];
    struct dns_header h;
    unsigned an, ns, ar;           /* records seen by the iterator */
    bool walk_ok;
    struct in6_addr aaaa;
    struct in_addr a;
    char ptr[DNS_TEXT_MAX];
    bool has_soa_auth, has_opt;
    struct dns_opt opt;
    uint8_t qname[DNS_MAX_NAME];
    size_t qname_len;
};
void dq_parse(struct dq_ans *r);

/* One query (text name, qtype; edns 0: none) from b over UDP to dst
 * ("2001:db8:1::a" or "192.0.2.1") port 53; waits up to wait_ns. true if
 * an answer came. */
bool dq_udp(struct dnsd_world *d, const char *dst, const char *name, uint16_t qtype, uint16_t edns,
            uint64_t wait_ns, struct dq_ans *r);
/* Raw message over UDP from a new socket of b; the answer (if any) in r. */
bool dq_udp_raw(struct dnsd_world *d, const char *dst, const void *msg, size_t len, uint64_t wait_ns,
                struct dq_ans *r);
/* A query message. */
size_t dq_build(uint8_t *buf, size_t cap, uint16_t id, const char *name, uint16_t qtype, uint16_t edns);
uint64_t dq_ctr(struct six_stack *st, const char *name);

#endif
