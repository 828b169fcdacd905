/* DHCPv6 (src/wire/dhcp6.c).  The input is one UDP payload; a first byte
 * of 32 or more is mapped to one of the 17 message types so every layout
 * gets coverage (0..31 stay as they are, unknown types included).
 * Invariants: every pointer of a parsed message lies inside the input,
 * counts within their caps, prefix lengths <= 128; the option walker tiles
 * the option area exactly; the domain walker's names, built again with
 * dhcp6_put_domains, give the same bytes; the message rebuilt with the
 * builder from the parsed fields is no longer than the input, parses, and
 * parses to the same fields and the same role-check results; a relay chain
 * alternates correctly and ends on a non-relay message.  RFC 5007 (the
 * query, the client data), RFC 4704 (FQDN) and the DSTM extension finder
 * (at the default code and at every code the input carries) are reached
 * too: the query and the client data are rebuilt and compared like the rest. */
#include <string.h>
#include "wire/dhcp6.h"

#define DSTM_OPT_CODE 65001   /* dstm.h: DSTM_OPT_CODE_DEFAULT (wire/ stays below dstm/) */

#define CHECK(c) do { if (!(c)) __builtin_trap(); } while (0)
int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

static uint8_t msg[70000], out[70000], dom[70000];
static const uint8_t *base;
static size_t base_len;

static const uint8_t types[] = {
  DHCP6_SOLICIT, DHCP6_ADVERTISE, DHCP6_REQUEST, DHCP6_CONFIRM, DHCP6_RENEW, DHCP6_REBIND,
  DHCP6_REPLY, DHCP6_RELEASE, DHCP6_DECLINE, DHCP6_RECONFIGURE, DHCP6_INFORMATION_REQUEST,
  DHCP6_RELAY_FORW, DHCP6_RELAY_REPL, DHCP6_DHCPV4_QUERY, DHCP6_DHCPV4_RESPONSE,
  DHCP6_LEASEQUERY, DHCP6_LEASEQUERY_REPLY,
};

static void inside(const void *p, size_t len)
{
  if (!p) return;
  const uint8_t *q = p;
  CHECK(q >= base && q + len <= base + base_len);
}

static bool is_relay(uint8_t t) { return t == DHCP6_RELAY_FORW || t == DHCP6_RELAY_REPL; }

/* start: where this message (level) begins, what auth.info_off counts from */
static void sane(const struct dhcp6_msg *m, const uint8_t *start)
{
  CHECK(m->n_ia >= 0 && m->n_ia <= DHCP6_MAX_IA);
  CHECK(m->n_oro >= 0 && m->n_oro <= DHCP6_MAX_ORO && m->n_dns >= 0 && m->n_dns <= DHCP6_MAX_DNS);
  CHECK(m->n_unknown >= 0 && m->n_ignored >= 0);
  inside(m->opts, m->opts_len);
  inside(m->relay_msg.p, m->relay_msg.len);
  inside(m->interface_id.p, m->interface_id.len);
  inside(m->user_class.p, m->user_class.len);
  inside(m->vendor_class.p, m->vendor_class.len);
  inside(m->vendor_opts.p, m->vendor_opts.len);
  inside(m->domain_list.p, m->domain_list.len);
  inside(m->dhcpv4_msg.p, m->dhcpv4_msg.len);
  inside(m->status.text.p, m->status.text.len);
  const struct dhcp6_duid *ids[] = { &m->clientid, &m->serverid };
  for (int i = 0; i < 2; i++) {
    CHECK(!ids[i]->p == !ids[i]->type);
    if (ids[i]->p) CHECK(ids[i]->len >= 3 && ids[i]->len <= DHCP6_DUID_MAX);
    inside(ids[i]->p, ids[i]->len);
  }
  if (m->auth.present) {
    inside(m->auth.info.p, m->auth.info.len);
    CHECK(m->auth.info.p == start + m->auth.info_off);
  }
  for (int i = 0; i < m->n_ia; i++) {
    const struct dhcp6_ia *ia = &m->ia[i];
    CHECK(ia->type == D6O_IA_NA || ia->type == D6O_IA_TA || ia->type == D6O_IA_PD);
    CHECK(ia->n_item >= 0 && ia->n_item <= DHCP6_MAX_IA_ITEMS);
    inside(ia->status.text.p, ia->status.text.len);
    for (int k = 0; k < ia->n_item; k++) {
      CHECK(ia->item[k].plen <= 128);
      CHECK(ia->type == D6O_IA_PD || ia->item[k].plen == 128);
      inside(ia->item[k].status.text.p, ia->item[k].status.text.len);
    }
  }
  const struct dhcp6_s46 *s = &m->s46;
  CHECK(s->n_rule >= 0 && s->n_rule <= DHCP6_MAX_S46_RULES && s->n_br >= 0 && s->n_br <= DHCP6_MAX_DNS);
  for (int i = 0; i < s->n_rule; i++)
    CHECK(s->rule[i].prefix4_len <= 32 && s->rule[i].prefix6_len <= 128 && s->rule[i].ea_len <= 48);
  CHECK(s->dmr_len <= 128 && s->bind6_len <= 128);
  if (is_relay(m->type)) CHECK(m->relay_msg.p && m->hop_count <= DHCP6_RELAY_DEPTH_MAX && m->xid == 0);
  inside(m->fqdn.p, m->fqdn.len);
  if (m->fqdn.p) CHECK(m->fqdn.len >= 1 && m->fqdn.len <= 256);
  if (m->lq.clientid.p) CHECK(m->lq.present && m->lq.clientid.len >= 3);
  inside(m->lq.clientid.p, m->lq.clientid.len);
  if (m->type == DHCP6_LEASEQUERY) CHECK(m->lq.present);
  const struct dhcp6_client_data *cd = &m->cdata;
  CHECK(cd->n_item >= 0 && cd->n_item <= DHCP6_MAX_IA_ITEMS);
  CHECK(cd->present == !!cd->body.p);
  inside(cd->body.p, cd->body.len);
  inside(cd->clientid.p, cd->clientid.len);
  if (cd->clientid.p) CHECK(cd->clientid.p >= cd->body.p && cd->clientid.p + cd->clientid.len <= cd->body.p + cd->body.len);
  for (int k = 0; k < cd->n_item; k++) CHECK(cd->item[k].plen <= 128);
}

