/* The update client's check of one response (dnsu.h, RFC 2136 §3.8 and
 * RFC 8945 §5.3), apart from sockets and state so that tests and the fuzz
 * target call it directly. */
#ifndef SIX_DNS_DNSU_CHECK_H
#define SIX_DNS_DNSU_CHECK_H
#include "dns/dnsu_tsig.h"

/* What the response must match: our key, the zone of the request, its id
 * and MAC, the wall clock now (s). */
struct dnsu_expect {
    const struct dnsu_key *key;
    const uint8_t *zone;
    size_t zone_len;
    uint16_t id;
    const uint8_t *req_mac;
    size_t req_mac_len;
    uint64_t now;
};

/* The verdicts; the DROP_ ones name the counter dnsu.drop_<...>. */
#define DNSU_CHECKS(X) \
    X(ANSWER, "answer")                 /* signed, verified: *rcode is final */ \
    X(TRUNCATED, "truncated")           /* TC: try again over TCP */ \
    X(TSIG_REFUSED, "tsig_refused")     /* the server's signed BADTIME (*tsig_error): retry */ \
    X(TSIG_UNSIGNED_ERROR, "tsig_unsigned_error") /* an unsigned BADSIG/BADKEY: remembered, the attempt goes on */ \
    X(DROP_MALFORMED, "malformed") \
    X(DROP_NOT_RESPONSE, "not_response") \
    X(DROP_ID, "id_mismatch") \
    X(DROP_OPCODE, "bad_opcode") \
    X(DROP_ZONE, "zone_mismatch") \
    X(DROP_UNSIGNED, "unsigned") \
    X(DROP_BAD_TSIG, "bad_tsig") \
    X(DROP_WRONG_KEY, "wrong_key") \
    X(DROP_BAD_MAC, "bad_mac") \
    X(DROP_BAD_TIME, "bad_time")

enum dnsu_check {
#define DNSU_CHECK_ENUM(n, s) DNSU_##n,
    DNSU_CHECKS(DNSU_CHECK_ENUM)
#undef DNSU_CHECK_ENUM
    DNSU__CHECK_MAX
};
const char *dnsu_check_str(enum dnsu_check c);

/* Check msg against e: the header (a response, our id, opcode UPDATE),
 * the zone echoed (one question: zone SOA IN), TC, then the whole message
 * and its TSIG (dnsu_tsig_verify). scratch: DNS_MAX_MSG + 1024 octets. */
enum dnsu_check dnsu_check_response(const struct dnsu_expect *e, const uint8_t *msg, size_t len, unsigned *rcode,
                                    uint16_t *tsig_error, uint8_t *scratch, size_t scratch_cap);

#endif
