/* setkey(8) configuration parser (src/ipsec/setkey.c). */
#include <arpa/inet.h>
#include <sys/socket.h>
#include "../lib/t.h"
#include "ipsec/replay.h"
#include "ipsec/setkey.h"

/* Parse s; on failure the error as "t.conf:L:C: msg" in errbuf. */
static char errbuf[256];

static int parse(const char *s, struct setkey_cmds *out)
{
    struct setkey_error e;
    int r = setkey_parse(s, strlen(s), out, &e);
    errbuf[0] = '\0';
    if (r < 0) {
        setkey_error_format(&e, "t.conf", errbuf, sizeof errbuf);
        /* nothing of a failed text is returned */
        T_CHECK(out->v == NULL && out->n == 0);
    }
    return r;
}

/* The text must fail with exactly this "t.conf:L:C: msg". */
static void expect_error(const char *text, const char *want, int line)
{
    struct setkey_cmds c;
    if (parse(text, &c) == 0) {
        fprintf(stderr, "  line %d: parsed, wanted %s\n", line, want);
        t_case_failed = 1;
        setkey_cmds_free(&c);
        return;
    }
    if (strcmp(errbuf, want) != 0) {
        fprintf(stderr, "  line %d: got  \"%s\"\n          want \"%s\"\n", line, errbuf, want);
        t_case_failed = 1;
    }
}
#define ERR(text, want) expect_error(text, want, __LINE__)

/* One statement that must parse; returns its command (copied). */
static struct setkey_cmd one(const char *text)
{
    struct setkey_cmds c;
    struct setkey_cmd cmd;
    memset(&cmd, 0, sizeof cmd);
    if (parse(text, &c) != 0) {
        fprintf(stderr, "  unexpected error: %s\n", errbuf);
        t_case_failed = 1;
        return cmd;
    }
    T_EQ(c.n, 1);
    if (c.n >= 1)
        cmd = c.v[0];
    setkey_cmds_free(&c);
    return cmd;
}

static bool addr_is(const struct setkey_addr *a, const char *text, unsigned plen, unsigned port)
{
    unsigned char buf[16];
    int fam = strchr(text, ':') ? AF_INET6 : AF_INET;
    if (inet_pton(fam, text, buf) != 1 || a->family != fam)
        return false;
    if (a->prefixlen != plen || a->port != port)
        return false;
    return memcmp(fam == AF_INET ? (const void *)&a->u.v4 : (const void *)&a->u.v6, buf,
                  fam == AF_INET ? 4 : 16) == 0;
}

/* ------------------------------------------------------------ SA commands */

TEST(sa_add_algorithms)
{
    struct setkey_cmd c = one("add 2001:db8::1 2001:db8::2 esp 0x1000 "
                              "-E aes-gcm-16 0x000102030405060708090a0b0c0d0e0f10111213;");
    T_EQ(c.op, SETKEY_ADD);
    T_EQ(c.line, 1);
    T_CHECK(addr_is(&c.sa.src, "2001:db8::1", 128, 0));
    T_CHECK(addr_is(&c.sa.dst, "2001:db8::2", 128, 0));
    T_EQ(c.sa.proto, SETKEY_SA_ESP);
    T_EQ(c.sa.spi, 0x1000);
    T_EQ(c.sa.ealg, IPSEC_EALG_AES_GCM16);
    T_EQ(c.sa.aalg, IPSEC_AALG_NONE);
    T_EQ(c.sa.ekey_len, 20);
    T_EQ(c.sa.ekey[0], 0x00);
    T_EQ(c.sa.ekey[19], 0x13);               /* the salt stays at the end */
    T_EQ(c.sa.mode, IPSEC_MODE_ANY);

    c = one("add 192.0.2.1 192.0.2.2 esp 4096 -E aes-cbc 0x00112233445566778899aabbccddeeff"
            " -A hmac-sha2-256 0x" "000102030405060708090a0b0c0d0e0f"
            "101112131415161718191a1b1c1d1e1f ;");
    T_CHECK(addr_is(&c.sa.src, "192.0.2.1", 32, 0));
    T_EQ(c.sa.spi, 4096);
    T_EQ(c.sa.ealg, IPSEC_EALG_AES_CBC);
    T_EQ(c.sa.ekey_len, 16);
    T_EQ(c.sa.aalg, IPSEC_AALG_HMAC_SHA256_128);
    T_EQ(c.sa.akey_len, 32);
    T_EQ(c.sa.akey[31], 0x1f);

    c = one("add 192.0.2.1 192.0.2.2 esp 300 -E rijndael-cbc \"24 bytes of AES key.....\""
            " -A hmac-sha256 \"thirty-two bytes of HMAC key....\";");
    T_EQ(c.sa.ealg, IPSEC_EALG_AES_CBC);
    T_EQ(c.sa.ekey_len, 24);
    T_MEMEQ(c.sa.ekey, "24 bytes", 8);
    T_EQ(c.sa.aalg, IPSEC_AALG_HMAC_SHA256_128);

    c = one("update 192.0.2.1 192.0.2.2 esp 301 -E chacha20-poly1305 "
            "\"0123456789abcdef0123456789abcdefSALT\";");
    T_EQ(c.op, SETKEY_UPDATE);
    T_EQ(c.sa.ealg, IPSEC_EALG_CHACHA20_POLY1305);
    T_EQ(c.sa.ekey_len, 36);

    c = one("add 192.0.2.1 192.0.2.2 esp 302 -E aes-gmac "
            "0x000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20212223;");
    T_EQ(c.sa.ealg, IPSEC_EALG_AES_GMAC);
    T_EQ(c.sa.ekey_len, 36);
    c = one("add 192.0.2.1 192.0.2.2 esp 303 -E null_aes_gmac "
            "0x000102030405060708090a0b0c0d0e0f1011121314151617""18191a1b;");
    T_EQ(c.sa.ealg, IPSEC_EALG_AES_GMAC);
    T_EQ(c.sa.ekey_len, 28);

    /* null: NetBSD writes no key, FreeBSD a key (ignored by the cipher) */
    c = one("add 192.0.2.1 192.0.2.2 esp 304 -E null -A hmac-sha1 \"twenty bytes of key!\";");
    T_EQ(c.sa.ealg, IPSEC_EALG_NULL);
    T_EQ(c.sa.ekey_len, 0);
    T_EQ(c.sa.aalg, IPSEC_AALG_HMAC_SHA1_96);
    T_EQ(c.sa.akey_len, 20);
    c = one("add 192.0.2.1 192.0.2.2 esp 305 -E null \"\" -A hmac-sha1 0x"
            "0102030405060708090a0b0c0d0e0f1011121314;");
    T_EQ(c.sa.ealg, IPSEC_EALG_NULL);
    T_EQ(c.sa.akey[0], 1);

    c = one("add 192.0.2.1 192.0.2.2 ah 0xffffffff -A hmac-sha1 \"twenty bytes of key!\";");
    T_EQ(c.sa.proto, SETKEY_SA_AH);
    T_EQ(c.sa.spi, 0xffffffffu);
    T_EQ(c.sa.ealg, IPSEC_EALG_NONE);
    /* upper-case hex digits and 0X */
    c = one("add 192.0.2.1 192.0.2.2 esp 256 -E aes-gcm-16 0XABCDEF0123456789ABCDEF0123456789ABCDEF01;");
    T_EQ(c.sa.spi, 256);
    T_EQ(c.sa.ekey[0], 0xab);
    /* a leading zero is decimal, as KAME reads it (not C's octal) */
    c = one("add 192.0.2.1 192.0.2.2 esp 0400 -E aes-gcm-16 0XABCDEF0123456789ABCDEF0123456789ABCDEF01;");
    T_EQ(c.sa.spi, 400);
}

