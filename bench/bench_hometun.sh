#!/usr/bin/env bash
# Issue 5 benchmark: TCP throughput through the home tunnel (sixd in gateway
# mode, ESP AES-GCM-128) against wireguard-go and OpenVPN (AES-128-GCM data
# channel) from Debian, set up the same way, in the same run, on the same
# CPUs. Not a test: it prints figures and ratios, and fails only when it
# cannot measure.
#
#   bc (client host)                                          bs (server host)
#   iperf3 -c (from 2001:db8:c::2) -> endpoint == veth 192.0.2.1 <-> 192.0.2.2 == endpoint -> iperf3 -s 2001:db8:5::2
#
# Each tunnel endpoint is a userspace process in its namespace; the kernel
# routes the far /64 into it through a TUN device (inner MTU 1400 for all
# three). iperf3 runs over IPv6 inside the tunnel from bc to bs, 1 stream
# and 4 streams, HB_TIME seconds each (default 10). Every process (the
# tunnel endpoints and iperf3) runs with the same CPU affinity, HB_CPUS
# (default 0,1). CPU cost: utime+stime of both endpoints' processes (all
# threads) over each iperf3 run, from /proc/PID/stat, per Gbit received.
#
#   sixd          two sixd, gateway mode as tests/interop/test_hostip.sh (a):
#                 host link wan0 on the veth, default4 via wan0, tun0 to the
#                 kernel, gif0 bound to ESP tunnel SAs AES-GCM-128
#                 (aes-gcm-16, 128-bit key + salt), gif0 mtu 1400, forwarding
#                 on. Raw ESP (IP protocol 50) and, second row, ESP in UDP 4500.
#   wireguard-go  `wireguard-go -f` on each side (this kernel has no wireguard
#                 module: checked), keys from `wg genkey`, set with `wg set`,
#                 MTU 1400 (ChaCha20-Poly1305: WireGuard has no other cipher).
#   openvpn       OpenVPN 2.6 point-to-point over UDP, --dev tun, --tun-mtu
#                 1400, data channel AES-128-GCM, DCO off (no module). Static
#                 key mode (--secret) refuses GCM in 2.6 ("Cipher 'AES-128-GCM'
#                 mode not supported"; CBC+HMAC only, and deprecated), so:
#                 TLS p2p (--tls-server / --tls-client) with self-signed EC
#                 certificates made here by openssl and --peer-fingerprint,
#                 --data-ciphers AES-128-GCM (the closest equivalent).
#
# Run as root: `bench/bench_hometun.sh` (from `make bench`, or alone with
# SIXD=path/to/sixd). Installs iperf3, wireguard-go, wireguard-tools and
# openvpn if missing (apt-get, --no-install-recommends). Namespaces are named
# hb-<pid>-bc / hb-<pid>-bs and deleted at exit with everything in them;
# nothing outside them is changed (documentation prefixes only).
# HB_ONLY="sixd wg ovpn sixd-natt" picks tunnels; HB_PERF=1 records
# `perf record -e cpu-clock -g` of both sixd during the first 1-stream run
# (to HB_PERF_OUT); HB_ROUNDS=N repeats everything N times, interleaved, and
# reports medians; HB_STATS=1 prints the client sixd's nonzero counters and
# the kernels' drops (TUN queue overflow toward the endpoint, socket buffers).
set -uo pipefail

