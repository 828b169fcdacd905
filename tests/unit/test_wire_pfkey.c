/* PF_KEY v2 messages: builder -> parser round trips for every message
 * type, and every rejection. */
#include <arpa/inet.h>
#include "../lib/t.h"
#include "wire/pfkey.h"

static union pfkey_sockaddr sa4(const char *s, uint16_t port)
{
  union pfkey_sockaddr u;
  memset(&u, 0, sizeof u);
  u.sin.sin_family = AF_INET;
  u.sin.sin_port = htons(port);
  if (inet_pton(AF_INET, s, &u.sin.sin_addr) != 1) abort();
  return u;
}

static union pfkey_sockaddr sa6(const char *s, uint16_t port)
{
  union pfkey_sockaddr u;
  memset(&u, 0, sizeof u);
  u.sin6.sin6_family = AF_INET6;
  u.sin6.sin6_port = htons(port);
  if (inet_pton(AF_INET6, s, &u.sin6.sin6_addr) != 1) abort();
  return u;
}

static struct pfkey_address addr(union pfkey_sockaddr sa, uint8_t prefixlen, uint8_t proto)
{
  struct pfkey_address a = { .proto = proto, .prefixlen = prefixlen, .addr = sa };
  return a;
}

static void hdr(struct pfkey_builder *b, uint8_t *buf, size_t cap, uint8_t type, uint8_t satype)
{
  struct pfkey_hdr h = { .version = PF_KEY_V2, .type = type, .satype = satype, .seq = 77, .pid = 4242 };
  pfkey_build_init(b, buf, cap, &h);
}

static const uint8_t key_enc[20] = "0123456789abcdefSALT";   /* AES-128-GCM key + salt: 160 bits */
static const uint8_t key_auth[32] = "abcdefghijklmnopqrstuvwxyz012345";

static void add_sd4(struct pfkey_builder *b)
{
  struct pfkey_address s = addr(sa4("192.0.2.1", 0), 32, 255);
  struct pfkey_address d = addr(sa4("198.51.100.1", 0), 32, 255);
  pfkey_add_address(b, SADB_EXT_ADDRESS_SRC, &s);
  pfkey_add_address(b, SADB_EXT_ADDRESS_DST, &d);
}

static void add_sd6(struct pfkey_builder *b)
{
  struct pfkey_address s = addr(sa6("2001:db8:1::", 0), 48, 255);
  struct pfkey_address d = addr(sa6("2001:db8:2::", 443), 48, 6);
  pfkey_add_address(b, SADB_EXT_ADDRESS_SRC, &s);
  pfkey_add_address(b, SADB_EXT_ADDRESS_DST, &d);
}

static void add_sa(struct pfkey_builder *b)
{
  struct pfkey_sa sa = { .spi = 0x00012345, .replay = 32, .state = SADB_SASTATE_MATURE,
                         .auth = SADB_AALG_NONE, .encrypt = SADB_X_EALG_AESGCM16,
                         .flags = SADB_X_SAFLAGS_ESN };
  pfkey_add_sa(b, &sa);
}

static void add_lifetimes(struct pfkey_builder *b, bool current)
{
  struct pfkey_lifetime hard = { 0, 1u << 30, 3600, 0 }, soft = { 0, 1u << 29, 3000, 0 };
  struct pfkey_lifetime cur = { 5, 123456, 1700000000, 1700000100 };
  if (current) pfkey_add_lifetime(b, SADB_EXT_LIFETIME_CURRENT, &cur);
  pfkey_add_lifetime(b, SADB_EXT_LIFETIME_HARD, &hard);
  pfkey_add_lifetime(b, SADB_EXT_LIFETIME_SOFT, &soft);
}

/* SPDADD-style policy: out, ipsec, two requests in tunnel mode with IPv4
 * endpoints (the selectors are IPv6: IPv6-in-IPv4). */
static struct pfkey_policy tunnel_policy(void)
{
  struct pfkey_policy p;
  memset(&p, 0, sizeof p);
  p.type = 2;                  /* IPSEC_ACT_IPSEC */
  p.dir = 2;                   /* IPSEC_DIR_OUT */
  p.priority = 0x80000000u;
  p.nreq = 2;
  p.req[0] = (struct pfkey_ipsecreq){ .proto = IPPROTO_ESP, .mode = 2, .level = 2, .reqid = 0,
                                      .has_addrs = true, .src = sa4("192.0.2.1", 0),
                                      .dst = sa4("198.51.100.1", 0) };
  p.req[1] = (struct pfkey_ipsecreq){ .proto = IPPROTO_AH, .mode = 2, .level = 3, .reqid = 9,
                                      .has_addrs = true, .src = sa4("192.0.2.2", 0),
                                      .dst = sa4("198.51.100.2", 0) };
  return p;
}

