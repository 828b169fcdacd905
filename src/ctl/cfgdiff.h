/* sixd's configuration file as a diffable list of command lines: the first
 * load runs every line; a reload (SIGHUP, `sixctl reload`) re-reads the file
 * and applies only the difference, all or nothing.
 *
 * A reload
 *  1. reads the whole new file and checks it (line syntax, and every file an
 *     `ipsec load` names is read and parsed): an error changes nothing and is
 *     reported as "FILE:LINE: reason";
 *  2. matches old and new lines (words compared, so blanks and comments do not
 *     count); a kept line is not run again, so nothing it made is disturbed;
 *  3. undoes removed lines in reverse order through their inverse (link add →
 *     link del, addr add → addr del, route add → route del, a setter → the
 *     value it found, ipsec load → its SAs and policies removed, ...); a
 *     removed line without a known inverse refuses the reload ("restart sixd");
 *     a kept line naming an interface that a removed `link add` made is run
 *     again after the interface comes back;
 *  4. for an `ipsec load FILE` line whose file changed, applies the SA/SP
 *     difference (src/ipsec/setkey_diff.c): unchanged SAs keep their state;
 *  5. runs added lines in order;
 *  6. on any failure takes every step back (SAD/SPD by an IPsec transaction)
 *     and reports "FILE:LINE: reason".
 * Lines that only show or probe (ping, show, stats, http get, ...) are run at
 * the first load and never at a reload. */
#ifndef SIX_CTL_CFGDIFF_H
#define SIX_CTL_CFGDIFF_H
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct six_stack;
struct evloop;
struct cmd_out;
struct cmd_host;
struct cfg_state;

#define CFG_MAX_LINES     4096u     /* lines of a configuration file */
#define CFG_MAX_LINE_LEN  8192u     /* bytes of one line */

struct cfg_env {
    struct six_stack *st;
    struct evloop *ev;              /* NULL in the simulator */
    /* First load only: run the event loop until *done turns true (a pending
     * command such as ping). 0, or -1 when the loop failed. NULL: a pending
     * command fails. */
    int (*wait)(void *arg, const bool *done);
    void *wait_arg;
    FILE *out;                      /* first load: what the commands print (NULL: dropped) */
    const struct cmd_host *host;    /* sixd's services (metrics listen), ctl/cmd.h; NULL elsewhere */
};

/* path: the file as given (messages say it); basedir: the directory a
 * relative path, and relative file names inside the file (ipsec load), are
 * taken from (NULL: the current directory, whatever it is then). */
struct cfg_state *cfg_state_new(const char *path, const char *basedir);
void cfg_state_free(struct cfg_state *s);
const char *cfg_state_path(const struct cfg_state *s);

/* First load: run every line in order. 0, or -1 with err = "FILE:LINE: reason"
 * (what ran stays: sixd exits). */
int cfg_load(struct cfg_state *s, const struct cfg_env *env, char *err, size_t errlen);

struct cfg_reload_result {
    unsigned added, removed, kept, changed_files, skipped;
};

/* Reload: see above. 0, or -1 with err = "FILE:LINE: reason" and nothing
 * changed. Every line applied or undone is logged at info and appended to
 * report (may be NULL), the summary last ("reload: +A -R lines ..."). */
int cfg_reload(struct cfg_state *s, const struct cfg_env *env, struct cmd_out *report, char *err, size_t errlen,
               struct cfg_reload_result *res);

#endif
