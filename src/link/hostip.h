/* Host link: the stack's outer IPv4 path through the host kernel's own
 * IPv4 stack (issue 5, gateway mode).  What the stack routes into such an
 * interface leaves through host sockets — ESP (50), IPv6-in-IPv4 (41) and
 * IPv4-in-IPv4 (4) through raw sockets, ESP in UDP (RFC 3948) through a UDP
 * socket on the NAT-T port — so the host needs no ESP, sit or ipip of its
 * own; what those sockets receive comes back into the stack as the IPv4
 * packet it would have seen on a real link.  The interface's IPv4
 * addresses mirror the host's, followed through rtnetlink.  See
 * man/sixctl.8 (link add ... type host). */
#ifndef SIX_LINK_HOSTIP_H
#define SIX_LINK_HOSTIP_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "link/ifnet.h"

struct six_stack;
struct evloop;

#define HOSTIP_NATT_PORT 4500u

/* Attach host link `name` to st.  dev: the host device whose IPv4
 * addresses the link mirrors (its sockets are bound to it; the link takes
 * its MTU), or NULL for every global IPv4 address of the host (MTU 1500).
 * natt_port: the local UDP port for ESP in UDP.  IFT_RAWIP, IFF6_NOARP,
 * starts down (running).  NULL with a positive errno in *err on failure
 * (ENODEV: no such dev; EADDRINUSE: the UDP port is taken; EPERM: raw
 * sockets need CAP_NET_RAW). */
struct ifnet *hostip_create(struct six_stack *st, struct evloop *ev, const char *name,
                            const char *dev, uint16_t natt_port, int *err);

bool hostip_is(const struct ifnet *ifp);
/* "dev eth0 natt-port 4500" (no dev: "natt-port 4500"). */
void hostip_describe(const struct ifnet *ifp, char *buf, size_t n);

#endif
