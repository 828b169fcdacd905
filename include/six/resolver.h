/* libsix resolver: RFC 3493 getaddrinfo / getnameinfo over the stack's stub
 * DNS resolver (src/transport/resolver.c), asynchronous with a callback.
 *
 * Names are looked up as A and AAAA over UDP through the stack's sockets
 * (random source port and ID per query, TCP when an answer is truncated),
 * at the servers configured with `dns server add` or, when there are none,
 * the RDNSS servers learned from router advertisements (RFC 8106).  Results
 * come in RFC 6724 destination order, each address judged with the source
 * address the stack would use for it (the policy table of `sixctl addrsel`).
 *
 * The standard struct addrinfo, AI_* / NI_* flags and EAI_* codes of
 * <netdb.h> are used (EAI_NODATA / EAI_ADDRFAMILY need _GNU_SOURCE, which
 * is how libsix is built).
 *
 * Callbacks never run inside the stack's input path: they run from a timer
 * of the stack, or before the call returns when the answer is immediate.
 * A callback may start new lookups or cancel others. */
#ifndef SIX_RESOLVER_H
#define SIX_RESOLVER_H
#include <sys/types.h>
#include <sys/socket.h>
#include <netdb.h>

#ifdef __cplusplus
extern "C" {
#endif

struct six_stack;

/* res (a list to free with six_freeaddrinfo, NULL on error) belongs to the callee. */
typedef void (*six_gai_cb)(void *arg, int eai_error, struct addrinfo *res);

/* Look node / service up as getaddrinfo(3) does, with hints NULL meaning
 * AF_UNSPEC, any socket type, no flags.  Supported hints: ai_family
 * AF_UNSPEC / AF_INET / AF_INET6, ai_socktype 0 / SOCK_STREAM / SOCK_DGRAM,
 * ai_flags AI_PASSIVE, AI_NUMERICHOST, AI_NUMERICSERV, AI_CANONNAME,
 * AI_ADDRCONFIG, AI_V4MAPPED, AI_ALL.  service is a decimal port or one of
 * a few well-known names (domain, http, https, echo, socks).  Literal
 * addresses (with %IF for a scoped IPv6 one), a NULL node and "localhost"
 * answer without DNS, as do cached names.
 *
 * Returns:
 *   > 0  the lookup is under way; cb is called exactly once later, unless
 *        six_getaddrinfo_cancel() is called with this handle first;
 *   0    done: cb has already been called;
 *   < 0  an EAI_* code for bad arguments (both node and service NULL:
 *        EAI_NONAME, bad flags / family / socket type); cb is not called.
 * Errors given to cb: EAI_NONAME (NXDOMAIN, or not numeric under
 * AI_NUMERICHOST), EAI_NODATA (the name has no address of the family
 * asked), EAI_AGAIN (no answer: timeouts, server failures), EAI_FAIL (no
 * DNS server known), EAI_MEMORY, EAI_SERVICE, EAI_ADDRFAMILY. */
int  six_getaddrinfo(struct six_stack *st, const char *node, const char *service,
                     const struct addrinfo *hints, six_gai_cb cb, void *arg);
/* Abandon a lookup under way: its callback is not called. Unknown handles are ignored. */
void six_getaddrinfo_cancel(struct six_stack *st, int handle);
void six_freeaddrinfo(struct addrinfo *res);

/* getnameinfo(3).  Synchronous form: NI_NUMERICHOST is required unless the
 * name is in the cache (else EAI_AGAIN); the service is always numeric.
 * Flags: NI_NUMERICHOST, NI_NUMERICSERV, NI_NAMEREQD, NI_DGRAM (ignored). */
int  six_getnameinfo(struct six_stack *st, const struct sockaddr *sa, socklen_t salen,
                     char *host, socklen_t hostlen, char *serv, socklen_t servlen, int flags);

/* Asynchronous form: a PTR lookup in ip6.arpa / in-addr.arpa when the host
 * name is wanted.  Without NI_NAMEREQD a failed lookup gives the numeric
 * form.  host / serv are valid during the callback only.  Same return
 * convention as six_getaddrinfo (cancel with six_getaddrinfo_cancel). */
typedef void (*six_gni_cb)(void *arg, int eai_error, const char *host, const char *serv);
int  six_getnameinfo_async(struct six_stack *st, const struct sockaddr *sa, socklen_t salen,
                           int flags, six_gni_cb cb, void *arg);

#ifdef __cplusplus
}
#endif
#endif
