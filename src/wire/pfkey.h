/* PF_KEY v2 messages (RFC 2367) with the KAME/FreeBSD extensions.
 *
 * Numbering: FreeBSD sys/net/pfkeyv2.h (descended from KAME), FreeBSD 11
 * to 14: message types 1..22 (SADB_GETSPI..SADB_X_SPDDELETE2), extension
 * types 1..28 (SADB_X_EXT_SA_REPLAY is 26, SADB_X_EXT_NEW_ADDRESS_SRC/DST
 * are 27/28; FreeBSD 15's offload extensions 29..32 are not supported),
 * SADB_X_SAFLAGS_ESN 0x400.  Not <linux/pfkeyv2.h>: Linux numbers the
 * extensions after 22 differently (and the SADB_* names here would clash
 * with it: never include both).
 *
 * Byte layout, as a PF_KEY socket carries it: every integer field is in
 * host byte order except the SPI (sadb_sa_spi, network order, RFC 2367
 * §2.3.1) and NAT-T ports (sadb_x_nat_t_port_port, network order as in
 * KAME); sockaddrs are the host's struct sockaddr_in (16 bytes) /
 * sockaddr_in6 (28 bytes), port and address in network order.  All offsets
 * below are bytes; lengths in the headers are 8-byte units except
 * sadb_x_ipsecrequest_len, which is in bytes (what KAME/FreeBSD key.c and
 * libipsec do, despite the "64 bits" comment in pfkeyv2.h).
 *
 *   sadb_msg (16): 0 version(1) 1 type(1) 2 errno(1) 3 satype(1) 4 len(2)
 *                  6 reserved(2) 8 seq(4) 12 pid(4)
 *   sadb_ext (4):  0 len(2) 2 type(2)            -- first 4 bytes of each ext
 *   SA (16):       4 spi(4, network) 8 replay(1) 9 state(1) 10 auth(1)
 *                  11 encrypt(1) 12 flags(4)
 *   LIFETIME (32): 4 allocations(4) 8 bytes(8) 16 addtime(8) 24 usetime(8)
 *   ADDRESS (8 + sockaddr, padded to 8): 4 proto(1) 5 prefixlen(1)
 *                  6 reserved(2) 8 sockaddr
 *   KEY (8 + key, padded): 4 bits(2) 6 reserved(2) 8 key bytes
 *   IDENTITY (16 + string, padded): 4 type(2) 6 reserved(2) 8 id(8) 16 ...
 *   PROPOSAL (8 + 72n): 4 replay(1) 5 reserved(3) 8 sadb_comb[n]
 *     sadb_comb (72): 0 auth(1) 1 encrypt(1) 2 flags(2) 4 auth_minbits(2)
 *       6 auth_maxbits(2) 8 encrypt_minbits(2) 10 encrypt_maxbits(2)
 *       12 reserved(4) 16 soft_allocations(4) 20 hard_allocations(4)
 *       24 soft_bytes(8) 32 hard_bytes(8) 40 soft_addtime(8)
 *       48 hard_addtime(8) 56 soft_usetime(8) 64 hard_usetime(8)
 *   SUPPORTED (8 + 8n): 4 reserved(4) 8 sadb_alg[n]
 *     sadb_alg (8): 0 id(1) 1 ivlen(1) 2 minbits(2) 4 maxbits(2) 6 reserved(2)
 *   SPIRANGE (16): 4 min(4) 8 max(4) 12 reserved(4)
 *   X_KMPRIVATE (8 + data): 4 reserved(4) 8 opaque
 *   X_POLICY (16 + requests): 4 type(2) 6 dir(1) 7 scope(1) 8 id(4)
 *                  12 priority(4) 16 sadb_x_ipsecrequest...
 *     sadb_x_ipsecrequest (8 [+ src sockaddr + dst sockaddr], padded):
 *       0 len(2, bytes) 2 proto(2) 4 mode(1) 5 level(1) 6 reqid(2) 8 src dst
 *   X_SA2 (16):    4 mode(1) 5 reserved1(1) 6 reserved2(2) 8 sequence(4)
 *                  12 reqid(4)
 *   X_NAT_T_TYPE (8): 4 type(1) 5 reserved(3)
 *   X_NAT_T_SPORT/DPORT (8): 4 port(2, network) 6 reserved(2)
 *   X_NAT_T_OAI/OAR, X_NEW_ADDRESS_SRC/DST: as ADDRESS
 *   X_NAT_T_FRAG (8): 4 fraglen(2) 6 reserved(2)
 *   X_SA_REPLAY (8): 4 replay(4, packets)
 *
 * pfkey_parse validates the whole message: len >= 16 (TRUNCATED); version
 * 2 (BAD_VERSION); sadb_msg_len * 8 == len exactly (BAD_LENGTH); message
 * type 1..22 (BAD_TYPE); every extension: length >= 1 unit and inside the
 * message (BAD_EXT_LEN), type 1..28 (UNKNOWN_EXT: stricter than RFC 2367
 * §2.3, which says to ignore unknown types; FreeBSD's key.c refuses them
 * too), SENSITIVITY refused (UNSUPPORTED_EXT), at most once (DUP_EXT,
 * §2.3); per type: SA, SPIRANGE, SA2 exactly 2 units, LIFETIME_* exactly
 * 4, NAT-T TYPE/SPORT/DPORT/FRAG and SA_REPLAY exactly 1, IDENTITY >= 2,
 * PROPOSAL 1 + a whole number of 72-byte combs, X_POLICY >= 2 (else
 * BAD_EXT_LEN); addresses: family AF_INET / AF_INET6 (BAD_FAMILY), ext
 * length exactly 8 + sockaddr rounded up to 8 (BAD_EXT_LEN), padding zero
 * (PAD_NONZERO), prefixlen <= 32 / 128 (BAD_PREFIX_LEN); keys:
 * sadb_key_bits <= (ext bytes - 8) * 8 (BAD_KEY_BITS); policy: type 0..4
 * and dir 0..3 (BAD_POLICY), type IPSEC has 1..PFKEY_MAX_REQ requests
 * (BAD_POLICY / TOO_MANY_REQ) and other types none (BAD_REQ_LEN); each
 * request: length >= 8, a multiple of 8, inside what is left, and the
 * lengths sum exactly to the extension (BAD_REQ_LEN); proto ESP/AH/IPCOMP,
 * mode transport/tunnel, level 0..3, tunnel mode has addresses (BAD_REQ);
 * addresses: src and dst of one known family (BAD_FAMILY) and the request
 * length exactly 8 + 2 * sockaddr rounded up to 8 (BAD_REQ_LEN).
 * Semantics (which extensions a message type needs, satype, SA state) are
 * the SAD/SPD's business, not checked here. */
