#!/usr/bin/env bash
# `sixctl nc` streams standard input and output through a TCP connection of
# sixd's stack (ctlproto.h "Streams"), against Linux peers (nc_peer.py) in a
# namespace, both families:
#   - sixctl nc HOST PORT < 5 MB: the Linux sink's sha256 is the file's;
#   - Linux sends 5 MB to sixctl nc -l PORT > out: out's sha256 is the file's;
#   - a 5 MB echo both ways at once (flow control both ways, no deadlock);
#   - a slow Linux reader keeps the stream alive past sixd -i 1 (the idle
#     timeout of control connections does not apply to a running stream);
#   - a peer that closes early: sixctl ends, sixd stays healthy;
#   - sixctl killed mid-stream: sixd resets the connection (the peer sees
#     the reset, ctl.stream_aborted, tcp.close_linger_rst) and keeps
#     answering; a killed `nc -l` frees its port;
#   - the one-shot TEXT form still works;
#   - raw protocol clients (ctl_stream_client.py): shutdown(SHUT_WR) as the
#     end of input, DATA before CTL_STREAM refused, late DATA dropped;
#   - file names given to sixctl are resolved in sixctl's directory
#     (capture, ipsec load, http get -o, -f), not in sixd's.
. "$(dirname "$0")/lib.sh"
need_root
PEER=$PWD/tests/interop/nc_peer.py

N=$(ns_add nc) || { fail "netns"; finish; }
head -c 5000000 /dev/urandom > "$W/big"
want=$(sha256sum < "$W/big" | cut -d' ' -f1)

cat > "$W/s.conf" <<CONF
link add tap0 type tap
link set tap0 up
addr add 2001:db8:1::2/64 dev tap0
addr add 192.0.2.2/24 dev tap0
CONF
# sixd runs in / (as a daemon would), sixctl elsewhere; short control timeouts
pushd / >/dev/null || exit 1
sixd_start s "$N" "$W/s.conf" -i 1 -t 1 || { fail "sixd starts"; finish; }
popd >/dev/null || exit 1
nsrun "$N" sysctl -qw net.ipv6.conf.tap0.accept_dad=0
nsrun "$N" ip link set tap0 up
nsrun "$N" ip addr add 2001:db8:1::1/64 dev tap0 nodad
nsrun "$N" ip addr add 192.0.2.1/24 dev tap0
sleep 1.5   # sixd's DAD (1 s)

# peer ROLE ARGS...: start nc_peer.py in the namespace; wait for OUT.ready (arg 4)
peer() {
  rm -f "$4" "$4.ready"
  ip netns exec "$N" "$PY" "$PEER" "$@" 2>"$4.err" &
  PEER_PID=$!
  track_pid "$PEER_PID"
  local i
  for ((i = 0; i < 50; i++)); do [[ -e $4.ready ]] && return 0; sleep 0.1; done
  note "peer $1 did not listen: $(cat "$4.err")"
  return 1
}
sha() { sha256sum < "$1" 2>/dev/null | cut -d' ' -f1; }
ctr() { ctl s -j stats "$1" | "$PY" -c 'import json,sys; d=json.load(sys.stdin); print(d.get(sys.argv[1], 0) if isinstance(d, dict) else 0)' "$1"; }

port=9000
for fam in 6 4; do
  if [[ $fam == 6 ]]; then lin=2001:db8:1::1 bind=:: six=2001:db8:1::2; else lin=192.0.2.1 bind=0.0.0.0 six=192.0.2.2; fi

  # --- sixctl → Linux
  port=$((port + 1))
  peer sink "$bind" $port "$W/sink$fam"
  out=$(timeout 60 "$SIXCTL" -s "$W/s.sock" nc "$lin" $port < "$W/big" 2>&1); rc=$?
  wait "$PEER_PID"
  got=$(sha "$W/sink$fam")
  if ((rc == 0)) && [[ $got == "$want" && -z $out ]]; then ok "IPv$fam: sixctl nc HOST PORT < 5 MB arrives byte-exact"
  else fail "IPv$fam: sixctl nc HOST PORT < 5 MB arrives byte-exact" "rc=$rc out='$out' got $got ($(stat -c %s "$W/sink$fam" 2>/dev/null) bytes)"; fi

  # --- Linux → sixctl nc -l
  port=$((port + 1))
  rm -f "$W/lout$fam"
  timeout 60 "$SIXCTL" -s "$W/s.sock" nc -l $port < /dev/null > "$W/lout$fam" 2>"$W/lerr$fam" &
  lpid=$!
  nsrun "$N" timeout 60 "$PY" "$PEER" source "$six" $port "$W/big" "$W/src$fam.back" "$W/lout$fam" 2>"$W/src$fam.err"; src_rc=$?
  wait "$lpid"; rc=$?
  got=$(sha "$W/lout$fam")
  if ((rc == 0 && src_rc == 0)) && [[ $got == "$want" ]]; then ok "IPv$fam: Linux → sixctl nc -l PORT > out streams (half out before the rest is sent), byte-exact"
  else fail "IPv$fam: Linux → sixctl nc -l PORT > out streams (half out before the rest is sent), byte-exact" "rc=$rc src=$src_rc $(cat "$W/lerr$fam" "$W/src$fam.err") got $got"; fi

  # --- both ways at once
  port=$((port + 1))
  peer echo "$bind" $port "$W/echo$fam"
  timeout 60 "$SIXCTL" -s "$W/s.sock" nc "$lin" $port < "$W/big" > "$W/echoed$fam" 2>"$W/echo$fam.cerr"; rc=$?
  wait "$PEER_PID"
  got=$(sha "$W/echoed$fam")
  if ((rc == 0)) && [[ $got == "$want" ]]; then ok "IPv$fam: 5 MB echoed back while still sending (flow control both ways)"
  else fail "IPv$fam: 5 MB echoed back while still sending (flow control both ways)" "rc=$rc $(cat "$W/echo$fam.cerr" "$W/echo$fam.err") got $got"; fi
