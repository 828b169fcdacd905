/* The state directory (sixd -S DIR): what a restart or a crash must not
 * lose about the SAs -- outbound sequence numbers, the inbound replay
 * windows' tops, the NAT-T peer of SAs that follow it -- and the remote end
 * of hometun server tunnels. One file per stack, DIR/NAME.state (format:
 * src/wire/statefile.h), written atomically (src/core/atomic_file.h),
 * read once at start; DIR/NAME.lock keeps a second sixd of the same name
 * away. docs/IPSEC.md "Restarts and the state directory" tells the story.
 *
 * Sequence numbers (RFC 4303 §3.3.3: a number is never sent twice under
 * one key). The file holds a high-water mark written AHEAD: before a
 * number above the saved mark goes out, a new mark (the number + a
 * reserve) has reached the disk. The write is synchronous, in the data
 * path, but rare: it happens when the counter passes the mark minus half
 * the reserve, so the packets of the next reserve/2 numbers go on without
 * one. The reserve starts at SA_PERSIST_RESERVE_DEF (`ipsec state reserve
 * N`) and doubles, up to SA_PERSIST_RESERVE_MAX, for an SA that wrote less
 * than a second ago (so a fast SA writes about once a second, not once per
 * reserve/2 packets), and halves back after a minute of quiet. A crash
 * loses at most one reserve of numbers; a clean exit saves the exact
 * counter. If the write fails (disk full, directory gone), packets go on up
 * to the mark already on disk, then are dropped (ipsec.drop_seq_unsaved)
 * and the write is retried once a second: a number above the durable mark
 * is never sent.
 *
 * Replay windows: the top is saved when it changed, at most every
 * SA_PERSIST_TOP_INTERVAL_NS, and at a clean exit. After a crash the
 * window starts at the saved top with every number below it taken as seen:
 * a packet received in the last interval before the crash (numbers above
 * the saved top) can be replayed once. A peer moved by NAT-T, and a
 * hometun server tunnel's remote end, are saved within a second.
 *
 * An SA's record is keyed by (protocol, SPI, the destination it was
 * configured with) and the SHA-256 fingerprint of its algorithms and keys:
 * an SA configured again with other keys is another SA and starts fresh.
 * Records of SAs that are gone stay (the same manual keys may come back and
 * must not reuse a number) up to SA_PERSIST_MAX_RECS; then the one seen
 * live longest ago goes first. A file that cannot be read or does not
 * parse stops the start (ipsec_persist_open fails): its numbers are
 * unknown, and starting afresh would repeat them under the same keys. */
#ifndef SIX_IPSEC_SA_PERSIST_H
#define SIX_IPSEC_SA_PERSIST_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SA_PERSIST_RESERVE_DEF     (1ull << 16)
#define SA_PERSIST_RESERVE_MAX     (1ull << 24)
#define SA_PERSIST_MAX_RECS        8192u
#define SA_PERSIST_TOP_INTERVAL_NS (10ull * 1000000000ull)

struct six_stack;
struct ipsec_sa;

/* Use DIR (created 0700 when missing; its parent must exist) for stack
 * st: lock DIR/NAME.lock, read DIR/NAME.state. Call before any SA is
 * added. 0, or -errno with a plain reason in err. */
int ipsec_persist_open(struct six_stack *st, const char *dir, char *err, size_t errlen);
/* Once the configuration is in: NAT-T peers of SAs that follow theirs, and
 * hometun server tunnels' remote ends, go back to where they were (only
 * for SAs configured again with the same keys). */
void ipsec_persist_restore(struct six_stack *st);
/* Write now. 0, or -errno (counted, logged). */
int ipsec_persist_save(struct six_stack *st);
/* Save (clean exit) or not (a test's simulated crash), release the lock,
 * forget the directory. */
void ipsec_persist_close(struct six_stack *st, bool save);
/* The starting reserve of outbound numbers written ahead (16 .. 2^32). */
int ipsec_persist_set_reserve(struct six_stack *st, uint64_t reserve);
/* `sixctl ipsec sa reset`: sa's replay window empty again, and its saved
 * top with it. */
void ipsec_sa_replay_reset(struct six_stack *st, struct ipsec_sa *sa);

struct ipsec_persist_info {
    char path[512];
    unsigned records, tunnels;
    uint64_t reserve, writes, failures;
    int last_error;                  /* errno of the last failed write, 0 */
};
bool ipsec_persist_info(const struct six_stack *st, struct ipsec_persist_info *out);
/* The saved high-water mark of sa's outbound numbers (0: none). */
uint64_t ipsec_persist_sa_hwm(const struct ipsec_sa *sa);

#endif