/* The DSTM extension: a found one always names an IA_NA that follows it. */
static void dstm(const struct dhcp6_msg *m, uint16_t code)
{
  bool found = true, has_tep = true;
  struct in6_addr tep;
  uint32_t iaid = 1;
  enum wire_reason r = dhcp6_dstm_find(m, code, &found, &has_tep, &tep, &iaid);
  CHECK(r == WR_OK || r == WR_BAD_OPT_LEN || r == WR_DHCP6_DSTM_NO_IA || r == WR_DHCP6_DSTM_TWICE);
  if (r != WR_OK || !found) return;
  bool seen = false;
  for (int i = 0; i < m->n_ia; i++) seen |= m->ia[i].type == D6O_IA_NA && m->ia[i].iaid == iaid;
  CHECK(seen || m->n_ignored > 0 || code == D6O_IA_NA);
}

static void walk_opts(const struct dhcp6_msg *m)
{
  size_t off = 0, count = 0;
  uint16_t code;
  struct dhcp6_bytes body;
  while (dhcp6_opt_next(m->opts, m->opts_len, &off, &code, &body)) {
    inside(body.p, body.len);
    CHECK(body.p + body.len == m->opts + off);
    if (count < 8) dstm(m, code);
    count++;
  }
  dstm(m, DSTM_OPT_CODE);
  CHECK(off == m->opts_len);
  CHECK(count * 4 <= m->opts_len);
}

/* Names out, names in again: the same bytes. */
static void walk_domains(struct dhcp6_bytes list)
{
  if (!list.p) return;
  const char *names[300];
  static char text[300][256];
  size_t off = 0;
  int n = 0;
  while (n < 300 && dhcp6_domain_next(list, &off, text[n], sizeof text[n])) {
    CHECK(strlen(text[n]) >= 1 && strlen(text[n]) <= 253);
    names[n] = text[n];
    n++;
  }
  CHECK(off == list.len);   /* a validated list is read to its end */
  struct dhcp6_builder b;
  dhcp6_build_init(&b, dom, sizeof dom);
  CHECK(dhcp6_put_domains(&b, names, n));
  size_t l = dhcp6_build_done(&b);
  CHECK(l == 4 + list.len && !memcmp(dom + 4, list.p, list.len));
}

static void put_bytes_opt(struct dhcp6_builder *b, uint16_t code, struct dhcp6_bytes v)
{
  if (v.p) dhcp6_put_opt(b, code, v.p, v.len);
}

static void put_status(struct dhcp6_builder *b, const struct dhcp6_status *s)
{
  if (s->present) dhcp6_put_status_len(b, s->code, s->text.p, s->text.len);
}

