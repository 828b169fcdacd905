/* Packet buffers: fixed pools, headroom for encapsulation, no malloc per packet.
 *
 * A pkt owns one buffer from its pool. Data lives in buf[off .. off+len).
 * Protocol code prepends headers with pkt_push() into the headroom and strips
 * them with pkt_pull(). Two size classes: "small" buffers hold one link MTU
 * plus headroom; "big" buffers hold a reassembled 64 KiB datagram. */
#ifndef SIX_CORE_PKT_H
#define SIX_CORE_PKT_H
#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>

#define PKT_HEADROOM   256u              /* eth + ip6 + ip4 + esp + udp encap, with room */
#define PKT_SMALL_SIZE 2304u             /* headroom + 2048 bytes */
#define PKT_BIG_SIZE   (65536u + 2u * PKT_HEADROOM)

#define PKT_IPSEC_MAX  2u

struct ifnet;
struct pkt_pool;

enum pkt_flags {
    PKT_F_MCAST   = 1u << 0,   /* arrived as link-layer multicast */
    PKT_F_BCAST   = 1u << 1,   /* arrived as link-layer broadcast */
    PKT_F_REASM   = 1u << 2,   /* rebuilt from fragments */
    PKT_F_FWD     = 1u << 3,   /* being forwarded */
    PKT_F_OTHERHOST = 1u << 4, /* unicast to another link-layer address */
    PKT_F_FRAGMENT = 1u << 5,  /* carried a fragment header (ND must refuse, RFC 6980) */
    PKT_F_IPSEC_TUNNEL = 1u << 6, /* the inner packet of an IPsec tunnel-mode SA */
    PKT_F_IPSEC_IFBOUND = 1u << 7, /* ... of an SA bound to a tunnel interface: the interface is its selector */
    PKT_F_IPSEC_PEER_MOVED = 1u << 8, /* authentic, newest, through a transport SA, but from another outer
                                       * source than the SA's: only a hometun fallback server's NA may use it */
};

struct pkt {
    struct pkt *next;          /* queue / batch link */
    uint8_t *buf;              /* storage start */
    uint32_t cap;              /* storage bytes */
    uint32_t off;              /* data start within buf */
    uint32_t len;              /* data bytes */
    uint32_t flags;
    struct ifnet *rcvif;       /* interface it arrived on, or NULL */
    struct pkt_pool *pool;     /* where it goes back on free */
    uint64_t ts_ns;            /* rx time (stack clock) */
    uint16_t l3off;            /* offset of the network header within buf at input */
    uint8_t  big;              /* from the big class */
    uint16_t ifindex;          /* rcvif's index, kept for sockets (rcvif may go away while queued) */
    uint32_t cb[4];            /* scratch for the layer that holds the packet (a socket: source port) */
    uint8_t ipsec_n;           /* input: how many SAs it came through (src/ipsec) */
    uint8_t encap;             /* gif tunnel headers added (output) or removed (input): bounds nesting */
    uint32_t ipsec_said[PKT_IPSEC_MAX];   /* their ids, outermost first */
};

/* Provenance: what input has proved about where a packet came from — the
 * SAs it came through (ids, outermost first) and the IPsec tunnel flags.
 * Reassembly keeps it with each fragment and keys datagrams on it, so that
 * a datagram carries it only when every fragment had the very same one. */
#define PKT_F_IPSEC_MASK (PKT_F_IPSEC_TUNNEL | PKT_F_IPSEC_IFBOUND | PKT_F_IPSEC_PEER_MOVED)
struct pkt_prov {
    uint32_t flags;                        /* PKT_F_IPSEC_MASK bits */
    uint8_t ipsec_n;
    uint32_t ipsec_said[PKT_IPSEC_MAX];    /* unused slots are 0 */
};
void pkt_prov_get(const struct pkt *p, struct pkt_prov *out);
bool pkt_prov_eq(const struct pkt_prov *a, const struct pkt_prov *b);
/* p (a reassembled datagram) takes pv */
void pkt_prov_set(struct pkt *p, const struct pkt_prov *pv);

static inline uint8_t *pkt_data(const struct pkt *p) { return p->buf + p->off; }
static inline uint32_t pkt_headroom(const struct pkt *p) { return p->off; }
static inline uint32_t pkt_tailroom(const struct pkt *p) { return p->cap - p->off - p->len; }

/* Prepend n bytes; NULL if the headroom is too small. */
uint8_t *pkt_push(struct pkt *p, size_t n);
/* Remove n bytes from the front; NULL if fewer than n bytes. */
uint8_t *pkt_pull(struct pkt *p, size_t n);
/* Append n bytes at the tail; NULL if no tailroom. Returns where they start. */
uint8_t *pkt_put(struct pkt *p, size_t n);
/* Shorten to len bytes (no-op if already shorter). */
void pkt_trim(struct pkt *p, size_t len);

struct pkt_pool_stats {
    uint32_t small_total, small_free, big_total, big_free;
    uint64_t alloc_fail;      /* allocations refused: pool empty */
};

struct pkt_pool *pkt_pool_create(uint32_t n_small, uint32_t n_big);
void pkt_pool_destroy(struct pkt_pool *pp);
/* A buffer able to hold `size` data bytes after PKT_HEADROOM; NULL when empty.
 * off is set to PKT_HEADROOM, len to 0. */
struct pkt *pkt_alloc(struct pkt_pool *pp, size_t size);
void pkt_free(struct pkt *p);
/* Copy data (and metadata) into a new buffer of pool pp with full headroom. */
struct pkt *pkt_copy(struct pkt_pool *pp, const struct pkt *p);
void pkt_pool_get_stats(const struct pkt_pool *pp, struct pkt_pool_stats *s);

/* FIFO of packets */
struct pkt_queue { struct pkt *head, *tail; uint32_t n; };
static inline void pktq_init(struct pkt_queue *q) { q->head = q->tail = NULL; q->n = 0; }
static inline void pktq_push(struct pkt_queue *q, struct pkt *p)
{
    p->next = NULL;
    if (q->tail) q->tail->next = p; else q->head = p;
    q->tail = p;
    q->n++;
}
static inline struct pkt *pktq_pop(struct pkt_queue *q)
{
    struct pkt *p = q->head;
    if (p) { q->head = p->next; if (!q->head) q->tail = NULL; q->n--; p->next = NULL; }
    return p;
}
void pktq_purge(struct pkt_queue *q);   /* free all */

#endif
