/* DHCPv6 messages and options: RFC 9915 (STD 102, obsoletes RFC 8415),
 * RFC 3646 (DNS servers, domain list), RFC 7598 (softwire S46 options),
 * RFC 7341 (DHCPv4-over-DHCPv6 option codes).
 *
 * dhcp6_parse() takes one UDP payload and fills a struct dhcp6_msg with the
 * decoded well-known options; nothing is copied that can be pointed at
 * (DUIDs, status messages, relay payloads, class data are pointers into the
 * caller's buffer, which must outlive the struct).  It is strict:
 *   - every option header and body inside its container (OPT_TRUNCATED), an
 *     option length that disagrees with its fixed format (BAD_OPT_LEN);
 *   - client/server identifiers: 2-octet DUID type + 1..128 octets
 *     (DHCP6_BAD_DUID; the known types checked for their own lengths:
 *     LLT >= 9, EN >= 7, LL >= 5, UUID == 18; type 0 refused);
 *   - IA_NA/IA_TA/IA_PD, IAADDR, IAPREFIX (prefix length <= 128, else
 *     BAD_PREFIX_LEN), their nested options walked with the same rules;
 *   - relay messages: hop count and nesting depth <= DHCP6_RELAY_DEPTH_MAX
 *     (DHCP6_RELAY_TOO_DEEP), a Relay-forw/Relay-repl must carry exactly one
 *     RELAY_MSG (DHCP6_NO_RELAY_MSG / DUP_OPT);
 *   - a second CLIENTID, SERVERID, ORO, ELAPSED_TIME, PREFERENCE, AUTH,
 *     RECONF_MSG, RAPID_COMMIT... in one container: DUP_OPT;
 *   - DOMAIN_LIST: uncompressed names, labels 1..63 of [A-Za-z0-9_-] (they
 *     end up in a resolver's search list), names <= 255 octets, not the
 *     root alone (DHCP6_BAD_DOMAIN);
 *   - S46 (RFC 7598): prefix lengths <= 32 / 128 and ea-len <= 48
 *     (BAD_PREFIX_LEN), prefixes in exactly ceil(len/8) octets;
 *   - unknown message types: BAD_TYPE; fewer than 4 bytes: TRUNCATED;
 *   - more IAs / addresses / DNS servers than the caps below: the extra ones
 *     are validated and then ignored (n_ignored++), never a buffer overrun.
 * Unknown options are validated for length only and counted (n_unknown);
 * dhcp6_opt_next() walks any container to find them (DSTM's configurable
 * option code uses this).
 *
 * The role rules of RFC 9915 §16 (a Solicit must not carry a SERVERID, a
 * Request must carry one, ...) are checked by dhcp6_check_client_msg() /
 * dhcp6_check_server_msg(), so that a server and a client each count them
 * under their own named reason.
 *
 * Emit: struct dhcp6_builder appends options to a caller's buffer; nesting
 * (IA_NA > IAADDR > STATUS_CODE, RELAY_MSG > message) by begin/end pairs.
 * An overflowing builder sets ->err and every later call is a no-op, so the
 * caller checks once at the end. */
#ifndef SIX_WIRE_DHCP6_H
#define SIX_WIRE_DHCP6_H
#include "wire/wire.h"

#define DHCP6_CLIENT_PORT 546
#define DHCP6_SERVER_PORT 547
/* ff02::1:2 All_DHCP_Relay_Agents_and_Servers */
#define DHCP6_ALL_AGENTS_INIT { { { 0xff,2,0,0,0,0,0,0,0,0,0,0,0,1,0,2 } } }

/* Message types (RFC 9915 §7.3, RFC 7341) */
enum dhcp6_msg_type {
    DHCP6_SOLICIT = 1, DHCP6_ADVERTISE = 2, DHCP6_REQUEST = 3, DHCP6_CONFIRM = 4,
    DHCP6_RENEW = 5, DHCP6_REBIND = 6, DHCP6_REPLY = 7, DHCP6_RELEASE = 8,
    DHCP6_DECLINE = 9, DHCP6_RECONFIGURE = 10, DHCP6_INFORMATION_REQUEST = 11,
    DHCP6_RELAY_FORW = 12, DHCP6_RELAY_REPL = 13,
    DHCP6_LEASEQUERY = 14, DHCP6_LEASEQUERY_REPLY = 15,      /* RFC 5007 */
    DHCP6_DHCPV4_QUERY = 20, DHCP6_DHCPV4_RESPONSE = 21,
};

