/* The configuration file as a list of lines, its first load and its reload
 * as a difference (cfgdiff.h). What each verb's inverse is: cfgundo.c. */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>
#include "ctl/cfgdiff_priv.h"
#include "core/log.h"
#include "ipsec/ipsec.h"
#include "ipsec/setkey.h"

struct cfg_file {
    struct cfg_line *v;
    size_t n;
};

struct cfg_state {
    char *path;                 /* as given: what messages say */
    char *abs;                  /* what is opened: path from basedir */
    char *basedir;
    struct cfg_file cur;        /* the lines as applied */
};

/* ------------------------------------------------------------ lines */

/* The setkey text and its parse hold keys: wiped before they are freed. */
static void line_free(struct cfg_line *l)
{
    free(l->text);
    free(l->buf);
    free(l->argv);
    free(l->file);
    if (l->sk_text)
        OPENSSL_cleanse(l->sk_text, l->sk_len);
    free(l->sk_text);
    if (l->sk) {
        if (l->sk->v)
            OPENSSL_cleanse(l->sk->v, l->sk->cap * sizeof *l->sk->v);
        setkey_cmds_free(l->sk);
        free(l->sk);
    }
    memset(l, 0, sizeof *l);
}

static void file_free(struct cfg_file *f)
{
    for (size_t i = 0; i < f->n; i++)
        line_free(&f->v[i]);
    free(f->v);
    f->v = NULL;
    f->n = 0;
}

static int errf(char *err, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int errf(char *err, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, n, fmt, ap);
    va_end(ap);
    return -1;
}

/* Words joined by one blank; a word with a blank or '#' in it is quoted. */
static char *join_words(int argc, char **argv)
{
    size_t n = 1;
    for (int i = 0; i < argc; i++)
        n += strlen(argv[i]) + 3;
    char *s = malloc(n), *p = s;
    if (!s)
        return NULL;
    for (int i = 0; i < argc; i++) {
        bool q = strpbrk(argv[i], " \t#") != NULL || !argv[i][0];
        p += sprintf(p, "%s%s%s%s", i ? " " : "", q ? "\"" : "", argv[i], q ? "\"" : "");
    }
    return s;
}

/* The words with single blanks, as `ipsec exec` joins its text (cmd_ipsec.c):
 * join_words would put the quotes of a quoted setkey text into it. */
static char *join_plain(int argc, char **argv)
{
    size_t n = 1;
    for (int i = 0; i < argc; i++)
        n += strlen(argv[i]) + 1;
    char *s = malloc(n), *p = s;
    if (!s)
        return NULL;
    *p = '\0';
    for (int i = 0; i < argc; i++)
        p += sprintf(p, "%s%s", i ? " " : "", argv[i]);
    return s;
}

static char *resolve_path(const struct cfg_state *s, const char *name)
{
    if (name[0] == '/' || !s->basedir)
        return strdup(name);
    size_t n = strlen(s->basedir) + strlen(name) + 2;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s/%s", s->basedir, name);
    return p;
}

static int read_text(const char *path, char **text, size_t *len, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return errf(err, errlen, "%s: %s", path, strerror(errno));
    char *buf = malloc(SETKEY_MAX_INPUT + 1);
    size_t n = buf ? fread(buf, 1, SETKEY_MAX_INPUT + 1, f) : 0;
    bool bad = ferror(f);
    fclose(f);
    if (!buf || bad || n > SETKEY_MAX_INPUT) {
        free(buf);
        return errf(err, errlen, "%s: %s", path, !buf ? "out of memory" : bad ? "read error" : "larger than 1 MiB");
    }
    buf[n] = '\0';
    *text = buf;
    *len = n;
    return 0;
}

/* ipsec load FILE / ipsec exec TEXT: read and parse the setkey text now, so
 * a bad one is refused before anything changes. */
