/* Parser for the configuration language of KAME / FreeBSD / NetBSD
 * setkey(8): a whole text (a file, or what `setkey -c` reads on stdin)
 * becomes an array of commands.  Nothing is applied here; the caller applies
 * the commands only when the whole text parsed, so a bad file never leaves
 * the SAD/SPD half-configured.
 *
 * Accepted (see setkey.c for the details and each refusal):
 *   add | update [-46n] src dst proto spi [extensions] algorithms ;
 *   get | delete [-46n] src dst proto spi ;      deleteall [-46n] src dst proto ;
 *   flush [proto] ;  dump [proto] ;
 *   spdadd | spdupdate [-46n] src_range dst_range upperspec policy ;
 *   spddelete [-46n] src_range dst_range upperspec -P direction ;
 *   spdflush ;  spddump ;
 * '#' starts a comment to the end of the line; statements end with ';' and
 * may span lines.
 *
 * Refused with a plain message rather than half-supported: host names (no
 * resolver here), scoped addresses, ipcomp / -C, tcp / TCP-MD5, esp-old /
 * ah-old, DES, 3DES, Blowfish, CAST, Twofish, Camellia, AES-CTR, HMAC-MD5,
 * keyed MACs, SHA-2-384/512, RIPEMD, AES-XCBC, null authentication, ESP
 * without integrity, -ctx labels, -hwif, `spdadd tagged`.
 *
 * Caps (a garbage file cannot make it allocate without bound):
 *   SETKEY_MAX_INPUT bytes of text, SETKEY_MAX_CMDS statements,
 *   SETKEY_MAX_WORDS words per statement, SETKEY_MAX_WORD bytes per word,
 *   SETKEY_MAX_STMT bytes per statement, SETKEY_KEY_MAX bytes per key,
 *   SETKEY_MAX_REQS requests per policy bundle. */
#ifndef SIX_IPSEC_SETKEY_H
#define SIX_IPSEC_SETKEY_H
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "ipsec/ipsec_alg.h"

#define SETKEY_MAX_INPUT  (1u << 20)
#define SETKEY_MAX_CMDS   4096u
#define SETKEY_MAX_WORDS  64u
#define SETKEY_MAX_WORD   512u
#define SETKEY_MAX_STMT   8192u
#define SETKEY_KEY_MAX    64u
#define SETKEY_MAX_REQS   4u
#define SETKEY_ERR_MAX    160u

enum setkey_op {
    SETKEY_ADD, SETKEY_UPDATE, SETKEY_GET, SETKEY_DELETE, SETKEY_DELETEALL,
    SETKEY_FLUSH, SETKEY_DUMP,
    SETKEY_SPDADD, SETKEY_SPDUPDATE, SETKEY_SPDDELETE, SETKEY_SPDFLUSH, SETKEY_SPDDUMP,
};

/* SA protocol of SA commands; SETKEY_SA_ANY only for flush/dump without one. */
enum setkey_satype {
    SETKEY_SA_ANY = 0,
    SETKEY_SA_ESP,
    SETKEY_SA_ESP_UDP,      /* NetBSD "esp-udp": ESP in UDP (RFC 3948) */
    SETKEY_SA_AH,
};

enum setkey_pad { SETKEY_PAD_DEFAULT = 0, SETKEY_PAD_ZERO, SETKEY_PAD_RANDOM, SETKEY_PAD_SEQ };

/* An address, a selector range (prefixlen) or an endpoint (port). */
struct setkey_addr {
    uint8_t family;         /* AF_INET or AF_INET6; 0 = not given */
    uint8_t prefixlen;      /* 32 / 128 unless "/n" was written */
    uint16_t port;          /* host order; 0 = any (KAME's IPSEC_PORT_ANY) */
    union {
        struct in_addr v4;
        struct in6_addr v6;
    } u;
};