static void add_idents(struct pfkey_builder *b)
{
  struct pfkey_ident s = { .type = SADB_IDENTTYPE_FQDN, .data = (const uint8_t *)"left.example", .data_len = 13 };
  struct pfkey_ident d = { .type = SADB_IDENTTYPE_USERFQDN, .id = 7, .data = (const uint8_t *)"me@right.example", .data_len = 17 };
  pfkey_add_ident(b, SADB_EXT_IDENTITY_SRC, &s);
  pfkey_add_ident(b, SADB_EXT_IDENTITY_DST, &d);
}

static void add_natt(struct pfkey_builder *b)
{
  struct pfkey_natt_type t = { .type = PFKEY_NATT_ESPINUDP };
  struct pfkey_natt_port sp = { .port = 4500 }, dp = { .port = 61234 };
  struct pfkey_natt_frag f = { .fraglen = 1400 };
  struct pfkey_address oai = addr(sa4("10.0.0.5", 0), 32, 255);
  struct pfkey_address oar = addr(sa4("203.0.113.5", 0), 32, 255);
  pfkey_add_natt_type(b, &t);
  pfkey_add_natt_port(b, SADB_X_EXT_NAT_T_SPORT, &sp);
  pfkey_add_natt_port(b, SADB_X_EXT_NAT_T_DPORT, &dp);
  pfkey_add_address(b, SADB_X_EXT_NAT_T_OAI, &oai);
  pfkey_add_address(b, SADB_X_EXT_NAT_T_OAR, &oar);
  pfkey_add_natt_frag(b, &f);
}

static void add_sa_exts(struct pfkey_builder *b, uint8_t type)
{
  add_sa(b);
  struct pfkey_sa2 sa2 = { .mode = 2, .sequence = 0, .reqid = 16385 };
  pfkey_add_sa2(b, &sa2);
  add_lifetimes(b, type == SADB_UPDATE);
  add_sd4(b);
  pfkey_add_key(b, SADB_EXT_KEY_ENCRYPT, 160, 0, key_enc, sizeof key_enc);
  if (type == SADB_ADD) pfkey_add_key(b, SADB_EXT_KEY_AUTH, 256, 0, key_auth, sizeof key_auth);
  add_idents(b);
  add_natt(b);
  pfkey_add_sa_replay(b, 4096);
  if (type == SADB_UPDATE) {
    struct pfkey_address ns = addr(sa4("192.0.2.99", 0), 32, 255);
    struct pfkey_address nd = addr(sa6("2001:db8::99", 0), 128, 255);
    pfkey_add_address(b, SADB_X_EXT_NEW_ADDRESS_SRC, &ns);
    pfkey_add_address(b, SADB_X_EXT_NEW_ADDRESS_DST, &nd);
  }
}

static void add_acquire(struct pfkey_builder *b)
{
  add_sd4(b);
  struct pfkey_address px = addr(sa6("2001:db8::1", 0), 128, 255);
  pfkey_add_address(b, SADB_EXT_ADDRESS_PROXY, &px);
  struct pfkey_comb c[2] = {
    { .encrypt = SADB_X_EALG_AESGCM16, .encrypt_minbits = 128, .encrypt_maxbits = 256,
      .soft_addtime = 2880, .hard_addtime = 3600 },
    { .auth = SADB_X_AALG_SHA2_256, .encrypt = SADB_X_EALG_AESCBC, .auth_minbits = 256,
      .auth_maxbits = 256, .encrypt_minbits = 128, .encrypt_maxbits = 256, .hard_bytes = 1ull << 40 },
  };
  pfkey_add_prop(b, 32, NULL, c, 2);
  struct pfkey_policy p = tunnel_policy();
  p.id = 12;
  pfkey_add_policy(b, &p);
}

static void add_register_reply(struct pfkey_builder *b)
{
  struct pfkey_alg aa[2] = { { SADB_X_AALG_SHA2_256, 0, 256, 256, 0 }, { SADB_AALG_SHA1HMAC, 0, 160, 160, 0 } };
  struct pfkey_alg ea[3] = { { SADB_X_EALG_AESCBC, 16, 128, 256, 0 }, { SADB_X_EALG_AESGCM16, 8, 160, 288, 0 },
                             { SADB_EALG_NULL, 0, 0, 2048, 0 } };
  pfkey_add_supported(b, SADB_EXT_SUPPORTED_AUTH, 0, aa, 2);
  pfkey_add_supported(b, SADB_EXT_SUPPORTED_ENCRYPT, 0, ea, 3);
}

static void add_spd(struct pfkey_builder *b, uint8_t type)
{
  add_sd6(b);
  if (type == SADB_X_SPDDELETE2 || type == SADB_X_SPDGET) {
    struct pfkey_policy p = { .type = 0, .dir = 0, .id = 31 };   /* by id */
    pfkey_add_policy(b, &p);
    return;
  }
  if (type == SADB_X_SPDEXPIRE) add_lifetimes(b, true);
  else if (type == SADB_X_SPDADD || type == SADB_X_SPDUPDATE) add_lifetimes(b, false);
  struct pfkey_policy p = tunnel_policy();
  if (type == SADB_X_SPDDELETE) {   /* "-P out;": type 0, no requests */
    p.type = 0;
    p.nreq = 0;
  }
  pfkey_add_policy(b, &p);
}

