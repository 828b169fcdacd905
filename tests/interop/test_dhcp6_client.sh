#!/usr/bin/env bash
# sixd's DHCPv6 client on a TAP gets IA_NA + IA_PD from Kea, then from WIDE
# dhcp6s (a static prefix for the client's DUID: dhcp6s has no dynamic PD),
# numbers its LAN link (tap1, sla 1) from the delegated prefix, and a Linux
# host there SLAACs from it and pings sixd's PREFIX::1.
#
#   ns srv (s0) ── br0 ── tap0 [sixd in ns rtr] tap1 ── br1 ── (h0) ns lan
#
# Nothing of the host is touched: Kea's files are in $W; dhcp6s runs in a
# private mount namespace where $W/dhcpv6 is bound over /var/lib/dhcpv6 (its
# DUID file); sixd's DUID is in its state directory under $W.
. "$(dirname "$0")/lib.sh"
need_root

S=$(ns_add d6cli-srv) && R=$(ns_add d6cli-rtr) && H=$(ns_add d6cli-lan) || { fail "netns"; finish; }
veth "$S" s0 "$R" rs0 && veth "$H" h0 "$R" rh0 || { fail "veth"; finish; }
cat > "$W/r.conf" <<CONF
link add tap0 type tap
link add tap1 type tap
link set tap0 up
link set tap1 up
CONF
sixd_start r "$R" "$W/r.conf" -S "$W/state" || { fail "sixd starts"; finish; }
tap_bridges "$R" rs0 rh0
nsrun "$S" ip addr add 2001:db8:1::1/64 dev s0 nodad
nsrun "$H" sysctl -qw net.ipv6.conf.h0.accept_ra=2 net.ipv6.conf.h0.autoconf=1
sleep 2

# wait_bound PREFIX: the client is bound and its downstream link has PREFIX:1::/64
wait_bound() {
  local i out
  for ((i = 0; i < 150; i++)); do
    out=$(ctl r -j dhcp6 client show 2>/dev/null)
    if grep -q '"state":"bound"' <<<"$out" && grep -q "\"prefix\":\"$1:1::/64\",\"active\":true" <<<"$out"; then
      return 0
    fi
    sleep 0.2
  done
  note "$out"
  return 1
}

# lan_slaac PREFIX: the LAN host has a global address in PREFIX:1::/64
lan_slaac() {
  local i
  for ((i = 0; i < 100; i++)); do
    nsrun "$H" ip -6 addr show dev h0 scope global | grep -v deprecated | grep -q "inet6 $1:1:" && return 0
    sleep 0.2
  done
  nsrun "$H" ip -6 addr show dev h0 >&2
  return 1
}

# --- Kea
mkdir -p "$W/kea"
cat > "$W/kea/kea-dhcp6.conf" <<CONF
{ "Dhcp6": {
    "interfaces-config": { "interfaces": [ "s0" ] },
    "data-directory": "$W/kea",
    "lease-database": { "type": "memfile", "name": "$W/kea/leases6.csv", "lfc-interval": 0 },
    "renew-timer": 1000, "rebind-timer": 2000, "preferred-lifetime": 3000, "valid-lifetime": 4000,
    "subnet6": [ {
        "subnet": "2001:db8:1::/64", "interface": "s0",
        "pools": [ { "pool": "2001:db8:1::100-2001:db8:1::1ff" } ],
        "pd-pools": [ { "prefix": "2001:db8:100::", "prefix-len": 48, "delegated-len": 56 } ],
        "option-data": [ { "name": "dns-servers", "data": "2001:db8:1::53" },
                         { "name": "domain-search", "data": "example.test" } ]
    } ],
    "loggers": [ { "name": "kea-dhcp6", "severity": "INFO",
                   "output_options": [ { "output": "$W/kea/kea.log" } ] } ]
} }
CONF
(KEA_PIDFILE_DIR=$W/kea KEA_LOCKFILE_DIR=$W/kea exec ip netns exec "$S" kea-dhcp6 -c "$W/kea/kea-dhcp6.conf" \
  >"$W/kea/stdout" 2>&1) &
KEA=$!
track_pid $KEA
sleep 1
ctl r dhcp6 client dev tap0 ia-na ia-pd hint /56 pd-to tap1 sla 1 reconfigure-accept >/dev/null

