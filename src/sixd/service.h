/* sixd as a system service (service.c): the systemd notify protocol and
 * the privilege drop of -u USER. */
#ifndef SIX_SIXD_SERVICE_H
#define SIX_SIXD_SERVICE_H

/* Send state ("READY=1", "RELOADING=1", "STOPPING=1", "STATUS=...", lines
 * joined by '\n') to the service manager's $NOTIFY_SOCKET (sd_notify(3)'s
 * protocol: one datagram; a name starting with '@' is in the abstract
 * namespace). 1 sent, 0 no $NOTIFY_SOCKET (not under systemd's Type=notify),
 * -1 failed (errno; logged at debug level only: the service manager is
 * never a reason to stop). A reload calls sixd_notify("RELOADING=1") before
 * and sixd_notify("READY=1") after it. */
int sixd_notify(const char *state);

/* Become USER (its uid, its primary group, no supplementary groups) after
 * the devices and sockets are open, keeping CAP_NET_ADMIN (TUN/TAP, later
 * `link add`) and CAP_NET_RAW (host links' raw sockets) in the effective,
 * permitted and bounding sets and nothing else. Files in chown_paths (NULL
 * entries skipped; the control socket, the pid file) are given to USER
 * first. 0, or -1 with a one-line reason on stderr / in the log. */
int sixd_drop_privileges(const char *user, const char *const *chown_paths, int n_paths);

/* "sixd VERSION" on stdout (sixd --version, -V). */
void sixd_print_version(void);

#endif
