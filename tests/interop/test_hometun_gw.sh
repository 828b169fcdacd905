#!/usr/bin/env bash
# hometun in gateway mode (issue 5): Linux's own TCP at both ends, sixd as
# the tunnel client and server, the outer IPv4 through the host kernels
# (host links: raw ESP sockets or UDP 4500), no kernel ESP or tunnel.
#
#   hh (home)  --h0/h1--  hc kernel --tun0-- sixd client ==wan0 (c0)==  hisp  ==(s0) wan0== sixd server --tun0-- hs kernel --n1/n0--  hn ("Internet")
#   2001:db8:1000:1::10   routes the home /64               ESP tunnel, gif0 / ht-c1                                routes the /48        2001:db8:ffff::10
#
# curl in hh fetches 200 MB from python's http.server in hn over IPv6;
# during the download the client's WAN address changes with `ip addr`
# (make before break, as a new lease): sixd mirrors the host's address
# (rtnetlink), its gif moves its SAs and announces the address by NA with
# Override inside ESP, the server moves the tunnel's remote end. The
# download completes with the right sha256, one connection. (a) raw ESP,
# hisp only routes; (b) hisp masquerades the client (ESP in UDP 4500), the
# server follows the NAT's address and port.
. "$(dirname "$0")/lib.sh"
need_root
command -v curl >/dev/null || { skip "$T_NAME" "curl missing"; exit 0; }
command -v nft >/dev/null || { skip "$T_NAME" "nft missing (scripts/deps: nftables)"; exit 0; }

HH=$(ns_add hh) || { fail "netns"; finish; }
HC=$(ns_add hc) || { fail "netns"; finish; }
HISP=$(ns_add hisp) || { fail "netns"; finish; }
HS=$(ns_add hs) || { fail "netns"; finish; }
HN=$(ns_add hn) || { fail "netns"; finish; }
veth "$HH" h0 "$HC" h1 && veth "$HC" c0 "$HISP" i0 && veth "$HISP" i1 "$HS" s0 && veth "$HS" n1 "$HN" n0 ||
  { fail "veth"; finish; }
nsrun "$HISP" sysctl -qw net.ipv4.ip_forward=1
nsrun "$HISP" ip addr add 192.0.2.1/24 dev i0
nsrun "$HISP" ip addr add 10.0.0.1/24 dev i0
nsrun "$HISP" ip addr add 198.51.100.1/24 dev i1
nsrun "$HS" ip addr add 198.51.100.2/24 dev s0
nsrun "$HS" ip route add default via 198.51.100.1
nsrun "$HC" sysctl -qw net.ipv4.conf.c0.promote_secondaries=1   # all.* from client-host.sh comes after c0 exists
nsrun "$HH" ip addr add 2001:db8:1000:1::10/64 dev h0 nodad
nsrun "$HH" ip -6 route add default via 2001:db8:1000:1::1
nsrun "$HN" ip addr add 2001:db8:ffff::10/64 dev n0 nodad
nsrun "$HN" ip -6 route add default via 2001:db8:ffff::1
nsrun "$HS" ip addr add 2001:db8:ffff::1/64 dev n1 nodad

mkdir -p "$W/www"
head -c 200000000 /dev/urandom > "$W/www/f"
want=$(sha256sum < "$W/www/f" | cut -d' ' -f1)

# The configurations are examples/hometun's, with this test's device names
# and file paths put in: what a user copies is what is tested.
EX="$(cd "$(dirname "$0")/../../examples/hometun" && pwd)"
# confs SETKEY-EXAMPLE
confs() {
  sed "s|/etc/sixstack/hometun.setkey|$EX/$1|; s|dev eth0|dev c0|" "$EX/client.conf" > "$W/hc.conf"
  sed "s|/etc/sixstack/hometun.setkey|$EX/$1|; s|dev eth0|dev s0|" "$EX/server.conf" > "$W/hs.conf"
}

start_pair() {
  sixd_start hs "$HS" "$W/hs.conf" || return 1
  sixd_start hc "$HC" "$W/hc.conf" || return 1
  sed 's/eth1/h1/' "$EX/client-host.sh" > "$W/client-host.sh"
  nsrun "$HC" sh "$W/client-host.sh" || return 1
  nsrun "$HS" sh "$EX/server-host.sh" || return 1
}