done

# --- a slow reader: the stream lasts > 3 s on a sixd with -i 1 -t 1
port=$((port + 1))
head -c 1000000 /dev/urandom > "$W/mid"
peer slow :: $port "$W/slow" 3
start=$SECONDS
out=$(timeout 60 "$SIXCTL" -s "$W/s.sock" nc 2001:db8:1::1 $port < "$W/mid" 2>&1); rc=$?
wait "$PEER_PID"
if ((rc == 0)) && [[ $(sha "$W/slow") == "$(sha "$W/mid")" ]] && ((SECONDS - start >= 2)); then
  ok "a stream slower than sixd -i 1 is not cut by the control idle timeout"
else fail "a stream slower than sixd -i 1 is not cut by the control idle timeout" "rc=$rc '$out' $((SECONDS - start)) s $(cat "$W/slow.err")"; fi

# --- a peer that reads 10000 bytes and closes
port=$((port + 1))
peer early :: $port "$W/early" 10000
start=$SECONDS
out=$(timeout 30 "$SIXCTL" -s "$W/s.sock" nc 2001:db8:1::1 $port < "$W/big" 2>&1); rc=$?
wait "$PEER_PID"
if { ((rc == 0)) || [[ $rc == 1 && $out == *"nc: the peer closed the connection ("*" bytes sent)"* ]]; } &&
   ctl s stats ip6.in_receives >/dev/null; then
  ok "a peer that closes early ends sixctl nc (rc $rc: ${out:-quiet}) and sixd answers"
else fail "a peer that closes early ends sixctl nc" "rc=$rc '$out'"; fi

# --- sixctl killed mid-stream
aborted0=$(ctr ctl.stream_aborted)
port=$((port + 1))
peer hold :: $port "$W/hold"
"$SIXCTL" -s "$W/s.sock" nc 2001:db8:1::1 $port < "$W/big" > /dev/null 2>&1 &
cpid=$!
sleep 1
kill -KILL "$cpid"; wait "$cpid" 2>/dev/null
wait "$PEER_PID"
res=$(cat "$W/hold" 2>/dev/null)
aborted=$(ctr ctl.stream_aborted)
lrst=$(ctr tcp.close_linger_rst)
if [[ $res == reset ]] && ((aborted == aborted0 + 1 && lrst >= 1)); then
  ok "sixctl nc killed mid-stream: sixd resets the connection (ctl.stream_aborted, tcp.close_linger_rst)"
else fail "sixctl nc killed mid-stream: sixd resets the connection" "peer saw '$res', stream_aborted $aborted0 -> $aborted, close_linger_rst $lrst $(cat "$W/hold.err")"; fi
port=$((port + 1))
"$SIXCTL" -s "$W/s.sock" nc -l $port < /dev/null > /dev/null 2>&1 &
cpid=$!
sleep 0.5    # listening (a probe now would be its one connection)
kill -KILL "$cpid"; wait "$cpid" 2>/dev/null
sleep 0.3
p1=$(nsrun "$N" "$PY" "$PEER" probe 2001:db8:1::2 $port)
if [[ $p1 == refused ]] && ctl s stats ip6.in_receives >/dev/null; then ok "sixctl nc -l killed: sixd closes its listener and keeps answering"
else fail "sixctl nc -l killed: sixd closes its listener and keeps answering" "probe after kill: $p1"; fi

