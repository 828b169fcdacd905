#!/usr/bin/env bash
# sixd on a TUN (raw IP, no link layer): the namespace's kernel at the other
# end pings sixd and sixd pings the kernel, IPv6 and IPv4, with a pcap of
# link type RAW that tshark reads cleanly.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pcap_check.sh"
need_root

N=$(ns_add t) || { fail "netns"; finish; }
cat > "$W/s.conf" <<CONF
link add tun0 type tun
capture tun0 $W/tun0.pcap
link set tun0 up
addr add 2001:db8:7::2/64 dev tun0
addr add 203.0.113.2/24 dev tun0
CONF
sixd_start s "$N" "$W/s.conf" || { fail "sixd starts"; finish; }
nsrun "$N" ip link set tun0 up
nsrun "$N" ip addr add 2001:db8:7::1/64 dev tun0 nodad
nsrun "$N" ip addr add 203.0.113.1/24 dev tun0
sleep 1
out=$(ctl s link show tun0)
if [[ $out == *"kind tun"* ]]; then ok "link show: tun0 is a TUN"; else fail "link show: tun0 is a TUN" "$out"; fi
check "Linux pings sixd over TUN (IPv6)" nsrun "$N" ping -6 -c 3 -i 0.2 -W 2 2001:db8:7::2
check "Linux pings sixd over TUN (IPv4)" nsrun "$N" ping -4 -c 3 -i 0.2 -W 2 203.0.113.2
check "sixd pings Linux over TUN (IPv6)" ctl s ping 2001:db8:7::1 -c 3 -i 200
check "sixd pings Linux over TUN (IPv4)" ctl s ping 203.0.113.1 -c 3 -i 200
check "3000-byte pings over TUN (IPv6)" nsrun "$N" ping -6 -c 2 -i 0.2 -W 2 -s 3000 2001:db8:7::2
ctl s capture tun0 stop
if msg=$(pcap_clean "$W/tun0.pcap"); then ok "tshark: tun0.pcap (raw IP) is clean"
else fail "tshark: tun0.pcap (raw IP) is clean" "$msg"; fi
finish
