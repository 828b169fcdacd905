/* DHCPv6 relay agent (RFC 9915 §19; relay.h says what it does).
 *
 * Caps: D6R_MAX_IFS relay interfaces, D6R_MAX_SERVERS servers each; the
 * receive and send buffers are allocated once with the relay (no malloc per
 * message); at most D6R_RX_BURST datagrams per pass of the app framework.
 *
 * What is checked where (docs/DHCPV6.md, "Security"):
 *  - from the client side (a relay interface): server-only messages
 *    (Advertise, Reply, Reconfigure, Relay-repl, DHCPv4-response) are never
 *    relayed up (dhcp6r.drop_server_msg); known client messages must parse
 *    (dhcp6_parse, dhcp6r.drop.<reason>); message types we do not know are
 *    relayed as they are (RFC 9915 §19, from RFC 7283); a Relay-forw from a
 *    relay below must parse as a whole chain and is dropped when its
 *    hop-count or its nesting already reaches HOP_COUNT_LIMIT
 *    (dhcp6r.drop_hop_limit), so what we send up always parses at the server;
 *  - from the server side: a Relay-repl never comes in through a relay
 *    (client-side) interface unless that is a configured upstream
 *    (dhcp6r.drop_repl_from_client_side), nor, without an upstream, through
 *    an interface the route back to its source does not leave by
 *    (dhcp6r.drop_repl_rpf); it is taken only from a configured server
 *    address, and only through the upstream interface when one is
 *    configured (always in multicast mode, where any server may answer), so
 *    a host on a client link cannot make the relay deliver forged
 *    Advertise/Reply messages to its neighbours by taking the server's
 *    address; it must parse; the
 *    interface comes from our own INTERFACE_ID (exact match with a relay
 *    interface's name) or from the link-address (one of our global
 *    addresses); the inner message must be a server message or a Relay-repl
 *    (client messages: dhcp6r.drop_inner_type); and it goes only to the
 *    peer-address on that interface. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include "dhcp6/relay.h"
#include "dhcp6/dhcp6.h"
#include "apps/apps.h"
#include "core/counters.h"
#include "link/ifnet.h"
#include "net/ip6_var.h"
#include "net/oplog.h"
#include "net/stack.h"
#include "six/socket.h"
#include "wire/dhcp6.h"

#define D6R_BUF (DHCP6_MSG_MAX + 1)              /* one received datagram, and a byte to see it is too long */
#define D6R_OUT_BUF (DHCP6_MSG_MAX + 512)        /* a Relay-forw around the largest message */

struct d6r_if {
    bool in_use;
    char name[IFNAMSIZ];
    unsigned ifindex;
    unsigned upstream;                           /* ifindex, 0: none */
    int msd;                                     /* socket holding the ff02::1:2 membership on this link */
    struct d6r_cfg cfg;
    struct d6r_if_stats stats;
};

struct d6_relay {
    struct six_stack *st;
    struct app_sock as;                          /* [::]:547 */
    struct d6r_if ifs[D6R_MAX_IFS];
    int n_ifs;
    uint8_t *rx, *tx;                            /* D6R_BUF, D6R_OUT_BUF */
    struct dhcp6_msg chain[DHCP6_RELAY_DEPTH_MAX + 1];   /* a Relay-forw from below, parsed (too big for the stack) */
};

/* A received datagram and where it came from. */
struct d6r_rx {
    const uint8_t *p;
    size_t len;
    struct sockaddr_in6 from;
    unsigned ifindex;                            /* ingress interface */
};

/* ------------------------------------------------------------ tables */

static struct ifnet *rif_ifp(struct d6_relay *r, const struct d6r_if *rif);

/* The relay interface a datagram came in on; not one whose interface was
 * deleted and whose index now belongs to another. */
static struct d6r_if *if_by_index(struct d6_relay *r, unsigned ifindex)
{
    for (int i = 0; i < D6R_MAX_IFS; i++)
        if (r->ifs[i].in_use && r->ifs[i].ifindex == ifindex)
            return rif_ifp(r, &r->ifs[i]) ? &r->ifs[i] : NULL;
    return NULL;
}

