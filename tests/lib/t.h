/* Minimal test harness: each test binary prints one TAP-like line per case
 * ("ok - name" / "not ok - name"), tests/run counts them. */
#ifndef SIX_TEST_T_H
#define SIX_TEST_T_H
#include <stdio.h>
#include <string.h>
#include <stdlib.h>

extern int t_failed_total;   /* cases that failed in this binary */
extern int t_case_failed;    /* current case has a failed check */
extern const char *t_case_name;

#define T_CHECK(cond) do { if (!(cond)) { \
    fprintf(stderr, "  %s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
    t_case_failed = 1; } } while (0)
#define T_EQ(a, b) do { long long _a = (long long)(a), _b = (long long)(b); if (_a != _b) { \
    fprintf(stderr, "  %s:%d: %s == %s failed: %lld != %lld\n", __FILE__, __LINE__, #a, #b, _a, _b); \
    t_case_failed = 1; } } while (0)
#define T_MEMEQ(a, b, n) do { if (memcmp((a), (b), (n)) != 0) { \
    fprintf(stderr, "  %s:%d: memory %s != %s\n", __FILE__, __LINE__, #a, #b); \
    t_case_failed = 1; } } while (0)
#define T_STREQ(a, b) do { const char *_a = (a), *_b = (b); if (!_a || !_b || strcmp(_a, _b)) { \
    fprintf(stderr, "  %s:%d: \"%s\" != \"%s\"\n", __FILE__, __LINE__, _a ? _a : "(null)", _b ? _b : "(null)"); \
    t_case_failed = 1; } } while (0)

/* Run one case: TEST(name) { ... } then RUN(name) in main. */
#define TEST(name) static void name(void)
#define RUN(name) t_run(#name, name)
void t_run(const char *name, void (*fn)(void));
int t_done(void);            /* returns exit status for main */

#endif