/* Option codes */
enum dhcp6_opt_code {
    D6O_CLIENTID = 1, D6O_SERVERID = 2, D6O_IA_NA = 3, D6O_IA_TA = 4, D6O_IAADDR = 5,
    D6O_ORO = 6, D6O_PREFERENCE = 7, D6O_ELAPSED_TIME = 8, D6O_RELAY_MSG = 9,
    D6O_AUTH = 11, D6O_UNICAST = 12, D6O_STATUS_CODE = 13, D6O_RAPID_COMMIT = 14,
    D6O_USER_CLASS = 15, D6O_VENDOR_CLASS = 16, D6O_VENDOR_OPTS = 17,
    D6O_INTERFACE_ID = 18, D6O_RECONF_MSG = 19, D6O_RECONF_ACCEPT = 20,
    D6O_DNS_SERVERS = 23, D6O_DOMAIN_LIST = 24, D6O_IA_PD = 25, D6O_IAPREFIX = 26,
    D6O_INFORMATION_REFRESH_TIME = 32, D6O_CLIENT_FQDN = 39,
    D6O_LQ_QUERY = 44, D6O_CLIENT_DATA = 45, D6O_CLT_TIME = 46, D6O_LQ_RELAY_DATA = 47,
    D6O_LQ_CLIENT_LINK = 48,                                   /* RFC 5007 */ D6O_SOL_MAX_RT = 82, D6O_INF_MAX_RT = 83,
    D6O_DHCPV4_MSG = 87, D6O_DHCP4_O_DHCP6_SERVER = 88,
    D6O_S46_RULE = 89, D6O_S46_BR = 90, D6O_S46_DMR = 91, D6O_S46_V4V6BIND = 92,
    D6O_S46_PORTPARAMS = 93, D6O_S46_CONT_MAPE = 94, D6O_S46_CONT_MAPT = 95,
    D6O_S46_CONT_LW = 96,
};

/* Status codes (RFC 9915 §21.13) */
enum dhcp6_status_code {
    D6S_SUCCESS = 0, D6S_UNSPEC_FAIL = 1, D6S_NO_ADDRS_AVAIL = 2, D6S_NO_BINDING = 3,
    D6S_NOT_ON_LINK = 4, D6S_USE_MULTICAST = 5, D6S_NO_PREFIX_AVAIL = 6,
    D6S_UNKNOWN_QUERY_TYPE = 7, D6S_MALFORMED_QUERY = 8, D6S_NOT_CONFIGURED = 9, D6S_NOT_ALLOWED = 10,
};

/* DUID types (RFC 9915 §11) */
enum dhcp6_duid_type { DUID_LLT = 1, DUID_EN = 2, DUID_LL = 3, DUID_UUID = 4 };

#define DHCP6_DUID_MAX        130   /* type (2) + at most 128 octets of identifier */
#define DHCP6_RELAY_DEPTH_MAX 8     /* HOP_COUNT_LIMIT (RFC 9915 §7.6): relays deeper are refused */
#define DHCP6_HDR_LEN         4
#define DHCP6_RELAY_HDR_LEN   34
#define DHCP6_MSG_MAX         (65535 - 8)   /* a UDP payload */

/* Caps of what one parsed message keeps (the rest: n_ignored). */
#define DHCP6_MAX_IA          8     /* IA_NA + IA_TA + IA_PD together */
#define DHCP6_MAX_IA_ITEMS    8     /* IAADDR / IAPREFIX per IA */
#define DHCP6_MAX_ORO         32
#define DHCP6_MAX_DNS         8
#define DHCP6_MAX_S46_RULES   4

