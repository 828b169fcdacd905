/* For the stateful targets (a stack kept across inputs, sequences of
 * operations per input): libFuzzer's entropic schedule updates a frequency
 * for every feature after every run; with the ~20 000 features of these
 * targets that took 80 % of the time (fuzz_tcp_seq: 24 exec/s with it,
 * 147 without).  Unless the command line says otherwise, it is turned off.
 * Included by exactly one file per target. */
#ifndef SIX_FUZZ_STATEFUL_H
#define SIX_FUZZ_STATEFUL_H
#include <string.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    static char *args[64];
    static char off[] = "-entropic=0";
    if (*argc < 1 || *argc > 62)
        return 0;
    for (int i = 1; i < *argc; i++)
        if (!strncmp((*argv)[i], "-entropic", 9))
            return 0;
    args[0] = (*argv)[0];
    args[1] = off;
    for (int i = 1; i < *argc; i++)
        args[i + 1] = (*argv)[i];
    args[*argc + 1] = NULL;
    *argc += 1;
    *argv = args;
    return 0;
}

#endif
