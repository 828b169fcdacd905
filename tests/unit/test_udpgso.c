/* Grouping of datagrams into UDP GSO messages (link/udpgso.c). */
#include <arpa/inet.h>
#include "../lib/t.h"
#include "link/udpgso.h"

static struct udpgso_dgram D(const char *dst, uint16_t dport, size_t len)
{
  struct udpgso_dgram g = { .dport = dport, .len = len };
  inet_pton(AF_INET, "192.0.2.1", &g.src);
  inet_pton(AF_INET, dst, &g.dst);
  return g;
}

TEST(udpgso_equal_sizes_join)
{
  struct udpgso_dgram v[5];
  for (unsigned i = 0; i < 5; i++) v[i] = D("198.51.100.2", 4500, 1400);
  T_EQ(udpgso_run(v, 5), 5);
  T_EQ(udpgso_run(v, 1), 1);
  T_EQ(udpgso_run(v + 3, 2), 2);
}

TEST(udpgso_short_one_ends_the_run)
{
  struct udpgso_dgram v[5];
  for (unsigned i = 0; i < 5; i++) v[i] = D("198.51.100.2", 4500, 1400);
  v[2].len = 100;                     /* joins, as the last */
  T_EQ(udpgso_run(v, 5), 3);
  T_EQ(udpgso_run(v + 3, 2), 2);
  v[1].len = 1401;                    /* longer than the segment: cannot join */
  T_EQ(udpgso_run(v, 5), 1);
  T_EQ(udpgso_run(v + 1, 4), 2);      /* 1401 then 100 */
}

TEST(udpgso_flow_must_match)
{
  struct udpgso_dgram v[4];
  for (unsigned i = 0; i < 4; i++) v[i] = D("198.51.100.2", 4500, 1000);
  v[1].dport = 40001;
  T_EQ(udpgso_run(v, 4), 1);
  T_EQ(udpgso_run(v + 1, 3), 1);
  v[1].dport = 4500;
  v[2].tos = 0x02;                    /* another ECN codepoint: another IP_TOS cmsg */
  T_EQ(udpgso_run(v, 4), 2);
  v[2].tos = 0;
  inet_pton(AF_INET, "192.0.2.9", &v[2].src);
  T_EQ(udpgso_run(v, 4), 2);
  v[2].src = v[0].src;
  inet_pton(AF_INET, "198.51.100.3", &v[3].dst);
  T_EQ(udpgso_run(v, 4), 3);
}

TEST(udpgso_limits)
{
  static struct udpgso_dgram v[100];
  for (unsigned i = 0; i < 100; i++) v[i] = D("198.51.100.2", 4500, 100);
  T_EQ(udpgso_run(v, 100), UDPGSO_MAX_SEGS);
  for (unsigned i = 0; i < 100; i++) v[i].len = 1400;
  T_EQ(udpgso_run(v, 100), UDPGSO_MAX_BYTES / 1400);   /* 46 * 1400 = 64400 */
  v[46].len = UDPGSO_MAX_BYTES - 46 * 1400;            /* a short last that just fits */
  T_EQ(udpgso_run(v, 100), 47);
  v[46].len++;
  T_EQ(udpgso_run(v, 100), 46);
}

TEST(udpgso_nothing_to_join)
{
  struct udpgso_dgram v[3] = { D("198.51.100.2", 4500, 0), D("198.51.100.2", 4500, 0),
                               D("198.51.100.2", 4500, 1) };
  T_EQ(udpgso_run(v, 3), 1);          /* an empty payload is no segment size */
  v[0].len = 1;
  T_EQ(udpgso_run(v, 3), 1);          /* nor joins */
  v[0].len = UDPGSO_MAX_BYTES + 1;
  v[1].len = 1;
  T_EQ(udpgso_run(v, 3), 1);
}

int main(void)
{
  RUN(udpgso_equal_sizes_join);
  RUN(udpgso_short_one_ends_the_run);
  RUN(udpgso_flow_must_match);
  RUN(udpgso_limits);
  RUN(udpgso_nothing_to_join);
  return t_done();
}
