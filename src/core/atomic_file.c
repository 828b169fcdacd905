/* Write-fsync-rename-fsync (see atomic_file.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "core/atomic_file.h"

int fd_write_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;
    while (len) {
        ssize_t k = write(fd, p, len);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            return -errno;
        p += k;
        len -= (size_t)k;
    }
    return 0;
}

int atomic_file_write(int dirfd, const char *name, const void *data, size_t len, mode_t mode)
{
    char tmp[256];
    if (snprintf(tmp, sizeof tmp, ".%s.tmp", name) >= (int)sizeof tmp)
        return -ENAMETOOLONG;
    /* A fresh file: whatever the directory's owner left under the temporary
     * name (a link to another file, a FIFO) is removed, never written. */
    if (unlinkat(dirfd, tmp, 0) < 0 && errno != ENOENT)
        return -errno;
    int fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
    if (fd < 0)
        return -errno;
    int rc = fd_write_all(fd, data, len);
    if (!rc && fsync(fd) < 0)
        rc = -errno;
    if (close(fd) < 0 && !rc)
        rc = -errno;
    if (!rc && renameat(dirfd, tmp, dirfd, name) < 0)
        rc = -errno;
    if (rc) {
        unlinkat(dirfd, tmp, 0);
        return rc;
    }
    return fsync(dirfd) < 0 ? -errno : 0;
}

int atomic_file_read(int dirfd, const char *name, size_t max, char **out, size_t *len)
{
    /* O_NONBLOCK: a FIFO planted there must not hang the start; only a
     * regular file with one name is read (a hard link could be anything). */
    int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    if (fd < 0)
        return -errno;
    struct stat sb;
    int bad = fstat(fd, &sb) < 0 ? -errno : !S_ISREG(sb.st_mode) || sb.st_nlink != 1 ? -EINVAL : 0;
    if (bad) {
        close(fd);
        return bad;
    }
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap + 1);
    int rc = buf ? 0 : -ENOMEM;
    while (!rc) {
        if (n == cap) {
            if (cap > max) {
                rc = -EFBIG;
                break;
            }
            char *nb = realloc(buf, 2 * cap + 1);
            if (!nb) {
                rc = -ENOMEM;
                break;
            }
            buf = nb;
            cap *= 2;
        }
        ssize_t k = read(fd, buf + n, cap - n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            rc = -errno;
        else if (k == 0)
            break;
        else
            n += (size_t)k;
    }
    close(fd);
    if (!rc && n > max)
        rc = -EFBIG;
    if (rc) {
        free(buf);
        return rc;
    }
    buf[n] = 0;
    *out = buf;
    *len = n;
    return 0;
}
