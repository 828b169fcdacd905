/* IPsec identifiers shared by the SAD/SPD, the ESP/AH transforms, the
 * setkey(8)-syntax parser and PF_KEY v2.  The numeric values of modes,
 * directions, actions and levels are KAME's (netipsec/ipsec.h,
 * net/pfkeyv2.h) so that PF_KEY messages carry them unchanged; the
 * algorithm enums are ours and are mapped to SADB_* numbers in the PF_KEY
 * layer (one table there). */
#ifndef SIX_IPSEC_IPSEC_ALG_H
#define SIX_IPSEC_IPSEC_ALG_H
#include <stddef.h>
#include <stdint.h>

enum ipsec_ealg {
  IPSEC_EALG_NONE = 0,          /* AH, or "no -E" */
  IPSEC_EALG_NULL,              /* RFC 2410, needs an integrity algorithm */
  IPSEC_EALG_AES_CBC,           /* RFC 3602, 128/192/256-bit key */
  IPSEC_EALG_AES_GCM16,         /* RFC 4106, key + 4-byte salt, 16-byte ICV */
  IPSEC_EALG_AES_GMAC,          /* RFC 4543, key + 4-byte salt, integrity only */
  IPSEC_EALG_CHACHA20_POLY1305, /* RFC 7634, 32-byte key + 4-byte salt */
  IPSEC_EALG__MAX
};

enum ipsec_aalg {
  IPSEC_AALG_NONE = 0,
  IPSEC_AALG_HMAC_SHA1_96,      /* RFC 2404, 20-byte key */
  IPSEC_AALG_HMAC_SHA256_128,   /* RFC 4868, 32-byte key */
  IPSEC_AALG__MAX
};

enum ipsec_proto { IPSEC_PROTO_ESP = 50, IPSEC_PROTO_AH = 51 };

enum ipsec_mode { IPSEC_MODE_ANY = 0, IPSEC_MODE_TRANSPORT = 1, IPSEC_MODE_TUNNEL = 2 };

enum ipsec_dir { IPSEC_DIR_ANY = 0, IPSEC_DIR_IN = 1, IPSEC_DIR_OUT = 2, IPSEC_DIR_FWD = 3 };

/* KAME IPSEC_POLICY_* */
enum ipsec_action {
  IPSEC_ACT_DISCARD = 0, IPSEC_ACT_NONE = 1, IPSEC_ACT_IPSEC = 2,
  IPSEC_ACT_ENTRUST = 3, IPSEC_ACT_BYPASS = 4
};

/* KAME IPSEC_LEVEL_* */
enum ipsec_level {
  IPSEC_LEVEL_DEFAULT = 0, IPSEC_LEVEL_USE = 1, IPSEC_LEVEL_REQUIRE = 2, IPSEC_LEVEL_UNIQUE = 3
};

/* Upper-layer protocol "any" in selectors (KAME IPSEC_ULPROTO_ANY). */
#define IPSEC_ULPROTO_ANY 255
#define IPSEC_PORT_ANY 0

#endif
