/* Wire formats: shared definitions.
 *
 * Everything under src/wire/ is pure: parsers validate every field they
 * read, bounds-check every access, never allocate and keep no state;
 * emitters write into the caller's buffer and return the bytes written
 * (0 when cap is too small).  Addresses stay in network byte order
 * (struct in6_addr / struct in_addr); all other info-struct integers are
 * host order.  Every rejection has a named reason: its string is
 * lower_snake_case because it becomes part of a counter name
 * (e.g. "ip6.drop.bad_version"). */
#ifndef SIX_WIRE_WIRE_H
#define SIX_WIRE_WIRE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

#define WIRE_REASONS(X) \
  X(OK, "ok") \
  X(TRUNCATED, "truncated") \
  X(BAD_VERSION, "bad_version") \
  X(BAD_LENGTH, "bad_length") \
  X(BAD_HDR_LEN, "bad_hdr_len") \
  X(BAD_CKSUM, "bad_cksum") \
  X(ZERO_CKSUM, "zero_cksum") \
  X(BAD_TYPE, "bad_type") \
  X(BAD_CODE, "bad_code") \
  X(BAD_OPT_LEN, "bad_opt_len") \
  X(OPT_TRUNCATED, "opt_truncated") \
  X(ZERO_LEN_OPT, "zero_len_opt") \
  X(PAD_TOO_LONG, "pad_too_long") \
  X(PAD_NONZERO, "pad_nonzero") \
  X(BAD_HTYPE, "bad_htype") \
  X(BAD_PTYPE, "bad_ptype") \
  X(BAD_ADDR_LEN, "bad_addr_len") \
  X(BAD_OP, "bad_op") \
  X(RESERVED_FLAG, "reserved_flag") \
  X(BAD_FRAG_OFF, "bad_frag_off") \
  X(JUMBO, "jumbo") \
  X(SRC_MULTICAST, "src_multicast") \
  X(TARGET_MULTICAST, "target_multicast") \
  X(DST_MULTICAST, "dst_multicast") \
  X(BAD_TARGET, "bad_target") \
  X(BAD_ND_OPT_LEN, "bad_nd_opt_len") \
  X(DUP_OPT, "dup_opt") \
  X(BAD_PREFIX_LEN, "bad_prefix_len") \
  X(BAD_MLD_LEN, "bad_mld_len") \
  X(BAD_TCP_DOFF, "bad_tcp_doff") \
  X(BAD_TCP_OPT, "bad_tcp_opt") \
  X(ZERO_SPI, "zero_spi") \
  X(RESERVED_SPI, "reserved_spi") \
  X(BAD_ALIGN, "bad_align") \
  X(NO_AH, "no_ah") \
  X(SEGS_LEFT_NONZERO, "segs_left_nonzero") \
  X(FRAGMENTED, "fragmented") \
  X(BAD_EXT_LEN, "bad_ext_len") \
  X(UNKNOWN_EXT, "unknown_ext") \
  X(DUP_EXT, "dup_ext") \
  X(UNSUPPORTED_EXT, "unsupported_ext") \
  X(BAD_FAMILY, "bad_family") \
  X(BAD_KEY_BITS, "bad_key_bits") \
  X(BAD_POLICY, "bad_policy") \
  X(BAD_REQ, "bad_req") \
  X(BAD_REQ_LEN, "bad_req_len") \
  X(TOO_MANY_REQ, "too_many_req") \
  X(DHCP6_BAD_DUID, "bad_duid") \
  X(DHCP6_RELAY_TOO_DEEP, "relay_too_deep") \
  X(DHCP6_NO_RELAY_MSG, "no_relay_msg") \
  X(DHCP6_UNEXPECTED_SERVERID, "unexpected_server_id") \
  X(DHCP6_MISSING_SERVERID, "missing_server_id") \
  X(DHCP6_MISSING_CLIENTID, "missing_client_id") \
  X(DHCP6_UNEXPECTED_IA, "unexpected_ia") \
  X(DHCP6_BAD_RECONF_MSG, "bad_reconf_msg") \
  X(DHCP6_MISSING_AUTH, "missing_auth") \
  X(DHCP6_BAD_DOMAIN, "bad_domain") \
  X(DHCP6_DSTM_NO_IA, "dstm_no_ia") \
  X(DHCP6_DSTM_TWICE, "dstm_twice") \
  X(DHCP6_BAD_LQ, "bad_lq")

enum wire_reason {
#define WIRE_REASON_ENUM(n, s) WR_##n,
  WIRE_REASONS(WIRE_REASON_ENUM)
#undef WIRE_REASON_ENUM
  WR__MAX
};

/* Never NULL: out-of-range values give "unknown". */
const char *wire_reason_str(enum wire_reason r);

struct eth_addr { uint8_t b[6]; };

#endif