# a command that does not stream (ping) is left alone when its sixctl goes: not a stream abort
aborted0=$(ctr ctl.stream_aborted)
"$SIXCTL" -s "$W/s.sock" ping 2001:db8:1::1 -c 3 > /dev/null 2>&1 &
cpid=$!
sleep 0.5
kill -KILL "$cpid"; wait "$cpid" 2>/dev/null
sleep 0.2
aborted=$(ctr ctl.stream_aborted)
if ((aborted == aborted0)) && ctl s stats ip6.in_receives >/dev/null; then ok "sixctl ping killed: not counted as an aborted stream"
else fail "sixctl ping killed: not counted as an aborted stream" "ctl.stream_aborted $aborted0 -> $aborted"; fi

# --- the one-shot TEXT form
port=$((port + 1))
peer sink :: $port "$W/text"
out=$(ctl s nc -N 2001:db8:1::1 $port 'one line\n' 2>&1); rc=$?
wait "$PEER_PID"
if ((rc == 0)) && [[ $(cat "$W/text") == "one line" ]]; then ok "nc HOST PORT TEXT still sends TEXT"
else fail "nc HOST PORT TEXT still sends TEXT" "rc=$rc '$out' got '$(cat "$W/text")'"; fi
out=$(ctl s -f <(echo "nc 2001:db8:1::1 $port") 2>&1); rc=$?
if ((rc == 2)) && [[ $out == *"streams standard input: only from sixctl"* ]]; then ok "nc without TEXT where nothing can stream (-f) says why"
else fail "nc without TEXT where nothing can stream (-f) says why" "rc=$rc $out"; fi

# --- raw protocol clients: what sixctl never does
CLIENT=$PWD/tests/interop/ctl_stream_client.py
port=$((port + 1))
peer sink :: $port "$W/shutwr"
out=$(timeout 30 "$PY" "$CLIENT" shutwr "$W/s.sock" 2001:db8:1::1 $port 'by shutdown'); rc=$?
wait "$PEER_PID"
if [[ $out == "exit 0" && $(cat "$W/shutwr") == "by shutdown" ]]; then ok "a client's shutdown(SHUT_WR) ends the stream's input as CTL_EOF does"
else fail "a client's shutdown(SHUT_WR) ends the stream's input as CTL_EOF does" "rc=$rc '$out' peer got '$(cat "$W/shutwr")'"; fi
port=$((port + 1))
out=$(timeout 30 "$PY" "$CLIENT" early "$W/s.sock" - $port); rc=$?
if [[ $out == "exit 2 sixd: malformed request: unknown frame type" ]] && ctl s stats ip6.in_receives >/dev/null &&
   [[ $(nsrun "$N" "$PY" "$PEER" probe 2001:db8:1::2 $port) == refused ]]; then
  ok "DATA before CTL_STREAM: malformed request, the listener is gone, sixd answers"
else fail "DATA before CTL_STREAM: malformed request, the listener is gone, sixd answers" "rc=$rc '$out'"; fi
port=$((port + 1))
peer early :: $port "$W/late" 1
late0=$(ctr ctl.stream_data_late)
out=$(timeout 30 "$PY" "$CLIENT" late "$W/s.sock" 2001:db8:1::1 $port); rc=$?
wait "$PEER_PID"
if [[ $out == "exit 0 then 0 $((late0 + 1))" ]]; then ok "DATA after the command's EXIT is dropped up to the client's EOF; the connection goes on"
else fail "DATA after the command's EXIT is dropped up to the client's EOF; the connection goes on" "rc=$rc '$out'"; fi

# --- file names are resolved where sixctl runs
mkdir -p "$W/cwd"
cat > "$W/cwd/sa.conf" <<'SA'
add 2001:db8:1::2 2001:db8:1::1 esp 0x1001 -E aes-gcm-16 0x0102030405060708090a0b0c0d0e0f1011121314;
SA
(
  cd "$W/cwd" || exit 1
  "$SIXCTL" -s "$W/s.sock" capture tap0 rel.pcap &&
  "$SIXCTL" -s "$W/s.sock" capture tap0 stop &&
  printf 'capture tap0 ./sub.pcap\ncapture tap0 stop\n' > cmds &&
  "$SIXCTL" -s "$W/s.sock" -f cmds &&
  "$SIXCTL" -s "$W/s.sock" ipsec load sa.conf
) > "$W/paths.out" 2>&1; rc=$?
if ((rc == 0)) && [[ -s $W/cwd/rel.pcap && -s $W/cwd/sub.pcap && ! -e /rel.pcap && ! -e /sub.pcap ]] &&
   ctl s ipsec sa | grep -q 'spi 0x00001001'; then
  ok "capture, -f and ipsec load take file names relative to sixctl's directory"
else fail "capture, -f and ipsec load take file names relative to sixctl's directory" "rc=$rc $(cat "$W/paths.out"); $(ls "$W/cwd") $(ls /rel.pcap /sub.pcap 2>&1)"; fi
rm -f /rel.pcap /sub.pcap
ctl s ipsec flush

if ctl s stats ip6.in_receives >/dev/null; then ok "sixd healthy after every case"; else fail "sixd healthy after every case"; fi
finish
