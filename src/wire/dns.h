/* DNS messages (RFC 1035 §4, AAAA RFC 3596, EDNS0 OPT RFC 6891), hardened
 * against the anti-patterns of RFC 9267.  Pure like the rest of src/wire/
 * (see wire.h): no allocation, no globals, every access bounds-checked,
 * bytes read with bytes.h.  Addresses stay in network byte order.
 *
 * Names.  A name handed out by this module is in uncompressed wire form:
 * length-prefixed labels ending with the root label (a 0 octet), at most
 * DNS_MAX_NAME octets in all, every label at most DNS_MAX_LABEL octets.
 * Letter case is kept exactly as on the wire (nothing is lower-cased);
 * compare with dns_name_equal, which folds ASCII case.
 *
 * Compressed names (RFC 1035 §4.1.4) are expanded under these rules; the
 * first one broken names the rejection:
 *   - a length octet 0x40..0xbf (a label "over 63", which on the wire is
 *     the obsolete extended 0b01 / reserved 0b10 label type): LABEL_TOO_LONG
 *   - expanded name > 255 octets, however it is built: NAME_TOO_LONG
 *   - labels, pointers or the root label running past the message, so also
 *     a name without its terminating root label: TRUNCATED
 *   - pointer target >= message length: POINTER_BEYOND
 *   - pointer target inside the 12-octet header: POINTER_INTO_HEADER
 *   - pointers must point strictly before the start of the stretch of
 *     octets being read (the name's start, or the last pointer's target),
 *     so every hop goes strictly backwards and expansion terminates.  A
 *     target inside the span this name has already read (a self-pointer,
 *     a two-pointer cycle entered from its later pointer, a pointer back
 *     to an earlier label of the same stretch): COMPRESSION_LOOP; a target
 *     beyond everything read so far: POINTER_FORWARD
 *   - more than DNS_MAX_PTR_HOPS pointers in one name: TOO_MANY_POINTERS
 *
 * Messages.  The iterator validates the header, then walks every question
 * and every RR of every section, checking the counts against the octets
 * really present:
 *   - len > 65535 (no DNS transport carries it): MSG_TOO_LONG
 *   - len < 12: TRUNCATED
 *   - counts that cannot fit (12 + 5 per question + 11 per RR > len), or
 *     an answer claimed with qdcount 0, or a record expected where the
 *     message has ended: BAD_COUNT; a record cut short: TRUNCATED
 *   - rdlength running past the message: RDATA_OVERRUN
 *   - rdata of known shape that does not have it: A/IN rdlength != 4,
 *     AAAA/IN != 16, CNAME/NS/PTR not exactly one valid name: BAD_RDLEN
 *     (or the name's own reason); class ANY with rdlength 0 is always
 *     taken (RFC 2136: "delete an RRset", "an RRset exists")
 *   - OPT (type 41) outside the additional section, more than one, or
 *     with an owner name other than the root: BAD_OPT
 *   - octets after the last counted record: TRAILING_DATA, unless
 *     DNS_ITER_ALLOW_TRAILING
 * Every reason is sticky: once the iterator failed it keeps returning
 * that reason.  Reason strings are lower_snake_case: they become the
 * counters dns.drop.<reason>. */
#ifndef SIX_WIRE_DNS_H
#define SIX_WIRE_DNS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

#define DNS_HDR_LEN 12
#define DNS_MAX_NAME 255      /* wire octets incl. the root label (RFC 1035 §2.3.4) */
#define DNS_MAX_LABEL 63
#define DNS_MAX_PTR_HOPS 128  /* > 127 labels + a bare root cannot need more */
#define DNS_MAX_MSG 65535
#define DNS_TEXT_MAX 1024     /* dns_name_to_text buffer for any name, every octet escaped */

