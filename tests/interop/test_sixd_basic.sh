#!/usr/bin/env bash
# sixd and sixctl basics in a network namespace: a config that creates a TAP,
# link show (text and JSON), stats as JSON, config errors naming FILE:LINE,
# usage errors (exit 2, state unchanged), bad control-socket input, a client
# leaving during a pending command, clean SIGTERM exit.
. "$(dirname "$0")/lib.sh"
need_root

A=$(ns_add a) || { fail "netns"; finish; }

cat > "$W/s1.conf" <<'CONF'
# sixd test config
link add tap0 type tap
link set tap0 up   # trailing comment
CONF

if sixd_start s1 "$A" "$W/s1.conf"; then ok "sixd starts with a config creating a TAP"
else fail "sixd starts with a config creating a TAP"; finish; fi

out=$(ctl s1 link show 2>&1)
if [[ $out == *"tap0: <UP"* && $out == *"kind tap"* && $out == *"link/ether"* ]]; then
  ok "link show lists tap0 up"
else fail "link show lists tap0 up" "$out"; fi

if ip -n "$A" link show tap0 >/dev/null 2>&1; then ok "the kernel sees tap0 in sixd's namespace"
else fail "the kernel sees tap0 in sixd's namespace"; fi

check "link show tap0" ctl s1 link show tap0
out=$(ctl s1 -j link show 2>&1)
if echo "$out" | is_json && echo "$out" | "$PY" -c '
import json,sys
l = json.load(sys.stdin)
assert l[0]["ifname"] == "tap0" and "UP" in l[0]["flags"], l' 2>/dev/null; then
  ok "-j link show is JSON"
else fail "-j link show is JSON" "$out"; fi

out=$(ctl s1 -j stats 2>&1)
if echo "$out" | is_json; then ok "-j stats is valid JSON"; else fail "-j stats is valid JSON" "$out"; fi
out=$(ctl s1 -j stats -a 2>&1)
if echo "$out" | "$PY" -c '
import json,sys
d = json.load(sys.stdin)
assert "ip6.in_receives" in d and all(isinstance(v, int) for v in d.values()), d' 2>/dev/null; then
  ok "-j stats -a has every counter"
else fail "-j stats -a has every counter" "$out"; fi
check "stats NAME prints one value" bash -c "[[ \$('$SIXCTL' -s '$W/s1.sock' stats ip6.in_receives) =~ ^[0-9]+\$ ]]"

# --- usage errors: exit 2, one clear message, nothing changed
before=$(ctl s1 link show)
err=$(ctl s1 frobnicate now 2>&1 >/dev/null); rc=$?
if [[ $rc == 2 && $err == "sixctl: unknown object 'frobnicate'"* ]]; then ok "unknown object: exit 2 with a message"
else fail "unknown object: exit 2 with a message" "rc=$rc err=$err"; fi
ctl s1 link set tap0 down mtu 99999 >/dev/null 2>&1; rc=$?
[[ $rc == 2 ]] && ok "bad mtu: exit 2" || fail "bad mtu: exit 2" "rc=$rc"
ctl s1 link set tap0 mtu 1400x >/dev/null 2>&1; rc=$?
[[ $rc == 2 ]] && ok "trailing garbage in a number: exit 2" || fail "trailing garbage in a number: exit 2" "rc=$rc"
ctl s1 link add tap0 type tap >/dev/null 2>&1; rc=$?
[[ $rc == 1 ]] && ok "link add of an existing name: exit 1" || fail "link add of an existing name: exit 1" "rc=$rc"
ctl s1 link add tap9 type ether >/dev/null 2>&1; rc=$?
[[ $rc == 2 ]] && ok "unknown link type: exit 2" || fail "unknown link type: exit 2" "rc=$rc"
after=$(ctl s1 link show)
# counters move between the two calls; compare everything but RX/TX lines
if [[ $(grep -v -e RX: -e TX: <<<"$before") == $(grep -v -e RX: -e TX: <<<"$after") ]]; then
  ok "state unchanged after failed commands"
else fail "state unchanged after failed commands" "before: $before" "after: $after"; fi

# --- link set/del round trip on a second TAP
if ctl s1 link add tap1 type tap && ctl s1 link set tap1 mtu 1400 up &&
   [[ $(ctl s1 link show tap1) == *"mtu 1400"* ]] && ctl s1 link del tap1 &&
   ! ctl s1 link show tap1 >/dev/null 2>&1; then
  ok "link add / set mtu / del"
else fail "link add / set mtu / del"; fi

# --- capture
if ctl s1 capture tap0 "$W/tap0.pcap" && ctl s1 capture tap0 stop && [[ -s $W/tap0.pcap ]]; then
  ok "capture start/stop writes a pcap"
else fail "capture start/stop writes a pcap"; fi

# --- sixctl -f: stops at the first error, naming FILE:LINE
printf 'link show\n\nbogus verb\nlink show\n' > "$W/cmds"
err=$(ctl s1 -f "$W/cmds" 2>&1 >/dev/null); rc=$?
if [[ $rc == 2 && $err == "sixctl: $W/cmds:3: unknown object"* ]]; then ok "sixctl -f names FILE:LINE"
else fail "sixctl -f names FILE:LINE" "rc=$rc err=$err"; fi

