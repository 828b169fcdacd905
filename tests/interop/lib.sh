# Helpers for interop tests (source it: . "$(dirname "$0")/lib.sh").
#
# Everything a test creates lives under a scratch dir $W (/tmp/six-interop.*)
# or in network namespaces named six-<pid>-NAME; the EXIT trap kills every
# process started through these helpers, deletes every namespace and $W,
# even when the test fails or is interrupted. Nothing here touches the
# host's own interfaces, routes or configuration files.
#
# Output: "ok - NAME" / "not ok - NAME" / "skip - NAME" lines (tests/run counts
# them); diagnostics go to stderr prefixed with "# ".

set -uo pipefail

SIXD=${SIXD:-build/sixd}
SIXCTL=${SIXCTL:-build/sixctl}
[[ $SIXD == /* ]] || SIXD=$PWD/$SIXD
[[ $SIXCTL == /* ]] || SIXCTL=$PWD/$SIXCTL
PY=/usr/bin/python3              # Debian's python, which sees python3-scapy
SIX_PREFIX="six-$$-"
T_NAME=$(basename "$0" .sh)
T_FAILED=0

W=$(mktemp -d /tmp/six-interop.XXXXXX) || { echo "not ok - $T_NAME (mktemp)"; exit 1; }
: > "$W/.pids"
: > "$W/.netns"
# Every sixd of a test keeps its state (sixd -S, default $STATE_DIRECTORY)
# in the test's scratch folder, never in the host's /var/lib/sixstack.
export STATE_DIRECTORY="$W/state"

note() { printf '# %s\n' "$*" >&2; }
ok()   { printf 'ok - %s\n' "$1"; }
fail() { printf 'not ok - %s\n' "$1"; shift; (($#)) && note "$@"; T_FAILED=$((T_FAILED + 1)); }
skip() { printf 'skip - %s\n' "$1"; shift; (($#)) && note "$@"; }
# check NAME CMD...: ok if CMD succeeds, else fail (CMD's output is shown).
check() {
  local name=$1; shift
  local out
  if out=$("$@" 2>&1); then ok "$name"; else fail "$name" "$*: $out"; fi
}

need_root() {
  if ((EUID != 0)); then
    skip "$T_NAME" "needs root (network namespaces)"
    exit 0
  fi
}

# Record a pid to be killed at exit (any subshell may call it).
track_pid() { echo "$1" >> "$W/.pids"; }

# ns_add NAME: create namespace six-<pid>-NAME with lo up; prints its full name.
ns_add() {
  local ns="$SIX_PREFIX$1"
  ip netns add "$ns" || return 1
  echo "$ns" >> "$W/.netns"
  ip -n "$ns" link set lo up
  echo "$ns"
}

# veth NS1 IF1 NS2 IF2: a veth pair between two namespaces, both ends up.
veth() {
  ip link add "$2" netns "$1" type veth peer name "$4" netns "$3" || return 1
  ip -n "$1" link set "$2" up && ip -n "$3" link set "$4" up
}

# nsrun NS CMD...: run CMD inside NS.
nsrun() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

# sixd_start NAME NS CONFIG [sixd args...]: start sixd in NS with control
# socket $W/NAME.sock and log $W/NAME.log; wait (10 s) for the socket.
# Sets SIXD_PID_<NAME>. Returns non-zero (and shows the log) if it did not come up.
sixd_start() {
  local name=$1 ns=$2 conf=$3; shift 3
  local sock="$W/$name.sock" log="$W/$name.log"
  ip netns exec "$ns" "$SIXD" -f -d -n "$name" -c "$conf" -s "$sock" "$@" >"$log" 2>&1 &
  local pid=$!
  track_pid "$pid"
  printf -v "SIXD_PID_$name" '%s' "$pid"
  local i
  for ((i = 0; i < 100; i++)); do
    if [[ -S $sock ]] && "$SIXCTL" -s "$sock" stats ip6.in_receives >/dev/null 2>&1; then
      return 0
    fi
    if ! kill -0 "$pid" 2>/dev/null; then
      note "sixd $name exited early:"; sed 's/^/#   /' "$log" >&2
      return 1
    fi
    sleep 0.1
  done
  note "sixd $name: no control socket after 10 s:"; sed 's/^/#   /' "$log" >&2
  return 1
}

# sixd_stop NAME: SIGTERM, wait up to 5 s; returns sixd's exit status.
sixd_stop() {
  local v="SIXD_PID_$1"
  local pid=${!v:-}
  [[ -n $pid ]] || return 1
  kill -TERM "$pid" 2>/dev/null
  local i
  for ((i = 0; i < 50; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  wait "$pid" 2>/dev/null
}

# ctl NAME ARGS...: sixctl against sixd NAME's socket.
ctl() { local name=$1; shift; "$SIXCTL" -s "$W/$name.sock" "$@"; }

# tap_bridges NS IF0 [IF1 ...]: in NS, bridge brI joins sixd's tapI and IFI
# (the namespace's end of a veth), all up, so that the veth's frames reach
# sixd's TAP (sixd must hold the TAPs open already).
tap_bridges() {
  local ns=$1 i=0 peer
  shift
  for peer in "$@"; do
    nsrun "$ns" ip link add br$i type bridge
    nsrun "$ns" ip link set tap$i master br$i
    nsrun "$ns" ip link set tap$i up
    nsrun "$ns" ip link set br$i up
    nsrun "$ns" ip link set "$peer" master br$i
    i=$((i + 1))
  done
}

# is_json: stdin parses as JSON.
is_json() { "$PY" -c 'import json,sys; json.load(sys.stdin)'; }

six_cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  local pids=() nss=() pid ns i
  [[ -r $W/.pids ]] && mapfile -t pids < "$W/.pids"
  [[ -r $W/.netns ]] && mapfile -t nss < "$W/.netns"
  # Namespaces are found by their prefix too, so that cleanup works even if
  # $W was damaged; everything still running inside them goes as well.
  while read -r ns _; do nss+=("$ns"); done < <(ip netns list 2>/dev/null | grep "^$SIX_PREFIX")
  for ns in "${nss[@]}"; do
    [[ -n $ns ]] || continue
    while read -r pid; do pids+=("$pid"); done < <(ip netns pids "$ns" 2>/dev/null)
  done
  for pid in "${pids[@]}"; do [[ -n $pid ]] && kill -TERM "$pid" 2>/dev/null; done
  for ((i = 0; i < 20; i++)); do
    local alive=0
    for pid in "${pids[@]}"; do [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null && alive=1; done
    ((alive)) || break
    sleep 0.1
  done
  for pid in "${pids[@]}"; do [[ -n $pid ]] && kill -KILL "$pid" 2>/dev/null; done
  for ns in "${nss[@]}"; do
    [[ -n $ns ]] || continue
    ip netns pids "$ns" 2>/dev/null | xargs -r kill -KILL 2>/dev/null
    ip netns del "$ns" 2>/dev/null
  done
  # A sanitizer build (make SAN=1 check) reports into sixd's log at exit.
  local log
  for log in "$W"/*.log; do
    [[ -f $log ]] || continue
    if grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$log"; then
      printf 'not ok - %s: sanitizer report in %s\n' "$T_NAME" "$(basename "$log")"
      grep -E -A12 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$log" | head -30 | sed 's/^/#   /' >&2
      rc=1
    fi
  done
  if [[ ${SIX_KEEP:-} == 1 ]]; then note "kept $W"; else rm -rf "$W"; fi
  exit "$rc"
}
trap six_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# finish: exit status of the test (1 if any case failed).
finish() { ((T_FAILED == 0)); exit $?; }
