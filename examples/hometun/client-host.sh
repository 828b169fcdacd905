#!/bin/sh
# The home box's kernel side, after sixd -c client.conf created tun0:
# every IPv6 packet not for the home LAN goes to sixd, the home prefix is
# routed on to the LAN (eth1 here), where hosts get 2001:db8:1000:1::/64
# (radvd, or static addresses).
set -e
sysctl -qw net.ipv6.conf.all.forwarding=1
# an ISP lease that renews into a new address in the same prefix must not take the new one with the old
sysctl -qw net.ipv4.conf.all.promote_secondaries=1
ip link set tun0 up
ip addr replace 2001:db8:1000:ff::2/64 dev tun0 nodad
ip -6 route replace default via 2001:db8:1000:ff::1 dev tun0
ip addr replace 2001:db8:1000:1::1/64 dev eth1