static void emit_ias(struct dhcp6_builder *b, const struct dhcp6_msg *m)
{
  for (int i = 0; i < m->n_ia; i++) {
    const struct dhcp6_ia *ia = &m->ia[i];
    dhcp6_begin_ia(b, ia->type, ia->iaid, ia->t1, ia->t2);
    put_status(b, &ia->status);
    for (int k = 0; k < ia->n_item; k++) {
      const struct dhcp6_ia_item *it = &ia->item[k];
      if (ia->type == D6O_IA_PD) dhcp6_begin_iaprefix(b, &it->addr, it->plen, it->preferred, it->valid);
      else dhcp6_begin_iaaddr(b, &it->addr, it->preferred, it->valid);
      put_status(b, &it->status);
      dhcp6_end(b);
    }
    dhcp6_end(b);
  }
}

static void emit_s46(struct dhcp6_builder *b, const struct dhcp6_s46 *s)
{
  if (!s->type) return;
  dhcp6_begin_opt(b, s->type);
  for (int i = 0; i < s->n_rule; i++) dhcp6_put_s46_rule(b, &s->rule[i]);
  for (int i = 0; i < s->n_br; i++) dhcp6_put_addrs(b, D6O_S46_BR, &s->br[i], 1);
  if (s->has_dmr) dhcp6_put_s46_dmr(b, s->dmr_len, &s->dmr);
  if (s->has_bind) dhcp6_put_s46_v4v6bind(b, s->bind4, s->bind6_len, &s->bind6, &s->bind_pp);
  dhcp6_end(b);
}

/* The query as parsed: BY_ADDRESS with only its address through the
 * builder's helper, anything else field by field. */
static void emit_lq(struct dhcp6_builder *b, const struct dhcp6_lq_query *q)
{
  if (!q->present) return;
  if (q->type == DHCP6_LQ_BY_ADDRESS && q->has_addr && !q->clientid.p) {
    dhcp6_put_lq_by_addr(b, &q->link_addr, &q->addr);
    return;
  }
  uint8_t body[17 + 28 + 4 + DHCP6_DUID_MAX];
  size_t n = 17;
  body[0] = q->type;
  memcpy(body + 1, &q->link_addr, 16);
  if (q->has_addr) {   /* IAADDR, lifetimes 0 (the parser keeps only the address) */
    memcpy(body + n, "\0\5\0\x18", 4);
    memcpy(body + n + 4, &q->addr, 16);
    memset(body + n + 20, 0, 8);
    n += 28;
  }
  if (q->clientid.p) {
    body[n] = 0, body[n + 1] = D6O_CLIENTID, body[n + 2] = 0, body[n + 3] = (uint8_t)q->clientid.len;
    memcpy(body + n + 4, q->clientid.p, q->clientid.len);
    n += 4 + q->clientid.len;
  }
  dhcp6_put_opt(b, D6O_LQ_QUERY, body, n);
}

static size_t emit(const struct dhcp6_msg *m, size_t *info_off)
{
  struct dhcp6_builder b;
  dhcp6_build_init(&b, out, sizeof out);
  if (is_relay(m->type)) dhcp6_build_relay_hdr(&b, m->type, m->hop_count, &m->link_addr, &m->peer_addr);
  else dhcp6_build_hdr(&b, m->type, m->xid);
  if (m->clientid.p) dhcp6_put_opt(&b, D6O_CLIENTID, m->clientid.p, m->clientid.len);
  if (m->serverid.p) dhcp6_put_opt(&b, D6O_SERVERID, m->serverid.p, m->serverid.len);
  emit_ias(&b, m);
  if (m->has_oro) dhcp6_put_oro(&b, m->oro, m->n_oro);
  if (m->has_preference) dhcp6_put_u8(&b, D6O_PREFERENCE, m->preference);
  if (m->has_elapsed) dhcp6_put_u16(&b, D6O_ELAPSED_TIME, m->elapsed);
  if (m->auth.present)
    dhcp6_put_auth(&b, m->auth.protocol, m->auth.algorithm, m->auth.rdm, m->auth.replay,
                   m->auth.info.p, m->auth.info.len, info_off);
  if (m->has_unicast) dhcp6_put_opt(&b, D6O_UNICAST, &m->unicast, 16);
  put_status(&b, &m->status);
  if (m->rapid_commit) dhcp6_put_empty(&b, D6O_RAPID_COMMIT);
  put_bytes_opt(&b, D6O_USER_CLASS, m->user_class);
  put_bytes_opt(&b, D6O_VENDOR_CLASS, m->vendor_class);
  put_bytes_opt(&b, D6O_VENDOR_OPTS, m->vendor_opts);
  put_bytes_opt(&b, D6O_INTERFACE_ID, m->interface_id);
  if (m->has_reconf_msg) dhcp6_put_u8(&b, D6O_RECONF_MSG, m->reconf_msg);
  if (m->reconf_accept) dhcp6_put_empty(&b, D6O_RECONF_ACCEPT);
  if (m->n_dns) dhcp6_put_addrs(&b, D6O_DNS_SERVERS, m->dns, m->n_dns);
  put_bytes_opt(&b, D6O_DOMAIN_LIST, m->domain_list);
  if (m->has_irt) dhcp6_put_u32(&b, D6O_INFORMATION_REFRESH_TIME, m->irt);
  if (m->has_sol_max_rt) dhcp6_put_u32(&b, D6O_SOL_MAX_RT, m->sol_max_rt);
  if (m->has_inf_max_rt) dhcp6_put_u32(&b, D6O_INF_MAX_RT, m->inf_max_rt);
  put_bytes_opt(&b, D6O_DHCPV4_MSG, m->dhcpv4_msg);
  emit_s46(&b, &m->s46);
  emit_lq(&b, &m->lq);
  if (m->cdata.present) put_bytes_opt(&b, D6O_CLIENT_DATA, m->cdata.body);
  put_bytes_opt(&b, D6O_CLIENT_FQDN, m->fqdn);
  if (is_relay(m->type)) put_bytes_opt(&b, D6O_RELAY_MSG, m->relay_msg);
  return dhcp6_build_done(&b);
}

