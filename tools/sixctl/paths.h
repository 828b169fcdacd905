/* File names in sixctl's commands are made absolute before they are sent:
 * sixd runs elsewhere (its working directory is / when it is a daemon), so
 * `sixctl capture tap0 rel.pcap` must mean rel.pcap where sixctl runs. */
#ifndef SIXCTL_PATHS_H
#define SIXCTL_PATHS_H

/* Rewrite, in argv, each argument that names a file or directory (capture
 * IF FILE, ipsec load FILE, http get -o FILE, serve http root DIR) and is
 * relative, to an absolute path. The new strings are malloc'd and also put
 * in owned[] (argc entries, NULL where nothing changed) for
 * sixctl_free_paths(). 0, or -1 with errno (getcwd failed, out of memory). */
int sixctl_abs_paths(int argc, char **argv, char **owned);
void sixctl_free_paths(int argc, char **owned);

#endif