/* A typical message of each type (what setkey / racoon / the kernel send). */
static size_t build_msg(uint8_t type, uint8_t *buf, size_t cap)
{
  struct pfkey_builder b;
  hdr(&b, buf, cap, type, SADB_SATYPE_ESP);
  switch (type) {
  case SADB_GETSPI: {
    add_sd4(&b);
    struct pfkey_spirange r = { .min = 0x100, .max = 0x0fffffff };
    pfkey_add_spirange(&b, &r);
    struct pfkey_sa2 sa2 = { .mode = 1, .reqid = 3 };
    pfkey_add_sa2(&b, &sa2);
    break;
  }
  case SADB_UPDATE: case SADB_ADD: add_sa_exts(&b, type); break;
  case SADB_DELETE: case SADB_GET: add_sa(&b); add_sd4(&b); break;
  case SADB_ACQUIRE: add_acquire(&b); break;
  case SADB_REGISTER: add_register_reply(&b); break;
  case SADB_EXPIRE: add_sa(&b); add_lifetimes(&b, true); add_sd4(&b); break;
  case SADB_FLUSH: case SADB_DUMP: case SADB_X_PCHANGE: case SADB_X_SPDDUMP: case SADB_X_SPDFLUSH: break;
  case SADB_X_PROMISC: pfkey_add_kmprivate(&b, 0, (const uint8_t *)"opaque!!", 8); break;
  default: add_spd(&b, type); break;   /* SADB_X_SPD* */
  }
  return pfkey_build_finish(&b);
}

static size_t rebuild(const struct pfkey_msg *m, uint8_t *buf, size_t cap)
{
  struct pfkey_builder b;
  pfkey_build_init(&b, buf, cap, &m->hdr);
  for (size_t i = 0; i < m->n_ext; i++) pfkey_add_parsed(&b, m, m->order[i]);
  return pfkey_build_finish(&b);
}

TEST(roundtrip_every_type)
{
  for (uint8_t t = 1; t <= SADB_MAX; t++) {
    uint8_t buf[2048], again[2048];
    size_t n = build_msg(t, buf, sizeof buf);
    T_CHECK(n >= PFKEY_MSG_LEN && n % 8 == 0);
    struct pfkey_msg m;
    enum wire_reason r = pfkey_parse(buf, n, &m);
    if (r != WR_OK) fprintf(stderr, "  type %u: %s\n", t, wire_reason_str(r));
    T_EQ(r, WR_OK);
    T_EQ(m.hdr.type, t);
    T_EQ(m.hdr.len * 8, n);
    T_EQ(m.hdr.seq, 77);
    T_EQ(m.hdr.pid, 4242);
    T_EQ(rebuild(&m, again, sizeof again), n);
    T_MEMEQ(again, buf, n);
  }
}

TEST(add_decoded)
{
  uint8_t buf[2048];
  size_t n = build_msg(SADB_ADD, buf, sizeof buf);
  struct pfkey_msg m;
  T_EQ(pfkey_parse(buf, n, &m), WR_OK);
  T_EQ(m.hdr.satype, SADB_SATYPE_ESP);
  T_EQ(m.sa.spi, 0x00012345);
  T_EQ(buf[m.ext[SADB_EXT_SA] - buf + 4], 0x00);   /* SPI in network order */
  T_EQ(buf[m.ext[SADB_EXT_SA] - buf + 7], 0x45);
  T_EQ(m.sa.encrypt, SADB_X_EALG_AESGCM16);
  T_EQ(m.sa.flags, SADB_X_SAFLAGS_ESN);
  T_EQ(m.sa2.mode, 2);
  T_EQ(m.sa2.reqid, 16385);
  T_EQ(m.lft_hard.addtime, 3600);
  T_EQ(m.lft_soft.bytes, 1u << 29);
  T_CHECK(!m.ext[SADB_EXT_LIFETIME_CURRENT]);
  T_EQ(m.src.addr.sa.sa_family, AF_INET);
  T_EQ(m.src.prefixlen, 32);
  T_EQ(m.ext_len[SADB_EXT_ADDRESS_SRC], 24);
  T_EQ(m.key_encrypt.bits, 160);
  T_EQ(m.key_encrypt.data_len, 24);                /* 20 bytes padded to 8 */
  T_MEMEQ(m.key_encrypt.data, key_enc, 20);
  T_EQ(m.key_auth.bits, 256);
  T_EQ(m.ident_src.type, SADB_IDENTTYPE_FQDN);
  T_STREQ((const char *)m.ident_src.data, "left.example");
  T_EQ(m.ident_dst.id, 7);
  T_EQ(m.natt_type.type, PFKEY_NATT_ESPINUDP);
  T_EQ(m.natt_sport.port, 4500);
  T_EQ(m.natt_dport.port, 61234);
  T_EQ(buf[m.ext[SADB_X_EXT_NAT_T_SPORT] - buf + 4], 4500 >> 8);   /* network order */
  T_EQ(m.natt_oar.addr.sin.sin_addr.s_addr, htonl(0xcb007105));
  T_EQ(m.natt_frag.fraglen, 1400);
  T_EQ(m.sa_replay, 4096);
  T_EQ(pfkey_msg_address(&m, SADB_EXT_ADDRESS_DST)->addr.sin.sin_addr.s_addr, htonl(0xc6336401));
  T_CHECK(pfkey_msg_address(&m, SADB_EXT_SA) == NULL);
  T_CHECK(pfkey_msg_key(&m, SADB_EXT_KEY_AUTH) == &m.key_auth);
  T_CHECK(pfkey_msg_lifetime(&m, SADB_EXT_LIFETIME_SOFT) == &m.lft_soft);
  T_CHECK(pfkey_msg_ident(&m, SADB_EXT_IDENTITY_DST) == &m.ident_dst);
  T_CHECK(pfkey_msg_natt_port(&m, SADB_X_EXT_NAT_T_DPORT) == &m.natt_dport);
  T_CHECK(pfkey_msg_supported(&m, SADB_EXT_KEY_AUTH) == NULL);
  /* every pointer lies inside the message */
  for (unsigned t = 1; t <= SADB_EXT_MAX; t++)
    if (m.ext[t]) T_CHECK(m.ext[t] >= buf + 16 && m.ext[t] + m.ext_len[t] <= buf + n);
}

