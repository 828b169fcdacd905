#!/usr/bin/env bash
# sixd's reload (SIGHUP, `sixctl reload`), clean exit (SIGTERM) and
# persistent TUN devices, on real namespaces:
#   - two sixd (a, b) behind a Linux router namespace, joined by a 6in4 gif
#     bound to ESP tunnel SAs (ipsec load); Linux curl fetches a file from
#     a's HTTP server and a pings b through the tunnel while both get SIGHUP
#     with their files unchanged: the transfer completes byte-exact, no ping
#     is lost, the SAs are the same (packets and replay state go on counting,
#     no replay drop) and the counters keep counting;
#   - a changed route: only that route changes (the other route, the SAs and
#     the interfaces stay);
#   - a file with a syntax error, and `sixctl reload` of a file whose line
#     fails when it runs: nothing changes, the log / sixctl say FILE:LINE;
#   - SIGTERM: the control socket and pid file are gone, in the foreground
#     and daemonized (where SIGHUP no longer kills sixd);
#   - `link add ptun0 type tun persist`: the device and the host's address
#     on it survive a sixd restart, sixd attaches to it again, `link del`
#     ends it.
. "$(dirname "$0")/lib.sh"
need_root
command -v curl >/dev/null || { skip "$T_NAME" "needs curl (scripts/deps installs it)"; exit 0; }

R=$(ns_add reload-r) || { fail "netns"; finish; }
K1=0102030405060708090a0b0c0d0e0f1011121314
K2=2122232425262728292a2b2c2d2e2f3031323334
mkdir -p "$W/www"
head -c 4000000 /dev/urandom > "$W/www/blob"
want=$(sha256sum < "$W/www/blob" | cut -d' ' -f1)
chmod -R a+rX "$W"

cat > "$W/esp.sa" <<SA
# the gif's SA pair: the same file on both ends
flush;
add 192.0.2.2 198.51.100.2 esp 0x1001 -m tunnel -E aes-gcm-16 0x$K1;
add 198.51.100.2 192.0.2.2 esp 0x1002 -m tunnel -E aes-gcm-16 0x$K2;
SA

# conf NAME TAP ADDR6 ADDR4 GW6 GW4 LOCAL REMOTE SPI-OUT SPI-IN INNER
conf() {
  cat <<CONF
# sixd $1
link add $2 type tap
link set $2 up
addr add $3/64 dev $2
addr add $4/24 dev $2
route add default via $5 dev $2
route add default via $6
route add 2001:db8:70::/48 via $5
route add 2001:db8:71::/48 via $5
ipsec load $W/esp.sa
link add gif0 type gif local $7 remote $8
link set gif0 esp $9 ${10}
link set gif0 up
addr add ${11}/64 dev gif0
CONF
}
conf a tap0 2001:db8:1::2 192.0.2.2 2001:db8:1::1 192.0.2.1 192.0.2.2 198.51.100.2 0x1001 0x1002 2001:db8:ff00::1 \
  > "$W/a.conf"
echo "serve http port 8080 root $W/www" >> "$W/a.conf"
conf b tap1 2001:db8:2::2 198.51.100.2 2001:db8:2::1 198.51.100.1 198.51.100.2 192.0.2.2 0x1002 0x1001 \
  2001:db8:ff00::2 > "$W/b.conf"

sixd_start a "$R" "$W/a.conf" -p "$W/a.pid" || { fail "sixd a starts"; finish; }
sixd_start b "$R" "$W/b.conf" || { fail "sixd b starts"; finish; }
# a small receive buffer: curl's --limit-rate then paces the sender, so the
# transfer really is in flight when the SIGHUPs come
nsrun "$R" sysctl -qw net.ipv4.tcp_rmem="4096 32768 65536"
nsrun "$R" sysctl -qw net.ipv6.conf.all.forwarding=1 net.ipv4.ip_forward=1 \
  net.ipv6.conf.tap0.accept_dad=0 net.ipv6.conf.tap1.accept_dad=0
nsrun "$R" ip link set tap0 up
nsrun "$R" ip link set tap1 up
nsrun "$R" ip addr add 2001:db8:1::1/64 dev tap0 nodad
nsrun "$R" ip addr add 192.0.2.1/24 dev tap0
nsrun "$R" ip addr add 2001:db8:2::1/64 dev tap1 nodad
nsrun "$R" ip addr add 198.51.100.1/24 dev tap1
sleep 1.5   # sixd's DAD

