/* Per-stack DHCPv6 state: created on first use, freed with the stack
 * (six_stack_on_destroy), each part freeing its own. */
#include <stdlib.h>
#include "dhcp6/dhcp6.h"
#include "net/stack.h"

static void dhcp6_destroy(struct six_stack *st)
{
    struct dhcp6 *d = st->dhcp6;
    if (!d)
        return;
    if (d->relay_free)
        d->relay_free(d);
    if (d->cli_free)
        d->cli_free(d);
    if (d->srv_free)
        d->srv_free(d);
    free(d);
    st->dhcp6 = NULL;
}

struct dhcp6 *dhcp6_get(struct six_stack *st)
{
    if (st->dhcp6)
        return st->dhcp6;
    struct dhcp6 *d = calloc(1, sizeof *d);
    if (!d)
        return NULL;
    if (six_stack_on_destroy(st, dhcp6_destroy)) {
        free(d);
        return NULL;
    }
    d->st = st;
    st->dhcp6 = d;
    return d;
}
