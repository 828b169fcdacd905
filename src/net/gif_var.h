/* gif internals shared by gif.c (the tunnel) and gif_hometun.c (ND over
 * the tunnel and the hometun roles). Not for other modules. */
#ifndef SIX_NET_GIF_VAR_H
#define SIX_NET_GIF_VAR_H
#include <stdbool.h>
#include <stdint.h>
#include <netinet/in.h>
#include "core/timer.h"
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
};

struct in_addr gif_v4_of(const struct in6_addr *a);
/* Unicast, not loopback or link-local: fit to be a tunnel end point. */
bool gif_outer_addr_ok(const struct in6_addr *a);
void gif_na_timer(struct timer *t, void *arg);

#endif
