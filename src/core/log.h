/* Logging to stderr or syslog, with levels (syslog's LOG_ERR .. LOG_DEBUG). */
#ifndef SIX_CORE_LOG_H
#define SIX_CORE_LOG_H
#include <syslog.h>
#include <stdbool.h>

void six_log_open(const char *ident, int max_level, bool use_syslog);
void six_log_set_level(int max_level);
int  six_log_level(void);
void six_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define LOGE(...) six_log(LOG_ERR, __VA_ARGS__)
#define LOGW(...) six_log(LOG_WARNING, __VA_ARGS__)
#define LOGI(...) six_log(LOG_INFO, __VA_ARGS__)
#define LOGD(...) do { if (six_log_level() >= LOG_DEBUG) six_log(LOG_DEBUG, __VA_ARGS__); } while (0)

#endif
