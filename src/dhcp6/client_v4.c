/* The DHCPv6 client's IPv4 IA for the DTI (see client.h, dstm/dti.h).
 *
 * Two encodings of one fact, "this host may use IPv4 address A (port set
 * P) through TEP T until E":
 *   DRAFT  draft-ietf-ngtrans-dstm §7.1: the IPv4 Global Address Extension
 *          (a configured code; body empty, or the TEP in the server's copy)
 *          right before an IA_NA of the DTI's own IAID whose IAADDR is the
 *          IPv4-mapped address. The IA has its own lifetimes.
 *   LW4O6  RFC 7598: S46_CONT_LW { S46_V4V6BIND (address, bind prefix,
 *          S46_PORTPARAMS), S46_BR } asked in the ORO; it lives as long as
 *          the IPv6 IA_NA it came with. The B4's IPv6 address follows from
 *          the bind prefix (RFC 7596 §5.1): a /128 is the address itself;
 *          a prefix of /64 or shorter gets the interface identifier of RFC
 *          7597 §6 (16 zero bits, the IPv4 address, the PSID) in its first
 *          /64; other lengths are refused.
 * What a Reply names is checked before the DTI hears of it: the IPv4
 * address must be unicast (not 0/8, 127/8, multicast, 240/4, broadcast:
 * dhcp6c.drop_v4_addr), the TEP / BR a global unicast IPv6 address
 * (dhcp6c.drop_v4_tep), the bind prefix and port set usable
 * (dhcp6c.drop_v4_bind). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include "dhcp6/client.h"
#include "dhcp6/dhcp6.h"
#include "dhcp6/lease.h"
#include "net/ip6_var.h"
#include "net/stack.h"
#include "wire/ip4.h"

static struct d6c_if *v4_if(struct six_stack *st, const char *ifname)
{
    struct d6_client *cli = d6c_get(st);
    for (int i = 0; cli && i < D6C_MAX_IFS; i++)
        if (cli->ifs[i].in_use && !strcmp(cli->ifs[i].ifname, ifname))
            return &cli->ifs[i];
    return NULL;
}

static void mapped(struct in6_addr *a, struct in_addr v4)
{
    memset(a, 0, sizeof *a);
    a->s6_addr[10] = a->s6_addr[11] = 0xff;
    memcpy(&a->s6_addr[12], &v4, 4);
}

/* A unicast IPv4 address someone may be given. */
static bool v4_addr_ok(struct in_addr a)
{
    uint32_t h = ntohl(a.s_addr);
    return (h >> 24) != 0 && !in4_is_loopback(a) && !in4_is_multicast(a) && (h >> 28) != 0xf;
}

/* A global unicast IPv6 address (a TEP, a BR, a B4 address): none of the
 * special kinds (ULA is accepted: a DSTM domain may well be numbered so). */
static bool v6_global_ok(const struct in6_addr *a)
{
    static const uint8_t zero12[12];
    return !in6_is_unspecified(a) && !in6_is_loopback(a) && !in6_is_multicast(a) && !in6_is_linklocal(a) &&
           !in6_is_v4mapped(a) && memcmp(a->s6_addr, zero12, 12) != 0 &&
           !(a->s6_addr[0] == 0xfe && (a->s6_addr[1] & 0xc0) == 0xc0);   /* fec0::/10 site-local */
}

static void v4_emit(struct d6c_if *c, enum d6c_v4_event ev)
{
    struct d6c_v4 *v = &c->v4;
    if (v->fn)
        v->fn(v->arg, ev, &v->b);
}

static void v4_drop_held(struct d6c_if *c, bool counted_lost)
{
    struct d6c_v4 *v = &c->v4;
    if (!v->held)
        return;
    v->held = false;
    timer_cancel(&v->expire);
    if (counted_lost)
        CTR_INC(c->cli->st, dhcp6c, v4_lost);
    v4_emit(c, D6C_V4_LOST);
}

static void v4_expire_fn(struct timer *t, void *arg)
{
    struct d6c_if *c = arg;
    (void)t;
    six_event(c->cli->st, LOG_INFO, "%s: DHCPv6 IPv4 binding %s expired", c->ifname,
              inet_ntoa(c->v4.b.v4));
    v4_drop_held(c, true);
}

