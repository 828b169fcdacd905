/* The state directory: SA sequence numbers, replay tops, NAT-T peers and
 * hometun server tunnel ends across restarts (see sa_persist.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <openssl/evp.h>
#include "ipsec/ipsec_priv.h"
#include "ipsec/sa_persist.h"
#include "core/atomic_file.h"
#include "core/log.h"
#include "link/ifnet.h"
#include "net/gif.h"
#include "net/stack.h"
#include "wire/ip6.h"
#include "wire/statefile.h"

#define SEC                 1000000000ull
#define FAST_WRITE_NS       SEC            /* two mark writes closer than this: the reserve doubles */
#define QUIET_NS            (60 * SEC)     /* no mark write for this long: it halves back */
#define RETRY_NS            SEC            /* after a failed write */
#define MAX_GIF_RECS        SIX_MAX_IFS

struct sa_persist_rec {
    struct sa_persist_rec *next;
    struct statefile_sa f;        /* as on disk; f.seq_hwm is the mark that reached it */
    uint64_t reserve;
    uint64_t last_mark_write_ns, retry_ns;
    bool live;                    /* scratch: an SA uses it */
    bool from_file;               /* read at start (not made since): where a peer was */
};

struct sa_persist {
    int dirfd, lockfd;
    char path[512];               /* DIR/NAME.state, for logs */
    char file[48];                /* NAME.state */
    struct sa_persist_rec *recs;
    unsigned n_recs;
    struct statefile_gif gifs[MAX_GIF_RECS];   /* as last written (or read) */
    unsigned n_gifs;
    uint64_t base_reserve, gen;
    struct timer tick;
    uint64_t last_write_ns, retry_ns;
    bool failing;
    uint64_t writes, failures;
    int last_error;
};

static const char *addr_txt(const struct in6_addr *a, char *b, size_t n)
{
    if (in6_is_v4mapped(a))
        return inet_ntop(AF_INET, &a->s6_addr[12], b, (socklen_t)n);
    return inet_ntop(AF_INET6, a, b, (socklen_t)n);
}

static const char *proto_name(uint8_t proto)
{
    return proto == IPSEC_PROTO_AH ? "ah" : "esp";
}

/* --- identity --- */

void ipsec_sa_key_fp(const struct ipsec_sa_params *p, uint8_t fp[32])
{
    static const char label[] = "sixstack SA state v1";
    uint8_t buf[sizeof label + 16 + 2 * IPSEC_SA_KEY_MAX], *q = buf;
    size_t el = p->ekeylen <= IPSEC_SA_KEY_MAX ? p->ekeylen : 0, al = p->akeylen <= IPSEC_SA_KEY_MAX ? p->akeylen : 0;
    unsigned int n = 32;
    memcpy(q, label, sizeof label);
    q += sizeof label;
    *q++ = p->proto;
    *q++ = (uint8_t)(p->spi >> 24), *q++ = (uint8_t)(p->spi >> 16), *q++ = (uint8_t)(p->spi >> 8);
    *q++ = (uint8_t)p->spi;
    *q++ = (uint8_t)p->ealg;
    *q++ = (uint8_t)p->aalg;
    *q++ = (uint8_t)el;
    if (el)
        memcpy(q, p->ekey, el);
    q += el;
    *q++ = (uint8_t)al;
    if (al)
        memcpy(q, p->akey, al);
    q += al;
    if (!EVP_Digest(buf, (size_t)(q - buf), fp, &n, EVP_sha256(), NULL))
        memset(fp, 0, 32);   /* never matches a saved one: the SA only starts fresh */
    OPENSSL_cleanse(buf, sizeof buf);
}

/* --- records --- */

static struct sa_persist *persist_of(const struct six_stack *st)
{
    return st->ipsec ? st->ipsec->persist : NULL;
}