check "a pings b through the ESP-bound gif" ctl a ping 2001:db8:ff00::2 -c 3 -i 200

# sa_field NAME SPI FIELD: a number from `ipsec sa -j`
sa_field() {
  ctl "$1" -j ipsec sa | "$PY" -c '
import json, sys
spi, path = int(sys.argv[1], 0), sys.argv[2].split(".")
for sa in json.load(sys.stdin):
    if sa["spi"] == spi:
        v = sa
        for p in path: v = v[p]
        print(v); break
else: print(-1)' "$2" "$3"
}
ctr() { ctl "$1" stats "$2"; }
logged() { grep -c -- "$2" "$W/$1.log"; }

# --- SIGHUP with unchanged files, under traffic
pk_out0=$(sa_field a 0x1001 packets) pk_in0=$(sa_field b 0x1001 packets)
rx0=$(ctr a ip6.in_receives)
tap_index0=$(ctl a -j link show tap0 | "$PY" -c 'import json,sys; print(json.load(sys.stdin)[0]["ifindex"])')
nsrun "$R" curl -g -sS --max-time 30 --limit-rate 1000000 "http://[2001:db8:1::2]:8080/blob" -o "$W/got" \
  2>"$W/curl.err" &
curl_pid=$!
ctl a ping 2001:db8:ff00::2 -c 30 -i 100 > "$W/ping.out" 2>&1 &
ping_pid=$!
sleep 1.2
kill -HUP "$SIXD_PID_a" "$SIXD_PID_b"
sleep 0.3
kill -HUP "$SIXD_PID_a"
wait "$ping_pid"; ping_rc=$?
wait "$curl_pid"; curl_rc=$?
got=$(sha256sum < "$W/got" 2>/dev/null | cut -d' ' -f1)
# (kill -0 would not do: a dead child stays a zombie until waited for)
if ctl a stats ip6.in_receives >/dev/null 2>&1 && ctl b stats ip6.in_receives >/dev/null 2>&1; then
  ok "SIGHUP: both sixd still run and answer"
else fail "SIGHUP: both sixd still run and answer"; fi
if ((curl_rc == 0)) && [[ $got == "$want" ]]; then ok "SIGHUP: a 4 MB curl from a's server across two reloads is byte-exact"
else fail "SIGHUP: a 4 MB curl from a's server across two reloads is byte-exact" "rc $curl_rc got $got $(cat "$W/curl.err")"; fi
if ((ping_rc == 0)) && grep -q "30 packets transmitted, 30 received" "$W/ping.out"; then
  ok "SIGHUP: 30 pings through the ESP tunnel across the reloads, none lost"
else fail "SIGHUP: 30 pings through the ESP tunnel across the reloads, none lost" "$(cat "$W/ping.out")"; fi
pk_out1=$(sa_field a 0x1001 packets) pk_in1=$(sa_field b 0x1001 packets)
if ((pk_out1 >= pk_out0 + 30 && pk_in1 >= pk_in0 + 30)); then
  ok "SIGHUP: SA 0x1001 kept counting on both ends (a out $pk_out0 -> $pk_out1, b in $pk_in0 -> $pk_in1)"
else fail "SIGHUP: SA 0x1001 kept counting on both ends" "a out $pk_out0 -> $pk_out1, b in $pk_in0 -> $pk_in1"; fi
replay=$(sa_field b 0x1001 drops.replay) icv=$(sa_field b 0x1001 drops.icv)
if [[ $replay == 0 && $icv == 0 && $(ctr b ipsec.drop_replay) == 0 ]]; then
  ok "SIGHUP: no replay or ICV drop at b (a's sequence numbers went on)"
else fail "SIGHUP: no replay or ICV drop at b" "sa replay $replay icv $icv, ipsec.drop_replay $(ctr b ipsec.drop_replay)"; fi
rx1=$(ctr a ip6.in_receives)
tap_index1=$(ctl a -j link show tap0 | "$PY" -c 'import json,sys; print(json.load(sys.stdin)[0]["ifindex"])')
if ((rx1 > rx0)) && [[ $tap_index1 == "$tap_index0" ]]; then ok "SIGHUP: counters kept counting ($rx0 -> $rx1), tap0 is the same interface"
else fail "SIGHUP: counters kept counting, tap0 the same" "ip6.in_receives $rx0 -> $rx1, ifindex $tap_index0 -> $tap_index1"; fi
if (($(logged a "reload: .*a.conf: no change") == 2 && $(logged b "reload: .*b.conf: no change") == 1)); then
  ok "SIGHUP: the logs say 'no change'"
