#include <stdlib.h>
#include <string.h>
#include "simnat.h"
#include "link/ifnet.h"
#include "net/netif.h"
#include "wire/ip4.h"
#include "wire/udp.h"

#define SIMNAT_MAX 16

struct simnat_map {
    struct in_addr in_addr;
    uint16_t in_port, out_port;
};

struct simnat {
    struct ifnet *inside, *outside;
    struct in_addr pub;
    uint16_t next_port;
    unsigned n;
    struct simnat_map map[SIMNAT_MAX];
};

static struct simnat_map *by_inside(struct simnat *nat, struct in_addr a, uint16_t port)
{
    for (unsigned i = 0; i < nat->n; i++)
        if (nat->map[i].in_addr.s_addr == a.s_addr && nat->map[i].in_port == port)
            return &nat->map[i];
    if (nat->n == SIMNAT_MAX)
        return NULL;
    struct simnat_map *m = &nat->map[nat->n++];
    *m = (struct simnat_map){ a, port, nat->next_port++ };
    return m;
}

static struct simnat_map *by_outside(struct simnat *nat, uint16_t port)
{
    for (unsigned i = 0; i < nat->n; i++)
        if (nat->map[i].out_port == port)
            return &nat->map[i];
    return NULL;
}

/* The UDP header of an unfragmented IPv4 datagram, or NULL. */
static uint8_t *udp_of(struct pkt *p, struct ip4_info *ih)
{
    uint8_t *d = pkt_data(p);
    if (ip4_parse(d, p->len, ih) != WR_OK || ih->proto != IP4_PROTO_UDP || ih->mf || ih->frag_off ||
        p->len < (size_t)ih->hl + UDP_HLEN)
        return NULL;
    return d + ih->hl;
}

/* Rewrite one address and one port; the UDP checksum becomes "none"
 * (allowed over IPv4; ESP in UDP is sent so anyway, RFC 3948 §2.1). */
static void rewrite(struct pkt *p, struct ip4_info *ih, uint8_t *udp, bool src, struct in_addr a, uint16_t port)
{
    if (src)
        ih->src = a;
    else
        ih->dst = a;
    udp[src ? 0 : 2] = (uint8_t)(port >> 8);
    udp[src ? 1 : 3] = (uint8_t)port;
    udp_hdr_zero_cksum(udp);
    ip4_emit(pkt_data(p), ih->hl, ih);   /* the header is 20 bytes here: options are not NATed */
}

static void from_inside(struct ifnet *ifp, struct pkt *p)
{
    struct simnat *nat = ifp->input_hook_ctx;
    struct ip4_info ih;
    uint8_t *udp = udp_of(p, &ih);
    if (udp && ih.hl == 20) {
        struct simnat_map *m = by_inside(nat, ih.src, (uint16_t)(udp[0] << 8 | udp[1]));
        if (!m) {
            pkt_free(p);
            return;
        }
        rewrite(p, &ih, udp, true, nat->pub, m->out_port);
        if_output(nat->outside, p);   /* translated on the way through, not by the router's own IP input */
        return;
    }
    net_input(ifp, p);
}

static void from_outside(struct ifnet *ifp, struct pkt *p)
{
    struct simnat *nat = ifp->input_hook_ctx;
    struct ip4_info ih;
    uint8_t *udp = udp_of(p, &ih);
    if (udp && ih.hl == 20 && ih.dst.s_addr == nat->pub.s_addr) {
        struct simnat_map *m = by_outside(nat, (uint16_t)(udp[2] << 8 | udp[3]));
        if (m) {
            rewrite(p, &ih, udp, false, m->in_addr, m->in_port);
            if_output(nat->inside, p);
            return;
        }
    }
    net_input(ifp, p);
}

struct simnat *simnat_attach(struct ifnet *inside, struct ifnet *outside, struct in_addr public_addr)
{
    struct simnat *n = calloc(1, sizeof *n);
    if (!n)
        return NULL;
    n->inside = inside;
    n->outside = outside;
    n->pub = public_addr;
    n->next_port = 40000;
    inside->input_hook = from_inside;
    inside->input_hook_ctx = n;
    outside->input_hook = from_outside;
    outside->input_hook_ctx = n;
    return n;
}

void simnat_rebind(struct simnat *n)
{
    n->n = 0;
    n->next_port += 100;
}

unsigned simnat_mappings(const struct simnat *n)
{
    return n->n;
}

void simnat_detach(struct simnat *n)
{
    n->inside->input_hook = NULL;
    n->outside->input_hook = NULL;
    free(n);
}