TEST(sa_extensions)
{
    struct setkey_cmd c = one(
        "add -4n 192.0.2.1 198.51.100.1 esp 0x2000\n"
        "  -m tunnel -r 64 -u 7 -f random-pad -f nocyclic-seq\n"
        "  -lh 3600 -ls 3000 -bh 18446744073709551615 -bs 1000000 -esn\n"
        "  -natt 10.0.0.1[4500] 10.0.0.2[4501] -natt_mtu 1400\n"
        "  -E aes-gcm-16 0x000102030405060708090a0b0c0d0e0f10111213 ;");
    T_EQ(c.sa.addr_flags, SETKEY_AF_4 | SETKEY_AF_NUMERIC);
    T_EQ(c.sa.mode, IPSEC_MODE_TUNNEL);
    T_EQ(c.sa.replay, 64);
    T_EQ(c.sa.replay_packets, 512);
    T_EQ(c.sa.reqid, 7);
    T_EQ(c.sa.pad, SETKEY_PAD_RANDOM);
    T_CHECK(c.sa.nocyclic_seq);
    T_EQ(c.sa.life_hard_sec, 3600);
    T_EQ(c.sa.life_soft_sec, 3000);
    T_CHECK(c.sa.life_hard_bytes == UINT64_MAX);
    T_EQ(c.sa.life_soft_bytes, 1000000);
    T_CHECK(c.sa.esn);
    T_CHECK(c.sa.natt);
    T_CHECK(addr_is(&c.sa.natt_oai, "10.0.0.1", 32, 4500));
    T_CHECK(addr_is(&c.sa.natt_oar, "10.0.0.2", 32, 4501));
    T_EQ(c.sa.natt_mtu, 1400);

    /* options in any order, even after the algorithms */
    c = one("add 192.0.2.1 192.0.2.2 esp 999 -E aes-gcm-16 0x000102030405060708090a0b0c0d0e0f10111213"
            " -m transport -f zero-pad -r 8192;");
    T_EQ(c.sa.mode, IPSEC_MODE_TRANSPORT);
    T_EQ(c.sa.pad, SETKEY_PAD_ZERO);
    T_EQ(c.sa.replay_packets, REPLAY_WINDOW_MAX);
    c = one("add 192.0.2.1 192.0.2.2 esp 999 -m any -f seq-pad -r 0 "
            "-E aes-gcm-16 0x000102030405060708090a0b0c0d0e0f10111213;");
    T_EQ(c.sa.mode, IPSEC_MODE_ANY);
    T_EQ(c.sa.pad, SETKEY_PAD_SEQ);
    T_EQ(c.sa.replay_packets, 0);

    /* esp-udp: ports are the UDP encapsulation ports, 4500 by default */
    c = one("add 192.0.2.1[4500] 198.51.100.1[31000] esp-udp 0x3000 "
            "-E aes-gcm-16 0x000102030405060708090a0b0c0d0e0f10111213;");
    T_EQ(c.sa.proto, SETKEY_SA_ESP_UDP);
    T_CHECK(addr_is(&c.sa.src, "192.0.2.1", 32, 4500));
    T_CHECK(addr_is(&c.sa.dst, "198.51.100.1", 32, 31000));
    c = one("add 192.0.2.1 198.51.100.1 esp-udp 0x3001 "
            "-E aes-gcm-16 0x000102030405060708090a0b0c0d0e0f10111213;");
    T_EQ(c.sa.src.port, 4500);
    T_EQ(c.sa.dst.port, 4500);
}

TEST(sa_other_commands)
{
    struct setkey_cmd c = one("get 3ffe:501:4819::1 3ffe:501:481d::1 ah 123456 ;");
    T_EQ(c.op, SETKEY_GET);
    T_EQ(c.sa.proto, SETKEY_SA_AH);
    T_EQ(c.sa.spi, 123456);
    c = one("delete -6 2001:db8::1 2001:db8::2 esp 0x10001 -m transport;");
    T_EQ(c.op, SETKEY_DELETE);
    T_EQ(c.sa.addr_flags, SETKEY_AF_6);
    T_EQ(c.sa.spi, 0x10001);
    c = one("deleteall 192.0.2.1 192.0.2.2 esp;");
    T_EQ(c.op, SETKEY_DELETEALL);
    T_EQ(c.sa.proto, SETKEY_SA_ESP);
    c = one("deleteall 192.0.2.1[4500] 192.0.2.2 esp-udp;");
    T_EQ(c.sa.proto, SETKEY_SA_ESP_UDP);
    c = one("flush;");
    T_EQ(c.op, SETKEY_FLUSH);
    T_EQ(c.satype, SETKEY_SA_ANY);
    c = one("flush ah;");
    T_EQ(c.satype, SETKEY_SA_AH);
    c = one("dump esp-udp ;");
    T_EQ(c.op, SETKEY_DUMP);
    T_EQ(c.satype, SETKEY_SA_ESP_UDP);
    c = one("dump;");
    T_EQ(c.satype, SETKEY_SA_ANY);
    c = one("spdflush;");
    T_EQ(c.op, SETKEY_SPDFLUSH);
    c = one("spddump ;");
    T_EQ(c.op, SETKEY_SPDDUMP);
    T_STREQ(setkey_op_name(SETKEY_SPDUPDATE), "spdupdate");
    T_STREQ(setkey_op_name(SETKEY_DELETEALL), "deleteall");
}

/* ----------------------------------------------------------- SPD commands */

TEST(spd_selectors)
{
    struct setkey_cmd c = one("spdadd 10.0.11.41/32[21] 10.0.11.33/32[any] any "
                              "-P out ipsec esp/tunnel/192.168.0.1-192.168.1.2/require ;");
    T_EQ(c.op, SETKEY_SPDADD);
    T_CHECK(addr_is(&c.spd.src, "10.0.11.41", 32, 21));
    T_CHECK(addr_is(&c.spd.dst, "10.0.11.33", 32, 0));
    T_EQ(c.spd.ulproto, IPSEC_ULPROTO_ANY);
    c = one("spdadd 2001:db8::/32 ::/0 tcp -P out none;");
    T_CHECK(addr_is(&c.spd.src, "2001:db8::", 32, 0));
    T_CHECK(addr_is(&c.spd.dst, "::", 0, 0));
    T_EQ(c.spd.ulproto, 6);
    c = one("spdadd 192.0.2.0/24[80] 0.0.0.0/0[65535] udp -P in discard;");
    T_EQ(c.spd.src.port, 80);
    T_EQ(c.spd.dst.port, 65535);
    T_EQ(c.spd.ulproto, 17);
    T_EQ(c.spd.action, IPSEC_ACT_DISCARD);
    T_EQ(c.spd.dir, IPSEC_DIR_IN);
    /* names and numbers */
    const struct { const char *w; unsigned proto; } names[] = {
        { "icmp", 1 }, { "ipv6-icmp", 58 }, { "icmp6", 58 }, { "gre", 47 },
        { "esp", 50 }, { "ah", 51 }, { "sctp", 132 }, { "ip4", 4 }, { "0", 0 },
        { "255", 255 }, { "41", 41 },
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char buf[128];
        snprintf(buf, sizeof buf, "spdadd ::/0 ::/0 %s -P fwd none;", names[i].w);
        c = one(buf);
        T_EQ(c.spd.ulproto, names[i].proto);
        T_EQ(c.spd.dir, IPSEC_DIR_FWD);
    }
    /* ICMP type,code and GRE key */
    c = one("spdadd ::/0 ::/0 icmp6 135,0 -P in none;");
    T_CHECK(c.spd.has_icmp);
    T_EQ(c.spd.icmp_type, 135);
    T_EQ(c.spd.icmp_code, 0);
    T_EQ(c.spd.action, IPSEC_ACT_NONE);
    c = one("spdadd 0.0.0.0/0 0.0.0.0/0 icmp 8 -P out bypass;");
    T_EQ(c.spd.icmp_type, 8);
    T_EQ(c.spd.action, IPSEC_ACT_BYPASS);
    c = one("spdadd 0.0.0.0 0.0.0.0 gre 1234 -P out entrust;");
    T_CHECK(c.spd.has_gre_key);
    T_EQ(c.spd.gre_key, 1234);
    T_EQ(c.spd.action, IPSEC_ACT_ENTRUST);
    T_CHECK(addr_is(&c.spd.src, "0.0.0.0", 32, 0));
    c = one("spdadd 0.0.0.0 0.0.0.0 gre 0.0.1.2 -P out none;");
    T_EQ(c.spd.gre_key, 258);
}