static int check_ipsec(const struct cfg_state *s, struct cfg_line *l, char *err, size_t errlen)
{
    bool load = strcmp(l->argv[1], "load") == 0;
    if (load && l->argc != 3)
        return errf(err, errlen, "usage: ipsec load FILE");
    if (!load && l->argc < 3)
        return errf(err, errlen, "usage: ipsec exec SETKEY-TEXT");
    const char *name = "exec";
    if (load) {
        if (!(l->file = resolve_path(s, l->argv[2])))
            return errf(err, errlen, "out of memory");
        if (read_text(l->file, &l->sk_text, &l->sk_len, err, errlen) < 0)
            return -1;
        name = l->argv[2];
    } else {
        if (!(l->sk_text = join_plain(l->argc - 2, l->argv + 2)))
            return errf(err, errlen, "out of memory");
        l->sk_len = strlen(l->sk_text);
    }
    struct setkey_error e;
    l->sk = calloc(1, sizeof *l->sk);
    if (!l->sk)
        return errf(err, errlen, "out of memory");
    if (setkey_parse(l->sk_text, l->sk_len, l->sk, &e)) {
        char m[512];
        setkey_error_format(&e, name, m, sizeof m);
        return errf(err, errlen, "%s", m);
    }
    return 0;
}

/* One line: split, classified, and for ipsec lines the setkey text read
 * and parsed. 0 (argc 0 for a blank line) or -1 with the reason in err. */
static int line_parse(const struct cfg_state *s, const char *raw, unsigned lineno, struct cfg_line *l, char *err,
                      size_t errlen)
{
    memset(l, 0, sizeof *l);
    l->lineno = lineno;
    if (strlen(raw) >= CFG_MAX_LINE_LEN)
        return errf(err, errlen, "line longer than %u bytes", CFG_MAX_LINE_LEN - 1);
    const char *why = NULL;
    l->buf = strdup(raw);
    l->argv = calloc(CMD_MAX_ARGS + 1, sizeof *l->argv);
    if (!l->buf || !l->argv)
        return errf(err, errlen, "out of memory");
    l->argc = cmd_split(l->buf, l->argv, CMD_MAX_ARGS, &why);
    if (l->argc < 0)
        return errf(err, errlen, "%s", why ? why : "bad line");
    if (l->argc == 0)
        return 0;
    if (!(l->text = join_words(l->argc, l->argv)))
        return errf(err, errlen, "out of memory");
    l->cls = cfg_classify(l);
    if (!strcmp(l->argv[0], "reload"))
        return errf(err, errlen, "'reload' has no place in a configuration file");
    if ((l->cls == CFG_LINK_ADD || l->cls == CFG_SETTER) && !strcmp(l->argv[0], "link")) {
        if (l->argc < 4)
            return errf(err, errlen, "usage: link %s NAME ...", l->argv[1]);
        l->ifname = l->argv[2];
    }
    if ((!strcmp(l->argv[0], "addr") || !strcmp(l->argv[0], "address")) && l->cls == CFG_INVERSE &&
        (l->argc != 5 || strcmp(l->argv[3], "dev")))
        return errf(err, errlen, "usage: addr %s ADDR/LEN dev IF", l->argv[1]);
    if (!strcmp(l->argv[0], "route") && l->cls == CFG_INVERSE && l->argc < 3)
        return errf(err, errlen, "usage: route add default|PREFIX/LEN [via ADDR] [dev IF]");
    if (l->cls == CFG_IPSEC)
        return check_ipsec(s, l, err, errlen);
    return 0;
}

