/* The command language shared by sixd's config file, sixctl, the demo and tests:
 * ip(8)-like verbs ("link add tap0 type tap", "addr add ...", "route add ...").
 * One entry point executes one command line on one stack. */
#ifndef SIX_CTL_CMD_H
#define SIX_CTL_CMD_H
#include <stddef.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdint.h>

struct six_stack;
struct evloop;
struct six_pipe;

/* Growable output buffer (control plane: malloc is fine here). */
struct cmd_out { char *buf; size_t len, cap; };
void cmd_out_init(struct cmd_out *o);
void cmd_out_free(struct cmd_out *o);
void cmd_out_reset(struct cmd_out *o);
void cmd_printf(struct cmd_out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void cmd_vprintf(struct cmd_out *o, const char *fmt, va_list ap);
/* JSON string literal with escaping */
void cmd_json_str(struct cmd_out *o, const char *s);

#define CMD_PENDING (-1)   /* the command completes later (ping): done() is called then */
#define CMD_MAX_ARGS 64

/* Completion of a pending command: status is the exit status (0 ok), out holds
 * what it printed (stdout), err what goes to stderr. */
typedef void (*cmd_done_fn)(void *arg, int status);

/* What the program running the commands offers besides the stack: sixd
 * fills it in (src/sixd/metrics.c); NULL in the simulator, the demo and
 * the tests, where verbs that need it say so. */
struct sockaddr;
struct cmd_host {
    void *arg;
    /* metrics listen: sa NULL for off. 0, or -1 with why (one line) set. */
    int (*metrics_listen)(void *arg, const struct sockaddr *sa, unsigned salen, char *why, size_t whylen);
    /* The address the endpoint listens on ("ADDR:PORT", "[ADDR]:PORT"), "" when off. */
    void (*metrics_addr)(void *arg, char *buf, size_t n);
    /* sixd's state directory (sixd -S), NULL when it keeps none: where
     * the DHCPv6 server keeps its leases when no store is named. */
    const char *(*state_dir)(void *arg);
};

struct cmd_ctx {
    struct six_stack *st;
    struct evloop *ev;      /* NULL in the simulator */
    bool json;              /* -j */
    struct cmd_out *out;    /* stdout text */
    struct cmd_out *err;    /* error text (one line, no trailing newline needed) */
    cmd_done_fn done;       /* for CMD_PENDING */
    void *done_arg;
    /* Set by a command that returns CMD_PENDING; the ctx (and out/err) must
     * stay valid until done() is called or six_cmd_cancel() is. */
    int pending;
    char pending_what[96];
    /* The client's standard input and output (sixctl nc), when the caller
     * can stream (sixd, for a request with CTL_F_STREAM); NULL elsewhere. A
     * command that uses it calls open() once and keeps it until done(). */
    struct six_pipe *stream;
    const struct cmd_host *host;   /* NULL unless sixd runs the command */
};

/* Abandon a pending command (its client went away): done() is not called. */
void six_cmd_cancel(struct cmd_ctx *ctx);

/* Helpers shared by the verb files: set ctx->err and return the status
 * (2 usage / parse error, 1 runtime failure). */
int cmd_usage(struct cmd_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int cmd_fail(struct cmd_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Strict decimal: digits only, the whole string, within [min, max]. */
bool cmd_parse_ulong(const char *s, unsigned long min, unsigned long max, unsigned long *out);
/* The same, or hex after 0x ("0400" is four hundred: no octal, no sign, no blanks). */
bool cmd_parse_num(const char *s, unsigned long min, unsigned long max, unsigned long *out);

/* Execute argv. Returns the exit status (0 ok, 1 runtime failure, 2 usage /
 * parse error) or CMD_PENDING. On error, ctx->err holds a one-line reason and
 * the stack's state is unchanged. */
int six_cmd_exec(struct cmd_ctx *ctx, int argc, char **argv);

/* The verb table (src/ctl/cmd.c): what six_cmd_exec dispatches, help
 * prints and the bash completion lists. */
struct cmd_verb {
    const char *name;
    int (*fn)(struct cmd_ctx *c, int argc, char **argv);   /* NULL: a verb of sixd alone */
    const char *words;     /* its sub-verbs, for completion ("add del show"); NULL: an alias */
    const char *usage;     /* its forms, one a line; NULL: an alias, not listed */
    const char *summary;   /* one line */
};
const struct cmd_verb *cmd_verbs(size_t *n);
const struct cmd_verb *cmd_verb_find(const char *name);
/* help text: every verb (verb NULL) or one verb's usage; -1: no such verb. */
int cmd_help_write(struct cmd_out *o, const char *verb);

/* Split a config/command line into argv in place: whitespace separated,
 * "double quotes" group, # starts a comment. Returns argc, 0 for a blank
 * line, -1 (with *why set) on a syntax error such as an unterminated quote. */
int cmd_split(char *line, char **argv, int max, const char **why);

#endif