static bool bytes_eq(struct dhcp6_bytes a, struct dhcp6_bytes b)
{
  return !a.p == !b.p && a.len == b.len && (!a.len || !memcmp(a.p, b.p, a.len));
}

static bool status_eq(const struct dhcp6_status *a, const struct dhcp6_status *b)
{
  return a->present == b->present && a->code == b->code && bytes_eq(a->text, b->text);
}

static bool duid_eq(const struct dhcp6_duid *a, const struct dhcp6_duid *b)
{
  return a->type == b->type && bytes_eq((struct dhcp6_bytes){ a->p, a->len }, (struct dhcp6_bytes){ b->p, b->len });
}

static void same_ia(const struct dhcp6_ia *a, const struct dhcp6_ia *b)
{
  CHECK(a->type == b->type && a->iaid == b->iaid && a->t1 == b->t1 && a->t2 == b->t2);
  CHECK(status_eq(&a->status, &b->status) && a->n_item == b->n_item);
  for (int k = 0; k < a->n_item; k++) {
    const struct dhcp6_ia_item *x = &a->item[k], *y = &b->item[k];
    CHECK(!memcmp(&x->addr, &y->addr, 16) && x->plen == y->plen && x->preferred == y->preferred
          && x->valid == y->valid && status_eq(&x->status, &y->status));
  }
}

