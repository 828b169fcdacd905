/* Logging: stderr lines "2026-11-22T20:37:12.123 sixd[pid] warn: ..." or syslog.
 * Process-wide on purpose: a log destination is a property of the process,
 * not of one stack instance. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "core/log.h"

static struct {
    char ident[32];
    int max_level;
    bool syslog;
} g_log = { "six", LOG_INFO, false };

void six_log_open(const char *ident, int max_level, bool use_syslog)
{
    snprintf(g_log.ident, sizeof(g_log.ident), "%s", ident ? ident : "six");
    g_log.max_level = max_level;
    if (g_log.syslog && !use_syslog)
        closelog();
    g_log.syslog = use_syslog;
    if (use_syslog)
        openlog(g_log.ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void six_log_set_level(int max_level) { g_log.max_level = max_level; }
int six_log_level(void) { return g_log.max_level; }

static const char *level_name(int level)
{
    static const char *const names[] = {
        "emerg", "alert", "crit", "error", "warn", "notice", "info", "debug",
    };
    return level >= 0 && level <= LOG_DEBUG ? names[level] : "?";
}

static void log_stderr(int level, const char *fmt, va_list ap)
{
    struct timespec ts;
    struct tm tm;
    char when[32];
    clock_gettime(CLOCK_REALTIME, &ts);
    localtime_r(&ts.tv_sec, &tm);
    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
    /* Build the line first so that concurrent writers do not interleave. */
    char line[1024];
    int n = snprintf(line, sizeof(line), "%s.%03ld %s[%d] %s: ", when,
                     ts.tv_nsec / 1000000, g_log.ident, (int)getpid(), level_name(level));
    if (n < 0 || (size_t)n >= sizeof(line))
        n = 0;
    int m = vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
    size_t len = m < 0 ? (size_t)n : (size_t)n + (size_t)m;
    if (len > sizeof(line) - 2)
        len = sizeof(line) - 2;
    line[len++] = '\n';
    fwrite(line, 1, len, stderr);
}

void six_log(int level, const char *fmt, ...)
{
    if (level > g_log.max_level)
        return;
    va_list ap;
    va_start(ap, fmt);
    if (g_log.syslog)
        vsyslog(level, fmt, ap);
    else
        log_stderr(level, fmt, ap);
    va_end(ap);
}
