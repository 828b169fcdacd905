/* st->dns: created on first use, freed with the stack (dns_state.h). */
#include <stdlib.h>
#include "dns/dns_state.h"
#include "net/stack.h"

static void dns_state_destroy(struct six_stack *st)
{
    struct dns_state *d = st->dns;
    if (!d)
        return;
    if (d->upd_free)
        d->upd_free(d);
    if (d->srv_free)
        d->srv_free(d);
    free(d->prov);
    free(d);
    st->dns = NULL;
}

struct dns_state *dns_state_get(struct six_stack *st)
{
    if (st->dns)
        return st->dns;
    struct dns_state *d = calloc(1, sizeof *d);
    if (!d)
        return NULL;
    d->st = st;
    if (six_stack_on_destroy(st, dns_state_destroy) < 0) {
        free(d);
        return NULL;
    }
    st->dns = d;
    return d;
}
