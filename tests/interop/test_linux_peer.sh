#!/usr/bin/env bash
# sixd on a TAP with the namespace's own Linux kernel as the peer at the other
# end: pings both ways (IPv6 link-local and global, IPv4), 3000-byte pings
# (fragmented both ways), ndisc6 / rdisc6 answers from sixd in router mode,
# the Linux kernel SLAACs from sixd's RAs, sixd SLAACs from radvd, and every
# pcap sixd wrote is clean for tshark.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pcap_check.sh"
need_root

N=$(ns_add h) || { fail "netns"; finish; }
cat > "$W/s.conf" <<CONF
link add tap0 type tap
capture tap0 $W/tap0.pcap
link set tap0 up
addr add 2001:db8:1::2/64 dev tap0
addr add 192.0.2.2/24 dev tap0
CONF
sixd_start s "$N" "$W/s.conf" || { fail "sixd starts"; finish; }
nsrun "$N" sysctl -qw net.ipv6.conf.tap0.accept_dad=0
nsrun "$N" ip link set tap0 up
nsrun "$N" ip addr add 2001:db8:1::1/64 dev tap0 nodad
nsrun "$N" ip addr add 192.0.2.1/24 dev tap0
sleep 2   # sixd's DAD (1 s) and the kernel's link-local

