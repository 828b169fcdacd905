#include <string.h>
#include "wire/bytes.h"
#include "wire/esp.h"

#define ESPINUDP_KEEPALIVE_BYTE 0xff

/* RFC 4303 §2.1 / RFC 4302 §2.4: the same reserved ranges for both. */
enum wire_reason ipsec_spi_check(uint32_t spi)
{
  if (spi == 0) return WR_ZERO_SPI;
  if (spi < ESP_SPI_MIN) return WR_RESERVED_SPI;
  return WR_OK;
}

enum wire_reason esp_parse(const uint8_t *p, size_t len, struct esp_info *out)
{
  if (len < ESP_MIN_LEN) return WR_TRUNCATED;
  uint32_t spi = rd32(p);
  enum wire_reason r = ipsec_spi_check(spi);
  if (r != WR_OK) return r;
  out->spi = spi;
  out->seq = rd32(p + 4);
  out->payload = p + ESP_HLEN;
  out->payload_len = len - ESP_HLEN;
  return WR_OK;
}

size_t esp_emit(uint8_t *p, size_t cap, uint32_t spi, uint32_t seq)
{
  if (cap < ESP_HLEN) return 0;
  wr32(p, spi);
  wr32(p + 4, seq);
  return ESP_HLEN;
}

enum wire_reason espinudp_classify(const uint8_t *payload, size_t len, enum espinudp_kind *kind)
{
  if (len == 1 && payload[0] == ESPINUDP_KEEPALIVE_BYTE) {
    *kind = ESPINUDP_KEEPALIVE;
    return WR_OK;
  }
  if (len >= ESPINUDP_MARKER_LEN && rd32(payload) == 0) {
    if (len < ESPINUDP_MARKER_LEN + IKE_HLEN) return WR_TRUNCATED;
    *kind = ESPINUDP_IKE;
    return WR_OK;
  }
  struct esp_info e;
  enum wire_reason r = esp_parse(payload, len, &e);
  if (r != WR_OK) return r;
  *kind = ESPINUDP_ESP;
  return WR_OK;
}

size_t espinudp_keepalive_emit(uint8_t *p, size_t cap)
{
  if (cap < 1) return 0;
  p[0] = ESPINUDP_KEEPALIVE_BYTE;
  return 1;
}

size_t espinudp_marker_emit(uint8_t *p, size_t cap)
{
  if (cap < ESPINUDP_MARKER_LEN) return 0;
  memset(p, 0, ESPINUDP_MARKER_LEN);
  return ESPINUDP_MARKER_LEN;
}
