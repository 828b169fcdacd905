#!/usr/bin/env bash
# Restarts of a manually keyed hometun tunnel (issue 11): the shipped
# examples/hometun configurations in gateway mode (the layout of
# test_hometun_gw), each sixd with its state directory (sixd -S, here
# $STATE_DIRECTORY in the scratch folder). During a download from hn to hh
# the client's sixd is killed with SIGKILL and started again, then the
# server's (after the client moved to another address, which the restarted
# server must remember): each time the tunnel carries traffic again within
# 5 s with no manual step, the download completes intact, and no ESP
# packet was refused as a replay. The same behind NAT (ESP in UDP 4500).
# What "start again" runs is what a service manager runs: sixd with the
# same configuration, then the host script for the kernel side of tun0
# (a TUN device dies with its process unless it is made persistent).
. "$(dirname "$0")/lib.sh"
need_root
command -v curl >/dev/null || { skip "$T_NAME" "curl missing"; exit 0; }
command -v nft >/dev/null || { skip "$T_NAME" "nft missing (scripts/deps: nftables)"; exit 0; }

HH=$(ns_add st-hh) || { fail "netns"; finish; }
HC=$(ns_add st-hc) || { fail "netns"; finish; }
HISP=$(ns_add st-isp) || { fail "netns"; finish; }
HS=$(ns_add st-hs) || { fail "netns"; finish; }
HN=$(ns_add st-hn) || { fail "netns"; finish; }
veth "$HH" h0 "$HC" h1 && veth "$HC" c0 "$HISP" i0 && veth "$HISP" i1 "$HS" s0 && veth "$HS" n1 "$HN" n0 ||
  { fail "veth"; finish; }
nsrun "$HISP" sysctl -qw net.ipv4.ip_forward=1
nsrun "$HISP" ip addr add 192.0.2.1/24 dev i0
nsrun "$HISP" ip addr add 10.0.0.1/24 dev i0
nsrun "$HISP" ip addr add 198.51.100.1/24 dev i1
nsrun "$HS" ip addr add 198.51.100.2/24 dev s0
nsrun "$HS" ip route add default via 198.51.100.1
nsrun "$HC" sysctl -qw net.ipv4.conf.c0.promote_secondaries=1
nsrun "$HH" ip addr add 2001:db8:1000:1::10/64 dev h0 nodad
nsrun "$HH" ip -6 route add default via 2001:db8:1000:1::1
nsrun "$HN" ip addr add 2001:db8:ffff::10/64 dev n0 nodad
nsrun "$HN" ip -6 route add default via 2001:db8:ffff::1
nsrun "$HS" ip addr add 2001:db8:ffff::1/64 dev n1 nodad

mkdir -p "$W/www"
head -c 30000000 /dev/urandom > "$W/www/f"
want=$(sha256sum < "$W/www/f" | cut -d' ' -f1)
(cd "$W/www" && exec ip netns exec "$HN" "$PY" -m http.server --bind :: 8080 >"$W/http.log" 2>&1) &
track_pid $!

EX="$(cd "$(dirname "$0")/../../examples/hometun" && pwd)"
confs() {
  sed "s|/etc/sixstack/hometun.setkey|$EX/$1|; s|dev eth0|dev c0|" "$EX/client.conf" > "$W/hc.conf"
  sed "s|/etc/sixstack/hometun.setkey|$EX/$1|; s|dev eth0|dev s0|" "$EX/server.conf" > "$W/hs.conf"
  sed 's/eth1/h1/' "$EX/client-host.sh" > "$W/client-host.sh"
}
# The host scripts run once: tun0 is persistent (the shipped confs), so the
# host's addresses and routes on it outlive every crash, and a restart is
# only "start sixd again" — no manual step.
start_hc() { sixd_start hc "$HC" "$W/hc.conf"; }
start_hs() { sixd_start hs "$HS" "$W/hs.conf"; }
host_scripts() { nsrun "$HC" sh "$W/client-host.sh" && nsrun "$HS" sh "$EX/server-host.sh"; }
ctr() { ctl "$1" stats "$2" | grep -o '[0-9]*$'; }
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }
path_ok() { nsrun "$HH" ping -c1 -W1 2001:db8:ffff::10 >/dev/null 2>&1; }

# wait_path: seconds until hh reaches hn through the tunnel (gives up after 15 s)
wait_path() {
  local t0; t0=$(now)
  for _ in $(seq 15); do path_ok && break; done
  secs "$t0" "$(now)"
}

# kill9 NAME: SIGKILL, as a crash; the log is kept aside
kill9() {
  local v="SIXD_PID_$1"
  kill -KILL "${!v}" 2>/dev/null; wait "${!v}" 2>/dev/null
  cat "$W/$1.log" >> "$W/$1.log.old"
}

