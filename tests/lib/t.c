#include <syslog.h>
#include "t.h"
#include "core/log.h"

int t_failed_total;
int t_case_failed;
const char *t_case_name;

/* The stack logs every state change at info level; in tests that is noise
 * around the ok/not ok lines. SIX_TEST_LOG=info (or debug) shows them. */
static void quiet_logs_once(void)
{
    static int done;
    if (done++)
        return;
    const char *want = getenv("SIX_TEST_LOG");
    six_log_set_level(!want ? LOG_WARNING : !strcmp(want, "debug") ? LOG_DEBUG : LOG_INFO);
}

void t_run(const char *name, void (*fn)(void))
{
    quiet_logs_once();
    t_case_failed = 0;
    t_case_name = name;
    fn();
    printf("%s - %s\n", t_case_failed ? "not ok" : "ok", name);
    fflush(stdout);
    if (t_case_failed)
        t_failed_total++;
}

int t_done(void)
{
    return t_failed_total ? 1 : 0;
}
