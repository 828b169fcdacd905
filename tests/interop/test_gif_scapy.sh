#!/usr/bin/env bash
# sixd's configured tunnels (gif) against an independent peer: scapy, since
# the kernel here has neither sit nor ip6tnl. sixd on a TAP in a namespace
# with gif0 (6in4: local 192.0.2.2 remote 192.0.2.1) and gif1 (4in6: local
# 2001:db8:1::2 remote 2001:db8:1::1); scapy sends encapsulated echo
# requests and sniffs the encapsulated replies (gif_scapy.py). A 6in4 packet
# from a wrong outer source gets no answer and is counted. ND over the 6in4
# tunnel with IPv4 link-layer addresses: scapy's NS (unicast and to the
# solicited-node group) gets an NA whose TLLA is sixd's IPv4 address; an
# unauthenticated NA with Override naming another IPv4 address moves nothing,
# neither with no hometun role nor as a hometun server (no IPsec here).
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
# captured first (no grep -q on a pipe under pipefail), a few tries on a loaded machine
for _ in $(seq 20); do addrs=$(ctl s addr show dev gif0); [[ $addrs == *fe80::c000:202* ]] && break; sleep 0.2; done
if [[ $addrs == *fe80::c000:202* ]]; then ok "gif0's link-local is fe80::c000:202 (RFC 4213 §3.7)"
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

# An unsolicited NA with Override whose TLLA names another IPv4 address
# (192.0.2.77): a plain gif counts it and moves nothing; a hometun server
# refuses it, unprotected (draft-ietf-ngtrans-hometun §5: only an
# authenticated NA may move the tunnel).
counter() { ctl s stats "$1" | grep -o '[0-9]*$'; }
remote_stays() {
  local show
  show=$(ctl s link show gif0)
  if grep -q "link/gif local 192.0.2.2 remote 192.0.2.1\b" <<<"$show"; then ok "$1: gif0's remote end stays 192.0.2.1"
  else fail "$1: gif0's remote end stays 192.0.2.1" "$show"; fi
}
send_na() { nsrun "$N" "$PY" "$(dirname "$0")/gif_scapy.py" tap0 192.0.2.2 192.0.2.1 2001:db8:1::2 2001:db8:1::1 na 192.0.2.77 2>>"$W/scapy.err"; }
na0=$(counter gif.na_in) un0=$(counter gif.drop_na_unauth)
send_na
na1=$(counter gif.na_in) un1=$(counter gif.drop_na_unauth)
remote_stays "NA with Override, no hometun role"
if ((na1 == na0 + 1 && un1 == un0)); then ok "the NA reached gif0 and was only counted (gif.na_in $na0 -> $na1)"
else fail "the NA reached gif0 and was only counted" "gif.na_in $na0 -> $na1, gif.drop_na_unauth $un0 -> $un1"; fi
check "link set gif0 hometun server" ctl s link set gif0 hometun server
if [[ $(ctl s link show gif0) == *"hometun server"* ]]; then ok "link show gif0 names the hometun server role"
else fail "link show gif0 names the hometun server role" "$(ctl s link show gif0)"; fi
send_na
na2=$(counter gif.na_in) un2=$(counter gif.drop_na_unauth) mv=$(counter gif.na_moved)
remote_stays "unprotected NA with Override to a hometun server"
if ((na2 == na1 + 1 && un2 == un1 + 1 && mv == 0)); then ok "the hometun server refused the unprotected NA (gif.drop_na_unauth $un1 -> $un2)"
else fail "the hometun server refused the unprotected NA" "gif.na_in $na1 -> $na2, gif.drop_na_unauth $un1 -> $un2, gif.na_moved $mv"; fi
sixd_stop s
finish
