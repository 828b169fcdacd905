/* Ethernet II input/output: validate once, filter by destination, dispatch. */
#include <string.h>
#include "net/ether.h"
#include "net/stack.h"
#include "net/ip6_var.h"
#include "net/ip4_var.h"
#include "wire/ether.h"

const struct eth_addr ether_broadcast = { { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff } };

static bool frame_is_for_us(const struct ifnet *ifp, const struct eth_info *e, struct pkt *p)
{
    if (e->dst.b[0] & 1) {
        p->flags |= memcmp(&e->dst, &ether_broadcast, 6) ? PKT_F_MCAST : PKT_F_BCAST;
        return true;
    }
    return memcmp(&e->dst, &ifp->hwaddr, 6) == 0;
}

void ether_input(struct ifnet *ifp, struct pkt *p)
{
    struct six_stack *st = ifp->st;
    struct eth_info e;
    enum wire_reason r = eth_parse(pkt_data(p), p->len, &e);

    if (r != WR_OK) {
        WIRE_DROP(st, eth, r);
        pkt_free(p);
        return;
    }
    /* Our own frames echoed back by a hub, and frames for other stations. */
    if (!memcmp(&e.src, &ifp->hwaddr, 6) || !frame_is_for_us(ifp, &e, p)) {
        CTR_INC(st, if, drop_not_for_us);
        pkt_free(p);
        return;
    }
    pkt_pull(p, ETH_HLEN);
    p->l3off = (uint16_t)p->off;
    switch (e.type) {
    case ETHERTYPE_IP6: ip6_input(ifp, p); break;
    case ETHERTYPE_IP4: ip4_input(ifp, p); break;
    case ETHERTYPE_ARP: arp_input(ifp, p); break;
    default:
        CTR_INC(st, if, drop_unknown_ethertype);
        pkt_free(p);
    }
}

int ether_output(struct ifnet *ifp, struct pkt *p, const struct eth_addr *dst, uint16_t type)
{
    uint8_t *h = pkt_push(p, ETH_HLEN);

    if (!h) {
        CTR_INC(ifp->st, if, drop_no_buffer);
        pkt_free(p);
        return -1;
    }
    eth_emit(h, ETH_HLEN, dst, &ifp->hwaddr, type);
    if_output(ifp, p);
    return 0;
}

void ether_map_ip6_mcast(const struct in6_addr *a, struct eth_addr *out)
{
    out->b[0] = 0x33;
    out->b[1] = 0x33;
    memcpy(&out->b[2], &a->s6_addr[12], 4);
}
