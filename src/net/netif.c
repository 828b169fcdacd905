/* The network layer's view of interface life: per-family state, up/down, input. */
#include <errno.h>
#include <stdlib.h>
#include "net/netif.h"
#include "net/ether.h"
#include "net/stack.h"
#include "net/ip6_var.h"
#include "net/ip4_var.h"

int net_if_attach(struct ifnet *ifp)
{
    int rc = in6_if_attach(ifp);

    if (rc)
        return rc;
    rc = in4_if_attach(ifp);
    if (rc) {
        in6_if_detach(ifp);
        return rc;
    }
    return 0;
}

void net_if_detach(struct ifnet *ifp)
{
    in4_if_detach(ifp);
    in6_if_detach(ifp);
}

void net_if_up(struct ifnet *ifp)
{
    in6_if_up(ifp);
    in4_if_up(ifp);
}

void net_if_down(struct ifnet *ifp)
{
    in4_if_down(ifp);
    in6_if_down(ifp);
}

/* Raw IP links (TUN, loopback): the version nibble names the family. */
static void rawip_input(struct ifnet *ifp, struct pkt *p)
{
    unsigned v = p->len ? pkt_data(p)[0] >> 4 : 0;

    p->l3off = (uint16_t)p->off;
    if (v == 6)
        ip6_input(ifp, p);
    else if (v == 4)
        ip4_input(ifp, p);
    else {
        CTR_INC(ifp->st, if, drop_bad_version);
        pkt_free(p);
    }
}

void net_input(struct ifnet *ifp, struct pkt *p)
{
    if (ifp->type == IFT_ETHER)
        ether_input(ifp, p);
    else
        rawip_input(ifp, p);
}
