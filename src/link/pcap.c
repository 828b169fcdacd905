/* Classic pcap writer with nanosecond timestamps (magic 0xa1b23c4d, written
 * in host byte order as the format allows; tcpdump/tshark read it). Buffered
 * through stdio: records reach the file on pcap_flush() or pcap_close(). */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include "link/pcap.h"

#define PCAP_MAGIC_NS 0xa1b23c4du

struct pcap_file_hdr {
    uint32_t magic;
    uint16_t version_major, version_minor;
    int32_t thiszone;
    uint32_t sigfigs, snaplen, linktype;
};

struct pcap_rec_hdr {
    uint32_t ts_sec, ts_nsec, incl_len, orig_len;
};

struct pcap_writer {
    FILE *f;
    uint32_t snaplen;
    bool dirty;        /* records written since the last flush */
};

struct pcap_writer *pcap_open(const char *path, uint32_t linktype, uint32_t snaplen)
{
    struct pcap_writer *w = calloc(1, sizeof(*w));
    if (!w)
        return NULL;
    w->snaplen = snaplen ? snaplen : 65535;
    w->f = fopen(path, "wbe");
    if (!w->f) {
        int err = errno;
        free(w);
        errno = err;
        return NULL;
    }
    struct pcap_file_hdr h = {
        .magic = PCAP_MAGIC_NS, .version_major = 2, .version_minor = 4,
        .snaplen = w->snaplen, .linktype = linktype,
    };
    /* The header goes out at once: a reader opening the file sees a valid capture. */
    if (fwrite(&h, sizeof(h), 1, w->f) != 1 || fflush(w->f) != 0) {
        int err = errno ? errno : EIO;
        fclose(w->f);
        free(w);
        errno = err;
        return NULL;
    }
    return w;
}

int pcap_write(struct pcap_writer *w, uint64_t ts_ns, const uint8_t *data, size_t len)
{
    uint32_t incl = len > w->snaplen ? w->snaplen : (uint32_t)len;
    struct pcap_rec_hdr r = {
        .ts_sec = (uint32_t)(ts_ns / 1000000000u),
        .ts_nsec = (uint32_t)(ts_ns % 1000000000u),
        .incl_len = incl,
        .orig_len = len > UINT32_MAX ? UINT32_MAX : (uint32_t)len,
    };
    w->dirty = true;
    if (fwrite(&r, sizeof(r), 1, w->f) != 1 || fwrite(data, 1, incl, w->f) != incl)
        return errno ? -errno : -EIO;
    return 0;
}

int pcap_flush(struct pcap_writer *w)
{
    if (!w->dirty)
        return 0;
    w->dirty = false;
    return fflush(w->f) == 0 ? 0 : -errno;
}

void pcap_close(struct pcap_writer *w)
{
    if (!w)
        return;
    fclose(w->f);
    free(w);
}
