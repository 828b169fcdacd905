/* `sixctl dstm client ...`: the DTI client (src/dstm/dti.h).
 *   dstm client dev UPLINK [name NAME] [lw4o6] [opt-code N] [tep ADDR6] [dynamic-tep on|off]
 *                          [aiih ADDR6] [idle S|never] [gateway on|off] [on-demand on|off]
 *   dstm client off [release]
 *   dstm client up
 *   dstm client show                 (-j: JSON) */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include "ctl/cmd_dstm.h"
#include "dstm/dti.h"
#include "dhcp6/lease.h"
#include "net/stack.h"

static const char usage[] =
    "usage: dstm client dev UPLINK [name NAME] [lw4o6] [opt-code N] [tep ADDR6] [dynamic-tep on|off] "
    "[aiih ADDR6] [idle S|never] [gateway on|off] [on-demand on|off] | dstm client off [release] | "
    "dstm client up | dstm client show";

static bool onoff(const char *s, bool *out)
{
    if (!strcmp(s, "on")) *out = true;
    else if (!strcmp(s, "off")) *out = false;
    else return false;
    return true;
}

static int client_show(struct cmd_ctx *c)
{
    struct dti_info in;
    char v4[INET_ADDRSTRLEN], v6[INET6_ADDRSTRLEN], tep[INET6_ADDRSTRLEN];
    dti_info(c->st, &in);
    if (!in.running) {
        cmd_printf(c->out, c->json ? "{\"running\":false}\n" : "no DTI client\n");
        return 0;
    }
    bool bound = in.state == DTI_BOUND;
    inet_ntop(AF_INET, &in.b.v4, v4, sizeof v4);
    inet_ntop(AF_INET6, &in.b.v6, v6, sizeof v6);
    inet_ntop(AF_INET6, &in.b.tep, tep, sizeof tep);
    int64_t left = bound ? in.b.expires - lease_wall_now(c->st) : 0;
    uint32_t size = bound ? dstm_portset_size(&in.b.ps) : 0;
    uint16_t first = bound && size ? dstm_portset_port(&in.b.ps, 0) : 0;
    if (c->json) {
        cmd_printf(c->out, "{\"running\":true,\"dev\":");
        cmd_json_str(c->out, in.cfg.ifname);
        cmd_printf(c->out, ",\"uplink\":");
        cmd_json_str(c->out, in.cfg.uplink);
        cmd_printf(c->out, ",\"mode\":\"%s\",\"state\":\"%s\",\"pending\":%llu", in.cfg.lw4o6 ? "lw4o6" : "draft",
                   dti_state_name(in.state), (unsigned long long)in.pending);
        if (bound)
            cmd_printf(c->out, ",\"address\":\"%s\",\"b4\":\"%s\",\"tep\":\"%s\",\"psid\":%u,\"psid_len\":%u,"
                       "\"offset\":%u,\"ports\":%u,\"first_port\":%u,\"valid_left\":%lld",
                       v4, v6, tep, in.b.ps.psid, in.b.ps.psid_len, in.b.ps.offset, size, first, (long long)left);
        cmd_printf(c->out, "}\n");
        return 0;
    }
    cmd_printf(c->out, "%s on %s (%s): %s, %llu packets waiting\n", in.cfg.ifname, in.cfg.uplink,
               in.cfg.lw4o6 ? "lw4o6" : "draft-ietf-ngtrans-dstm", dti_state_name(in.state),
               (unsigned long long)in.pending);
    if (bound) {
        cmd_printf(c->out, "  address %s from %s, TEP %s, valid %llds\n", v4, v6, tep, (long long)left);
        if (in.b.ps.psid_len)
            cmd_printf(c->out, "  port set PSID %u/%u offset %u: %u ports from %u\n", in.b.ps.psid,
                       in.b.ps.psid_len, in.b.ps.offset, size, first);
    }
    return 0;
}

static int parse_start(struct cmd_ctx *c, int argc, char **argv)
{
    struct dti_config cfg = { .on_demand = true };
    unsigned long v;
    for (int i = 0; i < argc; i++) {
        const char *w = argv[i], *x = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(w, "dev") && x && strlen(x) < IFNAMSIZ) {
            snprintf(cfg.uplink, sizeof cfg.uplink, "%s", x);
        } else if (!strcmp(w, "name") && x && strlen(x) < IFNAMSIZ) {
            snprintf(cfg.ifname, sizeof cfg.ifname, "%s", x);
        } else if (!strcmp(w, "lw4o6")) {
            cfg.lw4o6 = true;
            continue;
        } else if (!strcmp(w, "opt-code") && x && cmd_parse_num(x, 1, 65535, &v)) {
            cfg.opt_code = (uint16_t)v;
        } else if (!strcmp(w, "tep") && x && inet_pton(AF_INET6, x, &cfg.tep) == 1) {
            cfg.has_tep = true;
        } else if (!strcmp(w, "aiih") && x && inet_pton(AF_INET6, x, &cfg.aiih) == 1) {
            cfg.has_aiih = true;
        } else if (!strcmp(w, "dynamic-tep") && x && onoff(x, &cfg.dynamic_tep)) {
        } else if (!strcmp(w, "gateway") && x && onoff(x, &cfg.gateway)) {
        } else if (!strcmp(w, "on-demand") && x && onoff(x, &cfg.on_demand)) {
        } else if (!strcmp(w, "idle") && x && !strcmp(x, "never")) {
            cfg.idle = UINT32_MAX;
        } else if (!strcmp(w, "idle") && x && cmd_parse_num(x, 1, 86400 * 365, &v)) {
            cfg.idle = (uint32_t)v;
        } else {
            return cmd_usage(c, "dstm client: unexpected '%s'; %s", w, usage);
        }
        i++;
    }
    if (!cfg.uplink[0])
        return cmd_usage(c, "dstm client: dev UPLINK is required; %s", usage);
    char why[256] = "";
    if (dti_configure(c->st, &cfg, why, sizeof why) < 0)
        return cmd_fail(c, "dstm client: %s", why);
    return 0;
}

int cmd_dstm_client(struct cmd_ctx *c, int argc, char **argv)
{
    if (argc == 1 || (argc == 2 && !strcmp(argv[1], "show")))
        return client_show(c);
    if (!strcmp(argv[1], "off")) {
        bool release = argc == 3 && !strcmp(argv[2], "release");
        if (argc > 3 || (argc == 3 && !release))
            return cmd_usage(c, usage);
        if (dti_disable(c->st, release) < 0)
            return cmd_fail(c, "dstm client: not running");
        return 0;
    }
    if (!strcmp(argv[1], "up")) {
        if (argc != 2)
            return cmd_usage(c, usage);
        int rc = dti_up(c->st);
        if (rc == -ENOENT)
            return cmd_fail(c, "dstm client: not running");
        if (rc < 0)
            return cmd_fail(c, "dstm client: the uplink's DHCPv6 client cannot ask");
        return 0;
    }
    return parse_start(c, argc - 1, argv + 1);
}
