/* `sixctl dstm napt`: the DTI client's NAPT44 table (lw4o6 with a port
 * set, src/dstm/napt44.h): the binding's address, the set's size, the
 * mappings (protocol, inside address:port, outside port, state, seconds
 * left). -j: one JSON object. */
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include "core/clock.h"
#include "ctl/cmd_dstm.h"
#include "dstm/dti.h"
#include "dstm/napt44.h"
#include "net/stack.h"

struct show { struct cmd_ctx *c; uint64_t now; int n; };

static const char *proto_name(uint8_t p) { return p == IPPROTO_TCP ? "tcp" : p == IPPROTO_UDP ? "udp" : "icmp"; }

static void show_one(void *arg, const struct napt44_mapping *m)
{
    struct show *s = arg;
    char in[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &m->in_addr, in, sizeof in);
    uint64_t left = m->expires > s->now ? (m->expires - s->now) / NS_PER_SEC : 0;
    if (s->c->json)
        cmd_printf(s->c->out, "%s{\"proto\":\"%s\",\"inside\":\"%s\",\"inside_port\":%u,\"outside_port\":%u,"
                   "\"state\":\"%s\",\"expires_in\":%llu}", s->n ? "," : "", proto_name(m->proto), in,
                   m->in_port, m->out_port, m->state, (unsigned long long)left);
    else
        cmd_printf(s->c->out, "%-4s %s:%u -> :%u %s %llus\n", proto_name(m->proto), in, m->in_port, m->out_port,
                   m->state, (unsigned long long)left);
    s->n++;
}

int cmd_dstm_napt(struct cmd_ctx *c, int argc, char **argv)
{
    if (argc > 2 || (argc == 2 && strcmp(argv[1], "show")))
        return cmd_usage(c, "usage: dstm napt [show]");
    const struct napt44 *n = dti_napt44(c->st);
    if (!n) {
        cmd_printf(c->out, c->json ? "{\"active\":false}\n" : "no NAPT44 (no DTI binding with a port set)\n");
        return 0;
    }
    struct napt44_stats st;
    napt44_stats(n, &st);
    struct show s = { .c = c, .now = six_now(c->st) };
    if (c->json)
        cmd_printf(c->out, "{\"active\":true,\"ports\":%u,\"max\":%u,\"mappings\":%u,\"created\":%llu,"
                   "\"expired\":%llu,\"table\":[", st.ports, st.max, st.mappings,
                   (unsigned long long)st.created, (unsigned long long)st.expired);
    else
        cmd_printf(c->out, "NAPT44: %u mappings (max %u), %u ports in the set, %llu created, %llu expired\n",
                   st.mappings, st.max, st.ports, (unsigned long long)st.created, (unsigned long long)st.expired);
    napt44_foreach(n, show_one, &s);
    if (c->json)
        cmd_printf(c->out, "]}\n");
    return 0;
}
