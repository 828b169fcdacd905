#!/usr/bin/env bash
# sixd's DHCPv6 relay agent between ISC dhclient and Kea (issue 12):
# dhclient -6 -N -P on a client link asks through sixd's relay; Kea, which
# sees only Relay-forward messages, picks the subnet by the relay's
# link-address ("relay": {"ip-addresses": [...]}) and answers; dhclient gets
# its address and its /56; Kea's lease file holds both; the relay's counters
# saw the exchange; tshark reads the Relay-forw's fields. Then Kea again with
# a subnet it can find only by the relay's interface-id.
#
#   ns c: dhclient (c0) ── br0 ── tap0 [sixd relay, ns r] tap1 ── br1 ── (k0) ns k: Kea
. "$(dirname "$0")/lib.sh"
need_root
for p in kea-dhcp6 dhclient tshark; do
  command -v "$p" >/dev/null || { fail "$T_NAME" "$p not installed (scripts/deps)"; finish; }
done

C=$(ns_add d6relay-c) && K=$(ns_add d6relay-k) && R=$(ns_add d6relay-r) || { fail "netns"; finish; }
for ns in "$C" "$K"; do nsrun "$ns" sysctl -qw net.ipv6.conf.default.accept_dad=0; done
veth "$C" c0 "$R" rc0 && veth "$K" k0 "$R" rk0 || { fail "veth"; finish; }

cat > "$W/r.conf" <<CONF
link add tap0 type tap
link add tap1 type tap
capture tap0 $W/r-tap0.pcap
capture tap1 $W/r-tap1.pcap
link set tap0 up
link set tap1 up
addr add 2001:db8:1::1/64 dev tap0
addr add 2001:db8:2::1/64 dev tap1
dhcp6 relay dev tap0 server 2001:db8:2::2 upstream tap1
CONF
sixd_start r "$R" "$W/r.conf" || { fail "sixd starts"; finish; }
tap_bridges "$R" rc0 rk0
nsrun "$K" ip addr add 2001:db8:2::2/64 dev k0 nodad

cat > "$W/kea-dhcp6.conf" <<CONF
{ "Dhcp6": {
    "interfaces-config": { "interfaces": [ "k0/2001:db8:2::2" ] },
    "data-directory": "$W",
    "lease-database": { "type": "memfile", "name": "$W/kea-leases6.csv", "lfc-interval": 0 },
    "renew-timer": 1000, "rebind-timer": 2000, "preferred-lifetime": 3000, "valid-lifetime": 4000,
    "subnet6": [ {
        "id": 1,
        "subnet": "2001:db8:1::/64",
        "relay": { "ip-addresses": [ "2001:db8:1::1" ] },
        "pools": [ { "pool": "2001:db8:1::100-2001:db8:1::1ff" } ],
        "pd-pools": [ { "prefix": "2001:db8:100::", "prefix-len": 48, "delegated-len": 56 } ]
    } ],
    "loggers": [ { "name": "kea-dhcp6", "severity": "DEBUG", "debuglevel": 40,
                   "output_options": [ { "output": "$W/kea.log" } ] } ]
} }
CONF
# kea_start: Kea with $W/kea-dhcp6.conf, waits for its unicast socket; sets KEA_PID
kea_start() {
  (KEA_PIDFILE_DIR=$W KEA_LOCKFILE_DIR=$W exec ip netns exec "$K" kea-dhcp6 -c "$W/kea-dhcp6.conf" \
     >>"$W/kea.out" 2>&1) &
  KEA_PID=$!
  track_pid $KEA_PID
  for _ in $(seq 1 50); do nsrun "$K" ss -lun | grep -q '2001:db8:2::2\]:547' && return 0; sleep 0.1; done
  return 1
}
kea_start || { fail "kea listens" "$(cat "$W/kea.out")"; finish; }
sleep 1   # the bridges forward, sixd's addresses past DAD