int d6c_v4_attach(struct six_stack *st, const char *ifname, enum d6c_v4_mode mode, uint16_t opt_code,
                  d6c_v4_fn fn, void *arg, char *why, size_t whyn)
{
    struct d6c_if *c = v4_if(st, ifname);
    if (!c) {
        snprintf(why, whyn, "no DHCPv6 client on %s", ifname);
        return -ENOENT;
    }
    if (c->p.info_only || !c->p.ia_na) {
        snprintf(why, whyn, "the DHCPv6 client on %s asks no IA_NA (the tunnel's source)", ifname);
        return -EINVAL;
    }
    if (mode != D6C_V4_DRAFT && mode != D6C_V4_LW4O6) {
        snprintf(why, whyn, "unknown IPv4 mode");
        return -EINVAL;
    }
    struct d6c_v4 *v = &c->v4;
    if (v->mode != D6C_V4_OFF)
        d6c_v4_detach(st, ifname, false);
    memset(v, 0, sizeof *v);
    v->mode = mode;
    v->opt_code = opt_code ? opt_code : DSTM_OPT_CODE_DEFAULT;
    v->iaid = c->iaid ^ 0x44544930u;   /* "DTI0": any value but the IPv6 IA_NA's */
    v->fn = fn;
    v->arg = arg;
    timer_init(&v->expire, v4_expire_fn, c);
    six_event(st, LOG_INFO, "%s: DHCPv6 client carries an IPv4 IA (%s)", ifname,
              mode == D6C_V4_DRAFT ? "draft-ietf-ngtrans-dstm" : "lw4o6");
    return 0;
}

void d6c_v4_detach(struct six_stack *st, const char *ifname, bool release)
{
    struct d6c_if *c = v4_if(st, ifname);
    if (!c || c->v4.mode == D6C_V4_OFF)
        return;
    c->v4.fn = NULL;
    if (release && c->v4.held)
        d6c_v4_release(st, ifname);   /* the IA stays until the Release ended (d6c_v4_released) */
    if (!c->v4.release_only)
        d6c_v4_free(c);
    else
        c->v4.want = false;
}

int d6c_v4_want(struct six_stack *st, const char *ifname)
{
    struct d6c_if *c = v4_if(st, ifname);
    if (!c || c->v4.mode == D6C_V4_OFF)
        return -ENOENT;
    if (c->v4.held)
        return -EALREADY;
    bool was = c->v4.want;
    c->v4.want = true;
    if (c->state == D6C_BOUND)
        d6c_ex_now(c, D6C_RENEW);   /* RFC 9915 §18.2.4: a Renew may carry IAs not bound yet */
    else if (!was && c->state == D6C_IDLE && !c->srv_duid_len)
        d6c_restart(c);
    return 0;
}

int d6c_v4_release(struct six_stack *st, const char *ifname)
{
    struct d6c_if *c = v4_if(st, ifname);
    if (!c || c->v4.mode == D6C_V4_OFF)
        return -ENOENT;
    struct d6c_v4 *v = &c->v4;
    v->want = false;
    if (!v->held)
        return 0;
    bool on_wire = v->mode == D6C_V4_DRAFT && c->state == D6C_BOUND;
    CTR_INC(st, dhcp6c, v4_released);
    six_event(st, LOG_INFO, "%s: DHCPv6 IPv4 binding %s released", c->ifname, inet_ntoa(v->b.v4));
    v4_drop_held(c, false);
    if (on_wire) {   /* v->b still names the address for the Release */
        v->release_only = true;
        d6c_ex_now(c, D6C_RELEASE);
    }
    /* lw4o6: nothing of its own to release (the binding is the IA_NA's);
     * DRAFT in the middle of an exchange: the next Renew carries an empty
     * IA and the server frees the address when its lifetime ends. */
    return 0;
}

bool d6c_v4_oro(const struct d6c_if *c)
{
    return c->v4.mode == D6C_V4_LW4O6 && (c->v4.want || c->v4.held);
}

void d6c_v4_put_ia(struct d6c_if *c, struct dhcp6_builder *b)
{
    const struct d6c_v4 *v = &c->v4;
    struct in6_addr a;
    bool with_addr;
    if (v->mode != D6C_V4_DRAFT)
        return;
    switch (c->state) {
    case D6C_SOLICIT: case D6C_REQUEST: case D6C_RENEW: case D6C_REBIND:
        with_addr = v->held || v->want;
        mapped(&a, v->held ? v->b.v4 : (struct in_addr){ 0 });
        break;
    case D6C_RELEASE:
        if (!v->held && !v->release_only)
            return;
        with_addr = true;
        mapped(&a, v->b.v4);
        break;
    default:
        return;
    }
    dhcp6_put_dstm(b, v->opt_code, NULL);
    dhcp6_begin_ia(b, D6O_IA_NA, v->iaid, 0, 0);
    if (with_addr) {
        dhcp6_begin_iaaddr(b, &a, 0, 0);
        dhcp6_end(b);
    }
    dhcp6_end(b);
}

/* The IPv4 binding a Reply gives, into *nb (+ lifetimes); false if none
 * (or refused, counted). */
