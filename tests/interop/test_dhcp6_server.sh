#!/usr/bin/env bash
# sixd's DHCPv6 server (sixctl dhcp6 server) on a TAP bridged to a veth
# link; the clients in another namespace: ISC dhclient -6 (address + prefix),
# WIDE dhcp6c (ia-na + ia-pd, then its Release on SIGTERM), dhcpcd (takes
# the reconfigure key, Renews on `sixctl dhcp6 reconfigure`), Kea's
# perfdhcp -6 (address only, then address and prefix) without a single
# drop; afterwards
# `sixctl -j dhcp6 leases` lists no address or prefix twice, and a restart
# of sixd on the same journal still holds every lease.
. "$(dirname "$0")/lib.sh"
need_root

S=$(ns_add d6srv-s) || { fail "netns"; finish; }
C=$(ns_add d6srv-c) || { fail "netns"; finish; }
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
addr add 2001:db8:1::2/64 dev tap0
dhcp6 server dev tap0 pool 2001:db8:1::1000-2001:db8:1::ffff pd-pool 2001:db8:100::/40 delegate 56 dns 2001:db8:1::53 domain example.test reconfigure on store $W/leases
CONF
start_server() {
  sixd_start s "$S" "$W/s.conf" || return 1
  ip -n "$S" link set tap0 master br0 && ip -n "$S" link set tap0 up
}
start_server || { fail "sixd starts with a DHCPv6 server"; finish; }
sleep 2   # sixd's DAD, the bridge's ports forwarding

leases_json() { ctl s -j dhcp6 leases; }
# ns_kill NS COMM: SIGTERM to the processes named COMM inside NS (only
# there), then wait up to 5 s for them to go.
ns_kill() {
  local p i
  for p in $(ip netns pids "$1"); do [[ $(cat "/proc/$p/comm" 2>/dev/null) == "$2" ]] && kill -TERM "$p"; done
  for ((i = 0; i < 50; i++)); do
    local left=0
    for p in $(ip netns pids "$1"); do [[ $(cat "/proc/$p/comm" 2>/dev/null) == "$2" ]] && left=1; done
    ((left)) || return 0
    sleep 0.1
  done
}
# no_dups: no address or prefix twice in sixctl's list; prints the count.
no_dups() {
  leases_json | "$PY" -c '
import json, sys
l = json.load(sys.stdin)
keys = [x.get("address") or x.get("prefix") for x in l]
if len(keys) != len(set(keys)):
    print("duplicates:", [k for k in set(keys) if keys.count(k) > 1]); sys.exit(1)
print(len(keys))'
}

# --- ISC dhclient -6 -N -P: an address and a prefix
if nsrun "$C" timeout 20 dhclient -6 -N -P -1 -v -sf /bin/true -lf "$W/dhclient.leases" -pf "$W/dhclient.pid" vc \
    >"$W/dhclient.log" 2>&1; then
  track_pid "$(cat "$W/dhclient.pid" 2>/dev/null)"
  a=$(grep -o 'iaaddr 2001:db8:1::[0-9a-f:]*' "$W/dhclient.leases" | head -1 | cut -d' ' -f2)
  p=$(grep -o 'iaprefix 2001:db8:1[0-9a-f:]*/56' "$W/dhclient.leases" | head -1 | cut -d' ' -f2)
  out=$(leases_json)
  if [[ -n $a && -n $p ]] && grep -q "\"address\":\"$a\"" <<<"$out" && grep -q "\"prefix\":\"$p\"" <<<"$out"; then
    ok "dhclient -6 -N -P gets an address ($a) and a /56 ($p)"
  else fail "dhclient -6 -N -P gets an address and a /56" "lease file: $(cat "$W/dhclient.leases") sixd: $out"; fi
else
  fail "dhclient -6 -N -P gets an address and a /56" "$(tail -20 "$W/dhclient.log")"
fi
[[ -s $W/dhclient.pid ]] && kill "$(cat "$W/dhclient.pid")" 2>/dev/null

# --- WIDE dhcp6c: ia-na + ia-pd; its DUID file in a private /var/lib/dhcpv6
cat > "$W/dhcp6c.conf" <<CONF
interface vc { send ia-na 1; send ia-pd 1; };
id-assoc na 1 { };
id-assoc pd 1 { prefix-interface lo { sla-id 1; sla-len 8; }; };
CONF
mkdir -p "$W/dhcpv6"
before=$(leases_json | "$PY" -c 'import json,sys; print(len(json.load(sys.stdin)))')
nsrun "$C" unshare -m sh -c "mount --bind $W/dhcpv6 /var/lib/dhcpv6 && exec dhcp6c -c $W/dhcp6c.conf -p $W/dhcp6c.pid -D -f vc" \
  >"$W/dhcp6c.log" 2>&1 &
track_pid $!
got=0
for ((i = 0; i < 100; i++)); do
  n=$(leases_json | "$PY" -c 'import json,sys; print(len(json.load(sys.stdin)))')
  ((n >= before + 2)) && { got=1; break; }
  sleep 0.2
