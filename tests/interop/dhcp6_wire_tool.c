/* test_dhcp6_wire.sh's side of the cross-check with scapy and tshark:
 *   parse FILE   print what dhcp6_parse read, one "key=value" a line
 *   reply FILE   write a Reply (IA_NA, IA_PD, DNS, domains, status,
 *                preference, SOL_MAX_RT) built with the dhcp6 builder
 * Compiled by the test against src/wire (no stack, no sockets). */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include "wire/dhcp6.h"

static void hex(const char *key, const uint8_t *p, size_t n)
{
  printf("%s=", key);
  for (size_t i = 0; i < n; i++) printf("%02x", p[i]);
  printf("\n");
}

static int parse(const uint8_t *b, size_t n)
{
  struct dhcp6_msg m;
  enum wire_reason r = dhcp6_parse(b, n, &m);
  printf("reason=%s\n", wire_reason_str(r));
  if (r != WR_OK) return 1;
  printf("type=%s\nxid=%u\nrole=%s\n", dhcp6_msg_name(m.type), m.xid, wire_reason_str(dhcp6_check_client_msg(&m)));
  if (m.clientid.p) hex("clientid", m.clientid.p, m.clientid.len);
  if (m.has_elapsed) printf("elapsed=%u\n", m.elapsed);
  printf("oro=");
  for (int i = 0; i < m.n_oro; i++) printf("%s%u", i ? "," : "", m.oro[i]);
  printf("\n");
  for (int i = 0; i < m.n_ia; i++) {
    const struct dhcp6_ia *ia = &m.ia[i];
    printf("ia=%s iaid=%u t1=%u t2=%u items=%d\n", ia->type == D6O_IA_NA ? "na" : ia->type == D6O_IA_PD ? "pd" : "ta",
           ia->iaid, ia->t1, ia->t2, ia->n_item);
    for (int k = 0; k < ia->n_item; k++) {
      char s[INET6_ADDRSTRLEN];
      printf("item=%s/%u %u %u\n", inet_ntop(AF_INET6, &ia->item[k].addr, s, sizeof s), ia->item[k].plen,
             ia->item[k].preferred, ia->item[k].valid);
    }
  }
  printf("rapid_commit=%d\nunknown=%d\n", m.rapid_commit, m.n_unknown);
  return 0;
}

static int reply(FILE *f)
{
  static const uint8_t cid[] = { 0, 3, 0, 1, 2, 0x11, 0x22, 0x33, 0x44, 0x55 };
  static const uint8_t sid[] = { 0, 2, 0, 0, 0x7e, 0xd9, 's', 'i', 'x', 'd' };
  uint8_t buf[1500];
  struct dhcp6_builder b;
  struct in6_addr a, p, dns[2];
  inet_pton(AF_INET6, "2001:db8:1::100", &a);
  inet_pton(AF_INET6, "2001:db8:aa00::", &p);
  inet_pton(AF_INET6, "2001:db8::53", &dns[0]);
  inet_pton(AF_INET6, "2001:db8::35", &dns[1]);
  dhcp6_build_init(&b, buf, sizeof buf);
  dhcp6_build_hdr(&b, DHCP6_REPLY, 0xc0ffee);
  dhcp6_put_opt(&b, D6O_CLIENTID, cid, sizeof cid);
  dhcp6_put_opt(&b, D6O_SERVERID, sid, sizeof sid);
  dhcp6_begin_ia(&b, D6O_IA_NA, 0x0a0b0c0d, 1800, 2880);
  dhcp6_begin_iaaddr(&b, &a, 3600, 7200);
  dhcp6_end(&b);
  dhcp6_end(&b);
  dhcp6_begin_ia(&b, D6O_IA_PD, 7, 1000, 1600);
  dhcp6_begin_iaprefix(&b, &p, 56, 3000, 4000);
  dhcp6_end(&b);
  dhcp6_end(&b);
  dhcp6_put_addrs(&b, D6O_DNS_SERVERS, dns, 2);
  const char *const doms[] = { "example.com", "lab.example.org" };
  dhcp6_put_domains(&b, doms, 2);
  dhcp6_put_u8(&b, D6O_PREFERENCE, 200);
  dhcp6_put_u32(&b, D6O_SOL_MAX_RT, 7200);
  dhcp6_put_status(&b, D6S_SUCCESS, "all good");
  size_t n = dhcp6_build_done(&b);
  return n && fwrite(buf, 1, n, f) == n ? 0 : 1;
}

int main(int argc, char **argv)
{
  static uint8_t b[DHCP6_MSG_MAX];
  if (argc != 3) return 2;
  if (!strcmp(argv[1], "reply")) {
    FILE *f = fopen(argv[2], "wb");
    int rc = !f || reply(f);
    return (f && fclose(f)) || rc;
  }
  FILE *f = fopen(argv[2], "rb");
  if (!f) return 2;
  size_t n = fread(b, 1, sizeof b, f);
  fclose(f);
  return parse(b, n);
}