static struct d6r_if *if_by_name(struct d6_relay *r, const char *name)
{
    for (int i = 0; i < D6R_MAX_IFS; i++)
        if (r->ifs[i].in_use && !strcmp(r->ifs[i].name, name))
            return &r->ifs[i];
    return NULL;
}

/* The interface behind a relay entry, if it is still the one configured. */
static struct ifnet *rif_ifp(struct d6_relay *r, const struct d6r_if *rif)
{
    struct ifnet *ifp = if_byindex(r->st, rif->ifindex);
    return ifp && !strcmp(ifp->name, rif->name) ? ifp : NULL;
}

/* A global-scope address of ifp for the link-address, or :: . It only names
 * the link to the server (it is never a source here), so a deprecated or
 * still tentative address serves too, after a preferred one: a relay that
 * just came up need not send :: for a second. */
static struct in6_addr global_addr(struct ifnet *ifp)
{
    struct in6_addr any = { 0 }, second = { 0 };
    bool have_second = false;
    if (!ifp || !ifp->in6)
        return any;
    for (int i = 0; i < IN6_MAX_ADDRS_PER_IF; i++) {
        const struct in6_ifaddr *ia = &ifp->in6->addrs[i];
        if (!ia->in_use || (ia->flags & (IN6_IFF_DUPLICATED | IN6_IFF_ANYCAST)) ||
            in6_is_linklocal(&ia->addr) || in6_is_multicast(&ia->addr) || in6_is_loopback(&ia->addr) ||
            in6_is_unspecified(&ia->addr) || in6_is_v4mapped(&ia->addr))
            continue;
        if (!(ia->flags & (IN6_IFF_DEPRECATED | IN6_IFF_TENTATIVE)))
            return ia->addr;
        if (!have_second) {
            second = ia->addr;
            have_second = true;
        }
    }
    return have_second ? second : any;
}

static bool is_server_msg(uint8_t t)
{
    return t == DHCP6_ADVERTISE || t == DHCP6_REPLY || t == DHCP6_RECONFIGURE || t == DHCP6_DHCPV4_RESPONSE;
}

static bool is_client_msg(uint8_t t)
{
    return t == DHCP6_SOLICIT || t == DHCP6_REQUEST || t == DHCP6_CONFIRM || t == DHCP6_RENEW ||
           t == DHCP6_REBIND || t == DHCP6_RELEASE || t == DHCP6_DECLINE || t == DHCP6_INFORMATION_REQUEST ||
           t == DHCP6_DHCPV4_QUERY;
}

/* The per-interface share of a drop (the stack counter says why). */
static void drop(struct d6r_if *rif)
{
    if (rif)
        rif->stats.dropped++;
}

/* ------------------------------------------------------------ sending */

static bool send_to(struct d6_relay *r, const struct in6_addr *dst, unsigned scope, uint16_t port,
                    const void *buf, size_t len)
{
    struct sockaddr_in6 sa = { .sin6_family = AF_INET6, .sin6_port = htons(port), .sin6_addr = *dst,
                               .sin6_scope_id = scope };
    if (six_sendto(r->st, r->as.sd, buf, len, 0, (struct sockaddr *)&sa, sizeof sa) < 0) {
        CTR_INC(r->st, dhcp6r, drop_send_failed);
        return false;
    }
    return true;
}

/* Wrap what rx holds in a Relay-forw (RFC 9915 §19.1.1) and send it to every
 * server of rif (or ff05::1:3 on its upstream interface). */
