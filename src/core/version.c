/* The version of this build: `git describe` when the Makefile ran (see
 * VERSION there), for sixd --version, sixctl version and sixstack.pc. */
#include "six/six.h"

#ifndef SIX_VERSION
#define SIX_VERSION "unknown"   /* built outside the Makefile (fuzz targets) */
#endif

const char *six_version(void)
{
    return SIX_VERSION;
}