TEST(spdadd_tunnel_v6_in_v4)
{
  uint8_t buf[1024];
  size_t n = build_msg(SADB_X_SPDADD, buf, sizeof buf);
  struct pfkey_msg m;
  T_EQ(pfkey_parse(buf, n, &m), WR_OK);
  T_EQ(m.src.addr.sa.sa_family, AF_INET6);
  T_EQ(m.src.prefixlen, 48);
  T_EQ(m.dst.proto, 6);
  T_EQ(ntohs(m.dst.addr.sin6.sin6_port), 443);     /* ports kept as given */
  T_EQ(m.ext_len[SADB_EXT_ADDRESS_SRC], 40);       /* 8 + 28, padded */
  T_EQ(m.policy.type, 2);
  T_EQ(m.policy.dir, 2);
  T_EQ(m.policy.priority, 0x80000000u);
  T_EQ(m.policy.nreq, 2);
  T_EQ(m.ext_len[SADB_X_EXT_POLICY], 16 + 40 + 40);
  T_EQ(m.policy.req[0].proto, IPPROTO_ESP);
  T_EQ(m.policy.req[0].mode, 2);
  T_EQ(m.policy.req[0].level, 2);
  T_CHECK(m.policy.req[0].has_addrs);
  T_EQ(m.policy.req[0].src.sin.sin_addr.s_addr, htonl(0xc0000201));
  T_EQ(m.policy.req[0].dst.sin.sin_addr.s_addr, htonl(0xc6336401));
  T_EQ(m.policy.req[1].proto, IPPROTO_AH);
  T_EQ(m.policy.req[1].level, 3);
  T_EQ(m.policy.req[1].reqid, 9);
  T_EQ(m.policy.req[1].dst.sin.sin_addr.s_addr, htonl(0xc6336402));
  /* a transport-mode request needs no addresses */
  struct pfkey_builder b;
  hdr(&b, buf, sizeof buf, SADB_X_SPDADD, 0);
  add_sd6(&b);
  struct pfkey_policy p = { .type = 2, .dir = 1, .nreq = 1 };
  p.req[0] = (struct pfkey_ipsecreq){ .proto = IPPROTO_ESP, .mode = 1, .level = 1 };
  pfkey_add_policy(&b, &p);
  n = pfkey_build_finish(&b);
  T_EQ(pfkey_parse(buf, n, &m), WR_OK);
  T_EQ(m.policy.nreq, 1);
  T_CHECK(!m.policy.req[0].has_addrs);
  T_EQ(m.ext_len[SADB_X_EXT_POLICY], 24);
}

TEST(acquire_and_register_lists)
{
  uint8_t buf[2048];
  size_t n = build_msg(SADB_ACQUIRE, buf, sizeof buf);
  struct pfkey_msg m;
  T_EQ(pfkey_parse(buf, n, &m), WR_OK);
  T_EQ(m.prop.replay, 32);
  T_EQ(m.prop.ncomb, 2);
  struct pfkey_comb c;
  pfkey_comb_get(&m.prop, 1, &c);
  T_EQ(c.auth, SADB_X_AALG_SHA2_256);
  T_EQ(c.encrypt_maxbits, 256);
  T_EQ(c.hard_bytes, 1ull << 40);
  T_EQ(m.proxy.addr.sa.sa_family, AF_INET6);
  n = build_msg(SADB_REGISTER, buf, sizeof buf);
  T_EQ(pfkey_parse(buf, n, &m), WR_OK);
  T_EQ(m.sup_auth.nalg, 2);
  T_EQ(m.sup_encrypt.nalg, 3);
  struct pfkey_alg a;
  pfkey_alg_get(&m.sup_encrypt, 1, &a);
  T_EQ(a.id, SADB_X_EALG_AESGCM16);
  T_EQ(a.ivlen, 8);
  T_EQ(a.minbits, 160);
  T_EQ(a.maxbits, 288);
}