six_ll=$(ctl s -j addr show dev tap0 | "$PY" -c '
import json,sys
print([a["local"] for a in json.load(sys.stdin) if a["local"].startswith("fe80")][0])')
k_ll=$(nsrun "$N" ip -6 -o addr show dev tap0 scope link | awk '{print $4}' | cut -d/ -f1)
note "sixd link-local $six_ll, kernel link-local $k_ll"

check "Linux pings sixd (IPv6 global)" nsrun "$N" ping -6 -c 3 -i 0.2 -W 2 2001:db8:1::2
check "Linux pings sixd (IPv6 link-local)" nsrun "$N" ping -6 -c 3 -i 0.2 -W 2 "$six_ll%tap0"
check "Linux pings sixd (IPv4)" nsrun "$N" ping -4 -c 3 -i 0.2 -W 2 192.0.2.2
check "sixd pings Linux (IPv6 global)" ctl s ping 2001:db8:1::1 -c 3 -i 200
check "sixd pings Linux (IPv6 link-local)" ctl s ping "$k_ll%tap0" -c 3 -i 200
check "sixd pings Linux (IPv4)" ctl s ping 192.0.2.1 -c 3 -i 200
check "Linux 3000-byte ping to sixd gets whole replies (IPv6)" nsrun "$N" ping -6 -c 3 -i 0.2 -W 2 -s 3000 2001:db8:1::2
check "Linux 3000-byte ping to sixd gets whole replies (IPv4)" nsrun "$N" ping -4 -c 3 -i 0.2 -W 2 -s 3000 192.0.2.2
check "sixd 3000-byte ping to Linux (IPv6)" ctl s ping 2001:db8:1::1 -c 2 -s 3000 -i 200
check "sixd 3000-byte ping to Linux (IPv4)" ctl s ping 192.0.2.1 -c 2 -s 3000 -i 200
out=$(ctl s neigh show)
if grep -q "2001:db8:1::1 dev tap0 lladdr" <<<"$out" && grep -q "192.0.2.1 dev tap0 lladdr" <<<"$out"; then
  ok "sixd's neighbor cache holds the kernel (ND and ARP)"
else fail "sixd's neighbor cache holds the kernel (ND and ARP)" "$out"; fi

# --- router mode: ndisc6 / rdisc6 and the kernel's SLAAC
ctl s set forwarding on
ctl s addr add 2001:db8:9::1/64 dev tap0
ctl s ra dev tap0 prefix 2001:db8:9::/64 rdnss 2001:db8:9::53 mtu 1400 interval 3 10
six_mac=$(ctl s -j link show tap0 | "$PY" -c 'import json,sys; print(json.load(sys.stdin)[0]["address"])')
out=$(nsrun "$N" ndisc6 -1 -r 3 -w 1000 2001:db8:1::2 tap0 2>&1)
if grep -qi "$six_mac" <<<"$out"; then ok "ndisc6 resolves sixd's address to its MAC"
else fail "ndisc6 resolves sixd's address to its MAC" "$out (want $six_mac)"; fi
out=$(nsrun "$N" rdisc6 -1 -r 3 -w 2000 tap0 2>&1)
if grep -q "Prefix *: 2001:db8:9::/64" <<<"$out" && grep -qi "Recursive DNS server *: 2001:db8:9::53" <<<"$out" &&
   grep -q "MTU *: *1400" <<<"$out" && grep -qi "from $six_ll" <<<"$out"; then
  ok "rdisc6 gets sixd's RA (prefix, RDNSS, MTU)"
else fail "rdisc6 gets sixd's RA (prefix, RDNSS, MTU)" "$out"; fi
got=""
for _ in $(seq 1 50); do
  got=$(nsrun "$N" ip -6 -o addr show dev tap0 | grep -v tentative | grep -o '2001:db8:9:[0-9a-f:]*' | head -1)
  [[ -n $got ]] && break
  sleep 0.2
done
if [[ -n $got ]]; then ok "the Linux kernel SLAACs from sixd's RA ($got)"
else fail "the Linux kernel SLAACs from sixd's RA" "$(nsrun "$N" ip -6 addr show dev tap0)"; fi
if [[ -n $got ]] && nsrun "$N" ping -6 -c 2 -i 0.2 -W 2 -I "$got" 2001:db8:9::1 >/dev/null 2>&1; then
  ok "ping from the kernel's SLAAC address"
else fail "ping from the kernel's SLAAC address"; fi
if nsrun "$N" ip -6 route show default | grep -q "via $six_ll"; then ok "the kernel takes sixd as default router"
else fail "the kernel takes sixd as default router" "$(nsrun "$N" ip -6 route)"; fi

# --- sixd as a host SLAACs from radvd
M=$(ns_add m) || { fail "netns m"; finish; }
cat > "$W/h.conf" <<CONF
link add tap0 type tap
capture tap0 $W/h-tap0.pcap
link set tap0 up
CONF
sixd_start h "$M" "$W/h.conf" || { fail "second sixd starts"; finish; }
nsrun "$M" sysctl -qw net.ipv6.conf.all.forwarding=1
nsrun "$M" ip link set tap0 up
nsrun "$M" ip addr add 2001:db8:5::1/64 dev tap0 nodad
cat > "$W/radvd.conf" <<CONF
interface tap0 { AdvSendAdvert on; MinRtrAdvInterval 3; MaxRtrAdvInterval 10;
  prefix 2001:db8:5::/64 { AdvOnLink on; AdvAutonomous on; };
  RDNSS 2001:db8:5::53 { }; };
CONF
nsrun "$M" radvd -C "$W/radvd.conf" -p "$W/radvd.pid" -m logfile -l "$W/radvd.log"
for _ in $(seq 1 20); do [[ -s $W/radvd.pid ]] && break; sleep 0.1; done
[[ -s $W/radvd.pid ]] && track_pid "$(cat "$W/radvd.pid")"
got=""
for _ in $(seq 1 60); do
  got=$(ctl h addr show dev tap0 | grep -o '2001:db8:5:[0-9a-f:]*' | head -1)
  [[ -n $got ]] && ! ctl h addr show dev tap0 | grep -q "$got.*tentative" && break
  sleep 0.2
done
if [[ -n $got ]]; then ok "sixd SLAACs from radvd ($got)"
else fail "sixd SLAACs from radvd" "$(ctl h addr show; cat "$W/radvd.log")"; fi
if [[ -n $got ]] && nsrun "$M" ping -6 -c 2 -i 0.2 -W 2 "$got" >/dev/null 2>&1; then
  ok "Linux pings sixd's SLAAC address"
else fail "Linux pings sixd's SLAAC address"; fi
if ctl h route show | grep -q "default via fe80"; then ok "sixd takes radvd's router as default"
else fail "sixd takes radvd's router as default" "$(ctl h route show)"; fi

# --- every pcap is clean for tshark
ctl s capture tap0 stop; ctl h capture tap0 stop
for f in "$W/tap0.pcap" "$W/h-tap0.pcap"; do
  if msg=$(pcap_clean "$f"); then ok "tshark: $(basename "$f") has no malformed packet or bad checksum"
  else fail "tshark: $(basename "$f") has no malformed packet or bad checksum" "$msg"; fi
done
finish