static bool rec_is(const struct sa_persist_rec *r, const struct ipsec_sa *sa, bool with_keys)
{
    return r->f.proto == sa->proto && r->f.spi == sa->spi && in6_eq(&r->f.key_dst, &sa->dst) &&
           (!with_keys || !memcmp(r->f.fp, sa->key_fp, sizeof r->f.fp));
}

static void mark_live(struct ipsec_state *is)
{
    for (struct sa_persist_rec *r = is->persist->recs; r; r = r->next)
        r->live = false;
    for (struct ipsec_sa *sa = is->sa_head; sa; sa = sa->next)
        if (sa->persist)
            sa->persist->live = true;
    for (struct ipsec_sa *sa = is->sa_grave; sa; sa = sa->next)   /* an aborted transaction puts them back */
        if (sa->persist)
            sa->persist->live = true;
}

/* Room for one more: the record of a gone SA seen live longest ago goes. */
static bool make_room(struct ipsec_state *is)
{
    struct sa_persist *p = is->persist;
    if (p->n_recs < SA_PERSIST_MAX_RECS)
        return true;
    mark_live(is);
    struct sa_persist_rec **victim = NULL;
    for (struct sa_persist_rec **pp = &p->recs; *pp; pp = &(*pp)->next)
        if (!(*pp)->live && (!victim || (*pp)->f.gen < (*victim)->f.gen))
            victim = pp;
    if (!victim)
        return false;
    struct sa_persist_rec *r = *victim;
    *victim = r->next;
    free(r);
    p->n_recs--;
    return true;
}

static struct sa_persist_rec *rec_new(struct ipsec_state *is, const struct statefile_sa *f)
{
    struct sa_persist *p = is->persist;
    if (!make_room(is))
        return NULL;
    struct sa_persist_rec *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->f = *f;
    r->reserve = p->base_reserve;
    r->next = p->recs;
    p->recs = r;
    p->n_recs++;
    return r;
}

static void set_mark(struct ipsec_sa *sa)
{
    const struct sa_persist_rec *r = sa->persist;
    uint64_t half = r->reserve / 2;
    sa->seq_mark = r->f.seq_hwm > half ? r->f.seq_hwm - half : 0;
}

static bool used_by_other(struct ipsec_state *is, const struct sa_persist_rec *r, const struct ipsec_sa *me)
{
    for (struct ipsec_sa *sa = is->sa_head; sa; sa = sa->next)
        if (sa != me && sa->persist == r)
            return true;
    return false;
}

static void restore_numbers(struct six_stack *st, struct ipsec_sa *sa, const struct sa_persist_rec *r)
{
    char d[INET6_ADDRSTRLEN];
    if (r->f.seq_hwm > sa->tx.last)
        sa->tx.last = r->f.seq_hwm;
    replay_restore_top(&sa->replay, r->f.replay_top);
    CTR_INC(st, ipsec, state_restored);
    LOGI("%s: state: SA %s 0x%x to %s: outbound numbers go on above %llu, replay window from %llu", st->name,
         proto_name(sa->proto), sa->spi, addr_txt(&sa->dst, d, sizeof d), (unsigned long long)r->f.seq_hwm,
         (unsigned long long)r->f.replay_top);
    if (!sa->esn && r->f.seq_hwm >= UINT32_MAX)
        LOGW("%s: state: SA %s 0x%x: every 32-bit sequence number is used: it needs new keys", st->name,
             proto_name(sa->proto), sa->spi);
}

void ipsec_persist_sa_leaving(struct ipsec_sa *sa)
{
    if (sa->persist && sa->replay.top > sa->persist->f.replay_top)
        sa->persist->f.replay_top = sa->replay.top;
}

