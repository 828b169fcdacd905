/* sixd: PF_KEY frames on the control socket.  Single messages go straight
 * to the server; a batch (BEGIN ... COMMIT) is only stored until COMMIT,
 * which applies it in one synchronous call: no packet, timer or other
 * client runs in the middle of it, so the SAD/SPD transaction never
 * interleaves with anything. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sixd/sixd.h"
#include "sixd/sixd_pfkey.h"
#include "ctl/cmd.h"
#include "ctl/ctlproto.h"
#include "core/log.h"

int sixd_pfkey_init(struct sixd *d)
{
    d->pfkey = pfkey_srv_create(d->st, control_pfkey_deliver, d);
    if (!d->pfkey) {
        LOGE("pfkey: out of memory");
        return -1;
    }
    return 0;
}

void sixd_pfkey_fini(struct sixd *d)
{
    if (!d->pfkey)
        return;
    const struct pfkey_srv_stats *s = pfkey_srv_stats(d->pfkey);
    LOGD("pfkey: %llu requests, %llu refused (%llu malformed), %llu batches (%llu undone), "
         "%llu acquires, %llu expires",
         (unsigned long long)s->in_msgs, (unsigned long long)s->errors, (unsigned long long)s->parse_errors,
         (unsigned long long)s->batches, (unsigned long long)s->batch_aborts, (unsigned long long)s->acquires,
         (unsigned long long)s->expires);
    pfkey_srv_destroy(d->pfkey);
    d->pfkey = NULL;
}

static void batch_reset(struct sixd_pfkey_conn *pc)
{
    free(pc->bbuf);
    pc->bbuf = NULL;
    pc->blen = pc->bcap = pc->bn = 0;
    pc->in_batch = pc->batch_too_big = false;
}

void sixd_pfkey_conn_free(struct sixd_pfkey_conn *pc)
{
    batch_reset(pc);
}

static void emit_frame(void *ctx, const uint8_t *msg, size_t len)
{
    (void)ctl_encode_frame(ctx, CTL_PFKEY, msg, len);   /* our replies are far below the cap */
}