#ifndef SIX_WIRE_PFKEY_H
#define SIX_WIRE_PFKEY_H
#include <sys/socket.h>
#include "wire/wire.h"

#define PF_KEY_V2 2
#define PFKEY_UNIT 8
#define PFKEY_MSG_LEN 16
#define PFKEY_MAX_LEN (0xffffu * PFKEY_UNIT)
#define PFKEY_MAX_REQ 4            /* FreeBSD IPSEC_MAXREQ */
#define PFKEY_COMB_LEN 72
#define PFKEY_ALG_LEN 8
#define PFKEY_IPSECREQ_LEN 8

/* Message types (sadb_msg_type) */
#define SADB_GETSPI 1
#define SADB_UPDATE 2
#define SADB_ADD 3
#define SADB_DELETE 4
#define SADB_GET 5
#define SADB_ACQUIRE 6
#define SADB_REGISTER 7
#define SADB_EXPIRE 8
#define SADB_FLUSH 9
#define SADB_DUMP 10
#define SADB_X_PROMISC 11
#define SADB_X_PCHANGE 12
#define SADB_X_SPDUPDATE 13
#define SADB_X_SPDADD 14
#define SADB_X_SPDDELETE 15
#define SADB_X_SPDGET 16
#define SADB_X_SPDACQUIRE 17
#define SADB_X_SPDDUMP 18
#define SADB_X_SPDFLUSH 19
#define SADB_X_SPDSETIDX 20
#define SADB_X_SPDEXPIRE 21
#define SADB_X_SPDDELETE2 22
#define SADB_MAX 22

