#!/usr/bin/env bash
# sixd's TCP against Linux's through 2 % loss with reordering, both ways:
# 1 GB from sixd's HTTP server to Linux curl arrives with the right sha256,
# and sixd's HTTP client fetches 100 MB from Linux python http.server
# likewise.
#
# This kernel has no sch_netem, so the path is built from what it has:
# sixd's TAP sits in a router namespace R that forwards to the hosts'
# namespace H.  In R, nftables drops 2 % of TCP each way (numgen random)
# and marks another 3 % with skb priority 1:20; an HTB qdisc on each of R's
# egress devices (toward H and toward sixd) sends class 1:20 through a slow
# 100 Mbit/s class, so those segments fall behind the ones sent after them:
# reordering by a few segments, in both directions.
. "$(dirname "$0")/lib.sh"
need_root
command -v nft >/dev/null || { fail "$T_NAME" "nft missing (scripts/deps: nftables)"; finish; }

R=$(ns_add lossr) || { fail "netns"; finish; }
H=$(ns_add lossh) || { fail "netns"; finish; }
veth "$R" r0 "$H" h0 || { fail "veth"; finish; }
mkdir -p "$W/www"
head -c 1000000000 /dev/urandom > "$W/www/big"
head -c 100000000 /dev/urandom > "$W/www/med"
want_big=$(sha256sum < "$W/www/big" | cut -d' ' -f1)
want_med=$(sha256sum < "$W/www/med" | cut -d' ' -f1)
cat > "$W/s.conf" <<CONF
link add tap0 type tap
link set tap0 up
addr add 2001:db8:1::2/64 dev tap0
addr add 192.0.2.2/24 dev tap0
route add default via 2001:db8:1::1
route add default via 192.0.2.1
serve http port 8080 root $W/www
CONF
sixd_start s "$R" "$W/s.conf" || { fail "sixd starts"; finish; }
nsrun "$R" ip link set tap0 up
nsrun "$R" ip addr add 2001:db8:1::1/64 dev tap0 nodad
nsrun "$R" ip addr add 192.0.2.1/24 dev tap0
nsrun "$R" ip addr add 2001:db8:2::1/64 dev r0 nodad
nsrun "$R" ip addr add 198.51.100.1/24 dev r0
nsrun "$R" sysctl -qw net.ipv6.conf.all.forwarding=1 net.ipv4.ip_forward=1
nsrun "$H" ip addr add 2001:db8:2::2/64 dev h0 nodad
nsrun "$H" ip addr add 198.51.100.2/24 dev h0
nsrun "$H" ip -6 route add default via 2001:db8:2::1
nsrun "$H" ip -4 route add default via 198.51.100.1
(cd "$W/www" && exec ip netns exec "$H" "$PY" -m http.server --bind :: 8081 >"$W/http.log" 2>&1) &
track_pid $!

for dev in r0 tap0; do
  nsrun "$R" tc qdisc add dev "$dev" root handle 1: htb default 10 &&
  nsrun "$R" tc class add dev "$dev" parent 1: classid 1:10 htb rate 10gbit quantum 60000 &&
  nsrun "$R" tc class add dev "$dev" parent 1: classid 1:20 htb rate 100mbit ceil 100mbit quantum 1514 ||
  { fail "HTB on $dev"; finish; }
done
nsrun "$R" nft -f - <<'NFT'
table inet impair {
  chain forward {
    type filter hook forward priority 0;
    meta l4proto tcp numgen random mod 100 < 2 counter drop
  }
  chain post {
    type filter hook postrouting priority 0;
    meta l4proto tcp numgen random mod 100 < 3 counter meta priority set 1:20
  }
}
NFT
if nsrun "$R" nft list table inet impair >/dev/null 2>&1; then ok "router: nftables drops 2% of TCP each way, HTB delays 3%"
else fail "router: nftables drops 2% of TCP each way, HTB delays 3%"; finish; fi
# wait until sixd reaches H through R (ND on both links)
for _ in $(seq 50); do nsrun "$H" ping -c1 -W1 2001:db8:1::2 >/dev/null 2>&1 && break; sleep 0.2; done

t0=$(date +%s)
got=$(nsrun "$H" curl -sS --max-time 1200 "http://[2001:db8:1::2]:8080/big" | sha256sum | cut -d' ' -f1)
t1=$(date +%s)
if [[ $got == "$want_big" ]]; then ok "1 GB from sixd's HTTP server to curl through 2% loss + reordering: right sha256 ($((t1 - t0)) s)"
else fail "1 GB from sixd's HTTP server to curl through 2% loss + reordering: right sha256" "got $got"; fi
ooo_linux=$(nsrun "$H" nstat -az TcpExtTCPOFOQueue | awk '/TcpExtTCPOFOQueue/ {print $2}')
t0=$(date +%s)
out=$(ctl s http get "http://[2001:db8:2::2]:8081/med" -o "$W/med.got" -w 900 2>&1)
t1=$(date +%s)
if [[ $(sha256sum < "$W/med.got" | cut -d' ' -f1) == "$want_med" ]]; then ok "100 MB from Linux http.server to sixd's client through 2% loss + reordering: right sha256 ($((t1 - t0)) s)"
else fail "100 MB from Linux http.server to sixd's client through 2% loss + reordering: right sha256" "$out"; fi

counts=$(nsrun "$R" nft list table inet impair | grep -o 'packets [0-9]*' | awk '{print $2}' | paste -sd' ')
read -r drops delayed <<<"$counts"
if ((drops > 1000)); then ok "the loss was real ($drops segments dropped)"; else fail "the loss was real" "$counts"; fi
if ((delayed > 1000)); then ok "segments were delayed ($delayed through the slow class)"; else fail "segments were delayed" "$counts"; fi
# reordering as the receivers saw it: Linux queued segments out of order,
# and so did sixd (counted per segment that arrived past a hole)
ooo_six=$(ctl s stats tcp.ooo_queued | grep -o '[0-9]*$')
if ((ooo_linux > 1000 && ooo_six > 1000)); then ok "reordering seen by both receivers (Linux $ooo_linux out-of-order segments, sixd $ooo_six)"
else fail "reordering seen by both receivers" "Linux $ooo_linux sixd $ooo_six"; fi
note "sixd: $(ctl s stats tcp.rexmt) segments retransmitted, $(ctl s stats tcp.fast_rexmt) fast recoveries, $(ctl s stats tcp.rexmt_timeout) timeouts"
finish
