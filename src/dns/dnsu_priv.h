/* Inside the update client: dnsu.c (queue, configuration, results) and
 * dnsu_io.c (one message's exchange with the primary). */
#ifndef SIX_DNS_DNSU_PRIV_H
#define SIX_DNS_DNSU_PRIV_H
#include "core/timer.h"
#include "dns/dnsu.h"
#include "dns/dnsu_check.h"
#include "dns/dnsu_tsig.h"

#define DNSU_SLOTS   8        /* jobs in flight at once (never two for one name) */
#define DNSU_RECENT  16       /* results kept for `dstm update show` */
#define DNSU_MSG_MAX 2048     /* one signed update: two names, a PTR name, the TSIG */
#define DNSU_UDP_MAX 512      /* bigger messages go over TCP (RFC 2136 §3.8) */

struct dnsu_job {
    struct dnsu_job *next;            /* queue order */
    uint8_t name[DNS_MAX_NAME];
    size_t name_len;
    bool add;
    struct in_addr a4;
    uint32_t ttl;
    unsigned step;                    /* 0: A in the zone, 1: PTR in the reverse zone */
    dnsu_done_fn done;
    void *arg;
};

struct dnsu_slot {
    struct dnsu *u;
    struct dnsu_job *job;             /* NULL: free */
    int sd;
    bool tcp, ev;
    unsigned attempt;
    int refusal;                      /* rcode of the server's last TSIG error answer, 0 none */
    uint16_t id;
    struct timer timer;
    uint8_t msg[DNSU_MSG_MAX];
    size_t len;
    uint8_t mac[DNSU_MAC_MAX];
    size_t mac_len;
    uint8_t *rx;                      /* TCP: 2 + DNS_MAX_MSG, allocated on the first TCP use */
    size_t rx_have, tx_off;
};

struct dnsu_recent {
    char name[DNS_TEXT_MAX];
    bool add;
    struct in_addr a4;
    int result;
};

struct dnsu {
    struct six_stack *st;
    bool running;
    struct dnsu_config cfg;           /* secret wiped: the key holds it */
    struct dnsu_key key;
    uint8_t zone[DNS_MAX_NAME], rev[DNS_MAX_NAME];
    size_t zone_len, rev_len;
    struct dnsu_job *head, *tail;
    unsigned queued;
    struct dnsu_slot slots[DNSU_SLOTS];
    struct timer kick;
    uint64_t sent, acked, refused, timeouts;
    struct dnsu_recent recent[DNSU_RECENT];
    unsigned n_recent, recent_next;
    uint8_t buf[DNS_MAX_MSG];                 /* UDP receive */
    uint8_t scratch[DNS_MAX_MSG + 1024];      /* TSIG digest input */
};

/* dnsu.c */
size_t dnsu_build_step(struct dnsu *u, const struct dnsu_job *j, uint16_t id, uint8_t *buf, size_t cap);
void dnsu_step_done(struct dnsu *u, struct dnsu_slot *s, int result);
void dnsu_dispatch(struct dnsu *u);
/* dnsu_io.c */
void dnsu_slot_init(struct dnsu *u, struct dnsu_slot *s);
void dnsu_slot_start(struct dnsu *u, struct dnsu_slot *s, struct dnsu_job *j);
void dnsu_slot_release(struct dnsu_slot *s);   /* socket closed, timer off, job detached (not freed) */
void dnsu_service(struct dnsu *u);
uint64_t dnsu_wall_now(struct six_stack *st);

/* For `dstm update show`: the configuration (NULL when off; the secret is
 * not in it) and the newest results first. */
const struct dnsu_config *dnsu_config_get(struct six_stack *st);
unsigned dnsu_recent(struct six_stack *st, struct dnsu_recent *out, unsigned max);
const char *dnsu_result_text(int result, char *buf, size_t n);

#endif