/* Reconfigure Key Authentication Protocol (RFC 9915 §20.4) */
#define DHCP6_AUTH_PROTO_RKAP  3
#define DHCP6_AUTH_ALG_HMAC_MD5 1
#define DHCP6_AUTH_RDM_MONOTONIC 0
#define DHCP6_RKAP_KEY 1             /* auth info: type 1 + 16-octet key (in Reply) */
#define DHCP6_RKAP_HMAC 2            /* auth info: type 2 + 16-octet HMAC-MD5 (in Reconfigure) */
#define DHCP6_RKAP_INFO_LEN 17

struct dhcp6_bytes { const uint8_t *p; uint16_t len; };   /* p NULL: absent */

struct dhcp6_duid {
    uint16_t type;            /* 0: absent */
    const uint8_t *p;         /* the whole DUID, type included (what is compared and stored) */
    uint16_t len;             /* 3..130 */
};

struct dhcp6_status {
    bool present;
    uint16_t code;
    struct dhcp6_bytes text;  /* UTF-8, not NUL-terminated */
};

/* An IAADDR (plen 128) or IAPREFIX. */
struct dhcp6_ia_item {
    struct in6_addr addr;     /* IAPREFIX: masked to plen */
    uint8_t plen;
    uint32_t preferred, valid;
    struct dhcp6_status status;
};

struct dhcp6_ia {
    uint16_t type;            /* D6O_IA_NA, D6O_IA_TA, D6O_IA_PD */
    uint32_t iaid, t1, t2;    /* IA_TA: t1 = t2 = 0 */
    struct dhcp6_status status;
    struct dhcp6_ia_item item[DHCP6_MAX_IA_ITEMS];
    int n_item;
};

struct dhcp6_auth {
    bool present;
    uint8_t protocol, algorithm, rdm;
    uint64_t replay;
    struct dhcp6_bytes info;
    size_t info_off;          /* offset of info in the parsed buffer (to zero it for the HMAC) */
};

struct dhcp6_portparams { uint8_t offset, psid_len; uint16_t psid; bool present; };
struct dhcp6_s46_rule {
    uint8_t flags, ea_len, prefix4_len, prefix6_len;
    struct in_addr prefix4;
    struct in6_addr prefix6;
    struct dhcp6_portparams pp;
};
struct dhcp6_s46 {            /* one S46_CONT_MAPE / MAPT / LW (the first one of the message) */
    uint16_t type;            /* 0: absent */
    struct dhcp6_s46_rule rule[DHCP6_MAX_S46_RULES]; int n_rule;
    struct in6_addr br[DHCP6_MAX_DNS]; int n_br;     /* S46_BR */
    bool has_dmr; uint8_t dmr_len; struct in6_addr dmr;
    bool has_bind;            /* S46_V4V6BIND */
    struct in_addr bind4;
    uint8_t bind6_len;
    struct in6_addr bind6;
    struct dhcp6_portparams bind_pp;
};

/* RFC 5007 Leasequery: the query (in LEASEQUERY) and the client data (in
 * LEASEQUERY-REPLY). Declared for the DSTM issue (AIIH and its requestors). */
#define DHCP6_LQ_BY_ADDRESS  1
#define DHCP6_LQ_BY_CLIENTID 2
struct dhcp6_lq_query {
    bool present;
    uint8_t type;                 /* DHCP6_LQ_BY_* */
    struct in6_addr link_addr;
    bool has_addr;                /* BY_ADDRESS: the IAADDR of the query options */
    struct in6_addr addr;
    struct dhcp6_duid clientid;   /* BY_CLIENTID */
};
struct dhcp6_client_data {
    bool present;
    struct dhcp6_duid clientid;
    struct dhcp6_ia_item item[DHCP6_MAX_IA_ITEMS];   /* IAADDR / IAPREFIX options inside it */
    int n_item;
    bool has_clt_time;
    uint32_t clt_time;
    struct dhcp6_bytes body;      /* the whole option body, for options the parser does not keep (S46) */
};

