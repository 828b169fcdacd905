#!/usr/bin/env bash
# src/wire/dhcp6.c against independent DHCPv6 implementations, no network
# needed: scapy (scapy.layers.dhcp6) builds a Solicit with IA_NA + IA_PD +
# ORO + ELAPSED_TIME + RAPID_COMMIT that our parser must read field for
# field; a Reply from our builder (IA_NA, IA_PD, DNS servers, domain list,
# preference, SOL_MAX_RT, status) must be dissected by scapy and by tshark
# with the same values and no malformed-packet warning.
. "$(dirname "$0")/lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)

if ! cc -std=c17 -D_GNU_SOURCE -Wall -Wextra -Werror -I"$ROOT/include" -I"$ROOT/src" \
     "$HERE/dhcp6_wire_tool.c" "$ROOT/src/wire/dhcp6.c" "$ROOT/src/wire/wire.c" -o "$W/tool" 2>"$W/cc.err"; then
  fail "build dhcp6_wire_tool" "$(cat "$W/cc.err")"
  finish
fi

# scapy's Solicit, our parser
"$PY" "$HERE/dhcp6_wire_scapy.py" solicit "$W/sol.bin" 2>"$W/py.err" || fail "scapy builds a Solicit" "$(cat "$W/py.err")"
"$W/tool" parse "$W/sol.bin" > "$W/sol.txt"
want_sol="reason=ok
type=SOLICIT
xid=4873068
role=ok
clientid=00030001021122334455
elapsed=250
oro=23,24,82
ia=na iaid=287454020 t1=0 t2=0 items=0
ia=pd iaid=5 t1=0 t2=0 items=1
item=2001:db8:ff00::/56 0 0
rapid_commit=1
unknown=0"
if [[ "$(cat "$W/sol.txt")" == "$want_sol" ]]; then ok "scapy's Solicit parses to the same fields"
else fail "scapy's Solicit parses to the same fields" "$(diff <(echo "$want_sol") "$W/sol.txt")"; fi

# our Reply, scapy's dissector
"$W/tool" reply "$W/rep.bin" || fail "the builder writes a Reply"
check "scapy dissects our Reply to the same values" "$PY" "$HERE/dhcp6_wire_scapy.py" check-reply "$W/rep.bin"

# our Reply, tshark's dissector
"$PY" "$HERE/dhcp6_wire_scapy.py" pcap "$W/rep.bin" "$W/rep.pcap"
got=$(tshark -r "$W/rep.pcap" -T fields -E separator='|' -E aggregator=',' -e dhcpv6.msgtype -e dhcpv6.xid \
        -e dhcpv6.iaaddr.ip -e dhcpv6.iaaddr.pref_lifetime -e dhcpv6.iaaddr.valid_lifetime \
        -e dhcpv6.iaprefix.pref_addr -e dhcpv6.iaprefix.pref_len -e dhcpv6.dns_server \
        -e dhcpv6.search_list_entry -e dhcpv6.option_preference -e dhcpv6.status_code -e dhcpv6.status_msg \
        -e _ws.malformed -e _ws.expert.severity 2>"$W/tshark.err")
want='7|0xc0ffee|2001:db8:1::100|3600|7200|2001:db8:aa00::|56|2001:db8::53,2001:db8::35|example.com.,lab.example.org.|200|0|all good||'
if [[ "$got" == "$want" ]]; then ok "tshark dissects our Reply to the same values"
else fail "tshark dissects our Reply to the same values" "got  $got" "want $want" "$(cat "$W/tshark.err")"; fi
finish