TEST(spd_policies)
{
    struct setkey_cmd c = one(
        "spdadd 2001:db8:1::/48 2001:db8:2::/48 any -P out ipsec\n"
        "   esp/transport//require ah/transport//use;");
    T_EQ(c.spd.action, IPSEC_ACT_IPSEC);
    T_EQ(c.spd.nreq, 2);
    T_EQ(c.spd.req[0].proto, IPSEC_PROTO_ESP);
    T_EQ(c.spd.req[0].mode, IPSEC_MODE_TRANSPORT);
    T_EQ(c.spd.req[0].level, IPSEC_LEVEL_REQUIRE);
    T_EQ(c.spd.req[0].tsrc.family, 0);
    T_EQ(c.spd.req[1].proto, IPSEC_PROTO_AH);
    T_EQ(c.spd.req[1].level, IPSEC_LEVEL_USE);

    /* mixed families: IPv6 inside, IPv4 tunnel endpoints */
    c = one("spdadd 2001:db8:1::/48 2001:db8:2::/48 any -P out ipsec "
            "esp/tunnel/192.0.2.1-198.51.100.1/unique:42;");
    T_EQ(c.spd.src.family, AF_INET6);
    T_EQ(c.spd.req[0].mode, IPSEC_MODE_TUNNEL);
    T_CHECK(addr_is(&c.spd.req[0].tsrc, "192.0.2.1", 32, 0));
    T_CHECK(addr_is(&c.spd.req[0].tdst, "198.51.100.1", 32, 0));
    T_EQ(c.spd.req[0].level, IPSEC_LEVEL_UNIQUE);
    T_EQ(c.spd.req[0].reqid, 42);
    /* and the other way round, with NAT-T ports on the endpoints */
    c = one("spdadd 10.0.0.0/8 10.1.0.0/16 any -P in ipsec "
            "esp/tunnel/2001:db8::1[4500]-2001:db8::2[30000]/unique;");
    T_CHECK(addr_is(&c.spd.req[0].tsrc, "2001:db8::1", 128, 4500));
    T_CHECK(addr_is(&c.spd.req[0].tdst, "2001:db8::2", 128, 30000));
    T_EQ(c.spd.req[0].level, IPSEC_LEVEL_UNIQUE);
    T_EQ(c.spd.req[0].reqid, 0);
    /* level omitted (default), trailing '/' */
    c = one("spdadd ::/0 ::/0 any -P out ipsec esp/transport ah/transport// esp/transport//default;");
    T_EQ(c.spd.nreq, 3);
    T_EQ(c.spd.req[0].level, IPSEC_LEVEL_DEFAULT);
    T_EQ(c.spd.req[1].level, IPSEC_LEVEL_DEFAULT);

    /* priorities (ipsec-tools on Linux) */
    const struct { const char *spec; long long v; } prios[] = {
        { "prio 100", 100 }, { "priority -2147483647", -2147483647LL },
        { "prio 2147483648", 2147483648LL }, { "prio def", 0 },
        { "prio def +5", 5 }, { "prio def+5", 5 }, { "priority high - 3", 1073741824LL - 3 },
        { "prio low -1073741823", -1073741824LL - 1073741823LL },
        { "prio high +1073741824", 2147483648LL },
    };
    for (size_t i = 0; i < sizeof prios / sizeof prios[0]; i++) {
        char buf[160];
        snprintf(buf, sizeof buf, "spdadd ::/0 ::/0 any -P out %s ipsec esp/transport//require;",
                 prios[i].spec);
        c = one(buf);
        T_CHECK(c.spd.has_priority);
        T_EQ(c.spd.priority, prios[i].v);
        T_EQ(c.spd.nreq, 1);
    }

    c = one("spdupdate 192.0.2.0/24 192.0.3.0/24 any -P out discard;");
    T_EQ(c.op, SETKEY_SPDUPDATE);
    T_CHECK(!c.spd.has_priority);
    c = one("spddelete 192.0.2.0/24 192.0.3.0/24 any -P out;");
    T_EQ(c.op, SETKEY_SPDDELETE);
    T_EQ(c.spd.dir, IPSEC_DIR_OUT);
    c = one("spddelete -n ::/0 ::/0 icmp6 135,0 -P in none;");
    T_EQ(c.spd.dir, IPSEC_DIR_IN);
    T_EQ(c.spd.icmp_type, 135);
    c = one("spddelete ::/0 ::/0 any -P out ipsec esp/transport//require;");
    T_EQ(c.spd.nreq, 1);
}

TEST(layout_and_comments)
{
    struct setkey_cmds c;
    const char *text =
        "# a comment line\n"
        "flush; spdflush;   # two on a line, then a comment\n"
        "\n"
        "spdadd 10.0.0.0/8\n"
        "       10.1.0.0/16 any   # a comment inside a statement\n"
        "       -P out\tnone\n"
        "       ;\r\n"
        ";;\n"                                  /* empty statements */
        "add 192.0.2.1 192.0.2.2 ah 1000 -A hmac-sha1 \"a # is no comment...\";";
    T_EQ(parse(text, &c), 0);
    T_EQ(c.n, 4);
    if (c.n == 4) {
        T_EQ(c.v[0].op, SETKEY_FLUSH);
        T_EQ(c.v[0].line, 2);
        T_EQ(c.v[1].op, SETKEY_SPDFLUSH);
        T_EQ(c.v[2].op, SETKEY_SPDADD);
        T_EQ(c.v[2].line, 4);
        T_EQ(c.v[3].line, 9);
        T_MEMEQ(c.v[3].sa.akey, "a # is no comment", 17);
    }
    setkey_cmds_free(&c);
    T_EQ(parse("", &c), 0);
    T_EQ(c.n, 0);
    T_EQ(parse("  # only a comment, no newline", &c), 0);
    T_EQ(c.n, 0);
    setkey_cmds_free(&c);
    /* the text need not be NUL-terminated */
    struct setkey_error e;
    const char buf[] = { 'f', 'l', 'u', 's', 'h', ';', 'd', 'u', 'm', 'p' };
    T_EQ(setkey_parse(buf, 6, &c, &e), 0);
    T_EQ(c.n, 1);
    setkey_cmds_free(&c);
    T_EQ(setkey_parse(buf, sizeof buf, &c, &e), -1);
    T_STREQ(e.msg, "missing ';' at the end of the statement");
    T_EQ(e.line, 1);
    T_EQ(e.col, 11);
    /* a NULL error pointer is allowed */
    T_EQ(setkey_parse("bogus;", 6, &c, NULL), -1);
}

