/* What an operator reads: state changes logged at info (or warning) level
 * without -d, and warnings about drops an attacker can provoke, rate-limited
 * per kind so a flood cannot flood the log. See man/sixd.8, LOGGING. */
#ifndef SIX_NET_OPLOG_H
#define SIX_NET_OPLOG_H
#include <stdbool.h>
#include <stdint.h>
#include "core/log.h"           /* LOG_INFO, LOG_WARNING for six_event */
#include "core/ratelimit.h"
#include "core/timer.h"

struct six_stack;

enum six_warn_kind { SIX_WARN_REPLAY, SIX_WARN_ICV, SIX_WARN_POLICY, SIX_WARN_SPOOF, SIX_WARN_DUPADDR, SIX_WARN_DHCP6, SIX_WARN_KINDS };

#define SIX_WARN_BURST       5                  /* lines per window and kind */
#define SIX_WARN_INTERVAL_NS 5000000000ull      /* the window */

struct six_oplog {
    bool ready;
    struct six_ratelimit rl[SIX_WARN_KINDS];
    struct timer summary;                       /* "N more ... suppressed" when a window ends */
};

/* A state change (tunnel end moved, SA added, interface up, ...): logged at
 * level whatever -d says, or handed to the stack's trace hook if it has one. */
void six_event(struct six_stack *st, int level, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Rate-limited warnings: test six_warn_begin first, format only if it says
 * yes (SIX_WARN does both): a suppressed one costs no formatting. */
bool six_warn_begin(struct six_stack *st, enum six_warn_kind kind, uint32_t *missed);
void six_warn_emit(struct six_stack *st, uint32_t missed, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
#define SIX_WARN(st, kind, ...)                                                                                  \
    do {                                                                                                         \
        uint32_t missed_;                                                                                        \
        if (six_warn_begin((st), (kind), &missed_))                                                              \
            six_warn_emit((st), missed_, __VA_ARGS__);                                                           \
    } while (0)

void six_oplog_destroy(struct six_stack *st);

#endif
