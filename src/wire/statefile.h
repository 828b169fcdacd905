/* The state file sixd keeps in its state directory (sixd -S DIR): what
 * must outlive the process about its security associations and hometun
 * tunnels (docs/IPSEC.md "Restarts and the state directory").
 *
 * Text, one record a line, every token separated by one space, every line
 * ending in '\n', the first line naming the version and the last one
 * counting the records (a file cut short has no "end" line and is refused
 * whole):
 *
 *   sixstack-state 1
 *   # comment lines start with '#'
 *   sa esp 0x00001001 198.51.100.2 <64 hex> seq 65537 top 0 src 192.0.2.3 0 dst 198.51.100.2 0 gen 7
 *   gif ht-c1 0x00001002 0x00001001 <64 hex> <64 hex> remote 192.0.2.3 gen 7
 *   end 2
 *
 * "sa": protocol, SPI and the destination the SA was configured with (its
 * key, with the fingerprint of its keys: an SA whose keys changed is
 * another SA), the highest outbound sequence number that may have been
 * sent (the high-water mark, written ahead), the top of the inbound replay
 * window, where the SA's two ends are now (with their NAT-T ports, 0
 * without NAT-T), and the generation of the file it was last seen live in
 * (the oldest records of SAs that no longer exist are dropped first).
 * "gif": a hometun server tunnel bound to two SAs (their SPIs and key
 * fingerprints) and its remote end now.
 *
 * Pure: the parser validates every token strictly (decimal without sign
 * or leading zeros, hex SPIs of 8 digits, lowercase hex fingerprints,
 * addresses inet_pton accepts, ports to 65535), never allocates, and says
 * which line failed and why. */
#ifndef SIX_WIRE_STATEFILE_H
#define SIX_WIRE_STATEFILE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

#define STATEFILE_VERSION   1u
#define STATEFILE_MAX_LINE  512u              /* bytes of one line, '\n' included */
#define STATEFILE_MAX_BYTES (4u << 20)        /* a whole file */
#define STATEFILE_FP_LEN    32u               /* SHA-256 */
#define STATEFILE_NAME_MAX  16u               /* interface names, NUL included (IFNAMSIZ) */

struct statefile_sa {
    uint8_t proto;                     /* 50 (esp) or 51 (ah) */
    uint32_t spi;
    struct in6_addr key_dst;           /* IPv4 as mapped */
    uint8_t fp[STATEFILE_FP_LEN];
    uint64_t seq_hwm, replay_top;
    struct in6_addr src, dst;
    uint16_t sport, dport;
    uint64_t gen;
};

struct statefile_gif {
    char name[STATEFILE_NAME_MAX];
    uint32_t spi_out, spi_in;
    uint8_t fp_out[STATEFILE_FP_LEN], fp_in[STATEFILE_FP_LEN];
    struct in6_addr remote;
    uint64_t gen;
};

enum statefile_kind { STATEFILE_SA, STATEFILE_GIF };

struct statefile_rec {
    enum statefile_kind kind;
    union {
        struct statefile_sa sa;
        struct statefile_gif gif;
    } u;
};

/* Called for each record, in file order; a non-zero return stops the
 * parse (statefile_parse then returns that value). */
typedef int (*statefile_rec_fn)(void *ctx, const struct statefile_rec *r);

/* Parse a whole file. 0 when every line was valid and the "end" count
 * matches; otherwise -1 with *bad_line (1-based) and *why set. Records
 * are handed to fn as they are read: a caller that must take all or
 * nothing collects them and commits only on 0. */
int statefile_parse(const char *buf, size_t len, statefile_rec_fn fn, void *ctx, unsigned *bad_line,
                    const char **why);

/* One line (without its '\n') into *r; NULL, or the reason it is refused. */
const char *statefile_parse_line(const char *line, size_t len, struct statefile_rec *r);

/* Emitters: the line with its '\n' into buf[cap]; the length, or 0 when it
 * does not fit. */
size_t statefile_emit_header(char *buf, size_t cap);
size_t statefile_emit_rec(const struct statefile_rec *r, char *buf, size_t cap);
size_t statefile_emit_end(unsigned n_records, char *buf, size_t cap);

#endif
