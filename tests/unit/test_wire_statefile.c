/* The state file's strict parser and its emitters (src/wire/statefile.c),
 * and the atomic write (src/core/atomic_file.c). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/stat.h>
#include <arpa/inet.h>
#include "../lib/t.h"
#include "wire/statefile.h"
#include "core/atomic_file.h"

#define FP "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
#define SA1 "sa esp 0x00001001 198.51.100.2 " FP " seq 65537 top 12 src 192.0.2.3 4500 dst 198.51.100.2 4500 gen 7"
#define GIF1 "gif ht-c1 0x00001002 0x00001001 " FP " " FP " remote 192.0.2.3 gen 7"

static int count_fn(void *ctx, const struct statefile_rec *r)
{
    (void)r;
    ++*(unsigned *)ctx;
    return 0;
}

static int parse(const char *text, unsigned *n, unsigned *line, const char **why)
{
    *n = 0;
    return statefile_parse(text, strlen(text), count_fn, n, line, why);
}

TEST(valid_file_and_round_trip)
{
    const char *text = "sixstack-state 1\n# a comment\n" SA1 "\n" GIF1 "\nend 2\n";
    unsigned n, line;
    const char *why;
    T_EQ(parse(text, &n, &line, &why), 0);
    T_EQ(n, 2);
    struct statefile_rec r;
    T_CHECK(statefile_parse_line(SA1, strlen(SA1), &r) == NULL);
    T_EQ(r.kind, STATEFILE_SA);
    T_EQ(r.u.sa.proto, 50);
    T_EQ(r.u.sa.spi, 0x1001);
    T_EQ(r.u.sa.seq_hwm, 65537);
    T_EQ(r.u.sa.replay_top, 12);
    T_EQ(r.u.sa.sport, 4500);
    T_EQ(r.u.sa.gen, 7);
    T_EQ(r.u.sa.fp[1], 0x11);
    char out[STATEFILE_MAX_LINE];
    size_t k = statefile_emit_rec(&r, out, sizeof out);
    T_EQ(k, strlen(SA1) + 1);
    T_CHECK(!memcmp(out, SA1 "\n", k));
    T_CHECK(statefile_parse_line(GIF1, strlen(GIF1), &r) == NULL);
    T_STREQ(r.u.gif.name, "ht-c1");
    k = statefile_emit_rec(&r, out, sizeof out);
    T_CHECK(k == strlen(GIF1) + 1 && !memcmp(out, GIF1 "\n", k));
    /* IPv6 and the 64-bit edge */
    const char *v6 = "sa ah 0xffffffff 2001:db8::1 " FP " seq 18446744073709551615 top 0 src 2001:db8::2 0 dst "
                     "2001:db8::1 0 gen 0";
    T_CHECK(statefile_parse_line(v6, strlen(v6), &r) == NULL);
    T_EQ(r.u.sa.proto, 51);
    T_CHECK(r.u.sa.seq_hwm == UINT64_MAX);
    T_EQ(statefile_emit_rec(&r, out, 10), 0);   /* does not fit */
}

