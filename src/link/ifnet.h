/* ifnet: one network interface of a stack, whatever drives it (TAP, TUN,
 * loopback, simulator link). Drivers fill in ops and hand received frames to
 * if_input(); the stack sends with if_output(), which batches per interface
 * and hands batches to ops->xmit. Every frame in and out passes the pcap tap. */
#ifndef SIX_LINK_IFNET_H
#define SIX_LINK_IFNET_H
#include <stdint.h>
#include <stdbool.h>
#include <net/if.h>
#include "core/pkt.h"
#include "wire/wire.h"

struct six_stack;
struct pcap_writer;
struct in6_ifinfo;   /* IPv6 per-interface state (src/net) */
struct in_ifinfo;    /* IPv4 per-interface state (src/net) */

enum if_type {
    IFT_ETHER,   /* Ethernet II frames: TAP, sim Ethernet */
    IFT_RAWIP,   /* raw IP packets, version nibble tells the family: TUN, sim point-to-point */
    IFT_LOOP,    /* loopback */
};

enum if_flags_bits {
    IFF6_UP       = 1u << 0,   /* administratively up */
    IFF6_RUNNING  = 1u << 1,   /* driver ready (carrier) */
    IFF6_MULTICAST= 1u << 2,
    IFF6_NOARP    = 1u << 3,   /* no ND/ARP: raw IP links */
};

#define IF_TXQ_BATCH 32u   /* flush to the driver when this many frames wait */

struct if_ops {
    const char *kind;                                              /* "tap", "tun", "sim", "loop" */
    /* Send n frames; the driver takes ownership of all n (frees them). Returns number sent. */
    unsigned (*xmit)(struct ifnet *ifp, struct pkt **pkts, unsigned n);
    void (*destroy)(struct ifnet *ifp);                            /* release driver state */
};

struct if_stats {
    uint64_t ipackets, ibytes, opackets, obytes, idrops, odrops;
};

struct ifnet {
    char name[IFNAMSIZ];
    unsigned index;                 /* 1.. within the stack */
    enum if_type type;
    uint32_t flags;
    uint32_t mtu;                   /* link MTU (IP packet size) */
    struct eth_addr hwaddr;         /* IFT_ETHER only */
    const struct if_ops *ops;
    void *drv;                      /* driver private */
    struct six_stack *st;
    struct pkt_pool *pool;          /* == st's pool */
    struct pcap_writer *pcap;       /* NULL unless capturing */
    struct pkt_queue txq;           /* batched output, flushed by if_flush() */
    struct if_stats stats;
    struct in6_ifinfo *in6;         /* owned by src/net */
    struct in_ifinfo *in4;
    /* Test / embedding tap: when set, if_input() hands each received frame
     * (after stats, counters and pcap) to this hook instead of net_input();
     * the hook takes ownership. Lets a test or an embedding program see raw
     * frames without the IP layer. */
    void (*input_hook)(struct ifnet *ifp, struct pkt *p);
    void *input_hook_ctx;           /* free for the hook's owner */
};

/* Create an interface on a stack (ops/drv supplied by the driver). Returns NULL
 * with errno set (EEXIST name taken, ENOSPC too many interfaces, ENOMEM). The
 * interface starts down. */
struct ifnet *if_attach(struct six_stack *st, const char *name, enum if_type type,
                        const struct if_ops *ops, void *drv);
/* Remove from the stack, flush state, call ops->destroy. */
void if_detach(struct ifnet *ifp);
struct ifnet *if_find(const struct six_stack *st, const char *name);
struct ifnet *if_byindex(const struct six_stack *st, unsigned index);
int  if_set_up(struct ifnet *ifp, bool up);       /* starts/stops DAD, RS, ... */
int  if_set_mtu(struct ifnet *ifp, uint32_t mtu);
/* Driver reports carrier change (IFF6_RUNNING). */
void if_set_running(struct ifnet *ifp, bool running);

/* Driver → stack: a batch of received frames (ownership passes to the stack). */
void if_input(struct ifnet *ifp, struct pkt **pkts, unsigned n);
/* Stack → driver: queue one frame (ownership passes). Flushed at IF_TXQ_BATCH or by if_flush. */
void if_output(struct ifnet *ifp, struct pkt *p);
void if_flush(struct ifnet *ifp);

/* Capture every frame in and out to a pcap file (LINKTYPE_ETHERNET for
 * IFT_ETHER, LINKTYPE_RAW otherwise), replacing any running capture.
 * Records are flushed to the file on every if_flush(). 0 or -errno. */
int  if_capture_start(struct ifnet *ifp, const char *path);
void if_capture_stop(struct ifnet *ifp);

#endif