TEST(error_format)
{
    struct setkey_error e = { .line = 3, .col = 7 };
    char buf[64];
    snprintf(e.msg, sizeof e.msg, "missing ';'");
    setkey_error_format(&e, "/etc/ipsec.conf", buf, sizeof buf);
    T_STREQ(buf, "/etc/ipsec.conf:3:7: missing ';'");
    setkey_error_format(&e, NULL, buf, sizeof buf);
    T_STREQ(buf, "-:3:7: missing ';'");
}

/* ------------------------------------------------------------- refusals */

#define GCM20 "0x000102030405060708090a0b0c0d0e0f10111213"

TEST(refused_algorithms)
{
    ERR("add 192.0.2.1 192.0.2.2 esp 1000 -E des-cbc 0x3ffe05014819ffff;",
        "t.conf:1:37: des-cbc is insecure (56-bit DES) and not supported; use aes-gcm-16");
    ERR("add 192.0.2.1 192.0.2.2 esp 1000 -E 3des-cbc 0x00;",
        "t.conf:1:37: 3des-cbc is insecure (64-bit blocks, RFC 8221) and not supported; use aes-gcm-16");
    ERR("add 192.0.2.1 192.0.2.2 esp 1000 -E blowfish-cbc 0x00;",
        "t.conf:1:37: blowfish-cbc is not supported (64-bit block cipher); use aes-gcm-16");
    ERR("add 192.0.2.1 192.0.2.2 esp 1000 -E cast128-cbc 0x00;",
        "t.conf:1:37: cast128-cbc is not supported (64-bit block cipher); use aes-gcm-16");
    ERR("add 192.0.2.1 192.0.2.2 esp 1000 -E aes-ctr 0x00;",
        "t.conf:1:37: aes-ctr is not supported; use aes-gcm-16");
    ERR("add 192.0.2.1 192.0.2.2 esp 1000 -E aes-foo 0x00;",
        "t.conf:1:37: unknown algorithm 'aes-foo' (-E takes aes-gcm-16, aes-cbc, "
        "chacha20-poly1305, aes-gmac or null)");
    ERR("add 192.0.2.1 192.0.2.2 ah 1000 -A hmac-md5 \"0123456789abcdef\";",
        "t.conf:1:36: hmac-md5 is insecure (MD5) and not supported; use hmac-sha2-256");
    ERR("add 192.0.2.1 192.0.2.2 ah 1000 -A hmac-sha2-512 0x00;",
        "t.conf:1:36: hmac-sha2-512 is not supported; use hmac-sha2-256");
    ERR("add 192.0.2.1 192.0.2.2 ah 1000 -A null;",
        "t.conf:1:36: null (no integrity) is not supported; use hmac-sha2-256");
    ERR("add 192.0.2.1 192.0.2.2 ah 1000 -A tcp-md5 \"x\";",
        "t.conf:1:36: tcp-md5 (TCP-MD5, RFC 2385) is not supported");
    ERR("add 192.0.2.1 192.0.2.2 ah 1000 -A sha1 \"x\";",
        "t.conf:1:36: unknown algorithm 'sha1' (-A takes hmac-sha2-256 or hmac-sha1)");
    ERR("add 192.0.2.1 192.0.2.2 ipcomp 1000 -C deflate;",
        "t.conf:1:25: ipcomp (IP compression) is not supported");
    ERR("add 192.0.2.1 192.0.2.2 esp 1000 -C deflate;",
        "t.conf:1:34: -C (IPComp) is not supported");
    ERR("add 10.1.10.34 10.1.10.36 tcp 0x1000 -A tcp-md5 \"TCP-MD5 BGP secret\" ;",
        "t.conf:1:27: tcp (TCP-MD5 signatures, RFC 2385) is not supported");
    ERR("flush esp-old;", "t.conf:1:7: esp-old (RFC 1827/1826) is not supported");
    ERR("add 192.0.2.1 192.0.2.2 esp 1000 -ctx 1 1 \"x\" -E aes-gcm-16 " GCM20 ";",
        "t.conf:1:34: -ctx (security context labels) is not supported");
    ERR("add 192.0.2.1 192.0.2.2 esp 1000 -hwif em0 -E aes-gcm-16 " GCM20 ";",
        "t.conf:1:34: -hwif (hardware offload) is not supported");
    ERR("spdadd tagged \"x\" -P out none;",
        "t.conf:1:8: 'tagged' policies (PF tags) are not supported");
    ERR("spdadd ::/0 ::/0 any -P out ipsec ipcomp/transport//use;",
        "t.conf:1:35: ipcomp (IP compression) is not supported");
}

