/* ND over a configured tunnel and the hometun roles
 * (draft-ietf-ngtrans-hometun-01 §2-§5; see gif.h).
 *
 * The tunnel is a link whose link layer is the outer IPv4 network: each
 * end's link-layer address is its IPv4 address. A gif answers NS with that
 * address in the TLLA (nd6.c does it once gif_lladdr() supplies one).
 *
 * Client: when its local address changes (`link set gif0 local A`, or the
 * stack's IPv4 address it used is gone and another one is the source
 * toward the server), the bound SAs move with it and it sends unsolicited
 * NAs to all-nodes with the Override flag and the new address in the TLLA
 * (RFC 4861 §7.2.6: MAX_NEIGHBOR_ADVERTISEMENT = 3 of them, RetransTimer
 * apart), inside the tunnel, so inside ESP.
 *
 * Server: such an NA moves the tunnel's remote end and the SA's outer
 * destination, but only when (in this order, each refusal a counter):
 * the NA came through IPsec with replay protection on (the draft §5: "not
 * authentic or replayed unsolicited neighbor advertisements must be
 * dropped"; a bound gif only ever sees what its own inbound SA decrypted,
 * so another client's SA cannot reach it); it has Override set; its TLLA
 * is a well-formed, usable IPv4 address; its target is an address on this
 * tunnel's link. An SA in UDP (NAT-T) already follows the authenticated
 * packets' outer address and port, which is what the server must use
 * behind a NAT; the TLLA (the client's address inside the NAT) is then
 * only counted. */
#include <errno.h>
#include <string.h>
#include <arpa/inet.h>
#include "net/gif.h"
#include "net/gif_var.h"
#include "net/stack.h"
#include "net/ip6_var.h"
#include "net/ip4_var.h"
#include "ipsec/ipsec.h"
#include "wire/ip6.h"
#include "wire/nd6.h"
#include "core/log.h"

#define GIF_NA_COUNT 3u                     /* RFC 4861 MAX_NEIGHBOR_ADVERTISEMENT */
#define GIF_NA_INTERVAL_NS 1000000000ull    /* RFC 4861 RETRANS_TIMER */

static const struct in6_addr all_nodes = { .s6_addr = { 0xff, 0x02, [15] = 1 } };

static void na_announce_start(struct gif_softc *sc);
static bool client_take_source(struct gif_softc *sc);

void gif_set_role(struct ifnet *ifp, enum gif_role role)
{
    if (!gif_is(ifp))
        return;
    struct gif_softc *sc = ifp->drv;
    bool was_client = sc->role == GIF_ROLE_CLIENT;
    sc->role = role;
    if (role != GIF_ROLE_CLIENT) {
        timer_cancel(&sc->na_timer);
        sc->na_left = 0;
    } else if (!was_client && !client_take_source(sc)) {
        na_announce_start(sc);   /* the server learns where we are now (behind a NAT it cannot know) */
    }
}

/* A fallback server: an unbound gif with the server role (the draft's
 * transport ESP over a plain tunnel). */
static bool fallback_server(const struct gif_softc *sc, int role, int bound)
{
    return (role < 0 ? (int)sc->role : role) == GIF_ROLE_SERVER && !(bound < 0 ? sc->esp_out != 0 : bound);
}

struct ifnet *gif_fallback_conflict(const struct ifnet *ifp, int role, int bound, const struct in6_addr *local)
{
    if (!gif_is(ifp))
        return NULL;
    const struct gif_softc *me = ifp->drv;
    if (!fallback_server(me, role, bound))
        return NULL;
    if (!local)
        local = &me->local;
    for (unsigned i = 0; i < SIX_MAX_IFS; i++) {
        struct ifnet *o = ifp->st->ifs[i];
        if (o == ifp || !gif_is(o))
            continue;
        const struct gif_softc *sc = o->drv;
        if (fallback_server(sc, -1, -1) && in6_eq(&sc->local, local))
            return o;
    }
    return NULL;
}