ctr() { ctl "$1" stats "$2" | grep -o '[0-9]*$'; }

# download LABEL OLD NEW: 200 MB from hn to hh; hc's WAN address moves OLD -> NEW meanwhile
download() {
  local label=$1 old=$2 new=$3 t0 t1 got
  local p0; p0=$(date +%s.%N)
  for _ in $(seq 50); do nsrun "$HH" ping -c1 -W1 2001:db8:ffff::10 >/dev/null 2>&1 && break; sleep 0.2; done
  t0=$(date +%s.%N)
  note "$label: the path answered pings after $(awk -v a="$p0" -v b="$t0" 'BEGIN { printf "%.1f", b - a }') s"
  nsrun "$HH" curl -gsS --max-time 120 -o "$W/got" -w '%{num_connects}\n' "http://[2001:db8:ffff::10]:8080/f" \
    >"$W/curl.out" 2>"$W/curl.err" &
  local cpid=$!
  # move once a few MB have arrived
  for _ in $(seq 300); do [[ -s $W/got ]] && (($(stat -c %s "$W/got") > 20000000)) && break; sleep 0.1; done
  nsrun "$HC" ip addr add "$new/24" dev c0
  nsrun "$HC" ip addr del "$old/24" dev c0
  nsrun "$HC" ip route replace default via "${new%.*}.1"
  local at; at=$(stat -c %s "$W/got" 2>/dev/null || echo 0)
  wait $cpid
  t1=$(date +%s.%N)
  got=$(sha256sum < "$W/got" | cut -d' ' -f1)
  local secs; secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
  # the move must fall inside the download, or it proves nothing
  if [[ $got == "$want" && $(cat "$W/curl.out") == 1 ]] && ((at > 0 && at < 200000000)); then
    ok "$label: 200 MB from hn's http.server to hh's curl, address changed at $((at / 1000000)) MB: right sha256, one connection ($secs s)"
  else
    fail "$label: 200 MB across the address change: right sha256, one connection" \
      "sha256 $got, connects $(cat "$W/curl.out") ($(cat "$W/curl.err")) after $secs s, moved at $at bytes"
    note "hc: $(ctl hc stats | grep -E '^(host|ipsec|gif)\.' | paste -sd' ')"
    note "hs: $(ctl hs stats | grep -E '^(host|ipsec|gif)\.' | paste -sd' ')"
  fi
  rm -f "$W/got"
}

(cd "$W/www" && exec ip netns exec "$HN" "$PY" -m http.server --bind :: 8080 >"$W/http.log" 2>&1) &
track_pid $!

# ---------------------------------------------------------------- (a) raw ESP
nsrun "$HC" ip addr add 192.0.2.2/24 dev c0
nsrun "$HC" ip route add default via 192.0.2.1
confs hometun.setkey
# the client's side of the outer link, small packets only (NAs, ACKs; the data goes the other way)
if command -v tshark >/dev/null; then
  ip netns exec "$HISP" tshark -q -n -i i0 -f "ip proto 50 and (src host 192.0.2.2 or src host 192.0.2.3) and less 400" \
    -w "$W/wan.pcap" >"$W/tshark-cap.log" 2>&1 &
  CAP=$!; track_pid $CAP
  for _ in $(seq 50); do grep -q "Capturing on" "$W/tshark-cap.log" && break; sleep 0.1; done
fi
start_pair || { fail "sixd client and server start in gateway mode"; finish; }
ok "sixd client and server start in gateway mode (host links, TUN to the host kernels)"
download "(a) raw ESP" 192.0.2.2 192.0.2.3
if ctl hs link show ht-c1 | grep -q "remote 192.0.2.3" && (($(ctr hs gif.na_moved) == 1)) &&
   grep -q "moves the remote end 192.0.2.2 -> 192.0.2.3" "$W/hs.log" && (($(ctr hc gif.local_moved) == 1)); then
  ok "(a) the client announced 192.0.2.3 by NA inside ESP; the server moved the tunnel's remote end (gif.na_moved 1)"
