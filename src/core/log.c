/* Logging: stderr lines "2026-11-22T20:37:12.123 sixd[pid] warn: ...", or
 * one JSON object a line (-L json), or syslog with a chosen facility.
 * Process-wide on purpose: a log destination is a property of the process,
 * not of one stack instance.
 *
 * When stderr is connected to journald (systemd sets JOURNAL_STREAM to the
 * stream's device:inode), lines start with a "<N>" priority prefix
 * (sd-daemon(3)) instead of a timestamp: journald stamps and levels them. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "core/log.h"

#define LOG_MSG_MAX  1024   /* one message, formatted */
#define LOG_LINE_MAX 4096   /* the line around it: JSON escaping may grow it */

static struct {
    char ident[32];
    char name[32];
    int max_level;
    bool syslog;
    bool journal;
    enum six_log_format format;
    int facility;
    six_log_hook_fn hook;
    void *hook_ctx;
} g_log = { "six", "", LOG_INFO, false, false, SIX_LOG_TEXT, LOG_DAEMON, NULL, NULL };

/* JOURNAL_STREAM="DEV:INO" names the journal stream; stderr is it if they match. */
static bool stderr_is_journal(void)
{
    const char *js = getenv("JOURNAL_STREAM");
    unsigned long long dev, ino;
    struct stat sb;
    if (!js || sscanf(js, "%llu:%llu", &dev, &ino) != 2 || fstat(STDERR_FILENO, &sb) < 0)
        return false;
    return (unsigned long long)sb.st_dev == dev && (unsigned long long)sb.st_ino == ino;
}

void six_log_open(const char *ident, int max_level, bool use_syslog)
{
    snprintf(g_log.ident, sizeof(g_log.ident), "%s", ident ? ident : "six");
    g_log.max_level = max_level;
    if (g_log.syslog)
        closelog();
    g_log.syslog = use_syslog;
    g_log.journal = !use_syslog && stderr_is_journal();
    if (use_syslog)
        openlog(g_log.ident, LOG_PID | LOG_NDELAY, g_log.facility);
}

void six_log_set_level(int max_level) { g_log.max_level = max_level; }
void six_log_set_name(const char *name) { snprintf(g_log.name, sizeof g_log.name, "%s", name ? name : ""); }
int six_log_level(void) { return g_log.max_level; }
void six_log_set_format(enum six_log_format f) { g_log.format = f; }
void six_log_set_facility(int facility) { g_log.facility = facility; }

void six_log_set_hook(six_log_hook_fn fn, void *ctx)
{
    g_log.hook = fn;
    g_log.hook_ctx = ctx;
}

int six_log_format_parse(const char *name)
{
    if (!strcmp(name, "text"))
        return SIX_LOG_TEXT;
    if (!strcmp(name, "json"))
        return SIX_LOG_JSON;
    return -1;
}

int six_log_facility_parse(const char *name)
{
    static const struct { const char *name; int fac; } facs[] = {
        { "daemon", LOG_DAEMON }, { "user", LOG_USER }, { "local0", LOG_LOCAL0 }, { "local1", LOG_LOCAL1 },
        { "local2", LOG_LOCAL2 }, { "local3", LOG_LOCAL3 }, { "local4", LOG_LOCAL4 }, { "local5", LOG_LOCAL5 },
        { "local6", LOG_LOCAL6 }, { "local7", LOG_LOCAL7 }, { "auth", LOG_AUTH }, { "authpriv", LOG_AUTHPRIV },
        { "syslog", LOG_SYSLOG },
    };
    for (size_t i = 0; i < sizeof facs / sizeof facs[0]; i++)
        if (!strcmp(name, facs[i].name))
            return facs[i].fac;
    return -1;
}

const char *six_log_level_name(int level)
{
    static const char *const names[] = {
        "emerg", "alert", "crit", "error", "warn", "notice", "info", "debug",
    };
    return level >= 0 && level <= LOG_DEBUG ? names[level] : "?";
}

/* --- JSON --- */

/* Length of the valid UTF-8 sequence at s (RFC 3629: no overlongs, no
 * surrogates, nothing above U+10FFFF), 0 if it is not one. */
static size_t utf8_len(const unsigned char *s)
{
    unsigned char c = s[0];
    size_t n;
    unsigned char lo = 0x80, hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf)
        n = 2;
    else if (c >= 0xe0 && c <= 0xef) {
        n = 3;
        if (c == 0xe0) lo = 0xa0;
        if (c == 0xed) hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;
        if (c == 0xf0) lo = 0x90;
        if (c == 0xf4) hi = 0x8f;
    } else
        return 0;
    if (s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < n; i++)
        if (s[i] < 0x80 || s[i] > 0xbf)
            return 0;
    return n;
}

/* The JSON form of the character at s into unit (NUL-terminated); how many
 * input bytes it took. Invalid UTF-8 becomes U+FFFD. */