else fail "SIGHUP: the logs say 'no change'" "$(grep reload: "$W/a.log" "$W/b.log")"; fi

# --- a changed route: only that route changes
sed -i 's|^route add 2001:db8:70::/48|route add 2001:db8:72::/48|' "$W/a.conf"
kill -HUP "$SIXD_PID_a"
sleep 0.5
routes=$(ctl a route show -6)
if grep -q "^2001:db8:72::/48 via 2001:db8:1::1" <<<"$routes" && ! grep -q "^2001:db8:70::/48" <<<"$routes" &&
   grep -q "^2001:db8:71::/48 via 2001:db8:1::1" <<<"$routes"; then
  ok "changed route: 70::/48 became 72::/48, 71::/48 stays"
else fail "changed route: 70::/48 became 72::/48, 71::/48 stays" "$routes"; fi
if grep -q "reload: - .*a.conf:8: route add 2001:db8:70::/48" "$W/a.log" &&
   grep -q "reload: + .*a.conf:8: route add 2001:db8:72::/48" "$W/a.log" &&
   grep -q "reload: +1 -1 lines" "$W/a.log"; then ok "changed route: the log names the line undone and the line applied"
else fail "changed route: the log names the lines" "$(grep reload: "$W/a.log")"; fi
pk_out2=$(sa_field a 0x1001 packets)
check "changed route: the tunnel still carries traffic" ctl a ping 2001:db8:ff00::2 -c 2 -i 200
pk_out3=$(sa_field a 0x1001 packets)
if ((pk_out2 >= pk_out1 && pk_out3 >= pk_out2 + 2)); then ok "changed route: the SA was not touched ($pk_out1 -> $pk_out2 -> $pk_out3)"
else fail "changed route: the SA was not touched" "$pk_out1 -> $pk_out2 -> $pk_out3"; fi

# --- a broken file: nothing changes
cp "$W/a.conf" "$W/a.conf.good"
sed -i 's|^route add 2001:db8:71::/48.*|route add 2001:db8:74::/48 via 2001:db8:1::1|' "$W/a.conf"
echo 'link set gif0 "up' >> "$W/a.conf"
kill -HUP "$SIXD_PID_a"
sleep 0.5
routes=$(ctl a route show -6)
if grep -q "^2001:db8:71::/48" <<<"$routes" && ! grep -q "^2001:db8:74::/48" <<<"$routes"; then
  ok "broken file: nothing changed"
else fail "broken file: nothing changed" "$routes"; fi
if grep -q "reload: .*a.conf:16: unterminated quote (nothing changed)" "$W/a.log"; then
  ok "broken file: the log says FILE:LINE: reason"
else fail "broken file: the log says FILE:LINE: reason" "$(grep reload: "$W/a.log" | tail -3)"; fi

# --- sixctl reload: a line that fails when it runs takes everything back
cp "$W/a.conf.good" "$W/a.conf"
sed -i 's|^route add 2001:db8:71::/48.*|route add 2001:db8:74::/48 via 2001:db8:1::1|' "$W/a.conf"
echo "addr add 2001:db8:5::1/64 dev nosuch0" >> "$W/a.conf"
out=$(ctl a reload 2>&1); rc=$?
routes=$(ctl a route show -6)
if ((rc != 0)) && [[ $out == *"a.conf:16: no interface 'nosuch0'"* ]]; then
  ok "sixctl reload: a failing line: exit $rc and FILE:LINE: reason"
else fail "sixctl reload: a failing line: non-zero exit and FILE:LINE: reason" "rc $rc: $out"; fi
if grep -q "^2001:db8:71::/48" <<<"$routes" && ! grep -q "^2001:db8:74::/48" <<<"$routes"; then
  ok "sixctl reload: a failing line: the removed route is back, the added one gone"
else fail "sixctl reload: a failing line: rolled back" "$routes"; fi
sed -i '$d' "$W/a.conf"
out=$(ctl a reload 2>&1); rc=$?
routes=$(ctl a route show -6)
if ((rc == 0)) && [[ $out == *"reload: +1 -1 lines"* ]] && grep -q "^2001:db8:74::/48" <<<"$routes"; then
  ok "sixctl reload: applies the change and says what it did"
