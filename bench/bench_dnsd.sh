#!/usr/bin/env bash
# Issue 13 benchmark: authoritative DNS queries per second, dnsperf against
# sixd's AIIH DNS server (`dstm dns`) and against Knot (knotd) serving the
# same zone, in the same run, on the same core(s). Not a test: it prints the
# figures and the ratio sixd/Knot, and fails only when it cannot measure.
#
#   bq-<pid>-c (dnsperf)                       bq-<pid>-s6 (sixd)
#     vc6 ======== veth ======== vs6 -- br0 -- tap0 (sixd's userspace stack)
#                                              bq-<pid>-sk (Knot)
#     vck ======== veth ======== vsk (knotd on the kernel's sockets)
#
# The zone: aiih.example.test with BQ_HOSTS (1000) AAAA hosts; the queries:
# AAAA of random hosts (every tenth an unknown name: NXDOMAIN). Both servers
# run pinned to BQ_CPUS (default 0; Knot with one UDP worker), dnsperf to
# BQ_CLIENT_CPUS (default 1), one server at a time, BQ_SECONDS (5) each,
# -c BQ_CLIENTS (4) -q BQ_OUTSTANDING (100) over UDP.
#
# dnsperf is not in scripts/deps (make check does not need it): when it is
# missing this script says so and installs the Debian package dnsperf with
# apt-get (BQ_INSTALL=0: it stops instead). Run as root: `bench/bench_dnsd.sh` (or from
# `make bench`, SIXD=path/to/sixd). BQ_KEEP=1 keeps the scratch folder.
set -uo pipefail

