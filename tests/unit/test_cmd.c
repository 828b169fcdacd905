/* The command dispatcher (src/ctl/cmd.c) on a stack without an event loop:
 * usage errors (status 2, one line, state unchanged), link show/set/del on a
 * loopback interface, stats in text and JSON, capture. No root needed. */
#include <stdlib.h>
#include <unistd.h>
#include "../lib/t.h"
#include "ctl/cmd.h"
#include "net/stack.h"
#include "link/loop.h"
#include "net/gif.h"
#include "net/gif_var.h"

static struct six_stack *st;
static struct cmd_out out, err;

static int run(const char *line)
{
    char buf[512], *argv[CMD_MAX_ARGS + 1];
    snprintf(buf, sizeof buf, "%s", line);
    int argc = cmd_split(buf, argv, CMD_MAX_ARGS, NULL);
    cmd_out_reset(&out);
    cmd_out_reset(&err);
    struct cmd_ctx c = { .st = st, .ev = NULL, .out = &out, .err = &err };
    if (argc > 1 && strcmp(argv[0], "-j") == 0) {
        c.json = true;
        return six_cmd_exec(&c, argc - 1, argv + 1);
    }
    return six_cmd_exec(&c, argc, argv);
}

static int contains(const char *hay, const char *needle)
{
    return hay && strstr(hay, needle) != NULL;
}

TEST(unknown_object)
{
    T_EQ(run("frobnicate x"), 2);
    /* the list of objects grows with the stack: check the form and a few names */
    T_CHECK(contains(err.buf, "unknown object 'frobnicate'; try: link addr route neigh ping ra set"));
    T_CHECK(contains(err.buf, " stats capture"));
    T_EQ(out.len, 0);
    T_EQ(run("link frob"), 2);
    T_CHECK(contains(err.buf, "unknown link verb"));
}

TEST(link_show_and_set)
{
    T_EQ(run("link show"), 0);
    T_CHECK(contains(out.buf, "1: lo: <"));
    T_CHECK(contains(out.buf, "kind loop"));
    T_CHECK(contains(out.buf, "link/loopback"));
    T_EQ(run("link set lo up"), 0);
    T_CHECK(st->ifs[0]->flags & IFF6_UP);
    T_EQ(run("link show lo"), 0);
    T_CHECK(contains(out.buf, "<UP"));
    T_EQ(run("-j link show"), 0);
    T_CHECK(contains(out.buf, "[{\"ifindex\":1,\"ifname\":\"lo\",\"flags\":[\"UP\""));
    T_EQ(run("link show nosuch"), 1);
    T_CHECK(contains(err.buf, "no interface 'nosuch'"));
}

TEST(link_errors_leave_state)
{
    uint32_t mtu = st->ifs[0]->mtu, flags = st->ifs[0]->flags;
    T_EQ(run("link set lo down mtu 99999"), 2);      /* mtu checked before down applies */
    T_EQ(run("link set lo down mtu 1400x"), 2);
    T_EQ(run("link set lo down mtu -1"), 2);
    T_EQ(run("link set lo down mtu"), 2);
    T_EQ(run("link set lo down sideways"), 2);
    T_EQ(run("link set lo"), 2);
    T_EQ(st->ifs[0]->mtu, mtu);
    T_EQ(st->ifs[0]->flags, flags);
    T_EQ(run("link add tap0 type tap"), 1);          /* no event loop here */
    T_CHECK(contains(err.buf, "needs sixd's event loop"));
    T_EQ(run("link add tap0 type ether"), 2);
    T_EQ(run("link add lo type tap"), 1);            /* exists */
    T_EQ(run("link add a/b type tap"), 2);
    T_EQ(run("link add 0123456789abcdef type tap"), 2);   /* >= IFNAMSIZ */
    T_EQ(run("link add x"), 2);
    T_EQ(run("link del"), 2);
    T_EQ(run("link del nosuch"), 1);
    T_CHECK(st->ifs[1] == NULL);
}

TEST(link_mtu)
{
    T_EQ(run("link set lo mtu 9000"), 0);
    T_EQ(st->ifs[0]->mtu, 9000);
    T_EQ(run("link show lo"), 0);
    T_CHECK(contains(out.buf, "mtu 9000"));
}

