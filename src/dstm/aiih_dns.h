/* The AIIH's DNS half joined to its DHCPv6 half (aiih_dns.c): the DNS
 * server's A/PTR provider and the RFC 2136 publication of bindings. Started
 * by aiih_configure, stopped by aiih_disable. */
#ifndef SIX_DSTM_AIIH_DNS_H
#define SIX_DSTM_AIIH_DNS_H
#include <stdbool.h>
#include <stdint.h>

struct six_stack;
int  aiih_dns_start(struct six_stack *st);   /* 0 or -errno; a second call is a no-op */
void aiih_dns_stop(struct six_stack *st);

struct aiih_dns_info {
    bool running;
    unsigned asking;           /* DNS queries waiting for an allocation */
    unsigned published;        /* A records at the primary (or being added / withdrawn) */
    unsigned withdrawing;      /* of them, deletes not yet acknowledged: their addresses held */
    uint64_t refused_full;
};
void aiih_dns_info(struct six_stack *st, struct aiih_dns_info *out);

#endif
