/* SOCKS Protocol Version 5 (RFC 1928), the messages a CONNECT-only server
 * reads and writes. Parsers validate the version, the method count, the
 * command, the reserved byte, the address type and every length; a message
 * that is merely incomplete returns TRUNCATED (read more and try again). */
#ifndef SIX_WIRE_SOCKS5_H
#define SIX_WIRE_SOCKS5_H
#include <netinet/in.h>
#include "wire/wire.h"

#define SOCKS5_VERSION      5
#define SOCKS5_AUTH_NONE    0x00
#define SOCKS5_AUTH_NOACCEPT 0xff
#define SOCKS5_CMD_CONNECT  1
#define SOCKS5_ATYP_IPV4    1
#define SOCKS5_ATYP_DOMAIN  3
#define SOCKS5_ATYP_IPV6    4
/* reply codes (§6) */
#define SOCKS5_REP_OK           0
#define SOCKS5_REP_FAILURE      1
#define SOCKS5_REP_NET_UNREACH  3
#define SOCKS5_REP_HOST_UNREACH 4
#define SOCKS5_REP_REFUSED      5
#define SOCKS5_REP_TTL_EXPIRED  6
#define SOCKS5_REP_CMD_UNSUPP   7
#define SOCKS5_REP_ATYP_UNSUPP  8

struct socks5_greeting {
    uint8_t nmethods;
    uint8_t methods[255];
    size_t len;                 /* bytes consumed */
};
struct socks5_request {
    uint8_t cmd, atyp;
    struct in_addr a4;
    struct in6_addr a6;
    char host[256];             /* ATYP_DOMAIN, NUL-terminated; no NUL inside */
    uint16_t port;
    size_t len;                 /* bytes consumed */
};

enum wire_reason socks5_greeting_parse(const uint8_t *p, size_t len, struct socks5_greeting *g);
/* BAD_VERSION, BAD_TYPE (unknown address type), BAD_LENGTH (empty or NUL in name), RESERVED_FLAG */
enum wire_reason socks5_request_parse(const uint8_t *p, size_t len, struct socks5_request *r);
size_t socks5_method_emit(uint8_t *p, size_t cap, uint8_t method);
/* Reply with the bound address (AF_INET or AF_INET6 sockaddr, or NULL: 0.0.0.0:0). */
size_t socks5_reply_emit(uint8_t *p, size_t cap, uint8_t rep, const struct sockaddr *bound);

#endif
