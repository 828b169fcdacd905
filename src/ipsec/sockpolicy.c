/* Per-socket IPsec policy (KAME's IPV6_IPSEC_POLICY / IP_IPSEC_POLICY):
 * parsing, printing and copying.  The packet paths that use it are
 * ipsec_output_sp (ipsec_output.c) and ipsec_in_check_sp (ipsec_input.c).
 *
 * A string in ipsec_set_policy(3) form is the policy part of a setkey(8)
 * spdadd ("-P" onwards), so it is parsed by setkey.c itself: the string is
 * wrapped into "spdadd ::/0 ::/0 any -P <string> ;" after refusing every
 * byte that could end or comment out that statement, and the one command
 * that comes back is checked for what a socket may not ask (fwd, prio).
 * A sadb_x_policy blob (what ipsec_set_policy() really returns) is put
 * behind a PF_KEY header and parsed by wire/pfkey.c. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include "ipsec/ipsec.h"
#include "ipsec/setkey.h"
#include "wire/ip6.h"
#include "wire/pfkey.h"

#define WRAP_HEAD "spdadd ::/0 ::/0 any -P "
#define WRAP_TAIL " ;"

static void to_mapped(const struct setkey_addr *a, struct in6_addr *out)
{
    memset(out, 0, sizeof *out);
    if (a->family == AF_INET) {
        out->s6_addr[10] = out->s6_addr[11] = 0xff;
        memcpy(&out->s6_addr[12], &a->u.v4, 4);
    } else if (a->family == AF_INET6) {
        *out = a->u.v6;
    }
}

/* Printable ASCII without what would end the wrapped statement early (';'),
 * hide the rest of it ('#') or open a quoted string. */
static bool string_ok(const char *s, size_t n)
{
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++)
        if (s[i] < 0x20 || s[i] > 0x7e || s[i] == ';' || s[i] == '#' || s[i] == '"')
            return false;
    return true;
}

static int from_setkey(const struct setkey_spd *s, struct ipsec_sp *sp)
{
    if ((s->dir != IPSEC_DIR_IN && s->dir != IPSEC_DIR_OUT) || s->has_priority || s->nreq > IPSEC_MAX_REQS)
        return -EINVAL;   /* a socket has no fwd traffic, and its policy is consulted before any SPD priority */
    sp->dir = (uint8_t)s->dir;
    sp->action = (uint8_t)s->action;
    sp->nreq = s->nreq;
    for (unsigned i = 0; i < s->nreq; i++) {
        const struct setkey_req *r = &s->req[i];
        sp->req[i].proto = (uint8_t)r->proto;
        sp->req[i].mode = (uint8_t)r->mode;
        sp->req[i].level = (uint8_t)r->level;
        sp->req[i].reqid = r->reqid;
        to_mapped(&r->tsrc, &sp->req[i].tsrc);
        to_mapped(&r->tdst, &sp->req[i].tdst);
    }
    return 0;
}

static int parse_string(const char *s, size_t n, struct ipsec_sp *sp)
{
    char text[sizeof WRAP_HEAD + IPSEC_SOCKPOL_MAX + sizeof WRAP_TAIL];
    struct setkey_cmds cmds;
    if (!string_ok(s, n) || n > IPSEC_SOCKPOL_MAX)
        return -EINVAL;
    int len = snprintf(text, sizeof text, "%s%.*s%s", WRAP_HEAD, (int)n, s, WRAP_TAIL);
    if (setkey_parse(text, (size_t)len, &cmds, NULL) < 0)
        return -EINVAL;
    int rc = cmds.n == 1 && cmds.v[0].op == SETKEY_SPDADD ? from_setkey(&cmds.v[0].spd, sp) : -EINVAL;
    setkey_cmds_free(&cmds);
    return rc;
}

static void sockaddr_mapped(const union pfkey_sockaddr *a, struct in6_addr *out)
{
    memset(out, 0, sizeof *out);
    if (a->sa.sa_family == AF_INET) {
        out->s6_addr[10] = out->s6_addr[11] = 0xff;
        memcpy(&out->s6_addr[12], &a->sin.sin_addr, 4);
    } else {
        *out = a->sin6.sin6_addr;
    }
}

static int from_pfkey(const struct pfkey_policy *pol, struct ipsec_sp *sp)
{
    if ((pol->dir != IPSEC_DIR_IN && pol->dir != IPSEC_DIR_OUT) || pol->nreq > IPSEC_MAX_REQS)
        return -EINVAL;
    sp->dir = pol->dir;
    sp->action = (uint8_t)pol->type;   /* KAME's IPSEC_POLICY_* are enum ipsec_action */
    sp->nreq = (unsigned)pol->nreq;
    for (size_t i = 0; i < pol->nreq; i++) {
        const struct pfkey_ipsecreq *r = &pol->req[i];
        if (r->proto != IPSEC_PROTO_ESP && r->proto != IPSEC_PROTO_AH)
            return -EINVAL;   /* IPComp */
        sp->req[i].proto = (uint8_t)r->proto;
        sp->req[i].mode = r->mode;
        sp->req[i].level = r->level;
        sp->req[i].reqid = r->reqid;
        if (r->mode == IPSEC_MODE_TUNNEL) {
            sockaddr_mapped(&r->src, &sp->req[i].tsrc);
            sockaddr_mapped(&r->dst, &sp->req[i].tdst);
        }
    }
    return 0;
}

/* A sadb_x_policy extension: its own length (8-byte units) says how long
 * it is, and it must be all of val. */