static void relay_up(struct d6_relay *r, struct d6r_if *rif, const struct d6r_rx *rx, uint8_t hops)
{
    struct in6_addr link = global_addr(rif_ifp(r, rif));
    bool with_ifid = rif->cfg.interface_id || in6_is_unspecified(&link);   /* no link-address: the id is how we find the link back */
    struct dhcp6_builder b;

    dhcp6_build_init(&b, r->tx, D6R_OUT_BUF);
    dhcp6_build_relay_hdr(&b, DHCP6_RELAY_FORW, hops, &link, &rx->from.sin6_addr);
    if (with_ifid)
        dhcp6_put_opt(&b, D6O_INTERFACE_ID, rif->name, strlen(rif->name));
    dhcp6_put_opt(&b, D6O_RELAY_MSG, rx->p, rx->len);
    size_t n = dhcp6_build_done(&b);
    if (!n || n > DHCP6_MSG_MAX) {
        CTR_INC(r->st, dhcp6r, drop_too_big);
        drop(rif);
        return;
    }
    bool sent = false;
    if (rif->cfg.n_server == 0) {
        static const struct in6_addr all_servers = D6R_ALL_SERVERS_INIT;
        sent = send_to(r, &all_servers, rif->upstream, DHCP6_SERVER_PORT, r->tx, n);
    }
    for (int i = 0; i < rif->cfg.n_server; i++)
        sent |= send_to(r, &rif->cfg.server[i], rif->cfg.server_scope[i] ? rif->cfg.server_scope[i] : rif->upstream,
                        DHCP6_SERVER_PORT, r->tx, n);
    if (!sent) {
        drop(rif);
        return;
    }
    CTR_INC(r->st, dhcp6r, out_relay_forw);
    if (hops == 0)
        rif->stats.from_clients++;
    else
        rif->stats.from_relays++;
}

/* ------------------------------------------------------------ client side */

/* A Relay-forw from a relay below: the whole chain must parse, and one more
 * level must stay within HOP_COUNT_LIMIT. Returns false when dropped. */
static bool check_relay_forw(struct d6_relay *r, const struct d6r_rx *rx, uint8_t *hops)
{
    struct six_stack *st = r->st;
    struct dhcp6_msg *lv = r->chain;
    int n = 0;
    /* the hop-count first: one past the limit would be refused by the parser under another name */
    if (rx->p[1] >= D6R_HOP_LIMIT) {
        CTR_INC(st, dhcp6r, drop_hop_limit);
        return false;
    }
    enum wire_reason wr = dhcp6_parse_chain(rx->p, rx->len, lv, &n);
    if (wr == WR_OK && n - 1 >= D6R_HOP_LIMIT) {   /* nested deeper than its hop-count says */
        CTR_INC(st, dhcp6r, drop_hop_limit);
        return false;
    }
    if (wr != WR_OK) {
        WIRE_DROP(st, dhcp6r, wr);
        return false;
    }
    *hops = (uint8_t)(lv[0].hop_count + 1);
    return true;
}

static void from_client_side(struct d6_relay *r, const struct d6r_rx *rx)
{
    struct six_stack *st = r->st;
    uint8_t type = rx->p[0], hops = 0;
    struct d6r_if *rif = if_by_index(r, rx->ifindex);

    if (!rif) {
        CTR_INC(st, dhcp6r, drop_not_relay_if);
        return;
    }
    if (type == DHCP6_RELAY_FORW) {
        CTR_INC(st, dhcp6r, in_relay_forw);
        if (!check_relay_forw(r, rx, &hops)) {
            drop(rif);
            return;
        }
    } else if (is_client_msg(type)) {
        struct dhcp6_msg m;
        enum wire_reason wr = dhcp6_parse(rx->p, rx->len, &m);
        CTR_INC(st, dhcp6r, in_client);
        if (wr != WR_OK) {
            WIRE_DROP(st, dhcp6r, wr);
            drop(rif);
            return;
        }
    } else {
        CTR_INC(st, dhcp6r, in_unknown_type);   /* relayed as it is: a newer client message we do not know */
    }
    relay_up(r, rif, rx, hops);
}

/* ------------------------------------------------------------ server side */

static bool is_server_of(const struct d6r_if *rif, const struct sockaddr_in6 *from)
{
    for (int i = 0; i < rif->cfg.n_server; i++)
        if (in6_eq(&rif->cfg.server[i], &from->sin6_addr) &&
            (!in6_is_linklocal(&from->sin6_addr) || !rif->cfg.server_scope[i] ||
             rif->cfg.server_scope[i] == from->sin6_scope_id))
            return true;
    return false;
}

