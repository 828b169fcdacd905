#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include "logcap.h"
#include "core/log.h"

static char lines[LOGCAP_MAX][600];
static unsigned n_lines;
static int saved_level = -1;

static void hook(void *ctx, int level, const char *name, const char *msg)
{
    (void)ctx;
    if (n_lines < LOGCAP_MAX)
        snprintf(lines[n_lines], sizeof lines[0], "%s %s: %s", six_log_level_name(level), name ? name : "-", msg);
    n_lines++;
}

void logcap_start(int max_level)
{
    n_lines = 0;
    if (saved_level < 0)
        saved_level = six_log_level();
    six_log_set_level(max_level);
    six_log_set_hook(hook, NULL);
}

void logcap_stop(void)
{
    six_log_set_hook(NULL, NULL);
    if (saved_level >= 0)
        six_log_set_level(saved_level);
    saved_level = -1;
}

unsigned logcap_n(void) { return n_lines; }

const char *logcap_line(unsigned i)
{
    return i < n_lines && i < LOGCAP_MAX ? lines[i] : NULL;
}

static bool has_all(const char *line, const char *first, va_list ap)
{
    for (const char *s = first; s; s = va_arg(ap, const char *))
        if (!strstr(line, s))
            return false;
    return true;
}

unsigned logcap_count(const char *s, ...)
{
    unsigned n = 0;
    for (unsigned i = 0; i < n_lines && i < LOGCAP_MAX; i++) {
        va_list ap;
        va_start(ap, s);
        n += has_all(lines[i], s, ap);
        va_end(ap);
    }
    return n;
}

const char *logcap_find(const char *s, ...)
{
    for (unsigned i = 0; i < n_lines && i < LOGCAP_MAX; i++) {
        va_list ap;
        va_start(ap, s);
        bool yes = has_all(lines[i], s, ap);
        va_end(ap);
        if (yes)
            return lines[i];
    }
    return NULL;
}

void logcap_dump(void)
{
    for (unsigned i = 0; i < n_lines && i < LOGCAP_MAX; i++)
        fprintf(stderr, "  log[%u] %s\n", i, lines[i]);
}
