/* core/log: JSON escaping and the JSON line, format/facility names, the
 * test hook; core/ratelimit on a clock the test drives. */
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include "../lib/t.h"
#include "core/log.h"
#include "core/ratelimit.h"

#define SEC 1000000000ull

static const char *esc(const char *s)
{
    static char out[256];
    six_json_escape(out, sizeof out, s);
    return out;
}

TEST(json_escapes_quotes_backslash_and_controls)
{
    T_STREQ(esc("plain"), "plain");
    T_STREQ(esc("a\"b\\c"), "a\\\"b\\\\c");
    T_STREQ(esc("t\tn\nr\rb\bf\f"), "t\\tn\\nr\\rb\\bf\\f");
    T_STREQ(esc("\x01\x1f\x7f"), "\\u0001\\u001f\\u007f");
}

TEST(json_keeps_valid_utf8_replaces_invalid)
{
    T_STREQ(esc("tcp 1\xe2\x86\x92" "2"), "tcp 1\xe2\x86\x92" "2");   /* → */
    T_STREQ(esc("\xf0\x9f\x98\x80"), "\xf0\x9f\x98\x80");            /* U+1F600 */
    T_STREQ(esc("a\xffz"), "a\\ufffdz");                              /* not a lead byte */
    T_STREQ(esc("\xc0\xaf"), "\\ufffd\\ufffd");                       /* overlong '/' */
    T_STREQ(esc("\xed\xa0\x80"), "\\ufffd\\ufffd\\ufffd");            /* a surrogate */
    T_STREQ(esc("\xe2\x86"), "\\ufffd\\ufffd");                       /* cut short at the end */
    T_STREQ(esc("\xf4\x90\x80\x80"), "\\ufffd\\ufffd\\ufffd\\ufffd"); /* above U+10FFFF */
}

TEST(json_escape_truncates_on_a_boundary)
{
    char out[8];
    T_EQ(six_json_escape(out, sizeof out, "abcdefghij"), 7);
    T_STREQ(out, "abcdefg");
    T_EQ(six_json_escape(out, sizeof out, "ab\"\"\"\""), 6);   /* a\" pairs: never half of one */
    T_STREQ(out, "ab\\\"\\\"");
    T_EQ(six_json_escape(out, sizeof out, "abcd\x01"), 4);     /* \u0001 does not fit */
    T_STREQ(out, "abcd");
    T_EQ(six_json_escape(out, sizeof out, "abcde\xe2\x86\x92"), 5);
    T_STREQ(out, "abcde");
    T_EQ(six_json_escape(out, 1, "abc"), 0);
    T_STREQ(out, "");
}

TEST(json_line_has_every_field)
{
    char line[512];
    struct timespec ts = { .tv_sec = 1700000000, .tv_nsec = 123456789 };
    size_t n = six_log_format_json(line, sizeof line, &ts, LOG_WARNING, "sixd", 42, "gw\"1",
                                   "SA esp 0x00001001 a>b: \"x\"\n");
    T_STREQ(line, "{\"ts\":\"2023-11-14T22:13:20.123Z\",\"level\":\"warn\",\"prog\":\"sixd\",\"pid\":42,"
                  "\"name\":\"gw\\\"1\",\"msg\":\"SA esp 0x00001001 a>b: \\\"x\\\"\\n\"}");
    T_EQ(n, strlen(line));
}

TEST(json_line_cuts_the_message_not_the_object)
{
    char line[120], msg[400];
    struct timespec ts = { 0 };
    memset(msg, '"', sizeof msg - 1);
    msg[sizeof msg - 1] = 0;
    size_t n = six_log_format_json(line, sizeof line, &ts, LOG_INFO, "sixd", 1, "sixd", msg);
    T_EQ(n, strlen(line));
    T_CHECK(n > 0 && n < sizeof line);
    T_CHECK(n >= 2 && !strcmp(line + n - 2, "\"}"));
    T_CHECK(n >= 3 && line[n - 3] == '"' && line[n - 4] == '\\');   /* ends on a whole \" */
    T_EQ(six_log_format_json(line, 20, &ts, LOG_INFO, "sixd", 1, "sixd", "m"), 0);   /* no room: nothing */
    T_STREQ(line, "");
}