# crash_and_back LABEL NAME: kill NAME mid-transfer, start it again; the
# tunnel must carry traffic within 5 s of the start
crash_and_back() {
  local label=$1 who=$2 other t0 dt
  [[ $who == hc ]] && other=hs || other=hc
  local replays0; replays0=$(ctr "$other" ipsec.drop_replay)
  kill9 "$who"
  t0=$(now)
  if [[ $who == hc ]]; then start_hc; else start_hs; fi || { fail "$label: $who starts again"; return 1; }
  for _ in $(seq 15); do path_ok && break; done
  dt=$(secs "$t0" "$(now)")
  local replays; replays=$(($(ctr "$other" ipsec.drop_replay) - replays0))
  if path_ok && awk -v d="$dt" 'BEGIN { exit !(d < 5) }' && ((replays == 0)); then
    ok "$label: after kill -9 and a start of $who the tunnel carries traffic again in $dt s, $other refused no packet as a replay"
  else
    fail "$label: after kill -9 of $who, traffic within 5 s" "took $dt s; $other ipsec.drop_replay +$replays; $(ctl "$other" stats | grep -E '^(gif|ipsec)\.(drop|na_)' | paste -sd' ')"
  fi
}

# download LABEL: 30 MB at 6 MB/s from hn to hh in the background
download_start() {
  rm -f "$W/got"
  nsrun "$HH" curl -gsS --max-time 90 --limit-rate 6M -o "$W/got" -w '%{num_connects}\n' \
    "http://[2001:db8:ffff::10]:8080/f" >"$W/curl.out" 2>"$W/curl.err" &
  CURL=$!
  for _ in $(seq 100); do [[ -s $W/got ]] && (($(stat -c %s "$W/got") > 3000000)) && break; sleep 0.1; done
}
download_check() {
  wait "$CURL"
  local got; got=$(sha256sum < "$W/got" | cut -d' ' -f1)
  if [[ $got == "$want" && $(cat "$W/curl.out") == 1 ]]; then
    ok "$1: the download across the restarts completed intact on one connection"
  else
    fail "$1: the download across the restarts completed intact" "sha256 $got connects $(cat "$W/curl.out") $(cat "$W/curl.err")"
  fi
}

# ---------------------------------------------------------------- (a) raw ESP
nsrun "$HC" ip addr add 192.0.2.2/24 dev c0
nsrun "$HC" ip route add default via 192.0.2.1
confs hometun.setkey
start_hs && start_hc && host_scripts || { fail "(a) sixd client and server start"; finish; }
note "(a) path after $(wait_path) s"
download_start
crash_and_back "(a) raw ESP, client" hc
# the client moves (a new lease); the server follows its NA, and must
# remember it across its own crash
nsrun "$HC" ip addr add 192.0.2.3/24 dev c0
nsrun "$HC" ip addr del 192.0.2.2/24 dev c0
nsrun "$HC" ip route replace default via 192.0.2.1
for _ in $(seq 50); do grep -q "remote 192.0.2.3" <<<"$(ctl hs link show ht-c1)" && break; sleep 0.1; done
sleep 1.5   # saved within a second
crash_and_back "(a) raw ESP, server (client moved to 192.0.2.3 before)" hs
if grep -q "remote 192.0.2.3" <<<"$(ctl hs link show ht-c1)" && grep -q "remote end 192.0.2.2 -> 192.0.2.3 (restored" "$W/hs.log"; then
  ok "(a) the restarted server took the client's last address from its state directory (logged)"
else fail "(a) the restarted server restored the client's address" "$(ctl hs link show ht-c1)"; fi
download_check "(a)"
ctl hc ipsec state > "$W/hc.state.txt"
if grep -q "state file $STATE_DIRECTORY/hc.state" "$W/hc.state.txt" && grep -q "esp 0x1001 to 198.51.100.2: seq [0-9]* saved mark" "$W/hc.state.txt"; then
  ok "(a) sixctl ipsec state shows the state file and each SA's saved mark"
else fail "(a) sixctl ipsec state" "$(cat "$W/hc.state.txt")"; fi
sixd_stop hc; sixd_stop hs
nsrun "$HC" ip addr flush dev c0

# ------------------------------------------------------ (b) behind masquerade, ESP in UDP 4500
rm -rf "$STATE_DIRECTORY"   # other SAs (the NAT-T file's keys are the same, the ports not)
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
start_hs && start_hc && host_scripts || { fail "(b) sixd client and server start with NAT-T SAs"; finish; }
note "(b) path after $(wait_path) s"
download_start
crash_and_back "(b) NAT-T, client" hc
sleep 1.5
crash_and_back "(b) NAT-T, server" hs
if grep -q "NAT-T peer restored to 198.51.100.1 port" "$W/hs.log"; then
  ok "(b) the restarted server took the NAT's address and port from its state directory (logged)"
else fail "(b) the restarted server restored the NAT-T peer" "$(grep state "$W/hs.log" | head -5)"; fi
download_check "(b)"
sixd_stop hc; sixd_stop hs
finish
