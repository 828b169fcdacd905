#!/usr/bin/env bash
# sixd's log as an operator and a log shipper see it (issue 11 item 4):
# with -L json every line of the log is one JSON object with ts, level,
# prog, name and msg; state changes are there at info level (the SA added,
# the link up); one replayed ESP packet (scapy) gives exactly one warning
# naming the SA's SPI and the peer; a flood of 1000 more gives a bounded
# number of lines, and the lines plus their "N more ... suppressed" counts
# add up to the ipsec.drop_replay counter. Then syslog: with -l -F local3
# the lines reach /dev/log (a socket of the test's, in a private mount
# namespace) with facility local3.
. "$(dirname "$0")/lib.sh"
need_root

N=$(ns_add logs) || { fail "netns"; finish; }
KEY=0102030405060708090a0b0c0d0e0f10a1a2a3a4
cat > "$W/ipsec.conf" <<CONF
spdadd ::/0 ::/0 icmp6 135,0 -P in none;
spdadd ::/0 ::/0 icmp6 136,0 -P in none;
spdadd ::/0 ::/0 icmp6 135,0 -P out none;
spdadd ::/0 ::/0 icmp6 136,0 -P out none;
add 2001:db8:1::1 2001:db8:1::2 esp 0x1001 -m transport -E aes-gcm-16 0x$KEY;
spdadd 2001:db8:1::1 2001:db8:1::2 any -P in ipsec esp/transport//require;
CONF
cat > "$W/s.conf" <<CONF
link add tap0 type tap
link set tap0 up
addr add 2001:db8:1::2/64 dev tap0
ipsec load $W/ipsec.conf
CONF
sixd_start s "$N" "$W/s.conf" -L json || { fail "sixd starts with -L json"; finish; }
nsrun "$N" ip link set tap0 up
nsrun "$N" ip addr add 2001:db8:1::1/64 dev tap0 nodad
sleep 1

# lines: the log's JSON objects whose msg contains $1, one msg a line
msgs() {
  "$PY" - "$W/s.log" "$1" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    try:
        o = json.loads(line)
    except ValueError:
        continue
    if sys.argv[2] in o.get("msg", ""):
        print(o["level"] + " " + o["msg"])
PY
}

info=$(msgs "SA esp 0x00001001 2001:db8:1::1>2001:db8:1::2: added")
up=$(msgs "tap0: link up")
if [[ $info == "info SA esp"* && $up == "info tap0: link up" ]]; then ok "the SA added and the link up are logged at info level"
else fail "the SA added and the link up are logged at info level" "sa: '$info' link: '$up'"; fi

nsrun "$N" "$PY" "$(dirname "$0")/logs_replay.py" tap0 2001:db8:1::2 2001:db8:1::1 $KEY 2 2>"$W/scapy.err" ||
  note "$(tail -5 "$W/scapy.err")"
sleep 0.5
rep=$(ctl s stats ipsec.drop_replay | grep -o '[0-9]*$')
one=$(msgs "replayed packet")
if [[ $rep == 1 && $(grep -c . <<<"$one") == 1 && $one == "warn SA esp 0x00001001 2001:db8:1::1>2001:db8:1::2: replayed packet seq 1 from 2001:db8:1::1 dropped" ]]
then ok "one replayed ESP packet: exactly one warning naming the SPI and the peer"
else fail "one replayed ESP packet: exactly one warning naming the SPI and the peer" "drop_replay $rep, lines: $one"; fi

nsrun "$N" "$PY" "$(dirname "$0")/logs_replay.py" tap0 2001:db8:1::2 2001:db8:1::1 $KEY 1000 2>"$W/scapy.err" ||
  note "$(tail -5 "$W/scapy.err")"
