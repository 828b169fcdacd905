/* Per-stack DHCPv6 state: created on first use, freed with the stack
 * (six_stack_on_destroy), each part freeing its own. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
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
    free(d->state_dir);
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

int dhcp6_set_state_dir(struct six_stack *st, const char *dir)
{
    struct dhcp6 *d = dhcp6_get(st);
    char *copy = dir ? strdup(dir) : NULL;
    if (!d || (dir && !copy)) {
        free(copy);
        return -ENOMEM;
    }
    free(d->state_dir);
    d->state_dir = copy;
    return 0;
}

const char *dhcp6_state_dir(struct six_stack *st)
{
    return st->dhcp6 ? st->dhcp6->state_dir : NULL;
}
