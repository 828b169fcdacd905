#!/usr/bin/env bash
# sixd routes between two Linux namespaces (IPv6 and IPv4): pings, hop-limit
# and TTL decrement, curl to a Linux `python3 -m http.server` across it with
# byte-exact content, Packet Too Big / fragmentation needed across a narrow
# link, and clean pcaps.
#
#   ns a (veth) ── bridge ── tap0 [sixd in ns r] tap1 ── bridge ── (veth) ns b
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pcap_check.sh"
need_root

A=$(ns_add a) && B=$(ns_add b) && R=$(ns_add r) || { fail "netns"; finish; }
veth "$A" a0 "$R" ra0 && veth "$B" b0 "$R" rb0 || { fail "veth"; finish; }
cat > "$W/r.conf" <<CONF
link add tap0 type tap
link add tap1 type tap
capture tap0 $W/r-tap0.pcap
capture tap1 $W/r-tap1.pcap
link set tap0 up
link set tap1 up
addr add 2001:db8:1::1/64 dev tap0
addr add 192.0.2.1/24 dev tap0
addr add 2001:db8:2::1/64 dev tap1
addr add 198.51.100.1/24 dev tap1
set forwarding on
CONF
sixd_start r "$R" "$W/r.conf" || { fail "sixd starts"; finish; }
tap_bridges "$R" ra0 rb0
nsrun "$A" ip addr add 2001:db8:1::10/64 dev a0 nodad
nsrun "$A" ip addr add 192.0.2.10/24 dev a0
nsrun "$A" ip -6 route add default via 2001:db8:1::1
nsrun "$A" ip -4 route add default via 192.0.2.1
nsrun "$B" ip addr add 2001:db8:2::10/64 dev b0 nodad
nsrun "$B" ip addr add 198.51.100.10/24 dev b0
nsrun "$B" ip -6 route add default via 2001:db8:2::1
nsrun "$B" ip -4 route add default via 198.51.100.1
sleep 2   # sixd's DAD

check "a pings sixd (IPv6)" nsrun "$A" ping -6 -c 2 -i 0.2 -W 2 2001:db8:1::1
check "a pings b across sixd (IPv6)" nsrun "$A" ping -6 -c 3 -i 0.2 -W 2 2001:db8:2::10
check "a pings b across sixd (IPv4)" nsrun "$A" ping -4 -c 3 -i 0.2 -W 2 198.51.100.10
out=$(nsrun "$A" ping -6 -c 1 -W 2 2001:db8:2::10 2>&1)
if grep -q "ttl=63" <<<"$out"; then ok "sixd decrements the hop limit"; else fail "sixd decrements the hop limit" "$out"; fi
out=$(nsrun "$A" ping -6 -c 1 -W 2 -t 1 2001:db8:2::10 2>&1)
if grep -qi "time exceeded" <<<"$out"; then ok "hop limit 1: Time Exceeded from sixd"
else fail "hop limit 1: Time Exceeded from sixd" "$out"; fi
out=$(nsrun "$A" ping -4 -c 1 -W 2 -t 1 198.51.100.10 2>&1)
if grep -qi "time to live exceeded" <<<"$out"; then ok "TTL 1: Time Exceeded from sixd (IPv4)"
else fail "TTL 1: Time Exceeded from sixd (IPv4)" "$out"; fi
check "a's 3000-byte pings to b through sixd (IPv6 fragments forwarded)" nsrun "$A" ping -6 -c 2 -i 0.2 -W 2 -s 3000 2001:db8:2::10
check "a's 3000-byte pings to b through sixd (IPv4 fragments forwarded)" nsrun "$A" ping -4 -c 2 -i 0.2 -W 2 -s 3000 198.51.100.10

# --- HTTP across the router, both families
mkdir -p "$W/www"
head -c 3000000 /dev/urandom > "$W/www/blob"
want=$(sha256sum < "$W/www/blob" | cut -d' ' -f1)
(cd "$W/www" && exec ip netns exec "$B" "$PY" -m http.server --bind :: 8080 >"$W/http.log" 2>&1) &
track_pid $!
for _ in $(seq 1 50); do nsrun "$B" ss -ltn | grep -q ':8080' && break; sleep 0.1; done
for url in "http://[2001:db8:2::10]:8080/blob" "http://198.51.100.10:8080/blob"; do
  got=$(nsrun "$A" curl -sS --max-time 30 "$url" | sha256sum | cut -d' ' -f1)
  if [[ $got == "$want" ]]; then ok "curl $url across sixd is byte-exact"
  else fail "curl $url across sixd is byte-exact" "got $got want $want"; fi
done

# --- a narrow link: PTB (IPv6) and fragmentation needed (IPv4, DF)
ctl r link set tap1 mtu 1280
nsrun "$R" ip link set tap1 mtu 1280
out=$(nsrun "$A" ping -6 -c 3 -i 0.3 -W 2 -s 1400 -M do 2001:db8:2::10 2>&1)
if grep -qi "too big\|mtu = 1280\|mtu=1280" <<<"$out"; then ok "Packet Too Big with MTU 1280 from sixd"
else fail "Packet Too Big with MTU 1280 from sixd" "$out"; fi
out=$(nsrun "$A" ping -4 -c 2 -i 0.3 -W 2 -s 1400 -M do 198.51.100.10 2>&1)
if grep -qi "frag needed\|mtu = 1280\|mtu=1280\|Message too long" <<<"$out"; then ok "fragmentation needed with MTU 1280 from sixd (IPv4)"
else fail "fragmentation needed with MTU 1280 from sixd (IPv4)" "$out"; fi
got=$(nsrun "$A" curl -sS --max-time 30 "http://[2001:db8:2::10]:8080/blob" | sha256sum | cut -d' ' -f1)
if [[ $got == "$want" ]]; then ok "curl over IPv6 still byte-exact after PMTU discovery"
else fail "curl over IPv6 still byte-exact after PMTU discovery"; fi
v=$(ctl r stats ip6.forwarded)
if ((v > 1000)); then ok "ip6.forwarded counts ($v)"; else fail "ip6.forwarded counts ($v)"; fi

ctl r capture tap0 stop; ctl r capture tap1 stop
for f in "$W/r-tap0.pcap" "$W/r-tap1.pcap"; do
  if msg=$(pcap_clean "$f"); then ok "tshark: $(basename "$f") has no malformed packet or bad checksum"
  else fail "tshark: $(basename "$f") has no malformed packet or bad checksum" "$msg"; fi
done
finish