void ipsec_persist_sa_added(struct six_stack *st, struct ipsec_sa *sa)
{
    struct ipsec_state *is = st->ipsec;
    struct sa_persist *p = is ? is->persist : NULL;
    char d[INET6_ADDRSTRLEN];
    if (!p)
        return;
    struct sa_persist_rec *r = NULL;
    bool other_keys = false;
    for (struct sa_persist_rec *q = p->recs; q && !r; q = q->next) {
        if (rec_is(q, sa, true))
            r = q;
        else if (rec_is(q, sa, false))
            other_keys = true;
    }
    if (r && used_by_other(is, r, sa)) {
        LOGW("%s: state: SA %s 0x%x to %s: another SA with these keys has the saved state; this one is not saved",
             st->name, proto_name(sa->proto), sa->spi, addr_txt(&sa->dst, d, sizeof d));
        return;
    }
    if (r) {
        restore_numbers(st, sa, r);
    } else {
        if (other_keys) {
            CTR_INC(st, ipsec, state_keys_changed);
            LOGI("%s: state: SA %s 0x%x to %s has other keys than the saved one: it starts fresh", st->name,
                 proto_name(sa->proto), sa->spi, addr_txt(&sa->dst, d, sizeof d));
        }
        struct statefile_sa f = { .proto = sa->proto, .spi = sa->spi, .key_dst = sa->dst, .src = sa->src,
                                  .dst = sa->dst, .sport = sa->natt_sport, .dport = sa->natt_dport,
                                  .gen = p->gen };
        memcpy(f.fp, sa->key_fp, sizeof f.fp);
        if (!(r = rec_new(is, &f))) {
            LOGW("%s: state: no room for SA %s 0x%x: its numbers are not saved", st->name, proto_name(sa->proto),
                 sa->spi);
            return;
        }
    }
    sa->persist = r;
    set_mark(sa);
}

/* --- writing --- */

struct buf { char *p; size_t len, cap; bool bad_line_logged; };

static bool put(struct buf *b, const char *s, size_t n)
{
    if (b->len + n > b->cap)
        return false;
    memcpy(b->p + b->len, s, n);
    b->len += n;
    return true;
}

/* A record's line, checked by the parser that will read it back: a line
 * it would refuse (it cannot happen; if it did, the whole file would be
 * refused at the next start) is left out. */
static bool put_rec(struct buf *b, const struct statefile_rec *r)
{
    char line[STATEFILE_MAX_LINE];
    struct statefile_rec back;
    size_t n = statefile_emit_rec(r, line, sizeof line);
    if (!n || statefile_parse_line(line, n - 1, &back)) {
        if (!b->bad_line_logged)
            LOGW("state: a record does not round-trip; left out");
        b->bad_line_logged = true;
        return true;
    }
    return put(b, line, n);
}

static bool sa_fp(struct six_stack *st, const struct in6_addr *dst, uint32_t spi, uint8_t fp[32])
{
    const struct ipsec_sa *sa = ipsec_sa_find(st, IPSEC_PROTO_ESP, dst, spi);
    if (sa)
        memcpy(fp, sa->key_fp, 32);
    return sa != NULL;
}

/* The hometun server tunnels now; the saved ones whose interface is not
 * there (not configured this time) are kept. */
static void collect_gifs(struct six_stack *st, struct sa_persist *p, uint64_t gen)
{
    struct statefile_gif now[MAX_GIF_RECS];
    unsigned n = 0;
    for (unsigned i = 0; i < SIX_MAX_IFS && n < MAX_GIF_RECS; i++) {
        struct gif_server_ends e;
        struct ifnet *ifp = st->ifs[i];
        if (!ifp || !gif_server_ends(ifp, &e) || strlen(ifp->name) >= STATEFILE_NAME_MAX)
            continue;
        struct statefile_gif *g = &now[n];
        memset(g, 0, sizeof *g);
        snprintf(g->name, sizeof g->name, "%s", ifp->name);
        g->spi_out = e.esp_out;
        g->spi_in = e.esp_in;
        g->remote = e.remote;
        g->gen = gen;
        if (sa_fp(st, &e.remote, e.esp_out, g->fp_out) && sa_fp(st, &e.local, e.esp_in, g->fp_in))
            n++;
    }
    for (unsigned j = 0; j < p->n_gifs && n < MAX_GIF_RECS; j++)
        if (!if_find(st, p->gifs[j].name))
            now[n++] = p->gifs[j];
    memcpy(p->gifs, now, n * sizeof now[0]);
    p->n_gifs = n;
}

