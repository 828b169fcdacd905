/* Capture the log lines a test provokes (core/log.h's hook): while active,
 * lines at or above the given level are kept here instead of printed. */
#ifndef SIX_TEST_LOGCAP_H
#define SIX_TEST_LOGCAP_H
#include <stddef.h>

#define LOGCAP_MAX 512

void logcap_start(int max_level);   /* forget earlier lines, capture from now */
void logcap_stop(void);             /* back to stderr at the level before */
unsigned logcap_n(void);            /* lines captured (also those beyond LOGCAP_MAX) */
const char *logcap_line(unsigned i);   /* "level name: msg", NULL past the kept ones */
/* Lines containing every one of the (NULL-terminated) substrings. */
unsigned logcap_count(const char *s, ...) __attribute__((sentinel));
const char *logcap_find(const char *s, ...) __attribute__((sentinel));
void logcap_dump(void);             /* to stderr: for a failing check */

#endif
