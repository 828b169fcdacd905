/* The stack's counters in the Prometheus text exposition format 0.0.4
 * (https://prometheus.io/docs/instrumenting/exposition_formats/), for
 * `sixctl stats -o prometheus` and sixd's `metrics listen` endpoint
 * (src/sixd/metrics.c): one formatter, so both print the same.
 *
 * Names (docs/METRICS.md has the whole list):
 *   counter "proto.name"          → sixstack_<proto>_<name>_total
 *   wire rejection "p.drop.r"     → sixstack_wire_drop_total{proto="p",reason="r"}
 *   interface statistics          → sixstack_if_{rx,tx}_{packets,bytes,drops}_total{ifname="tap0"}
 *   per-SA statistics             → sixstack_ipsec_sa_{packets,bytes,drop}_total{spi=,src=,dst=,proto=,dir=}
 *   a few gauges: interfaces, SAs, policies, neighbors, routes, TCP connections, uptime.
 * Every character outside [a-zA-Z0-9_] of a name becomes '_'; label values
 * are escaped as the format asks (backslash, double quote, newline) and
 * bytes that are not UTF-8 become U+FFFD. */
#ifndef SIX_CTL_PROM_H
#define SIX_CTL_PROM_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "ctl/cmd.h"

struct six_stack;

#define PROM_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

struct prom_opts {
    double unix_now;       /* wall clock (s) at six_now(st); 0: read CLOCK_REALTIME */
};

/* Every metric of st. */
void prom_write(struct cmd_out *o, struct six_stack *st, const struct prom_opts *opt);

/* A metric name part: [a-zA-Z0-9_] kept, anything else '_'. Writes at most
 * n-1 characters and a NUL; returns the length written. */
size_t prom_sanitize(char *out, size_t n, const char *in);
/* A label value between its double quotes: \ → \\, " → \", newline → \n,
 * bytes of invalid UTF-8 → U+FFFD. */
void prom_label_value(struct cmd_out *o, const char *v);
/* HELP text: \ → \\, newline → \n. */
void prom_help_text(struct cmd_out *o, const char *s);

#endif
