#!/usr/bin/env bash
# kill -9 of sixd's DHCPv6 server at random moments while Kea's perfdhcp -6
# allocates: the kills go on (sixd restarted each time on the same journal)
# until the server incarnations together sent at least 10 000 Replies.
# Afterwards every address a client got a Reply for (read from a capture of
# the Replies on the client's side) is still that client's in
# `sixctl -j dhcp6 leases`, and no address was given to two clients.
. "$(dirname "$0")/lib.sh"
need_root

S=$(ns_add d6srvk-s) || { fail "netns"; finish; }
C=$(ns_add d6srvk-c) || { fail "netns"; finish; }
ip -n "$S" link add br0 type bridge mcast_snooping 0
ip -n "$S" link set br0 up
veth "$S" vs "$C" vc || { fail "veth"; finish; }
ip -n "$S" link set vs master br0
nsrun "$C" sysctl -qw net.ipv6.conf.vc.accept_dad=0
nsrun "$C" ip link set vc down
nsrun "$C" ip link set vc up

mkdir -p "$W/state"
cat > "$W/s.conf" <<CONF
link add tap0 type tap
link set tap0 up
dhcp6 server dev tap0 pool 2001:db8:1::1:0-2001:db8:1::ffff:ffff rapid-commit off store $W/leases
CONF
start_server() {
  sixd_start s "$S" "$W/s.conf" || return 1
  ip -n "$S" link set tap0 master br0 && ip -n "$S" link set tap0 up
}
start_server || { fail "sixd starts with a DHCPv6 server"; finish; }
sleep 1.5

nsrun "$C" tshark -q -i vc -f "udp dst port 546" -w "$W/replies.pcap" >"$W/tshark.log" 2>&1 &
track_pid $!
sleep 1.5
nsrun "$C" timeout 100 perfdhcp -6 -l vc -r 550 -R 1000000 -p 95 -d 2 >"$W/perfdhcp.log" 2>&1 &
pf=$!
track_pid "$pf"

kills=0 sent=0
end=$((SECONDS + 90))
# the Replies each incarnation sent, read just before its kill (a few sent
# after the read are not counted: the total is a lower bound)
while ((SECONDS < end && sent < 10000)); do
  sleep "$((2 + RANDOM % 3)).$((RANDOM % 10))"
  n=$(ctl s stats -a dhcp6s.out_reply 2>/dev/null) && [[ $n =~ ^[0-9]+$ ]] && sent=$((sent + n))
  kill -9 "$SIXD_PID_s" 2>/dev/null
  wait "$SIXD_PID_s" 2>/dev/null
  kills=$((kills + 1))
  start_server || { fail "sixd restarts after kill -9 number $kills"; finish; }
done
for p in $(ip netns pids "$C"); do [[ $(cat "/proc/$p/comm" 2>/dev/null) == perfdhcp ]] && kill -TERM "$p"; done
wait "$pf"
sleep 1
note "$kills kills, at least $sent Replies sent; perfdhcp: $(grep -E 'sent packets|received packets' "$W/perfdhcp.log" | tr '\n' ' ')"
# `ip netns exec` forks: tshark itself is found in the client namespace
for p in $(ip netns pids "$C"); do [[ $(cat "/proc/$p/comm" 2>/dev/null) == tshark ]] && kill -TERM "$p"; done
for ((i = 0; i < 50; i++)); do
  left=0
  for p in $(ip netns pids "$C"); do [[ $(cat "/proc/$p/comm" 2>/dev/null) == tshark ]] && left=1; done
  ((left)) || break
  sleep 0.1
done
((kills >= 3 && sent >= 10000)) && ok "sixd killed -9 and restarted $kills times during $sent allocations by perfdhcp" ||
  fail "sixd killed -9 and restarted during 10 000 allocations by perfdhcp" "$kills kills, $sent Replies"

nsrun "$C" tshark -r "$W/replies.pcap" -T fields -e udp.payload >"$W/replies.hex" 2>/dev/null
ctl s -j dhcp6 leases >"$W/leases.json"
if out=$("$PY" - "$W/replies.hex" "$W/leases.json" <<'PY'
import json, sys
def opts(b):
    i = 0
    while i + 4 <= len(b):
        c = int.from_bytes(b[i:i+2], "big"); n = int.from_bytes(b[i+2:i+4], "big")
        yield c, b[i+4:i+4+n]
        i += 4 + n
got = {}        # address -> set of client DUIDs it was given to
replies = 0
for line in open(sys.argv[1]):
    p = bytes.fromhex(line.strip().replace(":", ""))
    if len(p) < 4 or p[0] != 7:
        continue
    duid = None; addrs = []
    for c, v in opts(p[4:]):
        if c == 1:
            duid = v.hex()
        elif c == 3 and len(v) >= 12:
            for c2, v2 in opts(v[12:]):
                if c2 == 5 and len(v2) >= 24 and int.from_bytes(v2[20:24], "big") > 0:
                    addrs.append(v2[:16].hex())
    for a in addrs:
        got.setdefault(a, set()).add(duid)
        replies += 1
import ipaddress
leases = {ipaddress.ip_address(x["address"]).packed.hex(): x["duid"] for x in json.load(open(sys.argv[2])) if "address" in x}
twice = [a for a, d in got.items() if len(d) > 1]
lost = [a for a, d in got.items() if leases.get(a) not in d]
print(f"{replies} replies, {len(got)} addresses, {len(twice)} given twice, {len(lost)} lost")
sys.exit(1 if twice or lost or replies < 10000 else 0)
PY
); then ok "every address in a Reply is still its client's, none given twice ($out)"
else fail "every address in a Reply is still its client's, none given twice" "$out"; fi
finish
