/* TUN: raw IP packets, no link layer. The driver is shared with TAP (tap.c). */
#include "link/tap.h"

struct ifnet *tun_create(struct six_stack *st, struct evloop *ev, const char *name, int *err)
{
    return tuntap_create(st, ev, name, false, err);
}
