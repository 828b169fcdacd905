/* The client's DUID (RFC 9915 §11): made once per stack and kept, so that a
 * restarted sixd is the same client to its server (same bindings, no
 * Release needed). DUID-LLT from the first client interface's MAC and the
 * time (seconds since 2000-01-01 UTC, §11.2); a link without a MAC (TUN)
 * gets a DUID-UUID of random octets (§11.5). Kept as text ("00:01:00:01:...")
 * in the file `duid-file FILE` names, else in the state directory (sixd -S)
 * as NAME.dhcp6c-duid, written atomically; with neither it lives as long as
 * the process (logged). */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "dhcp6/client.h"
#include "dhcp6/dhcp6.h"
#include "core/atomic_file.h"
#include "net/stack.h"

#define DUID_EPOCH_2000 946684800u
#define DUID_FILE_MAX   1024

void d6c_duid_text(const uint8_t *d, size_t len, char *out, size_t outn)
{
    size_t off = 0;
    if (outn)
        out[0] = 0;
    for (size_t i = 0; i < len && off + 4 <= outn; i++)
        off += (size_t)snprintf(out + off, outn - off, i ? ":%02x" : "%02x", d[i]);
}

static int duid_parse(const char *s, uint8_t *out, uint16_t *len)
{
    size_t n = 0;
    while (*s && *s != '\n') {
        unsigned v;
        int used;
        if (n >= DHCP6_DUID_MAX || sscanf(s, "%2x%n", &v, &used) != 1 || used != 2)
            return -EINVAL;
        out[n++] = (uint8_t)v;
        s += 2;
        if (*s == ':')
            s++;
    }
    if (n < 4)
        return -EINVAL;
    *len = (uint16_t)n;
    return 0;
}

static void duid_make(struct d6_client *cli, struct ifnet *ifp)
{
    uint8_t *d = cli->duid;
    if (ifp->type == IFT_ETHER) {
        uint32_t t = (uint32_t)((uint64_t)time(NULL) - DUID_EPOCH_2000);
        d[0] = 0; d[1] = DUID_LLT;
        d[2] = 0; d[3] = 1;   /* hardware type: Ethernet */
        d[4] = (uint8_t)(t >> 24); d[5] = (uint8_t)(t >> 16); d[6] = (uint8_t)(t >> 8); d[7] = (uint8_t)t;
        memcpy(d + 8, &ifp->hwaddr, 6);
        cli->duid_len = 14;
    } else {
        d[0] = 0; d[1] = DUID_UUID;
        six_random_bytes(cli->st, d + 2, 16);
        d[8] = (uint8_t)((d[8] & 0x0f) | 0x40);   /* RFC 9562 version 4 */
        d[10] = (uint8_t)((d[10] & 0x3f) | 0x80);
        cli->duid_len = 18;
    }
}

/* dir and base of path (into the caller's buffers). */
static int split_path(const char *path, char *dir, char *base, size_t n)
{
    char a[512], b[512];
    if (strlen(path) >= sizeof a)
        return -ENAMETOOLONG;
    strcpy(a, path);
    strcpy(b, path);
    snprintf(dir, n, "%s", dirname(a));
    snprintf(base, n, "%s", basename(b));
    return 0;
}

int d6c_duid_load(struct d6_client *cli, struct ifnet *ifp, const char *duid_file, char *why, size_t whyn)
{
    struct six_stack *st = cli->st;
    char path[512] = "", dir[512], base[512], text[3 * DHCP6_DUID_MAX + 2];
    const char *sd = dhcp6_state_dir(st);

    if (duid_file && *duid_file)
        snprintf(path, sizeof path, "%s", duid_file);
    else if (sd)
        snprintf(path, sizeof path, "%s/%s.dhcp6c-duid", sd, st->name);
    if (cli->duid_len && !strcmp(path, cli->duid_path))
        return 0;
    if (!*path) {
        if (!cli->duid_len) {
            duid_make(cli, ifp);
            d6c_duid_text(cli->duid, cli->duid_len, text, sizeof text);
            six_event(st, LOG_INFO, "DHCPv6 client DUID %s (no state directory nor duid-file: not kept)", text);
        }
        return 0;
    }
    if (split_path(path, dir, base, sizeof dir) < 0) {
        snprintf(why, whyn, "duid-file %s: name too long", path);
        return -ENAMETOOLONG;
    }
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) {
        int e = errno;
        snprintf(why, whyn, "DUID file %s: %s", path, strerror(e));
        return -e;
    }
    char *buf = NULL;
    size_t len = 0;
    int rc = atomic_file_read(dfd, base, DUID_FILE_MAX, &buf, &len);
    if (rc == 0) {
        rc = duid_parse(buf, cli->duid, &cli->duid_len);
        free(buf);
        if (rc < 0) {
            close(dfd);
            snprintf(why, whyn, "DUID file %s: not a DUID in hex (aa:bb:...)", path);
            return rc;
        }
    } else if (rc == -ENOENT) {
        duid_make(cli, ifp);
        d6c_duid_text(cli->duid, cli->duid_len, text, sizeof text);
        size_t tl = strlen(text);
        text[tl++] = '\n';
        rc = atomic_file_write(dfd, base, text, tl, 0644);
        text[tl - 1] = 0;
        if (rc < 0) {
            close(dfd);
            cli->duid_len = 0;
            snprintf(why, whyn, "DUID file %s: cannot write it: %s", path, strerror(-rc));
            return rc;
        }
        six_event(st, LOG_INFO, "DHCPv6 client DUID %s made, kept in %s", text, path);
    } else {
        close(dfd);
        snprintf(why, whyn, "DUID file %s: %s", path, strerror(-rc));
        return rc;
    }
    close(dfd);
    snprintf(cli->duid_path, sizeof cli->duid_path, "%s", path);
    return 0;
}
