#!/usr/bin/env bash
# Bad input from scapy into sixd over a TAP: truncated headers, lying lengths,
# extension-header chains, options, fragments, ND rules, bad checksums, runts.
# Each is dropped and counted under its own name and sixd keeps answering pings.
. "$(dirname "$0")/lib.sh"
need_root

N=$(ns_add h) || { fail "netns"; finish; }
cat > "$W/s.conf" <<CONF
link add tap0 type tap
link set tap0 up
addr add 2001:db8:1::2/64 dev tap0
addr add 192.0.2.2/24 dev tap0
CONF
sixd_start s "$N" "$W/s.conf" || { fail "sixd starts"; finish; }
nsrun "$N" ip link set tap0 up
nsrun "$N" ip addr add 2001:db8:1::1/64 dev tap0 nodad
nsrun "$N" ip addr add 192.0.2.1/24 dev tap0
sleep 2
six_mac=$(ctl s -j link show tap0 | "$PY" -c 'import json,sys; print(json.load(sys.stdin)[0]["address"])')
six_ll=$(ctl s -j addr show dev tap0 | "$PY" -c '
import json,sys
print([a["local"] for a in json.load(sys.stdin) if a["local"].startswith("fe80")][0])')
nsrun "$N" ping -6 -c 1 -W 2 2001:db8:1::2 >/dev/null   # resolve neighbors both ways
nsrun "$N" ping -4 -c 1 -W 2 192.0.2.2 >/dev/null
nsrun "$N" "$PY" "$(dirname "$0")/hostile.py" tap0 "$SIXCTL" "$W/s.sock" "$six_mac" 2001:db8:1::2 "$six_ll" \
  192.0.2.2 2001:db8:1::1 192.0.2.1 2>"$W/scapy.err"
rc=$?
((rc == 0)) || note "$(tail -5 "$W/scapy.err")"
if kill -0 "$SIXD_PID_s" 2>/dev/null; then ok "sixd still running after the hostile input"
else fail "sixd still running after the hostile input"; fi
finish
