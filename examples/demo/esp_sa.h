/* The demo's SAs as a Wireshark esp_sa file (esp_sa.c). */
#ifndef SIX_DEMO_ESP_SA_H
#define SIX_DEMO_ESP_SA_H
#include <stddef.h>

struct six_stack;

/* Write every ESP SA of the n stacks (each SPI once) to path in the format
 * of Wireshark's esp_sa UAT (~/.config/wireshark/esp_sa). 0, or -1 with
 * the reason on stderr. */
int demo_write_esp_sa(const char *path, struct six_stack *const *stacks, size_t n);

#endif