static size_t json_unit(const unsigned char *s, char unit[8])
{
    unsigned char c = *s;
    if (c == '"' || c == '\\') {
        unit[0] = '\\', unit[1] = (char)c, unit[2] = 0;
        return 1;
    }
    if (c < 0x20 || c == 0x7f) {
        const char *short_esc = c == '\n' ? "\\n" : c == '\r' ? "\\r" : c == '\t' ? "\\t" : c == '\b' ? "\\b"
                              : c == '\f' ? "\\f" : NULL;
        if (short_esc)
            memcpy(unit, short_esc, 3);
        else
            snprintf(unit, 8, "\\u%04x", c);
        return 1;
    }
    if (c < 0x80) {
        unit[0] = (char)c, unit[1] = 0;
        return 1;
    }
    size_t n = utf8_len(s);
    if (!n) {
        memcpy(unit, "\\ufffd", 7);
        return 1;
    }
    memcpy(unit, s, n);
    unit[n] = 0;
    return n;
}

size_t six_json_escape(char *out, size_t size, const char *s)
{
    size_t len = 0;
    if (!size)
        return 0;
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        char unit[8];
        size_t took = json_unit(p, unit), ul = strlen(unit);
        if (len + ul + 1 > size)
            break;
        memcpy(out + len, unit, ul);
        len += ul;
        p += took;
    }
    out[len] = 0;
    return len;
}

/* Append s (raw) to out[*len]; false if it does not fit. */
static bool put(char *out, size_t size, size_t *len, const char *s)
{
    size_t n = strlen(s);
    if (*len + n + 1 > size)
        return false;
    memcpy(out + *len, s, n + 1);
    *len += n;
    return true;
}

/* Append "KEY":"escaped value" leaving room for reserve more bytes. */
static bool put_str(char *out, size_t size, size_t *len, const char *key, const char *val, size_t reserve)
{
    if (!put(out, size, len, key) || *len + 1 + reserve + 1 > size)
        return false;
    *len += six_json_escape(out + *len, size - *len - 1 - reserve, val);
    return put(out, size, len, "\"");
}

size_t six_log_format_json(char *out, size_t size, const struct timespec *ts, int level, const char *prog, int pid,
                           const char *name, const char *msg)
{
    struct tm tm;
    char when[40], num[32];
    size_t len = 0;
    if (!size)
        return 0;
    out[0] = 0;
    gmtime_r(&ts->tv_sec, &tm);
    size_t w = strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(when + w, sizeof when - w, ".%03ldZ", ts->tv_nsec / 1000000);
    snprintf(num, sizeof num, ",\"pid\":%d", pid);
    /* the fixed part always fits a sane buffer; the message is cut to fit "}" */
    if (!put(out, size, &len, "{\"ts\":\"") || !put(out, size, &len, when) ||
        !put(out, size, &len, "\",\"level\":\"") || !put(out, size, &len, six_log_level_name(level)) ||
        !put_str(out, size, &len, "\",\"prog\":\"", prog ? prog : "", 0) || !put(out, size, &len, num) ||
        !put_str(out, size, &len, ",\"name\":\"", name ? name : "", 0) ||
        !put_str(out, size, &len, ",\"msg\":\"", msg, 1) || !put(out, size, &len, "}")) {
        out[0] = 0;
        return 0;
    }
    return len;
}

/* --- output --- */

static size_t format_text(char *line, size_t size, const struct timespec *ts, int level, const char *name,
                          const char *msg)
{
    bool show_name = name && *name && strcmp(name, g_log.ident);
    int n;
    if (g_log.journal) {
        n = snprintf(line, size, "<%d>%s%s%s", level, show_name ? name : "", show_name ? ": " : "", msg);
    } else {
        struct tm tm;
        char when[32];
        localtime_r(&ts->tv_sec, &tm);
        strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
        n = snprintf(line, size, "%s.%03ld %s[%d] %s: %s%s%s", when, ts->tv_nsec / 1000000, g_log.ident,
                     (int)getpid(), six_log_level_name(level), show_name ? name : "", show_name ? ": " : "", msg);
    }
    if (n < 0)
        return 0;
    return (size_t)n >= size ? size - 1 : (size_t)n;
}

static void log_stderr(int level, const char *name, const char *msg)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    /* Build the line first so that concurrent writers do not interleave. */
    char line[LOG_LINE_MAX];
    size_t len;
    if (g_log.format == SIX_LOG_JSON) {
        size_t pre = g_log.journal ? (size_t)snprintf(line, sizeof line, "<%d>", level) : 0;
        len = pre + six_log_format_json(line + pre, sizeof line - pre - 1, &ts, level, g_log.ident, (int)getpid(),
                                        name ? name : g_log.name[0] ? g_log.name : g_log.ident, msg);
    } else {
        len = format_text(line, sizeof line - 1, &ts, level, name, msg);
    }
    line[len++] = '\n';
    fwrite(line, 1, len, stderr);
}

void six_vlog_named(int level, const char *name, const char *fmt, va_list ap)
{
    if (level > g_log.max_level)
        return;
    char msg[LOG_MSG_MAX];
    vsnprintf(msg, sizeof msg, fmt, ap);
    if (g_log.hook)
        g_log.hook(g_log.hook_ctx, level, name, msg);
    else if (g_log.syslog) {
        bool show_name = name && *name && strcmp(name, g_log.ident);
        syslog(level, "%s%s%s", show_name ? name : "", show_name ? ": " : "", msg);
    } else
        log_stderr(level, name, msg);
}

void six_log_named(int level, const char *name, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    six_vlog_named(level, name, fmt, ap);
    va_end(ap);
}

void six_log(int level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    six_vlog_named(level, NULL, fmt, ap);
    va_end(ap);
}