const char *gif_role_name(enum gif_role role)
{
    switch (role) {
    case GIF_ROLE_SERVER: return "server";
    case GIF_ROLE_CLIENT: return "client";
    default:              return "off";
    }
}

bool gif_lladdr(const struct ifnet *ifp, const uint8_t **lla, size_t *len)
{
    if (!gif_is(ifp) || !((const struct gif_softc *)ifp->drv)->v4)
        return false;
    const struct gif_softc *sc = ifp->drv;
    *lla = &sc->local.s6_addr[12];
    *len = 4;
    return true;
}

static const char *addr_str(const struct in6_addr *a, char *buf, size_t n)
{
    if (in6_is_v4mapped(a))
        return inet_ntop(AF_INET, &a->s6_addr[12], buf, (socklen_t)n);
    return inet_ntop(AF_INET6, a, buf, (socklen_t)n);
}

/* --- moving an end point --- */

static void move_sa(struct six_stack *st, uint32_t spi, const struct in6_addr *dst, const struct in6_addr *new_src,
                    const struct in6_addr *new_dst)
{
    struct ipsec_sa *sa = ipsec_sa_find(st, IPSEC_PROTO_ESP, dst, spi);
    if (sa)
        ipsec_sa_move(st, sa, new_src ? new_src : &sa->src, new_dst ? new_dst : &sa->dst, sa->natt_sport,
                      sa->natt_dport);
}

/* The SAs follow an end point that moved from old to sc's current one. A
 * bound gif names its SAs; an unbound one (the draft's fallback: transport
 * ESP over the tunnel) moves whatever SA and policy names the old address. */
static void sas_follow(struct gif_softc *sc, const struct in6_addr *old, bool local_moved)
{
    struct six_stack *st = sc->ifp->st;
    if (!sc->esp_out) {
        ipsec_addr_moved(st, old, local_moved ? &sc->local : &sc->remote);
        return;
    }
    if (local_moved) {
        move_sa(st, sc->esp_out, &sc->remote, &sc->local, NULL);
        move_sa(st, sc->esp_in, old, NULL, &sc->local);
    } else {
        move_sa(st, sc->esp_out, old, NULL, &sc->remote);
        move_sa(st, sc->esp_in, &sc->local, &sc->remote, NULL);
    }
}

static void na_announce(struct gif_softc *sc)
{
    struct in6_ifinfo *ii = sc->ifp->in6;
    struct six_stack *st = sc->ifp->st;
    if (!ii || !(sc->ifp->flags & IFF6_UP))
        return;
    for (unsigned i = 0; i < IN6_MAX_ADDRS_PER_IF; i++) {
        const struct in6_ifaddr *ia = &ii->addrs[i];
        if (!ia->in_use || (ia->flags & (IN6_IFF_TENTATIVE | IN6_IFF_DUPLICATED | IN6_IFF_ANYCAST)))
            continue;
        nd6_na_output(sc->ifp, &all_nodes, &ia->addr, false, true, st->fwd6);
        CTR_INC(st, gif, na_announced);
    }
}

void gif_na_timer(struct timer *t, void *arg)
{
    struct gif_softc *sc = arg;
    (void)t;
    if (!sc->na_left)
        return;
    na_announce(sc);
    if (--sc->na_left)
        timer_arm(sc->ifp->st->tw, &sc->na_timer, GIF_NA_INTERVAL_NS);
}

static void na_announce_start(struct gif_softc *sc)
{
    sc->na_left = GIF_NA_COUNT;
    timer_cancel(&sc->na_timer);
    gif_na_timer(&sc->na_timer, sc);
}