/* Is ifindex the configured upstream of some relay interface? */
static bool is_upstream(struct d6_relay *r, unsigned ifindex)
{
    for (int i = 0; i < D6R_MAX_IFS; i++)
        if (r->ifs[i].in_use && r->ifs[i].upstream == ifindex)
            return true;
    return false;
}

/* Would a packet to the source leave through the interface this one came
 * in on? (reverse path: a server address spoofed from another link fails) */
static bool route_back_through_ingress(struct d6_relay *r, const struct d6r_rx *rx)
{
    struct ifnet *in = if_byindex(r->st, rx->ifindex), *out = NULL;
    struct in6_addr nh;
    if (!in)
        return false;
    return route6_resolve(r->st, &rx->from.sin6_addr, in, &out, &nh) == 0 && out == in;
}

/* Where may a Relay-repl come in? Never through a relay (client-side)
 * interface unless it is the configured upstream: a host on a client link
 * could else pose as the server by taking its address. Without an upstream,
 * only where the route back to its source leaves. Counted here. */
static bool ingress_allowed(struct d6_relay *r, const struct d6r_rx *rx)
{
    if (if_by_index(r, rx->ifindex) && !is_upstream(r, rx->ifindex)) {
        CTR_INC(r->st, dhcp6r, drop_repl_from_client_side);
        drop(if_by_index(r, rx->ifindex));
        return false;
    }
    if (!is_upstream(r, rx->ifindex) && !route_back_through_ingress(r, rx)) {
        CTR_INC(r->st, dhcp6r, drop_repl_rpf);
        return false;
    }
    return true;
}

/* May this datagram be a Relay-repl meant for rif? (ingress_allowed first) */
static bool server_allowed(const struct d6r_if *rif, const struct d6r_rx *rx)
{
    if (rif->upstream && rx->ifindex != rif->upstream)
        return false;
    if (!rif->upstream && rx->ifindex == rif->ifindex)
        return false;   /* not even when the relay interface is another's upstream */
    return rif->cfg.n_server == 0 ? rif->upstream != 0 : is_server_of(rif, &rx->from);
}

/* Before anything is parsed: could any relay interface accept it? */
static bool any_server_allowed(struct d6_relay *r, const struct d6r_rx *rx)
{
    for (int i = 0; i < D6R_MAX_IFS; i++)
        if (r->ifs[i].in_use && server_allowed(&r->ifs[i], rx))
            return true;
    return false;
}

/* The relay interface a Relay-repl is for: our INTERFACE_ID, else the link-address. */
static struct d6r_if *repl_iface(struct d6_relay *r, const struct dhcp6_msg *m)
{
    if (m->interface_id.p) {
        for (int i = 0; i < D6R_MAX_IFS; i++) {
            struct d6r_if *rif = &r->ifs[i];
            if (rif->in_use && strlen(rif->name) == m->interface_id.len &&
                !memcmp(rif->name, m->interface_id.p, m->interface_id.len))
                return rif;
        }
        return NULL;
    }
    if (in6_is_unspecified(&m->link_addr))
        return NULL;
    for (int i = 0; i < D6R_MAX_IFS; i++) {
        struct d6r_if *rif = &r->ifs[i];
        struct ifnet *ifp = rif->in_use ? rif_ifp(r, rif) : NULL;
        if (ifp && in6_ifaddr_find(ifp, &m->link_addr))
            return rif;
    }
    return NULL;
}

