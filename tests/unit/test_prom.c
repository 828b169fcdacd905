/* The Prometheus formatter (src/ctl/prom.c) and the metrics verbs
 * (src/ctl/cmd_metrics.c, stats -o): name sanitizing, label value and HELP
 * escaping (with invalid UTF-8), every counter present with its own value
 * under the documented name, family names unique and valid (also as the
 * python parser sees them, _total removed), interface and SA labels, the
 * listen address parser and the sixd hook, usage errors. No root needed. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include "../lib/t.h"
#include "ctl/cmd.h"
#include "ctl/cmd_metrics.h"
#include "ctl/prom.h"
#include "core/counters.h"
#include "net/stack.h"
#include "link/loop.h"
#include "ipsec/ipsec.h"

static struct six_stack *st;
static struct cmd_out out, err;

static int run_host(const char *line, const struct cmd_host *host)
{
    char buf[1024], *argv[CMD_MAX_ARGS + 1];
    snprintf(buf, sizeof buf, "%s", line);
    int argc = cmd_split(buf, argv, CMD_MAX_ARGS, NULL);
    cmd_out_reset(&out);
    cmd_out_reset(&err);
    struct cmd_ctx c = { .st = st, .out = &out, .err = &err, .host = host };
    if (argc > 1 && strcmp(argv[0], "-j") == 0) {
        c.json = true;
        return six_cmd_exec(&c, argc - 1, argv + 1);
    }
    return six_cmd_exec(&c, argc, argv);
}

static int run(const char *line) { return run_host(line, NULL); }

static struct cmd_out lbl;

static const char *label(const char *v)
{
    cmd_out_reset(&lbl);
    prom_label_value(&lbl, v);
    cmd_printf(&lbl, "%s", "");   /* makes sure buf exists and is NUL-terminated */
    return lbl.buf;
}

TEST(sanitize)
{
    char b[64];
    T_EQ(prom_sanitize(b, sizeof b, "ip6.in_receives"), 15);
    T_STREQ(b, "ip6_in_receives");
    prom_sanitize(b, sizeof b, "a-b c/d:\xc3\xa9Z9_");
    T_STREQ(b, "a_b_c_d___Z9_");       /* é is two bytes, two underscores */
    T_EQ(prom_sanitize(b, 4, "abcdef"), 3);
    T_STREQ(b, "abc");
    T_EQ(prom_sanitize(b, 1, "abc"), 0);
    T_STREQ(b, "");
}

