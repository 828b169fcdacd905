/* Internals of the configuration diff (cfgdiff.c: files and the reload;
 * cfgundo.c: what each verb's inverse is). */
#ifndef SIX_CTL_CFGDIFF_PRIV_H
#define SIX_CTL_CFGDIFF_PRIV_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "ctl/cmd.h"
#include "ctl/cfgdiff.h"

struct setkey_cmds;

enum cfg_class {
    CFG_ONESHOT,     /* shows or probes: run at the first load only, never undone */
    CFG_LINK_ADD,    /* link add NAME ...: undone by link del NAME */
    CFG_SETTER,      /* link set / set / ra: undone to the values found before */
    CFG_IPSEC,       /* ipsec load FILE | ipsec exec TEXT: SA/SP-level diff */
    CFG_INVERSE,     /* undone by one fixed command (addr add → addr del, ...) */
    CFG_FIXED,       /* no inverse known: a removal needs a restart */
};

/* What a setter line found before it ran, so that it can be put back. */
#define CFG_ATTR_MAX 8
struct cfg_snap {
    unsigned n_attr;
    char attr[CFG_ATTR_MAX][40];        /* "mtu", "state", "forwarding6", "esp" ... */
    char undo[CFG_ATTR_MAX][96];        /* the command putting it back; "" = none known */
};

struct cfg_line {
    unsigned lineno;
    char *text;                 /* words joined by one blank: what lines are compared by */
    char *buf;                  /* the words (argv points into it) */
    int argc;
    char **argv;
    enum cfg_class cls;
    char *ifname;               /* the interface the line acts on (link add/set), or NULL */
    /* ipsec load / exec: the setkey text as parsed when the line was checked */
    char *file;                 /* ipsec load: absolute path */
    char *sk_text;
    size_t sk_len;
    struct setkey_cmds *sk;
    struct cfg_snap snap;       /* CFG_SETTER: taken just before the line ran */
};

/* cfgundo.c */
enum cfg_class cfg_classify(const struct cfg_line *l);
/* The attributes a setter line sets ("mtu", "state", ...), its interface's name
 * folded in ("link gif0 mtu"), into snap->attr (undo left empty). */
void cfg_setter_attrs(const struct cfg_line *l, struct cfg_snap *snap);
/* Before a setter runs: fill l->snap with the attributes and the commands that
 * would put the current values back. */
void cfg_snapshot(struct six_stack *st, struct cfg_line *l);
/* The inverse of a CFG_INVERSE / CFG_LINK_ADD line into buf; false if none. */
bool cfg_inverse(const struct cfg_line *l, char *buf, size_t n);
/* A line mentions interface name (as a word, "dev NAME", or ADDR%NAME). */
bool cfg_mentions_if(const struct cfg_line *l, const char *name);
/* The same, or a route the line made goes out of that interface now (a
 * `route add P via G` loses its route when G's interface goes). */
bool cfg_on_if(struct six_stack *st, const struct cfg_line *l, const char *name);

/* Run one command line (text, split here) on the stack: exit status, the
 * reason in err. */
int cfg_exec_text(struct six_stack *st, struct evloop *ev, const struct cmd_host *host, const char *text, char *err,
                  size_t errlen);

#endif