/* Extension types (sadb_ext_type) */
#define SADB_EXT_SA 1
#define SADB_EXT_LIFETIME_CURRENT 2
#define SADB_EXT_LIFETIME_HARD 3
#define SADB_EXT_LIFETIME_SOFT 4
#define SADB_EXT_ADDRESS_SRC 5
#define SADB_EXT_ADDRESS_DST 6
#define SADB_EXT_ADDRESS_PROXY 7
#define SADB_EXT_KEY_AUTH 8
#define SADB_EXT_KEY_ENCRYPT 9
#define SADB_EXT_IDENTITY_SRC 10
#define SADB_EXT_IDENTITY_DST 11
#define SADB_EXT_SENSITIVITY 12
#define SADB_EXT_PROPOSAL 13
#define SADB_EXT_SUPPORTED_AUTH 14
#define SADB_EXT_SUPPORTED_ENCRYPT 15
#define SADB_EXT_SPIRANGE 16
#define SADB_X_EXT_KMPRIVATE 17
#define SADB_X_EXT_POLICY 18
#define SADB_X_EXT_SA2 19
#define SADB_X_EXT_NAT_T_TYPE 20
#define SADB_X_EXT_NAT_T_SPORT 21
#define SADB_X_EXT_NAT_T_DPORT 22
#define SADB_X_EXT_NAT_T_OAI 23
#define SADB_X_EXT_NAT_T_OAR 24
#define SADB_X_EXT_NAT_T_FRAG 25
#define SADB_X_EXT_SA_REPLAY 26
#define SADB_X_EXT_NEW_ADDRESS_SRC 27
#define SADB_X_EXT_NEW_ADDRESS_DST 28
#define SADB_EXT_MAX 28

/* sadb_msg_satype */
#define SADB_SATYPE_UNSPEC 0
#define SADB_SATYPE_AH 2
#define SADB_SATYPE_ESP 3
#define SADB_X_SATYPE_IPCOMP 9
#define SADB_X_SATYPE_TCPSIGNATURE 11

/* sadb_sa_state */
#define SADB_SASTATE_LARVAL 0
#define SADB_SASTATE_MATURE 1
#define SADB_SASTATE_DYING 2
#define SADB_SASTATE_DEAD 3

/* sadb_sa_flags */
#define SADB_SAFLAGS_PFS 0x0001
#define SADB_X_EXT_OLD 0x0001
#define SADB_X_EXT_IV4B 0x0010
#define SADB_X_EXT_DERIV 0x0020
#define SADB_X_EXT_CYCSEQ 0x0040
#define SADB_X_EXT_RAWCPI 0x0080
#define SADB_X_EXT_PRAND 0x0100
#define SADB_X_EXT_PZERO 0x0200
#define SADB_X_SAFLAGS_ESN 0x0400

/* Algorithms (sadb_sa_auth / sadb_sa_encrypt), FreeBSD numbers */
#define SADB_AALG_NONE 0
#define SADB_AALG_MD5HMAC 2
#define SADB_AALG_SHA1HMAC 3
#define SADB_X_AALG_SHA2_256 5
#define SADB_X_AALG_SHA2_384 6
#define SADB_X_AALG_SHA2_512 7
#define SADB_X_AALG_AES_XCBC_MAC 9
#define SADB_X_AALG_AES128GMAC 11
#define SADB_X_AALG_AES192GMAC 12
#define SADB_X_AALG_AES256GMAC 13
#define SADB_X_AALG_NULL 251
#define SADB_EALG_NONE 0
#define SADB_EALG_NULL 11
#define SADB_X_EALG_AESCBC 12
#define SADB_X_EALG_AESCTR 13
#define SADB_X_EALG_AESGCM8 18
#define SADB_X_EALG_AESGCM12 19
#define SADB_X_EALG_AESGCM16 20
#define SADB_X_EALG_AESGMAC 23

/* sadb_ident_type */
#define SADB_IDENTTYPE_PREFIX 1
#define SADB_IDENTTYPE_FQDN 2
#define SADB_IDENTTYPE_USERFQDN 3
#define SADB_X_IDENTTYPE_ADDR 4

/* sadb_x_nat_t_type_type (UDP_ENCAP_ESPINUDP) */
#define PFKEY_NATT_ESPINUDP 2

/* sadb_x_ipsecrequest_proto beyond ESP/AH */
#define PFKEY_PROTO_IPCOMP 108

/* Policy types (sadb_x_policy_type) and directions are the KAME values of
 * ipsec/ipsec_alg.h: enum ipsec_action 0..4, enum ipsec_dir 0..3. */
#define PFKEY_POLICY_MAX 4
#define PFKEY_DIR_MAX 3
#define PFKEY_LEVEL_MAX 3

union pfkey_sockaddr {
  struct sockaddr sa;
  struct sockaddr_in sin;
  struct sockaddr_in6 sin6;
};

