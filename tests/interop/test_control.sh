#!/usr/bin/env bash
# sixd's control socket against clients that are not sixctl:
# - a request followed by shutdown(SHUT_WR) (nc -N, scripts) is answered and
#   runs; so are pipelined requests; an incomplete frame left at EOF is
#   dropped and counted, the requests before it still answered;
# - a PF_KEY batch (the bytes sixkey sends) followed by SHUT_WR is applied;
#   a batch without COMMIT at EOF applies nothing;
# - 64 connections that never send anything do not lock the administrator
#   out (the oldest is evicted); they are closed after the request timeout
#   (sixd -t); a connection idle after its request is closed after the idle
#   timeout (sixd -i), a registered PF_KEY listener (sixkey -x) is not; 64
#   connections that all ran a request refuse a 65th until the idle timeout
#   frees them.
. "$(dirname "$0")/lib.sh"
need_root

SIXKEY=${SIXKEY:-${BUILD:-build}/sixkey}
[[ $SIXKEY == /* ]] || SIXKEY=$PWD/$SIXKEY

N=$(ns_add ctl) || { fail "netns"; finish; }
cat > "$W/c.conf" <<'CONF'
link add tap0 type tap
link set tap0 up
addr add 2001:db8:1::2/64 dev tap0
CONF
sixd_start c "$N" "$W/c.conf" || { fail "sixd starts"; finish; }
counter() { ctl c stats "$1" 2>/dev/null; }

# client.py SOCK MODE: the raw protocol, as a script would speak it.
cat > "$W/client.py" <<'PY'
import socket, struct, sys, time
sock, mode = sys.argv[1], sys.argv[2]

def req(*argv, flags=0):
    p = struct.pack(">II", flags, len(argv)) + b"".join(a.encode() + b"\0" for a in argv)
    return struct.pack(">IBBH", len(p), 1, 1, 0) + p

def frames(d):
    out = []
    while len(d) >= 8:
        ln, ty = struct.unpack(">IB", d[:5])
        out.append((ty, d[8:8 + ln])); d = d[8 + ln:]
    return out

def exchange(data, timeout=5):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); s.connect(sock)
    s.sendall(data)
    s.shutdown(socket.SHUT_WR)
    s.settimeout(timeout)
    d = b""
    try:
        while True:
            c = s.recv(65536)
            if not c: break
            d += c
    except socket.timeout:
        print("no EOF within %ss" % timeout)
    return frames(d)

def exits(fr): return [struct.unpack(">I", p)[0] for t, p in fr if t == 4]
def text(fr, ty): return b"".join(p for t, p in fr if t == ty).decode(errors="replace")

if mode == "route":          # one request, then SHUT_WR
    fr = exchange(req("route", "add", "2001:db8:77::/48", "via", "2001:db8:1::1"))
    print("exits", exits(fr), text(fr, 3).strip())
elif mode == "pipeline":     # two requests and half a third, then SHUT_WR
    fr = exchange(req("addr", "add", "2001:db8:1::5/64", "dev", "tap0") + req("route", "show")
                  + req("link", "show")[:11])
    print("exits", exits(fr), "out:", text(fr, 2).replace("\n", " | "))
elif mode == "replay":       # sys.argv[3]: bytes to send as they are
    fr = exchange(open(sys.argv[3], "rb").read())
    print("exits", exits(fr), "pfkey", sum(1 for t, p in fr if t == 5), text(fr, 3).strip())
elif mode == "idle":         # sys.argv[3] connections that never send; which ones sixd closed, when
    n, t0 = int(sys.argv[3]), time.time()
    ss = [socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) for _ in range(n)]
    for s in ss: s.connect(sock)
    open(sys.argv[4], "w").write("connected\n")
    closed = {}
    for s in ss: s.setblocking(False)
    while len(closed) < n and time.time() - t0 < float(sys.argv[5]):
        for i, s in enumerate(ss):
            if i in closed: continue
            try:
                if s.recv(4096) == b"": closed[i] = time.time() - t0
            except BlockingIOError: pass
            except OSError: closed[i] = time.time() - t0
        time.sleep(0.05)
    print("closed %d of %d, last at %.1f s" % (len(closed), n, max(closed.values(), default=0)))
elif mode == "busy":         # sys.argv[3] connections that each ran a request, then stay
    n, t0 = int(sys.argv[3]), time.time()
    ss = []
    for _ in range(n):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); s.connect(sock)
        s.sendall(req("stats", "ip6.in_receives")); s.settimeout(5)
        d = b""
        while not any(t == 4 for t, _ in frames(d)):
            d += s.recv(65536)
        ss.append(s)
    open(sys.argv[4], "w").write("connected\n")
    closed = 0
    for s in ss:
        s.settimeout(max(0.1, float(sys.argv[5]) - (time.time() - t0)))
        try:
            if s.recv(4096) == b"": closed += 1
        except OSError: pass
    print("closed %d of %d at %.1f s" % (closed, n, time.time() - t0))
PY
client() { "$PY" "$W/client.py" "$W/$1.sock" "${@:2}"; }
# frozen NAME ARGS...: the client connects, sends and shuts its side while
# sixd NAME is stopped, so that sixd reads the request and the EOF together
# (as it may whenever it is busy), not the request first by luck.
frozen() {
  local v="SIXD_PID_$1" f="$W/frozen.out"
  kill -STOP "${!v}"
  client "$@" > "$f" 2>&1 & local p=$!
  sleep 0.5
  kill -CONT "${!v}"
  wait "$p"
  cat "$f"
}

# --- a request, then SHUT_WR: answered, and it ran
out=$(frozen c route)
if [[ $out == "exits [0] " && $(ctl c route show) == *"2001:db8:77::/48 via 2001:db8:1::1"* ]]; then
  ok "request then shutdown(SHUT_WR): answered (exit 0) and the route is there"
else fail "request then shutdown(SHUT_WR): answered and run" "$out" "$(ctl c route show 2>&1)"; fi

# --- two pipelined requests and an incomplete third, then SHUT_WR
out=$(frozen c pipeline)
if [[ $out == "exits [0, 0] out:"*"2001:db8:77::/48"* && $(ctl c addr show dev tap0) == *"2001:db8:1::5/64"* &&
      $(counter ctl.drop_truncated_eof) == 1 ]] &&
   grep -q "ctl\[[0-9]*\]: client shut its side in the middle of a frame (11 bytes of " "$W/c.log"; then
  ok "pipelined requests then SHUT_WR: both answered; the incomplete third dropped, logged, counted"
else fail "pipelined requests then SHUT_WR" "$out" "drop_truncated_eof=$(counter ctl.drop_truncated_eof)"; fi

# --- a PF_KEY batch then SHUT_WR. The bytes are what sixkey sends, recorded
# by a stand-in for sixd that answers every frame with EXIT 0.
cat > "$W/rec.py" <<'PY'
import os, socket, struct, sys
path, out = sys.argv[1], sys.argv[2]
l = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); l.bind(path); l.listen(1)
open(path + ".ready", "w").close()
c, _ = l.accept(); c.settimeout(10)
rec, buf = b"", b""
while True:
    d = c.recv(65536)
    if not d: break
    buf += d
    while len(buf) >= 8 and len(buf) >= 8 + struct.unpack(">I", buf[:4])[0]:
        n = 8 + struct.unpack(">I", buf[:4])[0]
        rec += buf[:n]; buf = buf[n:]
        c.sendall(struct.pack(">IBBH", 4, 4, 1, 0) + struct.pack(">I", 0))
        if rec[-n + 4] == 7: break          # COMMIT: the batch is complete
    else:
        continue
    break
open(out, "wb").write(rec)
PY
cat > "$W/batch.conf" <<'CONF'
add 2001:db8:1::2 2001:db8:1::1 esp 0x1001 -m transport -E aes-gcm-16 0x000102030405060708090a0b0c0d0e0f10111213;
add 2001:db8:1::1 2001:db8:1::2 esp 0x1002 -m transport -E aes-gcm-16 0x101112131415161718191a1b1c1d1e1f20212223;
spdadd 2001:db8:1::2 2001:db8:1::1 any -P out ipsec esp/transport//require;
CONF
"$PY" "$W/rec.py" "$W/rec.sock" "$W/batch.bin" & rp=$!
track_pid "$rp"
for ((i = 0; i < 50; i++)); do [[ -e $W/rec.sock.ready ]] && break; sleep 0.1; done
"$SIXKEY" -s "$W/rec.sock" -f "$W/batch.conf" >/dev/null 2>&1
wait "$rp"
n_sa() { ctl c -j ipsec sa | "$PY" -c 'import json,sys; print(len(json.load(sys.stdin)))'; }
n_sp() { ctl c -j ipsec spd | "$PY" -c 'import json,sys; print(len(json.load(sys.stdin)))'; }
# without its COMMIT frame (the last 8 bytes): nothing applied, counted
head -c -8 "$W/batch.bin" > "$W/nocommit.bin"
out=$(frozen c replay "$W/nocommit.bin")
if [[ $out == "exits [0, 0, 0, 0] pfkey 0 " && $(n_sa) == 0 && $(n_sp) == 0 &&
      $(counter ctl.drop_batch_eof) == 1 ]] && grep -q "PF_KEY batch of 3 messages open (no COMMIT)" "$W/c.log"; then
  ok "a PF_KEY batch without COMMIT, then SHUT_WR: nothing applied, logged, counted"
else fail "a PF_KEY batch without COMMIT, then SHUT_WR" "$out" "$(n_sa) SAs, $(n_sp) policies"; fi
out=$(frozen c replay "$W/batch.bin")
if [[ $out == "exits [0, 0, 0, 0, 0] pfkey 3 " && $(n_sa) == 2 && $(n_sp) == 1 ]]; then
  ok "sixkey's PF_KEY batch then shutdown(SHUT_WR): answered, 2 SAs and 1 policy present"
else fail "a PF_KEY batch then SHUT_WR is applied" "$out" "$(n_sa) SAs, $(n_sp) policies"; fi

# --- 64 connections that never send anything: the administrator still gets in
client c idle 64 "$W/idle.ready" 3 > "$W/idle.out" 2>&1 & ip=$!
track_pid "$ip"
for ((i = 0; i < 50; i++)); do [[ -e $W/idle.ready ]] && break; sleep 0.1; done
out=$(timeout 5 "$SIXCTL" -s "$W/c.sock" link show tap0 2>&1); rc=$?
wait "$ip"
if ((rc == 0)) && [[ $out == *tap0* && $(counter ctl.evicted) -ge 1 ]] && grep -q "closed 1 of 64" "$W/idle.out" &&
   grep -q "closing the oldest one without a request" "$W/c.log"; then
  ok "64 silent connections: sixctl still works, the oldest silent one evicted (logged, counted)"
else fail "64 silent connections do not lock the administrator out" "rc $rc: $out" "$(cat "$W/idle.out")"; fi
sixd_stop c

# --- timeouts (sixd -t 2 -i 3)
sixd_start t "$N" "$W/c.conf" -t 2 -i 3 || { fail "sixd -t 2 -i 3 starts"; finish; }
client t idle 10 "$W/idle2.ready" 6 > "$W/idle2.out" 2>&1
out=$(cat "$W/idle2.out")
last=$(sed -n 's/.*last at \([0-9.]*\) s/\1/p' <<<"$out")
if [[ $out == "closed 10 of 10"* ]] && "$PY" -c "import sys; sys.exit(not 1.5 <= $last <= 3.5)" &&
   [[ $(ctl t stats ctl.request_timeout) == 10 ]]; then
  ok "connections without a request closed after the request timeout ($last s, sixd -t 2), counted"
else fail "connections without a request closed after sixd -t" "$out"; fi

"$SIXKEY" -s "$W/t.sock" -x > "$W/mon.out" 2>&1 & mp=$!
track_pid "$mp"
sleep 0.5                    # registered before the table fills: 1 listener + 63 = 64
client t busy 63 "$W/busy.ready" 8 > "$W/busy.out" 2>&1 & bp=$!
track_pid "$bp"
for ((i = 0; i < 100; i++)); do [[ -e $W/busy.ready ]] && break; sleep 0.1; done
err=$(timeout 5 "$SIXCTL" -s "$W/t.sock" link show tap0 2>&1 >/dev/null); rc=$?
if ((rc != 0)) && [[ $err == *"too many control connections"* ]]; then
  ok "64 connections that all ran a request: a 65th is refused (nothing to evict)"
else fail "a full table of busy connections refuses a new one" "rc $rc: $err"; fi
wait "$bp"
out=$(cat "$W/busy.out")
if [[ $out == "closed 63 of 63"* ]] && timeout 5 "$SIXCTL" -s "$W/t.sock" link show tap0 >/dev/null &&
   (($(ctl t stats ctl.idle_timeout) >= 63 && $(ctl t stats ctl.refused_full) == 1)); then
  ok "idle connections closed after the idle timeout (sixd -i 3): $out; sixctl works again"
else fail "idle connections closed after sixd -i" "$out" "$(ctl t stats 2>&1 | grep ctl.)"; fi
if kill -0 "$mp" 2>/dev/null; then ok "a registered PF_KEY listener (sixkey -x) outlives the idle timeout"
else fail "sixkey -x is not closed by the idle timeout" "$(cat "$W/mon.out")"; fi
kill "$mp" 2>/dev/null; wait "$mp" 2>/dev/null
sixd_stop t
finish