SIXD=${SIXD:-build/sixd}
[[ $SIXD == /* ]] || SIXD=$PWD/$SIXD
SIXCTL=${SIXCTL:-${SIXD%/*}/sixctl}
BQ_CPUS=${BQ_CPUS:-0}
BQ_CLIENT_CPUS=${BQ_CLIENT_CPUS:-1}
BQ_SECONDS=${BQ_SECONDS:-5}
BQ_HOSTS=${BQ_HOSTS:-1000}
BQ_CLIENTS=${BQ_CLIENTS:-4}
BQ_OUTSTANDING=${BQ_OUTSTANDING:-100}
PFX="bq-$$-"
C=${PFX}c S6=${PFX}s6 SK=${PFX}sk

if ((EUID != 0)); then
  echo "bench_dnsd: not measured (needs root: network namespaces)"
  exit 0
fi
[[ -x $SIXD && -x $SIXCTL ]] || { echo "bench_dnsd: no sixd/sixctl at $SIXD (make first)" >&2; exit 1; }
command -v knotd >/dev/null || { echo "bench_dnsd: knotd missing (scripts/deps: knot)" >&2; exit 1; }
if ! command -v dnsperf >/dev/null; then
  if [[ ${BQ_INSTALL:-1} == 1 ]]; then
    echo "bench_dnsd: dnsperf missing: installing the Debian package dnsperf (apt-get)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q dnsperf >/dev/null || { echo "bench_dnsd: apt-get failed" >&2; exit 1; }
  else
    echo "bench_dnsd: dnsperf missing: apt-get install dnsperf" >&2
    exit 1
  fi
fi

W=$(mktemp -d /tmp/bq-dnsd.XXXXXX) || exit 1
PIDS=()
cleanup() {
  local ns pid
  trap - EXIT INT TERM
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  for ns in "$C" "$S6" "$SK"; do
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -TERM "$pid" 2>/dev/null; done
  done
  sleep 0.3
  for ns in "$C" "$S6" "$SK"; do ip netns del "$ns" 2>/dev/null; done
  [[ ${BQ_KEEP:-0} == 1 ]] && echo "bench_dnsd: kept $W" || rm -rf "$W"
}
trap cleanup EXIT INT TERM
fail() { echo "bench_dnsd: $*" >&2; exit 1; }

# ------------------------------------------------------------ network
for ns in "$C" "$S6" "$SK"; do ip netns add "$ns" && ip -n "$ns" link set lo up || fail "netns"; done
ip link add vc6 netns "$C" type veth peer name vs6 netns "$S6" || fail veth
ip link add vck netns "$C" type veth peer name vsk netns "$SK" || fail veth
ip -n "$C" addr add 2001:db8:1::1/64 dev vc6 nodad
ip -n "$C" addr add 2001:db8:2::1/64 dev vck nodad
ip -n "$SK" addr add 2001:db8:2::2/64 dev vsk nodad
for l in "$C vc6" "$C vck" "$S6 vs6" "$SK vsk"; do set -- $l; ip -n "$1" link set "$2" up; done
ip -n "$S6" link add br0 type bridge mcast_snooping 0
ip -n "$S6" link set br0 up
ip -n "$S6" link set vs6 master br0

# ------------------------------------------------------------ the zone, the queries
{
  echo "dstm dns zone aiih.example.test ttl 300"
  for ((i = 1; i <= BQ_HOSTS; i++)); do printf 'dstm dns host h%d.aiih.example.test 2001:db8:9::%x\n' "$i" "$i"; done
} > "$W/zone.six"
{
  echo '$ORIGIN aiih.example.test.'
  echo '$TTL 300'
  echo '@ IN SOA ns1 hostmaster 1 3600 600 86400 300'
  echo '@ IN NS ns1'
  for ((i = 1; i <= BQ_HOSTS; i++)); do printf 'h%d IN AAAA 2001:db8:9::%x\n' "$i" "$i"; done
} > "$W/aiih.example.test.zone"
awk -v n="$BQ_HOSTS" 'BEGIN { srand(13); for (i = 0; i < 100000; i++) {
  if (i % 10 == 9) printf "nx%d.aiih.example.test AAAA\n", i; else printf "h%d.aiih.example.test AAAA\n", 1 + int(rand() * n) } }' > "$W/queries"

# ------------------------------------------------------------ servers
PIN=(taskset -c "$BQ_CPUS")
sixd_up() {
  cat > "$W/sixd.conf" <<CONF
link add tap0 type tap
link set tap0 up
addr add 2001:db8:1::2/64 dev tap0
CONF
  cat "$W/zone.six" >> "$W/sixd.conf"
  "${PIN[@]}" ip netns exec "$S6" "$SIXD" -f -n bq6 -c "$W/sixd.conf" -s "$W/sixd.sock" -S "$W/state" >"$W/sixd.log" 2>&1 &
  SPID=$!; PIDS+=("$SPID")
  local i
  for ((i = 0; i < 100; i++)); do
    if [[ -S $W/sixd.sock ]] && "$SIXCTL" -s "$W/sixd.sock" stats ip6.in_receives >/dev/null 2>&1; then
      ip -n "$S6" link set tap0 master br0 && ip -n "$S6" link set tap0 up
      sleep 2.5   # sixd's DAD, the bridge port forwarding
      return 0
    fi
    kill -0 "$SPID" 2>/dev/null || break
    sleep 0.1
  done
  fail "sixd did not start: $(tail -5 "$W/sixd.log")"
}
knot_up() {
  mkdir -p "$W/knot/db" "$W/knot/run"
  cp "$W/aiih.example.test.zone" "$W/knot/"
  cat > "$W/knot/knot.conf" <<CONF
server:
  rundir: "$W/knot/run"
  user: root:root
  listen: [ 2001:db8:2::2@53 ]
  udp-workers: 1
  tcp-workers: 1
  background-workers: 1
database:
  storage: "$W/knot/db"
log:
  - target: stderr
    any: warning
template:
  - id: default
    storage: "$W/knot"
    zonefile-sync: -1
zone:
  - domain: aiih.example.test
CONF
  "${PIN[@]}" ip netns exec "$SK" knotd -c "$W/knot/knot.conf" >"$W/knot.log" 2>&1 &
  KPID=$!; PIDS+=("$KPID")
  local i
  for ((i = 0; i < 50; i++)); do
    ip netns exec "$C" dig +time=1 +tries=1 +short @2001:db8:2::2 h1.aiih.example.test AAAA 2>/dev/null | grep -q . && return 0
    sleep 0.2
  done
  fail "knotd did not answer: $(tail -5 "$W/knot.log")"
}

# ------------------------------------------------------------ measure
perf() {   # NAME SERVER-ADDR → prints qps
  local out
  out=$(taskset -c "$BQ_CLIENT_CPUS" ip netns exec "$C" dnsperf -s "$2" -d "$W/queries" -l "$BQ_SECONDS" \
        -c "$BQ_CLIENTS" -q "$BQ_OUTSTANDING" 2>&1)
  echo "$out" > "$W/dnsperf-$1.txt"
  local qps lost
  qps=$(awk '/Queries per second:/ { print $4 }' <<<"$out")
  lost=$(awk '/Queries lost:/ { print $3 }' <<<"$out")
  [[ -n $qps ]] || fail "$1: dnsperf printed no rate: $(tail -5 <<<"$out")"
  printf '%-6s %12.0f queries/s   (lost %s)\n' "$1" "$qps" "$lost" >&2
  echo "$qps"
}

sixd_up
ip netns exec "$C" dig +time=2 +short @2001:db8:1::2 h1.aiih.example.test AAAA | grep -q 2001:db8:9::1 || fail "sixd does not answer"
Q6=$(perf sixd 2001:db8:1::2)
kill -TERM "$SPID"; wait "$SPID" 2>/dev/null
knot_up
QK=$(perf knot 2001:db8:2::2)
echo "bench_dnsd: AAAA queries/s over UDP, ${BQ_SECONDS}s, $BQ_CLIENTS clients, $BQ_HOSTS hosts, servers on CPU $BQ_CPUS:"
printf '  sixd %.0f/s  knot %.0f/s  sixd/knot %.2f\n' "$Q6" "$QK" "$(awk -v a="$Q6" -v b="$QK" 'BEGIN { print a / b }')"
