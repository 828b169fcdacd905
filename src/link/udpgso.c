/* Grouping of outgoing UDP datagrams for UDP GSO (udpgso.h). */
#include <stdbool.h>
#include "link/udpgso.h"

static bool same_flow(const struct udpgso_dgram *a, const struct udpgso_dgram *b)
{
    return a->src.s_addr == b->src.s_addr && a->dst.s_addr == b->dst.s_addr && a->dport == b->dport &&
           a->tos == b->tos;
}

unsigned udpgso_run(const struct udpgso_dgram *v, unsigned n)
{
    size_t seg = v[0].len, total = seg;
    if (seg == 0 || seg > UDPGSO_MAX_BYTES)
        return 1;
    unsigned k = 1;
    while (k < n && k < UDPGSO_MAX_SEGS && same_flow(&v[0], &v[k]) && v[k].len && v[k].len <= seg &&
           total + v[k].len <= UDPGSO_MAX_BYTES) {
        total += v[k].len;
        if (v[k++].len < seg)
            break;                      /* a short one ends the message: the kernel cuts every seg bytes */
    }
    return k;
}