/* The whole file, checked; blank and comment lines are not kept. */
static int file_read(const struct cfg_state *s, struct cfg_file *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    FILE *f = fopen(s->abs, "r");
    if (!f)
        return errf(err, errlen, "%s: %s", s->path, strerror(errno));
    char *raw = NULL, m[600];
    size_t cap = 0;
    unsigned lineno = 0;
    int rc = 0;
    while (rc == 0 && getline(&raw, &cap, f) >= 0) {
        lineno++;
        struct cfg_line l;
        if (out->n >= CFG_MAX_LINES) {
            rc = errf(err, errlen, "%s:%u: more than %u command lines", s->path, lineno, CFG_MAX_LINES);
            break;
        }
        if (line_parse(s, raw, lineno, &l, m, sizeof m) < 0) {
            rc = errf(err, errlen, "%s:%u: %s", s->path, lineno, m);
            line_free(&l);
            break;
        }
        if (l.argc == 0) {
            line_free(&l);
            continue;
        }
        struct cfg_line *v = realloc(out->v, (out->n + 1) * sizeof *v);
        if (!v) {
            line_free(&l);
            rc = errf(err, errlen, "%s: out of memory", s->path);
            break;
        }
        out->v = v;
        out->v[out->n++] = l;
    }
    if (rc == 0 && ferror(f))
        rc = errf(err, errlen, "%s: read error", s->path);
    free(raw);
    fclose(f);
    if (rc)
        file_free(out);
    return rc;
}

/* ------------------------------------------------------------ running lines */

struct pending { bool done; int status; };

static void on_done(void *arg, int status)
{
    struct pending *p = arg;
    p->done = true;
    p->status = status;
}

/* Run one line. An ipsec load names its file as resolved when it was
 * checked. A pending command (ping) is waited for only at the first load. */
static int exec_line(const struct cfg_env *env, const struct cfg_line *l, bool first_load, char *err,
                     size_t errlen)
{
    char *argv[CMD_MAX_ARGS + 1];
    memcpy(argv, l->argv, sizeof argv);
    if (l->file)
        argv[2] = l->file;
    struct cmd_out out, e;
    cmd_out_init(&out);
    cmd_out_init(&e);
    struct pending p = { false, 1 };
    struct cmd_ctx ctx = { .st = env->st, .ev = env->ev, .out = &out, .err = &e,
                           .done = first_load && env->wait ? on_done : NULL, .done_arg = &p, .host = env->host };
    int status = six_cmd_exec(&ctx, l->argc, argv);
    if (status == CMD_PENDING) {
        if (ctx.done && env->wait(env->wait_arg, &p.done) == 0 && p.done) {
            status = p.status;
        } else {
            if (!p.done)
                six_cmd_cancel(&ctx);
            status = 1;
            cmd_out_reset(&e);
            cmd_printf(&e, "did not complete");
        }
    }
    if (first_load && env->out && out.len) {
        fwrite(out.buf, 1, out.len, env->out);
        fflush(env->out);
    }
    if (status) {
        while (e.len && (e.buf[e.len - 1] == '\n' || e.buf[e.len - 1] == '\r'))
            e.buf[--e.len] = '\0';
        snprintf(err, errlen, "%s", e.len ? e.buf : "command failed");
    }
    cmd_out_free(&out);
    cmd_out_free(&e);
    return status;
}

/* A setter's snapshot is taken just before it runs (cfgundo.c). */
static int apply_line(const struct cfg_env *env, struct cfg_line *l, bool first_load, char *err, size_t errlen)
{
    if (l->cls == CFG_SETTER)
        cfg_snapshot(env->st, l);
    return exec_line(env, l, first_load, err, errlen);
}

/* ------------------------------------------------------------ state */

struct cfg_state *cfg_state_new(const char *path, const char *basedir)
{
    struct cfg_state *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->path = strdup(path);
    s->basedir = basedir ? strdup(basedir) : NULL;
    s->abs = s->path ? resolve_path(s, path) : NULL;
    if (!s->path || !s->abs || (basedir && !s->basedir)) {
        cfg_state_free(s);
        return NULL;
    }
    return s;
}

void cfg_state_free(struct cfg_state *s)
{
    if (!s)
        return;
    file_free(&s->cur);
    free(s->path);
    free(s->abs);
    free(s->basedir);
    free(s);
}

const char *cfg_state_path(const struct cfg_state *s)
{
    return s->path;
}

int cfg_load(struct cfg_state *s, const struct cfg_env *env, char *err, size_t errlen)
{
    struct cfg_file nf;
    char m[600];
    file_free(&s->cur);
    if (file_read(s, &nf, err, errlen) < 0)
        return -1;
    for (size_t i = 0; i < nf.n; i++) {
        struct cfg_line *l = &nf.v[i];
        if (apply_line(env, l, true, m, sizeof m) != 0) {
            errf(err, errlen, "%s:%u: %s", s->path, l->lineno, m);
            file_free(&nf);
            return -1;
        }
        LOGD("%s:%u: ok", s->path, l->lineno);
    }
    s->cur = nf;
    return 0;
}