/* ---- rejections: built messages with one lie each */

static void put16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }

/* A GET: SA, src (IPv4), dst (IPv4); returns its length. */
static size_t get_msg(uint8_t *buf)
{
  return build_msg(SADB_GET, buf, 256);
}

TEST(rejects_msg_header)
{
  uint8_t buf[256], big[264];
  size_t n = get_msg(buf);
  struct pfkey_msg m;
  T_EQ(n, 16 + 16 + 24 + 24);
  T_EQ(pfkey_parse(buf, n, &m), WR_OK);
  T_EQ(pfkey_parse(buf, 15, &m), WR_TRUNCATED);
  T_EQ(pfkey_parse(buf, n - 8, &m), WR_BAD_LENGTH);    /* buffer shorter than sadb_msg_len */
  memcpy(big, buf, n);
  memset(big + n, 0, 8);
  T_EQ(pfkey_parse(big, n + 8, &m), WR_BAD_LENGTH);    /* buffer longer */
  put16(big + 4, (uint16_t)(n / 8 + 1));
  T_EQ(pfkey_parse(big, n + 8, &m), WR_BAD_EXT_LEN);   /* a zero ext header at the end: len 0 */
  buf[0] = 1;
  T_EQ(pfkey_parse(buf, n, &m), WR_BAD_VERSION);
  buf[0] = 2;
  buf[1] = 0;
  T_EQ(pfkey_parse(buf, n, &m), WR_BAD_TYPE);
  buf[1] = SADB_MAX + 1;
  T_EQ(pfkey_parse(buf, n, &m), WR_BAD_TYPE);
}

TEST(rejects_ext_lengths)
{
  uint8_t buf[256];
  size_t n = get_msg(buf);
  struct pfkey_msg m;
  put16(buf + 16, 0);                                  /* SA ext len 0 */
  T_EQ(pfkey_parse(buf, n, &m), WR_BAD_EXT_LEN);
  put16(buf + 16, 9);                                  /* runs past the end */
  T_EQ(pfkey_parse(buf, n, &m), WR_BAD_EXT_LEN);
  get_msg(buf);
  put16(buf + 56, 4);                                  /* dst: 24 bytes claim 32 */
  T_EQ(pfkey_parse(buf, n, &m), WR_BAD_EXT_LEN);
  /* short SA: one unit, followed by a unit of zeroes (also len 0) */
  get_msg(buf);
  put16(buf + 16, 1);
  T_EQ(pfkey_parse(buf, n, &m), WR_BAD_EXT_LEN);
  /* SA claims 3 units: swallows the start of src and is the wrong size */
  get_msg(buf);
  put16(buf + 16, 3);
  T_EQ(pfkey_parse(buf, n, &m), WR_BAD_EXT_LEN);
}

TEST(rejects_ext_types)
{
  uint8_t buf[256];
  size_t n = get_msg(buf);
  struct pfkey_msg m;
  put16(buf + 58, SADB_EXT_ADDRESS_SRC);               /* dst relabelled src: duplicate */
  T_EQ(pfkey_parse(buf, n, &m), WR_DUP_EXT);
  put16(buf + 58, SADB_EXT_MAX + 1);                   /* 29: FreeBSD 15 offload, unknown here */
  T_EQ(pfkey_parse(buf, n, &m), WR_UNKNOWN_EXT);
  put16(buf + 58, 0);
  T_EQ(pfkey_parse(buf, n, &m), WR_UNKNOWN_EXT);
  put16(buf + 58, SADB_EXT_SENSITIVITY);
  T_EQ(pfkey_parse(buf, n, &m), WR_UNSUPPORTED_EXT);
  put16(buf + 58, SADB_X_EXT_NAT_T_OAR);               /* any address kind is fine */
  T_EQ(pfkey_parse(buf, n, &m), WR_OK);
  T_CHECK(m.ext[SADB_X_EXT_NAT_T_OAR] == buf + 56);
  put16(buf + 58, SADB_EXT_LIFETIME_HARD);             /* 24 bytes is no lifetime */
  T_EQ(pfkey_parse(buf, n, &m), WR_BAD_EXT_LEN);
  put16(buf + 58, SADB_X_EXT_NAT_T_SPORT);
  T_EQ(pfkey_parse(buf, n, &m), WR_BAD_EXT_LEN);
  put16(buf + 58, SADB_EXT_IDENTITY_SRC);              /* >= 16: fine, opaque string */
  T_EQ(pfkey_parse(buf, n, &m), WR_OK);
  put16(buf + 58, SADB_EXT_PROPOSAL);                  /* 24 - 8 is no whole comb */
  T_EQ(pfkey_parse(buf, n, &m), WR_BAD_EXT_LEN);
  put16(buf + 18, SADB_X_EXT_SA2);                     /* SA relabelled SA2: same size, fine */
  put16(buf + 58, SADB_EXT_ADDRESS_DST);
  T_EQ(pfkey_parse(buf, n, &m), WR_OK);
}

