#include <string.h>
#include "wire/bytes.h"
#include "wire/arp.h"
#include "wire/ether.h"

enum wire_reason arp_parse(const uint8_t *p, size_t len, struct arp_info *out)
{
  if (len < ARP_LEN) return WR_TRUNCATED;
  if (rd16(p) != 1) return WR_BAD_HTYPE;
  if (rd16(p + 2) != ETHERTYPE_IP4) return WR_BAD_PTYPE;
  if (p[4] != 6 || p[5] != 4) return WR_BAD_ADDR_LEN;
  uint16_t op = rd16(p + 6);
  if (op != ARP_OP_REQUEST && op != ARP_OP_REPLY) return WR_BAD_OP;
  out->op = op;
  memcpy(out->sha.b, p + 8, 6);
  memcpy(&out->spa.s_addr, p + 14, 4);
  memcpy(out->tha.b, p + 18, 6);
  memcpy(&out->tpa.s_addr, p + 24, 4);
  return WR_OK;
}

size_t arp_emit(uint8_t *p, size_t cap, const struct arp_info *in)
{
  if (cap < ARP_LEN) return 0;
  wr16(p, 1);
  wr16(p + 2, ETHERTYPE_IP4);
  p[4] = 6;
  p[5] = 4;
  wr16(p + 6, in->op);
  memcpy(p + 8, in->sha.b, 6);
  memcpy(p + 14, &in->spa.s_addr, 4);
  memcpy(p + 18, in->tha.b, 6);
  memcpy(p + 24, &in->tpa.s_addr, 4);
  return ARP_LEN;
}
