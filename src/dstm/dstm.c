/* What every DSTM part shares: port-set arithmetic (RFC 7597 §5.1), the
 * lease-store key of an IPv4 lease, binding events, the per-stack state. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "dstm/dstm.h"
#include "net/stack.h"

bool dstm_portset_valid(const struct dstm_portset *ps)
{
    if (ps->offset > 15 || ps->psid_len > 16 || ps->offset + ps->psid_len > 16)
        return false;
    return ps->psid_len == 16 ? true : ps->psid < (1u << ps->psid_len);
}

/* m: the bits below the PSID (RFC 7597 §5.1: 16 - a - k). */
static unsigned portset_m(uint8_t offset, uint8_t psid_len) { return 16u - offset - psid_len; }

bool dstm_port_psid(uint8_t offset, uint8_t psid_len, uint16_t port, uint16_t *psid)
{
    if (offset > 15 || psid_len > 16 || offset + psid_len > 16)
        return false;
    if (offset > 0 && (port >> (16 - offset)) == 0)
        return false;                       /* the excluded low ports (0..1023 for a = 6) */
    unsigned m = portset_m(offset, psid_len);
    *psid = psid_len ? (uint16_t)((port >> m) & ((1u << psid_len) - 1)) : 0;
    return true;
}

bool dstm_port_in_set(const struct dstm_portset *ps, uint16_t port)
{
    if (ps->psid_len == 0)
        return true;
    uint16_t psid;
    return dstm_port_psid(ps->offset, ps->psid_len, port, &psid) && psid == ps->psid;
}

uint32_t dstm_portset_size(const struct dstm_portset *ps)
{
    if (ps->psid_len == 0)
        return 65536;
    uint32_t per_a = 1u << portset_m(ps->offset, ps->psid_len);
    return ps->offset ? ((1u << ps->offset) - 1) * per_a : per_a;
}

uint16_t dstm_portset_port(const struct dstm_portset *ps, uint32_t i)
{
    if (ps->psid_len == 0)
        return (uint16_t)i;
    unsigned m = portset_m(ps->offset, ps->psid_len);
    uint32_t a = (i >> m) + (ps->offset ? 1 : 0), j = i & ((1u << m) - 1);
    return (uint16_t)((a << (16 - ps->offset)) | ((uint32_t)ps->psid << m) | j);
}

void dstm_lease_key(struct in6_addr *key, struct in_addr v4, const struct dstm_portset *ps)
{
    memset(key, 0, sizeof *key);
    key->s6_addr[10] = key->s6_addr[11] = 0xff;
    memcpy(&key->s6_addr[12], &v4, 4);
    if (ps && ps->psid_len) {
        key->s6_addr[4] = 0x01;
        key->s6_addr[5] = ps->psid_len;
        key->s6_addr[6] = (uint8_t)(ps->psid >> 8);
        key->s6_addr[7] = (uint8_t)ps->psid;
        key->s6_addr[8] = ps->offset;
    }
}

bool dstm_lease_key_parse(const struct in6_addr *key, struct in_addr *v4, struct dstm_portset *ps)
{
    const uint8_t *k = key->s6_addr;
    if (k[10] != 0xff || k[11] != 0xff || k[0] | k[1] | k[2] | k[3] | k[9])
        return false;
    struct dstm_portset p = { 0 };
    if (k[4] == 0x01) {
        p = (struct dstm_portset){ .psid_len = k[5], .psid = (uint16_t)(k[6] << 8 | k[7]), .offset = k[8] };
        if (p.psid_len == 0 || !dstm_portset_valid(&p))
            return false;
    } else if (k[4] | k[5] | k[6] | k[7] | k[8]) {
        return false;
    }
    memcpy(v4, &k[12], 4);
    if (ps)
        *ps = p;
    return true;
}

static void dstm_destroy(struct six_stack *st)
{
    struct dstm *d = st->dstm;
    if (!d)
        return;
    if (d->aiih_dns_free)
        d->aiih_dns_free(d);
    if (d->dti_free)
        d->dti_free(d);
    if (d->br_free)
        d->br_free(d);
    if (d->aiih_free)
        d->aiih_free(d);
    if (d->lq_free)
        d->lq_free(d);
    free(d);
    st->dstm = NULL;
}

struct dstm *dstm_get(struct six_stack *st)
{
    if (st->dstm)
        return st->dstm;
    struct dstm *d = calloc(1, sizeof *d);
    if (!d)
        return NULL;
    d->st = st;
    if (six_stack_on_destroy(st, dstm_destroy) < 0) {
        free(d);
        return NULL;
    }
    st->dstm = d;
    return d;
}

int dstm_subscribe(struct six_stack *st, dstm_event_fn fn, void *arg)
{
    struct dstm *d = dstm_get(st);
    if (!d)
        return -ENOMEM;
    for (int i = 0; i < DSTM_MAX_SUBSCRIBERS; i++)
        if (!d->subs[i].fn) {
            d->subs[i].fn = fn;
            d->subs[i].arg = arg;
            return 0;
        }
    return -ENOSPC;
}

void dstm_unsubscribe(struct six_stack *st, dstm_event_fn fn, void *arg)
{
    struct dstm *d = st->dstm;
    for (int i = 0; d && i < DSTM_MAX_SUBSCRIBERS; i++)
        if (d->subs[i].fn == fn && d->subs[i].arg == arg)
            d->subs[i].fn = NULL;
}

void dstm_publish(struct six_stack *st, enum dstm_event ev, const struct dstm_binding *b)
{
    struct dstm *d = st->dstm;
    for (int i = 0; d && i < DSTM_MAX_SUBSCRIBERS; i++)
        if (d->subs[i].fn)
            d->subs[i].fn(d->subs[i].arg, ev, b);
}