TEST(stats_text_json)
{
    CTR_ADD(st, ip6, in_receives, 7);
    T_EQ(run("stats"), 0);
    T_CHECK(contains(out.buf, "ip6.in_receives 7\n"));
    T_CHECK(!contains(out.buf, " 0\n"));           /* nonzero only */
    T_EQ(run("stats -a"), 0);
    T_CHECK(contains(out.buf, "ip6.drop.truncated 0\n"));
    T_EQ(run("stats ip6.in_receives"), 0);
    T_STREQ(out.buf, "7\n");
    T_EQ(run("-j stats ip6.in_receives"), 0);
    T_STREQ(out.buf, "{\"ip6.in_receives\": 7}\n");
    T_EQ(run("-j stats"), 0);
    T_CHECK(out.buf[0] == '{' && contains(out.buf, "\"ip6.in_receives\": 7"));
    T_CHECK(contains(out.buf, "}\n"));
    T_EQ(run("stats no.such"), 2);
    T_EQ(run("stats -x"), 2);
    T_EQ(run("stats a b"), 2);
}

TEST(capture)
{
    char path[] = "/tmp/six-test-cmd-XXXXXX";
    int fd = mkstemp(path);
    T_CHECK(fd >= 0);
    close(fd);
    T_EQ(run("capture lo stop"), 1);                 /* not capturing */
    char line[128];
    snprintf(line, sizeof line, "capture lo %s", path);
    T_EQ(run(line), 0);
    T_CHECK(st->ifs[0]->pcap != NULL);
    T_EQ(run(line), 1);                              /* already */
    T_EQ(run("capture lo stop"), 0);
    T_CHECK(st->ifs[0]->pcap == NULL);
    T_EQ(run("capture nosuch x.pcap"), 1);
    T_EQ(run("capture lo"), 2);
    T_EQ(run("capture lo /nonexistent-dir/x.pcap"), 1);
    T_CHECK(st->ifs[0]->pcap == NULL);
    unlink(path);
}

TEST(link_del)
{
    T_EQ(run("link del lo"), 0);
    T_CHECK(st->ifs[0] == NULL);
    T_EQ(run("-j link show"), 0);
    T_STREQ(out.buf, "[]\n");
}

/* help lists every verb of the table the dispatcher uses, with its forms;
 * help VERB one verb (an alias: its verb); an unknown one: status 2 and
 * the list. Every listed verb is dispatched (none answers "unknown object"). */
TEST(help)
{
    T_EQ(run("help"), 0);
    T_CHECK(contains(out.buf, "link add NAME type tap|tun"));
    T_CHECK(contains(out.buf, "ping ADDR"));
    size_t n;
    const struct cmd_verb *v = cmd_verbs(&n);
    char *all = strdup(out.buf ? out.buf : "");
    for (size_t i = 0; i < n; i++) {
        if (!v[i].usage)
            continue;
        char head[64];
        snprintf(head, sizeof head, "%s: ", v[i].name);
        if (!contains(all, head))
            printf("#   help lacks %s\n", v[i].name);
        T_CHECK(contains(all, head));
        T_CHECK(cmd_verb_find(v[i].name) == &v[i]);
        T_CHECK(v[i].fn != NULL && v[i].words && v[i].summary);
    }
    free(all);
    T_EQ(run("help gif"), 2);
    T_CHECK(contains(err.buf, "help: unknown verb 'gif'; try: link addr route"));
    T_EQ(run("help route"), 0);
    T_CHECK(contains(out.buf, "route add|replace"));
    T_CHECK(!contains(out.buf, "link add"));
    T_EQ(run("help neighbor"), 0);                 /* an alias: the verb's usage */
    T_CHECK(contains(out.buf, "neigh add|replace ADDR lladdr MAC dev IF"));
    T_EQ(run("help a b"), 2);
}

/* The word after `VERB)` in the completion file's _sixctl_words, or NULL. */
static const char *completion_words(const char *file, const char *verb, char *buf, size_t cap)
{
    char pat[64];
    snprintf(pat, sizeof pat, "        %s)", verb);
    const char *p = strstr(file, pat);
    if (!p || !(p = strstr(p, "echo \"")))
        return NULL;
    p += 6;
    const char *q = strchr(p, '"');
    if (!q || (size_t)(q - p) >= cap)
        return NULL;
    memcpy(buf, p, (size_t)(q - p));
    buf[q - p] = '\0';
    return buf;
}

static bool has_word(const char *list, const char *w)
{
    size_t n = strlen(w);
    for (const char *p = list; (p = strstr(p, w)); p += n)
        if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
            return true;
    return false;
}

/* contrib/bash-completion/sixctl offers every verb of the table and every
 * sub-verb the table lists for it, and no verb the table lacks. */