int gif_set_local(struct ifnet *ifp, const struct in6_addr *local)
{
    if (!gif_is(ifp))
        return -ENOENT;
    struct gif_softc *sc = ifp->drv;
    if (in6_is_v4mapped(local) != sc->v4 || !gif_outer_addr_ok(local) || in6_eq(local, &sc->remote))
        return -EINVAL;
    if (in6_eq(local, &sc->local))
        return 0;
    struct in6_addr old = sc->local;
    char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];
    sc->local = *local;
    sas_follow(sc, &old, true);
    CTR_INC(ifp->st, gif, local_moved);
    six_event(ifp->st, LOG_INFO, "%s: local end %s -> %s%s", ifp->name, addr_str(&old, a, sizeof a),
              addr_str(local, b, sizeof b), sc->role == GIF_ROLE_CLIENT ? ", announced by NA with Override" : "");
    if (sc->role == GIF_ROLE_CLIENT)
        na_announce_start(sc);
    return 0;
}

/* A client whose local address is not (or no longer) one of the stack's
 * takes the source the stack picks toward the server. true: it moved. */
static bool client_take_source(struct gif_softc *sc)
{
    struct six_stack *st = sc->ifp->st;
    struct in_addr src;
    if (sc->role != GIF_ROLE_CLIENT || !sc->v4 || in4_is_local(st, gif_v4_of(&sc->local)))
        return false;
    if (in4_selectsrc(st, gif_v4_of(&sc->remote), NULL, &src) != 0)
        return false;   /* no address toward the server yet: the next change tries again */
    struct in6_addr now = { .s6_addr = { [10] = 0xff, [11] = 0xff } };
    memcpy(&now.s6_addr[12], &src, 4);
    return gif_set_local(sc->ifp, &now) == 0;
}

void gif_addr4_changed(struct six_stack *st)
{
    for (unsigned i = 0; i < SIX_MAX_IFS; i++)
        if (gif_is(st->ifs[i]))
            client_take_source(st->ifs[i]->drv);
}

void gif_sa_moved(struct six_stack *st, uint8_t proto, uint32_t spi, const struct in6_addr *old_dst,
                  const struct in6_addr *new_dst)
{
    if (proto != IPSEC_PROTO_ESP)
        return;   /* gifs bind ESP SAs only (gif_bind_esp) */
    for (unsigned i = 0; i < SIX_MAX_IFS; i++) {
        struct ifnet *ifp = st->ifs[i];
        if (!gif_is(ifp))
            continue;
        struct gif_softc *sc = ifp->drv;
        if (!sc->esp_out || sc->esp_out != spi || !in6_eq(&sc->remote, old_dst))
            continue;
        char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];
        sc->remote = *new_dst;
        CTR_INC(st, gif, remote_moved);
        six_event(st, LOG_INFO, "%s: remote end %s -> %s (follows SA 0x%08x)", ifp->name, addr_str(old_dst, a, sizeof a),
                  addr_str(new_dst, b, sizeof b), spi);
    }
}

/* --- server: an NA that may move the remote end --- */

/* IPsec authenticated it, with replay protection (the draft §5), through
 * THE SA of this tunnel: the bound inbound SA, or (unbound, the fallback) a
 * transport SA from this tunnel's remote end to its local end -- not any
 * transport SA toward the server, which another client has too. (From a
 * new outer address the fallback NA is marked PKT_F_IPSEC_PEER_MOVED; it
 * still came through the SA whose peer is the remote end we know.) */
static bool na_authentic(struct gif_softc *sc, const struct pkt *p)
{
    if (!p->ipsec_n)
        return false;
    const struct ipsec_sa *sa = ipsec_sa_by_id(sc->ifp->st, p->ipsec_said[p->ipsec_n - 1]);
    if (!sa || sa->replay_off || !in6_eq(&sa->dst, &sc->local))
        return false;
    if (sc->esp_out)
        return sa->spi == sc->esp_in && (p->flags & PKT_F_IPSEC_IFBOUND);
    return sa->mode == IPSEC_MODE_TRANSPORT && !(p->flags & PKT_F_IPSEC_IFBOUND) && in6_eq(&sa->src, &sc->remote);
}

/* The target is an address on this tunnel's link: link-local, or inside a
 * prefix that is on-link on the gif. */
static bool target_on_tunnel(struct gif_softc *sc, const struct in6_addr *target)
{
    struct ifnet *oifp;
    struct in6_addr nh;
    if (in6_is_linklocal(target))
        return true;
    return route6_resolve(sc->ifp->st, target, NULL, &oifp, &nh) == 0 && oifp == sc->ifp && in6_eq(&nh, target);
}