/* ------------------------------------------------------------ diff */

/* old_match[i] = index in nw of old line i, or -1; new_match likewise.
 * Common head and tail first, then a longest common subsequence of what is
 * between when it is small enough; otherwise the middle counts as changed
 * (correct, only less gentle). */
#define CFG_LCS_MAX_CELLS (1u << 22)

static int match_lines(const struct cfg_file *old, const struct cfg_file *nw, long *om, long *nm)
{
    size_t a = 0, n = old->n, m = nw->n;
    for (size_t i = 0; i < n; i++) om[i] = -1;
    for (size_t j = 0; j < m; j++) nm[j] = -1;
    while (a < n && a < m && !strcmp(old->v[a].text, nw->v[a].text)) {
        om[a] = (long)a, nm[a] = (long)a;
        a++;
    }
    while (n > a && m > a && !strcmp(old->v[n - 1].text, nw->v[m - 1].text)) {
        om[n - 1] = (long)(m - 1), nm[m - 1] = (long)(n - 1);
        n--, m--;
    }
    size_t rn = n - a, rm = m - a;
    if (!rn || !rm || rn * rm > CFG_LCS_MAX_CELLS)
        return 0;
    uint16_t *t = calloc((rn + 1) * (rm + 1), sizeof *t);   /* t[i][j]: LCS of the suffixes */
    if (!t)
        return -1;
#define T(i, j) t[(i) * (rm + 1) + (j)]
    for (size_t i = rn; i-- > 0;)
        for (size_t j = rm; j-- > 0;)
            T(i, j) = !strcmp(old->v[a + i].text, nw->v[a + j].text) ? (uint16_t)(T(i + 1, j + 1) + 1)
                      : T(i + 1, j) >= T(i, j + 1) ? T(i + 1, j) : T(i, j + 1);
    for (size_t i = 0, j = 0; i < rn && j < rm;) {
        if (!strcmp(old->v[a + i].text, nw->v[a + j].text)) {
            om[a + i] = (long)(a + j), nm[a + j] = (long)(a + i);
            i++, j++;
        } else if (T(i + 1, j) >= T(i, j + 1)) {
            i++;
        } else {
            j++;
        }
    }
#undef T
    free(t);
    return 0;
}

/* A kept line that names an interface a removed `link add` made must run
 * again once the interface is back: it counts as removed and added. */
static void unmatch_dependents(struct six_stack *st, const struct cfg_file *old, long *om, long *nm)
{
    for (bool changed = true; changed;) {
        changed = false;
        for (size_t i = 0; i < old->n; i++) {
            if (om[i] >= 0 || old->v[i].cls != CFG_LINK_ADD)
                continue;
            for (size_t k = 0; k < old->n; k++)
                if (om[k] >= 0 && cfg_on_if(st, &old->v[k], old->v[i].argv[2])) {
                    nm[om[k]] = -1;
                    om[k] = -1;
                    changed = true;
                }
        }
    }
}

/* ------------------------------------------------------------ reload */

struct reload {
    struct cfg_state *s;
    const struct cfg_env *env;
    struct cmd_out *report;
    struct cfg_file nf;
    long *om, *nm;
    char **undo_of;             /* per old line: its inverse commands, '\n'-separated ("" = none) */
    bool txn;
};