#define DNS_REASONS(X) \
  X(OK, "ok") \
  X(TRUNCATED, "truncated") \
  X(MSG_TOO_LONG, "msg_too_long") \
  X(LABEL_TOO_LONG, "label_too_long") \
  X(NAME_TOO_LONG, "name_too_long") \
  X(COMPRESSION_LOOP, "compression_loop") \
  X(POINTER_FORWARD, "pointer_forward") \
  X(POINTER_BEYOND, "pointer_beyond") \
  X(POINTER_INTO_HEADER, "pointer_into_header") \
  X(TOO_MANY_POINTERS, "too_many_pointers") \
  X(BAD_COUNT, "bad_count") \
  X(RDATA_OVERRUN, "rdata_overrun") \
  X(BAD_RDLEN, "bad_rdlen") \
  X(BAD_OPT, "bad_opt") \
  X(TRAILING_DATA, "trailing_data") \
  X(WRONG_TYPE, "wrong_type") \
  X(EMPTY_LABEL, "empty_label") \
  X(BAD_ESCAPE, "bad_escape") \
  X(NOT_RESPONSE, "not_response") \
  X(BAD_OPCODE, "bad_opcode") \
  X(ID_MISMATCH, "id_mismatch") \
  X(QUESTION_MISMATCH, "question_mismatch") \
  X(BAD_TSIG, "bad_tsig")

enum dns_reason {
#define DNS_REASON_ENUM(n, s) DNS_##n,
  DNS_REASONS(DNS_REASON_ENUM)
#undef DNS_REASON_ENUM
  DNS__MAX
};

/* Never NULL: out-of-range values give "unknown". */
const char *dns_reason_str(enum dns_reason r);

/* Types and classes used here. */
#define DNS_TYPE_A 1
#define DNS_TYPE_NS 2
#define DNS_TYPE_CNAME 5
#define DNS_TYPE_SOA 6
#define DNS_TYPE_PTR 12
#define DNS_TYPE_AAAA 28
#define DNS_TYPE_OPT 41
#define DNS_CLASS_IN 1

#define DNS_OPCODE_QUERY 0
#define DNS_RCODE_NOERROR 0
#define DNS_RCODE_FORMERR 1
#define DNS_RCODE_SERVFAIL 2
#define DNS_RCODE_NXDOMAIN 3
#define DNS_RCODE_NOTIMP 4
#define DNS_RCODE_REFUSED 5

/* ---- header ---- */

#define DNS_FLAG_QR 0x8000
#define DNS_FLAG_AA 0x0400
#define DNS_FLAG_TC 0x0200
#define DNS_FLAG_RD 0x0100
#define DNS_FLAG_RA 0x0080
#define DNS_FLAG_AD 0x0020
#define DNS_FLAG_CD 0x0010

struct dns_header { uint16_t id, flags, qdcount, ancount, nscount, arcount; };

static inline bool dns_qr(const struct dns_header *h) { return h->flags & DNS_FLAG_QR; }
static inline unsigned dns_opcode(const struct dns_header *h) { return (h->flags >> 11) & 0xf; }
static inline bool dns_aa(const struct dns_header *h) { return h->flags & DNS_FLAG_AA; }
static inline bool dns_tc(const struct dns_header *h) { return h->flags & DNS_FLAG_TC; }
static inline bool dns_rd(const struct dns_header *h) { return h->flags & DNS_FLAG_RD; }
static inline bool dns_ra(const struct dns_header *h) { return h->flags & DNS_FLAG_RA; }
static inline bool dns_ad(const struct dns_header *h) { return h->flags & DNS_FLAG_AD; }
static inline bool dns_cd(const struct dns_header *h) { return h->flags & DNS_FLAG_CD; }
/* The 4-bit header rcode (extended rcodes live in the OPT TTL). */
static inline unsigned dns_rcode(const struct dns_header *h) { return h->flags & 0xf; }

/* TRUNCATED if len < 12, MSG_TOO_LONG if len > 65535; no other check. */
enum dns_reason dns_header_parse(const uint8_t *msg, size_t len, struct dns_header *h);

/* ---- names ---- */

/* Expand the (possibly compressed) name at msg[off] into out (uncompressed
 * wire form, case kept) and set *out_len, and *next to the offset just
 * after the name's octets in place (after its first pointer, if any).
 * Rules and reasons in the comment at the top.  On failure out, *out_len
 * and *next are unspecified. */
enum dns_reason dns_name_parse(const uint8_t *msg, size_t len, size_t off,
                               uint8_t out[DNS_MAX_NAME], size_t *out_len, size_t *next);

