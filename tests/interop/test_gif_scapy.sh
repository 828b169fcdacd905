#!/usr/bin/env bash
# sixd's configured tunnels (gif) against an independent peer: scapy, since
# the kernel here has neither sit nor ip6tnl. sixd on a TAP in a namespace
# with gif0 (6in4: local 192.0.2.2 remote 192.0.2.1) and gif1 (4in6: local
# 2001:db8:1::2 remote 2001:db8:1::1); scapy sends encapsulated echo
# requests and sniffs the encapsulated replies (gif_scapy.py). A 6in4 packet
# from a wrong outer source gets no answer and is counted.
. "$(dirname "$0")/lib.sh"
need_root

N=$(ns_add gif) || { fail "netns"; finish; }
cat > "$W/s.conf" <<CONF
link add tap0 type tap
link set tap0 up
addr add 192.0.2.2/24 dev tap0
addr add 2001:db8:1::2/64 dev tap0
link add gif0 type gif local 192.0.2.2 remote 192.0.2.1
link set gif0 up
addr add 2001:db8:ff::2/64 dev gif0
link add gif1 type gif local 2001:db8:1::2 remote 2001:db8:1::1
link set gif1 up
addr add 10.9.0.2/30 dev gif1
CONF
sixd_start s "$N" "$W/s.conf" || { fail "sixd starts with two gif interfaces"; finish; }
nsrun "$N" ip link set tap0 up
nsrun "$N" ip addr add 192.0.2.1/24 dev tap0
nsrun "$N" ip addr add 2001:db8:1::1/64 dev tap0 nodad
sleep 2

show=$(ctl s link show gif0)
if grep -q "link/gif local 192.0.2.2 remote 192.0.2.1" <<<"$show" && grep -q "mtu 1280" <<<"$show"; then
  ok "link show gif0: the tunnel's ends and MTU 1280"
else fail "link show gif0: the tunnel's ends and MTU 1280" "$show"; fi
if ctl s addr show dev gif0 | grep -q "fe80::c000:202"; then ok "gif0's link-local is fe80::c000:202 (RFC 4213 §3.7)"
else fail "gif0's link-local is fe80::c000:202" "$(ctl s addr show dev gif0)"; fi

nsrun "$N" "$PY" "$(dirname "$0")/gif_scapy.py" tap0 192.0.2.2 192.0.2.1 2001:db8:1::2 2001:db8:1::1 2>"$W/scapy.err"
rc=$?
((rc == 0)) || { T_FAILED=$((T_FAILED + rc)); note "$(tail -8 "$W/scapy.err")"; note "$(ctl s stats | grep -E '^gif')"; }

unk=$(ctl s stats gif.drop_unknown_src | grep -o '[0-9]*$')
in=$(ctl s stats gif.in_packets | grep -o '[0-9]*$')
if ((unk >= 1)); then ok "the wrong outer source was counted (gif.drop_unknown_src $unk)"
else fail "the wrong outer source was counted" "gif.drop_unknown_src=$unk"; fi
if ((in >= 2)); then ok "sixd decapsulated the 6in4 and 4in6 requests (gif.in_packets $in)"
else fail "sixd decapsulated the requests" "gif.in_packets=$in"; fi
sixd_stop s
finish
