/* Logging to stderr (text or JSON lines) or syslog, with levels (syslog's
 * LOG_ERR .. LOG_DEBUG). Process-wide: see log.c. */
#ifndef SIX_CORE_LOG_H
#define SIX_CORE_LOG_H
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <syslog.h>
#include <time.h>

enum six_log_format { SIX_LOG_TEXT, SIX_LOG_JSON };

void six_log_open(const char *ident, int max_level, bool use_syslog);
void six_log_set_level(int max_level);
/* The "name" of lines logged without one (JSON); default: the ident. */
void six_log_set_name(const char *name);
int  six_log_level(void);
/* stderr lines: "text" (default) or "json" (one object a line). */
void six_log_set_format(enum six_log_format f);
int  six_log_format_parse(const char *name);      /* -1: unknown */
/* syslog facility by name (daemon, user, local0 .. local7, ...); -1: unknown.
 * Takes effect at the next six_log_open with syslog. */
int  six_log_facility_parse(const char *name);
void six_log_set_facility(int facility);
const char *six_log_level_name(int level);

void six_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* name: which stack (or part) speaks; a "name" field in JSON, a "name: "
 * prefix in text when it differs from the ident. */
void six_log_named(int level, const char *name, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void six_vlog_named(int level, const char *name, const char *fmt, va_list ap) __attribute__((format(printf, 3, 0)));

/* Test hook: every line that passes the level goes to fn instead of
 * stderr/syslog. NULL restores normal output. */
typedef void (*six_log_hook_fn)(void *ctx, int level, const char *name, const char *msg);
void six_log_set_hook(six_log_hook_fn fn, void *ctx);

/* Pure formatters (unit-tested). Both always NUL-terminate and return the
 * length written; output is cut at a character boundary, never inside an
 * escape or a UTF-8 sequence. */
size_t six_json_escape(char *out, size_t size, const char *s);
size_t six_log_format_json(char *out, size_t size, const struct timespec *ts, int level, const char *prog, int pid,
                           const char *name, const char *msg);

#define LOGE(...) six_log(LOG_ERR, __VA_ARGS__)
#define LOGW(...) six_log(LOG_WARNING, __VA_ARGS__)
#define LOGI(...) six_log(LOG_INFO, __VA_ARGS__)
#define LOGD(...) do { if (six_log_level() >= LOG_DEBUG) six_log(LOG_DEBUG, __VA_ARGS__); } while (0)

#endif