static void note(struct reload *r, int level, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void note(struct reload *r, int level, const char *fmt, ...)
{
    char m[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(m, sizeof m, fmt, ap);
    va_end(ap);
    six_log(level, "reload: %s", m);
    if (r->report)
        cmd_printf(r->report, "reload: %s\n", m);
}

static bool mentions_any_deleted(const struct reload *r, const struct cfg_line *l)
{
    const struct cfg_file *old = &r->s->cur;
    for (size_t i = 0; i < old->n; i++)
        if (r->om[i] < 0 && old->v[i].cls == CFG_LINK_ADD && &old->v[i] != l &&
            cfg_mentions_if(l, old->v[i].argv[2]))
            return true;
    return false;
}

/* An added setter line sets attr again: the removed one needs no undo for it. */
static bool superseded(const struct reload *r, const char *attr)
{
    for (size_t j = 0; j < r->nf.n; j++) {
        if (r->nm[j] >= 0 || r->nf.v[j].cls != CFG_SETTER)
            continue;
        struct cfg_snap s;
        cfg_setter_attrs(&r->nf.v[j], &s);
        for (unsigned k = 0; k < s.n_attr; k++)
            if (!strcmp(s.attr[k], attr))
                return true;
    }
    return false;
}

static void cat_cmd(char **acc, const char *cmd)
{
    size_t a = *acc ? strlen(*acc) : 0, b = strlen(cmd);
    char *s = realloc(*acc, a + b + 2);
    if (!s)
        return;
    if (a)
        s[a++] = '\n';
    memcpy(s + a, cmd, b + 1);
    *acc = s;
}

/* The inverse commands of removed old line l; -1 with the reason when there is none. */
static int plan_undo(struct reload *r, const struct cfg_line *l, char **out, char *err, size_t errlen)
{
    char buf[CFG_MAX_LINE_LEN];
    *out = NULL;
    if (l->cls == CFG_ONESHOT || l->cls == CFG_IPSEC)
        return 0;
    bool gone = mentions_any_deleted(r, l);    /* its interface goes: so does what it set there */
    if (l->cls == CFG_LINK_ADD || l->cls == CFG_INVERSE) {
        if (cfg_inverse(l, buf, sizeof buf))
            cat_cmd(out, buf);
        return 0;
    }
    if (gone)
        return 0;
    if (l->cls == CFG_FIXED)
        return errf(err, errlen, "no inverse is known for it");
    for (unsigned k = 0; k < l->snap.n_attr; k++) {
        if (superseded(r, l->snap.attr[k]))
            continue;
        if (!l->snap.undo[k][0])
            return errf(err, errlen, "'%s' cannot be taken back while running", l->snap.attr[k]);
        cat_cmd(out, l->snap.undo[k]);
    }
    return 0;
}

static void run_cmds(struct reload *r, const char *cmds, const char *why)
{
    char m[600];
    for (const char *p = cmds; p && *p;) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        char one[CFG_MAX_LINE_LEN];
        snprintf(one, sizeof one, "%.*s", (int)n, p);
        if (cfg_exec_text(r->env->st, r->env->ev, r->env->host, one, m, sizeof m))
            note(r, LOG_WARNING, "%s '%s': %s", why, one, m);   /* what it removes is gone already */
        p = nl ? nl + 1 : NULL;
    }
}

static int ipsec_diff(struct reload *r, const struct cfg_line *from, const struct cfg_line *to, char *err,
                      size_t errlen)
{
    struct setkey_diff_counts k;
    const struct cfg_line *l = to ? to : from;
    const char *name = l->file ? l->argv[2] : "exec";
    if (ipsec_setkey_diff_apply(r->env->st, from ? from->sk : NULL, to ? to->sk : NULL, name, err, errlen, &k))
        return -1;
    note(r, LOG_INFO, "%s:%u: %s: SAs +%u -%u (%u kept), policies +%u -%u (%u kept)", r->s->path, l->lineno,
         l->text, k.sa_added, k.sa_removed, k.sa_kept, k.sp_added, k.sp_removed, k.sp_kept);
    return 0;
}

static bool touches_ipsec(const struct reload *r)
{
    for (size_t i = 0; i < r->s->cur.n; i++)
        if (r->om[i] < 0 && !strcmp(r->s->cur.v[i].argv[0], "ipsec"))
            return true;
    for (size_t j = 0; j < r->nf.n; j++)
        if (!strcmp(r->nf.v[j].argv[0], "ipsec"))   /* added, or kept with its file changed */
            if (r->nm[j] < 0 || r->nf.v[j].cls == CFG_IPSEC)
                return true;
    return false;
}

static bool ipsec_changed(const struct cfg_line *a, const struct cfg_line *b)
{
    return a->cls == CFG_IPSEC && (a->sk_len != b->sk_len || CRYPTO_memcmp(a->sk_text, b->sk_text, a->sk_len));
}

/* Take back the added lines [0, upto) that ran, then run the removed lines
 * again: the configuration is the old one. The SAD/SPD come back by the
 * transaction's abort. */
static void rollback(struct reload *r, size_t upto, const bool *ran)
{
    char buf[CFG_MAX_LINE_LEN];
    for (size_t j = upto; j-- > 0;) {
        struct cfg_line *l = &r->nf.v[j];
        if (!ran[j] || l->cls == CFG_IPSEC)
            continue;
        if (l->cls == CFG_SETTER) {
            for (unsigned k = 0; k < l->snap.n_attr; k++)
                if (l->snap.undo[k][0])
                    run_cmds(r, l->snap.undo[k], "rollback");
        } else if (cfg_inverse(l, buf, sizeof buf)) {
            run_cmds(r, buf, "rollback");
        } else {
            note(r, LOG_WARNING, "rollback: %s:%u: '%s' cannot be taken back", r->s->path, l->lineno, l->text);
        }
    }
    char m[600];
    for (size_t i = 0; i < r->s->cur.n; i++) {
        struct cfg_line *l = &r->s->cur.v[i];
        if (r->om[i] >= 0 || l->cls == CFG_ONESHOT || l->cls == CFG_IPSEC)
            continue;
        if (exec_line(r->env, l, false, m, sizeof m))
            note(r, LOG_ERR, "rollback: %s:%u: '%s': %s", r->s->path, l->lineno, l->text, m);
    }
    if (r->txn)
        ipsec_txn_abort(r->env->st);
}

static int plan_all(struct reload *r, char *err, size_t errlen)
{
    char m[600];
    for (size_t i = r->s->cur.n; i-- > 0;) {
        const struct cfg_line *l = &r->s->cur.v[i];
        if (r->om[i] >= 0)
            continue;
        if (plan_undo(r, l, &r->undo_of[i], m, sizeof m) < 0)
            return errf(err, errlen, "%s: removing '%s' (line %u as applied): %s; restart sixd to apply this change",
                        r->s->path, l->text, l->lineno, m);
    }
    return 0;
}

static int undo_removed(struct reload *r, char *err, size_t errlen)
{
    for (size_t i = r->s->cur.n; i-- > 0;) {
        const struct cfg_line *l = &r->s->cur.v[i];
        if (r->om[i] >= 0 || l->cls == CFG_ONESHOT)
            continue;
        note(r, LOG_INFO, "- %s:%u: %s", r->s->path, l->lineno, l->text);
        if (l->cls == CFG_IPSEC && ipsec_diff(r, l, NULL, err, errlen) < 0)
            return -1;
        run_cmds(r, r->undo_of[i], "undo");
    }
    return 0;
}

static int apply_new(struct reload *r, bool *ran, size_t *failed_at, char *err, size_t errlen)
{
    char m[600];
    for (size_t j = 0; j < r->nf.n; j++) {
        struct cfg_line *l = &r->nf.v[j];
        *failed_at = j;
        if (r->nm[j] >= 0) {
            const struct cfg_line *o = &r->s->cur.v[r->nm[j]];
            if (ipsec_changed(o, l) && ipsec_diff(r, o, l, m, sizeof m) < 0)
                return errf(err, errlen, "%s:%u: %s", r->s->path, l->lineno, m);
            continue;
        }
        if (l->cls == CFG_ONESHOT) {
            note(r, LOG_INFO, "%s:%u: '%s' only shows or probes: not run at a reload", r->s->path, l->lineno,
                 l->text);
            continue;
        }
        note(r, LOG_INFO, "+ %s:%u: %s", r->s->path, l->lineno, l->text);
        if (apply_line(r->env, l, false, m, sizeof m) != 0)
            return errf(err, errlen, "%s:%u: %s", r->s->path, l->lineno, m);
        ran[j] = true;
    }
    *failed_at = r->nf.n;
    return 0;
}

/* Kept lines keep what they found when they ran (their snapshot). */
static void adopt(struct reload *r)
{
    for (size_t j = 0; j < r->nf.n; j++)
        if (r->nm[j] >= 0)
            r->nf.v[j].snap = r->s->cur.v[r->nm[j]].snap;
    file_free(&r->s->cur);
    r->s->cur = r->nf;
    memset(&r->nf, 0, sizeof r->nf);
}

static void count(const struct reload *r, struct cfg_reload_result *res)
{
    memset(res, 0, sizeof *res);
    for (size_t i = 0; i < r->s->cur.n; i++)
        if (r->om[i] < 0)
            res->removed++;
    for (size_t j = 0; j < r->nf.n; j++) {
        if (r->nm[j] < 0) {
            res->added++;
            res->skipped += r->nf.v[j].cls == CFG_ONESHOT;
        } else {
            res->kept++;
            res->changed_files += ipsec_changed(&r->s->cur.v[r->nm[j]], &r->nf.v[j]);
        }
    }
}

static int reload_run(struct reload *r, struct cfg_reload_result *res, char *err, size_t errlen)
{
    if (plan_all(r, err, errlen) < 0)
        return -1;
    count(r, res);
    if (!res->added && !res->removed && !res->changed_files) {
        note(r, LOG_INFO, "%s: no change (%u lines kept)", r->s->path, res->kept);
        return 0;
    }
    bool *ran = calloc(r->nf.n + 1, sizeof *ran);
    if (!ran)
        return errf(err, errlen, "out of memory");
    r->txn = touches_ipsec(r) && !ipsec_txn_active(r->env->st);
    if (r->txn)
        ipsec_txn_begin(r->env->st);
    size_t failed_at = 0;
    int rc = undo_removed(r, err, errlen);
    if (rc == 0)
        rc = apply_new(r, ran, &failed_at, err, errlen);
    if (rc < 0) {
        rollback(r, failed_at, ran);
        free(ran);
        return -1;
    }
    free(ran);
    if (r->txn)
        ipsec_txn_commit(r->env->st);
    note(r, LOG_INFO, "+%u -%u lines, %u kept, %u ipsec file%s changed", res->added, res->removed, res->kept,
         res->changed_files, res->changed_files == 1 ? "" : "s");
    adopt(r);
    return 0;
}

int cfg_reload(struct cfg_state *s, const struct cfg_env *env, struct cmd_out *report, char *err, size_t errlen,
               struct cfg_reload_result *res)
{
    struct cfg_reload_result dummy;
    struct reload r = { .s = s, .env = env, .report = report };
    if (!res)
        res = &dummy;
    memset(res, 0, sizeof *res);
    if (file_read(s, &r.nf, err, errlen) < 0) {
        six_log(LOG_ERR, "reload: %s (nothing changed)", err);
        return -1;
    }
    r.om = calloc(s->cur.n + 1, sizeof *r.om);
    r.nm = calloc(r.nf.n + 1, sizeof *r.nm);
    r.undo_of = calloc(s->cur.n + 1, sizeof *r.undo_of);
    size_t old_n = s->cur.n;
    int rc = -1;
    if (!r.om || !r.nm || !r.undo_of || match_lines(&s->cur, &r.nf, r.om, r.nm) < 0) {
        errf(err, errlen, "%s: out of memory", s->path);
    } else {
        unmatch_dependents(env->st, &s->cur, r.om, r.nm);
        rc = reload_run(&r, res, err, errlen);
    }
    if (rc < 0)
        six_log(LOG_ERR, "reload: %s (nothing changed)", err);
    for (size_t i = 0; r.undo_of && i < old_n; i++)
        free(r.undo_of[i]);
    free(r.undo_of);
    free(r.om);
    free(r.nm);
    file_free(&r.nf);
    return rc;
}