/* Each token broken one way: the line is refused. */
TEST(bad_lines)
{
    static const char *const bad[] = {
        "", " " SA1, SA1 " ", "sa  esp",
        "sa esp 0x00001001 198.51.100.2 " FP " seq 65537 top 12 src 192.0.2.3 4500 dst 198.51.100.2 4500",
        "sa esp 0x00001001 198.51.100.2 " FP " seq 65537 top 12 src 192.0.2.3 4500 dst 198.51.100.2 4500 gen 7 x",
        "sa udp 0x00001001 198.51.100.2 " FP " seq 1 top 1 src 192.0.2.3 0 dst 198.51.100.2 0 gen 1",
        "sa esp 0x1001 198.51.100.2 " FP " seq 1 top 1 src 192.0.2.3 0 dst 198.51.100.2 0 gen 1",
        "sa esp 0x000000ff 198.51.100.2 " FP " seq 1 top 1 src 192.0.2.3 0 dst 198.51.100.2 0 gen 1",
        "sa esp 0x0000100G 198.51.100.2 " FP " seq 1 top 1 src 192.0.2.3 0 dst 198.51.100.2 0 gen 1",
        "sa esp 0x0000100A 198.51.100.2 " FP " seq 1 top 1 src 192.0.2.3 0 dst 198.51.100.2 0 gen 1",
        "sa esp 0x00001001 198.51.100.256 " FP " seq 1 top 1 src 192.0.2.3 0 dst 198.51.100.2 0 gen 1",
        "sa esp 0x00001001 ::ffff:1.2.3.4 " FP " seq 1 top 1 src 192.0.2.3 0 dst 198.51.100.2 0 gen 1",
        "sa esp 0x00001001 198.51.100.2 " FP "0 seq 1 top 1 src 192.0.2.3 0 dst 198.51.100.2 0 gen 1",
        "sa esp 0x00001001 198.51.100.2 00112233445566778899AABBCCDDEEFF00112233445566778899aabbccddeeff seq 1 top 1 "
        "src 192.0.2.3 0 dst 198.51.100.2 0 gen 1",
        "sa esp 0x00001001 198.51.100.2 " FP " seq 01 top 1 src 192.0.2.3 0 dst 198.51.100.2 0 gen 1",
        "sa esp 0x00001001 198.51.100.2 " FP " seq -1 top 1 src 192.0.2.3 0 dst 198.51.100.2 0 gen 1",
        "sa esp 0x00001001 198.51.100.2 " FP " seq 18446744073709551616 top 1 src 192.0.2.3 0 dst 198.51.100.2 0 gen 1",
        "sa esp 0x00001001 198.51.100.2 " FP " seq 1 top 1 src 192.0.2.3 65536 dst 198.51.100.2 0 gen 1",
        "sa esp 0x00001001 198.51.100.2 " FP " sequence 1 top 1 src 192.0.2.3 0 dst 198.51.100.2 0 gen 1",
        "sa esp 0x00001001 198.51.100.2 " FP " seq 1 top 1 src 192.0.2.3 0 dst 198.51.100.2 0 gen 1\t",
        "gif ht/c1 0x00001002 0x00001001 " FP " " FP " remote 192.0.2.3 gen 7",
        "gif averyveryverylongname 0x00001002 0x00001001 " FP " " FP " remote 192.0.2.3 gen 7",
        "gif ht-c1 0x00001002 0x00001001 " FP " " FP " remote 192.0.2.3",
        "tunnel ht-c1",
    };
    for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct statefile_rec r;
        const char *why = statefile_parse_line(bad[i], strlen(bad[i]), &r);
        if (!why)
            fprintf(stderr, "  accepted: %s\n", bad[i]);
        T_CHECK(why != NULL);
    }
}

TEST(bad_files)
{
    static const char *const bad[] = {
        "", "sixstack-state 1", "sixstack-state 1\n", "sixstack-state 2\nend 0\n", "sixstack-state 1 \nend 0\n",
        "sixstack-state 1\nend 1\n", "sixstack-state 1\n" SA1 "\nend 0\n", "sixstack-state 1\n" SA1 "\n",
        "sixstack-state 1\n" SA1, "sixstack-state 1\nend 0\nsa\n", "sixstack-state 1\nend 0\nend 0\n",
        "sixstack-state 1\nend 00\n", "sixstack-state 1\nend -0\n", "SIXSTACK-STATE 1\nend 0\n",
        "sixstack-state 1\nbogus\nend 1\n",
    };
    for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        unsigned n, line;
        const char *why;
        int rc = parse(bad[i], &n, &line, &why);
        if (!rc)
            fprintf(stderr, "  accepted file %u\n", i);
        T_CHECK(rc != 0 && why != NULL);
    }
    /* a NUL byte inside, a line over the limit */
    char buf[2048];
    unsigned n, line;
    const char *why;
    memcpy(buf, "sixstack-state 1\nend 0\n", 23);
    buf[5] = 0;
    T_CHECK(statefile_parse(buf, 23, count_fn, &n, &line, &why) != 0);
    int k = snprintf(buf, sizeof buf, "sixstack-state 1\n#");
    memset(buf + k, 'x', 600);
    memcpy(buf + k + 600, "\nend 0\n", 7);
    T_CHECK(statefile_parse(buf, (size_t)k + 607, count_fn, &n, &line, &why) != 0);
    T_EQ(line, 2);
    /* the whole buffer, the start of a valid file cut anywhere: always refused */
    const char *text = "sixstack-state 1\n" SA1 "\n" GIF1 "\nend 2\n";
    for (size_t cut = 0; cut < strlen(text); cut++)
        T_CHECK(statefile_parse(text, cut, count_fn, &n, &line, &why) != 0);
}

