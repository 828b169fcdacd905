/* Grouping of outgoing UDP datagrams for UDP GSO (UDP_SEGMENT, Linux
 * >= 4.18): one sendmsg hands the kernel several datagrams of one flow as
 * one buffer and a segment size; it cuts them apart again, so the per-
 * message cost of the kernel's send path (issue 5's biggest) is paid once
 * per group.  Pure: no sockets here, link/hostip.c does the sending. */
#ifndef SIX_LINK_UDPGSO_H
#define SIX_LINK_UDPGSO_H
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

/* UDP_MAX_SEGMENTS is 64 in the kernels that introduced GSO (128 later) */
#define UDPGSO_MAX_SEGS 64u
/* payload bytes of one message: under 64 KiB with the headers, with margin */
#define UDPGSO_MAX_BYTES 65000u

/* what must match for datagrams to share one message, and their payload size */
struct udpgso_dgram {
    struct in_addr src, dst;            /* src: the one the stack chose (IP_PKTINFO follows from it) */
    uint16_t dport;
    uint8_t tos;
    size_t len;                         /* UDP payload */
};

/* How many of v[0..n) (n >= 1) go into one message: the longest prefix of
 * one flow where every payload has v[0]'s size but the last, which may be
 * shorter (the kernel cuts the buffer every v[0].len bytes), at most
 * UDPGSO_MAX_SEGS datagrams and UDPGSO_MAX_BYTES bytes.  1 when nothing
 * can join (an empty payload cannot be a segment size). */
unsigned udpgso_run(const struct udpgso_dgram *v, unsigned n);

#endif
