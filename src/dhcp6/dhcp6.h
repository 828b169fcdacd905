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
    char *state_dir;          /* sixd -S: where the client keeps its DUID; NULL: none */
};

/* Created on first use (NULL only when out of memory); freed with the stack. */
struct dhcp6 *dhcp6_get(struct six_stack *st);

/* sixd's state directory (-S), for what must survive a restart (the
 * client's DUID). 0, or -ENOMEM; dir NULL forgets it. */
int dhcp6_set_state_dir(struct six_stack *st, const char *dir);
const char *dhcp6_state_dir(struct six_stack *st);   /* NULL: none */

#endif