DUR=${HB_TIME:-10}
ROUNDS=${HB_ROUNDS:-1}
ROUND=0
SIXD=${SIXD:-build/sixd}
[[ $SIXD == /* ]] || SIXD=$PWD/$SIXD
SIXCTL=${SIXCTL:-${SIXD%/*}/sixctl}
HB_ONLY=${HB_ONLY:-sixd sixd-natt wg ovpn}
if [[ -z ${HB_CPUS:-} ]]; then
  if (($(nproc) >= 2)); then HB_CPUS=0,1; else HB_CPUS=0; fi
fi
PFX="hb-$$-"
BC=${PFX}bc
BS=${PFX}bs
WGC=hbwg$$c      # wireguard-go's UAPI socket (/var/run/wireguard/IF.sock) is not per namespace
WGS=hbwg$$s
HZ=$(getconf CLK_TCK)

if ((EUID != 0)); then
  echo "bench_hometun: not measured (needs root: network namespaces)"
  exit 0
fi
[[ -x $SIXD && -x $SIXCTL ]] || { echo "bench_hometun: no sixd/sixctl at $SIXD (make first)" >&2; exit 1; }

# ------------------------------------------------------------ packages
need_pkgs() {
  local p missing=()
  for p in iperf3 wireguard-go wireguard-tools openvpn; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
  done
  ((${#missing[@]} == 0)) && return 0
  echo "bench_hometun: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # iperf3 asks whether to start a system daemon: no
  echo "iperf3 iperf3/start_daemon boolean false" | debconf-set-selections
  apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null ||
    { apt-get update -qq && apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null; }
}
need_pkgs || { echo "bench_hometun: could not install the peers" >&2; exit 1; }
command -v python3 >/dev/null || { echo "bench_hometun: python3 missing (parses iperf3 -J)" >&2; exit 1; }

# ------------------------------------------------------------ scratch, cleanup
W=$(mktemp -d /tmp/hb-hometun.XXXXXX) || exit 1
PIDS=()
cleanup() {
  local ns pid
  trap - EXIT INT TERM
  for ns in "$BC" "$BS"; do
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -TERM "$pid" 2>/dev/null; done
  done
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  sleep 0.3
  for ns in "$BC" "$BS"; do
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null; done
    ip netns del "$ns" 2>/dev/null
  done
  rm -f "/var/run/wireguard/$WGC.sock" "/var/run/wireguard/$WGS.sock"
  [[ ${HB_KEEP:-} == 1 ]] && echo "bench_hometun: kept $W" || rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

nsrun() { local ns=$1; shift; ip netns exec "$ns" "$@"; }
# pinned NS CMD...: CMD in NS with the run's CPU affinity. Processes started
# in the background use "${PIN[@]}" ip netns exec directly (taskset and ip
# exec, so $! is the process itself; a function would be a subshell).
PIN=(taskset -c "$HB_CPUS")
pinned() { local ns=$1; shift; "${PIN[@]}" ip netns exec "$ns" "$@"; }

ip netns add "$BC" && ip netns add "$BS" || exit 1
ip -n "$BC" link set lo up && ip -n "$BS" link set lo up
ip link add hbv0 netns "$BC" type veth peer name hbv1 netns "$BS" || exit 1
ip -n "$BC" link set hbv0 up && ip -n "$BS" link set hbv1 up
ip -n "$BC" addr add 192.0.2.1/24 dev hbv0
ip -n "$BS" addr add 192.0.2.2/24 dev hbv1

# ------------------------------------------------------------ measurement
cpu_ticks() {   # PIDS...: utime+stime of those processes (all threads)
  local p t=0 v
  for p in "$@"; do
    v=$(awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$p/stat" 2>/dev/null) || v=0
    t=$((t + ${v:-0}))
  done
  echo "$t"
}

# wait_path NS: ping the server's inner address through the tunnel
wait_path() {
  local i
  for i in $(seq 50); do
    nsrun "$BC" ping -6 -c1 -W1 2001:db8:5::2 >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  return 1
}

# run_iperf NAME STREAMS PIDS...: prints "GBITS_PER_S CPU_S_PER_GBIT GBIT CPU_S RETRANSMITS"
run_iperf() {
  local name=$1 n=$2; shift 2
  local t0 t1 js=$W/$name-$n.json
  t0=$(cpu_ticks "$@")
  pinned "$BC" iperf3 -6 -c 2001:db8:5::2 -t "$DUR" -P "$n" -J >"$js" 2>"$W/$name-$n.err"
  t1=$(cpu_ticks "$@")
  python3 - "$js" "$t0" "$t1" "$HZ" <<'PY'
import json, sys
try:
    j = json.load(open(sys.argv[1]))
    s = j["end"]["sum_received"]
    bps, gbit = s["bits_per_second"], s["bytes"] * 8 / 1e9
    retr = j["end"]["sum_sent"].get("retransmits", 0)
except Exception:
    print("0 0 0 0 0"); sys.exit(0)
cpu = (int(sys.argv[3]) - int(sys.argv[2])) / int(sys.argv[4])
print("%.3f %.3f %.3f %.2f %d" % (bps / 1e9, cpu / gbit if gbit else 0, gbit, cpu, retr))
PY
}

declare -A G1 G4 CPG DESC
# measure NAME PIDS...: both runs for the tunnel that is up; appends this
# round's figures to G1 G4 CPG (medians over the rounds at the end)
measure() {
  local name=$1; shift
  local g1 c1 b1 s1 x1 g4 c4 b4 s4 x4
  "${PIN[@]}" ip netns exec "$BS" iperf3 -s -B 2001:db8:5::2 >"$W/$name-server.log" 2>&1 &
  local spid=$!
  PIDS+=("$spid")
  sleep 0.5
  if ! wait_path; then
    echo "bench_hometun: $name: no path through the tunnel" >&2
    kill "$spid" 2>/dev/null; wait "$spid" 2>/dev/null
    return 1
  fi
  local rb0; rb0=$(udp_rcvbuf_errors)
  [[ ${HB_PERF:-} == 1 && $name == sixd && $ROUND == 1 ]] && perf_start "$@"
  read -r g1 c1 b1 s1 x1 < <(run_iperf "$name" 1 "$@")
  [[ ${HB_PERF:-} == 1 && $name == sixd ]] && perf_stop
  read -r g4 c4 b4 s4 x4 < <(run_iperf "$name" 4 "$@")
  kill "$spid" 2>/dev/null; wait "$spid" 2>/dev/null
  G1[$name]+="$g1 " G4[$name]+="$g4 "
  CPG[$name]+=$(awk -v a="$s1" -v b="$s4" -v x="$b1" -v y="$b4" 'BEGIN { printf "%.3f", (x + y) ? (a + b) / (x + y) : 0 }')" "
  printf '  %-10s %s 1 stream %5.2f Gbit/s (CPU %5.2f s / %5.2f Gbit = %.2f s/Gbit, %5d retr); 4 streams %5.2f Gbit/s (CPU %5.2f s / %5.2f Gbit = %.2f s/Gbit, %5d retr)\n' \
    "$name" "r$ROUND" "$g1" "$s1" "$b1" "$c1" "$x1" "$g4" "$s4" "$b4" "$c4" "$x4"
  if [[ ${HB_STATS:-} == 1 ]]; then   # what the kernels dropped on the way into the endpoints
    echo "    $name drops: bc tun tx $(nsrun "$BC" cat /sys/class/net/"$(tundev "$name" c)"/statistics/tx_dropped)," \
      "bs tun tx $(nsrun "$BS" cat /sys/class/net/"$(tundev "$name" s)"/statistics/tx_dropped)," \
      "bs UDP RcvbufErrors +$(($(udp_rcvbuf_errors) - rb0))"
  fi
  if [[ $g1 == 0.000 || $g4 == 0.000 ]]; then
    echo "bench_hometun: $name: iperf3 failed: $(cat "$W/$name-1.err" "$W/$name-4.err" | head -3)" >&2
    return 1
  fi
}

udp_rcvbuf_errors() {   # bs's kernel: UDP datagrams dropped for a full socket buffer
  nsrun "$BS" awk '/^Udp:/ { if (!h++) { for (i = 2; i <= NF; i++) if ($i == "RcvbufErrors") c = i } else print $c }' /proc/net/snmp
}

tundev() {   # NAME c|s: the kernel's tunnel device of that tunnel
  case $1 in sixd*) echo tun0 ;; wg) [[ $2 == c ]] && echo "$WGC" || echo "$WGS" ;; ovpn) echo hbovpn0 ;; esac
}

PERF_PID=
perf_start() {   # PIDS...
  command -v perf >/dev/null || return 0
  local IFS=,
  perf record -e cpu-clock -g -o "${HB_PERF_OUT:-/tmp/hb-sixd.perf.data}" -p "$*" >"$W/perf.log" 2>&1 &
  PERF_PID=$!
  sleep 0.2
}
perf_stop() {
  [[ -n $PERF_PID ]] || return 0
  kill -INT "$PERF_PID" 2>/dev/null; wait "$PERF_PID" 2>/dev/null
  udp_rcvbuf_errors() {   # bs's kernel: UDP datagrams dropped for a full socket buffer
  nsrun "$BS" awk '/^Udp:/ { if (!h++) { for (i = 2; i <= NF; i++) if ($i == "RcvbufErrors") c = i } else print $c }' /proc/net/snmp
}

tundev() {   # NAME c|s: the kernel's tunnel device of that tunnel
  case $1 in sixd*) echo tun0 ;; wg) [[ $2 == c ]] && echo "$WGC" || echo "$WGS" ;; ovpn) echo hbovpn0 ;; esac
}

PERF_PID=
}

# ------------------------------------------------------------ sixd
K1=0102030405060708090a0b0c0d0e0f1011121314   # AES-128 key + 4-byte salt
K2=2122232425262728292a2b2c2d2e2f3031323334

# sixd_conf NAME WANDEV LOCAL4 REMOTE4 SPI-OUT SPI-IN OWN6 OTHER6 SAFILE -> $W/NAME.conf
. "$(dirname "$0")/../scripts/gw-conf.sh"
sixd_conf() { local n=$1; shift; gw_conf "$W/$n.conf" "$@"; }

# sixd_start NAME NS: sets SPID once the control socket answers
sixd_start() {
  local name=$1 ns=$2 i
  "${PIN[@]}" ip netns exec "$ns" "$SIXD" -f -n "$name" -c "$W/$name.conf" -s "$W/$name.sock" >"$W/$name.log" 2>&1 &
  local pid=$!
  PIDS+=("$pid")
  for ((i = 0; i < 100; i++)); do
    if [[ -S $W/$name.sock ]] && "$SIXCTL" -s "$W/$name.sock" stats ip6.in_receives >/dev/null 2>&1; then
      SPID=$pid; return 0
    fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  echo "bench_hometun: sixd $name did not start:" >&2; sed 's/^/  /' "$W/$name.log" >&2
  return 1
}

stop_pids() {
  local p
  for p in "$@"; do kill -TERM "$p" 2>/dev/null; done
  for p in "$@"; do wait "$p" 2>/dev/null; done
}

bench_sixd() {   # NAME raw|natt
  local name=$1 mode=$2 pc ps
  if [[ $mode == raw ]]; then
    cat > "$W/$name.sa" <<SA
add 192.0.2.1 192.0.2.2 esp 0x1001 -m tunnel -E aes-gcm-16 0x$K1;
add 192.0.2.2 192.0.2.1 esp 0x1002 -m tunnel -E aes-gcm-16 0x$K2;
SA
  else
    cat > "$W/$name.sa" <<SA
add 192.0.2.1[4500] 192.0.2.2[4500] esp-udp 0x1001 -m tunnel -E aes-gcm-16 0x$K1;
add 192.0.2.2[4500] 192.0.2.1[4500] esp-udp 0x1002 -m tunnel -E aes-gcm-16 0x$K2;
SA
  fi
  sixd_conf "$name-c" hbv0 192.0.2.1 192.0.2.2 0x1001 0x1002 2001:db8:c 2001:db8:5 "$W/$name.sa"
  sixd_conf "$name-s" hbv1 192.0.2.2 192.0.2.1 0x1002 0x1001 2001:db8:5 2001:db8:c "$W/$name.sa"
  sixd_start "$name-c" "$BC" || return 1
  pc=$SPID
  sixd_start "$name-s" "$BS" || { stop_pids "$pc"; return 1; }
  ps=$SPID
  # kernel side of each tun0 (test_hostip.sh's tun_kernel), inner MTU 1400 like the gif
  nsrun "$BC" ip link set tun0 mtu 1400 up
  nsrun "$BC" ip addr add 2001:db8:c::2/64 dev tun0 nodad
  nsrun "$BC" ip -6 route add 2001:db8:5::/64 dev tun0
  nsrun "$BS" ip link set tun0 mtu 1400 up
  nsrun "$BS" ip addr add 2001:db8:5::2/64 dev tun0 nodad
  nsrun "$BS" ip -6 route add 2001:db8:c::/64 dev tun0
  DESC[$name]="sixd gateway mode, ESP tunnel AES-GCM-128 ($([[ $mode == raw ]] && echo "raw ESP" || echo "ESP in UDP 4500"))"
  measure "$name" "$pc" "$ps"
  local rc=$?
  if [[ ${HB_STATS:-} == 1 ]]; then
    "$SIXCTL" -s "$W/$name-c.sock" stats | grep -E '^(host|ipsec|if)\.' | awk '$2 > 0' | sed "s/^/  $name-c /"
  fi
  stop_pids "$pc" "$ps"
  return $rc
}

# ------------------------------------------------------------ wireguard-go
bench_wg() {
  local pc ps
  if nsrun "$BC" ip link add hbwgprobe type wireguard 2>/dev/null; then
    nsrun "$BC" ip link del hbwgprobe
    echo "  (note: this kernel has a wireguard module; wireguard-go runs in userspace anyway)"
  fi
  umask 077
  wg genkey > "$W/wgc.key"; wg genkey > "$W/wgs.key"
  wg pubkey < "$W/wgc.key" > "$W/wgc.pub"; wg pubkey < "$W/wgs.key" > "$W/wgs.pub"
  umask 022
  "${PIN[@]}" ip netns exec "$BC" wireguard-go -f "$WGC" >"$W/wgc.log" 2>&1 &
  pc=$!; PIDS+=("$pc")
  "${PIN[@]}" ip netns exec "$BS" wireguard-go -f "$WGS" >"$W/wgs.log" 2>&1 &
  ps=$!; PIDS+=("$ps")
  local i
  for i in $(seq 50); do
    [[ -S /var/run/wireguard/$WGC.sock && -S /var/run/wireguard/$WGS.sock ]] && break
    sleep 0.1
  done
  nsrun "$BC" wg set "$WGC" private-key "$W/wgc.key" listen-port 51820 \
    peer "$(cat "$W/wgs.pub")" endpoint 192.0.2.2:51820 allowed-ips 2001:db8:5::/64 || { stop_pids $pc $ps; return 1; }
  nsrun "$BS" wg set "$WGS" private-key "$W/wgs.key" listen-port 51820 \
    peer "$(cat "$W/wgc.pub")" endpoint 192.0.2.1:51820 allowed-ips 2001:db8:c::/64 || { stop_pids $pc $ps; return 1; }
  nsrun "$BC" ip link set "$WGC" mtu 1400 up
  nsrun "$BC" ip addr add 2001:db8:c::2/64 dev "$WGC" nodad
  nsrun "$BC" ip -6 route add 2001:db8:5::/64 dev "$WGC"
  nsrun "$BS" ip link set "$WGS" mtu 1400 up
  nsrun "$BS" ip addr add 2001:db8:5::2/64 dev "$WGS" nodad
  nsrun "$BS" ip -6 route add 2001:db8:c::/64 dev "$WGS"
  DESC[wg]="wireguard-go $(wireguard-go --version 2>/dev/null | head -1 | awk '{print $2}') (ChaCha20-Poly1305, UDP)"
  measure wg "$pc" "$ps"
  local rc=$?
  stop_pids "$pc" "$ps"
  return $rc
}

# ------------------------------------------------------------ OpenVPN
bench_ovpn() {
  local pc ps side
  for side in c s; do
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
      -subj "/CN=hb-ovpn-$side" -keyout "$W/ovpn-$side.key" -out "$W/ovpn-$side.crt" >/dev/null 2>&1 || return 1
  done
  local fpc fps
  fpc=$(openssl x509 -in "$W/ovpn-c.crt" -noout -fingerprint -sha256 | cut -d= -f2)
  fps=$(openssl x509 -in "$W/ovpn-s.crt" -noout -fingerprint -sha256 | cut -d= -f2)
  local common=(--dev hbovpn0 --dev-type tun --proto udp --lport 1194 --rport 1194 --tun-mtu 1400
                --data-ciphers AES-128-GCM --cipher AES-128-GCM --disable-dco --auth-nocache --verb 3)
  "${PIN[@]}" ip netns exec "$BS" openvpn "${common[@]}" --tls-server --dh none --local 192.0.2.2 --remote 192.0.2.1 \
    --cert "$W/ovpn-s.crt" --key "$W/ovpn-s.key" --peer-fingerprint "$fpc" \
    --ifconfig-ipv6 2001:db8:5::2/64 2001:db8:5::1 >"$W/ovpn-s.log" 2>&1 &
  ps=$!; PIDS+=("$ps")
  "${PIN[@]}" ip netns exec "$BC" openvpn "${common[@]}" --tls-client --local 192.0.2.1 --remote 192.0.2.2 \
    --cert "$W/ovpn-c.crt" --key "$W/ovpn-c.key" --peer-fingerprint "$fps" \
    --ifconfig-ipv6 2001:db8:c::2/64 2001:db8:c::1 >"$W/ovpn-c.log" 2>&1 &
  pc=$!; PIDS+=("$pc")
  local i
  for i in $(seq 100); do
    grep -q "Initialization Sequence Completed" "$W/ovpn-c.log" && grep -q "Initialization Sequence Completed" "$W/ovpn-s.log" && break
    sleep 0.1
  done
  nsrun "$BC" ip -6 route add 2001:db8:5::/64 dev hbovpn0
  nsrun "$BS" ip -6 route add 2001:db8:c::/64 dev hbovpn0
  local cipher
  cipher=$(grep -ho "Data Channel: cipher '[^']*'" "$W/ovpn-c.log" | head -1 | cut -d"'" -f2)
  DESC[ovpn]="OpenVPN $(openvpn --version | head -1 | awk '{print $2}') p2p TLS, data channel ${cipher:-?}, UDP"
  if [[ $cipher != AES-128-GCM ]]; then
    echo "bench_hometun: openvpn: data channel cipher '${cipher:-none}', not AES-128-GCM:" >&2
    tail -5 "$W/ovpn-c.log" >&2
  fi
  measure ovpn "$pc" "$ps"
  local rc=$?
  stop_pids "$pc" "$ps"
  return $rc
}

# ------------------------------------------------------------ run
echo "bench_hometun: iperf3 over IPv6 through each tunnel, bc -> bs, ${DUR} s per run, $ROUNDS round(s), CPUs $HB_CPUS ($(nproc) online), inner MTU 1400"
echo "  load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
failed=0
for ((ROUND = 1; ROUND <= ROUNDS; ROUND++)); do
for t in $HB_ONLY; do
  case $t in
    sixd)      bench_sixd sixd raw || failed=1 ;;
    sixd-natt) bench_sixd sixd-natt natt || failed=1 ;;
    wg)        bench_wg || failed=1 ;;
    ovpn)      bench_ovpn || failed=1 ;;
    *) echo "bench_hometun: unknown tunnel $t" >&2; failed=1 ;;
  esac
done
done

median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { if (NR) printf "%.3f", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
for t in "${!G1[@]}"; do
  # shellcheck disable=SC2086
  G1[$t]=$(median ${G1[$t]}) G4[$t]=$(median ${G4[$t]}) CPG[$t]=$(median ${CPG[$t]})
done
echo "  load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
((ROUNDS > 1)) && echo "(figures below: medians over $ROUNDS rounds)"

for t in $HB_ONLY; do
  [[ -n ${DESC[$t]:-} ]] && echo "  $t: ${DESC[$t]}"
done
line() {   # NAME LABEL
  [[ -n ${G1[$1]:-} ]] || return 0
  printf '%s: 1 stream %.2f Gbit/s, 4 streams %.2f Gbit/s, CPU %.3f s/Gbit' "$2" "${G1[$1]}" "${G4[$1]}" "${CPG[$1]}"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
parts=()
[[ -n ${G1[sixd]:-} ]] && parts+=("$(line sixd sixd)")
[[ -n ${G1[sixd-natt]:-} ]] && parts+=("$(line sixd-natt "sixd (ESP in UDP)")")
[[ -n ${G1[wg]:-} ]] && parts+=("$(line wg wireguard-go)")
[[ -n ${G1[ovpn]:-} ]] && parts+=("$(line ovpn openvpn)")
out=$(printf '; %s' "${parts[@]}")
echo "hometun ${out#; }"
if [[ -n ${G1[sixd]:-} && -n ${G1[wg]:-} ]]; then
  r1=$(ratio "${G1[sixd]}" "${G1[wg]}") r4=$(ratio "${G4[sixd]}" "${G4[wg]}")
  rc=$(ratio "${CPG[wg]}" "${CPG[sixd]}")
  met=$(awk -v a="$r1" -v b="$r4" 'BEGIN { print (a >= 2 && b >= 2) ? "met" : "not met" }')
  echo "ratio sixd/wireguard-go = $r1 (1 stream), $r4 (4 streams); CPU per Gbit wireguard-go/sixd = $rc; goal >= 2x wireguard-go: $met"
fi
if [[ -n ${G1[sixd-natt]:-} && -n ${G1[wg]:-} ]]; then
  echo "ratio sixd (ESP in UDP)/wireguard-go = $(ratio "${G1[sixd-natt]}" "${G1[wg]}") (1 stream), $(ratio "${G4[sixd-natt]}" "${G4[wg]}") (4 streams)"
fi
if [[ -n ${G1[sixd]:-} && -n ${G1[ovpn]:-} ]]; then
  echo "ratio sixd/openvpn = $(ratio "${G1[sixd]}" "${G1[ovpn]}") (1 stream), $(ratio "${G4[sixd]}" "${G4[ovpn]}") (4 streams)"
fi
exit $failed
