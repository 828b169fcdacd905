/* The RFC 2136 dynamic update client, signed with TSIG (RFC 8945): the
 * draft's "links with other DNS" (draft-ietf-ngtrans-dstm §5.1.3, §5.2):
 * when the AIIH binds an IPv4 address to a named host, an A record (and a
 * PTR in in-addr.arpa when `reverse ZONE` is set) goes to the primary
 * server of the zone (BIND 9, Knot); when the lease ends it is deleted, and
 * the AIIH may reuse the address only after the primary acknowledged the
 * delete (§5.1.4).
 *
 * Updates go over UDP (TCP when the answer is truncated or the message is
 * bigger than 512 octets), one at a time per name in order, retransmitted
 * (DNSU_TIMEOUT_MS doubling, DNSU_MAX_RC tries), queued up to DNSU_MAX_QUEUE
 * (then refused: dnsu.drop_queue_full). A response is accepted only with
 * the same id, from the server, opcode UPDATE, the zone echoed, and a TSIG
 * that verifies under our key with the request's MAC (RFC 8945 §5.3) within
 * the fudge: anything else is counted (dnsu.drop_<reason>) and ignored,
 * and the retransmission goes on. The update section alone makes add and
 * delete exact (no prerequisites): an add replaces the name's A RRset
 * (delete RRset class ANY, then add); a delete removes only the A record
 * with that address (class NONE: a newer binding under the same name
 * survives; deleting a record that is not there is NOERROR). The server's
 * TSIG error answers (BADSIG/BADKEY/BADTIME, RFC 8945 §5.3.2) are counted
 * (dnsu.tsig_*) and the update retried at once; after the last try it
 * ends with their rcode (NOTAUTH).
 * TTL = min(configured ttl, the lease's remaining valid lifetime) (§5.1.3
 * "MUST NOT be greater than the valid lifetime"). */
#ifndef SIX_DNS_DNSU_H
#define SIX_DNS_DNSU_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include "wire/dns.h"

struct six_stack;

#define DNSU_MAX_QUEUE   4096
#define DNSU_TIMEOUT_MS  1000
#define DNSU_MAX_RC      5
#define DNSU_FUDGE       300          /* s, RFC 8945 §10 recommendation */
#define DNSU_KEY_MAX     64           /* octets of a TSIG secret */

enum dnsu_alg { DNSU_HMAC_SHA256 = 1, DNSU_HMAC_SHA512, DNSU_HMAC_SHA1 };

/* `dstm update server ADDR [port N] zone NAME [reverse NAME] key NAME ALG SECRET_BASE64 [ttl N]` */
struct dnsu_config {
    struct sockaddr_storage server;  /* port 53 unless set */
    char zone[DNS_TEXT_MAX];         /* the zone the A records go in */
    char reverse[DNS_TEXT_MAX];      /* "" : no PTR updates; else e.g. "2.0.192.in-addr.arpa" */
    char key_name[DNS_TEXT_MAX];
    enum dnsu_alg alg;
    uint8_t secret[DNSU_KEY_MAX];
    size_t secret_len;
    uint32_t ttl;                    /* 0: 60 */
};

int  dnsu_configure(struct six_stack *st, const struct dnsu_config *cfg, char *why, size_t whyn);
int  dnsu_stop(struct six_stack *st);
bool dnsu_running(struct six_stack *st);

/* done(arg, 0) when the primary answered NOERROR, (arg, rcode>0) when it
 * refused, (arg, -ETIMEDOUT) after the last try, (arg, -ECANCELED) when the
 * client stops; exactly once, from the event loop. name: a full name in text
 * ("host1.example.test"). 0 or -errno (done not called). */
typedef void (*dnsu_done_fn)(void *arg, int result);
int dnsu_add_a(struct six_stack *st, const char *name, struct in_addr a4, uint32_t ttl, dnsu_done_fn done, void *arg);
int dnsu_delete_a(struct six_stack *st, const char *name, struct in_addr a4, dnsu_done_fn done, void *arg);

struct dnsu_info {
    bool running;
    unsigned queued, inflight;
    uint64_t sent, acked, refused, timeouts;
};
void dnsu_info(struct six_stack *st, struct dnsu_info *out);

#endif
