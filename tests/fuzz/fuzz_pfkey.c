/* PF_KEY v2 messages.  Input = a message.  On a successful parse: every
 * extension and every pointer in the decoded copies lies inside the input,
 * the extensions tile the message exactly, every list entry can be
 * decoded; the message rebuilt with the builder from the parsed index
 * (pfkey_add_parsed over m.order) equals the input byte for byte and
 * parses again with the same index.  A rebuild into a buffer one unit too
 * small must fail. */
#include <stdlib.h>
#include <string.h>
#include "wire/pfkey.h"

#define CHECK(c) do { if (!(c)) __builtin_trap(); } while (0)
int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

static const uint8_t *lo, *hi;

static void inside(const uint8_t *p, size_t len)
{
  CHECK(len == 0 || (p >= lo && p <= hi && len <= (size_t)(hi - p)));
}

static void check_lists(const struct pfkey_msg *m)
{
  if (m->ext[SADB_EXT_PROPOSAL]) {
    inside(m->prop.combs, m->prop.ncomb * PFKEY_COMB_LEN);
    for (size_t i = 0; i < m->prop.ncomb; i++) {
      struct pfkey_comb c;
      pfkey_comb_get(&m->prop, i, &c);
    }
  }
  for (unsigned t = SADB_EXT_SUPPORTED_AUTH; t <= SADB_EXT_SUPPORTED_ENCRYPT; t++) {
    const struct pfkey_supported *s = pfkey_msg_supported(m, t);
    if (!m->ext[t]) continue;
    inside(s->algs, s->nalg * PFKEY_ALG_LEN);
    for (size_t i = 0; i < s->nalg; i++) {
      struct pfkey_alg a;
      pfkey_alg_get(s, i, &a);
    }
  }
}

static void check_pointers(const struct pfkey_msg *m, size_t n)
{
  size_t sum = PFKEY_MSG_LEN;
  for (size_t i = 0; i < m->n_ext; i++) {
    unsigned t = m->order[i];
    CHECK(t >= 1 && t <= SADB_EXT_MAX && t != SADB_EXT_SENSITIVITY && m->ext[t]);
    CHECK(m->ext[t] == lo + sum);          /* in order, back to back */
    CHECK(m->ext_len[t] >= PFKEY_UNIT && m->ext_len[t] % PFKEY_UNIT == 0);
    sum += m->ext_len[t];
  }
  CHECK(sum == n);
  for (unsigned t = SADB_EXT_KEY_AUTH; t <= SADB_EXT_KEY_ENCRYPT; t++)
    if (m->ext[t]) {
      const struct pfkey_key *k = pfkey_msg_key(m, t);
      inside(k->data, k->data_len);
      CHECK(k->bits <= k->data_len * 8);
    }
  for (unsigned t = SADB_EXT_IDENTITY_SRC; t <= SADB_EXT_IDENTITY_DST; t++)
    if (m->ext[t]) inside(pfkey_msg_ident(m, t)->data, pfkey_msg_ident(m, t)->data_len);
  if (m->ext[SADB_X_EXT_KMPRIVATE]) inside(m->kmprivate.data, m->kmprivate.data_len);
  if (m->ext[SADB_X_EXT_POLICY]) CHECK(m->policy.nreq <= PFKEY_MAX_REQ);
  check_lists(m);
}

static size_t rebuild(const struct pfkey_msg *m, uint8_t *buf, size_t cap)
{
  struct pfkey_builder b;
  pfkey_build_init(&b, buf, cap, &m->hdr);
  for (size_t i = 0; i < m->n_ext; i++) pfkey_add_parsed(&b, m, m->order[i]);
  return pfkey_build_finish(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
  static struct pfkey_msg m, m2;
  if (pfkey_parse(d, n, &m) != WR_OK) return 0;
  lo = d;
  hi = d + n;
  CHECK(n >= PFKEY_MSG_LEN && n % PFKEY_UNIT == 0 && (size_t)m.hdr.len * PFKEY_UNIT == n);
  CHECK(m.hdr.version == PF_KEY_V2 && m.hdr.type >= 1 && m.hdr.type <= SADB_MAX);
  check_pointers(&m, n);
  uint8_t *c = malloc(n);
  CHECK(rebuild(&m, c, n) == n);
  CHECK(memcmp(c, d, n) == 0);
  CHECK(pfkey_parse(c, n, &m2) == WR_OK);
  CHECK(m2.n_ext == m.n_ext && memcmp(m2.order, m.order, m.n_ext) == 0);
  for (unsigned t = 1; t <= SADB_EXT_MAX; t++)
    CHECK((m.ext[t] == NULL) == (m2.ext[t] == NULL) && m.ext_len[t] == m2.ext_len[t]);
  CHECK(rebuild(&m, c, n - PFKEY_UNIT) == 0);
  free(c);
  return 0;
}
