#!/usr/bin/env bash
# hometun's cross-client attacks (issue 10) against a real sixd server on a
# TAP, scapy playing the clients (hometun_attack.py): client 2 moving client
# 1's tunnel through its own SA, with client 1's outer address and its own
# (bound tunnels and the draft's transport-ESP fallback); client 2 sourcing
# client 1's home prefix; a delayed authentic ESP-in-UDP packet released
# from another address and port. Each refused and counted (sixctl -j
# stats), the tunnels' ends unmoved, the victims' traffic answered; the
# fallback client still moves its own tunnel.
. "$(dirname "$0")/lib.sh"
need_root

N=$(ns_add hta) || { fail "netns"; finish; }
k() {   # the AES-GCM keys (16 bytes + 4 salt) hometun_attack.py uses
  case $1 in
    0x2001) echo 0102030405060708090a0b0c0d0e0f10a1a2a3a4 ;; 0x2002) echo 1112131415161718191a1b1c1d1e1f20b1b2b3b4 ;;
    0x3001) echo 2122232425262728292a2b2c2d2e2f30c1c2c3c4 ;; 0x3002) echo 3132333435363738393a3b3c3d3e3f40d1d2d3d4 ;;
    0x4001) echo 4142434445464748494a4b4c4d4e4f50e1e2e3e4 ;; 0x4002) echo 5152535455565758595a5b5c5d5e5f60f1f2f3f4 ;;
    0x5002) echo 6162636465666768696a6b6c6d6e6f7001020304 ;;
    0x7001) echo 7172737475767778797a7b7c7d7e7f8005060708 ;; 0x7002) echo 8182838485868788898a8b8c8d8e8f9009101112 ;;
  esac
}
cat > "$W/sa.conf" <<CONF
add 192.0.2.2 192.0.2.10 esp 0x2001 -m tunnel -E aes-gcm-16 0x$(k 0x2001);
add 192.0.2.10 192.0.2.2 esp 0x2002 -m tunnel -E aes-gcm-16 0x$(k 0x2002);
add 192.0.2.2 192.0.2.50 esp 0x3001 -m tunnel -E aes-gcm-16 0x$(k 0x3001);
add 192.0.2.50 192.0.2.2 esp 0x3002 -m tunnel -E aes-gcm-16 0x$(k 0x3002);
add 192.0.2.2[4500] 192.0.2.70[4500] esp-udp 0x7001 -m tunnel -E aes-gcm-16 0x$(k 0x7001);
add 192.0.2.70[4500] 192.0.2.2[4500] esp-udp 0x7002 -m tunnel -natt_follow -E aes-gcm-16 0x$(k 0x7002);
add 192.0.2.3 192.0.2.20 esp 0x4001 -m transport -E aes-gcm-16 0x$(k 0x4001);
add 192.0.2.20 192.0.2.3 esp 0x4002 -m transport -E aes-gcm-16 0x$(k 0x4002);
add 192.0.2.51 192.0.2.3 esp 0x5002 -m transport -E aes-gcm-16 0x$(k 0x5002);
spdadd 192.0.2.3 0.0.0.0/0 41 -P out ipsec esp/transport//require;
spdadd 0.0.0.0/0 192.0.2.3 41 -P in ipsec esp/transport//require;
CONF
cat > "$W/s.conf" <<CONF
link add tap0 type tap
link set tap0 up
addr add 192.0.2.2/24 dev tap0
addr add 192.0.2.3/24 dev tap0
set forwarding on -6
ipsec load $W/sa.conf
link add ht-c1 type gif local 192.0.2.2 remote 192.0.2.10
link set ht-c1 esp 0x2001 0x2002 up
link set ht-c1 hometun server
addr add 2001:db8:ff00::1/64 dev ht-c1
route add 2001:db8:1000::/48 via 2001:db8:ff00::2
link add ht-c2 type gif local 192.0.2.2 remote 192.0.2.50
link set ht-c2 esp 0x3001 0x3002 up
link set ht-c2 hometun server
addr add 2001:db8:ff01::1/64 dev ht-c2
route add 2001:db8:2000::/48 via 2001:db8:ff01::2
link add ht-c3 type gif local 192.0.2.2 remote 192.0.2.70
link set ht-c3 esp 0x7001 0x7002 up
link set ht-c3 hometun server
addr add 2001:db8:ff03::1/64 dev ht-c3
link add ht-f type gif local 192.0.2.3 remote 192.0.2.20
link set ht-f ingress-check off up
link set ht-f hometun server
addr add 2001:db8:ff02::1/64 dev ht-f
route add 2001:db8:3000::/48 via 2001:db8:ff02::2
CONF
sixd_start s "$N" "$W/s.conf" || { fail "sixd starts as a hometun server with four tunnels"; finish; }
nsrun "$N" ip link set tap0 up
nsrun "$N" ip addr add 192.0.2.1/24 dev tap0
for a in 10 20 21 50 51 70 71; do nsrun "$N" ip addr add "192.0.2.$a/32" dev tap0; done   # ARP answers for the clients
sleep 2

