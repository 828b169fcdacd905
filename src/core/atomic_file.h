/* Files that are either the old or the new version, never a mix, even when
 * the process or the machine dies in the middle (sixd's state directory).
 *
 * atomic_file_write(): write NAME.tmp in the directory, fsync it, rename it
 * over NAME, fsync the directory (so the rename itself is durable). A
 * crash before the rename leaves the old NAME whole; after it, the new.
 * A stale NAME.tmp of a crash is simply overwritten next time. */
#ifndef SIX_CORE_ATOMIC_FILE_H
#define SIX_CORE_ATOMIC_FILE_H
#include <stddef.h>
#include <sys/types.h>

/* write(2) all of buf, through EINTR and short writes: 0 or -errno. */
int fd_write_all(int fd, const void *buf, size_t len);

/* dirfd: an open directory (O_DIRECTORY). 0, or -errno (nothing replaced). */
int atomic_file_write(int dirfd, const char *name, const void *data, size_t len, mode_t mode);

/* Read all of NAME (at most max bytes) into a malloc'd buffer *out (NUL
 * added after the data, not counted in *len). 0, -ENOENT when there is no
 * such file, -EFBIG when it is longer than max, or another -errno. */
int atomic_file_read(int dirfd, const char *name, size_t max, char **out, size_t *len);

#endif
