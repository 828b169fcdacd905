/* sixkey: setkey(8) for sixd, speaking PF_KEY over the control socket.
 * msg.c turns parsed setkey commands into PF_KEY messages; show.c prints
 * what comes back the way setkey does. */
#ifndef SIX_TOOLS_SIXKEY_H
#define SIX_TOOLS_SIXKEY_H
#include <stdio.h>
#include "ipsec/setkey.h"
#include "wire/pfkey.h"

#define SIXKEY_MSG_MAX 2048u

/* The PF_KEY message for one setkey command, into buf; its length, or 0
 * when it does not fit (cannot happen for what the parser accepts). */
size_t sixkey_build(const struct setkey_cmd *c, uint32_t seq, uint32_t pid, uint8_t *buf, size_t cap);
/* A message with a header only (FLUSH, DUMP, X_SPDFLUSH, X_SPDDUMP, REGISTER). */
size_t sixkey_build_bare(uint8_t type, uint8_t satype, uint32_t seq, uint32_t pid, uint8_t *buf, size_t cap);

/* setkey -D / -DP style, one SA or one policy. */
void sixkey_print_sa(FILE *f, const struct pfkey_msg *m);
void sixkey_print_sp(FILE *f, const struct pfkey_msg *m);
/* -v: one line per message, dir ">" sent, "<" received. */
void sixkey_print_brief(FILE *f, const char *dir, const uint8_t *msg, size_t len);
/* -x: an unsolicited message (ACQUIRE, EXPIRE). */
void sixkey_print_event(FILE *f, const struct pfkey_msg *m);

#endif
