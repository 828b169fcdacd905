#!/usr/bin/env bash
# Issue 12 benchmark: DHCPv6 exchanges per second, Kea's perfdhcp -6 against
# sixd's server and against Kea 2.2 (kea-dhcp6), in the same run, on the same
# core(s), address only and address + prefix, with durable leases on both
# sides; then the same with PostgreSQL stores (sixd `store postgresql://…`,
# Kea's PostgreSQL lease backend) on a throw-away cluster. Not a test: it
# prints figures and ratios, and fails only when it cannot measure.
#
#   bd-<pid>-c (perfdhcp)                       bd-<pid>-s6 (sixd)
#     vc6 ======== veth ======== vs6 -- br0 -- tap0 (sixd's userspace stack)
#                                             bd-<pid>-sk (Kea)
#     vck ======== veth ======== vsk (kea-dhcp6 on the kernel's socket)
#
# sixd's server is set up as tests/interop/test_dhcp6_server.sh does (a TAP
# bridged to the veth); Kea as /work/shared/PEERS.md says. Both servers (and
# the PostgreSQL cluster) run pinned to BD_CPUS (default 0), perfdhcp to
# BD_CLIENT_CPUS (default 1); one server at a time.
#
# Method: perfdhcp -6 -R 10000000 (every Solicit a new client, four-message
# exchanges: Solicit, Advertise, Request, Reply) at increasing rates,
# BD_STEP seconds each (default 3): 1000, then x1.5 while the step stays
# clean (when 1000/s is not clean: 333, then 111). A step is clean when perfdhcp's drops (Advertises and Replies it
# never got, -d 2 s) are at most BD_TOL percent (default 0.1) of what it sent.
# Reported per server: the highest clean rate ("clean/s") and the highest
# completed-exchange rate perfdhcp measured in any step ("peak/s"). Each
# configuration starts on a fresh, empty lease store and stops after its
# first unclean step (≤ ~30 s).
#
# Durability: sixd's journal fsyncs each group commit before the Replies it
# holds go out; Kea's memfile with "persist": true appends each lease to its
# CSV file but does not fsync (the figures say whether strace saw any).
# PostgreSQL runs with fsync and synchronous_commit on (its defaults) for
# both servers.
#
# Run as root: `bench/bench_dhcp6.sh` (from `make bench`, or alone with
# SIXD=path/to/sixd). BD_ONLY="mem pg" picks the store kinds; BD_MODES
# ("na na+pd"); BD_KEEP=1 keeps the scratch folder; BD_PERF=1 records
# `perf record -g` of sixd's address-only run with that store (BD_PERF=sixdmem,
# sixdpg, sixd-altmem ...; to BD_PERF_OUT); SIXD_ALT=path runs a second sixd build as "sixd-alt"
# (to compare a change).
set -uo pipefail

