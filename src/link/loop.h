/* Loopback interface: what is sent comes back in. */
#ifndef SIX_LINK_LOOP_H
#define SIX_LINK_LOOP_H
#include "link/ifnet.h"

struct six_stack;
/* "lo": IFT_LOOP, mtu 65535, starts down. NULL with errno on failure. */
struct ifnet *loop_create(struct six_stack *st);

#endif
