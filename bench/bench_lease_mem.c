/* Bytes of memory per DHCPv6 lease (issue 12 benchmark, not a test).
 *
 * The two places a lease of sixd's server lives in memory, filled with N
 * leases (default 100 000, -DN=...; half addresses, half /56 prefixes,
 * DUID-LLT of 14 octets, like perfdhcp's clients):
 *   - the server's lease table (src/dhcp6/lease_table.c: slab entries, two
 *     chained hash indexes of fixed size), what every backend pays;
 *   - the journal store's table of live leases (src/dhcp6/lease_journal.c:
 *     a dense array + an open-addressing index), what the embedded store
 *     adds (the PostgreSQL store keeps none: its rows are in the database).
 * Measured as the heap the allocator hands out (glibc mallinfo2: in-use
 * bytes, so slack inside arrays counts and freed memory does not), and as
 * the process's resident set (VmRSS) for the whole, per lease. */
#include "dhcp6/lease.h"
#include "dhcp6/lease_journal_priv.h"
#include "dhcp6/server_int.h"
#include "net/stack.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#ifndef N
#define N 100000u
#endif

static uint64_t vnow = 1700000000ull * NS_PER_SEC;
static uint64_t vclock_now(void *ctx) { (void)ctx; return vnow; }
static const struct six_clock vclock = { vclock_now, NULL };

static size_t heap_in_use(void)
{
    struct mallinfo2 mi = mallinfo2();
    return mi.uordblks + mi.hblkhd;   /* small blocks + mmapped big ones */
}

static long rss_kib(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kib = -1;
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, "VmRSS:", 6))
            kib = strtol(line + 6, NULL, 10);
    if (f)
        fclose(f);
    return kib;
}

/* Lease i: an address in 2001:db8:1::/64 (even i) or a /56 of 3fff:100::/32 (odd i). */
static struct lease mk_lease(unsigned i, int64_t now)
{
    struct lease l;
    memset(&l, 0, sizeof l);
    if (i % 2 == 0) {
        inet_pton(AF_INET6, "2001:db8:1::", &l.addr);
        l.addr.s6_addr[12] = (uint8_t)(i >> 24), l.addr.s6_addr[13] = (uint8_t)(i >> 16);
        l.addr.s6_addr[14] = (uint8_t)(i >> 8), l.addr.s6_addr[15] = (uint8_t)i;
        l.plen = 128, l.kind = LEASE_NA;
    } else {
        inet_pton(AF_INET6, "3fff:100::", &l.addr);
        l.addr.s6_addr[4] = (uint8_t)(i >> 16), l.addr.s6_addr[5] = (uint8_t)(i >> 8), l.addr.s6_addr[6] = (uint8_t)i;
        l.plen = 56, l.kind = LEASE_PD;
    }
    l.state = LEASE_BOUND;
    static const uint8_t llt[14] = { 0, 1, 0, 1, 0x32, 0xa9, 0xd5, 0x3c, 0, 0x0c, 1, 2, 0, 0 };
    memcpy(l.duid, llt, sizeof llt);
    l.duid[12] = (uint8_t)(i >> 9), l.duid[13] = (uint8_t)(i >> 1);   /* one client: its address and its prefix */
    l.duid_len = sizeof llt;
    l.iaid = 1;
    l.preferred = 3600, l.valid = 7200;
    l.cltt = now, l.expires = now + 7200;
    l.pool_id = 1;
    return l;
}

static void print_row(const char *what, size_t heap, long rss, size_t fixed)
{
    printf("  %-44s heap %7.1f B/lease (%5.1f MiB for %u; %4.1f MiB of it not per lease)   RSS +%7.1f B/lease\n", what,
           (double)heap / N, heap / 1048576.0, N, fixed / 1048576.0, rss * 1024.0 / N);
}