/* Decoded copies, host order (SPI and NAT-T ports converted to host order). */
struct pfkey_hdr {
  uint8_t version, type, err, satype;
  uint16_t len;                    /* 8-byte units; the builder fills it */
  uint16_t reserved;
  uint32_t seq, pid;
};
struct pfkey_sa {
  uint32_t spi;
  uint8_t replay, state, auth, encrypt;
  uint32_t flags;
};
struct pfkey_lifetime { uint32_t allocations; uint64_t bytes, addtime, usetime; };
struct pfkey_address {
  uint8_t proto, prefixlen;
  uint16_t reserved;
  union pfkey_sockaddr addr;       /* copied as is: port and address network order */
};
struct pfkey_key {
  uint16_t bits, reserved;
  const uint8_t *data;             /* the ext bytes after the header, padding included */
  size_t data_len;
};
struct pfkey_ident {
  uint16_t type, reserved;
  uint64_t id;
  const uint8_t *data;             /* string area after the 16-byte header */
  size_t data_len;
};
struct pfkey_comb {
  uint8_t auth, encrypt;
  uint16_t flags, auth_minbits, auth_maxbits, encrypt_minbits, encrypt_maxbits;
  uint32_t reserved, soft_allocations, hard_allocations;
  uint64_t soft_bytes, hard_bytes, soft_addtime, hard_addtime, soft_usetime, hard_usetime;
};
struct pfkey_prop {
  uint8_t replay;
  uint8_t reserved[3];
  const uint8_t *combs;            /* ncomb * 72 bytes; decode with pfkey_comb_get */
  size_t ncomb;
};
struct pfkey_alg { uint8_t id, ivlen; uint16_t minbits, maxbits, reserved; };
struct pfkey_supported {
  uint32_t reserved;
  const uint8_t *algs;             /* nalg * 8 bytes; decode with pfkey_alg_get */
  size_t nalg;
};
struct pfkey_spirange { uint32_t min, max, reserved; };
struct pfkey_kmprivate { uint32_t reserved; const uint8_t *data; size_t data_len; };
struct pfkey_ipsecreq {
  uint16_t proto;                  /* IPPROTO_ESP / IPPROTO_AH / 108 */
  uint8_t mode, level;             /* enum ipsec_mode / enum ipsec_level */
  uint16_t reqid;
  bool has_addrs;                  /* src/dst present (always in tunnel mode) */
  union pfkey_sockaddr src, dst;
};
struct pfkey_policy {
  uint16_t type;                   /* enum ipsec_action */
  uint8_t dir, scope;
  uint32_t id, priority;
  size_t nreq;
  struct pfkey_ipsecreq req[PFKEY_MAX_REQ];
};
struct pfkey_sa2 { uint8_t mode, reserved1; uint16_t reserved2; uint32_t sequence, reqid; };
struct pfkey_natt_type { uint8_t type; uint8_t reserved[3]; };
struct pfkey_natt_port { uint16_t port, reserved; };     /* port in host order */
struct pfkey_natt_frag { uint16_t fraglen, reserved; };

/* A parsed message: raw extension pointers by type (NULL if absent), the
 * order they came in, and decoded copies valid when ext[type] != NULL. */
struct pfkey_msg {
  struct pfkey_hdr hdr;
  const uint8_t *ext[SADB_EXT_MAX + 1];
  size_t ext_len[SADB_EXT_MAX + 1];  /* bytes, header included */
  uint8_t order[SADB_EXT_MAX];
  size_t n_ext;
  struct pfkey_sa sa;
  struct pfkey_lifetime lft_current, lft_hard, lft_soft;
  struct pfkey_address src, dst, proxy, natt_oai, natt_oar, new_src, new_dst;
  struct pfkey_key key_auth, key_encrypt;
  struct pfkey_ident ident_src, ident_dst;
  struct pfkey_prop prop;
  struct pfkey_supported sup_auth, sup_encrypt;
  struct pfkey_spirange spirange;
  struct pfkey_kmprivate kmprivate;
  struct pfkey_policy policy;
  struct pfkey_sa2 sa2;
  struct pfkey_natt_type natt_type;
  struct pfkey_natt_port natt_sport, natt_dport;
  struct pfkey_natt_frag natt_frag;
  uint32_t sa_replay;              /* packets */
};

/* On failure *out is unspecified (partly filled). */
enum wire_reason pfkey_parse(const uint8_t *p, size_t len, struct pfkey_msg *out);

