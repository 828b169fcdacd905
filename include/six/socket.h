/* libsix sockets: the BSD socket API on a sixstack stack (RFC 3493, RFC 3542).
 *
 * Calls mirror their POSIX namesakes with the stack as first argument and a
 * socket descriptor (an index of the stack's socket table, not a kernel fd).
 * They return -1 and set errno on failure. Everything is non-blocking: a call
 * that would wait fails with EAGAIN; six_poll() and readiness callbacks tell
 * when to try again. Addresses are struct sockaddr_in / sockaddr_in6; an
 * AF_INET6 socket reaches IPv4 peers as IPv4-mapped addresses unless
 * IPV6_V6ONLY is set. Ancillary data uses the standard CMSG macros with
 * IPPROTO_IPV6 / IPV6_PKTINFO, IPV6_HOPLIMIT, IPV6_TCLASS, IPV6_DONTFRAG. */
#ifndef SIX_SOCKET_H
#define SIX_SOCKET_H
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>

#ifdef __cplusplus
extern "C" {
#endif

struct six_stack;

/* RFC 3542 §11.1 option that glibc does not define; the value is sixstack's own. */
#ifndef IPV6_USE_MIN_MTU
#define IPV6_USE_MIN_MTU 0x6001
#endif

/* Per-socket IPsec policy, KAME style (docs/SOCKETS.md).  UDP, raw and TCP
 * sockets; IPV6_IPSEC_POLICY (IPPROTO_IPV6) on AF_INET6 sockets,
 * IP_IPSEC_POLICY (IPPROTO_IP) on either family: both set the same policy,
 * one per direction, which covers all the socket's packets.
 *
 * setsockopt value: one direction's policy in ipsec_set_policy(3) form,
 * e.g. "out ipsec esp/transport//require", "in ipsec esp/transport//require",
 * "out ipsec esp/tunnel/2001:db8::1-2001:db8::2/require", "in bypass",
 * "out none", "out discard", "in entrust" (length = strlen, or strlen + 1
 * with the NUL); or the sadb_x_policy that ipsec_set_policy() returns.
 * entrust (the default) = the system SPD decides; bypass / none = no IPsec
 * whatever the SPD says; discard = every send fails with EACCES, nothing is
 * received; ipsec = these requests instead of the SPD's (same SA choice,
 * ACQUIRE to the key manager when an SA is missing: EHOSTUNREACH).  Bad
 * policy: EINVAL, nothing changed.
 *
 * getsockopt: put "in" or "out" (or a sadb_x_policy naming the direction)
 * in the buffer; it comes back as the string form, NUL-terminated, *len
 * counting the NUL; ERANGE with *len = the size needed if it does not fit.
 *
 * Accepted TCP sockets inherit their listener's policy. */
#ifndef IPV6_IPSEC_POLICY
#define IPV6_IPSEC_POLICY 34
#endif
#ifndef IP_IPSEC_POLICY
#define IP_IPSEC_POLICY 16
#endif

int     six_socket(struct six_stack *st, int domain, int type, int protocol);
int     six_bind(struct six_stack *st, int sd, const struct sockaddr *sa, socklen_t len);
int     six_connect(struct six_stack *st, int sd, const struct sockaddr *sa, socklen_t len);   /* TCP: EINPROGRESS */
int     six_listen(struct six_stack *st, int sd, int backlog);
int     six_accept(struct six_stack *st, int sd, struct sockaddr *sa, socklen_t *len);
ssize_t six_sendto(struct six_stack *st, int sd, const void *buf, size_t len, int flags,
                   const struct sockaddr *to, socklen_t tolen);
ssize_t six_recvfrom(struct six_stack *st, int sd, void *buf, size_t len, int flags,
                     struct sockaddr *from, socklen_t *fromlen);
ssize_t six_send(struct six_stack *st, int sd, const void *buf, size_t len, int flags);
ssize_t six_recv(struct six_stack *st, int sd, void *buf, size_t len, int flags);
ssize_t six_sendmsg(struct six_stack *st, int sd, const struct msghdr *msg, int flags);
ssize_t six_recvmsg(struct six_stack *st, int sd, struct msghdr *msg, int flags);
int     six_setsockopt(struct six_stack *st, int sd, int level, int name, const void *val, socklen_t len);
int     six_getsockopt(struct six_stack *st, int sd, int level, int name, void *val, socklen_t *len);
int     six_getsockname(struct six_stack *st, int sd, struct sockaddr *sa, socklen_t *len);
int     six_getpeername(struct six_stack *st, int sd, struct sockaddr *sa, socklen_t *len);
int     six_shutdown(struct six_stack *st, int sd, int how);
int     six_close(struct six_stack *st, int sd);

/* Readiness: POLLIN, POLLOUT, POLLERR as in poll(2). */
struct six_pollfd { int sd; short events, revents; };
/* Fill revents without waiting; returns how many are ready. */
int     six_poll(struct six_stack *st, struct six_pollfd *fds, unsigned n);
/* Called from the stack's input path when sd becomes readable or gets an error. */
typedef void (*six_sock_cb)(void *arg, int sd, short revents);
int     six_sock_set_callback(struct six_stack *st, int sd, six_sock_cb cb, void *arg);

#ifdef __cplusplus
}
#endif
#endif