TEST(refused_combinations)
{
    ERR("add 192.0.2.1 192.0.2.2 esp 1000 -E aes-cbc 0x00112233445566778899aabbccddeeff;",
        "t.conf:1:34: aes-cbc gives no integrity; add -A hmac-sha2-256");
    ERR("add 192.0.2.1 192.0.2.2 esp 1000 -E null;",
        "t.conf:1:34: null gives no integrity; add -A hmac-sha2-256");
    ERR("add 192.0.2.1 192.0.2.2 esp 1000 -E aes-gcm-16 " GCM20
        " -A hmac-sha1 \"twenty bytes of key!\";",
        "t.conf:1:91: aes-gcm-16 already protects integrity; remove -A");
    ERR("add 192.0.2.1 192.0.2.2 esp 1000 -A hmac-sha1 \"twenty bytes of key!\";",
        "t.conf:1:34: esp needs an encryption algorithm (-E)");
    ERR("add 192.0.2.1 192.0.2.2 esp 1000;",
        "t.conf:1:33: esp needs an encryption algorithm (-E)");
    ERR("add 192.0.2.1 192.0.2.2 ah 1000 -E aes-gcm-16 " GCM20 ";",
        "t.conf:1:33: ah takes no -E (only -A)");
    ERR("add 192.0.2.1 192.0.2.2 ah 1000 -m tunnel ;",
        "t.conf:1:43: ah needs an authentication algorithm (-A)");
    ERR("add 192.0.2.1 192.0.2.2 esp 255 -E aes-gcm-16 " GCM20 ";",
        "t.conf:1:29: SPI 255 is reserved (0-255)");
    ERR("add 192.0.2.1 192.0.2.2 esp 0 -E aes-gcm-16 " GCM20 ";",
        "t.conf:1:29: SPI 0 is reserved (0-255)");
    ERR("add 192.0.2.1 192.0.2.2 esp 0x100000000 -E aes-gcm-16 " GCM20 ";",
        "t.conf:1:29: SPI 0x100000000 out of range (256-4294967295)");
    ERR("add 192.0.2.1 192.0.2.2 esp 99999999999999999999999 -E aes-gcm-16 " GCM20 ";",
        "t.conf:1:29: SPI 99999999999999999999999 out of range (256-4294967295)");
    ERR("add 192.0.2.1 192.0.2.2 esp 12ab -E aes-gcm-16 " GCM20 ";",
        "t.conf:1:29: bad SPI '12ab' (decimal or 0x-hex)");
    ERR("add 192.0.2.1 192.0.2.2 esp +400 -E aes-gcm-16 " GCM20 ";",
        "t.conf:1:29: bad SPI '+400' (decimal or 0x-hex)");
    ERR("add 192.0.2.1 192.0.2.2 esp 0x0x400 -E aes-gcm-16 " GCM20 ";",
        "t.conf:1:29: bad SPI '0x0x400' (decimal or 0x-hex)");
    ERR("add 192.0.2.1 192.0.2.2 esp 0x -E aes-gcm-16 " GCM20 ";",
        "t.conf:1:29: bad SPI '0x' (decimal or 0x-hex)");
    ERR("add 192.0.2.1 192.0.2.2 esp 1000 -r 8193 -E aes-gcm-16 " GCM20 ";",
        "t.conf:1:37: -r 8193 asks for 65544 packets; the window is at most 65536 (-r 8192)");
    ERR("add 192.0.2.1 192.0.2.2 esp 1000 -m tunnel -m transport -E aes-gcm-16 " GCM20 ";",
        "t.conf:1:44: -m given twice");
    ERR("add 192.0.2.1 192.0.2.2 esp 1000 -f zero-pad -f seq-pad -E aes-gcm-16 " GCM20 ";",
        "t.conf:1:46: -f (padding) given twice");
    ERR("add 192.0.2.1 192.0.2.2 esp 1000 -x -E aes-gcm-16 " GCM20 ";",
        "t.conf:1:34: unknown option '-x'");
    ERR("add 192.0.2.1 192.0.2.2 esp 1000 -m both;",
        "t.conf:1:37: expected a mode (transport, tunnel or any), got 'both'");
    ERR("add 192.0.2.1 192.0.2.2 esp 1000 -f pad;",
        "t.conf:1:37: expected zero-pad, random-pad, seq-pad or nocyclic-seq after -f, got 'pad'");
    ERR("add 192.0.2.1 192.0.2.2 esp 1000 -natt 10.0.0.1 10.0.0.2[4500] -E aes-gcm-16 " GCM20 ";",
        "t.conf:1:48: missing [port] after the -natt address");
    ERR("add 192.0.2.1 192.0.2.2 esp 1000 -natt_mtu 0 -E aes-gcm-16 " GCM20 ";",
        "t.conf:1:44: -natt_mtu 0 out of range (1-65535)");
    ERR("add 192.0.2.1 192.0.2.2 esp 1000 -lh -5 -E aes-gcm-16 " GCM20 ";",
        "t.conf:1:38: bad lifetime '-5'");
    ERR("add 192.0.2.1[500] 192.0.2.2 esp 1000 -E aes-gcm-16 " GCM20 ";",
        "t.conf:1:5: a [port] on an SA address needs esp-udp");
    ERR("add 192.0.2.0/24 192.0.2.2 esp 1000 -E aes-gcm-16 " GCM20 ";",
        "t.conf:1:14: a prefix length is not allowed here");
    ERR("add 192.0.2.1 2001:db8::1 esp 1000 -E aes-gcm-16 " GCM20 ";",
        "t.conf:1:5: source and destination are of different address families");
    ERR("add -4 2001:db8::2 2001:db8::1 esp 1000 -E aes-gcm-16 " GCM20 ";",
        "t.conf:1:8: -4 given but the addresses are IPv6");
    ERR("add -4 -6 2001:db8::2 2001:db8::1 esp 1000;",
        "t.conf:1:8: both -4 and -6 given");
    ERR("add -6 myhost.example.com yourhost.example.com ah 123456 -A hmac-sha1 \"x\";",
        "t.conf:1:8: host name 'myhost.example.com' is not resolved here; give a numeric address");
    ERR("add fe80::1%em0 fe80::2%em0 esp 1000;",
        "t.conf:1:5: scoped address 'fe80::1%em0' is not supported");
}

TEST(key_lengths)
{
    ERR("add 192.0.2.1 192.0.2.2 esp 1000 -E aes-gcm-16 0x00112233445566778899aabbccddeeff;",
        "t.conf:1:48: key for aes-gcm-16 must be 20, 28 or 36 bytes, got 16");
    ERR("add 192.0.2.1 192.0.2.2 esp 1000 -E aes-cbc \"twenty bytes of key!\" -A hmac-sha1 0x00;",
        "t.conf:1:45: key for aes-cbc must be 16, 24 or 32 bytes, got 20");
    ERR("add 192.0.2.1 192.0.2.2 esp 1000 -E chacha20-poly1305 \"32 bytes of key, no salt........\";",
        "t.conf:1:55: key for chacha20-poly1305 must be 36 bytes, got 32");
    ERR("add 192.0.2.1 192.0.2.2 ah 1000 -A hmac-sha2-256 \"AH SA configuration!\";",
        "t.conf:1:50: key for hmac-sha2-256 must be 32 bytes, got 20");
    ERR("add 192.0.2.1 192.0.2.2 ah 1000 -A hmac-sha1 \"\";",
        "t.conf:1:46: key for hmac-sha1 must be 20 bytes, got 0");
    ERR("add 192.0.2.1 192.0.2.2 esp 1000 -E aes-gcm-16 0x0011223;",
        "t.conf:1:48: odd number of hex digits (7) in key");
    ERR("add 192.0.2.1 192.0.2.2 esp 1000 -E aes-gcm-16 0x00112g;",
        "t.conf:1:55: bad hex digit 'g' in key");
    ERR("add 192.0.2.1 192.0.2.2 esp 1000 -E aes-gcm-16 0x;",
        "t.conf:1:48: empty hex key");
    ERR("add 192.0.2.1 192.0.2.2 esp 1000 -E aes-gcm-16 ;",
        "t.conf:1:48: missing key after 'aes-gcm-16'");
    ERR("add 192.0.2.1 192.0.2.2 esp 1000 -E aes-gcm-16 -A hmac-sha1 0x00;",
        "t.conf:1:48: missing key after 'aes-gcm-16'");
    ERR("add 192.0.2.1 192.0.2.2 esp 1000 -E aes-gcm-16 key;",
        "t.conf:1:48: key must be 0x-hex or a \"quoted string\", got 'key'");
    ERR("add 192.0.2.1 192.0.2.2 esp 1000 -E;",
        "t.conf:1:36: missing an algorithm after -E");
    /* overlong keys: 65 bytes */
    char buf[400];
    char hex[131];
    for (int i = 0; i < 130; i++)
        hex[i] = "0123456789abcdef"[i % 16];
    hex[130] = '\0';
    snprintf(buf, sizeof buf, "add 192.0.2.1 192.0.2.2 esp 1000 -E aes-gcm-16 0x%s;", hex);
    ERR(buf, "t.conf:1:48: key longer than 64 bytes");
    snprintf(buf, sizeof buf, "add 192.0.2.1 192.0.2.2 esp 1000 -E aes-gcm-16 \"%.65s\";", hex);
    ERR(buf, "t.conf:1:48: key longer than 64 bytes");
    /* exactly 64 bytes is a valid key length for no algorithm here, but
     * reaches the length check rather than the cap */
    snprintf(buf, sizeof buf, "add 192.0.2.1 192.0.2.2 esp 1000 -E aes-gcm-16 0x%.128s;", hex);
    ERR(buf, "t.conf:1:48: key for aes-gcm-16 must be 20, 28 or 36 bytes, got 64");
}

