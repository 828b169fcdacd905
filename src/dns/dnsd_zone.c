/* The host table of the authoritative server: names (with their AAAA) and
 * the empty non-terminals between a host and its zone, found by name
 * (ASCII case folded) and hosts by IPv6 address (PTR in ip6.arpa, and the
 * name of the holder of an IPv4 address in in-addr.arpa).
 *
 * Caps: DNSD_MAX_HOSTS hosts (more refused); nodes live in one array grown
 * by doubling (control plane), freed slots reused; two chained hash tables
 * of DNSD_HASH_BUCKETS heads. Only the operator adds names, so chains are
 * as long as the configuration makes them, whatever queries arrive. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "dns/dnsd_int.h"
#include "net/stack.h"

static inline uint8_t fold(uint8_t c)
{
    return c >= 'A' && c <= 'Z' ? (uint8_t)(c + 32) : c;
}

static uint32_t hash_name(const struct dnsd *s, const uint8_t *n, size_t len)
{
    uint64_t h = 1469598103934665603ull ^ s->salt;
    for (size_t i = 0; i < len; i++)
        h = (h ^ fold(n[i])) * 1099511628211ull;
    return (uint32_t)(h ^ h >> 32) & (DNSD_HASH_BUCKETS - 1);
}

static uint32_t hash_v6(const struct dnsd *s, const struct in6_addr *a)
{
    uint64_t h = 1469598103934665603ull ^ s->salt;
    for (size_t i = 0; i < 16; i++)
        h = (h ^ a->s6_addr[i]) * 1099511628211ull;
    return (uint32_t)(h ^ h >> 32) & (DNSD_HASH_BUCKETS - 1);
}

int dnsd_hosts_init(struct dnsd *s)
{
    s->by_name = malloc(DNSD_HASH_BUCKETS * sizeof *s->by_name);
    s->by_v6 = malloc(DNSD_HASH_BUCKETS * sizeof *s->by_v6);
    if (!s->by_name || !s->by_v6)
        return -ENOMEM;
    memset(s->by_name, 0xff, DNSD_HASH_BUCKETS * sizeof *s->by_name);
    memset(s->by_v6, 0xff, DNSD_HASH_BUCKETS * sizeof *s->by_v6);
    s->free_head = DNSD_NO_HOST;
    six_random_bytes(s->st, &s->salt, sizeof s->salt);
    return 0;
}

void dnsd_hosts_free(struct dnsd *s)
{
    free(s->nodes);
    free(s->by_name);
    free(s->by_v6);
    s->nodes = NULL;
    s->by_name = s->by_v6 = NULL;
}

bool dnsd_name_under(const uint8_t *name, size_t len, const uint8_t *apex, size_t apex_len)
{
    /* walk name's label boundaries; the suffix of apex_len octets must
     * start at one and be equal, case folded */
    size_t off = 0;
    while (off < len) {
        if (len - off == apex_len)
            return dns_name_equal(name + off, len - off, apex, apex_len);
        if (len - off < apex_len || !name[off])
            return false;
        off += 1u + name[off];
    }
    return false;
}

int dnsd_zone_of(const struct dnsd *s, const uint8_t *name, size_t len)
{
    int best = -1;
    for (unsigned i = 0; i < s->n_zones; i++)
        if (dnsd_name_under(name, len, s->zones[i].apex, s->zones[i].apex_len) &&
            (best < 0 || s->zones[i].apex_len > s->zones[best].apex_len))
            best = (int)i;
    return best;
}

uint32_t dnsd_node_by_name(const struct dnsd *s, const uint8_t *name, size_t len)
{
    if (!s->by_name)
        return DNSD_NO_HOST;
    for (uint32_t i = s->by_name[hash_name(s, name, len)]; i != DNSD_NO_HOST; i = s->nodes[i].next_name)
        if (dns_name_equal(s->nodes[i].name, s->nodes[i].name_len, name, len))
            return i;
    return DNSD_NO_HOST;
}

