/* The network layer's side of an interface's life, called by src/link/if.c. */
#ifndef SIX_NET_NETIF_H
#define SIX_NET_NETIF_H
#include "link/ifnet.h"

int  net_if_attach(struct ifnet *ifp);            /* allocate ifp->in6 / ifp->in4; 0 or -errno */
void net_if_detach(struct ifnet *ifp);            /* free them, drop routes/neighbors via ifp */
void net_if_up(struct ifnet *ifp);                /* link-local address, DAD, RS, MLD joins */
void net_if_down(struct ifnet *ifp);
/* One received frame: Ethernet (IFT_ETHER) or raw IP (IFT_RAWIP / IFT_LOOP). Takes ownership. */
void net_input(struct ifnet *ifp, struct pkt *p);

#endif