static void from_server_side(struct d6_relay *r, const struct d6r_rx *rx)
{
    struct six_stack *st = r->st;
    struct dhcp6_msg m;

    CTR_INC(st, dhcp6r, in_relay_repl);
    if (!ingress_allowed(r, rx))
        return;
    if (!any_server_allowed(r, rx)) {
        CTR_INC(st, dhcp6r, drop_unknown_server);
        return;
    }
    enum wire_reason wr = dhcp6_parse(rx->p, rx->len, &m);
    if (wr != WR_OK) {
        WIRE_DROP(st, dhcp6r, wr);
        return;
    }
    struct d6r_if *rif = repl_iface(r, &m);
    if (!rif || !rif_ifp(r, rif)) {
        CTR_INC(st, dhcp6r, drop_no_iface);
        return;
    }
    if (!server_allowed(rif, rx)) {
        CTR_INC(st, dhcp6r, drop_unknown_server);
        drop(rif);
        return;
    }
    if (m.relay_msg.len < DHCP6_HDR_LEN) {
        WIRE_DROP(st, dhcp6r, WR_TRUNCATED);
        drop(rif);
        return;
    }
    uint8_t inner = m.relay_msg.p[0];
    if (is_client_msg(inner) || inner == DHCP6_RELAY_FORW) {
        CTR_INC(st, dhcp6r, drop_inner_type);
        drop(rif);
        return;
    }
    if (in6_is_multicast(&m.peer_addr) || in6_is_unspecified(&m.peer_addr) || in6_is_loopback(&m.peer_addr)) {
        CTR_INC(st, dhcp6r, drop_bad_peer);
        drop(rif);
        return;
    }
    bool to_relay = inner == DHCP6_RELAY_REPL;
    if (!send_to(r, &m.peer_addr, rif->ifindex, to_relay ? DHCP6_SERVER_PORT : DHCP6_CLIENT_PORT, m.relay_msg.p,
                 m.relay_msg.len)) {
        drop(rif);
        return;
    }
    if (to_relay) {
        CTR_INC(st, dhcp6r, out_to_relay);
        rif->stats.to_relays++;
    } else {
        CTR_INC(st, dhcp6r, out_to_client);
        rif->stats.to_clients++;
    }
}

/* ------------------------------------------------------------ receive */

static void handle(struct d6_relay *r, const struct d6r_rx *rx)
{
    struct six_stack *st = r->st;
    if (rx->len < DHCP6_HDR_LEN) {
        WIRE_DROP(st, dhcp6r, WR_TRUNCATED);
        drop(if_by_index(r, rx->ifindex));
        return;
    }
    if (rx->len > DHCP6_MSG_MAX) {
        CTR_INC(st, dhcp6r, drop_too_big);
        return;
    }
    uint8_t type = rx->p[0];
    if (type == DHCP6_RELAY_REPL) {
        from_server_side(r, rx);
    } else if (is_server_msg(type)) {
        CTR_INC(st, dhcp6r, drop_server_msg);   /* a server message from below: never relayed up */
        drop(if_by_index(r, rx->ifindex));
    } else {
        from_client_side(r, rx);
    }
}

static unsigned pktinfo_ifindex(struct msghdr *msg)
{
    for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR(msg, c))
        if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
            struct in6_pktinfo pi;
            memcpy(&pi, CMSG_DATA(c), sizeof pi);
            return pi.ipi6_ifindex;
        }
    return 0;
}

static void relay_ev(struct app_sock *as, short rev)
{
    struct d6_relay *r = as->ctx;
    (void)rev;
    for (int k = 0; k < D6R_RX_BURST; k++) {
        struct d6r_rx rx = { .p = r->rx };
        union { struct cmsghdr align; uint8_t b[CMSG_SPACE(sizeof(struct in6_pktinfo))]; } cbuf;
        struct iovec iov = { .iov_base = r->rx, .iov_len = D6R_BUF };
        struct msghdr msg = { .msg_name = &rx.from, .msg_namelen = sizeof rx.from, .msg_iov = &iov,
                              .msg_iovlen = 1, .msg_control = cbuf.b, .msg_controllen = sizeof cbuf.b };
        ssize_t n = six_recvmsg(r->st, as->sd, &msg, 0);
        if (n < 0)
            return;
        if (rx.from.sin6_family != AF_INET6)
            continue;
        rx.len = (size_t)n;
        rx.ifindex = pktinfo_ifindex(&msg);
        handle(r, &rx);
    }
    app_sock_kick(as);   /* more may wait: next pass */
}