TEST(rejects_address)
{
  uint8_t buf[256];
  size_t n = get_msg(buf);
  struct pfkey_msg m;
  uint8_t *src = buf + 32, *sa = src + 8;
  sa_family_t f = AF_UNIX;
  memcpy(sa + offsetof(struct sockaddr, sa_family), &f, sizeof f);
  T_EQ(pfkey_parse(buf, n, &m), WR_BAD_FAMILY);
  f = AF_INET6;                                        /* needs 40 bytes, has 24 */
  memcpy(sa + offsetof(struct sockaddr, sa_family), &f, sizeof f);
  T_EQ(pfkey_parse(buf, n, &m), WR_BAD_EXT_LEN);
  get_msg(buf);
  src[5] = 33;
  T_EQ(pfkey_parse(buf, n, &m), WR_BAD_PREFIX_LEN);
  src[5] = 0;
  T_EQ(pfkey_parse(buf, n, &m), WR_OK);
  /* IPv6: prefixlen up to 128, padding must be zero */
  struct pfkey_builder b;
  hdr(&b, buf, sizeof buf, SADB_X_SPDDELETE, 0);
  add_sd6(&b);
  n = pfkey_build_finish(&b);
  T_EQ(n, 16 + 40 + 40);
  T_EQ(pfkey_parse(buf, n, &m), WR_OK);
  buf[16 + 5] = 128;
  T_EQ(pfkey_parse(buf, n, &m), WR_OK);
  buf[16 + 5] = 129;
  T_EQ(pfkey_parse(buf, n, &m), WR_BAD_PREFIX_LEN);
  buf[16 + 5] = 64;
  buf[16 + 39] = 1;                                    /* the 4 padding bytes after sockaddr_in6 */
  T_EQ(pfkey_parse(buf, n, &m), WR_PAD_NONZERO);
  buf[16 + 39] = 0;
  put16(buf + 16, 6);                                  /* 48 bytes for a 28-byte sockaddr */
  put16(buf + 4, (uint16_t)(n / 8));
  T_EQ(pfkey_parse(buf, n, &m), WR_BAD_EXT_LEN);
  put16(buf + 16, 2);                                  /* too short to hold any sockaddr */
  T_EQ(pfkey_parse(buf, n, &m), WR_BAD_EXT_LEN);
}

TEST(rejects_key_bits)
{
  uint8_t buf[512];
  struct pfkey_builder b;
  hdr(&b, buf, sizeof buf, SADB_ADD, SADB_SATYPE_ESP);
  add_sa(&b);
  pfkey_add_key(&b, SADB_EXT_KEY_ENCRYPT, 192, 0, key_enc, 20);   /* 24 bytes of room: 192 fits */
  size_t n = pfkey_build_finish(&b);
  struct pfkey_msg m;
  T_EQ(pfkey_parse(buf, n, &m), WR_OK);
  put16(buf + 32 + 4, 193);
  T_EQ(pfkey_parse(buf, n, &m), WR_BAD_KEY_BITS);
  put16(buf + 32 + 4, 0xffff);
  T_EQ(pfkey_parse(buf, n, &m), WR_BAD_KEY_BITS);
  hdr(&b, buf, sizeof buf, SADB_ADD, SADB_SATYPE_ESP);
  pfkey_add_key(&b, SADB_EXT_KEY_AUTH, 0, 0, NULL, 0);            /* an empty key: header only */
  n = pfkey_build_finish(&b);
  T_EQ(pfkey_parse(buf, n, &m), WR_OK);
  T_EQ(m.key_auth.data_len, 0);
  put16(buf + 16 + 4, 1);
  T_EQ(pfkey_parse(buf, n, &m), WR_BAD_KEY_BITS);
}

/* SPDADD with only the tunnel policy: policy ext at 16, requests at 32 and 72. */
static size_t policy_msg(uint8_t *buf, size_t cap, const struct pfkey_policy *p)
{
  struct pfkey_builder b;
  hdr(&b, buf, cap, SADB_X_SPDADD, 0);
  pfkey_add_policy(&b, p);
  return pfkey_build_finish(&b);
}

