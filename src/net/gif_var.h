/* gif internals shared by gif.c (the tunnel), gif_hometun.c (ND over the
 * tunnel and the hometun roles) and gif_icmp.c (ICMP errors from the outer
 * path, outer path MTU, outer hop limit and traffic class, ECN). Not for
 * other modules. */
#ifndef SIX_NET_GIF_VAR_H
#define SIX_NET_GIF_VAR_H
#include <stdbool.h>
#include <stdint.h>
#include <netinet/in.h>
#include "core/timer.h"
#include "core/pkt.h"
#include "net/gif.h"

struct gif_softc {
    struct ifnet *ifp;
    struct in6_addr local, remote;   /* IPv4-mapped when v4 */
    bool v4;                         /* outer family */
    bool ingress_check;
    uint8_t hlim;
    uint32_t esp_out, esp_in;        /* bound ESP tunnel SAs (esp_out 0: none) */
    enum gif_role role;
    struct timer na_timer;           /* client: unsolicited NAs still to repeat */
    uint8_t na_left;
    /* outer path (gif_icmp.c): ifp->mtu is the effective MTU, never above mtu_conf */
    uint32_t mtu_conf;               /* what `link set mtu` asked for */
    uint32_t pmtu4;                  /* IPv4 outer with pmtud: path MTU from frag-needed, 0: none */
    uint64_t pmtu4_expires_ns;
    struct timer pmtu_timer;         /* the effective MTU rises again when the path MTU ages out */
    bool pmtud;                      /* IPv4 outer: DF set, frag-needed followed (default off: RFC 4213 §3.2.1) */
    int tclass;                      /* outer DSCP source: GIF_TCLASS_INHERIT or 0..255 */
    uint64_t last_rx_ns;             /* the last inner packet taken in (stack clock), 0: none yet */
};

struct in_addr gif_v4_of(const struct in6_addr *a);
/* Unicast, not loopback or link-local: fit to be a tunnel end point. */
bool gif_outer_addr_ok(const struct in6_addr *a);
void gif_na_timer(struct timer *t, void *arg);

/* gif_icmp.c, called by gif.c */
void gif_outer_init(struct gif_softc *sc);
void gif_outer_destroy(struct gif_softc *sc);
/* Before each batch of encapsulation: the effective MTU from the outer path. */
void gif_mtu_refresh(struct gif_softc *sc);
/* The outer traffic class / TOS for the inner packet p (IP header at data):
 * DSCP inherited or configured, ECN copied (RFC 6040 §4.1 normal mode). */
uint8_t gif_outer_tclass(const struct gif_softc *sc, const struct pkt *p);
/* IPv4 outer: DF for an inner packet of len bytes (pmtud on and it fits the path). */
bool gif_outer_df(const struct gif_softc *sc, size_t len);
/* The ECN field of the outer header at data (before it is pulled). */
uint8_t gif_outer_ecn(const struct pkt *p);
/* RFC 6040 §4.2 decapsulation on the inner packet at data: false = drop
 * (outer CE, inner Not-ECT), counted. */
bool gif_ecn_decap(struct gif_softc *sc, struct pkt *p, uint8_t outer_ecn);
/* " hlim N tclass inherit|N [pmtud on] [configured-mtu N]" for gif_describe. */
void gif_describe_outer(const struct gif_softc *sc, char *buf, size_t n);

#endif
