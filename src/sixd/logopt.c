/* sixd's log options: -L text|json (stderr format), -F FACILITY (syslog). */
#include <stdio.h>
#include "sixd/sixd.h"
#include "core/log.h"

int sixd_log_option(int opt, const char *arg)
{
    if (opt == 'L') {
        int f = six_log_format_parse(arg);
        if (f < 0) {
            fprintf(stderr, "sixd: -L %s: text or json\n", arg);
            return -1;
        }
        six_log_set_format((enum six_log_format)f);
        return 0;
    }
    int fac = six_log_facility_parse(arg);
    if (fac < 0) {
        fprintf(stderr, "sixd: -F %s: daemon, user, local0 .. local7, auth, authpriv or syslog\n", arg);
        return -1;
    }
    six_log_set_facility(fac);
    return 0;
}