TEST(rejects_policy_requests)
{
  uint8_t buf[512];
  struct pfkey_policy p = tunnel_policy();
  size_t n = policy_msg(buf, sizeof buf, &p);
  struct pfkey_msg m;
  T_EQ(n, 16 + 16 + 40 + 40);
  T_EQ(pfkey_parse(buf, n, &m), WR_OK);
  put16(buf + 32, 48);                                 /* first request claims 48 of 40 */
  T_EQ(pfkey_parse(buf, n, &m), WR_BAD_REQ_LEN);
  put16(buf + 32, 32);                                 /* claims 32: the sum no longer fits */
  T_EQ(pfkey_parse(buf, n, &m), WR_BAD_REQ_LEN);
  put16(buf + 32, 0);
  T_EQ(pfkey_parse(buf, n, &m), WR_BAD_REQ_LEN);
  put16(buf + 32, 41);
  T_EQ(pfkey_parse(buf, n, &m), WR_BAD_REQ_LEN);
  put16(buf + 32, 40);
  put16(buf + 72, 80);                                 /* second request runs past the ext */
  T_EQ(pfkey_parse(buf, n, &m), WR_BAD_REQ_LEN);
  put16(buf + 72, 40);
  T_EQ(pfkey_parse(buf, n, &m), WR_OK);
  /* a policy ext 8 bytes longer than its requests: a leftover too short for a request
   * header is impossible (multiples of 8), a zero one has length 0 */
  uint8_t big[512];
  memcpy(big, buf, n);
  memset(big + n, 0, 8);
  put16(big + 4, (uint16_t)(n / 8 + 1));
  put16(big + 16, (uint16_t)((n - 16) / 8 + 1));
  T_EQ(pfkey_parse(big, n + 8, &m), WR_BAD_REQ_LEN);
  /* the last request 8 bytes longer than its sockaddr pair, ext and message
   * grown to match: every length fits, but the request's does not add up */
  put16(big + 72, 48);
  T_EQ(pfkey_parse(big, n + 8, &m), WR_BAD_REQ_LEN);
}

TEST(rejects_policy_fields)
{
  uint8_t buf[512];
  struct pfkey_policy p = tunnel_policy();
  size_t n = policy_msg(buf, sizeof buf, &p);
  struct pfkey_msg m;
  uint8_t *r0 = buf + 32;
  r0[4] = 0;                                           /* mode ANY in a request */
  T_EQ(pfkey_parse(buf, n, &m), WR_BAD_REQ);
  r0[4] = 3;
  T_EQ(pfkey_parse(buf, n, &m), WR_BAD_REQ);
  r0[4] = 2;
  r0[5] = 4;                                           /* level past UNIQUE */
  T_EQ(pfkey_parse(buf, n, &m), WR_BAD_REQ);
  r0[5] = 2;
  put16(r0 + 2, 17);                                   /* proto UDP */
  T_EQ(pfkey_parse(buf, n, &m), WR_BAD_REQ);
  put16(r0 + 2, PFKEY_PROTO_IPCOMP);
  T_EQ(pfkey_parse(buf, n, &m), WR_OK);
  put16(r0 + 2, IPPROTO_ESP);
  /* dst family differs from src */
  sa_family_t f = AF_INET6;
  memcpy(r0 + 8 + 16 + offsetof(struct sockaddr, sa_family), &f, sizeof f);
  T_EQ(pfkey_parse(buf, n, &m), WR_BAD_FAMILY);
  memcpy(r0 + 8 + offsetof(struct sockaddr, sa_family), &f, sizeof f);   /* both v6: 40 bytes too few */
  T_EQ(pfkey_parse(buf, n, &m), WR_BAD_REQ_LEN);
  f = AF_UNIX;
  memcpy(r0 + 8 + offsetof(struct sockaddr, sa_family), &f, sizeof f);
  T_EQ(pfkey_parse(buf, n, &m), WR_BAD_FAMILY);
  n = policy_msg(buf, sizeof buf, &p);
  buf[16 + 6] = 4;                                     /* dir past FWD */
  T_EQ(pfkey_parse(buf, n, &m), WR_BAD_POLICY);
  buf[16 + 6] = 2;
  put16(buf + 16 + 4, 5);                              /* type past BYPASS */
  T_EQ(pfkey_parse(buf, n, &m), WR_BAD_POLICY);
  put16(buf + 16 + 4, 0);                              /* DISCARD with requests behind it */
  T_EQ(pfkey_parse(buf, n, &m), WR_BAD_REQ_LEN);
  /* tunnel mode without endpoints */
  p.nreq = 1;
  p.req[0].has_addrs = false;
  n = policy_msg(buf, sizeof buf, &p);
  T_EQ(pfkey_parse(buf, n, &m), WR_BAD_REQ);
  /* type IPSEC with no request at all */
  p.nreq = 0;
  n = policy_msg(buf, sizeof buf, &p);
  T_EQ(pfkey_parse(buf, n, &m), WR_BAD_POLICY);
  /* the policy header itself cut short */
  put16(buf + 16, 1);
  put16(buf + 4, 3);
  T_EQ(pfkey_parse(buf, 24, &m), WR_BAD_EXT_LEN);
}