else fail "(a) the server moved the tunnel's remote end" "$(ctl hs link show ht-c1) na_moved=$(ctr hs gif.na_moved) local_moved=$(ctr hc gif.local_moved)"; fi
# tshark decrypts what it captured between client and server with the keys:
# every ICV good, the inner IPv6, and the NA with the Override flag
# carrying the new address (TLLA: 4 address bytes, 2 zero bytes)
if [[ -n ${CAP:-} ]]; then
  sleep 0.5; kill -INT $CAP 2>/dev/null; wait $CAP 2>/dev/null
  SA=(-o esp.enable_encryption_decode:TRUE -o esp.enable_authentication_check:TRUE
      -o 'uat:esp_sa:"IPv4","*","*","0x00001001","AES-GCM with 16 octet ICV [RFC4106]","0x0102030405060708090a0b0c0d0e0f1011121314","NULL",""')
  dec=$(tshark -n -r "$W/wan.pcap" "${SA[@]}" -Y esp -E occurrence=f -T fields -e ip.src -e esp.icv_good -e ipv6.src \
        -e icmpv6.type -e icmpv6.nd.na.flag.o -e icmpv6.opt.linkaddr 2>"$W/tshark.err")
  n=$(wc -l <<<"$dec") good=$(awk -F'\t' '$2 == 1' <<<"$dec" | wc -l)
  na=$(awk -F'\t' '$1 == "192.0.2.3" && $2 == 1 && $4 == 136 && $5 == 1 && $6 == "c0:00:02:03:00:00"' <<<"$dec" | wc -l)
  v6=$(awk -F'\t' '$3 ~ /^2001:db8:1000:1::10$/' <<<"$dec" | wc -l)
  if ((n > 50 && good == n && na >= 1 && v6 > 50)); then
    ok "(a) tshark decrypts the captured ESP: $n packets, every ICV good, inner IPv6 from the home host, $na NA(s) with O flag and TLLA 192.0.2.3"
  else fail "(a) tshark decrypts the captured ESP (ICVs, inner IPv6, NA with O and the new address)" \
    "esp $n good $good na $na inner-from-home $v6; $(head -c 400 "$W/tshark.err")"; fi
else fail "(a) tshark decrypts the captured ESP" "tshark missing"; fi
bad=$(ctl hs stats | awk '/^gif\.drop_na|^ipsec\.drop_(icv|replay)/ && $2 > 0' | paste -sd' ')
[[ -z $bad ]] && ok "(a) no NA refused, no ESP replay or ICV failure" || fail "(a) no NA refused" "$bad"
sixd_stop hc; sixd_stop hs
nsrun "$HC" ip addr flush dev c0

# ------------------------------------------------------ (b) behind masquerade, ESP in UDP 4500
nsrun "$HISP" nft -f - <<'NFT'
table ip nat {
  chain post {
    type nat hook postrouting priority 100;
    oifname "i1" ip saddr 10.0.0.0/24 meta l4proto udp counter masquerade to :40000-40999
    oifname "i1" ip saddr 10.0.0.0/24 masquerade
  }
}
NFT
nsrun "$HC" ip addr add 10.0.0.2/24 dev c0
nsrun "$HC" ip route replace default via 10.0.0.1
confs hometun-natt.setkey
start_pair || { fail "(b) sixd starts again with NAT-T SAs"; finish; }
download "(b) NAT-T" 10.0.0.2 10.0.0.3
moved=$(ctr hs ipsec.natt_peer_moved) ports=$(grep -Eo 'SA esp-udp 0x00001001 [^ ]+: NAT-T peer moved [^ ]+ -> [^ ]+:[0-9]+' "$W/hs.log" | grep -o '[0-9]*$' | sort -u | wc -l)
if ((moved >= 2 && ports >= 2)) && (($(ctr hs gif.na_natt_ignored) >= 1)) && (($(ctr hs gif.na_moved) == 0)); then
  ok "(b) the server followed the NAT's new port after the change ($moved moves, $ports ports); the NA's private TLLA was only counted"
else fail "(b) the server followed the NAT" "natt_peer_moved=$moved ports=$ports na_natt_ignored=$(ctr hs gif.na_natt_ignored) na_moved=$(ctr hs gif.na_moved)"; fi
sixd_stop hc; sixd_stop hs
finish
