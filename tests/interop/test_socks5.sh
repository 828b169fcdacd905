#!/usr/bin/env bash
# Unmodified host programs through the stack: curl --socks5-hostname to
# sixd's SOCKS5 server (a host socket), which connects with the stack's own
# TCP over a TAP to a Linux `python3 -m http.server`; IPv6 and IPv4, byte-exact.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pcap_check.sh"
. "$(dirname "$0")/named.sh"
need_root

N=$(ns_add s5) || { fail "netns"; finish; }
cat > "$W/s.conf" <<CONF
link add tap0 type tap
capture tap0 $W/tap0.pcap
link set tap0 up
addr add 2001:db8:1::2/64 dev tap0
addr add 192.0.2.2/24 dev tap0
socks5 start bind ::1 port 1080
dns server add 2001:db8:1::1
CONF
sixd_start s "$N" "$W/s.conf" || { fail "sixd starts"; finish; }
nsrun "$N" ip link set tap0 up
nsrun "$N" ip addr add 2001:db8:1::1/64 dev tap0 nodad
nsrun "$N" ip addr add 192.0.2.1/24 dev tap0
mkdir -p "$W/www"
head -c 5000000 /dev/urandom > "$W/www/blob"
want=$(sha256sum < "$W/www/blob" | cut -d' ' -f1)
(cd "$W/www" && exec ip netns exec "$N" "$PY" -m http.server --bind :: 8080 >"$W/http.log" 2>&1) &
track_pid $!
for _ in $(seq 1 50); do nsrun "$N" ss -ltn | grep -q ':8080' && break; sleep 0.1; done
sleep 1   # sixd's DAD
out=$(ctl s socks5 show)
if [[ $out == *"socks5 on [::1]:1080"* ]]; then ok "socks5 show"; else fail "socks5 show" "$out"; fi
for url in "http://[2001:db8:1::1]:8080/blob" "http://192.0.2.1:8080/blob"; do
  got=$(nsrun "$N" curl -sS --max-time 60 --socks5-hostname "[::1]:1080" "$url" | sha256sum | cut -d' ' -f1)
  if [[ $got == "$want" ]]; then ok "curl --socks5-hostname $url through sixd is byte-exact"
  else fail "curl --socks5-hostname $url through sixd is byte-exact" "got $got want $want"; fi
done
# a name: sixd resolves it with its own resolver (BIND in the namespace), then connects
cat > "$W/zone" <<'ZONE'
$TTL 300
@    IN SOA ns.example.test. admin.example.test. 1 3600 600 86400 30
@    IN NS  ns.example.test.
ns   IN AAAA 2001:db8:1::1
www  IN AAAA 2001:db8:1::1
www  IN A    192.0.2.1
ZONE
if named_start "$N" "$W/zone" 2001:db8:1::1 192.0.2.1; then
  got=$(nsrun "$N" curl -sS --max-time 60 --socks5-hostname "[::1]:1080" "http://www.example.test:8080/blob" | sha256sum | cut -d' ' -f1)
  if [[ $got == "$want" ]]; then ok "curl --socks5-hostname http://www.example.test:8080/ (name resolved by sixd) is byte-exact"
  else fail "curl --socks5-hostname http://www.example.test:8080/ (name resolved by sixd) is byte-exact" "got $got"; fi
  nsrun "$N" curl -sS --max-time 20 --socks5-hostname "[::1]:1080" "http://nope.example.test:8080/" >/dev/null 2>"$W/err"; rc=$?
  if ((rc != 0)); then ok "an unknown name fails cleanly through SOCKS5"; else fail "an unknown name fails cleanly through SOCKS5"; fi
else
  fail "named for the SOCKS5 name test"
fi
# the stack made those connections itself: its TCP counters moved
v=$(ctl s stats tcp.established)
if ((v >= 2)); then ok "the stack's TCP carried them (tcp.established $v)"; else fail "the stack's TCP carried them" "$v"; fi
# a closed port is a SOCKS5 "connection refused" (curl exit 97)
nsrun "$N" curl -sS --max-time 10 --socks5-hostname "[::1]:1080" "http://[2001:db8:1::1]:9/" >/dev/null 2>"$W/err"; rc=$?
if ((rc != 0)) && grep -qi "refused\|97\|SOCKS" "$W/err"; then ok "closed port: the client hears connection refused"
else fail "closed port: the client hears connection refused" "rc=$rc $(cat "$W/err")"; fi
ctl s capture tap0 stop
if msg=$(pcap_clean "$W/tap0.pcap"); then ok "tshark: tap0.pcap is clean"; else fail "tshark: tap0.pcap is clean" "$msg"; fi
finish
