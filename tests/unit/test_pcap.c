#include <stdint.h>
#include <stdio.h>
#include <unistd.h>
#include "../lib/t.h"
#include "link/pcap.h"

static uint32_t rd32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static uint16_t rd16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return v; }

TEST(two_records)
{
    char path[] = "/tmp/test_pcap_XXXXXX";
    int fd = mkstemp(path);
    T_CHECK(fd >= 0);
    close(fd);
    struct pcap_writer *w = pcap_open(path, PCAP_LINKTYPE_ETHERNET, 100);
    T_CHECK(w != NULL);
    uint8_t a[60], b[150];
    for (unsigned i = 0; i < sizeof(a); i++) a[i] = (uint8_t)i;
    for (unsigned i = 0; i < sizeof(b); i++) b[i] = (uint8_t)(0xff - i);
    T_EQ(pcap_write(w, 1500000000ull * 1000000000ull + 123456789ull, a, sizeof(a)), 0);
    T_EQ(pcap_write(w, 2000000001ull, b, sizeof(b)), 0);   /* truncated to snaplen 100 */
    T_EQ(pcap_flush(w), 0);

    uint8_t buf[1024];
    FILE *f = fopen(path, "rb");
    size_t n = fread(buf, 1, sizeof(buf), f);
    fclose(f);
    T_EQ(n, 24 + 16 + 60 + 16 + 100);
    T_EQ(rd32(buf), 0xa1b23c4du);
    T_EQ(rd16(buf + 4), 2);
    T_EQ(rd16(buf + 6), 4);
    T_EQ(rd32(buf + 16), 100);   /* snaplen */
    T_EQ(rd32(buf + 20), 1);     /* linktype */
    const uint8_t *r = buf + 24;
    T_EQ(rd32(r), 1500000000u);
    T_EQ(rd32(r + 4), 123456789u);
    T_EQ(rd32(r + 8), 60);
    T_EQ(rd32(r + 12), 60);
    T_MEMEQ(r + 16, a, 60);
    r += 16 + 60;
    T_EQ(rd32(r), 2);
    T_EQ(rd32(r + 4), 1);
    T_EQ(rd32(r + 8), 100);
    T_EQ(rd32(r + 12), 150);
    T_MEMEQ(r + 16, b, 100);
    pcap_close(w);
    unlink(path);
}

TEST(open_fails)
{
    T_CHECK(pcap_open("/nonexistent-dir/x.pcap", PCAP_LINKTYPE_RAW, 0) == NULL);
}

int main(void)
{
    RUN(two_records);
    RUN(open_fails);
    return t_done();
}