# --- a bad config line: FILE:LINE: reason, exit 1, nothing left behind
printf 'link add tapx type tap\nlink set tapx up\nlink set tapx mtu banana\n' > "$W/bad.conf"
err=$(timeout 10 ip netns exec "$A" "$SIXD" -f -c "$W/bad.conf" -s "$W/bad.sock" 2>&1); rc=$?
if [[ $rc == 1 && $err == *"$W/bad.conf:3: "*mtu* && ! -e $W/bad.sock ]]; then
  ok "bad config line: FILE:LINE and exit 1"
else fail "bad config line: FILE:LINE and exit 1" "rc=$rc err=$err"; fi
printf 'link show "unterminated\n' > "$W/bad2.conf"
err=$(timeout 10 ip netns exec "$A" "$SIXD" -f -c "$W/bad2.conf" -s "$W/bad2.sock" 2>&1); rc=$?
if [[ $rc == 1 && $err == *"$W/bad2.conf:1: unterminated quote"* ]]; then
  ok "config syntax error: FILE:LINE and exit 1"
else fail "config syntax error: FILE:LINE and exit 1" "rc=$rc err=$err"; fi

# --- a second sixd refuses a live socket
timeout 10 ip netns exec "$A" "$SIXD" -f -s "$W/s1.sock" >/dev/null 2>&1; rc=$?
[[ $rc == 1 ]] && ok "a live control socket is not stolen" || fail "a live control socket is not stolen" "rc=$rc"

# --- hostile control-socket input never kills sixd
"$PY" - "$W/s1.sock" <<'PY' >/dev/null 2>&1
import socket, struct, sys
p = sys.argv[1]
def send(b, read=True):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); s.connect(p); s.sendall(b)
    if read:
        s.settimeout(2)
        try:
            while s.recv(65536): pass
        except Exception: pass
    s.close()
send(b"\xff" * 8)                                         # absurd length
send(struct.pack(">IBBH", 100000, 1, 1, 0))               # over the cap
send(struct.pack(">IBBH", 8, 1, 1, 0) + struct.pack(">II", 0, 1000))   # argc too big
send(struct.pack(">IBBH", 12, 1, 1, 0) + struct.pack(">II", 0, 1) + b"abcd")  # no NUL
send(struct.pack(">IBBH", 4, 4, 1, 0) + b"\0\0\0\0")      # a response type
send(struct.pack(">IBBH", 1000, 1, 1, 0) + b"x" * 10, read=False)  # truncated, then gone
send(b"", read=False)
PY
sleep 0.2
if kill -0 "$SIXD_PID_s1" 2>/dev/null && ctl s1 link show tap0 >/dev/null; then
  ok "malformed control requests do not hurt sixd"
else fail "malformed control requests do not hurt sixd"; fi

err=$("$PY" - "$W/s1.sock" <<'PY' 2>&1
import socket, struct, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); s.connect(sys.argv[1])
s.sendall(struct.pack(">IBBH", 8, 1, 1, 0) + struct.pack(">II", 0, 0))
d = b""
while True:
    c = s.recv(65536)
    if not c: break
    d += c
# expect ERR frame then EXIT 2, then the connection closed
ln, ty = struct.unpack(">IB", d[:5])
assert ty == 3 and b"malformed" in d[8:8+ln], d
ln2, ty2 = struct.unpack(">IB", d[8+ln:13+ln])
assert ty2 == 4 and struct.unpack(">I", d[16+ln:20+ln])[0] == 2, d
PY
)
[[ $? == 0 ]] && ok "malformed request gets an error answer" || fail "malformed request gets an error answer" "$err"

# --- several clients at once
pids=()
for i in 1 2 3 4 5 6 7 8; do ctl s1 -j stats >/dev/null & pids+=($!); done
okc=0
for p in "${pids[@]}"; do wait "$p" && okc=$((okc + 1)); done
[[ $okc == 8 ]] && ok "8 concurrent clients" || fail "8 concurrent clients" "$okc of 8 succeeded"

# --- a client that leaves during a pending command (ping) does not crash sixd
ip -n "$A" addr add 2001:db8:1::1/64 dev tap0 nodad 2>/dev/null
ctl s1 addr add 2001:db8:1::2/64 dev tap0 >/dev/null 2>&1
ctl s1 ping 2001:db8:1::99 -c 3 >/dev/null 2>&1 & cp=$!
sleep 0.3; kill -KILL "$cp" 2>/dev/null; wait "$cp" 2>/dev/null
sleep 3.5   # past the ping's own end
if kill -0 "$SIXD_PID_s1" 2>/dev/null && ctl s1 link show >/dev/null; then
  ok "client gone during a pending command"
else fail "client gone during a pending command"; fi

# --- SIGTERM: clean exit, socket removed
sixd_stop s1; rc=$?
if [[ $rc == 0 && ! -e $W/s1.sock ]]; then ok "SIGTERM: exit 0, socket removed"
else fail "SIGTERM: exit 0, socket removed" "rc=$rc"; fi

finish