struct v4_offer {
    struct dstm_binding b;
    uint8_t b4_plen;
    uint32_t t1, preferred, valid;
    bool gone;                  /* the server ended the held binding (valid 0, NoBinding) */
};

static bool take_draft(struct d6c_if *c, const struct dhcp6_msg *m, struct v4_offer *o)
{
    struct six_stack *st = c->cli->st;
    const struct d6c_v4 *v = &c->v4;
    bool found = false, has_tep = false;
    struct in6_addr tep;
    uint32_t iaid = 0;
    enum wire_reason r = dhcp6_dstm_find(m, v->opt_code, &found, &has_tep, &tep, &iaid);
    if (r != WR_OK) {
        CTR_INC(st, dhcp6c, drop_v4_ext);
        return false;
    }
    if (!found)
        return false;
    if (iaid != v->iaid) {   /* the extension applies to an IA that is not ours */
        CTR_INC(st, dhcp6c, drop_v4_ext);
        return false;
    }
    const struct dhcp6_ia *ia = NULL;
    for (int i = 0; i < m->n_ia && !ia; i++)
        if (m->ia[i].type == D6O_IA_NA && m->ia[i].iaid == iaid)
            ia = &m->ia[i];
    if (!ia)
        return false;
    if (ia->status.present && ia->status.code != D6S_SUCCESS) {
        o->gone = ia->status.code == D6S_NO_BINDING;
        return false;
    }
    for (int k = 0; k < ia->n_item; k++) {
        const struct dhcp6_ia_item *x = &ia->item[k];
        if (x->status.present && x->status.code != D6S_SUCCESS)
            continue;
        struct in_addr a;
        memcpy(&a, &x->addr.s6_addr[12], 4);
        if (!in6_is_v4mapped(&x->addr) || !v4_addr_ok(a)) {
            CTR_INC(st, dhcp6c, drop_v4_addr);
            continue;
        }
        if (x->preferred > x->valid) {
            CTR_INC(st, dhcp6c, drop_bad_lifetime);
            continue;
        }
        if (x->valid == 0) {   /* the server takes it back */
            o->gone |= v->held && a.s_addr == v->b.v4.s_addr;
            continue;
        }
        if (has_tep && !v6_global_ok(&tep)) {
            CTR_INC(st, dhcp6c, drop_v4_tep);
            return false;
        }
        o->b.v4 = a;
        o->b.tep = has_tep ? tep : in6addr_any;
        o->b.v6 = c->n_na ? c->na[0].addr : in6addr_any;
        o->b4_plen = 128;
        o->preferred = x->preferred;
        o->valid = x->valid;
        o->t1 = ia->t1 && ia->t1 <= ia->t2 ? ia->t1 : 0;
        return true;
    }
    return false;
}

/* RFC 7596 §5.1 / RFC 7597 §6: the B4 address from the bind prefix. */
static bool b4_address(const struct dhcp6_s46 *s, const struct dstm_portset *ps, struct in6_addr *out)
{
    if (s->bind6_len == 128) {
        *out = s->bind6;
        return true;
    }
    if (s->bind6_len > 64)
        return false;
    memset(out, 0, sizeof *out);
    for (unsigned bit = 0; bit < s->bind6_len; bit++)
        if (s->bind6.s6_addr[bit / 8] & (0x80 >> (bit % 8)))
            out->s6_addr[bit / 8] |= (uint8_t)(0x80 >> (bit % 8));
    memcpy(&out->s6_addr[10], &s->bind4, 4);
    out->s6_addr[14] = (uint8_t)(ps->psid >> 8);
    out->s6_addr[15] = (uint8_t)ps->psid;
    return true;
}

