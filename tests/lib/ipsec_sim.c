#include <stdlib.h>
#include <dirent.h>
#include <unistd.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include "ipsec_sim.h"
#include "ipsec/ipsec.h"
#include "ipsec/setkey.h"
#include "link/sim.h"
#include "ctl/scene.h"
#include "../lib/simstack.h"
#include "six/socket.h"

#define MS 1000000ull

struct sim_world *sim_two_hosts(uint64_t seed, struct six_stack **a, struct six_stack **b)
{
    struct sim_link_params lp = { .delay_ns = 1 * MS };
    struct sim_world *w = sim_world_create(seed);
    *a = sim_stack(w, "a", seed + 1, 4096);
    *b = sim_stack(w, "b", seed + 2, 4096);
    struct sim_link *l = sim_link_create(w, "l", &lp);
    sim_attach(l, *a, "eth0", NULL);
    sim_attach(l, *b, "eth0", NULL);
    const char *ca[] = { "link set eth0 up", "addr add 2001:db8:1::a/64 dev eth0", "addr add 192.0.2.1/24 dev eth0" };
    const char *cb[] = { "link set eth0 up", "addr add 2001:db8:1::b/64 dev eth0", "addr add 192.0.2.2/24 dev eth0" };
    for (int i = 0; i < 3; i++) {
        scene_cmd(*a, NULL, "%s", ca[i]);
        scene_cmd(*b, NULL, "%s", cb[i]);
    }
    sim_run_for(w, 3000 * MS);
    return w;
}

int sim_setkey(struct six_stack *st, const char *text)
{
    struct setkey_cmds cmds = { 0 };
    struct setkey_error e;
    char err[256];
    if (setkey_parse(text, strlen(text), &cmds, &e)) {
        setkey_error_format(&e, "test", err, sizeof err);
        fprintf(stderr, "  %s\n", err);
        return -1;
    }
    int rc = ipsec_setkey_apply(st, &cmds, "test", err, sizeof err, NULL, NULL);
    if (rc)
        fprintf(stderr, "  %s\n", err);
    setkey_cmds_free(&cmds);
    return rc;
}

struct sockaddr_storage sim_sockaddr(const char *a, uint16_t port, socklen_t *len)
{
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    if (strchr(a, ':')) {
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
        s6->sin6_family = AF_INET6;
        s6->sin6_port = htons(port);
        inet_pton(AF_INET6, a, &s6->sin6_addr);
        *len = sizeof *s6;
    } else {
        struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
        s4->sin_family = AF_INET;
        s4->sin_port = htons(port);
        inet_pton(AF_INET, a, &s4->sin_addr);
        *len = sizeof *s4;
    }
    return ss;
}

bool sim_udp_once(struct sim_world *w, struct six_stack *s, struct six_stack *d, const char *from, const char *to,
                  uint16_t port)
{
    int fam = strchr(to, ':') ? AF_INET6 : AF_INET;
    socklen_t len;
    struct sockaddr_storage any = sim_sockaddr(fam == AF_INET6 ? "::" : "0.0.0.0", port, &len);
    int rs = six_socket(d, fam, SOCK_DGRAM, 0), ws = six_socket(s, fam, SOCK_DGRAM, 0);
    bool ok = rs >= 0 && ws >= 0 && !six_bind(d, rs, (struct sockaddr *)&any, len);
    if (ok && from) {
        struct sockaddr_storage src = sim_sockaddr(from, 0, &len);
        ok = !six_bind(s, ws, (struct sockaddr *)&src, len);
    }
    if (ok) {
        static const char msg[] = "protected datagram";
        struct sockaddr_storage dst = sim_sockaddr(to, port, &len);
        six_sendto(s, ws, msg, sizeof msg, 0, (struct sockaddr *)&dst, len);
        sim_run_for(w, 50 * MS);
        char buf[64];
        ssize_t n = six_recv(d, rs, buf, sizeof buf, 0);
        ok = n == (ssize_t)sizeof msg && !memcmp(buf, msg, sizeof msg);
    }
    if (rs >= 0)
        six_close(d, rs);
    if (ws >= 0)
        six_close(s, ws);
    return ok;
}

bool sim_pump(struct sim_world *w, struct six_stack *cl, int c, struct six_stack *sv, int s, size_t total)
{
    return sim_pump_tick(w, cl, c, sv, s, total, NULL, NULL);
}

bool sim_pump_tick(struct sim_world *w, struct six_stack *cl, int c, struct six_stack *sv, int s, size_t total,
                   void (*tick)(void *ctx, size_t got), void *ctx)
{
    static uint8_t buf[16384];
    size_t sent = 0, got = 0;
    bool bad = false;
    for (int i = 0; i < 20000 && got < total; i++) {
        while (sent < total) {
            size_t k = total - sent < sizeof buf ? total - sent : sizeof buf;
            for (size_t j = 0; j < k; j++)
                buf[j] = (uint8_t)((sent + j) * 7);
            ssize_t n = six_send(cl, c, buf, k, 0);
            if (n <= 0)
                break;
            sent += (size_t)n;
        }
        ssize_t r;
        while ((r = six_recv(sv, s, buf, sizeof buf, 0)) > 0) {
            for (ssize_t j = 0; j < r; j++)
                bad |= buf[j] != (uint8_t)((got + (size_t)j) * 7);
            got += (size_t)r;
        }
        if (tick)
            tick(ctx, got);
        sim_run_for(w, 1 * MS);
    }
    return got == total && !bad;
}

bool sim_tcp_transfer(struct sim_world *w, struct six_stack *cl, struct six_stack *sv, const char *to, size_t total)
{
    int fam = strchr(to, ':') ? AF_INET6 : AF_INET;
    socklen_t len;
    struct sockaddr_storage any = sim_sockaddr(fam == AF_INET6 ? "::" : "0.0.0.0", 8000, &len);
    int ls = six_socket(sv, fam, SOCK_STREAM, 0);
    if (ls < 0 || six_bind(sv, ls, (struct sockaddr *)&any, len) || six_listen(sv, ls, 4))
        return false;
    struct sockaddr_storage dst = sim_sockaddr(to, 8000, &len);
    int c = six_socket(cl, fam, SOCK_STREAM, 0);
    six_connect(cl, c, (struct sockaddr *)&dst, len);
    int s = -1;
    for (int i = 0; i < 200 && s < 0; i++) {
        sim_run_for(w, 5 * MS);
        s = six_accept(sv, ls, NULL, NULL);
    }
    bool ok = s >= 0 && sim_pump(w, cl, c, sv, s, total);
    six_close(cl, c);
    if (s >= 0)
        six_close(sv, s);
    six_close(sv, ls);
    return ok;
}

char *sim_state_dir(const char *tag)
{
    char *d = malloc(64);
    if (!d)
        return NULL;
    snprintf(d, 64, "/tmp/six-state-%s-XXXXXX", tag);
    if (!mkdtemp(d)) {
        free(d);
        return NULL;
    }
    return d;
}

void sim_state_dir_remove(char *dir)
{
    if (!dir)
        return;
    DIR *dp = opendir(dir);
    struct dirent *e;
    while (dp && (e = readdir(dp))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        char path[512];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        unlink(path);
    }
    if (dp)
        closedir(dp);
    rmdir(dir);
    free(dir);
}
