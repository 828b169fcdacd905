#include "../lib/t.h"
#include "core/counters.h"

TEST(names)
{
    T_STREQ(six_ctr_name(CTR_ip6_in_receives), "ip6.in_receives");
    T_STREQ(six_ctr_name(CTR_if_drop_down), "if.drop_down");
    T_STREQ(six_ctr_name(CTR_tcp_drop_no_listener), "tcp.drop_no_listener");
    T_STREQ(six_ctr_name(CTR__MAX), "unknown");
    T_STREQ(six_wproto_name(WP_ip6), "ip6");
    T_STREQ(six_wproto_name(WP_frag4), "frag4");
    /* every name is unique */
    for (int i = 0; i < CTR__MAX; i++)
        for (int j = i + 1; j < CTR__MAX; j++)
            T_CHECK(strcmp(six_ctr_name((enum six_ctr)i), six_ctr_name((enum six_ctr)j)) != 0);
}

TEST(lookup)
{
    static struct six_counters c;
    memset(&c, 0, sizeof(c));
    c.v[CTR_nd6_in_ns] = 7;
    c.wire[WP_ip6][WR_TRUNCATED] = 3;
    c.wire[WP_frag4][WR_BAD_LENGTH] = 5;
    uint64_t v = 99;
    T_EQ(six_counter_by_name(&c, "nd6.in_ns", &v), 0);
    T_EQ(v, 7);
    T_EQ(six_counter_by_name(&c, "nd6.in_na", &v), 0);
    T_EQ(v, 0);
    T_EQ(six_counter_by_name(&c, "ip6.drop.truncated", &v), 0);
    T_EQ(v, 3);
    T_EQ(six_counter_by_name(&c, "frag4.drop.bad_length", &v), 0);
    T_EQ(v, 5);
    T_EQ(six_counter_by_name(&c, "ip6.drop.nonsense", &v), -1);
    T_EQ(six_counter_by_name(&c, "ip.drop.truncated", &v), -1);
    T_EQ(six_counter_by_name(&c, "ip6.in_receive", &v), -1);
    T_EQ(six_counter_by_name(&c, "", &v), -1);
}

struct seen { int n, wire, found_ns, found_trunc; };
static void count_cb(void *ctx, const char *name, uint64_t val)
{
    struct seen *s = ctx;
    s->n++;
    if (strstr(name, ".drop.")) s->wire++;
    if (!strcmp(name, "nd6.in_ns") && val == 7) s->found_ns = 1;
    if (!strcmp(name, "ip6.drop.truncated") && val == 3) s->found_trunc = 1;
}

TEST(foreach)
{
    static struct six_counters c;
    memset(&c, 0, sizeof(c));
    c.v[CTR_nd6_in_ns] = 7;
    c.wire[WP_ip6][WR_TRUNCATED] = 3;
    struct seen s = {0};
    six_counters_foreach(&c, 1, count_cb, &s);
    T_EQ(s.n, 2);
    T_EQ(s.wire, 1);
    T_CHECK(s.found_ns && s.found_trunc);
    memset(&s, 0, sizeof(s));
    six_counters_foreach(&c, 0, count_cb, &s);
    T_EQ(s.n, CTR__MAX + WP__MAX * (WR__MAX - 1));   /* "drop.ok" is skipped */
    T_CHECK(s.found_ns && s.found_trunc);
}

int main(void)
{
    RUN(names);
    RUN(lookup);
    RUN(foreach);
    return t_done();
}