else fail "sixctl reload: applies the change" "rc $rc: $out"; fi

# --- SIGTERM: socket and pid file gone
[[ -S $W/a.sock && -f $W/a.pid ]] || fail "a's socket and pid file exist before SIGTERM"
sixd_stop a
if [[ ! -e $W/a.sock && ! -e $W/a.pid ]]; then ok "SIGTERM: a's control socket and pid file are removed"
else fail "SIGTERM: a's control socket and pid file are removed" "$(ls -l "$W"/a.*)"; fi
if grep -q "shutting down" "$W/a.log" && grep -q "exit 0" "$W/a.log"; then ok "SIGTERM: a logs its clean exit"
else fail "SIGTERM: a logs its clean exit" "$(tail -3 "$W/a.log")"; fi

# daemonized: SIGHUP does not kill it, SIGTERM cleans up
cat > "$W/d.conf" <<CONF
set forwarding on
CONF
nsrun "$R" "$SIXD" -n d -c "$W/d.conf" -s "$W/d.sock" -p "$W/d.pid" > "$W/d.out" 2>&1
dpid=$(cat "$W/d.pid" 2>/dev/null)
[[ -n $dpid ]] && track_pid "$dpid"
if [[ -n $dpid ]] && kill -0 "$dpid" 2>/dev/null; then
  kill -HUP "$dpid"; sleep 0.3
  if "$SIXCTL" -s "$W/d.sock" stats ip6.in_receives >/dev/null 2>&1; then ok "daemonized: SIGHUP does not kill sixd"
  else fail "daemonized: SIGHUP does not kill sixd"; fi
  kill -TERM "$dpid"
  for _ in $(seq 1 50); do [[ -e $W/d.pid ]] || break; sleep 0.1; done
  if [[ ! -e $W/d.sock && ! -e $W/d.pid ]]; then
    ok "daemonized: SIGTERM removes the socket and the pid file"
  else fail "daemonized: SIGTERM removes the socket and the pid file" "$(ls -l "$W"/d.* 2>&1)"; fi
else fail "daemonized sixd starts" "$(cat "$W/d.out")"; fi

# --- persistent TUN: the host's configuration survives a restart
cat > "$W/p.conf" <<CONF
link add ptun0 type tun persist
link set ptun0 up
addr add 2001:db8:9::2/64 dev ptun0
CONF
sixd_start p "$R" "$W/p.conf" || { fail "sixd p starts"; finish; }
nsrun "$R" ip link set ptun0 up
nsrun "$R" ip addr add 2001:db8:9::1/64 dev ptun0 nodad
sleep 1.2
check "persist: Linux pings sixd over ptun0" nsrun "$R" ping -6 -c 2 -i 0.2 -W 2 2001:db8:9::2
if [[ $(ctl p link show ptun0) == *"kind tun persist"* ]]; then ok "persist: link show says persist"
else fail "persist: link show says persist" "$(ctl p link show ptun0)"; fi
sixd_stop p
host_addrs=$(nsrun "$R" ip -6 addr show dev ptun0 2>&1)
if [[ $host_addrs == *"2001:db8:9::1/64"* ]]; then
  ok "persist: ptun0 and its host address survive sixd's exit"
else fail "persist: ptun0 and its host address survive sixd's exit" "$host_addrs"; fi
sixd_start p "$R" "$W/p.conf" || { fail "sixd p restarts"; finish; }
sleep 1.2
if grep -q "ptun0: attached to the persistent TUN device" "$W/p.log"; then ok "persist: the restarted sixd attaches to the existing device"
else fail "persist: the restarted sixd attaches to the existing device" "$(grep ptun0 "$W/p.log")"; fi
check "persist: Linux pings the restarted sixd over ptun0 (no host step)" nsrun "$R" ping -6 -c 2 -i 0.2 -W 2 2001:db8:9::2
check "persist: link del ptun0" ctl p link del ptun0
if ! nsrun "$R" ip link show ptun0 >/dev/null 2>&1; then ok "persist: link del ends the device"
else fail "persist: link del ends the device" "$(nsrun "$R" ip link show ptun0 2>&1)"; fi
sixd_stop p
finish