static int write_file(struct six_stack *st, struct sa_persist *p)
{
    struct buf b = { .cap = (size_t)(p->n_recs + p->n_gifs + 4) * STATEFILE_MAX_LINE };
    char line[STATEFILE_MAX_LINE];
    unsigned n = 0;
    if (!(b.p = malloc(b.cap)))
        return -ENOMEM;
    put(&b, line, statefile_emit_header(line, sizeof line));
    static const char comment[] = "# sixd's saved SA state (docs/IPSEC.md); do not edit while sixd runs\n";
    put(&b, comment, sizeof comment - 1);
    for (struct sa_persist_rec *r = p->recs; r; r = r->next) {
        if (!r->f.seq_hwm && !r->f.replay_top && in6_eq(&r->f.dst, &r->f.key_dst) && !r->f.dport)
            continue;   /* nothing to remember yet */
        struct statefile_rec rec = { .kind = STATEFILE_SA, .u.sa = r->f };
        if (put_rec(&b, &rec))
            n++;
    }
    for (unsigned i = 0; i < p->n_gifs; i++) {
        struct statefile_rec rec = { .kind = STATEFILE_GIF, .u.gif = p->gifs[i] };
        if (put_rec(&b, &rec))
            n++;
    }
    put(&b, line, statefile_emit_end(n, line, sizeof line));
    int rc = atomic_file_write(p->dirfd, p->file, b.p, b.len, 0600);
    free(b.p);
    (void)st;
    return rc;
}

/* Bring every record of a live SA up to date, then write the file. */
static int persist_write(struct six_stack *st)
{
    struct ipsec_state *is = st->ipsec;
    struct sa_persist *p = is->persist;
    uint64_t now = six_now(st);
    p->gen++;
    for (struct ipsec_sa *sa = is->sa_head; sa; sa = sa->next) {
        struct sa_persist_rec *r = sa->persist;
        if (!r)
            continue;
        r->f.replay_top = sa->replay.top;
        r->f.src = sa->src;
        r->f.dst = sa->dst;
        r->f.sport = sa->natt_sport;
        r->f.dport = sa->natt_dport;
        r->f.gen = p->gen;
    }
    collect_gifs(st, p, p->gen);
    int rc = write_file(st, p);
    p->last_write_ns = now;
    if (rc) {
        CTR_INC(st, ipsec, state_write_failed);
        p->failures++;
        p->last_error = -rc;
        p->retry_ns = now + RETRY_NS;
        if (!p->failing)
            LOGW("%s: state: cannot write %s: %s (retried every second; outbound SAs stop at their saved mark)",
                 st->name, p->path, strerror(-rc));
        p->failing = true;
        return rc;
    }
    CTR_INC(st, ipsec, state_writes);
    p->writes++;
    p->last_error = 0;
    if (p->failing)
        LOGI("%s: state: %s written again", st->name, p->path);
    p->failing = false;
    return 0;
}

int ipsec_persist_save(struct six_stack *st)
{
    return persist_of(st) ? persist_write(st) : 0;
}

/* --- outbound numbers: the mark written ahead --- */

static void adapt_reserve(struct sa_persist *p, struct sa_persist_rec *r, uint64_t now)
{
    if (!r->last_mark_write_ns)
        return;
    uint64_t since = now - r->last_mark_write_ns;
    if (since < FAST_WRITE_NS && r->reserve < SA_PERSIST_RESERVE_MAX)
        r->reserve *= 2;
    else if (since > QUIET_NS && r->reserve / 2 >= p->base_reserve)
        r->reserve /= 2;
}

