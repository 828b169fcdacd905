/* The DHCPv6 lease journal's records (src/dhcp6/lease_journal.c): binary,
 * versioned, one CRC32C per record, big-endian integers.
 *
 *   0  u8   magic 0xd6
 *   1  u8   version (LEASEREC_VERSION)
 *   2  u16  length of the whole record, CRC included
 *   4  u8   type (enum leaserec_type)
 *   5  ...  body of the type
 *   L-4 u32 CRC32C (Castagnoli) of bytes [0, L-4)
 *
 * Bodies:
 *   HEADER (first record of every journal and snapshot file):
 *       u8 file kind (LEASEREC_FILE_JOURNAL / _SNAPSHOT), 7 bytes "sixd6ls"
 *   LEASE:
 *       16 addr, u8 plen, u8 kind, u8 state, u8 flags (bit 0: has_rkey),
 *       u32 iaid, u32 preferred, u32 valid, i64 cltt, i64 expires,
 *       u32 pool_id, 16 rkey (zeros without one), u8 duid_len, duid
 *   END (last record of a snapshot): u32 count of LEASE records before it
 *
 * A lease record is 78 bytes plus the DUID (at most 208).
 *
 * Pure: the parser checks every field (magic, version, length, CRC, type,
 * kind, state, plen, DUID length against the record length, unused flag
 * bits and rkey bytes zero), never allocates and says why it refused. */
#ifndef SIX_WIRE_LEASEREC_H
#define SIX_WIRE_LEASEREC_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

#define LEASEREC_MAGIC      0xd6u
#define LEASEREC_VERSION    1u
#define LEASEREC_HDR_LEN    5u            /* magic, version, length, type */
#define LEASEREC_CRC_LEN    4u
#define LEASEREC_DUID_MAX   130u          /* DHCP6_DUID_MAX */
#define LEASEREC_LEASE_FIXED (LEASEREC_HDR_LEN + 69u + LEASEREC_CRC_LEN)   /* 78 */
#define LEASEREC_MAX        (LEASEREC_LEASE_FIXED + LEASEREC_DUID_MAX)     /* 208 */
#define LEASEREC_HEADER_LEN (LEASEREC_HDR_LEN + 8u + LEASEREC_CRC_LEN)     /* 17 */
#define LEASEREC_END_LEN    (LEASEREC_HDR_LEN + 4u + LEASEREC_CRC_LEN)     /* 13 */

enum leaserec_type { LEASEREC_HEADER = 1, LEASEREC_LEASE = 2, LEASEREC_END = 3 };
enum leaserec_file { LEASEREC_FILE_JOURNAL = 1, LEASEREC_FILE_SNAPSHOT = 2 };

/* struct lease's fields (src/dhcp6/lease.h), as the record holds them. */
struct leaserec_lease {
    struct in6_addr addr;
    uint8_t plen, kind, state, duid_len;
    uint8_t duid[LEASEREC_DUID_MAX];
    uint32_t iaid, preferred, valid, pool_id;
    int64_t cltt, expires;
    bool has_rkey;
    uint8_t rkey[16];
};

struct leaserec {
    enum leaserec_type type;
    union {
        enum leaserec_file file;      /* HEADER */
        struct leaserec_lease lease;  /* LEASE */
        uint32_t count;               /* END */
    } u;
};

enum leaserec_status {
    LEASEREC_OK = 0,
    LEASEREC_SHORT,       /* fewer bytes than the record needs: a cut (torn) record */
    LEASEREC_BAD_CRC,     /* a whole record whose CRC is wrong: damaged, or a write cut and not zero-filled */
    LEASEREC_BAD,         /* not a record (magic, version 0, length), or a field no record holds */
    LEASEREC_NEWER,       /* version above LEASEREC_VERSION: written by a newer sixd */
};

/* Parse the record at buf[0..len). OK: *r filled, *rec_len its length.
 * SHORT: the bytes end inside the record (or its header). Otherwise *why. */
enum leaserec_status leaserec_parse(const uint8_t *buf, size_t len, struct leaserec *r, size_t *rec_len,
                                    const char **why);

/* Emit into buf[cap]; the length, or 0 when it does not fit or a field
 * cannot be written (duid_len above the maximum, unknown kind). */
size_t leaserec_emit(const struct leaserec *r, uint8_t *buf, size_t cap);
size_t leaserec_emit_lease(const struct leaserec_lease *l, uint8_t *buf, size_t cap);

/* The length leaserec_emit_lease writes for a lease with this DUID length. */
static inline size_t leaserec_lease_len(uint8_t duid_len) { return LEASEREC_LEASE_FIXED + duid_len; }

/* CRC32C (Castagnoli, reflected, init and final xor ~0): "123456789" → 0xe3069283. */
uint32_t leaserec_crc32c(const void *data, size_t len);

#endif