TEST(bash_completion_matches_table)
{
    FILE *f = fopen("contrib/bash-completion/sixctl", "r");
    T_CHECK(f != NULL);
    if (!f)
        return;
    static char file[16384];
    size_t len = fread(file, 1, sizeof file - 1, f);
    fclose(f);
    file[len] = '\0';
    const char *vl = strstr(file, "_sixctl_verbs=\"");
    T_CHECK(vl != NULL);
    if (!vl)
        return;
    char verbs[512];
    vl += strlen("_sixctl_verbs=\"");
    snprintf(verbs, sizeof verbs, "%.*s", (int)(strchr(vl, '"') - vl), vl);
    size_t n;
    const struct cmd_verb *v = cmd_verbs(&n);
    unsigned listed = 0;
    for (size_t i = 0; i < n; i++) {
        if (!v[i].usage)
            continue;
        listed++;
        char wb[256], one[64];
        bool ok = has_word(verbs, v[i].name);
        const char *w = completion_words(file, v[i].name, wb, sizeof wb);
        ok = ok && w;
        for (const char *p = v[i].words; ok && *p;) {
            size_t k = strcspn(p, " ");
            snprintf(one, sizeof one, "%.*s", (int)k, p);
            ok = has_word(w, one);
            p += k + (p[k] == ' ');
        }
        if (!ok)
            printf("#   completion lacks %s (%s)\n", v[i].name, v[i].words);
        T_CHECK(ok);
    }
    unsigned in_file = 0;
    for (const char *p = verbs; *p;) {
        size_t k = strcspn(p, " ");
        char one[64];
        snprintf(one, sizeof one, "%.*s", (int)k, p);
        const struct cmd_verb *cv = cmd_verb_find(one);
        if (!cv || !cv->usage)
            printf("#   completion offers %s, not a verb\n", one);
        T_CHECK(cv && cv->usage);
        in_file++;
        p += k + (p[k] == ' ');
    }
    T_EQ(in_file, listed);
}

/* link add ... type host: arguments checked before the event loop is needed */
TEST(link_add_host_args)
{
    T_EQ(run("link add wan0 type host natt-port 0"), 2);
    T_CHECK(contains(err.buf, "bad natt-port '0'"));
    T_EQ(run("link add wan0 type host dev"), 2);
    T_EQ(run("link add wan0 type host bogus 1"), 2);
    T_CHECK(contains(err.buf, "unknown argument 'bogus'"));
    T_EQ(run("link add wan0 type host dev eth0 natt-port 4500"), 1);
    T_CHECK(contains(err.buf, "needs sixd's event loop"));
    T_EQ(run("link add wan0 type frob"), 2);
    T_CHECK(contains(err.buf, "try: tap tun gif host"));
    T_CHECK(!if_find(st, "wan0"));
}

/* link set gif0 esp: SPIs are decimal or 0x hex as setkey reads them --
 * "0400" is four hundred, not strtoul's octal 256; no sign, no blanks, no
 * second 0x, nothing past 32 bits, nothing below 256. */
TEST(gif_esp_spi_numbers)
{
    T_EQ(run("link add gif9 type gif local 192.0.2.1 remote 192.0.2.2"), 0);
    struct ifnet *ifp = if_find(st, "gif9");
    T_CHECK(ifp && gif_is(ifp));
    if (!ifp)
        return;
    const struct gif_softc *sc = ifp->drv;
    T_EQ(run("link set gif9 esp 0400 0x1002"), 0);
    T_EQ(sc->esp_out, 400);
    T_EQ(sc->esp_in, 0x1002);
    T_EQ(run("link set gif9 esp 0X100 4294967295"), 0);
    T_EQ(sc->esp_out, 256);
    T_EQ(sc->esp_in, 4294967295u);
    T_EQ(run("link set gif9 esp 00256 0xffffffff"), 0);
    T_EQ(sc->esp_out, 256);
    T_EQ(sc->esp_in, 0xffffffffu);
    static const char *const bad[] = { "+400", "-400", "\" 400\"", "\"400 \"", "0x", "0x0x500", "0x+500", "0x 500",
                                       "400x", "0x1g0", "255", "0xff", "0", "4294967296", "0x100000000",
                                       "99999999999999999999999", "0400.0", "" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char line[96];
        snprintf(line, sizeof line, "link set gif9 esp %s 0x1002", bad[i]);
        int rc = run(line);
        if (rc != 2)
            printf("#   accepted: %s\n", line);
        T_EQ(rc, 2);
        T_CHECK(contains(err.buf, "esp SPI-OUT SPI-IN"));
    }
    T_EQ(sc->esp_out, 256);   /* every refusal left the binding alone */
    T_EQ(run("link del gif9"), 0);
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
    RUN(unknown_object);
    RUN(link_show_and_set);
    RUN(link_errors_leave_state);
    RUN(link_mtu);
    RUN(stats_text_json);
    RUN(capture);
    RUN(link_del);
    RUN(help);
    RUN(bash_completion_matches_table);
    RUN(link_add_host_args);
    RUN(gif_esp_spi_numbers);
    six_stack_destroy(st);
    cmd_out_free(&out);
    cmd_out_free(&err);
    return t_done();
}
