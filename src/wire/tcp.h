/* TCP header and options (RFC 9293; options RFC 7323 WS/TS, RFC 2018
 * SACK).  Validated: len >= 20 (TRUNCATED); 5 <= doff and doff*4 <= len
 * (BAD_TCP_DOFF); checksum over the whole segment (BAD_CKSUM); options:
 * EOL ends the list, NOP, every other option has length >= 2 and fits
 * (BAD_TCP_OPT), MSS len 4, WS len 3 (shift > 14 clamped to 14, RFC 7323
 * §2.3), SACK-permitted len 2, TS len 10, SACK len 2+8n with n = 1..4
 * (all BAD_TCP_OPT otherwise).  Unknown options are skipped; a repeated
 * option overwrites the earlier one.  Reserved header bits are ignored.
 *
 * Pseudo-header: upper_len = len for tcp_parse; for tcp_emit upper_len =
 * tcp_hdr_len(&t->opts) + payload_len. */
#ifndef SIX_WIRE_TCP_H
#define SIX_WIRE_TCP_H
#include "wire/wire.h"

#define TCP_HLEN 20
#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_PSH 0x08
#define TCP_ACK 0x10
#define TCP_URG 0x20
#define TCP_ECE 0x40
#define TCP_CWR 0x80

#define TCPOPT_EOL 0
#define TCPOPT_NOP 1
#define TCPOPT_MSS 2
#define TCPOPT_WS 3
#define TCPOPT_SACK_PERM 4
#define TCPOPT_SACK 5
#define TCPOPT_TS 8
#define TCP_MAX_WS 14

struct tcp_opts {
  bool has_mss, has_ws, sack_ok, has_ts;
  uint16_t mss;
  uint8_t ws;
  uint32_t tsval, tsecr;
  uint8_t n_sack;
  struct { uint32_t left, right; } sack[4];
};
struct tcp_seg {
  uint16_t sport, dport;
  uint32_t seq, ack;
  uint8_t hlen;        /* bytes */
  uint8_t flags;
  uint16_t win, urp;
  struct tcp_opts opts;
  const uint8_t *payload;
  size_t payload_len;
};

enum wire_reason tcp_parse(const uint8_t *p, size_t len, uint32_t pseudo, struct tcp_seg *out);
/* The start of a TCP header quoted in an ICMP error: RFC 792 routers quote
 * only 8 bytes past the IP header, so ports and sequence number are all
 * that may be relied on (RFC 5927 §4.1).  TRUNCATED when len < 8; nothing
 * else is checked (no checksum, no data offset: the rest may be cut). */
struct tcp_quote {
  uint16_t sport, dport;
  uint32_t seq;
};
#define TCP_QUOTE_LEN 8
enum wire_reason tcp_parse_quoted(const uint8_t *p, size_t len, struct tcp_quote *out);
/* Header length tcp_emit will produce for these options (20..60).  SACK
 * blocks that do not fit in the 40 option bytes are dropped (the first
 * ones are kept; the header length reflects that). */
size_t tcp_hdr_len(const struct tcp_opts *o);
/* Writes header + options (Linux layout, NOP-padded to 4) at p, payload
 * already at p + tcp_hdr_len(&t->opts); t->hlen, t->payload are ignored.
 * Computes the checksum over header + payload.  Returns the header length,
 * 0 if cap < header + payload_len. */
size_t tcp_emit(uint8_t *p, size_t cap, const struct tcp_seg *t, size_t payload_len, uint32_t pseudo);

#endif