# a second fallback server on the same address is refused, with a reason
if out=$(ctl s link add ht-g type gif local 192.0.2.3 remote 192.0.2.30 2>&1 && ctl s link set ht-g hometun server 2>&1); then
  fail "a second fallback (unbound) hometun server on 192.0.2.3 is refused" "$out"
elif grep -q "one per server address" <<<"$out"; then ok "a second fallback (unbound) hometun server on 192.0.2.3 is refused: $out"
else fail "a second fallback hometun server is refused with a reason" "$out"; fi

jstats() { ctl s -j stats > "$W/stats.json"; }
ctr() { "$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d.get(sys.argv[2], 0))' "$W/stats.json" "$1"; }
remote() { ctl s link show "$1" | grep -o 'remote [0-9.]*' | cut -d' ' -f2; }

nsrun "$N" "$PY" "$(dirname "$0")/hometun_attack.py" tap0 2>"$W/scapy.err"
rc=$?
((rc == 0)) || { T_FAILED=$((T_FAILED + rc)); note "$(tail -8 "$W/scapy.err")"; }
jstats
note "server: $(grep -Eo '"(gif\.(na_|drop_)|ipsec\.(natt_|drop_sa|drop_repl))[a-z_.]*": *[1-9][0-9]*' "$W/stats.json" | paste -sd' ')"

r1=$(remote ht-c1) r2=$(remote ht-c2) r3=$(remote ht-c3) rf=$(remote ht-f)
if [[ $r1 == 192.0.2.10 && $r2 == 192.0.2.50 && $r3 == 192.0.2.70 && $rf == 192.0.2.21 ]]; then
  ok "no tunnel end moved but the fallback client's own (ht-c1 $r1, ht-c2 $r2, ht-c3 $r3, ht-f $rf)"
else fail "no tunnel end moved but the fallback client's own" "ht-c1 $r1 ht-c2 $r2 ht-c3 $r3 ht-f $rf"; fi
if (($(ctr gif.drop_na_target) == 2 && $(ctr gif.na_moved) == 1 && $(ctr ipsec.drop_replay) == 0)); then
  ok "bound: client 2's NAs for client 1's tunnel address were refused (gif.drop_na_target $(ctr gif.drop_na_target)); only the fallback client's own NA moved a tunnel"
else fail "bound: client 2's NAs refused" \
  "gif.drop_na_target $(ctr gif.drop_na_target) gif.na_moved $(ctr gif.na_moved) ipsec.drop_replay $(ctr ipsec.drop_replay)"; fi
if (($(ctr gif.drop_sa_mismatch) == 2 && $(ctr gif.drop_peer_moved) == 2)); then
  ok "fallback: client 2's NAs through its own transport SA were refused (gif.drop_sa_mismatch 2 with its address, gif.drop_peer_moved 2 with the victim's)"
else fail "fallback: client 2's NAs refused" "gif.drop_sa_mismatch $(ctr gif.drop_sa_mismatch) gif.drop_peer_moved $(ctr gif.drop_peer_moved)"; fi
if (($(ctr gif.drop_spoof_urpf) >= 1)); then ok "client 2 sourcing client 1's prefix was counted (gif.drop_spoof_urpf $(ctr gif.drop_spoof_urpf))"
else fail "client 2 sourcing client 1's prefix was counted" "gif.drop_spoof_urpf $(ctr gif.drop_spoof_urpf)"; fi
if (($(ctr ipsec.natt_move_refused_old) == 1 && $(ctr ipsec.natt_peer_moved) == 0)); then
  ok "NAT-T: the delayed packet did not move the peer (ipsec.natt_move_refused_old 1, natt_peer_moved 0)"
else fail "NAT-T: the delayed packet did not move the peer" \
  "natt_move_refused_old $(ctr ipsec.natt_move_refused_old) natt_peer_moved $(ctr ipsec.natt_peer_moved)"; fi
sixd_stop s
finish
