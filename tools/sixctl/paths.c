/* Relative file names → absolute, on sixctl's side (paths.h). The daemon
 * opens the files itself (as its own user), so they must be readable or
 * writable by it; only the name is resolved here. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "paths.h"

static int make_abs(char **arg, char **owned)
{
    const char *p = *arg;
    if (p[0] == '\0' || p[0] == '/')
        return 0;
    char cwd[PATH_MAX];
    if (!getcwd(cwd, sizeof cwd))
        return -1;
    while (p[0] == '.' && p[1] == '/')     /* ./x: the same file, a plainer name */
        p += 2;
    size_t n = strlen(cwd) + 1 + strlen(p) + 1;
    char *s = malloc(n);
    if (!s)
        return -1;
    snprintf(s, n, "%s%s%s", cwd, strcmp(cwd, "/") && p[0] ? "/" : "", p);
    *arg = *owned = s;
    return 0;
}

/* The value after each `opt` word from index from on. */
static int fix_after(int argc, char **argv, char **owned, int from, const char *opt)
{
    for (int i = from; i + 1 < argc; i++)
        if (!strcmp(argv[i], opt)) {
            i++;
            if (make_abs(&argv[i], &owned[i]) < 0)
                return -1;
        }
    return 0;
}

int sixctl_abs_paths(int argc, char **argv, char **owned)
{
    for (int i = 0; i < argc; i++)
        owned[i] = NULL;
    if (argc < 2)
        return 0;
    if (!strcmp(argv[0], "capture") && argc == 3 && strcmp(argv[2], "stop"))
        return make_abs(&argv[2], &owned[2]);
    if (!strcmp(argv[0], "ipsec") && !strcmp(argv[1], "load") && argc == 3)
        return make_abs(&argv[2], &owned[2]);
    if (!strcmp(argv[0], "http") && !strcmp(argv[1], "get"))
        return fix_after(argc, argv, owned, 2, "-o");
    if (!strcmp(argv[0], "serve") && !strcmp(argv[1], "http"))
        return fix_after(argc, argv, owned, 2, "root");
    return 0;
}

void sixctl_free_paths(int argc, char **owned)
{
    for (int i = 0; i < argc; i++) {
        free(owned[i]);
        owned[i] = NULL;
    }
}