TEST(rejects_too_many_requests)
{
  uint8_t buf[512];
  struct pfkey_policy p = tunnel_policy();
  p.nreq = PFKEY_MAX_REQ;
  for (size_t i = 0; i < PFKEY_MAX_REQ; i++) p.req[i] = (struct pfkey_ipsecreq){ .proto = IPPROTO_ESP, .mode = 1 };
  size_t n = policy_msg(buf, sizeof buf, &p);
  struct pfkey_msg m;
  T_EQ(pfkey_parse(buf, n, &m), WR_OK);
  T_EQ(m.policy.nreq, PFKEY_MAX_REQ);
  /* a fifth 8-byte request appended by hand */
  uint8_t q[8] = { 0 };
  put16(q, 8);
  put16(q + 2, IPPROTO_ESP);
  q[4] = 1;
  memcpy(buf + n, q, 8);
  put16(buf + 4, (uint16_t)(n / 8 + 1));
  put16(buf + 16, (uint16_t)((n - 16) / 8 + 1));
  T_EQ(pfkey_parse(buf, n + 8, &m), WR_TOO_MANY_REQ);
  p.nreq = PFKEY_MAX_REQ + 1;                          /* the builder refuses it too */
  T_EQ(policy_msg(buf, sizeof buf, &p), 0);
}

TEST(builder_limits)
{
  uint8_t buf[2048];
  size_t need = build_msg(SADB_ADD, buf, sizeof buf);
  T_CHECK(need > 0);
  for (size_t cap = 0; cap < need; cap += 8) T_EQ(build_msg(SADB_ADD, buf, cap), 0);
  T_EQ(build_msg(SADB_ADD, buf, need), need);
  struct pfkey_builder b;
  hdr(&b, buf, sizeof buf, SADB_ADD, 0);
  struct pfkey_address bad = addr(sa4("192.0.2.1", 0), 32, 0);
  bad.addr.sa.sa_family = AF_UNIX;
  pfkey_add_address(&b, SADB_EXT_ADDRESS_SRC, &bad);   /* unknown family */
  T_EQ(pfkey_build_finish(&b), 0);
  hdr(&b, buf, sizeof buf, SADB_ADD, 0);
  struct pfkey_address ok = addr(sa4("192.0.2.1", 0), 32, 0);
  pfkey_add_address(&b, SADB_EXT_SA, &ok);             /* not an address type */
  T_EQ(pfkey_build_finish(&b), 0);
  hdr(&b, buf, sizeof buf, SADB_ADD, 0);
  struct pfkey_lifetime l = { 0 };
  pfkey_add_lifetime(&b, SADB_EXT_KEY_AUTH, &l);
  T_EQ(pfkey_build_finish(&b), 0);
  hdr(&b, buf, sizeof buf, SADB_ADD, 0);
  pfkey_add_sa_replay(&b, 1);
  T_EQ(pfkey_build_finish(&b), 24);
  struct pfkey_msg m;
  T_EQ(pfkey_parse(buf, 24, &m), WR_OK);
  pfkey_add_parsed(&b, &m, SADB_EXT_SA);               /* m has no SA ext */
  T_EQ(pfkey_build_finish(&b), 0);
  /* the 16-bit length: a kmprivate blob past 65535 units */
  static uint8_t huge[PFKEY_MAX_LEN + 64], blob[PFKEY_MAX_LEN];
  hdr(&b, huge, sizeof huge, SADB_X_PROMISC, 0);
  pfkey_add_kmprivate(&b, 0, blob, PFKEY_MAX_LEN - 16 - 8);
  T_EQ(pfkey_build_finish(&b), PFKEY_MAX_LEN);
  T_EQ(pfkey_parse(huge, PFKEY_MAX_LEN, &m), WR_OK);
  hdr(&b, huge, sizeof huge, SADB_X_PROMISC, 0);
  pfkey_add_kmprivate(&b, 0, blob, PFKEY_MAX_LEN - 16);
  T_EQ(pfkey_build_finish(&b), 0);
}

TEST(new_reason_names)
{
  T_STREQ(wire_reason_str(WR_BAD_EXT_LEN), "bad_ext_len");
  T_STREQ(wire_reason_str(WR_UNKNOWN_EXT), "unknown_ext");
  T_STREQ(wire_reason_str(WR_DUP_EXT), "dup_ext");
  T_STREQ(wire_reason_str(WR_UNSUPPORTED_EXT), "unsupported_ext");
  T_STREQ(wire_reason_str(WR_BAD_FAMILY), "bad_family");
  T_STREQ(wire_reason_str(WR_BAD_KEY_BITS), "bad_key_bits");
  T_STREQ(wire_reason_str(WR_BAD_POLICY), "bad_policy");
  T_STREQ(wire_reason_str(WR_BAD_REQ), "bad_req");
  T_STREQ(wire_reason_str(WR_BAD_REQ_LEN), "bad_req_len");
  T_STREQ(wire_reason_str(WR_TOO_MANY_REQ), "too_many_req");
}

int main(void)
{
  RUN(roundtrip_every_type);
  RUN(add_decoded);
  RUN(spdadd_tunnel_v6_in_v4);
  RUN(acquire_and_register_lists);
  RUN(rejects_msg_header);
  RUN(rejects_ext_lengths);
  RUN(rejects_ext_types);
  RUN(rejects_address);
  RUN(rejects_key_bits);
  RUN(rejects_policy_requests);
  RUN(rejects_policy_fields);
  RUN(rejects_too_many_requests);
  RUN(builder_limits);
  RUN(new_reason_names);
  return t_done();
}