/* The IPv4 address in a TLLA: option length 1, two zero pad bytes. */
static bool tlla_v4(const struct nd_na *na, struct in6_addr *out)
{
    const uint8_t *l = na->opts.tlla;
    if (!l || na->opts.tlla_len != 6 || l[4] || l[5])
        return false;
    memset(out, 0, sizeof *out);
    out->s6_addr[10] = out->s6_addr[11] = 0xff;
    memcpy(&out->s6_addr[12], l, 4);
    return true;
}

static bool bound_sa_natt(struct gif_softc *sc)
{
    const struct ipsec_sa *sa = sc->esp_out ? ipsec_sa_find(sc->ifp->st, IPSEC_PROTO_ESP, &sc->remote, sc->esp_out)
                                            : NULL;
    return sa && sa->natt;
}

void gif_na_input(struct ifnet *ifp, const struct pkt *p, const struct ip6_info *ip, const struct nd_na *na)
{
    struct six_stack *st = ifp->st;
    struct gif_softc *sc = ifp->drv;
    struct in6_addr to;
    (void)ip;

    CTR_INC(st, gif, na_in);
    if (sc->role != GIF_ROLE_SERVER)
        return;
    if (!na_authentic(sc, p)) {
        CTR_INC(st, gif, drop_na_unauth);
        return;
    }
    if (!na->override) {
        CTR_INC(st, gif, drop_na_no_override);
        return;
    }
    if (!sc->v4 || !tlla_v4(na, &to) || !gif_outer_addr_ok(&to) || in4_is_local(st, gif_v4_of(&to))) {
        CTR_INC(st, gif, drop_na_bad_lla);
        return;
    }
    if (!target_on_tunnel(sc, &na->target)) {
        CTR_INC(st, gif, drop_na_target);
        return;
    }
    if (bound_sa_natt(sc)) {
        CTR_INC(st, gif, na_natt_ignored);
        return;
    }
    if (in6_eq(&to, &sc->remote))
        return;
    struct in6_addr old = sc->remote;
    char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN], t[INET6_ADDRSTRLEN];
    sc->remote = to;
    sas_follow(sc, &old, false);
    CTR_INC(st, gif, na_moved);
    six_event(st, LOG_INFO, "%s: NA with Override for %s moves the remote end %s -> %s", ifp->name,
              inet_ntop(AF_INET6, &na->target, t, sizeof t), addr_str(&old, a, sizeof a), addr_str(&to, b, sizeof b));
}

/* --- the state directory: a server tunnel's remote end across restarts --- */

bool gif_server_ends(const struct ifnet *ifp, struct gif_server_ends *out)
{
    if (!gif_is(ifp))
        return false;
    const struct gif_softc *sc = ifp->drv;
    if (sc->role != GIF_ROLE_SERVER || !sc->esp_out)
        return false;
    out->esp_out = sc->esp_out;
    out->esp_in = sc->esp_in;
    out->local = sc->local;
    out->remote = sc->remote;
    return true;
}

int gif_restore_remote(struct ifnet *ifp, const struct in6_addr *remote)
{
    struct gif_server_ends e;
    if (!gif_server_ends(ifp, &e))
        return -EINVAL;
    struct gif_softc *sc = ifp->drv;
    if (in6_is_v4mapped(remote) != sc->v4 || !gif_outer_addr_ok(remote) || in6_eq(remote, &sc->local))
        return -EINVAL;
    if (in6_eq(remote, &sc->remote))
        return 0;
    struct in6_addr old = sc->remote;
    char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];
    sc->remote = *remote;
    sas_follow(sc, &old, false);
    CTR_INC(ifp->st, gif, remote_restored);
    LOGI("%s: %s: remote end %s -> %s (restored from the state directory)", ifp->st->name, ifp->name,
         addr_str(&old, a, sizeof a), addr_str(remote, b, sizeof b));
    return 0;
}