TEST(spd_errors)
{
    ERR("spdadd 10.0.0.0/33 10.0.0.0/8 any -P out none;",
        "t.conf:1:17: prefix length 33 out of range (0-32)");
    ERR("spdadd 2001:db8::/129 ::/0 any -P out none;",
        "t.conf:1:19: prefix length 129 out of range (0-128)");
    ERR("spdadd 2001:db8::/x ::/0 any -P out none;",
        "t.conf:1:19: bad prefix length 'x'");
    ERR("spdadd 10.0.0.256 10.0.0.0/8 any -P out none;",
        "t.conf:1:8: bad address '10.0.0.256'");
    ERR("spdadd 10.0.0.1[65536] 10.0.0.0/8 any -P out none;",
        "t.conf:1:17: port 65536 out of range (0-65535)");
    ERR("spdadd 10.0.0.1[ftp] 10.0.0.0/8 any -P out none;",
        "t.conf:1:17: bad port 'ftp' (a number or any)");
    ERR("spdadd 10.0.0.1[21 10.0.0.0/8 any -P out none;",
        "t.conf:1:16: missing ']' after the port");
    ERR("spdadd 10.0.0.1 ::/0 any -P out none;",
        "t.conf:1:8: source and destination are of different address families");
    ERR("spdadd ::/0 ::/0 foo -P out none;",
        "t.conf:1:18: unknown upper-layer protocol 'foo'");
    ERR("spdadd ::/0 ::/0 256 -P out none;",
        "t.conf:1:18: protocol number 256 out of range (0-255)");
    ERR("spdadd ::/0 ::/0 tcp 135,0 -P out none;",
        "t.conf:1:22: '135,0' after the upper-layer protocol: only icmp, icmp6 (type,code) "
        "and gre (key) take one");
    ERR("spdadd ::/0 ::/0 icmp6 135,256 -P out none;",
        "t.conf:1:28: bad ICMP code in '135,256' (type,code, each 0-255)");
    ERR("spdadd ::/0[1] ::/0 icmp6 135,0 -P out none;",
        "t.conf:1:27: ports and an ICMP type,code cannot both be given");
    ERR("spdadd 0.0.0.0 0.0.0.0 gre 1234 ipsec esp/transport//require ;",
        "t.conf:1:33: expected -P and a policy, got 'ipsec'");
    ERR("spdadd ::/0 ::/0 any;", "t.conf:1:21: missing -P and a policy");
    ERR("spdadd ::/0 ::/0 any -P sideways none;",
        "t.conf:1:25: expected a direction (in, out or fwd) after -P, got 'sideways'");
    ERR("spdadd ::/0 ::/0 any -P out;", "t.conf:1:28: missing discard, none or ipsec");
    ERR("spdadd ::/0 ::/0 any -P out ipsec;",
        "t.conf:1:34: ipsec needs at least one request like esp/transport//require");
    ERR("spdadd ::/0 ::/0 any -P out none esp/transport//require;",
        "t.conf:1:34: unexpected 'esp/transport//require'");
    ERR("spdadd ::/0 ::/0 any -P out ipsec esp;",
        "t.conf:1:35: request 'esp' needs a mode (esp/transport//require)");
    ERR("spdadd ::/0 ::/0 any -P out ipsec esp/tunel//require;",
        "t.conf:1:39: unknown mode 'tunel' (transport or tunnel)");
    ERR("spdadd ::/0 ::/0 any -P out ipsec esp/tunnel//require;",
        "t.conf:1:46: tunnel mode needs the endpoints src-dst");
    ERR("spdadd ::/0 ::/0 any -P out ipsec esp/tunnel/192.0.2.1/require;",
        "t.conf:1:46: endpoints must be src-dst");
    ERR("spdadd ::/0 ::/0 any -P out ipsec esp/tunnel/192.0.2.1-2001:db8::1/require;",
        "t.conf:1:46: tunnel endpoints are of different address families");
    ERR("spdadd ::/0 ::/0 any -P out ipsec esp/tunnel/192.0.2.1-192.0.2.300/require;",
        "t.conf:1:56: bad address '192.0.2.300'");
    ERR("spdadd ::/0 ::/0 any -P out ipsec esp/transport//required;",
        "t.conf:1:50: unknown level 'required' (default, use, require or unique[:id])");
    ERR("spdadd ::/0 ::/0 any -P out ipsec esp/transport//unique:0;",
        "t.conf:1:57: reqid in 'unique:0' must be 1-32767");
    ERR("spdadd ::/0 ::/0 any -P out ipsec esp/transport//unique:32768;",
        "t.conf:1:57: reqid in 'unique:32768' must be 1-32767");
    ERR("spdadd ::/0 ::/0 any -P out ipsec esp/transport//require/x;",
        "t.conf:1:57: too many '/' in request 'esp/transport//require/x'");
    ERR("spdadd ::/0 ::/0 any -P out ipsec esp/transport//use esp/transport//use "
        "esp/transport//use esp/transport//use esp/transport//use;",
        "t.conf:1:111: more than 4 requests in one policy");
    ERR("spdadd ::/0 ::/0 any -P out prio def 5 ipsec esp/transport//use;",
        "t.conf:1:38: bad priority 'def5' (N, or low/def/high with +N or -N)");
    ERR("spdadd ::/0 ::/0 any -P out prio 2147483649 none;",
        "t.conf:1:34: bad priority '2147483649' (N, or low/def/high with +N or -N)");
    ERR("spdadd ::/0 ::/0 any -P out prio high +1073741825 none;",
        "t.conf:1:39: bad priority 'high+1073741825' (N, or low/def/high with +N or -N)");
    ERR("spdadd ::/0 ::/0 any -P out prio none;",
        "t.conf:1:34: bad priority '' (N, or low/def/high with +N or -N)");
    ERR("spdadd ::/0 ::/0 any -ctx 1 1 \"x\" -P out none;",
        "t.conf:1:22: -ctx (security context labels) is not supported");
    ERR("spddelete ::/0 ::/0 any;", "t.conf:1:24: missing -P and a policy");
}

/* ---------------------------------------------------------------- garbage */