/* Check an uncompressed wire name: labels <= 63 (LABEL_TOO_LONG, also for
 * pointer/reserved octets), total <= 255 (NAME_TOO_LONG), root label
 * exactly at the end (TRUNCATED if missing, TRAILING_DATA if early). */
enum dns_reason dns_name_check(const uint8_t *name, size_t len);

/* Presentation form: "www.example.test" (no trailing dot), the root is
 * ".".  Octets inside labels that are '.', '\\' or outside 0x21..0x7e are
 * written \DDD (three decimal digits).  Always NUL-terminates when cap > 0.
 * Returns the text length, or -1 if the name is invalid (dns_name_check)
 * or does not fit; DNS_TEXT_MAX always fits. */
int dns_name_to_text(const uint8_t *wire, size_t wlen, char *buf, size_t cap);

/* Text to uncompressed wire form.  A trailing dot is optional; "." alone
 * is the root; \DDD (000..255) and \X (X literally) escapes.  Rejects ""
 * and empty labels ("a..b", ".a") with EMPTY_LABEL, labels > 63 octets
 * with LABEL_TOO_LONG, > 255 octets in all with NAME_TOO_LONG, a bad or
 * dangling escape with BAD_ESCAPE. */
enum dns_reason dns_name_from_text(const char *text, uint8_t out[DNS_MAX_NAME], size_t *out_len);

/* Both in uncompressed wire form (valid per dns_name_check); equal with
 * ASCII case folded (RFC 4343).  Length octets (<= 63) never collide with
 * letters, so this is a plain folded byte compare. */
bool dns_name_equal(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen);

/* ---- message iterator ---- */

enum dns_section { DNS_SEC_QUESTION, DNS_SEC_ANSWER, DNS_SEC_AUTHORITY, DNS_SEC_ADDITIONAL, DNS_SEC_END };

struct dns_question { uint8_t name[DNS_MAX_NAME]; size_t name_len; uint16_t qtype, qclass; };

struct dns_rr {
  uint8_t name[DNS_MAX_NAME];
  size_t name_len;
  uint16_t type, class;
  uint32_t ttl;          /* RFC 2181 §8: top bit set is given as 0 (not for OPT: ext rcode, version, DO) */
  uint16_t rdlen;
  size_t rdata_off;      /* offset of the rdata in the message */
  enum dns_section section;
};

#define DNS_ITER_ALLOW_TRAILING 1u

struct dns_iter {
  const uint8_t *msg;
  size_t len, off;       /* off: next unread octet */
  struct dns_header h;
  unsigned flags;
  enum dns_section section;
  unsigned left;         /* records left in section */
  unsigned opt_seen;
  enum dns_reason err;   /* sticky */
};

/* Parse the header and check the counts can fit (see top).  flags:
 * DNS_ITER_ALLOW_TRAILING or 0. */
enum dns_reason dns_iter_init(struct dns_iter *it, const uint8_t *msg, size_t len, unsigned flags);
/* Next question; *done = true (q untouched) when there are no more. */
enum dns_reason dns_iter_question(struct dns_iter *it, struct dns_question *q, bool *done);
/* Next RR of answer, authority, additional in turn (rr->section tells
 * which); questions not yet read are parsed and validated first.  *done =
 * true (rr untouched) after the last one, once trailing octets were
 * checked.  A message is valid only if this reaches done with DNS_OK. */
enum dns_reason dns_iter_rr(struct dns_iter *it, struct dns_rr *rr, bool *done);

/* ---- typed rdata (rr from dns_iter_rr over the same msg, len) ---- */

/* WRONG_TYPE unless A/IN (AAAA/IN); BAD_RDLEN unless rdlen 4 (16);
 * RDATA_OVERRUN if the rdata is not inside msg. */
enum dns_reason dns_rr_a(const uint8_t *msg, size_t len, const struct dns_rr *rr, struct in_addr *a);
enum dns_reason dns_rr_aaaa(const uint8_t *msg, size_t len, const struct dns_rr *rr, struct in6_addr *a);
/* The name that is the whole rdata of a CNAME (PTR) record, expanded from
 * the message; WRONG_TYPE for other types, BAD_RDLEN unless the name's
 * octets in place are exactly the rdata. */