done
if ((got)) && nsrun "$C" ip -6 addr show dev vc | grep -q "inet6 2001:db8:1::"; then
  ok "WIDE dhcp6c gets an address (configured on vc) and a prefix"
else fail "WIDE dhcp6c gets an address and a prefix" "$(tail -20 "$W/dhcp6c.log")"; fi
[[ -s $W/dhcp6c.pid ]] && kill -TERM "$(cat "$W/dhcp6c.pid")"
released=0
for ((i = 0; i < 50; i++)); do
  [[ $(ctl s stats dhcp6s.released 2>/dev/null | awk '{print $NF}') -ge 2 ]] && { released=1; break; }
  sleep 0.2
done
if ((released)); then ok "dhcp6c's Release frees its address and prefix"
else fail "dhcp6c's Release frees its address and prefix" "$(ctl s stats dhcp6s.released) $(tail -5 "$W/dhcp6c.log")"; fi

# --- dhcpcd: Reconfigure Accept → a reconfigure key; `sixctl dhcp6 reconfigure` → its Renew.
# Its state in a private mount namespace (PEERS.md): a tmpfs /run, $W/db as /var/lib/dhcpcd.
mkdir -p "$W/db"
cat > "$W/dhcpcd.conf" <<CONF
ipv6only
noipv6rs
duid
ia_na 7
option dhcp6_reconfigure_accept
CONF
nsrun "$C" unshare -m sh -c "mount -t tmpfs tmpfs /run && mount --bind $W/db /var/lib/dhcpcd && exec dhcpcd -B -d -6 -f $W/dhcpcd.conf -c /bin/true vc" \
  >"$W/dhcpcd.log" 2>&1 &
track_pid $!
duid=""
for ((i = 0; i < 75; i++)); do
  duid=$(leases_json | "$PY" -c '
import json,sys
print(next((x["duid"] for x in json.load(sys.stdin) if x["iaid"] == 7 and x["reconfigure_key"]), ""))')
  [[ -n $duid ]] && break
  sleep 0.2
done
if [[ -n $duid ]] && grep -q "accepted reconfigure key" "$W/dhcpcd.log"; then
  ok "dhcpcd sends Reconfigure Accept and takes the reconfigure key"
else fail "dhcpcd sends Reconfigure Accept and takes the reconfigure key" "$(tail -10 "$W/dhcpcd.log")"; fi
done_before=$(ctl s stats dhcp6s.reconf_done | awk '{print $NF}')
if [[ -n $duid ]] && ctl s dhcp6 reconfigure "$duid" renew; then
  renewed=0
  for ((i = 0; i < 50; i++)); do
    [[ $(ctl s stats dhcp6s.reconf_done | awk '{print $NF}') -gt $done_before ]] && { renewed=1; break; }
    sleep 0.2
  done
  if ((renewed)) && grep -q "RECONFIGURE6 from" "$W/dhcpcd.log"; then
    ok "dhcpcd checks the Reconfigure's HMAC and Renews"
  else fail "dhcpcd checks the Reconfigure's HMAC and Renews" "$(tail -10 "$W/dhcpcd.log")"; fi
else fail "dhcpcd checks the Reconfigure's HMAC and Renews" "no key, or sixctl refused"; fi
# `ip netns exec` forks: $dpid is not dhcpcd. Its processes (master and
# privilege-separation helpers) are found in the client namespace alone.
ns_kill "$C" dhcpcd

# --- perfdhcp -6: address only, then address and prefix; exit 0 = nothing dropped
for mode in "" "-e address-and-prefix"; do
  name="perfdhcp -6 ${mode:-address only}: no drops"
  # shellcheck disable=SC2086
  if out=$(nsrun "$C" timeout 40 perfdhcp -6 -l vc -r 100 -R 1000 -p 6 -d 3 -W 3000000 $mode 2>&1); then ok "$name"
  else fail "$name" "$(grep -E 'drops|sent|received|rror' <<<"$out" | head -8) / $(ctl s stats 2>/dev/null | grep -E 'dhcp6s|lease\.' | grep -v ' 0$' | tr '\n' ' ')"; fi
done
if n=$(no_dups); then ok "sixctl dhcp6 leases: no address or prefix twice ($n leases)"
else fail "sixctl dhcp6 leases: no address or prefix twice" "$n"; fi
check "sixctl -j dhcp6 server show is JSON" sh -c "'$SIXCTL' -s '$W/s.sock' -j dhcp6 server show | '$PY' -c 'import json,sys; json.load(sys.stdin)'"

# --- a restart on the same journal: every lease is still there
before=$(leases_json | "$PY" -c 'import json,sys; print(sorted((x.get("address") or x.get("prefix"), x["duid"]) for x in json.load(sys.stdin)))')
sixd_stop s
start_server || { fail "sixd restarts on the same journal"; finish; }
after=$(leases_json | "$PY" -c 'import json,sys; print(sorted((x.get("address") or x.get("prefix"), x["duid"]) for x in json.load(sys.stdin)))')
if [[ $before == "$after" ]]; then ok "a restart keeps every lease (same addresses, same DUIDs)"
else fail "a restart keeps every lease" "before ${before:0:300} after ${after:0:300}"; fi
finish