TEST(label_escaping)
{
    T_STREQ(label("tap0"), "tap0");
    T_STREQ(label("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    T_STREQ(label("\\"), "\\\\");
    T_STREQ(label("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"), "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
    T_STREQ(label("x\xffy"), "x\xef\xbf\xbdy");                       /* not UTF-8 at all */
    T_STREQ(label("\xc0\xaf"), "\xef\xbf\xbd\xef\xbf\xbd");           /* overlong '/' */
    T_STREQ(label("\xed\xa0\x80"), "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");   /* a surrogate */
    T_STREQ(label("\xf4\x90\x80\x80"), "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");   /* > U+10FFFF */
    T_STREQ(label("ab\xe2\x82"), "ab\xef\xbf\xbd\xef\xbf\xbd");      /* cut short at the end */
    T_STREQ(label("\xe2\x82\""), "\xef\xbf\xbd\xef\xbf\xbd\\\"");     /* cut short by a quote */
}

TEST(help_escaping)
{
    struct cmd_out o;
    cmd_out_init(&o);
    prom_help_text(&o, "a\\b\nc\"d");
    T_STREQ(o.buf, "a\\\\b\\nc\"d");    /* quotes stay in HELP */
    cmd_out_free(&o);
}

/* ------------------------------------------------ parsing our own output */

struct fam { char name[160]; char type[16]; };
static struct fam fams[2048];
static unsigned nfams;

static const struct fam *fam_find(const char *name)
{
    for (unsigned i = 0; i < nfams; i++)
        if (!strcmp(fams[i].name, name))
            return &fams[i];
    return NULL;
}

static bool valid_name(const char *s)
{
    if (!*s || (*s >= '0' && *s <= '9'))
        return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '_'))
            return false;
    return true;
}

/* The families of text, checked: HELP then TYPE before the samples, names
 * valid and unique, every sample line after its family's TYPE. Returns the
 * number of problems (printed). */
static int check_structure(const char *text)
{
    int bad = 0;
    nfams = 0;
    const char *cur = "";
    char help_of[160] = "";
    for (const char *l = text; *l;) {
        const char *e = strchr(l, '\n');
        size_t n = e ? (size_t)(e - l) : strlen(l);
        char line[4096];
        snprintf(line, sizeof line, "%.*s", (int)n, l);
        char name[160], type[16];
        if (sscanf(line, "# HELP %159s", name) == 1) {
            snprintf(help_of, sizeof help_of, "%s", name);
        } else if (sscanf(line, "# TYPE %159s %15s", name, type) == 2) {
            if (strcmp(help_of, name) || fam_find(name) || !valid_name(name) || nfams == 2048) {
                fprintf(stderr, "  bad family %s (help %s, dup %d)\n", name, help_of, fam_find(name) != NULL);
                bad++;
            } else {
                snprintf(fams[nfams].name, sizeof fams[nfams].name, "%s", name);
                snprintf(fams[nfams].type, sizeof fams[nfams].type, "%s", type);
                cur = fams[nfams++].name;
            }
        } else if (n) {
            size_t k = strcspn(line, "{ ");
            if (k != strlen(cur) || strncmp(line, cur, k)) {
                fprintf(stderr, "  sample outside its family: %s (family %s)\n", line, cur);
                bad++;
            }
        }
        l = e ? e + 1 : l + n;
    }
    /* the python parser names a counter family without _total: still unique */
    for (unsigned i = 0; i < nfams; i++) {
        char base[160];
        snprintf(base, sizeof base, "%s", fams[i].name);
        size_t bl = strlen(base);
        if (!strcmp(fams[i].type, "counter")) {
            if (bl < 7 || strcmp(base + bl - 6, "_total")) {
                fprintf(stderr, "  counter %s without _total\n", base);
                bad++;
                continue;
            }
            base[bl - 6] = '\0';
        }
        for (unsigned j = 0; j < nfams; j++) {
            if (i != j && !strcmp(fams[j].name, base)) {
                fprintf(stderr, "  %s and %s collide\n", fams[i].name, fams[j].name);
                bad++;
            }
        }
    }
    return bad;
}

/* The value of the sample line that starts with "key " in text. */
static bool sample(const char *text, const char *key, unsigned long long *v)
{
    size_t kl = strlen(key);
    for (const char *l = text; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL)
        if (!strncmp(l, key, kl) && l[kl] == ' ')
            return sscanf(l + kl + 1, "%llu", v) == 1;
    return false;
}

struct expect { const char *text; int missing, wrong; };

/* Every counter sixctl stats -a prints, under its documented Prometheus name. */
static void expect_cb(void *ctx, const char *name, uint64_t val)
{
    struct expect *x = ctx;
    char key[256], san[160];
    const char *d = strstr(name, ".drop.");
    if (d && !strchr(d + 6, '.')) {
        char proto[32];
        snprintf(proto, sizeof proto, "%.*s", (int)(d - name), name);
        snprintf(key, sizeof key, "sixstack_wire_drop_total{proto=\"%s\",reason=\"%s\"}", proto, d + 6);
    } else {
        prom_sanitize(san, sizeof san, name);
        snprintf(key, sizeof key, "sixstack_%s_total", san);
    }
    unsigned long long v;
    if (!sample(x->text, key, &v)) {
        if (x->missing++ < 5)
            fprintf(stderr, "  missing %s (%s)\n", key, name);
    } else if (v != val) {
        if (x->wrong++ < 5)
            fprintf(stderr, "  %s = %llu, want %llu\n", key, v, (unsigned long long)val);
    }
}

TEST(every_counter_with_its_value)
{
    /* distinct values everywhere, so that a counter printed under another's name shows */
    for (unsigned i = 0; i < CTR__MAX; i++)
        st->ctr.v[i] = 1000003ull * i + 7;
    for (unsigned p = 0; p < WP__MAX; p++)
        for (unsigned r = 0; r < WR__MAX; r++)
            st->ctr.wire[p][r] = 1000ull * p + r + 1;
    st->ctr.v[CTR_ip6_in_receives] = 18446744073709551615ull;   /* UINT64_MAX, printed exactly */
    T_EQ(run("stats -o prometheus"), 0);
    T_EQ(check_structure(out.buf), 0);
    struct expect x = { out.buf, 0, 0 };
    six_counters_foreach(&st->ctr, 0, expect_cb, &x);
    T_EQ(x.missing, 0);
    T_EQ(x.wrong, 0);
    T_CHECK(strstr(out.buf, "\nsixstack_ip6_in_receives_total 18446744073709551615\n") != NULL);
    T_CHECK(strstr(out.buf, "# TYPE sixstack_wire_drop_total counter\n") != NULL);
    T_CHECK(strstr(out.buf, "# HELP sixstack_nd6_in_ns_total sixctl stats nd6.in_ns\n") != NULL);
    T_CHECK(strstr(out.buf, "reason=\"ok\"") == NULL);
    /* -o json is -j */
    T_EQ(run("stats -o json -a"), 0);
    T_CHECK(out.buf[0] == '{' && strstr(out.buf, "\"ip6.in_receives\": 18446744073709551615") != NULL);
    memset(&st->ctr, 0, sizeof st->ctr);
}

TEST(interface_and_sa_labels)
{
    T_EQ(run("link add \"g\\x\" type gif local 192.0.2.1 remote 192.0.2.2"), 0);
    T_EQ(run("ipsec exec \"add 192.0.2.1 192.0.2.2 esp 0x1001 -m transport -E aes-gcm-16 "
             "0x0102030405060708090a0b0c0d0e0f1011121314;\""), 0);
    struct ipsec_sa *sa = NULL;
    struct in6_addr dst = { .s6_addr = { [10] = 0xff, [11] = 0xff, 192, 0, 2, 2 } };
    sa = ipsec_sa_find(st, IPSEC_PROTO_ESP, &dst, 0x1001);
    T_CHECK(sa != NULL);
    if (!sa)
        return;
    sa->stats.packets = 11, sa->stats.bytes = 1234, sa->stats.drop_replay = 3, sa->stats.drop_icv = 4;
    sa->stats.drop_pad = 5, sa->stats.drop_trunc = 6, sa->stats.drop_selector = 7, sa->stats.drop_expired = 8;
    sa->last_ns = six_now(st) - 2500000000ull;                 /* 2.5 s ago */
    st->ifs[0]->stats = (struct if_stats){ .ipackets = 21, .ibytes = 22, .idrops = 23,
                                           .opackets = 24, .obytes = 25, .odrops = 26 };
    struct prom_opts opt = { .unix_now = 1800000000.0 };
    cmd_out_reset(&out);
    prom_write(&out, st, &opt);
    T_EQ(check_structure(out.buf), 0);
    unsigned long long v = 0;
    T_CHECK(sample(out.buf, "sixstack_if_rx_packets_total{ifname=\"lo\"}", &v) && v == 21);
    T_CHECK(sample(out.buf, "sixstack_if_rx_bytes_total{ifname=\"lo\"}", &v) && v == 22);
    T_CHECK(sample(out.buf, "sixstack_if_rx_drops_total{ifname=\"lo\"}", &v) && v == 23);
    T_CHECK(sample(out.buf, "sixstack_if_tx_packets_total{ifname=\"lo\"}", &v) && v == 24);
    T_CHECK(sample(out.buf, "sixstack_if_tx_bytes_total{ifname=\"lo\"}", &v) && v == 25);
    T_CHECK(sample(out.buf, "sixstack_if_tx_drops_total{ifname=\"lo\"}", &v) && v == 26);
    T_CHECK(sample(out.buf, "sixstack_if_tx_drops_total{ifname=\"g\\\\x\"}", &v) && v == 0);
    T_CHECK(strstr(out.buf, "sixstack_if_info{ifname=\"g\\\\x\",kind=\"gif\"} 1\n") != NULL);
    const char *l = "{spi=\"0x1001\",src=\"192.0.2.1\",dst=\"192.0.2.2\",proto=\"esp\",dir=\"out\"";
    char key[256];
    snprintf(key, sizeof key, "sixstack_ipsec_sa_packets_total%s}", l);
    T_CHECK(sample(out.buf, key, &v) && v == 11);
    snprintf(key, sizeof key, "sixstack_ipsec_sa_bytes_total%s}", l);
    T_CHECK(sample(out.buf, key, &v) && v == 1234);
    static const char *reasons[] = { "replay", "icv", "pad", "truncated", "selector", "expired" };
    for (unsigned i = 0; i < 6; i++) {
        snprintf(key, sizeof key, "sixstack_ipsec_sa_drop_total%s,reason=\"%s\"}", l, reasons[i]);
        T_CHECK(sample(out.buf, key, &v) && v == 3 + i);
    }
    /* the stack's clock runs on between setting last_ns and printing: 2.5 s ago, or a little more */
    snprintf(key, sizeof key, "sixstack_ipsec_sa_last_packet_timestamp_seconds%s} ", l);
    const char *ts = strstr(out.buf, key);
    double t = 0;
    T_CHECK(ts && sscanf(ts + strlen(key), "%lf", &t) == 1);
    T_CHECK(t >= 1799999997.0 && t <= 1799999997.5);
    T_CHECK(strstr(out.buf, "\nsixstack_ipsec_sas 1\n") != NULL);
    T_CHECK(strstr(out.buf, "\nsixstack_interfaces 2\n") != NULL);
    /* the stack's age, as sixctl status has it: a fresh stack, under a second */
    const char *up = strstr(out.buf, "\nsixstack_uptime_seconds ");
    T_CHECK(up && strtod(up + 25, NULL) >= 0 && strtod(up + 25, NULL) < 60);
    T_CHECK(strstr(out.buf, "\nsixstack_start_time_seconds 17999") != NULL);
    T_EQ(run("ipsec flush"), 0);
    T_EQ(run("link del \"g\\x\""), 0);
}

/* ------------------------------------------------------------ the verbs */

TEST(stats_usage)
{
    T_EQ(run("stats -o prometheus ip6.in_receives"), 2);
    T_CHECK(strstr(err.buf, "no NAME") != NULL);
    T_EQ(run("stats -o yaml"), 2);
    T_EQ(run("stats -o"), 2);
    T_EQ(out.len, 0);
}

static bool refused(const char *s)
{
    struct sockaddr_storage ss;
    socklen_t len;
    const char *why = NULL;
    return cmd_metrics_parse_addr(s, &ss, &len, &why) < 0 && why && *why;
}

static bool parse(const char *s, int family, const char *addr, unsigned port)
{
    struct sockaddr_storage ss;
    socklen_t len;
    const char *why = NULL;
    if (cmd_metrics_parse_addr(s, &ss, &len, &why) < 0 || ss.ss_family != family)
        return false;
    char b[INET6_ADDRSTRLEN];
    if (family == AF_INET6) {
        const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)&ss;
        return len == sizeof *a && ntohs(a->sin6_port) == port &&
               !strcmp(inet_ntop(AF_INET6, &a->sin6_addr, b, sizeof b), addr);
    }
    const struct sockaddr_in *a = (const struct sockaddr_in *)&ss;
    return len == sizeof *a && ntohs(a->sin_port) == port && !strcmp(inet_ntop(AF_INET, &a->sin_addr, b, sizeof b), addr);
}

