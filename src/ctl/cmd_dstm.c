/* `sixctl dstm SUBVERB ...`: the table of sub-verbs (cmd_dstm.h). Each part
 * of the DSTM module adds its line here; its parser lives in its own file. */
#include <string.h>
#include "ctl/cmd_dstm.h"

static const struct {
    const char *name;
    int (*fn)(struct cmd_ctx *c, int argc, char **argv);
} subverbs[] = {
    /* one line per part: { "aiih", cmd_dstm_aiih }, { "client", cmd_dstm_client }, ... */
    { "aiih", cmd_dstm_aiih },
    { "bindings", cmd_dstm_bindings },
    { "br", cmd_dstm_br },
    { "dns", cmd_dstm_dns },
    { "update", cmd_dstm_update },
    { "client", cmd_dstm_client },
    { "napt", cmd_dstm_napt },
    { NULL, NULL },
};

int cmd_dstm(struct cmd_ctx *c, int argc, char **argv)
{
    if (argc < 2)
        return cmd_usage(c, "dstm: expected aiih, dns, update, client, br, bindings or napt");
    for (size_t i = 0; subverbs[i].name; i++)
        if (!strcmp(argv[1], subverbs[i].name))
            return subverbs[i].fn(c, argc - 1, argv + 1);
    return cmd_usage(c, "dstm: unknown sub-verb '%s' (aiih, dns, update, client, br, bindings, napt)", argv[1]);
}
