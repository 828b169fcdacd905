/* A gif's configuration read back as command words (gif_config.c), for
 * `sixctl config show`. */
#ifndef SIX_NET_GIF_CONFIG_H
#define SIX_NET_GIF_CONFIG_H
#include <stdbool.h>
#include <stddef.h>
#include "link/ifnet.h"

/* "local A remote B" of `link add NAME type gif ...`; false if not a gif. */
bool gif_config_add_words(const struct ifnet *ifp, char *buf, size_t n);
/* The `link set NAME` words that differ from a new gif's defaults
 * (" mtu N ingress-check off hlim N tclass N pmtud on esp OUT IN"), each
 * with a leading blank; "" when none. The hometun role is apart: it goes
 * last, once the tunnel is complete (examples/hometun). */
bool gif_config_set_words(const struct ifnet *ifp, char *buf, size_t n);
/* enum gif_role, or -1 if not a gif. */
int gif_config_role(const struct ifnet *ifp);

#endif
