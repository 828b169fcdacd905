/* sixd: PF_KEY over the control socket (ctlproto.h, CTL_PFKEY frames).
 * The translation is src/ipsec/pfkey_srv.c; here are the frames, the
 * per-connection state and the batches. */
#ifndef SIX_SIXD_SIXD_PFKEY_H
#define SIX_SIXD_SIXD_PFKEY_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "ipsec/pfkey_srv.h"

struct sixd;
struct cmd_out;

#define SIXD_PFKEY_BATCH_MSGS  8192u          /* setkey files: 4096 statements */
#define SIXD_PFKEY_BATCH_BYTES (4u << 20)
#define SIXD_PFKEY_ASYNC_MAX   (256u << 10)   /* unsent bytes before ACQUIRE/EXPIRE are dropped */

/* Per control connection. */
struct sixd_pfkey_conn {
    struct pfkey_client cl;       /* REGISTERed satypes */
    bool in_batch, batch_too_big;
    uint8_t *bbuf;                /* the batch: per message a u32 length, then its bytes */
    size_t blen, bcap, bn;
    uint64_t async_dropped;       /* ACQUIRE/EXPIRE lost to a client that does not read */
};

/* Create the server (d->pfkey); 0, or -1 (PF_KEY requests then fail). */
int  sixd_pfkey_init(struct sixd *d);
/* Before the stack is destroyed. */
void sixd_pfkey_fini(struct sixd *d);
void sixd_pfkey_conn_free(struct sixd_pfkey_conn *pc);

/* Answer one frame of type CTL_PFKEY .. CTL_PFKEY_ABORT into out (frames
 * and CTL_EXIT).  false: the frame is malformed (the caller answers with a
 * protocol error and closes). */
bool sixd_pfkey_frame(struct sixd *d, struct sixd_pfkey_conn *pc, unsigned conn_id, uint8_t type,
                      const uint8_t *payload, uint32_t plen, struct cmd_out *out);

#endif
