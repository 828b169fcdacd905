#!/bin/sh
# The server's kernel side, after sixd -c server.conf created tun0: the
# clients' home prefixes are routed into sixd; the server's own upstream
# IPv6 (eth1 here) carries them to the Internet.
set -e
sysctl -qw net.ipv6.conf.all.forwarding=1
ip link set tun0 up
ip addr replace 2001:db8:ffff:ff::2/64 dev tun0 nodad
ip -6 route replace 2001:db8:1000::/48 via 2001:db8:ffff:ff::1 dev tun0
