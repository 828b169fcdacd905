/* ESP header and the ESP-in-UDP classifier.  Input = a packet (or a UDP
 * payload).  esp_parse: the reason must follow from the first bytes alone;
 * on success the payload lies inside the input and a re-emitted header
 * equals the first 8 bytes.  espinudp_classify: each kind must match its
 * definition, and ESP must agree with esp_parse. */
#include <string.h>
#include "wire/bytes.h"
#include "wire/esp.h"

#define CHECK(c) do { if (!(c)) __builtin_trap(); } while (0)
int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

static void plain(const uint8_t *d, size_t n)
{
  struct esp_info e;
  enum wire_reason r = esp_parse(d, n, &e);
  if (n < ESP_MIN_LEN) { CHECK(r == WR_TRUNCATED); return; }
  uint32_t spi = rd32(d);
  if (spi == 0) { CHECK(r == WR_ZERO_SPI); return; }
  if (spi < ESP_SPI_MIN) { CHECK(r == WR_RESERVED_SPI); return; }
  CHECK(r == WR_OK);
  CHECK(e.spi == spi && e.seq == rd32(d + 4));
  CHECK(e.payload == d + ESP_HLEN && e.payload_len == n - ESP_HLEN);
  uint8_t h[ESP_HLEN];
  CHECK(esp_emit(h, sizeof h, e.spi, e.seq) == ESP_HLEN);
  CHECK(memcmp(h, d, ESP_HLEN) == 0);
  CHECK(esp_emit(h, ESP_HLEN - 1, e.spi, e.seq) == 0);
}

static void udp_encap(const uint8_t *d, size_t n)
{
  enum espinudp_kind k;
  enum wire_reason r = espinudp_classify(d, n, &k);
  bool marker = n >= ESPINUDP_MARKER_LEN && rd32(d) == 0;
  if (n == 1 && d[0] == 0xff) { CHECK(r == WR_OK && k == ESPINUDP_KEEPALIVE); return; }
  if (marker) {
    CHECK(r == (n >= ESPINUDP_MARKER_LEN + IKE_HLEN ? WR_OK : WR_TRUNCATED));
    if (r == WR_OK) CHECK(k == ESPINUDP_IKE);
    return;
  }
  struct esp_info e;
  enum wire_reason re = esp_parse(d, n, &e);
  CHECK(r == re);
  if (r == WR_OK) CHECK(k == ESPINUDP_ESP);
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
  plain(d, n);
  udp_encap(d, n);
  uint8_t ka[1];
  enum espinudp_kind k;
  CHECK(espinudp_keepalive_emit(ka, 1) == 1);
  CHECK(espinudp_classify(ka, 1, &k) == WR_OK && k == ESPINUDP_KEEPALIVE);
  return 0;
}