static void answer(struct cmd_out *out, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void answer(struct cmd_out *out, int status, const char *fmt, ...)
{
    if (fmt) {
        char msg[512];
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
        if (n > 0)
            ctl_encode_text(out, CTL_ERR, msg, (size_t)n < sizeof msg ? (size_t)n : sizeof msg - 1);
    }
    ctl_encode_exit(out, status);
}

/* The header fields of a message for messages about it (0 if too short). */
static void peek_hdr(const uint8_t *m, size_t len, uint8_t *type, uint32_t *seq)
{
    *type = len >= 2 ? m[1] : 0;
    *seq = 0;
    if (len >= 12)
        memcpy(seq, m + 8, sizeof *seq);
}

static void one(struct sixd *d, struct sixd_pfkey_conn *pc, unsigned id, const uint8_t *m, uint32_t len,
                struct cmd_out *out)
{
    const char *why = "";
    uint8_t type;
    uint32_t seq;
    peek_hdr(m, len, &type, &seq);
    LOGD("ctl[%u]: pfkey %s seq %u (%u bytes)", id, pfkey_type_name(type), seq, len);
    int err = pfkey_srv_handle(d->pfkey, &pc->cl, m, len, emit_frame, out, &why);
    if (!err) {
        answer(out, 0, NULL);
        return;
    }
    if (err == ENOENT && (type == SADB_DUMP || type == SADB_X_SPDDUMP))
        LOGD("ctl[%u]: pfkey %s: nothing to dump", id, pfkey_type_name(type));
    else
        LOGI("ctl[%u]: pfkey %s refused: %s (%s)", id, pfkey_type_name(type), why, strerror(err));
    answer(out, 1, "%s\n", why);   /* the reply says which message and the errno */
}

static void keep(struct sixd_pfkey_conn *pc, const uint8_t *m, uint32_t len)
{
    size_t need = sizeof(uint32_t) + len;
    if (pc->batch_too_big || pc->bn >= SIXD_PFKEY_BATCH_MSGS || need > SIXD_PFKEY_BATCH_BYTES - pc->blen) {
        pc->batch_too_big = true;
        return;
    }
    if (need > pc->bcap - pc->blen) {
        size_t cap = pc->bcap ? pc->bcap : 16384;
        while (cap - pc->blen < need)
            cap *= 2;
        uint8_t *b = realloc(pc->bbuf, cap);
        if (!b) {
            pc->batch_too_big = true;
            return;
        }
        pc->bbuf = b;
        pc->bcap = cap;
    }
    memcpy(pc->bbuf + pc->blen, &len, sizeof len);
    if (len)
        memcpy(pc->bbuf + pc->blen + sizeof len, m, len);
    pc->blen += need;
    pc->bn++;
}

static void commit(struct sixd *d, struct sixd_pfkey_conn *pc, unsigned id, struct cmd_out *out)
{
    struct pfkey_srv_msg *v = pc->bn ? calloc(pc->bn, sizeof *v) : NULL;
    if (pc->batch_too_big || (pc->bn && !v)) {
        free(v);
        batch_reset(pc);
        answer(out, 1, "sixd: pfkey batch over %u messages or %u bytes: nothing applied (%s)\n",
               SIXD_PFKEY_BATCH_MSGS, SIXD_PFKEY_BATCH_BYTES, strerror(E2BIG));
        return;
    }
    for (size_t i = 0, off = 0; i < pc->bn; i++) {
        uint32_t len;
        memcpy(&len, pc->bbuf + off, sizeof len);
        v[i] = (struct pfkey_srv_msg){ pc->bbuf + off + sizeof len, len };
        off += sizeof len + len;
    }
    size_t failed = 0;
    const char *why = "";
    LOGD("ctl[%u]: pfkey batch of %zu messages", id, pc->bn);
    int err = pfkey_srv_batch(d->pfkey, &pc->cl, v, pc->bn, emit_frame, out, &failed, &why);
    if (err) {
        uint8_t type;
        uint32_t seq;
        peek_hdr(v[failed].p, v[failed].len, &type, &seq);
        LOGI("ctl[%u]: pfkey batch refused at message %zu (%s seq %u): %s (%s); nothing applied", id, failed + 1,
             pfkey_type_name(type), seq, why, strerror(err));
        answer(out, 1, "%s\n", why);
    } else {
        answer(out, 0, NULL);
    }
    free(v);
    batch_reset(pc);
}

bool sixd_pfkey_frame(struct sixd *d, struct sixd_pfkey_conn *pc, unsigned id, uint8_t type,
                      const uint8_t *payload, uint32_t plen, struct cmd_out *out)
{
    if (type != CTL_PFKEY && plen != 0)
        return false;
    if (!d->pfkey) {
        answer(out, 1, "sixd: PF_KEY is not available\n");
        return true;
    }
    switch (type) {
    case CTL_PFKEY:
        if (pc->in_batch) {
            keep(pc, payload, plen);
            answer(out, 0, NULL);
        } else {
            one(d, pc, id, payload, plen, out);
        }
        return true;
    case CTL_PFKEY_BEGIN:
        if (pc->in_batch) {
            answer(out, 1, "sixd: a PF_KEY batch is already open\n");
            return true;
        }
        batch_reset(pc);
        pc->in_batch = true;
        answer(out, 0, NULL);
        return true;
    case CTL_PFKEY_COMMIT: case CTL_PFKEY_ABORT:
        if (!pc->in_batch)
            answer(out, 1, "sixd: no PF_KEY batch is open\n");
        else if (type == CTL_PFKEY_COMMIT)
            commit(d, pc, id, out);
        else {
            batch_reset(pc);
            answer(out, 0, NULL);
        }
        return true;
    default:
        return false;
    }
}