bool ipsec_persist_seq(struct six_stack *st, struct ipsec_sa *sa, uint64_t seq)
{
    struct sa_persist *p = persist_of(st);
    struct sa_persist_rec *r = sa->persist;
    if (!p || !r) {
        sa->seq_mark = UINT64_MAX;
        return true;
    }
    uint64_t now = six_now(st);
    bool wrote = false;
    if (now >= r->retry_ns) {
        uint64_t last_allowed = sa->esn ? UINT64_MAX : UINT32_MAX, saved = r->f.seq_hwm;
        adapt_reserve(p, r, now);
        r->f.seq_hwm = seq > last_allowed - r->reserve ? last_allowed : seq + r->reserve;
        if (persist_write(st) == 0) {
            r->last_mark_write_ns = now;
            r->retry_ns = 0;
            wrote = true;
        } else {
            r->f.seq_hwm = saved;   /* what the disk has */
            r->retry_ns = now + RETRY_NS;
        }
    }
    if (seq > r->f.seq_hwm) {
        CTR_INC(st, ipsec, drop_seq_unsaved);
        return false;
    }
    if (wrote)
        set_mark(sa);
    else
        sa->seq_mark = r->f.seq_hwm;   /* up to the saved mark without trying again */
    return true;
}

uint64_t ipsec_persist_sa_hwm(const struct ipsec_sa *sa)
{
    return sa->persist ? sa->persist->f.seq_hwm : 0;
}

/* --- the periodic check --- */

static bool peer_changed(const struct ipsec_sa *sa, const struct sa_persist_rec *r)
{
    return !in6_eq(&sa->src, &r->f.src) || !in6_eq(&sa->dst, &r->f.dst) || sa->natt_sport != r->f.sport ||
           sa->natt_dport != r->f.dport;
}

static bool gifs_changed(struct six_stack *st, const struct sa_persist *p)
{
    for (unsigned i = 0; i < SIX_MAX_IFS; i++) {
        struct gif_server_ends e;
        struct ifnet *ifp = st->ifs[i];
        if (!ifp || !gif_server_ends(ifp, &e))
            continue;
        bool found = false;
        for (unsigned j = 0; j < p->n_gifs && !found; j++)
            found = !strcmp(p->gifs[j].name, ifp->name) && in6_eq(&p->gifs[j].remote, &e.remote) &&
                    p->gifs[j].spi_out == e.esp_out && p->gifs[j].spi_in == e.esp_in;
        if (!found)
            return true;
    }
    return false;
}

static void tick(struct timer *t, void *arg)
{
    struct six_stack *st = arg;
    struct sa_persist *p = persist_of(st);
    uint64_t now = six_now(st);
    bool moved = false, tops = false;
    for (struct ipsec_sa *sa = st->ipsec->sa_head; sa; sa = sa->next) {
        if (!sa->persist)
            continue;
        moved |= peer_changed(sa, sa->persist);
        tops |= sa->replay.top != sa->persist->f.replay_top;
    }
    moved |= gifs_changed(st, p);
    if (p->failing ? now >= p->retry_ns : moved || (tops && now - p->last_write_ns >= SA_PERSIST_TOP_INTERVAL_NS))
        persist_write(st);
    timer_arm(st->tw, t, SEC);
}

/* --- start: read, restore; end --- */

struct load { struct six_stack *st; struct sa_persist_rec *recs; unsigned n; struct sa_persist *p; };

