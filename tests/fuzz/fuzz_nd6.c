/* Neighbor Discovery.  The input is an ICMPv6 message whose type byte is
 * forced from its own value to one of RS/RA/NS/NA/Redirect so every parser
 * gets coverage.  On success the message is rebuilt with the emitters from
 * the parsed fields, re-parsed, and the fields compared.  nd_opts_parse
 * also runs on the raw input. */
#include <string.h>
#include "wire/icmp6.h"
#include "wire/ip6.h"
#include "wire/nd6.h"

#define CHECK(c) do { if (!(c)) __builtin_trap(); } while (0)
int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

static uint8_t msg[70000], out[70000];

static void opts_sane(const struct nd_opts *o, const uint8_t *base, size_t len)
{
  CHECK(o->n_pi >= 0 && o->n_pi <= ND_MAX_PI);
  CHECK(o->n_rdnss >= 0 && o->n_rdnss <= ND_MAX_RDNSS);
  CHECK(o->n_rio >= 0 && o->n_rio <= ND_MAX_RIO);
  if (o->slla) CHECK(o->slla >= base && o->slla + o->slla_len <= base + len && o->slla_len % 8 == 6);
  if (o->tlla) CHECK(o->tlla >= base && o->tlla + o->tlla_len <= base + len && o->tlla_len % 8 == 6);
  if (o->redir) CHECK(o->redir >= base && o->redir + o->redir_len <= base + len);
  if (o->nonce) CHECK(o->nonce >= base && o->nonce + o->nonce_len <= base + len);
  for (int i = 0; i < o->n_pi; i++) CHECK(o->pi[i].plen <= 128);
  for (int i = 0; i < o->n_rio; i++) CHECK(o->rio[i].plen <= 128 && o->rio[i].pref >= -1 && o->rio[i].pref <= 1);
}

static void lla_same(const uint8_t *a, size_t al, const uint8_t *b, size_t bl)
{
  CHECK(!a == !b);
  if (a) CHECK(al == bl && !memcmp(a, b, al));
}

static void ns(size_t len)
{
  struct nd_ns a, b;
  if (nd_ns_parse(msg, len, &a) != WR_OK) return;
  opts_sane(&a.opts, msg, len);
  size_t l = nd_ns_emit(out, sizeof out, &a.target, a.opts.slla, a.opts.slla_len);
  CHECK(l && nd_ns_parse(out, l, &b) == WR_OK);
  CHECK(in6_eq(&a.target, &b.target));
  lla_same(a.opts.slla, a.opts.slla_len, b.opts.slla, b.opts.slla_len);
}

static void na(size_t len)
{
  struct nd_na a, b;
  if (nd_na_parse(msg, len, &a) != WR_OK) return;
  opts_sane(&a.opts, msg, len);
  size_t l = nd_na_emit(out, sizeof out, a.router, a.solicited, a.override, &a.target,
                        a.opts.tlla, a.opts.tlla_len);
  CHECK(l && nd_na_parse(out, l, &b) == WR_OK);
  CHECK(in6_eq(&a.target, &b.target) && a.router == b.router && a.solicited == b.solicited
        && a.override == b.override);
  lla_same(a.opts.tlla, a.opts.tlla_len, b.opts.tlla, b.opts.tlla_len);
}

static void rs(size_t len)
{
  struct nd_rs a, b;
  if (nd_rs_parse(msg, len, &a) != WR_OK) return;
  opts_sane(&a.opts, msg, len);
  size_t l = nd_rs_emit(out, sizeof out, a.opts.slla, a.opts.slla_len);
  CHECK(l && nd_rs_parse(out, l, &b) == WR_OK);
  lla_same(a.opts.slla, a.opts.slla_len, b.opts.slla, b.opts.slla_len);
}