TEST(atomic_write_replaces_whole)
{
    char dir[] = "/tmp/six-state-unit-XXXXXX";
    T_CHECK(mkdtemp(dir) != NULL);
    int dfd = open(dir, O_RDONLY | O_DIRECTORY);
    T_CHECK(dfd >= 0);
    T_EQ(atomic_file_write(dfd, "f", "one\n", 4, 0600), 0);
    T_EQ(atomic_file_write(dfd, "f", "second\n", 7, 0600), 0);
    char *buf = NULL;
    size_t len = 0;
    T_EQ(atomic_file_read(dfd, "f", 100, &buf, &len), 0);
    T_EQ(len, 7);
    T_CHECK(buf && !strcmp(buf, "second\n"));
    free(buf);
    struct stat sb;
    T_EQ(fstatat(dfd, "f", &sb, 0), 0);
    T_EQ(sb.st_mode & 0777, 0600);
    T_CHECK(faccessat(dfd, ".f.tmp", F_OK, 0) != 0);   /* no temporary left behind */
    T_EQ(atomic_file_read(dfd, "f", 3, &buf, &len), -EFBIG);
    T_EQ(atomic_file_read(dfd, "none", 100, &buf, &len), -ENOENT);
    /* a temporary left by a crash is overwritten; a failing write replaces nothing */
    int t = openat(dfd, ".f.tmp", O_WRONLY | O_CREAT, 0600);
    T_CHECK(t >= 0 && write(t, "junk", 4) == 4);
    close(t);
    T_EQ(atomic_file_write(dfd, "f", "third\n", 6, 0600), 0);
    T_EQ(mkdirat(dfd, "d", 0700), 0);
    T_CHECK(atomic_file_write(dfd, "d", "x", 1, 0600) < 0);   /* rename over a directory fails */
    T_EQ(atomic_file_read(dfd, "f", 100, &buf, &len), 0);
    T_CHECK(buf && !strcmp(buf, "third\n"));
    free(buf);
    unlinkat(dfd, "f", 0);
    unlinkat(dfd, "d", AT_REMOVEDIR);
    unlinkat(dfd, ".d.tmp", 0);
    close(dfd);
    T_EQ(rmdir(dir), 0);
}

/* What the directory's owner may plant: a hard link or a FIFO under the
 * temporary name is replaced, never written through; a FIFO, a hard link
 * or a directory under the file's own name is refused at once, not read
 * (a FIFO would hang the start). */
TEST(planted_files_are_not_followed)
{
    char dir[] = "/tmp/six-state-unit-XXXXXX";
    T_CHECK(mkdtemp(dir) != NULL);
    int dfd = open(dir, O_RDONLY | O_DIRECTORY);
    T_CHECK(dfd >= 0);
    int v = openat(dfd, "victim", O_WRONLY | O_CREAT, 0600);
    T_CHECK(v >= 0 && write(v, "victim\n", 7) == 7);
    close(v);
    T_EQ(linkat(dfd, "victim", dfd, ".f.tmp", 0), 0);
    T_EQ(atomic_file_write(dfd, "f", "state\n", 6, 0600), 0);
    char *buf = NULL;
    size_t len = 0;
    T_EQ(atomic_file_read(dfd, "victim", 100, &buf, &len), 0);
    T_CHECK(buf && !strcmp(buf, "victim\n"));
    free(buf);
    T_EQ(mkfifoat(dfd, ".f.tmp", 0600), 0);
    T_EQ(atomic_file_write(dfd, "f", "state2\n", 7, 0600), 0);
    T_EQ(linkat(dfd, "victim", dfd, "hl", 0), 0);
    T_EQ(atomic_file_read(dfd, "hl", 100, &buf, &len), -EINVAL);
    T_EQ(mkfifoat(dfd, "fifo", 0600), 0);
    T_EQ(atomic_file_read(dfd, "fifo", 100, &buf, &len), -EINVAL);
    T_EQ(mkdirat(dfd, "d", 0700), 0);
    T_EQ(atomic_file_read(dfd, "d", 100, &buf, &len), -EINVAL);
    T_EQ(atomic_file_read(dfd, "f", 100, &buf, &len), 0);
    T_CHECK(buf && !strcmp(buf, "state2\n"));
    free(buf);
    const char *names[] = { "victim", "hl", "fifo", "f" };
    for (unsigned i = 0; i < 4; i++)
        unlinkat(dfd, names[i], 0);
    unlinkat(dfd, "d", AT_REMOVEDIR);
    close(dfd);
    T_EQ(rmdir(dir), 0);
}

int main(void)
{
    RUN(valid_file_and_round_trip);
    RUN(bad_lines);
    RUN(bad_files);
    RUN(atomic_write_replaces_whole);
    RUN(planted_files_are_not_followed);
    return t_done();
}