TEST(format_and_facility_names)
{
    T_EQ(six_log_format_parse("text"), SIX_LOG_TEXT);
    T_EQ(six_log_format_parse("json"), SIX_LOG_JSON);
    T_EQ(six_log_format_parse("JSON"), -1);
    T_EQ(six_log_facility_parse("daemon"), LOG_DAEMON);
    T_EQ(six_log_facility_parse("local0"), LOG_LOCAL0);
    T_EQ(six_log_facility_parse("local7"), LOG_LOCAL7);
    T_EQ(six_log_facility_parse("user"), LOG_USER);
    T_EQ(six_log_facility_parse("local8"), -1);
    T_EQ(six_log_facility_parse(""), -1);
    T_STREQ(six_log_level_name(LOG_INFO), "info");
    T_STREQ(six_log_level_name(LOG_WARNING), "warn");
}

static char hooked[8][128];
static int n_hooked;
static void hook(void *ctx, int level, const char *name, const char *msg)
{
    (void)ctx;
    if (n_hooked < 8)
        snprintf(hooked[n_hooked], sizeof hooked[0], "%d %s %s", level, name ? name : "-", msg);
    n_hooked++;
}

TEST(hook_gets_lines_that_pass_the_level)
{
    int was = six_log_level();
    six_log_set_level(LOG_INFO);
    six_log_set_hook(hook, NULL);
    n_hooked = 0;
    six_log_named(LOG_INFO, "st", "gif0: local end %s -> %s", "a", "b");
    six_log(LOG_DEBUG, "not at info level");
    LOGW("w %d", 7);
    six_log_set_hook(NULL, NULL);
    six_log_set_level(was);
    T_EQ(n_hooked, 2);
    T_STREQ(hooked[0], "6 st gif0: local end a -> b");
    T_STREQ(hooked[1], "4 - w 7");
}

TEST(ratelimit_burst_then_suppressed_then_new_window)
{
    struct six_ratelimit rl = SIX_RATELIMIT_INIT(5 * SEC, 3);
    uint32_t missed = 99;
    uint64_t t = 100 * SEC;
    for (int i = 0; i < 3; i++) {
        T_CHECK(six_ratelimit_take(&rl, t + (uint64_t)i, &missed));
        T_EQ(missed, 0);
    }
    for (int i = 0; i < 1000; i++)
        T_CHECK(!six_ratelimit_take(&rl, t + SEC, &missed));
    T_EQ(rl.suppressed, 1000);
    T_CHECK(!six_ratelimit_take(&rl, t + 5 * SEC - 1, &missed));   /* the window still runs */
    T_CHECK(six_ratelimit_take(&rl, t + 5 * SEC, &missed));        /* a new one: says how many were lost */
    T_EQ(missed, 1001);
    T_EQ(rl.suppressed, 0);
}

TEST(ratelimit_flush_only_after_the_window)
{
    struct six_ratelimit rl = SIX_RATELIMIT_INIT(5 * SEC, 1);
    uint32_t missed;
    T_CHECK(six_ratelimit_take(&rl, 0, &missed));
    T_EQ(six_ratelimit_flush(&rl, SEC), 0);                         /* nothing suppressed */
    T_CHECK(!six_ratelimit_take(&rl, SEC, &missed));
    T_CHECK(!six_ratelimit_take(&rl, 2 * SEC, &missed));
    T_EQ(six_ratelimit_window_end(&rl), 5 * SEC);
    T_EQ(six_ratelimit_flush(&rl, 5 * SEC - 1), 0);
    T_EQ(six_ratelimit_flush(&rl, 5 * SEC), 2);
    T_EQ(six_ratelimit_flush(&rl, 6 * SEC), 0);                     /* said once */
    T_CHECK(six_ratelimit_take(&rl, 6 * SEC, &missed));
    T_EQ(missed, 0);                                                /* the summary said it already */
}

int main(void)
{
    RUN(json_escapes_quotes_backslash_and_controls);
    RUN(json_keeps_valid_utf8_replaces_invalid);
    RUN(json_escape_truncates_on_a_boundary);
    RUN(json_line_has_every_field);
    RUN(json_line_cuts_the_message_not_the_object);
    RUN(format_and_facility_names);
    RUN(hook_gets_lines_that_pass_the_level);
    RUN(ratelimit_burst_then_suppressed_then_new_window);
    RUN(ratelimit_flush_only_after_the_window);
    return t_done();
}
