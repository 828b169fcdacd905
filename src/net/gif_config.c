/* A gif's configuration as the words of the commands that make it again
 * (`sixctl config show`, src/ctl/cmd_config.c): what `link add NAME type gif`
 * and `link set NAME ...` took, read back from the running tunnel. The
 * running state is what is written: a hometun end that moved writes its new
 * address, a bound SA pair its SPIs. */
#include <stdio.h>
#include <arpa/inet.h>
#include "net/gif_var.h"
#include "net/gif_config.h"

static const char *outer_str(const struct gif_softc *sc, const struct in6_addr *a, char *b, size_t n)
{
    if (sc->v4) {
        struct in_addr v4 = gif_v4_of(a);
        return inet_ntop(AF_INET, &v4, b, (socklen_t)n);
    }
    return inet_ntop(AF_INET6, a, b, (socklen_t)n);
}

bool gif_config_add_words(const struct ifnet *ifp, char *buf, size_t n)
{
    if (!gif_is(ifp))
        return false;
    const struct gif_softc *sc = ifp->drv;
    char l[INET6_ADDRSTRLEN], r[INET6_ADDRSTRLEN];
    snprintf(buf, n, "local %s remote %s", outer_str(sc, &sc->local, l, sizeof l),
             outer_str(sc, &sc->remote, r, sizeof r));
    return true;
}

/* Only what differs from gif_create()'s defaults, so that the output reads
 * like a file a person wrote. */
bool gif_config_set_words(const struct ifnet *ifp, char *buf, size_t n)
{
    if (!gif_is(ifp))
        return false;
    const struct gif_softc *sc = ifp->drv;
    size_t k = 0;
    buf[0] = '\0';
#define ADD(...) do { if (k < n) { int w_ = snprintf(buf + k, n - k, __VA_ARGS__); if (w_ > 0) k += (size_t)w_; } } while (0)
    if (sc->mtu_conf != GIF_DEFAULT_MTU)
        ADD(" mtu %u", sc->mtu_conf);
    if (!sc->ingress_check)
        ADD(" ingress-check off");
    if (sc->hlim != GIF_DEFAULT_HLIM)
        ADD(" hlim %u", sc->hlim);
    if (sc->tclass != GIF_TCLASS_INHERIT)
        ADD(" tclass %d", sc->tclass);
    if (sc->v4 && sc->pmtud)
        ADD(" pmtud on");
    if (sc->esp_out)
        ADD(" esp 0x%x 0x%x", sc->esp_out, sc->esp_in);
#undef ADD
    return true;
}

int gif_config_role(const struct ifnet *ifp)
{
    return gif_is(ifp) ? (int)((const struct gif_softc *)ifp->drv)->role : -1;
}
