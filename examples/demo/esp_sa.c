/* The demo's SAs for Wireshark: one line per ESP SA in the format of its
 * esp_sa UAT table (Preferences > Protocols > ESP > ESP SAs), so the
 * captures the demo writes decrypt as they are. Addresses are wildcards:
 * the hometun scene moves the client's end, the SPIs tell the SAs apart.
 * Only the algorithms Wireshark 3.x/4.x names the same way are written;
 * another gets a comment line saying so. The keys are the demo's fixed
 * test keys, never real ones. */
#include <stdio.h>
#include <string.h>
#include "esp_sa.h"
#include "ipsec/ipsec.h"
#include "ipsec/ipsec_alg.h"
#include "wire/ip6.h"

#define MAX_SAS 64

struct esp_sa_walk { FILE *f; uint32_t seen[MAX_SAS]; size_t n; };

static const char *ws_enc(uint8_t ealg)
{
    switch (ealg) {
    case IPSEC_EALG_NULL:      return "NULL";
    case IPSEC_EALG_AES_CBC:   return "AES-CBC [RFC3602]";
    case IPSEC_EALG_AES_GCM16: return "AES-GCM with 16 octet ICV [RFC4106]";
    default:                   return NULL;
    }
}

static const char *ws_auth(uint8_t aalg)
{
    switch (aalg) {
    case IPSEC_AALG_NONE:            return "NULL";
    case IPSEC_AALG_HMAC_SHA1_96:    return "HMAC-SHA-1-96 [RFC2404]";
    case IPSEC_AALG_HMAC_SHA256_128: return "HMAC-SHA-256-128 [RFC4868]";
    default:                         return NULL;
    }
}

static void hex(FILE *f, const uint8_t *b, size_t n)
{
    fputs(n ? "0x" : "", f);
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%02x", b[i]);
}

static void one_sa(void *ctx, const struct ipsec_sa *sa)
{
    struct esp_sa_walk *w = ctx;
    if (sa->proto != IPSEC_PROTO_ESP)
        return;
    for (size_t i = 0; i < w->n; i++)
        if (w->seen[i] == sa->spi)
            return;                       /* both ends hold the same SA */
    if (w->n < MAX_SAS)
        w->seen[w->n++] = sa->spi;
    const char *e = ws_enc(sa->x.ealg), *a = ws_auth(sa->x.aalg);
    if (!e || !a) {
        fprintf(w->f, "# SPI 0x%08x: %s/%s has no Wireshark name here\n", sa->spi, ipsec_ealg_name(sa->x.ealg),
                ipsec_aalg_name(sa->x.aalg));
        return;
    }
    fprintf(w->f, "\"%s\",\"*\",\"*\",\"0x%08x\",\"%s\",\"", in6_is_v4mapped(&sa->dst) ? "IPv4" : "IPv6", sa->spi, e);
    hex(w->f, sa->ekey, sa->ekeylen);
    fprintf(w->f, "\",\"%s\",\"", a);
    hex(w->f, sa->akey, sa->akeylen);
    fprintf(w->f, "\"\n");
}

int demo_write_esp_sa(const char *path, struct six_stack *const *stacks, size_t n)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        perror(path);
        return -1;
    }
    fprintf(f, "# Wireshark esp_sa table for the captures of `make demo` (the demo's test keys).\n"
               "# Copy it to ~/.config/wireshark/esp_sa and enable Preferences > Protocols > ESP >\n"
               "# \"Attempt to detect/decode encrypted ESP payloads\" (esp.enable_encryption_decode),\n"
               "# or see docs/IPSEC.md for tshark -o uat:esp_sa:LINE.\n");
    struct esp_sa_walk w = { .f = f };
    for (size_t i = 0; i < n; i++)
        if (stacks[i])
            ipsec_sa_foreach(stacks[i], one_sa, &w);
    if (fclose(f)) {
        perror(path);
        return -1;
    }
    return 0;
}
