#!/usr/bin/env bash
# Kea serves an lw4o6 configuration (RFC 7598 S46_CONT_LW: S46_V4V6BIND with
# the IPv4 address, a /64 bind prefix and S46_PORTPARAMS, plus S46_BR) and
# sixd's DTI client takes it (`dstm client dev tap0 lw4o6`): the address,
# port set and BR show in `dstm client show -j`, the B4 address (RFC 7596
# §5.1: the bind prefix + the RFC 7597 §6 interface identifier) is on tap0,
# and a UDP datagram from sixd's stack to an IPv4 address leaves as 4in6
# from the B4 address to the BR with the bound address as inner source
# (dumpcap in Kea's namespace).
#
#   ns kea (s0, 2001:db8:1::1 = the BR) ── br0 ── tap0 [sixd in ns b4]
. "$(dirname "$0")/lib.sh"
need_root
command -v kea-dhcp6 >/dev/null || { skip "$T_NAME" "kea-dhcp6 not installed"; exit 0; }
command -v dumpcap >/dev/null || { skip "$T_NAME" "dumpcap missing (scripts/deps: tshark)"; exit 0; }

S=$(ns_add dtikea-srv) && R=$(ns_add dtikea-b4) || { fail "netns"; finish; }
veth "$S" s0 "$R" rs0 || { fail "veth"; finish; }
cat > "$W/r.conf" <<CONF
link add tap0 type tap
link set tap0 up
route add 2001:db8:1::/64 dev tap0
CONF
sixd_start r "$R" "$W/r.conf" -S "$W/state" || { fail "sixd starts"; finish; }
tap_bridges "$R" rs0
nsrun "$S" ip addr add 2001:db8:1::1/64 dev s0 nodad
sleep 2

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
        "option-data": [
            { "name": "s46-cont-lw", "space": "dhcp6" },
            { "name": "s46-br", "space": "s46-cont-lw-options", "data": "2001:db8:1::1" },
            { "name": "s46-v4v6bind", "space": "s46-cont-lw-options", "data": "192.0.2.3, 2001:db8:1::/64" },
            { "name": "s46-portparams", "space": "s46-v4v6bind-options", "data": "6, 5/4" }
        ]
    } ],
    "loggers": [ { "name": "kea-dhcp6", "severity": "DEBUG", "debuglevel": 40,
                   "output_options": [ { "output": "$W/kea/kea.log" } ] } ]
} }
CONF
(KEA_PIDFILE_DIR=$W/kea KEA_LOCKFILE_DIR=$W/kea exec ip netns exec "$S" kea-dhcp6 -c "$W/kea/kea-dhcp6.conf" \
  >"$W/kea/stdout" 2>&1) &
KEA=$!
track_pid $KEA
sleep 1

# the capture of what reaches the BR: protocol 4 over IPv6
(exec ip netns exec "$S" dumpcap -q -P -i s0 -f 'ip6 proto 4' -w "$W/br.pcap" >"$W/dumpcap.log" 2>&1) &
TCPD=$!
track_pid $TCPD
sleep 1

check "dstm client dev tap0 lw4o6 on-demand off" ctl r dstm client dev tap0 lw4o6 on-demand off
out=""
for ((i = 0; i < 100; i++)); do
  out=$(ctl r -j dstm client show 2>/dev/null)
  grep -q '"state":"bound"' <<<"$out" && break
  sleep 0.2
done
if grep -q '"state":"bound"' <<<"$out" && grep -q '"address":"192.0.2.3"' <<<"$out"
then ok "Kea lw4o6: the DTI is bound to 192.0.2.3"
else fail "Kea lw4o6: the DTI is bound to 192.0.2.3" "$out" "$(tail -20 "$W/kea/kea.log" 2>/dev/null)"; fi
if grep -q '"psid":5,"psid_len":4,"offset":6' <<<"$out" && grep -q '"ports":4032' <<<"$out"
then ok "Kea lw4o6: port set PSID 5/4 offset 6 (4032 ports)"
else fail "Kea lw4o6: port set PSID 5/4 offset 6 (4032 ports)" "$out"; fi
if grep -q '"tep":"2001:db8:1::1"' <<<"$out"; then ok "Kea lw4o6: the BR is the TEP"
else fail "Kea lw4o6: the BR is the TEP" "$out"; fi
B4=2001:db8:1::c000:203:5     # RFC 7597 §6: 0 / 192.0.2.3 / PSID 5 in the bind prefix's /64
if grep -q "\"b4\":\"$B4\"" <<<"$out"; then ok "Kea lw4o6: the B4 address follows from the bind prefix"
else fail "Kea lw4o6: the B4 address follows from the bind prefix" "$out"; fi
if grep -q "$B4/128" <<<"$(ctl r addr show dev tap0)"; then ok "Kea lw4o6: the B4 address is on tap0"
else fail "Kea lw4o6: the B4 address is on tap0" "$(ctl r addr show dev tap0)"; fi
if grep -q "192.0.2.3/32" <<<"$(ctl r addr show dev dti0)"; then ok "Kea lw4o6: 192.0.2.3/32 on dti0"
else fail "Kea lw4o6: 192.0.2.3/32 on dti0" "$(ctl r addr show dev dti0)"; fi
sleep 2   # the B4 address through DAD

ctl r nc -u -w 1 198.51.100.7 9 'through the softwire' >/dev/null 2>&1
sleep 1
kill -INT $TCPD 2>/dev/null; wait $TCPD 2>/dev/null
pk=$(tshark -r "$W/br.pcap" -T fields -e ipv6.src -e ipv6.dst -e ip.src -e ip.dst -e udp.srcport -e data.text \
     -o data.show_as_text:TRUE 2>/dev/null)
if grep -q "^$B4	2001:db8:1::1	192.0.2.3	198.51.100.7	" <<<"$pk"
then ok "4in6 from the B4 address to the BR, inner source 192.0.2.3"
else fail "4in6 from the B4 address to the BR, inner source 192.0.2.3" "$pk" "$(cat "$W/dumpcap.log")"; fi
if grep -q "through the softwire" <<<"$pk"; then ok "the datagram's payload crossed intact"
else fail "the datagram's payload crossed intact" "$pk"; fi
# the source port inside the port set needs NAPT44 (napt44.h), not in yet
sport=$(awk -F'\t' 'NR == 1 { print $5 }' <<<"$pk")
# PSID 5 of length 4 at offset 6 (RFC 7597 §5.1): bits 6..9 of the port are 5, and the port is >= 1024
if [[ $sport =~ ^[0-9]+$ ]] && ((sport >= 1024 && ((sport >> 6) & 15) == 5)); then
  ok "NAPT44: the inner source port $sport is inside the port set"
else fail "NAPT44: the inner source port is inside the port set" "port '$sport'"; fi
kill -TERM $KEA 2>/dev/null; wait $KEA 2>/dev/null
finish
