/* AIIH internals shared by src/dstm/aiih*.c and the DHCPv6 server's DSTM
 * part (src/dhcp6/server_dstm.c); not for other users of aiih.h. */
#ifndef SIX_DSTM_AIIH_INT_H
#define SIX_DSTM_AIIH_INT_H
#include "core/timer.h"
#include "dstm/aiih.h"

#define AIIH_MAX_HOLDS   4096    /* addresses held by subscribers (DNS) at once */
#define AIIH_SCAN_MAX    (1u << 20)   /* allocation units (addresses x port sets) over all pools */

/* How the client asked (and is answered). */
enum aiih_enc { AIIH_ENC_NONE = 0, AIIH_ENC_DRAFT = 1, AIIH_ENC_LW = 2 };

struct aiih_hold { struct in6_addr key; uint32_t n; };

struct aiih_assign {
    bool live;
    struct aiih *a;
    struct timer t;                  /* runs done() from the event loop */
    aiih_assign_fn done;
    void *arg;
    enum aiih_status status;
    struct dstm_binding b;
    uint32_t ttl;
    struct in6_addr key;             /* the offer committed (status AIIH_OK after the commit) */
    bool committing;
};

struct aiih {
    struct six_stack *st;
    struct aiih_config cfg;
    unsigned ifindex;
    uint64_t units[AIIH_MAX_POOLS];  /* allocation units per pool */
    uint64_t size;
    struct aiih_hold *holds;         /* AIIH_MAX_HOLDS */
    int n_holds;
    struct aiih_assign *assigns;     /* AIIH_MAX_ASSIGNS, allocated on first use */
    unsigned n_offers;               /* LEASE_V4 entries with `offered` set: 0 spares a table walk per Request */
    unsigned n_assigns;
};

struct aiih *aiih_get(struct six_stack *st);      /* NULL: not running */
/* The configured code of the draft's extension. */
uint16_t aiih_opt_code(const struct aiih *a);
/* The TEP of a host whose IPv6 address is v6: false if none configured. */
bool aiih_tep_for(const struct aiih *a, const struct in6_addr *v6, struct in6_addr *tep);
/* A free allocation unit (a lease key): shared pools only when lw (the
 * draft's extension names whole addresses); attempt varies the choice. */
bool aiih_pick(struct aiih *a, bool lw, const uint8_t *duid, uint8_t duid_len, uint32_t iaid, unsigned attempt,
               struct in6_addr *key);
bool aiih_key_in_pools(const struct aiih *a, const struct in6_addr *key);
bool aiih_held(const struct aiih *a, const struct in6_addr *key);
/* Lifetimes of an IPv4 lease (the IA_NA's when 0). */
void aiih_times(const struct aiih *a, uint32_t link_pref, uint32_t link_valid, uint32_t *pref, uint32_t *valid);
struct d6s_lease;
/* The IPv4 lease held by the host at v6 (a table walk), or NULL. */
struct d6s_lease *aiih_lease_of_v6(struct six_stack *st, const struct in6_addr *v6);
/* The IPv6 holder of each IPv4 lease loaded from the store (after a restart). */
void aiih_resolve_v6(struct six_stack *st);
/* aiih_assign.c: cancel every allocation in flight (their done() is not called: the AIIH is going). */
void aiih_assigns_stop(struct aiih *a);
/* The binding of a lease key. */
void aiih_binding_of(const struct aiih *a, const struct in6_addr *key, const struct in6_addr *v6, int64_t expires,
                     struct dstm_binding *b);

#endif