# dhclient_run LEASES: dhclient -6 -N -P until LEASES holds an address and a prefix (20 s);
# no hook script (PEERS.md: never touch the machine's configuration), every file in $W
dhclient_run() {
  (exec ip netns exec "$C" dhclient -6 -N -P -d -v -sf /bin/true -lf "$1" \
     -pf "$W/dhclient6.pid" c0 >>"$W/dhclient.log" 2>&1) &
  DHCLIENT_PID=$!
  track_pid $DHCLIENT_PID
  for _ in $(seq 1 200); do
    grep -q iaaddr "$1" 2>/dev/null && grep -q iaprefix "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}
got=0
dhclient_run "$W/dhclient6.leases" && got=1
if ((got)); then ok "dhclient gets an address and a prefix through sixd's relay"
else fail "dhclient gets an address and a prefix through sixd's relay" \
  "$(tail -20 "$W/dhclient.log"; ctl r stats | grep dhcp6r; tail -5 "$W/kea.log")"; finish; fi

addr=$(grep -o 'iaaddr 2001:db8:1::[0-9a-f]*' "$W/dhclient6.leases" | head -1 | cut -d' ' -f2)
pfx=$(grep -o 'iaprefix 2001:db8:100:[0-9a-f:]*/56' "$W/dhclient6.leases" | head -1 | cut -d' ' -f2)
if [[ -n $addr && -n $pfx ]]; then ok "from the relayed subnet: $addr and $pfx"
else fail "from the relayed subnet" "$(cat "$W/dhclient6.leases")"; fi
if [[ -n $addr ]] && grep -q "^$addr," "$W/kea-leases6.csv" && [[ -n $pfx ]] && grep -q "^${pfx%/56},.*,56," "$W/kea-leases6.csv"
then ok "Kea's lease file holds the address and the prefix"
else fail "Kea's lease file holds the address and the prefix" "$(cat "$W/kea-leases6.csv")"; fi

js=$(ctl r -j dhcp6 relay show)
if "$PY" - "$js" <<'PY'
import json, sys
r = json.loads(sys.argv[1])[0]
c = r["counters"]
ok = (r["dev"] == "tap0" and r["link_address"] == "2001:db8:1::1" and r["servers"] == ["2001:db8:2::2"]
      and c["from_clients"] >= 2 and c["to_clients"] >= 2 and c["dropped"] == 0)
sys.exit(0 if ok else 1)
PY
then ok "dhcp6 relay show -j: Solicit and Request up, Advertise and Reply down, nothing dropped"
else fail "dhcp6 relay show -j" "$js"; fi

# Kea picked the subnet by our link-address; the Relay-forw on the wire (tshark) carries
# hop-count 0, link-address, the client's link-local as peer, interface-id "tap0"
if grep -q "because of matching relay addr 2001:db8:1::1" "$W/kea.log"
then ok "Kea selected the subnet by the relay's link-address"
else fail "Kea selected the subnet by the relay's link-address" "$(grep -i subnet "$W/kea.log" | tail -5)"; fi
cll=$(nsrun "$C" ip -6 -o addr show dev c0 scope link | awk '{print $4}' | cut -d/ -f1)
ctl r capture tap1 stop >/dev/null 2>&1
fields=$(tshark -r "$W/r-tap1.pcap" -Y "dhcpv6.msgtype == 12" -T fields -e dhcpv6.hopcount -e dhcpv6.linkaddr \
         -e dhcpv6.peeraddr -e dhcpv6.interface_id 2>/dev/null | sort -u)
if [[ $fields == "$(printf '0\t2001:db8:1::1\t%s\t74617030' "$cll")" ]]
then ok "tshark: Relay-forw hop-count 0, link-address 2001:db8:1::1, peer $cll, interface-id tap0"
else fail "tshark: Relay-forw fields" "got: $fields (client $cll)"; fi

# --- the same with a subnet Kea can only find by the relay's interface-id
kill "$DHCLIENT_PID" "$KEA_PID" 2>/dev/null
wait "$DHCLIENT_PID" "$KEA_PID" 2>/dev/null
"$PY" - "$W/kea-dhcp6.conf" <<'PY'
import json, sys
f = sys.argv[1]
c = json.load(open(f))
c["Dhcp6"]["subnet6"] = [{ "id": 2, "subnet": "2001:db8:5::/64", "interface-id": "tap0",
    "pools": [{ "pool": "2001:db8:5::100-2001:db8:5::1ff" }],
    "pd-pools": [{ "prefix": "2001:db8:500::", "prefix-len": 48, "delegated-len": 56 }] }]
json.dump(c, open(f, "w"), indent=1)
PY
kea_start || { fail "kea listens (interface-id subnet)" "$(tail -5 "$W/kea.out")"; finish; }
if dhclient_run "$W/dhclient6-ifid.leases" && grep -q "iaaddr 2001:db8:5::" "$W/dhclient6-ifid.leases" \
   && grep -q "iaprefix 2001:db8:500:" "$W/dhclient6-ifid.leases"
then ok "Kea selects a subnet by the relay's interface-id (tap0): address and prefix from it"
else fail "Kea selects a subnet by the relay's interface-id" \
  "$(cat "$W/dhclient6-ifid.leases" 2>/dev/null; grep -i "subnet" "$W/kea.log" | tail -3)"; fi

sixd_stop r
finish