static bool is_blob(const uint8_t *b, size_t n)
{
    uint16_t units, type;
    if (n < 16)
        return false;
    memcpy(&units, b, 2);
    memcpy(&type, b + 2, 2);
    return type == SADB_X_EXT_POLICY && (size_t)units * 8 == n;
}

static int parse_blob(const uint8_t *b, size_t n, struct ipsec_sp *sp)
{
    uint8_t msg[PFKEY_MSG_LEN + IPSEC_SOCKPOL_MAX];
    struct pfkey_msg m;
    if (n > IPSEC_SOCKPOL_MAX)
        return -EINVAL;
    uint16_t units = (uint16_t)((PFKEY_MSG_LEN + n) / 8);
    memset(msg, 0, PFKEY_MSG_LEN);
    msg[0] = PF_KEY_V2;
    msg[1] = SADB_X_SPDADD;
    memcpy(msg + 4, &units, 2);
    memcpy(msg + PFKEY_MSG_LEN, b, n);
    if (pfkey_parse(msg, PFKEY_MSG_LEN + n, &m) != WR_OK || !m.ext[SADB_X_EXT_POLICY])
        return -EINVAL;
    return from_pfkey(&m.policy, sp);
}

static void entrust(struct ipsec_sp *sp, uint8_t dir)
{
    memset(sp, 0, sizeof *sp);
    sp->dir = dir;
    sp->action = IPSEC_ACT_ENTRUST;
}

/* A string may come with its NUL (strlen + 1, as programs often pass). */
static int parse_any(const void *val, size_t len, struct ipsec_sp *sp)
{
    if (!val || len == 0)
        return -EINVAL;
    memset(sp, 0, sizeof *sp);
    if (is_blob(val, len))
        return parse_blob(val, len, sp);
    const char *nul = memchr(val, '\0', len);
    if (nul && nul != (const char *)val + len - 1)
        return -EINVAL;
    return parse_string(val, nul ? len - 1 : len, sp);
}

int ipsec_sockpol_set(struct ipsec_sockpol **pp, const void *val, size_t len)
{
    struct ipsec_sp sp;
    int rc = parse_any(val, len, &sp);
    if (rc)
        return rc;
    if (!*pp && sp.action == IPSEC_ACT_ENTRUST)
        return 0;   /* already the default */
    if (!*pp) {
        if (!(*pp = malloc(sizeof **pp)))
            return -ENOMEM;
        entrust(&(*pp)->in, IPSEC_DIR_IN);
        entrust(&(*pp)->out, IPSEC_DIR_OUT);
    }
    *(sp.dir == IPSEC_DIR_IN ? &(*pp)->in : &(*pp)->out) = sp;
    if ((*pp)->in.action == IPSEC_ACT_ENTRUST && (*pp)->out.action == IPSEC_ACT_ENTRUST) {
        free(*pp);   /* entrust both ways: the packet paths test one pointer again */
        *pp = NULL;
    }
    return 0;
}

static const char *addr_str(const struct in6_addr *a, char *buf, size_t n)
{
    if (in6_is_v4mapped(a))
        return inet_ntop(AF_INET, &a->s6_addr[12], buf, (socklen_t)n);
    return inet_ntop(AF_INET6, a, buf, (socklen_t)n);
}

/* " esp/tunnel/a-b/unique:7" — what setkey reads back */
static int req_format(const struct ipsec_req *r, char *buf, size_t n)
{
    static const char *const levels[] = { "default", "use", "require", "unique" };
    char ts[INET6_ADDRSTRLEN] = "", td[INET6_ADDRSTRLEN] = "", id[16] = "";
    bool tunnel = r->mode == IPSEC_MODE_TUNNEL;
    if (tunnel) {
        addr_str(&r->tsrc, ts, sizeof ts);
        addr_str(&r->tdst, td, sizeof td);
    }
    if (r->level == IPSEC_LEVEL_UNIQUE && r->reqid)
        snprintf(id, sizeof id, ":%u", r->reqid);
    return snprintf(buf, n, " %s/%s/%s%s%s/%s%s", r->proto == IPSEC_PROTO_AH ? "ah" : "esp",
                    ipsec_mode_name(r->mode), ts, tunnel ? "-" : "", td, r->level < 4 ? levels[r->level] : "?", id);
}

int ipsec_sockpol_format(const struct ipsec_sockpol *sp, uint8_t dir, char *buf, size_t n)
{
    static const char *const acts[] = { "discard", "none", "ipsec", "entrust", "bypass" };
    const struct ipsec_sp *p = !sp ? NULL : dir == IPSEC_DIR_IN ? &sp->in : &sp->out;
    uint8_t act = p ? p->action : IPSEC_ACT_ENTRUST;
    char tmp[IPSEC_SOCKPOL_MAX];
    int used = snprintf(tmp, sizeof tmp, "%s %s", ipsec_dir_name(dir), act < 5 ? acts[act] : "?");
    for (unsigned i = 0; p && act == IPSEC_ACT_IPSEC && i < p->nreq && used < (int)sizeof tmp; i++)
        used += req_format(&p->req[i], tmp + used, sizeof tmp - (size_t)used);
    return snprintf(buf, n, "%s", tmp);
}

int ipsec_sockpol_dup(const struct ipsec_sockpol *src, struct ipsec_sockpol **out)
{
    *out = NULL;
    if (!src)
        return 0;
    if (!(*out = malloc(sizeof **out)))
        return -ENOMEM;
    **out = *src;   /* deep: the only pointer inside, in/out.next, is unused (NULL) */
    (*out)->in.last_acquire_ns = (*out)->out.last_acquire_ns = 0;
    return 0;
}

void ipsec_sockpol_free(struct ipsec_sockpol *sp)
{
    free(sp);
}