static void server_table(void)
{
    struct d6s_table t;
    size_t h0 = heap_in_use();
    long r0 = rss_kib();
    if (d6s_table_init(&t, D6S_MAX_LEASES_DEFAULT) < 0) {
        fprintf(stderr, "bench_lease_mem: d6s_table_init failed\n");
        exit(1);
    }
    size_t fixed = heap_in_use() - h0;
    for (unsigned i = 0; i < N; i++) {
        struct d6s_lease *e = d6s_table_new(&t);
        if (!e) {
            fprintf(stderr, "bench_lease_mem: server table full at %u\n", i);
            exit(1);
        }
        e->l = mk_lease(i, 1700000000);
        e->durable = true;
        d6s_table_insert(&t, e);
    }
    print_row("server lease table (lease_table.c)", heap_in_use() - h0, rss_kib() - r0, fixed);
    printf("    sizeof(struct d6s_lease) %zu (struct lease %zu, of it the DUID field %d)\n", sizeof(struct d6s_lease),
           sizeof(struct lease), DHCP6_DUID_MAX);
    d6s_table_fini(&t);
}

static unsigned done_ok;
static void done_fn(void *arg, enum lease_result r, const struct lease *l)
{
    (void)arg, (void)l;
    done_ok += r == LEASE_OK;
}

static void rm_dir(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    char p[512];
    while (d && (de = readdir(d)))
        if (de->d_name[0] != '.') {
            snprintf(p, sizeof p, "%s/%s", dir, de->d_name);
            unlink(p);
        }
    if (d)
        closedir(d);
    rmdir(dir);
}

static void journal_table(void)
{
    struct six_stack_opts o = { .name = "bm", .clock = &vclock, .seed = 1 };
    struct six_stack *st = six_stack_create(&o);
    char dir[128], path[160], why[256];
    snprintf(dir, sizeof dir, "/tmp/d6bench-leasemem-%d", (int)getpid());
    mkdir(dir, 0700);
    snprintf(path, sizeof path, "%s/leases", dir);
    size_t h0 = heap_in_use();
    long r0 = rss_kib();
    struct lease_store *s = lease_store_open(st, path, why, sizeof why);
    if (!st || !s) {
        fprintf(stderr, "bench_lease_mem: journal: %s\n", why);
        exit(1);
    }
    struct journal *j = (struct journal *)s;
    lease_journal_set_compaction(s, 1000, UINT64_MAX);   /* no compaction thread during the count */
    for (unsigned i = 0; i < N; i++) {
        struct lease l = mk_lease(i, 1700000000);
        lease_store_commit(s, &l, done_fn, NULL);
        if (i % 1000 == 999)
            lease_store_flush(s);
    }
    lease_store_flush(s);
    six_stack_poll(st);
    /* What the live table holds now is what it keeps: the batch buffers
     * are the store's, not per lease; counted apart. */
    size_t tab = (size_t)j->t.vcap * sizeof *j->t.v + ((size_t)j->t.mask + 1) * sizeof *j->t.idx;
    size_t batches = (size_t)j->pend.cap * sizeof(struct jentry) + j->pend.buf_cap + (size_t)j->run.cap * sizeof(struct jentry) +
                     j->run.buf_cap;
    printf("  %-44s heap %7.1f B/lease (%5.1f MiB: array %u of %u slots x %zu B, index %u x 4 B); batch buffers %.1f MiB\n",
           "journal store's live table (lease_journal.c)", (double)tab / N, tab / 1048576.0, j->t.n, j->t.vcap,
           sizeof *j->t.v, j->t.mask + 1, batches / 1048576.0);
    print_row("  the whole store (heap and RSS growth)", heap_in_use() - h0, rss_kib() - r0, batches);
    printf("    %u commits acknowledged; journal file %.1f B/lease on disk\n", done_ok, (double)j->jbytes / N);
    lease_store_close(s);
    six_stack_destroy(st);
    rm_dir(dir);
}

int main(void)
{
    printf("bench_lease_mem: %u leases (half addresses, half /56 prefixes), 14-octet DUIDs\n", N);
    server_table();
    journal_table();
    return 0;
}