static int load_rec(void *ctx, const struct statefile_rec *r)
{
    struct load *l = ctx;
    if (r->kind == STATEFILE_GIF) {
        if (l->p->n_gifs == MAX_GIF_RECS)
            return -E2BIG;
        for (unsigned i = 0; i < l->p->n_gifs; i++)
            if (!strcmp(l->p->gifs[i].name, r->u.gif.name))
                return -EEXIST;
        l->p->gifs[l->p->n_gifs++] = r->u.gif;
        return 0;
    }
    if (l->n == SA_PERSIST_MAX_RECS)
        return -E2BIG;
    for (struct sa_persist_rec *q = l->recs; q; q = q->next)
        if (q->f.proto == r->u.sa.proto && q->f.spi == r->u.sa.spi && in6_eq(&q->f.key_dst, &r->u.sa.key_dst) &&
            !memcmp(q->f.fp, r->u.sa.fp, sizeof q->f.fp))
            return -EEXIST;
    struct sa_persist_rec *n = calloc(1, sizeof *n);
    if (!n)
        return -ENOMEM;
    n->f = r->u.sa;
    n->from_file = true;
    n->reserve = l->p->base_reserve;
    n->next = l->recs;
    l->recs = n;
    l->n++;
    return 0;
}

static void free_recs(struct sa_persist_rec *r)
{
    while (r) {
        struct sa_persist_rec *n = r->next;
        free(r);
        r = n;
    }
}

/* 0: read (or there is none yet); -1 with err: the file is there but can
 * not be read or does not parse. Then the sequence numbers it keeps are
 * unknown, and starting the SAs afresh would send numbers again under the
 * same manual keys: for AES-GCM and ChaCha20-Poly1305 the number is the
 * nonce, and a repeated nonce gives away the authentication key. So sixd
 * refuses to start and the operator decides (new keys, then remove it). */
static int load_file(struct six_stack *st, struct sa_persist *p, char *err, size_t errlen)
{
    char *buf;
    size_t len;
    int rc = atomic_file_read(p->dirfd, p->file, STATEFILE_MAX_BYTES, &buf, &len);
    if (rc == -ENOENT) {
        LOGI("%s: state: %s: none yet, SAs start fresh", st->name, p->path);
        return 0;
    }
    struct load l = { .st = st, .p = p };
    unsigned line = 0;
    const char *why = NULL;
    if (!rc) {
        rc = statefile_parse(buf, len, load_rec, &l, &line, &why);
        free(buf);
        if (rc < -1)
            why = rc == -EEXIST ? "a record given twice" : rc == -E2BIG ? "too many records" : "out of memory";
    } else {
        why = strerror(-rc);
    }
    if (rc) {
        free_recs(l.recs);
        p->n_gifs = 0;
        CTR_INC(st, ipsec, state_file_bad);
        snprintf(err, errlen,
                 "state: %s:%u: %s: refusing to start, the SAs' sequence numbers it keeps are unknown and "
                 "starting afresh would repeat them (nonces) under the same keys; give the SAs new keys, "
                 "then move the file away",
                 p->path, line, why);
        LOGE("%s: %s", st->name, err);
        return -1;
    }
    p->recs = l.recs;
    p->n_recs = l.n;
    for (struct sa_persist_rec *r = p->recs; r; r = r->next)
        if (r->f.gen > p->gen)
            p->gen = r->f.gen;
    for (unsigned i = 0; i < p->n_gifs; i++)
        if (p->gifs[i].gen > p->gen)
            p->gen = p->gifs[i].gen;
    LOGI("%s: state: %s: %u SA records, %u tunnels", st->name, p->path, p->n_recs, p->n_gifs);
    return 0;
}

static int open_dir(const char *dir, int *dirfd, char *err, size_t errlen)
{
    if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
        int e = errno;
        snprintf(err, errlen, "state directory %s: cannot create it: %s", dir, strerror(e));
        return -e;
    }
    *dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (*dirfd < 0) {
        int e = errno;
        snprintf(err, errlen, "state directory %s: %s", dir, e == ENOTDIR ? "not a directory" : strerror(e));
        return -e;
    }
    if (faccessat(*dirfd, ".", W_OK | X_OK, AT_EACCESS) < 0) {
        int e = errno;
        snprintf(err, errlen, "state directory %s: cannot write there: %s", dir, strerror(e));
        close(*dirfd);
        return -e;
    }
    return 0;
}