/* ------------------------------------------------------------ set-up */

static int relay_socket(struct six_stack *st)
{
    int sd = six_socket(st, AF_INET6, SOCK_DGRAM, 0);
    if (sd < 0)
        return -errno;
    int on = 1, off = 0, hops = D6R_MCAST_HOPS;
    struct sockaddr_in6 sa = { .sin6_family = AF_INET6, .sin6_port = htons(DHCP6_SERVER_PORT) };
    if (six_setsockopt(st, sd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on) ||
        six_setsockopt(st, sd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on, sizeof on) ||
        six_setsockopt(st, sd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, &off, sizeof off) ||
        six_setsockopt(st, sd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops, sizeof hops) ||
        six_bind(st, sd, (struct sockaddr *)&sa, sizeof sa)) {
        int e = errno;
        six_close(st, sd);
        return -e;
    }
    return sd;
}

/* A socket that only holds ff02::1:2 on one link: a socket's own group list
 * is short (SOCK_MAX_GROUPS), and delivery goes by port, not by socket. */
static int join_socket(struct six_stack *st, unsigned ifindex)
{
    static const struct in6_addr all_agents = DHCP6_ALL_AGENTS_INIT;
    struct ipv6_mreq mr = { .ipv6mr_multiaddr = all_agents, .ipv6mr_interface = ifindex };
    int sd = six_socket(st, AF_INET6, SOCK_DGRAM, 0);
    if (sd < 0)
        return -errno;
    if (six_setsockopt(st, sd, IPPROTO_IPV6, IPV6_JOIN_GROUP, &mr, sizeof mr)) {
        int e = errno;
        six_close(st, sd);
        return -e;
    }
    return sd;
}

static void relay_free(struct dhcp6 *d)
{
    struct d6_relay *r = d->relay;
    if (!r)
        return;
    for (int i = 0; i < D6R_MAX_IFS; i++)
        if (r->ifs[i].in_use && r->ifs[i].msd >= 0)
            six_close(r->st, r->ifs[i].msd);
    if (r->as.sd >= 0)
        app_sock_close(&r->as);
    free(r->rx);
    free(r->tx);
    free(r);
    d->relay = NULL;
    d->relay_free = NULL;
}

static int relay_create(struct six_stack *st, struct dhcp6 *d, char *why, size_t whyn)
{
    struct d6_relay *r = calloc(1, sizeof *r);
    if (!r || !(r->rx = malloc(D6R_BUF)) || !(r->tx = malloc(D6R_OUT_BUF))) {
        if (r) {
            free(r->rx);
            free(r);
        }
        snprintf(why, whyn, "out of memory");
        return -ENOMEM;
    }
    r->st = st;
    int sd = relay_socket(st);
    if (sd < 0) {
        snprintf(why, whyn, sd == -EADDRINUSE ? "UDP port 547 is already in use on this stack"
                                              : "cannot open the relay socket: %s", strerror(-sd));
        free(r->rx);
        free(r->tx);
        free(r);
        return sd;
    }
    app_sock_init(&r->as, st, sd, relay_ev, r);
    d->relay = r;
    d->relay_free = relay_free;
    return 0;
}

static int check_cfg(struct six_stack *st, const struct d6r_cfg *cfg, unsigned *upstream, char *why, size_t whyn)
{
    *upstream = 0;
    if (cfg->upstream[0]) {
        struct ifnet *up = if_find(st, cfg->upstream);
        if (!up) {
            snprintf(why, whyn, "no interface %s (upstream)", cfg->upstream);
            return -ENODEV;
        }
        *upstream = up->index;
    }
    if (cfg->n_server == 0 && !*upstream) {
        snprintf(why, whyn, "no server address: give server ADDR, or upstream IF to reach ff05::1:3");
        return -EINVAL;
    }
    if (cfg->n_server < 0 || cfg->n_server > D6R_MAX_SERVERS) {
        snprintf(why, whyn, "at most %d server addresses", D6R_MAX_SERVERS);
        return -EINVAL;
    }
    return 0;
}