TEST(listen_address)
{
    T_CHECK(parse("127.0.0.1:9177", AF_INET, "127.0.0.1", 9177));
    T_CHECK(parse("0.0.0.0:1", AF_INET, "0.0.0.0", 1));
    T_CHECK(parse("[::1]:9177", AF_INET6, "::1", 9177));
    T_CHECK(parse("[::]:65535", AF_INET6, "::", 65535));
    T_CHECK(parse("[2001:db8::1]:80", AF_INET6, "2001:db8::1", 80));
    static const char *bad[] = { "::1:9177", "[::1]9177", "[::1]:", "[::1", "[]:80", "127.0.0.1", "127.0.0.1:0",
                                 "127.0.0.1:65536", "127.0.0.1:+80", "127.0.0.1:80x", "localhost:80", ":80",
                                 "[fe80::1%eth0]:80", "[127.0.0.1]:80", "1.2.3:80", "", "[::1]:9177:1" };
    for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (!refused(bad[i])) {
            fprintf(stderr, "  accepted: '%s'\n", bad[i]);
            t_case_failed = 1;
        }
    }
}

struct fake { int calls; int family; unsigned port; bool off; char addr[64]; };

static int fake_listen(void *arg, const struct sockaddr *sa, unsigned len, char *why, size_t wn)
{
    struct fake *f = arg;
    f->calls++;
    f->off = sa == NULL;
    if (sa) {
        f->family = sa->sa_family;
        f->port = ntohs(((const struct sockaddr_in *)sa)->sin_port);   /* same offset in sockaddr_in6 */
        if (f->port == 81) {
            snprintf(why, wn, "Address already in use");
            return -1;
        }
        snprintf(f->addr, sizeof f->addr, "[::1]:%u", f->port);
    } else {
        f->addr[0] = '\0';
    }
    return 0;
}