static void ra(size_t len)
{
  struct nd_ra a, b;
  if (nd_ra_parse(msg, len, &a) != WR_OK) return;
  opts_sane(&a.opts, msg, len);
  struct nd_ra_out o = { .cur_hlim = a.cur_hlim, .managed = a.managed, .other = a.other, .prf = a.prf,
                         .router_lifetime = a.router_lifetime, .reachable = a.reachable,
                         .retrans = a.retrans, .slla = a.opts.slla, .slla_len = a.opts.slla_len,
                         .mtu = a.opts.has_mtu ? a.opts.mtu : 0, .pi = a.opts.pi, .n_pi = a.opts.n_pi,
                         .rdnss = a.opts.rdnss, .n_rdnss = a.opts.n_rdnss,
                         .rdnss_lifetime = a.opts.rdnss_lifetime, .rio = a.opts.rio, .n_rio = a.opts.n_rio };
  size_t l = nd_ra_emit(out, sizeof out, &o);
  CHECK(l && nd_ra_parse(out, l, &b) == WR_OK);
  CHECK(a.cur_hlim == b.cur_hlim && a.managed == b.managed && a.other == b.other && a.prf == b.prf);
  CHECK(a.router_lifetime == b.router_lifetime && a.reachable == b.reachable && a.retrans == b.retrans);
  lla_same(a.opts.slla, a.opts.slla_len, b.opts.slla, b.opts.slla_len);
  CHECK(b.opts.has_mtu == (a.opts.has_mtu && a.opts.mtu != 0));
  if (b.opts.has_mtu) CHECK(a.opts.mtu == b.opts.mtu);
  CHECK(a.opts.n_pi == b.opts.n_pi && a.opts.n_rdnss == b.opts.n_rdnss && a.opts.n_rio == b.opts.n_rio);
  if (a.opts.n_pi) CHECK(!memcmp(a.opts.pi, b.opts.pi, sizeof a.opts.pi[0] * (size_t)a.opts.n_pi));
  if (a.opts.n_rdnss) {
    CHECK(a.opts.rdnss_lifetime == b.opts.rdnss_lifetime);
    CHECK(!memcmp(a.opts.rdnss, b.opts.rdnss, 16 * (size_t)a.opts.n_rdnss));
  }
  for (int i = 0; i < a.opts.n_rio; i++)
    CHECK(a.opts.rio[i].plen == b.opts.rio[i].plen && a.opts.rio[i].pref == b.opts.rio[i].pref
          && a.opts.rio[i].lifetime == b.opts.rio[i].lifetime
          && in6_eq(&a.opts.rio[i].prefix, &b.opts.rio[i].prefix));
}

static void redirect(size_t len)
{
  struct nd_redirect a, b;
  if (nd_redirect_parse(msg, len, &a) != WR_OK) return;
  opts_sane(&a.opts, msg, len);
  CHECK(!in6_is_multicast(&a.dst));
  size_t l = nd_redirect_emit(out, sizeof out, &a.target, &a.dst, a.opts.tlla, a.opts.tlla_len,
                              a.opts.redir, a.opts.redir_len);
  if (!l) {   /* only when the TLLA alone leaves no room under 1280 */
    CHECK(a.opts.tlla_len + 2 + 40 + 8 > 1240);
    return;
  }
  CHECK(l <= 1240 || !a.opts.redir);
  CHECK(nd_redirect_parse(out, l, &b) == WR_OK);
  CHECK(in6_eq(&a.target, &b.target) && in6_eq(&a.dst, &b.dst));
  lla_same(a.opts.tlla, a.opts.tlla_len, b.opts.tlla, b.opts.tlla_len);
  CHECK(!a.opts.redir == !b.opts.redir || a.opts.redir_len == 0);
  if (b.opts.redir) {
    size_t k = a.opts.redir_len < b.opts.redir_len ? a.opts.redir_len : b.opts.redir_len;
    CHECK(!memcmp(a.opts.redir, b.opts.redir, k));
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
  if (n > sizeof msg) return 0;
  struct nd_opts o;
  if (nd_opts_parse(d, n, &o) == WR_OK) opts_sane(&o, d, n);
  if (n < 2) return 0;
  memcpy(msg, d, n);
  if (d[0] < ND_ROUTER_SOLICIT || d[0] > ND_REDIRECT) {
    msg[0] = (uint8_t)(ND_ROUTER_SOLICIT + d[0] % 5);
    if (d[0] & 0x80) msg[1] = 0;   /* mostly a valid code */
  }
  switch (msg[0]) {
  case ND_ROUTER_SOLICIT: rs(n); break;
  case ND_ROUTER_ADVERT: ra(n); break;
  case ND_NEIGHBOR_SOLICIT: ns(n); break;
  case ND_NEIGHBOR_ADVERT: na(n); break;
  default: redirect(n); break;
  }
  return 0;
}
