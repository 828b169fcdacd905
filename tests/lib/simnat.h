/* A UDP NAPT for sim tests (what a home router does to ESP in UDP 4500):
 * datagrams from inside get the outside address and a port of the NAT's
 * choosing; datagrams to that address and port come back in. Runs as the
 * input hooks of two raw-IP (p2p) interfaces of a router stack: translated
 * datagrams go straight out of the other interface (as a NAT's forwarding
 * path would send them; the router's own IP input would refuse its own
 * address as a source); everything else enters the router untouched. */
#ifndef SIX_TEST_SIMNAT_H
#define SIX_TEST_SIMNAT_H
#include <netinet/in.h>

struct ifnet;
struct simnat;

struct simnat *simnat_attach(struct ifnet *inside, struct ifnet *outside, struct in_addr public_addr);
/* Forget every mapping and use other ports from now on (a NAT reboot or
 * rebinding): the next datagram from inside gets a new public port. */
void simnat_rebind(struct simnat *n);
unsigned simnat_mappings(const struct simnat *n);
void simnat_detach(struct simnat *n);

#endif