if wait_bound 2001:db8:100; then ok "Kea: sixd's client is bound with IA_NA and IA_PD"
else fail "Kea: sixd's client is bound with IA_NA and IA_PD" "$(tail -20 "$W/kea/kea.log" 2>/dev/null)"; fi
out=$(ctl r -j dhcp6 client show)
if grep -q '"addr":"2001:db8:1::1[0-9a-f][0-9a-f]","plen":128' <<<"$out" && grep -q '"addr":"2001:db8:100::","plen":56' <<<"$out"
then ok "Kea: an address from the pool and a /56"; else fail "Kea: an address from the pool and a /56" "$out"; fi
if grep -q '"dns":\["2001:db8:1::53"\]' <<<"$out" && grep -q '"domains":\["example.test"\]' <<<"$out"
then ok "Kea: DNS server and domain"; else fail "Kea: DNS server and domain" "$out"; fi
out=$(ctl r addr show dev tap0)
if grep -q "2001:db8:1::1[0-9a-f][0-9a-f]/128" <<<"$out"; then ok "Kea: the address is on tap0 as /128"
else fail "Kea: the address is on tap0 as /128" "$out"; fi
if grep -q "2001:db8:1::53.*dhcpv6" <<<"$(ctl r dns show)"; then ok "Kea: the resolver uses the DHCPv6 DNS server"
else fail "Kea: the resolver uses the DHCPv6 DNS server" "$(ctl r dns show)"; fi
if lan_slaac 2001:db8:100; then ok "Kea: the LAN host SLAACs from the delegated prefix"
else fail "Kea: the LAN host SLAACs from the delegated prefix"; fi
check "Kea: the LAN host pings sixd's 2001:db8:100:1::1" nsrun "$H" ping -6 -c 2 -i 0.3 -W 2 2001:db8:100:1::1
DUID=$(ctl r -j dhcp6 client show | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["duid"])')
if [[ -f $W/state/r.dhcp6c-duid ]] && grep -qi "^$DUID\$" "$W/state/r.dhcp6c-duid"; then ok "the DUID is kept in the state directory"
else fail "the DUID is kept in the state directory" "$DUID vs $(cat "$W/state/r.dhcp6c-duid" 2>&1)"; fi

# Release on request: Kea's lease file records it (state 0 → gone)
ctl r dhcp6 client dev tap0 off release >/dev/null
sleep 1
if ! grep -q "2001:db8:1::1[0-9a-f][0-9a-f]/128" <<<"$(ctl r addr show dev tap0)"; then ok "off release: the address left tap0"
else fail "off release: the address left tap0"; fi
if grep -qi "released" "$W/kea/kea.log"; then ok "Kea saw the Release"; else fail "Kea saw the Release" "$(grep -i releas "$W/kea/kea.log" | tail -3)"; fi
kill -TERM $KEA 2>/dev/null; wait $KEA 2>/dev/null

# --- WIDE dhcp6s: a static prefix for our DUID (it has no PD pool). Once a
# host declaration matches, dhcp6s takes only what it lists (its address
# pool is left out for that client), so the declaration has the address too.
mkdir -p "$W/dhcpv6"
cat > "$W/dhcp6s.conf" <<CONF
option domain-name-servers 2001:db8:1::54;
interface s0 { address-pool pool1 3600; };
pool pool1 { range 2001:db8:1::200 to 2001:db8:1::2ff; };
host rtr {
    duid $DUID;
    address 2001:db8:1::2aa 3600 7200;
    prefix 2001:db8:200::/56 3600 7200;
};
CONF
(exec ip netns exec "$S" unshare -m sh -c "mount --bind '$W/dhcpv6' /var/lib/dhcpv6 && \
  exec dhcp6s -D -f -c '$W/dhcp6s.conf' -k '$W/dhcp6s.key' -P '$W/dhcp6s.pid' s0" >"$W/dhcp6s.log" 2>&1) &
D6S=$!
track_pid $D6S
sleep 1
ctl r dhcp6 client dev tap0 ia-na ia-pd pd-to tap1 sla 1 >/dev/null
if wait_bound 2001:db8:200; then ok "dhcp6s: sixd's client is bound with IA_NA and IA_PD"
else fail "dhcp6s: sixd's client is bound with IA_NA and IA_PD" "$(tail -20 "$W/dhcp6s.log")"; fi
out=$(ctl r -j dhcp6 client show)
if grep -q '"addr":"2001:db8:1::2aa","plen":128' <<<"$out" && grep -q '"dns":\["2001:db8:1::54"\]' <<<"$out"
then ok "dhcp6s: the address for our DUID and its DNS server"; else fail "dhcp6s: the address for our DUID and its DNS server" "$out"; fi
if lan_slaac 2001:db8:200; then ok "dhcp6s: the LAN host SLAACs from the delegated prefix"
else fail "dhcp6s: the LAN host SLAACs from the delegated prefix"; fi
check "dhcp6s: the LAN host pings sixd's 2001:db8:200:1::1" nsrun "$H" ping -6 -c 2 -i 0.3 -W 2 2001:db8:200:1::1
# the previous prefix was withdrawn: the LAN host's address from it is deprecated
if nsrun "$H" ip -6 addr show dev h0 | grep "inet6 2001:db8:100:1:" | grep -q deprecated
then ok "the old prefix is deprecated on the LAN host (RFC 9096)"
else fail "the old prefix is deprecated on the LAN host (RFC 9096)" "$(nsrun "$H" ip -6 addr show dev h0)"; fi
# a restart is no Release: dhcp6s keeps the binding; the same DUID comes back
sixd_stop r
if ! grep -qi "release" "$W/dhcp6s.log"; then ok "no Release when sixd stops"; else fail "no Release when sixd stops"; fi
sixd_start r "$R" "$W/r.conf" -S "$W/state" || fail "sixd restarts"
ctl r dhcp6 client dev tap0 ia-na >/dev/null
sleep 1
D2=$(ctl r -j dhcp6 client show | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["duid"])')
if [[ $D2 == "$DUID" ]]; then ok "the same DUID after a restart"; else fail "the same DUID after a restart" "$D2 vs $DUID"; fi
finish