TEST(garbage)
{
    ERR("flush", "t.conf:1:6: missing ';' at the end of the statement");
    ERR("flush;\nadd 192.0.2.1 192.0.2.2 esp 1000\n  -E aes-gcm-16 " GCM20 "\n",
        "t.conf:3:59: missing ';' at the end of the statement");
    ERR("flush\nspdflush;", "t.conf:2:1: missing ';' before 'spdflush'");
    ERR("spdadd ::/0 ::/0 any -P out ipsec esp/transport//require\n"
        "spdadd ::/0 ::/0 any -P in ipsec esp/transport//require;",
        "t.conf:2:1: missing ';' before 'spdadd'");
    ERR("add 192.0.2.1 192.0.2.2 esp 1000 -E aes-gcm-16 " GCM20 "\nadd 192.0.2.1;",
        "t.conf:2:1: missing ';' before 'add'");
    ERR("get 192.0.2.1 192.0.2.2 esp\nflush;", "t.conf:2:1: missing ';' before 'flush'");
    ERR("frobnicate everything;", "t.conf:1:1: unknown command 'frobnicate'");
    ERR("\"add\" 1 2;", "t.conf:1:1: unknown command '\"add\"'");
    ERR("flush;\n\n   exit;", "t.conf:3:4: unknown command 'exit'");
    ERR("add 192.0.2.1;", "t.conf:1:14: missing an address");
    ERR("add;", "t.conf:1:4: missing an address");
    ERR("add 192.0.2.1 192.0.2.2;", "t.conf:1:24: missing a protocol (esp, esp-udp or ah)");
    ERR("add 192.0.2.1 192.0.2.2 esp;", "t.conf:1:28: missing an SPI");
    ERR("flush esp ah;", "t.conf:1:11: unexpected 'ah'");
    ERR("flush bogus;", "t.conf:1:7: expected a protocol (esp, esp-udp or ah), got 'bogus'");
    ERR("spdflush now;", "t.conf:1:10: unexpected 'now'");
    ERR("add 192.0.2.1 192.0.2.2 ah 1000 -A hmac-sha1 \"unterminated;\nflush;",
        "t.conf:1:46: unterminated string");
    ERR("add 192.0.2.1 192.0.2.2 ah 1000 -A hmac-sha1 \"unterminated",
        "t.conf:1:46: unterminated string");
    ERR("flush;\nflush \x01;", "t.conf:2:7: unexpected byte 0x01");
    ERR("flush; # caf\xc3\xa9 is fine in a comment\nflush \xc3\xa9;",
        "t.conf:2:7: unexpected byte 0xc3");

    /* a NUL byte, in a statement and in a comment */
    struct setkey_cmds c;
    struct setkey_error e;
    const char nul[] = "flush;\nfl\0ush;";
    T_EQ(setkey_parse(nul, sizeof nul - 1, &c, &e), -1);
    T_EQ(e.line, 2);
    T_EQ(e.col, 3);
    T_STREQ(e.msg, "NUL byte in input");
    T_CHECK(c.v == NULL && c.n == 0);
    const char nul2[] = "flush; # x\0y\n";
    T_EQ(setkey_parse(nul2, sizeof nul2 - 1, &c, &e), -1);
    T_EQ(e.col, 11);
    const char nul3[] = "add 1.2.3.4 1.2.3.5 ah 1000 -A hmac-sha1 \"ab\0cd\";";
    T_EQ(setkey_parse(nul3, sizeof nul3 - 1, &c, &e), -1);
    T_STREQ(e.msg, "NUL byte in input");
    T_EQ(e.col, 45);
}

TEST(caps)
{
    /* a word over SETKEY_MAX_WORD bytes, on a very long line */
    size_t n = 100000;
    char *big = malloc(n + 16);
    T_CHECK(big != NULL);
    if (!big)
        return;
    memcpy(big, "flush ", 6);
    memset(big + 6, 'a', n);
    strcpy(big + 6 + n, ";");
    ERR(big, "t.conf:1:7: word longer than 512 bytes");
    /* a quoted string over the cap */
    memcpy(big, "flush \"", 7);
    memset(big + 7, 'a', n);
    strcpy(big + 7 + n, "\";");
    ERR(big, "t.conf:1:7: string longer than 512 bytes");
    /* a statement over SETKEY_MAX_STMT bytes: words with much space between */
    memset(big, ' ', n);
    memcpy(big, "flush", 5);
    memcpy(big + 9000, "esp;", 5);
    ERR(big, "t.conf:1:1: statement longer than 8192 bytes (missing ';'?)");
    /* more than SETKEY_MAX_WORDS words */
    big[0] = '\0';
    strcat(big, "spdadd");
    for (int i = 0; i < 70; i++)
        strcat(big, " x");
    strcat(big, ";");
    ERR(big, "t.conf:1:134: statement has more than 64 words (missing ';'?)");
    free(big);

    /* SETKEY_MAX_CMDS statements parse, one more does not */
    size_t cap = (SETKEY_MAX_CMDS + 10) * 7 + 1;
    char *many = malloc(cap);
    T_CHECK(many != NULL);
    if (!many)
        return;
    many[0] = '\0';
    for (unsigned i = 0; i < SETKEY_MAX_CMDS; i++)
        strcat(many + (size_t)i * 7, "flush;\n");
    struct setkey_cmds c;
    T_EQ(parse(many, &c), 0);
    T_EQ(c.n, SETKEY_MAX_CMDS);
    if (c.n == SETKEY_MAX_CMDS)
        T_EQ(c.v[SETKEY_MAX_CMDS - 1].line, SETKEY_MAX_CMDS);
    setkey_cmds_free(&c);
    for (unsigned i = SETKEY_MAX_CMDS; i < SETKEY_MAX_CMDS + 10; i++)
        strcat(many + (size_t)i * 7, "flush;\n");
    ERR(many, "t.conf:4097:1: more than 4096 statements");
    free(many);

    /* the whole input over SETKEY_MAX_INPUT */
    char *huge = malloc(SETKEY_MAX_INPUT + 2);
    T_CHECK(huge != NULL);
    if (!huge)
        return;
    memset(huge, '#', SETKEY_MAX_INPUT + 1);
    huge[SETKEY_MAX_INPUT + 1] = '\0';
    ERR(huge, "t.conf:1:1: input larger than 1048576 bytes");
    huge[SETKEY_MAX_INPUT] = '\0';          /* exactly the cap: a comment */
    T_EQ(parse(huge, &c), 0);
    T_EQ(c.n, 0);
    setkey_cmds_free(&c);
    free(huge);
}

TEST(nothing_half_returned)
{
    struct setkey_cmds c = { 0 };
    const char *text = "flush;\nspdflush;\nadd 192.0.2.1 192.0.2.2 esp 1000 -E aes-gcm-16 "
                       GCM20 ";\nadd 192.0.2.1 192.0.2.2 esp 1001 -E des-cbc 0x00;\n";
    T_EQ(parse(text, &c), -1);
    T_STREQ(errbuf, "t.conf:4:37: des-cbc is insecure (56-bit DES) and not supported; "
            "use aes-gcm-16");
    T_CHECK(c.v == NULL);
    T_EQ(c.n, 0);
    setkey_cmds_free(&c);                   /* harmless on the empty result */
}

/* ------------------------------------------------------ man-page examples */

static char *read_data(const char *name, size_t *len)
{
    char path[512];
    const char *dirs[] = { "tests/data/setkey", NULL };
    /* also relative to this source file, for runs from elsewhere */
    char here[400];
    snprintf(here, sizeof here, "%s", __FILE__);
    char *slash = strrchr(here, '/');
    if (slash) {
        strcpy(slash, "/../data/setkey");
        dirs[1] = here;
    }
    for (int i = 0; i < 2 && dirs[i]; i++) {
        snprintf(path, sizeof path, "%s/%s", dirs[i], name);
        FILE *f = fopen(path, "rb");
        if (!f)
            continue;
        char *buf = malloc(65536);
        size_t n = buf ? fread(buf, 1, 65535, f) : 0;
        fclose(f);
        if (buf)
            buf[n] = '\0';
        *len = n;
        return buf;
    }
    fprintf(stderr, "  cannot open test data %s\n", name);
    t_case_failed = 1;
    return NULL;
}

/* Parse a data file: want_n commands, or the error "name:L:C: msg". */
static void check_file(const char *name, size_t want_n, const char *want_err,
                       struct setkey_cmds *keep)
{
    size_t len = 0;
    char *text = read_data(name, &len);
    struct setkey_cmds c;
    struct setkey_error e;
    char got[300], want[300];
    if (!text)
        return;
    int r = setkey_parse(text, len, &c, &e);
    free(text);
    if (want_err) {
        snprintf(want, sizeof want, "%s:%s", name, want_err);
        setkey_error_format(&e, name, got, sizeof got);
        if (r == 0 || strcmp(got, want) != 0) {
            fprintf(stderr, "  %s: got \"%s\"\n    want \"%s\"\n", name, r ? got : "(parsed)", want);
            t_case_failed = 1;
        }
        setkey_cmds_free(&c);
        return;
    }
    if (r != 0) {
        setkey_error_format(&e, name, got, sizeof got);
        fprintf(stderr, "  %s: %s\n", name, got);
        t_case_failed = 1;
    }
    T_EQ(c.n, want_n);
    if (keep)
        *keep = c;
    else
        setkey_cmds_free(&c);
}

