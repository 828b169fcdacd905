/* Linux TAP (Ethernet frames) and TUN (raw IP) devices. */
#ifndef SIX_LINK_TAP_H
#define SIX_LINK_TAP_H
#include <stdbool.h>
#include "link/ifnet.h"

struct six_stack;
struct evloop;

/* Open /dev/net/tun as device `name` (the kernel creates it if missing),
 * register its fd on ev and attach an interface of the same name to st.
 * TAP: IFT_ETHER with a random locally administered MAC; TUN: IFT_RAWIP,
 * IFF6_NOARP. MTU 1500, starts down (running). On failure returns NULL and
 * stores a positive errno in *err (if err is not NULL). */
struct ifnet *tap_create(struct six_stack *st, struct evloop *ev, const char *name, int *err);
struct ifnet *tun_create(struct six_stack *st, struct evloop *ev, const char *name, int *err);

/* Shared by both (tap.c). */
struct ifnet *tuntap_create(struct six_stack *st, struct evloop *ev, const char *name,
                            bool tap, int *err);
/* persist: TUNSETPERSIST, so the device — and the host's addresses and
 * routes on it — outlives sixd; a persistent device that exists already is
 * attached to (its type and flags must match). Closing the interface (sixd's
 * exit) leaves a persistent device in place. */
struct ifnet *tuntap_create_persist(struct six_stack *st, struct evloop *ev, const char *name,
                                    bool tap, bool persist, int *err);
bool tuntap_is_persistent(const struct ifnet *ifp);
/* `link del`: the device is no longer persistent, so it goes when the
 * interface is detached. 0 or -errno; 0 for other interfaces. */
int tuntap_unpersist(struct ifnet *ifp);

#endif
