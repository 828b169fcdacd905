/* SOCKS5 (RFC 1928) messages: greetings and requests parse, incomplete ones
 * ask for more, malformed ones are refused with their reason; replies emit. */
#include <string.h>
#include <arpa/inet.h>
#include "../lib/t.h"
#include "wire/socks5.h"

TEST(greeting)
{
    struct socks5_greeting g;
    T_EQ(socks5_greeting_parse((const uint8_t *)"\x05\x02\x00\x02", 4, &g), WR_OK);
    T_EQ(g.nmethods, 2);
    T_EQ(g.methods[1], 2);
    T_EQ(g.len, 4);
    T_EQ(socks5_greeting_parse((const uint8_t *)"\x05\x02\x00", 3, &g), WR_TRUNCATED);
    T_EQ(socks5_greeting_parse((const uint8_t *)"\x04\x01\x00", 3, &g), WR_BAD_VERSION);
    T_EQ(socks5_greeting_parse((const uint8_t *)"\x05\x00", 2, &g), WR_BAD_LENGTH);
}

TEST(requests)
{
    struct socks5_request r;
    const uint8_t v4[] = { 5, 1, 0, 1, 192, 0, 2, 1, 0x1f, 0x90 };
    T_EQ(socks5_request_parse(v4, sizeof v4, &r), WR_OK);
    T_EQ(r.port, 8080);
    T_EQ(r.len, 10);
    uint8_t v6[22] = { 5, 1, 0, 4 };
    inet_pton(AF_INET6, "2001:db8::1", v6 + 4);
    v6[20] = 0; v6[21] = 80;
    T_EQ(socks5_request_parse(v6, sizeof v6, &r), WR_OK);
    T_EQ(r.atyp, SOCKS5_ATYP_IPV6);
    T_EQ(socks5_request_parse(v6, 21, &r), WR_TRUNCATED);
    const uint8_t dn[] = { 5, 1, 0, 3, 4, 'h', 'o', 's', 't', 0, 80 };
    T_EQ(socks5_request_parse(dn, sizeof dn, &r), WR_OK);
    T_STREQ(r.host, "host");
    const uint8_t nul[] = { 5, 1, 0, 3, 2, 'a', 0, 0, 80 };
    T_EQ(socks5_request_parse(nul, sizeof nul, &r), WR_BAD_LENGTH);
    const uint8_t empty[] = { 5, 1, 0, 3, 0, 0, 80 };
    T_EQ(socks5_request_parse(empty, sizeof empty, &r), WR_BAD_LENGTH);
    const uint8_t atyp[] = { 5, 1, 0, 9, 0, 0, 0, 0, 0, 80 };
    T_EQ(socks5_request_parse(atyp, sizeof atyp, &r), WR_BAD_TYPE);
    const uint8_t rsv[] = { 5, 1, 7, 1, 1, 2, 3, 4, 0, 80 };
    T_EQ(socks5_request_parse(rsv, sizeof rsv, &r), WR_RESERVED_FLAG);
}

TEST(replies)
{
    uint8_t b[32];
    struct sockaddr_in6 s6 = { .sin6_family = AF_INET6, .sin6_port = htons(1080) };
    T_EQ(socks5_reply_emit(b, sizeof b, SOCKS5_REP_OK, (struct sockaddr *)&s6), 22);
    T_EQ(b[3], SOCKS5_ATYP_IPV6);
    T_EQ(b[21], 1080 & 0xff);
    T_EQ(socks5_reply_emit(b, sizeof b, SOCKS5_REP_REFUSED, NULL), 10);
    T_EQ(b[1], SOCKS5_REP_REFUSED);
    T_EQ(socks5_reply_emit(b, 5, 0, NULL), 0);
    T_EQ(socks5_method_emit(b, sizeof b, SOCKS5_AUTH_NONE), 2);
}

int main(void)
{
    RUN(greeting);
    RUN(requests);
    RUN(replies);
    return t_done();
}