struct dhcp6_msg {
    uint8_t type;
    uint32_t xid;             /* 24 bits; relay messages: 0 */
    /* relay messages only */
    uint8_t hop_count;
    struct in6_addr link_addr, peer_addr;
    struct dhcp6_bytes relay_msg;      /* the inner message, to be parsed again by the caller */
    struct dhcp6_bytes interface_id;
    /* options (of this message's own level) */
    struct dhcp6_duid clientid, serverid;
    struct dhcp6_ia ia[DHCP6_MAX_IA]; int n_ia;
    uint16_t oro[DHCP6_MAX_ORO]; int n_oro; bool has_oro;
    bool has_preference; uint8_t preference;
    bool has_elapsed; uint16_t elapsed;       /* hundredths of a second */
    struct dhcp6_auth auth;
    bool has_unicast; struct in6_addr unicast; /* parsed, never served (RFC 9915 obsoletes it) */
    struct dhcp6_status status;
    bool rapid_commit;
    struct dhcp6_bytes user_class, vendor_class, vendor_opts;  /* option bodies, validated framing */
    bool has_reconf_msg; uint8_t reconf_msg;
    bool reconf_accept;
    struct in6_addr dns[DHCP6_MAX_DNS]; int n_dns;
    struct dhcp6_bytes domain_list;           /* validated DNS wire names, see dhcp6_domain_next */
    bool has_irt; uint32_t irt;
    bool has_sol_max_rt; uint32_t sol_max_rt;
    bool has_inf_max_rt; uint32_t inf_max_rt;
    struct dhcp6_bytes dhcpv4_msg;
    struct dhcp6_s46 s46;
    struct dhcp6_lq_query lq;                 /* RFC 5007 */
    struct dhcp6_client_data cdata;           /* the first OPTION_CLIENT_DATA */
    struct dhcp6_bytes fqdn;                  /* RFC 4704 option body (flags + wire name), validated */
    int n_unknown, n_ignored;
    const uint8_t *opts; size_t opts_len;     /* this level's option area, for dhcp6_opt_next */
};

/* Parse one message (or a relay level). */
enum wire_reason dhcp6_parse(const uint8_t *p, size_t len, struct dhcp6_msg *m);

/* Parse a relay chain from the outermost Relay-forw down to the client's
 * message: levels[0] is the outermost relay, levels[*n-1] the client
 * message.  Stops with DHCP6_RELAY_TOO_DEEP past DHCP6_RELAY_DEPTH_MAX
 * relay levels.  levels must hold DHCP6_RELAY_DEPTH_MAX + 1 entries.
 * *n: the levels parsed successfully (on an error, levels[*n] is the one
 * that failed).  A Relay-forw holding a Relay-repl (or the reverse): BAD_TYPE. */
enum wire_reason dhcp6_parse_chain(const uint8_t *p, size_t len, struct dhcp6_msg *levels, int *n);

/* Role rules (RFC 9915 §16), after dhcp6_parse: what a server receives
 * from a client, and what a client receives from a server. */
enum wire_reason dhcp6_check_client_msg(const struct dhcp6_msg *m);
enum wire_reason dhcp6_check_server_msg(const struct dhcp6_msg *m);

/* Generic walk of an option area: *off starts at 0; returns true with the
 * next option's code and body, false at the end (the area was validated by
 * dhcp6_parse, so a false is the end, never an error). */
bool dhcp6_opt_next(const uint8_t *opts, size_t len, size_t *off, uint16_t *code, struct dhcp6_bytes *body);

/* DOMAIN_LIST: the next name as dotted text ("example.com", no trailing
 * dot); false at the end.  *off starts at 0. */
bool dhcp6_domain_next(struct dhcp6_bytes list, size_t *off, char *out, size_t outn);

const char *dhcp6_msg_name(uint8_t type);       /* "SOLICIT"...; "unknown" */
const char *dhcp6_status_name(uint16_t code);   /* "Success"...; "unknown" */

/* ------------------------------------------------------------ emit */

#define DHCP6_BUILDER_DEPTH 12
struct dhcp6_builder {
    uint8_t *buf;
    size_t cap, len;
    size_t open[DHCP6_BUILDER_DEPTH];  /* offsets of open option headers */
    int depth;
    bool err;                 /* overflow or unbalanced nesting: the result is unusable */
};

void dhcp6_build_init(struct dhcp6_builder *b, uint8_t *buf, size_t cap);
void dhcp6_build_hdr(struct dhcp6_builder *b, uint8_t type, uint32_t xid);
void dhcp6_build_relay_hdr(struct dhcp6_builder *b, uint8_t type, uint8_t hops,
                           const struct in6_addr *link, const struct in6_addr *peer);