static void same(const struct dhcp6_msg *a, const struct dhcp6_msg *b)
{
  CHECK(a->type == b->type && a->xid == b->xid && a->hop_count == b->hop_count);
  CHECK(!memcmp(&a->link_addr, &b->link_addr, 16) && !memcmp(&a->peer_addr, &b->peer_addr, 16));
  CHECK(bytes_eq(a->relay_msg, b->relay_msg) && bytes_eq(a->interface_id, b->interface_id));
  CHECK(duid_eq(&a->clientid, &b->clientid) && duid_eq(&a->serverid, &b->serverid));
  CHECK(a->n_ia == b->n_ia);
  for (int i = 0; i < a->n_ia; i++) same_ia(&a->ia[i], &b->ia[i]);
  CHECK(a->has_oro == b->has_oro && a->n_oro == b->n_oro);
  CHECK(!a->n_oro || !memcmp(a->oro, b->oro, sizeof a->oro[0] * (size_t)a->n_oro));
  CHECK(a->has_preference == b->has_preference && a->preference == b->preference);
  CHECK(a->has_elapsed == b->has_elapsed && a->elapsed == b->elapsed);
  CHECK(a->auth.present == b->auth.present && a->auth.protocol == b->auth.protocol
        && a->auth.algorithm == b->auth.algorithm && a->auth.rdm == b->auth.rdm
        && a->auth.replay == b->auth.replay && bytes_eq(a->auth.info, b->auth.info));
  CHECK(a->has_unicast == b->has_unicast && !memcmp(&a->unicast, &b->unicast, 16));
  CHECK(status_eq(&a->status, &b->status) && a->rapid_commit == b->rapid_commit);
  CHECK(bytes_eq(a->user_class, b->user_class) && bytes_eq(a->vendor_class, b->vendor_class)
        && bytes_eq(a->vendor_opts, b->vendor_opts));
  CHECK(a->has_reconf_msg == b->has_reconf_msg && a->reconf_msg == b->reconf_msg
        && a->reconf_accept == b->reconf_accept);
  CHECK(a->n_dns == b->n_dns && (!a->n_dns || !memcmp(a->dns, b->dns, 16 * (size_t)a->n_dns)));
  CHECK(bytes_eq(a->domain_list, b->domain_list));
  CHECK(a->has_irt == b->has_irt && a->irt == b->irt && a->has_sol_max_rt == b->has_sol_max_rt
        && a->sol_max_rt == b->sol_max_rt && a->has_inf_max_rt == b->has_inf_max_rt
        && a->inf_max_rt == b->inf_max_rt);
  CHECK(bytes_eq(a->dhcpv4_msg, b->dhcpv4_msg));
  CHECK(!memcmp(&a->s46, &b->s46, sizeof a->s46));
  CHECK(a->lq.present == b->lq.present && a->lq.type == b->lq.type && a->lq.has_addr == b->lq.has_addr);
  CHECK(!memcmp(&a->lq.link_addr, &b->lq.link_addr, 16) && !memcmp(&a->lq.addr, &b->lq.addr, 16));
  CHECK(duid_eq(&a->lq.clientid, &b->lq.clientid));
  CHECK(a->cdata.present == b->cdata.present && bytes_eq(a->cdata.body, b->cdata.body));
  CHECK(duid_eq(&a->cdata.clientid, &b->cdata.clientid) && a->cdata.n_item == b->cdata.n_item);
  CHECK(a->cdata.has_clt_time == b->cdata.has_clt_time && a->cdata.clt_time == b->cdata.clt_time);
  for (int k = 0; k < a->cdata.n_item; k++)
    CHECK(!memcmp(&a->cdata.item[k].addr, &b->cdata.item[k].addr, 16) && a->cdata.item[k].plen == b->cdata.item[k].plen);
  CHECK(bytes_eq(a->fqdn, b->fqdn));
  CHECK(dhcp6_check_client_msg(a) == dhcp6_check_client_msg(b));
  CHECK(dhcp6_check_server_msg(a) == dhcp6_check_server_msg(b));
}

static void chain(size_t n)
{
  struct dhcp6_msg lv[DHCP6_RELAY_DEPTH_MAX + 1];
  int k = -1;
  enum wire_reason r = dhcp6_parse_chain(msg, n, lv, &k);
  CHECK(k >= 0 && k <= DHCP6_RELAY_DEPTH_MAX + 1);
  for (int i = 0; i < k; i++) {
    sane(&lv[i], i ? lv[i - 1].relay_msg.p : msg);
    CHECK(is_relay(lv[i].type) == (i < k - 1 || r != WR_OK));
    if (i > 0 && is_relay(lv[i].type)) CHECK(lv[i].type == lv[0].type);
  }
  if (r == WR_OK) CHECK(k >= 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
  if (n > sizeof msg) return 0;
  memcpy(msg, d, n);
  if (n && msg[0] >= 32) msg[0] = types[msg[0] % sizeof types];
  base = msg;
  base_len = n;
  /* the domain walker on raw bytes: never past them */
  char name[256];
  size_t off = 0;
  for (int i = 0; i < 300 && dhcp6_domain_next((struct dhcp6_bytes){ msg, (uint16_t)(n > 65535 ? 65535 : n) },
                                               &off, name, sizeof name); i++)
    CHECK(off <= n && strlen(name) <= 253);

  struct dhcp6_msg a, b;
  enum wire_reason r = dhcp6_parse(msg, n, &a);
  CHECK(r >= WR_OK && r < WR__MAX);
  dhcp6_check_client_msg(&a);
  dhcp6_check_server_msg(&a);
  chain(n);
  if (r != WR_OK) return 0;
  sane(&a, msg);
  walk_opts(&a);
  walk_domains(a.domain_list);
  size_t info_off = 0;
  size_t l = emit(&a, &info_off);
  CHECK(l >= 4 && l <= n);
  base = out;
  base_len = l;
  CHECK(dhcp6_parse(out, l, &b) == WR_OK);
  sane(&b, out);
  if (b.auth.present) CHECK(b.auth.info_off == info_off);
  base = msg;
  base_len = n;
  same(&a, &b);
  return 0;
}
