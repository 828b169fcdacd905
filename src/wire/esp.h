/* ESP header (RFC 4303) and ESP in UDP (RFC 3948).  No crypto here: the
 * trailer (padding, pad length, next header) and the ICV are checked by
 * the transform after decryption.
 *
 * esp_parse validates: len >= ESP_MIN_LEN = 12 (TRUNCATED): SPI + sequence
 * number (8 bytes) plus one 4-byte word, because the encrypted part
 * (payload + padding + pad length + next header) must end on a 4-byte
 * boundary (§2.4) and holds at least pad length + next header, so it is
 * never shorter than 4 bytes, even for a dummy packet with NULL encryption
 * and no ICV; SPI 0, reserved for local use and never sent (§2.1,
 * ZERO_SPI); SPIs 1..255, reserved by IANA (§2.1, RESERVED_SPI).
 *
 * espinudp_classify sorts a UDP/4500 payload (RFC 3948 §2): exactly one
 * byte 0xff is a NAT-keepalive (§2.3); four zero bytes (the non-ESP
 * marker, §2.2) introduce an IKE message, which must then hold at least an
 * IKE header (RFC 7296 §3.1: 28 bytes), else TRUNCATED; anything else must
 * be an ESP packet accepted by esp_parse.  A 1..11-byte payload that is
 * none of these is TRUNCATED. */
#ifndef SIX_WIRE_ESP_H
#define SIX_WIRE_ESP_H
#include "wire/wire.h"

#define ESP_HLEN 8                 /* SPI + sequence number */
#define ESP_MIN_LEN 12             /* header + the smallest aligned encrypted block */
#define ESP_SPI_MIN 256            /* 1..255 reserved by IANA, 0 local */
#define ESPINUDP_PORT 4500
#define ESPINUDP_MARKER_LEN 4      /* non-ESP marker */
#define IKE_HLEN 28

struct esp_info {
  uint32_t spi;
  uint32_t seq;                    /* low 32 bits; ESN high bits are never sent */
  const uint8_t *payload;          /* p + 8: IV, ciphertext, trailer, ICV */
  size_t payload_len;
};

enum wire_reason esp_parse(const uint8_t *p, size_t len, struct esp_info *out);
/* SPI and sequence number only; the caller writes the payload at p + 8.
 * Returns 8, or 0 if cap < 8. */
size_t esp_emit(uint8_t *p, size_t cap, uint32_t spi, uint32_t seq);

/* Whether an SPI may appear on the wire: ZERO_SPI, RESERVED_SPI or OK.
 * The same rule holds for AH (RFC 4302 §2.4). */
enum wire_reason ipsec_spi_check(uint32_t spi);

enum espinudp_kind { ESPINUDP_ESP, ESPINUDP_IKE, ESPINUDP_KEEPALIVE };
/* WR_OK with *kind set; for ESPINUDP_IKE the IKE message starts at
 * payload + 4, for ESPINUDP_ESP the ESP header at payload. */
enum wire_reason espinudp_classify(const uint8_t *payload, size_t len, enum espinudp_kind *kind);
/* The 1-byte NAT-keepalive (0xff).  Returns 1, or 0 if cap < 1. */
size_t espinudp_keepalive_emit(uint8_t *p, size_t cap);
/* The non-ESP marker in front of an IKE message.  Returns 4, or 0. */
size_t espinudp_marker_emit(uint8_t *p, size_t cap);

#endif