static int lock_name(struct six_stack *st, int dirfd, const char *dir, int *lockfd, char *err, size_t errlen)
{
    char name[48];
    snprintf(name, sizeof name, "%s.lock", st->name);
    *lockfd = openat(dirfd, name, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (*lockfd < 0) {
        int e = errno;
        snprintf(err, errlen, "state directory %s: %s: %s", dir, name, strerror(e));
        return -e;
    }
    if (flock(*lockfd, LOCK_EX | LOCK_NB) < 0) {
        int e = errno;
        snprintf(err, errlen, "state directory %s: %s.state is in use by another sixd named %s", dir, st->name,
                 st->name);
        close(*lockfd);
        return e == EWOULDBLOCK ? -EBUSY : -e;
    }
    return 0;
}

int ipsec_persist_open(struct six_stack *st, const char *dir, char *err, size_t errlen)
{
    struct ipsec_state *is = ipsec_get(st);
    if (!is) {
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    if (is->persist) {
        snprintf(err, errlen, "the state directory is already open");
        return -EBUSY;
    }
    if (!st->name[0] || strchr(st->name, '/') || st->name[0] == '.') {
        snprintf(err, errlen, "stack name '%s' cannot name a state file", st->name);
        return -EINVAL;
    }
    struct sa_persist *p = calloc(1, sizeof *p);
    if (!p) {
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    int rc = open_dir(dir, &p->dirfd, err, errlen);
    if (!rc && (rc = lock_name(st, p->dirfd, dir, &p->lockfd, err, errlen)))
        close(p->dirfd);
    if (rc) {
        free(p);
        return rc;
    }
    snprintf(p->file, sizeof p->file, "%s.state", st->name);
    snprintf(p->path, sizeof p->path, "%s/%s", dir, p->file);
    p->base_reserve = SA_PERSIST_RESERVE_DEF;
    is->persist = p;
    if (load_file(st, p, err, errlen) < 0) {
        is->persist = NULL;
        close(p->lockfd);
        close(p->dirfd);
        free(p);
        return -EBADMSG;
    }
    for (struct ipsec_sa *sa = is->sa_head; sa; sa = sa->next)
        if (!sa->persist && sa->state != IPSEC_SA_LARVAL)
            ipsec_persist_sa_added(st, sa);
    timer_init(&p->tick, tick, st);
    timer_arm(st->tw, &p->tick, SEC);
    return 0;
}

/* A NAT-T SA that follows its peer goes back to where the peer was (as
 * the peer's next authenticated packet would take it): the policies and
 * our SAs toward it, and a tunnel bound to them, follow. */
static void restore_natt_peers(struct six_stack *st)
{
    char a[INET6_ADDRSTRLEN];
    for (struct ipsec_sa *sa = st->ipsec->sa_head; sa; sa = sa->next) {
        struct sa_persist_rec *r = sa->persist;
        if (!r || !r->from_file || !sa->natt || !sa->natt_follow ||
            (in6_eq(&r->f.src, &sa->src) && r->f.sport == sa->natt_sport))
            continue;
        /* an inbound SA (the peer is its source), and the saved peer is not us */
        if (!ipsec_own_address(st, &sa->dst) || !r->f.sport || ipsec_own_address(st, &r->f.src) ||
            in6_is_v4mapped(&r->f.src) != sa->v4)
            continue;
        ipsec_natt_follow(st, sa, &r->f.src, r->f.sport, true);
        CTR_INC(st, ipsec, state_peer_restored);
        LOGI("%s: state: SA %s 0x%x: NAT-T peer restored to %s port %u", st->name, proto_name(sa->proto), sa->spi,
             addr_txt(&r->f.src, a, sizeof a), r->f.sport);
    }
}

static bool fp_is(struct six_stack *st, const struct in6_addr *dst, uint32_t spi, const uint8_t fp[32],
                  bool *natt)
{
    const struct ipsec_sa *sa = ipsec_sa_find(st, IPSEC_PROTO_ESP, dst, spi);
    if (natt && sa)
        *natt = sa->natt;
    return sa && !memcmp(sa->key_fp, fp, 32);
}

static void restore_gifs(struct six_stack *st, struct sa_persist *p)
{
    for (unsigned i = 0; i < p->n_gifs; i++) {
        const struct statefile_gif *g = &p->gifs[i];
        struct ifnet *ifp = if_find(st, g->name);
        struct gif_server_ends e;
        bool natt = false;
        if (!ifp || !gif_server_ends(ifp, &e) || e.esp_out != g->spi_out || e.esp_in != g->spi_in ||
            in6_eq(&e.remote, &g->remote))
            continue;
        if (!fp_is(st, &e.remote, e.esp_out, g->fp_out, &natt) || !fp_is(st, &e.local, e.esp_in, g->fp_in, NULL)) {
            LOGI("%s: state: %s: its SAs have other keys than when it was saved: remote end not restored", st->name,
                 g->name);
            continue;
        }
        if (natt)
            continue;   /* it follows its NAT-T SA, restored above */
        gif_restore_remote(ifp, &g->remote);
    }
}

void ipsec_persist_restore(struct six_stack *st)
{
    struct sa_persist *p = persist_of(st);
    if (!p)
        return;
    restore_natt_peers(st);
    restore_gifs(st, p);
    persist_write(st);
}

void ipsec_persist_close(struct six_stack *st, bool save)
{
    struct ipsec_state *is = st->ipsec;
    struct sa_persist *p = is ? is->persist : NULL;
    if (!p)
        return;
    if (save) {   /* no packet goes out any more: the exact numbers */
        for (struct ipsec_sa *sa = is->sa_head; sa; sa = sa->next)
            if (sa->persist && sa->tx.last <= sa->persist->f.seq_hwm)
                sa->persist->f.seq_hwm = sa->tx.last;
        persist_write(st);
    }
    timer_cancel(&p->tick);
    for (struct ipsec_sa *sa = is->sa_head; sa; sa = sa->next) {
        sa->persist = NULL;
        sa->seq_mark = UINT64_MAX;
    }
    for (struct ipsec_sa *sa = is->sa_grave; sa; sa = sa->next)
        sa->persist = NULL, sa->seq_mark = UINT64_MAX;
    free_recs(p->recs);
    close(p->lockfd);
    close(p->dirfd);
    free(p);
    is->persist = NULL;
}

int ipsec_persist_set_reserve(struct six_stack *st, uint64_t reserve)
{
    struct sa_persist *p = persist_of(st);
    if (reserve < 16 || reserve > (1ull << 32))
        return -EINVAL;
    if (!p)
        return -ENOENT;
    p->base_reserve = reserve;
    for (struct sa_persist_rec *r = p->recs; r; r = r->next)
        r->reserve = reserve;
    return 0;
}

void ipsec_sa_replay_reset(struct six_stack *st, struct ipsec_sa *sa)
{
    char d[INET6_ADDRSTRLEN];
    uint64_t was = sa->replay.top;
    replay_reset(&sa->replay);
    CTR_INC(st, ipsec, replay_reset);
    LOGI("%s: ipsec: SA %s 0x%x to %s: replay window reset by hand (its top was %llu)", st->name,
         proto_name(sa->proto), sa->spi, addr_txt(&sa->dst, d, sizeof d), (unsigned long long)was);
    if (sa->persist) {
        sa->persist->f.replay_top = 0;
        persist_write(st);
    }
}

bool ipsec_persist_info(const struct six_stack *st, struct ipsec_persist_info *out)
{
    const struct sa_persist *p = persist_of(st);
    if (!p)
        return false;
    memset(out, 0, sizeof *out);
    snprintf(out->path, sizeof out->path, "%s", p->path);
    out->records = p->n_recs;
    out->tunnels = p->n_gifs;
    out->reserve = p->base_reserve;
    out->writes = p->writes;
    out->failures = p->failures;
    out->last_error = p->last_error;
    return true;
}