uint32_t dnsd_host_by_v6(const struct dnsd *s, const struct in6_addr *v6)
{
    if (!s->by_v6)
        return DNSD_NO_HOST;
    for (uint32_t i = s->by_v6[hash_v6(s, v6)]; i != DNSD_NO_HOST; i = s->nodes[i].next_v6)
        if (!memcmp(&s->nodes[i].v6, v6, sizeof *v6))
            return i;
    return DNSD_NO_HOST;
}

/* ------------------------------------------------------------ nodes */

static uint32_t node_alloc(struct dnsd *s)
{
    if (s->free_head != DNSD_NO_HOST) {
        uint32_t i = s->free_head;
        s->free_head = s->nodes[i].next_free;
        return i;
    }
    if (s->n_nodes == s->cap_nodes) {
        /* every host brings at most a few ENTs: the array never needs to
         * pass this (a zone of 4 labels below the root-most apex is rare) */
        if (s->cap_nodes >= 4u * DNSD_MAX_HOSTS)
            return DNSD_NO_HOST;
        uint32_t nc = s->cap_nodes ? s->cap_nodes * 2 : 64;
        struct dnsd_node *n = realloc(s->nodes, nc * sizeof *n);
        if (!n)
            return DNSD_NO_HOST;
        s->nodes = n;
        s->cap_nodes = nc;
    }
    return s->n_nodes++;
}

static void name_link(struct dnsd *s, uint32_t i)
{
    uint32_t h = hash_name(s, s->nodes[i].name, s->nodes[i].name_len);
    s->nodes[i].next_name = s->by_name[h];
    s->by_name[h] = i;
}

static void name_unlink(struct dnsd *s, uint32_t i)
{
    uint32_t *pp = &s->by_name[hash_name(s, s->nodes[i].name, s->nodes[i].name_len)];
    while (*pp != i)
        pp = &s->nodes[*pp].next_name;
    *pp = s->nodes[i].next_name;
}

static void v6_link(struct dnsd *s, uint32_t i)
{
    uint32_t h = hash_v6(s, &s->nodes[i].v6);
    s->nodes[i].next_v6 = s->by_v6[h];
    s->by_v6[h] = i;
}

static void v6_unlink(struct dnsd *s, uint32_t i)
{
    uint32_t *pp = &s->by_v6[hash_v6(s, &s->nodes[i].v6)];
    while (*pp != i)
        pp = &s->nodes[*pp].next_v6;
    *pp = s->nodes[i].next_v6;
}

static void node_release(struct dnsd *s, uint32_t i)
{
    name_unlink(s, i);
    s->nodes[i].used = false;
    s->nodes[i].next_free = s->free_head;
    s->free_head = i;
}

static uint32_t node_new(struct dnsd *s, const uint8_t *name, size_t len)
{
    uint32_t i = node_alloc(s);
    if (i == DNSD_NO_HOST)
        return i;
    struct dnsd_node *n = &s->nodes[i];
    memset(n, 0, sizeof *n);
    memcpy(n->name, name, len);
    n->name_len = (uint8_t)len;
    n->used = true;
    name_link(s, i);
    return i;
}

/* The ancestors of name strictly between it and its zone's apex (the
 * empty non-terminals it makes), up to the one at offset stop (0: all):
 * delta +1 on add, -1 on removal. */
static int ents_adjust(struct dnsd *s, const uint8_t *name, size_t len, size_t apex_len, int delta, size_t stop)
{
    for (size_t off = 1u + name[0]; len - off > apex_len && off != stop; off += 1u + name[off]) {
        uint32_t i = dnsd_node_by_name(s, name + off, len - off);
        if (delta > 0) {
            if (i == DNSD_NO_HOST && (i = node_new(s, name + off, len - off)) == DNSD_NO_HOST) {
                ents_adjust(s, name, len, apex_len, -1, off);   /* take back what this call added */
                return -ENOMEM;
            }
            s->nodes[i].ent_refs++;
        } else if (i != DNSD_NO_HOST) {
            s->nodes[i].ent_refs--;
            if (!s->nodes[i].ent_refs && !s->nodes[i].host)
                node_release(s, i);
        }
    }
    return 0;
}