TEST(freebsd_examples)
{
    struct setkey_cmds c = { 0 };
    check_file("freebsd-01-esp-aes-gcm.conf", 1, NULL, &c);
    if (c.n == 1) {
        T_EQ(c.v[0].sa.ealg, IPSEC_EALG_AES_GCM16);
        T_EQ(c.v[0].sa.ekey_len, 20);
        T_EQ(c.v[0].sa.spi, 123457);
        T_CHECK(addr_is(&c.v[0].sa.dst, "3ffe:501:481d::1", 128, 0));
    }
    setkey_cmds_free(&c);
    check_file("freebsd-02-ah-fqdn.conf", 0,
               "1:8: host name 'myhost.example.com' is not resolved here; give a numeric address",
               NULL);
    check_file("freebsd-02-ah-fqdn.fixed.conf", 1, NULL, NULL);
    check_file("freebsd-03-get.conf", 1, NULL, NULL);
    check_file("freebsd-04-flush.conf", 1, NULL, NULL);
    check_file("freebsd-05-dump-esp.conf", 1, NULL, NULL);
    check_file("freebsd-06-spdadd-tunnel.conf", 1, NULL, &c);
    if (c.n == 1) {
        T_EQ(c.v[0].spd.dir, IPSEC_DIR_OUT);
        T_EQ(c.v[0].spd.req[0].mode, IPSEC_MODE_TUNNEL);
        T_CHECK(addr_is(&c.v[0].spd.req[0].tdst, "192.168.1.2", 32, 0));
        T_EQ(c.v[0].spd.req[0].level, IPSEC_LEVEL_REQUIRE);
    }
    setkey_cmds_free(&c);
    check_file("freebsd-07-tcp-md5.conf", 0,
               "1:27: tcp (TCP-MD5 signatures, RFC 2385) is not supported", NULL);
    check_file("freebsd-07-tcp-md5.fixed.conf", 2, NULL, NULL);
    check_file("freebsd-08-icmp6-ns.conf", 1, NULL, NULL);
}

TEST(freebsd_example_key_too_short)
{
    /* with numeric addresses the 2nd FreeBSD example still fails: its
     * 20-byte string is no key for hmac-sha2-256 */
    ERR("add -6 3ffe:501:4819::1 3ffe:501:481d::1 ah 123456\n"
        "\t-A hmac-sha2-256 \"AH SA configuration!\" ;\n",
        "t.conf:2:19: key for hmac-sha2-256 must be 32 bytes, got 20");
}

TEST(netbsd_examples)
{
    struct setkey_cmds c = { 0 };
    check_file("netbsd-01-esp-des.conf", 0,
               "2:5: des-cbc is insecure (56-bit DES) and not supported; use aes-gcm-16", NULL);
    check_file("netbsd-01-esp-des.fixed.conf", 1, NULL, NULL);
    check_file("netbsd-02-ah-fqdn.conf", 0,
               "1:8: host name 'myhost.example.com' is not resolved here; give a numeric address",
               NULL);
    check_file("netbsd-02-ah-fqdn.fixed.conf", 1, NULL, NULL);
    check_file("netbsd-03-esp-des-hmac-md5.conf", 0,
               "2:5: des-cbc is insecure (56-bit DES) and not supported; use aes-gcm-16", NULL);
    check_file("netbsd-03-esp-des-hmac-md5.fixed.conf", 1, NULL, &c);
    if (c.n == 1) {
        T_EQ(c.v[0].sa.ealg, IPSEC_EALG_AES_CBC);
        T_EQ(c.v[0].sa.aalg, IPSEC_AALG_HMAC_SHA1_96);
        T_EQ(c.v[0].sa.spi, 0x10001);
    }
    setkey_cmds_free(&c);
    check_file("netbsd-04-get.conf", 1, NULL, NULL);
    check_file("netbsd-05-flush.conf", 1, NULL, NULL);
    check_file("netbsd-06-dump-esp.conf", 1, NULL, NULL);
    check_file("netbsd-07-spdadd-tunnel.conf", 1, NULL, NULL);
    check_file("netbsd-08-tcp-md5.conf", 0,
               "1:27: tcp (TCP-MD5 signatures, RFC 2385) is not supported", NULL);
    check_file("netbsd-08-tcp-md5.fixed.conf", 1, NULL, NULL);
    check_file("netbsd-09-ctx-sa.conf", 0,
               "2:2: -ctx (security context labels) is not supported", NULL);
    check_file("netbsd-09-ctx-sa.fixed.conf", 1, NULL, NULL);
    check_file("netbsd-10-ctx-spd.conf", 0,
               "2:2: -ctx (security context labels) is not supported", NULL);
    check_file("netbsd-10-ctx-spd.fixed.conf", 1, NULL, NULL);
    check_file("netbsd-11-icmp6-ns.conf", 1, NULL, NULL);
    check_file("netbsd-12-gre.conf", 0, "1:33: expected -P and a policy, got 'ipsec'", NULL);
    check_file("netbsd-12-gre.fixed.conf", 1, NULL, &c);
    if (c.n == 1) {
        T_EQ(c.v[0].spd.ulproto, 47);
        T_EQ(c.v[0].spd.gre_key, 1234);
    }
    setkey_cmds_free(&c);
    check_file("netbsd-13-natt-ports.conf", 1, NULL, &c);
    if (c.n == 1) {
        T_CHECK(addr_is(&c.v[0].spd.src, "10.0.11.0", 24, 0));
        T_CHECK(addr_is(&c.v[0].spd.req[0].tsrc, "192.168.0.1", 32, 4500));
        T_CHECK(addr_is(&c.v[0].spd.req[0].tdst, "192.168.1.2", 32, 30000));
    }
    setkey_cmds_free(&c);
}

TEST(mixed_family_file)
{
    struct setkey_cmds c = { 0 };
    check_file("mixed-v6-in-v4-tunnel.conf", 6, NULL, &c);
    if (c.n == 6) {
        T_EQ(c.v[2].op, SETKEY_ADD);
        T_EQ(c.v[2].line, 6);
        T_EQ(c.v[2].sa.src.family, AF_INET);
        T_CHECK(c.v[2].sa.esn);
        T_EQ(c.v[2].sa.replay_packets, 512);
        T_EQ(c.v[4].op, SETKEY_SPDADD);
        T_EQ(c.v[4].spd.src.family, AF_INET6);
        T_EQ(c.v[4].spd.src.prefixlen, 48);
        T_EQ(c.v[4].spd.req[0].tsrc.family, AF_INET);
        T_EQ(c.v[4].spd.req[0].reqid, 101);
        T_EQ(c.v[5].spd.dir, IPSEC_DIR_IN);
    }
    setkey_cmds_free(&c);
}

int main(void)
{
    RUN(sa_add_algorithms);
    RUN(sa_extensions);
    RUN(sa_other_commands);
    RUN(spd_selectors);
    RUN(spd_policies);
    RUN(layout_and_comments);
    RUN(error_format);
    RUN(refused_algorithms);
    RUN(refused_combinations);
    RUN(key_lengths);
    RUN(spd_errors);
    RUN(garbage);
    RUN(caps);
    RUN(nothing_half_returned);
    RUN(freebsd_examples);
    RUN(freebsd_example_key_too_short);
    RUN(netbsd_examples);
    RUN(mixed_family_file);
    return t_done();
}