struct setkey_sa {
    struct setkey_addr src, dst;     /* ports only with esp-udp */
    enum setkey_satype proto;
    uint32_t spi;                    /* >= 256 */
    uint8_t addr_flags;              /* SETKEY_AF_* from -4 / -6 / -n */
    /* extensions */
    enum ipsec_mode mode;            /* -m, default any */
    uint32_t reqid;                  /* -u, 0 = none */
    uint32_t replay;                 /* -r as written: bitmap octets (KAME) */
    uint32_t replay_packets;         /* replay * 8, the window in packets */
    enum setkey_pad pad;             /* -f zero-pad|random-pad|seq-pad */
    bool nocyclic_seq;               /* -f nocyclic-seq */
    bool esn;                        /* -esn (FreeBSD 14) */
    uint64_t life_hard_sec, life_soft_sec;     /* -lh, -ls; 0 = none */
    uint64_t life_hard_bytes, life_soft_bytes; /* -bh, -bs; 0 = none */
    bool natt;                       /* FreeBSD -natt oai[sport] oar[dport] */
    struct setkey_addr natt_oai, natt_oar;
    uint16_t natt_mtu;               /* -natt_mtu; 0 = none */
    bool natt_follow;                /* -natt_follow (sixstack): move to the peer's new address/port */
    uint32_t tfc_pad;                /* -tfc N (sixstack): zero bytes after each payload, RFC 4303 §2.7 */
    /* algorithms */
    enum ipsec_ealg ealg;
    enum ipsec_aalg aalg;
    uint8_t ekey_len, akey_len;      /* bytes; salt included for AEAD/GMAC */
    uint8_t ekey[SETKEY_KEY_MAX], akey[SETKEY_KEY_MAX];
};

#define SETKEY_AF_4       0x1
#define SETKEY_AF_6       0x2
#define SETKEY_AF_NUMERIC 0x4

/* One protocol/mode/src-dst/level rule of an ipsec policy. */
struct setkey_req {
    enum ipsec_proto proto;          /* ESP or AH */
    enum ipsec_mode mode;            /* transport or tunnel */
    struct setkey_addr tsrc, tdst;   /* tunnel endpoints (family 0 if none) */
    enum ipsec_level level;
    uint32_t reqid;                  /* unique:N, 1..32767; 0 = none */
};

struct setkey_spd {
    struct setkey_addr src, dst;     /* ranges: prefixlen and port */
    uint8_t addr_flags;
    uint8_t ulproto;                 /* IPSEC_ULPROTO_ANY for "any" */
    bool has_icmp;                   /* icmp/icmp6 type[,code] given */
    uint8_t icmp_type, icmp_code;
    bool has_gre_key;
    uint32_t gre_key;
    enum ipsec_dir dir;
    bool has_priority;               /* prio/priority (Linux ipsec-tools) */
    int64_t priority;                /* base + offset, see setkey.c */
    enum ipsec_action action;        /* spddelete: IPSEC_ACT_DISCARD, unused */
    unsigned nreq;
    struct setkey_req req[SETKEY_MAX_REQS];
};

struct setkey_cmd {
    enum setkey_op op;
    unsigned line;                   /* of the command word */
    union {
        struct setkey_sa sa;         /* add update get delete deleteall */
        enum setkey_satype satype;   /* flush dump */
        struct setkey_spd spd;       /* spdadd spdupdate spddelete */
    };
};

struct setkey_cmds {
    struct setkey_cmd *v;
    size_t n, cap;
};

struct setkey_error {
    unsigned line, col;              /* 1-based; col counts bytes */
    char msg[SETKEY_ERR_MAX];
};

/* Parse text[0..len).  0 and *out filled (free with setkey_cmds_free), or
 * -1 and *err set with *out empty: the first error stops parsing and
 * nothing of the text is returned. */
int setkey_parse(const char *text, size_t len, struct setkey_cmds *out,
                 struct setkey_error *err);
void setkey_cmds_free(struct setkey_cmds *c);

/* "file:line:col: msg" into buf; returns snprintf's count. */
int setkey_error_format(const struct setkey_error *err, const char *file,
                        char *buf, size_t cap);

const char *setkey_op_name(enum setkey_op op);

#endif
