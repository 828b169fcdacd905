/* The DHCPv6 module's per-stack state (st->dhcp6): the server, client and
 * relay parts each hang their state here and set the function that frees
 * it, so that this file (and the stack) name none of them. */
#ifndef SIX_DHCP6_DHCP6_H
#define SIX_DHCP6_DHCP6_H

struct six_stack;
struct d6_server;
struct d6_client;
struct d6_relay;

struct dhcp6 {
    struct six_stack *st;
    struct d6_server *srv;
    void (*srv_free)(struct dhcp6 *d);
    struct d6_client *cli;
    void (*cli_free)(struct dhcp6 *d);
    struct d6_relay *relay;
    void (*relay_free)(struct dhcp6 *d);
};

/* Created on first use (NULL only when out of memory); freed with the stack. */
struct dhcp6 *dhcp6_get(struct six_stack *st);

#endif