void dhcp6_put_opt(struct dhcp6_builder *b, uint16_t code, const void *data, size_t len);
void dhcp6_put_u8(struct dhcp6_builder *b, uint16_t code, uint8_t v);
void dhcp6_put_u16(struct dhcp6_builder *b, uint16_t code, uint16_t v);
void dhcp6_put_u32(struct dhcp6_builder *b, uint16_t code, uint32_t v);
void dhcp6_put_empty(struct dhcp6_builder *b, uint16_t code);         /* RAPID_COMMIT, RECONF_ACCEPT */
void dhcp6_put_status(struct dhcp6_builder *b, uint16_t code, const char *text);
/* the same with a counted text (what a parsed struct dhcp6_status holds) */
void dhcp6_put_status_len(struct dhcp6_builder *b, uint16_t code, const void *text, size_t len);
void dhcp6_put_addrs(struct dhcp6_builder *b, uint16_t code, const struct in6_addr *a, int n); /* DNS_SERVERS, S46_BR */
void dhcp6_put_oro(struct dhcp6_builder *b, const uint16_t *codes, int n);
/* names in dotted text; false (and b->err) if one is not a valid name */
bool dhcp6_put_domains(struct dhcp6_builder *b, const char *const *names, int n);
void dhcp6_put_auth(struct dhcp6_builder *b, uint8_t proto, uint8_t alg, uint8_t rdm, uint64_t replay,
                    const void *info, size_t info_len, size_t *info_off);  /* info_off: where info went */
/* Nested options: begin writes the header (and the fixed part), end patches the length. */
void dhcp6_begin_ia(struct dhcp6_builder *b, uint16_t type, uint32_t iaid, uint32_t t1, uint32_t t2);
void dhcp6_begin_iaaddr(struct dhcp6_builder *b, const struct in6_addr *a, uint32_t pref, uint32_t valid);
void dhcp6_begin_iaprefix(struct dhcp6_builder *b, const struct in6_addr *p, uint8_t plen,
                          uint32_t pref, uint32_t valid);
void dhcp6_begin_opt(struct dhcp6_builder *b, uint16_t code);          /* RELAY_MSG, S46 containers */
void dhcp6_end(struct dhcp6_builder *b);
/* Softwire (RFC 7598) */
void dhcp6_put_s46_rule(struct dhcp6_builder *b, const struct dhcp6_s46_rule *r);
void dhcp6_put_s46_dmr(struct dhcp6_builder *b, uint8_t plen, const struct in6_addr *p);
void dhcp6_put_s46_v4v6bind(struct dhcp6_builder *b, struct in_addr a4, uint8_t plen6,
                            const struct in6_addr *p6, const struct dhcp6_portparams *pp);
/* The finished length, or 0 if b->err or an option is still open. */
size_t dhcp6_build_done(struct dhcp6_builder *b);

/* The draft-ietf-ngtrans-dstm §7.1 IPv4 Global Address Extension, whose
 * code is configuration (never assigned): a body of 0 or 16 octets (the
 * TEP), applying to the option right after it, which must be an IA_NA.
 * Found in m's own option area: *found, *has_tep and *tep, and *iaid the IAID
 * of that IA_NA (also parsed into m->ia[] like any IA_NA: the caller tells
 * it apart by IAID). BAD_OPT_LEN for another body length, WR_DHCP6_DSTM_NO_IA when
 * no IA_NA follows it, WR_DHCP6_DSTM_TWICE for a second extension. */
enum wire_reason dhcp6_dstm_find(const struct dhcp6_msg *m, uint16_t code, bool *found, bool *has_tep,
                                 struct in6_addr *tep, uint32_t *iaid);
/* The extension (tep NULL: empty body); the caller puts the IA_NA next. */
void dhcp6_put_dstm(struct dhcp6_builder *b, uint16_t code, const struct in6_addr *tep);
/* RFC 5007: OPTION_LQ_QUERY with an IAADDR (BY_ADDRESS) in its options. */
void dhcp6_put_lq_by_addr(struct dhcp6_builder *b, const struct in6_addr *link, const struct in6_addr *addr);

#endif
