/* cmd_split and the cmd_out helpers (src/ctl/cmdline.c). */
#include "../lib/t.h"
#include "ctl/cmd.h"

static int split(const char *s, char *buf, size_t cap, char **argv, int max, const char **why)
{
    snprintf(buf, cap, "%s", s);
    return cmd_split(buf, argv, max, why);
}

TEST(split_words)
{
    char b[256], *av[8];
    const char *why;
    T_EQ(split("link add  tap0\ttype tap\n", b, sizeof b, av, 8, &why), 5);
    T_STREQ(av[0], "link"); T_STREQ(av[1], "add"); T_STREQ(av[2], "tap0");
    T_STREQ(av[3], "type"); T_STREQ(av[4], "tap");
    T_CHECK(av[5] == NULL);
}

TEST(split_blank_and_comment)
{
    char b[256], *av[8];
    const char *why = "x";
    T_EQ(split("", b, sizeof b, av, 8, &why), 0);
    T_EQ(split("   \t \r\n", b, sizeof b, av, 8, &why), 0);
    T_EQ(split("# a comment", b, sizeof b, av, 8, &why), 0);
    T_EQ(split("   # indented comment \"unterminated", b, sizeof b, av, 8, &why), 0);
    T_EQ(split("link show # trailing", b, sizeof b, av, 8, &why), 2);
    T_STREQ(av[1], "show");
    /* # inside a word is not a comment */
    T_EQ(split("a b#c", b, sizeof b, av, 8, &why), 2);
    T_STREQ(av[1], "b#c");
}

TEST(split_quotes)
{
    char b[256], *av[8];
    const char *why;
    T_EQ(split("capture tap0 \"/tmp/my file.pcap\"", b, sizeof b, av, 8, &why), 3);
    T_STREQ(av[2], "/tmp/my file.pcap");
    T_EQ(split("a\"b c\"d e", b, sizeof b, av, 8, &why), 2);
    T_STREQ(av[0], "ab cd");
    T_STREQ(av[1], "e");
    T_EQ(split("\"\" x", b, sizeof b, av, 8, &why), 2);
    T_STREQ(av[0], "");
    T_EQ(split("\"say \\\"hi\\\" \\\\ \\n\"", b, sizeof b, av, 8, &why), 1);
    T_STREQ(av[0], "say \"hi\" \\ \\n");
    T_EQ(split("\"# not a comment\"", b, sizeof b, av, 8, &why), 1);
    T_STREQ(av[0], "# not a comment");
}

TEST(split_errors)
{
    char b[256], *av[4];
    const char *why = NULL;
    T_EQ(split("link \"add", b, sizeof b, av, 4, &why), -1);
    T_STREQ(why, "unterminated quote");
    why = NULL;
    T_EQ(split("a b c d e", b, sizeof b, av, 4, &why), -1);
    T_STREQ(why, "too many arguments");
    /* exactly max is fine */
    T_EQ(split("a b c d", b, sizeof b, av, 4, &why), 4);
    /* a NULL why is allowed */
    T_EQ(split("\"x", b, sizeof b, av, 4, NULL), -1);
}

TEST(out_printf_grows)
{
    struct cmd_out o;
    cmd_out_init(&o);
    for (int i = 0; i < 1000; i++)
        cmd_printf(&o, "%d,", i);
    T_CHECK(o.len > 3000);
    T_EQ(strlen(o.buf), o.len);
    T_CHECK(strncmp(o.buf, "0,1,2,", 6) == 0);
    cmd_out_reset(&o);
    T_EQ(o.len, 0);
    T_STREQ(o.buf, "");
    cmd_printf(&o, "%s", "");
    T_EQ(o.len, 0);
    cmd_printf(&o, "x%sy", "");
    T_STREQ(o.buf, "xy");
    cmd_out_free(&o);
    T_CHECK(o.buf == NULL);
}

TEST(json_escape)
{
    struct cmd_out o;
    cmd_out_init(&o);
    cmd_json_str(&o, "a\"b\\c\nd\t\x01\x7f" "\xc3\xa9");
    T_STREQ(o.buf, "\"a\\\"b\\\\c\\nd\\t\\u0001\\u007f\xc3\xa9\"");
    cmd_out_reset(&o);
    cmd_json_str(&o, "");
    T_STREQ(o.buf, "\"\"");
    cmd_out_free(&o);
}

int main(void)
{
    RUN(split_words);
    RUN(split_blank_and_comment);
    RUN(split_quotes);
    RUN(split_errors);
    RUN(out_printf_grows);
    RUN(json_escape);
    return t_done();
}
