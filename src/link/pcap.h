/* pcap (libpcap classic format) writer, attachable to any interface while running. */
#ifndef SIX_LINK_PCAP_H
#define SIX_LINK_PCAP_H
#include <stdint.h>
#include <stddef.h>

#define PCAP_LINKTYPE_ETHERNET 1
#define PCAP_LINKTYPE_RAW      101   /* raw IPv4/IPv6 */

struct pcap_writer;
/* Opens (truncates) path and writes the global header. NULL with errno on failure. */
struct pcap_writer *pcap_open(const char *path, uint32_t linktype, uint32_t snaplen);
/* Append one record; ts in ns. Returns 0 or -errno. Writes are buffered: data reaches the file on pcap_flush/close. */
int  pcap_write(struct pcap_writer *w, uint64_t ts_ns, const uint8_t *data, size_t len);
int  pcap_flush(struct pcap_writer *w);
void pcap_close(struct pcap_writer *w);

#endif