static bool take_lw4o6(struct d6c_if *c, const struct dhcp6_msg *m, struct v4_offer *o)
{
    struct six_stack *st = c->cli->st;
    const struct dhcp6_s46 *s = &m->s46;
    if (s->type != D6O_S46_CONT_LW || !s->has_bind || !c->n_na)
        return false;
    if (!v4_addr_ok(s->bind4)) {
        CTR_INC(st, dhcp6c, drop_v4_addr);
        return false;
    }
    if (s->n_br < 1 || !v6_global_ok(&s->br[0])) {
        CTR_INC(st, dhcp6c, drop_v4_tep);
        return false;
    }
    /* RFC 7598 §4.5: the PSID is left-aligned in its 16 bits, zero-padded */
    struct dstm_portset ps = { 0 };
    bool pad_ok = true;
    if (s->bind_pp.present && s->bind_pp.psid_len <= 16) {
        unsigned k = s->bind_pp.psid_len, raw = s->bind_pp.psid;
        ps = (struct dstm_portset){ .offset = s->bind_pp.offset, .psid_len = (uint8_t)k,
                                    .psid = (uint16_t)(k ? raw >> (16 - k) : 0) };
        pad_ok = k == 16 || (raw & ((1u << (16 - k)) - 1)) == 0;
    } else if (s->bind_pp.present) {
        pad_ok = false;
    }
    if (!pad_ok || !dstm_portset_valid(&ps) || !b4_address(s, &ps, &o->b.v6) || !v6_global_ok(&o->b.v6)) {
        CTR_INC(st, dhcp6c, drop_v4_bind);
        return false;
    }
    o->b.v4 = s->bind4;
    o->b.ps = ps;
    o->b.tep = s->br[0];
    o->b4_plen = s->bind6_len;
    o->preferred = c->na[0].preferred;   /* aiih.h: its lifetime is the IA_NA's */
    o->valid = c->na[0].valid;
    o->t1 = 0;
    return true;
}

static bool same_binding(const struct dstm_binding *a, const struct dstm_binding *b)
{
    return a->v4.s_addr == b->v4.s_addr && !memcmp(&a->ps, &b->ps, sizeof a->ps) && in6_eq(&a->v6, &b->v6) &&
           in6_eq(&a->tep, &b->tep);
}

void d6c_v4_reply(struct d6c_if *c, const struct dhcp6_msg *m)
{
    struct six_stack *st = c->cli->st;
    struct d6c_v4 *v = &c->v4;
    struct v4_offer o;
    memset(&o, 0, sizeof o);
    if (v->mode == D6C_V4_OFF || (!v->want && !v->held && v->mode == D6C_V4_LW4O6))
        return;
    bool got = v->mode == D6C_V4_DRAFT ? take_draft(c, m, &o) : take_lw4o6(c, m, &o);
    if (!got) {
        if (o.gone)
            v4_drop_held(c, true);
        return;
    }
    uint64_t now = six_now(st);
    o.b.expires = o.valid == UINT32_MAX ? INT64_MAX : lease_wall_now(st) + o.valid;
    bool extended = v->held && same_binding(&v->b, &o.b);
    if (v->held && !extended)
        v4_drop_held(c, true);   /* a different binding replaces the old one */
    v->b = o.b;
    v->b4_plen = o.b4_plen;
    v->preferred = o.preferred;
    v->valid = o.valid;
    v->got_ns = now;
    v->held = true;
    v->want = false;
    /* the whole lease renews at the smallest T1: the IPv4 IA's counts too */
    uint32_t t1 = o.t1 ? o.t1 : (o.preferred ? o.preferred : o.valid) / 2;
    if (o.valid != UINT32_MAX) {
        if (t1 < 1) t1 = 1;
        uint32_t t2 = (uint32_t)((uint64_t)t1 * 8 / 5);
        if (t1 < c->t1) c->t1 = t1;
        if (t2 < c->t2) c->t2 = t2 > c->t1 ? t2 : c->t1;
        timer_arm_at(st->tw, &v->expire, now + (uint64_t)o.valid * NS_PER_SEC);
    } else {
        timer_cancel(&v->expire);
    }
    char tep[INET6_ADDRSTRLEN];
    inet_ntop(AF_INET6, &v->b.tep, tep, sizeof tep);
    if (extended) {
        CTR_INC(st, dhcp6c, v4_extended);
        v4_emit(c, D6C_V4_EXTENDED);
    } else {
        CTR_INC(st, dhcp6c, v4_bound);
        six_event(st, LOG_INFO, "%s: DHCPv6 IPv4 binding %s (port set %u/%u offset %u), TEP %s, valid %us",
                  c->ifname, inet_ntoa(v->b.v4), v->b.ps.psid, v->b.ps.psid_len, v->b.ps.offset, tep, v->valid);
        v4_emit(c, D6C_V4_BOUND);
    }
}

void d6c_v4_released(struct d6c_if *c)
{
    c->v4.release_only = false;
    if (!c->v4.fn)   /* detached meanwhile: nothing waits for the IA any more */
        d6c_v4_free(c);
}

void d6c_v4_lost(struct d6c_if *c)
{
    if (c->v4.mode != D6C_V4_OFF)
        v4_drop_held(c, true);
}

void d6c_v4_free(struct d6c_if *c)
{
    struct d6c_v4 *v = &c->v4;
    if (v->mode == D6C_V4_OFF)
        return;
    timer_cancel(&v->expire);
    if (v->held && v->fn) {
        v->held = false;
        v->fn(v->arg, D6C_V4_LOST, &v->b);
    }
    memset(v, 0, sizeof *v);
}