static void fake_addr(void *arg, char *buf, size_t n)
{
    snprintf(buf, n, "%s", ((struct fake *)arg)->addr);
}

TEST(metrics_verb)
{
    T_EQ(run("metrics listen 127.0.0.1:9177"), 1);          /* not sixd */
    T_CHECK(strstr(err.buf, "only sixd") != NULL);
    T_EQ(run("metrics listen ::1:9177"), 2);
    T_CHECK(strstr(err.buf, "brackets") != NULL);
    T_EQ(run("metrics show"), 0);
    T_STREQ(out.buf, "off\n");
    T_EQ(run("metrics frob"), 2);
    T_EQ(run("metrics listen"), 2);

    struct fake f = { 0 };
    struct cmd_host h = { .arg = &f, .metrics_listen = fake_listen, .metrics_addr = fake_addr };
    T_EQ(run_host("metrics listen [::1]:9177", &h), 0);
    T_EQ(f.calls, 1);
    T_EQ(f.family, AF_INET6);
    T_EQ(f.port, 9177);
    T_EQ(run_host("metrics show", &h), 0);
    T_STREQ(out.buf, "listen [::1]:9177 path /metrics\n");
    T_EQ(run_host("-j metrics show", &h), 0);
    T_STREQ(out.buf, "{\"listen\":\"[::1]:9177\",\"path\":\"/metrics\"}\n");
    T_EQ(run_host("config show", &h), 0);                    /* the running configuration has it */
    T_CHECK(strstr(out.buf, "\nmetrics listen [::1]:9177\n") != NULL);
    T_EQ(run_host("metrics listen 127.0.0.1:81", &h), 1);
    T_STREQ(err.buf, "metrics listen 127.0.0.1:81: Address already in use");
    T_EQ(run_host("metrics listen bogus:1", &h), 2);
    T_EQ(f.calls, 2);                                        /* a usage error never reaches sixd */
    T_EQ(run_host("metrics listen off", &h), 0);
    T_CHECK(f.off);
    T_EQ(run_host("-j metrics show", &h), 0);
    T_STREQ(out.buf, "{\"listen\":null,\"path\":\"/metrics\"}\n");
    T_EQ(run_host("config show", &h), 0);
    T_CHECK(strstr(out.buf, "metrics listen") == NULL);
}

int main(void)
{
    struct six_stack_opts o = { .name = "t", .seed = 1 };
    st = six_stack_create(&o);
    if (!st || !loop_create(st)) {
        printf("not ok - setup\n");
        return 1;
    }
    cmd_out_init(&out);
    cmd_out_init(&err);
    RUN(sanitize);
    RUN(label_escaping);
    RUN(help_escaping);
    RUN(every_counter_with_its_value);
    RUN(interface_and_sa_labels);
    RUN(stats_usage);
    RUN(listen_address);
    RUN(metrics_verb);
    six_stack_destroy(st);
    cmd_out_free(&out);
    cmd_out_free(&err);
    cmd_out_free(&lbl);
    return t_done();
}