/* Decoded field by extension type; NULL if type is not of that kind. */
const struct pfkey_lifetime *pfkey_msg_lifetime(const struct pfkey_msg *m, unsigned type);
const struct pfkey_address *pfkey_msg_address(const struct pfkey_msg *m, unsigned type);
const struct pfkey_key *pfkey_msg_key(const struct pfkey_msg *m, unsigned type);
const struct pfkey_ident *pfkey_msg_ident(const struct pfkey_msg *m, unsigned type);
const struct pfkey_supported *pfkey_msg_supported(const struct pfkey_msg *m, unsigned type);
const struct pfkey_natt_port *pfkey_msg_natt_port(const struct pfkey_msg *m, unsigned type);

/* Entry i (< ncomb / nalg) of a parsed proposal / supported list. */
void pfkey_comb_get(const struct pfkey_prop *p, size_t i, struct pfkey_comb *out);
void pfkey_alg_get(const struct pfkey_supported *s, size_t i, struct pfkey_alg *out);

/* sockaddr length for a family: 16, 28, or 0 if unsupported. */
size_t pfkey_sockaddr_len(int family);

/* Builder: header + extensions appended with 8-byte alignment into buf;
 * pfkey_build_finish writes sadb_msg_len and returns the message length,
 * or 0 if anything did not fit (cap, 16-bit length fields) or an argument
 * cannot be encoded (unknown family, ext type of the wrong kind, more than
 * PFKEY_MAX_REQ requests).  Extensions are written as given: the builder
 * does not refuse duplicates or combinations, pfkey_parse does. */
struct pfkey_builder {
  uint8_t *buf;
  size_t cap, len;
  bool failed;
};
void pfkey_build_init(struct pfkey_builder *b, uint8_t *buf, size_t cap, const struct pfkey_hdr *h);
size_t pfkey_build_finish(struct pfkey_builder *b);

void pfkey_add_sa(struct pfkey_builder *b, const struct pfkey_sa *sa);
/* type: SADB_EXT_LIFETIME_CURRENT / _HARD / _SOFT */
void pfkey_add_lifetime(struct pfkey_builder *b, unsigned type, const struct pfkey_lifetime *l);
/* type: ADDRESS_SRC/DST/PROXY, X_NAT_T_OAI/OAR, X_NEW_ADDRESS_SRC/DST */
void pfkey_add_address(struct pfkey_builder *b, unsigned type, const struct pfkey_address *a);
/* type: KEY_AUTH / KEY_ENCRYPT; data_len bytes, padded to 8 */
void pfkey_add_key(struct pfkey_builder *b, unsigned type, uint16_t bits, uint16_t reserved,
                   const uint8_t *data, size_t data_len);
/* type: IDENTITY_SRC / _DST; i->data / data_len padded to 8 */
void pfkey_add_ident(struct pfkey_builder *b, unsigned type, const struct pfkey_ident *i);
/* reserved may be NULL (zeroes) */
void pfkey_add_prop(struct pfkey_builder *b, uint8_t replay, const uint8_t reserved[3],
                    const struct pfkey_comb *c, size_t n);
/* type: SUPPORTED_AUTH / _ENCRYPT */
void pfkey_add_supported(struct pfkey_builder *b, unsigned type, uint32_t reserved,
                         const struct pfkey_alg *a, size_t n);
void pfkey_add_spirange(struct pfkey_builder *b, const struct pfkey_spirange *r);
void pfkey_add_kmprivate(struct pfkey_builder *b, uint32_t reserved, const uint8_t *data,
                         size_t data_len);
/* Requests: each carries its addresses when has_addrs. */
void pfkey_add_policy(struct pfkey_builder *b, const struct pfkey_policy *pol);
void pfkey_add_sa2(struct pfkey_builder *b, const struct pfkey_sa2 *s);
void pfkey_add_natt_type(struct pfkey_builder *b, const struct pfkey_natt_type *t);
/* type: X_NAT_T_SPORT / _DPORT; port in host order */
void pfkey_add_natt_port(struct pfkey_builder *b, unsigned type, const struct pfkey_natt_port *p);
void pfkey_add_natt_frag(struct pfkey_builder *b, const struct pfkey_natt_frag *f);
void pfkey_add_sa_replay(struct pfkey_builder *b, uint32_t replay);
/* Re-encodes extension `type` of a parsed message from its decoded copy
 * (e.g. to echo a request's extensions in a reply); fails the builder if
 * m has no such extension.  Appending every type of m->order[] rebuilds
 * the original message byte for byte. */
void pfkey_add_parsed(struct pfkey_builder *b, const struct pfkey_msg *m, unsigned type);

#endif