enum dns_reason dns_rr_cname(const uint8_t *msg, size_t len, const struct dns_rr *rr,
                             uint8_t out[DNS_MAX_NAME], size_t *out_len);
enum dns_reason dns_rr_ptr(const uint8_t *msg, size_t len, const struct dns_rr *rr,
                           uint8_t out[DNS_MAX_NAME], size_t *out_len);

/* ---- queries and answer matching ---- */

/* A standard query: header (id, RD set, qdcount 1), one question name /
 * qtype / class IN, and when edns_udp_size != 0 an EDNS0 OPT RR (version
 * 0, no flags, no options) advertising that UDP payload size (values
 * below 512 are sent as 512, RFC 6891 §6.2.3).  name must pass
 * dns_name_check.  Returns the length, or 0 if the name is invalid or cap
 * is too small. */
size_t dns_query_emit(uint8_t *p, size_t cap, uint16_t id, const uint8_t *name, size_t name_len,
                      uint16_t qtype, uint16_t edns_udp_size);

/* Does msg answer our query (RFC 5452 §9.1 basics)?  Header valid
 * (TRUNCATED / MSG_TOO_LONG), QR set (NOT_RESPONSE), opcode QUERY
 * (BAD_OPCODE), same id (ID_MISMATCH), exactly one question, valid
 * (its name's reason), equal to ours case-insensitively with the same
 * qtype and class IN (QUESTION_MISMATCH).  Looks no further than the
 * question: walk the rest with the iterator.  A resolver using 0x20 case
 * randomisation must compare the echoed name exactly itself. */
enum dns_reason dns_answer_check(const uint8_t *msg, size_t len, uint16_t id,
                                 const uint8_t *name, size_t name_len, uint16_t qtype);
bool dns_answer_matches(const uint8_t *msg, size_t len, uint16_t id,
                        const uint8_t *name, size_t name_len, uint16_t qtype);


/* ==== server side, UPDATE, TSIG (declared for the DSTM issue; wire/dns_build.c, wire/dns_tsig.c) ==== */

#define DNS_TYPE_TXT 16
#define DNS_TYPE_TSIG 250
#define DNS_TYPE_ANY 255
#define DNS_CLASS_NONE 254
#define DNS_CLASS_ANY 255
#define DNS_OPCODE_UPDATE 5
#define DNS_RCODE_YXDOMAIN 6
#define DNS_RCODE_YXRRSET 7
#define DNS_RCODE_NXRRSET 8
#define DNS_RCODE_NOTAUTH 9
#define DNS_RCODE_NOTZONE 10
#define DNS_RCODE_BADVERS 16      /* extended (OPT), also TSIG BADSIG in a TSIG error field */
#define DNS_TSIG_BADSIG 16
#define DNS_TSIG_BADKEY 17
#define DNS_TSIG_BADTIME 18
#define DNS_TSIG_BADTRUNC 22

/* EDNS0 OPT of a message (RFC 6891 §6.1.3), from its RR. */
struct dns_opt {
    uint16_t udp_size;            /* the CLASS field; values < 512 count as 512 */
    uint8_t ext_rcode, version;
    bool do_bit;
};
/* WRONG_TYPE unless OPT; options are walked for framing only (BAD_OPT
 * when an option runs past the rdata). */
enum dns_reason dns_rr_opt(const uint8_t *msg, size_t len, const struct dns_rr *rr, struct dns_opt *o);

/* A message builder with name compression (RFC 1035 §4.1.4): names are
 * written compressed against earlier names of the message (pointers only
 * backwards, to offsets < 0x4000). Sections are written in order; each
 * put_* bumps the right count. An overflow makes the builder fail
 * (b->err set, every later call a no-op, done returns 0): a server then
 * answers TC with the question only. */