sleep 6   # past the rate limit's window (5 s): its summary is out
rep=$(ctl s stats ipsec.drop_replay | grep -o '[0-9]*$')
lines=$(msgs "replay" | grep -c '^warn')
# each line is one replay, plus the N of "(N more suppressed)" / "N more replay warnings suppressed"
told=$(msgs "replay" | grep '^warn' | "$PY" -c '
import re, sys
n = 0
for l in sys.stdin:
    m = re.search(r"(\d+) more (replay warnings )?suppressed", l)
    n += int(m.group(1)) if m else 0
    n += 0 if "warnings suppressed" in l else 1
print(n)')
if ((rep >= 900 && lines <= 20 && told == rep)); then
  ok "a flood of 1000 replays: $lines lines for $rep drops, every one accounted for"
else fail "a flood of 1000 replays gives a bounded number of lines" "drop_replay $rep, $lines lines, accounted $told"; fi

sixd_stop s
bad=$("$PY" - "$W/s.log" <<'PY'
import json, sys
n = bad = 0
for line in open(sys.argv[1]):
    n += 1
    try:
        o = json.loads(line)
        assert isinstance(o, dict) and set(("ts", "level", "prog", "name", "msg")) <= set(o)
        assert o["prog"] == "sixd" and o["name"] == "s"
    except (ValueError, AssertionError):
        bad += 1
        print("bad line: " + line.rstrip()[:200], file=sys.stderr)
print("%d %d" % (n, bad))
PY
)
read -r n_lines n_bad <<<"$bad"
if ((n_lines > 5 && n_bad == 0)); then ok "-L json: all $n_lines lines parse as JSON objects with ts, level, prog, name, msg"
else fail "-L json: every line parses as a JSON object" "$n_lines lines, $n_bad bad"; fi

# syslog: a private mount namespace whose /dev is the test's own, /dev/log a socket we read
cat > "$W/devlog.py" <<'PY'
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("/dev/log")
s.settimeout(0.2)
end = time.time() + float(sys.argv[2])
with open(sys.argv[1], "w") as out:
    while time.time() < end:
        try:
            out.write(s.recv(4096).decode(errors="replace").rstrip("\n") + "\n")
            out.flush()
        except socket.timeout:
            pass
PY
cat > "$W/sys.conf" <<CONF
ipsec load $W/ipsec.conf
CONF
nsrun "$N" unshare -m --propagation private bash -c "
  mount -t tmpfs tmpfs /dev && mknod -m 666 /dev/null c 1 3 || exit 1
  $PY $W/devlog.py $W/syslog.txt 3 & sleep 0.5
  timeout 2 $SIXD -f -l -F local3 -n sl -c $W/sys.conf -s $W/sl.sock
  wait" >"$W/sl.log" 2>&1
# local3 (19) * 8 + info (6) = 158
if grep -q '^<158>.*sixd\[[0-9]*\]: sl: SA esp 0x00001001 2001:db8:1::1>2001:db8:1::2: added' "$W/syslog.txt"; then
  ok "-l -F local3: the lines reach syslog with facility local3"
else fail "-l -F local3: the lines reach syslog with facility local3" "$(head -5 "$W/syslog.txt" 2>&1; head -5 "$W/sl.log")"; fi
# journald: stderr is the stream JOURNAL_STREAM names: "<N>" priority prefixes, no time stamp
: > "$W/journal.txt"
js=$(stat -c '%d:%i' "$W/journal.txt")
JOURNAL_STREAM=$js timeout 1 "$SIXD" -f -n j -c "$W/sys.conf" -s "$W/j.sock" 2>>"$W/journal.txt"
if grep -q '^<6>j: SA esp 0x00001001 2001:db8:1::1>2001:db8:1::2: added$' "$W/journal.txt" &&
   grep -q '^<6>signal 15: shutting down$' "$W/journal.txt"; then
  ok "stderr to journald (JOURNAL_STREAM): lines carry <N> priority prefixes"
else fail "stderr to journald (JOURNAL_STREAM): lines carry <N> priority prefixes" "$(head -3 "$W/journal.txt")"; fi
"$SIXD" -F local9 2>"$W/badfac.txt"
rc=$?
if ((rc == 2)) && grep -q "local9" "$W/badfac.txt"; then ok "-F with an unknown facility is refused"
else fail "-F with an unknown facility is refused" "rc $rc: $(cat "$W/badfac.txt")"; fi
finish