SIXD=${SIXD:-build/sixd}
[[ $SIXD == /* ]] || SIXD=$PWD/$SIXD
SIXCTL=${SIXCTL:-${SIXD%/*}/sixctl}
SIXD_ALT=${SIXD_ALT:-}
BD_ONLY=${BD_ONLY:-mem pg}
BD_MODES=${BD_MODES:-na na+pd}
BD_CPUS=${BD_CPUS:-0}
BD_CLIENT_CPUS=${BD_CLIENT_CPUS:-1}
BD_STEP=${BD_STEP:-3}
BD_TOL=${BD_TOL:-0.1}
BD_START=${BD_START:-1000}
BD_MAXSTEPS=${BD_MAXSTEPS:-8}
BD_SERVERS=${BD_SERVERS:-sixd kea kea-mt}
PFX="bd-$$-"
C=${PFX}c S6=${PFX}s6 SK=${PFX}sk

if ((EUID != 0)); then
  echo "bench_dhcp6: not measured (needs root: network namespaces)"
  exit 0
fi
[[ -x $SIXD && -x $SIXCTL ]] || { echo "bench_dhcp6: no sixd/sixctl at $SIXD (make first)" >&2; exit 1; }
for p in kea-dhcp6 perfdhcp; do
  command -v $p >/dev/null || { echo "bench_dhcp6: $p missing (scripts/deps: kea-dhcp6-server, kea-admin)" >&2; exit 1; }
done

# ------------------------------------------------------------ scratch, cleanup
W=$(mktemp -d /tmp/bd-dhcp6.XXXXXX) || exit 1
PIDS=()
cleanup() {
  local ns pid
  trap - EXIT INT TERM
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  for ns in "$C" "$S6" "$SK"; do
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -TERM "$pid" 2>/dev/null; done
  done
  pg_stop
  sleep 0.3
  for ns in "$C" "$S6" "$SK"; do
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null; done
    ip netns del "$ns" 2>/dev/null
  done
  [[ ${BD_KEEP:-} == 1 ]] && echo "bench_dhcp6: kept $W" || rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

nsrun() { local ns=$1; shift; ip netns exec "$ns" "$@"; }
PIN=(taskset -c "$BD_CPUS")

for ns in "$C" "$S6" "$SK"; do ip netns add "$ns" || exit 1; ip -n "$ns" link set lo up; done
ip link add vc6 netns "$C" type veth peer name vs6 netns "$S6" || exit 1
ip link add vck netns "$C" type veth peer name vsk netns "$SK" || exit 1
for ns in "$C" "$S6" "$SK"; do nsrun "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0; done
for x in "$C vc6" "$C vck" "$S6 vs6" "$SK vsk"; do
  set -- $x; nsrun "$1" sysctl -qw "net.ipv6.conf.$2.accept_dad=0"; ip -n "$1" link set "$2" up
done
ip -n "$S6" link add br0 type bridge mcast_snooping 0
ip -n "$S6" link set br0 up
ip -n "$S6" link set vs6 master br0
ip -n "$SK" addr add 2001:db8:2::2/64 dev vsk

# ------------------------------------------------------------ PostgreSQL (throw-away cluster)
# tests/interop/pg_cluster.sh gives PGBIN, pg_as, pg_createdb, pg_sql and
# pg_conn; its start turns fsync off (fine for a test), so the cluster is
# started here with PostgreSQL's durable defaults and pinned like the servers.
PG_UP=0
fail() { echo "bench_dhcp6: $*" >&2; }
finish() { return 1; }
six_cleanup() { :; }
. "$(dirname "$0")/../tests/interop/pg_cluster.sh"
pg_stop() {
  ((PG_UP)) && pg_as "$PGBIN/pg_ctl" -D "$PGD/data" stop -m fast -w >/dev/null 2>&1
  PG_UP=0
}
pg_up() {
  [[ -n $PGBIN && -x $PGBIN/initdb ]] && id postgres >/dev/null 2>&1 ||
    { echo "  (no PostgreSQL server binaries or postgres user: PostgreSQL not measured)"; return 1; }
  chmod 711 "$W"
  mkdir -p "$PGD" && chown postgres: "$PGD" && chmod 700 "$PGD"
  pg_as "$PGBIN/initdb" -D "$PGD/data" -A trust -U postgres >"$W/initdb.log" 2>&1 ||
    { fail "initdb: $(tail -n 5 "$W/initdb.log")"; return 1; }
  "${PIN[@]}" runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PGD/data" -l "$PGD/server.log" -w -t 30 \
    -o "-k $PGD -h '' -p $PORT -c max_connections=40" start >"$W/pg_ctl.log" 2>&1 ||
    { fail "pg_ctl start: $(tail -n 5 "$PGD/server.log" 2>/dev/null)"; return 1; }
  PG_UP=1
}

# ------------------------------------------------------------ servers
# Pools: sixd 2001:db8:1::/64 + 3fff:100::/32 delegating /56, Kea the same
# sizes in 2001:db8:2::/64 and 3fff:200::/32: never exhausted by a run.
# Lifetimes the same on both: valid 7200, preferred 3600, T1 1800, T2 2880.
SPID=
sixd_up() {   # BIN STORE
  local bin=$1 store=$2 i
  cat > "$W/sixd.conf" <<CONF
link add tap0 type tap
link set tap0 up
addr add 2001:db8:1::2/64 dev tap0
dhcp6 server dev tap0 pool 2001:db8:1::1:0-2001:db8:1::ffff:ffff:ffff pd-pool 3fff:100::/32 delegate 56 valid 7200 preferred 3600 t1 1800 t2 2880 store $store
CONF
  rm -f "$W/sixd.sock"
  "${PIN[@]}" ip netns exec "$S6" "$bin" -f -n bd6 -c "$W/sixd.conf" -s "$W/sixd.sock" -S "$W/state" >"$W/sixd.log" 2>&1 &
  SPID=$!; PIDS+=("$SPID")
  for ((i = 0; i < 100; i++)); do
    if [[ -S $W/sixd.sock ]] && "$SIXCTL" -s "$W/sixd.sock" stats ip6.in_receives >/dev/null 2>&1; then
      ip -n "$S6" link set tap0 master br0 && ip -n "$S6" link set tap0 up
      sleep 2.5   # sixd's DAD, the bridge port forwarding
      return 0
    fi
    kill -0 "$SPID" 2>/dev/null || break
    sleep 0.1
  done
  fail "sixd did not start: $(tail -5 "$W/sixd.log")"; return 1
}
KEA_MT=0
kea_up() {   # memfile | pgsql DB
  local db i mt=""
  if [[ $1 == memfile ]]; then
    rm -f "$W/kea-leases6.csv"*
    db="{ \"type\": \"memfile\", \"persist\": true, \"name\": \"$W/kea-leases6.csv\", \"lfc-interval\": 0 }"
  else
    db="{ \"type\": \"postgresql\", \"name\": \"$2\", \"host\": \"$PGD\", \"port\": $PORT, \"user\": \"postgres\" }"
  fi
  ((KEA_MT)) && mt='"multi-threading": { "enable-multi-threading": true, "thread-pool-size": 4, "packet-queue-size": 256 },'
  cat > "$W/kea-dhcp6.conf" <<CONF
{ "Dhcp6": { $mt
  "interfaces-config": { "interfaces": [ "vsk" ] },
  "data-directory": "$W",
  "lease-database": $db,
  "valid-lifetime": 7200, "preferred-lifetime": 3600, "renew-timer": 1800, "rebind-timer": 2880,
  "subnet6": [ { "subnet": "2001:db8:2::/64", "interface": "vsk",
      "pools": [ { "pool": "2001:db8:2::1:0 - 2001:db8:2::ffff:ffff:ffff" } ],
      "pd-pools": [ { "prefix": "3fff:200::", "prefix-len": 32, "delegated-len": 56 } ] } ],
  "loggers": [ { "name": "kea-dhcp6", "output_options": [ { "output": "$W/kea.log" } ], "severity": "WARN" } ]
} }
CONF
  KEA_PIDFILE_DIR=$W KEA_LOCKFILE_DIR=$W "${PIN[@]}" ip netns exec "$SK" kea-dhcp6 -c "$W/kea-dhcp6.conf" >"$W/kea.out" 2>&1 &
  SPID=$!; PIDS+=("$SPID")
  for ((i = 0; i < 50; i++)); do
    nsrun "$SK" ss -uln 2>/dev/null | grep -q ':547 ' && { sleep 0.5; return 0; }
    kill -0 "$SPID" 2>/dev/null || break
    sleep 0.1
  done
  fail "kea-dhcp6 did not start: $(tail -5 "$W/kea.out" "$W/kea.log" 2>/dev/null)"; return 1
}
server_down() {
  kill -TERM "$SPID" 2>/dev/null
  local i; for ((i = 0; i < 50; i++)); do kill -0 "$SPID" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$SPID" 2>/dev/null; wait "$SPID" 2>/dev/null
}

# ------------------------------------------------------------ measurement
# step IF MODE RATE TAG: one perfdhcp run; prints "SENT DROPS EXCH_PER_S"
step() {
  local ifc=$1 mode=$2 rate=$3 tag=$4 e=()
  [[ $mode == na+pd ]] && e=(-e address-and-prefix)
  taskset -c "$BD_CLIENT_CPUS" ip netns exec "$C" perfdhcp -6 -l "$ifc" "${e[@]}" -r "$rate" -R 10000000 \
    -p "$BD_STEP" -d 2 -W 1000000 >"$W/perf-$tag-$rate.log" 2>&1
  awk -v p="$BD_STEP" '
    /^\*\*\*Statistics for: SOLICIT-ADVERTISE/ { x = 1 } /^\*\*\*Statistics for: REQUEST-REPLY/ { x = 2 }
    /^sent packets:/ { s[x] = $3 } /^received packets:/ { r[x] = $3 } /^drops:/ { d[x] = $2 }
    END { printf "%d %d %.0f\n", s[1] + s[2], d[1] + d[2], r[2] / p }' "$W/perf-$tag-$rate.log"
}

# warm IF: a few exchanges first, so that the server knows perfdhcp's
# link-layer address before the ramp (else the first burst of Advertises
# waits on neighbour discovery, and a small ND queue drops some)
warm() {
  taskset -c "$BD_CLIENT_CPUS" ip netns exec "$C" perfdhcp -6 -l "$1" -r 20 -n 20 -R 10000000 -d 2 >/dev/null 2>&1
}

declare -A CLEAN PEAK STEPS
# ramp NAME IF MODE: the rates, step by step; CLEAN/PEAK[NAME/MODE]
ramp() {
  local name=$1 ifc=$2 mode=$3 rate=$BD_START n sent drops ex clean=0 peak=0 trail="" down=0
  warm "$ifc"
  for ((n = 0; n < BD_MAXSTEPS; n++)); do
    read -r sent drops ex < <(step "$ifc" "$mode" "$rate" "$name-$mode")
    ((ex > peak)) && peak=$ex
    local ok; ok=$(awk -v s="$sent" -v d="$drops" -v t="$BD_TOL" 'BEGIN { print (s > 0 && d * 100 <= s * t) ? 1 : 0 }')
    trail+=" $rate:$ex$( ((ok)) || echo "(drops $drops/$sent)")"
    if ((ok)); then
      clean=$rate
      ((down)) && break
      rate=$((rate * 3 / 2))
    else
      # not clean at the first rate: down by thirds (at most twice) to a clean one
      ((clean == 0 && down < 2 && rate >= 150)) || break
      down=$((down + 1)) rate=$((rate / 3))
    fi
  done
  CLEAN[$name/$mode]=$clean PEAK[$name/$mode]=$peak STEPS[$name/$mode]=$trail
  printf '  %-14s %-6s clean %6d/s  peak %6d exchanges/s  [offered:done/s%s]\n' "$name" "$mode" "$clean" "$peak" "$trail"
}

# kea_fsyncs: does Kea fsync its lease file? (strace for 1 s under a light load)
kea_fsyncs() {
  command -v strace >/dev/null || { echo "?"; return; }
  timeout 3 strace -f -c -e trace=fsync,fdatasync,sync_file_range,msync -p "$SPID" -o "$W/kea.strace" 2>/dev/null &
  local tp=$!
  sleep 0.5
  taskset -c "$BD_CLIENT_CPUS" ip netns exec "$C" perfdhcp -6 -l vck -r 200 -R 10000000 -p 1 >/dev/null 2>&1
  wait "$tp" 2>/dev/null
  awk '$NF ~ /sync/ && $4 ~ /^[0-9]+$/ { n += $4 } END { print n + 0 }' "$W/kea.strace"
}

PERF_PID=
perf_start() { command -v perf >/dev/null || return 0
  perf record -F 999 -g -o "${BD_PERF_OUT:-/tmp/bd-sixd.perf.data}" -p "$1" >"$W/perf.log" 2>&1 & PERF_PID=$!; sleep 0.2; }
perf_stop() { [[ -n $PERF_PID ]] || return 0; kill -INT "$PERF_PID" 2>/dev/null; wait "$PERF_PID" 2>/dev/null; PERF_PID=; }

HZ=$(getconf CLK_TCK)
cpu_ticks() { awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }
per_lease() { awk -v a="$1" -v b="$2" -v n="$3" 'BEGIN { if (n > 0) printf "%.0f", (b - a) * 1024 / n; else print "n/a" }'; }

sixctr() { "$SIXCTL" -s "$W/sixd.sock" stats "$1" 2>/dev/null | awk '{print $NF}'; }

bench_sixd() {   # NAME BIN STORE-KIND MODE
  local name=$1 bin=$2 kind=$3 mode=$4 store
  if [[ $kind == mem ]]; then rm -f "$W/leases"*; store=$W/leases; else store=$(pg_conn "six$RUN"); fi
  sixd_up "$bin" "$store" || return 1
  local rss0; rss0=$(rss_kib "$SPID")
  [[ -n ${BD_PERF:-} && $mode == na && $name$kind == "$BD_PERF" ]] && perf_start "$SPID"
  local t0; t0=$(cpu_ticks "$SPID")
  ramp "$name${kind/mem/}" vc6 "$mode"
  echo "                 CPU $(( ($(cpu_ticks "$SPID") - t0) * 1000 / HZ )) ms over the ramp"
  perf_stop
  local b f c
  b=$(sixctr lease.batches) f=$(sixctr lease.fsyncs) c=$(sixctr lease.commits)
  local nl; nl=$("$SIXCTL" -s "$W/sixd.sock" -j dhcp6 leases | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
  echo "                 $nl leases; RSS $rss0 -> $(rss_kib "$SPID") KiB: $(per_lease "$rss0" "$(rss_kib "$SPID")" "$nl") B/lease"
  [[ $kind == mem ]] && echo "                 journal: $c commits in $b batches, $f fsyncs; drops: $("$SIXCTL" -s "$W/sixd.sock" stats | grep -E '^dhcp6s\.drop|^lease\.drop' | awk '$2 > 0' | tr '\n' ' ')"
  [[ ${BD_STATS:-} == 1 ]] && "$SIXCTL" -s "$W/sixd.sock" stats | awk '$2 > 0' | grep -E '^(dhcp6s|lease|udp|ip6|if|host|nd6)' | tr '\n' ' '
  [[ $kind == pg ]] && echo "                 postgresql: $(sixctr lease.pg_queries) statements, $(sixctr lease.pg_conflicts) conflicts, $(sixctr lease.pg_errors) errors"
  server_down
}
KEA_SYNC=
bench_kea() {   # NAME STORE-KIND MODE (NAME kea-mt: Kea's multi-threading on)
  local name=$1 kind=$2 mode=$3
  KEA_MT=0; [[ $name == kea-mt ]] && KEA_MT=1
  if [[ $kind == mem ]]; then kea_up memfile || return 1
  else
    pg_createdb "kea$RUN" && kea-admin db-init pgsql -n "kea$RUN" -u postgres -h "$PGD" -P "$PORT" >"$W/kea-admin.log" 2>&1 ||
      { fail "kea-admin db-init: $(tail -3 "$W/kea-admin.log")"; return 1; }
    kea_up pgsql "kea$RUN" || return 1
  fi
  [[ $kind == mem && -z $KEA_SYNC ]] && KEA_SYNC=$(kea_fsyncs)
  local rss0 nl; rss0=$(rss_kib "$SPID")
  ramp "$name${kind/mem/}" vck "$mode"
  if [[ $kind == mem ]]; then nl=$(($(wc -l < "$W/kea-leases6.csv") - 1))
  else nl=$(pg_sql "kea$RUN" -c "select count(*) from lease6"); fi
  echo "                 $nl leases; RSS $rss0 -> $(rss_kib "$SPID") KiB: $(per_lease "$rss0" "$(rss_kib "$SPID")" "$nl") B/lease"
  server_down
}

# ------------------------------------------------------------ run
echo "bench_dhcp6: perfdhcp -6 four-message exchanges, new client each; servers on CPU $BD_CPUS, perfdhcp on CPU $BD_CLIENT_CPUS ($(nproc) online); ${BD_STEP} s steps from $BD_START/s x1.5, clean = drops <= $BD_TOL %"
echo "  $(kea-dhcp6 -V | head -1 | sed 's/^/Kea /'), perfdhcp $(perfdhcp -v 2>&1 | head -1); sixd $(git -C "$(dirname "$0")" describe --always --dirty 2>/dev/null)"
echo "  load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
failed=0 RUN=0
for kind in $BD_ONLY; do
  if [[ $kind == pg ]]; then
    echo "PostgreSQL stores ($("$PGBIN/postgres" -V 2>/dev/null), fsync on, synchronous_commit on, unix socket):"
    pg_up || continue
  else
    echo "Embedded stores (sixd: journal, fsync per group commit; Kea: memfile persist true):"
  fi
  for mode in $BD_MODES; do
    RUN=$((RUN + 1))
    [[ $kind == pg ]] && { pg_createdb "six$RUN" || { failed=1; continue; }; }
    [[ " $BD_SERVERS " == *" sixd "* ]] && { bench_sixd sixd "$SIXD" "$kind" "$mode" || failed=1; }
    [[ -n $SIXD_ALT ]] && { RUN=$((RUN + 1)); [[ $kind == pg ]] && pg_createdb "six$RUN"; bench_sixd sixd-alt "$SIXD_ALT" "$kind" "$mode" || failed=1; }
    [[ " $BD_SERVERS " == *" kea "* ]] && { RUN=$((RUN + 1)); bench_kea kea "$kind" "$mode" || failed=1; }
    [[ " $BD_SERVERS " == *" kea-mt "* ]] && { RUN=$((RUN + 1)); bench_kea kea-mt "$kind" "$mode" || failed=1; }
  done
  [[ $kind == pg ]] && pg_stop
done
echo "  load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
[[ -n $KEA_SYNC ]] && echo "  Kea memfile: $KEA_SYNC fsync/fdatasync calls seen by strace during 200 exchanges"

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
echo
printf '| store | mode | sixd clean/s | Kea clean/s | ratio | sixd peak/s | Kea peak/s | ratio |\n|---|---|---:|---:|---:|---:|---:|---:|\n'
for kind in $BD_ONLY; do
  for mode in $BD_MODES; do
    s=sixd${kind/mem/} k=kea${kind/mem/}
    [[ -n ${PEAK[$s/$mode]:-} ]] || continue
    printf '| %s | %s | %s | %s | %s | %s | %s | %s |\n' "$([[ $kind == mem ]] && echo "journal / memfile" || echo postgresql)" "$mode" \
      "${CLEAN[$s/$mode]}" "${CLEAN[$k/$mode]:-}" "$(ratio "${CLEAN[$s/$mode]}" "${CLEAN[$k/$mode]:-0}")" \
      "${PEAK[$s/$mode]}" "${PEAK[$k/$mode]:-}" "$(ratio "${PEAK[$s/$mode]}" "${PEAK[$k/$mode]:-0}")"
    [[ -n ${PEAK[kea-mt${kind/mem/}/$mode]:-} ]] && printf '| %s | %s | %s | %s (Kea MT) | %s | %s | %s (Kea MT) | %s |\n' "$kind" "$mode" \
      "${CLEAN[$s/$mode]}" "${CLEAN[kea-mt${kind/mem/}/$mode]}" "$(ratio "${CLEAN[$s/$mode]}" "${CLEAN[kea-mt${kind/mem/}/$mode]}")" \
      "${PEAK[$s/$mode]}" "${PEAK[kea-mt${kind/mem/}/$mode]}" "$(ratio "${PEAK[$s/$mode]}" "${PEAK[kea-mt${kind/mem/}/$mode]}")"
    [[ -n ${PEAK[sixd-alt${kind/mem/}/$mode]:-} ]] && printf '| %s (sixd-alt) | %s | %s | | | %s | | |\n' "$kind" "$mode" \
      "${CLEAN[sixd-alt${kind/mem/}/$mode]}" "${PEAK[sixd-alt${kind/mem/}/$mode]}"
  done
done
exit $failed