#define DNS_BUILD_NAMES 64        /* names remembered for compression */
struct dns_builder {
    uint8_t *p;
    size_t cap, len;
    bool err;
    enum dns_section sec;
    struct { uint16_t off; } names[DNS_BUILD_NAMES];
    unsigned n_names;
};
void dns_build_init(struct dns_builder *b, uint8_t *buf, size_t cap, uint16_t id, uint16_t flags);
void dns_build_question(struct dns_builder *b, const uint8_t *name, size_t name_len, uint16_t qtype, uint16_t qclass);
/* Move to a section (ANSWER, AUTHORITY, ADDITIONAL; never back). For
 * UPDATE the same sections are zone, prerequisite, update, additional. */
void dns_build_section(struct dns_builder *b, enum dns_section sec);
/* An RR with raw rdata; the typed forms below compress names in rdata of
 * NS/CNAME/PTR/SOA (RFC 3597 §4 allows it for these well-known types). */
void dns_build_rr(struct dns_builder *b, const uint8_t *name, size_t name_len, uint16_t type, uint16_t class,
                  uint32_t ttl, const void *rdata, uint16_t rdlen);
void dns_build_rr_name(struct dns_builder *b, const uint8_t *name, size_t name_len, uint16_t type, uint32_t ttl,
                       const uint8_t *target, size_t target_len);   /* NS, CNAME, PTR */
void dns_build_soa(struct dns_builder *b, const uint8_t *zone, size_t zone_len, uint32_t ttl,
                   const uint8_t *mname, size_t mname_len, const uint8_t *rname, size_t rname_len,
                   uint32_t serial, uint32_t refresh, uint32_t retry, uint32_t expire, uint32_t minimum);
void dns_build_opt(struct dns_builder *b, uint16_t udp_size, uint8_t ext_rcode, bool do_bit);
/* Set the header's rcode (4 bits) / flags after the fact. */
void dns_build_set_flags(struct dns_builder *b, uint16_t flags);
/* The message length, 0 if the builder failed. */
size_t dns_build_done(struct dns_builder *b);

/* ---- TSIG (RFC 8945) ---- */
struct dns_tsig {
    uint8_t key_name[DNS_MAX_NAME]; size_t key_name_len;
    uint8_t alg_name[DNS_MAX_NAME]; size_t alg_name_len;
    uint64_t time_signed;         /* 48 bits */
    uint16_t fudge;
    const uint8_t *mac; uint16_t mac_len;
    uint16_t orig_id, error;
    const uint8_t *other; uint16_t other_len;
    size_t rr_off;                /* where the TSIG RR starts in the message (what the MAC covers ends there) */
};
/* The TSIG RR of msg: it must be the last RR of the additional section,
 * exactly one, class ANY, TTL 0 (BAD_TSIG otherwise). *found false when
 * the message has none. */
enum dns_reason dns_tsig_find(const uint8_t *msg, size_t len, struct dns_tsig *t, bool *found);
/* The octets the MAC covers (RFC 8945 §4.3.3), written to out (returns
 * their length, 0 if cap is too small): for a response, the request MAC
 * (length-prefixed) first (req_mac non-NULL, even with req_mac_len 0);
 * then msg[0, t->rr_off) with the original id and, when a TSIG RR follows
 * (rr_off < len, a message from dns_tsig_find), arcount - 1 — so a
 * message about to be signed is passed with rr_off = len; then the TSIG
 * variables with both names lower-cased (canonical form). The HMAC itself
 * is computed by the caller (src/dns/, EVP). */
size_t dns_tsig_digest_input(uint8_t *out, size_t cap, const uint8_t *msg, size_t len, const struct dns_tsig *t,
                             const uint8_t *req_mac, size_t req_mac_len);
/* Append a TSIG RR to a finished message in buf (len octets, cap room):
 * bumps arcount; names written as given, uncompressed. Returns the new
 * length, 0 if it does not fit or a name is invalid. */
size_t dns_tsig_append(uint8_t *buf, size_t len, size_t cap, const struct dns_tsig *t);
/* The algorithm names: "hmac-sha256." etc. in wire form. */
extern const uint8_t DNS_ALG_HMAC_SHA256[], DNS_ALG_HMAC_SHA512[], DNS_ALG_HMAC_SHA1[];
extern const size_t DNS_ALG_HMAC_SHA256_LEN, DNS_ALG_HMAC_SHA512_LEN, DNS_ALG_HMAC_SHA1_LEN;

#endif
