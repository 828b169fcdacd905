/* One response of the update client checked (dnsu_check.h). */
#include "dns/dnsu_check.h"
#include "wire/bytes.h"

static const char *const check_names[DNSU__CHECK_MAX] = {
#define DNSU_CHECK_STR(n, s) [DNSU_##n] = s,
    DNSU_CHECKS(DNSU_CHECK_STR)
#undef DNSU_CHECK_STR
};

const char *dnsu_check_str(enum dnsu_check c)
{
    return (unsigned)c < DNSU__CHECK_MAX ? check_names[c] : "unknown";
}

/* Exactly one question: the zone, SOA, IN (RFC 2136 §3.8: the zone
 * section is echoed). */
static bool zone_echoed(const struct dnsu_expect *e, const uint8_t *msg, size_t len, const struct dns_header *h)
{
    uint8_t name[DNS_MAX_NAME];
    size_t nl, next;
    if (h->qdcount != 1 || dns_name_parse(msg, len, DNS_HDR_LEN, name, &nl, &next) != DNS_OK || len - next < 4)
        return false;
    return rd16(msg + next) == DNS_TYPE_SOA && rd16(msg + next + 2) == DNS_CLASS_IN &&
           dns_name_equal(name, nl, e->zone, e->zone_len);
}

static enum dnsu_check tsig_verdict(enum dnsu_tsig_result r)
{
    switch (r) {
    case DNSU_TSIG_OK: return DNSU_ANSWER;
    case DNSU_TSIG_MISSING: return DNSU_DROP_UNSIGNED;
    case DNSU_TSIG_MALFORMED: return DNSU_DROP_BAD_TSIG;
    case DNSU_TSIG_BADKEY: return DNSU_DROP_WRONG_KEY;
    case DNSU_TSIG_BADSIG: return DNSU_DROP_BAD_MAC;
    case DNSU_TSIG_BADTIME: return DNSU_DROP_BAD_TIME;
    case DNSU_TSIG_ERROR: return DNSU_TSIG_REFUSED;
    case DNSU_TSIG_ERROR_UNSIGNED: return DNSU_TSIG_UNSIGNED_ERROR;
    }
    return DNSU_DROP_BAD_TSIG;
}

enum dnsu_check dnsu_check_response(const struct dnsu_expect *e, const uint8_t *msg, size_t len, unsigned *rcode,
                                    uint16_t *tsig_error, uint8_t *scratch, size_t scratch_cap)
{
    struct dns_header h;
    *rcode = 0;
    *tsig_error = 0;
    if (dns_header_parse(msg, len, &h) != DNS_OK)
        return DNSU_DROP_MALFORMED;
    if (!dns_qr(&h))
        return DNSU_DROP_NOT_RESPONSE;
    if (h.id != e->id)
        return DNSU_DROP_ID;
    if (dns_opcode(&h) != DNS_OPCODE_UPDATE)
        return DNSU_DROP_OPCODE;
    if (!zone_echoed(e, msg, len, &h))
        return DNSU_DROP_ZONE;
    if (dns_tc(&h))
        return DNSU_TRUNCATED;
    *rcode = dns_rcode(&h);
    enum dnsu_tsig_result r = dnsu_tsig_verify(e->key, msg, len, e->req_mac, e->req_mac_len, e->now, tsig_error,
                                               scratch, scratch_cap);
    return tsig_verdict(r);
}
