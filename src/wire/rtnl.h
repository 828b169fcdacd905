/* rtnetlink (RFC 3549; Linux <linux/rtnetlink.h>): the messages a host
 * link (src/link/hostip.c) reads to follow the host's IPv4 addresses.
 * Parse-only apart from the dump request.  Netlink is host byte order and
 * the kernel is not the only possible sender, so every length is distrusted:
 *
 *  - message header: fewer than 16 bytes left (TRUNCATED); nlmsg_len < 16
 *    (BAD_HDR_LEN) or beyond the datagram (BAD_LENGTH);
 *  - RTM_NEWADDR / RTM_DELADDR: the 8-byte ifaddrmsg (TRUNCATED); each
 *    attribute's rta_len >= 4 and inside the message (BAD_OPT_LEN);
 *    IFA_LOCAL / IFA_ADDRESS of an AF_INET message exactly 4 bytes
 *    (BAD_ADDR_LEN); IFA_FLAGS exactly 4 (BAD_OPT_LEN);
 *  - NLMSG_ERROR: the 4-byte error code (TRUNCATED).
 * Other message types are returned as RTNL_OTHER with their header only. */
#ifndef SIX_WIRE_RTNL_H
#define SIX_WIRE_RTNL_H
#include "wire/wire.h"

#define RTNL_HDRLEN 16u
#define RTNL_LABEL_MAX 16u

enum rtnl_kind { RTNL_OTHER, RTNL_NEWADDR, RTNL_DELADDR, RTNL_DONE, RTNL_ERROR };

struct rtnl_addr {
  uint8_t family, plen, scope;
  uint32_t flags;                 /* ifa_flags, or IFA_FLAGS when present */
  uint32_t ifindex;
  bool has_addr;                  /* AF_INET: IFA_LOCAL, else IFA_ADDRESS */
  struct in_addr addr;
  char label[RTNL_LABEL_MAX];     /* IFA_LABEL, NUL-terminated ("" if none) */
};

struct rtnl_msg {
  enum rtnl_kind kind;
  uint16_t type, flags;
  uint32_t seq, pid;
  int32_t error;                  /* RTNL_ERROR: 0 is an ack, else -errno */
  struct rtnl_addr addr;          /* RTNL_NEWADDR / RTNL_DELADDR */
};

/* The message at *off of a datagram buf[0..len).  On WR_OK fills out and
 * moves *off past the (4-byte aligned) message; on a rejection *off is
 * unchanged: lengths chain the messages, so nothing after a bad one can be
 * trusted and the caller drops the rest of the datagram. */
enum wire_reason rtnl_next(const uint8_t *buf, size_t len, size_t *off, struct rtnl_msg *out);

/* An RTM_GETADDR dump request (NLM_F_REQUEST | NLM_F_DUMP) for family.
 * Returns the bytes written (24), 0 if cap is too small. */
size_t rtnl_getaddr_emit(uint8_t *p, size_t cap, uint32_t seq, uint8_t family);

#endif
