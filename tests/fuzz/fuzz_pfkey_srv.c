/* The PF_KEY server (src/ipsec/pfkey_srv.c) on a real stack's SAD/SPD.
 * Input = flags(1) then PF_KEY messages back to back, each cut by its own
 * sadb_msg_len (the rest of the input when that is 0 or too long), at most
 * 64.  flags bit0: all of them as one batch, else one by one.
 * Invariants: every message emitted is whole (length >= 16, a multiple of
 * 8, its sadb_msg_len saying so); a reply without errno parses; a handled
 * message returns 0 with no error reply, or the errno of its one error
 * reply; a refused batch emits exactly that error reply and leaves the SAD
 * and SPD as they were (every SA line, every policy line in order). */
#include <stdlib.h>
#include <string.h>
#include "ipsec/ipsec.h"
#include "ipsec/pfkey_srv.h"
#include "net/stack.h"

#define CHECK(c) do { if (!(c)) __builtin_trap(); } while (0)
#define MAX_MSGS 64
int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

static struct six_stack *st;
static struct pfkey_srv *srv;

struct seen { size_t n; uint8_t last_err; bool ok_after_err; };

static void on_reply(void *ctx, const uint8_t *m, size_t len)
{
    struct seen *s = ctx;
    uint16_t units;
    CHECK(len >= 16 && len % 8 == 0);
    memcpy(&units, m + 4, sizeof units);
    CHECK((size_t)units * 8 == len);
    if (m[2] == 0) {
        struct pfkey_msg pm;
        CHECK(pfkey_parse(m, len, &pm) == WR_OK);
        s->ok_after_err |= s->last_err != 0;
    } else {
        CHECK(len == 16);
    }
    s->last_err = m[2];
    s->n++;
}

static void on_event(void *ctx, uint8_t satype, const uint8_t *m, size_t len)
{
    struct pfkey_msg pm;
    CHECK(pfkey_parse(m, len, &pm) == WR_OK);
}

static uint64_t fnv(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * 1099511628211ull;
    return h;
}

/* SAs in any order (an undo relinks them at the end), policies in order. */
static void sa_line(void *ctx, const struct ipsec_sa *sa)
{
    char b[512];
    ipsec_sa_format(sa, b, sizeof b);
    *(uint64_t *)ctx += fnv(b);
}

static void sp_line(void *ctx, const struct ipsec_sp *sp)
{
    char b[512];
    ipsec_sp_format(sp, b, sizeof b);
    *(uint64_t *)ctx = *(uint64_t *)ctx * 31 + fnv(b);
}

static uint64_t snapshot(void)
{
    uint64_t a = ipsec_sa_count(st), p = ipsec_sp_count(st);
    ipsec_sa_foreach(st, sa_line, &a);
    ipsec_sp_foreach(st, sp_line, &p);
    return a * 0x9e3779b97f4a7c15ull ^ p;
}

static size_t split(const uint8_t *d, size_t n, struct pfkey_srv_msg *v)
{
    size_t k = 0;
    for (size_t off = 0; off < n && k < MAX_MSGS;) {
        size_t len = n - off;
        if (len >= 16) {
            uint16_t units;
            memcpy(&units, d + off + 4, sizeof units);
            if (units * 8u >= 16 && units * 8u <= len)
                len = units * 8u;
        }
        v[k++] = (struct pfkey_srv_msg){ d + off, len };
        off += len;
    }
    return k;
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
    if (!st) {
        struct six_stack_opts o = { .name = "fuzz", .seed = 1 };
        st = six_stack_create(&o);
        srv = pfkey_srv_create(st, on_event, NULL);
        CHECK(st && srv);
    }
    if (n < 1)
        return 0;
    struct pfkey_srv_msg v[MAX_MSGS];
    struct pfkey_client cl = { 0 };
    size_t k = split(d + 1, n - 1, v);
    const char *why;
    if (d[0] & 1) {
        struct seen s = { 0 };
        size_t failed;
        uint64_t before = snapshot();
        int rc = pfkey_srv_batch(srv, &cl, v, k, on_reply, &s, &failed, &why);
        if (rc) {
            CHECK(s.n == 1 && s.last_err == rc && failed < k && cl.registered == 0);
            CHECK(snapshot() == before);
        }
    } else {
        for (size_t i = 0; i < k; i++) {
            struct seen s = { 0 };
            int rc = pfkey_srv_handle(srv, &cl, v[i].p, v[i].len, on_reply, &s, &why);
            CHECK(rc ? s.last_err == rc && !s.ok_after_err : s.last_err == 0);
        }
    }
    ipsec_sa_flush(st, 0);
    ipsec_sp_flush(st);
    return 0;
}
