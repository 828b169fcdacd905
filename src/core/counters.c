/* Counter names, generated from the X-macro lists in counters.h, and lookup. */
#include <stdio.h>
#include <string.h>
#include "core/counters.h"

static const char *const ctr_names[CTR__MAX] = {
#define SIX_CTR_NAME(p, n) #p "." #n,
    SIX_COUNTERS(SIX_CTR_NAME)
#undef SIX_CTR_NAME
};

static const char *const wproto_names[WP__MAX] = {
#define SIX_WP_NAME(p) #p,
    SIX_WPROTOS(SIX_WP_NAME)
#undef SIX_WP_NAME
};

const char *six_ctr_name(enum six_ctr c)
{
    return (unsigned)c < CTR__MAX ? ctr_names[c] : "unknown";
}

const char *six_wproto_name(enum six_wproto p)
{
    return (unsigned)p < WP__MAX ? wproto_names[p] : "unknown";
}

/* "proto.drop.reason" → (proto, reason); false if name is not of that shape. */
static bool parse_wire_name(const char *name, unsigned *wp, unsigned *wr)
{
    const char *dot = strstr(name, ".drop.");
    if (!dot)
        return false;
    size_t plen = (size_t)(dot - name);
    const char *reason = dot + strlen(".drop.");
    for (unsigned p = 0; p < WP__MAX; p++) {
        if (strlen(wproto_names[p]) != plen || strncmp(name, wproto_names[p], plen))
            continue;
        for (unsigned r = 0; r < WR__MAX; r++) {
            if (!strcmp(reason, wire_reason_str((enum wire_reason)r))) {
                *wp = p;
                *wr = r;
                return true;
            }
        }
    }
    return false;
}

int six_counter_by_name(const struct six_counters *c, const char *name, uint64_t *val)
{
    for (unsigned i = 0; i < CTR__MAX; i++) {
        if (!strcmp(name, ctr_names[i])) {
            *val = c->v[i];
            return 0;
        }
    }
    unsigned wp, wr;
    if (parse_wire_name(name, &wp, &wr)) {
        *val = c->wire[wp][wr];
        return 0;
    }
    return -1;
}

void six_counters_foreach(const struct six_counters *c, int nonzero_only,
                          void (*cb)(void *ctx, const char *name, uint64_t val), void *ctx)
{
    for (unsigned i = 0; i < CTR__MAX; i++)
        if (!nonzero_only || c->v[i])
            cb(ctx, ctr_names[i], c->v[i]);
    char name[96];
    for (unsigned p = 0; p < WP__MAX; p++) {
        for (unsigned r = 0; r < WR__MAX; r++) {
            uint64_t v = c->wire[p][r];
            if (r == WR_OK || (nonzero_only && !v))   /* "drop.ok" means nothing */
                continue;
            snprintf(name, sizeof(name), "%s.drop.%s", wproto_names[p],
                     wire_reason_str((enum wire_reason)r));
            cb(ctx, name, v);
        }
    }
}