static void host_remove(struct dnsd *s, uint32_t i)
{
    struct dnsd_node *n = &s->nodes[i];
    uint8_t name[DNS_MAX_NAME];
    size_t len = n->name_len, apex = n->apex_len;
    memcpy(name, n->name, len);
    v6_unlink(s, i);
    n->host = false;
    s->hosts--;
    if (!n->ent_refs)
        node_release(s, i);
    if (apex < len)
        ents_adjust(s, name, len, apex, -1, 0);
}

/* ------------------------------------------------------------ API */

int dnsd_host_add(struct six_stack *st, const char *text, const struct in6_addr *v6, char *why, size_t whyn)
{
    struct dnsd *s = dnsd_get(st);
    uint8_t name[DNS_MAX_NAME];
    size_t len;
    if (!s) {
        snprintf(why, whyn, "no DNS zone configured");
        return -ESRCH;
    }
    enum dns_reason r = dns_name_from_text(text, name, &len);
    if (r != DNS_OK) {
        snprintf(why, whyn, "bad name '%s': %s", text, dns_reason_str(r));
        return -EINVAL;
    }
    int z = dnsd_zone_of(s, name, len);
    if (z < 0) {
        snprintf(why, whyn, "'%s' is not inside a served zone", text);
        return -EINVAL;
    }
    uint32_t other = dnsd_host_by_v6(s, v6);
    uint32_t i = dnsd_node_by_name(s, name, len);
    if (other != DNSD_NO_HOST && other != i) {
        char on[DNS_TEXT_MAX];
        dns_name_to_text(s->nodes[other].name, s->nodes[other].name_len, on, sizeof on);
        snprintf(why, whyn, "address already named %s", on);
        return -EEXIST;
    }
    if (i != DNSD_NO_HOST && s->nodes[i].host) {
        if (!memcmp(&s->nodes[i].v6, v6, sizeof *v6))
            return 0;
        v6_unlink(s, i);   /* the name moves to a new address */
        s->nodes[i].v6 = *v6;
        v6_link(s, i);
        dnsd_changed(s);
        return 0;
    }
    if (s->hosts >= DNSD_MAX_HOSTS) {
        snprintf(why, whyn, "host table full (%u)", DNSD_MAX_HOSTS);
        return -ENOSPC;
    }
    if (i == DNSD_NO_HOST && (i = node_new(s, name, len)) == DNSD_NO_HOST) {
        snprintf(why, whyn, "out of memory");
        return -ENOMEM;
    }
    struct dnsd_node *n = &s->nodes[i];
    n->host = true;
    n->v6 = *v6;
    v6_link(s, i);
    s->hosts++;
    n->apex_len = (uint8_t)s->zones[z].apex_len;
    if (n->apex_len < len && ents_adjust(s, name, len, n->apex_len, +1, 0) < 0) {
        n->apex_len = (uint8_t)len;   /* no ENT of its own to take back */
        host_remove(s, i);
        snprintf(why, whyn, "out of memory");
        return -ENOMEM;
    }
    dnsd_changed(s);
    return 0;
}

int dnsd_host_del(struct six_stack *st, const char *text)
{
    struct dnsd *s = dnsd_get(st);
    uint8_t name[DNS_MAX_NAME];
    size_t len;
    if (!s || dns_name_from_text(text, name, &len) != DNS_OK)
        return -ESRCH;
    uint32_t i = dnsd_node_by_name(s, name, len);
    if (i == DNSD_NO_HOST || !s->nodes[i].host)
        return -ESRCH;
    host_remove(s, i);
    dnsd_changed(s);
    return 0;
}

bool dnsd_host_name(struct six_stack *st, const struct in6_addr *v6, char *name, size_t n)
{
    struct dnsd *s = dnsd_get(st);
    uint32_t i = s ? dnsd_host_by_v6(s, v6) : DNSD_NO_HOST;
    if (i == DNSD_NO_HOST || n == 0)
        return false;
    return dns_name_to_text(s->nodes[i].name, s->nodes[i].name_len, name, n) >= 0;
}
