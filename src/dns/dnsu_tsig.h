/* TSIG (RFC 8945) signing and verification for the update client: the
 * wire layout is wire/dns_tsig.c's, the HMAC is OpenSSL's (EVP_MAC), MACs
 * are compared with CRYPTO_memcmp.  Full-length MACs only: a truncated
 * MAC (§5.2.2.1) is refused like a wrong one. */
#ifndef SIX_DNS_DNSU_TSIG_H
#define SIX_DNS_DNSU_TSIG_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "dns/dnsu.h"
#include "wire/dns.h"

#define DNSU_MAC_MAX 64

struct dnsu_key {
    uint8_t name[DNS_MAX_NAME];
    size_t name_len;
    enum dnsu_alg alg;
    uint8_t secret[DNSU_KEY_MAX];
    size_t secret_len;
};

/* The algorithm's wire name and MAC length; NULL / 0 for an unknown one. */
const uint8_t *dnsu_alg_wire(enum dnsu_alg alg, size_t *len);
size_t dnsu_alg_mac_len(enum dnsu_alg alg);
/* "hmac-sha256" etc., or NULL; and back (0 if unknown). */
const char *dnsu_alg_text(enum dnsu_alg alg);
enum dnsu_alg dnsu_alg_from_text(const char *s);

/* HMAC of data under the key's secret; false on an OpenSSL failure. */
bool dnsu_hmac(const struct dnsu_key *k, const uint8_t *data, size_t n, uint8_t out[DNSU_MAC_MAX], size_t *outl);

/* Sign the finished request in msg (len octets, cap room) at time `now`
 * (seconds since the epoch): appends the TSIG RR. The MAC goes to
 * mac/mac_len (the response is verified against it). scratch holds the
 * digest input (DNS_MAX_MSG + 1024 is always enough). New length, 0 if
 * it does not fit. */
size_t dnsu_tsig_sign(const struct dnsu_key *k, uint8_t *msg, size_t len, size_t cap, uint64_t now,
                      uint8_t mac[DNSU_MAC_MAX], size_t *mac_len, uint8_t *scratch, size_t scratch_cap);

enum dnsu_tsig_result {
    DNSU_TSIG_OK,
    DNSU_TSIG_MISSING,      /* no TSIG RR (a server answers BADKEY/BADSIG unsigned) */
    DNSU_TSIG_MALFORMED,    /* the message or its TSIG RR is not valid (dns_tsig_find) */
    DNSU_TSIG_BADKEY,       /* another key name or algorithm */
    DNSU_TSIG_BADSIG,       /* the MAC does not verify (or is truncated) */
    DNSU_TSIG_BADTIME,      /* signed outside its fudge of now */
    DNSU_TSIG_ERROR,        /* signed correctly, but the TSIG error field is set */
    DNSU_TSIG_ERROR_UNSIGNED, /* an error (BADSIG/BADKEY) with no MAC: anyone on the path can forge it */
};

/* Verify a response to the request whose MAC was req_mac (RFC 8945 §5.3).
 * *tsig_error gets the TSIG RR's error field when there is one (the
 * server's BADSIG/BADKEY/BADTIME), else 0. */
enum dnsu_tsig_result dnsu_tsig_verify(const struct dnsu_key *k, const uint8_t *msg, size_t len,
                                       const uint8_t *req_mac, size_t req_mac_len, uint64_t now,
                                       uint16_t *tsig_error, uint8_t *scratch, size_t scratch_cap);

#endif
