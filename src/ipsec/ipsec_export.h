/* The SAD and SPD as setkey(8) command lines (ipsec_export.c). */
#ifndef SIX_IPSEC_IPSEC_EXPORT_H
#define SIX_IPSEC_IPSEC_EXPORT_H

struct six_stack;
/* One setkey command, ending in ';', no newline. */
typedef void (*ipsec_export_fn)(void *ctx, const char *line);
/* Every mature or dying SA ("add ..."), then every policy ("spdadd ..."). */
void ipsec_export_setkey(struct six_stack *st, ipsec_export_fn fn, void *ctx);

#endif
