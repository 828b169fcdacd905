/* The DNS module's per-stack state (st->dns): the authoritative server
 * (dnsd.h) and the RFC 2136 update client (dnsu.h) each hang their state
 * here with the function that frees it, as dhcp6.h does. */
#ifndef SIX_DNS_DNS_STATE_H
#define SIX_DNS_DNS_STATE_H

struct six_stack;
struct dnsd;
struct dnsu;
struct dnsd_provider;

struct dns_state {
    struct six_stack *st;
    struct dnsd *srv;
    void (*srv_free)(struct dns_state *d);
    struct dnsu *upd;
    void (*upd_free)(struct dns_state *d);
    /* The A record provider (dnsd_set_provider): kept here, not in the
     * server, so that a server started (or restarted) after the AIIH has it. */
    struct dnsd_provider *prov;
};

/* Created on first use (NULL only when out of memory); freed with the stack. */
struct dns_state *dns_state_get(struct six_stack *st);

#endif
