#include "t.h"

int t_failed_total;
int t_case_failed;
const char *t_case_name;

void t_run(const char *name, void (*fn)(void))
{
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
