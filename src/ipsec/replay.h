/* ESP/AH sequence numbers: the receiver's anti-replay window with 64-bit
 * Extended Sequence Numbers (RFC 4303 §3.4.3 and Appendix A) and the
 * sender's counter (RFC 4303 §3.3.3).
 *
 * Receiver, per packet:
 *   1. replay_check() BEFORE decryption: infers the 64-bit number (ESN) and
 *      answers whether it could be new.  Changes nothing, so a forged packet
 *      costs nothing but the check.
 *   2. verify the ICV with the 64-bit number (its high half is in the ICV
 *      input for ESN; a wrong guess makes the ICV fail, which is how RFC 4303
 *      A2 resolves "old packet or next subspace").
 *   3. replay_update() only after the ICV verified.  It checks again: two
 *      copies of one packet can both pass step 1 before either reaches
 *      step 3, and the window may have moved meanwhile.
 *
 * The bitmap is RFC 6479's: a ring of 64-bit blocks, one block more than the
 * window needs, so moving the top only clears the blocks it enters and never
 * shifts the bitmap.  The window size is rounded UP to a multiple of 64
 * packets (replay_init(w, 100) checks 128 packets; w->size says what was
 * chosen).  The ring (size/64 + 1 blocks, at most 8 KiB + 8 bytes at the
 * 65536-packet maximum, 72 bytes for the usual 512) is allocated once by
 * replay_init(), never per packet.
 *
 * Not thread-safe: one SA's window is owned by one thread. */
#ifndef SIX_IPSEC_REPLAY_H
#define SIX_IPSEC_REPLAY_H
#include <stdbool.h>
#include <stdint.h>

#define REPLAY_WINDOW_MAX 65536u   /* packets */

enum replay_result {
    REPLAY_OK = 0,
    REPLAY_REPLAYED,      /* inside the window and already seen */
    REPLAY_TOO_OLD,       /* left of the window */
    REPLAY_SEQ_ZERO,      /* 0 is never sent (counter starts at 1) */
    REPLAY_EXHAUSTED,     /* sender: the counter would wrap (§3.3.3) */
};

struct replay_window {
    uint64_t top;         /* highest verified number; 0 = none yet */
    uint64_t *ring;       /* nblocks words; NULL when size == 0 */
    uint32_t size;        /* packets checked, multiple of 64; 0 = check off */
    uint32_t nblocks;     /* size / 64 + 1 */
};

/* size in packets, 0 = no replay check (only the highest number is kept,
 * for ESN inference).  Returns 0, or -1 when size > REPLAY_WINDOW_MAX or
 * memory is short (w is then a valid, empty window of size 0). */
int replay_init(struct replay_window *w, uint32_t size);
void replay_free(struct replay_window *w);
/* dst becomes a copy of src (size, top and every bit), with a ring of its
 * own: an SA's replacement keeps what its predecessor has seen.  0, or -1
 * when memory is short (dst is then an empty window of size 0). */
int replay_copy(struct replay_window *dst, const struct replay_window *src);

/* After a restart (the state directory): the window's top becomes top and
 * every number up to it counts as seen -- which of them were received
 * before the crash is not known, and taking one twice is what the window
 * is for. A window that is already ahead stays as it is. */
void replay_restore_top(struct replay_window *w, uint64_t top);
/* By hand (`sixctl ipsec sa reset`): empty again, as a new SA's. */
void replay_reset(struct replay_window *w);

/* seq_lo: the 32-bit field of the packet.  *seq64 (may be NULL) gets the
 * inferred number whenever one could be formed, also on REPLAYED/TOO_OLD.
 * Without ESN the number is seq_lo itself.  With ESN the high half follows
 * RFC 4303 A2.2, so a number left of the window is normally taken for one
 * of the NEXT 2^32 subspace: the result is REPLAY_OK with *seq64 one
 * subspace ahead, and the ICV check rejects it; REPLAY_TOO_OLD then only
 * comes when no next subspace exists.  A window of size 0 with ESN infers
 * the number nearest to the top (W = 2^31 in A2.2): RFC 4303 §2.2.1 advises
 * against negotiating ESN without anti-replay for exactly this reason. */
enum replay_result replay_check(const struct replay_window *w, uint32_t seq_lo,
                                bool esn, uint64_t *seq64);

/* After the ICV verified: mark seq64 seen, moving the window when it is
 * ahead.  Returns REPLAY_REPLAYED / REPLAY_TOO_OLD (and changes nothing)
 * when the number is no longer acceptable. */
enum replay_result replay_update(struct replay_window *w, uint64_t seq64);

/* Sender side.  last = the last number sent, 0 before the first packet; a
 * test or a rekey may set it directly. */
struct replay_sender {
    uint64_t last;
};

/* Next outbound number into *seq: 1, 2, ...  REPLAY_EXHAUSTED (and *seq
 * untouched) once 2^32-1 (no ESN) or 2^64-1 (ESN) has been sent: the SA
 * must not send any more and needs a rekey. */
enum replay_result replay_next_seq(struct replay_sender *s, bool esn, uint64_t *seq);

const char *replay_result_str(enum replay_result r);

#endif