int d6_relay_set(struct six_stack *st, const char *ifname, const struct d6r_cfg *cfg, char *why, size_t whyn)
{
    struct ifnet *ifp = if_find(st, ifname);
    unsigned upstream;
    int rc;

    if (!ifp) {
        snprintf(why, whyn, "no interface %s", ifname);
        return -ENODEV;
    }
    if ((rc = check_cfg(st, cfg, &upstream, why, whyn)))
        return rc;
    struct dhcp6 *d = dhcp6_get(st);
    if (!d) {
        snprintf(why, whyn, "out of memory");
        return -ENOMEM;
    }
    if (d->srv) {
        snprintf(why, whyn, "a DHCPv6 server already uses port 547 on this stack: a stack runs a server or a relay, not both");
        return -EADDRINUSE;
    }
    if (!d->relay && (rc = relay_create(st, d, why, whyn)))
        return rc;
    struct d6_relay *r = d->relay;
    struct d6r_if *rif = if_by_name(r, ifname);
    bool added = !rif;
    if (!rif) {
        for (int i = 0; i < D6R_MAX_IFS && !rif; i++)
            if (!r->ifs[i].in_use)
                rif = &r->ifs[i];
        if (!rif) {
            snprintf(why, whyn, "at most %d relay interfaces", D6R_MAX_IFS);
            if (!r->n_ifs)
                relay_free(d);
            return -ENOSPC;
        }
        int msd = join_socket(st, ifp->index);
        if (msd < 0) {
            snprintf(why, whyn, "cannot join ff02::1:2 on %s: %s", ifname, strerror(-msd));
            if (!r->n_ifs)
                relay_free(d);
            return msd;
        }
        memset(rif, 0, sizeof *rif);
        rif->in_use = true;
        rif->msd = msd;
        snprintf(rif->name, sizeof rif->name, "%s", ifname);
        r->n_ifs++;
    }
    rif->ifindex = ifp->index;
    rif->upstream = upstream;
    rif->cfg = *cfg;
    snprintf(rif->cfg.upstream, sizeof rif->cfg.upstream, "%s", cfg->upstream);
    six_event(st, LOG_INFO, "dhcp6 relay %s on %s (%d server%s%s%s)", added ? "started" : "changed", ifname,
              cfg->n_server, cfg->n_server == 1 ? "" : "s", cfg->n_server ? "" : ", ff05::1:3 on ",
              cfg->n_server ? "" : cfg->upstream);
    return 0;
}

int d6_relay_off(struct six_stack *st, const char *ifname)
{
    struct dhcp6 *d = st->dhcp6;
    struct d6_relay *r = d ? d->relay : NULL;
    struct d6r_if *rif = r ? if_by_name(r, ifname) : NULL;
    if (!rif)
        return -ENOENT;
    if (rif->msd >= 0)
        six_close(st, rif->msd);
    memset(rif, 0, sizeof *rif);
    rif->msd = -1;
    six_event(st, LOG_INFO, "dhcp6 relay stopped on %s", ifname);
    if (--r->n_ifs == 0)
        relay_free(d);
    return 0;
}

bool d6_relay_info(struct six_stack *st, int i, struct d6r_if_info *out)
{
    struct d6_relay *r = st->dhcp6 ? st->dhcp6->relay : NULL;
    if (!r)
        return false;
    for (int k = 0; k < D6R_MAX_IFS; k++) {
        if (!r->ifs[k].in_use || i-- > 0)
            continue;
        const struct d6r_if *rif = &r->ifs[k];
        memset(out, 0, sizeof *out);
        snprintf(out->name, sizeof out->name, "%s", rif->name);
        out->cfg = rif->cfg;
        out->link_addr = global_addr(rif_ifp(r, rif));
        out->stats = rif->stats;
        return true;
    }
    return false;
}
