#!/usr/bin/env bash
# kill -9 at random moments, many times (issue 11): the hometun client of
# examples/hometun (gateway mode, raw ESP) sends pings through its tunnel
# while its sixd is killed with SIGKILL $SIX_KILL_LOOPS times (default
# 200; more outside CI) -- during its start, its configuration, a write of
# its state file, or traffic -- and started again at once. A capture on the
# outer link (every ESP packet the client sent) must never hold one (SPI,
# sequence number) pair twice, and the server must never have refused a
# packet as a replay. The reserve of numbers written ahead is small here
# (ipsec state reserve 32), so that state writes happen all the time.
. "$(dirname "$0")/lib.sh"
need_root
command -v dumpcap >/dev/null || { skip "$T_NAME" "dumpcap missing (scripts/deps: tshark)"; exit 0; }
LOOPS=${SIX_KILL_LOOPS:-200}

HC=$(ns_add sl-hc) || { fail "netns"; finish; }
HISP=$(ns_add sl-isp) || { fail "netns"; finish; }
HS=$(ns_add sl-hs) || { fail "netns"; finish; }
veth "$HC" c0 "$HISP" i0 && veth "$HISP" i1 "$HS" s0 || { fail "veth"; finish; }
nsrun "$HISP" sysctl -qw net.ipv4.ip_forward=1
nsrun "$HISP" ip addr add 192.0.2.1/24 dev i0
nsrun "$HISP" ip addr add 198.51.100.1/24 dev i1
nsrun "$HS" ip addr add 198.51.100.2/24 dev s0
nsrun "$HS" ip route add default via 198.51.100.1
nsrun "$HC" ip addr add 192.0.2.2/24 dev c0
nsrun "$HC" ip route add default via 192.0.2.1

EX="$(cd "$(dirname "$0")/../../examples/hometun" && pwd)"
{ echo "ipsec state reserve 32"
  sed "s|/etc/sixstack/hometun.setkey|$EX/hometun.setkey|; s|dev eth0|dev c0|" "$EX/client.conf"; } > "$W/hc.conf"
sed "s|/etc/sixstack/hometun.setkey|$EX/hometun.setkey|; s|dev eth0|dev s0|" "$EX/server.conf" > "$W/hs.conf"
grep -v 'dev eth1' "$EX/client-host.sh" > "$W/client-host.sh"
ctr() { ctl "$1" stats "$2" | grep -o '[0-9]*$'; }

sixd_start hs "$HS" "$W/hs.conf" && nsrun "$HS" sh "$EX/server-host.sh" || { fail "server starts"; finish; }

ip netns exec "$HISP" dumpcap -q -P -i i0 -s 96 -f "ip proto 50 and src host 192.0.2.2" -w "$W/esp.pcap" \
  >"$W/dumpcap.log" 2>&1 &
CAP=$!; track_pid $CAP
for _ in $(seq 50); do grep -q "Capturing on" "$W/dumpcap.log" && break; sleep 0.1; done

# the client: sixd, then its host script as soon as tun0 exists
start_client() {
  ip netns exec "$HC" "$SIXD" -f -n hc -c "$W/hc.conf" -s "$W/hc.sock" >"$W/hc.log" 2>&1 &
  HC_PID=$!
  track_pid "$HC_PID"
  ( for _ in $(seq 100); do
      ip -n "$HC" link show tun0 >/dev/null 2>&1 && nsrun "$HC" sh "$W/client-host.sh" 2>/dev/null && exit 0
      sleep 0.01
    done ) &
  HOST_SH=$!
}
start_client
# pings from the client's kernel into the tunnel, 500 a second; the
# tunnel carries them about half a second after a start (DAD on gif0),
# and every start announces the client by NA at once (through
# tun0, which comes and goes: errors meanwhile are expected)
# (ping gives up when tun0 vanishes under it: started again at once)
ip netns exec "$HC" bash -c 'while :; do ping -q -i 0.002 2001:db8:ff00::1; sleep 0.01; done' >/dev/null 2>&1 &
track_pid $!

t0=$(date +%s)
for ((i = 0; i < LOOPS; i++)); do
  sleep "0.$(printf '%03d' $((RANDOM % 600)))"
  kill -KILL "$HC_PID" 2>/dev/null; wait "$HC_PID" 2>/dev/null
  kill "$HOST_SH" 2>/dev/null; wait "$HOST_SH" 2>/dev/null
  start_client
done
note "$LOOPS kills in $(($(date +%s) - t0)) s"
wait "$HOST_SH" 2>/dev/null
# after the last start the tunnel carries traffic within 5 s
okp=0
for _ in $(seq 5); do nsrun "$HC" ping -c1 -W1 2001:db8:ff00::1 >/dev/null 2>&1 && { okp=1; break; }; done
((okp)) && ok "after $LOOPS kill -9 the client's tunnel carries traffic within 5 s of its last start" ||
  fail "traffic after the last start" "$(tail -5 "$W/hc.log")"
sleep 0.5
kill -INT $CAP 2>/dev/null; wait $CAP 2>/dev/null

# every ESP packet of the capture: (SPI, sequence number) pairs
"$PY" - "$W/esp.pcap" >"$W/pairs.txt" <<'PY'
import struct, sys
d = open(sys.argv[1], 'rb').read()
magic = struct.unpack('<I', d[:4])[0]
e = '<' if magic in (0xa1b2c3d4, 0xa1b23c4d) else '>'
off = 24
while off + 16 <= len(d):
    _, _, incl, _ = struct.unpack(e + 'IIII', d[off:off + 16])
    p = d[off + 16:off + 16 + incl]
    off += 16 + incl
    if len(p) < 14 + 20 or p[12:14] != b'\x08\x00':
        continue
    ihl = (p[14] & 15) * 4
    if p[14 + 9] != 50 or len(p) < 14 + ihl + 8:
        continue
    spi, seq = struct.unpack('>II', p[14 + ihl:14 + ihl + 8])
    print('%08x %u' % (spi, seq))
PY
n=$(wc -l < "$W/pairs.txt")
dups=$(sort "$W/pairs.txt" | uniq -d | wc -l)
top=$(awk '{ print $2 }' "$W/pairs.txt" | sort -n | tail -1)
# (how many packets get out depends on how fast sixd starts on a loaded
# machine; at least one a round on average, the NA of each start)
if ((n >= LOOPS && dups == 0)); then
  ok "$n ESP packets from the client across $LOOPS kill -9: no (SPI, sequence number) pair twice (highest $top)"
else
  fail "no (SPI, sequence number) pair twice across $LOOPS kill -9" "$n packets, $dups pairs seen twice: $(sort "$W/pairs.txt" | uniq -d | head -3 | paste -sd' ')"
fi
replays=$(ctr hs ipsec.drop_replay)
((replays == 0)) && ok "the server refused no packet as a replay ($(ctr hs ipsec.in_packets) ESP packets in)" ||
  fail "the server refused no packet as a replay" "ipsec.drop_replay $replays"
kill -KILL "$HC_PID" 2>/dev/null; wait "$HC_PID" 2>/dev/null
sixd_stop hs
finish
